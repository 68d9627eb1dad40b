"""value_order: the rows sorted by value, whatever order they came in."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kmeans_np.row_order import value_order


def _rfm_like(n: int, seed: int) -> np.ndarray:
    """Scaled R, F, M with many ties (whole days, few order counts) and equal rows."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 60, n) / 60, rng.integers(1, 5, n) / 4,
                         np.round(rng.lognormal(3, 1, n), 1)])  # fmt: skip
    return np.vstack([X, X[: n // 5]])  # a fifth of the rows twice


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_order_of_the_rows_gives_the_same_sorted_array(seed) -> None:
    X = _rfm_like(3000, seed)
    order = value_order(X)
    assert sorted(order.tolist()) == list(range(len(X)))  # every row once
    ranked = X[order]
    # sorted by value, first column first: each row no greater than the next, compared
    # as Python tuples
    rows = [tuple(r) for r in ranked.tolist()]
    assert all(a <= b for a, b in itertools.pairwise(rows))
    rng = np.random.default_rng(seed + 10)
    for _ in range(3):
        shuffled = X[rng.permutation(len(X))]
        np.testing.assert_array_equal(shuffled[value_order(shuffled)], ranked)
