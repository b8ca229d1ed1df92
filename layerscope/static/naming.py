"""Keras naming: how the weights file keys a container's layers, which classes are Keras's own
(and so described by :mod:`layerscope.catalogue`), which entries are graph operations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from layerscope.catalogue import CATALOGUE, kind_of, names_where
from layerscope.catalogue.params import class_of
from layerscope.errors import StaticUnsupported


def a_class(class_name: str) -> str:
    """``a BertBackbone``, ``an AlbertBackbone``: the article by the name's first letter."""
    vowel = class_name[:1].upper() in tuple("AEIOU")
    return f"{'an' if vowel else 'a'} {class_name}"


def to_snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case``: how the weights file names a saved layer's group."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def custom_class(entry: Mapping[str, Any]) -> str | None:
    """The class name of a layer that is not Keras's own (a user's or keras_hub's), as
    Keras shows it; ``None`` for Keras's classes and graph operations."""
    if is_operation(entry):
        return None
    try:
        class_of(entry)
    except StaticUnsupported:
        return str(entry.get("class_name"))
    return None


def nested_layer_configs(value: Any) -> Iterator[Mapping[str, Any]]:
    """Serialised layers nested anywhere in a custom layer's config."""
    if isinstance(value, Mapping):
        if "class_name" in value and isinstance(value.get("config"), Mapping):
            if "name" in value["config"]:
                yield value
        for item in value.values():
            yield from nested_layer_configs(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from nested_layer_configs(item)


def is_operation(entry: Mapping[str, Any]) -> bool:
    """A graph operation that is not a layer (``x + 3.0`` in MobileNetV3 is a
    ``keras.src.ops.numpy.Add``): a row with no variables, no weights group and no policy."""
    return str(entry.get("module", "")).startswith(("keras.src.ops", "keras.ops"))


def unique_keys(entries: Sequence[Mapping[str, Any]]) -> list[str | None]:
    """Keras's ``_get_unique_name`` over a container's layers: dense, dense_1, dense_2...

    Operations are not in ``model.layers``, so they get no weights group (``None``)."""
    used: dict[str, int] = {}
    keys: list[str | None] = []
    for entry in entries:
        if is_operation(entry):
            keys.append(None)
            continue
        kind = kind_of(str(entry["class_name"]))
        # Keras names the group after the Python class (GroupedQueryAttention's, saved as
        # GroupQueryAttention: grouped_query_attention).
        key = to_snake_case((kind.python_name if kind else None) or str(entry["class_name"]))
        if key in used:
            used[key] += 1
            keys.append(f"{key}_{used[key]}")
        else:
            used[key] = 0
            keys.append(key)
    return keys


MODEL_CLASSES = names_where("graph")
"""The model classes whose config holds a layer graph the engine walks."""

SUPPORTED_CLASSES: frozenset[str] = (
    frozenset(name for name, kind in CATALOGUE.items() if kind.static_layout is not None)
    | MODEL_CLASSES
)
"""Every layer class the static engine reads (anything else falls back to Keras)."""
