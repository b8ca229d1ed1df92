"""Architecture: what the model's shape says, in the seed post's terms.

* ``depth_class``: ``shallow`` with one hidden layer, ``deep`` with two or more (the seed
  post's definition); a model with no hidden layer at all is ``shallow`` too, with
  ``hidden_layers`` 0.
* ``hidden_widths``: units/filters of the hidden layers from input to output (chains only);
  ``hidden_values`` and ``values_pattern`` read the values each passes on per sample instead
  (for a convolution, positions x filters), which can tell a different story.
* ``pattern``: ``funnel``, ``rectangle``, ``expanding``, ``hourglass``, ``mixed`` for chains;
  ``single`` (one hidden layer), ``none`` (no hidden layer) and ``graph`` for models that are
  not simple chains (ResNet, Inception), which get ``stages`` and ``weighted_depth`` instead.
* ``bottlenecks``: hidden layers passing on at most a quarter as many values per sample as
  both neighbours, or fewer than the output.
* ``dominant_layer`` / ``dominant_share``: the layer holding the most parameters.
* ``flattens``: what each Flatten does to the shape, e.g. ``(28, 28) -> 784``.
* ``explanation``: plain-language lines the renderers print as they are.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from layerscope.analysis.graph import (
    group_rows,
    has_kernel,
    is_chain,
    leaves,
    reaches,
    unwrapped,
)
from layerscope.catalogue import kind_of
from layerscope.catalogue.dims import shape_elements
from layerscope.report import CapturedModel, LayerReport, Shape, Totals
from layerscope.results import Architecture, BlockRun, FlattenStep, Stage
from layerscope.roles import is_normalization_class

BOTTLENECK_RATIO = 4
"""A hidden layer at most 1/4 as wide as both neighbours is a bottleneck."""

SAME_SIZE_SLACK = 0.05
"""Blocks of one class, width and feed-forward width whose parameters differ by at most this
share are one run (ViTDet's global-attention blocks hold larger relative-position tables
than its windowed ones: 0.2% more)."""

_INNER_WIDTH_KEYS = ("intermediate_dim", "mlp_dim", "ffn_dim", "feedforward_dim")
"""Config keys naming a block's feed-forward width (keras_hub and common custom blocks)."""

_PATTERN_NOUN = {
    "funnel": "a funnel",
    "rectangle": "a rectangle",
    "expanding": "an expanding shape",
    "hourglass": "an hourglass",
    "mixed": "a mixed shape",
}


def _kind_says(class_name: str, flag: str, default: bool) -> bool:
    """The catalogue's ``flag`` for ``class_name`` (an embedding or PReLU is not a hidden
    layer; a wrapper or attention layer is one layer, not a block); ``default`` for a class
    it does not know."""
    kind = kind_of(class_name)
    return default if kind is None else bool(getattr(kind, flag))


def is_width_layer(row: LayerReport) -> bool:
    """A layer that counts as a hidden (or output) layer: it transforms with a kernel."""
    return (
        has_kernel(row)
        and _kind_says(row.class_name, "hidden_layer", default=True)
        and not is_normalization_class(row.class_name)
    )


def layer_width(row: LayerReport) -> int | None:
    """Units or filters; otherwise the last axis of the output (Bidirectional, attention)."""
    for key in ("units", "filters"):
        value = row.config.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    if row.output_shapes and row.output_shapes[0] and row.output_shapes[0][-1] is not None:
        return int(row.output_shapes[0][-1])
    return None


def _values_out(row: LayerReport) -> int:
    """Values per sample a layer passes on (units for Dense, positions x filters for conv)."""
    return shape_elements(row.output_shapes[0]) if row.output_shapes else 0


def classify_widths(widths: Sequence[int]) -> str:
    """The pattern of hidden widths, input to output."""
    if not widths:
        return "none"
    if len(widths) == 1:
        return "single"
    steps = [b - a for a, b in itertools.pairwise(widths)]
    if all(step == 0 for step in steps):
        return "rectangle"
    if all(step <= 0 for step in steps):
        return "funnel"
    if all(step >= 0 for step in steps):
        return "expanding"
    # Narrowing, then widening: the sign of the steps changes once, from - to +.
    signs = [step for step in steps if step != 0]
    turn = next(i for i, step in enumerate(signs) if step > 0)
    if turn > 0 and all(step > 0 for step in signs[turn:]):
        return "hourglass"
    return "mixed"


def _shape_text(dims: Sequence[int | None]) -> str:
    inner = ", ".join("None" if d is None else str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def _flattens(report: CapturedModel) -> tuple[FlattenStep, ...]:
    found = []
    for row in report.layers:
        if row.class_name != "Flatten" or not row.input_shapes or not row.output_shapes:
            continue
        before = row.input_shapes[0][1:]
        after = row.output_shapes[0][-1]
        found.append(
            FlattenStep(
                layer=row.name,
                path=row.path,
                from_shape=tuple(before),
                to=after,
                text=f"{_shape_text(before)} -> {after if after is not None else '?'}",
            )
        )
    return tuple(found)


def _bottlenecks(hidden: Sequence[LayerReport], out_width: int | None) -> list[str]:
    """Hidden layers at most a quarter as wide as both hidden neighbours, or narrower than a
    vector output (``out_width``; ``None`` when the output is a feature map). Widths are
    units or channels, never a feature map's size."""
    widths = [layer_width(row) or 0 for row in hidden]
    names = []
    for index, row in enumerate(hidden):
        width = widths[index]
        if not width:
            continue
        neighbours = [widths[i] for i in (index - 1, index + 1) if 0 <= i < len(widths)]
        narrow = len(neighbours) == 2 and width * BOTTLENECK_RATIO <= min(neighbours)
        if narrow or (out_width is not None and width < out_width):
            names.append(row.name)
    return names


def _is_block(row: LayerReport) -> bool:
    """A composite layer: several kernels and no ``units``/``filters`` of its own (a
    transformer layer, a residual block written as one layer)."""
    if (
        _kind_says(row.class_name, "single_layer", default=False)
        or "units" in row.config
        or "filters" in row.config
    ):
        return False
    return sum(1 for v in row.variables if v.role == "weight") >= 2


def _inner_width(row: LayerReport) -> int | None:
    for key in _INNER_WIDTH_KEYS:
        value = row.config.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _same_size(a: LayerReport, b: LayerReport) -> bool:
    if a.params == b.params:
        return True
    return (
        layer_width(a) == layer_width(b)
        and _inner_width(a) == _inner_width(b)
        and abs(a.params - b.params) <= SAME_SIZE_SLACK * max(a.params, b.params)
    )


def find_blocks(rows: Sequence[LayerReport]) -> tuple[BlockRun, ...]:
    """Runs of two or more consecutive blocks of one class and size among ``rows`` (the
    layers with weights), or one block row declaring ``num_layers`` >= 2 in its config."""
    runs: list[BlockRun] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        end = index
        while (
            end + 1 < len(rows)
            and rows[end + 1].class_name == row.class_name
            and _same_size(rows[end + 1], row)
        ):
            end += 1
        count = end - index + 1
        declared = row.config.get("num_layers")
        shared = count == 1 and row.call_count >= 2
        if _is_block(row) and (
            count >= 2 or shared or (isinstance(declared, int) and not isinstance(declared, bool))
        ):
            is_declared = count == 1 and not shared
            total = int(declared) if is_declared and isinstance(declared, int) else count
            if shared:
                total = row.call_count
            if total >= 2:
                runs.append(
                    BlockRun(
                        class_name=row.class_name,
                        count=total,
                        first=row.path,
                        last=rows[end].path,
                        width=layer_width(row),
                        inner_width=_inner_width(row),
                        params=sum(r.params for r in rows[index : end + 1]),
                        declared=is_declared,
                        shared=shared,
                    )
                )
        index = end + 1
    return tuple(runs)


def block_text(run: BlockRun) -> str:
    """``12 x TransformerEncoder (width 768, feed-forward 3072)``."""
    details = []
    if run.width is not None:
        details.append(f"width {run.width:,}")
    if run.inner_width is not None:
        details.append(f"feed-forward {run.inner_width:,}")
    text = f"{run.count} x {run.class_name}"
    if details:
        text += f" ({', '.join(details)})"
    if run.declared:
        text += f" in '{run.first.rsplit('/', 1)[-1]}' (num_layers in its config)"
    if run.shared:
        text += f", one layer '{run.first.rsplit('/', 1)[-1]}' called {run.count} times"
    return text


def _weighted_depth(report: CapturedModel, parent: str | None) -> int:
    """Layers with a kernel on the longest input-to-output path inside ``parent``."""
    rows = group_rows(report, parent)
    paths = {row.path: row for row in rows}
    preds: dict[str, list[str]] = {path: [] for path in paths}
    for edge in report.edges:
        if edge.source in paths and edge.target in paths:
            preds[edge.target].append(edge.source)
    memo: dict[str, int] = {}
    for row in rows:  # rows come in topological order, so predecessors are done first
        if row.is_container:
            weight = _weighted_depth(report, row.path)
        else:
            weight = 1 if is_width_layer(row) else 0
        memo[row.path] = weight + max((memo.get(p, 0) for p in preds[row.path]), default=0)
    return max(memo.values(), default=0)


def _resolution(shape: Shape) -> str | None:
    if len(shape) < 4:
        return None
    return "x".join("?" if d is None else str(d) for d in shape[1:-1])


def _is_point(resolution: str) -> bool:
    return all(part == "1" for part in resolution.split("x"))


def _stages(report: CapturedModel, totals: Totals) -> tuple[Stage, ...]:
    """Parameters (and MACs) by stage: by feature-map resolution for convolutional models,
    otherwise by quarters of the layer order."""
    rows = leaves(report.layers)
    total = totals.params
    # Only layers with a kernel open a stage: padding, pooling and preprocessing outputs
    # (230x230, 114x114) stay with their stage; rows before the first such layer join it. A 1x1
    # feature map (squeeze-and-excitation, a conv head after global pooling) opens no stage
    # either: it belongs to its block, or to the head once no larger map follows.
    resolutions: list[str | None] = []
    for row in rows:
        shape = row.output_shapes[0] if row.output_shapes else None
        resolutions.append(
            _resolution(shape) if shape is not None and (row.macs or has_kernel(row)) else None
        )
    spatial = [i for i, r in enumerate(resolutions) if r is not None and not _is_point(r)]
    last_spatial = spatial[-1] if spatial else -1
    keys: list[str | None] = []
    current: str | None = None
    for index, row in enumerate(rows):
        if row.macs or has_kernel(row):
            resolution = resolutions[index]
            if resolution is not None and not _is_point(resolution):
                current = resolution
            elif current is not None and index > last_spatial and row.output_shapes:
                current = "head"
        keys.append(current)
    first = next((key for key in keys if key is not None), None)
    keys = [key if key is not None else first for key in keys]
    if len({k for k in keys if k not in (None, "head")}) < 2:
        quarter = max(1, -(-len(rows) // 4))  # ceil(len / 4) layers per stage
        keys = []  # no spatial stages: quarters of the layer order instead
        for index in range(len(rows)):
            start = index // quarter * quarter
            end = min(start + quarter, len(rows))
            keys.append(f"layers {start + 1}-{end}" if end > start + 1 else f"layer {end}")
    sums: list[tuple[str, list[int]]] = []  # (stage, [layers, params, macs])
    for key, row in zip(keys, rows, strict=False):
        name = str(key)
        if not sums or sums[-1][0] != name:
            sums.append((name, [0, 0, 0]))
        counts = sums[-1][1]
        counts[0] += 1
        counts[1] += row.params
        counts[2] += row.macs
    return tuple(
        Stage(
            stage=name,
            layers=layers,
            params=params,
            macs=macs,
            share=params / total if total else 0.0,
        )
        for name, (layers, params, macs) in sums
    )


_PATTERN_TEXT = {
    "funnel": (
        "Widths narrow from input to output (a funnel): many low-level features are combined "
        "into fewer high-level ones, the usual layout."
    ),
    "rectangle": (
        "All hidden layers have the same width (a rectangle): one size to tune, and it often "
        "does as well as a funnel."
    ),
    "expanding": (
        "Widths grow toward the output (expanding): usual in decoders and generators, "
        "unusual in a classifier."
    ),
    "hourglass": (
        "Widths narrow, then widen again (an hourglass, as in an autoencoder): every later "
        "layer sees only what fits through the narrowest one."
    ),
    "mixed": "Widths rise and fall without a single trend (mixed).",
}


def _dominant_text(row: LayerReport, share: float) -> str:
    """Where the dominant layer's parameters come from (the seed post's own arithmetic)."""
    text = f"'{row.name}' holds {share * 100:.1f}% of the parameters"
    units = row.config.get("units")
    if row.class_name == "Dense" and row.input_shapes and isinstance(units, int):
        fan_in = row.input_shapes[0][-1]
        if isinstance(fan_in, int):
            bias = f" + {units:,} biases" if row.config.get("use_bias", True) else ""
            text += f": {fan_in:,} inputs x {units:,} units{bias} = {row.params:,}"
    return text + "."


def analyze_architecture(report: CapturedModel, totals: Totals) -> Architecture:
    """The architecture reading (``report``'s rows carry the cost analysis's MACs)."""
    total = totals.params
    layers = unwrapped(report, leaves(report.layers), total)
    dominant = max(layers, key=lambda r: r.params, default=None)
    if dominant is not None and not dominant.params:
        dominant = None
    dominant_share = (dominant.params / total) if dominant is not None and total else 0.0
    chain = is_chain(report)
    weighted_depth = _weighted_depth(report, None)
    explanation: list[str] = []
    width_rows = [row for row in layers if is_width_layer(row)]
    hidden: list[LayerReport] = []
    output: LayerReport | None = None
    widths: list[int] = []
    values: list[int] = []
    values_pattern: str | None = None
    bottlenecks: list[str] = []
    stages: tuple[Stage, ...] = ()
    blocks = find_blocks(width_rows)
    names: list[str] = []
    if chain:
        output = width_rows[-1] if width_rows else None
    if blocks:
        hidden_count = sum(run.count for run in blocks)
        for run in blocks:
            if run.width is not None:
                widths += [run.width] * run.count
            short = run.first.rsplit("/", 1)[-1]
            if run.declared or run.shared:
                names += [f"{short} {number}" for number in range(1, run.count + 1)]
            else:
                start = next(i for i, row in enumerate(width_rows) if row.path == run.first)
                names += [row.name for row in width_rows[start : start + run.count]]
        pattern = classify_widths(widths) if len(widths) == hidden_count else "mixed"
        parallel = not all(reaches(report, a.last, b.first) for a, b in itertools.pairwise(blocks))
        if parallel:
            pattern = "graph"
        if not chain:
            stages = _stages(report, totals)
        by_path = {row.path: row for row in report.layers}
        positions = [
            _values_out(by_path[run.first]) // run.width if run.width else 0 for run in blocks
        ]
        pyramid = (
            pattern == "expanding" and all(positions) and classify_widths(positions) == "funnel"
        )
        explanation += _blocks_explanation(blocks, pattern, positions if pyramid else None)
    elif chain:
        hidden = width_rows[:-1]
        widths = [w for w in (layer_width(row) for row in hidden) if w is not None]
        names = [row.name for row in hidden]
        pattern = classify_widths(widths)
        vector_out = output is not None and bool(output.output_shapes)
        vector_out = vector_out and output is not None and len(output.output_shapes[0]) == 2
        out_width = layer_width(output) if output is not None and vector_out else None
        bottlenecks = _bottlenecks(hidden, out_width)
        values = [_values_out(row) for row in hidden]
        values_pattern = classify_widths(values)
        hidden_count = len(hidden)
        # A convolution's width is its channel count, but what it passes on is positions x
        # channels: channel counts that grow while pooling shrinks the maps are the norm, so
        # the MLP advice on widths (first layer widest...) is not given for them.
        spatial = any(len(row.output_shapes[0]) > 2 for row in hidden if row.output_shapes)
        explanation += _chain_explanation(hidden, widths, pattern, bottlenecks, out_width, spatial)
        if spatial and values_pattern != pattern and values_pattern in _PATTERN_NOUN:
            explanation.append(
                f"Counted in values passed on per sample (positions x channels for a "
                f"convolution) the hidden layers form {_PATTERN_NOUN[values_pattern]}: "
                f"{' -> '.join(f'{v:,}' for v in values)}."
            )
    else:
        hidden_count = max(0, weighted_depth - 1)
        pattern = "graph"
        stages = _stages(report, totals)
        explanation.append(
            "Not a simple chain (branches, merges, shared layers or several inputs/outputs), "
            "so no width pattern is claimed; the longest path through the model has "
            f"{weighted_depth} layers with weights."
        )
    if stages:
        top = max(stages, key=lambda s: s.params)
        where = top.stage if top.stage.startswith("layer") else f"stage {top.stage}"
        over = f"{top.layers} layer{'s' if top.layers != 1 else ''}"
        explanation.append(f"Most parameters sit in {where} ({top.share * 100:.1f}% over {over}).")
    if chain and report.class_name != "Sequential" and not report.inputs:
        # No graph was read (a subclassed model): rows follow creation order.
        explanation.append(
            "This is a subclassed model whose graph could not be read: layers are read in the "
            "order they were created, which may not be the order data flows through them."
        )
    if dominant is not None:
        explanation.append(_dominant_text(dominant, dominant_share))
    return Architecture(
        is_chain=chain,
        weighted_depth=weighted_depth,
        dominant_layer=dominant.name if dominant is not None else None,
        dominant_path=dominant.path if dominant is not None else None,
        dominant_share=dominant_share,
        flattens=_flattens(report),
        hidden_layers=hidden_count,
        hidden_widths=tuple(widths),
        hidden_values=tuple(values),
        values_pattern=values_pattern,
        hidden_names=tuple(names),
        output_layer=output.name if output is not None else None,
        output_width=layer_width(output) if output is not None else None,
        pattern=pattern,
        bottlenecks=tuple(bottlenecks),
        stages=stages,
        blocks=blocks,
        depth_class="deep" if hidden_count >= 2 else "shallow",
        explanation=tuple(explanation),
    )


def _chain_explanation(
    hidden: Sequence[LayerReport],
    widths: Sequence[int],
    pattern: str,
    bottlenecks: Sequence[str],
    out_width: int | None,
    spatial: bool,
) -> list[str]:
    lines: list[str] = []
    count = len(hidden)
    if count == 0:
        lines.append("No hidden layer: the inputs map straight to the output (a linear model).")
    elif count == 1:
        lines.append(
            "One hidden layer: a shallow network. One wide enough hidden layer can in theory "
            "approximate any continuous function, but deeper networks usually need far fewer "
            "units for the same job."
        )
    else:
        lines.append(
            f"{count} hidden layers: a deep network (two or more hidden layers), able to build "
            "higher-level features from lower-level ones layer by layer."
        )
    if spatial and pattern in ("expanding", "mixed"):
        lines.append(
            "Channel counts grow toward the output, as is usual in convolutional networks "
            "where each step trades spatial resolution for more feature channels."
        )
    elif pattern in _PATTERN_TEXT:
        lines.append(_PATTERN_TEXT[pattern])
    if count >= 2 and widths and not spatial:
        if widths[0] == max(widths):
            lines.append("The first hidden layer is the widest, as is usually recommended.")
        else:
            lines.append(
                f"The first hidden layer ({widths[0]}) is not the widest ({max(widths)}); "
                "a first layer that is too narrow can lose information early."
            )
    by_name = {row.name: row for row in hidden}
    for name in bottlenecks:
        width = layer_width(by_name[name]) or 0
        reason = (
            f"narrower than the output ({out_width:,})"
            if out_width is not None and width < out_width
            else "at most a quarter as wide as its neighbours"
        )
        amount = f"has {width:,} channels" if spatial else f"passes on {width:,} values per sample"
        lines.append(
            f"Bottleneck: '{name}' {amount}, {reason}; "
            "whatever does not fit through it is lost to every later layer."
        )
    return lines


def _blocks_explanation(
    blocks: Sequence[BlockRun], pattern: str, pyramid: Sequence[int] | None = None
) -> list[str]:
    count = sum(run.count for run in blocks)
    runs = "; ".join(block_text(run) for run in blocks)
    if pattern == "graph":
        return [
            f"{count} repeated blocks in parallel branches ({runs}): each branch (one per "
            "input, as in a two-tower image-text model) is its own stack of blocks, so no "
            "width pattern is claimed across them."
        ]
    lines = [
        f"A stack of {count} repeated blocks ({runs}): a deep network whose depth is counted "
        "in blocks, each holding several layers of its own."
    ]
    if pyramid is not None:
        lines.append(
            "Widths grow toward the output while the positions each channel covers shrink "
            f"({' -> '.join(f'{v:,}' for v in pyramid)} positions): the feature pyramid of "
            "convolutional networks and hierarchical vision transformers, each stage trading "
            "resolution for channels."
        )
    elif pattern == "rectangle":
        lines.append(
            "Every block has the same width (a rectangle), as in a transformer, where each "
            "block keeps the hidden size and widens only inside its feed-forward part."
        )
    elif pattern in _PATTERN_TEXT:
        lines.append(_PATTERN_TEXT[pattern])
    return lines
