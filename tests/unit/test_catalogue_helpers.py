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
