"""Graphviz diagrams: ``ModelReport -> Graph -> DOT source / pydot -> SVG / PNG / PDF``.

Three modules share the work, and this one is the entry point:

* :mod:`layerscope.render.dot_graph` builds one typed :class:`~.dot_graph.Graph` from the
  report (nodes, clusters, edges and every label, escaped there and only there);
* this module writes that graph out, as DOT text (:func:`render_dot`) or as pydot objects
  (:func:`to_pydot`), from the same data so the two always describe the same drawing;
* :mod:`layerscope.render.dot_run` finds and runs a Graphviz program for SVG, PNG and PDF.

The same report always gives byte-identical DOT (node ids follow row order, attributes a
fixed order), so docs builds can diff and cache it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layerscope.errors import RenderError
from layerscope.render.dot_graph import (
    EDGE_LABEL_LIMIT,
    GRAPH_NAME,
    RANKDIRS,
    Cluster,
    Graph,
    Html,
    Node,
    build_graph,
    check_rankdir,
    label_text,
    params_text,
    quote,
    share_fill,
    training_text,
)
from layerscope.render.dot_run import (
    SUFFIX_FORMATS,
    GraphvizProgram,
    available_programs,
    check_format,
    choose_programs,
    diagram_format,
    find_graphviz_pure,
    run_attempts,
)
from layerscope.report import CapturedModel

if TYPE_CHECKING:  # pragma: no cover - typing only
    import graphviz
    import pydot


# -- the two emitters ----------------------------------------------------------------------


def _token(value: str) -> str:
    """One attribute value as DOT writes it: HTML-like values in ``<>``, plain identifiers
    bare, everything else through :func:`quote`."""
    if isinstance(value, Html):
        return f"<{value}>"
    if value and value.replace(".", "").replace("_", "").isalnum() and value.isascii():
        return value
    return quote(value)


def _attrs(values: Mapping[str, str]) -> str:
    """``key=value`` pairs in the given order (see :func:`_token`)."""
    return " ".join(f"{key}={_token(value)}" for key, value in values.items())


def _tokens(values: Mapping[str, str]) -> Any:
    """Attribute values pre-quoted for pydot, which keeps quoted and ``<...>`` values as
    given, so its output matches :func:`render_dot`'s."""
    return {key: _token(value) for key, value in values.items()}


def _member_lines(member: Node | Cluster) -> list[str]:
    if isinstance(member, Node):
        return [f"{member.id} [{_attrs(member.attrs)}]"]
    lines = [f"subgraph cluster_{member.id} {{", "\tgraph [" + _attrs(member.attrs) + "]"]
    for inside in member.members:
        lines += ["\t" + line for line in _member_lines(inside)]
    lines.append("}")
    return lines


def dot_source(graph: Graph) -> str:
    """``graph`` as DOT text, laid out exactly as the ``graphviz`` package writes a body:
    a head line, one tab-indented statement a line, ``}``."""
    body = [
        "graph [" + _attrs(graph.attrs) + "]",
        "node [" + _attrs(graph.node_defaults) + "]",
        "edge [" + _attrs(graph.edge_defaults) + "]",
    ]
    for member in graph.members:
        body += _member_lines(member)
    for link in graph.edges:
        attrs = _attrs(link.attrs)
        body.append(f"{link.source} -> {link.target}" + (f" [{attrs}]" if attrs else ""))
    return f"digraph {graph.name} {{\n" + "".join(f"\t{line}\n" for line in body) + "}\n"


def pydot_graph(graph: Graph) -> pydot.Dot:
    """``graph`` as pydot objects (pydot's DOT parser takes seconds on a few hundred
    layers; building the objects directly is instant)."""
    import pydot

    dot = pydot.Dot(graph.name, graph_type="digraph", **_tokens(graph.attrs))
    dot.set_node_defaults(**_tokens(graph.node_defaults))
    dot.set_edge_defaults(**_tokens(graph.edge_defaults))

    def add(parent: pydot.Graph, member: Node | Cluster) -> None:
        if isinstance(member, Node):
            parent.add_node(pydot.Node(member.id, **_tokens(member.attrs)))
            return
        cluster = pydot.Cluster(member.id, **_tokens(member.attrs))
        for inside in member.members:
            add(cluster, inside)
        parent.add_subgraph(cluster)  # type: ignore[arg-type]  # pydot types clusters as Graph

    for member in graph.members:
        add(dot, member)
    for link in graph.edges:
        dot.add_edge(pydot.Edge(link.source, link.target, **_tokens(link.attrs)))
    return dot


# -- the public conveniences ---------------------------------------------------------------


def render_dot(
    report: CapturedModel, rankdir: str = "TB", expand_nested: bool | int = False
) -> str:
    """The model's diagram as Graphviz DOT source (byte-identical for the same report)."""
    return dot_source(build_graph(report, rankdir, expand_nested))


def to_graphviz(
    report: CapturedModel, rankdir: str = "TB", expand_nested: bool | int = False
) -> graphviz.Digraph:
    """The diagram as a ``graphviz.Digraph`` whose ``.source`` equals :func:`render_dot`."""
    import graphviz

    source = render_dot(report, rankdir=rankdir, expand_nested=expand_nested)
    lines = source.splitlines(keepends=True)
    graph = graphviz.Digraph(name=GRAPH_NAME)
    # render_dot writes exactly graphviz's layout: a head line, tab-indented body, "}".
    graph.body = lines[1:-1]
    return graph


def to_pydot(
    report: CapturedModel, rankdir: str = "TB", expand_nested: bool | int = False
) -> pydot.Dot:
    """The diagram as a ``pydot.Dot``, for tools that speak pydot (the same graph as
    :func:`render_dot`, built as objects rather than parsed)."""
    return pydot_graph(build_graph(report, rankdir, expand_nested))


def render_diagram(
    report: CapturedModel,
    path: str | os.PathLike[str],
    rankdir: str = "TB",
    expand_nested: bool | int = False,
) -> str:
    """Write the diagram to ``path``: svg, png, pdf, or the DOT source for dot/gv (``-``:
    SVG on standard output). Never over the model the report was read from."""
    from layerscope.io import check_output_path, write_output

    target = check_output_path(path, (report.source,))
    output_format = diagram_format(target)
    data: str | bytes
    if output_format is None:
        data = render_dot(report, rankdir=rankdir, expand_nested=expand_nested)
    else:
        data = render_bytes(report, output_format, rankdir=rankdir, expand_nested=expand_nested)
    return write_output(target, data, (report.source,))


def diagram_svg(
    report: CapturedModel, rankdir: str = "TB", expand_nested: bool | int = False
) -> str:
    """The diagram as SVG markup ready to inline in HTML (no XML prolog or DOCTYPE)."""
    svg = render_bytes(report, "svg", rankdir=rankdir, expand_nested=expand_nested)
    text = svg.decode("utf-8")
    start = text.find("<svg")
    if start < 0:
        raise RenderError("the Graphviz program wrote no <svg> element")
    return text[start:]


def render_bytes(
    report: CapturedModel,
    output_format: str,
    rankdir: str = "TB",
    expand_nested: bool | int = False,
) -> bytes:
    """Run Graphviz over the diagram and return the ``svg``, ``png`` or ``pdf`` bytes.

    Attempts, in order, until one succeeds: the chosen program with normal settings, the
    same with safer ones (straight edges, no edge labels, lighter crossing reduction), then
    the other available program likewise.
    """
    check_format(output_format)
    rankdir = check_rankdir(rankdir)
    programs = choose_programs(graphviz_programs(), output_format)
    graph = build_graph(report, rankdir, expand_nested)
    safe = graph.without_edge_labels()
    return run_attempts(programs, dot_source(graph), dot_source(safe), output_format)


def graphviz_programs() -> list[GraphvizProgram]:
    """The programs to try, best first: ``$LAYERSCOPE_DOT``, the system ``dot``, then
    :func:`find_graphviz_pure`'s (see :func:`layerscope.render.dot_run.available_programs`)."""
    return available_programs(find_graphviz_pure())


__all__ = [
    "EDGE_LABEL_LIMIT",
    "GRAPH_NAME",
    "RANKDIRS",
    "SUFFIX_FORMATS",
    "GraphvizProgram",
    "diagram_format",
    "diagram_svg",
    "dot_source",
    "find_graphviz_pure",
    "graphviz_programs",
    "label_text",
    "params_text",
    "pydot_graph",
    "quote",
    "render_bytes",
    "render_diagram",
    "render_dot",
    "share_fill",
    "to_graphviz",
    "to_pydot",
    "training_text",
]
