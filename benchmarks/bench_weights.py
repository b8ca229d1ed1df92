"""Benchmark 5: ``layerscope summary VGG16.keras --weights`` against reading the weights once.

The reference (``h5_read_once.py``) opens the archive's ``model.weights.h5`` in place and
reads every dataset whole with h5py: the least any tool must do to see every value. The
``--weights`` run streams the same datasets block by block and computes per-variable
statistics, per-unit checks, spectral norms of the kernels up to 2M elements and the health
findings. Targets: at most 3x the reference's time, and under 400 MB peak RSS (the
reference holds one whole tensor at a time, 411 MB for VGG16's fc1 kernel).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import (
    Result,
    interleaved_processes,
    layerscope_command,
    median,
    run_process,
    saved_application,
)

HERE = Path(__file__).resolve().parent
TIME_TARGET = 3.0
RSS_LIMIT_MB = 400.0


def run(runs: int = 3, model_name: str = "VGG16") -> list[Result]:
    model = saved_application(model_name)
    size_mb = model.stat().st_size / 1e6
    with tempfile.TemporaryDirectory(prefix="layerscope-bench-") as temp:
        out = str(Path(temp) / "weights.json")
        cases = {
            "h5py": [sys.executable, str(HERE / "h5_read_once.py"), str(model)],
            "layerscope": [
                *layerscope_command(),
                "summary",
                str(model),
                "--weights",
                "--format",
                "json",
                "-o",
                out,
            ],
        }
        timings = interleaved_processes(cases, runs)
        memory = {
            name: run_process(argv, measure_memory=True).peak_rss_bytes / 2**20
            for name, argv in cases.items()
        }
    seconds = {name: [r.seconds for r in runs_] for name, runs_ in timings.items()}
    return [
        Result(
            "5. --weights vs one h5py read",
            f"{model_name} ({size_mb:.0f} MB .keras), time",
            median(seconds["layerscope"]),
            median(seconds["h5py"]),
            TIME_TARGET,
            note="whole processes; the reference reads every dataset once with h5py",
            samples=seconds,
        ),
        Result(
            "5. --weights vs one h5py read",
            f"{model_name}, peak RSS (limit {RSS_LIMIT_MB:.0f} MB)",
            memory["layerscope"],
            RSS_LIMIT_MB * 1e6 / 2**20,
            1.0,
            unit="MiB",
            note=f"the reference's own peak: {memory['h5py']:.0f} MiB",
        ),
    ]


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run(runs=int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
