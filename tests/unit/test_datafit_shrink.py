"""Data fit beyond the band: halving the dominant layer, the classifier reading, the
explanation's wording in each band, and the typed result's every field, on hand-built
reports (issue 17's mutation run)."""

from __future__ import annotations

import dataclasses

import pytest

from layerscope.analysis import run_analyses
from layerscope.analysis.datafit import (
    BAND_LABELS,
    analyze_data_fit,
    band_for,
    classifier_classes,
    readable_ratio,
    shrink_estimate,
    validate_thresholds,
)
from layerscope.analysis.params import compute_totals
from layerscope.errors import UsageError
from layerscope.report import CapturedModel, Edge, LayerReport, Variable
from layerscope.results import Shrink

from .handmade import chain, dense, plain


def batch_norm(name: str, width: int, previous: str) -> LayerReport:
    def var(short: str, role: str, trainable: bool) -> Variable:
        return Variable(short, f"{name}/{short}", role, (width,), "float32", trainable)

    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name="BatchNormalization",
        variables=(
            var("gamma", "norm", True),
            var("beta", "norm", True),
            var("moving_mean", "stats", False),
            var("moving_variance", "stats", False),
        ),
        input_shapes=((None, width),),
        output_shapes=((None, width),),
        inbound=(previous,),
        config={"name": name},
    )


def conv(name: str, channels: int, filters: int, class_name: str = "Conv2D") -> LayerReport:
    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name=class_name,
        variables=(
            Variable(
                "kernel", f"{name}/kernel", "weight", (3, 3, channels, filters), "float32", True
            ),
            Variable("bias", f"{name}/bias", "bias", (filters,), "float32", True),
        ),
        input_shapes=((None, 8, 8, channels),),
        output_shapes=((None, 8, 8, filters),),
        config={"name": name, "filters": filters, "kernel_size": [3, 3]},
    )


def shrink_of(report: CapturedModel, path: str, samples: int = 100) -> Shrink | None:
    return shrink_estimate(report, compute_totals(report), report.layer(path), samples)


def test_halving_a_dense_layer_narrows_the_norm_and_the_next_kernel() -> None:
    report = chain(
        [
            dense("d1", 8, 16),
            batch_norm("bn", 16, "d1"),
            plain("relu", "ReLU", (None, 16), "bn"),
            dense("d2", 16, 4, previous="relu"),
        ]
    )
    # d1 144 + bn 64 + d2 68 = 276 params; d1 saves 64 + 8, bn 4 x 8, d2's kernel 32
    assert shrink_of(report, "d1") == Shrink(
        layer="d1",
        from_width=16,
        to_width=8,
        params_before=276,
        params_after=140,
        params_saved=136,
        params_per_sample_after=1.4,
        also_shrinks=("bn", "d2"),
    )


def test_odd_width_halves_down() -> None:
    report = chain([dense("d1", 4, 5), dense("d2", 5, 3, previous="d1")])
    shrink = shrink_of(report, "d1", samples=7)
    assert shrink is not None
    # d1: kernel 20 -> 8, bias 5 -> 2; d2: kernel 15 -> 6; 25 + 18 = 43 params in all
    assert (shrink.from_width, shrink.to_width) == (5, 2)
    assert shrink.params_saved == 12 + 3 + 9 == 24
    assert shrink.params_after == 19
    assert shrink.params_per_sample_after == readable_ratio(19 / 7) == 2.71
    assert shrink.also_shrinks == ("d2",)


def test_halving_a_conv_layer() -> None:
    report = chain([conv("c1", 3, 32), conv("c2", 32, 8)])
    shrink = shrink_of(report, "c1")
    assert shrink is not None
    # c1: kernel 864 -> 432, bias 32 -> 16; c2: kernel 2,304 -> 1,152
    assert shrink.params_saved == 432 + 16 + 1152
    assert shrink.params_before == 896 + 2312
    assert shrink.also_shrinks == ("c2",)
    separable = chain([conv("s1", 3, 16, "SeparableConv2D"), conv("c2", 16, 8)])
    separable_shrink = shrink_of(separable, "s1")
    assert separable_shrink is not None and separable_shrink.from_width == 16


@pytest.mark.parametrize(
    "row",
    [
        conv("t", 3, 16, "Conv2DTranspose"),
        dense("one", 4, 1),
        dataclasses.replace(dense("d", 4, 6), config={"units": "6"}),
        dataclasses.replace(dense("d", 4, 6), class_name="MyDense"),
    ],
)
def test_layers_without_a_halvable_width(row: LayerReport) -> None:
    assert shrink_of(chain([row]), row.path) is None


def test_nothing_said_when_the_output_branches_or_meets_an_unknown_layer() -> None:
    a, b, c = dense("a", 4, 8), dense("b", 8, 2), dense("c", 8, 2)
    branching = CapturedModel(
        name="m",
        class_name="Functional",
        layers=(a, b, c),
        edges=(Edge("a", "b", (None, 8)), Edge("a", "c", (None, 8))),
    )
    assert shrink_of(branching, "a") is None
    lstm = dataclasses.replace(dense("lstm", 8, 2, previous="a"), class_name="LSTM")
    assert shrink_of(chain([a, lstm]), "a") is None
    add = plain("add", "Add", (None, 8), "a")
    assert shrink_of(chain([a, add, dense("z", 8, 2, previous="add")]), "a") is None
    nested = LayerReport(
        name="inner", path="inner", depth=0, class_name="Functional", is_container=True
    )
    assert shrink_of(chain([a, nested]), "a") is None
    # the last layer: nothing follows, only its own kernel and bias shrink
    last = shrink_of(chain([a]), "a")
    assert last is not None
    assert (last.params_saved, last.also_shrinks) == (16 + 4, ())


def test_a_pass_through_layer_without_params_is_not_named() -> None:
    report = chain(
        [
            dense("d1", 8, 16),
            plain("drop", "Dropout", (None, 16), "d1"),
            conv("c", 16, 4),
        ]
    )
    shrink = shrink_of(report, "d1")
    assert shrink is not None
    assert shrink.also_shrinks == ("c",)
    assert shrink.params_saved == 64 + 8 + 288


@pytest.mark.parametrize(
    ("activation", "class_name", "units", "classes"),
    [
        ("softmax", "Dense", 10, 10),
        ("Softmax", "Dense", 10, 10),
        ("sigmoid", "Dense", 3, 3),
        ("relu", "Dense", 10, None),
        ("softmax", "Dense", 1, None),
        ("sigmoid", "Dense", 1, None),
        ({"class_name": "Softmax", "config": {}}, "Dense", 4, 4),
        ({"class_name": "", "config": "sigmoid"}, "Dense", 4, 4),
        ({"class_name": "ReLU", "config": "sigmoid"}, "Dense", 4, None),
        ({}, "Dense", 4, None),
        (None, "Softmax", 6, 6),
        (None, "Dense", 6, None),
    ],
)
def test_classifier_classes(
    activation: object, class_name: str, units: int, classes: int | None
) -> None:
    row = dataclasses.replace(
        dense("out", 8, units, previous="d"),
        class_name=class_name,
        config={"units": units, "activation": activation},
    )
    assert classifier_classes(chain([dense("d", 4, 8), row])) == classes


def test_classifier_reads_the_single_output() -> None:
    head = dense("head", 8, 5, activation="softmax", previous="d")
    tail = dense("tail", 8, 2, activation="relu", previous="d")
    model = chain([dense("d", 4, 8), head, tail])
    assert classifier_classes(model) is None  # the last row is not a classifier
    assert classifier_classes(dataclasses.replace(model, outputs=("head",))) == 5
    assert classifier_classes(dataclasses.replace(model, outputs=("head", "tail"))) is None
    no_outputs = dataclasses.replace(model, layers=(model.layers[0], tail, head), outputs=())
    assert classifier_classes(no_outputs) == 5  # the last top-level row
    unknown = dataclasses.replace(head, output_shapes=((None, None),))
    assert classifier_classes(chain([unknown])) is None
    shapeless = dataclasses.replace(head, output_shapes=())
    assert classifier_classes(chain([shapeless])) is None
    inner = dataclasses.replace(head, path="m/head", parent="m", depth=1)
    assert classifier_classes(dataclasses.replace(model, layers=(inner,), outputs=())) is None


def mlp(samples: int, activation: str = "softmax", dropout: bool = False) -> dict:
    """Dense(32 -> 64) -> [Dropout] -> Dense(64 -> 10): 2,112 + 650 = 2,762 params."""
    rows = [dense("hidden", 32, 64, activation="relu")]
    if dropout:
        rows.append(plain("drop", "Dropout", (None, 64), "hidden", {"rate": 0.5}))
    rows.append(dense("out", 64, 10, activation=activation, previous=rows[-1].name))
    report = run_analyses(chain(rows), training_samples=samples)
    data_fit = report.data_fit
    assert data_fit is not None
    return dataclasses.asdict(data_fit)


def test_low_band_reading() -> None:
    fit = mlp(100_000)
    assert fit["band"] == "low"
    assert fit["band_label"] == BAND_LABELS["low"]
    assert fit["params_per_sample"] == fit["trainable_params_per_sample"] == 0.0276
    assert fit["samples_per_param"] == fit["samples_per_trainable_param"] == 36.21
    assert fit["params_per_sample_class"] == 0.00276
    assert fit["interpolation_scale"] == 1_000_000
    assert fit["explanation"] == (
        "0.0276 trainable parameters per sample meets the classic rule of thumb of about ten "
        "samples per parameter; the count alone gives little reason to expect overfitting.",
        "Per sample and class: 0.00276 (below 1). Test error can rise and then fall again as "
        "the parameter count passes the scale of samples x classes (double descent), so a "
        "model near that scale can do worse than a smaller or a larger one.",
        "The ratio counts parameters, not what the network actually learns; it cannot "
        "predict test error. Treat it as a prompt to keep a validation split, not a verdict.",
    )
    assert fit["mitigations"] == ()
    assert [c["layer"] for c in fit["contributions"]] == ["hidden", "out"]
    assert fit["contributions"][0] == {
        "layer": "hidden",
        "path": "hidden",
        "params": 2112,
        "share": 2112 / 2762,
        "params_per_sample": 0.0211,
    }
    assert fit["shrink"]["layer"] == "hidden"
    assert fit["shrink"]["params_saved"] == 1024 + 32 + 320


def test_very_high_band_reading_without_regularisation() -> None:
    fit = mlp(200, activation="relu")
    assert fit["band"] == "very_high"
    assert fit["trainable_params_per_sample"] == 13.81
    assert fit["samples_per_trainable_param"] == 0.0724
    assert fit["classes"] is None
    assert fit["params_per_sample_class"] is None
    assert fit["interpolation_scale"] is None
    assert fit["explanation"] == (
        "13.81 trainable parameters per sample: the model has enough parameters to memorise "
        "its training set. Deep networks are routinely trained past one parameter per sample "
        "and still generalise, helped by regularisation, early stopping and the way gradient "
        "descent trains them; only a held-out validation set can tell whether this one does.",
        "The ratio counts parameters, not what the network actually learns; it cannot "
        "predict test error. Treat it as a prompt to keep a validation split, not a verdict.",
        "No regularisation found in the model: consider Dropout, weight decay (an L2 "
        "regularizer), data augmentation or early stopping (oversize, then restrain).",
    )


def test_high_band_with_dropout_does_not_suggest_regularisation() -> None:
    fit = mlp(2000, dropout=True)
    assert fit["band"] == "high"
    assert fit["mitigations"] == ("Dropout(0.5) in 'drop'",)
    assert fit["params_per_sample_class"] == 0.138
    assert not any("No regularisation" in line for line in fit["explanation"])
    assert "Per sample and class: 0.138 (below 1)." in fit["explanation"][1]
    no_drop = mlp(2000)
    assert no_drop["explanation"][-1].startswith("No regularisation found in the model")
    assert "Per sample and class: 0.138 (below 1)." in no_drop["explanation"][1]
    at_one = mlp(276)  # 2,762 / (276 x 10) = 1.0007
    assert "(above 1)" in at_one["explanation"][1]


def test_a_fully_frozen_model_and_no_samples() -> None:
    report = chain([dense("d", 4, 2, trainable=False)])
    totals = compute_totals(report)
    fit = analyze_data_fit(report, totals, None, 5)
    assert fit is not None
    assert fit.trainable_params == 0
    assert fit.samples_per_trainable_param is None
    assert fit.samples_per_param == 0.5
    assert fit.band == "low"
    assert fit.shrink is None  # no architecture given: no dominant layer
    assert analyze_data_fit(report, totals, None, None) is None
    with pytest.raises(UsageError):
        analyze_data_fit(report, totals, None, None, thresholds={"high": -1})


def test_contributions_keep_the_five_largest_ties_by_path() -> None:
    rows = [dense(f"d{i}", 3, 3, previous=f"d{i - 1}" if i else None) for i in range(6)]
    rows.append(dense("big", 3, 9, previous="d5"))
    fit = run_analyses(chain(rows), training_samples=4).data_fit
    assert fit is not None
    assert [c.path for c in fit.contributions] == ["big", "d0", "d1", "d2", "d3"]
    assert [c.params for c in fit.contributions] == [36, 12, 12, 12, 12]
    assert fit.contributions[0].params_per_sample == 9.0


@pytest.mark.parametrize(
    ("ratio", "band"),
    [(0.0999, "low"), (0.1, "moderate"), (0.999, "moderate"), (1.0, "high"), (10.0, "very_high")],
)
def test_band_boundaries(ratio: float, band: str) -> None:
    assert band_for(ratio, validate_thresholds(None)) == band


def test_classifier_edge_cases() -> None:
    def classes(units: int, activation: object, shape: tuple | None = None) -> int | None:
        out = dataclasses.replace(
            dense("out", 8, units, previous="d"),
            config={"units": units, "activation": activation},
            output_shapes=(shape or (None, units),),
        )
        return classifier_classes(chain([dense("d", 4, 8), out]))

    assert classes(2, "softmax") == 2
    assert classes(5, "softmax", (None, 7, 5)) == 5  # per position: the last axis
    assert classes(5, 3) is None  # an activation that is neither a name nor a mapping


def test_moderate_explanation_and_whole_number_counts() -> None:
    fit = mlp(10_000)
    assert fit["band"] == "moderate"
    assert fit["explanation"][0] == (
        "0.276 trainable parameters per sample is short of the classic rule of thumb (about "
        "ten samples per parameter) but the samples still outnumber the parameters; watch "
        "the validation loss."
    )
    shrink = fit["shrink"]
    assert all(
        type(shrink[key]) is int for key in ("params_before", "params_after", "params_saved")
    )


def test_width_two_halves_to_one_and_a_model_without_parameters() -> None:
    shrink = shrink_of(chain([dense("d", 3, 2)]), "d")
    assert shrink is not None and (shrink.from_width, shrink.to_width) == (2, 1)
    assert shrink.params_saved == 3 + 1
    fit = run_analyses(chain([plain("r", "ReLU", (None, 4), "x")]), training_samples=10).data_fit
    assert fit is not None
    assert (fit.params, fit.samples_per_param, fit.samples_per_trainable_param) == (0, None, None)
    assert fit.band == "low"
