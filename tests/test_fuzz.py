"""Property-based fuzzing of the model reader: every run ends in a correct report or a clean
:class:`~layerscope.errors.LayerscopeError`.

The seed model's ``.keras`` archive is mutated two ways:

* its ``config.json``: keys dropped, values replaced by other JSON types, odd shapes, huge
  or negative numbers, hostile unicode, layers duplicated, removed or reordered;
* its zip structure: truncated, bytes flipped, members duplicated, dropped, added,
  recompressed.

Each mutant goes through :func:`layerscope.analyze` in-process (much faster than the CLI,
which adds only the error-to-exit-code shell tested elsewhere). An exception that is not a
LayerscopeError escaping ``analyze`` is a bug in layerscope (loading.py/api.py wrap Keras's
errors with context); a returned report must be internally consistent and render.

Runs are reproducible (``derandomize=True``). The default is small for CI; a long campaign::

    LAYERSCOPE_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py -q

(set ``LAYERSCOPE_FUZZ_RANDOM=1`` as well to explore new examples on each run rather than
the same derandomized ones).
"""

from __future__ import annotations

import copy
import gc
import io
import json
import os
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerscope import LayerscopeError, analyze
from layerscope.analysis import run_analyses

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "mnist_mlp.keras"
SEED_BYTES = SEED.read_bytes()
with zipfile.ZipFile(SEED) as _archive:
    SEED_MEMBERS = {info.filename: _archive.read(info.filename) for info in _archive.infolist()}
SEED_CONFIG = json.loads(SEED_MEMBERS["config.json"])

EXAMPLES = int(os.environ.get("LAYERSCOPE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("LAYERSCOPE_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- values and mutations -----------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "<img src=x onerror=alert(1)>",
        "a|b",
        "[bold]x[/]",
        "\x1b[31m",
        "nul\x00",
        "\ud800",
        "名前🙂",
        "Ω" * 2000,
        "../../etc/passwd",
        "Dense",
        "__lambda__",
        "None",
    ]
)
NUMBERS = st.one_of(
    st.sampled_from(
        [
            -1,
            0,
            1,
            2,
            2**31,
            2**63,
            10**15,
            10**30,
            -(2**63),
            1.5,
            -0.0,
            float("inf"),
            float("nan"),
            1e308,
        ]
    ),
    st.integers(-1000, 5000),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, HOSTILE_TEXT, st.text(max_size=20))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += json_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += json_paths(child, (*prefix, index))
    return paths


SEED_PATHS = json_paths(SEED_CONFIG)[1:]  # not the root itself
INTERESTING = [
    p
    for p in SEED_PATHS
    if p
    and p[-1]
    in {
        "units",
        "batch_shape",
        "input_shape",
        "class_name",
        "name",
        "layers",
        "config",
        "build_config",
        "dtype",
        "use_bias",
        "activation",
        "module",
        "registered_name",
        "trainable",
        "data_format",
    }
]


def parent_of(config: Any, path: tuple[Any, ...]) -> tuple[Any, Any] | None:
    node = config
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    if isinstance(node, dict) and path[-1] in node:
        return node, path[-1]
    if isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        return node, path[-1]
    return None


@st.composite
def mutated_configs(draw: st.DrawFn) -> Any:
    """The seed config after 1-3 mutations (or a wholly different JSON value, rarely)."""
    if draw(st.integers(0, 19)) == 0:
        return draw(JSON_VALUES)
    config = copy.deepcopy(SEED_CONFIG)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(
            st.sampled_from(INTERESTING) if draw(st.booleans()) else st.sampled_from(SEED_PATHS)
        )
        found = parent_of(config, path)
        if found is None:
            continue
        node, key = found
        operation = draw(
            st.sampled_from(
                ["drop", "replace", "number", "text", "wrap", "empty", "duplicate", "swap"]
            )
        )
        if operation == "drop":
            del node[key]
        elif operation == "replace":
            node[key] = draw(JSON_VALUES)
        elif operation == "number":
            node[key] = draw(NUMBERS)
        elif operation == "text":
            node[key] = draw(HOSTILE_TEXT)
        elif operation == "wrap":
            node[key] = [node[key]]
        elif operation == "empty":
            node[key] = type(node[key])() if isinstance(node[key], (dict, list, str)) else None
        elif operation == "duplicate" and isinstance(node, list):
            node.insert(key, copy.deepcopy(node[key]))
        elif operation == "swap" and isinstance(node, list) and len(node) > 1:
            other = draw(st.integers(0, len(node) - 1))
            node[key], node[other] = node[other], node[key]
    return config


def dump_config(config: Any) -> bytes:
    return json.dumps(config, allow_nan=True).encode("utf-8", "surrogatepass")


def build_archive(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are the point
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


@st.composite
def mutated_archives(draw: st.DrawFn) -> bytes:
    """The seed archive with its zip structure damaged or rearranged."""
    members = list(SEED_MEMBERS.items())
    operation = draw(
        st.sampled_from(
            ["truncate", "flip", "duplicate", "drop", "junk", "deflate", "rename", "flip-central"]
        )
    )
    if operation == "truncate":
        return SEED_BYTES[: draw(st.integers(0, len(SEED_BYTES) - 1))]
    if operation in ("flip", "flip-central"):
        data = bytearray(SEED_BYTES)
        low = len(data) - 400 if operation == "flip-central" else 0
        for _ in range(draw(st.integers(1, 8))):
            offset = draw(st.integers(max(low, 0), len(data) - 1))
            data[offset] ^= draw(st.integers(1, 255))
        return bytes(data)
    if operation == "duplicate":
        name, data = draw(st.sampled_from(members))
        other = dump_config(draw(mutated_configs())) if name == "config.json" else data[::-1]
        members.insert(draw(st.integers(0, len(members))), (name, other))
    elif operation == "drop":
        members.pop(draw(st.integers(0, len(members) - 1)))
    elif operation == "junk":
        members.append(
            (
                draw(
                    st.sampled_from(
                        ["assets/x", "../evil", "config.json/", "/abs", "model.weights.npz"]
                    )
                ),
                draw(st.binary(max_size=64)),
            )
        )
    elif operation == "rename":
        index = draw(st.integers(0, len(members) - 1))
        members[index] = (
            draw(st.sampled_from(["CONFIG.JSON", "config.json ", "x.h5"])),
            members[index][1],
        )
    compression = zipfile.ZIP_DEFLATED if operation == "deflate" else zipfile.ZIP_STORED
    return build_archive(members, compression)


# -- the property -------------------------------------------------------------------------------


def assert_report_or_clean_error(data: bytes, engine: str = "auto") -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.keras"
        path.write_bytes(data)
        try:
            report = analyze(path, training_samples=55000, engine=engine)
        except LayerscopeError as error:
            message = str(error)
            assert message and len(message) < 2000, message[:300]
            return
        finally:
            _release_keras()
        assert path.read_bytes() == data  # the input is never modified
    check_report(report)


def check_report(report: Any) -> None:
    """A returned report is consistent and renders in every text format: counts add up
    (roles, rows, containers, bytes by dtype) and shapes agree along every edge."""
    totals = report.totals
    assert totals is not None
    assert totals.params == totals.trainable + totals.non_trainable
    assert totals.params >= 0
    assert totals.by_role.total == totals.params
    assert sum(totals.bytes_by_dtype.values()) == totals.bytes
    paths = [row.path for row in report.layers]
    assert len(paths) == len(set(paths)), "row paths are unique"
    rows = {row.path: row for row in report.layers}
    for row in report.layers:
        children = [child for child in report.layers if child.parent == row.path]
        if row.parent is not None:
            assert row.depth == rows[row.parent].depth + 1, row.path
        if row.is_container and children:
            # A nested model's row holds its inner layers' variables, counted once.
            assert row.params == sum(child.params for child in children), row.path
    for edge in report.edges:
        assert edge.source in rows and edge.target in rows, edge
        source, target = rows[edge.source], rows[edge.target]
        if source.output_shapes and target.input_shapes:
            assert set(source.output_shapes) & set(target.input_shapes), (
                f"{edge.source} gives {source.output_shapes}, "
                f"{edge.target} takes {target.input_shapes}"
            )
    assert sum(row.params for row in report.top_level) == totals.params
    assert sum(row.trainable for row in report.top_level) == totals.trainable
    assert sum(row.bytes for row in report.top_level) == totals.bytes
    for row in report.layers:
        assert row.by_role.total == row.params
        assert 0 <= row.trainable <= row.params
        assert 0.0 <= row.share <= 1.0 + 1e-9
        assert row.parent is None or row.parent in paths
        assert row.depth == 0 if row.parent is None else row.depth > 0
        for shape in (*row.output_shapes, *row.input_shapes):
            assert isinstance(shape, tuple)
            assert all(dim is None or (isinstance(dim, int) and dim >= 0) for dim in shape)
        for variable in row.variables:
            assert all(isinstance(dim, int) and dim >= 0 for dim in variable.shape)
    if totals.params:
        assert abs(sum(row.share for row in report.top_level) - 1.0) < 1e-6
    assert report.to_text(width=120)
    assert report.to_markdown()
    document = json.loads(report.to_json())
    assert document["totals"]["params"] == totals.params


def _release_keras() -> None:
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
        gc.collect()


@pytest.mark.parametrize("engine", ["auto", "keras"])
@FUZZ
@given(config=mutated_configs())
def test_mutated_config_gives_report_or_clean_error(config: Any, engine: str) -> None:
    members = dict(SEED_MEMBERS)
    members["config.json"] = dump_config(config)
    assert_report_or_clean_error(build_archive(list(members.items())), engine)


@FUZZ
@given(data=mutated_archives())
def test_mutated_archive_gives_report_or_clean_error(data: bytes) -> None:
    assert_report_or_clean_error(data)


@FUZZ
@given(config=mutated_configs())
def test_static_reader_fails_only_cleanly(config: Any) -> None:
    """The static reader on its own: analyze() falls back to Keras when it crashes, which
    would hide its bugs from the tests above."""
    from layerscope import static

    members = dict(SEED_MEMBERS)
    members["config.json"] = dump_config(config)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.keras"
        path.write_bytes(build_archive(list(members.items())))
        try:
            captured = static.read_model_file(path)
        except LayerscopeError:
            return
    check_report(run_analyses(captured, training_samples=55000))


def test_the_report_check_rejects_inconsistent_reports() -> None:
    """check_report is what the fuzz tests rely on: it must fail on a report whose counts
    or shapes do not agree."""
    import dataclasses

    report = analyze(SEED, training_samples=55000, engine="static")
    check_report(report)
    totals = dataclasses.replace(report.totals, trainable=report.totals.trainable - 1)
    with pytest.raises(AssertionError):
        check_report(dataclasses.replace(report, totals=totals))
    bytes_off = dataclasses.replace(report.totals, bytes_by_dtype={"float32": 4})
    with pytest.raises(AssertionError):
        check_report(dataclasses.replace(report, totals=bytes_off))
    hidden = report.layer("Hidden2")
    wrong_shape = dataclasses.replace(hidden, input_shapes=((None, 299),))
    layers = tuple(wrong_shape if row is hidden else row for row in report.layers)
    with pytest.raises(AssertionError, match="Hidden1 gives"):
        check_report(dataclasses.replace(report, layers=layers))


def test_unmutated_seed_gives_the_known_report() -> None:
    """The property's baseline: the seed archive rebuilt by the fuzzer's own writer."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.keras"
        path.write_bytes(build_archive(list(SEED_MEMBERS.items())))
        report = analyze(path, training_samples=55000)
    assert report.totals.params == 316_810
    assert [row.params for row in report.top_level] == [0, 235_500, 60_200, 20_100, 1_010]
