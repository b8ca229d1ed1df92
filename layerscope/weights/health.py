"""Weight health: what the statistics say is wrong (or suspicious) with a model's values.

Pure functions of a report whose variables carry :class:`~layerscope.weights.stats.VariableStats`
(``--weights``); no Keras. Every :class:`Finding` names its layer and variable, says what
was found, what it means, what to check, and what the check cannot tell.

The checks and their bounds:

* ``nan_inf``: any NaN or infinite value (one finding per variable).
* ``all_zero``: a kernel or embedding (role ``weight``) whose every value is exactly zero.
  Biases and offsets start at zero and are not flagged.
* ``dead_units``: Dense/Conv output units whose incoming kernel column is entirely zero: the
  unit's output is the constant ``activation(bias)`` whatever the input.
* ``exploding_scale``: a weight, bias or norm variable whose largest magnitude exceeds
  :data:`EXPLODING_ABS_MAX` (statistics and quantized integer tensors are not checked).
* ``bn_variance``: a BatchNormalization moving variance at or below
  :data:`VARIANCE_FLOOR` (or negative).
* ``gamma_zero``: a normalisation scale (gamma) with values below the near-zero tolerance.
* ``identical_units``: two or more non-zero output units of one layer with identical
  incoming weights (they compute the same function, so one of them is redundant).
* ``untrained``: the whole model looks freshly initialised (see :func:`_untrained`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from layerscope.report import CapturedModel, LayerReport, Variable
from layerscope.weights.types import NEAR_ZERO, VariableStats

EXPLODING_ABS_MAX = 1e3
"""A trained float weight beyond this magnitude is flagged as an exploding scale. Kernels
initialised by Keras's defaults stay below 1; trained ones rarely pass 10."""

VARIANCE_FLOOR = 1e-6
"""A BatchNormalization moving variance at or below this is flagged."""

UNTRAINED_STD_TOLERANCE = 0.1
"""A kernel "matches its initializer" when its std is within 10% of the initializer's."""

UNTRAINED_MIN_ELEMENTS = 64
"""Kernels smaller than this are too small to compare with a distribution."""

KINDS = (
    "nan_inf",
    "all_zero",
    "dead_units",
    "exploding_scale",
    "bn_variance",
    "gamma_zero",
    "identical_units",
    "untrained",
)

KIND_TITLES = {
    "nan_inf": "NaN or infinity",
    "all_zero": "All-zero kernel",
    "dead_units": "Dead units",
    "exploding_scale": "Exploding scale",
    "bn_variance": "Zero normalisation variance",
    "gamma_zero": "Zero normalisation scale",
    "identical_units": "Identical units",
    "untrained": "Looks untrained",
}


@dataclass(frozen=True)
class Finding:
    """One thing the weights' values say (``weight_health`` in the JSON)."""

    kind: str
    """One of :data:`KINDS`."""
    layer: str | None
    """The layer's path (``None`` for a finding about the whole model)."""
    variable: str | None
    """The variable's path, when the finding is about one variable."""
    summary: str
    """What was found, with the numbers."""
    meaning: str
    """What it means for the model."""
    check: str
    """What to look at next."""
    limits: str
    """What this check cannot tell."""

    @property
    def title(self) -> str:
        """The kind in words (``NaN or infinity``)."""
        return KIND_TITLES.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "layer": self.layer,
            "variable": self.variable,
            "summary": self.summary,
            "meaning": self.meaning,
            "check": self.check,
            "limits": self.limits,
        }


def _owned(report: CapturedModel) -> Iterator[tuple[LayerReport, Variable, VariableStats]]:
    """Each variable once, with the innermost row holding it (a nested model's variables
    are listed by the container row and again by the inner layer's)."""
    owner: dict[str, tuple[LayerReport, Variable, VariableStats]] = {}
    for row in report.layers:
        for variable in row.variables:
            if variable.stats is None:
                continue
            known = owner.get(variable.path)
            if known is None or row.depth > known[0].depth:
                owner[variable.path] = (row, variable, variable.stats)
    yield from owner.values()


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} " + (word if count == 1 else plural or word + "s")


def _units_list(units: tuple[int, ...], limit: int = 8) -> str:
    shown = ", ".join(str(u) for u in units[:limit])
    return shown + (f" and {len(units) - limit} more" if len(units) > limit else "")


RELU_ACTIVATIONS = frozenset({"relu", "relu6"})
"""Activations that output exactly zero for every non-positive input."""

NON_NEGATIVE_ACTIVATIONS = frozenset(
    {"relu", "relu6", "sigmoid", "hard_sigmoid", "softmax", "softplus", "exponential"}
)
"""Activations whose outputs are never negative (a layer fed by one gets inputs >= 0)."""


def _activation(row: LayerReport) -> str | None:
    if row.class_name == "ReLU":
        return "relu"
    if row.class_name == "Softmax":
        return "softmax"
    value = row.config.get("activation")
    return value if isinstance(value, str) else None


def _unreachable_units(report: CapturedModel, row: LayerReport) -> tuple[int, ...]:
    """Units of a ReLU Dense/Conv layer fed only by non-negative outputs whose incoming
    weights are all <= 0 (not all zero) and whose bias is <= 0: their pre-activation is
    never positive, so ReLU outputs 0 for every input."""
    if _activation(row) not in RELU_ACTIVATIONS or not row.inbound:
        return ()
    siblings = {r.name: r for r in report.layers if r.parent == row.parent}
    feeders = [siblings.get(name) for name in row.inbound]
    if any(f is None or _activation(f) not in NON_NEGATIVE_ACTIVATIONS for f in feeders):
        return ()
    by_path = {v.path: v for v in row.variables}
    kernel = by_path.get(f"{row.path}/kernel")
    bias = by_path.get(f"{row.path}/bias")
    kernel_units = kernel.stats.units if kernel is not None and kernel.stats else None
    if kernel_units is None:
        return ()
    if bias is None:
        nonpositive_bias = set(range(kernel_units.units))
    elif bias.stats is not None and bias.stats.units is not None:
        nonpositive_bias = set(bias.stats.units.nonpositive_units) | set(
            bias.stats.units.zero_units
        )
    else:
        return ()
    return tuple(u for u in kernel_units.nonpositive_units if u in nonpositive_bias)


def check_health(report: CapturedModel) -> tuple[Finding, ...]:
    """Every finding, in model order (per variable), the whole-model ones last."""
    findings: list[Finding] = []
    for row, variable, stats in _owned(report):
        findings += _variable_findings(row, variable, stats)
        if variable.path == f"{row.path}/kernel":
            findings += _unreachable_finding(row, variable, _unreachable_units(report, row))
    untrained = _untrained(report)
    if untrained is not None:
        findings.append(untrained)
    return tuple(findings)


def _variable_findings(row: LayerReport, variable: Variable, stats: VariableStats) -> list[Finding]:
    found: list[Finding] = []
    where = f"'{variable.path}'"
    if stats.nan or stats.inf:
        parts = [_plural(stats.nan, "NaN")] if stats.nan else []
        if stats.inf:
            parts.append(_plural(stats.inf, "infinite value"))
        found.append(
            Finding(
                kind="nan_inf",
                layer=row.path,
                variable=variable.path,
                summary=f"{where} holds {' and '.join(parts)} among {stats.count:,} values",
                meaning=(
                    "every output that depends on these values is NaN or infinite, and so is "
                    "the loss; the model cannot produce usable predictions"
                ),
                check=(
                    "the training run for a diverging loss (learning rate, missing gradient "
                    "clipping, log or division of zero, float16 overflow) and the file for "
                    "corruption; restore an earlier checkpoint"
                ),
                limits="exact count; it cannot say when or why the values went bad",
            )
        )
    integer = not variable.dtype.startswith(("float", "bfloat"))
    if variable.role == "weight" and stats.count and stats.zeros == 1.0:
        found.append(
            Finding(
                kind="all_zero",
                layer=row.path,
                variable=variable.path,
                summary=f"{where} is all zeros ({stats.count:,} values)",
                meaning=(
                    "the layer ignores its input: its output is constant (its bias, through "
                    "its activation), and with a zero kernel gradients cannot separate its units"
                ),
                check=(
                    "the kernel initializer (zeros?), whether the weights were ever loaded "
                    "or assigned, and pruning or masking code"
                ),
                limits="exact; a layer meant to start at zero (e.g. a zero-initialised "
                "residual branch) is flagged too",
            )
        )
    # A bias carries per-unit facts too (for the ReLU check); these two are about kernels.
    units = stats.units if variable.role == "weight" else None
    if units is not None and units.zero_units and len(units.zero_units) < units.units:
        found.append(
            Finding(
                kind="dead_units",
                layer=row.path,
                variable=variable.path,
                summary=(
                    f"{_plural(len(units.zero_units), 'unit')} of {units.units:,} in "
                    f"'{row.path}' {'has' if len(units.zero_units) == 1 else 'have'} all-zero "
                    "incoming weights (unit "
                    f"{_units_list(units.zero_units)})"
                ),
                meaning=(
                    "each such unit outputs the constant activation(bias) for every input: it "
                    "carries no information and its parameters are wasted"
                ),
                check=(
                    "pruning or masking that zeroed these columns, L1 regularisation driving "
                    "them to zero, or a bad weight assignment; consider removing the units"
                ),
                limits=(
                    "exact for all-zero incoming columns; units that ReLU silences are checked "
                    "separately, and only where the inputs are known to be non-negative"
                ),
            )
        )
    scale_checked = variable.role in ("weight", "bias", "norm") and not integer
    if scale_checked and stats.abs_max is not None and stats.abs_max > EXPLODING_ABS_MAX:
        found.append(
            Finding(
                kind="exploding_scale",
                layer=row.path,
                variable=variable.path,
                summary=(
                    f"{where} has values up to {stats.abs_max:.4g} in magnitude (bound "
                    f"{EXPLODING_ABS_MAX:g}; std {_number(stats.std)})"
                ),
                meaning=(
                    "weights this large usually mean training diverged or ran without enough "
                    "regularisation; activations and gradients through the layer can overflow, "
                    "in float16 first (its largest value is 65,504)"
                ),
                check=(
                    "the loss curve, the learning rate, gradient clipping and weight decay; "
                    "whether inputs are normalised"
                ),
                limits=(
                    f"a fixed bound ({EXPLODING_ABS_MAX:g}); some models legitimately hold large "
                    "values (embeddings scaled on purpose, unnormalised inputs)"
                ),
            )
        )
    normalisation = "Normalization" in row.class_name
    if (
        normalisation
        and variable.name == "moving_variance"
        and stats.min is not None
        and stats.min <= VARIANCE_FLOOR
    ):
        near = round(stats.near_zero * stats.count)
        found.append(
            Finding(
                kind="bn_variance",
                layer=row.path,
                variable=variable.path,
                summary=(
                    f"{where} has a minimum of {stats.min:.4g} (at or below {VARIANCE_FLOOR:g}; "
                    f"{near:,} of {stats.count:,} channels below {NEAR_ZERO:g} in magnitude)"
                ),
                meaning=(
                    "a channel with zero (or negative) variance was constant over the data "
                    "BatchNormalization saw; at inference it is divided by sqrt(variance + "
                    "epsilon), so any deviation from the training constant is hugely amplified, "
                    "and a negative variance is invalid"
                ),
                check=(
                    "whether that channel's input is dead (a constant or all-zero feature), "
                    "whether the statistics were overwritten or corrupted, and the layer's "
                    "epsilon"
                ),
                limits="exact test on the stored statistics; it cannot say which input caused it",
            )
        )
    if normalisation and variable.name == "gamma" and stats.near_zero > 0:
        near = round(stats.near_zero * stats.count)
        found.append(
            Finding(
                kind="gamma_zero",
                layer=row.path,
                variable=variable.path,
                summary=(
                    f"{where}: {near:,} of {stats.count:,} scale values are below "
                    f"{NEAR_ZERO:g} in magnitude"
                ),
                meaning=(
                    "a normalisation scale of zero switches its channel off: the channel "
                    "outputs only its offset (beta)"
                ),
                check=(
                    "weight decay on gamma, a zero gamma initializer (used on purpose in some "
                    "residual blocks), or pruning"
                ),
                limits=f"counts values below {NEAR_ZERO:g}; a small but non-zero scale is not "
                "flagged",
            )
        )
    if units is not None and units.identical_units:
        groups = units.identical_units
        redundant = sum(len(g) - 1 for g in groups)
        shown = "; ".join(_units_list(g, 4) for g in groups[:3])
        found.append(
            Finding(
                kind="identical_units",
                layer=row.path,
                variable=variable.path,
                summary=(
                    f"'{row.path}' has {_plural(len(groups), 'group')} of units with identical "
                    f"incoming weights ({redundant:,} redundant; units {shown})"
                ),
                meaning=(
                    "identical units compute the same feature (up to their biases) and "
                    "receive the same gradients, so training cannot tell them apart: a "
                    "symmetry that was never broken"
                ),
                check=(
                    "a constant kernel initializer (ones, constant) or weights copied "
                    "column by column"
                ),
                limits=(
                    "columns are compared through a random projection and their min and max, "
                    "agreeing within 1e-7 relative: equal columns are always found; different "
                    "columns matching is vanishingly unlikely but not impossible"
                ),
            )
        )
    return found


def _unreachable_finding(
    row: LayerReport, variable: Variable, units: tuple[int, ...]
) -> list[Finding]:
    if not units:
        return []
    total = variable.shape[-1]
    return [
        Finding(
            kind="dead_units",
            layer=row.path,
            variable=variable.path,
            summary=(
                f"{_plural(len(units), 'unit')} of {total:,} in '{row.path}' can never "
                f"activate (unit {_units_list(units)}): every incoming weight and the bias are "
                "<= 0, the inputs come from non-negative activations, and the layer's ReLU "
                "outputs 0 for them"
            ),
            meaning=(
                "these units output 0 for every input and get no gradient through ReLU, so "
                "training cannot revive them: their parameters are wasted"
            ),
            check=(
                "the learning rate (a large step can push a unit's weights negative), the "
                "bias initialisation, and leaky ReLU or normalisation before the activation"
            ),
            limits=(
                "checked only where the inputs are known to be non-negative (fed by ReLU, "
                "sigmoid, softmax...); units that are dead only on the real data distribution "
                "need activations to find"
            ),
        )
    ]


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _initializer(config: Mapping[str, Any], key: str) -> tuple[str, Mapping[str, Any]] | None:
    value = config.get(key)
    if isinstance(value, str):
        return value, {}
    if isinstance(value, Mapping) and isinstance(value.get("class_name"), str):
        inner = value.get("config")
        return str(value["class_name"]), inner if isinstance(inner, Mapping) else {}
    return None


_VARIANCE_SCALING = {
    # name: (scale, mode)
    "GlorotUniform": (1.0, "fan_avg"),
    "GlorotNormal": (1.0, "fan_avg"),
    "HeUniform": (2.0, "fan_in"),
    "HeNormal": (2.0, "fan_in"),
    "LecunUniform": (1.0, "fan_in"),
    "LecunNormal": (1.0, "fan_in"),
}


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras's ``compute_fans``."""
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for dim in shape[:-2]:
        receptive *= dim
    return shape[-2] * receptive, shape[-1] * receptive


def expected_std(name: str, config: Mapping[str, Any], shape: tuple[int, ...]) -> float | None:
    """The standard deviation Keras's initializer ``name`` gives a kernel of ``shape``
    (``None`` for an initializer this check does not know)."""
    key = name.replace("_", "").lower()
    by_key = {k.lower(): v for k, v in _VARIANCE_SCALING.items()}
    if key in by_key or key == "variancescaling":
        if key == "variancescaling":
            scale = float(config.get("scale", 1.0))
            mode = str(config.get("mode", "fan_in"))
        else:
            scale, mode = by_key[key]
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(mode, (fan_in + fan_out) / 2)
        # Keras corrects its truncated normal so that every distribution gets this std.
        return math.sqrt(scale / max(1.0, fan))
    if key == "randomnormal":
        return float(config.get("stddev", 0.05))
    if key == "randomuniform":
        return (float(config.get("maxval", 0.05)) - float(config.get("minval", -0.05))) / math.sqrt(
            12
        )
    return None


def _untrained(report: CapturedModel) -> Finding | None:
    """The whole model looks freshly initialised: every Dense/Conv kernel of at least
    :data:`UNTRAINED_MIN_ELEMENTS` values whose initializer is known has the std that
    initializer gives (within :data:`UNTRAINED_STD_TOLERANCE`), and every bias initialised
    to zeros is still exactly zero. Any training step moves the biases, so the second test
    alone rarely passes for a trained model."""
    matched = 0
    zero_biases = 0
    for row, variable, stats in _owned(report):
        if row.class_name not in ("Dense", "Conv1D", "Conv2D", "Conv3D"):
            continue
        if variable.path == f"{row.path}/kernel":
            init = _initializer(row.config, "kernel_initializer")
            if init is None or stats.count < UNTRAINED_MIN_ELEMENTS or stats.std is None:
                continue
            expected = expected_std(init[0], init[1], variable.shape)
            if expected is None:
                continue
            if abs(stats.std - expected) > UNTRAINED_STD_TOLERANCE * expected:
                return None
            matched += 1
        elif variable.path == f"{row.path}/bias":
            init = _initializer(row.config, "bias_initializer")
            if init is None or init[0].lower() != "zeros":
                continue
            if stats.zeros != 1.0:
                return None
            zero_biases += 1
    if matched == 0:
        return None
    return Finding(
        kind="untrained",
        layer=None,
        variable=None,
        summary=(
            f"the model looks untrained: {_plural(matched, 'kernel')} have the spread their "
            f"initializers give (std within {UNTRAINED_STD_TOLERANCE:.0%}) and "
            f"{_plural(zero_biases, 'zero-initialised bias', 'zero-initialised biases')} "
            "are still exactly zero"
        ),
        meaning=(
            "the weights look as they were before training: the file may have been saved "
            "before fitting, or training never updated them"
        ),
        check=(
            "that this is the file written after training, and that fit() ran with a non-zero "
            "learning rate on trainable layers"
        ),
        limits=(
            "a statistical resemblance to the initializers named in the config, not proof: "
            "a model trained very briefly with a tiny learning rate can look the same, and "
            "layers with custom initializers are not compared"
        ),
    )
