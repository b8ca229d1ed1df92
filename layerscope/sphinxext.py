"""Sphinx extension: embed a model's layerscope report in a documentation page.

In ``conf.py``::

    extensions = ["layerscope.sphinxext"]

In a page (reStructuredText; MyST users write the same inside a ``{eval-rst}`` block)::

    .. layerscope:: ../examples/mnist_mlp.keras
       :samples: 55000
       :sections: header,data_fit,layers,charts
       :title: The seed MLP
       :theme: light

The path is relative to the page's own folder (a leading ``/`` makes it relative to the
documentation's source folder), as for Sphinx's ``image`` and ``literalinclude``. The model is
loaded with Keras's safe mode on (add ``:unsafe:`` for a trusted model holding lambdas).
The report is embedded as a fragment (one ``<div class="layerscope">`` with scoped styles),
so it only appears in HTML builders; other builders skip it. The model file is recorded as a
dependency, so editing it rebuilds the page.

Each fragment's ids get a prefix made from the page name and the directive's position, so
several reports on one page never collide.
"""

from __future__ import annotations

import hashlib
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

from layerscope.errors import LayerscopeError
from layerscope.options import HtmlOptions, Theme, parse_sections


def _positive_int(argument: str | None) -> int:
    text = (argument or "").strip().replace("_", "").replace(",", "")
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"must be a positive integer; got {argument!r}")
    return number


def _sections(argument: str | None) -> tuple[str, ...]:
    try:
        return parse_sections(argument or "")
    except LayerscopeError as error:
        raise ValueError(str(error)) from error


def _theme(argument: str | None) -> str:
    return str(directives.choice((argument or "").strip(), Theme.values()))


class LayerscopeDirective(SphinxDirective):
    """``.. layerscope:: path/to/model.keras``: the model's report as an embedded fragment."""

    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = True
    has_content = False
    option_spec = {  # noqa: RUF012 - docutils reads this class attribute
        "samples": _positive_int,
        "sections": _sections,
        "title": directives.unchanged,
        "theme": _theme,
        "expand-nested": directives.flag,
        "unsafe": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        from layerscope.api import analyze
        from layerscope.render.html import render_html

        relative, absolute = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)
        serial = self.env.new_serialno("layerscope")
        digest = hashlib.sha256(f"{self.env.docname}\0{serial}".encode()).hexdigest()[:10]
        try:
            options = HtmlOptions(
                fragment=True,
                title=self.options.get("title") or None,
                sections=self.options.get("sections") or parse_sections(None),
                theme=Theme.parse(self.options.get("theme", "auto"), ":theme:"),
                expand_nested="expand-nested" in self.options,
                id_prefix=f"ls-{digest}",
            )
            report = analyze(
                absolute,
                training_samples=self.options.get("samples"),
                unsafe="unsafe" in self.options,
            )
            html = render_html(report, options=options)
        except LayerscopeError as error:
            raise self.error(f"layerscope: {self.arguments[0]}: {error}") from error
        return [nodes.raw("", html, format="html")]


def setup(app: Any) -> dict[str, Any]:
    """Register the ``layerscope`` directive (Sphinx calls this for ``extensions``)."""
    from layerscope import __version__

    app.add_directive("layerscope", LayerscopeDirective)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
