"""Nothing executes that should not, and nothing is lost.

* A model holding a Python lambda is refused by default (safe mode), with a message saying
  why and how to allow it; ``--unsafe`` then loads it.
* The input model is never modified, whatever the command (sha256 before and after).
* Outputs are written atomically: a failing run leaves an earlier output intact and no
  temporary file behind.
* An output path naming the input model is refused, however it is spelled.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import invoke

from layerscope.errors import RenderError
from layerscope.io import ensure_distinct, write_atomic

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "mnist_mlp.keras"
EARLIER = "an earlier report that must survive\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(
    *args: str | os.PathLike[str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *map(os.fspath, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write may have left (write_atomic names them ``.<name>.*.tmp``)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or ".tmp" in p.name)


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "model.keras"
    shutil.copyfile(SEED, path)
    return path


# -- safe mode ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lambda_model(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dense(4 -> 3) after a Lambda doubling its input: 15 parameters and a Python lambda."""
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Lambda(lambda x: x * 2, name="double"),
            keras.layers.Dense(3, name="out"),
        ],
        name="with_lambda",
    )
    path = tmp_path_factory.mktemp("lambda") / "lambda.keras"
    model.save(path)
    return path


@pytest.fixture(scope="module")
def lambda_h5(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same model in the legacy .h5 format, whose Lambda also carries bytecode."""
    import warnings

    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Lambda(lambda x: x * 2, name="double"),
            keras.layers.Dense(3, name="out"),
        ],
        name="with_lambda",
    )
    path = tmp_path_factory.mktemp("lambda_h5") / "lambda.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(path)
    return path


@pytest.mark.parametrize("engine", ["auto", "keras", "h5"])
def test_lambda_is_refused_by_default(lambda_model: Path, lambda_h5: Path, engine: str) -> None:
    if engine == "h5":
        lambda_model, engine = lambda_h5, "auto"
    before = sha256(lambda_model)
    result = run_cli("summary", lambda_model, "--engine", engine)
    assert result.returncode == 1, (result.stdout[-500:], result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    message = lines[0]
    assert lambda_model.name in message
    assert "Python lambda (layer 'double')" in message
    assert "arbitrary code" in message  # why
    assert "--unsafe" in message  # how
    assert result.stdout == ""
    assert sha256(lambda_model) == before


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_unsafe_loads_a_trusted_lambda_model(
    lambda_model: Path, lambda_h5: Path, suffix: str
) -> None:
    if suffix == ".h5":
        lambda_model = lambda_h5
    before = sha256(lambda_model)
    result = run_cli("summary", lambda_model, "--unsafe", "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    document = json.loads(result.stdout)
    assert document["totals"]["params"] == 4 * 3 + 3
    rows = {row["name"]: row for row in document["layers"]}
    assert rows["double"]["class_name"] == "Lambda" and rows["double"]["params"] == 0
    assert rows["out"]["params"] == 15
    assert sha256(lambda_model) == before


def test_library_refuses_lambda_unless_unsafe(lambda_model: Path) -> None:
    from layerscope import UnsafeModelError, analyze

    with pytest.raises(UnsafeModelError, match="--unsafe"):
        analyze(lambda_model, engine="keras")
    assert analyze(lambda_model, unsafe=True, engine="keras").totals.params == 15


# -- the input is never modified ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["summary", "{model}"],
        ["summary", "{model}", "--format", "json", "-o", "{out}/summary.json"],
        [
            "summary",
            "{model}",
            "--format",
            "markdown",
            "-o",
            "{out}/summary.md",
            "--engine",
            "keras",
        ],
        ["diagram", "{model}", "-o", "{out}/model.svg"],
        ["diagram", "{model}", "-o", "{out}/model.dot"],
        ["report", "{model}", "-o", "{out}/report.html", "--samples", "55000"],
    ],
    ids=[
        "summary",
        "summary-json",
        "summary-markdown-keras",
        "diagram-svg",
        "diagram-dot",
        "report-html",
    ],
)
def test_commands_never_modify_the_input(command: list[str], model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = (sha256(model), model.stat().st_mtime_ns, stat.S_IMODE(model.stat().st_mode))
    args = [part.format(model=model, out=out) for part in command]
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    after = (sha256(model), model.stat().st_mtime_ns, stat.S_IMODE(model.stat().st_mode))
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras", "out"]
    written = list(out.iterdir())
    if "-o" in args:
        assert [p.name for p in written] == [Path(args[args.index("-o") + 1]).name]
        assert written[0].stat().st_size > 0
    assert leftovers(out) == []


# -- atomic writes ------------------------------------------------------------------------------


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text(EARLIER)
    target.chmod(0o600)
    write_atomic(target, "new text\n")
    assert target.read_text() == "new text\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # an existing file keeps its mode
    assert leftovers(tmp_path) == []
    fresh = tmp_path / "fresh.svg"
    write_atomic(fresh, b"<svg/>")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert write_atomic(tmp_path / "odd.txt", "lone \ud800 surrogate") == os.fspath(
        tmp_path / "odd.txt"
    )
    assert (tmp_path / "odd.txt").read_bytes() == b"lone \\ud800 surrogate"


@pytest.mark.parametrize("failure", ["fsync", "replace", "interrupt"])
def test_write_atomic_failure_keeps_the_earlier_file(
    failure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text(EARLIER)

    def fail(*args: object, **kwargs: object) -> None:
        if failure == "interrupt":
            raise KeyboardInterrupt
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, failure if failure != "interrupt" else "fsync", fail)
    expected: type[BaseException] = KeyboardInterrupt if failure == "interrupt" else RenderError
    with pytest.raises(expected) as caught:
        write_atomic(target, "<html>half a report" * 1000)
    monkeypatch.undo()
    if expected is RenderError:
        assert "report.html" in str(caught.value) and "Input/output error" in str(caught.value)
    assert target.read_text() == EARLIER
    assert leftovers(tmp_path) == []


def test_write_atomic_into_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="does not exist"):
        write_atomic(tmp_path / "nowhere" / "report.html", "x")
    (tmp_path / "report.html").mkdir()
    with pytest.raises(RenderError, match=r"report\.html"):
        write_atomic(tmp_path / "report.html", "x")
    assert leftovers(tmp_path) == []


def _summary_renderer_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import layerscope.render.markdown as markdown

    def half_written(report: object) -> str:
        raise RuntimeError("renderer crashed half-way")

    monkeypatch.setattr(markdown, "render_markdown", half_written)


def _diagram_renderer_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import layerscope.render.dot as dot

    def crashed(*args: object, **kwargs: object) -> str:
        raise RenderError("Graphviz crashed half-way")

    monkeypatch.setattr(dot, "render_dot", crashed)
    monkeypatch.setattr(dot, "render_bytes", crashed)


def _html_renderer_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import layerscope.render.html as html

    def crashed(*args: object, **kwargs: object) -> str:
        raise RuntimeError("template crashed half-way")

    monkeypatch.setattr(html, "render_html", crashed)


def _replace_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)


@pytest.mark.parametrize(
    ("command", "output", "break_it"),
    [
        (["summary", "--format", "markdown"], "summary.md", _summary_renderer_fails),
        (["summary", "--format", "json"], "summary.json", _replace_fails),
        (["diagram"], "model.svg", _diagram_renderer_fails),
        (["diagram"], "model.dot", _replace_fails),
        (["report"], "report.html", _html_renderer_fails),
        (["report"], "report.html", _replace_fails),
    ],
    ids=[
        "summary-renderer",
        "summary-disk-full",
        "diagram-renderer",
        "diagram-disk-full",
        "report-renderer",
        "report-disk-full",
    ],
)
def test_failed_run_keeps_the_earlier_output(
    command: list[str],
    output: str,
    break_it: Any,
    model: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / output
    target.write_text(EARLIER)
    before = sha256(model)
    break_it(monkeypatch)
    result = invoke([command[0], os.fspath(model), *command[1:], "-o", os.fspath(target)])
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert "layerscope: error:" in result.output and "Traceback" not in result.output
    assert target.read_text() == EARLIER
    assert leftovers(out) == []
    assert sha256(model) == before


# -- never over the input -----------------------------------------------------------------------


def _spellings(model: Path) -> dict[str, str]:
    folder = model.parent
    (folder / "sub").mkdir()
    (folder / "link.keras").symlink_to(model)
    (folder / "folder-link").symlink_to(folder, target_is_directory=True)
    os.link(model, folder / "hardlink.keras")
    return {
        "same": os.fspath(model),
        "relative": "model.keras",
        "dotdot": "./sub/../model.keras",
        "double-slash": os.fspath(folder) + "//model.keras",
        "symlink": os.fspath(folder / "link.keras"),
        "folder-symlink": os.fspath(folder / "folder-link" / "model.keras"),
        "hard-link": os.fspath(folder / "hardlink.keras"),
    }


@pytest.mark.parametrize("command", ["summary", "diagram", "report"])
def test_output_over_the_input_is_refused(command: str, model: Path) -> None:
    before = sha256(model)
    for label, spelling in _spellings(model).items():
        result = run_cli(command, model, "-o", spelling, cwd=model.parent)
        assert result.returncode == 2, (label, result.stderr[-1000:])
        assert "refusing to write the output over the input model" in result.stderr, label
        assert "Traceback" not in result.stderr
        assert sha256(model) == before, label
        if command != "summary":
            break  # one spelling each for the slower commands; ensure_distinct is shared
    assert leftovers(model.parent) == []


def test_ensure_distinct_every_spelling(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from layerscope import UsageError

    monkeypatch.chdir(model.parent)
    for label, spelling in _spellings(model).items():
        with pytest.raises(UsageError, match="refusing to write the output over the input"):
            ensure_distinct(spelling, os.fspath(model))
        with pytest.raises(UsageError):
            ensure_distinct(os.fspath(model), spelling)  # either way round
        assert label
    ensure_distinct("summary.md", os.fspath(model))  # a different file is fine
    (model.parent / "loop").symlink_to(model.parent / "loop")
    ensure_distinct(model.parent / "loop", model)  # a symlink loop is not the model
