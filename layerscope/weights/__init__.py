"""What is *in* the parameters: value statistics, health findings and precision planning.

``analyze(..., weights=True)`` (CLI ``--weights``) reads every variable's values -- streamed
block by block from a ``.keras`` file by the static engine, or from a built model's
variables -- into :class:`~layerscope.weights.stats.VariableStats`, then
:func:`~layerscope.weights.health.check_health` turns them into findings. Only
:func:`~layerscope.weights.read.stats_from_model` touches Keras objects (it is handed them).
"""

from __future__ import annotations

import os
from typing import Any

from layerscope.report import CapturedModel
from layerscope.weights.health import Finding, check_health
from layerscope.weights.types import Histogram, UnitStats, VariableStats

__all__ = [
    "Finding",
    "Histogram",
    "UnitStats",
    "VariableStats",
    "check_health",
    "read_weight_stats",
]


def read_weight_stats(
    report: CapturedModel,
    model: Any = None,
    path: str | os.PathLike[str] | None = None,
) -> CapturedModel:
    """``report`` with every variable's statistics, read from ``model`` (a built Keras
    model) or else from the ``.keras`` file at ``path`` (static-engine reports only)."""
    from layerscope import progress
    from layerscope.weights.read import attach_stats, stats_from_archive, stats_from_model

    with progress.step("Reading the weights' values"):
        if model is not None:
            stats = stats_from_model(model, report)
        elif path is not None:
            stats = stats_from_archive(path, report)
        else:
            raise ValueError("weight statistics need a model or a .keras file")
    return attach_stats(report, stats)
