"""Write a ``.keras`` file of a very long residual chain without building it in Keras.

``bench_scaling.py`` builds its 500- and 5,000-layer chains with Keras; a 50,000-layer one
takes Keras many minutes and gigabytes (and deep recursion) to build and save. This writes
the same file directly: ``config.json`` with the layer entries Keras writes for the chain
(Input, then ``Dense(32)`` + ``Add`` blocks) and a ``model.weights.h5`` laid out as Keras
lays it out (``layers/<dense|add|input_layer>[_N]/vars`` groups, each with its ``name``
attribute, and the Dense kernel and bias as datasets ``0`` and ``1``), stored uncompressed
in the zip, as Keras stores it.

    python benchmarks/make_chain.py 50000   # -> <bench cache>/chain_50000_gen.keras
    python benchmarks/make_chain.py 5000 -o x.keras
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from _common import CACHE

UNITS = 32


def _tensor(layer: str) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, UNITS], "dtype": "float32", "keras_history": [layer, 0, 0]},
    }


def _dtype_policy() -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": "float32"},
        "registered_name": None,
    }


def _dense(name: str, source: str) -> dict[str, Any]:
    init = {"seed": None, "input_axes": None, "output_axes": None}
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": _dtype_policy(),
            "units": UNITS,
            "activation": "linear",
            "use_bias": True,
            "kernel_initializer": {
                "module": "keras.initializers",
                "class_name": "GlorotUniform",
                "config": init,
                "registered_name": None,
            },
            "bias_initializer": {
                "module": "keras.initializers",
                "class_name": "Zeros",
                "config": {},
                "registered_name": None,
            },
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
            "quantization_config": None,
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, UNITS]},
        "name": name,
        "inbound_nodes": [{"args": [_tensor(source)], "kwargs": {}}],
    }


def _add(name: str, left: str, right: str) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Add",
        "config": {"name": name, "trainable": True, "dtype": _dtype_policy()},
        "registered_name": None,
        "build_config": {"input_shape": [[None, UNITS], [None, UNITS]]},
        "name": name,
        "inbound_nodes": [{"args": [[_tensor(left), _tensor(right)]], "kwargs": {}}],
    }


def chain_config(layer_count: int) -> dict[str, Any]:
    """The config Keras saves for ``bench_scaling.build_chain(keras, layer_count)``."""
    blocks = (layer_count - 1) // 2
    layers: list[dict[str, Any]] = [
        {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {
                "batch_shape": [None, UNITS],
                "dtype": "float32",
                "sparse": False,
                "ragged": False,
                "name": "x",
                "optional": False,
            },
            "registered_name": None,
            "name": "x",
            "inbound_nodes": [],
        }
    ]
    previous = "x"
    for index in range(blocks):
        layers.append(_dense(f"dense_{index}", previous))
        layers.append(_add(f"add_{index}", previous, f"dense_{index}"))
        previous = f"add_{index}"
    name = f"chain_{layer_count}"
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": name,
            "trainable": True,
            "layers": layers,
            "input_layers": ["x", 0, 0],
            "output_layers": [previous, 0, 0],
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": {},
    }


def _suffixed(base: str, index: int) -> str:
    return base if index == 0 else f"{base}_{index}"


def write_weights(path: Path, layer_count: int) -> None:
    """``model.weights.h5`` as Keras writes it for the chain (kernels random, biases zero)."""
    import h5py
    import numpy as np

    blocks = (layer_count - 1) // 2
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((UNITS, UNITS)).astype("float32")
    bias = np.zeros((UNITS,), dtype="float32")
    with h5py.File(path, "w") as handle:
        layers = handle.create_group("layers")
        layers.create_group("input_layer/vars").attrs["name"] = "x"
        for index in range(blocks):
            dense = layers.create_group(f"{_suffixed('dense', index)}/vars")
            dense.attrs["name"] = f"dense_{index}"
            dense.create_dataset("0", data=kernel)
            dense.create_dataset("1", data=bias)
            layers.create_group(f"{_suffixed('add', index)}/vars").attrs["name"] = f"add_{index}"
        handle.create_group("vars").attrs["name"] = f"chain_{layer_count}"


def write_chain(path: Path, layer_count: int) -> Path:
    """Write the chain's ``.keras`` file to ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"keras_version": "3.15.1", "date_saved": "2026-11-29@00:00:00"}
    with tempfile.TemporaryDirectory(prefix="layerscope-chain-", dir=path.parent) as temp:
        weights = Path(temp) / "model.weights.h5"
        write_weights(weights, layer_count)
        partial = Path(temp) / path.name
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(chain_config(layer_count)))
            archive.write(weights, "model.weights.h5")
        os.replace(partial, path)
    return path


def generated_chain(layer_count: int) -> Path:
    """The cached generated chain of ``layer_count`` layers, written on first use."""
    path = CACHE / f"chain_{layer_count}_gen.keras"
    if not path.exists():
        write_chain(path, layer_count)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("layers", type=int)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    out = write_chain(args.output, args.layers) if args.output else generated_chain(args.layers)
    print(out)
