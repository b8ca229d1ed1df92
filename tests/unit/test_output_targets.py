"""Where ``-o`` writes: never destroying what the path names (issue 12).

Run as root in a temporary folder: a character device made with ``mknod`` (the major and
minor numbers of /dev/null), a FIFO read by a thread, a symlink to a file, and ``-``, for
``summary``, ``report`` and ``diagram``. No Keras here: the static engine reads the model.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "mnist_mlp.keras"

COMMANDS = {
    # command -> (arguments after the model, a suffix the output needs, a marker of its output)
    "summary": (["--engine", "static"], ".txt", b"Total params:         316,810"),
    "report": (["--engine", "static", "--sections", "header,layers"], ".html", b"<html"),
    "diagram": (["--engine", "static"], ".svg", b"<svg"),
}


def run(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *map(os.fspath, args)],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture()
def model(tmp_path: Path) -> Path:
    target = tmp_path / "m.keras"
    shutil.copy(SEED, target)
    return target


def read_in_background(fifo: Path) -> tuple[list[bytes], threading.Thread]:
    """Start a thread reading ``fifo`` to its end; what it read lands in the list."""
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return received, thread


needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root"
)


@needs_root
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_character_device_stays_a_device(command: str, model: Path, tmp_path: Path) -> None:
    extra, suffix, _ = COMMANDS[command]
    device = tmp_path / f"null{suffix}"
    null = os.makedev(1, 3)  # /dev/null's numbers on Linux
    os.mknod(device, 0o666 | stat.S_IFCHR, null)
    result = run(command, model, *extra, "-o", device, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    status = os.lstat(device)
    assert stat.S_ISCHR(status.st_mode)
    assert status.st_rdev == null
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_is_fed_not_replaced(command: str, model: Path, tmp_path: Path) -> None:
    extra, suffix, marker = COMMANDS[command]
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    received, thread = read_in_background(fifo)
    result = run(command, model, *extra, "-o", fifo, cwd=tmp_path)
    thread.join(timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and marker in received[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_symlink_stays_a_link_and_its_target_gets_the_output(
    command: str, model: Path, tmp_path: Path
) -> None:
    extra, suffix, marker = COMMANDS[command]
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / f"out{suffix}"
    target.write_bytes(b"old")
    link = tmp_path / f"link{suffix}"
    link.symlink_to(target)
    result = run(command, model, *extra, "-o", link, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert marker in target.read_bytes()
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == [f"out{suffix}"]


@pytest.mark.parametrize("command", ["summary", "report"])
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_dev_stdout_and_stderr_reach_the_pipe_behind_them(
    command: str, stream: str, model: Path, tmp_path: Path
) -> None:
    """/dev/stdout is a link to /proc/self/fd/1, itself a link to "pipe:[N]" here (the test
    captures the output through a pipe): written through, never resolved to a file name."""
    extra, _, marker = COMMANDS[command]
    result = run(command, model, *extra, "-o", f"/dev/{stream}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert marker in getattr(result, stream)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_dev_stdout_appends_to_the_file_the_shell_opened(model: Path, tmp_path: Path) -> None:
    """``layerscope summary m -o /dev/stdout >> log``: the log keeps its earlier lines, and
    the file the shell opened is written, not replaced by a new one."""
    log = tmp_path / "log.txt"
    log.write_bytes(b"earlier line\n")
    inode = log.stat().st_ino
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log, "ab") as appended:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "layerscope",
                "summary",
                os.fspath(model),
                "--engine",
                "static",
                "-o",
                "/dev/stdout",
            ],
            stdout=appended,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=env,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, result.stderr.decode()
    written = log.read_bytes()
    assert written.startswith(b"earlier line\n") and COMMANDS["summary"][2] in written
    assert log.stat().st_ino == inode


def test_a_symlink_to_a_fifo_feeds_the_fifo(model: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.txt"
    link.symlink_to(fifo)
    received, thread = read_in_background(fifo)
    result = run("summary", model, "--engine", "static", "-o", link, cwd=tmp_path)
    thread.join(timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)
    assert received and COMMANDS["summary"][2] in received[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_dash_is_standard_output(command: str, model: Path, tmp_path: Path) -> None:
    extra, _, marker = COMMANDS[command]
    result = run(command, model, *extra, "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert marker in result.stdout
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("output", ["", "x/", "m.keras", "./m.keras", "tpl/report.html"])
def test_bad_outputs_are_usage_errors(
    command: str, output: str, model: Path, tmp_path: Path
) -> None:
    extra, suffix, _ = COMMANDS[command]
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "report.html").write_text("{{ 1 }}")
    if command == "report":
        extra = [*extra, "--template-dir", "tpl"]
    if output.endswith("report.html") and command != "report":
        output = output.replace(".html", suffix)
        (tmp_path / output).write_text("mine")
        extra = [*extra, "--custom-objects", "layers.py"]
        (tmp_path / "layers.py").write_text("X = 1\n")
        output = "layers.py"
    before = model.read_bytes()
    result = run(command, model, *extra, "-o", output, cwd=tmp_path)
    assert result.returncode == 2, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    assert model.read_bytes() == before
    assert (tmp_path / "tpl" / "report.html").read_text() == "{{ 1 }}"
    if (tmp_path / "layers.py").exists():
        assert (tmp_path / "layers.py").read_text() == "X = 1\n"
    assert not (tmp_path / "x").exists()


def test_closed_stdout_is_one_line(model: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        f"{sys.executable} -m layerscope summary m.keras --engine static >&-",
        shell=True,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode == 1, lines
    assert lines == ["layerscope: error: cannot write to standard output: it is closed"]
