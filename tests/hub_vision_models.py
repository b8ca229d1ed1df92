"""keras_hub vision and image-text models built from their published configurations.

Nothing here downloads anything. The numbers are the ones keras_hub itself publishes: the
timm / transformers converters under ``keras_hub/src/utils`` (which map a checkpoint's
architecture to constructor arguments) and the presets' ``metadata["params"]``, which the
specs whose full configuration is built here match exactly (``PUBLISHED_PARAMS``). Where a
published configuration takes too long to build, the widths, heads and kernel sizes are kept
and only the depth is cut; each such builder says so.

The caches work as ``tests/hub_models.py``'s (its cache folder and file lock, a
``<name>.counts.json`` beside each ``.keras`` file); ``hub_models.SPECS`` is left alone, so
the text and vision suites never run each other's models: ``vision_model``,
``vision_file``, ``vision_counts`` and ``vision_release`` serve ``VISION_SPECS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub_models import HubSpec, file_counts, model_file


def _resnet(block_type: str, blocks: list[int], pre_activation: bool, image: int = 224) -> Any:
    import keras_hub

    # keras_hub/src/utils/timm/convert_resnet.py
    return keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[7],
        stackwise_num_filters=[64, 128, 256, 512],
        stackwise_num_blocks=blocks,
        stackwise_num_strides=[1, 2, 2, 2],
        block_type=block_type,
        use_pre_activation=pre_activation,
        image_shape=(image, image, 3),
    )


def _resnet18() -> Any:
    """ResNet-18 (v1, basic blocks): published 11,186,112 parameters."""
    return _resnet("basic_block", [2, 2, 2, 2], pre_activation=False)


def _resnet50_v2() -> Any:
    """ResNet-50 v2 (pre-activation bottlenecks): published 23,561,152 parameters."""
    return _resnet("bottleneck_block", [3, 4, 6, 3], pre_activation=True)


def _efficientnet_b0() -> Any:
    """EfficientNet-B0 (keras_hub/src/utils/timm/convert_efficientnet.py, variant b0)."""
    import keras_hub

    return keras_hub.models.EfficientNetBackbone(
        stackwise_width_coefficients=[1.0] * 7,
        stackwise_depth_coefficients=[1.0] * 7,
        stackwise_kernel_sizes=[3, 3, 5, 3, 5, 5, 3],
        stackwise_num_repeats=[1, 2, 2, 3, 3, 4, 1],
        stackwise_input_filters=[32, 16, 24, 40, 80, 112, 192],
        stackwise_output_filters=[16, 24, 40, 80, 112, 192, 320],
        stackwise_expansion_ratios=[1, 6, 6, 6, 6, 6, 6],
        stackwise_squeeze_and_excite_ratios=[0.25] * 7,
        stackwise_strides=[1, 2, 2, 2, 1, 2, 1],
        stackwise_block_types=["v1"] * 7,
        min_depth=None,
        include_stem_padding=True,
        use_depth_divisor_as_min_depth=True,
        cap_round_filter_decrease=True,
        stem_conv_padding="valid",
        batch_norm_momentum=0.9,
        batch_norm_epsilon=1e-5,
        dropout=0,
        projection_activation=None,
        input_shape=(224, 224, 3),
    )


def _efficientnet_v2_s() -> Any:
    """EfficientNetV2-S as keras_hub publishes it (timm ``efficientnetv2_rw_s``): fused
    MBConv in the first three stages, squeeze-and-excite in the last three."""
    import keras_hub

    return keras_hub.models.EfficientNetBackbone(
        stackwise_width_coefficients=[1.0] * 6,
        stackwise_depth_coefficients=[1.0] * 6,
        stackwise_kernel_sizes=[3, 3, 3, 3, 3, 3],
        stackwise_num_repeats=[2, 4, 4, 6, 9, 15],
        stackwise_input_filters=[24, 24, 48, 64, 128, 160],
        stackwise_output_filters=[24, 48, 64, 128, 160, 272],
        stackwise_expansion_ratios=[1, 4, 4, 4, 6, 6],
        stackwise_strides=[1, 2, 2, 2, 1, 2],
        stackwise_squeeze_and_excite_ratios=[0, 0, 0, 0.25, 0.25, 0.25],
        stackwise_block_types=["fused"] * 3 + ["unfused"] * 3,
        stackwise_force_input_filters=[0] * 6,
        stackwise_nores_option=[False] * 6,
        activation="silu",
        num_features=1792,
        min_depth=None,
        include_stem_padding=True,
        use_depth_divisor_as_min_depth=True,
        cap_round_filter_decrease=True,
        stem_conv_padding="valid",
        batch_norm_momentum=0.9,
        batch_norm_epsilon=1e-5,
        dropout=0,
        projection_activation=None,
        input_shape=(224, 224, 3),
    )


def _densenet121() -> Any:
    """DenseNet-121: published 7,037,504 parameters."""
    import keras_hub

    return keras_hub.models.DenseNetBackbone(
        stackwise_num_repeats=[6, 12, 24, 16],
        compression_ratio=0.5,
        growth_rate=32,
        image_shape=(224, 224, 3),
    )


def _cspresnet50() -> Any:
    """CSPResNet-50 (keras_hub/src/utils/timm/convert_cspnet.py): published 20,569,896."""
    import keras_hub

    return keras_hub.models.CSPNetBackbone(
        stem_filters=64,
        stem_kernel_size=7,
        stem_strides=4,
        stackwise_depth=[3, 3, 5, 2],
        stackwise_strides=[1, 2, 2, 2],
        stackwise_num_filters=[128, 256, 512, 1024],
        block_type="bottleneck_block",
        stage_type="csp",
        bottle_ratio=[0.5],
        block_ratio=[1.0],
        expand_ratio=[2.0],
        stem_padding="valid",
        stem_pooling="max",
        avg_down=False,
        groups=1,
        down_growth=False,
        cross_linear=True,
        image_shape=(224, 224, 3),
    )


def _vgg11() -> Any:
    """VGG-11 (keras_hub/src/utils/timm/convert_vgg.py): published 9,220,480 parameters."""
    import keras_hub

    return keras_hub.models.VGGBackbone(
        stackwise_num_repeats=[1, 1, 2, 2, 2],
        stackwise_num_filters=[64, 128, 256, 512, 512],
        image_shape=(224, 224, 3),
    )


def _xception41() -> Any:
    """Xception-41 as keras_hub publishes it (the keras.applications layout): 20,861,480."""
    import keras_hub

    return keras_hub.models.XceptionBackbone(
        stackwise_conv_filters=[[32, 64], [128, 128], [256, 256], [728, 728]]
        + [[728, 728, 728]] * 8
        + [[728, 1024], [1536, 2048]],
        stackwise_pooling=[False, True, True, True] + [False] * 8 + [True, False],
        image_shape=(299, 299, 3),
    )


def _hgnetv2_b0() -> Any:
    """HGNetV2-B0 (keras_hub/src/utils/timm/convert_hgnetv2.py) with the learnable affine
    blocks the default (non-SSLD) checkpoints train with."""
    import keras_hub

    return keras_hub.models.HGNetV2Backbone(
        stem_channels=[3, 16, 16],
        stackwise_stage_filters=[
            [16, 16, 64, 1, 3, 3],
            [64, 32, 256, 1, 3, 3],
            [256, 64, 512, 2, 3, 5],
            [512, 128, 1024, 1, 3, 5],
        ],
        apply_downsample=[False, True, True, True],
        use_lightweight_conv_block=[False, False, True, True],
        embedding_size=16,
        hidden_sizes=[64, 256, 512, 1024],
        depths=[1, 1, 2, 1],
        hidden_act="relu",
        use_learnable_affine_block=True,
        image_shape=(224, 224, 3),
    )


def _mobilenet_v3_small() -> Any:
    """MobileNetV3-Small 1.0 (keras_hub/src/utils/timm/convert_mobilenet.py): 939,120."""
    import keras_hub

    return keras_hub.models.MobileNetBackbone(
        stackwise_num_blocks=[2, 3, 2, 3],
        stackwise_expansion=[[72, 88], [96, 240, 240], [120, 144], [288, 576, 576]],
        stackwise_num_filters=[[24, 24], [40, 40, 40], [48, 48], [96, 96, 96]],
        stackwise_kernel_size=[[3, 3], [5, 5, 5], [5, 5], [5, 5, 5]],
        stackwise_num_strides=[[2, 1], [2, 1, 1], [1, 1], [2, 1, 1]],
        stackwise_se_ratio=[
            [None, None],
            [0.25, 0.25, 0.25],
            [0.25, 0.25],
            [0.25, 0.25, 0.25],
        ],
        stackwise_activation=[
            ["relu", "relu"],
            ["hard_swish"] * 3,
            ["hard_swish"] * 2,
            ["hard_swish"] * 3,
        ],
        stackwise_padding=[[1, 1], [2, 2, 2], [2, 2], [2, 2, 2]],
        output_num_filters=1024,
        input_num_filters=16,
        depthwise_filters=16,
        depthwise_stride=2,
        depthwise_residual=False,
        squeeze_and_excite=0.5,
        last_layer_filter=576,
        input_activation="hard_swish",
        output_activation="hard_swish",
        image_shape=(224, 224, 3),
    )


def _deit_tiny() -> Any:
    """DeiT-tiny/16 at 224 (``deit_tiny_distilled_patch16_224``: 192 wide, 3 heads, 12
    blocks): published 5,524,800 parameters."""
    import keras_hub

    return keras_hub.models.DeiTBackbone(
        image_shape=(224, 224, 3),
        patch_size=16,
        num_layers=12,
        num_heads=3,
        hidden_dim=192,
        intermediate_dim=768,
        layer_norm_epsilon=1e-12,
    )


def _dinov2_small() -> Any:
    """DINOv2-small/14 (384 wide, 6 heads, MLP 1536, layer scale), 12 blocks, at 224 x 224
    with the published 518 x 518 position table interpolated to 16 x 16 patches."""
    import keras_hub

    return keras_hub.models.DINOV2Backbone(
        patch_size=14,
        num_layers=12,
        hidden_dim=384,
        num_heads=6,
        intermediate_dim=1536,
        layer_scale_init_value=1.0,
        image_shape=(224, 224, 3),
        position_embedding_shape=(518, 518),
    )


def _swin_tiny() -> Any:
    """Swin-T (``swin_tiny_patch4_window7_224``): embed 96, depths 2-2-6-2, heads 3-6-12-24,
    window 7, at 224 x 224."""
    import keras_hub

    return keras_hub.models.SwinTransformerBackbone(
        image_shape=(224, 224, 3),
        patch_size=4,
        embed_dim=96,
        depths=(2, 2, 6, 2),
        num_heads=(3, 6, 12, 24),
        window_size=7,
        mlp_ratio=4.0,
        qkv_bias=True,
        drop_path=0.1,
    )


def _mit_b0() -> Any:
    """MiT-B0 (SegFormer's encoder, ``mit_b0_ade20k_512`` layout) at 224 x 224."""
    import keras_hub

    return keras_hub.models.MiTBackbone(
        layerwise_depths=[2, 2, 2, 2],
        num_layers=4,
        layerwise_num_heads=[1, 2, 5, 8],
        layerwise_sr_ratios=[8, 4, 2, 1],
        max_drop_path_rate=0.1,
        layerwise_patch_sizes=[7, 3, 3, 3],
        layerwise_strides=[4, 2, 2, 2],
        hidden_dims=[32, 64, 160, 256],
        image_shape=(224, 224, 3),
    )


def _segformer_b0() -> Any:
    """SegFormer-B0: the MiT-B0 encoder and its all-MLP decoder at 256 projection filters."""
    import keras_hub

    return keras_hub.models.SegFormerBackbone(image_encoder=_mit_b0(), projection_filters=256)


def _clip_vit_b32() -> Any:
    """CLIP ViT-B/32 widths (vision 768 wide, 12 heads, MLP 3072, patch 32; text 512 wide,
    8 heads, MLP 2048, vocabulary 49,408, 77 tokens; projection 512) with 2 blocks per tower
    instead of 12, to keep the file small."""
    import keras_hub

    vision = keras_hub.models.CLIPVisionEncoder(
        patch_size=32,
        hidden_dim=768,
        num_layers=2,
        num_heads=12,
        intermediate_dim=3072,
        image_shape=(224, 224, 3),
    )
    text = keras_hub.models.CLIPTextEncoder(
        vocabulary_size=49408,
        embedding_dim=512,
        hidden_dim=512,
        num_layers=2,
        num_heads=8,
        intermediate_dim=2048,
        max_sequence_length=77,
    )
    return keras_hub.models.CLIPBackbone(
        vision_encoder=vision, text_encoder=text, projection_dim=512
    )


def _siglip_b16() -> Any:
    """SigLIP base/16 at 224 widths (both towers 768 wide, 12 heads, MLP 3072; vocabulary
    32,000, 64 tokens) with 2 blocks per tower instead of 12."""
    import keras_hub

    vision = keras_hub.models.SigLIPVisionEncoder(
        patch_size=16,
        hidden_dim=768,
        num_layers=2,
        num_heads=12,
        intermediate_dim=3072,
        image_shape=(224, 224, 3),
    )
    text = keras_hub.models.SigLIPTextEncoder(
        vocabulary_size=32000,
        embedding_dim=768,
        hidden_dim=768,
        num_layers=2,
        num_heads=12,
        intermediate_dim=3072,
        max_sequence_length=64,
    )
    return keras_hub.models.SigLIPBackbone(vision_encoder=vision, text_encoder=text)


def _vitdet_b(image: int = 1024, layers: int = 4, global_layers: tuple[int, ...] = (1, 3)) -> Any:
    """SAM's ViT-B image encoder widths (768 wide, 12 heads, MLP 3072, patch 16, window 14,
    relative positions, 256 output channels) at 1024 x 1024, with 4 blocks (global attention
    in blocks 1 and 3) instead of 12 (global in 2, 5, 8, 11)."""
    import keras_hub

    return keras_hub.models.ViTDetBackbone(
        hidden_size=768,
        num_layers=layers,
        intermediate_dim=3072,
        num_heads=12,
        global_attention_layer_indices=list(global_layers),
        image_shape=(image, image, 3),
        patch_size=16,
        num_output_channels=256,
        window_size=14,
    )


def _sam_b() -> Any:
    """SAM ViT-B (the reduced ViTDet above), its prompt encoder and its two-block mask
    decoder at the published sizes (256 wide, 8 heads, MLP 2048)."""
    import keras_hub

    prompt = keras_hub.layers.SAMPromptEncoder(
        hidden_size=256,
        image_embedding_size=(64, 64),
        input_image_size=(1024, 1024),
        mask_in_channels=16,
    )
    decoder = keras_hub.layers.SAMMaskDecoder(
        num_layers=2,
        hidden_size=256,
        intermediate_dim=2048,
        num_heads=8,
        embedding_dim=256,
        num_multimask_outputs=3,
        iou_head_depth=3,
        iou_head_hidden_dim=256,
    )
    return keras_hub.models.SAMBackbone(
        image_encoder=_vitdet_b(), prompt_encoder=prompt, mask_decoder=decoder
    )


def _deeplab_v3_plus() -> Any:
    """DeepLabV3+ over ResNet-50 v2 (``deeplab_v3_plus_resnet50_pascalvoc``): atrous rates
    6-12-18 on P5, low-level features from P2 projected to 48 channels, at 512 x 512."""
    import keras_hub

    encoder = _resnet("bottleneck_block", [3, 4, 6, 3], pre_activation=True, image=512)
    return keras_hub.models.DeepLabV3Backbone(
        image_encoder=encoder,
        spatial_pyramid_pooling_key="P5",
        upsampling_size=8,
        dilation_rates=[6, 12, 18],
        low_level_feature_key="P2",
        projection_filters=48,
        image_shape=(512, 512, 3),
    )


VISION_SPECS: dict[str, HubSpec] = {
    "resnet18": HubSpec(_resnet18, "image", image_size=224),
    "resnet50_v2": HubSpec(_resnet50_v2, "image", image_size=224),
    "efficientnet_b0": HubSpec(_efficientnet_b0, "image", image_size=224),
    "efficientnet_v2_s": HubSpec(_efficientnet_v2_s, "image", image_size=224),
    "densenet121": HubSpec(_densenet121, "image", image_size=224),
    "cspresnet50": HubSpec(_cspresnet50, "image", image_size=224),
    "vgg11": HubSpec(_vgg11, "image", image_size=224),
    "xception41": HubSpec(_xception41, "image", image_size=299),
    "hgnetv2_b0": HubSpec(_hgnetv2_b0, "image", image_size=224),
    "mobilenet_v3_small": HubSpec(_mobilenet_v3_small, "image", image_size=224),
    "deit_tiny": HubSpec(_deit_tiny, "image", image_size=224),
    "dinov2_small": HubSpec(_dinov2_small, "image", image_size=224),
    "swin_tiny": HubSpec(_swin_tiny, "image", image_size=224),
    "mit_b0": HubSpec(_mit_b0, "image", image_size=224),
    "segformer_b0": HubSpec(_segformer_b0, "image", image_size=224),
    "clip_vit_b32": HubSpec(_clip_vit_b32, "image-text", seq_len=77, image_size=224),
    "siglip_b16": HubSpec(_siglip_b16, "image-text", seq_len=64, image_size=224),
    "vitdet_b": HubSpec(_vitdet_b, "image", image_size=1024),
    "sam_b": HubSpec(_sam_b, "image", image_size=1024),
    "deeplab_v3_plus": HubSpec(_deeplab_v3_plus, "image", image_size=512),
}

PUBLISHED_PARAMS: dict[str, int] = {
    # keras_hub's presets' metadata["params"] for the same configurations.
    "resnet18": 11_186_112,
    "densenet121": 7_037_504,
    "vgg11": 9_220_480,
    "xception41": 20_861_480,
    "mobilenet_v3_small": 939_120,
    "deit_tiny": 5_524_800,
}


INPUT_DIMS: dict[str, dict[str, tuple[int, ...]]] = {
    # SAM: one image, one point prompt, one box and one 256 x 256 mask prompt.
    "sam_b": {
        "images": (1024, 1024, 3),
        "points": (1, 2),
        "labels": (1,),
        "boxes": (1, 2, 2),
        "masks": (1, 256, 256, 1),
    },
}


def input_dims(name: str, model: Any) -> dict[str, tuple[int, ...]]:
    """Every model input's non-batch dimensions at the measured size: ``INPUT_DIMS`` where
    given, else unknown token axes at ``seq_len`` and unknown image axes at ``image_size``."""
    import keras

    if name in INPUT_DIMS:
        return dict(INPUT_DIMS[name])
    spec = VISION_SPECS[name]
    dims: dict[str, tuple[int, ...]] = {}
    for tensor in keras.tree.flatten(model.input):
        shape = tuple(tensor.shape)[1:]
        fill = spec.seq_len if len(shape) == 1 else spec.image_size
        dims[tensor._keras_history.operation.name] = tuple(
            int(fill if d is None else d)  # type: ignore[arg-type]
            for d in shape
        )
    return dims


_MODELS: dict[str, Any] = {}


def vision_model(name: str) -> Any:
    """The in-memory model, built once per process (seeded as ``hub_models`` does) in fresh
    Keras name counters, so that its auto-named layers (``seg_former_multihead_attention``)
    are named as in a new process whatever was built before it."""
    if name not in _MODELS:
        import keras

        _MODELS.clear()  # one model held at a time: a worker holding every swept model
        # grew past 15 GB and was OOM-killed
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        _MODELS[name] = VISION_SPECS[name].build()
    return _MODELS[name]


def vision_release(name: str) -> None:
    """Drop the in-memory model (they are large)."""
    _MODELS.pop(name, None)


def vision_file(name: str) -> Path:
    """The model's ``.keras`` file, built and saved once per machine, with the counts Keras
    reported at save time beside it (``hub_models.model_file``)."""
    return model_file(name, name, _MODELS, vision_model)


def vision_counts(name: str) -> dict[str, int]:
    """The counts Keras reported when ``vision_file(name)`` was written."""
    vision_file(name)
    return file_counts(name)
