"""One column definition: the terminal, Markdown and HTML tables all draw render/columns.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layerscope.analysis import run_analyses
from layerscope.render import text as text_render
from layerscope.render.columns import COLUMNS, Format, column, columns_for
from layerscope.render.html import render_html
from layerscope.render.markdown import render_markdown
from layerscope.render.text import render_text
from layerscope.report import ModelReport

from .handmade import chain, dense

CSS = Path(text_render.__file__).resolve().parent.parent / "templates" / "report.css"


@pytest.fixture(scope="module")
def report() -> ModelReport:
    rows = [dense("frozen", 4, 3, trainable=False), dense("head", 3, 2, previous="frozen")]
    return run_analyses(chain(rows, name="two_dense"))


def test_keys_are_unique_and_known() -> None:
    keys = [c.key for c in COLUMNS]
    assert len(set(keys)) == len(keys)
    assert column("params").header == "Params"
    with pytest.raises(KeyError):
        column("nope")


def test_terminal_layout_constants_come_from_the_columns() -> None:
    assert text_render.NUMERIC_HEADERS == (
        "Params",
        "Weights",
        "Biases",
        "Other",
        "Trainable",
        "Share",
    )
    assert text_render.DROP_ORDER == ("Other", "Biases", "Weights", "Trainable", "Output shape")
    assert (text_render.MIN_LABEL, text_render.MIN_SHAPE) == (12, 11)


def test_each_format_shows_its_columns_in_one_order(report: ModelReport) -> None:
    markdown = render_markdown(report).splitlines()
    headers = [c.header for c in columns_for(Format.MARKDOWN)]
    assert headers == [
        "Layer",
        "Type",
        "Output shape",
        "Params",
        "Weights",
        "Biases",
        "Other",
        "Trainable",
        "Share",
    ]
    assert markdown[2] == "| " + " | ".join(headers) + " |"
    assert markdown[3] == "| :-- | :-- | :-- | --: | --: | --: | --: | --: | --: |"

    table_head = render_text(report, width=0).splitlines()[2].split()
    assert table_head == ["Layer", "(type)", "Output", "shape", *text_render.NUMERIC_HEADERS]

    html = render_html(report, sections="layers")
    sort_keys = re.findall(r'data-sort-key="(\w+)"', html)
    # The hand-built Dense layers have MACs, so the HTML-only MACs column shows.
    assert sort_keys == [c.key for c in columns_for(Format.HTML, report.layers)]
    assert sort_keys[-2:] == ["macs", "share"]


def test_format_specific_cells_of_one_value(report: ModelReport) -> None:
    """Trainable of a frozen layer: the terminal says so in the cell, Markdown prints the
    number, HTML adds a badge; all from the one column."""
    text = render_text(report, width=0)
    frozen_line = next(line for line in text.splitlines() if line.startswith(" frozen (Dense)"))
    assert frozen_line.split() == [
        "frozen",
        "(Dense)",
        "(None,",
        "3)",
        "15",
        "12",
        "3",
        "0",
        "0",
        "(frozen)",
        "65.2%",
    ]
    markdown = render_markdown(report)
    assert "| frozen | Dense | (None, 3) | 15 | 12 | 3 | 0 | 0 | 65.2% |" in markdown
    html = render_html(report, sections="layers")
    assert (
        '<td class="ls-num ls-col-trainable" data-value="0">0 '
        '<span class="ls-badge ls-badge-frozen">frozen</span></td>' in html
    )
    assert '<div class="ls-d-trainable"><dt>Trainable</dt><dd>0 (frozen)</dd></div>' in html
    # The footer totals come from each column's total.
    assert '<td class="ls-num ls-col-weights">18</td>' in html
    assert '<td class="ls-num ls-col-biases">5</td>' in html


def _folded(css: str, width: int) -> tuple[set[str], set[str]]:
    block = re.search(
        rf"@container ls-layers \(max-width: {width - 1}px\) \{{(.*?)\n\}}", css, re.S
    )
    assert block, f"no container query for {width}px in report.css"
    hidden = set(re.findall(r"\.ls-col-(\w+)", block.group(1)))
    details = set(re.findall(r"div\.ls-d-(\w+)", block.group(1)))
    return hidden, details


def test_report_css_folds_the_columns_the_definitions_fold() -> None:
    """report.css cannot read the definitions, so this keeps its container queries in step:
    each HTML column with a fold width is hidden below it and shown in the row's details."""
    css = CSS.read_text(encoding="utf-8")
    html_columns = columns_for(Format.HTML, ())
    widths = {c.fold for c in COLUMNS if c.fold}
    assert widths == {1000, 820}
    for width in widths:
        keys = {c.key for c in COLUMNS if c.fold == width}
        assert _folded(css, width) == (keys, keys)
    assert all(c.fold is None or c.key != "name" for c in html_columns)
