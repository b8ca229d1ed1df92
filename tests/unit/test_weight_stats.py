"""Weight statistics against numpy, without Keras: moments, counts, units, spectral norm."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layerscope.weights import stats as stats_module
from layerscope.weights.stats import NEAR_ZERO, array_blocks, spectral_norm, tensor_stats


def _reference(array: np.ndarray) -> dict[str, float]:
    values = array.astype(np.float64).ravel()
    finite = values[np.isfinite(values)]
    return {
        "mean": float(finite.mean()),
        "std": float(finite.std()),
        "min": float(finite.min()),
        "max": float(finite.max()),
        "abs_max": float(np.abs(finite).max()),
        "norm": float(np.linalg.norm(finite)),
        "zeros": float(np.count_nonzero(values == 0) / values.size),
        "near_zero": float(np.count_nonzero(np.abs(values) < NEAR_ZERO) / values.size),
        "nan": int(np.isnan(values).sum()),
        "inf": int(np.isinf(values).sum()),
    }


def _check(array: np.ndarray, block_elements: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats_module, "BLOCK_ELEMENTS", block_elements)
    result = tensor_stats(array_blocks(array), tuple(array.shape))
    expected = _reference(array)
    for key in ("mean", "std", "min", "max", "abs_max", "norm"):
        assert getattr(result, key) == pytest.approx(expected[key], rel=1e-6, abs=1e-12), key
    for key in ("zeros", "near_zero", "nan", "inf"):
        assert getattr(result, key) == expected[key], key
    assert result.count == array.size


@pytest.mark.parametrize("block_elements", [1, 7, 1000, 1 << 21])
def test_moments_equal_numpy_whatever_the_blocks(
    block_elements: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    kernel = (rng.standard_normal((97, 33)) * 0.05).astype(np.float32)
    kernel[4, :] = 0.0
    kernel[5, 2] = 3e-7
    _check(kernel, block_elements, monkeypatch)


def test_variance_far_from_zero_keeps_its_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    # A BatchNormalization variance near 1 with a tiny spread: E[x^2] - E[x]^2 cancels.
    rng = np.random.default_rng(4)
    variance = (1000.0 + 1e-3 * rng.standard_normal(4096)).astype(np.float32)
    _check(variance, 512, monkeypatch)


def test_nan_and_inf_are_counted_and_left_out_of_the_moments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bias = np.linspace(-1, 1, 300).astype(np.float32)
    bias[3] = np.nan
    bias[10] = np.inf
    bias[11] = -np.inf
    _check(bias, 64, monkeypatch)
    result = tensor_stats(array_blocks(bias), bias.shape)
    assert (result.nan, result.inf) == (1, 2)


def test_all_nan_tensor_has_no_moments() -> None:
    values = np.full((4, 4), np.nan, dtype=np.float32)
    result = tensor_stats(array_blocks(values), values.shape)
    assert result.nan == 16
    assert result.mean is None and result.std is None and result.abs_max is None
    assert result.norm == 0.0


def test_scalar_and_integer_tensors() -> None:
    scalar = np.array(-2.5, dtype=np.float32)
    result = tensor_stats(array_blocks(scalar), ())
    assert (result.mean, result.min, result.abs_max, result.count) == (-2.5, -2.5, 2.5, 1)
    quantized = np.array([[0, -3], [127, 0]], dtype=np.int8)
    result = tensor_stats(array_blocks(quantized), quantized.shape)
    assert result.zeros == 0.5 and result.near_zero == 0.5
    assert result.max == 127 and result.min == -3
    assert result.mean == pytest.approx(31.0)


def test_units_zero_nonpositive_and_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats_module, "BLOCK_ELEMENTS", 40)
    rng = np.random.default_rng(5)
    kernel = rng.standard_normal((50, 12)).astype(np.float32)
    kernel[:, 2] = 0.0
    kernel[:, 7] = -np.abs(kernel[:, 7])
    kernel[:, 9] = kernel[:, 4]
    kernel[:, 11] = kernel[:, 4]
    result = tensor_stats(array_blocks(kernel), kernel.shape, per_unit=True)
    assert result.units is not None
    assert result.units.units == 12
    assert result.units.zero_units == (2,)
    assert result.units.nonpositive_units == (7,)
    assert result.units.identical_units == ((4, 9, 11),)


def test_conv_kernel_units_are_the_last_axis() -> None:
    rng = np.random.default_rng(6)
    kernel = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
    kernel[..., 6] = 0.0
    result = tensor_stats(array_blocks(kernel), kernel.shape, per_unit=True)
    assert result.units is not None and result.units.zero_units == (6,)
    assert result.units.identical_units == ()


@pytest.mark.parametrize("shape", [(784, 300), (40, 200), (3 * 3 * 16, 32)])
def test_spectral_norm_and_stable_rank_equal_numpy(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    # A trained-looking kernel: a few strong directions on top of noise.
    low_rank = rng.standard_normal((shape[0], 3)) @ rng.standard_normal((3, shape[1]))
    matrix = (0.05 * rng.standard_normal(shape) + 0.02 * low_rank).astype(np.float32)
    estimate, steps, converged = spectral_norm(matrix)
    exact = float(np.linalg.norm(matrix.astype(np.float64), 2))
    assert converged and steps <= stats_module.SPECTRAL_MAX_ITERATIONS
    assert estimate == pytest.approx(exact, rel=1e-4)
    result = tensor_stats(array_blocks(matrix), shape, spectral_matrix=matrix)
    frobenius = float(np.linalg.norm(matrix.astype(np.float64)))
    assert result.stable_rank == pytest.approx(frobenius**2 / exact**2, rel=2e-4)


def test_spectral_norm_never_overestimates_when_it_stops_early(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stats_module, "SPECTRAL_MAX_ITERATIONS", 3)
    matrix = np.random.default_rng(8).standard_normal((300, 200)).astype(np.float32)
    estimate, steps, converged = spectral_norm(matrix)
    assert (steps, converged) == (3, False)
    assert estimate <= float(np.linalg.norm(matrix.astype(np.float64), 2)) * (1 + 1e-6)


def test_histogram_counts_every_value_of_a_small_tensor() -> None:
    values = np.arange(1000, dtype=np.float32)
    result = tensor_stats(array_blocks(values), values.shape)
    assert result.histogram is not None
    assert sum(result.histogram.counts) == 1000 == result.histogram.sampled
    assert result.histogram.edges[0] == 0.0 and result.histogram.edges[-1] == 999.0
    assert not math.isnan(result.histogram.edges[1])
