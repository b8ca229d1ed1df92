"""The diff as JSON (``schema_version`` 1, described by ``layerscope/diff.schema.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from layerscope.diffing import (
    DIFF_SCHEMA_VERSION,
    DiffReport,
    LayerDelta,
    LayerDiff,
    LayerSide,
    ModelSide,
    Quantity,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "diff.schema.json"
"""The JSON Schema every document from :func:`diff_to_dict` validates against."""


def _model(side: ModelSide) -> dict[str, Any]:
    return {
        "name": side.name,
        "class_name": side.class_name,
        "source": side.source,
        "engine": side.engine,
        "layers": side.layers,
        "training_samples": side.training_samples,
    }


def _quantity(quantity: Quantity) -> dict[str, Any]:
    return {"a": quantity.a, "b": quantity.b, "delta": quantity.delta, "percent": quantity.percent}


def _output_shape(side: LayerSide) -> Any:
    if not side.output_shapes:
        return None
    if len(side.output_shapes) == 1:
        return list(side.output_shapes[0])
    return [list(shape) for shape in side.output_shapes]


def _layer_side(side: LayerSide | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {
        "name": side.name,
        "path": side.path,
        "depth": side.depth,
        "class_name": side.class_name,
        "output_shape": _output_shape(side),
        "params": side.params,
        "trainable": side.trainable,
        "non_trainable": side.non_trainable,
        "by_role": side.by_role.as_dict(),
        "macs": side.macs,
        "bytes": side.bytes,
    }


def _delta(delta: LayerDelta) -> dict[str, Any]:
    return {
        "params": delta.params,
        "trainable": delta.trainable,
        "non_trainable": delta.non_trainable,
        "macs": delta.macs,
        "bytes": delta.bytes,
        "by_role": delta.by_role.as_dict(),
    }


def _layer(row: LayerDiff) -> dict[str, Any]:
    return {
        "path": row.path,
        "status": row.status,
        "matched_by": row.matched_by,
        "changes": list(row.changes),
        "a": _layer_side(row.a),
        "b": _layer_side(row.b),
        "delta": _delta(row.delta),
    }


def diff_to_dict(report: DiffReport) -> dict[str, Any]:
    from layerscope.render.diff_text import headline

    totals: dict[str, Any] = {key: _quantity(q) for key, q in report.totals.items()}
    totals.setdefault("params_per_sample", None)
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "kind": "layerscope.diff",
        "a": _model(report.a),
        "b": _model(report.b),
        "headline": headline(report),
        "counts": {
            status: report.count(status) for status in ("added", "removed", "changed", "unchanged")
        },
        "totals": totals,
        "layers": [_layer(row) for row in report.layers],
    }


def diff_to_json(report: DiffReport, indent: int | None = 2) -> str:
    # ensure_ascii keeps hostile names (control characters, odd unicode) as plain escapes.
    return json.dumps(diff_to_dict(report), indent=indent, ensure_ascii=True, allow_nan=False)


def diff_schema() -> dict[str, Any]:
    """The shipped JSON Schema of the diff document."""
    result: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return result
