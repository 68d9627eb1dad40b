"""The customer summary of a Dask DataFrame: the in-memory answer, reduced on the workers.

:func:`rfm.clv.summary` sends a ``dask.dataframe.DataFrame`` here. The steps follow
:func:`rfm.rfm_table`'s Dask path (:mod:`rfm.table_dask`, which explains the choice of a
shuffle over a tree reduction), with purchase days in place of invoices:

1. **occasions per partition** — each input partition is checked like the in-memory
   table (errors name the partition and its file), its dates become day numbers and
   its lines are folded into one row per (customer, period, day) with the day's money
   (the numba grouping kernel of :mod:`rfm._grouping.combine_numba`);
2. **shuffle** those rows on the customer id, so that all days of a customer meet;
3. **per customer** — each shuffled piece is reduced by the in-memory reduction
   (:func:`rfm.clv.occasions.occasions`): a day that two input partitions both held
   merges into one occasion, exactly as in memory;
4. **finish** — ``T`` needs the end of the calibration period, which by default is the
   last purchase day of all: one global maximum, then each piece is finished on its own.

Counts and times equal the in-memory ones exactly. Money is added in another order (per
partition first), so ``monetary`` may differ in the last bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import resolve_backend
from kmeans_np.jit import load_kernels
from rfm._dask_parts import (
    Spec,
    partition_columns,
    shuffle_method,
    sorted_by_spec,
    words,
)
from rfm._grouping.keys import encode_keys
from rfm._inputs import check_role_columns, parse_dates
from rfm.clv._summary_core import (
    HOLDOUT_COLUMNS,
    SUMMARY_COLUMNS,
    Periods,
    build_summary,
    customer_keys,
    day_numbers,
    no_calibration_message,
    summary_attrs,
    warn_past_the_data,
)
from rfm.clv.occasions import Occasions, occasions
from rfm.columns import COLUMNS, TransactionColumns

__all__ = ["summary_dask"]

DAY, PERIOD, MONEY = "_day", "_period", "_money"
STATS = ("_first", "_last", "_days", "_repeat_spend", "_holdout_days", "_holdout_spend")


def _empty_days(spec: Spec) -> pd.DataFrame:
    return pd.DataFrame({
        spec.customer: pd.Series([], dtype=spec.dtypes[spec.customer]),
        DAY: pd.Series([], dtype=np.int64),
        PERIOD: pd.Series([], dtype=np.int8),
        MONEY: pd.Series([], dtype=np.float64),
    })


def _days(pdf: pd.DataFrame, spec: Spec, periods: Periods,
          partition_info: dict | None = None) -> pd.DataFrame:
    """Step 1: one input partition → one row per (customer, period, day)."""
    where, pdf = partition_columns(pdf, spec, partition_info)
    if len(pdf) == 0:
        return _empty_days(spec)
    try:
        roles = TransactionColumns(
            spec.customer, None, spec.date, spec.amount, spec.quantity, spec.price
        )
        money = roles.line_amounts(pdf, allow_negative=False, negative_fix=None)
        day = day_numbers(parse_dates(pdf[spec.date], spec.date))
        keys = customer_keys(pdf[spec.customer], spec.backend)
    except (ValueError, TypeError) as exc:
        if str(exc).startswith(where):
            raise
        raise type(exc)(f"{where}: {exc}") from None
    period = periods.period_of(day)
    if period is None:
        period = np.zeros(len(day), dtype=np.int8)
    kept = np.flatnonzero(period >= 0)
    customers = pdf[spec.customer]
    if spec.backend == "numba":  # fold the lines of a day into one row before shuffling
        kernel = load_kernels("rfm._grouping.combine_numba").combine_groups
        k = kept
        rows, _, _, money_k, _ = kernel(
            *words(keys.hi[k], keys.lo[k], period[k].astype(np.uint64),
                    day[k].view(np.uint64)),
            day[k], day[k], np.ascontiguousarray(money[k]), np.zeros(len(k), dtype=np.int64),
        )
        kept, money = k[rows], money_k
    else:
        money = money[kept]
    return pd.DataFrame({
        spec.customer: customers.take(kept).reset_index(drop=True),
        DAY: day[kept],
        PERIOD: period[kept],
        MONEY: money,
    })


def _empty_customers(spec: Spec) -> pd.DataFrame:
    columns = {name: pd.Series([], dtype=np.float64 if "spend" in name else np.int64)
               for name in STATS}
    return pd.DataFrame(columns, index=pd.Index([], dtype=spec.id_dtype, name=spec.customer))


def _customers(days: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Step 3: shuffled day rows → one row per customer (the in-memory reduction)."""
    if not (days[PERIOD].to_numpy() == 0).any():
        return _empty_customers(spec)
    keys = encode_keys(days[spec.customer], backend=spec.backend)
    occ = occasions(keys.hi, keys.lo, days[DAY].to_numpy(), days[MONEY].to_numpy(),
                    days[PERIOD].to_numpy(), backend=spec.backend)
    return pd.DataFrame(
        dict(zip(STATS, occ[1:], strict=True)),
        index=keys.labels(occ.row).rename(spec.customer),
    )


def _finish(customers: pd.DataFrame, periods: Periods, last_day: Any) -> pd.DataFrame:
    """Step 4: the summary of one piece of customers."""
    stats = [customers[name].to_numpy() for name in STATS]
    occ = Occasions(np.zeros(len(customers), dtype=np.int64), *stats)
    last = int(last_day) if len(customers) else 0
    table = build_summary(customers.index, occ, periods, last)
    table.attrs = {}
    return table


def _summary_meta(spec: Spec, periods: Periods) -> pd.DataFrame:
    names = SUMMARY_COLUMNS + (HOLDOUT_COLUMNS if periods.observation_end is not None else ())
    columns = {name: pd.Series([], dtype=np.int64 if name.startswith("x") else np.float64)
               for name in names}
    meta = pd.DataFrame(columns, index=pd.Index([], dtype=spec.id_dtype, name=spec.customer))
    meta.attrs["unit"] = periods.unit
    return meta


def _last_line_day(dates: pd.Series) -> pd.Series:
    """The last day of one partition's lines (none for an empty partition, or one whose
    dates do not parse: step 1 says what is wrong with them, naming the partition)."""
    try:
        day = day_numbers(parse_dates(dates, str(dates.name)))
    except (ValueError, TypeError):
        day = np.zeros(0, dtype=np.int64)
    return pd.Series([int(day.max())] if len(day) else [], dtype=np.int64)


def lazy_last_line_day(ddf: Any, spec: Spec, periods: Periods) -> Any:
    """The last day of all the order lines, those after the periods too, as a Dask
    scalar (``None`` when no ``calibration_end`` was given: the period then ends on it),
    for :func:`rfm.clv._summary_core.warn_past_the_data`."""
    if periods.calibration_end is None:
        return None
    return ddf[spec.date].map_partitions(_last_line_day,
                                         meta=pd.Series([], dtype=np.int64)).max()


def lazy_summary(
    ddf: Any, *, columns: TransactionColumns, periods: Periods, backend: str
) -> tuple[Any, Any, Spec]:
    """The summary as a Dask DataFrame partitioned by customer (rows in no set order,
    ``_meta.attrs`` holding the unit), the last calibration purchase day as a Dask
    scalar, and the checked column spec (for :func:`finish`)."""
    meta = ddf._meta
    needed = [columns.customer, columns.date, *columns.money]
    check_role_columns(meta, columns.roles(), needed, given_as=COLUMNS)
    if ddf.npartitions == 0:
        raise ValueError("transactions is empty (0 partitions); there is nothing to compute.")
    spec = Spec(
        columns.customer, columns.date, None, columns.amount, columns.quantity, columns.price,
        False, resolve_backend(backend),
        dtypes={col: meta[col].dtype for col in dict.fromkeys(needed)},
    )
    days = ddf.map_partitions(_days, spec, periods, meta=_empty_days(spec),
                              enforce_metadata=False)
    shuffled = days.shuffle(
        on=spec.customer,
        npartitions=ddf.npartitions,  # one piece per partition, as the RFM table's
        shuffle_method=shuffle_method("tasks"),
    )
    customers = shuffled.map_partitions(_customers, spec, meta=_empty_customers(spec),
                                        enforce_metadata=False)
    last_day = customers["_last"].max()
    table = customers.map_partitions(_finish, periods, last_day,
                                     meta=_summary_meta(spec, periods), enforce_metadata=False)
    return table, last_day, spec


def finish(result: pd.DataFrame, last_day: Any, spec: Spec, periods: Periods,
           last_line_day: Any = None) -> pd.DataFrame:  # fmt: skip
    """A computed summary (possibly with more columns) in the in-memory row order, with
    the in-memory ``attrs``; the in-memory warning when the periods end after
    ``last_line_day`` (:func:`lazy_last_line_day`, computed)."""
    if len(result) == 0:
        raise ValueError(no_calibration_message(periods))
    result = sorted_by_spec(result, spec)
    cal = periods.calibration_end if periods.calibration_end is not None else int(last_day)
    result.attrs = summary_attrs(periods, cal)
    if last_line_day is not None:
        warn_past_the_data(periods, int(last_line_day), stacklevel=5)
    return result


def summary_dask(
    ddf: Any, *, columns: TransactionColumns, periods: Periods, backend: str, compute: bool
) -> Any:
    """:func:`rfm.clv.summary` of a Dask DataFrame (see the module docstring).

    Returns the pandas summary (``compute=True``) or a Dask DataFrame partitioned by
    customer (``compute=False``; its ``_meta.attrs`` holds the unit).
    """
    import dask

    table, last_day, spec = lazy_summary(ddf, columns=columns, periods=periods,
                                         backend=backend)
    if not compute:
        return table
    last_line = lazy_last_line_day(ddf, spec, periods)
    result, last, last_line = dask.compute(table, last_day, last_line)  # one pass
    return finish(result, last, spec, periods, last_line)
