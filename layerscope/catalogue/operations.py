"""Keras operations that sit in a functional graph as rows of their own (``keras.ops.matmul``
called on symbolic tensors is a ``keras.src.ops.numpy.Matmul`` node): the matrix products.

MACs, from the call's shapes (one sample; ``None`` counts 1): ``Matmul`` one
multiply-accumulate per output element and contracted position; ``Einsum`` the product of
every index's size. (``keras.ops.dot`` is priced by the ``Dot`` rule in
:mod:`layerscope.catalogue.merging`.) Their output shapes are the ones the graph records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import einsum_macs, known, shape_elements
from layerscope.catalogue.kind import LayerKind
from layerscope.report import Shape


def matmul_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    first, _ = inputs
    return shape_elements(outputs[0]) * known(first[-1])


def einsum_operation_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    return einsum_macs(str(config["subscripts"]), inputs)


KINDS = (
    LayerKind("Matmul", "operations", stateless=True, cost=matmul_macs),
    LayerKind("Einsum", "operations", stateless=True, cost=einsum_operation_macs),
)
