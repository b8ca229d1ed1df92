"""Benchmark 4: scaling and memory.

* Analysis time of a 5,000-layer model against a 500-layer one (the same residual Dense
  block repeated), in memory (``analyze(model)``: capture + analyses) and from the saved
  file with the static engine. Linear growth means about 10x; the target is 12x.
* Peak RSS of the whole ``layerscope report VGG16.keras`` process with the static engine
  (the file holds about 550 MB of weights, which the static engine never reads), against
  Keras's own tools on the same file (the ratio) and a 300 MiB budget (checked separately).

Building and saving a 5,000-layer Keras model recurses deeper than Python's default limit of
1,000 frames, so the limit is raised here (Keras itself does not raise it).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from pathlib import Path

from _common import (
    CACHE,
    QUIET_ENV,
    Result,
    interleaved,
    layerscope_command,
    median,
    run_process,
    saved_application,
)

SMALL, LARGE = 500, 5000
RECURSION_LIMIT = 20_000
TIME_TARGET = 12.0
RSS_BUDGET_MB = 300.0
HERE = Path(__file__).resolve().parent


def build_chain(keras: object, layer_count: int) -> object:
    """A Functional model of ``layer_count`` layers: Input, then Dense + Add residual blocks."""
    layers = keras.layers  # type: ignore[attr-defined]
    inputs = keras.Input((32,), name="x")  # type: ignore[attr-defined]
    x = inputs
    for index in range((layer_count - 1) // 2):
        h = layers.Dense(32, name=f"dense_{index}")(x)
        x = layers.Add(name=f"add_{index}")([x, h])
    return keras.Model(inputs, x, name=f"chain_{layer_count}")  # type: ignore[attr-defined]


def run(runs: int = 9) -> list[Result]:
    os.environ.update(QUIET_ENV)
    from layerscope._keras import quiet_keras
    from layerscope.analysis import run_analyses
    from layerscope.api import analyze
    from layerscope.static import read_model_file

    keras = quiet_keras()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    CACHE.mkdir(parents=True, exist_ok=True)
    models: dict[int, object] = {}
    files: dict[int, Path] = {}
    for count in (SMALL, LARGE):
        models[count] = build_chain(keras, count)
        files[count] = CACHE / f"chain_{count}.keras"
        if not files[count].exists():
            models[count].save(files[count])
    analyze(models[SMALL])  # warm-up
    times = interleaved(
        {
            "memory_small": lambda: analyze(models[SMALL]),
            "memory_large": lambda: analyze(models[LARGE]),
            "static_small": lambda: run_analyses(read_model_file(files[SMALL])),
            "static_large": lambda: run_analyses(read_model_file(files[LARGE])),
        },
        runs,
    )
    real_counts = {count: len(models[count].layers) for count in models}
    models.clear()
    keras.backend.clear_session()
    gc.collect()
    results = [
        Result(
            "4. scaling",
            f"analyze(model): {real_counts[LARGE]} vs {real_counts[SMALL]} layers",
            median(times["memory_large"]),
            median(times["memory_small"]),
            TIME_TARGET,
            samples=times,
        ),
        Result(
            "4. scaling",
            f"static engine: {real_counts[LARGE]} vs {real_counts[SMALL]} layers",
            median(times["static_large"]),
            median(times["static_small"]),
            TIME_TARGET,
            samples=times,
        ),
    ]
    vgg = saved_application("VGG16")
    with tempfile.TemporaryDirectory(prefix="layerscope-bench-") as temp:
        report = run_process(
            [
                *layerscope_command(),
                "report",
                str(vgg),
                "-o",
                str(Path(temp) / "vgg16.html"),
                "--engine",
                "static",
            ],
            measure_memory=True,
        )
        if report.returncode != 0:
            raise RuntimeError(f"layerscope report failed:\n{report.stderr[-2000:]}")
        baseline = run_process(
            [sys.executable, str(HERE / "keras_tools.py"), str(vgg), str(Path(temp) / "vgg16.svg")],
            measure_memory=True,
        )
    mib = 1024 * 1024
    size_mb = vgg.stat().st_size / 1e6
    if baseline.returncode != 0:
        raise RuntimeError(f"Keras's tools failed on {vgg}:\n{baseline.stderr[-2000:]}")
    peak_mib = report.peak_rss_bytes / mib
    results.append(
        Result(
            "4. memory",
            f"peak RSS, `layerscope report` VGG16 ({size_mb:.0f} MB), static, vs Keras's "
            "load_model + summary + plot_model",
            peak_mib,
            baseline.peak_rss_bytes / mib,
            RSS_BUDGET_MB / (baseline.peak_rss_bytes / mib),
            unit="MiB",
            note=(
                f"budget {RSS_BUDGET_MB:.0f} MiB: layerscope peaked at {peak_mib:.0f} MiB "
                f"({'within' if peak_mib < RSS_BUDGET_MB else 'OVER'} budget)"
            ),
        )
    )
    return results


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run()))
