"""The test suite cannot quietly test less (issue 17): declared dependencies are imported
plainly (a broken install fails instead of skipping), every xfail is strict (one that starts
passing is noticed), and nothing is skipped unconditionally. Read with :mod:`ast`."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # the package depends on tomli before 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
IMPORT_NAMES = {"markdown-it-py": "markdown_it", "tensorflow-cpu": "tensorflow"}
"""Distributions whose import name is not their normalised distribution name."""


def declared_modules() -> set[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)["project"]
    requirements = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements.extend(extra)
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9_.-]+", requirement)
        assert match, requirement
        distribution = match.group(0).lower()
        names.add(IMPORT_NAMES.get(distribution, distribution.replace("-", "_")))
    return names


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _test_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def _parsed() -> Iterator[tuple[str, ast.Module]]:
    for path in _test_files():
        yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def skipped_imports(files: Iterable[tuple[str, ast.Module]], declared: set[str]) -> list[str]:
    found = []
    for name, tree in files:
        for call in _calls(tree):
            if _dotted(call.func).endswith("importorskip") and call.args:
                target = call.args[0]
                module = target.value if isinstance(target, ast.Constant) else "?"
                if str(module).split(".")[0] in declared:
                    found.append(f"{name}:{call.lineno} importorskip({module!r})")
    return found


def _marker(node: ast.expr) -> str:
    """``pytest.mark.xfail`` for ``pytest.mark.xfail(...)`` or the bare attribute."""
    return _dotted(node.func if isinstance(node, ast.Call) else node)


def marker_problems(files: Iterable[tuple[str, ast.Module]]) -> list[str]:
    problems = []
    for name, tree in files:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute | ast.Call):
                continue
            marker = _marker(node)
            if marker.endswith("mark.xfail") and isinstance(node, ast.Call):
                strict = any(
                    keyword.arg == "strict"
                    and isinstance(keyword.value, ast.Constant)
                    and keyword.value.value is True
                    for keyword in node.keywords
                )
                if not strict:
                    problems.append(f"{name}:{node.lineno} xfail without strict=True")
            elif marker.endswith("mark.skip") and isinstance(node, ast.Call):
                problems.append(f"{name}:{node.lineno} unconditional skip marker")
    return problems


def test_declared_dependencies_are_imported_plainly() -> None:
    declared = declared_modules()
    assert {"keras_hub", "sphinx", "markdown_it", "jsonschema"} <= declared, sorted(declared)
    found = skipped_imports(_parsed(), declared)
    assert not found, "declared dependencies skipped instead of imported: " + ", ".join(found)


def test_every_xfail_is_strict_and_nothing_is_skipped_unconditionally() -> None:
    problems = marker_problems(_parsed())
    assert not problems, problems


def test_the_scanner_sees_what_it_forbids() -> None:
    planted = ast.parse(
        "import pytest\n"
        "pytest.importorskip('markdown_it')\n"
        "pytest.importorskip('not_a_dependency')\n"
        "@pytest.mark.xfail(reason='x')\n"
        "def test_a(): pass\n"
        "@pytest.mark.xfail(reason='x', strict=True)\n"
        "def test_b(): pass\n"
        "@pytest.mark.skip(reason='y')\n"
        "def test_c(): pass\n"
        "@pytest.mark.skipif(True, reason='z')\n"
        "def test_d(): pass\n"
    )
    files = [("planted.py", planted)]
    assert skipped_imports(files, declared_modules()) == [
        "planted.py:2 importorskip('markdown_it')"
    ]
    assert marker_problems(files) == [
        "planted.py:4 xfail without strict=True",
        "planted.py:8 unconditional skip marker",
    ]
