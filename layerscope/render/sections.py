"""The insight sections shared by the text and Markdown summaries, as plain lines.

Each section is ``(title, lines)``; the lines are built here once from the analyses
(``report.data_fit``, ``architecture``, ``cost``, ``memory``) so the text and Markdown
renderers say the same thing. Nothing is computed here that the JSON lacks: these functions
only word the numbers. User-named text in them (layer names) is raw: each renderer escapes
it for its own format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.render.format import human_bytes, human_count, percent, thousands
from layerscope.report import ModelReport

LABEL_WIDTH = 20
"""Labels are padded to this width so the values line up in a terminal."""

LIST_LIMIT = 5
"""Longer lists (regularisers, bottlenecks...) show this many, then "and N more"."""


def _line(label: str, value: str) -> str:
    return f"{label + ':':<{LABEL_WIDTH}} {value}"


def _short_list(items: Sequence[str], separator: str = "; ") -> str:
    if len(items) <= LIST_LIMIT + 1:
        return separator.join(items)
    shown = separator.join(items[:LIST_LIMIT])
    return f"{shown}{separator}and {len(items) - LIST_LIMIT} more (all in the JSON)"


def _quoted(names: Sequence[str]) -> list[str]:
    return [f"'{name}'" for name in names]


def _mitigation_text(fit: Mapping[str, Any]) -> str:
    """Each finding by name; one kind found in many layers (BatchNormalization in every
    block of a ResNet) is summed up as ``BatchNormalization in 53 layers``."""
    details: Sequence[Mapping[str, Any]] = fit.get("mitigation_details") or []
    if not details:
        return "none found"
    by_what: dict[str, list[Mapping[str, Any]]] = {}
    for item in details:
        by_what.setdefault(str(item.get("what") or item["text"]), []).append(item)
    parts = []
    for what, items in by_what.items():
        if len(items) > 2:
            parts.append(f"{what} in {len(items)} layers")
        else:
            parts += [str(item["text"]) for item in items]
    return _short_list(parts)


def data_fit_lines(report: ModelReport) -> list[str]:
    """Nothing at all without a sample count: the ratio needs one."""
    fit = report.data_fit
    if not fit:
        return []
    lines = [
        _line("Training samples", thousands(int(fit["training_samples"]))),
        _line(
            "Params per sample",
            f"{fit['params_per_sample']} ({fit['samples_per_param']} samples per param)",
        ),
    ]
    if fit.get("trainable_params") != fit.get("params"):
        lines.append(
            _line(
                "Trainable per sample",
                f"{fit['trainable_params_per_sample']} "
                f"({thousands(int(fit['trainable_params']))} trainable params)",
            )
        )
    if fit.get("classes"):
        lines.append(
            _line(
                "Per sample x class",
                f"{fit['params_per_sample_class']} ({fit['classes']} classes; samples x "
                f"classes = {thousands(int(fit['interpolation_scale']))})",
            )
        )
    band = str(fit.get("band") or "").replace("_", " ")
    label = fit.get("band_label")
    lines.append(_line("Band", f"{band}: {label}" if label else band))
    contributions: Sequence[Mapping[str, Any]] = fit.get("contributions") or []
    if contributions:
        parts = [
            f"'{c['layer']}' {c['params_per_sample']} ({percent(float(c['share']))})"
            for c in contributions[:3]
        ]
        lines.append(_line("Per sample by layer", " · ".join(parts)))
    shrink = fit.get("shrink")
    if shrink:
        also = shrink.get("also_shrinks") or []
        verb = "shrinks" if len(also) == 1 else "shrink"
        tail = f"; {', '.join(_quoted(also))} {verb} too" if also else ""
        lines.append(
            _line(
                f"Halving '{shrink['layer']}'",
                f"{shrink['from_width']} -> {shrink['to_width']} wide leaves "
                f"{thousands(int(shrink['params_after']))} params "
                f"({shrink['params_per_sample_after']} per sample{tail})",
            )
        )
    lines.append(_line("Regularisation", _mitigation_text(fit)))
    lines += list(fit.get("explanation") or [])
    return lines


def architecture_lines(report: ModelReport) -> list[str]:
    arch = report.architecture
    if not arch:
        return []
    hidden = int(arch.get("hidden_layers") or 0)
    plural = "layer" if hidden == 1 else "layers"
    if arch.get("pattern") == "graph":
        depth = (
            f"{arch['depth_class']} ({arch.get('weighted_depth')} layers with weights on the "
            "longest path; not a simple chain)"
        )
    else:
        depth = f"{arch['depth_class']} ({hidden} hidden {plural})"
    lines = [_line("Depth", depth)]
    widths: Sequence[int] = arch.get("hidden_widths") or []
    if widths:
        lines.append(
            _line("Hidden widths", f"{' -> '.join(str(w) for w in widths)} ({arch['pattern']})")
        )
    for flatten in arch.get("flattens") or []:
        lines.append(_line("Flatten", f"{flatten['text']} in '{flatten['layer']}'"))
    if arch.get("dominant_layer"):
        lines.append(
            _line(
                "Dominant layer",
                f"'{arch['dominant_layer']}' ({percent(float(arch['dominant_share']))} of params)",
            )
        )
    if arch.get("pattern") != "graph":
        bottlenecks = arch.get("bottlenecks") or []
        lines.append(
            _line("Bottlenecks", _short_list(_quoted(bottlenecks), ", ") if bottlenecks else "none")
        )
    stages: Sequence[Mapping[str, Any]] = arch.get("stages") or []
    if stages:
        parts = [f"{s['stage']} {percent(float(s['share']))}" for s in stages]
        lines.append(_line("Params by stage", _short_list(parts, " · ")))
    lines += list(arch.get("explanation") or [])
    return lines


def compute_lines(report: ModelReport) -> list[str]:
    cost = report.cost
    if not cost:
        return []
    macs = int(cost.get("macs") or 0)
    value = (
        f"{thousands(macs)} ({human_count(macs)}), about {human_count(2 * macs)} FLOPs"
        if macs >= 1000
        else f"{thousands(macs)}, {2 * macs} FLOPs"
    )
    lines = [_line("MACs per sample", value)]
    if cost.get("heaviest_layer"):
        lines.append(
            _line(
                "Heaviest layer",
                f"'{cost['heaviest_layer']}' {thousands(int(cost['heaviest_macs']))} MACs "
                f"({percent(float(cost['heaviest_share']))})",
            )
        )
    by_class: Sequence[Mapping[str, Any]] = cost.get("by_class") or []
    if len(by_class) > 1:
        parts = [f"{c['class_name']} {percent(float(c['share']))}" for c in by_class]
        lines.append(_line("By layer type", _short_list(parts, " · ")))
    if cost.get("elementwise_ops"):
        lines.append(
            _line(
                "Element-wise ops",
                f"{human_count(int(cost['elementwise_ops']))} (normalisation, activations, "
                "merges; not in the MACs)",
            )
        )
    uncounted: Sequence[str] = cost.get("uncounted_layers") or []
    if uncounted:
        lines.append(_line("Not counted", _short_list(_quoted(uncounted), ", ") + " (no MAC rule)"))
    unknown: Sequence[str] = cost.get("per_unknown_dims") or []
    if unknown:
        lines.append(
            _line(
                "Per unknown length",
                _short_list(_quoted(unknown), ", ")
                + " (a None dimension counted as 1: multiply by the real length)",
            )
        )
    return lines


def memory_lines(report: ModelReport) -> list[str]:
    memory = report.memory
    if not memory:
        return []
    by_dtype: Mapping[str, int] = memory.get("parameter_bytes_by_dtype") or {}
    if len(by_dtype) == 1:
        dtypes = next(iter(by_dtype))
    else:
        dtypes = ", ".join(f"{dtype} {human_bytes(n)}" for dtype, n in by_dtype.items())
    lines = [
        _line(
            "Parameters",
            f"{human_bytes(int(memory['parameter_bytes']))}" + (f" ({dtypes})" if dtypes else ""),
        )
    ]
    slots = int(memory["optimizer_slots"])
    copies = "copy" if slots == 1 else "copies"
    lines.append(
        _line(
            "Optimizer state",
            f"{human_bytes(int(memory['optimizer_bytes']))} ({memory['optimizer']}: {slots} "
            f"{copies} of the {human_bytes(int(memory['trainable_bytes']))} trainable params)",
        )
    )
    batch = int(memory["batch_size"])
    dtypes_used = "/".join(memory.get("activation_dtypes") or [])
    lines.append(
        _line(
            "Activations",
            f"{human_bytes(int(memory['activation_bytes_per_sample']))} per sample ({dtypes_used});"
            f" batch {batch}: forward {human_bytes(int(memory['forward_bytes']))}, training "
            f"~{human_bytes(int(memory['training_activation_bytes']))}",
        )
    )
    lines.append(
        _line(
            "Training estimate",
            f"~{human_bytes(int(memory['training_total_bytes']))} at batch {batch} (params + "
            "gradients + optimizer state + activations)",
        )
    )
    return lines


def summary_sections(report: ModelReport) -> list[tuple[str, list[str]]]:
    """Sections to print after the totals, in order; empty ones are left out."""
    sections = [
        ("Data fit", data_fit_lines(report)),
        ("Architecture", architecture_lines(report)),
        ("Compute", compute_lines(report)),
        ("Memory", memory_lines(report)),
    ]
    return [(title, lines) for title, lines in sections if lines]
