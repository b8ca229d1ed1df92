"""``layerscope check``: budgets on a model, exit status 3 when one is exceeded (issue 14)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from layerscope.cli.parsing import Parser, file_path, invalid
from layerscope.cli.shared import (
    Command,
    ModelArgs,
    add_format_option,
    add_output_option,
    check_output,
    emit,
    handle_errors,
)
from layerscope.errors import UsageError

FORMATS = ("text", "markdown", "json")

BUDGETS = (
    ("max-params", "N", "Budget for all parameters (25M, 1.5G, 300K, 1_000_000...)."),
    ("max-trainable", "N", "Budget for trainable parameters."),
    ("max-macs", "N", "Budget for multiply-accumulates per sample (e.g. 1.5G)."),
    ("max-bytes", "SIZE", "Budget for parameter memory (e.g. 300MiB, 25MB)."),
    (
        "max-params-per-sample",
        "X",
        "Budget for parameters per training sample (needs --samples).",
    ),
    ("max-layers", "N", "Budget for the number of layers (nested models' layers included)."),
)
"""Each budget option: its name, its value's metavar and its help."""


def _size_option(option: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        from layerscope.budgets import budget_from_option

        try:
            budget_from_option(option, text)
        except UsageError as error:
            raise invalid(str(error).removeprefix(f"--{option} ")) from error
        return text

    return convert


def _growth_option(text: str) -> str:
    from layerscope.budgets import parse_growth

    try:
        parse_growth(text)
    except UsageError as error:
        raise invalid(str(error).removeprefix("--max-growth ")) from error
    return text


def configure(parser: Parser) -> None:
    option = parser.add_argument
    for name, metavar, help_text in BUDGETS:
        option(f"--{name}", metavar=metavar, type=_size_option(name), help=help_text)
    option("--baseline", metavar="B.keras", help="A model to compare with for --max-growth.")
    option(
        "--max-growth",
        metavar="PCT",
        action="append",
        type=_growth_option,
        help="Growth allowed over --baseline: 5% (params, MACs, bytes) or macs=10%; repeatable.",
    )
    option(
        "--config",
        metavar="PYPROJECT",
        type=file_path(directory=False),
        help="Read budgets from this pyproject.toml (default: the nearest one above "
        "MODEL with [tool.layerscope.check]).",
    )
    option("--no-config", action="store_true", help="Ignore pyproject.toml budgets.")
    add_format_option(
        parser,
        FORMATS,
        "Terminal table, Markdown table for a pull-request comment, or JSON verdict.",
    )
    add_output_option(parser, "Write the verdict to FILE instead of standard output.")


@handle_errors
def run(
    args: ModelArgs,
    max_params: str | None,
    max_trainable: str | None,
    max_macs: str | None,
    max_bytes: str | None,
    max_params_per_sample: str | None,
    max_layers: str | None,
    baseline: str | None,
    max_growth: list[str] | None,
    config: str | None,
    no_config: bool,
    output_format: str,
    output: str | None,
) -> None:
    """Check MODEL against budgets; exit 0 when all hold, 3 when any is exceeded.

    Budgets come from the options and from [tool.layerscope.check] in the nearest
    pyproject.toml (per-model tables keyed by file glob); options win.
    """
    import dataclasses

    from layerscope import budgets as budget_module

    if config and no_config:
        raise UsageError("--config and --no-config cannot be used together")
    if output is not None:
        check_output(output, args, baseline, config)
    from_cli = budget_module.settings(
        {
            "max-params": max_params,
            "max-trainable": max_trainable,
            "max-macs": max_macs,
            "max-bytes": max_bytes,
            "max-params-per-sample": max_params_per_sample,
            "max-layers": max_layers,
        },
        tuple(max_growth or ()),
        samples=args.samples,
        baseline=baseline,
    )
    chosen = from_cli
    if not no_config:
        chosen = budget_module.config_settings(args.model, config).merged(from_cli)
    if not chosen.budgets:
        raise UsageError(
            "no budgets: pass --max-params, --max-macs, --max-bytes... or add "
            "[tool.layerscope.check] to pyproject.toml"
        )
    metrics = {b.metric for b in chosen.budgets}
    if "params_per_sample" in metrics and chosen.samples is None:
        raise UsageError("--max-params-per-sample needs --samples (the training-set size)")
    if any(b.growth for b in chosen.budgets) and chosen.baseline is None:
        raise UsageError("--max-growth needs --baseline (the model to compare with)")
    args = dataclasses.replace(args, samples=chosen.samples)
    report = args.analyze(last=chosen.baseline is None)
    baseline_report = None
    if chosen.baseline is not None:
        baseline_report = dataclasses.replace(args, model=chosen.baseline).analyze()
    result = budget_module.evaluate(report, chosen.budgets, baseline_report)
    result = dataclasses.replace(result, config=chosen.config)
    if output_format == "json":
        text = result.to_json()
    elif output_format == "markdown":
        text = result.to_markdown()
    else:
        text = result.to_text()
    emit(output, text, (args.model, chosen.baseline, args.custom_objects, chosen.config))
    if not result.ok:
        sys.exit(3)


check = Command("check", "MODEL", configure, run)
