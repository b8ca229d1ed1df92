"""Benchmark 2: ``layerscope report X.keras -o r.html`` against Keras's own tools, as whole
processes: a script doing ``load_model`` + ``summary()`` + ``plot_model(..., "x.svg")``
(keras_tools.py).

layerscope runs with its default engine (``auto``: the static engine, which never imports
TensorFlow) and, for reference, with ``--engine keras``. plot_model needs pydot and a ``dot``
program on PATH; Debian's Graphviz (``/usr/bin/dot``) is used when present, else the
``graphviz-pure`` command is put on PATH under the name ``dot``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from _common import (
    Result,
    interleaved_processes,
    layerscope_command,
    median,
    quiet_env,
    saved_application,
)

MODELS = ("DenseNet121", "VGG16")
TARGET = 0.5
HERE = Path(__file__).resolve().parent


def _dot_env(folder: Path) -> tuple[dict[str, str], str]:
    """An environment whose PATH has a ``dot`` for pydot, and which one it is."""
    env = quiet_env()
    if shutil.which("dot"):
        return env, f"system dot ({shutil.which('dot')})"
    pure = shutil.which("graphviz-pure")
    if pure is None:
        raise RuntimeError("plot_model needs a dot program: install graphviz or graphviz-pure")
    (folder / "dot").symlink_to(pure)
    env["PATH"] = f"{folder}{os.pathsep}{env.get('PATH', '')}"
    return env, "graphviz-pure as dot"


def run(runs: int = 3, models: tuple[str, ...] = MODELS) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="layerscope-bench-") as temp:
        folder = Path(temp)
        env, dot_note = _dot_env(folder)
        for name in models:
            model = saved_application(name)
            cases = {
                "keras": [
                    sys.executable,
                    str(HERE / "keras_tools.py"),
                    str(model),
                    str(folder / f"{name}.svg"),
                ],
                "layerscope": [
                    *layerscope_command(),
                    "report",
                    str(model),
                    "-o",
                    str(folder / f"{name}.html"),
                ],
                "layerscope-keras": [
                    *layerscope_command(),
                    "report",
                    str(model),
                    "-o",
                    str(folder / f"{name}-keras.html"),
                    "--engine",
                    "keras",
                ],
            }
            timings = interleaved_processes(cases, runs, env=env)
            seconds = {case: [r.seconds for r in timings[case]] for case in cases}
            size_mb = model.stat().st_size / 1e6
            results.append(
                Result(
                    "2. report vs Keras tools",
                    f"{name} ({size_mb:.0f} MB .keras), static engine",
                    median(seconds["layerscope"]),
                    median(seconds["keras"]),
                    TARGET,
                    note=f"Keras path: load_model + summary() + plot_model(svg) with {dot_note}",
                    samples=seconds,
                )
            )
            results.append(
                Result(
                    "2. report vs Keras tools",
                    f"{name}, --engine keras",
                    median(seconds["layerscope-keras"]),
                    median(seconds["keras"]),
                    None,
                    note="informational: the Keras engine loads the model as the baseline does",
                    samples=seconds,
                )
            )
    return results


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run()))
