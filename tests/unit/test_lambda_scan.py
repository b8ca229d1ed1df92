"""Safe mode's lambda scan skips walking a config whose text cannot hold a lambda (issue
12: a 50,000-layer config took most of a second to walk), and still finds one spelled with
JSON escapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from layerscope.errors import UnsafeModelError
from layerscope.modelconfig import may_hold_lambda
from layerscope.modelfile import open_model

from . import hostile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"class_name": "Dense", "config": {"name": "d"}}', False),
        ('{"class_name": "__lambda__"}', True),
        ('{"function_type": "lambda", "function": "x"}', True),
        ('{"class_name": "\\u005f_lambd\\u0061__"}', True),  # escapes: scanned
        ('{"name": "caf\\u00e9"}', True),  # any escape: scanned, never guessed
    ],
)
def test_may_hold_lambda(text: str, expected: bool) -> None:
    assert may_hold_lambda(text) is expected


def test_a_lambda_spelled_with_escapes_is_still_refused(tmp_path: Path) -> None:
    def add_lambda(config: dict[str, Any]) -> str:
        layer = hostile.layer_entry(config, "Hidden2")
        layer["config"]["payload"] = {"class_name": "__LAMBDA_MARK__", "config": {"code": "x"}}
        text = json.dumps(config)
        return text.replace("__LAMBDA_MARK__", "\\u005f\\u005flambd\\u0061\\u005f\\u005f")

    path = hostile.rewrite(tmp_path / "escaped.keras", config=add_lambda)
    opened = open_model(path)
    assert opened.lambdas == ("Hidden2",)
    with pytest.raises(UnsafeModelError, match=r"\(layer 'Hidden2'\)"):
        opened.refuse_lambdas()


def test_a_config_without_the_word_is_not_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    from layerscope import modelfile

    def refuse(config: Any) -> list[str]:
        raise AssertionError("the config was walked")

    monkeypatch.setattr(modelfile, "python_lambdas", refuse)
    assert open_model(hostile.SEED).lambdas == ()
