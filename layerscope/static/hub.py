"""The static engine for models whose ``config.json`` holds no layer graph (keras_hub).

keras_hub models (and subclassed models) serialise only their constructor arguments:
``bert_base.keras``'s ``config.json`` is ``{"class_name": "BertBackbone", "config":
{"vocabulary_size": 30522, "num_layers": 12, ...}}``. The weights file still holds every
layer: ``layers/<snake_class>[_N]`` groups (Keras's save-time counters, in ``model.layers``
order), sub-layers under the attribute holding them (``_self_attention_layer/query_dense``),
each ``vars`` group carrying the layer's real name (``transformer_layer_0``) and its variables
as datasets ``vars/0..n`` whose shapes and dtypes are read, never their data.

So this module builds the report from two sources, never executing anything from the file:

* **what exists** (rows' names, every variable's exact shape and dtype) always comes from the
  weights file's metadata;
* **how the layers connect, their output shapes and the variables' names** come from the
  construction of the keras_hub backbones it knows (:data:`RECIPES`: BERT, GPT-2 and
  GPT2CausalLM, ViT, Llama, Mistral, Qwen2, Qwen3, Gemma, T5, MobileNet), driven by the
  config and an optional ``seq_len`` / ``input_shapes`` for the model's unknown input sizes;
* **the rows inside each block** (``transformer_layer_0/self_attention/query``: the rows the
  Keras engine gets by tracing the model) come from the block's sub-layer template
  (:data:`SUB_ROWS`): their classes, call shapes and the matrix products the block's own
  code runs, from the block's config and input shape; their names and variables from the
  groups the file saved them under. A sub-layer keras_hub leaves unnamed (an attention's
  ``dropout``) is saved under the saving session's counter (``dropout_48``) and named as a
  fresh session loading the file names it (``dropout``, ``dropout_1``... in construction
  order), as the Keras engine shows it.

Everything a recipe expects is checked against the file (each row's group by its saved
name, each layer's variable count, each block's parameters and each sub-layer's kernel
against its config); any
mismatch raises :class:`StaticUnsupported` and the generic reader (:func:`read_tree`) takes
over: rows from the weights file's groups, named by their saved names, variables exact, and
the gaps (classes, roles, shapes the file does not say) listed in :attr:`HubRead.gaps`
instead of guessed. ``--engine auto`` uses a report only when it has no gaps.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.input_sizes import check_input_names, resolve_input_shape
from layerscope.report import CapturedModel, Edge, LayerCall, LayerReport, Shape, Trace, Variable
from layerscope.static.hub_tree import (
    _STATELESS,
    HubRead,
    _deep_count,
    _in_save_order,
    _layer_groups,
    _policy,
    _quantized,
    _Reader,
    _saved_name,
    _unsupported,
    read_tree,
)
from layerscope.static.naming import a_class
from layerscope.static.plans import BLOCKS, Plan, Recipe
from layerscope.static.recipes import BLOCK_SWITCHES, EXPECTED_PARAMS, RECIPES
from layerscope.static.subrows import SUB_ROWS, SubRow


class _Builder:
    def __init__(self, root: Any, policy: str, trainable: bool) -> None:
        self.reader = _Reader(root)
        self.policy = policy
        self.trainable = trainable
        self.rows: list[LayerReport] = []
        self.edges: list[Edge] = []
        self.by_path: dict[str, LayerReport] = {}
        self.operations: set[str] = set()
        """Paths of the rows that are graph operations, not layers."""
        self.auto_names: dict[str, int] = {}
        """Keras's session counters for unnamed sub-layers (``dropout``, ``dropout_1``...),
        as a fresh session loading the file advances them."""

    def build(
        self, recipe: Recipe, group: Any, prefix: str, depth: int, parent: str | None
    ) -> list[Variable]:
        outer_trainable = self.trainable
        self.trainable = self.trainable and recipe.trainable
        try:
            return self._build(recipe, group, prefix, depth, parent)
        finally:
            self.trainable = outer_trainable

    def _build(
        self, recipe: Recipe, group: Any, prefix: str, depth: int, parent: str | None
    ) -> list[Variable]:
        groups = _layer_groups(group)
        used: set[str] = set()
        names = {plan.name for plan in recipe.plans}
        for plan in recipe.plans:
            if plan.auto_name:
                self._unnamed(plan, groups, names)
        callers: dict[str, list[str]] = {}
        all_variables: list[Variable] = []
        for plan in recipe.plans:
            path = prefix + plan.name
            for source, shape in plan.inputs:
                if source in names:
                    self.edges.append(Edge(prefix + source, path, shape))
                    callers.setdefault(plan.name, [])
                    if source not in callers[plan.name]:
                        callers[plan.name].append(source)
            row_index = len(self.rows)
            self.rows.append(
                LayerReport(name=plan.name, path=path, depth=depth, class_name=plan.class_name)
            )
            variables: list[Variable]
            is_container = plan.nested is not None
            layer_group = None
            if plan.same_as is not None:
                # A second call of a layer owned elsewhere (the tied LM head): its variables
                # are listed here and counted in the owner's row.
                variables = [
                    dataclasses.replace(v, shared_from=plan.same_as)
                    for v in self.by_path[plan.same_as].variables
                ]
            elif plan.operation:
                variables = []
                self.operations.add(path)
            else:
                layer_group = groups.get(plan.name)
                if layer_group is None and plan.class_name in _STATELESS:
                    variables = []
                elif layer_group is None:
                    raise _unsupported(
                        f"the weights file has no layer {plan.name!r}, which "
                        f"{recipe.class_name or 'the model'} builds"
                    )
                else:
                    used.add(plan.name)
                if layer_group is None:
                    pass
                elif plan.nested is not None:
                    variables = self.build(plan.nested, layer_group, path + "/", depth + 1, path)
                else:
                    variables = self.reader.variables(
                        plan.class_name, layer_group, path, self.trainable, path
                    )
                    _check_params(plan, variables)
                    template = SUB_ROWS.get(plan.class_name)
                    if template is not None and plan.inputs:
                        self._sub_rows(
                            template(plan.config, plan.inputs[0][1]),
                            layer_group,
                            path,
                            path,
                            depth + 1,
                            variables,
                        )
            row = LayerReport(
                name=plan.name,
                path=path,
                depth=depth,
                class_name=plan.class_name,
                variables=tuple(variables),
                output_shapes=tuple(plan.outputs),
                # A block's mask goes in as a keyword argument: its first call's positional
                # input is the hidden states alone (the mask still feeds it: edges, inbound).
                input_shapes=(
                    tuple(plan.call_inputs)
                    if plan.call_inputs is not None
                    else (plan.inputs[0][1],)
                    if plan.class_name in BLOCKS and plan.inputs
                    else tuple(shape for _, shape in plan.inputs)
                ),
                inbound=tuple(callers.get(plan.name, ())),
                parent=parent,
                is_container=is_container,
                is_block=plan.class_name in BLOCKS,
                layer_trainable=(
                    plan.nested.trainable
                    if plan.nested is not None
                    else self.by_path[plan.same_as].layer_trainable
                    if plan.same_as is not None
                    else True  # freezing a model leaves its InputLayers' flag alone
                    if plan.class_name == "InputLayer"
                    else self.trainable
                ),
                dtype_policy=(
                    None
                    if plan.operation
                    else "float32"  # an InputLayer's policy is the global default
                    if plan.class_name == "InputLayer"
                    else self.policy
                ),
                config={"name": plan.name, "trainable": self.trainable, **plan.config},
                call_count=plan.call_count,
            )
            self.rows[row_index] = row
            self.by_path[path] = row
            if plan.same_as is None:
                all_variables.extend(variables)
        extra = [name for name, g in groups.items() if name not in used and _deep_count(g)]
        if extra:
            raise _unsupported(f"the weights file holds layers the recipe does not: {extra}")
        return all_variables

    def _unnamed(self, plan: Plan, groups: dict[str, Any], names: set[str]) -> None:
        """Find the group of a layer its constructor left unnamed (saved as, say,
        ``activation_12``) and file it under the name a fresh session gives it."""
        pattern = rf"{re.escape(plan.name)}(_\d+)?"
        saved = [n for n in groups if re.fullmatch(pattern, n) and n not in names - {plan.name}]
        count = self.auto_names.get(plan.name, 0)
        self.auto_names[plan.name] = count + 1
        if count:
            raise _unsupported(f"{plan.name!r} would be named {plan.name}_{count} on loading")
        if len(saved) > 1:
            raise _unsupported(f"{len(saved)} weights groups could be the layer {plan.name!r}")
        if saved:
            groups[plan.name] = groups.pop(saved[0])

    def _sub_rows(
        self,
        subs: Sequence[SubRow],
        group: Any,
        saved_path: str,
        path: str,
        depth: int,
        variables: Sequence[Variable],
    ) -> None:
        """The rows inside a block (``subs``, from its config), each checked against the
        weights group it is saved under, which gives its name and variables."""
        for sub in subs:
            sub_group = group.get(sub.attribute)
            if sub_group is None:
                raise _unsupported(f"{path!r} has no saved {sub.attribute}")
            if sub.listed is not None:
                items = [
                    dataclasses.replace(sub.listed, attribute=key)
                    for key in _in_save_order(list(sub_group))
                ]
                self._sub_rows(items, sub_group, saved_path, path, depth, variables)
                continue
            saved = _saved_name(sub_group)
            if saved is None:
                raise _unsupported(f"{path!r}: its {sub.attribute} has no saved name")
            name = saved
            if sub.auto_name is not None:
                if not re.fullmatch(rf"{re.escape(sub.auto_name)}(_\d+)?", saved):
                    raise _unsupported(
                        f"{path!r}: {sub.attribute} is saved as {saved!r}, not as an unnamed "
                        f"{sub.class_name}"
                    )
                count = self.auto_names.get(sub.auto_name, 0)
                self.auto_names[sub.auto_name] = count + 1
                name = sub.auto_name if count == 0 else f"{sub.auto_name}_{count}"
            sub_saved, sub_path = f"{saved_path}/{saved}", f"{path}/{name}"
            own = [
                dataclasses.replace(v, path=sub_path + v.path[len(sub_saved) :])
                for v in variables
                if v.path.startswith(sub_saved + "/")
            ]
            if not sub.subs and _deep_count(sub_group) != len(own):
                raise _unsupported(f"{sub_path!r} holds variables its block does not list")
            _check_kernel(sub, sub_path, own)
            calls = tuple(LayerCall(inputs, outputs) for inputs, outputs in sub.calls)
            self.rows.append(
                LayerReport(
                    name=name,
                    path=sub_path,
                    depth=depth,
                    class_name=sub.class_name,
                    variables=tuple(own),
                    output_shapes=calls[0].output_shapes if calls else (),
                    input_shapes=calls[0].input_shapes if calls else (),
                    parent=path,
                    is_block=bool(sub.subs),
                    layer_trainable=self.trainable,
                    dtype_policy=sub.dtype or self.policy,
                    config={"name": name, "trainable": self.trainable, **sub.config},
                    call_count=len(calls),
                    calls=calls,
                    ops=sub.ops,
                )
            )
            if sub.subs:
                self._sub_rows(sub.subs, sub_group, sub_saved, sub_path, depth + 1, variables)


def _check_kernel(sub: SubRow, path: str, variables: Sequence[Variable]) -> None:
    """A sub-layer's MACs are counted from its config: its kernel must be what the config
    says (a Conv2D's ``k x k x in/groups x filters``, a Dense's ``in x units``)."""
    kernel = next((v.shape for v in variables if v.name == "kernel"), None)
    if kernel is None or not sub.calls or not sub.calls[0][0]:
        return
    inputs = sub.calls[0][0][0][-1]
    if sub.class_name == "Conv2D" and inputs is not None:
        size, groups = sub.config["kernel_size"], int(sub.config["groups"])
        want: tuple[int, ...] = (*size, inputs // groups, int(sub.config["filters"]))
    elif sub.class_name == "Dense" and inputs is not None:
        want = (inputs, int(sub.config["units"]))
    else:
        return
    if tuple(kernel) != want:
        raise _unsupported(
            f"{path!r} ({sub.class_name}) holds a {kernel} kernel where its block's config "
            f"implies {want}"
        )


def _check_params(plan: Plan, variables: Sequence[Variable]) -> None:
    """A block must hold what its config implies: its MACs are counted from that config."""
    expected = EXPECTED_PARAMS.get(plan.class_name)
    if expected is None or not plan.inputs:
        return
    width = plan.inputs[0][1][-1]
    if width is None:
        return
    want = expected(plan.config, width)
    held = sum(v.count for v in variables)
    if held != want:
        raise _unsupported(
            f"layer {plan.name!r} ({plan.class_name}) holds {held} parameters where its "
            f"config implies {want}"
        )


def _recipe_for(
    config: Mapping[str, Any], seq_len: int | None, input_shapes: Mapping[str, Sequence[int]] | None
) -> Recipe:
    class_name = str(config.get("class_name"))
    kind, function = RECIPES[class_name]
    inner = config.get("config") or {}
    for switch in BLOCK_SWITCHES.get(class_name, ()):
        if inner.get(switch):
            raise _unsupported(f"{class_name} with {switch}, whose layers are not known")
    if kind == "seq2seq":  # T5: the encoder's and the decoder's lengths
        lengths = [seq_len, seq_len]
        for name, shape in (input_shapes or {}).items():
            if len(shape) == 1:
                lengths[0 if name.startswith("encoder") else 1] = int(shape[0])
        recipe = function(inner, (lengths[0], lengths[1]))
    elif kind == "image":
        image: Shape | None = None
        # The image input (ViT's ``images``, MobileNet's ``input_layer``): its 3 sizes.
        sizes = [tuple(v) for v in (input_shapes or {}).values() if len(v) == 3]
        if sizes:
            image = (None, *(int(d) for d in sizes[0]))
        recipe = function(inner, image)
    else:
        length = seq_len
        if input_shapes:
            for shape in input_shapes.values():
                if len(shape) == 1:
                    length = int(shape[0])
        recipe = function(inner, length)
    recipe.class_name = class_name
    return recipe


def _check_sizes(
    unsized: Recipe,
    sized: Recipe,
    seq_len: int | None,
    input_shapes: Mapping[str, Sequence[int]],
) -> None:
    """The sizes asked for, checked as the Keras engine checks them (a name the model has no
    input for is the same usage error), and declined when the recipe cannot give each input
    the size Keras would (a recipe gives all token inputs one length): Keras measures those.
    ``unsized`` is the recipe built without sizes, ``sized`` the one built with them."""
    check_input_names(input_shapes, unsized.inputs)
    wanted = [
        resolve_input_shape(name, shape, seq_len, input_shapes.get(name))
        for name, shape in zip(unsized.inputs, unsized.input_shapes, strict=True)
    ]
    applied = [(1, *shape[1:]) for shape in sized.input_shapes]
    if wanted != applied:
        pairs = zip(unsized.inputs, wanted, strict=True)
        asked = ", ".join(f"{name} {shape}" for name, shape in pairs)
        raise _unsupported(
            f"the input sizes asked for ({asked}) differ between inputs its recipe sizes "
            "together; Keras measures them by calling the model"
        )


def read_hub_model(
    config: Mapping[str, Any],
    weights: Any,
    source: str | None,
    seq_len: int | None = None,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> HubRead:
    """The report of a model whose config has no layer graph: from its recipe when the
    engine knows the class and the file holds what the recipe builds, else the generic
    reading of the weights file with its gaps listed."""
    class_name = str(config.get("class_name"))
    inner = config.get("config") or {}
    policy = _policy(inner)
    trainable = bool(inner.get("trainable", True))
    reason = (
        f"the model is {a_class(class_name)} (a subclassed model) whose construction the static "
        "engine does not know"
    )
    if class_name in RECIPES and _quantized(inner):
        reason = (
            f"the model is a quantized {class_name}, whose quantized layers save variables "
            "(int8/int4 kernels and scales) its construction does not name"
        )
    elif class_name in RECIPES:
        sized = seq_len is not None or bool(input_shapes)
        try:
            recipe = _recipe_for(config, seq_len, input_shapes)
            # The recipe as built (no sizes): the graph's shapes, and what sizes apply to.
            graph = _recipe_for(config, None, None) if sized else recipe
        except Exception as error:  # noqa: BLE001 - read generically instead
            return read_tree(config, weights, source, _mismatch(class_name, error))
        if sized:
            _check_sizes(graph, recipe, seq_len, input_shapes or {})
        try:
            builder = _Builder(weights.root, policy, trainable)
            builder.build(recipe, weights.root, "", 0, None)
            # The rows hold the shapes the layers run at (seq_len / input_shapes filled in,
            # as the Keras engine's trace does); the graph's edges and inputs keep the
            # shapes the model was built with, as Keras's graph does.
            edges = builder.edges
            if sized:
                unsized = _Builder(weights.root, policy, trainable)
                unsized.build(graph, weights.root, "", 0, None)
                edges = unsized.edges
                # Graph operations (``x[:, 0, :]``) are not layers: nothing traces their
                # calls, and the Keras engine shows their graph shapes.
                operations = {
                    row.path: row for row in unsized.rows if row.path in unsized.operations
                }
                builder.rows = [operations.get(row.path, row) for row in builder.rows]
            report = CapturedModel(
                name=str(inner.get("name", recipe.name)),
                class_name=class_name,
                layers=tuple(builder.rows),
                edges=tuple(edges),
                inputs=recipe.inputs,
                outputs=recipe.outputs,
                input_shapes=graph.input_shapes,
                source=source,
                engine="static",
                # The sizes the recipe's rows were derived at: what Keras's symbolic call
                # records as its trace (batch 1; None where no size was given).
                trace=Trace(
                    input_shapes=tuple(
                        (name, (1, *shape[1:]))
                        for name, shape in zip(recipe.inputs, recipe.input_shapes, strict=True)
                    )
                ),
            )
            return HubRead(report)
        except Exception as error:  # noqa: BLE001 - any mismatch: read generically instead
            reason = _mismatch(class_name, error)
    return read_tree(config, weights, source, reason)


def _mismatch(class_name: str, error: Exception) -> str:
    return f"{class_name}'s file does not hold what its construction builds ({error})"


__all__ = ["HubRead", "read_hub_model", "read_tree"]
