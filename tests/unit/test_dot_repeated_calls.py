"""A layer called many times on the same tensors is drawn with one edge per pair, marked."""

from __future__ import annotations

import dataclasses

from layerscope.render.dot_graph import build_graph
from layerscope.report import CapturedModel, Edge, LayerReport

from .handmade import dense


def test_twelve_calls_of_one_shared_layer_draw_one_edge_marked_x12() -> None:
    """ALBERT: one encoder layer called 12 times, each call fed the same padding mask and
    the previous call's output (a self-loop)."""
    mask = LayerReport(
        name="padding_mask",
        path="padding_mask",
        depth=0,
        class_name="InputLayer",
        output_shapes=((None, 5),),
    )
    embed = dense("embed", 4, 8)
    block = dataclasses.replace(dense("block", 8, 8, previous="embed"), call_count=12)
    edges = (
        Edge("embed", "block", (None, 8)),
        *(Edge("padding_mask", "block", (None, 5)) for _ in range(12)),
        *(Edge("block", "block", (None, 8)) for _ in range(11)),
    )
    report = CapturedModel(
        name="albert",
        class_name="Functional",
        layers=(mask, embed, block),
        edges=edges,
        outputs=("block",),
        input_shapes=((None, 4), (None, 5)),
    )
    graph = build_graph(report, "tb")
    ids = {"padding_mask": "n0", "embed": "n1", "block": "n2"}
    drawn = [(e.source, e.target, e.attrs.get("label")) for e in graph.edges]
    assert drawn == [
        (ids["embed"], ids["block"], None),
        (ids["padding_mask"], ids["block"], "x12"),
        (ids["block"], ids["block"], "x11"),
    ]
