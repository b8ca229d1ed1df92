"""SpectralNormalization's MACs over a wrapped layer that reads its config and outputs,
its exact refusal, and einsum MACs over equations written with spaces (the 09:47 mutation
run's survivors in ``spectral_normalization_macs`` and ``dims.einsum_macs``)."""

from __future__ import annotations

import pytest

from layerscope.catalogue.dims import einsum_macs
from layerscope.catalogue.normalization import spectral_normalization_macs


def test_spectral_normalization_prices_the_wrapped_conv_with_its_config_and_outputs() -> None:
    conv = {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3}}
    # 4 x 4 output positions x 3 x 3 kernel x 2 input channels x 8 filters
    macs = spectral_normalization_macs({"layer": conv}, [(None, 6, 6, 2)], [(None, 4, 4, 8)])
    assert macs == 4 * 4 * 3 * 3 * 2 * 8
    # the output's spatial size is read from ``outputs``, not worked out from the inputs
    macs = spectral_normalization_macs({"layer": conv}, [(None, 6, 6, 2)], [(None, 2, 2, 8)])
    assert macs == 2 * 2 * 3 * 3 * 2 * 8


def test_spectral_normalization_wrapped_config_none_reads_as_empty() -> None:
    # Dense prices from its shapes alone (input features x output units)
    dense = {"class_name": "Dense", "config": {"units": 4}}
    assert spectral_normalization_macs({"layer": dense}, [(None, 6)], [(None, 4)]) == 24
    bare = {"class_name": "Dense", "config": None}
    assert spectral_normalization_macs({"layer": bare}, [(None, 6)], [(None, 4)]) == 24
    assert (
        spectral_normalization_macs({"layer": {"class_name": "Dense"}}, [(None, 6)], [(None, 4)])
        == 24
    )


def test_spectral_normalization_refuses_a_wrapped_layer_without_a_rule() -> None:
    wrapped = {"layer": {"class_name": "MyLayer", "config": {}}}
    with pytest.raises(ValueError, match=r"^no MAC rule for the wrapped MyLayer$"):
        spectral_normalization_macs(wrapped, [(None, 6)], [(None, 4)])


def test_einsum_macs_ignores_spaces_in_the_equation() -> None:
    assert einsum_macs("ab,bc->ac", [(2, 3), (3, 4)]) == 2 * 3 * 4
    assert einsum_macs(" ab,bc->ac", [(2, 3), (3, 4)]) == 2 * 3 * 4
    assert einsum_macs("a b , b c -> a c", [(2, 3), (3, 4)]) == 2 * 3 * 4
    assert einsum_macs("ab, bc", [(5, 3), (3, 7)]) == 5 * 3 * 7
