"""Data fit: how the parameter count compares with the number of training samples.

The ratio is a warning light, not a verdict: it counts parameters, not effective capacity,
and says nothing certain about test error. docs/insights.md gives the sources behind each
sentence the analysis writes (the ten-samples-per-parameter rule of thumb, networks that fit
random labels, double descent).

What it fills (``report.data_fit``; ``None`` without a sample count):

* ``params_per_sample`` / ``samples_per_param`` over all parameters, and the ``trainable_*``
  versions; the ``band`` reads the trainable ratio, since frozen parameters cannot fit the
  training data;
* for a classifier (an output layer with more than one unit and softmax/sigmoid):
  ``classes`` and ``params_per_sample_class`` = params / (samples x classes), the scale at
  which a network can start to interpolate (fit every training label);
* ``mitigations``: the regularisation the model already has, each named with its layer;
* ``contributions``: the layers holding the parameters that drive the ratio;
* ``shrink``: what halving the dominant layer's width would leave.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from layerscope.analysis.graph import consumers, has_kernel, leaves, passes_through
from layerscope.catalogue import kind_of
from layerscope.errors import UsageError
from layerscope.report import CapturedModel, LayerReport, Totals
from layerscope.results import Architecture, Contribution, DataFit, Mitigation, Shrink, Thresholds
from layerscope.roles import is_normalization_class

BANDS: tuple[str, ...] = ("low", "moderate", "high", "very_high")
"""Band names, from the least to the most parameters per training sample."""

DEFAULT_THRESHOLDS: dict[str, float] = {"moderate": 0.1, "high": 1.0, "very_high": 10.0}
"""Trainable parameters per sample at which each band starts (``low`` below ``moderate``).

0.1 is the classic rule of thumb of about ten samples per parameter; 1.0 is where the
parameters outnumber the samples; 10 is an order of magnitude past that."""

BAND_LABELS: dict[str, str] = {
    "low": "at least ten samples per trainable parameter",
    "moderate": "fewer than ten samples per parameter, but more samples than parameters",
    "high": "more trainable parameters than training samples",
    "very_high": "ten or more trainable parameters per training sample",
}
"""What each band means, in words (the summaries print ``band: label``)."""

CONTRIBUTION_LIMIT = 5
"""Layers listed in ``contributions`` (the largest first)."""

_REGULARIZER_KEYS = (
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "recurrent_regularizer",
    "depthwise_regularizer",
    "pointwise_regularizer",
    "embeddings_regularizer",
    "beta_regularizer",
    "gamma_regularizer",
)
_CONSTRAINT_KEYS = (
    "kernel_constraint",
    "bias_constraint",
    "recurrent_constraint",
    "depthwise_constraint",
    "pointwise_constraint",
    "embeddings_constraint",
    "beta_constraint",
    "gamma_constraint",
)


def readable_ratio(value: float) -> float:
    """Round a ratio for the JSON: two decimals, but never fewer than three significant
    figures (5.7601... -> 5.76; 0.000123456 -> 0.000123)."""
    if value == 0 or not math.isfinite(value):
        return value
    decimals = max(2, 2 - math.floor(math.log10(abs(value))))
    return round(value, decimals)


def validate_thresholds(thresholds: Mapping[str, Any] | None) -> Thresholds:
    """Default thresholds updated by ``thresholds``; a UsageError quoting any bad value."""
    merged = dict(DEFAULT_THRESHOLDS)
    if thresholds is None:
        return Thresholds(**merged)
    if not isinstance(thresholds, Mapping):
        raise UsageError(
            f"thresholds must be a mapping such as {{'high': 1.0}}; got {thresholds!r}"
        )
    for key, value in thresholds.items():
        if key not in DEFAULT_THRESHOLDS:
            known = ", ".join(DEFAULT_THRESHOLDS)
            raise UsageError(f"thresholds keys must be among {known}; got {key!r}")
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            raise UsageError(f"thresholds[{key!r}] must be a positive number; got {value!r}")
        merged[key] = float(value)
    ordered = [merged[key] for key in ("moderate", "high", "very_high")]
    if not ordered[0] < ordered[1] < ordered[2]:
        raise UsageError(
            "thresholds must increase: moderate < high < very_high; got "
            f"{merged['moderate']}, {merged['high']}, {merged['very_high']}"
        )
    return Thresholds(**merged)


def band_for(params_per_sample: float, thresholds: Thresholds) -> str:
    """The band a (trainable) params-per-sample ratio falls in."""
    band = "low"
    for name in ("moderate", "high", "very_high"):
        if params_per_sample >= getattr(thresholds, name):
            band = name
    return band


# -- mitigations -------------------------------------------------------------------------------


def _number(value: Any) -> str:
    """Config floats are float32 round trips (0.009999999776...): show 3 significant figures."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:.3g}"


def _serialized(value: Any) -> tuple[str, Mapping[str, Any]] | None:
    """``(class_name, config)`` of a serialised Keras object, or of a bare string name."""
    if isinstance(value, Mapping) and value.get("class_name"):
        return str(value["class_name"]), value.get("config") or {}
    if isinstance(value, str) and value:
        return value, {}
    return None


def _regularizer_text(class_name: str, config: Mapping[str, Any]) -> str:
    name = {"l1": "L1", "l2": "L2", "l1_l2": "L1L2", "l1l2": "L1L2"}.get(
        class_name.lower(), class_name
    )
    factors = [(k, config[k]) for k in ("l1", "l2") if k in config]
    if name in ("L1", "L2") and len(factors) == 1:
        return f"{name} {{what}} ({_number(factors[0][1])})"
    if factors:
        inner = ", ".join(f"{k}={_number(v)}" for k, v in factors)
        return f"{name} {{what}} ({inner})"
    return f"{name} {{what}}"


def _constraint_text(class_name: str, config: Mapping[str, Any]) -> str:
    details = ", ".join(
        f"{k}={_number(v)}" for k, v in config.items() if isinstance(v, (int, float))
    )
    return f"{class_name} {{what}}" + (f" ({details})" if details else "")


def _config_mitigations(
    class_name: str, config: Mapping[str, Any], where: str
) -> list[tuple[str, str]]:
    """(kind, text) for the regularizers, constraints and dropout settings in a config."""
    found: list[tuple[str, str]] = []
    for key in _REGULARIZER_KEYS:
        parsed = _serialized(config.get(key))
        if parsed:
            what = key.replace("_", " ")
            found.append(
                ("regularizer", _regularizer_text(*parsed).format(what=what) + f" on {where}")
            )
    for key in _CONSTRAINT_KEYS:
        parsed = _serialized(config.get(key))
        if parsed:
            what = key.replace("_", " ")
            found.append(
                ("constraint", _constraint_text(*parsed).format(what=what) + f" on {where}")
            )
    for key, label in (("dropout", "input dropout"), ("recurrent_dropout", "recurrent dropout")):
        rate = config.get(key)
        if (
            _regularising(class_name) != "dropout"
            and isinstance(rate, (int, float))
            and not isinstance(rate, bool)
            and rate > 0
        ):
            found.append(("dropout", f"{label} ({_number(rate)}) in {where}"))
    return found


def _regularising(class_name: str) -> str | None:
    """How the catalogue says the class regularises (``dropout``, ``noise``...), by exact
    class name: a custom ``RandomThing`` is not taken for data augmentation."""
    kind = kind_of(class_name)
    return None if kind is None else kind.regularising


def find_mitigations(report: CapturedModel) -> tuple[Mitigation, ...]:
    """The regularisation already in the model, one entry per finding, in row order."""
    found: list[Mitigation] = []
    for row in leaves(report.layers):
        where = f"'{row.name}'"
        config = row.config
        cls = row.class_name
        items: list[tuple[str, str]] = []
        regularising = _regularising(cls)
        if regularising == "dropout":
            rate = config.get("rate")
            items.append(
                (
                    "dropout",
                    f"{cls}({_number(rate)}) in {where}"
                    if rate is not None
                    else f"{cls} in {where}",
                )
            )
        elif regularising == "noise":
            items.append(("noise", f"{cls}({_number(config.get('stddev'))}) in {where}"))
        elif is_normalization_class(cls) and cls != "Normalization":
            # Normalization (feature standardisation) has fixed statistics: not a regulariser.
            items.append(("normalization", f"{cls} in {where}"))
        elif regularising == "augmentation":
            items.append(("augmentation", f"data augmentation {cls} in {where}"))
        elif regularising == "regularizer":
            parsed = {k: config[k] for k in ("l1", "l2") if config.get(k)}
            detail = ", ".join(f"{k}={_number(v)}" for k, v in parsed.items())
            items.append(("regularizer", f"ActivityRegularization ({detail}) in {where}"))
        items += _config_mitigations(cls, config, where)
        for key in ("layer", "forward_layer", "backward_layer"):
            inner = _serialized(config.get(key))
            if inner and isinstance(config.get(key), Mapping):
                inner_where = f"{where} ({inner[0]} inside)"
                items += _config_mitigations(inner[0], inner[1], inner_where)
        seen: set[str] = set()
        for kind, text in items:
            if text not in seen:  # a Bidirectional's two directions share one config
                seen.add(text)
                what = text.replace(f" in {where}", "").replace(f" on {where}", "")
                found.append(
                    Mitigation(layer=row.name, path=row.path, kind=kind, what=what, text=text)
                )
    return tuple(found)


# -- classifier, contributions, shrinking --------------------------------------------------------


def _output_rows(report: CapturedModel) -> list[LayerReport]:
    if report.outputs:
        return [row for row in report.layers if row.parent is None and row.path in report.outputs]
    top = [row for row in report.layers if row.parent is None]
    return top[-1:]


def classifier_classes(report: CapturedModel) -> int | None:
    """The class count of a single-output classifier (softmax/sigmoid over > 1 units)."""
    outputs = _output_rows(report)
    if len(outputs) != 1:
        return None
    row = outputs[0]
    config = row.config
    activation = config.get("activation")
    activation_name = activation if isinstance(activation, str) else None
    if isinstance(activation, Mapping):
        activation_name = str(activation.get("class_name") or activation.get("config") or "")
    is_probability = row.class_name == "Softmax" or (
        activation_name is not None and activation_name.lower() in ("softmax", "sigmoid")
    )
    if not is_probability or not row.output_shapes:
        return None
    classes = row.output_shapes[0][-1]
    if classes is None or classes <= 1:
        return None
    return int(classes)


def _contributions(report: CapturedModel, samples: int) -> tuple[Contribution, ...]:
    rows = sorted((r for r in leaves(report.layers) if r.params), key=lambda r: (-r.params, r.path))
    return tuple(
        Contribution(
            layer=row.name,
            path=row.path,
            params=row.params,
            share=row.share,
            params_per_sample=readable_ratio(row.params / samples),
        )
        for row in rows[:CONTRIBUTION_LIMIT]
    )


def _halved(count: int, width: int, new_width: int) -> int:
    return count // width * new_width


def shrink_estimate(
    report: CapturedModel, totals: Totals, row: LayerReport, samples: int
) -> Shrink | None:
    """What halving ``row``'s width (units or filters) would leave, or ``None`` when that
    cannot be said simply (no width, or its output feeds a merge, a branch or a nested model).

    The layer's own kernel and bias shrink in proportion; so do the normalisation layers after
    it and the kernels of the next layers with weights, whose inputs narrow by half.
    """
    kind = kind_of(row.class_name)
    width = row.config.get(kind.width_key) if kind is not None and kind.width_key else None
    if not isinstance(width, int) or width < 2:
        return None
    new_width = width // 2
    saved = sum(
        v.count - _halved(v.count, width, new_width)
        for v in row.variables
        if v.shape[-1:] == (width,)
    )
    affected: list[str] = []
    frontier = [row]
    while frontier:
        current = frontier.pop()
        following = consumers(report, current.path)
        if len(following) > 1:
            return None
        for nxt in following:
            if nxt.is_container:
                return None
            if has_kernel(nxt):
                following_kind = kind_of(nxt.class_name)
                if following_kind is None or not following_kind.input_kernel:
                    return None
                saved += sum(
                    v.count - _halved(v.count, width, new_width)
                    for v in nxt.variables
                    if v.role == "weight"
                )
                affected.append(nxt.name)
            elif passes_through(nxt):
                saved += sum(
                    v.count - _halved(v.count, width, new_width)
                    for v in nxt.variables
                    if v.shape[-1:] == (width,)
                )
                if nxt.params:
                    affected.append(nxt.name)
                frontier.append(nxt)
            else:
                return None
    after = totals.params - saved
    return Shrink(
        layer=row.name,
        from_width=width,
        to_width=new_width,
        params_before=totals.params,
        params_after=after,
        params_saved=saved,
        params_per_sample_after=readable_ratio(after / samples),
        also_shrinks=tuple(affected),
    )


# -- the analysis ----------------------------------------------------------------------------------


def _explanation(
    band: str,
    per_sample: float,
    classes: int | None,
    params_per_sample_class: float | None,
    mitigations: tuple[Mitigation, ...],
) -> tuple[str, ...]:
    lines: list[str] = []
    if band == "low":
        lines.append(
            f"{per_sample} trainable parameters per sample meets the classic rule of thumb of "
            "about ten samples per parameter; the count alone gives little reason to expect "
            "overfitting."
        )
    elif band == "moderate":
        lines.append(
            f"{per_sample} trainable parameters per sample is short of the classic rule of "
            "thumb (about ten samples per parameter) but the samples still outnumber the "
            "parameters; watch the validation loss."
        )
    else:
        lines.append(
            f"{per_sample} trainable parameters per sample: the model has enough parameters "
            "to memorise its training set. Deep networks are routinely trained past one "
            "parameter per sample and still generalise, helped by regularisation, early "
            "stopping and the way gradient descent trains them; only a held-out validation "
            "set can tell whether this one does."
        )
    if classes and params_per_sample_class is not None:
        ratio = params_per_sample_class
        side = "below" if ratio < 1 else "above"
        lines.append(
            f"Per sample and class: {ratio} ({side} 1). Test error can rise and then fall "
            "again as the parameter count passes the scale of samples x classes (double "
            "descent), so a model near that scale can do worse than a smaller or a larger one."
        )
    lines.append(
        "The ratio counts parameters, not what the network actually learns; it cannot "
        "predict test error. Treat it as a prompt to keep a validation split, not a verdict."
    )
    if not mitigations and band in ("high", "very_high"):
        lines.append(
            "No regularisation found in the model: consider Dropout, weight decay (an L2 "
            "regularizer), data augmentation or early stopping (oversize, then restrain)."
        )
    return tuple(lines)


def analyze_data_fit(
    report: CapturedModel,
    totals: Totals,
    architecture: Architecture | None,
    training_samples: int | None,
    thresholds: Mapping[str, Any] | None = None,
) -> DataFit | None:
    """The data-fit reading; ``None`` when no sample count is given.

    ``architecture`` names the dominant layer, whose halving the reading estimates.
    """
    bounds = validate_thresholds(thresholds)
    if training_samples is None:
        return None
    params = totals.params
    trainable = totals.trainable
    samples = training_samples
    trainable_ratio = trainable / samples
    band = band_for(trainable_ratio, bounds)
    found = find_mitigations(report)
    classes = classifier_classes(report)
    per_class = readable_ratio(params / (samples * classes)) if classes else None
    dominant_path = architecture.dominant_path if architecture is not None else None
    shrink = None
    if dominant_path:
        shrink = shrink_estimate(report, totals, report.layer(dominant_path), samples)
    trainable_per_sample = readable_ratio(trainable_ratio)
    return DataFit(
        training_samples=samples,
        params=params,
        params_per_sample=readable_ratio(params / samples),
        samples_per_param=readable_ratio(samples / params) if params else None,
        trainable_params=trainable,
        trainable_params_per_sample=trainable_per_sample,
        samples_per_trainable_param=readable_ratio(samples / trainable) if trainable else None,
        band=band,
        band_label=BAND_LABELS[band],
        thresholds=bounds,
        mitigations=tuple(item.text for item in found),
        mitigation_details=found,
        classes=classes,
        params_per_sample_class=per_class,
        interpolation_scale=samples * classes if classes else None,
        contributions=_contributions(report, samples),
        shrink=shrink,
        explanation=_explanation(band, trainable_per_sample, classes, per_class, found),
    )
