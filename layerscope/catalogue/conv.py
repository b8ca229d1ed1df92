"""Convolutions: plain, transposed, depthwise, separable (1D to 3D, with Keras's aliases).

MACs: ``output positions x kernel volume x in/groups x out``; depthwise ``output positions x
kernel volume x in x depth_multiplier``; separable: depthwise plus a 1x1 pointwise
convolution; transposed: ``input positions x kernel volume x in x out``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import as_tuple, channels_and_spatial, product
from layerscope.catalogue.geometry import conv_length, join_channels, split_channels, times
from layerscope.catalogue.kind import (
    LayerKind,
    Layout,
    MacRule,
    Pattern,
    ShapeFunction,
    ShapeList,
    ShapeRule,
)
from layerscope.catalogue.layout import kernel_bias, require_plain, var_specs
from layerscope.catalogue.params import layer_name, param_size, param_sizes
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def conv_macs(rank: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, _ = channels_and_spatial(inputs[0], config)
        _, out_spatial = channels_and_spatial(outputs[0], config)
        kernel = math.prod(as_tuple(config["kernel_size"], rank))
        groups = int(config.get("groups") or 1)
        return product(out_spatial) * kernel * (in_channels // groups) * int(config["filters"])

    return rule


def conv_transpose_macs(rank: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, in_spatial = channels_and_spatial(inputs[0], config)
        kernel = math.prod(as_tuple(config["kernel_size"], rank))
        return product(in_spatial) * kernel * in_channels * int(config["filters"])

    return rule


def depthwise_macs(rank: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, _ = channels_and_spatial(inputs[0], config)
        _, out_spatial = channels_and_spatial(outputs[0], config)
        kernel = math.prod(as_tuple(config["kernel_size"], rank))
        multiplier = int(config.get("depth_multiplier") or 1)
        return product(out_spatial) * kernel * in_channels * multiplier

    return rule


def separable_macs(rank: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, _ = channels_and_spatial(inputs[0], config)
        _, out_spatial = channels_and_spatial(outputs[0], config)
        kernel = math.prod(as_tuple(config["kernel_size"], rank))
        multiplier = int(config.get("depth_multiplier") or 1)
        positions = product(out_spatial)
        depthwise = positions * kernel * in_channels * multiplier
        pointwise = positions * in_channels * multiplier * int(config["filters"])
        return depthwise + pointwise

    return rule


def _conv_layout(config: Mapping[str, Any]) -> Layout:
    require_plain(config)
    return kernel_bias(config)


def _separable_layout(config: Mapping[str, Any]) -> Layout:
    names = ["depthwise_kernel", "pointwise_kernel"]
    if config.get("use_bias", True):
        names.append("bias")
    return var_specs(*names), ()


def _conv_geometry(
    config: Mapping[str, Any], inputs: ShapeList
) -> tuple[tuple[int, ...], int | None, int]:
    """The kernel's spatial size, the input channels and the spatial rank of a conv call."""
    if not inputs or len(inputs[0]) < 3:
        raise StaticUnsupported(f"layer {layer_name(config)}: no input shape to convolve")
    spatial, channels = split_channels(config, inputs[0])
    rank = len(spatial)
    return param_sizes(config, "kernel_size", rank), channels, rank


def _conv_variables(kind: str) -> ShapeRule:
    def rule(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
        kernel, channels, rank = _conv_geometry(config, inputs)
        if kind == "depthwise":
            multiplier = param_size(config, "depth_multiplier", default=1)
            return {
                "kernel": (*kernel, channels, multiplier),
                "bias": (times(channels, multiplier),),
            }
        filters = param_size(config, "filters")
        if kind == "transposed":
            return {"kernel": (*kernel, filters, channels), "bias": (filters,)}
        if kind == "separable":
            multiplier = param_size(config, "depth_multiplier", default=1)
            return {
                "depthwise_kernel": (*kernel, channels, multiplier),
                "pointwise_kernel": (*(1,) * rank, times(channels, multiplier), filters),
                "bias": (filters,),
            }
        groups = param_size(config, "groups", default=1)
        if channels is not None and channels % groups:
            raise StaticUnsupported(
                f"layer {layer_name(config)}: {channels} input channels do not split into "
                f"{groups} groups"
            )
        per_group = None if channels is None else channels // groups
        return {"kernel": (*kernel, per_group, filters), "bias": (filters,)}

    return rule


def _conv_shape(transposed: bool = False, depthwise: bool = False) -> ShapeFunction:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        shape = inputs[0]
        spatial, channels = split_channels(config, shape)
        rank = len(spatial)
        kernel = param_sizes(config, "kernel_size", rank)
        strides = param_sizes(config, "strides", rank, default=1)
        dilation = param_sizes(config, "dilation_rate", rank, default=1)
        padding = str(config.get("padding", "valid")).lower()
        if transposed:
            pads: Sequence[int | None] = (
                (None,) * rank
                if config.get("output_padding") is None
                else param_sizes(config, "output_padding", rank, minimum=0)
            )
            out = [
                _deconv_length(s, k, st, padding, p, d)
                for s, k, st, p, d in zip(spatial, kernel, strides, pads, dilation, strict=True)
            ]
        else:
            if padding == "causal":
                padding = "valid_causal"
            out = [
                conv_length(s, k, st, "valid" if padding == "valid_causal" else padding, d)
                if padding != "valid_causal"
                else _causal_length(s, st)
                for s, k, st, d in zip(spatial, kernel, strides, dilation, strict=True)
            ]
        if depthwise:
            multiplier = param_size(config, "depth_multiplier", default=1)
            filters = None if channels is None else channels * multiplier
        else:
            filters = param_size(config, "filters")
        return [join_channels(config, shape[0], out, filters)]

    return shape_of


def _causal_length(size: int | None, stride: int) -> int | None:
    return None if size is None else (size + stride - 1) // stride


def _deconv_length(
    size: int | None,
    kernel: int,
    stride: int,
    padding: str,
    output_padding: int | None,
    dilation: int,
) -> int | None:
    """Keras's ``compute_conv_transpose_output_shape`` for one dimension."""
    if size is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(kernel - stride, 0)
        if padding == "same":
            return size * stride
        raise StaticUnsupported(f"padding {padding!r}")
    pad = 0 if padding == "valid" else kernel // 2
    return (size - 1) * stride + kernel - 2 * pad + output_padding


def _kinds() -> tuple[LayerKind, ...]:
    kinds: list[LayerKind] = []
    for rank in (1, 2, 3):
        kinds += [
            LayerKind(
                f"Conv{rank}D",
                "conv",
                width_key="filters",
                input_kernel=True,
                unit_kernel=True,
                spectral_kernel=True,
                cost=conv_macs(rank),
                layout=_conv_layout,
                variable_shapes=_conv_variables("plain"),
                output_shape=_conv_shape(),
            ),
            LayerKind(
                f"Convolution{rank}D",
                "conv",
                width_key="filters",
                input_kernel=True,
                cost=conv_macs(rank),
            ),
            LayerKind(
                f"Conv{rank}DTranspose",
                "conv",
                input_kernel=True,
                cost=conv_transpose_macs(rank),
                layout=_conv_layout,
                variable_shapes=_conv_variables("transposed"),
                output_shape=_conv_shape(transposed=True),
            ),
            LayerKind(
                f"Convolution{rank}DTranspose",
                "conv",
                input_kernel=True,
                cost=conv_transpose_macs(rank),
            ),
        ]
    for rank in (1, 2):
        kinds += [
            LayerKind(
                f"DepthwiseConv{rank}D",
                "conv",
                cost=depthwise_macs(rank),
                layout=_conv_layout,
                variable_shapes=_conv_variables("depthwise"),
                output_shape=_conv_shape(depthwise=True),
            ),
            LayerKind(
                f"SeparableConv{rank}D",
                "conv",
                width_key="filters",
                cost=separable_macs(rank),
                layout=_separable_layout,
                variable_shapes=_conv_variables("separable"),
                output_shape=_conv_shape(),
            ),
            LayerKind(
                f"SeparableConvolution{rank}D",
                "conv",
                width_key="filters",
                cost=separable_macs(rank),
            ),
        ]
    return tuple(kinds)


KINDS = _kinds()
