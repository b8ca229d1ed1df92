"""Model containers, inputs and the small core layers."""

from __future__ import annotations

from layerscope.catalogue.dims import zero
from layerscope.catalogue.kind import LayerKind

KINDS = (
    LayerKind("Functional", "core", container=True),
    LayerKind("Sequential", "core", container=True),
    LayerKind("Model", "core", container=True),
    LayerKind("InputLayer", "core", stateless=True, cost=zero),
    LayerKind("Identity", "core", stateless=True),
    LayerKind("Masking", "core", stateless=True),
    LayerKind("Lambda", "core", stateless=True),
    LayerKind("StochasticDepth", "core", stateless=True),
    LayerKind("CustomScaleLayer", "core", stateless=True),
    LayerKind("LayerScale", "core"),
)
