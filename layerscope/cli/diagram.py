"""``layerscope diagram``: the model drawn by Graphviz (SVG, PNG, PDF or DOT)."""

from __future__ import annotations

from layerscope.cli.parsing import Parser
from layerscope.cli.shared import (
    Command,
    ModelArgs,
    add_diagram_options,
    add_output_option,
    check_output,
    handle_errors,
    wrote,
)
from layerscope.options import DiagramOptions, Rankdir


def configure(parser: Parser) -> None:
    add_output_option(
        parser, "Where to write the diagram: .svg, .png, .pdf or .dot.", required=True
    )
    add_diagram_options(parser)


@handle_errors
def run(
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


diagram = Command("diagram", "MODEL", configure, run)
