"""One tiny model per public ``keras.layers`` class, for ``tests/test_layer_sweep.py``.

``BUILDERS`` maps a class name (as a saved config names it) to a function building a small
functional model that uses the class with typical arguments. Input tensors are named ``x``
(and ``y`` for a second input) with fixed non-batch dimensions, so the independent MAC count
(``tests/independent_macs.py``) can trace each model at batch 1.

``SKIPPED`` lists the public names of ``keras.layers`` the sweep does not build, with the
reason; ``ALIASES`` the names that are the same class as another entry (Keras saves the
class's own name, so an alias has nothing of its own to check).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

SKIPPED = {
    "Layer": "the abstract base class (a custom layer: the static engine declines it)",
    "Wrapper": "abstract base of Bidirectional and TimeDistributed (both swept)",
    "RNN": "swept through its cells: RNN(LSTMCell), RNN(GRUCell), RNN(SimpleRNNCell), "
    "RNN(StackedRNNCells)",
    "InputLayer": "in every model already (keras.Input)",
    "TorchModuleWrapper": "needs the torch backend and a torch module",
    "JaxLayer": "needs the jax backend and a jax function",
    "FlaxLayer": "needs the jax backend and a flax module",
    "TFSMLayer": "needs a TensorFlow SavedModel on disk; Keras cannot save it in a .keras file",
    "Equalization": "cannot be part of a functional model in Keras 3.15: its symbolic call "
    "returns its input tensor, and Keras refuses the graph ('is part of a cycle')",
}


def _single(
    keras: Any,
    layer: Any,
    shape: tuple[int | None, ...],
    dtype: str = "float32",
    name: str = "sweep",
) -> Any:
    x = keras.Input(shape, dtype=dtype, name="x")
    return keras.Model(x, layer(x), name=name)


def _pair(
    keras: Any, layer: Any, shape: tuple[int, ...], second: tuple[int, ...] | None = None
) -> Any:
    x = keras.Input(shape, name="x")
    y = keras.Input(second or shape, name="y")
    return keras.Model([x, y], layer([x, y]), name="sweep")


def _self_attention(keras: Any, shape: tuple[int | None, ...]) -> Any:
    x = keras.Input(shape, name="x")
    out = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="layer")(x, x)
    return keras.Model(x, out, name="sweep")


def builders(keras: Any) -> dict[str, Callable[[], Any]]:
    """class name -> builder of a small model using it."""
    L = keras.layers
    table: dict[str, Callable[[], Any]] = {}

    def one(
        name: str, make: Callable[[], Any], shape: tuple[int | None, ...], dtype: str = "float32"
    ) -> None:
        table[name] = lambda: _single(keras, make(), shape, dtype)

    # -- core ------------------------------------------------------------------------------
    one("Activation", lambda: L.Activation("tanh", name="layer"), (6,))
    one("ActivityRegularization", lambda: L.ActivityRegularization(l1=0.01, name="layer"), (6,))
    one("Dense", lambda: L.Dense(5, activation="relu", name="layer"), (7,))
    one(
        "EinsumDense",
        lambda: L.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d", name="layer"),
        (4, 6),
    )
    one("Embedding", lambda: L.Embedding(40, 8, name="layer"), (5,), "int32")
    one("Identity", lambda: L.Identity(name="layer"), (6,))
    one("Masking", lambda: L.Masking(0.0, name="layer"), (5, 3))
    one("ReversibleEmbedding", lambda: L.ReversibleEmbedding(40, 8, name="layer"), (5,), "int32")

    def lambda_model() -> Any:
        return _single(keras, L.Lambda(lambda t: t * 2.0, name="layer"), (6,))

    table["Lambda"] = lambda_model

    # -- convolution -------------------------------------------------------------------------
    one("Conv1D", lambda: L.Conv1D(4, 3, strides=2, name="layer"), (16, 3))
    one("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 3, strides=2, name="layer"), (8, 3))
    one("Conv2D", lambda: L.Conv2D(4, 3, padding="same", name="layer"), (8, 8, 3))
    one(
        "Conv2DTranspose",
        lambda: L.Conv2DTranspose(4, 3, strides=2, padding="same", name="layer"),
        (6, 6, 3),
    )
    one("Conv3D", lambda: L.Conv3D(4, 3, name="layer"), (6, 6, 6, 2))
    one("Conv3DTranspose", lambda: L.Conv3DTranspose(3, 2, strides=2, name="layer"), (4, 4, 4, 2))
    one("DepthwiseConv1D", lambda: L.DepthwiseConv1D(3, depth_multiplier=2, name="layer"), (12, 3))
    one(
        "DepthwiseConv2D",
        lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="layer"),
        (8, 8, 3),
    )
    one("SeparableConv1D", lambda: L.SeparableConv1D(5, 3, name="layer"), (12, 3))
    one("SeparableConv2D", lambda: L.SeparableConv2D(5, 3, name="layer"), (8, 8, 3))
    one("ConvLSTM1D", lambda: L.ConvLSTM1D(3, 3, name="layer"), (4, 10, 2))
    one("ConvLSTM2D", lambda: L.ConvLSTM2D(3, 3, padding="same", name="layer"), (3, 6, 6, 2))
    one("ConvLSTM3D", lambda: L.ConvLSTM3D(2, 2, name="layer"), (3, 4, 4, 4, 2))

    # -- recurrent ---------------------------------------------------------------------------
    one("LSTM", lambda: L.LSTM(6, name="layer"), (5, 4))
    one("GRU", lambda: L.GRU(6, return_sequences=True, name="layer"), (5, 4))
    one("SimpleRNN", lambda: L.SimpleRNN(6, name="layer"), (5, 4))
    one("LSTMCell", lambda: L.RNN(L.LSTMCell(6), name="layer"), (5, 4))
    one("GRUCell", lambda: L.RNN(L.GRUCell(6), name="layer"), (5, 4))
    one("SimpleRNNCell", lambda: L.RNN(L.SimpleRNNCell(6), name="layer"), (5, 4))
    one(
        "StackedRNNCells",
        lambda: L.RNN(L.StackedRNNCells([L.LSTMCell(6), L.GRUCell(3)]), name="layer"),
        (5, 4),
    )
    one(
        "Bidirectional",
        lambda: L.Bidirectional(L.LSTM(4, return_sequences=True), name="layer"),
        (5, 3),
    )
    one("TimeDistributed", lambda: L.TimeDistributed(L.Dense(4), name="layer"), (5, 3))

    # -- attention ---------------------------------------------------------------------------
    table["Attention"] = lambda: _pair(keras, L.Attention(name="layer"), (5, 4), (7, 4))
    table["AdditiveAttention"] = lambda: _pair(
        keras, L.AdditiveAttention(name="layer"), (5, 4), (7, 4)
    )

    def mha() -> Any:
        q = keras.Input((5, 8), name="x")
        v = keras.Input((7, 8), name="y")
        out = L.MultiHeadAttention(num_heads=2, key_dim=4, name="layer")(q, v)
        return keras.Model([q, v], out, name="sweep")

    def gqa() -> Any:
        q = keras.Input((5, 8), name="x")
        v = keras.Input((7, 8), name="y")
        layer = L.GroupQueryAttention(
            head_dim=4, num_query_heads=4, num_key_value_heads=2, name="layer"
        )
        return keras.Model([q, v], layer(q, v), name="sweep")

    table["MultiHeadAttention"] = mha
    table["GroupedQueryAttention"] = gqa

    # -- normalisation -----------------------------------------------------------------------
    one("BatchNormalization", lambda: L.BatchNormalization(name="layer"), (6, 4))
    one("GroupNormalization", lambda: L.GroupNormalization(groups=2, name="layer"), (5, 4))
    one("LayerNormalization", lambda: L.LayerNormalization(name="layer"), (5, 4))
    one("RMSNormalization", lambda: L.RMSNormalization(name="layer"), (5, 4))
    one("UnitNormalization", lambda: L.UnitNormalization(name="layer"), (5, 4))
    one(
        "SpectralNormalization",
        lambda: L.SpectralNormalization(L.Dense(4), name="layer"),
        (6,),
    )

    def normalization_adapted() -> Any:
        norm = L.Normalization(name="layer")
        norm.adapt(np.arange(24, dtype="float32").reshape(8, 3))
        return _single(keras, norm, (3,))

    table["Normalization"] = normalization_adapted
    one(
        "Normalization/given",
        lambda: L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0], name="layer"),
        (3,),
    )

    # -- activations -------------------------------------------------------------------------
    one("ELU", lambda: L.ELU(name="layer"), (6,))
    one("LeakyReLU", lambda: L.LeakyReLU(name="layer"), (6,))
    one("PReLU", lambda: L.PReLU(name="layer"), (4, 6))
    one("ReLU", lambda: L.ReLU(max_value=6.0, name="layer"), (6,))
    one("Softmax", lambda: L.Softmax(name="layer"), (6,))

    # -- regularisation ----------------------------------------------------------------------
    one("AlphaDropout", lambda: L.AlphaDropout(0.1, name="layer"), (6,))
    one("Dropout", lambda: L.Dropout(0.1, name="layer"), (6,))
    one("GaussianDropout", lambda: L.GaussianDropout(0.1, name="layer"), (6,))
    one("GaussianNoise", lambda: L.GaussianNoise(0.1, name="layer"), (6,))
    one("SpatialDropout1D", lambda: L.SpatialDropout1D(0.1, name="layer"), (5, 4))
    one("SpatialDropout2D", lambda: L.SpatialDropout2D(0.1, name="layer"), (5, 5, 4))
    one("SpatialDropout3D", lambda: L.SpatialDropout3D(0.1, name="layer"), (3, 3, 3, 4))

    # -- pooling -----------------------------------------------------------------------------
    for rank, shape in ((1, (12, 3)), (2, (8, 8, 3)), (3, (6, 6, 6, 2))):
        out = (3,) * rank
        for kind in ("Average", "Max"):
            one(
                f"Adaptive{kind}Pooling{rank}D",
                lambda kind=kind, rank=rank, out=out: getattr(L, f"Adaptive{kind}Pooling{rank}D")(
                    out, name="layer"
                ),
                shape,
            )
            one(
                f"{kind}Pooling{rank}D",
                lambda kind=kind, rank=rank: getattr(L, f"{kind}Pooling{rank}D")(2, name="layer"),
                shape,
            )
            one(
                f"Global{kind}Pooling{rank}D",
                lambda kind=kind, rank=rank: getattr(L, f"Global{kind}Pooling{rank}D")(
                    name="layer"
                ),
                shape,
            )

    # -- reshaping ---------------------------------------------------------------------------
    one("Cropping1D", lambda: L.Cropping1D((1, 2), name="layer"), (8, 3))
    one("Cropping2D", lambda: L.Cropping2D(((1, 0), (2, 1)), name="layer"), (8, 8, 3))
    one("Cropping3D", lambda: L.Cropping3D(1, name="layer"), (5, 5, 5, 2))
    one("Flatten", lambda: L.Flatten(name="layer"), (4, 3))
    one("Permute", lambda: L.Permute((2, 1), name="layer"), (4, 3))
    one("RepeatVector", lambda: L.RepeatVector(3, name="layer"), (4,))
    one("Reshape", lambda: L.Reshape((3, -1), name="layer"), (4, 3))
    one("UpSampling1D", lambda: L.UpSampling1D(2, name="layer"), (4, 3))
    one("UpSampling2D", lambda: L.UpSampling2D(2, name="layer"), (4, 4, 3))
    one("UpSampling3D", lambda: L.UpSampling3D(2, name="layer"), (3, 3, 3, 2))
    one("ZeroPadding1D", lambda: L.ZeroPadding1D(2, name="layer"), (4, 3))
    one("ZeroPadding2D", lambda: L.ZeroPadding2D(((1, 0), (0, 2)), name="layer"), (4, 4, 3))
    one("ZeroPadding3D", lambda: L.ZeroPadding3D(1, name="layer"), (3, 3, 3, 2))

    # -- merging -----------------------------------------------------------------------------
    for merge in ("Add", "Average", "Maximum", "Minimum", "Multiply", "Subtract"):
        table[merge] = lambda merge=merge: _pair(keras, getattr(L, merge)(name="layer"), (6,))
    table["Concatenate"] = lambda: _pair(keras, L.Concatenate(name="layer"), (5, 3), (5, 4))
    table["Dot"] = lambda: _pair(keras, L.Dot(axes=(2, 2), name="layer"), (5, 4), (7, 4))

    # -- preprocessing -----------------------------------------------------------------------
    one(
        "CategoryEncoding",
        lambda: L.CategoryEncoding(num_tokens=10, output_mode="multi_hot", name="layer"),
        (3,),
        "int32",
    )
    one("Discretization", lambda: L.Discretization([0.0, 1.0, 2.0], name="layer"), (4,))
    one("Hashing", lambda: L.Hashing(num_bins=8, name="layer"), (4,), "int32")
    one(
        "IntegerLookup",
        lambda: L.IntegerLookup(vocabulary=[3, 5, 7, 11], name="layer"),
        (4,),
        "int32",
    )
    one(
        "StringLookup",
        lambda: L.StringLookup(vocabulary=["a", "b", "c"], name="layer"),
        (4,),
        "string",
    )
    one(
        "TextVectorization",
        lambda: L.TextVectorization(
            vocabulary=["the", "cat", "sat"], output_sequence_length=6, name="layer"
        ),
        (1,),
        "string",
    )

    def hashed_crossing() -> Any:
        x = keras.Input((), dtype="int32", name="x")
        y = keras.Input((), dtype="int32", name="y")
        return keras.Model(
            [x, y], L.HashedCrossing(num_bins=16, name="layer")((x, y)), name="sweep"
        )

    table["HashedCrossing"] = hashed_crossing
    one("Rescaling", lambda: L.Rescaling(1 / 255.0, name="layer"), (4, 4, 3))
    one("Resizing", lambda: L.Resizing(6, 5, name="layer"), (8, 8, 3))
    one("CenterCrop", lambda: L.CenterCrop(4, 5, name="layer"), (8, 8, 3))
    one(
        "MelSpectrogram",
        lambda: L.MelSpectrogram(
            fft_length=64, sequence_stride=32, num_mel_bins=16, sampling_rate=8000, name="layer"
        ),
        (256,),
    )
    one(
        "STFTSpectrogram",
        lambda: L.STFTSpectrogram(frame_length=32, frame_step=16, fft_length=32, name="layer"),
        (128, 1),
    )
    image = (16, 16, 3)
    augmentations: dict[str, Callable[[], Any]] = {
        "AugMix": lambda: L.AugMix(value_range=(0, 255), name="layer"),
        "AutoContrast": lambda: L.AutoContrast(value_range=(0, 255), name="layer"),
        "ContrastLimitedAdaptiveHistogramEqualization": lambda: (
            L.ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 255), name="layer")
        ),
        "CutMix": lambda: L.CutMix(name="layer"),
        "MaxNumBoundingBoxes": lambda: L.MaxNumBoundingBoxes(max_number=4, name="layer"),
        "MixUp": lambda: L.MixUp(name="layer"),
        "RandAugment": lambda: L.RandAugment(value_range=(0, 255), name="layer"),
        "RandomBrightness": lambda: L.RandomBrightness(0.2, name="layer"),
        "RandomColorDegeneration": lambda: L.RandomColorDegeneration(0.3, name="layer"),
        "RandomColorJitter": lambda: L.RandomColorJitter(
            value_range=(0, 255), brightness_factor=0.2, name="layer"
        ),
        "RandomContrast": lambda: L.RandomContrast(0.2, name="layer"),
        "RandomCrop": lambda: L.RandomCrop(12, 10, name="layer"),
        "RandomElasticTransform": lambda: L.RandomElasticTransform(name="layer"),
        "RandomErasing": lambda: L.RandomErasing(name="layer"),
        "RandomFlip": lambda: L.RandomFlip("horizontal", name="layer"),
        "RandomGaussianBlur": lambda: L.RandomGaussianBlur(name="layer"),
        "RandomGrayscale": lambda: L.RandomGrayscale(name="layer"),
        "RandomHue": lambda: L.RandomHue(0.2, value_range=(0, 255), name="layer"),
        "RandomInvert": lambda: L.RandomInvert(name="layer"),
        "RandomPerspective": lambda: L.RandomPerspective(name="layer"),
        "RandomPosterization": lambda: L.RandomPosterization(
            value_range=(0, 255), factor=(1, 4), name="layer"
        ),
        "RandomRotation": lambda: L.RandomRotation(0.1, name="layer"),
        "RandomSaturation": lambda: L.RandomSaturation(0.3, name="layer"),
        "RandomSharpness": lambda: L.RandomSharpness(0.3, name="layer"),
        # (A single factor saves as [-f, f], which Keras then refuses to load.)
        "RandomShear": lambda: L.RandomShear(x_factor=(0.0, 0.2), name="layer"),
        "RandomTranslation": lambda: L.RandomTranslation(0.1, 0.1, name="layer"),
        "RandomZoom": lambda: L.RandomZoom(0.1, name="layer"),
        "Solarization": lambda: L.Solarization(addition_factor=0.2, name="layer"),
        "Pipeline": lambda: L.Pipeline(
            [L.RandomFlip("horizontal"), L.Rescaling(1 / 255.0)], name="layer"
        ),
    }
    for name, make in augmentations.items():
        one(name, make, image)
    table.update(variants(keras))
    return table


def variants(keras: Any) -> dict[str, Callable[[], Any]]:
    """Non-default arguments of the classes whose shapes, variables or cost depend on them
    (``Class/what``)."""
    L = keras.layers
    table: dict[str, Callable[[], Any]] = {}

    def one(
        name: str, make: Callable[[], Any], shape: tuple[int | None, ...], dtype: str = "float32"
    ) -> None:
        table[name] = lambda: _single(keras, make(), shape, dtype)

    cf = "channels_first"
    one("Dense/sequence_no_bias", lambda: L.Dense(5, use_bias=False, name="layer"), (3, 7))
    one(
        "EinsumDense/ellipsis",
        lambda: L.EinsumDense("...b,bc->...c", output_shape=5, bias_axes="c", name="layer"),
        (3, 6),
    )
    one(
        "Conv2D/channels_first_groups",
        lambda: L.Conv2D(6, 3, strides=2, groups=2, dilation_rate=1, data_format=cf, name="layer"),
        (4, 9, 9),
    )
    one("Conv2D/dilated", lambda: L.Conv2D(4, 3, dilation_rate=2, name="layer"), (9, 9, 3))
    one("Conv1D/causal", lambda: L.Conv1D(4, 3, padding="causal", name="layer"), (10, 3))
    one(
        "Conv2DTranspose/output_padding",
        lambda: L.Conv2DTranspose(3, 3, strides=2, output_padding=1, name="layer"),
        (5, 5, 2),
    )
    one(
        "Conv1DTranspose/same",
        lambda: L.Conv1DTranspose(3, 4, strides=2, padding="same", name="layer"),
        (6, 2),
    )
    one(
        "DepthwiseConv2D/strided_channels_first",
        lambda: L.DepthwiseConv2D(3, strides=2, data_format=cf, use_bias=False, name="layer"),
        (3, 9, 9),
    )
    one(
        "SeparableConv2D/multiplier_strided",
        lambda: L.SeparableConv2D(5, 3, strides=2, depth_multiplier=2, name="layer"),
        (9, 9, 3),
    )
    one(
        "Conv3D/same_strided",
        lambda: L.Conv3D(3, 2, strides=2, padding="same", name="layer"),
        (5, 5, 5, 2),
    )

    def lstm_states() -> Any:
        x = keras.Input((5, 4), name="x")
        seq, h, c = L.LSTM(
            3, return_sequences=True, return_state=True, go_backwards=True, name="layer"
        )(x)
        return keras.Model(x, [seq, h, c], name="sweep")

    table["LSTM/states_backwards"] = lstm_states
    one(
        "GRU/reset_before_no_bias",
        lambda: L.GRU(4, reset_after=False, use_bias=False, name="layer"),
        (5, 3),
    )
    one(
        "SimpleRNN/unrolled",
        lambda: L.SimpleRNN(3, unroll=True, return_sequences=True, name="layer"),
        (4, 2),
    )
    for mode in ("sum", "ave", "mul"):
        one(
            f"Bidirectional/{mode}",
            lambda mode=mode: L.Bidirectional(L.GRU(3), merge_mode=mode, name="layer"),
            (5, 2),
        )

    def bidirectional_none() -> Any:
        x = keras.Input((5, 2), name="x")
        forward, backward = L.Bidirectional(L.SimpleRNN(3), merge_mode=None, name="layer")(x)
        return keras.Model(x, [forward, backward], name="sweep")

    table["Bidirectional/none"] = bidirectional_none
    one(
        "Bidirectional/backward_layer",
        lambda: L.Bidirectional(
            L.LSTM(3, return_sequences=True),
            backward_layer=L.GRU(3, return_sequences=True, go_backwards=True),
            name="layer",
        ),
        (5, 2),
    )
    one(
        "TimeDistributed/conv",
        lambda: L.TimeDistributed(L.Conv2D(2, 3), name="layer"),
        (3, 6, 6, 1),
    )

    def mha_axes() -> Any:
        x = keras.Input((4, 5, 6), name="x")
        layer = L.MultiHeadAttention(
            num_heads=2,
            key_dim=3,
            value_dim=2,
            attention_axes=(1, 2),
            output_shape=(7,),
            use_bias=False,
            name="layer",
        )
        return keras.Model(x, layer(x, x), name="sweep")

    def mha_key() -> Any:
        q = keras.Input((5, 8), name="x")
        v = keras.Input((7, 6), name="y")
        k = keras.Input((7, 4), name="z")
        out = L.MultiHeadAttention(num_heads=2, key_dim=4, name="layer")(q, v, k)
        return keras.Model([q, v, k], out, name="sweep")

    def mha_scores() -> Any:
        q = keras.Input((5, 8), name="x")
        out, scores = L.MultiHeadAttention(num_heads=2, key_dim=4, name="layer")(
            q, q, return_attention_scores=True
        )
        return keras.Model(q, [out, scores], name="sweep")

    def attention_scores_dropped() -> Any:
        q = keras.Input((5, 4), name="x")
        v = keras.Input((7, 4), name="y")
        out, _ = L.Attention(name="layer")([q, v], return_attention_scores=True)
        return keras.Model([q, v], out, name="sweep")

    def gqa_gate() -> Any:
        q = keras.Input((5, 8), name="x")
        layer = L.GroupQueryAttention(
            head_dim=3, num_query_heads=4, num_key_value_heads=1, use_gate=True, name="layer"
        )
        return keras.Model(q, layer(q, q), name="sweep")

    table["GroupedQueryAttention/gate"] = gqa_gate
    table["MultiHeadAttention/scores"] = mha_scores
    table["Attention/scores_dropped"] = attention_scores_dropped
    table["MultiHeadAttention/axes_no_bias"] = mha_axes
    table["MultiHeadAttention/key"] = mha_key
    one(
        "BatchNormalization/axis1_plain",
        lambda: L.BatchNormalization(axis=1, center=False, scale=False, name="layer"),
        (3, 4, 4),
    )
    one(
        "LayerNormalization/two_axes_rms",
        lambda: L.LayerNormalization(axis=[1, 2], rms_scaling=True, name="layer"),
        (3, 4),
    )
    one(
        "GroupNormalization/instance",
        lambda: L.GroupNormalization(groups=-1, name="layer"),
        (5, 5, 4),
    )

    def normalization_axes() -> Any:
        norm = L.Normalization(axis=(1, 2), name="layer")
        norm.adapt(np.arange(48, dtype="float32").reshape(4, 2, 3, 2))
        return _single(keras, norm, (2, 3, 2))

    def normalization_invert() -> Any:
        norm = L.Normalization(axis=None, invert=True, name="layer")
        norm.adapt(np.arange(12, dtype="float32").reshape(4, 3))
        return _single(keras, norm, (3,))

    table["Normalization/two_axes"] = normalization_axes
    table["Normalization/invert_scalar"] = normalization_invert
    one(
        "MaxPooling2D/same_strided_cf",
        lambda: L.MaxPooling2D(3, strides=2, padding="same", data_format=cf, name="layer"),
        (3, 9, 8),
    )
    one("AveragePooling1D/strided", lambda: L.AveragePooling1D(3, strides=1, name="layer"), (8, 2))
    one(
        "GlobalAveragePooling2D/keepdims",
        lambda: L.GlobalAveragePooling2D(keepdims=True, name="layer"),
        (4, 4, 3),
    )
    one(
        "AdaptiveAveragePooling2D/cf",
        lambda: L.AdaptiveAveragePooling2D((2, 3), data_format=cf, name="layer"),
        (3, 8, 9),
    )
    one(
        "UpSampling2D/bilinear",
        lambda: L.UpSampling2D((2, 3), interpolation="bilinear", name="layer"),
        (3, 3, 2),
    )
    one("Cropping2D/cf", lambda: L.Cropping2D(1, data_format=cf, name="layer"), (2, 6, 6))
    one(
        "ZeroPadding3D/cf",
        lambda: L.ZeroPadding3D((1, 2, 0), data_format=cf, name="layer"),
        (2, 3, 3, 3),
    )
    one("Permute/3d", lambda: L.Permute((3, 1, 2), name="layer"), (2, 3, 4))
    one("Reshape/flat", lambda: L.Reshape((-1,), name="layer"), (2, 3, 4))
    one("PReLU/shared", lambda: L.PReLU(shared_axes=[1, 2], name="layer"), (4, 4, 3))
    one(
        "ReLU/leaky_threshold",
        lambda: L.ReLU(negative_slope=0.1, threshold=0.5, name="layer"),
        (6,),
    )
    one("Softmax/axis", lambda: L.Softmax(axis=1, name="layer"), (4, 3))
    table["Concatenate/axis1"] = lambda: _pair(
        keras, L.Concatenate(axis=1, name="layer"), (2, 3), (4, 3)
    )
    table["Dot/normalize"] = lambda: _pair(keras, L.Dot(axes=1, normalize=True, name="layer"), (6,))
    table["Attention/scaled_concat"] = lambda: _pair(
        keras, L.Attention(use_scale=True, score_mode="concat", name="layer"), (5, 4), (7, 4)
    )

    def shared_dense() -> Any:
        x = keras.Input((4,), name="x")
        dense = L.Dense(4, name="layer")
        return keras.Model(x, dense(dense(x)), name="sweep")

    def masked_sequence() -> Any:
        x = keras.Input((6,), dtype="int32", name="x")
        h = L.Embedding(30, 5, mask_zero=True, name="layer")(x)
        return keras.Model(x, L.LSTM(3, name="lstm")(h), name="sweep")

    one(
        "EinsumDense/two_bias_axes",
        lambda: L.EinsumDense(
            "abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", name="layer"
        ),
        (4, 6),
    )
    one(
        "Conv2DTranspose/dilated_cf",
        lambda: L.Conv2DTranspose(2, 3, dilation_rate=2, data_format=cf, name="layer"),
        (3, 5, 5),
    )
    one("Conv1D/channels_first", lambda: L.Conv1D(3, 2, data_format=cf, name="layer"), (4, 9))
    one(
        "Conv2D/same_strided_odd",
        lambda: L.Conv2D(3, 4, strides=3, padding="same", name="layer"),
        (10, 11, 2),
    )
    one(
        "MaxPooling1D/same_cf",
        lambda: L.MaxPooling1D(2, padding="same", data_format=cf, name="layer"),
        (3, 7),
    )
    one(
        "TimeDistributed/dense_4d",
        lambda: L.TimeDistributed(L.Dense(3), name="layer"),
        (4, 5, 2),
    )

    def bidirectional_states() -> Any:
        x = keras.Input((5, 2), name="x")
        outputs = L.Bidirectional(L.LSTM(3, return_state=True), name="layer")(x)
        return keras.Model(x, outputs, name="sweep")

    def masked_lstm() -> Any:
        x = keras.Input((5, 3), name="x")
        h = L.Masking(0.0, name="mask")(x)
        return keras.Model(x, L.LSTM(4, name="layer")(h), name="sweep")

    def gru_cell_states() -> Any:
        x = keras.Input((5, 4), name="x")
        layer = L.RNN(
            L.GRUCell(3, reset_after=False),
            return_sequences=True,
            return_state=True,
            go_backwards=True,
            name="layer",
        )
        return keras.Model(x, layer(x), name="sweep")

    def conv_lstm_states() -> Any:
        x = keras.Input((3, 2, 7, 6), name="x")
        layer = L.ConvLSTM2D(
            2,
            3,
            strides=2,
            padding="same",
            data_format=cf,
            return_sequences=True,
            return_state=True,
            use_bias=False,
            name="layer",
        )
        return keras.Model(x, layer(x), name="sweep")

    one(
        "STFTSpectrogram/real_expanded_same",
        lambda: L.STFTSpectrogram(
            mode="real",
            frame_length=20,
            frame_step=8,
            padding="same",
            expand_dims=True,
            name="layer",
        ),
        (64, 2),
    )
    one(
        "STFTSpectrogram/stft_cf",
        lambda: L.STFTSpectrogram(mode="stft", frame_length=16, data_format=cf, name="layer"),
        (2, 64),
    )
    one(
        "CategoryEncoding/one_hot",
        lambda: L.CategoryEncoding(num_tokens=6, output_mode="one_hot", name="layer"),
        (3,),
        "int32",
    )
    one(
        "CategoryEncoding/count_column",
        lambda: L.CategoryEncoding(num_tokens=6, output_mode="count", name="layer"),
        (1,),
        "int32",
    )
    one(
        "Discretization/one_hot",
        lambda: L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot", name="layer"),
        (1,),
    )
    one(
        "Discretization/multi_hot",
        lambda: L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="multi_hot", name="layer"),
        (4,),
    )

    def mel_then_conv() -> Any:
        x = keras.Input((300,), name="x")
        mel = L.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8, name="layer")
        return keras.Model(x, L.Conv1D(2, 3, name="conv")(mel(x)), name="sweep")

    table["MelSpectrogram/then_conv"] = mel_then_conv

    def per_frame_cnn() -> Any:
        x = keras.Input((3, 8, 8, 1), name="x")
        cnn = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                L.Conv2D(2, 3),
                L.BatchNormalization(),
                L.MaxPooling2D(),
                L.Flatten(),
                L.Dense(4),
            ],
            name="cnn",
        )
        return keras.Model(x, L.TimeDistributed(cnn, name="layer")(x), name="sweep")

    def per_step_functional() -> Any:
        x = keras.Input((4, 6), name="x")
        inner_input = keras.Input((6,))
        inner = keras.Model(inner_input, L.Dense(2)(inner_input), name="inner")
        return keras.Model(x, L.TimeDistributed(inner, name="layer")(x), name="sweep")

    one(
        "Pipeline/resize_crop",
        lambda: L.Pipeline(
            [L.Resizing(12, 12), L.RandomCrop(10, 8), L.RandomRotation(0.1)], name="layer"
        ),
        (16, 16, 3),
    )

    def pipeline_with_variables() -> Any:
        norm = L.Normalization()
        norm.adapt(np.ones((4, 16, 16, 3), dtype="float32"))
        return _single(keras, L.Pipeline([L.RandomFlip(), norm], name="layer"), (16, 16, 3))

    table["Pipeline/normalization"] = pipeline_with_variables
    one(
        "SeparableConv1D/channels_first",
        lambda: L.SeparableConv1D(4, 3, depth_multiplier=2, data_format=cf, name="layer"),
        (3, 10),
    )
    one(
        "DepthwiseConv1D/strided_same",
        lambda: L.DepthwiseConv1D(3, strides=2, padding="same", name="layer"),
        (9, 2),
    )
    one(
        "Conv1DTranspose/dilated",
        lambda: L.Conv1DTranspose(2, 3, dilation_rate=2, name="layer"),
        (6, 3),
    )
    one("Dense/rank4", lambda: L.Dense(3, name="layer"), (2, 3, 4))
    one(
        "EinsumDense/two_axes_out",
        lambda: L.EinsumDense("ab,bcd->acd", output_shape=(2, 3), bias_axes="d", name="layer"),
        (5,),
    )

    def mha_multi_out() -> Any:
        q = keras.Input((4, 6), name="x")
        v = keras.Input((5, 3), name="y")
        layer = L.MultiHeadAttention(
            num_heads=3, key_dim=2, value_dim=4, output_shape=(2, 3), name="layer"
        )
        return keras.Model([q, v], layer(q, v), name="sweep")

    table["MultiHeadAttention/multi_output_shape"] = mha_multi_out
    one(
        "GroupNormalization/channels_first",
        lambda: L.GroupNormalization(groups=2, axis=1, center=False, name="layer"),
        (4, 3, 3),
    )
    one(
        "UnitNormalization/two_axes", lambda: L.UnitNormalization(axis=[1, 2], name="layer"), (3, 4)
    )
    one(
        "TimeDistributed/conv1d",
        lambda: L.TimeDistributed(L.Conv1D(2, 3), name="layer"),
        (4, 8, 3),
    )
    one(
        "UpSampling3D/cf",
        lambda: L.UpSampling3D((1, 2, 3), data_format=cf, name="layer"),
        (2, 2, 2, 2),
    )
    one(
        "Cropping3D/asymmetric",
        lambda: L.Cropping3D(((1, 0), (0, 2), (1, 1)), name="layer"),
        (4, 5, 6, 1),
    )
    one(
        "AveragePooling3D/cf_same",
        lambda: L.AveragePooling3D(
            2, strides=(1, 2, 2), padding="same", data_format=cf, name="layer"
        ),
        (2, 3, 5, 5),
    )
    table["TimeDistributed/sequential_cnn"] = per_frame_cnn
    table["TimeDistributed/functional"] = per_step_functional
    table["ConvLSTM2D/states_cf_strided"] = conv_lstm_states
    table["GRUCell/states_reset_before"] = gru_cell_states
    table["Bidirectional/states"] = bidirectional_states
    table["Masking/lstm"] = masked_lstm
    one("Dense/bfloat16", lambda: L.Dense(3, dtype="bfloat16", name="layer"), (4,))
    one(
        "BatchNormalization/mixed",
        lambda: L.BatchNormalization(dtype="mixed_float16", name="layer"),
        (3, 4),
    )
    one(
        "Dense/regularized",
        lambda: L.Dense(
            3,
            kernel_regularizer="l2",
            bias_regularizer="l1",
            kernel_constraint="max_norm",
            name="layer",
        ),
        (4,),
    )
    one(
        "Dropout/noise_shape",
        lambda: L.Dropout(0.3, noise_shape=(None, 1, 4), name="layer"),
        (3, 4),
    )
    one(
        "Embedding/matrix",
        lambda: L.Embedding(20, 4, name="layer"),
        (3, 2),
        "int32",
    )
    one("Activation/softmax", lambda: L.Activation("softmax", name="layer"), (5,))
    one(
        "Dense/activation_gelu",
        lambda: L.Dense(3, activation="gelu", name="layer"),
        (2, 4),
    )
    # Inputs of unknown length (the independent count needs fixed shapes: see UNKNOWN_DIMS).
    one("LSTM/unknown_steps", lambda: L.LSTM(4, name="layer"), (None, 3))
    one("Conv1D/unknown_length", lambda: L.Conv1D(2, 3, padding="same", name="layer"), (None, 3))
    table["MultiHeadAttention/unknown_length"] = lambda: _self_attention(keras, (None, 8))
    one("Embedding/unknown_length", lambda: L.Embedding(20, 4, name="layer"), (None,), "int32")
    one("GlobalMaxPooling1D/unknown_length", lambda: L.GlobalMaxPooling1D(name="layer"), (None, 3))

    def operations(kind: str) -> Callable[[], Any]:
        def build() -> Any:
            x = keras.Input((5, 4), name="x")
            y = keras.Input((4, 3), name="y")
            if kind == "matmul":
                out = keras.ops.matmul(x, y)
            elif kind == "einsum":
                out = keras.ops.einsum("bij,bjk->bik", x, y)
            else:
                out = keras.ops.dot(x, y[0])  # NumPy's dot: (b, 5, 4) . (4, 3)
            return keras.Model([x, y], L.Dense(2, name="layer")(out), name="sweep")

        return build

    # keras.ops matrix products on symbolic tensors: operation rows in the graph.
    for kind in ("matmul", "einsum", "dot"):
        table[f"ops/{kind}"] = operations(kind)

    def tied_head() -> Any:
        x = keras.Input((5,), dtype="int32", name="x")
        embedding = L.ReversibleEmbedding(40, 8, name="layer")
        hidden = L.Dense(8, name="dense")(embedding(x))
        return keras.Model(x, embedding(hidden, reverse=True), name="sweep")

    def shared_over_lengths() -> Any:
        x = keras.Input((3, 4), name="x")
        y = keras.Input((5, 4), name="y")
        dense = L.Dense(2, name="layer")
        joined = L.Concatenate(axis=1, name="join")([dense(x), dense(y)])
        return keras.Model([x, y], joined, name="sweep")

    # A shared layer called at different shapes: each call priced at its own.
    table["ReversibleEmbedding/tied_head"] = tied_head
    table["Dense/shared_lengths"] = shared_over_lengths
    table["Dense/shared"] = shared_dense
    table["Embedding/mask_zero_lstm"] = masked_sequence
    return table


def aliases(keras: Any) -> dict[str, str]:
    """Public names of ``keras.layers`` that are another public class (``Conv2D`` for
    ``Convolution2D``): alias -> the class's own name."""
    import inspect

    found = {}
    for name in dir(keras.layers):
        value = getattr(keras.layers, name)
        if inspect.isclass(value) and issubclass(value, keras.layers.Layer):
            if value.__name__ != name:
                found[name] = value.__name__
    return found


def public_classes(keras: Any) -> list[str]:
    """Every public Layer class of ``keras.layers``, by its own name."""
    import inspect

    names = set()
    for name in dir(keras.layers):
        value = getattr(keras.layers, name)
        if inspect.isclass(value) and issubclass(value, keras.layers.Layer):
            names.add(value.__name__)
    return sorted(names)
