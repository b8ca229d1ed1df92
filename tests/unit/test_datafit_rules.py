"""Data-fit rules pinned where the alternatives differ (issue 17).

The band comes from *trainable* parameters per sample; the per-sample x class ratio from
*all* parameters. A frozen backbone makes the two counts far apart, so choosing the wrong
count for either moves the result across a threshold and fails here.
"""

from __future__ import annotations

from layerscope.analysis import run_analyses
from layerscope.report import CapturedModel

from .handmade import chain, dense


def frozen_backbone(inputs: int = 2048) -> CapturedModel:
    """A frozen ``Dense(1000)`` backbone (2,049,000 params) and a trainable ``Dense(10)``
    softmax head (10,010 params)."""
    return chain(
        [
            dense("backbone", inputs, 1000, trainable=False, activation="relu"),
            dense("head", 1000, 10, activation="softmax", previous="backbone"),
        ]
    )


def fit(report: CapturedModel, samples: int) -> dict:
    analysed = run_analyses(report, training_samples=samples)
    data_fit = analysed.to_dict()["data_fit"]
    assert data_fit is not None
    return data_fit


def test_frozen_backbone_on_20000_samples_is_moderate() -> None:
    data_fit = fit(frozen_backbone(), 20_000)
    assert data_fit["params"] == 2_059_010
    assert data_fit["trainable_params"] == 10_010
    # trainable: 10,010 / 20,000 = 0.5005 -> moderate; all params would give 103 -> very_high
    assert data_fit["trainable_params_per_sample"] == 0.5
    assert data_fit["params_per_sample"] == 102.95
    assert data_fit["band"] == "moderate"


def test_band_follows_trainable_params_at_every_threshold() -> None:
    # 10,010 trainable params: the band turns at 100,100 / 10,010 / 1,001 samples, while
    # the 2,059,010 params in all would keep it very_high throughout.
    for samples, band in (
        (100_101, "low"),
        (100_100, "moderate"),
        (10_011, "moderate"),
        (10_010, "high"),
        (1_002, "high"),
        (1_001, "very_high"),
    ):
        assert fit(frozen_backbone(), samples)["band"] == band, samples


def test_per_sample_class_ratio_counts_all_params() -> None:
    data_fit = fit(frozen_backbone(), 20_000)
    assert data_fit["classes"] == 10
    assert data_fit["interpolation_scale"] == 200_000
    # all: 2,059,010 / 200,000 = 10.3 (above 1); trainable would give 0.05 (below 1)
    assert data_fit["params_per_sample_class"] == 10.3
    explanation = " ".join(data_fit["explanation"])
    assert "Per sample and class: 10.3 (above 1)" in explanation
    assert "0.5 trainable parameters per sample is short of the classic rule" in explanation


def test_unfrozen_twin_is_very_high() -> None:
    report = chain(
        [
            dense("backbone", 2048, 1000, activation="relu"),
            dense("head", 1000, 10, activation="softmax", previous="backbone"),
        ]
    )
    data_fit = fit(report, 20_000)
    assert data_fit["trainable_params"] == 2_059_010
    assert data_fit["band"] == "very_high"
