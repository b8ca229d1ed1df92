"""Rules added by the sweep of every ``keras.layers`` class (tests/test_layer_sweep.py checks
them against Keras and an independent TensorFlow-graph count; these pin them at
hand-computed values without Keras)."""

from __future__ import annotations

from typing import Any

import pytest

from layerscope.analysis.cost import layer_macs
from layerscope.catalogue import kind_of, layout_rule, output_rule
from layerscope.errors import StaticUnsupported

DENSE = {"class_name": "Dense", "config": {"units": 4}}

MACS: list[tuple[str, dict[str, Any], list[tuple], list[tuple], int]] = [
    # Dot: output elements x contracted size.
    ("Dot", {"axes": [2, 2]}, [(None, 5, 4), (None, 7, 4)], [(None, 5, 7)], 5 * 7 * 4),
    ("Dot", {"axes": 1}, [(None, 6), (None, 6)], [(None, 1)], 1 * 6),
    ("Dot", {"axes": -1}, [(None, 3, 6), (None, 6)], [(None, 3)], 3 * 6),
    ("Dot", {"axes": [1, 2]}, [(None, 4, 3), (None, 5, 4)], [(None, 3, 5)], 3 * 5 * 4),
    # SpectralNormalization: the wrapped layer's own rule.
    ("SpectralNormalization", {"layer": DENSE}, [(None, 6)], [(None, 4)], 6 * 4),
    # STFTSpectrogram: frames x bins x channels x frame_length per kernel.
    ("STFTSpectrogram", {"frame_length": 32}, [(None, 128, 1)], [(None, 7, 17)], 2 * 7 * 17 * 32),
    (
        "STFTSpectrogram",
        {"frame_length": 32, "mode": "real"},
        [(None, 128, 2)],
        [(None, 7, 34)],
        7 * 34 * 32,
    ),
    # GroupQueryAttention with use_gate: Q, K, V, gate and output projections + 2 products.
    (
        "GroupQueryAttention",
        {"num_query_heads": 4, "num_key_value_heads": 1, "head_dim": 3, "use_gate": True},
        [(None, 5, 8), (None, 5, 8)],
        [(None, 5, 8)],
        5 * 8 * 4 * 3 + 2 * 5 * 8 * 1 * 3 + 5 * 8 * 4 * 3 + 5 * 4 * 3 * 8 + 2 * 4 * 5 * 5 * 3,
    ),
    # MelSpectrogram: the filterbank, (fft_length / 2 + 1) bins per mel bin and frame.
    (
        "MelSpectrogram",
        {"fft_length": 64, "num_mel_bins": 16},
        [(None, 256)],
        [(None, 16, 9)],
        16 * 9 * 33,
    ),
]


@pytest.mark.parametrize(("name", "config", "inputs", "outputs", "macs"), MACS)
def test_mac_rules(
    name: str, config: dict[str, Any], inputs: list[tuple], outputs: list[tuple], macs: int
) -> None:
    assert layer_macs(name, config, inputs, outputs) == macs


def test_spectral_normalization_over_a_layer_without_a_rule_is_uncounted() -> None:
    wrapped = {"layer": {"class_name": "MyLayer", "config": {}}}
    assert layer_macs("SpectralNormalization", wrapped, [(None, 6)], [(None, 4)]) is None


def test_dot_with_unreadable_axes_is_uncounted_not_an_error() -> None:
    assert layer_macs("Dot", {"axes": "x"}, [(None, 6), (None, 6)], [(None, 1)]) is None


SHAPES: list[tuple[str, dict[str, Any], list[tuple], list[tuple]]] = [
    ("Dot", {"axes": [2, 2]}, [(None, 5, 4), (None, 7, 4)], [(None, 5, 7)]),
    ("Dot", {"axes": 1}, [(None, 6), (None, 6)], [(None, 1)]),
    ("AdaptiveAveragePooling2D", {"output_size": [3, 2]}, [(None, 9, 8, 5)], [(None, 3, 2, 5)]),
    ("AdaptiveMaxPooling1D", {"output_size": 4}, [(None, 12, 3)], [(None, 4, 3)]),
    (
        "AdaptiveMaxPooling3D",
        {"output_size": 2, "data_format": "channels_first"},
        [(None, 3, 6, 6, 6)],
        [(None, 3, 2, 2, 2)],
    ),
    ("Resizing", {"height": 6, "width": 5}, [(None, 8, 8, 3)], [(None, 6, 5, 3)]),
    (
        "CenterCrop",
        {"height": 4, "width": 5, "data_format": "channels_first"},
        [(None, 3, 8, 8)],
        [(None, 3, 4, 5)],
    ),
    ("RandomCrop", {"height": 12, "width": 10}, [(None, 16, 16, 3)], [(None, 12, 10, 3)]),
    ("RandomFlip", {}, [(None, 16, 16, 3)], [(None, 16, 16, 3)]),
    (
        "Pipeline",
        {
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "Resizing",
                    "config": {"height": 12, "width": 12},
                },
                {
                    "module": "keras.layers",
                    "class_name": "RandomCrop",
                    "config": {"height": 10, "width": 8},
                },
            ]
        },
        [(None, 16, 16, 3)],
        [(None, 10, 8, 3)],
    ),
    # STFTSpectrogram: (128 - 32) // 16 + 1 = 7 frames of 32 / 2 + 1 = 17 bins.
    ("STFTSpectrogram", {"frame_length": 32, "frame_step": 16}, [(None, 128, 1)], [(None, 7, 17)]),
    (
        "STFTSpectrogram",
        {"frame_length": 20, "frame_step": 8, "padding": "same", "expand_dims": True},
        [(None, 64, 2)],
        [(None, 8, 17, 2)],  # fft_length: 32, the power of two above 20
    ),
    (
        "STFTSpectrogram",
        {"frame_length": 16, "mode": "stft", "data_format": "channels_first"},
        [(None, 2, 64)],
        [(None, 36, 7)],  # 2 channels x 2 x 9 bins; 7 frames of step 8
    ),
    ("MelSpectrogram", {"sequence_stride": 32, "num_mel_bins": 16}, [(None, 256)], [(None, 16, 9)]),
    ("CategoryEncoding", {"num_tokens": 6}, [(None, 3)], [(None, 6)]),
    ("CategoryEncoding", {"num_tokens": 6, "output_mode": "one_hot"}, [(None, 3)], [(None, 3, 6)]),
    ("CategoryEncoding", {"num_tokens": 6, "output_mode": "one_hot"}, [(None, 1)], [(None, 6)]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0]}, [(None, 4)], [(None, 4)]),
    (
        "Discretization",
        {"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"},
        [(None, 1)],
        [(None, 3)],
    ),
    (
        "Discretization",
        {"num_bins": 5, "output_mode": "multi_hot"},
        [(None, 4)],
        [(None, 5)],
    ),
    ("ContrastLimitedAdaptiveHistogramEqualization", {}, [(None, 8, 8, 1)], [(None, 8, 8, 1)]),
]


@pytest.mark.parametrize(("name", "config", "inputs", "outputs"), SHAPES)
def test_output_shape_rules(
    name: str, config: dict[str, Any], inputs: list[tuple], outputs: list[tuple]
) -> None:
    rule = output_rule(name)
    assert rule is not None
    assert rule(config, inputs) == outputs


def test_augmentation_called_on_a_dict_is_left_to_keras() -> None:
    """MixUp or RandomFlip given images with labels or boxes return a dict of outputs."""
    rule = output_rule("MixUp")
    assert rule is not None
    with pytest.raises(StaticUnsupported, match="not one image batch"):
        rule({"name": "mix"}, [(None, 16, 16, 3), (None, 10)])


@pytest.mark.parametrize(
    "name", ["RandomFlip", "MixUp", "AdaptiveMaxPooling2D", "Resizing", "CenterCrop", "Dot"]
)
def test_stateless_classes_the_static_engine_now_reads(name: str) -> None:
    kind = kind_of(name)
    assert kind is not None and kind.stateless and kind.static_layout is not None


def test_layer_normalization_with_rms_scaling_has_gamma_only() -> None:
    """Keras's (deprecated) ``rms_scaling`` builds ``gamma`` whatever ``scale`` says, no beta."""
    layout = layout_rule("LayerNormalization")
    assert layout is not None
    own, _ = layout({"rms_scaling": True, "center": True, "scale": False})
    assert [v.name for v in own] == ["gamma"]
    own, _ = layout({"center": True, "scale": True})
    assert [v.name for v in own] == ["gamma", "beta"]


LSTM_CELL = {"module": "keras.layers", "class_name": "LSTMCell", "config": {"units": 3}}


def test_a_generic_rnn_is_shaped_and_laid_out_as_its_cell_s_layer() -> None:
    shape = output_rule("RNN")
    layout = layout_rule("RNN")
    assert shape is not None and layout is not None
    config = {"cell": LSTM_CELL, "return_state": True, "return_sequences": True}
    assert shape(config, [(None, 5, 4)]) == [(None, 5, 3), (None, 3), (None, 3)]
    own, (cell,) = layout(config)
    assert own == () and (cell.attribute, cell.class_name) == ("cell", "LSTMCell")


def test_a_generic_rnn_over_a_stack_of_cells_is_left_to_keras() -> None:
    layout = layout_rule("RNN")
    assert layout is not None
    stacked = {"module": "keras.layers", "class_name": "StackedRNNCells", "config": {}}
    with pytest.raises(StaticUnsupported, match="RNN over StackedRNNCells"):
        layout({"cell": stacked})


@pytest.mark.parametrize(
    ("name", "config", "inputs", "outputs", "macs"),
    [
        ("Matmul", {"name": "m"}, [(None, 5, 4), (None, 4, 3)], [(None, 5, 3)], 5 * 3 * 4),
        ("Matmul", {"name": "m"}, [(None, 8, 1), (None, 1, 8)], [(None, 8, 8)], 8 * 8 * 1),
        (
            "Einsum",
            {"name": "e", "subscripts": "bij,bjk->bik"},
            [(None, 5, 4), (None, 4, 3)],
            [(None, 5, 3)],
            5 * 4 * 3,
        ),
        ("Dot", {"name": "d"}, [(None, 5, 4), (4, 3)], [(None, 5, 3)], 5 * 3 * 4),
    ],
)
def test_graph_operations_are_priced(
    name: str, config: dict[str, Any], inputs: list[tuple], outputs: list[tuple], macs: int
) -> None:
    """keras.ops.matmul / einsum / dot on symbolic tensors are rows of their own (they cost
    0 before: a functional model's attention written with keras.ops was undercounted)."""
    assert layer_macs(name, config, inputs, outputs) == macs


def test_conv_lstm_is_shaped_as_its_convolution_per_step() -> None:
    shape = output_rule("ConvLSTM2D")
    layout = layout_rule("ConvLSTM2D")
    assert shape is not None and layout is not None
    config = {"filters": 3, "kernel_size": 3, "padding": "same", "strides": 2}
    assert shape({**config, "return_sequences": True}, [(None, 4, 9, 8, 2)]) == [(None, 4, 5, 4, 3)]
    assert shape({**config, "return_state": True}, [(None, 4, 9, 8, 2)]) == [(None, 5, 4, 3)] * 3
    _, (cell,) = layout(config)
    cell_shapes = kind_of("ConvLSTMCell")
    assert cell_shapes is not None and cell_shapes.variable_shapes is not None
    assert cell_shapes.variable_shapes(cell.config, [(None, 9, 8, 2)]) == {
        "kernel": (3, 3, 2, 12),
        "recurrent_kernel": (3, 3, 3, 12),
        "bias": (12,),
    }


def _sequential(*layers: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "class_name": "Sequential",
        "config": {"layers": [{"class_name": name, "config": config} for name, config in layers]},
    }


def test_time_distributed_prices_a_wrapped_sequential_model_layer_by_layer() -> None:
    cnn = _sequential(
        ("InputLayer", {"batch_shape": [None, 8, 8, 1]}),
        ("Conv2D", {"filters": 2, "kernel_size": 3}),
        ("BatchNormalization", {}),
        ("MaxPooling2D", {"pool_size": 2}),
        ("Flatten", {}),
        ("Dense", {"units": 4}),
    )
    per_frame = 6 * 6 * 9 * 1 * 2 + 3 * 3 * 2 * 4
    macs = layer_macs("TimeDistributed", {"layer": cnn}, [(None, 3, 8, 8, 1)], [(None, 3, 4)])
    assert macs == 3 * per_frame


def test_time_distributed_over_a_sequential_with_an_unknown_layer_is_uncounted() -> None:
    inner = _sequential(("Dense", {"units": 4}), ("MyLayer", {}))
    assert layer_macs("TimeDistributed", {"layer": inner}, [(None, 3, 5)], [(None, 3, 4)]) is None


def test_group_query_attention_is_saved_under_one_name_and_reported_under_another() -> None:
    """Keras saves GroupedQueryAttention as GroupQueryAttention, and names its weights group
    after the Python class; rows say the Python class, as the Keras capture does."""
    from layerscope.static.naming import unique_keys

    kind = kind_of("GroupQueryAttention")
    assert kind is not None and kind.python_name == "GroupedQueryAttention"
    entry = {"class_name": "GroupQueryAttention", "config": {}}
    assert unique_keys([entry, entry]) == ["grouped_query_attention", "grouped_query_attention_1"]
    layout = layout_rule("GroupQueryAttention")
    assert layout is not None
    config = {"num_query_heads": 4, "num_key_value_heads": 2, "head_dim": 3, "use_gate": True}
    _, subs = layout(config)
    assert [s.attribute for s in subs] == [
        "_query_dense",
        "_key_dense",
        "_gate_dense",
        "_value_dense",
        "_output_dense",
    ]
    assert subs[1].shapes == {"kernel": (None, 2, 3), "bias": (2, 3)}
