"""The sub-layer rows inside keras_hub blocks (attention projections, feed-forward layers,
normalisations...), with their shapes and calls, as the Keras engine's trace lists them
(tests/test_static_hub.py compares the two)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.report import OpCall, Shape
from layerscope.static.plans import Dims, _channels, _conv_size, _plus, adjust_channels

Call = tuple[tuple[Shape, ...], tuple[Shape, ...]]
"""(input shapes, output shapes) of one call, batch axis ``None``."""


@dataclass(frozen=True)
class SubRow:
    """One sub-layer row inside a block, as the Keras engine's trace shows it.

    Rows follow the block's ``_layers`` order (the order its constructor and ``build``
    assign them); each is found in the weights file under ``attribute`` of its owner's
    group, which also gives its saved name and variables.
    """

    attribute: str
    class_name: str
    calls: tuple[Call, ...]
    """Every call the block makes of it at the given input size; empty when the block never
    calls it (Gemma's attention dropout at inference)."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """What the MAC rules read (``units``, ``equation``, ``num_heads``...)."""
    ops: tuple[OpCall, ...] = ()
    """Matrix products the layer's own code runs outside its sub-layers (attention scores
    and weighted values; rotary frequencies)."""
    subs: tuple[SubRow, ...] = ()
    auto_name: str | None = None
    """Set for a sub-layer keras_hub creates without a name: Keras names it ``<auto_name>``,
    ``<auto_name>_1``... by a counter of the session that builds it, so the saved name says
    how many the saving session had made before; loading the file names them afresh in
    construction order, and so does the engine."""
    dtype: str | None = None
    """A policy the block fixes whatever the model's (``Softmax(dtype="float32")``)."""
    listed: SubRow | None = None
    """A Python list of layers (``encoder_layers``): each saved item is a row like this one
    (its ``attribute`` unused)."""


def _same(x: Shape) -> tuple[Call, ...]:
    return (((x,), (x,)),)


def _heads(x: Shape, heads: int, head_dim: int) -> Shape:
    return (x[0], x[1], heads, head_dim)


def _batch1(shape: Shape) -> Shape:
    return (1, *shape[1:])


def _dense(attribute: str, x: Shape, units: int) -> SubRow:
    y = (*x[:-1], units)
    return SubRow(attribute, "Dense", ((((x,), (y,))),), {"units": units})


def _einsum(attribute: str, equation: str, x: Shape, y: Shape) -> SubRow:
    return SubRow(
        attribute, "EinsumDense", (((x,), (y,)),), {"equation": equation, "output_shape": y[1:]}
    )


def _scores(x: Shape, heads: int) -> Shape:
    return (x[0], heads, x[1], x[1])


def _cached_mha(attribute: str, x: Shape, heads: int, head_dim: int) -> SubRow:
    """keras_hub's ``CachedMultiHeadAttention`` (a Keras ``MultiHeadAttention`` whose call
    keras_hub rewrites): its projections, softmax and dropout are rows of their own."""
    h = _heads(x, heads, head_dim)
    scores = _scores(x, heads)
    return SubRow(
        attribute,
        "CachedMultiHeadAttention",
        (((x, x), (x,)),),
        ops=(
            OpCall("einsum", (_batch1(h), _batch1(h)), "aecd,abcd->acbe"),
            OpCall("einsum", (_batch1(scores), _batch1(h)), "acbe,aecd->abcd"),
        ),
        subs=(
            # Keras saves MultiHeadAttention's projections under their public properties.
            _einsum("query_dense", "abc,cde->abde", x, h),
            _einsum("key_dense", "abc,cde->abde", x, h),
            _einsum("value_dense", "abc,cde->abde", x, h),
            SubRow("_softmax", "Softmax", _same(scores), auto_name="softmax"),
            SubRow("_dropout_layer", "Dropout", _same(scores), auto_name="dropout"),
            _einsum("output_dense", "abcd,cde->abe", h, x),
        ),
    )


def _transformer_encoder(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    width = x[-1]
    assert width is not None
    heads, ffn = int(config["num_heads"]), int(config["intermediate_dim"])
    key_dim = width // heads
    mha = SubRow(
        "_self_attention_layer",
        "MultiHeadAttention",
        (((x, x), (x,)),),
        {"num_heads": heads, "key_dim": key_dim, "value_dim": key_dim, "output_shape": None},
    )
    hidden = (*x[:-1], ffn)
    return (
        mha,
        SubRow("_self_attention_layer_norm", "LayerNormalization", _same(x)),
        SubRow("_self_attention_dropout", "Dropout", _same(x)),
        SubRow("_feedforward_layer_norm", "LayerNormalization", _same(x)),
        _dense("_feedforward_intermediate_dense", x, ffn),
        _dense("_feedforward_output_dense", hidden, width),
        SubRow("_feedforward_dropout", "Dropout", _same(x)),
    )


def _transformer_decoder(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    width = x[-1]
    assert width is not None
    heads, ffn = int(config["num_heads"]), int(config["intermediate_dim"])
    hidden = (*x[:-1], ffn)
    return (
        _cached_mha("_self_attention_layer", x, heads, width // heads),
        SubRow("_self_attention_layer_norm", "LayerNormalization", _same(x)),
        SubRow("_self_attention_dropout", "Dropout", _same(x)),
        _dense("_feedforward_intermediate_dense", x, ffn),
        _dense("_feedforward_output_dense", hidden, width),
        SubRow("_feedforward_layer_norm", "LayerNormalization", _same(x)),
        SubRow("_feedforward_dropout", "Dropout", _same(x)),
    )


def _rotary(attribute: str, class_name: str, auto: str, q: Shape, k: Shape) -> SubRow:
    """Rotary position embedding, called on the queries then the keys; each call builds its
    angle table with one ``positions x (head_dim / 2)`` outer product."""
    head_dim = q[-1]
    assert head_dim is not None
    outer = OpCall("einsum", ((1, q[1]), (head_dim // 2,)), "bi,j->bij")
    return SubRow(
        attribute, class_name, (((q,), (q,)), ((k,), (k,))), ops=(outer, outer), auto_name=auto
    )


def _llama_decoder(
    norm: str, attention: str, qk_norm: bool = False
) -> Callable[[Dims, Shape], tuple[SubRow, ...]]:
    """Llama's decoder block and its kin; ``qk_norm``: each query and key head is RMS
    normalised after its projection (Qwen3)."""

    def rows(config: Dims, x: Shape) -> tuple[SubRow, ...]:
        width = x[-1]
        assert width is not None
        heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
        head_dim, ffn = int(config["head_dim"]), int(config["intermediate_dim"])
        q, kv = _heads(x, heads, head_dim), _heads(x, kv_heads, head_dim)
        scores = _scores(x, heads)
        hidden = (*x[:-1], ffn)
        attention_row = SubRow(
            "_self_attention_layer",
            attention,
            _same(x),
            ops=(
                # Keys and values are repeated to every query head before the products.
                OpCall("einsum", (_batch1(q), _batch1(q)), "bquh,bkuh->buqk"),
                OpCall("einsum", (_batch1(scores), _batch1(q)), "buqk,bkuh->bquh"),
            ),
            subs=(
                _einsum("_query_dense", "bqm,muh->bquh", x, q),
                *((SubRow("_query_dense_layer_norm", norm, _same(q)),) if qk_norm else ()),
                _einsum("_key_dense", "bkm,mvh->bkvh", x, kv),
                *((SubRow("_key_dense_layer_norm", norm, _same(kv)),) if qk_norm else ()),
                _einsum("_value_dense", "bkm,mvh->bkvh", x, kv),
                SubRow("_softmax", "Softmax", _same(scores), dtype="float32"),
                SubRow("_dropout_layer", "Dropout", _same(q), auto_name="dropout"),
                _einsum("_output_dense", "bquh,uhm->bqm", q, x),
                _rotary(
                    "rotary_embedding_layer",
                    "LlamaRotaryEmbedding" if norm == "LlamaLayerNorm" else "RotaryEmbedding",
                    "llama_rotary_embedding" if norm == "LlamaLayerNorm" else "rotary_embedding",
                    q,
                    kv,
                ),
            ),
        )
        return (
            attention_row,
            SubRow("_self_attention_layernorm", norm, _same(x)),
            SubRow("_self_attention_dropout", "Dropout", _same(x)),
            _dense("_feedforward_intermediate_dense", x, ffn),
            _dense("_feedforward_gate_dense", x, ffn),
            _dense("_feedforward_output_dense", hidden, width),
            SubRow("_feedforward_layernorm", norm, _same(x)),
        )

    return rows


def _gemma_decoder(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    width = x[-1]
    assert width is not None
    heads, kv_heads = int(config["num_query_heads"]), int(config["num_key_value_heads"])
    head_dim, ffn = int(config["head_dim"]), int(config["intermediate_dim"]) // 2
    q, kv = _heads(x, heads, head_dim), _heads(x, kv_heads, head_dim)
    groups = heads // kv_heads
    grouped = (1, x[1], kv_heads, groups, head_dim)
    scores = (x[0], kv_heads, groups, x[1], x[1])
    hidden = (*x[:-1], ffn)
    attention = SubRow(
        "attention",
        "CachedGemmaAttention",
        _same(x),
        ops=(
            OpCall("einsum", (grouped, _batch1(kv)), "btkgh,bskh->bkgts"),
            OpCall("einsum", (_batch1(scores), _batch1(kv)), "bkgts,bskh->btkgh"),
        ),
        subs=(
            _einsum("query_dense", "btd,ndh->btnh", x, q),
            _einsum("key_dense", "bsd,kdh->bskh", x, kv),
            _einsum("value_dense", "bsd,kdh->bskh", x, kv),
            SubRow("dropout_layer", "Dropout", (), auto_name="dropout"),
            _einsum("output_dense", "btnh,nhd->btd", q, x),
            SubRow("softmax", "Softmax", _same(scores), auto_name="softmax", dtype="float32"),
            _rotary("rope_layer", "RotaryEmbedding", "rotary_embedding", q, kv),
        ),
    )
    return (
        SubRow("pre_attention_norm", "RMSNormalization", _same(x)),
        attention,
        SubRow("pre_ffw_norm", "RMSNormalization", _same(x)),
        _einsum("gating_ffw", "btd,df->btf", x, hidden),
        _einsum("gating_ffw_2", "btd,df->btf", x, hidden),
        _einsum("ffw_linear", "btf,fd->btd", hidden, x),
    )


def _vit_encoder_rows(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    width, heads, mlp = int(config["hidden_dim"]), int(config["num_heads"]), int(config["mlp_dim"])
    hidden = (*x[:-1], mlp)
    block = SubRow(
        "",
        "ViTEncoderBlock",
        _same(x),
        subs=(
            SubRow("layer_norm_1", "LayerNormalization", _same(x)),
            SubRow(
                "mha",
                "MultiHeadAttention",
                (((x, x), (x,)),),
                {
                    "num_heads": heads,
                    "key_dim": width // heads,
                    "value_dim": width // heads,
                    "output_shape": None,
                },
            ),
            SubRow("dropout", "Dropout", _same(x)),
            SubRow("layer_norm_2", "LayerNormalization", _same(x)),
            SubRow(
                "mlp",
                "MLP",
                _same(x),
                subs=(
                    _dense("dense_1", x, mlp),
                    _dense("dense_2", hidden, width),
                    SubRow("dropout", "Dropout", (((hidden,), (hidden,)), ((x,), (x,)))),
                ),
            ),
        ),
    )
    return (
        SubRow("encoder_layers", "list", (), listed=block),
        SubRow("dropout", "Dropout", _same(x)),
        SubRow("layer_norm", "LayerNormalization", _same(x)),
    )


def _vit_patching_rows(config: Dims, images: Shape) -> tuple[SubRow, ...]:
    patch_h, patch_w = (int(p) for p in config["patch_size"])
    hidden = int(config["hidden_dim"])
    _, height, width, _ = images
    grid_h = None if height is None else height // patch_h
    grid_w = None if width is None else width // patch_w
    tokens = None if grid_h is None or grid_w is None else grid_h * grid_w + 1
    return (
        SubRow(
            "patch_embedding",
            "Conv2D",
            (((images,), ((None, grid_h, grid_w, hidden),)),),
            {
                "filters": hidden,
                "kernel_size": [patch_h, patch_w],
                "strides": [patch_h, patch_w],
                "data_format": "channels_last",
                "groups": 1,
            },
        ),
        SubRow(
            "position_embedding",
            "Embedding",
            ((((None, tokens),), ((None, tokens, hidden),)),),
            {"input_dim": tokens, "output_dim": hidden},
        ),
    )


def _conv(
    attribute: str,
    x: Shape,
    filters: int,
    kernel: int = 1,
    stride: int = 1,
    groups: int = 1,
    pad: int = 0,
) -> SubRow:
    """A ``valid`` Conv2D (its input already padded by ``pad`` on each side)."""
    y = (
        None,
        _conv_size(x[1], 0, kernel, stride),
        _conv_size(x[2], 0, kernel, stride),
        filters,
    )
    return SubRow(
        attribute,
        "Conv2D",
        (((x,), (y,)),),
        {
            "filters": filters,
            "kernel_size": [kernel, kernel],
            "strides": [stride, stride],
            "groups": groups,
        },
    )


def _padding(attribute: str, x: Shape, pad: int) -> SubRow:
    return SubRow(
        attribute,
        "ZeroPadding2D",
        (((x,), ((None, _plus(x[1], 2 * pad), _plus(x[2], 2 * pad), x[3]),)),),
    )


def _squeeze_excite(attribute: str, x: Shape, ratio: Any) -> SubRow:
    """``SqueezeAndExcite2D``: a spatial mean, then two 1x1 convolutions on the pooled
    ``1 x 1`` map, whose gate scales the input."""
    filters = x[-1]
    assert filters is not None
    bottleneck = adjust_channels(filters * float(ratio))
    pooled: Shape = (None, 1, 1, filters)
    squeezed: Shape = (None, 1, 1, bottleneck)
    return SubRow(
        attribute,
        "SqueezeAndExcite2D",
        _same(x),
        subs=(
            _conv("conv_reduce", pooled, bottleneck),
            SubRow("activation1", "Activation", _same(squeezed)),
            _conv("conv_expand", squeezed, filters),
            SubRow("gate", "Activation", _same(pooled)),
        ),
    )


def _depthwise_conv_block(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    channels, stride = int(config["infilters"]), int(config["stride"])
    padded = (None, _plus(x[1], 2), _plus(x[2], 2), channels)
    conv1 = _conv("conv1", padded, channels, 3, stride, groups=channels)
    y = conv1.calls[0][1][0]
    rows = [
        _padding("pad", x, 1),
        conv1,
        SubRow("batch_normalization1", "BatchNormalization", _same(y)),
        SubRow("activation1", "ReLU", _same(y), auto_name="re_lu"),
    ]
    if config.get("squeeze_excite_ratio"):
        rows.append(_squeeze_excite("se_layer", y, config["squeeze_excite_ratio"]))
    conv2 = _conv("conv2", y, int(config["filters"]))
    out = conv2.calls[0][1][0]
    rows += [conv2, SubRow("batch_normalization2", "BatchNormalization", _same(out))]
    return tuple(rows)


def _inverted_residual_block(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    expanded, pad = int(config["expanded"]), int(config["padding"])
    kernel, stride = int(config["kernel_size"]), int(config["stride"])
    conv1 = _conv("conv1", x, expanded)
    wide = conv1.calls[0][1][0]
    padding = _padding("pad", wide, pad)
    padded = padding.calls[0][1][0]
    conv2 = _conv("conv2", padded, expanded, kernel, stride, groups=expanded)
    y = conv2.calls[0][1][0]
    rows = [
        conv1,
        SubRow("batch_normalization1", "BatchNormalization", _same(wide)),
        SubRow("activation1", "Activation", _same(wide), auto_name="activation"),
        padding,
        conv2,
        SubRow("batch_normalization2", "BatchNormalization", _same(y)),
        SubRow("activation2", "Activation", _same(y), auto_name="activation"),
    ]
    if config.get("squeeze_excite_ratio"):
        rows.append(_squeeze_excite("squeeze_excite", y, config["squeeze_excite_ratio"]))
    conv3 = _conv("conv3", y, int(config["filters"]))
    out = conv3.calls[0][1][0]
    rows += [conv3, SubRow("batch_normalization3", "BatchNormalization", _same(out))]
    return tuple(rows)


def _conv_bn_act_block(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    conv = _conv("conv", x, int(config["filter"]))
    out = conv.calls[0][1][0]
    return (
        conv,
        SubRow("batch_normalization", "BatchNormalization", _same(out)),
        SubRow("activation_layer", "Activation", _same(out), auto_name="activation"),
    )


def _t5_attention(
    attribute: str, x: Shape, memory: Shape | None, heads: int, head_dim: int, given_bias: bool
) -> SubRow:
    """T5MultiHeadAttention: Dense projections to ``heads x head_dim``, the two attention
    products in its own code, dropout on the weights; it returns the position bias, which
    every self-attention after the first block's is given instead of computing it."""
    inner = heads * head_dim
    source = x if memory is None else memory
    q = (1, x[1], heads, head_dim)
    k = (1, source[1], heads, head_dim)
    weights: Shape = (None, heads, x[1], source[1])
    own_inputs = (x, *(() if memory is None else (memory,)), *((weights,) if given_bias else ()))
    return SubRow(
        attribute,
        "T5MultiHeadAttention",
        ((own_inputs, (x, weights)),),
        ops=(
            OpCall("einsum", (q, k), "bqnd,bknd->bnqk"),
            OpCall("einsum", (_batch1(weights), k), "bnqk,bknd->bqnd"),
        ),
        subs=(
            _dense("query_projector", x, inner),
            _dense("key_projector", source, inner),
            _dense("value_projector", source, inner),
            _dense("output_projector", _channels(x, inner), int(x[-1] or 0)),
            SubRow("dropout_layer", "Dropout", _same(weights), auto_name="dropout"),
        ),
    )


def _t5_layer(config: Dims, x: Shape) -> tuple[SubRow, ...]:
    heads, head_dim = int(config["num_heads"]), int(config["key_value_dim"])
    ffn, width = int(config["intermediate_dim"]), x[-1]
    assert width is not None
    rows = [
        _t5_attention(
            "self_attention",
            x,
            None,
            heads,
            head_dim,
            given_bias=not config.get("use_relative_attention_bias"),
        ),
        SubRow("self_attention_layer_norm", "T5LayerNorm", _same(x), auto_name="t5_layer_norm"),
        SubRow("self_attention_dropout", "Dropout", _same(x), auto_name="dropout"),
    ]
    if config.get("is_decoder"):
        memory: Shape = (None, config.get("encoder_length"), width)
        rows += [
            _t5_attention("cross_attention", x, memory, heads, head_dim, given_bias=False),
            SubRow(
                "cross_attention_layer_norm", "T5LayerNorm", _same(x), auto_name="t5_layer_norm"
            ),
            SubRow("cross_attention_dropout", "Dropout", _same(x), auto_name="dropout"),
        ]
    hidden = _channels(x, ffn)
    rows.append(_dense("input_projector", x, ffn))
    if config.get("use_gated_activation"):
        rows.append(_dense("gate_projector", x, ffn))
    rows += [
        _dense("output_projector", hidden, width),
        SubRow("layer_norm", "T5LayerNorm", _same(x), auto_name="t5_layer_norm"),
        SubRow(
            "dropout_layer", "Dropout", (((hidden,), (hidden,)), ((x,), (x,))), auto_name="dropout"
        ),
    ]
    return tuple(rows)


def _token_and_position(config: Dims, tokens: Shape) -> tuple[SubRow, ...]:
    hidden = int(config["embedding_dim"])
    seq: Shape = (*tokens, hidden)
    return (
        SubRow(
            "token_embedding",
            "ReversibleEmbedding",
            (((tokens,), (seq,)),),
            {"input_dim": int(config["vocabulary_size"]), "output_dim": hidden},
        ),
        SubRow(
            "position_embedding",
            "PositionEmbedding",
            _same(seq),
            {"sequence_length": int(config["sequence_length"])},
        ),
    )


SUB_ROWS: dict[str, Callable[[Dims, Shape], tuple[SubRow, ...]]] = {
    "T5TransformerLayer": _t5_layer,
    "TokenAndPositionEmbedding": _token_and_position,
    "DepthwiseConvBlock": _depthwise_conv_block,
    "InvertedResidualBlock": _inverted_residual_block,
    "ConvBnActBlock": _conv_bn_act_block,
    "TransformerEncoder": _transformer_encoder,
    "TransformerDecoder": _transformer_decoder,
    "LlamaTransformerDecoder": _llama_decoder("LlamaLayerNorm", "LlamaAttention"),
    "QwenTransformerDecoder": _llama_decoder("QwenLayerNorm", "QwenAttention"),
    "Qwen3TransformerDecoder": _llama_decoder("Qwen3LayerNorm", "Qwen3Attention", qk_norm=True),
    "MistralTransformerDecoder": _llama_decoder(
        "MistralLayerNormalization", "CachedMistralAttention"
    ),
    "GemmaDecoderBlock": _gemma_decoder,
    "ViTEncoder": _vit_encoder_rows,
    "ViTPatchingAndEmbedding": _vit_patching_rows,
}
"""Each block's sub-layer rows from its config and the shape of its input (the first
input of its first call), written from keras_hub 0.32's sources and checked row by row
against the Keras engine's trace (tests/test_static_hub.py)."""
