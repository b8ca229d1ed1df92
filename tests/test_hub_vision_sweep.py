"""keras_hub vision and image-text backbones layerscope was not written against.

Twenty models from ``tests/hub_vision_models.py`` (published configurations, random weights,
no downloads): ResNet v1 and v2, EfficientNet B0 and V2-S, DenseNet, CSPNet, VGG, Xception,
HGNetV2, MobileNetV3-Small, DeiT, DINOv2, Swin, MiT, SegFormer, CLIP, SigLIP, ViTDet, SAM and
DeepLabV3+. For each: exact parameter totals and trainable split against Keras, depth-0 rows
that add up, MACs equal to the independent TensorFlow-graph count
(``tests/independent_macs.py``) within 1%, roles (normalisation, embedding and bias variables
where they belong, and exactly which variables are left as ``other``), an architecture
reading that fits the model, and what ``--engine auto`` does with the saved file.

The sweep found, and these tests pin: Dense layers a block runs on windows (Swin) priced per
window; ``a @ b`` attention products (MiT, SegFormer) missed; a layer tracked twice counted
twice (ViTDet's MLP, 1.43x); never-called sub-layers (EfficientNetV2) reported uncounted;
position embeddings and class tokens (DeiT, DINOv2, ViTDet) given the ``other`` role; and
wrapper blocks, parallel towers and feature pyramids read as "shallow", a "funnel" or a
"decoder".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras_hub
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_models import keras_counts
from hub_vision_models import (
    INPUT_DIMS,
    PUBLISHED_PARAMS,
    VISION_SPECS,
    input_dims,
    vision_counts,
    vision_file,
    vision_model,
    vision_release,
)
from independent_macs import tf_graph_macs

import layerscope
from layerscope.roles import is_normalization_class

ROOT = Path(__file__).resolve().parent.parent

HEAVY = {"vitdet_b", "sam_b", "deeplab_v3_plus", "clip_vit_b32", "siglip_b16", "swin_tiny"}
"""Models whose build + trace + independent count take several seconds each: slow tier."""


def _params(names: Any) -> list[Any]:
    return [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in names]


_REPORTS: dict[str, layerscope.ModelReport] = {}
_COUNTS: dict[str, dict[str, int]] = {}


def analysed(name: str) -> layerscope.ModelReport:
    """The in-memory model's report at the spec's input size, once per process (with
    Keras's own counts kept beside it); the model is dropped afterwards (they are large)."""
    if name not in _REPORTS:
        model = vision_model(name)
        _REPORTS[name] = layerscope.analyze(model, input_shapes=input_dims(name, model))
        _COUNTS[name] = keras_counts(model)
        vision_release(name)
    return _REPORTS[name]


# -- counts and MACs -----------------------------------------------------------------------


@pytest.mark.parametrize("name", _params(VISION_SPECS))
def test_counts_and_macs_equal_keras_and_the_independent_count(name: str) -> None:
    model = vision_model(name)
    truth = tf_graph_macs(model, input_dims(name, model))
    report = analysed(name)
    totals = report.totals
    counts = _COUNTS[name]
    assert (totals.params, totals.trainable, totals.non_trainable) == (
        counts["params"],
        counts["trainable"],
        counts["non_trainable"],
    )
    if name in PUBLISHED_PARAMS:
        assert totals.params == PUBLISHED_PARAMS[name]
    assert sum(r.params for r in report.top_level) == totals.params
    assert sum(r.macs for r in report.top_level) == report.cost.macs
    assert totals.by_role.total == totals.params
    assert truth > 0
    assert abs(report.cost.macs - truth) <= 0.01 * truth, (name, report.cost.macs, truth)
    assert report.cost.complete is True and report.cost.uncounted == ()
    assert report.cost.per_unknown_dims == ()


@pytest.mark.slow
def test_swin_dense_layers_on_windows_count_every_window() -> None:
    """Swin-T's window attention runs its Dense layers on (64 windows x batch, 49, 96): the
    call's leading axis at batch 1 (``rows``) multiplies the per-row rule. Swin-T at 224 is
    the published 4.5 G."""
    report = analysed("swin_tiny")
    qkv = report.layer("stage_0/blocks_0/attn/attention_qkv")
    assert qkv.calls[0].input_shapes == ((None, 49, 96),) and qkv.calls[0].rows == 64
    assert qkv.macs == 64 * 49 * 96 * 288
    assert qkv.activation_elements == 64 * 49 * 288  # every window's output, for memory
    assert report.cost.macs == 4_489_798_656


def test_mit_attention_products_written_with_the_matmul_operator_are_counted() -> None:
    """SegFormer's attention computes ``q @ k^T`` and ``attn @ v`` with ``@``: stage 0 has
    one head, 3,136 queries, 49 reduced keys (sr_ratio 8) and head size 32."""
    report = analysed("mit_b0")
    path = "hierarchical_encoder_0_0/seg_former_multihead_attention"
    attention = report.layer(path)
    own = attention.macs - sum(r.macs for r in report.children(path))
    assert own == 2 * 1 * 3136 * 49 * 32
    assert [op.op for op in attention.ops] == ["matmul", "matmul"]


@pytest.mark.slow
def test_vitdet_mlp_dense_layers_are_counted_once() -> None:
    """ViTDet's MLP keeps its Dense list after wrapping it in a Sequential: the Dense rows
    appear once, inside the Sequential, and the MLP costs 2 x 4,096 x 768 x 3,072."""
    report = analysed("vitdet_b")
    mlp = "windowed_transformer_encoder/mlp"
    assert [r.name for r in report.children(mlp)] == ["sequential"]
    assert report.layer(mlp).macs == 2 * 64 * 64 * 768 * 3072


def test_a_sub_layer_never_called_costs_nothing() -> None:
    """EfficientNetV2's fused blocks build squeeze-and-excite convolutions they skip at
    se_ratio 0: never called, so 0 MACs, not an uncounted layer."""
    report = analysed("efficientnet_v2_s")
    skipped = report.layer("block1a_/block1a_se_reduce")
    assert skipped.call_count == 0 and skipped.macs == 0 and skipped.params == 0
    assert report.cost.complete is True


# -- roles ---------------------------------------------------------------------------------

LEFT_AS_OTHER: dict[str, set[str]] = {
    # Layer-scale factors, learnable affine scales, CLIP's logit scale, index buffers Keras
    # counts as non-trainable weights, SigLIP's unnamed pooling probe, Swin's additive bias
    # table and SAM's fixed random Fourier features: none is a kernel, bias or norm.
    "dinov2_small": {"lambda1"},
    "hgnetv2_b0": {"scale"},
    "swin_tiny": {"relative_position_bias_table"},
    "clip_vit_b32": {"position_ids", "logit_scale"},
    "siglip_b16": {"position_ids", "variable", "logit_scale"},
    "sam_b": {"positional_encoding_gaussian_matrix"},
}


def _leaf_variables(report: layerscope.ModelReport) -> list[tuple[str, Any]]:
    """(class name, variable) for every variable, from the deepest row listing it (the
    layer that creates it: a block's row lists its sub-layers' variables too)."""
    deepest: dict[str, tuple[int, str, Any]] = {}
    for row in report.layers:
        for v in row.owned_variables:
            if v.path not in deepest or row.depth > deepest[v.path][0]:
                deepest[v.path] = (row.depth, row.class_name, v)
    return [(class_name, v) for _, class_name, v in deepest.values()]


@pytest.mark.parametrize("name", _params(VISION_SPECS))
def test_roles(name: str) -> None:
    report = analysed(name)
    variables = _leaf_variables(report)
    assert {v.name for _, v in variables if v.role == "other"} == LEFT_AS_OTHER.get(name, set())
    for class_name, v in variables:
        if is_normalization_class(class_name):
            assert v.role in ("norm", "stats"), (class_name, v.path)
        if "embed" in v.name.lower() or v.name.endswith("_token"):
            assert v.role == "weight", (class_name, v.path)
        if v.name == "bias" and not is_normalization_class(class_name):
            assert v.role == "bias", (class_name, v.path)


def test_tokens_and_position_embeddings_are_weights() -> None:
    report = analysed("deit_tiny")
    roles = {v.name: v.role for row in report.layers for v in row.owned_variables}
    assert roles["class_token"] == roles["distillation_token"] == "weight"
    assert roles["position_embedding"] == "weight"
    assert report.totals.by_role.other == 0


@pytest.mark.slow
def test_an_unused_layers_variables_keep_their_layers_role() -> None:
    """DeepLabV3 keeps the ResNet's final BatchNormalization, which its feature model never
    calls: the model's own-variables row shows it, with norm and stats roles."""
    report = analysed("deeplab_v3_plus")
    row = report.layer("(own variables)")
    assert {v.name: v.role for v in row.variables} == {
        "gamma": "norm",
        "beta": "norm",
        "moving_mean": "stats",
        "moving_variance": "stats",
    }


# -- architecture --------------------------------------------------------------------------

BLOCKS = {
    "deit_tiny": ["12 x DeiTEncoderBlock (width 192, feed-forward 768)"],
    "dinov2_small": ["12 x DINOV2Layer (width 384, feed-forward 1,536)"],
    "vitdet_b": ["4 x WindowedTransformerEncoder (width 768, feed-forward 3,072)"],
    "mit_b0": [f"2 x HierarchicalTransformerEncoder (width {w})" for w in (32, 64, 160, 256)],
}
PYRAMIDS = {"mit_b0", "segformer_b0", "efficientnet_v2_s"}
TOWERS = {"clip_vit_b32", "siglip_b16"}


@pytest.mark.parametrize("name", _params(VISION_SPECS))
def test_architecture_reading_fits_the_model(name: str) -> None:
    from layerscope.analysis.architecture import block_text

    report = analysed(name)
    arch = report.architecture
    text = " ".join(arch.explanation)
    assert arch.depth_class == "deep"
    # The dominant layer is a real layer, never a wrapper holding the whole stack.
    assert arch.dominant_share < 0.6, (arch.dominant_layer, arch.dominant_share)
    assert all(0 <= s.share <= 1 for s in arch.stages)
    assert sum(s.params for s in arch.stages) <= report.totals.params
    assert "unusual in a classifier" not in text
    assert "shallow" not in text and "One hidden layer" not in text
    if name in BLOCKS:
        assert [block_text(run) for run in arch.blocks] == BLOCKS[name]
    if name in PYRAMIDS:
        assert arch.pattern == "expanding" and "feature pyramid" in text
    if name in TOWERS:
        assert arch.pattern == "graph" and "parallel branches" in text
        assert "funnel" not in text
    if name in ("deit_tiny", "dinov2_small", "vitdet_b"):
        assert arch.pattern == "rectangle"


def test_a_cnn_reads_as_stages() -> None:
    arch = analysed("resnet18").architecture
    assert arch.pattern == "graph"
    assert [s.stage for s in arch.stages] == ["112x112", "56x56", "28x28", "14x14", "7x7"]
    assert arch.dominant_layer == "stack3_block0_2_conv"


# -- from the saved file ---------------------------------------------------------------------

SMALL_FILES = ["resnet18", "hgnetv2_b0", "mobilenet_v3_small", "deit_tiny", "mit_b0"]


@pytest.mark.parametrize("name", [*SMALL_FILES, *_params(sorted(HEAVY))])
def test_the_saved_file_gives_the_same_figures(name: str) -> None:
    """The Keras engine on the ``.keras`` file: the figures of the model in memory. Inputs
    are named by Keras's session counters (``input_layer_7``), so the file's own input
    sizes are used (every image size is fixed; token axes take ``seq_len``)."""
    in_memory = analysed(name)
    path = vision_file(name)
    spec = VISION_SPECS[name]
    options: dict[str, Any] = (
        {"input_shapes": INPUT_DIMS[name]}
        if name in INPUT_DIMS
        else ({"seq_len": spec.seq_len} if spec.seq_len else {})
    )
    report = layerscope.analyze(str(path), engine="keras", **options)
    counts = vision_counts(name)
    assert (report.totals.params, report.totals.trainable) == (
        counts["params"],
        counts["trainable"],
    )
    assert report.totals.params == in_memory.totals.params
    assert report.cost.macs == in_memory.cost.macs
    assert report.totals.by_role == in_memory.totals.by_role
    # The reading, but not its names: keras_hub names some sub-layers after their parent
    # when it deserialises them (HGNetV2's 'encoder_stage_3' comes back as
    # 'hg_net_v2_backbone_encoder_stage_3').
    read, built = report.architecture, in_memory.architecture
    assert (read.pattern, read.depth_class, read.hidden_widths, read.dominant_share) == (
        built.pattern,
        built.depth_class,
        built.hidden_widths,
        built.dominant_share,
    )
    assert [(s.stage, s.params) for s in read.stages] == [(s.stage, s.params) for s in built.stages]
    assert [(b.class_name, b.count, b.width) for b in read.blocks] == [
        (b.class_name, b.count, b.width) for b in built.blocks
    ]


def _without_engine(report: layerscope.ModelReport) -> dict[str, Any]:
    document = report.to_dict()
    document["model"].pop("engine")
    return document


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("mobilenet_v3_small", None),
        ("resnet18", "ResNetBackbone"),
        pytest.param("mit_b0", "MiTBackbone", marks=pytest.mark.slow),
        pytest.param("deit_tiny", "DeiTBackbone", marks=pytest.mark.slow),
    ],
)
def test_auto_engine_reads_exactly_or_says_it_falls_back(
    name: str, fallback: str | None, keras: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """``auto`` on the saved file: the static engine's whole report equals the Keras
    engine's (MobileNet has a recipe), or it loads with Keras and says why in one line."""
    path = str(vision_file(name))
    keras.backend.clear_session()
    auto = layerscope.analyze(path)
    said = capsys.readouterr().err.strip().splitlines()
    keras.backend.clear_session()
    with_keras = layerscope.analyze(path, engine="keras")
    capsys.readouterr()
    if fallback is None:
        assert auto.engine == "static" and said == []
    else:
        assert auto.engine == "keras"
        assert len(said) == 1 and said[0].startswith(
            "layerscope: loaded the model with Keras: the static engine cannot report it "
            f"exactly (the model is a {fallback}"
        ), said
    assert _without_engine(auto) == _without_engine(with_keras)


@pytest.mark.slow
def test_report_and_diagram_commands(tmp_path: Path) -> None:
    path = str(vision_file("mit_b0"))
    env = dict(os.environ, LAYERSCOPE_PROGRESS="0", PYTHONPATH=str(ROOT))
    html, svg = tmp_path / "mit.html", tmp_path / "mit.svg"
    for command in (
        ["report", path, "-o", str(html)],
        ["diagram", path, "-o", str(svg)],
        ["summary", path, "--format", "json", "--engine", "keras"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "layerscope", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
    page = html.read_text()
    assert "hierarchical_encoder_3_1" in page and "feature pyramid" in page
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert json.loads(result.stdout)["totals"]["params"] == vision_counts("mit_b0")["params"]


@pytest.mark.slow
def test_keras_warnings_about_a_models_own_masks_are_not_shown(keras: Any) -> None:
    """keras_hub's Swin passes a masked tensor to its window attention, and Keras warns
    each time the model is rebuilt or traced: not shown on a run that measures it."""
    import warnings

    keras.backend.clear_session()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = layerscope.analyze(str(vision_file("swin_tiny")), engine="keras")
    assert report.cost.macs == 4_489_798_656
    assert [str(w.message) for w in caught if "mask" in str(w.message)] == []


def test_a_file_keras_hub_cannot_reload_is_refused_in_one_line() -> None:
    """keras_hub 0.32 does not save EfficientNetBackbone's ``num_features``, so its own
    EfficientNetV2-S file (1,792 head features) does not load back: one clear error, and
    none of the warnings Keras printed on its way to failing."""
    import warnings

    path = str(vision_file("efficientnet_v2_s"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(layerscope.ModelLoadError, match="Keras could not load the model"):
            layerscope.analyze(path, engine="keras")
    assert [str(w.message) for w in caught] == []


def test_an_encoder_declaring_its_blocks_is_read_through(keras: Any) -> None:
    """DINOv2-small with registers and a SwiGLU feed-forward, cut to 2 blocks: its encoder
    holds less than 90% of the parameters (the 518 x 518 position table weighs more), but it
    declares its blocks as ``num_layers``: the reading is 2 DINOV2Layer blocks, not "2 x
    DINOV2Encoder"."""

    from layerscope.analysis.architecture import block_text

    model = keras_hub.models.DINOV2Backbone(
        patch_size=14,
        num_layers=2,
        hidden_dim=384,
        num_heads=6,
        intermediate_dim=1536,
        num_register_tokens=4,
        use_swiglu_ffn=True,
        image_shape=(224, 224, 3),
        position_embedding_shape=(518, 518),
    )
    report = layerscope.analyze(model)
    assert report.layer("encoder").params < 0.9 * report.totals.params
    assert [block_text(run) for run in report.architecture.blocks] == [
        "2 x DINOV2Layer (width 384, feed-forward 1,536)"
    ]
    assert report.cost.macs == tf_graph_macs(model, {"images": (224, 224, 3)}) == 1_086_100_992
    roles = {v.name: v.role for row in report.layers for v in row.owned_variables}
    assert roles["register_tokens"] == roles["cls_token"] == "weight"
    keras.backend.clear_session()


def test_a_layer_tracked_twice_is_priced_for_every_call(keras: Any) -> None:
    """A block keeping its Dense layer both as an attribute and inside a Sequential: shown
    once, inside the Sequential, when only the Sequential calls it (ViTDet's MLP); shown in
    both places, each with its calls, when the block calls it directly too."""
    layers = keras.layers

    class Block(layers.Layer):  # type: ignore[misc, name-defined]
        def __init__(self, direct: bool, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.direct = direct
            self.dense = layers.Dense(8, name="dense")
            self.seq = keras.Sequential([self.dense], name="seq")

        def call(self, x: Any) -> Any:
            return self.seq(x) + self.dense(x) if self.direct else self.seq(x)

    for direct, calls in ((False, 1), (True, 2)):
        x = keras.Input((4,), name="x")
        report = layerscope.analyze(keras.Model(x, Block(direct, name="block")(x)))
        assert report.cost.macs == calls * 4 * 8
        assert report.totals.params == 4 * 8 + 8
        shown = [r.path for r in report.layers if r.name == "dense"]
        assert shown == (["block/dense", "block/seq/dense"] if direct else ["block/seq/dense"])
    keras.backend.clear_session()
