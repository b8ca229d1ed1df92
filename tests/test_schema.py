"""The shipped JSON Schema validates the JSON of every test model (zoo, seed, saved file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from zoo import ZOO

from layerscope import analyze
from layerscope.schema import SCHEMA_PATH


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: Any, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_json_matches_the_schema(keras: Any, validator: Any, name: str) -> None:
    for samples in (None, 1000):
        document = json.loads(analyze(ZOO[name](keras), training_samples=samples).to_json())
        assert not _errors(validator, document), name


def test_seed_json_matches_the_schema(seed_report: Any, seed_path: Path, validator: Any) -> None:
    assert not _errors(validator, seed_report.to_dict())
    from_file = analyze(seed_path, training_samples=55000, batch_size=8).to_dict()
    assert not _errors(validator, from_file)
    assert from_file["schema_version"] == 1
