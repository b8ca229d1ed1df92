"""Which role a variable plays: ``weight``, ``bias``, ``norm``, ``stats`` or ``other``.

Pure functions of names and flags, shared by every capture engine (the Keras capture and
the static ``.keras`` reader), so that both classify the same variable the same way.

The rules, in order (docs/json.md defines the roles):

* statistics that are not learned: ``moving_mean``, ``moving_variance`` (BatchNormalization),
  ``mean``, ``variance``, ``count`` (Normalization), a non-trainable ``vector_u``
  (SpectralNormalization's power-iteration estimate, updated by each training step, never by
  the gradient) and anything non-trainable named like a running statistic -> ``stats``;
* the scale and offset of a normalisation layer (``gamma``, ``beta``, ``scale``, ``center``,
  ``offset``, ``weight``, ``bias`` created by a layer whose class, or one of whose base
  classes, is normalisation-like: ``*Normalization``, ``*Norm``, ``*Norm2d``, so keras_hub's
  ``LlamaLayerNorm.scale``, ``T5LayerNorm.weight`` and Gemma's ``RMSNormalization.scale``
  are all ``norm``) -> ``norm``;
* kernels of every kind and embeddings -> ``weight``: ``kernel``/``weight(s)``, any name
  ending in ``embedding(s)`` (DeiT's ``position_embedding``, DeBERTa's ``rel_embedding``) or
  ``_emb`` (XLNet's ``mask_emb``), a learned ``*_encoding`` (XLNet's ``segment_encoding``; a
  non-trainable sinusoidal table stays ``other``), ``*_dense`` / ``*_proj``, a kernel named
  after the projection it is (Mixtral's batched ``expert_feedforward_gate_dense``, GPT-OSS's
  ``gate_up_proj``), learned
  token vectors (``class_token``, ``cls_token``, ``distillation_token``, ``mask_token``,
  ``register_tokens``: one embedding row each, prepended to or swapped into the sequence),
  and any trainable non-bias variable of a class named ``*Embedding(s)`` (ViTDet's
  ``AddPositionalEmbedding.pos_embed``, ``AddRelativePositionalEmbedding.rel_pos_h``);
* biases -> ``bias``;
* everything else (PReLU's ``alpha``, ConvNeXt's layer-scale ``gamma``, custom variables)
  -> ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from layerscope.report import Role

_STATS_NAMES = frozenset(
    {"moving_mean", "moving_variance", "moving_var", "mean", "variance", "count", "moving_stddev"}
)
_ESTIMATE_NAMES = frozenset({"vector_u"})
"""Non-trainable running estimates that are statistics too (SpectralNormalization's)."""
_NORM_NAMES = frozenset({"gamma", "beta", "scale", "center", "offset"})
_NORM_CLASS_NAMES = _NORM_NAMES | {"weight", "bias"}
"""Names that mean scale or offset when a normalisation-like layer created the variable
(``T5LayerNorm.weight``); anywhere else ``weight`` and ``bias`` keep their usual roles."""
_NORM_CLASS = re.compile(r"Normalization|Norm(?:\d*[dD])?$")
"""``*Normalization`` anywhere in the name, or a name ending in ``Norm`` (``LlamaLayerNorm``,
``QKNorm``, ``RmsNorm2d``); not ``ConvNormAct``-style composite blocks."""
_WEIGHT_NAMES = frozenset({"embeddings", "embedding", "kernel", "weight", "weights"})
_EMBEDDING_CLASS = re.compile(r"Embeddings?$")
"""A layer named as an embedding (``AddPositionalEmbedding``, ViTDet's
``AddRelativePositionalEmbedding``): its learned tables (``pos_embed``, ``rel_pos_h``) are
embeddings whatever their names. Matched on the class's own name only, which both engines
know."""
_TOKEN_NAME = re.compile(r"(?:^|_)tokens?$")
"""A learned token vector (``class_token``, ``register_tokens``): an embedding row."""
_WEIGHT_SUFFIXES = ("kernel", "embedding", "embeddings", "_emb", "_dense", "_proj")


def is_normalization_class(class_name: str) -> bool:
    """True for BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization,
    UnitNormalization, SpectralNormalization and similar classes."""
    return _NORM_CLASS.search(class_name) is not None


def variable_role(
    layer_class: str,
    variable_name: str,
    trainable: bool = True,
    bases: Iterable[str] = (),
) -> Role:
    """Classify one variable by its owning layer's class and the variable's own name.

    ``variable_name`` is the short name (``kernel``), not the path. ``bases`` are the names
    of the owning class's base classes, when known (the Keras capture passes them; the
    static engine knows only the class name), so that a subclass of a normalisation layer
    with an unrelated name is still read as one.
    """
    name = variable_name.rsplit("/", 1)[-1].lower()
    if name in _STATS_NAMES or (
        not trainable and (name.startswith("moving_") or name in _ESTIMATE_NAMES)
    ):
        return "stats"
    if name in _NORM_CLASS_NAMES and (
        is_normalization_class(layer_class) or any(map(is_normalization_class, bases))
    ):
        return "norm"
    if name in _WEIGHT_NAMES or name.endswith(_WEIGHT_SUFFIXES) or _TOKEN_NAME.search(name):
        return "weight"
    if trainable and name.endswith("_encoding"):
        return "weight"
    bias = name == "bias" or name.endswith("_bias") or name.startswith("bias")
    if trainable and not bias and _EMBEDDING_CLASS.search(layer_class):
        return "weight"
    if bias:
        return "bias"
    return "other"
