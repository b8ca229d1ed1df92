"""The architecture reading of repeated blocks on hand-built reports (no Keras): parallel
towers, the feature pyramid, wrappers read through, runs of nearly equal blocks, and how a
run is named. Written to pin what mutation testing found unpinned; values worked out by hand.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from layerscope.analysis.architecture import (
    _blocks_explanation,
    analyze_architecture,
    block_text,
    find_blocks,
)
from layerscope.analysis.params import compute_totals
from layerscope.report import CapturedModel, Edge, LayerReport, Shape, Variable
from layerscope.results import Architecture, BlockRun

PYRAMID = (
    "Widths grow toward the output while the positions each channel covers shrink "
    "(3,136 -> 784 positions): the feature pyramid of convolutional networks and "
    "hierarchical vision transformers, each stage trading resolution for channels."
)
RECTANGLE = (
    "Every block has the same width (a rectangle), as in a transformer, where each "
    "block keeps the hidden size and widens only inside its feed-forward part."
)


def block(
    path: str,
    class_name: str,
    params: tuple[int, int],
    shape_out: Shape,
    *,
    parent: str | None = None,
    **config: Any,
) -> LayerReport:
    """A custom block row: two kernels (``params`` weights each), no units of its own."""
    variables = tuple(
        Variable(f"kernel_{i}", f"{path}/kernel_{i}", "weight", (count,), "float32", True)
        for i, count in enumerate(params)
    )
    return LayerReport(
        name=path.rsplit("/", 1)[-1],
        path=path,
        depth=path.count("/"),
        class_name=class_name,
        variables=variables,
        input_shapes=(shape_out,),
        output_shapes=(shape_out,),
        parent=parent,
        is_block=True,
        config=config,
    )


def source(path: str, shape: Shape) -> LayerReport:
    return LayerReport(
        name=path, path=path, depth=0, class_name="InputLayer", output_shapes=(shape,)
    )


def model(
    rows: list[LayerReport], edges: list[tuple[str, str]], inputs: tuple[str, ...], output: str
) -> CapturedModel:
    return CapturedModel(
        name="m",
        class_name="Functional",
        layers=tuple(rows),
        edges=tuple(Edge(a, b) for a, b in edges),
        inputs=inputs,
        outputs=(output,),
    )


def read(report: CapturedModel) -> Architecture:
    return analyze_architecture(report, compute_totals(report))


def towers(joined: bool) -> CapturedModel:
    """Two stacks of two blocks: image (width 8) and text (width 4); ``joined`` feeds the
    image stack into the text stack, otherwise each has its own input."""
    rows = [
        source("image", (None, 5, 8)),
        source("text", (None, 5, 4)),
        block("img0", "ImageBlock", (64, 64), (None, 5, 8)),
        block("img1", "ImageBlock", (64, 64), (None, 5, 8)),
        block("txt0", "TextBlock", (16, 16), (None, 5, 4)),
        block("txt1", "TextBlock", (16, 16), (None, 5, 4)),
        LayerReport(name="join", path="join", depth=0, class_name="Concatenate"),
    ]
    edges = [("image", "img0"), ("img0", "img1"), ("txt0", "txt1"), ("txt1", "join")]
    if joined:
        return model(rows, [*edges, ("img1", "txt0")], ("image",), "join")
    return model(rows, [*edges, ("text", "txt0"), ("img1", "join")], ("image", "text"), "join")


def test_two_towers_of_blocks_read_as_parallel_branches() -> None:
    arch = read(towers(joined=False))
    assert [(run.class_name, run.count) for run in arch.blocks] == [
        ("ImageBlock", 2),
        ("TextBlock", 2),
    ]
    assert arch.pattern == "graph"
    assert arch.hidden_widths == (8, 8, 4, 4)
    assert arch.explanation[0] == (
        "4 repeated blocks in parallel branches (2 x ImageBlock (width 8); 2 x TextBlock "
        "(width 4)): each branch (one per input, as in a two-tower image-text model) is its "
        "own stack of blocks, so no width pattern is claimed across them."
    )


def test_one_tower_feeding_the_other_is_a_stack() -> None:
    arch = read(towers(joined=True))
    assert arch.pattern == "funnel"
    assert arch.explanation[:2] == (
        "A stack of 4 repeated blocks (2 x ImageBlock (width 8); 2 x TextBlock (width 4)): "
        "a deep network whose depth is counted in blocks, each holding several layers of "
        "its own.",
        "Widths narrow from input to output (a funnel): many low-level features are combined "
        "into fewer high-level ones, the usual layout.",
    )


def stages(second_width: int) -> CapturedModel:
    """Two stages of two blocks: 56x56 maps of 16 channels, then 28x28 maps of
    ``second_width`` channels."""
    shape_a = (None, 56, 56, 16)
    shape_b = (None, 28, 28, second_width)
    rows = [
        source("inputs", shape_a),
        block("a0", "StageA", (100, 100), shape_a),
        block("a1", "StageA", (100, 100), shape_a),
        block("b0", "StageB", (300, 300), shape_b),
        block("b1", "StageB", (300, 300), shape_b),
    ]
    edges = [("inputs", "a0"), ("a0", "a1"), ("a1", "b0"), ("b0", "b1")]
    return model(rows, edges, ("inputs",), "b1")


def test_widening_blocks_on_shrinking_maps_read_as_a_feature_pyramid() -> None:
    arch = read(stages(32))
    assert arch.pattern == "expanding"
    assert arch.hidden_widths == (16, 16, 32, 32)
    assert arch.explanation[0].startswith("A stack of 4 repeated blocks (2 x StageA (width 16)")
    assert arch.explanation[1] == PYRAMID
    assert len(arch.explanation) == 3  # and the dominant layer
    assert arch.explanation[2].startswith("'b0' holds ")


def test_same_width_blocks_on_shrinking_maps_are_a_rectangle_not_a_pyramid() -> None:
    arch = read(stages(16))
    assert arch.pattern == "rectangle"
    assert arch.explanation[1] == RECTANGLE


def test_blocks_explanation_words_each_case() -> None:
    runs = find_blocks(
        [block(f"e{i}", "Encoder", (10, 10), (None, 3, 6), intermediate_dim=24) for i in range(3)]
    )
    text = "3 x Encoder (width 6, feed-forward 24)"
    assert _blocks_explanation(runs, "rectangle") == [
        f"A stack of 3 repeated blocks ({text}): a deep network whose depth is counted in "
        "blocks, each holding several layers of its own.",
        RECTANGLE,
    ]
    assert _blocks_explanation(runs, "expanding", [3136, 784])[1] == PYRAMID
    assert _blocks_explanation(runs, "mixed") == [
        _blocks_explanation(runs, "rectangle")[0],
        "Widths rise and fall without a single trend (mixed).",
    ]
    assert _blocks_explanation(runs, "graph") == [
        f"3 repeated blocks in parallel branches ({text}): each branch (one per input, as in "
        "a two-tower image-text model) is its own stack of blocks, so no width pattern is "
        "claimed across them."
    ]
    # A pattern with no wording of its own adds nothing after the first line.
    assert len(_blocks_explanation(runs, "none")) == 1


def test_a_wrapper_block_is_read_through_by_the_architecture_reading() -> None:
    """An encoder block holding two blocks and nearly all the parameters: the reading counts
    the two blocks, not the encoder as one layer."""
    rows = [
        source("inputs", (None, 5, 8)),
        LayerReport(
            name="encoder",
            path="encoder",
            depth=0,
            class_name="Encoder",
            variables=tuple(
                Variable(
                    f"k{i}", f"encoder/layer_{i // 2}/k{i % 2}", "weight", (50,), "float32", True
                )
                for i in range(4)
            ),
            output_shapes=((None, 5, 8),),
            is_block=True,
        ),
        block("encoder/layer_0", "Layer", (50, 50), (None, 5, 8), parent="encoder"),
        block("encoder/layer_1", "Layer", (50, 50), (None, 5, 8), parent="encoder"),
    ]
    report = model(rows, [("inputs", "encoder")], ("inputs",), "encoder")
    arch = read(report)
    assert [(run.first, run.count) for run in arch.blocks] == [("encoder/layer_0", 2)]
    assert arch.hidden_names == ("layer_0", "layer_1")
    assert arch.dominant_path == "encoder/layer_0"
    assert arch.dominant_share == 0.5


def nearly(params: tuple[int, int], width: int = 6, inner: int = 24) -> LayerReport:
    return block("e", "Encoder", params, (None, 3, width), intermediate_dim=inner)


def test_blocks_within_five_percent_of_each_other_are_one_run() -> None:
    base = nearly((50, 50))  # 100 parameters

    def runs(other: LayerReport) -> list[int]:
        rows = [base, dataclasses.replace(other, path="f", name="f")]
        return [run.count for run in find_blocks(rows)]

    assert runs(nearly((50, 50))) == [2]
    assert runs(nearly((50, 45))) == [2]  # 95 against 100: 5 = 5% of 100, inclusive
    assert runs(nearly((50, 44))) == []  # 94: more than 5% apart
    assert runs(nearly((50, 48))) == [2]  # 98: 2 apart
    assert runs(nearly((50, 48), width=7)) == []  # another width
    assert runs(nearly((50, 48), inner=25)) == []  # another feed-forward width


def test_a_block_called_twice_is_a_shared_run_of_two() -> None:
    twice = dataclasses.replace(nearly((50, 50)), call_count=2)
    (run,) = find_blocks([twice])
    assert (run.count, run.shared, run.declared) == (2, True, False)


def test_block_text_names_a_nested_run_by_its_last_path_segment() -> None:
    def run(**fields: Any) -> BlockRun:
        return BlockRun(
            "TransformerEncoder", 4, "model/backbone/layer_0", "model/backbone/layer_0",
            None, None, 400, **fields,
        )  # fmt: skip

    assert block_text(run(declared=True)) == (
        "4 x TransformerEncoder in 'layer_0' (num_layers in its config)"
    )
    assert block_text(run(declared=False, shared=True)) == (
        "4 x TransformerEncoder, one layer 'layer_0' called 4 times"
    )
    assert block_text(run(declared=False)) == "4 x TransformerEncoder"


def test_blocks_after_a_nested_model_ending_in_a_shared_block_are_one_stack() -> None:
    """A nested model (embedding, then one block called 3 times on its own output, captured
    with an edge to itself) and 2 blocks after it: one stack, not two parallel towers (the
    self-loop used to hide the nested model's way out)."""
    encoder = LayerReport(
        name="enc",
        path="enc",
        depth=0,
        class_name="Functional",
        is_container=True,
        output_shapes=((None, 5, 8),),
    )
    shared = dataclasses.replace(
        block("enc/shared", "SharedBlock", (50, 50), (None, 5, 8), parent="enc"), call_count=3
    )
    rows = [
        source("inputs", (None, 5, 8)),
        encoder,
        shared,
        block("head0", "HeadBlock", (30, 30), (None, 5, 8)),
        block("head1", "HeadBlock", (30, 30), (None, 5, 8)),
    ]
    edges = [
        ("inputs", "enc"),
        ("enc/shared", "enc/shared"),
        ("enc", "head0"),
        ("head0", "head1"),
    ]
    arch = read(model(rows, edges, ("inputs",), "head1"))
    assert [(run.class_name, run.count, run.shared) for run in arch.blocks] == [
        ("SharedBlock", 3, True),
        ("HeadBlock", 2, False),
    ]
    assert arch.pattern == "rectangle"
    assert arch.explanation[0] == (
        "A stack of 5 repeated blocks (3 x SharedBlock (width 8), one layer 'shared' called "
        "3 times; 2 x HeadBlock (width 8)): a deep network whose depth is counted in blocks, "
        "each holding several layers of its own."
    )
