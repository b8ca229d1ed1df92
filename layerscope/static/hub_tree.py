"""The keras_hub reader's groundwork: its report type (:class:`HubRead`), the weights file's
layer groups in save order, and the generic reading (:func:`read_tree`) of a keras_hub model
no recipe describes: rows from the weights file's groups, their unknowns listed as gaps."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from layerscope.catalogue import names_where
from layerscope.report import CapturedModel, LayerReport, Variable
from layerscope.roles import variable_role
from layerscope.static.plans import BLOCKS, NON_TRAINABLE, OWN, VARIABLE_NAMES, Dims, Sub


def _unsupported(message: str) -> Exception:
    from layerscope.static import StaticUnsupported

    return StaticUnsupported(message)


@dataclass(frozen=True)
class HubRead:
    """A report built from the weights file, and what it could not derive."""

    report: CapturedModel
    gaps: tuple[str, ...] = ()
    """One line per thing left unknown (a class, variable names, output shapes...).
    Empty when the report is as exact as the Keras engine's."""


def _saved_name(group: Any) -> str | None:
    vars_group = group.get("vars") if group is not None else None
    return vars_group.saved_name if vars_group is not None else None


def _counter(key: str) -> tuple[str, int]:
    """``transformer_encoder_10`` -> (``transformer_encoder``, 10); no suffix counts 0."""
    match = re.fullmatch(r"(.+?)_(\d+)", key)
    if match and not match.group(1).endswith("_"):
        return match.group(1), int(match.group(2))
    return key, 0


def _in_save_order(keys: Sequence[str]) -> list[str]:
    """Group keys as Keras numbered them (``x``, ``x_1``, ``x_2``... ``x_10``), not sorted as
    strings the way HDF5 lists them."""
    return sorted(keys, key=lambda k: (_counter(k)[0], _counter(k)[1]))


class _Reader:
    """Reads variables off one model's weights index, checking every count."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.gaps: list[str] = []

    def variables(
        self,
        class_name: str,
        group: Any,
        path: str,
        trainable: bool,
        where: str,
    ) -> list[Variable]:
        """A known layer's variables: its own, then its sub-layers' in creation order."""
        found: list[Variable] = []
        self._collect(class_name, group, path, trainable, where, found, None, ())
        return found

    def _collect(
        self,
        class_name: str,
        group: Any,
        path: str,
        trainable: bool,
        where: str,
        found: list[Variable],
        own: tuple[str, ...] | None,
        subs: tuple[Sub, ...],
    ) -> None:
        if group is None:
            raise _unsupported(f"the weights file has no group for {where!r}")
        names = own if own is not None else OWN.get(class_name, VARIABLE_NAMES.get(class_name, ()))
        vars_group = group.get("vars")
        count = vars_group.dataset_count() if vars_group is not None else 0
        if count > len(names):
            raise _unsupported(
                f"{where!r} ({class_name}) saved {count} variables where at most "
                f"{len(names)} were expected"
            )
        for index in range(count):
            shape, dtype = vars_group.dataset(str(index))
            name = names[index]
            is_trainable = trainable and name not in NON_TRAINABLE
            found.append(
                Variable(
                    name=name,
                    path=f"{path}/{name}",
                    role=variable_role(class_name, name, is_trainable),
                    shape=shape,
                    dtype=dtype,
                    trainable=is_trainable,
                )
            )
        known = {"vars"}
        for sub in subs or BLOCKS.get(class_name, ()):
            known.add(sub.attribute)
            sub_group = group.get(sub.attribute)
            if sub_group is None:
                if sub.optional:
                    continue
                raise _unsupported(f"{where!r} ({class_name}) has no saved {sub.attribute}")
            if sub.listed:
                for key in _in_save_order(list(sub_group)):
                    item = sub_group.get(key)
                    item_name = _saved_name(item) or key
                    self._collect(
                        sub.class_name,
                        item,
                        f"{path}/{item_name}",
                        trainable,
                        f"{where}/{item_name}",
                        found,
                        None,
                        (),
                    )
                continue
            sub_name = _saved_name(sub_group)
            if sub_name is None:
                raise _unsupported(f"{where!r}: its {sub.attribute} has no saved name")
            self._collect(
                sub.class_name,
                sub_group,
                f"{path}/{sub_name}",
                trainable,
                f"{where}/{sub_name}",
                found,
                sub.own,
                sub.subs,
            )
        for key in group:
            if key not in known and _deep_count(group.get(key)):
                raise _unsupported(
                    f"{where!r} ({class_name}) saved unexpected variables under {key!r}"
                )


def _deep_count(group: Any) -> int:
    return 0 if group is None else int(group.dataset_count_deep())


def _policy(config: Dims) -> str:
    dtype = config.get("dtype")
    if isinstance(dtype, str):
        return dtype
    if isinstance(dtype, Mapping):
        name = (dtype.get("config") or {}).get("name")
        if isinstance(name, str):
            return name
    return "float32"


def _quantized(config: Dims) -> bool:
    """Whether ``model.quantize`` changed the model: its dtype is then a per-layer map (or
    a quantized policy), and quantized layers save other variables (int8 kernels and their
    scales) than the names a recipe knows."""
    dtype = config.get("dtype")
    return isinstance(dtype, Mapping) and dtype.get("class_name") in (
        "DTypePolicyMap",
        "QuantizedDTypePolicy",
        "Int4DTypePolicy",
        "QuantizedFloat8DTypePolicy",
    )


_QUANTIZABLE = frozenset({"Dense", "EinsumDense", "Embedding", "ReversibleEmbedding"})
"""Classes ``model.quantize`` changes (their saved variables then depend on the mode)."""


def _layer_groups(container: Any) -> dict[str, Any]:
    """The container's saved layers by their saved names."""
    layers = container.get("layers") if container is not None else None
    found: dict[str, Any] = {}
    if layers is None:
        return found
    for key in layers:
        group = layers.get(key)
        name = _saved_name(group)
        if name is None:
            raise _unsupported(f"the weights group layers/{key} has no saved layer name")
        if name in found:
            raise _unsupported(f"two weights groups belong to the layer {name!r}")
        found[name] = group
    return found


_STATELESS = names_where("stateless")
"""Classes without variables: Keras may save no group for them (an input shared with a
nested backbone), and nothing is lost when it does not."""


def _camel(stem: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in stem.split("_") if part)


_STOCK = {
    "input_layer": "InputLayer",
    "dense": "Dense",
    "einsum_dense": "EinsumDense",
    "embedding": "Embedding",
    "layer_normalization": "LayerNormalization",
    "rms_normalization": "RMSNormalization",
    "conv1d": "Conv1D",
    "conv2d": "Conv2D",
    "dropout": "Dropout",
    "add": "Add",
    "reversible_embedding": "ReversibleEmbedding",
    "position_embedding": "PositionEmbedding",
    "batch_normalization": "BatchNormalization",
    "depthwise_conv2d": "DepthwiseConv2D",
}
"""Group stems whose class (and so whose variables' names) is certain: Keras names a saved
layer's group after its class, and these classes' variables are known."""


def read_tree(config: Mapping[str, Any], weights: Any, source: str | None, reason: str) -> HubRead:
    """Rows from the weights file's groups: names as saved, variables exact in count, shape
    and dtype; class names, variable names and roles only where the group says them, and
    every gap listed. Rows follow the file's order (Keras's counters within each class)."""
    inner = config.get("config") or {}
    policy = _policy(inner)
    trainable = bool(inner.get("trainable", True))
    gaps = [reason]
    quantized = _quantized(inner)
    rows: list[LayerReport] = []
    unnamed = 0
    guessed: list[str] = []

    def walk(group: Any, prefix: str, depth: int, parent: str | None) -> list[Variable]:
        nonlocal unnamed
        collected: list[Variable] = []
        layers = group.get("layers")
        if layers is None:
            return collected
        for key in _in_save_order(list(layers)):
            layer_group = layers.get(key)
            name = _saved_name(layer_group) or key
            path = prefix + name
            stem = _counter(key)[0]
            class_name = _STOCK.get(stem)
            if class_name is None:
                class_name = _camel(stem)
                guessed.append(path)
            index = len(rows)
            rows.append(LayerReport(name=name, path=path, depth=depth, class_name=class_name))
            nested = layer_group.get("layers") is not None
            if nested:
                variables = walk(layer_group, path + "/", depth + 1, path)
            else:
                variables = []
                for var_path, shape, dtype, owner in _datasets(layer_group, path, class_name):
                    names = (
                        None
                        if owner[0] is None or (quantized and owner[0] in _QUANTIZABLE)
                        else VARIABLE_NAMES.get(owner[0])
                    )
                    if names and owner[1] < len(names):
                        var_name = names[owner[1]]
                    else:
                        var_name = f"variable_{owner[1]}"
                        unnamed += 1
                    is_trainable = trainable and var_name not in NON_TRAINABLE
                    variables.append(
                        Variable(
                            name=var_name,
                            path=f"{var_path}/{var_name}",
                            role=variable_role(owner[0] or class_name, var_name, is_trainable),
                            shape=shape,
                            dtype=dtype,
                            trainable=is_trainable,
                        )
                    )
            rows[index] = LayerReport(
                name=name,
                path=path,
                depth=depth,
                class_name=class_name,
                variables=tuple(variables),
                parent=parent,
                is_container=nested,
                layer_trainable=trainable,
                dtype_policy=policy,
                config={"name": name},
            )
            collected.extend(variables)
        return collected

    walk(weights.root, "", 0, None)
    if guessed:
        example = rows[[r.path for r in rows].index(guessed[0])].class_name
        gaps.append(
            (
                f"the classes of {len(guessed)} layers are read from their weights-group names "
                if len(guessed) > 1
                else "the class of 1 layer is read from its weights-group name "
            )
            + f"(e.g. {guessed[0]!r} as {example})"
        )
    if unnamed:
        gaps.append(
            f"{unnamed} variables of custom sub-layers have no known names (shown as "
            "variable_N with role 'other')"
        )
    gaps.append("output shapes, graph edges and MACs are unknown (config.json has no graph)")
    gaps.append("trainability is taken from the model's own trainable flag")
    report = CapturedModel(
        name=str(inner.get("name", class_name_of(config))),
        class_name=class_name_of(config),
        layers=tuple(rows),
        source=source,
        engine="static",
    )
    return HubRead(report, tuple(gaps))


def class_name_of(config: Mapping[str, Any]) -> str:
    return str(config.get("class_name"))


def _datasets(
    group: Any, path: str, class_name: str | None
) -> Iterator[tuple[str, tuple[int, ...], str, tuple[str | None, int]]]:
    """Every variable under a layer's group, depth first: own ``vars`` first, then
    sub-groups in name order, each with its owner's class when the group says it."""
    vars_group = group.get("vars")
    if vars_group is not None:
        for index in range(vars_group.dataset_count()):
            shape, dtype = vars_group.dataset(str(index))
            known = class_name if class_name in VARIABLE_NAMES else None
            yield path, shape, dtype, (known, index)
    for key in group:
        if key == "vars":
            continue
        sub = group.get(key)
        if sub is None or not _deep_count(sub):
            continue
        sub_name = _saved_name(sub) or key
        # A sub-group is named after the attribute holding it, not its class: unknown.
        yield from _datasets(sub, f"{path}/{sub_name}", None)
