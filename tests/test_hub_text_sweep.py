"""keras_hub text backbones the rest of the suite never builds (``tests/hub_text_models.py``:
published configurations, random weights, fewer layers), each checked end to end.

Per model, in one test (each model is built once, traced once and loaded once):

* exact parameter totals and trainable / non-trainable split against Keras, in memory and
  from the saved ``.keras`` file, with depth-0 rows adding up to the totals;
* MACs at 128 tokens equal to the independent count of the TensorFlow graph's matrix
  products (``independent_macs.tf_graph_macs``), exactly (every model measured agrees to the
  MAC; the suite's 1% bound would have hidden Mixtral's router, counted for 1 token of 128);
* roles: every variable of a normalisation layer is ``norm``, biases ``bias``, embedding
  tables ``weight``; only non-trainable buffers (a rotary table) are ``other``;
* the architecture reading: a stack of repeated blocks, never a funnel, and the dominant
  layer a real top-level row;
* ``--engine auto`` on the file: Qwen2 and Qwen3 are read by their static recipes (no
  stderr); the others have none, so the Keras engine reads the file after one stderr line
  saying why; either way the rows, parameters and MACs equal the in-memory report's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras_hub  # a declared test dependency: missing fails, never skips
import pytest
from hub_models import keras_counts
from hub_text_models import TEXT_SPECS, release, text_counts, text_file, text_model
from independent_macs import tf_graph_macs
from test_static_hub import ANALYZE, BLOCKER, run_blocked

import layerscope
from layerscope.roles import is_normalization_class

ROOT = Path(__file__).resolve().parent.parent
SEQ_LEN = 128

# The independent count at 128 tokens for each model, as tf_graph_macs measured it when this
# file was written. The test computes it afresh and layerscope must equal that; pinning it
# here too makes a change in keras_hub's models (or in the counter) fail loudly.
MEASURED = {
    "albert_base": 11_186_798_592,
    "electra_small": 222_363_648,
    "deberta_v3_xsmall": 880_803_840,
    "bart_base": 2_189_426_688,
    "falcon_1b": 6_509_559_808,
    "bloom_560m": 3_288_334_336,
    "qwen2_0_5b": 3_875_553_280,
    "qwen3_0_6b": 4_160_782_336,
    "mixtral_small": 5_839_523_840,
    "pythia_70m": 838_864_896,
    "gemma3_270m": 1_493_237_760,
    "xlnet_base": 2_215_084_032,
    "roformer_v2_base": 1_862_279_168,
    "esm2_t6_8m": 335_544_320,
    "whisper_tiny": 876_871_680,
    "phi3_mini": 1_862_295_552,
    "smollm3_3b": 5_066_727_424,
}


def _input_dims(model: Any) -> dict[str, tuple[int, ...]]:
    import keras

    dims: dict[str, tuple[int, ...]] = {}
    for tensor in keras.tree.flatten(model.input):
        shape = tuple(SEQ_LEN if d is None else int(d) for d in tuple(tensor.shape)[1:])
        dims[tensor._keras_history.operation.name] = shape
    return dims


def _totals(report: layerscope.ModelReport) -> dict[str, int]:
    assert report.totals is not None
    return {
        "params": report.totals.params,
        "trainable": report.totals.trainable,
        "non_trainable": report.totals.non_trainable,
    }


def _check_roles(report: layerscope.ModelReport) -> None:
    seen: dict[str, Any] = {}
    owner: dict[str, str] = {}
    # The deepest row holding a variable owns it (a block's row lists its sub-layers' too).
    for row in sorted(report.layers, key=lambda r: -r.depth):
        for variable in row.variables:
            seen.setdefault(variable.path, variable)
            owner.setdefault(variable.path, row.class_name)
    wrong = []
    for path, variable in seen.items():
        short = variable.name.lower()
        if is_normalization_class(owner[path]):
            expected = "norm"
        elif short == "bias" or short.endswith("_bias"):
            expected = "bias"
        elif "embedding" in owner[path].lower() and variable.trainable:
            expected = "weight"
        else:
            expected = None
        if expected is not None and variable.role != expected:
            wrong.append((path, owner[path], variable.role, expected))
        if variable.role == "other" and variable.trainable:
            wrong.append((path, owner[path], "other", "a trainable variable with a known role"))
    assert wrong == []


STATIC = {"qwen2_0_5b", "qwen3_0_6b"}
"""Read by a static recipe (``auto`` needs no Keras); the others fall back to Keras."""

SINGLE_BLOCK = {"bart_base", "falcon_1b"}
"""Built with one block of each kind (a 1 + 1 layer BART, a 1-layer Falcon): nothing repeats."""


def _check_architecture(name: str, report: layerscope.ModelReport) -> None:
    architecture = report.architecture
    assert architecture is not None
    assert architecture.pattern != "funnel"
    if name in SINGLE_BLOCK:
        assert architecture.blocks == ()
    else:
        assert architecture.blocks, "a transformer stack is read as repeated blocks"
        assert architecture.pattern == "rectangle"
    if name == "albert_base":  # one layer called 12 times, its weights shared
        (run,) = architecture.blocks
        assert (run.count, run.shared, run.params) == (12, True, 7_087_872)
    top = {row.path for row in report.top_level}
    assert architecture.dominant_path in top
    dominant = report.layer(architecture.dominant_path)
    assert dominant.params == max(row.params for row in report.top_level)
    assert "funnel" not in report.to_text(width=120)


@pytest.mark.parametrize("name", list(TEXT_SPECS))
def test_a_text_backbone_end_to_end(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    model = text_model(name)
    report = layerscope.analyze(model, seq_len=SEQ_LEN)
    counts = keras_counts(model)
    assert _totals(report) == counts
    assert sum(row.params for row in report.top_level) == counts["params"]
    assert sum(row.macs for row in report.top_level) == report.cost.macs
    truth = tf_graph_macs(model, _input_dims(model))
    assert report.cost.macs == truth, (name, report.cost.macs, truth)
    assert truth == MEASURED[name]
    assert report.cost.complete and report.cost.uncounted == ()
    assert report.cost.per_unknown_dims == ()
    _check_roles(report)
    _check_architecture(name, report)

    path = text_file(name)
    release(name)
    del model
    capsys.readouterr()
    import keras

    keras.backend.clear_session()
    from_file = layerscope.analyze(str(path), seq_len=SEQ_LEN)
    stderr = capsys.readouterr().err.strip().splitlines()
    if name in STATIC:
        assert from_file.engine == "static" and stderr == []
    else:
        _check_fallback(name, path, from_file, stderr)
    assert _totals(from_file) == text_counts(name) == counts
    assert from_file.cost.macs == truth
    assert [(r.path, r.params, r.macs) for r in from_file.layers] == [
        (r.path, r.params, r.macs) for r in report.layers
    ]


def _check_fallback(
    name: str, path: Path, from_file: layerscope.ModelReport, stderr: list[str]
) -> None:
    """No recipe: the Keras engine read the file, after one stderr line saying why."""
    assert from_file.engine == "keras"
    class_name = json.loads(_config(path))["class_name"]
    assert len(stderr) == 1 and stderr[0].startswith(
        "layerscope: loaded the model with Keras: the static engine cannot report it exactly "
        f"(the model is a{'n' if class_name[0] in 'AEIOU' else ''} {class_name} "
    ), stderr
    if name == "albert_base":
        assert "the class of 1 layer is read from its weights-group name" in stderr[0]


def _config(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("config.json").decode()


def test_a_dense_on_positions_folded_into_the_batch_counts_every_position(keras: Any) -> None:
    """Mixtral's router is a Dense called on ``(batch x tokens, hidden)``: at batch 1 and 10
    tokens its call's leading axis is 10, not the batch, and the Dense rule must count all
    10 rows (it counted one, as it would for the batch; ``LayerCall.rows``)."""
    layers = keras.layers

    class Router(layers.Layer):  # type: ignore[misc, name-defined]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.dense = layers.Dense(8, name="router")

        def build(self, shape: Any) -> None:
            self.dense.build((None, shape[-1]))

        def call(self, x: Any) -> Any:
            flat = keras.ops.reshape(x, (-1, 16))
            return keras.ops.reshape(self.dense(flat), (-1, keras.ops.shape(x)[1], 8))

    keras.backend.clear_session()
    x = keras.Input((None, 16), name="x")
    model = keras.Model(x, Router(name="block")(x))
    report = layerscope.analyze(model, seq_len=10)
    router = report.layer("block/router")
    assert router.input_shapes == ((None, 16),) and router.calls[0].rows == 10
    assert router.macs == 10 * 16 * 8
    assert router.activation_elements == 10 * 8
    assert report.cost.macs == 10 * 16 * 8 == tf_graph_macs(model, {"x": (10, 16)})


def test_mixtral_counts_its_router_and_every_expert(capsys: pytest.CaptureFixture[str]) -> None:
    """keras_hub's Mixtral runs all 8 experts on every token (then weights the top 2): the
    MACs are what it computes, and the router's 128 x 512 x 8."""
    report = layerscope.analyze(text_model("mixtral_small"), seq_len=SEQ_LEN)
    block = "transformer_layer_0/mixtral_sparse_moe_block"
    assert report.layer(f"{block}/sparse_feedforward_gate_dense").macs == 128 * 512 * 8
    experts = report.layer(f"{block}/experts")
    assert experts.macs == 8 * 3 * 128 * 512 * 1792
    assert [v.role for v in experts.variables] == ["weight"] * 3
    assert report.totals is not None and report.totals.by_role.other == 0


@pytest.mark.parametrize("command", ["report", "diagram"])
def test_report_and_diagram_of_a_saved_text_backbone(command: str, tmp_path: Path) -> None:
    """The CLI on a file whose class has no static recipe: the Keras engine reads it."""
    path = text_file("esm2_t6_8m")
    target = tmp_path / ("esm2.html" if command == "report" else "esm2.svg")
    extra = ["--seq-len", "128"] if command == "report" else []
    result = subprocess.run(
        [sys.executable, "-m", "layerscope", command, str(path), *extra, "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**_env(), "LAYERSCOPE_PROGRESS": "0"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = target.read_text()
    assert "transformer_layer_1" in text
    if command == "report":
        # 2 blocks of 4 s h^2 projections + 2 s^2 h attention products + 2 s h f feed-forward.
        macs = 2 * (4 * 128 * 320**2 + 2 * 128 * 128 * 320 + 2 * 128 * 320 * 1280)
        assert macs == MEASURED["esm2_t6_8m"] and f"{macs:,}" in text
        assert "ESMBackbone" in text


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("class_name", ["QwenBackbone", "Qwen3Backbone"])
def test_qwen_is_read_by_its_recipe_as_the_keras_engine_reads_it(
    keras: Any, tmp_path: Path, class_name: str, tied: bool
) -> None:
    """QwenBackbone (Qwen2) is Mistral's decoder with biases on the query, key and value
    projections; Qwen3 has none but RMS-normalises each query and key head. The static
    engine's rows (sub-layers included) equal the Keras engine's, tied or not, and the MACs
    are the grouped-query closed form."""
    from test_static_hub import engines_agree

    qwen3 = class_name == "Qwen3Backbone"
    model = getattr(keras_hub.models, class_name)(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=32,
        intermediate_dim=48,
        tie_word_embeddings=tied,
        **({"head_dim": 8} if qwen3 else {}),
    )
    path = tmp_path / "qwen.keras"
    model.save(path)
    static, _ = engines_agree(keras, path, seq_len=16)
    assert static.totals is not None and static.totals.params == model.count_params()
    attention = "transformer_layer_0/self_attention"
    query = static.layer(f"{attention}/query")
    assert [(v.name, v.role) for v in query.variables] == (
        [("kernel", "weight")] if qwen3 else [("kernel", "weight"), ("bias", "bias")]
    )
    if qwen3:
        norm = static.layer(f"{attention}/key_dense_layernorm")
        assert norm.class_name == "Qwen3LayerNorm" and norm.output_shapes == ((None, 16, 2, 8),)
        assert [(v.name, v.role, v.shape) for v in norm.variables] == [("scale", "norm", (8,))]
    # Per block: q/o 16 x 32 x 32, k/v 16 x 32 x 16, scores and values 2 x 4 x 16 x 16 x 8,
    # gated FFN 3 x 16 x 32 x 48, and the rotary tables (16 x 4, queries and keys).
    block = 2 * 16 * 32 * 32 + 2 * 16 * 32 * 16 + 2 * 4 * 16 * 16 * 8 + 3 * 16 * 32 * 48
    assert static.cost.macs == 2 * (block + 2 * 16 * 4)


@pytest.fixture(scope="module")
def no_frameworks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment whose ``sitecustomize`` makes the frameworks unimportable (as
    test_static_hub's ``blocked_env``)."""
    import os

    folder = tmp_path_factory.mktemp("no_frameworks")
    (folder / "sitecustomize.py").write_text(BLOCKER)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "LAYERSCOPE_PROGRESS": "0",
    }


@pytest.mark.parametrize("name", sorted(STATIC))
def test_qwen_files_are_read_with_no_framework_importable(
    no_frameworks: dict[str, str], name: str
) -> None:
    """The published-width Qwen files in a process where TensorFlow, Keras and keras_hub
    cannot be imported: Keras's counts and the independent MAC figure."""
    result = run_blocked(
        no_frameworks, "-c", ANALYZE, str(text_file(name)), "auto", json.dumps({"seq_len": SEQ_LEN})
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""
    found = json.loads(result.stdout)
    assert found["engine"] == "static" and found["uncounted"] == []
    assert found["params"] == text_counts(name)["params"]
    assert found["macs"] == MEASURED[name]


def test_convolutions_a_custom_layer_runs_through_keras_ops_are_counted(keras: Any) -> None:
    """Qwen3.5's gated delta net runs a causal ``ops.depthwise_conv`` itself: such products
    were counted 0 (no Keras convolution layer, no rule) while the cost said complete."""
    layers = keras.layers

    class Mixer(layers.Layer):  # type: ignore[misc, name-defined]
        def build(self, shape: Any) -> None:
            self.depthwise = self.add_weight(shape=(4, 16, 1), name="depthwise_kernel")
            self.pointwise = self.add_weight(shape=(3, 16, 8), name="conv_kernel")

        def call(self, x: Any) -> Any:
            x = keras.ops.pad(x, ((0, 0), (3, 0), (0, 0)))
            x = keras.ops.depthwise_conv(x, self.depthwise, strides=1, padding="valid")
            return keras.ops.conv(x, self.pointwise, strides=2, padding="same")

    keras.backend.clear_session()
    x = keras.Input((None, 16), name="x")
    model = keras.Model(x, Mixer(name="mixer")(x))
    report = layerscope.analyze(model, seq_len=10)
    # depthwise: 10 steps x 16 channels x window 4; conv: 5 steps x 8 out x window 3 x 16 in.
    expected = 10 * 16 * 4 + 5 * 8 * 3 * 16
    assert report.layer("mixer").macs == expected
    assert report.cost.macs == expected == tf_graph_macs(model, {"x": (10, 16)})


def test_matrix_products_written_with_the_at_operator_are_counted(keras: Any) -> None:
    """RWKV-7's recurrence multiplies TensorFlow tensors with ``@`` in a Python loop over
    the steps, never calling keras.ops: those products were counted 0."""
    layers = keras.layers

    class Recurrence(layers.Layer):  # type: ignore[misc, name-defined]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.readout = layers.Dense(4, name="readout")  # a block: the model is traced

        def build(self, shape: Any) -> None:
            self.w = self.add_weight(shape=(8, 8), name="state_kernel")
            self.u = self.add_weight(shape=(8, 8), name="output_kernel")
            self.readout.build((None, 5, 8))

        def call(self, x: Any) -> Any:
            state = keras.ops.zeros((1, 8))
            outputs = []
            for step in range(x.shape[1]):
                state = state @ self.w + x[:, step, :]
                outputs.append(state @ self.u)
            return self.readout(keras.ops.stack(outputs, axis=1))

    keras.backend.clear_session()
    x = keras.Input((5, 8), name="x")
    model = keras.Model(x, Recurrence(name="recurrence")(x))
    report = layerscope.analyze(model)
    readout = report.layer("recurrence/readout")
    assert readout.macs == 5 * 8 * 4
    assert report.layer("recurrence").macs == 5 * 2 * 8 * 8 + readout.macs
    assert report.cost.macs == 5 * 2 * 8 * 8 + 5 * 8 * 4 == tf_graph_macs(model, {"x": (5, 8)})
