"""Model files cached between test sessions, safely under ``pytest -n auto``.

Several workers may want the same cached file at once. Without care one worker truncates it
(``model.save`` writes in place) while another reads it, and the reader sees an empty or half
written archive. Every cached file is therefore built under an exclusive lock on a sibling
``.lock`` file, written to a partial name first and moved into place with ``os.replace``: a
reader sees either no file or the whole file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_once(target: Path, build: Callable[[], Any]) -> Path:
    """``target``, built by ``build()`` and saved by the first worker that needs it."""
    save_all_once([target], lambda: [build()])
    return target


def save_all_once(targets: list[Path], build: Callable[[], list[Any]]) -> list[Path]:
    """Files that must be built together (in one process, in order), saved under one lock:
    ``build()`` returns one model per target and runs only when any target is missing."""
    first = targets[0]
    with locked(first.with_name(first.name + ".lock")):
        if not all(target.is_file() for target in targets):
            for target, model in zip(targets, build(), strict=True):
                partial = target.with_name(f"{target.stem}.{os.getpid()}.partial{target.suffix}")
                model.save(partial)
                os.replace(partial, target)
    return targets
