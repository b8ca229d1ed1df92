"""``analyze``: load (if given a path) -> capture -> analyse, in one call."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layerscope._gc import gc_paused
from layerscope.errors import AnalysisError, LayerscopeError, UsageError
from layerscope.options import AnalysisOptions, Engine
from layerscope.report import CapturedModel, ModelReport

if TYPE_CHECKING:
    from layerscope.modelfile import ModelFile

MAX_COUNT = 10**15
"""The largest training-sample count or batch size accepted (a quadrillion): every count
up to it is exact in the float arithmetic of the analyses; anything larger is a usage error
rather than an overflow deep inside them."""


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:30]}...{text[-20:]} ({len(text)} characters)"


def validate_count(name: str, value: Any) -> int:
    """A positive int up to :data:`MAX_COUNT`; anything else (a bool, a float, a string,
    NaN, a 400-digit number) is a UsageError quoting the value."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UsageError(f"{name} must be a positive integer; got {_quoted(value)}")
    if value > MAX_COUNT:
        raise UsageError(f"{name} must be at most {MAX_COUNT:,} (10**15); got {_quoted(value)}")
    return value


def validate_samples(training_samples: Any) -> int | None:
    """``None`` or a positive int; anything else is a UsageError quoting the value."""
    if training_samples is None:
        return None
    return validate_count("training_samples", training_samples)


def validate_unsafe(unsafe: Any) -> bool:
    """``unsafe`` must be exactly ``True`` or ``False``: a truthy string such as ``"false"``
    must never turn Keras's safe mode off."""
    if not isinstance(unsafe, bool):
        raise UsageError(f"unsafe must be True or False; got {_quoted(unsafe)}")
    return unsafe


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
        **options: ``engine`` (``auto``, ``static``, ``keras``: see
            :class:`layerscope.options.Engine`), ``debug``, ``depth=N`` (how many levels
            inside nested models and blocks the text, Markdown, HTML tables and diagram show
            by default: the report's ``display_depth``; JSON always has every row), and the
            analysis options (:class:`layerscope.options.AnalysisOptions`: ``batch_size``,
            ``optimizer``, ``thresholds``), all checked before the model is read.
            ``seq_len`` (fills every unknown non-batch input dimension) and
            ``input_shapes`` (``{"token_ids": (512,)}``: an input's non-batch
            dimensions) set the input shape the MACs and activations are measured at
            (the model is called symbolically, so a file is read by the Keras engine).

    Returns:
        An immutable :class:`~layerscope.report.ModelReport`.
    """
    samples = validate_samples(training_samples)
    weights = options.pop("weights", False)
    if not isinstance(weights, bool):
        raise UsageError(f"weights must be True or False; got {weights!r}")
    unsafe = validate_unsafe(unsafe)
    if options.get("batch_size") is not None:
        options["batch_size"] = validate_count("batch_size", options["batch_size"])
    engine = Engine.parse(options.pop("engine", Engine.AUTO), "engine")
    debug = bool(options.pop("debug", False))
    from layerscope.render.format import check_depth

    depth = check_depth(options.pop("depth", None))
    # The static engine fills these for the keras_hub models it knows; for anything else
    # they mean calling the model, which only Keras does.
    shape_options = validate_shapes(options.pop("seq_len", None), options.pop("input_shapes", None))
    analysis = AnalysisOptions.of(**options)
    from layerscope.analysis import run_analyses

    if isinstance(model_or_path, (str, os.PathLike)):
        report: CapturedModel = _capture_file(
            model_or_path, engine, unsafe, custom_objects, debug, shape_options, weights
        )
    else:
        if engine is Engine.STATIC:
            raise UsageError("engine='static' reads a .keras file; got an in-memory model")
        from layerscope.capture import capture

        with gc_paused():
            report = capture(model_or_path, **shape_options)
        if weights:
            from layerscope.weights import read_weight_stats

            report = read_weight_stats(report, model=model_or_path)
    if depth is not None:
        report = dataclasses.replace(report, display_depth=depth)
    with gc_paused():
        analysed = run_analyses(report, training_samples=samples, options=analysis)
    if weights:
        from layerscope.weights import check_health

        analysed = dataclasses.replace(analysed, weight_health=check_health(analysed))
    return analysed


def validate_shapes(seq_len: Any, input_shapes: Any) -> dict[str, Any]:
    """``seq_len`` and ``input_shapes`` checked, as capture's keyword arguments (only the
    ones given). A UsageError quotes anything that is not a positive int / a mapping of
    input names to sequences of positive ints."""
    result: dict[str, Any] = {}
    if seq_len is not None:
        if isinstance(seq_len, bool) or not isinstance(seq_len, int) or seq_len <= 0:
            raise UsageError(f"seq_len must be a positive integer; got {seq_len!r}")
        result["seq_len"] = seq_len
    if input_shapes:
        if not isinstance(input_shapes, Mapping):
            raise UsageError(
                f"input_shapes must map input names to dimensions; got {input_shapes!r}"
            )
        checked: dict[str, tuple[int, ...]] = {}
        for name, dims in input_shapes.items():
            values = (dims,) if isinstance(dims, int) else dims
            if (
                not isinstance(name, str)
                or not isinstance(values, (list, tuple))
                or not values
                or any(isinstance(d, bool) or not isinstance(d, int) or d <= 0 for d in values)
            ):
                raise UsageError(
                    f"input_shapes[{name!r}] must be a sequence of positive integers (the "
                    f"non-batch dimensions); got {dims!r}"
                )
            checked[name] = tuple(values)
        result["input_shapes"] = checked
    return result


ENGINES = Engine.values()


def _capture_file(
    path: str | os.PathLike[str],
    engine: Engine,
    unsafe: bool,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None,
    debug: bool,
    shape_options: Mapping[str, Any] | None = None,
    weights: bool = False,
) -> CapturedModel:
    """Capture a model file with the chosen engine (``auto``: static when exact, else Keras;
    an input shape is applied statically to the keras_hub models the static engine knows and
    measured by calling the model otherwise), with its weights' statistics when
    ``weights`` (streamed from the file by the static engine, read from the loaded model by
    Keras).

    The file is opened and validated once (:func:`~layerscope.modelfile.open_model`) and the
    :class:`~layerscope.modelfile.ModelFile` handed to the engine chosen, which takes it as
    validated."""
    from layerscope.custom_objects import check_custom_objects
    from layerscope.modelfile import open_model

    # An input size is applied by the static engine to the keras_hub models it has a recipe
    # for (their reports equal Keras's at any size); for anything else it declines and auto
    # measures by calling the model with Keras, saying so in one stderr line.
    static = engine in (Engine.STATIC, Engine.AUTO)
    with gc_paused():  # the checks parse and walk config.json; see layerscope._gc
        model_file = open_model(path)
        if custom_objects is not None and not isinstance(custom_objects, Mapping):
            check_custom_objects(custom_objects)
        if not unsafe:
            model_file.refuse_lambdas()
        found = _try_static(model_file, engine, debug, shape_options or {}) if static else None
    if static:
        report = found
        if report is not None:
            if weights:
                from layerscope.weights import read_weight_stats

                report = read_weight_stats(report, path=model_file.path)
            return report
        _require_model_code(model_file, custom_objects)
    from layerscope import progress
    from layerscope.capture import capture
    from layerscope.keras_engine import load_model

    with progress.step("Loading the model with Keras"):
        try:
            model = load_model(model_file, unsafe=unsafe, custom_objects=custom_objects)
        finally:
            why = _FALLBACKS.pop(model_file.source, None)
        if why is not None:
            import sys

            print(f"layerscope: loaded the model with Keras: {why}", file=sys.stderr)
        report = capture(model, source=model_file.source, **(shape_options or {}))
    if weights:
        from layerscope.weights import read_weight_stats

        report = read_weight_stats(report, model=model)
    return report


def _try_static(
    model_file: ModelFile, engine: Engine, debug: bool, input_sizes: Mapping[str, Any]
) -> CapturedModel | None:
    """The static engine's report, or ``None`` when ``auto`` should fall back to Keras.

    ``auto`` takes the report only when it is complete; otherwise it says in one stderr line
    why it loads the model with Keras. ``static`` takes whatever the engine could read and
    says on stderr what it could not derive. The engine is given the opened ``model_file``
    (path-like; its own path check takes it as validated).
    """
    import sys

    from layerscope import progress, static

    shown = model_file.shown
    try:
        with progress.step("Reading the .keras archive"):
            if engine is Engine.STATIC:
                result = static.read_model(model_file, **input_sizes)
                for gap in result.gaps:
                    print(f"layerscope: static engine: {gap}", file=sys.stderr)
                return result.report
            return static.read_model_file(model_file, **input_sizes)
    except static.StaticUnsupported as reason:
        if engine is Engine.STATIC:
            if str(reason).startswith(shown):
                raise
            raise static.StaticUnsupported(f"{shown}: {reason}") from reason
        _NEEDS[model_file.source] = reason.module
        _FALLBACKS[model_file.source] = (
            f"the static engine cannot report it exactly ({_short(str(reason))})"
        )
        return None
    except LayerscopeError:
        raise
    except Exception as error:  # a static-reader bug must not cost the user the report
        # The archive already passed the model file's guards, so this is the static reader
        # failing on something it did not expect: Keras can still read the model in auto mode.
        if engine is Engine.STATIC:
            raise AnalysisError(
                f"{shown}: the static engine failed "
                f"({type(error).__name__}: {error}); try --engine keras"
            ) from error
        _FALLBACKS[model_file.source] = (
            f"the static engine failed ({type(error).__name__}: {_short(str(error))})"
        )
        return None


_NEEDS: dict[str, str] = {}
"""The module of each declined file's model class, for the fallback's message."""

_FALLBACKS: dict[str, str] = {}
"""Why ``auto`` loaded each file with Keras: said in one stderr line once Keras has loaded
it (when Keras then fails, its one-line error is the only line, as for any bad file)."""


def _short(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _require_model_code(
    model_file: ModelFile,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None,
) -> None:
    """Keras rebuilds a keras_hub model from its classes' code: say so plainly when that
    package is not installed, rather than let Keras fail on an unknown class."""
    import importlib.util

    from layerscope.errors import ModelLoadError

    module = _NEEDS.pop(model_file.source, "")
    package = module.split(".", 1)[0]
    if package != "keras_hub" or custom_objects is not None:
        return
    try:
        missing = importlib.util.find_spec("keras_hub") is None
    except (ImportError, ValueError):
        missing = True
    if missing:
        raise ModelLoadError(
            f"{model_file.shown}: the static engine cannot report this model exactly and "
            "loading it with Keras needs keras_hub, which is not installed: "
            "pip install keras-hub (or read it as far as possible with --engine static)"
        )
