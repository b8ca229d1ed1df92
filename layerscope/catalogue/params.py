"""Reading a layer's config the way Keras's build would, before any rule uses it.

Every size a config gives (``units``, ``filters``, ``kernel_size``...) must be a plain int
from 1 to :data:`MAX_SIZE`; anything else raises :class:`~layerscope.errors.StaticUnsupported`
(Keras refuses a config it cannot build, and a report built from an absurd ``units`` would be
fiction). A wrapped layer's class is Keras's own only when its module says so.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from layerscope.errors import StaticUnsupported

MAX_SIZE = 2**31 - 1
"""The largest size (units, filters, a dimension...) the engine accepts: Keras refuses a
config it cannot build, and a report built from an absurd ``units`` would be fiction."""

_REQUIRED = object()


def layer_name(config: Mapping[str, Any]) -> str:
    return repr(config.get("name"))


def check_size(value: Any, what: str, config: Mapping[str, Any], minimum: int = 1) -> int:
    """``value`` as a size, or :class:`StaticUnsupported`: a plain int (not a bool, not a
    float, not a string) from ``minimum`` to :data:`MAX_SIZE`."""
    if isinstance(value, bool) or not isinstance(value, int) or not (minimum <= value <= MAX_SIZE):
        raise StaticUnsupported(
            f"layer {layer_name(config)}: {what} is {value!r}, not a whole number from "
            f"{minimum} to {MAX_SIZE}"
        )
    return value


def param_size(
    config: Mapping[str, Any], key: str, default: Any = _REQUIRED, minimum: int = 1
) -> int:
    """The config's ``key`` as a checked size (see :func:`check_size`)."""
    value = config.get(key)
    if value is None and default is not _REQUIRED:
        return int(default)
    return check_size(value, key, config, minimum)


def param_sizes(
    config: Mapping[str, Any], key: str, rank: int, default: Any = _REQUIRED, minimum: int = 1
) -> tuple[int, ...]:
    """A per-dimension argument (``kernel_size``, ``strides``...): one checked size, or one
    per spatial dimension."""
    value = config.get(key)
    if value is None and default is not _REQUIRED:
        value = default
    if isinstance(value, (list, tuple)):
        if len(value) != rank:
            raise StaticUnsupported(
                f"layer {layer_name(config)}: {key} {list(value)!r} does not have {rank} entries"
            )
        return tuple(check_size(v, key, config, minimum) for v in value)
    return (check_size(value, key, config, minimum),) * rank


def param_axis(value: Any, rank: int, config: Mapping[str, Any]) -> int:
    """An axis index, made non-negative, for a tensor of ``rank`` dimensions."""
    if isinstance(value, bool) or not isinstance(value, int) or not -rank <= value < rank:
        raise StaticUnsupported(
            f"layer {layer_name(config)}: axis {value!r} is out of range for rank {rank}"
        )
    return value % rank


def class_of(entry: Mapping[str, Any]) -> str:
    """The entry's class name, once it is sure to be Keras's own class of that name.

    A user's registered class may share a built-in's name (``my_pkg>Dense``); only Keras's
    own classes have the variables and shapes this module knows, so anything else declines.
    """
    class_name = str(entry.get("class_name"))
    module = str(entry.get("module") or "")
    registered = entry.get("registered_name")
    expected_module = _home_module(class_name)
    is_keras = module == "keras" or module.startswith("keras.")
    if (
        not is_keras
        or (registered is not None and registered != class_name)
        or (expected_module is not None and module != expected_module)
    ):
        shown = registered or f"{module}.{class_name}"
        raise StaticUnsupported(f"layer class {shown!r} is not known to the static engine")
    return class_name


@functools.cache
def _home_module(class_name: str) -> str | None:
    """The one module the catalogue says ``class_name`` comes from (``LayerKind.module``)."""
    from layerscope.catalogue import kind_of  # the registry imports the rule modules

    kind = kind_of(class_name)
    return None if kind is None else kind.module


def serialized(entry: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """A wrapped layer's (Bidirectional, TimeDistributed) class and config."""
    return class_of(entry), entry.get("config") or {}
