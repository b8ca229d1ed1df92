"""The lazily loaded command group shows exactly what click shows for the loaded commands.

``layerscope --help`` lists the commands from :data:`layerscope.cli.COMMANDS` without
importing them (issue 17); these tests prove the listing, the errors and the commands are
click's own, at several terminal widths.
"""

from __future__ import annotations

import importlib
import inspect

import click
import pytest
from click.testing import CliRunner

from layerscope.cli import COMMANDS, LazyGroup, cli


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
