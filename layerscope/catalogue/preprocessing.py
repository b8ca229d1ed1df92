"""Preprocessing layers that run inside the model (augmentation is in
:mod:`layerscope.catalogue.regularization`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.geometry import same_shape
from layerscope.catalogue.kind import LayerKind, Layout, Pattern, ShapeList
from layerscope.catalogue.layout import NO_VARIABLES, var_specs
from layerscope.catalogue.normalization import axes_shape


def _normalization_layout(config: Mapping[str, Any]) -> Layout:
    if config.get("mean") is not None:
        return NO_VARIABLES  # fixed statistics live in the config, not in variables
    return var_specs(("mean", False), ("variance", False), ("count", False)), ()


def _adapted_normalization_variables(
    config: Mapping[str, Any], inputs: ShapeList
) -> dict[str, Pattern]:
    shape = axes_shape(config, inputs)
    return {"mean": shape, "variance": shape, "count": ()}


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
)
