"""Streaming statistics of one weight tensor: numpy only, no Keras, no TensorFlow.

A tensor is read as a sequence of *row blocks*: slices along its first axis, each viewed
as a 2-D array ``(rows, columns)`` whose columns are the tensor's last axis (a Dense
kernel's output units, a Conv kernel's filters). :class:`TensorAccumulator` folds the blocks
in one at a time, so a 400 MB kernel never needs to be in memory at once:

* moments with Chan et al.'s parallel merge (each block's own mean and sum of squared
  deviations, in float64, merged into the running ones); a block whose one-pass sum of
  squared deviations would cancel six digits or more (a BatchNormalization variance of
  1 +- 1e-4) is recomputed two-pass, so the result stays exact where the textbook
  ``E[x^2] - E[x]^2`` loses every digit;
* exact counts of zeros, near-zeros, NaNs and infinities; min, max, abs max;
* per-column min and max (so an all-zero column, a dead unit, is found exactly) and a
  per-column random projection, which is equal for identical columns;
* an evenly strided sample of at most :data:`HISTOGRAM_SAMPLE` values for the histogram.

Moments (mean, std, L2 norm) are over the finite values; ``nan`` and ``inf`` count the rest.
``std`` is the population standard deviation (numpy's default ``ddof=0``).

The spectral norm (largest singular value of the 2-D reshape) comes from Lanczos iteration
on ``W^T W`` (:func:`spectral_norm`) for kernels of at most :data:`SPECTRAL_MAX_ELEMENTS`
elements and at most :data:`SPECTRAL_MAX_ITERATIONS` steps, so its time is bounded by about
50 passes over the kernel. The estimate approaches the largest singular value from below, so
one that did not converge is a lower bound (and the stable rank ``||W||_F^2 / sigma_max^2``
an upper bound); ``spectral_converged`` says which. Larger kernels get no spectral norm
(``None``): iterating would read them from the file once per step.

"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from layerscope.weights.types import (
    IDENTICAL_TOLERANCE,
    NEAR_ZERO,
    Histogram,
    UnitStats,
    VariableStats,
)

HISTOGRAM_BINS = 24
"""Bins of the value histogram (between the sampled min and max)."""

HISTOGRAM_SAMPLE = 65536
"""The histogram is drawn from at most this many evenly strided values of the tensor."""

SPECTRAL_MAX_ELEMENTS = 1 << 21
"""Kernels with more elements (8 MiB of float32) get no spectral norm."""

SPECTRAL_MAX_ITERATIONS = 24
"""Lanczos steps at most (two matrix-vector products each)."""

SPECTRAL_TOLERANCE = 1e-4
"""Lanczos stops when the top Ritz value's residual is below this fraction of it."""

CANCELLATION = 1e-6
"""A block's one-pass sum of squared deviations is recomputed two-pass when it is below
this fraction of the block's sum of squares (six or more digits cancelled)."""

BLOCK_ELEMENTS = 1 << 21
"""Elements per block folded in at a time (8 MiB of float32, 16 MiB as float64)."""

_PROJECTION_SEED = 20250515


class TensorAccumulator:
    """Fold row blocks of one tensor into :class:`VariableStats`.

    ``columns`` is the size of the tensor's last axis (1 for a scalar or a vector, which is
    treated as one column); ``per_unit`` turns on the per-column bookkeeping.
    """

    def __init__(self, count: int, columns: int, per_unit: bool = False) -> None:
        self.total = count
        self.columns = max(1, columns)
        self.per_unit = per_unit
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.zeros = 0
        self.near = 0
        self.nans = 0
        self.infs = 0
        self.seen = 0
        self.stride = max(1, -(-count // HISTOGRAM_SAMPLE))
        self.samples: list[np.ndarray] = []
        self.col_min: np.ndarray | None = None
        self.col_max: np.ndarray | None = None
        self.col_projection: np.ndarray | None = None
        self.rng = np.random.default_rng(_PROJECTION_SEED)

    def add(self, block: np.ndarray) -> None:
        """Fold in the next rows (any shape whose size is a multiple of ``columns``)."""
        if block.size == 0:
            return
        if block.dtype.kind not in "fiub":
            block = block.astype(np.float64)
        elif block.dtype.kind == "b":
            block = block.astype(np.uint8)
        flat = block.reshape(-1)
        # Sample every ``stride``-th element of the whole tensor for the histogram.
        offset = (-self.seen) % self.stride
        self.samples.append(np.array(flat[offset :: self.stride], dtype=np.float64))
        self.seen += flat.size
        if self.per_unit:
            low, high = self._add_columns(block.reshape(-1, self.columns))
        else:
            low, high = float(flat.min()), float(flat.max())
        if not (math.isfinite(low) and math.isfinite(high)):
            nan = np.isnan(flat)
            inf = np.isinf(flat)
            self.nans += int(np.count_nonzero(nan))
            self.infs += int(np.count_nonzero(inf))
            flat = flat[~(nan | inf)]
            if flat.size == 0:
                return
            low, high = float(flat.min()), float(flat.max())
        self.minimum = min(self.minimum, low)
        self.maximum = max(self.maximum, high)
        size = flat.size
        if flat.dtype.kind != "f":
            zeros = size - int(np.count_nonzero(flat))
            near = zeros
        elif max(abs(low), abs(high)) < NEAR_ZERO:
            near = size
            zeros = size - int(np.count_nonzero(flat))
        else:
            near = int(np.count_nonzero(np.abs(flat) < NEAR_ZERO))
            # Zeros are near zero: with none near zero (most trained blocks) skip a pass.
            zeros = size - int(np.count_nonzero(flat)) if near else 0
        self.zeros += zeros
        self.near += near
        # Sums in float64 (einsum casts in small buffers: no float64 copy of the block).
        total = float(flat.sum(dtype=np.float64))
        squares = float(np.einsum("i,i->", flat, flat, dtype=np.float64))
        block_mean = total / size
        block_m2 = squares - total * block_mean
        if block_m2 <= CANCELLATION * squares:
            # The one-pass form lost digits (values far from zero compared with their
            # spread, e.g. a variance of 1 +- 1e-4): redo this block two-pass, exactly.
            values = flat.astype(np.float64)
            values -= block_mean
            block_m2 = float(np.dot(values, values))
        merged = self.n + size
        delta = block_mean - self.mean
        self.mean += delta * size / merged
        self.m2 += block_m2 + delta * delta * self.n * size / merged
        self.n = merged

    def _add_columns(self, rows: np.ndarray) -> tuple[float, float]:
        """Fold per-column min, max and projection; return the block's min and max."""
        with np.errstate(invalid="ignore"):
            low = np.asarray(rows.min(axis=0), dtype=np.float64)
            high = np.asarray(rows.max(axis=0), dtype=np.float64)
        weights = np.asarray(self.rng.standard_normal(rows.shape[0]), dtype=rows.dtype)
        # einsum, not ``@``: BLAS's thread pool stalls badly on a busy machine, and this
        # product is memory-bound anyway.
        projection = np.asarray(np.einsum("i,ij->j", weights, rows), dtype=np.float64)
        if self.col_min is None or self.col_max is None or self.col_projection is None:
            self.col_min, self.col_max, self.col_projection = low, high, projection
        else:
            np.fmin(self.col_min, low, out=self.col_min)
            np.fmax(self.col_max, high, out=self.col_max)
            self.col_projection += projection
        # NaN in a column propagates to min/max: the caller then counts NaNs itself.
        return float(low.min()), float(high.max())

    def finish(self, spectral: tuple[float, float, bool] | None = None) -> VariableStats:
        count = self.total
        has_values = self.n > 0
        mean = self.mean if has_values else None
        std = math.sqrt(max(self.m2, 0.0) / self.n) if has_values else None
        low = self.minimum if has_values else None
        high = self.maximum if has_values else None
        abs_max = max(abs(self.minimum), abs(self.maximum)) if has_values else None
        norm = math.sqrt(max(self.m2 + self.n * self.mean * self.mean, 0.0)) if has_values else 0.0
        spectral_norm = stable_rank = converged = None
        if spectral is not None:
            spectral_norm, _, converged = spectral
            stable_rank = (norm * norm) / (spectral_norm * spectral_norm) if spectral_norm else None
        return VariableStats(
            mean=mean,
            std=std,
            min=low,
            max=high,
            abs_max=abs_max,
            zeros=self.zeros / count if count else 0.0,
            near_zero=self.near / count if count else 0.0,
            nan=self.nans,
            inf=self.infs,
            norm=norm,
            count=count,
            spectral_norm=spectral_norm,
            stable_rank=stable_rank,
            spectral_converged=converged,
            histogram=self._histogram(),
            units=self._units(),
        )

    def _histogram(self) -> Histogram | None:
        if not self.samples:
            return None
        sample = np.concatenate(self.samples)
        sample = sample[np.isfinite(sample)]
        if sample.size == 0:
            return None
        low, high = float(sample.min()), float(sample.max())
        if low == high:
            low, high = low - 0.5, high + 0.5
        counts, edges = np.histogram(sample, bins=HISTOGRAM_BINS, range=(low, high))
        return Histogram(
            edges=tuple(float(e) for e in edges),
            counts=tuple(int(c) for c in counts),
            sampled=int(sample.size),
        )

    def _units(self) -> UnitStats | None:
        if not self.per_unit or self.col_min is None or self.col_max is None:
            return None
        assert self.col_projection is not None
        low, high, projection = self.col_min, self.col_max, self.col_projection
        zero = (low == 0) & (high == 0)
        nonpositive = (high <= 0) & ~zero
        groups: list[tuple[int, ...]] = []
        candidates = np.flatnonzero(~zero & np.isfinite(projection))
        if candidates.size > 1:
            order = candidates[np.argsort(projection[candidates], kind="stable")]
            run: list[int] = [int(order[0])]
            for index in order[1:]:
                previous = run[-1]
                same = (
                    _close(projection[index], projection[previous])
                    and low[index] == low[previous]
                    and high[index] == high[previous]
                )
                if same:
                    run.append(int(index))
                    continue
                if len(run) > 1:
                    groups.append(tuple(sorted(run)))
                run = [int(index)]
            if len(run) > 1:
                groups.append(tuple(sorted(run)))
        return UnitStats(
            units=int(low.size),
            zero_units=tuple(int(i) for i in np.flatnonzero(zero)),
            nonpositive_units=tuple(int(i) for i in np.flatnonzero(nonpositive)),
            identical_units=tuple(sorted(groups)),
        )


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= IDENTICAL_TOLERANCE * max(abs(a), abs(b), 1e-30)


def spectral_norm(matrix: np.ndarray) -> tuple[float, int, bool]:
    """``(estimate, steps, converged)`` for the largest singular value of ``matrix``.

    Lanczos iteration on ``W^T W`` (the smaller Gram side) with full reorthogonalisation,
    from a fixed-seed random start, at most :data:`SPECTRAL_MAX_ITERATIONS` steps; it stops
    when the top Ritz value's residual is below :data:`SPECTRAL_TOLERANCE` times the value
    (then the eigenvalue is at least that accurate). Each step is two matrix-vector products
    in float32. Ritz values approach the top eigenvalue from below, so an estimate that did
    not converge is a lower bound.
    """
    work = np.asarray(matrix, dtype=np.float32)
    if work.ndim != 2 or work.size == 0 or not np.isfinite(work).all():
        return (math.nan, 0, False)
    if work.shape[0] < work.shape[1]:
        work = work.T
    # Both orientations contiguous, multiplied with einsum's single-threaded row dot
    # products: BLAS's thread pool stalls on a busy machine (10x slower on 2 shared cores).
    work = np.ascontiguousarray(work)
    transposed = np.ascontiguousarray(work.T)
    size = work.shape[1]
    steps = min(SPECTRAL_MAX_ITERATIONS, size)
    basis = np.zeros((steps + 1, size))
    start = np.random.default_rng(_PROJECTION_SEED).standard_normal(size)
    basis[0] = start / np.linalg.norm(start)
    alphas: list[float] = []
    betas: list[float] = []
    theta = 0.0
    for step in range(steps):
        vector = basis[step].astype(np.float32)
        image = np.einsum("ij,j->i", transposed, np.einsum("ij,j->i", work, vector))
        image = image.astype(np.float64)
        alphas.append(float(image @ basis[step]))
        done = basis[: step + 1]
        for _ in range(2):  # twice is enough (Kahan-Parlett)
            image -= done.T @ (done @ image)
        beta = float(np.linalg.norm(image))
        tridiagonal = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        values, vectors = np.linalg.eigh(tridiagonal)
        theta = max(float(values[-1]), 0.0)
        residual = abs(beta * float(vectors[-1, -1]))
        if theta == 0.0 or residual <= SPECTRAL_TOLERANCE * theta or beta <= 1e-12 * theta:
            return (math.sqrt(theta), step + 1, True)
        betas.append(beta)
        basis[step + 1] = image / beta
    return (math.sqrt(theta), steps, False)


def tensor_stats(
    blocks: Iterable[np.ndarray],
    shape: tuple[int, ...],
    per_unit: bool = False,
    spectral_matrix: np.ndarray | None = None,
) -> VariableStats:
    """Statistics of a tensor of ``shape`` given as row blocks along its first axis.

    ``spectral_matrix``: the whole kernel already in memory, as a 2-D array, when its
    spectral norm should be computed. ``per_unit`` on a vector (a bias) treats each element
    as one unit's column.
    """
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if per_unit and len(shape) == 1:
        # A bias: one row holding every unit (biases are small, so read whole).
        blocks = [np.concatenate([np.array(b).reshape(-1) for b in blocks]).reshape(1, -1)]
        shape = (1, shape[0])
    columns = int(shape[-1]) if len(shape) >= 2 else 1
    accumulator = TensorAccumulator(count, columns, per_unit=per_unit and len(shape) >= 2)
    for block in blocks:
        accumulator.add(np.asarray(block))
    spectral = None
    if spectral_matrix is not None:
        estimate, iterations, converged = spectral_norm(spectral_matrix)
        if math.isfinite(estimate):
            spectral = (estimate, float(iterations), converged)
    return accumulator.finish(spectral)


def row_step(shape: tuple[int, ...]) -> int:
    """Rows of the first axis per block, so that a block holds about :data:`BLOCK_ELEMENTS`."""
    if not shape:
        return 1
    per_row = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
    return max(1, BLOCK_ELEMENTS // max(1, per_row))


def array_blocks(array: np.ndarray) -> Iterable[np.ndarray]:
    """Row blocks of an in-memory array."""
    if array.ndim == 0:
        yield array.reshape(1)
        return
    step = row_step(tuple(array.shape))
    for start in range(0, array.shape[0], step):
        yield array[start : start + step]
