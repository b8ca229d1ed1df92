"""An input row whose config names its dtype as a policy mapping (a .keras file's serialised
DTypePolicy) costs 4 bytes per value, like float32, instead of failing (no Keras)."""

from __future__ import annotations

from layerscope.analysis.memory import compute_memory
from layerscope.analysis.params import compute_totals
from layerscope.report import CapturedModel, Edge, LayerReport

from .handmade import dense


def test_an_input_dtype_given_as_a_mapping_counts_as_float32() -> None:
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float16"}}
    source = LayerReport(
        name="inputs",
        path="inputs",
        depth=0,
        class_name="InputLayer",
        output_shapes=((None, 6),),
        config={"name": "inputs", "dtype": policy},
    )
    report = CapturedModel(
        name="m",
        class_name="Functional",
        layers=(source, dense("d", 6, 2, previous="inputs")),
        edges=(Edge("inputs", "d"),),
        inputs=("inputs",),
        outputs=("d",),
    )
    memory = compute_memory(report, compute_totals(report))
    assert memory.input_bytes_per_sample == 6 * 4
