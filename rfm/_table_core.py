"""What the RFM table's two implementations share: its columns, the date ticks, the
snapshot, purchase days and the table built from per-customer aggregates.

:func:`rfm.rfm_table` (in memory, :mod:`rfm.table`) and its Dask twin
(:mod:`rfm.table_dask`) both import from here; neither imports the other's module, so
the Dask twin is a leaf.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from rfm._grouping.aggregate import key_positions
from rfm.columns import KEYWORDS, TransactionColumns, pass_roles, role_keywords

__all__ = [
    "RETURNS_ONLY",
    "RETURNS_ONLY_SPEND",
    "TABLE_COLUMNS",
    "DateOrNextDay",
    "ReturnsAdded",
    "SnapshotRefused",
    "add_returns",
    "build_table",
    "check_invoice_column",
    "check_snapshot",
    "check_some_purchase",
    "date_ticks",
    "in_dates_zone",
    "is_return",
    "purchase_days",
    "settled_snapshot",
    "snapshot_ticks",
]


#: the columns of :func:`rfm_table`'s result, in order
TABLE_COLUMNS = (
    "recency",
    "frequency",
    "monetary",
    "first_purchase",
    "last_purchase",
    "tenure_days",
    "avg_order_value",
)


#: the key of the table's ``attrs`` that counts the customers left out of it because every
#: line of theirs is a return (:func:`add_returns`)
RETURNS_ONLY = "returns_only_customers"
#: the key of the table's ``attrs`` holding those customers' net spend (their returns), a
#: dict by customer id: off the table's spend, yet in the order lines' revenue
RETURNS_ONLY_SPEND = "returns_only_spend"


def is_return(line: np.ndarray) -> np.ndarray:
    """Which order lines are returns: those worth less than 0 (a negative quantity or
    amount: a returned item, a cancellation or a credit note; a cancelled invoice's lines
    are such lines). A return reduces the customer's spend, but is no order and no
    purchase: an invoice counts as an order when at least one of its lines is not a
    return, and the first and last purchase are the dates of such lines. Lines worth 0
    (free items) are not returns."""
    return line < 0


def check_some_purchase(purchases: int) -> None:
    """Refuse order lines that are all returns: no customer has a purchase to count
    recency and frequency from."""
    if purchases == 0:
        raise ValueError(
            "every order line is a return (worth less than 0): there is no purchase to "
            "count recency and frequency from."
        )


class ReturnsAdded(NamedTuple):
    """:func:`add_returns`' answer: the buyers' spend net of their returns, and which
    customers with returns bought nothing (``alone``, aligned with the returns' keys)."""

    monetary: np.ndarray
    alone: np.ndarray


def add_returns(
    buyers: tuple[np.ndarray, np.ndarray],
    spend: np.ndarray,
    returners: tuple[np.ndarray, np.ndarray],
    returned: np.ndarray,
) -> ReturnsAdded:
    """Each buyer's ``spend`` (purchases) plus what it ``returned`` (negative sums).

    ``buyers`` and ``returners`` are the distinct customer keys ``(hi, lo)`` of the
    purchase lines and of the return lines, each in ascending order (as
    :func:`rfm._grouping.aggregate.aggregate` gives them), encoded together. A customer
    whose lines are all returns (the purchase came before the data) has no purchase to
    count recency from: it is left out of the table, and marked in ``alone``."""
    at = key_positions(buyers, returners)
    alone = at < 0
    monetary = spend.copy()
    monetary[at[~alone]] += returned[~alone]  # the positions are distinct
    return ReturnsAdded(monetary, alone)


class SnapshotRefused(ValueError):
    """A date given as the snapshot that these order lines cannot take: before their last
    purchase (recency would be negative), or of another kind of time (one time-zone aware,
    the other not). ``snapshot`` is the date, ``last`` the last purchase (``None`` for the
    time zones), so that a caller can say where the date came from, or count from another
    day; the message is :func:`rfm.rfm_table`'s."""

    def __init__(self, snapshot: pd.Timestamp, last: pd.Timestamp | None, tz: Any = None
                 ) -> None:  # fmt: skip
        self.snapshot, self.last, self.tz = snapshot, last, tz
        if last is None:
            text = (f"snapshot {snapshot} and the dates disagree on time zones (dates "
                    f"tz={tz}); give the snapshot in the same kind (both naive or both "
                    "tz-aware).")  # fmt: skip
        else:
            text = (f"snapshot {snapshot} is before the last purchase ({last}); recency "
                    "would be negative. Use a snapshot on or after the last purchase, or "
                    "'max' / 'max+1d'.")  # fmt: skip
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:  # raised on a Dask worker, read back here
        return type(self), (self.snapshot, self.last, self.tz)


@dataclass(frozen=True)
class DateOrNextDay:
    """A snapshot rule: ``date``, or ``"max+1d"`` (24 hours after the last purchase) when
    the last purchase is after ``date`` (midnight when it has no time of day). The rule is
    resolved where the last purchase becomes known (:func:`snapshot_ticks`, in memory and
    on Dask), so the order lines are read once; :func:`settled_snapshot` says afterwards
    which of the two it stood for."""

    date: Any


def in_dates_zone(ts: pd.Timestamp, tz: Any) -> pd.Timestamp:
    """``ts`` as an instant comparable with dates of time zone ``tz`` (``None``: naive): a
    zoned one in ``tz``; a naive one, on zoned dates, at that wall-clock time where the
    dates were written, as the days of zoned orders are their wall-clock days
    (:func:`purchase_days`). A zoned ``ts`` on naive dates raises
    :class:`SnapshotRefused`: which wall clock it means is unknown."""
    if tz is None:
        if ts.tz is not None:
            raise SnapshotRefused(ts, None, tz)
        return ts
    if ts.tz is None:
        return ts.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return ts.tz_convert(tz)


def settled_snapshot(snapshot: Any, last: Any) -> Any:
    """``snapshot`` as the table whose latest last purchase is ``last`` used it: a
    :class:`DateOrNextDay` becomes its date, or ``"max+1d"`` when ``last`` is after it
    (the rule of :func:`snapshot_ticks`); anything else is returned as it is."""
    if not isinstance(snapshot, DateOrNextDay):
        return snapshot
    last = pd.Timestamp(last)
    date = in_dates_zone(check_snapshot(snapshot.date), last.tz)
    return "max+1d" if last > date else snapshot.date


def purchase_days(dates: pd.Series) -> np.ndarray:
    """The calendar day of each date (local wall-clock day for zoned times), as int64 days
    since 1970-01-01: the key of an order when there is no invoice column."""
    if getattr(dates.dtype, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)  # the day where (and when) the order was made
    return dates.to_numpy().astype("datetime64[D]").view(np.int64)


def date_ticks(dates: pd.Series) -> tuple[np.ndarray, str, Any]:
    """Dates as int64 ticks, their numpy unit, and the time zone (or ``None``)."""
    tz = getattr(dates.dtype, "tz", None)
    if tz is not None:
        dates = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    values = dates.to_numpy()
    unit = np.datetime_data(values.dtype)[0]
    return values.view(np.int64), unit, tz


def check_snapshot(snapshot: Any) -> pd.Timestamp | None:
    """``snapshot`` as :func:`rfm.rfm_table` takes it, before any data is seen: ``None``
    for ``"max+1d"`` and ``"max"``, else the date as a Timestamp.

    Raises
    ------
    TypeError
        Neither text nor a date.
    ValueError
        Text that is no date, a day and month that could be swapped (``01/06/2024``:
        read as ``rfmseg`` reads ``--snapshot``, :func:`rfm.io.dates.read_date_argument`),
        or ``NaT``.
    """
    if isinstance(snapshot, str) and snapshot in ("max+1d", "max"):
        return None
    if isinstance(snapshot, DateOrNextDay):  # its date, checked as such
        return check_snapshot(snapshot.date)
    if not isinstance(snapshot, (str, _dt.date, np.datetime64, pd.Timestamp)):
        raise TypeError(
            "snapshot must be 'max+1d', 'max' or a date (str, datetime, Timestamp), got "
            f"{type(snapshot).__name__}."
        )
    from rfm.io.dates import read_date_argument

    ts = read_date_argument(snapshot, "snapshot")  # as rfmseg reads --snapshot
    if ts is not None:
        return ts
    try:
        ts = pd.Timestamp(snapshot)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"snapshot {snapshot!r} is neither 'max+1d', 'max' nor a date that parses "
            f"({exc})."
        ) from None
    if ts is pd.NaT:
        raise ValueError("snapshot is NaT; give 'max+1d', 'max' or a real date.")
    return ts


def snapshot_ticks(snapshot: Any, last_tick: int, unit: str, day: int, tz: Any) -> int:
    """Resolve ``"max+1d"``, ``"max"``, a date or a :class:`DateOrNextDay` to int64 ticks
    in ``unit`` (UTC when ``tz`` is set; a naive date on zoned dates is that wall-clock
    time in ``tz``, :func:`in_dates_zone`). A date before the last purchase, or a zoned
    date on naive dates, raises :class:`SnapshotRefused`; a :class:`DateOrNextDay` whose
    date is before the last purchase gives ``"max+1d"``."""
    ts = check_snapshot(snapshot)
    if ts is None:
        return last_tick + (day if snapshot == "max+1d" else 0)
    ts = in_dates_zone(ts, tz)
    if ts.tz is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    tick = int(np.datetime64(ts.to_datetime64(), unit).view(np.int64))
    if tick < last_tick:
        if isinstance(snapshot, DateOrNextDay):
            return last_tick + day
        last = pd.Timestamp(np.datetime64(last_tick, unit))
        raise SnapshotRefused(ts if tz is None else ts.tz_localize("UTC").tz_convert(tz),
                              last if tz is None else last.tz_localize("UTC").tz_convert(tz))
    return tick


def check_invoice_column(
    names: list[Any], invoice: str | None, given_as: str = KEYWORDS
) -> None:
    """The default invoice column is missing: say how to count orders without one, as the
    caller takes the column roles (``given_as``, :data:`rfm.columns.KEYWORDS` or
    :data:`rfm.columns.COLUMNS`)."""
    if invoice == TransactionColumns.invoice and invoice not in names:
        named = role_keywords("invoice='<column>'", given_as)
        raise ValueError(
            f"transactions have no {invoice!r} column (columns found: "
            f"{[str(c) for c in names]}); name the invoice column with {named}, or "
            f"{pass_roles('invoice=None', given_as)} to count each customer's purchase days "
            "as orders."
        )


def build_table(
    ids: pd.Index,
    first: np.ndarray,
    last: np.ndarray,
    monetary: np.ndarray,
    frequency: np.ndarray,
    *,
    snap: int,
    unit: str,
    tz: Any,
) -> pd.DataFrame:
    """The RFM table from per-customer aggregates (dates as int64 ticks in ``unit``, UTC
    when ``tz`` is set) and the snapshot in the same ticks; shared with the Dask path."""
    day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))  # ticks per day

    def as_dates(t: np.ndarray) -> Any:
        """The ticks (UTC instants when ``tz`` is set) as a datetime array that views
        ``t``: the callers pass arrays of their own, and a copy of 10 million dates is
        80 MB."""
        dates = pd.DatetimeIndex(t.view(f"datetime64[{unit}]"), copy=False).array
        return dates if tz is None else dates.view(pd.DatetimeTZDtype(unit, tz))

    result = pd.DataFrame(
        {
            "recency": (snap - last) // day,
            "frequency": frequency,
            "monetary": monetary,
            "first_purchase": as_dates(first),
            "last_purchase": as_dates(last),
            "tenure_days": (snap - first) // day,
            "avg_order_value": monetary / frequency,
        },
        index=ids,
        copy=False,  # fresh arrays: no need to copy them into consolidated blocks
    )
    result.attrs["snapshot"] = as_dates(np.array([snap], dtype=np.int64))[0]
    return result
