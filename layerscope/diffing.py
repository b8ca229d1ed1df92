"""``diff``: what changed between two models, layer by layer and in total.

Two analysed reports go in; a :class:`DiffReport` (frozen dataclasses, no reference to Keras)
comes out. Rows are matched in three passes:

1. by path, in order (a longest-common-subsequence alignment of the two path lists);
2. between two path matches, by position and class: the unmatched rows of each side are
   aligned on ``(depth, class)``, so a layer Keras auto-numbered differently (``dense_3`` in
   one file, ``dense_7`` in the other) or a renamed layer still pairs with its counterpart;
3. a row whose path exists on both sides but out of order (a moved layer) pairs last.

Whatever is left is ``removed`` (only in A) or ``added`` (only in B). A matched row is
``changed`` when its class, output shape, parameters by role, trainable count, MACs or bytes
differ, or its name differs by more than Keras's ``_N`` suffix; else ``unchanged``.

The analyses' sections (``cost``, ``memory``, ``data_fit``) are read through the small
accessors below only, so a change of their representation (mappings today, typed objects
tomorrow) is adapted in one place.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from layerscope.report import (
    ROLES,
    CapturedModel,
    LayerReport,
    ModelReport,
    RoleCounts,
    Shape,
    Totals,
)

DIFF_SCHEMA_VERSION = 1
"""Version of the diff JSON document (``diff.schema.json``)."""

Status = Literal["added", "removed", "changed", "unchanged"]
STATUSES: tuple[str, ...] = ("added", "removed", "changed", "unchanged")


# -- accessors: the one place that knows how the analyses store their numbers ---------------


def report_macs(report: ModelReport) -> int:
    """MACs per sample for the whole model."""
    return report.cost.macs


def report_training_bytes(report: ModelReport) -> int | None:
    """The training-memory estimate (params + gradients + optimizer state + activations)."""
    return report.memory.training_total_bytes


def report_training_samples(report: ModelReport) -> int | None:
    """The training-set size the data-fit analysis used, if any."""
    return report.data_fit.training_samples if report.data_fit is not None else None


def report_params_per_sample(report: ModelReport) -> float | None:
    """Parameters per training sample as the data-fit analysis rounded it, if any."""
    return report.data_fit.params_per_sample if report.data_fit is not None else None


def report_totals(report: ModelReport) -> Totals:
    return report.totals


# -- the result --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSide:
    """Which model one side of the diff is."""

    name: str
    class_name: str
    source: str | None
    engine: str
    layers: int
    training_samples: int | None


@dataclass(frozen=True)
class Quantity:
    """One number on both sides: ``a``, ``b``, ``delta`` (b - a) and ``percent`` of a."""

    a: int | float | None
    b: int | float | None
    delta: int | float | None
    percent: float | None
    """``100 * delta / a``; ``None`` when a is 0 or either side is unknown."""

    @classmethod
    def of(cls, a: int | float | None, b: int | float | None) -> Quantity:
        if a is None or b is None:
            return cls(a, b, None, None)
        delta = b - a
        if isinstance(delta, float):
            delta = round(delta, 6)
        percent = None if a == 0 else round(100.0 * (b - a) / a, 4)
        return cls(a, b, delta, percent)


@dataclass(frozen=True)
class DiffTotals:
    params: Quantity
    trainable: Quantity
    non_trainable: Quantity
    bytes: Quantity
    """Parameter bytes."""
    macs: Quantity
    layers: Quantity
    training_bytes: Quantity
    """The training-memory estimate at the chosen batch size and optimizer."""
    params_per_sample: Quantity | None
    """Both data-fit ratios, when both reports have a training-set size."""

    def items(self) -> tuple[tuple[str, Quantity], ...]:
        """(key, quantity) in display order; ``params_per_sample`` only when present."""
        keys = ["params", "trainable", "non_trainable", "bytes", "macs", "training_bytes", "layers"]
        out = [(key, getattr(self, key)) for key in keys]
        if self.params_per_sample is not None:
            out.append(("params_per_sample", self.params_per_sample))
        return tuple(out)


@dataclass(frozen=True)
class LayerSide:
    """One layer's numbers on one side of the diff."""

    name: str
    path: str
    depth: int
    class_name: str
    output_shapes: tuple[Shape, ...]
    params: int
    trainable: int
    non_trainable: int
    by_role: RoleCounts
    macs: int
    bytes: int

    @classmethod
    def of(cls, row: LayerReport) -> LayerSide:
        return cls(
            name=row.name,
            path=row.path,
            depth=row.depth,
            class_name=row.class_name,
            output_shapes=row.output_shapes,
            params=row.params,
            trainable=row.trainable,
            non_trainable=row.non_trainable,
            by_role=row.by_role,
            macs=int(row.macs or 0),
            bytes=row.bytes,
        )


@dataclass(frozen=True)
class LayerDelta:
    """b - a for a layer's numbers (an added layer counts from 0, a removed one to 0)."""

    params: int
    trainable: int
    non_trainable: int
    macs: int
    bytes: int
    by_role: RoleCounts


@dataclass(frozen=True)
class LayerDiff:
    """One row of the diff."""

    path: str
    """B's path for a matched or added row, A's for a removed one."""
    status: Status
    a: LayerSide | None
    b: LayerSide | None
    delta: LayerDelta
    changes: tuple[str, ...] = ()
    """What differs on a changed row: ``name``, ``class_name``, ``output_shape``,
    ``params``, ``by_role``, ``trainable``, ``macs``, ``bytes``."""
    matched_by: Literal["path", "position"] | None = None

    @property
    def name(self) -> str:
        side = self.b if self.b is not None else self.a
        assert side is not None
        return side.name

    @property
    def depth(self) -> int:
        side = self.b if self.b is not None else self.a
        assert side is not None
        return side.depth


@dataclass(frozen=True)
class DiffReport:
    """Everything that differs between model A and model B. Immutable; safe to share."""

    a: ModelSide
    b: ModelSide
    totals: DiffTotals
    layers: tuple[LayerDiff, ...]

    def count(self, status: str) -> int:
        return sum(1 for row in self.layers if row.status == status)

    @property
    def has_changes(self) -> bool:
        return any(row.status != "unchanged" for row in self.layers) or any(
            quantity.delta not in (0, None) for _, quantity in self.totals.items()
        )

    @property
    def changed_rows(self) -> tuple[LayerDiff, ...]:
        """Rows that are not unchanged, in model order."""
        return tuple(row for row in self.layers if row.status != "unchanged")

    def headline(self) -> str:
        """``+98,500 params (+31.1%), MACs +98.40 K`` (or ``no changes``)."""
        from layerscope.render.diff_text import headline

        return headline(self)

    def to_dict(self) -> dict[str, Any]:
        from layerscope.render.diff_json import diff_to_dict

        return diff_to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        from layerscope.render.diff_json import diff_to_json

        return diff_to_json(self, indent=indent)

    def to_text(self, color: bool = False, show_unchanged: bool = False) -> str:
        from layerscope.render.diff_text import render_diff_text

        return render_diff_text(self, color=color, show_unchanged=show_unchanged)

    def to_markdown(self) -> str:
        from layerscope.render.diff_markdown import render_diff_markdown

        return render_diff_markdown(self)

    def to_html(self, fragment: bool = False, **options: Any) -> str:
        from layerscope.render.diff_html import render_diff_html

        return render_diff_html(self, fragment=fragment, **options)

    def save_html(
        self, path: str | os.PathLike[str], fragment: bool = False, **options: Any
    ) -> str:
        from layerscope.io import write_atomic

        return write_atomic(path, self.to_html(fragment=fragment, **options))

    def _repr_html_(self) -> str:
        return self.to_html(fragment=True)


# -- matching ------------------------------------------------------------------------------

_AUTO_NUMBER = re.compile(r"_\d+$")


def base_name(name: str) -> str:
    """A layer name without Keras's auto-numbering suffix: ``dense_7`` -> ``dense``."""
    return _AUTO_NUMBER.sub("", name)


Pair = tuple[int | None, int | None]


def match_rows(a: Sequence[LayerReport], b: Sequence[LayerReport]) -> list[tuple[Pair, str]]:
    """Pairs of row indices ``(ia, ib)`` in merged order, ``None`` for a missing side,
    each with how it was matched: ``path``, ``position`` or ``""`` (unmatched)."""
    a_paths = [row.path for row in a]
    b_paths = [row.path for row in b]
    a_path_set, b_path_set = set(a_paths), set(b_paths)
    out: list[tuple[Pair, str]] = []
    matcher = difflib.SequenceMatcher(None, a_paths, b_paths, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(((a0 + k, b0 + k), "path") for k in range(a1 - a0))
            continue
        out.extend(_match_gap(a, b, range(a0, a1), range(b0, b1), a_path_set, b_path_set))
    return _pair_moved(a, b, out)


def _match_gap(
    a: Sequence[LayerReport],
    b: Sequence[LayerReport],
    a_range: range,
    b_range: range,
    a_paths: set[str],
    b_paths: set[str],
) -> list[tuple[Pair, str]]:
    """Align the rows between two path matches by (depth, class). Rows whose path exists on
    the other side (moved layers) are left for :func:`_pair_moved`."""
    a_free = [i for i in a_range if a[i].path not in b_paths]
    b_free = [i for i in b_range if b[i].path not in a_paths]
    matched: dict[int, int] = {}
    if a_free and b_free:
        keys_a = [(a[i].depth, a[i].class_name) for i in a_free]
        keys_b = [(b[i].depth, b[i].class_name) for i in b_free]
        matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                matched[a_free[block.a + k]] = b_free[block.b + k]
    out: list[tuple[Pair, str]] = []
    b_used = set(matched.values())
    pending_b = list(b_range)
    # Merge: walk A; before each matched pair, emit B's unmatched rows that come before it.
    position = 0
    for ia in a_range:
        ib = matched.get(ia)
        if ib is None:
            out.append(((ia, None), ""))
            continue
        while position < len(pending_b) and pending_b[position] < ib:
            if pending_b[position] not in b_used:
                out.append(((None, pending_b[position]), ""))
            position += 1
        out.append(((ia, ib), "position"))
        position += 1
    for ib in pending_b[position:]:
        if ib not in b_used:
            out.append(((None, ib), ""))
    return out


def _pair_moved(
    a: Sequence[LayerReport], b: Sequence[LayerReport], pairs: list[tuple[Pair, str]]
) -> list[tuple[Pair, str]]:
    """Pair rows left unmatched whose path exists on both sides (a layer that moved)."""
    lone_b = {b[ib].path: ib for (ia, ib), _ in pairs if ia is None and ib is not None}
    if not lone_b:
        return pairs
    taken: set[int] = set()
    out: list[tuple[Pair, str]] = []
    for (ia, ib), how in pairs:
        if ib is None and ia is not None and a[ia].path in lone_b:
            partner = lone_b[a[ia].path]
            taken.add(partner)
            out.append(((ia, partner), "path"))
        else:
            out.append(((ia, ib), how))
    return [item for item in out if not (item[0][0] is None and item[0][1] in taken)]


# -- building the diff ---------------------------------------------------------------------


def _changes(a: LayerSide, b: LayerSide) -> tuple[str, ...]:
    changes = []
    if base_name(a.name) != base_name(b.name):
        changes.append("name")
    if a.class_name != b.class_name:
        changes.append("class_name")
    if a.output_shapes != b.output_shapes:
        changes.append("output_shape")
    if a.params != b.params:
        changes.append("params")
    if a.by_role != b.by_role:
        changes.append("by_role")
    if a.trainable != b.trainable:
        changes.append("trainable")
    if a.macs != b.macs:
        changes.append("macs")
    if a.bytes != b.bytes:
        changes.append("bytes")
    return tuple(changes)


_ZERO = RoleCounts()


def _delta(a: LayerSide | None, b: LayerSide | None) -> LayerDelta:
    def get(side: LayerSide | None, key: str) -> int:
        return 0 if side is None else int(getattr(side, key))

    roles_a = a.by_role if a is not None else _ZERO
    roles_b = b.by_role if b is not None else _ZERO
    return LayerDelta(
        params=get(b, "params") - get(a, "params"),
        trainable=get(b, "trainable") - get(a, "trainable"),
        non_trainable=get(b, "non_trainable") - get(a, "non_trainable"),
        macs=get(b, "macs") - get(a, "macs"),
        bytes=get(b, "bytes") - get(a, "bytes"),
        by_role=RoleCounts(**{r: getattr(roles_b, r) - getattr(roles_a, r) for r in ROLES}),
    )


def _side(report: ModelReport) -> ModelSide:
    return ModelSide(
        name=report.name,
        class_name=report.class_name,
        source=report.source,
        engine=report.engine,
        layers=len(report.layers),
        training_samples=report_training_samples(report),
    )


_MATCHED_BY: dict[str, Literal["path", "position"]] = {"path": "path", "position": "position"}


def diff_reports(a: ModelReport, b: ModelReport) -> DiffReport:
    """The diff of two analysed reports."""
    totals_a, totals_b = report_totals(a), report_totals(b)
    rows: list[LayerDiff] = []
    for (ia, ib), how in match_rows(a.layers, b.layers):
        side_a = LayerSide.of(a.layers[ia]) if ia is not None else None
        side_b = LayerSide.of(b.layers[ib]) if ib is not None else None
        if side_a is not None and side_b is not None:
            changes = _changes(side_a, side_b)
            status: Status = "changed" if changes else "unchanged"
            path = side_b.path
        elif side_b is not None:
            changes, status, path = (), "added", side_b.path
        else:
            assert side_a is not None
            changes, status, path = (), "removed", side_a.path
        rows.append(
            LayerDiff(
                path=path,
                status=status,
                a=side_a,
                b=side_b,
                delta=_delta(side_a, side_b),
                changes=changes,
                matched_by=_MATCHED_BY.get(how),
            )
        )
    pps_a, pps_b = report_params_per_sample(a), report_params_per_sample(b)
    totals = DiffTotals(
        params=Quantity.of(totals_a.params, totals_b.params),
        trainable=Quantity.of(totals_a.trainable, totals_b.trainable),
        non_trainable=Quantity.of(totals_a.non_trainable, totals_b.non_trainable),
        bytes=Quantity.of(totals_a.bytes, totals_b.bytes),
        macs=Quantity.of(report_macs(a), report_macs(b)),
        layers=Quantity.of(len(a.layers), len(b.layers)),
        training_bytes=Quantity.of(report_training_bytes(a), report_training_bytes(b)),
        params_per_sample=Quantity.of(pps_a, pps_b)
        if pps_a is not None and pps_b is not None
        else None,
    )
    return DiffReport(a=_side(a), b=_side(b), totals=totals, layers=tuple(rows))


def diff(
    a: Any,
    b: Any,
    training_samples: int | None = None,
    unsafe: bool = False,
    **options: Any,
) -> DiffReport:
    """Compare two models: each a :class:`~layerscope.report.ModelReport`, a built
    ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.

    ``training_samples`` and ``options`` (``engine``, ``batch_size``, ``optimizer``,
    ``custom_objects``...) are passed to :func:`layerscope.analyze` for each model that is
    not already a report. With ``training_samples`` both data-fit ratios are compared.
    """
    from layerscope.api import analyze

    def report_of(model: Any) -> ModelReport:
        if isinstance(model, ModelReport):
            return model
        if isinstance(model, CapturedModel):
            from layerscope.analysis import run_analyses

            return run_analyses(model, training_samples=training_samples)
        return analyze(model, training_samples=training_samples, unsafe=unsafe, **options)

    return diff_reports(report_of(a), report_of(b))
