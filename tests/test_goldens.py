"""Golden outputs for several models x formats (issue 13): MobileNetV2 and ResNet50 from the
application zoo (``slow``; each built once, by the zoo's worker) and a functional model with
two inputs and two outputs (tests/zoo.py ``branching``), each in text at 80 and 100 columns,
Markdown, JSON (without the fields that depend on where the model came from) and DOT.

Rewrite them only with ``pytest --regen-golden`` (or ``LAYERSCOPE_REGEN_GOLDEN=1``) and review
the diff. The training-set sizes give every report its data-fit section: ImageNet-1k's
1,281,167 images for the applications, 1,000 samples for the small model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from zoo import branching

from layerscope.analysis import run_analyses
from layerscope.render.text import cells
from layerscope.report import ModelReport

IMAGENET_SAMPLES = 1_281_167
VOLATILE = ("source",)
"""``model`` fields that say where the report came from, not what the model is."""


def stable_json(report: ModelReport) -> str:
    """The JSON document without its volatile fields, one layer (and one edge) per line:
    a change shows as the lines of the layers it touches."""
    document = json.loads(report.to_json())
    for key in VOLATILE:
        document["model"].pop(key)
    layers = document.pop("layers")
    edges = document.pop("edges")
    head = json.dumps(document, indent=1, ensure_ascii=False)
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in layers)
    links = ",\n".join(json.dumps(edge, ensure_ascii=False) for edge in edges)
    return f'{head[:-2]},\n "layers": [\n{rows}\n ],\n "edges": [\n{links}\n ]\n}}\n'


FORMATS: dict[str, Callable[[ModelReport], str]] = {
    "80.txt": lambda report: report.to_text(width=80),
    "100.txt": lambda report: report.to_text(width=100),
    "md": lambda report: report.to_markdown(),
    "json": stable_json,
    "dot": lambda report: report.to_dot(),
}

_REPORTS: dict[str, ModelReport] = {}


def _application(applications: Any, name: str) -> ModelReport:
    if name not in _REPORTS:
        _REPORTS[name] = run_analyses(applications.report(name), training_samples=IMAGENET_SAMPLES)
    return _REPORTS[name]


def _check(golden: Any, stem: str, fmt: str, report: ModelReport) -> None:
    output = FORMATS[fmt](report)
    if fmt.endswith(".txt"):
        width = int(fmt.split(".")[0])
        too_wide = [line for line in output.splitlines() if cells(line) > width]
        assert not too_wide, too_wide[:3]
    if fmt == "json":
        document = json.loads(output)
        assert document["totals"]["params"] == report.totals.params
        assert len(document["layers"]) == len(report.layers)
    golden(f"{stem}.{fmt}", output)


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("name", ["MobileNetV2", "ResNet50"])
def test_application_golden(applications: Any, golden: Any, name: str, fmt: str) -> None:
    report = _application(applications, name)
    assert report.totals.params == {"MobileNetV2": 3_538_984, "ResNet50": 25_636_712}[name]
    _check(golden, name, fmt, report)


@pytest.fixture(scope="module")
def branching_report(keras: Any) -> ModelReport:
    from layerscope import analyze

    keras.backend.clear_session()
    return run_analyses(analyze(branching(keras)), training_samples=1000)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_multi_input_golden(branching_report: ModelReport, golden: Any, fmt: str) -> None:
    assert branching_report.inputs == ("image", "meta")
    assert branching_report.totals.params == 180
    _check(golden, "branching", fmt, branching_report)


def test_stable_json_is_the_document_minus_the_volatile_fields(
    branching_report: ModelReport,
) -> None:
    full = json.loads(branching_report.to_json())
    stable = json.loads(stable_json(branching_report))
    assert "source" in full["model"] and "source" not in stable["model"]
    full["model"].pop("source")
    assert stable == full
