"""A saved model's config (``config.json`` of a ``.keras`` archive, ``model_config`` of a
legacy ``.h5``): parsed once with a bounded cost, its envelope validated, the Python lambdas
it holds found. Pure JSON work, no file access and no Keras: :mod:`layerscope.modelfile`
reads the file and calls these.
"""

from __future__ import annotations

import json
from typing import Any

from layerscope.catalogue import names_where
from layerscope.errors import ArchiveTooLargeError, UnsupportedFormatError

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""The largest ``config.json`` / ``metadata.json`` a ``.keras`` archive may declare."""

MAX_CONFIG_OBJECTS = 3_000_000
"""The most JSON objects and lists a config may hold (a 50,000-layer model needs under a
million); each costs Python ~100-200 bytes, so this bounds the parse near 600 MB."""
MAX_CONFIG_VALUES = 10_000_000
"""The most comma-separated values a config may hold in all."""
OBJECTS_PER_CLASS = 64
"""How many objects and lists a config may hold per serialised object (``class_name``) it
describes, beyond a floor of :data:`OBJECT_FLOOR`: a real config holds 3 to 25."""
OBJECT_FLOOR = 100_000


def check_config_budget(text: str | bytes, where: str) -> None:
    """Refuse, before parsing, a config whose JSON holds vastly more objects than the
    layers it describes need (60 MiB of ``{}`` would take gigabytes to parse)."""
    if isinstance(text, bytes):
        braces, brackets = text.count(b"{"), text.count(b"[")
        commas, classes = text.count(b","), text.count(b'"class_name"')
    else:
        braces, brackets = text.count("{"), text.count("[")
        commas, classes = text.count(","), text.count('"class_name"')
    containers = braces + brackets
    allowed = min(MAX_CONFIG_OBJECTS, OBJECT_FLOOR + OBJECTS_PER_CLASS * classes)
    if containers > allowed or commas > MAX_CONFIG_VALUES:
        raise ArchiveTooLargeError(
            f"{where} holds {containers:,} JSON objects and lists and {commas:,} values for "
            f"{classes:,} serialised objects (limit {allowed:,} and {MAX_CONFIG_VALUES:,}); "
            "refusing to parse a config far larger than the model it describes"
        )


def parse_config_json(text: str, where: str) -> Any:
    """Parse a model config, turning every JSON failure into one clear message; the
    parse is bounded by :func:`check_config_budget` first."""
    check_config_budget(text, where)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnsupportedFormatError(
            f"{where} is not valid JSON ({error.msg.removesuffix(' at')} at line "
            f"{error.lineno} column {error.colno})"
        ) from error
    except RecursionError as error:
        raise UnsupportedFormatError(
            f"{where} is nested too deeply to be a model config"
        ) from error
    except MemoryError as error:
        raise ArchiveTooLargeError(f"{where}: out of memory while parsing it") from error
    except ValueError as error:  # e.g. an integer with too many digits
        raise UnsupportedFormatError(f"{where} is not valid JSON ({error})") from error


def validate_model_config(config: Any, where: str) -> None:
    """Check the shape Keras expects of a saved model config before Keras sees it, so a
    config of the wrong shape gets a message saying what is wrong and where.

    Only the envelope (``class_name``, ``config``) and the ``layers`` lists of Keras's own
    containers (Sequential, Functional) are checked: a custom model may use any keys.
    """
    layers = _count_layers(config)
    if layers > MAX_LAYERS:
        raise ArchiveTooLargeError(
            f"{where}: the model has {layers:,} layers, more than the {MAX_LAYERS:,} "
            "layerscope reads (Keras itself fails on such a model after minutes)"
        )
    _validate_object(config, where, "the model config", depth=0)


MAX_LAYERS = 200_000
"""The most layers (nested ones included) a model file may hold: a 50,000-layer model reads
in about a minute; a 1,000,000-layer config took Keras 347 s before a RecursionError."""


def _count_layers(config: Any) -> int:
    count = 0
    stack = [config]
    while stack:
        value = stack.pop()
        inner = value.get("config") if isinstance(value, dict) else None
        layers = inner.get("layers") if isinstance(inner, dict) else None
        if isinstance(layers, list):
            count += len(layers)
            stack.extend(layer for layer in layers if isinstance(layer, dict))
    return count


_CONTAINERS = names_where("container")
MAX_CONFIG_DEPTH = 64


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _validate_object(value: Any, where: str, what: str, depth: int) -> None:
    if depth > MAX_CONFIG_DEPTH:
        raise UnsupportedFormatError(f"{where}: models nested more than {MAX_CONFIG_DEPTH} deep")
    if not isinstance(value, dict):
        raise UnsupportedFormatError(
            f"{where}: {what} is {_json_kind(value)}, expected an object with "
            "'class_name' and 'config'"
        )
    class_name = value.get("class_name")
    if not isinstance(class_name, str) or not class_name:
        found = "missing" if class_name is None else f"{_json_kind(class_name)}"
        raise UnsupportedFormatError(
            f"{where}: {what} has no valid 'class_name' ({found}), so it is not a Keras "
            "model config"
        )
    inner = value.get("config", {})
    if not isinstance(inner, dict):
        raise UnsupportedFormatError(
            f"{where}: {what} ({class_name}) has a 'config' that is {_json_kind(inner)}, "
            "expected an object"
        )
    module = value.get("module")
    builtin = module is None or (isinstance(module, str) and module.startswith("keras"))
    if class_name in _CONTAINERS and builtin and "layers" in inner:
        layers = inner["layers"]
        if not isinstance(layers, list):
            raise UnsupportedFormatError(
                f"{where}: {what} ({class_name}) has 'layers' that is "
                f"{_json_kind(layers)}, expected a list of layer configs"
            )
        for index, layer in enumerate(layers):
            label = f"layers[{index}]"
            if isinstance(layer, dict) and isinstance(layer.get("config"), dict):
                name = layer["config"].get("name")
                if isinstance(name, str):
                    label += f" ({name!r})"
            _validate_object(layer, where, label, depth + 1)


def may_hold_lambda(text: str) -> bool:
    """Whether a config's JSON text could hold a serialised Python lambda, for
    :func:`python_lambdas` to skip walking a large config that cannot. Both markers
    (``"__lambda__"``, ``"function_type": "lambda"``) hold the word ``lambda``, and a JSON
    string can spell a letter only as itself or as a ``\\u`` escape: text with neither
    holds no lambda."""
    return "lambda" in text or "\\u" in text


def python_lambdas(config: Any) -> list[str]:
    """Names of the layers in a model config that hold Python bytecode: a serialised
    ``lambda`` (``{"class_name": "__lambda__"}`` in a .keras config, ``function_type:
    "lambda"`` in a legacy .h5 one). This is what Keras's safe mode refuses to run."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(config, "")]
    containers = (dict, list)
    while stack:
        value, owner = stack.pop()
        if type(value) is dict or isinstance(value, dict):
            inner = value.get("config")
            name = inner.get("name") if isinstance(inner, dict) else None
            here = name if isinstance(name, str) and "class_name" in value else owner
            is_code = value.get("class_name") == "__lambda__" or (
                value.get("function_type") == "lambda" and "function" in value
            )
            if is_code and here not in found:
                found.append(here)
            children: Any = value.values()
        else:
            here, children = owner, value
        # Only containers are stacked: a 50,000-layer config holds millions of scalars.
        stack.extend((child, here) for child in children if isinstance(child, containers))
    return found


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
