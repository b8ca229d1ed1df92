"""Import Keras (and its backend) quietly, once, only when a command needs it."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

# What TensorFlow's native libraries print while they load, whatever TF_CPP_MIN_LOG_LEVEL
# says: absl writes everything logged before ``absl::InitializeLog()`` straight to file
# descriptor 2 (the full ``tensorflow`` wheel, which keras_hub's tensorflow-text pulls in,
# announces its CUDA stub and oneDNN that way). Only these lines are dropped; anything else
# written during the import is passed on.
_NATIVE_NOISE = re.compile(
    rb"^(?:"
    rb"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|[IW]\d{4} [\d:.]+ +\d+ [\w.\-]+:\d+\] .*"
    rb"|To enable the following instructions: .*in other operations, rebuild TensorFlow.*"
    rb")\r?$"
)


@contextlib.contextmanager
def native_stderr_filtered() -> Iterator[None]:
    """Send file descriptor 2 to a temporary file for the duration, then pass on every line
    that is not TensorFlow's load-time chatter. A no-op where fd 2 cannot be redirected."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):
        yield
        return
    with tempfile.TemporaryFile() as capture:
        try:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(OSError, AttributeError, ValueError):
                    sys.stderr.flush()
                os.dup2(saved, 2)
        finally:
            os.close(saved)
        capture.seek(0)
        kept = [
            line
            for line in capture.read().splitlines(keepends=True)
            if not _NATIVE_NOISE.match(line.rstrip(b"\n"))
        ]
        if kept:
            with contextlib.suppress(OSError):
                os.write(2, b"".join(kept))


def quiet_keras() -> Any:
    """Import and return ``keras`` with TensorFlow's C++ and Python logging turned down."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import logging

    logging.getLogger("absl").setLevel(logging.ERROR)
    if "keras" in sys.modules:
        import keras
    else:
        with native_stderr_filtered():
            import keras

    try:
        keras.utils.disable_interactive_logging()
    except AttributeError:  # pragma: no cover - older Keras 3
        pass
    return keras


_MASK_WARNING = r"Layer '.*' \(of type .*\) was passed an input with a mask attached to it"


@contextlib.contextmanager
def mask_warnings_ignored() -> Iterator[None]:
    """Keras's warning that a layer drops a mask it was passed (keras_hub's Swin hands a
    masked tensor to its window attention) is about the model's own code and comes each
    time the model is rebuilt or called: noise on a run that only measures the model."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_MASK_WARNING, category=UserWarning)
        yield
