"""What the commands share: the model argument and its options (one :class:`ModelArgs`),
the diagram options, error handling (one line on stderr, the exit status) and output.

Imported by the command modules only, so ``layerscope --help`` never pays for it.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from layerscope.errors import LayerscopeError, UsageError
from layerscope.options import AnalysisOptions, Engine, Rankdir, choices

F = TypeVar("F", bound=Callable[..., Any])


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
        from layerscope._gc import one_shot_process
        from layerscope.api import analyze

        one_shot_process()  # the CLI's process ends after this one report
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
    from layerscope.modelfile import describe

    return f" {describe(shared.model)}"


def _one_line(text: str) -> str:
    from layerscope.render.escape import visible

    line = " ".join(text.split())
    if len(line) > 500:
        line = line[:497] + "..."
    return visible(line)


def check_output(output: str, args: ModelArgs, *inputs: str | None) -> None:
    """Refuse a bad ``-o`` (empty, a folder, one of the command's inputs: the model, the
    custom-objects file, and ``inputs`` such as a template folder) before the load."""
    from layerscope.io import check_output_path

    check_output_path(output, (args.model, args.custom_objects, *inputs))


def emit(output: str | None, text: str, inputs: tuple[Any, ...]) -> None:
    """Write a command's text to ``-o`` (standard output when absent or ``-``)."""
    from layerscope.io import write_output

    write_output("-" if output is None else output, text, inputs)
    if output is not None:
        wrote(output)


def wrote(output: str) -> None:
    if output != "-":
        from layerscope.render.escape import visible

        click.echo(f"wrote {visible(output)}", err=True)


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an open terminal (False for a closed or replaced stream)."""
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or replaced standard output
        return False
