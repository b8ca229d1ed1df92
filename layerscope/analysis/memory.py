"""Memory: parameter bytes, optimizer state, activations, and a training estimate.

* Parameters: bytes per storage dtype (``totals.bytes_by_dtype``).
* Gradients: one copy of the trainable parameters.
* Optimizer state: ``slots x trainable bytes`` (:data:`OPTIMIZER_SLOTS`; Adam keeps a first
  and a second moment, so two extra copies). State lives in the variables' dtype, which
  stays float32 under a mixed-precision policy.
* Activations: every layer's outputs for one sample (plus the model's inputs), in each
  layer's compute dtype (float16/bfloat16 under ``mixed_*`` policies, else the policy's
  dtype, float32 by default). ``forward_bytes`` is that sum times the batch size (what a
  training step keeps for the backward pass); ``training_bytes`` doubles it for the
  gradients of those activations, a common rough estimate; ``inference_peak_bytes`` is the
  largest single layer's input plus output, the least any layer-by-layer runtime needs.

These are estimates of the model's own tensors, not of a framework's allocator: workspace,
fragmentation and fused kernels move real figures either way. An output dimension that is
unknown (a variable sequence length, when neither ``seq_len`` nor ``input_shapes`` set it)
is counted as 1 and its layer listed in ``memory["activation_unknown_dims"]``.
"""

from __future__ import annotations

from layerscope.analysis.graph import INPUT_CLASSES
from layerscope.analysis.params import unique_variables
from layerscope.catalogue.dims import shape_elements
from layerscope.errors import UsageError
from layerscope.report import CapturedModel, LayerReport, Totals, dtype_bytes
from layerscope.results import Memory

OPTIMIZER_SLOTS: dict[str, int] = {
    "adam": 2,
    "adamw": 2,
    "nadam": 2,
    "adamax": 2,
    "adadelta": 2,
    "ftrl": 2,
    "rmsprop": 1,
    "adagrad": 1,
    "lion": 1,
    "sgd_momentum": 1,
    "momentum": 1,
    "sgd": 0,
    "none": 0,
}
"""Extra copies of the trainable parameters each optimizer keeps (its slot variables)."""

_DEFAULT_DTYPE = "float32"
_FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})


def optimizer_slots(optimizer: str) -> tuple[str, int]:
    """The normalised optimizer name and its slot count; a UsageError for an unknown one."""
    if not isinstance(optimizer, str):
        raise UsageError(f"optimizer must be a name such as 'adam'; got {optimizer!r}")
    name = optimizer.strip().lower().replace("-", "_").replace(" ", "_")
    if name not in OPTIMIZER_SLOTS:
        known = ", ".join(sorted(OPTIMIZER_SLOTS))
        raise UsageError(f"optimizer must be one of {known}; got {optimizer!r}")
    return name, OPTIMIZER_SLOTS[name]


def compute_dtype(policy: str | None) -> str:
    """The dtype a layer computes (and outputs) in, from its dtype-policy name.

    ``mixed_float16`` -> ``float16``; ``int8_from_mixed_bfloat16`` -> ``bfloat16``;
    ``float64`` -> ``float64``; unknown or missing -> ``float32``.
    """
    if not policy:
        return _DEFAULT_DTYPE
    name = policy.rsplit("_from_", 1)[-1]
    if name.startswith("mixed_"):
        name = name[len("mixed_") :]
    return name if name in _FLOAT_DTYPES else _DEFAULT_DTYPE


def _input_dtype(row: LayerReport) -> str:
    dtype = row.config.get("dtype")
    if isinstance(dtype, str) and dtype:
        return dtype
    return _DEFAULT_DTYPE


def compute_memory(
    report: CapturedModel, totals: Totals, batch_size: int = 1, optimizer: str = "adam"
) -> Memory:
    """The memory estimate; ``report``'s rows carry the cost analysis's activation sizes."""
    optimizer_name, slots = optimizer_slots(optimizer)
    variables = unique_variables(report)
    param_bytes = totals.bytes
    trainable_bytes = sum(v.nbytes for v in variables if v.trainable)

    input_rows = [r for r in report.layers if r.depth == 0 and r.class_name in INPUT_CLASSES]
    if input_rows:
        input_bytes = sum(
            shape_elements(s) * dtype_bytes(_input_dtype(r))
            for r in input_rows
            for s in r.output_shapes
        )
    else:
        input_bytes = sum(shape_elements(s) for s in report.input_shapes) * dtype_bytes(
            _DEFAULT_DTYPE
        )

    per_sample = input_bytes
    peak = 0
    dtypes: set[str] = set()
    unknown_rows: list[str] = []
    for row in report.layers:
        # A nested model's or a block's outputs are its inner rows' outputs: counted there.
        if row.is_container or row.is_block or row.class_name in INPUT_CLASSES:
            continue
        if any(d is None for shape in row.output_shapes for d in shape[1:]):
            unknown_rows.append(row.path)
        dtype = compute_dtype(row.dtype_policy)
        dtypes.add(dtype)
        size = dtype_bytes(dtype)
        per_sample += row.activation_elements * size
        working = sum(shape_elements(s) for s in (*row.input_shapes, *row.output_shapes))
        peak = max(peak, working * size)

    forward = per_sample * batch_size
    training_activations = 2 * forward
    optimizer_bytes = slots * trainable_bytes
    return Memory(
        parameter_bytes=param_bytes,
        parameter_bytes_by_dtype=dict(totals.bytes_by_dtype),
        trainable_bytes=trainable_bytes,
        gradient_bytes=trainable_bytes,
        optimizer=optimizer_name,
        optimizer_slots=slots,
        optimizer_bytes=optimizer_bytes,
        activation_dtypes=tuple(sorted(dtypes) or [_DEFAULT_DTYPE]),
        input_bytes_per_sample=input_bytes,
        activation_bytes_per_sample=per_sample,
        batch_size=batch_size,
        forward_bytes=forward,
        training_activation_bytes=training_activations,
        inference_peak_bytes=peak * batch_size,
        training_total_bytes=param_bytes + trainable_bytes + optimizer_bytes + training_activations,
        activation_unknown_dims=tuple(unknown_rows),
    )
