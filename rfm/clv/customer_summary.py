"""From order lines to one row per customer: ``x``, ``t_x``, ``T`` and ``monetary``.

The customer-base models (BG/NBD, MBG/NBD, Gamma-Gamma) do not look at order lines but at
four numbers per customer, named as in the papers:

``x``
    repeat purchase occasions: the occasions after the first one;
``t_x``
    time from the first occasion to the last one (0 when ``x = 0``);
``T``
    time from the first occasion to the end of the calibration period;
``monetary``
    the mean money of the repeat occasions (0 when ``x = 0``): the spend model's input.

A **purchase occasion** is a distinct purchase day of a customer: two invoices on one
day are one occasion, and its money is the sum of that day's lines. This is the
convention of the literature (Fader, Hardie & Lee 2005 count "repeat purchases" in days
on the CDNOW data) and of the ``lifetimes`` package (``frequency`` is counted in
periods of ``freq="D"``). The first occasion is not a repeat one, so it counts in
neither ``x`` nor ``monetary``: the spend model is about repeat spend.

Note the names. Inside :mod:`rfm`, *recency* means the days since the last purchase
(:func:`rfm.rfm_table`); the papers' ``t_x`` is the opposite end of the interval (time
from the first to the last purchase), which ``lifetimes`` also calls "recency". So the
summary uses ``t_x``; :func:`rfm.clv.from_lifetimes` converts lifetimes-style columns.

Time unit: ``unit="W"`` (weeks, the papers' unit), ``"D"`` (days) or ``"M"`` (months of
365.25 / 12 = 30.4375 days). Times are whole days divided by the unit's length.

Holdout: with ``observation_end``, the purchases after ``calibration_end`` up to and
including ``observation_end`` give ``x_holdout`` (their occasions) and
``monetary_holdout`` (the mean money per holdout occasion, 0 without one), for checking
predictions against what happened.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import resolve_backend
from rfm._inputs import check_frame, check_role_columns, parse_dates
from rfm.clv._summary_core import (
    DAYS_PER_UNIT,
    SUMMARY_COLUMNS,
    Periods,
    build_summary,
    customer_keys,
    day_numbers,
    no_calibration_message,
    warn_past_the_data,
)
from rfm.clv.occasions import occasions
from rfm.columns import COLUMNS, TransactionColumns

__all__ = ["DAYS_PER_UNIT", "SUMMARY_COLUMNS", "summary"]


#: below this many lines ``backend="auto"`` uses the numpy twin (no compilation wait)
NUMBA_FROM_ROWS = 20_000


def summary(
    transactions: Any,
    *,
    columns: TransactionColumns | None = None,
    calibration_end: Any = None,
    observation_end: Any = None,
    unit: str = "W",
    backend: str = "auto",
    compute: bool = True,
) -> pd.DataFrame:
    """One row per customer: ``x``, ``t_x``, ``T``, ``monetary`` (the models' input).

    Parameters
    ----------
    transactions : DataFrame or dask.dataframe.DataFrame
        Order lines, left unchanged; clean them first (:func:`rfm.clean_transactions`):
        negative line amounts are an error. A Dask DataFrame is reduced per customer on
        the workers and gives the same table.
    columns : TransactionColumns, optional
        The customer, date and money columns (:class:`rfm.TransactionColumns`; the
        invoice column is not used: occasions are days). By default ``CustomerID``,
        ``InvoiceDate`` and ``TotalAmount`` or ``Quantity`` × ``UnitPrice``.
    calibration_end : date, optional
        The last day of the calibration period (its purchases count). Default: the last
        purchase day in the data. Customers whose first purchase comes after it are not
        in the table; with no ``observation_end``, later purchases are ignored. Text
        written with numbers reads as ``rfmseg`` reads its options' dates:
        ``YYYY-MM-DD``, or a day and month that only one order fits (``13/06/2024``);
        one that reads both ways (``01/06/2024``) is refused.
    observation_end : date, optional
        The last day of a holdout period that starts the day after ``calibration_end``:
        adds ``x_holdout`` and ``monetary_holdout``.
    unit : {"W", "D", "M"}
        Time unit of ``t_x`` and ``T``: weeks, days, or months of 30.4375 days.
    backend : {"auto", "numpy", "numba"}
        Implementation of the per-customer reduction (identical results; ``"auto"`` is
        numba from 20,000 lines on).
    compute : bool
        Dask only: ``False`` returns a Dask DataFrame partitioned by customer.

    Returns
    -------
    DataFrame
        Indexed by customer, in the order of :func:`rfm.rfm_table` (sorted ids):

        ``x`` (int)
            repeat purchase occasions (distinct purchase days after the first);
        ``t_x`` (float)
            time from the first to the last occasion, in ``unit``;
        ``T`` (float)
            time from the first occasion to ``calibration_end``, in ``unit``;
        ``monetary`` (float)
            mean money per repeat occasion, 0 when ``x = 0``;
        ``x_holdout``, ``monetary_holdout``
            with ``observation_end`` only: occasions in the holdout period and their
            mean money (0 without one).

        ``attrs`` records ``unit``, ``calibration_end`` and, with a holdout,
        ``observation_end`` and ``holdout_length`` (in ``unit``).

    Raises
    ------
    TypeError, ValueError
        Missing columns, empty table, missing customer ids, unparseable or missing
        dates, missing or negative amounts, ``observation_end`` without
        ``calibration_end`` or not after it, no customer purchasing by
        ``calibration_end``.

    Warns
    -----
    DataEndWarning
        ``calibration_end`` (or ``observation_end``) after the last purchase in the
        data: the days in between count as days in which no customer bought.

    Examples
    --------
    >>> s = summary(tx, columns=TransactionColumns(amount="TotalAmount"),
    ...             calibration_end="1997-09-30")                     # doctest: +SKIP
    >>> BetaGeo().fit(s).p_alive(s)                                    # doctest: +SKIP
    """
    from kmeans_np.dask_detect import is_dask_frame

    periods = Periods.resolve(calibration_end, observation_end, unit)
    if is_dask_frame(transactions):
        from rfm.clv.customer_summary_dask import summary_dask

        cols = TransactionColumns.resolve(transactions.columns, columns, given_as=COLUMNS)
        return summary_dask(
            transactions, columns=cols, periods=periods, backend=backend, compute=compute
        )
    check_frame(transactions)
    cols = TransactionColumns.resolve(transactions.columns, columns, given_as=COLUMNS)
    needed = [cols.customer, cols.date, *cols.money]
    check_role_columns(transactions, cols.roles(), needed, given_as=COLUMNS)
    # (no allow_negative here: the models count purchases, and a return is none)
    amount = cols.line_amounts(transactions, allow_negative=False, negative_fix=None)
    day = day_numbers(parse_dates(transactions[cols.date], cols.date))
    backend = resolve_backend(backend, n=len(transactions), numba_from=NUMBA_FROM_ROWS)
    keys = customer_keys(transactions[cols.customer], backend)
    period = periods.period_of(day)
    last_line_day = int(day.max())  # of every line, those after the periods too
    rows = None
    if period is None:
        period = np.zeros(len(day), dtype=np.int8)
    elif (period < 0).any():
        rows = np.flatnonzero(period >= 0)
    hi, lo = keys.hi, keys.lo
    if rows is not None:
        hi, lo, day, amount, period = hi[rows], lo[rows], day[rows], amount[rows], period[rows]
    if not (period == 0).any():
        raise ValueError(no_calibration_message(periods))
    occ = occasions(hi, lo, day, amount, period, backend=backend)
    first_rows = occ.row if rows is None else rows[occ.row]
    ids = keys.labels(first_rows).rename(cols.customer)
    table = build_summary(ids, occ, periods, int(occ.last.max()))
    warn_past_the_data(periods, last_line_day)
    return table


