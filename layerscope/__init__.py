"""layerscope: explain a Keras model's parameters.

>>> from layerscope import analyze
>>> report = analyze("examples/mnist_mlp.keras", training_samples=55000)  # doctest: +SKIP
>>> print(report.to_text())                                               # doctest: +SKIP
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up: issue 17)
if TYPE_CHECKING:  # the names below load on first use (PEP 562), so `layerscope --help`
    # imports nothing but layerscope.cli and its parser
    from typing import Any

    from layerscope.api import analyze
    from layerscope.budgets import Budget, BudgetResult, CheckResult, check, parse_size
    from layerscope.diffing import DiffReport, LayerDiff, diff
    from layerscope.errors import (
        AnalysisError,
        ArchiveTooLargeError,
        LayerscopeError,
        ModelLoadError,
        ModelNotBuiltError,
        ModelNotFoundError,
        RenderError,
        UnknownLayerError,
        UnsafeModelError,
        UnsupportedFormatError,
        UsageError,
    )
    from layerscope.report import (
        CapturedModel,
        Edge,
        LayerReport,
        ModelReport,
        RoleCounts,
        Totals,
        Variable,
    )
    from layerscope.results import Architecture, Cost, DataFit, Memory

__version__ = "0.1.0"


def load_model(path: str, unsafe: bool = False, custom_objects: object = None) -> object:
    """Load a ``.keras`` / ``.h5`` model with layerscope's guards (safe mode by default)."""
    from layerscope.keras_engine import load_model as _load

    return _load(path, unsafe=unsafe, custom_objects=custom_objects)  # type: ignore[arg-type]


__all__ = [
    "AnalysisError",
    "Architecture",
    "ArchiveTooLargeError",
    "Budget",
    "BudgetResult",
    "CapturedModel",
    "CheckResult",
    "Cost",
    "DataFit",
    "DiffReport",
    "Edge",
    "LayerDiff",
    "LayerReport",
    "LayerscopeError",
    "Memory",
    "ModelLoadError",
    "ModelNotBuiltError",
    "ModelNotFoundError",
    "ModelReport",
    "RenderError",
    "RoleCounts",
    "Totals",
    "UnknownLayerError",
    "UnsafeModelError",
    "UnsupportedFormatError",
    "UsageError",
    "Variable",
    "__version__",
    "analyze",
    "check",
    "diff",
    "load_model",
    "parse_size",
]

_MODULES = {
    "layerscope.api": ("analyze",),
    "layerscope.budgets": ("Budget", "BudgetResult", "CheckResult", "check", "parse_size"),
    "layerscope.diffing": ("DiffReport", "LayerDiff", "diff"),
    "layerscope.errors": (
        "AnalysisError",
        "ArchiveTooLargeError",
        "LayerscopeError",
        "ModelLoadError",
        "ModelNotBuiltError",
        "ModelNotFoundError",
        "RenderError",
        "UnknownLayerError",
        "UnsafeModelError",
        "UnsupportedFormatError",
        "UsageError",
    ),
    "layerscope.report": (
        "CapturedModel",
        "Edge",
        "LayerReport",
        "ModelReport",
        "RoleCounts",
        "Totals",
        "Variable",
    ),
    "layerscope.results": ("Architecture", "Cost", "DataFit", "Memory"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (start-up stays at the CLI's own modules)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'layerscope' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
