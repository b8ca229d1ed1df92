"""Quantized layers and the precision planner: what the parameters weigh at each precision.

Pure functions of the report (no Keras, no values needed).

:func:`quantization_mode` reads a layer's dtype-policy name (``int8_from_float32``,
``int4/128_from_float32``, ``float8_from_float32``), which is how ``model.quantize`` marks
a layer, in memory and in a ``.keras`` file alike.

:func:`plan_precision` says what the parameters would take at ``float32``, ``float16`` /
``bfloat16``, ``int8`` and ``int4``, replaying what Keras 3's ``model.quantize(mode)`` does
to each layer's variables:

* ``float16`` / ``bfloat16``: every floating variable at 2 bytes (integers unchanged);
* ``int8``: a Dense kernel ``(in, units)`` becomes int8 plus a float32 ``kernel_scale`` of
  ``units``; an Embedding table ``(rows, dim)`` becomes int8 plus a float32 scale of
  ``rows``; biases, normalisation and everything else stay float32;
* ``int4`` (Keras's default block size of 128): a Dense kernel is packed two values per byte
  along the units, ``(in, ceil(units / 2))`` bytes, plus a float32 scale and an int8 zero
  point of ``(ceil(in / 128), units)`` and a float32 ``g_idx`` of ``in``; an Embedding
  likewise along its rows.

Only Dense and Embedding are replayed: other layers, EinsumDense included (whose scales
depend on its equation), and already quantized layers are counted as they are. The
training estimate at mixed precision keeps float32 variables, gradients and optimizer state
(as ``mixed_float16`` does) and halves the float32 activations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layerscope.report import CapturedModel, LayerReport, Variable, dtype_bytes

PRECISIONS = ("float32", "float16", "bfloat16", "int8", "int4")
"""The precisions the planner prices, in display order."""

INT4_BLOCK_SIZE = 128
"""Keras 3's default int4 block size (``model.quantize("int4")`` gives ``int4/128``)."""

_QUANTIZED_PREFIXES = ("int8", "int4", "float8", "gptq", "awq")


def quantization_mode(dtype_policy: str | None) -> str | None:
    """``int8``, ``int4/128``, ``float8``... for a quantized layer's policy name, else ``None``."""
    if not dtype_policy or "_from_" not in dtype_policy:
        return None
    mode = dtype_policy.split("_from_", 1)[0]
    return mode if mode.split("/")[0] in _QUANTIZED_PREFIXES else None


@dataclass(frozen=True)
class PrecisionPlan:
    """Parameter bytes at each precision, total and per layer (``precision`` in the JSON)."""

    total: Mapping[str, int]
    """Precision -> bytes for the whole model (each variable counted once)."""
    layers: Mapping[str, Mapping[str, int]]
    """Layer path -> precision -> bytes of the variables the row counts (rows with
    parameters only; a shared variable is priced in the row that owns it)."""
    training_mixed_bytes: int | None
    """Training estimate under ``mixed_float16`` (see the module docstring); ``None``
    without a memory analysis."""
    training_float32_bytes: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "precisions": list(PRECISIONS),
            "total": dict(self.total),
            "layers": {path: dict(v) for path, v in self.layers.items()},
            "training_mixed_bytes": self.training_mixed_bytes,
            "training_float32_bytes": self.training_float32_bytes,
        }


def _is_float(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat"))


def _plain_bytes(variable: Variable, precision: str) -> int:
    """A variable kept as it is, except that floats take the precision's float width."""
    if not _is_float(variable.dtype):
        return variable.nbytes
    width = 2 if precision in ("float16", "bfloat16") else 4
    return variable.count * width


def _quantized_bytes(row: LayerReport, variable: Variable, precision: str) -> int | None:
    """Bytes after ``model.quantize(precision)`` for a Dense kernel or an Embedding table;
    ``None`` when Keras would leave the variable alone."""
    if precision not in ("int8", "int4") or quantization_mode(row.dtype_policy) is not None:
        return None
    shape = variable.shape
    if len(shape) != 2 or not _is_float(variable.dtype):
        return None
    if row.class_name == "Dense" and variable.path == f"{row.path}/kernel":
        inputs, units = shape
        if precision == "int8":
            return inputs * units + 4 * units
        groups = math.ceil(inputs / INT4_BLOCK_SIZE)
        return inputs * ((units + 1) // 2) + groups * units * (4 + 1) + 4 * inputs
    if row.class_name == "Embedding" and variable.path == f"{row.path}/embeddings":
        rows, dim = shape
        if precision == "int8":
            return rows * dim + 4 * rows
        groups = math.ceil(dim / INT4_BLOCK_SIZE)
        return rows * ((dim + 1) // 2) + rows * groups * (4 + 1) + 4 * dim
    return None


def _variable_bytes(row: LayerReport, variable: Variable, precision: str) -> int:
    quantized = _quantized_bytes(row, variable, precision)
    if quantized is not None:
        return quantized
    if precision in ("int8", "int4"):
        return variable.nbytes if not _is_float(variable.dtype) else variable.count * 4
    return _plain_bytes(variable, precision)


def _field(memory: Any, name: str) -> Any:
    """A memory figure, whether the analysis gives a mapping or a typed object."""
    if isinstance(memory, Mapping):
        return memory.get(name)
    return getattr(memory, name, None)


def plan_precision(report: CapturedModel, memory: Any = None) -> PrecisionPlan:
    """The precision plan of a captured model; ``memory`` (the memory analysis, optional)
    gives the training estimate it re-prices at mixed precision."""
    owner: dict[str, tuple[LayerReport, Variable]] = {}
    for row in report.layers:
        for variable in row.variables:
            known = owner.get(variable.path)
            if known is None or row.depth > known[0].depth:
                owner[variable.path] = (row, variable)
    # A variable's bytes depend on its owner row and its path, shape and dtype: priced once
    # per precision, then summed by the model's total and by each row that owns it.
    priced: dict[tuple[str, tuple[int, ...], str], tuple[int, ...]] = {}

    def price(variable: Variable) -> tuple[int, ...]:
        key = (variable.path, variable.shape, variable.dtype)
        found = priced.get(key)
        if found is None:
            row = owner[variable.path][0]
            found = priced[key] = tuple(
                _variable_bytes(row, variable, precision) for precision in PRECISIONS
            )
        return found

    total = dict.fromkeys(PRECISIONS, 0)
    for _, variable in owner.values():
        for precision, size in zip(PRECISIONS, price(variable), strict=True):
            total[precision] += size
    layers: dict[str, dict[str, int]] = {}
    for row in report.layers:
        if not row.variables:
            continue
        sums = [0] * len(PRECISIONS)
        for variable in row.owned_variables:
            for position, size in enumerate(price(variable)):
                sums[position] += size
        layers[row.path] = dict(zip(PRECISIONS, sums, strict=True))
    mixed = float32 = None
    if memory is not None:
        float32 = int(_field(memory, "training_total_bytes"))
        activations = int(_field(memory, "training_activation_bytes"))
        dtypes = list(_field(memory, "activation_dtypes") or [])
        halved = activations // 2 if dtypes == ["float32"] else activations
        mixed = float32 - activations + halved
    return PrecisionPlan(
        total=total, layers=layers, training_mixed_bytes=mixed, training_float32_bytes=float32
    )


__all__ = ["PRECISIONS", "PrecisionPlan", "dtype_bytes", "plan_precision", "quantization_mode"]
