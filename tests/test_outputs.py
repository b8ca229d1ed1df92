"""The summary formats: golden text and Markdown for the seed model, the JSON contract."""

from __future__ import annotations

import json

from layerscope.render.format import human_bytes, percent


def test_seed_text_golden(seed_report, golden) -> None:
    text = seed_report.to_text(width=120)
    golden("mnist_mlp.txt", text)
    assert "Hidden1 (Dense)" in text
    assert "235,500" in text and "235,200" in text and "316,810" in text
    assert "74.3%" in text


def test_seed_markdown_golden(seed_report, golden) -> None:
    markdown = seed_report.to_markdown()
    golden("mnist_mlp.md", markdown)
    assert "| Hidden1 | Dense | (None, 300) | 235,500 | 235,200 | 300 |" in markdown


def test_seed_json_follows_the_contract(seed_report) -> None:
    document = json.loads(seed_report.to_json())
    assert document["schema_version"] == 1
    assert document["model"]["name"] == "sequential"
    assert document["model"]["class_name"] == "Sequential"
    assert document["totals"]["params"] == 316_810
    assert document["totals"]["trainable"] == 316_810
    assert document["totals"]["non_trainable"] == 0
    assert document["totals"]["bytes"] == 1_267_240
    assert document["totals"]["by_role"] == {
        "weight": 316_200,
        "bias": 610,
        "norm": 0,
        "stats": 0,
        "other": 0,
    }
    hidden1 = document["layers"][1]
    for key in (
        "name",
        "path",
        "depth",
        "class_name",
        "params",
        "trainable",
        "non_trainable",
        "bytes",
        "by_role",
        "share",
        "output_shape",
        "variables",
        "inbound",
        "macs",
    ):
        assert key in hidden1, key
    assert hidden1["name"] == hidden1["path"] == "Hidden1"
    assert hidden1["depth"] == 0
    assert hidden1["output_shape"] == [None, 300]
    assert hidden1["inbound"] == ["Flatten"]
    assert hidden1["by_role"]["weight"] == 235_200
    assert round(hidden1["share"], 4) == 0.7433
    assert hidden1["variables"][0] == {
        "name": "kernel",
        "path": "Hidden1/kernel",
        "role": "weight",
        "shape": [784, 300],
        "dtype": "float32",
        "count": 235_200,
        "trainable": True,
        "bytes": 940_800,
        "shared_from": None,
        "stats": None,  # values are read only with --weights
    }
    assert document["data_fit"]["training_samples"] == 55_000
    assert document["data_fit"]["params_per_sample"] == 5.76
    assert "macs" in document["cost"]


def test_no_data_fit_without_samples(seed_model) -> None:
    from layerscope import analyze

    report = analyze(seed_model)
    assert report.data_fit is None
    assert json.loads(report.to_json())["data_fit"] is None
    assert "Data fit" not in report.to_text()
    assert "Data fit" not in report.to_markdown()


def test_formatting_helpers() -> None:
    assert human_bytes(1_267_240) == "1.21 MiB"
    assert human_bytes(512) == "512 B"
    assert percent(0.74335) == "74.3%"
    assert percent(0.00001) == "<0.1%"
    assert percent(0) == "0%"
