"""``layerscope --help`` starts light: the CLI's entry module, its argparse-based parser and
the stdlib-only signals module, nothing else of layerscope's and no heavy standard module
(issue 17)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
sys.path[:0] = {paths!r}
sys.argv[0] = "layerscope"
before = set(sys.modules)
from layerscope.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
added = sorted(set(sys.modules) - before)
import json
print(json.dumps(added))
"""


def added_modules(*argv: str) -> list[str]:
    """The modules ``layerscope ARGV`` imports, in a bare interpreter (``-I -S``: nothing
    imported by site or by the probe itself hides one)."""
    code = PROBE.format(paths=[str(ROOT)], argv=list(argv))
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    added: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return added


HEAVY = {
    "dataclasses",
    "json",
    "jinja2",
    "rich",
    "numpy",
    "h5py",
    "keras",
    "tensorflow",
    "graphviz",
    "pydot",
    "traceback",
    "zipfile",
    "tomllib",
    "click",
}

LIGHT = {"typing", "shutil", "threading", "inspect", "dataclasses", "rich", "subprocess"}
"""Standard modules ``layerscope --help`` does without (each costs a millisecond or more)."""


@pytest.mark.parametrize(
    ("flag", "parser"),
    [("--help", ["layerscope.cli.parsing"]), ("-h", ["layerscope.cli.parsing"]), ("--version", [])],
)
def test_help_imports_nothing_but_the_cli(flag: str, parser: list[str]) -> None:
    added = added_modules(flag)
    ours = [name for name in added if name.split(".")[0] == "layerscope"]
    # the CLI's entry module, its parser and the stdlib-only signals module whose handlers
    # must be in place before any work: no command module, options, report model or renderer
    assert ours == ["layerscope", "layerscope.cli", *parser, "layerscope.signals"]
    top = {name.split(".")[0] for name in added}
    assert not (HEAVY | LIGHT) & top, (HEAVY | LIGHT) & top


def test_a_command_help_imports_that_command_only() -> None:
    added = added_modules("summary", "--help")
    ours = [name for name in added if name.split(".")[0] == "layerscope"]
    assert ours == [
        "layerscope",
        "layerscope.cli",
        "layerscope.cli.parsing",
        "layerscope.cli.shared",
        "layerscope.cli.summary",
        "layerscope.errors",
        "layerscope.options",
        "layerscope.signals",
    ]
    assert not {"json", "jinja2", "numpy", "zipfile"} & set(added)


def test_package_names_load_on_first_use() -> None:
    import layerscope

    assert layerscope.analyze.__module__ == "layerscope.api"
    assert layerscope.ModelReport.__module__ == "layerscope.report"
    assert layerscope.UsageError.__module__ == "layerscope.errors"
    assert set(layerscope.__all__) <= set(dir(layerscope))
    try:
        layerscope.nonexistent  # noqa: B018
    except AttributeError as error:
        assert "nonexistent" in str(error)
    else:
        raise AssertionError("no AttributeError")


def test_a_command_help_imports_no_other_command() -> None:
    added = added_modules("diagram", "--help")
    commands = [name for name in added if name.startswith("layerscope.cli.")]
    assert commands == ["layerscope.cli.diagram", "layerscope.cli.parsing", "layerscope.cli.shared"]
