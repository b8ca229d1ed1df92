"""Dense, EinsumDense and Embedding.

MACs: Dense ``in x out`` per position (positions = the non-batch axes before the last, so a
Dense on a ``(None, 10, 64)`` sequence costs ``10 x 64 x units``); EinsumDense the product of
every index's size in its equation; an embedding lookup 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import known, product, zero
from layerscope.catalogue.kind import LayerKind
from layerscope.report import Shape


def dense_macs(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    shape = inputs[0]
    units = int(config.get("units") or known(outputs[0][-1] if outputs else None))
    return product(shape[1:-1]) * known(shape[-1]) * units


def einsum_dense_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """The product of every index's size in the equation (the batch index counts 1)."""
    equation = str(config["equation"]).replace(" ", "")
    operands, out_spec = equation.split("->")
    in_spec, kernel_spec = operands.split(",")
    sizes: dict[str, int] = {}

    def bind(spec: str, shape: Shape, batch_first: bool) -> int:
        if "..." in spec:
            before, after = spec.split("...")
            middle = len(shape) - len(before) - len(after)
            letters: list[str | None] = [*before, *([None] * middle), *after]
        else:
            letters = list(spec)
        extra = 1
        for index, (letter, dim) in enumerate(zip(letters, shape, strict=False)):
            size = 1 if (batch_first and index == 0) else known(dim)
            if letter is None:
                extra *= size
            elif size > sizes.get(letter, 0):
                sizes[letter] = size
        return extra

    ellipsis = bind(in_spec, inputs[0], batch_first=True)
    if outputs:
        bind(out_spec, outputs[0], batch_first=True)
    for letter in kernel_spec:
        sizes.setdefault(letter, 1)
    return ellipsis * math.prod(sizes.values())


KINDS = (
    LayerKind("Dense", "dense", unit_kernel=True, spectral_kernel=True, cost=dense_macs),
    LayerKind("QuantizedDense", "dense", cost=dense_macs),
    LayerKind("EinsumDense", "dense", spectral_kernel=True, cost=einsum_dense_macs),
    LayerKind("Embedding", "dense", cost=zero),
)
