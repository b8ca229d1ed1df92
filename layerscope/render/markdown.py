"""A Markdown table for READMEs and docs (GitHub-flavoured), with totals and insights."""

from __future__ import annotations

from layerscope.render.columns import Column, Format, columns_for
from layerscope.render.escape import markdown_cell, markdown_code
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

_COLUMNS = columns_for(Format.MARKDOWN)
_ALIGN = {"left": ":--", "right": "--:"}


def _quantized(row: LayerReport) -> str:
    mode = quantization_mode(row.dtype_policy)
    return f" [{markdown_cell(mode)}]" if mode else ""


def _cell(column: Column, row: LayerReport) -> str:
    """One cell: numbers as they are, names escaped, the name indented by nesting depth and
    the type marked when ``model.quantize`` changed the layer."""
    text = column.text(row)
    if column.numeric:
        return text
    text = markdown_cell(text)
    if column.key == "name":
        return "&nbsp;&nbsp;" * row.depth + ("└ " if row.depth else "") + text
    if column.key == "type":
        return text + _quantized(row)
    return text


def render_markdown(report: ModelReport, depth: int | None = None) -> str:
    totals = report.totals
    lines = [
        f"### Model {markdown_code(report.name)} ({markdown_cell(report.class_name)})",
        "",
        "| " + " | ".join(column.header for column in _COLUMNS) + " |",
        "| " + " | ".join(_ALIGN[column.align] for column in _COLUMNS) + " |",
    ]
    rows = table_rows(report, depth)
    for row in rows:
        cells = [_cell(column, row) for column in _COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [f"Shared: {note}" for row in rows if (note := shared_note(row))]
    hidden = depth_note(report, depth)
    if hidden:
        notes.append(hidden)
    if notes:
        lines.append("")
        lines += [f"- {markdown_cell(note)}" for note in notes]
    roles = totals.by_role
    lines += [
        "",
        f"**Total params:** {thousands(totals.params)} ({human_bytes(totals.bytes)}) · "
        f"**trainable:** {thousands(totals.trainable)} · "
        f"**non-trainable:** {thousands(totals.non_trainable)}",
        "",
        f"**By role:** weights {thousands(roles.weight)} · biases {thousands(roles.bias)} · "
        f"norm {thousands(roles.norm)} · stats {thousands(roles.stats)} · "
        f"other {thousands(roles.other)}",
    ]
    for title, section in summary_sections(report):
        lines += ["", f"#### {title}", ""]
        lines += [f"- {markdown_cell(line)}" for line in section]
    return "\n".join(lines) + "\n"
