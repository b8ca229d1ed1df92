"""Merge layers: element-wise (0 MACs) except the concatenation, which only copies."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

ELEMENTWISE_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")

KINDS = (
    *(LayerKind(name, "merging", stateless=True, elementwise=True) for name in ELEMENTWISE_MERGES),
    LayerKind("Concatenate", "merging", stateless=True),
)
