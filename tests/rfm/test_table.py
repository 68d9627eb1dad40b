"""rfm_table against a plain pandas groupby reference, twins, snapshots and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfm._grouping.aggregate import aggregate
from rfm.table import rfm_table


def _transactions(seed: int, n: int = 400, n_cust: int = 40, kind: str = "str") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_cust, n)
    if kind == "str":
        ids = pd.Series([f"C{c:04d}" for c in cust])
    elif kind == "int":
        ids = pd.Series(1000 + cust * 7)
    else:  # categorical with unused categories, not in sorted order
        cats = [f"K{c}" for c in range(n_cust + 5)][::-1]
        ids = pd.Series(pd.Categorical([f"K{c}" for c in cust], categories=cats))
    return pd.DataFrame(
        {
            "CustomerID": ids,
            # invoices belong to one customer each (as in real data)
            "InvoiceNo": [f"I{c}-{k}" for c, k in zip(cust, rng.integers(0, 6, n), strict=True)],
            "InvoiceDate": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 400 * 24 * 60, n), unit="min"),
            "Quantity": rng.integers(1, 6, n),
            "UnitPrice": rng.gamma(2.0, 10.0, n).round(2),
        }
    ).assign(TotalAmount=lambda d: d["Quantity"] * d["UnitPrice"])


def _reference(df: pd.DataFrame, snapshot: pd.Timestamp, invoice: str | None) -> pd.DataFrame:
    """Plain pandas: groupby per customer, no code of ours. Without an invoice column an
    order is a purchase day: distinct calendar days per customer."""
    g = df.assign(day=df["InvoiceDate"].dt.normalize()).groupby("CustomerID", observed=True)
    last = g["InvoiceDate"].max()
    first = g["InvoiceDate"].min()
    freq = g[invoice].nunique() if invoice else g["day"].nunique()
    money = g["TotalAmount"].sum()
    return pd.DataFrame(
        {
            "recency": (snapshot - last).dt.days,
            "frequency": freq,
            "monetary": money,
            "first_purchase": first,
            "last_purchase": last,
            "tenure_days": (snapshot - first).dt.days,
            "avg_order_value": money / freq,
        }
    )


@pytest.mark.parametrize("kind", ["str", "int", "cat"])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("invoice", ["InvoiceNo", None])
def test_equals_pandas_groupby(kind: str, backend: str, invoice: str | None) -> None:
    df = _transactions(1, kind=kind)
    before = df.copy(deep=True)
    got = rfm_table(df, invoice=invoice, amount="TotalAmount", backend=backend)
    snapshot = df["InvoiceDate"].max() + pd.Timedelta(days=1)
    ref = _reference(df, snapshot, invoice)
    if kind == "cat":  # groupby keeps category order; unused categories give no rows
        assert len(got) == df["CustomerID"].nunique()
    pd.testing.assert_frame_equal(got, ref, check_dtype=False, check_names=False,
                                  check_index_type=False, check_categorical=False, rtol=1e-12)
    assert got.index.name == "CustomerID"
    assert got.attrs["snapshot"] == snapshot
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("kind", ["str", "int", "cat"])
def test_many_partitions_same_table(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny partitions (many of them) change nothing: same table as the numpy twin."""
    pytest.importorskip("pyarrow")
    import rfm._grouping.aggregate_numba

    df = _transactions(8, n=3000, n_cust=300, kind=kind)
    if kind == "str":
        df = df.astype({"CustomerID": "string[pyarrow]", "InvoiceNo": "string[pyarrow]"})
    expected = rfm_table(df, invoice="InvoiceNo", backend="numpy")
    monkeypatch.setattr(rfm._grouping.aggregate_numba, "ROWS_PER_PARTITION", 16)
    got = rfm_table(df, invoice="InvoiceNo", backend="numba")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)  # twins agree to the bit
    ref = _reference(df, df["InvoiceDate"].max() + pd.Timedelta(days=1), "InvoiceNo")
    assert got.index.tolist() == ref.index.tolist()
    np.testing.assert_array_equal(got["frequency"], ref["frequency"])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_sliced_frame_and_shared_invoices(backend: str) -> None:
    """A row slice (Arrow arrays at an offset) and invoice numbers that several customers
    share (each customer counts them once) against the groupby reference."""
    pytest.importorskip("pyarrow")
    df = _transactions(9, n=2000, n_cust=150).astype(
        {"CustomerID": "string[pyarrow]", "InvoiceNo": "string[pyarrow]"}
    )
    df.loc[df.index % 7 == 0, "InvoiceNo"] = "SHARED"
    sub = df.iloc[37:1900]
    assert sub["CustomerID"].array._pa_array.chunk(0).offset == 37
    assert sub.loc[sub["InvoiceNo"] == "SHARED", "CustomerID"].nunique() > 50
    got = rfm_table(sub, invoice="InvoiceNo", backend=backend)
    ref = _reference(sub, sub["InvoiceDate"].max() + pd.Timedelta(days=1), "InvoiceNo")
    pd.testing.assert_frame_equal(got, ref, check_dtype=False, check_names=False,
                                  check_index_type=False, rtol=1e-12)


def test_quantity_times_price_and_default_columns() -> None:
    df = _transactions(2)
    a = rfm_table(df, invoice="InvoiceNo", quantity="Quantity", price="UnitPrice")
    b = rfm_table(df, invoice="InvoiceNo")  # finds TotalAmount
    c = rfm_table(df.drop(columns="TotalAmount"), invoice="InvoiceNo")  # Quantity × UnitPrice
    ref = _reference(df, df["InvoiceDate"].max() + pd.Timedelta(days=1), "InvoiceNo")
    for got in (a, b, c):
        np.testing.assert_allclose(got["monetary"], ref["monetary"], rtol=1e-12)


def test_no_money_columns_is_a_clear_error() -> None:
    df = _transactions(2)[["CustomerID", "InvoiceDate", "Quantity"]]
    with pytest.raises(ValueError, match=r"amount=.*columns found"):
        rfm_table(df)
    with pytest.raises(ValueError, match="go together"):
        rfm_table(df, quantity="Quantity")


def _random_keys(rng: np.random.Generator, n_distinct: int, m: int) -> tuple[np.ndarray, ...]:
    """``m`` rows drawn from ``n_distinct`` random (hi, lo) keys, every key used; ``hi``
    shared by several keys (so order is decided by ``lo``) or constant when n is small."""
    hi = rng.integers(0, 3, n_distinct).astype(np.uint64) << np.uint64(62)
    # distinct, spread over all 64 bits (× an odd constant is a bijection mod 2**64)
    lo = rng.choice(1 << 20, n_distinct, replace=False).astype(np.uint64) * np.uint64(
        0x9E3779B97F4A7C15
    )
    which = rng.permutation(np.r_[np.arange(n_distinct), rng.integers(0, n_distinct, m)])
    return hi[which], lo[which], which


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 80),
    n_cust=st.integers(1, 9),
    n_inv=st.integers(1, 12),
    bits=st.integers(0, 4),
)
def test_numba_and_numpy_twins_agree(seed: int, n: int, n_cust: int, n_inv: int,
                                     bits: int) -> None:
    """Any number of partitions; invoices shared by several customers count for each."""
    from rfm._grouping.aggregate import aggregate_numba

    rng = np.random.default_rng(seed)
    c_hi, c_lo, cust = _random_keys(rng, n_cust, n)
    m = cust.shape[0]
    i_hi, i_lo, inv = _random_keys(rng, n_inv, m - n_inv) if m >= n_inv else (None,) * 3
    ticks = rng.integers(-(10**12), 10**12, m)
    amounts = rng.normal(size=m)
    for invoices in ((i_hi, i_lo), None) if inv is not None else (None,):
        a = aggregate((c_hi, c_lo), invoices, ticks, amounts, backend="numpy")
        b = aggregate((c_hi, c_lo), invoices, ticks, amounts, backend="numba")
        c = aggregate_numba((c_hi, c_lo), invoices, ticks, amounts, bits=bits)
        for other in (b, c):
            for name in ("row", "first", "last", "frequency"):
                np.testing.assert_array_equal(getattr(a, name), getattr(other, name))
            np.testing.assert_array_equal(a.monetary, other.monetary)  # same order of adds
        # and both against a direct loop over the customers in key order
        order = sorted(range(n_cust), key=lambda k: (c_hi[cust == k][0], c_lo[cust == k][0]))
        for pos, k in enumerate(order):
            rows = np.flatnonzero(cust == k)
            assert a.row[pos] == rows[0]
            assert a.first[pos] == ticks[rows].min() and a.last[pos] == ticks[rows].max()
            expect = len(set(inv[rows])) if invoices is not None else len(rows)
            assert a.frequency[pos] == expect
            assert a.monetary[pos] == pytest.approx(amounts[rows].sum(), rel=1e-12, abs=1e-12)


def test_thread_count_does_not_change_the_table() -> None:
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one numba thread only: nothing to compare")
    df = _transactions(5, n=20_000, n_cust=2000)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = rfm_table(df, invoice="InvoiceNo", backend="numba")
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = rfm_table(df, invoice="InvoiceNo", backend="numba")
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(one, two, rtol=0, atol=0)


def test_snapshot_modes_and_floor_days() -> None:
    df = pd.DataFrame(
        {
            "CustomerID": ["a", "b"],
            "InvoiceDate": pd.to_datetime(["2024-03-01 18:00", "2024-03-10 09:30"]),
            "TotalAmount": [10.0, 20.0],
        }
    )
    r = rfm_table(df, invoice=None, snapshot="max")
    assert list(r["recency"]) == [8, 0]  # 8 days 15.5 hours -> 8 (floor, as .days)
    r = rfm_table(df, invoice=None, snapshot="max+1d")
    assert list(r["recency"]) == [9, 1]
    r = rfm_table(df, invoice=None, snapshot="2024-03-20")
    assert list(r["recency"]) == [18, 9]
    assert list(r["tenure_days"]) == [18, 9]
    with pytest.raises(ValueError, match="before the last purchase"):
        rfm_table(df, invoice=None, snapshot="2024-03-05")
    with pytest.raises(TypeError, match="snapshot"):
        rfm_table(df, invoice=None, snapshot=3.5)


def test_timezone_aware_dates() -> None:
    df = pd.DataFrame(
        {
            "CustomerID": [1, 1, 2],
            "InvoiceDate": pd.to_datetime(
                ["2024-01-01 23:00", "2024-01-05 01:00", "2024-01-03 12:00"]
            ).tz_localize("Europe/London"),
            "TotalAmount": [1.0, 2.0, 3.0],
        }
    )
    r = rfm_table(df, invoice=None, snapshot="max")
    assert list(r["recency"]) == [0, 1]
    assert r["last_purchase"].iloc[0] == df["InvoiceDate"].iloc[1]
    # a date without a zone is that wall-clock time where the orders were made (London
    # midnight): 26 days 23 hours and 28 days 12 hours after the last orders
    assert list(rfm_table(df, invoice=None, snapshot="2024-02-01")["recency"]) == [26, 28]
    naive = df.assign(InvoiceDate=df["InvoiceDate"].dt.tz_localize(None))
    with pytest.raises(ValueError, match="time zones"):  # a zoned date on naive dates
        rfm_table(naive, invoice=None, snapshot="2024-02-01T00:00+01:00")


def test_string_dates_parse_and_bad_ones_are_named() -> None:
    df = pd.DataFrame(
        {"CustomerID": [1, 2, 3], "InvoiceDate": ["2024-01-01", "2024-01-02", "soon"],
         "TotalAmount": [1.0, 2.0, 3.0]}
    )
    with pytest.raises(ValueError, match=r"1 value\(s\) that do not parse.*'soon'"):
        rfm_table(df, invoice=None)
    r = rfm_table(df.iloc[:2], invoice=None)
    assert list(r["recency"]) == [2, 1]
    with pytest.raises(ValueError, match="missing date"):
        rfm_table(df.assign(InvoiceDate=pd.to_datetime(["2024-01-01", None, "2024-01-02"])),
                  invoice=None)


def test_without_an_invoice_column_an_order_is_a_purchase_day() -> None:
    """Two lines of one customer on one day are one order (CDNOW's customer 00002 bought
    twice on 1997-01-12); the day is the local calendar day of zoned times."""
    df = pd.DataFrame(
        {
            "CustomerID": ["00001", "00002", "00002", "00002", "00003", "00003"],
            "InvoiceDate": pd.to_datetime(["1997-01-01 10:00", "1997-01-12 09:00",
                                           "1997-01-12 17:45", "1997-03-01 12:00",
                                           "1997-01-02 23:30", "1997-01-03 00:30"]),
            "TotalAmount": [11.77, 12.00, 77.00, 20.76, 5.0, 6.0],
        }
    )
    r = rfm_table(df, invoice=None)
    assert r["frequency"].tolist() == [1, 2, 2]  # 00003: 23:30 and 00:30 are two days
    assert r["monetary"].tolist() == pytest.approx([11.77, 109.76, 11.0])
    assert r["avg_order_value"].tolist() == pytest.approx([11.77, 54.88, 5.5])
    # zoned: 23:30 in New York and 00:30 the next day in New York are UTC 04:30 and 05:30
    # of one UTC day, but two local days
    zoned = df.assign(InvoiceDate=df["InvoiceDate"].dt.tz_localize("America/New_York"))
    assert rfm_table(zoned, invoice=None)["frequency"].tolist() == [1, 2, 2]
    with pytest.raises(ValueError, match=r"no 'InvoiceNo' column.*invoice=None"):
        rfm_table(df)


def test_negative_amounts_need_opt_in() -> None:
    df = _transactions(4)
    df.loc[3, "TotalAmount"] = -5.0
    before = df.copy(deep=True)
    with pytest.raises(ValueError, match=r"negative.*allow_negative=True"):
        rfm_table(df)
    r = rfm_table(df, allow_negative=True)
    ref = _reference(df, df["InvoiceDate"].max() + pd.Timedelta(days=1), None)
    np.testing.assert_allclose(r["monetary"], ref["monetary"], rtol=1e-12)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("kind", ["str", "int", "cat"])
def test_missing_customer_is_an_error(kind: str) -> None:
    df = _transactions(5, kind=kind)
    df["CustomerID"] = df["CustomerID"].where(df.index != 7)
    with pytest.raises(ValueError, match=r"1 missing id\(s\)"):
        rfm_table(df)


def test_missing_columns_named_and_listed() -> None:
    df = _transactions(6)
    with pytest.raises(ValueError, match=r"\['CustID', 'Invoice'\].*columns found.*CustomerID"):
        rfm_table(df, customer="CustID", invoice="Invoice")


def test_bad_input_types_and_empty() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        rfm_table({"a": [1]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        rfm_table(_transactions(7).iloc[:0])
    with pytest.raises(TypeError, match="numeric"):
        rfm_table(_transactions(7).astype({"TotalAmount": str}))
    with pytest.raises(ValueError, match="missing value"):
        rfm_table(_transactions(7).assign(TotalAmount=np.nan))
    with pytest.raises(ValueError, match="invoice column"):
        rfm_table(_transactions(7).assign(InvoiceNo=None), invoice="InvoiceNo")


@pytest.mark.parametrize(
    ("change", "kwargs", "error"),
    [
        (lambda d: d.assign(TotalAmount=-d["TotalAmount"]), {}, "negative"),
        (lambda d: d.assign(InvoiceDate=d["InvoiceDate"].astype(str).where(d.index > 0, "x")),
         {}, "do not parse"),
        (lambda d: d.assign(CustomerID=d["CustomerID"].where(d.index > 0)), {}, "missing id"),
        (lambda d: d, {"snapshot": "2020-01-01"}, "before the last purchase"),
        (lambda d: d, {"customer": "Customer"}, "missing column"),
    ],
)
def test_bad_input_leaves_the_frame_unchanged(change, kwargs, error) -> None:
    df = change(_transactions(9))
    before = df.copy(deep=True)
    with pytest.raises(ValueError, match=error):
        rfm_table(df, **kwargs)
    pd.testing.assert_frame_equal(df, before)
