"""keras_hub models built from their published configurations, with random weights.

Nothing here downloads anything: every model is built from its constructor with the
configuration its preset publishes (the numbers are copied into ``SPECS``), never from a
preset. Building BERT-base or GPT-2 takes seconds and ~0.5 GB; their ``.keras`` files are
~440-500 MB, so they are written once per machine under ``~/.cache/layerscope-tests/`` (never
into the repository) together with the counts Keras reported when the file was made, so a
test running *without* keras_hub (or without TensorFlow) can still check exact counts.

Use ``hub_model(name)`` for an in-memory model (built once per process) and
``hub_file(name)`` for the cached ``.keras`` path (built at most once per machine; a file
lock makes parallel pytest workers wait for one builder instead of racing).
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from file_cache import locked

KERAS_HUB_VERSION = "0.32.0"
CACHE = (
    Path(os.environ.get("LAYERSCOPE_TEST_CACHE", Path.home() / ".cache" / "layerscope-tests"))
    / f"keras-hub-{KERAS_HUB_VERSION}"
)


@dataclass(frozen=True)
class HubSpec:
    """One model: how to build it and the input it is measured at."""

    build: Callable[[], Any]
    kind: str
    """``"text"`` (token ids; ``--seq-len`` sets the length) or ``"image"``."""
    seq_len: int | None = None
    """The sequence length the MAC figures are checked at (text models)."""
    image_size: int | None = None


def _bert_base() -> Any:
    import keras_hub

    return keras_hub.models.BertBackbone(
        vocabulary_size=30522,
        num_layers=12,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
        max_sequence_length=512,
        num_segments=2,
    )


def _gpt2_backbone() -> Any:
    import keras_hub

    return keras_hub.models.GPT2Backbone(
        vocabulary_size=50257,
        num_layers=12,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
        max_sequence_length=1024,
    )


def _gpt2_causal_lm() -> Any:
    import keras_hub

    return keras_hub.models.GPT2CausalLM(backbone=_gpt2_backbone(), preprocessor=None)


def _vit_b16() -> Any:
    import keras_hub

    return keras_hub.models.ViTBackbone(
        image_shape=(224, 224, 3),
        patch_size=16,
        num_layers=12,
        num_heads=12,
        hidden_dim=768,
        mlp_dim=3072,
    )


def _llama_small_gqa() -> Any:
    """A small Llama with grouped-query attention (8 query heads share 2 key/value heads).
    Untied embeddings: keras_hub 0.32 cannot reload a tied Llama it saved."""
    import keras_hub

    return keras_hub.models.LlamaBackbone(
        vocabulary_size=4096,
        num_layers=2,
        num_query_heads=8,
        num_key_value_heads=2,
        hidden_dim=256,
        intermediate_dim=688,
        tie_word_embeddings=False,
    )


def _gemma_small() -> Any:
    import keras_hub

    return keras_hub.models.GemmaBackbone(
        vocabulary_size=4096,
        num_layers=2,
        num_query_heads=4,
        num_key_value_heads=1,
        hidden_dim=256,
        intermediate_dim=1024,
        head_dim=64,
    )


def _mobilenet_v3_large() -> Any:
    """keras_hub's MobileNetV3-Large (the configuration keras_hub's timm converter publishes
    for ``mobilenetv3_large_100``) at 224 x 224."""
    import keras_hub

    return keras_hub.models.MobileNetBackbone(
        stackwise_num_blocks=[2, 3, 4, 2, 3],
        stackwise_expansion=[
            [64, 72],
            [72, 120, 120],
            [240, 200, 184, 184],
            [480, 672],
            [672, 960, 960],
        ],
        stackwise_num_filters=[
            [24, 24],
            [40, 40, 40],
            [80, 80, 80, 80],
            [112, 112],
            [160, 160, 160],
        ],
        stackwise_kernel_size=[[3, 3], [5, 5, 5], [3, 3, 3, 3], [3, 3], [5, 5, 5]],
        stackwise_num_strides=[[2, 1], [2, 1, 1], [2, 1, 1, 1], [1, 1], [2, 1, 1]],
        stackwise_se_ratio=[
            [None, None],
            [0.25, 0.25, 0.25],
            [None, None, None, None],
            [0.25, 0.25],
            [0.25, 0.25, 0.25],
        ],
        stackwise_activation=[
            ["relu", "relu"],
            ["relu", "relu", "relu"],
            ["hard_swish"] * 4,
            ["hard_swish"] * 2,
            ["hard_swish"] * 3,
        ],
        stackwise_padding=[[1, 1], [2, 2, 2], [1, 1, 1, 1], [1, 1], [2, 2, 2]],
        output_num_filters=1024,
        depthwise_filters=16,
        depthwise_stride=1,
        depthwise_residual=True,
        squeeze_and_excite=None,
        last_layer_filter=960,
        input_activation="hard_swish",
        output_activation="hard_swish",
        input_num_filters=16,
        image_shape=(224, 224, 3),
    )


SPECS: dict[str, HubSpec] = {
    "bert_base": HubSpec(_bert_base, "text", seq_len=128),
    "gpt2_small": HubSpec(_gpt2_backbone, "text", seq_len=128),
    "gpt2_causal_lm": HubSpec(_gpt2_causal_lm, "text", seq_len=128),
    "vit_b16": HubSpec(_vit_b16, "image", image_size=224),
    "llama_small_gqa": HubSpec(_llama_small_gqa, "text", seq_len=128),
    "gemma_small": HubSpec(_gemma_small, "text", seq_len=128),
    "mobilenet_v3_large": HubSpec(_mobilenet_v3_large, "image", image_size=224),
}

_MODELS: dict[str, Any] = {}


def hub_model(name: str) -> Any:
    """The in-memory model, built once per process."""
    if name not in _MODELS:
        import keras

        keras.utils.set_random_seed(0)
        _MODELS[name] = SPECS[name].build()
    return _MODELS[name]


def release(name: str) -> None:
    """Drop the in-memory model (tests that are done with a large one call this)."""
    _MODELS.pop(name, None)


def keras_counts(model: Any) -> dict[str, int]:
    """What Keras itself says the model holds (deduplicated by Keras, as ``summary()``)."""
    import numpy as np

    def count(variables: Any) -> int:
        return int(sum(int(np.prod(v.shape)) for v in variables))

    return {
        "params": int(model.count_params()),
        "trainable": count(model.trainable_weights),
        "non_trainable": count(model.non_trainable_weights),
    }


def model_file(
    stem: str, name: str, models: dict[str, Any], get_model: Callable[[str], Any]
) -> Path:
    """``CACHE/<stem>.keras``, built from ``get_model(name)`` and saved once per machine under
    a lock, with the counts Keras reported at save time beside it (``<stem>.counts.json``).
    A model built only for the file is dropped from ``models`` after saving: a worker must
    not keep every model it saved (an empty cache made two workers reach 13-16 GB each)."""
    target = CACHE / f"{stem}.keras"
    counts = CACHE / f"{stem}.counts.json"
    with locked(CACHE / f"{stem}.lock"):
        if not (target.exists() and counts.exists()):
            held = name in models
            model = get_model(name)
            partial = target.with_suffix(".partial.keras")
            model.save(partial)
            os.replace(partial, target)
            counts.write_text(json.dumps(keras_counts(model), indent=2) + "\n")
            if not held:
                del model
                models.pop(name, None)
                gc.collect()
    return target


def file_counts(stem: str) -> dict[str, int]:
    """The counts recorded beside ``CACHE/<stem>.keras`` (see :func:`model_file`)."""
    return dict(json.loads((CACHE / f"{stem}.counts.json").read_text()))


def hub_file(name: str) -> Path:
    """The model's ``.keras`` file, built and saved once per machine (see ``model_file``)."""
    return model_file(name, name, _MODELS, hub_model)


def recorded_counts(name: str) -> dict[str, int]:
    """The counts Keras reported when ``hub_file(name)`` was written."""
    hub_file(name)
    return file_counts(name)
