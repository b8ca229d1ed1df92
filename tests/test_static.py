"""The static engine (``layerscope.static``) against the Keras capture, model by model.

Every check compares the static report with what ``capture`` reads off a real Keras model:
for the zoo, the model Keras loads from the very same file (which is what ``--engine keras``
reports); for keras.applications, the session-wide in-memory zoo of conftest. Where the
static engine declines, the test names the reason, and the list of declines stays short.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import application_names

from layerscope.report import LayerReport, ModelReport

MODEL_FIELDS = ("name", "class_name", "edges", "inputs", "outputs", "input_shapes")


# -- the zoo ---------------------------------------------------------------------------------


def zoo_builders(keras: Any) -> dict[str, Callable[[], Any]]:
    """Small models covering every structure and layer family the static engine reads."""
    layers = keras.layers

    def sequential_mlp() -> Any:
        return keras.Sequential(
            [
                keras.Input((28, 28)),
                layers.Flatten(name="Flatten"),
                layers.Dense(300, activation="relu", name="Hidden1"),
                layers.Dropout(0.2, name="dropout"),
                layers.Dense(10, activation="softmax", name="Output"),
            ],
            name="mlp",
        )

    def multi_io() -> Any:
        a = keras.Input((16,), name="a")
        b = keras.Input((8, 8, 3), name="b")
        x = layers.Dense(32, activation="relu", name="da")(a)
        y = layers.Conv2D(4, 3, padding="same", name="cb")(b)
        y = layers.GlobalAveragePooling2D(name="gap")(y)
        z = layers.Concatenate(name="cat")([x, y])
        o1 = layers.Dense(1, name="o1")(z)
        o2 = layers.Dense(5, activation="softmax", name="o2")(z)
        o3 = layers.Add(name="add")([layers.Dense(5, name="p")(x), o2])
        return keras.Model([a, b], [o1, o2, o3], name="multi_io")

    def shared_layers() -> Any:
        a = keras.Input((10,), name="left")
        b = keras.Input((10,), name="right")
        dense = layers.Dense(6, name="shared_dense")
        u, v = dense(a), dense(b)
        w = dense(layers.Dense(10, name="mix")(u))
        out = layers.Multiply(name="mul")([u, v])
        out = layers.Subtract(name="sub")([out, w])
        return keras.Model([a, b], out, name="shared")

    def nested_twice() -> Any:
        ii = keras.Input((12,), name="ii")
        normed = layers.LayerNormalization(name="ln")(ii)
        inner = keras.Model(ii, layers.Dense(7, name="inner_dense")(normed), name="inner")
        mid = keras.Sequential(
            [keras.Input((12,)), inner, layers.Dense(5, name="mid_dense")], name="mid"
        )
        x = keras.Input((12,), name="x")
        out = layers.Average(name="avg")([mid(x), mid(layers.Dense(12, name="proj")(x))])
        return keras.Model(x, out, name="outer")

    def frozen() -> Any:
        fi = keras.Input((6,), name="fi")
        inner_out = layers.BatchNormalization(name="fbn")(layers.Dense(6, name="fd")(fi))
        inner = keras.Model(fi, inner_out, name="frozen_inner")
        inner.trainable = False
        x = keras.Input((6,), name="x")
        h = layers.Dense(8, name="frozen_dense", trainable=False)(inner(x))
        bn = layers.BatchNormalization(name="bn_frozen", center=False)
        bn.trainable = False
        out = layers.Dense(2, name="head")(bn(h))
        return keras.Model(x, out, name="frozen")

    def mixed_precision() -> Any:
        x = keras.Input((20,), name="x")
        h = layers.Dense(16, dtype="mixed_float16", name="mp_dense")(x)
        h = layers.BatchNormalization(dtype="mixed_float16", name="mp_bn")(h)
        h = layers.Activation("relu", dtype="mixed_float16", name="mp_act")(h)
        out = layers.Dense(3, dtype="float32", name="out")(h)
        return keras.Model(x, out, name="mixed")

    def convolutions() -> Any:
        x1 = keras.Input((32, 3), name="x1")
        x2 = keras.Input((16, 16, 3), name="x2")
        x3 = keras.Input((8, 8, 8, 2), name="x3")
        a = layers.Conv1D(4, 3, strides=2, name="c1")(x1)
        a = layers.Conv1DTranspose(3, 3, strides=2, name="t1")(a)
        a = layers.SeparableConv1D(5, 3, name="s1")(a)
        a = layers.DepthwiseConv1D(3, depth_multiplier=2, name="d1")(a)
        a = layers.MaxPooling1D(2, name="mp1")(a)
        a = layers.GlobalMaxPooling1D(name="gm1")(a)
        b = layers.ZeroPadding2D(1, name="zp")(x2)
        b = layers.Conv2D(8, 3, strides=2, use_bias=False, name="c2")(b)
        b = layers.Conv2DTranspose(4, 3, strides=2, padding="same", name="t2")(b)
        b = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw")(b)
        b = layers.SeparableConv2D(6, 3, name="sep")(b)
        b = layers.AveragePooling2D(2, name="ap")(b)
        b = layers.Cropping2D(1, name="crop")(b)
        b = layers.UpSampling2D(2, name="up")(b)
        b = layers.Flatten(name="fl")(b)
        c = layers.Conv3D(3, 3, name="c3")(x3)
        c = layers.Conv3DTranspose(2, 2, strides=2, name="t3")(c)
        c = layers.MaxPooling3D(2, name="mp3")(c)
        c = layers.GlobalAveragePooling3D(name="ga3")(c)
        out = layers.Concatenate(name="cat")([a, b, c])
        out = layers.Reshape((-1, 2), name="rs")(out)
        return keras.Model([x1, x2, x3], out, name="convs")

    def recurrent() -> Any:
        x = keras.Input((None,), dtype="int32", name="tokens")
        e = layers.Embedding(100, 8, name="emb")(x)
        a = layers.LSTM(6, return_sequences=True, name="lstm")(e)
        b = layers.GRU(5, return_sequences=True, name="gru")(a)
        c = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name="bilstm")(b)
        d = layers.SimpleRNN(3, name="srnn")(c)
        g = layers.Bidirectional(layers.GRU(2), name="bigru")(e)
        return keras.Model(x, layers.Concatenate(name="cat")([d, g]), name="rnns")

    def recurrent_states() -> Any:
        x = keras.Input((5, 4), name="x")
        seq, h, _ = layers.LSTM(3, return_sequences=True, return_state=True, name="lstm")(x)
        y = layers.GRU(2, reset_after=False, name="gru_ra")(seq)
        per_step = layers.TimeDistributed(layers.Dense(2, name="step_dense"), name="td")(seq)
        return keras.Model(x, [y, h, per_step], name="rnn_state")

    def attention() -> Any:
        q = keras.Input((7, 16), name="q")
        v = keras.Input((9, 16), name="v")
        a = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(q, v)
        a = layers.LayerNormalization(name="ln")(layers.Add(name="res")([a, q]))
        b = layers.MultiHeadAttention(
            num_heads=3, key_dim=5, value_dim=6, use_bias=False, output_shape=(8,), name="mha2"
        )(a, a)
        return keras.Model([q, v], layers.GlobalAveragePooling1D(name="gap")(b), name="attention")

    def normalizations() -> Any:
        x = keras.Input((8, 8, 6), name="x")
        n = layers.Normalization(mean=[0.0] * 6, variance=[1.0] * 6, name="norm_fixed")(x)
        n = layers.BatchNormalization(scale=False, name="bn")(n)
        n = layers.GroupNormalization(groups=3, name="gn")(n)
        n = layers.LayerNormalization(center=False, name="lnorm")(n)
        n = layers.UnitNormalization(name="un")(n)
        n = layers.Rescaling(1 / 255.0, name="resc")(n)
        n = layers.PReLU(name="prelu")(n)
        return keras.Model(x, layers.GlobalMaxPooling2D(name="gmp")(n), name="norms")

    def adapted_normalization() -> Any:
        import numpy as np

        norm = layers.Normalization(name="norm")
        norm.adapt(np.arange(30, dtype="float32").reshape(10, 3))
        return keras.Sequential(
            [keras.Input((3,)), norm, layers.Dense(2, name="d")], name="adapted"
        )

    def sequential_built_later() -> Any:
        inner = keras.Sequential([layers.Dense(3, name="b")], name="inner_seq")
        model = keras.Sequential(
            [layers.Dense(4, name="a"), inner, layers.Dense(2, name="c")], name="built"
        )
        model.build((None, 6))
        return model

    def convolution_variants() -> Any:
        x = keras.Input((3, 16, 16), name="cf")
        a = layers.Conv2D(4, 3, data_format="channels_first", dilation_rate=2, name="c")(x)
        a = layers.MaxPooling2D(2, padding="same", data_format="channels_first", name="mp")(a)
        a = layers.GlobalAveragePooling2D(data_format="channels_first", keepdims=True, name="g")(a)
        y = keras.Input((20, 3), name="seq")
        b = layers.Conv1D(5, 3, padding="causal", dilation_rate=2, name="causal")(y)
        b = layers.ZeroPadding1D((1, 2), name="zp1")(b)
        b = layers.Cropping1D((2, 1), name="cr1")(b)
        b = layers.UpSampling1D(3, name="up1")(b)
        b = layers.Permute((2, 1), name="perm")(b)
        b = layers.RepeatVector(2, name="rep")(layers.Flatten(name="fl")(b))
        c = layers.Dense(16, name="d16")(layers.Flatten(name="fl2")(a))
        c = layers.Reshape((4, 4, 1), name="rs")(c)
        c = layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, name="tp")(c)
        return keras.Model([x, y], [a, b, c], name="conv_variants")

    def operations_in_graph() -> Any:
        x = keras.Input((8,), name="feat")
        h = layers.Dense(8, name="d")(x)
        h = keras.ops.relu(h + 1.0) * 0.5  # operations, not layers: rows without weights
        out = layers.Dense(2, name="out")(h)
        return keras.Model({"feat": x}, {"y": out, "h": h}, name="ops")

    builders = [
        sequential_built_later,
        convolution_variants,
        operations_in_graph,
        sequential_mlp,
        multi_io,
        shared_layers,
        nested_twice,
        frozen,
        mixed_precision,
        convolutions,
        recurrent,
        recurrent_states,
        attention,
        normalizations,
        adapted_normalization,
    ]
    return {builder.__name__: builder for builder in builders}


ZOO_NAMES = [
    "sequential_built_later",
    "convolution_variants",
    "operations_in_graph",
    "sequential_mlp",
    "multi_io",
    "shared_layers",
    "nested_twice",
    "frozen",
    "mixed_precision",
    "convolutions",
    "recurrent",
    "recurrent_states",
    "attention",
    "normalizations",
    "adapted_normalization",
]


@pytest.fixture(scope="module")
def zoo_files(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("static_zoo")
    builders = zoo_builders(keras)
    assert sorted(builders) == sorted(ZOO_NAMES)
    files = {}
    for name, build in builders.items():
        path = folder / f"{name}.keras"
        build().save(path)
        files[name] = path
    return files


def keras_capture(keras: Any, path: Path, unsafe: bool = False) -> ModelReport:
    """What ``--engine keras`` reports: capture of the model Keras loads from ``path``."""
    from layerscope.capture import capture

    model = keras.saving.load_model(path, compile=False, safe_mode=not unsafe)
    return capture(model, source=os.fspath(path))


def differences(expected: ModelReport, actual: ModelReport) -> list[str]:
    """Every field (with ``compare=True``) where two reports disagree, as readable lines."""
    found = [
        f"model.{name}: keras {getattr(expected, name)!r} static {getattr(actual, name)!r}"
        for name in MODEL_FIELDS
        if getattr(expected, name) != getattr(actual, name)
    ]
    keras_rows = [row.path for row in expected.layers]
    static_rows = [row.path for row in actual.layers]
    if keras_rows != static_rows:
        return [*found, f"rows: keras {keras_rows} static {static_rows}"]
    for keras_row, static_row in zip(expected.layers, actual.layers, strict=True):
        for field in dataclasses.fields(LayerReport):
            if not field.compare:
                continue
            want, got = getattr(keras_row, field.name), getattr(static_row, field.name)
            if want != got:
                found.append(f"{keras_row.path}.{field.name}: keras {want!r} static {got!r}")
    return found


# -- cross-checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ZOO_NAMES)
def test_zoo_static_report_equals_keras_capture(
    keras: Any, zoo_files: dict[str, Path], name: str
) -> None:
    from layerscope.static import read_model_file

    path = zoo_files[name]
    static_report = read_model_file(path)
    assert static_report.engine == "static"
    assert static_report.source == os.fspath(path)
    assert differences(keras_capture(keras, path), static_report) == []


def test_zoo_reports_hold_the_expected_facts(zoo_files: dict[str, Path]) -> None:
    """Spot checks with hand-computed numbers, so the cross-check is not circular."""
    from layerscope.static import read_model_file

    mlp = read_model_file(zoo_files["sequential_mlp"])
    assert [row.name for row in mlp.layers] == ["Flatten", "Hidden1", "dropout", "Output"]
    assert mlp.layer("Hidden1").params == 784 * 300 + 300
    assert mlp.layer("Output").output_shapes == ((None, 10),)
    assert mlp.inputs == () and mlp.outputs == ("Output",)

    shared = read_model_file(zoo_files["shared_layers"])
    assert shared.layer("shared_dense").call_count == 3
    assert shared.layer("shared_dense").inbound == ("left", "right", "mix")

    frozen = read_model_file(zoo_files["frozen"])
    assert [v.trainable for v in frozen.layer("frozen_inner").variables] == [False] * 6
    assert frozen.layer("frozen_inner/fd").layer_trainable is False
    assert [v.name for v in frozen.layer("bn_frozen").variables] == [
        "gamma",
        "moving_mean",
        "moving_variance",
    ]
    assert frozen.layer("head").trainable == 8 * 2 + 2

    nested = read_model_file(zoo_files["nested_twice"])
    assert [row.path for row in nested.layers if row.depth == 2] == [
        "mid/inner/ii",
        "mid/inner/ln",
        "mid/inner/inner_dense",
    ]
    assert nested.layer("mid").call_count == 2
    assert nested.layer("mid").params == (12 + 12) + (12 * 7 + 7) + (7 * 5 + 5)

    mixed = read_model_file(zoo_files["mixed_precision"])
    assert mixed.layer("mp_dense").dtype_policy == "mixed_float16"
    assert {v.dtype for v in mixed.layer("mp_dense").variables} == {"float32"}

    states = read_model_file(zoo_files["recurrent_states"])
    assert states.layer("lstm").output_shapes == ((None, 5, 3), (None, 3), (None, 3))
    assert states.layer("td").output_shapes == ((None, 5, 2),)
    assert [v.path for v in states.layer("td").variables] == [
        "td/step_dense/kernel",
        "td/step_dense/bias",
    ]

    adapted = read_model_file(zoo_files["adapted_normalization"])
    assert [(v.name, v.role, v.dtype, v.shape) for v in adapted.layer("norm").variables] == [
        ("mean", "stats", "float32", (3,)),
        ("variance", "stats", "float32", (3,)),
        ("count", "stats", "int64", ()),
    ]


@pytest.mark.parametrize("name", application_names())
def test_every_keras_application_static_equals_keras(applications: Any, name: str) -> None:
    from layerscope.analysis import run_analyses
    from layerscope.static import read_model_file

    keras_report = applications.report(name)
    static_report = run_analyses(read_model_file(applications.file(name)))
    assert differences(keras_report, static_report) == []
    assert static_report.totals == keras_report.totals
    counts = applications.keras_counts(name)
    assert static_report.totals is not None
    assert static_report.totals.params == counts["params"]
    assert static_report.totals.trainable == counts["trainable"]


# -- declines: the static engine says why, and auto falls back to Keras ----------------------


@pytest.fixture(scope="module")
def decline_files(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files the static engine must refuse (each for a stated reason)."""
    folder = tmp_path_factory.mktemp("static_declines")
    layers = keras.layers
    files: dict[str, Path] = {}

    x = keras.Input((4,), name="x")
    legacy = keras.Model(x, layers.Dense(3, name="d")(x), name="legacy")
    files["legacy_h5"] = folder / "legacy.h5"
    legacy.save(files["legacy_h5"])

    @keras.saving.register_keras_serializable(package="layerscope_tests")
    class Scaler(layers.Layer):  # type: ignore[name-defined]
        def build(self, input_shape: Any) -> None:
            self.factor = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, inputs: Any) -> Any:
            return inputs * self.factor

    x = keras.Input((4,), name="x")
    custom = keras.Model(x, layers.Dense(2, name="d")(Scaler(name="scaler")(x)), name="custom")
    files["custom_layer"] = folder / "custom.keras"
    custom.save(files["custom_layer"])

    @keras.saving.register_keras_serializable(package="layerscope_tests")
    class Subclassed(keras.Model):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.dense = layers.Dense(3, name="d")

        def call(self, inputs: Any) -> Any:
            return self.dense(inputs)

    subclassed = Subclassed(name="sub")
    subclassed(keras.ops.zeros((1, 4)))
    files["subclassed"] = folder / "subclassed.keras"
    subclassed.save(files["subclassed"])

    x = keras.Input((8,), name="x")
    # Quantized Dense, EinsumDense and Embedding layers are read statically
    # (tests/test_quantized.py); a LoRA layer, whose saved variables depend on its rank and
    # mode, is left to Keras.
    quantized = keras.Model(
        x,
        layers.EinsumDense("ab,bc->ac", output_shape=4, lora_rank=2, name="d")(x),
        name="quantized",
    )
    files["quantized"] = folder / "quantized.keras"
    quantized.save(files["quantized"])

    # A config that no longer matches its weights: Dense without a bias, weights with one.
    x = keras.Input((4,), name="x")
    honest = keras.Model(x, layers.Dense(3, name="d")(x), name="tampered")
    honest_path = folder / "honest.keras"
    honest.save(honest_path)
    files["mismatched_weights"] = folder / "tampered.keras"
    with (
        zipfile.ZipFile(honest_path) as source,
        zipfile.ZipFile(files["mismatched_weights"], "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "config.json":
                data = data.replace(b'"use_bias": true', b'"use_bias": false')
            target.writestr(info, data)
    return files


DECLINES = {
    "legacy_h5": "legacy .h5",
    "custom_layer": "layer class 'layerscope_tests>Scaler' is not known",
    "subclassed": "subclassed model",
    "quantized": "uses LoRA",
    "mismatched_weights": "saved 2 variables where 1 were expected",
}


@pytest.mark.parametrize("case", sorted(DECLINES))
def test_static_engine_declines_with_a_reason(decline_files: dict[str, Path], case: str) -> None:
    from layerscope.static import StaticUnsupported, read_model_file

    with pytest.raises(StaticUnsupported, match=DECLINES[case].replace(".", r"\.")):
        read_model_file(decline_files[case])


@pytest.mark.parametrize("case", ["legacy_h5", "custom_layer", "quantized"])
def test_auto_falls_back_to_keras_when_static_declines(
    decline_files: dict[str, Path], case: str
) -> None:
    from layerscope import analyze

    report = analyze(decline_files[case])
    assert report.engine == "keras"
    assert report.totals is not None and report.totals.params > 0


def test_engine_choice_reaches_the_report(seed_path: Path) -> None:
    from layerscope import analyze

    auto = analyze(seed_path, training_samples=55000)
    assert auto.engine == "static"
    assert auto.totals is not None and auto.totals.params == 316_810
    keras_report = analyze(seed_path, training_samples=55000, engine="keras")
    assert keras_report.engine == "keras"
    static_document, keras_document = auto.to_dict(), keras_report.to_dict()
    assert static_document["model"].pop("engine") == "static"
    assert keras_document["model"].pop("engine") == "keras"
    assert static_document == keras_document


def test_cli_engine_static_surfaces_the_reason_and_debug_tells_auto(
    decline_files: dict[str, Path],
) -> None:
    from cli_runner import invoke

    result = invoke(["summary", str(decline_files["legacy_h5"]), "--engine", "static"])
    assert result.exit_code == 1
    assert "legacy .h5 files keep the model in Keras 2's format" in result.output
    result = invoke(["summary", str(decline_files["legacy_h5"]), "--format", "json", "--debug"])
    assert result.exit_code == 0, result.output
    assert (
        "loaded the model with Keras: the static engine cannot report it exactly "
        "(legacy .h5" in result.output
    )


def test_a_lambda_is_read_without_running_it(keras: Any, tmp_path: Path) -> None:
    """Keras needs safe mode off to load a Lambda; the static engine never runs its code."""
    from layerscope.static import read_model_file

    x = keras.Input((4,), name="x")
    doubled = keras.layers.Lambda(lambda t: t * 2, name="lam")(x)
    model = keras.Model(x, keras.layers.Dense(2, name="d")(doubled), name="with_lambda")
    path = tmp_path / "lambda.keras"
    model.save(path)
    report = read_model_file(path)
    assert differences(keras_capture(keras, path, unsafe=True), report) == []
    assert report.layer("lam").output_shapes == ((None, 4),)


# -- a config must agree with its weights ------------------------------------------------------


def with_config(source: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the archive ``source`` whose config.json went through ``edit``; the
    weights file is left byte for byte as Keras saved it."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            copy.writestr(info, data)
    return target


def set_layer(name: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(config: dict[str, Any]) -> None:
        (entry,) = [e for e in config["config"]["layers"] if e["config"]["name"] == name]
        entry["config"][key] = value

    return edit


SEED_TAMPERING = {
    # Output's units only shape its own variables (nothing downstream records them).
    "units-disagree-with-kernel": (
        "Output",
        11,
        "layer 'Output' (Dense): its config implies kernel of shape (100, 11), "
        "but the weights file holds (100, 10)",
    ),
    # Hidden1's units are also recorded as Hidden2's input shape.
    "units-disagree-with-graph": (
        "Hidden1",
        301,
        "layer 'Hidden1' (Dense): its config implies the output shape (None, 301), "
        "but the graph records (None, 300)",
    ),
    "negative-units": (
        "Hidden1",
        -5,
        "layer 'Hidden1': units is -5, not a whole number from 1 to 2147483647",
    ),
    "units-true": ("Hidden1", True, "layer 'Hidden1': units is True, not a whole number from 1 to"),
    "units-a-float": ("Hidden2", 200.0, "layer 'Hidden2': units is 200.0, not a whole number"),
    "units-beyond-int64": ("Hidden3", 10**30, f"layer 'Hidden3': units is {10**30}, not"),
}


@pytest.mark.parametrize("case", sorted(SEED_TAMPERING))
def test_config_that_disagrees_with_its_weights_is_declined(
    seed_path: Path, tmp_path: Path, case: str
) -> None:
    from layerscope.static import StaticUnsupported, read_model_file

    layer, value, reason = SEED_TAMPERING[case]
    path = with_config(seed_path, tmp_path / "tampered.keras", set_layer(layer, "units", value))
    with pytest.raises(StaticUnsupported) as caught:
        read_model_file(path)
    assert str(caught.value).startswith(reason)


def test_conv_kernel_size_that_disagrees_with_its_weights_is_declined(
    keras: Any, tmp_path: Path
) -> None:
    """``padding="same"`` keeps the output shape, so only the kernel's shape tells."""
    from layerscope.static import StaticUnsupported, read_model_file

    x = keras.Input((8, 8, 3), name="x")
    y = keras.layers.Conv2D(4, 3, padding="same", name="conv")(x)
    model = keras.Model(x, keras.layers.GlobalAveragePooling2D(name="gap")(y), name="convs")
    honest = tmp_path / "honest.keras"
    model.save(honest)
    assert read_model_file(honest).layer("conv").params == 3 * 3 * 3 * 4 + 4
    path = with_config(honest, tmp_path / "kernel.keras", set_layer("conv", "kernel_size", [5, 5]))
    with pytest.raises(StaticUnsupported) as caught:
        read_model_file(path)
    assert str(caught.value) == (
        "layer 'conv' (Conv2D): its config implies kernel of shape (5, 5, 3, 4), "
        "but the weights file holds (3, 3, 3, 4)"
    )
    path = with_config(honest, tmp_path / "kernel0.keras", set_layer("conv", "kernel_size", 0))
    with pytest.raises(StaticUnsupported, match="layer 'conv': kernel_size is 0, not a whole"):
        read_model_file(path)


def test_engine_static_names_the_mismatch_and_the_seed_still_reads_exactly(
    seed_path: Path, tmp_path: Path
) -> None:
    from cli_runner import invoke

    from layerscope import analyze

    report = analyze(seed_path, training_samples=55000, engine="static")
    assert report.engine == "static"
    assert report.totals is not None and report.totals.params == 316_810
    assert report.layer("Hidden1").variables[0].shape == (784, 300)
    path = with_config(seed_path, tmp_path / "tampered.keras", set_layer("Output", "units", 11))
    result = invoke(["summary", str(path), "--engine", "static"])
    assert result.exit_code == 1
    assert "its config implies kernel of shape (100, 11)" in result.output
    assert "Hidden widths" not in result.output


# -- lean and light ----------------------------------------------------------------------------


def test_static_engine_never_imports_tensorflow_or_keras(seed_path: Path) -> None:
    code = (
        "import sys\n"
        "from layerscope.static import read_model_file\n"
        "from layerscope.analysis import run_analyses\n"
        f"report = run_analyses(read_model_file({os.fspath(seed_path)!r}))\n"
        "report.to_text(width=120)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'tensorflow', 'keras'})\n"
        "print(report.totals.params, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "316810 []"


def test_only_metadata_is_read_from_the_weights(tmp_path: Path, keras: Any) -> None:
    """A 32 MB weights file is described by reading a tiny fraction of it."""
    from layerscope import static

    x = keras.Input((2048,), name="x")
    model = keras.Model(x, keras.layers.Dense(4096, name="big")(x), name="big_model")
    path = tmp_path / "big.keras"
    model.save(path)
    read: list[int] = []
    original_close = static._MemberFile.close

    def recording_close(self: Any) -> None:
        read.append(self.bytes_read)
        original_close(self)

    static._MemberFile.close = recording_close  # type: ignore[method-assign]
    try:
        report = static.read_model_file(path)
    finally:
        static._MemberFile.close = original_close  # type: ignore[method-assign]
    assert report.layer("big").params == 2048 * 4096 + 4096
    with zipfile.ZipFile(path) as archive:
        weights_size = archive.getinfo("model.weights.h5").file_size
    assert weights_size > 32_000_000
    assert len(read) == 1 and 0 < read[0] < 200_000


def test_bad_archives_fail_before_any_reading(tmp_path: Path, seed_path: Path) -> None:
    """The loading guards run first, so both engines refuse a broken file the same way."""
    from layerscope.errors import UnsupportedFormatError
    from layerscope.static import read_model_file

    broken = tmp_path / "broken.keras"
    with zipfile.ZipFile(seed_path) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "config.json":
                data = b"{not json"
            target.writestr(info, data)
    with pytest.raises(UnsupportedFormatError, match="is not valid JSON"):
        read_model_file(broken)
    not_a_model = tmp_path / "empty.keras"
    with zipfile.ZipFile(not_a_model, "w") as target:
        target.writestr("other.txt", json.dumps({}))
    with pytest.raises(UnsupportedFormatError, match=r"without config\.json"):
        read_model_file(not_a_model)
    no_weights = tmp_path / "no_weights.keras"
    with zipfile.ZipFile(seed_path) as source, zipfile.ZipFile(no_weights, "w") as target:
        target.writestr("config.json", source.read("config.json"))
    with pytest.raises(UnsupportedFormatError, match=r"but no model\.weights\.h5"):
        read_model_file(no_weights)


# -- progress feedback -------------------------------------------------------------------------


def test_progress_is_silent_when_stderr_is_not_a_terminal() -> None:
    import io

    from layerscope import progress

    stream = io.StringIO()
    with progress.step("Loading the model", delay=0, stream=stream):
        pass
    assert stream.getvalue() == ""
    assert progress.enabled(stream) is False


def test_progress_shows_nested_steps_on_a_terminal_and_waits_for_slow_ones() -> None:
    import io
    import time

    from layerscope import progress

    stream = io.StringIO()
    with progress.step("Loading the model", delay=0, stream=stream, force=True):
        with progress.step("Reading the weights", stream=stream, force=True):
            time.sleep(0.2)
        time.sleep(0.2)
    shown = stream.getvalue()
    assert "Loading the model..." in shown
    assert "Reading the weights..." in shown
    quick = io.StringIO()
    with progress.step("A quick step", delay=5, stream=quick, force=True):
        pass
    assert quick.getvalue() == ""


def test_progress_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from layerscope import progress

    class Terminal:
        def isatty(self) -> bool:
            return True

    terminal: Any = Terminal()
    monkeypatch.delenv("LAYERSCOPE_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.enabled(terminal) is True
    monkeypatch.setenv("LAYERSCOPE_PROGRESS", "0")
    assert progress.enabled(terminal) is False


def test_progress_import_is_light() -> None:
    code = (
        "import sys\n"
        "import layerscope.progress\n"
        "print(sorted(m for m in ('rich', 'tensorflow', 'keras') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_functional_nested_three_deep_whose_output_is_the_nested_model(
    keras, tmp_path: Path
) -> None:
    """Keras counts a built-in node first in a nested Functional's output_layers index."""
    from layerscope import analyze
    from layerscope.static import read_model_file

    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, name="core")], name="lvl0")
    model = inner
    for level in range(1, 4):
        x = keras.Input((4,), name=f"in{level}")
        model = keras.Model(x, model(x), name=f"lvl{level}")
    path = tmp_path / "deep.keras"
    model.save(path)
    static = read_model_file(path)
    assert static.outputs == ("lvl2",)
    assert [row.path for row in static.layers] == [
        "in3",
        "lvl2",
        "lvl2/in2",
        "lvl2/lvl1",
        "lvl2/lvl1/in1",
        "lvl2/lvl1/lvl0",
        "lvl2/lvl1/lvl0/core",
    ]
    by_static = analyze(path, engine="static").to_dict()
    by_keras = analyze(path, engine="keras").to_dict()
    for document in (by_static, by_keras):
        document["model"].pop("engine")
        for layer in document["layers"]:
            layer.pop("layer_trainable")
    assert by_static == by_keras
    assert by_static["totals"]["params"] == 20
