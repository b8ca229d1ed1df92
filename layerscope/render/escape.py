"""One escaping helper per output format for text a user can name (layer, model, file names).

HTML goes through Jinja2's autoescaping (``markupsafe.escape``) and DOT through
``layerscope.render.dot``'s own quoting; the plain-text formats are here:

* :func:`visible` makes control characters (ANSI escapes, NUL, newlines, bidi overrides)
  visible as ``\\x1b``-style escapes, so a terminal shows them and never interprets them;
* :func:`terminal` is ``visible`` plus protection from rich's console markup;
* :func:`markdown_cell` keeps a Markdown table's columns and shows the text literally.
"""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def _is_invisible(char: str) -> bool:
    # Cc: C0/C1 controls (ESC, NUL, CR, LF, DEL...); Cf: format characters such as the
    # bidi overrides (U+202E) that can make a name read backwards; Zl/Zp: line separators.
    return unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} and char != "\u200d"


def visible(text: str) -> str:
    """``text`` with every control or format character replaced by a visible escape."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if _is_invisible(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def terminal(text: str) -> str:
    """Text safe for a terminal table: control characters visible (rich markup is avoided
    by passing cells to rich as ``Text`` objects, never as markup strings)."""
    return visible(text)


def markdown_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes, emphasis, links and HTML neutralised."""
    text = visible(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
