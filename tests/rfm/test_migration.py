"""rfm.migration: a hand-built table with known moves, and two independent segmentations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm import migration, rfm_scores, rfm_table, segment
from rfm.datasets import make_transactions
from rfm.migration import NEW

# q = 2 and rules on recency only: "Active" = R 2, "Idle" = R 1
RULES = [("Active", {"r": (2, 2)}, "keep"), ("Idle", {"r": (1, 1)}, "wake")]


def hand_table() -> pd.DataFrame:
    rows = [
        ("A", "2024-01-30 10:00", 10.0), ("A", "2024-03-30 10:00", 20.0),  # active, active
        ("B", "2024-01-31 23:00", 30.0),  # active at the end of Jan 31, idle in April
        ("C", "2024-01-01 09:00", 40.0), ("C", "2024-03-29 09:00", 50.0),  # idle -> active
        ("D", "2023-12-01 09:00", 60.0),  # idle at both dates ...
        ("D", "2024-02-01 00:30", 70.0),  # ... this order is after the end of Jan 31
        ("E", "2024-03-15 12:00", 80.0),  # new customer
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["cust", "when", "amount"]).assign(
        invoice=lambda d: [f"I{i}" for i in range(len(d))]
    )


def test_hand_built_movements() -> None:
    # Before (snapshot Feb 1 00:00): recency A 1, B 0, C 30, D 61; median 15.5 -> cut 16.5
    #   so A, B are R 2 (Active), C, D R 1 (Idle).
    # After (snapshot Apr 1 00:00): A 1, B 60, C 2, D 60, E 16; median 16 -> cut 17
    #   so A, C, E Active; B, D Idle.
    tx = hand_table()
    before = tx.copy()
    mig = migration(
        tx, before="2024-01-31", after="2024-03-31", q=2, rules=RULES,
        customer="cust", date="when", amount="amount", invoice="invoice",
    )
    pd.testing.assert_frame_equal(tx, before)
    c = mig.customers
    assert c["segment_before"].drop("E").to_dict() == {
        "A": "Active", "B": "Active", "C": "Idle", "D": "Idle"
    }
    assert pd.isna(c.loc["E", "segment_before"])
    assert c["segment_after"].to_dict() == {
        "A": "Active", "B": "Idle", "C": "Active", "D": "Idle", "E": "Active"
    }
    assert c["direction"].to_dict() == {"A": "same", "B": "down", "C": "up", "D": "same",
                                        "E": "new"}
    assert c["revenue"].to_dict() == {"A": 20.0, "B": 0.0, "C": 50.0, "D": 70.0, "E": 80.0}
    # B moved down and has not ordered since: the one to win back
    assert c["orders_between"].to_dict() == {"A": 1, "B": 0, "C": 1, "D": 1, "E": 1}
    assert mig.matrix.to_dict(orient="index") == {
        "Active": {"Active": 1, "Idle": 1},
        "Idle": {"Active": 1, "Idle": 1},
        NEW: {"Active": 1, "Idle": 0},
    }
    assert mig.revenue.loc["Idle", "Idle"] == 70.0 and mig.revenue.loc[NEW, "Active"] == 80.0
    assert mig.matrix.to_numpy().sum() == 5


def test_equals_two_independent_segmentations() -> None:
    tx = make_transactions(n_customers=600, n_rows=5000, random_state=7)
    cols = {"customer": "CustomerID", "invoice": "InvoiceNo", "amount": "TotalAmount"}
    mig = migration(tx, before="2024-12-31", after="2025-06-30", rules="rfm", **cols)
    for day, col in (("2024-12-31", "segment_before"), ("2025-06-30", "segment_after")):
        cut = pd.Timestamp(day) + pd.Timedelta(days=1)
        part = tx[tx["InvoiceDate"] < cut]
        table = rfm_table(part, snapshot=cut, **cols)
        seg = segment(rfm_scores(table, q=5, ties="thresholds"), "rfm")["segment"]
        got = mig.customers[col].dropna()
        assert got.sort_index().equals(seg.sort_index().rename(col))
    assert len(mig.customers) == tx.loc[tx["InvoiceDate"] < "2025-07-01", "CustomerID"].nunique()
    assert mig.matrix.to_numpy().sum() == len(mig.customers)
    # every (before, after) pair counted once
    pairs = mig.customers.fillna({"segment_before": NEW}).groupby(
        ["segment_before", "segment_after"]
    ).size()
    for (b, a), n in pairs.items():
        assert mig.matrix.loc[b, a] == n
    # orders between the dates: distinct invoices of the half year, counted by hand
    half = tx[(tx["InvoiceDate"] >= "2025-01-01") & (tx["InvoiceDate"] < "2025-07-01")]
    by_hand = half.groupby("CustomerID")["InvoiceNo"].nunique()
    got = mig.customers["orders_between"]
    assert got.dtype == "int64"
    assert got.to_dict() == by_hand.reindex(got.index, fill_value=0).to_dict()
    assert (got == 0).any() and ((mig.customers["direction"] == "down") & (got > 0)).any()


def test_ties_first_at_both_dates_equals_two_independent_segmentations() -> None:
    """ties="first" reaches both dates: each segment column equals rfm.segment of
    rfm_scores(..., ties="first") on the RFM table as of that date, built here; on these
    order counts (many equal values) the default ties="thresholds" gives other segments
    at both dates, so the tie rule cannot have been dropped along the way."""
    tx = make_transactions(n_customers=600, n_rows=5000, random_state=7)
    cols = {"customer": "CustomerID", "invoice": "InvoiceNo", "amount": "TotalAmount"}
    mig = migration(tx, before="2024-12-31", after="2025-06-30", ties="first", rules="rfm",
                    **cols)  # fmt: skip
    for day, col in (("2024-12-31", "segment_before"), ("2025-06-30", "segment_after")):
        cut = pd.Timestamp(day) + pd.Timedelta(days=1)
        table = rfm_table(tx[tx["InvoiceDate"] < cut], snapshot=cut, **cols)
        first = rfm_scores(table, q=5, ties="first")
        seg = segment(first, "rfm")["segment"]
        got = mig.customers[col].dropna()
        assert got.sort_index().equals(seg.sort_index().rename(col))
        other = segment(rfm_scores(table, q=5, ties="thresholds"), "rfm")["segment"]
        assert (other.sort_index() != seg.sort_index()).any()
    # the score sums are those of the ties="first" scores too
    after = rfm_table(tx[tx["InvoiceDate"] < "2025-07-01"], snapshot="2025-07-01", **cols)
    sums = rfm_scores(after, q=5, ties="first")
    expected = sums["r_score"] + sums["f_score"] + sums["m_score"]
    assert (mig.customers["rfm_sum_after"] == expected.loc[mig.customers.index]).all()


def test_migration_errors() -> None:
    tx = hand_table()
    kw = {"customer": "cust", "date": "when", "amount": "amount", "q": 2, "rules": RULES}
    with pytest.raises(ValueError, match="earlier"):
        migration(tx, before="2024-03-31", after="2024-01-31", **kw)
    with pytest.raises(ValueError, match="no transactions"):
        migration(tx, before="2020-01-01", after="2024-01-31", **kw)
    with pytest.raises(ValueError, match=r"^before must be a date such as '2024-06-30', "
                       r"got 'not a date'\.$"):
        migration(tx, before="not a date", after="2024-01-31", **kw)
    with pytest.raises(ValueError, match=r"^after must be a date, got NaT\.$"):
        migration(tx, before="2024-01-31", after=None, **kw)
    with pytest.raises(ValueError, match=r"before \(2024-01-31\) must be earlier than after "
                       r"\(2024-01-31\)"):
        migration(tx, before="2024-01-31", after="2024-01-31 18:00", **kw)
    with pytest.raises(TypeError, match="snapshot"):
        migration(tx, before="2024-01-31", after="2024-03-31", snapshot="max", **kw)


def midnight_table() -> pd.DataFrame:
    """Orders at exactly the midnights that end the two days (Feb 1 and Apr 1, 00:00)."""
    rows = [
        ("A", "2024-01-10 09:00", 10.0), ("B", "2024-01-20 09:00", 20.0),
        ("M", "2024-02-01 00:00", 40.0),  # the first instant after the end of Jan 31
        ("A", "2024-03-30 10:00", 5.0), ("B", "2024-03-31 23:59", 7.0),
        ("N", "2024-04-01 00:00", 9.0),  # the first instant after the end of Mar 31
    ]  # fmt: skip
    tx = pd.DataFrame(rows, columns=["cust", "when", "amount"])
    return tx.assign(when=pd.to_datetime(tx["when"]), invoice=[f"I{i}" for i in range(6)])


MIDNIGHT_KW = {"q": 2, "rules": RULES, "customer": "cust", "date": "when",
               "amount": "amount", "invoice": "invoice"}


def assert_midnight_result(mig) -> None:
    # Before (orders before Feb 1 00:00, so not M's): recency A 21, B 11 days, median 16
    #   -> B is R 2 (Active), A R 1 (Idle); M is not a customer yet.
    # After (orders before Apr 1 00:00, so not N's): A 1, B 0, M 60 days, median 1
    #   -> A, B Active, M Idle; N is not a customer at all.
    c = mig.customers
    assert c.index.tolist() == ["A", "B", "M"]
    assert c["segment_before"].iloc[:2].tolist() == ["Idle", "Active"]
    assert pd.isna(c.loc["M", "segment_before"])
    assert c["segment_after"].to_dict() == {"A": "Active", "B": "Active", "M": "Idle"}
    assert c.loc["M", "direction"] == "new"
    assert c["revenue"].to_dict() == {"A": 5.0, "B": 7.0, "M": 40.0}
    assert mig.matrix.to_dict(orient="index") == {
        "Active": {"Active": 1, "Idle": 0},
        "Idle": {"Active": 1, "Idle": 0},
        NEW: {"Active": 0, "Idle": 1},
    }
    assert mig.revenue.loc[NEW, "Idle"] == 40.0


def test_an_order_at_exactly_the_next_midnight_belongs_to_the_next_day() -> None:
    tx = midnight_table()
    assert_midnight_result(migration(tx, before="2024-01-31", after="2024-03-31",
                                     **MIDNIGHT_KW))


def test_the_time_of_day_of_before_and_after_is_ignored() -> None:
    # 18:00 and 06:00 name the same days: still every order up to the end of each day
    tx = midnight_table()
    assert_midnight_result(migration(tx, before="2024-01-31 18:00", after="2024-03-31 06:00",
                                     **MIDNIGHT_KW))


def test_no_new_row_when_every_customer_was_already_one() -> None:
    # at the end of Feb 29 A, B and M have all bought: 3 distinct recencies on 2 levels
    # give both segments, and nobody is new
    tx = midnight_table()
    mig = migration(tx, before="2024-02-29", after="2024-03-31", **MIDNIGHT_KW)
    assert mig.matrix.index.tolist() == ["Active", "Idle"]
    assert mig.revenue.index.tolist() == ["Active", "Idle"]
    assert mig.matrix.to_numpy().sum() == 3
    assert (mig.customers["direction"] != "new").all()


def test_an_order_at_exactly_the_next_midnight_on_dask() -> None:
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(midnight_table(), npartitions=2)
    with dask.config.set(scheduler="synchronous"):
        mig = migration(ddf, before="2024-01-31", after="2024-03-31", **MIDNIGHT_KW)
    assert_midnight_result(mig)


def test_compare_segments_counts_orders_between_only_with_both_frequencies() -> None:
    """Two runs' tables by hand: orders between = frequency after less before (0 before
    for a new customer), and no such column when a table has no frequency."""
    from rfm.migration import compare_segments

    first = pd.DataFrame({"segment": ["Active", "Idle"], "rfm_sum": [4, 2],
                          "monetary": [10.0, 5.0], "frequency": [2, 1]},
                         index=["A", "B"])  # fmt: skip
    second = pd.DataFrame({"segment": ["Idle", "Idle", "Active"], "rfm_sum": [3, 2, 4],
                           "monetary": [10.0, 9.0, 7.0], "frequency": [2, 3, 1]},
                          index=["A", "B", "N"])  # fmt: skip
    c = compare_segments(first, second, RULES).customers
    assert c["orders_between"].to_dict() == {"A": 0, "B": 2, "N": 1}
    assert c["revenue"].to_dict() == {"A": 0.0, "B": 4.0, "N": 7.0}
    assert c["direction"].to_dict() == {"A": "down", "B": "same", "N": "new"}
    plain = compare_segments(first.drop(columns="frequency"), second, RULES).customers
    assert "orders_between" not in plain


def test_spend_between_reads_as_the_decimals_it_came_from() -> None:
    """The spend between the runs is now less then, written as a person computes it: to
    the last digit the larger amount keeps (the doubles' own difference is 0.0099999…
    or 2104.0499999999975). Expected values written by hand."""
    from rfm.migration import compare_segments

    first = pd.DataFrame({"segment": ["Active", "Idle", "Idle"], "rfm_sum": [4, 2, 2],
                          "monetary": [1000.0, 978.26, 1573.22]},
                         index=["A", "B", "G"])  # fmt: skip
    second = pd.DataFrame({"segment": ["Active", "Idle", "Active"], "rfm_sum": [4, 2, 4],
                           "monetary": [1000.01, 978.26, 2104.05]},
                          index=["A", "B", "N"])  # fmt: skip
    assert 1000.01 - 1000.0 != 0.01 and 2104.05 - 0.0 == 2104.05  # what is rounded away
    c = compare_segments(first, second, RULES).customers
    assert c.loc[["A", "B", "N"], "revenue"].tolist() == [0.01, 0.0, 2104.05]
    assert pd.isna(c.loc["G", "revenue"])  # gone: no spend claimed


def test_a_runs_migration_ends_at_the_runs_own_segments() -> None:
    """run_pipeline(compare_to=...): the "now" side of the migration is the run's own
    segmentation (snapshot at the last order's time, not the next midnight), so its
    segment counts are the run's. The "then" side is an independent segmentation of the
    lines up to the end of the day, done here with rfm_table, rfm_scores and segment."""
    from rfm import run_pipeline

    tx = make_transactions(n_customers=3000, n_rows=30000, random_state=1)  # times of day
    res = run_pipeline(tx, compare_to="2025-06-30", k=3)
    cust = res.migration.customers
    now = res.segments["segment"].astype(str)
    assert cust["segment_after"].astype(str).reindex(now.index).equals(now)
    counts = res.migration.matrix.sum(axis=0)
    expected = now.value_counts()
    assert counts[counts > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    score_sum = res.scores["rfm_sum"]
    assert (cust["rfm_sum_after"].reindex(score_sum.index) == score_sum).all()
    # then: the lines up to the end of 2025-06-30, recency from the next midnight
    cut = pd.Timestamp("2025-07-01")
    early = tx[pd.to_datetime(tx["InvoiceDate"]) < cut]
    then = segment(rfm_scores(rfm_table(early, snapshot=cut)))["segment"].astype(str)
    got = cust["segment_before"].dropna().astype(str)
    assert got.sort_index().equals(then.sort_index())
    # spend between: this run's spend less that up to the day, by hand
    spent = tx.assign(v=tx["TotalAmount"])
    between = spent[pd.to_datetime(spent["InvoiceDate"]) >= cut].groupby("CustomerID")["v"].sum()
    rev = cust["revenue"]
    assert ((rev.reindex(between.index) - between).abs() < 1e-6).all()
    assert (rev.drop(between.index).abs() < 1e-6).all()


def test_segmentation_at_names_itself_for_an_unknown_keyword() -> None:
    from rfm.migration import segmentation_at

    tx = make_transactions(n_customers=50, n_rows=300, random_state=0)
    with pytest.raises(TypeError, match=r"^segmentation_at\(\) got unexpected keyword "
                       r"argument\(s\) \['custmer'\]; besides day, q, ties and rules"):
        segmentation_at(tx, "2025-01-01", custmer="CustomerID")
    with pytest.raises(TypeError, match=r"^segmentation_at sets the snapshots itself"):
        segmentation_at(tx, "2025-01-01", snapshot="max")


def test_compare_segments_lists_the_customers_the_later_table_lacks() -> None:
    """Three customers before, two after (b is gone) and one new (d), written out: b is
    listed last with direction "gone" and nothing after; the matrix gains a column for
    the gone, so each row adds up to its segment's size before; the spend matrix and the
    orders of the others are unchanged by b."""
    from rfm.migration import GONE, compare_segments

    first = pd.DataFrame({"segment": ["Champions", "Lost", "Champions"], "rfm_sum": [14, 4, 13],
                          "monetary": [100.0, 20.0, 80.0], "frequency": [5, 1, 4]},
                         index=pd.Index(["a", "b", "c"], name="customer"))  # fmt: skip
    second = pd.DataFrame({"segment": ["Champions", "Lost", "Champions"], "rfm_sum": [12, 3, 15],
                           "monetary": [130.0, 10.0, 90.0], "frequency": [6, 1, 5]},
                          index=pd.Index(["a", "d", "c"], name="customer"))  # fmt: skip
    got = compare_segments(first, second, "ladder")
    cust = got.customers
    assert list(cust.index) == ["a", "d", "c", "b"]
    assert cust["direction"].tolist() == ["down", "new", "up", "gone"]
    assert pd.isna(cust.loc["b", "segment_after"]) and pd.isna(cust.loc["b", "revenue"])
    assert cust.loc["b", "segment_before"] == "Lost" and cust.loc["b", "rfm_sum_before"] == 4
    assert cust["orders_between"].tolist()[:3] == [1, 1, 1]
    assert pd.isna(cust.loc["b", "orders_between"])
    assert got.matrix.loc["Lost", GONE] == 1 and got.matrix.sum(axis=1)["Champions"] == 2
    assert got.matrix.sum(axis=1)["Lost"] == 1 and GONE not in got.revenue.columns
    assert got.revenue.loc["Champions", "Champions"] == 40.0  # 30 + 10


def test_a_present_customer_without_a_segment_is_neither_new_nor_gone() -> None:
    """New and gone are decided by the ids: a customer in both tables whose segment is
    missing in one of them is "up" (its score sum rose), not "new" or "gone", and the
    index keeps its name."""
    from rfm.migration import compare_segments

    first = pd.DataFrame({"segment": ["Lost", None], "rfm_sum": [4, 6], "monetary": [1.0, 2.0]},
                         index=pd.Index(["a", "b"], name="customer"))  # fmt: skip
    second = pd.DataFrame({"segment": [None, "Lost"], "rfm_sum": [5, 8], "monetary": [1.0, 3.0]},
                          index=pd.Index(["a", "b"], name="customer"))  # fmt: skip
    got = compare_segments(first, second, "ladder").customers
    assert got["direction"].tolist() == ["up", "up"] and got.index.name == "customer"
    gone = compare_segments(first, second.iloc[1:], "ladder").customers
    assert gone["direction"].tolist() == ["up", "gone"] and gone.index.name == "customer"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"q": 4}, "rules='ladder' is written for scores 1..5 but q=4; pass q=5, or rules "
                   "written for scores 1..4 (rules='codes')."),
        ({"q": 3, "rules": "rfm"}, "rules='rfm' is written for scores 1..5 but q=3; pass q=5, "
                                   "or your own rules written for scores 1..3."),
        ({"rules": "codes"}, "rules='codes' is written for scores 1..4 but q=5; pass q=4, or "
                             "rules written for scores 1..5 (rules='ladder', 'rfm' or "
                             "'customer-types')."),
    ],
    ids=["ladder-q4", "rfm-q3", "codes-q5"],
)
def test_a_rule_set_on_another_scale_is_named_in_migrations_own_arguments(
    kw: dict, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trial's case: the message named rfm_scores(rfm, q=5), a call the user never
    made. It now names migration's q and rules, and is said before any table is made."""
    import re
    import sys

    from rfm.migration import segmentation_at

    tx = make_transactions(n_customers=60, n_rows=400, random_state=1)

    def no_table(*args, **kwargs):
        raise AssertionError("the scale is checked before any table is computed")

    with monkeypatch.context() as patched:
        patched.setattr(sys.modules["rfm.migration"], "rfm_table", no_table)
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            migration(tx, before="2024-06-30", after="2025-03-31", **kw)
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            segmentation_at(tx, "2025-03-31", **kw)
        with pytest.raises(ValueError, match=r"^q must be an integer from 2 to 9 score "
                           r"levels, got '4'\.$"):
            migration(tx, before="2024-06-30", after="2025-03-31", q="4")


def test_the_fixes_the_scale_message_offers_work() -> None:
    """Both ways out of the message: the rule set's own q, or a set written for q=4;
    the q=4 run equals segmenting each date by hand with rfm_scores(q=4) and 'codes'."""
    tx = make_transactions(n_customers=60, n_rows=400, random_state=1)
    assert len(migration(tx, before="2024-06-30", after="2025-03-31", q=5).customers) > 0
    mig = migration(tx, before="2024-06-30", after="2025-03-31", q=4, rules="codes")
    cutoff = pd.Timestamp("2025-04-01")
    table = rfm_table(tx[tx["InvoiceDate"] < cutoff], snapshot=cutoff)
    by_hand = segment(rfm_scores(table, q=4), "codes")["segment"]
    pd.testing.assert_series_equal(mig.customers["segment_after"], by_hand,
                                   check_names=False)  # fmt: skip


def test_a_customer_of_returns_alone_before_is_new_with_those_returns_off() -> None:
    """A customer whose lines by the date were a return alone (-17.00, a purchase before
    the data) is no customer then, so "new" since; the spend between the two dates is
    the 196.94 bought after the date, not the 179.94 net of all its lines (the return
    is before the date). Written by hand; numpy and numba tables alike."""
    from rfm.migration import compare_segments, segmentation_at

    rows = [("X", "2024-01-05", -17.00), ("X", "2024-05-20", 196.94),
            ("A", "2024-01-10", 10.00), ("A", "2024-05-01", 20.00),
            ("B", "2024-02-01", 30.00), ("C", "2024-03-01", 5.00),
            ("D", "2024-05-25", 8.00)]  # fmt: skip
    tx = pd.DataFrame(rows, columns=["cust", "when", "amount"]).assign(
        when=lambda d: pd.to_datetime(d["when"]),
        invoice=lambda d: [f"I{i}" for i in range(len(d))])
    cols = dict(customer="cust", date="when", amount="amount", invoice="invoice",
                allow_negative=True)
    for backend in ("numpy", "numba"):
        then = segmentation_at(tx, "2024-03-31", q=2, rules=RULES, backend=backend, **cols)
        assert "X" not in then.index
        now = segmentation_at(tx, "2024-05-31", q=2, rules=RULES, backend=backend, **cols)
        c = compare_segments(then, now, RULES).customers
        assert c.loc["X", "direction"] == "new" and c.loc["X", "revenue"] == 196.94
        assert c.loc["A", "revenue"] == 20.0 and c.loc["D", "revenue"] == 8.0


def test_spend_between_is_never_minus_zero() -> None:
    """A spend that rounds to nothing below 0 (returns netting purchases to the last
    bit) is written 0, as --dask, which adds in another order, writes it."""
    from rfm.migration import compare_segments

    first = pd.DataFrame({"segment": ["Idle"], "rfm_sum": [2], "monetary": [0.3]},
                         index=["A"])  # fmt: skip
    second = pd.DataFrame({"segment": ["Idle"], "rfm_sum": [2],
                           "monetary": [np.nextafter(0.3, 0.0)]}, index=["A"])  # fmt: skip
    revenue = compare_segments(first, second, RULES).customers.loc["A", "revenue"]
    assert np.nextafter(0.3, 0.0) - 0.3 < 0  # what is rounded away
    assert revenue == 0 and str(revenue) == "0.0"
