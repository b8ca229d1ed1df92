"""The terminal table: ``model.summary()``'s columns and more, then totals and insights.

Rows never format themselves: every cell is built here from the report's data. Cells are
passed to rich as ``Text`` objects (never as markup strings), and user-named text goes
through :func:`layerscope.render.escape.terminal`, so ``[bold]`` or an ANSI escape in a layer
name prints literally.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from layerscope.render.escape import terminal
from layerscope.render.format import (
    human_bytes,
    other_params,
    output_shape_text,
    percent,
    thousands,
)
from layerscope.render.sections import summary_sections
from layerscope.report import LayerReport, ModelReport

DEFAULT_WIDTH = 120


def layer_label(row: LayerReport) -> str:
    indent = "  " * row.depth + ("└ " if row.depth else "")
    return f"{indent}{terminal(row.name)} ({terminal(row.class_name)})"


def build_table(report: ModelReport) -> Table:
    table = Table(
        title=Text(f'Model: "{terminal(report.name)}" ({terminal(report.class_name)})'),
        box=box.SIMPLE_HEAD,
        show_lines=False,
        title_justify="left",
    )
    table.add_column("Layer (type)", overflow="fold", ratio=3)
    table.add_column("Output shape", overflow="fold", ratio=2)
    for header in ("Params", "Weights", "Biases", "Other", "Trainable"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("Share", justify="right", no_wrap=True)
    for row in report.layers:
        trainable = thousands(row.trainable)
        if row.params and row.trainable == 0:
            trainable = "0 (frozen)"
        table.add_row(
            Text(layer_label(row)),
            Text(output_shape_text(row)),
            Text(thousands(row.params)),
            Text(thousands(row.by_role.weight)),
            Text(thousands(row.by_role.bias)),
            Text(thousands(other_params(row))),
            Text(trainable),
            Text(percent(row.share)),
        )
    return table


def totals_lines(report: ModelReport) -> list[str]:
    totals = report.totals
    assert totals is not None
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
        parts = " · ".join(f"{dtype} {human_bytes(n)}" for dtype, n in totals.bytes_by_dtype.items())
        lines.append(f"Memory by dtype:      {parts}")
    return lines


def render_text(report: ModelReport, width: int | None = None, color: bool = False) -> str:
    """The whole summary as a string (fixed width, no colour unless asked)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or DEFAULT_WIDTH,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    console.print(build_table(report))
    for line in totals_lines(report):
        console.print(Text(line))
    for title, lines in summary_sections(report):
        console.print()
        console.print(Text(title))
        for line in lines:
            # Escaped here like every other cell; wrapped lines keep the 2-space indent.
            console.print(Padding(Text(terminal(line)), (0, 0, 0, 2)))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
