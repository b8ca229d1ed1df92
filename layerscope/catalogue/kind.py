"""What layerscope knows about one Keras layer class: :class:`LayerKind`.

A kind is data plus references to pure rule functions, so that the static engine and the
analyses read the same description of a class. Nothing here imports Keras, TensorFlow, an
engine or an analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from layerscope.report import Shape

MacRule = Callable[[Mapping[str, Any], Sequence[Shape], Sequence[Shape]], int]
"""MACs of one call from the layer's config and the shapes of the call's inputs and outputs
(one sample; ``None`` dimensions count 1). Raises ``KeyError``/``ValueError``/... when the
config or shapes do not say enough; the caller reports the layer as uncounted."""

Pattern = tuple[int | None, ...]
"""A variable shape the config implies; ``None`` where it does not say (an unknown input)."""


@dataclass(frozen=True)
class VarSpec:
    """One variable a layer class creates: its short name and whether it is created trainable."""

    name: str
    trainable: bool = True
    auto_named: bool = False
    """Created without a name: Keras numbers such variables with a session-wide counter
    ("variable", "variable_1"...). The engine numbers them as a fresh session loading the
    file does, in the order the layers are built."""
    stored_at: int | None = None
    """Its dataset index in the layer's ``vars`` group when that differs from its position
    (quantized layers save in their own order but list trainable variables first)."""


@dataclass(frozen=True)
class SubSpec:
    """A sublayer saved under ``attribute``, with its class, layout and trainable flag."""

    attribute: str
    class_name: str
    config: Mapping[str, Any]
    shapes: Mapping[str, Pattern] | None = None
    """The sublayer's variable shapes as its owner's config implies them (MultiHeadAttention's
    EinsumDense projections); ``None``: from the sublayer's own rule."""


Layout = tuple[tuple[VarSpec, ...], tuple[SubSpec, ...]]
"""A class's own variables (save order) and its sublayers (in ``_layers`` order)."""

LayoutRule = Callable[[Mapping[str, Any]], Layout]
"""A class's layout from its config."""

ShapeList = list[Shape]

ShapeRule = Callable[[Mapping[str, Any], ShapeList], dict[str, Pattern]]
"""What a layer's config and the shapes of its first call imply for each variable's shape, as
the class's ``build`` computes it. The weights file must hold exactly these shapes: Keras
builds the layer from the config and refuses weights of any other shape."""

ShapeFunction = Callable[[Mapping[str, Any], ShapeList], ShapeList | None]
"""A call's output shapes from the layer's config and the call's input shapes; ``None`` when
the config does not say them (EinsumDense's ``...`` equations: the shapes its consumers
recorded are taken instead)."""


Regularising = Literal["dropout", "noise", "augmentation", "regularizer"]
"""How a layer regularises training: dropout, additive noise, data augmentation, or an
activity regularizer."""


@dataclass(frozen=True)
class LayerKind:
    """One layer class, matched by its exact class name (Keras's aliases are kinds of their
    own: ``Convolution2D`` beside ``Conv2D``)."""

    name: str
    """The class name as a config saves it (``Conv2D``)."""
    family: str
    """The catalogue module describing it (``conv``, ``recurrent``...)."""
    stateless: bool = False
    """Creates no variables at all."""
    elementwise: bool = False
    """Its work is one operation per output element (counted in ``cost.elementwise_ops``)."""
    pass_through: bool = False
    """Keeps the channel count: widening the layer before it carries through to the next
    layer with a kernel (data fit's shrink estimate)."""
    regularising: Regularising | None = None
    container: bool = False
    """A model class whose config lists its own layers (``Functional``, ``Sequential``)."""
    wrapper: bool = False
    """Wraps one serialised layer (``Bidirectional``, ``TimeDistributed``)."""
    gates: int = 0
    """Recurrent gates (LSTM 4, GRU 3, SimpleRNN 1)."""
    states: int = 0
    """State tensors a recurrent layer returns with ``return_state`` (LSTM 2)."""
    cell: str | None = None
    """The cell class a recurrent layer saves as its ``cell`` sublayer."""
    width_key: str | None = None
    """The config key holding its width (``units``, ``filters``), which data fit's shrink
    estimate halves."""
    input_kernel: bool = False
    """Its kernel's input axis is the width of the layer before it, so narrowing that layer
    narrows this kernel (data fit's shrink estimate)."""
    hidden_layer: bool = True
    """With a kernel, it counts as a hidden layer (an embedding or PReLU's alphas do not)."""
    single_layer: bool = False
    """Holds several kernels but is one layer, not a block of layers (a wrapper, attention)."""
    unit_kernel: bool = False
    """The kernel's last axis holds one output unit each (weight statistics look for dead
    and identical units)."""
    spectral_kernel: bool = False
    """Its ``kernel`` gets a spectral norm and stable rank."""
    cost: MacRule | None = None
    """MACs of one call; ``None``: no rule (a custom block is priced through its sub-layers)."""
    block_cost: MacRule | None = None
    """A whole block's closed form, for a block row with no traced sub-layer calls (the
    static engine reads no code)."""
    graph: bool = False
    """A model whose config holds its layer graph, which the static engine walks
    (``Functional``, ``Sequential``; not a subclassed ``Model``)."""
    module: str | None = None
    """The only module the class is Keras's own from (keras.applications' private layers:
    ``LayerScale`` from ``keras.src.applications.convnext``); ``None``: any Keras module."""
    layout: LayoutRule | None = None
    """Its variables and sublayers (the static engine); a stateless class has none."""
    variable_shapes: ShapeRule | None = None
    """The variable shapes its config implies (checked against the weights file)."""
    output_shape: ShapeFunction | None = None
    """Its output shapes (the static engine); ``None``: only what the graph records."""
    sublayer_inputs: Callable[[ShapeList], ShapeList] | None = None
    """What its sublayers are built on, from its own inputs (an RNN's cell sees one step, a
    TimeDistributed layer one slice); ``None``: unknown."""
    python_name: str | None = None
    """The name of the Python class when Keras saves another one (``GroupQueryAttention``
    is the saved name of ``GroupedQueryAttention``): what a row reports, as the Keras
    capture does; ``None``: ``name``."""
    variable_dtypes: tuple[tuple[str, str], ...] = ()
    """Variables Keras creates with a dtype of their own (``add_weight(dtype="int")``), as
    (name, dtype); every other variable is a float variable of the layer's policy."""

    @property
    def regularises(self) -> bool:
        return self.regularising is not None

    @property
    def static_layout(self) -> LayoutRule | None:
        """The layout the static engine reads the class by; ``None``: a class it cannot read."""
        if self.layout is not None:
            return self.layout
        return _no_variables if self.stateless else None


def _no_variables(config: Mapping[str, Any]) -> Layout:
    return ((), ())
