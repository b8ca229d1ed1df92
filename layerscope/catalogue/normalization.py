"""Normalisation layers: element-wise work (0 MACs; an inference engine folds batch
normalisation into the preceding convolution), and they keep the channel count."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

KINDS = (
    LayerKind("BatchNormalization", "normalization", elementwise=True, pass_through=True),
    LayerKind("LayerNormalization", "normalization", elementwise=True, pass_through=True),
    LayerKind("GroupNormalization", "normalization", elementwise=True, pass_through=True),
    LayerKind("RMSNormalization", "normalization", elementwise=True, pass_through=True),
    LayerKind(
        "UnitNormalization", "normalization", stateless=True, elementwise=True, pass_through=True
    ),
)
