"""Reshaping layers: no multiply-accumulates; padding, cropping, up-sampling and flattening
keep the channel count."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.geometry import channels_first, join_channels, split_channels
from layerscope.catalogue.kind import LayerKind, ShapeFunction, ShapeList
from layerscope.catalogue.params import check_size, layer_name, param_size, param_sizes
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def _flatten_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    rest = shape[1:]
    size = None if any(d is None for d in rest) else math.prod(d for d in rest if d is not None)
    return [(shape[0], size)]


def _reshape_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    raw = config.get("target_shape")
    if not isinstance(raw, (list, tuple)):
        raise StaticUnsupported(f"layer {layer_name(config)}: target_shape {raw!r}")
    free = [d for d in raw if d == -1 and not isinstance(d, bool)]
    if len(free) > 1:
        raise StaticUnsupported(f"layer {layer_name(config)}: target_shape {raw!r} has two -1")
    target = [-1 if d == -1 else check_size(d, "target_shape", config) for d in raw]
    rest = inputs[0][1:]
    known = math.prod(d for d in target if d != -1)
    if any(d is None for d in rest):
        if free:
            raise StaticUnsupported("Reshape with -1 over an unknown dimension")
        return [(inputs[0][0], *target)]
    total = math.prod(d for d in rest if d is not None)
    if (free and total % known) or (not free and total != known):
        raise StaticUnsupported(
            f"layer {layer_name(config)}: cannot reshape {total} values to {list(raw)!r}"
        )
    return [(inputs[0][0], *(total // known if d == -1 else d for d in target))]


def _permute_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    dims = config.get("dims")
    if not isinstance(dims, (list, tuple)) or sorted(
        d if isinstance(d, int) and not isinstance(d, bool) else -1 for d in dims
    ) != list(range(1, len(shape))):
        raise StaticUnsupported(
            f"layer {layer_name(config)}: dims {dims!r} do not permute the axes 1 to "
            f"{len(shape) - 1}"
        )
    return [(shape[0], *(shape[i] for i in dims))]


def _repeat_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [(inputs[0][0], param_size(config, "n"), *inputs[0][1:])]


def _pairs(value: Any, rank: int, key: str, config: Mapping[str, Any]) -> list[tuple[int, int]]:
    """Keras's padding/cropping argument as (before, after) per spatial dimension: an int,
    one pair for a 1D layer (``(1, 2)``), or one int or pair per dimension; every amount a
    checked size from 0."""

    def amount(item: Any) -> int:
        return check_size(item, key, config, minimum=0)

    def is_number(item: Any) -> bool:
        return isinstance(item, int) and not isinstance(item, bool)

    def pair(item: Any) -> tuple[int, int]:
        if is_number(item):
            return (amount(item), amount(item))
        if isinstance(item, (list, tuple)) and len(item) == 2:
            return (amount(item[0]), amount(item[1]))
        raise StaticUnsupported(f"layer {layer_name(config)}: {key} {value!r}")

    if is_number(value):
        return [pair(value)] * rank
    if not isinstance(value, (list, tuple)):
        raise StaticUnsupported(f"layer {layer_name(config)}: {key} {value!r}")
    if rank == 1 and len(value) == 2 and all(is_number(v) for v in value):
        return [pair(value)]
    if len(value) != rank:
        raise StaticUnsupported(f"layer {layer_name(config)}: {key} {value!r}")
    return [pair(item) for item in value]


def _padding_shape(sign: int) -> ShapeFunction:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        shape = inputs[0]
        key = "padding" if sign > 0 else "cropping"
        spatial: Shape
        if len(shape) == 3:  # 1D layers have no data_format: (batch, steps, channels)
            spatial, channels, first = shape[1:2], shape[2], False
        else:
            spatial, channels = split_channels(config, shape)
            first = channels_first(config)
        pairs = _pairs(config.get(key), len(spatial), key, config)
        out = [
            None if s is None else s + sign * (a + b)
            for s, (a, b) in zip(spatial, pairs, strict=True)
        ]
        if first:
            return [(shape[0], channels, *out)]
        return [(shape[0], *out, channels)]

    return shape_of


def _upsampling_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    if len(shape) == 3:
        size = param_size(config, "size")
        return [(shape[0], None if shape[1] is None else shape[1] * size, shape[2])]
    spatial, channels = split_channels(config, shape)
    sizes = param_sizes(config, "size", len(spatial))
    out = [None if s is None else s * k for s, k in zip(spatial, sizes, strict=True)]
    return [join_channels(config, shape[0], out, channels)]


_SPATIAL = {
    "ZeroPadding": _padding_shape(1),
    "Cropping": _padding_shape(-1),
    "UpSampling": _upsampling_shape,
}

KINDS = (
    LayerKind(
        "Flatten", "reshaping", stateless=True, pass_through=True, output_shape=_flatten_shape
    ),
    LayerKind("Reshape", "reshaping", stateless=True, output_shape=_reshape_shape),
    LayerKind("Permute", "reshaping", stateless=True, output_shape=_permute_shape),
    LayerKind("RepeatVector", "reshaping", stateless=True, output_shape=_repeat_shape),
    *(
        LayerKind(
            f"{kind}{rank}D", "reshaping", stateless=True, pass_through=True, output_shape=rule
        )
        for kind, rule in _SPATIAL.items()
        for rank in (1, 2, 3)
    ),
)
