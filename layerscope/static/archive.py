"""The archive: ``config.json`` and the *metadata* of ``model.weights.h5`` (dataset shapes and
dtypes, never the tensor data), read through bounded, checked streams.
"""

from __future__ import annotations

import math
import os
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerscope.errors import StaticUnsupported
from layerscope.report import known_dtype_bytes

WEIGHTS_MEMBER = "model.weights.h5"

CONFIG_MEMBER = "config.json"


class _MemberFile:
    """A read-only, seekable window onto an uncompressed zip member inside the archive file.

    h5py reads HDF5 from Python file objects; giving it this window (instead of zipfile's
    own member reader, whose backward seeks re-read from the member's start, or a temporary
    copy) means only the HDF5 metadata is ever read from disk. ``pread`` straight into
    HDF5's buffer keeps each of its many small reads cheap.
    """

    def __init__(self, path: Path | int, start: int, size: int) -> None:
        # A path is opened here; a descriptor (an inflated temporary file) is taken over.
        if isinstance(path, int):
            self._fd = path
        else:
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._start = start
        self._size = size
        self._position = 0
        self.bytes_read = 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        # HDF5 seeks before each of its reads (about ten per layer): keep the common case short.
        if whence == 0:
            self._position = offset if offset > 0 else 0
            return self._position
        base = self._position if whence == 1 else self._size
        self._position = max(0, base + offset)
        return self._position

    def _count(self, size: int | None) -> int:
        remaining = max(0, self._size - self._position)
        return remaining if size is None or size < 0 else min(size, remaining)

    def read(self, size: int | None = -1) -> bytes:
        data = os.pread(self._fd, self._count(size), self._start + self._position)
        self._position += len(data)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        count = self._count(view.nbytes)
        got = os.preadv(
            self._fd, [view if count == view.nbytes else view[:count]], self._start + self._position
        )
        self._position += got
        self.bytes_read += got
        return got

    def close(self) -> None:
        os.close(self._fd)


class WeightsIndex:
    """An index of the weights file built in one pass: every group, every dataset's shape
    and dtype, and each ``vars`` group's saved layer name. No tensor data is read.

    Walking with h5py's high-level objects costs milliseconds per layer through a Python
    file object; one low-level visit plus direct opens is several times faster and lets the
    file close before the report is assembled.
    """

    def __init__(self) -> None:
        self.children: dict[str, list[str]] = {"": []}
        self.datasets: dict[str, tuple[tuple[int, ...], str]] = {}
        self.names: dict[str, str] = {}

    def group(self, path: str) -> _Group | None:
        return _Group(self, path) if path in self.children else None

    @property
    def root(self) -> _Group:
        return _Group(self, "")


@dataclass(frozen=True)
class _Group:
    """A group of the weights file, answered from the index."""

    index: WeightsIndex
    path: str

    def _child(self, key: str) -> str:
        return f"{self.path}/{key}" if self.path else key

    def get(self, key: str) -> _Group | None:
        return self.index.group(self._child(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self.index.children.get(self.path, ()))

    def dataset(self, key: str) -> tuple[tuple[int, ...], str]:
        return self.index.datasets[self._child(key)]

    def dataset_count(self) -> int:
        return sum(1 for key in self if self._child(key) in self.index.datasets)

    def dataset_count_deep(self) -> int:
        prefix = self.path + "/"
        return sum(1 for path in self.index.datasets if path.startswith(prefix))

    @property
    def saved_name(self) -> str | None:
        return self.index.names.get(self.path)


def open_weights(archive: zipfile.ZipFile, file: Path) -> WeightsIndex:
    names = set(archive.namelist())
    if WEIGHTS_MEMBER not in names:
        if "model.weights.json" in names:
            raise StaticUnsupported("sharded weights files are not read statically")
        raise StaticUnsupported(f"the archive has no {WEIGHTS_MEMBER}")
    info = archive.getinfo(WEIGHTS_MEMBER)
    stream: Any
    if info.compress_type == zipfile.ZIP_STORED:
        start = _data_offset(file, info)
        if start + info.file_size > file.stat().st_size:
            raise StaticUnsupported(
                f"{WEIGHTS_MEMBER} declares {info.file_size} bytes, more than the archive holds"
            )
        _verify_member(archive, info, None)  # Keras's extraction checks the CRC: so do we
        stream = _MemberFile(file, start, info.file_size)
    else:
        # zipfile's member reader re-inflates from the start on every backward seek, which
        # made HDF5's scattered reads quadratic: inflate once, into an unnamed temporary
        # file (bounded by the declared size loading's guards accepted), and read that.
        import tempfile

        with tempfile.TemporaryFile(prefix="layerscope-weights-") as spool:
            _verify_member(archive, info, spool)
            stream = _MemberFile(os.dup(spool.fileno()), 0, info.file_size)
    try:
        return _index_weights(stream)
    finally:
        stream.close()


MEMBER_CHUNK = 1 << 20


def _verify_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sink: Any) -> None:
    """Read a member through zipfile to its end (which checks its CRC and its declared
    size), writing it to ``sink`` when given."""
    total = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(MEMBER_CHUNK):
                total += len(chunk)
                if sink is not None:
                    sink.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError) as error:
        raise StaticUnsupported(
            f"{info.filename} inside the archive is damaged ({error})"
        ) from error
    if total != info.file_size:
        raise StaticUnsupported(
            f"{info.filename} holds {total} bytes where the archive declares {info.file_size}"
        )
    if sink is not None:
        sink.flush()


METADATA_CACHE_BYTES = 32 * 1024 * 1024
"""HDF5's metadata cache for the one pass: big enough that a 5,000-layer file's headers are
read once, not evicted and re-read (HDF5's default starts at 2 MiB)."""


def _index_weights(stream: Any) -> WeightsIndex:
    import h5py
    import numpy as np

    try:
        handle = h5py.File(stream, "r")
    except OSError as error:
        raise StaticUnsupported(
            f"{WEIGHTS_MEMBER} is not a readable HDF5 file ({error})"
        ) from error
    index = WeightsIndex()
    try:
        _fill_index(index, handle, h5py, np)
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise StaticUnsupported(f"{WEIGHTS_MEMBER} could not be indexed ({error})") from error
    finally:
        handle.close()
    return index


def _fill_index(index: WeightsIndex, handle: Any, h5py: Any, np: Any) -> None:
    cache = handle.id.get_mdc_config()
    cache.set_initial_size = True
    cache.initial_size = METADATA_CACHE_BYTES
    cache.max_size = max(cache.max_size, METADATA_CACHE_BYTES)
    handle.id.set_mdc_config(cache)
    root = h5py.h5g.open(handle.id, b"/")
    budget = _Budget({h5py.h5o.get_info(root).addr}, h5py.h5l.TYPE_HARD)
    _index_group(index, root, "", h5py, np, budget)


MAX_LINKS = 2_000_000
"""The most links the weights file's index may follow (a 50,000-layer model has ~250,000)."""

MAX_GROUP_DEPTH = 256
"""The deepest group nesting the index follows (Keras's own files are under 20 deep)."""

MAX_VARIABLE_BYTES = 1 << 40
"""The largest variable (1 TiB) the engine believes: no machine builds a larger one."""

_NUMERIC_KINDS = frozenset("fiu")
"""numpy kinds of the dtypes Keras variables can hold: float, signed and unsigned int."""


@dataclass
class _Budget:
    """What the index has visited: every group's address (so a group hard-linked from two
    places, or a chain of groups each linking the next twice, is met once, not 2**depth
    times) and the number of links followed."""

    groups: set[int]
    hard: int
    """h5py's code for a hard link (whose info holds the target's address)."""
    links: int = 0


def _index_group(
    index: WeightsIndex, group: Any, path: str, h5py: Any, np: Any, budget: _Budget, depth: int = 0
) -> None:
    """Index ``group`` depth first, opening each object once, relative to its parent.

    Opening by full path from the root would search the big ``layers`` group again for
    every dataset and attribute, which grows faster than the layer count.
    """
    if depth > MAX_GROUP_DEPTH:
        raise StaticUnsupported(f"{WEIGHTS_MEMBER} nests groups more than {MAX_GROUP_DEPTH} deep")
    children = index.children.setdefault(path, [])
    links: list[tuple[bytes, int, int]] = []
    # One H5Literate pass with each link's info; iterating a GroupID asks for each name by
    # position, which walks an old-style group's B-tree from the start every time (quadratic
    # in its size). A hard link's info holds its target's address, which spares asking the
    # opened object for it (H5Oget_info reads its header: several times the cost).
    # (h5py hands the callback one info object, overwritten for each link: copy its fields.)
    group.links.iterate(lambda raw, info: links.append((raw, info.type, info.u)), info=True)
    budget.links += len(links)
    if budget.links > MAX_LINKS:
        raise StaticUnsupported(f"{WEIGHTS_MEMBER} holds more than {MAX_LINKS:,} links")
    for raw_name, link_type, link_address in links:
        name = raw_name.decode("utf-8", "replace")
        child_path = f"{path}/{name}" if path else name
        children.append(name)
        child = h5py.h5o.open(group, raw_name)
        if isinstance(child, h5py.h5d.DatasetID):
            index.datasets[child_path] = _dataset_entry(child, child_path, h5py, np)
        elif isinstance(child, h5py.h5g.GroupID):
            # A soft or external link that resolves to a group has no address of its own.
            address = link_address if link_type == budget.hard else h5py.h5o.get_info(child).addr
            if address in budget.groups:
                # Keras reads each layer's own group; one group reachable from two places
                # (or a chain of them: a "DAG bomb") is not something Keras writes.
                raise StaticUnsupported(
                    f"{WEIGHTS_MEMBER} links the group {child_path!r} from more than one place"
                )
            budget.groups.add(address)
            attribute = _open_attribute(child, b"name", h5py) if name == "vars" else None
            if attribute is not None:
                value = np.empty(attribute.shape, dtype=attribute.dtype)
                attribute.read(value)
                saved = value[()]
                index.names[child_path] = (
                    saved.decode("utf-8", "replace") if isinstance(saved, bytes) else str(saved)
                )
            _index_group(index, child, child_path, h5py, np, budget, depth + 1)


def _dataset_entry(dataset: Any, path: str, h5py: Any, np: Any) -> tuple[tuple[int, ...], str]:
    """A dataset's shape and dtype name, after the checks Keras's loading implies: a numeric
    dtype (not a string, compound or enum type), a size a machine can hold, and its data
    actually stored (a chunked dataset declaring terabytes with no storage is not a saved
    variable)."""
    dtype = dataset.dtype
    if dtype.kind == "V" and dtype.fields is None:
        # Keras stores dtypes HDF5 lacks (bfloat16, float8) as opaque bytes and names the
        # real dtype in the dataset's "dtype" attribute; nothing else is a variable.
        named = _opaque_dtype(dataset, h5py, np)
        if named is None or known_dtype_bytes(named) != dtype.itemsize:
            raise StaticUnsupported(
                f"{WEIGHTS_MEMBER}: dataset {path!r} holds opaque {dtype.itemsize}-byte "
                "values with no numeric dtype Keras would give them"
            )
        shape = tuple(int(d) for d in (dataset.shape or ()))
        _check_stored(dataset, path, shape, dtype.itemsize)
        return shape, named
    # h5py marks enum (and boolean) types in the numpy dtype's metadata.
    if dtype.kind not in _NUMERIC_KINDS or dtype.metadata:
        raise StaticUnsupported(
            f"{WEIGHTS_MEMBER}: dataset {path!r} holds {dtype}, not numbers a variable holds"
        )
    shape = tuple(int(d) for d in (dataset.shape or ()))
    _check_stored(dataset, path, shape, dtype.itemsize)
    return shape, str(dtype.name)


def _check_stored(dataset: Any, path: str, shape: tuple[int, ...], itemsize: int) -> None:
    """Refuse a size no machine can build, or a dataset whose values were never stored."""
    nbytes = math.prod(shape) * itemsize
    if nbytes > MAX_VARIABLE_BYTES:
        raise StaticUnsupported(
            f"{WEIGHTS_MEMBER}: dataset {path!r} declares shape {shape} ({nbytes:,} bytes), "
            "beyond what any machine can build"
        )
    stored = dataset.get_storage_size() if nbytes else 0
    if stored < nbytes and dataset.get_create_plist().get_nfilters() == 0:
        raise StaticUnsupported(
            f"{WEIGHTS_MEMBER}: dataset {path!r} declares {nbytes:,} bytes but stores "
            f"{stored:,}; its values were never saved"
        )


def _opaque_dtype(dataset: Any, h5py: Any, np: Any) -> str | None:
    """The dtype Keras recorded for an opaque dataset (``bfloat16``), or ``None``."""
    attribute = _open_attribute(dataset, b"dtype", h5py)
    if attribute is None:
        return None
    value = np.empty(attribute.shape, dtype=attribute.dtype)
    attribute.read(value)
    saved = value[()]
    text = saved.decode("utf-8", "replace") if isinstance(saved, bytes) else str(saved)
    return text if text.isidentifier() and len(text) <= 32 else None


def _open_attribute(owner: Any, name: bytes, h5py: Any) -> Any:
    """The attribute, or ``None``: one lookup, where ``exists`` then ``open`` would be two."""
    try:
        return h5py.h5a.open(owner, name)
    except KeyError:
        return None


def _data_offset(file: Path, info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes start: after its local header, whose extra field may
    differ in length from the central directory's copy."""
    with open(file, "rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise StaticUnsupported(f"the zip entry of {info.filename} is damaged")
    name_length: int
    extra_length: int
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_length + extra_length


def dataset_count(group: Any) -> int:
    if group is None:
        return 0
    return int(group.dataset_count())


def dataset_count_deep(group: _Group | None) -> int:
    return 0 if group is None else group.dataset_count_deep()
