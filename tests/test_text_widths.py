"""Terminal widths on a real large model: BERT-base (keras_hub's published configuration,
random weights, built from the constructor, never a preset) at 80 and 100 columns."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

CACHE = Path.home() / ".cache" / "layerscope-tests"
WORD = re.compile(r"[A-Za-z0-9_]+")


@pytest.fixture(scope="session")
def bert_report(keras: Any) -> Any:
    """BERT-base's report, from a .keras file built once and cached across sessions."""
    keras_hub = pytest.importorskip("keras_hub", reason="BERT-base needs keras_hub")
    from layerscope import analyze

    path = CACHE / f"bert_base-keras{keras.__version__}-hub{keras_hub.__version__}.keras"
    if not path.exists():
        model = keras_hub.models.BertBackbone(
            vocabulary_size=30522,
            num_layers=12,
            num_heads=12,
            hidden_dim=768,
            intermediate_dim=3072,
            max_sequence_length=512,
        )
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.keras")
        model.save(partial)
        partial.replace(path)
    return analyze(path)


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
