"""The command line's parser: argparse, with one error format and one help layout.

Every command builds its :class:`Parser` here and every bad use of the command line becomes a
:class:`Usage` error, printed as::

    Usage: layerscope summary [OPTIONS] MODEL
    Try 'layerscope summary --help' for help.

    Error: Invalid value for '--samples': must be a positive integer; got 'abc'

with exit status 2. argparse's own messages (a missing argument, an unknown option, an option
without its value, a converter's complaint) are reworded once, in :meth:`Parser.error`; the
converters below raise :class:`argparse.ArgumentTypeError` with the reason only, and argparse
names the option.

This module imports argparse and the standard library only (``layerscope --help`` imports it:
issue 17, start-up within 3x ``python -c pass``).
"""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn, TypeAlias

    Converter: TypeAlias = Callable[[str], Any]

PROG = "layerscope"


class Usage(Exception):
    """Bad command-line usage: the message follows the command's usage line; exit status 2."""


class _Formatter(argparse.HelpFormatter):
    """Options listed as ``  --samples N   help  [default: adam]``, wrapped to the terminal
    (``COLUMNS`` when set, at most 100 columns); the description is laid out by the parser."""

    def __init__(self, prog: str) -> None:
        width = min(100, columns()) - 2
        super().__init__(prog, indent_increment=2, max_help_position=32, width=width)

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, prefix="Usage: ")

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        # "-o, --output FILE", not argparse's "-o FILE, --output FILE"
        return f"{', '.join(action.option_strings)} {action.metavar or action.dest.upper()}"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return text  # the parser wraps the description itself, paragraph by paragraph


def columns() -> int:
    """The terminal's width as :func:`shutil.get_terminal_size` reads it (``COLUMNS`` first,
    80 when there is no terminal), at least 40, without importing shutil."""
    try:
        return max(40, int(os.environ["COLUMNS"]))
    except (KeyError, ValueError):
        pass
    stream = sys.__stdout__
    try:
        return max(40, os.get_terminal_size(stream.fileno()).columns or 80) if stream else 80
    except (AttributeError, ValueError, OSError):
        return 80


def paragraphs(text: str, indent: str = "  ") -> str:
    """A docstring's paragraphs, each re-wrapped to the help's width and indented."""
    import textwrap

    width = min(100, columns()) - 2
    blocks = [" ".join(block.split()) for block in textwrap.dedent(text).strip().split("\n\n")]
    return "\n\n".join(
        textwrap.fill(block, width, initial_indent=indent, subsequent_indent=indent)
        for block in blocks
        if block
    )


def _quoted(name: str) -> str:
    """argparse's ``-o/--output`` as ``'-o' / '--output'``."""
    return " / ".join(f"'{part}'" for part in name.split("/"))


def _reworded(message: str) -> str:
    """argparse's error message in the CLI's words."""
    required = "the following arguments are required: "
    if message.startswith(required):
        first = message[len(required) :].split(", ")[0]
        kind = "option" if first.startswith("-") else "argument"
        return f"Missing {kind} {_quoted(first)}."
    unrecognized = "unrecognized arguments: "
    if message.startswith(unrecognized):
        extra = message[len(unrecognized) :].split(" ")[0]
        if extra.startswith("-") and extra != "-":
            return f"No such option '{extra.partition('=')[0]}'."
        return f"Got unexpected extra argument ({extra})."
    if message.startswith("argument ") and ": " in message:
        name, _, reason = message[len("argument ") :].partition(": ")
        if reason == "expected one argument":
            return f"Option {_quoted(name)} requires an argument."
        if reason.startswith("ignored explicit argument"):
            return f"Option {_quoted(name)} does not take a value."
        return f"Invalid value for {_quoted(name)}: {reason}"
    return message[:1].upper() + message[1:]


class Parser(argparse.ArgumentParser):
    """One command's parser: ``-h``/``--help`` last, long options never abbreviated, and every
    error a :class:`Usage` (never argparse's own print-and-exit)."""

    def __init__(self, command: str | None, arguments: str, description: str) -> None:
        prog = PROG if command is None else f"{PROG} {command}"
        super().__init__(
            prog=prog,
            usage=f"{prog} [OPTIONS] {arguments}".rstrip(),
            description=paragraphs(description),
            add_help=False,
            allow_abbrev=False,
            formatter_class=_Formatter,
        )
        self._optionals.title = "Options"
        self._positionals.title = "Arguments"

    def add_argument(self, *names: Any, **settings: Any) -> argparse.Action:
        """argparse's, with a help text taken literally (argparse would read ``%`` as a
        format directive)."""
        if isinstance(settings.get("help"), str):
            settings["help"] = settings["help"].replace("%", "%%")
        return super().add_argument(*names, **settings)

    def finish(self) -> Parser:
        """Add ``-h``/``--help`` after the command's own options (it is listed last)."""
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP_HELP)
        return self

    def parse(self, words: list[str]) -> dict[str, Any]:
        """The command line's values by name. Unlike argparse alone, an option taking a value
        takes the next word whatever it is (``--max-macs -3G``, ``-o -``), as a user
        expects; argparse would read a word starting with ``-`` as another option and
        report the value missing."""
        return vars(self.parse_args(self._joined(words)))

    def _joined(self, words: list[str]) -> list[str]:
        taking = {
            option: option.startswith("--")
            for action in self._actions
            if action.option_strings and action.nargs is None
            for option in action.option_strings
        }
        joined: list[str] = []
        index = 0
        while index < len(words):
            word = words[index]
            if word == "--":
                joined.extend(words[index:])
                break
            if word in taking and index + 1 < len(words):
                value = words[index + 1]
                joined.append(f"{word}={value}" if taking[word] else f"{word}{value}")
                index += 2
                continue
            joined.append(word)
            index += 1
        return joined

    def error(self, message: str) -> NoReturn:
        raise Usage(_reworded(message))

    def fail(self, error: Usage) -> NoReturn:
        """Print ``error`` after the usage line and exit with status 2. The message quotes
        what the user typed, so control characters in it are shown as escapes (the same
        rule as every other line the CLI writes to stderr)."""
        from layerscope.render.escape import visible

        sys.stderr.write(
            f"{self.format_usage().rstrip()}\n"
            f"Try '{self.prog} --help' for help.\n\nError: {visible(str(error))}\n"
        )
        sys.stderr.flush()
        sys.exit(2)


HELP_HELP = "Show this message and exit."


# -- converters: each gets the option's text and returns its value ---------------------------


def invalid(reason: str) -> argparse.ArgumentTypeError:
    """A converter's complaint (argparse adds the option's name)."""
    return argparse.ArgumentTypeError(reason)


def shown(value: str) -> str:
    """An option's text for an error message: quoted, and cut when long."""
    return repr(value if len(value) <= 60 else f"{value[:30]}... ({len(value)} characters)")


def choice(values: Sequence[str], *, case_sensitive: bool = True) -> Converter:
    """One of ``values`` (matched ignoring case when asked; the value listed is returned)."""

    def convert(text: str) -> str:
        for value in values:
            if text == value or (not case_sensitive and text.lower() == value.lower()):
                return value
        raise invalid(f"{text!r} is not one of {', '.join(map(repr, values))}.")

    return convert


def choices_metavar(values: Sequence[str]) -> str:
    return "[" + "|".join(values) + "]"


def whole_number(low: int, high: int | None = None) -> Converter:
    """An integer from ``low`` to ``high`` (inclusive; no upper end when ``None``)."""

    def convert(text: str) -> int:
        try:
            number = int(text.strip())
        except ValueError:
            raise invalid(f"{shown(text)} is not a valid integer.") from None
        if number < low or (high is not None and number > high):
            bounds = f"x>={low}" if high is None else f"{low}<=x<={high}"
            raise invalid(f"{number} is not in the range {bounds}.")
        return number

    return convert


def file_path(*, directory: bool) -> Converter:
    """A path that, when it exists, must be a folder (``directory``) or must not be one."""

    def convert(text: str) -> str:
        if directory and os.path.isfile(text):
            raise invalid(f"Directory {text!r} is a file.")
        if not directory and os.path.isdir(text):
            raise invalid(f"File {text!r} is a directory.")
        return text

    return convert
