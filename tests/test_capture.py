"""Capture exactness on a zoo covering every case: counts equal Keras's own, roles add up."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import keras_counts
from zoo import ZOO

from layerscope import ModelNotBuiltError, analyze
from layerscope.errors import AnalysisError


def count(variables) -> int:  # type: ignore[no-untyped-def]
    return int(sum(int(np.prod(v.shape)) for v in variables))


@pytest.fixture(scope="module")
def zoo_reports(keras):  # type: ignore[no-untyped-def]
    built = {}
    for name, build in ZOO.items():
        model = build(keras)
        built[name] = (model, analyze(model))
    return built


@pytest.mark.parametrize("name", sorted(ZOO))
def test_counts_equal_keras(zoo_reports, name: str) -> None:
    model, report = zoo_reports[name]
    expected = keras_counts(model)
    assert report.totals.params == expected["params"]
    assert report.totals.trainable == expected["trainable"]
    assert report.totals.non_trainable == expected["non_trainable"]
    top = {row.name: row for row in report.top_level}
    for layer_name, counts in expected["layers"].items():
        row = top[layer_name]
        assert (row.params, row.trainable, row.non_trainable) == (
            counts["params"],
            counts["trainable"],
            counts["non_trainable"],
        ), layer_name
    assert sum(row.params for row in report.top_level) == report.totals.params
    for row in report.layers:
        assert row.by_role.total == row.params, row.path
    # Nested rows match Keras's count for the same inner layer.
    for row in report.layers:
        if row.depth == 0:
            continue
        layer = model
        for part in row.path.split("/"):
            layer = layer.get_layer(part)
        assert row.params == layer.count_params(), row.path
        assert row.trainable == count(layer.trainable_weights), row.path


def test_seed_model_numbers(seed_report) -> None:
    hidden1 = seed_report.layer("Hidden1")
    assert (hidden1.by_role.weight, hidden1.by_role.bias, hidden1.params) == (235_200, 300, 235_500)
    assert seed_report.totals.params == 316_810
    assert seed_report.totals.by_role.weight == 316_200
    assert seed_report.totals.by_role.bias == 610
    assert [row.name for row in seed_report.layers] == [
        "Flatten",
        "Hidden1",
        "Hidden2",
        "Hidden3",
        "Output",
    ]
    assert [row.params for row in seed_report.layers] == [0, 235_500, 60_200, 20_100, 1_010]
    assert seed_report.layer("Flatten").input_shapes == ((None, 28, 28),)
    assert seed_report.layer("Flatten").output_shapes == ((None, 784),)
    assert seed_report.totals.bytes == 316_810 * 4


def test_shared_layer_is_one_row_with_every_caller(zoo_reports) -> None:
    _, report = zoo_reports["shared_layer"]
    rows = [row for row in report.layers if row.name == "shared"]
    assert len(rows) == 1
    assert rows[0].inbound == ("left", "right")
    assert rows[0].call_count == 2
    assert rows[0].params == 44
    assert report.totals.params == 44
    assert {(e.source, e.target) for e in report.edges} >= {("left", "shared"), ("right", "shared")}


def test_nested_paths_depths_and_totals(zoo_reports) -> None:
    _, report = zoo_reports["nested"]
    paths = [(row.path, row.depth) for row in report.layers]
    assert paths == [
        ("x", 0),
        ("encoder", 0),
        ("encoder/enc_in", 1),
        ("encoder/block", 1),
        ("encoder/block/inner_a", 2),
        ("encoder/block/inner_bn", 2),
        ("encoder/enc_out", 1),
        ("head", 0),
    ]
    encoder = report.layer("encoder")
    assert encoder.is_container and encoder.params == 123
    assert sum(row.params for row in report.children("encoder")) == 123
    assert report.layer("encoder/block/inner_bn").by_role.as_dict() == {
        "weight": 0,
        "bias": 0,
        "norm": 12,
        "stats": 12,
        "other": 0,
    }
    assert report.layer("encoder/block/inner_bn").parent == "encoder/block"


def test_frozen_layers_and_frozen_nested_model(zoo_reports) -> None:
    _, report = zoo_reports["frozen"]
    assert report.layer("backbone").trainable == 0 and report.layer("backbone").params == 65
    assert report.layer("backbone/bb_dense").is_frozen
    assert report.layer("frozen_dense").non_trainable == 24
    assert report.layer("head").trainable == 10
    assert (report.totals.trainable, report.totals.non_trainable) == (10, 89)


def test_mixed_precision_reports_real_dtypes(zoo_reports) -> None:
    _, report = zoo_reports["mixed_precision"]
    mp = report.layer("mp_dense")
    assert mp.dtype_policy == "mixed_float16"
    assert {v.dtype for v in mp.variables} == {"float32"}  # variables stay float32
    half = report.layer("half_dense")
    assert {v.dtype for v in half.variables} == {"float16"}
    assert half.bytes == 264 * 2
    assert report.totals.bytes == (544 + 18) * 4 + 264 * 2
    assert report.totals.bytes_by_dtype == {"float16": 528, "float32": 2248}


def test_subclassed_model_rows_and_own_variables(zoo_reports) -> None:
    _, report = zoo_reports["subclassed"]
    assert [row.name for row in report.layers] == ["first", "second", "(own variables)"]
    assert report.layer("first").input_shapes == ((None, 9),)
    assert report.layer("first").output_shapes == ((None, 7),)
    own = report.layer("(own variables)")
    assert own.params == 2 and own.variables[0].role == "other"
    assert report.totals.params == 88


def test_roles_across_core_layers(zoo_reports) -> None:
    _, report = zoo_reports["every_layer_type"]
    roles = {row.name: row.by_role.as_dict() for row in report.layers}
    assert roles["embed"] == {"weight": 400, "bias": 0, "norm": 0, "stats": 0, "other": 0}
    assert roles["lstm"] == {
        "weight": 4 * 5 * (8 + 5),
        "bias": 20,
        "norm": 0,
        "stats": 0,
        "other": 0,
    }
    assert roles["gru"]["weight"] == 3 * 4 * (5 + 4) and roles["gru"]["bias"] == 2 * 3 * 4
    assert roles["birnn"] == {
        "weight": 2 * 3 * (4 + 3),
        "bias": 6,
        "norm": 0,
        "stats": 0,
        "other": 0,
    }
    assert roles["mha"]["weight"] == 4 * 6 * 2 * 4 and roles["mha"]["bias"] == 3 * 2 * 4 + 6
    assert roles["ln"] == {"weight": 0, "bias": 0, "norm": 12, "stats": 0, "other": 0}
    assert roles["bn"] == {"weight": 0, "bias": 0, "norm": 16, "stats": 16, "other": 0}
    assert roles["gn"]["norm"] == 12
    assert roles["normalization"] == {"weight": 0, "bias": 0, "norm": 0, "stats": 7, "other": 0}
    assert roles["sep"] == {
        "weight": 3 * 3 * 8 + 8 * 6,
        "bias": 6,
        "norm": 0,
        "stats": 0,
        "other": 0,
    }
    assert roles["dw"] == {"weight": 3 * 3 * 8, "bias": 8, "norm": 0, "stats": 0, "other": 0}
    assert roles["prelu"]["other"] == 8 * 8 * 4
    assert roles["einsum"] == {"weight": 30, "bias": 5, "norm": 0, "stats": 0, "other": 0}
    assert report.layer("normalization").trainable == 0


def test_unbuilt_model_gets_a_clear_error(keras) -> None:
    model = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(ModelNotBuiltError, match="build"):
        analyze(model)


def test_non_model_objects_are_refused(keras) -> None:
    with pytest.raises(AnalysisError, match=r"keras\.Model"):
        analyze(keras.layers.Dense(3))
    with pytest.raises(AnalysisError):
        analyze(42)


def test_report_holds_no_keras_objects(zoo_reports) -> None:
    import dataclasses
    import pickle

    _, report = zoo_reports["nested"]
    # A report made only of plain data pickles without Keras in the payload.
    payload = pickle.dumps(report)
    assert b"keras.src" not in payload
    assert dataclasses.is_dataclass(report)
