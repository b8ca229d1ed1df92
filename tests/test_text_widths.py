"""Terminal widths on a real large model: BERT-base (keras_hub's published configuration,
random weights, built from the constructor, never a preset) at 80 and 100 columns."""

from __future__ import annotations

import re
from typing import Any

import pytest

WORD = re.compile(r"[A-Za-z0-9_]+")


@pytest.mark.parametrize("width", [80, 100])
def test_bert_base_golden_at_width(bert_report: Any, golden: Any, width: int) -> None:
    from layerscope.render.text import cells

    text = bert_report.to_text(width=width)
    assert bert_report.totals.params == 109_482_240
    for line in text.splitlines():
        assert cells(line) <= width, line
    # no word broken: every word is whole in the unlimited output, or shortened with "…"
    whole = set(WORD.findall(bert_report.to_text(width=0)))
    whole |= set(WORD.findall(f"Columns left out to fit {width}: (--width 0 shows all)"))
    for line in text.splitlines():
        for word in WORD.findall(line.replace("…", " ")):
            assert word in whole or f"{word}…" in line, (word, line)
    golden(f"bert_base.{width}.txt", stable_names(text))


def stable_names(text: str) -> str:
    """Keras names the op layer it recreates on load from a per-process counter
    (``get_item``, ``get_item_1``...): pin it, keeping the column alignment."""
    return re.sub(
        r"get_item(_\d+)? \(GetItem\)", lambda m: "get_item (GetItem)".ljust(len(m[0])), text
    )
