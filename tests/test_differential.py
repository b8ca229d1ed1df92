"""Differential fuzzing (issue 12): the static engine accepts exactly what Keras accepts.

Valid archives are mutated (the config, the weights file's bytes, the zip structure, with
the strategies of ``tests/test_fuzz.py``) and each mutant is read by both engines:

* when the static engine returns a report, Keras must load the file too, and both must give
  the same numbers (totals, every row's parameters and bytes);
* when the static engine refuses it (a guard of :mod:`layerscope.loading`, a damaged
  archive...), Keras must refuse it too;
* ``StaticUnsupported`` ("cannot be sure, ask Keras") is allowed either way: ``--engine auto``
  then hands the file to Keras, which decides.

Reproducible by default with a small count for CI; a long campaign::

    LAYERSCOPE_DIFF_EXAMPLES=300 python -m pytest tests/test_differential.py -q -s

prints the tally of outcomes at the end (``LAYERSCOPE_FUZZ_RANDOM=1`` explores new examples).
"""

from __future__ import annotations

import collections
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import (
    SEED_MEMBERS,
    _release_keras,
    build_archive,
    dump_config,
    mutated_archives,
    mutated_configs,
)

from layerscope import LayerscopeError, analyze
from layerscope.static import StaticUnsupported

EXAMPLES = int(os.environ.get("LAYERSCOPE_DIFF_EXAMPLES", "8"))
DIFF = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("LAYERSCOPE_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TALLY: collections.Counter[str] = collections.Counter()


@st.composite
def mutated_weights(draw: st.DrawFn) -> bytes:
    """The seed archive with its weights file edited through h5py (a dataset's dtype,
    shape or values, a dataset dropped or added, a group hard-linked twice) or its bytes
    flipped, then zipped again with valid CRCs."""
    import h5py
    import numpy as np

    data = SEED_MEMBERS["model.weights.h5"]
    operation = draw(
        st.sampled_from(["flip", "dtype", "shape", "drop", "add", "link", "values", "attr"])
    )
    if operation == "flip":
        buffer = bytearray(data)
        for _ in range(draw(st.integers(1, 6))):
            # HDF5's metadata lives in the first and last few KiB of this small file.
            low = draw(st.sampled_from([0, len(buffer) - 4096]))
            offset = draw(st.integers(max(low, 0), min(len(buffer), low + 4096) - 1))
            buffer[offset] ^= draw(st.integers(1, 255))
        weights = bytes(buffer)
    else:
        stream = io.BytesIO(data)
        with h5py.File(stream, "r+") as handle:
            key = draw(st.sampled_from(["dense", "dense_1", "dense_2", "dense_3"]))
            group = handle[f"layers/{key}/vars"]
            index = draw(st.sampled_from(["0", "1"]))
            if operation == "dtype":
                dtype = draw(st.sampled_from(["float16", "float64", "int32", "int8", "S4"]))
                values = group[index][()]
                del group[index]
                group[index] = values.astype(dtype)
            elif operation == "shape":
                shape = group[index].shape
                grown = tuple(d + draw(st.integers(-1, 1)) for d in shape)
                del group[index]
                group.create_dataset(index, shape=tuple(max(d, 0) for d in grown), dtype="f4")
            elif operation == "drop":
                del group[index]
            elif operation == "add":
                group.create_dataset("2", data=np.zeros(draw(st.integers(0, 4)), "f4"))
            elif operation == "link":
                handle[f"layers/{key}/extra"] = handle["layers/dense_3"]
            elif operation == "values":
                values = group[index][()]
                group[index][...] = values * np.float32(draw(st.sampled_from([0, -1, 1e30])))
            elif operation == "attr":
                group.attrs["name"] = draw(st.sampled_from(["Hidden9", "", "Output", "a/b"]))
        weights = stream.getvalue()
    members = dict(SEED_MEMBERS)
    members["model.weights.h5"] = weights
    return build_archive(list(members.items()))


def outcome(path: Path, engine: str) -> tuple[str, Any]:
    try:
        report = analyze(path, engine=engine)
    except StaticUnsupported as error:
        return "declined", str(error)
    except LayerscopeError as error:
        return "refused", str(error)
    finally:
        if engine == "keras":
            _release_keras()
    return "accepted", report


def numbers(report: Any) -> dict[str, Any]:
    totals = report.totals
    return {
        "totals": (totals.params, totals.trainable, totals.non_trainable, totals.bytes),
        "rows": [(row.path, row.params, row.bytes, row.trainable) for row in report.layers],
        "dtypes": dict(totals.bytes_by_dtype),
    }


def assert_engines_agree(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.keras"
        path.write_bytes(data)
        static, static_result = outcome(path, "static")
        keras, keras_result = outcome(path, "keras")
    TALLY[f"static {static}, keras {keras}"] += 1
    if static == "accepted":
        assert keras == "accepted", f"static reported a file Keras refuses: {keras_result}"
        assert numbers(static_result) == numbers(keras_result)
    elif static == "refused":
        assert keras != "accepted", f"static refused a file Keras reads: {static_result}"


@DIFF
@given(config=mutated_configs())
def test_engines_agree_on_mutated_configs(config: Any) -> None:
    members = dict(SEED_MEMBERS)
    members["config.json"] = dump_config(config)
    assert_engines_agree(build_archive(list(members.items())))


@DIFF
@given(data=mutated_weights())
def test_engines_agree_on_mutated_weights(data: bytes) -> None:
    assert_engines_agree(data)


@DIFF
@given(data=mutated_archives())
def test_engines_agree_on_mutated_archives(data: bytes) -> None:
    assert_engines_agree(data)


def test_engines_agree_on_the_seed_itself() -> None:
    assert_engines_agree(build_archive(list(SEED_MEMBERS.items()), zipfile.ZIP_DEFLATED))
    assert TALLY["static accepted, keras accepted"] >= 1


@pytest.fixture(scope="module", autouse=True)
def print_tally() -> Any:
    yield
    if TALLY:
        print("\ndifferential fuzz tally:", dict(sorted(TALLY.items())))
