"""The package's shape (issue 13): no import cycle among module-level imports, the report's
data model does not import the renderers, and no module is over 600 lines.

Imports are read from the source with :mod:`ast`, nothing is imported. A module-level import
is one that runs when the module is imported: at the top level or inside a top-level
``try``/``if``/``with``, but not under ``if TYPE_CHECKING:`` and not inside a function or a
class body's methods (those run on demand, as the report's ``to_*`` conveniences do).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layerscope"
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _top_level_imports(node.body)
            yield from _top_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _top_level_imports(block)
            for handler in node.handlers:
                yield from _top_level_imports(handler.body)
        elif isinstance(node, ast.With):
            yield from _top_level_imports(node.body)
        elif isinstance(node, ast.ClassDef):
            yield from _top_level_imports(node.body)  # a class body runs at import


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    drop = node.level - 1 if is_package else node.level
    base = base[: len(base) - drop] if drop else base
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str) -> set[str]:
    """The package modules ``module`` imports when it is imported."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _top_level_imports(tree.body):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            source = _resolve(module, node)
            # ``from layerscope.render import json`` imports the submodule render.json.
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                for alias in node.names
            ]
        found.update(target for target in targets if target in MODULES and target != module)
    return found


GRAPH: dict[str, set[str]] = {module: imports_of(module) for module in MODULES}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan), each given
    as one cycle through it, in import order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_a_cycle(graph, set(component)) for component in components]


def _a_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    start = min(component)
    path = [start]
    seen = {start}
    while True:
        step = sorted(graph[path[-1]] & component)
        back = [target for target in step if target in seen]
        if back:
            return [*path[path.index(back[0]) :], back[0]]
        nxt = next(target for target in step if target not in seen)
        path.append(nxt)
        seen.add(nxt)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


# -- the checker itself, on made-up graphs -------------------------------------------------


def test_the_cycle_finder_finds_a_cycle_and_names_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_the_import_reader_sees_what_runs_at_import_only() -> None:
    # render.json imports the report model at module level...
    assert "layerscope.report" in reachable(GRAPH, "layerscope.render.json")
    # ...and report.py imports render.json only inside ModelReport.to_json (on demand).
    source = MODULES["layerscope.report"].read_text(encoding="utf-8")
    assert "from layerscope.render.json import" in source
    assert "layerscope.render.json" not in GRAPH["layerscope.report"]


# -- the package ------------------------------------------------------------------------------


def test_no_import_cycle_among_module_level_imports() -> None:
    cycles = find_cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_report_model_does_not_import_the_renderers() -> None:
    loaded = reachable(GRAPH, "layerscope.report") | {"layerscope.report"}
    renderers = sorted(m for m in loaded if m.startswith("layerscope.render"))
    assert not renderers, f"importing layerscope.report imports {renderers}"


def _offenders() -> dict[str, int]:
    counts = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in MODULES.values()
    }
    return {name: lines for name, lines in sorted(counts.items()) if lines > MAX_LINES}


def test_no_module_is_over_600_lines() -> None:
    offenders = _offenders()
    assert not offenders, "modules over 600 lines: " + ", ".join(
        f"{name} ({lines})" for name, lines in offenders.items()
    )
