"""Data fit: how the parameter count compares with the number of training samples."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from layerscope.report import ModelReport


def readable_ratio(value: float) -> float:
    """Round a ratio for the JSON: two decimals, but never fewer than three significant
    figures (5.7601... -> 5.76; 0.000123456 -> 0.000123)."""
    if value == 0 or not math.isfinite(value):
        return value
    decimals = max(2, 2 - math.floor(math.log10(abs(value))))
    return round(value, decimals)


def analyze_data_fit(report: ModelReport, training_samples: int | None) -> ModelReport:
    """Fill ``report.data_fit``; ``None`` when no sample count is given."""
    if training_samples is None:
        return dataclasses.replace(report, data_fit=None)
    assert report.totals is not None, "compute_totals runs first"
    params = report.totals.params
    trainable = report.totals.trainable
    data_fit: dict[str, Any] = {
        "training_samples": training_samples,
        "params": params,
        "params_per_sample": readable_ratio(params / training_samples),
        "samples_per_param": readable_ratio(training_samples / params) if params else None,
        "trainable_params_per_sample": readable_ratio(trainable / training_samples),
    }
    return dataclasses.replace(report, data_fit=data_fit)
