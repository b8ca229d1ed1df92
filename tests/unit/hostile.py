"""Hostile variants of the seed archive, made without Keras (zipfile + h5py only)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "mnist_mlp.keras"


def rewrite(
    target: Path,
    source: Path = SEED,
    config: Callable[[dict[str, Any]], Any] | None = None,
    weights: Callable[[Any], None] | None = None,
    compress: int = zipfile.ZIP_STORED,
) -> Path:
    """A copy of ``source`` whose config went through ``config`` (which may also return a
    whole new config, str or bytes), whose weights file (an open h5py.File) went through
    ``weights``, every member written with ``compress``."""
    import h5py

    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "config.json" and config is not None:
                parsed = json.loads(data)
                result = config(parsed)
                if result is None:
                    result = parsed
                data = (
                    result
                    if isinstance(result, bytes)
                    else (
                        result.encode() if isinstance(result, str) else json.dumps(result).encode()
                    )
                )
            if info.filename == "model.weights.h5" and weights is not None:
                buffer = io.BytesIO(data)
                with h5py.File(buffer, "r+") as handle:
                    weights(handle)
                data = buffer.getvalue()
            copy.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, compress)
    return target


def layer_entry(config: dict[str, Any], name: str) -> dict[str, Any]:
    (entry,) = [e for e in config["config"]["layers"] if e["config"]["name"] == name]
    return entry


def patch_central_directory(path: Path, member: str, **fields: int) -> None:
    """Overwrite ``crc``, ``compress_size`` or ``file_size`` of ``member`` in both the
    central directory and the local header (as a forger would)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    offsets = {"crc": 16, "compress_size": 20, "file_size": 24}
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == member.encode():
            break
        position = data.find(b"PK\x01\x02", position + 4)
    for key, value in fields.items():
        struct.pack_into("<I", data, position + offsets[key], value)
        struct.pack_into("<I", data, info.header_offset + offsets[key] - 2, value)
    path.write_bytes(bytes(data))


def dag_bomb(depth: int) -> Callable[[Any], None]:
    """Groups g0 -> g1 -> ... each hard-linking the next twice: 2**depth paths."""

    def edit(handle: Any) -> None:
        current = handle.create_group("bomb")
        for _ in range(depth):
            following = handle.create_group("next")
            current["a"] = following
            current["b"] = following
            del handle["next"]  # reachable only through the chain
            current = following

    return edit


def deep_sequential(layers: int, width: int = 4) -> tuple[dict[str, Any], Callable[[Any], None]]:
    """A Sequential config of ``layers`` Dense(width) layers on a (None, width) input, and
    the weights edit that writes their variables (replacing the seed's)."""
    import numpy as np

    with zipfile.ZipFile(SEED) as archive:
        seed = json.loads(archive.read("config.json"))
    template = layer_entry(seed, "Hidden3")
    entries = [
        {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {"batch_shape": [None, width], "dtype": "float32", "name": "input"},
            "registered_name": None,
        }
    ]
    for index in range(layers):
        entry = json.loads(json.dumps(template))
        entry["config"]["name"] = f"d{index}"
        entry["config"]["units"] = width
        entry["build_config"] = {"input_shape": [None, width]}
        entries.append(entry)
    seed["config"]["layers"] = entries
    seed["config"]["build_input_shape"] = [None, width]

    def edit(handle: Any) -> None:
        del handle["layers"]
        group = handle.create_group("layers")
        kernel = np.zeros((width, width), "float32")
        bias = np.zeros((width,), "float32")
        for index in range(layers):
            key = "dense" if index == 0 else f"dense_{index}"
            variables = group.create_group(f"{key}/vars")
            variables.attrs["name"] = f"d{index}"
            variables["0"] = kernel
            variables["1"] = bias

    return seed, edit
