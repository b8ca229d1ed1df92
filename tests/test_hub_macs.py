"""Compute through any layer, checked on keras_hub models against an independent count.

The independent count never reads layerscope: it traces the model's TensorFlow function at
batch 1 with fixed input shapes and sums the multiply-accumulates of every MatMul,
BatchMatMul, Einsum, Conv2D and DepthwiseConv2dNative op from the graph's static shapes
(following nested function calls through the FunctionDef library). layerscope's figure must
equal it within 1%, in memory and from the saved ``.keras`` file (Keras engine), with exact
parameter counts and depth-0 rows that add up to the totals.

Models come from ``tests/hub_models.py`` (published configurations, random weights, no
downloads). The big ``.keras`` files (BERT, GPT-2, ViT: 0.3-0.5 GB each) are read in the
``slow`` tier only.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import keras_hub  # noqa: F401  (a declared test dependency: missing fails, never skips)
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub_models import SPECS, hub_file, hub_model, recorded_counts
from independent_macs import tf_graph_macs

import layerscope

MODELS = list(SPECS)
SMALL_FILES = ["llama_small_gqa", "gemma_small", "mobilenet_v3_large"]
BIG_FILES = ["bert_base", "gpt2_small", "gpt2_causal_lm", "vit_b16"]


def _input_dims(name: str, model: Any) -> dict[str, tuple[int, ...]]:
    spec = SPECS[name]
    import keras

    dims: dict[str, tuple[int, ...]] = {}
    for tensor in keras.tree.flatten(model.input):
        shape = tuple(tensor.shape)[1:]
        if spec.kind == "text":
            shape = tuple(spec.seq_len if d is None else d for d in shape)
        dims[tensor._keras_history.operation.name] = tuple(int(d) for d in shape)
    return dims


def _options(name: str) -> dict[str, Any]:
    spec = SPECS[name]
    return {"seq_len": spec.seq_len} if spec.kind == "text" else {}


@pytest.fixture(scope="module")
def independent() -> dict[str, int]:
    """The independent count per model, computed once."""
    return {}


def _independent(cache: dict[str, int], name: str) -> int:
    if name not in cache:
        model = hub_model(name)
        cache[name] = tf_graph_macs(model, _input_dims(name, model))
    return cache[name]


def _rows_add_up(report: layerscope.ModelReport) -> None:
    assert report.totals is not None
    top = report.top_level
    assert sum(r.params for r in top) == report.totals.params
    assert sum(r.macs for r in top) == report.cost.macs


# -- in memory -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_macs_equal_an_independent_count_in_memory(name: str, independent: dict[str, int]) -> None:
    model = hub_model(name)
    report = layerscope.analyze(model, **_options(name))
    truth = _independent(independent, name)
    macs = report.cost.macs
    assert truth > 0
    assert abs(macs - truth) <= 0.01 * truth, (name, macs, truth)
    assert report.cost.complete is True
    assert report.cost.uncounted == ()
    assert report.cost.per_unknown_dims == ()
    assert report.cost.flops == 2 * macs
    assert report.totals is not None
    assert report.totals.params == model.count_params()
    _rows_add_up(report)


def test_bert_base_matches_the_published_figures() -> None:
    model = hub_model("bert_base")
    at_128 = layerscope.analyze(model, seq_len=128)
    assert at_128.cost.macs == 11_174_215_680
    assert at_128.cost.assumptions.input_shapes["token_ids"] == (1, 128)
    assert at_128.cost.assumptions.unknown_dims is False
    at_512 = layerscope.analyze(
        model, input_shapes={"token_ids": (512,), "segment_ids": [512], "padding_mask": (512,)}
    )
    assert round(at_512.cost.macs / 1e9, 2) == 48.32


def test_bert_sub_layer_rows_carry_their_own_variables_and_call_shapes() -> None:
    report = layerscope.analyze(hub_model("bert_base"), seq_len=128)
    block = report.layer("transformer_layer_0")
    assert block.is_block and block.depth == 0 and block.class_name == "TransformerEncoder"
    attention = report.layer("transformer_layer_0/self_attention_layer")
    assert attention.depth == 1 and attention.parent == "transformer_layer_0"
    assert attention.input_shapes == ((None, 128, 768), (None, 128, 768))
    assert attention.params == 4 * (768 * 768 + 768)
    # 4 s h^2 projections + 2 s^2 h attention products.
    assert attention.macs == 4 * 128 * 768 * 768 + 2 * 128 * 128 * 768
    children = report.children("transformer_layer_0")
    assert sum(r.params for r in children) == block.params == 7_087_872
    assert sum(r.macs for r in children) == block.macs
    assert report.layer("transformer_layer_0/feedforward_intermediate_dense").macs == (
        128 * 768 * 3072
    )


def test_vit_b16_matches_the_published_figure() -> None:
    report = layerscope.analyze(hub_model("vit_b16"))
    assert round(report.cost.macs / 1e9, 2) == 17.56
    assert report.cost.assumptions.input_shapes["images"] == (1, 224, 224, 3)


def test_gpt2_lm_head_is_the_reverse_embedding_call() -> None:
    report = layerscope.analyze(hub_model("gpt2_causal_lm"), seq_len=128)
    head = report.layer("token_embedding")
    assert head.depth == 0 and head.class_name == "ReversibleEmbedding"
    assert head.macs == 128 * 50257 * 768  # 38.6 M per token
    # The lookup inside the backbone (named gpt2_backbone or gpt2_backbone_N).
    lookup = [r for r in report.layers if r.depth == 1 and r.name == "token_embedding"]
    assert len(lookup) == 1 and lookup[0].macs == 0


def test_grouped_query_attention_projects_keys_and_values_to_fewer_heads() -> None:
    report = layerscope.analyze(hub_model("llama_small_gqa"), seq_len=128)
    prefix = "transformer_layer_0/self_attention"
    assert report.layer(f"{prefix}/query").macs == 128 * 256 * 8 * 32
    assert report.layer(f"{prefix}/key").macs == 128 * 256 * 2 * 32
    attention = report.layer(prefix)
    inner = sum(r.macs for r in report.children(prefix))
    # The attention products, run by LlamaAttention's own code: 8 query heads x 128 x 128
    # x 32, twice (scores and weighted values).
    assert attention.macs - inner == 2 * 8 * 128 * 128 * 32


def test_a_custom_block_named_like_a_keras_layer_is_priced_by_its_sub_layers() -> None:
    report = layerscope.analyze(hub_model("mobilenet_v3_large"))
    blocks = [r for r in report.layers if r.class_name == "DepthwiseConvBlock"]
    assert blocks and all(b.call_class == "DepthwiseConvBlock" for b in blocks)
    first = blocks[0]
    # depthwise 3x3 over 16 channels at 112x112, plus the 1x1 pointwise 16 -> 16.
    assert first.macs == 112 * 112 * 9 * 16 + 112 * 112 * 16 * 16 == 5_017_600
    assert first.macs == sum(r.macs for r in report.children(first.path))


def test_unknown_length_is_reported_not_hidden() -> None:
    report = layerscope.analyze(hub_model("bert_base"))
    assumptions = report.cost.assumptions
    assert assumptions.unknown_dims is True
    assert assumptions.input_shapes["token_ids"] == (1, None)
    assert "per position" in assumptions.note
    assert "transformer_layer_0/feedforward_intermediate_dense" in report.cost.per_unknown_dims
    assert report.memory is not None and report.memory.activation_unknown_dims
    text = report.to_text(width=120)
    assert "per position" in text and "--seq-len N" in text


def test_bad_input_shapes_are_usage_errors() -> None:
    model = hub_model("llama_small_gqa")
    with pytest.raises(layerscope.UsageError, match=r"no input 'nope'.*padding_mask, token_ids"):
        layerscope.analyze(model, input_shapes={"nope": (3,)})
    with pytest.raises(layerscope.UsageError, match="1 non-batch dimension"):
        layerscope.analyze(model, input_shapes={"token_ids": (3, 4)})
    with pytest.raises(layerscope.UsageError, match="seq_len must be a positive integer"):
        layerscope.analyze(model, seq_len=0)


# -- from the saved file (Keras engine) ------------------------------------------------------


def _check_file(name: str, independent: dict[str, int]) -> None:
    path = hub_file(name)
    report = layerscope.analyze(str(path), engine="keras", **_options(name))
    truth = _independent(independent, name)
    assert abs(report.cost.macs - truth) <= 0.01 * truth, (name, report.cost.macs, truth)
    assert report.cost.complete is True
    assert report.totals is not None
    assert report.totals.params == recorded_counts(name)["params"]
    _rows_add_up(report)


@pytest.mark.parametrize("name", SMALL_FILES)
def test_macs_equal_an_independent_count_from_the_file(
    name: str, independent: dict[str, int]
) -> None:
    _check_file(name, independent)


@pytest.mark.slow
@pytest.mark.parametrize("name", BIG_FILES)
def test_macs_equal_an_independent_count_from_big_files(
    name: str, independent: dict[str, int]
) -> None:
    _check_file(name, independent)


def test_cli_seq_len_and_input_shape() -> None:
    import json

    from cli_runner import invoke

    path = str(hub_file("llama_small_gqa"))
    result = invoke(["summary", path, "--seq-len", "128", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["cost"]["macs"] == 193_994_752
    result = invoke(
        [
            "summary",
            path,
            "--input-shape",
            "token_ids=64",
            "--input-shape",
            "padding_mask=64",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cost"]["assumptions"]["input_shapes"]["token_ids"] == [1, 64]
    bad = invoke(["summary", path, "--input-shape", "token_ids"])
    assert bad.exit_code == 2 and "NAME=D1,D2" in bad.output
