"""The vocabulary of the keras_hub recipes: which variables each block saves (:data:`BLOCKS`,
:data:`OWN`), the plan of one row (:class:`Plan`) and of a whole model (:class:`Recipe`), and
the small config readers the recipes share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from layerscope.report import Shape


def _unsupported(message: str) -> Exception:
    from layerscope.static import StaticUnsupported

    return StaticUnsupported(message)


VARIABLE_NAMES: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "EinsumDense": ("kernel", "bias"),
    "Conv1D": ("kernel", "bias"),
    "Conv2D": ("kernel", "bias"),
    "LayerNormalization": ("gamma", "beta"),
    "RMSNormalization": ("scale",),
    "LlamaLayerNorm": ("scale",),
    "MistralLayerNormalization": ("scale",),
    "QwenLayerNorm": ("scale",),
    "Qwen3LayerNorm": ("scale",),
    "Embedding": ("embeddings",),
    "PositionEmbedding": ("embeddings",),
    "ReversibleEmbedding": ("embeddings", "reverse_embeddings"),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "DepthwiseConv2D": ("kernel", "bias"),
    "T5LayerNorm": ("weight",),
}

NON_TRAINABLE = frozenset({"moving_mean", "moving_variance"})
"""Variables Keras creates non-trainable whatever the layer's flag."""


@dataclass(frozen=True)
class Sub:
    """A sub-layer saved under ``attribute`` of its owner's group."""

    attribute: str
    class_name: str
    subs: tuple[Sub, ...] = ()
    own: tuple[str, ...] | None = None
    """The sub-layer's own variable names; ``None``: from :data:`VARIABLE_NAMES`."""
    optional: bool = False
    listed: bool = False
    """A Python list of layers (``encoder_layers``): a group of ``<snake_class>[_N]`` groups."""


def _attention(prefix: str = "") -> tuple[Sub, ...]:
    return tuple(
        Sub(f"{prefix}{name}_dense", "EinsumDense") for name in ("query", "key", "value", "output")
    )


_MHA = _attention()

_SQUEEZE_EXCITE = (Sub("conv_reduce", "Conv2D"), Sub("conv_expand", "Conv2D"))

_T5_ATTENTION = tuple(
    Sub(f"{name}_projector", "Dense") for name in ("query", "key", "value", "output")
)
"""T5's attention projections; the first block's attention also holds the relative
position bias table (``embeddings``: buckets x heads)."""

BLOCKS: dict[str, tuple[Sub, ...]] = {
    "TransformerEncoder": (
        Sub("_self_attention_layer", "MultiHeadAttention", _MHA, own=()),
        Sub("_self_attention_layer_norm", "LayerNormalization"),
        Sub("_feedforward_layer_norm", "LayerNormalization"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
    ),
    "TransformerDecoder": (
        Sub("_self_attention_layer", "CachedMultiHeadAttention", _MHA, own=()),
        Sub("_self_attention_layer_norm", "LayerNormalization"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layer_norm", "LayerNormalization"),
    ),
    "LlamaTransformerDecoder": (
        Sub("_self_attention_layer", "LlamaAttention", _attention("_"), own=()),
        Sub("_self_attention_layernorm", "LlamaLayerNorm"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_gate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layernorm", "LlamaLayerNorm"),
    ),
    "MistralTransformerDecoder": (
        Sub("_self_attention_layer", "CachedMistralAttention", _attention("_"), own=()),
        Sub("_self_attention_layernorm", "MistralLayerNormalization"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_gate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layernorm", "MistralLayerNormalization"),
    ),
    "QwenTransformerDecoder": (
        Sub("_self_attention_layer", "QwenAttention", _attention("_"), own=()),
        Sub("_self_attention_layernorm", "QwenLayerNorm"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_gate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layernorm", "QwenLayerNorm"),
    ),
    "Qwen3TransformerDecoder": (
        Sub(
            "_self_attention_layer",
            "Qwen3Attention",
            (
                Sub("_query_dense", "EinsumDense"),
                Sub("_query_dense_layer_norm", "Qwen3LayerNorm"),
                Sub("_key_dense", "EinsumDense"),
                Sub("_key_dense_layer_norm", "Qwen3LayerNorm"),
                Sub("_value_dense", "EinsumDense"),
                Sub("_output_dense", "EinsumDense"),
            ),
            own=(),
        ),
        Sub("_self_attention_layernorm", "Qwen3LayerNorm"),
        Sub("_feedforward_intermediate_dense", "Dense"),
        Sub("_feedforward_gate_dense", "Dense"),
        Sub("_feedforward_output_dense", "Dense"),
        Sub("_feedforward_layernorm", "Qwen3LayerNorm"),
    ),
    "GemmaDecoderBlock": (
        Sub("pre_attention_norm", "RMSNormalization"),
        Sub("attention", "CachedGemmaAttention", _MHA, own=()),
        Sub("pre_ffw_norm", "RMSNormalization"),
        Sub("gating_ffw", "EinsumDense"),
        Sub("gating_ffw_2", "EinsumDense"),
        Sub("ffw_linear", "EinsumDense"),
    ),
    "ViTEncoderBlock": (
        Sub("layer_norm_1", "LayerNormalization"),
        Sub("mha", "MultiHeadAttention", _MHA, own=()),
        Sub("layer_norm_2", "LayerNormalization"),
        Sub("mlp", "MLP", (Sub("dense_1", "Dense"), Sub("dense_2", "Dense")), own=()),
    ),
    "ViTEncoder": (
        Sub("encoder_layers", "ViTEncoderBlock", listed=True),
        Sub("layer_norm", "LayerNormalization"),
    ),
    "ViTPatchingAndEmbedding": (
        Sub("patch_embedding", "Conv2D"),
        Sub("position_embedding", "Embedding"),
    ),
    "DepthwiseConvBlock": (
        Sub("conv1", "Conv2D"),
        Sub("batch_normalization1", "BatchNormalization"),
        Sub("se_layer", "SqueezeAndExcite2D", _SQUEEZE_EXCITE, own=(), optional=True),
        Sub("conv2", "Conv2D"),
        Sub("batch_normalization2", "BatchNormalization"),
    ),
    "InvertedResidualBlock": (
        Sub("conv1", "Conv2D"),
        Sub("batch_normalization1", "BatchNormalization"),
        Sub("conv2", "Conv2D"),
        Sub("batch_normalization2", "BatchNormalization"),
        Sub("squeeze_excite", "SqueezeAndExcite2D", _SQUEEZE_EXCITE, own=(), optional=True),
        Sub("conv3", "Conv2D"),
        Sub("batch_normalization3", "BatchNormalization"),
    ),
    "ConvBnActBlock": (
        Sub("conv", "Conv2D"),
        Sub("batch_normalization", "BatchNormalization"),
    ),
    "TokenAndPositionEmbedding": (
        Sub("token_embedding", "ReversibleEmbedding"),
        Sub("position_embedding", "PositionEmbedding"),
    ),
    "T5TransformerLayer": (
        Sub("self_attention", "T5MultiHeadAttention", _T5_ATTENTION, own=("embeddings",)),
        Sub("self_attention_layer_norm", "T5LayerNorm"),
        Sub("cross_attention", "T5MultiHeadAttention", _T5_ATTENTION, own=(), optional=True),
        Sub("cross_attention_layer_norm", "T5LayerNorm", optional=True),
        Sub("input_projector", "Dense"),
        Sub("gate_projector", "Dense", optional=True),
        Sub("output_projector", "Dense"),
        Sub("layer_norm", "T5LayerNorm"),
    ),
}
"""Each keras_hub block's sub-layers with variables, in the order the block assigns them
(Keras lists a layer's weights in that order; the weights file sorts them by name)."""

OWN: dict[str, tuple[str, ...]] = {
    "ViTPatchingAndEmbedding": ("class_token",),
}
"""Variables a block creates itself, before its sub-layers'."""


@dataclass
class Plan:
    """One row a recipe expects: found in the weights file by its saved name."""

    name: str
    class_name: str
    inputs: list[tuple[str, Shape]] = field(default_factory=list)
    """(source row name, tensor shape) for each input of its first call."""
    outputs: list[Shape] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    operation: bool = False
    """A graph operation (``x[:, 0, :]``): a row with no weights group."""
    nested: Recipe | None = None
    same_as: str | None = None
    """A second call of an earlier row's layer (a tied LM head): its variables again."""
    call_count: int = 1
    """How many times the graph calls it (T5's token embedding: encoder and decoder)."""
    call_inputs: list[Shape] | None = None
    """The tensor arguments of its first call, masks left out, when they are not its
    ``inputs``' shapes (a block taking the previous block's position bias)."""
    auto_name: bool = False
    """A layer the constructor leaves unnamed (``keras.layers.Activation(...)``): its saved
    name carries the saving session's counter (``activation_12``); ``name`` is the one a
    fresh session gives it, and the counter advances as for :attr:`SubRow.auto_name`."""


@dataclass
class Recipe:
    name: str
    class_name: str
    plans: list[Plan]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    trainable: bool = True
    """The model's own ``trainable`` flag, the only trainability keras_hub saves (Keras
    rebuilds every layer from the constructor's arguments, so per-layer flags are lost on
    loading too)."""


Dims = Mapping[str, Any]


def _int(config: Dims, key: str, default: Any = None) -> int:
    value = config.get(key)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        raise _unsupported(f"config {key!r} is {value!r}, not a whole number from 1")
    return value


def adjust_channels(x: float, divisor: int = 8) -> int:
    """keras_hub's ``mobilenet.util.adjust_channels``: ``x`` rounded to a multiple of 8,
    never more than 10% below ``x``."""
    new_x = max(divisor, int(x + divisor / 2) // divisor * divisor)
    return new_x + divisor if new_x < 0.9 * x else new_x


def _conv_size(size: int | None, pad: int, kernel: int, stride: int) -> int | None:
    """A ``valid`` convolution's output size after ``pad`` zeros on each side."""
    return None if size is None else (size + 2 * pad - kernel) // stride + 1


def _channels(shape: Shape, channels: int) -> Shape:
    return (*shape[:-1], channels)


def _plus(size: int | None, extra: int) -> int | None:
    return None if size is None else size + extra


RecipeFunction = Callable[[Dims, Any], Recipe]
