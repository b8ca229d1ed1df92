"""Pooling layers (adaptive ones too): no multiply-accumulates, the channel count kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.geometry import conv_length, join_channels, split_channels
from layerscope.catalogue.kind import LayerKind, ShapeList
from layerscope.catalogue.params import param_sizes


def _pool_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    spatial, channels = split_channels(config, shape)
    rank = len(spatial)
    pool = param_sizes(config, "pool_size", rank)
    strides = pool if config.get("strides") is None else param_sizes(config, "strides", rank)
    padding = str(config.get("padding", "valid")).lower()
    out = [
        conv_length(s, p, st, padding, 1) for s, p, st in zip(spatial, pool, strides, strict=True)
    ]
    return [join_channels(config, shape[0], out, channels)]


def _global_pool_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    spatial, channels = split_channels(config, shape)
    if config.get("keepdims"):
        return [join_channels(config, shape[0], [1] * len(spatial), channels)]
    return [(shape[0], channels)]


def _adaptive_pool_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """Adaptive pooling: the spatial axes become ``output_size``, whatever their size."""
    shape = inputs[0]
    spatial, channels = split_channels(config, shape)
    out = param_sizes(config, "output_size", len(spatial))
    return [join_channels(config, shape[0], out, channels)]


KINDS = (
    *(
        LayerKind(
            f"Adaptive{kind}Pooling{rank}D",
            "pooling",
            stateless=True,
            pass_through=True,
            output_shape=_adaptive_pool_shape,
        )
        for kind in ("Max", "Average")
        for rank in (1, 2, 3)
    ),
    *(
        LayerKind(
            f"{kind}Pooling{rank}D",
            "pooling",
            stateless=True,
            pass_through=True,
            output_shape=_global_pool_shape if kind.startswith("Global") else _pool_shape,
        )
        for kind in ("Max", "Average", "GlobalMax", "GlobalAverage")
        for rank in (1, 2, 3)
    ),
)
