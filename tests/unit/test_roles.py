"""Roles by what a variable is (no Keras needed): layerscope.roles."""

from __future__ import annotations

import pytest

from layerscope.roles import is_normalization_class, variable_role


@pytest.mark.parametrize(
    ("layer_class", "name", "role"),
    [
        ("LayerNormalization", "gamma", "norm"),
        ("LayerNormalization", "beta", "norm"),
        ("BatchNormalization", "moving_mean", "stats"),
        ("BatchNormalization", "moving_variance", "stats"),
        ("Normalization", "mean", "stats"),
        ("RMSNormalization", "scale", "norm"),  # keras and Gemma's keras_hub class
        ("LlamaLayerNorm", "scale", "norm"),
        ("T5LayerNorm", "weight", "norm"),
        ("MistralLayerNormalization", "scale", "norm"),
        ("QKNorm", "scale", "norm"),
        ("RmsNorm2d", "weight", "norm"),
        ("Dense", "kernel", "weight"),
        ("Dense", "bias", "bias"),
        ("Embedding", "embeddings", "weight"),
        ("MyLayer", "weight", "weight"),  # 'weight' is norm only inside a norm layer
        ("MyLayer", "scale", "other"),
        ("ConvNormAct", "bias", "bias"),  # a composite block, not a norm layer
        ("LayerNormalization", "kernel", "weight"),  # only scale/offset names become norm
        # keras_hub layers that name their kernels and embeddings themselves.
        ("MixtralMoeExperts", "expert_feedforward_gate_dense", "weight"),
        ("RelativeEmbedding", "rel_embedding", "weight"),
        ("XLNetAttentionMaskLayer", "mask_emb", "weight"),
        ("XLNetEncoder", "segment_encoding", "weight"),
        ("GptOssExperts", "gate_up_proj", "weight"),
        ("GptOssExperts", "down_proj_bias", "bias"),
        ("MyLayer", "dense_bias", "bias"),
        ("MyLayer", "densely", "other"),
    ],
)
def test_variable_role(layer_class: str, name: str, role: str) -> None:
    assert variable_role(layer_class, name) == role


def test_a_constant_encoding_table_is_not_a_weight() -> None:
    assert variable_role("SinePositionEncoding", "positional_encoding", trainable=False) == "other"
    assert variable_role("SmolLM3RotaryEmbedding", "inv_freq", trainable=False) == "other"


def test_base_classes_make_a_layer_norm_like() -> None:
    assert variable_role("Scaler", "gamma") == "other"
    assert variable_role("Scaler", "gamma", bases=("LayerNormalization", "Layer")) == "norm"
    assert variable_role("Scaler", "gamma", bases=("Layer", "Operation")) == "other"


@pytest.mark.parametrize(
    ("class_name", "expected"),
    [
        ("BatchNormalization", True),
        ("LayerNorm", True),
        ("GemmaRMSNorm", True),
        ("Gemma3nRMSNorm", True),
        ("ConvNormAct", False),
        ("DFineConvNormLayer", False),
        ("Dense", False),
    ],
)
def test_is_normalization_class(class_name: str, expected: bool) -> None:
    assert is_normalization_class(class_name) is expected
