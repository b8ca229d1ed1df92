"""The command line as users run it: real processes, real exit codes, real output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *args],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        timeout=600,
    )


def test_help_does_not_import_tensorflow() -> None:
    code = "import sys, layerscope.cli; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert out.stdout.strip() == "False False"
    result = run("--help")
    assert result.returncode == 0
    assert "summary" in result.stdout and "report" in result.stdout and "diagram" in result.stdout


def test_console_script_and_version() -> None:
    result = subprocess.run(["layerscope", "--version"], capture_output=True, text=True, env=ENV)
    assert result.returncode == 0
    assert result.stdout.startswith("layerscope, version ")


@pytest.fixture(scope="module")
def seed_json(seed_path: Path) -> dict:
    result = run("summary", str(seed_path), "--format", "json", "--samples", "55000")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_summary_json(seed_json: dict) -> None:
    assert seed_json["totals"]["params"] == 316_810
    assert seed_json["data_fit"]["params_per_sample"] == 5.76
    assert [layer["name"] for layer in seed_json["layers"]] == [
        "Flatten",
        "Hidden1",
        "Hidden2",
        "Hidden3",
        "Output",
    ]


def test_summary_text_and_markdown_to_file(seed_path: Path, tmp_path: Path) -> None:
    result = run("summary", str(seed_path), "--keras-free-check-not-an-option")
    assert result.returncode == 2
    text = run("summary", str(seed_path))
    assert text.returncode == 0, text.stderr
    assert "Hidden1 (Dense)" in text.stdout and "316,810" in text.stdout
    assert text.stderr == ""
    out = tmp_path / "summary.md"
    markdown = run("summary", str(seed_path), "--format", "markdown", "-o", str(out))
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout == ""
    assert "| Hidden1 | Dense |" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "quoted"),
    [
        (["--samples", "-3"], "'-3'"),
        (["--samples", "abc"], "'abc'"),
        (["--samples", "0"], "'0'"),
        (["--format", "xml"], "'xml'"),
    ],
)
def test_bad_usage_exits_2_quoting_the_value(seed_path: Path, args: list[str], quoted: str) -> None:
    result = run("summary", str(seed_path), *args)
    assert result.returncode == 2
    assert quoted in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_model_exits_1_with_one_line(tmp_path: Path) -> None:
    result = run("summary", str(tmp_path / "nope.keras"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "nope.keras" in lines[0] and "no such file" in lines[0]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("summary", str(tmp_path / "nope.keras"), "--debug")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_python_dash_m_from_another_folder(seed_path: Path, tmp_path: Path) -> None:
    result = run("summary", str(seed_path), "--format", "markdown", cwd=tmp_path)
    assert result.returncode == 0
    assert "316,810" in result.stdout


def test_report_sections_and_theme(seed_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "partial.html"
    result = run(
        "report", str(seed_path), "-o", str(out), "--sections", "header,layers", "--theme", "dark"
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "316,810" in page and "Hidden1" in page
    assert "ls-layers-section" in page and "ls-diagram-section" not in page
    assert 'data-theme="dark"' in page
    bad = run("report", str(seed_path), "-o", str(out), "--sections", "header,bogus")
    assert bad.returncode == 2 and "'header,bogus'" in bad.stderr
    assert out.read_text(encoding="utf-8") == page  # the failed run left the earlier file
