"""The catalogue's MAC rule factories, called by the test itself (issue 17's mutation run).

``conv_macs(rank)``, ``recurrent_macs(gates)``, hub's ``_block(gated, divisor)``... build
their rules once, when the catalogue is imported, so a test that only asks ``layer_macs``
for a class runs the closures built before any change to the factory. These tests build each
rule from its factory and check it at hand-computed values, written as the arithmetic of the
convention (one sample, ``None`` counts 1), with every dimension distinct so that a swapped
axis, a wrong rank or a wrong default changes the figure.
"""

from __future__ import annotations

from typing import Any

import pytest

from layerscope.catalogue import conv, hub, recurrent

Shape = tuple[int | None, ...]


def _rule_cases() -> list[tuple[str, Any, dict[str, Any], list[Shape], list[Shape], int]]:
    return [
        # plain convolution: output positions x kernel volume x in/groups x filters
        (
            "conv2d-list-kernel",
            conv.conv_macs(2),
            {"filters": 8, "kernel_size": [3, 2]},
            [(None, 10, 11, 6)],
            [(None, 8, 10, 8)],
            8 * 10 * (3 * 2) * 6 * 8,
        ),
        (
            "conv2d-int-kernel-groups",
            conv.conv_macs(2),
            {"filters": 8, "kernel_size": 3, "groups": 2},
            [(None, 10, 11, 6)],
            [(None, 8, 9, 8)],
            8 * 9 * (3 * 3) * (6 // 2) * 8,
        ),
        (
            "conv2d-groups-none",
            conv.conv_macs(2),
            {"filters": 8, "kernel_size": 3, "groups": None},
            [(None, 10, 11, 6)],
            [(None, 8, 9, 8)],
            8 * 9 * 9 * 6 * 8,
        ),
        (
            "conv2d-channels-first",
            conv.conv_macs(2),
            {"filters": 5, "kernel_size": [3, 2], "data_format": "channels_first"},
            [(None, 6, 10, 11)],
            [(None, 5, 8, 10)],
            8 * 10 * 6 * 6 * 5,
        ),
        (
            "conv1d",
            conv.conv_macs(1),
            {"filters": 2, "kernel_size": 3},
            [(None, 10, 4)],
            [(None, 8, 2)],
            8 * 3 * 4 * 2,
        ),
        (
            "conv3d-int-kernel",
            conv.conv_macs(3),
            {"filters": 2, "kernel_size": 2},
            [(None, 5, 4, 3, 3)],
            [(None, 4, 3, 2, 2)],
            (4 * 3 * 2) * 8 * 3 * 2,
        ),
        (
            "conv2d-unknown-output-size",
            conv.conv_macs(2),
            {"filters": 4, "kernel_size": 3},
            [(None, None, None, 3)],
            [(None, None, 7, 4)],
            1 * 7 * 9 * 3 * 4,
        ),
        # transposed: input positions x kernel volume x in x filters
        (
            "conv2d-transpose",
            conv.conv_transpose_macs(2),
            {"filters": 2, "kernel_size": [3, 2]},
            [(None, 4, 5, 3)],
            [(None, 6, 6, 2)],
            4 * 5 * 6 * 3 * 2,
        ),
        (
            "conv2d-transpose-int-kernel",
            conv.conv_transpose_macs(2),
            {"filters": 2, "kernel_size": 3},
            [(None, 4, 5, 3)],
            [(None, 6, 7, 2)],
            4 * 5 * 9 * 3 * 2,
        ),
        (
            "conv2d-transpose-channels-first",
            conv.conv_transpose_macs(2),
            {"filters": 2, "kernel_size": 3, "data_format": "channels_first"},
            [(None, 3, 4, 5)],
            [(None, 2, 6, 7)],
            4 * 5 * 9 * 3 * 2,
        ),
        (
            "conv3d-transpose",
            conv.conv_transpose_macs(3),
            {"filters": 1, "kernel_size": 2},
            [(None, 2, 3, 4, 5)],
            [(None, 3, 4, 5, 1)],
            (2 * 3 * 4) * 8 * 5 * 1,
        ),
        # depthwise: output positions x kernel volume x in x multiplier
        (
            "depthwise2d",
            conv.depthwise_macs(2),
            {"kernel_size": [3, 2], "depth_multiplier": 2},
            [(None, 6, 7, 4)],
            [(None, 4, 6, 8)],
            4 * 6 * 6 * 4 * 2,
        ),
        (
            "depthwise2d-default-multiplier",
            conv.depthwise_macs(2),
            {"kernel_size": 3},
            [(None, 6, 7, 4)],
            [(None, 4, 5, 4)],
            4 * 5 * 9 * 4 * 1,
        ),
        (
            "depthwise2d-multiplier-none-channels-first",
            conv.depthwise_macs(2),
            {"kernel_size": 3, "depth_multiplier": None, "data_format": "channels_first"},
            [(None, 4, 6, 7)],
            [(None, 4, 4, 5)],
            4 * 5 * 9 * 4 * 1,
        ),
        (
            "depthwise1d",
            conv.depthwise_macs(1),
            {"kernel_size": 3, "depth_multiplier": 3},
            [(None, 6, 4)],
            [(None, 4, 12)],
            4 * 3 * 4 * 3,
        ),
        # separable: the depthwise product plus a 1x1 pointwise product
        (
            "separable2d",
            conv.separable_macs(2),
            {"kernel_size": [3, 2], "filters": 8, "depth_multiplier": 2},
            [(None, 6, 7, 4)],
            [(None, 4, 6, 8)],
            4 * 6 * 6 * 4 * 2 + 4 * 6 * 4 * 2 * 8,
        ),
        (
            "separable2d-default-multiplier",
            conv.separable_macs(2),
            {"kernel_size": 3, "filters": 5},
            [(None, 6, 7, 4)],
            [(None, 4, 5, 5)],
            4 * 5 * 9 * 4 + 4 * 5 * 4 * 5,
        ),
        (
            "separable2d-multiplier-none-channels-first",
            conv.separable_macs(2),
            {
                "kernel_size": 3,
                "filters": 5,
                "depth_multiplier": None,
                "data_format": "channels_first",
            },
            [(None, 4, 6, 7)],
            [(None, 5, 4, 5)],
            4 * 5 * 9 * 4 + 4 * 5 * 4 * 5,
        ),
        (
            "separable1d",
            conv.separable_macs(1),
            {"kernel_size": 3, "filters": 2},
            [(None, 6, 4)],
            [(None, 4, 2)],
            4 * 3 * 4 + 4 * 4 * 2,
        ),
        # recurrent: steps x gates x (in x units + units x units)
        (
            "lstm",
            recurrent.recurrent_macs(4),
            {"units": 3},
            [(None, 7, 5)],
            [(None, 3)],
            7 * 4 * (5 * 3 + 3 * 3),
        ),
        (
            "gru-one-step",
            recurrent.recurrent_macs(3),
            {"units": 3},
            [(None, 5)],
            [(None, 3)],
            1 * 3 * (5 * 3 + 3 * 3),
        ),
        (
            "simple-rnn-unknown-steps",
            recurrent.recurrent_macs(1),
            {"units": 2},
            [(None, None, 5)],
            [(None, None, 2)],
            1 * 1 * (5 * 2 + 2 * 2),
        ),
        (
            "lstm-unknown-features",
            recurrent.recurrent_macs(4),
            {"units": 3},
            [(None, 6, None)],
            [(None, 3)],
            6 * 4 * (1 * 3 + 3 * 3),
        ),
        # ConvLSTM: steps x output positions x kernel volume x (in + filters) x 4 x filters
        (
            "conv-lstm2d",
            recurrent.conv_lstm_macs(2),
            {"filters": 4, "kernel_size": [3, 2]},
            [(None, 5, 8, 9, 3)],
            [(None, 6, 8, 4)],
            5 * (6 * 8) * 6 * (3 + 4) * 4 * 4,
        ),
        (
            "conv-lstm2d-sequences-int-kernel",
            recurrent.conv_lstm_macs(2),
            {"filters": 4, "kernel_size": 3},
            [(None, 5, 8, 9, 3)],
            [(None, 5, 6, 7, 4)],
            5 * (6 * 7) * 9 * (3 + 4) * 4 * 4,
        ),
        (
            "conv-lstm2d-channels-first",
            recurrent.conv_lstm_macs(2),
            {"filters": 4, "kernel_size": 3, "data_format": "channels_first"},
            [(None, 5, 3, 8, 9)],
            [(None, 4, 6, 7)],
            5 * (6 * 7) * 9 * (3 + 4) * 4 * 4,
        ),
        (
            "conv-lstm2d-channels-first-sequences",
            recurrent.conv_lstm_macs(2),
            {"filters": 4, "kernel_size": 3, "data_format": "channels_first"},
            [(None, 5, 3, 8, 9)],
            [(None, 5, 4, 6, 7)],
            5 * (6 * 7) * 9 * (3 + 4) * 4 * 4,
        ),
        (
            "conv-lstm1d",
            recurrent.conv_lstm_macs(1),
            {"filters": 2, "kernel_size": 3},
            [(None, 5, 8, 3)],
            [(None, 6, 2)],
            5 * 6 * 3 * (3 + 2) * 4 * 2,
        ),
        (
            "conv-lstm3d",
            recurrent.conv_lstm_macs(3),
            {"filters": 2, "kernel_size": 2},
            [(None, 3, 4, 5, 6, 1)],
            [(None, 3, 4, 5, 2)],
            3 * (3 * 4 * 5) * 8 * (1 + 2) * 4 * 2,
        ),
        (
            "conv-lstm2d-unknown-steps",
            recurrent.conv_lstm_macs(2),
            {"filters": 4, "kernel_size": 3},
            [(None, None, 8, 9, 3)],
            [(None, 6, 7, 4)],
            1 * (6 * 7) * 9 * (3 + 4) * 4 * 4,
        ),
    ]


_NAMES = [case[0] for case in _rule_cases()]


@pytest.mark.parametrize("index", range(len(_NAMES)), ids=_NAMES)
def test_factory_built_rule(index: int) -> None:
    # The rule is built here, inside the test, not when the module is collected.
    name, rule, config, inputs, outputs, macs = _rule_cases()[index]
    assert rule(config, inputs, outputs) == macs, name


def _block_by_hand(t: int, d: int, h: int, k: int, head: int, f: int, gated: bool) -> int:
    query, key, value, output = (
        t * d * h * head,
        t * d * k * head,
        t * d * k * head,
        t * h * head * d,
    )
    scores, weighted = h * t * t * head, h * t * t * head
    feed_forward = t * d * f * 2 + (t * d * f if gated else 0)
    return query + key + value + output + scores + weighted + feed_forward


@pytest.mark.parametrize(
    ("gated", "divisor", "config", "shape", "macs"),
    [
        # multi-head: key/value heads default to the query heads, head size to width / heads
        (False, 1, {"num_heads": 4, "intermediate_dim": 10}, (None, 6, 8), (6, 8, 4, 4, 2, 10)),
        # grouped query heads named num_query_heads, with their own key/value heads and size
        (
            True,
            1,
            {
                "num_query_heads": 4,
                "num_key_value_heads": 2,
                "head_dim": 3,
                "intermediate_dim": 10,
            },
            (None, 6, 8),
            (6, 8, 4, 2, 3, 10),
        ),
        # num_heads wins over num_query_heads; Gemma's feed-forward width is halved
        (
            True,
            2,
            {"num_heads": 2, "num_query_heads": 9, "intermediate_dim": 14},
            (None, 5, 12),
            (5, 12, 2, 2, 6, 7),
        ),
        # a None key/value head count or head size falls back like a missing one
        (
            False,
            1,
            {
                "num_heads": 2,
                "num_key_value_heads": None,
                "head_dim": None,
                "intermediate_dim": 9,
            },
            (None, 3, 4, 8),
            (12, 8, 2, 2, 4, 9),
        ),
        # an odd feed-forward width halves by floor division
        (True, 2, {"num_heads": 1, "intermediate_dim": 7}, (None, 2, 4), (2, 4, 1, 1, 4, 3)),
    ],
)
def test_hub_block_rule(
    gated: bool,
    divisor: int,
    config: dict[str, Any],
    shape: Shape,
    macs: tuple[int, int, int, int, int, int],
) -> None:
    expected = _block_by_hand(*macs, gated=gated)
    assert hub._block(gated, divisor)(config, [shape], []) == expected
    if divisor == 1:
        assert hub._block(gated)(config, [shape], []) == expected


def test_hub_block_default_divisor_is_one() -> None:
    config = {"num_heads": 1, "intermediate_dim": 6}
    assert hub._block(False)(config, [(None, 2, 4)], []) == _block_by_hand(
        2, 4, 1, 1, 4, 6, gated=False
    )


def test_hub_block_rules_table() -> None:
    config = {"num_heads": 2, "intermediate_dim": 10}
    shape: Shape = (None, 3, 8)
    plain = _block_by_hand(3, 8, 2, 2, 4, 10, gated=False)
    gated = _block_by_hand(3, 8, 2, 2, 4, 10, gated=True)
    halved = _block_by_hand(3, 8, 2, 2, 4, 5, gated=True)
    rules = hub._BLOCK_RULES
    assert rules["TransformerEncoder"](config, [shape], []) == plain
    assert rules["TransformerDecoder"](config, [shape], []) == plain
    assert rules["LlamaTransformerDecoder"](config, [shape], []) == gated
    assert rules["MistralTransformerDecoder"](config, [shape], []) == gated
    assert rules["QwenTransformerDecoder"](config, [shape], []) == gated
    assert rules["Qwen3TransformerDecoder"](config, [shape], []) == gated
    assert rules["GemmaDecoderBlock"](config, [shape], []) == halved


def test_rules_return_integers() -> None:
    config = {"filters": 4, "kernel_size": 3, "groups": 2}
    macs = conv.conv_macs(1)(config, [(None, 6, 6)], [(None, 4, 4)])
    assert macs == 4 * 3 * 3 * 4 and isinstance(macs, int)
    vit = {"num_heads": 2, "hidden_dim": 8, "mlp_dim": 10, "num_layers": 3}
    macs = hub._vit_encoder(vit, [(None, 5, 8)], [])
    assert macs == 3 * _block_by_hand(5, 8, 2, 2, 4, 10, gated=False)
    assert isinstance(macs, int)
