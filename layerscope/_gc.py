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
            gc.enable()
