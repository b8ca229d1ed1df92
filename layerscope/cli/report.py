"""``layerscope report``: the self-contained HTML report."""

from __future__ import annotations

import click

from layerscope.cli.shared import (
    ModelArgs,
    check_output,
    diagram_options,
    handle_errors,
    model_options,
    wrote,
)
from layerscope.options import SECTIONS, HtmlOptions, Rankdir, Theme, choices, parse_sections


@click.command()
@model_options
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    default="report.html",
    show_default=True,
    help="Where to write the HTML.",
)
@click.option(
    "--fragment",
    is_flag=True,
    help="Write an embeddable <div> (scoped styles) instead of a whole page.",
)
@click.option("--title", metavar="TEXT", help="The report's title (default: the model's name).")
@click.option(
    "--template-dir",
    "template_dir",
    metavar="DIR",
    type=click.Path(path_type=str, file_okay=False),
    help='Templates searched before the defaults ({% extends "default:report.html" %}).',
)
@diagram_options
@click.option(
    "--sections",
    metavar="LIST",
    help=f"Comma list of sections to include: {', '.join(SECTIONS)} (default: all).",
)
@click.option(
    "--theme",
    type=click.Choice(choices(Theme)),
    default="auto",
    show_default=True,
    help="Colour theme (auto follows the reader's system setting).",
)
@handle_errors
def report(
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
