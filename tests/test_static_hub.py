"""The static engine on keras_hub files: without keras_hub, Keras or TensorFlow importable.

The files come from ``tests/hub_models.py`` (built once per machine from published
configurations, with the counts Keras reported when saving them). Every layerscope run here
is a subprocess whose ``sitecustomize`` makes ``tensorflow``, ``keras``, ``keras_hub``,
``jax`` and ``torch`` unimportable, so a passing test proves the static engine needs none of
them. The MAC figures are checked against closed forms written out here (BERT-base at 128
tokens is the published 11,174,215,680), and the reports against the Keras capture of the
same files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hub_models import hub_file, recorded_counts
from schema_check import schema_errors

ROOT = Path(__file__).resolve().parent.parent
TEXT_MODELS = ("bert_base", "gpt2_causal_lm", "llama_small_gqa", "gemma_small")
MODELS = (*TEXT_MODELS, "vit_b16")

BLOCKER = '''
import sys
import warnings

class _Blocked:
    """Refuse the frameworks: the static engine must never import them."""

    NAMES = ("tensorflow", "keras", "keras_hub", "jax", "torch", "tf_keras")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.NAMES:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, _Blocked())
'''


@pytest.fixture(scope="module")
def blocked_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("no_frameworks")
    (folder / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
    env["LAYERSCOPE_PROGRESS"] = "0"
    return env


@pytest.fixture
def fresh_names(keras: Any) -> Any:
    """Models built here take Keras's global name counters (get_item, get_item_1...): reset
    them afterwards, so a later in-process build is named as in a fresh process."""
    yield keras
    keras.backend.clear_session()


def loaded_capture(keras: Any, path: Path) -> Any:
    """The Keras engine's capture of ``path`` loaded in fresh session counters, as a new
    process loads it: unnamed sub-layers (an attention's ``dropout``, ``softmax``) and graph
    operations (``get_item``) are named by those counters."""
    from layerscope.capture import capture

    keras.backend.clear_session()
    return capture(keras.saving.load_model(path, compile=False), source=os.fspath(path))


def run_blocked(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_the_blocker_blocks(blocked_env: dict[str, str]) -> None:
    result = run_blocked(blocked_env, "-c", "import keras")
    assert result.returncode == 1 and "blocked by the test" in result.stderr


@pytest.mark.parametrize("name", MODELS)
def test_summary_json_without_any_framework(blocked_env: dict[str, str], name: str) -> None:
    path = hub_file(name)
    result = run_blocked(blocked_env, "-m", "layerscope", "summary", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["model"]["engine"] == "static"
    assert not schema_errors(document), name
    counts = recorded_counts(name)
    totals = document["totals"]
    assert (totals["params"], totals["trainable"], totals["non_trainable"]) == (
        counts["params"],
        counts["trainable"],
        counts["non_trainable"],
    )


def _block(
    tokens: int, width: int, heads: int, kv_heads: int, head_dim: int, ffn: int, gated: bool
) -> int:
    attention = (
        tokens * width * heads * head_dim * 2  # query and output projections
        + tokens * width * kv_heads * head_dim * 2  # key and value projections
        + 2 * heads * tokens * tokens * head_dim  # scores and weighted values
    )
    return attention + tokens * width * ffn * (3 if gated else 2)


CLOSED_FORMS = {
    # Published: BERT-base at 128 tokens (12 encoder blocks + the pooler on one token).
    "bert_base": 11_174_215_680,
    # 12 blocks + the tied LM head (768 -> 50,257 logits per token).
    "gpt2_causal_lm": 12 * _block(128, 768, 12, 12, 64, 3072, False) + 128 * 768 * 50257,
    # Grouped-query attention: 8 query heads share 2 key/value heads; gated FFN of 688.
    "llama_small_gqa": 2 * _block(128, 256, 8, 2, 32, 688, True),
    # Gemma's gated FFN is intermediate_dim / 2 = 512 wide; one key/value head.
    "gemma_small": 2 * _block(128, 256, 4, 1, 64, 512, True),
    # Published: ViT-B/16 at 224 x 224 is 17.56 G (197 tokens + the patch convolution).
    "vit_b16": 12 * _block(197, 768, 12, 12, 64, 3072, False) + 196 * 16 * 16 * 3 * 768,
}

ANALYZE = """
import json, sys
from layerscope import analyze
report = analyze(sys.argv[1], engine=sys.argv[2], **json.loads(sys.argv[3]))
assert not any(name.split(".")[0] in ("tensorflow", "keras", "keras_hub") for name in sys.modules)
print(json.dumps({"engine": report.engine, "macs": report.cost.macs,
                  "uncounted": list(report.cost.uncounted_layers),
                  "params": report.totals.params}))
"""


@pytest.mark.parametrize("name", MODELS)
def test_macs_at_the_measured_input_size(blocked_env: dict[str, str], name: str) -> None:
    options: dict[str, Any] = (
        {"input_shapes": {"images": [224, 224, 3]}} if name == "vit_b16" else {"seq_len": 128}
    )
    result = run_blocked(
        blocked_env, "-c", ANALYZE, str(hub_file(name)), "static", json.dumps(options)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout)
    assert found["engine"] == "static" and found["uncounted"] == []
    assert found["macs"] == pytest.approx(CLOSED_FORMS[name], rel=0.005)
    if name == "bert_base":
        assert found["macs"] == 11_174_215_680
    if name == "vit_b16":
        assert round(found["macs"] / 1e9, 2) == 17.56


def test_unknown_keras_hub_class_is_read_from_the_weights_file(
    blocked_env: dict[str, str], fresh_names: Any, tmp_path: Path
) -> None:
    """FNetBackbone has no recipe: ``--engine static`` still gives exact parameter counts
    and lists what it could not derive; ``auto`` needs Keras, which needs keras_hub."""
    import keras_hub

    model = keras_hub.models.FNetBackbone(
        vocabulary_size=64,
        num_layers=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=32,
    )
    path = tmp_path / "fnet.keras"
    model.save(path)
    result = run_blocked(
        blocked_env,
        "-m",
        "layerscope",
        "summary",
        str(path),
        "--format",
        "json",
        "--engine",
        "static",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["totals"]["params"] == model.count_params()
    gaps = result.stderr.splitlines()
    assert gaps[0].startswith("layerscope: static engine: the model is a FNetBackbone")
    assert any("output shapes, graph edges and MACs are unknown" in gap for gap in gaps)
    auto = run_blocked(blocked_env, "-m", "layerscope", "summary", str(path))
    assert auto.returncode == 1
    lines = auto.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install keras-hub" in lines[0], auto.stderr


@pytest.mark.parametrize("name", ["mobilenet_v3_large"])
def test_mobilenet_without_any_framework(blocked_env: dict[str, str], name: str) -> None:
    """MobileNetV3-Large read by its recipe with no framework importable: exact counts and
    every MAC counted (the figure test_sub_layer_rows_equal_the_keras_engine checks)."""
    result = run_blocked(blocked_env, "-c", ANALYZE, str(hub_file(name)), "static", "{}")
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout)
    assert found["engine"] == "static" and found["uncounted"] == []
    assert found["params"] == recorded_counts(name)["params"]
    assert found["macs"] == 214_080_960


def _rewritten(source: Path, target: Path, change: dict[str, Any]) -> Path:
    """A copy of ``source`` whose config.json has ``change`` applied to the model's config."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"].update(change)
                data = json.dumps(config).encode()
            new.writestr(item, data)
    return target


def test_a_config_that_disagrees_with_the_weights_is_never_guessed(tmp_path: Path) -> None:
    """A Llama config claiming 3 blocks over a file holding 2: the recipe does not fit, so
    the rows come from the weights file (counts still exact) and the gaps say why."""
    from layerscope.static import StaticUnsupported, read_model, read_model_file

    path = _rewritten(hub_file("llama_small_gqa"), tmp_path / "llama3.keras", {"num_layers": 3})
    result = read_model(path, seq_len=128)
    assert "does not hold what its construction builds" in result.gaps[0]
    assert "transformer_layer_2" in result.gaps[0]
    assert sum(v.count for row in result.report.top_level for v in row.variables) == 3_482_880
    with pytest.raises(StaticUnsupported, match="does not hold what its construction builds"):
        read_model_file(path)
    wider = _rewritten(
        hub_file("llama_small_gqa"), tmp_path / "llama_wide.keras", {"intermediate_dim": 700}
    )
    gaps = read_model(wider, seq_len=128).gaps
    assert (
        "'transformer_layer_0' (LlamaTransformerDecoder) holds 692736 parameters where its "
        "config implies 701952" in gaps[0]
    ), gaps[0]
    # A MobileNet whose config names a wider head than its file holds: the sub-layer's
    # kernel disagrees with the block's config, so the rows inside are not derived from it.
    head = _rewritten(
        hub_file("mobilenet_v3_large"), tmp_path / "mobilenet.keras", {"last_layer_filter": 1024}
    )
    gaps = read_model(head).gaps
    assert (
        "'block_6_0/block_6_0_conv' (Conv2D) holds a (1, 1, 160, 960) kernel where its "
        "block's config implies (1, 1, 160, 1024)" in gaps[0]
    ), gaps[0]


def test_bfloat16_and_names_come_from_the_weights_file(tmp_path: Path) -> None:
    from layerscope.static import read_model_file

    report = read_model_file(hub_file("gemma_small"))
    block = report.layer("decoder_block_1")
    assert block.class_name == "GemmaDecoderBlock" and block.inbound == (
        "decoder_block_0",
        "padding_mask",
    )
    assert [v.path for v in block.variables][:3] == [
        "decoder_block_1/pre_attention_norm/scale",
        "decoder_block_1/attention/query/kernel",
        "decoder_block_1/attention/key/kernel",
    ]
    assert [v.role for v in block.variables][:2] == ["norm", "weight"]
    assert report.layer("multiply").variables == ()


@pytest.mark.parametrize("name", ["llama_small_gqa", "gemma_small"])
def test_static_equals_keras_capture(keras: Any, name: str) -> None:
    """Every compared field of every row, as the applications cross-check does."""
    import keras_hub  # noqa: F401
    from test_static import differences

    from layerscope.static import read_model_file

    path = hub_file(name)
    assert differences(loaded_capture(keras, path), read_model_file(path)) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bert_base", "gpt2_causal_lm", "vit_b16"])
def test_static_equals_keras_capture_large(keras: Any, name: str) -> None:
    test_static_equals_keras_capture(keras, name)


def test_bfloat16_variables_keep_their_dtype(fresh_names: Any, tmp_path: Path) -> None:
    """Keras stores bfloat16 as opaque 2-byte data named by a ``dtype`` attribute: the
    static engine reports bfloat16 (2 bytes each), as the Keras capture does."""
    import keras_hub
    from test_static import differences

    from layerscope.static import read_model_file

    model = keras_hub.models.LlamaBackbone(
        vocabulary_size=64,
        num_layers=1,
        num_query_heads=2,
        num_key_value_heads=1,
        hidden_dim=16,
        intermediate_dim=24,
        tie_word_embeddings=False,
        dtype="bfloat16",
    )
    path = tmp_path / "llama_bf16.keras"
    model.save(path)
    report = read_model_file(path)
    assert {v.dtype for row in report.layers for v in row.variables} == {"bfloat16"}
    assert report.layer("token_embedding").bytes == 2 * (64 * 16 * 2)
    assert report.layer("token_embedding").dtype_policy == "bfloat16"
    assert differences(loaded_capture(fresh_names, path), report) == []


def test_custom_layers_in_a_graph_are_read_with_their_gaps(
    fresh_names: Any, tmp_path: Path
) -> None:
    """A Functional model holding custom layers: counts exact, a sub-layer whose config the
    custom layer's config nests keeps its variables' names, the others are listed as gaps,
    and ``auto`` (``read_model_file``) declines rather than guess."""
    keras = fresh_names
    from layerscope.static import StaticUnsupported, read_model, read_model_file

    layers = keras.layers

    @keras.saving.register_keras_serializable(package="hub_tests")
    class Block(layers.Layer):  # type: ignore[name-defined]
        def __init__(self, units: int, inner: Any = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.inner = (
                layers.Dense(units, name="inner_dense")
                if inner is None
                else layers.deserialize(inner)
            )
            self.norm = layers.LayerNormalization(name="norm")

        def call(self, x: Any) -> Any:
            return self.norm(self.inner(x))

        def get_config(self) -> dict[str, Any]:
            return {
                **super().get_config(),
                "units": self.units,
                "inner": layers.serialize(self.inner),
            }

    x = keras.Input((4,), name="x")
    out = layers.Dense(2, name="out")(Block(6, name="block")(x))
    path = tmp_path / "custom_blocks.keras"
    keras.Model(x, out, name="custom_blocks").save(path)
    result = read_model(path)
    block = result.report.layer("block")
    assert block.class_name == "Block" and block.output_shapes == ((None, 6),)
    assert [(v.path, v.role, v.shape) for v in block.variables] == [
        ("block/inner_dense/kernel", "weight", (4, 6)),
        ("block/inner_dense/bias", "bias", (6,)),
        ("block/norm/variable_0", "other", (6,)),
        ("block/norm/variable_1", "other", (6,)),
    ]
    assert sum(row.params for row in result.report.top_level) == 4 * 6 + 6 + 12 + 6 * 2 + 2
    assert result.gaps == (
        "layer class 'hub_tests>Block' is not known to the static engine: 2 variables of "
        "'block' have no names or roles the file says (shown as 'variable...', role other; "
        "the class's code is never run)",
    )
    with pytest.raises(StaticUnsupported, match="'hub_tests>Block' is not known"):
        read_model_file(path)


def test_mistral_static_equals_keras_capture(fresh_names: Any, tmp_path: Path) -> None:
    """Mistral's config leaves ``head_dim`` null (hidden / heads, as keras_hub does)."""
    import keras_hub
    from test_static import differences

    from layerscope.analysis import run_analyses
    from layerscope.static import read_model

    model = keras_hub.models.MistralBackbone(
        vocabulary_size=64,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=2,
        hidden_dim=32,
        intermediate_dim=48,
        sliding_window=16,
    )
    path = tmp_path / "mistral.keras"
    model.save(path)
    result = read_model(path, seq_len=16)
    assert result.gaps == ()
    assert differences(loaded_capture(fresh_names, path), read_model(path).report) == []
    cost = run_analyses(result.report).cost
    # Per block: q/o 16*32*32 each, k/v 16*32*16 each, scores + values 2*4*16*16*8, gated FFN,
    # and the rotary embedding's angle table (positions x head_dim / 2), built for the
    # queries and again for the keys: the product the Keras engine's trace records.
    block = 2 * 16 * 32 * 32 + 2 * 16 * 32 * 16 + 2 * 4 * 16 * 16 * 8 + 3 * 16 * 32 * 48
    assert cost.macs == 2 * (block + 2 * 16 * 4)


def test_a_frozen_backbone_inside_a_task(fresh_names: Any, tmp_path: Path) -> None:
    """GPT2CausalLM with its backbone frozen: the backbone's own flag (the only one keras_hub
    saves) makes every backbone variable non-trainable, the tied LM head's row too."""
    keras = fresh_names
    import keras_hub
    from test_static import differences

    from layerscope.static import read_model_file

    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=64,
        num_layers=1,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=32,
    )
    backbone.trainable = False
    model = keras_hub.models.GPT2CausalLM(backbone=backbone, preprocessor=None)
    path = tmp_path / "gpt2_frozen.keras"
    model.save(path)
    report = read_model_file(path)
    assert all(not v.trainable for row in report.layers for v in row.variables)
    assert report.layer("token_embedding").layer_trainable is False
    assert differences(loaded_capture(keras, path), report) == []


# -- sub-layer rows: the static engine's rows inside blocks equal the Keras engine's -----------

MEASURED_AT: dict[str, dict[str, Any]] = {
    "bert_base": {"seq_len": 128},
    "gpt2_small": {"seq_len": 128},
    "gpt2_causal_lm": {"seq_len": 128},
    "vit_b16": {"input_shapes": {"images": (224, 224, 3)}},
    "llama_small_gqa": {"seq_len": 128},
    "gemma_small": {"seq_len": 128},
    "mobilenet_v3_large": {},
}


def engines_agree(keras: Any, path: Path, **options: Any) -> tuple[Any, Any]:
    """Both engines' full reports of ``path`` (sub-layer rows included), checked row by row:
    every compared field, then each row's MACs and activations, the memory estimate and the
    precision plan. Keras loads the file in fresh session counters, as a new process does."""
    import keras_hub  # noqa: F401  (the Keras engine needs its classes)
    from test_static import differences

    from layerscope import analyze

    static = analyze(path, engine="static", **options)
    keras.backend.clear_session()
    by_keras = analyze(path, engine="keras", **options)
    assert static.engine == "static" and by_keras.engine == "keras"
    assert any(
        row.depth > 0
        for row in static.layers
        if row.parent in {r.path for r in static.layers if r.is_block}
    )
    assert differences(by_keras, static) == []
    assert [(r.path, r.macs, r.activation_elements) for r in static.layers] == [
        (r.path, r.macs, r.activation_elements) for r in by_keras.layers
    ]
    assert static.cost.macs == by_keras.cost.macs
    assert static.cost.uncounted == by_keras.cost.uncounted == ()
    # The sizes the figures are measured at, as the JSON's cost.assumptions says them.
    assert static.trace == by_keras.trace and static.trace is not None
    assert static.cost.assumptions == by_keras.cost.assumptions
    assert static.memory == by_keras.memory
    assert static.precision is not None and by_keras.precision is not None
    assert static.precision.as_dict() == by_keras.precision.as_dict()
    return static, by_keras


@pytest.mark.parametrize("name", ["llama_small_gqa", "gemma_small", "mobilenet_v3_large"])
def test_sub_layer_rows_equal_the_keras_engine(keras: Any, name: str) -> None:
    static, _ = engines_agree(keras, hub_file(name), **MEASURED_AT[name])
    if name == "mobilenet_v3_large":
        # The Keras engine's figure (within 1% of the TensorFlow graph's ops, test_hub_macs)
        # derived from the config alone; depthwise 3x3 over 16 channels at 112x112 plus the
        # 1x1 pointwise 16 -> 16; squeeze-and-excite convolutions on the pooled 1 x 1 map.
        assert static.cost.macs == 214_080_960
        assert static.layer("block_0_0").macs == 112 * 112 * 9 * 16 + 112 * 112 * 16 * 16
        assert static.layer("block_2_0/block_2_0_se/block_2_0_se_conv_reduce").macs == 72 * 24
        return
    block = "transformer_layer_1" if name == "llama_small_gqa" else "decoder_block_1"
    # Unnamed sub-layers take Keras's session counters in construction order (the file
    # saved them as dropout_49 etc., from the session that built it).
    names = [
        row.name
        for row in static.layers
        if row.parent
        == f"{block}/" + ("self_attention" if name == "llama_small_gqa" else "attention")
    ]
    if name == "llama_small_gqa":
        assert names == [
            "query",
            "key",
            "value",
            "attention_softmax",
            "dropout_1",
            "attention_output",
            "llama_rotary_embedding_1",
        ]
    else:
        assert names == [
            "query",
            "key",
            "value",
            "dropout_1",
            "attention_output",
            "softmax_1",
            "rotary_embedding_1",
        ]


@pytest.mark.parametrize("name", ["llama_small_gqa", "gemma_small"])
def test_sub_layer_rows_equal_the_keras_engine_at_unknown_length(keras: Any, name: str) -> None:
    """Without --seq-len both engines leave the length unknown: the same rows, figures per
    position, and the same list of rows measured per position."""
    static, by_keras = engines_agree(keras, hub_file(name))
    assert static.cost.per_unknown_dims == by_keras.cost.per_unknown_dims != ()
    assert static.layer(static.cost.per_unknown_dims[0]).input_shapes[0][1] is None


def test_input_sizes_are_checked_and_applied_as_keras_does(
    keras: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """--input-shape on a keras_hub file: auto applies sizes statically when the recipe can
    give every input the size Keras would, and otherwise measures with Keras (one stderr
    line); a name the model lacks is the same usage error from both engines."""
    import keras_hub  # noqa: F401  (the Keras engine needs its classes)

    from layerscope import analyze
    from layerscope.errors import UsageError
    from layerscope.static import StaticUnsupported

    path = hub_file("llama_small_gqa")
    both = {"token_ids": (64,), "padding_mask": (64,)}
    report = analyze(path, input_shapes=both)
    assert report.engine == "static" and capsys.readouterr().err == ""
    assert report.cost.assumptions.input_shapes == {"padding_mask": (1, 64), "token_ids": (1, 64)}
    assert report.cost.assumptions.unknown_dims is False
    # One input sized, the other left unknown: the recipe sizes them together, Keras does not.
    one = analyze(path, input_shapes={"token_ids": (64,)})
    assert one.engine == "keras"
    assert "the input sizes asked for (padding_mask (1, None), token_ids (1, 64))" in (
        capsys.readouterr().err
    )
    assert one.cost.assumptions.input_shapes == {"padding_mask": (1, None), "token_ids": (1, 64)}
    with pytest.raises(StaticUnsupported, match="differ between inputs"):
        analyze(path, engine="static", seq_len=32, input_shapes={"token_ids": (64,)})
    messages = []
    for engine in ("static", "keras"):
        with pytest.raises(UsageError) as error:
            analyze(path, engine=engine, input_shapes={"tokens": (64,)})
        messages.append(str(error.value))
    assert (
        messages
        == ["--input-shape: the model has no input 'tokens' (inputs: padding_mask, token_ids)"] * 2
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bert_base", "gpt2_small", "gpt2_causal_lm", "vit_b16"])
def test_sub_layer_rows_equal_the_keras_engine_large(keras: Any, name: str) -> None:
    engines_agree(keras, hub_file(name), **MEASURED_AT[name])


@pytest.mark.parametrize(
    "class_name", ["RobertaBackbone", "XLMRobertaBackbone", "DistilBertBackbone", "OPTBackbone"]
)
def test_token_and_position_embedding_models_equal_the_keras_engine(
    keras: Any, fresh_names: Any, tmp_path: Path, class_name: str
) -> None:
    """RoBERTa, DistilBERT (a TokenAndPositionEmbedding block, then encoder blocks) and OPT
    (then decoder blocks): the same rows as the Keras engine, and the MACs of their blocks
    (no pooler, no LM head)."""
    import keras_hub

    model = getattr(keras_hub.models, class_name)(
        vocabulary_size=50,
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=24,
        max_sequence_length=32,
    )
    path = tmp_path / f"{class_name}.keras"
    model.save(path)
    static, _ = engines_agree(keras, path, seq_len=8)
    assert static.cost.macs == 2 * _block(8, 16, 2, 2, 8, 24, gated=False)
    embedding = static.layers[1]
    assert embedding.is_block and [row.name for row in static.children(embedding.path)] == [
        "token_embedding",
        "position_embedding",
    ]


@pytest.mark.filterwarnings("ignore:Layer .* does not support masking:UserWarning")
def test_t5_rows_and_macs_equal_the_keras_engine(
    keras: Any, fresh_names: Any, blocked_env: dict[str, str], tmp_path: Path
) -> None:
    """T5 (encoder-decoder, untied, ungated, key_value_dim 6) read without its code: the
    same rows as the Keras engine at an 8-token input and a 5-token output, MACs equal
    to the closed form, and read with no framework importable."""
    import keras_hub

    model = keras_hub.models.T5Backbone(
        vocabulary_size=40,
        num_layers=2,
        num_heads=4,
        hidden_dim=16,
        intermediate_dim=20,
        key_value_dim=6,
        use_gated_activation=False,
        tie_embedding_weights=False,
    )
    path = tmp_path / "t5.keras"
    model.save(path)
    lengths = {"encoder_token_ids": [8], "encoder_padding_mask": [8]}
    lengths |= {"decoder_token_ids": [5], "decoder_padding_mask": [5]}
    static, _ = engines_agree(keras, path, input_shapes=lengths)
    width, inner, ffn, heads, head_dim, encoder, decoder = 16, 24, 20, 4, 6, 8, 5
    encoder_block = (
        4 * encoder * width * inner  # query, key, value, output projections
        + 2 * heads * encoder * encoder * head_dim  # scores and weighted values
        + 2 * encoder * width * ffn
    )
    decoder_block = (
        4 * decoder * width * inner
        + 2 * heads * decoder * decoder * head_dim
        + 2 * decoder * width * inner  # cross-attention: query and output on the decoder
        + 2 * encoder * width * inner  # keys and values of the encoder's output
        + 2 * heads * decoder * encoder * head_dim
        + 2 * decoder * width * ffn
    )
    assert static.cost.macs == 2 * (encoder_block + decoder_block) == 88_928
    embedding = static.layer("token_embedding")
    assert embedding.call_count == 2
    assert embedding.inbound == ("encoder_token_ids", "decoder_token_ids")
    bias = static.layer("transformer_encoder_layer_0/self_attention").variables[0]
    assert (bias.name, bias.shape) == ("embeddings", (32, 4))
    result = run_blocked(blocked_env, "-c", ANALYZE, str(path), "static", "{}")
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout)
    assert found["engine"] == "static" and found["uncounted"] == []
    assert found["params"] == model.count_params()


def test_a_quantized_keras_hub_model_is_not_read_by_its_recipe(
    fresh_names: Any, tmp_path: Path
) -> None:
    """``model.quantize("int8")`` changes what the quantized layers save (int8 kernels and
    their scales): the recipe does not name them, so the generic reading keeps the counts
    exact, leaves those variables unnamed, and ``auto`` declines rather than mislabel a
    kernel scale as a bias."""
    import keras_hub

    from layerscope.static import StaticUnsupported, read_model, read_model_file

    model = keras_hub.models.LlamaBackbone(
        vocabulary_size=64,
        num_layers=1,
        num_query_heads=2,
        num_key_value_heads=1,
        hidden_dim=16,
        intermediate_dim=24,
        tie_word_embeddings=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.quantize("int8")
    path = tmp_path / "llama_int8.keras"
    model.save(path)
    result = read_model(path)
    assert result.gaps[0].startswith("the model is a quantized LlamaBackbone")
    rows = result.report.top_level
    assert sum(row.params for row in rows) == model.count_params()
    embedding = result.report.layer("token_embedding")
    assert [(v.name, v.dtype) for v in embedding.variables][:2] == [
        ("variable_0", "int8"),
        ("variable_1", "float32"),
    ]
    assert result.report.layer("sequence_output_layernorm").variables[0].name == "scale"
    with pytest.raises(StaticUnsupported, match="quantized LlamaBackbone"):
        read_model_file(path)


@pytest.mark.parametrize("options", [{}, {"input_shapes": {"input_layer": (96, 96, 3)}}])
def test_mobilenet_of_any_image_size_equals_the_keras_engine(
    keras: Any, fresh_names: Any, tmp_path: Path, options: dict[str, Any]
) -> None:
    """A MobileNet built for any image size, with squeeze-and-excite in its first
    (depthwise) block too: the engines agree at an unknown size and at 96 x 96."""
    import keras_hub

    model = keras_hub.models.MobileNetBackbone(
        stackwise_num_blocks=[1],
        stackwise_expansion=[[64]],
        stackwise_num_filters=[[24]],
        stackwise_kernel_size=[[3]],
        stackwise_num_strides=[[2]],
        stackwise_se_ratio=[[0.25]],
        stackwise_activation=[["relu"]],
        stackwise_padding=[[1]],
        output_num_filters=64,
        depthwise_filters=16,
        depthwise_stride=1,
        depthwise_residual=False,
        squeeze_and_excite=0.5,
        last_layer_filter=64,
        input_activation="hard_swish",
        output_activation="hard_swish",
        input_num_filters=16,
        image_shape=(None, None, 3),
    )
    path = tmp_path / "mobilenet_any_size.keras"
    model.save(path)
    static, _ = engines_agree(keras, path, **options)
    assert static.layer("block_0_0/block_0_0_squeeze_excite").is_block
    sized = bool(options)
    assert static.layer("input_conv").output_shapes == (
        ((None, 48, 48, 16),) if sized else ((None, None, None, 16),)
    )
