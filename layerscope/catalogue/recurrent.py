"""Recurrent layers, their cells, ConvLSTM, the generic ``RNN`` and the wrappers.

MACs: ``steps x gates x (in x units + units x units)`` with 4 gates for LSTM, 3 for GRU, 1
for SimpleRNN; ``RNN(cell)`` chains stacked cells; ConvLSTM ``steps x positions x kernel
volume x (in + filters) x 4 x filters``. Bidirectional and TimeDistributed are priced from
their inner layer's rule (:mod:`layerscope.analysis.cost`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import as_tuple, channels_last, known, product
from layerscope.catalogue.geometry import last_dim, split_channels
from layerscope.catalogue.kind import (
    LayerKind,
    Layout,
    MacRule,
    Pattern,
    ShapeList,
    ShapeRule,
    SubSpec,
)
from layerscope.catalogue.layout import var_specs
from layerscope.catalogue.params import param_size, param_sizes, serialized
from layerscope.errors import StaticUnsupported
from layerscope.report import Shape

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}


def recurrent_macs(gates: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        shape = inputs[0]
        steps = known(shape[1]) if len(shape) > 2 else 1
        features = known(shape[-1])
        units = int(config["units"])
        return steps * gates * (features * units + units * units)

    return rule


def generic_rnn_macs(
    config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]
) -> int:
    """``keras.layers.RNN(cell)``: the cell's per-step cost (stacked cells chained) x steps."""
    shape = inputs[0]
    steps = known(shape[1]) if len(shape) > 2 else 1
    cell = config.get("cell") or {}
    cells = [cell]
    if cell.get("class_name") == "StackedRNNCells":
        cells = list((cell.get("config") or {}).get("cells") or [])
    features = known(shape[-1])
    per_step = 0
    for item in cells:
        gates = CELL_GATES.get(str(item.get("class_name")), 0)
        units = int((item.get("config") or {}).get("units") or 0)
        per_step += gates * (features * units + units * units)
        features = units or features
    return steps * per_step


def conv_lstm_macs(rank: int) -> MacRule:
    def rule(config: Mapping[str, Any], inputs: Sequence[Shape], outputs: Sequence[Shape]) -> int:
        shape = inputs[0]
        steps = known(shape[1])
        in_channels = known(shape[-1]) if channels_last(config) else known(shape[2])
        out = outputs[0]
        spatial = out[-rank - 1 : -1] if channels_last(config) else out[-rank:]
        kernel = math.prod(as_tuple(config["kernel_size"], rank))
        filters = int(config["filters"])
        return steps * product(spatial) * kernel * (in_channels + filters) * 4 * filters

    return rule


CELL_GATES = {f"{name}Cell": gates for name, gates in GATES.items()}


def _rnn_layout(cell: str) -> Callable[[Mapping[str, Any]], Layout]:
    def layout(config: Mapping[str, Any]) -> Layout:
        cell_config = {
            "name": config.get("name"),
            "units": config.get("units"),
            "reset_after": config.get("reset_after", True),
            "use_bias": config.get("use_bias", True),
            "trainable": True,
        }
        return (), (SubSpec("cell", cell, cell_config),)

    return layout


def _cell_layout(config: Mapping[str, Any]) -> Layout:
    return var_specs(
        *("kernel", "recurrent_kernel", *(("bias",) if config.get("use_bias", True) else ()))
    ), ()


def _bidirectional_layout(config: Mapping[str, Any]) -> Layout:
    forward = serialized(config["layer"])
    backward = serialized(config.get("backward_layer") or config["layer"])
    return (), (
        SubSpec("forward_layer", forward[0], forward[1]),
        SubSpec("backward_layer", backward[0], backward[1]),
    )


def _time_distributed_layout(config: Mapping[str, Any]) -> Layout:
    inner_class, inner_config = serialized(config["layer"])
    return (), (SubSpec("layer", inner_class, inner_config),)


def _cell_rule(class_name: str) -> ShapeRule:
    """An RNN cell's kernels: ``gates`` blocks of ``units`` side by side; GRU's
    ``reset_after`` keeps two biases."""
    gates = CELL_GATES[class_name]

    def rule(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
        units = param_size(config, "units")
        width = units * gates
        two_biases = class_name == "GRUCell" and config.get("reset_after", True)
        bias: Pattern = (2, width) if two_biases else (width,)
        return {
            "kernel": (last_dim(inputs), width),
            "recurrent_kernel": (units, width),
            "bias": bias,
        }

    return rule


def _rnn_shape(states: int) -> Callable[[Mapping[str, Any], ShapeList], ShapeList]:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        shape = inputs[0]
        units = param_size(config, "units")
        output: Shape = (
            (shape[0], shape[1], units) if config.get("return_sequences") else (shape[0], units)
        )
        if config.get("return_state"):
            return [output] + [(shape[0], units)] * states
        return [output]

    return shape_of


def _generic_cell(config: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """``RNN(cell)``'s cell: one of Keras's own cells (a stack or a custom cell declines)."""
    class_name, cell_config = serialized(config["cell"])
    if class_name not in CELL_GATES:
        raise StaticUnsupported(f"RNN over {class_name}")
    return class_name, cell_config


def _generic_rnn_layout(config: Mapping[str, Any]) -> Layout:
    class_name, cell_config = _generic_cell(config)
    return (), (SubSpec("cell", class_name, cell_config),)


def _generic_rnn_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    """As the layer of the cell's name (``RNN(LSTMCell(6))`` is shaped as ``LSTM(6)``)."""
    class_name, cell_config = _generic_cell(config)
    layer = class_name.removesuffix("Cell")
    return _rnn_shape(STATES[layer])({**config, "units": cell_config.get("units")}, inputs)


def _conv_lstm_layout(config: Mapping[str, Any]) -> Layout:
    """ConvLSTM's cell, saved as its ``cell`` sublayer, with the layer's kernel settings."""
    keys = ("name", "filters", "kernel_size", "data_format", "use_bias")
    cell_config = {key: config.get(key) for key in keys if key in config}
    return (), (SubSpec("cell", "ConvLSTMCell", {**cell_config, "trainable": True}),)


def _conv_lstm_cell_variables(config: Mapping[str, Any], inputs: ShapeList) -> dict[str, Pattern]:
    """Four gates' kernels side by side, over the step's channels and over the state's."""
    if not inputs:
        raise StaticUnsupported(f"layer {config.get('name')!r}: no input shape to convolve")
    spatial, channels = split_channels(config, inputs[0])
    kernel = param_sizes(config, "kernel_size", len(spatial))
    width = 4 * param_size(config, "filters")
    return {
        "kernel": (*kernel, channels, width),
        "recurrent_kernel": (*kernel, width // 4, width),
        "bias": (width,),
    }


def _conv_lstm_shape(rank: int) -> Callable[[Mapping[str, Any], ShapeList], ShapeList]:
    def shape_of(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
        from layerscope.catalogue import output_rule  # the registry imports this module

        conv = output_rule(f"Conv{rank}D")
        batch, steps, *step = inputs[0]
        states = None if conv is None else conv(config, [(batch, *step)])
        if not states:
            raise StaticUnsupported(f"layer {config.get('name')!r}: no ConvLSTM state shape")
        state = states[0]
        output = (batch, steps, *state[1:]) if config.get("return_sequences") else state
        return [output, state, state] if config.get("return_state") else [output]

    return shape_of


def _bidirectional_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    class_name, inner = serialized(config["layer"])
    if class_name not in STATES:
        raise StaticUnsupported(f"Bidirectional over {class_name}")
    inner = dict(inner)
    forward = _rnn_shape(STATES[class_name])(inner, inputs)
    output, states = forward[0], forward[1:]
    merge_mode = config.get("merge_mode", "concat")
    outputs: ShapeList
    if merge_mode == "concat":
        last = output[-1]
        outputs = [(*output[:-1], None if last is None else last * 2)]
    elif merge_mode is None:
        outputs = [output, output]
    else:
        outputs = [output]
    return outputs + states + states


def _time_distributed_shape(config: Mapping[str, Any], inputs: ShapeList) -> ShapeList:
    inner_class, inner_config = serialized(config["layer"])
    from layerscope.catalogue import output_rule  # the registry imports this module

    inner = output_rule(inner_class)
    if inner is None or inner_class in ("Bidirectional", "TimeDistributed"):
        raise StaticUnsupported(f"TimeDistributed over {inner_class}")
    batch, steps, *rest = inputs[0]
    outputs = inner(inner_config, [(batch, *rest)])
    if outputs is None or len(outputs) != 1:
        raise StaticUnsupported(f"TimeDistributed over {inner_class} with several outputs")
    return [(batch, steps, *outputs[0][1:])]


def _one_step(inputs: ShapeList) -> ShapeList:
    return [(inputs[0][0], inputs[0][-1])]


def _one_slice(inputs: ShapeList) -> ShapeList:
    return [(inputs[0][0], *inputs[0][2:])]


def _same_inputs(inputs: ShapeList) -> ShapeList:
    return [inputs[0]]


KINDS = (
    *(
        LayerKind(
            name,
            "recurrent",
            gates=gates,
            states=STATES[name],
            cell=f"{name}Cell",
            cost=recurrent_macs(gates),
            layout=_rnn_layout(f"{name}Cell"),
            output_shape=_rnn_shape(STATES[name]),
            sublayer_inputs=_one_step,
        )
        for name, gates in GATES.items()
    ),
    *(
        LayerKind(
            name, "recurrent", gates=gates, layout=_cell_layout, variable_shapes=_cell_rule(name)
        )
        for name, gates in CELL_GATES.items()
    ),
    LayerKind(
        "ConvLSTMCell",
        "recurrent",
        layout=_cell_layout,
        variable_shapes=_conv_lstm_cell_variables,
    ),
    LayerKind(
        "RNN",
        "recurrent",
        cost=generic_rnn_macs,
        layout=_generic_rnn_layout,
        output_shape=_generic_rnn_shape,
        sublayer_inputs=_one_step,
    ),
    *(
        LayerKind(
            f"ConvLSTM{rank}D",
            "recurrent",
            width_key="filters",
            input_kernel=True,
            cost=conv_lstm_macs(rank),
            layout=_conv_lstm_layout,
            output_shape=_conv_lstm_shape(rank),
            sublayer_inputs=_one_slice,
        )
        for rank in (1, 2, 3)
    ),
    LayerKind(
        "Bidirectional",
        "recurrent",
        wrapper=True,
        single_layer=True,
        layout=_bidirectional_layout,
        output_shape=_bidirectional_shape,
        sublayer_inputs=_same_inputs,
    ),
    LayerKind(
        "TimeDistributed",
        "recurrent",
        wrapper=True,
        single_layer=True,
        layout=_time_distributed_layout,
        output_shape=_time_distributed_shape,
        sublayer_inputs=_one_slice,
    ),
)
