"""Merge output shapes and MultiHeadAttention's saved layout at exact values (issue 17's
mutation run: these rules were reached by Keras-tier tests only)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import attention, merging
from layerscope.errors import StaticUnsupported


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def test_concatenate_shape() -> None:
    shape = merging._concatenate_shape
    assert shape({}, [(None, 4, 3), (None, 4, 5)]) == [(None, 4, 8)]
    assert shape({"axis": 1}, [(None, 4, 3), (None, 2, 3), (None, 1, 3)]) == [(None, 7, 3)]
    assert shape({"axis": -2}, [(None, 4, 3), (None, None, 3)]) == [(None, None, 3)]
    assert shape({}, [(None, None, 3), (None, 4, 5)]) == [(None, None, 8)]
    with _refused("layer 'c': a concatenation of mixed ranks"):
        shape({"name": "c"}, [(None, 4, 3), (None, 3)])
    with _refused("layer 'c': concatenated shapes [(None, 4, 3), (None, 5, 3)] differ off axis 2"):
        shape({"name": "c"}, [(None, 4, 3), (None, 5, 3)])
    with _refused("layer 'c': axis 3 is out of range for rank 3"):
        shape({"name": "c", "axis": 3}, [(None, 4, 3), (None, 4, 3)])


def test_elementwise_merge_shape() -> None:
    assert merging.merge_shape({}, [(None, 4, 3), (None, 4, 3)]) == [(None, 4, 3)]
    assert merging.merge_shape({}, [(None, 1, 3), (None, 4, 1)]) == [(None, 4, 3)]
    assert merging.merge_shape({}, [(None, 1, None), (2, 1, 1)]) == [(2, 1, None)]
    assert merging.merge_shape({}, [(None, 1), (None, 1), (None, 6)]) == [(None, 6)]
    with _refused("a merge of tensors of different ranks"):
        merging.merge_shape({}, [(None, 4, 3), (None, 3)])
    with _refused("a merge of incompatible shapes"):
        merging.merge_shape({}, [(None, 4, 3), (None, 5, 3)])


def _layout(config: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    specs, subs = attention._attention_layout(config)
    assert specs == ()
    return {
        sub.attribute: (sub.class_name, dict(sub.config), dict(sub.shapes or {})) for sub in subs
    }


def test_attention_layout() -> None:
    layout = _layout({"num_heads": 2, "key_dim": 3})
    assert list(layout) == ["query_dense", "key_dense", "value_dense", "output_dense"]
    dense = {"bias_axes": "abc", "trainable": True}
    assert layout == {
        "query_dense": ("EinsumDense", dense, {"kernel": (None, 2, 3), "bias": (2, 3)}),
        "key_dense": ("EinsumDense", dense, {"kernel": (None, 2, 3), "bias": (2, 3)}),
        "value_dense": ("EinsumDense", dense, {"kernel": (None, 2, 3), "bias": (2, 3)}),
        "output_dense": ("EinsumDense", dense, {"kernel": (2, 3, None), "bias": (None,)}),
    }
    layout = _layout({"num_heads": 4, "key_dim": 3, "value_dim": 5, "use_bias": False})
    assert layout["value_dense"] == (
        "EinsumDense",
        {"bias_axes": None, "trainable": True},
        {"kernel": (None, 4, 5), "bias": (4, 5)},
    )
    assert layout["key_dense"][2] == {"kernel": (None, 4, 3), "bias": (4, 3)}
    assert layout["output_dense"][2] == {"kernel": (4, 5, None), "bias": (None,)}
    assert _layout({"num_heads": 1, "key_dim": 2, "output_shape": 7})["output_dense"][2] == {
        "kernel": (1, 2, 7),
        "bias": (7,),
    }
    assert _layout({"num_heads": 1, "key_dim": 2, "output_shape": [6, 7]})["output_dense"][2] == {
        "kernel": (1, 2, 6, 7),
        "bias": (6, 7),
    }
    with _refused("layer 'a' is quantized or uses LoRA, whose saved variables depend on the mode"):
        attention._attention_layout({"name": "a", "num_heads": 1, "key_dim": 2, "lora_rank": 2})
    with _refused("layer 'a': num_heads is 0, not a whole number from 1 to 2147483647"):
        attention._attention_layout({"name": "a", "num_heads": 0, "key_dim": 2})


def test_attention_output_shape() -> None:
    shape = attention._attention_shape
    assert shape({}, [(None, 4, 8), (None, 6, 5)]) == [(None, 4, 8)]
    assert shape({"output_shape": 7}, [(2, 4, 8)]) == [(2, 4, 7)]
    assert shape({"output_shape": [6, 7]}, [(2, 4, 8)]) == [(2, 4, 6, 7)]
    assert shape({"return_attention_scores": False}, [(2, 4, 8)]) == [(2, 4, 8)]
    with _refused("MultiHeadAttention returning its scores"):
        shape({"return_attention_scores": True}, [(2, 4, 8)])
    with _refused("layer 'a': output_shape is 0, not a whole number from 1 to 2147483647"):
        shape({"name": "a", "output_shape": [6, 0]}, [(2, 4, 8)])
