"""Analysis: pure functions ``ModelReport -> ModelReport``. No Keras import anywhere here.

:func:`run_analyses` is the one entry point; each step lives in its own module and returns a
new report with its part filled in.
"""

from __future__ import annotations

from typing import Any

from layerscope.analysis.datafit import analyze_data_fit
from layerscope.analysis.params import compute_totals
from layerscope.report import ModelReport


def run_analyses(
    report: ModelReport,
    training_samples: int | None = None,
    **options: Any,
) -> ModelReport:
    """Fill every derived number of ``report``: totals and shares, then data fit."""
    report = compute_totals(report)
    report = analyze_data_fit(report, training_samples)
    return report
