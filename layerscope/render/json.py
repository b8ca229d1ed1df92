"""The JSON document of CONTRACT.md (schema_version 1)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from layerscope.report import LayerReport, ModelReport, Shape, Variable

SCHEMA_VERSION = 1


def _shape(shape: Shape) -> list[int | None]:
    return list(shape)


def _output_shape(row: LayerReport) -> Any:
    shape = row.output_shape
    if shape is None:
        return None
    if isinstance(shape, list):
        return [_shape(s) for s in shape]
    return _shape(shape)


def _variable(variable: Variable) -> dict[str, Any]:
    return {
        "name": variable.name,
        "path": variable.path,
        "role": variable.role,
        "shape": list(variable.shape),
        "dtype": variable.dtype,
        "count": variable.count,
        "trainable": variable.trainable,
        "bytes": variable.nbytes,
        "shared_from": variable.shared_from,
    }


def _layer(row: LayerReport) -> dict[str, Any]:
    return {
        "name": row.name,
        "path": row.path,
        "depth": row.depth,
        "parent": row.parent,
        "class_name": row.class_name,
        "is_container": row.is_container,
        "params": row.params,
        "trainable": row.trainable,
        "non_trainable": row.non_trainable,
        "bytes": row.bytes,
        "by_role": row.by_role.as_dict(),
        "shared_params": row.shared_params,
        "share": row.share,
        "output_shape": _output_shape(row),
        "input_shapes": [_shape(s) for s in row.input_shapes],
        "variables": [_variable(v) for v in row.variables],
        "inbound": list(row.inbound),
        "calls": row.call_count,
        "layer_trainable": row.layer_trainable,
        "dtype_policy": row.dtype_policy,
        "macs": row.macs,
    }


def _plain(value: Any) -> Any:
    """Mappings/tuples from the analyses as JSON data (NaN/inf become null)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def report_to_dict(report: ModelReport) -> dict[str, Any]:
    totals = report.totals
    if totals is None:
        raise ValueError("the report has not been analysed (use layerscope.analyze)")
    cost = dict(report.cost or {})
    cost.setdefault("macs", sum(row.macs for row in report.top_level))
    return {
        "schema_version": SCHEMA_VERSION,
        "model": {
            "name": report.name,
            "class_name": report.class_name,
            "source": report.source,
            "engine": report.engine,
            "inputs": list(report.inputs),
            "outputs": list(report.outputs),
            "input_shapes": [_shape(s) for s in report.input_shapes],
        },
        "totals": {
            "params": totals.params,
            "trainable": totals.trainable,
            "non_trainable": totals.non_trainable,
            "bytes": totals.bytes,
            "by_role": totals.by_role.as_dict(),
            "bytes_by_dtype": dict(totals.bytes_by_dtype),
        },
        "layers": [_layer(row) for row in report.layers],
        "edges": [
            {
                "source": e.source,
                "target": e.target,
                "shape": None if e.shape is None else list(e.shape),
            }
            for e in report.edges
        ],
        "cost": _plain(cost),
        "memory": _plain(report.memory),
        "architecture": _plain(report.architecture),
        "data_fit": _plain(report.data_fit),
    }


def report_to_json(report: ModelReport, indent: int | None = 2) -> str:
    # ensure_ascii keeps hostile names (control characters, odd unicode) as plain escapes.
    return json.dumps(report_to_dict(report), indent=indent, ensure_ascii=True, allow_nan=False)
