"""Shared fixtures. Keras models are built once per session (they take seconds each)."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from pathlib import Path
from typing import Any

import pytest
from file_cache import save_once

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


def application_names() -> list[str]:
    """Every model constructor in keras.applications (found, not listed by hand)."""
    import inspect

    from layerscope._keras import quiet_keras

    keras = quiet_keras()
    names = []
    for name in dir(keras.applications):
        value = getattr(keras.applications, name)
        if name[:1].isupper() and inspect.isfunction(value):
            names.append(name)
    return sorted(names)


class ApplicationZoo:
    """Each keras.applications model (weights=None), built at most once per session.

    Building one takes seconds and the largest hold 350M parameters, so the zoo keeps only
    what tests need from each model, then lets the model go: the Keras capture's report,
    Keras's own counts, and the model saved as a .keras file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._entries: dict[str, dict[str, object]] = {}

    def _entry(self, name: str) -> dict[str, object]:
        if name not in self._entries:
            import gc

            from layerscope import analyze
            from layerscope._keras import quiet_keras

            keras = quiet_keras()
            # Auto-numbered names (input_layer vs input_layer_3) depend on what the worker
            # built before; start from Keras's fresh counters so every file is the same.
            keras.backend.clear_session()
            model = getattr(keras.applications, name)(weights=None)
            path = self.folder / f"{name}.keras"
            model.save(path)
            self._entries[name] = {
                "report": analyze(model),
                "file": path,
                "keras_counts": keras_counts(model),
            }
            del model
            keras.backend.clear_session()
            gc.collect()
        return self._entries[name]

    def report(self, name: str):  # type: ignore[no-untyped-def]
        """The Keras capture's analysed report of the model."""
        return self._entries_get(name, "report")

    def file(self, name: str) -> Path:
        """The model saved as a .keras file."""
        return self._entries_get(name, "file")  # type: ignore[return-value]

    def keras_counts(self, name: str) -> dict[str, object]:
        """Keras's own counts (see :func:`keras_counts`)."""
        return self._entries_get(name, "keras_counts")  # type: ignore[return-value]

    def _entries_get(self, name: str, key: str) -> object:
        return self._entry(name)[key]


def keras_counts(model) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Keras's own parameter counts: per depth-0 layer and for the whole model."""
    import numpy as np

    def count(variables) -> int:  # type: ignore[no-untyped-def]
        return int(sum(int(np.prod(v.shape)) for v in variables))

    layers = {}
    for layer in model.layers:
        layers[layer.name] = {
            "params": layer.count_params() if layer.built else count(layer.weights),
            "trainable": count(layer.trainable_weights),
            "non_trainable": count(layer.non_trainable_weights),
        }
    return {
        "params": model.count_params(),
        "trainable": count(model.trainable_weights),
        "non_trainable": count(model.non_trainable_weights),
        "layers": layers,
    }


@pytest.fixture(scope="session")
def applications(tmp_path_factory: pytest.TempPathFactory) -> ApplicationZoo:
    return ApplicationZoo(tmp_path_factory.mktemp("applications"))


CACHE = Path.home() / ".cache" / "layerscope-tests"
"""Large built models kept between sessions (never in the repository)."""


@pytest.fixture(scope="session")
def bert_report(keras: Any) -> Any:
    """BERT-base's report, from a .keras file built once and cached across sessions."""
    import keras_hub  # a declared test dependency: missing fails, never skips

    from layerscope import analyze

    path = CACHE / f"bert_base-keras{keras.__version__}-hub{keras_hub.__version__}.keras"
    save_once(
        path,
        lambda: keras_hub.models.BertBackbone(
            vocabulary_size=30522,
            num_layers=12,
            num_heads=12,
            hidden_dim=768,
            intermediate_dim=3072,
            max_sequence_length=512,
        ),
    )
    return analyze(path)


GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of the keras.applications zoo is ``slow`` (``-m "not slow"`` skips them),
    and is grouped by model for ``pytest -n auto --dist loadgroup``: each model is then
    built by one worker only, instead of once per worker."""
    for item in items:
        if "applications" not in getattr(item, "fixturenames", ()):
            continue
        item.add_marker(pytest.mark.slow)
        params = getattr(getattr(item, "callspec", None), "params", {})
        name = params.get("name") if isinstance(params.get("name"), str) else None
        item.add_marker(pytest.mark.xdist_group(f"zoo-{name or 'misc'}"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="Rewrite the expected-output files in tests/golden/ from the current output.",
    )


def regen_requested(config: pytest.Config) -> bool:
    """Rewrite golden files only on ``--regen-golden`` or ``LAYERSCOPE_REGEN_GOLDEN=1``
    exactly: ``0``, ``false`` or an empty value never rewrite anything."""
    value = os.environ.get("LAYERSCOPE_REGEN_GOLDEN")
    if value is not None and value not in ("", "0", "1"):
        raise pytest.UsageError(f"LAYERSCOPE_REGEN_GOLDEN must be 1 (or unset); got {value!r}")
    return bool(config.getoption("--regen-golden")) or value == "1"


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``golden(name, actual)``: compare with tests/golden/NAME, or rewrite it when asked
    (``pytest --regen-golden`` or LAYERSCOPE_REGEN_GOLDEN=1). A rewriting run never passes:
    each test that rewrote a file is reported as skipped, naming the file. Never edit golden
    files by hand."""
    regen = regen_requested(request.config)

    def check(name: str, actual: str) -> None:
        compare_golden(GOLDEN, name, actual, regen=regen)

    return check


def compare_golden(folder: Path, name: str, actual: str, *, regen: bool) -> None:
    """Compare ``actual`` with ``folder/name``; with ``regen``, rewrite the file and skip
    (a rewriting run never passes)."""
    path = folder / name
    if regen:
        folder.mkdir(exist_ok=True)
        before = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(actual, encoding="utf-8")
        state = "unchanged" if before == actual else "rewritten"
        pytest.skip(f"golden file {name} {state} (--regen-golden); review the diff")
    assert path.exists(), f"missing golden file {path}; run pytest --regen-golden"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path}; if intended, run pytest --regen-golden"


# -- browser ------------------------------------------------------------------------------
# One chromium per worker session for every browser test module (see browser_support.py).


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from browser_support import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


@pytest.fixture
def visit(browser):  # type: ignore[no-untyped-def]
    from browser_support import visits

    yield from visits(browser)
