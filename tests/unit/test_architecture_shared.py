"""One block called many times with shared weights (ALBERT): read as a stack of blocks."""

from __future__ import annotations

import dataclasses

from layerscope.analysis import run_analyses
from layerscope.analysis.architecture import block_text, find_blocks
from layerscope.report import CapturedModel, Edge, LayerReport
from layerscope.results import BlockRun

from .test_architecture_reading import row


def _shared_block(calls: int) -> LayerReport:
    block = row(
        "group_0_inner_layer_0",
        "TransformerEncoder",
        [(8, 8)] * 4,
        (None, 5, 8),
        (None, 5, 8),
        intermediate_dim=32,
    )
    return dataclasses.replace(block, call_count=calls, inbound=("embedding",) * calls)


def test_a_block_called_twelve_times_is_a_run_of_twelve_sharing_one_row() -> None:
    (run,) = find_blocks([_shared_block(12)])
    assert run == BlockRun(
        "TransformerEncoder",
        12,
        "group_0_inner_layer_0",
        "group_0_inner_layer_0",
        8,
        32,
        4 * 64,
        False,
        shared=True,
    )
    assert block_text(run) == (
        "12 x TransformerEncoder (width 8, feed-forward 32), one layer "
        "'group_0_inner_layer_0' called 12 times"
    )
    assert find_blocks([_shared_block(1)]) == ()


def test_albert_like_graph_reads_as_a_stack_of_shared_blocks() -> None:
    embedding = row("embedding", "Dense", [(4, 8)], (None, 5, 4), (None, 5, 8), units=8)
    block = _shared_block(12)
    head = row("pooled_dense", "Dense", [(8, 8)], (None, 8), (None, 8), units=8)
    graph = CapturedModel(
        name="albert",
        class_name="Functional",
        layers=(embedding, block, head),
        edges=(
            Edge("embedding", block.path),
            Edge(block.path, block.path),
            Edge(block.path, "pooled_dense"),
        ),
        inputs=("embedding",),
        outputs=("pooled_dense",),
    )
    arch = run_analyses(graph).architecture
    assert arch.blocks[0].shared and arch.hidden_layers == 12
    assert arch.pattern == "rectangle" and arch.depth_class == "deep"
    assert arch.hidden_names[:2] == ("group_0_inner_layer_0 1", "group_0_inner_layer_0 2")
    assert arch.explanation[0].startswith(
        "A stack of 12 repeated blocks (12 x TransformerEncoder (width 8, feed-forward 32), "
        "one layer 'group_0_inner_layer_0' called 12 times)"
    )
