"""The static engine: ``.keras`` archive -> CapturedModel, without TensorFlow or Keras.

A ``.keras`` file is a zip archive holding ``config.json`` (every layer's config, the graph
as ``inbound_nodes`` whose Keras tensors record their shapes, and each layer's
``build_config``) and ``model.weights.h5`` (each layer's variables as datasets
``<walk path>/vars/0..n``). The engine reads the config and only the *metadata* of the
weights file (dataset shapes and dtypes, never the tensor data), and produces the very
report :func:`layerscope.capture.capture` would produce for ``keras.saving.load_model`` of
the same file -- in a fraction of the time and memory, and for files larger than memory.

Models whose config holds no layer graph (keras_hub's, subclassed models) are read by
:mod:`layerscope.static.hub`; a custom layer inside a graph is read from its weights group,
its unknowns listed as gaps (:class:`StaticRead`).

Exactness comes first: whenever the engine cannot be sure (a legacy ``.h5`` file, a layer
class whose variables it does not know, a quantized layer, an output shape it cannot infer,
a weights group that does not hold what the config implies) it raises
:class:`StaticUnsupported` with the reason, and ``--engine auto`` falls back to Keras.

Why the rules below look the way they do:

* Keras saves each container's ``layers`` list under keys made from the layer *class* name
  (``dense``, ``dense_1``...), in ``model.layers`` order (``saving_lib._save_container_state``),
  and each sublayer under the attribute holding it (``cell``, ``forward_layer``,
  ``query_dense``...). Each ``vars`` group carries the layer's name, which we check.
* A layer saves ``_trainable_variables + _non_trainable_variables`` by index, so per class
  we know the names, order and trainability (``LayerKind.layout`` in :mod:`layerscope.catalogue`).
* The config is never trusted on its own word: every size it gives (``units``, ``filters``,
  ``kernel_size``...) must be a plain int from 1 to :data:`MAX_SIZE`, every variable shape it
  implies (``LayerKind.variable_shapes``) must be the shape the weights file holds, and every
  output shape it implies must agree with the shape its consumers recorded. Keras rebuilds
  the model from the config and refuses such files; the report must not describe them.
* A variable's ``path`` is layerscope's own (see ``capture._Walker._variables``): the row's
  path, the names of the sublayers holding it, then its name -- ``bilstm/forward_lstm/
  lstm_cell/kernel``. Sublayer names come from the ``name`` attribute of their saved groups.

The package: :mod:`~layerscope.static.engine` (the entry points), :mod:`~.archive` (zip and
HDF5 metadata), :mod:`~.checks` (config checks), :mod:`~.naming` (Keras naming),
:mod:`~.nodes` (the graph's calls and tensors), :mod:`~.reader` (the graph reader),
:mod:`~.variables` (variables against their rules); for keras_hub models, :mod:`~.hub` and
:mod:`~.hub_tree` (the reader), :mod:`~.recipes` with :mod:`~.plans`, :mod:`~.recipes_text`,
:mod:`~.recipes_vision` and :mod:`~.subrows` (what each backbone builds). What each layer
class is lives in :mod:`layerscope.catalogue`.
"""

from __future__ import annotations

from layerscope.errors import StaticUnsupported
from layerscope.static.archive import CONFIG_MEMBER, WEIGHTS_MEMBER
from layerscope.static.archive import _MemberFile as _MemberFile  # tests patch its close()
from layerscope.static.checks import KERAS_ACTIVATIONS, check_config
from layerscope.static.engine import StaticRead, read_model, read_model_file
from layerscope.static.naming import MODEL_CLASSES, SUPPORTED_CLASSES, to_snake_case

__all__ = [
    "CONFIG_MEMBER",
    "KERAS_ACTIVATIONS",
    "MODEL_CLASSES",
    "SUPPORTED_CLASSES",
    "WEIGHTS_MEMBER",
    "StaticRead",
    "StaticUnsupported",
    "check_config",
    "read_model",
    "read_model_file",
    "to_snake_case",
]
