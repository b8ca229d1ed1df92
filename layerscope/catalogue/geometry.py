"""Shape arithmetic shared by the output-shape and variable-shape rules (a ``None``
dimension stays unknown, unlike :mod:`layerscope.catalogue.dims`, where it counts 1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.kind import ShapeList
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def last_dim(inputs: ShapeList) -> int | None:
    return inputs[0][-1] if inputs and inputs[0] else None


def times(size: int | None, factor: int) -> int | None:
    return None if size is None else size * factor


def same_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [inputs[0]]


def channels_first(config: Mapping[str, Any]) -> bool:
    data_format: str = config.get("data_format", "channels_last")
    return data_format == "channels_first"


def conv_length(
    size: int | None, kernel: int, stride: int, padding: str, dilation: int
) -> int | None:
    if size is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "same":
        return (size + stride - 1) // stride
    if padding == "valid":
        return (size - effective) // stride + 1
    raise StaticUnsupported(f"padding {padding!r}")


def split_channels(config: Mapping[str, Any], shape: Shape) -> tuple[Shape, int | None]:
    if channels_first(config):
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]


def join_channels(
    config: Mapping[str, Any],
    batch: int | None,
    spatial: Sequence[int | None],
    channels: int | None,
) -> Shape:
    if channels_first(config):
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)
