"""One escaping helper per output format for text a user can name (layer, model, file names).

HTML goes through Jinja2's autoescaping (``markupsafe.escape``) and DOT through
``layerscope.render.dot_graph``'s own quoting; the plain-text formats are here:

* :func:`visible` makes control characters (ANSI escapes, NUL, newlines, bidi overrides)
  visible as ``\\x1b``-style escapes, so a terminal shows them and never interprets them;
* :func:`terminal` is ``visible`` plus protection from rich's console markup;
* :func:`markdown_cell` keeps a Markdown table's columns and shows the text literally;
* :func:`markdown_code` is a Markdown code span showing the text literally (inside a code
  span backslash escapes and entities are shown as typed, so it needs its own rule).
"""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")


def _is_invisible(char: str) -> bool:
    # Cc: C0/C1 controls (ESC, NUL, CR, LF, DEL...); Cf: format characters such as the
    # bidi overrides (U+202E) that can make a name read backwards; Zl/Zp: line separators;
    # Cs: lone surrogates (a JSON config can hold "\ud800"), which no encoder can write.
    return unicodedata.category(char) in _INVISIBLE and char != "\u200d"


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


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


def literal(text: str) -> str:
    """``visible`` with backslashes doubled first, so the escapes are unambiguous: a name
    holding a real ESC shows as ``\\x1b`` and one holding the four characters ``\\x1b``
    shows as ``\\\\x1b`` (the two would otherwise look identical)."""
    return visible(text.replace("\\", "\\\\"))


def terminal(text: str) -> str:
    """Text safe for a terminal table: control characters visible, backslashes doubled
    (see :func:`literal`; rich markup is avoided by passing cells to rich as ``Text``
    objects, never as markup strings)."""
    return literal(text)


def markdown_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes, emphasis, links and HTML neutralised;
    control characters visible and backslashes doubled as in :func:`literal`."""
    text = literal(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span that shows it literally: control characters made
    visible, fenced by more backticks than any run inside it (CommonMark's rule), padded
    with a space when it starts or ends with a backtick or a space."""
    text = literal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if not text:
        return f"{fence} {fence}"
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"
