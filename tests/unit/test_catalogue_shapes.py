"""The static engine's pooling and reshaping output-shape rules at Keras's exact values
(issue 17's mutation run: these rules were reached by Keras-tier tests only)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import pooling, reshaping
from layerscope.errors import StaticUnsupported


@pytest.mark.parametrize(
    ("config", "inputs", "output"),
    [
        ({"pool_size": 2}, (None, 10, 11, 3), (None, 5, 5, 3)),
        ({"pool_size": [3, 2], "strides": 1}, (None, 10, 11, 3), (None, 8, 10, 3)),
        ({"pool_size": 2, "strides": [1, 3]}, (None, 10, 11, 3), (None, 9, 4, 3)),
        ({"pool_size": 3, "padding": "SAME"}, (None, 10, 11, 3), (None, 4, 4, 3)),
        (
            {"pool_size": 2, "data_format": "channels_first"},
            (None, 3, 10, None),
            (None, 3, 5, None),
        ),
        ({"pool_size": 2, "strides": None}, (None, 9, 4), (None, 4, 4)),
    ],
)
def test_pool_shape(config: dict[str, Any], inputs: tuple, output: tuple) -> None:
    assert pooling._pool_shape(config, [inputs]) == [output]


def test_global_pool_shape() -> None:
    assert pooling._global_pool_shape({}, [(None, 5, 6, 3)]) == [(None, 3)]
    assert pooling._global_pool_shape({"keepdims": True}, [(None, 5, 6, 3)]) == [(None, 1, 1, 3)]
    first = {"keepdims": True, "data_format": "channels_first"}
    assert pooling._global_pool_shape(first, [(2, 3, 5)]) == [(2, 3, 1)]
    assert pooling._global_pool_shape({"data_format": "channels_first"}, [(2, 3, 5)]) == [(2, 3)]


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def test_reshape_shape() -> None:
    shape = reshaping._reshape_shape
    assert shape({"target_shape": [4, 6]}, [(None, 2, 12)]) == [(None, 4, 6)]
    assert shape({"target_shape": (-1, 3)}, [(None, 2, 12)]) == [(None, 8, 3)]
    assert shape({"target_shape": [4, -1, 2]}, [(7, 24)]) == [(7, 4, 3, 2)]
    assert shape({"target_shape": [4, 6]}, [(None, None, 12)]) == [(None, 4, 6)]
    with _refused("layer 'r': target_shape None"):
        shape({"name": "r"}, [(None, 4)])
    with _refused("layer 'r': target_shape [-1, -1] has two -1"):
        shape({"name": "r", "target_shape": [-1, -1]}, [(None, 4)])
    with _refused("Reshape with -1 over an unknown dimension"):
        shape({"target_shape": [-1, 2]}, [(None, None, 4)])
    with _refused("layer 'r': cannot reshape 24 values to [5, -1]"):
        shape({"name": "r", "target_shape": [5, -1]}, [(None, 24)])
    with _refused("layer 'r': cannot reshape 24 values to [5, 4]"):
        shape({"name": "r", "target_shape": [5, 4]}, [(None, 24)])
    with _refused("layer 'r': target_shape is 0, not a whole number from 1 to 2147483647"):
        shape({"name": "r", "target_shape": [0, 4]}, [(None, 24)])


def test_permute_and_repeat_shapes() -> None:
    assert reshaping._permute_shape({"dims": [2, 1]}, [(None, 3, 5)]) == [(None, 5, 3)]
    assert reshaping._permute_shape({"dims": (1, 3, 2)}, [(4, 3, 5, 6)]) == [(4, 3, 6, 5)]
    for dims in ([1, 1], [0, 1], [True, 2], None, [1, 2, 3]):
        with _refused(f"layer 'p': dims {dims!r} do not permute the axes 1 to 2"):
            reshaping._permute_shape({"name": "p", "dims": dims}, [(None, 3, 5)])
    assert reshaping._repeat_shape({"n": 4}, [(None, 3)]) == [(None, 4, 3)]


def test_padding_and_cropping_shapes() -> None:
    pad, crop = reshaping._padding_shape(1), reshaping._padding_shape(-1)
    assert pad({"padding": 1}, [(None, 10, 3)]) == [(None, 12, 3)]
    assert pad({"padding": (1, 2)}, [(None, 10, 3)]) == [(None, 13, 3)]
    assert pad({"padding": 0}, [(None, None, 3)]) == [(None, None, 3)]
    assert pad({"padding": ((1, 2), 3)}, [(None, 10, 11, 4)]) == [(None, 13, 17, 4)]
    assert pad({"padding": [1, 2]}, [(None, 10, 11, 4)]) == [(None, 12, 15, 4)]
    first = {"padding": [1, 2], "data_format": "channels_first"}
    assert pad(first, [(None, 4, 10, 11)]) == [(None, 4, 12, 15)]
    assert pad({"padding": 1, "data_format": "channels_first"}, [(None, 10, 3)]) == [(None, 12, 3)]
    assert crop({"cropping": (1, 2)}, [(None, 10, 3)]) == [(None, 7, 3)]
    assert crop({"cropping": [[1, 0], [0, 2]]}, [(2, 10, 11, 4)]) == [(2, 9, 9, 4)]
    assert crop({"cropping": 1}, [(2, 5, 6, 7, 4)]) == [(2, 3, 4, 5, 4)]
    for bad in ("1", [1, 2, 3], [(1, 2, 3), 1], True):
        with _refused(f"layer 'z': padding {bad!r}"):
            pad({"name": "z", "padding": bad}, [(None, 10, 11, 4)])
    with _refused("layer 'z': padding is -1, not a whole number from 0 to 2147483647"):
        pad({"name": "z", "padding": -1}, [(None, 10, 3)])
    with _refused("layer 'z': padding is -1, not a whole number from 0 to 2147483647"):
        pad({"name": "z", "padding": [(0, -1), 1]}, [(None, 10, 11, 4)])


def test_upsampling_shape() -> None:
    shape = reshaping._upsampling_shape
    assert shape({"size": 3}, [(None, 4, 5)]) == [(None, 12, 5)]
    assert shape({"size": 3}, [(None, None, 5)]) == [(None, None, 5)]
    assert shape({"size": [2, 3]}, [(None, 4, 5, 6)]) == [(None, 8, 15, 6)]
    first = {"size": 2, "data_format": "channels_first"}
    assert shape(first, [(None, 6, 4, None)]) == [(None, 6, 8, None)]
