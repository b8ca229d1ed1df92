"""What the static engine knows of keras_hub: how each backbone is built, and the variables
of each block.

keras_hub models save only their constructor arguments; this module turns those arguments
into the rows keras_hub's constructors make (:data:`RECIPES`: names, classes, connections and
output shapes, for an optional sequence length or image size), lists the sub-layers each
block saves its variables under, in the order it assigns them (:data:`BLOCKS`), and the rows
inside each block with the shapes they are called at (:data:`SUB_ROWS`). Written from
keras_hub 0.32's sources and checked, row by row and variable by variable, against the Keras
capture of saved files (tests/test_static_hub.py). Nothing here reads a file: the reader
(:mod:`layerscope.static.hub`) checks every expectation against the weights file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.report import OpCall, Shape


def _unsupported(message: str) -> Exception:
    from layerscope.static import StaticUnsupported

    return StaticUnsupported(message)


# -- variable names per (sub)layer class ---------------------------------------------------------

VARIABLE_NAMES: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "EinsumDense": ("kernel", "bias"),
    "Conv1D": ("kernel", "bias"),
    "Conv2D": ("kernel", "bias"),
    "LayerNormalization": ("gamma", "beta"),
    "RMSNormalization": ("scale",),
    "LlamaLayerNorm": ("scale",),
    "MistralLayerNormalization": ("scale",),
    "Embedding": ("embeddings",),
    "PositionEmbedding": ("embeddings",),
    "ReversibleEmbedding": ("embeddings", "reverse_embeddings"),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "DepthwiseConv2D": ("kernel", "bias"),
    "T5LayerNorm": ("weight",),
}

NON_TRAINABLE = frozenset({"moving_mean", "moving_variance"})
"""Variables Keras creates non-trainable whatever the layer's flag."""
"""A layer's own variables in save order; a layer may save fewer (no bias, tied embeddings)."""


@dataclass(frozen=True)
class Sub:
    """A sub-layer saved under ``attribute`` of its owner's group."""

    attribute: str
    class_name: str
    subs: tuple[Sub, ...] = ()
    own: tuple[str, ...] | None = None
    """The sub-layer's own variable names; ``None``: from :data:`VARIABLE_NAMES`."""
    optional: bool = False
    listed: bool = False
    """A Python list of layers (``encoder_layers``): a group of ``<snake_class>[_N]`` groups."""


def _attention(prefix: str = "") -> tuple[Sub, ...]:
    return tuple(
        Sub(f"{prefix}{name}_dense", "EinsumDense") for name in ("query", "key", "value", "output")
    )


_MHA = _attention()
_SQUEEZE_EXCITE = (Sub("conv_reduce", "Conv2D"), Sub("conv_expand", "Conv2D"))
_T5_ATTENTION = tuple(
    Sub(f"{name}_projector", "Dense") for name in ("query", "key", "value", "output")
)
"""T5's attention projections; the first block's attention also holds the relative
position bias table (``embeddings``: buckets x heads)."""

BLOCKS: dict[str, tuple[Sub, ...]] = {
    "TransformerEncoder": (
        Sub("_self_attention_layer", "MultiHeadAttention", _MHA, own=()),
        Sub("_self_attention_layer_norm", "LayerNormalization"),
        Sub("_feedforward_layer_norm", "LayerNormalization"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
    ),
    "TransformerDecoder": (
        Sub("_self_attention_layer", "CachedMultiHeadAttention", _MHA, own=()),
        Sub("_self_attention_layer_norm", "LayerNormalization"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layer_norm", "LayerNormalization"),
    ),
    "LlamaTransformerDecoder": (
        Sub("_self_attention_layer", "LlamaAttention", _attention("_"), own=()),
        Sub("_self_attention_layernorm", "LlamaLayerNorm"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_gate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layernorm", "LlamaLayerNorm"),
    ),
    "MistralTransformerDecoder": (
        Sub("_self_attention_layer", "CachedMistralAttention", _attention("_"), own=()),
        Sub("_self_attention_layernorm", "MistralLayerNormalization"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_gate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layernorm", "MistralLayerNormalization"),
    ),
    "GemmaDecoderBlock": (
        Sub("pre_attention_norm", "RMSNormalization"),
        Sub("attention", "CachedGemmaAttention", _MHA, own=()),
        Sub("pre_ffw_norm", "RMSNormalization"),
        Sub("gating_ffw", "EinsumDense"),
        Sub("gating_ffw_2", "EinsumDense"),
        Sub("ffw_linear", "EinsumDense"),
    ),
    "ViTEncoderBlock": (
        Sub("layer_norm_1", "LayerNormalization"),
        Sub("mha", "MultiHeadAttention", _MHA, own=()),
        Sub("layer_norm_2", "LayerNormalization"),
        Sub("mlp", "MLP", (Sub("dense_1", "Dense"), Sub("dense_2", "Dense")), own=()),
    ),
    "ViTEncoder": (
        Sub("encoder_layers", "ViTEncoderBlock", listed=True),
        Sub("layer_norm", "LayerNormalization"),
    ),
    "ViTPatchingAndEmbedding": (
        Sub("patch_embedding", "Conv2D"),
        Sub("position_embedding", "Embedding"),
    ),
    "DepthwiseConvBlock": (
        Sub("conv1", "Conv2D"),
        Sub("batch_normalization1", "BatchNormalization"),
        Sub("se_layer", "SqueezeAndExcite2D", _SQUEEZE_EXCITE, own=(), optional=True),
        Sub("conv2", "Conv2D"),
        Sub("batch_normalization2", "BatchNormalization"),
    ),
    "InvertedResidualBlock": (
        Sub("conv1", "Conv2D"),
        Sub("batch_normalization1", "BatchNormalization"),
        Sub("conv2", "Conv2D"),
        Sub("batch_normalization2", "BatchNormalization"),
        Sub("squeeze_excite", "SqueezeAndExcite2D", _SQUEEZE_EXCITE, own=(), optional=True),
        Sub("conv3", "Conv2D"),
        Sub("batch_normalization3", "BatchNormalization"),
    ),
    "ConvBnActBlock": (
        Sub("conv", "Conv2D"),
        Sub("batch_normalization", "BatchNormalization"),
    ),
    "TokenAndPositionEmbedding": (
        Sub("token_embedding", "ReversibleEmbedding"),
        Sub("position_embedding", "PositionEmbedding"),
    ),
    "T5TransformerLayer": (
        Sub("self_attention", "T5MultiHeadAttention", _T5_ATTENTION, own=("embeddings",)),
        Sub("self_attention_layer_norm", "T5LayerNorm"),
        Sub("cross_attention", "T5MultiHeadAttention", _T5_ATTENTION, own=(), optional=True),
        Sub("cross_attention_layer_norm", "T5LayerNorm", optional=True),
        Sub("input_projector", "Dense"),
        Sub("gate_projector", "Dense", optional=True),
        Sub("output_projector", "Dense"),
        Sub("layer_norm", "T5LayerNorm"),
    ),
}
"""Each keras_hub block's sub-layers with variables, in the order the block assigns them
(Keras lists a layer's weights in that order; the weights file sorts them by name)."""

OWN: dict[str, tuple[str, ...]] = {
    "ViTPatchingAndEmbedding": ("class_token",),
}
"""Variables a block creates itself, before its sub-layers'."""


# -- recipes: how each known backbone is built ---------------------------------------------------


@dataclass
class Plan:
    """One row a recipe expects: found in the weights file by its saved name."""

    name: str
    class_name: str
    inputs: list[tuple[str, Shape]] = field(default_factory=list)
    """(source row name, tensor shape) for each input of its first call."""
    outputs: list[Shape] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    operation: bool = False
    """A graph operation (``x[:, 0, :]``): a row with no weights group."""
    nested: Recipe | None = None
    same_as: str | None = None
    """A second call of an earlier row's layer (a tied LM head): its variables again."""
    call_count: int = 1
    """How many times the graph calls it (T5's token embedding: encoder and decoder)."""
    call_inputs: list[Shape] | None = None
    """The tensor arguments of its first call, masks left out, when they are not its
    ``inputs``' shapes (a block taking the previous block's position bias)."""
    auto_name: bool = False
    """A layer the constructor leaves unnamed (``keras.layers.Activation(...)``): its saved
    name carries the saving session's counter (``activation_12``); ``name`` is the one a
    fresh session gives it, and the counter advances as for :attr:`SubRow.auto_name`."""


@dataclass
class Recipe:
    name: str
    class_name: str
    plans: list[Plan]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    trainable: bool = True
    """The model's own ``trainable`` flag, the only trainability keras_hub saves (Keras
    rebuilds every layer from the constructor's arguments, so per-layer flags are lost on
    loading too)."""


Dims = Mapping[str, Any]


def _int(config: Dims, key: str, default: Any = None) -> int:
    value = config.get(key)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise _unsupported(f"config {key!r} is {value!r}, not a whole number from 1")
    return value


def _bert(config: Dims, seq_len: int | None) -> Recipe:
    vocab, layers = _int(config, "vocabulary_size"), _int(config, "num_layers")
    heads, hidden = _int(config, "num_heads"), _int(config, "hidden_dim")
    ffn, segments = _int(config, "intermediate_dim"), _int(config, "num_segments")
    tokens = (None, seq_len)
    seq: Shape = (None, seq_len, hidden)
    plans = [
        Plan("token_ids", "InputLayer", outputs=[tokens]),
        Plan(
            "token_embedding",
            "ReversibleEmbedding",
            [("token_ids", tokens)],
            [seq],
            {"input_dim": vocab, "output_dim": hidden},
        ),
        Plan("segment_ids", "InputLayer", outputs=[tokens]),
        Plan(
            "position_embedding",
            "PositionEmbedding",
            [("token_embedding", seq)],
            [seq],
            {"sequence_length": _int(config, "max_sequence_length")},
        ),
        Plan(
            "segment_embedding",
            "Embedding",
            [("segment_ids", tokens)],
            [seq],
            {"input_dim": segments, "output_dim": hidden},
        ),
        Plan(
            "embeddings_add",
            "Add",
            [("token_embedding", seq), ("position_embedding", seq), ("segment_embedding", seq)],
            [seq],
        ),
        Plan("embeddings_layer_norm", "LayerNormalization", [("embeddings_add", seq)], [seq]),
        Plan("embeddings_dropout", "Dropout", [("embeddings_layer_norm", seq)], [seq]),
        Plan("padding_mask", "InputLayer", outputs=[tokens]),
    ]
    previous = "embeddings_dropout"
    for index in range(layers):
        name = f"transformer_layer_{index}"
        plans.append(
            Plan(
                name,
                "TransformerEncoder",
                [(previous, seq), ("padding_mask", tokens)],
                [seq],
                {"num_heads": heads, "intermediate_dim": ffn},
            )
        )
        previous = name
    plans.append(Plan("get_item", "GetItem", [(previous, seq)], [(None, hidden)], operation=True))
    plans.append(
        Plan(
            "pooled_dense",
            "Dense",
            [("get_item", (None, hidden))],
            [(None, hidden)],
            {"units": hidden},
        )
    )
    return Recipe(
        str(config.get("name")),
        "BertBackbone",
        plans,
        inputs=("padding_mask", "segment_ids", "token_ids"),
        outputs=("pooled_dense", previous),
        input_shapes=(tokens, tokens, tokens),
    )


def _encoder_with_position_embedding(
    class_name: str, embedding: str
) -> Callable[[Dims, int | None], Recipe]:
    """RoBERTa and DistilBERT: a TokenAndPositionEmbedding block (named ``embedding``), a
    layer norm and dropout, then N TransformerEncoder blocks; no pooler."""

    def recipe(config: Dims, seq_len: int | None) -> Recipe:
        vocab, layers = _int(config, "vocabulary_size"), _int(config, "num_layers")
        heads, hidden = _int(config, "num_heads"), _int(config, "hidden_dim")
        ffn = _int(config, "intermediate_dim")
        tokens = (None, seq_len)
        seq: Shape = (None, seq_len, hidden)
        plans = [
            Plan("token_ids", "InputLayer", outputs=[tokens]),
            Plan(
                embedding,
                "TokenAndPositionEmbedding",
                [("token_ids", tokens)],
                [seq],
                {
                    "vocabulary_size": vocab,
                    "sequence_length": _int(config, "max_sequence_length"),
                    "embedding_dim": hidden,
                },
            ),
            Plan("embeddings_layer_norm", "LayerNormalization", [(embedding, seq)], [seq]),
            Plan("embeddings_dropout", "Dropout", [("embeddings_layer_norm", seq)], [seq]),
            Plan("padding_mask", "InputLayer", outputs=[tokens]),
        ]
        previous = "embeddings_dropout"
        for index in range(layers):
            name = f"transformer_layer_{index}"
            plans.append(
                Plan(
                    name,
                    "TransformerEncoder",
                    [(previous, seq), ("padding_mask", tokens)],
                    [seq],
                    {"num_heads": heads, "intermediate_dim": ffn},
                )
            )
            previous = name
        return Recipe(
            str(config.get("name")),
            class_name,
            plans,
            inputs=("padding_mask", "token_ids"),
            outputs=(previous,),
            input_shapes=(tokens, tokens),
        )

    return recipe


def _opt(config: Dims, seq_len: int | None) -> Recipe:
    """OPT: a TokenAndPositionEmbedding block, N TransformerDecoder blocks, a final norm."""
    vocab, layers = _int(config, "vocabulary_size"), _int(config, "num_layers")
    heads, hidden = _int(config, "num_heads"), _int(config, "hidden_dim")
    ffn = _int(config, "intermediate_dim")
    tokens = (None, seq_len)
    seq: Shape = (None, seq_len, hidden)
    plans = [
        Plan("token_ids", "InputLayer", outputs=[tokens]),
        Plan(
            "embeddings",
            "TokenAndPositionEmbedding",
            [("token_ids", tokens)],
            [seq],
            {
                "vocabulary_size": vocab,
                "sequence_length": _int(config, "max_sequence_length"),
                "embedding_dim": hidden,
            },
        ),
        Plan("padding_mask", "InputLayer", outputs=[tokens]),
    ]
    previous = "embeddings"
    for index in range(layers):
        name = f"transformer_layer_{index}"
        plans.append(
            Plan(
                name,
                "TransformerDecoder",
                [(previous, seq), ("padding_mask", tokens)],
                [seq],
                {"num_heads": heads, "intermediate_dim": ffn},
            )
        )
        previous = name
    plans.append(Plan("layer_norm", "LayerNormalization", [(previous, seq)], [seq]))
    return Recipe(
        str(config.get("name")),
        "OPTBackbone",
        plans,
        inputs=("padding_mask", "token_ids"),
        outputs=("layer_norm",),
        input_shapes=(tokens, tokens),
    )


def _gpt2(config: Dims, seq_len: int | None) -> Recipe:
    vocab, layers = _int(config, "vocabulary_size"), _int(config, "num_layers")
    heads, hidden = _int(config, "num_heads"), _int(config, "hidden_dim")
    ffn = _int(config, "intermediate_dim")
    tokens = (None, seq_len)
    seq: Shape = (None, seq_len, hidden)
    plans = [
        Plan("token_ids", "InputLayer", outputs=[tokens]),
        Plan(
            "token_embedding",
            "ReversibleEmbedding",
            [("token_ids", tokens)],
            [seq],
            {"input_dim": vocab, "output_dim": hidden},
        ),
        Plan(
            "position_embedding",
            "PositionEmbedding",
            [("token_embedding", seq)],
            [seq],
            {"sequence_length": _int(config, "max_sequence_length")},
        ),
        Plan(
            "embeddings_add", "Add", [("token_embedding", seq), ("position_embedding", seq)], [seq]
        ),
        Plan("embeddings_dropout", "Dropout", [("embeddings_add", seq)], [seq]),
        Plan("padding_mask", "InputLayer", outputs=[tokens]),
    ]
    previous = "embeddings_dropout"
    for index in range(layers):
        name = f"transformer_layer_{index}"
        plans.append(
            Plan(
                name,
                "TransformerDecoder",
                [(previous, seq), ("padding_mask", tokens)],
                [seq],
                {"num_heads": heads, "intermediate_dim": ffn},
            )
        )
        previous = name
    plans.append(Plan("layer_norm", "LayerNormalization", [(previous, seq)], [seq]))
    return Recipe(
        str(config.get("name")),
        "GPT2Backbone",
        plans,
        inputs=("padding_mask", "token_ids"),
        outputs=("layer_norm",),
        input_shapes=(tokens, tokens),
    )


def _decoder_only(
    block: str, final_norm: str, final_name: str, prefix: str, scaled: bool = False
) -> Callable[[Dims, int | None], Recipe]:
    """Llama, Mistral and Gemma: token embedding, N decoder blocks, a final RMS norm."""

    def recipe(config: Dims, seq_len: int | None) -> Recipe:
        vocab, layers = _int(config, "vocabulary_size"), _int(config, "num_layers")
        hidden = _int(config, "hidden_dim")
        heads = _int(config, "num_query_heads")
        kv_heads = _int(config, "num_key_value_heads")
        head_dim = _int(config, "head_dim", hidden // heads)
        tokens = (None, seq_len)
        seq: Shape = (None, seq_len, hidden)
        plans = [
            Plan("token_ids", "InputLayer", outputs=[tokens]),
            Plan(
                "token_embedding",
                "ReversibleEmbedding",
                [("token_ids", tokens)],
                [seq],
                {"input_dim": vocab, "output_dim": hidden},
            ),
        ]
        previous = "token_embedding"
        if scaled:  # Gemma multiplies the embeddings by sqrt(hidden): a graph operation
            plans.append(Plan("multiply", "Multiply", [(previous, seq)], [seq], operation=True))
            previous = "multiply"
        plans.append(Plan("padding_mask", "InputLayer", outputs=[tokens]))
        for index in range(layers):
            name = f"{prefix}{index}"
            plans.append(
                Plan(
                    name,
                    block,
                    [(previous, seq), ("padding_mask", tokens)],
                    [seq],
                    {
                        "num_query_heads": heads,
                        "num_key_value_heads": kv_heads,
                        "head_dim": head_dim,
                        "intermediate_dim": _int(config, "intermediate_dim"),
                    },
                )
            )
            previous = name
        plans.append(Plan(final_name, final_norm, [(previous, seq)], [seq]))
        return Recipe(
            str(config.get("name")),
            "",
            plans,
            inputs=("padding_mask", "token_ids"),
            outputs=(final_name,),
            input_shapes=(tokens, tokens),
        )

    return recipe


def _vit(config: Dims, image: Shape | None) -> Recipe:
    raw_shape = config.get("image_shape")
    if not isinstance(raw_shape, list) or len(raw_shape) != 3:
        raise _unsupported(f"ViT image_shape {raw_shape!r}")
    height, width, channels = raw_shape
    if image is not None:
        if len(image) != 4:
            raise _unsupported(f"an image input needs 3 sizes, got {image[1:]}")
        height, width, channels = (
            height if height is not None else image[1],
            width if width is not None else image[2],
            channels if channels is not None else image[3],
        )
    patch = config.get("patch_size")
    patch_h, patch_w = (patch, patch) if isinstance(patch, int) else tuple(patch or (0, 0))
    hidden, heads = _int(config, "hidden_dim"), _int(config, "num_heads")
    patches = None
    if height is not None and width is not None:
        patches = (height // patch_h) * (width // patch_w)
    tokens = (
        None if patches is None else patches + (1 if config.get("use_class_token", True) else 0)
    )
    seq: Shape = (None, tokens, hidden)
    images: Shape = (None, height, width, channels)
    plans = [
        Plan("images", "InputLayer", outputs=[images]),
        Plan(
            "vit_patching_and_embedding",
            "ViTPatchingAndEmbedding",
            [("images", images)],
            [seq],
            {"patch_size": [patch_h, patch_w], "hidden_dim": hidden},
        ),
        Plan(
            "vit_encoder",
            "ViTEncoder",
            [("vit_patching_and_embedding", seq)],
            [seq],
            {
                "num_layers": _int(config, "num_layers"),
                "num_heads": heads,
                "hidden_dim": hidden,
                "mlp_dim": _int(config, "mlp_dim"),
            },
        ),
    ]
    return Recipe(
        str(config.get("name")),
        "ViTBackbone",
        plans,
        inputs=("images",),
        outputs=("vit_encoder",),
        input_shapes=(images,),
    )


def _gpt2_causal_lm(config: Dims, seq_len: int | None) -> Recipe:
    backbone = config.get("backbone")
    if not isinstance(backbone, Mapping) or backbone.get("class_name") != "GPT2Backbone":
        raise _unsupported("GPT2CausalLM without a GPT2Backbone config")
    inner_config = backbone.get("config") or {}
    inner = _gpt2(inner_config, seq_len)
    inner.name = str(inner_config.get("name"))
    inner.trainable = bool(inner_config.get("trainable", True))
    hidden, vocab = _int(inner_config, "hidden_dim"), _int(inner_config, "vocabulary_size")
    tokens = (None, seq_len)
    seq: Shape = (None, seq_len, hidden)
    plans = [
        Plan("padding_mask", "InputLayer", outputs=[tokens]),
        Plan("token_ids", "InputLayer", outputs=[tokens]),
        Plan(
            inner.name,
            "GPT2Backbone",
            [("padding_mask", tokens), ("token_ids", tokens)],
            [seq],
            nested=inner,
        ),
        Plan(
            "token_embedding",
            "ReversibleEmbedding",
            [(inner.name, seq)],
            [(None, seq_len, vocab)],
            {"input_dim": vocab, "output_dim": hidden},
            same_as=f"{inner.name}/token_embedding",
        ),
    ]
    return Recipe(
        str(config.get("name")),
        "GPT2CausalLM",
        plans,
        inputs=("padding_mask", "token_ids"),
        outputs=("token_embedding",),
        input_shapes=(tokens, tokens),
    )


def _t5(config: Dims, lengths: tuple[int | None, int | None]) -> Recipe:
    """T5Backbone: one token embedding called for the encoder and the decoder, N encoder
    blocks, N decoder blocks attending to the encoder's output; rows in the order Keras's
    graph lists them."""
    vocab, layers = _int(config, "vocabulary_size"), _int(config, "num_layers")
    heads, hidden = _int(config, "num_heads"), _int(config, "hidden_dim")
    ffn = _int(config, "intermediate_dim")
    head_dim = _int(config, "key_value_dim", hidden // heads)
    encoder, decoder = lengths
    tokens_e, tokens_d = (None, encoder), (None, decoder)
    x_e: Shape = (None, encoder, hidden)
    x_d: Shape = (None, decoder, hidden)
    mask_e, mask_d = (None, 1, encoder), (None, 1, decoder)
    bias_e, bias_d = (None, heads, encoder, encoder), (None, heads, decoder, decoder)
    block = {
        "num_heads": heads,
        "key_value_dim": head_dim,
        "intermediate_dim": ffn,
        "use_gated_activation": bool(config.get("use_gated_activation", True)),
    }
    plans = [
        Plan("decoder_token_ids", "InputLayer", outputs=[tokens_d]),
        Plan("encoder_token_ids", "InputLayer", outputs=[tokens_e]),
        Plan(
            "token_embedding",
            "ReversibleEmbedding",
            [("encoder_token_ids", tokens_e), ("decoder_token_ids", tokens_d)],
            [x_e],
            {"input_dim": vocab, "output_dim": hidden},
            call_count=2,
            call_inputs=[tokens_e],
        ),
        Plan("encoder_padding_mask", "InputLayer", outputs=[tokens_e]),
        Plan(
            "get_item",
            "GetItem",
            [("encoder_padding_mask", tokens_e)],
            [mask_e],
            operation=True,
        ),
        Plan("encoder_embedding_dropout", "Dropout", [("token_embedding", x_e)], [x_e]),
    ]
    previous = "encoder_embedding_dropout"
    for index in range(layers):
        name = f"transformer_encoder_layer_{index}"
        inputs = [(previous, x_e), ("get_item", mask_e)]
        if index:
            inputs.append((previous, bias_e))
        plans.append(
            Plan(
                name,
                "T5TransformerLayer",
                inputs,
                [x_e, bias_e],
                {**block, "is_decoder": False, "use_relative_attention_bias": index == 0},
                call_inputs=[x_e, bias_e] if index else [x_e],
            )
        )
        previous = name
    plans += [
        Plan("decoder_padding_mask", "InputLayer", outputs=[tokens_d]),
        Plan("encoder_output_layer_norm", "T5LayerNorm", [(previous, x_e)], [x_e]),
        Plan("decoder_embedding_dropout", "Dropout", [("token_embedding", x_d)], [x_d]),
        Plan(
            "get_item_1",
            "GetItem",
            [("decoder_padding_mask", tokens_d)],
            [mask_d],
            operation=True,
        ),
        Plan("encoder_output_dropout", "Dropout", [("encoder_output_layer_norm", x_e)], [x_e]),
    ]
    previous = "decoder_embedding_dropout"
    for index in range(layers):
        name = f"transformer_decoder_layer_{index}"
        # The graph lists a call's keyword tensors by name: attention_mask,
        # encoder_attention_mask, encoder_hidden_states, position_bias.
        inputs = [
            (previous, x_d),
            ("get_item_1", mask_d),
            ("get_item", mask_e),
            ("encoder_output_dropout", x_e),
        ]
        if index:
            inputs.append((previous, bias_d))
        plans.append(
            Plan(
                name,
                "T5TransformerLayer",
                inputs,
                [x_d, bias_d],
                {
                    **block,
                    "is_decoder": True,
                    "use_relative_attention_bias": index == 0,
                    "encoder_length": encoder,
                },
                call_inputs=[x_d, bias_d, x_e] if index else [x_d, x_e],
            )
        )
        previous = name
    plans += [
        Plan("decoder_output_layer_norm", "T5LayerNorm", [(previous, x_d)], [x_d]),
        Plan("decoder_output_dropout", "Dropout", [("decoder_output_layer_norm", x_d)], [x_d]),
    ]
    return Recipe(
        str(config.get("name")),
        "T5Backbone",
        plans,
        inputs=(
            "decoder_padding_mask",
            "decoder_token_ids",
            "encoder_padding_mask",
            "encoder_token_ids",
        ),
        outputs=("decoder_output_dropout", "encoder_output_dropout"),
        input_shapes=(tokens_d, tokens_d, tokens_e, tokens_e),
    )


def adjust_channels(x: float, divisor: int = 8) -> int:
    """keras_hub's ``mobilenet.util.adjust_channels``: ``x`` rounded to a multiple of 8,
    never more than 10% below ``x``."""
    new_x = max(divisor, int(x + divisor / 2) // divisor * divisor)
    return new_x + divisor if new_x < 0.9 * x else new_x


def _conv_size(size: int | None, pad: int, kernel: int, stride: int) -> int | None:
    """A ``valid`` convolution's output size after ``pad`` zeros on each side."""
    return None if size is None else (size + 2 * pad - kernel) // stride + 1


def _channels(shape: Shape, channels: int) -> Shape:
    return (*shape[:-1], channels)


def _mobilenet(config: Dims, image: Shape | None) -> Recipe:
    raw_shape = config.get("image_shape")
    if not isinstance(raw_shape, list) or len(raw_shape) != 3:
        raise _unsupported(f"MobileNet image_shape {raw_shape!r}")
    height, width, channels = raw_shape
    if image is not None and len(image) == 4:
        height = height if height is not None else image[1]
        width = width if width is not None else image[2]
    images: Shape = (None, height, width, channels)
    stem = adjust_channels(_int(config, "input_num_filters"))
    padded: Shape = (None, _plus(height, 2), _plus(width, 2), channels)
    x: Shape = (None, _conv_size(height, 1, 3, 2), _conv_size(width, 1, 3, 2), stem)
    plans = [
        Plan("input_layer", "InputLayer", outputs=[images], auto_name=True),
        Plan("input_pad", "ZeroPadding2D", [("input_layer", images)], [padded]),
        Plan(
            "input_conv",
            "Conv2D",
            [("input_pad", padded)],
            [x],
            {"filters": stem, "kernel_size": [3, 3], "strides": [2, 2], "groups": 1},
        ),
        Plan("input_batch_norm", "BatchNormalization", [("input_conv", x)], [x]),
        Plan("activation", "Activation", [("input_batch_norm", x)], [x], auto_name=True),
    ]
    stride = _int(config, "depthwise_stride")
    filters = _int(config, "depthwise_filters")
    out: Shape = (None, _conv_size(x[1], 1, 3, stride), _conv_size(x[2], 1, 3, stride), filters)
    se = config.get("squeeze_and_excite")
    plans.append(
        Plan(
            "block_0_0",
            "DepthwiseConvBlock",
            [("activation", x)],
            [out],
            {
                "infilters": stem,
                "filters": filters,
                "kernel_size": 3,
                "stride": stride,
                "squeeze_excite_ratio": se,
                "residual": bool(config.get("depthwise_residual")),
            },
        )
    )
    previous, x = "block_0_0", out
    stacks = config.get("stackwise_num_blocks")
    if not isinstance(stacks, list):
        raise _unsupported(f"MobileNet stackwise_num_blocks {stacks!r}")

    def pick(key: str, stack: int, index: int) -> Any:
        table = config.get(key)
        try:
            return table[stack][index]  # type: ignore[index]
        except (TypeError, IndexError, KeyError) as error:
            raise _unsupported(f"MobileNet {key} has no entry [{stack}][{index}]") from error

    for stack, count in enumerate(stacks):
        for index in range(int(count)):
            expanded = adjust_channels(int(pick("stackwise_expansion", stack, index)))
            filters = adjust_channels(int(pick("stackwise_num_filters", stack, index)))
            kernel = int(pick("stackwise_kernel_size", stack, index))
            stride = int(pick("stackwise_num_strides", stack, index))
            pad = int(pick("stackwise_padding", stack, index))
            out = (
                None,
                _conv_size(x[1], pad, kernel, stride),
                _conv_size(x[2], pad, kernel, stride),
                filters,
            )
            name = f"block_{stack + 1}_{index}"
            plans.append(
                Plan(
                    name,
                    "InvertedResidualBlock",
                    [(previous, x)],
                    [out],
                    {
                        "expansion": int(pick("stackwise_expansion", stack, index)),
                        "expanded": expanded,
                        "infilters": x[-1],
                        "filters": filters,
                        "kernel_size": kernel,
                        "stride": stride,
                        "squeeze_excite_ratio": pick("stackwise_se_ratio", stack, index),
                        "padding": pad,
                    },
                )
            )
            previous, x = name, out
    last = adjust_channels(_int(config, "last_layer_filter"))
    name = f"block_{len(stacks) + 1}_0"
    out = _channels(x, last)
    plans.append(Plan(name, "ConvBnActBlock", [(previous, x)], [out], {"filter": last}))
    return Recipe(
        str(config.get("name")),
        "MobileNetBackbone",
        plans,
        inputs=("input_layer",),
        outputs=(name,),
        input_shapes=(images,),
    )


def _plus(size: int | None, extra: int) -> int | None:
    return None if size is None else size + extra


RecipeFunction = Callable[[Dims, Any], Recipe]

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


def _gated_params(divisor: int) -> Callable[[Mapping[str, Any], int], int]:
    def count(config: Mapping[str, Any], width: int) -> int:
        heads = int(config["num_query_heads"])
        kv_heads = int(config["num_key_value_heads"])
        head_dim = int(config["head_dim"])
        ffn = int(config["intermediate_dim"]) // divisor
        return (
            _attention_params(width, heads, kv_heads, head_dim, False)
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
    "GemmaDecoderBlock": _gated_params(2),
    "ViTEncoder": _vit_encoder_params,
}
"""What a block holds, given its config and its width: the MAC rules read the same
config, so a file whose blocks hold anything else is not read by its recipe."""


# -- sub-layer rows: what runs inside each block ---------------------------------------------


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


def _llama_decoder(norm: str, attention: str) -> Callable[[Dims, Shape], tuple[SubRow, ...]]:
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
                _einsum("_key_dense", "bkm,mvh->bkvh", x, kv),
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
