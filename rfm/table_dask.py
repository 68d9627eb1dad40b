"""The RFM table of a Dask DataFrame: the same answer as in memory, partition by partition.

:func:`rfm.rfm_table` sends a ``dask.dataframe.DataFrame`` here. Three steps, each on the
workers and each holding one partition (or one shuffled piece) in memory at a time:

1. **pre-aggregate** every input partition on its own: its rows are checked exactly as
   in memory (the error names the partition, and the file when the frame comes from
   :func:`rfm.read_parquet_dask`), ids become exact keys (:mod:`rfm._grouping.keys`)
   and a numba kernel (``combine_runs`` in :mod:`rfm._grouping.combine_numba`) reduces
   each run of lines of one (customer, order) pair to one row, the order being the
   invoice or, without an invoice column, the purchase day: first and last date and
   spend. An order's lines usually follow each other; one whose lines lie far apart
   may give two rows, which step 3 counts as one order.
2. **shuffle** those pair rows on the customer id, so that every pair of a customer,
   from whichever partition, meets in one output partition.
3. **combine** each shuffled partition: its rows are sorted by customer, and each
   customer's run reduces to first / last date, spend and frequency = number of
   distinct orders, a pair that met from several rows (an invoice cut by a file
   boundary) counting once (``combine_sorted_pairs``) — exact, with no
   ``groupby().nunique()``.

Kept returns (``allow_negative``: lines worth less than 0) make pair rows of their own,
marked, in step 1; step 3 adds them to their customer's spend only, as in memory (a
return is no order and no purchase date), and a customer with returns alone leaves the
table when it is finished (counted when it is gathered).

The snapshot comes from the latest last purchase, so it equals the in-memory default.
:func:`rfm_table_dask` gathers the customers' aggregates (four of them, and the dates'
resolution), each partition straight to the calling process, and finishes the table
there (recency, tenure, the dates); with ``compute=False`` it is finished partition by
partition after one global reduction. On 100M order lines in 50 files these changes
(runs instead of a hash table of every pair, sorting instead of hashing the customers,
gathering the aggregates directly) took the table from 40 s to 27-35 s, and the radix sort
of the pieces (:func:`rfm._grouping.aggregate.sort_by_key`) from 31 s to 24.5-26 s side by side
with DuckDB's query, which took 18-26 s on the same machines (2026-12-06, README).

Why a shuffle and not a tree reduction: a tree reduction (Dask's ``split_out=1``
default) concatenates partial results pairwise up to one final task, which must hold
every customer — and here the partial results barely shrink (a partition's pairs number
about half its rows, since invoices have few lines), so the root would hold almost the
whole data set. A hash shuffle on the customer key (what Dask's groupby does for high
cardinality with ``split_out > 1``) keeps every task's memory at about one partition,
sends each pair row over the network once, and leaves the customer table partitioned
by customer, which ``compute=False`` returns as it is.

Which shuffle: Dask's task shuffle, into as many pieces as there are input partitions.
On 100M order lines in 50 files (2 worker processes, 45M pair rows) the whole table on
Dask, from reading to the gathered result, took 38 s this way (medians of two
interleaved runs, 2026-12-06), and 59 s with Dask's peer-to-peer shuffle, its default on
a distributed cluster, in an earlier measurement. Fewer, larger pieces (one per five
partitions) took the same time, but more memory: the combine of a piece holds the
piece, its keys and the kernel's outputs at once, and during ``rfmseg segment --dask``
the cluster's processes reached 6.3-7.1 GiB together in four runs, against 4.9 GiB with one
piece per partition. (An earlier measurement had one piece per partition at 53 s against
42 s; the interleaved runs did not reproduce that.) A task shuffle keeps its pieces in
worker memory, which the distributed workers spill to disk past their memory target;
for data far beyond the cluster's memory choose the peer-to-peer shuffle with
``dask.config.set({"dataframe.shuffle.method": "p2p"})``, which every shuffle of rfmseg
obeys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import numpy as np
import pandas as pd

from kmeans_np.checks import resolve_backend
from kmeans_np.jit import load_kernels
from rfm._dask_parts import (
    UNITS,
    Spec,
    in_memory_ids,
    order_like_memory,
    partition_columns,
    shuffle_method,
    words,
)
from rfm._grouping.aggregate import aggregate, sort_by_key
from rfm._grouping.keys import encode_keys
from rfm._inputs import check_role_columns, parse_dates
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
from rfm.columns import KEYWORDS, TransactionColumns, pass_roles

__all__ = ["rfm_table_dask", "rfm_table_graph"]

FIRST, LAST, SPEND, RES = "_first", "_last", "_spend", "_res"
#: the pair rows' mark of returns (``allow_negative`` only): the (customer, order) pair's
#: return lines, apart from its purchase lines (:func:`rfm._table_core.is_return`)
RETURN = "_return"
#: the customers' columns the table is built from, in ``_table_of``'s order
AGGREGATES = (FIRST, LAST, "monetary", "frequency")
#: the order key of a pair row without an invoice column: the purchase day
DAY = "_day"


def _order_column(spec: Spec) -> str:
    """The pair rows' order key: the invoice column, else the purchase day."""
    return spec.invoice if spec.invoice is not None else DAY


def _empty_pairs(spec: Spec) -> pd.DataFrame:
    cols: dict[str, Any] = {spec.customer: pd.Series([], dtype=spec.dtypes[spec.customer])}
    key_dtype = spec.dtypes[spec.invoice] if spec.invoice is not None else np.int64
    cols[_order_column(spec)] = pd.Series([], dtype=key_dtype)
    cols.update(
        {
            FIRST: pd.Series([], dtype=np.int64),
            LAST: pd.Series([], dtype=np.int64),
            SPEND: pd.Series([], dtype=np.float64),
            RES: pd.Series([], dtype=np.int8),
        }
    )
    if spec.allow_negative:
        cols[RETURN] = pd.Series([], dtype=bool)
    return pd.DataFrame(cols)


def _ns_ticks(pdf: pd.DataFrame, spec: Spec, where: str) -> tuple[np.ndarray, int, pd.Series]:
    """The partition's dates as int64 nanoseconds (UTC when tz-aware), their unit rank,
    and the parsed dates."""
    dates = parse_dates(pdf[spec.date], spec.date)
    ticks, unit, tz = date_ticks(dates)
    if (tz is None) != (spec.date_tz is None):
        raise ValueError(
            f"{where}: the dates of column {spec.date!r} carry a time zone ({tz}) that "
            "the data set's schema does not; convert the column to datetimes first "
            "(dd.to_datetime(..., utc=True))."
        )
    rank = UNITS.index(unit)
    scale = 10 ** (9 - 3 * rank)
    if scale > 1:
        limit = np.iinfo(np.int64).max // scale
        if ticks.size and (ticks.max() > limit or ticks.min() < -limit):
            raise ValueError(
                f"{where}: column {spec.date!r} holds dates outside 1677-2262, which "
                "the RFM table built on Dask cannot represent."
            )
        ticks = ticks * scale
    return ticks, rank, dates


def _pairs(pdf: pd.DataFrame, spec: Spec, partition_info: dict | None = None) -> pd.DataFrame:
    """Step 1: one input partition → one row per (customer, order) pair (the order is the
    invoice, or the purchase day without an invoice column)."""
    where, pdf = partition_columns(pdf, spec, partition_info)
    if len(pdf) == 0:
        return _empty_pairs(spec)
    try:
        roles = TransactionColumns(
            spec.customer, spec.invoice, spec.date, spec.amount, spec.quantity, spec.price
        )
        line = roles.line_amounts(pdf, allow_negative=spec.allow_negative)
        ticks, rank, dates = _ns_ticks(pdf, spec, where)
        cust = encode_keys(pdf[spec.customer], backend=spec.backend)
        if cust.missing is not None:
            raise ValueError(
                f"customer column {spec.customer!r} has {int(cust.missing.sum())} missing "
                "id(s); RFM needs a customer for every line. Drop guest rows first, e.g. "
                "with clean_transactions (drop_missing_customer=True)."
            )
        if spec.invoice is None:  # the order is the purchase day
            days = purchase_days(dates)
            inv_hi, inv_lo = np.zeros(len(pdf), dtype=np.uint64), days.view(np.uint64)
        else:
            inv = encode_keys(pdf[spec.invoice], backend=spec.backend)
            if inv.missing is not None:
                raise ValueError(
                    f"invoice column {spec.invoice!r} has {int(inv.missing.sum())} missing "
                    f"value(s); fill or drop them, or {pass_roles('invoice=None', spec.given_as)}"
                    " to count purchase days."
                )
            inv_hi, inv_lo = inv.hi, inv.lo
    except (ValueError, TypeError) as exc:
        if str(exc).startswith(where):
            raise
        raise type(exc)(f"{where}: {exc}") from None
    key_words = words(cust.hi, cust.lo, inv_hi, inv_lo)
    day = days if spec.invoice is None else None
    back = is_return(line) if spec.allow_negative else None
    if back is None or not back.any():
        out = _pair_rows(pdf, spec, key_words, ticks, line, rank, day)
        return out.assign(**{RETURN: False}) if back is not None else out
    # a return is no order: its lines make pair rows of their own, marked, which the
    # combine adds to the customer's spend only
    parts = [_pair_rows(pdf, spec, key_words, ticks, line, rank, day, np.flatnonzero(b))
             for b in (~back, back)]  # fmt: skip
    marks = np.repeat([False, True], [len(p) for p in parts])
    return pd.concat(parts, ignore_index=True).assign(**{RETURN: marks})


def _pair_rows(
    pdf: pd.DataFrame, spec: Spec, key_words: list[np.ndarray], ticks: np.ndarray,
    line: np.ndarray, rank: int, days: np.ndarray | None, rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """The pair rows of the partition's lines ``rows`` (all when ``None``): first and
    last date and spend of each run of one (customer, order) pair."""
    if rows is not None:
        key_words = [w[rows] for w in key_words]
        ticks, line = ticks[rows], line[rows]
    kernel = load_kernels("rfm._grouping.combine_numba").combine_runs
    row, first, last, spend = kernel(
        *key_words, ticks, ticks, np.ascontiguousarray(line, dtype=np.float64),
    )
    if rows is not None:
        row = rows[row]
    out = {spec.customer: pdf[spec.customer].take(row).reset_index(drop=True)}
    if spec.invoice is not None:
        out[spec.invoice] = pdf[spec.invoice].take(row).reset_index(drop=True)
    else:
        out[DAY] = days[row]
    out.update({FIRST: first, LAST: last, SPEND: spend,
                RES: np.full(len(row), rank, dtype=np.int8)})  # fmt: skip
    # copy=False: the fresh arrays become the columns as they are. A Dask worker hands
    # freed memory back to the system at once (MALLOC_TRIM_THRESHOLD_), so every new
    # array is new pages to fault in, and a copy of each column would be that for nothing
    return pd.DataFrame(out, copy=False)


def _empty_customers(spec: Spec) -> pd.DataFrame:
    return pd.DataFrame(
        {
            FIRST: pd.Series([], dtype=np.int64),
            LAST: pd.Series([], dtype=np.int64),
            "monetary": pd.Series([], dtype=np.float64),
            "frequency": pd.Series([], dtype=np.int64),
            RES: pd.Series([], dtype=np.int8),
        },
        index=pd.Index([], dtype=spec.id_dtype, name=spec.customer),
    )


def _in_order(word: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``word[order]``, or ``word`` itself when it holds one value throughout (the ``hi``
    word of integer keys is all zeros): the same values without a gather into a fresh
    array."""
    return word if (word == word[0]).all() else word[order]


def _customers(pairs: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Step 3: shuffled pair rows → one row per customer, sorted by id.

    The rows are sorted by customer (a stable sort: each customer's rows keep their
    order; by radix, see :func:`rfm._grouping.aggregate.sort_by_key`),
    then every customer's run is reduced in one pass, an order that arrived from two
    partitions counting once (:func:`rfm._grouping.combine_numba.combine_sorted_pairs`).
    Sorted pieces also make the final sort of the gathered table a merge of sorted runs.

    Pair rows of returns (kept with ``allow_negative``) only add to their customer's
    spend (:func:`rfm._table_core.add_returns`); a customer with returns alone comes
    last, with a frequency of 0, and leaves when the table is finished (and counted).
    """
    if len(pairs) == 0:
        return _empty_customers(spec)
    cust = encode_keys(pairs[spec.customer], backend=spec.backend)
    back = pairs[RETURN].to_numpy() if RETURN in pairs.columns else None
    if back is None or not back.any():
        rows, first, last, money, freq = _bought(pairs, spec, cust, None)
    else:
        buy, ret = np.flatnonzero(~back), np.flatnonzero(back)
        rows, first, last, money, freq = _bought(pairs, spec, cust, buy)
        returned = aggregate((cust.hi[ret], cust.lo[ret]), None, pairs[FIRST].to_numpy()[ret],
                             pairs[SPEND].to_numpy()[ret], backend=spec.backend)  # fmt: skip
        ret_rows = ret[returned.row]
        net = add_returns((cust.hi[rows], cust.lo[rows]), money,
                          (cust.hi[ret_rows], cust.lo[ret_rows]), returned.monetary)  # fmt: skip
        alone = int(net.alone.sum())
        rows = np.concatenate([rows, ret_rows[net.alone]])
        first = np.concatenate([first, np.full(alone, np.iinfo(np.int64).max)])
        last = np.concatenate([last, np.full(alone, np.iinfo(np.int64).min)])  # below any
        money = np.concatenate([net.monetary, returned.monetary[net.alone]])
        freq = np.concatenate([freq, np.zeros(alone, dtype=np.int64)])
    res = pairs[RES].to_numpy()
    return pd.DataFrame(
        {
            FIRST: first,
            LAST: last,
            "monetary": money,
            "frequency": freq,
            RES: np.full(len(rows), res.max(), dtype=np.int8),
        },
        index=cust.labels(rows).rename(spec.customer),
        copy=False,  # fresh arrays (see _pairs)
    )


def _bought(
    pairs: pd.DataFrame, spec: Spec, cust: Any, rows: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """The customers of the pair rows ``rows`` (all when ``None``), sorted by key: a row
    of each, first and last date, spend and distinct orders (:func:`_customers`)."""
    first, last = pairs[FIRST].to_numpy(), pairs[LAST].to_numpy()
    spend = pairs[SPEND].to_numpy()
    inv = encode_keys(pairs[_order_column(spec)], backend=spec.backend)
    hi, lo, i_hi, i_lo = cust.hi, cust.lo, inv.hi, inv.lo
    if rows is not None:
        if len(rows) == 0:  # a piece of returns alone
            ints = np.zeros(0, dtype=np.int64)
            return ints, ints, ints, np.zeros(0, dtype=np.float64), ints
        hi, lo, i_hi, i_lo, first, last, spend = (
            a[rows] for a in (hi, lo, i_hi, i_lo, first, last, spend))
    kernel = load_kernels("rfm._grouping.combine_numba").combine_sorted_pairs
    # "auto" is numba here, whatever the piece's size: the Dask path groups with numba
    # anyway, and a cluster sorts many pieces, so the kernel pays for its compilation
    order = sort_by_key(hi, lo, backend=resolve_backend(spec.backend))
    starts, first, last, money, freq = kernel(
        *words(_in_order(hi, order), lo[order], _in_order(i_hi, order), i_lo[order]),
        first[order], last[order], spend[order],
    )
    found = order[starts]
    return (found if rows is None else rows[found]), first, last, money, freq


def _result_unit(spec: Spec, max_res: int) -> str:
    return spec.date_unit or UNITS[int(max_res)]


def _finish(
    customers: pd.DataFrame, spec: Spec, snapshot: Any, max_last: Any, max_res: Any
) -> pd.DataFrame:
    """Recency, tenure, dates and average order value of one partition of customers."""
    if max_last == np.iinfo(np.int64).min:  # order lines, yet not one purchase among them
        check_some_purchase(0)
    customers = customers[customers["frequency"].to_numpy() > 0]  # returns alone leave
    if len(customers) == 0:  # also when every partition is empty (max_last is NaN)
        return _table_meta(spec)
    # copies: the table keeps its arrays, and the partition's columns are shared
    # (read-only views, and other tasks read them)
    columns = [np.array(customers[col].to_numpy()) for col in AGGREGATES]
    return _table_of(customers.index, *columns, spec, snapshot, max_last, max_res)


def _table_of(
    ids: pd.Index,
    first: np.ndarray,
    last: np.ndarray,
    monetary: np.ndarray,
    frequency: np.ndarray,
    spec: Spec,
    snapshot: Any,
    max_last: Any,
    max_res: Any,
) -> pd.DataFrame:
    """The table of customers ``ids`` from their aggregates (dates as nanosecond ticks).
    The arrays must be the caller's own: the table keeps them (see ``build_table``)."""
    unit = _result_unit(spec, max_res)
    scale = 10 ** (9 - 3 * UNITS.index(unit))
    day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))
    snap = snapshot_ticks(snapshot, int(max_last) // scale, unit, day, spec.date_tz)
    if scale > 1:
        first //= scale
        last //= scale
    return build_table(ids, first, last, monetary, frequency,
                       snap=snap, unit=unit, tz=spec.date_tz)  # fmt: skip


def _table_meta(spec: Spec) -> pd.DataFrame:
    """Empty result with the right dtypes (the unit is a guess for text dates)."""
    unit = spec.date_unit or "ns"
    dates = pd.Series([], dtype=f"datetime64[{unit}]")
    if spec.date_tz is not None:
        dates = dates.dt.tz_localize("UTC").dt.tz_convert(spec.date_tz)
    ints = pd.Series([], dtype=np.int64)
    floats = pd.Series([], dtype=np.float64)
    kinds = [ints, ints, floats, dates, dates, ints, floats]
    columns = dict(zip(TABLE_COLUMNS, kinds, strict=True))
    return pd.DataFrame(
        columns, index=pd.Index([], dtype=spec.id_dtype, name=spec.customer)
    )


def _check_snapshot_kind(snapshot: Any, tz: Any) -> None:
    """Refuse a snapshot that can never be valid before any data is read (kind, time zone)."""
    if isinstance(snapshot, str) and snapshot in ("max+1d", "max"):
        return
    # the before-the-last-purchase check needs the data: the smallest tick passes it
    snapshot_ticks(snapshot, int(np.iinfo(np.int64).min), "ns", 86_400 * 10**9, tz)


def rfm_table_graph(
    ddf: Any,
    *,
    columns: TransactionColumns,
    snapshot: Any,
    allow_negative: bool,
    backend: str,
    given_as: str = KEYWORDS,
) -> tuple[Any, Callable[[pd.DataFrame], pd.DataFrame]]:
    """The lazy per-customer aggregates of :func:`rfm_table_dask` (first and last
    purchase, spend, orders: a Dask DataFrame partitioned by customer) and the function
    that turns them, computed, into :func:`rfm.rfm_table`'s table, in the in-memory
    order. The table's other columns (recency, tenure, the dates) are derived from them
    in this process, so the workers send five columns (the four aggregates and the
    dates' resolution) rather than seven. Compute the aggregates together with other
    work on the same order lines (``dask.compute``), and they are read once. ``given_as``:
    how the caller takes the column roles, for its messages (:mod:`rfm.columns`)."""
    spec, customers = _customer_graph(ddf, columns, snapshot, allow_negative, backend,
                                      given_as)  # fmt: skip

    def finish(result: pd.DataFrame) -> pd.DataFrame:
        if len(result) == 0:
            raise ValueError("transactions is empty (0 rows); there is nothing to compute.")
        bought = result["frequency"].to_numpy() > 0  # customers with returns alone leave
        alone = result[~bought]
        if len(alone):
            check_some_purchase(int(bought.sum()))
            result = result[bought]
        # the four columns the table is built from, each gathered into the in-memory
        # order with numpy (fresh arrays, which the table keeps as they are; the
        # resolution column is only reduced): at 10 million customers every column
        # gathered or copied is 80 MB of memory
        order = order_like_memory(result.index, spec.dtypes[spec.customer], spec.backend)
        columns = [result[col].to_numpy()[order] for col in AGGREGATES]
        table = _table_of(in_memory_ids(result.index.take(order)), *columns, spec, snapshot,
                          columns[1].max(), result[RES].max())  # fmt: skip
        table.attrs[RETURNS_ONLY] = len(alone)
        table.attrs[RETURNS_ONLY_SPEND] = dict(zip(in_memory_ids(alone.index),
                                                  alone["monetary"].tolist(), strict=True))
        return table

    return customers, finish


def _spec_of(
    ddf: Any, columns: TransactionColumns, allow_negative: bool, backend: str, given_as: str
) -> Spec:
    """The columns' roles and dtypes, once checked against the frame's schema."""
    meta = ddf._meta
    customer, date, invoice = columns.customer, columns.date, columns.invoice
    amount, quantity, price = columns.amount, columns.quantity, columns.price
    check_invoice_column(list(meta.columns), invoice, given_as)
    needed = [customer, date, *([invoice] if invoice is not None else []), *columns.money]
    check_role_columns(meta, columns.roles(), needed, given_as=given_as)
    if ddf.npartitions == 0:
        raise ValueError("transactions is empty (0 partitions); there is nothing to compute.")
    return Spec(
        customer, date, invoice, amount, quantity, price, bool(allow_negative), backend,
        dtypes={col: meta[col].dtype for col in dict.fromkeys(needed)}, given_as=given_as,
    )


def _customer_graph(
    ddf: Any, columns: TransactionColumns, snapshot: Any, allow_negative: bool, backend: str,
    given_as: str = KEYWORDS,
) -> tuple[Spec, Any]:
    """The checked spec, and steps 1-3 (module docstring): pair rows per partition, the
    shuffle on the customer, one row of aggregates per customer."""
    spec = _spec_of(ddf, columns, allow_negative, backend, given_as)
    _check_snapshot_kind(snapshot, spec.date_tz)
    # columns are selected inside the task, after the check that names a missing one
    pairs = ddf.map_partitions(
        _pairs, spec, meta=_empty_pairs(spec), enforce_metadata=False
    )
    # one piece per input partition: a piece's combine then holds about one partition's
    # pairs (module docstring, "Which shuffle")
    shuffled = pairs.shuffle(
        on=spec.customer, npartitions=ddf.npartitions, shuffle_method=shuffle_method("tasks")
    )
    return spec, shuffled.map_partitions(
        _customers, spec, meta=_empty_customers(spec), enforce_metadata=False
    )


def rfm_table_dask(
    ddf: Any,
    *,
    columns: TransactionColumns,
    snapshot: Any,
    allow_negative: bool,
    backend: str,
    compute: bool,
    given_as: str = KEYWORDS,
) -> Any:
    """:func:`rfm.rfm_table` of a Dask DataFrame (see the module docstring).

    Returns the pandas table (``compute=True``) or a Dask DataFrame partitioned by
    customer (``compute=False``; rows sorted within each partition only). ``given_as``:
    how the caller takes the column roles, for its messages (:mod:`rfm.columns`).
    """
    if compute:
        customers, finish = rfm_table_graph(
            ddf, columns=columns, snapshot=snapshot, allow_negative=allow_negative,
            backend=backend, given_as=given_as,
        )
        # Each partition straight to this process, joined here. customers.compute()
        # would first join them in one task on a worker (Dask's final step for a
        # DataFrame), so every byte would cross the network twice and one worker would
        # hold the whole table: for 20 million order lines (6 million customers, 2
        # worker processes) the gathering took 3.3 s that way against 1.0 s. (Only
        # here: Dask does not compute delayed pieces together with other DataFrames, as
        # the pipeline needs.)
        pieces = [part for part in dask.compute(customers.to_delayed())[0] if len(part)]
        return finish(pd.concat(pieces) if len(pieces) > 1 else pieces[0] if pieces
                      else customers._meta)  # fmt: skip
    spec, customers = _customer_graph(ddf, columns, snapshot, allow_negative, backend,
                                      given_as)  # fmt: skip
    return customers.map_partitions(
        _finish, spec, snapshot, customers[LAST].max(), customers[RES].max(),
        meta=_table_meta(spec), enforce_metadata=False,
    )
