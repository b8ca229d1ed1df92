"""Preprocessing layers that run inside the model (augmentation is in
:mod:`layerscope.catalogue.regularization`).

MACs of the audio front ends: ``STFTSpectrogram`` runs its real and imaginary kernels as
1-D convolutions (``frames x frame_length`` per frequency bin and channel, for each kernel
its mode needs); ``MelSpectrogram`` counts its mel filterbank product (``frames x
(fft_length / 2 + 1) x mel bins``), not the FFT before it (an FFT is no matrix product)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import shape_elements
from layerscope.catalogue.geometry import channels_first, same_shape
from layerscope.catalogue.kind import LayerKind, Layout, Pattern, ShapeList
from layerscope.catalogue.layout import NO_VARIABLES, var_specs
from layerscope.catalogue.normalization import axes_shape
from layerscope.catalogue.params import layer_name, param_size
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def _normalization_layout(config: Mapping[str, Any]) -> Layout:
    if config.get("mean") is not None:
        return NO_VARIABLES  # fixed statistics live in the config, not in variables
    return var_specs(("mean", False), ("variance", False), ("count", False)), ()


def _adapted_normalization_variables(
    config: Mapping[str, Any], inputs: ShapeList
) -> dict[str, Pattern]:
    shape = axes_shape(config, inputs)
    return {"mean": shape, "variance": shape, "count": ()}


def image_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """An image layer called on one batch of images returns their shape; called on a dict
    (images with labels or bounding boxes) it returns a dict, which is left to Keras."""
    if len(inputs) != 1 or len(inputs[0]) != 4:
        raise StaticUnsupported(
            f"layer {layer_name(config)}: called on {inputs}, not one image batch"
        )
    return [inputs[0]]


def resized_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """Resizing, CenterCrop and (at inference) RandomCrop: images of ``height`` x ``width``."""
    (shape,) = image_shape(config, inputs)
    height, width = param_size(config, "height"), param_size(config, "width")
    if channels_first(config):
        return [(shape[0], shape[1], height, width)]
    return [(shape[0], height, width, shape[3])]


def stft_macs(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    """Each kernel's 1-D convolution: every output element (a frame's bin in one channel) is
    ``frame_length`` multiply-accumulates. ``real`` and ``imag`` modes run one kernel;
    ``stft`` runs both and outputs both; the others run both and combine them."""
    mode = config.get("mode", "log")
    kernels = 1 if mode in ("real", "imag", "stft") else 2
    return kernels * shape_elements(outputs[0]) * int(config["frame_length"])


def mel_macs(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    """The mel filterbank: each output (a mel bin of one frame) sums ``fft_length / 2 + 1``
    frequency bins."""
    return shape_elements(outputs[0]) * (int(config["fft_length"]) // 2 + 1)


KINDS = (
    LayerKind(
        "Rescaling", "preprocessing", stateless=True, elementwise=True, output_shape=same_shape
    ),
    LayerKind(
        "Normalization",
        "preprocessing",
        elementwise=True,
        layout=_normalization_layout,
        variable_shapes=_adapted_normalization_variables,
        variable_dtypes=(("count", "int64"),),
        output_shape=same_shape,
    ),
    LayerKind("STFTSpectrogram", "preprocessing", cost=stft_macs),
    LayerKind("Resizing", "preprocessing", stateless=True, output_shape=resized_shape),
    LayerKind("CenterCrop", "preprocessing", stateless=True, output_shape=resized_shape),
    LayerKind(
        "ContrastLimitedAdaptiveHistogramEqualization",
        "preprocessing",
        stateless=True,
        output_shape=image_shape,
    ),
    LayerKind("MelSpectrogram", "preprocessing", stateless=True, cost=mel_macs),
)
