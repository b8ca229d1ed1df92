"""Benchmark 5: ``layerscope diff A.keras B.keras`` against ``layerscope summary A.keras``, as
whole processes (issue 14's target: a diff of two DenseNet121 files takes at most twice the
time of one summary).

A is ``keras.applications.DenseNet121(weights=None)``; B is the same network built for 100
classes, so the diff has real work (the classifier changes, 428 rows match by path). Both
commands use the default engine (``auto``: the static engine, no TensorFlow). A second row
times the matching and rendering alone, in process, on the two analysed reports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    CACHE,
    Result,
    interleaved,
    interleaved_processes,
    layerscope_command,
    median,
    quiet_env,
    saved_application,
)

TARGET = 2.0


def saved_variant(name: str, **kwargs: object) -> Path:
    """``keras.applications.<name>(weights=None, **kwargs)`` saved once in the cache."""
    CACHE.mkdir(parents=True, exist_ok=True)
    suffix = "_".join(f"{key}{value}" for key, value in sorted(kwargs.items()))
    path = CACHE / f"{name}_{suffix}.keras"
    if not path.exists():
        code = (
            "import keras\n"
            f"model = getattr(keras.applications, {name!r})(weights=None, **{kwargs!r})\n"
            f"model.save({str(path) + '.tmp.keras'!r})\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, env=quiet_env())
        os.replace(str(path) + ".tmp.keras", path)
    return path


def run(runs: int = 5) -> list[Result]:
    a = saved_application("DenseNet121")
    b = saved_variant("DenseNet121", classes=100)
    command = layerscope_command()
    with tempfile.TemporaryDirectory(prefix="layerscope-bench-"):
        cases = {
            "summary": [*command, "summary", str(a)],
            "diff": [*command, "diff", str(a), str(b)],
            "diff-json": [*command, "diff", str(a), str(b), "--format", "json"],
        }
        timings = interleaved_processes(cases, runs)
    seconds = {case: [r.seconds for r in timings[case]] for case in cases}

    from layerscope.api import analyze
    from layerscope.diffing import diff_reports

    report_a, report_b = analyze(str(a)), analyze(str(b))

    def match_and_render() -> None:
        diff_reports(report_a, report_b).to_text()

    def summary_text() -> None:
        report_a.to_text(width=120)

    match_and_render()
    inproc = interleaved({"diff": match_and_render, "text": summary_text}, runs * 3)
    return [
        Result(
            "5. diff vs summary",
            "diff DenseNet121.keras DenseNet121(classes=100).keras vs summary DenseNet121.keras",
            median(seconds["diff"]),
            median(seconds["summary"]),
            TARGET,
            note="whole processes, static engine; text output",
            samples=seconds,
        ),
        Result(
            "5. diff vs summary",
            "the same diff with --format json",
            median(seconds["diff-json"]),
            median(seconds["summary"]),
            TARGET,
            samples=seconds,
        ),
        Result(
            "5. diff vs summary",
            "in process: diff_reports(a, b).to_text() vs report.to_text()",
            median(inproc["diff"]),
            median(inproc["text"]),
            None,
            note="informational: matching 429 + 429 rows and the table, reports already built",
            samples=inproc,
        ),
    ]


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run()))
