"""The attention layouts, variable shapes and output shapes at exact values (the 09:47
mutation run: GroupQueryAttention's layout survived 42 mutants, and the Attention /
AdditiveAttention rules were reached by Keras-tier tests only)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import attention
from layerscope.catalogue.kind import SubSpec, VarSpec
from layerscope.errors import StaticUnsupported


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def test_grouped_attention_layout_with_bias_and_without_gate() -> None:
    specs, subs = attention._grouped_attention_layout(
        {"num_query_heads": 4, "num_key_value_heads": 2, "head_dim": 3}
    )
    assert specs == ()
    query = {"kernel": (None, 4, 3), "bias": (4, 3)}
    key_value = {"kernel": (None, 2, 3), "bias": (2, 3)}
    output = {"kernel": (4, 3, None), "bias": (None,)}
    assert subs == (
        SubSpec("_query_dense", "EinsumDense", {"bias_axes": "uh", "trainable": True}, query),
        SubSpec("_key_dense", "EinsumDense", {"bias_axes": "vh", "trainable": True}, key_value),
        SubSpec("_value_dense", "EinsumDense", {"bias_axes": "vh", "trainable": True}, key_value),
        SubSpec("_output_dense", "EinsumDense", {"bias_axes": "m", "trainable": True}, output),
    )
    assert all(type(sub.config["trainable"]) is bool for sub in subs)


def test_grouped_attention_layout_with_gate_and_without_bias() -> None:
    config = {
        "num_query_heads": 6,
        "num_key_value_heads": 3,
        "head_dim": 5,
        "use_gate": True,
        "use_bias": False,
    }
    specs, subs = attention._grouped_attention_layout(config)
    assert specs == ()
    plain = {"bias_axes": None, "trainable": True}
    query = {"kernel": (None, 6, 5), "bias": (6, 5)}
    key_value = {"kernel": (None, 3, 5), "bias": (3, 5)}
    assert subs == (
        SubSpec("_query_dense", "EinsumDense", plain, query),
        SubSpec("_key_dense", "EinsumDense", plain, key_value),
        SubSpec("_gate_dense", "EinsumDense", plain, query),
        SubSpec("_value_dense", "EinsumDense", plain, key_value),
        SubSpec("_output_dense", "EinsumDense", plain, {"kernel": (6, 5, None), "bias": (None,)}),
    )
    gated = attention._grouped_attention_layout({**config, "use_bias": True})[1]
    assert [sub.config["bias_axes"] for sub in gated] == ["uh", "vh", "uh", "vh", "m"]
    ungated = attention._grouped_attention_layout({**config, "use_gate": False})[1]
    assert [sub.attribute for sub in ungated] == [
        "_query_dense",
        "_key_dense",
        "_value_dense",
        "_output_dense",
    ]


def test_grouped_attention_layout_refusals() -> None:
    with _refused("layer 'g' is quantized or uses LoRA, whose saved variables depend on the mode"):
        attention._grouped_attention_layout(
            {
                "name": "g",
                "num_query_heads": 2,
                "num_key_value_heads": 1,
                "head_dim": 2,
                "lora_rank": 4,
            }
        )
    message = "layer 'g': num_key_value_heads is 0, not a whole number from 1 to 2147483647"
    with _refused(message):
        attention._grouped_attention_layout(
            {"name": "g", "num_query_heads": 2, "num_key_value_heads": 0, "head_dim": 2}
        )
    with _refused("layer 'g': head_dim is 0, not a whole number from 1 to 2147483647"):
        attention._grouped_attention_layout(
            {"name": "g", "num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 0}
        )
    with _refused("layer 'g': num_query_heads is 0, not a whole number from 1 to 2147483647"):
        attention._grouped_attention_layout(
            {"name": "g", "num_query_heads": 0, "num_key_value_heads": 1, "head_dim": 2}
        )


def test_grouped_attention_shape_is_the_query() -> None:
    assert attention._grouped_attention_shape({}, [(None, 7, 16), (None, 5, 8)]) == [(None, 7, 16)]


def test_dot_attention_layout() -> None:
    assert attention._dot_attention_layout({}) == ((), ())
    assert attention._dot_attention_layout({"use_scale": False, "score_mode": "dot"}) == ((), ())
    assert attention._dot_attention_layout({"use_scale": True}) == ((VarSpec("scale"),), ())
    assert attention._dot_attention_layout({"score_mode": "concat"}) == (
        (VarSpec("concat_score_weight"),),
        (),
    )
    assert attention._dot_attention_layout({"use_scale": True, "score_mode": "concat"}) == (
        (VarSpec("scale"), VarSpec("concat_score_weight")),
        (),
    )
    specs = attention._dot_attention_layout({"use_scale": True, "score_mode": "concat"})[0]
    assert [(spec.name, spec.trainable, spec.auto_named) for spec in specs] == [
        ("scale", True, False),
        ("concat_score_weight", True, False),
    ]


def test_additive_attention_layout() -> None:
    assert attention._additive_attention_layout({}) == ((VarSpec("scale"),), ())
    assert attention._additive_attention_layout({"use_scale": True}) == ((VarSpec("scale"),), ())
    assert attention._additive_attention_layout({"use_scale": False}) == ((), ())
    spec = attention._additive_attention_layout({})[0][0]
    assert (spec.name, spec.trainable, spec.auto_named, spec.stored_at) == (
        "scale",
        True,
        False,
        None,
    )


def test_attention_variable_shapes() -> None:
    assert attention._dot_attention_variables({}, [(None, 4, 8), (None, 6, 8)]) == {
        "scale": (),
        "concat_score_weight": (),
    }
    assert attention._additive_attention_variables({}, [(None, 4, 8), (None, 6, 8)]) == {
        "scale": (8,)
    }
    assert attention._additive_attention_variables({}, [(None, 4, 3), (None, 6, 9)]) == {
        "scale": (3,)
    }


def test_dot_attention_shape() -> None:
    shape = attention._dot_attention_shape
    assert shape({}, [(None, 4, 8), (None, 6, 5)]) == [(None, 4, 5)]
    assert shape({}, [(2, 3, 4, 8), (2, 6, 5), (2, 6, 8)]) == [(2, 3, 4, 5)]
    with _refused("layer 'a': attention over one input"):
        shape({"name": "a"}, [(None, 4, 8)])
    with _refused("layer None: attention over one input"):
        shape({}, [(None, 4, 8)])
