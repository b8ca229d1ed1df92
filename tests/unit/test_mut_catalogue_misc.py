"""Which classes a rule of their own prices (``priced_by_rule``, reached by Keras-tier tests
only in the 09:47 mutation run) and adaptive pooling's batch axis."""

from __future__ import annotations

from layerscope.catalogue import pooling, priced_by_rule


def test_priced_by_rule() -> None:
    assert priced_by_rule("Dense") is True  # a MAC rule of its own
    assert priced_by_rule("Conv2D") is True
    assert priced_by_rule("TimeDistributed") is True  # a wrapper: its inner layer's rule
    assert priced_by_rule("Bidirectional") is True
    assert priced_by_rule("Flatten") is False  # catalogued, no rule, not a wrapper
    assert priced_by_rule("ReLU") is False
    assert priced_by_rule("MyLayer") is False  # not catalogued
    assert priced_by_rule(None) is False


def test_adaptive_pool_shape_keeps_the_batch_axis() -> None:
    shape = pooling._adaptive_pool_shape
    assert shape({"output_size": 3}, [(4, 9, 9, 5)]) == [(4, 3, 3, 5)]
    assert shape({"output_size": [2, 3]}, [(None, 9, 7, 5)]) == [(None, 2, 3, 5)]
    channels_first = {"output_size": 2, "data_format": "channels_first"}
    assert shape(channels_first, [(8, 5, 9)]) == [(8, 5, 2)]
