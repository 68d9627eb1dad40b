"""Integer customer ids in a dense range take their own numba path: same answers.

The reference is the numpy twin (sort + reduceat, itself checked against pandas in
test_rfm_table.py) for the aggregates, bit for bit, and plain pandas groupby for the
whole table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm._grouping.aggregate import aggregate_numba, aggregate_numpy, dense_range
from rfm.table import rfm_table

SIGN = np.uint64(1 << 63)


def _case(n: int, n_cust: int, n_inv: int, *, shared: bool, seed: int):
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, n_cust, n_inv)
    inv = rng.integers(0, n_inv, n)
    cust = rng.integers(0, n_cust, n) if shared else owner[inv]
    c_lo = (cust.astype(np.int64) - n_cust // 2).view(np.uint64) ^ SIGN  # negative ids too
    ticks = rng.integers(0, 10**9, n).astype(np.int64)
    amounts = rng.gamma(2.0, 20.0, n)
    zeros = np.zeros(n, dtype=np.uint64)
    inv_hi = rng.integers(0, 2, n).astype(np.uint64)  # two-word invoice keys too
    return (zeros, c_lo), (inv_hi, inv.astype(np.uint64)), ticks, amounts


@pytest.mark.parametrize(
    ("n", "n_cust", "n_inv", "shared"),
    [(5, 1, 2, False), (2000, 150, 700, False), (2000, 150, 700, True),
     (60_000, 6_000, 30_000, False), (60_000, 60_000, 100, True)],
)
def test_dense_path_equals_numpy_twin_bit_for_bit(n, n_cust, n_inv, shared):
    cust, inv, ticks, amounts = _case(n, n_cust, n_inv, shared=shared, seed=n)
    assert dense_range(cust) is not None  # the dense path is the one under test
    for invoices in (inv, None):
        expected = aggregate_numpy(cust, invoices, ticks, amounts)
        got = aggregate_numba(cust, invoices, ticks, amounts)
        for name, e, g in zip(expected._fields, expected, got, strict=True):
            np.testing.assert_array_equal(g, e, err_msg=name)


def test_sparse_or_text_ids_do_not_take_the_dense_path():
    zeros = np.zeros(3, dtype=np.uint64)
    assert dense_range((zeros, np.array([1, 5, 10**9], dtype=np.uint64))) is None
    assert dense_range((np.ones(3, dtype=np.uint64), np.arange(3, dtype=np.uint64))) is None


def test_rfm_table_int_ids_equals_pandas():
    rng = np.random.default_rng(7)
    n = 50_000  # above the numba threshold of backend="auto"
    inv = rng.integers(0, 20_000, n)
    owner = rng.integers(1, 4_000, 20_000)
    df = pd.DataFrame(
        {
            "CustomerID": owner[inv],
            "InvoiceNo": inv,
            "InvoiceDate": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s"),
            "TotalAmount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )
    got = rfm_table(df, invoice="InvoiceNo", amount="TotalAmount")
    g = df.groupby("CustomerID")
    snapshot = df["InvoiceDate"].max() + pd.Timedelta(days=1)
    assert got.index.tolist() == sorted(df["CustomerID"].unique().tolist())
    np.testing.assert_array_equal(got["frequency"], g["InvoiceNo"].nunique())
    np.testing.assert_allclose(got["monetary"], g["TotalAmount"].sum(), rtol=1e-12)
    np.testing.assert_array_equal(got["recency"], (snapshot - g["InvoiceDate"].max()).dt.days)
    np.testing.assert_array_equal(got["first_purchase"], g["InvoiceDate"].min())
