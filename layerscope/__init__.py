"""layerscope: explain a Keras model's parameters.

>>> from layerscope import analyze
>>> report = analyze("examples/mnist_mlp.keras", training_samples=55000)  # doctest: +SKIP
>>> print(report.to_text())                                               # doctest: +SKIP
"""

from __future__ import annotations

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
    from layerscope.loading import load_model as _load

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
