"""Hostile names stay inert in every format.

Layer and model names are user text: they may hold HTML/SVG/DOT syntax, Markdown table
syntax, rich console markup, ANSI escapes and other control characters, or be 10,000
characters long. Each format must show them literally:

* terminal text: no control character reaches stdout raw (visible ``\\x1b`` escapes instead),
  rich markup prints as typed;
* Markdown: every table row keeps its column count, and no HTML element is created;
* JSON: valid, and the names round-trip exactly;
* DOT parses, SVG is well-formed XML with no script or event handler, HTML gains no
  element or attribute (the browser check lives in the HTML tests of issue 4).

A model saved by Keras covers every name Keras accepts (through the real CLI); names Keras
refuses (``/``, NUL, lone surrogates) can still arrive through a hand-edited config read by
the static engine, so they are covered on a report built by hand from a real one.
"""

from __future__ import annotations

import collections
import dataclasses
import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from layerscope.render.escape import literal, visible

LONG = "Ω" * 10_000

# Names Keras accepts in a saved model (no "/", no NUL, no lone surrogate).
KERAS_NAMES = {
    "html": "<img src=x onerror=alert(1)>",
    "svg": "<svg onload=alert(2)>",
    "dot": '"]; evil [shape=box label="pwn"]; x -> y [label="',
    "dot_html": "<<TABLE><TR><TD>x",
    "markdown": "a|b|c **bold** _it_ `code` [link](http:x) \\| # h",
    "rich": "[bold red]x[blink]y[link=http:evil]z",
    "ansi": "\x1b[31mred\x1b[0m\x1b]0;title\x07\x1b[2J",
    "controls": "nl\nnl cr\rcr tab\ttab bs\x08 del\x7f c1\x9b31m nel\x85 ls\u2028",
    "bidi": "abc\u202edcba\u2066\u200bzw",
    "entities": "&amp; &lt;b&gt; &#x3C;script&#x3E;",
    "jinja": "{{ 7*7 }} {% if 1 %}x{% endif %}",
    "unicode": "réseau 名前 🙂",
    "quotes": "'single' \"double\" `back` \\back\\slash",
    "long": LONG,
}
MODEL_NAME = "<svg onload=alert('m')> | [bold]M\x1b[2J"

# Names only a hand-edited config can carry.
EXTRA_NAMES = {
    "slash_script": "</script><script>alert(3)</script>",
    "rich_close": "[bold red]x[/]",
    "nul": "nul\x00byte",
    "surrogate": "lone\ud800half",
    "cdata": "]]><!-- -->",
    "markdown_link": "![img](http://evil/x.png)",
}
HAND_MODEL_NAME = "</title><script>alert('model')</script>\x00"

CONTROL_BYTES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""Characters that must never reach an output raw (newline and tab are the renderer's own)."""


def run_cli(
    *args: str | os.PathLike[str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *map(os.fspath, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


# -- the hostile model, saved once -----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_file(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = keras.Input(shape=(4,), name="in")
    tensor = inputs
    for name in KERAS_NAMES.values():
        tensor = keras.layers.Dense(2, name=name)(tensor)
    model = keras.Model(inputs, tensor, name=MODEL_NAME)
    path = tmp_path_factory.mktemp("hostile") / "hostile.keras"
    model.save(path)
    return path


# 4*2+2 for the first Dense, then 2*2+2 for each of the others.
EXPECTED_PARAMS = 10 + 6 * (len(KERAS_NAMES) - 1)


@pytest.fixture(scope="module")
def cli_outputs(hostile_file: Path) -> dict[str, str]:
    """stdout of summary in each format (one CLI run each, shared by the tests)."""
    outputs = {}
    for output_format in ("text", "markdown", "json"):
        result = run_cli("summary", hostile_file, "--format", output_format, "--width", "0")
        assert result.returncode == 0, result.stderr[-3000:]
        outputs[output_format] = result.stdout
    return outputs


def test_terminal_shows_names_literally(cli_outputs: dict[str, str]) -> None:
    text = cli_outputs["text"]
    assert not CONTROL_BYTES.search(text), repr(CONTROL_BYTES.search(text))
    for key, name in KERAS_NAMES.items():
        if key == "long":
            continue
        assert literal(name) in text, (key, literal(name))
    assert "\\x1b[31mred\\x1b[0m\\x1b]0;title\\x07\\x1b[2J" in text
    assert "[bold red]x[blink]y[link=http:evil]z" in text
    assert "nl\\x0anl cr\\x0dcr tab\\x09tab bs\\x08 del\\x7f c1\\x9b31m" in text
    assert "abc\\u202edcba\\u2066\\u200bzw" in text
    assert 'Model: "' + literal(MODEL_NAME) + '"' in text
    # --width 0: the 10,000-character name is kept whole, on one line.
    assert text.count("Ω") >= 10_000
    assert f"Total params:         {EXPECTED_PARAMS:,}" in text


def test_terminal_at_a_width_shortens_the_long_name(hostile_file: Path) -> None:
    result = run_cli("summary", hostile_file, "--width", "100")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert not CONTROL_BYTES.search(result.stdout)
    row = next(line for line in lines if line.lstrip().startswith("ΩΩΩ"))
    assert "…" in row and "(Dense)" in row  # shortened, its class kept


def markdown_rows(markdown: str) -> list[list[str]]:
    """Each table row's cells as displayed text (via a real CommonMark+tables parser)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(markdown)
    rows: list[list[str]] = []
    cells: list[str] | None = None
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            cells = []
        elif token.type in ("td_open", "th_open"):
            inline = tokens[index + 1]
            rendered = parser.renderer.render(inline.children or [], parser.options, {})
            assert cells is not None
            cells.append(html.unescape(re.sub(r"<[^>]+>", "", rendered)))
        elif token.type == "tr_close":
            assert cells is not None
            rows.append(cells)
    return rows


def assert_markdown_inert(markdown: str, names: dict[str, str], model_name: str) -> None:
    from markdown_it import MarkdownIt

    assert not CONTROL_BYTES.search(markdown), repr(CONTROL_BYTES.search(markdown))
    rows = markdown_rows(markdown)
    header, body = rows[0], rows[1:]
    assert len(header) == 9
    assert all(len(row) == 9 for row in body), [len(row) for row in body]
    displayed = {row[0] for row in body}
    for key, name in names.items():
        assert literal(name) in displayed, (key, literal(name))
    # Rendered with raw HTML allowed (as GitHub would sanitise, but we do not rely on it):
    # no element comes from a name, and the heading shows the model's name as typed.
    page = MarkdownIt("commonmark").enable("table").render(markdown)
    tags = {match.lower() for match in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", page)}
    assert tags <= {
        "h3",
        "h4",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "p",
        "strong",
        "ul",
        "li",
        "em",
        "code",
    }, tags
    heading = re.search(r"<h3>(.*?)</h3>", page, re.S)
    assert heading is not None
    assert literal(model_name) in html.unescape(re.sub(r"<[^>]+>", "", heading.group(1)))


def test_markdown_keeps_columns_and_creates_no_html(cli_outputs: dict[str, str]) -> None:
    assert_markdown_inert(cli_outputs["markdown"], KERAS_NAMES, MODEL_NAME)


def test_json_is_valid_and_round_trips_names(cli_outputs: dict[str, str]) -> None:
    text = cli_outputs["json"]
    assert not CONTROL_BYTES.search(text)
    document = json.loads(text)
    assert document["model"]["name"] == MODEL_NAME
    names = [row["name"] for row in document["layers"]]
    assert names == ["in", *KERAS_NAMES.values()]
    assert document["totals"]["params"] == EXPECTED_PARAMS
    long_row = document["layers"][-1]
    assert long_row["name"] == LONG and long_row["params"] == 6


# -- DOT, SVG and HTML through the CLI ----------------------------------------------------------


def svg_problems(svg: str) -> list[str]:
    """Scripts, event handlers, foreign objects or links in an SVG document."""
    root = ElementTree.fromstring(svg)  # raises on malformed XML (e.g. raw control chars)
    problems = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in {"script", "foreignobject", "iframe", "img", "object", "embed"}:
            problems.append(f"element <{tag}>")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                problems.append(f"attribute {local}")
            if local == "href" and value.strip().lower().startswith("javascript:"):
                problems.append(f"javascript link {value!r}")
    return problems


def svg_text(svg: str) -> str:
    root = ElementTree.fromstring(svg)
    return "\n".join(
        "".join(element.itertext())
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "text"
    )


def test_dot_parses_and_svg_stays_inert(hostile_file: Path, tmp_path: Path) -> None:
    import pydot

    dot_path, svg_path = tmp_path / "model.dot", tmp_path / "model.svg"
    for path in (dot_path, svg_path):
        result = run_cli("diagram", hostile_file, "-o", path)
        assert result.returncode == 0, result.stderr[-3000:]
    source = dot_path.read_text(encoding="utf-8")
    assert not CONTROL_BYTES.search(source)
    graphs = pydot.graph_from_dot_data(source)
    assert graphs is not None and len(graphs) == 1
    assert "evil" not in {node.get_name().strip('"') for node in graphs[0].get_nodes()}
    svg = svg_path.read_text(encoding="utf-8")
    assert svg_problems(svg) == []
    shown = svg_text(svg)
    for key in ("html", "svg", "rich", "unicode"):
        assert KERAS_NAMES[key] in shown, key
    assert "\\x1b[31mred" in shown


class TagCollector(HTMLParser):
    """Every start tag with its attribute names, and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: collections.Counter[tuple[str, tuple[str, ...]]] = collections.Counter()
        self.handlers: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[(tag, tuple(sorted(name for name, _ in attrs)))] += 1
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.handlers.append((tag, f"{name}={value}"))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def collect(page: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(page)
    collector.close()
    return collector


def assert_html_inert(page: str, baseline: str, names: dict[str, str]) -> None:
    """``page`` (hostile names) has no tag, attribute or handler that ``baseline`` (plain
    names, same model) lacks, no more <script>/<svg> elements, and shows every name as text."""
    hostile, plain = collect(page), collect(baseline)
    assert hostile.handlers == plain.handlers, hostile.handlers
    assert set(hostile.tags) <= set(plain.tags), set(hostile.tags) - set(plain.tags)
    for tag in ("script", "svg", "img", "iframe", "style", "link", "meta", "object"):
        count = sum(n for (name, _), n in hostile.tags.items() if name == tag)
        expected = sum(n for (name, _), n in plain.tags.items() if name == tag)
        assert count == expected, (tag, count, expected)
    text = "".join(hostile.text)
    for key, name in names.items():
        if key != "long":
            assert visible(name) in text, (key, visible(name))
    if any("{{ 7*7 }}" in name for name in names.values()):
        assert "{{ 7*7 }}" in text and "49 x" not in text  # shown, never evaluated


@pytest.fixture(scope="module")
def plain_file(keras: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile model's twin with harmless names: the HTML structure to compare with."""
    inputs = keras.Input(shape=(4,), name="in")
    tensor = inputs
    for index in range(len(KERAS_NAMES)):
        tensor = keras.layers.Dense(2, name=f"layer_{index}")(tensor)
    model = keras.Model(inputs, tensor, name="plain")
    path = tmp_path_factory.mktemp("plain") / "plain.keras"
    model.save(path)
    return path


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "fragment"])
def test_html_report_stays_inert(
    fragment: bool, hostile_file: Path, plain_file: Path, tmp_path: Path
) -> None:
    pages = {}
    for label, model in (("hostile", hostile_file), ("plain", plain_file)):
        output = tmp_path / f"{label}.html"
        extra = ["--fragment"] if fragment else []
        result = run_cli("report", model, "-o", output, *extra)
        assert result.returncode == 0, result.stderr[-3000:]
        pages[label] = output.read_text(encoding="utf-8")
    assert not CONTROL_BYTES.search(pages["hostile"])
    assert_html_inert(pages["hostile"], pages["plain"], KERAS_NAMES)


# -- names only a hand-edited config can carry: a report built by hand -------------------------


def renamed(report: Any, names: dict[str, str], model_name: str) -> Any:
    """``report`` (captured, not yet analysed) with its Dense rows renamed, paths, edges,
    inbound names and variable paths following, as if a config had named them so."""
    dense_rows = [row for row in report.layers if row.class_name == "Dense"]
    mapping = {row.path: name for row, name in zip(dense_rows, names.values(), strict=False)}

    def new(path: str) -> str:
        return mapping.get(path, path)

    layers = []
    for row in report.layers:
        variables = tuple(
            dataclasses.replace(v, path=new(row.path) + "/" + v.name) for v in row.variables
        )
        layers.append(
            dataclasses.replace(
                row,
                name=new(row.name),
                path=new(row.path),
                variables=variables,
                inbound=tuple(new(name) for name in row.inbound),
            )
        )
    edges = tuple(
        dataclasses.replace(e, source=new(e.source), target=new(e.target)) for e in report.edges
    )
    return dataclasses.replace(
        report,
        name=model_name,
        layers=tuple(layers),
        edges=edges,
        inputs=tuple(new(p) for p in report.inputs),
        outputs=tuple(new(p) for p in report.outputs),
    )


@pytest.fixture(scope="module")
def hand_built(seed_model: Any) -> tuple[Any, Any]:
    """(hostile, plain) analysed reports of the seed MLP, names set by hand."""
    from layerscope.analysis import run_analyses
    from layerscope.capture import capture

    captured = capture(seed_model)
    assert sum(row.class_name == "Dense" for row in captured.layers) == 4
    hostile_names = dict(list(EXTRA_NAMES.items())[:4])
    hostile = run_analyses(
        renamed(captured, hostile_names, HAND_MODEL_NAME), training_samples=55000
    )
    plain = run_analyses(captured, training_samples=55000)
    return hostile, plain


@pytest.fixture(scope="module")
def hand_built_more(seed_model: Any) -> Any:
    from layerscope.analysis import run_analyses
    from layerscope.capture import capture

    names = dict(list(EXTRA_NAMES.items())[4:])
    return run_analyses(renamed(capture(seed_model), names, "m"), training_samples=55000)


def hand_names(index: int) -> dict[str, str]:
    items = list(EXTRA_NAMES.items())
    return dict(items[:4]) if index == 0 else dict(items[4:])


def test_hand_built_names_in_text(hand_built: tuple[Any, Any], hand_built_more: Any) -> None:
    for index, report in enumerate((hand_built[0], hand_built_more)):
        text = report.to_text(width=200)
        assert not CONTROL_BYTES.search(text)
        for name in hand_names(index).values():
            assert literal(name) in text
        assert text.encode("utf-8")  # a lone surrogate would make this raise
        assert "Total params:         316,810" in text
    assert "nul\\x00byte" in hand_built[0].to_text(width=200)
    assert "lone\\ud800half" in hand_built[0].to_text(width=200)
    assert "[bold red]x[/]" in hand_built[0].to_text(width=200)


def test_hand_built_names_in_markdown(hand_built: tuple[Any, Any], hand_built_more: Any) -> None:
    assert_markdown_inert(hand_built[0].to_markdown(), hand_names(0), HAND_MODEL_NAME)
    assert_markdown_inert(hand_built_more.to_markdown(), hand_names(1), "m")


def test_hand_built_names_round_trip_in_json(
    hand_built: tuple[Any, Any], hand_built_more: Any
) -> None:
    for index, report in enumerate((hand_built[0], hand_built_more)):
        text = report.to_json()
        assert text.isascii() and not CONTROL_BYTES.search(text)
        document = json.loads(text)
        dense = [row["name"] for row in document["layers"] if row["class_name"] == "Dense"]
        names = list(hand_names(index).values())
        assert dense[: len(names)] == names
    assert json.loads(hand_built[0].to_json())["model"]["name"] == HAND_MODEL_NAME


def test_hand_built_names_in_dot(
    hand_built: tuple[Any, Any], hand_built_more: Any, tmp_path: Path
) -> None:
    import pydot

    for report in (hand_built[0], hand_built_more):
        source = report.to_dot()
        assert not CONTROL_BYTES.search(source)
        graphs = pydot.graph_from_dot_data(source)
        assert graphs is not None and len(graphs) == 1
        svg_path = tmp_path / "hand.svg"
        report.render_diagram(svg_path)
        svg = svg_path.read_text(encoding="utf-8")
        assert svg_problems(svg) == []
    hand_built[0].render_diagram(tmp_path / "first.svg")
    shown = svg_text((tmp_path / "first.svg").read_text(encoding="utf-8"))
    assert "</script><script>alert(3)</script>" in shown
    assert "nul\\x00byte" in shown


def test_hand_built_names_in_html(hand_built: tuple[Any, Any], hand_built_more: Any) -> None:
    hostile, plain = hand_built
    for fragment in (False, True):
        page = hostile.to_html(fragment=fragment)
        assert not CONTROL_BYTES.search(page)
        assert_html_inert(page, plain.to_html(fragment=fragment), hand_names(0))
        more = hand_built_more.to_html(fragment=fragment)
        assert_html_inert(more, plain.to_html(fragment=fragment), hand_names(1))


# -- the checks themselves can fail ----------------------------------------------------------


def test_the_html_check_fails_on_an_unescaped_or_evaluated_name() -> None:
    names = {"html": KERAS_NAMES["html"], "jinja": KERAS_NAMES["jinja"]}
    baseline = "<div><p>a</p><p>b</p></div>"
    escaped = f"<div><p>{html.escape(names['html'])}</p><p>{html.escape(names['jinja'])}</p></div>"
    assert_html_inert(escaped, baseline, names)  # the right page passes...
    raw = f"<div><p>{names['html']}</p><p>{html.escape(names['jinja'])}</p></div>"
    with pytest.raises(AssertionError):  # ...a name that became an element fails,
        assert_html_inert(raw, baseline, names)
    evaluated = f"<div><p>{html.escape(names['html'])}</p><p>49 x</p></div>"
    with pytest.raises(AssertionError):  # ...and so does a name Jinja evaluated.
        assert_html_inert(evaluated, baseline, names)


def test_the_markdown_check_fails_on_a_broken_row() -> None:
    header = "| " + " | ".join(f"c{i}" for i in range(9)) + " |\n|" + " --: |" * 9 + "\n"

    def table(name: str) -> str:
        return f"### Model `m`\n\n{header}| {name} |" + " 0 |" * 8 + "\n"

    assert_markdown_inert(table("a\\|b"), {"pipe": "a|b"}, "m")
    with pytest.raises(AssertionError):  # an unescaped pipe adds a column
        assert_markdown_inert(table("a|b"), {"pipe": "a|b"}, "m")
    with pytest.raises(AssertionError, match="'img'"):  # raw HTML creates an element
        assert_markdown_inert(table("<img src=x>"), {}, "m")
