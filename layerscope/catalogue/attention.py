"""Attention layers.

MACs: MultiHeadAttention the Q, K, V and output projections plus ``QK^T`` and
``attention x V``; grouped-query attention uses the query heads for the two products and
the key/value heads for the K and V projections (and, with ``use_gate``, a gate projection
as wide as the query's); Attention / AdditiveAttention the score
matrix and the weighted sum of values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import as_tuple, known, product
from layerscope.catalogue.kind import LayerKind, Layout, Pattern, ShapeList, SubSpec
from layerscope.catalogue.layout import require_plain, var_specs
from layerscope.catalogue.params import param_size, param_sizes
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


def _attention_dims(shape: Shape) -> tuple[int, int]:
    """(positions, features) of an attention input: every non-batch axis but the last."""
    return product(shape[1:-1]), known(shape[-1])


def multi_head_attention_macs(
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
    out_dim = q_dim if not out_shape else product((None, *as_tuple(out_shape, 1)))
    projections = (
        q_len * q_dim * heads * key_dim
        + k_len * k_dim * heads * key_dim
        + v_len * v_dim * heads * value_dim
        + q_len * heads * value_dim * out_dim
    )
    products = heads * q_len * k_len * key_dim + heads * q_len * v_len * value_dim
    return projections + products


def group_query_attention_macs(
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
    if config.get("use_gate"):
        projections += q_len * q_dim * q_heads * head_dim  # the sigmoid gate on the heads
    products = q_heads * q_len * k_len * head_dim + q_heads * q_len * v_len * head_dim
    return projections + products


def dot_attention_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """Attention / AdditiveAttention: the score matrix and the weighted sum of values."""
    query = inputs[0]
    value = inputs[1] if len(inputs) > 1 else query
    q_len, dim = _attention_dims(query)
    v_len, _ = _attention_dims(value)
    return 2 * q_len * v_len * dim


def _attention_layout(config: Mapping[str, Any]) -> Layout:
    """MultiHeadAttention's four EinsumDense sublayers, in the order ``build`` makes them."""
    require_plain(config)
    bias = "abc" if config.get("use_bias", True) else None
    dense = {"bias_axes": bias, "trainable": True}
    heads = param_size(config, "num_heads")
    key_dim = param_size(config, "key_dim")
    value_dim = param_size(config, "value_dim", default=key_dim)
    output = config.get("output_shape")
    tail: Pattern = (None,)
    if output is not None:
        rank = len(output) if isinstance(output, (list, tuple)) else 1
        tail = param_sizes(config, "output_shape", rank)
    shapes: dict[str, dict[str, Pattern]] = {
        "query_dense": {"kernel": (None, heads, key_dim), "bias": (heads, key_dim)},
        "key_dense": {"kernel": (None, heads, key_dim), "bias": (heads, key_dim)},
        "value_dense": {"kernel": (None, heads, value_dim), "bias": (heads, value_dim)},
        "output_dense": {"kernel": (heads, value_dim, *tail), "bias": tail},
    }
    return (), tuple(
        SubSpec(attribute, "EinsumDense", dense, shapes[attribute])
        for attribute in ("query_dense", "key_dense", "value_dense", "output_dense")
    )


def _grouped_attention_layout(config: Mapping[str, Any]) -> Layout:
    """GroupQueryAttention's EinsumDense projections in the order ``build`` makes them
    (query, key, the gate with ``use_gate``, value, output), saved under ``_query_dense``..."""
    require_plain(config)
    use_bias = config.get("use_bias", True)
    q_heads = param_size(config, "num_query_heads")
    kv_heads = param_size(config, "num_key_value_heads")
    head_dim = param_size(config, "head_dim")
    query = {"kernel": (None, q_heads, head_dim), "bias": (q_heads, head_dim)}
    key_value = {"kernel": (None, kv_heads, head_dim), "bias": (kv_heads, head_dim)}
    output = {"kernel": (q_heads, head_dim, None), "bias": (None,)}
    projections: list[tuple[str, str | None, dict[str, Pattern]]] = [
        ("_query_dense", "uh", query),
        ("_key_dense", "vh", key_value),
        *((("_gate_dense", "uh", query),) if config.get("use_gate") else ()),
        ("_value_dense", "vh", key_value),
        ("_output_dense", "m", output),
    ]
    return (), tuple(
        SubSpec(
            attribute,
            "EinsumDense",
            {"bias_axes": bias if use_bias else None, "trainable": True},
            shapes,
        )
        for attribute, bias, shapes in projections
    )


def _grouped_attention_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """The query's shape (the output projection maps back to the query's features)."""
    return [inputs[0]]


def _dot_attention_layout(config: Mapping[str, Any]) -> Layout:
    """Attention / AdditiveAttention: a ``scale`` with ``use_scale`` (Attention's default
    off, AdditiveAttention's on) and, with ``score_mode="concat"``, a concat score weight."""
    names = []
    if config.get("use_scale", False):
        names.append("scale")
    if config.get("score_mode", "dot") == "concat":
        names.append("concat_score_weight")
    return var_specs(*names), ()


def _additive_attention_layout(config: Mapping[str, Any]) -> Layout:
    return var_specs("scale") if config.get("use_scale", True) else (), ()


def _dot_attention_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    return {"scale": (), "concat_score_weight": ()}


def _additive_attention_variables(
    config: Mapping[str, Any], inputs: ShapeList
) -> dict[str, Pattern]:
    return {"scale": (inputs[0][-1],)}


def _dot_attention_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """The query's shape with the value's features (``Attention.compute_output_shape``)."""
    if len(inputs) < 2:
        raise StaticUnsupported(f"layer {config.get('name')!r}: attention over one input")
    return [(*inputs[0][:-1], inputs[1][-1])]


def _attention_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    if config.get("return_attention_scores"):
        raise StaticUnsupported("MultiHeadAttention returning its scores")
    query = inputs[0]
    output_shape = config.get("output_shape")
    if output_shape is None:
        return [query]
    rank = len(output_shape) if isinstance(output_shape, (list, tuple)) else 1
    tail = param_sizes(config, "output_shape", rank)
    return [(*query[:-1], *tail)]


KINDS = (
    LayerKind(
        "MultiHeadAttention",
        "attention",
        single_layer=True,
        cost=multi_head_attention_macs,
        layout=_attention_layout,
        output_shape=_attention_shape,
    ),
    LayerKind(
        "GroupedQueryAttention", "attention", single_layer=True, cost=group_query_attention_macs
    ),
    LayerKind(
        "GroupQueryAttention",
        "attention",
        cost=group_query_attention_macs,
        python_name="GroupedQueryAttention",
        layout=_grouped_attention_layout,
        output_shape=_grouped_attention_shape,
    ),
    LayerKind(
        "Attention",
        "attention",
        cost=dot_attention_macs,
        layout=_dot_attention_layout,
        variable_shapes=_dot_attention_variables,
        output_shape=_dot_attention_shape,
    ),
    LayerKind(
        "AdditiveAttention",
        "attention",
        cost=dot_attention_macs,
        layout=_additive_attention_layout,
        variable_shapes=_additive_attention_variables,
        output_shape=_dot_attention_shape,
    ),
)
