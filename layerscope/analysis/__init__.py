"""Analysis: pure functions from a :class:`CapturedModel` to typed results. No Keras import
anywhere here.

:func:`run_analyses` is the one entry point, turning a captured model into a
:class:`ModelReport`; each step lives in its own module and returns its typed result
(:mod:`layerscope.results`). The order matters: totals and shares first (everything
reads them), then compute (MACs and activation sizes, which memory and the architecture's
stages read), memory, architecture (the dominant layer), and data fit last (it names the
dominant layer and what shrinking it would change).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from layerscope._gc import gc_paused
from layerscope.analysis.architecture import analyze_architecture
from layerscope.analysis.cost import compute_cost
from layerscope.analysis.datafit import analyze_data_fit
from layerscope.analysis.memory import compute_memory
from layerscope.analysis.params import compute_totals, with_shares
from layerscope.errors import UsageError
from layerscope.options import AnalysisOptions
from layerscope.report import CapturedModel, ModelReport
from layerscope.weights.precision import plan_precision


def run_analyses(
    report: CapturedModel,
    training_samples: int | None = None,
    options: AnalysisOptions | None = None,
    **keywords: Any,
) -> ModelReport:
    """The analysed report: totals, shares, MACs, memory, architecture and data fit.

    ``options`` (an :class:`~layerscope.options.AnalysisOptions`) or the same as keywords:
    ``batch_size`` (int, default 1), ``optimizer`` (``"adam"``, ``"sgd"``,
    ``"sgd_momentum"``, ``"rmsprop"``, ``"adagrad"``... default ``"adam"``) and
    ``thresholds`` (a mapping overriding the data-fit band thresholds). Every option is
    checked before any work is done; an unknown one is a :class:`UsageError`.
    """
    if options is None:
        options = AnalysisOptions.of(**keywords)
    elif keywords:
        raise UsageError("pass analysis options either as options= or as keywords, not both")
    with gc_paused():  # see layerscope._gc: a full collection would rescan the process
        return _analysed(report, training_samples, options)


def _analysed(
    report: CapturedModel, training_samples: int | None, options: AnalysisOptions
) -> ModelReport:
    batch_size = options.batch_size
    optimizer = options.optimizer
    thresholds = options.thresholds

    model = report.captured()
    totals = compute_totals(model)
    model = dataclasses.replace(model, layers=with_shares(model.layers, totals))
    model, cost = compute_cost(model)
    memory = compute_memory(model, totals, batch_size=batch_size, optimizer=optimizer)
    architecture = analyze_architecture(model, totals)
    data_fit = analyze_data_fit(
        model, totals, architecture, training_samples, thresholds=thresholds
    )
    return ModelReport(
        **{item.name: getattr(model, item.name) for item in dataclasses.fields(CapturedModel)},
        totals=totals,
        cost=cost,
        memory=memory,
        architecture=architecture,
        data_fit=data_fit,
        precision=plan_precision(model, memory),
    )
