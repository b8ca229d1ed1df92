"""``layerscope diff``: two models compared layer by layer (issue 14)."""

from __future__ import annotations

import os
import sys

import click

from layerscope.cli.shared import (
    ModelArgs,
    check_output,
    emit,
    handle_errors,
    is_terminal,
    model_options,
)


@click.command()
@model_options
@click.argument("other", metavar="OTHER", type=click.Path(path_type=str, readable=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json", "html"]),
    default="text",
    show_default=True,
    help="Terminal table, Markdown for a pull-request comment, JSON, or an HTML page.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Write to FILE instead of standard output.",
)
@click.option("--all", "show_all", is_flag=True, help="Text: list unchanged layers too.")
@click.option("--fragment", is_flag=True, help="HTML: an embeddable <div> instead of a page.")
@click.option("--title", metavar="TEXT", help="HTML: the page's title.")
@click.option(
    "--theme",
    type=click.Choice(["auto", "light", "dark"]),
    default="auto",
    show_default=True,
    help="HTML: colour theme.",
)
@handle_errors
def diff(
    args: ModelArgs,
    other: str,
    output_format: str,
    output: str | None,
    show_all: bool,
    fragment: bool,
    title: str | None,
    theme: str,
) -> None:
    """Compare MODEL (A) with OTHER (B): layers added, removed and changed, and the totals.

    Exit status 0 whether or not the models differ (use `check --baseline` to fail a build).
    """
    import dataclasses

    if output is not None:
        check_output(output, args, other)
    report_a = args.analyze()
    report_b = dataclasses.replace(args, model=other).analyze()
    from layerscope.diffing import diff_reports

    result = diff_reports(report_a, report_b)
    if output_format == "json":
        text = result.to_json()
    elif output_format == "markdown":
        text = result.to_markdown()
    elif output_format == "html":
        text = result.to_html(fragment=fragment, title=title, theme=theme)
    else:
        color = output in (None, "-") and is_terminal(sys.stdout) and not os.environ.get("NO_COLOR")
        text = result.to_text(color=color, show_unchanged=show_all)
    if not text.endswith("\n"):
        text += "\n"
    emit(output, text, (args.model, other, args.custom_objects))
