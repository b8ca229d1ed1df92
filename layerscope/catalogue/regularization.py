"""Layers that regularise training: dropout, noise, data augmentation, activity
regularisation. None changes the channel count at inference except augmentation (which
data fit never walks through)."""

from __future__ import annotations

from layerscope.catalogue.kind import LayerKind

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

KINDS = (
    *(
        LayerKind(name, "regularization", stateless=True, pass_through=True, regularising="dropout")
        for name in _DROPOUT
    ),
    LayerKind(
        "GaussianNoise", "regularization", stateless=True, pass_through=True, regularising="noise"
    ),
    LayerKind(
        "ActivityRegularization",
        "regularization",
        stateless=True,
        pass_through=True,
        regularising="regularizer",
    ),
    *(LayerKind(name, "regularization", regularising="augmentation") for name in AUGMENTATION),
)
