"""A model file is opened and validated once (issue 13): ``open_model`` gives a typed
``ModelFile`` that the engines take as validated, without Keras."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from layerscope import analyze, modelfile
from layerscope.errors import UnsafeModelError, UnsupportedFormatError
from layerscope.modelfile import ModelKind, check_model_path, open_model

from . import hostile

SEED = hostile.SEED


def seed_config() -> dict[str, Any]:
    with zipfile.ZipFile(SEED) as archive:
        config: dict[str, Any] = json.loads(archive.read("config.json"))
    return config


def test_a_keras_archive_opens_into_a_model_file() -> None:
    opened = open_model(SEED)
    assert opened.kind is ModelKind.KERAS
    assert opened.path == SEED
    assert opened.source == os.fspath(SEED)
    assert opened.shown == repr(os.fspath(SEED))
    assert opened.size == SEED.stat().st_size
    assert opened.config == seed_config()
    assert opened.config["class_name"] == "Sequential"
    assert opened.name == seed_config()["config"]["name"]
    assert opened.lambdas == ()
    assert opened.weights_member == "model.weights.h5"
    assert "config.json" in opened.members and "model.weights.h5" in opened.members
    assert os.fspath(opened) == os.fspath(SEED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opened.size = 0  # type: ignore[misc]


def test_an_opened_file_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = open_model(SEED)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the file was opened again")

    monkeypatch.setattr(zipfile, "ZipFile", refuse)
    assert open_model(opened) is opened
    assert check_model_path(opened) == SEED


def test_analyze_runs_the_guards_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guards read the archive once; the static engine then opens it for the weights
    only (it takes the config the guards parsed, ``ModelFile.config``)."""
    passes: list[Path] = []
    opens: list[Any] = []
    read_archive = modelfile._read_keras_archive
    real_zip = zipfile.ZipFile

    def counted_pass(file: Path, size: int) -> Any:
        passes.append(file)
        return read_archive(file, size)

    class CountedZip(real_zip):  # type: ignore[misc, valid-type]
        def __init__(self, file: Any, *args: Any, **kwargs: Any) -> None:
            opens.append(file)
            super().__init__(file, *args, **kwargs)

    monkeypatch.setattr(modelfile, "_read_keras_archive", counted_pass)
    monkeypatch.setattr(zipfile, "ZipFile", CountedZip)
    report = analyze(SEED, engine="static")
    assert report.totals.params == 316_810
    assert passes == [SEED]
    assert len(opens) == 2  # was 4 before open_model: the guards twice, the engine twice


def test_lambdas_are_found_once_and_refused_by_name(tmp_path: Path) -> None:
    def add_lambda(config: dict[str, Any]) -> None:
        layer = hostile.layer_entry(config, "Hidden2")
        layer["config"]["payload"] = {"class_name": "__lambda__", "config": {"code": "x"}}

    path = hostile.rewrite(tmp_path / "lambda.keras", config=add_lambda)
    opened = open_model(path)
    assert opened.lambdas == ("Hidden2",)
    with pytest.raises(UnsafeModelError, match=r"contains a Python lambda \(layer 'Hidden2'\)"):
        opened.refuse_lambdas()
    with pytest.raises(UnsafeModelError, match=r"\(layer 'Hidden2'\)"):
        analyze(path, engine="static")


def test_a_legacy_h5_file_opens_with_its_config(tmp_path: Path) -> None:
    import h5py

    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(seed_config())
    opened = open_model(path)
    assert opened.kind is ModelKind.H5
    assert opened.config == seed_config()
    assert (opened.weights_member, opened.members, opened.lambdas) == (None, (), ())


@pytest.mark.parametrize("engine", ["auto", "static", "keras"])
def test_one_bad_config_gets_one_error_whatever_the_engine(tmp_path: Path, engine: str) -> None:
    path = hostile.rewrite(tmp_path / "bad.keras", config=lambda _: b'{"class_name": [}')
    with pytest.raises(UnsupportedFormatError) as caught:
        analyze(path, engine=engine)  # refused before Keras could load (tests/unit: no Keras)
    assert str(caught.value) == (
        f"'{path}': config.json is not valid JSON (Expecting value at line 1 column 17)"
    )


def test_a_file_of_another_kind_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a model", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match=r"unsupported file type '\.txt'"):
        open_model(path)
