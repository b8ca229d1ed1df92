"""Every command block of the README runs as written in a fresh clone and leaves it clean.

The repository is cloned (committed files only, as a new user gets them) into a temporary
folder, and each fenced block of shell commands runs there through bash, with this clone's
``layerscope`` first on the path. Afterwards ``git status --porcelain`` must be empty: outputs
go to ignored paths, and nothing tracked is rewritten.

Two inputs the README's examples name are not in the repository, and the README says what
they are; the test makes them the same way, at the ignored paths the examples use:
``bert_base.keras`` (BERT-base from its published configuration, as ``tests/conftest.py``
builds it) and ``mnist_mlp_wide.keras`` (the seed MLP with Hidden1 widened to 400 units).

Two commands are not run here, on purpose: ``pip install .`` (the main command's first half;
installing the wheel is ``tests/test_wheel.py``'s job, and installing into the running
environment from a test would change it), and the Development test command (it runs this
suite; CI runs it verbatim through ``.ci/run``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```$", re.S | re.M)


def command_blocks() -> list[str]:
    """Fenced blocks with no language whose lines are commands (``layerscope ...``,
    ``$ layerscope ...`` followed by its output, ``pip install . && ...``); the Command line
    section's synopsis (``layerscope summary MODEL [--format ...]``) is not a command."""
    blocks = []
    for language, body in FENCE.findall(README):
        first = body.splitlines()[0] if body.strip() else ""
        synopsis = re.search(r"\bMODEL\b", first) is not None
        if (
            language == ""
            and not synopsis
            and re.match(r"(\$ )?(layerscope|pip install \.) ", first)
        ):
            blocks.append(body)
    return blocks


def test_the_readme_has_the_expected_command_blocks() -> None:
    firsts = [block.splitlines()[0] for block in command_blocks()]
    assert firsts[0].startswith("pip install . && layerscope report examples/mnist_mlp.keras")
    assert "$ layerscope summary examples/mnist_mlp.keras --samples 55000" in firsts
    assert any(f.startswith("layerscope diagram examples/mnist_mlp.keras") for f in firsts)
    assert any("--fragment -o docs/snippets/" in f for f in firsts)
    assert len(firsts) >= 6, firsts


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory, bert_report: Any, keras: Any) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    target = tmp_path_factory.mktemp("clone") / "layerscope"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)],
        check=True,
        capture_output=True,
    )
    shutil.copyfile(bert_report.source, target / "bert_base.keras")
    sys.path.insert(0, str(target / "examples"))
    try:
        import mnist_mlp
    finally:
        sys.path.pop(0)
    wide = mnist_mlp.build_model()
    layers = [keras.Input(shape=(28, 28))] + [
        keras.layers.Dense(400, activation="relu", name="Hidden1")
        if layer.name == "Hidden1"
        else layer.__class__.from_config(layer.get_config())
        for layer in wide.layers
    ]
    keras.models.Sequential(layers, name="sequential").save(target / "mnist_mlp_wide.keras")
    return target


def run_block(clone: Path, commands: str) -> subprocess.CompletedProcess[str]:
    bin_dir = clone / ".readme-bin"
    bin_dir.mkdir(exist_ok=True)
    launcher = bin_dir / "layerscope"  # this clone's CLI under the name the README uses
    launcher.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m layerscope "$@"\n', encoding="utf-8"
    )
    launcher.chmod(0o755)
    (clone / ".git" / "info" / "exclude").write_text("/.readme-bin/\n", encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(clone),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "LAYERSCOPE_PROGRESS": "0",
    }
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_clean(clone: Path) -> None:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored=no"],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == "", f"the README's commands left the clone dirty:\n{status}"


@pytest.mark.parametrize("index", range(len(command_blocks())))
def test_readme_block_runs_in_a_fresh_clone(clone: Path, index: int) -> None:
    block = command_blocks()[index]
    lines = block.splitlines()
    if lines[0].startswith("$ "):  # a transcript: commands, each followed by its output
        segments: list[tuple[str, list[str]]] = []
        for line in lines:
            if line.startswith("$ "):
                segments.append((line[2:], []))
            else:
                segments[-1][1].append(line)
        marker = "@@@readme-segment@@@"
        script = "\n".join(
            f"{command}\n__s=$?; echo {marker}; (exit $__s)" for command, _ in segments
        )
        result = run_block(clone, "set +e\n" + script)
        outputs = result.stdout.split(marker + "\n")
        assert len(outputs) == len(segments) + 1, result.stderr
        for (command, shown), output in zip(segments, outputs, strict=False):
            actual = output.splitlines()
            # every line shown is printed, in order; a "..." line marks elided lines
            position = 0
            for line in shown:
                if line.strip() == "...":
                    continue
                assert line in actual[position:], (command, line, result.stderr[-2000:])
                position = actual.index(line, position) + 1
    else:
        command = lines[0].removeprefix("pip install . && ")
        result = run_block(clone, "\n".join([command, *lines[1:]]))
        assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert_clean(clone)


def test_python_snippet_runs_in_a_fresh_clone(clone: Path) -> None:
    snippet = README.split("## In Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    (clone / ".git" / "info" / "exclude").write_text("/.readme-bin/\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(clone), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (clone / "model.svg").read_text(encoding="utf-8").lstrip().startswith("<")
    assert "316,810" in (clone / "report.html").read_text(encoding="utf-8")
    assert result.stderr == "", result.stderr
    assert_clean(clone)
