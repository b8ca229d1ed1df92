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

from layerscope.analysis.architecture import analyze_architecture
from layerscope.analysis.cost import compute_cost
from layerscope.analysis.datafit import analyze_data_fit, validate_thresholds
from layerscope.analysis.memory import compute_memory, optimizer_slots
from layerscope.analysis.params import compute_totals, with_shares
from layerscope.errors import UsageError
from layerscope.report import CapturedModel, ModelReport

OPTIONS: dict[str, str] = {
    "batch_size": "batch size for the activation-memory estimate (positive int, default 1)",
    "optimizer": "optimizer for the optimizer-state estimate (default 'adam')",
    "thresholds": "data-fit band thresholds, e.g. {'high': 2.0} (see DEFAULT_THRESHOLDS)",
}
"""Every option :func:`run_analyses` accepts. Anything else is a UsageError, so that a typo
(``batchsize=32``) fails loudly instead of being silently ignored."""


def validate_batch_size(batch_size: Any) -> int:
    """A positive int; a UsageError quoting anything else."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise UsageError(f"batch_size must be a positive integer; got {batch_size!r}")
    return batch_size


def run_analyses(
    report: CapturedModel,
    training_samples: int | None = None,
    **options: Any,
) -> ModelReport:
    """Fill every derived number of ``report``.

    Options: ``batch_size`` (int, default 1), ``optimizer`` (``"adam"``, ``"sgd"``,
    ``"sgd_momentum"``, ``"rmsprop"``, ``"adagrad"``... default ``"adam"``) and
    ``thresholds`` (a mapping overriding the data-fit band thresholds). Every option is
    checked before any work is done; an unknown one is a :class:`UsageError`.
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise UsageError(
            f"unknown analysis option {unknown[0]!r}; known options: {', '.join(OPTIONS)}"
        )
    batch_size = validate_batch_size(options.get("batch_size", 1))
    optimizer = options.get("optimizer", "adam")
    optimizer_slots(optimizer)
    thresholds = options.get("thresholds")
    validate_thresholds(thresholds)

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
    )
