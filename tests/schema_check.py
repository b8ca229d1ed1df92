"""The shipped JSON Schema (``layerscope/schema.json``), for tests that hold a report.

``schema_errors(document)`` lists every place a JSON document breaks the schema; the tests
that already build a model (the zoo, the keras_hub models) call it on the report they have,
so checking the schema costs no extra model build.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jsonschema

from layerscope.schema import SCHEMA_PATH


@lru_cache(maxsize=1)
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(document: Any) -> list[str]:
    """Each violation as ``path: message`` (empty when the document is valid)."""
    if not isinstance(document, dict):
        document = json.loads(document.to_json())
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator().iter_errors(document)
    ]
