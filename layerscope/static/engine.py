"""The static engine's entry points: open the archive once, check its config, index its
weights file, and hand both to the graph reader (:mod:`layerscope.static.reader`) or, for a
model whose config holds no layer graph, to the keras_hub reader (:mod:`layerscope.static.hub`).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerscope._gc import gc_paused
from layerscope.errors import LayerscopeError, StaticUnsupported
from layerscope.report import CapturedModel
from layerscope.static.archive import CONFIG_MEMBER, open_weights
from layerscope.static.checks import check_config
from layerscope.static.naming import MODEL_CLASSES
from layerscope.static.reader import ModelReader


def read_model_file(
    path: str | os.PathLike[str],
    *,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> CapturedModel:
    """Read a ``.keras`` archive into an un-analysed :class:`CapturedModel` (engine ``static``).

    Raises :class:`StaticUnsupported` when the report could not be exact, and the usual
    :class:`~layerscope.errors.ModelLoadError` subclasses for files that are not models.
    ``seq_len`` / ``input_shapes`` fill the unknown input sizes of the keras_hub models the
    engine knows (see :mod:`layerscope.static.hub`).
    """
    result = read_model(path, seq_len=seq_len, input_shapes=input_shapes)
    if result.gaps:
        error = StaticUnsupported("; ".join(result.gaps[:2]))
        error.gaps = result.gaps
        error.module = result.module
        raise error
    return result.report


def read_model(
    path: str | os.PathLike[str],
    *,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> StaticRead:
    """Like :func:`read_model_file`, but a file whose classes the engine does not know is
    still read from its weights file: the report then lists its gaps instead of raising."""
    from layerscope.loading import H5_SUFFIXES
    from layerscope.modelfile import open_model
    from layerscope.static.hub import read_hub_model

    source = os.fspath(path)
    try:
        with gc_paused():  # see layerscope._gc; the file checks parse config.json too
            opened = open_model(path)  # a ModelFile is taken as it is, already checked
            file = opened.path
            if file.suffix.lower() in H5_SUFFIXES:
                raise StaticUnsupported(
                    "legacy .h5 files keep the model in Keras 2's format, which only Keras "
                    "can rebuild"
                )
            with zipfile.ZipFile(file) as archive:
                # The checks parsed config.json already (and a 50,000-layer one takes
                # most of a second to parse): the engine reads that parse, never changing it.
                parsed = opened.config
                config = parsed if isinstance(parsed, dict) else _read_config(archive, file)
                check_config(config)
                weights = open_weights(archive, file)
            module = str(config.get("module") or "")
            try:
                if str(config.get("class_name")) not in MODEL_CLASSES:
                    hub = read_hub_model(config, weights, source, seq_len, input_shapes)
                    return StaticRead(hub.report, hub.gaps, module)
                if seq_len is not None or input_shapes:
                    raise StaticUnsupported(
                        "an input size (--seq-len / --input-shape) is measured by calling the "
                        "model, which the static engine does not do for a graph model"
                    )
                reader = ModelReader(weights)
                report = reader.report(config, source)
                return StaticRead(report, (*reader.gaps, *reader.shape_gaps), module)
            except StaticUnsupported as error:
                error.module = module
                raise
            except LayerscopeError:
                raise  # a usage error (an --input-shape name the model lacks) stays one
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
                raise StaticUnsupported(
                    f"unexpected structure in the archive ({type(error).__name__}: {error})"
                ) from error
    except RecursionError as error:
        raise StaticUnsupported(f"{_describe(path)}: the model is nested too deeply") from error
    except MemoryError as error:
        raise StaticUnsupported(f"{_describe(path)}: out of memory while reading it") from error


def _describe(path: str | os.PathLike[str]) -> str:
    from layerscope.loading import describe

    return describe(path)


@dataclass(frozen=True)
class StaticRead:
    """What the static engine read: the report, what it could not derive, and the module
    the model's class comes from (``keras_hub.src.models...``: what Keras would need)."""

    report: CapturedModel
    gaps: tuple[str, ...] = ()
    module: str = ""


def _read_config(archive: zipfile.ZipFile, file: Path) -> dict[str, Any]:
    from layerscope.loading import MAX_CONFIG_BYTES, check_config_budget

    with archive.open(CONFIG_MEMBER) as handle:
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise StaticUnsupported(f"{CONFIG_MEMBER} is larger than {MAX_CONFIG_BYTES} bytes")
    check_config_budget(data, CONFIG_MEMBER)  # bounded memory before json builds anything
    try:
        config = json.loads(data)
    except ValueError as error:
        raise StaticUnsupported(f"{CONFIG_MEMBER} is not valid JSON ({error})") from error
    if not isinstance(config, dict):
        raise StaticUnsupported(f"{CONFIG_MEMBER} does not hold a model config")
    return config
