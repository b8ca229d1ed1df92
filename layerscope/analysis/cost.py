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
  ``dot_product_attention``: the attention products; ``conv``, ``depthwise_conv``) or with
  ``@``, as recorded by tracing the model at the chosen input shape
  (``layerscope.tracing``). Rules match the exact class whose
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
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.analysis.graph import has_kernel
from layerscope.catalogue import MacRule, cost_rule, kind_of, output_rule
from layerscope.catalogue.dims import einsum_macs as _einsum_macs
from layerscope.catalogue.dims import known as _known
from layerscope.catalogue.dims import shape_elements, zero
from layerscope.errors import LayerscopeError
from layerscope.report import CapturedModel, LayerCall, LayerReport, OpCall, Shape
from layerscope.results import ClassCost, Cost, CostAssumptions, UncountedLayer


def rule_for(class_name: str) -> MacRule | None:
    """The MAC rule for a layer class, or ``None`` when layerscope has none.

    Matching is by exact class name (Keras's aliases included), never by prefix: a custom
    ``DepthwiseConvBlock`` has no rule and is priced through its sub-layers instead. The
    rules live in :mod:`layerscope.catalogue`, one family module per kind of layer.
    """
    return cost_rule(class_name)


# -- matrix products a layer's own code ran (recorded by tracing) --------------------------


def op_macs(op: OpCall) -> int:
    """MACs per sample of one recorded ``keras.ops`` matrix product (``None`` as 1): the
    product's over the batch it was traced at (``op.batch``, 1 unless an input fixes it).
    """
    return _product_macs(op) // max(1, op.batch)


def _product_macs(op: OpCall) -> int:
    """MACs of one recorded ``keras.ops`` matrix product at its shapes (``None`` as 1).

    ``einsum``: the product of every index's size (two or more operands; one operand is a
    transpose or a sum, 0). ``matmul``: ``batch x m x k x n`` with NumPy broadcasting.
    ``dot_product_attention``: ``QK^T`` plus ``attention x V``. ``conv`` (shapes: inputs,
    kernel ``(*window, in / groups, out)``, output): each output element is a window x
    ``in / groups`` product; ``depthwise_conv`` (kernel ``(*window, in, multiplier)``): a
    window product per output element.
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
    if op.op in ("conv", "depthwise_conv") and len(shapes) == 3:
        kernel, output = shapes[1], shapes[2]
        window = kernel[:-1] if op.op == "conv" else kernel[:-2]
        return math.prod(_known(d) for d in output) * math.prod(_known(d) for d in window)
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
        kind = kind_of(inner[0])
        if cost_rule(inner[0]) is None and kind is not None and kind.stateless:
            return 0  # an activation, pooling or reshape costs 0 wrapped as it does unwrapped
        if inner[0] == "Sequential":
            macs = _chain_macs(inner[1], inner_inputs, inner_outputs)
        else:
            macs = layer_macs(inner[0], inner[1], inner_inputs, inner_outputs)
        return None if macs is None else steps * macs
    return None


def _chain_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int | None:
    """A Sequential model wrapped by TimeDistributed (a per-frame CNN), which has no rows of
    its own: its layers priced in order, each one's output shape from its catalogue rule (as
    the static engine computes it); ``None`` when a layer has no rule, or the chain does not
    end at the wrapper's recorded output shape."""
    shapes = list(inputs)
    total = 0
    for entry in config.get("layers") or []:
        class_name = str(entry.get("class_name"))
        if class_name == "InputLayer":
            continue
        layer_config = entry.get("config") or {}
        rule = output_rule(class_name)
        try:
            computed = None if rule is None else rule(layer_config, shapes)
        except (LayerscopeError, KeyError, IndexError, TypeError, ValueError):
            return None
        if not computed:
            return None
        kind = kind_of(class_name)
        if kind is not None and kind.cost is None and not kind.wrapper:
            macs: int | None = 0  # normalisation, pooling, reshaping, activations
        else:
            macs = layer_macs(class_name, layer_config, shapes, computed)
        if macs is None:
            return None
        total += macs
        shapes = computed
    if outputs and [tuple(s) for s in shapes] != [tuple(s) for s in outputs]:
        return None
    return total


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
    kind = kind_of(class_name)
    if kind is not None and kind.wrapper:
        return wrapper_macs(class_name, config, inputs, outputs)
    rule = rule_for(class_name)
    if rule is None:
        return None
    if rule is zero:
        return 0
    if not inputs:
        return None
    try:
        return int(rule(config, inputs, outputs))
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
        return None


def _unknown(shapes: Sequence[Shape]) -> bool:
    return any(dim is None for shape in shapes for dim in shape[1:])


def _has_unknown_dims(row: LayerReport) -> bool:
    calls = row.calls or (LayerCall(row.input_shapes, row.output_shapes),)
    return any(_unknown((*c.input_shapes, *c.output_shapes)) for c in calls) or any(
        dim is None for op in row.ops for shape in op.shapes for dim in shape
    )


def _elementwise(class_name: str) -> bool:
    kind = kind_of(class_name)
    return kind is not None and kind.elementwise


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
    kind = kind_of(class_name)
    return kind is not None and (kind.wrapper or kind.cost is not None)


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
        if repeat == 0:
            # A sub-layer its block built but never called in the traced forward pass
            # (keras_hub's FusedMBConvBlock holds squeeze-and-excite convolutions it skips
            # when se_ratio is 0): nothing ran, so nothing to price.
            return _RowCost(0)
    total = 0
    for call in calls:
        macs = layer_macs(class_name, row.config, call.input_shapes, call.output_shapes)
        if macs is None:
            return _RowCost(0, f"the {class_name} rule could not read its shapes or config")
        total += macs * repeat * call.rows
    return _RowCost(total)


def _hub_block_cost(row: LayerReport) -> _RowCost | None:
    """A keras_hub block read without its code (the static engine): its closed form."""
    kind = kind_of(row.class_name)
    rule = None if kind is None else kind.block_cost
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
    if not has_kernel(row):
        return _RowCost(0)
    return _RowCost(
        0,
        f"no MAC rule for {row.class_name} and its calls were not traced"
        + (" (the static engine reads no code)" if row.call_class is None else ""),
    )


def _activation_elements(row: LayerReport) -> int:
    """The values a row outputs per sample: its output times its calls, times the rows its
    first call ran on (Swin's window-attention Dense outputs 64 windows' worth per image)."""
    rows = row.calls[0].rows if row.calls else 1
    return sum(shape_elements(s) for s in row.output_shapes) * row.call_count * rows


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
        rows[index] = dataclasses.replace(
            row, macs=row_cost.macs, activation_elements=_activation_elements(row)
        )

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
            _elementwise(row.class_name)
            or (row.class_name == "TimeDistributed" and _elementwise(_wrapped_class(row)))
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
