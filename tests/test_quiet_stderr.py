"""No TensorFlow start-up noise on stderr where layerscope imports Keras (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_keras_engine_prints_nothing_on_stderr(seed_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "LAYERSCOPE_DEBUG")
    }
    env["PYTHONPATH"] = str(ROOT)
    code = (
        "from layerscope import analyze\n"
        f"r = analyze({str(seed_path)!r}, engine='keras', training_samples=55000)\n"
        "print(r.totals.params, r.engine)\n"
    )
    api = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    assert api.stdout.split() == ["316810", "keras"]
    assert api.stderr == ""
    cli = subprocess.run(
        [sys.executable, "-m", "layerscope", "summary", str(seed_path), "--engine", "keras"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    assert "316,810" in cli.stdout
    assert cli.stderr == ""
