"""The command line: a thin shell over :func:`layerscope.analyze` and the report's renderers.

This entry module, the parser module (argparse) and the stdlib-only progress module are all
that ``layerscope --help`` imports: each command lives in its own module
(``layerscope.cli.summary``, ``.diagram``, ``.report``, ``.diff``, ``.check``), imported only
when that command runs or shows its help, and the options, the report model, the renderers
and TensorFlow/Keras load inside the commands that need them (issue 17: start-up within 3x
``python -c pass``).

Exit status: 0 success; 1 the model could not be read, analysed or rendered (one line on
stderr, the traceback only with ``--debug``); 2 bad command-line usage; 3 (``check`` only) a
budget was exceeded.
"""

from __future__ import annotations

import sys

from layerscope import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from typing import NoReturn

    from layerscope.cli.shared import Command

COMMANDS: dict[str, str] = {
    "check": "Check MODEL against budgets; exit 0 when all hold, 3 when any is exceeded.",
    "diagram": "Draw MODEL as a Graphviz diagram (SVG, PNG, PDF or DOT).",
    "diff": "Compare MODEL (A) with OTHER (B): layers added, removed and changed, and the totals.",
    "report": "Write a self-contained HTML report on MODEL.",
    "summary": "Print a per-layer parameter summary of MODEL.",
}
"""Each command (defined in ``layerscope.cli.<name>``) and the first paragraph of its help,
which ``layerscope --help`` lists without importing the command's module.
``tests/unit/test_cli_lazy.py`` checks that each equals the command's own help."""

DESCRIPTION = """Explain a Keras model's parameters: where they live, what they cost, and whether
the model is large for its training data.

MODEL is a .keras file (or a legacy .h5)."""


def _group_help() -> str:
    """``layerscope --help``: the usage, the description, the options and the commands."""
    import textwrap

    from layerscope.cli.parsing import Parser, columns

    parser = Parser(None, "COMMAND [ARGS]...", DESCRIPTION)
    parser.add_argument("--version", action="store_true", help="Show the version and exit.")
    text = parser.finish().format_help().rstrip("\n")
    width = min(100, columns()) - 2
    name_width = max(map(len, COMMANDS)) + 2
    lines = ["", "Commands:"]
    for name, summary in COMMANDS.items():
        wrapped = textwrap.wrap(summary, max(20, width - name_width - 2))
        lines.append(f"  {name:<{name_width}}{wrapped[0]}")
        lines.extend(f"  {'':<{name_width}}{more}" for more in wrapped[1:])
    return text + "\n" + "\n".join(lines) + "\n"


def _usage_error(message: str) -> NoReturn:
    from layerscope.cli.parsing import Parser, Usage

    Parser(None, "COMMAND [ARGS]...", DESCRIPTION).fail(Usage(message))


def run(argv: list[str]) -> NoReturn:
    """Dispatch ``argv`` (the words after ``layerscope``) to its command, and exit."""
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(_group_help())
        sys.stdout.flush()
        sys.exit(0 if argv else 2)
    first = argv[0]
    if first == "--version":
        sys.stdout.write(f"layerscope, version {__version__}\n")
        sys.exit(0)
    if first.startswith("-") and first != "-":
        _usage_error(f"No such option '{first.partition('=')[0]}'.")
    if first not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(first, list(COMMANDS))
        hint = f" Did you mean '{close[0]}'?" if close else ""
        _usage_error(f"No such command '{first}'.{hint}")
    import importlib

    command: Command = getattr(importlib.import_module(f"layerscope.cli.{first}"), first)
    command.main(argv[1:])


console_process = False
"""Whether ``main`` runs as the process's own entry point (the console script, ``python -m
layerscope``), which ends after one command. ``main(argv)`` called in-process is not: a
report's objects are then never frozen out of the garbage collector's reach
(:func:`layerscope._gc.one_shot_process`), or every model the caller analysed afterwards
would stay in memory for good."""


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``layerscope`` console script and ``python -m layerscope``; always
    ends with :class:`SystemExit` carrying the exit status."""
    import warnings

    from layerscope.signals import install_signal_handlers

    install_signal_handlers()
    global console_process
    console_process = argv is None
    # zipfile's UserWarnings about an archive's oddities (a duplicate member name) are not
    # the user's business on a run that succeeds; real damage is refused with one line.
    warnings.filterwarnings(
        "ignore", message=r"(Duplicate name|Archive comment)", category=UserWarning
    )
    run(sys.argv[1:] if argv is None else list(argv))


if __name__ == "__main__":  # pragma: no cover
    main()
