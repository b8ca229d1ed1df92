"""The command line: a thin shell over :func:`layerscope.analyze` and the report's renderers.

Start-up stays light (``layerscope --help`` within 3x ``python -c pass``): this module imports
click and only layerscope's two stdlib-only modules that define the option values
(``layerscope.options``, ``layerscope.errors``); the report model, the renderers and
TensorFlow/Keras load inside the commands that need them.

Exit status: 0 success; 1 the model could not be read, analysed or rendered (one line on
stderr, the traceback only with ``--debug``); 2 bad command-line usage; 3 (``check`` only) a
budget was exceeded.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from layerscope import __version__
from layerscope.errors import LayerscopeError, UsageError
from layerscope.options import (
    SECTIONS,
    AnalysisOptions,
    DiagramOptions,
    Engine,
    HtmlOptions,
    Rankdir,
    SummaryFormat,
    Theme,
    choices,
    parse_sections,
)

F = TypeVar("F", bound=Callable[..., Any])


def _text_width(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and 0 < value < 40:
        raise click.BadParameter(f"must be 0 (no limit) or at least 40; got {value}")
    return value


def _positive_int(name: str) -> Callable[[click.Context, click.Parameter, Any], int | None]:
    """A positive integer option (``55000``, ``55_000``, ``55,000``), exactly parsed and
    at most :data:`layerscope.api.MAX_COUNT`; anything else is a usage error (exit 2)."""

    def convert(ctx: click.Context, param: click.Parameter, value: Any) -> int | None:
        if value is None:
            return None
        text = str(value).strip().replace("_", "").replace(",", "")
        raw = str(value)
        shown = raw if len(raw) <= 60 else f"{raw[:30]}... ({len(raw)} characters)"
        if not text.isascii() or not text.isdigit():
            raise click.BadParameter(f"must be a positive integer; got {shown!r}")
        from layerscope.api import MAX_COUNT

        if len(text.lstrip("0")) > len(str(MAX_COUNT)) or int(text) > MAX_COUNT:
            raise click.BadParameter(f"must be at most {MAX_COUNT:,}; got {shown!r}")
        number = int(text)
        if number <= 0:
            raise click.BadParameter(f"must be a positive integer; got {shown!r}")
        return number

    return convert


def _input_shapes(
    ctx: click.Context, param: click.Parameter, values: Any
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``NAME=D1,D2,...`` options as (name, dims) pairs; a malformed one is a usage error."""
    parsed: list[tuple[str, tuple[int, ...]]] = []
    for value in values or ():
        name, sep, dims_text = str(value).partition("=")
        name = name.strip()
        try:
            dims = tuple(int(d) for d in dims_text.replace("x", ",").split(",") if d.strip())
        except ValueError:
            dims = ()
        if not sep or not name or not dims or any(d <= 0 for d in dims):
            raise click.BadParameter(
                f"expected NAME=D1,D2,... with positive dimensions, e.g. token_ids=128; "
                f"got {value!r}"
            )
        if any(name == seen for seen, _ in parsed):
            raise click.BadParameter(f"input {name!r} is given twice")
        parsed.append((name, dims))
    return tuple(parsed)


@dataclass(frozen=True)
class ModelArgs:
    """The model and the options every command that reads one shares."""

    model: str
    samples: int | None
    unsafe: bool
    custom_objects: str | None
    engine: str
    batch_size: int | None
    optimizer: str
    debug: bool
    depth: int | None = None
    seq_len: int | None = None
    input_shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    weights: bool = False

    def analysis_options(self) -> AnalysisOptions:
        """The analysis options, validated (a bad value is a usage error)."""
        return AnalysisOptions(batch_size=self.batch_size or 1, optimizer=self.optimizer)

    def analyze(self) -> Any:
        """Validate the cheap options, then load, capture and analyse the model."""
        from layerscope.api import analyze

        options = self.analysis_options()  # before the (slow) load
        return analyze(
            self.model,
            training_samples=self.samples,
            unsafe=self.unsafe,
            custom_objects=self.custom_objects,
            engine=Engine.parse(self.engine, "--engine"),
            debug=self.debug,
            batch_size=options.batch_size,
            optimizer=options.optimizer,
            weights=self.weights,
            **({"depth": self.depth} if self.depth is not None else {}),
            **({"seq_len": self.seq_len} if self.seq_len is not None else {}),
            **({"input_shapes": dict(self.input_shapes)} if self.input_shapes else {}),
        )


def model_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared options to a command, which receives them as one :class:`ModelArgs`
    (its first argument) followed by its own options."""
    decorators = [
        # readable=False: an unreadable model is a bad model file (exit 1, one line from
        # layerscope.loading), not a usage error.
        click.argument("model", type=click.Path(path_type=str, readable=False)),
        click.option(
            "--samples",
            "samples",
            metavar="N",
            callback=_positive_int("--samples"),
            help="Training samples the model will see; adds the data-fit analysis.",
        ),
        click.option(
            "--unsafe",
            is_flag=True,
            help="Allow a trusted model holding Python lambdas (turns Keras safe mode off).",
        ),
        click.option(
            "--custom-objects",
            "custom_objects",
            metavar="FILE.py",
            type=click.Path(path_type=str),
            help="A Python file defining the model's custom layers (it is run: trust it).",
        ),
        click.option(
            "--engine",
            type=click.Choice(choices(Engine)),
            default="auto",
            show_default=True,
            help="static reads a .keras file without TensorFlow; keras builds the model.",
        ),
        click.option(
            "--batch-size",
            "batch_size",
            metavar="N",
            callback=_positive_int("--batch-size"),
            help="Batch size for the activation-memory estimate (default 1).",
        ),
        click.option(
            "--optimizer",
            metavar="NAME",
            default="adam",
            show_default=True,
            help="Optimizer for the optimizer-state memory estimate (adam, sgd, rmsprop, ...).",
        ),
        click.option(
            "--depth",
            type=click.IntRange(min=0),
            metavar="N",
            default=None,
            help="Show rows down to N levels inside nested models and blocks (default: what "
            "reads best; 0: the model's own layers). JSON always has every row.",
        ),
        click.option(
            "--weights",
            is_flag=True,
            help="Read the weights' values: statistics per variable and health findings.",
        ),
        click.option("--debug", is_flag=True, help="Show tracebacks and engine decisions."),
        click.option(
            "--seq-len",
            "seq_len",
            metavar="N",
            callback=_positive_int("--seq-len"),
            help="Fill every unknown non-batch input dimension with N for the MACs and "
            "activation figures (default: unknown, figures per position).",
        ),
        click.option(
            "--input-shape",
            "input_shapes",
            metavar="NAME=D1,D2,...",
            multiple=True,
            callback=_input_shapes,
            help="Set one model input's non-batch dimensions, e.g. token_ids=512 (repeatable).",
        ),
    ]

    @functools.wraps(function)
    def collect(**kwargs: Any) -> Any:
        shared = {name: kwargs.pop(name) for name in ModelArgs.__dataclass_fields__}
        return function(ModelArgs(**shared), **kwargs)

    wrapped: Callable[..., Any] = collect
    for decorator in reversed(decorators):
        wrapped = decorator(wrapped)
    return wrapped


def diagram_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--rankdir`` and ``--expand-nested``, shared by ``diagram`` and ``report``."""
    function = click.option(
        "--expand-nested", is_flag=True, help="Draw nested models as clusters of their layers."
    )(function)
    return click.option(
        "--rankdir",
        type=click.Choice(choices(Rankdir), case_sensitive=False),
        metavar="[" + "|".join(choices(Rankdir)) + "]",
        default="TB",
        show_default=True,
        help="Diagram layout: top to bottom, left to right, or reversed.",
    )(function)


def _print_traceback() -> None:
    import traceback  # only with --debug: start-up stays light

    traceback.print_exc()


def _fail(message: str, debug: bool) -> None:
    if debug:
        _print_traceback()
    click.echo(f"layerscope: error: {message}", err=True)
    sys.exit(1)


def handle_errors(function: F) -> F:
    """Turn library errors into one line on stderr and exit status 1 (2 for bad usage)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        shared = args[0] if args and isinstance(args[0], ModelArgs) else None
        debug = bool(shared and shared.debug) or bool(os.environ.get("LAYERSCOPE_DEBUG"))
        try:
            return function(*args, **kwargs)
        except UsageError as error:
            if debug:
                _print_traceback()
            raise click.UsageError(str(error)) from error
        except LayerscopeError as error:
            _fail(_one_line(str(error)), debug)
        except KeyboardInterrupt as error:
            from layerscope.progress import Terminated

            signum = error.signum if isinstance(error, Terminated) else 2
            click.echo(
                "layerscope: interrupted" if signum == 2 else "layerscope: terminated", err=True
            )
            sys.exit(128 + signum)
        except MemoryError:
            _fail(f"out of memory while reading the model{_named(shared)}", debug)
        except RecursionError:
            _fail(f"the model{_named(shared)} is nested too deeply to read", debug)
        except Exception as error:  # noqa: BLE001 - the CLI's promise: one line, no traceback
            _fail(
                f"unexpected {type(error).__name__}: {_one_line(str(error))} "
                "(rerun with --debug for the traceback)",
                debug,
            )

    return wrapper  # type: ignore[return-value]


def _named(shared: ModelArgs | None) -> str:
    if shared is None:
        return ""
    from layerscope.loading import describe

    return f" {describe(shared.model)}"


def _one_line(text: str) -> str:
    from layerscope.render.escape import visible

    line = " ".join(text.split())
    if len(line) > 500:
        line = line[:497] + "..."
    return visible(line)


def _check_output(output: str, args: ModelArgs, *inputs: str | None) -> None:
    """Refuse a bad ``-o`` (empty, a folder, one of the command's inputs: the model, the
    custom-objects file, and ``inputs`` such as a template folder) before the load."""
    from layerscope.io import check_output_path

    check_output_path(output, (args.model, args.custom_objects, *inputs))


def _emit(output: str | None, text: str, inputs: tuple[Any, ...]) -> None:
    """Write a command's text to ``-o`` (standard output when absent or ``-``)."""
    from layerscope.io import write_output

    write_output("-" if output is None else output, text, inputs)
    if output is not None:
        _wrote(output)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="layerscope")
def cli() -> None:
    """Explain a Keras model's parameters: where they live, what they cost, and whether the
    model is large for its training data.

    MODEL is a .keras file (or a legacy .h5).
    """


@cli.command()
@model_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(choices(SummaryFormat)),
    default="text",
    show_default=True,
    help="Terminal table, Markdown table, or the JSON document.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Write to FILE instead of standard output.",
)
@click.option(
    "--width",
    metavar="N",
    type=click.IntRange(0, 1000),
    callback=_text_width,
    default=None,
    help="Text width in columns (default: the terminal's, 80 when piped; 0: no limit; "
    "at least 40).",
)
@handle_errors
def summary(
    args: ModelArgs,
    output_format: str,
    output: str | None,
    width: int | None,
) -> None:
    """Print a per-layer parameter summary of MODEL."""
    if output is not None:
        _check_output(output, args)  # before the (slow) load, not after it
    report = args.analyze()
    if output_format == "json":
        text = report.to_json()
    elif output_format == "markdown":
        text = report.to_markdown()
    else:
        if width is None and output in (None, "-") and _is_terminal(sys.stdout):
            import shutil

            width = max(40, shutil.get_terminal_size().columns)
        text = report.to_text(width=width)  # None: 80 columns
    if not text.endswith("\n"):
        text += "\n"
    from layerscope.io import write_output

    write_output("-" if output is None else output, text, (args.model, args.custom_objects))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or replaced standard output
        return False


@cli.command()
@model_options
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    required=True,
    help="Where to write the diagram: .svg, .png, .pdf or .dot.",
)
@diagram_options
@handle_errors
def diagram(
    args: ModelArgs,
    output: str,
    rankdir: str,
    expand_nested: bool,
) -> None:
    """Draw MODEL as a Graphviz diagram (SVG, PNG, PDF or DOT)."""
    from layerscope.render.dot import diagram_format

    _check_output(output, args)
    diagram_format(output)  # a bad suffix is a usage error before the (slow) load
    direction = Rankdir.parse(rankdir, "--rankdir", case_sensitive=False)
    layout = DiagramOptions(direction, expand_nested)
    report = args.analyze()
    from layerscope import progress

    with progress.step("Rendering the diagram"):
        report.render_diagram(
            output, rankdir=layout.rankdir.value, expand_nested=layout.expand_nested
        )
    _wrote(output)


@cli.command()
@model_options
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    default="report.html",
    show_default=True,
    help="Where to write the HTML.",
)
@click.option(
    "--fragment",
    is_flag=True,
    help="Write an embeddable <div> (scoped styles) instead of a whole page.",
)
@click.option("--title", metavar="TEXT", help="The report's title (default: the model's name).")
@click.option(
    "--template-dir",
    "template_dir",
    metavar="DIR",
    type=click.Path(path_type=str, file_okay=False),
    help='Templates searched before the defaults ({% extends "default:report.html" %}).',
)
@diagram_options
@click.option(
    "--sections",
    metavar="LIST",
    help=f"Comma list of sections to include: {', '.join(SECTIONS)} (default: all).",
)
@click.option(
    "--theme",
    type=click.Choice(choices(Theme)),
    default="auto",
    show_default=True,
    help="Colour theme (auto follows the reader's system setting).",
)
@handle_errors
def report(
    args: ModelArgs,
    output: str,
    fragment: bool,
    title: str | None,
    template_dir: str | None,
    expand_nested: bool,
    rankdir: str,
    sections: str | None,
    theme: str,
) -> None:
    """Write a self-contained HTML report on MODEL."""
    options = HtmlOptions(  # every option checked before the (slow) load
        fragment=fragment,
        title=title,
        template_dir=template_dir,
        sections=parse_sections(sections),
        theme=Theme.parse(theme, "--theme"),
        rankdir=Rankdir.parse(rankdir, "--rankdir", case_sensitive=False),
        expand_nested=expand_nested,
    )
    _check_output(output, args, template_dir)
    args.analysis_options()
    result = args.analyze()
    from layerscope import progress

    with progress.step("Writing the HTML report"):
        result.save_html(output, options=options)
    _wrote(output)


def _wrote(output: str) -> None:
    if output != "-":
        from layerscope.render.escape import visible

        click.echo(f"wrote {visible(output)}", err=True)


# -- diff and check (issue 14) ----------------------------------------------------------------


@cli.command()
@model_options
@click.argument("other", metavar="OTHER", type=click.Path(path_type=str, readable=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json", "html"]),
    default="text",
    show_default=True,
    help="Terminal table, Markdown for a pull-request comment, JSON, or an HTML page.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Write to FILE instead of standard output.",
)
@click.option("--all", "show_all", is_flag=True, help="Text: list unchanged layers too.")
@click.option("--fragment", is_flag=True, help="HTML: an embeddable <div> instead of a page.")
@click.option("--title", metavar="TEXT", help="HTML: the page's title.")
@click.option(
    "--theme",
    type=click.Choice(["auto", "light", "dark"]),
    default="auto",
    show_default=True,
    help="HTML: colour theme.",
)
@handle_errors
def diff(
    args: ModelArgs,
    other: str,
    output_format: str,
    output: str | None,
    show_all: bool,
    fragment: bool,
    title: str | None,
    theme: str,
) -> None:
    """Compare MODEL (A) with OTHER (B): layers added, removed and changed, and the totals.

    Exit status 0 whether or not the models differ (use `check --baseline` to fail a build).
    """
    import dataclasses

    if output is not None:
        _check_output(output, args, other)
    report_a = args.analyze()
    report_b = dataclasses.replace(args, model=other).analyze()
    from layerscope.diffing import diff_reports

    result = diff_reports(report_a, report_b)
    if output_format == "json":
        text = result.to_json()
    elif output_format == "markdown":
        text = result.to_markdown()
    elif output_format == "html":
        text = result.to_html(fragment=fragment, title=title, theme=theme)
    else:
        color = (
            output in (None, "-") and _is_terminal(sys.stdout) and not os.environ.get("NO_COLOR")
        )
        text = result.to_text(color=color, show_unchanged=show_all)
    if not text.endswith("\n"):
        text += "\n"
    _emit(output, text, (args.model, other, args.custom_objects))


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


@cli.command()
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
        _check_output(output, args, baseline, config)
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
    _emit(output, text, (args.model, chosen.baseline, args.custom_objects, chosen.config))
    if not result.ok:
        sys.exit(3)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``layerscope`` console script and ``python -m layerscope``."""
    import warnings

    from layerscope.progress import install_signal_handlers

    install_signal_handlers()
    # zipfile's UserWarnings about an archive's oddities (a duplicate member name) are not
    # the user's business on a run that succeeds; real damage is refused with one line.
    warnings.filterwarnings(
        "ignore", message=r"(Duplicate name|Archive comment)", category=UserWarning
    )
    cli.main(args=argv, prog_name="layerscope")


if __name__ == "__main__":  # pragma: no cover
    main()
