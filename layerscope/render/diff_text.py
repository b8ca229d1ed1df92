"""The diff as terminal text (ANSI colour only when asked, i.e. on a terminal), plus the
number formatting every diff renderer shares."""

from __future__ import annotations

from collections.abc import Callable

from layerscope.diffing import DiffReport, LayerDiff, LayerSide, ModelSide, Quantity
from layerscope.render.escape import terminal
from layerscope.render.format import human_bytes, human_count, shape_text, thousands
from layerscope.render.text import aligned_table

TOTAL_LABELS: dict[str, str] = {
    "params": "Params",
    "trainable": "Trainable",
    "non_trainable": "Non-trainable",
    "bytes": "Parameter memory",
    "macs": "MACs per sample",
    "training_bytes": "Training memory",
    "layers": "Layers",
    "params_per_sample": "Params per sample",
}

MARKERS = {"added": "+", "removed": "-", "changed": "~", "unchanged": " "}
_COLORS = {"added": "\x1b[32m", "removed": "\x1b[31m", "changed": "\x1b[33m"}
_RESET = "\x1b[0m"


# -- shared formatting ----------------------------------------------------------------------


def signed(value: int | float) -> str:
    """``98500`` -> ``+98,500``; ``-0.5`` -> ``-0.5``; 0 -> ``0``."""
    if value == 0:
        return "0"
    sign = "+" if value > 0 else "-"
    magnitude = abs(value)
    if isinstance(magnitude, float) and not magnitude.is_integer():
        return f"{sign}{magnitude:,.6g}" if magnitude < 1000 else f"{sign}{magnitude:,.2f}"
    return f"{sign}{int(magnitude):,}"


def signed_percent(percent: float | None, a: int | float | None = None) -> str:
    """``31.09`` -> ``+31.1%``; unknown (from 0) -> ``new`` or an empty string."""
    if percent is None:
        return "new" if a == 0 else ""
    if percent == 0:
        return "0%"
    text = f"{percent:+.1f}%"
    return text if text not in ("+0.0%", "-0.0%") else f"{percent:+.2g}%"


def quantity_value(key: str, value: int | float | None) -> str:
    """One side of a total, in the unit its key is read in."""
    if value is None:
        return "—"
    if key in ("bytes", "training_bytes"):
        return human_bytes(value)
    if key == "macs":
        return f"{thousands(int(value))} ({human_count(value)})" if value >= 1000 else str(value)
    if key == "params_per_sample":
        return f"{value:g}"
    return thousands(int(value))


def quantity_change(key: str, quantity: Quantity) -> str:
    """``+98,500 (+31.1%)``; bytes and MACs in their units (``+384.77 KiB``)."""
    if quantity.delta is None:
        return "—"
    delta = quantity.delta
    if key in ("bytes", "training_bytes"):
        text = ("+" if delta > 0 else "-" if delta < 0 else "") + human_bytes(abs(delta))
        text = "0" if delta == 0 else text
    elif key == "macs":
        text = "0" if delta == 0 else ("+" if delta > 0 else "-") + human_count(abs(delta))
    else:
        text = signed(delta)
    percent = signed_percent(quantity.percent, quantity.a)
    return f"{text} ({percent})" if delta != 0 and percent else text


def headline(report: DiffReport) -> str:
    """``+98,500 params (+31.1%), MACs +98.40 K``: the change in one line."""
    params, macs = report.totals.params, report.totals.macs
    parts = []
    if params.delta:
        percent = signed_percent(params.percent, params.a)
        parts.append(f"{signed(params.delta)} params" + (f" ({percent})" if percent else ""))
    if macs.delta:
        parts.append(f"MACs {quantity_change('macs', macs).split(' (')[0]}")
    changed = report.changed_rows
    if not parts:
        if not changed:
            return "no changes"
        parts.append("params unchanged")
    counts = [f"{report.count(s)} {s}" for s in ("changed", "added", "removed") if report.count(s)]
    if counts:
        parts.append("layers: " + ", ".join(counts))
    return ", ".join(parts)


def model_label(side: ModelSide) -> str:
    """``"sequential" (mnist_mlp.keras)``: the model's name and file, escaped for a terminal."""
    import os

    label = f'"{terminal(side.name)}"'
    if side.source:
        label += f" ({terminal(os.path.basename(side.source))})"
    return label


def shapes(side: LayerSide | None) -> str:
    if side is None:
        return ""
    if not side.output_shapes:
        return "?"
    return ", ".join(shape_text(shape) for shape in side.output_shapes)


def _identity(text: str) -> str:
    return text


def _pair(a: str | None, b: str | None, escape: Callable[[str], str], arrow: str) -> str:
    """``a -> b`` when both sides exist and differ, else the one that exists; each side
    escaped on its own (a name may itself hold ``->``)."""
    if a is not None and b is not None and a != b:
        return f"{escape(a)}{arrow}{escape(b)}"
    value = b if b is not None else a
    return escape(value) if value is not None else ""


def row_name(row: LayerDiff, escape: Callable[[str], str] = _identity, arrow: str = " -> ") -> str:
    """The row's name; ``old -> new`` when a position match renamed it."""
    return _pair(row.a.name if row.a else None, row.b.name if row.b else None, escape, arrow)


def row_class(row: LayerDiff, escape: Callable[[str], str] = _identity, arrow: str = " -> ") -> str:
    a, b = row.a, row.b
    return _pair(a.class_name if a else None, b.class_name if b else None, escape, arrow)


def row_shape(row: LayerDiff, arrow: str = " -> ") -> str:
    a_text = shapes(row.a) if row.a is not None else None
    b_text = shapes(row.b) if row.b is not None else None
    return _pair(a_text, b_text, _identity, arrow)


def count_or_blank(side: LayerSide | None, key: str) -> str:
    return "" if side is None else thousands(int(getattr(side, key)))


# -- the text table ------------------------------------------------------------------------


def render_diff_text(report: DiffReport, color: bool = False, show_unchanged: bool = False) -> str:
    """The diff as a terminal table: totals, then the changed rows (all rows with
    ``show_unchanged``). Names are escaped by :func:`terminal`; colour is ANSI, only when
    ``color`` (the CLI passes it only for a terminal)."""
    lines = [
        f"Diff: {model_label(report.a)} -> {model_label(report.b)}",
        headline(report),
        "",
    ]
    total_rows = [
        [
            TOTAL_LABELS[key],
            quantity_value(key, q.a),
            quantity_value(key, q.b),
            quantity_change(key, q),
        ]
        for key, q in report.totals.items()
    ]
    lines += aligned_table(["", "A", "B", "Change"], total_rows, right={1, 2, 3})
    counts = " · ".join(f"{report.count(s)} {s}" for s in STATUS_ORDER)
    lines += ["", f"Layers: {counts}"]
    shown = report.layers if show_unchanged else report.changed_rows
    if shown:
        body = []
        statuses = []
        for row in shown:
            body.append(
                [
                    MARKERS[row.status],
                    row_name(row, terminal),
                    row_class(row, terminal),
                    row_shape(row),
                    count_or_blank(row.a, "params"),
                    count_or_blank(row.b, "params"),
                    signed(row.delta.params),
                    signed(row.delta.macs),
                ]
            )
            statuses.append(row.status)
        table = aligned_table(
            ["", "Layer", "Type", "Output shape", "Params A", "Params B", "Δ params", "Δ MACs"],
            body,
            right={4, 5, 6, 7},
        )
        lines.append("")
        lines += table[:2]
        for status, text in zip(statuses, table[2:], strict=True):
            if color and status in _COLORS:
                text = f"{_COLORS[status]}{text}{_RESET}"
            lines.append(text)
    unchanged = report.count("unchanged")
    if unchanged and not show_unchanged:
        lines += [
            "",
            f"{unchanged} unchanged layer{'s' if unchanged != 1 else ''} not shown "
            "(--all shows them).",
        ]
    return "\n".join(lines) + "\n"


STATUS_ORDER = ("changed", "added", "removed", "unchanged")
