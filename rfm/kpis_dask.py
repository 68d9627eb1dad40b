""":func:`rfm.kpis.monthly` on a Dask DataFrame: the same table, exactly.

Revenue per month adds up partition by partition (one short array per partition, summed
on the client). Active and new customers do not: a customer may buy in the same month in
two partitions (files), and their first month may sit in any partition. So each
partition is reduced to its distinct (customer, month) pairs, the pairs are shuffled on
the customer, and each shuffled piece, which now holds every pair of its customers,
counts:

- active customers of month *m* = distinct pairs with month *m* (pairs of purchase lines:
  a return alone makes no buyer);
- new customers of month *m* = customers whose smallest month is *m*.

Those counts, one short array per piece, are summed on the client. Memory per task stays
at about one partition's pairs (fewer than its rows); only per-month arrays reach the
client. Months are numbered ``12·year + month − 1`` throughout, so no global first
month is needed before the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._dask_parts import partition_name, shuffle_method
from rfm._kpi_core import month_numbers, monthly_frame, revenue_and_dates
from rfm._table_core import is_return
from rfm.columns import TransactionColumns

__all__ = ["monthly_dask", "monthly_finish", "monthly_graph"]

MONTH = "_rfm_month"


def _lines(pdf: pd.DataFrame, cols: TransactionColumns,
           partition_info: dict | None) -> tuple[np.ndarray, pd.Series]:
    """One partition's line revenue and dates (``revenue_and_dates``), a refusal naming
    where the partition came from."""
    try:
        return revenue_and_dates(pdf, [cols.customer], cols.date, cols)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{partition_name(pdf, partition_info)}: {exc}") from None


def _revenue(pdf: pd.DataFrame, cols: TransactionColumns,
             partition_info: dict | None = None) -> pd.Series:
    """Revenue per month number of one partition."""
    revenue, dates = _lines(pdf, cols, partition_info)
    return pd.Series(revenue).groupby(month_numbers(dates)).sum()


def _pairs(pdf: pd.DataFrame, cols: TransactionColumns,
           partition_info: dict | None = None) -> pd.DataFrame:
    """The partition's distinct (customer, month number) pairs of purchase lines (a
    return makes no buyer of the month: :func:`rfm.kpis.monthly`)."""
    revenue, dates = _lines(pdf, cols, partition_info)
    bought = ~is_return(np.asarray(revenue))
    pairs = pd.DataFrame({cols.customer: pdf[cols.customer].to_numpy()[bought],
                          MONTH: month_numbers(dates)[bought]})  # fmt: skip
    return pairs.drop_duplicates(ignore_index=True)


def _counts(pairs: pd.DataFrame, customer: str) -> pd.DataFrame:
    """Active and new customers per month number in one shuffled piece."""
    pairs = pairs.drop_duplicates()
    active = pairs[MONTH].value_counts()
    new = pairs.groupby(customer, sort=False)[MONTH].min().value_counts()
    return pd.DataFrame({"active": active, "new": new}).fillna(0).astype(np.int64)


def monthly_graph(ddf: Any, cols: TransactionColumns) -> tuple[Any, Any]:
    """The lazy halves of :func:`monthly_dask`: revenue per month number of each partition,
    and active/new customer counts of each shuffled piece. Compute them (with any other
    work on the same order lines, so they are read once) and pass the results to
    :func:`monthly_finish`."""
    check_columns(ddf._meta, [cols.customer, cols.date, *cols.money], what="transactions")
    revenue = ddf.map_partitions(_revenue, cols, meta=pd.Series([], dtype=np.float64),
                                 enforce_metadata=False)
    meta = pd.DataFrame({cols.customer: ddf._meta[cols.customer],
                         MONTH: pd.Series([], dtype=np.int64)})
    pairs = ddf.map_partitions(_pairs, cols, meta=meta, enforce_metadata=False)
    # the task shuffle: pair rows are few and small, and p2p's transfer overhead per
    # partition dominates at this size (as for the RFM table's pairs)
    shuffled = pairs.shuffle(on=cols.customer, npartitions=max(1, ddf.npartitions),
                             shuffle_method=shuffle_method("tasks"))  # fmt: skip
    counts_meta = pd.DataFrame({"active": pd.Series([], dtype=np.int64),
                                "new": pd.Series([], dtype=np.int64)})
    counts = shuffled.map_partitions(_counts, cols.customer, meta=counts_meta,
                                     enforce_metadata=False)
    return revenue, counts


def monthly_finish(rev: pd.Series, cnt: pd.DataFrame) -> pd.DataFrame:
    """:func:`rfm.kpis.monthly`'s table from :func:`monthly_graph`'s computed halves."""
    rev = rev.groupby(level=0).sum()
    cnt = cnt.groupby(level=0).sum()
    if len(rev) == 0:
        raise ValueError("transactions is empty (0 rows); there is nothing to compute.")
    first, last = int(rev.index.min()), int(rev.index.max())
    months = np.arange(first, last + 1)
    active = cnt["active"].reindex(months, fill_value=0).to_numpy()
    new = cnt["new"].reindex(months, fill_value=0).to_numpy()
    return monthly_frame(first, rev.reindex(months, fill_value=0.0).to_numpy(), active, new)


def monthly_dask(ddf: Any, cols: TransactionColumns) -> pd.DataFrame:
    """The table of :func:`rfm.kpis.monthly` for a Dask DataFrame (see the module docstring)."""
    import dask

    return monthly_finish(*dask.compute(*monthly_graph(ddf, cols)))
