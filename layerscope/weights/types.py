"""The weight statistics' result types and tolerances: plain dataclasses, no numpy.

Renderers and the health checks import these; only :mod:`layerscope.weights.stats` (which
computes them) needs numpy, so that importing a renderer stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NEAR_ZERO = 1e-6
"""``near_zero`` counts values with ``abs(x) < NEAR_ZERO`` (exact zeros included)."""

IDENTICAL_TOLERANCE = 1e-5
"""Two columns' random projections (float32 sums) agree within this, relative, when equal."""


@dataclass(frozen=True)
class Histogram:
    """Counts of a sample of the tensor's finite values in equal-width bins."""

    edges: tuple[float, ...]
    """``len(counts) + 1`` bin edges, ascending."""
    counts: tuple[int, ...]
    sampled: int
    """How many values the histogram was drawn from (all of them for small tensors)."""


@dataclass(frozen=True)
class UnitStats:
    """Per-column (output unit) facts of a Dense or Conv kernel, over its incoming weights."""

    units: int
    """Columns: the kernel's last axis."""
    zero_units: tuple[int, ...]
    """Columns whose every incoming weight is exactly zero."""
    nonpositive_units: tuple[int, ...]
    """Columns whose every incoming weight is at most zero (not all zero)."""
    identical_units: tuple[tuple[int, ...], ...]
    """Groups of two or more non-zero columns whose weights are identical: a random
    projection agreeing within :data:`IDENTICAL_TOLERANCE`, and equal column min and max."""


@dataclass(frozen=True)
class VariableStats:
    """Statistics of one variable's values (serialised as ``layers[*].variables[*].stats``)."""

    mean: float | None
    """Mean of the finite values (``None`` when there are none)."""
    std: float | None
    """Population standard deviation of the finite values."""
    min: float | None
    max: float | None
    abs_max: float | None
    zeros: float
    """Fraction of the elements exactly zero."""
    near_zero: float
    """Fraction of the elements with ``abs(x) <`` :data:`NEAR_ZERO`."""
    nan: int
    """How many elements are NaN."""
    inf: int
    """How many elements are +-infinity."""
    norm: float
    """L2 (Frobenius) norm of the finite values."""
    count: int
    """Elements in the tensor."""
    spectral_norm: float | None = None
    """Largest singular value of the kernel reshaped to 2-D ``(-1, last axis)``."""
    stable_rank: float | None = None
    """``norm**2 / spectral_norm**2``: how many directions carry the kernel's energy."""
    spectral_converged: bool | None = None
    """Whether power iteration met :data:`SPECTRAL_TOLERANCE` (``None``: not computed)."""
    histogram: Histogram | None = None
    units: UnitStats | None = None
    """Per-unit facts, for the kernels of Dense and Conv layers only."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON ``stats`` object (histogram and units are report-internal)."""
        return {
            "mean": self.mean,
            "std": self.std,
            "min": self.min,
            "max": self.max,
            "abs_max": self.abs_max,
            "zeros": self.zeros,
            "near_zero": self.near_zero,
            "nan": self.nan,
            "inf": self.inf,
            "norm": self.norm,
            "count": self.count,
            "spectral_norm": self.spectral_norm,
            "stable_rank": self.stable_rank,
            "spectral_converged": self.spectral_converged,
        }
