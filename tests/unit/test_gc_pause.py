"""The cyclic collector is held while a report is built (layerscope._gc), and its state is
restored after: full collections rescanning a big process made a 5,000-layer model's time
grow faster than its layer count (benchmarks/bench_scaling.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from layerscope._gc import gc_paused
from layerscope.analysis import run_analyses
from layerscope.options import AnalysisOptions
from tests.unit.handmade import chain, dense


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """Generations of the collections that start while the test runs, with the thresholds
    at 1 so that any allocation with the collector enabled would collect."""
    seen: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    thresholds = gc.get_threshold()
    was_enabled = gc.isenabled()
    gc.enable()
    gc.set_threshold(1, 1, 1)
    gc.callbacks.append(record)
    try:
        yield seen
    finally:
        gc.callbacks.remove(record)
        gc.set_threshold(*thresholds)
        if not was_enabled:
            gc.disable()


def _model(rows: int) -> Any:
    layers = [dense("d0", 8, 8)]
    layers += [dense(f"d{index}", 8, 8, previous=f"d{index - 1}") for index in range(1, rows)]
    return chain(layers)


def test_run_analyses_collects_nothing_and_restores_the_collector(
    collections: list[int],
) -> None:
    model = _model(400)
    options = AnalysisOptions()
    collections.clear()
    report = run_analyses(model, options=options)
    # Only the calls around the pause may collect: a handful, where the analyses' own
    # allocations would start thousands of collections at these thresholds.
    assert len(collections) <= 8, collections
    assert gc.isenabled()
    assert report.totals is not None and report.totals.params == 400 * (8 * 8 + 8)


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_restored_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), gc_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()
