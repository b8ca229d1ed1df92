"""Shared fixtures. Keras models are built once per session (they take seconds each)."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_MODEL = EXAMPLES / "mnist_mlp.keras"


@pytest.fixture(scope="session")
def keras():  # type: ignore[no-untyped-def]
    from layerscope._keras import quiet_keras

    return quiet_keras()


@pytest.fixture(scope="session")
def seed_model(keras):  # type: ignore[no-untyped-def]
    """The seed post's MNIST MLP, built in memory exactly as examples/mnist_mlp.py does."""
    import sys

    sys.path.insert(0, str(EXAMPLES))
    try:
        import mnist_mlp
    finally:
        sys.path.pop(0)
    return mnist_mlp.build_model()


@pytest.fixture(scope="session")
def seed_report(seed_model):  # type: ignore[no-untyped-def]
    from layerscope import analyze

    return analyze(seed_model, training_samples=55000)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_MODEL
