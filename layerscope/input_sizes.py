"""How ``seq_len`` / ``input_shapes`` size a model's inputs: one rule for both engines.

The Keras engine's symbolic call (tracing.py) and the static engine's keras_hub recipes
(static/hub.py) both resolve the sizes through these functions, so a name the model lacks
is the same usage error, and the sizes the figures are measured at are the same, whichever
engine reads the model. Pure Python: no Keras.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.errors import UsageError
from layerscope.report import Shape


def check_input_names(overrides: Mapping[str, Any], names: Sequence[str]) -> None:
    """A clear usage error for an ``input_shapes`` name the model has no input for."""
    for name in overrides:
        if name not in names:
            known = ", ".join(names) if names else "none known"
            raise UsageError(f"--input-shape: the model has no input {name!r} (inputs: {known})")


def resolve_input_shape(
    name: str, shape: tuple[Any, ...], seq_len: int | None, override: Any
) -> Shape:
    """The input's shape at batch 1: ``override`` (its non-batch sizes) when given, else
    every unknown non-batch size set to ``seq_len`` (left unknown without it)."""
    dims: list[int | None] = [None if d is None else int(d) for d in shape]
    if not dims:
        return ()
    if override is not None:
        given = tuple(override)
        if len(given) != len(dims) - 1:
            raise UsageError(
                f"--input-shape {name}: the input has {len(dims) - 1} non-batch "
                f"dimension(s) {tuple(dims[1:])}; got {len(given)}"
            )
        dims[1:] = [int(d) for d in given]
    elif seq_len is not None:
        dims[1:] = [seq_len if d is None else d for d in dims[1:]]
    if dims[0] is None:
        dims[0] = 1
    return tuple(dims)
