"""Recipes for keras_hub's text backbones: BERT and its kin (RoBERTa, XLM-RoBERTa,
DistilBERT), OPT, GPT-2 (and its causal LM), the decoder-only models (Llama, Mistral, Qwen2,
Qwen3, Gemma) and T5. Each maps a backbone's config to the rows, variables and shapes Keras
would build."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from layerscope.report import Shape
from layerscope.static.plans import Dims, Plan, Recipe, _int, _unsupported


def _blocks(
    plans: list[Plan],
    block: str,
    previous: str,
    layers: int,
    seq: Shape,
    tokens: Shape,
    heads: int,
    ffn: int,
) -> str:
    """``layers`` keras_hub transformer blocks (``transformer_layer_0``...), each fed the
    previous output and the padding mask, appended to ``plans``; the last block's name."""
    for index in range(layers):
        name = f"transformer_layer_{index}"
        plans.append(
            Plan(
                name,
                block,
                [(previous, seq), ("padding_mask", tokens)],
                [seq],
                {"num_heads": heads, "intermediate_dim": ffn},
            )
        )
        previous = name
    return previous


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
    previous = _blocks(
        plans, "TransformerEncoder", "embeddings_dropout", layers, seq, tokens, heads, ffn
    )
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
        previous = _blocks(
            plans, "TransformerEncoder", "embeddings_dropout", layers, seq, tokens, heads, ffn
        )
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
    previous = _blocks(plans, "TransformerDecoder", "embeddings", layers, seq, tokens, heads, ffn)
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
    previous = _blocks(
        plans, "TransformerDecoder", "embeddings_dropout", layers, seq, tokens, heads, ffn
    )
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
    """Llama, Mistral, Qwen2, Qwen3 and Gemma: token embedding, N decoder blocks, a final
    RMS norm."""

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
