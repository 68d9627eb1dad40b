"""rfm.clv.summary against hand-worked cases, a plain pandas reference and CDNOW's figures."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _clv_cases import CDNOW_COLUMNS, cdnow_summary

from rfm import Settings, TransactionColumns, rfm_table
from rfm.clv import DataEndWarning, from_lifetimes, summary
from rfm.datasets import make_transactions

AMOUNT = TransactionColumns(amount="TotalAmount", quantity=None, price=None)
DAYS = TransactionColumns(invoice=None, amount="TotalAmount", quantity=None, price=None)


def _lines(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "CustomerID": [c for c, _, _ in rows],
        "InvoiceDate": pd.to_datetime([d for _, d, _ in rows]),
        "TotalAmount": [m for _, _, m in rows],
    })


HAND = _lines([
    # A: three lines on day 1 (one occasion), then days 8 and 15: x = 2
    ("A", "2024-01-01 09:00", 10.0), ("A", "2024-01-01 17:30", 5.0),
    ("A", "2024-01-01 18:00", 1.0), ("A", "2024-01-08 12:00", 20.0),
    ("A", "2024-01-15 08:00", 4.0), ("A", "2024-01-15 09:00", 6.0),
    # B: one day only
    ("B", "2024-01-10 10:00", 7.0), ("B", "2024-01-10 11:00", 3.0),
    # C: first on day 22, again in the holdout period (after 2024-01-29)
    ("C", "2024-01-22 10:00", 8.0), ("C", "2024-02-05 10:00", 2.0),
    ("C", "2024-02-05 12:00", 3.0), ("C", "2024-02-09 12:00", 5.0),
    # D: first purchase only in the holdout: not in the calibration cohort
    ("D", "2024-02-02 10:00", 9.0),
    # A after the observation end: ignored
    ("A", "2024-03-01 10:00", 99.0),
])


def test_hand_worked_case_in_weeks_with_a_holdout() -> None:
    s = summary(HAND, columns=AMOUNT, calibration_end="2024-01-29",
                observation_end="2024-02-12")
    # worked out by hand from the lines above (days / 7)
    expected = pd.DataFrame({
        "x": [2, 0, 0],
        "t_x": [14 / 7, 0.0, 0.0],
        "T": [28 / 7, 19 / 7, 7 / 7],
        "monetary": [(20 + 10) / 2, 0.0, 0.0],
        "x_holdout": [0, 0, 2],
        "monetary_holdout": [0.0, 0.0, (2 + 3 + 5) / 2],
    }, index=pd.Index(["A", "B", "C"], name="CustomerID"))
    pd.testing.assert_frame_equal(s, expected, check_index_type=False)
    assert s.attrs == {
        "unit": "W", "calibration_end": pd.Timestamp("2024-01-29"),
        "observation_end": pd.Timestamp("2024-02-12"), "holdout_length": 2.0,
    }


def test_default_calibration_end_is_the_last_purchase_day_and_units() -> None:
    weeks = summary(HAND, columns=AMOUNT)
    days = summary(HAND, columns=AMOUNT, unit="D")
    months = summary(HAND, columns=AMOUNT, unit="M")
    assert weeks.attrs["calibration_end"] == pd.Timestamp("2024-03-01")
    assert list(weeks.index) == ["A", "B", "C", "D"]
    # A: days 1, 8, 15 and 2024-03-01 (day 61 of the year): x = 3, t_x = T = 60 days
    assert days.loc["A", "x"] == 3 and days.loc["A", "t_x"] == 60 and days.loc["A", "T"] == 60
    assert days.loc["A", "monetary"] == pytest.approx((20 + 10 + 99) / 3)
    assert days.loc["D", "T"] == 28  # 2024-02-02 → 2024-03-01
    np.testing.assert_allclose(weeks[["t_x", "T"]], days[["t_x", "T"]] / 7)
    np.testing.assert_allclose(months[["t_x", "T"]], days[["t_x", "T"]] / 30.4375)
    assert "x_holdout" not in weeks.columns


def test_calibration_end_without_holdout_ignores_later_purchases() -> None:
    s = summary(HAND, columns=AMOUNT, calibration_end="2024-01-29", unit="D")
    assert list(s.index) == ["A", "B", "C"] and s.loc["C", "x"] == 0
    assert s.loc["A", "T"] == 28 and "x_holdout" not in s.columns


def test_time_zones_count_local_calendar_days() -> None:
    tx = _lines([("A", "2024-01-01 23:30", 1.0), ("A", "2024-01-02 00:30", 2.0)])
    tx["InvoiceDate"] = tx["InvoiceDate"].dt.tz_localize("America/New_York")
    s = summary(tx, columns=AMOUNT, unit="D")
    # two local days (in UTC both are 2024-01-02)
    assert s.loc["A", "x"] == 1 and s.loc["A", "t_x"] == 1 and s.loc["A", "monetary"] == 2.0


def _pandas_reference(df: pd.DataFrame, cal: pd.Timestamp, obs: pd.Timestamp) -> pd.DataFrame:
    """Plain pandas, no code of ours: daily totals, then per customer."""
    day = df["InvoiceDate"].dt.floor("D")
    money = df["Quantity"] * df["UnitPrice"]
    daily = (pd.DataFrame({"c": df["CustomerID"], "d": day, "m": money})
             .groupby(["c", "d"], observed=True)["m"].sum().reset_index())
    calib, held = daily[daily["d"] <= cal], daily[(daily["d"] > cal) & (daily["d"] <= obs)]
    g = calib.groupby("c")
    first, last, n = g["d"].min(), g["d"].max(), g.size()
    first_spend = calib.loc[g["d"].idxmin(), ["c", "m"]].set_index("c")["m"]
    x = n - 1
    hg = held.groupby("c")
    xh = hg.size().reindex(first.index, fill_value=0)
    mh = hg["m"].sum().reindex(first.index, fill_value=0.0)
    return pd.DataFrame({
        "x": x,
        "t_x": (last - first).dt.days / 7,
        "T": (cal - first).dt.days / 7,
        "monetary": ((g["m"].sum() - first_spend) / x).where(x > 0, 0.0),
        "x_holdout": xh,
        "monetary_holdout": (mh / xh).where(xh > 0, 0.0),
    })


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_generated_shop_equals_a_plain_pandas_reference(backend: str) -> None:
    tx = make_transactions(n_customers=300, n_rows=4000, random_state=3)
    cal, obs = pd.Timestamp("2025-01-31"), pd.Timestamp("2025-06-30")
    s = summary(tx, calibration_end=cal, observation_end=obs, backend=backend)
    ref = _pandas_reference(tx, cal, obs)
    assert list(s.index) == list(ref.index)
    for col in ("x", "x_holdout"):
        np.testing.assert_array_equal(s[col], ref[col])
    for col in ("t_x", "T", "monetary", "monetary_holdout"):
        np.testing.assert_allclose(s[col], ref[col], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("kind", ["str", "int", "category"])
def test_customers_in_the_order_of_rfm_table(kind: str) -> None:
    tx = make_transactions(n_customers=200, n_rows=2000, random_state=1)
    if kind == "int":
        tx["CustomerID"] = tx["CustomerID"].str[1:].astype(np.int64) * 7
    elif kind == "category":  # categories in reverse order, some unused
        cats = sorted(set(tx["CustomerID"]) | {"Z1", "Z2"}, reverse=True)
        tx["CustomerID"] = pd.Categorical(tx["CustomerID"], categories=cats)
    for backend in ("numpy", "numba"):
        assert summary(tx, backend=backend).index.equals(rfm_table(tx).index)


def test_cdnow_figures_of_the_data_readme(cdnow_sample_path) -> None:
    s = cdnow_summary(cdnow_sample_path)
    # computed independently (shared/data/README.md)
    assert len(s) == 2357
    assert s["x"].sum() == 2457 and s["x"].max() == 29
    assert (s["x"] == 0).mean() == pytest.approx(0.5986, abs=5e-5)
    # Hardie's customer 1: x = 2, t_x = 30.43, T = 38.86 (the published example)
    assert s.iloc[0][["x", "t_x", "T"]].round(2).tolist() == [2, 30.43, 38.86]
    assert (s["x"] > 0).sum() == 946  # the Gamma-Gamma paper's repeat customers


def test_errors_speak_to_the_user() -> None:
    with pytest.raises(ValueError, match="observation_end needs calibration_end"):
        summary(HAND, columns=AMOUNT, observation_end="2024-02-01")
    with pytest.raises(ValueError, match="must be after calibration_end"):
        summary(HAND, columns=AMOUNT, calibration_end="2024-02-01",
                observation_end="2024-02-01")
    with pytest.raises(ValueError, match="no purchase on or before calibration_end"):
        summary(HAND, columns=AMOUNT, calibration_end="2023-01-01")
    with pytest.raises(ValueError, match="unit must be 'D'"):
        summary(HAND, columns=AMOUNT, unit="Y")
    with pytest.raises(ValueError, match="not a date that parses"):
        summary(HAND, columns=AMOUNT, calibration_end="soon")
    bad = HAND.assign(TotalAmount=HAND["TotalAmount"] - 50)
    with pytest.raises(ValueError, match="negative line amount"):
        summary(bad, columns=AMOUNT)
    guest = HAND.astype({"CustomerID": object})
    guest.loc[0, "CustomerID"] = None
    with pytest.raises(ValueError, match="missing id"):
        summary(guest, columns=AMOUNT)
    with pytest.raises(ValueError, match="missing column"):
        summary(HAND.drop(columns="TotalAmount"), columns=AMOUNT)
    original = HAND.copy()
    summary(HAND, columns=AMOUNT)
    pd.testing.assert_frame_equal(HAND, original)  # input unchanged


def test_from_lifetimes_renames_and_checks() -> None:
    lt = pd.DataFrame({"frequency": [2.0, 0.0], "recency": [30.43, 0.0], "T": [38.86, 38.0],
                       "monetary_value": [22.35, 0.0], "frequency_holdout": [1.0, 0.0],
                       "monetary_value_holdout": [26.48, 0.0], "duration_holdout": [39, 39]},
                      index=pd.Index(["a", "b"], name="id"))
    s = from_lifetimes(lt, unit="W")
    assert list(s.columns) == ["x", "t_x", "T", "monetary", "x_holdout", "monetary_holdout"]
    assert s["x"].tolist() == [2, 0] and s["t_x"].tolist() == [30.43, 0.0]
    assert s.attrs == {"unit": "W", "holdout_length": 39.0}
    no_money = from_lifetimes(lt[["frequency", "recency", "T"]])
    assert list(no_money.columns) == ["x", "t_x", "T"]
    with pytest.raises(ValueError, match=r"row 0 \(customer 'a'\): t_x = 50 is greater than T"):
        from_lifetimes(lt.assign(recency=[50.0, 0.0]))
    with pytest.raises(ValueError, match="missing column"):
        from_lifetimes(lt.drop(columns="recency"))


def test_cdnow_loader_columns(cdnow_sample_path) -> None:
    from rfm.datasets import load_cdnow

    df = load_cdnow(cdnow_sample_path)
    assert list(df.columns) == ["customer", "sample_id", "date", "cds", "amount"]
    assert len(df) == 6919 and df["customer"].nunique() == 2357
    # the sample numbers its customers 0001..2357 in the second column; the first is the
    # master file's id (the column was called master_id the other way round)
    assert sorted(df["sample_id"].unique()) == [f"{i:04d}" for i in range(1, 2358)]
    master = cdnow_sample_path.parent / "CDNOW_master.txt"
    if master.exists():
        lines = {tuple(line.split()) for line in master.read_text().splitlines()[1:]}
        first = df.iloc[0]
        assert (first["customer"], "19970101", "2", "29.33") in lines
        assert first["sample_id"] == "0001"
    assert df["date"].min() == pd.Timestamp("1997-01-01")
    assert df["date"].max() == pd.Timestamp("1998-06-30")
    assert CDNOW_COLUMNS.amount == "amount"


@pytest.mark.parametrize(("given", "day"), [
    ("2024-01-29", "2024-01-29"), ("2024/01/29", "2024-01-29"),
    ("29/01/2024", "2024-01-29"),   # day first: 29 is no month
    ("01/29/2024", "2024-01-29"),   # month first: 29 is no month
    ("2024-01-29 23:00", "2024-01-29"),
])  # fmt: skip
def test_dates_with_numbers_read_as_rfmseg_reads_its_options(given: str, day: str) -> None:
    """calibration_end and observation_end written with numbers are read as `rfmseg`
    reads --snapshot: ISO, or the one order a day above 12 allows. Customer A's T, worked
    out by hand: first purchase 2024-01-01, so T is the days to ``day`` in weeks."""
    s = summary(HAND, columns=AMOUNT, calibration_end=given)
    weeks = (pd.Timestamp(day) - pd.Timestamp("2024-01-01")).days / 7
    assert s.loc["A", "T"] == pytest.approx(weeks, rel=1e-12)
    assert s.attrs["calibration_end"] == pd.Timestamp(day)
    held = summary(HAND, columns=AMOUNT, calibration_end="2024-01-22", observation_end=given)
    assert held.attrs["observation_end"] == pd.Timestamp(day)
    assert held.attrs["holdout_length"] == pytest.approx(1.0, rel=1e-12)  # 7 days


@pytest.mark.parametrize(("name", "call"), [
    ("calibration_end", lambda v: summary(HAND, columns=AMOUNT, calibration_end=v)),
    ("observation_end", lambda v: summary(HAND, columns=AMOUNT, calibration_end="2024-01-01",
                                          observation_end=v)),
    ("snapshot", lambda v: rfm_table(HAND, columns=DAYS, snapshot=v)),
    ("compare_to", lambda v: Settings(compare_to=v)),
])  # fmt: skip
def test_a_date_that_reads_both_ways_is_refused_in_one_line(name: str, call) -> None:
    """'03/02/2024' is 3 February or 2 March: pandas would read it month first, silently;
    the library refuses it as `rfmseg` refuses such an option, naming the argument and
    both readings (no command-line flag: there is no file order to follow here)."""
    with pytest.raises(ValueError) as caught:
        call("03/02/2024")
    assert str(caught.value) == (f"{name} '03/02/2024' reads as 3 February 2024 or 2 March "
                                 "2024; write it as YYYY-MM-DD.")  # fmt: skip


def _past_the_end(name: str, end: str, data: pd.DataFrame) -> str:
    """The start of the warning, with the gap counted here from the lines' last day."""
    last = data["InvoiceDate"].max().normalize()
    gap = (pd.Timestamp(end) - last).days
    return (f"{name} ({end}) is {gap:,} day{'s' if gap != 1 else ''} after the last purchase "
            f"in the data ({last.date()}): ")


def test_a_period_that_ends_after_the_data_is_said_in_plain_words() -> None:
    """HAND's last line is on 2024-03-01. A calibration_end after it counts the days
    between as days nobody bought (customer A's T runs on): warned, naming the argument,
    the gap and the last purchase day; the same for an observation_end after it. A
    period that ends inside the data, or on its last day, says nothing, even when no
    one bought on the end day itself (lines come after it)."""
    with pytest.warns(DataEndWarning) as caught:
        s = summary(HAND, columns=AMOUNT, calibration_end="2024-03-11")
    assert len(caught) == 1
    text = str(caught[0].message)
    assert text.startswith(_past_the_end("calibration_end", "2024-03-11", HAND))
    assert text.startswith("calibration_end (2024-03-11) is 10 days after the last purchase "
                           "in the data (2024-03-01): ")  # fmt: skip
    assert "no customer bought" in text and "Leave calibration_end out" in text
    assert s.loc["A", "T"] == pytest.approx((pd.Timestamp("2024-03-11")
                                             - pd.Timestamp("2024-01-01")).days / 7)
    with pytest.warns(DataEndWarning) as caught:
        summary(HAND, columns=AMOUNT, calibration_end="2024-01-29",
                observation_end="2024-03-02")
    assert str(caught[0].message).startswith(
        "observation_end (2024-03-02) is 1 day after the last purchase in the data "
        "(2024-03-01): ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary(HAND, columns=AMOUNT, calibration_end="2024-03-01")
        summary(HAND, columns=AMOUNT, calibration_end="2024-01-29",  # no purchase that day
                observation_end="2024-02-20")
        summary(HAND, columns=AMOUNT)
