"""Quantized Dense/EinsumDense/Embedding layouts and shapes, and EinsumDense's output shape,
as the static engine reads them (issue 17's mutation run: reached by Keras-tier tests only).

The save order is Keras's ``variable_serialization_spec`` (kernel, bias, then the mode's
scales); trainable variables are listed first."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import dense
from layerscope.catalogue.kind import VarSpec
from layerscope.catalogue.layout import FLOAT8_EXTRAS, int4_block_size
from layerscope.errors import StaticUnsupported


def _policy(name: str, mode: str) -> dict[str, Any]:
    return {"class_name": name, "config": {"name": "x", "mode": mode}}


INT8 = _policy("QuantizedDTypePolicy", "int8")
INT4 = _policy("Int4DTypePolicy", "int4")
INT4_BLOCKS = _policy("Int4DTypePolicy", "int4/32")
FLOAT8 = _policy("QuantizedFloat8DTypePolicy", "float8")


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def test_int4_block_size() -> None:
    assert int4_block_size({}, "int4") is None
    assert int4_block_size({}, "int4/64") == 64
    config = {"quantization_config": {"config": {"block_size": 16}}}
    assert int4_block_size(config, "int4") == 16
    for size in (None, -1):
        assert (
            int4_block_size({"quantization_config": {"config": {"block_size": size}}}, "int4")
            is None
        )
    assert int4_block_size({"quantization_config": {"config": None}}, "int4") is None
    with _refused("layer 'q': quantization mode 'int4/x'"):
        int4_block_size({"name": "q"}, "int4/x")
    with _refused("layer 'q': block size is 0, not a whole number from 1 to 2147483647"):
        int4_block_size({"name": "q"}, "int4/0")
    with _refused("layer 'q': block_size is 0, not a whole number from 1 to 2147483647"):
        int4_block_size({"name": "q", "quantization_config": {"config": {"block_size": 0}}}, "int4")


def test_quantized_dense_layouts() -> None:
    layout = dense._quantized_dense_layout
    assert layout({}, "int8") == (
        (
            VarSpec("bias", True, stored_at=1),
            VarSpec("kernel", False, stored_at=0),
            VarSpec("kernel_scale", False, stored_at=2),
        ),
        (),
    )
    assert layout({"use_bias": False}, "int4") == (
        (VarSpec("kernel", False, stored_at=0), VarSpec("kernel_scale", False, stored_at=1)),
        (),
    )
    assert layout({"use_bias": False}, "int4/8") == (
        (
            VarSpec("kernel", False, stored_at=0),
            VarSpec("kernel_scale", False, stored_at=1),
            VarSpec("kernel_zero", False, stored_at=2),
            VarSpec("g_idx", False, stored_at=3),
        ),
        (),
    )
    specs, subs = layout({"use_bias": True}, "float8")
    assert subs == ()
    order = [*FLOAT8_EXTRAS, "kernel", "bias"]
    saved = ["kernel", "bias", *FLOAT8_EXTRAS]
    assert specs == tuple(VarSpec(name, True, stored_at=saved.index(name)) for name in order)
    # EinsumDense has a bias when it has bias_axes, none by default
    assert layout({"bias_axes": "d"}, "int8", bias_key="bias_axes")[0][0] == VarSpec(
        "bias", True, stored_at=1
    )
    assert layout({}, "int8", bias_key="bias_axes")[0] == (
        VarSpec("kernel", False, stored_at=0),
        VarSpec("kernel_scale", False, stored_at=1),
    )
    with _refused("layer 'q': quantization mode 'int2'"):
        layout({"name": "q"}, "int2")


def test_einsum_layouts() -> None:
    assert dense._einsum_layout({"bias_axes": "d"}) == (
        (VarSpec("kernel"), VarSpec("bias")),
        (),
    )
    assert dense._einsum_layout({"bias_axes": None}) == ((VarSpec("kernel"),), ())
    assert dense._einsum_layout({"dtype": INT8})[0] == (
        VarSpec("kernel", False, stored_at=0),
        VarSpec("kernel_scale", False, stored_at=1),
    )
    with _refused("layer 'e' is quantized or uses LoRA, whose saved variables depend on the mode"):
        dense._einsum_layout({"name": "e", "lora_rank": 2})


def test_embedding_layouts_and_variables() -> None:
    assert dense._embedding_layout({}) == ((VarSpec("embeddings"),), ())
    assert dense._embedding_layout({"dtype": INT8}) == (
        (VarSpec("embeddings", False), VarSpec("embeddings_scale", False)),
        (),
    )
    assert dense._embedding_layout({"dtype": INT4}) == (
        (VarSpec("embeddings", False), VarSpec("embeddings_scale", False)),
        (),
    )
    assert dense._embedding_layout({"dtype": INT4_BLOCKS})[0] == tuple(
        VarSpec(name, False)
        for name in ("embeddings", "embeddings_scale", "embeddings_zero", "g_idx")
    )
    with _refused("layer 'm': quantization mode 'float8'"):
        dense._embedding_layout({"name": "m", "dtype": FLOAT8})
    with _refused("layer 'm' is quantized or uses LoRA, whose saved variables depend on the mode"):
        dense._embedding_layout({"name": "m", "lora_rank": 2})

    sizes = {"input_dim": 10, "output_dim": 7}
    variables = dense._embedding_variables
    assert variables(sizes, []) == {"embeddings": (10, 7)}
    assert variables({**sizes, "dtype": INT8}, []) == {
        "embeddings": (10, 7),
        "embeddings_scale": (10,),
    }
    assert variables({**sizes, "dtype": INT4}, []) == {"embeddings": (10, 4)}
    blocks = {"input_dim": 10, "output_dim": 70, "dtype": INT4_BLOCKS}
    assert variables(blocks, []) == {
        "embeddings": (10, 35),
        "embeddings_scale": (10, 3),
        "embeddings_zero": (10, 3),
        "g_idx": (70,),
    }
    assert dense._embedding_shape({"output_dim": 7}, [(None, 5)]) == [(None, 5, 7)]


@pytest.mark.parametrize(
    ("config", "inputs", "output"),
    [
        ({"equation": "ab,bc->ac", "output_shape": 16}, [(None, 8)], [(None, 16)]),
        ({"equation": "ab,bc->ac", "output_shape": [None, 16]}, [(3, 8)], [(None, 16)]),
        ({"equation": "abc,cd->abd", "output_shape": [5, 16]}, [(2, 5, 8)], [(2, 5, 16)]),
        (
            {"equation": "abc, cde -> abde", "output_shape": [5, 2, None]},
            [(2, 5, 8)],
            [(2, 5, 2, None)],
        ),
        ({"equation": "...b,bc->...c", "output_shape": 16}, [(None, 8)], None),
        ({"equation": "abc,cd->abd", "output_shape": [5, 16]}, [(2, 8)], None),
        ({"equation": "abc,cd->abd", "output_shape": [16]}, [(2, 5, 8)], None),
        ({"equation": "abc,cd->bad", "output_shape": [5, 2, 16]}, [(2, 5, 8)], None),
        ({"equation": "ab,bc->ac", "output_shape": 16}, [], None),
        ({"output_shape": 16}, [(None, 8)], None),
    ],
)
def test_einsum_dense_output_shape(config: dict[str, Any], inputs: list, output: Any) -> None:
    assert dense._einsum_dense_shape(config, inputs) == output


def test_int4_block_size_reads_only_the_first_slash() -> None:
    with _refused("layer 'q': quantization mode 'int4/32/1'"):
        int4_block_size({"name": "q"}, "int4/32/1")


def test_quantized_einsum_layout_has_a_bias_with_bias_axes() -> None:
    assert dense._einsum_layout({"bias_axes": "d", "dtype": INT8})[0] == (
        VarSpec("bias", True, stored_at=1),
        VarSpec("kernel", False, stored_at=0),
        VarSpec("kernel_scale", False, stored_at=2),
    )


def test_int4_kernel_packs_two_units_per_byte() -> None:
    for units, packed in ((6, 3), (5, 3), (1, 1)):
        shapes = dense._dense_variables({"units": units, "dtype": INT4}, [(None, 4)])
        assert shapes["kernel"] == (4, packed)
        assert all(isinstance(d, int) for d in shapes["kernel"])
