"""Where weight values come from: a ``.keras`` file streamed with h5py, or a built model.

:func:`plan_variables` decides, from the report alone, which variables to read and what to
compute for each (Keras-free). :func:`stats_from_archive` streams the static engine's
datasets block by block (peak memory: one block plus, for kernels small enough for a
spectral norm, that kernel); :func:`stats_from_model` reads a built model's variables, the
only function here that touches Keras objects (it is handed the model; it imports nothing).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from layerscope.catalogue import names_where
from layerscope.errors import AnalysisError
from layerscope.report import CapturedModel, LayerReport, Variable
from layerscope.weights.stats import (
    SPECTRAL_MAX_ELEMENTS,
    array_blocks,
    row_step,
    tensor_stats,
)
from layerscope.weights.types import VariableStats

UNIT_CLASSES = names_where("unit_kernel")
"""Layers whose kernel's last axis is one output unit each (dead and identical units)."""

SPECTRAL_CLASSES = names_where("spectral_kernel")
"""Layers whose ``kernel`` gets a spectral norm and stable rank."""


@dataclass(frozen=True)
class VariablePlan:
    """What to compute for one variable."""

    variable: Variable
    per_unit: bool
    spectral: bool


def plan_variables(report: CapturedModel) -> list[VariablePlan]:
    """One plan per distinct variable (a nested model's variables appear in its inner rows
    too; they are read once)."""
    plans: dict[str, VariablePlan] = {}
    for row in report.layers:
        for variable in row.variables:
            kernel = variable.path == f"{row.path}/kernel" and len(variable.shape) >= 2
            bias = variable.path == f"{row.path}/bias" and len(variable.shape) == 1
            floating = variable.dtype.startswith(("float", "bfloat"))
            plan = VariablePlan(
                variable=variable,
                per_unit=(kernel or bias) and floating and row.class_name in UNIT_CLASSES,
                spectral=(
                    kernel
                    and floating
                    and row.class_name in SPECTRAL_CLASSES
                    and variable.count <= SPECTRAL_MAX_ELEMENTS
                ),
            )
            previous = plans.get(variable.path)
            if previous is None or (plan.per_unit and not previous.per_unit):
                plans[variable.path] = plan
    return list(plans.values())


def attach_stats(report: CapturedModel, stats: Mapping[str, VariableStats]) -> CapturedModel:
    """A copy of ``report`` whose variables carry their statistics."""

    def with_stats(row: LayerReport) -> LayerReport:
        variables = tuple(
            replace(v, stats=stats[v.path]) if v.path in stats else v for v in row.variables
        )
        return replace(row, variables=variables)

    return replace(report, layers=tuple(with_stats(row) for row in report.layers))


def _matrix(array: np.ndarray) -> np.ndarray:
    return array.reshape(-1, array.shape[-1])


# -- a built model -------------------------------------------------------------------------------


def stats_from_model(model: Any, report: CapturedModel) -> dict[str, VariableStats]:
    """Statistics of every variable of a built Keras model (values copied one at a time)."""
    from layerscope.capture import variables_by_path

    objects = variables_by_path(model)
    found: dict[str, VariableStats] = {}
    for plan in plan_variables(report):
        variable = objects.get(plan.variable.path)
        if variable is None:
            raise AnalysisError(f"variable {plan.variable.path!r} could not be read")
        array = np.asarray(variable.numpy())
        found[plan.variable.path] = tensor_stats(
            array_blocks(array),
            tuple(array.shape),
            per_unit=plan.per_unit,
            spectral_matrix=_matrix(array) if plan.spectral else None,
        )
        del array
    return found


# -- a .keras file ------------------------------------------------------------------------------


def stats_from_archive(
    path: str | os.PathLike[str], report: CapturedModel
) -> dict[str, VariableStats]:
    """Statistics of every variable of a report made by the static engine, streamed from the
    archive's ``model.weights.h5`` (read in place, never extracted)."""
    import h5py

    from layerscope.static.archive import WEIGHTS_MEMBER, _data_offset, _MemberFile

    file = Path(path)
    plans = plan_variables(report)
    missing = [p.variable.path for p in plans if p.variable.storage is None]
    if missing:
        raise AnalysisError(f"no stored values known for {missing[0]!r}")
    with zipfile.ZipFile(file) as archive:
        info = archive.getinfo(WEIGHTS_MEMBER)
        stream: Any
        if info.compress_type == zipfile.ZIP_STORED:
            stream = _MemberFile(file, _data_offset(file, info), info.file_size)
        else:  # pragma: no cover - Keras stores the weights uncompressed
            stream = archive.open(info)
        try:
            # A small raw-data chunk cache: blocks are read once, in order.
            with h5py.File(stream, "r", rdcc_nbytes=1 << 20) as handle:
                return {plan.variable.path: _dataset_stats(handle, plan) for plan in plans}
        finally:
            stream.close()


def _dataset_stats(handle: Any, plan: VariablePlan) -> VariableStats:
    storage = plan.variable.storage
    assert storage is not None
    dataset = handle[storage]
    shape = tuple(int(d) for d in dataset.shape)
    if plan.spectral:
        array = dataset[()]
        return tensor_stats(
            array_blocks(array), shape, per_unit=plan.per_unit, spectral_matrix=_matrix(array)
        )
    return tensor_stats(_dataset_blocks(dataset, shape), shape, per_unit=plan.per_unit)


def _dataset_blocks(dataset: Any, shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    if not shape:
        yield np.asarray(dataset[()]).reshape(1)
        return
    step = row_step(shape)
    buffer: np.ndarray | None = None
    for start in range(0, shape[0], step):
        stop = min(shape[0], start + step)
        rows = (stop - start, *shape[1:])
        if buffer is None or buffer.shape != rows:
            buffer = np.empty(rows, dtype=dataset.dtype)
        # read_direct into one reused buffer: no new allocation per block.
        dataset.read_direct(buffer, np.s_[start:stop], None)
        yield buffer
