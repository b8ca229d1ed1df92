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


def test_a_fixed_batch_size_is_not_counted_as_samples(keras: Any) -> None:
    """``keras.Input(shape, batch_size=8)``: the trace runs at batch 8, so each call's
    leading axis and each product's shapes hold 8 samples; the figures stay per sample,
    equal to the same model's with the batch left open."""

    def model(batch: int | None) -> Any:
        inputs = keras.Input((5, 6), batch_size=batch, name="features")
        return keras.Model(inputs, _block_model(keras)(inputs), name=f"batch_{batch}")

    open_batch, fixed = layerscope.analyze(model(None)), layerscope.analyze(model(8))
    assert fixed.cost.assumptions.input_shapes == {"features": (8, 5, 6)}
    per_sample = 5 * 6 * 8 + 5 * 8 * 4 + 5 * 8 * 8
    assert open_batch.cost.macs == fixed.cost.macs == per_sample
    assert [r.macs for r in fixed.layers] == [r.macs for r in open_batch.layers]
    assert [r.activation_elements for r in fixed.layers] == [
        r.activation_elements for r in open_batch.layers
    ]


def test_a_custom_layer_without_sub_layers_is_traced_for_its_products(keras: Any) -> None:
    """A custom layer with no sub-layers and no variables that multiplies its input by its
    own transpose runs 5 x 5 x 16 MACs per sample: traced and counted, not 0."""

    class Gram(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            return keras.ops.matmul(x, keras.ops.transpose(x, (0, 2, 1)))

    inputs = keras.Input((5, 16))
    report = layerscope.analyze(keras.Model(inputs, Gram(name="gram")(inputs)))
    assert report.layer("gram").macs == 5 * 5 * 16
    assert report.cost.macs == 400 and report.cost.complete
