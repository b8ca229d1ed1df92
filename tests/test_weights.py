"""--weights on real Keras models: statistics equal numpy's, health findings, both engines.

The models are the seed MLP (with a BatchNormalization layer after Hidden2, so that its
statistics can be checked) trained for a few epochs on synthetic data made here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from layerscope import analyze
from layerscope.cli import main


def _build(keras: Any, seed: int = 0) -> Any:
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Flatten(name="Flatten"),
            layers.Dense(300, activation="relu", name="Hidden1"),
            layers.Dense(200, activation="relu", name="Hidden2"),
            layers.BatchNormalization(name="BN"),
            layers.Dense(100, activation="relu", name="Hidden3"),
            layers.Dense(10, activation="softmax", name="Output"),
        ],
        name="seed_mlp_bn",
    )


@pytest.fixture(scope="session")
def trained(keras):  # type: ignore[no-untyped-def]
    """The seed MLP trained 3 epochs on 2,048 synthetic images labelled by a random teacher."""
    model = _build(keras)
    rng = np.random.default_rng(0)
    images = rng.random((2048, 28, 28), dtype=np.float32)
    teacher = rng.standard_normal((784, 10)).astype(np.float32)
    labels = np.argmax(images.reshape(-1, 784) @ teacher, axis=1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=3, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="session")
def damaged(keras, trained):  # type: ignore[no-untyped-def]
    """The trained model with a NaN in Hidden2's bias, Hidden1's unit 5 zeroed and BN's
    moving variance of channel 7 set to 0."""
    model = _build(keras, seed=1)
    model.set_weights(trained.get_weights())
    bias = model.get_layer("Hidden2").bias
    values = bias.numpy()
    values[3] = np.nan
    bias.assign(values)
    kernel = model.get_layer("Hidden1").kernel
    values = kernel.numpy()
    values[:, 5] = 0.0
    kernel.assign(values)
    variance = model.get_layer("BN").moving_variance
    values = variance.numpy()
    values[7] = 0.0
    variance.assign(values)
    return model


def _saved(model: Any, directory: Path) -> Path:
    """The model saved in the test's own temporary folder: parallel workers must never
    write one shared file while another reads it."""
    path = directory / "model.keras"
    model.save(path)
    return path


def _keras_values(model: Any) -> dict[str, np.ndarray]:
    return {
        f"{layer.name}/{weight.name}": np.asarray(weight.numpy())
        for layer in model.layers
        for weight in layer.weights
    }


def _check_against_numpy(report: Any, values: dict[str, np.ndarray]) -> None:
    checked = 0
    for row in report.layers:
        for variable in row.variables:
            stats = variable.stats
            assert stats is not None, variable.path
            array = values[variable.path].astype(np.float64)
            finite = array[np.isfinite(array)]
            assert stats.mean == pytest.approx(finite.mean(), rel=1e-6, abs=1e-12)
            assert stats.std == pytest.approx(finite.std(), rel=1e-6, abs=1e-12)
            assert stats.norm == pytest.approx(np.linalg.norm(finite), rel=1e-6)
            assert stats.min == finite.min() and stats.max == finite.max()
            assert stats.abs_max == np.abs(finite).max()
            assert stats.zeros == np.count_nonzero(array == 0) / array.size
            assert stats.nan == int(np.isnan(array).sum())
            if variable.name == "kernel":
                exact = float(np.linalg.norm(array.reshape(-1, array.shape[-1]), 2))
                assert stats.spectral_converged is True
                assert stats.spectral_norm == pytest.approx(exact, rel=1e-4)
            checked += 1
    assert checked == 12  # 4 Dense x (kernel, bias) + 4 BatchNormalization variables


def test_statistics_equal_numpy_in_memory_and_from_the_file(trained, tmp_path) -> None:  # type: ignore[no-untyped-def]
    values = _keras_values(trained)
    in_memory = analyze(trained, weights=True)
    _check_against_numpy(in_memory, values)
    path = _saved(trained, tmp_path)
    static = analyze(path, weights=True, engine="static")
    assert static.engine == "static"
    _check_against_numpy(static, values)
    keras_engine = analyze(path, weights=True, engine="keras")
    _check_against_numpy(keras_engine, values)


def test_a_clean_trained_model_has_no_findings(trained) -> None:  # type: ignore[no-untyped-def]
    report = analyze(trained, weights=True)
    assert report.weight_health == ()
    assert report.to_dict()["weight_health"] == []


def test_injected_faults_are_exactly_the_three_findings(damaged, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _saved(damaged, tmp_path)
    for report in (analyze(damaged, weights=True), analyze(path, weights=True)):
        findings = report.weight_health
        assert findings is not None
        assert [(f.kind, f.layer, f.variable) for f in findings] == [
            ("dead_units", "Hidden1", "Hidden1/kernel"),
            ("nan_inf", "Hidden2", "Hidden2/bias"),
            ("bn_variance", "BN", "BN/moving_variance"),
        ]
        dead, nan, variance = findings
        assert dead.summary == ("1 unit of 300 in 'Hidden1' has all-zero incoming weights (unit 5)")
        assert nan.summary == "'Hidden2/bias' holds 1 NaN among 200 values"
        assert variance.summary.startswith("'BN/moving_variance' has a minimum of 0 ")
        assert "1 of 200 channels" in variance.summary


def test_a_freshly_initialised_model_looks_untrained(keras) -> None:  # type: ignore[no-untyped-def]
    report = analyze(_build(keras, seed=2), weights=True)
    assert report.weight_health is not None
    assert [f.kind for f in report.weight_health] == ["untrained"]
    assert report.weight_health[0].summary.startswith(
        "the model looks untrained: 4 kernels have the spread their initializers give"
    )


def test_json_carries_stats_and_health_only_with_weights(trained, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = _saved(trained, tmp_path)
    plain = analyze(path).to_dict()
    assert plain["weight_health"] is None  # nothing was read, so nothing is said
    assert plain["layers"][1]["variables"][0]["stats"] is None
    with pytest.raises(SystemExit) as exit_info:
        main(["summary", str(path), "--weights", "--format", "json"])
    assert exit_info.value.code in (0, None)
    document = json.loads(capsys.readouterr().out)
    kernel = document["layers"][1]["variables"][0]
    assert kernel["path"] == "Hidden1/kernel"
    assert set(kernel["stats"]) == {
        "mean", "std", "min", "max", "abs_max", "zeros", "near_zero", "nan", "inf", "norm",
        "count", "spectral_norm", "stable_rank", "spectral_converged",
    }  # fmt: skip
    expected = trained.get_layer("Hidden1").kernel.numpy().astype(np.float64)
    assert kernel["stats"]["std"] == pytest.approx(expected.std(), rel=1e-6)
    assert document["weight_health"] == []
