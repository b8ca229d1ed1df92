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

    @property
    def regularises(self) -> bool:
        return self.regularising is not None
