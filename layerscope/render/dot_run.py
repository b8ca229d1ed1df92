"""Running Graphviz: which program, which output format, and the attempts before giving up.

The program is ``$LAYERSCOPE_DOT`` if set, else the system ``dot`` if it runs, else the
``graphviz-pure`` command (a pip dependency). ``splines=ortho`` is never used (Debian's
Graphviz 2.43 asserts on EfficientNetB0 with it). A failed render is retried with safer
settings, then with the other program, before one clear
:class:`~layerscope.errors.RenderError`. The DOT text comes from
:mod:`layerscope.render.dot`; this module only runs it.
"""

from __future__ import annotations

import functools
import math
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from layerscope.errors import RenderError, UsageError
from layerscope.render.escape import visible

SUFFIX_FORMATS: dict[str, str | None] = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": None,
    ".gv": None,
}
"""Output suffixes :func:`layerscope.render.dot.render_diagram` accepts; ``None`` means the
DOT source itself."""

PNG_DPI = 96
PNG_MAX_INCHES = 60
"""PNG drawings are scaled down to fit ``60 x 60`` inches at 96 dpi: at most 5760 pixels a
side, so a 500-layer model cannot produce a 50 MB image (use SVG for big models)."""

DEFAULT_TIMEOUT = 120.0
"""Seconds one render attempt may take (``$LAYERSCOPE_DOT_TIMEOUT`` overrides)."""

FORMATS = ("svg", "png", "pdf")
"""The formats Graphviz draws for layerscope."""


def diagram_format(path: str | os.PathLike[str]) -> str | None:
    """The Graphviz output format a diagram path's suffix asks for (``None``: the DOT source
    itself); a UsageError quoting the path for any other suffix."""
    target = os.fspath(path)
    if target == "-":  # standard output: SVG, the format a pipe or a browser takes
        return "svg"
    suffix = Path(target).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise UsageError(
            f"the diagram file must end in .svg, .png, .pdf, .dot or .gv; got {target!r}"
        )
    return SUFFIX_FORMATS[suffix]


def check_format(output_format: str) -> str:
    """``output_format`` if Graphviz draws it for layerscope; else a UsageError."""
    if output_format not in FORMATS:
        raise UsageError(f"diagram format must be svg, png or pdf; got {output_format!r}")
    return output_format


def choose_programs(
    programs: Sequence[GraphvizProgram], output_format: str
) -> list[GraphvizProgram]:
    """The ``programs`` able to write ``output_format``; a RenderError saying what to install
    when there are none."""
    usable = list(programs)
    if output_format == "pdf":
        usable = [p for p in usable if not p.is_pure]
        if not usable:
            raise RenderError(
                "PDF diagrams need a system Graphviz ('dot' on PATH or $LAYERSCOPE_DOT); "
                "graphviz-pure writes SVG and PNG only"
            )
    if not usable:
        raise RenderError(
            "no Graphviz program found: install graphviz-pure (pip install graphviz-pure) "
            "or a system Graphviz, or set LAYERSCOPE_DOT"
        )
    return usable


def run_attempts(
    programs: Sequence[GraphvizProgram], source: str, safe_source: str, output_format: str
) -> bytes:
    """The first success of: each program with normal settings on ``source``, then with
    safer ones (straight edges, lighter crossing reduction) on ``safe_source``."""
    sources = {False: source, True: safe_source}
    failures: list[str] = []
    for program in programs:
        for safe in (False, True):
            try:
                return program.run(sources[safe], output_format, safe=safe)
            except AttemptFailed as failure:
                failures.append(f"{program.name}{' (safe settings)' if safe else ''}: {failure}")
    raise RenderError(f"could not render the {output_format} diagram; " + "; ".join(failures))


class AttemptFailed(Exception):
    """One render attempt failed (the message says how); the next attempt follows."""


@dataclass(frozen=True)
class GraphvizProgram:
    """A ``dot``-compatible program layerscope can run."""

    command: tuple[str, ...]
    version: str
    """The first line of its ``-V`` output."""

    @property
    def name(self) -> str:
        return " ".join(self.command)

    @property
    def is_pure(self) -> bool:
        return "graphviz-pure" in self.version

    def run(self, dot: str, output_format: str, safe: bool = False) -> bytes:
        """Render ``dot`` with this program; :class:`AttemptFailed` on any failure."""
        arguments = [*self.command, f"-T{output_format}"]
        if output_format == "png":
            arguments += [f"-Gdpi={PNG_DPI}", f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}"]
        if safe:
            arguments += ["-Gsplines=line", "-Gmclimit=0.5", "-Gnslimit=2", "-Gnslimit1=2"]
        timeout = _timeout()
        from layerscope.signals import signals_as_interrupts

        try:
            # SIGTERM/SIGHUP unwind like Ctrl-C: subprocess.run kills the child on any
            # exception, so no orphaned dot keeps running at 100% CPU.
            with signals_as_interrupts():
                completed = subprocess.run(
                    arguments,
                    input=dot.encode("utf-8"),
                    capture_output=True,
                    timeout=timeout,
                    check=False,
                )
        except subprocess.TimeoutExpired as error:
            raise AttemptFailed(f"timed out after {timeout:g} s") from error
        except OSError as error:
            raise AttemptFailed(error.strerror or str(error)) from error
        if completed.returncode != 0 or not completed.stdout:
            raise AttemptFailed(_failure_text(completed.returncode, completed.stderr))
        return completed.stdout


def _failure_text(returncode: int, stderr: bytes) -> str:
    lines = [
        line.strip()
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.lstrip().lower().startswith("warning")
    ]
    detail = lines[-1] if lines else "no output"
    if returncode < 0:
        return f"crashed (signal {-returncode}): {visible(detail)}"
    return f"exit status {returncode}: {visible(detail)}"


def _timeout() -> float:
    text = os.environ.get("LAYERSCOPE_DOT_TIMEOUT", "")
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError as error:
        raise UsageError(
            f"LAYERSCOPE_DOT_TIMEOUT must be a number of seconds; got {text!r}"
        ) from error
    if not math.isfinite(value) or value <= 0:
        raise UsageError(
            f"LAYERSCOPE_DOT_TIMEOUT must be a positive, finite number of seconds; got {text!r}"
        )
    return value


def available_programs(pure: str | None) -> list[GraphvizProgram]:
    """The programs to try, best first, given where ``graphviz-pure`` is (see
    :func:`find_graphviz_pure`; ``None``: not installed).

    ``$LAYERSCOPE_DOT`` (a path or a command line) comes first when set and must run; then
    the system ``dot`` when it runs; then ``graphviz-pure``. Each appears once.
    """
    candidates: list[tuple[str, ...]] = []
    configured = os.environ.get("LAYERSCOPE_DOT", "").strip()
    if configured:
        # A path to a program (spaces allowed), or else a command line such as "dot -q".
        if os.path.isfile(configured):
            command: tuple[str, ...] = (configured,)
        else:
            command = tuple(shlex.split(configured, posix=os.name != "nt"))
        if not command or _version(command) is None:
            raise RenderError(
                f"LAYERSCOPE_DOT is {configured!r}, which does not run as a Graphviz program "
                "(its -V failed)"
            )
        candidates.append(command)
    system_dot = shutil.which("dot")
    if system_dot:
        candidates.append((system_dot,))
    if pure:
        candidates.append((pure,))
    programs: list[GraphvizProgram] = []
    seen: set[str] = set()
    for command in candidates:
        version = _version(command)
        if version is None:
            continue
        # The same program reached twice (a PATH shim and the file itself, say) is tried
        # once: the same file, or the same version line, is the same program.
        keys = {_identity(command), version}
        if keys & seen:
            continue
        seen |= keys
        programs.append(GraphvizProgram(command, version))
    return programs


def find_graphviz_pure() -> str | None:
    """The ``graphviz-pure`` command: beside this Python first (the copy pip installed
    with layerscope), then the scripts folder, then PATH."""
    names = ["graphviz-pure.exe", "graphviz-pure"] if os.name == "nt" else ["graphviz-pure"]
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    for folder in folders:
        for name in names:
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("graphviz-pure")


def _identity(command: Sequence[str]) -> str:
    if len(command) == 1:
        resolved = shutil.which(command[0]) or command[0]
        return os.path.realpath(resolved)
    return "\0".join(command)


@functools.lru_cache(maxsize=16)
def _version_cached(command: tuple[str, ...]) -> str | None:
    try:
        completed = subprocess.run([*command, "-V"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    text = (completed.stderr or completed.stdout).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "unknown version"


def _version(command: Iterable[str]) -> str | None:
    """The first line of ``command -V``, or ``None`` when it does not run."""
    return _version_cached(tuple(command))
