"""A model file opened and validated once: :func:`open_model` gives a :class:`ModelFile`.

Every check that can refuse a file before anything large is inflated or any code runs is
made here, in one pass over the file: the path and its kind, the ``.keras`` archive's central
directory (duplicate members, zip bombs, declared sizes past the end), ``config.json`` parsed
once (bounded, see :mod:`layerscope.modelconfig`) and its envelope validated, the weights
member's first bytes; for a legacy ``.h5``, its signature and ``model_config``. The result
carries what the engines need (the parsed config, the lambdas it holds, the weights member),
so neither the Keras load nor the static engine reads or validates the file again.

Every failure is a :class:`~layerscope.errors.ModelLoadError` subclass whose message names
the file and the problem in one line. Nothing here imports Keras or TensorFlow.
"""

from __future__ import annotations

import collections
import enum
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerscope.errors import (
    ArchiveTooLargeError,
    ModelLoadError,
    ModelNotFoundError,
    UnsafeModelError,
    UnsupportedFormatError,
    UsageError,
)
from layerscope.modelconfig import (
    MAX_CONFIG_BYTES,
    human_size,
    may_hold_lambda,
    parse_config_json,
    python_lambdas,
    validate_model_config,
)

KERAS_SUFFIXES = (".keras",)
H5_SUFFIXES = (".h5", ".hdf5")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"

MAX_EXPANSION = 100
"""Deflate cannot honestly exceed ~1032:1 and Keras stores members uncompressed; a member
declaring more than this ratio over ``BOMB_FLOOR_BYTES`` is treated as a bomb."""
BOMB_FLOOR_BYTES = 16 * 1024 * 1024


class ModelKind(enum.Enum):
    """How a model file is stored."""

    KERAS = "keras"
    """A Keras 3 ``.keras`` zip archive: ``config.json`` and ``model.weights.h5``."""
    H5 = "h5"
    """A legacy Keras 2 HDF5 file (``.h5`` / ``.hdf5``) with a ``model_config`` attribute."""


@dataclass(frozen=True)
class ModelFile:
    """A model file that passed every guard, with what was read to check it.

    Made only by :func:`open_model`. It is path-like (``os.fspath`` gives the path as the
    caller wrote it), so it can be handed wherever a model path is taken; functions that
    validate a path (:func:`open_model`, :func:`check_model_path`) take it as already
    validated instead of reading the file again.
    """

    path: Path
    """The file."""
    source: str
    """The path as given (``os.fspath`` of the caller's argument): the report's ``source``."""
    shown: str
    """How messages show the path (:func:`describe`)."""
    kind: ModelKind
    size: int
    """The file's size in bytes."""
    config: Mapping[str, Any] = field(compare=False, repr=False)
    """The model config, parsed once and validated (a JSON object with ``class_name``):
    ``config.json`` of a ``.keras`` archive, the ``model_config`` attribute of an ``.h5``."""
    lambdas: tuple[str, ...] = ()
    """The layers whose config holds a serialised Python lambda (what safe mode refuses)."""
    weights_member: str | None = None
    """The archive member holding the weights (``model.weights.h5``); ``None`` for ``.h5``."""
    members: tuple[str, ...] = ()
    """The archive's member names, in archive order; empty for ``.h5``."""

    def __fspath__(self) -> str:
        return self.source

    @property
    def name(self) -> str:
        """The model's name in its config, else the file's stem."""
        inner = self.config.get("config")
        name = inner.get("name") if isinstance(inner, Mapping) else None
        return name if isinstance(name, str) and name else self.path.stem

    def refuse_lambdas(self) -> None:
        """Safe mode for every engine: refuse a model holding Python lambdas, naming the
        layer, before any engine reads it (the static engine never runs them, but a report
        that works with one engine and not the other would surprise)."""
        if not self.lambdas:
            return
        names = ", ".join(repr(name) for name in self.lambdas[:3] if name)
        which = f" (layer {names})" if names else ""
        raise UnsafeModelError(
            f"{self.shown} contains a Python lambda{which}, which could run arbitrary "
            "code when loaded, so safe mode refused it; if you trust this file, pass "
            "--unsafe (unsafe=True in Python)"
        )


def describe(path: str | os.PathLike[str] | bytes) -> str:
    """How a path is shown in messages: quoted, with control characters made visible, and
    shortened in the middle when very long (so the problem at the end of the line shows)."""
    text = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    if len(text) > MAX_SHOWN_PATH:
        text = text[: MAX_SHOWN_PATH - 60] + "..." + text[-57:]
    return repr(text)


MAX_SHOWN_PATH = 200
"""Paths longer than this are shown shortened in the middle."""


def open_model(path: str | os.PathLike[str]) -> ModelFile:
    """Open and validate ``path`` as a model file, once, without importing Keras.

    Raises a ModelLoadError subclass naming the problem for anything that cannot be a model
    (a UsageError for something that is not a path at all). Only the central directory and
    the small JSON members of a ``.keras`` archive are read, so a hostile file is refused
    before anything large is inflated or any code can run. A :class:`ModelFile` is returned
    as it is.
    """
    if isinstance(path, ModelFile):
        return path
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
        config, weights_member, members, scan = _read_keras_archive(file, status.st_size)
        model_kind = ModelKind.KERAS
    elif suffix in H5_SUFFIXES:
        if not _has_hdf5_signature(file, head):
            raise UnsupportedFormatError(f"{shown} is not an HDF5 file (looks like {_sniff(head)})")
        config, weights_member, members, scan = _read_h5_config(file), None, (), True
        model_kind = ModelKind.H5
    else:
        raise UnsupportedFormatError(
            f"{shown}: unsupported file type {suffix or '(no suffix)'!r}; "
            "layerscope reads Keras models saved as .keras (or legacy .h5)"
        )
    return ModelFile(
        path=file,
        source=os.fspath(path),
        shown=shown,
        kind=model_kind,
        size=status.st_size,
        config=config,
        lambdas=tuple(python_lambdas(config)) if scan else (),
        weights_member=weights_member,
        members=members,
    )


def check_model_path(path: str | os.PathLike[str]) -> Path:
    """Validate ``path`` as a model file (see :func:`open_model`); returns it as a Path."""
    return open_model(path).path


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


def _read_keras_archive(file: Path, size: int) -> tuple[dict[str, Any], str, tuple[str, ...], bool]:
    """Refuse truncated archives, archives without a config or weights, zip bombs and
    configs of the wrong shape, by looking at the central directory, reading the small
    ``config.json`` (its declared size is checked first) and the weights' first bytes.
    Returns the parsed config, the weights member, the member names, and whether the
    config's text could hold a Python lambda (:func:`may_hold_lambda`)."""
    shown = describe(file)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            _check_members(shown, infos)
            _check_declared_sizes(shown, infos, size)
            config, scan = _read_config(shown, archive)
            weights_member = _check_weights_member(shown, archive, infos)
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
    validate_model_config(config, f"{shown}: config.json")  # a JSON object from here on
    return config, weights_member, tuple(info.filename for info in infos), scan


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
                f"{human_size(info.file_size)} (limit {human_size(limit)}); refusing to inflate it"
            )
        if info.file_size > BOMB_FLOOR_BYTES and info.file_size > MAX_EXPANSION * max(
            info.compress_size, 1
        ):
            raise ArchiveTooLargeError(
                f"{shown}: archive member {info.filename!r} would inflate from "
                f"{human_size(info.compress_size)} to {human_size(info.file_size)}; "
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
                f"{human_size(info.compress_size)} of data past the end of the "
                f"{human_size(archive_size)} file; the archive is damaged"
            )
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise UnsupportedFormatError(
                f"{shown}: archive member {info.filename!r} is stored uncompressed but declares "
                f"{human_size(info.file_size)} for {human_size(info.compress_size)} of data; "
                "the archive is damaged"
            )
        total += info.file_size
    limit = BOMB_FLOOR_BYTES + MAX_EXPANSION * archive_size
    if total > limit:
        raise ArchiveTooLargeError(
            f"{shown}: its members would inflate to {human_size(total)} in all from a "
            f"{human_size(archive_size)} archive (limit {human_size(limit)}); "
            "refusing a likely zip bomb"
        )


def _read_config(shown: str, archive: zipfile.ZipFile) -> tuple[Any, bool]:
    """``config.json`` parsed, and whether its text could hold a Python lambda. Its
    declared size was checked, and zipfile never returns more than the declared size, so
    this read is bounded."""
    raw = archive.read("config.json")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnsupportedFormatError(
            f"{shown}: config.json is not UTF-8 text (byte {error.start}); the archive is damaged"
        ) from error
    return parse_config_json(text, f"{shown}: config.json"), may_hold_lambda(text)


def _check_weights_member(
    shown: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> str:
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
    return name


HDF5_PROBE_BYTES = 2056


def _read_h5_config(file: Path) -> dict[str, Any]:
    """The ``model_config`` attribute of a legacy ``.h5`` file, parsed and validated."""
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
            f"{shown}: its model_config is {human_size(len(raw))} "
            f"(limit {human_size(MAX_CONFIG_BYTES)})"
        )
    where = f"{shown}: model_config"
    config: dict[str, Any] = parse_config_json(raw, where)
    validate_model_config(config, where)
    return config  # validated: a JSON object
