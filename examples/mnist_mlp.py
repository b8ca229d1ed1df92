"""The seed post's MNIST MLP, built exactly as the post builds it, saved as mnist_mlp.keras.

Flatten (28x28 -> 784), Dense 300/200/100 (relu), Dense 10 (softmax): 316,810 parameters.
The post writes ``Flatten(input_shape=[28, 28])``; Keras 3 spells that ``keras.Input``.

Run:  python examples/mnist_mlp.py   (writes examples/mnist_mlp.keras beside this file)
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build_model():  # type: ignore[no-untyped-def]
    import keras
    from keras.layers import Dense

    model = keras.models.Sequential(name="sequential")
    model.add(keras.Input(shape=(28, 28)))
    model.add(keras.layers.Flatten(name="Flatten"))
    model.add(Dense(300, activation="relu", name="Hidden1"))
    model.add(Dense(200, activation="relu", name="Hidden2"))
    model.add(Dense(100, activation="relu", name="Hidden3"))
    model.add(Dense(10, activation="softmax", name="Output"))
    return model


def main() -> None:
    import keras

    keras.utils.set_random_seed(1234)
    model = build_model()
    target = Path(__file__).with_name("mnist_mlp.keras")
    model.save(target)
    print(f"wrote {target} ({model.count_params():,} parameters)")


if __name__ == "__main__":
    main()
