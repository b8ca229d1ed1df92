"""The catalogue's small helpers and kind builders at exact values (issue 17's mutation run).

The kind builders (``conv._kinds``, ``activation._activation``...) run once when the catalogue
is imported; these tests call them again so that what they build is checked, flag by flag.
The config readers (sizes, geometry, layouts, quantization modes) are what the static engine
reads a weights file by; here each is pinned at its boundaries, with its exact message.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope import catalogue
from layerscope.catalogue import activation, conv, dense, normalization, regularization
from layerscope.catalogue.geometry import (
    channels_first,
    conv_length,
    last_dim,
    same_shape,
    split_channels,
)
from layerscope.catalogue.kind import LayerKind, VarSpec
from layerscope.catalogue.layout import (
    kernel_bias,
    quantization_mode,
    require_plain,
    single_variable,
    var_specs,
)
from layerscope.catalogue.params import MAX_SIZE, check_size, class_of, param_size, param_sizes
from layerscope.catalogue.reshaping import _flatten_shape
from layerscope.errors import StaticUnsupported

# --- kind builders ------------------------------------------------------------------------


def test_an_activation_kind() -> None:
    kind = activation._activation("Swish")
    assert (kind.name, kind.family) == ("Swish", "activation")
    assert kind.stateless and kind.elementwise and kind.pass_through
    assert kind.output_shape is same_shape
    assert kind.layout is None and kind.cost is None and kind.hidden_layer


def test_a_stateless_regularising_kind() -> None:
    kind = regularization._stateless("MyNoise", "noise")
    assert (kind.name, kind.family, kind.regularising) == ("MyNoise", "regularization", "noise")
    assert kind.stateless and kind.pass_through and not kind.elementwise
    assert kind.output_shape is same_shape


def test_a_normalization_kind() -> None:
    def layout(config: Any) -> Any:
        return ((), ())

    kind = normalization._norm("MyNorm", layout, ("gamma", "beta"))
    assert (kind.name, kind.family) == ("MyNorm", "normalization")
    assert kind.elementwise and kind.pass_through and not kind.stateless
    assert kind.layout is layout and kind.output_shape is same_shape
    assert kind.variable_shapes is not None
    shapes = kind.variable_shapes({"axis": -1}, [(None, 5, 6)])
    assert shapes == {"gamma": (6,), "beta": (6,)}
    assert kind.variable_shapes({"axis": [1, 2]}, [(None, 5, 6)]) == {
        "gamma": (5, 6),
        "beta": (5, 6),
    }


# (name, width_key, input_kernel, unit_kernel, spectral_kernel, has layout/shapes/output rules)
CONV_TABLE = [
    *[
        row
        for rank in (1, 2, 3)
        for row in (
            (f"Conv{rank}D", "filters", True, True, True, True),
            (f"Convolution{rank}D", "filters", True, False, False, False),
            (f"Conv{rank}DTranspose", None, True, False, False, True),
            (f"Convolution{rank}DTranspose", None, True, False, False, False),
        )
    ],
    *[
        row
        for rank in (1, 2)
        for row in (
            (f"DepthwiseConv{rank}D", None, False, False, False, True),
            (f"SeparableConv{rank}D", "filters", False, False, False, True),
            (f"SeparableConvolution{rank}D", "filters", False, False, False, False),
        )
    ],
]


def test_the_convolution_kinds_flag_by_flag() -> None:
    kinds = conv._kinds()
    table = [
        (
            k.name,
            k.width_key,
            k.input_kernel,
            k.unit_kernel,
            k.spectral_kernel,
            k.layout is not None and k.variable_shapes is not None and k.output_shape is not None,
        )
        for k in kinds
    ]
    assert table == CONV_TABLE
    assert {k.family for k in kinds} == {"conv"}
    assert all(k.cost is not None and not k.stateless for k in kinds)


_CONV_CONFIG = {"filters": 4, "kernel_size": 3, "depth_multiplier": 2}


@pytest.mark.parametrize(
    ("name", "inputs", "outputs", "macs"),
    [
        ("Conv1D", (None, 10, 3), (None, 8, 4), 8 * 3 * 3 * 4),
        ("Convolution2D", (None, 10, 11, 3), (None, 8, 9, 4), 72 * 9 * 3 * 4),
        ("Conv3D", (None, 5, 6, 7, 3), (None, 3, 4, 5, 4), 60 * 27 * 3 * 4),
        ("Conv2DTranspose", (None, 4, 5, 3), (None, 6, 7, 4), 20 * 9 * 3 * 4),
        ("Convolution3DTranspose", (None, 2, 3, 4, 3), (None, 4, 5, 6, 4), 24 * 27 * 3 * 4),
        ("Conv1DTranspose", (None, 4, 3), (None, 6, 4), 4 * 3 * 3 * 4),
        ("DepthwiseConv2D", (None, 6, 7, 3), (None, 4, 5, 6), 20 * 9 * 3 * 2),
        ("DepthwiseConv1D", (None, 6, 3), (None, 4, 6), 4 * 3 * 3 * 2),
        ("SeparableConv2D", (None, 6, 7, 3), (None, 4, 5, 4), 20 * 9 * 3 * 2 + 20 * 3 * 2 * 4),
        ("SeparableConvolution1D", (None, 6, 3), (None, 4, 4), 4 * 3 * 3 * 2 + 4 * 3 * 2 * 4),
    ],
)
def test_each_built_convolution_kind_prices_its_own_rank(
    name: str, inputs: tuple, outputs: tuple, macs: int
) -> None:
    kind = next(k for k in conv._kinds() if k.name == name)
    assert kind.cost is not None
    assert kind.cost(_CONV_CONFIG, [inputs], [outputs]) == macs


def test_the_join_keeps_every_kind_by_name() -> None:
    first, second = LayerKind("A", "x"), LayerKind("B", "y")
    table = catalogue._join([first, second])
    assert dict(table) == {"A": first, "B": second}
    with pytest.raises(TypeError):
        table["C"] = first  # type: ignore[index]


def test_rule_lookups_of_an_unknown_class() -> None:
    assert catalogue.variable_shape_rule("MyLayer") is None
    assert catalogue.variable_shape_rule("Dense") is dense._dense_variables
    assert catalogue.kind_of(None) is None


# --- geometry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation", "length"),
    [
        (None, 3, 1, "valid", 1, None),
        (10, 3, 1, "valid", 1, 8),
        (10, 3, 2, "valid", 1, 4),
        (11, 3, 2, "valid", 1, 5),
        (10, 3, 1, "valid", 2, 6),
        (10, 1, 1, "valid", 3, 10),
        (10, 3, 1, "same", 1, 10),
        (10, 3, 3, "same", 2, 4),
        (9, 3, 3, "same", 1, 3),
    ],
)
def test_conv_length(
    size: int | None, kernel: int, stride: int, padding: str, dilation: int, length: int | None
) -> None:
    assert conv_length(size, kernel, stride, padding, dilation) == length


def test_conv_length_refuses_other_padding() -> None:
    with pytest.raises(StaticUnsupported, match=r"^padding 'full'$"):
        conv_length(10, 3, 1, "full", 1)


def test_channels_and_last_dims() -> None:
    assert not channels_first({})
    assert not channels_first({"data_format": "channels_last"})
    assert channels_first({"data_format": "channels_first"})
    assert split_channels({}, (None, 5, 6, 3)) == ((5, 6), 3)
    assert split_channels({"data_format": "channels_first"}, (None, 3, 5, 6)) == ((5, 6), 3)
    assert last_dim([(None, 4, 7)]) == 7
    assert last_dim([]) is None
    assert last_dim([()]) is None


def test_flatten_shape() -> None:
    assert _flatten_shape({}, [(None, 3, 4, 5)]) == [(None, 60)]
    assert _flatten_shape({}, [(2, 3, None)]) == [(2, None)]
    assert _flatten_shape({}, [(7, 3)]) == [(7, 3)]


def test_dense_shape_and_conv_geometry() -> None:
    assert dense._dense_shape({"units": 6}, [(None, 4, 5)]) == [(None, 4, 6)]
    assert conv._conv_geometry({"kernel_size": [3, 2]}, [(None, 7, 8, 3)]) == ((3, 2), 3, 2)
    assert conv._conv_geometry({"kernel_size": 3}, [(None, 7, 3)]) == ((3,), 3, 1)
    for inputs in ([], [(None, 3)]):
        with pytest.raises(StaticUnsupported, match=r"^layer 'c': no input shape to convolve$"):
            conv._conv_geometry({"name": "c", "kernel_size": 3}, inputs)


# --- config sizes -------------------------------------------------------------------------


def test_check_size_bounds() -> None:
    assert check_size(1, "units", {}) == 1
    assert check_size(MAX_SIZE, "units", {}) == MAX_SIZE
    assert check_size(0, "padding", {}, minimum=0) == 0
    message = f"layer 'd': units is {{!r}}, not a whole number from 1 to {MAX_SIZE}"
    for bad in (0, MAX_SIZE + 1, True, 2.0, "3", None):
        with pytest.raises(StaticUnsupported) as caught:
            check_size(bad, "units", {"name": "d"})
        assert str(caught.value) == message.format(bad)


def test_param_size_defaults_and_minimum() -> None:
    assert param_size({"units": 3}, "units") == 3
    assert param_size({}, "groups", default=1) == 1
    assert param_size({"groups": None}, "groups", default=2) == 2
    assert param_size({"groups": 4}, "groups", default=1) == 4
    assert param_size({"pad": 0}, "pad", minimum=0) == 0
    with pytest.raises(StaticUnsupported, match=r"^layer 'd': units is None, not a whole"):
        param_size({"name": "d"}, "units")
    with pytest.raises(
        StaticUnsupported, match=r"^layer 'd': units is 0, not a whole number from 1"
    ):
        param_size({"name": "d", "units": 0}, "units")


def test_param_sizes() -> None:
    assert param_sizes({"kernel_size": 3}, "kernel_size", 2) == (3, 3)
    assert param_sizes({"kernel_size": [3, 2]}, "kernel_size", 2) == (3, 2)
    assert param_sizes({}, "strides", 3, default=1) == (1, 1, 1)
    assert param_sizes({"strides": None}, "strides", 2, default=2) == (2, 2)
    assert param_sizes({"pad": [0, 1]}, "pad", 2, minimum=0) == (0, 1)
    assert param_sizes({"pad": 0}, "pad", 2, minimum=0) == (0, 0)
    with pytest.raises(StaticUnsupported, match=r"^layer 'c': kernel_size \[3\] does not have 2"):
        param_sizes({"name": "c", "kernel_size": [3]}, "kernel_size", 2)
    with pytest.raises(StaticUnsupported, match=r"^layer 'c': kernel_size is 0, not a whole"):
        param_sizes({"name": "c", "kernel_size": [3, 0]}, "kernel_size", 2)
    with pytest.raises(StaticUnsupported, match=r"^layer 'c': kernel_size is 0, not a whole"):
        param_sizes({"name": "c", "kernel_size": 0}, "kernel_size", 2)


def test_class_of_keras_own_classes_only() -> None:
    assert class_of({"class_name": "Dense", "module": "keras.layers"}) == "Dense"
    assert class_of({"class_name": "Dense", "module": "keras"}) == "Dense"
    assert class_of({"class_name": "Dense", "module": "keras", "registered_name": "Dense"})
    refusals = [
        ({"class_name": "Dense"}, "'.Dense'"),
        ({"class_name": "Dense", "module": "my_pkg"}, "'my_pkg.Dense'"),
        ({"class_name": "Dense", "module": "kerasx"}, "'kerasx.Dense'"),
        ({"class_name": "Dense", "module": "keras", "registered_name": "p>Dense"}, "'p>Dense'"),
        ({"class_name": "LayerScale", "module": "keras.layers"}, "'keras.layers.LayerScale'"),
    ]
    for entry, shown in refusals:
        expected = f"layer class {shown} is not known to the static engine"
        with pytest.raises(StaticUnsupported, match=f"^{re.escape(expected)}$"):
            class_of(entry)


# --- layouts and quantization -------------------------------------------------------------


def test_var_specs_and_kernel_bias() -> None:
    assert var_specs("a", ("b", False)) == (VarSpec("a"), VarSpec("b", False))
    assert kernel_bias({}) == ((VarSpec("kernel"), VarSpec("bias")), ())
    assert kernel_bias({"use_bias": True}, "depthwise_kernel") == (
        (VarSpec("depthwise_kernel"), VarSpec("bias")),
        (),
    )
    assert kernel_bias({"use_bias": False}) == ((VarSpec("kernel"),), ())
    assert single_variable("alpha")({}) == ((VarSpec("alpha"),), ())
    assert single_variable("count", False)({}) == ((VarSpec("count", False),), ())


def _policy(name: str, mode: Any = "int8") -> dict[str, Any]:
    return {"class_name": name, "config": {"name": "x", "mode": mode}}


def test_quantization_mode() -> None:
    assert quantization_mode({}) is None
    assert quantization_mode({"dtype": "float32"}) is None
    assert quantization_mode({"dtype": {"class_name": "DTypePolicy"}}) is None
    assert quantization_mode({"dtype": _policy("QuantizedDTypePolicy")}) == "int8"
    assert quantization_mode({"dtype": _policy("Int4DTypePolicy", "int4/128")}) == "int4/128"
    assert quantization_mode({"dtype": _policy("QuantizedFloat8DTypePolicy", "float8")}) == "float8"
    assert quantization_mode({"lora_rank": 4, "dtype": _policy("QuantizedDTypePolicy")}) is None
    for dtype in (_policy("QuantizedDTypePolicy", None), {"class_name": "Int4DTypePolicy"}):
        with pytest.raises(StaticUnsupported, match=r"^layer 'q': unreadable quantization mode$"):
            quantization_mode({"name": "q", "dtype": dtype})


def test_require_plain() -> None:
    require_plain({})
    require_plain({"dtype": "float32"})
    for name in ("DTypePolicy", "FloatDTypePolicy"):
        require_plain({"dtype": {"class_name": name}})
    require_plain({"lora_rank": 0})
    with pytest.raises(StaticUnsupported) as caught:
        require_plain({"name": "d", "lora_rank": 4})
    assert str(caught.value) == (
        "layer 'd' is quantized or uses LoRA, whose saved variables depend on the mode"
    )
    with pytest.raises(StaticUnsupported) as caught:
        require_plain({"name": "d", "dtype": _policy("QuantizedDTypePolicy")})
    assert str(caught.value) == "layer 'd' has the dtype policy 'QuantizedDTypePolicy'"


def test_dense_layout_plain_and_quantized() -> None:
    assert dense._dense_layout({"use_bias": False}) == ((VarSpec("kernel"),), ())
    config = {"use_bias": True, "dtype": _policy("QuantizedDTypePolicy")}
    assert dense._dense_layout(config) == (
        (
            VarSpec("bias", True, stored_at=1),
            VarSpec("kernel", False, stored_at=0),
            VarSpec("kernel_scale", False, stored_at=2),
        ),
        (),
    )


# --- the static engine's convolution, dense and recurrent shape rules ---------------------


@pytest.mark.parametrize(
    ("factory", "config", "inputs", "output"),
    [
        ({}, {"filters": 4, "kernel_size": 3}, (None, 10, 11, 3), (None, 8, 9, 4)),
        (
            {},
            {"filters": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "valid"},
            (None, 10, 11, 3),
            (None, 4, 10, 4),
        ),
        (
            {},
            {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "SAME"},
            (None, 10, 11, 3),
            (None, 5, 6, 4),
        ),
        (
            {},
            {"filters": 4, "kernel_size": 3, "dilation_rate": 2},
            (None, 10, None, 3),
            (None, 6, None, 4),
        ),
        (
            {},
            {"filters": 2, "kernel_size": 3, "data_format": "channels_first"},
            (None, 3, 10, 11),
            (None, 2, 8, 9),
        ),
        ({}, {"filters": 2, "kernel_size": 3, "padding": "causal"}, (None, 10, 3), (None, 10, 2)),
        (
            {},
            {"filters": 2, "kernel_size": 3, "padding": "causal", "strides": 3},
            (None, 10, 3),
            (None, 4, 2),
        ),
        (
            {},
            {"filters": 2, "kernel_size": 3, "padding": "causal"},
            (None, None, 3),
            (None, None, 2),
        ),
        (
            {"depthwise": True},
            {"kernel_size": 3, "depth_multiplier": 2},
            (None, 10, 11, 3),
            (None, 8, 9, 6),
        ),
        ({"depthwise": True}, {"kernel_size": 3}, (None, 10, 11, 3), (None, 8, 9, 3)),
        ({"depthwise": True}, {"kernel_size": 3}, (None, 10, 11, None), (None, 8, 9, None)),
        (
            {"transposed": True},
            {"filters": 2, "kernel_size": 3, "strides": 2},
            (None, 4, 5, 3),
            (None, 9, 11, 2),
        ),
        (
            {"transposed": True},
            {"filters": 2, "kernel_size": 2, "strides": 3},
            (None, 4, 5, 3),
            (None, 12, 15, 2),
        ),
        (
            {"transposed": True},
            {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
            (None, 4, 5, 3),
            (None, 8, 10, 2),
        ),
        (
            {"transposed": True},
            {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
            (None, 4, 5, 3),
            (None, 11, 13, 2),
        ),
        (
            {"transposed": True},
            {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1},
            (None, 4, 5, 3),
            (None, 10, 12, 2),
        ),
        (
            {"transposed": True},
            {
                "filters": 2,
                "kernel_size": 5,
                "strides": 2,
                "padding": "same",
                "output_padding": [0, 1],
                "dilation_rate": 1,
            },
            (None, 4, 5, 3),
            (None, 7, 10, 2),
        ),
        (
            {"transposed": True},
            {"filters": 2, "kernel_size": 3, "data_format": "channels_first"},
            (None, 3, 4, None),
            (None, 2, 6, None),
        ),
    ],
)
def test_conv_output_shapes(
    factory: dict[str, bool], config: dict[str, Any], inputs: tuple, output: tuple
) -> None:
    assert conv._conv_shape(**factory)(config, [inputs]) == [output]


def test_conv_output_shape_refuses_unknown_padding() -> None:
    config = {"filters": 2, "kernel_size": 3, "padding": "full"}
    with pytest.raises(StaticUnsupported, match=r"^padding 'full'$"):
        conv._conv_shape(transposed=True)(config, [(None, 4, 3)])
    with pytest.raises(StaticUnsupported, match=r"^padding 'full'$"):
        conv._conv_shape()(config, [(None, 4, 3)])


def test_conv_variable_shapes() -> None:
    plain = {"filters": 8, "kernel_size": [3, 2]}
    assert conv._conv_variables("plain")(plain, [(None, 9, 9, 6)]) == {
        "kernel": (3, 2, 6, 8),
        "bias": (8,),
    }
    grouped = {"filters": 8, "kernel_size": 3, "groups": 3}
    assert conv._conv_variables("plain")(grouped, [(None, 9, 9, 6)]) == {
        "kernel": (3, 3, 2, 8),
        "bias": (8,),
    }
    assert conv._conv_variables("plain")(grouped, [(None, 9, 9, None)]) == {
        "kernel": (3, 3, None, 8),
        "bias": (8,),
    }
    with pytest.raises(StaticUnsupported) as caught:
        conv._conv_variables("plain")({**grouped, "name": "g"}, [(None, 9, 9, 7)])
    assert str(caught.value) == "layer 'g': 7 input channels do not split into 3 groups"
    assert conv._conv_variables("transposed")(plain, [(None, 3, 9, 9)]) == {
        "kernel": (3, 2, 8, 9),
        "bias": (8,),
    }
    depthwise = {"kernel_size": 3, "depth_multiplier": 2}
    assert conv._conv_variables("depthwise")(depthwise, [(None, 9, 5)]) == {
        "kernel": (3, 5, 2),
        "bias": (10,),
    }
    assert conv._conv_variables("depthwise")({"kernel_size": 3}, [(None, 9, 5)]) == {
        "kernel": (3, 5, 1),
        "bias": (5,),
    }
    separable = {"filters": 4, "kernel_size": 3, "depth_multiplier": 2}
    assert conv._conv_variables("separable")(separable, [(None, 9, 9, 5)]) == {
        "depthwise_kernel": (3, 3, 5, 2),
        "pointwise_kernel": (1, 1, 10, 4),
        "bias": (4,),
    }
    assert conv._conv_variables("separable")({"filters": 4, "kernel_size": 3}, [(None, 9, 5)]) == {
        "depthwise_kernel": (3, 5, 1),
        "pointwise_kernel": (1, 5, 4),
        "bias": (4,),
    }
    channels_first_config = {"filters": 4, "kernel_size": 3, "data_format": "channels_first"}
    assert conv._conv_variables("plain")(channels_first_config, [(None, 5, 9)]) == {
        "kernel": (3, 5, 4),
        "bias": (4,),
    }


def test_dense_variable_shapes_by_quantization_mode() -> None:
    inputs = [(None, 6)]
    assert dense._dense_variables({"units": 5}, inputs) == {"kernel": (6, 5), "bias": (5,)}
    int8 = {"units": 5, "dtype": _policy("QuantizedDTypePolicy")}
    assert dense._dense_variables(int8, inputs) == {
        "kernel": (6, 5),
        "bias": (5,),
        "kernel_scale": (5,),
    }
    int4 = {"units": 5, "dtype": _policy("Int4DTypePolicy", "int4")}
    assert dense._dense_variables(int4, inputs) == {
        "kernel": (6, 3),
        "bias": (5,),
        "kernel_scale": (5,),
    }
    blocks = {"units": 5, "dtype": _policy("Int4DTypePolicy", "int4/4")}
    assert dense._dense_variables(blocks, [(None, 9)]) == {
        "kernel": (9, 3),
        "bias": (5,),
        "kernel_scale": (3, 5),
        "kernel_zero": (3, 5),
        "g_idx": (9,),
    }
    assert dense._dense_variables(blocks, [(None, None)])["kernel_scale"] == (None, 5)
    float8 = {
        "units": 5,
        "dtype": {
            "class_name": "QuantizedFloat8DTypePolicy",
            "config": {"mode": "float8", "amax_history_length": 16},
        },
    }
    assert dense._dense_variables(float8, inputs) == {
        "kernel": (6, 5),
        "bias": (5,),
        "inputs_scale": (),
        "inputs_amax_history": (16,),
        "kernel_scale": (),
        "kernel_amax_history": (16,),
        "outputs_grad_scale": (),
        "outputs_grad_amax_history": (16,),
    }
    float8_default = {"units": 5, "dtype": _policy("QuantizedFloat8DTypePolicy", "float8")}
    assert dense._dense_variables(float8_default, inputs)["kernel_amax_history"] == (1024,)


def test_recurrent_cell_variable_shapes_and_outputs() -> None:
    from layerscope.catalogue import recurrent

    assert recurrent._cell_rule("LSTMCell")({"units": 3}, [(None, 5)]) == {
        "kernel": (5, 12),
        "recurrent_kernel": (3, 12),
        "bias": (12,),
    }
    assert recurrent._cell_rule("GRUCell")({"units": 3}, [(None, 5)]) == {
        "kernel": (5, 9),
        "recurrent_kernel": (3, 9),
        "bias": (2, 9),
    }
    assert recurrent._cell_rule("GRUCell")({"units": 3, "reset_after": False}, [(None, 5)])[
        "bias"
    ] == (9,)
    assert recurrent._cell_rule("SimpleRNNCell")({"units": 3}, [(None, 5)])["bias"] == (3,)
    shape = recurrent._rnn_shape(2)
    assert shape({"units": 4}, [(None, 7, 5)]) == [(None, 4)]
    assert shape({"units": 4, "return_sequences": True}, [(2, 7, 5)]) == [(2, 7, 4)]
    assert shape({"units": 4, "return_state": True}, [(2, 7, 5)]) == [(2, 4), (2, 4), (2, 4)]
    assert recurrent._rnn_shape(1)({"units": 4, "return_state": True}, [(2, 7, 5)]) == [
        (2, 4),
        (2, 4),
    ]
    layout = recurrent._rnn_layout("GRUCell")({"name": "g", "units": 3})
    assert layout[0] == ()
    (sub,) = layout[1]
    assert (sub.attribute, sub.class_name) == ("cell", "GRUCell")
    assert dict(sub.config) == {
        "name": "g",
        "units": 3,
        "reset_after": True,
        "use_bias": True,
        "trainable": True,
    }
    (sub,) = recurrent._rnn_layout("LSTMCell")(
        {"name": "l", "units": 2, "reset_after": False, "use_bias": False}
    )[1]
    assert dict(sub.config) == {
        "name": "l",
        "units": 2,
        "reset_after": False,
        "use_bias": False,
        "trainable": True,
    }


# --- axes, batch axes, integer results ----------------------------------------------------


def test_param_axis_and_axes_shape() -> None:
    from layerscope.catalogue.geometry import times
    from layerscope.catalogue.normalization import axes_shape
    from layerscope.catalogue.params import param_axis

    assert [param_axis(a, 3, {}) for a in (-3, -1, 0, 2)] == [0, 2, 0, 2]
    for bad in (3, -4, True, 1.0):
        with pytest.raises(StaticUnsupported) as caught:
            param_axis(bad, 3, {"name": "n"})
        assert str(caught.value) == f"layer 'n': axis {bad!r} is out of range for rank 3"
    assert axes_shape({}, [(None, 4, 5)]) == (5,)
    assert axes_shape({"axis": None}, [(None, 4, 5)]) == ()
    assert axes_shape({}, [(None, 4, 5)], default=1) == (4,)
    assert axes_shape({"axis": [2, -2]}, [(None, 4, 5)]) == (4, 5)
    with pytest.raises(StaticUnsupported) as caught:
        axes_shape({"name": "n", "axis": 5}, [(None, 4, 5)])
    assert str(caught.value) == "layer 'n': axis 5 is out of range for rank 3"
    with pytest.raises(StaticUnsupported) as caught:
        axes_shape({"name": "n"}, [])
    assert str(caught.value) == "layer 'n': no input shape to normalize"
    assert times(None, 2) is None and times(3, 2) == 6


def test_shape_rules_keep_the_batch_axis() -> None:
    from layerscope.catalogue import pooling, reshaping

    assert conv._conv_shape()({"filters": 2, "kernel_size": 3}, [(4, 6, 3)]) == [(4, 4, 2)]
    assert pooling._pool_shape({"pool_size": 2}, [(4, 6, 3)]) == [(4, 3, 3)]
    assert reshaping._upsampling_shape({"size": [2, 2]}, [(4, 3, 5, 1)]) == [(4, 6, 10, 1)]
    assert reshaping._reshape_shape({"target_shape": [3, 2]}, [(4, None, 6)]) == [(4, 3, 2)]


def test_sizes_are_integers() -> None:
    from layerscope.catalogue import reshaping

    (shape,) = reshaping._reshape_shape({"target_shape": [-1, 2]}, [(None, 3, 4)])
    assert shape == (None, 6, 2) and isinstance(shape[1], int)
    (shape,) = conv._conv_shape()(
        {"filters": 2, "kernel_size": 3, "padding": "causal", "strides": 2}, [(None, 7, 3)]
    )
    assert shape == (None, 4, 2) and isinstance(shape[1], int)
    kernel = conv._conv_variables("plain")(
        {"filters": 4, "kernel_size": 3, "groups": 2}, [(None, 9, 6)]
    )["kernel"]
    assert kernel == (3, 3, 4) and isinstance(kernel[1], int)


def test_each_built_convolution_kind_reads_its_own_shapes() -> None:
    kinds = {k.name: k for k in conv._kinds()}
    config = {"filters": 4, "kernel_size": 3, "strides": 2, "depth_multiplier": 2}
    expected = {
        "Conv2D": ({"kernel": (3, 3, 5, 4), "bias": (4,)}, (None, 4, 4, 4)),
        "Conv2DTranspose": ({"kernel": (3, 3, 4, 5), "bias": (4,)}, (None, 19, 19, 4)),
        "DepthwiseConv2D": ({"kernel": (3, 3, 5, 2), "bias": (10,)}, (None, 4, 4, 10)),
        "SeparableConv2D": (
            {
                "depthwise_kernel": (3, 3, 5, 2),
                "pointwise_kernel": (1, 1, 10, 4),
                "bias": (4,),
            },
            (None, 4, 4, 4),
        ),
    }
    for name, (variables, output) in expected.items():
        kind = kinds[name]
        assert kind.variable_shapes is not None and kind.output_shape is not None
        assert kind.variable_shapes(config, [(None, 9, 9, 5)]) == variables, name
        assert kind.output_shape(config, [(None, 9, 9, 5)]) == [output], name
