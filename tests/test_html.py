"""The HTML report: content, escaping, fragment scoping, templates and the CLI.

The browser-level checks (sorting, filtering, no requests, host-page isolation) live in
test_browser.py; these tests read the HTML text and parse it with the standard library.
"""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from layerscope.errors import RenderError, UsageError
from layerscope.render import charts
from layerscope.render.html import SECTIONS, clean_svg, render_html, save_html
from layerscope.results import Stage

HOSTILE = {
    "Hidden1": "<img src=x onerror=alert(1)>",
    "Hidden2": "</script><script>alert(1)</script>",
    "Hidden3": '"><svg onload=alert(1)>',
    "Output": "{{ 7 * 7 }} & {% raw %}'",
}


# -- helpers -------------------------------------------------------------------------------


class Outline(HTMLParser):
    """Records the element tree's top level, every id, every start tag and script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.top: list[str] = []
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None
        self._void = {"meta", "input", "br", "img", "link", "hr", "col", "wbr", "source"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"] or "")
        if self.depth == 0:
            self.top.append(tag)
        if tag in {"script", "style"}:
            self._in = tag
        if tag not in self._void:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"] or "")
        if self.depth == 0:
            self.top.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._void:
            self.depth -= 1
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    parser.close()
    return parser


def css_selectors(css: str) -> list[str]:
    """Every selector of a stylesheet, @media blocks included (a small brace parser)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors: list[str] = []

    def walk(text: str) -> None:
        position = 0
        while True:
            brace = text.find("{", position)
            if brace == -1:
                return
            prelude = text[position:brace].strip()
            depth, index = 1, brace + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(text[index], 0)
                index += 1
            body = text[brace + 1 : index - 1]
            if prelude.startswith(("@media", "@supports", "@container")):
                walk(body)
            else:
                selectors.extend(part.strip() for part in prelude.split(","))
            position = index

    walk(css)
    return selectors


def renamed(report: Any, names: dict[str, str], model_name: str | None = None) -> Any:
    """The captured report with layers renamed (paths, parents, edges too), re-analysed."""
    from layerscope.analysis import run_analyses

    def swap(text: str | None) -> str | None:
        if text is None:
            return None
        return "/".join(names.get(part, part) for part in text.split("/"))

    layers = tuple(
        dataclasses.replace(
            row,
            name=names.get(row.name, row.name),
            path=swap(row.path),
            parent=swap(row.parent),
            inbound=tuple(swap(n) for n in row.inbound),
        )
        for row in report.layers
    )
    edges = tuple(
        dataclasses.replace(e, source=swap(e.source), target=swap(e.target)) for e in report.edges
    )
    bare = dataclasses.replace(
        report.captured(),
        layers=layers,
        edges=edges,
        name=model_name or report.name,
        inputs=tuple(swap(p) for p in report.inputs),
        outputs=tuple(swap(p) for p in report.outputs),
    )
    samples = report.data_fit.training_samples if report.data_fit else None
    return run_analyses(bare, samples)


@pytest.fixture(scope="module")
def page(seed_report: Any) -> str:
    return render_html(seed_report)


@pytest.fixture(scope="module")
def fragment(seed_report: Any) -> str:
    return render_html(seed_report, fragment=True)


@pytest.fixture(scope="module")
def hostile_report(seed_report: Any) -> Any:
    return renamed(seed_report, HOSTILE, model_name="<b>model</b> & co")


# -- the whole page ------------------------------------------------------------------------


def test_seed_page_shows_the_exact_numbers(page: str) -> None:
    assert page.startswith("<!doctype html>")
    text = re.sub(r"<[^>]+>", " ", page)
    for expected in (
        "316,810",
        "235,500",
        "235,200",
        "60,200",
        "20,100",
        "1,010",
        "55,000",
        "1.21 MiB",
        "74.3%",
        "5.76",
        "Hidden1",
        "Hidden2",
        "Hidden3",
        "Output",
        "Flatten",
    ):
        assert expected in text, expected
    # The row's numbers sit in sortable cells with machine-readable values.
    assert 'data-path="Hidden1"' in page
    assert '<td class="ls-num" data-value="235500">235,500</td>' in page
    assert '<td class="ls-num ls-col-weights" data-value="235200">235,200</td>' in page
    assert '<td class="ls-num ls-col-biases" data-value="300">300</td>' in page


def test_page_has_every_section_and_the_diagram_inline(page: str) -> None:
    for title in ("Data fit", "Architecture", "Compute and memory", "Layers", "Diagram", "Charts"):
        assert f">{title}</h2>" in page, title
    assert 'class="ls-diagram-svg"' in page
    assert "<svg" in page and "ls-chart" in page
    assert "Funnel" in page and "300 → 200 → 100" in page


def test_page_is_self_contained(page: str) -> None:
    parsed = outline(page)
    for tag, attributes in parsed.tags:
        for name in ("src", "href", "xlink:href", "srcset", "action", "data"):
            value = attributes.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)
        assert tag not in {"link", "img", "iframe", "object", "embed"}, tag
    css = "".join(parsed.styles)
    assert "@import" not in css and "@font-face" not in css
    assert not re.search(r"url\(\s*(?!#)", css)
    assert "http://" not in page and "https://" not in page


def test_same_report_renders_byte_identical(seed_report: Any, page: str) -> None:
    assert render_html(seed_report) == page
    prefix = re.search(r'class="layerscope" id="(ls-[0-9a-f]+)"', page)
    assert prefix is not None


def test_seed_page_size_is_tens_of_kilobytes(page: str, fragment: str) -> None:
    diagram = re.search(r"<svg[^>]*ls-diagram-svg.*?</svg>", page, re.S)
    assert diagram is not None
    without_diagram = len(page.encode()) - len(diagram.group(0).encode())
    assert 10_000 < without_diagram < 80_000, without_diagram
    assert len(page.encode()) < 150_000
    assert len(fragment.encode()) < 150_000


def test_data_fit_absent_without_samples(seed_report: Any) -> None:
    html = render_html(dataclasses.replace(seed_report, data_fit=None))
    assert "Data fit" not in html
    assert "316,810" in html


def test_sections_leave_insights_out(seed_report: Any) -> None:
    html = render_html(seed_report, sections="header,layers")
    assert "316,810" in html and ">Architecture</h2>" not in html
    assert ">Compute and memory</h2>" not in html and ">Data fit</h2>" not in html
    changed = dataclasses.replace(
        seed_report,
        architecture=dataclasses.replace(seed_report.architecture, pattern="rectangle"),
        data_fit=dataclasses.replace(seed_report.data_fit, training_samples=10, band="very_high"),
    )
    html = render_html(changed)
    assert "Rectangle" in html and 'data-band="very_high"' in html and ">10<" in html


def test_a_template_typo_fails(seed_report: Any, tmp_path: Path) -> None:
    """StrictUndefined on typed results: a misspelt field is an error, not an empty cell."""
    (tmp_path / "_data_fit.html").write_text(
        "<p>{{ data_fit.params_per_sampel }}</p>", encoding="utf-8"
    )
    with pytest.raises(RenderError, match="params_per_sampel"):
        render_html(seed_report, template_dir=tmp_path)
    (tmp_path / "_data_fit.html").write_text(
        "<p>{{ data_fit.params_per_sample }}</p>", encoding="utf-8"
    )
    assert "<p>5.76</p>" in render_html(seed_report, template_dir=tmp_path)


def test_nested_rows_carry_depth_and_parent(keras: Any) -> None:
    from layerscope import analyze

    inner = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="inner_dense")], name="inner"
    )
    inputs = keras.Input((4,), name="x")
    model = keras.Model(inputs, keras.layers.Dense(2, name="head")(inner(inputs)), name="outer")
    html = render_html(analyze(model))
    assert 'data-path="inner" data-depth="0"' in html
    assert 'data-path="inner/inner_dense" data-parent="inner" data-depth="1"' in html
    assert "1 inside" in html and "Collapse all" in html


# -- the fragment -------------------------------------------------------------------------


def test_fragment_is_one_root_element(fragment: str) -> None:
    parsed = outline(fragment)
    assert parsed.top == ["div"]
    assert fragment.startswith('<div class="layerscope ls-fragment" id="ls-')
    assert "<!doctype" not in fragment.lower()
    assert not {"html", "head", "body", "meta", "link"} & {tag for tag, _ in parsed.tags}


def test_fragment_ids_all_share_the_prefix(fragment: str) -> None:
    parsed = outline(fragment)
    root = parsed.ids[0]
    assert re.fullmatch(r"ls-[0-9a-f]{10}", root)
    assert len(parsed.ids) > 20  # the diagram's and the charts' ids are prefixed too
    assert all(i == root or i.startswith(root + "-") for i in parsed.ids), parsed.ids
    assert len(set(parsed.ids)) == len(parsed.ids)
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', fragment):
        assert reference in parsed.ids, reference


def test_every_fragment_css_rule_is_scoped(fragment: str) -> None:
    parsed = outline(fragment)
    selectors = css_selectors("".join(parsed.styles))
    assert len(selectors) > 50
    for selector in selectors:
        assert selector.startswith(".layerscope"), selector
        assert ":root" not in selector and not re.search(r"(^|[\s,>+~])(html|body)\b", selector)


def test_two_reports_get_distinct_prefixes(seed_report: Any, fragment: str) -> None:
    other = render_html(dataclasses.replace(seed_report, data_fit=None), fragment=True)
    assert not set(outline(fragment).ids) & set(outline(other).ids)
    chosen = render_html(seed_report, fragment=True, id_prefix="docs-a")
    assert chosen.startswith('<div class="layerscope ls-fragment" id="docs-a"')
    with pytest.raises(UsageError, match="id_prefix"):
        render_html(seed_report, fragment=True, id_prefix='x" onload="y')


def test_repr_html_is_the_fragment(seed_report: Any, fragment: str) -> None:
    assert seed_report._repr_html_() == fragment
    assert seed_report.to_html(fragment=True) == fragment


# -- hostile names -------------------------------------------------------------------------


@pytest.mark.parametrize("fragment_mode", [False, True])
def test_hostile_names_are_text_everywhere(hostile_report: Any, fragment_mode: bool) -> None:
    html = render_html(hostile_report, fragment=fragment_mode)
    for name in HOSTILE.values():
        assert name not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html
    assert "{{ 7 * 7 }}" in html and ">49<" not in html
    assert "&lt;b&gt;model&lt;/b&gt; &amp; co" in html
    parsed = outline(html)
    assert len(parsed.scripts) == 1 and "alert" not in parsed.scripts[0]
    for tag, attributes in parsed.tags:
        assert tag != "img"
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)


def test_hostile_names_from_a_real_keras_model(keras: Any) -> None:
    """The whole path: Keras layer names -> capture -> analyses -> diagram -> HTML."""
    from layerscope import analyze

    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((4,)),
            L.Dense(3, name="<img src=x onerror=alert(1)>"),
            L.Dense(2, name='"><svg onload=alert(1)>'),
        ],
        name="<script>alert(3)<\\script>",
    )
    html = render_html(analyze(model, training_samples=10))
    assert "<img src=x" not in html and "<svg onload" not in html and "<script>alert" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 3  # table, chart, diagram
    assert "&lt;script&gt;alert(3)&lt;\\script&gt;" in html
    parsed = outline(html)
    assert len(parsed.scripts) == 1
    assert all(not name.startswith("on") for _, attrs in parsed.tags for name in attrs)


def test_control_characters_in_names_are_made_visible(seed_report: Any) -> None:
    report = renamed(
        seed_report,
        {"Hidden1": "evil\u202eexe.txt", "Hidden2": "two\n\nlines"},
        model_name="bell\x07",
    )
    html = render_html(report, fragment=True)
    assert "\u202e" not in html and "\x07" not in html
    assert ">evil\\u202eexe.txt<" in html and ">two\\x0a\\x0alines<" in html
    assert ">bell\\x07</h2>" in html
    assert not re.search(r"\n[ \t]*\n", html)  # no blank line ends a Markdown HTML block


def test_hostile_names_inside_the_diagram_svg(hostile_report: Any) -> None:
    html = render_html(hostile_report, sections="diagram")
    svg = re.search(r"<svg[^>]*ls-diagram-svg.*?</svg>", html, re.S)
    assert svg is not None
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg.group(0)
    assert "<img" not in svg.group(0) and "<script" not in svg.group(0)


def test_clean_svg_keeps_drawing_and_drops_everything_else() -> None:
    svg = (
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" width="10pt" viewBox="0 0 10 10" '
        'onload="alert(1)"><!-- a comment --><defs><linearGradient id="g"/></defs>'
        '<g id="node1" class="node"><title>&lt;b&gt;</title>'
        '<rect fill="url(#g)" style="fill: url(http://evil/x)"/>'
        '<a xlink:href="http://evil/"><text>x</text></a><a xlink:href="#node1">y</a>'
        "<script>alert(2)</script><foreignObject><div>z</div></foreignObject></g></svg>"
    )
    cleaned = str(clean_svg(svg, "p", "Diagram of <m>"))
    assert "alert" not in cleaned and "evil" not in cleaned and "comment" not in cleaned
    assert "foreignObject" not in cleaned and "<div" not in cleaned
    assert 'id="p-g"' in cleaned and 'fill="url(#p-g)"' in cleaned
    assert 'id="p-node1"' in cleaned and 'href="#p-node1"' in cleaned
    assert "<title>&lt;b&gt;</title>" in cleaned
    assert 'aria-label="Diagram of &lt;m&gt;"' in cleaned
    assert "xmlns" not in cleaned
    with pytest.raises(RenderError):
        clean_svg("<svg><g></svg>", "p", "x")


# -- options, templates, failures ---------------------------------------------------------


def test_sections_option(seed_report: Any) -> None:
    html = render_html(seed_report, sections="header,layers")
    assert "Hidden1" in html and 'class="ls-diagram-svg"' not in html and ">Charts<" not in html
    assert ">Data fit<" not in html
    assert render_html(seed_report, sections=["layers", "header"]) == html
    with pytest.raises(UsageError, match=r"comma list of .*got 'header,diagrams'"):
        render_html(seed_report, sections="header,diagrams")
    assert SECTIONS[0] == "header"


def test_title_theme_and_bad_options(seed_report: Any) -> None:
    html = render_html(seed_report, title="Seed <MLP>", theme="dark")
    assert "<title>Seed &lt;MLP&gt; · layerscope report</title>" in html
    assert ">Seed &lt;MLP&gt;</h1>" in html and 'data-theme="dark"' in html
    with pytest.raises(UsageError, match="theme must be one of"):
        render_html(seed_report, theme="blue")
    with pytest.raises(UsageError, match="unknown render_html option"):
        render_html(seed_report, colour="red")


def test_user_template_extends_the_default(seed_report: Any, tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text(
        '{% extends "default:report.html" %}'
        '{% block footer %}<footer class="mine">Our model zoo: {{ report.name }}</footer>'
        "{% endblock %}",
        encoding="utf-8",
    )
    (tmp_path / "_charts.html").write_text(
        '<section id="{{ ids.charts }}">No charts here</section>', encoding="utf-8"
    )
    html = render_html(seed_report, template_dir=str(tmp_path))
    assert '<footer class="mine">Our model zoo: sequential</footer>' in html
    assert "No charts here" in html and "Generated by" not in html
    assert "316,810" in html


def test_template_errors_are_render_errors(seed_report: Any, tmp_path: Path) -> None:
    (tmp_path / "_layers.html").write_text("{{ no_such_variable }}", encoding="utf-8")
    with pytest.raises(RenderError, match="no_such_variable"):
        render_html(seed_report, template_dir=str(tmp_path))
    with pytest.raises(UsageError, match="template_dir must be an existing folder"):
        render_html(seed_report, template_dir=str(tmp_path / "missing"))


def test_diagram_failure_leaves_a_notice(seed_report: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import layerscope.render.dot as dot

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RenderError("dot crashed <badly>")

    monkeypatch.setattr(dot, "diagram_svg", broken)
    html = render_html(seed_report)
    assert "The diagram could not be drawn: dot crashed &lt;badly&gt;" in html
    assert "316,810" in html and 'class="ls-diagram-svg"' not in html


def test_save_html_writes_atomically(seed_report: Any, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    assert save_html(seed_report, target) == str(target)
    assert "316,810" in target.read_text(encoding="utf-8")
    with pytest.raises(RenderError, match="does not exist"):
        save_html(seed_report, tmp_path / "nowhere" / "r.html")


def test_charts_are_drawn_to_scale(seed_report: Any) -> None:
    svg = str(charts.widths_chart([300, 200, 100], ["a", "b", "<c>"], "funnel", "w"))
    widths = [
        float(w)
        for w in re.findall(
            r'<rect class="ls-c-weight" x="[\d.]+" y="[\d.]+" '
            r'width="([\d.]+)"',
            svg,
        )
    ]
    assert len(widths) == 3
    assert widths[0] == pytest.approx(1.5 * widths[1]) == pytest.approx(3 * widths[2])
    assert "&lt;c&gt;" in svg and "<c>" not in svg
    bars = charts.parameter_bars(seed_report, top=2)
    assert [(b.label, b.value) for b in bars] == [
        ("Hidden1", 235_500),
        ("Hidden2", 60_200),
        ("2 other layers", 21_110),
    ]
    assert charts.widths_chart([]) == ""
    stages = [
        Stage(stage="7x7", layers=33, params=14_998_528, macs=0, share=0.585),
        Stage(stage="head", layers=1, params=2_049_000, macs=0, share=0.08),
    ]
    assert [(b.label, b.caption) for b in charts.stage_bars(stages)] == [
        ("7x7 (33 layers)", "14,998,528 · 58.5%"),
        ("head (1 layer)", "2,049,000 · 8.0%"),
    ]
    assert 'id="s-title">Parameters by stage</title>' in str(charts.stages_chart(stages, "s"))


# -- the command line ----------------------------------------------------------------------


def test_cli_report(seed_path: Path, tmp_path: Path) -> None:
    from cli_runner import invoke

    out = tmp_path / "seed.html"
    result = invoke(
        ["report", str(seed_path), "-o", str(out), "--samples", "55000", "--title", "Seed MLP"]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "316,810" in html and "55,000" in html
    assert ">Seed MLP</h1>" in html

    frag = tmp_path / "seed-fragment.html"
    result = invoke(["report", str(seed_path), "-o", str(frag), "--fragment"])
    assert result.exit_code == 0, result.output
    text = frag.read_text(encoding="utf-8")
    assert text.startswith('<div class="layerscope ls-fragment"') and "Data fit" not in text


def test_fragment_survives_a_commonmark_page(fragment: str) -> None:
    """MkDocs-style embedding: the fragment pasted into Markdown comes out untouched."""
    import markdown_it  # a declared test dependency: a broken install fails, never skips

    document = f"# Our model\n\nSome prose.\n\n{fragment}\nMore prose after the report.\n"
    html = markdown_it.MarkdownIt("commonmark").render(document)
    assert fragment.strip() in html
    assert "<p>More prose after the report.</p>" in html
