"""Dimension arithmetic shared by the rules: ``None`` (an unknown size) counts 1."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.report import Shape


def known(dim: int | None) -> int:
    return 1 if dim is None else int(dim)


def product(dims: Sequence[int | None]) -> int:
    return math.prod(known(dim) for dim in dims)


def shape_elements(shape: Shape) -> int:
    """Elements of one sample of ``shape`` (the first axis is the batch; ``None`` counts 1)."""
    return product(shape[1:])


def positions(shape: Shape) -> int:
    """Positions of a feature tensor: every non-batch axis but the last."""
    return product(shape[1:-1])


def as_tuple(value: Any, rank: int) -> tuple[int, ...]:
    """``kernel_size`` and friends: an int, or a list/tuple of ints, as a ``rank``-tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),) * rank


def channels_last(config: Mapping[str, Any]) -> bool:
    return config.get("data_format") in (None, "channels_last")


def channels_and_spatial(
    shape: Shape, config: Mapping[str, Any]
) -> tuple[int, tuple[int | None, ...]]:
    if channels_last(config):
        return known(shape[-1]), tuple(shape[1:-1])
    return known(shape[1]), tuple(shape[2:])


def zero(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    """The rule of a layer with no multiply-accumulates (a lookup, an input)."""
    return 0


def einsum_macs(equation: str, shapes: Sequence[Shape]) -> int:
    """An einsum's multiply-accumulates: the product of every index's size (``None`` counts
    1; ``...`` axes are named from the right, so that operands line up); 0 when the
    equation does not match the operands."""
    operands = equation.replace(" ", "").split("->")[0].split(",")
    if len(operands) != len(shapes):
        return 0
    sizes: dict[str, int] = {}
    for spec, shape in zip(operands, shapes, strict=True):
        if "..." in spec:
            before, after = spec.split("...")
            middle = len(shape) - len(before) - len(after)
            letters = [*before, *(f"...{middle - i}" for i in range(middle)), *after]
        else:
            letters = list(spec)
        for letter, dim in zip(letters, shape, strict=False):
            sizes[letter] = max(sizes.get(letter, 1), known(dim))
    return math.prod(sizes.values())
