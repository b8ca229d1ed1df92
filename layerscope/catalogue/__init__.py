"""One catalogue of layer knowledge: every Keras layer class layerscope knows, described once.

Each family module (:mod:`~layerscope.catalogue.dense`, :mod:`~layerscope.catalogue.conv`,
:mod:`~layerscope.catalogue.recurrent`...) lists its classes as :class:`LayerKind` entries
holding the class's flags and references to its rule functions; :data:`CATALOGUE` joins them
by exact class name. The static engine and the analyses (cost, data fit, graph walks, weight
statistics, config checks) read it and keep no class lists of their own, so adding a layer
class touches one family module.

Matching is by exact class name, never by prefix or pattern: a custom ``DepthwiseConvBlock``,
``DenseNetBlock`` or ``RandomThing`` gets no stock rule or flag. Nothing in this package
imports Keras, TensorFlow, an engine or an analysis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from layerscope.catalogue import (
    activation,
    attention,
    conv,
    core,
    dense,
    hub,
    merging,
    normalization,
    operations,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
)
from layerscope.catalogue.kind import (
    LayerKind,
    LayoutRule,
    MacRule,
    Regularising,
    ShapeFunction,
    ShapeRule,
)

__all__ = [
    "CATALOGUE",
    "LayerKind",
    "MacRule",
    "Regularising",
    "cost_rule",
    "kind_of",
    "layout_rule",
    "names_where",
    "output_rule",
    "priced_by_rule",
    "variable_shape_rule",
]

_FAMILIES = (
    core,
    dense,
    conv,
    recurrent,
    attention,
    normalization,
    activation,
    regularization,
    pooling,
    reshaping,
    merging,
    preprocessing,
    operations,
    hub,
)


def _join(kinds: Iterable[LayerKind]) -> Mapping[str, LayerKind]:
    table: dict[str, LayerKind] = {}
    for kind in kinds:
        if kind.name in table:
            raise RuntimeError(f"layer class {kind.name!r} is described twice in the catalogue")
        table[kind.name] = kind
    return MappingProxyType(table)


CATALOGUE: Mapping[str, LayerKind] = _join(kind for family in _FAMILIES for kind in family.KINDS)
"""Every described layer class by its exact name."""


def kind_of(class_name: str | None) -> LayerKind | None:
    """The description of ``class_name``, or ``None`` for a class the catalogue does not know
    (a custom layer)."""
    return None if class_name is None else CATALOGUE.get(class_name)


def cost_rule(class_name: str | None) -> MacRule | None:
    """The MAC rule of ``class_name``'s call, or ``None`` when there is none."""
    kind = kind_of(class_name)
    return None if kind is None else kind.cost


def priced_by_rule(class_name: str | None) -> bool:
    """Whether a rule of its own prices ``class_name``'s calls (a MAC rule, or a wrapper's
    inner layer's), so that each call of a shared layer can be priced at its own shapes."""
    kind = kind_of(class_name)
    return kind is not None and (kind.cost is not None or kind.wrapper)


def names_where(flag: str) -> frozenset[str]:
    """The names of the classes whose ``flag`` attribute is set (``"elementwise"``...)."""
    return frozenset(name for name, kind in CATALOGUE.items() if getattr(kind, flag))


def layout_rule(class_name: str) -> LayoutRule | None:
    """How the static engine reads ``class_name``'s variables, or ``None`` when it cannot."""
    kind = CATALOGUE.get(class_name)
    return None if kind is None else kind.static_layout


def variable_shape_rule(class_name: str) -> ShapeRule | None:
    kind = CATALOGUE.get(class_name)
    return None if kind is None else kind.variable_shapes


def output_rule(class_name: str) -> ShapeFunction | None:
    kind = CATALOGUE.get(class_name)
    return None if kind is None else kind.output_shape
