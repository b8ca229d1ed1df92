"""``layerscope summary``: the per-layer table as text, Markdown or JSON."""

from __future__ import annotations

import sys

import click

from layerscope.cli.shared import ModelArgs, check_output, handle_errors, is_terminal, model_options
from layerscope.options import SummaryFormat, choices


def _text_width(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and 0 < value < 40:
        raise click.BadParameter(f"must be 0 (no limit) or at least 40; got {value}")
    return value


@click.command()
@model_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(choices(SummaryFormat)),
    default="text",
    show_default=True,
    help="Terminal table, Markdown table, or the JSON document.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Write to FILE instead of standard output.",
)
@click.option(
    "--width",
    metavar="N",
    type=click.IntRange(0, 1000),
    callback=_text_width,
    default=None,
    help="Text width in columns (default: the terminal's, 80 when piped; 0: no limit; "
    "at least 40).",
)
@handle_errors
def summary(
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
