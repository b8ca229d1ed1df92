"""Loading: ``path -> keras.Model``, with guards that run before anything is inflated.

Every failure becomes a :class:`~layerscope.errors.ModelLoadError` subclass whose message
names the file and the problem in one line. Keras is imported only once the file has passed
the cheap checks, so a bad path fails fast.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from layerscope.errors import (
    ArchiveTooLargeError,
    ModelLoadError,
    ModelNotFoundError,
    UnknownLayerError,
    UnsafeModelError,
    UnsupportedFormatError,
    UsageError,
)

KERAS_SUFFIXES = (".keras",)
H5_SUFFIXES = (".h5", ".hdf5")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""The largest ``config.json`` / ``metadata.json`` a ``.keras`` archive may declare."""
MAX_EXPANSION = 100
"""Deflate cannot honestly exceed ~1032:1 and Keras stores members uncompressed; a member
declaring more than this ratio over ``BOMB_FLOOR_BYTES`` is treated as a bomb."""
BOMB_FLOOR_BYTES = 16 * 1024 * 1024


def describe(path: str | os.PathLike[str]) -> str:
    """How a path is shown in messages: quoted, with control characters made visible."""
    return repr(os.fspath(path))


def check_model_path(path: str | os.PathLike[str]) -> Path:
    """Validate ``path`` as a model file without importing Keras; returns it as a Path.

    Raises a ModelLoadError subclass naming the problem for anything that cannot be a model.
    """
    file = Path(os.fspath(path))
    shown = describe(path)
    if not file.exists():
        raise ModelNotFoundError(f"{shown}: no such file")
    if file.is_dir():
        if (file / "saved_model.pb").exists() or (file / "saved_model.pbtxt").exists():
            raise UnsupportedFormatError(
                f"{shown} is a TensorFlow SavedModel folder, which Keras 3 cannot load as a "
                "model (keras.layers.TFSMLayer can only wrap it for inference); load the "
                "original model and save it with model.save('model.keras') instead"
            )
        raise UnsupportedFormatError(f"{shown} is a directory, not a .keras or .h5 model file")
    if not file.is_file():
        raise UnsupportedFormatError(f"{shown} is not a regular file")
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except PermissionError as error:
        raise ModelNotFoundError(f"{shown}: permission denied") from error
    except OSError as error:
        raise ModelNotFoundError(f"{shown}: cannot be read ({error.strerror})") from error
    if not head:
        raise UnsupportedFormatError(f"{shown} is empty (0 bytes)")
    suffix = file.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        if not head.startswith(ZIP_MAGIC[:2]):
            kind = _sniff(head)
            raise UnsupportedFormatError(
                f"{shown} is not a .keras archive (a .keras file is a zip archive; "
                f"this looks like {kind})"
            )
        check_keras_archive(file)
    elif suffix in H5_SUFFIXES:
        if not head.startswith(HDF5_MAGIC):
            raise UnsupportedFormatError(
                f"{shown} is not an HDF5 file (looks like {_sniff(head)})"
            )
        _check_h5_model(file)
    else:
        raise UnsupportedFormatError(
            f"{shown}: unsupported file type {suffix or '(no suffix)'!r}; "
            "layerscope reads Keras models saved as .keras (or legacy .h5)"
        )
    return file


def _sniff(head: bytes) -> str:
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(HDF5_MAGIC):
        return "an HDF5 file"
    if head.startswith(b"PK"):
        return "a zip archive"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    return "a text file"


def check_keras_archive(file: Path) -> None:
    """Refuse truncated archives, archives without a config, and zip bombs, by looking only
    at the central directory (nothing is inflated)."""
    shown = describe(file)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as error:
        raise UnsupportedFormatError(
            f"{shown} is not a readable zip archive ({error}); the file may be truncated"
        ) from error
    except OSError as error:
        raise ModelLoadError(f"{shown}: cannot be read ({error})") from error
    names = {info.filename for info in infos}
    if "config.json" not in names:
        raise UnsupportedFormatError(
            f"{shown} is a zip archive without config.json, so not a Keras model"
        )
    for info in infos:
        limit = MAX_CONFIG_BYTES if info.filename.endswith(".json") else None
        if limit is not None and info.file_size > limit:
            raise ArchiveTooLargeError(
                f"{shown}: archive member {info.filename!r} declares "
                f"{_human(info.file_size)} (limit {_human(limit)}); refusing to inflate it"
            )
        if info.file_size > BOMB_FLOOR_BYTES and info.file_size > MAX_EXPANSION * max(
            info.compress_size, 1
        ):
            raise ArchiveTooLargeError(
                f"{shown}: archive member {info.filename!r} would inflate from "
                f"{_human(info.compress_size)} to {_human(info.file_size)}; "
                "refusing a likely zip bomb"
            )


def _check_h5_model(file: Path) -> None:
    import h5py

    shown = describe(file)
    try:
        with h5py.File(file, "r") as handle:
            has_config = "model_config" in handle.attrs
    except OSError as error:
        raise UnsupportedFormatError(f"{shown} is not a readable HDF5 file ({error})") from error
    if not has_config:
        raise UnsupportedFormatError(
            f"{shown} is an HDF5 file without a model config (a weights-only file, or not "
            "Keras at all); layerscope needs a whole saved model"
        )


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def load_custom_objects(spec: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """Custom objects from a mapping, or from a Python file whose public classes and
    functions are taken (running the file is the user's explicit choice)."""
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    file = Path(os.fspath(spec))
    if not file.is_file() or file.suffix != ".py":
        raise UsageError(f"--custom-objects must be a Python file; got {describe(spec)}")
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


_UNKNOWN_CLASS = re.compile(r"Could not (?:locate|deserialize) (?:class|function|object)? ?'([^']+)'")


def load_model(
    path: str | os.PathLike[str],
    unsafe: bool = False,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> Any:
    """Load a ``.keras`` or ``.h5`` model (without compiling it) with safe mode on unless
    ``unsafe`` is true. Raises a ModelLoadError subclass on every failure."""
    file = check_model_path(path)
    objects = load_custom_objects(custom_objects)
    shown = describe(path)
    from layerscope._keras import quiet_keras

    keras = quiet_keras()
    try:
        return keras.saving.load_model(
            file, custom_objects=objects or None, compile=False, safe_mode=not unsafe
        )
    except Exception as error:  # Keras raises bare TypeError/ValueError/OSError/KeyError...
        raise _explain_load_error(shown, error) from error


def _explain_load_error(shown: str, error: BaseException) -> ModelLoadError:
    text = str(error)
    if "lambda" in text.lower() and "safe_mode" in text:
        return UnsafeModelError(
            f"{shown} contains a Python lambda, which could run arbitrary code when loaded, "
            "so safe mode refused it; if you trust this file, pass --unsafe "
            "(unsafe=True in Python)"
        )
    match = _UNKNOWN_CLASS.search(text)
    if match:
        class_name = match.group(1)
        return UnknownLayerError(
            f"{shown} uses the unknown class {class_name!r}; supply its definition with "
            "--custom-objects my_layers.py (custom_objects={...} in Python)",
            class_name=class_name,
        )
    first_line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    if len(first_line) > 300:
        first_line = first_line[:297] + "..."
    return ModelLoadError(f"{shown}: Keras could not load the model: {first_line}")
