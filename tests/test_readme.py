"""The README stays true: its commands exist, its options are real, CI runs its test line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from cli_runner import invoke

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(marker: str) -> str:
    section = README.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return section.strip().strip("`").strip()


def test_ci_runs_the_readme_test_command() -> None:
    command = _block("test-command")
    assert "pytest" in command and 'pip install -e ".[test]"' in command
    extracted = subprocess.run(
        [
            "bash",
            "-c",
            "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md "
            "| sed -n '/^```/,/^```/p' | sed '1d;$d'",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted == command
    assert "README.md" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_main_command_uses_the_bundled_example() -> None:
    command = _block("main-command")
    assert command.startswith("pip install . && layerscope report examples/mnist_mlp.keras")
    assert (ROOT / "examples" / "mnist_mlp.keras").is_file()


def test_every_option_the_readme_names_exists() -> None:
    helps = {
        name: invoke([name, "--help"]).output
        for name in ("summary", "report", "diagram", "diff", "check")
    }
    usage = README.split("## Command line", 1)[1].split("## JSON", 1)[0]
    for command, line in re.findall(r"^layerscope (\w+)\s+(.*)$", usage, flags=re.M):
        for option in re.findall(r"--[a-z][a-z-]+", line):
            assert option in helps[command], (command, option)
    for option in re.findall(r"`(--[a-z][a-z-]+)", usage):
        assert all(option in text for text in helps.values()), option


def test_readme_numbers_match_the_seed_model(seed_report) -> None:
    assert f"{seed_report.totals.params:,}" == "316,810" and "316,810" in README
    assert "235,500" in README and "5.76" in README
    text = seed_report.to_text()
    table = text.split("Total params")[0]
    for line in table.splitlines()[2:]:
        if line.strip():
            assert line in README, line


def test_python_snippet_in_readme_runs() -> None:
    snippet = README.split("## In Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    code = "\n".join(
        line
        for line in snippet.splitlines()
        if "render_diagram" not in line and "save_html" not in line
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
