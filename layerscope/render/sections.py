"""The one insights builder: the sentences the text, Markdown and HTML reports all show.

Each :class:`Insight` (data fit, architecture, compute, memory) holds labelled facts
(``Params per sample: 5.76 (0.174 samples per param)``) and notes (whole sentences), built
here once from the typed analyses so every format says the same thing in the same words:
the text and Markdown summaries print ``label: value`` lines then the notes, the HTML a
``<dl>`` of the facts then a list of the notes. Nothing is computed here that the JSON
lacks: these functions only word the numbers. User-named text in them (layer names) is
raw: each renderer escapes it for its own format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.analysis.architecture import block_text as _block_text
from layerscope.render.format import human_bytes, human_count, percent, thousands
from layerscope.render.weights import weight_lines
from layerscope.report import ModelReport
from layerscope.results import DataFit, Mitigation

LABEL_WIDTH = 20
"""Labels are padded to this width so the values line up in a terminal."""

LIST_LIMIT = 5
"""Longer lists (regularisers, bottlenecks...) show this many, then "and N more"."""


@dataclass(frozen=True)
class Fact:
    """One labelled finding, e.g. ``Band`` / ``high: more trainable parameters than...``."""

    label: str
    value: str

    def line(self) -> str:
        """``label:`` padded to :data:`LABEL_WIDTH`, then the value."""
        return f"{self.label + ':':<{LABEL_WIDTH}} {self.value}"


@dataclass(frozen=True)
class Insight:
    """One section of insights: its facts, then its notes (whole sentences)."""

    key: str
    """``data_fit``, ``architecture``, ``compute`` or ``memory``."""
    title: str
    facts: tuple[Fact, ...]
    notes: tuple[str, ...]

    def lines(self) -> list[str]:
        """The text and Markdown form: one padded line per fact, then the notes."""
        return [fact.line() for fact in self.facts] + list(self.notes)


def _line(label: str, value: str) -> Fact:
    return Fact(label, value)


def _insight(key: str, title: str, items: Sequence[Fact | str]) -> Insight:
    facts = tuple(item for item in items if isinstance(item, Fact))
    notes = tuple(item for item in items if isinstance(item, str))
    return Insight(key, title, facts, notes)


def _short_list(items: Sequence[str], separator: str = "; ") -> str:
    if len(items) <= LIST_LIMIT + 1:
        return separator.join(items)
    shown = separator.join(items[:LIST_LIMIT])
    return f"{shown}{separator}and {len(items) - LIST_LIMIT} more (all in the JSON)"


def _quoted(names: Sequence[str]) -> list[str]:
    return [f"'{name}'" for name in names]


def _mitigation_text(fit: DataFit) -> str:
    """Each finding by name; one kind found in many layers (BatchNormalization in every
    block of a ResNet) is summed up as ``BatchNormalization in 53 layers``."""
    details = fit.mitigation_details
    if not details:
        return "none found"
    by_what: dict[str, list[Mitigation]] = {}
    for item in details:
        by_what.setdefault(item.what or item.text, []).append(item)
    parts = []
    for what, items in by_what.items():
        if len(items) > 2:
            parts.append(f"{what} in {len(items)} layers")
        else:
            parts += [item.text for item in items]
    return _short_list(parts)


def data_fit_lines(report: ModelReport) -> list[Fact | str]:
    """Nothing at all without a sample count: the ratio needs one."""
    fit = report.data_fit
    if fit is None:
        return []
    lines: list[Fact | str] = [
        _line("Training samples", thousands(fit.training_samples)),
        _line(
            "Params per sample",
            f"{fit.params_per_sample} ({fit.samples_per_param} samples per param)",
        ),
    ]
    if fit.trainable_params != fit.params:
        lines.append(
            _line(
                "Trainable per sample",
                f"{fit.trainable_params_per_sample} "
                f"({thousands(fit.trainable_params)} trainable params)",
            )
        )
    if fit.classes and fit.interpolation_scale is not None:
        lines.append(
            _line(
                "Per sample x class",
                f"{fit.params_per_sample_class} ({fit.classes} classes; samples x "
                f"classes = {thousands(fit.interpolation_scale)})",
            )
        )
    band = fit.band.replace("_", " ")
    lines.append(_line("Band", f"{band}: {fit.band_label}" if fit.band_label else band))
    if fit.contributions:
        parts = [
            f"'{c.layer}' {c.params_per_sample} ({percent(c.share)})" for c in fit.contributions[:3]
        ]
        lines.append(_line("Per sample by layer", " · ".join(parts)))
    shrink = fit.shrink
    if shrink is not None:
        also = shrink.also_shrinks
        verb = "shrinks" if len(also) == 1 else "shrink"
        tail = f"; {', '.join(_quoted(also))} {verb} too" if also else ""
        lines.append(
            _line(
                f"Halving '{shrink.layer}'",
                f"{shrink.from_width} -> {shrink.to_width} wide leaves "
                f"{thousands(shrink.params_after)} params "
                f"({shrink.params_per_sample_after} per sample{tail})",
            )
        )
    lines.append(_line("Regularisation", _mitigation_text(fit)))
    lines += list(fit.explanation)
    return lines


def architecture_lines(report: ModelReport) -> list[Fact | str]:
    arch = report.architecture
    hidden = arch.hidden_layers
    plural = "layer" if hidden == 1 else "layers"
    if arch.blocks:
        depth = f"{arch.depth_class} ({hidden} repeated blocks)"
    elif arch.pattern == "graph":
        depth = (
            f"{arch.depth_class} ({arch.weighted_depth} layers with weights on the "
            "longest path; not a simple chain)"
        )
    else:
        depth = f"{arch.depth_class} ({hidden} hidden {plural})"
    lines: list[Fact | str] = [_line("Depth", depth)]
    widths = arch.hidden_widths
    if arch.blocks:
        runs = [_block_text(run) for run in arch.blocks]
        lines.append(_line("Blocks", f"{'; '.join(runs)} ({arch.pattern})"))
    elif widths:
        lines.append(
            _line("Hidden widths", f"{' -> '.join(str(w) for w in widths)} ({arch.pattern})")
        )
    for flatten in arch.flattens:
        lines.append(_line("Flatten", f"{flatten.text} in '{flatten.layer}'"))
    if arch.dominant_layer:
        lines.append(
            _line(
                "Dominant layer",
                f"'{arch.dominant_layer}' ({percent(arch.dominant_share)} of params)",
            )
        )
    if arch.pattern != "graph" and not arch.blocks:
        bottlenecks = arch.bottlenecks
        lines.append(
            _line("Bottlenecks", _short_list(_quoted(bottlenecks), ", ") if bottlenecks else "none")
        )
    if arch.stages:
        parts = [f"{s.stage} {percent(s.share)}" for s in arch.stages]
        lines.append(_line("Params by stage", _short_list(parts, " · ")))
    lines += list(arch.explanation)
    return lines


def compute_lines(report: ModelReport) -> list[Fact | str]:
    cost = report.cost
    macs = cost.macs
    value = (
        f"{thousands(macs)} ({human_count(macs)}), about {human_count(2 * macs)} FLOPs"
        if macs >= 1000
        else f"{thousands(macs)}, {2 * macs} FLOPs"
    )
    if not cost.complete:
        value = f"at least {value} (some layers not counted, below)"
    lines: list[Fact | str] = [_line("MACs per sample", value)]
    assumptions = cost.assumptions
    if assumptions is not None and assumptions.input_shapes:
        described = ", ".join(
            f"{name} ({', '.join('?' if d is None else str(d) for d in shape)})"
            for name, shape in assumptions.input_shapes.items()
        )
        lines.append(_line("Measured at", f"batch 1, {described}"))
    if assumptions is not None and assumptions.note:
        lines.append(_line("Unknown dimension", assumptions.note))
    if assumptions is not None and assumptions.trace_error:
        lines.append(
            _line(
                "Not traced",
                f"calling the model failed ({assumptions.trace_error}); sub-layer shapes "
                "are their build shapes",
            )
        )
    if cost.heaviest_layer:
        # A sub-layer's name repeats in every block (12 'self_attention_layer's in BERT):
        # its path says which one.
        heaviest = cost.heaviest_path or cost.heaviest_layer
        lines.append(
            _line(
                "Heaviest layer",
                f"'{heaviest}' {thousands(cost.heaviest_macs)} MACs "
                f"({percent(cost.heaviest_share)})",
            )
        )
    by_class = cost.by_class
    if len(by_class) > 1:
        parts = [f"{c.class_name} {percent(c.share)}" for c in by_class]
        lines.append(_line("By layer type", _short_list(parts, " · ")))
    if cost.elementwise_ops:
        lines.append(
            _line(
                "Element-wise ops",
                f"{human_count(cost.elementwise_ops)} (normalisation, activations, "
                "merges; not in the MACs)",
            )
        )
    uncounted = cost.uncounted_layers
    if cost.uncounted:
        lines.append(
            _line(
                "Not counted",
                _short_list([f"'{item.path}': {item.reason}" for item in cost.uncounted]),
            )
        )
    elif uncounted:
        lines.append(_line("Not counted", _short_list(_quoted(uncounted), ", ") + " (no MAC rule)"))
    unknown = cost.per_unknown_dims
    if unknown:
        lines.append(
            _line(
                "Per unknown length",
                _short_list(_quoted(unknown), ", ")
                + " (a None dimension counted as 1: multiply by the real length)",
            )
        )
    if cost.convention:
        lines.append(_line("Counts", cost.convention))
    return lines


def memory_lines(report: ModelReport) -> list[Fact | str]:
    memory = report.memory
    by_dtype = memory.parameter_bytes_by_dtype
    if len(by_dtype) == 1:
        dtypes = next(iter(by_dtype))
    else:
        dtypes = ", ".join(f"{dtype} {human_bytes(n)}" for dtype, n in by_dtype.items())
    lines: list[Fact | str] = [
        _line(
            "Parameters",
            f"{human_bytes(memory.parameter_bytes)}" + (f" ({dtypes})" if dtypes else ""),
        )
    ]
    slots = memory.optimizer_slots
    copies = "copy" if slots == 1 else "copies"
    lines.append(
        _line(
            "Optimizer state",
            f"{human_bytes(memory.optimizer_bytes)} ({memory.optimizer}: {slots} "
            f"{copies} of the {human_bytes(memory.trainable_bytes)} trainable params)",
        )
    )
    batch = memory.batch_size
    dtypes_used = "/".join(memory.activation_dtypes)
    lines.append(
        _line(
            "Activations",
            f"{human_bytes(memory.activation_bytes_per_sample)} per sample ({dtypes_used});"
            f" batch {batch}: forward {human_bytes(memory.forward_bytes)}, training "
            f"~{human_bytes(memory.training_activation_bytes)}",
        )
    )
    unknown = memory.activation_unknown_dims
    if unknown:
        lines.append(
            _line(
                "Unknown dimension",
                f"{len(unknown)} layer output(s) have an unknown length, counted as 1: the "
                "activation figures are per position (pass --seq-len N)",
            )
        )
    lines.append(
        _line(
            "Training estimate",
            f"~{human_bytes(memory.training_total_bytes)} at batch {batch} (params + "
            "gradients + optimizer state + activations)",
        )
    )
    return lines


def precision_lines(report: ModelReport) -> list[Fact | str]:
    """The precision planner's totals and training at mixed precision (Memory section; per
    layer in the JSON's ``precision``)."""
    plan = report.precision
    if plan is None:
        return []
    lines: list[Fact | str] = [
        _line(
            "Other precisions",
            f"float16 {human_bytes(plan.total['float16'])} · "
            f"int8 {human_bytes(plan.total['int8'])} · int4 {human_bytes(plan.total['int4'])} "
            "(as model.quantize)",
        )
    ]
    if plan.training_mixed_bytes is not None:
        lines.append(
            _line(
                "Mixed precision",
                f"training ~{human_bytes(plan.training_mixed_bytes)} with mixed_float16 "
                "(float16 activations)",
            )
        )
    return lines


def insights(report: ModelReport) -> tuple[Insight, ...]:
    """The insight sections, in order; empty ones (no data fit without samples) left out."""
    built = (
        _insight("data_fit", "Data fit", data_fit_lines(report)),
        _insight("architecture", "Architecture", architecture_lines(report)),
        _insight("compute", "Compute", compute_lines(report)),
        _insight("memory", "Memory", memory_lines(report) + precision_lines(report)),
    )
    return tuple(item for item in built if item.facts or item.notes)


def summary_sections(report: ModelReport) -> list[tuple[str, list[str]]]:
    """Sections to print after the totals, in order, as ``(title, lines)``; with
    ``--weights`` the Weights section (findings and kernel statistics) comes last."""
    sections = [(item.title, item.lines()) for item in insights(report)]
    weights = weight_lines(report)
    return sections + ([("Weights", weights)] if weights else [])
