"""Config checks: refuse a config Keras's loader refuses, before anything is derived from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layerscope.catalogue.params import MAX_SIZE
from layerscope.errors import StaticUnsupported
from layerscope.static.archive import CONFIG_MEMBER
from layerscope.static.naming import MODEL_CLASSES
from layerscope.static.nodes import flat_tensors, history_list, is_flat_shape

KERAS_ACTIVATIONS = frozenset(
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
    "leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink "
    "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh "
    "tanh_shrink threshold".split()
)
"""``keras.activations``' names (Keras 3.15): any other activation is a custom one (which
needs its definition, so Keras) or a refusal (``os.system`` is not an activation)."""

_ACTIVATION_KEYS = ("activation", "recurrent_activation")


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse a config Keras's loader refuses, before anything is derived from it: a layer
    name holding ``/`` (a top-level ``enc/d`` would collide with model ``enc``'s layer
    ``d``), a graph reference to a layer that does not exist or to a call it never made, an
    activation that is not Keras's, a ``build_config`` no machine can build or that
    contradicts the graph."""
    stack: list[Mapping[str, Any]] = [config]
    try:
        while stack:
            serialized = stack.pop()
            _check_module(serialized)
            inner = serialized.get("config") or {}
            entries = inner.get("layers") or []
            if not isinstance(entries, list):
                raise StaticUnsupported("a model's layers are not a list")
            names: dict[str, Mapping[str, Any]] = {}
            for entry in entries:
                layer_config = entry.get("config") or {}
                name = entry.get("name") or layer_config.get("name")
                if not isinstance(name, str) or not name or "/" in name:
                    raise StaticUnsupported(
                        f"layer name {name!r} is not one Keras accepts (a non-empty string "
                        "without '/')"
                    )
                names[name] = entry
                _check_module(entry)
                if entry.get("class_name") != "InputLayer":  # its dtype is a tensor's
                    _check_dtype(name, layer_config)
                _check_activations(name, layer_config)
                _check_serialized_arguments(name, layer_config)
                _check_registered_names(name, layer_config)
                _check_build_config(name, entry)
                if str(entry.get("class_name")) in MODEL_CLASSES:
                    stack.append(entry)
            if serialized.get("class_name") == "Functional":
                _check_references(inner, names)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise StaticUnsupported(
            f"unexpected structure in {CONFIG_MEMBER} ({type(error).__name__}: {error})"
        ) from error


_MODEL_MODULES = {
    "Sequential": frozenset({"keras", "keras.models", "keras.src.models.sequential"}),
    "Functional": frozenset({"keras.src.models.functional"}),
}
"""Where Keras finds its model classes: it imports ``module`` and takes ``class_name`` from
it, so ``Sequential`` without a module, or ``Dense`` from ``keras.models``, is refused."""


def _check_module(entry: Mapping[str, Any]) -> None:
    class_name = entry.get("class_name")
    module = entry.get("module")
    if class_name in _MODEL_MODULES:
        allowed = module in _MODEL_MODULES[class_name]
    else:
        # Only Keras's own namespace is checked here: ``keras_hub.src...`` (or any other
        # package) is another package's class, read by the keras_hub reader or left to Keras.
        text = module if isinstance(module, str) else ""
        in_keras = text == "keras" or text.startswith("keras.")
        allowed = not in_keras or text == "keras.layers" or text.startswith("keras.src.")
    if not allowed:
        raise StaticUnsupported(
            f"class {class_name!r} from module {module!r} is not where Keras keeps it"
        )
    registered = entry.get("registered_name")
    if registered is not None and not isinstance(registered, str):
        # Keras looks a class up by this name; a list or number makes it fail.
        raise StaticUnsupported(f"class {class_name!r} is registered as {registered!r}")


def _check_registered_names(name: str, layer_config: Mapping[str, Any]) -> None:
    """Every serialised object inside a layer's config (its dtype policy, initializers,
    regularizers...) is looked up by ``registered_name`` when Keras rebuilds it: a list or
    a number there makes Keras fail ("unhashable type"), so the file is refused."""
    stack: list[Any] = list(layer_config.values())
    while stack:
        value = stack.pop()
        # (type() first: parsed JSON holds plain dicts, and the Mapping ABC's check costs
        # several times more, on every value of a 50,000-layer config.)
        if type(value) is dict or isinstance(value, Mapping):
            registered = value.get("registered_name")
            if "class_name" in value and registered is not None and not isinstance(registered, str):
                raise StaticUnsupported(
                    f"layer {name!r}: {value.get('class_name')!r} is registered as "
                    f"{registered!r}, which Keras cannot look up"
                )
            stack.extend(value.values())
        elif type(value) is list or isinstance(value, list):
            stack.extend(value)


_POLICIES = frozenset(
    {"float16", "bfloat16", "float32", "float64", "mixed_float16", "mixed_bfloat16"}
)
"""The dtype policies the engine reads; a quantized or unknown one is left to Keras."""


def _check_dtype(name: str, config: Mapping[str, Any]) -> None:
    """A layer's serialised ``DTypePolicy`` as Keras deserialises it: a bare ``{"config":
    {"name": ...}}`` without its class, or a ``DTypePolicy`` naming no policy, is refused by
    Keras. (Policy names given as strings, and Keras's other policy classes such as the
    quantized ones, are the reader's business.)"""
    value = config.get("dtype")
    if not isinstance(value, Mapping):
        return
    class_name, module = value.get("class_name"), value.get("module")
    if isinstance(class_name, str) and class_name != "DTypePolicy" and isinstance(module, str):
        return
    inner = value.get("config")
    policy = inner.get("name") if isinstance(inner, Mapping) else None
    if class_name == "DTypePolicy" and module == "keras" and isinstance(policy, str):
        if policy not in _POLICIES:
            # Keras reads an integer or string policy (Hashing, StringLookup: int64); the
            # engine reads the float ones only.
            raise StaticUnsupported(
                f"layer {name!r}: dtype policy {policy!r} is left to Keras "
                "(the static engine reads float policies only)"
            )
        return
    raise StaticUnsupported(f"layer {name!r}: dtype {value!r} is not a policy Keras reads")


_KERAS_ARGUMENTS = {
    "_initializer": frozenset(
        "Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer "
        "LecunNormal LecunUniform Ones Orthogonal OrthogonalInitializer RandomNormal "
        "RandomUniform STFT STFTInitializer TruncatedNormal VarianceScaling Zeros constant "
        "glorot_normal glorot_uniform he_normal he_uniform identity lecun_normal lecun_uniform "
        "normal one ones orthogonal random_normal random_uniform stft truncated_normal uniform "
        "variance_scaling zero zeros".split()
    ),
    "_regularizer": frozenset(
        "L1 L1L2 L2 OrthogonalRegularizer l1 l1l2 l2 orthogonal_regularizer".split()
    ),
    "_constraint": frozenset(
        "MaxNorm MinMaxNorm NonNeg UnitNorm max_norm min_max_norm non_neg unit_norm".split()
    ),
}
"""Keras 3.15's initializers, regularizers and constraints by name: the layer arguments
Keras deserialises while loading (an unknown one, or a serialised one without its
``class_name``, makes Keras refuse the file)."""


def _check_serialized_arguments(name: str, config: Mapping[str, Any]) -> None:
    for key, value in config.items():
        # Each suffix is "_" and a word: the key's last "_word" finds its names, if any.
        underscore = key.rfind("_") if isinstance(key, str) else -1
        known = _KERAS_ARGUMENTS.get(key[underscore:]) if underscore >= 0 else None
        if known is None or value is None:
            continue
        class_name = value
        if isinstance(value, Mapping):
            module = value.get("module")
            class_name = value.get("class_name")
            if not isinstance(module, str) or not module.startswith("keras"):
                class_name = None
            if not isinstance(value.get("config", {}), Mapping):
                class_name = None  # Keras: "Expected 'config' to be a dict"
        if not isinstance(class_name, str) or class_name not in known:
            raise StaticUnsupported(f"layer {name!r}: {key} {value!r} is not one Keras reads")


def _check_activations(name: str, config: Mapping[str, Any]) -> None:
    for key in _ACTIVATION_KEYS:
        value = config.get(key)
        if isinstance(value, Mapping):  # {"module": "keras.activations", "config": "relu"...}
            module = value.get("module")
            value = value.get("config") if isinstance(module, str) else None
            if not isinstance(module, str) or not module.startswith("keras"):
                value = repr(config.get(key))
        if value is not None and value not in KERAS_ACTIVATIONS:
            raise StaticUnsupported(f"layer {name!r}: {key} {value!r} is not a Keras activation")


def _check_build_config(name: str, entry: Mapping[str, Any]) -> None:
    build = entry.get("build_config")
    if build is None:
        return
    shape = build.get("input_shape") if isinstance(build, Mapping) else None
    if not isinstance(shape, list) or not is_flat_shape(shape):
        return  # several inputs, or none recorded: the graph's shapes decide
    if any(d is not None and (isinstance(d, bool) or not 0 <= d <= MAX_SIZE) for d in shape):
        raise StaticUnsupported(f"layer {name!r}: build_config input shape {shape!r} is absurd")
    nodes = entry.get("inbound_nodes") or []
    if not nodes or not isinstance(nodes[0], Mapping):
        return
    tensors = list(flat_tensors([nodes[0].get("args", []), nodes[0].get("kwargs", {})]))
    if len(tensors) != 1:
        return
    called = tensors[0].get("shape")
    if isinstance(called, list) and (
        len(called) != len(shape)
        or any(
            a is not None and b is not None and a != b for a, b in zip(called, shape, strict=False)
        )
    ):
        raise StaticUnsupported(
            f"layer {name!r}: build_config input shape {shape!r} contradicts the graph's {called!r}"
        )


def _check_references(config: Mapping[str, Any], names: Mapping[str, Mapping[str, Any]]) -> None:
    """Every ``keras_history`` and graph end names a layer of this graph, a call it made
    and a plain tensor index."""
    calls = {
        name: len(entry.get("inbound_nodes") or [])
        + (1 if str(entry.get("class_name")) in MODEL_CLASSES else 0)
        for name, entry in names.items()
    }

    def check(source: Any, node: Any, tensor: Any, where: str) -> None:
        if not isinstance(source, str) or source not in names:
            raise StaticUnsupported(f"{where} refers to a layer {source!r} that does not exist")
        for what, value, limit in (
            ("node", node, max(1, calls[source])),
            ("tensor", tensor, MAX_SIZE),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
                raise StaticUnsupported(
                    f"{where} refers to {what} {value!r} of layer {source!r}, which does not exist"
                )

    for name, entry in names.items():
        for raw in entry.get("inbound_nodes") or []:
            if not isinstance(raw, Mapping):
                continue  # pre-Keras-3 nodes: the reader declines them
            for tensor in flat_tensors([raw.get("args", []), raw.get("kwargs", {})]):
                history = tensor.get("keras_history")
                if not isinstance(history, list) or len(history) != 3:
                    raise StaticUnsupported(f"layer {name!r} has an unreadable input reference")
                check(history[0], history[1], history[2], f"layer {name!r}")
    for key in ("input_layers", "output_layers"):
        for end in history_list(config.get(key, [])):
            check(*end, f"the model's {key}")
