"""Loading real files: .keras and legacy .h5 round trips give the in-memory report."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from zoo import ZOO

from layerscope import analyze


def _comparable(report) -> dict:  # type: ignore[no-untyped-def]
    document = report.to_dict()
    document["model"].pop("source")
    document["model"].pop("engine")
    for layer in document["layers"]:
        # Keras restores a frozen nested model with trainable=True on the model object while
        # its layers (and so every count) stay frozen; the flag itself is not round-tripped.
        layer.pop("layer_trainable")
    return document


@pytest.mark.parametrize(
    "name", ["nested", "frozen", "shared_layer", "every_layer_type", "mixed_precision"]
)
def test_keras_file_round_trip_matches_memory(keras, tmp_path: Path, name: str) -> None:
    model = ZOO[name](keras)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    in_memory = analyze(model)
    from_file = analyze(path, engine="keras")
    assert from_file.source == str(path)
    assert _comparable(from_file) == _comparable(in_memory)


def test_legacy_h5_file(keras, seed_model, tmp_path: Path) -> None:
    path = tmp_path / "seed.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seed_model.save(path)
    report = analyze(path, training_samples=55_000)
    assert report.totals.params == 316_810
    assert report.layer("Hidden1").by_role.weight == 235_200
    assert report.data_fit.params_per_sample == 5.76


def test_bundled_example_file(seed_path: Path) -> None:
    report = analyze(seed_path, training_samples=55_000)
    assert [row.params for row in report.layers] == [0, 235_500, 60_200, 20_100, 1_010]


def test_saved_model_folder_is_explained(tmp_path: Path) -> None:
    from layerscope.errors import UnsupportedFormatError

    folder = tmp_path / "exported"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(UnsupportedFormatError, match="SavedModel") as info:
        analyze(folder)
    assert "model.save('model.keras')" in str(info.value)


def test_custom_objects_file_supplies_an_unknown_class(keras, tmp_path: Path) -> None:
    from layerscope.errors import UnknownLayerError

    source = tmp_path / "my_layers.py"
    source.write_text(
        "import keras\n\n"
        "class Scale(keras.layers.Layer):\n"
        "    def build(self, input_shape):\n"
        "        self.factor = self.add_weight(shape=(input_shape[-1],), name='factor')\n"
        "    def call(self, x):\n"
        "        return x * self.factor\n",
        encoding="utf-8",
    )
    import importlib.util

    spec = importlib.util.spec_from_file_location("my_layers_for_saving", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    model = keras.Sequential([keras.Input((4,)), module.Scale(name="scale"), keras.layers.Dense(2)])
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(UnknownLayerError, match="Scale") as info:
        analyze(path, engine="keras")
    assert info.value.class_name == "Scale"
    assert "--custom-objects" in str(info.value)
    report = analyze(path, custom_objects=source, engine="keras")
    assert report.layer("scale").params == 4
    assert report.layer("scale").variables[0].role == "other"


def test_native_load_chatter_is_dropped_and_everything_else_passed_on(capfd):
    """TensorFlow's native libraries write absl lines straight to fd 2 while they load; the
    filter drops exactly those and passes on anything else written meanwhile."""
    import os

    from layerscope._keras import native_stderr_filtered

    with native_stderr_filtered():
        os.write(
            2,
            b"WARNING: All log messages before absl::InitializeLog() is called are "
            b"written to STDERR\n",
        )
        os.write(
            2,
            b"I0000 00:00:1795921243.310171   14997 cudart_stub.cc:31] Could not find "
            b"cuda drivers on your machine, GPU will not be used.\n",
        )
        os.write(2, b"W0000 00:00:1795921243.310171   14997 port.cc:153] oneDNN custom\n")
        os.write(2, b"E0000 00:00:17.1 12 real.cc:1] a real native error\n")
        os.write(2, b"a Python-level message\n")
    err = capfd.readouterr().err
    assert err == "E0000 00:00:17.1 12 real.cc:1] a real native error\na Python-level message\n"
