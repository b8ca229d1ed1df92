"""The wheel ships the templates: build it, install it in a fresh venv, render from outside.

The runtime dependencies (TensorFlow, Keras...) are not reinstalled: the fresh venv is given
the *running* environment's site-packages folders explicitly, as plain path lines in a
``.pth`` file placed after its own. That works wherever the suite runs: in a venv (whose base
interpreter may have no Keras at all, so ``--system-site-packages`` would not do), in the base
Python, in CI. Plain path lines do not run the ``.pth`` files inside those folders, so an
editable install of layerscope there cannot leak in. The wheel itself is installed with
``--no-deps --no-index``; the test proves the ``layerscope`` that runs is the wheel's copy
(not this source tree) and that it renders a report, which needs the templates inside the
installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout + result.stderr


def running_site_packages() -> list[str]:
    """The folders this interpreter imports installed packages from (never the source tree)."""
    import site
    import sysconfig

    candidates = [
        *site.getsitepackages(),
        site.getusersitepackages(),
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
        *(p for p in sys.path if p.endswith(("site-packages", "dist-packages"))),
    ]
    folders = []
    for folder in candidates:
        path = Path(folder)
        if path.is_dir() and path.resolve() != ROOT and str(path) not in folders:
            folders.append(str(path))
    return folders


@pytest.mark.slow
def test_wheel_renders_reports_from_outside_the_tree(tmp_path: Path, seed_path: Path) -> None:
    dist = tmp_path / "dist"
    run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        cwd=tmp_path,
    )
    wheels = list(dist.glob("layerscope-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as archive:
        names = set(archive.namelist())
    for template in (
        "base.html",
        "report.html",
        "_layers.html",
        "_diagram.html",
        "_data_fit.html",
        "report.css",
        "report.js",
    ):
        assert f"layerscope/templates/{template}" in names, template
    assert "layerscope/sphinxext.py" in names and "layerscope/render/html.py" in names

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    own_site = (
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=tmp_path,
        )
        .strip()
        .splitlines()[-1]
    )
    (Path(own_site) / "zz_running_environment.pth").write_text(
        "\n".join(running_site_packages()) + "\n", encoding="utf-8"
    )
    run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheels[0])],
        cwd=tmp_path,
    )

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    where = (
        run(
            [str(python), "-c", "import layerscope; print(layerscope.__file__)"],
            cwd=outside,
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    assert where.startswith(str(venv)), where
    assert not where.startswith(str(ROOT))
    templates = (
        run(
            [
                str(python),
                "-c",
                "from layerscope.render.html import default_template_dir as d; print(d())",
            ],
            cwd=outside,
            env=env,
        )
        .strip()
        .splitlines()[-1]
    )
    assert templates.startswith(str(venv)) and templates.endswith("layerscope/templates")

    run(
        [
            str(python),
            "-m",
            "layerscope",
            "report",
            str(seed_path),
            "-o",
            "out.html",
            "--samples",
            "55000",
        ],
        cwd=outside,
        env=env,
    )
    html = (outside / "out.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "316,810" in html and "235,500" in html and "Hidden1" in html and "55,000" in html

    # diff and check from the wheel: their templates and JSON Schemas ship inside it.
    for name in (
        "layerscope/templates/diff.html",
        "layerscope/templates/diff.css",
        "layerscope/templates/_diff_layers.html",
        "layerscope/diff.schema.json",
        "layerscope/check.schema.json",
    ):
        assert name in names, name
    run(
        [
            str(python),
            "-m",
            "layerscope",
            "diff",
            str(seed_path),
            str(seed_path),
            "--format",
            "html",
            "-o",
            "diff.html",
        ],
        cwd=outside,
        env=env,
    )
    assert "ls-diff-unchanged" in (outside / "diff.html").read_text(encoding="utf-8")
    schema = run(
        [
            str(python),
            "-c",
            "from layerscope.render.diff_json import diff_schema; print(diff_schema()['title'])",
        ],
        cwd=outside,
        env=env,
    )
    assert schema.strip().splitlines()[-1] == "layerscope diff"
