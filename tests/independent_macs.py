"""The independent MAC count the keras_hub tests check layerscope against.

It never reads layerscope: it traces the model's TensorFlow function at batch 1 with fixed
input shapes and sums the multiply-accumulates of every MatMul, BatchMatMul, Einsum, Conv2D
and DepthwiseConv2dNative op from the graph's static shapes, following nested function calls
through the FunctionDef library. Shared by ``test_hub_macs.py`` and the other keras_hub tests.
"""

from __future__ import annotations

import math
from typing import Any


def _einsum(equation: str, shapes: list[list[int]]) -> int:
    operands = equation.replace(" ", "").split("->")[0].split(",")
    if len(operands) < 2:
        return 0
    sizes: dict[str, int] = {}
    for spec, shape in zip(operands, shapes, strict=True):
        if "..." in spec:
            before, after = spec.split("...")
            middle = len(shape) - len(before) - len(after)
            letters = [*before, *(f"@{middle - i}" for i in range(middle)), *after]
        else:
            letters = list(spec)
        for letter, dim in zip(letters, shape, strict=True):
            sizes[letter] = max(sizes.get(letter, 1), int(dim))
    return math.prod(sizes.values())


def _kernel_shape(tensor: Any, resources: dict[str, list[int]]) -> list[int]:
    """A kernel's shape: static, or (inside a nested function reading a captured variable,
    where TensorFlow loses it) the variable's own shape."""
    if tensor.shape.rank is not None:
        return list(tensor.shape.as_list())
    assert tensor.op.type == "ReadVariableOp", tensor
    return resources[tensor.op.inputs[0].name]


def _conv_output(op: Any, kernel: list[int]) -> list[int]:
    """Conv2D / DepthwiseConv2dNative output shape (as NHWC), from the op's own attributes
    (an NCHW op, from a channels_first layer, has its spatial axes and strides at 2 and 3)."""
    out = op.outputs[0].shape
    if out.is_fully_defined():
        return list(out.as_list())
    first = 2 if op.get_attr("data_format").decode() == "NCHW" else 1
    shape = op.inputs[0].shape.as_list()
    batch, height, width = shape[0], shape[first], shape[first + 1]
    strides = op.get_attr("strides")
    dilations = op.get_attr("dilations")
    padding = op.get_attr("padding").decode()
    spatial = []
    for size, k, stride, dilation in zip(
        (height, width),
        kernel[:2],
        strides[first : first + 2],
        dilations[first : first + 2],
        strict=True,
    ):
        extent = (k - 1) * dilation + 1
        valid = size if padding == "SAME" else size - extent + 1
        spatial.append(-(-valid // stride))
    channels = kernel[3] if op.type == "Conv2D" else kernel[2] * kernel[3]
    return [batch, *spatial, channels]


def _atrous_output(op: Any) -> list[int] | None:
    """A dilated convolution's real output shape. TensorFlow runs one as SpaceToBatchND ->
    Conv2D -> BatchToSpaceND over blocks padded to a multiple of the rate (DeepLabV3's rate-18
    3x3 convolution on a 16 x 16 map becomes 324 blocks of 1 x 1 outputs, 324 positions for
    256 real ones): the positions computed are the BatchToSpaceND's output, not the padded
    blocks'."""
    if op.inputs[0].op.type != "SpaceToBatchND":
        return None
    for consumer in op.outputs[0].consumers():
        if consumer.type == "BatchToSpaceND" and consumer.outputs[0].shape.is_fully_defined():
            return list(consumer.outputs[0].shape.as_list())
    return None


def _op_macs(op: Any, resources: dict[str, list[int]]) -> int:
    def shape(tensor: Any) -> list[int]:
        dims = tensor.shape.as_list()
        assert None not in dims, f"{op.type} {op.name} has an unknown dimension {dims}"
        return list(dims)

    kind = op.type
    if kind == "MatMul":
        a = shape(op.inputs[0])
        k = a[0] if op.get_attr("transpose_a") else a[1]
        return math.prod(shape(op.outputs[0])) * k
    if kind in ("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"):
        a = shape(op.inputs[0])
        k = a[-2] if op.get_attr("adj_x") else a[-1]
        return math.prod(shape(op.outputs[0])) * k
    if kind == "Einsum":
        equation = op.get_attr("equation").decode()
        return _einsum(equation, [shape(t) for t in op.inputs])
    if kind == "Conv2D":
        kernel = _kernel_shape(op.inputs[1], resources)
        return math.prod(_atrous_output(op) or _conv_output(op, kernel)) * math.prod(kernel[:-1])
    if kind == "DepthwiseConv2dNative":
        kernel = _kernel_shape(op.inputs[1], resources)
        return math.prod(_atrous_output(op) or _conv_output(op, kernel)) * kernel[0] * kernel[1]
    return 0


def _graph_macs(graph: Any, library: dict[str, Any], resources: dict[str, list[int]]) -> int:
    from tensorflow.python.framework.function_def_to_graph import function_def_to_graph

    total = 0
    for op in graph.get_operations():
        total += _op_macs(op, resources)
        if op.type in ("PartitionedCall", "StatefulPartitionedCall"):
            name = op.get_attr("f").name
            inner = function_def_to_graph(library[name], input_shapes=[t.shape for t in op.inputs])
            inner_resources = {
                placeholder.name: resources[outer.name]
                for outer, placeholder in zip(op.inputs, inner.inputs, strict=False)
                if outer.name in resources
            }
            total += _graph_macs(inner, library, inner_resources)
    return total


def tf_graph_macs(model: Any, inputs: dict[str, tuple[int, ...]]) -> int:
    """MACs of one forward pass, from the model's traced TensorFlow graph at batch 1."""
    import keras
    import tensorflow as tf

    def spec(tensor: Any) -> Any:
        name = tensor._keras_history.operation.name
        return tf.TensorSpec((1, *inputs[name]), tensor.dtype, name=name)

    specs = keras.tree.map_structure(spec, model.input)
    function = tf.function(lambda x: model(x, training=False))
    concrete = function.get_concrete_function(specs)
    library = {f.signature.name: f for f in concrete.graph.as_graph_def().library.function}
    # Captured variables: the placeholder standing for each variable's handle -> its shape.
    shapes = {id(v.value.handle): list(v.shape) for v in model.weights}
    resources = {
        internal.name: shapes[id(external)]
        for external, internal in concrete.graph.captures
        if id(external) in shapes
    }
    return _graph_macs(concrete.graph, library, resources)
