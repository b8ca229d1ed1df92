"""Pooling layers: no multiply-accumulates, the channel count kept."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

KINDS = tuple(
    LayerKind(f"{kind}Pooling{rank}D", "pooling", stateless=True, pass_through=True)
    for kind in ("Max", "Average", "GlobalMax", "GlobalAverage")
    for rank in (1, 2, 3)
)
