"""Merge layers: element-wise (0 MACs) except the concatenation, which only copies, and
``Dot``, a batched dot product: ``output elements x contracted size`` MACs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import known, shape_elements
from layerscope.catalogue.kind import LayerKind, ShapeList
from layerscope.catalogue.params import layer_name, param_axis
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape

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


def _dot_axes(config: Mapping[str, Any], inputs: Sequence[Shape]) -> tuple[int, int]:
    """``Dot``'s contracted axis of each input, as ``Dot.compute_output_shape`` reads them."""
    if len(inputs) != 2:
        raise StaticUnsupported(f"layer {layer_name(config)}: Dot of {len(inputs)} inputs")
    axes = config.get("axes")
    if isinstance(axes, int) and not isinstance(axes, bool):
        if axes < 0:
            return axes % len(inputs[0]), axes % len(inputs[1])
        return axes, axes
    if isinstance(axes, (list, tuple)) and len(axes) == 2:
        first, second = axes
        return param_axis(first, len(inputs[0]), config), param_axis(second, len(inputs[1]), config)
    raise StaticUnsupported(f"layer {layer_name(config)}: Dot axes {axes!r}")


def _dot_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    first_axis, second_axis = _dot_axes(config, inputs)
    first, second = list(inputs[0]), list(inputs[1])
    del first[first_axis]
    del second[second_axis]
    output = first + second[1:]
    return [tuple(output) if len(output) > 1 else (*output, 1)]


def dot_macs(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    """``Dot``: one multiply-accumulate per output element and contracted position. The
    ``keras.ops.dot`` operation (no ``axes``: NumPy's, a's last axis) is priced alike."""
    if "axes" not in config:
        return shape_elements(outputs[0]) * known(inputs[0][-1])
    try:
        first_axis, _ = _dot_axes(config, inputs)
        output = _dot_shape(config, list(inputs))[0]
    except StaticUnsupported as error:
        raise ValueError(str(error)) from error  # the cost analysis reads it as "uncounted"
    return shape_elements(output) * known(inputs[0][first_axis])


KINDS = (
    *(
        LayerKind(name, "merging", stateless=True, elementwise=True, output_shape=merge_shape)
        for name in ELEMENTWISE_MERGES
    ),
    LayerKind("Concatenate", "merging", stateless=True, output_shape=_concatenate_shape),
    LayerKind("Dot", "merging", stateless=True, cost=dot_macs, output_shape=_dot_shape),
)
