"""Graph helpers, parameter totals and keras_hub block rules on hand-built reports (issue 17's
mutation run: these were reached only through Keras-built models)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from layerscope.analysis import run_analyses
from layerscope.analysis.cost import layer_macs
from layerscope.analysis.graph import consumers, is_chain, leaves, producers
from layerscope.analysis.params import compute_totals, with_shares
from layerscope.errors import UsageError
from layerscope.options import AnalysisOptions
from layerscope.report import CapturedModel, Edge, LayerCall, LayerReport, RoleCounts, Variable

from .handmade import chain, dense


def graph(rows: list[LayerReport], pairs: list[tuple[str, str]], **fields: Any) -> CapturedModel:
    return CapturedModel(
        name="g",
        class_name="Functional",
        layers=tuple(rows),
        edges=tuple(Edge(a, b) for a, b in pairs),
        **fields,
    )


def test_is_chain() -> None:
    a, b, c = dense("a", 2, 2), dense("b", 2, 2), dense("c", 2, 2)
    assert is_chain(graph([a, b, c], [("a", "b"), ("b", "c")]))
    assert is_chain(graph([a], []))
    assert is_chain(graph([a, b, c], [("a", "b"), ("b", "c")], inputs=("a",), outputs=("c",)))
    assert not is_chain(graph([a, b, c], [("a", "b"), ("b", "c")], inputs=("a", "b")))
    assert not is_chain(graph([a, b, c], [("a", "b"), ("b", "c")], outputs=("b", "c")))
    assert not is_chain(graph([a, b, c], [("a", "b"), ("a", "c")]))  # a branch
    assert not is_chain(graph([a, b, c], [("a", "c"), ("b", "c")]))  # a merge
    assert not is_chain(graph([a, b, c], [("b", "c")]))  # two sources
    shared = dataclasses.replace(b, call_count=2)
    assert not is_chain(graph([a, shared, c], [("a", "b"), ("b", "c")]))
    # edges leaving the group do not count against it
    assert is_chain(graph([a, b], [("a", "b"), ("b", "elsewhere"), ("b", "other")]))


def test_is_chain_reads_each_nested_model() -> None:
    outer = LayerReport(name="m", path="m", depth=0, class_name="Functional", is_container=True)
    x, y, z = (
        dataclasses.replace(dense(n, 2, 2), path=f"m/{n}", parent="m", depth=1) for n in "xyz"
    )
    straight = graph([outer, x, y, z], [("m/x", "m/y"), ("m/y", "m/z")])
    assert is_chain(straight)
    branching = graph([outer, x, y, z], [("m/x", "m/y"), ("m/x", "m/z")])
    assert not is_chain(branching)
    shared_inside = graph([outer, x, dataclasses.replace(y, call_count=3)], [("m/x", "m/y")])
    assert not is_chain(shared_inside)


def test_consumers_producers_and_leaves() -> None:
    a, b, c = dense("a", 2, 2), dense("b", 2, 2), dense("c", 2, 2)
    report = graph([a, b, c], [("a", "c"), ("a", "b"), ("a", "b"), ("b", "c")])
    assert [r.path for r in consumers(report, "a")] == ["b", "c"]
    assert [r.path for r in producers(report, "c")] == ["a", "b"]
    assert consumers(report, "c") == [] and producers(report, "a") == []
    block = dataclasses.replace(dense("blk", 2, 2), is_block=True)
    inner = dataclasses.replace(dense("blk/i", 2, 2), parent="blk", depth=1)
    nested = LayerReport(name="n", path="n", depth=0, class_name="Functional", is_container=True)
    inside = dataclasses.replace(dense("n/j", 2, 2), parent="n", depth=1)
    source = LayerReport(name="in", path="in", depth=0, class_name="InputLayer")
    rows = [source, block, inner, nested, inside, a]
    assert [r.path for r in leaves(rows)] == ["blk", "n/j", "a"]


def test_totals_count_each_variable_once() -> None:
    a = dense("a", 3, 4)
    tied = dataclasses.replace(
        dense("b", 4, 3, trainable=False),
        variables=(
            Variable("kernel", "b/kernel", "weight", (4, 3), "float16", False),
            dataclasses.replace(a.variables[0], shared_from="a"),
            Variable("scale", "b/scale", "norm", (3,), "float16", False),
            Variable("count", "b/count", "stats", (), "int64", False),
            Variable("alpha", "b/alpha", "other", (2,), "bfloat16", True),
        ),
    )
    again = dataclasses.replace(dense("c", 3, 4), variables=a.variables)  # same paths
    deep = dataclasses.replace(dense("a/inner", 3, 4), parent="a", depth=1)
    totals = compute_totals(graph([a, tied, again, deep], []))
    # a: 12 + 4; b: 12 + 3 + 1 + 2 (its copy of a/kernel is a's)
    assert totals.params == 16 + 18 == 34
    assert totals.trainable == 16 + 2
    assert totals.non_trainable == 16
    assert totals.by_role == RoleCounts(weight=24, bias=4, norm=3, stats=1, other=2)
    assert totals.bytes_by_dtype == {"bfloat16": 4, "float16": 30, "float32": 64, "int64": 8}
    assert list(totals.bytes_by_dtype) == ["bfloat16", "float16", "float32", "int64"]
    assert totals.bytes == 106
    shared = with_shares((a, tied), totals)
    assert [row.share for row in shared] == [16 / 34, 18 / 34]
    empty = compute_totals(graph([], []))
    assert (empty.params, empty.bytes, empty.bytes_by_dtype) == (0, 0, {})
    assert [row.share for row in with_shares((a,), empty)] == [0.0]


def hub_block(class_name: str, config: dict[str, Any], **fields: Any) -> LayerReport:
    return LayerReport(
        name="blk",
        path="blk",
        depth=0,
        class_name=class_name,
        is_block=True,
        variables=(
            Variable("w1", "blk/w1", "weight", (8, 8), "float32", True),
            Variable("w2", "blk/w2", "weight", (8, 8), "float32", True),
        ),
        input_shapes=((None, 4, 8),),
        output_shapes=((None, 4, 8),),
        config=config,
        **fields,
    )


def block_cost(row: LayerReport) -> int:
    return run_analyses(chain([row])).layer(row.path).macs


def block_macs(
    positions: int, width: int, heads: int, kv_heads: int, head_dim: int, ffn: int, gated: bool
) -> int:
    """The documented transformer-block convention (T positions, width D, H query heads, K
    key/value heads of size d, feed-forward F), written out independently of the library."""
    projections = (
        positions * width * heads * head_dim
        + 2 * positions * width * kv_heads * head_dim
        + positions * heads * head_dim * width
    )
    products = 2 * heads * positions * positions * head_dim
    return projections + products + positions * width * ffn * (3 if gated else 2)


def test_block_macs_formula() -> None:
    # T=4 positions, D=8, H=2 query heads, K=1 key/value head, d=4, F=16
    projections = 4 * 8 * 2 * 4 + 2 * 4 * 8 * 1 * 4 + 4 * 2 * 4 * 8
    products = 2 * 2 * 4 * 4 * 4
    assert block_macs(4, 8, 2, 1, 4, 16, False) == projections + products + 2 * 4 * 8 * 16
    assert block_macs(4, 8, 2, 1, 4, 16, True) == projections + products + 3 * 4 * 8 * 16
    decoder = hub_block(
        "TransformerDecoder",
        {"num_heads": 2, "num_key_value_heads": 1, "head_dim": 4, "intermediate_dim": 16},
    )
    assert block_cost(decoder) == projections + products + 2 * 4 * 8 * 16


def test_hub_blocks_priced_whole_when_untraced() -> None:
    encoder = hub_block("TransformerEncoder", {"num_heads": 2, "intermediate_dim": 16})
    assert block_cost(encoder) == block_macs(4, 8, 2, 2, 4, 16, False) == 2304
    assert block_cost(dataclasses.replace(encoder, call_count=2)) == 2 * 2304
    decoder = hub_block("TransformerDecoder", {"num_heads": 4, "intermediate_dim": 16})
    assert block_cost(decoder) == block_macs(4, 8, 4, 4, 2, 16, False)
    llama = hub_block(
        "LlamaTransformerDecoder",
        {"num_query_heads": 2, "num_key_value_heads": 1, "intermediate_dim": 16},
    )
    assert block_cost(llama) == block_macs(4, 8, 2, 1, 4, 16, True) == 2560
    mistral = hub_block(
        "MistralTransformerDecoder",
        {"num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 3, "intermediate_dim": 8},
    )
    assert block_cost(mistral) == block_macs(4, 8, 2, 1, 3, 8, True)
    gemma = hub_block(
        "GemmaDecoderBlock",
        {"num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 4, "intermediate_dim": 32},
    )
    assert block_cost(gemma) == block_macs(4, 8, 2, 1, 4, 16, True) == 2560
    vit = hub_block("ViTEncoder", {"num_heads": 2, "hidden_dim": 8, "mlp_dim": 16, "num_layers": 3})
    assert block_cost(vit) == 3 * block_macs(4, 8, 2, 2, 4, 16, False) == 6912


def test_vit_patching() -> None:
    square = dataclasses.replace(
        hub_block("ViTPatchingAndEmbedding", {"patch_size": 2, "hidden_dim": 5}),
        input_shapes=((None, 9, 7, 3),),
        output_shapes=((None, 12, 5),),
    )
    assert block_cost(square) == (4 * 3) * 2 * 2 * 3 * 5 == 720
    oblong = dataclasses.replace(square, config={"patch_size": [3, 2], "hidden_dim": 5})
    assert block_cost(oblong) == (3 * 3) * 3 * 2 * 3 * 5 == 810


def test_hub_rules_that_do_not_apply() -> None:
    broken = hub_block("TransformerEncoder", {"num_heads": 2})  # no intermediate_dim
    cost = run_analyses(chain([broken])).cost
    assert [(u.path, u.reason) for u in cost.uncounted] == [
        ("blk", "the TransformerEncoder rule could not read its shapes or config")
    ]
    traced = hub_block(
        "TransformerEncoder",
        {"num_heads": 2, "intermediate_dim": 16},
        calls=(LayerCall(((None, 4, 8),), ((None, 4, 8),)),),
    )
    assert block_cost(traced) == 0  # traced: priced through its sub-layer rows (none here)
    shapeless = dataclasses.replace(
        hub_block("TransformerEncoder", {"num_heads": 2, "intermediate_dim": 16}),
        input_shapes=(),
    )
    assert block_cost(shapeless) == 0
    assert layer_macs("PositionEmbedding", {"sequence_length": 4}, [(None, 4, 8)], []) == 0


def test_run_analyses_options() -> None:
    model = chain([dense("d", 4, 3, activation="softmax")])
    by_options = run_analyses(
        model,
        training_samples=30,
        options=AnalysisOptions(batch_size=2, optimizer="SGD", thresholds={"moderate": 0.6}),
    )
    assert by_options.memory is not None
    assert (by_options.memory.batch_size, by_options.memory.optimizer) == (2, "sgd")
    assert by_options.data_fit is not None
    assert by_options.data_fit.band == "low"  # 15 / 30 = 0.5, under the moderate 0.6
    assert by_options.data_fit.thresholds.moderate == 0.6
    by_keywords = run_analyses(model, training_samples=30, batch_size=2, optimizer="sgd")
    assert by_keywords.memory == by_options.memory
    assert by_keywords.data_fit is not None and by_keywords.data_fit.band == "moderate"
    assert run_analyses(model).data_fit is None
    with pytest.raises(UsageError) as error:
        run_analyses(model, options=AnalysisOptions(), batch_size=2)
    assert str(error.value) == "pass analysis options either as options= or as keywords, not both"
    analysed = run_analyses(model)
    assert analysed.totals.params == 15
    assert analysed.layer("d").share == 1.0
    assert analysed.layer("d").macs == 12
    assert analysed.architecture.dominant_layer == "d"
    assert analysed.precision is not None


def test_precision_plan_reads_the_memory_estimate() -> None:
    plan = run_analyses(chain([dense("d", 4, 3)])).precision
    # 15 float32 params: 60 B + gradients 60 + Adam 120 + activations 2 x (16 + 12)
    assert plan.training_float32_bytes == 60 + 60 + 120 + 56
    assert plan.training_mixed_bytes == 60 + 60 + 120 + 28


def test_two_unconnected_rows_are_not_a_chain() -> None:
    assert not is_chain(graph([dense("a", 2, 2), dense("b", 2, 2)], []))


def test_hub_blocks_of_unknown_length_count_one_position() -> None:
    encoder = dataclasses.replace(
        hub_block("TransformerEncoder", {"num_heads": 2, "intermediate_dim": 16}),
        input_shapes=((None, None, 8),),
        output_shapes=((None, None, 8),),
    )
    assert block_cost(encoder) == block_macs(1, 8, 2, 2, 4, 16, False)
    broken = hub_block("TransformerEncoder", {"num_heads": 2})
    assert block_cost(broken) == 0
    custom = hub_block("MyBlock", {})
    cost = run_analyses(chain([custom])).cost
    assert cost.uncounted == () and cost.macs == 0
