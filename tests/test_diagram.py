"""Graphviz diagrams (issue 3): exact labels, every edge, safe names, deterministic DOT, and
rendering with both programs: the pip-installed ``graphviz-pure`` and Debian's ``dot``.

Each rendering test names its program through ``LAYERSCOPE_DOT`` and checks the SVG's
generator comment, so a silent fallback to the other program cannot pass for the one asked.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, application_names
from zoo import ZOO

from layerscope.errors import RenderError, UsageError
from layerscope.render import dot as dotmod
from layerscope.render.dot import (
    diagram_svg,
    find_graphviz_pure,
    label_text,
    quote,
    render_bytes,
    render_diagram,
    render_dot,
    to_graphviz,
    to_pydot,
)
from layerscope.report import CapturedModel, Edge, LayerReport, ModelReport, Variable

ROOT = Path(__file__).resolve().parent.parent
DEBIAN_DOT = "/usr/bin/dot"
SVG_NS = "{http://www.w3.org/2000/svg}"
NO_DEBIAN_DOT = (
    "Debian's Graphviz is not installed (/usr/bin/dot is absent; apt-get install graphviz)"
)


def _pure() -> str:
    found = find_graphviz_pure()
    assert found, "graphviz-pure (a layerscope dependency) is not installed"
    return found


PROGRAMS = [
    pytest.param("graphviz-pure", id="graphviz-pure"),
    pytest.param(
        "debian-dot",
        id="debian-dot",
        marks=pytest.mark.skipif(not os.path.exists(DEBIAN_DOT), reason=NO_DEBIAN_DOT),
    ),
]


def _command(program: str) -> str:
    return _pure() if program == "graphviz-pure" else DEBIAN_DOT


@pytest.fixture(params=PROGRAMS)
def program(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each rendering test runs once per program, chosen through LAYERSCOPE_DOT."""
    monkeypatch.setenv("LAYERSCOPE_DOT", _command(request.param))
    return str(request.param)


def assert_rendered_by(svg: str, program: str) -> None:
    generator = svg[: svg.find("<svg")]
    if program == "graphviz-pure":
        assert "(graphviz-pure)" in generator, generator
    else:
        assert "graphviz version 2." in generator and "graphviz-pure" not in generator, generator


def svg_texts(svg: str | bytes) -> list[str]:
    """The text of every <text> element, parsing the SVG as XML (which must succeed)."""
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    assert root.tag == f"{SVG_NS}svg"
    return ["".join(element.itertext()) for element in root.iter(f"{SVG_NS}text")]


ALLOWED_SVG_TAGS = {"svg", "g", "title", "polygon", "path", "text", "ellipse", "polyline"}


def assert_no_injected_markup(svg: str) -> None:
    root = ET.fromstring(svg.encode("utf-8"))
    for element in root.iter():
        tag = element.tag.replace(SVG_NS, "")
        assert tag in ALLOWED_SVG_TAGS, f"unexpected element <{tag}> in the SVG"
        for attribute in element.attrib:
            assert not attribute.lower().startswith("on"), attribute


def edges_of(dot_source: str) -> list[str]:
    return [line.strip() for line in dot_source.splitlines() if "->" in line]


# -- the seed model: golden DOT, exact labels, determinism --------------------------------


def test_seed_golden_dot(seed_report: ModelReport, golden: Any) -> None:
    golden("mnist_mlp.dot", render_dot(seed_report))


def test_seed_dot_shows_the_real_numbers(seed_report: ModelReport) -> None:
    source = render_dot(seed_report)
    assert "235,500 params: 235,200 w + 300 b" in source
    assert "60,200 params: 60,000 w + 200 b" in source
    assert "1,010 params: 1,000 w + 10 b" in source
    assert "74.3% of all params, trainable" in source
    assert "in (None, 28, 28) -&gt; out (None, 784)" in source  # Flatten's 28x28 input
    assert "316,810 params (1.21 MiB), 316,810 trainable, 0 non-trainable" in source
    assert edges_of(source) == ["n0 -> n1", "n1 -> n2", "n2 -> n3", "n3 -> n4"]
    # Hidden1 holds 74% of the params: the strongest fill; Output (0.3%) the lightest.
    assert "n1 [label=<" in source and 'fillcolor="#2171b5"' in _node_line(source, "n1")
    assert 'fillcolor="#eef4fb"' in _node_line(source, "n4")
    assert "splines" not in source and "ortho" not in source


def _node_line(source: str, node_id: str) -> str:
    return next(line for line in source.splitlines() if line.strip().startswith(f"{node_id} ["))


def test_dot_is_byte_identical_across_runs(
    seed_model: Any, seed_report: ModelReport, tmp_path: Path
) -> None:
    from layerscope import analyze

    first = render_dot(seed_report)
    assert render_dot(analyze(seed_model, training_samples=55000)) == first
    # A fresh interpreter with a different hash seed gives the same bytes.
    pickled = tmp_path / "report.pickle"
    pickled.write_bytes(pickle.dumps(seed_report))
    script = (
        "import pickle, sys\n"
        "from layerscope.render.dot import render_dot\n"
        f"report = pickle.load(open({str(pickled)!r}, 'rb'))\n"
        "sys.stdout.write(render_dot(report))\n"
    )
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, env=env, check=True
        )
        assert result.stdout.decode("utf-8") == first


def test_graphviz_and_pydot_objects(seed_report: ModelReport) -> None:
    import graphviz
    import pydot

    source = render_dot(seed_report)
    graph = to_graphviz(seed_report)
    assert isinstance(graph, graphviz.Digraph)
    assert graph.source == source
    assert seed_report.to_graphviz(rankdir="LR").source == render_dot(seed_report, rankdir="LR")
    parsed = to_pydot(seed_report)
    assert isinstance(parsed, pydot.Dot)
    assert parsed.get_name() == "layerscope"
    names = sorted(node.get_name() for node in parsed.get_nodes())
    assert {"n0", "n1", "n2", "n3", "n4"} <= set(names)
    assert [(e.get_source(), e.get_destination()) for e in parsed.get_edges()] == [
        ("n0", "n1"),
        ("n1", "n2"),
        ("n2", "n3"),
        ("n3", "n4"),
    ]


def test_rankdir(seed_report: ModelReport) -> None:
    assert "rankdir=LR" in render_dot(seed_report, rankdir="lr")
    with pytest.raises(UsageError, match="rankdir must be one of TB, LR, BT, RL; got 'sideways'"):
        render_dot(seed_report, rankdir="sideways")


def test_cli_dot_output_equals_the_golden(seed_path: Path, tmp_path: Path) -> None:
    from cli_runner import invoke

    target = tmp_path / "seed.dot"
    result = invoke(["diagram", str(seed_path), "-o", str(target)])
    assert result.exit_code == 0, result.output
    expected = (ROOT / "tests" / "golden" / "mnist_mlp.dot").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == expected


def test_cli_render_failure_is_one_line(
    seed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_runner import invoke

    monkeypatch.setenv("LAYERSCOPE_DOT", "/nonexistent/dot")
    target = tmp_path / "seed.svg"
    result = invoke(["diagram", str(seed_path), "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr == (
        "layerscope: error: LAYERSCOPE_DOT is '/nonexistent/dot', which does not run as a "
        "Graphviz program (its -V failed)\n"
    )
    assert not target.exists()


def test_committed_example_svg() -> None:
    svg = (EXAMPLES / "mnist_mlp.svg").read_text(encoding="utf-8")
    texts = svg_texts(svg)
    for name in ("Flatten", "Hidden1", "Hidden2", "Hidden3", "Output", "sequential"):
        assert name in texts
    assert "235,500 params: 235,200 w + 300 b" in texts


# -- rendering with each program -------------------------------------------------------------


def test_svg_png_and_dot_files(seed_report: ModelReport, program: str, tmp_path: Path) -> None:
    svg_path = Path(render_diagram(seed_report, tmp_path / "seed.svg"))
    svg = svg_path.read_text(encoding="utf-8")
    assert_rendered_by(svg, program)
    texts = svg_texts(svg)
    for text in (
        "Hidden1",
        "Dense",
        "out (None, 300)",
        "235,500 params: 235,200 w + 300 b",
        "74.3% of all params, trainable",
        "share of all params",
        "50% or more",
    ):
        assert text in texts
    png = Path(render_diagram(seed_report, tmp_path / "seed.PNG")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert 200 < width < 1000 and 400 < height < 2000
    dot_file = Path(render_diagram(seed_report, tmp_path / "seed.gv"))
    assert dot_file.read_text(encoding="utf-8") == render_dot(seed_report)


def test_diagram_svg_is_inlinable(seed_report: ModelReport, program: str) -> None:
    svg = diagram_svg(seed_report, rankdir="LR")
    assert svg.startswith("<svg")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert "Hidden1" in svg_texts(svg)


def test_pdf_with_debian_dot(
    seed_report: ModelReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not os.path.exists(DEBIAN_DOT):
        pytest.skip(NO_DEBIAN_DOT)
    monkeypatch.setenv("LAYERSCOPE_DOT", DEBIAN_DOT)
    pdf = Path(render_diagram(seed_report, tmp_path / "seed.pdf")).read_bytes()
    assert pdf.startswith(b"%PDF-")


def test_without_system_graphviz(
    seed_report: ModelReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain pip install: no `dot` on PATH, no LAYERSCOPE_DOT; graphviz-pure is found
    beside the Python interpreter and renders SVG; PDF gets one clear error."""
    monkeypatch.delenv("LAYERSCOPE_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    programs = dotmod.graphviz_programs()
    assert [p.command for p in programs] == [(_pure(),)] and programs[0].is_pure
    assert_rendered_by(render_bytes(seed_report, "svg").decode(), "graphviz-pure")
    with pytest.raises(RenderError, match="PDF diagrams need a system Graphviz"):
        render_diagram(seed_report, tmp_path / "seed.pdf")
    assert not (tmp_path / "seed.pdf").exists()


def test_system_dot_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    if not os.path.exists(DEBIAN_DOT):
        pytest.skip(NO_DEBIAN_DOT)
    monkeypatch.delenv("LAYERSCOPE_DOT", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    programs = dotmod.graphviz_programs()
    assert programs[0].command == (DEBIAN_DOT,) and not programs[0].is_pure
    assert programs[1].command == (_pure(),)


def test_unknown_suffix_is_a_usage_error(seed_report: ModelReport, tmp_path: Path) -> None:
    with pytest.raises(
        UsageError,
        match=r"must end in \.svg, \.png, \.pdf, \.dot or \.gv; "
        r"got '.*model\.jpeg'",
    ):
        render_diagram(seed_report, tmp_path / "model.jpeg")


def test_bad_layerscope_dot(seed_report: ModelReport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYERSCOPE_DOT", "/nonexistent/dot")
    expected = "LAYERSCOPE_DOT is '/nonexistent/dot', which does not run"
    with pytest.raises(RenderError, match=expected):
        diagram_svg(seed_report)


def _fake_dot(tmp_path: Path, body: str) -> Path:
    """A `dot` look-alike: answers -V, logs its arguments, then runs ``body``."""
    script = tmp_path / "fakedot"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-V" ]; then echo "dot - fake graphviz version 0.0" >&2; exit 0; fi\n'
        f'echo "$*" >> "{tmp_path}/calls.log"\n' + body,
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_failed_render_retries_with_safe_settings(
    seed_report: ModelReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Crashes like dot 2.43's ortho assertion unless given the safe settings.
    fake = _fake_dot(
        tmp_path,
        'case "$*" in *splines=line*) exec "' + _pure() + '" "$@";; esac\n'
        'echo "Error: trouble in init_rank" >&2\nkill -ABRT $$\n',
    )
    monkeypatch.setenv("LAYERSCOPE_DOT", str(fake))
    svg = diagram_svg(seed_report)
    assert "Hidden1" in svg_texts(svg)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 2
    assert "-Gsplines=line" not in calls[0] and "-Gsplines=line" in calls[1]


def test_failed_render_falls_back_to_the_other_program(
    seed_report: ModelReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_dot(tmp_path, 'echo "Error: no luck" >&2\nexit 3\n')
    monkeypatch.setenv("LAYERSCOPE_DOT", str(fake))
    monkeypatch.setenv("PATH", str(tmp_path))  # no system dot: the other one is graphviz-pure
    svg = render_bytes(seed_report, "svg").decode()
    assert_rendered_by(svg, "graphviz-pure")
    assert len((tmp_path / "calls.log").read_text().splitlines()) == 2


def test_every_program_failing_is_one_clear_error(
    seed_report: ModelReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_dot(tmp_path, 'echo "Warning: ignore me" >&2\necho "Error: no luck" >&2\nexit 3\n')
    monkeypatch.setenv("LAYERSCOPE_DOT", str(fake))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dotmod, "find_graphviz_pure", lambda: None)
    with pytest.raises(RenderError) as caught:
        render_diagram(seed_report, tmp_path / "out.svg")
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        f"could not render the svg diagram; {fake}: exit status 3: Error: no luck; "
        f"{fake} (safe settings): exit status 3: Error: no luck"
    )
    assert not (tmp_path / "out.svg").exists()


def test_timeout_is_reported(
    seed_report: ModelReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_dot(tmp_path, "exec /bin/sleep 5\n")
    monkeypatch.setenv("LAYERSCOPE_DOT", str(fake))
    monkeypatch.setenv("LAYERSCOPE_DOT_TIMEOUT", "0.5")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dotmod, "find_graphviz_pure", lambda: None)
    with pytest.raises(RenderError, match=r"timed out after 0\.5 s"):
        diagram_svg(seed_report)


# -- graphs: multi-input/output, shared layers, nested models, frozen layers --------------


@pytest.fixture(scope="module")
def graph_report(keras: Any) -> ModelReport:
    """Two inputs, a frozen nested Sequential, a shared layer called on its own output, a
    nested Functional with two inputs and two outputs (one also feeding its next layer)."""
    from layerscope import analyze

    L = keras.layers
    inner = keras.Sequential(
        [
            keras.Input((8,)),
            L.Dense(4, name="a"),
            L.BatchNormalization(name="bn"),
            L.Dense(3, name="b"),
        ],
        name="enc",
    )
    inner.trainable = False
    in_1, in_2 = keras.Input((3,), name="fi1"), keras.Input((5,), name="fi2")
    six = L.Dense(6, name="fd")(L.Concatenate(name="cat")([in_1, in_2]))
    func = keras.Model([in_1, in_2], [six, L.Dense(2, name="fd2")(six)], name="func_inner")
    x, x2 = keras.Input((8,), name="x"), keras.Input((5,), name="x2")
    shared = L.Dense(3, name="shared")
    once = shared(inner(x))
    out_a, out_b = func([shared(once), x2])
    head = L.Dense(2, name="head")(L.Concatenate(name="join")([out_a, out_b, once]))
    return analyze(keras.Model([x, x2], [head, out_b], name="outer"))


GRAPH_IDS = {
    "x": "n0",
    "enc": "n1",
    "enc/a": "n2",
    "enc/bn": "n3",
    "enc/b": "n4",
    "shared": "n5",
    "x2": "n6",
    "func_inner": "n7",
    "func_inner/fi1": "n8",
    "func_inner/fi2": "n9",
    "func_inner/cat": "n10",
    "func_inner/fd": "n11",
    "func_inner/fd2": "n12",
    "join": "n13",
    "head": "n14",
}


def test_node_ids_follow_row_order(graph_report: ModelReport) -> None:
    assert {row.path: f"n{i}" for i, row in enumerate(graph_report.layers)} == GRAPH_IDS


def test_collapsed_nested_models_and_every_edge(graph_report: ModelReport) -> None:
    source = render_dot(graph_report)
    assert edges_of(source) == [
        "n0 -> n1",
        "n1 -> n5",
        "n5 -> n5",  # the shared layer called on its own output
        "n5 -> n7",
        "n6 -> n7",
        "n7 -> n13 [label=<(None, 6)>]",  # a nested model's two outputs, told apart
        "n7 -> n13 [label=<(None, 2)>]",
        "n5 -> n13",
        "n13 -> n14",
    ]
    assert "cluster_n" not in source
    for inner in ("n2 [", "n3 [", "n8 [", "n12 ["):
        assert inner not in source
    enc = _node_line(source, "n1")
    assert "Sequential (nested model)" in enc
    assert "67 params: 44 w + 7 b + 8 norm + 8 stats" in enc
    assert "39.2% of all params, frozen" in enc
    assert 'style="rounded,filled,dashed"' in enc and 'fillcolor="#e3e3e3"' in enc
    assert "Dense, shared: 2 calls" in _node_line(source, "n5")
    assert "frozen (dashed)" in source  # the legend explains the frozen style


def test_expanded_nested_models_reroute_edges(graph_report: ModelReport) -> None:
    source = render_dot(graph_report, expand_nested=True)
    assert edges_of(source) == [
        "n0 -> n2",  # into enc: its first row
        "n2 -> n3",
        "n3 -> n4",
        "n4 -> n5",  # out of enc: its last row
        "n5 -> n5",
        "n5 -> n8",  # (None, 3) lands on the inner input of that shape...
        "n6 -> n9",  # ...and (None, 5) on the other one
        "n8 -> n10",
        "n9 -> n10",
        "n10 -> n11",
        "n11 -> n12",
        "n11 -> n13",  # fd is an output of func_inner although it also feeds fd2
        "n12 -> n13",
        "n5 -> n13",
        "n13 -> n14",
    ]
    assert "subgraph cluster_n1 {" in source and "subgraph cluster_n7 {" in source
    assert "n1 [" not in source and "n7 [" not in source
    assert "<B>enc</B>" in source and "Sequential: 67 params" in source
    for node in ("n2", "n3", "n4"):
        assert "frozen" in _node_line(source, node)
    assert "16 params: 8 norm + 8 stats" in _node_line(source, "n3")


def test_nested_model_inside_a_nested_model_expands_recursively(keras: Any) -> None:
    from layerscope import analyze

    report = analyze(ZOO["nested"](keras))
    paths = [row.path for row in report.layers]
    source = render_dot(report, expand_nested=True)
    encoder, block = paths.index("encoder"), paths.index("encoder/block")
    assert f"subgraph cluster_n{encoder} {{" in source
    assert f"\t\tsubgraph cluster_n{block} {{" in source  # drawn inside the encoder's cluster
    x, head = paths.index("x"), paths.index("head")
    enc_in, inner_a = paths.index("encoder/enc_in"), paths.index("encoder/block/inner_a")
    inner_bn, enc_out = paths.index("encoder/block/inner_bn"), paths.index("encoder/enc_out")
    assert edges_of(source) == [
        f"n{x} -> n{enc_in}",
        f"n{enc_in} -> n{inner_a}",
        f"n{inner_a} -> n{inner_bn}",
        f"n{inner_bn} -> n{enc_out}",
        f"n{enc_out} -> n{head}",
    ]
    assert edges_of(render_dot(report)) == [f"n{x} -> n{encoder}", f"n{encoder} -> n{head}"]


@pytest.mark.parametrize("expand", [False, True], ids=["collapsed", "expanded"])
def test_graph_renders_with_every_group_named(
    graph_report: ModelReport, program: str, expand: bool
) -> None:
    svg = diagram_svg(graph_report, expand_nested=expand)
    texts = svg_texts(svg)
    visible = [row.name for row in graph_report.layers if expand or row.depth == 0]
    for name in visible:
        assert name in texts
    if not expand:
        assert "fd2" not in texts


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_renders(keras: Any, name: str, program: str) -> None:
    from layerscope import analyze

    report = analyze(ZOO[name](keras))
    for expand in (False, True):
        svg = render_bytes(report, "svg", expand_nested=expand).decode("utf-8")
        assert_rendered_by(svg, program)
        texts = svg_texts(svg)
        for row in report.layers:
            if expand or row.depth == 0:
                assert row.name in texts, row.name


# -- hostile names ---------------------------------------------------------------------------

HOSTILE = [
    # (name, how the diagram shows it)
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("<script>alert(1)<script>", "<script>alert(1)<script>"),
    ("a&b", "a&b"),
    ("&amp; &lt;x&gt; &#60;", "&amp; &lt;x&gt; &#60;"),
    ('"quoted"', '"quoted"'),
    ("'single'", "'single'"),
    ("{rec|ord} <port>", "{rec|ord} <port>"),
    ("[br]ack] a]]>b", "[br]ack] a]]>b"),
    ("back\\slash", "back\\slash"),
    ("\\N\\G\\L\\n\\l\\E", "\\N\\G\\L\\n\\l\\E"),
    ("ends\\", "ends\\"),
    ("new\nline", "new\\x0aline"),
    ("cr\rtab\t", "cr\\x0dtab\\x09"),
    ("ctl\x1b[31m\x00\x7f", "ctl\\x1b[31m\\x00\\x7f"),
    ("\u202eevil\u200b", "\\u202eevil\\u200b"),
    ("non-character \uffff", "non-character \\uffff"),
    ("ünï©ødé 名前 😀 ‮", "ünï©ødé 名前 😀 \\u202e"),
    ("--> <!-- x", "--> <!-- x"),
]
HAND_BUILT = [
    # Keras refuses '/' in names; a hand-built report covers closing tags.
    ("<b>bold</b>", "<b>bold</b>"),
    ("<a href='javascript:x'>link</a>", "<a href='javascript:x'>link</a>"),
    ("</TD></TR></TABLE>> <TABLE>", "</TD></TR></TABLE>> <TABLE>"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    # TensorFlow cannot encode a lone surrogate, so Keras cannot name a layer with one.
    ("lone \ud800 \udfff", "lone \\ud800 \\udfff"),
]


def _hostile_report(keras: Any, name: str) -> ModelReport:
    from layerscope import analyze

    L = keras.layers
    inputs = keras.Input((3,), name=f"{name}_in")
    hidden = L.Dense(4, name=name)(inputs)
    outputs = L.Dense(2, name=f"{name}_out")(hidden)
    return analyze(keras.Model(inputs, outputs, name=name))


def _hand_built_report(seed_report: ModelReport, name: str) -> ModelReport:
    layers = tuple(
        dataclasses.replace(row, name=f"{name}_{row.name}" if i else name, class_name=name)
        for i, row in enumerate(seed_report.layers)
    )
    return dataclasses.replace(seed_report, name=name, class_name=name, layers=layers)


def _check_hostile(report: ModelReport, shown: list[str], program: str) -> None:
    source = render_dot(report)
    # No raw control or line-breaking character survives: one DOT statement per line.
    assert all(char in "\t\n" or char.isprintable() for char in source)
    parsed = to_pydot(report)
    assert {"n0", "n1", "n2"} <= {node.get_name() for node in parsed.get_nodes()}
    svg = render_bytes(report, "svg").decode("utf-8")
    assert_rendered_by(svg, program)
    assert_no_injected_markup(svg)
    texts = [text.strip() for text in svg_texts(svg)]
    for text in shown:
        assert text in texts, (text, texts)


@pytest.mark.parametrize(("name", "shown"), HOSTILE, ids=[repr(n) for n, _ in HOSTILE])
def test_hostile_keras_names(keras: Any, name: str, shown: str, program: str) -> None:
    report = _hostile_report(keras, name)
    assert report.name == name and report.layers[1].name == name
    _check_hostile(report, [shown, f"{shown}_in", f"{shown}_out"], program)


@pytest.mark.parametrize(("name", "shown"), HAND_BUILT, ids=[repr(n) for n, _ in HAND_BUILT])
def test_hostile_hand_built_names(
    seed_report: ModelReport, name: str, shown: str, program: str
) -> None:
    report = _hand_built_report(seed_report, name)
    _check_hostile(report, [shown, f"{shown}_Hidden1", f"({shown})"], program)
    dot_source = render_dot(report, expand_nested=True)
    assert "</b>" not in dot_source and "<script>" not in dot_source


def test_label_text_and_quote() -> None:
    assert label_text('<a href="x">&\'{|}[]\\') == (
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&#123;&#124;&#125;&#91;&#93;&#92;&#92;"
    )
    assert label_text("a\nb\x1b") == "a&#92;&#92;x0ab&#92;&#92;x1b"
    assert quote('say "hi" \\ bye\n') == '"say \\"hi\\" \\\\ bye\\\\x0a"'


def test_long_names_are_cut(seed_report: ModelReport) -> None:
    report = _hand_built_report(seed_report, "x" * 500)
    source = render_dot(report)
    assert "x" * 79 + "…" in source and "x" * 80 not in source


# -- big models ----------------------------------------------------------------------------


def _chain_report(length: int) -> CapturedModel:
    """A hand-built 500-layer chain (no Keras), heavy enough to test the PNG bounds."""
    rows = []
    for index in range(length):
        kernel = Variable("kernel", f"d{index}/kernel", "weight", (64, 64), "float32", True)
        bias = Variable("bias", f"d{index}/bias", "bias", (64,), "float32", True)
        rows.append(
            LayerReport(
                name=f"dense_{index}",
                path=f"dense_{index}",
                depth=0,
                class_name="Dense",
                variables=(kernel, bias),
                output_shapes=((None, 64),),
                inbound=(f"dense_{index - 1}",) if index else (),
                share=1 / length,
            )
        )
    edges = tuple(Edge(f"dense_{i - 1}", f"dense_{i}", (None, 64)) for i in range(1, length))
    return CapturedModel(name="chain", class_name="Sequential", layers=tuple(rows), edges=edges)


def test_png_size_is_bounded(program: str, tmp_path: Path) -> None:
    report = _chain_report(500)
    png = Path(render_diagram(report, tmp_path / "chain.png")).read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert max(width, height) <= 5760
    assert len(png) < 5_000_000
    svg = render_bytes(report, "svg").decode("utf-8")
    assert "dense_499" in svg_texts(svg)


# -- every keras.applications model through the CLI -----------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", application_names())
@pytest.mark.parametrize("program", PROGRAMS)
def test_application_renders_through_the_cli(
    applications: Any, name: str, program: str, tmp_path: Path
) -> None:
    model_file = applications.file(name)
    expected = [row.name for row in applications.report(name).layers if row.depth == 0]
    target = tmp_path / f"{name}.svg"
    env = dict(os.environ, LAYERSCOPE_DOT=_command(program), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-m", "layerscope", "diagram", str(model_file), "-o", str(target)],
        capture_output=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    svg = target.read_text(encoding="utf-8")
    assert_rendered_by(svg, program)
    texts = set(svg_texts(svg))
    missing = [layer for layer in expected if layer not in texts]
    assert not missing, missing
    assert len(expected) == svg.count('class="node"') - 1  # every layer, plus the legend


def test_programs_are_installed() -> None:
    """Both programs this suite exercises exist (Debian's is optional, and says so)."""
    assert _pure()
    if shutil.which("dot") is None:
        pytest.skip(NO_DEBIAN_DOT)


@pytest.mark.parametrize("expand", [False, True])
def test_to_pydot_builds_the_same_graph_as_the_dot_source(keras, expand: bool) -> None:
    """to_pydot builds objects directly; they must describe the graph render_dot writes."""
    import pydot
    from zoo import nested

    from layerscope import analyze

    report = analyze(nested(keras))
    built = report.to_pydot(expand_nested=expand)
    parsed = pydot.graph_from_dot_data(report.to_dot(expand_nested=expand))[0]

    def shape(graph):  # type: ignore[no-untyped-def]
        nodes = {n.get_name(): n.get_attributes() for n in graph.get_nodes()}
        # The parser keeps "graph [...]" as a statement; built graphs hold it as attributes.
        attributes = {**graph.get_attributes(), **nodes.pop("graph", {})}
        edges = sorted((e.get_source(), e.get_destination()) for e in graph.get_edges())
        clusters = {g.get_name(): shape(g) for g in graph.get_subgraphs()}
        return attributes, nodes, edges, clusters

    assert shape(built) == shape(parsed)
    assert shape(built)[0]["rankdir"] == "TB"
