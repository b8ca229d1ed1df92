"""The diff as HTML through the Jinja templates (``diff.html``): a whole self-contained page,
or with ``fragment=True`` one embeddable ``<div>``. Both models side by side, changed, added
and removed rows highlighted.

It renders through :func:`layerscope.render.html.render_page`, as the report does: autoescaping,
``StrictUndefined`` and the finalizer that makes control and bidi characters visible, so a
hostile layer or model name is escaped in that one place. Ids carry a per-diff prefix
derived from the content, as the report's do.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from layerscope.diffing import DiffReport, LayerDiff, LayerSide, Quantity
from layerscope.errors import UsageError
from layerscope.render.diff_text import (
    STATUS_ORDER,
    TOTAL_LABELS,
    headline,
    quantity_change,
    quantity_value,
    shapes,
    signed,
)

_OPTIONS = {"title", "template_dir", "theme", "id_prefix"}


@dataclass(frozen=True)
class SideView:
    name: str
    class_name: str
    shape: str
    params: int


@dataclass(frozen=True)
class DiffRowView:
    index: int
    status: str
    path: str
    depth: int
    a: SideView | None
    b: SideView | None
    delta_params: str
    delta_macs: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class TotalView:
    key: str
    label: str
    a: str
    b: str
    change: str
    direction: str
    """``up``, ``down`` or ``same``: the sign of the change, for styling."""


def _side(side: LayerSide | None) -> SideView | None:
    if side is None:
        return None
    return SideView(side.name, side.class_name, shapes(side), side.params)


def _row(index: int, row: LayerDiff) -> DiffRowView:
    return DiffRowView(
        index=index,
        status=row.status,
        path=row.path,
        depth=row.depth,
        a=_side(row.a),
        b=_side(row.b),
        delta_params=signed(row.delta.params),
        delta_macs=signed(row.delta.macs),
        changes=row.changes,
    )


def _total(key: str, quantity: Quantity) -> TotalView:
    delta = quantity.delta
    direction = "same" if not delta else "up" if delta > 0 else "down"
    return TotalView(
        key,
        TOTAL_LABELS[key],
        quantity_value(key, quantity.a),
        quantity_value(key, quantity.b),
        quantity_change(key, quantity),
        direction,
    )


def render_diff_html(report: DiffReport, fragment: bool = False, **options: Any) -> str:
    """Options: ``title``, ``template_dir``, ``theme`` (auto, light, dark), ``id_prefix``."""
    from layerscope.options import Theme, id_prefix, template_folder
    from layerscope.render.html import Ids, render_page, version

    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise UsageError(f"unknown diff HTML option(s): {', '.join(unknown)}")
    title = options.get("title")
    if title is not None and not isinstance(title, str):
        raise UsageError(f"title must be a string; got {title!r}")
    theme = Theme.parse(options.get("theme") or Theme.AUTO, "theme").value
    template_dir = template_folder(options.get("template_dir"))
    prefix = id_prefix(options.get("id_prefix"))
    if prefix is None:
        digest = hashlib.sha256(report.to_json(indent=None).encode("utf-8"))
        digest.update(repr((fragment, title, theme, template_dir)).encode("utf-8"))
        prefix = "ls-" + digest.hexdigest()[:10]
    context = {
        "diff": report,
        "fragment": fragment,
        "title": title if title is not None else f"{report.a.name} → {report.b.name}",
        "heading": 2 if fragment else 1,
        "theme": theme,
        "ids": Ids(prefix),
        "headline": headline(report),
        "totals": [_total(key, q) for key, q in report.totals.items()],
        "counts": [(status, report.count(status)) for status in STATUS_ORDER],
        "rows": [_row(i, row) for i, row in enumerate(report.layers)],
        "a_file": os.path.basename(report.a.source) if report.a.source else None,
        "b_file": os.path.basename(report.b.source) if report.b.source else None,
        "version": version(),
    }
    return render_page("diff.html", context, template_dir)
