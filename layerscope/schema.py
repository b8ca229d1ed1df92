"""The JSON Schema of the JSON document, derived from the typed results.

The document is :class:`layerscope.render.json.Document` and the dataclasses it holds; this
module walks their type hints and writes one schema (draft 2020-12) with a ``$defs`` entry
per dataclass. The repository ships the result as ``layerscope/schema.json``; a test checks
that the shipped file is current. Regenerate it after changing a result type::

    python -m layerscope.schema --write

docs/json.md describes the same document in words.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("schema.json")
"""Where the generated schema ships (inside the package, so installed copies have it)."""

SCHEMA_ID = "https://github.com/layerscope/layerscope/blob/main/layerscope/schema.json"

_SCALARS: dict[Any, dict[str, Any]] = {
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def _describe(cls: type) -> str:
    doc = (cls.__doc__ or "").strip()
    if doc.startswith(f"{cls.__name__}("):  # dataclasses' generated signature: no docs
        return ""
    return " ".join(doc.split())


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def schema(self, hint: Any) -> dict[str, Any]:
        if hint in _SCALARS:
            return dict(_SCALARS[hint])
        if dataclasses.is_dataclass(hint) and isinstance(hint, type):
            return self.reference(hint)
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            options = [self.schema(arg) for arg in args]
            return {"anyOf": options}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.schema(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.schema(arg) for arg in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin in (list, Sequence):
            return {"type": "array", "items": self.schema(args[0])}
        if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
            return {"type": "object", "additionalProperties": self.schema(args[1])}
        if origin is typing.Literal:
            return {"enum": list(args)}
        raise TypeError(f"no JSON Schema for the type {hint!r}")

    def reference(self, cls: type) -> dict[str, Any]:
        from layerscope.results import json_key

        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # a placeholder first: recursive types terminate
            hints = typing.get_type_hints(cls)
            properties = {
                json_key(item): self.schema(hints[item.name]) for item in dataclasses.fields(cls)
            }
            definition: dict[str, Any] = {"type": "object"}
            description = _describe(cls)
            if description:
                definition["description"] = description
            definition.update(
                properties=properties,
                required=list(properties),
                additionalProperties=False,
            )
            self.defs[name] = definition
        return {"$ref": f"#/$defs/{name}"}


def build_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.to_dict()`` / ``layerscope summary --format json``."""
    from layerscope.render.json import SCHEMA_VERSION, Document

    builder = _Builder()
    root = builder.reference(Document)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"layerscope report (schema_version {SCHEMA_VERSION})",
        "description": "The JSON document layerscope writes for one model; see docs/json.md.",
        **root,
        "$defs": dict(sorted(builder.defs.items())),
    }
    schema["$defs"]["Document"]["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    return schema


def schema_text() -> str:
    """The schema as the shipped file holds it (sorted, indented, one final newline)."""
    return json.dumps(build_schema(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--write"]:
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
        return 0
    if args:
        print("usage: python -m layerscope.schema [--write]", file=sys.stderr)
        return 2
    sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
