"""A layer's variables, read from the weights index in capture order and checked against the
shapes its catalogue rules imply; dtypes and policies as Keras builds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue import kind_of, layout_rule, variable_shape_rule
from layerscope.catalogue.kind import Pattern, ShapeList
from layerscope.catalogue.layout import quantization_mode
from layerscope.errors import StaticUnsupported
from layerscope.report import Variable
from layerscope.roles import variable_role
from layerscope.static.archive import dataset_count, dataset_count_deep

DEFAULT_POLICY = "float32"


def policy_name(class_name: str, config: Mapping[str, Any]) -> str:
    if class_name == "InputLayer":
        # InputLayer keeps its tensor dtype apart; its policy is the global default.
        return DEFAULT_POLICY
    dtype = config.get("dtype")
    if dtype is None:
        return DEFAULT_POLICY
    if isinstance(dtype, str):
        return dtype
    if isinstance(dtype, Mapping):
        name = (dtype.get("config") or {}).get("name")
        if isinstance(name, str):
            return name
        mode = quantization_mode(config)
        source = (dtype.get("config") or {}).get("source_name")
        if mode is not None and isinstance(source, str):
            return f"{mode}_from_{source}"  # QuantizedDTypePolicy's own name
    raise StaticUnsupported(f"unreadable dtype policy {dtype!r}")


_FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})


def _variable_dtype(saved: str, class_name: str, config: Mapping[str, Any], name: str) -> str:
    """The dtype of the variable Keras builds, which is not always the saved one: Keras
    casts the saved values (float16, float64, even int32) into the variable it made, of its
    own dtype (``LayerKind.variable_dtypes``) or its layer policy's variable dtype (float32 under
    ``float32`` and the ``mixed_*`` policies)."""
    kind = kind_of(class_name)
    fixed = dict(kind.variable_dtypes).get(name) if kind is not None else None
    if fixed is not None:
        return fixed
    policy = policy_name(class_name, config)
    variable = "float32" if policy.startswith("mixed_") else policy
    return variable if variable in _FLOAT_DTYPES else saved


def check_group_name(group: Any, name: str, key: str) -> None:
    if group is None:
        return
    vars_group = group.get("vars")
    saved = vars_group.saved_name if vars_group is not None else None
    if saved is not None and saved != name:
        raise StaticUnsupported(f"weights group {key!r} belongs to layer {saved!r}, not {name!r}")


class AutoNames:
    """Keras's ``auto_name`` counter for unnamed variables, as a fresh session runs it."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        count = self.used.get(prefix, 0)
        self.used[prefix] = count + 1
        return prefix if count == 0 else f"{prefix}_{count}"


def layer_variables(
    class_name: str,
    config: Mapping[str, Any],
    group: Any,
    path: str,
    trainable: bool,
    auto_names: AutoNames,
    inputs: ShapeList,
) -> list[Variable]:
    """A layer's variables in capture order: its own, then its sublayers' depth first.

    ``inputs`` are the shapes of the layer's first call, which its variables are built for.
    """
    found: list[Variable] = []
    _collect(
        class_name,
        config,
        group,
        path_prefix=path,
        trainable=trainable,
        found=found,
        where=path,
        auto_names=auto_names,
        inputs=inputs,
    )
    return found


def _collect(
    class_name: str,
    config: Mapping[str, Any],
    group: Any,
    path_prefix: str,
    trainable: bool,
    found: list[Variable],
    where: str,
    auto_names: AutoNames,
    inputs: ShapeList,
    implied: Mapping[str, Pattern] | None = None,
) -> None:
    """Append the variables of one layer (and, depth first, its sublayers') to ``found``,
    after checking every one against the shape the config implies (``implied``, else the
    class's catalogue rule (``LayerKind.variable_shapes``) applied to ``inputs``)."""
    layout = layout_rule(class_name)
    if layout is None:
        raise StaticUnsupported(f"layer class {class_name!r} is not known to the static engine")
    own, subs = layout(config)
    vars_group = group.get("vars") if group is not None else None
    datasets = dataset_count(vars_group)
    if datasets != len(own):
        raise StaticUnsupported(
            f"layer {where!r} ({class_name}) saved {datasets} variables where "
            f"{len(own)} were expected"
        )
    rule = variable_shape_rule(class_name)
    if implied is None:
        implied = rule(config, inputs) if rule is not None and own else {}
    for position, spec in enumerate(own):
        assert vars_group is not None  # len(own) > 0 datasets were counted in it
        index = position if spec.stored_at is None else spec.stored_at
        shape, dtype = vars_group.dataset(str(index))
        pattern = implied.get(spec.name)
        if pattern is not None and not _matches(pattern, shape):
            raise StaticUnsupported(
                f"layer {where!r} ({class_name}): its config implies {spec.name} of shape "
                f"{_shown(pattern)}, but the weights file holds {_shown(shape)}"
            )
        is_trainable = trainable and spec.trainable
        name = auto_names(spec.name) if spec.auto_named else spec.name
        found.append(
            Variable(
                name=name,
                path=f"{path_prefix}/{name}",
                role=variable_role(class_name, name, is_trainable),
                shape=shape,
                dtype=_variable_dtype(dtype, class_name, config, spec.name),
                trainable=is_trainable,
                storage=f"{vars_group.path}/{index}",
            )
        )
    known = {"vars"}
    for sub in subs:
        known.add(sub.attribute)
        sub_group = group.get(sub.attribute) if group is not None else None
        if sub_group is None:
            raise StaticUnsupported(f"layer {where!r} has no saved {sub.attribute}")
        sub_vars = sub_group.get("vars")
        sub_name = sub_vars.saved_name if sub_vars is not None else None
        if not isinstance(sub_name, str):
            raise StaticUnsupported(f"layer {where!r}: its {sub.attribute} has no saved name")
        prefix = f"{path_prefix}/{sub_name}"
        _collect(
            sub.class_name,
            sub.config,
            sub_group,
            path_prefix=prefix,
            trainable=trainable and bool(sub.config.get("trainable", True)),
            found=found,
            where=f"{where}/{sub_name}",
            auto_names=auto_names,
            inputs=_sub_inputs(class_name, inputs),
            implied=sub.shapes,
        )
    if group is not None:
        for key in group:
            if key not in known and dataset_count_deep(group.get(key)):
                raise StaticUnsupported(
                    f"layer {where!r} ({class_name}) saved unexpected variables under {key!r}"
                )


def _sub_inputs(class_name: str, inputs: ShapeList) -> ShapeList:
    """What a wrapper's sublayers are built on (``LayerKind.sublayer_inputs``); unknown
    otherwise."""
    kind = kind_of(class_name)
    if not inputs or len(inputs[0]) < 2 or kind is None or kind.sublayer_inputs is None:
        return []
    return kind.sublayer_inputs(inputs)


def _matches(pattern: Pattern, shape: tuple[int, ...]) -> bool:
    return len(pattern) == len(shape) and all(
        p is None or p == d for p, d in zip(pattern, shape, strict=True)
    )


def _shown(pattern: Pattern) -> str:
    """A shape as Python prints a tuple, ``?`` for a size the config leaves open."""
    dims = ", ".join("?" if d is None else str(d) for d in pattern)
    return f"({dims},)" if len(pattern) == 1 else f"({dims})"
