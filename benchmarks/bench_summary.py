"""Benchmark 1: ``analyze(model)`` against ``model.summary()`` on the same in-memory model.

Both run in this process on the same built model (DenseNet121, 429 layers; ResNet50), so the
comparison is capture + every analysis against Keras's own table. ``summary()`` prints to a
discarding ``print_fn`` so the terminal's speed is not measured; a second line times
``analyze(model).to_text()``, the table layerscope prints, for a like-for-like view.
"""

from __future__ import annotations

import gc

from _common import QUIET_ENV, Result, interleaved, median

MODELS = ("DenseNet121", "ResNet50")
TARGET = 0.5


def run(runs: int = 7) -> list[Result]:
    import os

    os.environ.update(QUIET_ENV)
    from layerscope._keras import quiet_keras
    from layerscope.api import analyze

    keras = quiet_keras()
    results = []
    for name in MODELS:
        model = getattr(keras.applications, name)(weights=None)

        def discard(*args: object, **kwargs: object) -> None:
            return None

        def keras_summary(model: object = model) -> None:
            model.summary(print_fn=discard)  # type: ignore[attr-defined]

        def layerscope_analyze(model: object = model) -> None:
            analyze(model)

        def layerscope_text(model: object = model) -> None:
            analyze(model).to_text(width=120)

        # One warm-up each: the first call of either pays one-off costs (lazy imports).
        keras_summary()
        layerscope_text()
        times = interleaved(
            {"summary": keras_summary, "analyze": layerscope_analyze, "text": layerscope_text},
            runs,
        )
        layer_count = len(model.layers)
        results.append(
            Result(
                "1. analyze vs summary()",
                f"{name} ({layer_count} layers): analyze(model)",
                median(times["analyze"]),
                median(times["summary"]),
                TARGET,
                samples=times,
            )
        )
        results.append(
            Result(
                "1. analyze vs summary()",
                f"{name}: analyze(model).to_text()",
                median(times["text"]),
                median(times["summary"]),
                None,
                note="informational: the printed table, not only the analysis",
                samples=times,
            )
        )
        del model
        keras.backend.clear_session()
        gc.collect()
    return results


if __name__ == "__main__":
    from _common import format_table

    print(format_table(run()))
