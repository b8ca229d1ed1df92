"""Graph helpers shared by the architecture and data-fit analyses (pure, no Keras).

The report's rows come in groups: the model's own rows (``parent is None``) and the rows of
each nested model. Edges join rows of the same group by path.
"""

from __future__ import annotations

from collections.abc import Iterable

from layerscope.catalogue import kind_of
from layerscope.report import CapturedModel, LayerReport

INPUT_CLASSES = frozenset({"InputLayer"})


def group_rows(report: CapturedModel, parent: str | None) -> list[LayerReport]:
    """The rows directly inside ``parent`` (``None``: the model's own rows), in order."""
    return [row for row in report.layers if row.parent == parent]


def consumers(report: CapturedModel, path: str) -> list[LayerReport]:
    """The rows fed by the row at ``path`` (each once, in row order)."""
    targets = {edge.target for edge in report.edges if edge.source == path}
    return [row for row in report.layers if row.path in targets]


def producers(report: CapturedModel, path: str) -> list[LayerReport]:
    """The rows feeding the row at ``path`` (each once, in row order)."""
    sources = {edge.source for edge in report.edges if edge.target == path}
    return [row for row in report.layers if row.path in sources]


def is_chain(report: CapturedModel) -> bool:
    """True when every group of rows is a simple chain: one input, one output, no merges, no
    branches and no shared layers, so that row order is the order data flows in."""
    if len(report.inputs) > 1 or len(report.outputs) > 1:
        return False
    parents: list[str | None] = [None] + [row.path for row in report.layers if row.is_container]
    for parent in parents:
        rows = group_rows(report, parent)
        paths = {row.path for row in rows}
        fan_in: dict[str, int] = {}
        fan_out: dict[str, int] = {}
        for edge in report.edges:
            if edge.source in paths and edge.target in paths:
                fan_out[edge.source] = fan_out.get(edge.source, 0) + 1
                fan_in[edge.target] = fan_in.get(edge.target, 0) + 1
        if any(row.call_count > 1 for row in rows):
            return False
        if any(count > 1 for count in (*fan_in.values(), *fan_out.values())):
            return False
        sources = [row for row in rows if fan_in.get(row.path, 0) == 0]
        if len(rows) > 1 and len(sources) > 1:
            return False
    return True


def leaves(rows: Iterable[LayerReport]) -> list[LayerReport]:
    """Rows that are real layers: no nested-model rows, no input placeholders, and a custom
    block as one layer (its sub-layer rows, which it already adds up, are left out)."""
    rows = list(rows)
    blocks = {row.path for row in rows if row.is_block}
    # Rows inside a block at any depth: a Sequential that a block calls is a container whose
    # own rows would otherwise be counted again beside the block (ViTDet's MLP).
    inside: set[str] = set()
    for row in rows:  # a parent's row comes before its rows
        if row.parent is not None and (row.parent in blocks or row.parent in inside):
            inside.add(row.path)
    return [
        row
        for row in rows
        if not row.is_container and row.class_name not in INPUT_CLASSES and row.path not in inside
    ]


def passes_through(row: LayerReport) -> bool:
    """A layer that keeps the channel count: widening or narrowing the layer before it carries
    straight through to the next layer that has a kernel (the catalogue's ``pass_through``)."""
    kind = kind_of(row.class_name)
    return kind is not None and kind.pass_through


def has_kernel(row: LayerReport) -> bool:
    """A layer that multiplies its input by learned weights (a kernel or an embedding)."""
    return any(variable.role == "weight" for variable in row.variables)


WRAPPER_SHARE = 0.9
"""A block holding at least this share of the parameters, with blocks inside, is a wrapper
around the model's stack (all but the embeddings or stem), read through."""


def unwrapped(report: CapturedModel, layers: list[LayerReport], total: int) -> list[LayerReport]:
    """``layers`` with each wrapper block replaced by what it holds: a block whose sub-layers
    include two or more blocks and that holds nearly all the parameters, or declares them
    as its ``num_layers``, is the model's stack (DeiT's ``deit_encoder`` holds its 12
    encoder blocks, HGNetV2's ``encoder`` its stages, DINOv2's ``encoder`` its
    ``num_layers`` blocks), not one layer, so its sub-layers are read in its place (and
    theirs, while that holds)."""
    index = 0
    while index < len(layers):
        row = layers[index]
        if not row.is_block:  # only a block can wrap: the scan below is for blocks alone
            index += 1
            continue
        inner = [r for r in report.layers if r.path.startswith(row.path + "/")]
        blocks = sum(1 for r in inner if r.parent == row.path and r.is_block)
        if blocks >= 2 and (
            row.params >= WRAPPER_SHARE * total or row.config.get("num_layers") == blocks
        ):
            layers = [*layers[:index], *leaves(inner), *layers[index + 1 :]]
            continue  # the first sub-layer may be a wrapper too
        index += 1
    return layers


def reaches(report: CapturedModel, source: str, target: str) -> bool:
    """Whether data flows from the row at ``source`` to the row at ``target``: along the
    edges, and between a nested model (or block) and each of its rows both ways. Edges join
    rows of one group, so in an acyclic group every row is reached from a row without an
    edge in and reaches one without an edge out; linking every row (not only those) keeps
    that true where shared layers make a cycle (a block fed its own output, ALBERT's
    self-loop, or a layer called before and after another), whose rows may have no such
    row to enter or leave by."""
    following: dict[str, set[str]] = {}
    for edge in report.edges:
        following.setdefault(edge.source, set()).add(edge.target)
    for row in report.layers:
        if row.parent is not None:
            following.setdefault(row.parent, set()).add(row.path)
            following.setdefault(row.path, set()).add(row.parent)
    seen = {source}
    stack = [source]
    while stack:
        for later in following.get(stack.pop(), ()):
            if later == target:
                return True
            if later not in seen:
                seen.add(later)
                stack.append(later)
    return False
