"""keras_hub TEXT backbones the rest of the suite never builds, for the sweep in
``tests/test_hub_text_sweep.py``. Random weights, constructors only, never presets.

Each builder keeps the published configuration's attention geometry (hidden width, heads,
key/value heads, head size, feed-forward width, norms, biases) and says what it reduces:
usually ``num_layers`` (every block is the same, so 1-2 blocks exercise every rule) and, where
the embedding table alone would make a file of more than ~150 MB, ``vocabulary_size`` (it only
scales the embedding and LM-head rows). Where one published block alone is too big (Mixtral's
8 experts of 4096 x 14336, Phi-3's and SmolLM3's 2-3k-wide blocks), the builder keeps the
block's geometry (head size, grouped-query ratio, FFN ratio, experts, top-k) at a smaller
width.

Files are cached as ``tests/hub_models.py`` caches its own (``~/.cache/layerscope-tests``,
one builder per machine under a file lock), with the counts Keras reported when saving.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

from hub_models import HubSpec, file_counts, model_file


def _albert_base() -> Any:
    """albert_base_en_uncased as published: 12 shared-weight layers (1 group)."""
    import keras_hub

    return keras_hub.models.AlbertBackbone(
        vocabulary_size=30000,
        num_layers=12,
        num_heads=12,
        embedding_dim=128,
        hidden_dim=768,
        intermediate_dim=3072,
        num_groups=1,
        num_inner_repetitions=1,
        max_sequence_length=512,
        num_segments=2,
    )


def _electra_small() -> Any:
    """electra_small_discriminator_en's widths (128-wide embeddings projected to 256, 4
    heads, 1024) with 2 of its 12 layers."""
    import keras_hub

    return keras_hub.models.ElectraBackbone(
        vocab_size=30522,
        num_layers=2,
        num_heads=4,
        hidden_dim=256,
        embedding_dim=128,
        intermediate_dim=1024,
        max_sequence_length=512,
    )


def _deberta_v3_extra_small() -> Any:
    """deberta_v3_extra_small_en's widths (384, 6 heads, 1536, 256 relative buckets) with
    2 of its 6 layers and a 32,000-token vocabulary (published: 128,100)."""
    import keras_hub

    return keras_hub.models.DebertaV3Backbone(
        vocabulary_size=32000,
        num_layers=2,
        num_heads=6,
        hidden_dim=384,
        intermediate_dim=1536,
        max_sequence_length=512,
        bucket_size=256,
    )


def _bart_base() -> Any:
    """bart_base_en's widths (768, 12 heads, 3072) with 1 encoder and 1 decoder layer of 6
    each, and its 50,265-token vocabulary."""
    import keras_hub

    return keras_hub.models.BartBackbone(
        vocabulary_size=50265,
        num_layers=1,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
        max_sequence_length=1024,
    )


def _falcon_1b() -> Any:
    """falcon_refinedweb_1b_en's widths (2048, 32 heads, 8192) with 1 of its 24 layers and
    an 8,192-token vocabulary (published: 50,304)."""
    import keras_hub

    return keras_hub.models.FalconBackbone(
        vocabulary_size=8192,
        num_layers=1,
        num_attention_heads=32,
        hidden_dim=2048,
        intermediate_dim=8192,
    )


def _bloom_560m() -> Any:
    """bloom_560m_multi's widths (1024, 16 heads, 4096) with 2 of its 24 layers and a
    16,384-token vocabulary (published: 250,880)."""
    import keras_hub

    return keras_hub.models.BloomBackbone(
        vocabulary_size=16384,
        num_layers=2,
        num_heads=16,
        hidden_dim=1024,
        intermediate_dim=4096,
    )


def _phi3_mini() -> Any:
    """phi3_mini_4k_instruct_en's head geometry (heads of 96, as many key/value heads as
    query heads, gated FFN 8/3 x hidden, RMS norms, no biases) at 8 heads / hidden 768 /
    2048, 2 layers, 8,192 tokens: one published block (3072 wide) is 113 M parameters, a
    0.45 GB file."""
    import keras_hub

    return keras_hub.models.Phi3Backbone(
        vocabulary_size=8192,
        num_layers=2,
        hidden_dim=768,
        intermediate_dim=2048,
        num_query_heads=8,
        num_key_value_heads=8,
        layer_norm_epsilon=1e-5,
        max_sequence_length=4096,
        pretraining_sequence_length=4096,
    )


def _qwen2_0_5b() -> Any:
    """qwen2.5_0.5b_en's widths (896, 14 query / 2 key-value heads, 4864, tied embeddings)
    with 2 of its 24 layers and a 16,384-token vocabulary (published: 151,936)."""
    import keras_hub

    return keras_hub.models.QwenBackbone(
        vocabulary_size=16384,
        num_layers=2,
        num_query_heads=14,
        num_key_value_heads=2,
        hidden_dim=896,
        intermediate_dim=4864,
        rope_max_wavelength=1_000_000,
        tie_word_embeddings=True,
    )


def _qwen3_0_6b() -> Any:
    """qwen3_0.6b_en's widths (1024, 16 query / 8 key-value heads of 128, 3072, tied) with
    2 of its 28 layers and a 16,384-token vocabulary (published: 151,936)."""
    import keras_hub

    return keras_hub.models.Qwen3Backbone(
        vocabulary_size=16384,
        num_layers=2,
        num_query_heads=16,
        num_key_value_heads=8,
        head_dim=128,
        hidden_dim=1024,
        intermediate_dim=3072,
        rope_max_wavelength=1_000_000,
        tie_word_embeddings=True,
    )


def _mixtral_small() -> Any:
    """Mixtral-8x7B's shape (8 experts, top-2 routing, 32 query / 8 key-value heads, expert
    width 3.5 x hidden) at hidden 512 / expert 1792, 2 layers, 4,096 tokens."""
    import keras_hub

    return keras_hub.models.MixtralBackbone(
        vocabulary_size=4096,
        num_layers=2,
        num_query_heads=32,
        hidden_dim=512,
        intermediate_dim=1792,
        num_key_value_heads=8,
        num_experts=8,
        top_k=2,
        rope_max_wavelength=1_000_000,
        sliding_window=512,
    )


def _pythia_70m() -> Any:
    """EleutherAI pythia-70m (GPT-NeoX): 512 wide, 8 heads, 2048, a quarter of each head
    rotary; 2 of its 6 layers, its 50,304-token vocabulary."""
    import keras_hub

    return keras_hub.models.GPTNeoXBackbone(
        vocabulary_size=50304,
        num_layers=2,
        num_heads=8,
        hidden_dim=512,
        intermediate_dim=2048,
        rotary_percentage=0.25,
        max_sequence_length=2048,
    )


def _gemma3_270m() -> Any:
    """gemma3_270m's text widths (640, 4 query / 1 key-value heads of 256, 2048, q/k norms,
    post-attention and post-FFN norms, sliding window 512) with 2 of its 18 layers and a
    16,384-token vocabulary (published: 262,144)."""
    import keras_hub

    return keras_hub.models.Gemma3Backbone(
        vocabulary_size=16384,
        image_size=896,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=1,
        hidden_dim=640,
        intermediate_dim=2048,
        head_dim=256,
        query_head_dim_normalize=True,
        use_query_key_norm=True,
        use_post_ffw_norm=True,
        use_post_attention_norm=True,
        use_sliding_window_attention=True,
        sliding_window_size=512,
        global_rope_scaling_factor=1.0,
        local_rope_scaling_factor=1.0,
        vision_encoder=None,
    )


def _xlnet_base() -> Any:
    """xlnet_base_cased's widths (768, 12 heads, 3072) with 2 of its 12 layers and its
    32,000-token vocabulary."""
    import keras_hub

    return keras_hub.models.XLNetBackbone(
        vocabulary_size=32000,
        num_layers=2,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
    )


def _roformer_v2_base() -> Any:
    """roformer_v2_base_zh's widths (768, 12 heads of 64, 3072, no biases) with 2 of its 12
    layers and its 12,000-token vocabulary."""
    import keras_hub

    return keras_hub.models.RoformerV2Backbone(
        vocabulary_size=12000,
        num_layers=2,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
        head_size=64,
    )


def _esm2_t6_8m() -> Any:
    """esm2_t6_8M's widths (320, 20 heads, 1280, rotary, 33 tokens) with 2 of its 6
    layers."""
    import keras_hub

    return keras_hub.models.ESM2Backbone(
        vocabulary_size=33,
        num_layers=2,
        num_heads=20,
        hidden_dim=320,
        intermediate_dim=1280,
        max_sequence_length=1026,
        layer_norm_eps=1e-5,
        use_pre_layer_norm=False,
        position_embedding_type="rotary",
        pad_token_id=1,
    )


def _whisper_tiny() -> Any:
    """whisper_tiny_en's widths (384, 6 heads, 1536, 80 mel bins, 51,864 tokens) with 2 of
    its 4 encoder and 4 decoder layers."""
    import keras_hub

    return keras_hub.models.WhisperBackbone(
        vocabulary_size=51864,
        num_layers=2,
        num_heads=6,
        hidden_dim=384,
        intermediate_dim=1536,
        num_mels=80,
        max_encoder_sequence_length=3000,
        max_decoder_sequence_length=448,
    )


def _smollm3_3b() -> Any:
    """SmolLM3-3B's head geometry (heads of 128, 4 query heads per key/value head, gated FFN
    5.375 x hidden, no biases, every fourth layer without rotary positions) at 8 query / 2
    key-value heads, hidden 1024 / 5504, 2 layers (one with rotary positions, one without)
    and 4,096 tokens: one published block (2048 wide) is 79 M parameters."""
    import keras_hub

    return keras_hub.models.SmolLM3Backbone(
        vocabulary_size=4096,
        hidden_dim=1024,
        intermediate_dim=5504,
        num_layers=2,
        num_attention_heads=8,
        num_key_value_heads=2,
        attention_bias=False,
        attention_dropout=0.0,
        rope_layer_enabled_list=[True, False],
        layer_types=["full_attention", "full_attention"],
        mlp_bias=False,
        layer_norm_epsilon=1e-6,
        max_position_embeddings=65536,
        rope_theta=5_000_000.0,
        partial_rotary_factor=1.0,
    )


TEXT_SPECS: dict[str, HubSpec] = {
    "albert_base": HubSpec(_albert_base, "text", seq_len=128),
    "electra_small": HubSpec(_electra_small, "text", seq_len=128),
    "deberta_v3_xsmall": HubSpec(_deberta_v3_extra_small, "text", seq_len=128),
    "bart_base": HubSpec(_bart_base, "text", seq_len=128),
    "falcon_1b": HubSpec(_falcon_1b, "text", seq_len=128),
    "bloom_560m": HubSpec(_bloom_560m, "text", seq_len=128),
    "phi3_mini": HubSpec(_phi3_mini, "text", seq_len=128),
    "qwen2_0_5b": HubSpec(_qwen2_0_5b, "text", seq_len=128),
    "qwen3_0_6b": HubSpec(_qwen3_0_6b, "text", seq_len=128),
    "mixtral_small": HubSpec(_mixtral_small, "text", seq_len=128),
    "pythia_70m": HubSpec(_pythia_70m, "text", seq_len=128),
    "gemma3_270m": HubSpec(_gemma3_270m, "text", seq_len=128),
    "xlnet_base": HubSpec(_xlnet_base, "text", seq_len=128),
    "roformer_v2_base": HubSpec(_roformer_v2_base, "text", seq_len=128),
    "esm2_t6_8m": HubSpec(_esm2_t6_8m, "text", seq_len=128),
    "whisper_tiny": HubSpec(_whisper_tiny, "text", seq_len=128),
    "smollm3_3b": HubSpec(_smollm3_3b, "text", seq_len=128),
}

_MODELS: dict[str, Any] = {}


def text_model(name: str) -> Any:
    """The in-memory model, built once per process (after a fresh Keras session, so its
    auto-numbered sub-layer names are the same in every process)."""
    if name not in _MODELS:
        import keras

        _MODELS.clear()  # one model held at a time: a worker holding every swept model
        # grew past 15 GB and was OOM-killed
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        _MODELS[name] = TEXT_SPECS[name].build()
    return _MODELS[name]


def release(name: str) -> None:
    """Drop the in-memory model (tests that are done with it call this)."""
    _MODELS.pop(name, None)


def text_file(name: str) -> Path:
    """The model's ``.keras`` file, built and saved once per machine, with the counts Keras
    reported at save time beside it (``hub_models.model_file``)."""
    return model_file(_stem(name), name, _MODELS, text_model)


def text_counts(name: str) -> dict[str, int]:
    """The counts Keras reported when ``text_file(name)`` was written."""
    text_file(name)
    return file_counts(_stem(name))


def _stem(name: str) -> str:
    """The cached file's name: the model's, and a digest of its builder's source, so that a
    changed configuration is never read from a file built by the old one."""
    source = inspect.getsource(TEXT_SPECS[name].build)
    return f"text-{name}-{hashlib.sha256(source.encode()).hexdigest()[:10]}"
