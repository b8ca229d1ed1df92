"""The HTML report in a real browser: Debian's chromium driven by playwright.

Every page is loaded from file:// with every other request intercepted and recorded (there
must be none), console errors and page errors collected (there must be none), and dialogs
recorded (a hostile layer name must never open one).

Screenshots of the seed model and of ResNet50 (light, dark, phone) are written to
``$LAYERSCOPE_SCREENSHOTS`` when set (docs/report-seed.png is made that way), else to a
temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM, Visit  # noqa: F401 - the fixtures live in conftest.py

from layerscope.render.html import render_html

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's chromium at {CHROMIUM}"
    ),
]

SEED_ORDER = ["Flatten", "Hidden1", "Hidden2", "Hidden3", "Output"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pages")


@pytest.fixture(scope="module")
def seed_page(seed_report: Any, pages: Path) -> Path:
    path = pages / "seed.html"
    seed_report.save_html(path)
    return path


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("LAYERSCOPE_SCREENSHOTS") or "/tmp/layerscope-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def nested_report(keras: Any) -> Any:
    from layerscope import analyze

    L = keras.layers
    block = keras.Sequential(
        [keras.Input((12,)), L.Dense(6, name="inner_a"), L.BatchNormalization(name="inner_bn")],
        name="block",
    )
    inputs = keras.Input((12,), name="x")
    hidden = L.Dense(12, name="before")(inputs)
    model = keras.Model(inputs, L.Dense(2, name="head")(block(hidden)), name="outer")
    return analyze(model)


def _host_page(fragments: list[str]) -> str:
    body = "\n".join(fragments)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>host</title>
<style>
body {{ font-family: Georgia, serif; color: rgb(10, 20, 30); background: rgb(250, 240, 230);
        font-size: 17px; line-height: 1.7; margin: 11px; }}
h1 {{ color: rgb(200, 0, 0); font-size: 40px; font-weight: 300; }}
h2 {{ color: rgb(0, 90, 0); border-bottom: 3px dotted rgb(0, 0, 255); }}
table {{ border-collapse: collapse; width: 50%; }}
td {{ padding: 7px; border: 1px solid rgb(1, 2, 3); color: rgb(4, 5, 6); }}
p {{ margin: 13px 0; text-align: justify; }}
code {{ background: rgb(255, 255, 0); }}
input {{ width: 77px; }}
</style></head>
<body>
<h1 id="host-h1">Host documentation</h1>
<p id="host-p">A paragraph of the host page with <code id="host-code">code</code>.</p>
<table id="host-table"><tr><td id="host-td">cell</td></tr></table>
<h2 id="host-h2">Host section</h2>
<input id="host-input">
{body}
<p id="host-after">After the report.</p>
</body></html>
"""


HOST_PROPERTIES = [
    "font-family",
    "font-size",
    "color",
    "background-color",
    "line-height",
    "margin-top",
    "padding-top",
    "border-bottom-style",
    "width",
    "font-weight",
    "border-collapse",
    "text-align",
]


def _host_styles(page: Any) -> dict[str, dict[str, str]]:
    return page.evaluate(
        """(props) => {
            const out = {};
            for (const id of ['host-h1', 'host-p', 'host-code', 'host-table', 'host-td',
                              'host-h2', 'host-input', 'host-after']) {
                const style = getComputedStyle(document.getElementById(id));
                out[id] = Object.fromEntries(props.map(p => [p, style.getPropertyValue(p)]));
            }
            const body = getComputedStyle(document.body);
            out.body = Object.fromEntries(props.map(p => [p, body.getPropertyValue(p)]));
            return out;
        }""",
        HOST_PROPERTIES,
    )


# -- the seed page -------------------------------------------------------------------------


def test_seed_page_shows_the_numbers(visit: Any, seed_page: Path) -> None:
    seen = visit(seed_page)
    text = seen.page.inner_text("body")
    assert "316,810" in text and "235,500" in text and "Hidden1" in text and "55,000" in text
    assert seen.page.is_visible("tr[data-name='Hidden1']")
    assert seen.page.is_visible("svg.ls-diagram-svg")
    assert seen.page.locator("svg.ls-chart").count() == 2
    assert seen.row_names() == SEED_ORDER
    fit = seen.page.locator("[data-ls-action='diagram-fit']")
    fit.click()
    assert fit.get_attribute("aria-pressed") == "true"
    assert seen.page.locator("figure.ls-diagram.ls-fit").count() == 1
    seen.assert_clean()


def test_clicking_a_column_header_sorts_the_rows(visit: Any, seed_page: Path) -> None:
    seen = visit(seed_page)
    page = seen.page
    params = page.locator("th[data-sort-key='params'] button")
    params.click()
    assert seen.row_names() == ["Hidden1", "Hidden2", "Hidden3", "Output", "Flatten"]
    assert page.get_attribute("th[data-sort-key='params']", "aria-sort") == "descending"
    params.click()
    assert seen.row_names() == ["Flatten", "Output", "Hidden3", "Hidden2", "Hidden1"]
    assert page.get_attribute("th[data-sort-key='params']", "aria-sort") == "ascending"
    page.locator("th[data-sort-key='name'] button").click()
    assert seen.row_names() == ["Flatten", "Hidden1", "Hidden2", "Hidden3", "Output"]
    page.locator("th[data-sort-key='name'] button").click()
    assert seen.row_names() == ["Output", "Hidden3", "Hidden2", "Hidden1", "Flatten"]
    assert page.get_attribute("th[data-sort-key='params']", "aria-sort") is None
    page.locator("[data-ls-action='model-order']").click()
    assert seen.row_names() == SEED_ORDER
    seen.assert_clean()


def test_the_filter_hides_rows(visit: Any, seed_page: Path) -> None:
    seen = visit(seed_page)
    page = seen.page
    page.fill("input.ls-filter", "hidden")
    assert seen.visible_row_names() == ["Hidden1", "Hidden2", "Hidden3"]
    assert not page.is_visible("tr[data-name='Flatten']")
    assert page.inner_text(".ls-count") == "3 of 5 layers"
    page.fill("input.ls-filter", "OUT")
    assert seen.visible_row_names() == ["Output"]
    page.fill("input.ls-filter", "")
    assert seen.visible_row_names() == SEED_ORDER
    seen.assert_clean()


def test_without_javascript_every_row_shows(browser: Any, visit: Any, seed_page: Path) -> None:
    seen = visit(seed_page, java_script_enabled=False)
    assert seen.visible_row_names() == SEED_ORDER
    assert not seen.page.is_visible(".ls-toolbar")
    assert "316,810" in seen.page.inner_text("body")
    seen.assert_clean()


def test_nested_models_collapse(visit: Any, nested_report: Any, pages: Path) -> None:
    path = pages / "nested.html"
    nested_report.save_html(path)
    seen = visit(path)
    page = seen.page
    everything = ["x", "before", "block", "inner_a", "inner_bn", "head"]
    assert seen.visible_row_names() == everything
    page.locator("tr[data-path='block'] button.ls-toggle").click()
    assert seen.visible_row_names() == ["x", "before", "block", "head"]
    page.locator("th[data-sort-key='params'] button").click()  # children stay with parent
    page.locator("tr[data-path='block'] button.ls-toggle").click()
    order = seen.visible_row_names()
    assert order.index("inner_a") == order.index("block") + 1
    assert order.index("inner_bn") == order.index("block") + 2
    page.fill("input.ls-filter", "inner_bn")
    assert seen.visible_row_names() == ["block", "inner_bn"]
    page.fill("input.ls-filter", "")
    page.locator("[data-ls-action='collapse-all']").click()
    assert sorted(seen.visible_row_names()) == ["before", "block", "head", "x"]
    page.emulate_media(media="print")
    assert len(seen.visible_row_names()) == len(everything)  # print shows every row
    assert not page.is_visible(".ls-toolbar")
    seen.assert_clean()


# -- fragments -----------------------------------------------------------------------------


def test_a_fragment_leaves_the_host_page_alone(visit: Any, seed_report: Any, pages: Path) -> None:
    bare = pages / "host-bare.html"
    bare.write_text(_host_page([]), encoding="utf-8")
    hosted = pages / "host-with-fragment.html"
    hosted.write_text(_host_page([render_html(seed_report, fragment=True)]), encoding="utf-8")
    before = visit(bare)
    after = visit(hosted)
    assert _host_styles(after.page) == _host_styles(before.page)
    assert "316,810" in after.page.inner_text(".layerscope")
    after.page.locator(".layerscope th[data-sort-key='params'] button").click()
    assert after.row_names()[0] == "Hidden1"
    before.assert_clean()
    after.assert_clean()


def test_two_fragments_on_one_page_both_work(
    visit: Any, seed_report: Any, nested_report: Any, pages: Path
) -> None:
    first = render_html(seed_report, fragment=True)
    second = render_html(nested_report, fragment=True)
    path = pages / "two.html"
    path.write_text(_host_page([first, second]), encoding="utf-8")
    seen = visit(path)
    page = seen.page
    roots = page.eval_on_selector_all(".layerscope", "els => els.map(e => e.id)")
    assert len(roots) == 2 and roots[0] != roots[1]
    one, two = (f"#{root}" for root in roots)
    page.fill(f"{one} input.ls-filter", "hidden3")
    assert seen.visible_row_names(one) == ["Hidden3"]
    assert len(seen.visible_row_names(two)) == 6
    page.fill(f"{two} input.ls-filter", "head")
    assert seen.visible_row_names(two) == ["head"]
    assert seen.visible_row_names(one) == ["Hidden3"]
    page.locator(f"{two} th[data-sort-key='name'] button").click()
    assert seen.row_names(one) == SEED_ORDER
    # Each diagram's internal references resolve inside its own SVG.
    ids = page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids))
    seen.assert_clean()


# -- hostile names ------------------------------------------------------------------------


def test_hostile_layer_names_show_as_text_and_run_nothing(
    visit: Any, seed_report: Any, pages: Path
) -> None:
    from test_html import HOSTILE, renamed

    report = renamed(seed_report, HOSTILE, model_name="<img src=y onerror=alert(2)>")
    page_path = pages / "hostile.html"
    report.save_html(page_path)
    host_path = pages / "hostile-host.html"
    host_path.write_text(_host_page([report.to_html(fragment=True)]), encoding="utf-8")
    for path in (page_path, host_path):
        seen = visit(path)
        page = seen.page
        page.wait_for_timeout(200)  # let any onerror/onload fire, were there one
        assert page.locator("img").count() == 0
        assert page.locator("[onerror], [onload]").count() == 0
        assert page.locator("script").count() == 1
        assert page.locator("svg").count() == 3  # the diagram and two charts, no injected one
        names = page.eval_on_selector_all(
            "tr.ls-row .ls-layer-name", "els => els.map(e => e.textContent)"
        )
        assert names == ["Flatten", *HOSTILE.values()]
        cells = page.locator("tr.ls-row .ls-layer-name")
        assert all(cells.nth(i).is_visible() for i in range(cells.count()))
        assert "<img src=y onerror=alert(2)>" in page.inner_text(".ls-title")
        page.fill("input.ls-filter", "<img")
        assert seen.visible_row_names() == [HOSTILE["Hidden1"]]
        seen.assert_clean()


def test_names_that_are_javascript_words_work(visit: Any, keras: Any, pages: Path) -> None:
    """Rows are looked up by name in the script: names like __proto__ must stay data."""
    from layerscope import analyze

    L = keras.layers
    inner = keras.Sequential(
        [keras.Input((4,)), L.Dense(3, name="constructor"), L.Dense(2, name="toString")],
        name="__proto__",
    )
    inputs = keras.Input((4,), name="hasOwnProperty")
    model = keras.Model(inputs, L.Dense(1, name="valueOf")(inner(inputs)), name="prototype")
    path = pages / "js-words.html"
    analyze(model).save_html(path)
    seen = visit(path)
    page = seen.page
    names = ["hasOwnProperty", "__proto__", "constructor", "toString", "valueOf"]
    assert seen.visible_row_names() == names
    page.locator("tr[data-path='__proto__'] button.ls-toggle").click()
    assert seen.visible_row_names() == ["hasOwnProperty", "__proto__", "valueOf"]
    page.fill("input.ls-filter", "tostring")
    assert seen.visible_row_names() == ["__proto__", "toString"]
    page.fill("input.ls-filter", "")
    page.locator("[data-ls-action='expand-all']").click()
    page.locator("th[data-sort-key='name'] button").click()
    assert seen.row_names() == ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]
    seen.assert_clean()


# -- looks: themes, phone, screenshots, a large model ------------------------------------


def test_seed_screenshots_light_dark_phone(visit: Any, seed_page: Path, shots: Path) -> None:
    light = visit(seed_page, color_scheme="light")
    background = light.page.eval_on_selector(
        ".layerscope", "e => getComputedStyle(e).backgroundColor"
    )
    assert background == "rgb(255, 255, 255)"
    light.page.screenshot(path=str(shots / "seed-light.png"), full_page=True)

    dark = visit(seed_page, color_scheme="dark")
    background = dark.page.eval_on_selector(
        ".layerscope", "e => getComputedStyle(e).backgroundColor"
    )
    assert background == "rgb(13, 17, 23)"
    dark.page.screenshot(path=str(shots / "seed-dark.png"), full_page=True)

    phone = visit(
        seed_page,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    overflow = phone.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow}px"
    wrap = phone.page.eval_on_selector(".ls-table-wrap", "e => e.scrollWidth > e.clientWidth")
    # the table folds its secondary columns into each row's details instead of scrolling
    assert not wrap
    phone.page.screenshot(path=str(shots / "seed-phone.png"), full_page=True)
    for name in ("seed-light.png", "seed-dark.png", "seed-phone.png"):
        assert (shots / name).stat().st_size > 20_000
    for seen in (light, dark, phone):
        seen.assert_clean()


@pytest.mark.slow
def test_resnet50_report_is_a_few_megabytes_and_works(
    visit: Any, applications: Any, pages: Path, shots: Path
) -> None:
    report = applications.report("ResNet50")
    path = pages / "resnet50.html"
    report.save_html(path)
    size = path.stat().st_size
    assert size < 5_000_000, f"ResNet50 report is {size:,} bytes"
    print(f"\nResNet50 report: {size:,} bytes, {len(report.layers)} rows")
    seen = visit(path, color_scheme="light")
    page = seen.page
    assert page.locator("tr.ls-row").count() == len(report.layers)
    assert "25,636,712" in page.inner_text(".ls-header")
    assert page.is_visible("svg.ls-diagram-svg")
    page.locator("th[data-sort-key='params'] button").click()
    assert seen.row_names()[0] == max(report.layers, key=lambda row: row.params).name
    page.fill("input.ls-filter", "conv5_block3")
    visible = seen.visible_row_names()
    assert visible and all("conv5_block3" in name for name in visible)
    page.fill("input.ls-filter", "")
    page.locator("[data-ls-action='model-order']").click()
    page.screenshot(path=str(shots / "resnet50-light.png"), full_page=False)
    page.locator(f"#{page.get_attribute('.layerscope', 'id')}-diagram").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "resnet50-diagram.png"), full_page=False)
    dark = visit(path, color_scheme="dark")
    dark.page.screenshot(path=str(shots / "resnet50-dark.png"), full_page=False)
    seen.assert_clean()
    dark.assert_clean()
