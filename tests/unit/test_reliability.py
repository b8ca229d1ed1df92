"""Issue 12: hostile files refused or answered in bounded work, strict API types, signals.

Everything here runs without Keras: the static engine, the loading guards, the API's
argument checks and the CLI with ``--engine static``.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile

from layerscope.errors import ArchiveTooLargeError, UnsupportedFormatError, UsageError
from layerscope.static import StaticUnsupported, read_model_file

ROOT = hostile.ROOT
SEED = hostile.SEED


def cli(*args: Any, cwd: Path, env: dict[str, str] | None = None, **kw: Any) -> Any:
    environment = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *map(os.fspath, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
        check=False,
        **kw,
    )


PEAK_OF_CHILD = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)
"""Run a command and print its peak RSS in KiB (the stderr passes through)."""


# -- the static engine refuses what Keras refuses ----------------------------------------------


def test_dag_bomb_is_answered_in_milliseconds(tmp_path: Path) -> None:
    path = hostile.rewrite(tmp_path / "bomb.keras", weights=hostile.dag_bomb(40))
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    with pytest.raises(StaticUnsupported, match=r"links the group 'bomb/.*' from more than one"):
        read_model_file(path)
    assert time.monotonic() - started < 5


def test_a_slash_in_a_layer_name_is_refused(tmp_path: Path) -> None:
    def rename(config: dict[str, Any]) -> None:
        hostile.layer_entry(config, "Hidden1")["config"]["name"] = "enc/d"

    path = hostile.rewrite(tmp_path / "slash.keras", config=rename)
    with pytest.raises(StaticUnsupported, match=r"layer name 'enc/d' is not one Keras accepts"):
        read_model_file(path)


def test_engine_static_refusals_name_the_file(tmp_path: Path) -> None:
    def rename(config: dict[str, Any]) -> None:
        hostile.layer_entry(config, "Hidden1")["config"]["name"] = "enc/d"

    hostile.rewrite(tmp_path / "slash.keras", config=rename)
    result = cli("summary", "slash.keras", "--engine", "static", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("layerscope: error: 'slash.keras': layer name 'enc/d'")


def test_a_bad_crc_on_the_weights_is_refused(tmp_path: Path) -> None:
    path = hostile.rewrite(tmp_path / "crc.keras")
    with zipfile.ZipFile(path) as archive:
        crc = archive.getinfo("model.weights.h5").CRC
    hostile.patch_central_directory(path, "model.weights.h5", crc=crc ^ 1)
    with pytest.raises(StaticUnsupported, match=r"weights\.h5 inside the archive is damaged"):
        read_model_file(path)


def test_a_weights_member_declaring_4_gb_is_refused(tmp_path: Path) -> None:
    path = hostile.rewrite(tmp_path / "big.keras")
    hostile.patch_central_directory(
        path, "model.weights.h5", file_size=0xFFFF0000, compress_size=0xFFFF0000
    )
    with pytest.raises(UnsupportedFormatError, match="past the end of the"):
        read_model_file(path)


def test_the_whole_archive_is_bounded_before_keras_extracts_it(tmp_path: Path) -> None:
    path = hostile.rewrite(tmp_path / "many.keras")
    zeros = bytes(15 << 20)  # 15 MiB each: under the per-member guard
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        for index in range(20):
            archive.writestr(f"assets/pad{index}.bin", zeros)
    with pytest.raises(ArchiveTooLargeError, match=r"would inflate to 301\.2 MiB in all"):
        read_model_file(path)


@pytest.fixture(scope="module")
def functional(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed as a Functional config: InputLayer + the Dense/Flatten layers chained."""

    def to_functional(config: dict[str, Any]) -> dict[str, Any]:
        layers = config["config"]["layers"]
        previous, shape = "input", [None, 28, 28]
        entries = [
            {
                "module": "keras.layers",
                "class_name": "InputLayer",
                "config": {"batch_shape": shape, "dtype": "float32", "name": "input"},
                "registered_name": None,
                "name": "input",
                "inbound_nodes": [],
            }
        ]
        for entry in layers:
            if entry["class_name"] == "InputLayer":
                continue
            entry = dict(entry, name=entry["config"]["name"])
            tensor = {
                "class_name": "__keras_tensor__",
                "config": {"shape": shape, "dtype": "float32", "keras_history": [previous, 0, 0]},
            }
            entry["inbound_nodes"] = [{"args": [tensor], "kwargs": {}}]
            shape = entry.get("build_config", {}).get("input_shape", shape)
            entries.append(entry)
            previous = entry["name"]
            units = entry["config"].get("units")
            shape = [None, units] if units else [None, 784]
        return {
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "config": {
                "name": "functional",
                "trainable": True,
                "layers": entries,
                "input_layers": [["input", 0, 0]],
                "output_layers": [["Output", 0, 0]],
            },
            "registered_name": "Functional",
        }

    path = hostile.rewrite(tmp_path_factory.mktemp("functional") / "f.keras", config=to_functional)
    assert sum(v.count for r in read_model_file(path).layers for v in r.variables) == 316810
    return path


def edit_functional(source: Path, target: Path, edit: Any) -> Path:
    return hostile.rewrite(target, source=source, config=edit)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("dangling", "refers to a layer 'ghost' that does not exist"),
        ("node-index", "refers to node 1000000000000000000000000000000 of layer 'Hidden1'"),
        ("output-ghost", "the model's output_layers refers to a layer 'nowhere'"),
        ("activation", "activation 'os.system' is not a Keras activation"),
        ("build-config", "build_config input shape [None, 1000000000000] is absurd"),
        ("build-disagrees", "build_config input shape [None, 5] contradicts the graph's"),
    ],
)
def test_graph_configs_keras_refuses_are_refused(
    functional: Path, tmp_path: Path, case: str, reason: str
) -> None:
    def edit(config: dict[str, Any]) -> None:
        layers = {e["name"]: e for e in config["config"]["layers"]}
        history = layers["Hidden2"]["inbound_nodes"][0]["args"][0]["config"]["keras_history"]
        if case == "dangling":
            history[0] = "ghost"
        elif case == "node-index":
            history[1] = 10**30
        elif case == "output-ghost":
            config["config"]["output_layers"] = [["nowhere", 0, 0]]
        elif case == "activation":
            layers["Hidden1"]["config"]["activation"] = "os.system"
        elif case == "build-config":
            layers["Hidden2"]["build_config"] = {"input_shape": [None, 10**12]}
        elif case == "build-disagrees":
            layers["Hidden2"]["build_config"] = {"input_shape": [None, 5]}

    path = edit_functional(functional, tmp_path / f"{case}.keras", edit)
    with pytest.raises(StaticUnsupported, match=reason.replace("[", r"\[").replace("]", r"\]")):
        read_model_file(path)


def test_huge_chunked_kernels_without_storage_are_refused(tmp_path: Path) -> None:
    units = 2**30

    def config(config: dict[str, Any]) -> None:
        hostile.layer_entry(config, "Output")["config"]["units"] = units

    def weights(handle: Any) -> None:
        group = handle["layers/dense_3/vars"]
        del group["0"], group["1"]
        group.create_dataset("0", shape=(100, units), dtype="float32", chunks=(1, 1024))
        group.create_dataset("1", shape=(units,), dtype="float32", chunks=(1024,))

    path = hostile.rewrite(tmp_path / "huge.keras", config=config, weights=weights)
    with pytest.raises(StaticUnsupported, match="declares 429,496,729,600 bytes but stores 0"):
        read_model_file(path)


def test_absurd_variable_sizes_are_refused(tmp_path: Path) -> None:
    def weights(handle: Any) -> None:
        group = handle["layers/dense_3/vars"]
        del group["0"]
        group.create_dataset("0", shape=(2**31, 2**31), dtype="float32", chunks=(1, 1024))

    path = hostile.rewrite(tmp_path / "absurd.keras", weights=weights)
    with pytest.raises(StaticUnsupported, match="beyond what any machine can build"):
        read_model_file(path)


@pytest.mark.parametrize("kind", ["string", "compound", "enum"])
def test_non_numeric_kernels_are_refused(tmp_path: Path, kind: str) -> None:
    import h5py
    import numpy as np

    dtypes = {
        "string": np.dtype("S8"),
        "compound": np.dtype([("a", "f4"), ("b", "i4")]),
        "enum": h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1"),
    }

    def weights(handle: Any) -> None:
        group = handle["layers/dense_3/vars"]
        del group["1"]
        group.create_dataset("1", shape=(10,), dtype=dtypes[kind])

    path = hostile.rewrite(tmp_path / f"{kind}.keras", weights=weights)
    with pytest.raises(StaticUnsupported, match="not numbers a variable holds"):
        read_model_file(path)


def test_float16_weights_are_float32_variables_as_keras_builds_them(tmp_path: Path) -> None:
    def weights(handle: Any) -> None:
        for key in ("dense", "dense_1", "dense_2", "dense_3"):
            group = handle[f"layers/{key}/vars"]
            for index in ("0", "1"):
                data = group[index][()].astype("float16")
                del group[index]
                group[index] = data

    path = hostile.rewrite(tmp_path / "half.keras", weights=weights)
    from layerscope import analyze

    report = analyze(path, engine="static")
    assert {v.dtype for row in report.layers for v in row.variables} == {"float32"}
    assert report.totals is not None and report.totals.bytes == 316810 * 4


def test_a_deflated_weights_member_reads_in_about_the_time_of_a_stored_one(
    tmp_path: Path,
) -> None:
    config, weights = hostile.deep_sequential(1500)
    timings = {}
    for compress in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        path = hostile.rewrite(
            tmp_path / f"deep{compress}.keras",
            config=lambda _: config,
            weights=weights,
            compress=compress,
        )
        started = time.monotonic()
        report = read_model_file(path)
        timings[compress] = time.monotonic() - started
        assert len(report.layers) == 1500
        assert sum(v.count for r in report.layers for v in r.variables) == 1500 * 20
    assert timings[zipfile.ZIP_DEFLATED] < 2 * timings[zipfile.ZIP_STORED] + 1, timings


def test_a_config_of_empty_objects_is_refused_quickly_in_bounded_memory(tmp_path: Path) -> None:
    body = (
        b'{"class_name": "Sequential", "config": {"layers": [], "pad": ['
        + b"{}," * (20 << 20)
        + b"{}]}}"
    )
    assert len(body) > 60 << 20
    hostile.rewrite(tmp_path / "objects.keras", config=lambda _: body)
    # The peak is measured in a wrapper process of its own: RUSAGE_CHILDREN of this (xdist
    # worker) process would include every earlier test's subprocesses.
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_OF_CHILD,
            sys.executable,
            "-m",
            "layerscope",
            "summary",
            "objects.keras",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    elapsed = time.monotonic() - started
    peak_kib = int(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 1, result.stderr
    assert "'objects.keras': config.json holds 20,971,525 JSON objects" in result.stderr
    assert elapsed < 30
    assert peak_kib < 1 << 20  # under 1 GiB


def test_the_config_parse_error_reads_once(tmp_path: Path) -> None:
    hostile.rewrite(tmp_path / "ctl.keras", config=lambda _: b'{"class_name": "a\x01"}')
    result = cli("summary", "ctl.keras", "--engine", "static", cwd=tmp_path)
    assert result.returncode == 1
    assert "Invalid control character at line 1" in result.stderr
    assert "at at" not in result.stderr


# -- loading: paths and formats ----------------------------------------------------------------


def test_an_empty_model_path_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("summary", "", cwd=tmp_path)
    assert result.returncode == 2
    assert "the model path is empty" in result.stderr


@pytest.mark.parametrize("name", ["m.KERAS", "m.Keras", "m.H5"])
def test_upper_case_suffixes_are_refused_up_front(tmp_path: Path, name: str) -> None:
    from layerscope.loading import check_model_path

    shutil.copy(SEED, tmp_path / name)
    with pytest.raises(UnsupportedFormatError, match="Keras only reads files ending in lowercase"):
        check_model_path(tmp_path / name)


def test_an_hdf5_model_with_a_user_block_is_recognised(tmp_path: Path) -> None:
    import h5py

    from layerscope.loading import check_model_path

    with zipfile.ZipFile(SEED) as archive:
        config = archive.read("config.json").decode()
    path = tmp_path / "block.h5"
    with h5py.File(path, "w", userblock_size=512) as handle:
        handle.attrs["model_config"] = config
    assert path.read_bytes()[:8] != b"\x89HDF\r\n\x1a\n"
    assert check_model_path(path) == path


# -- strict API types --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["false", "", 0, 1, None, "no"])
def test_unsafe_must_be_a_bool(value: Any) -> None:
    from layerscope import analyze

    with pytest.raises(UsageError, match=r"unsafe must be True or False; got "):
        analyze(SEED, unsafe=value)


@pytest.mark.parametrize(
    "value", [10**400, 10**16, float("nan"), float("inf"), 3.0, "55000", True, 0, -1]
)
def test_counts_parse_exactly(value: Any) -> None:
    from layerscope import analyze

    with pytest.raises(UsageError, match="training_samples must be"):
        analyze(SEED, training_samples=value, engine="static")
    with pytest.raises(UsageError, match="batch_size must be"):
        analyze(SEED, batch_size=value, engine="static")


@pytest.mark.parametrize("value", ["1" + "0" * 400, "nan", "inf", "-5", "1e5", "1" * 5000])
def test_count_options_are_usage_errors(tmp_path: Path, value: str) -> None:
    for option in ("--samples", "--batch-size"):
        result = cli("summary", SEED, "--engine", "static", option, value, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
        assert f"Invalid value for '{option}'" in result.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "x"])
def test_dot_timeout_must_be_finite(tmp_path: Path, value: str) -> None:
    result = cli(
        "diagram",
        SEED,
        "--engine",
        "static",
        "-o",
        "m.svg",
        cwd=tmp_path,
        env={"LAYERSCOPE_DOT_TIMEOUT": value},
    )
    assert result.returncode == 2, result.stderr
    assert "LAYERSCOPE_DOT_TIMEOUT must be a" in result.stderr


def test_writers_refuse_the_model_and_the_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layerscope import analyze

    model = tmp_path / "m.keras"
    shutil.copy(SEED, model)
    before = model.read_bytes()
    report = analyze(model, engine="static")
    for spelling in (model, "m.keras", tmp_path / "." / "m.keras"):
        monkeypatch.chdir(tmp_path)
        with pytest.raises(UsageError, match="refusing to write the output over the input"):
            report.save_html(spelling)
        with pytest.raises(UsageError, match="refusing to write the output over the input"):
            report.render_diagram(Path(spelling).with_suffix(".keras"))
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "report.html").write_text('{% extends "default:report.html" %}')
    with pytest.raises(UsageError, match="inside the input folder"):
        report.save_html(tmp_path / "tpl" / "report.html", template_dir=str(tmp_path / "tpl"))
    for bad in ("", "out/"):
        with pytest.raises(UsageError):
            report.save_html(bad)
    assert model.read_bytes() == before
    assert report.save_html(tmp_path / "ok.html") == str(tmp_path / "ok.html")


# -- escaping ----------------------------------------------------------------------------------


def test_a_literal_backslash_escape_differs_from_a_real_control_character() -> None:
    from layerscope.render.escape import markdown_cell, markdown_code, terminal

    real, typed = "a\x1bb", "a\\x1bb"
    assert terminal(real) == "a\\x1bb"
    assert terminal(typed) == "a\\\\x1bb"
    assert markdown_code(real) != markdown_code(typed)
    assert markdown_cell(real) != markdown_cell(typed)


# -- signals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_termination_ends_the_dot_child_and_temp_files(tmp_path: Path, signame: str) -> None:
    pid_file = tmp_path / "dot.pid"
    fake = tmp_path / "slowdot"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -V ]; then echo "dot - graphviz version 2.43.0 (0)" >&2; exit 0; fi\n'
        f"echo $$ > {pid_file}\n"
        "exec sleep 120\n"
    )
    fake.chmod(0o755)
    environment = dict(os.environ, PYTHONPATH=str(ROOT), LAYERSCOPE_DOT=str(fake))
    process = subprocess.Popen(
        [sys.executable, "-m", "layerscope", "diagram", SEED, "--engine", "static", "-o", "m.svg"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    child = int(pid_file.read_text())
    process.send_signal(getattr(signal, signame))
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + getattr(signal, signame), stderr
    assert b"layerscope: terminated" in stderr
    # The child is gone once layerscope has exited (or left as a zombie only for an init
    # that has not reaped it yet); on a loaded machine that can take a moment.
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dot.pid", "slowdot"]


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, already dead, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_mode_of_a_new_output_follows_the_umask(tmp_path: Path) -> None:
    from layerscope.io import write_output

    old = os.umask(0o027)
    try:
        write_output(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640


def test_a_model_of_more_than_200000_layers_is_refused_before_reading(tmp_path: Path) -> None:
    def many(config: dict[str, Any]) -> None:
        entry = {"module": "keras.layers", "class_name": "ReLU", "config": {"name": "r"}}
        config["config"]["layers"] = [entry] * 200_001

    path = hostile.rewrite(tmp_path / "many.keras", config=many)
    started = time.monotonic()
    with pytest.raises(ArchiveTooLargeError, match="the model has 200,001 layers, more than"):
        read_model_file(path)
    assert time.monotonic() - started < 20
