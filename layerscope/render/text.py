"""The terminal table: ``model.summary()``'s columns and more, then totals and insights.

Rows never format themselves: every cell is built here from the report's data, and all
user-named text goes through :func:`layerscope.render.escape.terminal` (control characters
and ANSI escapes made visible), so a hostile name prints literally.

The table is laid out here rather than with rich's ``Table``: a 429-layer model rendered
through rich took longer than ``model.summary()`` itself (rich measures and wraps every
cell as a nested renderable), while the fixed layout below is a few milliseconds and
byte-for-byte deterministic.

Fitting a width (80 by default, the terminal's in the CLI, ``0`` for no limit): first the
low-value columns go (Other, Biases, Weights, Trainable, then Output shape; a line under
the table names them), then long shapes and names are shortened with a visible ``…``.
Nothing is ever wrapped mid-word, and widths are measured in terminal cells (a CJK
character takes two).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence

from layerscope.render.columns import Format, columns_for
from layerscope.render.escape import terminal
from layerscope.render.format import (
    depth_note,
    human_bytes,
    shared_note,
    table_rows,
    thousands,
)
from layerscope.render.sections import summary_sections
from layerscope.report import LayerReport, ModelReport
from layerscope.weights.precision import quantization_mode

DEFAULT_WIDTH = 80
MIN_WIDTH = 40
GAP = "  "
ELLIPSIS = "…"
# The columns come from layerscope.render.columns: the label (the name column, holding the
# class too), one text column shortened with "…" (the output shape), then the numbers.
_COLUMNS = columns_for(Format.TEXT)
_LABEL_COLUMN = _COLUMNS[0]
(_SHAPE_COLUMN,) = (column for column in _COLUMNS[1:] if not column.numeric)
_NUMERIC = tuple(column for column in _COLUMNS if column.numeric)
NUMERIC_HEADERS = tuple(column.terminal_title() for column in _NUMERIC)
# Dropped first to last when the table is too wide; Layer, Params and Share always stay.
DROP_ORDER = tuple(
    column.terminal_title()
    for column in sorted(_COLUMNS, key=lambda column: column.drop_rank or 0)
    if column.drop_rank is not None
)
MIN_LABEL = _LABEL_COLUMN.min_width or 0
MIN_SHAPE = _SHAPE_COLUMN.min_width or 0
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
_LABELLED = re.compile(r"^[^:]{1,21}: +(?=\S)")


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: wide (CJK) characters two, combining marks none."""
    if text.isascii():
        return len(text)
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return total


def cut(text: str, width: int) -> str:
    """``text`` shortened to at most ``width`` cells, ending in ``…`` when shortened."""
    if cells(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cells(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS


def _ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - cells(text)) + text


def aligned_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]
) -> list[str]:
    """A plain table's lines (header, rule, rows), columns padded in terminal cells (a CJK
    name takes two per character), the ``right`` columns right-aligned. Cells are already
    escaped by the caller."""
    widths = [cells(h) for h in headers]
    for row in rows:
        widths = [max(w, cells(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        parts = [
            _rjust(v, w) if i in right else _ljust(v, w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return " " + "  ".join(parts).rstrip()

    return [line(headers), " " + "─" * (sum(widths) + 2 * (len(widths) - 1))] + [
        line(row) for row in rows
    ]


def layer_label(row: LayerReport, width: int | None = None) -> str:
    """``name (Class)``, indented by nesting depth; within ``width`` cells the name is
    shortened first (to keep the class visible), then the whole label."""
    indent = "  " * row.depth + ("└ " if row.depth else "")
    mode = quantization_mode(row.dtype_policy)
    quantized = f" [{terminal(mode)}]" if mode else ""
    name, suffix = terminal(row.name), f" ({terminal(row.class_name)}){quantized}"
    label = f"{indent}{name}{suffix}"
    if width is None or cells(label) <= width:
        return label
    room = width - cells(indent) - cells(suffix)
    if room >= 5:
        return f"{indent}{cut(name, room)}{suffix}"
    return cut(label, width)


def _numeric_cells(row: LayerReport) -> list[str]:
    return [column.terminal_cell(row) for column in _NUMERIC]


def _line_width(label: int, shape: int | None, numeric: Sequence[int]) -> int:
    """Cells one table line takes (a leading space, then columns joined by the gap)."""
    widths = [label, *([] if shape is None else [shape]), *numeric]
    return 1 + sum(widths) + len(GAP) * (len(widths) - 1)


def table_lines(
    report: ModelReport, width: int, rows: Sequence[LayerReport] | None = None
) -> list[str]:
    """The per-layer table of ``rows`` (default: every row) within ``width`` cells (``0``:
    no limit), its header first."""
    rows = report.layers if rows is None else rows
    shapes = [_SHAPE_COLUMN.terminal_cell(row) for row in rows]
    numbers = [_numeric_cells(row) for row in rows]
    label_title, shape_title = _LABEL_COLUMN.terminal_title(), _SHAPE_COLUMN.terminal_title()
    label_need = max([cells(label_title)] + [cells(layer_label(row)) for row in rows])
    shape_need = max([cells(shape_title)] + [cells(shape) for shape in shapes])
    numeric = {
        header: max([len(header)] + [len(row[index]) for row in numbers])
        for index, header in enumerate(NUMERIC_HEADERS)
    }
    columns = list(NUMERIC_HEADERS)
    show_shape = True
    dropped: list[str] = []

    def natural() -> int:
        shape = shape_need if show_shape else None
        return _line_width(label_need, shape, [numeric[c] for c in columns])

    def shortest() -> int:
        shape = min(shape_need, MIN_SHAPE) if show_shape else None
        return _line_width(min(label_need, MIN_LABEL), shape, [numeric[c] for c in columns])

    if width:
        # Numeric columns go before any name is shortened; the shape column only when even
        # shortened names and shapes cannot fit.
        for name in DROP_ORDER[:-1]:
            if natural() <= width:
                break
            dropped.append(name)
            columns.remove(name)
        if shortest() > width:
            dropped.append(DROP_ORDER[-1])
            show_shape = False

    fixed = _line_width(0, 0 if show_shape else None, [numeric[c] for c in columns])
    label_width, shape_width = label_need, shape_need if show_shape else 0
    if width and fixed + label_width + shape_width > width:
        room = max(MIN_LABEL + (MIN_SHAPE if show_shape else 0), width - fixed)
        if show_shape:
            shape_width = min(shape_need, max(MIN_SHAPE, room - label_need, room // 3))
        label_width = max(MIN_LABEL, room - shape_width)
        if show_shape and label_need < label_width:
            shape_width = min(shape_need, room - label_need)
            label_width = label_need
    indexes = [NUMERIC_HEADERS.index(c) for c in columns]

    def line(label: str, shape: str, row_cells: Sequence[str]) -> str:
        parts = [_ljust(label, label_width)]
        if show_shape:
            parts.append(_ljust(cut(shape, shape_width), shape_width))
        parts += [row_cells[i].rjust(numeric[NUMERIC_HEADERS[i]]) for i in indexes]
        return (" " + GAP.join(parts)).rstrip()

    header = line(label_title, shape_title, NUMERIC_HEADERS)
    lines = [header, " " + "─" * (cells(header) - 1)]
    for row, shape, row_cells in zip(rows, shapes, numbers, strict=True):
        lines.append(line(layer_label(row, label_width), shape, row_cells))
    if dropped:
        note = f"Columns left out to fit {width}: {', '.join(dropped)} (--width 0 shows all)"
        lines += _wrap(note, width, indent=1)
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


def _wrap(
    text: str, width: int, indent: int = 2, label: int = 21, hang: int | None = None
) -> list[str]:
    """One line wrapped at spaces only (never mid-word), continuation lines aligned under
    the value of a ``Label:   value`` line whose value starts at column ``label`` (the
    sections' and the totals' alignment; prose never hangs); a word longer than the line is
    shortened with ``…``. ``width`` 0 means no limit."""
    if not width:
        return [" " * indent + text]
    if hang is None:
        match = _LABELLED.match(text)
        hang = indent + label if match and len(match.group(0)) == label else indent
    if hang > width // 2:
        hang = indent
    lines = textwrap.wrap(
        text,
        width=width,
        initial_indent=" " * indent,
        subsequent_indent=" " * hang,
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
        replace_whitespace=False,
    ) or [""]
    return [cut(line, width) for line in lines]


def render_text(
    report: ModelReport, width: int | None = None, color: bool = False, depth: int | None = None
) -> str:
    """The whole summary as a string, no line wider than ``width`` terminal cells (80 by
    default; ``0`` for no limit, widths below 40 count as 40). No colour unless asked
    (``color=True`` only bolds the headings); table rows down to ``depth`` (see
    :func:`layerscope.render.format.table_depth`)."""
    width = DEFAULT_WIDTH if width is None else (0 if width == 0 else max(MIN_WIDTH, width))
    rows = table_rows(report, depth)

    def heading(text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if color else text

    title = f'Model: "{terminal(report.name)}" ({terminal(report.class_name)})'
    out = [heading(cut(title, width) if width else title), ""]
    table = table_lines(report, width, rows)
    out.append(heading(table[0]) if color else table[0])
    out += table[1:]
    out.append("")
    notes = [f"Shared: {note}" for row in rows if (note := shared_note(row))]
    hidden = depth_note(report, depth)
    if hidden:
        notes.append(hidden)
    for note in notes:
        out += _wrap(terminal(note), width, indent=0, hang=2)
    if notes:
        out.append("")
    for line in totals_lines(report):
        out += _wrap(line, width, indent=0, label=22)
    for section, lines in summary_sections(report):
        out += ["", heading(section)]
        for text in lines:
            out += _wrap(terminal(text), width)
    return "\n".join(line.rstrip() for line in out) + "\n"
