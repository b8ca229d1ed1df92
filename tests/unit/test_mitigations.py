"""The regularisation finder on hand-built rows: every kind it names, in the exact words the
reports print (issue 17's mutation run found these reached only by Keras-tier tests)."""

from __future__ import annotations

from typing import Any

from layerscope.analysis.datafit import find_mitigations
from layerscope.report import CapturedModel, LayerReport

from .handmade import chain, dense, plain


def row(name: str, class_name: str, config: dict[str, Any], **extra: Any) -> LayerReport:
    extra.setdefault("depth", 0)
    return LayerReport(
        name=name,
        path=name,
        class_name=class_name,
        output_shapes=((None, 4),),
        input_shapes=((None, 4),),
        config={"name": name, **config},
        **extra,
    )


def texts(report: CapturedModel) -> list[str]:
    return [item.text for item in find_mitigations(report)]


def test_layers_that_regularise() -> None:
    report = chain(
        [
            row("drop", "Dropout", {"rate": 0.5}),
            row("drop_no_rate", "SpatialDropout2D", {}),
            row("alpha", "AlphaDropout", {"rate": 0.009999999776482582}),
            row("noise", "GaussianNoise", {"stddev": 0.1}),
            row("bn", "BatchNormalization", {}),
            row("ln", "LayerNormalization", {}),
            row("standardise", "Normalization", {}),
            row("flip", "RandomFlip", {}),
            row("mix", "MixUp", {}),
            row("act_reg", "ActivityRegularization", {"l1": 0.01, "l2": 0.0}),
            row("both", "ActivityRegularization", {"l1": 0.01, "l2": 0.02}),
            row("plain", "Dense", {"units": 4}),
            row("random_name", "XRandomThing", {}),
        ]
    )
    assert texts(report) == [
        "Dropout(0.5) in 'drop'",
        "SpatialDropout2D in 'drop_no_rate'",
        "AlphaDropout(0.01) in 'alpha'",
        "GaussianNoise(0.1) in 'noise'",
        "BatchNormalization in 'bn'",
        "LayerNormalization in 'ln'",
        "data augmentation RandomFlip in 'flip'",
        "data augmentation MixUp in 'mix'",
        "ActivityRegularization (l1=0.01) in 'act_reg'",
        "ActivityRegularization (l1=0.01, l2=0.02) in 'both'",
    ]
    found = find_mitigations(report)
    assert [item.kind for item in found] == [
        "dropout",
        "dropout",
        "dropout",
        "noise",
        "normalization",
        "normalization",
        "augmentation",
        "augmentation",
        "regularizer",
        "regularizer",
    ]
    first = found[0]
    assert (first.layer, first.path, first.what) == ("drop", "drop", "Dropout(0.5)")
    assert found[6].what == "data augmentation RandomFlip"


def test_regularizers_and_constraints_in_a_config() -> None:
    config = {
        "units": 4,
        "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.009999999776482582}},
        "bias_regularizer": "l1",
        "activity_regularizer": {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}},
        "recurrent_regularizer": {"class_name": "l1_l2", "config": {"l2": 0.5}},
        "gamma_regularizer": {"class_name": "OrthogonalRegularizer", "config": None},
        "beta_regularizer": {"class_name": "", "config": {"l2": 1.0}},
        "depthwise_regularizer": "",
        "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}},
        "bias_constraint": "NonNeg",
        "embeddings_constraint": {"class_name": "UnitNorm", "config": {"name": "x"}},
    }
    found = find_mitigations(chain([row("d", "Dense", config)]))
    assert [item.text for item in found] == [
        "L2 kernel regularizer (0.01) on 'd'",
        "L1 bias regularizer on 'd'",
        "L1L2 activity regularizer (l1=0.01, l2=0.02) on 'd'",
        "L1L2 recurrent regularizer (l2=0.5) on 'd'",
        "OrthogonalRegularizer gamma regularizer on 'd'",
        "MaxNorm kernel constraint (max_value=2, axis=0) on 'd'",
        "NonNeg bias constraint on 'd'",
        "UnitNorm embeddings constraint on 'd'",
    ]
    assert [item.kind for item in found] == ["regularizer"] * 5 + ["constraint"] * 3
    assert found[0].what == "L2 kernel regularizer (0.01)"


def test_l1_with_both_factors_lists_both() -> None:
    config = {"kernel_regularizer": {"class_name": "L1", "config": {"l1": 0.1, "l2": 0.2}}}
    assert texts(chain([row("d", "Dense", config)])) == [
        "L1 kernel regularizer (l1=0.1, l2=0.2) on 'd'"
    ]


def test_recurrent_dropout_settings() -> None:
    report = chain(
        [
            row("lstm", "LSTM", {"dropout": 0.2, "recurrent_dropout": 0.1}),
            row("gru", "GRU", {"dropout": 0, "recurrent_dropout": 0.0}),
            row("flag", "GRU", {"dropout": True, "recurrent_dropout": "0.3"}),
            row("drop", "Dropout", {"rate": 0.3, "dropout": 0.3}),
        ]
    )
    found = find_mitigations(report)
    assert [item.text for item in found] == [
        "input dropout (0.2) in 'lstm'",
        "recurrent dropout (0.1) in 'lstm'",
        "Dropout(0.3) in 'drop'",
    ]
    assert [item.what for item in found] == [
        "input dropout (0.2)",
        "recurrent dropout (0.1)",
        "Dropout(0.3)",
    ]


def test_wrapped_layers_are_read_once() -> None:
    inner = {
        "class_name": "LSTM",
        "config": {"units": 4, "dropout": 0.25, "kernel_regularizer": "l2"},
    }
    wrapper = row(
        "bi",
        "Bidirectional",
        {"layer": inner, "forward_layer": inner, "backward_layer": inner, "dropout": "no"},
    )
    named = row("td", "TimeDistributed", {"layer": "Dense"})  # a bare name has no config
    assert texts(chain([wrapper, named])) == [
        "L2 kernel regularizer on 'bi' (LSTM inside)",
        "input dropout (0.25) in 'bi' (LSTM inside)",
    ]
    found = find_mitigations(chain([wrapper]))
    assert [item.what for item in found] == [
        "L2 kernel regularizer (LSTM inside)",
        "input dropout (0.25) (LSTM inside)",
    ]
    assert [item.layer for item in found] == ["bi", "bi"]


def test_sub_layers_of_a_block_and_inputs_are_skipped() -> None:
    block = row("blk", "MyBlock", {}, is_block=True)
    inside = row("blk/drop", "Dropout", {"rate": 0.1}, parent="blk", depth=1)
    own = row("top_drop", "Dropout", {"rate": 0.2})
    report = CapturedModel(
        name="m",
        class_name="Functional",
        layers=(plain("input", "InputLayer", (None, 4), "x", {"rate": 0.5}), block, inside, own),
    )
    found = find_mitigations(report)
    assert [(item.path, item.text) for item in found] == [
        ("top_drop", "Dropout(0.2) in 'top_drop'")
    ]


def test_dense_rows_without_settings_find_nothing() -> None:
    assert find_mitigations(chain([dense("a", 4, 4), dense("b", 4, 2, previous="a")])) == ()


def test_settings_that_are_not_numbers_are_shown_as_written() -> None:
    report = chain(
        [
            row("drop", "Dropout", {"rate": "0.5"}),
            row("noise", "GaussianNoise", {}),
            row(
                "d",
                "Dense",
                {
                    "kernel_regularizer": "l1l2",
                    "bias_regularizer": {"class_name": "L1", "config": {"l1": 0.1}},
                },
            ),
        ]
    )
    assert texts(report) == [
        "Dropout(0.5) in 'drop'",
        "GaussianNoise(None) in 'noise'",
        "L1L2 kernel regularizer on 'd'",
        "L1 bias regularizer (0.1) on 'd'",
    ]


def test_each_wrapper_key_is_read() -> None:
    only_layer = row(
        "td",
        "TimeDistributed",
        {"dropout": 0.3, "layer": {"class_name": "Dense", "config": {"kernel_regularizer": "l2"}}},
    )
    directions = row(
        "bi",
        "Bidirectional",
        {
            "forward_layer": {"class_name": "GRU", "config": {"dropout": 0.1}},
            "backward_layer": {"class_name": "LSTM", "config": {"dropout": 0.2}},
        },
    )
    nameless = row("odd", "Bidirectional", {"layer": {"config": {"dropout": 0.4}}})
    assert texts(chain([only_layer, directions, nameless])) == [
        "input dropout (0.3) in 'td'",
        "L2 kernel regularizer on 'td' (Dense inside)",
        "input dropout (0.1) in 'bi' (GRU inside)",
        "input dropout (0.2) in 'bi' (LSTM inside)",
    ]


def test_recurrent_dropout_is_a_dropout_kind() -> None:
    found = find_mitigations(chain([row("lstm", "LSTM", {"recurrent_dropout": 0.1})]))
    assert [(item.kind, item.what) for item in found] == [("dropout", "recurrent dropout (0.1)")]
