"""The command line: a thin shell over :func:`layerscope.analyze` and the report's renderers.

This entry module is all that ``layerscope --help`` imports besides click: each command lives
in its own module (``layerscope.cli.summary``, ``.diagram``, ``.report``, ``.diff``,
``.check``), imported only when that command runs or shows its help, and the options, the
report model, the renderers and TensorFlow/Keras load inside the commands that need them
(issue 17: start-up within 3x ``python -c pass``).

Exit status: 0 success; 1 the model could not be read, analysed or rendered (one line on
stderr, the traceback only with ``--debug``); 2 bad command-line usage; 3 (``check`` only) a
budget was exceeded.
"""

from __future__ import annotations

import click

from layerscope import __version__

COMMANDS: dict[str, str] = {
    "check": "Check MODEL against budgets; exit 0 when all hold, 3 when any is exceeded.",
    "diagram": "Draw MODEL as a Graphviz diagram (SVG, PNG, PDF or DOT).",
    "diff": "Compare MODEL (A) with OTHER (B): layers added, removed and changed, and the totals.",
    "report": "Write a self-contained HTML report on MODEL.",
    "summary": "Print a per-layer parameter summary of MODEL.",
}
"""Each command (defined in ``layerscope.cli.<name>``) and the first paragraph of its help,
which the group's ``--help`` lists without importing the command's module.
``tests/unit/test_cli_lazy.py`` checks that each equals the command's own help and that the
listing is click's own output for the loaded commands."""


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


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``layerscope`` console script and ``python -m layerscope``."""
    import warnings

    from layerscope.progress import install_signal_handlers

    install_signal_handlers()
    # zipfile's UserWarnings about an archive's oddities (a duplicate member name) are not
    # the user's business on a run that succeeds; real damage is refused with one line.
    warnings.filterwarnings(
        "ignore", message=r"(Duplicate name|Archive comment)", category=UserWarning
    )
    cli.main(args=argv, prog_name="layerscope")


if __name__ == "__main__":  # pragma: no cover
    main()
