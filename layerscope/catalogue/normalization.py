"""Normalisation layers: element-wise work (0 MACs; an inference engine folds batch
normalisation into the preceding convolution), and they keep the channel count.
``SpectralNormalization`` wraps a layer and costs what the layer costs (at inference it runs
the layer with its normalised kernel; the power iteration runs only in training)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.geometry import same_shape
from layerscope.catalogue.kind import LayerKind, Layout, LayoutRule, Pattern, ShapeList, ShapeRule
from layerscope.catalogue.layout import var_specs
from layerscope.catalogue.params import layer_name, param_axis
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def _batch_norm_layout(config: Mapping[str, Any]) -> Layout:
    names: list[tuple[str, bool]] = []
    if config.get("scale", True):
        names.append(("gamma", True))
    if config.get("center", True):
        names.append(("beta", True))
    names += [("moving_mean", False), ("moving_variance", False)]
    return var_specs(*names), ()


def _scale_center_layout(config: Mapping[str, Any]) -> Layout:
    names = []
    if config.get("scale", True):
        names.append("gamma")
    if config.get("center", True):
        names.append("beta")
    return var_specs(*names), ()


def _layer_norm_layout(config: Mapping[str, Any]) -> Layout:
    """LayerNormalization: with ``rms_scaling`` (deprecated, still read) a ``gamma`` whatever
    ``scale`` says and no ``beta``."""
    if not config.get("rms_scaling"):
        return _scale_center_layout(config)
    return var_specs("gamma"), ()


def _rms_layout(config: Mapping[str, Any]) -> Layout:
    return var_specs("scale"), ()


def axes_shape(config: Mapping[str, Any], inputs: ShapeList, default: Any = -1) -> Pattern:
    """The shape of a normalization's per-axis parameters: the input's sizes on ``axis``."""
    if not inputs:
        raise StaticUnsupported(f"layer {layer_name(config)}: no input shape to normalize")
    shape = inputs[0]
    axis = config.get("axis", default)
    if axis is None:
        return ()
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return tuple(shape[a] for a in sorted(param_axis(a, len(shape), config) for a in axes))


def _normalization_variables(names: tuple[str, ...]) -> ShapeRule:
    def rule(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
        shape = axes_shape(config, inputs)
        return {name: shape for name in names}

    return rule


def _norm(name: str, layout: LayoutRule, variables: tuple[str, ...]) -> LayerKind:
    return LayerKind(
        name,
        "normalization",
        elementwise=True,
        pass_through=True,
        layout=layout,
        variable_shapes=_normalization_variables(variables),
        output_shape=same_shape,
    )


def spectral_normalization_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """The wrapped layer's own rule (``Dense``, ``Conv2D``...) on the same shapes."""
    from layerscope.catalogue import cost_rule  # the registry imports this module

    inner = config["layer"]
    rule = cost_rule(inner["class_name"])
    if rule is None:
        raise ValueError(f"no MAC rule for the wrapped {inner['class_name']}")
    return rule(inner.get("config") or {}, inputs, outputs)


KINDS = (
    _norm(
        "BatchNormalization",
        _batch_norm_layout,
        ("gamma", "beta", "moving_mean", "moving_variance"),
    ),
    _norm("LayerNormalization", _layer_norm_layout, ("gamma", "beta")),
    _norm("GroupNormalization", _scale_center_layout, ("gamma", "beta")),
    _norm("RMSNormalization", _rms_layout, ("scale",)),
    LayerKind(
        "UnitNormalization",
        "normalization",
        stateless=True,
        elementwise=True,
        pass_through=True,
        output_shape=same_shape,
    ),
    LayerKind("SpectralNormalization", "normalization", cost=spectral_normalization_macs),
)
