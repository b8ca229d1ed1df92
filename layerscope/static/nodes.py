"""The graph as a config records it: each call's input tensors, their shapes, the graph's ends."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from layerscope.catalogue.params import MAX_SIZE
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape


@dataclass
class Node:
    """One call of a layer in one graph: its input tensors as (source, node, index, shape)."""

    inputs: list[tuple[str, int, int, Shape]]


def config_shape(value: Any) -> Shape:
    """A shape recorded in the config: each dimension unknown or a size from 0."""
    if not isinstance(value, (list, tuple)) or not all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_SIZE)
        for d in value
    ):
        raise StaticUnsupported(f"unreadable shape {value!r}")
    return tuple(value)


def flat_tensors(value: Any) -> Iterator[Mapping[str, Any]]:
    """Keras tensors in ``value`` in ``keras.tree.flatten`` order (dict keys sorted)."""
    if isinstance(value, Mapping):
        if value.get("class_name") == "__keras_tensor__":
            yield value["config"]
            return
        if value.get("class_name") == "__tuple__":
            yield from flat_tensors(value.get("config", {}).get("value", []))
            return
        if "class_name" in value and "config" in value:
            return  # a serialised object argument, not a tensor
        for key in sorted(value):
            yield from flat_tensors(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from flat_tensors(item)


_OUTPUT_ARGUMENTS = ("return_attention_scores",)
"""Call arguments that add outputs no config says (MultiHeadAttention's or Attention's
scores): the class's output rule knows only the config."""


def parse_nodes(entry: Mapping[str, Any]) -> list[Node]:
    nodes = []
    for raw in entry.get("inbound_nodes") or []:
        if not isinstance(raw, Mapping):
            raise StaticUnsupported("inbound nodes in a pre-Keras-3 format")
        kwargs = raw.get("kwargs")
        for argument in _OUTPUT_ARGUMENTS:
            if isinstance(kwargs, Mapping) and kwargs.get(argument):
                name = entry.get("name") or (entry.get("config") or {}).get("name")
                raise StaticUnsupported(
                    f"layer {name!r} is called with {argument}=True: the shapes of the "
                    "outputs it adds are left to Keras"
                )
        inputs = []
        for tensor in flat_tensors([raw.get("args", []), raw.get("kwargs", {})]):
            source, node_index, tensor_index = tensor["keras_history"]
            inputs.append(
                (str(source), int(node_index), int(tensor_index), config_shape(tensor["shape"]))
            )
        nodes.append(Node(inputs))
    return nodes


def history_list(value: Any) -> list[tuple[str, int, int]]:
    """``input_layers`` / ``output_layers``: one [name, node, index] or a list (or dict) of them."""
    if isinstance(value, Mapping):
        return [t for key in sorted(value) for t in history_list(value[key])]
    if (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    ):
        return [(value[0], int(value[1]), int(value[2]))]
    if isinstance(value, list):
        return [t for item in value for t in history_list(item)]
    raise StaticUnsupported(f"unreadable graph ends {value!r}")


def is_flat_shape(value: Any) -> bool:
    return isinstance(value, list) and all(d is None or isinstance(d, int) for d in value)


def input_layer_shape(config: Mapping[str, Any]) -> Shape:
    shape = config.get("batch_shape")
    if shape is None:
        shape = config.get("batch_input_shape")
    if shape is None:
        raise StaticUnsupported(f"input layer {config.get('name')!r} has no shape")
    return config_shape(shape)
