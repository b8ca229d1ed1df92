"""Typed analysis results: what ``report.cost``, ``memory``, ``architecture`` and ``data_fit``
hold, as frozen dataclasses with no reference to Keras.

Every field here is part of the JSON document (docs/json.md): :func:`as_data` turns any of
these objects into JSON data generically (field name -> key, tuples -> lists, non-finite
floats -> null), and :mod:`layerscope.schema` derives the JSON Schema from the same type
hints, so the Python objects, the JSON and the schema cannot drift apart. A field whose JSON
key is not a Python identifier names its key in ``metadata={"json": ...}``.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_KEY = "json"
"""``field(metadata={JSON_KEY: "from"})``: the field's key in the JSON document."""


def json_key(item: dataclasses.Field[Any]) -> str:
    """The JSON key of a dataclass field (its name unless the metadata says otherwise)."""
    return str(item.metadata.get(JSON_KEY, item.name))


def as_data(value: Any) -> Any:
    """Any result object as plain JSON data: dataclasses become objects (keyed by
    :func:`json_key`, in field order), tuples/lists become lists, mappings objects with
    string keys, enums their value, and NaN/infinity ``None``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            json_key(item): as_data(getattr(value, item.name)) for item in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return as_data(value.value)
    if isinstance(value, Mapping):
        return {str(key): as_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_data(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# -- compute -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassCost:
    """MACs of every layer of one class."""

    class_name: str
    macs: int
    share: float
    """Of the model's MACs (0.0 when the model has none)."""


@dataclass(frozen=True)
class UncountedLayer:
    """A layer whose multiply-accumulates could not be counted, and why."""

    path: str
    class_name: str
    reason: str


@dataclass(frozen=True)
class CostAssumptions:
    """What the MAC (and activation) figures assume."""

    batch_size: int
    """Always 1: figures are per sample."""
    input_shapes: Mapping[str, tuple[int | None, ...]]
    """Each model input's shape the figures are for (batch 1; ``None`` = unknown)."""
    unknown_dims: bool
    """Some dimension stayed unknown and was counted as 1 (figures per position)."""
    note: str | None = None
    """That caveat in words, when ``unknown_dims``."""
    trace_error: str | None = None
    """Why the model could not be called symbolically (sub-layer shapes then unmeasured)."""


@dataclass(frozen=True)
class Cost:
    """Multiply-accumulates for one sample's forward pass (``report.cost``)."""

    macs: int
    flops: int
    """2 x ``macs``."""
    elementwise_ops: int
    """Element-wise work (normalisation, activations, merges), not in ``macs``."""
    heaviest_layer: str | None
    heaviest_path: str | None
    heaviest_macs: int
    heaviest_share: float
    by_class: tuple[ClassCost, ...]
    """MACs per layer class, largest first."""
    uncounted_layers: tuple[str, ...]
    """Paths of layers holding a kernel that no MAC rule covers (counted as 0)."""
    per_unknown_dims: tuple[str, ...]
    """Paths of layers whose figure took an unknown (``None``) dimension as 1."""
    convention: str
    """What the figures count, in words."""
    complete: bool = True
    """False when some layer could not be counted: ``macs`` is then a lower bound."""
    uncounted: tuple[UncountedLayer, ...] = ()
    """Every layer not counted, with the reason (``uncounted_layers`` has their paths)."""
    assumptions: CostAssumptions | None = None
    """Batch size, input shapes used and unknown dimensions."""


# -- memory --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    """Bytes for parameters, optimizer state and activations (``report.memory``)."""

    parameter_bytes: int
    parameter_bytes_by_dtype: Mapping[str, int]
    trainable_bytes: int
    gradient_bytes: int
    optimizer: str
    """The normalised optimizer name, e.g. ``adam``."""
    optimizer_slots: int
    """Extra copies of the trainable parameters the optimizer keeps."""
    optimizer_bytes: int
    activation_dtypes: tuple[str, ...]
    input_bytes_per_sample: int
    activation_bytes_per_sample: int
    batch_size: int
    forward_bytes: int
    training_activation_bytes: int
    inference_peak_bytes: int
    training_total_bytes: int
    activation_unknown_dims: tuple[str, ...] = ()
    """Layers whose output has an unknown non-batch dimension (a sequence length), counted
    as 1: the activation figures are per position for them."""


# -- architecture --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlattenStep:
    """What one Flatten layer does to the shape."""

    layer: str
    path: str
    from_shape: tuple[int | None, ...] = field(metadata={JSON_KEY: "from"})
    """The input shape without the batch axis."""
    to: int | None
    """The flattened width (``None`` when unknown)."""
    text: str
    """E.g. ``(28, 28) -> 784``."""


@dataclass(frozen=True)
class Stage:
    """Parameters and MACs of one stage (a feature-map resolution, or a quarter of the
    layers)."""

    stage: str
    layers: int
    params: int
    macs: int
    share: float
    """Of the model's parameters."""


@dataclass(frozen=True)
class BlockRun:
    """Consecutive repeats of one composite block (``12 x TransformerEncoder``)."""

    class_name: str
    count: int
    """How many blocks: repeated rows, or the ``num_layers`` of one row that holds them."""
    first: str
    """Path of the first block's row."""
    last: str
    """Path of the last block's row (the same row when ``declared``)."""
    width: int | None
    """The blocks' output width (hidden size), when known."""
    inner_width: int | None
    """Their feed-forward width (``intermediate_dim``/``mlp_dim`` in the config), if any."""
    params: int
    """Parameters of all the blocks together."""
    declared: bool
    """True when one row holds the blocks and ``count`` is read from its config."""
    shared: bool = False
    """True when the blocks are one layer called ``count`` times in a row, its weights shared
    by every call (ALBERT); ``params`` counts them once."""


@dataclass(frozen=True)
class Architecture:
    """What the model's shape says (``report.architecture``)."""

    is_chain: bool
    weighted_depth: int
    """Layers with a kernel on the longest input-to-output path."""
    dominant_layer: str | None
    dominant_path: str | None
    dominant_share: float
    flattens: tuple[FlattenStep, ...]
    hidden_layers: int
    hidden_widths: tuple[int, ...]
    """Units/filters of the hidden layers, input to output (chains only; empty otherwise)."""
    hidden_values: tuple[int, ...]
    """Values each hidden layer passes on per sample (chains of layers only; empty for a
    graph or a stack of blocks)."""
    values_pattern: str | None
    """The pattern of ``hidden_values`` (``None`` for a graph or a stack of blocks)."""
    hidden_names: tuple[str, ...]
    output_layer: str | None
    output_width: int | None
    pattern: str
    """``funnel``, ``rectangle``, ``expanding``, ``hourglass``, ``mixed``, ``single``,
    ``none`` or ``graph``."""
    bottlenecks: tuple[str, ...]
    stages: tuple[Stage, ...]
    blocks: tuple[BlockRun, ...]
    """Runs of repeated composite blocks (transformer layers...); when there are any, the
    depth counts blocks and the pattern reads the blocks' widths."""
    depth_class: str
    """``shallow`` or ``deep``."""
    explanation: tuple[str, ...]


# -- data fit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """Trainable parameters per sample at which each band starts."""

    moderate: float
    high: float
    very_high: float


@dataclass(frozen=True)
class Mitigation:
    """One piece of regularisation found in the model."""

    layer: str
    path: str
    kind: str
    """``dropout``, ``noise``, ``normalization``, ``augmentation``, ``regularizer`` or
    ``constraint``."""
    what: str
    text: str
    """``what`` and where, e.g. ``Dropout(0.2) in 'drop'``."""


@dataclass(frozen=True)
class Contribution:
    """One of the layers holding the parameters that drive the ratio."""

    layer: str
    path: str
    params: int
    share: float
    params_per_sample: float


@dataclass(frozen=True)
class Shrink:
    """What halving the dominant layer's width would leave."""

    layer: str
    from_width: int
    to_width: int
    params_before: int
    params_after: int
    params_saved: int
    params_per_sample_after: float
    also_shrinks: tuple[str, ...]
    """Names of the following layers that narrow with it."""


@dataclass(frozen=True)
class DataFit:
    """Parameters against training samples (``report.data_fit``; ``None`` without a sample
    count)."""

    training_samples: int
    params: int
    params_per_sample: float
    samples_per_param: float | None
    trainable_params: int
    trainable_params_per_sample: float
    samples_per_trainable_param: float | None
    band: str
    """``low``, ``moderate``, ``high`` or ``very_high``."""
    band_label: str
    thresholds: Thresholds
    mitigations: tuple[str, ...]
    """Each mitigation's ``text``."""
    mitigation_details: tuple[Mitigation, ...]
    classes: int | None
    params_per_sample_class: float | None
    interpolation_scale: int | None
    """samples x classes, for a classifier."""
    contributions: tuple[Contribution, ...]
    shrink: Shrink | None
    explanation: tuple[str, ...]
