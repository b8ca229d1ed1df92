"""Dot's axes, output shape and MACs at exact values and exact messages (the 09:47
mutation run left survivors in ``_dot_axes``, ``_dot_shape`` and ``dot_macs``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from layerscope.catalogue import merging
from layerscope.errors import StaticUnsupported


def _refused(message: str) -> Any:
    return pytest.raises(StaticUnsupported, match=f"^{re.escape(message)}$")


def test_dot_axes_from_one_int() -> None:
    axes = merging._dot_axes
    assert axes({"axes": 1}, [(None, 6), (None, 6)]) == (1, 1)
    assert axes({"axes": 2}, [(None, 5, 4), (None, 7, 4)]) == (2, 2)
    assert axes({"axes": 0}, [(None, 5, 4), (None, 7, 4)]) == (0, 0)
    # a negative axis counts from each input's own end
    assert axes({"axes": -1}, [(None, 3, 6), (None, 6)]) == (2, 1)
    assert axes({"axes": -2}, [(None, 3, 6, 2), (None, 6, 2)]) == (2, 1)
    assert axes({"axes": -1}, [(None, 6), (None, 3, 6)]) == (1, 2)


def test_dot_axes_from_a_pair() -> None:
    axes = merging._dot_axes
    assert axes({"axes": [1, 2]}, [(None, 4, 3), (None, 5, 4)]) == (1, 2)
    assert axes({"axes": (2, 1)}, [(None, 4, 3), (None, 3, 5)]) == (2, 1)
    assert axes({"axes": [-1, -2]}, [(None, 4, 3), (None, 3, 5)]) == (2, 1)
    assert axes({"axes": [-1, 1]}, [(None, 4, 3, 2), (None, 2, 5)]) == (3, 1)


def test_dot_axes_refusals() -> None:
    axes = merging._dot_axes
    with _refused("layer 'd': Dot of 3 inputs"):
        axes({"name": "d", "axes": 1}, [(None, 6), (None, 6), (None, 6)])
    with _refused("layer 'd': Dot of 1 inputs"):
        axes({"name": "d", "axes": 1}, [(None, 6)])
    with _refused("layer 'd': Dot axes True"):
        axes({"name": "d", "axes": True}, [(None, 6), (None, 6)])
    with _refused("layer 'd': Dot axes [1, 1, 1]"):
        axes({"name": "d", "axes": [1, 1, 1]}, [(None, 6), (None, 6)])
    with _refused("layer 'd': Dot axes [1]"):
        axes({"name": "d", "axes": [1]}, [(None, 6), (None, 6)])
    with _refused("layer 'd': Dot axes None"):
        axes({"name": "d"}, [(None, 6), (None, 6)])
    with _refused("layer 'd': Dot axes 'x'"):
        axes({"name": "d", "axes": "x"}, [(None, 6), (None, 6)])
    with _refused("layer 'd': axis 3 is out of range for rank 3"):
        axes({"name": "d", "axes": [1, 3]}, [(None, 4, 3), (None, 5, 4)])
    with _refused("layer 'd': axis 2 is out of range for rank 2"):
        axes({"name": "d", "axes": [2, 1]}, [(None, 4), (None, 5, 4)])


def test_dot_shape() -> None:
    shape = merging._dot_shape
    assert shape({"axes": [2, 2]}, [(None, 5, 4), (None, 7, 4)]) == [(None, 5, 7)]
    assert shape({"axes": 1}, [(None, 6), (None, 6)]) == [(None, 1)]
    assert shape({"axes": -1}, [(None, 3, 6), (None, 6)]) == [(None, 3)]
    assert shape({"axes": [1, 2]}, [(None, 4, 3), (None, 5, 4)]) == [(None, 3, 5)]
    assert shape({"axes": [2, 1]}, [(2, 4, 3), (2, 3, 5, 6)]) == [(2, 4, 5, 6)]


def test_dot_macs() -> None:
    macs = merging.dot_macs
    assert macs({"axes": [2, 2]}, [(None, 5, 4), (None, 7, 4)], [(None, 5, 7)]) == 5 * 7 * 4
    assert macs({"axes": [1, 2]}, [(None, 4, 3), (None, 5, 4)], [(None, 3, 5)]) == 3 * 5 * 4
    assert macs({"axes": -1}, [(None, 3, 6), (None, 6)], [(None, 3)]) == 3 * 6
    # the output shape is worked out from the axes, not read from ``outputs``
    assert macs({"axes": 1}, [(None, 6), (None, 6)], [(None, 99)]) == 6
    # no ``axes``: keras.ops.dot, the first input's last axis contracted
    assert macs({}, [(None, 5, 4), (4, 3)], [(None, 5, 3)]) == 5 * 3 * 4
    # per sample: the output's first (batch) axis is not counted
    assert macs({"name": "d"}, [(2, 3), (3, 7)], [(2, 7)]) == 7 * 3
    with pytest.raises(ValueError, match=r"^layer 'd': Dot axes 'x'$") as raised:
        macs({"name": "d", "axes": "x"}, [(None, 6), (None, 6)], [(None, 1)])
    assert isinstance(raised.value.__cause__, StaticUnsupported)
