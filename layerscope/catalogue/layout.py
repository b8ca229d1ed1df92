"""Variable layouts: the variables a layer class creates, in save order, and its sublayers.

A layer saves ``_trainable_variables + _non_trainable_variables`` by index, so per class we
know the names, order and trainability. These are the helpers the family modules build their
layouts from, and the quantization modes that change them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from layerscope.catalogue.kind import Layout, VarSpec
from layerscope.catalogue.params import check_size
from layerscope.errors import StaticUnsupported

NO_VARIABLES: Layout = ((), ())


def var_specs(*specs: tuple[str, bool] | str) -> tuple[VarSpec, ...]:
    return tuple(VarSpec(s) if isinstance(s, str) else VarSpec(*s) for s in specs)


def kernel_bias(config: Mapping[str, Any], kernel: str = "kernel") -> Layout:
    names: list[str] = [kernel]
    if config.get("use_bias", True):
        names.append("bias")
    return var_specs(*names), ()


_QUANTIZED_POLICIES = frozenset(
    {"QuantizedDTypePolicy", "Int4DTypePolicy", "QuantizedFloat8DTypePolicy"}
)

FLOAT8_EXTRAS = (
    "inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
    "outputs_grad_scale", "outputs_grad_amax_history",
)  # fmt: skip


def quantization_mode(config: Mapping[str, Any]) -> str | None:
    """``int8``, ``int4``, ``int4/128``, ``float8``... for a layer ``model.quantize`` changed
    (its dtype policy says so); ``None`` for a plain layer."""
    if config.get("lora_rank"):
        return None  # left to require_plain, which refuses it
    dtype = config.get("dtype")
    if not isinstance(dtype, Mapping) or dtype.get("class_name") not in _QUANTIZED_POLICIES:
        return None
    mode = (dtype.get("config") or {}).get("mode")
    if not isinstance(mode, str):
        raise StaticUnsupported(f"layer {config.get('name')!r}: unreadable quantization mode")
    return mode


def int4_block_size(config: Mapping[str, Any], mode: str) -> int | None:
    """The int4 block (group) size, ``None`` for one scale per output channel."""
    if "/" in mode:
        text = mode.split("/", 1)[1]
        if not text.isdigit():
            raise StaticUnsupported(f"layer {config.get('name')!r}: quantization mode {mode!r}")
        return check_size(int(text), "block size", config)
    quantization = (config.get("quantization_config") or {}).get("config") or {}
    size = quantization.get("block_size")
    return None if size in (None, -1) else check_size(size, "block_size", config)


def require_plain(config: Mapping[str, Any]) -> None:
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


def single_variable(name: str, trainable: bool = True) -> Callable[[Mapping[str, Any]], Layout]:
    return lambda config: (var_specs((name, trainable)), ())


def no_variables(config: Mapping[str, Any]) -> Layout:
    return NO_VARIABLES
