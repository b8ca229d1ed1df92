"""Reshaping layers: no multiply-accumulates; padding, cropping, up-sampling and flattening
keep the channel count."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

KINDS = (
    LayerKind("Flatten", "reshaping", stateless=True, pass_through=True),
    LayerKind("Reshape", "reshaping", stateless=True),
    LayerKind("Permute", "reshaping", stateless=True),
    LayerKind("RepeatVector", "reshaping", stateless=True),
    *(
        LayerKind(f"{kind}{rank}D", "reshaping", stateless=True, pass_through=True)
        for kind in ("ZeroPadding", "Cropping", "UpSampling")
        for rank in (1, 2, 3)
    ),
)
