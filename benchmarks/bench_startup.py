"""Benchmark 3: ``layerscope --help`` against ``python -c pass``, as whole processes.

The CLI promises a light start: ``layerscope --help`` imports only ``layerscope.cli``, the
entry module, its argparse-based parser module and the stdlib-only progress module; a command
loads its own module and the options (the report model, renderers, TensorFlow and Keras are
imported by the commands that need them). An information row times
``layerscope summary --help``, a start that also loads one command and the options.

Measured so that the figure is layerscope's, not the machine's (a ``.pth`` file in the base
interpreter's site-packages can cost tens of milliseconds at every start): the target row
runs both sides in a clean venv (``~/.cache/layerscope-bench/startup-venv``, made with
``python -m venv --without-pip``) whose only addition is a ``.pth`` of plain folder lines
putting this ``layerscope`` on the path, as ``pip install`` would, and a
console script like pip's; its modules are byte-compiled first, as ``pip install`` does
(with ``PYTHONDONTWRITEBYTECODE`` set, a fresh checkout would otherwise compile
layerscope's modules from source at every start). For information, the same with ``-I -S``
on both sides (no site at all), and the ``layerscope`` script as installed here against
``python -c pass``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from _common import CACHE, Result, interleaved_processes, layerscope_command, median

TARGET = 3.0


def _package_root(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{name} is not importable from {sys.executable}")
    return str(Path(spec.origin).resolve().parent.parent)


def help_code() -> str:
    """``layerscope --help`` for ``python -I -S -c``: the package's folder, then main()."""
    return (
        f"import sys; sys.path[:0] = {[_package_root('layerscope')]!r}; "
        "sys.argv[0] = 'layerscope'; "
        "from layerscope.cli import main; main()"
    )


SCRIPT = """#!{python}
import re
import sys
from layerscope.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


def clean_venv() -> Path:
    """A venv holding nothing but a path file for layerscope (made once)."""
    venv = CACHE / "startup-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    root = _package_root("layerscope")
    (site / "layerscope_bench_paths.pth").write_text(root + "\n", encoding="utf-8")
    script = venv / "bin" / "layerscope"
    script.write_text(SCRIPT.format(python=python), encoding="utf-8")
    script.chmod(0o755)
    folder = Path(root) / "layerscope"  # what pip install does: bytecode written once
    subprocess.run([str(python), "-m", "compileall", "-q", str(folder)], check=True)
    return venv


def run(runs: int = 15) -> list[Result]:
    venv = clean_venv()
    cases = {
        "venv_python": [str(venv / "bin" / "python"), "-c", "pass"],
        "venv_help": [str(venv / "bin" / "layerscope"), "--help"],
        "venv_command_help": [str(venv / "bin" / "layerscope"), "summary", "--help"],
        "python": [sys.executable, "-I", "-S", "-c", "pass"],
        "help": [sys.executable, "-I", "-S", "-c", help_code(), "--help"],
        "python_site": [sys.executable, "-c", "pass"],
        "script": [*layerscope_command(), "--help"],
    }
    runs_by_case = interleaved_processes(cases, runs)
    seconds = {name: [r.seconds for r in runs] for name, runs in runs_by_case.items()}
    return [
        Result(
            "3. start-up",
            "`layerscope --help` vs `python -c pass`, clean venv",
            median(seconds["venv_help"]),
            median(seconds["venv_python"]),
            TARGET,
            samples={"help": seconds["venv_help"], "python": seconds["venv_python"]},
        ),
        Result(
            "3. start-up",
            "`layerscope summary --help` (one command and the options loaded) vs "
            "`python -c pass`, clean venv",
            median(seconds["venv_command_help"]),
            median(seconds["venv_python"]),
            None,
            samples={"help": seconds["venv_command_help"], "python": seconds["venv_python"]},
        ),
        Result(
            "3. start-up",
            "`layerscope --help` vs `python -c pass`, both `-I -S`",
            median(seconds["help"]),
            median(seconds["python"]),
            None,
            samples={"help": seconds["help"], "python": seconds["python"]},
        ),
        Result(
            "3. start-up",
            "the installed `layerscope --help` vs `python -c pass`, with site (this machine)",
            median(seconds["script"]),
            median(seconds["python_site"]),
            None,
            samples={"script": seconds["script"], "python": seconds["python_site"]},
        ),
    ]


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run()))
