"""``analyze``: load (if given a path) -> capture -> analyse, in one call."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from layerscope.errors import UsageError
from layerscope.report import ModelReport


def validate_samples(training_samples: Any) -> int | None:
    """``None`` or a positive int; anything else is a UsageError quoting the value."""
    if training_samples is None:
        return None
    if isinstance(training_samples, bool) or not isinstance(training_samples, int):
        raise UsageError(
            f"training_samples must be a positive integer; got {training_samples!r}"
        )
    if training_samples <= 0:
        raise UsageError(f"training_samples must be a positive integer; got {training_samples!r}")
    return training_samples


def analyze(
    model_or_path: Any,
    training_samples: int | None = None,
    unsafe: bool = False,
    *,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    **options: Any,
) -> ModelReport:
    """Explain a Keras model's parameters.

    Args:
        model_or_path: a built ``keras.Model``, or the path of a ``.keras`` / ``.h5`` file.
        training_samples: how many samples the model trains on; fills ``data_fit``.
        unsafe: allow loading a trusted model holding Python lambdas (safe mode off).
        custom_objects: a mapping of custom classes, or a ``.py`` file defining them.
        **options: passed to the analyses (see :func:`layerscope.analysis.run_analyses`).

    Returns:
        An immutable :class:`~layerscope.report.ModelReport`.
    """
    samples = validate_samples(training_samples)
    engine = options.pop("engine", "auto")
    debug = bool(options.pop("debug", False))
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    from layerscope.analysis import run_analyses

    if isinstance(model_or_path, (str, os.PathLike)):
        report = _capture_file(model_or_path, engine, unsafe, custom_objects, debug)
    else:
        if engine == "static":
            raise UsageError("engine='static' reads a .keras file; got an in-memory model")
        from layerscope.capture import capture

        report = capture(model_or_path)
    return run_analyses(report, training_samples=samples, **options)


ENGINES = ("auto", "static", "keras")


def _capture_file(
    path: str | os.PathLike[str],
    engine: str,
    unsafe: bool,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None,
    debug: bool,
) -> ModelReport:
    """Capture a model file with the chosen engine (``auto``: static when exact, else Keras)."""
    from layerscope.loading import check_model_path

    check_model_path(path)
    if engine != "keras":
        report = _try_static(path, engine, custom_objects, debug)
        if report is not None:
            return report
    from layerscope.capture import capture
    from layerscope.loading import load_model

    model = load_model(path, unsafe=unsafe, custom_objects=custom_objects)
    return capture(model, source=os.fspath(path))


def _try_static(
    path: str | os.PathLike[str],
    engine: str,
    custom_objects: object,
    debug: bool,
) -> ModelReport | None:
    """The static engine's report, or ``None`` when ``auto`` should fall back to Keras."""
    try:
        from layerscope import static
    except ImportError:
        if engine == "static":
            raise UsageError("the static engine is not available in this build") from None
        return None
    try:
        return static.read_model_file(path)
    except static.StaticUnsupported as reason:
        if engine == "static":
            raise
        if debug:
            import sys

            print(f"layerscope: static engine declined ({reason}); using Keras", file=sys.stderr)
        return None
