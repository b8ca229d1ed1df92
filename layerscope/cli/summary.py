"""``layerscope summary``: the per-layer table as text, Markdown or JSON."""

from __future__ import annotations

import sys

from layerscope.cli.parsing import Parser, invalid, whole_number
from layerscope.cli.shared import (
    Command,
    ModelArgs,
    add_format_option,
    add_output_option,
    check_output,
    handle_errors,
    is_terminal,
)
from layerscope.options import SummaryFormat, choices


def _text_width(text: str) -> int:
    value: int = whole_number(0, 1000)(text)
    if 0 < value < 40:
        raise invalid(f"must be 0 (no limit) or at least 40; got {value}")
    return value


def configure(parser: Parser) -> None:
    add_format_option(
        parser, choices(SummaryFormat), "Terminal table, Markdown table, or the JSON document."
    )
    add_output_option(parser, "Write to FILE instead of standard output.")
    parser.add_argument(
        "--width",
        metavar="N",
        type=_text_width,
        help="Text width in columns (default: the terminal's, 80 when piped; 0: no limit; "
        "at least 40).",
    )


@handle_errors
def run(
    args: ModelArgs,
    output_format: str,
    output: str | None,
    width: int | None,
) -> None:
    """Print a per-layer parameter summary of MODEL."""
    if output is not None:
        check_output(output, args)  # before the (slow) load, not after it
    report = args.analyze()
    if output_format == "json":
        text = report.to_json()
    elif output_format == "markdown":
        text = report.to_markdown()
    else:
        if width is None and output in (None, "-") and is_terminal(sys.stdout):
            import shutil

            width = max(40, shutil.get_terminal_size().columns)
        text = report.to_text(width=width)  # None: 80 columns
    if not text.endswith("\n"):
        text += "\n"
    from layerscope.io import write_output

    write_output("-" if output is None else output, text, (args.model, args.custom_objects))


summary = Command("summary", "MODEL", configure, run)
