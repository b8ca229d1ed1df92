"""Totals and shares: the numbers every other analysis and renderer reads."""

from __future__ import annotations

import dataclasses

from layerscope.report import CapturedModel, LayerReport, RoleCounts, Totals, Variable


def unique_variables(report: CapturedModel) -> list[Variable]:
    """The model's variables, each once, in row order (depth-0 rows own every variable).

    A variable held by two depth-0 rows (tied weights) is counted once, as Keras's
    ``model.count_params()`` does: in the row that owns it (the other row lists it with
    ``shared_from`` set, see :attr:`Variable.shared_from`).
    """
    seen: set[str] = set()
    variables: list[Variable] = []
    for row in report.top_level:
        for variable in row.variables:
            if variable.shared_from is not None or variable.path in seen:
                continue
            seen.add(variable.path)
            variables.append(variable)
    return variables


def compute_totals(report: CapturedModel) -> Totals:
    """The whole model's parameter totals (each variable counted once)."""
    variables = unique_variables(report)
    params = sum(v.count for v in variables)
    trainable = sum(v.count for v in variables if v.trainable)
    bytes_by_dtype: dict[str, int] = {}
    for variable in variables:
        bytes_by_dtype[variable.dtype] = bytes_by_dtype.get(variable.dtype, 0) + variable.nbytes
    return Totals(
        params=params,
        trainable=trainable,
        non_trainable=params - trainable,
        bytes=sum(bytes_by_dtype.values()),
        by_role=RoleCounts.of(variables),
        bytes_by_dtype=dict(sorted(bytes_by_dtype.items())),
    )


def with_shares(layers: tuple[LayerReport, ...], totals: Totals) -> tuple[LayerReport, ...]:
    """Every row with its ``share`` of the total parameter count."""
    params = totals.params
    return tuple(
        dataclasses.replace(row, share=(row.params / params) if params else 0.0) for row in layers
    )
