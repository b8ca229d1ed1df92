"""The lazily loaded command group shows exactly what click shows for the loaded commands.

``layerscope --help`` lists the commands from :data:`layerscope.cli.COMMANDS` without
importing them (issue 17); these tests prove the listing, the errors and the commands are
click's own, at several terminal widths.
"""

from __future__ import annotations

import importlib
import inspect
import shutil

import click
import pytest
from click.testing import CliRunner

from layerscope.cli import (
    COMMANDS,
    GROUP_HELP,
    GROUP_HELP_COLUMNS,
    LazyGroup,
    cli,
    main,
    terminal_columns,
)


def real_command(name: str) -> click.Command:
    command = getattr(importlib.import_module(f"layerscope.cli.{name}"), name)
    assert isinstance(command, click.Command)
    return command


def fresh_lazy() -> LazyGroup:
    """A group like ``cli`` with nothing loaded yet (the module's may have loaded some)."""
    return LazyGroup(
        name=cli.name,
        callback=cli.callback,
        params=list(cli.params),
        help=cli.help,
        context_settings=dict(cli.context_settings),
    )


def eager() -> click.Group:
    """The same group built the ordinary way, every command imported and registered."""
    group = click.Group(
        name=cli.name,
        callback=cli.callback,
        params=list(cli.params),
        help=cli.help,
        context_settings=dict(cli.context_settings),
    )
    for name in COMMANDS:
        group.add_command(real_command(name), name)
    return group


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_help_is_the_first_paragraph_of_the_commands_help(name: str) -> None:
    command = real_command(name)
    assert command.name == name
    assert command.help is not None
    assert COMMANDS[name] == " ".join(inspect.cleandoc(command.help).split("\n\n")[0].split())


@pytest.mark.parametrize("width", [40, 50, 66, 80, 100, 200])
@pytest.mark.parametrize("args", [["--help"], ["-h"], []])
def test_group_help_is_clicks_own_output(width: int, args: list[str]) -> None:
    runner = CliRunner()
    lazy = fresh_lazy()
    got = runner.invoke(lazy, args, prog_name="layerscope", terminal_width=width)
    want = runner.invoke(eager(), args, prog_name="layerscope", terminal_width=width)
    assert (got.exit_code, got.output) == (want.exit_code, want.output)
    assert "Commands:" in got.output and "summary" in got.output
    assert lazy.commands == {}  # listing imported nothing


@pytest.mark.parametrize(
    "args",
    [["summry", "x"], ["bogus"], ["--bogus"], ["diff", "--help"], ["check", "-h"], ["--version"]],
)
def test_errors_and_command_help_are_clicks_own_output(args: list[str]) -> None:
    runner = CliRunner()
    got = runner.invoke(fresh_lazy(), args, prog_name="layerscope", terminal_width=80)
    want = runner.invoke(eager(), args, prog_name="layerscope", terminal_width=80)
    assert (got.exit_code, got.output) == (want.exit_code, want.output)


def test_suggestion_for_a_misspelt_command() -> None:
    result = CliRunner().invoke(fresh_lazy(), ["sumary"], prog_name="layerscope")
    assert result.exit_code == 2
    assert "No such command 'sumary'. Did you mean 'summary'?" in result.output


def test_a_command_is_imported_when_it_runs_only() -> None:
    lazy = fresh_lazy()
    result = CliRunner().invoke(lazy, ["diagram", "--help"], prog_name="layerscope")
    assert result.exit_code == 0
    assert "Usage: layerscope diagram [OPTIONS] MODEL" in result.output
    assert set(lazy.commands) == {"diagram"}


# -- the group's help printed without click --------------------------------------------------


def test_the_printed_group_help_is_what_click_prints_78_columns_wide() -> None:
    result = CliRunner().invoke(eager(), ["--help"], prog_name="layerscope", terminal_width=78)
    assert result.exit_code == 0
    assert result.output == GROUP_HELP
    assert GROUP_HELP.isascii()  # no encoding click would have to handle


@pytest.mark.parametrize(("columns", "width"), [(40, 50), (79, 77), (80, 78), (81, 78), (500, 78)])
def test_click_formats_help_78_wide_from_80_columns(
    monkeypatch: pytest.MonkeyPatch, columns: int, width: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert click.HelpFormatter().width == width
    assert (columns >= GROUP_HELP_COLUMNS) == (width == 78)


@pytest.mark.parametrize("value", [None, "", "abc", "0", "-5", "79", "80", "300"])
def test_terminal_columns_is_shutils(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", value)
    assert terminal_columns() == shutil.get_terminal_size().columns


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_main_prints_the_group_help_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as caught:
        main([flag])
    assert caught.value.code == 0
    assert capsys.readouterr() == (GROUP_HELP, "")
