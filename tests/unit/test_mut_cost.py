"""The cost walk's per-call arithmetic on hand-built rows (no Keras): calls on several rows
(Swin's windows), a sub-layer never called, and a product traced at a fixed batch. Written to
pin what mutation testing found unpinned; values worked out by hand."""

from __future__ import annotations

import dataclasses

from layerscope.analysis.cost import compute_cost, op_macs
from layerscope.report import LayerCall, OpCall

from .handmade import chain, dense

WINDOW = (None, 49, 96)


def test_a_call_on_64_windows_costs_and_outputs_64_times_one_window() -> None:
    # Dense 96 -> 96 on 49 tokens: 49 x 96 x 96 = 451,584 MACs per window, 64 windows.
    row = dataclasses.replace(
        dense("attn_dense", 96, 96),
        input_shapes=(WINDOW,),
        output_shapes=(WINDOW,),
        calls=(LayerCall((WINDOW,), (WINDOW,), rows=64),),
    )
    model, cost = compute_cost(chain([row]))
    assert model.layers[0].macs == 451_584 * 64 == 28_901_376
    assert model.layers[0].activation_elements == 49 * 96 * 64 == 301_056
    assert cost.macs == 28_901_376


def test_a_layer_never_called_costs_nothing_and_is_not_uncounted() -> None:
    first = dense("first", 4, 3)  # 12 MACs
    never = dataclasses.replace(dense("never", 3, 2, previous="first"), call_count=0)
    model, cost = compute_cost(chain([first, never]))
    assert [row.macs for row in model.layers] == [12, 0]
    assert cost.macs == 12
    assert cost.complete is True
    assert cost.uncounted == ()


def test_a_product_traced_at_batch_8_is_priced_per_sample_in_whole_macs() -> None:
    # (4, 3) @ (3, 5): 60 MACs for the batch of 8, 60 // 8 = 7 per sample.
    macs = op_macs(OpCall("matmul", ((4, 3), (3, 5)), batch=8))
    assert macs == 7
    assert isinstance(macs, int)
    assert op_macs(OpCall("matmul", ((4, 3), (3, 5)))) == 60
