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
from tests.unit.conftest import SEED_FILE
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


# -- who may freeze: only the console script's process, and only after its last model --------

SEED = str(SEED_FILE)


def _freeze_flags(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> tuple[list[bool], str]:
    """Whether a report's pause would freeze (``_gc._freeze_after_pause``) at each analysis
    the console script starts (``main()`` reading ``sys.argv``), and what it printed."""
    from cli_runner import invoke

    import layerscope._gc
    import layerscope.api
    from layerscope import cli

    flags: list[bool] = []
    real = layerscope.api.analyze

    def recording(*args: Any, **kwargs: Any) -> Any:
        flags.append(layerscope._gc._freeze_after_pause)
        return real(*args, **kwargs)

    monkeypatch.setattr(layerscope.api, "analyze", recording)
    monkeypatch.setattr(layerscope._gc, "_freeze_after_pause", False)
    monkeypatch.setattr(cli, "console_process", False)  # main() sets it; restored after
    monkeypatch.setattr(gc, "freeze", lambda: None)  # the test process is not one-shot
    result = invoke(argv, console_script=True)
    assert result.exit_code == 0, result.output
    return flags, result.stdout


def test_the_console_script_freezes_after_its_one_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flags, printed = _freeze_flags(monkeypatch, ["summary", SEED])
    assert flags == [True]
    assert "Hidden1" in printed


def test_diff_never_freezes_its_first_model_while_it_loads_the_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _freeze_flags(monkeypatch, ["diff", SEED, SEED])[0] == [False, True]


def test_check_with_a_baseline_freezes_only_after_the_baseline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = ["check", SEED, "--baseline", SEED, "--max-growth", "params=10%"]
    assert _freeze_flags(monkeypatch, argv)[0] == [False, True]
    assert _freeze_flags(monkeypatch, ["check", SEED, "--max-params", "1M"])[0] == [True]


def test_the_cli_called_in_process_never_freezes(capsys: pytest.CaptureFixture[str]) -> None:
    """``main(argv)`` in a long-lived process (a notebook, a test worker) must leave the
    collector's reach alone: a frozen Keras model is never freed, and a test worker that ran
    one in-process command kept every model it analysed afterwards (past 12 GB)."""
    from cli_runner import invoke

    before = gc.get_freeze_count()
    for argv in (["summary", SEED], ["diff", SEED, SEED]):
        result = invoke(argv)
        assert result.exit_code == 0, result.output
    import layerscope

    layerscope.analyze(SEED, engine="static")
    assert gc.get_freeze_count() == before
