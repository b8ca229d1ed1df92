"""Activation layers: one operation per element, the channel count kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.geometry import same_shape
from layerscope.catalogue.kind import LayerKind, Pattern, ShapeList
from layerscope.catalogue.layout import single_variable
from layerscope.catalogue.params import layer_name
from layerscope.errors import StaticUnsupported


def _prelu_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    if not inputs:
        return {}
    shape: list[int | None] = list(inputs[0][1:])
    shared = config.get("shared_axes")
    axes = [] if shared is None else shared if isinstance(shared, (list, tuple)) else [shared]
    for axis in axes:
        if isinstance(axis, bool) or not isinstance(axis, int) or not 1 <= axis <= len(shape):
            raise StaticUnsupported(f"layer {layer_name(config)}: shared axis {axis!r}")
        shape[axis - 1] = 1
    return {"alpha": tuple(shape)}


def _activation(name: str) -> LayerKind:
    return LayerKind(
        name,
        "activation",
        stateless=True,
        elementwise=True,
        pass_through=True,
        output_shape=same_shape,
    )


KINDS = (
    *(_activation(name) for name in ("Activation", "ReLU", "LeakyReLU", "ELU", "Softmax")),
    LayerKind(
        "PReLU",
        "activation",
        hidden_layer=False,
        elementwise=True,
        pass_through=True,
        layout=single_variable("alpha"),
        variable_shapes=_prelu_variables,
        output_shape=same_shape,
    ),
)
