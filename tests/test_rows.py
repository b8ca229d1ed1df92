"""Rows that add up and roles by what a variable is, on keras_hub models built from their
published configurations (random weights, nothing downloaded; see tests/hub_models.py).

A variable used by two rows (GPT2CausalLM's token embedding, called again as the LM head) is
counted once, in the row owning it; the other row lists it with ``shared_from``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import keras_hub  # noqa: F401  (a declared test dependency: missing fails, never skips)
import pytest
from hub_models import hub_file, hub_model, recorded_counts, release
from schema_check import schema_errors

from layerscope import analyze
from layerscope.report import ModelReport

ROOT = Path(__file__).resolve().parent.parent
GPT2_PARAMS = 124_439_808
GPT2_TOKEN_EMBEDDING = 50257 * 768

SMALL = ["llama_small_gqa", "gemma_small", "mobilenet_v3_large"]
LARGE = ["bert_base", "gpt2_small", "gpt2_causal_lm", "vit_b16"]
"""Their .keras files are 340-500 MB: loading one takes a while, so those are ``slow``."""

_REPORTS: dict[str, ModelReport] = {}


def memory_report(name: str) -> ModelReport:
    """The in-memory model's report, analysed once per session (the model is then dropped)."""
    if name not in _REPORTS:
        _REPORTS[name] = analyze(hub_model(name))
        release(name)
    return _REPORTS[name]


def assert_rows_add_up(report: ModelReport, params: int) -> None:
    assert report.totals is not None
    top = report.top_level
    assert report.totals.params == params
    assert sum(row.params for row in top) == params
    assert sum(row.trainable for row in top) == report.totals.trainable
    assert sum(row.bytes for row in top) == report.totals.bytes
    assert sum((row.by_role for row in top[1:]), top[0].by_role) == report.totals.by_role
    assert sum(row.share for row in top) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("name", SMALL + LARGE)
def test_depth0_rows_add_up_in_memory(name: str) -> None:
    assert_rows_add_up(memory_report(name), recorded_counts(name)["params"])
    assert not schema_errors(memory_report(name)), name  # the shipped JSON Schema


@pytest.mark.parametrize("name", SMALL + [pytest.param(n, marks=pytest.mark.slow) for n in LARGE])
def test_depth0_rows_add_up_from_keras_file(name: str) -> None:
    report = analyze(hub_file(name), engine="keras")
    assert_rows_add_up(report, recorded_counts(name)["params"])
    # Row by row the same numbers (auto-generated names like 'multiply_1' may differ).
    assert [(r.class_name, r.params, r.shared_params) for r in report.layers] == [
        (r.class_name, r.params, r.shared_params) for r in memory_report(name).layers
    ]
    # The default engine (the static reader where it knows the backbone, which lists each
    # block as one row) adds up too, and its depth-0 rows are the Keras capture's.
    default = analyze(hub_file(name))
    assert_rows_add_up(default, recorded_counts(name)["params"])
    assert not schema_errors(report) and not schema_errors(default), name
    assert [(r.class_name, r.params, r.shared_params) for r in default.top_level] == [
        (r.class_name, r.params, r.shared_params) for r in report.top_level
    ]


def _backbone(report: ModelReport) -> str:
    """The backbone's path: ``gpt2_backbone``, or ``gpt2_backbone_1`` when another GPT-2
    was built earlier in the same process (Keras numbers default names)."""
    (path,) = [row.path for row in report.top_level if row.class_name == "GPT2Backbone"]
    return path


def test_gpt2_causal_lm_counts_the_tied_embedding_once() -> None:
    report = memory_report("gpt2_causal_lm")
    backbone = _backbone(report)
    assert_rows_add_up(report, GPT2_PARAMS)
    head = report.layer("token_embedding")  # the LM head: the embedding called in reverse
    assert head.depth == 0 and head.class_name == "ReversibleEmbedding"
    assert (head.params, head.shared_params, head.share) == (0, GPT2_TOKEN_EMBEDDING, 0.0)
    assert [(v.path, v.shared_from) for v in head.variables] == [
        (f"{backbone}/token_embedding/embeddings", f"{backbone}/token_embedding")
    ]
    owner = report.layer(f"{backbone}/token_embedding")
    assert (owner.params, owner.shared_params) == (GPT2_TOKEN_EMBEDDING, 0)
    assert report.layer(backbone).params == GPT2_PARAMS


def test_gpt2_causal_lm_shows_the_sharing_in_every_format() -> None:
    report = memory_report("gpt2_causal_lm")
    backbone = _backbone(report)
    note = (
        "'token_embedding' (ReversibleEmbedding) also uses parameters counted in another "
        f"row (38,597,376 in '{backbone}/token_embedding'); they are counted once, there"
    )
    assert note in " ".join(report.to_text(width=400).split())
    assert "Shared: " + note.replace("_", "\\_") in report.to_markdown()
    assert note.replace("'", "&#39;") in report.to_html()
    layers = {row["path"]: row for row in json.loads(report.to_json())["layers"]}
    assert layers["token_embedding"]["params"] == 0
    assert layers["token_embedding"]["shared_params"] == GPT2_TOKEN_EMBEDDING
    assert layers["token_embedding"]["variables"][0]["shared_from"] == (
        f"{backbone}/token_embedding"
    )
    assert layers[backbone]["variables"][0]["shared_from"] is None
    dot = report.to_dot()
    # One box for the LM head, holding no params of its own, linked to where they live.
    assert dot.count("<B>token_embedding</B>") == 1
    assert f"+ 38,597,376 shared with {backbone}/token_embedding" in dot
    shared_edges = [line for line in dot.splitlines() if 'label="shared weights"' in line]
    assert len(shared_edges) == 1
    expanded = report.to_dot(expand_nested=True)
    assert sum('label="shared weights"' in line for line in expanded.splitlines()) == 1


def test_layer_shared_by_two_nested_models_is_counted_once(keras: Any) -> None:
    L = keras.layers
    shared = L.Dense(4, name="shared")
    inputs = keras.Input((3,), name="x")
    left = keras.Model(inputs, shared(inputs), name="left")
    inputs_b = keras.Input((3,), name="y")
    right = keras.Model(inputs_b, L.Dense(2, name="out")(shared(inputs_b)), name="right")
    outer_in = keras.Input((3,), name="outer_in")
    model = keras.Model(outer_in, [left(outer_in), right(outer_in)], name="outer")
    report = analyze(model)
    assert report.totals is not None
    assert report.totals.params == model.count_params() == 16 + 10
    assert sum(row.params for row in report.top_level) == 26
    assert report.layer("left").params == 16
    right_row = report.layer("right")
    assert (right_row.params, right_row.shared_params) == (10, 16)
    inner = report.layer("right/shared")
    assert (inner.params, inner.shared_params) == (0, 16)
    assert {v.shared_from for v in inner.variables} == {"left/shared"}


# -- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "norms"),
    [
        (
            "llama_small_gqa",
            [
                "transformer_layer_0/self_attention_layernorm/scale",
                "transformer_layer_0/feedforward_layernorm/scale",
                "transformer_layer_1/self_attention_layernorm/scale",
                "transformer_layer_1/feedforward_layernorm/scale",
                "sequence_output_layernorm/scale",
            ],
        ),
        (
            "gemma_small",
            [
                "decoder_block_0/pre_attention_norm/scale",
                "decoder_block_0/pre_ffw_norm/scale",
                "decoder_block_1/pre_attention_norm/scale",
                "decoder_block_1/pre_ffw_norm/scale",
                "final_normalization/scale",
            ],
        ),
    ],
)
def test_llama_and_gemma_norm_scales_are_norm(name: str, norms: list[str]) -> None:
    """LlamaLayerNorm.scale and Gemma's RMSNormalization.scale: 5 x 256 norm params each."""
    report = memory_report(name)
    assert report.totals is not None
    found = [(v.path, v.role) for row in report.top_level for v in row.variables]
    assert [path for path, role in found if role in ("norm", "other")] == norms
    assert report.totals.by_role.norm == 5 * 256
    assert report.totals.by_role.other == 0
    assert report.totals.by_role.weight + report.totals.by_role.norm == report.totals.params


def test_t5_layer_norm_weight_is_norm(keras: Any) -> None:
    from keras_hub.src.models.t5.t5_layer_norm import T5LayerNorm

    inputs = keras.Input((5, 8))
    model = keras.Model(inputs, T5LayerNorm(name="t5_norm")(inputs))
    report = analyze(model)
    row = report.layer("t5_norm")
    assert [(v.name, v.role) for v in row.variables] == [("weight", "norm")]
    assert row.by_role.norm == 8 and report.totals is not None
    assert report.totals.by_role.weight == 0


def test_subclass_of_a_norm_layer_with_an_unrelated_name_is_norm(keras: Any) -> None:
    class Scaler(keras.layers.LayerNormalization):  # type: ignore[misc, name-defined]
        pass

    inputs = keras.Input((6,))
    report = analyze(keras.Model(inputs, Scaler(name="scaler")(inputs)))
    assert {v.name: v.role for v in report.layer("scaler").variables} == {
        "gamma": "norm",
        "beta": "norm",
    }


# -- a keras_hub file without keras_hub --------------------------------------------------------

_BLOCKER = """
import sys


class _NoKerasHub:
    def find_spec(self, name, path=None, target=None):
        if name == "keras_hub" or name.startswith("keras_hub."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NoKerasHub())
"""


def test_missing_package_says_pip_install(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent(_BLOCKER))
    model = hub_file("llama_small_gqa")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    result = subprocess.run(
        [sys.executable, "-m", "layerscope", "summary", str(model), "--engine", "keras"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("layerscope:")]
    assert lines == [
        f"layerscope: error: {str(model)!r} uses the class 'LlamaBackbone' from "
        "keras_hub.src.models.llama.llama_backbone; it needs the package keras-hub, which "
        "is not installed: pip install keras-hub"
    ]
    assert "--custom-objects" not in result.stderr


def test_readme_shows_bert_base_as_layerscope_prints_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Transformers and keras_hub models", 1)[1].split("\n## ", 1)[0]
    report = analyze(hub_file("bert_base"))  # as the README command: the default engine
    assert report.totals is not None and report.totals.params == 109_482_240
    text = report.to_text(width=120)  # as the README command: --width 120
    table = text.split("Total params")[0]
    for line in table.splitlines()[2:]:
        if line.strip():
            assert line in section, line
    for line in text.splitlines():
        if line.startswith(("Total params", "By role")):
            assert line in section, line
    gpt2 = memory_report("gpt2_causal_lm")
    assert gpt2.totals is not None and f"{gpt2.totals.params:,}" in section
