"""The command line: a thin shell over :func:`layerscope.analyze` and the report's renderers.

This entry module imports nothing but the standard library's ``sys``: the click group
(:mod:`layerscope.cli.group`) loads each command's module (``layerscope.cli.summary``,
``.diagram``, ``.report``, ``.diff``, ``.check``) only when that command runs or shows its
help, and the options, the report model, the renderers and TensorFlow/Keras load inside the
commands that need them (issue 17: start-up within 3x ``python -c pass``).

``layerscope --help`` (or ``-h``) on its own, on a terminal at least 80 columns wide or
piped, prints :data:`GROUP_HELP` without importing click: the text click prints there,
which ``tests/unit/test_cli_lazy.py`` checks is identical to click's output. Anything else
goes to click.

Exit status: 0 success; 1 the model could not be read, analysed or rendered (one line on
stderr, the traceback only with ``--debug``); 2 bad command-line usage; 3 (``check`` only) a
budget was exceeded.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # the names below load on first use (PEP 562): see __getattr__
    from layerscope.cli.group import LazyGroup as LazyGroup
    from layerscope.cli.group import cli as cli

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

GROUP_HELP = """\
Usage: layerscope [OPTIONS] COMMAND [ARGS]...

  Explain a Keras model's parameters: where they live, what they cost, and
  whether the model is large for its training data.

  MODEL is a .keras file (or a legacy .h5).

Options:
  --version   Show the version and exit.
  -h, --help  Show this message and exit.

Commands:
  check    Check MODEL against budgets; exit 0 when all hold, 3 when any...
  diagram  Draw MODEL as a Graphviz diagram (SVG, PNG, PDF or DOT).
  diff     Compare MODEL (A) with OTHER (B): layers added, removed and...
  report   Write a self-contained HTML report on MODEL.
  summary  Print a per-layer parameter summary of MODEL.
"""
"""What click prints for ``layerscope --help`` when its help formatter is 78 columns wide
(click's width on any terminal of 80 columns or more, and when piped): checked against
click's own output by ``tests/unit/test_cli_lazy.py``."""

GROUP_HELP_COLUMNS = 80
"""The narrowest terminal on which click formats help 78 columns wide."""


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` (what click's help formatter asks for its
    width) without importing shutil, which brings re, enum, bz2 and lzma: ``COLUMNS`` when
    it is a positive number, else standard output's terminal, else 80."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


def _print_group_help(args: list[str]) -> bool:
    """Print :data:`GROUP_HELP` for a plain ``--help`` / ``-h`` when click would print
    exactly that; False (nothing printed) otherwise."""
    if args not in (["--help"], ["-h"]) or sys.stdout is None:
        return False
    if terminal_columns() < GROUP_HELP_COLUMNS:
        return False
    try:
        sys.stdout.write(GROUP_HELP)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away: exit 1 without a word, as click does
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit's flush
        sys.exit(1)
    return True


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``layerscope`` console script and ``python -m layerscope``."""
    if _print_group_help(sys.argv[1:] if argv is None else list(argv)):
        sys.exit(0)  # as click exits after --help
    import warnings

    from layerscope.cli.group import cli
    from layerscope.progress import install_signal_handlers

    install_signal_handlers()
    # zipfile's UserWarnings about an archive's oddities (a duplicate member name) are not
    # the user's business on a run that succeeds; real damage is refused with one line.
    warnings.filterwarnings(
        "ignore", message=r"(Duplicate name|Archive comment)", category=UserWarning
    )
    cli.main(args=argv, prog_name="layerscope")


def __getattr__(name: str) -> object:
    """``cli`` (the click group) and ``LazyGroup`` load click on first use."""
    if name in ("cli", "LazyGroup"):
        from layerscope.cli import group

        return getattr(group, name)
    raise AttributeError(f"module 'layerscope.cli' has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    main()
