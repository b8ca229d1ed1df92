"""The layer table's columns, each named once for every format that shows the table.

A :class:`Column` says what a column is called, how its cell is got from a row, how it is
aligned, which formats show it, and how it behaves when room runs out (dropped from a
narrow terminal, folded into a row's details in a narrow HTML container). The terminal
(:mod:`layerscope.render.text`), Markdown (:mod:`layerscope.render.markdown`) and HTML
(``templates/_layers.html`` via :mod:`layerscope.render.html`) tables all walk
:data:`COLUMNS`, so a new column is one entry here.

Cells here are plain values and plain text; each format escapes user-named text (layer
names, class names) in its own one place (:mod:`layerscope.render.escape`, Jinja's
autoescaping) and adds its own decoration (nesting indents, badges, bars).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from layerscope.render.format import other_params, output_shape_text, percent, thousands
from layerscope.report import LayerReport, ModelReport


class Format(Enum):
    """The formats that draw the layer table."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


ALL_FORMATS = frozenset(Format)

CellValue = int | float | str


@dataclass(frozen=True)
class Column:
    """One column of the layer table."""

    key: str
    """Its name in code: the HTML sort key and CSS class (``ls-col-<key>``)."""
    header: str
    """The header Markdown and HTML print."""
    value: Callable[[LayerReport], CellValue]
    """The cell's value (HTML sorts by it and prints numbers from it)."""
    text: Callable[[LayerReport], str]
    """The cell as plain text (not yet escaped)."""
    numeric: bool = False
    """Right-aligned and sorted as a number; a numeric cell holds no user text."""
    formats: frozenset[Format] = ALL_FORMATS
    """The formats that show the column."""
    terminal_header: str | None = None
    """The terminal's header, when not :attr:`header`."""
    terminal_text: Callable[[LayerReport], str] | None = None
    """The terminal's cell, when not :attr:`text`."""
    drop_rank: int | None = None
    """Terminal: columns are left out lowest rank first when the table is too wide (the
    numeric ones before any name is shortened; a text column only when even shortened
    names and cells cannot fit); ``None``: always shown."""
    min_width: int | None = None
    """Terminal: the fewest cells a shortened text cell keeps (``…`` marks the cut)."""
    fold: int | None = None
    """HTML: below this container width (px) the column folds into each row's details
    (``report.css`` holds the matching container queries); ``None``: always shown."""
    only_if_any: bool = False
    """Shown only when some row has a non-zero value (MACs, which a captured model lacks)."""
    total: Callable[[ModelReport], int] | None = None
    """HTML: the footer's total for the column (``None``: the footer cell stays empty)."""

    def shows_in(self, fmt: Format) -> bool:
        return fmt in self.formats

    @property
    def align(self) -> str:
        """``left`` or ``right``."""
        return "right" if self.numeric else "left"

    def terminal_title(self) -> str:
        return self.header if self.terminal_header is None else self.terminal_header

    def terminal_cell(self, row: LayerReport) -> str:
        return (self.text if self.terminal_text is None else self.terminal_text)(row)

    @property
    def html_class(self) -> str:
        """The body cell's CSS classes: ``ls-num`` or ``ls-<key>``, and ``ls-col-<key>``
        for a column that folds."""
        base = "ls-num" if self.numeric else f"ls-{self.key}"
        return f"{base} ls-col-{self.key}" if self.fold else base

    @property
    def html_total_class(self) -> str:
        """The footer cell's CSS classes: ``ls-num`` and ``ls-col-<key>`` as they apply."""
        parts = (["ls-num"] if self.numeric else []) + ([f"ls-col-{self.key}"] if self.fold else [])
        return " ".join(parts)


def _trainable_terminal(row: LayerReport) -> str:
    return "0 (frozen)" if row.is_frozen else thousands(row.trainable)


def _other_total(report: ModelReport) -> int:
    roles = report.totals.by_role
    return roles.norm + roles.stats + roles.other


def _number(get: Callable[[LayerReport], int]) -> Callable[[LayerReport], str]:
    return lambda row: thousands(get(row))


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "Layer",
        value=lambda row: row.name,
        text=lambda row: row.name,
        terminal_header="Layer (type)",
        min_width=12,
    ),
    Column(
        "type",
        "Type",
        value=lambda row: row.class_name,
        text=lambda row: row.class_name,
        formats=frozenset({Format.MARKDOWN, Format.HTML}),  # the terminal's label holds it
        fold=1000,
    ),
    Column(
        "shape",
        "Output shape",
        value=output_shape_text,
        text=output_shape_text,
        drop_rank=4,
        min_width=11,
        fold=820,
    ),
    Column(
        "params",
        "Params",
        value=lambda row: row.params,
        text=_number(lambda row: row.params),
        numeric=True,
        total=lambda report: report.totals.params,
    ),
    Column(
        "weights",
        "Weights",
        value=lambda row: row.by_role.weight,
        text=_number(lambda row: row.by_role.weight),
        numeric=True,
        drop_rank=2,
        fold=1000,
        total=lambda report: report.totals.by_role.weight,
    ),
    Column(
        "biases",
        "Biases",
        value=lambda row: row.by_role.bias,
        text=_number(lambda row: row.by_role.bias),
        numeric=True,
        drop_rank=1,
        fold=1000,
        total=lambda report: report.totals.by_role.bias,
    ),
    Column(
        "other",
        "Other",
        value=other_params,
        text=_number(other_params),
        numeric=True,
        drop_rank=0,
        fold=1000,
        total=lambda report: _other_total(report),
    ),
    Column(
        "trainable",
        "Trainable",
        value=lambda row: row.trainable,
        text=_number(lambda row: row.trainable),
        terminal_text=_trainable_terminal,
        numeric=True,
        drop_rank=3,
        fold=820,
        total=lambda report: report.totals.trainable,
    ),
    Column(
        "macs",
        "MACs",
        value=lambda row: int(row.macs or 0),
        text=_number(lambda row: int(row.macs or 0)),
        numeric=True,
        formats=frozenset({Format.HTML}),
        fold=820,
        only_if_any=True,
        total=lambda report: report.cost.macs or 0,
    ),
    Column(
        "share",
        "Share",
        value=lambda row: row.share,
        text=lambda row: percent(row.share),
        numeric=True,
    ),
)
"""Every column, in the order the tables show them."""


def columns_for(
    fmt: Format, rows: tuple[LayerReport, ...] | list[LayerReport] = ()
) -> tuple[Column, ...]:
    """The columns ``fmt`` shows for ``rows``, in order (an :attr:`Column.only_if_any`
    column only when some row has a non-zero value)."""
    return tuple(
        column
        for column in COLUMNS
        if column.shows_in(fmt)
        and (not column.only_if_any or any(column.value(row) for row in rows))
    )


def column(key: str) -> Column:
    """The column named ``key``."""
    for candidate in COLUMNS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)
