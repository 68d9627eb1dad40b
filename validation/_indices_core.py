"""Distances and the two index formulas from their sums: shared by the in-memory indices
of :mod:`validation.indices` and their Dask twins (neither imports the other's module).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ch_ratio", "db_index", "pairwise_distances"]


def pairwise_distances(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and of ``b`` (default ``a``), (m, p).

    Computed from coordinate differences, ``sqrt(sum_f (a_if - b_jf)^2)``, so identical
    rows are exactly 0 apart (the ``‖a‖² + ‖b‖² − 2a·b`` shortcut is not).
    """
    b = a if b is None else b
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def ch_ratio(between: float, within: float, n: int, k: int) -> float:
    """CH = (B / (k - 1)) / (W / (n - k)), with the W = 0 cases explained above."""
    if within == 0.0:
        if between == 0.0:
            raise ValueError(
                "Calinski-Harabasz is 0/0: all points are identical. There is nothing to "
                "separate."
            )
        return float("inf")
    return between * (n - k) / (within * (k - 1))


def db_index(spread: np.ndarray, cent: np.ndarray) -> float:
    """DB from each cluster's mean distance to its centroid and the centroids."""
    sep = pairwise_distances(cent)
    num = spread[:, None] + spread[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sep > 0, num / sep, np.where(num > 0, np.inf, 0.0))
    np.fill_diagonal(ratio, -np.inf)
    return float(ratio.max(axis=1).mean())
