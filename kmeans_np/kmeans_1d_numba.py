"""numba kernel for exact 1-D k-means: the dynamic programme with divide-and-conquer.

The fast counterpart of :func:`kmeans_np.kmeans_1d._dp_numpy`; see the module docstring of
:mod:`kmeans_np.kmeans_1d` for the recurrence. Both fill the same tables ``D`` (optimal
costs) and ``B`` (first optimal split points) with the same floating-point expressions, so
they backtrack to the same partition.

**Why divide and conquer works.** Write ``opt_q(j)`` for the smallest split point ``i``
that minimises ``D[q-1, i] + cost(i, j)``. The within-cluster sum of squares of sorted data
satisfies the quadrangle inequality ``cost(a, c) + cost(b, d) <= cost(a, d) + cost(b, c)``
for ``a <= b <= c <= d``, which makes ``opt_q`` non-decreasing in ``j`` (Wang & Song, 2011,
Ckmeans.1d.dp). So after finding ``opt_q(mid)`` for the middle ``j`` of a range by a plain
scan, the left half only needs split points ``<= opt_q(mid)`` and the right half only those
``>= opt_q(mid)``. Each level of the recursion scans O(m) candidates in total, and there are
O(log m) levels: O(m log m) per cluster count instead of O(m²).

Nothing here is compiled at import; the kernels compile on first call and are cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["dp_divide_conquer"]


@njit(cache=True, nogil=True)
def _run_cost(S0: np.ndarray, S1: np.ndarray, S2: np.ndarray, i: int, j: int) -> float:
    """Sum of squared deviations of unique values ``i..j-1`` (weighted), from prefix sums."""
    n = S0[j] - S0[i]
    s = S1[j] - S1[i]
    c = (S2[j] - S2[i]) - s * s / n
    return max(c, 0.0)


@njit(cache=True, nogil=True)
def dp_divide_conquer(
    S0: np.ndarray, S1: np.ndarray, S2: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fill ``D[q, j]`` (best cost of the first ``j`` unique values in ``q`` clusters) and
    ``B[q, j]`` (the smallest optimal start of the last cluster) for ``q = 1..k``.

    Parameters
    ----------
    S0, S1, S2 : ndarray of shape (m + 1,)
        Prefix sums of the weights, weight × value and weight × value², starting at 0.
    k : int
        Number of clusters, ``1 <= k <= m``.

    Returns
    -------
    D : ndarray of shape (k + 1, m + 1), float64 (``inf`` where undefined)
    B : ndarray of shape (k + 1, m + 1), int64
    """
    m = S0.shape[0] - 1
    D = np.full((k + 1, m + 1), np.inf)
    B = np.zeros((k + 1, m + 1), dtype=np.int64)
    for j in range(1, m + 1):
        D[1, j] = _run_cost(S0, S1, S2, 0, j)
    # explicit stack of (j_lo, j_hi, i_lo, i_hi) instead of recursion; ranges halve at each
    # level, so depth-first it never holds more than (levels + 1) <= 65 entries
    stack = np.empty((128, 4), dtype=np.int64)
    for q in range(2, k + 1):
        stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = q, m, q - 1, m - 1
        top = 1
        while top > 0:
            top -= 1
            j_lo, j_hi, i_lo, i_hi = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
            mid = (j_lo + j_hi) // 2
            best_i = -1
            best = np.inf
            for i in range(max(i_lo, q - 1), min(i_hi, mid - 1) + 1):
                cand = D[q - 1, i] + _run_cost(S0, S1, S2, i, mid)
                if cand < best:  # strict: keep the first (smallest) minimiser
                    best = cand
                    best_i = i
            D[q, mid] = best
            B[q, mid] = best_i
            if j_lo <= mid - 1:
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = (
                    j_lo, mid - 1, i_lo, best_i
                )
                top += 1
            if mid + 1 <= j_hi:
                stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = (
                    mid + 1, j_hi, best_i, i_hi
                )
                top += 1
    return D, B
