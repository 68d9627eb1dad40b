r"""Exact, globally optimal k-means in one dimension, by dynamic programming.

In 1-D, k-means need not be a heuristic. Sort the data: some optimal clustering splits the
sorted values into ``k`` *contiguous* runs (if two clusters interleaved, swapping points
between them would lower the sum of squares), and it never splits equal values. So
clustering is choosing ``k - 1`` cut points — and the best cuts follow from a dynamic
programme (Wang & Song, 2011, "Ckmeans.1d.dp").

**Setup.** Let :math:`v_1 < \dots < v_m` be the distinct values with multiplicities
:math:`w_1, \dots, w_m`. With prefix sums :math:`S_0(j) = \sum_{t<j} w_t`,
:math:`S_1(j) = \sum_{t<j} w_t v_t`, :math:`S_2(j) = \sum_{t<j} w_t v_t^2`, the within-run sum of
squares of the values :math:`v_i, \dots, v_{j-1}` is

.. math::

    \mathrm{cost}(i, j) = \Delta S_2 - \frac{(\Delta S_1)^2}{\Delta S_0},
    \qquad \Delta S_r = S_r(j) - S_r(i),

computed in O(1). The values are first shifted by their mean, which leaves every cost
unchanged but keeps :math:`S_2` small, so the subtraction loses little precision.

**Recurrence.** :math:`D[q, j]`, the least cost of putting the first :math:`j` distinct values
into :math:`q` clusters, is

.. math::

    D[1, j] = \mathrm{cost}(0, j), \qquad
    D[q, j] = \min_{q-1 \le i < j} \; D[q-1, i] + \mathrm{cost}(i, j),

and :math:`B[q, j]` records the minimising :math:`i` (where the last cluster starts). The optimal
inertia is :math:`D[k, m]`; walking back :math:`j \leftarrow B[q, j]` from :math:`(k, m)` recovers
the cuts.

**Two implementations, one answer.** ``backend="numpy"`` is the plain O(k·m²) programme,
vectorised over the split point :math:`i` (the teaching version). ``backend="numba"`` computes the
same table in O(k·m·log m) by divide and conquer over :math:`j`, which is valid because the
optimal split point never moves left as :math:`j` grows (see :mod:`kmeans_np.kmeans_1d_numba`).

**Ties.** When several partitions have exactly the same cost, both backends take, at every
step of the walk back, the *smallest* minimising split point :math:`i` — the first minimum, as
``numpy.argmin`` returns it. Read from the top, the last cluster starts as early as possible,
then the one before it, and so on. Example: ``x = [0, 1, 2]`` with ``k = 2`` gives
``{0}, {1, 2}`` rather than the equally good ``{0, 1}, {2}``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from kmeans_np.checks import check_array, check_n_clusters, resolve_backend
from kmeans_np.jit import load_kernels

__all__ = ["KMeans1DResult", "kmeans_1d"]


class KMeans1DResult(NamedTuple):
    """Result of :func:`kmeans_1d`.

    Attributes
    ----------
    labels : ndarray of int64, shape (n,)
        Cluster of each input value, in the input's order; cluster 0 holds the smallest
        values and cluster ``k - 1`` the largest.
    centers : ndarray of float64, shape (k,)
        Cluster means, ascending.
    inertia : float
        Sum of squared distances of the values to their cluster's mean (the minimum possible
        over all clusterings into ``k`` groups).
    """

    labels: np.ndarray
    centers: np.ndarray
    inertia: float


#: ``backend="auto"`` uses the numpy programme below this many distinct values (it is
#: O(k·m²) but compiles nothing; a few milliseconds there), numba from there on
NUMBA_FROM_VALUES = 500


def kmeans_1d(x: Any, n_clusters: int, *, backend: str = "auto") -> KMeans1DResult:
    """Globally optimal k-means of one feature (minimum within-cluster sum of squares).

    Parameters
    ----------
    x : array-like of shape (n,) or (n, 1), pandas Series or one-column DataFrame
        Finite numbers.
    n_clusters : int
        Number of clusters, between 1 and the number of distinct values in ``x``.
    backend : {"auto", "numba", "numpy"}
        ``"numba"``: O(k·m·log m) divide-and-conquer DP for m distinct values.
        ``"numpy"``: the plain O(k·m²) DP, for reading and checking. ``"auto"``: numpy
        below ``NUMBA_FROM_VALUES`` distinct values (nothing to compile), else numba.

    Returns
    -------
    KMeans1DResult
        ``(labels, centers, inertia)``; clusters numbered in increasing value order.

    Examples
    --------
    >>> res = kmeans_1d([1, 2, 10, 11, 20], 3)
    >>> res.labels
    array([0, 0, 1, 1, 2])
    >>> res.centers
    array([ 1.5, 10.5, 20. ])
    >>> res.inertia
    1.0
    """
    resolve_backend(backend)  # check the name before the data
    k = check_n_clusters(n_clusters)
    values = _as_1d(x)
    uniq, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    m = uniq.shape[0]
    backend = resolve_backend(backend, n=m, numba_from=NUMBA_FROM_VALUES)
    if k > m:
        raise ValueError(
            f"n_clusters={k} but x has only {m} distinct value(s); equal values always share "
            f"a cluster, so at most {m} cluster(s) are possible. Ask for fewer clusters."
        )
    w = counts.astype(np.float64)  # each distinct value weighs as often as it occurs
    S0, S1, S2 = _prefix_sums(uniq, w)
    if backend == "numba":
        kernels = load_kernels("kmeans_np.kmeans_1d_numba")
        _, B = kernels.dp_divide_conquer(S0, S1, S2, k)
    else:
        _, B = _dp_numpy(S0, S1, S2, k)
    starts = _backtrack(B, k, m)
    unique_labels = np.repeat(np.arange(k, dtype=np.int64), np.diff(np.append(starts, m)))
    labels = unique_labels[inverse.reshape(-1)]
    centers = np.add.reduceat(w * uniq, starts) / np.add.reduceat(w, starts)
    inertia = float(((values - centers[labels]) ** 2).sum())
    return KMeans1DResult(labels=labels, centers=centers, inertia=inertia)


def _as_1d(x: Any) -> np.ndarray:
    """Validate ``x`` as one feature: shape (n,), (n, 1), a Series or a one-column frame."""
    try:
        ndim = np.ndim(x)
    except Exception:  # ragged input: let check_array word the error
        ndim = 1
    if ndim == 2:
        arr = check_array(x, name="x")
        if arr.shape[1] != 1:
            raise ValueError(
                f"x must be a single feature, shape (n,) or (n, 1), got shape {arr.shape}. "
                "kmeans_1d clusters one column at a time, e.g. kmeans_1d(X[:, j], k)."
            )
        return arr[:, 0]
    return check_array(x, name="x", ensure_2d=False)


def _prefix_sums(
    uniq: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prefix sums of w, w·v, w·v² (each starting with 0) of the mean-shifted values."""
    v = uniq - (w * uniq).sum() / w.sum()
    zero = np.zeros(1)
    S0 = np.concatenate([zero, np.cumsum(w)])
    S1 = np.concatenate([zero, np.cumsum(w * v)])
    S2 = np.concatenate([zero, np.cumsum(w * v * v)])
    return S0, S1, S2


def _run_costs(
    S0: np.ndarray, S1: np.ndarray, S2: np.ndarray, i: Any, j: Any
) -> np.ndarray:
    """cost(i, j) = ΔS2 − (ΔS1)²/ΔS0 for runs of unique values i..j-1 (broadcasts)."""
    n = S0[j] - S0[i]
    s = S1[j] - S1[i]
    c = (S2[j] - S2[i]) - s * s / n
    return np.maximum(c, 0.0)


def _dp_numpy(
    S0: np.ndarray, S1: np.ndarray, S2: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The plain O(k·m²) dynamic programme: for each q and j, scan every split point i.

    Returns the tables ``D`` (costs, ``inf`` where undefined) and ``B`` (first minimising
    split points), both of shape (k + 1, m + 1).
    """
    m = S0.shape[0] - 1
    D = np.full((k + 1, m + 1), np.inf)
    B = np.zeros((k + 1, m + 1), dtype=np.int64)
    D[1, 1:] = _run_costs(S0, S1, S2, 0, np.arange(1, m + 1))
    for q in range(2, k + 1):
        for j in range(q, m + 1):
            i = np.arange(q - 1, j)  # the last cluster is values i..j-1
            candidates = D[q - 1, i] + _run_costs(S0, S1, S2, i, j)
            best = int(np.argmin(candidates))  # first minimum on ties
            D[q, j] = candidates[best]
            B[q, j] = q - 1 + best
    return D, B


def _backtrack(B: np.ndarray, k: int, m: int) -> np.ndarray:
    """Start index (into the unique values) of each of the k clusters, ascending."""
    starts = np.empty(k, dtype=np.int64)
    j = m
    for q in range(k, 0, -1):
        j = int(B[q, j])
        starts[q - 1] = j
    return starts
