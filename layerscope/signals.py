"""SIGTERM and SIGHUP as exceptions, so that a terminated run cleans up like Ctrl-C.

Standard library only and imported at the CLI's start (its handlers must be in place before
any work), so it stays light: no threading, contextlib or typing at import.
"""

from __future__ import annotations

import signal
from types import TracebackType


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like SIGINT's KeyboardInterrupt.

    Being a KeyboardInterrupt, it unwinds through the same cleanup as Ctrl-C: a running
    ``dot`` child is killed by :func:`subprocess.run`, a half-written temporary output file
    is removed by :mod:`layerscope.io`. ``signum`` gives the exit status ``128 + signum``.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


def _termination_signals() -> list[signal.Signals]:
    return [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


def _take_defaults() -> list[signal.Signals]:
    """Point each termination signal still at its default action to :class:`Terminated`;
    the signals taken (none outside the main thread, where Python refuses handlers)."""
    taken: list[signal.Signals] = []
    for number in _termination_signals():
        if signal.getsignal(number) is signal.SIG_DFL:
            try:
                signal.signal(number, _raise_terminated)
            except ValueError:  # not the main thread: Python delivers signals there only
                return taken
            taken.append(number)
    return taken


def install_signal_handlers() -> None:
    """Make SIGTERM and SIGHUP raise :class:`Terminated` (the CLI calls this at start-up).

    Only signals still at their default action are taken over, and only from the main
    thread (where Python delivers signals)."""
    _take_defaults()


class signals_as_interrupts:
    """While the block runs (a child process, say), SIGTERM and SIGHUP raise
    :class:`Terminated` if they would otherwise kill the process outright; the previous
    handlers are restored after. A no-op outside the main thread."""

    def __enter__(self) -> None:
        self._taken = _take_defaults()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for number in self._taken:
            signal.signal(number, signal.SIG_DFL)
