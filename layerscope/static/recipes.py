"""What the static engine knows of keras_hub: how each backbone is built, and the variables
of each block.

keras_hub models save only their constructor arguments; this module turns those arguments
into the rows keras_hub's constructors make (:data:`RECIPES`: names, classes, connections and
output shapes, for an optional sequence length or image size; the recipes themselves are in
:mod:`~layerscope.static.recipes_text` and :mod:`~layerscope.static.recipes_vision`), lists
the sub-layers each block saves its variables under, in the order it assigns them
(:data:`~layerscope.static.plans.BLOCKS`), and the rows inside each block with the shapes they
are called at (:data:`~layerscope.static.subrows.SUB_ROWS`). Written from
keras_hub 0.32's sources and checked, row by row and variable by variable, against the Keras
capture of saved files (tests/test_static_hub.py). Nothing here reads a file: the reader
(:mod:`layerscope.static.hub`) checks every expectation against the weights file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from layerscope.static.plans import RecipeFunction
from layerscope.static.recipes_text import (
    _bert,
    _decoder_only,
    _encoder_with_position_embedding,
    _gpt2,
    _gpt2_causal_lm,
    _opt,
    _t5,
)
from layerscope.static.recipes_vision import _mobilenet, _vit

RECIPES: dict[str, tuple[str, RecipeFunction]] = {
    "BertBackbone": ("text", _bert),
    "GPT2Backbone": ("text", _gpt2),
    "OPTBackbone": ("text", _opt),
    "RobertaBackbone": ("text", _encoder_with_position_embedding("RobertaBackbone", "embeddings")),
    "XLMRobertaBackbone": (
        "text",
        _encoder_with_position_embedding("XLMRobertaBackbone", "embeddings"),
    ),
    "DistilBertBackbone": (
        "text",
        _encoder_with_position_embedding("DistilBertBackbone", "token_and_position_embedding"),
    ),
    "GPT2CausalLM": ("text", _gpt2_causal_lm),
    "ViTBackbone": ("image", _vit),
    "MobileNetBackbone": ("image", _mobilenet),
    "T5Backbone": ("seq2seq", _t5),
    "LlamaBackbone": (
        "text",
        _decoder_only(
            "LlamaTransformerDecoder",
            "LlamaLayerNorm",
            "sequence_output_layernorm",
            "transformer_layer_",
        ),
    ),
    "MistralBackbone": (
        "text",
        _decoder_only(
            "MistralTransformerDecoder",
            "MistralLayerNormalization",
            "sequence_output_layernorm",
            "transformer_layer_",
        ),
    ),
    "QwenBackbone": (
        "text",
        _decoder_only(
            "QwenTransformerDecoder",
            "QwenLayerNorm",
            "sequence_output_layernorm",
            "transformer_layer_",
        ),
    ),
    "Qwen3Backbone": (
        "text",
        _decoder_only(
            "Qwen3TransformerDecoder",
            "Qwen3LayerNorm",
            "sequence_output_layernorm",
            "transformer_layer_",
        ),
    ),
    "GemmaBackbone": (
        "text",
        _decoder_only(
            "GemmaDecoderBlock",
            "RMSNormalization",
            "final_normalization",
            "decoder_block_",
            scaled=True,
        ),
    ),
}
"""The keras_hub models whose construction the engine knows: (input kind, recipe)."""

BLOCK_SWITCHES = {
    "GemmaBackbone": ("use_post_ffw_norm", "use_post_attention_norm"),
}
"""Config switches that add sub-layers the recipe does not know; any of them on declines."""


def _attention_params(width: int, heads: int, kv_heads: int, head_dim: int, bias: bool) -> int:
    weights = width * head_dim * (2 * heads + 2 * kv_heads)
    return weights + ((heads + 2 * kv_heads) * head_dim + width if bias else 0)


def _block_params(config: Mapping[str, Any], width: int) -> int:
    heads = int(config.get("num_heads") or config["num_query_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    head_dim = int(config.get("head_dim") or width // heads)
    ffn = int(config["intermediate_dim"])
    return (
        _attention_params(width, heads, kv_heads, head_dim, True)
        + 4 * width
        + (2 * width * ffn + ffn + width)
    )


def _gated_params(
    divisor: int, qkv_bias: bool = False, qk_norm: bool = False
) -> Callable[[Mapping[str, Any], int], int]:
    """A gated decoder block; ``qkv_bias``: the query, key and value projections have biases
    (Qwen2), the output projection none; ``qk_norm``: a norm scale of ``head_dim`` for the
    queries and one for the keys (Qwen3)."""

    def count(config: Mapping[str, Any], width: int) -> int:
        heads = int(config["num_query_heads"])
        kv_heads = int(config["num_key_value_heads"])
        head_dim = int(config["head_dim"])
        ffn = int(config["intermediate_dim"]) // divisor
        return (
            _attention_params(width, heads, kv_heads, head_dim, False)
            + ((heads + 2 * kv_heads) * head_dim if qkv_bias else 0)
            + (2 * head_dim if qk_norm else 0)
            + 2 * width
            + (3 * width * ffn)
        )

    return count


def _vit_encoder_params(config: Mapping[str, Any], width: int) -> int:
    mlp = int(config["mlp_dim"])
    heads = int(config["num_heads"])
    block = _attention_params(width, heads, heads, width // heads, True) + 4 * width
    block += 2 * width * mlp + mlp + width
    return int(config["num_layers"]) * block + 2 * width


EXPECTED_PARAMS: dict[str, Callable[[Mapping[str, Any], int], int]] = {
    "TransformerEncoder": _block_params,
    "TransformerDecoder": _block_params,
    "LlamaTransformerDecoder": _gated_params(1),
    "MistralTransformerDecoder": _gated_params(1),
    "QwenTransformerDecoder": _gated_params(1, qkv_bias=True),
    "Qwen3TransformerDecoder": _gated_params(1, qk_norm=True),
    "GemmaDecoderBlock": _gated_params(2),
    "ViTEncoder": _vit_encoder_params,
}
"""What a block holds, given its config and its width: the MAC rules read the same
config, so a file whose blocks hold anything else is not read by its recipe."""
