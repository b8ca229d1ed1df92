"""One pause of Python's cyclic garbage collector, shared by every step that builds a
report (the static reader, capture, the analyses)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a report's many small objects are made.

    Each automatic full collection rescans every object alive in the process (a Keras
    model's hundreds of thousands, a 5,000-layer config's own): with it running, the time
    for a 5,000-layer model grew faster than its layer count (16x for 10x the layers in
    benchmarks/bench_scaling.py). Nothing built here forms reference cycles, so the
    temporaries are freed by reference counting alone. Nested pauses are fine: the
    collector's previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if _freeze_after_pause:
                # Everything made during the pause is young: the next collections would
                # scan it all twice (young, then middle generation), about a second for a
                # 50,000-layer model. A one-shot process moves it out of their way instead.
                gc.freeze()
            gc.enable()


_freeze_after_pause = False


def one_shot_process(one_shot: bool = True) -> None:
    """Declare this process short-lived (the console script) or not: in a one-shot process
    what a pause made is frozen (``gc.freeze``) when the pause ends, never rescanned. Any
    other process is left alone: frozen objects are freed by reference counting but never by
    the collector, so a Keras model (all cycles) alive during a frozen pause would never be
    freed. The CLI called in-process declares ``False``."""
    global _freeze_after_pause
    _freeze_after_pause = one_shot
