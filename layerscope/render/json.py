"""The JSON document of docs/json.md (``schema_version`` 1).

The document is built as typed objects (:class:`Document` and its parts here, the analyses'
results from :mod:`layerscope.results`) and turned into JSON data by the one generic
:func:`layerscope.results.as_data`; :mod:`layerscope.schema` derives the shipped JSON Schema
(``layerscope/schema.json``) from the same types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layerscope.report import LayerReport, ModelReport, Role, RoleCounts, Shape, Variable
from layerscope.results import Architecture, Cost, DataFit, Memory, as_data
from layerscope.weights.health import Finding
from layerscope.weights.precision import PrecisionPlan, quantization_mode
from layerscope.weights.types import VariableStats

SCHEMA_VERSION = 1

JsonShape = tuple[int | None, ...]
"""A shape in the JSON: a list of sizes, ``null`` for an unknown one (usually the batch)."""


@dataclass(frozen=True)
class VariableDoc:
    """One variable (weight tensor)."""

    name: str
    path: str
    role: Role
    """``weight``, ``bias``, ``norm``, ``stats`` or ``other`` (docs/json.md)."""
    shape: tuple[int, ...]
    dtype: str
    count: int
    trainable: bool
    bytes: int
    shared_from: str | None
    """Path of the row that owns this variable when it is shared (``null`` otherwise)."""
    stats: StatsDoc | None
    """Statistics of its values with ``--weights`` (``null`` otherwise)."""


@dataclass(frozen=True)
class StatsDoc:
    """Statistics of one variable's values (``--weights``; docs/weights.md)."""

    mean: float | None
    """Of the finite values (``null`` when there are none)."""
    std: float | None
    """Population standard deviation of the finite values."""
    min: float | None
    max: float | None
    abs_max: float | None
    zeros: float
    """Fraction of the elements exactly zero."""
    near_zero: float
    """Fraction with ``abs(x) < 1e-6``."""
    nan: int
    inf: int
    norm: float
    """L2 norm of the finite values."""
    count: int
    spectral_norm: float | None
    """Largest singular value of a Dense/EinsumDense/Conv kernel reshaped to 2-D."""
    stable_rank: float | None
    spectral_converged: bool | None
    """False: the spectral norm is a lower bound (Lanczos stopped at its step limit)."""


def _stats(stats: VariableStats | None) -> StatsDoc | None:
    if stats is None:
        return None
    return StatsDoc(
        mean=stats.mean,
        std=stats.std,
        min=stats.min,
        max=stats.max,
        abs_max=stats.abs_max,
        zeros=stats.zeros,
        near_zero=stats.near_zero,
        nan=stats.nan,
        inf=stats.inf,
        norm=stats.norm,
        count=stats.count,
        spectral_norm=stats.spectral_norm,
        stable_rank=stats.stable_rank,
        spectral_converged=stats.spectral_converged,
    )


@dataclass(frozen=True)
class LayerDoc:
    """One row: a layer, or a nested model as a whole."""

    name: str
    path: str
    depth: int
    parent: str | None
    class_name: str
    is_container: bool
    is_block: bool
    """A custom layer whose sub-layers follow as deeper rows (it also counts them)."""
    params: int
    trainable: int
    non_trainable: int
    bytes: int
    by_role: RoleCounts
    shared_params: int
    """Parameters of variables this row uses but another row owns (not in ``params``)."""
    share: float
    output_shape: JsonShape | tuple[JsonShape, ...] | None
    """One shape, a list of shapes (several outputs), or ``null`` when unknown."""
    input_shapes: tuple[JsonShape, ...]
    variables: tuple[VariableDoc, ...]
    inbound: tuple[str, ...]
    calls: int
    layer_trainable: bool
    dtype_policy: str | None
    macs: int
    quantization: str | None
    """``int8``, ``int4/128``, ``float8``... for a layer ``model.quantize`` changed."""


@dataclass(frozen=True)
class EdgeDoc:
    source: str
    target: str
    shape: JsonShape | None


@dataclass(frozen=True)
class ModelDoc:
    name: str
    class_name: str
    source: str | None
    engine: str
    """``keras`` or ``static``."""
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    input_shapes: tuple[JsonShape, ...]


@dataclass(frozen=True)
class TotalsDoc:
    params: int
    trainable: int
    non_trainable: int
    bytes: int
    by_role: RoleCounts
    bytes_by_dtype: Mapping[str, int]


@dataclass(frozen=True)
class Document:
    """The whole JSON document."""

    schema_version: int
    model: ModelDoc
    totals: TotalsDoc
    layers: tuple[LayerDoc, ...]
    edges: tuple[EdgeDoc, ...]
    cost: Cost
    memory: Memory
    architecture: Architecture
    data_fit: DataFit | None
    precision: PrecisionPlan | None
    """Parameter bytes at float32/float16/bfloat16/int8/int4, total and per layer."""
    weight_health: tuple[Finding, ...] | None
    """Findings about the weights' values with ``--weights`` (``null`` otherwise)."""


def _output_shape(row: LayerReport) -> JsonShape | tuple[JsonShape, ...] | None:
    shape = row.output_shape
    if isinstance(shape, list):
        return tuple(shape)
    return shape


def _variable(variable: Variable) -> VariableDoc:
    return VariableDoc(
        name=variable.name,
        path=variable.path,
        role=variable.role,
        shape=variable.shape,
        dtype=variable.dtype,
        count=variable.count,
        trainable=variable.trainable,
        bytes=variable.nbytes,
        shared_from=variable.shared_from,
        stats=_stats(variable.stats),
    )


def _layer(row: LayerReport) -> LayerDoc:
    return LayerDoc(
        name=row.name,
        path=row.path,
        depth=row.depth,
        parent=row.parent,
        class_name=row.class_name,
        is_container=row.is_container,
        is_block=row.is_block,
        params=row.params,
        trainable=row.trainable,
        non_trainable=row.non_trainable,
        bytes=row.bytes,
        by_role=row.by_role,
        shared_params=row.shared_params,
        share=row.share,
        output_shape=_output_shape(row),
        input_shapes=tuple(row.input_shapes),
        variables=tuple(_variable(v) for v in row.variables),
        inbound=row.inbound,
        calls=row.call_count,
        layer_trainable=row.layer_trainable,
        dtype_policy=row.dtype_policy,
        macs=row.macs,
        quantization=quantization_mode(row.dtype_policy),
    )


def _shape(shape: Shape | None) -> JsonShape | None:
    return None if shape is None else tuple(shape)


def report_document(report: ModelReport) -> Document:
    """The report as the typed JSON document."""
    totals = report.totals
    return Document(
        schema_version=SCHEMA_VERSION,
        model=ModelDoc(
            name=report.name,
            class_name=report.class_name,
            source=report.source,
            engine=report.engine,
            inputs=report.inputs,
            outputs=report.outputs,
            input_shapes=report.input_shapes,
        ),
        totals=TotalsDoc(
            params=totals.params,
            trainable=totals.trainable,
            non_trainable=totals.non_trainable,
            bytes=totals.bytes,
            by_role=totals.by_role,
            bytes_by_dtype=totals.bytes_by_dtype,
        ),
        layers=tuple(_layer(row) for row in report.layers),
        edges=tuple(EdgeDoc(e.source, e.target, _shape(e.shape)) for e in report.edges),
        cost=report.cost,
        memory=report.memory,
        architecture=report.architecture,
        data_fit=report.data_fit,
        precision=report.precision,
        weight_health=report.weight_health,
    )


def report_to_dict(report: ModelReport) -> dict[str, Any]:
    """The JSON document as plain Python data."""
    data: dict[str, Any] = as_data(report_document(report))
    return data


def report_to_json(report: ModelReport, indent: int | None = 2) -> str:
    # ensure_ascii keeps hostile names (control characters, odd unicode) as plain escapes.
    return json.dumps(report_to_dict(report), indent=indent, ensure_ascii=True, allow_nan=False)
