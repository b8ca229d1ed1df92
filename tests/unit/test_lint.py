"""Lint in CI (issue 13): ``ruff check``, ``ruff format --check`` and ``mypy`` (strict, as
configured in pyproject.toml) are clean, and the tools are declared test dependencies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # the package depends on tomli before 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "layerscope", "tests"],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "layerscope", "tests"],
    "mypy": [sys.executable, "-m", "mypy", "layerscope"],
}


@pytest.mark.parametrize("tool", sorted(COMMANDS))
def test_the_package_and_tests_are_lint_clean(tool: str) -> None:
    result = subprocess.run(
        COMMANDS[tool], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(COMMANDS[tool][2:])} failed (exit {result.returncode}):\n"
        f"{result.stdout}{result.stderr}"
    )


def _project() -> dict[str, object]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def test_the_linters_are_test_dependencies() -> None:
    extra = _project()["project"]["optional-dependencies"]["test"]  # type: ignore[index]
    names = {requirement.split(">")[0].split("=")[0].split("[")[0] for requirement in extra}
    assert {"ruff", "mypy"} <= names, sorted(names)


def test_mypy_is_strict_on_the_package() -> None:
    config = _project()["tool"]["mypy"]  # type: ignore[index]
    assert config["strict"] is True, config
    # Per-module relaxations must be named, not a blanket switch-off.
    for override in config.get("overrides", []):
        assert "ignore_errors" not in override, override
