"""``layerscope diff`` and ``layerscope check`` through the real CLI, with exact values.

The seed MLP (316,810 params) is compared with copies saved once and cached under
``~/.cache/layerscope-tests/diff-v1/``: Hidden1 widened to 400, one layer inserted and one
removed, and the same architecture built twice without names (Keras numbers them
differently). keras.applications' MobileNet and MobileNetV2 come from the session zoo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from file_cache import save_all_once, save_once

from layerscope import diff
from layerscope.render.diff_json import diff_schema

CACHE = Path(os.environ.get("LAYERSCOPE_TEST_CACHE", Path.home() / ".cache" / "layerscope-tests"))
MODELS = CACHE / "diff-v1"


def run_cli(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LAYERSCOPE_PROGRESS="0", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "layerscope", *map(os.fspath, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
        env=env,
    )


def _seed_like(keras: Any, widths: list[tuple[str | None, int]], name: str = "sequential") -> Any:
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(28, 28)))
    model.add(keras.layers.Flatten(name="Flatten"))
    for layer_name, width in widths:
        model.add(keras.layers.Dense(width, activation="relu", name=layer_name))
    model.add(keras.layers.Dense(10, activation="softmax", name="Output"))
    return model


@pytest.fixture(scope="session")
def models() -> dict[str, Path]:
    """The seed's variants as .keras files (built once, then read from the cache)."""
    files = {name: MODELS / f"{name}.keras" for name in ("inserted", "auto_a", "auto_b")}
    files["wide"] = MODELS / "mnist_mlp_wide.keras"  # the name the README's example shows
    widths = {
        "wide": [("Hidden1", 400), ("Hidden2", 200), ("Hidden3", 100)],
        "inserted": [("Hidden1", 300), ("Extra", 50), ("Hidden2", 200)],
    }

    def keras() -> Any:
        from layerscope._keras import quiet_keras

        return quiet_keras()

    for key, layers in widths.items():
        save_once(files[key], lambda layers=layers: _seed_like(keras(), layers))

    def auto() -> Any:
        model = keras().Sequential(name="auto")
        model.add(keras().Input(shape=(8,)))
        model.add(keras().layers.Dense(16))
        model.add(keras().layers.Dense(4))
        return model

    # The same unnamed architecture twice, in one process: Keras numbers the second one's
    # layers on, so the two files differ only in their automatic names.
    save_all_once([files["auto_a"], files["auto_b"]], lambda: [auto(), auto()])
    return files


def diff_json(a: Path, b: Path, *extra: str) -> dict[str, Any]:
    result = run_cli("diff", a, b, "--format", "json", *extra)
    assert result.returncode == 0, result.stderr[-2000:]
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def rows_by_path(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["path"]: row for row in document["layers"]}


def test_widened_hidden1(seed_path: Path, models: dict[str, Path]) -> None:
    document = diff_json(seed_path, models["wide"], "--samples", "55000")
    rows = rows_by_path(document)
    assert {path: row["status"] for path, row in rows.items()} == {
        "Flatten": "unchanged",
        "Hidden1": "changed",
        "Hidden2": "changed",
        "Hidden3": "unchanged",
        "Output": "unchanged",
    }
    assert rows["Hidden1"]["delta"]["params"] == 78_500
    assert rows["Hidden1"]["delta"]["by_role"] == {
        "weight": 78_400,
        "bias": 100,
        "norm": 0,
        "stats": 0,
        "other": 0,
    }
    assert rows["Hidden1"]["changes"] == [
        "output_shape",
        "params",
        "by_role",
        "trainable",
        "macs",
        "bytes",
    ]
    assert rows["Hidden1"]["a"]["output_shape"] == [None, 300]
    assert rows["Hidden1"]["b"]["output_shape"] == [None, 400]
    assert rows["Hidden2"]["delta"]["params"] == 20_000
    assert rows["Hidden2"]["changes"] == ["params", "by_role", "trainable", "macs", "bytes"]
    totals = document["totals"]
    assert totals["params"] == {"a": 316_810, "b": 415_310, "delta": 98_500, "percent": 31.0912}
    assert totals["macs"]["delta"] == 98_400
    assert totals["bytes"]["delta"] == 98_500 * 4
    assert totals["params_per_sample"] == {"a": 5.76, "b": 7.55, "delta": 1.79, "percent": 31.0764}
    assert document["a"]["training_samples"] == document["b"]["training_samples"] == 55000
    assert document["a"]["engine"] == document["b"]["engine"] == "static"
    assert document["headline"] == "+98,500 params (+31.1%), MACs +98.40 K, layers: 2 changed"
    assert document["counts"] == {"added": 0, "removed": 0, "changed": 2, "unchanged": 3}


def test_widened_hidden1_text_and_markdown(seed_path: Path, models: dict[str, Path]) -> None:
    text = run_cli("diff", seed_path, models["wide"])
    assert text.returncode == 0, text.stderr
    assert "\x1b" not in text.stdout  # not a terminal: no colour
    lines = text.stdout.splitlines()
    assert lines[1] == "+98,500 params (+31.1%), MACs +98.40 K, layers: 2 changed"
    assert any(
        line.split() == ["Params", "316,810", "415,310", "+98,500", "(+31.1%)"] for line in lines
    )
    assert [line.split()[:2] for line in lines if line.startswith(" ~")] == [
        ["~", "Hidden1"],
        ["~", "Hidden2"],
    ]
    hidden1 = next(line for line in lines if line.startswith(" ~  Hidden1"))
    assert hidden1.split()[-4:] == ["235,500", "314,000", "+78,500", "+78,400"]
    assert "3 unchanged layers not shown (--all shows them)." in text.stdout
    every = run_cli("diff", seed_path, models["wide"], "--all").stdout
    assert any(line.split()[:1] == ["Hidden3"] for line in every.splitlines())

    markdown = run_cli("diff", seed_path, models["wide"], "--format", "markdown").stdout
    assert markdown.splitlines()[2] == (
        "**+98,500 params (+31.1%), MACs +98.40 K, layers: 2 changed**"
    )
    assert (
        "| changed | Hidden1 | Dense | (None, 300) → (None, 400) | 235,500 | 314,000 | "
        "+78,500 | +78,400 |" in markdown
    )
    assert (
        "| changed | Hidden2 | Dense | (None, 200) | 60,200 | 80,200 | +20,000 | "
        "+20,000 |" in markdown
    )
    assert "<details><summary>3 unchanged layers</summary>" in markdown
    changed_table = markdown.split("<details>")[0]
    assert "Hidden3" not in changed_table  # unchanged rows are folded


def test_one_layer_inserted_and_one_removed(seed_path: Path, models: dict[str, Path]) -> None:
    document = diff_json(seed_path, models["inserted"])
    summary = [(row["path"], row["status"], row["delta"]["params"]) for row in document["layers"]]
    assert summary == [
        ("Flatten", "unchanged", 0),
        ("Hidden1", "unchanged", 0),
        ("Extra", "added", 15_050),
        ("Hidden2", "changed", -50_000),
        ("Hidden3", "removed", -20_100),
        ("Output", "changed", 1_000),
    ]
    rows = rows_by_path(document)
    assert rows["Extra"]["a"] is None and rows["Extra"]["b"]["params"] == 15_050
    assert rows["Hidden3"]["b"] is None and rows["Hidden3"]["a"]["params"] == 20_100
    assert document["totals"]["params"]["delta"] == -54_050
    assert document["totals"]["params"]["b"] == 262_760
    assert document["counts"] == {"added": 1, "removed": 1, "changed": 2, "unchanged": 2}


def test_a_model_against_itself_has_no_changes(seed_path: Path) -> None:
    result = run_cli("diff", seed_path, seed_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "no changes"
    assert "Layers: 0 changed · 0 added · 0 removed · 5 unchanged" in result.stdout
    document = diff_json(seed_path, seed_path)
    assert {row["status"] for row in document["layers"]} == {"unchanged"}
    assert all(q is None or q["delta"] == 0 for q in document["totals"].values())


def test_auto_numbered_names_match(models: dict[str, Path]) -> None:
    document = diff_json(models["auto_a"], models["auto_b"])
    names = [(row["a"]["name"], row["b"]["name"]) for row in document["layers"]]
    assert len(names) == 2
    assert all(a != b and a.startswith("dense") and b.startswith("dense") for a, b in names)
    assert [row["status"] for row in document["layers"]] == ["unchanged", "unchanged"]
    assert [row["matched_by"] for row in document["layers"]] == ["position", "position"]
    assert document["headline"] == "no changes"


def test_keras_applications_mobilenet_vs_mobilenetv2(applications: Any) -> None:
    a, b = applications.file("MobileNet"), applications.file("MobileNetV2")
    document = diff_json(a, b)
    assert document["totals"]["params"] == {
        "a": 4_253_864,
        "b": 3_538_984,
        "delta": -714_880,
        "percent": -16.8054,
    }
    assert document["totals"]["layers"]["a"] == len(applications.report("MobileNet").layers)
    assert document["totals"]["macs"]["a"] == 568_740_352
    assert document["totals"]["macs"]["b"] == 300_774_272
    counts = document["counts"]
    assert (
        counts["added"] + counts["changed"] + counts["unchanged"]
        == document["totals"]["layers"]["b"]
    )
    assert (
        counts["removed"] + counts["changed"] + counts["unchanged"]
        == document["totals"]["layers"]["a"]
    )
    # Every layer's delta adds up to the totals' delta.
    top = [row for row in document["layers"] if (row["b"] or row["a"])["depth"] == 0]
    assert sum(row["delta"]["params"] for row in top) == -714_880
    assert counts == {"added": 76, "removed": 11, "changed": 79, "unchanged": 1}
    rows = rows_by_path(document)
    assert rows["input_layer"]["status"] == "unchanged"
    assert rows["input_layer"]["matched_by"] == "path"
    # conv1 (MobileNet) and Conv1 (MobileNetV2): same class and place, renamed.
    conv1 = rows["Conv1"]
    assert (conv1["a"]["name"], conv1["matched_by"], conv1["changes"]) == (
        "conv1",
        "position",
        ["name"],
    )
    assert rows["expanded_conv_project"]["status"] == "added"
    same = diff_json(a, a)
    assert same["counts"]["unchanged"] == same["totals"]["layers"]["a"]


def test_diff_json_validates_against_the_shipped_schema(
    seed_path: Path, models: dict[str, Path], seed_report: Any
) -> None:
    import jsonschema

    schema = diff_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for document in (
        diff_json(seed_path, models["wide"], "--samples", "55000"),
        diff_json(seed_path, models["inserted"]),
        diff(seed_report, seed_path).to_dict(),  # an in-memory report (keras engine) vs a file
    ):
        errors = sorted(validator.iter_errors(document), key=str)
        assert errors == [], errors[:3]
    broken = diff_json(seed_path, models["wide"])
    broken["layers"][1]["status"] = "moved"
    assert list(validator.iter_errors(broken))


def test_python_api_takes_reports_models_and_paths(
    seed_report: Any, seed_model: Any, seed_path: Path, models: dict[str, Path]
) -> None:
    from layerscope import DiffReport

    result = diff(seed_model, models["wide"])
    assert isinstance(result, DiffReport)
    assert result.totals.params.delta == 98_500
    assert result.layers[1].delta.params == 78_500
    assert result.a.engine == "keras" and result.b.engine == "static"
    assert not diff(seed_report, seed_path).has_changes
    assert diff(seed_report, seed_report).headline() == "no changes"


def test_diffing_two_files_never_imports_tensorflow(
    seed_path: Path, models: dict[str, Path]
) -> None:
    code = (
        "import sys\n"
        "from layerscope.cli import main\n"
        "try:\n"
        f"    main(['diff', {os.fspath(seed_path)!r}, {os.fspath(models['wide'])!r},"
        " '--format', 'html', '-o', '/dev/null'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr[-2000:]


def test_diff_bad_inputs(seed_path: Path, tmp_path: Path) -> None:
    missing = run_cli("diff", seed_path, tmp_path / "nope.keras")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"layerscope: error: {str(tmp_path / 'nope.keras')!r}: no such file"
    ]
    usage = run_cli("diff", seed_path, seed_path, "--format", "yaml")
    assert usage.returncode == 2 and "'yaml'" in usage.stderr
    one = run_cli("diff", seed_path)
    assert one.returncode == 2 and "Missing argument 'OTHER'" in one.stderr
    refused = run_cli("diff", seed_path, seed_path, "-o", seed_path)
    assert refused.returncode != 0 and seed_path.stat().st_size > 0


# -- check -----------------------------------------------------------------------------------


def test_check_exit_codes(seed_path: Path, tmp_path: Path) -> None:
    ok = run_cli(
        "check",
        seed_path,
        "--max-params",
        "400K",
        "--max-macs",
        "1.5G",
        "--max-bytes",
        "300MiB",
        "--max-layers",
        "5",
        "--no-config",
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1] == "OK: all 4 budgets hold."
    params_line = next(line for line in ok.stdout.splitlines() if line.startswith(" Params "))
    assert params_line.split() == [
        "Params",
        "400,000",
        "316,810",
        "+83,190",
        "(20.8%)",
        "ok",
        "command",
        "line",
    ]

    over = run_cli(
        "check", seed_path, "--max-params", "300K", "--max-trainable", "1M", "--no-config"
    )
    assert over.returncode == 3, over.stderr
    assert over.stdout.splitlines()[-1] == "FAIL: 1 of 2 budgets exceeded."
    over_line = next(line for line in over.stdout.splitlines() if line.startswith(" Params "))
    assert over_line.split()[:6] == [
        "Params",
        "300,000",
        "316,810",
        "-16,810",
        "(-5.6%)",
        "EXCEEDED",
    ]

    exact = run_cli("check", seed_path, "--max-params", "316810", "--no-config")
    assert exact.returncode == 0  # a budget is a maximum: equal holds

    unreadable = tmp_path / "broken.keras"
    unreadable.write_bytes(b"not a zip")
    bad_model = run_cli("check", unreadable, "--max-params", "1M")
    assert bad_model.returncode == 1
    assert len(bad_model.stderr.strip().splitlines()) == 1

    for args, quoted in [
        (["--max-params", "25X"], "'25X'"),
        (["--max-bytes", "1.5"], "'1.5'"),
        (["--max-macs", "-3G"], "'-3G'"),
        (["--max-growth", "lots", "--baseline", os.fspath(seed_path)], "'lots'"),
    ]:
        bad = run_cli("check", seed_path, *args)
        assert bad.returncode == 2, (args, bad.stderr)
        assert quoted in bad.stderr, bad.stderr
    nothing = run_cli("check", seed_path, "--no-config")
    assert nothing.returncode == 2 and "no budgets" in nothing.stderr
    per_sample = run_cli("check", seed_path, "--max-params-per-sample", "10", "--no-config")
    assert per_sample.returncode == 2 and "needs --samples" in per_sample.stderr
    growth = run_cli("check", seed_path, "--max-growth", "5%", "--no-config")
    assert growth.returncode == 2 and "needs --baseline" in growth.stderr


def test_check_params_per_sample_and_formats(seed_path: Path) -> None:
    result = run_cli(
        "check",
        seed_path,
        "--samples",
        "55000",
        "--max-params-per-sample",
        "5",
        "--max-params",
        "25M",
        "--format",
        "json",
        "--no-config",
    )
    assert result.returncode == 3
    verdict = json.loads(result.stdout)
    assert verdict["ok"] is False and verdict["schema_version"] == 1
    by_metric = {b["metric"]: b for b in verdict["budgets"]}
    assert by_metric["params"]["limit"] == 25_000_000 and by_metric["params"]["ok"] is True
    assert by_metric["params_per_sample"]["measured"] == pytest.approx(316_810 / 55_000)
    assert by_metric["params_per_sample"]["ok"] is False
    import jsonschema

    schema_path = Path(__file__).resolve().parent.parent / "layerscope" / "check.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(verdict, schema, cls=jsonschema.Draft202012Validator)
    markdown = run_cli(
        "check", seed_path, "--max-params", "25M", "--format", "markdown", "--no-config"
    )
    assert markdown.returncode == 0
    assert "| Params | 25,000,000 | 316,810 | +24,683,190 (98.7%) | ✅ ok |" in markdown.stdout


def test_check_growth_against_a_baseline(seed_path: Path, models: dict[str, Path]) -> None:
    grown = run_cli(
        "check", models["wide"], "--baseline", seed_path, "--max-growth", "5%", "--no-config"
    )
    assert grown.returncode == 3, grown.stderr
    lines = grown.stdout.splitlines()
    params = next(line for line in lines if line.startswith(" Params growth"))
    assert params.split()[2:8] == ["+5%", "+31.09%", "(316,810", "->", "415,310)", "-26.09"]
    assert "FAIL: 3 of 3 budgets exceeded." in grown.stdout
    shrunk = run_cli(
        "check",
        seed_path,
        "--baseline",
        models["wide"],
        "--max-growth",
        "5%",
        "--max-growth",
        "layers=0",
        "--no-config",
    )
    assert shrunk.returncode == 0, shrunk.stderr
    assert shrunk.stdout.splitlines()[-1] == "OK: all 4 budgets hold."
    macs_only = run_cli(
        "check", models["wide"], "--baseline", seed_path, "--max-growth", "macs=40%", "--no-config"
    )
    assert macs_only.returncode == 0, macs_only.stdout
    as_json = run_cli(
        "check",
        models["wide"],
        "--baseline",
        seed_path,
        "--max-growth",
        "params=5%",
        "--format",
        "json",
        "--no-config",
    )
    assert as_json.returncode == 3
    verdict = json.loads(as_json.stdout)
    assert verdict["budgets"] == [
        {
            "metric": "params",
            "growth": True,
            "limit": 5.0,
            "measured": 31.091190,
            "margin": -26.09119,
            "baseline": 316_810,
            "value": 415_310,
            "ok": False,
            "origin": "command line",
        }
    ]
    import jsonschema

    schema_path = Path(__file__).resolve().parent.parent / "layerscope" / "check.schema.json"
    jsonschema.validate(verdict, json.loads(schema_path.read_text(encoding="utf-8")))


def test_check_reads_budgets_from_pyproject(
    seed_path: Path, models: dict[str, Path], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    shutil.copy(seed_path, project / "models" / "mlp.keras")
    shutil.copy(models["wide"], project / "models" / "mlp_wide.keras")
    (project / "pyproject.toml").write_text(
        "[tool.layerscope.check]\n"
        'max-params = "400K"\n'
        "\n"
        '[tool.layerscope.check."models/*_wide.keras"]\n'
        'max-growth = "5%"\n'
        'baseline = "models/mlp.keras"\n',
        encoding="utf-8",
    )
    ok = run_cli("check", "models/mlp.keras", cwd=project)
    assert ok.returncode == 0, ok.stderr
    assert "pyproject.toml" in ok.stdout and "OK: the budget holds." in ok.stdout
    wide = run_cli("check", "models/mlp_wide.keras", cwd=project)
    assert wide.returncode == 3, wide.stderr
    assert "FAIL: 4 of 4 budgets exceeded." in wide.stdout  # 415,310 > 400K, and growth
    assert 'pyproject.toml "models/*_wide.keras"' in wide.stdout
    # The command line wins over the file, and --no-config ignores it.
    relaxed = run_cli(
        "check", "models/mlp_wide.keras", "--max-params", "500K", "--max-growth", "40%", cwd=project
    )
    assert relaxed.returncode == 0, relaxed.stdout
    # Found from the model's folder, wherever the command runs.
    elsewhere = run_cli("check", project / "models" / "mlp_wide.keras", cwd=tmp_path)
    assert elsewhere.returncode == 3
    (project / "pyproject.toml").write_text(
        '[tool.layerscope.check]\nmax-params = "lots"\n', encoding="utf-8"
    )
    broken = run_cli("check", "models/mlp.keras", cwd=project)
    assert broken.returncode == 2 and "'lots'" in broken.stderr


def test_readme_shows_the_real_diff(seed_path: Path, models: dict[str, Path]) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- diff-output -->", 1)[1].split("<!-- /diff-output -->", 1)[0]
    shown = block.strip().removeprefix("```markdown").removesuffix("```").strip()
    result = run_cli("diff", seed_path, models["wide"], "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert shown == result.stdout.strip()
    check_block = readme.split("<!-- check-output -->", 1)[1].split("<!-- /check-output -->", 1)[0]
    command, *output = (
        check_block.strip().removeprefix("```").removesuffix("```").strip().splitlines()
    )
    assert command.startswith("$ layerscope check ")
    args = command.removeprefix("$ layerscope ").split()
    args = [os.fspath(models["wide"]) if a == "mnist_mlp_wide.keras" else a for a in args]
    args = [os.fspath(seed_path) if a == "examples/mnist_mlp.keras" else a for a in args]
    checked = run_cli(*args, "--no-config")
    assert checked.returncode == 3
    assert "\n".join(output[:-2]).strip() == checked.stdout.strip()
    assert output[-2:] == ["$ echo $?", "3"]


def test_keras_engine_gives_the_same_diff(seed_path: Path, models: dict[str, Path]) -> None:
    static = diff_json(seed_path, models["inserted"])
    loaded = diff_json(seed_path, models["inserted"], "--engine", "keras")
    assert loaded["a"]["engine"] == loaded["b"]["engine"] == "keras"
    for document in (static, loaded):
        document["a"].pop("engine")
        document["b"].pop("engine")
    assert loaded == static
