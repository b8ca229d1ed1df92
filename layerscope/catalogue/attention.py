"""Attention layers.

MACs: MultiHeadAttention the Q, K, V and output projections plus ``QK^T`` and
``attention x V``; grouped-query attention uses the query heads for the two products and
the key/value heads for the K and V projections; Attention / AdditiveAttention the score
matrix and the weighted sum of values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import as_tuple, known, product
from layerscope.catalogue.kind import LayerKind
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


KINDS = (
    LayerKind("MultiHeadAttention", "attention", cost=multi_head_attention_macs),
    LayerKind("GroupedQueryAttention", "attention", cost=group_query_attention_macs),
    LayerKind("GroupQueryAttention", "attention", cost=group_query_attention_macs),
    LayerKind("Attention", "attention", cost=dot_attention_macs),
    LayerKind("AdditiveAttention", "attention", cost=dot_attention_macs),
)
