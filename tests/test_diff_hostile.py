"""Hostile layer and model names stay inert in every ``layerscope diff`` format, checked
through the real CLI and, for HTML, in Debian's chromium (as the report is).

A is the hostile model of tests/test_hostile_names.py (every name Keras accepts that could
break a format); B is the same with the first layer widened and one more hostile layer, so
the diff holds changed, added and unchanged rows. A twin pair with plain names gives the
HTML structure the hostile page must not exceed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM
from test_hostile_names import (
    CONTROL_BYTES,
    KERAS_NAMES,
    MODEL_NAME,
    assert_html_inert,
    run_cli,
)

from layerscope.render.escape import literal, visible

ADDED_NAME = "<iframe srcdoc=x onload=alert(4)> [red]add[bold] \x1b[5m|x|"


def _build(keras: Any, names: list[str], model_name: str, first: int, extra: str | None) -> Any:
    inputs = keras.Input(shape=(4,), name="in")
    tensor = inputs
    for index, name in enumerate(names):
        tensor = keras.layers.Dense(first if index == 0 else 2, name=name)(tensor)
    if extra is not None:
        tensor = keras.layers.Dense(2, name=extra)(tensor)
    return keras.Model(inputs, tensor, name=model_name)


@pytest.fixture(scope="module")
def pairs(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("diff-hostile")
    hostile = list(KERAS_NAMES.values())
    plain = [f"layer_{index}" for index in range(len(hostile))]
    out = {}
    for label, names, model_name, extra in (
        ("hostile", hostile, MODEL_NAME, ADDED_NAME),
        ("plain", plain, "plain", "added"),
    ):
        a, b = folder / f"{label}_a.keras", folder / f"{label}_b.keras"
        _build(keras, names, model_name, 2, None).save(a)
        _build(keras, names, model_name, 3, extra).save(b)
        out[label] = (a, b)
    return out


@pytest.fixture(scope="module")
def outputs(
    pairs: dict[str, tuple[Path, Path]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("diff-hostile-out")
    result: dict[str, dict[str, str]] = {}
    for label, (a, b) in pairs.items():
        result[label] = {}
        for fmt in ("text", "markdown", "json"):
            run = run_cli("diff", a, b, "--format", fmt, "--all")
            assert run.returncode == 0, run.stderr[-3000:]
            result[label][fmt] = run.stdout
        for kind, extra in (("html", []), ("fragment", ["--fragment"])):
            path = folder / f"{label}_{kind}.html"
            run = run_cli("diff", a, b, "--format", "html", "-o", path, *extra)
            assert run.returncode == 0, run.stderr[-3000:]
            result[label][kind] = path.read_text(encoding="utf-8")
            result[label][f"{kind}_path"] = os.fspath(path)
    return result


ALL_NAMES = {**KERAS_NAMES, "added": ADDED_NAME}


def test_text_shows_every_name_literally(outputs: dict[str, dict[str, str]]) -> None:
    text = outputs["hostile"]["text"]
    assert not CONTROL_BYTES.search(text), repr(CONTROL_BYTES.search(text))
    for key, name in ALL_NAMES.items():
        assert literal(name) in text, key
    assert "\\x1b[31mred\\x1b[0m" in text and "[bold red]x[blink]y" in text
    assert f'Diff: "{literal(MODEL_NAME)}"' in text


def _tables(markdown: str) -> list[list[int]]:
    """Each Markdown table's row lengths (cells per row), via a CommonMark+tables parser."""
    from markdown_it import MarkdownIt

    tables: list[list[int]] = []
    cells = 0
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            cells = 0
        elif token.type in ("td_open", "th_open"):
            cells += 1
        elif token.type == "tr_close":
            tables[-1].append(cells)
    return tables


def test_markdown_keeps_columns_and_creates_no_html(outputs: dict[str, dict[str, str]]) -> None:
    from markdown_it import MarkdownIt

    markdown = outputs["hostile"]["markdown"]
    assert not CONTROL_BYTES.search(markdown)
    tables = _tables(markdown)
    assert tables == _tables(outputs["plain"]["markdown"])
    assert [set(rows) for rows in tables] == [{4}, {8}, {5}]  # totals, changed, unchanged
    page = MarkdownIt("commonmark").enable("table").render(markdown)
    tags = {m.lower() for m in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", page)}
    assert tags <= {
        "h3",
        "p",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "details",
        "summary",
    }, tags
    text = re.sub(r"<[^>]+>", "", page)
    import html

    shown = html.unescape(text)
    for key, name in ALL_NAMES.items():
        assert literal(name) in shown, key


def test_json_round_trips_names(outputs: dict[str, dict[str, str]]) -> None:
    document = json.loads(outputs["hostile"]["json"])
    assert not CONTROL_BYTES.search(outputs["hostile"]["json"])
    assert document["a"]["name"] == document["b"]["name"] == MODEL_NAME
    names = [(row["b"] or row["a"])["name"] for row in document["layers"]]
    assert names == ["in", *KERAS_NAMES.values(), ADDED_NAME]
    assert [row["status"] for row in document["layers"]][:3] == ["unchanged", "changed", "changed"]
    assert document["layers"][-1]["status"] == "added"


@pytest.mark.parametrize("kind", ["html", "fragment"])
def test_html_gains_no_element_or_handler(outputs: dict[str, dict[str, str]], kind: str) -> None:
    page = outputs["hostile"][kind]
    assert not CONTROL_BYTES.search(page)
    assert_html_inert(page, outputs["plain"][kind], ALL_NAMES)


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs chromium at {CHROMIUM}")
@pytest.mark.parametrize("kind", ["html", "fragment"])
def test_browser_shows_hostile_names_as_text(
    visit: Any,
    outputs: dict[str, dict[str, str]],
    kind: str,
) -> None:
    seen = visit(Path(outputs["hostile"][f"{kind}_path"]))
    seen.assert_clean()  # no requests, console errors or dialogs
    page = seen.page
    statuses = page.eval_on_selector_all("tr.ls-row", "rows => rows.map(r => r.dataset.status)")
    assert statuses[:3] == ["unchanged", "changed", "changed"]
    assert statuses[-1] == "added" and len(statuses) == len(KERAS_NAMES) + 2
    shown = page.eval_on_selector_all(
        "tr.ls-row td.ls-diff-name", "cells => cells.map(c => c.textContent)"
    )
    for key, name in ALL_NAMES.items():
        assert visible(name) in shown, key
    assert page.locator("iframe, img, script:not(.layerscope script)").count() == 0
    changed = page.locator("tr.ls-diff-changed td.ls-diff-name").first
    added = page.locator("tr.ls-diff-added td.ls-diff-name").first
    unchanged = page.locator("tr.ls-diff-unchanged td.ls-diff-name").first
    backgrounds = [
        row.evaluate("e => getComputedStyle(e).backgroundColor")
        for row in (changed, added, unchanged)
    ]
    assert len(set(backgrounds)) == 3, backgrounds  # changed and added rows are highlighted
    title = page.inner_text("h1.ls-title, h2.ls-title")
    assert visible(MODEL_NAME) in title
