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
from layerscope.catalogue.kind import LayerKind, MacRule
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


def _kinds() -> tuple[LayerKind, ...]:
    kinds: list[LayerKind] = []
    for rank in (1, 2, 3):
        for name in (f"Conv{rank}D", f"Convolution{rank}D"):
            canonical = name.startswith("Conv") and not name.startswith("Convolution")
            kinds.append(
                LayerKind(
                    name,
                    "conv",
                    unit_kernel=canonical,
                    spectral_kernel=canonical,
                    cost=conv_macs(rank),
                )
            )
        for name in (f"Conv{rank}DTranspose", f"Convolution{rank}DTranspose"):
            kinds.append(LayerKind(name, "conv", cost=conv_transpose_macs(rank)))
    for rank in (1, 2):
        kinds.append(LayerKind(f"DepthwiseConv{rank}D", "conv", cost=depthwise_macs(rank)))
        for name in (f"SeparableConv{rank}D", f"SeparableConvolution{rank}D"):
            kinds.append(LayerKind(name, "conv", cost=separable_macs(rank)))
    return tuple(kinds)


KINDS = _kinds()
