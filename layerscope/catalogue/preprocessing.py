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
from layerscope.catalogue.geometry import (
    channels_first,
    conv_length,
    join_channels,
    same_shape,
    split_channels,
    times,
)
from layerscope.catalogue.kind import LayerKind, Layout, Pattern, ShapeList
from layerscope.catalogue.layout import NO_VARIABLES, var_specs
from layerscope.catalogue.normalization import axes_shape
from layerscope.catalogue.params import layer_name, param_size, serialized
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


def _stft_bins(config: Mapping[str, Any]) -> int:
    """Frequency bins of one kernel: half the FFT length (the next power of two above
    ``frame_length`` when ``fft_length`` is not given) plus one."""
    frame = param_size(config, "frame_length")
    fft = param_size(config, "fft_length", default=1 << (frame - 1).bit_length())
    return fft // 2 + 1


def _stft_layout(config: Mapping[str, Any]) -> Layout:
    mode = config.get("mode", "log")
    names = [
        name for name, skip in (("real_kernel", "imag"), ("imag_kernel", "real")) if mode != skip
    ]
    return var_specs(*names), ()


def _stft_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    kernel = (param_size(config, "frame_length"), 1, _stft_bins(config))
    return {"real_kernel": kernel, "imag_kernel": kernel}


def _stft_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """``STFTSpectrogram.compute_output_shape``: a 1-D convolution of ``frame_length`` with
    ``frame_step`` strides, one output channel per bin and input channel (two per bin in
    ``stft`` mode), or (``expand_dims``) the bins and the channels on axes of their own."""
    if len(inputs) != 1 or len(inputs[0]) != 3:
        raise StaticUnsupported(f"layer {layer_name(config)}: called on {inputs}")
    batch = inputs[0][0]
    (time,), channels = split_channels(config, inputs[0])
    frame = param_size(config, "frame_length")
    step = param_size(config, "frame_step", default=frame // 2)
    frames = conv_length(time, frame, step, str(config.get("padding", "valid")), 1)
    bins = _stft_bins(config) * (2 if config.get("mode", "log") == "stft" else 1)
    if config.get("expand_dims"):
        if channels_first(config):
            return [(batch, channels, frames, bins)]
        return [(batch, frames, bins, channels)]
    return [join_channels(config, batch, [frames], times(channels, bins))]


def _mel_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """``MelSpectrogram.compute_output_shape``: (mel bins, frames) per sample."""
    if len(inputs) != 1 or len(inputs[0]) != 2:
        raise StaticUnsupported(f"layer {layer_name(config)}: called on {inputs}")
    batch, length = inputs[0]
    stride = param_size(config, "sequence_stride")
    frames = None if length is None else (length + stride + 1) // stride
    return [(batch, param_size(config, "num_mel_bins"), frames)]


def _category_encoding_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """``CategoryEncoding.compute_output_shape``: one-hot appends ``num_tokens`` (replacing
    a last axis of 1); the other modes replace the last axis by it."""
    shape = inputs[0]
    tokens = param_size(config, "num_tokens")
    if config.get("output_mode", "multi_hot") == "one_hot" and shape[-1] != 1:
        return [(*shape, tokens)]
    return [(*shape[:-1], tokens)]


def _discretization_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """``Discretization.compute_output_shape``: the input's shape for bin indices; else one
    axis of ``bins`` (``bin_boundaries`` + 1, or ``num_bins``) as Keras computes it."""
    shape = inputs[0]
    mode = config.get("output_mode", "int")
    if mode == "int":
        return [shape]
    boundaries = config.get("bin_boundaries")
    if isinstance(boundaries, list):
        depth = len(boundaries) + 1
    else:
        depth = param_size(config, "num_bins")
    if mode == "one_hot":
        if shape[-1] == 1 and len(shape) > 1:
            return [(*shape[:-1], depth)]
        return [(*shape, depth)]
    return [(shape[0], *shape[2:], depth)]


def _pipeline_layers(config: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """A Pipeline's layers, each of which must be a Keras class without variables (an
    augmentation, Rescaling, Resizing...); anything else is left to Keras."""
    from layerscope.catalogue import kind_of  # the registry imports this module

    entries = config.get("layers")
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise StaticUnsupported(f"layer {layer_name(config)}: unreadable Pipeline layers")
    layers = [serialized(entry) for entry in entries]
    for class_name, _ in layers:
        kind = kind_of(class_name)
        if kind is None or not kind.stateless:
            raise StaticUnsupported(f"layer {layer_name(config)}: a Pipeline holding {class_name}")
    return layers


def _pipeline_layout(config: Mapping[str, Any]) -> Layout:
    _pipeline_layers(config)
    return NO_VARIABLES


def _pipeline_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """Its layers' output shapes, one after the other."""
    from layerscope.catalogue import output_rule  # the registry imports this module

    shapes: ShapeList | None = inputs
    for class_name, layer_config in _pipeline_layers(config):
        rule = output_rule(class_name)
        shapes = None if rule is None or shapes is None else rule(layer_config, shapes)
        if shapes is None:
            raise StaticUnsupported(f"layer {layer_name(config)}: {class_name}'s output shape")
    assert shapes is not None
    return shapes


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
    LayerKind(
        "STFTSpectrogram",
        "preprocessing",
        cost=stft_macs,
        layout=_stft_layout,
        variable_shapes=_stft_variables,
        output_shape=_stft_shape,
    ),
    LayerKind(
        "CategoryEncoding", "preprocessing", stateless=True, output_shape=_category_encoding_shape
    ),
    LayerKind(
        "Discretization", "preprocessing", stateless=True, output_shape=_discretization_shape
    ),
    LayerKind("Resizing", "preprocessing", stateless=True, output_shape=resized_shape),
    LayerKind("CenterCrop", "preprocessing", stateless=True, output_shape=resized_shape),
    LayerKind(
        "ContrastLimitedAdaptiveHistogramEqualization",
        "preprocessing",
        stateless=True,
        output_shape=image_shape,
    ),
    LayerKind("Pipeline", "preprocessing", layout=_pipeline_layout, output_shape=_pipeline_shape),
    LayerKind(
        "MelSpectrogram", "preprocessing", stateless=True, cost=mel_macs, output_shape=_mel_shape
    ),
)
