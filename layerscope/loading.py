"""Loading: ``path -> keras.Model``, with guards that run before anything is inflated.

The work lives in four modules; this one keeps their public names where callers have always
imported them:

* :mod:`layerscope.modelfile`: :func:`open_model`, the file opened and validated once (a
  :class:`ModelFile`), and :func:`describe`, how a path is shown in messages;
* :mod:`layerscope.modelconfig`: the config JSON's bounded parse, its validation and the
  Python lambdas it holds;
* :mod:`layerscope.custom_objects`: the ``--custom-objects`` file, checked and imported;
* :mod:`layerscope.keras_engine`: :func:`load_model`, the Keras load and its one-line errors.
"""

from __future__ import annotations

import os

from layerscope.custom_objects import check_custom_objects, load_custom_objects
from layerscope.keras_engine import load_model
from layerscope.modelconfig import (
    MAX_CONFIG_BYTES,
    MAX_CONFIG_DEPTH,
    MAX_CONFIG_OBJECTS,
    MAX_CONFIG_VALUES,
    MAX_LAYERS,
    check_config_budget,
    parse_config_json,
    python_lambdas,
    validate_model_config,
)
from layerscope.modelfile import (
    BOMB_FLOOR_BYTES,
    H5_SUFFIXES,
    HDF5_MAGIC,
    KERAS_SUFFIXES,
    MAX_EXPANSION,
    WEIGHTS_MEMBERS,
    ModelFile,
    ModelKind,
    check_model_path,
    describe,
    open_model,
)


def refuse_python_lambdas(path: str | os.PathLike[str]) -> None:
    """Safe mode for every engine: refuse a model holding Python lambdas, naming the layer
    (see :meth:`ModelFile.refuse_lambdas`)."""
    open_model(path).refuse_lambdas()


__all__ = [
    "BOMB_FLOOR_BYTES",
    "H5_SUFFIXES",
    "HDF5_MAGIC",
    "KERAS_SUFFIXES",
    "MAX_CONFIG_BYTES",
    "MAX_CONFIG_DEPTH",
    "MAX_CONFIG_OBJECTS",
    "MAX_CONFIG_VALUES",
    "MAX_EXPANSION",
    "MAX_LAYERS",
    "WEIGHTS_MEMBERS",
    "ModelFile",
    "ModelKind",
    "check_config_budget",
    "check_custom_objects",
    "check_model_path",
    "describe",
    "load_custom_objects",
    "load_model",
    "open_model",
    "parse_config_json",
    "python_lambdas",
    "refuse_python_lambdas",
    "validate_model_config",
]
