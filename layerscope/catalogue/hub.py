"""keras_hub's transformer blocks, embeddings and patching layers, and their MAC rules.

Pure functions of a layer's config and the shapes of its first call, like every rule in the
catalogue. The configs read are
the keys the classes' own ``get_config`` returns (``num_heads``, ``intermediate_dim``...), which
the static engine fills in the same way from the backbone's config, so both engines count the
same MACs. The convention is cost.py's: one sample, forward pass, every matrix product counted
in full (a causal mask does not halve the attention products); normalisation, softmax, rotary
embeddings and element-wise work count 0.

A transformer block over ``T`` positions of width ``D``, with ``H`` query heads and ``K``
key/value heads of size ``d``, and a feed-forward width ``F``:

* projections ``T·D·H·d`` (query) + ``2·T·D·K·d`` (key, value) + ``T·H·d·D`` (output);
* attention products ``2·H·T·T·d`` (scores, then the weighted sum of values);
* feed-forward ``2·T·D·F``, or ``3·T·D·F`` when gated (Llama, Mistral, Gemma).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import known as _known
from layerscope.catalogue.dims import positions as _positions
from layerscope.catalogue.dims import zero
from layerscope.catalogue.kind import LayerKind, MacRule
from layerscope.report import Shape


def block_macs(
    positions: int,
    width: int,
    heads: int,
    kv_heads: int,
    head_dim: int,
    ffn: int,
    gated: bool,
) -> int:
    """One transformer block's MACs (see the module's docstring)."""
    projections = (
        positions * width * heads * head_dim
        + 2 * positions * width * kv_heads * head_dim
        + positions * heads * head_dim * width
    )
    products = 2 * heads * positions * positions * head_dim
    feed_forward = positions * width * ffn * (3 if gated else 2)
    return projections + products + feed_forward


def _block(gated: bool, ffn_divisor: int = 1) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        x = inputs[0]
        width = _known(x[-1])
        heads = int(config.get("num_heads") or config["num_query_heads"])
        kv_heads = int(config.get("num_key_value_heads") or heads)
        head_dim = int(config.get("head_dim") or width // heads)
        ffn = int(config["intermediate_dim"]) // ffn_divisor
        return block_macs(_positions(x), width, heads, kv_heads, head_dim, ffn, gated)

    return rule


def _vit_encoder(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    x = inputs[0]
    heads = int(config["num_heads"])
    width = int(config["hidden_dim"])
    one = block_macs(
        _positions(x), width, heads, heads, width // heads, int(config["mlp_dim"]), False
    )
    return int(config["num_layers"]) * one


def _vit_patching(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """The patch convolution: one ``p·p·C -> D`` product per patch."""
    _, height, width, channels = inputs[0]
    patch = config["patch_size"]
    patch_h, patch_w = (patch, patch) if isinstance(patch, int) else (int(patch[0]), int(patch[1]))
    patches = (_known(height) // patch_h) * (_known(width) // patch_w)
    return patches * patch_h * patch_w * _known(channels) * int(config["hidden_dim"])


def reversible_embedding_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """``ReversibleEmbedding`` (the tied embedding): a lookup is free; the reverse call (hidden
    states in, one logit per vocabulary entry out) is a ``hidden x vocabulary`` product per
    position."""
    vocabulary = int(config["input_dim"])
    hidden = int(config["output_dim"])
    source, result = inputs[0], (outputs[0] if outputs else None)
    reverse = (
        result is not None
        and len(source) == len(result)
        and source[-1] == hidden
        and result[-1] == vocabulary
    )
    return _positions(source) * hidden * vocabulary if reverse else 0


_BLOCK_RULES: dict[str, MacRule] = {
    "TransformerEncoder": _block(gated=False),
    "TransformerDecoder": _block(gated=False),
    "LlamaTransformerDecoder": _block(gated=True),
    "MistralTransformerDecoder": _block(gated=True),
    "QwenTransformerDecoder": _block(gated=True),
    "Qwen3TransformerDecoder": _block(gated=True),
    "GemmaDecoderBlock": _block(gated=True, ffn_divisor=2),
    "ViTEncoder": _vit_encoder,
    "ViTPatchingAndEmbedding": _vit_patching,
}
"""Whole-block rules, for block rows with no traced calls (the static engine's): a block
whose calls Keras traced is priced through its sub-layer rows."""

KINDS = (
    *(LayerKind(name, "hub", block_cost=rule) for name, rule in _BLOCK_RULES.items()),
    LayerKind("PositionEmbedding", "hub", cost=zero),
    LayerKind("ReversibleEmbedding", "hub", hidden_layer=False, cost=reversible_embedding_macs),
)
