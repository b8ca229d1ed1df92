"""Call recording: the shapes every layer (sub-layers included) was really called with.

Capture's graph walk sees the calls a Functional graph makes, but not what happens inside a
custom layer's ``call`` (a ``TransformerEncoder`` calls its attention and feed-forward
sub-layers there). This module runs the model once *symbolically* - Keras's
``backend.compute_output_spec``, a scratch graph with placeholders, no data, no variable
updates, no new Keras nodes - at batch 1 and the chosen input shape, and records while it
runs:

* every ``Layer.__call__``: the layer, the chain of layers calling it (so the same layer
  called from two places - a tied embedding's forward and reverse calls - is told apart),
  and the shapes of its tensor arguments (masks left out) and outputs;
* every matrix product run through ``keras.ops`` (``einsum``, ``matmul``,
  ``dot_product_attention``), every convolution (``conv``, ``depthwise_conv``, with its
  output's shape) and every ``@`` product, with the innermost layer whose own code ran it,
  so that work a custom layer does outside its sub-layers (the attention products ``QK^T``
  and ``A.V``) is counted too.

The patches are installed for the duration of the trace only and removed in a ``finally``;
the model is not modified. Keras is imported by the caller (capture), as in capture.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.errors import UsageError
from layerscope.input_sizes import check_input_names, resolve_input_shape
from layerscope.report import LayerCall, OpCall, Shape

Chain = tuple[int, ...]
"""ids of the layers from the model's direct child down to the called layer."""

RECORDED_OPS = ("einsum", "matmul", "dot_product_attention", "conv", "depthwise_conv")
"""The ``keras.ops`` functions whose calls are recorded (the matrix products, and the
convolutions a custom layer runs without a Keras convolution layer: Qwen3.5's causal
depthwise convolution)."""

_SKIPPED_ARGUMENTS = ("training", "cache", "cache_update_index", "return_attention_scores")


@dataclass
class Recording:
    """What one symbolic call of the model recorded."""

    input_shapes: tuple[tuple[str, Shape], ...] = ()
    """Each model input's name and the shape it was traced at (batch 1)."""
    calls: dict[Chain, list[LayerCall]] = field(default_factory=dict)
    ops: dict[Chain, list[OpCall]] = field(default_factory=dict)
    error: str | None = None
    """Why the model could not be traced (then nothing else is filled)."""


def trace_model(
    model: Any,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Any] | None = None,
) -> Recording:
    """Call ``model`` symbolically and record every layer call and matrix product.

    ``seq_len`` fills every unknown non-batch input dimension; ``input_shapes`` maps an input
    name to its non-batch dimensions. A bad option is a :class:`UsageError`; a model that
    cannot be traced returns a recording with ``error`` set (a UsageError when options were
    given, since then the figures the user asked for cannot be produced).
    """
    struct, named = _input_specs(model, seq_len, dict(input_shapes or {}))
    recording = Recording(input_shapes=tuple((name, shape) for name, shape, _ in named))
    if not named:
        recording.error = "the model's inputs are not known (build it on an Input)"
        return recording
    import keras
    from keras.src import backend

    from layerscope._keras import mask_warnings_ignored

    tensors = [keras.KerasTensor(shape, dtype=dtype) for _, shape, dtype in named]
    structure = tensors[0] if struct is None else keras.tree.pack_sequence_as(struct, tensors)
    recorder = _Recorder(model, batch=_traced_batch(named))
    try:
        with recorder.installed(), mask_warnings_ignored():
            backend.compute_output_spec(lambda x: model(x, training=False), structure)
    except Exception as error:  # any failure means "shapes from the graph"
        message = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        if seq_len is not None or input_shapes:
            raise UsageError(
                f"model {model.name!r} cannot be called with input shape "
                f"{_describe(recording.input_shapes)}: {message}"
            ) from error
        recording.error = message
        return recording
    recording.calls = recorder.calls
    recording.ops = recorder.ops
    return recording


def _describe(shapes: tuple[tuple[str, Shape], ...]) -> str:
    return ", ".join(f"{name}={shape}" for name, shape in shapes)


# -- inputs ----------------------------------------------------------------------------------


def _input_specs(
    model: Any, seq_len: int | None, overrides: dict[str, Any]
) -> tuple[Any, list[tuple[str, Shape, str]]]:
    """The nested structure of (shape, dtype) to trace with, and a flat named list."""
    import keras

    functional = model if hasattr(model, "_inputs_struct") else getattr(model, "_functional", None)
    named: list[tuple[str, Shape, str]] = []
    if functional is not None and getattr(functional, "_inputs_struct", None) is not None:
        struct = functional._inputs_struct
        flat = keras.tree.flatten(struct)
        for index, tensor in enumerate(flat):
            op = getattr(getattr(tensor, "_keras_history", None), "operation", None)
            name = str(getattr(op, "name", None) or getattr(tensor, "name", f"input_{index}"))
            named.append((name, tuple(tensor.shape), str(tensor.dtype)))
    else:
        build_shapes = getattr(model, "_build_shapes_dict", None) or {}
        if len(build_shapes) != 1:
            check_input_names(overrides, [])
            return None, []
        key, value = next(iter(build_shapes.items()))
        if not isinstance(value, (list, tuple)) or not all(
            d is None or isinstance(d, int) for d in value
        ):
            check_input_names(overrides, [])
            return None, []
        name = key[: -len("_shape")] if key.endswith("_shape") else key
        struct = None
        named.append((name, tuple(value), "float32"))
    check_input_names(overrides, [n for n, _, _ in named])
    resolved: list[tuple[str, Shape, str]] = []
    for name, shape, dtype in named:
        resolved.append(
            (name, resolve_input_shape(name, shape, seq_len, overrides.get(name)), dtype)
        )
    return struct, resolved


# -- the recorder ------------------------------------------------------------------------------


class _Recorder:
    def __init__(self, model: Any, batch: int = 1) -> None:
        self.batch = batch
        """The batch the model is traced at: 1, or the size an input fixes."""
        self.model = model
        self.stack: list[Any] = []
        self.op_depth = 0
        self.calls: dict[Chain, list[LayerCall]] = {}
        self.ops: dict[Chain, list[OpCall]] = {}
        self.signatures: dict[type, inspect.Signature | None] = {}

    def chain(self) -> Chain:
        # The model itself is the root of every chain and is left out.
        return tuple(id(layer) for layer in self.stack[1:])

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        from keras.src.layers.layer import Layer

        original_call = Layer.__call__
        recorder = self

        def recording_call(layer: Any, *args: Any, **kwargs: Any) -> Any:
            recorder.stack.append(layer)
            try:
                outputs = original_call(layer, *args, **kwargs)
            finally:
                chain = recorder.chain()
                recorder.stack.pop()
            if chain:
                inputs = recorder.argument_shapes(layer, args, kwargs)
                recorder.calls.setdefault(chain, []).append(
                    LayerCall(
                        input_shapes=tuple(_batchless(s) for s in inputs),
                        output_shapes=tuple(_batchless(s) for s in _tensor_shapes(outputs)),
                        rows=_rows(inputs, recorder.batch),
                    )
                )
            return outputs

        patched: list[tuple[Any, str, Any]] = []
        for op_name in RECORDED_OPS:
            original = _find_op(op_name)
            if original is None:
                continue
            replacement = self.recording_op(op_name, original)
            for module in list(sys.modules.values()):
                module_name = getattr(module, "__name__", "")
                if not module_name.startswith(("keras.ops", "keras.src.ops", "keras.api.ops")):
                    continue
                if getattr(module, op_name, None) is original:
                    patched.append((module, op_name, original))
                    setattr(module, op_name, replacement)
        # ``a @ b`` (MiT's SegFormer attention writes its products so) never calls
        # ``keras.ops.matmul``: it is the tensor class's own operator, on the backend's
        # tensors inside the symbolic trace (a TensorFlow graph tensor) or a KerasTensor.
        operators: list[tuple[type, str, Any]] = []
        for kind in _matmul_classes():
            for name in ("__matmul__", "__rmatmul__"):
                original = kind.__dict__.get(name)
                if original is not None:
                    operators.append((kind, name, original))
                    setattr(kind, name, self.recording_operator(name, original))
        Layer.__call__ = recording_call
        try:
            yield
        finally:
            Layer.__call__ = original_call
            for kind, name, original in operators:
                setattr(kind, name, original)
            for module, op_name, original in patched:
                setattr(module, op_name, original)

    def recording_op(self, op_name: str, original: Any) -> Any:
        recorder = self

        def recording(*args: Any, **kwargs: Any) -> Any:
            if recorder.op_depth:
                return original(*args, **kwargs)
            recorder.op_depth += 1
            try:
                result = original(*args, **kwargs)
            finally:
                recorder.op_depth -= 1
            if recorder.stack:
                op = _op_call(op_name, args, kwargs, result)
                if op is not None:
                    if recorder.batch != 1:
                        op = dataclasses.replace(op, batch=recorder.batch)
                    recorder.ops.setdefault(recorder.chain(), []).append(op)
            return result

        return recording

    def recording_operator(self, name: str, original: Any) -> Any:
        """``tensor @ other`` (``__matmul__``) or ``other @ tensor`` (``__rmatmul__``),
        recorded as a ``matmul`` with its operands in product order."""
        if name == "__matmul__":
            record = self.recording_op("matmul", original)
            return lambda tensor, other: record(tensor, other)
        record = self.recording_op("matmul", lambda left, right: original(right, left))
        return lambda tensor, other: record(other, tensor)

    def argument_shapes(
        self, layer: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Shape, ...]:
        """Shapes of the call's tensor arguments in signature order, masks left out."""
        kind = type(layer)
        if kind not in self.signatures:
            try:
                self.signatures[kind] = inspect.signature(layer.call)
            except (TypeError, ValueError):
                self.signatures[kind] = None
        signature = self.signatures[kind]
        values: list[Any] = []
        bound = None
        if signature is not None:
            # Keras passes ``training`` even to a call that does not take it.
            accepted = {
                k: v
                for k, v in kwargs.items()
                if k in signature.parameters
                or any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
            }
            try:
                bound = signature.bind_partial(*args, **accepted)
            except TypeError:
                bound = None
        if bound is not None:
            for name, value in bound.arguments.items():
                if "mask" in name or name in _SKIPPED_ARGUMENTS:
                    continue
                values.append(value)
        else:
            values = [
                *args,
                *(v for k, v in kwargs.items() if "mask" not in k and k not in _SKIPPED_ARGUMENTS),
            ]
        return tuple(_tensor_shapes(values))


def _matmul_classes() -> list[type]:
    """The tensor classes whose ``@`` a symbolic trace can run: Keras's own, and the
    backend's (only a framework Keras already imported is looked at)."""
    import keras

    classes: list[type] = [keras.KerasTensor]
    tensorflow = sys.modules.get("tensorflow")
    if keras.backend.backend() == "tensorflow" and tensorflow is not None:
        classes.append(tensorflow.Tensor)
    jax_core = sys.modules.get("jax.core")
    if keras.backend.backend() == "jax" and jax_core is not None:
        classes.append(jax_core.Tracer)
    torch = sys.modules.get("torch")
    if keras.backend.backend() == "torch" and torch is not None:
        classes.append(torch.Tensor)
    return classes


def _find_op(name: str) -> Any:
    import keras

    return getattr(keras.ops, name, None)


def _op_call(
    op_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any = None
) -> OpCall | None:
    if op_name == "einsum":
        equation = args[0] if args else kwargs.get("subscripts")
        operands = args[1:] if args else kwargs.get("operands", ())
        shapes = tuple(_tensor_shapes(list(operands)))
        if not isinstance(equation, str) or len(shapes) < 2:
            return None
        return OpCall(op="einsum", shapes=shapes, equation=equation.replace(" ", ""))
    if op_name == "matmul":
        operands = [*args[:2], *(kwargs[k] for k in ("x1", "x2") if k in kwargs)]
        shapes = tuple(_tensor_shapes(operands))
        return OpCall(op="matmul", shapes=shapes) if len(shapes) == 2 else None
    if op_name in ("conv", "depthwise_conv"):
        # The inputs, the kernel and the output: what the convolution computes follows from
        # the output's size and the kernel's, whatever the strides, padding and layout.
        operands = [*args[:2], *(kwargs[k] for k in ("inputs", "kernel") if k in kwargs)]
        shapes = tuple(_tensor_shapes([*operands, result]))
        return OpCall(op=op_name, shapes=shapes) if len(shapes) == 3 else None
    if op_name == "dot_product_attention":
        names = ("query", "key", "value")
        operands = [*args[:3], *(kwargs[k] for k in names if k in kwargs)]
        shapes = tuple(_tensor_shapes(operands))
        return OpCall(op="dot_product_attention", shapes=shapes) if len(shapes) == 3 else None
    return None


def _tensor_shapes(value: Any) -> list[Shape]:
    import keras

    shapes: list[Shape] = []
    try:
        leaves = keras.tree.flatten(value)
    except Exception:  # noqa: BLE001 - an exotic argument is simply not a tensor
        return shapes
    for leaf in leaves:
        shape = getattr(leaf, "shape", None)
        if shape is None or not hasattr(leaf, "dtype") or isinstance(leaf, (int, float)):
            continue
        try:
            shapes.append(tuple(None if d is None else int(d) for d in shape))
        except (TypeError, ValueError):
            continue
    return shapes


def _traced_batch(named: list[tuple[str, Shape, str]]) -> int:
    """The batch the trace runs at: the first input's leading size (1 unless the model's
    input fixes its batch size, ``keras.Input(shape, batch_size=8)``)."""
    if named and named[0][1] and isinstance(named[0][1][0], int) and named[0][1][0] > 0:
        return named[0][1][0]
    return 1


def _rows(shapes: tuple[Shape, ...], batch: int = 1) -> int:
    """Rows per model sample on the first tensor argument's leading axis (see
    ``LayerCall.rows``): that axis over the traced ``batch``; 1 when it is unknown, there
    is none, or it does not divide by the batch."""
    if shapes and shapes[0] and isinstance(shapes[0][0], int) and shapes[0][0] > 0:
        lead = shapes[0][0]
        return lead // batch if lead % batch == 0 else 1
    return 1


def _batchless(shape: Shape) -> Shape:
    """A recorded layer shape with the batch axis shown as ``None``, like the graph's."""
    return (None, *shape[1:]) if shape else shape
