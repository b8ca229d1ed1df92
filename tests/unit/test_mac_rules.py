"""Every MAC rule at hand-computed values, through the public ``layer_macs`` / ``op_macs`` and
the cost walk (issue 17's mutation run: the rules were pinned only by Keras-tier tests).

Each expected figure is written as the arithmetic the rule's docstring describes, so a test
reads as the convention it pins."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from layerscope.analysis import run_analyses
from layerscope.analysis.cost import CONVENTION, has_rule, layer_macs, op_macs, shape_elements
from layerscope.report import CapturedModel, LayerCall, LayerReport, OpCall, Trace, Variable

from .handmade import chain, dense, plain

CASES: list[tuple[str, dict[str, Any], list[tuple], list[tuple], int | None]] = [
    # class, config, inputs, outputs, MACs
    ("Dense", {"units": 8}, [(None, 5, 4)], [(None, 5, 8)], 5 * 4 * 8),
    ("Dense", {"units": None}, [(None, 4)], [(None, 6)], 4 * 6),
    ("Dense", {"units": None}, [(None, 5, 4)], [(None, 5, 8)], 5 * 4 * 8),
    ("Dense", {"units": 8}, [(None, 4)], [], 4 * 8),  # units from the config, not the output
    ("Dense", {}, [(None, 4)], [], 4),  # nothing says the width: an unknown counts 1
    ("QuantizedDense", {"units": 3}, [(None, 4)], [(None, 3)], 12),
    (
        "Conv2D",
        {"filters": 8, "kernel_size": [3, 3]},
        [(None, 10, 10, 3)],
        [(None, 8, 8, 8)],
        8 * 8 * 9 * 3 * 8,
    ),
    (
        "Convolution2D",
        {"filters": 6, "kernel_size": 3, "groups": 3},
        [(None, 10, 10, 6)],
        [(None, 8, 8, 6)],
        8 * 8 * 9 * 2 * 6,
    ),
    (
        "Conv2D",
        {"filters": 8, "kernel_size": 3, "data_format": "channels_first"},
        [(None, 3, 10, 10)],
        [(None, 8, 8, 8)],
        8 * 8 * 9 * 3 * 8,
    ),
    (
        "Conv2D",
        {"filters": 8, "kernel_size": 3, "data_format": "channels_last"},
        [(None, 10, 10, 3)],
        [(None, 8, 8, 8)],
        8 * 8 * 9 * 3 * 8,
    ),
    ("Conv1D", {"filters": 2, "kernel_size": 3}, [(None, 10, 4)], [(None, 8, 2)], 8 * 3 * 4 * 2),
    (
        "Conv3D",
        {"filters": 2, "kernel_size": 2},
        [(None, 4, 4, 4, 1)],
        [(None, 3, 3, 3, 2)],
        27 * 8 * 1 * 2,
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3},
        [(None, 4, 4, 3)],
        [(None, 6, 6, 2)],
        4 * 4 * 9 * 3 * 2,
    ),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 3},
        [(None, 4, 3)],
        [(None, 6, 2)],
        4 * 3 * 3 * 2,
    ),
    (
        "Conv3DTranspose",
        {"filters": 1, "kernel_size": 2},
        [(None, 2, 2, 2, 3)],
        [(None, 3, 3, 3, 1)],
        8 * 8 * 3,
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "data_format": "channels_first"},
        [(None, 3, 4, 4)],
        [(None, 2, 6, 6)],
        4 * 4 * 9 * 3 * 2,
    ),
    (
        "DepthwiseConv2D",
        {"kernel_size": 3, "depth_multiplier": 2},
        [(None, 6, 6, 4)],
        [(None, 4, 4, 8)],
        16 * 9 * 4 * 2,
    ),
    ("DepthwiseConv2D", {"kernel_size": [3, 3]}, [(None, 6, 6, 4)], [(None, 4, 4, 4)], 16 * 9 * 4),
    ("DepthwiseConv1D", {"kernel_size": 3}, [(None, 6, 4)], [(None, 4, 4)], 4 * 3 * 4),
    (
        "SeparableConv2D",
        {"kernel_size": 3, "filters": 8},
        [(None, 6, 6, 4)],
        [(None, 4, 4, 8)],
        16 * 9 * 4 + 16 * 4 * 8,
    ),
    (
        "SeparableConv2D",
        {"kernel_size": 3, "filters": 8, "depth_multiplier": 2},
        [(None, 6, 6, 4)],
        [(None, 4, 4, 8)],
        16 * 9 * 4 * 2 + 16 * 4 * 2 * 8,
    ),
    (
        "SeparableConv1D",
        {"kernel_size": 3, "filters": 2},
        [(None, 6, 4)],
        [(None, 4, 2)],
        4 * 3 * 4 + 4 * 4 * 2,
    ),
    ("LSTM", {"units": 3}, [(None, 7, 5)], [(None, 3)], 7 * 4 * (5 * 3 + 3 * 3)),
    ("GRU", {"units": 3}, [(None, 7, 5)], [(None, 3)], 7 * 3 * (5 * 3 + 3 * 3)),
    ("SimpleRNN", {"units": 3}, [(None, 7, 5)], [(None, 3)], 7 * 1 * (5 * 3 + 3 * 3)),
    ("LSTM", {"units": 3}, [(None, 5)], [(None, 3)], 1 * 4 * (5 * 3 + 3 * 3)),
    ("LSTMCell", {"units": 3}, [(None, 5)], [(None, 3)], None),
    (
        "RNN",
        {"cell": {"class_name": "GRUCell", "config": {"units": 3}}},
        [(None, 7, 5)],
        [(None, 3)],
        7 * 3 * (5 * 3 + 3 * 3),
    ),
    (
        "RNN",
        {
            "cell": {
                "class_name": "StackedRNNCells",
                "config": {
                    "cells": [
                        {"class_name": "LSTMCell", "config": {"units": 4}},
                        {"class_name": "SimpleRNNCell", "config": {"units": 2}},
                    ]
                },
            }
        },
        [(None, 6, 5)],
        [(None, 2)],
        6 * (4 * (5 * 4 + 4 * 4) + 1 * (4 * 2 + 2 * 2)),
    ),
    (
        "RNN",
        {"cell": {"class_name": "MyCell", "config": {"units": 4}}},
        [(None, 6, 5)],
        [(None, 4)],
        0,
    ),
    (
        "RNN",
        {"cell": {"class_name": "SimpleRNNCell", "config": {"units": 2}}},
        [(None, 5)],
        [(None, 2)],
        1 * (5 * 2 + 2 * 2),
    ),
    (
        "ConvLSTM2D",
        {"filters": 4, "kernel_size": 3},
        [(None, 5, 8, 8, 3)],
        [(None, 6, 6, 4)],
        5 * 36 * 9 * (3 + 4) * 4 * 4,
    ),
    (
        "ConvLSTM2D",
        {"filters": 4, "kernel_size": 3, "data_format": "channels_first"},
        [(None, 5, 3, 8, 8)],
        [(None, 4, 6, 6)],
        5 * 36 * 9 * (3 + 4) * 4 * 4,
    ),
    (
        "ConvLSTM1D",
        {"filters": 4, "kernel_size": 3},
        [(None, 5, 8, 3)],
        [(None, 6, 4)],
        5 * 6 * 3 * (3 + 4) * 4 * 4,
    ),
    (
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 3},
        [(None, 4, 8), (None, 6, 8)],
        [(None, 4, 8)],
        4 * 8 * 2 * 3 + 6 * 8 * 2 * 3 + 6 * 8 * 2 * 3 + 4 * 2 * 3 * 8 + 2 * 4 * 6 * 3 * 2,
    ),
    (
        "MultiHeadAttention",
        {"num_heads": 2, "key_dim": 3, "value_dim": 5, "output_shape": 10},
        [(None, 4, 8), (None, 6, 8), (None, 6, 7)],
        [(None, 4, 10)],
        4 * 8 * 2 * 3
        + 6 * 7 * 2 * 3
        + 6 * 8 * 2 * 5
        + 4 * 2 * 5 * 10
        + 2 * 4 * 6 * 3
        + 2 * 4 * 6 * 5,
    ),
    (
        "MultiHeadAttention",
        {"num_heads": 1, "key_dim": 2, "output_shape": [2, 3]},
        [(None, 4, 8)],
        [(None, 4, 2, 3)],
        4 * 8 * 2 + 4 * 8 * 2 + 4 * 8 * 2 + 4 * 2 * 6 + 4 * 4 * 2 * 2,
    ),
    (
        "GroupQueryAttention",
        {"num_query_heads": 4, "num_key_value_heads": 2, "head_dim": 3},
        [(None, 5, 8), (None, 6, 8), (None, 6, 7)],
        [(None, 5, 8)],
        5 * 8 * 4 * 3 + 6 * 7 * 2 * 3 + 6 * 8 * 2 * 3 + 5 * 4 * 3 * 8 + 2 * 4 * 5 * 6 * 3,
    ),
    (
        "GroupedQueryAttention",
        {"num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 2},
        [(None, 3, 4)],
        [(None, 3, 4)],
        3 * 4 * 2 * 2 + 2 * (3 * 4 * 1 * 2) + 3 * 2 * 2 * 4 + 2 * 2 * 3 * 3 * 2,
    ),
    ("Attention", {}, [(None, 4, 8), (None, 6, 8)], [(None, 4, 8)], 2 * 4 * 6 * 8),
    ("AdditiveAttention", {}, [(None, 4, 8)], [(None, 4, 8)], 2 * 4 * 4 * 8),
    ("EinsumDense", {"equation": "ab,bc->ac"}, [(None, 8)], [(None, 16)], 8 * 16),
    ("EinsumDense", {"equation": "ab,bc->ac"}, [(2, 8)], [(2, 16)], 8 * 16),  # batch counts 1
    ("EinsumDense", {"equation": "abc,cd->a bd"}, [(None, 3, 8)], [(None, 3, 2)], 3 * 8 * 2),
    ("EinsumDense", {"equation": "abc,cd->abd"}, [(None, 5, 8)], [(None, None, 16)], 5 * 8 * 16),
    ("EinsumDense", {"equation": "abc, cd -> abd"}, [(None, 5, 8)], [(None, 5, 16)], 5 * 8 * 16),
    ("EinsumDense", {"equation": "...b,bc->...c"}, [(None, 5, 8)], [(None, 5, 16)], 5 * 8 * 16),
    (
        "EinsumDense",
        {"equation": "abc,cde->abde"},
        [(None, 5, 8)],
        [(None, 5, 2, 4)],
        5 * 8 * 2 * 4,
    ),
    ("EinsumDense", {"equation": "abc,cde->abde"}, [(None, 5, 8)], [], 5 * 8),
    (
        "EinsumDense",
        {"equation": "ab...,bc->a...c"},
        [(None, 8, 3, 2)],
        [(None, 3, 2, 16)],
        3 * 2 * 8 * 16,
    ),
    ("Embedding", {"input_dim": 10, "output_dim": 4}, [(None, 3)], [(None, 3, 4)], 0),
    ("InputLayer", {}, [], [(None, 3)], 0),
    ("Dense", {"units": 4}, [], [(None, 4)], None),
    ("Conv2D", {"filters": 4}, [(None, 6, 6, 3)], [(None, 4, 4, 4)], None),  # no kernel_size
    ("ReLU", {}, [(None, 4)], [(None, 4)], None),
    ("MyLayer", {}, [(None, 4)], [(None, 4)], None),
    (
        "TimeDistributed",
        {"layer": {"class_name": "Dense", "config": {"units": 4}}},
        [(None, 7, 5)],
        [(None, 7, 4)],
        7 * 5 * 4,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}}},
        [(None, 3, 6, 6, 1)],
        [(None, 3, 4, 4, 2)],
        3 * 16 * 9 * 1 * 2,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "Dense"}},
        [(None, 7, 5)],
        [(None, 7, 4)],
        7 * 5 * 4,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "MyLayer", "config": {}}},
        [(None, 7, 5)],
        [(None, 7, 4)],
        None,
    ),
    ("TimeDistributed", {"layer": "Dense"}, [(None, 7, 5)], [(None, 7, 4)], None),
    # A wrapped layer without variables costs 0, as unwrapped; a wrapped model cannot be said.
    (
        "TimeDistributed",
        {"layer": {"class_name": "ReLU", "config": {}}},
        [(None, 7, 5)],
        [(None, 7, 5)],
        0,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "MaxPooling2D", "config": {"pool_size": 2}}},
        [(None, 3, 6, 6, 2)],
        [(None, 3, 3, 3, 2)],
        0,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "Sequential", "config": {"layers": []}}},
        [(None, 7, 5)],
        [(None, 7, 4)],
        None,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "Dense", "config": {"units": 4}}},
        [(None, 7)],
        [(None, 7, 4)],
        7 * 1 * 4,
    ),
    (
        "TimeDistributed",
        {"layer": {"class_name": "Dense", "config": {"units": 4}}},
        [(None,)],
        [(None, 4)],
        1 * 1 * 4,
    ),
    (
        "Bidirectional",
        {"backward_layer": {"class_name": "GRU", "config": {"units": 2}}},
        [(None, 7, 5)],
        [(None, 4)],
        None,
    ),
    ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": 4}}}, [], [], None),
    (
        "Bidirectional",
        {"layer": {"class_name": "LSTM", "config": {"units": 3}}},
        [(None, 7, 5)],
        [(None, 6)],
        2 * 7 * 4 * (5 * 3 + 3 * 3),
    ),
    (
        "Bidirectional",
        {
            "forward_layer": {"class_name": "LSTM", "config": {"units": 3}},
            "backward_layer": {"class_name": "GRU", "config": {"units": 2}},
            "layer": {"class_name": "SimpleRNN", "config": {"units": 9}},
        },
        [(None, 7, 5)],
        [(None, 5)],
        7 * 4 * (5 * 3 + 3 * 3) + 7 * 3 * (5 * 2 + 2 * 2),
    ),
    (
        "Bidirectional",
        {"forward_layer": {"class_name": "GRU", "config": {"units": 2}}},
        [(None, 7, 5)],
        [(None, 4)],
        2 * 7 * 3 * (5 * 2 + 2 * 2),
    ),
    (
        "Bidirectional",
        {"layer": {"class_name": "MyRNN", "config": {}}},
        [(None, 7, 5)],
        [(None, 6)],
        None,
    ),
    ("Bidirectional", {}, [(None, 7, 5)], [(None, 6)], None),
]


@pytest.mark.parametrize(
    ("class_name", "config", "inputs", "outputs", "macs"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_rule(
    class_name: str, config: dict[str, Any], inputs: list, outputs: list, macs: int | None
) -> None:
    assert layer_macs(class_name, config, inputs, outputs) == macs


def test_has_rule() -> None:
    assert has_rule("Bidirectional") and has_rule("TimeDistributed") and has_rule("Dense")
    assert not has_rule(None) and not has_rule("MyLayer") and not has_rule("ReLU")


def test_shape_elements_counts_unknown_as_one() -> None:
    assert shape_elements((None, 3, 4)) == 12
    assert shape_elements((None, None, 4)) == 4
    assert shape_elements((None,)) == 1


@pytest.mark.parametrize(
    ("op", "macs"),
    [
        (OpCall("einsum", ((2, 3), (3, 4)), "ij,jk->ik"), 2 * 3 * 4),
        (OpCall("einsum", ((None, 3), (3, 4)), "ij,jk->ik"), 3 * 4),
        (OpCall("einsum", ((2, 3), (3, 4)), "ij,jk"), 2 * 3 * 4),
        (OpCall("einsum", ((2, 3), (3, 4)), "ij->ji"), 0),  # operands and shapes disagree
        (OpCall("einsum", ((2, 3), (3, 4))), 0),  # no equation
        (OpCall("einsum", ((5, 2, 3), (3, 4)), "...ij,jk->...ik"), 5 * 2 * 3 * 4),
        (OpCall("einsum", ((5, 2, 3), (7, 1, 3, 4)), "...ij,...jk->...ik"), 7 * 5 * 2 * 3 * 4),
        (OpCall("einsum", ((5, 2, 3), (7, 5, 3, 4)), "...ij,...jk->...ik"), 7 * 5 * 2 * 3 * 4),
        (OpCall("einsum", ((5, 6, 2, 3), (5, 3, 4)), "a...ij,ajk->a...ik"), 5 * 6 * 2 * 3 * 4),
        (OpCall("matmul", ((2, 3), (1, 3, 4))), 1 * 2 * 3 * 4),
        (OpCall("matmul", ((1, 2, 3), (3, 4))), 1 * 2 * 3 * 4),
        (OpCall("matmul", ((2, 3), (3, 4))), 2 * 3 * 4),
        (OpCall("matmul", ((3,), (3, 4))), 3 * 4),
        (OpCall("matmul", ((2, 3), (3,))), 2 * 3),
        (OpCall("matmul", ((5, 2, 3), (3, 4))), 5 * 2 * 3 * 4),
        (OpCall("matmul", ((None, 2, 3), (6, 3, 4))), 6 * 2 * 3 * 4),
        (OpCall("matmul", ((), (3, 4))), 0),
        (OpCall("matmul", ((2, 3), ())), 0),
        (OpCall("matmul", ((2, 3),)), 0),
        (
            OpCall("dot_product_attention", ((2, 16, 4, 8), (2, 20, 4, 8), (2, 20, 4, 6))),
            2 * 4 * 16 * 20 * (8 + 6),
        ),
        (
            OpCall("dot_product_attention", ((3, 16, 8), (3, 20, 8), (3, 20, 8))),
            3 * 1 * 16 * 20 * (8 + 8),
        ),
        (OpCall("dot_product_attention", ((1, 16, 8), (1, 20, 8))), 0),
        (OpCall("conv", ((1, 16, 8), (1, 20, 8))), 0),
    ],
)
def test_recorded_op(op: OpCall, macs: int) -> None:
    assert op_macs(op) == macs


def test_cost_walk_totals_classes_and_heaviest() -> None:
    report = run_analyses(
        chain(
            [
                dense("d1", 8, 16),
                plain("relu", "ReLU", (None, 16), "d1"),
                dense("d2", 16, 32, previous="relu"),
                plain("drop", "Dropout", (None, 32), "d2"),
                dense("d3", 32, 4, previous="drop"),
            ]
        )
    )
    cost = report.cost
    assert [row.macs for row in report.layers] == [128, 0, 512, 0, 128]
    assert [row.activation_elements for row in report.layers] == [16, 16, 32, 32, 4]
    assert (cost.macs, cost.flops) == (768, 1536)
    assert cost.elementwise_ops == 16  # ReLU; Dropout is no element-wise op
    assert (cost.heaviest_layer, cost.heaviest_path, cost.heaviest_macs) == ("d2", "d2", 512)
    assert cost.heaviest_share == 512 / 768
    assert [(c.class_name, c.macs, c.share) for c in cost.by_class] == [("Dense", 768, 1.0)]
    assert cost.complete is True and cost.uncounted == () and cost.uncounted_layers == ()
    assert cost.per_unknown_dims == ()
    assert cost.convention == CONVENTION
    assert cost.assumptions is not None
    assert cost.assumptions.input_shapes == {"input": (1, 8)}
    assert cost.assumptions.unknown_dims is False and cost.assumptions.note is None
    assert cost.assumptions.batch_size == 1 and cost.assumptions.trace_error is None


def test_by_class_orders_by_macs_then_name() -> None:
    conv = LayerReport(
        name="c",
        path="c",
        depth=0,
        class_name="Conv1D",
        variables=(Variable("kernel", "c/kernel", "weight", (1, 4, 4), "float32", True),),
        input_shapes=((None, 8, 4),),
        output_shapes=((None, 8, 4),),
        config={"filters": 4, "kernel_size": 1},
    )
    report = run_analyses(chain([dense("a", 4, 4), conv, dense("b", 4, 4, previous="c")]))
    by_class = report.cost.by_class
    assert [(c.class_name, c.macs) for c in by_class] == [("Conv1D", 128), ("Dense", 32)]
    assert by_class[0].share == 0.8
    empty = run_analyses(chain([plain("r", "ReLU", (None, 4), "x")])).cost
    assert empty.macs == 0 and empty.by_class == () and empty.heaviest_layer is None
    assert empty.heaviest_share == 0.0 and empty.heaviest_macs == 0


def test_shared_and_traced_rows() -> None:
    shared = dataclasses.replace(dense("d", 4, 3), call_count=3)
    assert run_analyses(chain([shared])).layer("d").macs == 3 * 12
    assert run_analyses(chain([shared])).layer("d").activation_elements == 3 * 3
    traced = dataclasses.replace(
        dense("t", 4, 3),
        call_count=2,
        calls=(LayerCall(((None, 4),), ((None, 3),)), LayerCall(((None, 2, 4),), ((None, 2, 3),))),
    )
    assert run_analyses(chain([traced])).layer("t").macs == 12 + 24
    unreadable = dataclasses.replace(dense("u", 4, 3), input_shapes=())
    cost = run_analyses(chain([unreadable])).cost
    assert [(u.path, u.reason) for u in cost.uncounted] == [
        ("u", "the Dense rule could not read its shapes or config")
    ]
    assert cost.complete is False and cost.uncounted_layers == ("u",)


def test_inputs_named_in_the_assumptions() -> None:
    two = dataclasses.replace(chain([dense("d", 4, 3)]), input_shapes=((None, 4), (None, None, 2)))
    assumptions = run_analyses(two).cost.assumptions
    assert assumptions is not None
    assert assumptions.input_shapes == {"input_0": (1, 4), "input_1": (1, None, 2)}
    assert assumptions.unknown_dims is True
    assert assumptions.note == (
        "an input dimension is unknown and was counted as 1, so the figures are per position "
        "(attention's length-squared terms are not); pass --seq-len N or --input-shape "
        "NAME=D1,D2 for a total"
    )
    named = dataclasses.replace(two, inputs=("a", "b"))
    assert run_analyses(named).cost.assumptions.input_shapes == {"a": (1, 4), "b": (1, None, 2)}
    traced = dataclasses.replace(two, trace=Trace((("x", (1, 4)),), error="boom"))
    fallback = run_analyses(traced).cost.assumptions
    assert fallback.input_shapes == {"input_0": (1, 4), "input_1": (1, None, 2)}
    assert fallback.trace_error == "boom"


def test_time_distributed_elementwise_and_nested_models() -> None:
    wrapped = LayerReport(
        name="td",
        path="td",
        depth=0,
        class_name="TimeDistributed",
        input_shapes=((None, 5, 4),),
        output_shapes=((None, 5, 4),),
        config={"layer": {"class_name": "ReLU", "config": {}}},
    )
    named = dataclasses.replace(wrapped, name="named", path="named", config={"layer": "ReLU"})
    inner = dataclasses.replace(dense("inner/d", 4, 4), name="d", parent="inner", depth=1)
    container = LayerReport(
        name="inner",
        path="inner",
        depth=0,
        class_name="Functional",
        is_container=True,
        input_shapes=((None, 4),),
        output_shapes=((None, 4),),
        call_count=2,
    )
    report: CapturedModel = dataclasses.replace(
        chain([wrapped]), layers=(wrapped, named, container, inner)
    )
    analysed = run_analyses(report)
    cost = analysed.cost
    assert cost.elementwise_ops == 20  # the ReLU inside "td"; "named" names no config
    assert "named" in cost.uncounted_layers
    assert analysed.layer("inner").macs == 2 * 16  # called twice, not traced
    assert cost.macs == 32
    assert cost.heaviest_path == "inner/d" and cost.heaviest_macs == 16


def test_more_rule_shapes() -> None:
    # GroupedQueryAttention with a query and a separate value (the key is the value)
    config = {"num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 2}
    macs = layer_macs("GroupedQueryAttention", config, [(None, 3, 4), (None, 5, 4)], [])
    assert macs == 3 * 4 * 4 + 2 * (5 * 4 * 2) + 3 * 4 * 4 + 2 * 2 * 3 * 5 * 2
    # ConvLSTM2D returning sequences: the output's time axis is no spatial axis
    lstm = {"filters": 4, "kernel_size": 3}
    sequences = layer_macs("ConvLSTM2D", lstm, [(None, 5, 8, 8, 3)], [(None, 5, 6, 6, 4)])
    assert sequences == 5 * 36 * 9 * (3 + 4) * 4 * 4
    first = {**lstm, "data_format": "channels_first"}
    assert layer_macs("ConvLSTM2D", first, [(None, 5, 3, 8, 8)], [(None, 5, 4, 6, 6)]) == sequences
    reversible = {"input_dim": 50, "output_dim": 8}
    assert layer_macs("ReversibleEmbedding", reversible, [(None, 7)], []) == 0


def test_row_pricing_paths() -> None:
    def custom(**fields: Any) -> LayerReport:
        return dataclasses.replace(
            dense("c", 4, 4), class_name="MyLayer", config={"name": "c"}, **fields
        )

    own_call = run_analyses(chain([custom(call_class="", calls=(LayerCall(),))])).cost
    assert own_call.macs == 0 and own_call.uncounted == ()
    untraced = run_analyses(chain([custom(call_class="")])).cost
    assert [u.reason for u in untraced.uncounted] == [
        "no MAC rule for MyLayer and its calls were not traced"
    ]
    inner = dataclasses.replace(dense("m/d", 4, 4), name="d", parent="m", depth=1)
    traced_model = LayerReport(
        name="m",
        path="m",
        depth=0,
        class_name="Functional",
        is_container=True,
        call_count=2,
        calls=(LayerCall(), LayerCall()),
    )
    report = dataclasses.replace(chain([inner]), layers=(traced_model, inner))
    assert run_analyses(report).layer("m").macs == 16  # its inner rows hold both calls


def test_one_mac_layers_and_class_order() -> None:
    one = run_analyses(chain([dense("d", 1, 1)])).cost
    assert (one.macs, one.heaviest_layer, one.heaviest_macs) == (1, "d", 1)
    assert [(c.class_name, c.macs) for c in one.by_class] == [("Dense", 1)]
    einsum = LayerReport(
        name="e",
        path="e",
        depth=0,
        class_name="EinsumDense",
        variables=(Variable("kernel", "e/kernel", "weight", (4, 4), "float32", True),),
        input_shapes=((None, 4),),
        output_shapes=((None, 4),),
        config={"equation": "ab,bc->ac"},
    )
    rows = [einsum, dense("d", 4, 4, previous="e"), dense("big", 4, 16, previous="d")]
    by_class = run_analyses(chain(rows)).cost.by_class
    assert [(c.class_name, c.macs) for c in by_class] == [("Dense", 80), ("EinsumDense", 16)]
    tie = [einsum, dataclasses.replace(dense("d", 4, 4), inbound=("e",))]
    assert [c.class_name for c in run_analyses(chain(tie)).cost.by_class] == [
        "Dense",
        "EinsumDense",
    ]


def test_unknown_dims_of_rows_and_ops() -> None:
    lstm = LayerReport(
        name="lstm",
        path="lstm",
        depth=0,
        class_name="LSTM",
        input_shapes=((None, None, 5),),
        output_shapes=((None, 3),),
        config={"units": 3},
    )
    report = dataclasses.replace(chain([lstm]), input_shapes=((None, 7, 5),))
    cost = run_analyses(report).cost
    assert cost.per_unknown_dims == ("lstm",)
    assert cost.assumptions is not None and cost.assumptions.unknown_dims is True
    block = LayerReport(
        name="b",
        path="b",
        depth=0,
        class_name="MyOps",
        call_class="",
        input_shapes=((None, 4, 8),),
        output_shapes=((None, 4, 8),),
        calls=(LayerCall(((None, 4, 8),), ((None, 4, 8),)),),
        ops=(OpCall("matmul", ((1, 4, 8), (8, 8))),),
    )
    known = run_analyses(chain([block])).cost
    assert known.macs == 4 * 8 * 8 and known.per_unknown_dims == ()


def test_by_class_is_not_alphabetical() -> None:
    wide = LayerReport(
        name="e",
        path="e",
        depth=0,
        class_name="EinsumDense",
        variables=(Variable("kernel", "e/kernel", "weight", (4, 16), "float32", True),),
        input_shapes=((None, 4),),
        output_shapes=((None, 16),),
        config={"equation": "ab,bc->ac"},
    )
    report = run_analyses(chain([wide, dense("d", 16, 1, previous="e")]))
    assert [(c.class_name, c.macs) for c in report.cost.by_class] == [
        ("EinsumDense", 64),
        ("Dense", 16),
    ]


def test_a_product_traced_at_a_fixed_batch_is_priced_per_sample() -> None:
    from layerscope.report import OpCall

    one = OpCall("matmul", ((1, 5, 16), (1, 16, 5)))
    eight = OpCall("matmul", ((8, 5, 16), (8, 16, 5)), batch=8)
    assert op_macs(one) == op_macs(eight) == 400
    assert op_macs(OpCall("einsum", ((8, 5, 16), (8, 5, 16)), "bsi,bsj->bsij", batch=8)) == 1280
