"""Distinct rows with their weights: why the fits run on far fewer rows, two twins.

The likelihood of ``n`` customers with the same history ``(x, t_x, T)`` is ``n`` times
one customer's. So the fits sum over the *distinct* rows, each weighted by how many
customers share it — exactly the same log-likelihood. On a day grid a million customers
have a few hundred thousand distinct histories at most; predictions that depend on
``(x, T)`` only are computed once per distinct pair, then spread back with ``inverse``.

Both twins return the distinct rows **sorted lexicographically** (first column, then
the next …), the weights summed in row order and, on request, each row's distinct row:

``numpy`` (the teaching twin)
    every column becomes order-preserving integer codes (whole numbers in a small range
    are their own codes, other values their rank among the column's distinct values),
    the codes combine into one int64 key (mixed radix), and ``np.unique`` finds the
    distinct keys;
``numba`` (:mod:`rfm.clv.distinct_numba`)
    one pass with an open-addressing hash table on the values' bits (rows compared
    exactly), then only the distinct rows are sorted.

Rows are equal when every column is equal as floats (``-0.0`` is ``0.0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kmeans_np.checks import resolve_backend
from kmeans_np.jit import load_kernels

__all__ = ["DistinctRows", "distinct_rows", "distinct_rows_numba", "distinct_rows_numpy"]

#: below this many rows ``backend="auto"`` uses the numpy twin (no compilation wait)
NUMBA_FROM_ROWS = 200_000


@dataclass(frozen=True)
class DistinctRows:
    """The distinct rows of some columns, sorted, with their total weight.

    ``values[k]`` holds column ``k``'s value on each distinct row; ``inverse`` (when
    asked for) maps every original row to its distinct row.
    """

    values: tuple[np.ndarray, ...]
    weight: np.ndarray
    inverse: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.weight)


def _codes(column: np.ndarray) -> tuple[np.ndarray, int]:
    """Order-preserving integer codes of a column, and how many codes there can be."""
    if len(column):
        lo, hi = column.min(), column.max()
        if hi - lo < 1 << 24 and np.array_equal(column, np.floor(column)):
            return (column - lo).astype(np.int64), int(hi - lo) + 1
    uniques, codes = np.unique(column, return_inverse=True)
    return codes.astype(np.int64, copy=False).reshape(-1), len(uniques)


def distinct_rows_numpy(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Teaching twin: ``(first row of each distinct row, sorted; inverse)``."""
    n = len(columns[0])
    codes, sizes = zip(*(_codes(c) for c in columns), strict=True)
    if float(np.prod([float(s) for s in sizes])) < 2.0**62:
        key = codes[0]
        for c, size in zip(codes[1:], sizes[1:], strict=True):
            key = key * size + c
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return first, inverse.reshape(-1)
    order = np.lexsort(codes[::-1])  # pragma: no cover - more than 2**62 possible rows
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for c in codes:
        change[1:] |= c[order][1:] != c[order][:-1]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.cumsum(change) - 1
    return np.minimum.reduceat(order, np.flatnonzero(change)), inverse


def distinct_rows_numba(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Fast twin: hash the rows (numba), then sort the distinct ones."""
    stacked = np.ascontiguousarray(np.vstack(columns)) + 0.0  # -0.0 becomes 0.0
    kernel = load_kernels("rfm.clv.distinct_numba").distinct_rows_kernel
    first, inverse = kernel(stacked, stacked.view(np.uint64))
    order = np.lexsort([c[first] for c in columns][::-1])  # distinct rows only
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse]


def distinct_rows(
    *columns: np.ndarray,
    weights: np.ndarray | None = None,
    inverse: bool = False,
    backend: str = "auto",
) -> DistinctRows:
    """The distinct rows of float columns, sorted lexicographically, with weights.

    The weight of a distinct row is the number of rows equal to it, or the sum of their
    ``weights`` (added in row order). ``backend`` chooses the twin (identical results;
    ``"auto"`` is numba from ``NUMBA_FROM_ROWS`` rows on).
    """
    cols = [np.ascontiguousarray(c, dtype=np.float64) for c in columns]
    if len(cols[0]) == 0:
        empty = np.zeros(0)
        return DistinctRows(tuple(empty for _ in cols), empty,
                            np.zeros(0, dtype=np.int64) if inverse else None)
    twin = resolve_backend(backend, n=len(cols[0]), numba_from=NUMBA_FROM_ROWS)
    find = distinct_rows_numba if twin == "numba" else distinct_rows_numpy
    first, inv = find(cols)
    if weights is None:
        weight = np.bincount(inv, minlength=len(first)).astype(np.float64)
    else:
        weight = np.bincount(inv, weights=weights, minlength=len(first))
    values = tuple(c[first] for c in cols)
    return DistinctRows(values, weight, inv if inverse else None)
