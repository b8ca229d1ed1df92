"""Element-wise layers cost 0 MACs (the convention that matches the published figures); their
output elements go to ``cost.elementwise_ops`` instead (issue 17)."""

from __future__ import annotations

import pytest

from layerscope.analysis import run_analyses

from .handmade import chain, dense, plain


@pytest.mark.parametrize(
    ("class_name", "config"),
    [
        ("ReLU", {}),
        ("Activation", {"activation": "relu"}),
        ("Activation", {"activation": "softmax"}),
        ("LeakyReLU", {}),
        ("Softmax", {}),
        ("ELU", {}),
    ],
)
def test_activation_layers_cost_no_macs(class_name: str, config: dict) -> None:
    report = run_analyses(
        chain(
            [
                dense("d1", 64, 128),
                plain("act", class_name, (None, 128), "d1", config),
                dense("d2", 128, 10, previous="act"),
            ]
        )
    )
    assert report.layer("act").macs == 0
    assert report.layer("act").activation_elements == 128
    assert [row.macs for row in report.layers] == [64 * 128, 0, 128 * 10]
    assert report.to_dict()["cost"]["macs"] == 64 * 128 + 128 * 10 == 9472
    assert report.to_dict()["cost"]["elementwise_ops"] == 128


def test_dense_macs_ignore_biases_and_activation() -> None:
    report = run_analyses(chain([dense("d", 784, 300, activation="relu")]))
    assert report.layer("d").macs == 235_200
    assert report.to_dict()["cost"]["flops"] == 470_400


def test_a_wrapped_activation_costs_no_macs_and_is_not_uncounted() -> None:
    """TimeDistributed(ReLU) costs 0 as ReLU does; it was listed as uncounted before."""
    wrapped = plain(
        "td", "TimeDistributed", (None, 128), "d1", {"layer": {"class_name": "ReLU", "config": {}}}
    )
    rows = [dense("d1", 64, 128), wrapped, dense("d2", 128, 10, previous="td")]
    report = run_analyses(chain(rows))
    assert report.layer("td").macs == 0
    assert report.cost.uncounted == ()
    assert report.cost.macs == 64 * 128 + 128 * 10
