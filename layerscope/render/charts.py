"""Inline SVG charts for the HTML report, drawn in Python from numbers and escaped text.

No chart library, no CDN: each chart is a small ``<svg>`` whose geometry comes from numbers
this module formats itself and whose only user-named text (layer names) passes through
:func:`markupsafe.escape`. Colours are CSS classes (``ls-c-*``) so the report's light and
dark themes restyle the charts without redrawing them.

The charts read what the analyses computed (``architecture.hidden_widths``, row shares); they
compute no new facts, so the HTML never disagrees with the text or JSON summaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from layerscope.render.escape import visible
from layerscope.render.format import percent, thousands
from layerscope.report import ModelReport
from layerscope.results import Stage

MAX_WIDTH_BARS = 64
"""Hidden-layer width charts draw at most this many bars (deep CNNs list hundreds)."""

TOP_LAYERS = 8
"""The parameter chart shows this many layers by size, then one bar for the rest."""


def _number(value: float) -> str:
    """SVG coordinates with at most two decimals and no float noise."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in {"-0", ""} else "0"


def element(
    tag: str,
    attributes: dict[str, object] | None = None,
    children: Iterable[str | Markup] | str | Markup = (),
) -> Markup:
    """One element: attribute values and text children escaped, ``Markup`` children kept.

    ``tag`` and attribute names are always literals of this module, never user text.
    """
    parts = [f"<{tag}"]
    for name, value in (attributes or {}).items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _number(value)
        parts.append(f' {name}="{escape(str(value))}"')
    if isinstance(children, str):
        children = (children,)
    inner = "".join(str(escape(child)) for child in children)
    if not inner and tag not in {"text", "title", "tspan", "desc"}:
        return Markup("".join(parts) + "/>")
    return Markup("".join(parts) + ">" + inner + f"</{tag}>")


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, value and the caption printed beside it."""

    label: str
    value: float
    caption: str
    css: str = "ls-c-weight"


def widths_chart(
    widths: Sequence[int],
    labels: Sequence[str] | None = None,
    pattern: str | None = None,
    chart_id: str = "ls-widths",
) -> Markup:
    """The hidden layers' widths as centred bars, top (input side) to bottom (output side).

    A funnel (300-200-100) narrows down the page, a rectangle keeps its width: the shape the
    seed post talks about, drawn to scale.
    """
    widths = [int(w) for w in widths if int(w) > 0]
    if not widths:
        return Markup("")
    shown = widths[:MAX_WIDTH_BARS]
    names = list(labels or [])[: len(shown)]
    many = len(shown) > 16
    bar_height = 6.0 if many else 22.0
    gap = 2.0 if many else 8.0
    label_width = 0.0 if many else 96.0
    value_width = 0.0 if many else 56.0
    chart_width = 440.0
    plot_width = chart_width - label_width - value_width
    widest = max(shown)
    height = len(shown) * (bar_height + gap) + gap
    title = "Hidden-layer widths"
    if pattern:
        title += f" ({pattern})"
    body: list[Markup] = [element("title", {"id": f"{chart_id}-title"}, title)]
    for index, width in enumerate(shown):
        y = gap + index * (bar_height + gap)
        length = max(plot_width * width / widest, 1.5)
        x = label_width + (plot_width - length) / 2
        name = names[index] if index < len(names) else f"hidden {index + 1}"
        bar_title = element("title", {}, f"{name}: {thousands(width)} units")
        body.append(
            element(
                "rect",
                {
                    "class": "ls-c-weight",
                    "x": x,
                    "y": y,
                    "width": length,
                    "height": bar_height,
                    "rx": 2.0,
                },
                [bar_title],
            )
        )
        if not many:
            middle = y + bar_height / 2
            body.append(
                element(
                    "text",
                    {
                        "class": "ls-c-label",
                        "x": label_width - 8,
                        "y": middle,
                        "text-anchor": "end",
                        "dominant-baseline": "central",
                    },
                    _clip(name, 14),
                )
            )
            body.append(
                element(
                    "text",
                    {
                        "class": "ls-c-value",
                        "x": chart_width - value_width + 8,
                        "y": middle,
                        "dominant-baseline": "central",
                    },
                    thousands(width),
                )
            )
    return _svg(body, chart_width, height, chart_id, f"{chart_id}-title")


def parameter_bars(report: ModelReport, top: int = TOP_LAYERS) -> list[Bar]:
    """The layers holding the most parameters, largest first, then the rest as one bar.

    Leaf rows (not nested-model rows) are ranked, so a model wrapping a pretrained base
    shows which of the base's layers matter, not one giant "base" bar.
    """
    totals = report.totals
    if totals.params == 0:
        return []
    leaves = [row for row in report.layers if not row.is_container and row.params > 0]
    leaves.sort(key=lambda row: row.params, reverse=True)
    bars = [
        Bar(visible(row.path), row.params, f"{thousands(row.params)} · {percent(row.share)}")
        for row in leaves[:top]
    ]
    rest_rows = leaves[top:]
    rest = sum(row.params for row in rest_rows)
    if rest_rows and rest > 0:
        share = rest / totals.params
        bars.append(
            Bar(
                f"{len(rest_rows)} other layers",
                rest,
                f"{thousands(rest)} · {percent(share)}",
                "ls-c-rest",
            )
        )
    return bars


def parameters_chart(
    report: ModelReport, top: int = TOP_LAYERS, chart_id: str = "ls-params"
) -> Markup:
    """Where the parameters are: horizontal bars for the largest layers, to one scale."""
    return bar_chart(parameter_bars(report, top), "Largest layers by parameter count", chart_id)


def stage_bars(stages: Sequence[Stage]) -> list[Bar]:
    """One bar per stage of a non-chain model (as the architecture analysis grouped them,
    e.g. by feature-map size)."""
    bars = []
    for stage in stages:
        label = f"{stage.stage} ({stage.layers} layer{'' if stage.layers == 1 else 's'})"
        caption = f"{thousands(stage.params)} · {percent(stage.share)}"
        bars.append(Bar(label, stage.params, caption))
    return bars


def stages_chart(stages: Sequence[Stage], chart_id: str = "ls-stages") -> Markup:
    """Parameters per stage, in model order (where a deep CNN keeps its weights)."""
    return bar_chart(stage_bars(stages), "Parameters by stage", chart_id)


def bar_chart(bars: Sequence[Bar], title: str, chart_id: str) -> Markup:
    """Labelled horizontal bars to one scale, the caption after each bar."""
    if not bars:
        return Markup("")
    bar_height, gap = 20.0, 8.0
    label_width, value_width, chart_width = 150.0, 124.0, 500.0
    plot_width = chart_width - label_width - value_width
    largest = max(bar.value for bar in bars) or 1
    height = len(bars) * (bar_height + gap) + gap
    body: list[Markup] = [element("title", {"id": f"{chart_id}-title"}, title)]
    for index, bar in enumerate(bars):
        y = gap + index * (bar_height + gap)
        length = max(plot_width * bar.value / largest, 1.5)
        middle = y + bar_height / 2
        tooltip = element("title", {}, f"{bar.label}: {bar.caption}")
        body.append(
            element(
                "text",
                {
                    "class": "ls-c-label",
                    "x": label_width - 8,
                    "y": middle,
                    "text-anchor": "end",
                    "dominant-baseline": "central",
                },
                [_clip(bar.label, 20), tooltip],
            )
        )
        body.append(
            element(
                "rect",
                {
                    "class": bar.css,
                    "x": label_width,
                    "y": y,
                    "width": length,
                    "height": bar_height,
                    "rx": 2.0,
                },
                [tooltip],
            )
        )
        body.append(
            element(
                "text",
                {
                    "class": "ls-c-value",
                    "x": label_width + length + 8,
                    "y": middle,
                    "dominant-baseline": "central",
                },
                bar.caption,
            )
        )
    return _svg(body, chart_width, height, chart_id, f"{chart_id}-title")


def _clip(text: str, limit: int) -> str:
    """Long names are shortened in the chart (the tooltip and the table keep them whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(body: list[Markup], width: float, height: float, chart_id: str, title_id: str) -> Markup:
    return element(
        "svg",
        {
            "id": chart_id,
            "class": "ls-chart",
            "viewBox": f"0 0 {_number(width)} {_number(height)}",
            "width": width,
            "height": height,
            "role": "img",
            "aria-labelledby": title_id,
            "preserveAspectRatio": "xMinYMin meet",
        },
        body,
    )
