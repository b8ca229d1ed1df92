"""Capture: ``keras.Model -> CapturedModel``. The only module that touches Keras objects.

It walks the model's layers in display order (a nested model's row is followed by its inner
layers), reads every variable's shape, dtype, trainability and role, the shapes of each
layer's first call and the graph's edges, and returns plain frozen dataclasses holding no
reference back to Keras. Keras is imported by the caller; this module only reads attributes
of the objects it is given, so importing it is cheap.

Graph reading follows Keras's own ``summary_utils``: a Functional model's ``_operations``
and ``_nodes_by_depth`` say which calls (nodes) belong to which graph, so a layer reused in
several graphs (a nested model's layer seen from the outer model, or a shared layer) gets
the edges of the graph being walked only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from layerscope.catalogue import priced_by_rule
from layerscope.errors import AnalysisError, ModelNotBuiltError
from layerscope.report import CapturedModel, Edge, LayerCall, LayerReport, Shape, Trace, Variable
from layerscope.roles import variable_role

if TYPE_CHECKING:  # pragma: no cover - typing only
    from layerscope.tracing import Chain, Recording

OWN_VARIABLES_ROW = "(own variables)"
"""Name of the row holding variables a subclassed model created itself, outside any layer."""


def capture(
    model: Any,
    source: str | None = None,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Any] | None = None,
) -> CapturedModel:
    """Read a built Keras model into a :class:`CapturedModel` (no analysis yet).

    ``seq_len`` fills every unknown non-batch input dimension and ``input_shapes`` sets
    named inputs' non-batch dimensions for the symbolic call that records the shapes each
    layer (custom blocks' sub-layers included) was really called with. The model is traced
    when either is given or when it runs custom code (:func:`_has_blocks`); otherwise its
    graph already says every shape."""
    _require_keras_model(model)
    _require_built(model)
    recording = None
    if seq_len is not None or input_shapes or _has_blocks(model):
        from layerscope.tracing import trace_model

        recording = trace_model(model, seq_len=seq_len, input_shapes=input_shapes)
    trainable_ids = {id(v) for v in model.trainable_weights}
    walker = _Walker(trainable_ids, recording)
    try:
        walker.walk(model, prefix="", depth=0, parent=None, chain=())
        inputs, outputs = _graph_ends(model)
        model_input_shapes = _model_input_shapes(model)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
        raise AnalysisError(
            f"could not read the structure of model {model.name!r}: {error}"
        ) from error
    rows = walker.rows
    covered = {id(v) for row_vars in walker.top_level_variable_ids for v in row_vars}
    leftovers = [v for v in model.weights if id(v) not in covered]
    if leftovers:
        owners = _owners(model)
        rows.append(
            LayerReport(
                name=OWN_VARIABLES_ROW,
                path=OWN_VARIABLES_ROW,
                depth=0,
                class_name=type(model).__name__,
                variables=tuple(
                    _variable(
                        v,
                        owners.get(id(v), (type(model).__name__, ()))[0],
                        id(v) in trainable_ids,
                        f"{OWN_VARIABLES_ROW}/{str(v.name).rsplit('/', 1)[-1]}",
                        bases=owners.get(id(v), ("", ()))[1],
                    )
                    for v in leftovers
                ),
                layer_trainable=bool(model.trainable),
            )
        )
    return CapturedModel(
        name=str(model.name),
        class_name=type(model).__name__,
        layers=tuple(rows),
        edges=tuple(walker.edges),
        inputs=inputs,
        outputs=outputs,
        input_shapes=model_input_shapes,
        source=source,
        engine="keras",
        trace=(
            None
            if recording is None
            else Trace(input_shapes=recording.input_shapes, error=recording.error)
        ),
    )


def _owners(model: Any) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Each variable's creating layer (class and base-class names), for variables no row
    shows: DeepLabV3 keeps ResNet's final BatchNormalization but never calls it."""
    owners: dict[int, tuple[str, tuple[str, ...]]] = {}
    for layer in model._flatten_layers(include_self=False, recursive=True):
        own = list(getattr(layer, "_trainable_variables", ())) + list(
            getattr(layer, "_non_trainable_variables", ())
        )
        for variable in own:
            owners.setdefault(id(variable), (type(layer).__name__, _base_names(layer)))
    return owners


def variables_by_path(model: Any) -> dict[str, Any]:
    """Each variable object of a built model under the ``path`` :func:`capture` gives it.

    The weight statistics (``layerscope.weights``) read values through this; it walks the
    model the way :func:`capture` does, so the two always agree.
    """
    _require_keras_model(model)
    _require_built(model)
    walker = _Walker({id(v) for v in model.trainable_weights})
    walker.walk(model, prefix="", depth=0, parent=None, chain=())
    found = dict(walker.objects_by_path)
    covered = {id(v) for v in found.values()}
    for variable in model.weights:
        if id(variable) not in covered:
            name = str(variable.name).rsplit("/", 1)[-1]
            found.setdefault(f"{OWN_VARIABLES_ROW}/{name}", variable)
    return found


# -- checks ----------------------------------------------------------------------------------


def _require_keras_model(model: Any) -> None:
    import keras

    if isinstance(model, keras.Model):
        return
    if isinstance(model, keras.layers.Layer):
        raise AnalysisError(
            f"expected a keras.Model, got the layer {model.name!r} ({type(model).__name__}); "
            "wrap it in keras.Sequential([...]) to analyse it"
        )
    module = type(model).__module__
    if module.startswith(("tf_keras", "tensorflow.python.keras", "tensorflow.keras")):
        raise AnalysisError(
            f"{type(model).__name__} from {module.split('.')[0]} is a Keras 2 model; "
            "layerscope reads Keras 3 models (save it as .h5 and load it with Keras 3)"
        )
    raise AnalysisError(
        f"expected a keras.Model or a path to a .keras/.h5 file, got {type(model).__name__}"
    )


def _require_built(model: Any) -> None:
    if model.built:
        return
    raise ModelNotBuiltError(
        f"model {model.name!r} ({type(model).__name__}) is not built, so its variables do "
        "not exist yet: call model.build(input_shape) or call it on a batch of data first "
        "(for a Sequential model, give it a keras.Input)"
    )


# -- the walk --------------------------------------------------------------------------------


class _Walker:
    def __init__(self, trainable_ids: set[int], recording: Recording | None = None) -> None:
        self.trainable_ids = trainable_ids
        self.rows: list[LayerReport] = []
        self.edges: list[Edge] = []
        self.top_level_variable_ids: list[list[Any]] = []
        self.paths_by_id: dict[int, str] = {}
        self.owner_by_id: dict[int, str] = {}
        """Path of the deepest row so far counting each variable (see ``_owner``)."""
        self.recording = recording if recording is not None and not recording.error else None
        # Recorded chains by (first, last) layer: a block may call a sub-sub-layer directly.
        self.chains_by_ends: dict[tuple[int, int], list[Chain]] = {}
        if self.recording is not None:
            for recorded in self.recording.calls:
                self.chains_by_ends.setdefault((recorded[0], recorded[-1]), []).append(recorded)
        self.objects_by_path: dict[str, Any] = {}

    def called_at(self, chain: Chain) -> bool:
        """Whether the trace recorded a call of the layer at exactly ``chain``."""
        return self.recording is not None and bool(self.recording.calls.get(chain))

    def traced(self, chain: Chain) -> tuple[tuple[LayerCall, ...], tuple[Any, ...]] | None:
        """The recorded calls and own matrix products of the layer at ``chain``."""
        if self.recording is None:
            return None
        found = chain if chain in self.recording.calls else None
        if found is None:
            candidates = self.chains_by_ends.get((chain[0], chain[-1]), [])
            found = candidates[0] if len(candidates) == 1 else None
        if found is None:
            return (), ()
        return tuple(self.recording.calls[found]), tuple(self.recording.ops.get(found, ()))

    def walk(
        self, container: Any, prefix: str, depth: int, parent: str | None, chain: Chain
    ) -> None:
        operations, nodes = _operations_and_nodes(container)
        is_chain = nodes is None
        listed = {id(op) for op in operations}
        previous: Any = None
        for operation in operations:
            path = prefix + str(operation.name)
            calls = [n for n in operation._inbound_nodes if nodes is not None and id(n) in nodes]
            inbound_names: list[str] = []
            for node in calls:
                for tensor in node.input_tensors:
                    source_op = tensor._keras_history.operation
                    if source_op is None or id(source_op) not in listed:
                        # Sequential's implicit InputLayer is not a row, so not a source.
                        continue
                    if source_op.name not in inbound_names:
                        inbound_names.append(str(source_op.name))
                    self.edges.append(
                        Edge(prefix + str(source_op.name), path, _shape(tensor.shape))
                    )
            if is_chain and previous is not None:
                inbound_names.append(str(previous.name))
                self.edges.append(Edge(prefix + str(previous.name), path, None))
            self.add_row(
                operation,
                path,
                depth,
                parent,
                (*chain, id(operation)),
                tuple(map(_node_call, calls)) or (_standalone_call(operation),),
                inbound=tuple(inbound_names),
                call_count=max(1, len(calls)),
            )
            previous = operation

    def add_row(
        self,
        operation: Any,
        path: str,
        depth: int,
        parent: str | None,
        chain: Chain,
        shapes: tuple[LayerCall, ...],
        inbound: tuple[str, ...] = (),
        call_count: int | None = None,
    ) -> None:
        """Append the row of ``operation``, then the rows inside it (nested model or block).

        ``shapes`` are the graph's calls (shown: the first; a shared layer with a rule is priced
        at each); a traced call, when recorded, wins: it is the shape the layer really ran at.
        ``call_count=None`` (a block's sub-layer, not in any graph) takes the traced calls' count.
        """
        input_shapes, output_shapes = shapes[0].input_shapes, shapes[0].output_shapes
        traced = self.traced(chain)
        calls: tuple[LayerCall, ...] = ()
        ops: tuple[Any, ...] = ()
        if traced is not None:
            calls, ops = traced
            if calls:
                input_shapes, output_shapes = calls[0].input_shapes, calls[0].output_shapes
        if call_count is None:
            call_count = len(calls) if traced is not None else 1
        if self.recording is not None and _is_input_layer(operation):
            # Input layers are not called; the traced input of that name is their output.
            for name, shape in self.recording.input_shapes:
                if name == str(operation.name) and shape:
                    output_shapes = ((None, *shape[1:]),)
        variables = self._variables(operation, path)
        if depth == 0:
            self.top_level_variable_ids.append(variables[1])
        is_container = _is_model(operation)
        sublayers = [] if is_container else _sublayers(operation)
        if traced is None and len(shapes) > 1 and not is_container and not sublayers:
            calls = shapes if priced_by_rule(_call_class(operation)) else ()
        self.rows.append(
            LayerReport(
                name=str(operation.name),
                path=path,
                depth=depth,
                class_name=type(operation).__name__,
                variables=variables[0],
                output_shapes=output_shapes,
                input_shapes=input_shapes,
                inbound=inbound,
                parent=parent,
                is_container=is_container,
                layer_trainable=bool(getattr(operation, "trainable", True)),
                dtype_policy=_policy_name(operation),
                config=_config(operation, is_container),
                call_count=call_count,
                is_block=bool(sublayers),
                call_class=_call_class(operation),
                calls=calls,
                ops=ops,
            )
        )
        if is_container:
            self.walk(operation, prefix=path + "/", depth=depth + 1, parent=path, chain=chain)
        # Tracked here and inside another sub-layer too (ViTDet's MLP keeps the Dense list it
        # wraps in a Sequential): shown inside only, unless also called from here.
        nested = _nested(sublayers)
        for sub in sublayers:
            if id(sub) in nested and not self.called_at((*chain, id(sub))):
                continue
            self.add_row(
                sub,
                f"{path}/{sub.name}",
                depth + 1,
                path,
                (*chain, id(sub)),
                (_standalone_call(sub),),
            )

    def _variables(self, operation: Any, path: str) -> tuple[tuple[Variable, ...], list[Any]]:
        """The operation's variables (its sublayers' included), each with its owner's class.

        Paths are ``<row path>/<sublayer names...>/<variable name>``: Keras's own
        ``variable.path`` depends on the name scope active when the variable was created
        (``sequential/Hidden1/kernel`` in memory, ``Hidden1/kernel`` after loading), so
        layerscope derives a stable one from the layer tree instead.
        """
        found: list[Variable] = []
        raw: list[Any] = []
        seen: set[int] = set()
        used_paths: set[str] = set()
        stack: list[tuple[Any, str]] = [(operation, path)]
        while stack:
            layer, prefix = stack.pop(0)
            owner_class = type(layer).__name__
            own = list(getattr(layer, "_trainable_variables", ())) + list(
                getattr(layer, "_non_trainable_variables", ())
            )
            for variable in own:
                if id(variable) in seen or not _is_weight(variable):
                    continue
                seen.add(id(variable))
                raw.append(variable)
                name = str(variable.name).rsplit("/", 1)[-1]
                # A variable met before (tied weights, or a nested model's variable seen
                # again in its inner rows) keeps its first path, so totals count it once.
                variable_path = self.paths_by_id.get(id(variable), f"{prefix}/{name}")
                suffix = 1
                while variable_path in used_paths:
                    suffix += 1
                    variable_path = f"{prefix}/{name}_{suffix}"
                used_paths.add(variable_path)
                self.paths_by_id.setdefault(id(variable), variable_path)
                self.objects_by_path.setdefault(variable_path, variable)
                found.append(
                    _variable(
                        variable,
                        owner_class,
                        id(variable) in self.trainable_ids,
                        variable_path,
                        shared_from=self._owner(variable, path),
                        bases=_base_names(layer),
                    )
                )
            stack[0:0] = [(sub, f"{prefix}/{sub.name}") for sub in getattr(layer, "_layers", ())]
        # Keras orders ``layer.weights`` own-variables first, then sublayers depth first,
        # which is the order this walk produces.
        return tuple(found), raw

    def _owner(self, variable: Any, row_path: str) -> str | None:
        """``None`` when the row at ``row_path`` counts ``variable``, else the path of the
        row that does.

        The first row to meet a variable owns it. Rows inside that row (a nested model's or
        a block's inner rows) list it again and count it too, being a finer view of the
        same parameters, and the deepest of them becomes the owner named to others. Any
        other row meeting it uses a variable that lives elsewhere: a tied embedding called
        again as the LM head, or a layer shared by two nested models. Counting it there
        too would make the depth-0 rows add up to more than the model holds.
        """
        owner = self.owner_by_id.get(id(variable))
        if owner is None or owner == row_path or row_path.startswith(owner + "/"):
            self.owner_by_id[id(variable)] = row_path
            return None
        return owner


def _is_stock(layer: Any) -> bool:
    """A layer class Keras itself defines (``keras.layers.Dense``...)."""
    return str(type(layer).__module__).startswith("keras.")


def _sublayers(layer: Any) -> list[Any]:
    """The sub-layers shown as rows under a custom layer (none under Keras's own layers,
    whose rules price them whole: MultiHeadAttention, Bidirectional...)."""
    if _is_stock(layer):
        return []
    return list(getattr(layer, "_layers", ()) or ())


def _nested(sublayers: list[Any]) -> set[int]:
    nested: set[int] = set()  # ids of the layers tracked inside ``sublayers``, at any depth
    stack = [inner for sub in sublayers for inner in getattr(sub, "_layers", ()) or ()]
    while stack:
        inner = stack.pop()
        if id(inner) not in nested:
            nested.add(id(inner))
            stack.extend(getattr(inner, "_layers", ()) or ())
    return nested


def _is_input_layer(layer: Any) -> bool:
    return type(layer).__name__ == "InputLayer"


def _has_blocks(model: Any) -> bool:
    """Whether a layer (nested models' too) runs code only a trace sees: a custom block or
    layer (its ``call`` not Keras's or keras_hub's) or a ``Lambda``."""
    stack = list(getattr(model, "_layers", ()) or ())
    while stack:
        layer = stack.pop()
        if _is_model(layer):
            stack.extend(getattr(layer, "_layers", ()) or ())
        elif _sublayers(layer) or not _call_class(layer) or type(layer).__name__ == "Lambda":
            return True
    return False


def _call_class(layer: Any) -> str:
    """The class whose ``call`` ``layer`` runs, when Keras or keras_hub defines it, else "".

    A subclass of a Keras layer that keeps the base's ``call`` is priced by the base's rule;
    one that overrides ``call`` (keras_hub's ``DepthwiseConvBlock``, a user's block) is not.
    """
    for cls in type(layer).__mro__:
        if str(cls.__module__).startswith(("keras.", "keras_hub.")):
            return cls.__name__
        if "call" in vars(cls):
            return ""
    return ""


def _is_weight(variable: Any) -> bool:
    # Metric state and seed generators live in the same lists on some layers; Keras's
    # ``layer.weights`` excludes them, and so do we.
    return not type(variable).__name__.startswith("SeedGenerator")


def _variable(
    variable: Any,
    owner_class: str,
    trainable: bool,
    path: str,
    shared_from: str | None = None,
    bases: tuple[str, ...] = (),
) -> Variable:
    name = str(variable.name).rsplit("/", 1)[-1]
    return Variable(
        name=name,
        path=path,
        role=variable_role(owner_class, name, trainable, bases=bases),
        shape=tuple(int(d) for d in variable.shape),
        dtype=_dtype_name(variable.dtype),
        trainable=trainable,
        shared_from=shared_from,
    )


def _base_names(layer: Any) -> tuple[str, ...]:
    """Class names of the layer's base classes (``LlamaLayerNorm`` -> ``Layer``, ...), so a
    role can follow what a layer is as well as what it is called."""
    return tuple(cls.__name__ for cls in type(layer).__mro__[1:])


def _dtype_name(dtype: Any) -> str:
    name = getattr(dtype, "name", None)
    return str(name if isinstance(name, str) else dtype)


def _operations_and_nodes(container: Any) -> tuple[list[Any], set[int] | None]:
    """The operations to list for ``container`` and the ids of the graph's nodes.

    ``None`` for the nodes means no graph is known (a subclassed model, or a Sequential
    model built without an input): rows are then a plain chain (Sequential) or unconnected.
    """
    functional = _functional_of(container)
    if functional is None:
        layers = list(container.layers)
        return layers, None
    nodes = {id(node) for group in functional._nodes_by_depth.values() for node in group}
    if _is_sequential(container):
        # Sequential lists its layers without the implicit InputLayer, as model.summary does.
        return list(container.layers), nodes
    return list(functional._operations), nodes


def _functional_of(container: Any) -> Any:
    if hasattr(container, "_nodes_by_depth") and hasattr(container, "_operations"):
        return container
    inner = getattr(container, "_functional", None)
    if inner is not None and hasattr(inner, "_nodes_by_depth"):
        return inner
    return None


def _is_sequential(container: Any) -> bool:
    import keras

    return isinstance(container, keras.Sequential)


def _is_model(operation: Any) -> bool:
    import keras

    return isinstance(operation, keras.Model)


def _node_call(node: Any) -> LayerCall:
    ins, outs = ([_shape(t.shape) for t in ts] for ts in (node.input_tensors, node.output_tensors))
    return LayerCall(tuple(ins), tuple(outs))


def _standalone_call(operation: Any) -> LayerCall:
    """Shapes of a layer that was built without a graph (subclassed models)."""
    build_shapes: Mapping[str, Any] = getattr(operation, "_build_shapes_dict", None) or {}
    inputs: list[Shape] = []
    for value in build_shapes.values():
        inputs.extend(_flat_shapes(value))
    outputs: list[Shape] = []
    if build_shapes:
        try:
            result = operation.compute_output_shape(**build_shapes)
            outputs = _flat_shapes(result)
        except Exception:  # noqa: BLE001 - many layers cannot say; the shape is then unknown
            outputs = []
    return LayerCall(tuple(inputs), tuple(outputs))


def _flat_shapes(value: Any) -> list[Shape]:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _flat_shapes(item)]
    if isinstance(value, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in value):
            return [_shape(value)]
        return [s for item in value for s in _flat_shapes(item)]
    if hasattr(value, "shape"):
        return [_shape(value.shape)]
    return []


def _shape(shape: Any) -> Shape:
    return tuple(None if d is None else int(d) for d in shape)


def _policy_name(operation: Any) -> str | None:
    policy = getattr(operation, "dtype_policy", None)
    name = getattr(policy, "name", None)
    return str(name) if name is not None else None


def _config(operation: Any, is_container: bool) -> Mapping[str, Any]:
    if is_container:
        return {"name": str(operation.name), "trainable": bool(operation.trainable)}
    try:
        config = operation.get_config()
    except Exception:  # noqa: BLE001 - a custom layer without get_config still gets a row
        return {}
    return config if isinstance(config, dict) else {}


def _graph_ends(model: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    functional = _functional_of(model)
    if functional is None:
        return (), ()
    listed = {id(op) for op in _operations_and_nodes(model)[0]}

    def names(tensors: Any) -> tuple[str, ...]:
        import keras

        result = []
        for tensor in keras.tree.flatten(tensors):
            op = tensor._keras_history.operation
            if op is not None and id(op) in listed and op.name not in result:
                result.append(str(op.name))
        return tuple(result)

    return names(functional.inputs), names(functional.outputs)


def _model_input_shapes(model: Any) -> tuple[Shape, ...]:
    functional = _functional_of(model)
    if functional is not None:
        import keras

        return tuple(_shape(t.shape) for t in keras.tree.flatten(functional.inputs))
    build_shapes = getattr(model, "_build_shapes_dict", None) or {}
    return tuple(s for value in build_shapes.values() for s in _flat_shapes(value))
