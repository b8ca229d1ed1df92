"""Insights: data fit, architecture shape and memory, and how every output shows them."""

from __future__ import annotations

import json

import pytest
from cli_runner import invoke

from layerscope import analyze
from layerscope.analysis.architecture import classify_widths
from layerscope.analysis.datafit import band_for, readable_ratio
from layerscope.errors import UsageError
from layerscope.results import Shrink, Thresholds


def mlp(keras, widths, inputs=64, outputs=10, activation="softmax"):  # type: ignore[no-untyped-def]
    """An MLP with the given hidden widths, named h1, h2, ... and "out"."""
    L = keras.layers
    layers = [keras.Input((inputs,))]
    layers += [L.Dense(w, activation="relu", name=f"h{i + 1}") for i, w in enumerate(widths)]
    layers.append(L.Dense(outputs, activation=activation, name="out"))
    return keras.Sequential(layers, name="mlp")


# -- the seed model ----------------------------------------------------------------------------


def test_seed_data_fit(seed_report) -> None:  # type: ignore[no-untyped-def]
    fit = seed_report.data_fit
    assert fit.training_samples == 55000
    assert fit.params_per_sample == 5.76
    assert fit.samples_per_param == 0.174
    assert fit.trainable_params_per_sample == 5.76
    assert fit.band == "high"
    assert fit.classes == 10
    assert fit.params_per_sample_class == 0.576
    assert fit.interpolation_scale == 550000
    assert list(fit.mitigations) == []
    assert [c.layer for c in fit.contributions] == ["Hidden1", "Hidden2", "Hidden3", "Output"]
    assert fit.contributions[0].params_per_sample == 4.28
    # Halving Hidden1 (300 -> 150): 784*150+150 = 117,750 and Hidden2's kernel 150*200.
    assert fit.shrink == Shrink(
        layer="Hidden1",
        from_width=300,
        to_width=150,
        params_before=316810,
        params_after=169060,
        params_saved=147750,
        params_per_sample_after=3.07,
        also_shrinks=("Hidden2",),
    )


def test_seed_architecture(seed_report) -> None:  # type: ignore[no-untyped-def]
    arch = seed_report.architecture
    assert arch.depth_class == "deep"
    assert arch.pattern == "funnel"
    assert list(arch.hidden_widths) == [300, 200, 100]
    assert arch.hidden_layers == 3
    assert arch.output_layer == "Output"
    assert arch.dominant_layer == "Hidden1"
    assert arch.dominant_share == pytest.approx(235500 / 316810)
    assert round(arch.dominant_share * 100, 1) == 74.3
    assert list(arch.bottlenecks) == []
    assert arch.flattens[0].text == "(28, 28) -> 784"
    assert (
        "'Hidden1' holds 74.3% of the parameters: 784 inputs x 300 units + 300 biases = 235,500."
        in arch.explanation
    )


def test_seed_memory(seed_report) -> None:  # type: ignore[no-untyped-def]
    memory = seed_report.memory
    assert memory.parameter_bytes == 316810 * 4
    assert memory.parameter_bytes_by_dtype == {"float32": 1267240}
    assert memory.optimizer == "adam"
    assert memory.optimizer_bytes == 2 * 1267240
    # The (28, 28) input plus every layer's output, float32.
    assert memory.activation_bytes_per_sample == (784 + 784 + 300 + 200 + 100 + 10) * 4
    assert memory.forward_bytes == 8712
    assert memory.training_activation_bytes == 2 * 8712
    assert memory.training_total_bytes == 1267240 * 4 + 2 * 8712


def test_batch_size_and_optimizer_options(seed_model) -> None:  # type: ignore[no-untyped-def]
    report = analyze(seed_model, batch_size=32, optimizer="sgd_momentum")
    memory = report.memory
    assert memory.batch_size == 32
    assert memory.forward_bytes == 32 * 8712
    assert memory.optimizer_slots == 1
    assert memory.optimizer_bytes == 1267240
    assert analyze(seed_model, optimizer="SGD").memory.optimizer_bytes == 0
    assert analyze(seed_model, optimizer="rmsprop").memory.optimizer_bytes == 1267240


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batchsize": 32}, "unknown analysis option 'batchsize'"),
        ({"batch_size": 0}, "batch_size must be a positive integer; got 0"),
        ({"batch_size": "8"}, "batch_size must be a positive integer; got '8'"),
        ({"optimizer": "adamm"}, "got 'adamm'"),
        ({"thresholds": {"huge": 3}}, "thresholds keys must be among"),
        ({"thresholds": {"high": -1}}, "thresholds['high'] must be a positive number; got -1"),
        ({"thresholds": {"high": 0.01}}, "thresholds must increase"),
    ],
)
def test_bad_options_are_usage_errors(seed_model, options, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("(", r"\(")):
        analyze(seed_model, training_samples=55000, **options)


def test_thresholds_override_moves_the_band(seed_model) -> None:  # type: ignore[no-untyped-def]
    report = analyze(seed_model, training_samples=55000, thresholds={"very_high": 5.0})
    assert report.data_fit.band == "very_high"
    assert report.data_fit.thresholds == Thresholds(moderate=0.1, high=1.0, very_high=5.0)


def test_band_edges() -> None:
    thresholds = Thresholds(moderate=0.1, high=1.0, very_high=10.0)
    assert band_for(0.05, thresholds) == "low"
    assert band_for(0.1, thresholds) == "moderate"
    assert band_for(1.0, thresholds) == "high"
    assert band_for(12, thresholds) == "very_high"
    assert readable_ratio(316810 / 55000) == 5.76
    assert readable_ratio(0.000123456) == 0.000123


def test_no_samples_means_no_data_fit(seed_model) -> None:  # type: ignore[no-untyped-def]
    report = analyze(seed_model)
    assert report.data_fit is None
    assert report.to_dict()["data_fit"] is None
    assert "Data fit" not in report.to_text()
    assert "Data fit" not in report.to_markdown()
    assert "Architecture" in report.to_text()


# -- architecture on other MLPs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("widths", "pattern", "depth_class", "bottlenecks"),
    [
        ([128, 128, 128], "rectangle", "deep", []),
        ([256, 16, 256], "hourglass", "deep", ["h2"]),
        ([32, 64, 128], "expanding", "deep", []),
        ([64, 128, 32], "mixed", "deep", []),
        ([50], "single", "shallow", []),
        ([], "none", "shallow", []),
        ([64, 8, 64], "hourglass", "deep", ["h2"]),
    ],
)
def test_mlp_shapes(keras, widths, pattern, depth_class, bottlenecks) -> None:  # type: ignore[no-untyped-def]
    arch = analyze(mlp(keras, widths)).architecture
    assert list(arch.hidden_widths) == widths
    assert arch.pattern == pattern
    assert arch.depth_class == depth_class
    assert list(arch.bottlenecks) == bottlenecks


def test_layer_narrower_than_the_output_is_a_bottleneck(keras) -> None:  # type: ignore[no-untyped-def]
    arch = analyze(mlp(keras, [64, 48, 6], outputs=10)).architecture
    assert list(arch.bottlenecks) == ["h3"]
    assert any(
        "'h3' passes on 6 values per sample, narrower than the output (10)" in line
        for line in arch.explanation
    )


def test_classify_widths() -> None:
    assert classify_widths([300, 200, 200, 100]) == "funnel"
    assert classify_widths([300, 100, 100, 300]) == "hourglass"
    assert classify_widths([10, 20, 10, 20]) == "mixed"


def test_graph_model_gets_stages_and_depth_not_a_pattern(keras) -> None:  # type: ignore[no-untyped-def]
    L = keras.layers
    x = keras.Input((16, 16, 3))
    a = L.Conv2D(8, 3, padding="same", name="a")(x)
    b = L.Conv2D(8, 3, padding="same", name="b")(a)
    s = L.Add(name="add")([a, b])
    p = L.MaxPooling2D(name="pool")(s)
    c = L.Conv2D(16, 3, padding="same", name="c")(p)
    g = L.GlobalAveragePooling2D(name="gap")(c)
    y = L.Dense(10, activation="softmax", name="head")(g)
    arch = analyze(keras.Model(x, y)).architecture
    assert arch.pattern == "graph"
    assert arch.weighted_depth == 4  # a -> b -> (add) -> c -> head
    assert arch.depth_class == "deep"
    assert [s.stage for s in arch.stages] == ["16x16", "8x8", "head"]
    assert [s.params for s in arch.stages] == [224 + 584, 1168, 170]
    assert arch.dominant_layer == "c"


def test_resnet50_is_fifty_layers_deep(applications) -> None:  # type: ignore[no-untyped-def]
    arch = applications.report("ResNet50").architecture
    assert arch.pattern == "graph"
    assert arch.weighted_depth == 50
    assert arch.dominant_layer == "conv5_block1_2_conv"  # 3x3x512x512 + 512; ties go to the first
    assert [s.stage for s in arch.stages] == [
        "112x112",
        "56x56",
        "28x28",
        "14x14",
        "7x7",
        "head",
    ]
    assert sum(s.params for s in arch.stages) == 25636712


def test_squeeze_and_excitation_maps_open_no_stage(applications) -> None:  # type: ignore[no-untyped-def]
    # EfficientNet's SE blocks squeeze to 1x1 inside each stage; they stay in their stage.
    arch = applications.report("EfficientNetB0").architecture
    stages = [s.stage for s in arch.stages]
    assert stages == ["112x112", "56x56", "28x28", "14x14", "7x7", "head"]
    assert sum(s.macs for s in arch.stages) == applications.report("EfficientNetB0").cost.macs


def test_resnet50_on_imagenet_sums_up_repeated_regularisation(applications) -> None:  # type: ignore[no-untyped-def]
    from layerscope.analysis import run_analyses

    report = run_analyses(applications.report("ResNet50"), training_samples=1281167)
    fit = report.data_fit
    assert len(fit.mitigations) == 53
    assert fit.band == "very_high"
    assert fit.classes == 1000
    text = report.to_text(width=200)
    assert "  Regularisation:      BatchNormalization in 53 layers" in text.splitlines()
    assert (
        "  Depth:               deep (50 layers with weights on the longest path; "
        "not a simple chain)" in text.splitlines()
    )


# -- mitigations -------------------------------------------------------------------------------


def test_dropout_batchnorm_and_l2_are_listed(keras) -> None:  # type: ignore[no-untyped-def]
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((20,)),
            L.Dense(
                64,
                activation="relu",
                kernel_regularizer=keras.regularizers.L2(0.01),
                name="Hidden1",
            ),
            L.BatchNormalization(name="bn"),
            L.Dropout(0.5, name="drop1"),
            L.Dense(3, activation="softmax", name="out"),
        ]
    )
    fit = analyze(model, training_samples=1000).data_fit
    assert list(fit.mitigations) == [
        "L2 kernel regularizer (0.01) on 'Hidden1'",
        "BatchNormalization in 'bn'",
        "Dropout(0.5) in 'drop1'",
    ]
    assert [m.kind for m in fit.mitigation_details] == [
        "regularizer",
        "normalization",
        "dropout",
    ]
    assert not any(line.startswith("No regularisation found") for line in fit.explanation)


def test_other_mitigations_are_named(keras) -> None:  # type: ignore[no-untyped-def]
    L = keras.layers
    x = keras.Input((8, 8, 3))
    h = L.RandomFlip(name="flip")(x)
    h = L.GaussianNoise(0.1, name="noise")(h)
    h = L.Conv2D(
        4,
        3,
        kernel_constraint=keras.constraints.MaxNorm(2.0),
        bias_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.002),
        name="conv",
    )(h)
    h = L.SpatialDropout2D(0.2, name="sdrop")(h)
    h = L.Reshape((36, 4), name="reshape")(h)
    h = L.Bidirectional(L.LSTM(3, recurrent_dropout=0.25), name="bilstm")(h)
    h = L.LayerNormalization(name="ln")(h)
    y = L.Dense(1, activation="sigmoid", name="out")(h)
    fit = analyze(keras.Model(x, y), training_samples=500).data_fit
    assert list(fit.mitigations) == [
        "data augmentation RandomFlip in 'flip'",
        "GaussianNoise(0.1) in 'noise'",
        "L1L2 bias regularizer (l1=0.001, l2=0.002) on 'conv'",
        "MaxNorm kernel constraint (max_value=2, axis=0) on 'conv'",
        "SpatialDropout2D(0.2) in 'sdrop'",
        "recurrent dropout (0.25) in 'bilstm' (LSTM inside)",
        "LayerNormalization in 'ln'",
    ]
    # One sigmoid unit is a binary classifier with no per-class scale to report.
    assert fit.classes is None


def test_frozen_layers_do_not_count_toward_the_band(keras) -> None:  # type: ignore[no-untyped-def]
    model = mlp(keras, [500, 100], inputs=100)
    model.get_layer("h1").trainable = False
    fit = analyze(model, training_samples=1000).data_fit
    assert fit.params == 50500 + 50100 + 1010
    assert fit.trainable_params == 50100 + 1010
    assert fit.params_per_sample == 101.61
    assert fit.trainable_params_per_sample == 51.11
    assert fit.band == "very_high"


def test_mixed_precision_activations_are_half_size(keras) -> None:  # type: ignore[no-untyped-def]
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((10,)),
            L.Dense(100, dtype="mixed_float16", name="a"),
            L.Dense(4, dtype="float32", name="b"),
        ]
    )
    memory = analyze(model).memory
    assert memory.activation_bytes_per_sample == 10 * 4 + 100 * 2 + 4 * 4
    assert list(memory.activation_dtypes) == ["float16", "float32"]
    assert memory.parameter_bytes_by_dtype == {"float32": (1100 + 404) * 4}


# -- every output shows it ---------------------------------------------------------------------


def test_text_summary_shows_every_section(seed_report) -> None:  # type: ignore[no-untyped-def]
    text = seed_report.to_text(width=200)
    for line in [
        "Data fit",
        "  Training samples:    55,000",
        "  Params per sample:   5.76 (0.174 samples per param)",
        "  Per sample x class:  0.576 (10 classes; samples x classes = 550,000)",
        "  Band:                high: more trainable parameters than training samples",
        "  Halving 'Hidden1':   300 -> 150 wide leaves 169,060 params "
        "(3.07 per sample; 'Hidden2' shrinks too)",
        "  Regularisation:      none found",
        "Architecture",
        "  Depth:               deep (3 hidden layers)",
        "  Hidden widths:       300 -> 200 -> 100 (funnel)",
        "  Flatten:             (28, 28) -> 784 in 'Flatten'",
        "  Dominant layer:      'Hidden1' (74.3% of params)",
        "  Bottlenecks:         none",
        "Compute",
        "  MACs per sample:     316,200 (316.20 K), about 632.40 K FLOPs",
        "  Heaviest layer:      'Hidden1' 235,200 MACs (74.4%)",
        "Memory",
        "  Parameters:          1.21 MiB (float32)",
        "  Optimizer state:     2.42 MiB (adam: 2 copies of the 1.21 MiB trainable params)",
        "  Activations:         8.51 KiB per sample (float32); batch 1: forward 8.51 KiB, "
        "training ~17.02 KiB",
    ]:
        assert line in text.splitlines(), line


def test_markdown_shows_every_section(seed_report) -> None:  # type: ignore[no-untyped-def]
    markdown = seed_report.to_markdown()
    for title in ("#### Data fit", "#### Architecture", "#### Compute", "#### Memory"):
        assert title in markdown
    assert "- Params per sample:   5.76 (0.174 samples per param)" in markdown
    assert "- Hidden widths:       300 -&gt; 200 -&gt; 100 (funnel)" in markdown
    assert "- MACs per sample:     316,200 (316.20 K), about 632.40 K FLOPs" in markdown


def test_json_carries_every_analysis(seed_report) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(seed_report.to_json())
    assert document["data_fit"]["params_per_sample"] == 5.76
    assert document["data_fit"]["band"] == "high"
    assert document["architecture"]["pattern"] == "funnel"
    assert document["architecture"]["hidden_widths"] == [300, 200, 100]
    assert document["cost"]["macs"] == 316200
    assert document["memory"]["optimizer_bytes"] == 2534480
    assert [row["macs"] for row in document["layers"]] == [0, 235200, 60000, 20000, 1000]


def test_cli_summary_with_samples_and_batch_size(seed_path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(
        ["summary", str(seed_path), "--samples", "55000", "--batch-size", "32", "--width", "160"],
    )
    assert result.exit_code == 0, result.output
    assert "  Params per sample:   5.76 (0.174 samples per param)" in result.output
    assert "batch 32: forward 272.25 KiB, training ~544.50 KiB" in result.output
    result = invoke(["summary", str(seed_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["data_fit"] is None
    assert document["architecture"]["depth_class"] == "deep"


def test_hostile_layer_names_are_escaped_in_sections(keras) -> None:  # type: ignore[no-untyped-def]
    L = keras.layers
    name = "evil\x1b[31m|*x*"
    model = keras.Sequential(
        [
            keras.Input((100,)),
            L.Dense(50, name=name),
            L.Dropout(0.5, name="d|rop"),
            L.Dense(4, name="h2"),
            L.Dense(2, activation="softmax", name="out"),
        ]
    )
    report = analyze(model, training_samples=10)
    text = report.to_text(width=200)
    assert "\x1b" not in text
    assert "Dominant layer:      'evil\\x1b[31m|*x*' (" in text
    markdown = report.to_markdown()
    assert "\x1b" not in markdown
    assert "Dropout(0.5) in 'd\\|rop'" in markdown
    assert "'evil\\\\x1b\\[31m\\|\\*x\\*'" in markdown


def test_small_cnn_reads_channels_and_values(keras) -> None:  # type: ignore[no-untyped-def]
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            L.Conv2D(16, 3, activation="relu", name="c1"),
            L.MaxPooling2D(name="p1"),
            L.Conv2D(32, 3, activation="relu", name="c2"),
            L.MaxPooling2D(name="p2"),
            L.Flatten(name="flat"),
            L.Dense(64, activation="relu", name="fc"),
            L.Dense(10, activation="softmax", name="out"),
        ]
    )
    report = analyze(model)
    arch = report.architecture
    assert list(arch.hidden_widths) == [16, 32, 64]
    assert arch.pattern == "expanding"
    assert list(arch.hidden_values) == [30 * 30 * 16, 13 * 13 * 32, 64]
    assert arch.values_pattern == "funnel"
    assert arch.flattens[0].text == "(6, 6, 32) -> 1152"
    assert (
        "Counted in values passed on per sample (positions x channels for a convolution) "
        "the hidden layers form a funnel: 14,400 -> 5,408 -> 64." in arch.explanation
    )
    assert not any("not the widest" in line for line in arch.explanation)
    assert report.cost.macs == 30 * 30 * 27 * 16 + 13 * 13 * 144 * 32 + 1152 * 64 + 640


def test_saved_file_gives_the_same_insights(seed_path, seed_report) -> None:  # type: ignore[no-untyped-def]
    # Whichever engine reads the file (static or Keras), the analyses must agree.
    from_file = analyze(seed_path, training_samples=55000)
    for key in ("cost", "architecture", "data_fit", "memory"):
        assert from_file.to_dict()[key] == seed_report.to_dict()[key], key
