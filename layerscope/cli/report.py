"""``layerscope report``: the self-contained HTML report."""

from __future__ import annotations

from layerscope.cli.parsing import Parser, choice, choices_metavar, file_path
from layerscope.cli.shared import (
    Command,
    ModelArgs,
    add_diagram_options,
    add_output_option,
    check_output,
    handle_errors,
    wrote,
)
from layerscope.options import SECTIONS, HtmlOptions, Rankdir, Theme, choices, parse_sections


def configure(parser: Parser) -> None:
    add_output_option(
        parser, "Where to write the HTML.  [default: report.html]", default="report.html"
    )
    option = parser.add_argument
    option(
        "--fragment",
        action="store_true",
        help="Write an embeddable <div> (scoped styles) instead of a whole page.",
    )
    option("--title", metavar="TEXT", help="The report's title (default: the model's name).")
    option(
        "--template-dir",
        metavar="DIR",
        type=file_path(directory=True),
        help='Templates searched before the defaults ({% extends "default:report.html" %}).',
    )
    add_diagram_options(parser)
    option(
        "--sections",
        metavar="LIST",
        help=f"Comma list of sections to include: {', '.join(SECTIONS)} (default: all).",
    )
    option(
        "--theme",
        type=choice(choices(Theme)),
        metavar=choices_metavar(choices(Theme)),
        default="auto",
        help="Colour theme (auto follows the reader's system setting).  [default: auto]",
    )


@handle_errors
def run(
    args: ModelArgs,
    output: str,
    fragment: bool,
    title: str | None,
    template_dir: str | None,
    expand_nested: bool,
    rankdir: str,
    sections: str | None,
    theme: str,
) -> None:
    """Write a self-contained HTML report on MODEL."""
    options = HtmlOptions(  # every option checked before the (slow) load
        fragment=fragment,
        title=title,
        template_dir=template_dir,
        sections=parse_sections(sections),
        theme=Theme.parse(theme, "--theme"),
        rankdir=Rankdir.parse(rankdir, "--rankdir", case_sensitive=False),
        expand_nested=expand_nested,
    )
    check_output(output, args, template_dir)
    args.analysis_options()
    result = args.analyze()
    from layerscope import progress

    with progress.step("Writing the HTML report"):
        result.save_html(output, options=options)
    wrote(output)


report = Command("report", "MODEL", configure, run)
