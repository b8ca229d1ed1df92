"""Small Keras models covering each case the capture must handle (built on demand)."""

from __future__ import annotations

from typing import Any


def sequential_mlp(keras: Any) -> Any:
    return keras.Sequential(
        [keras.Input((20,)), keras.layers.Dense(8, name="a"), keras.layers.Dense(3, name="b")],
        name="mlp",
    )


def branching(keras: Any) -> Any:
    """Two inputs, a branch, a concatenation and two outputs."""
    L = keras.layers
    image = keras.Input((16, 16, 3), name="image")
    meta = keras.Input((5,), name="meta")
    x = L.Conv2D(4, 3, name="conv")(image)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    y = L.Dense(6, name="meta_dense")(meta)
    z = L.Concatenate(name="concat")([x, y])
    out_a = L.Dense(2, name="head_a")(z)
    out_b = L.Dense(1, name="head_b", use_bias=False)(z)
    return keras.Model([image, meta], [out_a, out_b], name="branching")


def shared_layer(keras: Any) -> Any:
    """One Dense layer called on two inputs: one row, counted once, two inbound callers."""
    L = keras.layers
    left = keras.Input((10,), name="left")
    right = keras.Input((10,), name="right")
    shared = L.Dense(4, name="shared")
    a = shared(left)
    b = shared(right)
    out = L.Add(name="add")([a, b])
    return keras.Model([left, right], out, name="siamese")


def nested(keras: Any) -> Any:
    """A Functional encoder holding a Sequential block, used inside an outer model."""
    L = keras.layers
    block = keras.Sequential(
        [keras.Input((12,)), L.Dense(6, name="inner_a"), L.BatchNormalization(name="inner_bn")],
        name="block",
    )
    enc_in = keras.Input((12,), name="enc_in")
    encoder = keras.Model(enc_in, L.Dense(3, name="enc_out")(block(enc_in)), name="encoder")
    inputs = keras.Input((12,), name="x")
    out = L.Dense(1, name="head")(encoder(inputs))
    return keras.Model(inputs, out, name="outer")


def frozen(keras: Any) -> Any:
    """A frozen Dense, and a frozen nested model, beside trainable layers."""
    L = keras.layers
    backbone = keras.Sequential(
        [keras.Input((8,)), L.Dense(5, name="bb_dense"), L.BatchNormalization(name="bb_bn")],
        name="backbone",
    )
    backbone.trainable = False
    inputs = keras.Input((8,), name="x")
    x = backbone(inputs)
    frozen_dense = L.Dense(4, name="frozen_dense")
    frozen_dense.trainable = False
    x = frozen_dense(x)
    out = L.Dense(2, name="head")(x)
    return keras.Model(inputs, out, name="frozen")


def mixed_precision(keras: Any) -> Any:
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((16,)),
            L.Dense(32, dtype="mixed_float16", name="mp_dense"),
            L.Dense(8, dtype="float16", name="half_dense"),
            L.Dense(2, dtype="float32", name="out"),
        ],
        name="mixed",
    )


def subclassed(keras: Any) -> Any:
    class Tower(keras.Model):
        def __init__(self) -> None:
            super().__init__(name="tower")
            self.first = keras.layers.Dense(7, name="first")
            self.second = keras.layers.Dense(2, name="second")
            self.scale = None

        def build(self, input_shape: Any) -> None:
            self.first.build(input_shape)
            self.second.build((input_shape[0], 7))
            self.scale = self.add_weight(shape=(2,), name="scale", initializer="ones")

        def call(self, x: Any) -> Any:
            return self.second(self.first(x)) * self.scale

    model = Tower()
    model.build((None, 9))
    return model


def every_layer_type(keras: Any) -> Any:
    """One functional model with each core layer type whose roles must be right."""
    L = keras.layers
    seq = keras.Input((6,), dtype="int32", name="tokens")
    e = L.Embedding(50, 8, name="embed")(seq)
    e = L.LSTM(5, return_sequences=True, name="lstm")(e)
    e = L.GRU(4, return_sequences=True, name="gru")(e)
    e = L.Bidirectional(L.SimpleRNN(3, return_sequences=True), name="birnn")(e)
    e = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(e, e)
    e = L.LayerNormalization(name="ln")(e)
    e = L.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d", name="einsum")(e)
    e = L.Conv1D(4, 3, name="conv1d")(e)
    e = L.Conv1DTranspose(3, 2, name="conv1dt")(e)
    e = L.GlobalAveragePooling1D(name="gap1d")(e)

    img = keras.Input((12, 12, 3), name="img")
    x = L.Normalization(name="normalization")(img)
    x = L.Conv2D(8, 3, name="conv2d")(x)
    x = L.BatchNormalization(name="bn")(x)
    x = L.DepthwiseConv2D(3, name="dw")(x)
    x = L.SeparableConv2D(6, 3, name="sep")(x)
    x = L.GroupNormalization(groups=2, name="gn")(x)
    x = L.Conv2DTranspose(4, 3, name="conv2dt")(x)
    x = L.PReLU(name="prelu")(x)
    x = L.GlobalAveragePooling2D(name="gap2d")(x)

    vol = keras.Input((6, 6, 6, 2), name="vol")
    v = L.Conv3D(3, 3, name="conv3d")(vol)
    v = L.Conv3DTranspose(2, 2, name="conv3dt")(v)
    v = L.GlobalAveragePooling3D(name="gap3d")(v)

    merged = L.Concatenate(name="merge")([e, x, v])
    out = L.Dense(3, activation="softmax", name="out")(merged)
    model = keras.Model([seq, img, vol], out, name="every_layer")
    model.get_layer("normalization").adapt(
        __import__("numpy").random.default_rng(0).random((4, 12, 12, 3)).astype("float32")
    )
    return model


ZOO = {
    "sequential_mlp": sequential_mlp,
    "branching": branching,
    "shared_layer": shared_layer,
    "nested": nested,
    "frozen": frozen,
    "mixed_precision": mixed_precision,
    "subclassed": subclassed,
    "every_layer_type": every_layer_type,
}
