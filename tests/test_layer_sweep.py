"""Every public ``keras.layers`` class, each in a tiny model (``tests/layer_sweep_models.py``).

For each class, with the Keras engine, in memory and from the saved ``.keras`` file:

* the parameter totals equal Keras's own (``count_params``, the trainable and non-trainable
  weights, deduplicated);
* the MACs equal the independent TensorFlow-graph count (``tests/independent_macs.py``:
  MatMul, BatchMatMul, Einsum, Conv2D, DepthwiseConv2dNative) within 1%; where that counter
  cannot see the work, the test says what it compares against instead:
  - ``PER_STEP``: recurrent layers run in a ``while`` loop whose body the graph holds once, so
    layerscope's figure is the counter's times the number of steps;
  - ``HAND_MACS``: TensorFlow emits an op the counter does not read (Conv2DBackpropInput for
    a transposed convolution, Conv3D...), or the work is no matrix product (AdditiveAttention's
    score is a sum of ``scale x tanh(q + k)``); the formula is written out;
* each variable's role is the expected one (``ROLES``; a class not listed has no variables).

With ``engine="static"`` on the same file, the whole report (rows, shapes, counts, roles,
MACs, activations, analyses) equals the Keras engine's, or the static engine declines with
the reason listed in ``STATIC_DECLINES``. Every public class is either swept or listed in
``SKIPPED`` (tests/layer_sweep_models.py) with the reason.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from independent_macs import tf_graph_macs
from layer_sweep_models import SKIPPED, builders, public_classes

import layerscope
from layerscope.report import ModelReport


def _names() -> list[str]:
    from layerscope._keras import quiet_keras

    return list(builders(quiet_keras()))


NAMES = _names()

PER_STEP = {
    "LSTM": 5,
    "GRU": 5,
    "SimpleRNN": 5,
    "LSTMCell": 5,
    "GRUCell": 5,
    "SimpleRNNCell": 5,
    "StackedRNNCells": 5,
    "Bidirectional": 5,
    "ConvLSTM1D": 4,
    "ConvLSTM2D": 3,
    "LSTM/states_backwards": 5,
    "GRU/reset_before_no_bias": 5,
    "Bidirectional/sum": 5,
    "Bidirectional/ave": 5,
    "Bidirectional/mul": 5,
    "Bidirectional/none": 5,
    "Bidirectional/backward_layer": 5,
    "Embedding/mask_zero_lstm": 6,
    "Bidirectional/states": 5,
    "Masking/lstm": 5,
    "GRUCell/states_reset_before": 5,
    "ConvLSTM2D/states_cf_strided": 3,
}
"""Recurrent layers: TensorFlow's graph holds the loop body once; the input has this many
steps."""

HAND_MACS = {
    # input positions x kernel volume x in x out (TensorFlow: Conv2DBackpropInput)
    "Conv1DTranspose": (8 * 3 * 3 * 4, 0),
    "Conv2DTranspose": (6 * 6 * 9 * 3 * 4, 0),
    # output positions x kernel volume x in x out (TensorFlow: Conv3D)
    "Conv3D": (4**3 * 27 * 2 * 4, 0),
    # (TensorFlow: Conv3DBackpropInputV2)
    "Conv3DTranspose": (4**3 * 8 * 2 * 3, 0),
    # 3 steps x 4 gates x 2 filters x 27 output positions x kernel volume 8 x (2 input
    # channels + 2 recurrent channels) (TensorFlow: Conv3D in a while loop)
    "ConvLSTM3D": (3 * 4 * 2 * 27 * 8 * (2 + 2), 0),
    # the score sum(scale x tanh(q + k)) (5 x 7 x 4) plus attention x values (5 x 7 x 4);
    # TensorFlow's graph has only the second as a BatchMatMul
    "AdditiveAttention": (2 * 5 * 7 * 4, 5 * 7 * 4),
    # 5 steps x (LSTMCell(6) on 4: 4 x 6 x (4 + 6), then GRUCell(3) on 6: 3 x 3 x (6 + 3));
    # the independent counter sees the stacked step twice (2 x 321)
    "StackedRNNCells": (5 * (4 * 6 * (4 + 6) + 3 * 3 * (6 + 3)), 2 * (4 * 6 * 10 + 3 * 3 * 9)),
    "Conv2DTranspose/output_padding": (5 * 5 * 9 * 2 * 3, 0),
    "Conv1DTranspose/same": (6 * 4 * 2 * 3, 0),
    "Conv3D/same_strided": (3**3 * 8 * 2 * 3, 0),
    "Conv2DTranspose/dilated_cf": (5 * 5 * 9 * 3 * 2, 0),
    "Conv1DTranspose/dilated": (6 * 3 * 3 * 2, 0),
    # score_mode="concat" sums concat_score_weight x tanh(q + k), as AdditiveAttention does
    "Attention/scaled_concat": (2 * 5 * 7 * 4, 5 * 7 * 4),
}
"""class -> (layerscope's figure by hand, what the independent counter sees)."""

UNCOUNTED = {"TimeDistributed/functional"}
"""Left uncounted, and said so (``cost.uncounted``): a Functional model inside
TimeDistributed has no rows of its own and no rule prices it (a Sequential one is chained)."""

UNKNOWN_DIMS = {
    # an unknown length counts 1 (and the row is listed in cost.per_unknown_dims)
    "LSTM/unknown_steps": 4 * 4 * (3 + 4),
    "Conv1D/unknown_length": 3 * 3 * 2,
    "MultiHeadAttention/unknown_length": 4 * 8 * 2 * 4 + 2 * 2 * 4,
    "Embedding/unknown_length": 0,
    "GlobalMaxPooling1D/unknown_length": 0,
}
"""Models with an input of unknown length, which the independent count (fixed shapes) cannot
trace: layerscope's figure by hand."""

KB = "kernel:weight bias:bias"
RNN = "kernel:weight recurrent_kernel:weight bias:bias"
ROLES = {
    "Dense": KB,
    "EinsumDense": KB,
    "Embedding": "embeddings:weight",
    "ReversibleEmbedding": "embeddings:weight",
    **{
        name: KB
        for name in (
            "Conv1D",
            "Conv1DTranspose",
            "Conv2D",
            "Conv2DTranspose",
            "Conv3D",
            "Conv3DTranspose",
            "DepthwiseConv1D",
            "DepthwiseConv2D",
            "TimeDistributed",
        )
    },
    "SeparableConv1D": "depthwise_kernel:weight pointwise_kernel:weight bias:bias",
    "SeparableConv2D": "depthwise_kernel:weight pointwise_kernel:weight bias:bias",
    **{
        name: RNN
        for name in (
            "ConvLSTM1D",
            "ConvLSTM2D",
            "ConvLSTM3D",
            "LSTM",
            "GRU",
            "SimpleRNN",
            "LSTMCell",
            "GRUCell",
            "SimpleRNNCell",
        )
    },
    "StackedRNNCells": f"{RNN} {RNN}",
    "Bidirectional": f"{RNN} {RNN}",
    "AdditiveAttention": "scale:other",
    "MultiHeadAttention": " ".join([KB] * 4),
    "GroupedQueryAttention": " ".join([KB] * 4),
    "BatchNormalization": "gamma:norm beta:norm moving_mean:stats moving_variance:stats",
    "GroupNormalization": "gamma:norm beta:norm",
    "LayerNormalization": "gamma:norm beta:norm",
    "RMSNormalization": "scale:norm",
    "SpectralNormalization": "kernel:weight vector_u:stats bias:bias",
    "Normalization": "mean:stats variance:stats count:stats",
    "PReLU": "alpha:other",
    "STFTSpectrogram": "real_kernel:weight imag_kernel:weight",
    # variants whose variables differ from their class's first model
    "Normalization/given": "",
    "Dense/sequence_no_bias": "kernel:weight",
    "DepthwiseConv2D/strided_channels_first": "kernel:weight",
    "GRU/reset_before_no_bias": "kernel:weight recurrent_kernel:weight",
    "MultiHeadAttention/axes_no_bias": " ".join(["kernel:weight"] * 4),
    "GroupedQueryAttention/gate": " ".join([KB] * 5),
    "BatchNormalization/axis1_plain": "moving_mean:stats moving_variance:stats",
    "LayerNormalization/two_axes_rms": "gamma:norm",
    "Attention/scaled_concat": "scale:other concat_score_weight:other",
    "Embedding/mask_zero_lstm": f"embeddings:weight {RNN}",
    "Masking/lstm": RNN,
    "ops/matmul": KB,
    "ops/einsum": KB,
    "ops/dot": KB,
    "GRUCell/states_reset_before": RNN,
    "ConvLSTM2D/states_cf_strided": "kernel:weight recurrent_kernel:weight",
    "STFTSpectrogram/real_expanded_same": "real_kernel:weight",
    "MelSpectrogram/then_conv": KB,
    "Pipeline/normalization": "mean:stats variance:stats count:stats",
    "GroupNormalization/channels_first": "gamma:norm",
    "ReversibleEmbedding/tied_head": f"embeddings:weight {KB}",
    "TimeDistributed/sequential_cnn": f"{KB} gamma:norm beta:norm moving_mean:stats "
    f"moving_variance:stats {KB}",
}
"""Each variable's ``name:role``, in the report's order (a variant ``Class/what`` not listed
has its class's). PReLU's slopes and the attention score scales are ``other`` (neither a
kernel nor a bias)."""

NOT_KNOWN = "is not known to the static engine"
STATIC_DECLINES = {
    "ReversibleEmbedding": f"'ReversibleEmbedding' {NOT_KNOWN}",
    # The Lambda is the model's output: nothing in the file records its output shape.
    "Lambda": "cannot infer the output shape of layer 'layer' (Lambda)",
    "StackedRNNCells": "RNN over StackedRNNCells",
    "SpectralNormalization": f"'SpectralNormalization' {NOT_KNOWN}",
    "Hashing": "layer 'layer': dtype policy 'int64' is left to Keras (the static engine reads "
    "float policies only)",
    "IntegerLookup": f"'IntegerLookup' {NOT_KNOWN}",
    "StringLookup": f"'StringLookup' {NOT_KNOWN}",
    "TextVectorization": f"'TextVectorization' {NOT_KNOWN}",
    "HashedCrossing": f"'HashedCrossing' {NOT_KNOWN}",
    "Pipeline/normalization": "layer 'layer': a Pipeline holding Normalization",
    "ReversibleEmbedding/tied_head": f"'ReversibleEmbedding' {NOT_KNOWN}",
    # An equation with "..." says no output shape; nothing consumes this one to record it.
    "EinsumDense/ellipsis": "cannot infer the output shape of layer 'layer' (EinsumDense)",
    # The scores are a second output that only the call's arguments ask for.
    "MultiHeadAttention/scores": "layer 'layer' is called with return_attention_scores=True",
    "Attention/scores_dropped": "layer 'layer' is called with return_attention_scores=True",
    "TimeDistributed/sequential_cnn": "TimeDistributed over Sequential",
    "TimeDistributed/functional": "TimeDistributed over Functional",
}
"""Classes the static engine leaves to Keras (``--engine auto`` falls back), with the reason
it gives."""


@dataclasses.dataclass(frozen=True)
class Swept:
    """One class's model, measured once: Keras's counts, the reports, the file."""

    counts: tuple[int, int, int]
    memory: ModelReport
    keras_file: ModelReport
    path: Path
    independent: int | None
    """The TensorFlow-graph count; ``None`` for an input of unknown length."""


def _keras_counts(model: Any) -> tuple[int, int, int]:
    def size(variables: Any, seen: set[int]) -> int:
        total = 0
        for variable in variables:
            if id(variable) not in seen:
                seen.add(id(variable))
                total += math.prod(variable.shape)
        return total

    seen: set[int] = set()
    trainable = size(model.trainable_weights, seen)
    return model.count_params(), trainable, size(model.non_trainable_weights, seen)


class Sweep:
    """Each class's model built, measured and saved at most once per test module."""

    def __init__(self, folder: Path) -> None:
        from layerscope._keras import quiet_keras

        self.keras = quiet_keras()
        self.builders = builders(self.keras)
        self.folder = folder
        self.done: dict[str, Swept] = {}

    def __getitem__(self, name: str) -> Swept:
        if name not in self.done:
            model = self.builders[name]()
            dims = {
                tensor._keras_history.operation.name: tuple(tensor.shape)[1:]
                for tensor in self.keras.tree.flatten(model.input)
            }
            path = self.folder / f"{name.replace('/', '_')}.keras"
            model.save(path)
            self.done[name] = Swept(
                counts=_keras_counts(model),
                memory=layerscope.analyze(model),
                keras_file=layerscope.analyze(path, engine="keras", unsafe=name == "Lambda"),
                path=path,
                independent=None
                if any(d is None for shape in dims.values() for d in shape)
                else tf_graph_macs(model, dims),
            )
        return self.done[name]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Sweep:
    return Sweep(tmp_path_factory.mktemp("layer_sweep"))


def test_every_public_class_is_swept_or_skipped_with_a_reason(keras: Any) -> None:
    swept = {name.split("/")[0] for name in NAMES}
    assert sorted(set(public_classes(keras)) - swept - set(SKIPPED)) == []
    assert swept & set(SKIPPED) == set()
    assert len(swept & set(public_classes(keras))) == 134
    assert len(NAMES) == 134 + 97  # README: "134 of them, plus 97 variants"


@pytest.mark.parametrize("name", NAMES)
def test_counts_equal_keras(sweep: Sweep, name: str) -> None:
    entry = sweep[name]
    for report in (entry.memory, entry.keras_file):
        totals = report.totals
        assert (totals.params, totals.trainable, totals.non_trainable) == entry.counts
        assert sum(row.params for row in report.top_level) == totals.params
    assert entry.keras_file.cost.macs == entry.memory.cost.macs
    uncounted = [item.path for item in entry.memory.cost.uncounted]
    assert uncounted == (["layer"] if name in UNCOUNTED else [])


@pytest.mark.parametrize("name", NAMES)
def test_macs_equal_an_independent_count(sweep: Sweep, name: str) -> None:
    entry = sweep[name]
    macs = entry.memory.cost.macs
    if name in UNKNOWN_DIMS:
        assert entry.independent is None
        assert macs == UNKNOWN_DIMS[name]
        assert ("layer" in entry.memory.cost.per_unknown_dims) == (macs > 0)
        return
    assert entry.independent is not None
    if name in HAND_MACS:
        assert (macs, entry.independent) == HAND_MACS[name]
    elif name in PER_STEP:
        assert entry.independent > 0
        assert macs == PER_STEP[name] * entry.independent
    elif name in UNCOUNTED:
        assert macs == 0 < entry.independent
    elif entry.independent == 0:
        assert macs == 0
    else:
        assert abs(macs - entry.independent) <= 0.01 * entry.independent


@pytest.mark.parametrize("name", NAMES)
def test_variable_roles(sweep: Sweep, name: str) -> None:
    roles = [f"{v.name}:{v.role}" for row in sweep[name].memory.layers for v in row.variables]
    expected = ROLES[name] if name in ROLES else ROLES.get(name.split("/")[0], "")
    assert " ".join(roles) == expected


@pytest.mark.parametrize("name", NAMES)
def test_static_report_equals_keras_or_declines(sweep: Sweep, name: str) -> None:
    from layerscope.static import StaticUnsupported

    entry = sweep[name]
    if name in STATIC_DECLINES:
        with pytest.raises(StaticUnsupported, match=re.escape(STATIC_DECLINES[name])):
            layerscope.analyze(entry.path, engine="static", unsafe=name == "Lambda")
        fallback = layerscope.analyze(entry.path, unsafe=name == "Lambda")
        assert fallback.engine == "keras"
        return
    static = layerscope.analyze(entry.path, engine="static")
    assert static.engine == "static"
    expected, actual = entry.keras_file.to_dict(), static.to_dict()
    assert expected["model"].pop("engine") == "keras"
    assert actual["model"].pop("engine") == "static"
    assert actual == expected


@pytest.mark.parametrize("name", ["Dot", "RandomFlip", "ConvLSTM2D", "Pipeline/resize_crop"])
def test_cli_engine_static_prints_what_the_keras_engine_prints(sweep: Sweep, name: str) -> None:
    """``summary --engine static`` on the saved file: the same JSON as ``--engine keras``."""
    import json

    from cli_runner import invoke

    path = str(sweep[name].path)
    documents = {}
    for engine in ("static", "keras"):
        result = invoke(["summary", path, "--engine", engine, "--format", "json"])
        assert result.exit_code == 0, result.output
        documents[engine] = json.loads(result.stdout)
        assert documents[engine]["model"].pop("engine") == engine
    assert documents["static"] == documents["keras"]


def test_cli_engine_static_names_why_it_declines(sweep: Sweep) -> None:
    from cli_runner import invoke

    result = invoke(["summary", str(sweep["StackedRNNCells"].path), "--engine", "static"])
    assert result.exit_code == 1
    assert "RNN over StackedRNNCells" in result.stderr
