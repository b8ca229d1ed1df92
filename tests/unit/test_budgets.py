"""Budgets for ``layerscope check``: size parsing and pyproject.toml settings (no Keras)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from layerscope.budgets import (
    Budget,
    config_settings,
    find_config,
    parse_growth,
    parse_number,
    parse_size,
    settings,
)
from layerscope.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25M", 25_000_000),
        ("1.5G", 1_500_000_000),
        ("300MiB", 314_572_800),
        ("300Mi", 314_572_800),
        ("250K", 250_000),
        ("250k", 250_000),
        ("2GiB", 2_147_483_648),
        ("25MB", 25_000_000),
        ("1_000_000", 1_000_000),
        ("1,000,000", 1_000_000),
        ("0.5K", 500),
        ("1.25Ki", 1280),
        ("316810", 316_810),
        (" 7 ", 7),
        ("3T", 3_000_000_000_000),
        ("0", 0),
        (42, 42),
        (2.0, 2),
    ],
)
def test_sizes_parse_exactly(text: object, expected: int) -> None:
    value = parse_size(text)
    assert value == expected and isinstance(value, int)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "M",
        "25X",
        "25 MM",
        "1.5",
        "0.0001K",
        "-5M",
        "1e6",
        "five",
        "25M!",
        "1..5G",
        "nan",
        "inf",
        "25M 3",
        "0x10",
        True,
        -1,
        1.5,
        None,
        [1],
    ],
)
def test_garbage_sizes_are_usage_errors_quoting_the_value(garbage: object) -> None:
    with pytest.raises(UsageError) as caught:
        parse_size(garbage, "--max-params")
    assert str(caught.value).startswith("--max-params")
    assert repr(garbage) in str(caught.value) or str(garbage) in str(caught.value)


def test_ratios_and_growth() -> None:
    assert parse_number("7.5", "x") == 7.5
    assert parse_number(10, "x") == 10.0
    for bad in ("-1", "abc", "1e3", True):
        with pytest.raises(UsageError):
            parse_number(bad, "x")
    assert parse_growth("5%") == [("params", 5.0), ("macs", 5.0), ("bytes", 5.0)]
    assert parse_growth("2.5") == [("params", 2.5), ("macs", 2.5), ("bytes", 2.5)]
    assert parse_growth("macs=10%") == [("macs", 10.0)]
    assert parse_growth("layers = 0%") == [("layers", 0.0)]
    for bad in ("five%", "%", "-5%", "speed=5%", "macs=", "5%%"):
        with pytest.raises(UsageError):
            parse_growth(bad)


def test_later_settings_win_budget_by_budget() -> None:
    base = settings({"max-params": "1M", "max_macs": "2G"}, ["5%"], samples=10)
    top = settings({"max-params": "2M"}, ["macs=1%"])
    merged = base.merged(top)
    by_key = {(b.metric, b.growth): b.limit for b in merged.budgets}
    assert by_key == {
        ("params", False): 2_000_000,
        ("macs", False): 2_000_000_000,
        ("params", True): 5.0,
        ("macs", True): 1.0,
        ("bytes", True): 5.0,
    }
    assert merged.samples == 10
    with pytest.raises(UsageError, match="unknown budget 'max-speed'"):
        settings({"max-speed": 1})


PYPROJECT = """
[project]
name = "demo"

[tool.layerscope.check]
max-params = "25M"
max-macs = "1.5G"
samples = 55000

[tool.layerscope.check."models/mobile_*.keras"]
max-params = "4M"
max-bytes = "16MiB"
max-growth = ["5%", "layers=0"]
baseline = "models/main.keras"

[tool.layerscope.check."*.h5"]
max-layers = 10
"""


def test_pyproject_tables_keyed_by_glob(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    models = tmp_path / "models" / "deep"
    models.mkdir(parents=True)
    mobile = tmp_path / "models" / "mobile_v2.keras"
    assert find_config(models) == tmp_path / "pyproject.toml"

    chosen = config_settings(mobile)
    limits = {(b.metric, b.growth): (b.limit, b.origin) for b in chosen.budgets}
    glob_origin = 'pyproject.toml "models/mobile_*.keras"'
    assert limits == {
        ("params", False): (4_000_000, glob_origin),
        ("macs", False): (1_500_000_000, "pyproject.toml"),
        ("bytes", False): (16 * 2**20, glob_origin),
        ("params", True): (5.0, glob_origin),
        ("macs", True): (5.0, glob_origin),
        ("bytes", True): (5.0, glob_origin),
        ("layers", True): (0.0, glob_origin),
    }
    assert chosen.samples == 55000
    assert chosen.baseline == str(tmp_path / "models" / "main.keras")
    assert chosen.config == str(tmp_path / "pyproject.toml")

    other = config_settings(tmp_path / "models" / "deep" / "big.keras")
    assert {b.metric: b.limit for b in other.budgets} == {
        "params": 25_000_000,
        "macs": 1_500_000_000,
    }
    legacy = config_settings(tmp_path / "models" / "deep" / "old.h5")  # no "/": the file name
    assert {b.metric: b.limit for b in legacy.budgets}["layers"] == 10


def test_pyproject_without_the_table_is_skipped_and_bad_ones_are_usage_errors(
    tmp_path: Path,
) -> None:
    inner = tmp_path / "sub"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_config(inner) is None
    assert config_settings(inner / "m.keras").budgets == ()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.layerscope.check]\nmax-params = 10\n", encoding="utf-8"
    )
    assert find_config(inner) == tmp_path / "pyproject.toml"  # the nearest holding the table
    assert config_settings(inner / "m.keras").budgets == (
        Budget("params", 10, origin="pyproject.toml"),
    )
    for text, message in [
        ("[tool.layerscope.check]\nmax-params = '25X'\n", "max-params in pyproject.toml"),
        ("[tool.layerscope.check]\nmax-parms = 1\n", "unknown key 'max-parms'"),
        ("[tool.layerscope.check]\nsamples = -3\n", "samples in pyproject.toml"),
        ("[tool.layerscope.check\nmax-params = 1\n", "not valid TOML"),
        ("[tool.layerscope]\ncheck = 3\n", "must be a table"),
    ]:
        (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
        with pytest.raises(UsageError, match=message):
            config_settings(tmp_path / "m.keras")


def test_budget_modules_stay_light() -> None:
    import subprocess

    code = (
        "import sys, layerscope.budgets, layerscope.diffing, layerscope.render.check\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jinja2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_readme_pyproject_example_is_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Code review and CI", 1)[1].split("\n## ", 1)[0]
    example = section.split("```toml", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    chosen = config_settings(tmp_path / "models" / "mobile_v3.keras")
    assert {b.metric: b.limit for b in chosen.budgets} == {
        "params": 4_000_000,
        "macs": 1_500_000_000,
        "bytes": 16 * 2**20,
        "params_per_sample": 100.0,
    }
    assert chosen.samples == 55000
