"""``layerscope --help`` starts light (issue 17): the CLI's entry module alone prints the
group's help; anything else loads click, the group and the command asked for, and nothing of
layerscope's beyond them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from layerscope.cli import GROUP_HELP

ROOT = Path(__file__).resolve().parents[2]

CLICK_ROOT = str(Path(click.__file__).resolve().parents[1])

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
import os
print(json.dumps(added))
"""


def run_probe(*argv: str, columns: int = 80) -> tuple[str, list[str]]:
    """What ``layerscope ARGV`` prints and the modules it imports, in a bare interpreter
    (``-I -S``: nothing imported by site or by the probe itself hides one), its output piped
    and ``COLUMNS`` set as a terminal's width would be."""
    code = PROBE.format(paths=[str(ROOT), CLICK_ROOT], argv=list(argv))
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": str(columns), "LINES": "24"},
        timeout=120,
        check=True,
    )
    *printed, last = result.stdout.splitlines(keepends=True)
    added: list[str] = json.loads(last)
    return "".join(printed), added


def ours(added: list[str]) -> list[str]:
    return [name for name in added if name.split(".")[0] == "layerscope"]


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
}


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_imports_nothing_but_the_cli_entry_module(flag: str, columns: int) -> None:
    printed, added = run_probe(flag, columns=columns)
    assert printed == GROUP_HELP
    assert ours(added) == ["layerscope", "layerscope.cli"]
    assert not {"click", "typing", "enum"} & set(added)
    assert not HEAVY & {name.split(".")[0] for name in added}, HEAVY & set(added)


@pytest.mark.parametrize(("argv", "columns"), [(["--help"], 60), (["--version"], 80)])
def test_other_starts_import_click_and_the_group_only(argv: list[str], columns: int) -> None:
    printed, added = run_probe(*argv, columns=columns)
    if argv == ["--help"]:  # a narrow terminal: click formats it 58 columns wide
        from click.testing import CliRunner

        from layerscope.cli import cli

        want = CliRunner().invoke(cli, argv, prog_name="layerscope", terminal_width=58)
        assert printed == want.output != GROUP_HELP
    else:
        assert printed.startswith("layerscope, version ")
    # the group and the stdlib-only progress module whose signal handlers must be in place
    # before any work: no command module, options, report model or renderer
    assert ours(added) == [
        "layerscope",
        "layerscope.cli",
        "layerscope.cli.group",
        "layerscope.progress",
    ]
    assert "click" in added
    assert not HEAVY & {name.split(".")[0] for name in added}, HEAVY & set(added)


def test_a_command_help_imports_that_command_only() -> None:
    printed, added = run_probe("summary", "--help")
    assert printed.startswith("Usage: layerscope summary [OPTIONS] MODEL")
    assert ours(added) == [
        "layerscope",
        "layerscope.cli",
        "layerscope.cli.group",
        "layerscope.cli.shared",
        "layerscope.cli.summary",
        "layerscope.errors",
        "layerscope.options",
        "layerscope.progress",
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


@pytest.mark.parametrize("columns", ["100", "60"])
def test_help_into_a_closed_pipe_exits_1_quietly_either_way(columns: str) -> None:
    """The printed help (100 columns) fails on a closed pipe as click's help does (60)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "layerscope", "--help"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": columns, "PYTHONPATH": str(ROOT)},
            cwd=ROOT,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (1, b"")
