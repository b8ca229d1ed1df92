"""Progress feedback on stderr for steps that can take more than a second or two.

Usage::

    from layerscope import progress

    with progress.step("Loading model with Keras"):
        model = load_model(path)

A step shows a rich spinner with its description and elapsed time, but only once it has
run for ``delay`` seconds (so fast steps print nothing and leave no flicker), only when
stderr is a terminal (pipes, files, CI logs and tests stay clean), and never when
``LAYERSCOPE_PROGRESS=0`` is set. Nested steps replace the description of the one outside
them and restore it on exit. The spinner is transient: it erases itself when done.

Importing this module is cheap (rich is imported only when a spinner is actually shown) and
never imports TensorFlow, so the CLI can use it before deciding whether Keras is needed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

DEFAULT_DELAY = 1.0
"""Seconds a step runs silently before its spinner appears."""


def enabled(stream: IO[str] | None = None) -> bool:
    """Whether progress may be shown on ``stream`` (default: stderr)."""
    if os.environ.get("LAYERSCOPE_PROGRESS", "").strip().lower() in {"0", "false", "no", "off"}:
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed stream
        return False


class _Display:
    """The one live spinner of the process, shared by nested steps."""

    def __init__(self, stream: IO[str], force_terminal: bool) -> None:
        self.stream = stream
        self.force_terminal = force_terminal
        self.lock = threading.Lock()
        self.status: Any = None
        self.descriptions: list[str] = []
        self.started_at: list[float] = []

    def text(self) -> str:
        elapsed = time.monotonic() - self.started_at[0]
        return f"{self.descriptions[-1]}... [dim]{elapsed:.0f}s[/dim]"

    def show(self) -> None:
        with self.lock:
            if self.status is not None or not self.descriptions:
                return
            from rich.console import Console

            console = Console(
                file=self.stream,
                force_terminal=self.force_terminal or None,
                stderr=self.stream is sys.stderr,
            )
            self.status = console.status(self.text(), spinner="dots")
            self.status.start()
            self._tick()

    def _tick(self) -> None:
        # The elapsed seconds in the text are refreshed by a light timer thread.
        if self.status is None or not self.descriptions:
            return
        self.status.update(self.text())
        timer = threading.Timer(0.5, self._tick_locked)
        timer.daemon = True
        timer.start()

    def _tick_locked(self) -> None:
        with self.lock:
            self._tick()

    def push(self, description: str) -> None:
        with self.lock:
            self.descriptions.append(description)
            self.started_at.append(time.monotonic())
            if self.status is not None:
                self.status.update(self.text())

    def pop(self) -> None:
        with self.lock:
            self.descriptions.pop()
            self.started_at.pop()
            if self.status is None:
                return
            if self.descriptions:
                self.status.update(self.text())
            else:
                self.status.stop()
                self.status = None


_display: _Display | None = None


@contextmanager
def step(
    description: str,
    *,
    delay: float = DEFAULT_DELAY,
    stream: IO[str] | None = None,
    force: bool = False,
) -> Iterator[None]:
    """Show ``description`` with a spinner on stderr while the block runs longer than
    ``delay`` seconds. Silent when the stream is not a terminal (unless ``force``)."""
    global _display
    target = stream if stream is not None else sys.stderr
    if not force and not enabled(target):
        yield
        return
    outermost = _display is None
    if outermost:
        _display = _Display(target, force_terminal=force)
    display = _display
    assert display is not None
    display.push(description)
    timer: threading.Timer | None = None
    if display.status is None:
        if delay <= 0:
            display.show()
        else:
            timer = threading.Timer(delay, display.show)
            timer.daemon = True
            timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
        display.pop()
        if outermost:
            _display = None
