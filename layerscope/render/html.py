"""Self-contained HTML reports: a whole page, or a fragment to embed in documentation.

Rendering goes through Jinja2 templates (``layerscope/templates``, inside the package in a
checkout and in the wheel alike) with autoescaping on and
``StrictUndefined``, so a template typo fails loudly instead of printing nothing. Python
hands the templates plain data (numbers, strings, small view objects); the only markup built
here is the inline SVG (charts from :mod:`layerscope.render.charts`, the diagram re-serialised
by :func:`layerscope.render.svg.clean_svg`), and all of it is assembled from escaped text.

Template lookup, first match wins:

1. the user's ``template_dir`` (``--template-dir``), if given;
2. layerscope's own templates;
3. ``default:NAME`` always names layerscope's own template, so a user template can say
   ``{% extends "default:report.html" %}`` and override only the blocks it cares about.

CSS (``report.css``) and JavaScript (``report.js``) are ordinary files in the same folders,
inlined into the output at render time (so a user can override them too). The page needs
nothing from the network and works without JavaScript; the script only adds sorting,
filtering and collapsing of nested layers.

Ids: every ``id`` in the output (the root, section anchors, the filter box, the charts and
every id inside the diagram's SVG) starts with one per-report prefix such as ``ls-3f2a9c1b``,
so two reports can sit on one page. The prefix is derived from the report's content and the
render options, so rendering the same report twice gives byte-identical output; pass
``id_prefix=`` to choose it (for example to place the *same* report twice on one page).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from layerscope.errors import RenderError, UsageError
from layerscope.options import SECTIONS as SECTIONS  # re-exported: the page's sections
from layerscope.options import HtmlOptions, Theme
from layerscope.options import parse_sections as parse_sections
from layerscope.render import charts
from layerscope.render.columns import COLUMNS, CellValue, Format, columns_for
from layerscope.render.escape import visible
from layerscope.render.format import (
    depth_note,
    human_bytes,
    human_count,
    other_params,
    output_shape_text,
    percent,
    shared_note,
    table_rows,
    thousands,
)
from layerscope.render.sections import insights
from layerscope.render.svg import clean_svg as clean_svg  # re-exported: the diagram's cleaner
from layerscope.render.weights import flagged_layers, weights_view
from layerscope.report import ModelReport
from layerscope.weights.precision import quantization_mode

SECTION_TITLES: dict[str, str] = {
    "header": "Summary",
    "data_fit": "Data fit",
    "architecture": "Architecture",
    "cost": "Compute and memory",
    "weights": "Weights",
    "layers": "Layers",
    "diagram": "Diagram",
    "charts": "Charts",
}

THEMES: tuple[str, ...] = Theme.values()
"""``auto`` follows the reader's ``prefers-color-scheme``; the others force a theme."""

_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")


# -- templates ----------------------------------------------------------------------------


def default_template_dir() -> Path:
    """layerscope's own templates: ``layerscope/templates``, the one place they live."""
    folder = Path(__file__).resolve().parent.parent / "templates"
    if not (folder / "report.html").is_file():
        raise RenderError(
            f"layerscope's HTML templates are missing from {folder}; the installation is incomplete"
        )
    return folder


@lru_cache(maxsize=8)
def environment(template_dir: str | None = None) -> Any:
    """The Jinja environment for one user template folder (cached: templates compile once)."""
    import jinja2

    defaults = jinja2.FileSystemLoader(str(default_template_dir()))
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:  # checked by HtmlOptions
        loaders.append(jinja2.FileSystemLoader(template_dir))
    loaders.append(defaults)
    loaders.append(jinja2.PrefixLoader({"default": defaults}, delimiter=":"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            ["html", "htm", "xml", "svg"], default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        thousands=_thousands,
        percent=percent,
        human_bytes=human_bytes,
        human_count=human_count,
        fixed=_fixed,
        humanize=_humanize,
    )
    env.globals["inline"] = _inline_source(env)
    return env


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` passes here before autoescaping: plain strings (names, and any
    text the analyses quote them in) get control and bidi characters made visible, so a
    name can neither reverse the page's text nor smuggle a newline. Markup (the inline SVG
    and the CSS/JS files) is left alone."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def _inline_source(env: Any) -> Any:
    """``inline("report.css")``: a static file's text for an inline ``<style>``/``<script>``.

    The file is the project's (or the user's) own code, not user data; it is refused if it
    could close the element it is pasted into. A stylesheet is rendered as a Jinja template
    first (with no variables), so ``report.css`` writes each colour palette once.
    """

    def inline(name: str) -> Markup:
        if name.endswith(".css"):
            source = str(env.get_template(name).render())
        else:
            source, _, _ = env.loader.get_source(env, name)
        if re.search(r"</(style|script)|<!--", source, re.IGNORECASE):
            raise RenderError(f"{name} must not contain '</style', '</script' or '<!--'")
        return Markup(source.strip())

    return inline


def _thousands(value: Any) -> str:
    return thousands(int(value)) if isinstance(value, (int, float)) else str(value)


def _fixed(value: Any) -> str:
    """A ratio as the analysis rounded it, with thousands separators for big ones."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    if isinstance(value, int) or float(value).is_integer():
        return thousands(int(value))
    return f"{value:,}" if abs(value) >= 1000 else f"{value:g}"


def _humanize(key: str) -> str:
    """``params_per_sample`` -> ``Params per sample``."""
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# -- view data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowView:
    """One table row, with the numbers the template prints already chosen."""

    index: int
    name: str
    path: str
    parent: str | None
    depth: int
    class_name: str
    shape: str
    params: int
    weight: int
    bias: int
    other: int
    trainable: int
    share: float
    macs: int
    frozen: bool
    container: bool
    children: int
    bar_percent: float
    """Width of the row's share bar, in percent: its share relative to the largest row's."""
    segments: tuple[tuple[str, float, int], ...]
    """(role css class, percent of the bar, count) for weights, biases and the rest."""
    shared_note: str | None = None
    """The sentence saying which parameters this row uses but another row counts."""
    quantization: str | None = None
    """``int8``, ``int4/128``, ``float8``... for a layer ``model.quantize`` changed."""
    flagged: bool = False
    """A ``--weights`` finding names this layer."""
    values: Mapping[str, CellValue] = dataclasses.field(default_factory=dict)
    """Every column's value by key (:data:`layerscope.render.columns.COLUMNS`)."""


def _rows(report: ModelReport, depth: int | None = None) -> list[RowView]:
    children: dict[str, int] = {}
    for row in report.layers:
        if row.parent is not None:
            children[row.parent] = children.get(row.parent, 0) + 1
    shown = table_rows(report, depth)
    # Bars are drawn to the largest row's scale: in a model of many small layers (ResNet50's
    # largest holds 9%) shares of the total would all be slivers. The number beside each bar
    # is the true share.
    largest = max((row.share for row in shown), default=0.0) or 1.0
    flagged = flagged_layers(report)
    views = []
    for index, row in enumerate(shown):
        roles = row.by_role
        other = other_params(row)
        params = row.params
        segments: list[tuple[str, float, int]] = []
        if params:
            for css, count in (
                ("ls-c-weight", roles.weight),
                ("ls-c-bias", roles.bias),
                ("ls-c-other", other),
            ):
                if count:
                    segments.append((css, round(100 * count / params, 3), count))
        views.append(
            RowView(
                index=index,
                name=row.name,
                path=row.path,
                parent=row.parent,
                depth=row.depth,
                class_name=row.class_name,
                shape=output_shape_text(row),
                params=params,
                weight=roles.weight,
                bias=roles.bias,
                other=other,
                trainable=row.trainable,
                share=row.share,
                macs=int(row.macs or 0),
                frozen=row.is_frozen,
                container=row.is_container,
                children=children.get(row.path, 0),
                bar_percent=round(min(max(row.share / largest, 0.0), 1.0) * 100, 3),
                segments=tuple(segments),
                shared_note=shared_note(row),
                quantization=quantization_mode(row.dtype_policy),
                flagged=row.path in flagged,
                values={column.key: column.value(row) for column in COLUMNS},
            )
        )
    return views


# -- the diagram ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagram:
    """The inline diagram, or why there is none."""

    svg: Markup | None
    notice: str | None


MAX_TABLE_ROWS = 2_000
"""Layer rows the HTML table shows; a larger model's table folds the rest into a note (the
JSON and the text summary keep every row). Keeps a 50,000-layer report to a few MB."""
MAX_DIAGRAM_LAYERS = 1_000
"""Layers beyond which the report leaves the diagram out (Graphviz takes minutes on tens of
thousands of nodes and the page becomes unreadable); ``layerscope diagram`` still draws it."""


def _diagram(report: ModelReport, prefix: str, rankdir: str, expand_nested: bool | int) -> Diagram:
    if len(report.layers) > MAX_DIAGRAM_LAYERS:
        return Diagram(
            None,
            f"The diagram is left out: {len(report.layers):,} layers is more than the "
            f"{MAX_DIAGRAM_LAYERS:,} a report draws inline; draw it with layerscope diagram.",
        )
    try:
        from layerscope.render.dot import diagram_svg
    except ImportError:
        return Diagram(None, "The diagram renderer is not available in this installation.")
    try:
        svg = diagram_svg(report, rankdir=rankdir, expand_nested=expand_nested)
        label = f"Diagram of the model {visible(report.name)}"
        return Diagram(clean_svg(svg, f"{prefix}-dg", label), None)
    except RenderError as error:
        return Diagram(None, f"The diagram could not be drawn: {error}")


# -- rendering ----------------------------------------------------------------------------


def report_id_prefix(report: ModelReport, options: Mapping[str, Any]) -> str:
    """A deterministic id prefix: a hash of the report's JSON and the render options."""
    digest = hashlib.sha256()
    digest.update(report.to_json(indent=None).encode("utf-8"))
    digest.update(repr(sorted((k, repr(v)) for k, v in options.items())).encode("utf-8"))
    return "ls-" + digest.hexdigest()[:10]


def render_html(
    report: ModelReport,
    fragment: bool = False,
    options: HtmlOptions | None = None,
    **keywords: Any,
) -> str:
    """The report as HTML: a whole self-contained page, or with ``fragment=True`` one
    ``<div class="layerscope">`` with scoped styles for embedding.

    ``options`` is an :class:`~layerscope.options.HtmlOptions`, or the same as keywords:
    ``title`` (default: the model's name), ``template_dir`` (searched before the
    defaults), ``expand_nested`` and ``rankdir`` (the diagram), ``sections`` (a list or comma
    string from :data:`SECTIONS`), ``theme`` (``auto``, ``light``, ``dark``) and
    ``id_prefix`` (default: derived from the report, see the module docs).
    """
    if options is None:
        options = HtmlOptions.of(fragment=fragment, **keywords)
    elif keywords:
        raise UsageError("pass render_html options either as options= or as keywords, not both")
    elif fragment and not options.fragment:
        options = dataclasses.replace(options, fragment=True)
    fragment = options.fragment
    title = options.title
    template_dir = options.template_dir
    theme = options.theme.value
    rankdir = options.rankdir.value
    depth = options.depth
    # The diagram follows an explicit depth too (expand_nested=N draws N levels of clusters).
    expand_nested: bool | int = options.expand_nested
    if depth is not None and not expand_nested:
        expand_nested = depth
    sections = options.sections
    prefix = options.id_prefix
    if prefix is None:
        prefix = report_id_prefix(
            report,
            {
                "fragment": fragment,
                "title": title,
                "template_dir": template_dir,
                "theme": theme,
                "rankdir": rankdir,
                "expand_nested": expand_nested,
                "sections": sections,
                **({"depth": depth} if depth is not None else {}),
            },
        )

    architecture = report.architecture
    rows = _rows(report, depth)
    columns = columns_for(Format.HTML, table_rows(report, depth))
    widths = list(architecture.hidden_widths)
    present = {
        "data_fit": report.data_fit is not None,
        "weights": report.weight_health is not None,
    }
    context = {
        "architecture": architecture,
        "data_fit": report.data_fit,
        "insights": {item.key: item for item in insights(report)},
        "cost": report.cost,
        "memory": report.memory,
        "report": report,
        "fragment": fragment,
        "title": title if title is not None else report.name,
        "heading": 2 if fragment else 1,
        "theme": theme,
        "sections": sections,
        "nav": [
            (name, SECTION_TITLES[name])
            for name in sections
            if name != "header" and present.get(name, True)
        ],
        "ids": Ids(prefix),
        "totals": report.totals,
        "roles": report.totals.by_role,
        "rows": rows[:MAX_TABLE_ROWS],
        "folded_rows": max(0, len(rows) - MAX_TABLE_ROWS),
        "largest_row": max(rows, key=lambda row: row.params) if rows else None,
        "nested": any(row.depth > 0 for row in rows),
        "depth_note": depth_note(report, depth),
        "show_macs": any(row.macs for row in rows),
        "columns": columns,
        "column_totals": {c.key: c.total(report) for c in columns if c.total is not None},
        "layer_count": len(rows),
        "diagram": _diagram(report, prefix, rankdir, expand_nested)
        if "diagram" in sections
        else Diagram(None, None),
        "widths_chart": charts.widths_chart(
            widths,
            [visible(name) for name in architecture.hidden_names],
            architecture.pattern,
            chart_id=f"{prefix}-widths",
        ),
        "hidden_widths": widths,
        "params_chart": charts.parameters_chart(report, chart_id=f"{prefix}-params"),
        "stages_chart": charts.stages_chart(architecture.stages, chart_id=f"{prefix}-stages"),
        "weights": weights_view(report) if "weights" in sections else None,
        "version": version(),
        "source_name": os.path.basename(report.source) if report.source else None,
    }
    return render_page("report.html", context, template_dir)


def render_page(template_name: str, context: Mapping[str, Any], template_dir: str | None) -> str:
    """``template_name`` rendered with :func:`environment` (the report and the diff pages):
    a template error becomes one RenderError naming the file it is in, and the output has no
    blank lines."""
    env = environment(template_dir)
    try:
        html = str(env.get_template(template_name).render(context))
    except UsageError:
        raise
    except Exception as error:
        import jinja2

        if isinstance(error, jinja2.TemplateError):
            where = getattr(error, "name", None) or template_name
            raise RenderError(f"HTML template error in {where}: {error}") from error
        raise
    # No blank lines: a CommonMark processor (MkDocs plugins, MyST, GitHub) ends a raw HTML
    # block at the first blank line, which would spill a pasted fragment's CSS into the
    # page as text. Every string goes through ``visible`` (``_finalize``), so no name
    # holds a newline.
    return _BLANK_LINES.sub("\n", html)


def save_html(
    report: ModelReport,
    path: str | os.PathLike[str],
    fragment: bool = False,
    options: HtmlOptions | None = None,
    **keywords: Any,
) -> str:
    """Render and write the report atomically (an earlier file survives a failed render)."""
    from layerscope.io import check_output_path, write_output

    # Never over the model the report came from, nor a file of the template folder.
    template_dir = options.template_dir if options is not None else None
    inputs = (report.source, keywords.get("template_dir", template_dir))
    check_output_path(path, inputs)
    return write_output(
        path, render_html(report, fragment=fragment, options=options, **keywords), inputs
    )


class Ids:
    """``ids.layers`` -> ``ls-3f2a9c1b-layers``: every id the templates use, prefixed."""

    def __init__(self, prefix: str) -> None:
        self.root = prefix

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        return f"{self.root}-{name.replace('_', '-')}"


def version() -> str:
    """layerscope's version, for a page's footer."""
    from layerscope import __version__

    return __version__
