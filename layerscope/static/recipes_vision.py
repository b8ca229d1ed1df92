"""Recipes for keras_hub's image backbones: ViT and MobileNet."""

from __future__ import annotations

from typing import Any

from layerscope.report import Shape
from layerscope.static.plans import (
    Dims,
    Plan,
    Recipe,
    _channels,
    _conv_size,
    _int,
    _plus,
    _unsupported,
    adjust_channels,
)


def _vit(config: Dims, image: Shape | None) -> Recipe:
    raw_shape = config.get("image_shape")
    if not isinstance(raw_shape, list) or len(raw_shape) != 3:
        raise _unsupported(f"ViT image_shape {raw_shape!r}")
    height, width, channels = raw_shape
    if image is not None:
        if len(image) != 4:
            raise _unsupported(f"an image input needs 3 sizes, got {image[1:]}")
        height, width, channels = (
            height if height is not None else image[1],
            width if width is not None else image[2],
            channels if channels is not None else image[3],
        )
    patch = config.get("patch_size")
    patch_h, patch_w = (patch, patch) if isinstance(patch, int) else tuple(patch or (0, 0))
    hidden, heads = _int(config, "hidden_dim"), _int(config, "num_heads")
    patches = None
    if height is not None and width is not None:
        patches = (height // patch_h) * (width // patch_w)
    tokens = (
        None if patches is None else patches + (1 if config.get("use_class_token", True) else 0)
    )
    seq: Shape = (None, tokens, hidden)
    images: Shape = (None, height, width, channels)
    plans = [
        Plan("images", "InputLayer", outputs=[images]),
        Plan(
            "vit_patching_and_embedding",
            "ViTPatchingAndEmbedding",
            [("images", images)],
            [seq],
            {"patch_size": [patch_h, patch_w], "hidden_dim": hidden},
        ),
        Plan(
            "vit_encoder",
            "ViTEncoder",
            [("vit_patching_and_embedding", seq)],
            [seq],
            {
                "num_layers": _int(config, "num_layers"),
                "num_heads": heads,
                "hidden_dim": hidden,
                "mlp_dim": _int(config, "mlp_dim"),
            },
        ),
    ]
    return Recipe(
        str(config.get("name")),
        "ViTBackbone",
        plans,
        inputs=("images",),
        outputs=("vit_encoder",),
        input_shapes=(images,),
    )


def _mobilenet(config: Dims, image: Shape | None) -> Recipe:
    raw_shape = config.get("image_shape")
    if not isinstance(raw_shape, list) or len(raw_shape) != 3:
        raise _unsupported(f"MobileNet image_shape {raw_shape!r}")
    height, width, channels = raw_shape
    if image is not None and len(image) == 4:
        height = height if height is not None else image[1]
        width = width if width is not None else image[2]
    images: Shape = (None, height, width, channels)
    stem = adjust_channels(_int(config, "input_num_filters"))
    padded: Shape = (None, _plus(height, 2), _plus(width, 2), channels)
    x: Shape = (None, _conv_size(height, 1, 3, 2), _conv_size(width, 1, 3, 2), stem)
    plans = [
        Plan("input_layer", "InputLayer", outputs=[images], auto_name=True),
        Plan("input_pad", "ZeroPadding2D", [("input_layer", images)], [padded]),
        Plan(
            "input_conv",
            "Conv2D",
            [("input_pad", padded)],
            [x],
            {"filters": stem, "kernel_size": [3, 3], "strides": [2, 2], "groups": 1},
        ),
        Plan("input_batch_norm", "BatchNormalization", [("input_conv", x)], [x]),
        Plan("activation", "Activation", [("input_batch_norm", x)], [x], auto_name=True),
    ]
    stride = _int(config, "depthwise_stride")
    filters = _int(config, "depthwise_filters")
    out: Shape = (None, _conv_size(x[1], 1, 3, stride), _conv_size(x[2], 1, 3, stride), filters)
    se = config.get("squeeze_and_excite")
    plans.append(
        Plan(
            "block_0_0",
            "DepthwiseConvBlock",
            [("activation", x)],
            [out],
            {
                "infilters": stem,
                "filters": filters,
                "kernel_size": 3,
                "stride": stride,
                "squeeze_excite_ratio": se,
                "residual": bool(config.get("depthwise_residual")),
            },
        )
    )
    previous, x = "block_0_0", out
    stacks = config.get("stackwise_num_blocks")
    if not isinstance(stacks, list):
        raise _unsupported(f"MobileNet stackwise_num_blocks {stacks!r}")

    def pick(key: str, stack: int, index: int) -> Any:
        table = config.get(key)
        try:
            return table[stack][index]  # type: ignore[index]
        except (TypeError, IndexError, KeyError) as error:
            raise _unsupported(f"MobileNet {key} has no entry [{stack}][{index}]") from error

    for stack, count in enumerate(stacks):
        for index in range(int(count)):
            expanded = adjust_channels(int(pick("stackwise_expansion", stack, index)))
            filters = adjust_channels(int(pick("stackwise_num_filters", stack, index)))
            kernel = int(pick("stackwise_kernel_size", stack, index))
            stride = int(pick("stackwise_num_strides", stack, index))
            pad = int(pick("stackwise_padding", stack, index))
            out = (
                None,
                _conv_size(x[1], pad, kernel, stride),
                _conv_size(x[2], pad, kernel, stride),
                filters,
            )
            name = f"block_{stack + 1}_{index}"
            plans.append(
                Plan(
                    name,
                    "InvertedResidualBlock",
                    [(previous, x)],
                    [out],
                    {
                        "expansion": int(pick("stackwise_expansion", stack, index)),
                        "expanded": expanded,
                        "infilters": x[-1],
                        "filters": filters,
                        "kernel_size": kernel,
                        "stride": stride,
                        "squeeze_excite_ratio": pick("stackwise_se_ratio", stack, index),
                        "padding": pad,
                    },
                )
            )
            previous, x = name, out
    last = adjust_channels(_int(config, "last_layer_filter"))
    name = f"block_{len(stacks) + 1}_0"
    out = _channels(x, last)
    plans.append(Plan(name, "ConvBnActBlock", [(previous, x)], [out], {"filter": last}))
    return Recipe(
        str(config.get("name")),
        "MobileNetBackbone",
        plans,
        inputs=("input_layer",),
        outputs=(name,),
        input_shapes=(images,),
    )
