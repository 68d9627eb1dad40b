r"""What a saved segmentation freezes, and how each frozen part is applied to new customers.

A :class:`rfm.SegmentModel` keeps three learnt maps from one training run; this module
holds them and applies them, with no quantile, scaler or K-means refitted:

**Score cut points** (:class:`FrozenScores`). For each dimension, ``q - 1`` ascending cut
points :math:`c_1 \le \dots \le c_{q-1}`; a value :math:`x` scores

.. math::  s(x) = 1 + \#\{\, j : c_j \le x \,\}

(recency then reversed, :math:`q + 1 - s`, so the most recent score ``q``). A value
beyond the training range simply counts all or none of the cut points: it takes the end
score. The cut points are

* with ``ties="thresholds"``: the training run's own, :math:`c_j = Q(j/q) + 1`
  (:func:`rfm.scoring.threshold_cuts`), so the training customers get exactly their
  training scores;
* with ``ties="first"``: the training run split equal values by row order, which no
  rule on values can repeat. The model scores by value: :math:`c_j` is the next float
  above :math:`M_j`, the largest training value that scored at most :math:`j`, so that
  :math:`c_j \le x \iff x > M_j`: all customers with one value take the score of the
  first of them in the training ranking (the lowest of the scores they were split
  across, counted before recency is reversed: for recency the *highest* R score).
  Training customers whose tied value was split across a boundary move to that score;
  every other training customer keeps its own.

**The scaler** (:class:`FrozenScaler`): per column, an optional ``log1p`` and the affine
map :math:`x' = o + (z - c)\,s` of :mod:`kmeans_np.scaling`, with the training run's
centre :math:`c`, multiplier :math:`s` and offset :math:`o`, evaluated with the same
floating-point operations (so the training customers get bit-identical features).

**Nearest centre** (:func:`nearest_centre`): the K-means centres :math:`\mu_1..\mu_k` in
scaled units; a customer joins :math:`\arg\min_j \lVert x' - \mu_j \rVert^2` (first
centre on ties), computed by K-means' own assignment engine (numpy below 10,000
customers, the numba kernels above; both sum the squares in the same order). K-means
ends every fit with exactly this assignment to its final centres
(:func:`kmeans_np.lloyd.lloyd`), so the training customers keep their clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kmeans_np.checks import resolve_backend
from kmeans_np.lloyd import NUMBA_FROM_SAMPLES, make_engine
from rfm._inputs import RFM_COLUMNS
from rfm.labels import counted, word_list
from rfm.scoring import threshold_cuts

__all__ = ["FrozenScaler", "FrozenScores", "first_cuts", "nearest_centre"]


def first_cuts(values: np.ndarray, scores: np.ndarray, q: int) -> np.ndarray:
    """Cut points that score ``values`` by value after ``ties="first"`` (module docstring):
    ``c_j = nextafter(M_j, +inf)`` with ``M_j`` the largest value scored at most ``j``
    (``scores`` increasing with value, 1..q, recency *not* reversed).

    A level no customer reached below (``M_j`` undefined) gets the smallest value, so
    nothing scores ``j`` or less there.
    """
    cuts = np.empty(q - 1)
    lowest = float(values.min())
    for j in range(1, q):
        below = values[scores <= j]
        cuts[j - 1] = np.nextafter(below.max(), np.inf) if below.size else lowest
    return cuts


@dataclass(frozen=True)
class FrozenScores:
    """Score cut points per dimension (``cuts[dim]``: q − 1 ascending floats).

    ``score(dim, values)`` is ``1 + #{cut points at or below the value}``, recency
    reversed (module docstring).
    """

    q: int
    ties: str
    cuts: dict[str, np.ndarray]

    @classmethod
    def learn(cls, arrays: tuple[np.ndarray, ...], raw_scores: tuple[np.ndarray, ...],
              q: int, ties: str) -> FrozenScores:
        """The cut points of training ``arrays`` (R, F, M values) whose training scores
        (increasing with value) were ``raw_scores``."""
        cuts = {}
        for dim, values, scores in zip(RFM_COLUMNS, arrays, raw_scores, strict=True):
            cuts[dim] = (threshold_cuts(values, q) if ties == "thresholds"
                         else first_cuts(values, scores, q))  # fmt: skip
        return cls(q=int(q), ties=ties, cuts=cuts)

    def score(self, dim: str, values: np.ndarray) -> np.ndarray:
        """Scores 1..q of ``values`` (float64) on dimension ``dim`` (recency reversed)."""
        s = np.searchsorted(self.cuts[dim], values, side="right").astype(np.int64) + 1
        return self.q + 1 - s if dim == "recency" else s


@dataclass(frozen=True)
class FrozenScaler:
    """The fitted scaler as numbers: per column ``log1p`` (bool), ``center``,
    ``multiplier`` and ``offset`` (``x' = offset + (z - center) * multiplier``)."""

    scaling: str
    log1p: np.ndarray
    center: np.ndarray
    multiplier: np.ndarray
    offset: np.ndarray

    @classmethod
    def of(cls, scaler: object, scaling: str) -> FrozenScaler:
        """The numbers of a fitted :class:`kmeans_np.MinMaxScaler` or
        :class:`kmeans_np.StandardScaler`."""
        return cls(
            scaling=scaling,
            log1p=np.asarray(scaler.log1p_mask_, dtype=bool).copy(),
            center=np.array(scaler._center, dtype=np.float64),
            multiplier=np.array(scaler._mult, dtype=np.float64),
            offset=np.array(scaler._offset, dtype=np.float64),
        )

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Scaled features of ``values`` (n, 3) float64; the scaler's own operations."""
        mask = self.log1p
        Z = values
        if mask.any():
            if (values[:, mask] <= -1).any():
                raise ValueError(_outside_log(values, mask, self.scaling))
            Z = values.copy()
            Z[:, mask] = np.log1p(values[:, mask])
        return self.offset + (Z - self.center) * self.multiplier

    def inverse(self, X: np.ndarray) -> np.ndarray:
        """R, F, M values of scaled points (a constant column gives its constant back)."""
        mult = self.multiplier
        safe = np.where(mult != 0, mult, 1.0)
        Z = self.center + np.where(mult != 0, (X - self.offset) / safe, 0.0)
        Z[:, self.log1p] = np.expm1(Z[:, self.log1p])
        return Z


def _outside_log(values: np.ndarray, mask: np.ndarray, scaling: str) -> str:
    """Which logged columns of ``values`` hold -1 or below, for how many customers and how
    low: "monetary is -50 for 1 customer, but ...; clean returns first"."""
    said = []
    for j in np.flatnonzero(mask):
        column = values[:, j]
        n = int(np.count_nonzero(column <= -1))
        if n == 1:
            said.append(f"{RFM_COLUMNS[j]} is {column.min():.10g} for 1 customer")
        elif n:
            said.append(f"{RFM_COLUMNS[j]} is -1 or below for {counted(n)} (as low as "
                        f"{column.min():.10g})")  # fmt: skip
    return (f"{word_list(said)}, but the model's scaling={scaling!r} takes log(1 + x), which "
            "needs values above -1; clean returns first.")


def nearest_centre(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Row of the nearest centre for every row of ``X`` (finite float64, C order), first
    centre on ties: K-means' assignment step, numpy or numba by size."""
    backend = resolve_backend("auto", n=X.shape[0], numba_from=NUMBA_FROM_SAMPLES)
    engine = make_engine(backend, np.ascontiguousarray(X, dtype=np.float64), None)
    return engine.nearest(np.ascontiguousarray(centres, dtype=np.float64))[0].astype(np.int64)
