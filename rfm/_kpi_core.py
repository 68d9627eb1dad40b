"""What the monthly KPIs' in-memory and Dask implementations share (neither imports the
other's module): line revenue with the dates, month numbers, and the table built from
per-month arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._inputs import parse_dates
from rfm.columns import TransactionColumns

__all__ = ["month_numbers", "monthly_frame", "revenue_and_dates"]


def revenue_and_dates(
    df: pd.DataFrame, columns: list[str], date: str, cols: TransactionColumns
) -> tuple[np.ndarray, pd.Series]:
    """Validate the columns; return line revenue and parsed local (wall-clock) dates."""
    check_columns(df, [*columns, date, *cols.money], what="transactions")
    revenue = cols.line_amounts(df)
    dates = parse_dates(df[date], date)
    if getattr(dates.dtype, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)  # months and hours in the local wall clock
    return revenue, dates


def month_numbers(dates: pd.Series) -> np.ndarray:
    """Calendar month of each date as ``12·year + month − 1`` (local wall clock)."""
    if getattr(dates.dtype, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return (dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1).astype(np.int64)


def monthly_frame(
    first_month: int, revenue: np.ndarray, active: np.ndarray, new: np.ndarray
) -> pd.DataFrame:
    """:func:`monthly`'s table from per-month arrays starting at month number
    ``first_month`` (see :func:`month_numbers`)."""
    start = pd.Period(year=first_month // 12, month=first_month % 12 + 1, freq="M")
    index = pd.period_range(start, periods=len(revenue), freq="M", name="month")
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(active > 0, new / np.maximum(active, 1), np.nan)
    return pd.DataFrame(
        {
            "revenue": revenue,
            "active_customers": np.asarray(active).astype(np.int64),
            "new_customers": np.asarray(new).astype(np.int64),
            "new_customer_ratio": ratio,
        },
        index=index,
    )
