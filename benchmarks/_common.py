"""Shared helpers for the benchmarks: interleaved timing, whole-process runs with peak RSS,
and the results table.

Every benchmark times layerscope and Keras's own tool in the same run, alternating which goes
first in each round, and reports medians: on a shared machine a single timing says little,
but the median of interleaved rounds compares like with like.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("LAYERSCOPE_BENCH_CACHE", Path.home() / ".cache" / "layerscope-bench"))
"""Where generated model files live between runs (they take minutes to build and save)."""

QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


@dataclass
class Result:
    """One line of the results table."""

    benchmark: str
    subject: str
    layerscope: float
    """Median seconds (or MiB for a memory row) for layerscope."""
    baseline: float
    """The same for the Keras tool (or the reference) it is compared with."""
    target: float | None
    """The ratio layerscope/baseline must stay at or under; ``None`` for an informational row."""
    unit: str = "s"
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.layerscope / self.baseline if self.baseline else float("inf")

    @property
    def ok(self) -> bool:
        return self.target is None or self.ratio <= self.target


def quiet_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env["LAYERSCOPE_PROGRESS"] = "0"
    if extra:
        env.update(extra)
    return env


def interleaved(cases: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Time each case ``runs`` times, alternating the order every round."""
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(runs):
        order = names if round_index % 2 == 0 else list(reversed(names))
        for name in order:
            start = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - start)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass
class ProcessRun:
    seconds: float
    peak_rss_bytes: int
    returncode: int
    stderr: str


def run_process(
    argv: Sequence[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    measure_memory: bool = False,
) -> ProcessRun:
    """Run a whole process; return its wall time and (with ``measure_memory``) its peak RSS.

    For memory, the command is started through ``_measure.py`` (a small, fresh Python)
    because Linux carries a process's peak RSS across fork and exec: started from this
    process, which may hold TensorFlow and large models, any command would appear as big as
    this one. Timings start the command directly, so the launcher's start-up is not counted.
    """
    launcher = [sys.executable, str(Path(__file__).with_name("_measure.py"))]
    start = time.perf_counter()
    completed = subprocess.run(
        [*(launcher if measure_memory else []), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env if env is not None else quiet_env(),
        cwd=cwd,
        check=False,
    )
    seconds = time.perf_counter() - start
    stderr = completed.stderr.decode("utf-8", "replace")
    peak = 0
    lines = stderr.rstrip().splitlines()
    if lines and lines[-1].startswith("peak_rss_bytes="):
        peak = int(lines.pop().split("=", 1)[1])
    elif measure_memory:
        # A missing measurement is a failure, never 0 MiB (which would pass any budget).
        raise RuntimeError(f"no peak_rss_bytes= line from {' '.join(argv)}:\n{stderr[-2000:]}")
    if measure_memory and peak <= 0:
        raise RuntimeError(f"peak RSS of {' '.join(argv)} measured as {peak} bytes")
    return ProcessRun(seconds, peak, completed.returncode, "\n".join(lines))


def interleaved_processes(
    cases: dict[str, Sequence[str]],
    runs: int,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> dict[str, list[ProcessRun]]:
    names = list(cases)
    results: dict[str, list[ProcessRun]] = {name: [] for name in names}
    for round_index in range(runs):
        order = names if round_index % 2 == 0 else list(reversed(names))
        for name in order:
            run = run_process(cases[name], env=env, cwd=cwd)
            if run.returncode != 0:
                raise RuntimeError(
                    f"{name} failed with exit status {run.returncode}:\n{run.stderr[-2000:]}"
                )
            results[name].append(run)
    return results


def layerscope_command() -> list[str]:
    """The installed console script when it is beside this Python, else ``-m layerscope``."""
    script = Path(sys.executable).parent / "layerscope"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "layerscope"]


def saved_application(name: str) -> Path:
    """``keras.applications.<name>(weights=None)`` saved as a .keras file, built once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.keras"
    if not path.exists():
        code = (
            "import sys, keras\n"
            f"model = getattr(keras.applications, {name!r})(weights=None)\n"
            f"model.save({str(path) + '.tmp.keras'!r})\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, env=quiet_env())
        os.replace(str(path) + ".tmp.keras", path)
    return path


def overhead(result: Result) -> str:
    """The absolute difference next to the ratio: ``+31 ms``, ``-0.52 s``, ``-249 MiB``."""
    delta = result.layerscope - result.baseline
    if result.unit == "s" and abs(delta) < 1:
        return f"{delta * 1000:+.0f} ms"
    return f"{delta:+.2f} s" if result.unit == "s" else f"{delta:+.0f} {result.unit}"


def commit() -> str:
    """The commit measured (``-dirty`` when tracked files differ from it)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("-dirty" if dirty.strip() else "")


def format_table(results: Sequence[Result]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| benchmark | subject | layerscope | Keras / reference | difference | ratio | target "
        "| ok |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | :-: |",
    ]
    for result in results:
        lines.append(
            f"| {result.benchmark} | {result.subject} | {result.layerscope:.3f} {result.unit} "
            f"| {result.baseline:.3f} {result.unit} | {overhead(result)} | {result.ratio:.2f}x "
            + (
                "| (info) | |"
                if result.target is None
                else f"| ≤ {result.target:g}x | {'yes' if result.ok else 'NO'} |"
            )
        )
    notes = [f"- {r.benchmark} / {r.subject}: {r.note}" for r in results if r.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
