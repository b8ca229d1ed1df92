"""``layerscope diff``: two models compared layer by layer (issue 14)."""

from __future__ import annotations

import os
import sys

from layerscope.cli.parsing import Parser, choice, choices_metavar
from layerscope.cli.shared import (
    Command,
    ModelArgs,
    add_format_option,
    add_output_option,
    check_output,
    emit,
    handle_errors,
    is_terminal,
)
from layerscope.options import Theme, choices

FORMATS = ("text", "markdown", "json", "html")
THEMES = tuple(choices(Theme))


def configure(parser: Parser) -> None:
    option = parser.add_argument
    option("other", metavar="OTHER", help="The model to compare MODEL with (B).")
    add_format_option(
        parser,
        FORMATS,
        "Terminal table, Markdown for a pull-request comment, JSON, or an HTML page.",
    )
    add_output_option(parser, "Write to FILE instead of standard output.")
    option("--all", dest="show_all", action="store_true", help="Text: list unchanged layers too.")
    option("--fragment", action="store_true", help="HTML: an embeddable <div> instead of a page.")
    option("--title", metavar="TEXT", help="HTML: the page's title.")
    option(
        "--theme",
        type=choice(THEMES),
        metavar=choices_metavar(THEMES),
        default="auto",
        help="HTML: colour theme.  [default: auto]",
    )


@handle_errors
def run(
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
    report_a = args.analyze(last=False)
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


diff = Command("diff", "MODEL OTHER", configure, run)
