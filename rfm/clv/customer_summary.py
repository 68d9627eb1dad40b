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

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, resolve_backend
from rfm._grouping.keys import Keys, encode_keys
from rfm._inputs import check_frame, parse_dates
from rfm.clv.occasions import Occasions, occasions
from rfm.columns import TransactionColumns

__all__ = ["DAYS_PER_UNIT", "SUMMARY_COLUMNS", "summary"]

#: length of each time unit in days (a month is a twelfth of a Julian year)
DAYS_PER_UNIT = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}

#: the summary's columns, in order (then ``x_holdout``, ``monetary_holdout`` with a holdout)
SUMMARY_COLUMNS = ("x", "t_x", "T", "monetary")
HOLDOUT_COLUMNS = ("x_holdout", "monetary_holdout")

#: below this many lines ``backend="auto"`` uses the numpy twin (no compilation wait)
NUMBA_FROM_ROWS = 20_000


def check_unit(unit: Any, name: str = "unit") -> str:
    """``"D"``, ``"W"`` or ``"M"``, or a ``ValueError``."""
    if not isinstance(unit, str) or unit not in DAYS_PER_UNIT:
        raise ValueError(f"{name} must be 'D' (days), 'W' (weeks) or 'M' (months), got {unit!r}.")
    return unit


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Calendar day of each date as days since 1970-01-01 (int64).

    Time-zone-aware dates count in their own zone (the day the shop saw), not in UTC.
    """
    if getattr(dates.dtype, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)  # wall-clock time in the dates' own zone
    return dates.to_numpy().astype("datetime64[D]").view(np.int64)


def _day_of(value: Any, name: str) -> int:
    """The calendar day of a date given by the user, as a day number."""
    if not isinstance(value, (str, _dt.date, np.datetime64, pd.Timestamp)):
        raise TypeError(f"{name} must be a date (str, datetime, Timestamp), got "
                        f"{type(value).__name__}.")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} {value!r} is not a date that parses ({exc}).") from None
    if ts is pd.NaT:
        raise ValueError(f"{name} is NaT; give a real date.")
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return int(np.datetime64(ts.to_datetime64(), "D").view(np.int64))


def as_timestamp(day: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(day), "D"))


@dataclass(frozen=True)
class Periods:
    """The calibration and holdout periods as day numbers (see :func:`summary`).

    ``calibration_end`` is ``None`` until the data say it (the last purchase day).
    """

    calibration_end: int | None
    observation_end: int | None
    unit: str

    @classmethod
    def resolve(cls, calibration_end: Any, observation_end: Any, unit: Any) -> Periods:
        """Check the user's period arguments (before any data is read)."""
        unit = check_unit(unit)
        cal = None if calibration_end is None else _day_of(calibration_end, "calibration_end")
        obs = None if observation_end is None else _day_of(observation_end, "observation_end")
        if obs is not None:
            if cal is None:
                raise ValueError(
                    "observation_end needs calibration_end: the holdout period runs from "
                    "the day after calibration_end to observation_end."
                )
            if obs <= cal:
                raise ValueError(
                    f"observation_end ({as_timestamp(obs).date()}) must be after "
                    f"calibration_end ({as_timestamp(cal).date()})."
                )
        return cls(cal, obs, unit)

    def period_of(self, day: np.ndarray) -> np.ndarray | None:
        """0 (calibration), 1 (holdout) or -1 (ignored) per line; ``None``: all calibration."""
        if self.calibration_end is None:
            return None
        period = (day > self.calibration_end).astype(np.int8)
        end = self.observation_end if self.observation_end is not None else self.calibration_end
        period[day > end] = -1
        return period


def build_summary(ids: pd.Index, occ: Occasions, periods: Periods, last_day: int) -> pd.DataFrame:
    """The summary table from per-customer occasions (shared with the Dask path).

    ``last_day`` is the last calibration purchase day of all customers: the end of the
    calibration period when none was given.
    """
    cal = periods.calibration_end if periods.calibration_end is not None else last_day
    scale = DAYS_PER_UNIT[periods.unit]
    x = occ.days - 1
    repeat = x > 0
    columns: dict[str, np.ndarray] = {
        "x": x,
        "t_x": (occ.last - occ.first) / scale,
        "T": (cal - occ.first) / scale,
        "monetary": np.divide(occ.repeat_spend, x, out=np.zeros(len(x)), where=repeat),
    }
    if periods.observation_end is not None:
        held = occ.holdout_days > 0
        columns["x_holdout"] = occ.holdout_days
        columns["monetary_holdout"] = np.divide(
            occ.holdout_spend, occ.holdout_days, out=np.zeros(len(x)), where=held
        )
    table = pd.DataFrame(columns, index=ids, copy=False)
    table.attrs.update(summary_attrs(periods, cal))
    return table


def summary_attrs(periods: Periods, calibration_end: int) -> dict[str, Any]:
    """What a summary records about itself in ``DataFrame.attrs``."""
    attrs: dict[str, Any] = {"unit": periods.unit, "calibration_end": as_timestamp(calibration_end)}
    if periods.observation_end is not None:
        attrs["observation_end"] = as_timestamp(periods.observation_end)
        attrs["holdout_length"] = (
            (periods.observation_end - calibration_end) / DAYS_PER_UNIT[periods.unit]
        )
    return attrs


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
        in the table; with no ``observation_end``, later purchases are ignored.
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

        cols = columns or TransactionColumns.for_frame(list(transactions.columns))
        return summary_dask(
            transactions, columns=cols, periods=periods, backend=backend, compute=compute
        )
    check_frame(transactions)
    cols = columns or TransactionColumns.for_frame(transactions)
    check_columns(transactions, [cols.customer, cols.date, *cols.money], what="transactions")
    amount = cols.line_amounts(transactions, allow_negative=False)
    day = day_numbers(parse_dates(transactions[cols.date], cols.date))
    backend = resolve_backend(backend, n=len(transactions), numba_from=NUMBA_FROM_ROWS)
    keys = customer_keys(transactions[cols.customer], backend)
    period = periods.period_of(day)
    rows = None
    if period is None:
        period = np.zeros(len(day), dtype=np.int8)
    elif (period < 0).any():
        rows = np.flatnonzero(period >= 0)
    hi, lo = keys.hi, keys.lo
    if rows is not None:
        hi, lo, day, amount, period = hi[rows], lo[rows], day[rows], amount[rows], period[rows]
    if not (period == 0).any():
        raise ValueError(_no_calibration_message(periods))
    occ = occasions(hi, lo, day, amount, period, backend=backend)
    first_rows = occ.row if rows is None else rows[occ.row]
    ids = keys.labels(first_rows).rename(cols.customer)
    return build_summary(ids, occ, periods, int(occ.last.max()))


def customer_keys(ids: pd.Series, backend: str) -> Keys:
    """The customers' exact, ordered keys; a ``ValueError`` when an id is missing."""
    keys = encode_keys(ids, backend=backend)
    if keys.missing is not None:
        raise ValueError(
            f"customer column {ids.name!r} has {int(keys.missing.sum())} missing id(s); "
            "every purchase needs a customer. Drop guest rows first, e.g. with "
            "clean_transactions (drop_missing_customer=True)."
        )
    return keys


def _no_calibration_message(periods: Periods) -> str:
    day = as_timestamp(int(periods.calibration_end or 0)).date()
    return (
        f"no purchase on or before calibration_end ({day}); choose a later "
        "calibration_end."
    )
