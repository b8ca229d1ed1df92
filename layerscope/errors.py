"""Errors layerscope raises on purpose. The CLI turns each into one line and exit status 1.

Exception tree::

    LayerscopeError                 anything layerscope reports cleanly
    ├── ModelLoadError              the file could not be read as a Keras model
    │   ├── ModelNotFoundError      no such path / not a file / unreadable
    │   ├── UnsupportedFormatError  not a .keras / .h5 model (SavedModel folders included)
    │   ├── UnsafeModelError        safe mode refused a Python lambda; pass unsafe=True
    │   ├── UnknownLayerError       a layer class nobody registered; supply custom objects
    │   └── ArchiveTooLargeError    the archive would inflate past the size guards
    ├── ModelNotBuiltError          a subclassed model that has never been built or called
    ├── StaticUnsupported           the static engine cannot report the file exactly (``auto``
    │                               falls back to Keras)
    ├── AnalysisError               the model loaded but could not be analysed
    ├── RenderError                 an output could not be produced (e.g. Graphviz failed)
    └── UsageError                  a bad argument value (also a ValueError)
"""

from __future__ import annotations


class LayerscopeError(Exception):
    """Base class of every error layerscope raises on purpose."""


class ModelLoadError(LayerscopeError):
    """The model file could not be read."""


class ModelNotFoundError(ModelLoadError):
    """The path does not exist, is not a file, or cannot be read."""


class UnsupportedFormatError(ModelLoadError):
    """The path is not a Keras model layerscope can read."""


class UnsafeModelError(ModelLoadError):
    """Keras's safe mode refused to deserialise Python code (a lambda) in the model."""


class UnknownLayerError(ModelLoadError):
    """The model names a layer (or other object) class that is not registered."""

    def __init__(self, message: str, class_name: str | None = None) -> None:
        super().__init__(message)
        self.class_name = class_name


class ArchiveTooLargeError(ModelLoadError):
    """The archive declares more data than the size guards allow (a zip bomb, say)."""


class ModelNotBuiltError(LayerscopeError):
    """A model whose variables do not exist yet: build it or call it on data first."""


class StaticUnsupported(LayerscopeError):
    """The static engine cannot produce an exact report for this file; the message says why.

    ``--engine auto`` catches it and loads the model with Keras instead.
    """

    gaps: tuple[str, ...] = ()
    """What the engine could not derive, when it could read the file's rows at all."""
    module: str = ""
    """The module of the model's class (``keras_hub.src...``), when the config says."""


class AnalysisError(LayerscopeError):
    """The model loaded but could not be analysed."""


class RenderError(LayerscopeError):
    """An output could not be produced."""


class UsageError(LayerscopeError, ValueError):
    """An argument had a bad value; the message quotes it."""
