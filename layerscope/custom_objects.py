"""Custom objects for the Keras load: a mapping, or a Python file the user names.

The file is checked up front (:func:`check_custom_objects`: it exists and is a ``.py``) so a
wrong path is reported even when the static engine never needs it; it is run only by
:func:`load_custom_objects`, when Keras loads the model (running it is the user's choice).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from layerscope.errors import ModelLoadError, UsageError
from layerscope.modelfile import describe


def check_custom_objects(spec: str | os.PathLike[str]) -> Path:
    """The custom-objects file as a Path, checked up front (without running it) so that a
    wrong path is reported even when the static engine never needs the file."""
    if not isinstance(spec, (str, os.PathLike)):
        raise UsageError(
            "custom_objects must be a mapping or the path of a Python file; "
            f"got {type(spec).__name__}"
        )
    file = Path(os.fspath(spec))
    try:
        is_file = file.is_file()
    except (OSError, ValueError):
        is_file = False
    if not is_file or file.suffix != ".py":
        raise UsageError(
            f"--custom-objects must be an existing Python (.py) file; got {describe(spec)}"
        )
    return file


def load_custom_objects(spec: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """Custom objects from a mapping, or from a Python file whose public classes and
    functions are taken (running the file is the user's explicit choice)."""
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    file = check_custom_objects(spec)
    module_name = "layerscope_custom_objects_" + re.sub(r"\W", "_", file.stem)
    loader_spec = importlib.util.spec_from_file_location(module_name, file)
    if loader_spec is None or loader_spec.loader is None:  # pragma: no cover - .py files load
        raise UsageError(f"cannot import custom objects from {describe(spec)}")
    module: ModuleType = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as error:
        raise ModelLoadError(
            f"custom objects file {describe(spec)} failed to import: "
            f"{type(error).__name__}: {error}"
        ) from error
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module_name
    }
