"""North-star KPIs of an online shop: monthly revenue, active and new customers; weekday × hour.

A *new* customer of a month is one whose first purchase in the whole table falls in
that month, so each customer is new exactly once and the new customers of all months add
up to the number of customers. A widely copied tutorial recipe instead sums a per-row
flag ``InvoiceDate == FirstPurchaseDate``, which counts every order line of the first
invoice (an invoice with 12 lines makes one customer "12 new customers"); that is how
it concludes that "new customers significantly outnumber active customers".
:func:`monthly` counts customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rfm._grouping.keys import refuse_ids_alike
from rfm._inputs import check_frame
from rfm._kpi_core import month_numbers, monthly_frame, revenue_and_dates
from rfm._table_core import is_return
from rfm.columns import TransactionColumns

__all__ = ["WEEKDAYS", "monthly", "weekday_hour"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _columns(
    df: pd.DataFrame, customer: str, date: str, amount: str | None, quantity: str | None,
    price: str | None,
    columns: TransactionColumns | None = None,
) -> TransactionColumns:
    check_frame(df)
    return TransactionColumns.resolve(df.columns, columns, customer=customer, invoice=None,
                                      date=date, amount=amount, quantity=quantity,
                                      price=price)  # fmt: skip


def monthly(
    transactions: pd.DataFrame,
    *,
    customer: str = "CustomerID",
    date: str = "InvoiceDate",
    amount: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    columns: TransactionColumns | None = None,
) -> pd.DataFrame:
    """Revenue, active customers and new customers per calendar month.

    Parameters
    ----------
    transactions : DataFrame
        Order lines (cleaned: no missing customer ids); left unchanged.
    customer, date : str
        Column names.
    amount, quantity, price : str, optional
        Where line revenue comes from: ``amount``, else ``quantity`` × ``price``; with
        none given, a ``TotalAmount`` column, else ``Quantity`` × ``UnitPrice``
        (:class:`rfm.TransactionColumns`).
    columns : TransactionColumns, optional
        All the column roles at once; when given it replaces the names above.

    Returns
    -------
    DataFrame
        Indexed by month (``PeriodIndex``, every month from the first to the last, months
        without orders included with zeros), columns ``revenue`` (net of returns),
        ``active_customers`` (distinct buyers that month), ``new_customers`` (customers
        whose first purchase is in that month) and ``new_customer_ratio`` = new / active
        (NaN without buyers). A return (a line worth less than 0, kept by the cleaning
        with ``allow_negative``) reduces its month's revenue but makes no buyer: a
        customer whose only line of a month is a return is not active that month, nor
        new, as :func:`rfm.rfm_table` counts no order nor purchase date for it.

    A ``dask.dataframe.DataFrame`` gives the same table, computed partition by
    partition (:mod:`rfm.kpis_dask`).
    """
    from kmeans_np.dask_detect import is_dask_frame

    if is_dask_frame(transactions):
        from rfm.kpis_dask import monthly_dask

        cols = TransactionColumns.resolve(transactions.columns, columns, customer=customer,
                                          invoice=None, date=date, amount=amount,
                                          quantity=quantity, price=price)  # fmt: skip
        return monthly_dask(transactions, cols)
    cols = _columns(transactions, customer, date, amount, quantity, price, columns)
    customer, date = cols.customer, cols.date
    revenue, dates = revenue_and_dates(transactions, [customer], date, cols)
    cust, distinct = pd.factorize(transactions[customer], use_na_sentinel=True)
    refuse_ids_alike(distinct, transactions[customer])  # 17850 and "17850": one customer?
    if (cust < 0).any():
        raise ValueError(
            f"customer column {customer!r} has {int((cust < 0).sum())} missing id(s); "
            "drop guest rows first (clean_transactions)."
        )
    cust = cust.astype(np.int64)
    month_no = month_numbers(dates)
    first_month = int(month_no.min())
    month = month_no - first_month
    n_months = int(month.max()) + 1
    n_cust = int(cust.max()) + 1

    rev = np.bincount(month, weights=revenue, minlength=n_months)
    bought = ~is_return(revenue)  # a return alone makes no buyer of the month
    pairs = np.unique(month[bought] * n_cust + cust[bought])
    active = np.bincount(pairs // n_cust, minlength=n_months)
    first = np.full(n_cust, n_months, dtype=np.int64)  # n_months: never bought
    np.minimum.at(first, cust[bought], month[bought])
    new = np.bincount(first, minlength=n_months + 1)[:n_months]

    return monthly_frame(first_month, rev, active, new)


def weekday_hour(
    transactions: pd.DataFrame,
    *,
    date: str = "InvoiceDate",
    amount: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    columns: TransactionColumns | None = None,
) -> pd.DataFrame:
    """Revenue by day of week × hour of day, a 7 × 24 matrix (for a revenue heatmap).

    Returns
    -------
    DataFrame
        Index ``Mon`` .. ``Sun`` (named ``weekday``), columns 0 .. 23 (named ``hour``);
        cells without orders are 0. Date and money columns are as for :func:`monthly`.
    """
    cols = _columns(transactions, "CustomerID", date, amount, quantity, price, columns)
    date = cols.date
    revenue, dates = revenue_and_dates(transactions, [], date, cols)
    cell = dates.dt.day_of_week.to_numpy().astype(np.int64) * 24 + dates.dt.hour.to_numpy()
    matrix = np.bincount(cell, weights=revenue, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(
        matrix,
        index=pd.Index(WEEKDAYS, name="weekday"),
        columns=pd.Index(range(24), name="hour"),
    )
