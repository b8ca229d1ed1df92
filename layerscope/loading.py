"""Loading: ``path -> keras.Model``, with guards that run before anything is inflated.

Every failure becomes a :class:`~layerscope.errors.ModelLoadError` subclass whose message
names the file and the problem in one line. Keras is imported only once the file has passed
the cheap checks, so a bad path fails fast.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import re
import stat
import struct
import sys
import zipfile
import zlib
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


def describe(path: str | os.PathLike[str] | bytes) -> str:
    """How a path is shown in messages: quoted, with control characters made visible, and
    shortened in the middle when very long (so the problem at the end of the line shows)."""
    text = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    if len(text) > MAX_SHOWN_PATH:
        text = text[: MAX_SHOWN_PATH - 60] + "..." + text[-57:]
    return repr(text)


MAX_SHOWN_PATH = 200
"""Paths longer than this are shown shortened in the middle."""


def check_model_path(path: str | os.PathLike[str]) -> Path:
    """Validate ``path`` as a model file without importing Keras; returns it as a Path.

    Raises a ModelLoadError subclass naming the problem for anything that cannot be a model.
    Only the central directory and the small JSON members of a ``.keras`` archive are read,
    so a hostile file is refused before anything large is inflated or any code can run.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"expected a model path (str or os.PathLike), got {type(path).__name__}")
    if not os.fspath(path):
        raise UsageError("the model path is empty")
    file = Path(os.fspath(path))
    shown = describe(path)
    status = _stat(file, shown)
    if stat.S_ISDIR(status.st_mode):
        if (file / "saved_model.pb").exists() or (file / "saved_model.pbtxt").exists():
            raise UnsupportedFormatError(
                f"{shown} is a TensorFlow SavedModel folder, which Keras 3 cannot load as a "
                "model (keras.layers.TFSMLayer can only wrap it for inference); load the "
                "original model and save it with model.save('model.keras') instead"
            )
        raise UnsupportedFormatError(f"{shown} is a directory, not a .keras or .h5 model file")
    if not stat.S_ISREG(status.st_mode):
        raise UnsupportedFormatError(
            f"{shown} is not a regular file (a device, pipe or socket); "
            "layerscope reads .keras or .h5 model files"
        )
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except PermissionError as error:
        raise ModelNotFoundError(f"{shown}: permission denied (cannot read the file)") from error
    except OSError as error:
        raise ModelNotFoundError(f"{shown}: cannot be read ({error.strerror})") from error
    if not head:
        raise UnsupportedFormatError(f"{shown} is empty (0 bytes)")
    suffix = file.suffix.lower()
    if suffix in KERAS_SUFFIXES + H5_SUFFIXES and file.suffix != suffix:
        # Keras compares suffixes case-sensitively and refuses 'model.KERAS' after loading
        # TensorFlow; say so now, and the same for both engines.
        raise UnsupportedFormatError(
            f"{shown}: Keras only reads files ending in lowercase {suffix!r}, not "
            f"{file.suffix!r}; rename the file"
        )
    if suffix in KERAS_SUFFIXES:
        if not head.startswith(ZIP_MAGIC[:2]):
            kind = _sniff(head)
            raise UnsupportedFormatError(
                f"{shown} is not a .keras archive (a .keras file is a zip archive; "
                f"this looks like {kind})"
            )
        check_keras_archive(file)
    elif suffix in H5_SUFFIXES:
        if not _has_hdf5_signature(file, head):
            raise UnsupportedFormatError(f"{shown} is not an HDF5 file (looks like {_sniff(head)})")
        _check_h5_model(file)
    else:
        raise UnsupportedFormatError(
            f"{shown}: unsupported file type {suffix or '(no suffix)'!r}; "
            "layerscope reads Keras models saved as .keras (or legacy .h5)"
        )
    return file


def _stat(file: Path, shown: str) -> os.stat_result:
    """``os.stat`` with every failure turned into a message naming the path's problem."""
    try:
        return os.stat(file)
    except FileNotFoundError as error:
        if os.path.lexists(file):
            raise ModelNotFoundError(
                f"{shown}: no such file (it is a symbolic link to a missing target)"
            ) from error
        raise ModelNotFoundError(f"{shown}: no such file") from error
    except NotADirectoryError as error:
        raise ModelNotFoundError(
            f"{shown}: no such file (a part of the path is not a folder)"
        ) from error
    except PermissionError as error:
        raise ModelNotFoundError(
            f"{shown}: permission denied (a folder on the path cannot be searched)"
        ) from error
    except ValueError as error:  # an embedded NUL character
        raise ModelNotFoundError(f"{shown}: not a valid path ({error})") from error
    except OSError as error:  # a symbolic-link loop, a name too long, an I/O error...
        raise ModelNotFoundError(f"{shown}: cannot be read ({error.strerror or error})") from error


def _has_hdf5_signature(file: Path, head: bytes) -> bool:
    """HDF5's signature at 0 or, after a user block, at 512, 1024, 2048... bytes (where the
    library itself looks for it)."""
    if head.startswith(HDF5_MAGIC):
        return True
    try:
        size = file.stat().st_size
        with file.open("rb") as handle:
            offset = 512
            while offset + len(HDF5_MAGIC) <= size:
                handle.seek(offset)
                if handle.read(len(HDF5_MAGIC)) == HDF5_MAGIC:
                    return True
                offset *= 2
    except OSError:
        return False
    return False


def _sniff(head: bytes) -> str:
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(HDF5_MAGIC):
        return "an HDF5 file"
    if head.startswith(b"PK"):
        return "a zip archive"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith((b"\xff\xd8\xff", b"GIF8")):
        return "an image"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    return "a text file"


# Errors zipfile (and the decompressors under it) raise on damaged or unusual archives:
# a bad CRC or truncated data (BadZipFile, EOFError, zlib.error...), an encrypted member
# (RuntimeError), an unsupported compression method (NotImplementedError), absurd offsets
# in a forged central directory (ValueError, OSError, struct.error).
_ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    struct.error,
    zlib.error,
)
try:  # lzma is an optional part of CPython builds
    import lzma

    _ZIP_ERRORS += (lzma.LZMAError,)
except ImportError:  # pragma: no cover
    pass

WEIGHTS_MEMBERS = ("model.weights.h5", "model.weights.npz")
"""Where a .keras archive keeps its weights (Keras writes the first; reads either)."""
NPZ_MAGIC = b"PK\x03\x04"


def check_keras_archive(file: Path) -> None:
    """Refuse truncated archives, archives without a config or weights, zip bombs and
    configs of the wrong shape, by looking at the central directory, reading the small
    ``config.json`` (its declared size is checked first) and the weights' first bytes."""
    shown = describe(file)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            _check_members(shown, infos)
            _check_declared_sizes(shown, infos, file.stat().st_size)
            config = _read_config(shown, archive)
            _check_weights_member(shown, archive, infos)
    except ModelLoadError:
        raise
    except zipfile.BadZipFile as error:
        raise UnsupportedFormatError(
            f"{shown} is not a readable zip archive ({error}); the file is damaged or truncated"
        ) from error
    except _ZIP_ERRORS as error:
        raise UnsupportedFormatError(
            f"{shown} is a damaged zip archive ({type(error).__name__}: {error})"
        ) from error
    validate_model_config(config, f"{shown}: config.json")


def _check_members(shown: str, infos: list[zipfile.ZipInfo]) -> None:
    names = {info.filename for info in infos}
    # Keras extracts every member into one folder: two names for one path ("config.json"
    # twice, or also "config.json/") make it fail on the second.
    counts = collections.Counter(info.filename.rstrip("/") for info in infos)
    if len(counts) != len(infos):
        twice = next(name for name, count in counts.items() if count > 1)
        raise UnsupportedFormatError(
            f"{shown} holds two archive members named {twice!r}; the archive is damaged"
        )
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


def _check_declared_sizes(shown: str, infos: list[zipfile.ZipInfo], archive_size: int) -> None:
    """Every member's declared sizes must fit the archive: its data must lie inside the
    file, a stored member's size must equal its stored bytes, and the whole archive may
    not inflate past :data:`MAX_EXPANSION` times its size (plus :data:`BOMB_FLOOR_BYTES`),
    since Keras extracts members into a temporary folder."""
    total = 0
    for info in infos:
        if info.header_offset + 30 + info.compress_size > archive_size:
            raise UnsupportedFormatError(
                f"{shown}: archive member {info.filename!r} declares "
                f"{_human(info.compress_size)} of data past the end of the "
                f"{_human(archive_size)} file; the archive is damaged"
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise UnsupportedFormatError(
                f"{shown}: archive member {info.filename!r} is stored uncompressed but declares "
                f"{_human(info.file_size)} for {_human(info.compress_size)} of data; "
                "the archive is damaged"
            )
        total += info.file_size
    limit = BOMB_FLOOR_BYTES + MAX_EXPANSION * archive_size
    if total > limit:
        raise ArchiveTooLargeError(
            f"{shown}: its members would inflate to {_human(total)} in all from a "
            f"{_human(archive_size)} archive (limit {_human(limit)}); refusing a likely zip bomb"
        )


def _read_config(shown: str, archive: zipfile.ZipFile) -> Any:
    """``config.json`` parsed. Its declared size was checked, and zipfile never returns
    more than the declared size, so this read is bounded."""
    raw = archive.read("config.json")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsupportedFormatError(
            f"{shown}: config.json is not UTF-8 text (byte {error.start}); the archive is damaged"
        ) from error
    return parse_config_json(text, f"{shown}: config.json")


MAX_CONFIG_OBJECTS = 3_000_000
"""The most JSON objects and lists a config may hold (a 50,000-layer model needs under a
million); each costs Python ~100-200 bytes, so this bounds the parse near 600 MB."""
MAX_CONFIG_VALUES = 10_000_000
"""The most comma-separated values a config may hold in all."""
OBJECTS_PER_CLASS = 64
"""How many objects and lists a config may hold per serialised object (``class_name``) it
describes, beyond a floor of :data:`OBJECT_FLOOR`: a real config holds 3 to 25."""
OBJECT_FLOOR = 100_000


def check_config_budget(text: str | bytes, where: str) -> None:
    """Refuse, before parsing, a config whose JSON holds vastly more objects than the
    layers it describes need (60 MiB of ``{}`` would take gigabytes to parse)."""
    if isinstance(text, bytes):
        braces, brackets = text.count(b"{"), text.count(b"[")
        commas, classes = text.count(b","), text.count(b'"class_name"')
    else:
        braces, brackets = text.count("{"), text.count("[")
        commas, classes = text.count(","), text.count('"class_name"')
    containers = braces + brackets
    allowed = min(MAX_CONFIG_OBJECTS, OBJECT_FLOOR + OBJECTS_PER_CLASS * classes)
    if containers > allowed or commas > MAX_CONFIG_VALUES:
        raise ArchiveTooLargeError(
            f"{where} holds {containers:,} JSON objects and lists and {commas:,} values for "
            f"{classes:,} serialised objects (limit {allowed:,} and {MAX_CONFIG_VALUES:,}); "
            "refusing to parse a config far larger than the model it describes"
        )


def parse_config_json(text: str, where: str) -> Any:
    """Parse a model config, turning every JSON failure into one clear message; the
    parse is bounded by :func:`check_config_budget` first."""
    check_config_budget(text, where)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnsupportedFormatError(
            f"{where} is not valid JSON ({error.msg.removesuffix(' at')} at line "
            f"{error.lineno} column {error.colno})"
        ) from error
    except RecursionError as error:
        raise UnsupportedFormatError(
            f"{where} is nested too deeply to be a model config"
        ) from error
    except MemoryError as error:
        raise ArchiveTooLargeError(f"{where}: out of memory while parsing it") from error
    except ValueError as error:  # e.g. an integer with too many digits
        raise UnsupportedFormatError(f"{where} is not valid JSON ({error})") from error


def _check_weights_member(
    shown: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> None:
    names = {info.filename for info in infos}
    present = [name for name in WEIGHTS_MEMBERS if name in names]
    if not present:
        raise UnsupportedFormatError(
            f"{shown} has a config.json but no model.weights.h5: the archive is incomplete "
            "(was it truncated or edited by hand?)"
        )
    name = present[0]
    with archive.open(name) as member:
        head = member.read(HDF5_PROBE_BYTES)
    magic = HDF5_MAGIC if name.endswith(".h5") else NPZ_MAGIC
    # HDF5 allows a user block before the superblock, at 0, 512, 1024, 2048... bytes.
    offsets = (0, 512, 1024, 2048) if magic == HDF5_MAGIC else (0,)
    if not any(head[offset : offset + len(magic)] == magic for offset in offsets):
        if not head:
            problem = "is empty"
        else:
            problem = f"is not an {'HDF5' if magic == HDF5_MAGIC else 'npz'} file " + (
                f"(looks like {_sniff(head[:8])})"
            )
        raise UnsupportedFormatError(
            f"{shown}: the weights file {name} inside the archive {problem}; the archive is damaged"
        )


HDF5_PROBE_BYTES = 2056


def validate_model_config(config: Any, where: str) -> None:
    """Check the shape Keras expects of a saved model config before Keras sees it, so a
    config of the wrong shape gets a message saying what is wrong and where.

    Only the envelope (``class_name``, ``config``) and the ``layers`` lists of Keras's own
    containers (Sequential, Functional) are checked: a custom model may use any keys.
    """
    layers = _count_layers(config)
    if layers > MAX_LAYERS:
        raise ArchiveTooLargeError(
            f"{where}: the model has {layers:,} layers, more than the {MAX_LAYERS:,} "
            "layerscope reads (Keras itself fails on such a model after minutes)"
        )
    _validate_object(config, where, "the model config", depth=0)


MAX_LAYERS = 200_000
"""The most layers (nested ones included) a model file may hold: a 50,000-layer model reads
in about a minute; a 1,000,000-layer config took Keras 347 s before a RecursionError."""


def _count_layers(config: Any) -> int:
    count = 0
    stack = [config]
    while stack:
        value = stack.pop()
        inner = value.get("config") if isinstance(value, dict) else None
        layers = inner.get("layers") if isinstance(inner, dict) else None
        if isinstance(layers, list):
            count += len(layers)
            stack.extend(layer for layer in layers if isinstance(layer, dict))
    return count


_CONTAINERS = frozenset({"Sequential", "Functional", "Model"})
MAX_CONFIG_DEPTH = 64


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _validate_object(value: Any, where: str, what: str, depth: int) -> None:
    if depth > MAX_CONFIG_DEPTH:
        raise UnsupportedFormatError(f"{where}: models nested more than {MAX_CONFIG_DEPTH} deep")
    if not isinstance(value, dict):
        raise UnsupportedFormatError(
            f"{where}: {what} is {_json_kind(value)}, expected an object with "
            "'class_name' and 'config'"
        )
    class_name = value.get("class_name")
    if not isinstance(class_name, str) or not class_name:
        found = "missing" if class_name is None else f"{_json_kind(class_name)}"
        raise UnsupportedFormatError(
            f"{where}: {what} has no valid 'class_name' ({found}), so it is not a Keras "
            "model config"
        )
    inner = value.get("config", {})
    if not isinstance(inner, dict):
        raise UnsupportedFormatError(
            f"{where}: {what} ({class_name}) has a 'config' that is {_json_kind(inner)}, "
            "expected an object"
        )
    module = value.get("module")
    builtin = module is None or (isinstance(module, str) and module.startswith("keras"))
    if class_name in _CONTAINERS and builtin and "layers" in inner:
        layers = inner["layers"]
        if not isinstance(layers, list):
            raise UnsupportedFormatError(
                f"{where}: {what} ({class_name}) has 'layers' that is "
                f"{_json_kind(layers)}, expected a list of layer configs"
            )
        for index, layer in enumerate(layers):
            label = f"layers[{index}]"
            if isinstance(layer, dict) and isinstance(layer.get("config"), dict):
                name = layer["config"].get("name")
                if isinstance(name, str):
                    label += f" ({name!r})"
            _validate_object(layer, where, label, depth + 1)


def _check_h5_model(file: Path) -> None:
    import h5py

    shown = describe(file)
    try:
        with h5py.File(file, "r") as handle:
            raw = handle.attrs.get("model_config")
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise UnsupportedFormatError(f"{shown} is not a readable HDF5 file ({error})") from error
    if raw is None:
        raise UnsupportedFormatError(
            f"{shown} is an HDF5 file without a model config (a weights-only file, or not "
            "Keras at all); layerscope needs a whole saved model"
        )
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnsupportedFormatError(
                f"{shown}: its model_config is not UTF-8 text; the file is damaged"
            ) from error
    if not isinstance(raw, str):
        raise UnsupportedFormatError(
            f"{shown}: its model_config attribute is not text; the file is damaged"
        )
    if len(raw) > MAX_CONFIG_BYTES:
        raise ArchiveTooLargeError(
            f"{shown}: its model_config is {_human(len(raw))} (limit {_human(MAX_CONFIG_BYTES)})"
        )
    where = f"{shown}: model_config"
    validate_model_config(parse_config_json(raw, where), where)


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


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


def python_lambdas(config: Any) -> list[str]:
    """Names of the layers in a model config that hold Python bytecode: a serialised
    ``lambda`` (``{"class_name": "__lambda__"}`` in a .keras config, ``function_type:
    "lambda"`` in a legacy .h5 one). This is what Keras's safe mode refuses to run."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(config, "")]
    while stack:
        value, owner = stack.pop()
        if isinstance(value, dict):
            inner = value.get("config")
            name = inner.get("name") if isinstance(inner, dict) else None
            here = name if isinstance(name, str) and "class_name" in value else owner
            is_code = value.get("class_name") == "__lambda__" or (
                value.get("function_type") == "lambda" and "function" in value
            )
            if is_code and here not in found:
                found.append(here)
            stack.extend((child, here) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, owner) for child in value)
    return found


_CONFIG_READ_ERRORS: tuple[type[BaseException], ...] = (*_ZIP_ERRORS, KeyError, RecursionError)


def refuse_python_lambdas(path: str | os.PathLike[str]) -> None:
    """Safe mode for every engine: refuse a model holding Python lambdas, naming the layer,
    before any engine reads it (the static engine never runs them, but a report that works
    with one engine and not the other would surprise; ``unsafe=True`` skips this)."""
    file = Path(os.fspath(path))
    config: Any = None
    if file.suffix.lower() in KERAS_SUFFIXES:
        try:
            with zipfile.ZipFile(file) as archive:
                raw_config = archive.read("config.json")
            check_config_budget(raw_config, describe(path))
            config = json.loads(raw_config)
        except _CONFIG_READ_ERRORS:  # check_model_path reports these
            return
    elif file.suffix.lower() in H5_SUFFIXES:
        import h5py

        try:
            with h5py.File(file, "r") as handle:
                raw = handle.attrs.get("model_config")
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            check_config_budget(text, describe(path))
            config = json.loads(text)
        except (OSError, ValueError, TypeError, RecursionError):
            return
    if not config:
        return
    layers = python_lambdas(config)
    if layers:
        names = ", ".join(repr(name) for name in layers[:3] if name)
        which = f" (layer {names})" if names else ""
        raise UnsafeModelError(
            f"{describe(path)} contains a Python lambda{which}, which could run arbitrary "
            "code when loaded, so safe mode refused it; if you trust this file, pass "
            "--unsafe (unsafe=True in Python)"
        )


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
    path: str | os.PathLike[str],
    unsafe: bool = False,
    custom_objects: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> Any:
    """Load a ``.keras`` or ``.h5`` model (without compiling it) with safe mode on unless
    ``unsafe`` is true. Raises a ModelLoadError subclass on every failure."""
    file = check_model_path(path)
    shown = describe(path)
    from layerscope._keras import quiet_keras

    # Keras (and TensorFlow's logging settings) first: a custom-objects file importing
    # keras or tensorflow itself would otherwise print TensorFlow's start-up chatter.
    keras = quiet_keras()
    objects = load_custom_objects(custom_objects)
    try:
        return keras.saving.load_model(
            file, custom_objects=objects or None, compile=False, safe_mode=not unsafe
        )
    except Exception as error:  # Keras raises bare TypeError/ValueError/OSError/KeyError...
        raise _explain_load_error(shown, error) from error


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
