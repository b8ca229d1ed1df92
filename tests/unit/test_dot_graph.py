"""The diagram's one graph, without Keras: built once, written as DOT text and as pydot."""

from __future__ import annotations

import dataclasses

import pydot

from layerscope.render.dot import dot_source, pydot_graph, render_dot, to_pydot
from layerscope.render.dot_graph import Cluster, Html, Link, Node, build_graph
from layerscope.report import CapturedModel, Edge, LayerReport

from .handmade import dense


def two_outputs() -> CapturedModel:
    """``split`` has two outputs (so its edges are labelled with their shapes), both into
    ``head``."""
    first = dense("first", 4, 5)
    split = LayerReport(
        name="split",
        path="split",
        depth=0,
        class_name="Split",
        output_shapes=((None, 2), (None, 3)),
        input_shapes=((None, 5),),
        inbound=("first",),
    )
    head = dataclasses.replace(dense("head", 5, 1, previous="split"), inbound=("split",))
    edges = (
        Edge("first", "split", (None, 5)),
        Edge("split", "head", (None, 2)),
        Edge("split", "head", (None, 3)),
    )
    return CapturedModel(
        name="two<outputs>",
        class_name="Functional",
        layers=(first, split, head),
        edges=edges,
        outputs=("head",),
        input_shapes=((None, 4),),
    )


def test_graph_members_edges_and_labels() -> None:
    graph = build_graph(two_outputs(), "lr")
    assert graph.attrs["rankdir"] == "LR"
    legend, *rows = graph.members
    assert isinstance(legend, Cluster) and legend.id == "legend"
    assert [m.id for m in rows] == ["n0", "n1", "n2"]
    assert all(isinstance(m, Node) for m in rows)
    assert [(e.source, e.target, e.tensor) for e in graph.edges] == [
        ("n0", "n1", True),
        ("n1", "n2", True),
        ("n1", "n2", True),
    ]
    # Only the two-output row's edges name their tensors; labels are escaped HTML-like.
    assert [e.attrs.get("label") for e in graph.edges] == [None, "(None, 2)", "(None, 3)"]
    assert isinstance(graph.edges[1].attrs["label"], Html)
    assert "<B>two&lt;outputs&gt;</B>" in graph.attrs["label"]


def test_safe_graph_drops_only_tensor_labels() -> None:
    graph = build_graph(two_outputs())
    safe = graph.without_edge_labels()
    assert [e.attrs for e in safe.edges] == [{}, {}, {}]
    assert safe.members == graph.members and safe.attrs == graph.attrs
    assert "label=<(None, 2)>" in dot_source(graph)
    assert "label=<(None, 2)>" not in dot_source(safe)


def test_both_emitters_write_the_same_graph() -> None:
    report = two_outputs()
    source = render_dot(report)
    assert source == dot_source(build_graph(report))
    assert source.splitlines()[-4:] == [
        "\tn0 -> n1",
        "\tn1 -> n2 [label=<(None, 2)>]",
        "\tn1 -> n2 [label=<(None, 3)>]",
        "}",
    ]
    built = to_pydot(report)
    assert built.to_string() == pydot_graph(build_graph(report)).to_string()
    parsed = pydot.graph_from_dot_data(source)[0]

    def shape(graph: pydot.Graph) -> tuple[object, ...]:
        nodes = {n.get_name(): n.get_attributes() for n in graph.get_nodes()}
        # The parser keeps "graph [...]" as a statement; built graphs hold it as attributes.
        attributes = {**graph.get_attributes(), **nodes.pop("graph", {})}
        edges = [(e.get_source(), e.get_destination(), e.get("label")) for e in graph.get_edges()]
        clusters = {g.get_name(): shape(g) for g in graph.get_subgraphs()}
        return attributes, nodes, edges, clusters

    assert shape(built) == shape(parsed)
    assert [type(m) for m in build_graph(report).members] == [Cluster, Node, Node, Node]
    assert all(isinstance(e, Link) for e in build_graph(report).edges)
