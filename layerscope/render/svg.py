"""The SVG sanitiser: Graphviz's SVG made safe to inline in an HTML report.

The diagram's SVG comes from an outside program and carries user-named text (layer and
model names in ``<title>`` and ``<text>``). :func:`clean_svg` parses it and writes it back
from escaped text, keeping only drawing elements and attributes, so nothing a name or the
renderer let through can script, link out, or collide with another report's ids.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from markupsafe import Markup, escape

from layerscope.errors import RenderError
from layerscope.render.escape import visible

_SVG_NS = "{http://www.w3.org/2000/svg}"
_XLINK_NS = "{http://www.w3.org/1999/xlink}"
_SVG_ELEMENTS = {
    "svg",
    "g",
    "path",
    "polygon",
    "polyline",
    "ellipse",
    "circle",
    "rect",
    "line",
    "text",
    "tspan",
    "title",
    "desc",
    "defs",
    "linearGradient",
    "radialGradient",
    "stop",
    "a",
    "clipPath",
    "marker",
    "use",
    "symbol",
    "pattern",
    "mask",
}
_URL_REF = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_DANGEROUS_VALUE = re.compile(
    r"javascript:|data:|url\(\s*(?!#)|expression\(|@import", re.IGNORECASE
)


def clean_svg(svg: str, prefix: str, label: str) -> Markup:
    """Graphviz's SVG, parsed and written back from escaped text, ready to inline in HTML.

    Only drawing elements and attributes survive (no scripts, event handlers, external links
    or comments, whatever the DOT renderer let through); every id gets ``prefix`` so two
    reports share a page; the root gains ``role="img"`` and a label.
    """
    try:
        root = ElementTree.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    except ElementTree.ParseError as error:
        raise RenderError(f"the diagram's SVG does not parse: {error}") from error
    if _local(root.tag) != "svg":
        raise RenderError("the diagram renderer did not return an <svg> element")
    out: list[str] = []
    _write_svg(root, prefix, out, is_root=True, label=label)
    return Markup("".join(out))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _write_svg(
    node: ElementTree.Element, prefix: str, out: list[str], is_root: bool, label: str
) -> None:
    tag = _local(node.tag)
    if not isinstance(node.tag, str) or tag not in _SVG_ELEMENTS:
        return
    attributes: dict[str, str] = {}
    for raw_name, value in node.attrib.items():
        name = raw_name.replace(_XLINK_NS, "xlink:") if raw_name.startswith("{") else raw_name
        if name.startswith("{"):  # another namespace: nothing we draw needs it
            continue
        lowered = name.lower()
        if lowered.startswith("on") or lowered in {"xmlns", "xml:space"}:
            continue
        if lowered in {"href", "xlink:href"}:
            if not value.startswith("#"):
                continue
            name, value = "href", f"#{prefix}-{value[1:]}"
        elif lowered == "id":
            value = f"{prefix}-{value}"
        elif _DANGEROUS_VALUE.search(value):
            continue
        else:
            value = _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value)
        attributes[name] = value
    if is_root:
        for drop in ("x", "y"):
            attributes.pop(drop, None)
        attributes.update(
            {"class": "ls-diagram-svg", "role": "img", "aria-label": label, "focusable": "false"}
        )
    out.append(f"<{tag}")
    for name, value in attributes.items():
        out.append(f' {name}="{escape(visible(value))}"')
    out.append(">")
    if node.text:
        out.append(_svg_text(node.text))
    for child in node:
        _write_svg(child, prefix, out, is_root=False, label=label)
        if child.tail:
            out.append(_svg_text(child.tail))
    out.append(f"</{tag}>")


def _svg_text(text: str) -> str:
    """Text between SVG tags: layout whitespace kept, anything else escaped and visible."""
    if not text.strip():
        return "\n" if "\n" in text else text
    return str(escape(visible(text)))
