"""Dense, EinsumDense and Embedding.

MACs: Dense ``in x out`` per position (positions = the non-batch axes before the last, so a
Dense on a ``(None, 10, 64)`` sequence costs ``10 x 64 x units``); EinsumDense the product of
every index's size in its equation; an embedding lookup 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import known, product, zero
from layerscope.catalogue.geometry import last_dim
from layerscope.catalogue.kind import LayerKind, Layout, Pattern, ShapeList, VarSpec
from layerscope.catalogue.layout import (
    FLOAT8_EXTRAS,
    int4_block_size,
    kernel_bias,
    quantization_mode,
    require_plain,
    var_specs,
)
from layerscope.catalogue.params import param_size
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def dense_macs(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    shape = inputs[0]
    units = int(config.get("units") or known(outputs[0][-1] if outputs else None))
    return product(shape[1:-1]) * known(shape[-1]) * units


def einsum_dense_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """The product of every index's size in the equation (the batch index counts 1)."""
    equation = str(config["equation"]).replace(" ", "")
    operands, out_spec = equation.split("->")
    in_spec, kernel_spec = operands.split(",")
    sizes: dict[str, int] = {}

    def bind(spec: str, shape: Shape, batch_first: bool) -> int:
        if "..." in spec:
            before, after = spec.split("...")
            middle = len(shape) - len(before) - len(after)
            letters: list[str | None] = [*before, *([None] * middle), *after]
        else:
            letters = list(spec)
        extra = 1
        for index, (letter, dim) in enumerate(zip(letters, shape, strict=False)):
            size = 1 if (batch_first and index == 0) else known(dim)
            if letter is None:
                extra *= size
            elif size > sizes.get(letter, 0):
                sizes[letter] = size
        return extra

    ellipsis = bind(in_spec, inputs[0], batch_first=True)
    if outputs:
        bind(out_spec, outputs[0], batch_first=True)
    for letter in kernel_spec:
        sizes.setdefault(letter, 1)
    return ellipsis * math.prod(sizes.values())


def _dense_layout(config: Mapping[str, Any]) -> Layout:
    mode = quantization_mode(config)
    if mode is not None:
        return _quantized_dense_layout(config, mode)
    require_plain(config)
    return kernel_bias(config)


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
        if int4_block_size(config, mode) is not None:
            extras += ["kernel_zero", "g_idx"]
    elif mode == "float8":
        extras = list(FLOAT8_EXTRAS)
    else:
        raise StaticUnsupported(f"layer {config.get('name')!r}: quantization mode {mode!r}")
    saved = {name: index for index, name in enumerate(["kernel", *bias, *extras])}
    if mode == "float8":  # everything trainable; the scales are built before the kernel
        order = [(name, True) for name in [*extras, "kernel", *bias]]
    else:
        order = [(name, True) for name in bias] + [(name, False) for name in ["kernel", *extras]]
    return tuple(VarSpec(n, t, stored_at=saved[n]) for n, t in order), ()


def _einsum_layout(config: Mapping[str, Any]) -> Layout:
    mode = quantization_mode(config)
    if mode is not None:
        return _quantized_dense_layout(config, mode, bias_key="bias_axes")
    require_plain(config)
    return var_specs("kernel", *(("bias",) if config.get("bias_axes") else ())), ()


def _embedding_layout(config: Mapping[str, Any]) -> Layout:
    mode = quantization_mode(config)
    if mode == "int8":
        return var_specs(("embeddings", False), ("embeddings_scale", False)), ()
    if mode is not None and mode.split("/")[0] == "int4":
        names = ["embeddings", "embeddings_scale"]
        if int4_block_size(config, mode) is not None:
            names += ["embeddings_zero", "g_idx"]
        return var_specs(*((name, False) for name in names)), ()
    if mode is not None:
        raise StaticUnsupported(f"layer {config.get('name')!r}: quantization mode {mode!r}")
    require_plain(config)
    return var_specs("embeddings"), ()


def _dense_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    units = param_size(config, "units")
    inputs_dim = last_dim(inputs)
    shapes: dict[str, Pattern] = {"kernel": (inputs_dim, units), "bias": (units,)}
    mode = quantization_mode(config)
    if mode == "int8":
        shapes["kernel_scale"] = (units,)
    elif mode is not None and mode.split("/")[0] == "int4":
        # Two int4 values per int8 byte, packed along the units axis.
        shapes["kernel"] = (inputs_dim, (units + 1) // 2)
        block = int4_block_size(config, mode)
        if block is None:
            shapes["kernel_scale"] = (units,)
        else:
            groups = None if inputs_dim is None else -(-inputs_dim // block)
            shapes.update(kernel_scale=(groups, units), kernel_zero=(groups, units))
            shapes["g_idx"] = (inputs_dim,)
    elif mode == "float8":
        history = (config.get("dtype") or {}).get("config", {}).get("amax_history_length", 1024)
        for name in FLOAT8_EXTRAS:
            shapes[name] = (history,) if name.endswith("history") else ()
    return shapes


def _embedding_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    rows, columns = param_size(config, "input_dim"), param_size(config, "output_dim")
    mode = quantization_mode(config)
    if mode == "int8":
        return {"embeddings": (rows, columns), "embeddings_scale": (rows,)}
    if mode is not None and mode.split("/")[0] == "int4":
        shapes: dict[str, Pattern] = {"embeddings": (rows, (columns + 1) // 2)}
        block = int4_block_size(config, mode)
        if block is not None:
            groups = -(-columns // block)
            shapes.update(embeddings_scale=(rows, groups), embeddings_zero=(rows, groups))
            shapes["g_idx"] = (columns,)
        return shapes
    return {"embeddings": (rows, columns)}


def _dense_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    return [(*inputs[0][:-1], param_size(config, "units"))]


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
    return [(*inputs[0], param_size(config, "output_dim"))]


KINDS = (
    LayerKind(
        "Dense",
        "dense",
        width_key="units",
        input_kernel=True,
        unit_kernel=True,
        spectral_kernel=True,
        cost=dense_macs,
        layout=_dense_layout,
        variable_shapes=_dense_variables,
        output_shape=_dense_shape,
    ),
    LayerKind("QuantizedDense", "dense", cost=dense_macs),
    LayerKind(
        "EinsumDense",
        "dense",
        spectral_kernel=True,
        cost=einsum_dense_macs,
        layout=_einsum_layout,
        output_shape=_einsum_dense_shape,
    ),
    LayerKind(
        "Embedding",
        "dense",
        hidden_layer=False,
        cost=zero,
        layout=_embedding_layout,
        variable_shapes=_embedding_variables,
        output_shape=_embedding_shape,
    ),
)
