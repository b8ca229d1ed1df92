"""Wording of the ``--weights`` results, shared by the text, Markdown and HTML renderers.

Lines here are raw text (layer names unescaped): each renderer escapes them for its format.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from layerscope.render.charts import element
from layerscope.render.escape import visible
from layerscope.report import CapturedModel, ModelReport, Variable
from layerscope.weights.health import Finding
from layerscope.weights.types import NEAR_ZERO


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def variable_stats_line(variable: Variable) -> str:
    """One variable's statistics in one line (empty when it has none)."""
    stats = variable.stats
    if stats is None:
        return ""
    parts = [
        f"mean {_number(stats.mean)}",
        f"std {_number(stats.std)}",
        f"range [{_number(stats.min)}, {_number(stats.max)}]",
        f"L2 {_number(stats.norm)}",
    ]
    if stats.zeros:
        parts.append(f"{stats.zeros:.1%} zeros")
    if stats.near_zero > stats.zeros:
        parts.append(f"{stats.near_zero:.1%} below {NEAR_ZERO:g}")
    if stats.nan or stats.inf:
        parts.append(f"{stats.nan} NaN, {stats.inf} inf")
    if stats.spectral_norm is not None:
        bound = "" if stats.spectral_converged else " (lower bound)"
        parts.append(f"spectral norm {_number(stats.spectral_norm)}{bound}")
        parts.append(f"stable rank {_number(stats.stable_rank)}")
    return f"'{variable.path}': " + ", ".join(parts)


def weight_lines(report: ModelReport) -> list[str]:
    """The "Weights" section: every finding (summary, meaning, what to check, limits),
    then the kernels' statistics. Empty unless weights were read."""
    if report.weight_health is None:
        return []
    findings = report.weight_health
    lines: list[str] = []
    if not findings:
        lines.append(
            "Health:              no findings (NaN/Inf, all-zero kernels, dead or identical "
            "units, exploding scales, normalisation variance and scale, untrained look)"
        )
    for finding in findings:
        lines.append(f"{finding.title}: {finding.summary}")
        lines.append(f"  Means: {finding.meaning}.")
        lines.append(f"  Check: {finding.check}.")
        lines.append(f"  Limits: {finding.limits}.")
    seen: set[str] = set()
    for row in report.layers:
        for variable in row.variables:
            if variable.stats is None or variable.path in seen or variable.role != "weight":
                continue
            seen.add(variable.path)
            lines.append(variable_stats_line(variable))
    return lines


# -- HTML -------------------------------------------------------------------------------------

HISTOGRAM_WIDTH = 160
HISTOGRAM_HEIGHT = 36


@dataclass(frozen=True)
class VariableView:
    """One variable's line in the HTML weights section."""

    path: str
    stats_line: str
    histogram: Markup
    """A small inline ``<svg>`` (no script), empty when there is no histogram."""
    flagged: bool


@dataclass(frozen=True)
class LayerWeightsView:
    """One layer's block in the HTML weights section (collapsed unless it has findings)."""

    path: str
    class_name: str
    variables: tuple[VariableView, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class WeightsView:
    """Everything the ``_weights.html`` template shows."""

    findings: tuple[Finding, ...]
    layers: tuple[LayerWeightsView, ...]


def histogram_svg(variable: Variable) -> Markup:
    """The value histogram as bars in a small SVG; its title states the range and sample."""
    stats = variable.stats
    if stats is None or stats.histogram is None:
        return Markup("")
    histogram = stats.histogram
    peak = max(histogram.counts) or 1
    bar_width = HISTOGRAM_WIDTH / len(histogram.counts)
    bars = []
    for index, count in enumerate(histogram.counts):
        height = HISTOGRAM_HEIGHT * count / peak
        bars.append(
            element(
                "rect",
                {
                    "x": float(index * bar_width),
                    "y": float(HISTOGRAM_HEIGHT - height),
                    "width": float(max(bar_width - 1, 0.5)),
                    "height": float(height),
                    "class": "ls-c-weight",
                },
            )
        )
    title = (
        f"Values of {visible(variable.path)} from {histogram.edges[0]:.4g} to "
        f"{histogram.edges[-1]:.4g} ({histogram.sampled:,} values sampled)"
    )
    return element(
        "svg",
        {
            "class": "ls-hist",
            "viewBox": f"0 0 {HISTOGRAM_WIDTH} {HISTOGRAM_HEIGHT}",
            "width": HISTOGRAM_WIDTH,
            "height": HISTOGRAM_HEIGHT,
            "role": "img",
            "aria-label": title,
        },
        [element("title", None, title), *bars],
    )


def weights_view(report: ModelReport) -> WeightsView | None:
    """The HTML section's data; ``None`` unless weights were read."""
    if report.weight_health is None:
        return None
    findings = report.weight_health
    by_layer: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.layer is not None:
            by_layer.setdefault(finding.layer, []).append(finding)
    flagged_variables = {f.variable for f in findings if f.variable}
    layers: list[LayerWeightsView] = []
    seen: set[str] = set()
    for row in report.layers:
        views = []
        for variable in row.variables:
            if variable.stats is None or variable.path in seen:
                continue
            seen.add(variable.path)
            views.append(
                VariableView(
                    path=variable.path,
                    stats_line=variable_stats_line(variable).split(": ", 1)[-1],
                    histogram=histogram_svg(variable),
                    flagged=variable.path in flagged_variables,
                )
            )
        if views:
            layers.append(
                LayerWeightsView(
                    path=row.path,
                    class_name=row.class_name,
                    variables=tuple(views),
                    findings=tuple(by_layer.get(row.path, ())),
                )
            )
    return WeightsView(findings=findings, layers=tuple(layers))


def flagged_layers(report: CapturedModel) -> frozenset[str]:
    """Paths of the layers a finding names (the diagram marks them); none for a report
    without ``--weights`` (or a captured model, which has no findings)."""
    findings = getattr(report, "weight_health", None)
    if not findings:
        return frozenset()
    return frozenset(f.layer for f in findings if f.layer is not None)
