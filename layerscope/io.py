"""Writing outputs the way a careful Unix tool does: never destroying what a path names.

Every writer (the CLI's ``-o``, :meth:`ModelReport.save_html`, :meth:`ModelReport.
render_diagram`) goes through :func:`write_output`:

* ``-`` writes to standard output;
* an existing target that is not a regular file (a character device such as ``/dev/null``,
  a FIFO, a socket) is opened and written straight through -- no temporary file, no rename,
  so the device stays a device and a FIFO's reader gets the bytes;
* a symbolic link is followed: its final target is written (atomically when it is a regular
  file or does not exist yet, in the target's own folder) and the link stays a link;
  ``/dev/stdout`` and ``/dev/stderr`` (links to ``/proc/self/fd/N``) write to that stream,
  whatever it is: a pipe, a terminal, or a file the shell opened (``>> log`` keeps what the
  log held, and the shell's file is never swapped for a new one);
* a regular file (or a new one) is replaced atomically: a temporary file in the same folder,
  fsynced, then renamed over it, so a failed run never leaves half a file;
* an empty path, a path ending in a slash, and any path that is one of the command's
  inputs (the model, a custom-objects file, a file inside the template folder) are refused
  with a :class:`~layerscope.errors.UsageError` (an existing folder with a
  :class:`~layerscope.errors.RenderError`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from layerscope.errors import RenderError, UsageError

STDOUT = "-"
"""The output path meaning standard output."""

PathLike = str | os.PathLike[str]


def _shown(path: object) -> str:
    from layerscope.modelfile import describe

    if isinstance(path, (str, os.PathLike)):
        return describe(path)
    return repr(path)


def check_output_path(output: object, inputs: Iterable[PathLike | None] = ()) -> str:
    """Validate an output path before any work is done; returns it as a string.

    ``inputs`` are the command's inputs: files (the model, a custom-objects file) that the
    output must not name, and folders (a template folder) that the output must not be in.
    """
    if not isinstance(output, (str, os.PathLike)):
        raise UsageError(f"the output path must be a str or os.PathLike; got {output!r}")
    text = os.fspath(output)
    if not isinstance(text, str):
        raise UsageError(f"the output path must be text; got {text!r}")
    if text == STDOUT:
        return text
    if not text:
        raise UsageError("the output path is empty (use '-' for standard output)")
    if "\x00" in text:
        raise UsageError(f"the output path {_shown(text)} holds a NUL character")
    if text.endswith(("/", os.sep)) or (os.altsep and text.endswith(os.altsep)):
        raise UsageError(f"the output path {_shown(text)} ends in a slash (names a folder)")
    if os.path.isdir(text):
        raise RenderError(f"cannot write {_shown(text)}: it is an existing folder")
    ensure_distinct(text, *inputs)
    return text


def ensure_distinct(output: PathLike, *inputs: PathLike | None) -> None:
    """Refuse an output path that is one of the inputs (it would destroy it), or that lies
    inside an input folder (a template folder)."""
    if os.fspath(output) == STDOUT:
        return
    out = Path(os.fspath(output))
    for candidate in inputs:
        if candidate is None or not isinstance(candidate, (str, os.PathLike)):
            continue
        source = Path(os.fspath(candidate))
        if _is_folder(source):
            if _inside(out, source):
                raise UsageError(
                    f"refusing to write the output {_shown(output)} inside the input folder "
                    f"{_shown(candidate)}"
                )
            continue
        if _same_file(out, source):
            kind = "model " if source.suffix.lower() in (".keras", ".h5", ".hdf5") else ""
            raise UsageError(
                f"refusing to write the output over the input {kind}{_shown(candidate)}"
            )


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _inside(out: Path, folder: Path) -> bool:
    try:
        target = out.resolve()
        root = folder.resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return root in target.parents


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


def write_output(path: PathLike, data: str | bytes, inputs: Iterable[PathLike | None] = ()) -> str:
    """Write ``data`` to ``path`` with the semantics of the module docs; returns the path."""
    text = check_output_path(path, inputs)
    # backslashreplace: a lone surrogate that slipped into a name is written as \\ud800
    # rather than failing the whole write.
    payload = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data
    if text == STDOUT:
        _write_stdout(payload)
        return text
    target = Path(text)
    try:
        status: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise RenderError(f"cannot write {_shown(text)}: {error.strerror}") from error
    if status is not None and stat.S_ISLNK(status.st_mode):
        try:
            status = os.stat(target)  # follows /proc's links to pipes too (/dev/stdout)
        except FileNotFoundError:
            status = None  # a link to a file not made yet: create its target
        except OSError as error:
            raise RenderError(f"cannot write {_shown(text)}: {error.strerror}") from error
        if status is not None and stat.S_ISDIR(status.st_mode):
            raise UsageError(f"the output path {_shown(text)} links to a folder")
        stream = _standard_stream(status)
        if stream is not None:
            _write_stream(stream, payload)
            return text
        if status is None or stat.S_ISREG(status.st_mode):
            # a file is replaced in its own folder; a pipe, device or socket is opened
            # through the link itself (realpath cannot name /proc's "pipe:[123]")
            target = Path(os.path.realpath(target))
    if status is not None and not stat.S_ISREG(status.st_mode):
        _write_through(target, payload, text)
    else:
        _replace_atomically(target, payload, text)
    return text


write_atomic = write_output
"""The former name of :func:`write_output`."""


def _standard_stream(status: os.stat_result | None) -> int | None:
    """1 or 2 when a link's target is this process's standard output or error (the file
    behind ``/proc/self/fd/1``, say), else None."""
    if status is None:
        return None
    for descriptor in (1, 2):
        try:
            held = os.fstat(descriptor)
        except OSError:  # closed
            continue
        if (held.st_dev, held.st_ino) == (status.st_dev, status.st_ino):
            return descriptor
    return None


def _write_stdout(payload: bytes) -> None:
    _write_stream(1, payload)


def _write_stream(descriptor: int, payload: bytes) -> None:
    """Write to standard output (1) or standard error (2) through Python's own stream."""
    text_stream = sys.stdout if descriptor == 1 else sys.stderr
    name = "standard output" if descriptor == 1 else "standard error"
    stream = getattr(text_stream, "buffer", None)
    if stream is None or getattr(text_stream, "closed", False):
        raise RenderError(f"cannot write to {name}: it is closed")
    try:
        text_stream.flush()
        stream.write(payload)
        stream.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): what a Unix tool does is stop quietly.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
    except (OSError, ValueError) as error:
        detail = getattr(error, "strerror", None) or str(error)
        raise RenderError(f"cannot write to {name}: {detail}") from error


def _write_through(target: Path, payload: bytes, shown: str) -> None:
    """A device, FIFO or socket: open it for writing and write, as a shell's ``>`` does."""
    try:
        descriptor = os.open(target, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise RenderError(f"cannot write {_shown(shown)}: {error.strerror}") from error
    try:
        view = memoryview(payload)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
    except OSError as error:
        raise RenderError(f"cannot write {_shown(shown)}: {error.strerror}") from error
    finally:
        os.close(descriptor)


def _replace_atomically(target: Path, payload: bytes, shown: str) -> None:
    """Write through a temporary file in the target's folder, then rename over it."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise RenderError(
            f"cannot write {_shown(shown)}: folder {_shown(os.fspath(folder))} does not exist"
        )
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise RenderError(f"cannot write {_shown(shown)}: {error.strerror}") from error
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
    except BaseException as error:  # SIGTERM/SIGHUP arrive as Terminated (see layerscope.signals)
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise RenderError(f"cannot write {_shown(shown)}: {error.strerror}") from error
        raise
