"""Which role a variable plays: ``weight``, ``bias``, ``norm``, ``stats`` or ``other``.

Pure functions of names and flags, shared by every capture engine (the Keras capture and
the static ``.keras`` reader), so that both classify the same variable the same way.

The rules, in order (CONTRACT.md defines the roles):

* statistics that are not learned: ``moving_mean``, ``moving_variance`` (BatchNormalization),
  ``mean``, ``variance``, ``count`` (Normalization) and anything non-trainable named like a
  running statistic -> ``stats``;
* the scale and offset of a normalisation layer (``gamma``, ``beta``, ``scale``, ``center``
  in a ``*Normalization`` layer) -> ``norm``;
* kernels of every kind and embeddings -> ``weight``;
* biases -> ``bias``;
* everything else (PReLU's ``alpha``, ConvNeXt's layer-scale ``gamma``, custom variables)
  -> ``other``.
"""

from __future__ import annotations

from layerscope.report import Role

_STATS_NAMES = frozenset(
    {"moving_mean", "moving_variance", "moving_var", "mean", "variance", "count", "moving_stddev"}
)
_NORM_NAMES = frozenset({"gamma", "beta", "scale", "center", "offset"})
_WEIGHT_NAMES = frozenset({"embeddings", "embedding", "kernel", "weight", "weights"})


def is_normalization_class(class_name: str) -> bool:
    """True for BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization,
    UnitNormalization, SpectralNormalization and similar classes."""
    return "Normalization" in class_name or class_name in {"LayerNorm", "BatchNorm", "RMSNorm"}


def variable_role(layer_class: str, variable_name: str, trainable: bool = True) -> Role:
    """Classify one variable by its owning layer's class and the variable's own name.

    ``variable_name`` is the short name (``kernel``), not the path.
    """
    name = variable_name.rsplit("/", 1)[-1].lower()
    if name in _STATS_NAMES or (not trainable and name.startswith("moving_")):
        return "stats"
    if name in _NORM_NAMES and is_normalization_class(layer_class):
        return "norm"
    if name in _WEIGHT_NAMES or name.endswith("kernel") or name.endswith("embeddings"):
        return "weight"
    if name == "bias" or name.endswith("_bias") or name.startswith("bias"):
        return "bias"
    return "other"
