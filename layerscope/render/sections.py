"""The insight sections shared by the text and Markdown summaries, as plain lines.

Each section is ``(title, lines)``; the lines are built here once from the analyses so the
text and Markdown renderers say the same thing. User-named text in them is raw: each
renderer escapes it for its own format.
"""

from __future__ import annotations

from layerscope.render.format import thousands
from layerscope.report import ModelReport


def data_fit_lines(report: ModelReport) -> list[str]:
    fit = report.data_fit
    if not fit:
        return []
    lines = [
        f"Training samples:   {thousands(int(fit['training_samples']))}",
        f"Params per sample:  {fit['params_per_sample']}",
        f"Samples per param:  {fit['samples_per_param']}",
    ]
    return lines


def summary_sections(report: ModelReport) -> list[tuple[str, list[str]]]:
    """Sections to print after the totals, in order; empty ones are left out."""
    sections = [("Data fit", data_fit_lines(report))]
    return [(title, lines) for title, lines in sections if lines]
