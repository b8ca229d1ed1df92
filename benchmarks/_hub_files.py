"""keras_hub model files for the static-engine benchmark, built once and cached.

``llama_1b()`` is a Llama with Llama-3.2-1B's shapes (vocabulary 128,256, 16 layers, hidden
2,048, FFN 8,192, 32 query / 8 key-value heads) in bfloat16 with untied embeddings (keras_hub
0.32 cannot reload a tied Llama it saved): about 1.5 B parameters, a 3.0 GB file, about 7 GB
of memory to build, so it is built in a subprocess that exits before anything is measured.
Random weights from the constructor; nothing is downloaded.

    python benchmarks/_hub_files.py llama_1b   # build it now (minutes)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _common import CACHE, quiet_env

LLAMA_1B = dict(
    vocabulary_size=128256,
    num_layers=16,
    num_query_heads=32,
    num_key_value_heads=8,
    hidden_dim=2048,
    intermediate_dim=8192,
    rope_max_wavelength=500000,
    layer_norm_epsilon=1e-5,
    tie_word_embeddings=False,
    dtype="bfloat16",
)

BERT_BASE = dict(
    vocabulary_size=30522,
    num_layers=12,
    num_heads=12,
    hidden_dim=768,
    intermediate_dim=3072,
    max_sequence_length=512,
    num_segments=2,
)

BUILDERS = {
    "llama_1b": ("LlamaBackbone", LLAMA_1B),
    "bert_base": ("BertBackbone", BERT_BASE),
}


def hub_file(name: str) -> Path:
    """The cached ``.keras`` file, built in a fresh subprocess the first time."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"hub_{name}.keras"
    if not path.exists():
        class_name, kwargs = BUILDERS[name]
        partial = str(path) + ".partial.keras"
        code = (
            "import keras, keras_hub\n"
            "keras.utils.set_random_seed(0)\n"
            f"model = keras_hub.models.{class_name}(**{kwargs!r})\n"
            f"model.save({partial!r})\n"
            f"print(model.count_params())\n"
        )
        subprocess.run([sys.executable, "-c", code], check=True, env=quiet_env())
        os.replace(partial, path)
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or list(BUILDERS):
        print(hub_file(name))
