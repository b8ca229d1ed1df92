"""Health findings on hand-made reports (no Keras): each check fires on its case only, and
hostile layer names stay inert in every format."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from layerscope.analysis import run_analyses
from layerscope.report import CapturedModel, LayerReport, ModelReport, Variable
from layerscope.weights.health import EXPLODING_ABS_MAX, check_health, expected_std
from layerscope.weights.stats import array_blocks, tensor_stats

GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}


def _variable(
    path: str, array: np.ndarray, role: str = "weight", per_unit: bool = False
) -> Variable:
    stats = tensor_stats(array_blocks(array), tuple(array.shape), per_unit=per_unit)
    return Variable(
        name=path.rsplit("/", 1)[-1],
        path=path,
        role=role,  # type: ignore[arg-type]
        shape=tuple(array.shape),
        dtype=str(array.dtype),
        trainable=True,
        stats=stats,
    )


def _dense(name: str, kernel: np.ndarray, bias: np.ndarray) -> LayerReport:
    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name="Dense",
        variables=(
            _variable(f"{name}/kernel", kernel, per_unit=True),
            _variable(f"{name}/bias", bias, role="bias", per_unit=True),
        ),
        config={"units": kernel.shape[1], "kernel_initializer": GLOROT, "bias_initializer": ZEROS},
    )


def _report(*rows: LayerReport) -> ModelReport:
    report = run_analyses(CapturedModel(name="m", class_name="Sequential", layers=rows))
    return dataclasses.replace(report, weight_health=check_health(report))


def _trained_kernel(rows: int, columns: int, seed: int = 0) -> np.ndarray:
    # Twice the initializer's spread: what training does to a kernel.
    limit = np.sqrt(6 / (rows + columns))
    rng = np.random.default_rng(seed)
    return (2 * rng.uniform(-limit, limit, (rows, columns))).astype(np.float32)


def _kinds(report: ModelReport) -> list[str]:
    assert report.weight_health is not None
    return [finding.kind for finding in report.weight_health]


def test_a_trained_looking_layer_has_no_findings() -> None:
    bias = np.linspace(-0.1, 0.1, 16).astype(np.float32)
    assert _kinds(_report(_dense("d", _trained_kernel(32, 16), bias))) == []


def test_each_check_fires_on_its_own_case() -> None:
    bias = np.linspace(-0.1, 0.1, 16).astype(np.float32)
    kernel = _trained_kernel(32, 16)
    kernel[:, 3] = kernel[:, 9]
    kernel[:, 12] = kernel[:, 9]
    exploding = _trained_kernel(32, 16, seed=1)
    exploding[0, 0] = 5e3
    zero = np.zeros((32, 16), dtype=np.float32)
    norm = LayerReport(
        name="ln",
        path="ln",
        depth=0,
        class_name="LayerNormalization",
        variables=(
            _variable("ln/gamma", np.array([1.0, 0.0, 1.0, 1.0], np.float32), role="norm"),
            _variable("ln/beta", np.zeros(4, np.float32), role="norm"),
        ),
    )
    report = _report(
        _dense("same", kernel, bias),
        _dense("big", exploding, bias),
        _dense("zero", zero, bias),
        norm,
    )
    assert report.weight_health is not None
    found = [(f.kind, f.variable) for f in report.weight_health]
    assert found == [
        ("identical_units", "same/kernel"),
        ("exploding_scale", "big/kernel"),
        ("all_zero", "zero/kernel"),
        ("gamma_zero", "ln/gamma"),
    ]
    identical, exploding_finding, _, gamma = report.weight_health
    assert "1 group of units with identical incoming weights (2 redundant; units 3, 9, 12)" in (
        identical.summary
    )
    assert f"up to 5000 in magnitude (bound {EXPLODING_ABS_MAX:g}" in exploding_finding.summary
    assert gamma.summary == "'ln/gamma': 1 of 4 scale values are below 1e-06 in magnitude"


def test_fresh_initialisation_looks_untrained_and_training_does_not() -> None:
    rng = np.random.default_rng(0)
    limit = np.sqrt(6 / (64 + 32))
    fresh = rng.uniform(-limit, limit, (64, 32)).astype(np.float32)
    zeros = np.zeros(32, np.float32)
    assert _kinds(_report(_dense("d", fresh, zeros))) == ["untrained"]
    moved_bias = zeros.copy()
    moved_bias[0] = 1e-3
    assert _kinds(_report(_dense("d", fresh, moved_bias))) == []


def test_expected_std_follows_keras_initializers() -> None:
    assert expected_std("GlorotUniform", {}, (784, 300)) == np.sqrt(2 / (784 + 300))
    assert expected_std("HeNormal", {}, (3, 3, 16, 32)) == np.sqrt(2 / (3 * 3 * 16))
    assert expected_std("VarianceScaling", {"scale": 2.0, "mode": "fan_out"}, (10, 20)) == np.sqrt(
        2 / 20
    )
    assert expected_std("RandomNormal", {"stddev": 0.02}, (4, 4)) == 0.02
    assert expected_std("Orthogonal", {}, (4, 4)) is None


def test_hostile_names_are_inert_in_every_format() -> None:
    name = "x<b>\x1b[31m|*`"
    kernel = _trained_kernel(8, 4)
    bias = np.array([0.1, np.nan, 0.0, 0.2], np.float32)
    report = _report(_dense(name, kernel, bias))
    assert _kinds(report) == ["nan_inf"]
    text = report.to_text()
    assert "\x1b" not in text and "x<b>\\x1b[31m|*`/bias" in text
    markdown = report.to_markdown()
    assert "<b>" not in markdown
    assert "'x&lt;b&gt;\\\\x1b\\[31m\\|\\*\\`/bias' holds 1 NaN among 4 values" in markdown
    html = report.to_html()
    assert "<b>\x1b" not in html and "x&lt;b&gt;\\x1b[31m|*`/bias" in html
    document = json.loads(report.to_json())
    assert document["weight_health"][0]["variable"] == f"{name}/bias"
    assert "\x1b" not in report.to_dot()


def test_relu_units_that_can_never_activate_are_dead() -> None:
    first = _dense("first", _trained_kernel(16, 8), np.linspace(-0.1, 0.1, 8).astype(np.float32))
    kernel = _trained_kernel(8, 6, seed=2)
    kernel[:, 1] = -np.abs(kernel[:, 1])  # never positive on non-negative inputs...
    kernel[:, 4] = -np.abs(kernel[:, 4])
    bias = np.array([0.1, -0.2, 0.1, 0.1, 0.3, 0.1], np.float32)  # ...unless the bias is > 0
    second = _dense("second", kernel, bias)
    relu = {"activation": "relu"}
    first = dataclasses.replace(first, config={**first.config, **relu})
    second = dataclasses.replace(second, config={**second.config, **relu}, inbound=("first",))
    report = _report(first, second)
    assert report.weight_health is not None
    assert [(f.kind, f.variable) for f in report.weight_health] == [("dead_units", "second/kernel")]
    assert report.weight_health[0].summary.startswith(
        "1 unit of 6 in 'second' can never activate (unit 1)"
    )
    # Fed by a linear layer the inputs may be negative: nothing can be said.
    linear_first = dataclasses.replace(first, config={**first.config, "activation": "linear"})
    assert _kinds(_report(linear_first, second)) == []
