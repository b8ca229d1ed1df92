"""``layerscope check``: budgets on a model, exit status 3 when one is exceeded (issue 14)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from layerscope.cli.shared import ModelArgs, check_output, emit, handle_errors, model_options
from layerscope.errors import UsageError


def _size_option(option: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        from layerscope.budgets import budget_from_option

        try:
            budget_from_option(option, value)
        except UsageError as error:
            raise click.BadParameter(str(error).removeprefix(f"--{option} ")) from error
        return value

    return convert


def _growth_option(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    from layerscope.budgets import parse_growth

    for item in value or ():
        try:
            parse_growth(item)
        except UsageError as error:
            raise click.BadParameter(str(error).removeprefix("--max-growth ")) from error
    return value


@click.command()
@model_options
@click.option(
    "--max-params",
    metavar="N",
    callback=_size_option("max-params"),
    help="Budget for all parameters (25M, 1.5G, 300K, 1_000_000...).",
)
@click.option(
    "--max-trainable",
    metavar="N",
    callback=_size_option("max-trainable"),
    help="Budget for trainable parameters.",
)
@click.option(
    "--max-macs",
    metavar="N",
    callback=_size_option("max-macs"),
    help="Budget for multiply-accumulates per sample (e.g. 1.5G).",
)
@click.option(
    "--max-bytes",
    metavar="SIZE",
    callback=_size_option("max-bytes"),
    help="Budget for parameter memory (e.g. 300MiB, 25MB).",
)
@click.option(
    "--max-params-per-sample",
    metavar="X",
    callback=_size_option("max-params-per-sample"),
    help="Budget for parameters per training sample (needs --samples).",
)
@click.option(
    "--max-layers",
    metavar="N",
    callback=_size_option("max-layers"),
    help="Budget for the number of layers (nested models' layers included).",
)
@click.option(
    "--baseline",
    metavar="B.keras",
    type=click.Path(path_type=str, readable=False),
    help="A model to compare with for --max-growth.",
)
@click.option(
    "--max-growth",
    "max_growth",
    metavar="PCT",
    multiple=True,
    callback=_growth_option,
    help="Growth allowed over --baseline: 5% (params, MACs, bytes) or macs=10%; repeatable.",
)
@click.option(
    "--config",
    metavar="PYPROJECT",
    type=click.Path(path_type=str, dir_okay=False),
    help="Read budgets from this pyproject.toml (default: the nearest one above "
    "MODEL with [tool.layerscope.check]).",
)
@click.option("--no-config", is_flag=True, help="Ignore pyproject.toml budgets.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Terminal table, Markdown table for a pull-request comment, or JSON verdict.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Write the verdict to FILE instead of standard output.",
)
@handle_errors
def check(
    args: ModelArgs,
    max_params: str | None,
    max_trainable: str | None,
    max_macs: str | None,
    max_bytes: str | None,
    max_params_per_sample: str | None,
    max_layers: str | None,
    baseline: str | None,
    max_growth: tuple[str, ...],
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
        max_growth,
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
    report = args.analyze()
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
