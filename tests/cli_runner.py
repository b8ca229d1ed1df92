"""Run the command line in this process, as the console script would, and capture it.

``invoke(["summary", path])`` calls :func:`layerscope.cli.main` with standard output and
standard error replaced by in-memory text streams (with a ``.buffer``, as real ones have) and
returns what it wrote and the exit status it ended with. An exception other than
:class:`SystemExit` escaping ``main`` is a bug in the CLI (its promise is one line and an exit
status), so it propagates and fails the test.
"""

from __future__ import annotations

import io
import signal
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Standard output followed by standard error."""
        return self.stdout + self.stderr


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def invoke(argv: list[str], *, console_script: bool = False) -> Result:
    """``layerscope ARGV`` in this process: ``main(argv)``, or with ``console_script`` as the
    console script calls it (``main()`` reading ``sys.argv``, the process declared one-shot;
    the caller restores ``layerscope.cli.console_process``)."""
    from layerscope.cli import main

    out, err = _stream(), _stream()
    saved = sys.stdout, sys.stderr
    saved_argv = sys.argv
    # main() points SIGTERM/SIGHUP at its own handler, as the console script should; the test
    # process (a pytest-xdist worker) gets its own handlers back afterwards
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}
    sys.stdout, sys.stderr = out, err
    try:
        if console_script:
            sys.argv = ["layerscope", *argv]
            main()
        else:
            main(argv)
    except SystemExit as exit_info:
        code = exit_info.code
    else:  # pragma: no cover - main always exits
        raise AssertionError("layerscope.cli.main returned instead of exiting")
    finally:
        sys.stdout, sys.stderr = saved
        sys.argv = saved_argv
        for number, handler in handlers.items():
            signal.signal(number, handler)
    status = code if isinstance(code, int) else (0 if code is None else 1)
    return Result(status, _text(out), _text(err))
