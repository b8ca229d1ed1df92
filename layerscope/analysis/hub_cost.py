"""MAC rules for keras_hub's transformer blocks, embeddings and patching layers.

Pure functions of a layer's config and the shapes of its first call, like every rule in
:mod:`layerscope.analysis.cost` (which consults :data:`HUB_RULES` first). The configs read are
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

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from layerscope.report import Shape

MacRule = Callable[[Mapping[str, Any], Sequence[Shape], Sequence[Shape]], int]


def _known(dim: int | None) -> int:
    return 1 if dim is None else int(dim)


def _positions(shape: Shape) -> int:
    return math.prod(_known(d) for d in shape[1:-1])


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


def _zero(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
    return 0


HUB_BLOCK_RULES: dict[str, MacRule] = {
    "TransformerEncoder": _block(gated=False),
    "TransformerDecoder": _block(gated=False),
    "LlamaTransformerDecoder": _block(gated=True),
    "MistralTransformerDecoder": _block(gated=True),
    "GemmaDecoderBlock": _block(gated=True, ffn_divisor=2),
    "ViTEncoder": _vit_encoder,
    "ViTPatchingAndEmbedding": _vit_patching,
}
"""Whole-block rules by exact class name, for block rows with no traced calls (the static
engine's): a block whose calls Keras traced is priced through its sub-layer rows."""

HUB_RULES: dict[str, MacRule] = {"PositionEmbedding": _zero}
"""Layer rules by exact class name (a position embedding is a lookup added to the input)."""
