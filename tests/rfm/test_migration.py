"""rfm.migration: a hand-built table with known moves, and two independent segmentations."""

from __future__ import annotations

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


def test_migration_errors() -> None:
    tx = hand_table()
    kw = {"customer": "cust", "date": "when", "amount": "amount", "q": 2, "rules": RULES}
    with pytest.raises(ValueError, match="earlier"):
        migration(tx, before="2024-03-31", after="2024-01-31", **kw)
    with pytest.raises(ValueError, match="no transactions"):
        migration(tx, before="2020-01-01", after="2024-01-31", **kw)
    with pytest.raises(ValueError, match="date"):
        migration(tx, before="not a date", after="2024-01-31", **kw)
    with pytest.raises(TypeError, match="snapshot"):
        migration(tx, before="2024-01-31", after="2024-03-31", snapshot="max", **kw)
