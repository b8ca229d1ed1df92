"""The static engine: ``.keras`` archive -> CapturedModel, without TensorFlow or Keras.

A ``.keras`` file is a zip archive holding ``config.json`` (every layer's config, the graph
as ``inbound_nodes`` whose Keras tensors record their shapes, and each layer's
``build_config``) and ``model.weights.h5`` (each layer's variables as datasets
``<walk path>/vars/0..n``). This module reads the config and only the *metadata* of the
weights file (dataset shapes and dtypes, never the tensor data), and produces the very
report :func:`layerscope.capture.capture` would produce for ``keras.saving.load_model`` of
the same file -- in a fraction of the time and memory, and for files larger than memory.

Models whose config holds no layer graph (keras_hub's, subclassed models) are read by
:mod:`layerscope.static_hub`; a custom layer inside a graph is read from its weights group,
its unknowns listed as gaps (:class:`StaticRead`).

Exactness comes first: whenever the engine cannot be sure (a legacy ``.h5`` file, a layer
class whose variables it does not know, a quantized layer, an output shape it cannot infer,
a weights group that does not hold what the config implies) it raises
:class:`StaticUnsupported` with the reason, and ``--engine auto`` falls back to Keras.

Why the rules below look the way they do:

* Keras saves each container's ``layers`` list under keys made from the layer *class* name
  (``dense``, ``dense_1``...), in ``model.layers`` order (``saving_lib._save_container_state``),
  and each sublayer under the attribute holding it (``cell``, ``forward_layer``,
  ``query_dense``...). Each ``vars`` group carries the layer's name, which we check.
* A layer saves ``_trainable_variables + _non_trainable_variables`` by index, so per class
  we know the names, order and trainability (:data:`_LAYOUTS`).
* The config is never trusted on its own word: every size it gives (``units``, ``filters``,
  ``kernel_size``...) must be a plain int from 1 to :data:`MAX_SIZE`, every variable shape it
  implies (:data:`_VARIABLE_SHAPES`) must be the shape the weights file holds, and every
  output shape it implies must agree with the shape its consumers recorded. Keras rebuilds
  the model from the config and refuses such files; the report must not describe them.
* A variable's ``path`` is layerscope's own (see ``capture._Walker._variables``): the row's
  path, the names of the sublayers holding it, then its name -- ``bilstm/forward_lstm/
  lstm_cell/kernel``. Sublayer names come from the ``name`` attribute of their saved groups.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerscope._gc import gc_paused
from layerscope.errors import LayerscopeError
from layerscope.report import (
    CapturedModel,
    Edge,
    LayerReport,
    Shape,
    Variable,
    known_dtype_bytes,
)
from layerscope.roles import variable_role

__all__ = ["SUPPORTED_CLASSES", "StaticRead", "StaticUnsupported", "read_model", "read_model_file"]


class StaticUnsupported(LayerscopeError):
    """The static engine cannot produce an exact report for this file; the message says why.

    ``--engine auto`` catches it and loads the model with Keras instead.
    """

    gaps: tuple[str, ...] = ()
    """What the engine could not derive, when it could read the file's rows at all."""
    module: str = ""
    """The module of the model's class (``keras_hub.src...``), when the config says."""


WEIGHTS_MEMBER = "model.weights.h5"
CONFIG_MEMBER = "config.json"
DEFAULT_POLICY = "float32"


# -- entry point -----------------------------------------------------------------------------


def read_model_file(
    path: str | os.PathLike[str],
    *,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> CapturedModel:
    """Read a ``.keras`` archive into an un-analysed :class:`CapturedModel` (engine ``static``).

    Raises :class:`StaticUnsupported` when the report could not be exact, and the usual
    :class:`~layerscope.errors.ModelLoadError` subclasses for files that are not models.
    ``seq_len`` / ``input_shapes`` fill the unknown input sizes of the keras_hub models the
    engine knows (see :mod:`layerscope.static_hub`).
    """
    result = read_model(path, seq_len=seq_len, input_shapes=input_shapes)
    if result.gaps:
        error = StaticUnsupported("; ".join(result.gaps[:2]))
        error.gaps = result.gaps
        error.module = result.module
        raise error
    return result.report


def read_model(
    path: str | os.PathLike[str],
    *,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> StaticRead:
    """Like :func:`read_model_file`, but a file whose classes the engine does not know is
    still read from its weights file: the report then lists its gaps instead of raising."""
    from layerscope.loading import H5_SUFFIXES, check_model_path
    from layerscope.static_hub import read_hub_model

    source = os.fspath(path)
    try:
        with gc_paused():  # see layerscope._gc; the file checks parse config.json too
            file = check_model_path(path)
            if file.suffix.lower() in H5_SUFFIXES:
                raise StaticUnsupported(
                    "legacy .h5 files keep the model in Keras 2's format, which only Keras "
                    "can rebuild"
                )
            with zipfile.ZipFile(file) as archive:
                config = _read_config(archive, file)
                check_config(config)
                weights = _open_weights(archive, file)
            module = str(config.get("module") or "")
            try:
                if str(config.get("class_name")) not in MODEL_CLASSES:
                    hub = read_hub_model(config, weights, source, seq_len, input_shapes)
                    return StaticRead(hub.report, hub.gaps, module)
                if seq_len is not None or input_shapes:
                    raise StaticUnsupported(
                        "an input size (--seq-len / --input-shape) is measured by calling the "
                        "model, which the static engine does not do for a graph model"
                    )
                reader = _ModelReader(weights)
                report = reader.report(config, source)
                return StaticRead(report, (*reader.gaps, *reader.shape_gaps), module)
            except StaticUnsupported as error:
                error.module = module
                raise
            except LayerscopeError:
                raise  # a usage error (an --input-shape name the model lacks) stays one
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
                raise StaticUnsupported(
                    f"unexpected structure in the archive ({type(error).__name__}: {error})"
                ) from error
    except RecursionError as error:
        raise StaticUnsupported(f"{_describe(path)}: the model is nested too deeply") from error
    except MemoryError as error:
        raise StaticUnsupported(f"{_describe(path)}: out of memory while reading it") from error


def _describe(path: str | os.PathLike[str]) -> str:
    from layerscope.loading import describe

    return describe(path)


@dataclass(frozen=True)
class StaticRead:
    """What the static engine read: the report, what it could not derive, and the module
    the model's class comes from (``keras_hub.src.models...``: what Keras would need)."""

    report: CapturedModel
    gaps: tuple[str, ...] = ()
    module: str = ""


def _read_config(archive: zipfile.ZipFile, file: Path) -> dict[str, Any]:
    from layerscope.loading import MAX_CONFIG_BYTES, check_config_budget

    with archive.open(CONFIG_MEMBER) as handle:
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise StaticUnsupported(f"{CONFIG_MEMBER} is larger than {MAX_CONFIG_BYTES} bytes")
    check_config_budget(data, CONFIG_MEMBER)  # bounded memory before json builds anything
    try:
        config = json.loads(data)
    except ValueError as error:
        raise StaticUnsupported(f"{CONFIG_MEMBER} is not valid JSON ({error})") from error
    if not isinstance(config, dict):
        raise StaticUnsupported(f"{CONFIG_MEMBER} does not hold a model config")
    return config


KERAS_ACTIVATIONS = frozenset(
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
    "leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink "
    "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh "
    "tanh_shrink threshold".split()
)
"""``keras.activations``' names (Keras 3.15): any other activation is a custom one (which
needs its definition, so Keras) or a refusal (``os.system`` is not an activation)."""
_ACTIVATION_KEYS = ("activation", "recurrent_activation")


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse a config Keras's loader refuses, before anything is derived from it: a layer
    name holding ``/`` (a top-level ``enc/d`` would collide with model ``enc``'s layer
    ``d``), a graph reference to a layer that does not exist or to a call it never made, an
    activation that is not Keras's, a ``build_config`` no machine can build or that
    contradicts the graph."""
    stack: list[Mapping[str, Any]] = [config]
    try:
        while stack:
            serialized = stack.pop()
            _check_module(serialized)
            inner = serialized.get("config") or {}
            entries = inner.get("layers") or []
            if not isinstance(entries, list):
                raise StaticUnsupported("a model's layers are not a list")
            names: dict[str, Mapping[str, Any]] = {}
            for entry in entries:
                layer_config = entry.get("config") or {}
                name = entry.get("name") or layer_config.get("name")
                if not isinstance(name, str) or not name or "/" in name:
                    raise StaticUnsupported(
                        f"layer name {name!r} is not one Keras accepts (a non-empty string "
                        "without '/')"
                    )
                names[name] = entry
                _check_module(entry)
                if entry.get("class_name") != "InputLayer":  # its dtype is a tensor's
                    _check_dtype(name, layer_config)
                _check_activations(name, layer_config)
                _check_serialized_arguments(name, layer_config)
                _check_registered_names(name, layer_config)
                _check_build_config(name, entry)
                if str(entry.get("class_name")) in MODEL_CLASSES:
                    stack.append(entry)
            if serialized.get("class_name") == "Functional":
                _check_references(inner, names)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise StaticUnsupported(
            f"unexpected structure in {CONFIG_MEMBER} ({type(error).__name__}: {error})"
        ) from error


_MODEL_MODULES = {
    "Sequential": frozenset({"keras", "keras.models", "keras.src.models.sequential"}),
    "Functional": frozenset({"keras.src.models.functional"}),
}
"""Where Keras finds its model classes: it imports ``module`` and takes ``class_name`` from
it, so ``Sequential`` without a module, or ``Dense`` from ``keras.models``, is refused."""


def _check_module(entry: Mapping[str, Any]) -> None:
    class_name = entry.get("class_name")
    module = entry.get("module")
    if class_name in _MODEL_MODULES:
        allowed = module in _MODEL_MODULES[class_name]
    else:
        # Only Keras's own namespace is checked here: ``keras_hub.src...`` (or any other
        # package) is another package's class, read by the keras_hub reader or left to Keras.
        text = module if isinstance(module, str) else ""
        in_keras = text == "keras" or text.startswith("keras.")
        allowed = not in_keras or text == "keras.layers" or text.startswith("keras.src.")
    if not allowed:
        raise StaticUnsupported(
            f"class {class_name!r} from module {module!r} is not where Keras keeps it"
        )
    registered = entry.get("registered_name")
    if registered is not None and not isinstance(registered, str):
        # Keras looks a class up by this name; a list or number makes it fail.
        raise StaticUnsupported(f"class {class_name!r} is registered as {registered!r}")


def _check_registered_names(name: str, layer_config: Mapping[str, Any]) -> None:
    """Every serialised object inside a layer's config (its dtype policy, initializers,
    regularizers...) is looked up by ``registered_name`` when Keras rebuilds it: a list or
    a number there makes Keras fail ("unhashable type"), so the file is refused."""
    stack: list[Any] = list(layer_config.values())
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            registered = value.get("registered_name")
            if "class_name" in value and registered is not None and not isinstance(registered, str):
                raise StaticUnsupported(
                    f"layer {name!r}: {value.get('class_name')!r} is registered as "
                    f"{registered!r}, which Keras cannot look up"
                )
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


_POLICIES = frozenset(
    {"float16", "bfloat16", "float32", "float64", "mixed_float16", "mixed_bfloat16"}
)
"""The dtype policies the engine reads; a quantized or unknown one is left to Keras."""


def _check_dtype(name: str, config: Mapping[str, Any]) -> None:
    """A layer's serialised ``DTypePolicy`` as Keras deserialises it: a bare ``{"config":
    {"name": ...}}`` without its class, or a ``DTypePolicy`` naming no policy, is refused by
    Keras. (Policy names given as strings, and Keras's other policy classes such as the
    quantized ones, are the reader's business.)"""
    value = config.get("dtype")
    if not isinstance(value, Mapping):
        return
    class_name, module = value.get("class_name"), value.get("module")
    if isinstance(class_name, str) and class_name != "DTypePolicy" and isinstance(module, str):
        return
    inner = value.get("config")
    policy = inner.get("name") if isinstance(inner, Mapping) else None
    if class_name != "DTypePolicy" or module != "keras" or policy not in _POLICIES:
        raise StaticUnsupported(f"layer {name!r}: dtype {value!r} is not a policy Keras reads")


_KERAS_ARGUMENTS = {
    "_initializer": frozenset(
        "Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer "
        "LecunNormal LecunUniform Ones Orthogonal OrthogonalInitializer RandomNormal "
        "RandomUniform STFT STFTInitializer TruncatedNormal VarianceScaling Zeros constant "
        "glorot_normal glorot_uniform he_normal he_uniform identity lecun_normal lecun_uniform "
        "normal one ones orthogonal random_normal random_uniform stft truncated_normal uniform "
        "variance_scaling zero zeros".split()
    ),
    "_regularizer": frozenset(
        "L1 L1L2 L2 OrthogonalRegularizer l1 l1l2 l2 orthogonal_regularizer".split()
    ),
    "_constraint": frozenset(
        "MaxNorm MinMaxNorm NonNeg UnitNorm max_norm min_max_norm non_neg unit_norm".split()
    ),
}
"""Keras 3.15's initializers, regularizers and constraints by name: the layer arguments
Keras deserialises while loading (an unknown one, or a serialised one without its
``class_name``, makes Keras refuse the file)."""


def _check_serialized_arguments(name: str, config: Mapping[str, Any]) -> None:
    for key, value in config.items():
        known = next((names for end, names in _KERAS_ARGUMENTS.items() if key.endswith(end)), None)
        if known is None or value is None:
            continue
        class_name = value
        if isinstance(value, Mapping):
            module = value.get("module")
            class_name = value.get("class_name")
            if not isinstance(module, str) or not module.startswith("keras"):
                class_name = None
            if not isinstance(value.get("config", {}), Mapping):
                class_name = None  # Keras: "Expected 'config' to be a dict"
        if not isinstance(class_name, str) or class_name not in known:
            raise StaticUnsupported(f"layer {name!r}: {key} {value!r} is not one Keras reads")


def _check_activations(name: str, config: Mapping[str, Any]) -> None:
    for key in _ACTIVATION_KEYS:
        value = config.get(key)
        if isinstance(value, Mapping):  # {"module": "keras.activations", "config": "relu"...}
            module = value.get("module")
            value = value.get("config") if isinstance(module, str) else None
            if not isinstance(module, str) or not module.startswith("keras"):
                value = repr(config.get(key))
        if value is not None and value not in KERAS_ACTIVATIONS:
            raise StaticUnsupported(f"layer {name!r}: {key} {value!r} is not a Keras activation")


def _check_build_config(name: str, entry: Mapping[str, Any]) -> None:
    build = entry.get("build_config")
    if build is None:
        return
    shape = build.get("input_shape") if isinstance(build, Mapping) else None
    if not isinstance(shape, list) or not _is_flat_shape(shape):
        return  # several inputs, or none recorded: the graph's shapes decide
    if any(d is not None and (isinstance(d, bool) or not 0 <= d <= MAX_SIZE) for d in shape):
        raise StaticUnsupported(f"layer {name!r}: build_config input shape {shape!r} is absurd")
    nodes = entry.get("inbound_nodes") or []
    if not nodes or not isinstance(nodes[0], Mapping):
        return
    tensors = list(_flat_tensors([nodes[0].get("args", []), nodes[0].get("kwargs", {})]))
    if len(tensors) != 1:
        return
    called = tensors[0].get("shape")
    if isinstance(called, list) and (
        len(called) != len(shape)
        or any(
            a is not None and b is not None and a != b for a, b in zip(called, shape, strict=False)
        )
    ):
        raise StaticUnsupported(
            f"layer {name!r}: build_config input shape {shape!r} contradicts the graph's {called!r}"
        )


def _check_references(config: Mapping[str, Any], names: Mapping[str, Mapping[str, Any]]) -> None:
    """Every ``keras_history`` and graph end names a layer of this graph, a call it made
    and a plain tensor index."""
    calls = {
        name: len(entry.get("inbound_nodes") or [])
        + (1 if str(entry.get("class_name")) in MODEL_CLASSES else 0)
        for name, entry in names.items()
    }

    def check(source: Any, node: Any, tensor: Any, where: str) -> None:
        if not isinstance(source, str) or source not in names:
            raise StaticUnsupported(f"{where} refers to a layer {source!r} that does not exist")
        for what, value, limit in (
            ("node", node, max(1, calls[source])),
            ("tensor", tensor, MAX_SIZE),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
                raise StaticUnsupported(
                    f"{where} refers to {what} {value!r} of layer {source!r}, which does not exist"
                )

    for name, entry in names.items():
        for raw in entry.get("inbound_nodes") or []:
            if not isinstance(raw, Mapping):
                continue  # pre-Keras-3 nodes: the reader declines them
            for tensor in _flat_tensors([raw.get("args", []), raw.get("kwargs", {})]):
                history = tensor.get("keras_history")
                if not isinstance(history, list) or len(history) != 3:
                    raise StaticUnsupported(f"layer {name!r} has an unreadable input reference")
                check(history[0], history[1], history[2], f"layer {name!r}")
    for key in ("input_layers", "output_layers"):
        for end in _history_list(config.get(key, [])):
            check(*end, f"the model's {key}")


# -- the weights file: metadata only -----------------------------------------------------------


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
        base = {0: 0, 1: self._position, 2: self._size}[whence]
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
        view = memoryview(buffer).cast("B")
        count = self._count(len(view))
        got = os.preadv(self._fd, [view[:count]], self._start + self._position)
        self._position += got
        self.bytes_read += got
        return got

    def close(self) -> None:
        os.close(self._fd)


class _Weights:
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

    index: _Weights
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


def _open_weights(archive: zipfile.ZipFile, file: Path) -> _Weights:
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


def _index_weights(stream: Any) -> _Weights:
    import h5py
    import numpy as np

    try:
        handle = h5py.File(stream, "r")
    except OSError as error:
        raise StaticUnsupported(
            f"{WEIGHTS_MEMBER} is not a readable HDF5 file ({error})"
        ) from error
    index = _Weights()
    try:
        _fill_index(index, handle, h5py, np)
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
        raise StaticUnsupported(f"{WEIGHTS_MEMBER} could not be indexed ({error})") from error
    finally:
        handle.close()
    return index


def _fill_index(index: _Weights, handle: Any, h5py: Any, np: Any) -> None:
    cache = handle.id.get_mdc_config()
    cache.set_initial_size = True
    cache.initial_size = METADATA_CACHE_BYTES
    cache.max_size = max(cache.max_size, METADATA_CACHE_BYTES)
    handle.id.set_mdc_config(cache)
    root = h5py.h5g.open(handle.id, b"/")
    budget = _Budget({h5py.h5o.get_info(root).addr})
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
    links: int = 0


def _index_group(
    index: _Weights, group: Any, path: str, h5py: Any, np: Any, budget: _Budget, depth: int = 0
) -> None:
    """Index ``group`` depth first, opening each object once, relative to its parent.

    Opening by full path from the root would search the big ``layers`` group again for
    every dataset and attribute, which grows faster than the layer count.
    """
    if depth > MAX_GROUP_DEPTH:
        raise StaticUnsupported(f"{WEIGHTS_MEMBER} nests groups more than {MAX_GROUP_DEPTH} deep")
    children = index.children.setdefault(path, [])
    names: list[bytes] = []
    # One H5Literate pass; iterating a GroupID asks for each name by position, which walks
    # an old-style group's B-tree from the start every time (quadratic in its size).
    group.links.iterate(names.append)
    budget.links += len(names)
    if budget.links > MAX_LINKS:
        raise StaticUnsupported(f"{WEIGHTS_MEMBER} holds more than {MAX_LINKS:,} links")
    for raw_name in names:
        name = raw_name.decode("utf-8", "replace")
        child_path = f"{path}/{name}" if path else name
        children.append(name)
        child = h5py.h5o.open(group, raw_name)
        if isinstance(child, h5py.h5d.DatasetID):
            index.datasets[child_path] = _dataset_entry(child, child_path, h5py, np)
        elif isinstance(child, h5py.h5g.GroupID):
            address = h5py.h5o.get_info(child).addr
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


# -- Keras naming ------------------------------------------------------------------------------


def to_snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case``: how the weights file names a saved layer's group."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_APPLICATION_LAYERS = {
    "LayerScale": "keras.src.applications.convnext",
    "StochasticDepth": "keras.src.applications.convnext",
    "CustomScaleLayer": "keras.src.applications.inception_resnet_v2",
}
"""The custom layers keras.applications define, each known only from its own module."""


def _class_of(entry: Mapping[str, Any]) -> str:
    """The entry's class name, once it is sure to be Keras's own class of that name.

    A user's registered class may share a built-in's name (``my_pkg>Dense``); only Keras's
    own classes have the variables and shapes this module knows, so anything else declines.
    """
    class_name = str(entry.get("class_name"))
    module = str(entry.get("module") or "")
    registered = entry.get("registered_name")
    expected_module = _APPLICATION_LAYERS.get(class_name)
    is_keras = module == "keras" or module.startswith("keras.")
    if (
        not is_keras
        or (registered is not None and registered != class_name)
        or (expected_module is not None and module != expected_module)
    ):
        shown = registered or f"{module}.{class_name}"
        raise StaticUnsupported(f"layer class {shown!r} is not known to the static engine")
    return class_name


def _custom_class(entry: Mapping[str, Any]) -> str | None:
    """The class name of a layer that is not Keras's own (a user's or keras_hub's), as
    Keras shows it; ``None`` for Keras's classes and graph operations."""
    if _is_operation(entry):
        return None
    try:
        _class_of(entry)
    except StaticUnsupported:
        return str(entry.get("class_name"))
    return None


def _nested_layer_configs(value: Any) -> Iterator[Mapping[str, Any]]:
    """Serialised layers nested anywhere in a custom layer's config."""
    if isinstance(value, Mapping):
        if "class_name" in value and isinstance(value.get("config"), Mapping):
            if "name" in value["config"]:
                yield value
        for item in value.values():
            yield from _nested_layer_configs(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _nested_layer_configs(item)


def _is_operation(entry: Mapping[str, Any]) -> bool:
    """A graph operation that is not a layer (``x + 3.0`` in MobileNetV3 is a
    ``keras.src.ops.numpy.Add``): a row with no variables, no weights group and no policy."""
    return str(entry.get("module", "")).startswith(("keras.src.ops", "keras.ops"))


def _unique_keys(entries: Sequence[Mapping[str, Any]]) -> list[str | None]:
    """Keras's ``_get_unique_name`` over a container's layers: dense, dense_1, dense_2...

    Operations are not in ``model.layers``, so they get no weights group (``None``)."""
    used: dict[str, int] = {}
    keys: list[str | None] = []
    for entry in entries:
        if _is_operation(entry):
            keys.append(None)
            continue
        key = to_snake_case(str(entry["class_name"]))
        if key in used:
            used[key] += 1
            keys.append(f"{key}_{used[key]}")
        else:
            used[key] = 0
            keys.append(key)
    return keys


# -- hyper-parameters: checked before anything is derived from them ----------------------------

MAX_SIZE = 2**31 - 1
"""The largest size (units, filters, a dimension...) the engine accepts: Keras refuses a
config it cannot build, and a report built from an absurd ``units`` would be fiction."""

_REQUIRED = object()


def _layer_name(config: Mapping[str, Any]) -> str:
    return repr(config.get("name"))


def _check_size(value: Any, what: str, config: Mapping[str, Any], minimum: int = 1) -> int:
    """``value`` as a size, or :class:`StaticUnsupported`: a plain int (not a bool, not a
    float, not a string) from ``minimum`` to :data:`MAX_SIZE`."""
    if isinstance(value, bool) or not isinstance(value, int) or not (minimum <= value <= MAX_SIZE):
        raise StaticUnsupported(
            f"layer {_layer_name(config)}: {what} is {value!r}, not a whole number from "
            f"{minimum} to {MAX_SIZE}"
        )
    return value


def _size(config: Mapping[str, Any], key: str, default: Any = _REQUIRED, minimum: int = 1) -> int:
    """The config's ``key`` as a checked size (see :func:`_check_size`)."""
    value = config.get(key)
    if value is None and default is not _REQUIRED:
        return int(default)
    return _check_size(value, key, config, minimum)


def _sizes(
    config: Mapping[str, Any], key: str, rank: int, default: Any = _REQUIRED, minimum: int = 1
) -> tuple[int, ...]:
    """A per-dimension argument (``kernel_size``, ``strides``...): one checked size, or one
    per spatial dimension."""
    value = config.get(key)
    if value is None and default is not _REQUIRED:
        value = default
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise StaticUnsupported(
                f"layer {_layer_name(config)}: {key} {list(value)!r} does not have {rank} entries"
            )
        return tuple(_check_size(v, key, config, minimum) for v in value)
    return (_check_size(value, key, config, minimum),) * rank


def _axis(value: Any, rank: int, config: Mapping[str, Any]) -> int:
    """An axis index, made non-negative, for a tensor of ``rank`` dimensions."""
    if isinstance(value, bool) or not isinstance(value, int) or not -rank <= value < rank:
        raise StaticUnsupported(
            f"layer {_layer_name(config)}: axis {value!r} is out of range for rank {rank}"
        )
    return value % rank


# -- per-class knowledge: variables ------------------------------------------------------------


Pattern = tuple[int | None, ...]
"""A variable shape the config implies; ``None`` where it does not say (an unknown input)."""


@dataclass(frozen=True)
class _VarSpec:
    """One variable a layer class creates: its short name and whether it is created trainable."""

    name: str
    trainable: bool = True
    auto_named: bool = False
    """Created without a name: Keras numbers such variables with a session-wide counter
    ("variable", "variable_1"...). The engine numbers them as a fresh session loading the
    file does, in the order the layers are built."""
    stored_at: int | None = None
    """Its dataset index in the layer's ``vars`` group when that differs from its position
    (quantized layers save in their own order but list trainable variables first)."""


@dataclass(frozen=True)
class _SubSpec:
    """A sublayer saved under ``attribute``, with its class, layout and trainable flag."""

    attribute: str
    class_name: str
    config: Mapping[str, Any]
    shapes: Mapping[str, Pattern] | None = None
    """The sublayer's variable shapes as its owner's config implies them (MultiHeadAttention's
    EinsumDense projections); ``None``: from the sublayer's own rule."""


Layout = tuple[tuple[_VarSpec, ...], tuple[_SubSpec, ...]]
"""A class's own variables (save order) and its sublayers (in ``_layers`` order)."""

_NO_VARIABLES: Layout = ((), ())


def _vars(*specs: tuple[str, bool] | str) -> tuple[_VarSpec, ...]:
    return tuple(_VarSpec(s) if isinstance(s, str) else _VarSpec(*s) for s in specs)


def _kernel_bias(config: Mapping[str, Any], kernel: str = "kernel") -> Layout:
    names: list[str] = [kernel]
    if config.get("use_bias", True):
        names.append("bias")
    return _vars(*names), ()


def _dense_layout(config: Mapping[str, Any]) -> Layout:
    mode = _quantization_mode(config)
    if mode is not None:
        return _quantized_dense_layout(config, mode)
    _require_plain(config)
    return _kernel_bias(config)


_QUANTIZED_POLICIES = frozenset(
    {"QuantizedDTypePolicy", "Int4DTypePolicy", "QuantizedFloat8DTypePolicy"}
)
_FLOAT8_EXTRAS = (
    "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
    "outputs_grad_scale", "outputs_grad_amax_history",
)  # fmt: skip


def _quantization_mode(config: Mapping[str, Any]) -> str | None:
    """``int8``, ``int4``, ``int4/128``, ``float8``... for a layer ``model.quantize`` changed
    (its dtype policy says so); ``None`` for a plain layer."""
    if config.get("lora_rank"):
        return None  # left to _require_plain, which refuses it
    dtype = config.get("dtype")
    if not isinstance(dtype, Mapping) or dtype.get("class_name") not in _QUANTIZED_POLICIES:
        return None
    mode = (dtype.get("config") or {}).get("mode")
    if not isinstance(mode, str):
        raise StaticUnsupported(f"layer {config.get('name')!r}: unreadable quantization mode")
    return mode


def _int4_block_size(config: Mapping[str, Any], mode: str) -> int | None:
    """The int4 block (group) size, ``None`` for one scale per output channel."""
    if "/" in mode:
        text = mode.split("/", 1)[1]
        if not text.isdigit():
            raise StaticUnsupported(f"layer {config.get('name')!r}: quantization mode {mode!r}")
        return _check_size(int(text), "block size", config)
    quantization = (config.get("quantization_config") or {}).get("config") or {}
    size = quantization.get("block_size")
    return None if size in (None, -1) else _check_size(size, "block_size", config)


def _quantized_dense_layout(
    config: Mapping[str, Any], mode: str, bias_key: str = "use_bias"
) -> Layout:
    """Dense/EinsumDense after ``model.quantize``: saved in ``variable_serialization_spec``
    order (kernel, bias, then the mode's scales), listed trainable ones first. EinsumDense
    has a bias when it has ``bias_axes``."""
    bias = ["bias"] if config.get(bias_key, bias_key == "use_bias") else []
    if mode == "int8":
        extras: list[str] = ["kernel_scale"]
    elif mode.split("/")[0] == "int4":
        extras = ["kernel_scale"]
        if _int4_block_size(config, mode) is not None:
            extras += ["kernel_zero", "g_idx"]
    elif mode == "float8":
        extras = list(_FLOAT8_EXTRAS)
    else:
        raise StaticUnsupported(f"layer {config.get('name')!r}: quantization mode {mode!r}")
    saved = {name: index for index, name in enumerate(["kernel", *bias, *extras])}
    if mode == "float8":  # everything trainable; the scales are built before the kernel
        order = [(name, True) for name in [*extras, "kernel", *bias]]
    else:
        order = [(name, True) for name in bias] + [(name, False) for name in ["kernel", *extras]]
    return tuple(_VarSpec(n, t, stored_at=saved[n]) for n, t in order), ()


def _einsum_layout(config: Mapping[str, Any]) -> Layout:
    mode = _quantization_mode(config)
    if mode is not None:
        return _quantized_dense_layout(config, mode, bias_key="bias_axes")
    _require_plain(config)
    return _vars("kernel", *(("bias",) if config.get("bias_axes") else ())), ()


def _require_plain(config: Mapping[str, Any]) -> None:
    """Quantized and LoRA layers save extra, mode-dependent variables; leave them to Keras."""
    if config.get("lora_rank"):
        raise StaticUnsupported(
            f"layer {config.get('name')!r} is quantized or uses LoRA, whose saved variables "
            "depend on the mode"
        )
    dtype = config.get("dtype")
    plain_policies = (None, "DTypePolicy", "FloatDTypePolicy")  # the last: older Keras 3
    if isinstance(dtype, Mapping) and dtype.get("class_name") not in plain_policies:
        raise StaticUnsupported(
            f"layer {config.get('name')!r} has the dtype policy {dtype.get('class_name')!r}"
        )


def _conv_layout(config: Mapping[str, Any]) -> Layout:
    _require_plain(config)
    return _kernel_bias(config)


def _separable_layout(config: Mapping[str, Any]) -> Layout:
    names = ["depthwise_kernel", "pointwise_kernel"]
    if config.get("use_bias", True):
        names.append("bias")
    return _vars(*names), ()


def _batch_norm_layout(config: Mapping[str, Any]) -> Layout:
    names: list[tuple[str, bool]] = []
    if config.get("scale", True):
        names.append(("gamma", True))
    if config.get("center", True):
        names.append(("beta", True))
    names += [("moving_mean", False), ("moving_variance", False)]
    return _vars(*names), ()


def _scale_center_layout(config: Mapping[str, Any]) -> Layout:
    names = []
    if config.get("scale", True):
        names.append("gamma")
    if config.get("center", True):
        names.append("beta")
    return _vars(*names), ()


def _rms_layout(config: Mapping[str, Any]) -> Layout:
    return _vars("scale"), ()


def _normalization_layout(config: Mapping[str, Any]) -> Layout:
    if config.get("mean") is not None:
        return _NO_VARIABLES  # fixed statistics live in the config, not in variables
    return _vars(("mean", False), ("variance", False), ("count", False)), ()


def _embedding_layout(config: Mapping[str, Any]) -> Layout:
    mode = _quantization_mode(config)
    if mode == "int8":
        return _vars(("embeddings", False), ("embeddings_scale", False)), ()
    if mode is not None and mode.split("/")[0] == "int4":
        names = ["embeddings", "embeddings_scale"]
        if _int4_block_size(config, mode) is not None:
            names += ["embeddings_zero", "g_idx"]
        return _vars(*((name, False) for name in names)), ()
    if mode is not None:
        raise StaticUnsupported(f"layer {config.get('name')!r}: quantization mode {mode!r}")
    _require_plain(config)
    return _vars("embeddings"), ()


_CELLS = {"LSTM": "LSTMCell", "GRU": "GRUCell", "SimpleRNN": "SimpleRNNCell"}


def _rnn_layout(class_name: str) -> Callable[[Mapping[str, Any]], Layout]:
    def layout(config: Mapping[str, Any]) -> Layout:
        cell_config = {
            "name": config.get("name"),
            "units": config.get("units"),
            "reset_after": config.get("reset_after", True),
            "use_bias": config.get("use_bias", True),
            "trainable": True,
        }
        return (), (_SubSpec("cell", _CELLS[class_name], cell_config),)

    return layout


def _cell_layout(config: Mapping[str, Any]) -> Layout:
    return _vars(
        *("kernel", "recurrent_kernel", *(("bias",) if config.get("use_bias", True) else ()))
    ), ()


def _bidirectional_layout(config: Mapping[str, Any]) -> Layout:
    forward = _serialized(config["layer"])
    backward = _serialized(config.get("backward_layer") or config["layer"])
    return (), (
        _SubSpec("forward_layer", forward[0], forward[1]),
        _SubSpec("backward_layer", backward[0], backward[1]),
    )


def _serialized(entry: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """A wrapped layer's (Bidirectional, TimeDistributed) class and config."""
    return _class_of(entry), entry.get("config") or {}


def _time_distributed_layout(config: Mapping[str, Any]) -> Layout:
    inner_class, inner_config = _serialized(config["layer"])
    return (), (_SubSpec("layer", inner_class, inner_config),)


def _attention_layout(config: Mapping[str, Any]) -> Layout:
    """MultiHeadAttention's four EinsumDense sublayers, in the order ``build`` makes them."""
    _require_plain(config)
    bias = "abc" if config.get("use_bias", True) else None
    dense = {"bias_axes": bias, "trainable": True}
    heads = _size(config, "num_heads")
    key_dim = _size(config, "key_dim")
    value_dim = _size(config, "value_dim", default=key_dim)
    output = config.get("output_shape")
    tail: Pattern = (None,)
    if output is not None:
        rank = len(output) if isinstance(output, (list, tuple)) else 1
        tail = _sizes(config, "output_shape", rank)
    shapes: dict[str, dict[str, Pattern]] = {
        "query_dense": {"kernel": (None, heads, key_dim), "bias": (heads, key_dim)},
        "key_dense": {"kernel": (None, heads, key_dim), "bias": (heads, key_dim)},
        "value_dense": {"kernel": (None, heads, value_dim), "bias": (heads, value_dim)},
        "output_dense": {"kernel": (heads, value_dim, *tail), "bias": tail},
    }
    return (), tuple(
        _SubSpec(attribute, "EinsumDense", dense, shapes[attribute])
        for attribute in ("query_dense", "key_dense", "value_dense", "output_dense")
    )


def _single(name: str, trainable: bool = True) -> Callable[[Mapping[str, Any]], Layout]:
    return lambda config: (_vars((name, trainable)), ())


def _none(config: Mapping[str, Any]) -> Layout:
    return _NO_VARIABLES


_LAYOUTS: dict[str, Callable[[Mapping[str, Any]], Layout]] = {
    "Dense": _dense_layout,
    "EinsumDense": _einsum_layout,
    "Embedding": _embedding_layout,
    "BatchNormalization": _batch_norm_layout,
    "LayerNormalization": _scale_center_layout,
    "GroupNormalization": _scale_center_layout,
    "RMSNormalization": _rms_layout,
    "Normalization": _normalization_layout,
    "PReLU": _single("alpha"),
    "LayerScale": lambda config: ((_VarSpec("variable", auto_named=True),), ()),
    "LSTM": _rnn_layout("LSTM"),
    "GRU": _rnn_layout("GRU"),
    "SimpleRNN": _rnn_layout("SimpleRNN"),
    "LSTMCell": _cell_layout,
    "GRUCell": _cell_layout,
    "SimpleRNNCell": _cell_layout,
    "Bidirectional": _bidirectional_layout,
    "TimeDistributed": _time_distributed_layout,
    "MultiHeadAttention": _attention_layout,
    "SeparableConv1D": _separable_layout,
    "SeparableConv2D": _separable_layout,
}
for _name in (
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
):
    _LAYOUTS[_name] = _conv_layout

_STATELESS = (
    "InputLayer",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Concatenate",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "Rescaling",
    "Identity",
    "UnitNormalization",
    "Masking",
    "StochasticDepth",
    "CustomScaleLayer",
    "Lambda",
    "Softmax",
)
for _name in _STATELESS:
    _LAYOUTS[_name] = _none

MODEL_CLASSES = ("Functional", "Sequential")
SUPPORTED_CLASSES: frozenset[str] = frozenset(_LAYOUTS) | frozenset(MODEL_CLASSES)
"""Every layer class the static engine reads (anything else falls back to Keras)."""


# -- per-class knowledge: variable shapes ------------------------------------------------------
#
# What a layer's config (and its input shape) implies for each variable's shape, as the
# class's ``build`` computes it. The weights file must hold exactly these shapes: Keras builds
# the layer from the config and refuses weights of any other shape, so a disagreement means
# the config is not the one the weights were saved with, and the report would mix the two.

ShapeList = list[Shape]
ShapeRule = Callable[[Mapping[str, Any], ShapeList], dict[str, Pattern]]


def _last(inputs: ShapeList) -> int | None:
    return inputs[0][-1] if inputs and inputs[0] else None


def _times(size: int | None, factor: int) -> int | None:
    return None if size is None else size * factor


def _dense_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    units = _size(config, "units")
    inputs_dim = _last(inputs)
    shapes: dict[str, Pattern] = {"kernel": (inputs_dim, units), "bias": (units,)}
    mode = _quantization_mode(config)
    if mode == "int8":
        shapes["kernel_scale"] = (units,)
    elif mode is not None and mode.split("/")[0] == "int4":
        # Two int4 values per int8 byte, packed along the units axis.
        shapes["kernel"] = (inputs_dim, (units + 1) // 2)
        block = _int4_block_size(config, mode)
        if block is None:
            shapes["kernel_scale"] = (units,)
        else:
            groups = None if inputs_dim is None else -(-inputs_dim // block)
            shapes.update(kernel_scale=(groups, units), kernel_zero=(groups, units))
            shapes["g_idx"] = (inputs_dim,)
    elif mode == "float8":
        history = (config.get("dtype") or {}).get("config", {}).get("amax_history_length", 1024)
        for name in _FLOAT8_EXTRAS:
            shapes[name] = (history,) if name.endswith("history") else ()
    return shapes


def _embedding_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    rows, columns = _size(config, "input_dim"), _size(config, "output_dim")
    mode = _quantization_mode(config)
    if mode == "int8":
        return {"embeddings": (rows, columns), "embeddings_scale": (rows,)}
    if mode is not None and mode.split("/")[0] == "int4":
        shapes: dict[str, Pattern] = {"embeddings": (rows, (columns + 1) // 2)}
        block = _int4_block_size(config, mode)
        if block is not None:
            groups = -(-columns // block)
            shapes.update(embeddings_scale=(rows, groups), embeddings_zero=(rows, groups))
            shapes["g_idx"] = (columns,)
        return shapes
    return {"embeddings": (rows, columns)}


def _conv_geometry(
    config: Mapping[str, Any], inputs: ShapeList
) -> tuple[tuple[int, ...], int | None, int]:
    """The kernel's spatial size, the input channels and the spatial rank of a conv call."""
    if not inputs or len(inputs[0]) < 3:
        raise StaticUnsupported(f"layer {_layer_name(config)}: no input shape to convolve")
    spatial, channels = _split_channels(config, inputs[0])
    rank = len(spatial)
    return _sizes(config, "kernel_size", rank), channels, rank


def _conv_variables(kind: str) -> ShapeRule:
    def rule(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
        kernel, channels, rank = _conv_geometry(config, inputs)
        if kind == "depthwise":
            multiplier = _size(config, "depth_multiplier", default=1)
            return {
                "kernel": (*kernel, channels, multiplier),
                "bias": (_times(channels, multiplier),),
            }
        filters = _size(config, "filters")
        if kind == "transposed":
            return {"kernel": (*kernel, filters, channels), "bias": (filters,)}
        if kind == "separable":
            multiplier = _size(config, "depth_multiplier", default=1)
            return {
                "depthwise_kernel": (*kernel, channels, multiplier),
                "pointwise_kernel": (*(1,) * rank, _times(channels, multiplier), filters),
                "bias": (filters,),
            }
        groups = _size(config, "groups", default=1)
        if channels is not None and channels % groups:
            raise StaticUnsupported(
                f"layer {_layer_name(config)}: {channels} input channels do not split into "
                f"{groups} groups"
            )
        per_group = None if channels is None else channels // groups
        return {"kernel": (*kernel, per_group, filters), "bias": (filters,)}

    return rule


def _axes_shape(config: Mapping[str, Any], inputs: ShapeList, default: Any = -1) -> Pattern:
    """The shape of a normalization's per-axis parameters: the input's sizes on ``axis``."""
    if not inputs:
        raise StaticUnsupported(f"layer {_layer_name(config)}: no input shape to normalize")
    shape = inputs[0]
    axis = config.get("axis", default)
    if axis is None:
        return ()
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return tuple(shape[a] for a in sorted(_axis(a, len(shape), config) for a in axes))


def _normalization_variables(names: tuple[str, ...]) -> ShapeRule:
    def rule(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
        shape = _axes_shape(config, inputs)
        return {name: shape for name in names}

    return rule


def _adapted_normalization_variables(
    config: Mapping[str, Any], inputs: ShapeList
) -> dict[str, Pattern]:
    shape = _axes_shape(config, inputs)
    return {"mean": shape, "variance": shape, "count": ()}


def _prelu_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    if not inputs:
        return {}
    shape: list[int | None] = list(inputs[0][1:])
    shared = config.get("shared_axes")
    axes = [] if shared is None else shared if isinstance(shared, (list, tuple)) else [shared]
    for axis in axes:
        if isinstance(axis, bool) or not isinstance(axis, int) or not 1 <= axis <= len(shape):
            raise StaticUnsupported(f"layer {_layer_name(config)}: shared axis {axis!r}")
        shape[axis - 1] = 1
    return {"alpha": tuple(shape)}


_GATES = {"LSTMCell": 4, "GRUCell": 3, "SimpleRNNCell": 1}


def _cell_rule(class_name: str) -> ShapeRule:
    """An RNN cell's kernels: ``gates`` blocks of ``units`` side by side; GRU's
    ``reset_after`` keeps two biases."""
    gates = _GATES[class_name]

    def rule(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
        units = _size(config, "units")
        width = units * gates
        two_biases = class_name == "GRUCell" and config.get("reset_after", True)
        bias: Pattern = (2, width) if two_biases else (width,)
        return {"kernel": (_last(inputs), width), "recurrent_kernel": (units, width), "bias": bias}

    return rule


_VARIABLE_SHAPES: dict[str, ShapeRule] = {
    "Dense": _dense_variables,
    "Embedding": _embedding_variables,
    "BatchNormalization": _normalization_variables(
        ("gamma", "beta", "moving_mean", "moving_variance")
    ),
    "LayerNormalization": _normalization_variables(("gamma", "beta")),
    "GroupNormalization": _normalization_variables(("gamma", "beta")),
    "RMSNormalization": _normalization_variables(("scale",)),
    "Normalization": _adapted_normalization_variables,
    "PReLU": _prelu_variables,
    "LayerScale": lambda config, inputs: {"variable": (_size(config, "projection_dim"),)},
    "Conv1D": _conv_variables("plain"),
    "Conv2D": _conv_variables("plain"),
    "Conv3D": _conv_variables("plain"),
    "Conv1DTranspose": _conv_variables("transposed"),
    "Conv2DTranspose": _conv_variables("transposed"),
    "Conv3DTranspose": _conv_variables("transposed"),
    "DepthwiseConv1D": _conv_variables("depthwise"),
    "DepthwiseConv2D": _conv_variables("depthwise"),
    "SeparableConv1D": _conv_variables("separable"),
    "SeparableConv2D": _conv_variables("separable"),
}
for _name in _GATES:
    _VARIABLE_SHAPES[_name] = _cell_rule(_name)


def _sub_inputs(class_name: str, inputs: ShapeList) -> ShapeList:
    """What a wrapper's sublayer is built on: an RNN's cell sees one step, a TimeDistributed
    layer one slice; a Bidirectional's layers see its input. Unknown otherwise."""
    if not inputs or len(inputs[0]) < 2:
        return []
    shape = inputs[0]
    if class_name in _CELLS:
        return [(shape[0], shape[-1])]
    if class_name == "TimeDistributed":
        return [(shape[0], *shape[2:])]
    if class_name == "Bidirectional":
        return [shape]
    return []


def _matches(pattern: Pattern, shape: tuple[int, ...]) -> bool:
    return len(pattern) == len(shape) and all(
        p is None or p == d for p, d in zip(pattern, shape, strict=True)
    )


def _shown(pattern: Pattern) -> str:
    """A shape as Python prints a tuple, ``?`` for a size the config leaves open."""
    dims = ", ".join("?" if d is None else str(d) for d in pattern)
    return f"({dims},)" if len(pattern) == 1 else f"({dims})"


# -- per-class knowledge: output shapes --------------------------------------------------------

ShapeFunction = Callable[[Mapping[str, Any], ShapeList], ShapeList]


def _same(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [inputs[0]]


def _dense_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [(*inputs[0][:-1], _size(config, "units"))]


def _einsum_dense_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList | None:
    """EinsumDense's output: the batch axis, then ``output_shape`` as configured (an axis
    left ``None`` there stays unknown in Keras's graph too); ``None`` for an equation with
    ``...``, whose output is taken from its consumers."""
    equation = str(config.get("equation", "")).replace(" ", "")
    match = re.fullmatch(r"([a-z]+),([a-z]+)->([a-z]+)", equation)
    if match is None or not inputs or len(inputs[0]) != len(match.group(1)):
        return None
    source, _, target = match.groups()
    given = config.get("output_shape")
    given = [given] if isinstance(given, int) else list(given or [])
    if len(given) == len(target) - 1:
        given = [inputs[0][0], *given]
    if len(given) != len(target):
        return None
    if source[0] != target[0]:
        return None
    return [tuple(None if d is None else int(d) for d in given)]


def _embedding_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [(*inputs[0], _size(config, "output_dim"))]


def _flatten_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    rest = shape[1:]
    size = None if any(d is None for d in rest) else math.prod(d for d in rest if d is not None)
    return [(shape[0], size)]


def _reshape_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    raw = config.get("target_shape")
    if not isinstance(raw, (list, tuple)):
        raise StaticUnsupported(f"layer {_layer_name(config)}: target_shape {raw!r}")
    free = [d for d in raw if d == -1 and not isinstance(d, bool)]
    if len(free) > 1:
        raise StaticUnsupported(f"layer {_layer_name(config)}: target_shape {raw!r} has two -1")
    target = [-1 if d == -1 else _check_size(d, "target_shape", config) for d in raw]
    rest = inputs[0][1:]
    known = math.prod(d for d in target if d != -1)
    if any(d is None for d in rest):
        if free:
            raise StaticUnsupported("Reshape with -1 over an unknown dimension")
        return [(inputs[0][0], *target)]
    total = math.prod(d for d in rest if d is not None)
    if (free and total % known) or (not free and total != known):
        raise StaticUnsupported(
            f"layer {_layer_name(config)}: cannot reshape {total} values to {list(raw)!r}"
        )
    return [(inputs[0][0], *(total // known if d == -1 else d for d in target))]


def _permute_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    dims = config.get("dims")
    if not isinstance(dims, (list, tuple)) or sorted(
        d if isinstance(d, int) and not isinstance(d, bool) else -1 for d in dims
    ) != list(range(1, len(shape))):
        raise StaticUnsupported(
            f"layer {_layer_name(config)}: dims {dims!r} do not permute the axes 1 to "
            f"{len(shape) - 1}"
        )
    return [(shape[0], *(shape[i] for i in dims))]


def _repeat_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [(inputs[0][0], _size(config, "n"), *inputs[0][1:])]


def _concatenate_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    first = list(inputs[0])
    axis = _axis(config.get("axis", -1), len(first), config)
    if any(len(shape) != len(first) for shape in inputs):
        raise StaticUnsupported(f"layer {_layer_name(config)}: a concatenation of mixed ranks")
    for index, dims in enumerate(zip(*inputs, strict=True)):
        if index != axis and len({d for d in dims if d is not None}) > 1:
            raise StaticUnsupported(
                f"layer {_layer_name(config)}: concatenated shapes {inputs} differ off axis {axis}"
            )
    sizes = [shape[axis] for shape in inputs]
    first[axis] = None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)
    return [tuple(first)]


def _merge_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    if any(len(s) != len(inputs[0]) for s in inputs):
        raise StaticUnsupported("a merge of tensors of different ranks")
    result: list[int | None] = []
    for dims in zip(*inputs, strict=True):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise StaticUnsupported("a merge of incompatible shapes")
        if known:
            result.append(known.pop())
        elif all(d == 1 for d in dims):
            result.append(1)
        else:
            result.append(None)
    return [tuple(result)]


def _channels_first(config: Mapping[str, Any]) -> bool:
    data_format: str = config.get("data_format", "channels_last")
    return data_format == "channels_first"


def _conv_length(
    size: int | None, kernel: int, stride: int, padding: str, dilation: int
) -> int | None:
    if size is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "same":
        return (size + stride - 1) // stride
    if padding == "valid":
        return (size - effective) // stride + 1
    raise StaticUnsupported(f"padding {padding!r}")


def _split_channels(config: Mapping[str, Any], shape: Shape) -> tuple[Shape, int | None]:
    if _channels_first(config):
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]


def _join_channels(
    config: Mapping[str, Any],
    batch: int | None,
    spatial: Sequence[int | None],
    channels: int | None,
) -> Shape:
    if _channels_first(config):
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def _conv_shape(transposed: bool = False, depthwise: bool = False) -> ShapeFunction:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        shape = inputs[0]
        spatial, channels = _split_channels(config, shape)
        rank = len(spatial)
        kernel = _sizes(config, "kernel_size", rank)
        strides = _sizes(config, "strides", rank, default=1)
        dilation = _sizes(config, "dilation_rate", rank, default=1)
        padding = str(config.get("padding", "valid")).lower()
        if transposed:
            pads: Sequence[int | None] = (
                (None,) * rank
                if config.get("output_padding") is None
                else _sizes(config, "output_padding", rank, minimum=0)
            )
            out = [
                _deconv_length(s, k, st, padding, p, d)
                for s, k, st, p, d in zip(spatial, kernel, strides, pads, dilation, strict=True)
            ]
        else:
            if padding == "causal":
                padding = "valid_causal"
            out = [
                _conv_length(s, k, st, "valid" if padding == "valid_causal" else padding, d)
                if padding != "valid_causal"
                else _causal_length(s, st)
                for s, k, st, d in zip(spatial, kernel, strides, dilation, strict=True)
            ]
        if depthwise:
            multiplier = _size(config, "depth_multiplier", default=1)
            filters = None if channels is None else channels * multiplier
        else:
            filters = _size(config, "filters")
        return [_join_channels(config, shape[0], out, filters)]

    return shape_of


def _causal_length(size: int | None, stride: int) -> int | None:
    return None if size is None else (size + stride - 1) // stride


def _deconv_length(
    size: int | None,
    kernel: int,
    stride: int,
    padding: str,
    output_padding: int | None,
    dilation: int,
) -> int | None:
    """Keras's ``compute_conv_transpose_output_shape`` for one dimension."""
    if size is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return size * stride + max(kernel - stride, 0)
        if padding == "same":
            return size * stride
        raise StaticUnsupported(f"padding {padding!r}")
    pad = 0 if padding == "valid" else kernel // 2
    return (size - 1) * stride + kernel - 2 * pad + output_padding


def _pool_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    spatial, channels = _split_channels(config, shape)
    rank = len(spatial)
    pool = _sizes(config, "pool_size", rank)
    strides = pool if config.get("strides") is None else _sizes(config, "strides", rank)
    padding = str(config.get("padding", "valid")).lower()
    out = [
        _conv_length(s, p, st, padding, 1) for s, p, st in zip(spatial, pool, strides, strict=True)
    ]
    return [_join_channels(config, shape[0], out, channels)]


def _global_pool_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    spatial, channels = _split_channels(config, shape)
    if config.get("keepdims"):
        return [_join_channels(config, shape[0], [1] * len(spatial), channels)]
    return [(shape[0], channels)]


def _pairs(value: Any, rank: int, key: str, config: Mapping[str, Any]) -> list[tuple[int, int]]:
    """Keras's padding/cropping argument as (before, after) per spatial dimension: an int,
    one pair for a 1D layer (``(1, 2)``), or one int or pair per dimension; every amount a
    checked size from 0."""

    def amount(item: Any) -> int:
        return _check_size(item, key, config, minimum=0)

    def is_number(item: Any) -> bool:
        return isinstance(item, int) and not isinstance(item, bool)

    def pair(item: Any) -> tuple[int, int]:
        if is_number(item):
            return (amount(item), amount(item))
        if isinstance(item, (list, tuple)) and len(item) == 2:
            return (amount(item[0]), amount(item[1]))
        raise StaticUnsupported(f"layer {_layer_name(config)}: {key} {value!r}")

    if is_number(value):
        return [pair(value)] * rank
    if not isinstance(value, (list, tuple)):
        raise StaticUnsupported(f"layer {_layer_name(config)}: {key} {value!r}")
    if rank == 1 and len(value) == 2 and all(is_number(v) for v in value):
        return [pair(value)]
    if len(value) != rank:
        raise StaticUnsupported(f"layer {_layer_name(config)}: {key} {value!r}")
    return [pair(item) for item in value]


def _padding_shape(sign: int) -> ShapeFunction:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        shape = inputs[0]
        key = "padding" if sign > 0 else "cropping"
        spatial: Shape
        if len(shape) == 3:  # 1D layers have no data_format: (batch, steps, channels)
            spatial, channels, first = shape[1:2], shape[2], False
        else:
            spatial, channels = _split_channels(config, shape)
            first = _channels_first(config)
        pairs = _pairs(config.get(key), len(spatial), key, config)
        out = [
            None if s is None else s + sign * (a + b)
            for s, (a, b) in zip(spatial, pairs, strict=True)
        ]
        if first:
            return [(shape[0], channels, *out)]
        return [(shape[0], *out, channels)]

    return shape_of


def _upsampling_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    shape = inputs[0]
    if len(shape) == 3:
        size = _size(config, "size")
        return [(shape[0], None if shape[1] is None else shape[1] * size, shape[2])]
    spatial, channels = _split_channels(config, shape)
    sizes = _sizes(config, "size", len(spatial))
    out = [None if s is None else s * k for s, k in zip(spatial, sizes, strict=True)]
    return [_join_channels(config, shape[0], out, channels)]


def _rnn_shape(states: int) -> ShapeFunction:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        shape = inputs[0]
        units = _size(config, "units")
        output: Shape = (
            (shape[0], shape[1], units) if config.get("return_sequences") else (shape[0], units)
        )
        if config.get("return_state"):
            return [output] + [(shape[0], units)] * states
        return [output]

    return shape_of


def _bidirectional_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    class_name, inner = _serialized(config["layer"])
    if class_name not in _RNN_STATES:
        raise StaticUnsupported(f"Bidirectional over {class_name}")
    inner = dict(inner)
    forward = _rnn_shape(_RNN_STATES[class_name])(inner, inputs)
    output, states = forward[0], forward[1:]
    merge_mode = config.get("merge_mode", "concat")
    outputs: ShapeList
    if merge_mode == "concat":
        last = output[-1]
        outputs = [(*output[:-1], None if last is None else last * 2)]
    elif merge_mode is None:
        outputs = [output, output]
    else:
        outputs = [output]
    return outputs + states + states


_RNN_STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def _attention_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    if config.get("return_attention_scores"):
        raise StaticUnsupported("MultiHeadAttention returning its scores")
    query = inputs[0]
    output_shape = config.get("output_shape")
    if output_shape is None:
        return [query]
    rank = len(output_shape) if isinstance(output_shape, (list, tuple)) else 1
    tail = _sizes(config, "output_shape", rank)
    return [(*query[:-1], *tail)]


def _time_distributed_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    inner_class, inner_config = _serialized(config["layer"])
    inner = _SHAPES.get(inner_class)
    if inner is None or inner_class in ("Bidirectional", "TimeDistributed"):
        raise StaticUnsupported(f"TimeDistributed over {inner_class}")
    batch, steps, *rest = inputs[0]
    outputs = inner(inner_config, [(batch, *rest)])
    if len(outputs) != 1:
        raise StaticUnsupported(f"TimeDistributed over {inner_class} with several outputs")
    return [(batch, steps, *outputs[0][1:])]


def _custom_scale_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [inputs[0]]


_ELEMENTWISE_OPERATIONS = frozenset(
    {"Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Maximum", "Minimum", "Power"}
)
"""Operations (``x + 3.0``) whose output broadcasts their tensor inputs."""

_SHAPES: dict[str, ShapeFunction] = {
    "Dense": _dense_shape,
    "Embedding": _embedding_shape,
    "Flatten": _flatten_shape,
    "Reshape": _reshape_shape,
    "Permute": _permute_shape,
    "RepeatVector": _repeat_shape,
    "Concatenate": _concatenate_shape,
    "GlobalMaxPooling1D": _global_pool_shape,
    "GlobalMaxPooling2D": _global_pool_shape,
    "GlobalMaxPooling3D": _global_pool_shape,
    "GlobalAveragePooling1D": _global_pool_shape,
    "GlobalAveragePooling2D": _global_pool_shape,
    "GlobalAveragePooling3D": _global_pool_shape,
    "LSTM": _rnn_shape(2),
    "GRU": _rnn_shape(1),
    "SimpleRNN": _rnn_shape(1),
    "Bidirectional": _bidirectional_shape,
    "TimeDistributed": _time_distributed_shape,
    "MultiHeadAttention": _attention_shape,
    "CustomScaleLayer": _custom_scale_shape,
    "ZeroPadding1D": _padding_shape(1),
    "ZeroPadding2D": _padding_shape(1),
    "ZeroPadding3D": _padding_shape(1),
    "Cropping1D": _padding_shape(-1),
    "Cropping2D": _padding_shape(-1),
    "Cropping3D": _padding_shape(-1),
    "UpSampling1D": _upsampling_shape,
    "UpSampling2D": _upsampling_shape,
    "UpSampling3D": _upsampling_shape,
}
for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    _SHAPES[_name] = _merge_shape
for _name in (
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
):
    _SHAPES[_name] = _pool_shape
for _name in ("Conv1D", "Conv2D", "Conv3D"):
    _SHAPES[_name] = _conv_shape()
for _name in ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
    _SHAPES[_name] = _conv_shape(transposed=True)
for _name in ("DepthwiseConv1D", "DepthwiseConv2D"):
    _SHAPES[_name] = _conv_shape(depthwise=True)
for _name in ("SeparableConv1D", "SeparableConv2D"):
    _SHAPES[_name] = _conv_shape()
for _name in (
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "RMSNormalization",
    "UnitNormalization",
    "Normalization",
    "Rescaling",
    "PReLU",
    "LayerScale",
    "StochasticDepth",
    "Identity",
    "Masking",
):
    _SHAPES[_name] = _same


# -- reading the graph -------------------------------------------------------------------------


@dataclass
class _Node:
    """One call of a layer in one graph: its input tensors as (source, node, index, shape)."""

    inputs: list[tuple[str, int, int, Shape]]


@dataclass
class _Container:
    """A Functional or Sequential model's config, made ready for walking."""

    name: str
    class_name: str
    config: Mapping[str, Any]
    entries: list[Mapping[str, Any]]
    """The rows' config entries, in ``model.layers`` order (Sequential: no InputLayer)."""
    keys: list[str | None]
    """Each entry's group name in the weights file (``None`` for an operation)."""
    nodes: dict[str, list[_Node]]
    shapes: dict[tuple[str, int], ShapeList]
    """Output shapes of each (layer, node) call in this graph."""
    input_shapes: ShapeList
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    output_shapes: ShapeList


def _shape(value: Any) -> Shape:
    """A shape recorded in the config: each dimension unknown or a size from 0."""
    if not isinstance(value, (list, tuple)) or not all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_SIZE)
        for d in value
    ):
        raise StaticUnsupported(f"unreadable shape {value!r}")
    return tuple(value)


def _flat_tensors(value: Any) -> Iterator[Mapping[str, Any]]:
    """Keras tensors in ``value`` in ``keras.tree.flatten`` order (dict keys sorted)."""
    if isinstance(value, Mapping):
        if value.get("class_name") == "__keras_tensor__":
            yield value["config"]
            return
        if value.get("class_name") == "__tuple__":
            yield from _flat_tensors(value.get("config", {}).get("value", []))
            return
        if "class_name" in value and "config" in value:
            return  # a serialised object argument, not a tensor
        for key in sorted(value):
            yield from _flat_tensors(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flat_tensors(item)


def _parse_nodes(entry: Mapping[str, Any]) -> list[_Node]:
    nodes = []
    for raw in entry.get("inbound_nodes") or []:
        if not isinstance(raw, Mapping):
            raise StaticUnsupported("inbound nodes in a pre-Keras-3 format")
        inputs = []
        for tensor in _flat_tensors([raw.get("args", []), raw.get("kwargs", {})]):
            source, node_index, tensor_index = tensor["keras_history"]
            inputs.append(
                (str(source), int(node_index), int(tensor_index), _shape(tensor["shape"]))
            )
        nodes.append(_Node(inputs))
    return nodes


def _history_list(value: Any) -> list[tuple[str, int, int]]:
    """``input_layers`` / ``output_layers``: one [name, node, index] or a list (or dict) of them."""
    if isinstance(value, Mapping):
        return [t for key in sorted(value) for t in _history_list(value[key])]
    if (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    ):
        return [(value[0], int(value[1]), int(value[2]))]
    if isinstance(value, list):
        return [t for item in value for t in _history_list(item)]
    raise StaticUnsupported(f"unreadable graph ends {value!r}")


class _ModelReader:
    """Reads one archive's config against its weights index into rows and edges."""

    def __init__(self, weights: _Weights) -> None:
        self.weights = weights
        self.rows: list[LayerReport] = []
        self.edges: list[Edge] = []
        self.auto_names = _AutoNames()
        self.gaps: list[str] = []
        """What could not be derived: custom layers' variable names..."""
        self.shape_gaps: list[str] = []
        """... and output shapes (listed after, being the lesser loss)."""
        self.containers: dict[int, _Container] = {}

    # -- the whole model -----------------------------------------------------------------------
    def report(self, config: Mapping[str, Any], source: str) -> CapturedModel:
        class_name = str(config.get("class_name"))
        if class_name not in MODEL_CLASSES:
            raise StaticUnsupported(
                f"the model is a {class_name} (a subclassed model); only Functional and "
                "Sequential models are read statically"
            )
        container = self._container(config)
        root = self.weights.root
        if _dataset_count(root.get("vars")):
            raise StaticUnsupported("the model holds variables outside its layers")
        trainable = bool(container.config.get("trainable", True))
        self._walk(container, root, prefix="", depth=0, parent=None, trainable=trainable)
        return CapturedModel(
            name=container.name,
            class_name=class_name,
            layers=tuple(self.rows),
            edges=tuple(self.edges),
            inputs=container.inputs,
            outputs=container.outputs,
            input_shapes=tuple(container.input_shapes),
            source=source,
            engine="static",
        )

    # -- containers ----------------------------------------------------------------------------
    def _container(self, serialized: Mapping[str, Any]) -> _Container:
        """The container for a nested model's config entry, read once (entries are asked for
        both while inferring the outer graph's shapes and while walking its rows)."""
        cached = self.containers.get(id(serialized))
        if cached is None:
            cached = self.containers[id(serialized)] = self._read_container(serialized)
        return cached

    def _read_container(self, serialized: Mapping[str, Any]) -> _Container:
        class_name = str(serialized["class_name"])
        config = serialized.get("config") or {}
        entries = list(config.get("layers") or [])
        if class_name == "Sequential":
            return self._sequential(config, entries)
        return self._functional(config, entries)

    def _functional(
        self, config: Mapping[str, Any], entries: list[Mapping[str, Any]]
    ) -> _Container:
        nodes: dict[str, list[_Node]] = {}
        recorded: dict[tuple[str, int], dict[int, Shape]] = {}
        names = []
        for entry in entries:
            name = str(entry.get("name") or entry["config"]["name"])
            names.append(name)
            nodes[name] = _parse_nodes(entry)
            for node in nodes[name]:
                for source, node_index, tensor_index, shape in node.inputs:
                    recorded.setdefault((source, node_index), {})[tensor_index] = shape
        if len(set(names)) != len(names):
            raise StaticUnsupported("two layers share one name")
        shapes: dict[tuple[str, int], ShapeList] = {}
        for entry, name in zip(entries, names, strict=True):
            class_name = str(entry["class_name"])
            layer_config = entry.get("config") or {}
            if class_name == "InputLayer":
                shapes[(name, 0)] = [_input_layer_shape(layer_config)]
                continue
            for index, node in enumerate(nodes[name]):
                shapes[(name, index)] = self._node_outputs(
                    entry,
                    [shape for _, _, _, shape in node.inputs],
                    recorded.get((name, index), {}),
                )
        classes = {
            name: str(entry["class_name"]) for entry, name in zip(entries, names, strict=True)
        }

        def keras_node(end: tuple[str, int, int]) -> tuple[str, int, int]:
            # Keras writes a nested Functional's node indices in input_layers/output_layers
            # counting a built-in node first, and subtracts it again when loading
            # (functional_from_config's get_tensor); do the same.
            name, node, index = end
            return (name, node - 1 if classes.get(name) == "Functional" else node, index)

        ends_in = [keras_node(end) for end in _history_list(config.get("input_layers", []))]
        ends_out = [keras_node(end) for end in _history_list(config.get("output_layers", []))]
        missing = [end for end in ends_in + ends_out if (end[0], end[1]) not in shapes]
        if missing:
            raise StaticUnsupported(f"the graph's ends name calls that do not exist: {missing!r}")
        listed = set(names)

        def end_names(ends: list[tuple[str, int, int]]) -> tuple[str, ...]:
            result: list[str] = []
            for name, _, _ in ends:
                if name in listed and name not in result:
                    result.append(name)
            return tuple(result)

        input_shapes = [shapes[(name, node)][index] for name, node, index in ends_in]
        # A custom layer's unconsumed output has no shape the file says: left out.
        output_shapes = [
            shapes[(name, node)][index]
            for name, node, index in ends_out
            if index < len(shapes[(name, node)])
        ]
        return _Container(
            name=str(config["name"]),
            class_name="Functional",
            config=config,
            entries=entries,
            keys=_unique_keys(entries),
            nodes=nodes,
            shapes=shapes,
            input_shapes=input_shapes,
            inputs=end_names(ends_in),
            outputs=end_names(ends_out),
            output_shapes=output_shapes,
        )

    def _sequential(
        self, config: Mapping[str, Any], entries: list[Mapping[str, Any]]
    ) -> _Container:
        input_shape: Shape | None = None
        if entries and entries[0].get("class_name") == "InputLayer":
            input_shape = _input_layer_shape(entries[0].get("config") or {})
            entries = entries[1:]
        elif config.get("build_input_shape") is not None:
            input_shape = _shape(config["build_input_shape"])
        if input_shape is None:
            raise StaticUnsupported(
                f"Sequential model {config.get('name')!r} was saved unbuilt (no input shape)"
            )
        if not entries:
            raise StaticUnsupported(f"Sequential model {config.get('name')!r} has no layers")
        nodes: dict[str, list[_Node]] = {}
        shapes: dict[tuple[str, int], ShapeList] = {}
        current = input_shape
        previous: str | None = None
        names = []
        unknown_output = False
        for position, entry in enumerate(entries):
            name = str((entry.get("config") or {})["name"])
            names.append(name)
            source = previous if previous is not None else "(input)"
            nodes[name] = [_Node([(source, 0, 0, current)])]
            recorded: dict[int, Shape] = {}
            if position + 1 < len(entries):
                build = (entries[position + 1].get("build_config") or {}).get("input_shape")
                if build is not None and _is_flat_shape(build):
                    recorded[0] = _shape(build)
            outputs = self._node_outputs(entry, [current], recorded)
            if not outputs and position + 1 == len(entries):
                # The last layer is custom and nothing records its output shape: unknown
                # (listed as a gap), which only the model's own output shape depends on.
                shapes[(name, 0)] = []
                previous = name
                unknown_output = True
                continue
            if len(outputs) != 1:
                raise StaticUnsupported(
                    f"layer {name!r} returns several tensors in a Sequential model"
                )
            shapes[(name, 0)] = outputs
            current = outputs[0]
            previous = name
        if len(set(names)) != len(names):
            raise StaticUnsupported("two layers share one name")
        return _Container(
            name=str(config["name"]),
            class_name="Sequential",
            config=config,
            entries=entries,
            keys=_unique_keys(entries),
            nodes=nodes,
            shapes=shapes,
            input_shapes=[input_shape],
            inputs=(),
            outputs=(names[-1],),
            output_shapes=[] if unknown_output else [current],
        )

    def _node_outputs(
        self, entry: Mapping[str, Any], inputs: ShapeList, recorded: Mapping[int, Shape]
    ) -> ShapeList:
        """A call's output shapes: as recorded by its consumers, else computed per class."""
        config = entry.get("config") or {}
        custom = _custom_class(entry)
        if custom is not None:
            if recorded and sorted(recorded) == list(range(len(recorded))):
                return [recorded[i] for i in range(len(recorded))]
            self.shape_gaps.append(
                f"the output shape of custom layer {config.get('name')!r} ({custom}) is "
                "unknown: nothing in the file records it"
            )
            return []
        class_name = _class_of(entry)
        computed: ShapeList | None = None
        if _is_operation(entry):
            if sorted(recorded) == [0]:
                return [recorded[0]]
            if class_name not in _ELEMENTWISE_OPERATIONS:
                raise StaticUnsupported(
                    f"cannot infer the output shape of operation {config.get('name')!r} "
                    f"({class_name})"
                )
            return _merge_shape(config, inputs)
        if class_name in MODEL_CLASSES:
            inner = self._container(entry)
            if [tuple(s) for s in inner.input_shapes] == [tuple(s) for s in inputs]:
                computed = inner.output_shapes
        elif class_name in _SHAPES:
            computed = _SHAPES[class_name](config, inputs)
        elif class_name == "EinsumDense":
            computed = _einsum_dense_shape(config, inputs)
        elif class_name not in _LAYOUTS:
            raise StaticUnsupported(f"layer class {class_name!r} is not known to the static engine")
        if computed is None:
            if recorded and sorted(recorded) == list(range(len(recorded))):
                if class_name in MODEL_CLASSES or class_name in ("Lambda",) or len(recorded) == 1:
                    # A Lambda (or EinsumDense...) whose outputs are all consumed.
                    return [recorded[i] for i in range(len(recorded))]
            raise StaticUnsupported(
                f"cannot infer the output shape of layer {config.get('name')!r} ({class_name})"
            )
        if any(index >= len(computed) for index in recorded):
            raise StaticUnsupported(
                f"layer {config.get('name')!r} ({class_name}) has more outputs than expected"
            )
        for index, shape in enumerate(computed):
            _check_output(config, class_name, shape, recorded.get(index))
        return [recorded.get(index, shape) for index, shape in enumerate(computed)]

    def _custom_variables(
        self,
        class_name: str,
        shown: str,
        config: Mapping[str, Any],
        group: Any,
        path: str,
        trainable: bool,
    ) -> list[Variable]:
        """A custom layer's variables, exact in count, shape and dtype (the weights file says
        them); a sub-layer whose config the custom layer's config nests (a stock Keras layer,
        matched by its saved name) gets its variables' real names, and the rest are named
        ``variable_N``, with role ``other``, and listed as a gap: Keras saves variables by
        index, and only the class's code knows their names."""
        found: list[Variable] = []
        nested = {
            str((item.get("config") or {}).get("name")): item
            for item in _nested_layer_configs(config)
        }
        unnamed = 0

        def visit(group: Any, prefix: str, owner: str, names: Sequence[_VarSpec] | None) -> None:
            nonlocal unnamed
            if group is None:
                return
            vars_group = group.get("vars")
            count = _dataset_count(vars_group)
            if names is not None and len(names) != count:
                names = None
            for index in range(count):
                assert vars_group is not None
                shape, dtype = vars_group.dataset(str(index))
                if names is not None:
                    name, is_trainable = names[index].name, trainable and names[index].trainable
                else:
                    name, is_trainable = f"variable_{index}" if count > 1 else "variable", trainable
                    unnamed += 1
                found.append(
                    Variable(
                        name=name,
                        path=f"{prefix}/{name}",
                        role=variable_role(owner, name, is_trainable) if names else "other",
                        shape=shape,
                        dtype=dtype,
                        trainable=is_trainable,
                    )
                )
            for key in group:
                child = group.get(key)
                if key == "vars" or child is None or not _dataset_count_deep(child):
                    continue
                child_name = child.get("vars").saved_name if child.get("vars") else None
                child_name = child_name or key
                entry = nested.get(child_name)
                child_class = None
                child_names: Sequence[_VarSpec] | None = None
                if entry is not None and _custom_class(entry) is None:
                    child_class = _class_of(entry)
                    layout = _LAYOUTS.get(child_class)
                    if layout is not None:
                        own, subs = layout(entry.get("config") or {})
                        child_names = own if not subs else None
                visit(child, f"{prefix}/{child_name}", child_class or owner, child_names)

        visit(group, path, class_name, None)
        if unnamed:
            self.gaps.append(
                f"layer class {shown!r} is not known to the static engine: {unnamed} "
                f"variables of {path!r} have no names or roles the file says (shown as "
                "'variable...', role other; the class's code is never run)"
            )
        return found

    # -- rows ----------------------------------------------------------------------------------
    def _walk(
        self,
        container: _Container,
        group: Any,
        prefix: str,
        depth: int,
        parent: str | None,
        trainable: bool,
    ) -> list[Variable]:
        """Append the container's rows (and nested rows) and edges; return its variables."""
        layers_group = group.get("layers") if group is not None else None
        listed = {str(e.get("name") or e["config"]["name"]) for e in container.entries}
        all_variables: list[Variable] = []
        for entry, key in zip(container.entries, container.keys, strict=True):
            config = entry.get("config") or {}
            custom = None if _is_operation(entry) else _custom_class(entry)
            class_name = custom if custom is not None else _class_of(entry)
            name = str(entry.get("name") or config["name"])
            path = prefix + name
            operation = _is_operation(entry)
            layer_group = (
                layers_group.get(key) if layers_group is not None and key is not None else None
            )
            if key is not None:
                _check_group_name(layer_group, name, key)
            layer_trainable = bool(config.get("trainable", True))
            calls = container.nodes.get(name, [])
            inbound: list[str] = []
            for node in calls:
                for source, _, _, shape in node.inputs:
                    if source not in listed:
                        continue
                    if source not in inbound:
                        inbound.append(source)
                    self.edges.append(Edge(prefix + source, path, shape))
            input_shapes = tuple(shape for _, _, _, shape in calls[0].inputs) if calls else ()
            output_shapes = tuple(container.shapes.get((name, 0), ()))
            is_container = class_name in MODEL_CLASSES
            row_index = len(self.rows)
            self.rows.append(LayerReport(name=name, path=path, depth=depth, class_name=class_name))
            row_config: Mapping[str, Any]
            if operation:
                variables = []
                row_config = {"name": name}
            elif custom is not None:
                variables = self._custom_variables(
                    class_name,
                    str(entry.get("registered_name") or class_name),
                    config,
                    layer_group,
                    path,
                    trainable and layer_trainable,
                )
                row_config = config
            elif is_container:
                inner = self._container(entry)
                variables = self._walk(
                    inner,
                    layer_group,
                    prefix=path + "/",
                    depth=depth + 1,
                    parent=path,
                    trainable=trainable and layer_trainable,
                )
                row_config = {"name": name, "trainable": layer_trainable}
            else:
                variables = _layer_variables(
                    class_name,
                    config,
                    layer_group,
                    path,
                    trainable and layer_trainable,
                    self.auto_names,
                    list(input_shapes),
                )
                row_config = config
            self.rows[row_index] = LayerReport(
                name=name,
                path=path,
                depth=depth,
                class_name=class_name,
                variables=tuple(variables),
                output_shapes=output_shapes,
                input_shapes=input_shapes,
                inbound=tuple(inbound),
                parent=parent,
                is_container=is_container,
                layer_trainable=layer_trainable,
                dtype_policy=None if operation else _policy_name(class_name, config),
                config=row_config,
                call_count=max(1, len(calls)),
            )
            all_variables.extend(variables)
        if layers_group is not None:
            expected = {key for key in container.keys if key is not None}
            extra = [
                k
                for k in layers_group
                if k not in expected and _dataset_count_deep(layers_group.get(k))
            ]
            if extra:
                raise StaticUnsupported(f"the weights file holds unexpected layers {extra}")
        return all_variables


def _check_output(
    config: Mapping[str, Any], class_name: str, computed: Shape, recorded: Shape | None
) -> None:
    """An output shape the config implies must be buildable (every size from 1 to
    :data:`MAX_SIZE`) and agree with the shape its consumers recorded: Keras rebuilds
    from the config, so a disagreement means the file is not what it says."""
    where = f"layer {config.get('name')!r} ({class_name})"
    if any(d is not None and not 1 <= d <= MAX_SIZE for d in computed):
        raise StaticUnsupported(f"{where}: its config implies the output shape {computed}")
    if recorded is not None and (
        len(recorded) != len(computed)
        or any(
            a is not None and b is not None and a != b
            for a, b in zip(recorded, computed, strict=True)
        )
    ):
        raise StaticUnsupported(
            f"{where}: its config implies the output shape {computed}, but the graph "
            f"records {recorded}"
        )


def _is_flat_shape(value: Any) -> bool:
    return isinstance(value, list) and all(d is None or isinstance(d, int) for d in value)


def _input_layer_shape(config: Mapping[str, Any]) -> Shape:
    shape = config.get("batch_shape")
    if shape is None:
        shape = config.get("batch_input_shape")
    if shape is None:
        raise StaticUnsupported(f"input layer {config.get('name')!r} has no shape")
    return _shape(shape)


def _policy_name(class_name: str, config: Mapping[str, Any]) -> str:
    if class_name == "InputLayer":
        # InputLayer keeps its tensor dtype apart; its policy is the global default.
        return DEFAULT_POLICY
    dtype = config.get("dtype")
    if dtype is None:
        return DEFAULT_POLICY
    if isinstance(dtype, str):
        return dtype
    if isinstance(dtype, Mapping):
        name = (dtype.get("config") or {}).get("name")
        if isinstance(name, str):
            return name
        mode = _quantization_mode(config)
        source = (dtype.get("config") or {}).get("source_name")
        if mode is not None and isinstance(source, str):
            return f"{mode}_from_{source}"  # QuantizedDTypePolicy's own name
    raise StaticUnsupported(f"unreadable dtype policy {dtype!r}")


_FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})


_FIXED_DTYPES = {("Normalization", "count"): "int64"}
"""Variables Keras creates with a dtype of their own (``add_weight(dtype="int")``); every
other variable the engine knows is a float variable of its layer's policy."""


def _variable_dtype(saved: str, class_name: str, config: Mapping[str, Any], name: str) -> str:
    """The dtype of the variable Keras builds, which is not always the saved one: Keras
    casts the saved values (float16, float64, even int32) into the variable it made, of its
    own dtype (:data:`_FIXED_DTYPES`) or its layer policy's variable dtype (float32 under
    ``float32`` and the ``mixed_*`` policies)."""
    fixed = _FIXED_DTYPES.get((class_name, name))
    if fixed is not None:
        return fixed
    policy = _policy_name(class_name, config)
    variable = "float32" if policy.startswith("mixed_") else policy
    return variable if variable in _FLOAT_DTYPES else saved


def _check_group_name(group: Any, name: str, key: str) -> None:
    if group is None:
        return
    vars_group = group.get("vars")
    saved = vars_group.saved_name if vars_group is not None else None
    if saved is not None and saved != name:
        raise StaticUnsupported(f"weights group {key!r} belongs to layer {saved!r}, not {name!r}")


def _dataset_count(group: Any) -> int:
    if group is None:
        return 0
    return int(group.dataset_count())


def _dataset_count_deep(group: _Group | None) -> int:
    return 0 if group is None else group.dataset_count_deep()


class _AutoNames:
    """Keras's ``auto_name`` counter for unnamed variables, as a fresh session runs it."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        count = self.used.get(prefix, 0)
        self.used[prefix] = count + 1
        return prefix if count == 0 else f"{prefix}_{count}"


def _layer_variables(
    class_name: str,
    config: Mapping[str, Any],
    group: Any,
    path: str,
    trainable: bool,
    auto_names: _AutoNames,
    inputs: ShapeList,
) -> list[Variable]:
    """A layer's variables in capture order: its own, then its sublayers' depth first.

    ``inputs`` are the shapes of the layer's first call, which its variables are built for.
    """
    found: list[Variable] = []
    _collect(
        class_name,
        config,
        group,
        path_prefix=path,
        trainable=trainable,
        found=found,
        where=path,
        auto_names=auto_names,
        inputs=inputs,
    )
    return found


def _collect(
    class_name: str,
    config: Mapping[str, Any],
    group: Any,
    path_prefix: str,
    trainable: bool,
    found: list[Variable],
    where: str,
    auto_names: _AutoNames,
    inputs: ShapeList,
    implied: Mapping[str, Pattern] | None = None,
) -> None:
    """Append the variables of one layer (and, depth first, its sublayers') to ``found``,
    after checking every one against the shape the config implies (``implied``, else the
    class's rule in :data:`_VARIABLE_SHAPES` applied to ``inputs``)."""
    layout = _LAYOUTS.get(class_name)
    if layout is None:
        raise StaticUnsupported(f"layer class {class_name!r} is not known to the static engine")
    own, subs = layout(config)
    vars_group = group.get("vars") if group is not None else None
    datasets = _dataset_count(vars_group)
    if datasets != len(own):
        raise StaticUnsupported(
            f"layer {where!r} ({class_name}) saved {datasets} variables where "
            f"{len(own)} were expected"
        )
    rule = _VARIABLE_SHAPES.get(class_name)
    if implied is None:
        implied = rule(config, inputs) if rule is not None and own else {}
    for position, spec in enumerate(own):
        assert vars_group is not None  # len(own) > 0 datasets were counted in it
        index = position if spec.stored_at is None else spec.stored_at
        shape, dtype = vars_group.dataset(str(index))
        pattern = implied.get(spec.name)
        if pattern is not None and not _matches(pattern, shape):
            raise StaticUnsupported(
                f"layer {where!r} ({class_name}): its config implies {spec.name} of shape "
                f"{_shown(pattern)}, but the weights file holds {_shown(shape)}"
            )
        is_trainable = trainable and spec.trainable
        name = auto_names(spec.name) if spec.auto_named else spec.name
        found.append(
            Variable(
                name=name,
                path=f"{path_prefix}/{name}",
                role=variable_role(class_name, name, is_trainable),
                shape=shape,
                dtype=_variable_dtype(dtype, class_name, config, spec.name),
                trainable=is_trainable,
                storage=f"{vars_group.path}/{index}",
            )
        )
    known = {"vars"}
    for sub in subs:
        known.add(sub.attribute)
        sub_group = group.get(sub.attribute) if group is not None else None
        if sub_group is None:
            raise StaticUnsupported(f"layer {where!r} has no saved {sub.attribute}")
        sub_vars = sub_group.get("vars")
        sub_name = sub_vars.saved_name if sub_vars is not None else None
        if not isinstance(sub_name, str):
            raise StaticUnsupported(f"layer {where!r}: its {sub.attribute} has no saved name")
        prefix = f"{path_prefix}/{sub_name}"
        _collect(
            sub.class_name,
            sub.config,
            sub_group,
            path_prefix=prefix,
            trainable=trainable and bool(sub.config.get("trainable", True)),
            found=found,
            where=f"{where}/{sub_name}",
            auto_names=auto_names,
            inputs=_sub_inputs(class_name, inputs),
            implied=sub.shapes,
        )
    if group is not None:
        for key in group:
            if key not in known and _dataset_count_deep(group.get(key)):
                raise StaticUnsupported(
                    f"layer {where!r} ({class_name}) saved unexpected variables under {key!r}"
                )
