"""Compute: multiply-accumulates (MACs) for one sample's forward pass, per layer and in total.

The numbers are read from each row's Keras config (``units``, ``filters``, ``kernel_size``,
``groups``...) and the shapes of its first call, never from Keras objects, so a report from
the static ``.keras`` reader gets the same figures as one from a live model.

Conventions (docs/insights.md has the full table and why):

* Dense: ``in x out`` per position (positions = the non-batch axes before the last, so a
  Dense on a ``(None, 10, 64)`` sequence costs ``10 x 64 x units``).
* Convolution: ``output positions x kernel volume x in/groups x out``; depthwise:
  ``output positions x kernel volume x in x depth_multiplier``; separable: depthwise plus a
  1x1 pointwise convolution; transposed: ``input positions x kernel volume x in x out``.
* Recurrent: ``steps x gates x (in x units + units x units)`` with 4 gates for LSTM, 3 for
  GRU, 1 for SimpleRNN; Bidirectional adds both directions; TimeDistributed multiplies its
  inner layer by the steps.
* MultiHeadAttention: the Q, K, V and output projections plus ``QK^T`` and ``attention x V``.
* Embedding lookups, pooling, normalisation, activations and element-wise merges: 0. The
  published figures this module is checked against (ResNet50 3.86 G, MobileNetV2 301 M, ...)
  count only convolution and dense multiply-adds; an inference engine folds batch
  normalisation into the preceding convolution. ``cost.elementwise_ops`` reports the
  element-wise work separately so it is not lost.

Biases are not counted (adding a bias is an add, not a multiply-accumulate). A ``None``
dimension other than the batch (a variable-length sequence) is counted as 1 and the layer is
listed in ``cost.per_unknown_dims`` so that nobody mistakes the figure for a total.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from layerscope.report import CapturedModel, LayerReport, Shape
from layerscope.results import ClassCost, Cost

MacRule = Callable[[Mapping[str, Any], Sequence[Shape], Sequence[Shape]], int]

ELEMENTWISE_CLASSES = frozenset(
    {
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "RMSNormalization",
        "UnitNormalization",
        "Normalization",
        "Rescaling",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "Softmax",
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
    }
)
"""Layers whose work is one operation per output element (counted in ``elementwise_ops``)."""


# -- shape helpers -----------------------------------------------------------------------------


def _known(dim: int | None) -> int:
    return 1 if dim is None else int(dim)


def _product(dims: Sequence[int | None]) -> int:
    result = 1
    for dim in dims:
        result *= _known(dim)
    return result


def shape_elements(shape: Shape) -> int:
    """Elements of one sample of ``shape`` (the first axis is the batch; ``None`` counts 1)."""
    return _product(shape[1:])


def _as_tuple(value: Any, rank: int) -> tuple[int, ...]:
    """``kernel_size`` and friends: an int, or a list/tuple of ints, as a ``rank``-tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),) * rank


def _channels_last(config: Mapping[str, Any]) -> bool:
    return config.get("data_format") in (None, "channels_last")


def _channels_and_spatial(
    shape: Shape, config: Mapping[str, Any]
) -> tuple[int, tuple[int | None, ...]]:
    if _channels_last(config):
        return _known(shape[-1]), tuple(shape[1:-1])
    return _known(shape[1]), tuple(shape[2:])


# -- rules ----------------------------------------------------------------------------------------


def _dense(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    shape = inputs[0]
    units = int(config.get("units") or _known(outputs[0][-1] if outputs else None))
    return _product(shape[1:-1]) * _known(shape[-1]) * units


def _conv_rank(class_name: str) -> int:
    for rank in (1, 2, 3):
        if f"{rank}D" in class_name:
            return rank
    return 2


def _conv(class_name: str) -> MacRule:
    rank = _conv_rank(class_name)

    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, _ = _channels_and_spatial(inputs[0], config)
        _, out_spatial = _channels_and_spatial(outputs[0], config)
        kernel = math.prod(_as_tuple(config["kernel_size"], rank))
        groups = int(config.get("groups") or 1)
        return _product(out_spatial) * kernel * (in_channels // groups) * int(config["filters"])

    return rule


def _conv_transpose(class_name: str) -> MacRule:
    rank = _conv_rank(class_name)

    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, in_spatial = _channels_and_spatial(inputs[0], config)
        kernel = math.prod(_as_tuple(config["kernel_size"], rank))
        return _product(in_spatial) * kernel * in_channels * int(config["filters"])

    return rule


def _depthwise(class_name: str) -> MacRule:
    rank = _conv_rank(class_name)

    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, _ = _channels_and_spatial(inputs[0], config)
        _, out_spatial = _channels_and_spatial(outputs[0], config)
        kernel = math.prod(_as_tuple(config["kernel_size"], rank))
        multiplier = int(config.get("depth_multiplier") or 1)
        return _product(out_spatial) * kernel * in_channels * multiplier

    return rule


def _separable(class_name: str) -> MacRule:
    rank = _conv_rank(class_name)

    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        in_channels, _ = _channels_and_spatial(inputs[0], config)
        _, out_spatial = _channels_and_spatial(outputs[0], config)
        kernel = math.prod(_as_tuple(config["kernel_size"], rank))
        multiplier = int(config.get("depth_multiplier") or 1)
        positions = _product(out_spatial)
        depthwise = positions * kernel * in_channels * multiplier
        pointwise = positions * in_channels * multiplier * int(config["filters"])
        return depthwise + pointwise

    return rule


_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1, "LSTMCell": 4, "GRUCell": 3, "SimpleRNNCell": 1}


def _recurrent(gates: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        shape = inputs[0]
        steps = _known(shape[1]) if len(shape) > 2 else 1
        features = _known(shape[-1])
        units = int(config["units"])
        return steps * gates * (features * units + units * units)

    return rule


def _generic_rnn(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """``keras.layers.RNN(cell)``: the cell's per-step cost (stacked cells chained) x steps."""
    shape = inputs[0]
    steps = _known(shape[1]) if len(shape) > 2 else 1
    cell = config.get("cell") or {}
    cells = [cell]
    if cell.get("class_name") == "StackedRNNCells":
        cells = list((cell.get("config") or {}).get("cells") or [])
    features = _known(shape[-1])
    per_step = 0
    for item in cells:
        gates = _GATES.get(str(item.get("class_name")), 0)
        units = int((item.get("config") or {}).get("units") or 0)
        per_step += gates * (features * units + units * units)
        features = units or features
    return steps * per_step


def _conv_lstm(class_name: str) -> MacRule:
    rank = _conv_rank(class_name)

    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        shape = inputs[0]
        steps = _known(shape[1])
        in_channels = _known(shape[-1]) if _channels_last(config) else _known(shape[2])
        out = outputs[0]
        spatial = out[-rank - 1 : -1] if _channels_last(config) else out[-rank:]
        kernel = math.prod(_as_tuple(config["kernel_size"], rank))
        filters = int(config["filters"])
        return steps * _product(spatial) * kernel * (in_channels + filters) * 4 * filters

    return rule


def _attention_dims(shape: Shape) -> tuple[int, int]:
    """(positions, features) of an attention input: every non-batch axis but the last."""
    return _product(shape[1:-1]), _known(shape[-1])


def _multi_head_attention(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    query = inputs[0]
    value = inputs[1] if len(inputs) > 1 else query
    key = inputs[2] if len(inputs) > 2 else value
    q_len, q_dim = _attention_dims(query)
    v_len, v_dim = _attention_dims(value)
    k_len, k_dim = _attention_dims(key)
    heads = int(config["num_heads"])
    key_dim = int(config["key_dim"])
    value_dim = int(config.get("value_dim") or key_dim)
    out_shape = config.get("output_shape")
    out_dim = q_dim if not out_shape else _product((None, *_as_tuple(out_shape, 1)))
    projections = (
        q_len * q_dim * heads * key_dim
        + k_len * k_dim * heads * key_dim
        + v_len * v_dim * heads * value_dim
        + q_len * heads * value_dim * out_dim
    )
    products = heads * q_len * k_len * key_dim + heads * q_len * v_len * value_dim
    return projections + products


def _group_query_attention(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    query = inputs[0]
    value = inputs[1] if len(inputs) > 1 else query
    key = inputs[2] if len(inputs) > 2 else value
    q_len, q_dim = _attention_dims(query)
    v_len, v_dim = _attention_dims(value)
    k_len, k_dim = _attention_dims(key)
    q_heads = int(config["num_query_heads"])
    kv_heads = int(config["num_key_value_heads"])
    head_dim = int(config["head_dim"])
    projections = (
        q_len * q_dim * q_heads * head_dim
        + k_len * k_dim * kv_heads * head_dim
        + v_len * v_dim * kv_heads * head_dim
        + q_len * q_heads * head_dim * q_dim
    )
    products = q_heads * q_len * k_len * head_dim + q_heads * q_len * v_len * head_dim
    return projections + products


def _dot_attention(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """Attention / AdditiveAttention: the score matrix and the weighted sum of values."""
    query = inputs[0]
    value = inputs[1] if len(inputs) > 1 else query
    q_len, dim = _attention_dims(query)
    v_len, _ = _attention_dims(value)
    return 2 * q_len * v_len * dim


def _einsum_dense(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """The product of every index's size in the equation (the batch index counts 1)."""
    equation = str(config["equation"]).replace(" ", "")
    operands, out_spec = equation.split("->")
    in_spec, kernel_spec = operands.split(",")
    sizes: dict[str, int] = {}
    ellipsis = 1

    def bind(spec: str, shape: Shape, batch_first: bool) -> int:
        if "..." in spec:
            before, after = spec.split("...")
            middle = len(shape) - len(before) - len(after)
            letters: list[str | None] = [*before, *([None] * middle), *after]
        else:
            letters = list(spec)
        extra = 1
        for index, (letter, dim) in enumerate(zip(letters, shape, strict=False)):
            size = 1 if (batch_first and index == 0) else _known(dim)
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


def _zero(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    return 0


def rule_for(class_name: str) -> MacRule | None:
    """The MAC rule for a layer class, or ``None`` when layerscope has none."""
    if class_name in ("Dense", "QuantizedDense"):
        return _dense
    if class_name == "EinsumDense":
        return _einsum_dense
    if class_name in _GATES and not class_name.endswith("Cell"):
        return _recurrent(_GATES[class_name])
    if class_name == "RNN":
        return _generic_rnn
    if class_name.startswith("ConvLSTM"):
        return _conv_lstm(class_name)
    if class_name.startswith("SeparableConv") or class_name.startswith("SeparableConvolution"):
        return _separable(class_name)
    if class_name.startswith("DepthwiseConv"):
        return _depthwise(class_name)
    if class_name.startswith(("Conv", "Convolution")) and class_name.endswith("Transpose"):
        return _conv_transpose(class_name)
    if class_name.startswith(("Conv", "Convolution")):
        return _conv(class_name)
    if class_name == "MultiHeadAttention":
        return _multi_head_attention
    if class_name in ("GroupedQueryAttention", "GroupQueryAttention"):
        return _group_query_attention
    if class_name in ("Attention", "AdditiveAttention"):
        return _dot_attention
    if class_name in ("Embedding", "InputLayer", "ReversibleEmbedding"):
        return _zero
    return None


def _inner(config: Mapping[str, Any], key: str) -> tuple[str, Mapping[str, Any]] | None:
    layer = config.get(key)
    if not isinstance(layer, Mapping) or "class_name" not in layer:
        return None
    return str(layer["class_name"]), layer.get("config") or {}


def wrapper_macs(
    class_name: str, config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int | None:
    """MACs of a Bidirectional / TimeDistributed wrapper from its inner layer's config."""
    if class_name == "Bidirectional":
        forward = _inner(config, "forward_layer") or _inner(config, "layer")
        backward = _inner(config, "backward_layer") or forward
        if forward is None or backward is None:
            return None
        total = 0
        for inner_class, inner_config in (forward, backward):
            macs = layer_macs(inner_class, inner_config, inputs, ())
            if macs is None:
                return None
            total += macs
        return total
    if class_name == "TimeDistributed":
        inner = _inner(config, "layer")
        if inner is None or not inputs:
            return None
        steps = _known(inputs[0][1]) if len(inputs[0]) > 1 else 1
        inner_inputs = [(s[0], *s[2:]) for s in inputs]
        inner_outputs = [(s[0], *s[2:]) for s in outputs]
        macs = layer_macs(inner[0], inner[1], inner_inputs, inner_outputs)
        return None if macs is None else steps * macs
    return None


def layer_macs(
    class_name: str,
    config: Mapping[str, Any],
    inputs: Sequence[Shape],
    outputs: Sequence[Shape],
) -> int | None:
    """MACs of one call of a layer; ``None`` when there is no rule or the shapes are unknown.

    Layers with no multiply-accumulates at all (pooling, reshaping, activations...) get 0
    from :func:`compute_cost`; ``None`` here means "cannot say".
    """
    if class_name in ("Bidirectional", "TimeDistributed"):
        return wrapper_macs(class_name, config, inputs, outputs)
    rule = rule_for(class_name)
    if rule is None:
        return None
    if rule is _zero:
        return 0
    if not inputs:
        return None
    try:
        return int(rule(config, inputs, outputs))
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return None


def _has_kernel(row: LayerReport) -> bool:
    return any(v.role == "weight" for v in row.variables)


def _has_unknown_dims(row: LayerReport) -> bool:
    return any(
        dim is None for shape in (*row.input_shapes, *row.output_shapes) for dim in shape[1:]
    )


def _wrapped_class(row: LayerReport) -> str:
    inner = _inner(row.config, "layer") or _inner(row.config, "forward_layer")
    return inner[0] if inner else ""


def compute_cost(report: CapturedModel) -> tuple[CapturedModel, Cost]:
    """Every row's ``macs`` and ``activation_elements`` filled in, and the model's cost."""
    uncounted: list[str] = []
    unknown_dims: list[str] = []
    elementwise = 0
    rows = list(report.layers)
    for index, row in enumerate(rows):
        if row.is_container:
            continue
        per_call = layer_macs(row.class_name, row.config, row.input_shapes, row.output_shapes)
        if per_call is None:
            per_call = 0
            if _has_kernel(row):
                # A layer holding a kernel surely multiplies; say that it was not counted.
                uncounted.append(row.path)
        elif per_call and _has_unknown_dims(row):
            unknown_dims.append(row.path)
        activations = sum(shape_elements(s) for s in row.output_shapes) * row.call_count
        if row.class_name in ELEMENTWISE_CLASSES or (
            row.class_name == "TimeDistributed" and _wrapped_class(row) in ELEMENTWISE_CLASSES
        ):
            elementwise += activations
        rows[index] = dataclasses.replace(
            row, macs=per_call * row.call_count, activation_elements=activations
        )
    # Containers add up their children, deepest first; a nested model called twice costs
    # twice its inner layers (the inner rows count calls inside the nested graph only).
    for index in sorted(
        (i for i, r in enumerate(rows) if r.is_container), key=lambda i: -rows[i].depth
    ):
        row = rows[index]
        inner = sum(r.macs for r in rows if r.parent == row.path)
        activations = sum(shape_elements(s) for s in row.output_shapes) * row.call_count
        rows[index] = dataclasses.replace(
            row, macs=inner * row.call_count, activation_elements=activations
        )
    layers = tuple(rows)
    total = sum(row.macs for row in layers if row.depth == 0)
    leaves = [row for row in layers if not row.is_container and row.macs]
    heaviest = max(leaves, key=lambda r: r.macs, default=None)
    cost = Cost(
        macs=total,
        flops=2 * total,
        elementwise_ops=elementwise,
        heaviest_layer=heaviest.name if heaviest else None,
        heaviest_path=heaviest.path if heaviest else None,
        heaviest_macs=heaviest.macs if heaviest else 0,
        heaviest_share=(heaviest.macs / total) if heaviest and total else 0.0,
        by_class=_by_class(leaves, total),
        uncounted_layers=tuple(uncounted),
        per_unknown_dims=tuple(unknown_dims),
        convention=(
            "one sample, forward pass; multiply-accumulates of dense, convolution, "
            "recurrent and attention layers; normalisation and element-wise layers count 0"
        ),
    )
    return dataclasses.replace(report, layers=layers), cost


def _by_class(leaves: Sequence[LayerReport], total: int) -> tuple[ClassCost, ...]:
    """MACs per layer class, largest first (what kind of layer the compute goes to)."""
    sums: dict[str, int] = {}
    for row in leaves:
        sums[row.class_name] = sums.get(row.class_name, 0) + row.macs
    ordered = sorted(sums.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        ClassCost(class_name=name, macs=macs, share=(macs / total) if total else 0.0)
        for name, macs in ordered
    )
