"""The architecture reading's rules, value by value, on hand-built reports: width patterns,
the MLP sentences, Flatten steps, block runs, graph stages and the longest weighted path
(issue 17's mutation run)."""

from __future__ import annotations

import dataclasses

import pytest

from layerscope.analysis import run_analyses
from layerscope.analysis.architecture import (
    analyze_architecture,
    block_text,
    classify_widths,
    find_blocks,
    is_width_layer,
    layer_width,
)
from layerscope.analysis.params import compute_totals
from layerscope.report import CapturedModel, Edge, LayerReport, Variable
from layerscope.results import BlockRun

from .test_architecture_reading import chain, row


@pytest.mark.parametrize(
    ("widths", "pattern"),
    [
        ([], "none"),
        ([5], "single"),
        ([4, 4], "rectangle"),
        ([4, 4, 4], "rectangle"),
        ([8, 4, 4, 2], "funnel"),
        ([8, 8, 2], "funnel"),
        ([2, 4, 4, 8], "expanding"),
        ([2, 2, 8], "expanding"),
        ([8, 2, 8], "hourglass"),
        ([8, 4, 4, 8], "hourglass"),
        ([8, 8, 2, 2, 8, 9], "hourglass"),
        ([2, 8, 2], "mixed"),
        ([8, 2, 8, 2], "mixed"),
        ([8, 2, 4, 3], "mixed"),
    ],
)
def test_width_patterns(widths: list[int], pattern: str) -> None:
    assert classify_widths(widths) == pattern


def test_layer_width_and_width_layers() -> None:
    dense = row("d", "Dense", [(4, 8)], (None, 4), (None, 8), units=8)
    assert layer_width(dense) == 8
    assert (
        layer_width(row("c", "Conv2D", [(1, 1, 3, 6)], (None, 4, 4, 3), (None, 4, 4, 6), filters=6))
        == 6
    )
    assert layer_width(row("b", "Bidirectional", [(4, 8)], (None, 5, 4), (None, 5, 16))) == 16
    assert layer_width(row("x", "Dense", [(4, 8)], (None, 4), (None, 8), units=True)) == 8
    assert layer_width(row("x", "Dense", [(4, 8)], (None, 4), (None, 8), units="3")) == 8
    assert layer_width(row("u", "MyLayer", [(4, 8)], (None, 4), (None, None))) is None
    assert layer_width(dataclasses.replace(dense, config={}, output_shapes=())) is None
    assert layer_width(dataclasses.replace(dense, config={}, output_shapes=((),))) is None
    assert is_width_layer(dense)
    assert not is_width_layer(row("e", "Embedding", [(10, 4)], (None, 3), (None, 3, 4)))
    assert not is_width_layer(row("p", "PReLU", [(8,)], (None, 8), (None, 8)))
    assert not is_width_layer(row("n", "LayerNorm", [(8,)], (None, 8), (None, 8)))
    assert not is_width_layer(row("r", "ReLU", [], (None, 8), (None, 8)))


def mlp() -> CapturedModel:
    """Flatten (28, 28) -> Dense 128 -> Dense 64 -> Dense 10."""
    return chain(
        [
            row("flatten", "Flatten", [], (None, 28, 28), (None, 784)),
            dense("d1", 784, 128),
            dense("d2", 128, 64),
            dense("out", 64, 10),
        ],
        class_name="Sequential",
    )


def dense(name: str, fan_in: int, units: int, **config: object) -> LayerReport:
    base = row(name, "Dense", [(fan_in, units)], (None, fan_in), (None, units), units=units)
    bias = Variable("bias", f"{name}/bias", "bias", (units,), "float32", True)
    return dataclasses.replace(
        base, variables=(*base.variables, bias), config={"units": units, **config}
    )


def test_an_mlp_reading_in_full() -> None:
    arch = run_analyses(mlp()).architecture
    assert arch.is_chain is True
    assert arch.weighted_depth == 3
    assert arch.hidden_layers == 2 and arch.depth_class == "deep"
    assert arch.hidden_widths == (128, 64) and arch.hidden_values == (128, 64)
    assert arch.hidden_names == ("d1", "d2")
    assert arch.pattern == arch.values_pattern == "funnel"
    assert (arch.output_layer, arch.output_width) == ("out", 10)
    assert arch.bottlenecks == ()
    assert arch.stages == () and arch.blocks == ()
    assert (arch.dominant_layer, arch.dominant_path) == ("d1", "d1")
    assert arch.dominant_share == 100_480 / (100_480 + 8_256 + 650)
    (flatten,) = arch.flattens
    assert (flatten.layer, flatten.path, flatten.from_shape, flatten.to) == (
        "flatten",
        "flatten",
        (28, 28),
        784,
    )
    assert flatten.text == "(28, 28) -> 784"
    assert arch.explanation == (
        "2 hidden layers: a deep network (two or more hidden layers), able to build "
        "higher-level features from lower-level ones layer by layer.",
        "Widths narrow from input to output (a funnel): many low-level features are combined "
        "into fewer high-level ones, the usual layout.",
        "The first hidden layer is the widest, as is usually recommended.",
        "'d1' holds 91.9% of the parameters: 784 inputs x 128 units + 128 biases = 100,480.",
    )


def test_flatten_texts() -> None:
    one = row("f", "Flatten", [], (None, 7), (None, 7))
    unknown = row("g", "Flatten", [], (None, None, 3), (None, None))
    shapeless = dataclasses.replace(one, name="h", path="h", input_shapes=())
    arch = run_analyses(chain([one, unknown, shapeless, dense("d", 7, 2)])).architecture
    assert [step.text for step in arch.flattens] == ["(7,) -> 7", "(None, 3) -> ?"]
    assert arch.flattens[1].to is None


def test_one_hidden_layer_and_a_linear_model() -> None:
    shallow = run_analyses(chain([dense("h", 4, 16), dense("out", 16, 2)])).architecture
    assert (shallow.hidden_layers, shallow.depth_class, shallow.pattern) == (1, "shallow", "single")
    assert shallow.explanation[0] == (
        "One hidden layer: a shallow network. One wide enough hidden layer can in theory "
        "approximate any continuous function, but deeper networks usually need far fewer "
        "units for the same job."
    )
    linear = run_analyses(chain([dense("out", 4, 2, use_bias=False)])).architecture
    assert (linear.hidden_layers, linear.pattern, linear.depth_class) == (0, "none", "shallow")
    assert linear.explanation == (
        "No hidden layer: the inputs map straight to the output (a linear model).",
        "'out' holds 100.0% of the parameters: 4 inputs x 2 units = 10.",
    )


def test_a_narrow_first_layer_and_a_bottleneck_below_the_output() -> None:
    layers = [dense("a", 4, 8), dense("b", 8, 32), dense("c", 32, 2), dense("out", 2, 5)]
    arch = run_analyses(chain(layers)).architecture
    assert arch.pattern == "mixed"
    assert arch.bottlenecks == ("c",)
    assert arch.explanation[1:4] == (
        "Widths rise and fall without a single trend (mixed).",
        "The first hidden layer (8) is not the widest (32); a first layer that is too narrow "
        "can lose information early.",
        "Bottleneck: 'c' passes on 2 values per sample, narrower than the output (5); "
        "whatever does not fit through it is lost to every later layer.",
    )


def test_quarter_bottleneck_between_two_hidden_neighbours() -> None:
    layers = [dense("a", 4, 64), dense("b", 64, 16), dense("c", 16, 64), dense("out", 64, 1)]
    arch = run_analyses(chain(layers)).architecture
    assert arch.pattern == "hourglass"
    assert arch.bottlenecks == ("b",)
    assert (
        "Bottleneck: 'b' passes on 16 values per sample, at most a quarter as wide as its "
        "neighbours; whatever does not fit through it is lost to every later layer."
    ) in arch.explanation
    wider = [dense("a", 4, 64), dense("b", 64, 17), dense("c", 17, 64), dense("out", 64, 1)]
    assert run_analyses(chain(wider)).architecture.bottlenecks == ()


def test_rectangle_and_expanding_sentences() -> None:
    square = [dense("a", 4, 8), dense("b", 8, 8), dense("out", 8, 1)]
    lines = run_analyses(chain(square)).architecture.explanation
    assert lines[1] == (
        "All hidden layers have the same width (a rectangle): one size to tune, and it often "
        "does as well as a funnel."
    )
    assert lines[2] == "The first hidden layer is the widest, as is usually recommended."
    growing = [dense("a", 4, 8), dense("b", 8, 16), dense("out", 16, 1)]
    assert run_analyses(chain(growing)).architecture.explanation[1] == (
        "Widths grow toward the output (expanding): usual in decoders and generators, "
        "unusual in a classifier."
    )


def test_growing_channels_get_the_convolution_sentence() -> None:
    layers = [
        row(
            "c1",
            "Conv2D",
            [(1, 1, 3, 8)],
            (None, 8, 8, 3),
            (None, 8, 8, 8),
            filters=8,
            kernel_size=1,
        ),
        row(
            "c2",
            "Conv2D",
            [(1, 1, 8, 16)],
            (None, 8, 8, 8),
            (None, 4, 4, 16),
            filters=16,
            kernel_size=1,
        ),
        row("out", "Dense", [(256, 4)], (None, 256), (None, 4), units=4),
    ]
    arch = run_analyses(chain(layers)).architecture
    assert arch.pattern == "expanding"
    assert arch.bottlenecks == ()
    assert arch.hidden_values == (512, 256)
    assert arch.values_pattern == "funnel"
    assert arch.explanation[1] == (
        "Channel counts grow toward the output, as is usual in convolutional networks "
        "where each step trades spatial resolution for more feature channels."
    )
    assert arch.explanation[2] == (
        "Counted in values passed on per sample (positions x channels for a convolution) the "
        "hidden layers form a funnel: 512 -> 256."
    )
    assert not any("first hidden layer" in line for line in arch.explanation)


def block(name: str, weights: int = 2, **config: object) -> LayerReport:
    return row(name, "Block", [(4, 4)] * weights, (None, 3, 4), (None, 3, 4), **config)


def test_block_runs() -> None:
    runs = find_blocks([block("a"), block("b"), block("c", weights=3), block("d", weights=3)])
    assert runs == (
        BlockRun("Block", 2, "a", "b", 4, None, 2 * 32, False),
        BlockRun("Block", 2, "c", "d", 4, None, 2 * 48, False),
    )
    # one block alone is no run; a declared num_layers of 1 neither; bools are not counts
    assert find_blocks([block("a")]) == ()
    assert find_blocks([block("a", num_layers=1)]) == ()
    assert find_blocks([block("a", num_layers=True)]) == ()
    assert find_blocks([block("a", weights=1), block("b", weights=1)]) == ()  # one kernel each
    assert find_blocks([block("a", units=4), block("b", units=4)]) == ()
    assert find_blocks([block("a", filters=4), block("b", filters=4)]) == ()
    mha = [row(n, "MultiHeadAttention", [(4, 4)] * 4, (None, 3, 4), (None, 3, 4)) for n in "ab"]
    assert find_blocks(mha) == ()
    (declared,) = find_blocks([block("enc/stack", num_layers=6, ffn_dim=16)])
    assert declared == BlockRun("Block", 6, "enc/stack", "enc/stack", 4, 16, 32, True)
    assert block_text(declared) == (
        "6 x Block (width 4, feed-forward 16) in 'stack' (num_layers in its config)"
    )
    assert block_text(BlockRun("B", 3, "x", "z", None, None, 0, False)) == "3 x B"
    assert block_text(BlockRun("B", 3, "x", "z", 1024, None, 0, False)) == "3 x B (width 1,024)"
    assert block_text(BlockRun("B", 2, "x", "z", None, 2048, 0, False)) == (
        "2 x B (feed-forward 2,048)"
    )
    inner = [block(n, intermediate_dim=8, mlp_dim=9) for n in "ab"]
    assert find_blocks(inner)[0].inner_width == 8
    assert (
        find_blocks([block(n, mlp_dim=True, feedforward_dim=7) for n in "ab"])[0].inner_width == 7
    )


def test_blocks_of_different_widths_and_their_names() -> None:
    small = [row(f"s{i}", "Block", [(4, 4)] * 2, (None, 3, 4), (None, 3, 4)) for i in range(2)]
    big = [row(f"b{i}", "Big", [(8, 8)] * 2, (None, 3, 8), (None, 3, 8)) for i in range(3)]
    arch = run_analyses(chain([*small, *big])).architecture
    assert arch.hidden_layers == 5
    assert arch.hidden_widths == (4, 4, 8, 8, 8)
    assert arch.hidden_names == ("s0", "s1", "b0", "b1", "b2")
    assert arch.pattern == "expanding"
    assert arch.explanation[0] == (
        "A stack of 5 repeated blocks (2 x Block (width 4); 3 x Big (width 8)): a deep "
        "network whose depth is counted in blocks, each holding several layers of its own."
    )
    assert arch.explanation[1].startswith("Widths grow toward the output (expanding)")
    declared = row("enc", "Enc", [(4, 4)] * 4, (None, 3, 4), (None, 3, 4), num_layers=3)
    named = run_analyses(chain([declared])).architecture
    assert named.hidden_names == ("enc 1", "enc 2", "enc 3")
    assert named.explanation[1] == (
        "Every block has the same width (a rectangle), as in a transformer, where each "
        "block keeps the hidden size and widens only inside its feed-forward part."
    )
    unknown_width = row("u", "Enc", [(4, 4)] * 2, (None, 3, 4), (None, 3, None), num_layers=2)
    assert run_analyses(chain([unknown_width])).architecture.pattern == "mixed"


def conv(name: str, channels: int, filters: int, size: int) -> LayerReport:
    return row(
        name,
        "Conv2D",
        [(3, 3, channels, filters)],
        (None, size, size, channels),
        (None, size, size, filters),
        filters=filters,
        kernel_size=3,
    )


def residual() -> CapturedModel:
    """a -> b -> add(a, b) -> c (4x4) -> pooling -> dense: a graph with two stages and a head."""
    rows = [
        LayerReport(
            name="inputs",
            path="inputs",
            depth=0,
            class_name="InputLayer",
            output_shapes=((None, 8, 8, 3),),
        ),
        conv("a", 3, 16, 8),
        conv("b", 16, 16, 8),
        row("add", "Add", [], (None, 8, 8, 16), (None, 8, 8, 16)),
        dataclasses.replace(conv("c", 16, 32, 8), output_shapes=((None, 4, 4, 32),)),
        row("pool", "GlobalAveragePooling2D", [], (None, 4, 4, 32), (None, 32)),
        row("out", "Dense", [(32, 10)], (None, 32), (None, 10), units=10),
    ]
    pairs = [
        ("inputs", "a"),
        ("a", "b"),
        ("a", "add"),
        ("b", "add"),
        ("add", "c"),
        ("c", "pool"),
        ("pool", "out"),
    ]
    return CapturedModel(
        name="res",
        class_name="Functional",
        layers=tuple(rows),
        edges=tuple(Edge(s, t) for s, t in pairs),
        inputs=("inputs",),
        outputs=("out",),
        input_shapes=((None, 8, 8, 3),),
    )


def test_a_graph_reads_by_stage() -> None:
    arch = run_analyses(residual()).architecture
    assert arch.is_chain is False
    assert arch.pattern == "graph"
    assert arch.weighted_depth == 4  # a, b, c, out
    assert arch.hidden_layers == 3 and arch.depth_class == "deep"
    assert arch.hidden_widths == () and arch.output_layer is None
    total = 432 + 2304 + 4608 + 320
    stages = [(s.stage, s.layers, s.params, s.macs) for s in arch.stages]
    assert stages == [
        ("8x8", 3, 432 + 2304, 64 * 9 * 3 * 16 + 64 * 9 * 16 * 16),
        ("4x4", 2, 4608, 16 * 9 * 16 * 32),
        ("head", 1, 320, 320),
    ]
    assert arch.stages[0].share == (432 + 2304) / total
    assert arch.explanation == (
        "Not a simple chain (branches, merges, shared layers or several inputs/outputs), so "
        "no width pattern is claimed; the longest path through the model has 4 layers with "
        "weights.",
        "Most parameters sit in stage 4x4 (60.1% over 2 layers).",
        "'c' holds 60.1% of the parameters.",
    )


def test_a_graph_without_feature_maps_reads_by_quarters() -> None:
    rows = [dense(f"d{i}", 4, 4) for i in range(5)]
    edges = [Edge("d0", f"d{i}") for i in range(1, 5)]
    report = CapturedModel(
        name="g", class_name="Functional", layers=tuple(rows), edges=tuple(edges)
    )
    arch = run_analyses(report).architecture
    assert arch.weighted_depth == 2
    assert arch.hidden_layers == 1 and arch.depth_class == "shallow"
    assert [(s.stage, s.layers, s.params) for s in arch.stages] == [
        ("layers 1-2", 2, 40),
        ("layers 3-4", 2, 40),
        ("layer 5", 1, 20),
    ]
    assert arch.explanation[1] == "Most parameters sit in layers 1-2 (40.0% over 2 layers)."


def test_nested_models_count_their_depth() -> None:
    inner_rows = [
        dataclasses.replace(dense(n, 4, 4), path=f"inner/{n}", parent="inner", depth=1)
        for n in ("x", "y")
    ]
    container = LayerReport(
        name="inner", path="inner", depth=0, class_name="Functional", is_container=True
    )
    first = dense("first", 4, 4)
    last = dense("last", 4, 4)
    report = CapturedModel(
        name="outer",
        class_name="Functional",
        layers=(first, container, *inner_rows, last, dense("side", 4, 4)),
        edges=(
            Edge("first", "inner"),
            Edge("inner/x", "inner/y"),
            Edge("inner", "last"),
            Edge("first", "side"),
        ),
    )
    arch = run_analyses(report).architecture
    assert arch.weighted_depth == 4  # first, inner's two, last
    assert arch.hidden_layers == 3


def test_a_model_without_parameters() -> None:
    report = chain([row("r", "ReLU", [], (None, 4), (None, 4))])
    arch = run_analyses(report).architecture
    assert arch.dominant_layer is None and arch.dominant_share == 0.0
    assert arch.explanation == (
        "No hidden layer: the inputs map straight to the output (a linear model).",
    )


def test_widths_read_from_the_config_first() -> None:
    unknown_out = row("d", "Dense", [(4, 8)], (None, 4), (None, None), units=8)
    assert layer_width(unknown_out) == 8
    channels_first = row("c", "Conv2D", [(3, 3, 3, 6)], (None, 3, 8, 8), (None, 6, 4, 4), filters=6)
    assert layer_width(channels_first) == 6
    assert classify_widths([4, 5]) == "expanding"
    assert classify_widths([8, 2, 3]) == "hourglass"


def test_a_hidden_layer_without_output_shapes_passes_on_nothing() -> None:
    hidden = dataclasses.replace(dense("h", 4, 8), output_shapes=())
    arch = run_analyses(chain([hidden, dense("out", 8, 2)])).architecture
    assert arch.hidden_values == (0,)


def test_quarter_bottleneck_as_wide_as_the_output() -> None:
    layers = [dense("a", 4, 64), dense("b", 64, 16), dense("c", 16, 64), dense("out", 64, 16)]
    arch = run_analyses(chain(layers)).architecture
    assert arch.bottlenecks == ("b",)
    assert any(
        "'b' passes on 16 values per sample, at most a quarter" in x for x in arch.explanation
    )


def test_mixed_channel_counts_get_the_convolution_sentence() -> None:
    layers = [
        conv("c1", 3, 16, 8),
        conv("c2", 16, 4, 8),
        conv("c3", 4, 8, 8),
        conv("c4", 8, 6, 8),
        row("out", "Dense", [(384, 2)], (None, 384), (None, 2), units=2),
    ]
    arch = run_analyses(chain(layers)).architecture
    assert arch.pattern == "mixed"
    assert arch.explanation[1].startswith("Channel counts grow toward the output")


def test_stages_name_unknown_sizes_and_send_point_maps_to_the_head() -> None:
    a = dataclasses.replace(conv("a", 3, 8, 8), output_shapes=((None, None, None, 8),))
    b = dataclasses.replace(conv("b", 8, 8, 8), output_shapes=((None, None, None, 8),))
    c = dataclasses.replace(conv("c", 8, 8, 4), input_shapes=((None, 4, 4, 8),))
    unknown = CapturedModel(
        name="u",
        class_name="Functional",
        layers=(a, b, c),
        edges=(Edge("a", "b"), Edge("a", "c")),
    )
    assert [s.stage for s in run_analyses(unknown).architecture.stages] == ["?x?", "4x4"]
    squeeze = dataclasses.replace(conv("se", 8, 8, 1), input_shapes=((None, 1, 1, 8),))
    rows = [conv("a", 3, 8, 8), conv("b", 8, 8, 8), conv("s", 8, 8, 4), squeeze]
    branchy = CapturedModel(
        name="p",
        class_name="Functional",
        layers=tuple(rows),
        edges=(Edge("a", "b"), Edge("a", "s"), Edge("b", "se")),
    )
    stages = [(s.stage, s.layers) for s in run_analyses(branchy).architecture.stages]
    assert stages == [("8x8", 2), ("4x4", 1), ("head", 1)]


def test_weighted_depth_ignores_edges_leaving_a_group_and_empty_nested_models() -> None:
    empty = LayerReport(name="e", path="e", depth=0, class_name="Functional", is_container=True)
    inner = dataclasses.replace(dense("e2/x", 4, 4), parent="e2", depth=1)
    other = LayerReport(name="e2", path="e2", depth=0, class_name="Functional", is_container=True)
    report = CapturedModel(
        name="m",
        class_name="Functional",
        layers=(dense("a", 4, 4), empty, other, inner, dense("z", 4, 4)),
        edges=(Edge("a", "e"), Edge("a", "e2/x"), Edge("e", "z"), Edge("a", "e2")),
    )
    assert run_analyses(report).architecture.weighted_depth == 2  # a, then z; e has no rows


def test_bottleneck_rules_at_their_edges() -> None:
    unknown = row("a", "MyLayer", [(4, 4)], (None, 4), (None, None))
    layers = [unknown, dense("b", 4, 64), dense("c", 64, 8), dense("d", 8, 64), dense("o", 64, 2)]
    assert run_analyses(chain(layers)).architecture.bottlenecks == ("c",)
    lopsided = [dense("a", 4, 64), dense("b", 64, 8), dense("c", 8, 16), dense("o", 16, 2)]
    assert run_analyses(chain(lopsided)).architecture.bottlenecks == ()  # 32 > 16
    as_wide = [dense("a", 4, 8), dense("b", 8, 4), dense("c", 4, 8), dense("o", 8, 4)]
    assert run_analyses(chain(as_wide)).architecture.bottlenecks == ()  # 4 is not < 4


def test_declared_counts_only_for_a_lone_block_and_short_names() -> None:
    pair = [block(n, num_layers=6) for n in "ab"]
    assert [(r.count, r.declared) for r in find_blocks(pair)] == [(2, False)]
    deep = row("x/y/enc", "Enc", [(4, 4)] * 4, (None, 3, 4), (None, 3, 4), num_layers=2)
    (run,) = find_blocks([deep])
    assert block_text(run) == "2 x Enc (width 4) in 'enc' (num_layers in its config)"
    arch = run_analyses(chain([*(block(n) for n in "pq"), deep])).architecture
    assert arch.hidden_names == ("p", "q", "enc 1", "enc 2")


def test_dominant_dense_on_a_sequence() -> None:
    seq = dense("d", 16, 4)
    seq = dataclasses.replace(seq, input_shapes=((None, 5, 16),), output_shapes=((None, 5, 4),))
    arch = run_analyses(chain([seq])).architecture
    assert (
        arch.explanation[-1]
        == "'d' holds 100.0% of the parameters: 16 inputs x 4 units + 4 biases = 68."
    )


def test_stage_boundaries() -> None:
    pad = row("pad", "ZeroPadding2D", [], (None, 8, 8, 3), (None, 10, 10, 3))
    a = conv("a", 3, 8, 8)
    b = conv("b", 8, 8, 8)
    se = dataclasses.replace(conv("se", 8, 8, 1), input_shapes=((None, 1, 1, 8),))
    c = dataclasses.replace(conv("c", 8, 8, 4), input_shapes=((None, 4, 4, 8),))
    custom = row("odd", "MyConv", [(3, 3, 8, 8)], (None, 4, 4, 8), (None, 2, 2, 8))
    head = row("out", "Dense", [(32, 2)], (None, 32), (None, 2), units=2)
    se2 = dataclasses.replace(conv("se2", 8, 8, 1), input_shapes=((None, 1, 1, 8),))
    rows = [pad, a, b, se, c, se2, custom, head]
    pairs = [
        ("pad", "a"),
        ("a", "b"),
        ("a", "se"),
        ("b", "c"),
        ("se", "c"),
        ("c", "se2"),
        ("se2", "odd"),
    ]
    report = CapturedModel(
        name="s",
        class_name="Functional",
        layers=tuple(rows),
        edges=tuple(Edge(s, t) for s, t in [*pairs, ("odd", "out")]),
    )
    stages = [(s.stage, s.layers) for s in run_analyses(report).architecture.stages]
    # the padding joins the first stage; a 1x1 map before the last feature map stays in its
    # stage; a kernel with no MAC rule still opens its stage; the dense layer after the maps
    # is the head
    assert stages == [("8x8", 4), ("4x4", 2), ("2x2", 1), ("head", 1)]


def test_quarters_of_a_short_graph_and_shares_without_params() -> None:
    rows = [dense(n, 2, 2) for n in "abc"]
    report = CapturedModel(
        name="q",
        class_name="Functional",
        layers=tuple(rows),
        edges=(Edge("a", "b"), Edge("a", "c")),
    )
    arch = run_analyses(report).architecture
    assert [s.stage for s in arch.stages] == ["layer 1", "layer 2", "layer 3"]
    relus = [row(n, "ReLU", [], (None, 2), (None, 2)) for n in "abc"]
    empty = dataclasses.replace(report, layers=tuple(relus))
    assert [s.share for s in run_analyses(empty).architecture.stages] == [0.0, 0.0, 0.0]


def test_graph_depth_one_and_no_layers() -> None:
    flat = CapturedModel(
        name="f", class_name="Functional", layers=(dense("a", 2, 2), dense("b", 2, 2))
    )
    arch = run_analyses(flat).architecture
    assert (arch.is_chain, arch.weighted_depth, arch.hidden_layers) == (False, 1, 0)
    only_input = CapturedModel(
        name="i",
        class_name="Functional",
        layers=(LayerReport(name="x", path="x", depth=0, class_name="InputLayer"),),
    )
    nothing = analyze_architecture(only_input, compute_totals(only_input))
    assert nothing.dominant_layer is None and nothing.hidden_layers == 0


def test_blocks_in_a_graph_get_stages_and_in_a_chain_not() -> None:
    blocks = [block(n) for n in "ab"]
    in_chain = run_analyses(chain(blocks)).architecture
    assert in_chain.stages == ()
    graph = CapturedModel(
        name="g",
        class_name="Functional",
        layers=(*blocks, dense("side", 4, 4)),
        edges=(Edge("a", "b"), Edge("a", "side")),
    )
    arch = run_analyses(graph).architecture
    assert [s.stage for s in arch.stages] == ["layer 1", "layer 2", "layer 3"]
    assert arch.explanation[0].startswith("A stack of 2 repeated blocks (2 x Block (width 4))")
    # each block 32 params, the side layer 20: 32 / 84
    assert arch.explanation[-2] == "Most parameters sit in layer 1 (38.1% over 1 layer)."
    spaced = row("outer/big enc", "Enc", [(4, 4)] * 2, (None, 3, 4), (None, 3, 4), num_layers=2)
    assert run_analyses(chain([spaced])).architecture.hidden_names == ("big enc 1", "big enc 2")


def test_conv1d_channels_are_spatial() -> None:
    layers = [
        row("c1", "Conv1D", [(1, 3, 8)], (None, 10, 3), (None, 10, 8), filters=8, kernel_size=1),
        row("c2", "Conv1D", [(1, 8, 16)], (None, 10, 8), (None, 5, 16), filters=16, kernel_size=1),
        row("out", "Dense", [(80, 4)], (None, 80), (None, 4), units=4),
    ]
    arch = run_analyses(chain(layers)).architecture
    assert arch.explanation[1].startswith("Channel counts grow toward the output")


def test_subclassed_sentence_only_for_a_non_sequential_without_inputs() -> None:
    layers = [dense("a", 4, 4), dense("b", 4, 2)]
    sequential = chain(layers, class_name="Sequential", inputs=(), outputs=())
    assert not any(
        "subclassed" in line for line in run_analyses(sequential).architecture.explanation
    )
    subclassed = chain(layers, class_name="MyModel", inputs=(), outputs=())
    assert (
        "This is a subclassed model whose graph could not be read: layers are read in the order "
        "they were created, which may not be the order data flows through them."
    ) in run_analyses(subclassed).architecture.explanation
