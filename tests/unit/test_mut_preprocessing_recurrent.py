"""The audio front ends, CategoryEncoding, Discretization, Pipeline and ConvLSTM as the static
engine and the cost walk read them, at hand-computed values (the 09:47 mutation run's survivors
and unreached mutants in ``catalogue/preprocessing.py`` and ``catalogue/recurrent.py``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import preprocessing, recurrent
from layerscope.catalogue.kind import SubSpec, VarSpec
from layerscope.errors import StaticUnsupported


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def _keras(class_name: str, **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "module": "keras.layers", "config": config}


# --- STFTSpectrogram ---------------------------------------------------------------------


def test_stft_bins_from_the_fft_length_or_the_next_power_of_two() -> None:
    bins = preprocessing._stft_bins
    assert bins({"frame_length": 5}) == 5  # fft 8
    assert bins({"frame_length": 8}) == 5  # fft 8: 8 is a power of two already
    assert bins({"frame_length": 9}) == 9  # fft 16
    assert bins({"frame_length": 1}) == 1  # fft 1
    assert bins({"frame_length": 5, "fft_length": None}) == 5
    assert bins({"frame_length": 5, "fft_length": 20}) == 11
    odd = bins({"frame_length": 5, "fft_length": 9})
    assert odd == 5 and type(odd) is int


def test_stft_layout_names_the_kernels_its_mode_runs() -> None:
    both = ((VarSpec("real_kernel"), VarSpec("imag_kernel")), ())
    assert preprocessing._stft_layout({}) == both  # "log"
    assert preprocessing._stft_layout({"mode": "stft"}) == both
    assert preprocessing._stft_layout({"mode": "magnitude"}) == both
    assert preprocessing._stft_layout({"mode": "real"}) == ((VarSpec("real_kernel"),), ())
    assert preprocessing._stft_layout({"mode": "imag"}) == ((VarSpec("imag_kernel"),), ())


def test_stft_variables() -> None:
    assert preprocessing._stft_variables({"frame_length": 5, "fft_length": 12}, [(2, 40, 1)]) == {
        "real_kernel": (5, 1, 7),
        "imag_kernel": (5, 1, 7),
    }
    assert preprocessing._stft_variables({"frame_length": 9}, []) == {
        "real_kernel": (9, 1, 9),
        "imag_kernel": (9, 1, 9),
    }


def test_stft_output_shapes() -> None:
    shape = preprocessing._stft_shape
    # frame 5 (fft 8: 5 bins), step 5 // 2 = 2, valid: (11 - 5) // 2 + 1 = 4 frames.
    config: dict[str, Any] = {"name": "s", "frame_length": 5}
    assert shape(config, [(2, 11, 3)]) == [(2, 4, 15)]
    assert shape({**config, "padding": "same"}, [(2, 11, 3)]) == [(2, 6, 15)]
    assert shape({**config, "frame_step": 3}, [(2, 11, 3)]) == [(2, 3, 15)]
    assert shape({**config, "mode": "stft"}, [(2, 11, 3)]) == [(2, 4, 30)]
    assert shape({**config, "mode": "real"}, [(2, 11, 3)]) == [(2, 4, 15)]
    assert shape({**config, "expand_dims": True}, [(2, 11, 3)]) == [(2, 4, 5, 3)]
    first = {**config, "data_format": "channels_first"}
    assert shape(first, [(2, 3, 11)]) == [(2, 15, 4)]
    assert shape({**first, "expand_dims": True}, [(2, 3, 11)]) == [(2, 3, 4, 5)]
    assert shape(config, [(None, None, 3)]) == [(None, None, 15)]
    assert shape(config, [(2, 11, None)]) == [(2, 4, None)]
    with _refused("layer 's': called on [(2, 11, 3), (2, 11, 3)]"):
        shape(config, [(2, 11, 3), (2, 11, 3)])
    with _refused("layer 's': called on [(2, 11)]"):
        shape(config, [(2, 11)])


def test_stft_macs_per_kernel() -> None:
    out = [(None, 4, 10)]  # 40 output elements, each 5 MACs per kernel
    assert preprocessing.stft_macs({"frame_length": 5}, [], out) == 400
    assert preprocessing.stft_macs({"frame_length": 5, "mode": "log"}, [], out) == 400
    assert preprocessing.stft_macs({"frame_length": 5, "mode": "magnitude"}, [], out) == 400
    assert preprocessing.stft_macs({"frame_length": 5, "mode": "psd"}, [], out) == 400
    assert preprocessing.stft_macs({"frame_length": 5, "mode": "real"}, [], out) == 200
    assert preprocessing.stft_macs({"frame_length": 5, "mode": "imag"}, [], out) == 200
    assert preprocessing.stft_macs({"frame_length": 5, "mode": "stft"}, [], out) == 200


# --- MelSpectrogram ----------------------------------------------------------------------


def test_mel_output_shapes() -> None:
    shape = preprocessing._mel_shape
    config = {"name": "m", "sequence_stride": 10, "num_mel_bins": 8}
    assert shape(config, [(2, 99)]) == [(2, 8, 11)]  # (99 + 10 + 1) // 10
    assert shape(config, [(2, 98)]) == [(2, 8, 10)]  # (98 + 10 + 1) // 10
    assert shape(config, [(None, None)]) == [(None, 8, None)]
    with _refused("layer 'm': called on [(2, 99), (2, 99)]"):
        shape(config, [(2, 99), (2, 99)])
    with _refused("layer 'm': called on [(2, 99, 1)]"):
        shape(config, [(2, 99, 1)])


def test_mel_macs_are_whole_numbers() -> None:
    macs = preprocessing.mel_macs({"fft_length": 9}, [], [(None, 8, 11)])
    assert macs == 88 * 5 and type(macs) is int
    assert preprocessing.mel_macs({"fft_length": 512}, [], [(None, 8, 11)]) == 88 * 257


# --- image sizes ---------------------------------------------------------------------------


def test_resized_shape_names_the_layer_when_it_refuses() -> None:
    config = {"name": "r", "height": 3, "width": 4}
    assert preprocessing.resized_shape(config, [(2, 8, 9, 5)]) == [(2, 3, 4, 5)]
    with _refused("layer 'r': called on [(2, 8, 9)], not one image batch"):
        preprocessing.resized_shape(config, [(2, 8, 9)])


# --- CategoryEncoding and Discretization -------------------------------------------------


def test_category_encoding_shapes() -> None:
    shape = preprocessing._category_encoding_shape
    tokens = {"num_tokens": 5}
    assert shape(tokens, [(4, 3)]) == [(4, 5)]  # multi_hot
    assert shape(tokens, [(4, 3, 2)]) == [(4, 3, 5)]
    assert shape({**tokens, "output_mode": "count"}, [(4, 3, 2)]) == [(4, 3, 5)]
    one_hot = {**tokens, "output_mode": "one_hot"}
    assert shape(one_hot, [(4, 2)]) == [(4, 2, 5)]
    assert shape(one_hot, [(4, 1)]) == [(4, 5)]
    assert shape(one_hot, [(4, 1, 3)]) == [(4, 1, 3, 5)]
    assert shape(one_hot, [(4, 3, 1)]) == [(4, 3, 5)]


def test_discretization_shapes() -> None:
    shape = preprocessing._discretization_shape
    edges = {"bin_boundaries": [0.0, 1.0]}  # 3 bins
    assert shape(edges, [(4, 3)]) == [(4, 3)]  # int
    one_hot = {**edges, "output_mode": "one_hot"}
    assert shape(one_hot, [(4, 1)]) == [(4, 3)]
    assert shape(one_hot, [(4, 2, 1)]) == [(4, 2, 3)]
    assert shape(one_hot, [(4, 2)]) == [(4, 2, 3)]
    assert shape(one_hot, [(4, 1, 2)]) == [(4, 1, 2, 3)]
    assert shape(one_hot, [(1,)]) == [(1, 3)]
    bins = {"num_bins": 6, "output_mode": "multi_hot"}
    assert shape(bins, [(4, 3)]) == [(4, 6)]
    assert shape(bins, [(4, 3, 2)]) == [(4, 2, 6)]
    assert shape(bins, [(4, 3, 2, 7)]) == [(4, 2, 7, 6)]
    assert shape({**bins, "output_mode": "count"}, [(4, 3, 2)]) == [(4, 2, 6)]
    assert shape({**bins, "bin_boundaries": (0.0,)}, [(4, 3)]) == [(4, 6)]


# --- Pipeline ------------------------------------------------------------------------------


def test_pipeline_layers_and_layout() -> None:
    rescale = _keras("Rescaling", scale=0.5)
    resize = _keras("Resizing", height=3, width=4)
    config = {"name": "p", "layers": [rescale, resize]}
    assert preprocessing._pipeline_layers(config) == [
        ("Rescaling", {"scale": 0.5}),
        ("Resizing", {"height": 3, "width": 4}),
    ]
    assert preprocessing._pipeline_layers({"name": "p", "layers": []}) == []
    assert preprocessing._pipeline_layout(config) == ((), ())
    for layers in (None, "abc", [rescale, 1], [1]):
        with _refused("layer 'p': unreadable Pipeline layers"):
            preprocessing._pipeline_layers({"name": "p", "layers": layers})
        with _refused("layer 'p': unreadable Pipeline layers"):
            preprocessing._pipeline_layout({"name": "p", "layers": layers})
    for inner in ("Dense", "NoSuchLayer"):
        with _refused(f"layer 'p': a Pipeline holding {inner}"):
            preprocessing._pipeline_layers({"name": "p", "layers": [rescale, _keras(inner)]})


def test_pipeline_shape_chains_its_layers() -> None:
    rescale = _keras("Rescaling", scale=0.5)
    resize = _keras("Resizing", height=3, width=4)
    shape = preprocessing._pipeline_shape
    assert shape({"name": "p", "layers": [rescale, resize]}, [(2, 8, 9, 5)]) == [(2, 3, 4, 5)]
    assert shape({"name": "p", "layers": []}, [(2, 8, 9, 5)]) == [(2, 8, 9, 5)]
    held = {"name": "p", "layers": [rescale, _keras("RandomHeight", factor=0.2), resize]}
    with _refused("layer 'p': RandomHeight's output shape"):
        shape(held, [(2, 8, 9, 5)])


# --- RNN(cell) and ConvLSTM ----------------------------------------------------------------


def test_generic_rnn_layout_keeps_the_cell_config() -> None:
    config = {"cell": _keras("GRUCell", units=3, reset_after=False)}
    assert recurrent._generic_rnn_layout(config) == (
        (),
        (SubSpec("cell", "GRUCell", {"units": 3, "reset_after": False}),),
    )


def test_conv_lstm_layout_passes_its_kernel_settings_to_the_cell() -> None:
    full = {
        "name": "c",
        "filters": 4,
        "kernel_size": [3, 3],
        "data_format": "channels_first",
        "use_bias": False,
        "padding": "same",
        "return_sequences": True,
    }
    assert recurrent._conv_lstm_layout(full) == (
        (),
        (
            SubSpec(
                "cell",
                "ConvLSTMCell",
                {
                    "name": "c",
                    "filters": 4,
                    "kernel_size": [3, 3],
                    "data_format": "channels_first",
                    "use_bias": False,
                    "trainable": True,
                },
            ),
        ),
    )
    assert recurrent._conv_lstm_layout({"filters": 2, "data_format": None}) == (
        (),
        (SubSpec("cell", "ConvLSTMCell", {"filters": 2, "data_format": None, "trainable": True}),),
    )


def test_conv_lstm_cell_variables() -> None:
    variables = recurrent._conv_lstm_cell_variables
    got = variables({"filters": 4, "kernel_size": 3}, [(2, 8, 9, 5)])
    assert got == {"kernel": (3, 3, 5, 16), "recurrent_kernel": (3, 3, 4, 16), "bias": (16,)}
    assert all(type(size) is int for size in got["recurrent_kernel"])
    first = {"filters": 2, "kernel_size": [3, 1], "data_format": "channels_first"}
    assert variables(first, [(2, 5, 8, 9)]) == {
        "kernel": (3, 1, 5, 8),
        "recurrent_kernel": (3, 1, 2, 8),
        "bias": (8,),
    }
    with _refused("layer 'c': no input shape to convolve"):
        variables({"name": "c", "filters": 4, "kernel_size": 3}, [])


def test_conv_lstm_output_shapes() -> None:
    two = recurrent._conv_lstm_shape(2)
    config: dict[str, Any] = {"name": "c", "filters": 4, "kernel_size": 3}
    state = (2, 6, 7, 4)  # (8 - 3 + 1, 9 - 3 + 1), 4 filters
    assert two(config, [(2, 5, 8, 9, 3)]) == [state]
    assert two({**config, "return_sequences": True}, [(2, 5, 8, 9, 3)]) == [(2, 5, 6, 7, 4)]
    assert two({**config, "return_state": True}, [(2, 5, 8, 9, 3)]) == [state, state, state]
    both = {**config, "return_sequences": True, "return_state": True}
    assert two(both, [(2, 5, 8, 9, 3)]) == [(2, 5, 6, 7, 4), state, state]
    assert two({**config, "padding": "same"}, [(2, 5, 8, 9, 3), (2, 8, 9, 4)]) == [(2, 8, 9, 4)]
    first = {**config, "data_format": "channels_first", "return_sequences": True}
    assert two(first, [(2, 5, 3, 8, 9)]) == [(2, 5, 4, 6, 7)]
    one = recurrent._conv_lstm_shape(1)
    assert one({**config, "strides": 2}, [(None, None, 11, 3)]) == [(None, 5, 4)]
    three = recurrent._conv_lstm_shape(3)
    assert three({**config, "kernel_size": 2}, [(2, 5, 4, 5, 6, 3)]) == [(2, 3, 4, 5, 4)]
    with _refused("layer 'c': no ConvLSTM state shape"):
        recurrent._conv_lstm_shape(4)(config, [(2, 5, 8, 8, 8, 8, 3)])
