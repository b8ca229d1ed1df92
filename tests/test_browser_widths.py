"""The layer table adapts to its container (issue 16): at 360, 760 and 1,280 px, as a whole
page and as a fragment in a docs column of that width, Layer, Params and Share stay visible
without a horizontal scrollbar, and the folded columns are in each row's details.

Screenshots go to ``$LAYERSCOPE_SCREENSHOTS`` (else /tmp/layerscope-screenshots) as
``widths-<model>-<page|fragment>-<px>.png``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's chromium at {CHROMIUM}"
    ),
]

WIDTHS = (360, 760, 1280)
FOLDED = {  # columns hidden at each width (by container width; the page has padding)
    360: {"type", "weights", "biases", "other", "shape", "trainable", "macs"},
    760: {"type", "weights", "biases", "other", "shape", "trainable", "macs"},
    1280: set(),
}
ALWAYS = ("name", "params", "share")

TABLE_STATE = """(root) => {
    const scope = root ? document.querySelector(root) : document;
    const wrap = scope.querySelector('.ls-table-wrap');
    const box = wrap.getBoundingClientRect();
    const heads = [...scope.querySelectorAll('.ls-table thead th')].map(th => {
        const r = th.getBoundingClientRect();
        const key = [...th.classList].find(c => c.startsWith('ls-col-')).slice(7);
        return {key, shown: th.offsetParent !== null && r.width > 0,
                inside: r.left >= box.left - 1 && r.right <= box.right + 1};
    });
    const details = [...scope.querySelectorAll('tr.ls-row .ls-row-details')];
    const openDetails = details.filter(d => getComputedStyle(d).display !== 'none');
    const folded = openDetails.length ? [...openDetails[1].querySelectorAll('dl > div')]
        .filter(d => getComputedStyle(d).display !== 'none')
        .map(d => d.querySelector('dt').textContent + '=' + d.querySelector('dd').textContent)
        : [];
    return {scroll: wrap.scrollWidth - wrap.clientWidth, heads, details: openDetails.length,
            rows: details.length, folded, pageScroll:
            document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


@pytest.fixture(scope="module")
def width_pages(
    seed_path: Path, bert_report: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Path]]:
    from layerscope import analyze

    folder = tmp_path_factory.mktemp("widths")
    reports = {
        "seed": analyze(seed_path, training_samples=55000, engine="static"),
        "bert": bert_report,
    }
    out: dict[str, dict[str, Path]] = {}
    for name, report in reports.items():
        page = folder / f"{name}.html"
        report.save_html(page)
        fragment = report.to_html(fragment=True)
        hosts = {}
        for width in WIDTHS:
            host = folder / f"{name}-fragment-{width}.html"
            host.write_text(
                "<!doctype html><html><head><meta charset='utf-8'><title>docs</title></head>"
                "<body style='margin:0'><main id='col' style='box-sizing:border-box;"
                f"width:{width}px;padding:0 16px'><h1>Docs</h1>{fragment}</main></body></html>",
                encoding="utf-8",
            )
            hosts[width] = host
        out[name] = {"page": page, **{str(w): p for w, p in hosts.items()}}
    return out


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("LAYERSCOPE_SCREENSHOTS") or "/tmp/layerscope-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("model", ["seed", "bert"])
@pytest.mark.parametrize("kind", ["page", "fragment"])
@pytest.mark.parametrize("width", WIDTHS)
def test_layer_table_fits_its_container(
    visit: Any, width_pages: dict, shots: Path, model: str, kind: str, width: int
) -> None:
    if kind == "page":
        seen = visit(width_pages[model]["page"], viewport={"width": width, "height": 900})
        root = ""
    else:  # a docs column of that width inside a wide window
        seen = visit(width_pages[model][str(width)], viewport={"width": 1400, "height": 900})
        root = "#col"
    section = seen.page.locator(f"{root} .ls-layers-section".strip())
    section.screenshot(path=str(shots / f"widths-{model}-{kind}-{width}.png"))
    seen.assert_clean()
    state = seen.page.evaluate(TABLE_STATE, root or None)
    heads = {head["key"]: head for head in state["heads"]}
    for key in ALWAYS:
        assert heads[key]["shown"] and heads[key]["inside"], (key, state)
    shown = {key for key, head in heads.items() if head["shown"]}
    assert shown == set(heads) - FOLDED[width], (width, shown)
    assert state["scroll"] <= 1, f"horizontal scrollbar: {state['scroll']}px"
    assert state["pageScroll"] <= 1, f"the page scrolls sideways: {state['pageScroll']}px"
    if FOLDED[width]:
        assert state["details"] == state["rows"] > 0
        folded = dict(item.split("=", 1) for item in state["folded"])
        assert {"Type", "Output shape", "Weights", "Biases", "Other", "Trainable"} <= set(folded)
        if model == "seed":
            assert folded["Type"] == "Dense" and folded["Weights"] == "235,200"
            assert folded["Biases"] == "300" and folded["Output shape"] == "(None, 300)"
    else:
        assert state["details"] == 0 and state["folded"] == []


def test_folded_details_open_on_click(visit: Any, width_pages: dict) -> None:
    seen = visit(width_pages["seed"]["page"], viewport={"width": 760, "height": 900})
    summary = seen.page.locator("tr.ls-row[data-name='Hidden1'] .ls-row-details > summary")
    assert summary.inner_text() == "Dense"
    summary.click()
    text = seen.page.locator("tr.ls-row[data-name='Hidden1'] .ls-row-details dl").inner_text()
    assert "235,200" in text and "(None, 300)" in text
    seen.assert_clean()
