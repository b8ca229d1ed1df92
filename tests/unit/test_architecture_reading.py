"""The architecture reading on hand-built reports (no Keras): blocks, bottlenecks, wording."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from layerscope.analysis import run_analyses
from layerscope.report import CapturedModel, Edge, LayerReport, Shape, Variable


def row(
    name: str,
    class_name: str,
    weights: list[tuple[int, ...]],
    shape_in: Shape,
    shape_out: Shape,
    **config: Any,
) -> LayerReport:
    variables = tuple(
        Variable(f"kernel_{i}", f"{name}/kernel_{i}", "weight", shape, "float32", True)
        for i, shape in enumerate(weights)
    )
    return LayerReport(
        name=name,
        path=name,
        depth=0,
        class_name=class_name,
        variables=variables,
        input_shapes=(shape_in,),
        output_shapes=(shape_out,),
        config=config,
    )


def chain(rows: list[LayerReport], class_name: str = "Functional", **fields: Any) -> CapturedModel:
    first = rows[0]
    source = LayerReport(
        name="inputs",
        path="inputs",
        depth=0,
        class_name="InputLayer",
        output_shapes=first.input_shapes,
    )
    every = [source, *rows]
    linked = [every[0]] + [
        dataclasses.replace(r, inbound=(every[i].name,)) for i, r in enumerate(every[1:])
    ]
    edges = tuple(Edge(a.path, b.path) for a, b in itertools.pairwise(linked))
    defaults: dict[str, Any] = {
        "inputs": ("inputs",),
        "outputs": (linked[-1].path,),
        "input_shapes": (first.input_shapes[0],),
    }
    defaults.update(fields)
    return CapturedModel(
        name="m", class_name=class_name, layers=tuple(linked), edges=edges, **defaults
    )


def encoder(index: int) -> LayerReport:
    """A TransformerEncoder-like block: attention and feed-forward kernels, width 768."""
    weights = [(768, 12, 64)] * 3 + [(12, 64, 768), (768, 3072), (3072, 768)]
    return row(
        f"transformer_layer_{index}",
        "TransformerEncoder",
        weights,
        (None, 128, 768),
        (None, 128, 768),
        intermediate_dim=3072,
        num_heads=12,
    )


def bert_like() -> CapturedModel:
    embedding = row("token_embedding", "Embedding", [(30522, 768)], (None, 128), (None, 128, 768))
    pooled = row("pooled_dense", "Dense", [(768, 768)], (None, 768), (None, 768), units=768)
    return chain([embedding, *(encoder(i) for i in range(12)), pooled])


def test_twelve_transformer_blocks_read_as_a_deep_rectangle() -> None:
    report = run_analyses(bert_like())
    arch = report.architecture
    assert arch.hidden_layers == 12 and arch.depth_class == "deep"
    assert arch.pattern == "rectangle"
    (run,) = arch.blocks
    assert (run.class_name, run.count, run.width, run.inner_width) == (
        "TransformerEncoder",
        12,
        768,
        3072,
    )
    assert run.first == "transformer_layer_0" and run.last == "transformer_layer_11"
    assert not run.declared
    assert arch.hidden_widths == (768,) * 12
    text = report.to_text(width=120)
    assert "Depth:               deep (12 repeated blocks)" in text
    assert "Blocks:              12 x TransformerEncoder (width 768, feed-forward 3,072)" in text
    assert "shallow" not in text and "one wide enough hidden layer" not in text
    assert "subclassed" not in text


def test_one_encoder_row_declaring_its_layers() -> None:
    """ViT-like: one encoder layer holding 12 blocks, counted from num_layers."""
    patches = row(
        "patching",
        "ViTPatchingAndEmbedding",
        [(16, 16, 3, 768), (197, 768)],
        (None, 224, 224, 3),
        (None, 197, 768),
    )
    weights = [(768, 12, 64)] * 3 + [(12, 64, 768), (768, 3072), (3072, 768)]
    vit_encoder = row(
        "vit_encoder",
        "ViTEncoder",
        weights * 12,
        (None, 197, 768),
        (None, 197, 768),
        num_layers=12,
        hidden_dim=768,
        mlp_dim=3072,
    )
    arch = run_analyses(chain([patches, vit_encoder], class_name="ViTBackbone")).architecture
    assert arch.hidden_layers == 12 and arch.depth_class == "deep" and arch.pattern == "rectangle"
    (run,) = arch.blocks
    assert (run.count, run.declared, run.inner_width) == (12, True, 3072)
    assert "shallow" not in " ".join(arch.explanation)
    # A Functional subclass whose graph was read is not called subclassed.
    assert not any("subclassed" in line for line in arch.explanation)


def test_subclassed_only_when_the_graph_was_not_read() -> None:
    dense = [row(f"d{i}", "Dense", [(8, 8)], (None, 8), (None, 8), units=8) for i in range(3)]
    unread = chain(dense, class_name="MyModel", inputs=(), outputs=())
    lines = run_analyses(unread).architecture.explanation
    assert any("subclassed model whose graph could not be read" in line for line in lines)
    assert not any(
        "subclassed" in line for line in run_analyses(chain(dense)).architecture.explanation
    )


def test_bottlenecks_never_against_a_feature_map() -> None:
    """A conv stack whose output is a 7x7x960 feature map: no 'narrower than the output'."""
    convs = []
    shape: Shape = (None, 56, 56, 16)
    for index, filters in enumerate([24, 40, 80, 112, 160, 960]):
        size = 56 // (2 ** min(index, 3))
        out: Shape = (None, size, size, filters)
        convs.append(
            row(
                f"c{index}",
                "Conv2D",
                [(1, 1, int(shape[-1] or 1), filters)],
                shape,
                out,
                filters=filters,
                kernel_size=1,
            )
        )
        shape = out
    arch = run_analyses(chain(convs)).architecture
    assert arch.bottlenecks == ()
    assert not any("narrower than the output" in line for line in arch.explanation)
    # Among hidden widths a real bottleneck is still found: 256 -> 16 -> 256 channels.
    squeeze = [
        row("a", "Conv2D", [(1, 1, 3, 256)], (None, 8, 8, 3), (None, 8, 8, 256), filters=256),
        row("b", "Conv2D", [(1, 1, 256, 16)], (None, 8, 8, 256), (None, 8, 8, 16), filters=16),
        row("c", "Conv2D", [(1, 1, 16, 256)], (None, 8, 8, 16), (None, 8, 8, 256), filters=256),
        row("out", "Conv2D", [(1, 1, 256, 3)], (None, 8, 8, 256), (None, 8, 8, 3), filters=3),
    ]
    arch = run_analyses(chain(squeeze)).architecture
    assert arch.bottlenecks == ("b",)
    assert any(
        "'b' has 16 channels, at most a quarter as wide as its neighbours" in line
        for line in arch.explanation
    )


def test_values_pattern_sentence_has_its_noun() -> None:
    """Channels grow (expanding) while values per sample rise and fall (mixed)."""
    layers = [
        row("c1", "Conv2D", [(3, 3, 3, 8)], (None, 10, 10, 3), (None, 8, 8, 8), filters=8),
        row("c2", "Conv2D", [(1, 1, 8, 32)], (None, 8, 8, 8), (None, 8, 8, 32), filters=32),
        row("c3", "Conv2D", [(3, 3, 32, 64)], (None, 8, 8, 32), (None, 2, 2, 64), filters=64),
        row("out", "Dense", [(256, 10)], (None, 256), (None, 10), units=10),
    ]
    arch = run_analyses(chain(layers)).architecture
    assert arch.values_pattern == "mixed"
    assert any(
        "the hidden layers form a mixed shape: 512 -> 2,048 -> 256." in line
        for line in arch.explanation
    )
