"""The diagram as data: one typed graph (nodes, clusters, edges, their labels) per report.

:func:`build_graph` reads the report only (never Keras) and decides everything drawn: which
rows are nodes and which nested models are clusters, where each tensor edge lands, every
label and colour. :mod:`layerscope.render.dot` writes the same :class:`Graph` as DOT text or
as pydot objects, so the two can never disagree.

* **Safety.** Every piece of text that reaches a label (layer and model names, class names,
  shapes, numbers) passes through :func:`label_text`, the one escaping helper for
  HTML-like labels; every quoted DOT string passes through :func:`quote`. Graphviz expands
  ``\\N``, ``\\G``... even inside HTML-like labels, so backslashes are doubled there too;
  control characters become visible escapes (XML cannot hold most of them).
* **Determinism.** Node ids come from row order (``n0``, ``n1``...), attributes keep a fixed
  order, and nothing depends on ``id()`` or dict ordering of Keras objects, so the same
  report always gives the same graph (docs builds can diff and cache the DOT).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from layerscope.errors import UsageError
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

GRAPH_NAME = "layerscope"
"""The DOT graph's id (fixed: the model's name is shown in the title label instead)."""

RANKDIRS = Rankdir.values()

MAX_NAME_CHARS = 80
"""Longer names are cut (with an ellipsis) so one absurd name cannot blow up the layout."""

MAX_SHAPE_CHARS = 60

EDGE_LABEL_LIMIT = 300
"""Above this many edges no edge carries a label (labels add virtual nodes to the layout)."""

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


# -- the graph -----------------------------------------------------------------------------


class Html(str):
    """An attribute value that is a Graphviz HTML-like label (already escaped): written
    between ``<`` and ``>`` rather than quoted."""


Attrs = Mapping[str, str]
"""Attribute values by name, in the order they are written."""


@dataclass(frozen=True)
class Node:
    """One drawn box: a layer row (``n0``, ``n1``...), or the legend."""

    id: str
    attrs: Attrs


@dataclass(frozen=True)
class Cluster:
    """A drawn group (``subgraph cluster_<id>``): an expanded nested model, or the legend."""

    id: str
    attrs: Attrs
    members: tuple[Node | Cluster, ...]


@dataclass(frozen=True)
class Link:
    """One edge between drawn nodes."""

    source: str
    target: str
    attrs: Attrs
    tensor: bool
    """A tensor flowing between layers (its label names the tensor's shape); else a dashed
    link between rows sharing a variable."""


def _merged(routes: list[tuple[tuple[str, str], str | None]], ids: dict[str, str]) -> list[Link]:
    """One link per (source, target, label): a layer called N times on the same tensors
    (ALBERT's one encoder layer, 12 calls fed the same padding mask) gets one edge marked
    ``x N``, not N parallel edges."""
    counts: dict[tuple[tuple[str, str], str | None], int] = {}
    for route in routes:
        counts[route] = counts.get(route, 0) + 1
    links = []
    for ((source, target), label), count in counts.items():
        text = label if count == 1 else f"{label} x{count}" if label else f"x{count}"
        attrs = {"label": Html(label_text(text))} if text else {}
        links.append(Link(ids[source], ids[target], attrs, tensor=True))
    return links


@dataclass(frozen=True)
class Graph:
    """Everything a diagram draws, in drawing order."""

    name: str
    attrs: Attrs
    node_defaults: Attrs
    edge_defaults: Attrs
    members: tuple[Node | Cluster, ...]
    """The legend first, then the rows outside any cluster, in row order."""
    edges: tuple[Link, ...]
    """The tensor edges in the report's order, then the shared-variable links."""

    def without_edge_labels(self) -> Graph:
        """The same graph with no label on any tensor edge (the safe render's input: labels
        add virtual nodes to the layout)."""
        edges = tuple(
            dataclasses.replace(link, attrs={k: v for k, v in link.attrs.items() if k != "label"})
            if link.tensor
            else link
            for link in self.edges
        )
        return dataclasses.replace(self, edges=edges)


def build_graph(
    report: CapturedModel, rankdir: str = "TB", expand_nested: bool | int = False
) -> Graph:
    """The diagram of ``report``: nested models drawn as clusters down to ``expand_nested``
    levels (``True`` all, ``False`` none unless the report has a display depth)."""
    return _GraphBuilder(report, check_rankdir(rankdir), expand_nested).build()


def _cluster_levels(expand_nested: bool | int, row_count: int) -> int:
    """``expand_nested`` as a number of levels: False 0, True all, N (a ``--depth``) N."""
    if expand_nested is True:
        return row_count + 1
    if expand_nested is False or expand_nested is None:
        return 0
    if not isinstance(expand_nested, int) or expand_nested < 0:
        raise UsageError(f"expand_nested must be a bool or a depth from 0; got {expand_nested!r}")
    return expand_nested


def check_rankdir(rankdir: str) -> str:
    """``rankdir`` as Graphviz spells it (``lr`` -> ``LR``); a UsageError for anything else."""
    return Rankdir.parse(rankdir, "rankdir", case_sensitive=False).value


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


class _GraphBuilder:
    def __init__(self, report: CapturedModel, rankdir: str, expand_nested: bool | int) -> None:
        self.report = report
        self.rankdir = rankdir
        if expand_nested is False and report.display_depth is not None:
            expand_nested = report.display_depth  # analyze(..., depth=N) / --depth N
        self.limit = _cluster_levels(expand_nested, len(report.layers))
        """Rows of depth below this are drawn as clusters of their rows; deeper rows are
        drawn inside their ancestor at this depth (0: every nested model collapsed)."""
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

    def build(self) -> Graph:
        members: list[Node | Cluster] = [self._legend()]
        members += [self._member(row, depth=0) for row in self.top_rows()]
        return Graph(
            name=GRAPH_NAME,
            attrs={
                "rankdir": self.rankdir,
                "label": Html(self._title()),
                "labelloc": "t",
                "fontname": FONT,
                "fontsize": "12",
                "nodesep": "0.25",
                "ranksep": "0.35",
                "bgcolor": "white",
            },
            node_defaults={
                "shape": "box",
                "style": "rounded,filled",
                "fontname": FONT,
                "fontsize": "10",
                "color": BORDER,
                "penwidth": "1",
                "margin": "0.08,0.04",
            },
            edge_defaults={
                "color": EDGE_COLOR,
                "arrowsize": "0.7",
                "fontname": FONT,
                "fontsize": "8",
            },
            members=tuple(members),
            edges=(*self.routes(), *self.shared_routes()),
        )

    # -- structure ---------------------------------------------------------------------

    def is_cluster(self, row: LayerReport) -> bool:
        """Drawn as a cluster of its rows (an expanded nested model with rows inside)."""
        return row.depth < self.limit and bool(self.children.get(row.path))

    def top_rows(self) -> list[LayerReport]:
        return [row for row in self.rows.values() if self._ancestors(row) == []]

    def _member(self, row: LayerReport, depth: int) -> Node | Cluster:
        node_id = self.ids[row.path]
        if not self.is_cluster(row) or depth > len(self.rows):
            return Node(node_id, self._node_attrs(row))
        inside = tuple(self._member(child, depth + 1) for child in self.children[row.path])
        return Cluster(node_id, self._cluster_attrs(row), inside)

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

    def routes(self) -> list[Link]:
        """Every edge of the report as drawn, in the report's order."""
        edges = [e for e in self.report.edges if e.source in self.rows and e.target in self.rows]
        labels = len(edges) <= EDGE_LABEL_LIMIT
        routes: list[tuple[tuple[str, str], str | None]] = []
        for edge in edges:
            source = self._visible_path(edge.source)
            target = self._visible_path(edge.target)
            if source == target and (source, target) != (edge.source, edge.target):
                continue  # an edge inside a collapsed nested model
            sources = self._exits(source, edge.shape, frozenset())
            targets = self._entries(target, edge.shape, frozenset())
            for source in sources:
                label = self._edge_label(source, edge.shape) if labels else None
                routes += [((source, t), label) for t in targets]
        return _merged(routes, self.ids)

    def _edge_label(self, source: str, shape: Shape | None) -> str | None:
        # A node already shows its output shape; an edge names its tensor only when the
        # drawn source has several outputs, so the reader can tell which one flows where.
        if shape is None or len(self.rows[source].output_shapes) < 2:
            return None
        return shape_text(shape)

    def shared_routes(self) -> list[Link]:
        """Dashed links from the row owning a shared variable to each other row using it
        (a tied embedding's LM head), drawn instead of counting the weights twice."""
        links: list[tuple[str, str]] = []
        for row in self.rows.values():
            for owner in dict.fromkeys(v.shared_from for v in row.shared_variables):
                if owner is None or owner not in self.rows:
                    continue
                ends = (self._visible_path(owner), self._visible_path(row.path))
                if ends[0] != ends[1] and ends not in links:
                    links.append(ends)
        return [Link(self.ids[a], self.ids[b], SHARED_EDGE, tensor=False) for a, b in links]

    # -- labels ------------------------------------------------------------------------

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

    def _legend(self) -> Cluster:
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
        node = {"shape": "plaintext", "style": "", "fontsize": "9", "label": Html(table)}
        graph = {"label": "", "style": "rounded", "color": "#b0b7c3"}
        return Cluster("legend", graph, (Node("legend", node),))

    def _cluster_attrs(self, row: LayerReport) -> dict[str, str]:
        frozen = row.is_frozen
        return {
            "label": Html(self._cluster_label(row)),
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

    def _node_attrs(self, row: LayerReport) -> dict[str, str]:
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
        attrs: dict[str, str] = {"label": Html(table), "fillcolor": fill}
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
