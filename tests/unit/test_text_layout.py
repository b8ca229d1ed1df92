"""The terminal table fits its width: columns dropped before names are shortened, a visible
ellipsis instead of a wrapped word, ``0`` for no limit (issue 16)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from layerscope.analysis import run_analyses
from layerscope.render.text import cells, cut
from layerscope.report import ModelReport

from .handmade import chain, dense

WORD = re.compile(r"[A-Za-z0-9_]+")


def assert_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert cells(line) <= width, (width, line)


@pytest.mark.parametrize("width", [80, 100])
def test_seed_golden_at_width(seed_static: ModelReport, golden, width: int) -> None:  # type: ignore[no-untyped-def]
    text = seed_static.to_text(width=width)
    assert_fits(text, width)
    golden(f"mnist_mlp.{width}.txt", text)


def test_seed_at_80_drops_only_other(seed_static: ModelReport) -> None:
    lines = seed_static.to_text(width=80).splitlines()
    assert lines[2].split() == [
        "Layer",
        "(type)",
        "Output",
        "shape",
        "Params",
        "Weights",
        "Biases",
        "Trainable",
        "Share",
    ]
    assert " Hidden1 (Dense)    (None, 300)   235,500  235,200     300    235,500  74.3%" in lines
    assert " Columns left out to fit 80: Other (--width 0 shows all)" in lines


def test_seed_at_100_keeps_every_column(seed_static: ModelReport) -> None:
    text = seed_static.to_text(width=100)
    assert "Columns left out" not in text
    assert (
        " Hidden1 (Dense)    (None, 300)   235,500  235,200     300      0    235,500  74.3%"
        in (text.splitlines())
    )


def test_default_is_80_and_zero_is_unlimited(seed_static: ModelReport) -> None:
    assert seed_static.to_text() == seed_static.to_text(width=80)
    wide = seed_static.to_text(width=0)
    assert "Columns left out" not in wide
    assert max(cells(line) for line in wide.splitlines()) > 200  # prose is not wrapped
    assert (
        "  Per sample by layer: 'Hidden1' 4.28 (74.3%) · 'Hidden2' 1.09 (19.0%) · "
        "'Hidden3' 0.365 (6.3%)" in wide
    )


def test_section_lines_wrap_at_spaces_under_the_value(seed_static: ModelReport) -> None:
    lines = seed_static.to_text(width=80).splitlines()
    index = lines.index("  Per sample by layer: 'Hidden1' 4.28 (74.3%) · 'Hidden2' 1.09 (19.0%) ·")
    assert lines[index + 1] == " " * 23 + "'Hidden3' 0.365 (6.3%)"


def test_columns_drop_in_order_then_shape(seed_static: ModelReport) -> None:
    def headers(width: int) -> str:
        return " ".join(seed_static.to_text(width=width).splitlines()[2].split())

    assert headers(100) == "Layer (type) Output shape Params Weights Biases Other Trainable Share"
    assert headers(80) == "Layer (type) Output shape Params Weights Biases Trainable Share"
    assert headers(70) == "Layer (type) Output shape Params Weights Trainable Share"
    assert headers(62) == "Layer (type) Output shape Params Trainable Share"
    assert headers(54) == "Layer (type) Output shape Params Share"
    assert headers(40) == "Layer (type) Params Share"
    for width in (40, 54, 62, 70):
        assert_fits(seed_static.to_text(width=width), width)


def long_named() -> ModelReport:
    rows = [
        dense("an_extraordinarily_long_layer_name_for_the_input_projection", 784, 300),
        dense(
            "short",
            300,
            10,
            activation="softmax",
            previous="an_extraordinarily_long_layer_name_for_the_input_projection",
        ),
    ]
    return run_analyses(chain(rows, name="m" * 120), training_samples=1000)


@pytest.mark.parametrize("width", [40, 60, 80, 100])
def test_long_names_are_shortened_with_an_ellipsis_never_wrapped(width: int) -> None:
    report = long_named()
    text = report.to_text(width=width)
    assert_fits(text, width)
    table = text.split("\n\n")[1].splitlines()
    rows = [line for line in table if "(Dense)" in line]
    assert len(rows) == 2  # one line per layer: nothing folded onto a second line
    if width <= 80:
        assert "…" in rows[0] and rows[0].split("…")[0].strip().startswith("an_extraordin")
    else:  # columns went first: at 100 the whole name fits once Weights etc. are gone
        assert " an_extraordinarily_long_layer_name_for_the_input_projection (Dense)" in rows[0]
        assert "Columns left out to fit 100: Other, Biases, Weights" in text
    assert " short (Dense)" in rows[1]
    # every word on every line is a whole word of the unshortened output, or ends in "…"
    whole = set(WORD.findall(report.to_text(width=0)))
    whole |= set(
        WORD.findall(f"Columns left out to fit {width}: Output shape (--width 0 shows all)")
    )
    for line in text.splitlines():
        for word in WORD.findall(line.replace("…", "")):
            if word not in whole:
                assert re.search(re.escape(word) + "…", line), (word, line)


def test_names_fit_without_dropping_anything_at_width_zero() -> None:
    text = long_named().to_text(width=0)
    assert " an_extraordinarily_long_layer_name_for_the_input_projection (Dense)" in text
    assert "…" not in text


def test_wide_characters_take_two_cells() -> None:
    assert cells("层") == 2 and cells("e\u0301") == 1 and cells("abc") == 3
    assert cut("层层层层", 5) == "层层…" and cells(cut("层层层层", 5)) == 5
    assert cut("abcdef", 6) == "abcdef" and cut("abcdef", 5) == "abcd…"
    report = run_analyses(chain([dense("层" * 40, 4, 2)]))
    assert_fits(report.to_text(width=60), 60)


def test_nested_rows_keep_their_indent_when_shortened(seed_static: ModelReport) -> None:
    inner = dataclasses.replace(
        seed_static.layers[1], name="x" * 90, path="outer/inner", depth=1, parent="outer"
    )
    report = dataclasses.replace(seed_static, layers=(*seed_static.layers, inner))
    line = next(line for line in report.to_text(width=80).splitlines() if "xxxx" in line)
    assert line.startswith("   └ xxx") and "… (Dense)" in line and cells(line) <= 80
