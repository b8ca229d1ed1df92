"""``--depth``: which rows the tables show (no Keras: reports are built by hand)."""

from __future__ import annotations

import json

import pytest

from layerscope.analysis import run_analyses
from layerscope.errors import UsageError
from layerscope.render.format import AUTO_DEPTH_ROWS, auto_depth, depth_note, table_rows
from layerscope.report import CapturedModel, LayerReport, ModelReport, Variable


def _dense(name: str, path: str, depth: int, parent: str | None, units: int) -> LayerReport:
    kernel = Variable("kernel", f"{path}/kernel", "weight", (4, units), "float32", True)
    return LayerReport(
        name=name,
        path=path,
        depth=depth,
        class_name="Dense",
        variables=(kernel,),
        output_shapes=((None, units),),
        parent=parent,
    )


def _block(name: str, inner: int) -> list[LayerReport]:
    """A block row holding ``inner`` Dense rows, each holding one deeper row."""
    rows: list[LayerReport] = []
    children: list[LayerReport] = []
    for index in range(inner):
        path = f"{name}/d{index}"
        children.append(_dense(f"d{index}", path, 1, name, 3))
        children.append(_dense("leaf", f"{path}/leaf", 2, path, 3))
    variables = tuple(v for row in children if row.depth == 1 for v in row.variables)
    rows.append(
        LayerReport(
            name=name,
            path=name,
            depth=0,
            class_name="Block",
            variables=variables,
            is_container=True,
        )
    )
    return rows + children


def _report(blocks: int, inner: int) -> ModelReport:
    rows = [row for index in range(blocks) for row in _block(f"block_{index}", inner)]
    return run_analyses(CapturedModel(name="m", class_name="Functional", layers=tuple(rows)))


def test_auto_depth_shows_whole_small_models() -> None:
    report = _report(blocks=2, inner=3)  # 2 + 6 + 6 rows
    assert auto_depth(report) == 2
    assert len(table_rows(report)) == 14
    assert depth_note(report) is None


def test_auto_depth_stops_before_the_level_that_floods_the_table() -> None:
    report = _report(blocks=12, inner=4)  # 12 + 48 + 48 rows
    assert 12 + 48 <= AUTO_DEPTH_ROWS < 12 + 48 + 48
    assert auto_depth(report) == 1
    assert [row.depth for row in table_rows(report)].count(2) == 0
    assert depth_note(report) == (
        "48 rows deeper than depth 1 (of 2) are not shown; --depth N (depth=N in Python) "
        "shows them, and the JSON document has every row"
    )


def test_explicit_depth_and_display_depth() -> None:
    report = _report(blocks=2, inner=3)
    assert [row.path for row in table_rows(report, 0)] == ["block_0", "block_1"]
    text = report.to_text(depth=0)
    assert "d0 (Dense)" not in text
    assert "12 rows deeper than depth 0 (of 2) are not shown" in " ".join(text.split())
    markdown = report.to_markdown(depth=1)
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table) == 2 + 8  # header, alignment, 2 blocks and their 6 Dense rows
    assert not any("leaf" in line for line in table)
    assert "6 rows deeper than depth 1 (of 2) are not shown" in markdown
    # JSON has every row whatever the depth.
    assert len(json.loads(report.to_json())["layers"]) == 14
    import dataclasses

    shallow = dataclasses.replace(report, display_depth=0)
    assert shallow.to_text() == report.to_text(depth=0)
    assert len(table_rows(shallow, 2)) == 14  # an explicit depth wins


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_bad_depth_is_a_usage_error(bad: object) -> None:
    report = _report(blocks=1, inner=1)
    with pytest.raises(UsageError, match="depth must be a non-negative integer"):
        table_rows(report, bad)  # type: ignore[arg-type]


def test_html_table_follows_the_depth() -> None:
    report = _report(blocks=2, inner=3)
    html = report.to_html(fragment=True, depth=1, sections="layers")
    assert html.count('data-depth="2"') == 0
    assert html.count('data-depth="1"') == 6
    assert "6 rows deeper than depth 1 (of 2) are not shown" in html
    assert report.to_html(fragment=True, sections="layers").count('data-depth="2"') == 6


def test_diagram_draws_clusters_down_to_the_depth() -> None:
    report = _report(blocks=2, inner=3)
    assert "subgraph cluster_n" not in report.to_dot()
    one = report.to_dot(expand_nested=1)
    # block rows are clusters; their Dense rows are boxes, holding their leaves.
    assert one.count("subgraph cluster_n") == 2
    assert "<B>leaf</B>" not in one and one.count("<B>d0</B>") == 2
    assert report.to_dot(expand_nested=True).count("subgraph cluster_n") == 8
