"""The diff as GitHub-flavoured Markdown, made for a pull-request comment: a one-line
headline, the totals, the changed rows, and the unchanged rows folded in ``<details>``."""

from __future__ import annotations

import os

from layerscope.diffing import DiffReport, LayerDiff, ModelSide
from layerscope.render.diff_text import (
    STATUS_ORDER,
    TOTAL_LABELS,
    count_or_blank,
    headline,
    quantity_change,
    quantity_value,
    row_class,
    row_name,
    row_shape,
    signed,
)
from layerscope.render.escape import markdown_cell, markdown_code
from layerscope.render.format import human_count, thousands


def _side(side: ModelSide) -> str:
    label = markdown_code(side.name)
    if side.source:
        label += f" ({markdown_code(os.path.basename(side.source))})"
    return label


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _layer_cells(row: LayerDiff) -> list[str]:
    return [
        row.status,
        row_name(row, markdown_cell, " → "),
        row_class(row, markdown_cell, " → "),
        row_shape(row, " → "),
        count_or_blank(row.a, "params"),
        count_or_blank(row.b, "params"),
        signed(row.delta.params),
        signed(row.delta.macs),
    ]


def render_diff_markdown(report: DiffReport) -> str:
    lines = [
        f"### layerscope diff: {_side(report.a)} → {_side(report.b)}",
        "",
        f"**{markdown_cell(headline(report))}**",
        "",
        _row(["", "A", "B", "Change"]),
        _row([":--", "--:", "--:", "--:"]),
    ]
    for key, quantity in report.totals.items():
        lines.append(
            _row(
                [
                    TOTAL_LABELS[key],
                    quantity_value(key, quantity.a),
                    quantity_value(key, quantity.b),
                    quantity_change(key, quantity),
                ]
            )
        )
    counts = " · ".join(f"{report.count(s)} {s}" for s in STATUS_ORDER)
    lines += ["", f"**Layers:** {counts}"]
    changed = report.changed_rows
    if changed:
        lines += [
            "",
            _row(
                [
                    "Status",
                    "Layer",
                    "Type",
                    "Output shape",
                    "Params A",
                    "Params B",
                    "Δ params",
                    "Δ MACs",
                ]
            ),
            _row([":--", ":--", ":--", ":--", "--:", "--:", "--:", "--:"]),
        ]
        lines += [_row(_layer_cells(row)) for row in changed]
    unchanged = [row for row in report.layers if row.status == "unchanged"]
    if unchanged:
        noun = "layer" if len(unchanged) == 1 else "layers"
        lines += [
            "",
            f"<details><summary>{len(unchanged):,} unchanged {noun}</summary>",
            "",
            _row(["Layer", "Type", "Output shape", "Params", "MACs"]),
            _row([":--", ":--", ":--", "--:", "--:"]),
        ]
        for row in unchanged:
            side = row.b
            assert side is not None
            lines.append(
                _row(
                    [
                        row_name(row, markdown_cell, " → "),
                        markdown_cell(side.class_name),
                        row_shape(row, " → "),
                        thousands(side.params),
                        human_count(side.macs) if side.macs else "0",
                    ]
                )
            )
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
