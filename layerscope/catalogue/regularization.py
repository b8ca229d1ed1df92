"""Layers that regularise training: dropout, noise, data augmentation, activity
regularisation. None changes the channel count at inference except augmentation (which
data fit never walks through)."""

from __future__ import annotations

from layerscope.catalogue.geometry import same_shape
from layerscope.catalogue.kind import LayerKind, Regularising, ShapeFunction
from layerscope.catalogue.preprocessing import image_shape, resized_shape

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

_RESHAPING: dict[str, ShapeFunction | None] = {"RandomHeight": None, "RandomWidth": None}
"""Augmentations whose output shape the config does not say (Keras 2's random resizes);
RandomCrop centre-crops to its ``height`` x ``width`` at inference, and every other one
returns the shape of the images it is given."""


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
    *(
        LayerKind(
            name,
            "regularization",
            stateless=True,
            regularising="augmentation",
            output_shape=resized_shape
            if name == "RandomCrop"
            else _RESHAPING.get(name, image_shape),
        )
        for name in AUGMENTATION
    ),
)
