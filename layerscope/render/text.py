"""The terminal table: ``model.summary()``'s columns and more, then totals and insights.

Rows never format themselves: every cell is built here from the report's data, and all
user-named text goes through :func:`layerscope.render.escape.terminal` (control characters
and ANSI escapes made visible), so a hostile name prints literally.

The table is laid out here rather than with rich's ``Table``: a 429-layer model rendered
through rich took longer than ``model.summary()`` itself (rich measures and wraps every
cell as a nested renderable), while the fixed layout below is a few milliseconds and
byte-for-byte deterministic. Long names and shapes fold onto continuation lines.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from layerscope.render.escape import terminal
from layerscope.render.format import (
    depth_note,
    human_bytes,
    other_params,
    output_shape_text,
    percent,
    shared_note,
    table_rows,
    thousands,
)
from layerscope.render.sections import summary_sections
from layerscope.report import LayerReport, ModelReport
from layerscope.weights.precision import quantization_mode

DEFAULT_WIDTH = 120
GAP = "  "
NUMERIC_HEADERS = ("Params", "Weights", "Biases", "Other", "Trainable", "Share")
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


def layer_label(row: LayerReport) -> str:
    indent = "  " * row.depth + ("└ " if row.depth else "")
    mode = quantization_mode(row.dtype_policy)
    quantized = f" [{terminal(mode)}]" if mode else ""
    return f"{indent}{terminal(row.name)} ({terminal(row.class_name)}){quantized}"


def _numeric_cells(row: LayerReport) -> list[str]:
    trainable = thousands(row.trainable)
    if row.params and row.trainable == 0:
        trainable = "0 (frozen)"
    return [
        thousands(row.params),
        thousands(row.by_role.weight),
        thousands(row.by_role.bias),
        thousands(other_params(row)),
        trainable,
        percent(row.share),
    ]


def _fold(text: str, width: int, indent: int = 0) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters, continuation lines indented
    by ``indent`` spaces (never empty)."""
    if len(text) <= width:
        return [text]
    indent = min(indent, width // 2)
    pieces = [text[:width]]
    rest = text[width:]
    step = width - indent
    while rest:
        pieces.append(" " * indent + rest[:step])
        rest = rest[step:]
    return pieces


def _text_widths(labels: Sequence[str], shapes: Sequence[str], room: int) -> tuple[int, int]:
    """Widths of the layer and shape columns sharing ``room`` characters."""
    label_need = max(len("Layer (type)"), *(len(s) for s in labels)) if labels else 12
    shape_need = max(len("Output shape"), *(len(s) for s in shapes)) if shapes else 12
    if label_need + shape_need <= room:
        return label_need, shape_need
    shape_width = min(shape_need, max(12, room * 2 // 5))
    label_width = max(12, room - shape_width)
    return label_width, shape_width


def table_lines(
    report: ModelReport, width: int, rows: Sequence[LayerReport] | None = None
) -> list[str]:
    rows = report.layers if rows is None else rows
    labels = [layer_label(row) for row in rows]
    shapes = [output_shape_text(row) for row in rows]
    numbers = [_numeric_cells(row) for row in rows]
    numeric_widths = [
        max(len(header), *(len(cells[index]) for cells in numbers)) if numbers else len(header)
        for index, header in enumerate(NUMERIC_HEADERS)
    ]
    fixed = sum(numeric_widths) + len(GAP) * (len(NUMERIC_HEADERS) + 1) + 2
    label_width, shape_width = _text_widths(labels, shapes, max(24, width - fixed))

    def line(label: str, shape: str, cells: Sequence[str]) -> str:
        parts = [label.ljust(label_width), shape.ljust(shape_width)]
        parts += [cell.rjust(w) for cell, w in zip(cells, numeric_widths, strict=True)]
        return (" " + GAP.join(parts)).rstrip()

    header = line("Layer (type)", "Output shape", NUMERIC_HEADERS)
    lines = [header, " " + "─" * (len(header) - 1)]
    blank = [""] * len(NUMERIC_HEADERS)
    for row, label, shape, cells in zip(rows, labels, shapes, numbers, strict=True):
        label_parts = _fold(label, label_width, indent=2 * row.depth + 2)
        shape_parts = _fold(shape, shape_width)
        for index in range(max(len(label_parts), len(shape_parts))):
            lines.append(
                line(
                    label_parts[index] if index < len(label_parts) else "",
                    shape_parts[index] if index < len(shape_parts) else "",
                    cells if index == 0 else blank,
                )
            )
    return lines


def totals_lines(report: ModelReport) -> list[str]:
    totals = report.totals
    roles = totals.by_role
    lines = [
        f"Total params:         {thousands(totals.params)} ({human_bytes(totals.bytes)})",
        f"Trainable params:     {thousands(totals.trainable)}",
        f"Non-trainable params: {thousands(totals.non_trainable)}",
        (
            f"By role:              weights {thousands(roles.weight)} · biases "
            f"{thousands(roles.bias)} · norm {thousands(roles.norm)} · stats "
            f"{thousands(roles.stats)} · other {thousands(roles.other)}"
        ),
    ]
    if len(totals.bytes_by_dtype) > 1:
        parts = " · ".join(
            f"{dtype} {human_bytes(n)}" for dtype, n in totals.bytes_by_dtype.items()
        )
        lines.append(f"Memory by dtype:      {parts}")
    return lines


def render_text(
    report: ModelReport, width: int | None = None, color: bool = False, depth: int | None = None
) -> str:
    """The whole summary as a string: fixed width (120 by default), no colour unless asked
    (``color=True`` only bolds the headings); table rows down to ``depth`` (see
    :func:`layerscope.render.format.table_depth`)."""
    width = max(40, width or DEFAULT_WIDTH)
    rows = table_rows(report, depth)

    def heading(text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if color else text

    out = [heading(f'Model: "{terminal(report.name)}" ({terminal(report.class_name)})'), ""]
    table = table_lines(report, width, rows)
    out.append(heading(table[0]) if color else table[0])
    out += table[1:]
    out.append("")
    notes = [f"Shared: {note}" for row in rows if (note := shared_note(row))]
    hidden = depth_note(report, depth)
    if hidden:
        notes.append(hidden)
    for note in notes:
        out += textwrap.wrap(
            terminal(note),
            width=width,
            subsequent_indent="  ",
            break_long_words=True,
        )
    if notes:
        out.append("")
    out += totals_lines(report)
    for title, lines in summary_sections(report):
        out += ["", heading(title)]
        for text in lines:
            out += textwrap.wrap(
                terminal(text),
                width=width,
                initial_indent="  ",
                subsequent_indent="  ",
                break_long_words=True,
                break_on_hyphens=False,
                drop_whitespace=True,
                replace_whitespace=False,
            ) or [""]
    return "\n".join(line.rstrip() for line in out) + "\n"
