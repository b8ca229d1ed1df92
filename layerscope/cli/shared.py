"""What the commands share: the model argument and its options (one :class:`ModelArgs`),
the diagram options, the command runner, error handling (one line on stderr, the exit
status) and output.

Imported by the command modules only, so ``layerscope --help`` never pays for it.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from layerscope.cli.parsing import (
    Parser,
    Usage,
    choice,
    choices_metavar,
    invalid,
    shown,
    whole_number,
)
from layerscope.errors import LayerscopeError, UsageError
from layerscope.options import AnalysisOptions, Engine, Rankdir, choices

F = TypeVar("F", bound=Callable[..., Any])


def positive_int(text: str) -> int:
    """A positive integer option (``55000``, ``55_000``, ``55,000``), exactly parsed and
    at most :data:`layerscope.api.MAX_COUNT`; anything else is a usage error (exit 2)."""
    digits = text.strip().replace("_", "").replace(",", "")
    if not digits.isascii() or not digits.isdigit():
        raise invalid(f"must be a positive integer; got {shown(text)}")
    from layerscope.api import MAX_COUNT

    if len(digits.lstrip("0")) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        raise invalid(f"must be at most {MAX_COUNT:,}; got {shown(text)}")
    number = int(digits)
    if number <= 0:
        raise invalid(f"must be a positive integer; got {shown(text)}")
    return number


def input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """``NAME=D1,D2,...`` as a (name, dims) pair; a malformed one is a usage error."""
    name, sep, dims_text = text.partition("=")
    name = name.strip()
    try:
        dims = tuple(int(d) for d in dims_text.replace("x", ",").split(",") if d.strip())
    except ValueError:
        dims = ()
    if not sep or not name or not dims or any(d <= 0 for d in dims):
        raise invalid(
            f"expected NAME=D1,D2,... with positive dimensions, e.g. token_ids=128; got {text!r}"
        )
    return name, dims


def _distinct_inputs(
    pairs: list[tuple[str, tuple[int, ...]]] | None,
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    seen: set[str] = set()
    for name, _ in pairs or ():
        if name in seen:
            raise Usage(f"Invalid value for '--input-shape': input {name!r} is given twice")
        seen.add(name)
    return tuple(pairs or ())


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

    @classmethod
    def take(cls, values: dict[str, Any]) -> ModelArgs:
        """The shared options, removed from a parsed command line's ``values``."""
        shared = {name: values.pop(name) for name in cls.__dataclass_fields__}
        shared["input_shapes"] = _distinct_inputs(shared["input_shapes"])
        return cls(**shared)

    def analysis_options(self) -> AnalysisOptions:
        """The analysis options, validated (a bad value is a usage error)."""
        return AnalysisOptions(batch_size=self.batch_size or 1, optimizer=self.optimizer)

    def analyze(self, *, last: bool = True) -> Any:
        """Validate the cheap options, then load, capture and analyse the model. ``last``
        says no other model is analysed after this one in the command."""
        from layerscope import cli
        from layerscope._gc import one_shot_process
        from layerscope.api import analyze

        # Only the console script's process ends after its last report; an in-process call
        # (a test, a notebook) must not freeze what its later analyses make (see main()),
        # nor may diff freeze its first model while it loads the second.
        one_shot_process(cli.console_process and last)
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


def add_model_options(parser: Parser) -> None:
    """The model argument and the options every command that reads a model shares."""
    parser.add_argument("model", metavar="MODEL", help="The .keras file (or a legacy .h5).")
    option = parser.add_argument
    option(
        "--samples",
        metavar="N",
        type=positive_int,
        help="Training samples the model will see; adds the data-fit analysis.",
    )
    option(
        "--unsafe",
        action="store_true",
        help="Allow a trusted model holding Python lambdas (turns Keras safe mode off).",
    )
    option(
        "--custom-objects",
        metavar="FILE.py",
        help="A Python file defining the model's custom layers (it is run: trust it).",
    )
    option(
        "--engine",
        type=choice(choices(Engine)),
        metavar=choices_metavar(choices(Engine)),
        default="auto",
        help="static reads a .keras file without TensorFlow; keras builds the model.  "
        "[default: auto]",
    )
    option(
        "--batch-size",
        metavar="N",
        type=positive_int,
        help="Batch size for the activation-memory estimate (default 1).",
    )
    option(
        "--optimizer",
        metavar="NAME",
        default="adam",
        help="Optimizer for the optimizer-state memory estimate (adam, sgd, rmsprop, ...).  "
        "[default: adam]",
    )
    option(
        "--depth",
        metavar="N",
        type=whole_number(0),
        help="Show rows down to N levels inside nested models and blocks (default: what "
        "reads best; 0: the model's own layers). JSON always has every row.",
    )
    option(
        "--weights",
        action="store_true",
        help="Read the weights' values: statistics per variable and health findings.",
    )
    option("--debug", action="store_true", help="Show tracebacks and engine decisions.")
    option(
        "--seq-len",
        metavar="N",
        type=positive_int,
        help="Fill every unknown non-batch input dimension with N for the MACs and "
        "activation figures (default: unknown, figures per position).",
    )
    option(
        "--input-shape",
        dest="input_shapes",
        metavar="NAME=D1,D2,...",
        action="append",
        type=input_shape,
        help="Set one model input's non-batch dimensions, e.g. token_ids=512 (repeatable).",
    )


def add_diagram_options(parser: Parser) -> None:
    """``--rankdir`` and ``--expand-nested``, shared by ``diagram`` and ``report``."""
    parser.add_argument(
        "--rankdir",
        type=choice(choices(Rankdir), case_sensitive=False),
        metavar=choices_metavar(choices(Rankdir)),
        default="TB",
        help="Diagram layout: top to bottom, left to right, or reversed.  [default: TB]",
    )
    parser.add_argument(
        "--expand-nested",
        action="store_true",
        help="Draw nested models as clusters of their layers.",
    )


def add_format_option(parser: Parser, formats: Sequence[str], help_text: str) -> None:
    """``--format``, one of ``formats`` (the first is the default)."""
    parser.add_argument(
        "--format",
        dest="output_format",
        type=choice(formats),
        metavar=choices_metavar(formats),
        default=formats[0],
        help=f"{help_text}  [default: {formats[0]}]",
    )


def add_output_option(parser: Parser, help_text: str, **settings: Any) -> None:
    """``-o``/``--output FILE``."""
    parser.add_argument("-o", "--output", metavar="FILE", help=help_text, **settings)


@dataclass(frozen=True)
class Command:
    """One command: its arguments, its own options and what it does.

    ``run`` receives the shared options as one :class:`ModelArgs` followed by the command's
    own options as keywords; its docstring is the command's help.
    """

    name: str
    arguments: str
    """The usage line's arguments, e.g. ``"MODEL OTHER"``."""
    configure: Callable[[Parser], None]
    run: Callable[..., None]

    @property
    def help(self) -> str:
        return self.run.__doc__ or ""

    def parser(self) -> Parser:
        parser = Parser(self.name, self.arguments, self.help)
        add_model_options(parser)
        self.configure(parser)
        return parser.finish()

    def main(self, argv: list[str]) -> NoReturn:
        """Parse ``argv`` (the words after the command's name), run, and exit."""
        parser = self.parser()
        try:
            values = parser.parse(argv)
            self.run(ModelArgs.take(values), **values)
        except Usage as error:
            parser.fail(error)
        sys.exit(0)


def _say(line: str) -> None:
    """One line on standard error (nothing when it is closed)."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (AttributeError, ValueError, OSError):  # closed or replaced standard error
        pass


def _print_traceback() -> None:
    import traceback  # only with --debug: start-up stays light

    traceback.print_exc()


def _fail(message: str, debug: bool) -> None:
    if debug:
        _print_traceback()
    _say(f"layerscope: error: {message}")
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
            raise Usage(str(error)) from error
        except LayerscopeError as error:
            _fail(_one_line(str(error)), debug)
        except KeyboardInterrupt as error:
            from layerscope.signals import Terminated

            signum = error.signum if isinstance(error, Terminated) else 2
            _say("layerscope: interrupted" if signum == 2 else "layerscope: terminated")
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

        _say(f"wrote {visible(output)}")


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an open terminal (False for a closed or replaced stream)."""
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or replaced standard output
        return False
