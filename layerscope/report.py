"""The report's data model: plain frozen dataclasses with no reference back to Keras.

Capture (``layerscope.capture`` or ``layerscope.static``) produces a :class:`CapturedModel`
holding the facts read off a model; analysis (``layerscope.analysis``) turns it into a
:class:`ModelReport`, the same facts plus the derived numbers (totals, shares, MACs and the
typed results of :mod:`layerscope.results`); renderers (``layerscope.render``) only read it.
The two types keep ``totals`` from ever being optional where it is read.

Nothing in this module formats text: that lives in the renderers. The ``to_*`` methods on
:class:`ModelReport` are thin conveniences that import the renderer they need on demand.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from layerscope.results import Architecture, Cost, DataFit, Memory

if TYPE_CHECKING:  # pragma: no cover - typing only
    import graphviz
    import pydot

    from layerscope.weights.health import Finding
    from layerscope.weights.precision import PrecisionPlan
    from layerscope.weights.types import VariableStats

ROLES: tuple[str, ...] = ("weight", "bias", "norm", "stats", "other")
"""Every role a variable can have, in display order (see docs/json.md)."""

Role = Literal["weight", "bias", "norm", "stats", "other"]

Shape = tuple[int | None, ...]
"""A tensor shape; ``None`` marks an unknown dimension (usually the batch)."""

_DTYPE_BYTES: dict[str, int] = {
    "float16": 2,
    "bfloat16": 2,
    "float32": 4,
    "float64": 8,
    "int8": 1,
    "uint8": 1,
    "int16": 2,
    "uint16": 2,
    "int32": 4,
    "uint32": 4,
    "int64": 8,
    "uint64": 8,
    "bool": 1,
    "complex64": 8,
    "complex128": 16,
    "float8_e4m3fn": 1,
    "float8_e5m2": 1,
    "int4": 1,  # stored one per byte by every Keras backend today
}


def known_dtype_bytes(dtype: str) -> int | None:
    """Bytes one element of ``dtype`` occupies, or ``None`` for a dtype Keras has no name for."""
    return _DTYPE_BYTES.get(dtype)


def dtype_bytes(dtype: str) -> int:
    """Bytes one element of ``dtype`` occupies (4 for an unknown dtype, Keras's default)."""
    return _DTYPE_BYTES.get(dtype, 4)


@dataclass(frozen=True)
class RoleCounts:
    """Parameter counts split by role. Always sums to the owning row's ``params``."""

    weight: int = 0
    """Kernels, embeddings, recurrent, depthwise and pointwise kernels."""
    bias: int = 0
    """Additive biases."""
    norm: int = 0
    """Learned normalisation scale and offset (gamma, beta)."""
    stats: int = 0
    """Non-learned statistics: moving mean/variance, Normalization mean/variance/count."""
    other: int = 0
    """Anything else (PReLU alphas, layer-scale factors, custom variables...)."""

    @property
    def total(self) -> int:
        return self.weight + self.bias + self.norm + self.stats + self.other

    def as_dict(self) -> dict[str, int]:
        return {role: getattr(self, role) for role in ROLES}

    def __add__(self, other: RoleCounts) -> RoleCounts:
        return RoleCounts(**{role: getattr(self, role) + getattr(other, role) for role in ROLES})

    @classmethod
    def of(cls, variables: tuple[Variable, ...] | list[Variable]) -> RoleCounts:
        counts = dict.fromkeys(ROLES, 0)
        for variable in variables:
            counts[variable.role] += variable.count
        return cls(**counts)


@dataclass(frozen=True)
class Variable:
    """One model variable (a weight tensor) as captured."""

    name: str
    """The variable's own short name, e.g. ``kernel``."""
    path: str
    """Its full path, e.g. ``sequential/Hidden1/kernel`` (unique within a model)."""
    role: Role
    """``weight``, ``bias``, ``norm``, ``stats`` or ``other``."""
    shape: tuple[int, ...]
    dtype: str
    """The variable's real storage dtype (``float32`` even under a mixed-float16 policy)."""
    trainable: bool
    """Whether gradient descent updates it (false for frozen layers and statistics)."""
    shared_from: str | None = None
    """``None`` when this row counts the variable; else the ``path`` of the row that owns
    and counts it (a tied embedding used again by an LM head, a block shared by two
    branches). A shared variable is listed in every row that uses it but counted once, so
    the depth-0 rows add up to the totals."""
    storage: str | None = field(default=None, compare=False, repr=False)
    """The dataset holding it in the ``.keras`` weights file (static engine only), e.g.
    ``layers/dense/vars/0``; what ``--weights`` streams its values from."""
    stats: VariableStats | None = field(default=None, compare=False)
    """Statistics of its values; filled only when weights were asked for (``--weights``)."""

    @property
    def count(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count

    @property
    def nbytes(self) -> int:
        return self.count * dtype_bytes(self.dtype)


@dataclass(frozen=True)
class Edge:
    """A tensor flowing from one layer to another."""

    source: str
    """The producing layer's ``path``."""
    target: str
    """The consuming layer's ``path``."""
    shape: Shape | None = None
    """The tensor's shape, when known."""


@dataclass(frozen=True)
class LayerCall:
    """One call of a layer as recorded by tracing the model (see ``layerscope.tracing``)."""

    input_shapes: tuple[Shape, ...] = ()
    """Shapes of the call's tensor arguments in signature order (masks left out)."""
    output_shapes: tuple[Shape, ...] = ()
    rows: int = 1
    """How many rows the call's first tensor had per model sample: its leading axis in the
    batch-1 trace. 1 for an ordinary call; more for a layer a block calls on a reshaped
    tensor (Swin's window attention runs its Dense layers on 64 windows of 49 tokens per
    image: shapes ``(None, 49, 96)``, rows 64). The shapes show that axis as ``None``, so a
    rule's per-row figure times ``rows`` is the call's cost per sample."""


@dataclass(frozen=True)
class OpCall:
    """A matrix product a layer's own code ran through ``keras.ops`` (not a sub-layer's)."""

    op: str
    """``einsum``, ``matmul`` or ``dot_product_attention``."""
    shapes: tuple[Shape, ...]
    """The operands' shapes at batch 1 (``None`` where a dimension was unknown)."""
    equation: str | None = None
    """The einsum equation, for ``einsum``."""
    batch: int = 1
    """The batch the trace ran at: 1, or the batch size a model's input fixes
    (``keras.Input(shape, batch_size=8)``), whose products the shapes include; the MACs
    per sample are the product's over it."""


@dataclass(frozen=True)
class Trace:
    """How the sub-layers' call shapes were measured: one symbolic call of the model."""

    input_shapes: tuple[tuple[str, Shape], ...] = ()
    """Each model input's name and the shape it was called with (batch 1; ``None`` where
    a dimension stayed unknown because neither ``seq_len`` nor ``input_shapes`` set it)."""
    error: str | None = None
    """Why the model could not be traced; shapes then come from its graph only."""


@dataclass(frozen=True)
class LayerReport:
    """One row of the report: a layer, or a nested model as a whole.

    Capture fills the facts; analysis fills ``share`` and ``macs``.
    """

    name: str
    """The layer's own name."""
    path: str
    """Unique path within the report: ``encoder/inner_a`` inside a nested model."""
    depth: int
    """0 for the model's own layers, 1 inside a nested model, and so on."""
    class_name: str
    variables: tuple[Variable, ...] = ()
    """Every variable the layer uses, nested models' inner variables included; those owned
    by another row carry ``shared_from`` and are not counted in this row's numbers."""
    output_shapes: tuple[Shape, ...] = ()
    """One shape per output of the layer's first call; empty when unknown."""
    input_shapes: tuple[Shape, ...] = ()
    """One shape per input tensor of the layer's first call; empty when unknown."""
    inbound: tuple[str, ...] = ()
    """Names of the layers feeding this one, over every call (shared layers list all)."""
    parent: str | None = None
    """``path`` of the nested model or block holding this layer, ``None`` at depth 0."""
    is_container: bool = False
    """True for a nested model, whose inner layers follow it as deeper rows."""
    layer_trainable: bool = True
    """The layer's own ``trainable`` flag (a frozen layer's variables are non-trainable)."""
    dtype_policy: str | None = None
    """The layer's dtype policy name, e.g. ``mixed_float16``."""
    config: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The layer's serialised Keras config (JSON data); for nested models without their
    ``layers``. Analyses read hyper-parameters (units, kernel_size, regularizers) here."""
    call_count: int = 1
    """How many times the layer is called in the graph (more than 1 for shared layers)."""
    is_block: bool = False
    """True for a custom layer (not a model) whose sub-layers follow it as deeper rows, e.g.
    ``transformer_layer_0/self_attention_layer/query``. Like a nested model's row, a block's
    row holds all its sub-layers' variables, so depth-0 rows still add up to the totals."""
    call_class: str | None = field(default=None, compare=False)
    """The class whose ``call`` the layer runs, which is what prices it: its own class
    for Keras and keras_hub layers, the Keras base class for a subclass that keeps the
    base's ``call``, ``""`` for a layer running its own ``call``; ``None`` when not known
    (the static engine), in which case ``class_name`` is used."""
    calls: tuple[LayerCall, ...] = field(default=(), compare=False, repr=False)
    """Every call recorded by tracing the model (empty when the model was not traced).
    ``call_class``, ``calls`` and ``ops`` say how the row was measured, which only the
    Keras engine can, so they are left out of equality (engines agree on the facts)."""
    ops: tuple[OpCall, ...] = field(default=(), compare=False, repr=False)
    """Matrix products the layer's own code ran, over all its traced calls."""
    # -- filled by analysis ------------------------------------------------------------
    share: float = 0.0
    """``params`` / the model's total params."""
    macs: int = 0
    """Multiply-accumulates for one sample's forward pass (all calls of a shared layer)."""
    activation_elements: int = 0
    """Elements in the layer's outputs for one sample (all calls)."""

    # The row is frozen, so what follows from its variables is computed once per row
    # (functools.cached_property stores it beside the fields; eq, repr, replace and the
    # schema see only fields): a 50,000-layer report asked them 650,000 times.
    @functools.cached_property
    def owned_variables(self) -> tuple[Variable, ...]:
        """The variables this row counts (every one not ``shared_from`` another row)."""
        return tuple(variable for variable in self.variables if variable.shared_from is None)

    @property
    def shared_variables(self) -> tuple[Variable, ...]:
        """Variables this row uses but another row owns and counts."""
        return tuple(v for v in self.variables if v.shared_from is not None)

    @property
    def shared_params(self) -> int:
        """Parameters this row uses that are counted in another row (not in ``params``)."""
        return sum(variable.count for variable in self.shared_variables)

    @functools.cached_property
    def params(self) -> int:
        return sum(variable.count for variable in self.owned_variables)

    @functools.cached_property
    def trainable(self) -> int:
        return sum(variable.count for variable in self.owned_variables if variable.trainable)

    @property
    def non_trainable(self) -> int:
        return self.params - self.trainable

    @property
    def bytes(self) -> int:
        return sum(variable.nbytes for variable in self.owned_variables)

    @functools.cached_property
    def by_role(self) -> RoleCounts:
        return RoleCounts.of(self.owned_variables)

    @property
    def output_shape(self) -> Shape | list[Shape] | None:
        """The contract's ``output_shape``: one shape, a list of shapes, or ``None``."""
        if not self.output_shapes:
            return None
        if len(self.output_shapes) == 1:
            return self.output_shapes[0]
        return list(self.output_shapes)

    @property
    def is_frozen(self) -> bool:
        """A layer holding parameters none of which are trainable."""
        return self.params > 0 and self.trainable == 0


@dataclass(frozen=True)
class Totals:
    """Whole-model parameter totals (the depth-0 rows add up to these)."""

    params: int
    trainable: int
    non_trainable: int
    bytes: int
    by_role: RoleCounts
    bytes_by_dtype: Mapping[str, int] = field(default_factory=dict)
    """Parameter bytes per storage dtype."""


@dataclass(frozen=True)
class CapturedModel:
    """The facts read off one model, before analysis. Immutable; safe to share."""

    name: str
    class_name: str
    layers: tuple[LayerReport, ...]
    """Rows in display order: a nested model's row is followed by its inner rows."""
    edges: tuple[Edge, ...] = ()
    """Every connection between rows, nested graphs included (paths on both ends)."""
    inputs: tuple[str, ...] = ()
    """Paths of the model's input layers (empty for Sequential and subclassed models)."""
    outputs: tuple[str, ...] = ()
    """Paths of the layers producing the model's outputs."""
    input_shapes: tuple[Shape, ...] = ()
    """The model's input shapes, when known."""
    source: str | None = None
    """The file the model came from, if any."""
    engine: str = "keras"
    """Which capture produced this report: ``keras`` or ``static``."""
    display_depth: int | None = None
    """How deep the text, Markdown and HTML tables go (``analyze(..., depth=N)``, CLI
    ``--depth N``): rows of depth 0..N. ``None`` picks what reads best (see
    :func:`layerscope.render.format.auto_depth`). JSON always carries every row."""
    trace: Trace | None = None
    """The input sizes the layers' call shapes were measured at: the Keras engine's symbolic
    call, or the static engine's keras_hub recipe (``None`` for anything else)."""

    # -- lookups -----------------------------------------------------------------------
    def layer(self, name_or_path: str) -> LayerReport:
        """The row with this path, or else the first row with this name."""
        for row in self.layers:
            if row.path == name_or_path:
                return row
        for row in self.layers:
            if row.name == name_or_path:
                return row
        raise KeyError(name_or_path)

    @property
    def top_level(self) -> tuple[LayerReport, ...]:
        """The depth-0 rows, which add up to the totals."""
        return tuple(row for row in self.layers if row.depth == 0)

    def children(self, path: str) -> tuple[LayerReport, ...]:
        """The rows directly inside the nested model at ``path``."""
        return tuple(row for row in self.layers if row.parent == path)

    def captured(self) -> CapturedModel:
        """Only the captured facts (an analysed report's rows keep their derived numbers)."""
        return CapturedModel(
            **{item.name: getattr(self, item.name) for item in dataclasses.fields(CapturedModel)}
        )


@dataclass(frozen=True, kw_only=True)
class ModelReport(CapturedModel):
    """Everything layerscope knows about one model: the captured facts and the analyses.
    Immutable; safe to share. Built by :func:`layerscope.analysis.run_analyses`."""

    totals: Totals
    cost: Cost
    memory: Memory
    architecture: Architecture
    data_fit: DataFit | None = None
    """``None`` when no training-sample count was given."""
    precision: PrecisionPlan | None = None
    """Parameter bytes at float32/float16/bfloat16/int8/int4 (``layerscope.weights.precision``)."""
    weight_health: tuple[Finding, ...] | None = None
    """Findings about the weights' values; ``None`` unless weights were read (``--weights``)."""

    # -- renderers (imported on demand so that the data model stays light) -------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON document of docs/json.md as plain Python data."""
        from layerscope.render.json import report_to_dict

        return report_to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        from layerscope.render.json import report_to_json

        return report_to_json(self, indent=indent)

    def to_text(
        self, width: int | None = None, color: bool = False, depth: int | None = None
    ) -> str:
        """A terminal table in the spirit of ``model.summary()``, with more columns; rows
        down to ``depth`` levels inside nested models and blocks (default: ``display_depth``,
        else what reads best)."""
        from layerscope.render.text import render_text

        return render_text(self, width=width, color=color, depth=depth)

    def to_markdown(self, depth: int | None = None) -> str:
        from layerscope.render.markdown import render_markdown

        return render_markdown(self, depth=depth)

    def to_dot(self, rankdir: str = "TB", expand_nested: bool | int = False) -> str:
        """Graphviz DOT source for the model's diagram."""
        from layerscope.render.dot import render_dot

        return render_dot(self, rankdir=rankdir, expand_nested=expand_nested)

    def to_graphviz(
        self, rankdir: str = "TB", expand_nested: bool | int = False
    ) -> graphviz.Digraph:
        from layerscope.render.dot import to_graphviz

        return to_graphviz(self, rankdir=rankdir, expand_nested=expand_nested)

    def to_pydot(self, rankdir: str = "TB", expand_nested: bool | int = False) -> pydot.Dot:
        from layerscope.render.dot import to_pydot

        return to_pydot(self, rankdir=rankdir, expand_nested=expand_nested)

    def render_diagram(
        self,
        path: str | os.PathLike[str],
        rankdir: str = "TB",
        expand_nested: bool | int = False,
    ) -> str:
        """Write the diagram to ``path`` (svg, png, pdf or dot, chosen by the suffix)."""
        from layerscope.render.dot import render_diagram

        return render_diagram(self, path, rankdir=rankdir, expand_nested=expand_nested)

    def to_html(self, fragment: bool = False, **options: Any) -> str:
        """A self-contained HTML page, or an embeddable ``<div>`` with ``fragment=True``."""
        from layerscope.render.html import render_html

        return render_html(self, fragment=fragment, **options)

    def save_html(
        self, path: str | os.PathLike[str], fragment: bool = False, **options: Any
    ) -> str:
        from layerscope.render.html import save_html

        return save_html(self, path, fragment=fragment, **options)

    def _repr_html_(self) -> str:
        return self.to_html(fragment=True)
