"""The fast tier: no Keras, no TensorFlow, reports built by hand or read by the static engine.

Run it alone with ``python -m pytest tests/unit`` (seconds). Every test here is checked not to
import keras or tensorflow: one that does fails, naming the module, so the tier stays fast and
can never quietly depend on a Keras build.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerscope.report import ModelReport

ROOT = Path(__file__).resolve().parents[2]
SEED_FILE = ROOT / "examples" / "mnist_mlp.keras"
HEAVY = ("keras", "tensorflow")


@pytest.fixture(autouse=True)
def _no_keras_in_the_fast_tier() -> Iterator[None]:
    before = {name for name in HEAVY if name in sys.modules}
    yield
    imported = [name for name in HEAVY if name in sys.modules and name not in before]
    if imported:
        pytest.fail(f"a tests/unit test imported {', '.join(imported)}; move it to tests/")


@pytest.fixture(scope="session")
def seed_static() -> ModelReport:
    """The seed MLP on 55,000 samples, read by the static engine (no TensorFlow)."""
    from layerscope import analyze

    report = analyze(SEED_FILE, training_samples=55000, engine="static")
    assert report.engine == "static"
    return report
