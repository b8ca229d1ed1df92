"""One insights builder: text, Markdown and HTML show the same facts in the same words."""

from __future__ import annotations

import html
import re

from layerscope.analysis import run_analyses
from layerscope.render.html import render_html
from layerscope.render.sections import Fact, insights
from layerscope.report import CapturedModel, Edge, LayerReport, Variable

NOT_COUNTED = (
    "'block': no MAC rule for MyBlock and its calls were not traced "
    "(the static engine reads no code)"
)


def sequence_model() -> CapturedModel:
    """A Dense over a variable-length sequence, then a custom block nobody has a rule for."""
    rows = (
        LayerReport(
            name="tokens",
            path="tokens",
            depth=0,
            class_name="InputLayer",
            output_shapes=((None, None, 8),),
        ),
        LayerReport(
            name="proj",
            path="proj",
            depth=0,
            class_name="Dense",
            variables=(
                Variable("kernel", "proj/kernel", "weight", (8, 4), "float32", True),
                Variable("bias", "proj/bias", "bias", (4,), "float32", True),
            ),
            input_shapes=((None, None, 8),),
            output_shapes=((None, None, 4),),
            inbound=("tokens",),
            config={"units": 4},
        ),
        LayerReport(
            name="block",
            path="block",
            depth=0,
            class_name="MyBlock",
            variables=(Variable("w", "block/w", "weight", (4, 4), "float32", True),),
            input_shapes=((None, None, 4),),
            output_shapes=((None, None, 4),),
            inbound=("proj",),
        ),
    )
    return CapturedModel(
        name="seq",
        class_name="Functional",
        layers=rows,
        edges=(Edge("tokens", "proj"), Edge("proj", "block")),
        inputs=("tokens",),
        outputs=("block",),
        input_shapes=((None, None, 8),),
    )


def _visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_html_shows_every_fact_and_sentence_the_text_shows() -> None:
    report = run_analyses(sequence_model(), training_samples=100)
    built = {item.key: item for item in insights(report)}
    assert list(built) == ["data_fit", "architecture", "compute", "memory"]
    compute = built["compute"].facts
    assert Fact("Not counted", NOT_COUNTED) in compute
    assert any(fact.label == "Per unknown length" and "'proj'" in fact.value for fact in compute)
    text = report.to_text(width=120)
    page = _visible_text(render_html(report, sections="header,data_fit,architecture,cost"))
    for item in built.values():
        for fact in item.facts:
            # Long facts wrap in the terminal: compare the words.
            assert " ".join(fact.line().split()) in " ".join(text.split()), fact
            assert f"{fact.label} {' '.join(fact.value.split())}" in page, fact
        for note in item.notes:
            assert note in text.replace("\n  ", " ") or note in " ".join(text.split())
            assert " ".join(note.split()) in page, note


def test_html_says_what_the_macs_count_once_on_a_row_of_its_own() -> None:
    """The convention is the compute insight's Counts fact; the page does not repeat it in
    a caption, and a sentence-long fact spans the facts grid instead of a narrow cell."""
    report = run_analyses(sequence_model(), training_samples=100)
    page = render_html(report, sections="cost")
    convention = html.escape(report.cost.convention, quote=False)
    assert page.count(convention) == 1
    assert f'<div class="ls-wide"><dt>Counts</dt><dd>{convention}</dd></div>' in page
    assert "<div><dt>MACs per sample</dt>" in page  # a short fact keeps its cell


def test_markdown_prints_the_same_lines() -> None:
    report = run_analyses(sequence_model())
    markdown = report.to_markdown()
    for item in insights(report):
        assert f"#### {item.title}" in markdown
        assert len(item.facts) + len(item.notes) == len(item.lines())
    assert "Not counted:" in markdown and NOT_COUNTED in markdown
