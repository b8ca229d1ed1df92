"""``check``: hold a model to budgets (parameters, MACs, bytes, layers, params per sample,
growth against a baseline model), for CI.

Budgets come from the command line / Python, and from ``[tool.layerscope.check]`` in the
nearest ``pyproject.toml`` above the model (the first one holding that table): its plain keys
apply to every model, and each sub-table is keyed by a file glob and applies to the models it
matches (relative to the pyproject's folder; a glob without ``/`` also matches the file
name)::

    [tool.layerscope.check]
    max-params = "25M"
    max-macs = "1.5G"

    [tool.layerscope.check."models/mobile_*.keras"]
    max-params = "4M"
    max-bytes = "16MiB"
    max-growth = "5%"
    baseline = "models/mobile_main.keras"

Later sources win: the top-level keys, then the matching globs in file order, then the
command line. Sizes accept ``25M``, ``1.5G`` (decimal: 10^6, 10^9), ``300MiB`` (binary),
``250K``, ``1_000_000`` or plain integers, and must come out a whole number.

Evaluation only reads analysed reports (through the accessors of :mod:`layerscope.diffing`);
rendering lives in :mod:`layerscope.render.check`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from layerscope.errors import UsageError
from layerscope.report import ModelReport

CHECK_SCHEMA_VERSION = 1

METRICS: dict[str, str] = {
    "params": "Params",
    "trainable": "Trainable params",
    "macs": "MACs per sample",
    "bytes": "Parameter bytes",
    "params_per_sample": "Params per sample",
    "layers": "Layers",
}
"""Every metric a budget can hold, with its label."""

GROWTH_METRICS: tuple[str, ...] = ("params", "trainable", "macs", "bytes", "layers")
DEFAULT_GROWTH_METRICS: tuple[str, ...] = ("params", "macs", "bytes")
"""What a bare ``--max-growth 5%`` limits."""

_MULTIPLIERS: dict[str, int] = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "p": 10**15,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
    "pi": 2**50,
}
_SIZE = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*([kmgtp]i?)?b?$", re.IGNORECASE)
_NUMBER = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"(?<=\d)[_,](?=\d)")


# -- parsing -------------------------------------------------------------------------------


def parse_size(value: Any, what: str = "size") -> int:
    """``"25M"`` -> 25,000,000; ``"1.5G"`` -> 1,500,000,000; ``"300MiB"`` -> 314,572,800.

    Decimal suffixes K, M, G, T, P (powers of 1000) and binary Ki, Mi, Gi, Ti, Pi (powers of
    1024), an optional trailing ``B``, ``_`` or ``,`` between digits. The result must be a
    whole, non-negative number; anything else is a :class:`UsageError` quoting the value.
    """
    if isinstance(value, bool):
        raise UsageError(f"{what} must be a size such as 25M, 1.5G or 300MiB; got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise UsageError(f"{what} must not be negative; got {value!r}")
        return value
    if isinstance(value, float):
        if value.is_integer() and value >= 0:
            return int(value)
        raise UsageError(f"{what} must be a whole, non-negative number; got {value!r}")
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a size such as 25M, 1.5G or 300MiB; got {value!r}")
    text = _GROUPED.sub("", value.strip())
    match = _SIZE.match(text)
    if match is None:
        raise UsageError(f"{what} must be a size such as 25M, 1.5G or 300MiB; got {value!r}")
    number, suffix = match.group(1), (match.group(2) or "").lower()
    try:
        exact = Decimal(number) * _MULTIPLIERS[suffix]
    except InvalidOperation as error:  # pragma: no cover - the regex admits only digits
        raise UsageError(f"{what}: cannot read {value!r}") from error
    if exact != exact.to_integral_value():
        raise UsageError(f"{what} must come out a whole number; {value!r} is {exact}")
    return int(exact)


def parse_number(value: Any, what: str) -> float:
    """A non-negative plain number (``5``, ``0.25``) for ratio budgets."""
    if isinstance(value, bool):
        raise UsageError(f"{what} must be a non-negative number; got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(_GROUPED.sub("", value.strip())):
        number = float(_GROUPED.sub("", value.strip()))
    else:
        raise UsageError(f"{what} must be a non-negative number; got {value!r}")
    if number < 0 or number != number or number == float("inf"):
        raise UsageError(f"{what} must be a non-negative number; got {value!r}")
    return number


def parse_growth(value: Any, what: str = "--max-growth") -> list[tuple[str, float]]:
    """``"5%"`` -> the default growth metrics at 5%; ``"macs=10%"`` -> MACs at 10%.

    The percent sign is optional (``5`` means 5%)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [(metric, parse_number(value, what)) for metric in DEFAULT_GROWTH_METRICS]
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a percentage such as 5% or macs=10%; got {value!r}")
    metric, sep, amount = value.partition("=")
    if not sep:
        metric, amount = "", value
    metric = metric.strip().replace("-", "_")
    amount = amount.strip().removesuffix("%").strip()
    if not _NUMBER.match(amount):
        raise UsageError(f"{what} must be a percentage such as 5% or macs=10%; got {value!r}")
    percent = float(amount)
    if not metric:
        return [(m, percent) for m in DEFAULT_GROWTH_METRICS]
    if metric not in GROWTH_METRICS:
        raise UsageError(
            f"{what}: the metric must be one of {', '.join(GROWTH_METRICS)}; got {value!r}"
        )
    return [(metric, percent)]


# -- budgets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """One limit: ``metric`` at most ``limit`` (or, with ``growth``, at most ``limit``
    percent more than the baseline model's)."""

    metric: str
    limit: int | float
    growth: bool = False
    origin: str = "command line"
    """Where it was set: ``command line`` or ``pyproject.toml`` (plus the glob)."""

    @property
    def key(self) -> tuple[str, bool]:
        return (self.metric, self.growth)


@dataclass(frozen=True)
class BudgetSettings:
    """Everything ``check`` needs besides the model: budgets and the options they imply."""

    budgets: tuple[Budget, ...] = ()
    samples: int | None = None
    baseline: str | None = None
    config: str | None = None
    """The pyproject.toml the settings were read from, if any."""

    def merged(self, later: BudgetSettings) -> BudgetSettings:
        """These settings overridden by ``later`` (budget by budget)."""
        budgets = {b.key: b for b in self.budgets}
        budgets.update({b.key: b for b in later.budgets})
        return BudgetSettings(
            budgets=tuple(budgets.values()),
            samples=later.samples if later.samples is not None else self.samples,
            baseline=later.baseline if later.baseline is not None else self.baseline,
            config=later.config or self.config,
        )


_OPTION_METRICS = {
    "max-params": "params",
    "max-trainable": "trainable",
    "max-macs": "macs",
    "max-bytes": "bytes",
    "max-params-per-sample": "params_per_sample",
    "max-layers": "layers",
}


def budget_from_option(option: str, value: Any, origin: str = "command line") -> Budget:
    """``("max-params", "25M")`` -> ``Budget("params", 25000000)``."""
    metric = _OPTION_METRICS[option]
    what = f"--{option}" if origin == "command line" else f"{option} in {origin}"
    if metric == "params_per_sample":
        return Budget(metric, parse_number(value, what), origin=origin)
    return Budget(metric, parse_size(value, what), origin=origin)


def settings(
    options: Mapping[str, Any] | None = None,
    growth: Iterable[Any] = (),
    samples: int | None = None,
    baseline: str | None = None,
    origin: str = "command line",
) -> BudgetSettings:
    """Budgets from option names (``max-params`` or ``max_params``) and ``--max-growth``
    values."""
    budgets: list[Budget] = []
    for name, value in (options or {}).items():
        option = name.replace("_", "-")
        if option not in _OPTION_METRICS:
            raise UsageError(f"unknown budget {name!r} in {origin}")
        if value is not None:
            budgets.append(budget_from_option(option, value, origin))
    what = "--max-growth" if origin == "command line" else f"max-growth in {origin}"
    for value in growth:
        for metric, percent in parse_growth(value, what):
            budgets.append(Budget(metric, percent, growth=True, origin=origin))
    return BudgetSettings(budgets=tuple(budgets), samples=samples, baseline=baseline)


# -- pyproject.toml ------------------------------------------------------------------------


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` holding
    ``[tool.layerscope.check]``."""
    folder = Path(start).resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and _check_table(path) is not None:
            return path
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as error:
        raise UsageError(f"{path}: cannot read the file ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML ({error})") from error


def _check_table(path: Path) -> Mapping[str, Any] | None:
    tool = _read_toml(path).get("tool")
    layerscope = tool.get("layerscope") if isinstance(tool, Mapping) else None
    table = layerscope.get("check") if isinstance(layerscope, Mapping) else None
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise UsageError(f"{path}: [tool.layerscope.check] must be a table")
    return table


def _glob_matches(pattern: str, model: Path, root: Path) -> bool:
    try:
        relative = model.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = model.resolve().as_posix()
    if fnmatch.fnmatchcase(relative, pattern):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(model.name, pattern)


def _table_settings(table: Mapping[str, Any], origin: str, root: Path) -> BudgetSettings:
    options: dict[str, Any] = {}
    growth: list[Any] = []
    samples: int | None = None
    baseline: str | None = None
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        if key in _OPTION_METRICS:
            options[key] = value
        elif key == "max-growth":
            growth.extend(value if isinstance(value, list) else [value])
        elif key == "samples":
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise UsageError(f"samples in {origin} must be a positive integer; got {value!r}")
            samples = value
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise UsageError(f"baseline in {origin} must be a file path; got {value!r}")
            baseline = str(root / value)
        else:
            known = ", ".join([*_OPTION_METRICS, "max-growth", "samples", "baseline"])
            raise UsageError(f"unknown key {raw_key!r} in {origin} (known: {known})")
    return settings(options, growth, samples=samples, baseline=baseline, origin=origin)


def config_settings(
    model: str | os.PathLike[str],
    config: str | os.PathLike[str] | None = None,
) -> BudgetSettings:
    """Settings for ``model`` from ``config`` (a pyproject.toml), or from the nearest one
    above the model holding ``[tool.layerscope.check]``; empty when there is none."""
    model_path = Path(model)
    if config is None:
        found = find_config(model_path.parent if str(model_path.parent) else ".")
        if found is None:
            return BudgetSettings()
        path = found
    else:
        path = Path(config)
        if not path.is_file():
            raise UsageError(f"--config must be an existing pyproject.toml; got {str(config)!r}")
    table = _check_table(path)
    if table is None:
        if config is not None:
            raise UsageError(f"{path}: has no [tool.layerscope.check] table")
        return BudgetSettings()
    root = path.parent
    name = path.name
    plain = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    result = _table_settings(plain, name, root)
    for pattern, sub in table.items():
        if isinstance(sub, Mapping) and _glob_matches(pattern, model_path, root):
            result = result.merged(_table_settings(sub, f'{name} "{pattern}"', root))
    return replace(result, config=str(path))


# -- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetResult:
    """One budget against the measured model."""

    budget: Budget
    measured: int | float
    """The metric's value (for a growth budget: the growth in percent)."""
    baseline: int | float | None = None
    """For a growth budget: the baseline model's value of the metric."""
    value: int | float | None = None
    """For a growth budget: the checked model's value of the metric."""

    @property
    def margin(self) -> int | float:
        """``limit - measured``: what is left (negative when exceeded)."""
        margin = self.budget.limit - self.measured
        return round(margin, 6) if isinstance(margin, float) else margin

    @property
    def ok(self) -> bool:
        return self.measured <= self.budget.limit


@dataclass(frozen=True)
class CheckResult:
    """The verdict: every budget with its measured value and margin."""

    model: str
    source: str | None
    results: tuple[BudgetResult, ...]
    baseline_source: str | None = None
    samples: int | None = None
    config: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def exceeded(self) -> tuple[BudgetResult, ...]:
        return tuple(result for result in self.results if not result.ok)

    def to_dict(self) -> dict[str, Any]:
        from layerscope.render.check import check_to_dict

        return check_to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        from layerscope.render.check import check_to_json

        return check_to_json(self, indent=indent)

    def to_text(self) -> str:
        from layerscope.render.check import render_check_text

        return render_check_text(self)

    def to_markdown(self) -> str:
        from layerscope.render.check import render_check_markdown

        return render_check_markdown(self)


def measure(report: ModelReport, metric: str) -> int | float:
    """The value of ``metric`` for an analysed report."""
    from layerscope.diffing import report_macs, report_totals, report_training_samples

    totals = report_totals(report)
    if metric == "params":
        return int(totals.params)
    if metric == "trainable":
        return int(totals.trainable)
    if metric == "bytes":
        return int(totals.bytes)
    if metric == "macs":
        return report_macs(report)
    if metric == "layers":
        return len(report.layers)
    if metric == "params_per_sample":
        samples = report_training_samples(report)
        if samples is None:
            raise UsageError("--max-params-per-sample needs --samples (the training-set size)")
        return totals.params / samples
    raise UsageError(f"unknown budget metric {metric!r}")


def evaluate(
    report: ModelReport, budgets: Iterable[Budget], baseline: ModelReport | None = None
) -> CheckResult:
    """Hold ``report`` to ``budgets`` (growth budgets against ``baseline``)."""
    from layerscope.diffing import report_training_samples

    results = []
    for budget in budgets:
        if not budget.growth:
            results.append(BudgetResult(budget, measure(report, budget.metric)))
            continue
        if baseline is None:
            raise UsageError("--max-growth needs --baseline (the model to compare with)")
        before, after = measure(baseline, budget.metric), measure(report, budget.metric)
        if before:
            growth = round(100.0 * (after - before) / before, 6)
        else:
            growth = 0.0 if after == 0 else float("inf")
        results.append(BudgetResult(budget, growth, baseline=before, value=after))
    order = {metric: index for index, metric in enumerate(METRICS)}
    results.sort(key=lambda r: (r.budget.growth, order.get(r.budget.metric, 99)))
    return CheckResult(
        model=report.name,
        source=report.source,
        results=tuple(results),
        baseline_source=baseline.source if baseline is not None else None,
        samples=report_training_samples(report),
    )


def check(
    model: Any,
    budgets: Mapping[str, Any] | None = None,
    *,
    max_growth: Iterable[Any] | Any = (),
    baseline: Any = None,
    training_samples: int | None = None,
    unsafe: bool = False,
    **options: Any,
) -> CheckResult:
    """Hold a model (report, ``keras.Model`` or path) to budgets.

    ``budgets`` maps option names to limits: ``{"max_params": "25M", "max_macs": "1.5G",
    "max_bytes": "300MiB", "max_params_per_sample": 10, "max_layers": 500}``;
    ``max_growth`` (``"5%"`` or ``["params=5%", "macs=10%"]``) limits growth against
    ``baseline`` (another report, model or path). No pyproject.toml is read here (the CLI
    reads it). ``options`` go to :func:`layerscope.analyze`.
    """
    from layerscope.api import analyze

    growth = [max_growth] if isinstance(max_growth, (str, int, float)) else list(max_growth)
    chosen = settings(budgets, growth, origin="arguments")
    if not chosen.budgets:
        raise UsageError("no budgets given")

    def report_of(value: Any) -> ModelReport:
        if isinstance(value, ModelReport):
            return value
        return analyze(value, training_samples=training_samples, unsafe=unsafe, **options)

    if any(b.growth for b in chosen.budgets) and baseline is None:
        raise UsageError("max_growth needs a baseline model")
    return evaluate(
        report_of(model), chosen.budgets, report_of(baseline) if baseline is not None else None
    )
