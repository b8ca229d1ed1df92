"""Typed results, the JSON document and its shipped schema, on hand-built models (no Keras)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from layerscope.analysis import run_analyses
from layerscope.report import CapturedModel, Edge, LayerReport, ModelReport, Variable
from layerscope.results import Architecture, Cost, DataFit, Memory, Thresholds, as_data
from layerscope.schema import SCHEMA_PATH, build_schema, schema_text

ROOT = Path(__file__).resolve().parents[2]


def dense(name: str, fan_in: int, units: int, parent: str | None = None) -> LayerReport:
    path = f"{parent}/{name}" if parent else name
    return LayerReport(
        name=name,
        path=path,
        depth=1 if parent else 0,
        parent=parent,
        class_name="Dense",
        variables=(
            Variable("kernel", f"{path}/kernel", "weight", (fan_in, units), "float32", True),
            Variable("bias", f"{path}/bias", "bias", (units,), "float32", True),
        ),
        input_shapes=((None, fan_in),),
        output_shapes=((None, units),),
        config={"units": units, "activation": "softmax" if units == 10 else "relu"},
    )


def mlp(widths: tuple[int, ...] = (300, 200, 100, 10)) -> CapturedModel:
    """The seed MLP by hand: 784 -> 300 -> 200 -> 100 -> 10."""
    rows = [
        LayerReport(
            name="input",
            path="input",
            depth=0,
            class_name="InputLayer",
            output_shapes=((None, 784),),
        )
    ]
    fan_in = 784
    for index, units in enumerate(widths):
        row = dense(f"d{index}", fan_in, units)
        rows.append(dataclasses.replace(row, inbound=(rows[-1].path,)))
        fan_in = units
    edges = tuple(Edge(a.path, b.path, b.input_shapes[0]) for a, b in itertools.pairwise(rows))
    return CapturedModel(
        name="hand <mlp>",
        class_name="Functional",
        layers=tuple(rows),
        edges=edges,
        inputs=("input",),
        outputs=(rows[-1].path,),
        input_shapes=((None, 784),),
    )


@pytest.fixture(scope="module")
def report() -> ModelReport:
    return run_analyses(mlp(), training_samples=55000)


def test_results_are_typed(report: ModelReport) -> None:
    assert isinstance(report.cost, Cost) and isinstance(report.memory, Memory)
    assert isinstance(report.architecture, Architecture) and isinstance(report.data_fit, DataFit)
    assert report.totals.params == 316_810
    assert report.cost.macs == 784 * 300 + 300 * 200 + 200 * 100 + 100 * 10 == 316_200
    assert report.data_fit.params_per_sample == 5.76
    assert report.data_fit.thresholds == Thresholds(moderate=0.1, high=1.0, very_high=10.0)
    assert report.architecture.hidden_widths == (300, 200, 100)
    assert report.architecture.pattern == "funnel"
    assert report.memory.optimizer_bytes == 2 * 316_810 * 4
    with pytest.raises(AttributeError):
        report.data_fit.params_per_sampel  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.cost.macs = 0  # type: ignore[misc]


def test_captured_and_analysed_are_two_types(report: ModelReport) -> None:
    captured = mlp()
    assert not hasattr(captured, "totals")
    assert isinstance(report, CapturedModel)
    assert report.captured() == dataclasses.replace(
        captured, layers=report.layers
    )  # the same facts; the rows keep their shares and MACs
    assert run_analyses(report, training_samples=55000) == report  # analysing twice is stable


def test_generic_serialiser(report: ModelReport) -> None:
    data = report.to_dict()
    assert data["cost"] == as_data(report.cost)
    assert data["cost"]["by_class"] == [{"class_name": "Dense", "macs": 316_200, "share": 1.0}]
    assert data["architecture"]["flattens"] == []
    assert data["data_fit"]["thresholds"] == {"moderate": 0.1, "high": 1.0, "very_high": 10.0}
    assert data["data_fit"]["shrink"]["also_shrinks"] == ["d1"]
    assert as_data(float("nan")) is None
    assert json.loads(report.to_json()) == data


def test_shipped_schema_is_current() -> None:
    shipped = SCHEMA_PATH.read_text(encoding="utf-8")
    assert shipped == schema_text(), "run: python -m layerscope.schema --write"


def test_schema_is_valid_and_strict(report: ModelReport) -> None:
    schema = build_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    data = report.to_dict()
    assert not list(validator.iter_errors(data))
    assert set(schema["$defs"]["Document"]["required"]) == set(data)
    # A misspelt or missing key, or a wrong type, is caught.
    broken = json.loads(json.dumps(data))
    broken["cost"]["macz"] = broken["cost"].pop("macs")
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(data))
    broken["layers"][1]["variables"][0]["role"] = "kernel"
    assert not validator.is_valid(broken)
    without_samples = run_analyses(mlp()).to_dict()
    assert without_samples["data_fit"] is None and validator.is_valid(without_samples)


def test_graph_model_keeps_every_architecture_key() -> None:
    """``hidden_values`` and ``values_pattern`` exist for every model, not only chains."""
    captured = mlp()
    layers = captured.layers
    # a second branch from the input: no longer a chain
    side = dataclasses.replace(dense("side", 784, 10), inbound=("input",))
    graph = dataclasses.replace(
        captured,
        layers=(*layers, side),
        edges=(*captured.edges, Edge("input", "side", (None, 784))),
        outputs=(layers[-1].path, "side"),
    )
    data = run_analyses(graph).to_dict()["architecture"]
    assert data["pattern"] == "graph"
    assert data["hidden_values"] == [] and data["values_pattern"] is None
    chain = run_analyses(captured).to_dict()["architecture"]
    assert set(data) == set(chain)


MODULES = sorted(
    path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
    for path in (ROOT / "layerscope").rglob("*.py")
    if path.name not in ("__main__.py", "sphinxext.py")
)


def test_every_module_imports_alone_without_a_cycle() -> None:
    """Each module imported first, in a fresh interpreter: an import cycle would fail here.
    The data model, the analyses and the text renderers never import Keras or the renderers
    they do not need."""
    code = (
        "import importlib, sys\n"
        "name = sys.argv[1]\n"
        "importlib.import_module(name)\n"
        "heavy = sorted(m for m in ('keras', 'tensorflow') if m in sys.modules)\n"
        "render = 'layerscope.render' in sys.modules\n"
        "print(heavy, render)\n"
    )
    for name in MODULES:
        result = subprocess.run(
            [sys.executable, "-c", code, name],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 0, f"{name}: {result.stderr[-800:]}"
        heavy, _, render = result.stdout.strip().rpartition(" ")
        if name not in ("layerscope.capture", "layerscope.loading", "layerscope._keras"):
            assert heavy == "[]", f"{name} imports {heavy}"
        if name in ("layerscope.report", "layerscope.results", "layerscope.analysis"):
            assert render == "False", f"{name} imports the renderers"
