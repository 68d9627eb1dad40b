"""Kept returns (``allow_negative=True``) reduce a customer's spend only: they are no
order and no purchase. Expected values are written by hand or computed with plain pandas
on the purchase lines (lines worth 0 or more), never with our own code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm.table import rfm_table

dd = pytest.importorskip("dask.dataframe")

BACKENDS = ["numpy", "numba"]


def _lines() -> pd.DataFrame:
    """Customer 10001 bought once (6.50) and returned two items (2 × 3.50) on a credit
    note of its own; 10002 only returned (the purchase came before the data); 10003 bought
    and returned on one invoice; 10004 bought last, on 2011-12-09 12:00."""
    rows = [
        ("536500", "2011-01-12 10:00", 1, 6.50, 10001),
        ("C580000", "2011-12-01 12:00", -2, 3.50, 10001),
        ("C580001", "2011-11-20 12:00", -1, 4.00, 10002),
        ("580002", "2011-12-05 09:00", 2, 5.00, 10003),
        ("580002", "2011-12-05 09:00", -1, 5.00, 10003),
        ("540998", "2011-06-01 08:00", 3, 2.00, 10004),
        ("540999", "2011-12-09 12:00", 1, 3.00, 10004),
    ]
    df = pd.DataFrame(rows, columns=["InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice",
                                     "CustomerID"])  # fmt: skip
    return df.assign(InvoiceDate=pd.to_datetime(df["InvoiceDate"]))


def _check_by_hand(t: pd.DataFrame) -> None:
    # the snapshot: 24 hours after the last purchase, 2011-12-09 12:00
    assert t.attrs["snapshot"] == pd.Timestamp("2011-12-10 12:00")
    assert list(t.index) == [10001, 10003, 10004]  # 10002 has no purchase: left out
    assert t.attrs["returns_only_customers"] == 1
    one = t.loc[10001]
    # 2011-01-12 10:00 to 2011-12-10 12:00: 332 days and 2 hours (the return's date,
    # 2011-12-01, does not count)
    assert one["recency"] == 332 and one["tenure_days"] == 332
    assert one["frequency"] == 1  # the credit note is no order
    assert one["monetary"] == pytest.approx(6.50 - 2 * 3.50)
    assert one["last_purchase"] == one["first_purchase"] == pd.Timestamp("2011-01-12 10:00")
    mixed = t.loc[10003]  # one invoice with a line bought and a line returned: one order
    assert mixed["frequency"] == 1 and mixed["recency"] == 5  # 2011-12-05 09:00 → 12-10 12:00
    assert mixed["monetary"] == pytest.approx(2 * 5.00 - 5.00)
    assert t.loc[10004, "frequency"] == 2 and t.loc[10004, "monetary"] == pytest.approx(9.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_kept_return_is_no_order_nor_last_purchase(backend: str) -> None:
    df = _lines()
    before = df.copy(deep=True)
    _check_by_hand(rfm_table(df, allow_negative=True, backend=backend))
    pd.testing.assert_frame_equal(df, before)  # the input is left unchanged


@pytest.mark.parametrize("compute", [True, False])
@pytest.mark.parametrize("npartitions", [1, 3])
def test_on_dask_a_kept_return_is_no_order_nor_last_purchase(npartitions: int,
                                                             compute: bool) -> None:
    ddf = dd.from_pandas(_lines(), npartitions=npartitions)
    t = rfm_table(ddf, allow_negative=True, compute=compute)
    if compute:
        _check_by_hand(t)
    else:  # each partition without the customers of returns alone
        t = t.compute().sort_index()
        assert list(t.index) == [10001, 10003, 10004]
        assert t.loc[10001, "recency"] == 332 and t.loc[10001, "frequency"] == 1


def _with_returns(seed: int, ids: str) -> pd.DataFrame:
    """Random order lines, a fifth of them returned on credit notes of their own (some
    customers return everything), and some invoices holding a line returned."""
    rng = np.random.default_rng(seed)
    n = 600
    cust = rng.integers(0, 60, n)
    df = pd.DataFrame({
        "CustomerID": [f"C{c:03d}" for c in cust] if ids == "str" else 100 + cust * 3,
        "InvoiceNo": [f"I{c}-{k}" for c, k in zip(cust, rng.integers(0, 8, n), strict=True)],
        "InvoiceDate": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(rng.integers(0, 300 * 24 * 60, n), unit="min"),
        "TotalAmount": rng.gamma(2.0, 10.0, n).round(2),
    })  # fmt: skip
    back = df.sample(frac=0.2, random_state=seed)
    back = back.assign(InvoiceNo="C" + back["InvoiceNo"], TotalAmount=-back["TotalAmount"],
                       InvoiceDate=back["InvoiceDate"] + pd.Timedelta(days=20))  # fmt: skip
    alone = pd.DataFrame({"CustomerID": ["Z1", "Z2"] if ids == "str" else [1, 2],
                          "InvoiceNo": ["CZ1", "CZ2"],
                          "InvoiceDate": pd.to_datetime(["2024-05-01", "2024-12-30"]),
                          "TotalAmount": [-5.0, -7.5]})  # fmt: skip
    df = pd.concat([df, back, alone], ignore_index=True)
    mixed = rng.random(len(df)) < 0.05  # lines returned on a purchase invoice
    df.loc[mixed & (df["TotalAmount"] > 0), "TotalAmount"] *= -1
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _reference(df: pd.DataFrame) -> pd.DataFrame:
    """Plain pandas: dates and distinct invoices of the purchase lines, spend of every line,
    customers who bought something."""
    buy = df[df["TotalAmount"] >= 0].groupby("CustomerID")
    first, last = buy["InvoiceDate"].min(), buy["InvoiceDate"].max()
    freq = buy["InvoiceNo"].nunique()
    money = df.groupby("CustomerID")["TotalAmount"].sum().reindex(last.index)
    snapshot = last.max() + pd.Timedelta(days=1)
    return pd.DataFrame({
        "recency": (snapshot - last).dt.days, "frequency": freq, "monetary": money,
        "first_purchase": first, "last_purchase": last,
        "tenure_days": (snapshot - first).dt.days, "avg_order_value": money / freq,
    })  # fmt: skip


@pytest.mark.parametrize("ids", ["str", "int"])
@pytest.mark.parametrize("seed", [0, 1])
def test_kept_returns_in_memory_numpy_numba_and_dask_equal_pandas(seed: int, ids: str) -> None:
    df = _with_returns(seed, ids)
    want = _reference(df)
    n_alone = df["CustomerID"].nunique() - len(want)
    assert n_alone >= 2  # the two customers of returns alone, at least
    tables = [rfm_table(df, amount="TotalAmount", allow_negative=True, backend=b)
              for b in BACKENDS]  # fmt: skip
    tables += [rfm_table(dd.from_pandas(df, npartitions=p), amount="TotalAmount",
                         allow_negative=True) for p in (1, 4)]  # fmt: skip
    for got in tables:
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12,
                                      check_names=False, check_dtype=False)  # fmt: skip
        assert got.attrs["returns_only_customers"] == n_alone
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)  # twins, to the bit


def test_lines_that_are_all_returns_are_refused() -> None:
    df = _lines()
    df = df[df["Quantity"] < 0]
    for frame in (df, dd.from_pandas(df, npartitions=2)):
        with pytest.raises(ValueError, match="every order line is a return"):
            rfm_table(frame, allow_negative=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_returns_allowing_them_changes_nothing(backend: str) -> None:
    df = _lines()
    df = df[df["Quantity"] > 0]
    got = rfm_table(df, allow_negative=True, backend=backend)
    want = rfm_table(df, backend=backend)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs


def test_orders_between_two_dates_count_purchases_only() -> None:
    """The migration's orders between two dates: distinct invoices with a purchase line
    (0 or more) by the later date less those by the earlier, counted with pandas; a
    credit note between the dates is none."""
    from rfm.migration import migration

    df = _with_returns(0, "str")
    before, after = pd.Timestamp("2024-06-30"), pd.Timestamp("2024-10-31")
    moved = migration(df, before=before, after=after, amount="TotalAmount",
                      allow_negative=True).customers  # fmt: skip
    bought = df[df["TotalAmount"] >= 0]

    def orders_by(day: pd.Timestamp) -> pd.Series:
        lines = bought[bought["InvoiceDate"] < day + pd.Timedelta(days=1)]
        return lines.groupby("CustomerID")["InvoiceNo"].nunique()

    later, earlier = orders_by(after), orders_by(before)
    want = later.sub(earlier.reindex(later.index, fill_value=0))
    got = moved["orders_between"].dropna().astype(int)
    assert sorted(got.index) == sorted(want.index)
    assert (got.sort_index() == want.sort_index()).all()


def test_lines_all_returns_are_refused_on_dask_without_computing_too() -> None:
    """compute=False: order lines that are all returns are refused when the table is
    computed, as in memory (they gave an empty table, silently)."""
    dd = pytest.importorskip("dask.dataframe")
    tx = pd.DataFrame({"cust": ["a", "b"], "when": pd.to_datetime(["2024-01-02", "2024-01-03"]),
                       "amount": [-4.0, -2.5]})  # fmt: skip
    with pytest.raises(ValueError, match="every order line is a return"):
        rfm_table(tx, customer="cust", date="when", amount="amount", invoice=None,
                  allow_negative=True)  # fmt: skip
    lazy = rfm_table(dd.from_pandas(tx, npartitions=2), customer="cust", date="when",
                     amount="amount", invoice=None, allow_negative=True, compute=False)
    with pytest.raises(ValueError, match="every order line is a return"):
        lazy.compute()


def test_the_spend_of_customers_of_returns_alone_is_kept_beside_the_table() -> None:
    """attrs["returns_only_spend"]: those customers' returns, by id, as pandas sums them
    (in memory with both backends, and on Dask)."""
    dd = pytest.importorskip("dask.dataframe")
    tx = pd.DataFrame({"cust": ["a", "b", "b", "c", "a"],
                       "when": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04",
                                               "2024-01-05", "2024-01-06"]),
                       "amount": [10.0, -4.0, -2.5, -1.25, -3.0]})  # fmt: skip
    expected = {"b": -6.5, "c": -1.25}
    kw = dict(customer="cust", date="when", amount="amount", invoice=None, allow_negative=True)
    tables = [rfm_table(tx, backend=b, **kw) for b in ("numpy", "numba")]
    tables.append(rfm_table(dd.from_pandas(tx, npartitions=2), **kw))
    for table in tables:
        assert list(table.index) == ["a"] and table.attrs["returns_only_customers"] == 2
        assert table.attrs["returns_only_spend"] == expected
