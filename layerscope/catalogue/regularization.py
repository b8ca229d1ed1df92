"""Layers that regularise training: dropout, noise, data augmentation, activity
regularisation. None changes the channel count at inference except augmentation (which
data fit never walks through)."""

from __future__ import annotations

from layerscope.catalogue.geometry import same_shape
from layerscope.catalogue.kind import LayerKind, Regularising

_DROPOUT = (
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "AlphaDropout",
    "GaussianDropout",
)

AUGMENTATION = (
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "RandomHeight",
    "RandomWidth",
    "RandAugment",
    "MixUp",
    "CutMix",
    "AugMix",
    "Solarization",
    "Equalization",
    "AutoContrast",
    "MaxNumBoundingBoxes",
)
"""Keras's data-augmentation layers (``keras.layers`` 3.x, and RandomHeight/RandomWidth of
earlier releases), by exact name: a custom ``RandomThing`` is not assumed to augment."""


def _stateless(name: str, regularising: Regularising) -> LayerKind:
    """A layer that changes nothing at inference: no variables, its input's shape."""
    return LayerKind(
        name,
        "regularization",
        stateless=True,
        pass_through=True,
        regularising=regularising,
        output_shape=same_shape,
    )


KINDS = (
    *(_stateless(name, "dropout") for name in _DROPOUT),
    _stateless("GaussianNoise", "noise"),
    _stateless("ActivityRegularization", "regularizer"),
    *(LayerKind(name, "regularization", regularising="augmentation") for name in AUGMENTATION),
)
