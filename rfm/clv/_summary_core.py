"""What the customer summary's in-memory and Dask implementations share (neither imports
the other's module): units and columns, day numbers, calibration and holdout periods,
customer keys, and the summary built from purchase occasions.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rfm._grouping.keys import Keys, encode_keys
from rfm.clv.occasions import Occasions
from rfm.labels import counted

__all__ = [
    "DAYS_PER_UNIT",
    "HOLDOUT_COLUMNS",
    "SUMMARY_COLUMNS",
    "DataEndWarning",
    "Periods",
    "as_timestamp",
    "build_summary",
    "check_unit",
    "customer_keys",
    "day_numbers",
    "no_calibration_message",
    "summary_attrs",
    "warn_past_the_data",
]


#: length of each time unit in days (a month is a twelfth of a Julian year)
DAYS_PER_UNIT = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


#: the summary's columns, in order (then ``x_holdout``, ``monetary_holdout`` with a holdout)
SUMMARY_COLUMNS = ("x", "t_x", "T", "monetary")


HOLDOUT_COLUMNS = ("x_holdout", "monetary_holdout")


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
    """The calendar day of a date given by the user, as a day number: read as the
    ``rfmseg`` command reads its options' dates (:func:`rfm.io.dates.read_date_argument`:
    ``YYYY-MM-DD``; a day and month that could be swapped are refused)."""
    from rfm.io.dates import read_date_argument

    if not isinstance(value, (str, _dt.date, np.datetime64, pd.Timestamp)):
        raise TypeError(f"{name} must be a date (str, datetime, Timestamp), got "
                        f"{type(value).__name__}.")
    ts = read_date_argument(value, name)
    if ts is None:
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


def no_calibration_message(periods: Periods) -> str:
    day = as_timestamp(int(periods.calibration_end or 0)).date()
    return (
        f"no purchase on or before calibration_end ({day}); choose a later "
        "calibration_end."
    )


class DataEndWarning(UserWarning):
    """A ``calibration_end`` or ``observation_end`` after the last purchase in the data:
    the days in between count as days in which no customer bought (the message says
    what that does to the figures)."""


def warn_past_the_data(periods: Periods, last_line_day: int, stacklevel: int = 3) -> None:
    """Warn (:class:`DataEndWarning`) when the calibration period, or the holdout period
    after it, ends after ``last_line_day``, the last purchase day of the order lines.

    The summary takes the days up to ``calibration_end`` as observed, so days after the
    data's end look like days in which nobody bought: every customer looks likelier to
    have stopped. That is right when the data do run to that day (an export made then,
    after a quiet spell), and wrong when they stop earlier, which the lines cannot tell;
    so it is a warning, not an error. A holdout period past the data counts too few
    actual purchases against the predictions for its length.
    """
    if periods.calibration_end is None:
        return
    last = as_timestamp(last_line_day).date()
    if periods.calibration_end > last_line_day:
        gap = periods.calibration_end - last_line_day
        warnings.warn(
            f"calibration_end ({as_timestamp(periods.calibration_end).date()}) is "
            f"{counted(gap, 'day')} after the last purchase in the data ({last}): the "
            "models take those days as days in which no customer bought, so every "
            "customer looks likelier to have stopped buying. Leave calibration_end out to "
            "end it on the last purchase day, unless the data cover those days (no one "
            "bought in them).",
            DataEndWarning, stacklevel=stacklevel,
        )  # fmt: skip
    elif periods.observation_end is not None and periods.observation_end > last_line_day:
        gap = periods.observation_end - last_line_day
        warnings.warn(
            f"observation_end ({as_timestamp(periods.observation_end).date()}) is "
            f"{counted(gap, 'day')} after the last purchase in the data ({last}): the "
            "holdout counts those days as days in which no customer bought, so its actual "
            "purchases fall short of the predictions for its length. End it on or before "
            "the last purchase day, unless the data cover those days (no one bought in "
            "them).",
            DataEndWarning, stacklevel=stacklevel,
        )  # fmt: skip
