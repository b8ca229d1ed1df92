"""The graph reader: a Functional or Sequential config against its weights index -> rows and
edges. Per-class knowledge (output shapes, variable layouts) comes from :mod:`layerscope.catalogue`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from layerscope.catalogue import kind_of, layout_rule, output_rule, priced_by_rule
from layerscope.catalogue.kind import ShapeList, VarSpec
from layerscope.catalogue.merging import merge_shape
from layerscope.catalogue.params import MAX_SIZE, class_of
from layerscope.errors import StaticUnsupported
from layerscope.report import CapturedModel, Edge, LayerCall, LayerReport, Shape, Variable
from layerscope.roles import variable_role
from layerscope.static.archive import WeightsIndex, dataset_count, dataset_count_deep
from layerscope.static.naming import (
    MODEL_CLASSES,
    a_class,
    custom_class,
    is_operation,
    nested_layer_configs,
    unique_keys,
)
from layerscope.static.nodes import (
    Node,
    config_shape,
    history_list,
    input_layer_shape,
    is_flat_shape,
    parse_nodes,
)
from layerscope.static.variables import (
    AutoNames,
    check_group_name,
    layer_variables,
    policy_name,
)


@dataclass
class _Container:
    """A Functional or Sequential model's config, made ready for walking."""

    name: str
    class_name: str
    config: Mapping[str, Any]
    entries: list[Mapping[str, Any]]
    """The rows' config entries, in ``model.layers`` order (Sequential: no InputLayer)."""
    keys: list[str | None]
    """Each entry's group name in the weights file (``None`` for an operation)."""
    nodes: dict[str, list[Node]]
    shapes: dict[tuple[str, int], ShapeList]
    """Output shapes of each (layer, node) call in this graph."""
    input_shapes: ShapeList
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    output_shapes: ShapeList


class ModelReader:
    """Reads one archive's config against its weights index into rows and edges."""

    def __init__(self, weights: WeightsIndex) -> None:
        self.weights = weights
        self.rows: list[LayerReport] = []
        self.edges: list[Edge] = []
        self.auto_names = AutoNames()
        self.gaps: list[str] = []
        """What could not be derived: custom layers' variable names..."""
        self.shape_gaps: list[str] = []
        """... and output shapes (listed after, being the lesser loss)."""
        self.containers: dict[int, _Container] = {}

    # -- the whole model -----------------------------------------------------------------------
    def report(self, config: Mapping[str, Any], source: str) -> CapturedModel:
        class_name = str(config.get("class_name"))
        if class_name not in MODEL_CLASSES:
            raise StaticUnsupported(
                f"the model is {a_class(class_name)} (a subclassed model); only Functional and "
                "Sequential models are read statically"
            )
        container = self._container(config)
        root = self.weights.root
        if dataset_count(root.get("vars")):
            raise StaticUnsupported("the model holds variables outside its layers")
        trainable = bool(container.config.get("trainable", True))
        self._walk(container, root, prefix="", depth=0, parent=None, trainable=trainable)
        return CapturedModel(
            name=container.name,
            class_name=class_name,
            layers=tuple(self.rows),
            edges=tuple(self.edges),
            inputs=container.inputs,
            outputs=container.outputs,
            input_shapes=tuple(container.input_shapes),
            source=source,
            engine="static",
        )

    # -- containers ----------------------------------------------------------------------------
    def _container(self, serialized: Mapping[str, Any]) -> _Container:
        """The container for a nested model's config entry, read once (entries are asked for
        both while inferring the outer graph's shapes and while walking its rows)."""
        cached = self.containers.get(id(serialized))
        if cached is None:
            cached = self.containers[id(serialized)] = self._read_container(serialized)
        return cached

    def _read_container(self, serialized: Mapping[str, Any]) -> _Container:
        class_name = str(serialized["class_name"])
        config = serialized.get("config") or {}
        entries = list(config.get("layers") or [])
        if class_name == "Sequential":
            return self._sequential(config, entries)
        return self._functional(config, entries)

    def _functional(
        self, config: Mapping[str, Any], entries: list[Mapping[str, Any]]
    ) -> _Container:
        nodes: dict[str, list[Node]] = {}
        recorded: dict[tuple[str, int], dict[int, Shape]] = {}
        names = []
        for entry in entries:
            name = str(entry.get("name") or entry["config"]["name"])
            names.append(name)
            nodes[name] = parse_nodes(entry)
            for node in nodes[name]:
                for source, node_index, tensor_index, shape in node.inputs:
                    recorded.setdefault((source, node_index), {})[tensor_index] = shape
        if len(set(names)) != len(names):
            raise StaticUnsupported("two layers share one name")
        shapes: dict[tuple[str, int], ShapeList] = {}
        for entry, name in zip(entries, names, strict=True):
            class_name = str(entry["class_name"])
            layer_config = entry.get("config") or {}
            if class_name == "InputLayer":
                shapes[(name, 0)] = [input_layer_shape(layer_config)]
                continue
            for index, node in enumerate(nodes[name]):
                shapes[(name, index)] = self._node_outputs(
                    entry,
                    [shape for _, _, _, shape in node.inputs],
                    recorded.get((name, index), {}),
                )
        classes = {
            name: str(entry["class_name"]) for entry, name in zip(entries, names, strict=True)
        }

        def keras_node(end: tuple[str, int, int]) -> tuple[str, int, int]:
            # Keras writes a nested Functional's node indices in input_layers/output_layers
            # counting a built-in node first, and subtracts it again when loading
            # (functional_from_config's get_tensor); do the same.
            name, node, index = end
            return (name, node - 1 if classes.get(name) == "Functional" else node, index)

        ends_in = [keras_node(end) for end in history_list(config.get("input_layers", []))]
        ends_out = [keras_node(end) for end in history_list(config.get("output_layers", []))]
        missing = [end for end in ends_in + ends_out if (end[0], end[1]) not in shapes]
        if missing:
            raise StaticUnsupported(f"the graph's ends name calls that do not exist: {missing!r}")
        listed = set(names)

        def end_names(ends: list[tuple[str, int, int]]) -> tuple[str, ...]:
            result: list[str] = []
            for name, _, _ in ends:
                if name in listed and name not in result:
                    result.append(name)
            return tuple(result)

        input_shapes = [shapes[(name, node)][index] for name, node, index in ends_in]
        # A custom layer's unconsumed output has no shape the file says: left out.
        output_shapes = [
            shapes[(name, node)][index]
            for name, node, index in ends_out
            if index < len(shapes[(name, node)])
        ]
        return _Container(
            name=str(config["name"]),
            class_name="Functional",
            config=config,
            entries=entries,
            keys=unique_keys(entries),
            nodes=nodes,
            shapes=shapes,
            input_shapes=input_shapes,
            inputs=end_names(ends_in),
            outputs=end_names(ends_out),
            output_shapes=output_shapes,
        )

    def _sequential(
        self, config: Mapping[str, Any], entries: list[Mapping[str, Any]]
    ) -> _Container:
        input_shape: Shape | None = None
        if entries and entries[0].get("class_name") == "InputLayer":
            input_shape = input_layer_shape(entries[0].get("config") or {})
            entries = entries[1:]
        elif config.get("build_input_shape") is not None:
            input_shape = config_shape(config["build_input_shape"])
        if input_shape is None:
            raise StaticUnsupported(
                f"Sequential model {config.get('name')!r} was saved unbuilt (no input shape)"
            )
        if not entries:
            raise StaticUnsupported(f"Sequential model {config.get('name')!r} has no layers")
        nodes: dict[str, list[Node]] = {}
        shapes: dict[tuple[str, int], ShapeList] = {}
        current = input_shape
        previous: str | None = None
        names = []
        unknown_output = False
        for position, entry in enumerate(entries):
            name = str((entry.get("config") or {})["name"])
            names.append(name)
            source = previous if previous is not None else "(input)"
            nodes[name] = [Node([(source, 0, 0, current)])]
            recorded: dict[int, Shape] = {}
            if position + 1 < len(entries):
                build = (entries[position + 1].get("build_config") or {}).get("input_shape")
                if build is not None and is_flat_shape(build):
                    recorded[0] = config_shape(build)
            outputs = self._node_outputs(entry, [current], recorded)
            if not outputs and position + 1 == len(entries):
                # The last layer is custom and nothing records its output shape: unknown
                # (listed as a gap), which only the model's own output shape depends on.
                shapes[(name, 0)] = []
                previous = name
                unknown_output = True
                continue
            if len(outputs) != 1:
                raise StaticUnsupported(
                    f"layer {name!r} returns several tensors in a Sequential model"
                )
            shapes[(name, 0)] = outputs
            current = outputs[0]
            previous = name
        if len(set(names)) != len(names):
            raise StaticUnsupported("two layers share one name")
        return _Container(
            name=str(config["name"]),
            class_name="Sequential",
            config=config,
            entries=entries,
            keys=unique_keys(entries),
            nodes=nodes,
            shapes=shapes,
            input_shapes=[input_shape],
            inputs=(),
            outputs=(names[-1],),
            output_shapes=[] if unknown_output else [current],
        )

    def _node_outputs(
        self, entry: Mapping[str, Any], inputs: ShapeList, recorded: Mapping[int, Shape]
    ) -> ShapeList:
        """A call's output shapes: as recorded by its consumers, else computed per class."""
        config = entry.get("config") or {}
        custom = custom_class(entry)
        if custom is not None:
            if recorded and sorted(recorded) == list(range(len(recorded))):
                return [recorded[i] for i in range(len(recorded))]
            self.shape_gaps.append(
                f"the output shape of custom layer {config.get('name')!r} ({custom}) is "
                "unknown: nothing in the file records it"
            )
            return []
        class_name = class_of(entry)
        computed: ShapeList | None = None
        if is_operation(entry):
            if sorted(recorded) == [0]:
                return [recorded[0]]
            if class_name not in _ELEMENTWISE_OPERATIONS:
                raise StaticUnsupported(
                    f"cannot infer the output shape of operation {config.get('name')!r} "
                    f"({class_name})"
                )
            return merge_shape(config, inputs)
        if class_name in MODEL_CLASSES:
            inner = self._container(entry)
            if [tuple(s) for s in inner.input_shapes] == [tuple(s) for s in inputs]:
                computed = inner.output_shapes
        elif (rule := output_rule(class_name)) is not None:
            computed = rule(config, inputs)
        elif layout_rule(class_name) is None:
            raise StaticUnsupported(f"layer class {class_name!r} is not known to the static engine")
        if computed is None:
            if recorded and sorted(recorded) == list(range(len(recorded))):
                if class_name in MODEL_CLASSES or class_name in ("Lambda",) or len(recorded) == 1:
                    # A Lambda (or EinsumDense...) whose outputs are all consumed.
                    return [recorded[i] for i in range(len(recorded))]
            raise StaticUnsupported(
                f"cannot infer the output shape of layer {config.get('name')!r} ({class_name})"
            )
        if any(index >= len(computed) for index in recorded):
            raise StaticUnsupported(
                f"layer {config.get('name')!r} ({class_name}) has more outputs than expected"
            )
        for index, shape in enumerate(computed):
            _check_output(config, class_name, shape, recorded.get(index))
        return [recorded.get(index, shape) for index, shape in enumerate(computed)]

    def _custom_variables(
        self,
        class_name: str,
        shown: str,
        config: Mapping[str, Any],
        group: Any,
        path: str,
        trainable: bool,
    ) -> list[Variable]:
        """A custom layer's variables, exact in count, shape and dtype (the weights file says
        them); a sub-layer whose config the custom layer's config nests (a stock Keras layer,
        matched by its saved name) gets its variables' real names, and the rest are named
        ``variable_N``, with role ``other``, and listed as a gap: Keras saves variables by
        index, and only the class's code knows their names."""
        found: list[Variable] = []
        nested = {
            str((item.get("config") or {}).get("name")): item
            for item in nested_layer_configs(config)
        }
        unnamed = 0

        def visit(group: Any, prefix: str, owner: str, names: Sequence[VarSpec] | None) -> None:
            nonlocal unnamed
            if group is None:
                return
            vars_group = group.get("vars")
            count = dataset_count(vars_group)
            if names is not None and len(names) != count:
                names = None
            for index in range(count):
                assert vars_group is not None
                shape, dtype = vars_group.dataset(str(index))
                if names is not None:
                    name, is_trainable = names[index].name, trainable and names[index].trainable
                else:
                    name, is_trainable = f"variable_{index}" if count > 1 else "variable", trainable
                    unnamed += 1
                found.append(
                    Variable(
                        name=name,
                        path=f"{prefix}/{name}",
                        role=variable_role(owner, name, is_trainable) if names else "other",
                        shape=shape,
                        dtype=dtype,
                        trainable=is_trainable,
                    )
                )
            for key in group:
                child = group.get(key)
                if key == "vars" or child is None or not dataset_count_deep(child):
                    continue
                child_name = child.get("vars").saved_name if child.get("vars") else None
                child_name = child_name or key
                entry = nested.get(child_name)
                child_class = None
                child_names: Sequence[VarSpec] | None = None
                if entry is not None and custom_class(entry) is None:
                    child_class = class_of(entry)
                    layout = layout_rule(child_class)
                    if layout is not None:
                        own, subs = layout(entry.get("config") or {})
                        child_names = own if not subs else None
                visit(child, f"{prefix}/{child_name}", child_class or owner, child_names)

        visit(group, path, class_name, None)
        if unnamed:
            self.gaps.append(
                f"layer class {shown!r} is not known to the static engine: {unnamed} "
                f"variables of {path!r} have no names or roles the file says (shown as "
                "'variable...', role other; the class's code is never run)"
            )
        return found

    # -- rows ----------------------------------------------------------------------------------
    def _walk(
        self,
        container: _Container,
        group: Any,
        prefix: str,
        depth: int,
        parent: str | None,
        trainable: bool,
    ) -> list[Variable]:
        """Append the container's rows (and nested rows) and edges; return its variables."""
        layers_group = group.get("layers") if group is not None else None
        listed = {str(e.get("name") or e["config"]["name"]) for e in container.entries}
        all_variables: list[Variable] = []
        for entry, key in zip(container.entries, container.keys, strict=True):
            config = entry.get("config") or {}
            custom = None if is_operation(entry) else custom_class(entry)
            class_name = custom if custom is not None else class_of(entry)
            name = str(entry.get("name") or config["name"])
            path = prefix + name
            operation = is_operation(entry)
            layer_group = (
                layers_group.get(key) if layers_group is not None and key is not None else None
            )
            if key is not None:
                check_group_name(layer_group, name, key)
            layer_trainable = bool(config.get("trainable", True))
            calls = container.nodes.get(name, [])
            inbound: list[str] = []
            for node in calls:
                for source, _, _, shape in node.inputs:
                    if source not in listed:
                        continue
                    if source not in inbound:
                        inbound.append(source)
                    self.edges.append(Edge(prefix + source, path, shape))
            input_shapes = tuple(shape for _, _, _, shape in calls[0].inputs) if calls else ()
            output_shapes = tuple(container.shapes.get((name, 0), ()))
            is_container = class_name in MODEL_CLASSES
            row_index = len(self.rows)
            self.rows.append(LayerReport(name=name, path=path, depth=depth, class_name=class_name))
            row_config: Mapping[str, Any]
            if operation:
                variables = []
                row_config = config  # as get_config says it (Einsum's subscripts)
            elif custom is not None:
                variables = self._custom_variables(
                    class_name,
                    str(entry.get("registered_name") or class_name),
                    config,
                    layer_group,
                    path,
                    trainable and layer_trainable,
                )
                row_config = config
            elif is_container:
                inner = self._container(entry)
                variables = self._walk(
                    inner,
                    layer_group,
                    prefix=path + "/",
                    depth=depth + 1,
                    parent=path,
                    trainable=trainable and layer_trainable,
                )
                row_config = {"name": name, "trainable": layer_trainable}
            else:
                variables = layer_variables(
                    class_name,
                    config,
                    layer_group,
                    path,
                    trainable and layer_trainable,
                    self.auto_names,
                    list(input_shapes),
                )
                row_config = config
            kind = kind_of(class_name)
            graph_calls: tuple[LayerCall, ...] = ()
            if len(calls) > 1 and not operation and custom is None and not is_container:
                # Each call of a shared layer at its own shapes, as the Keras capture says.
                if priced_by_rule(class_name):
                    graph_calls = tuple(
                        LayerCall(
                            tuple(shape for _, _, _, shape in node.inputs),
                            tuple(container.shapes.get((name, index), ())),
                        )
                        for index, node in enumerate(calls)
                    )
            self.rows[row_index] = LayerReport(
                name=name,
                path=path,
                depth=depth,
                class_name=(kind.python_name if kind else None) or class_name,
                variables=tuple(variables),
                output_shapes=output_shapes,
                input_shapes=input_shapes,
                inbound=tuple(inbound),
                parent=parent,
                is_container=is_container,
                layer_trainable=layer_trainable,
                dtype_policy=None if operation else policy_name(class_name, config),
                config=row_config,
                call_count=max(1, len(calls)),
                calls=graph_calls,
            )
            all_variables.extend(variables)
        if layers_group is not None:
            expected = {key for key in container.keys if key is not None}
            extra = [
                k
                for k in layers_group
                if k not in expected and dataset_count_deep(layers_group.get(k))
            ]
            if extra:
                raise StaticUnsupported(f"the weights file holds unexpected layers {extra}")
        return all_variables


def _check_output(
    config: Mapping[str, Any], class_name: str, computed: Shape, recorded: Shape | None
) -> None:
    """An output shape the config implies must be buildable (every size from 1 to
    :data:`MAX_SIZE`) and agree with the shape its consumers recorded: Keras rebuilds
    from the config, so a disagreement means the file is not what it says."""
    where = f"layer {config.get('name')!r} ({class_name})"
    if any(d is not None and not 1 <= d <= MAX_SIZE for d in computed):
        raise StaticUnsupported(f"{where}: its config implies the output shape {computed}")
    if recorded is not None and (
        len(recorded) != len(computed)
        or any(
            a is not None and b is not None and a != b
            for a, b in zip(recorded, computed, strict=True)
        )
    ):
        raise StaticUnsupported(
            f"{where}: its config implies the output shape {computed}, but the graph "
            f"records {recorded}"
        )


_ELEMENTWISE_OPERATIONS = frozenset(
    {"Add", "Subtract", "Multiply", "Divide", "TrueDivide", "Maximum", "Minimum", "Power"}
)
"""Operations (``x + 3.0``) whose output broadcasts their tensor inputs."""
