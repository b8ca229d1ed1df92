"""Merge layers: element-wise (0 MACs) except the concatenation, which only copies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.kind import LayerKind, ShapeList
from layerscope.catalogue.params import layer_name, param_axis
from layerscope.errors import StaticUnsupported

ELEMENTWISE_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


def _concatenate_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    first = list(inputs[0])
    axis = param_axis(config.get("axis", -1), len(first), config)
    if any(len(shape) != len(first) for shape in inputs):
        raise StaticUnsupported(f"layer {layer_name(config)}: a concatenation of mixed ranks")
    for index, dims in enumerate(zip(*inputs, strict=True)):
        if index != axis and len({d for d in dims if d is not None}) > 1:
            raise StaticUnsupported(
                f"layer {layer_name(config)}: concatenated shapes {inputs} differ off axis {axis}"
            )
    sizes = [shape[axis] for shape in inputs]
    first[axis] = None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)
    return [tuple(first)]


def merge_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    if any(len(s) != len(inputs[0]) for s in inputs):
        raise StaticUnsupported("a merge of tensors of different ranks")
    result: list[int | None] = []
    for dims in zip(*inputs, strict=True):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise StaticUnsupported("a merge of incompatible shapes")
        if known:
            result.append(known.pop())
        elif all(d == 1 for d in dims):
            result.append(1)
        else:
            result.append(None)
    return [tuple(result)]


ELEMENTWISE_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")

KINDS = (
    *(
        LayerKind(name, "merging", stateless=True, elementwise=True, output_shape=merge_shape)
        for name in ELEMENTWISE_MERGES
    ),
    LayerKind("Concatenate", "merging", stateless=True, output_shape=_concatenate_shape),
)
