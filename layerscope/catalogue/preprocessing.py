"""Preprocessing layers that run inside the model (augmentation is in
:mod:`layerscope.catalogue.regularization`)."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

KINDS = (
    LayerKind("Rescaling", "preprocessing", stateless=True, elementwise=True),
    LayerKind("Normalization", "preprocessing", elementwise=True),
)
