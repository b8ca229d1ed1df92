"""Convolutions a custom layer runs through ``keras.ops`` (no Keras convolution layer)."""

from __future__ import annotations

from layerscope.analysis.cost import op_macs
from layerscope.report import OpCall


def test_a_conv_op_costs_its_window_times_its_input_channels_per_output_element() -> None:
    # 1-D: 10 steps in, kernel 3 over 4 channels to 6, 'valid' padding: 8 steps out.
    conv = OpCall("conv", ((1, 10, 4), (3, 4, 6), (1, 8, 6)))
    assert op_macs(conv) == 8 * 6 * 3 * 4
    # 2-D, grouped (kernel in = 4 / 2 groups), stride 2: 5 x 5 out.
    grouped = OpCall("conv", ((1, 10, 10, 4), (3, 3, 2, 8), (1, 5, 5, 8)))
    assert op_macs(grouped) == 5 * 5 * 8 * 3 * 3 * 2


def test_a_depthwise_conv_op_costs_its_window_per_output_element() -> None:
    # Qwen3.5's causal convolution: kernel 4 over 12 channels, multiplier 1.
    depthwise = OpCall("depthwise_conv", ((1, 19, 12), (4, 12, 1), (1, 16, 12)))
    assert op_macs(depthwise) == 16 * 12 * 4
    doubled = OpCall("depthwise_conv", ((1, 8, 8, 3), (3, 3, 3, 2), (1, 8, 8, 6)))
    assert op_macs(doubled) == 8 * 8 * 6 * 9


def test_an_unknown_length_counts_one_position() -> None:
    assert op_macs(OpCall("conv", ((1, None, 4), (3, 4, 6), (1, None, 6)))) == 6 * 3 * 4
