"""The graph helpers on hand-built reports (no Keras): ``reaches``, ``unwrapped``, ``is_chain``.

Written to pin what mutation testing found unpinned: each case is a row layout the capture
produces (nested models, custom blocks holding blocks), with the answer worked out by hand.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from layerscope.analysis.graph import is_chain, leaves, reaches, unwrapped
from layerscope.report import CapturedModel, Edge, LayerReport, Variable


def r(
    path: str,
    params: int = 0,
    *,
    parent: str | None = None,
    block: bool = False,
    container: bool = False,
    class_name: str = "Dense",
    **config: Any,
) -> LayerReport:
    """A row of ``params`` weights (one vector variable) at ``path``."""
    variables = (
        (Variable("kernel", f"{path}/kernel", "weight", (params,), "float32", True),)
        if params
        else ()
    )
    return LayerReport(
        name=path.rsplit("/", 1)[-1],
        path=path,
        depth=path.count("/"),
        class_name=class_name,
        variables=variables,
        parent=parent,
        is_block=block,
        is_container=container,
        config=config,
    )


def report(
    rows: list[LayerReport],
    edges: list[tuple[str, str]],
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
) -> CapturedModel:
    return CapturedModel(
        name="m",
        class_name="Functional",
        layers=tuple(rows),
        edges=tuple(Edge(a, b) for a, b in edges),
        inputs=inputs,
        outputs=outputs,
    )


def paths(rows: list[LayerReport]) -> list[str]:
    return [row.path for row in rows]


# --- reaches -----------------------------------------------------------------------------


def nested() -> CapturedModel:
    """in -> a -> enc(x -> y) -> b, and c fed by nothing; enc is a nested model."""
    rows = [
        r("in", class_name="InputLayer"),
        r("a", 4),
        r("enc", 6, container=True, class_name="Functional"),
        r("enc/x", 2, parent="enc"),
        r("enc/y", 4, parent="enc"),
        r("b", 3),
        r("c", 3),
    ]
    edges = [("in", "a"), ("a", "enc"), ("enc/x", "enc/y"), ("enc", "b")]
    return report(rows, edges, ("in",), ("b",))


def test_reaches_follows_edges_one_and_several_steps() -> None:
    model = nested()
    assert reaches(model, "in", "a") is True
    assert reaches(model, "in", "b") is True
    assert reaches(model, "a", "b") is True
    assert reaches(model, "enc/x", "enc/y") is True


def test_reaches_is_false_against_the_flow_and_for_an_unlinked_row() -> None:
    model = nested()
    assert reaches(model, "b", "a") is False
    assert reaches(model, "a", "in") is False
    assert reaches(model, "a", "c") is False
    assert reaches(model, "c", "b") is False
    assert reaches(model, "b", "b") is False  # no edge leaves b: not even itself


def test_reaches_enters_a_nested_model_through_its_first_row() -> None:
    model = nested()
    # a -> enc, and enc/x has no incoming edge: it is where data enters enc.
    assert reaches(model, "a", "enc/x") is True
    assert reaches(model, "a", "enc/y") is True
    assert reaches(model, "in", "enc/y") is True


def test_reaches_leaves_a_nested_model_from_its_rows() -> None:
    model = nested()
    # enc/y has no outgoing edge: data leaves enc from it, then enc -> b.
    assert reaches(model, "enc/y", "b") is True
    assert reaches(model, "enc/x", "b") is True
    inner_edge = report(
        [
            r("enc", 2, container=True),
            r("enc/x", 1, parent="enc"),
            r("enc/y", 1, parent="enc"),
            r("b", 1),
        ],
        [("enc/x", "enc/y")],
    )
    # No edge leaves enc: its rows reach enc, but nothing follows enc.
    assert reaches(inner_edge, "enc/x", "b") is False
    assert reaches(inner_edge, "enc/x", "enc") is True
    assert reaches(inner_edge, "enc", "enc/y") is True
    assert reaches(inner_edge, "b", "enc/x") is False


def test_reaches_through_a_nested_model_whose_rows_form_a_cycle() -> None:
    """A shared layer called before and after another inside a nested model (s -> t -> s,
    the second call's output leaving the nested model): no row of the nested model lacks an
    edge in or out, and data still flows in and out of it."""
    rows = [
        r("a", 1),
        r("enc", 2, container=True, class_name="Functional"),
        r("enc/s", 1, parent="enc"),
        r("enc/t", 1, parent="enc"),
        r("b", 1),
    ]
    edges = [("a", "enc"), ("enc/s", "enc/t"), ("enc/t", "enc/s"), ("enc", "b")]
    model = report(rows, edges, ("a",), ("b",))
    assert reaches(model, "enc/s", "b") is True
    assert reaches(model, "enc/t", "b") is True
    assert reaches(model, "a", "enc/t") is True
    assert reaches(model, "b", "enc/s") is False


def test_reaches_ends_on_a_cycle_and_explores_every_branch() -> None:
    # A cycle p -> q -> p and a branch to t found only after the cycle is walked.
    model = report(
        [r("p", 1), r("q", 1), r("s", 1), r("t", 1), r("u", 1)],
        [("p", "q"), ("q", "p"), ("q", "s"), ("s", "t"), ("p", "u")],
    )
    assert reaches(model, "p", "t") is True
    assert reaches(model, "p", "p") is True
    assert reaches(model, "u", "t") is False
    assert reaches(model, "t", "p") is False
    # Deep in a long chain, through rows already seen.
    long_chain = report(
        [r(f"l{i}", 1) for i in range(6)],
        [(f"l{i}", f"l{i + 1}") for i in range(5)] + [("l0", "l2"), ("l1", "l3")],
    )
    assert reaches(long_chain, "l0", "l5") is True
    assert reaches(long_chain, "l3", "l1") is False


# --- unwrapped ---------------------------------------------------------------------------


def wrapper_report(
    inner_blocks: int = 2,
    wrapper_params: int = 90,
    total_extra: int = 10,
    **wrapper_config: Any,
) -> tuple[CapturedModel, int]:
    """emb (``total_extra``) then a block ``enc`` holding ``inner_blocks`` blocks, each with
    one Dense inside, and an Input-free head. Total = wrapper + extra."""
    per_block = wrapper_params // inner_blocks
    rows = [r("emb", total_extra, class_name="Embedding")]
    rows.append(r("enc", wrapper_params, block=True, class_name="Encoder", **wrapper_config))
    for i in range(inner_blocks):
        rows.append(r(f"enc/blk{i}", per_block, parent="enc", block=True, class_name="Layer"))
        rows.append(r(f"enc/blk{i}/dense", per_block, parent=f"enc/blk{i}"))
    return report(rows, []), wrapper_params + total_extra


def test_a_wrapper_holding_two_blocks_and_nine_tenths_is_read_through() -> None:
    model, total = wrapper_report()
    assert total == 100
    layers = leaves(model.layers)
    assert paths(layers) == ["emb", "enc"]
    assert paths(unwrapped(model, layers, total)) == ["emb", "enc/blk0", "enc/blk1"]


def test_the_wrapper_share_is_inclusive_and_needs_two_blocks() -> None:
    model, _ = wrapper_report()
    layers = leaves(model.layers)
    # 90 of 100 is exactly the share: read through; 90 of 101 is not.
    assert paths(unwrapped(model, layers, 100)) == ["emb", "enc/blk0", "enc/blk1"]
    assert paths(unwrapped(model, layers, 101)) == ["emb", "enc"]
    one, total = wrapper_report(inner_blocks=1)
    assert paths(unwrapped(one, leaves(one.layers), total)) == ["emb", "enc"]
    three, total = wrapper_report(inner_blocks=3)
    assert paths(unwrapped(three, leaves(three.layers), total)) == [
        "emb",
        "enc/blk0",
        "enc/blk1",
        "enc/blk2",
    ]


def test_a_small_wrapper_declaring_its_blocks_as_num_layers_is_read_through() -> None:
    model, total = wrapper_report(wrapper_params=40, total_extra=60, num_layers=2)
    layers = leaves(model.layers)
    assert paths(unwrapped(model, layers, total)) == ["emb", "enc/blk0", "enc/blk1"]
    wrong, total = wrapper_report(wrapper_params=40, total_extra=60, num_layers=3)
    assert paths(unwrapped(wrong, leaves(wrong.layers), total)) == ["emb", "enc"]
    small, total = wrapper_report(wrapper_params=40, total_extra=60)
    assert paths(unwrapped(small, leaves(small.layers), total)) == ["emb", "enc"]


def test_only_blocks_directly_inside_count_and_a_non_block_is_kept() -> None:
    # enc holds one block directly, which holds two: enc has 1 direct block -> kept.
    rows = [
        r("enc", 90, block=True, class_name="Encoder"),
        r("enc/stage", 90, parent="enc", block=True, class_name="Stage"),
        r("enc/stage/b0", 45, parent="enc/stage", block=True, class_name="Layer"),
        r("enc/stage/b1", 45, parent="enc/stage", block=True, class_name="Layer"),
    ]
    model = report(rows, [])
    assert paths(unwrapped(model, leaves(model.layers), 90)) == ["enc"]
    # A row that is not a block, over rows that are, stays as it is.
    plain = report(
        [
            r("seq", 90, class_name="Layer"),
            r("seq/b0", 45, parent="seq", block=True, class_name="Layer"),
            r("seq/b1", 45, parent="seq", block=True, class_name="Layer"),
        ],
        [],
    )
    seq_row = plain.layers[0]
    assert paths(unwrapped(plain, [seq_row], 90)) == ["seq"]
    # Sub-layers are matched by path prefix plus "/": "encx" is not inside "enc".
    neighbours = report(
        [
            r("enc", 90, block=True, class_name="Encoder"),
            r("enc/b0", 90, parent="enc", block=True, class_name="Layer"),
            r("encx", 10, block=True, class_name="Layer", parent="enc"),
        ],
        [],
    )
    # Only enc/b0 is below "enc/": encx, though its parent field says enc, is not counted.
    assert paths(unwrapped(neighbours, [neighbours.layers[0]], 100)) == ["enc"]


def test_a_wrapper_inside_a_wrapper_is_read_through_too() -> None:
    rows = [
        r("emb", 4, class_name="Embedding"),
        r("outer", 96, block=True, class_name="Outer"),
        r("outer/inner", 92, parent="outer", block=True, class_name="Inner"),
        r("outer/inner/b0", 46, parent="outer/inner", block=True, class_name="Layer"),
        r("outer/inner/b1", 46, parent="outer/inner", block=True, class_name="Layer"),
        r("outer/side", 4, parent="outer", block=True, class_name="Layer"),
        r("head", 0),
    ]
    model = report(rows, [])
    layers = leaves(model.layers)
    assert paths(layers) == ["emb", "outer", "head"]
    assert paths(unwrapped(model, layers, 100)) == [
        "emb",
        "outer/inner/b0",
        "outer/inner/b1",
        "outer/side",
        "head",
    ]


# --- is_chain ----------------------------------------------------------------------------


def test_is_chain_on_chains_branches_and_shared_layers() -> None:
    linear = report([r("a", 1), r("b", 1), r("c", 1)], [("a", "b"), ("b", "c")], ("a",), ("c",))
    assert is_chain(linear) is True
    two_in = report([r("a", 1), r("b", 1)], [("a", "b")], ("a", "b"), ("b",))
    assert is_chain(two_in) is False
    two_out = report([r("a", 1), r("b", 1)], [("a", "b")], ("a",), ("a", "b"))
    assert is_chain(two_out) is False
    fan_out = report([r("a", 1), r("b", 1), r("c", 1)], [("a", "b"), ("a", "c")], ("a",), ("c",))
    assert is_chain(fan_out) is False
    shared = report(
        [r("a", 1), dataclasses.replace(r("b", 1), call_count=2)], [("a", "b")], ("a",), ("b",)
    )
    assert is_chain(shared) is False
    # Two unlinked rows: two sources.
    apart = report([r("a", 1), r("b", 1)], [], ("a",), ("b",))
    assert is_chain(apart) is False
    # One row alone is a chain.
    assert is_chain(report([r("a", 1)], [], ("a",), ("a",))) is True


def test_is_chain_reads_inside_a_nested_model() -> None:
    rows = [
        r("a", 1),
        r("enc", 2, container=True, class_name="Functional"),
        r("enc/x", 1, parent="enc"),
        r("enc/y", 1, parent="enc"),
        r("b", 1),
    ]
    chain_edges = [("a", "enc"), ("enc/x", "enc/y"), ("enc", "b")]
    assert is_chain(report(rows, chain_edges, ("a",), ("b",))) is True
    # Inside the nested model, x and y unlinked: two sources there.
    split = [("a", "enc"), ("enc", "b")]
    assert is_chain(report(rows, split, ("a",), ("b",))) is False


def test_a_shared_layer_fed_its_own_output_is_still_a_way_in_and_out() -> None:
    """ALBERT's shared block is captured with an edge to itself: inside a nested model, data
    still enters and leaves the row."""
    rows = [
        r("a", 1),
        r("enc", 2, container=True, class_name="Functional"),
        r("enc/shared", 2, parent="enc"),
        r("b", 1),
    ]
    edges = [("a", "enc"), ("enc/shared", "enc/shared"), ("enc", "b")]
    model = report(rows, edges, ("a",), ("b",))
    assert reaches(model, "enc/shared", "b") is True
    assert reaches(model, "a", "enc/shared") is True
    assert reaches(model, "b", "enc/shared") is False
