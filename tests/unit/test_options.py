"""The options model: enums written once, dataclasses validated on construction (no Keras)."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerscope.errors import UsageError
from layerscope.options import (
    SECTIONS,
    AnalysisOptions,
    DiagramOptions,
    Engine,
    HtmlOptions,
    Rankdir,
    Theme,
    parse_sections,
)


def test_enums_hold_the_value_lists() -> None:
    assert Engine.values() == ("auto", "static", "keras")
    assert Theme.values() == ("auto", "light", "dark")
    assert Rankdir.values() == ("TB", "LR", "BT", "RL")
    assert Rankdir.parse("lr", "rankdir", case_sensitive=False) is Rankdir.LR
    with pytest.raises(UsageError, match="engine must be one of auto, static, keras; got 'tf'"):
        Engine.parse("tf", "engine")


def test_analysis_options_validate_and_normalise() -> None:
    assert AnalysisOptions() == AnalysisOptions(batch_size=1, optimizer="adam")
    assert AnalysisOptions(optimizer="SGD").optimizer == "sgd"
    with pytest.raises(UsageError, match="batch_size must be a positive integer; got 0"):
        AnalysisOptions(batch_size=0)
    with pytest.raises(UsageError, match="optimizer must be one of"):
        AnalysisOptions(optimizer="adamm")
    with pytest.raises(UsageError, match="thresholds must increase"):
        AnalysisOptions(thresholds={"high": 0.01})
    with pytest.raises(UsageError, match="unknown analysis option 'batchsize'"):
        AnalysisOptions.of(batchsize=32)


def test_html_options_validate_on_construction(tmp_path: Path) -> None:
    options = HtmlOptions(sections="layers, header", theme="dark", rankdir="lr")  # type: ignore[arg-type]
    assert options.sections == ("header", "layers")
    assert options.theme is Theme.DARK and options.rankdir is Rankdir.LR
    assert options.diagram == DiagramOptions(Rankdir.LR, False)
    assert HtmlOptions().sections == SECTIONS == parse_sections(None)
    assert HtmlOptions(template_dir=tmp_path).template_dir == str(tmp_path)  # type: ignore[arg-type]
    for bad, message in [
        ({"theme": "blue"}, "theme must be one of auto, light, dark; got 'blue'"),
        ({"rankdir": "up"}, "rankdir must be one of TB, LR, BT, RL; got 'up'"),
        ({"sections": "header,nope"}, "sections must be a comma list of"),
        ({"template_dir": str(tmp_path / "missing")}, "template_dir must be an existing folder"),
        ({"id_prefix": "1x"}, "id_prefix must start with a letter"),
        ({"title": 3}, "title must be a string; got 3"),
    ]:
        with pytest.raises(UsageError, match=message):
            HtmlOptions(**bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="unknown render_html option 'colour'"):
        HtmlOptions.of(colour="red")
