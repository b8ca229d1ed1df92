"""Tracing a model to record its layers' real calls: sub-layer rows, own products, no changes."""

from __future__ import annotations

from typing import Any

import pytest

import layerscope


def _block_model(keras: Any) -> Any:
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.a = keras.layers.Dense(8, name="a")
            self.b = keras.layers.Dense(4, name="b")

        def call(self, x: Any) -> Any:
            h = self.a(x)
            outer = keras.ops.einsum("bsi,bsj->bsij", h, h)  # 8 x 8 per position
            return self.b(h) + keras.ops.sum(outer, axis=-1)[..., :4]

    inputs = keras.Input((None, 6), name="features")
    return keras.Model(inputs, Block(name="blk")(inputs), name="blocky")


def test_a_custom_block_gets_sub_layer_rows_and_its_own_products(keras: Any) -> None:
    import keras as k

    model = _block_model(keras)
    call_before = k.layers.Layer.__call__
    einsum_before = k.ops.einsum
    nodes_before = [len(layer._inbound_nodes) for layer in model.layers]
    report = layerscope.analyze(model, seq_len=5)
    assert k.layers.Layer.__call__ is call_before and k.ops.einsum is einsum_before
    assert [len(layer._inbound_nodes) for layer in model.layers] == nodes_before

    block = report.layer("blk")
    assert block.is_block and block.call_class == ""
    a, b = report.layer("blk/a"), report.layer("blk/b")
    assert (a.depth, a.parent, a.call_class) == (1, "blk", "Dense")
    assert a.input_shapes == ((None, 5, 6),) and b.input_shapes == ((None, 5, 8),)
    assert a.macs == 5 * 6 * 8 and b.macs == 5 * 8 * 4
    assert block.macs == a.macs + b.macs + 5 * 8 * 8
    assert block.params == a.params + b.params == model.count_params()
    assert report.cost.macs == block.macs
    assert report.cost.assumptions.input_shapes == {"features": (1, 5, 6)}
    assert report.trace is not None and report.trace.error is None


def test_a_model_that_cannot_be_traced_keeps_its_rows_and_says_why(
    keras: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keras.src import backend

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no symbolic call here")

    model = _block_model(keras)
    monkeypatch.setattr(backend, "compute_output_spec", refuse)
    report = layerscope.analyze(model)
    assert report.trace is not None and "no symbolic call here" in str(report.trace.error)
    assert [row.path for row in report.layers] == ["features", "blk", "blk/a", "blk/b"]
    assert report.cost.assumptions.trace_error == "RuntimeError: no symbolic call here"
    assert "Not traced:" in report.to_text(width=120)
    with pytest.raises(layerscope.UsageError, match="cannot be called with input shape"):
        layerscope.analyze(model, seq_len=5)
