"""Recurrent layers, their cells, ConvLSTM, the generic ``RNN`` and the wrappers.

MACs: ``steps x gates x (in x units + units x units)`` with 4 gates for LSTM, 3 for GRU, 1
for SimpleRNN; ``RNN(cell)`` chains stacked cells; ConvLSTM ``steps x positions x kernel
volume x (in + filters) x 4 x filters``. Bidirectional and TimeDistributed are priced from
their inner layer's rule (:mod:`layerscope.analysis.cost`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.catalogue.dims import as_tuple, channels_last, known, product
from layerscope.catalogue.kind import LayerKind, MacRule
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

KINDS = (
    *(
        LayerKind(
            name,
            "recurrent",
            gates=gates,
            states=STATES[name],
            cell=f"{name}Cell",
            cost=recurrent_macs(gates),
        )
        for name, gates in GATES.items()
    ),
    *(LayerKind(name, "recurrent", gates=gates) for name, gates in CELL_GATES.items()),
    LayerKind("RNN", "recurrent", cost=generic_rnn_macs),
    *(LayerKind(f"ConvLSTM{rank}D", "recurrent", cost=conv_lstm_macs(rank)) for rank in (1, 2, 3)),
    LayerKind("Bidirectional", "recurrent", wrapper=True),
    LayerKind("TimeDistributed", "recurrent", wrapper=True),
)
