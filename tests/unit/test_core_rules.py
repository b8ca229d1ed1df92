"""The pure core's rules, pinned value by value (they are what mutation testing mutates):
variable roles, plain-text escaping, data-fit thresholds, memory figures."""

from __future__ import annotations

import pytest

from layerscope.analysis.datafit import readable_ratio, validate_thresholds
from layerscope.errors import UsageError
from layerscope.render.escape import markdown_cell, markdown_code, terminal, visible
from layerscope.report import ModelReport
from layerscope.roles import is_normalization_class, variable_role

ROLES = [
    # layer class, variable name, trainable, role
    ("BatchNormalization", "moving_mean", False, "stats"),
    ("BatchNormalization", "moving_variance", False, "stats"),
    ("Custom", "moving_var", True, "stats"),
    ("Custom", "moving_stddev", True, "stats"),
    ("Normalization", "mean", False, "stats"),
    ("Normalization", "variance", False, "stats"),
    ("Normalization", "count", False, "stats"),
    ("Custom", "moving_average", False, "stats"),
    ("Custom", "moving_average", True, "other"),
    ("SpectralNormalization", "vector_u", False, "stats"),
    ("Custom", "vector_u", True, "other"),
    ("BatchNormalization", "gamma", True, "norm"),
    ("BatchNormalization", "beta", True, "norm"),
    ("LayerNormalization", "scale", True, "norm"),
    ("LayerNormalization", "center", True, "norm"),
    ("GroupNormalization", "offset", True, "norm"),
    ("LayerNorm", "gamma", True, "norm"),
    ("BatchNorm", "beta", True, "norm"),
    ("RMSNorm", "scale", True, "norm"),
    ("T5LayerNorm", "weight", True, "norm"),
    ("T5LayerNorm", "bias", True, "norm"),
    ("LayerScale", "gamma", True, "other"),
    ("Dense", "kernel", True, "weight"),
    ("Dense", "KERNEL", True, "weight"),
    ("Conv2D", "block/conv/kernel", True, "weight"),
    ("BatchNormalization", "block/bn/gamma", True, "norm"),  # the short name after the last /
    ("DepthwiseConv2D", "depthwise_kernel", True, "weight"),
    ("LSTM", "recurrent_kernel", True, "weight"),
    ("Embedding", "embeddings", True, "weight"),
    ("Embedding", "embedding", True, "weight"),
    ("Custom", "weight", True, "weight"),
    ("Custom", "weights", True, "weight"),
    ("PositionEmbedding", "position_embeddings", True, "weight"),
    ("DeiTEmbeddings", "position_embedding", True, "weight"),  # keras_hub DeiT / DINOv2
    ("DeiTEmbeddings", "class_token", True, "weight"),
    ("DeiTEmbeddings", "distillation_token", True, "weight"),
    ("DINOV2Embedding", "cls_token", True, "weight"),
    ("DINOV2Embedding", "register_tokens", True, "weight"),
    ("Custom", "tokenizer_state", True, "other"),
    ("AddPositionalEmbedding", "pos_embed", True, "weight"),  # keras_hub ViTDet / SAM
    ("AddRelativePositionalEmbedding", "rel_pos_h", True, "weight"),
    ("AddRelativePositionalEmbedding", "rel_pos_bias", True, "bias"),
    ("CLIPVisionEmbedding", "position_ids", False, "other"),  # a constant index buffer
    ("WindowAttention", "relative_position_bias_table", True, "other"),
    ("Dense", "bias", True, "bias"),
    ("MultiHeadAttention", "query_bias", True, "bias"),
    ("Custom", "bias_add", True, "bias"),
    ("PReLU", "alpha", True, "other"),
    ("Custom", "kernelish", True, "other"),
    ("Custom", "rebias", True, "other"),
]


@pytest.mark.parametrize(("layer", "name", "trainable", "role"), ROLES)
def test_variable_roles(layer: str, name: str, trainable: bool, role: str) -> None:
    assert variable_role(layer, name, trainable) == role


def test_variable_role_defaults_to_trainable() -> None:
    assert variable_role("Custom", "moving_average") == "other"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BatchNormalization", True),
        ("UnitNormalization", True),
        ("LayerNorm", True),
        ("BatchNorm", True),
        ("RMSNorm", True),
        ("Dense", False),
        ("QKNorm", True),
        ("ConvNormAct", False),
        ("LayerNormX", False),
        ("normalization", False),
    ],
)
def test_normalization_classes(name: str, expected: bool) -> None:
    assert is_normalization_class(name) is expected


def test_visible_escapes_exactly_the_invisible_characters() -> None:
    assert visible("plain name") == "plain name"
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("\x00\x7f\x9b") == "\\x00\\x7f\\x9b"
    assert visible("l\u2028p\u2029") == "l\\u2028p\\u2029"
    assert visible("abc\u202edcba") == "abc\\u202edcba"
    assert visible("lone\ud800") == "lone\\ud800"
    assert visible("zw\u200dj") == "zw\u200dj"  # the zero-width joiner is kept (emoji)
    assert visible("tab\tnl\n") == "tab\\x09nl\\x0a"
    assert visible("名前 🙂 é") == "名前 🙂 é"
    assert terminal("x\x1b") == "x\\x1b"


def test_markdown_cell_neutralises_syntax() -> None:
    assert markdown_cell("plain") == "plain"
    assert markdown_cell("a|b") == "a\\|b"
    assert markdown_cell("<b>&") == "&lt;b&gt;&amp;"
    # a real backslash is shown doubled (so a typed "\\x1b" differs from a real ESC),
    # then each of the two is Markdown-escaped
    assert markdown_cell("*_`[]{}~\\") == "\\*\\_\\`\\[\\]\\{\\}\\~\\\\\\\\"
    assert markdown_cell("x\x1by") == "x\\\\x1by"


def test_markdown_code_fences_and_pads() -> None:
    assert markdown_code("name") == "`name`"
    assert markdown_code("Xy") == "`Xy`" and markdown_code("yX") == "`yX`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("a``b`") == "``` a``b` ```"
    assert markdown_code("`x") == "`` `x ``"
    assert markdown_code(" x") == "`  x `"
    assert markdown_code("x ") == "` x  `"
    assert markdown_code("") == "` `"
    assert markdown_code("a\x1b") == "`a\\x1b`"


def test_thresholds_merge_and_validate() -> None:
    def as_dict(value: object) -> dict:
        return {key: getattr(value, key) for key in ("moderate", "high", "very_high")}

    assert as_dict(validate_thresholds(None)) == {"moderate": 0.1, "high": 1.0, "very_high": 10.0}
    assert as_dict(validate_thresholds({"high": 2})) == {
        "moderate": 0.1,
        "high": 2.0,
        "very_high": 10.0,
    }
    assert as_dict(validate_thresholds({})) == {"moderate": 0.1, "high": 1.0, "very_high": 10.0}
    bad = [
        (
            [("high", 1.0)],
            "thresholds must be a mapping such as {'high': 1.0}; got [('high', 1.0)]",
        ),
        (
            {"extreme": 1.0},
            "thresholds keys must be among moderate, high, very_high; got 'extreme'",
        ),
        ({"high": True}, "thresholds['high'] must be a positive number; got True"),
        ({"high": "2"}, "thresholds['high'] must be a positive number; got '2'"),
        ({"high": float("nan")}, "thresholds['high'] must be a positive number; got nan"),
        ({"high": 0}, "thresholds['high'] must be a positive number; got 0"),
        ({"high": -1.0}, "thresholds['high'] must be a positive number; got -1.0"),
        (
            {"high": 20.0},
            "thresholds must increase: moderate < high < very_high; got 0.1, 20.0, 10.0",
        ),
        (
            {"high": 10.0},
            "thresholds must increase: moderate < high < very_high; got 0.1, 10.0, 10.0",
        ),
        (
            {"moderate": 1.0},
            "thresholds must increase: moderate < high < very_high; got 1.0, 1.0, 10.0",
        ),
    ]
    for value, message in bad:
        with pytest.raises(UsageError) as error:
            validate_thresholds(value)  # type: ignore[arg-type]
        assert str(error.value) == message


def test_readable_ratio_keeps_three_significant_figures() -> None:
    assert readable_ratio(5.7601) == 5.76
    assert readable_ratio(0.000123456) == 0.000123
    assert readable_ratio(0.0123456) == 0.0123
    assert readable_ratio(123.456) == 123.46
    assert readable_ratio(0) == 0
    assert readable_ratio(float("inf")) == float("inf")


def test_seed_memory_figures(seed_static: ModelReport) -> None:
    params = 316_810 * 4
    inputs = 28 * 28 * 4
    activations = inputs + (784 + 300 + 200 + 100 + 10) * 4  # the input, then every output
    assert seed_static.to_dict()["memory"] == {
        "parameter_bytes": params,
        "parameter_bytes_by_dtype": {"float32": params},
        "trainable_bytes": params,
        "gradient_bytes": params,
        "optimizer": "adam",
        "optimizer_slots": 2,
        "optimizer_bytes": 2 * params,
        "activation_dtypes": ["float32"],
        "input_bytes_per_sample": inputs,
        "activation_bytes_per_sample": 8712,
        "batch_size": 1,
        "forward_bytes": 8712,
        "training_activation_bytes": 2 * 8712,
        "inference_peak_bytes": 6272,
        "training_total_bytes": 4 * params + 2 * 8712,
        "activation_unknown_dims": [],
    }
    assert activations == 8712
