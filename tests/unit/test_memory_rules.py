"""The memory estimate's rules on hand-built reports: optimizer slots, compute dtypes under
mixed precision, input dtypes, the peak and the unknown-length rows (issue 17's mutation run
found these unpinned by the fast tier)."""

from __future__ import annotations

import dataclasses

import pytest

from layerscope.analysis import run_analyses
from layerscope.analysis.memory import compute_dtype, optimizer_slots
from layerscope.errors import UsageError
from layerscope.report import CapturedModel, Edge, LayerReport

from .handmade import chain, dense, plain


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("adam", ("adam", 2)),
        (" Adam ", ("adam", 2)),
        ("AdamW", ("adamw", 2)),
        ("nadam", ("nadam", 2)),
        ("adamax", ("adamax", 2)),
        ("adadelta", ("adadelta", 2)),
        ("ftrl", ("ftrl", 2)),
        ("RMSprop", ("rmsprop", 1)),
        ("adagrad", ("adagrad", 1)),
        ("lion", ("lion", 1)),
        ("SGD-Momentum", ("sgd_momentum", 1)),
        ("sgd momentum", ("sgd_momentum", 1)),
        ("momentum", ("momentum", 1)),
        ("SGD", ("sgd", 0)),
        ("none", ("none", 0)),
    ],
)
def test_optimizer_slots(name: str, expected: tuple[str, int]) -> None:
    assert optimizer_slots(name) == expected


def test_optimizer_errors_quote_the_value() -> None:
    with pytest.raises(UsageError) as unknown:
        optimizer_slots("adamm")
    assert str(unknown.value) == (
        "optimizer must be one of adadelta, adagrad, adam, adamax, adamw, ftrl, lion, "
        "momentum, nadam, none, rmsprop, sgd, sgd_momentum; got 'adamm'"
    )
    with pytest.raises(UsageError) as not_a_name:
        optimizer_slots(2)  # type: ignore[arg-type]
    assert str(not_a_name.value) == "optimizer must be a name such as 'adam'; got 2"


@pytest.mark.parametrize(
    ("policy", "dtype"),
    [
        (None, "float32"),
        ("", "float32"),
        ("float32", "float32"),
        ("float64", "float64"),
        ("bfloat16", "bfloat16"),
        ("mixed_float16", "float16"),
        ("mixed_bfloat16", "bfloat16"),
        ("int8_from_mixed_bfloat16", "bfloat16"),
        ("int8_from_float16", "float16"),
        ("a_from_b_from_float16", "float16"),  # the last "_from_" part names the dtype
        ("int8", "float32"),
        ("mixed_int8", "float32"),
        ("xmixed_float16", "float32"),
    ],
)
def test_compute_dtype(policy: str | None, dtype: str) -> None:
    assert compute_dtype(policy) == dtype


def _input(name: str, shape: tuple[int | None, ...], dtype: str | None) -> LayerReport:
    config = {"name": name} if dtype is None else {"name": name, "dtype": dtype}
    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name="InputLayer",
        output_shapes=(shape,),
        config=config,
    )


def mixed_model() -> CapturedModel:
    """uint8 input (8) -> Dense(16) in mixed_float16 -> ReLU (float32) -> frozen Dense(4)."""
    first = dataclasses.replace(dense("d1", 8, 16, previous="input"), dtype_policy="mixed_float16")
    rows = [
        _input("input", (None, 8), "uint8"),
        first,
        plain("relu", "ReLU", (None, 16), "d1"),
        dense("d2", 16, 4, trainable=False, previous="relu"),
    ]
    return chain(rows)


def test_mixed_precision_memory_figures() -> None:
    memory = run_analyses(mixed_model(), batch_size=3, optimizer="rmsprop").memory
    assert memory is not None
    # d1: 8*16 + 16 = 144 params, d2: 16*4 + 4 = 68 (frozen); all stored in float32
    assert memory.parameter_bytes == (144 + 68) * 4 == 848
    assert memory.parameter_bytes_by_dtype == {"float32": 848}
    assert memory.trainable_bytes == memory.gradient_bytes == 144 * 4 == 576
    assert (memory.optimizer, memory.optimizer_slots, memory.optimizer_bytes) == ("rmsprop", 1, 576)
    assert memory.input_bytes_per_sample == 8  # uint8
    # d1's 16 outputs in float16 (32 B), relu's 16 in float32 (64 B), d2's 4 in float32 (16 B)
    assert memory.activation_bytes_per_sample == 8 + 32 + 64 + 16 == 120
    assert memory.activation_dtypes == ("float16", "float32")
    assert memory.batch_size == 3
    assert memory.forward_bytes == 360
    assert memory.training_activation_bytes == 720
    # the largest input + output: relu's 16 + 16 float32 elements, times the batch
    assert memory.inference_peak_bytes == (16 + 16) * 4 * 3 == 384
    assert memory.training_total_bytes == 848 + 576 + 576 + 720 == 2720
    assert memory.activation_unknown_dims == ()


def test_default_input_dtype_and_adam() -> None:
    rows = [_input("input", (None, 8), None), dense("d1", 8, 16, previous="input")]
    memory = run_analyses(chain(rows)).memory
    assert memory is not None
    assert memory.input_bytes_per_sample == 8 * 4
    assert (memory.optimizer, memory.optimizer_slots, memory.optimizer_bytes) == ("adam", 2, 1152)
    assert memory.activation_bytes_per_sample == 32 + 64
    assert memory.inference_peak_bytes == (8 + 16) * 4
    assert memory.activation_dtypes == ("float32",)
    assert memory.training_total_bytes == 576 + 576 + 1152 + 2 * 96 == 2496


def test_without_an_input_row_the_model_inputs_count_in_float32() -> None:
    rows = [dense("d1", 8, 16), dense("d2", 16, 4, previous="d1")]
    memory = run_analyses(chain(rows), optimizer="sgd").memory
    assert memory is not None
    assert memory.input_bytes_per_sample == 8 * 4
    assert memory.optimizer_bytes == 0
    assert memory.activation_bytes_per_sample == 32 + 64 + 16
    assert memory.inference_peak_bytes == (8 + 16) * 4  # d1: 8 in, 16 out


def test_rows_with_an_unknown_length_are_listed() -> None:
    seq = LayerReport(
        name="seq",
        path="seq",
        depth=0,
        class_name="Dense",
        input_shapes=((None, None, 8),),
        output_shapes=((None, None, 4),),
        config={"units": 4},
    )
    fixed = LayerReport(
        name="fixed",
        path="fixed",
        depth=0,
        class_name="Dense",
        input_shapes=((None, 5, 4),),
        output_shapes=((None, 5, 2),),
        config={"units": 2},
    )
    report = CapturedModel(
        name="m",
        class_name="Functional",
        layers=(seq, fixed),
        edges=(Edge("seq", "fixed", (None, 5, 4)),),
        input_shapes=((None, None, 8),),
    )
    memory = run_analyses(report).memory
    assert memory is not None
    assert memory.activation_unknown_dims == ("seq",)
    # the unknown length counts as 1: input 8, seq 4 and fixed 5 * 2 elements, float32
    assert memory.activation_bytes_per_sample == (8 + 4 + 10) * 4
    assert memory.inference_peak_bytes == (20 + 10) * 4


def test_container_and_block_rows_are_counted_through_their_inner_rows() -> None:
    outer = LayerReport(
        name="inner_model",
        path="inner_model",
        depth=0,
        class_name="Functional",
        is_container=True,
        input_shapes=((None, 8),),
        output_shapes=((None, 16),),
    )
    inner = dataclasses.replace(
        dense("d1", 8, 16), path="inner_model/d1", depth=1, parent="inner_model"
    )
    block = LayerReport(
        name="blk",
        path="blk",
        depth=0,
        class_name="MyBlock",
        is_block=True,
        input_shapes=((None, 16),),
        output_shapes=((None, 16),),
    )
    report = CapturedModel(
        name="m",
        class_name="Functional",
        layers=(outer, inner, block),
        edges=(Edge("inner_model", "blk", (None, 16)),),
        input_shapes=((None, 8),),
    )
    memory = run_analyses(report).memory
    assert memory is not None
    assert memory.activation_bytes_per_sample == (8 + 16) * 4
    assert memory.inference_peak_bytes == (8 + 16) * 4


def test_compute_memory_defaults_and_an_empty_model() -> None:
    from layerscope.analysis.memory import compute_memory
    from layerscope.analysis.params import compute_totals

    report = chain([_input("input", (None, 8), None)])
    memory = compute_memory(report, compute_totals(report))
    assert (memory.batch_size, memory.optimizer, memory.optimizer_slots) == (1, "adam", 2)
    assert memory.inference_peak_bytes == 0
    assert memory.activation_bytes_per_sample == 32
