"""Import Keras (and its backend) quietly, once, only when a command needs it."""

from __future__ import annotations

import os
from typing import Any


def quiet_keras() -> Any:
    """Import and return ``keras`` with TensorFlow's C++ and Python logging turned down."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import logging

    logging.getLogger("absl").setLevel(logging.ERROR)
    import keras

    try:
        keras.utils.disable_interactive_logging()
    except AttributeError:  # pragma: no cover - older Keras 3
        pass
    return keras
