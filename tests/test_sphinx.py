"""The Sphinx extension: a tiny documentation project built with sphinx.cmd.build."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sphinx  # noqa: F401 - a declared test dependency: a broken install fails, never skips


def build(source: Path, out: Path) -> tuple[int, str]:
    """Build ``source`` to HTML; return the exit status and the warnings."""
    from sphinx.cmd.build import build_main

    warnings = out.parent / "warnings.txt"
    status = build_main(["-b", "html", "-q", "-E", "-w", str(warnings), str(source), str(out)])
    return status, warnings.read_text(encoding="utf-8") if warnings.exists() else ""


@pytest.fixture
def project(tmp_path: Path, seed_path: Path) -> Path:
    source = tmp_path / "docs"
    (source / "models").mkdir(parents=True)
    (source / "guide").mkdir()
    shutil.copy(seed_path, source / "models" / "mnist_mlp.keras")
    (source / "conf.py").write_text(
        'project = "demo"\nextensions = ["layerscope.sphinxext"]\nhtml_theme = "alabaster"\n',
        encoding="utf-8",
    )
    (source / "index.rst").write_text(
        "Demo\n====\n\n"
        ".. toctree::\n\n   guide/page\n\n"
        "The seed model, trained on 55,000 images:\n\n"
        ".. layerscope:: models/mnist_mlp.keras\n"
        "   :samples: 55000\n"
        "   :title: The seed MLP\n\n"
        "Only its table:\n\n"
        ".. layerscope:: models/mnist_mlp.keras\n"
        "   :sections: header, layers\n",
        encoding="utf-8",
    )
    (source / "guide" / "page.rst").write_text(
        "Guide\n=====\n\n.. layerscope:: ../models/mnist_mlp.keras\n   :theme: dark\n\n"
        ".. layerscope:: /models/mnist_mlp.keras\n   :sections: charts\n",
        encoding="utf-8",
    )
    return source


def test_directive_embeds_the_report(project: Path, tmp_path: Path) -> None:
    status, warnings = build(project, tmp_path / "html")
    assert status == 0 and warnings == "", warnings
    index = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "316,810" in index and "235,500" in index and "Hidden1" in index
    assert ">The seed MLP</h2>" in index
    assert "55,000" in index and ">Data fit</h3>" in index
    roots = re.findall(r'<div class="layerscope ls-fragment" id="(ls-[0-9a-f]+)"', index)
    assert len(roots) == 2 and roots[0] != roots[1]
    # The second directive asked for the header and the table only.
    second = index[index.index(roots[1]) :]
    assert 'class="ls-diagram-svg"' not in second and ">Charts</h3>" not in second
    page = (tmp_path / "html" / "guide" / "page.html").read_text(encoding="utf-8")
    assert 'data-theme="dark"' in page and "316,810" in page
    assert 'class="ls-chart"' in page


def test_directive_errors_are_reported(tmp_path: Path) -> None:
    source = tmp_path / "docs"
    source.mkdir()
    (source / "conf.py").write_text('extensions = ["layerscope.sphinxext"]\n', encoding="utf-8")
    (source / "index.rst").write_text(
        "Demo\n====\n\n.. layerscope:: missing.keras\n\n"
        ".. layerscope:: missing.keras\n   :samples: -3\n\n"
        ".. layerscope:: missing.keras\n   :sections: header,diagrams\n",
        encoding="utf-8",
    )
    status, warnings = build(source, tmp_path / "html")
    assert status == 0
    assert "layerscope: missing.keras:" in warnings
    assert "must be a positive integer; got '-3'" in warnings
    assert "sections must be a comma list of" in warnings
    assert len(re.findall(r"(ERROR|WARNING)", warnings)) == 3, warnings
