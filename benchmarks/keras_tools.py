"""What a user does today with Keras's own tools: load the model, print its summary, draw it.

Used by bench_report.py as the baseline process::

    python benchmarks/keras_tools.py MODEL.keras OUT.svg
"""

from __future__ import annotations

import os
import sys


def main(model_path: str, svg_path: str) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    model = keras.saving.load_model(model_path, compile=False)
    model.summary()
    try:
        keras.utils.plot_model(model, to_file=svg_path, show_shapes=True)
    except ValueError as error:
        # With IPython installed, plot_model writes the file and then tries to return an
        # IPython Image, which cannot hold SVG ("Cannot embed the 'svg' image format").
        # The diagram is on disk by then, which is all this baseline needs.
        if "Cannot embed" not in str(error) or not os.path.exists(svg_path):
            raise


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
