"""MAC rules and the cost walk on hand-built reports: no Keras, no TensorFlow.

Rules are pure (config + shapes in, MACs out) so that the static engine can reuse them;
these tests pin exact-class matching, the recorded-op arithmetic and how a block without a
rule adds up its sub-layers.
"""

from __future__ import annotations

from layerscope.analysis import run_analyses
from layerscope.analysis.cost import layer_macs, op_macs, priced_class, rule_for
from layerscope.report import CapturedModel, LayerCall, LayerReport, OpCall, Trace, Variable
from layerscope.results import UncountedLayer


def _kernel(path: str, shape: tuple[int, ...]) -> Variable:
    return Variable("kernel", f"{path}/kernel", "weight", shape, "float32", True)


def test_rules_match_exact_classes_never_prefixes() -> None:
    assert rule_for("DepthwiseConv2D") is not None
    assert rule_for("DepthwiseConvBlock") is None
    assert rule_for("Conv2D") is not None and rule_for("Convolution2D") is not None
    assert rule_for("Conv2DBlock") is None
    assert rule_for("SeparableConvBlock") is None
    assert rule_for("ConvLSTM2D") is not None and rule_for("ConvLSTM2DCustom") is None


def test_reversible_embedding_lookup_is_free_and_reverse_costs_vocab_x_hidden() -> None:
    config = {"input_dim": 50257, "output_dim": 768}
    assert layer_macs("ReversibleEmbedding", config, [(None, 128)], [(None, 128, 768)]) == 0
    reverse = layer_macs("ReversibleEmbedding", config, [(None, 128, 768)], [(None, 128, 50257)])
    assert reverse == 128 * 768 * 50257
    assert layer_macs("Embedding", {"input_dim": 10, "output_dim": 4}, [(None, 3)], []) == 0


def test_grouped_query_attention_rule() -> None:
    config = {"num_query_heads": 8, "num_key_value_heads": 2, "head_dim": 32}
    shape = (None, 128, 256)
    macs = layer_macs("GroupedQueryAttention", config, [shape, shape], [shape])
    projections = 128 * 256 * 8 * 32 + 2 * (128 * 256 * 2 * 32) + 128 * 8 * 32 * 256
    products = 2 * 8 * 128 * 128 * 32
    assert macs == projections + products


def test_recorded_op_arithmetic() -> None:
    scores = OpCall("einsum", ((1, 128, 12, 64), (1, 128, 12, 64)), "aecd,abcd->acbe")
    assert op_macs(scores) == 12 * 128 * 128 * 64
    ellipsis = OpCall("einsum", ((1, 10, 4), (4, 6)), "...i,ij->...j")
    assert op_macs(ellipsis) == 10 * 4 * 6
    assert op_macs(OpCall("einsum", ((3, 4),), "ij->ji")) == 0  # one operand: no product
    assert op_macs(OpCall("matmul", ((1, 128, 768), (768, 3072)))) == 128 * 768 * 3072
    assert op_macs(OpCall("matmul", ((2, 1, 5, 3), (4, 3, 7)))) == 2 * 4 * 5 * 3 * 7
    assert op_macs(OpCall("matmul", ((3,), (3,)))) == 3
    attention = OpCall("dot_product_attention", ((1, 16, 4, 8), (1, 20, 4, 8), (1, 20, 4, 8)))
    assert op_macs(attention) == 4 * 16 * 20 * (8 + 8)


def test_priced_class_uses_what_capture_recorded() -> None:
    base = {"name": "x", "path": "x", "depth": 0}
    assert priced_class(LayerReport(class_name="MyDense", call_class="Dense", **base)) == "Dense"
    assert priced_class(LayerReport(class_name="Dense", call_class="", **base)) is None
    assert priced_class(LayerReport(class_name="Dense", **base)) == "Dense"  # static engine


def _block_report(trace: Trace | None, seq: int | None) -> CapturedModel:
    shape = (None, seq, 8)
    dense_a = LayerReport(
        name="a",
        path="block/a",
        depth=1,
        parent="block",
        class_name="Dense",
        call_class="Dense",
        variables=(_kernel("block/a", (8, 16)),),
        input_shapes=(shape,),
        output_shapes=((None, seq, 16),),
        config={"units": 16},
        calls=(LayerCall((shape,), ((None, seq, 16),)),),
    )
    dense_b = LayerReport(
        name="b",
        path="block/b",
        depth=1,
        parent="block",
        class_name="Dense",
        call_class="Dense",
        variables=(_kernel("block/b", (16, 8)),),
        input_shapes=((None, seq, 16),),
        output_shapes=(shape,),
        config={"units": 8},
        calls=(LayerCall(((None, seq, 16),), (shape,)),),
    )
    ops = (OpCall("einsum", ((1, seq, 2, 4), (1, seq, 2, 4)), "btnh,bsnh->bnts"),)
    block = LayerReport(
        name="block",
        path="block",
        depth=0,
        class_name="MyBlock",
        call_class="",
        is_block=True,
        variables=(*dense_a.variables, *dense_b.variables),
        input_shapes=(shape,),
        output_shapes=(shape,),
        calls=(LayerCall((shape,), (shape,)),),
        ops=ops,
    )
    odd = LayerReport(
        name="odd",
        path="odd",
        depth=0,
        class_name="MyMatmul",
        call_class=None,
        variables=(_kernel("odd", (8, 8)),),
        input_shapes=(shape,),
        output_shapes=(shape,),
    )
    return CapturedModel(
        name="m",
        class_name="Functional",
        layers=(block, dense_a, dense_b, odd),
        input_shapes=((None, seq, 8),),
        trace=trace,
    )


def test_a_block_costs_its_sub_layers_plus_its_own_products() -> None:
    report = run_analyses(_block_report(Trace((("x", (1, 10, 8)),)), 10))
    block = report.layer("block")
    assert report.layer("block/a").macs == 10 * 8 * 16
    assert report.layer("block/b").macs == 10 * 16 * 8
    assert block.macs == 10 * 8 * 16 + 10 * 16 * 8 + 10 * 10 * 2 * 4 == 3360
    cost = report.cost
    assert cost.macs == block.macs  # the block, not again its sub-rows
    assert sum(item.macs for item in cost.by_class) == cost.macs
    assert cost.uncounted == (
        UncountedLayer(
            path="odd",
            class_name="MyMatmul",
            reason="no MAC rule for MyMatmul and its calls were not traced "
            "(the static engine reads no code)",
        ),
    )
    assert cost.complete is False
    assert cost.assumptions is not None
    assert cost.assumptions.input_shapes == {"x": (1, 10, 8)}
    text = report.to_text(width=120)
    assert "at least 3,360" in text
    assert "'odd': no MAC rule for MyMatmul" in text
    assert "Measured at:         batch 1, x (1, 10, 8)" in text


def test_unknown_length_is_said_plainly() -> None:
    report = run_analyses(_block_report(None, None))
    cost = report.cost
    assert cost.assumptions is not None and cost.assumptions.unknown_dims is True
    assert "per position" in str(cost.assumptions.note)
    assert "block/a" in cost.per_unknown_dims
    assert report.memory is not None
    assert report.memory.activation_unknown_dims == ("block/a", "block/b", "odd")
    html = report.to_html(fragment=True)
    assert "per position" in html and "at least" in html
