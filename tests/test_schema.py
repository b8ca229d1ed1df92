"""The shipped JSON Schema validates the JSON of every test model.

Here: the small capture zoo, the seed model (in memory and from its file) and every
keras.applications model (``slow``, grouped by model with the zoo's other tests so each is
built once). The keras_hub models (tests/hub_models.py) are checked where their reports are
built already: ``test_rows.py`` (the Keras engine in memory and from the file, and the
default engine) and ``test_static_hub.py`` (the static engine's CLI JSON, no framework).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import application_names
from schema_check import schema_errors
from zoo import ZOO

from layerscope import analyze


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_json_matches_the_schema(keras: Any, name: str) -> None:
    for samples in (None, 1000):
        document = json.loads(analyze(ZOO[name](keras), training_samples=samples).to_json())
        assert not schema_errors(document), name


def test_seed_json_matches_the_schema(seed_report: Any, seed_path: Path) -> None:
    assert not schema_errors(seed_report.to_dict())
    from_file = analyze(seed_path, training_samples=55000, batch_size=8).to_dict()
    assert not schema_errors(from_file)
    assert from_file["schema_version"] == 1


@pytest.mark.parametrize("name", application_names())
def test_application_json_matches_the_schema(applications: Any, name: str) -> None:
    report = applications.report(name)
    assert not schema_errors(json.loads(report.to_json())), name


def test_a_document_that_breaks_the_schema_is_caught(seed_report: Any) -> None:
    document = seed_report.to_dict()
    document["totals"]["params"] = "316810"
    del document["layers"][0]["name"]
    errors = schema_errors(document)
    assert any(error.startswith("totals/params: '316810' is not of type") for error in errors)
    assert any("'name' is a required property" in error for error in errors), errors
