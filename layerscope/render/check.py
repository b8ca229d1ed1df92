"""The ``check`` verdict as terminal text, a Markdown table for a PR comment, or JSON."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from layerscope.budgets import CHECK_SCHEMA_VERSION, METRICS, BudgetResult, CheckResult
from layerscope.render.escape import markdown_cell, markdown_code, terminal
from layerscope.render.format import human_bytes, human_count
from layerscope.render.text import aligned_table


def _value(metric: str, value: int | float) -> str:
    if metric == "bytes":
        text = human_bytes(abs(value))
        return f"-{text}" if value < 0 else text
    if metric == "macs":
        text = human_count(abs(value))
        return f"-{text}" if value < 0 else text
    if metric == "params_per_sample":
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{int(value):,}"


def _percent(value: float) -> str:
    return "+inf%" if math.isinf(value) else f"{value:+.2f}%".replace(".00%", "%")


def cells(result: BudgetResult) -> tuple[str, str, str, str, str]:
    """(budget, limit, measured, margin, verdict) as displayed."""
    budget = result.budget
    label = METRICS[budget.metric]
    if budget.growth:
        assert result.baseline is not None and result.value is not None
        limit = f"+{budget.limit:g}%"
        measured = (
            f"{_percent(result.measured)} ({_value(budget.metric, result.baseline)}"
            f" -> {_value(budget.metric, result.value)})"
        )
        margin = "-inf" if math.isinf(result.measured) else f"{result.margin:+.2f} pt"
        label = f"{label} growth"
    else:
        limit = _value(budget.metric, budget.limit)
        measured = _value(budget.metric, result.measured)
        margin_value = result.margin
        margin = ("+" if margin_value > 0 else "") + _value(budget.metric, margin_value)
        if budget.limit and margin_value:
            margin += f" ({100 * margin_value / budget.limit:.1f}%)"
    return label, limit, measured, margin, "ok" if result.ok else "EXCEEDED"


def _summary(result: CheckResult) -> str:
    total, exceeded = len(result.results), len(result.exceeded)
    if not exceeded:
        return "OK: the budget holds." if total == 1 else f"OK: all {total} budgets hold."
    return f"FAIL: {exceeded} of {total} budget{'s' if total != 1 else ''} exceeded."


def _name(path: str | None) -> str:
    return os.path.basename(path) if path else ""


def render_check_text(result: CheckResult) -> str:
    header = f'Check: "{terminal(result.model)}"'
    if result.source:
        header += f" ({terminal(_name(result.source))})"
    lines = [header]
    if result.baseline_source:
        lines.append(f"Baseline: {terminal(_name(result.baseline_source))}")
    rows = [(*cells(r), terminal(r.budget.origin)) for r in result.results]
    headers = ("Budget", "Limit", "Measured", "Margin", "Result", "From")
    lines += ["", *aligned_table(headers, rows, right={1, 2, 3})]
    lines += ["", _summary(result)]
    return "\n".join(lines) + "\n"


def render_check_markdown(result: CheckResult) -> str:
    title = f"### layerscope check: {markdown_code(result.model)}"
    if result.source:
        title += f" ({markdown_code(_name(result.source))})"
    verdict = "✅" if result.ok else "❌"
    lines = [title, "", f"**{verdict} {_summary(result)}**", ""]
    if result.baseline_source:
        lines[-1:-1] = [f"Baseline: {markdown_code(_name(result.baseline_source))}", ""]
    lines += ["| Budget | Limit | Measured | Margin | Result |", "| :-- | --: | --: | --: | :-- |"]
    for r in result.results:
        label, limit, measured, margin, verdict_text = cells(r)
        mark = "✅ ok" if r.ok else "❌ **exceeded**"
        del verdict_text
        lines.append(
            "| "
            + " | ".join(markdown_cell(c) for c in (label, limit, measured, margin))
            + f" | {mark} |"
        )
    return "\n".join(lines) + "\n"


def _number(value: int | float | None) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def check_to_dict(result: CheckResult) -> dict[str, Any]:
    return {
        "schema_version": CHECK_SCHEMA_VERSION,
        "kind": "layerscope.check",
        "ok": result.ok,
        "model": {"name": result.model, "source": result.source},
        "baseline": result.baseline_source,
        "samples": result.samples,
        "config": result.config,
        "budgets": [
            {
                "metric": r.budget.metric,
                "growth": r.budget.growth,
                "limit": r.budget.limit,
                "measured": _number(r.measured),
                "margin": _number(r.margin),
                "baseline": r.baseline,
                "value": r.value,
                "ok": r.ok,
                "origin": r.budget.origin,
            }
            for r in result.results
        ],
    }


def check_to_json(result: CheckResult, indent: int | None = 2) -> str:
    return json.dumps(check_to_dict(result), indent=indent, ensure_ascii=True, allow_nan=False)
