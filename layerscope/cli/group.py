"""The ``layerscope`` click group: commands imported when one runs or shows its help.

:mod:`layerscope.cli` (the entry module) imports this module for everything but the group's
plain ``--help`` on a terminal at least 80 columns wide, which it prints itself.
"""

from __future__ import annotations

import click

from layerscope import __version__
from layerscope.cli import COMMANDS


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run or asked for its help.

    The group's own help lists every command through click's own formatting, from a stand-in
    command carrying the help's first paragraph (:data:`COMMANDS`); an unknown command name
    loads them all so that click's own error (and its "Did you mean") is unchanged.
    """

    _listing = False
    """True while the group's help lists the commands (stand-ins, nothing imported)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        if self._listing:
            return click.Command(cmd_name, help=COMMANDS[cmd_name])
        return self.load(cmd_name)

    def load(self, name: str) -> click.Command:
        """Import ``layerscope.cli.<name>`` and register its command."""
        import importlib

        command = getattr(importlib.import_module(f"layerscope.cli.{name}"), name)
        if not isinstance(command, click.Command):  # pragma: no cover - a packaging mistake
            raise TypeError(f"layerscope.cli.{name}.{name} is not a click command")
        self.add_command(command, name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in COMMANDS:
            for name in COMMANDS:
                if name not in self.commands:
                    self.load(name)
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="layerscope")
def cli() -> None:
    """Explain a Keras model's parameters: where they live, what they cost, and whether the
    model is large for its training data.

    MODEL is a .keras file (or a legacy .h5).
    """
