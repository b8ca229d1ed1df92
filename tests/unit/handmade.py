"""Captured reports built by hand, for the fast tier (the shapes the Keras capture fills)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from layerscope.report import CapturedModel, Edge, LayerReport, Variable


def dense(
    name: str,
    inputs: int,
    units: int,
    *,
    trainable: bool = True,
    activation: str = "linear",
    previous: str | None = None,
) -> LayerReport:
    """A captured Dense row (kernel + bias), as the Keras capture fills it."""
    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name="Dense",
        variables=(
            Variable("kernel", f"{name}/kernel", "weight", (inputs, units), "float32", trainable),
            Variable("bias", f"{name}/bias", "bias", (units,), "float32", trainable),
        ),
        output_shapes=((None, units),),
        input_shapes=((None, inputs),),
        inbound=(previous,) if previous else (),
        layer_trainable=trainable,
        config={"name": name, "units": units, "activation": activation, "use_bias": True},
    )


def plain(
    name: str,
    class_name: str,
    shape: Sequence[int | None],
    previous: str,
    config: dict[str, Any] | None = None,
) -> LayerReport:
    """A captured row without variables (activations, reshapes...)."""
    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name=class_name,
        output_shapes=(tuple(shape),),
        input_shapes=(tuple(shape),),
        inbound=(previous,),
        config={"name": name, **(config or {})},
    )


def chain(rows: Sequence[LayerReport], name: str = "handmade") -> CapturedModel:
    """A Sequential-like captured report of ``rows`` in order (edges between neighbours)."""
    edges = tuple(
        Edge(a.path, b.path, b.input_shapes[0] if b.input_shapes else None)
        for a, b in itertools.pairwise(rows)
    )
    return CapturedModel(
        name=name,
        class_name="Sequential",
        layers=tuple(rows),
        edges=edges,
        outputs=(rows[-1].path,),
        input_shapes=rows[0].input_shapes[:1],
    )
