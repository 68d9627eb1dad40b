"""The cleaning rules of :func:`rfm.clean_transactions`, shared by its in-memory and Dask
implementations (neither imports the other's module): which rules run on which columns,
applying them to a table, and the error when nothing is left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rfm._inputs import check_role_columns, numeric_values, unparseable_dates

__all__ = [
    "NothingLeft",
    "apply_rules",
    "check_rule_columns",
    "missing_customer",
    "nothing_left",
    "rule_columns",
]

#: the column role each rule reads
RULE_ROLES = {
    "missing_customer": "customer",
    "bad_dates": "date",
    "cancelled": "invoice",
    "nonpositive_quantity": "quantity",
    "nonpositive_price": "price",
    "nonpositive_amount": "amount",
}


def missing_customer(values: pd.Series) -> np.ndarray:
    """NaN/None, and empty or blank strings, count as a missing customer id."""
    missing = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        blank = values.astype(str).str.strip() == ""
        missing = missing | blank.to_numpy(dtype=bool, na_value=False)
    return missing


def rule_columns(
    *,
    customer: str,
    invoice: str | None,
    date: str,
    quantity: str | None,
    price: str | None,
    amount: str | None,
    drop_missing_customer: bool,
    drop_cancelled: bool,
    drop_nonpositive_quantity: bool,
    drop_nonpositive_price: bool,
    drop_bad_dates: bool,
    drop_nonpositive_amount: bool,
) -> list[tuple[str, str]]:
    """The rules that run, in order, each with the column it reads."""
    rules = [
        ("missing_customer", customer if drop_missing_customer else None),
        ("bad_dates", date if drop_bad_dates else None),
        ("cancelled", invoice if drop_cancelled else None),
        ("nonpositive_quantity", quantity if drop_nonpositive_quantity else None),
        ("nonpositive_price", price if drop_nonpositive_price else None),
        ("nonpositive_amount", amount if drop_nonpositive_amount else None),
    ]
    return [(rule, col) for rule, col in rules if col is not None]


def check_rule_columns(
    df: Any, rules: list[tuple[str, str]], *, given_as: str, what: str = "transactions"
) -> None:
    """The columns the ``rules`` read must be in ``df`` (a message naming the roles as the
    caller takes them: ``given_as``, see :mod:`rfm.columns`)."""
    roles = {RULE_ROLES[rule]: col for rule, col in rules}
    needed = list(dict.fromkeys(col for _, col in rules))
    check_role_columns(df, roles, needed, given_as=given_as, what=what)


def apply_rules(
    df: pd.DataFrame, rules: list[tuple[str, str]], date: str
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Every row rule except duplicates: the kept rows (dates parsed) and the report rows."""
    keep, rows, parsed_dates = rule_marks(df, rules)
    out = df.loc[keep].copy()
    if parsed_dates is not None:
        out[date] = parsed_dates[keep].to_numpy()
    return out, rows


def rule_marks(
    df: pd.DataFrame, rules: list[tuple[str, str]]
) -> tuple[np.ndarray, list[dict[str, Any]], pd.Series | None]:
    """Every row rule except duplicates, without copying a row: the mask of the rows kept,
    the report rows, and the dates as parsed (``None`` without a date rule)."""
    keep = np.ones(len(df), dtype=bool)
    rows: list[dict[str, Any]] = []
    parsed_dates: pd.Series | None = None
    for rule, col in rules:
        values = df[col]
        if rule == "missing_customer":
            bad = missing_customer(values)
        elif rule == "bad_dates":
            parsed_dates, _ = unparseable_dates(values)
            bad = parsed_dates.isna().to_numpy()
        elif rule == "cancelled":
            cancelled = values.astype(str).str.strip().str.startswith("C", na=False)
            bad = cancelled.to_numpy(dtype=bool, na_value=False) & values.notna().to_numpy()
        else:
            numbers = numeric_values(values, col)
            with np.errstate(invalid="ignore"):
                bad = ~(numbers > 0)
        removed = int((keep & bad).sum())
        keep[bad] = False
        rows.append({"rule": rule, "rows_removed": removed, "rows_left": int(keep.sum())})
    return keep, rows, parsed_dates


class NothingLeft(ValueError):
    """A cleaning removed every row: the per-rule ``report``, and a rule switch as the
    caller takes it (``switch``: ``drop_cancelled=False`` for
    :func:`rfm.clean_transactions`, ``cleaning={'drop_cancelled': False}`` for
    :func:`rfm.run_pipeline`)."""

    def __init__(self, report: pd.DataFrame, switch: str = "drop_cancelled=False") -> None:
        self.report = report
        super().__init__(
            "clean_transactions removed every row; nothing is left to analyse. Rows "
            f"removed per rule:\n{report.to_string(index=False)}\nSwitch off a rule "
            f"(e.g. {switch}) or check the column names."
        )


def nothing_left(report: pd.DataFrame) -> NothingLeft:
    """The error for a cleaning that removed every row, with the per-rule report."""
    return NothingLeft(report)
