"""The catalogue of layer knowledge: one entry per class, read by every engine and analysis.

No Keras here: the catalogue, the static engine and the analyses are pure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from layerscope import catalogue
from layerscope.analysis import run_analyses
from layerscope.analysis.cost import has_rule, layer_macs, rule_for
from layerscope.analysis.datafit import find_mitigations
from layerscope.analysis.graph import passes_through
from layerscope.catalogue import CATALOGUE, kind_of, names_where
from layerscope.catalogue.kind import LayerKind
from layerscope.report import LayerReport
from layerscope.weights.read import SPECTRAL_CLASSES, UNIT_CLASSES
from tests.unit.handmade import chain, dense, plain

PREFIX_NAMED_CUSTOM = (
    "DepthwiseConvBlock",
    "DenseNetBlock",
    "RandomThing",
    "Conv2DBlock",
    "LSTMWrapper",
    "DropoutSchedule",
    "BatchNormalizationFolded",
    "MultiHeadAttentionBlock",
)


def test_every_class_is_described_exactly_once() -> None:
    kinds = [kind for family in catalogue._FAMILIES for kind in family.KINDS]
    names = [kind.name for kind in kinds]
    assert len(names) == len(set(names)) == len(CATALOGUE)
    assert all(CATALOGUE[kind.name] is kind for kind in kinds)
    assert all(kind.family == family.__name__.rsplit(".", 1)[-1]
               for family in catalogue._FAMILIES for kind in family.KINDS)  # fmt: skip


def test_a_second_description_of_a_class_is_refused() -> None:
    twice = [LayerKind("Dense", "dense"), LayerKind("Dense", "custom")]
    with pytest.raises(RuntimeError, match="'Dense' is described twice"):
        catalogue._join(twice)


def test_every_class_the_static_engine_reads_is_catalogued() -> None:
    from layerscope.static import SUPPORTED_CLASSES

    assert len(SUPPORTED_CLASSES) >= 80
    assert set(SUPPORTED_CLASSES) <= set(CATALOGUE)


def test_every_class_with_a_cost_rule_is_catalogued_and_priced_by_it() -> None:
    priced = {name for name, kind in CATALOGUE.items() if kind.cost is not None}
    assert {"Dense", "Conv2D", "Convolution2D", "LSTM", "MultiHeadAttention"} <= priced
    assert {"ReversibleEmbedding", "PositionEmbedding", "InputLayer", "Embedding"} <= priced
    for name in priced:
        assert rule_for(name) is CATALOGUE[name].cost
        assert has_rule(name)
    assert has_rule("Bidirectional") and has_rule("TimeDistributed")
    blocks = {name for name, kind in CATALOGUE.items() if kind.block_cost is not None}
    assert blocks == {
        "TransformerEncoder",
        "TransformerDecoder",
        "LlamaTransformerDecoder",
        "MistralTransformerDecoder",
        "QwenTransformerDecoder",
        "Qwen3TransformerDecoder",
        "GemmaDecoderBlock",
        "ViTEncoder",
        "ViTPatchingAndEmbedding",
    }


@pytest.mark.parametrize("name", PREFIX_NAMED_CUSTOM)
def test_prefix_named_custom_classes_get_no_stock_rule(name: str) -> None:
    assert kind_of(name) is None
    assert rule_for(name) is None and not has_rule(name)
    config = {"units": 4, "filters": 4, "kernel_size": 3}
    assert layer_macs(name, config, [(None, 8, 8, 3)], []) is None
    row = plain("x", name, (None, 8), "input")
    assert not passes_through(row)


def test_flags_name_the_known_classes() -> None:
    assert names_where("elementwise") >= {"BatchNormalization", "Add", "ReLU", "Rescaling"}
    assert "Concatenate" not in names_where("elementwise")
    assert names_where("container") == {"Functional", "Sequential", "Model"}
    assert UNIT_CLASSES == {"Dense", "Conv1D", "Conv2D", "Conv3D"}
    assert SPECTRAL_CLASSES == UNIT_CLASSES | {"EinsumDense"}
    lstm = CATALOGUE["LSTM"]
    assert (lstm.gates, lstm.states, lstm.cell) == (4, 2, "LSTMCell")
    assert CATALOGUE["GRUCell"].gates == 3 and CATALOGUE["GRUCell"].cost is None
    regularising = {name: kind.regularising for name, kind in CATALOGUE.items() if kind.regularises}
    assert regularising["SpatialDropout2D"] == "dropout"
    assert regularising["GaussianNoise"] == "noise"
    assert regularising["RandomFlip"] == "augmentation"
    assert regularising["ActivityRegularization"] == "regularizer"
    assert all(name in CATALOGUE for name in ("MaxPooling3D", "GlobalAveragePooling1D"))
    widths = {name: kind.width_key for name, kind in CATALOGUE.items() if kind.width_key}
    assert widths["Dense"] == "units" and widths["SeparableConv2D"] == "filters"
    assert widths["ConvLSTM2D"] == "filters" and "Conv2DTranspose" not in widths
    assert "Conv2DTranspose" in names_where("input_kernel")
    assert "DepthwiseConv2D" not in names_where("input_kernel")
    assert names_where("single_layer") == {
        "Bidirectional",
        "TimeDistributed",
        "MultiHeadAttention",
        "GroupedQueryAttention",
    }
    assert {"Embedding", "ReversibleEmbedding", "PReLU"} == {
        name for name, kind in CATALOGUE.items() if not kind.hidden_layer
    }


def test_cost_rules_give_exact_macs() -> None:
    conv = {"kernel_size": 3, "filters": 16, "groups": 2}
    assert layer_macs("Conv2D", conv, [(None, 8, 8, 4)], [(None, 6, 6, 16)]) == 36 * 9 * 2 * 16
    separable = {"kernel_size": [3, 3], "filters": 8, "depth_multiplier": 2}
    macs = layer_macs("SeparableConv2D", separable, [(None, 8, 8, 4)], [(None, 6, 6, 8)])
    assert macs == 36 * 9 * 4 * 2 + 36 * 4 * 2 * 8
    rnn = {"cell": {"class_name": "GRUCell", "config": {"units": 5}}}
    assert layer_macs("RNN", rnn, [(None, 7, 3)], []) == 7 * 3 * (3 * 5 + 5 * 5)
    wrapped = {"layer": {"class_name": "Dense", "config": {"units": 6}}}
    assert layer_macs("TimeDistributed", wrapped, [(None, 10, 4)], [(None, 10, 6)]) == 10 * 24


def _row(name: str, class_name: str, previous: str, **config: object) -> LayerReport:
    return plain(name, class_name, (None, 8), previous, dict(config))


def test_data_fit_names_regularisers_by_exact_class_only() -> None:
    rows = [
        dense("hidden", 4, 8),
        _row("flip", "RandomFlip", "hidden"),
        _row("thing", "RandomThing", "flip"),
        _row("drop", "Dropout", "thing", rate=0.5),
        _row("noise", "GaussianNoise", "drop", stddev=0.1),
        _row("reg", "ActivityRegularization", "noise", l2=0.01),
        dense("out", 8, 2, previous="reg"),
    ]
    found = [(m.kind, m.text) for m in find_mitigations(chain(rows))]
    assert found == [
        ("augmentation", "data augmentation RandomFlip in 'flip'"),
        ("dropout", "Dropout(0.5) in 'drop'"),
        ("noise", "GaussianNoise(0.1) in 'noise'"),
        ("regularizer", "ActivityRegularization (l2=0.01) in 'reg'"),
    ]


def test_elementwise_work_follows_the_catalogue_flag() -> None:
    rows = [
        dense("hidden", 4, 8),
        _row("act", "ReLU", "hidden"),
        _row("custom", "ReLUThing", "act"),
        dense("out", 8, 2, previous="custom"),
    ]
    cost = run_analyses(chain(rows)).cost
    assert cost.elementwise_ops == 8
    assert cost.macs == 4 * 8 + 8 * 2


def test_the_static_engine_and_the_catalogue_stay_small_modules() -> None:
    package = Path(__file__).resolve().parents[2] / "layerscope"
    files = [
        *sorted((package / "static").glob("*.py")),
        *sorted((package / "catalogue").glob("*.py")),
        package / "analysis" / "cost.py",
    ]
    assert len(files) >= 20
    sizes = {path.name: len(path.read_text().splitlines()) for path in files}
    assert max(sizes.values()) <= 600, sizes
    assert not (package / "static.py").exists()


def test_static_rules_come_from_the_catalogue() -> None:
    from layerscope.catalogue import layout_rule, output_rule, variable_shape_rule
    from layerscope.static import SUPPORTED_CLASSES

    conv = {"name": "c", "filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}
    conv_shape = output_rule("Conv2D")
    assert conv_shape is not None
    assert conv_shape(conv, [(None, 32, 32, 3)]) == [(None, 16, 16, 16)]
    conv_variables = variable_shape_rule("Conv2D")
    assert conv_variables is not None
    assert conv_variables(conv, [(None, 32, 32, 3)]) == {"kernel": (3, 3, 3, 16), "bias": (16,)}
    lstm = layout_rule("LSTM")
    assert lstm is not None
    own, subs = lstm({"name": "l", "units": 4})
    assert own == () and [(s.attribute, s.class_name) for s in subs] == [("cell", "LSTMCell")]
    dropout = layout_rule("Dropout")
    assert dropout is not None and dropout({}) == ((), ())
    assert CATALOGUE["LayerScale"].module == "keras.src.applications.convnext"
    assert dict(CATALOGUE["Normalization"].variable_dtypes) == {"count": "int64"}
    # Keras's aliases are priced, not read statically (Keras saves the class's own name);
    # the augmentation layers have no variables and keep their input's shape at inference.
    assert "Convolution2D" not in SUPPORTED_CLASSES and "RandomFlip" in SUPPORTED_CLASSES
    assert "Conv2D" in SUPPORTED_CLASSES and "Sequential" in SUPPORTED_CLASSES
    assert "Model" not in SUPPORTED_CLASSES
    for name in PREFIX_NAMED_CUSTOM:
        assert layout_rule(name) is None and output_rule(name) is None
        assert name not in SUPPORTED_CLASSES


def test_application_layers_are_keras_own_only_from_their_module() -> None:
    from layerscope.catalogue.params import class_of
    from layerscope.errors import StaticUnsupported

    convnext = {"class_name": "LayerScale", "module": "keras.src.applications.convnext"}
    assert class_of(convnext) == "LayerScale"
    assert class_of({"class_name": "Dense", "module": "keras.layers"}) == "Dense"
    for entry in (
        {"class_name": "LayerScale", "module": "keras.layers"},
        {"class_name": "Dense", "module": "my_package.layers"},
        {"class_name": "Dense", "module": "keras.layers", "registered_name": "my>Dense"},
    ):
        with pytest.raises(StaticUnsupported, match="is not known to the static engine"):
            class_of(entry)
