"""How ``diff`` matches rows, on reports built by hand (no Keras): auto-numbered names,
renames, moved layers, nested models, class changes; and ``check`` on reports."""

from __future__ import annotations

import pytest

from layerscope import check, diff
from layerscope.analysis import run_analyses
from layerscope.diffing import base_name
from layerscope.errors import UsageError
from layerscope.report import CapturedModel, LayerReport, ModelReport, Variable


def dense(name: str, inputs: int, units: int, parent: str | None = None) -> LayerReport:
    path = f"{parent}/{name}" if parent else name
    return LayerReport(
        name=name,
        path=path,
        depth=1 if parent else 0,
        class_name="Dense",
        variables=(
            Variable("kernel", f"{path}/kernel", "weight", (inputs, units), "float32", True),
            Variable("bias", f"{path}/bias", "bias", (units,), "float32", True),
        ),
        output_shapes=((None, units),),
        input_shapes=((None, inputs),),
        parent=parent,
        config={"units": units},
    )


def model(*rows: LayerReport, name: str = "m") -> ModelReport:
    return run_analyses(CapturedModel(name=name, class_name="Functional", layers=tuple(rows)))


def statuses(result: object) -> list[tuple[str, str, str | None]]:
    return [(row.path, row.status, row.matched_by) for row in result.layers]  # type: ignore[attr-defined]


def test_base_name_strips_only_keras_numbering() -> None:
    assert base_name("dense_7") == "dense"
    assert base_name("conv2d_12") == "conv2d"
    assert base_name("block_1_expand") == "block_1_expand"
    assert base_name("Hidden1") == "Hidden1"


def test_auto_numbered_and_renamed_layers_pair_by_position_and_class() -> None:
    a = model(dense("dense_3", 8, 16), dense("dense_4", 16, 4))
    b = model(dense("dense_7", 8, 16), dense("head", 16, 4))
    result = diff(a, b)
    assert statuses(result) == [
        ("dense_7", "unchanged", "position"),
        ("head", "changed", "position"),
    ]
    assert result.layers[1].changes == ("name",)
    assert result.layers[1].delta.params == 0
    assert not diff(a, a).has_changes


def test_a_moved_layer_pairs_by_path() -> None:
    a = model(dense("x", 4, 4), dense("y", 4, 4), dense("z", 4, 4))
    b = model(dense("z", 4, 4), dense("x", 4, 4), dense("y", 4, 4))
    result = diff(a, b)
    assert sorted(statuses(result)) == [
        ("x", "unchanged", "path"),
        ("y", "unchanged", "path"),
        ("z", "unchanged", "path"),
    ]


def test_nested_rows_and_class_changes() -> None:
    container_a = LayerReport(
        name="block",
        path="block",
        depth=0,
        class_name="Sequential",
        is_container=True,
        variables=dense("inner", 4, 8, "block").variables,
    )
    a = model(dense("pre", 4, 4), container_a, dense("inner", 4, 8, "block"))
    conv = LayerReport(
        name="pre",
        path="pre",
        depth=0,
        class_name="Conv1D",
        variables=dense("pre", 4, 4).variables,
        output_shapes=((None, 4),),
    )
    b = model(conv, dense("post", 4, 2))
    result = diff(a, b)
    rows = {row.path: row for row in result.layers}
    assert rows["pre"].status == "changed" and "class_name" in rows["pre"].changes
    assert rows["block"].status == "removed" and rows["block/inner"].status == "removed"
    assert rows["block/inner"].depth == 1
    assert rows["post"].status == "added" and rows["post"].delta.params == 10
    # Depth-0 deltas add up to the totals' delta.
    top = sum(row.delta.params for row in result.layers if row.depth == 0)
    assert top == result.totals.params.delta == 10 - 40


def test_text_colour_only_when_asked() -> None:
    a = model(dense("x", 4, 4), dense("y", 4, 4))
    b = model(dense("x", 4, 8), dense("y", 8, 4), dense("z", 4, 1))
    plain = diff(a, b).to_text()
    coloured = diff(a, b).to_text(color=True)
    assert "\x1b" not in plain
    assert coloured.count("\x1b[33m") == 2 and coloured.count("\x1b[32m") == 1
    assert coloured.replace("\x1b[33m", "").replace("\x1b[32m", "").replace("\x1b[0m", "") == plain
    assert plain.splitlines()[1] == "+41 params (+102.5%), MACs +36, layers: 2 changed, 1 added"


def test_wide_names_keep_the_columns_aligned() -> None:
    """A CJK name takes two terminal cells per character: the columns after it start at the
    same cell in every row of the diff's table."""
    from layerscope.render.text import cells

    a = model(dense("x", 4, 4), dense("日本語の層", 4, 4))
    b = model(dense("x", 4, 8), dense("日本語の層", 8, 4))
    lines = diff(a, b).to_text().splitlines()
    header = next(i for i, line in enumerate(lines) if "Layer" in line and "Type" in line)
    rows = [line for line in lines[header + 2 :] if "Dense" in line]
    assert len(rows) == 2
    starts = {cells(line[: line.index("Dense")]) for line in rows}
    assert starts == {cells(lines[header][: lines[header].index("Type")])}


def test_check_on_reports() -> None:
    small = model(dense("x", 10, 10))  # 110 params, 100 MACs, 440 bytes
    big = model(dense("x", 10, 20))  # 220 params
    result = check(big, {"max_params": "200", "max_macs": "1K", "max_bytes": "1KiB"})
    assert [(r.budget.metric, r.measured, r.margin, r.ok) for r in result.results] == [
        ("params", 220, -20, False),
        ("macs", 200, 800, True),
        ("bytes", 880, 144, True),
    ]
    assert not result.ok and len(result.exceeded) == 1
    grown = check(big, max_growth="params=50%", baseline=small)
    assert grown.results[0].measured == 100.0 and not grown.ok
    assert check(big, max_growth="150", baseline=small).ok
    with pytest.raises(UsageError, match="no budgets"):
        check(big)
    with pytest.raises(UsageError, match="baseline"):
        check(big, max_growth="5%")
    with pytest.raises(UsageError, match="needs --samples"):
        check(big, {"max_params_per_sample": 1})
    assert "FAIL: 1 of 3 budgets exceeded." in result.to_text()
    assert result.to_dict()["budgets"][0] == {
        "metric": "params",
        "growth": False,
        "limit": 200,
        "measured": 220,
        "margin": -20,
        "baseline": None,
        "value": None,
        "ok": False,
        "origin": "arguments",
    }
