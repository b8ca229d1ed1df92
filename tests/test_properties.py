"""Property-based checks over random Dense and Conv stacks (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerscope import analyze

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    inputs=st.integers(1, 64),
    widths=st.lists(st.integers(1, 64), min_size=1, max_size=5),
    biases=st.lists(st.booleans(), min_size=5, max_size=5),
    frozen=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_dense_stack(
    keras, inputs: int, widths: list[int], biases: list[bool], frozen: list[bool]
) -> None:
    layers = [keras.Input((inputs,))]
    for index, width in enumerate(widths):
        layer = keras.layers.Dense(width, use_bias=biases[index], name=f"d{index}")
        layer.trainable = not frozen[index]
        layers.append(layer)
    report = analyze(keras.Sequential(layers))
    fan_in = inputs
    expected_total = 0
    for index, (width, row) in enumerate(zip(widths, report.layers, strict=True)):
        assert row.by_role.weight == fan_in * width
        assert row.by_role.bias == (width if biases[index] else 0)
        assert row.params == row.by_role.total
        assert row.trainable == (0 if frozen[index] else row.params)
        expected_total += row.params
        fan_in = width
    assert report.totals.params == expected_total == sum(r.params for r in report.top_level)
    assert report.totals.trainable + report.totals.non_trainable == report.totals.params
    assert abs(sum(r.share for r in report.top_level) - 1.0) < 1e-9 or expected_total == 0


@SETTINGS
@given(
    size=st.integers(8, 24),
    channels=st.integers(1, 4),
    convs=st.lists(
        st.tuples(st.integers(1, 8), st.integers(1, 3), st.booleans()), min_size=1, max_size=4
    ),
)
def test_conv_stack(keras, size: int, channels: int, convs: list[tuple[int, int, bool]]) -> None:
    layers = [keras.Input((size, size, channels))]
    for index, (filters, kernel, batchnorm) in enumerate(convs):
        layers.append(keras.layers.Conv2D(filters, kernel, padding="same", name=f"c{index}"))
        if batchnorm:
            layers.append(keras.layers.BatchNormalization(name=f"bn{index}"))
    model = keras.Sequential(layers)
    report = analyze(model)
    in_channels = channels
    for index, (filters, kernel, batchnorm) in enumerate(convs):
        conv = report.layer(f"c{index}")
        assert conv.by_role.weight == kernel * kernel * in_channels * filters
        assert conv.by_role.bias == filters
        assert conv.output_shapes == ((None, size, size, filters),)
        if batchnorm:
            bn = report.layer(f"bn{index}")
            assert bn.by_role.norm == 2 * filters and bn.by_role.stats == 2 * filters
            assert bn.non_trainable == 2 * filters
        in_channels = filters
    assert report.totals.params == model.count_params()
    assert sum(r.params for r in report.top_level) == report.totals.params
