"""kpis.monthly / weekday_hour against per-customer loops and pandas pivots."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from rfm import kpis


def _tx(seed: int = 0, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-11-15")
    days = rng.integers(0, 200, n)
    days[(days >= 70) & (days < 110)] += 40  # February 2024 gets no orders
    return pd.DataFrame(
        {
            "CustomerID": rng.integers(1, 80, n),
            "InvoiceDate": start + pd.to_timedelta(days * 24 * 60 + rng.integers(0, 1440, n),
                                                   unit="min"),
            "Quantity": rng.integers(1, 5, n),
            "UnitPrice": rng.gamma(2, 5, n).round(2),
        }
    )


def test_monthly_against_per_customer_first_month() -> None:
    tx = _tx()
    before = tx.copy(deep=True)
    got = kpis.monthly(tx)

    first: dict[int, pd.Period] = {}
    buyers: dict[pd.Period, set[int]] = defaultdict(set)
    revenue: dict[pd.Period, float] = defaultdict(float)
    for cust, when, qty, price in tx.itertuples(index=False):
        month = pd.Period(when, freq="M")
        first[cust] = min(first.get(cust, month), month)
        buyers[month].add(cust)
        revenue[month] += qty * price
    new = pd.Series(list(first.values())).value_counts()

    months = pd.period_range(min(buyers), max(buyers), freq="M")
    assert list(got.index) == list(months)
    for m in months:
        assert got.loc[m, "active_customers"] == len(buyers.get(m, ()))
        assert got.loc[m, "new_customers"] == new.get(m, 0)
        assert got.loc[m, "revenue"] == pytest.approx(revenue.get(m, 0.0), rel=1e-12)
    assert got["new_customers"].sum() == tx["CustomerID"].nunique()
    gap = got[got["active_customers"] == 0]
    assert len(gap) >= 1 and gap["new_customer_ratio"].isna().all()
    busy = got[got["active_customers"] > 0]
    np.testing.assert_allclose(
        busy["new_customer_ratio"], busy["new_customers"] / busy["active_customers"]
    )
    pd.testing.assert_frame_equal(tx, before)


def test_monthly_counts_customers_not_rows() -> None:
    # one customer, one invoice of three lines: one new customer (seed 001 would say 3)
    tx = pd.DataFrame(
        {"CustomerID": [7, 7, 7], "InvoiceDate": pd.to_datetime(["2024-05-02"] * 3),
         "Quantity": [1, 2, 3], "UnitPrice": [1.0, 1.0, 1.0]}
    )
    got = kpis.monthly(tx)
    assert got["new_customers"].tolist() == [1]
    assert got["revenue"].tolist() == [6.0]


def test_a_return_alone_makes_no_buyer_of_its_month() -> None:
    """Kept returns (lines worth less than 0) reduce their month's revenue but make no
    buyer, as the RFM table counts them: customer 2 only returns in June (not active
    then) and bought first in May; customer 3 only returns (never active, never new);
    customer 4 buys and returns in June (active). Counts and sums written by hand, in
    memory and on Dask (two partitions, customer 2's lines in both)."""
    dd = pytest.importorskip("dask.dataframe")
    tx = pd.DataFrame({
        "CustomerID": [1, 2, 2, 3, 4, 4, 1],
        "InvoiceDate": pd.to_datetime(["2024-05-03", "2024-05-10", "2024-06-04",
                                       "2024-06-05", "2024-06-06", "2024-06-07",
                                       "2024-06-20"]),
        "Quantity": [1, 2, -1, -3, 4, -1, 1],
        "UnitPrice": [10.0, 5.0, 5.0, 2.0, 1.0, 1.0, 3.0],
    })  # fmt: skip
    months = pd.period_range("2024-05", "2024-06", freq="M", name="month")
    expected = pd.DataFrame({"revenue": [20.0, -5.0 - 6.0 + 4.0 - 1.0 + 3.0],
                             "active_customers": [2, 2], "new_customers": [2, 1]},
                            index=months)  # fmt: skip
    for got in (kpis.monthly(tx), kpis.monthly(dd.from_pandas(tx, npartitions=2))):
        pd.testing.assert_frame_equal(got[list(expected.columns)], expected,
                                      check_dtype=False)  # fmt: skip


def test_weekday_hour_against_pivot_table() -> None:
    tx = _tx(1)
    got = kpis.weekday_hour(tx)
    ref = (
        tx.assign(rev=tx["Quantity"] * tx["UnitPrice"],
                  d=tx["InvoiceDate"].dt.day_of_week, h=tx["InvoiceDate"].dt.hour)
        .pivot_table(index="d", columns="h", values="rev", aggfunc="sum", fill_value=0.0)
        .reindex(index=range(7), columns=range(24), fill_value=0.0)
    )
    assert got.shape == (7, 24)
    assert list(got.index) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12)


def test_amount_column_and_bad_input() -> None:
    tx = _tx(2).assign(Total=lambda d: d["Quantity"] * d["UnitPrice"])
    pd.testing.assert_frame_equal(kpis.monthly(tx, amount="Total"), kpis.monthly(tx))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['Price'\]"):
        kpis.monthly(tx, price="Price")
    with pytest.raises(ValueError, match="missing id"):
        kpis.monthly(tx.assign(CustomerID=tx["CustomerID"].where(tx.index > 0)))
    with pytest.raises(ValueError, match="do not parse"):
        kpis.weekday_hour(tx.assign(InvoiceDate="someday"))
    with pytest.raises(ValueError, match="empty"):
        kpis.monthly(tx.iloc[:0])
