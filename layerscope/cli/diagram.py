"""``layerscope diagram``: the model drawn by Graphviz (SVG, PNG, PDF or DOT)."""

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
from layerscope.options import DiagramOptions, Rankdir


@click.command()
@model_options
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    required=True,
    help="Where to write the diagram: .svg, .png, .pdf or .dot.",
)
@diagram_options
@handle_errors
def diagram(
    args: ModelArgs,
    output: str,
    rankdir: str,
    expand_nested: bool,
) -> None:
    """Draw MODEL as a Graphviz diagram (SVG, PNG, PDF or DOT)."""
    from layerscope.render.dot import diagram_format

    check_output(output, args)
    diagram_format(output)  # a bad suffix is a usage error before the (slow) load
    direction = Rankdir.parse(rankdir, "--rankdir", case_sensitive=False)
    layout = DiagramOptions(direction, expand_nested)
    report = args.analyze()
    from layerscope import progress

    with progress.step("Rendering the diagram"):
        report.render_diagram(
            output, rankdir=layout.rankdir.value, expand_nested=layout.expand_nested
        )
    wrote(output)
