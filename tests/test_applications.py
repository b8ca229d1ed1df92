"""Every keras.applications model (weights=None): counts equal Keras's own, roles add up."""

from __future__ import annotations

import pytest
from conftest import application_names

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", application_names())
def test_application_counts_equal_keras(applications, name: str) -> None:
    report = applications.report(name)
    expected = applications.keras_counts(name)
    assert report.totals.params == expected["params"]
    assert report.totals.trainable == expected["trainable"]
    assert report.totals.non_trainable == expected["non_trainable"]
    top = {row.name: row for row in report.top_level}
    assert set(top) >= set(expected["layers"])
    # Rows beyond model.layers are raw operations (``x + y`` in ConvNeXt), listed as
    # model.summary() lists them, and hold no parameters.
    for extra in set(top) - set(expected["layers"]):
        assert top[extra].params == 0, extra
    for layer_name, counts in expected["layers"].items():
        row = top[layer_name]
        assert (row.params, row.trainable, row.non_trainable) == (
            counts["params"],
            counts["trainable"],
            counts["non_trainable"],
        ), layer_name
    for row in report.layers:
        assert row.by_role.total == row.params, row.path
    assert sum(row.params for row in report.top_level) == report.totals.params
    # Every convolution or dense layer's kernel is a weight; BatchNorm statistics are stats.
    for row in report.layers:
        for variable in row.variables:
            if variable.name in {"kernel", "depthwise_kernel", "pointwise_kernel"}:
                assert variable.role == "weight", (row.path, variable.name)
            if variable.name in {"moving_mean", "moving_variance"}:
                assert variable.role == "stats" and not variable.trainable


def test_known_application_totals(applications) -> None:
    # Published parameter counts (Keras documentation's table, include_top=True).
    assert applications.report("ResNet50").totals.params == 25_636_712
    assert applications.report("VGG16").totals.params == 138_357_544
    assert applications.report("MobileNetV2").totals.params == 3_538_984
