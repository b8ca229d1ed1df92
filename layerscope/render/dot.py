"""Graphviz diagrams: ``ModelReport -> DOT source -> SVG / PNG / PDF``.

The diagram reads the report only (never Keras). Three ideas shape this module:

* **Safety.** Every piece of text that reaches a label (layer and model names, class names,
  shapes, numbers) passes through :func:`label_text`, the one escaping helper for
  HTML-like labels; every quoted DOT string passes through :func:`quote`. Graphviz expands
  ``\\N``, ``\\G``... even inside HTML-like labels, so backslashes are doubled there too;
  control characters become visible escapes (XML cannot hold most of them).
* **Determinism.** Node ids come from row order (``n0``, ``n1``...), attributes are written
  in a fixed order, and nothing depends on ``id()`` or dict ordering of Keras objects, so the
  same report always gives byte-identical DOT (docs builds can diff and cache it).
* **Rendering that works.** The program is ``$LAYERSCOPE_DOT`` if set, else the system
  ``dot`` if it runs, else the ``graphviz-pure`` command (a pip dependency). ``splines=ortho``
  is never used (Debian's Graphviz 2.43 asserts on EfficientNetB0 with it). A failed render is
  retried with safer settings, then with the other program, before one clear
  :class:`~layerscope.errors.RenderError`.
"""

from __future__ import annotations

import functools
import math
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerscope.errors import RenderError, UsageError
from layerscope.options import Rankdir
from layerscope.render.escape import visible
from layerscope.render.format import (
    human_bytes,
    output_shape_text,
    percent,
    shape_text,
    shared_owners,
    thousands,
)
from layerscope.render.weights import flagged_layers
from layerscope.report import ROLES, CapturedModel, Edge, LayerReport, ModelReport, Shape
from layerscope.weights.precision import quantization_mode

if TYPE_CHECKING:  # pragma: no cover - typing only
    import graphviz
    import pydot

GRAPH_NAME = "layerscope"
"""The DOT graph's id (fixed: the model's name is shown in the title label instead)."""

RANKDIRS = Rankdir.values()

SUFFIX_FORMATS: dict[str, str | None] = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": None,
    ".gv": None,
}
"""Output suffixes :func:`render_diagram` accepts; ``None`` means the DOT source itself."""

MAX_NAME_CHARS = 80
"""Longer names are cut (with an ellipsis) so one absurd name cannot blow up the layout."""

MAX_SHAPE_CHARS = 60

EDGE_LABEL_LIMIT = 300
"""Above this many edges no edge carries a label (labels add virtual nodes to the layout)."""

PNG_DPI = 96
PNG_MAX_INCHES = 60
"""PNG drawings are scaled down to fit ``60 x 60`` inches at 96 dpi: at most 5760 pixels a
side, so a 500-layer model cannot produce a 50 MB image (use SVG for big models)."""

DEFAULT_TIMEOUT = 120.0
"""Seconds one render attempt may take (``$LAYERSCOPE_DOT_TIMEOUT`` overrides)."""

FONT = "Helvetica"

# Share-of-parameters scale, light to strong (ColorBrewer "Blues"): (lower bound, fill, label).
# Rows with no parameters stay white. The strongest fill gets white text for contrast.
SHARE_SCALE: tuple[tuple[float, str, str], ...] = (
    (0.5, "#2171b5", "50% or more"),
    (0.2, "#6baed6", "20% to 50%"),
    (0.05, "#9ecae1", "5% to 20%"),
    (0.01, "#c6dbef", "1% to 5%"),
    (0.0, "#eef4fb", "under 1%"),
)
NO_PARAMS_FILL = "#ffffff"
STRONG_FILL = SHARE_SCALE[0][1]
FROZEN_FILL = "#e3e3e3"
FROZEN_BORDER = "#6e6e6e"
FINDING_BORDER = "#c0392b"
"""Border of a layer a ``--weights`` finding names."""
FROZEN_TEXT = "#4d4d4d"
BORDER = "#34495e"
EDGE_COLOR = "#5d6d7e"
SHARED_EDGE = {
    "style": "dashed",
    "color": "#8e44ad",
    "arrowhead": "none",
    "constraint": "false",
    "label": "shared weights",
    "fontcolor": "#8e44ad",
}
"""A link between a shared variable's owner and another row using it (not a tensor)."""
MUTED_TEXT = "#44546a"

_ROLE_ABBREVIATIONS = {
    "weight": "w",
    "bias": "b",
    "norm": "norm",
    "stats": "stats",
    "other": "other",
}


# -- escaping: the one place user text meets DOT ------------------------------------------

_LABEL_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        # Graphviz applies its escString rules (\N = node name, \G = graph name, \n, \l...)
        # to HTML-like label text too, so a backslash must be doubled: `\\` shows one `\`.
        "\\": "&#92;&#92;",
        # Harmless in HTML-like labels, but record-label and port syntax in older
        # Graphviz releases; encoded so no Graphviz version sees them as structure.
        "{": "&#123;",
        "}": "&#125;",
        "|": "&#124;",
        "[": "&#91;",
        "]": "&#93;",
    }
)


def _xml_safe(text: str) -> str:
    """:func:`visible`, plus the characters XML cannot hold at all (lone surrogates and the
    non-characters U+FFFE/U+FFFF) made visible as ``\\uXXXX``."""
    text = visible(text)
    if all(unicodedata.category(char) != "Cs" and char not in "\ufffe\uffff" for char in text):
        return text
    return "".join(
        f"\\u{ord(char):04x}"
        if unicodedata.category(char) == "Cs" or char in "\ufffe\uffff"
        else char
        for char in text
    )


def label_text(text: str) -> str:
    """``text`` as the content of a Graphviz HTML-like label, shown literally.

    The one escaping helper for label text: XML specials become entities, control
    characters become visible escapes (``\\x0a``), a backslash is doubled (Graphviz would
    expand ``\\N`` to the node's id), and ``{ } | [ ]`` become character references.
    """
    return _xml_safe(text).translate(_LABEL_ESCAPES)


def quote(text: str) -> str:
    """``text`` as a double-quoted DOT string (IDs and plain attribute values)."""
    escaped = _xml_safe(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the DOT source ------------------------------------------------------------------------


def render_dot(
    report: CapturedModel, rankdir: str = "TB", expand_nested: bool | int = False
) -> str:
    """The model's diagram as Graphviz DOT source (byte-identical for the same report)."""
    return _DotBuilder(report, _check_rankdir(rankdir), expand_nested, edge_labels=True).source()


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
    builder = _DotBuilder(report, _check_rankdir(rankdir), expand_nested, edge_labels=True)
    return builder.pydot_graph()


def _cluster_levels(expand_nested: bool | int, row_count: int) -> int:
    """``expand_nested`` as a number of levels: False 0, True all, N (a ``--depth``) N."""
    if expand_nested is True:
        return row_count + 1
    if expand_nested is False or expand_nested is None:
        return 0
    if not isinstance(expand_nested, int) or expand_nested < 0:
        raise UsageError(f"expand_nested must be a bool or a depth from 0; got {expand_nested!r}")
    return expand_nested


def _check_rankdir(rankdir: str) -> str:
    value = Rankdir.parse(rankdir, "rankdir", case_sensitive=False).value
    return value


def share_fill(row: LayerReport) -> str:
    """The fill colour encoding ``row``'s share of all parameters."""
    if row.params == 0:
        return NO_PARAMS_FILL
    for lower, fill, _ in SHARE_SCALE:
        if row.share >= lower:
            return fill
    return SHARE_SCALE[-1][1]  # pragma: no cover - the last bound is 0


def params_text(row: LayerReport) -> str:
    """``235,500 params: 235,200 w + 300 b`` (every non-zero role), or ``no params``."""
    if row.params == 0:
        return "no params"
    roles = row.by_role.as_dict()
    parts = [
        f"{thousands(roles[role])} {_ROLE_ABBREVIATIONS[role]}" for role in ROLES if roles[role]
    ]
    return f"{thousands(row.params)} params: {' + '.join(parts)}"


def training_text(row: LayerReport) -> str:
    """``trainable``, ``frozen``, or ``trainable, 256 non-trainable`` (e.g. BatchNorm stats)."""
    if row.is_frozen:
        return "frozen"
    if row.non_trainable:
        return f"trainable, {thousands(row.non_trainable)} non-trainable"
    return "trainable"


@dataclass(frozen=True)
class _Route:
    """An edge as drawn: node ids on both ends and its label, if any."""

    source: str
    target: str
    label: str | None


class _DotBuilder:
    def __init__(
        self, report: CapturedModel, rankdir: str, expand_nested: bool | int, edge_labels: bool
    ) -> None:
        self.report = report
        self.rankdir = rankdir
        if expand_nested is False and report.display_depth is not None:
            expand_nested = report.display_depth  # analyze(..., depth=N) / --depth N
        self.expand_nested = expand_nested
        self.limit = _cluster_levels(expand_nested, len(report.layers))
        """Rows of depth below this are drawn as clusters of their rows; deeper rows are
        drawn inside their ancestor at this depth (0: every nested model collapsed)."""
        self.edge_labels = edge_labels
        self.rows: dict[str, LayerReport] = {}
        self.ids: dict[str, str] = {}
        for index, row in enumerate(report.layers):
            if row.path not in self.rows:  # paths are unique; keep the first if not
                self.rows[row.path] = row
                self.ids[row.path] = f"n{index}"
        self.children: dict[str, list[LayerReport]] = {}
        for row in self.rows.values():
            if row.parent is not None and row.parent in self.rows:
                self.children.setdefault(row.parent, []).append(row)
        self.fed = {edge.target for edge in report.edges}
        self.flagged = flagged_layers(report)
        self._inner_edge_cache: dict[str, list[Edge]] = {}

    # -- structure ---------------------------------------------------------------------

    def is_cluster(self, row: LayerReport) -> bool:
        """Drawn as a cluster of its rows (an expanded nested model with rows inside)."""
        return row.depth < self.limit and bool(self.children.get(row.path))

    def top_rows(self) -> list[LayerReport]:
        return [row for row in self.rows.values() if self._ancestors(row) == []]

    def _ancestors(self, row: LayerReport) -> list[str]:
        """Paths of the containers holding ``row``, outermost first (cycles cut)."""
        chain: list[str] = []
        parent = row.parent
        while parent is not None and parent in self.rows and parent not in chain:
            chain.append(parent)
            parent = self.rows[parent].parent
        chain.reverse()
        return chain

    def _visible_path(self, path: str) -> str:
        """The path drawn for ``path``: itself, or its ancestor at the deepest drawn level
        (the outermost row when nested models are collapsed)."""
        chain = [*self._ancestors(self.rows[path]), path]
        return chain[min(self.limit, len(chain) - 1)]

    def _inner_edges(self, container: str) -> list[Edge]:
        if container not in self._inner_edge_cache:
            inside = {row.path for row in self.children.get(container, [])}
            self._inner_edge_cache[container] = [
                e for e in self.report.edges if e.source in inside and e.target in inside
            ]
        return self._inner_edge_cache[container]

    def _entries(self, path: str, shape: Shape | None, seen: frozenset[str]) -> list[str]:
        """Drawn rows an edge into ``path`` lands on: ``path`` itself, or for an expanded
        nested model its inner input rows (those fed by nothing inside it)."""
        row = self.rows[path]
        if not self.is_cluster(row) or path in seen:
            return [path]
        fed = {e.target for e in self._inner_edges(path)}
        inner = [child for child in self.children[path] if child.path not in fed]
        inner = _matching(inner, shape, lambda child: child.input_shapes or child.output_shapes)
        result: list[str] = []
        for child in inner:
            result += self._entries(child.path, shape, seen | {path})
        return result or [path]

    def _exits(self, path: str, shape: Shape | None, seen: frozenset[str]) -> list[str]:
        """Drawn rows an edge out of ``path`` starts from: ``path`` itself, or for an
        expanded nested model its inner output rows (those feeding nothing inside it)."""
        row = self.rows[path]
        if not self.is_cluster(row) or path in seen:
            return [path]
        feeding = {e.source for e in self._inner_edges(path)}
        children = self.children[path]
        inner = [child for child in children if child.path not in feeding]
        if shape is not None and not any(shape in child.output_shapes for child in inner):
            # A nested model may output a tensor that also feeds its own later layers (so
            # it is not a sink); the last row producing that shape is the one.
            producing = [child for child in children if shape in child.output_shapes]
            inner = producing[-1:] or inner
        inner = _matching(inner, shape, lambda child: child.output_shapes)
        result: list[str] = []
        for child in inner:
            result += self._exits(child.path, shape, seen | {path})
        return result or [path]

    def routes(self) -> list[_Route]:
        """Every edge of the report as drawn, in the report's order."""
        edges = [e for e in self.report.edges if e.source in self.rows and e.target in self.rows]
        labels = self.edge_labels and len(edges) <= EDGE_LABEL_LIMIT
        routes: list[_Route] = []
        for edge in edges:
            source = self._visible_path(edge.source)
            target = self._visible_path(edge.target)
            if source == target and (source, target) != (edge.source, edge.target):
                continue  # an edge inside a collapsed nested model
            sources = self._exits(source, edge.shape, frozenset())
            targets = self._entries(target, edge.shape, frozenset())
            for source in sources:
                label = self._edge_label(source, edge.shape) if labels else None
                routes += [_Route(self.ids[source], self.ids[t], label) for t in targets]
        return routes

    def _edge_label(self, source: str, shape: Shape | None) -> str | None:
        # A node already shows its output shape; an edge names its tensor only when the
        # drawn source has several outputs, so the reader can tell which one flows where.
        if shape is None or len(self.rows[source].output_shapes) < 2:
            return None
        return shape_text(shape)

    # -- text --------------------------------------------------------------------------

    def source(self) -> str:
        lines = [f"digraph {GRAPH_NAME} {{\n"]
        lines += [f"\t{line}\n" for line in self._graph_lines()]
        lines.append("}\n")
        return "".join(lines)

    def _defaults(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """The graph, node and edge default attributes."""
        graph = {
            "rankdir": self.rankdir,
            "label": _html(self._title()),
            "labelloc": "t",
            "fontname": FONT,
            "fontsize": "12",
            "nodesep": "0.25",
            "ranksep": "0.35",
            "bgcolor": "white",
        }
        node = {
            "shape": "box",
            "style": "rounded,filled",
            "fontname": FONT,
            "fontsize": "10",
            "color": BORDER,
            "penwidth": "1",
            "margin": "0.08,0.04",
        }
        edge = {"color": EDGE_COLOR, "arrowsize": "0.7", "fontname": FONT, "fontsize": "8"}
        return graph, node, edge

    def _route_attrs(self, route: _Route) -> dict[str, str]:
        return {"label": _html(label_text(route.label))} if route.label else {}

    def _graph_lines(self) -> list[str]:
        graph, node, edge = self._defaults()
        body = [
            "graph [" + _attrs(**graph) + "]",
            "node [" + _attrs(**node) + "]",
            "edge [" + _attrs(**edge) + "]",
        ]
        body += self._legend()
        for row in self.top_rows():
            body += self._row_lines(row, depth=0)
        for route in self.routes():
            attrs = _attrs(**self._route_attrs(route))
            body.append(f"{route.source} -> {route.target}" + (f" [{attrs}]" if attrs else ""))
        for source, target in self.shared_routes():
            body.append(f"{source} -> {target} [{_attrs(**SHARED_EDGE)}]")
        return body

    def shared_routes(self) -> list[tuple[str, str]]:
        """Dashed links from the row owning a shared variable to each other row using it
        (a tied embedding's LM head), drawn instead of counting the weights twice."""
        links: list[tuple[str, str]] = []
        for row in self.rows.values():
            for owner in dict.fromkeys(v.shared_from for v in row.shared_variables):
                if owner is None or owner not in self.rows:
                    continue
                ends = (self._drawn(owner), self._drawn(row.path))
                if ends[0] != ends[1] and ends not in links:
                    links.append(ends)
        return [(self.ids[a], self.ids[b]) for a, b in links]

    def _drawn(self, path: str) -> str:
        """The drawn row standing for ``path``: itself, or its collapsed ancestor."""
        return self._visible_path(path)

    def pydot_graph(self) -> pydot.Dot:
        """The same graph built as pydot objects (pydot's DOT parser takes seconds on a
        few hundred layers; building the objects directly is instant)."""
        import pydot

        graph_attrs, node_attrs, edge_attrs = self._defaults()
        dot = pydot.Dot(GRAPH_NAME, graph_type="digraph", **_tokens(graph_attrs))
        dot.set_node_defaults(**_tokens(node_attrs))
        dot.set_edge_defaults(**_tokens(edge_attrs))
        legend_graph, legend_node = self._legend_attrs()
        legend = pydot.Cluster("legend", **_tokens(legend_graph))
        legend.add_node(pydot.Node("legend", **_tokens(legend_node)))
        dot.add_subgraph(legend)  # type: ignore[arg-type]  # pydot types clusters as Graph

        def add_row(parent: pydot.Graph, row: LayerReport, depth: int) -> None:
            node_id = self.ids[row.path]
            if not self.is_cluster(row) or depth > len(self.rows):
                parent.add_node(pydot.Node(node_id, **_tokens(self._node_attr_dict(row))))
                return
            cluster = pydot.Cluster(node_id, **_tokens(self._cluster_attrs(row)))
            for child in self.children[row.path]:
                add_row(cluster, child, depth + 1)
            parent.add_subgraph(cluster)  # type: ignore[arg-type]

        for row in self.top_rows():
            add_row(dot, row, 0)
        for route in self.routes():
            attrs = _tokens(self._route_attrs(route))
            dot.add_edge(pydot.Edge(route.source, route.target, **attrs))
        for source, target in self.shared_routes():
            dot.add_edge(pydot.Edge(source, target, **_tokens(SHARED_EDGE)))
        return dot

    def _title(self) -> str:
        report = self.report
        name = label_text(_cut(report.name, MAX_NAME_CHARS))
        title = f"<B>{name}</B> {label_text('(' + _cut(report.class_name, MAX_NAME_CHARS) + ')')}"
        if isinstance(report, ModelReport):
            totals = report.totals
            summary = (
                f"{thousands(totals.params)} params ({human_bytes(totals.bytes)}), "
                f"{thousands(totals.trainable)} trainable, "
                f"{thousands(totals.non_trainable)} non-trainable"
            )
            title += f'<BR/><FONT POINT-SIZE="10">{label_text(summary)}</FONT>'
        return title

    def _legend_attrs(self) -> tuple[dict[str, str], dict[str, str]]:
        cells = [f'<TR><TD COLSPAN="2"><B>{label_text("share of all params")}</B></TD></TR>']
        for _, fill, text in SHARE_SCALE:
            cells.append(
                f'<TR><TD BGCOLOR="{fill}" WIDTH="18" BORDER="1"> </TD>'
                f'<TD ALIGN="LEFT">{label_text(text)}</TD></TR>'
            )
        cells.append(
            f'<TR><TD BGCOLOR="{NO_PARAMS_FILL}" WIDTH="18" BORDER="1"> </TD>'
            f'<TD ALIGN="LEFT">{label_text("no params")}</TD></TR>'
        )
        if any(row.is_frozen for row in self.rows.values()):
            cells.append(
                f'<TR><TD BGCOLOR="{FROZEN_FILL}" WIDTH="18" BORDER="1"> </TD>'
                f'<TD ALIGN="LEFT">{label_text("frozen (dashed)")}</TD></TR>'
            )
        table = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            + "".join(cells)
            + "</TABLE>"
        )
        graph = {"label": "", "style": "rounded", "color": "#b0b7c3"}
        node = {"shape": "plaintext", "style": "", "fontsize": "9", "label": _html(table)}
        return graph, node

    def _legend(self) -> list[str]:
        graph, node = self._legend_attrs()
        return [
            "subgraph cluster_legend {",
            "\tgraph [" + _attrs(**graph) + "]",
            "\tlegend [" + _attrs(**node) + "]",
            "}",
        ]

    def _row_lines(self, row: LayerReport, depth: int) -> list[str]:
        node_id = self.ids[row.path]
        if not self.is_cluster(row) or depth > len(self.rows):
            return [f"{node_id} [{self._node_attrs(row)}]"]
        lines = [
            f"subgraph cluster_{node_id} {{",
            "\tgraph [" + _attrs(**self._cluster_attrs(row)) + "]",
        ]
        for child in self.children[row.path]:
            lines += ["\t" + line for line in self._row_lines(child, depth + 1)]
        lines.append("}")
        return lines

    def _cluster_attrs(self, row: LayerReport) -> dict[str, str]:
        frozen = row.is_frozen
        return {
            "label": _html(self._cluster_label(row)),
            "labeljust": "l",
            "style": "rounded,dashed" if frozen else "rounded",
            "color": FROZEN_BORDER if frozen else BORDER,
            "bgcolor": "#f4f4f4" if frozen else "#fbfcfe",
            "fontname": FONT,
            "fontsize": "10",
        }

    def _cluster_label(self, row: LayerReport) -> str:
        name = label_text(_cut(row.name, MAX_NAME_CHARS))
        class_name = _cut(row.class_name, MAX_NAME_CHARS)
        details = f"{class_name}: {params_text(row)}, {percent(row.share)} of all params"
        details += f", {training_text(row)}" if row.params else ""
        return f'<B>{name}</B><BR/><FONT POINT-SIZE="9">{label_text(details)}</FONT>'

    def _node_attrs(self, row: LayerReport) -> str:
        return _attrs(**self._node_attr_dict(row))

    def _node_attr_dict(self, row: LayerReport) -> dict[str, str]:
        frozen = row.is_frozen
        fill = FROZEN_FILL if frozen else share_fill(row)
        text_color = FROZEN_TEXT if frozen else ("#ffffff" if fill == STRONG_FILL else "#000000")
        detail_color = text_color if text_color != "#000000" else MUTED_TEXT
        lines = [f"<B>{label_text(_cut(row.name, MAX_NAME_CHARS))}</B>"]
        kind = _cut(row.class_name, MAX_NAME_CHARS)
        if row.is_container:
            kind += " (nested model)"
        if row.call_count > 1:
            kind += f", shared: {row.call_count} calls"
        mode = quantization_mode(row.dtype_policy)
        if mode:
            kind += f", quantized {mode}"
        lines.append(f'<FONT COLOR="{detail_color}">{label_text(kind)}</FONT>')
        lines.append(label_text(self._shape_line(row)))
        lines.append(label_text(params_text(row)))
        for owner, count in shared_owners(row):
            lines.append(
                f'<FONT COLOR="{detail_color}">'
                f"{label_text(f'+ {thousands(count)} shared with {_cut(owner, MAX_NAME_CHARS)}')}"
                "</FONT>"
            )
        if row.params:
            lines.append(
                f'<FONT COLOR="{detail_color}">'
                f"{label_text(percent(row.share) + ' of all params, ' + training_text(row))}"
                "</FONT>"
            )
        if row.path in self.flagged:
            lines.append(f'<FONT COLOR="{FINDING_BORDER}"><B>weight finding</B></FONT>')
        table = (
            '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(f"<TR><TD>{line}</TD></TR>" for line in lines)
            + "</TABLE>"
        )
        attrs: dict[str, str] = {"label": _html(table), "fillcolor": fill}
        if text_color != "#000000":
            attrs["fontcolor"] = text_color
        if frozen:
            attrs["style"] = "rounded,filled,dashed"
            attrs["color"] = FROZEN_BORDER
            attrs["penwidth"] = "1.5"
        if row.path in self.flagged:  # a --weights finding names this layer
            attrs["color"] = FINDING_BORDER
            attrs["penwidth"] = "3"
        return attrs

    def _shape_line(self, row: LayerReport) -> str:
        out = _cut(output_shape_text(row), MAX_SHAPE_CHARS)
        if row.input_shapes and row.path not in self.fed and row.class_name != "InputLayer":
            # A first layer with no drawn input (Sequential's implicit Input): show what it
            # receives, so the seed MLP's 28x28 images are on the diagram.
            inputs = _cut(", ".join(shape_text(s) for s in row.input_shapes), MAX_SHAPE_CHARS)
            return f"in {inputs} -> out {out}"
        return f"out {out}"


def _matching(
    rows: list[LayerReport],
    shape: Shape | None,
    shapes_of: Callable[[LayerReport], tuple[Shape, ...]],
) -> list[LayerReport]:
    """The rows whose shapes include ``shape``, when that narrows a choice; else all.

    A nested model with several inputs (or outputs) gets each outer edge on the inner row
    with the same tensor shape; when shapes cannot tell them apart, every candidate."""
    if shape is None or len(rows) < 2:
        return rows
    chosen = [row for row in rows if shape in tuple(shapes_of(row))]
    return chosen or rows


class _Html(str):
    """A value written as an HTML-like label ``<...>`` (already escaped)."""


def _html(markup: str) -> _Html:
    return _Html(markup)


def _token(value: str) -> str:
    """One attribute value as DOT writes it: HTML-like values in ``<>``, plain identifiers
    bare, everything else through :func:`quote`."""
    if isinstance(value, _Html):
        return f"<{value}>"
    if value and value.replace(".", "").replace("_", "").isalnum() and value.isascii():
        return value
    return quote(value)


def _attrs(**values: str) -> str:
    """``key=value`` pairs in the given order (see :func:`_token`)."""
    return " ".join(f"{key}={_token(value)}" for key, value in values.items())


def _tokens(values: dict[str, str]) -> Any:
    """Attribute values pre-quoted for pydot, which keeps quoted and ``<...>`` values as
    given, so its output matches :func:`render_dot`'s."""
    return {key: _token(value) for key, value in values.items()}


# -- rendering -----------------------------------------------------------------------------


def diagram_format(path: str | os.PathLike[str]) -> str | None:
    """The Graphviz output format a diagram path's suffix asks for (``None``: the DOT source
    itself); a UsageError quoting the path for any other suffix."""
    target = os.fspath(path)
    if target == "-":  # standard output: SVG, the format a pipe or a browser takes
        return "svg"
    suffix = Path(target).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise UsageError(
            f"the diagram file must end in .svg, .png, .pdf, .dot or .gv; got {target!r}"
        )
    return SUFFIX_FORMATS[suffix]


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
    if output_format not in ("svg", "png", "pdf"):
        raise UsageError(f"diagram format must be svg, png or pdf; got {output_format!r}")
    rankdir = _check_rankdir(rankdir)
    programs = graphviz_programs()
    if output_format == "pdf":
        programs = [p for p in programs if not p.is_pure]
        if not programs:
            raise RenderError(
                "PDF diagrams need a system Graphviz ('dot' on PATH or $LAYERSCOPE_DOT); "
                "graphviz-pure writes SVG and PNG only"
            )
    if not programs:
        raise RenderError(
            "no Graphviz program found: install graphviz-pure (pip install graphviz-pure) "
            "or a system Graphviz, or set LAYERSCOPE_DOT"
        )
    sources = {
        False: _DotBuilder(report, rankdir, expand_nested, edge_labels=True).source(),
        True: _DotBuilder(report, rankdir, expand_nested, edge_labels=False).source(),
    }
    failures: list[str] = []
    for program in programs:
        for safe in (False, True):
            try:
                return program.run(sources[safe], output_format, safe=safe)
            except _AttemptFailed as failure:
                failures.append(f"{program.name}{' (safe settings)' if safe else ''}: {failure}")
    raise RenderError(f"could not render the {output_format} diagram; " + "; ".join(failures))


class _AttemptFailed(Exception):
    pass


@dataclass(frozen=True)
class GraphvizProgram:
    """A ``dot``-compatible program layerscope can run."""

    command: tuple[str, ...]
    version: str
    """The first line of its ``-V`` output."""

    @property
    def name(self) -> str:
        return " ".join(self.command)

    @property
    def is_pure(self) -> bool:
        return "graphviz-pure" in self.version

    def run(self, dot: str, output_format: str, safe: bool = False) -> bytes:
        """Render ``dot`` with this program; :class:`_AttemptFailed` on any failure."""
        arguments = [*self.command, f"-T{output_format}"]
        if output_format == "png":
            arguments += [f"-Gdpi={PNG_DPI}", f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}"]
        if safe:
            arguments += ["-Gsplines=line", "-Gmclimit=0.5", "-Gnslimit=2", "-Gnslimit1=2"]
        timeout = _timeout()
        from layerscope.progress import signals_as_interrupts

        try:
            # SIGTERM/SIGHUP unwind like Ctrl-C: subprocess.run kills the child on any
            # exception, so no orphaned dot keeps running at 100% CPU.
            with signals_as_interrupts():
                completed = subprocess.run(
                    arguments,
                    input=dot.encode("utf-8"),
                    capture_output=True,
                    timeout=timeout,
                    check=False,
                )
        except subprocess.TimeoutExpired as error:
            raise _AttemptFailed(f"timed out after {timeout:g} s") from error
        except OSError as error:
            raise _AttemptFailed(error.strerror or str(error)) from error
        if completed.returncode != 0 or not completed.stdout:
            raise _AttemptFailed(_failure_text(completed.returncode, completed.stderr))
        return completed.stdout


def _failure_text(returncode: int, stderr: bytes) -> str:
    lines = [
        line.strip()
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.lstrip().lower().startswith("warning")
    ]
    detail = lines[-1] if lines else "no output"
    if returncode < 0:
        return f"crashed (signal {-returncode}): {visible(detail)}"
    return f"exit status {returncode}: {visible(detail)}"


def _timeout() -> float:
    text = os.environ.get("LAYERSCOPE_DOT_TIMEOUT", "")
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError as error:
        raise UsageError(
            f"LAYERSCOPE_DOT_TIMEOUT must be a number of seconds; got {text!r}"
        ) from error
    if not math.isfinite(value) or value <= 0:
        raise UsageError(
            f"LAYERSCOPE_DOT_TIMEOUT must be a positive, finite number of seconds; got {text!r}"
        )
    return value


def graphviz_programs() -> list[GraphvizProgram]:
    """The programs to try, best first.

    ``$LAYERSCOPE_DOT`` (a path or a command line) comes first when set and must run; then
    the system ``dot`` when it runs; then ``graphviz-pure``. Each appears once.
    """
    candidates: list[tuple[str, ...]] = []
    configured = os.environ.get("LAYERSCOPE_DOT", "").strip()
    if configured:
        # A path to a program (spaces allowed), or else a command line such as "dot -q".
        if os.path.isfile(configured):
            command: tuple[str, ...] = (configured,)
        else:
            command = tuple(shlex.split(configured, posix=os.name != "nt"))
        if not command or _version(command) is None:
            raise RenderError(
                f"LAYERSCOPE_DOT is {configured!r}, which does not run as a Graphviz program "
                "(its -V failed)"
            )
        candidates.append(command)
    system_dot = shutil.which("dot")
    if system_dot:
        candidates.append((system_dot,))
    pure = find_graphviz_pure()
    if pure:
        candidates.append((pure,))
    programs: list[GraphvizProgram] = []
    seen: set[str] = set()
    for command in candidates:
        version = _version(command)
        if version is None:
            continue
        # The same program reached twice (a PATH shim and the file itself, say) is tried
        # once: the same file, or the same version line, is the same program.
        keys = {_identity(command), version}
        if keys & seen:
            continue
        seen |= keys
        programs.append(GraphvizProgram(command, version))
    return programs


def find_graphviz_pure() -> str | None:
    """The ``graphviz-pure`` command: beside this Python first (the copy pip installed
    with layerscope), then the scripts folder, then PATH."""
    names = ["graphviz-pure.exe", "graphviz-pure"] if os.name == "nt" else ["graphviz-pure"]
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    for folder in folders:
        for name in names:
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("graphviz-pure")


def _identity(command: Sequence[str]) -> str:
    if len(command) == 1:
        resolved = shutil.which(command[0]) or command[0]
        return os.path.realpath(resolved)
    return "\0".join(command)


@functools.lru_cache(maxsize=16)
def _version_cached(command: tuple[str, ...]) -> str | None:
    try:
        completed = subprocess.run([*command, "-V"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    text = (completed.stderr or completed.stdout).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "unknown version"


def _version(command: Iterable[str]) -> str | None:
    """The first line of ``command -V``, or ``None`` when it does not run."""
    return _version_cached(tuple(command))
