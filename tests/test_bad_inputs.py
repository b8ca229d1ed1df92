"""Every bad input gets a clear error: a table of bad model files and bad command-line
values, each run through the real CLI in a subprocess.

For each bad file the CLI must exit 1 with a short stderr (no traceback) that names the file
and the problem, and must leave the file byte-for-byte unchanged. Bad option values exit 2
quoting the value. Paths with spaces and non-ASCII characters must simply work.

The subprocesses run without ``TF_CPP_MIN_LOG_LEVEL`` in their environment, as a user's
shell would: layerscope itself must keep TensorFlow's start-up chatter off stderr.
"""

from __future__ import annotations

import copy
import ctypes
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "mnist_mlp.keras"
SEED_PARAMS = "316,810"
BOMB_BYTES = 1 << 30
"""What the zip bomb's config.json inflates to: 1 GiB of spaces in a ~1 MiB file."""


# -- helpers -----------------------------------------------------------------------------------


def cli_env() -> dict[str, str]:
    """The environment of a user's shell: no TensorFlow log settings of our own."""
    env = dict(os.environ)
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "LAYERSCOPE_DEBUG"):
        env.pop(name, None)
    return env


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *map(os.fspath, args)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=cwd,
        preexec_fn=preexec_fn,
        timeout=timeout,
        check=False,
    )


def fingerprint(path: Path) -> str | None:
    """sha256 of a file, of every file under a folder (names included), or None if absent."""
    if path.is_symlink() and not path.exists():
        return "dangling:" + os.readlink(path)
    if not path.exists():
        return None
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            digest.update(os.fsencode(child.relative_to(path)))
            if child.is_file():
                digest.update(child.read_bytes())
        return "dir:" + digest.hexdigest()
    if not path.is_file():  # a FIFO: reading it would block
        return f"special:{path.stat().st_mode:o}"
    digest.update(path.read_bytes())
    return digest.hexdigest()


def assert_clean_failure(
    result: subprocess.CompletedProcess[str], shown_name: str, expected: tuple[str, ...]
) -> None:
    """Exit 1, nothing on stdout, one short line on stderr naming the file and problem."""
    stderr = result.stderr
    assert result.returncode == 1, (result.returncode, stderr[-2000:])
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert lines[0].startswith("layerscope: error: "), lines
    assert len(lines[0]) < 600, lines[0]
    assert shown_name in lines[0], (shown_name, lines[0])
    for needle in expected:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])
    assert result.stdout == "", result.stdout[:500]


# -- building bad .keras archives ---------------------------------------------------------------


def seed_members() -> dict[str, bytes]:
    with zipfile.ZipFile(SEED) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def seed_config() -> dict:  # type: ignore[type-arg]
    return json.loads(seed_members()["config.json"])


def write_archive(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def archive_with(path: Path, **replace: bytes | str | None) -> Path:
    """The seed archive with members replaced (``None`` drops one); keyword names use
    ``_`` for ``.``: ``config_json``, ``model_weights_h5``."""
    members: dict[str, bytes | str] = dict(seed_members())
    for key, data in replace.items():
        name = {"config_json": "config.json", "model_weights_h5": "model.weights.h5"}[key]
        if data is None:
            del members[name]
        else:
            members[name] = data
    return write_archive(path, members)


def with_config(path: Path, edit: Callable[[dict], object]) -> Path:  # type: ignore[type-arg]
    """The seed archive with ``edit`` applied to a copy of its config (``edit`` may return a
    whole new config)."""
    config = copy.deepcopy(seed_config())
    replaced = edit(config)
    return archive_with(path, config_json=json.dumps(config if replaced is None else replaced))


def set_hidden1(key: str, value: object) -> Callable[[dict], None]:  # type: ignore[type-arg]
    """An edit setting ``key`` in the config of the seed's first Dense layer, Hidden1."""

    def edit(config: dict) -> None:  # type: ignore[type-arg]
        layer = config["config"]["layers"][2]
        assert layer["config"]["name"] == "Hidden1"
        layer["config"][key] = value

    return edit


def build_zip_bomb(path: Path, size: int = BOMB_BYTES) -> Path:
    """A .keras whose config.json inflates to ``size`` bytes of spaces (deflate, ~1000:1)."""
    members = seed_members()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", members["metadata.json"])
        archive.writestr("model.weights.h5", members["model.weights.h5"])
        with archive.open("config.json", "w", force_zip64=True) as stream:
            chunk = b" " * (1 << 22)
            for _ in range(size // len(chunk)):
                stream.write(chunk)
    return path


def build_weights_bomb(path: Path) -> Path:
    """A .keras whose model.weights.h5 declares 256 MiB of zeros squeezed into ~256 KiB."""
    members = seed_members()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", members["metadata.json"])
        archive.writestr("config.json", members["config.json"])
        with archive.open("model.weights.h5", "w", force_zip64=True) as stream:
            stream.write(members["model.weights.h5"][:8])
            chunk = bytes(1 << 22)
            for _ in range(64):
                stream.write(chunk)
    return path


def corrupt_config_bytes(path: Path) -> Path:
    """The seed archive with bytes inside the stored config.json flipped (a bad CRC)."""
    data = bytearray(SEED.read_bytes())
    with zipfile.ZipFile(SEED) as archive:
        info = archive.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 100, start + 110):
        data[offset] ^= 0x55
    path.write_bytes(bytes(data))
    return path


def write_h5(path: Path, model_config: str | None) -> Path:
    import h5py
    import numpy as np

    with h5py.File(path, "w") as handle:
        handle["data"] = np.arange(100.0).reshape(10, 10)
        if model_config is not None:
            handle.attrs["model_config"] = model_config
    return path


def saved_model_dir(path: Path) -> Path:
    path.mkdir()
    (path / "saved_model.pb").write_bytes(b"\x08\x01")
    (path / "variables").mkdir()
    return path


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))
RANDOM_BYTES = bytes((index * 7919 + 13) % 251 for index in range(4096))  # fixed, not HDF5


@dataclass(frozen=True)
class BadFile:
    """One row of the table: how to build the file, and words the error must contain."""

    id: str
    build: Callable[[Path], Path]
    expected: tuple[str, ...]
    needs_keras: bool = False
    """True when the file passes every cheap check, so Keras has to be loaded to judge it."""
    marks: tuple[object, ...] = field(default=())


BAD_FILES = [
    BadFile("missing", lambda d: d / "nowhere.keras", ("no such file",)),
    BadFile(
        "dangling-symlink",
        lambda d: _symlink(d / "gone.keras", d / "link.keras"),
        ("no such file", "symbolic link"),
    ),
    BadFile("directory", lambda d: _mkdir(d / "models.keras"), ("is a directory",)),
    BadFile(
        "savedmodel-dir",
        lambda d: saved_model_dir(d / "exported"),
        ("SavedModel", "model.save('model.keras')"),
    ),
    BadFile(
        "not-a-directory",
        lambda d: write(d / "plain", b"x") / "model.keras",
        ("no such file", "not a folder"),
    ),
    BadFile("empty", lambda d: write(d / "empty.keras", b""), ("empty (0 bytes)",)),
    BadFile(
        "plain-text",
        lambda d: write(d / "notes.keras", b"just some notes\n"),
        ("not a .keras archive", "text file"),
    ),
    BadFile("png", lambda d: write(d / "picture.keras", PNG_HEAD), ("not a .keras", "PNG image")),
    BadFile(
        "random-h5",
        lambda d: write(d / "random.h5", RANDOM_BYTES),
        ("not an HDF5 file", "binary data"),
    ),
    BadFile(
        "unknown-suffix",
        lambda d: write(d / "model.onnx", RANDOM_BYTES),
        ("unsupported file type", ".onnx"),
    ),
    BadFile(
        "truncated",
        lambda d: write(d / "cut.keras", SEED.read_bytes()[:600_000]),
        ("not a readable zip archive", "truncated"),
    ),
    BadFile(
        "bad-crc",
        lambda d: corrupt_config_bytes(d / "flipped.keras"),
        ("zip archive", "CRC", "damaged"),
    ),
    BadFile(
        "no-config",
        lambda d: archive_with(d / "noconfig.keras", config_json=None),
        ("without config.json",),
    ),
    BadFile(
        "no-weights",
        lambda d: archive_with(d / "noweights.keras", model_weights_h5=None),
        ("no model.weights.h5", "incomplete"),
    ),
    BadFile(
        "garbage-weights",
        lambda d: archive_with(d / "garbage.keras", model_weights_h5=RANDOM_BYTES),
        ("model.weights.h5", "not an HDF5 file", "damaged"),
    ),
    BadFile(
        "empty-weights",
        lambda d: archive_with(d / "hollow.keras", model_weights_h5=b""),
        ("model.weights.h5", "is empty"),
    ),
    BadFile(
        "config-not-json",
        lambda d: archive_with(d / "notjson.keras", config_json='{"class_name": "Seq'),
        ("config.json", "not valid JSON", "line 1"),
    ),
    BadFile(
        "config-not-utf8",
        lambda d: archive_with(d / "latin.keras", config_json=b'{"class_name": "\xe9"}'),
        ("config.json", "not UTF-8"),
    ),
    BadFile(
        "config-deep-nesting",
        lambda d: archive_with(d / "deep.keras", config_json="[" * 100_000 + "]" * 100_000),
        ("config.json", "nested too deeply"),
    ),
    BadFile(
        "config-endless-integer",
        lambda d: archive_with(
            d / "digits.keras",
            config_json='{"class_name": "Dense", "config": {"units": ' + "9" * 10_000 + "}}",
        ),
        ("config.json", "not valid JSON", "digits"),
    ),
    BadFile(
        "config-list",
        lambda d: with_config(d / "list.keras", lambda c: [1, 2, 3]),
        ("config.json", "is a list", "class_name"),
    ),
    BadFile(
        "config-string",
        lambda d: with_config(d / "string.keras", lambda c: "Sequential"),
        ("config.json", "is a string"),
    ),
    BadFile(
        "config-no-class-name",
        lambda d: with_config(d / "noclass.keras", lambda c: c.pop("class_name") and None),
        ("config.json", "no valid 'class_name'", "missing"),
    ),
    BadFile(
        "config-inner-not-object",
        lambda d: with_config(d / "inner.keras", lambda c: c.update(config=[]) or None),
        ("config.json", "'config' that is a list"),
    ),
    BadFile(
        "layers-not-list",
        lambda d: with_config(d / "layers.keras", lambda c: c["config"].update(layers=42)),
        ("config.json", "'layers' that is a number", "list of layer configs"),
    ),
    BadFile(
        "layer-not-object",
        lambda d: with_config(
            d / "layer.keras", lambda c: c["config"]["layers"].__setitem__(3, "Dense")
        ),
        ("config.json", "layers[3]", "is a string"),
    ),
    BadFile(
        "layer-no-class-name",
        lambda d: with_config(
            d / "layerclass.keras", lambda c: c["config"]["layers"][2].pop("class_name") and None
        ),
        ("config.json", "layers[2] ('Hidden1')", "class_name"),
    ),
    BadFile(
        "negative-units",
        lambda d: with_config(d / "negative.keras", set_hidden1("units", -5)),
        ("'Hidden1' (Dense)", "units", "-5"),
        needs_keras=True,
    ),
    BadFile(
        "huge-units",
        lambda d: with_config(d / "huge.keras", set_hidden1("units", 10**12)),
        ("more memory than is available", "784"),
        needs_keras=True,
    ),
    BadFile(
        "units-beyond-int64",
        lambda d: with_config(d / "beyond.keras", set_hidden1("units", 10**30)),
        ("'Hidden1' (Dense)", "out-of-range integer"),
        needs_keras=True,
    ),
    BadFile(
        "units-disagree-with-weights",
        lambda d: with_config(d / "mismatch.keras", set_hidden1("units", 301)),
        ("Hidden2", "300", "301"),
        needs_keras=True,
    ),
    BadFile(
        "units-a-string",
        lambda d: with_config(d / "strunits.keras", set_hidden1("units", "many")),
        ("Hidden1",),
        needs_keras=True,
    ),
    BadFile(
        "layer-name-with-slash",
        lambda d: with_config(d / "slash.keras", set_hidden1("name", "bad/name")),
        ("'bad/name'", "cannot contain character `/`"),
        needs_keras=True,
    ),
    BadFile(
        "unregistered-class",
        lambda d: with_config(d / "custom.keras", _rename_class("MyDense")),
        ("unknown class 'MyDense'", "--custom-objects"),
        needs_keras=True,
    ),
    BadFile(
        "zip-bomb",
        lambda d: build_zip_bomb(d / "bomb.keras"),
        ("config.json", "1.0 GiB", "refusing"),
    ),
    BadFile(
        "weights-bomb",
        lambda d: build_weights_bomb(d / "wbomb.keras"),
        ("model.weights.h5", "zip bomb"),
    ),
    BadFile(
        "h5-not-keras",
        lambda d: write_h5(d / "data.h5", None),
        ("HDF5 file without a model config",),
    ),
    BadFile(
        "h5-config-not-json",
        lambda d: write_h5(d / "halfmodel.h5", "{not json"),
        ("model_config", "not valid JSON"),
    ),
    BadFile(
        "h5-config-wrong-shape",
        lambda d: write_h5(d / "oddmodel.h5", '{"layers": []}'),
        ("model_config", "class_name"),
    ),
    BadFile("fifo", lambda d: _fifo(d / "pipe.keras"), ("not a regular file",)),
]


def _symlink(target: Path, link: Path) -> Path:
    link.symlink_to(target)
    return link


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _rename_class(class_name: str) -> Callable[[dict], None]:  # type: ignore[type-arg]
    def edit(config: dict) -> None:  # type: ignore[type-arg]
        layer = config["config"]["layers"][2]
        layer["class_name"] = class_name
        layer["module"] = None
        layer["registered_name"] = class_name

    return edit


# Cases that reach a model-reading engine: run through both (auto picks the static reader
# for .keras files when it can be exact; keras always builds the model).
ENGINE_CASES = [case for case in BAD_FILES if case.needs_keras]


@pytest.mark.parametrize("case", [c for c in BAD_FILES if not c.needs_keras], ids=lambda c: c.id)
def test_bad_file_is_refused_with_one_clear_line(case: BadFile, tmp_path: Path) -> None:
    path = case.build(tmp_path)
    before = fingerprint(path)
    result = run_cli("summary", path, cwd=tmp_path)
    assert_clean_failure(result, path.name, case.expected)
    assert fingerprint(path) == before


@pytest.mark.parametrize("engine", ["keras", "auto"])
@pytest.mark.parametrize("case", ENGINE_CASES, ids=lambda c: c.id)
def test_bad_config_is_refused_by_every_engine(case: BadFile, engine: str, tmp_path: Path) -> None:
    """The static engine checks the config against the weights' shapes and declines, so
    ``auto`` falls back to Keras and gives the same error as ``--engine keras``."""
    path = case.build(tmp_path)
    before = fingerprint(path)
    result = run_cli("summary", path, "--engine", engine, cwd=tmp_path)
    assert_clean_failure(result, path.name, case.expected)
    assert fingerprint(path) == before


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """``--debug`` is the one way to see where an error came from."""
    path = archive_with(tmp_path / "noweights.keras", model_weights_h5=None)
    result = run_cli("summary", path, "--debug")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("layerscope: error: ")


# -- unreadable files ---------------------------------------------------------------------------

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def _drop_file_capabilities() -> None:
    """In the child, before exec: give up root's right to ignore file permissions, so
    ``chmod 000`` binds even though the tests run as root (the interpreter under /root
    stays readable to its owner)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _permissions_bind(probe: Path) -> bool:
    probe.write_bytes(b"x")
    probe.chmod(0)
    result = subprocess.run(
        ["cat", os.fspath(probe)],
        capture_output=True,
        preexec_fn=_drop_file_capabilities if os.geteuid() == 0 else None,
        check=False,
    )
    return result.returncode != 0


@pytest.fixture
def locked_down(tmp_path: Path) -> Callable[[], None] | None:
    try:
        binds = _permissions_bind(tmp_path / "probe")
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot drop CAP_DAC_OVERRIDE to make chmod 000 bind as root: {error}")
    if not binds:
        pytest.skip("file permissions do not bind in this environment (root with all caps)")
    return _drop_file_capabilities if os.geteuid() == 0 else None


@pytest.mark.parametrize("where", ["file", "folder"])
def test_unreadable_model_is_refused(
    where: str, tmp_path: Path, locked_down: Callable[[], None] | None
) -> None:
    folder = tmp_path / "private"
    folder.mkdir()
    path = folder / "model.keras"
    shutil.copyfile(SEED, path)
    before = fingerprint(path)
    locked = path if where == "file" else folder
    locked.chmod(0)
    try:
        result = run_cli("summary", path, preexec_fn=locked_down)
    finally:
        locked.chmod(0o755)
    expected = ("permission denied", "cannot read the file" if where == "file" else "folder")
    assert_clean_failure(result, "model.keras", expected)
    assert fingerprint(path) == before


# -- the zip bomb under an address-space limit ----------------------------------------------------

AS_LIMIT = 768 * 1024 * 1024
"""RLIMIT_AS for the bomb runs. Measured here: the refusal peaks at ~21 MiB of address space
(VmPeak; TensorFlow is never imported), a normal run of the seed model at ~1.4 GiB (with
TensorFlow), and inflating the bomb's config.json needs over 1 GiB on its own. 768 MiB is far
above the refusal's needs and below the inflation's: the control run below proves the latter."""


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.keras")


def test_zip_bomb_is_refused_under_an_address_space_limit(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 4 * 1024 * 1024  # tiny on disk...
    with zipfile.ZipFile(zip_bomb) as archive:  # ...1 GiB declared
        assert archive.getinfo("config.json").file_size == BOMB_BYTES
    before = fingerprint(zip_bomb)
    for command in (
        ["summary", zip_bomb],
        ["summary", zip_bomb, "--engine", "keras"],
        ["summary", zip_bomb, "--engine", "static"],
    ):
        result = run_cli(*command, preexec_fn=_limit_address_space, timeout=120)
        assert_clean_failure(result, "bomb.keras", ("config.json", "1.0 GiB", "refusing"))
    assert fingerprint(zip_bomb) == before


def test_the_address_space_limit_stops_naive_inflation(zip_bomb: Path) -> None:
    """The control: under the same limit, simply reading the member runs out of memory, so
    the refusal above is the guard working, not the limit being generous."""
    script = (
        "import sys, zipfile\n"
        "try:\n"
        f"    zipfile.ZipFile({os.fspath(zip_bomb)!r}).read('config.json')\n"
        "except MemoryError:\n"
        "    sys.exit(42)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        preexec_fn=_limit_address_space,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 42, result.stderr[-2000:]


# -- custom objects -------------------------------------------------------------------------------

MY_LAYERS = '''
import keras


@keras.saving.register_keras_serializable(package="layerscope_tests")
class MyDense(keras.layers.Dense):
    """A Dense under another name, standing for a user's own layer class."""
'''


@pytest.fixture(scope="module")
def custom_model(keras: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a .keras holding the user's own layer class, the my_layers.py defining it), the model
    saved by this process so the CLI's fresh process has never seen the class."""
    import importlib.util

    folder = tmp_path_factory.mktemp("custom")
    layers = folder / "my_layers.py"
    layers.write_text(MY_LAYERS)
    spec = importlib.util.spec_from_file_location("my_layers", layers)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = keras.Sequential(  # type: ignore[attr-defined]
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(name="Flatten"),  # type: ignore[attr-defined]
            module.MyDense(300, name="Hidden1"),
            module.MyDense(10, name="Output"),
        ],
        name="custom_mlp",
    )
    path = folder / "custom.keras"
    model.save(path)
    return path, layers


def test_custom_objects_file_loads_an_unregistered_class(custom_model: tuple[Path, Path]) -> None:
    path, layers = custom_model
    before = fingerprint(path)
    refused = run_cli("summary", path, "--format", "json")
    assert_clean_failure(refused, "custom.keras", ("'MyDense'", "--custom-objects"))
    result = run_cli("summary", path, "--format", "json", "--custom-objects", layers)
    assert result.returncode == 0, result.stderr[-2000:]
    # The one line auto prints when it loads the model with Keras, and nothing else.
    assert result.stderr.startswith("layerscope: loaded the model with Keras: ")
    assert "MyDense' is not known" in result.stderr and result.stderr.count("\n") == 1
    document = json.loads(result.stdout)
    assert document["totals"]["params"] == 784 * 300 + 300 + 300 * 10 + 10
    hidden1 = next(row for row in document["layers"] if row["name"] == "Hidden1")
    assert hidden1["class_name"] == "MyDense"
    assert hidden1["params"] == 235_500
    assert fingerprint(path) == before


def test_custom_objects_file_that_fails_to_import(tmp_path: Path) -> None:
    path = with_config(tmp_path / "custom.keras", _rename_class("MyDense"))
    broken = tmp_path / "broken_layers.py"
    broken.write_text("raise RuntimeError('this file is broken')\n")
    result = run_cli("summary", path, "--custom-objects", broken)
    assert_clean_failure(result, "broken_layers.py", ("failed to import", "this file is broken"))


def test_custom_objects_must_be_a_python_file(tmp_path: Path) -> None:
    result = run_cli("summary", SEED, "--custom-objects", tmp_path / "nope.txt")
    assert result.returncode == 2
    assert "nope.txt" in result.stderr and "Traceback" not in result.stderr


# -- paths that must work ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "relative",
    ["my models/mnist mlp.keras", "modèles/réseau ñ 名前 🙂.keras", "-dash/[brackets] 'q'.keras"],
)
def test_unusual_paths_work(relative: str, tmp_path: Path) -> None:
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    shutil.copyfile(SEED, path)
    result = run_cli("summary", path, "--samples", "55000")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"Total params:         {SEED_PARAMS}" in result.stdout
    assert "Training samples:" in result.stdout and "55,000" in result.stdout
    assert fingerprint(path) == fingerprint(SEED)


def test_unusual_path_appears_quoted_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "réseau \x1b[31mred.keras"
    path.write_bytes(b"")
    result = run_cli("summary", path)
    assert_clean_failure(result, "réseau \\x1b[31mred.keras", ("empty",))
    assert "\x1b" not in result.stderr


# -- bad command-line values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "quoted"),
    [
        (["--samples", "-3"], "'-3'"),
        (["--samples", "abc"], "'abc'"),
        (["--samples", "0"], "'0'"),
        (["--samples", "1.5"], "'1.5'"),
        (["--batch-size", "-1"], "'-1'"),
        (["--format", "xml"], "'xml'"),
        (["--engine", "foo"], "'foo'"),
        (["--width", "5"], "5"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_bad_option_value_exits_2_quoting_it(args: list[str], quoted: str) -> None:
    before = fingerprint(SEED)
    result = run_cli("summary", SEED, *args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error_line = result.stderr.strip().splitlines()[-1]
    assert error_line.startswith("Error: Invalid value for '" + args[0] + "'"), error_line
    assert quoted in error_line, error_line
    assert result.stdout == ""
    assert fingerprint(SEED) == before


@pytest.mark.parametrize(
    ("command", "quoted"),
    [
        (["diagram", str(SEED), "-o", "model.xml"], "'model.xml'"),
        (["diagram", str(SEED), "-o", "m.svg", "--rankdir", "XY"], "'XY'"),
        (
            ["report", str(SEED), "--template-dir", "/nonexistent/templates"],
            "/nonexistent/templates",
        ),
    ],
    ids=["diagram-suffix", "rankdir", "template-dir"],
)
def test_bad_command_values_exit_2(command: list[str], quoted: str, tmp_path: Path) -> None:
    result = run_cli(*command, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert quoted in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_library_rejects_bad_samples_quoting_them() -> None:
    from layerscope import UsageError, analyze

    for bad in (-3, 0, "55000", 1.5, True):
        with pytest.raises(UsageError, match=re.escape(repr(bad))):
            analyze(os.fspath(SEED), training_samples=bad)


def test_library_rejects_odd_paths_cleanly() -> None:
    from layerscope import LayerscopeError, analyze

    for bad in ("a\x00b.keras", "x" * 5000 + ".keras", b"model.keras", 3.14):
        with pytest.raises(LayerscopeError) as caught:
            analyze(bad)
        assert len(str(caught.value)) < 400
