"""The dense-id numba kernel (rfm._grouping.dense_numba) against a plain Python loop.

The reference walks the rows once with a dict per customer: first row, first and last
tick, spend added in row order (so bit-identical to the kernel's sums), and the set of
distinct invoice keys.
"""

from __future__ import annotations

import numpy as np
import pytest

from rfm._grouping.aggregate import aggregate_numba, dense_range


def brute_force(c_lo, i_hi, i_lo, ticks, amounts, has_inv: bool) -> list[tuple]:
    seen: dict[int, dict] = {}
    for r in range(len(c_lo)):
        c = int(c_lo[r])
        s = seen.setdefault(c, {"row": r, "first": ticks[r], "last": ticks[r], "spend": 0.0,
                                "invoices": set(), "lines": 0})  # fmt: skip
        s["first"], s["last"] = min(s["first"], ticks[r]), max(s["last"], ticks[r])
        s["spend"] += float(amounts[r])
        s["lines"] += 1
        if has_inv:
            s["invoices"].add((int(i_hi[r]), int(i_lo[r])))
    return [
        (s["row"], s["first"], s["last"], s["spend"],
         len(s["invoices"]) if has_inv else s["lines"])
        for _, s in sorted(seen.items())
    ]  # fmt: skip


@pytest.mark.parametrize(("n", "n_cust", "n_inv"), [(1, 1, 1), (37, 5, 9), (1003, 61, 300),
                                                   (40_001, 3_001, 9_000)])  # fmt: skip
@pytest.mark.parametrize("has_inv", [True, False])
def test_dense_kernel_equals_a_python_loop(n: int, n_cust: int, n_inv: int, has_inv: bool):
    rng = np.random.default_rng(n)
    c_lo = (rng.integers(0, n_cust, n) + 1000).astype(np.uint64)
    c_lo[0] = c_lo[-1]  # the customer of row 0 has several rows (when n > 1)
    i_lo = rng.integers(0, n_inv, n).astype(np.uint64)
    i_hi = rng.integers(0, 2, n).astype(np.uint64)  # same low word, other high word
    ticks = rng.integers(-(10**12), 10**12, n).astype(np.int64)
    amounts = rng.gamma(2.0, 20.0, n)
    zeros = np.zeros(n, dtype=np.uint64)
    assert dense_range((zeros, c_lo)) is not None  # the kernel under test
    got = aggregate_numba((zeros, c_lo), (i_hi, i_lo) if has_inv else None, ticks, amounts)
    expected = brute_force(c_lo, i_hi, i_lo, ticks, amounts, has_inv)
    assert list(zip(*(a.tolist() for a in got), strict=True)) == expected


def test_one_customer_with_many_invoices_fills_a_partition_table() -> None:
    # 30,000 rows of 1 customer: one partition, its invoice table probed with wrap-around
    n = 30_000
    rng = np.random.default_rng(1)
    c_lo = np.full(n, 7, dtype=np.uint64)
    i_lo = rng.integers(0, 20_000, n).astype(np.uint64)
    i_hi = rng.integers(0, 2, n).astype(np.uint64)  # pairs that differ in the high word only
    ticks = np.arange(n, dtype=np.int64)[::-1].copy()
    amounts = np.ones(n)
    zeros = np.zeros(n, dtype=np.uint64)
    got = aggregate_numba((zeros, c_lo), (i_hi, i_lo), ticks, amounts)
    distinct = len(set(zip(i_hi.tolist(), i_lo.tolist(), strict=True)))
    assert [a.tolist() for a in got] == [[0], [0], [n - 1], [float(n)], [distinct]]


def test_invoices_differing_only_in_the_high_word_are_two_orders_even_in_one_slot() -> None:
    # A customer's 2 rows make one partition with a 16-slot invoice table. Pick low words
    # L whose keys (0, L) and (1, L) start at the same slot, so the second one is compared
    # with the first: they are still two invoices.
    from kmeans_np.jit import load_kernels

    pair_hash = load_kernels("rfm._grouping.hash_numba").pair_hash

    def slot(hi: int, lo: int) -> int:
        return int(pair_hash(np.int64(0), np.uint64(hi), np.uint64(lo))) & 15

    same_slot = [lo for lo in range(2000) if slot(0, lo) == slot(1, lo)][:5]
    assert len(same_slot) == 5
    zeros = np.zeros(2, dtype=np.uint64)
    for lo in same_slot:
        inv = (np.array([0, 1], dtype=np.uint64), np.array([lo, lo], dtype=np.uint64))
        got = aggregate_numba((zeros, np.array([9, 9], dtype=np.uint64)), inv,
                              np.array([5, 3], dtype=np.int64), np.array([1.5, 2.0]))
        assert [a.tolist() for a in got] == [[0], [3], [5], [3.5], [2]]
