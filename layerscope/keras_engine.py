"""The Keras engine's load: a model file -> ``keras.Model``, every failure one line.

The file is opened and validated first (:func:`layerscope.modelfile.open_model`, or the
:class:`~layerscope.modelfile.ModelFile` already opened is taken as it is); Keras is
imported only then. Keras's own errors (wrapped two or three deep in generic TypeErrors)
become a :class:`~layerscope.errors.ModelLoadError` subclass naming the file, the layer and
the cause; :mod:`layerscope.capture` then reads the loaded model.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from typing import Any

from layerscope.errors import ModelLoadError, UnknownLayerError, UnsafeModelError
from layerscope.modelfile import ModelFile, open_model

_UNKNOWN_CLASS = re.compile(
    r"Could not (?:locate|deserialize) (?:class|function|object)? ?'([^']+)'"
)
_MISSING_MODULE = re.compile(
    r"Could not deserialize class '([^']+)' because its parent module ([\w.]+) cannot be "
    r"imported"
)
_PIP_NAMES = {
    "keras_hub": "keras-hub",
    "keras_nlp": "keras-nlp",
    "keras_cv": "keras-cv",
    "keras_rs": "keras-rs",
    "tensorflow_text": "tensorflow-text",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_addons": "tensorflow-addons",
    "tensorflow_probability": "tensorflow-probability",
    "tensorflow_recommenders": "tensorflow-recommenders",
    "tensorflow_decision_forests": "tensorflow-decision-forests",
}
"""Packages whose Keras classes appear in saved models, by import name -> pip name. A
module outside this list may be the user's own file, so it gets no ``pip install``."""
_DESERIALIZING = re.compile(
    r"Error when deserializing class '([^']+)' using config=\{'name': '([^']*)'"
)
_OOM_SHAPE = re.compile(r"OOM when allocating tensor with shape\s*\[([0-9, ]+)\]")
MAX_DETAIL = 300


def load_model(
    path: str | os.PathLike[str] | ModelFile,
    unsafe: bool = False,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> Any:
    """Load a ``.keras`` or ``.h5`` model (without compiling it) with safe mode on unless
    ``unsafe`` is true. Raises a ModelLoadError subclass on every failure."""
    model_file = open_model(path)
    shown = model_file.shown
    from layerscope._keras import mask_warnings_ignored, quiet_keras
    from layerscope.custom_objects import load_custom_objects

    # Keras (and TensorFlow's logging settings) first: a custom-objects file importing
    # keras or tensorflow itself would otherwise print TensorFlow's start-up chatter.
    keras = quiet_keras()
    objects = load_custom_objects(custom_objects)
    # Keras's warnings while loading are shown only if the load succeeds: a file it cannot
    # load is refused in one line, not after Keras's guesses about the damage ("Skipping
    # nested container ... will retain their freshly-initialized weights").
    with warnings.catch_warnings(record=True) as caught:
        try:
            with mask_warnings_ignored():
                model = keras.saving.load_model(
                    model_file.path,
                    custom_objects=objects or None,
                    compile=False,
                    safe_mode=not unsafe,
                )
        except Exception as error:  # Keras raises bare TypeError/ValueError/OSError/KeyError...
            raise _explain_load_error(shown, error) from error
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return model


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions behind it (``__cause__``/``__context__``), outermost
    first. Keras wraps a layer's own complaint in two or three generic TypeErrors."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _failing_layer(error: BaseException) -> str:
    """``"layer 'Hidden1' (Dense): "`` for the innermost Keras layer (not a whole model)
    whose method was running when ``error`` was raised, or ``""``. Keras's own messages
    often do not say which layer of a thousand failed to build."""
    found = ""
    trace = error.__traceback__
    while trace is not None:
        owner = trace.tb_frame.f_locals.get("self")
        if owner is not None:
            classes = {cls.__name__ for cls in type(owner).__mro__}
            name = getattr(owner, "name", None)
            if "Layer" in classes and "Model" not in classes and isinstance(name, str):
                found = f"layer {name!r} ({type(owner).__name__}): "
        trace = trace.tb_next
    return found


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    if isinstance(error, KeyError) and text:
        text = f"missing key {text}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    if line.startswith("A total of") and "Example error message" in line and len(lines) > 1:
        # Keras's weight-loading summary puts the useful part on the next line.
        line = f"{line} {lines[1]}"
    if len(line) > MAX_DETAIL:
        line = line[: MAX_DETAIL - 3] + "..."
    return line


def _explain_load_error(shown: str, error: BaseException) -> ModelLoadError:
    """One line saying why Keras refused the model, built from the most specific exception
    in Keras's chain of wrapped errors (with the layer it concerned, when Keras says)."""
    chain = _chain(error)
    texts = [str(item) for item in chain]
    for text in texts:
        if "lambda" in text.lower() and "safe_mode" in text:
            return UnsafeModelError(
                f"{shown} contains a Python lambda, which could run arbitrary code when "
                "loaded, so safe mode refused it; if you trust this file, pass --unsafe "
                "(unsafe=True in Python)"
            )
    for text in texts:
        missing = _MISSING_MODULE.search(text)
        if missing:
            return _missing_module_error(shown, missing.group(1), missing.group(2))
    for text in texts:
        match = _UNKNOWN_CLASS.search(text)
        if match:
            class_name = match.group(1)
            return UnknownLayerError(
                f"{shown} uses the unknown class {class_name!r}; supply its definition with "
                "--custom-objects my_layers.py (custom_objects={...} in Python)",
                class_name=class_name,
            )
    for item, text in zip(chain, texts, strict=True):
        oom = _OOM_SHAPE.search(text)
        if oom or isinstance(item, MemoryError):
            shape = f" (a tensor of shape [{oom.group(1)}])" if oom else ""
            return ModelLoadError(
                f"{shown}: building the model needs more memory than is available{shape}; "
                "its config may be damaged or hostile"
            )
    where = ""
    for text in texts:
        match = _DESERIALIZING.search(text)
        if match:
            where = f"layer {match.group(2)!r} ({match.group(1)}): "
    if not where:
        where = _failing_layer(chain[-1])
    root = chain[-1]
    detail = _first_line(root)
    if len(chain) > 1 and detail.endswith("could not be deserialized properly."):
        detail = _first_line(chain[-2])
    return ModelLoadError(f"{shown}: Keras could not load the model: {where}{detail}")


def _missing_module_error(shown: str, class_name: str, module: str) -> UnknownLayerError:
    """The advice for a class whose module Keras could not import (Keras's own reason says
    which): install the package it comes from, rather than a --custom-objects file."""
    import importlib.util

    package = module.split(".")[0]
    pip_name = _PIP_NAMES.get(package)
    try:
        installed = importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        installed = False
    if installed:
        upgrade = f"pip install -U {pip_name}" if pip_name else f"upgrade {package!r}"
        advice = (
            f"{package!r} is installed but its module {module} cannot be imported "
            f"(the file may need another version: {upgrade})"
        )
    elif pip_name:
        advice = f"it needs the package {pip_name}, which is not installed: pip install {pip_name}"
    else:
        advice = (
            f"its module {module} cannot be imported: install the package that provides "
            f"{package!r}, or supply the class with --custom-objects my_layers.py"
        )
    return UnknownLayerError(
        f"{shown} uses the class {class_name!r} from {module}; {advice}",
        class_name=class_name,
    )
