"""Quantized models (``model.quantize``) and the precision planner, against Keras's own counts.

Keras's own byte count is ``summary_utils.weight_memory_size`` (what ``model.summary()``
prints), which stores int4 packed two to an int8 byte.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from layerscope import analyze

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MODES = ("int8", "int4", "float8")


def _seed(keras: Any) -> Any:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import mnist_mlp
    finally:
        sys.path.pop(0)
    return mnist_mlp.build_model()


def _conv(keras: Any) -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu", name="conv"),
            layers.MaxPooling2D(name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(32, activation="relu", name="hidden"),
            layers.Dense(10, name="out"),
        ],
        name="small_cnn",
    )


BUILDERS = {"seed": _seed, "conv": _conv}


def _keras_bytes(model: Any) -> int:
    from keras.src.utils.summary_utils import weight_memory_size

    return int(weight_memory_size(model.weights))


@pytest.fixture(scope="session")
def quantized(keras, tmp_path_factory):  # type: ignore[no-untyped-def]
    """(model name, mode) -> (quantized model, its .keras file), built once per worker, in the
    worker's own folder (a shared file would be rewritten by one worker while another reads it)."""
    folder = tmp_path_factory.mktemp("quantized")
    built: dict[tuple[str, str], tuple[Any, Path]] = {}
    for name, builder in BUILDERS.items():
        for mode in MODES:
            model = builder(keras)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Conv2D does not have a quantize method"
                model.quantize(mode)
            path = folder / f"{name}_{mode}.keras"
            model.save(path)
            built[(name, mode)] = (model, path)
    return built


@pytest.mark.parametrize("name", list(BUILDERS))
@pytest.mark.parametrize("mode", MODES)
def test_counts_and_bytes_equal_keras(quantized, keras, name: str, mode: str) -> None:  # type: ignore[no-untyped-def]
    model, path = quantized[(name, mode)]
    expected_params = model.count_params()
    expected_bytes = _keras_bytes(model)
    loaded = keras.saving.load_model(path)
    assert (loaded.count_params(), _keras_bytes(loaded)) == (expected_params, expected_bytes)
    in_memory = analyze(model)
    static = analyze(path, engine="static")
    from_keras = analyze(path, engine="keras")
    assert static.engine == "static"
    for report in (in_memory, static, from_keras):
        assert report.totals is not None
        assert report.totals.params == expected_params
        assert report.totals.bytes == expected_bytes
    # The static engine reads the file exactly as Keras's loaded model is captured.
    assert static.layers == from_keras.layers


def test_int4_kernel_is_packed_and_scales_are_other(quantized) -> None:  # type: ignore[no-untyped-def]
    report = analyze(quantized[("seed", "int4")][1], engine="static")
    hidden = report.layer("Hidden1")
    by_name = {v.name: v for v in hidden.variables}
    assert by_name["kernel"].shape == (784, 150) and by_name["kernel"].dtype == "int8"
    assert by_name["kernel_scale"].shape == (7, 300) and by_name["kernel_scale"].role == "other"
    assert by_name["kernel_zero"].dtype == "int8" and by_name["g_idx"].shape == (784,)
    assert hidden.by_role.weight == 784 * 150
    assert hidden.bytes == 784 * 150 + 7 * 300 * 4 + 7 * 300 + 300 * 4 + 784 * 4


@pytest.mark.parametrize("mode", MODES)
def test_quantized_layers_are_marked_in_every_format(quantized, mode: str) -> None:  # type: ignore[no-untyped-def]
    report = analyze(quantized[("seed", mode)][1])
    marker = "int4/128" if mode == "int4" else mode
    assert f"Hidden1 (Dense) [{marker}]" in report.to_text()
    assert f"| Dense [{marker}] |" in report.to_markdown()
    rows = {row["name"]: row for row in report.to_dict()["layers"]}
    assert rows["Hidden1"]["quantization"] == marker
    assert rows["Flatten"]["quantization"] is None
    assert f'<span class="ls-quantized" title="quantized by model.quantize">{marker}</span>' in (
        report.to_html()
    )
    assert f"quantized {marker}" in report.to_dot()


@pytest.mark.parametrize("name", list(BUILDERS))
def test_precision_planner_predicts_what_quantize_gives(quantized, keras, name: str) -> None:  # type: ignore[no-untyped-def]
    plain = analyze(BUILDERS[name](keras))
    plan = plain.precision
    assert plan is not None
    assert plan.total["float32"] == plain.totals.bytes  # type: ignore[union-attr]
    assert plan.total["float16"] == plan.total["bfloat16"] == plain.totals.bytes // 2  # type: ignore[union-attr]
    for mode in ("int8", "int4"):
        model = quantized[(name, mode)][0]
        assert plan.total[mode] == _keras_bytes(model), mode
        for layer in model.layers:
            if layer.weights:
                assert plan.layers[layer.name][mode] == _keras_bytes_of(layer), (mode, layer.name)


def _keras_bytes_of(layer: Any) -> int:
    from keras.src.utils.summary_utils import weight_memory_size

    return int(weight_memory_size(layer.weights))


def test_precision_in_json_and_text(seed_report) -> None:  # type: ignore[no-untyped-def]
    document = seed_report.to_dict()["precision"]
    assert document["total"]["float32"] == 316810 * 4
    assert document["layers"]["Hidden1"]["int8"] == 235200 + 300 * 4 + 300 * 4
    memory = seed_report.to_dict()["memory"]
    activations = memory["training_activation_bytes"]
    assert document["training_mixed_bytes"] == memory["training_total_bytes"] - activations // 2
    text = seed_report.to_text()
    expected = "Other precisions:    float16 618.77 KiB · int8 313.55 KiB · int4 176.39 KiB"
    assert expected in text


@pytest.mark.parametrize("mode", (None, *MODES))
@pytest.mark.parametrize(("equation", "bias_axes"), [("ab,bc->ac", None), ("abc,cde->abde", "de")])
def test_quantized_einsum_dense_is_read_statically(  # type: ignore[no-untyped-def]
    keras, tmp_path: Path, mode: str | None, equation: str, bias_axes: str | None
) -> None:
    """A quantized EinsumDense (the projections of keras_hub's attention and Gemma's
    feed-forward) is read by the static engine: the same rows, MACs, memory and precision
    plan as Keras's own capture of the loaded file, at every quantization mode."""
    from test_static import differences

    from layerscope.capture import capture
    from layerscope.static import read_model_file

    keras.backend.clear_session()
    projected = equation.startswith("abc")
    x = keras.Input((6, 8) if projected else (8,), name="x")
    dense = keras.layers.EinsumDense(
        equation, output_shape=(None, 2, 4) if projected else 4, bias_axes=bias_axes, name="d"
    )
    model = keras.Model(x, dense(x), name="einsum")
    if mode is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Layer InputLayer does not have a quantize method"
            model.quantize(mode)
    path = tmp_path / "einsum.keras"
    model.save(path)
    static = read_model_file(path)
    # Keras leaves an output axis configured as None unknown (6 here is not propagated).
    assert static.layer("d").output_shapes == (((None, None, 2, 4),) if projected else ((None, 4),))
    keras.backend.clear_session()
    loaded = capture(keras.saving.load_model(path, compile=False), source=str(path))
    assert differences(loaded, static) == []
    by_static, by_keras = analyze(path, engine="static"), analyze(path, engine="keras")
    assert by_static.cost.macs == by_keras.cost.macs == (6 * 8 * 2 * 4 if projected else 8 * 4)
    assert by_static.memory == by_keras.memory
    assert by_static.precision is not None and by_keras.precision is not None
    assert by_static.precision.as_dict() == by_keras.precision.as_dict()
    if mode in ("int8", "int4"):
        kernel = next(v for v in static.layer("d").variables if v.name == "kernel")
        assert kernel.dtype == "int8" and not kernel.trainable
