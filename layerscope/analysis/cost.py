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
* Grouped-query attention: query heads for ``QK^T`` and ``attention x V``, key/value heads
  for the K and V projections.
* A layer with no rule of its own (a custom block: ``TransformerEncoder``, a Llama decoder
  layer, ``DepthwiseConvBlock``) costs the sum of its sub-layer rows plus the matrix
  products its own code ran through ``keras.ops`` (``einsum``, ``matmul``,
  ``dot_product_attention``: the attention products), as recorded by tracing the model at
  the chosen input shape (``layerscope.tracing``). Rules match the exact class whose
  ``call`` the layer runs (``LayerReport.call_class``), never a name prefix, so
  ``DepthwiseConvBlock`` is not priced as a ``DepthwiseConv2D``.
* ``ReversibleEmbedding`` (keras_hub's tied embedding): a lookup costs 0, its reverse call
  (the language-model head) ``vocabulary x hidden`` per position.
* Embedding lookups, pooling, normalisation, activations and element-wise merges: 0. The
  published figures this module is checked against (ResNet50 3.86 G, MobileNetV2 301 M, ...)
  count only convolution and dense multiply-adds; an inference engine folds batch
  normalisation into the preceding convolution. ``cost.elementwise_ops`` reports the
  element-wise work separately so it is not lost.

Biases are not counted (adding a bias is an add, not a multiply-accumulate). A ``None``
dimension other than the batch (a variable-length sequence) is counted as 1 and the layer is
listed in ``cost.per_unknown_dims`` so that nobody mistakes the figure for a total; pass
``seq_len`` / ``input_shapes`` to ``analyze`` (``--seq-len`` / ``--input-shape``) to fix it.
Whatever cannot be counted is listed in ``cost.uncounted`` with the reason, and
``cost.complete`` is false, so that the headline says "at least".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from layerscope.report import CapturedModel, LayerCall, LayerReport, OpCall, Shape
from layerscope.results import ClassCost, Cost, CostAssumptions, UncountedLayer

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


def _reversible_embedding(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """keras_hub's ``ReversibleEmbedding``: a lookup is free; the reverse call (hidden states
    in, one logit per vocabulary entry out) is a ``hidden x vocabulary`` product per position."""
    vocabulary = int(config["input_dim"])
    hidden = int(config["output_dim"])
    source, result = inputs[0], (outputs[0] if outputs else None)
    reverse = (
        result is not None
        and len(source) == len(result)
        and source[-1] == hidden
        and result[-1] == vocabulary
    )
    return _product(source[1:-1]) * hidden * vocabulary if reverse else 0


_CONV_CLASSES = frozenset(
    {"Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"}
)
_CONV_TRANSPOSE_CLASSES = frozenset(
    {
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "Convolution1DTranspose",
        "Convolution2DTranspose",
        "Convolution3DTranspose",
    }
)
_DEPTHWISE_CLASSES = frozenset({"DepthwiseConv1D", "DepthwiseConv2D"})
_SEPARABLE_CLASSES = frozenset(
    {"SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"}
)
_CONV_LSTM_CLASSES = frozenset({"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"})


def rule_for(class_name: str) -> MacRule | None:
    """The MAC rule for a layer class, or ``None`` when layerscope has none.

    Matching is by exact class name (Keras's aliases included), never by prefix: a custom
    ``DepthwiseConvBlock`` has no rule and is priced through its sub-layers instead.
    keras_hub's blocks have closed-form rules (:mod:`layerscope.analysis.hub_cost`), which
    the static engine needs: it reads no code, so it has no traced sub-layer calls.
    """
    from layerscope.analysis.hub_cost import HUB_RULES

    if class_name in HUB_RULES:
        return HUB_RULES[class_name]
    if class_name in ("Dense", "QuantizedDense"):
        return _dense
    if class_name == "EinsumDense":
        return _einsum_dense
    if class_name in _GATES and not class_name.endswith("Cell"):
        return _recurrent(_GATES[class_name])
    if class_name == "RNN":
        return _generic_rnn
    if class_name in _CONV_LSTM_CLASSES:
        return _conv_lstm(class_name)
    if class_name in _SEPARABLE_CLASSES:
        return _separable(class_name)
    if class_name in _DEPTHWISE_CLASSES:
        return _depthwise(class_name)
    if class_name in _CONV_TRANSPOSE_CLASSES:
        return _conv_transpose(class_name)
    if class_name in _CONV_CLASSES:
        return _conv(class_name)
    if class_name == "MultiHeadAttention":
        return _multi_head_attention
    if class_name in ("GroupedQueryAttention", "GroupQueryAttention"):
        return _group_query_attention
    if class_name in ("Attention", "AdditiveAttention"):
        return _dot_attention
    if class_name == "ReversibleEmbedding":
        return _reversible_embedding
    if class_name in ("Embedding", "InputLayer"):
        return _zero
    return None


# -- matrix products a layer's own code ran (recorded by tracing) --------------------------


def op_macs(op: OpCall) -> int:
    """MACs of one recorded ``keras.ops`` matrix product (shapes at batch 1, ``None`` as 1).

    ``einsum``: the product of every index's size (two or more operands; one operand is a
    transpose or a sum, 0). ``matmul``: ``batch x m x k x n`` with NumPy broadcasting.
    ``dot_product_attention``: ``QK^T`` plus ``attention x V``.
    """
    shapes = op.shapes
    if op.op == "einsum" and op.equation and len(shapes) >= 2:
        return _einsum_macs(op.equation, shapes)
    if op.op == "matmul" and len(shapes) == 2:
        a, b = shapes
        if not a or not b:
            return 0
        m = _known(a[-2]) if len(a) >= 2 else 1
        k = _known(a[-1])
        n = _known(b[-1]) if len(b) >= 2 else 1
        return _broadcast(a[:-2], b[:-2]) * m * k * n
    if op.op == "dot_product_attention" and len(shapes) == 3:
        query, key, value = shapes
        if len(query) == 4:
            batch, q_len, heads, depth = (_known(d) for d in query)
        else:
            batch, q_len, depth = (_known(d) for d in query[-3:])
            heads = 1
        k_len = _known(key[1])
        return batch * heads * q_len * k_len * (depth + _known(value[-1]))
    return 0


def _broadcast(a: Sequence[int | None], b: Sequence[int | None]) -> int:
    rank = max(len(a), len(b))
    padded_a = (1,) * (rank - len(a)) + tuple(_known(d) for d in a)
    padded_b = (1,) * (rank - len(b)) + tuple(_known(d) for d in b)
    return math.prod(max(x, y) for x, y in zip(padded_a, padded_b, strict=True))


def _einsum_macs(equation: str, shapes: Sequence[Shape]) -> int:
    operands = equation.split("->")[0].split(",")
    if len(operands) != len(shapes):
        return 0
    sizes: dict[str, int] = {}
    for spec, shape in zip(operands, shapes, strict=True):
        if "..." in spec:
            before, after = spec.split("...")
            middle = len(shape) - len(before) - len(after)
            # Broadcast axes are named from the right, so that operands line up.
            letters = [*before, *(f"...{middle - i}" for i in range(middle)), *after]
        else:
            letters = list(spec)
        for letter, dim in zip(letters, shape, strict=False):
            sizes[letter] = max(sizes.get(letter, 1), _known(dim))
    return math.prod(sizes.values())


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


def _unknown(shapes: Sequence[Shape]) -> bool:
    return any(dim is None for shape in shapes for dim in shape[1:])


def _has_unknown_dims(row: LayerReport) -> bool:
    calls = row.calls or (LayerCall(row.input_shapes, row.output_shapes),)
    return any(_unknown((*c.input_shapes, *c.output_shapes)) for c in calls) or any(
        dim is None for op in row.ops for shape in op.shapes for dim in shape
    )


def _wrapped_class(row: LayerReport) -> str:
    inner = _inner(row.config, "layer") or _inner(row.config, "forward_layer")
    return inner[0] if inner else ""


def priced_class(row: LayerReport) -> str | None:
    """The class whose rule prices ``row``: ``call_class`` when capture knows it (``None`` for a
    layer running its own ``call``), else the row's class name (the static engine)."""
    if row.call_class is None:
        return row.class_name
    return row.call_class or None


def has_rule(class_name: str | None) -> bool:
    return class_name is not None and (
        class_name in ("Bidirectional", "TimeDistributed") or rule_for(class_name) is not None
    )


@dataclasses.dataclass(frozen=True)
class _RowCost:
    macs: int
    reason: str | None = None
    """Why (part of) the row could not be counted; ``None`` when it was."""


def _rule_cost(row: LayerReport, class_name: str) -> _RowCost:
    """A row priced by its class's rule, over every traced call (or first call x count)."""
    if row.calls:
        calls: Sequence[LayerCall] = row.calls
        repeat = 1
    else:
        calls = (LayerCall(row.input_shapes, row.output_shapes),)
        repeat = row.call_count
    total = 0
    for call in calls:
        macs = layer_macs(class_name, row.config, call.input_shapes, call.output_shapes)
        if macs is None:
            return _RowCost(0, f"the {class_name} rule could not read its shapes or config")
        total += macs * repeat
    return _RowCost(total)


def _hub_block_cost(row: LayerReport) -> _RowCost | None:
    """A keras_hub block read without its code (the static engine): its closed form."""
    from layerscope.analysis.hub_cost import HUB_BLOCK_RULES

    rule = HUB_BLOCK_RULES.get(row.class_name)
    if rule is None or not row.input_shapes:
        return None
    try:
        return _RowCost(int(rule(row.config, row.input_shapes, row.output_shapes)) * row.call_count)
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return _RowCost(0, f"the {row.class_name} rule could not read its shapes or config")


def _row_cost(row: LayerReport, children: Sequence[LayerReport]) -> _RowCost:
    inner = sum(child.macs for child in children)
    if row.is_container:
        # A nested model traced as a whole: its inner rows hold every call already.
        return _RowCost(inner * (1 if row.calls else row.call_count))
    if row.is_block and not row.calls and not children:
        block = _hub_block_cost(row)
        if block is not None:
            return block
    class_name = priced_class(row)
    if class_name is not None and has_rule(class_name):
        return _rule_cost(row, class_name)
    if row.is_block or row.calls or row.ops:
        # No rule of its own: what it calls (sub-layers) plus the products its code ran.
        return _RowCost(inner + sum(op_macs(op) for op in row.ops))
    if not _has_kernel(row):
        return _RowCost(0)
    return _RowCost(
        0,
        f"no MAC rule for {row.class_name} and its calls were not traced"
        + (" (the static engine reads no code)" if row.call_class is None else ""),
    )


def compute_cost(report: CapturedModel) -> tuple[CapturedModel, Cost]:
    """Every row's ``macs`` and ``activation_elements`` filled in, and the model's cost."""
    rows = list(report.layers)
    costs: dict[int, _RowCost] = {}
    children: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        if row.parent is not None:
            children.setdefault(row.parent, []).append(index)
    # Deepest rows first, so that a block or nested model adds up finished children.
    for index in sorted(range(len(rows)), key=lambda i: -rows[i].depth):
        row = rows[index]
        row_cost = _row_cost(row, [rows[i] for i in children.get(row.path, ())])
        costs[index] = row_cost
        activations = sum(shape_elements(s) for s in row.output_shapes) * row.call_count
        rows[index] = dataclasses.replace(row, macs=row_cost.macs, activation_elements=activations)

    uncounted = tuple(
        UncountedLayer(path=rows[i].path, class_name=rows[i].class_name, reason=item.reason)
        for i, item in sorted(costs.items())
        if item.reason is not None
    )
    unknown_dims = [
        row.path
        for row in rows
        if row.macs and not row.is_container and not row.is_block and _has_unknown_dims(row)
    ]
    elementwise = sum(
        row.activation_elements
        for row in rows
        if not row.is_container
        and not row.is_block
        and (
            row.class_name in ELEMENTWISE_CLASSES
            or (row.class_name == "TimeDistributed" and _wrapped_class(row) in ELEMENTWISE_CLASSES)
        )
    )
    layers = tuple(rows)
    total = sum(row.macs for row in layers if row.depth == 0)
    # Each row's own work: a leaf's MACs, a block's products outside its sub-layers.
    own = {
        row.path: row.macs
        - sum(rows[i].macs for i in children.get(row.path, ()) if not row.is_container)
        for row in layers
        if not row.is_container
    }
    leaves = [row for row in layers if own.get(row.path, 0) > 0]
    heaviest = max(leaves, key=lambda r: own[r.path], default=None)
    heaviest_macs = own[heaviest.path] if heaviest else 0
    cost = Cost(
        macs=total,
        flops=2 * total,
        elementwise_ops=elementwise,
        heaviest_layer=heaviest.name if heaviest else None,
        heaviest_path=heaviest.path if heaviest else None,
        heaviest_macs=heaviest_macs,
        heaviest_share=(heaviest_macs / total) if heaviest and total else 0.0,
        by_class=_by_class(leaves, own, total),
        uncounted_layers=tuple(item.path for item in uncounted),
        per_unknown_dims=tuple(unknown_dims),
        convention=CONVENTION,
        complete=not uncounted,
        uncounted=uncounted,
        assumptions=_assumptions(report, bool(unknown_dims)),
    )
    return dataclasses.replace(report, layers=layers), cost


CONVENTION = (
    "batch 1, one forward pass; multiply-accumulates (MACs; FLOPs = 2 x MACs) of dense, "
    "einsum, convolution, recurrent and attention layers, and of the einsum/matmul/attention "
    "products custom layers run; embedding lookups, normalisation, activations, pooling, "
    "biases and element-wise merges count 0"
)
"""What the MAC figure counts, in one sentence every renderer can show."""


def _assumptions(report: CapturedModel, unknown: bool) -> CostAssumptions:
    """The input shape the figures are for, and whether some dimension stayed unknown."""
    if report.trace is not None and report.trace.input_shapes and not report.trace.error:
        shapes = {name: tuple(shape) for name, shape in report.trace.input_shapes}
    else:
        count = len(report.input_shapes)
        names = list(report.inputs) or (
            ["input"] if count == 1 else [f"input_{i}" for i in range(count)]
        )
        shapes = {
            name: (1, *shape[1:]) for name, shape in zip(names, report.input_shapes, strict=False)
        }
    unknown = unknown or any(d is None for shape in shapes.values() for d in shape[1:])
    return CostAssumptions(
        batch_size=1,
        input_shapes=shapes,
        unknown_dims=unknown,
        note=(
            "an input dimension is unknown and was counted as 1, so the figures are per "
            "position (attention's length-squared terms are not); pass --seq-len N or "
            "--input-shape NAME=D1,D2 for a total"
            if unknown
            else None
        ),
        trace_error=report.trace.error if report.trace is not None else None,
    )


def _by_class(
    rows: Sequence[LayerReport], own: Mapping[str, int], total: int
) -> tuple[ClassCost, ...]:
    """MACs per layer class, largest first (what kind of layer the compute goes to)."""
    sums: dict[str, int] = {}
    for row in rows:
        sums[row.class_name] = sums.get(row.class_name, 0) + own[row.path]
    ordered = sorted(sums.items(), key=lambda item: (-item[1], item[0]))
    return tuple(
        ClassCost(class_name=name, macs=macs, share=(macs / total) if total else 0.0)
        for name, macs in ordered
    )
