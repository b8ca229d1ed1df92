"""The golden-file switch (issue 17): only ``--regen-golden`` or ``LAYERSCOPE_REGEN_GOLDEN=1``
rewrites, any other value is refused or ignored, and a rewriting run never passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import compare_golden, regen_requested


class _Config:
    def __init__(self, flag: bool) -> None:
        self.flag = flag

    def getoption(self, name: str) -> Any:
        assert name == "--regen-golden"
        return self.flag


@pytest.mark.parametrize(
    ("value", "flag", "expected"),
    [
        (None, False, False),
        ("", False, False),
        ("0", False, False),
        ("1", False, True),
        (None, True, True),
        ("0", True, True),
    ],
)
def test_only_an_explicit_1_or_the_flag_rewrites(
    monkeypatch: pytest.MonkeyPatch, value: str | None, flag: bool, expected: bool
) -> None:
    if value is None:
        monkeypatch.delenv("LAYERSCOPE_REGEN_GOLDEN", raising=False)
    else:
        monkeypatch.setenv("LAYERSCOPE_REGEN_GOLDEN", value)
    assert regen_requested(_Config(flag)) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["yes", "true", "2", " 1"])
def test_any_other_value_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LAYERSCOPE_REGEN_GOLDEN", value)
    with pytest.raises(pytest.UsageError, match="must be 1"):
        regen_requested(_Config(False))  # type: ignore[arg-type]


def test_a_rewriting_run_skips_and_a_checking_run_compares(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match=r"x\.txt rewritten"):
        compare_golden(tmp_path, "x.txt", "new\n", regen=True)
    assert (tmp_path / "x.txt").read_text() == "new\n"
    with pytest.raises(pytest.skip.Exception, match=r"x\.txt unchanged"):
        compare_golden(tmp_path, "x.txt", "new\n", regen=True)
    compare_golden(tmp_path, "x.txt", "new\n", regen=False)
    with pytest.raises(AssertionError, match="output differs"):
        compare_golden(tmp_path, "x.txt", "other\n", regen=False)
    with pytest.raises(AssertionError, match="missing golden file"):
        compare_golden(tmp_path, "absent.txt", "new\n", regen=False)
