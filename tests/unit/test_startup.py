"""``layerscope --help`` starts light: click, layerscope.cli and the two stdlib-only modules
that define the option values (issue 17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
before = set(sys.modules)
import click
after_click = set(sys.modules)
from layerscope.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(set(sys.modules) - after_click)))
"""


def test_help_imports_nothing_but_click_and_the_cli() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    added = json.loads(result.stdout.strip().splitlines()[-1])
    ours = [name for name in added if name.split(".")[0] == "layerscope"]
    # the CLI's own module, the two stdlib-only modules defining the option values, and the
    # stdlib-only progress module whose signal handlers must be in place before any work
    assert ours == [
        "layerscope",
        "layerscope.cli",
        "layerscope.errors",
        "layerscope.options",
        "layerscope.progress",
    ]
    heavy = {
        "jinja2",
        "rich",
        "numpy",
        "h5py",
        "keras",
        "tensorflow",
        "graphviz",
        "pydot",
        "traceback",
        "zipfile",
    }
    assert not heavy & {name.split(".")[0] for name in added}, heavy & set(added)


def test_package_names_load_on_first_use() -> None:
    import layerscope

    assert layerscope.analyze.__module__ == "layerscope.api"
    assert layerscope.ModelReport.__module__ == "layerscope.report"
    assert layerscope.UsageError.__module__ == "layerscope.errors"
    assert set(layerscope.__all__) <= set(dir(layerscope))
    try:
        layerscope.nonexistent  # noqa: B018
    except AttributeError as error:
        assert "nonexistent" in str(error)
    else:
        raise AssertionError("no AttributeError")
