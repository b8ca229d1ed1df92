"""``--depth N`` on nested models, in memory, from a .keras file and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_runner import invoke

from layerscope import analyze


@pytest.fixture(scope="module")
def nested_file(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """outer > mid (Functional) > inner (Sequential) > Dense: rows of depth 0, 1 and 2."""
    L = keras.layers
    inner = keras.Sequential([keras.Input((8,)), L.Dense(6, name="deep")], name="inner")
    mid_in = keras.Input((8,), name="mid_in")
    mid = keras.Model(mid_in, L.Dense(4, name="head")(inner(mid_in)), name="mid")
    x = keras.Input((8,), name="x")
    model = keras.Model(x, L.Dense(2, name="out")(mid(x)), name="outer")
    path = tmp_path_factory.mktemp("depth") / "nested.keras"
    model.save(path)
    return path


def test_depth_limits_the_text_rows(nested_file: Path) -> None:
    report = analyze(nested_file)
    assert [row.depth for row in report.layers] == [0, 0, 1, 1, 2, 1, 0]
    full = report.to_text()  # 7 rows: the default shows them all
    assert "deep (Dense)" in full and "not shown" not in full
    one = analyze(nested_file, depth=1).to_text()
    assert "head (Dense)" in one and "deep (Dense)" not in one
    assert "1 row deeper than depth 1 (of 2) are not shown" in one
    assert report.to_text(depth=1) == one
    zero = report.to_text(depth=0)
    assert "head (Dense)" not in zero and "mid (Functional)" in zero
    # Depth-0 rows still add up, whatever is shown.
    assert report.totals is not None
    assert sum(row.params for row in report.top_level) == report.totals.params == 54 + 28 + 10


def test_cli_depth_on_summary_report_and_diagram(nested_file: Path, tmp_path: Path) -> None:
    text = invoke(["summary", str(nested_file), "--depth", "0"])
    assert text.exit_code == 0, text.output
    assert "inner (Sequential)" not in text.output and "mid (Functional)" in text.output
    data = invoke(["summary", str(nested_file), "--depth", "0", "--format", "json"])
    assert len(json.loads(data.output)["layers"]) == 7  # JSON has every row
    dot = tmp_path / "n.dot"
    drawn = invoke(["diagram", str(nested_file), "--depth", "1", "-o", str(dot)])
    assert drawn.exit_code == 0, drawn.output
    source = dot.read_text()
    assert source.count("subgraph cluster_n") == 1  # mid is a cluster, inner a box in it
    assert "<B>inner</B>" in source and "<B>deep</B>" not in source
    html = tmp_path / "r.html"
    made = invoke(
        ["report", str(nested_file), "--depth", "1", "-o", str(html), "--sections", "layers"]
    )
    assert made.exit_code == 0, made.output
    page = html.read_text()
    assert 'data-depth="2"' not in page and page.count('data-depth="1"') == 3
    bad = invoke(["summary", str(nested_file), "--depth", "-1"])
    assert bad.exit_code == 2 and "--depth" in bad.output
