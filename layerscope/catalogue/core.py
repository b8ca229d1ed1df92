"""Model containers, inputs and the small core layers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.dims import zero
from layerscope.catalogue.geometry import same_shape
from layerscope.catalogue.kind import LayerKind, Layout, Pattern, ShapeList, VarSpec
from layerscope.catalogue.params import param_size


def _custom_scale_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [inputs[0]]


_CONVNEXT = "keras.src.applications.convnext"


def _layer_scale_layout(config: Mapping[str, Any]) -> Layout:
    return (VarSpec("variable", auto_named=True),), ()


def _layer_scale_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    return {"variable": (param_size(config, "projection_dim"),)}


KINDS = (
    LayerKind("Functional", "core", container=True, graph=True),
    LayerKind("Sequential", "core", container=True, graph=True),
    LayerKind("Model", "core", container=True),
    LayerKind("InputLayer", "core", stateless=True, cost=zero),
    LayerKind("Identity", "core", stateless=True, output_shape=same_shape),
    LayerKind("Masking", "core", stateless=True, output_shape=same_shape),
    LayerKind("Lambda", "core", stateless=True),
    LayerKind("StochasticDepth", "core", stateless=True, module=_CONVNEXT, output_shape=same_shape),
    LayerKind(
        "CustomScaleLayer",
        "core",
        stateless=True,
        module="keras.src.applications.inception_resnet_v2",
        output_shape=_custom_scale_shape,
    ),
    LayerKind(
        "LayerScale",
        "core",
        module=_CONVNEXT,
        layout=_layer_scale_layout,
        variable_shapes=_layer_scale_variables,
        output_shape=same_shape,
    ),
)
