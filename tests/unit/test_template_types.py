"""A typo in a template fails a test (issue 13), in every branch of every template.

StrictUndefined turns a misspelt attribute into an error only when the line renders, and a
typo under ``{% if architecture.stages %}`` or in the weights section renders for few
models. So each shipped template is also read statically: the context ``render_html`` and
``render_diff_html`` really pass is captured, and every ``a.b.c`` the templates read is
checked against the typed results (dataclass fields, properties), following ``for``
loops into element types, ``with``/``set`` bindings and ``include``/``extends`` with the
includer's bindings. A name whose type is not known (a loop over a dict's items, a macro
argument) is not checked; everything the typed results reach is.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pytest
from jinja2 import nodes

from layerscope.analysis import run_analyses
from layerscope.diffing import diff_reports
from layerscope.render.diff_html import render_diff_html
from layerscope.render.html import default_template_dir, environment, render_html
from layerscope.report import CapturedModel, LayerReport, ModelReport, Variable
from layerscope.weights.health import check_health
from layerscope.weights.stats import array_blocks, tensor_stats

from .handmade import chain, dense

TEMPLATES = default_template_dir()

# -- the context the renderers really pass ----------------------------------------------------


class Unknown:
    """A value whose type the checker does not follow (any attribute is accepted)."""


UNKNOWN: Any = Unknown


def _runtime_type(value: Any) -> Any:
    """A captured context value as a type the checker can follow."""
    if value is None:
        return UNKNOWN
    if isinstance(value, list | tuple) and not isinstance(value, str):
        if value and not _is_namedtuple(value):
            return list[_runtime_type(value[0])]  # type: ignore[misc]
        return UNKNOWN
    if isinstance(value, Mapping):
        items = list(value.values())
        return dict[str, _runtime_type(items[0])] if items else UNKNOWN  # type: ignore[misc]
    return type(value)


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


Context = tuple[dict[str, Any], dict[str, Any]]
"""Each context name's type, and its value in the first render."""


def _merge(contexts: Sequence[Mapping[str, Any]]) -> Context:
    """Each name's type from the first context where it is not None (or empty)."""
    merged: dict[str, Any] = {}
    for context in contexts:
        for name, value in context.items():
            kind = _runtime_type(value)
            if merged.get(name, UNKNOWN) is UNKNOWN:
                merged[name] = kind
    return merged, dict(contexts[0])


def _captured(render: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    original = jinja2.Template.render

    def spy(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        seen.append(dict(*args, **kwargs))
        return original(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(jinja2.Template, "render", spy)
        render()
    return seen


def _with_weights() -> ModelReport:
    rng = np.random.default_rng(0)

    def variable(path: str, array: np.ndarray, role: str) -> Variable:
        stats = tensor_stats(array_blocks(array), tuple(array.shape), per_unit=True)
        return Variable(
            path.rsplit("/", 1)[-1], path, role, tuple(array.shape), "float32", True, stats=stats
        )  # type: ignore[arg-type]

    kernel = rng.uniform(-1, 1, (8, 4)).astype(np.float32)
    bias = np.array([0.1, np.nan, 0.0, 0.2], np.float32)
    row = LayerReport(
        name="d",
        path="d",
        depth=0,
        class_name="Dense",
        variables=(variable("d/kernel", kernel, "weight"), variable("d/bias", bias, "bias")),
        config={"units": 4},
    )
    report = run_analyses(CapturedModel(name="m", class_name="Sequential", layers=(row,)))
    return dataclasses.replace(report, weight_health=check_health(report))


@pytest.fixture(scope="module")
def report_context() -> Context:
    patch = pytest.MonkeyPatch()
    try:
        mlp = chain([dense("d1", 784, 300), dense("d2", 300, 10, previous="d1")], name="mlp")
        contexts = [
            *_captured(lambda: render_html(run_analyses(mlp, training_samples=1000)), patch),
            *_captured(lambda: render_html(_with_weights()), patch),
        ]
    finally:
        patch.undo()
    assert contexts, "render_html rendered no template"
    return _merge(contexts)


@pytest.fixture(scope="module")
def diff_context() -> Context:
    a = run_analyses(chain([dense("d1", 20, 8), dense("d2", 8, 3, previous="d1")]))
    b = run_analyses(chain([dense("d1", 20, 16), dense("d3", 16, 3, previous="d1")]))
    patch = pytest.MonkeyPatch()
    try:
        contexts = _captured(lambda: render_diff_html(diff_reports(a, b)), patch)
    finally:
        patch.undo()
    assert contexts, "render_diff_html rendered no template"
    return _merge(contexts)


# -- following types --------------------------------------------------------------------------


def _hints(owner: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(owner)
    except Exception:  # noqa: BLE001 - a hint naming a TYPE_CHECKING-only import
        return {name: UNKNOWN for name in getattr(owner, "__annotations__", {})}


def _annotated(cls: type) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is not object and "__annotations__" in vars(klass):
            merged.update(_hints(klass))
    return merged


def _strip_none(kind: Any) -> Any:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return options[0] if len(options) == 1 else UNKNOWN
    return kind


class Missing(Exception):
    pass


def attribute(kind: Any, name: str) -> Any:
    """The type of ``value.name`` for a value of ``kind``; ``Missing`` if it has none."""
    kind = _strip_none(kind)
    if kind is UNKNOWN or kind is Any:
        return UNKNOWN
    origin = typing.get_origin(kind)
    if origin is not None:
        if isinstance(origin, type) and issubclass(origin, Mapping):
            args = typing.get_args(kind)
            return args[1] if len(args) == 2 else UNKNOWN  # jinja falls back to value[name]
        if isinstance(origin, type) and not hasattr(origin, name):
            raise Missing(f"{kind} has no attribute {name!r}")
        return UNKNOWN
    if not isinstance(kind, type):
        return UNKNOWN
    if issubclass(kind, Mapping) or "__getattr__" in {
        n for klass in kind.__mro__ if klass is not object for n in vars(klass)
    }:
        return UNKNOWN
    hints = _annotated(kind)
    if name in hints:
        return hints[name]
    if hasattr(kind, name):
        member = getattr(kind, name)
        if isinstance(member, property) and member.fget is not None:
            return _hints(member.fget).get("return", UNKNOWN)
        return UNKNOWN
    raise Missing(f"{kind.__qualname__} has no attribute {name!r}")


def element(kind: Any) -> Any:
    """What iterating a value of ``kind`` gives."""
    kind = _strip_none(kind)
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    if isinstance(origin, type) and issubclass(origin, Mapping) and args:
        return args[0]
    if (
        isinstance(origin, type)
        and issubclass(origin, Iterable)
        and origin is not tuple
        and len(args) == 1
    ):
        return args[0]
    return UNKNOWN


def _unpacked(kind: Any, count: int) -> list[Any]:
    args = typing.get_args(_strip_none(kind))
    if (
        typing.get_origin(_strip_none(kind)) is tuple
        and len(args) == count
        and Ellipsis not in args
    ):
        return list(args)
    return [UNKNOWN] * count


# -- the template walker --------------------------------------------------------------------


class Checker:
    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.errors: list[str] = []
        self.visited: set[str] = set()
        self._stack: list[str] = []

    def template(self, name: str, scope: dict[str, Any]) -> None:
        name = name.removeprefix("default:")
        if name in self._stack:
            return
        self.visited.add(name)
        source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        self._stack.append(name)
        try:
            self.statements(self.env.parse(source, name=name).body, dict(scope))
        finally:
            self._stack.pop()

    def statements(self, body: Sequence[nodes.Node], scope: dict[str, Any]) -> None:
        for node in body:
            self.statement(node, scope)

    def _bind(self, target: nodes.Node, kind: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = kind
        elif isinstance(target, nodes.Tuple):
            for item, part in zip(target.items, _unpacked(kind, len(target.items)), strict=True):
                self._bind(item, part, scope)

    def statement(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            kind = element(self.expr(node.iter, scope))
            inner = {**scope, "loop": jinja2.runtime.LoopContext}
            self._bind(node.target, kind, inner)
            known = _values(node.iter, scope)
            if known is not None and isinstance(node.target, nodes.Name):
                inner[VALUES + node.target.name] = known
            if node.test is not None:
                self.expr(node.test, inner)
            self.statements(node.body, inner)
            self.statements(node.else_, dict(scope))
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                self._bind(target, self.expr(value, scope), inner)
            self.statements(node.body, inner)
        elif isinstance(node, nodes.Assign):
            self._bind(node.target, self.expr(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self.statements(node.body, dict(scope))
            self._bind(node.target, UNKNOWN, scope)
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = UNKNOWN
            inner.update(caller=UNKNOWN, varargs=UNKNOWN, kwargs=UNKNOWN)
            for default in node.defaults:
                self.expr(default, scope)
            if isinstance(node, nodes.CallBlock):
                self.expr(node.call, scope)
            else:
                scope[node.name] = UNKNOWN
            self.statements(node.body, inner)
        elif isinstance(node, nodes.Include | nodes.Extends):
            self.expr(node.template, scope)
            for name in self.names(node.template, scope):
                self.template(name, scope)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope)
            self.statements(node.body, scope)
            for branch in node.elif_:
                self.statement(branch, scope)
            self.statements(node.else_, scope)
        elif isinstance(node, nodes.Expr):
            self.expr(node, scope)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope)
                else:
                    self.statement(child, scope)

    def names(self, node: nodes.Node, scope: dict[str, Any]) -> list[str]:
        """The template names an ``include``/``extends`` expression can take: a constant,
        or ``"_" ~ section ~ ".html"`` over a loop whose values the context gives."""
        if isinstance(node, nodes.Const) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, nodes.Concat | nodes.Add):
            parts = node.nodes if isinstance(node, nodes.Concat) else [node.left, node.right]
            names = [""]
            for part in parts:
                options = self.names(part, scope) or (_values(part, scope) or [])
                names = [name + option for name in names for option in options]
            return names
        return []

    def expr(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        if isinstance(node, nodes.Name):
            return scope.get(node.name, UNKNOWN)
        if isinstance(node, nodes.Getattr):
            base = self.expr(node.node, scope)
            return self._attribute(base, node.attr, node)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, scope)
            self.expr(node.arg, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self._attribute(base, node.arg.value, node)
            return element(base) if typing.get_origin(_strip_none(base)) is list else UNKNOWN
        if isinstance(node, nodes.Tuple | nodes.List):
            # ``{% for side in (row.a, row.b) %}``: items of one type iterate as that type.
            items = {_strip_none(self.expr(item, scope)) for item in node.items}
            if len(items) == 1 and UNKNOWN not in items:
                return list[items.pop()]  # type: ignore[misc]
            return UNKNOWN
        for child in node.iter_child_nodes():
            self.expr(child, scope)
        return UNKNOWN

    def _attribute(self, base: Any, name: str, node: nodes.Node) -> Any:
        try:
            return attribute(base, name)
        except Missing as error:
            self.errors.append(f"{self._stack[-1]}:{node.lineno}: {error}")
            return UNKNOWN


VALUES = "#values:"
"""Scope key prefix: the string values a name takes (a loop over the context's sections)."""


def _values(node: nodes.Node, scope: Mapping[str, Any]) -> list[str] | None:
    if isinstance(node, nodes.Name):
        known = scope.get(VALUES + node.name)
        return list(known) if known is not None else None
    return None


def check(
    context: Context,
    root: str,
    env: jinja2.Environment | None = None,
) -> Checker:
    """Check ``root`` and what it includes against ``context`` (types, raw values)."""
    kinds, raw = context
    scope = dict(kinds)
    for name, value in raw.items():
        if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
            scope[VALUES + name] = tuple(value)
    checker = Checker(env or environment(None))
    checker.template(root, scope)
    return checker


def _shipped_templates() -> set[str]:
    return {path.name for path in TEMPLATES.glob("*.html")}


# -- the checker on planted typos -----------------------------------------------------------


def _planted(tmp_path: Path, name: str, addition: str) -> jinja2.Environment:
    """The shipped templates, with ``addition`` appended to a copy of ``name``."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    (tmp_path / name).write_text(source + addition, encoding="utf-8")
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(tmp_path)), jinja2.FileSystemLoader(str(TEMPLATES))]
        )
    )


def test_a_planted_typo_in_the_data_fit_section_is_found(
    report_context: Context, tmp_path: Path
) -> None:
    env = _planted(tmp_path, "_data_fit.html", "<p>{{ data_fit.params_per_sampel }}</p>\n")
    errors = check(report_context, "report.html", env).errors
    assert len(errors) == 1 and "DataFit has no attribute 'params_per_sampel'" in errors[0]
    assert errors[0].startswith("_data_fit.html:")
    # ...and the same line spelt right is accepted.
    env = _planted(tmp_path, "_data_fit.html", "<p>{{ data_fit.params_per_sample }}</p>\n")
    assert check(report_context, "report.html", env).errors == []


def test_a_typo_inside_a_loop_and_a_rare_branch_is_found(
    report_context: Context, tmp_path: Path
) -> None:
    # A contribution's field, read only inside a loop, under a branch no test model takes.
    planted = (
        "{% for item in data_fit.contributions %}{% if item.share > 2 %}"
        "{{ item.params_per_sampel }}{% endif %}{% endfor %}\n"
    )
    errors = check(report_context, "report.html", _planted(tmp_path, "_cost.html", planted)).errors
    assert len(errors) == 1 and "Contribution has no attribute 'params_per_sampel'" in errors[0]


def test_the_type_follower() -> None:
    @dataclasses.dataclass(frozen=True)
    class Leaf:
        value: int

        @property
        def double(self) -> int:
            return 2 * self.value

    @dataclasses.dataclass(frozen=True)
    class Tree:
        leaves: tuple[Leaf, ...]
        best: Leaf | None = None

    hints = {"Leaf": Leaf}
    leaves = typing.get_type_hints(Tree, localns=hints)["leaves"]
    assert element(leaves) is Leaf
    assert attribute(Leaf, "double") is int
    with pytest.raises(Missing, match="no attribute 'valeu'"):
        attribute(Leaf, "valeu")
    assert attribute(dict[str, Leaf], "anything") is Leaf
    assert attribute(UNKNOWN, "anything") is UNKNOWN


# -- the shipped templates --------------------------------------------------------------------


def test_the_report_context_is_typed(report_context: Context) -> None:
    # What the report templates read is typed objects, not loose dicts.
    from layerscope.results import Architecture, Cost, DataFit, Memory

    kinds, _ = report_context
    assert kinds["data_fit"] is DataFit
    assert kinds["architecture"] is Architecture
    assert kinds["cost"] is Cost
    assert kinds["memory"] is Memory
    assert kinds["report"] is ModelReport


def test_every_attribute_the_report_templates_read_exists(
    report_context: Context,
) -> None:
    checker = check(report_context, "report.html")
    assert not checker.errors, "\n".join(checker.errors)


def test_every_attribute_the_diff_templates_read_exists(diff_context: Context) -> None:
    checker = check(diff_context, "diff.html")
    assert not checker.errors, "\n".join(checker.errors)


def test_every_shipped_template_is_checked(report_context: Context, diff_context: Context) -> None:
    visited = (
        check(report_context, "report.html").visited | check(diff_context, "diff.html").visited
    )
    assert _shipped_templates() <= visited, sorted(_shipped_templates() - visited)
