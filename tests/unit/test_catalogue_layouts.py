"""Recurrent wrappers, normalisation, preprocessing and PReLU: their saved layouts, variable
shapes and output shapes as the static engine reads them (issue 17's mutation run: reached by
Keras-tier tests only)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import activation, normalization, preprocessing, recurrent
from layerscope.catalogue.kind import VarSpec
from layerscope.errors import StaticUnsupported


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def _keras(class_name: str, **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "module": "keras.layers", "config": config}


def test_bidirectional_layout() -> None:
    forward = _keras("LSTM", units=3)
    (specs, subs) = recurrent._bidirectional_layout({"layer": forward})
    assert specs == ()
    assert [(s.attribute, s.class_name, dict(s.config)) for s in subs] == [
        ("forward_layer", "LSTM", {"units": 3}),
        ("backward_layer", "LSTM", {"units": 3}),
    ]
    backward = _keras("GRU", units=2)
    (_, subs) = recurrent._bidirectional_layout({"layer": forward, "backward_layer": backward})
    assert [(s.attribute, s.class_name, dict(s.config)) for s in subs] == [
        ("forward_layer", "LSTM", {"units": 3}),
        ("backward_layer", "GRU", {"units": 2}),
    ]
    (_, subs) = recurrent._bidirectional_layout({"layer": {**forward, "config": None}})
    assert [dict(s.config) for s in subs] == [{}, {}]


def test_bidirectional_shape() -> None:
    shape = recurrent._bidirectional_shape
    lstm = _keras("LSTM", units=3)
    assert shape({"layer": lstm}, [(None, 7, 5)]) == [(None, 6)]
    sequences = _keras("GRU", units=3, return_sequences=True)
    assert shape({"layer": sequences}, [(2, 7, 5)]) == [(2, 7, 6)]
    assert shape({"layer": sequences, "merge_mode": "sum"}, [(2, 7, 5)]) == [(2, 7, 3)]
    assert shape({"layer": sequences, "merge_mode": None}, [(2, 7, 5)]) == [(2, 7, 3), (2, 7, 3)]
    states = _keras("LSTM", units=3, return_state=True)
    assert shape({"layer": states}, [(2, 7, 5)]) == [(2, 6)] + [(2, 3)] * 4
    assert shape({"layer": _keras("SimpleRNN", units=3, return_state=True)}, [(2, 7, 5)]) == [
        (2, 6),
        (2, 3),
        (2, 3),
    ]
    with _refused("Bidirectional over Dense"):
        shape({"layer": _keras("Dense", units=3)}, [(2, 7, 5)])


def test_time_distributed_layout_and_shape() -> None:
    dense = _keras("Dense", units=4)
    (specs, subs) = recurrent._time_distributed_layout({"layer": dense})
    assert specs == ()
    assert [(s.attribute, s.class_name, dict(s.config)) for s in subs] == [
        ("layer", "Dense", {"units": 4})
    ]
    shape = recurrent._time_distributed_shape
    assert shape({"layer": dense}, [(2, 7, 5)]) == [(2, 7, 4)]
    conv = _keras("Conv2D", filters=3, kernel_size=3)
    assert shape({"layer": conv}, [(None, 7, 9, 8, 1)]) == [(None, 7, 7, 6, 3)]
    for inner in ("Bidirectional", "TimeDistributed", "MyLayer"):
        with _refused(f"TimeDistributed over {inner}"):
            shape(
                {"layer": {"class_name": inner, "module": "keras.layers", "config": {}}},
                [(2, 7, 5)],
            )
    split = _keras("LSTM", units=3, return_state=True)
    with _refused("TimeDistributed over LSTM with several outputs"):
        shape({"layer": split}, [(2, 7, 6, 5)])


def test_cell_layout_and_sublayer_inputs() -> None:
    assert recurrent._cell_layout({}) == (
        (VarSpec("kernel"), VarSpec("recurrent_kernel"), VarSpec("bias")),
        (),
    )
    assert recurrent._cell_layout({"use_bias": False}) == (
        (VarSpec("kernel"), VarSpec("recurrent_kernel")),
        (),
    )
    assert recurrent._one_step([(2, 7, 5)]) == [(2, 5)]
    assert recurrent._one_slice([(2, 7, 6, 5)]) == [(2, 6, 5)]
    assert recurrent._same_inputs([(2, 7, 5), (2, 3)]) == [(2, 7, 5)]


def test_normalization_layouts() -> None:
    assert normalization._batch_norm_layout({}) == (
        (
            VarSpec("gamma"),
            VarSpec("beta"),
            VarSpec("moving_mean", False),
            VarSpec("moving_variance", False),
        ),
        (),
    )
    assert normalization._batch_norm_layout({"scale": False, "center": False}) == (
        (VarSpec("moving_mean", False), VarSpec("moving_variance", False)),
        (),
    )
    assert normalization._batch_norm_layout({"scale": False})[0][0] == VarSpec("beta")
    assert normalization._scale_center_layout({}) == ((VarSpec("gamma"), VarSpec("beta")), ())
    assert normalization._scale_center_layout({"scale": False}) == ((VarSpec("beta"),), ())
    assert normalization._scale_center_layout({"center": False}) == ((VarSpec("gamma"),), ())
    assert normalization._rms_layout({}) == ((VarSpec("scale"),), ())


def test_preprocessing_normalization() -> None:
    assert preprocessing._normalization_layout({"mean": 0.5}) == ((), ())
    assert preprocessing._normalization_layout({"mean": None}) == (
        (VarSpec("mean", False), VarSpec("variance", False), VarSpec("count", False)),
        (),
    )
    assert preprocessing._adapted_normalization_variables({}, [(None, 4, 6)]) == {
        "mean": (6,),
        "variance": (6,),
        "count": (),
    }


def test_prelu_alphas() -> None:
    rule = activation._prelu_variables
    assert rule({}, []) == {}
    assert rule({}, [(None, 4, 5, 6)]) == {"alpha": (4, 5, 6)}
    assert rule({"shared_axes": [1, 2]}, [(None, 4, 5, 6)]) == {"alpha": (1, 1, 6)}
    assert rule({"shared_axes": 3}, [(None, 4, 5, 6)]) == {"alpha": (4, 5, 1)}
    for bad in (0, 4, True, "1"):
        with _refused(f"layer 'p': shared axis {bad!r}"):
            rule({"name": "p", "shared_axes": [bad]}, [(None, 4, 5, 6)])


def test_conv_and_core_layouts() -> None:
    from layerscope.catalogue import conv, core
    from layerscope.catalogue.dims import zero
    from layerscope.catalogue.geometry import same_shape

    assert conv._conv_layout({}) == ((VarSpec("kernel"), VarSpec("bias")), ())
    with _refused("layer 'c' is quantized or uses LoRA, whose saved variables depend on the mode"):
        conv._conv_layout({"name": "c", "lora_rank": 1})
    assert conv._separable_layout({}) == (
        (VarSpec("depthwise_kernel"), VarSpec("pointwise_kernel"), VarSpec("bias")),
        (),
    )
    assert conv._separable_layout({"use_bias": False}) == (
        (VarSpec("depthwise_kernel"), VarSpec("pointwise_kernel")),
        (),
    )
    assert core._layer_scale_layout({}) == ((VarSpec("variable", auto_named=True),), ())
    assert core._layer_scale_variables({"projection_dim": 96}, []) == {"variable": (96,)}
    with _refused("layer 's': projection_dim is None, not a whole number from 1 to 2147483647"):
        core._layer_scale_variables({"name": "s"}, [])
    assert core._custom_scale_shape({}, [(None, 4), (None, 5)]) == [(None, 4)]
    assert same_shape({}, [(2, 3), (2, 5)]) == [(2, 3)]
    assert zero({}, [(None, 4)], [(None, 4)]) == 0
