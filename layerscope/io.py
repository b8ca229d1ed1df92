"""Writing outputs without losing anything: atomic replace, never over the input model."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from layerscope.errors import RenderError, UsageError


def ensure_distinct(output: str | os.PathLike[str], *inputs: str | os.PathLike[str] | None) -> None:
    """Refuse an output path that is one of the inputs (it would destroy the model)."""
    out = Path(os.fspath(output))
    for candidate in inputs:
        if candidate is None or not isinstance(candidate, (str, os.PathLike)):
            continue
        source = Path(os.fspath(candidate))
        if _same_file(out, source):
            raise UsageError(
                f"refusing to write the output over the input model {os.fspath(candidate)!r}"
            )


def _same_file(out: Path, source: Path) -> bool:
    """True when ``out`` names ``source``: the same inode (symlinks, hard links, any
    spelling), or the same resolved path when one of them does not exist yet."""
    try:
        if out.exists() and source.exists() and out.samefile(source):
            return True
    except (OSError, ValueError):
        pass
    try:
        return out.resolve() == source.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, say: then not the same
        return os.path.abspath(out) == os.path.abspath(source)


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> str:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename,
    so a failed run never leaves a half-written file or destroys an earlier one."""
    target = Path(os.fspath(path))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise RenderError(
            f"cannot write {os.fspath(path)!r}: folder {os.fspath(folder)!r} does not exist"
        )
    # backslashreplace: a lone surrogate that slipped into a name is written as \\ud800
    # rather than failing the whole write.
    payload = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise RenderError(f"cannot write {os.fspath(path)!r}: {error.strerror}") from error
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        mode = 0o644
        with contextlib.suppress(OSError):
            mode = os.stat(target).st_mode & 0o777
        if not target.exists():
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise RenderError(f"cannot write {os.fspath(path)!r}: {error.strerror}") from error
        raise
    return os.fspath(target)
