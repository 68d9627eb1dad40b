"""From order lines to one RFM row per customer, vectorised.

The usual pandas recipe builds the RFM table with ``groupby(...).agg({"InvoiceDate": lambda x:
(snapshot - x.max()).days, "InvoiceNo": "nunique", "TotalAmount": "sum"})`` — a Python
function call per customer, minutes on ten million rows. :func:`rfm_table` gives the
same numbers with no Python code per customer: customer ids and invoice numbers become
exact, ordered integer keys (:mod:`rfm._grouping.keys`), dates become int64 ticks, and a
partitioned hash aggregation (numba) or one sort plus ``reduceat`` (numpy) yields every
customer's first and last date, spend and distinct invoices, customers in sorted order.
Recency, tenure and average order value follow as array arithmetic. Kept returns (lines
worth less than 0, ``allow_negative``) are aggregated apart and only added to the spend
(:func:`rfm._table_core.add_returns`): a return is no order and no purchase date.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import resolve_backend
from rfm._grouping.aggregate import CustomerAggregates, aggregate
from rfm._grouping.keys import encode_keys
from rfm._inputs import check_frame, check_role_columns, parse_dates
from rfm._table_core import (
    RETURNS_ONLY,
    RETURNS_ONLY_SPEND,
    TABLE_COLUMNS,
    add_returns,
    build_table,
    check_invoice_column,
    check_some_purchase,
    date_ticks,
    is_return,
    purchase_days,
    snapshot_ticks,
)
from rfm.columns import COLUMNS, KEYWORDS, TransactionColumns, pass_roles

__all__ = ["TABLE_COLUMNS", "purchase_days", "rfm_table"]

#: below this many rows ``backend="auto"`` groups with the numpy twin: it is as fast there
#: (measured: 5,000 rows take 31 ms with numba, 37 ms with numpy), and a first run on a
#: small file then does not spend seconds compiling the grouping kernels
NUMBA_FROM_ROWS = 20_000
#: ... and below this many, on a machine that has not compiled them yet: the numpy twin
#: groups a million rows in about 0.9 s, while compiling the kernels takes about 6 s
#: (measured 2026-12-06 on the benchmark machine). A first run on Online Retail or the
#: demo (0.5M and 0.2M rows) compiles nothing; a run at 1M rows and more compiles them
#: once, and every later run of any size uses them.
NUMBA_FROM_ROWS_COLD = 1_000_000


def rfm_table(
    df: pd.DataFrame,
    *,
    customer: str = "CustomerID",
    date: str = "InvoiceDate",
    invoice: str | None = "InvoiceNo",
    amount: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    snapshot: Any = "max+1d",
    allow_negative: bool = False,
    backend: str = "auto",
    columns: TransactionColumns | None = None,
    compute: bool = True,
) -> pd.DataFrame:
    """One row per customer: recency, frequency, monetary and purchase dates.

    Parameters
    ----------
    df : DataFrame or dask.dataframe.DataFrame
        Order lines (one row per line or per order); left unchanged. Clean it first
        (:func:`rfm.clean_transactions`) if it holds returns or guest orders. A Dask
        DataFrame is reduced partition by partition on the workers (memory bounded by
        the partition size) and gives the same table; an invoice may span partitions.
    customer : str
        Customer id column: strings, integers and categoricals all work (unused
        categories give no rows). Missing ids are an error, and so is a text column
        holding ids of two types that read the same (``17850`` and ``"17850"``: two
        customers to Python, one to you; make it one type, e.g. ``.astype(str)``).
    date : str
        Order date column: datetimes (naive or tz-aware) or strings that parse.
    invoice : str or None
        Invoice / order number column (default ``"InvoiceNo"``, as
        :class:`rfm.TransactionColumns`). Frequency counts distinct invoices per
        customer. With ``None`` (no invoice column) an order is a **purchase day**: the
        lines of one customer on one calendar day make one order, so two lines bought
        together are not two orders.
    amount : str, optional
        Line amount column; spend is its sum. Alternatively give ``quantity`` and
        ``price`` (spend = Σ quantity × price). With none of the three, a ``TotalAmount``
        column is used if present, else ``Quantity`` × ``UnitPrice``.
    snapshot : {"max+1d", "max"} or date
        The day recency is measured from: the last purchase in the table plus one day
        (the common convention), the last purchase itself, or a date on or after it.
        Recency and tenure count whole 24-hour periods between two instants, so with
        tz-aware dates a span across a daylight-saving change can differ by a day from
        the same count on the wall clock (the clock moved by an hour in between);
        purchase days (no invoice column) are calendar days in the dates' own time zone.
        A date without a time zone on tz-aware dates is that wall-clock time in the dates'
        zone; a tz-aware date on naive dates is refused.
    allow_negative : bool
        Line amounts below zero (returns) are an error unless this is true. Then a line
        worth less than 0 is a **return**: it reduces the customer's spend, but is no
        order and no purchase (RFM counts purchases for recency and frequency and nets
        returns in spend). An invoice (or purchase day) counts as an order when at least
        one of its lines is not a return, and the purchase dates, recency and the
        snapshot come from such lines. A customer whose lines are all returns (the
        purchase came before the data) has no purchase to count from: it is left out
        of the table, and counted in ``attrs["returns_only_customers"]`` (their spend,
        by id, in ``attrs["returns_only_spend"]``). Lines worth 0 (free items) are
        purchases. The snapshot is checked against the last purchase: a return dated
        after it still reduces its customer's spend.
    backend : {"auto", "numpy", "numba"}
        Implementation of the per-customer reductions (identical results). ``"auto"``
        is numba from ``NUMBA_FROM_ROWS`` rows on, numpy below; on a machine where the
        grouping kernels are not compiled yet, numpy below ``NUMBA_FROM_ROWS_COLD``
        rows (it is faster there than compiling them). (On a Dask DataFrame it chooses
        the id packing and the sort of the shuffled pieces, numpy's or a radix sort in
        numba; the grouping there is always numba.)
    columns : TransactionColumns, optional
        All the column roles at once (:class:`rfm.TransactionColumns`); when given it
        replaces ``customer``, ``date``, ``invoice``, ``amount``, ``quantity``, ``price``.
    compute : bool
        Dask DataFrames only: ``False`` returns the table as a Dask DataFrame
        partitioned by customer (rows sorted within each partition), for customer
        tables too big for one machine. Ignored for pandas input.

    Returns
    -------
    DataFrame
        Indexed by customer — sorted ids (category order for categoricals; numbers
        before strings when both occur, as pandas sorts them; ids that cannot be compared
        at all, such as bytes and ints, in order of first appearance) — columns:

        ``recency`` (int)
            whole days from the last purchase to the snapshot,
            ``(snapshot - last_purchase).days`` — the floor of the gap in days.
        ``frequency`` (int)
            distinct invoices (or purchase days, without an invoice column) holding a
            purchase: a return alone is no order (``allow_negative``).
        ``monetary`` (float)
            total spend, net of returns.
        ``first_purchase``, ``last_purchase`` (datetime)
            earliest and latest purchase date.
        ``tenure_days`` (int)
            ``(snapshot - first_purchase).days``: days since the first order, as
            the ``first_purchase_days`` of many RFM tutorials.
        ``avg_order_value`` (float)
            ``monetary / frequency``.

        ``attrs["snapshot"]`` is the snapshot used, ``attrs["returns_only_customers"]``
        the number of customers left out because all their lines are returns (0 without
        ``allow_negative``; with ``compute=False`` on Dask they are left out uncounted).

    Raises
    ------
    TypeError, ValueError
        Missing columns (named, with the columns found), empty table, missing customer
        ids, ids of two types that read the same, unparseable or missing dates (examples
        named), or dates whose day and month could be swapped, negative or missing amounts,
        non-numeric amounts, a snapshot before the last purchase, or (``allow_negative``)
        lines that are all returns.

    Examples
    --------
    >>> rfm = rfm_table(tx, invoice="InvoiceNo", amount="TotalAmount")  # doctest: +SKIP
    >>> rfm = rfm_table(tx, invoice="InvoiceNo", quantity="Quantity",
    ...                 price="UnitPrice", snapshot="max")             # doctest: +SKIP
    """
    from kmeans_np.dask_detect import is_dask_frame

    roles = dict(customer=customer, invoice=invoice, date=date, amount=amount,
                 quantity=quantity, price=price)  # fmt: skip
    given_as = COLUMNS if columns is not None else KEYWORDS  # how the messages name roles
    if is_dask_frame(df):
        from rfm.table_dask import rfm_table_dask

        cols = TransactionColumns.resolve(df.columns, columns, **roles)
        return rfm_table_dask(
            df, columns=cols, snapshot=snapshot, allow_negative=allow_negative,
            backend=backend, compute=compute, given_as=given_as,
        )
    check_frame(df)
    cols = TransactionColumns.resolve(df.columns, columns, **roles)
    customer, date, invoice = cols.customer, cols.date, cols.invoice
    check_invoice_column(list(df.columns), invoice, given_as)
    needed = [customer, date, *([invoice] if invoice is not None else []), *cols.money]
    check_role_columns(df, cols.roles(), needed, given_as=given_as)
    line = cols.line_amounts(df, allow_negative=allow_negative)

    dates = parse_dates(df[date], date)
    ticks, unit, tz = date_ticks(dates)
    backend = resolve_backend(
        backend, n=len(df), numba_from=NUMBA_FROM_ROWS,
        kernels="rfm._grouping.aggregate_numba", numba_from_cold=NUMBA_FROM_ROWS_COLD,
    )  # fmt: skip
    customer_keys = encode_keys(df[customer], backend=backend)
    if customer_keys.missing is not None:
        raise ValueError(
            f"customer column {customer!r} has {int(customer_keys.missing.sum())} missing "
            "id(s); RFM needs a customer for every line. Drop guest rows first, e.g. with "
            "clean_transactions (drop_missing_customer=True) or df.dropna(subset=[...])."
        )
    if invoice is not None:
        keys = encode_keys(df[invoice], backend=backend)
        if keys.missing is not None:
            raise ValueError(
                f"invoice column {invoice!r} has {int(keys.missing.sum())} missing "
                f"value(s); fill or drop them, or {pass_roles('invoice=None', given_as)} to "
                "count purchase days."
            )
        invoice_keys = (keys.hi, keys.lo)
    else:  # an order is a purchase day
        invoice_keys = (np.zeros(len(df), dtype=np.uint64), purchase_days(dates).view(np.uint64))

    agg, alone_rows, alone_spend = _purchases_net_of_returns(
        (customer_keys.hi, customer_keys.lo), invoice_keys, ticks, line, backend
    )
    ids = customer_keys.labels(agg.row).rename(customer)
    day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))  # ticks per day
    snap = snapshot_ticks(snapshot, int(agg.last.max()), unit, day, tz)
    table = build_table(
        ids, agg.first, agg.last, agg.monetary, agg.frequency, snap=snap, unit=unit, tz=tz
    )
    table.attrs[RETURNS_ONLY] = len(alone_rows)
    table.attrs[RETURNS_ONLY_SPEND] = dict(zip(customer_keys.labels(alone_rows),
                                              alone_spend.tolist(), strict=True))
    return table


def _purchases_net_of_returns(
    cust: tuple[np.ndarray, np.ndarray],
    inv: tuple[np.ndarray, np.ndarray],
    ticks: np.ndarray,
    line: np.ndarray,
    backend: str,
) -> tuple[CustomerAggregates, np.ndarray, np.ndarray]:
    """The customers' aggregates (``row``: a row of theirs in the order lines): dates and
    orders from the purchase lines, spend from those plus the returns
    (:func:`rfm._table_core.is_return`); and the customers left out because all their
    lines are returns: a row of each, and their net spend. Without returns, one
    aggregation of every line, as ever."""
    back = is_return(line)
    if not back.any():
        none = np.empty(0, dtype=np.int64)
        return aggregate(cust, inv, ticks, line, backend=backend), none, np.empty(0)
    buy, ret = np.flatnonzero(~back), np.flatnonzero(back)
    check_some_purchase(len(buy))
    bought = aggregate(tuple(w[buy] for w in cust), tuple(w[buy] for w in inv),  # type: ignore[arg-type]
                       ticks[buy], line[buy], backend=backend)  # fmt: skip
    returned = aggregate(tuple(w[ret] for w in cust), None,  # type: ignore[arg-type]
                         ticks[ret], line[ret], backend=backend)  # fmt: skip
    rows, ret_rows = buy[bought.row], ret[returned.row]
    net = add_returns((cust[0][rows], cust[1][rows]), bought.monetary,
                      (cust[0][ret_rows], cust[1][ret_rows]), returned.monetary)  # fmt: skip
    return (bought._replace(row=rows, monetary=net.monetary), ret_rows[net.alone],
            returned.monetary[net.alone])  # fmt: skip


