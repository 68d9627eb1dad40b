"""clean_transactions: each rule against hand counts and a plain-pandas filter chain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm.cleaning import clean_transactions


def _raw() -> pd.DataFrame:
    """Ten lines, one kind of problem each, built so the expected counts are known."""
    return pd.DataFrame(
        {
            "InvoiceNo": ["1", "1", "2", "C3", "4", "5", "6", "6", "7", "C8"],
            "CustomerID": [10, 10, np.nan, 11, 12, 13, 14, 14, 15, np.nan],
            "InvoiceDate": [
                "2024-01-01 10:00", "2024-01-01 10:00", "2024-01-02", "2024-01-03",
                "2024-01-04", "2024-01-05", "not a date", "2024-01-06", "2024-01-07",
                "2024-01-08",
            ],
            "Quantity": [2, 3, 1, 1, 0, 4, 1, 1, 5, -2],
            "UnitPrice": [1.5, 2.0, 3.0, 3.0, 2.0, 0.0, 1.0, 1.0, 2.5, 1.0],
        }
    )


def test_rules_report_hand_counts_in_order() -> None:
    raw = _raw()
    raw.loc[9] = raw.loc[8]  # make line 9 an exact duplicate of line 8
    before = raw.copy(deep=True)
    clean, report = clean_transactions(raw, drop_duplicates=True)
    assert list(report["rule"]) == [
        "missing_customer", "bad_dates", "cancelled", "nonpositive_quantity",
        "nonpositive_price", "duplicates",
    ]
    # row 2 no customer; row 6 bad date; row 3 "C3"; row 4 qty 0; row 5 price 0; row 9 dup
    assert list(report["rows_removed"]) == [1, 1, 1, 1, 1, 1]
    assert list(report["rows_left"]) == [9, 8, 7, 6, 5, 4]
    assert list(clean.index) == [0, 1, 7, 8]
    assert pd.api.types.is_datetime64_any_dtype(clean["InvoiceDate"])
    assert clean.loc[0, "InvoiceDate"] == pd.Timestamp("2024-01-01 10:00")
    pd.testing.assert_frame_equal(raw, before)  # caller's frame untouched


def test_first_rule_claims_a_row_once() -> None:
    # row 9 has no customer AND is cancelled AND has quantity < 0: counted once only
    _, report = clean_transactions(_raw(), drop_duplicates=False)
    removed = dict(zip(report["rule"], report["rows_removed"], strict=True))
    assert removed["missing_customer"] == 2
    assert removed["cancelled"] == 1
    assert report["rows_removed"].sum() == len(_raw()) - report["rows_left"].iloc[-1]


@pytest.mark.parametrize(
    ("switch", "rule", "row"),
    [
        ("drop_missing_customer", "missing_customer", 2),
        ("drop_bad_dates", "bad_dates", 6),
        ("drop_cancelled", "cancelled", 3),
        ("drop_nonpositive_quantity", "nonpositive_quantity", 4),
        ("drop_nonpositive_price", "nonpositive_price", 5),
    ],
)
def test_each_rule_can_be_switched_off(switch: str, rule: str, row: int) -> None:
    clean, report = clean_transactions(_raw(), **{switch: False})
    assert rule not in set(report["rule"])
    assert row in clean.index


def test_bad_dates_off_leaves_column_unparsed() -> None:
    raw = _raw()
    clean, _ = clean_transactions(raw, drop_bad_dates=False)
    assert clean["InvoiceDate"].dtype == raw["InvoiceDate"].dtype
    assert "not a date" in set(clean["InvoiceDate"])


def test_blank_string_customer_is_missing() -> None:
    raw = _raw().astype({"CustomerID": object})
    raw.loc[0, "CustomerID"] = "  "
    clean, _ = clean_transactions(raw)
    assert 0 not in clean.index


def test_amount_rule_and_disabling_columns() -> None:
    raw = pd.DataFrame(
        {
            "CustomerID": ["a", "b", "c"],
            "InvoiceDate": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "Amount": [5.0, -1.0, np.nan],
        }
    )
    clean, report = clean_transactions(
        raw, invoice=None, quantity=None, price=None, amount="Amount", drop_duplicates=True
    )
    assert list(clean.index) == [0]
    assert list(report["rule"]) == [
        "missing_customer", "bad_dates", "nonpositive_amount", "duplicates"
    ]


def test_matches_plain_pandas_filter_chain() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    raw = pd.DataFrame(
        {
            "InvoiceNo": np.where(rng.random(n) < 0.05, "C", "")
            + rng.integers(500, 900, n).astype(str),
            "CustomerID": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 60, n)),
            "InvoiceDate": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
            "Quantity": rng.integers(-2, 5, n),
            "UnitPrice": rng.choice([0.0, 1.0, 2.5], n),
        }
    )
    ref = raw.dropna(subset=["CustomerID"])
    ref = ref[~ref["InvoiceNo"].str.startswith("C")]
    ref = ref[(ref["Quantity"] > 0) & (ref["UnitPrice"] > 0)].drop_duplicates()
    ref = ref.astype({"CustomerID": np.int64})  # the ids were whole, read as floats for NaN
    clean, report = clean_transactions(raw)
    pd.testing.assert_frame_equal(clean, ref)
    assert report["rows_left"].iloc[-1] == len(ref)


def test_all_rows_removed_is_a_clear_error() -> None:
    raw = _raw().assign(Quantity=0)
    with pytest.raises(ValueError, match="removed every row") as info:
        clean_transactions(raw)
    assert "nonpositive_quantity" in str(info.value)


def test_missing_column_named_with_columns_found() -> None:
    with pytest.raises(ValueError, match=r"missing column\(s\) \['Qty'\].*UnitPrice"):
        clean_transactions(_raw(), quantity="Qty")


def test_not_a_frame_and_empty() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        clean_transactions([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        clean_transactions(_raw().iloc[:0])


def test_non_numeric_quantity_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Quantity"):
        clean_transactions(_raw().astype({"Quantity": str}))
