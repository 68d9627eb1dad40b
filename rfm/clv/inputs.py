"""What the models take: a summary table, lifetimes-style columns, or plain arrays.

Every estimator of :mod:`rfm.clv` reads a customer's history as the papers write it,
``(x, t_x, T)`` (and ``monetary`` for the spend model), from one of:

* a summary table with columns ``x``, ``t_x``, ``T`` (:func:`rfm.clv.summary`);
* a lifetimes-style table (``frequency``, ``recency``, ``T``, ``monetary_value``),
  converted by :func:`from_lifetimes`. lifetimes' ``recency`` is the papers' ``t_x``,
  *not* rfm's recency (days since the last purchase), which is why the conversion is
  explicit;
* plain arrays: ``fit(x, t_x, T)``.

The checks run once, here, and name the first bad row (and its customer): ``x`` a
whole number ≥ 0, ``0 ≤ t_x ≤ T``, ``t_x = 0`` when ``x = 0``, everything finite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rfm.clv._summary_core import check_unit

__all__ = ["PurchaseHistory", "from_lifetimes", "wsum"]

#: lifetimes' summary columns → rfm.clv's
LIFETIMES_NAMES = {
    "frequency": "x",
    "recency": "t_x",
    "T": "T",
    "monetary_value": "monetary",
    "frequency_holdout": "x_holdout",
    "monetary_value_holdout": "monetary_holdout",
}


def _where(i: int, index: pd.Index | None) -> str:
    """``row 3 (customer 'C0004')`` for messages."""
    if index is None:
        return f"row {i}"
    return f"row {i} (customer {index[i]!r})"


def _as_float(values: Any, name: str, index: pd.Index | None) -> np.ndarray:
    """A 1-D float64 array; booleans, text and non-finite values are refused."""
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise TypeError(f"{name} must be numeric, got dtype {dtype}.")
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = np.asarray(values)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}.")
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one value per customer), got "
                         f"shape {arr.shape}.")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{name} is missing or infinite at {_where(i, index)}: {arr[i]}.")
    return arr


def wsum(weights: np.ndarray, values: np.ndarray) -> float:
    """``Σ weights · values`` by numpy's pairwise sum, not BLAS: BLAS's dot product
    wakes its own threads, which on a busy machine beside numba's took milliseconds for
    a few thousand values (and its result may depend on the thread count)."""
    return float(np.multiply(weights, values).sum())


def _first_bad(mask: np.ndarray) -> int | None:
    return int(np.argmax(mask)) if mask.any() else None


def check_x(values: Any, index: pd.Index | None) -> np.ndarray:
    """Repeat purchases ``x`` as float64: finite whole numbers ≥ 0 (first bad row named)."""
    x = _as_float(values, "x", index)
    i = _first_bad((x < 0) | (x != np.floor(x)))
    if i is not None:
        raise ValueError(f"{_where(i, index)}: x = {x[i]:g} is not a whole number ≥ 0 "
                         "(x counts repeat purchases).")
    return x


@dataclass(frozen=True)
class PurchaseHistory:
    """Checked ``(x, t_x, T)`` of every customer (float64), with the customers' index
    when they came from a table (``None`` for plain arrays)."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    index: pd.Index | None = None

    @classmethod
    def from_input(cls, summary: Any, t_x: Any = None, T: Any = None) -> PurchaseHistory:
        """From a summary table, or from the three arrays ``x, t_x, T`` (also as one
        tuple ``(x, t_x, T)`` in place of the table)."""
        if isinstance(summary, tuple) and len(summary) == 3 and t_x is None and T is None:
            summary, t_x, T = summary
        if isinstance(summary, pd.DataFrame):
            if t_x is not None or T is not None:
                raise TypeError("give a summary table, or x, t_x and T as arrays, not both.")
            table = summary_columns(summary, ("x", "t_x", "T"))
            index = summary.index
            return cls.checked(table["x"], table["t_x"], table["T"], index)
        if t_x is None or T is None:
            raise TypeError(
                "give a summary table (columns x, t_x, T; see rfm.clv.summary) or the "
                "three arrays x, t_x and T."
            )
        return cls.checked(summary, t_x, T, None)

    @classmethod
    def checked(cls, x: Any, t_x: Any, T: Any, index: pd.Index | None) -> PurchaseHistory:
        xs = check_x(x, index)
        ts = _as_float(t_x, "t_x", index)
        Ts = _as_float(T, "T", index)
        if not (len(xs) == len(ts) == len(Ts)):
            raise ValueError(
                f"x, t_x and T must have one value per customer; got lengths {len(xs)}, "
                f"{len(ts)} and {len(Ts)}."
            )
        if len(xs) == 0:
            raise ValueError("no customers: the summary is empty.")
        problems = (
            (ts < 0, lambda i: f"t_x = {ts[i]:g} is negative"),
            (ts > Ts, lambda i: f"t_x = {ts[i]:g} is greater than T = {Ts[i]:g} (the last "
                                "purchase cannot come after the end of the period)"),
            ((xs == 0) & (ts != 0), lambda i: f"t_x = {ts[i]:g} but x = 0 (with no repeat "
                                               "purchase, t_x is 0)"),
        )
        for mask, text in problems:
            i = _first_bad(mask)
            if i is not None:
                raise ValueError(f"{_where(i, index)}: {text(i)}.")
        return cls(xs, ts, Ts, index)

    def __len__(self) -> int:
        return len(self.x)


def summary_columns(summary: pd.DataFrame, needed: tuple[str, ...]) -> pd.DataFrame:
    """The columns ``needed`` of a summary table, or a ``ValueError`` that says what to do."""
    missing = [c for c in needed if c not in summary.columns]
    if not missing:
        return summary
    if "frequency" in summary.columns and "recency" in summary.columns:
        raise ValueError(
            f"the table has lifetimes-style columns (frequency, recency, …) but no "
            f"{', '.join(missing)}; convert it with rfm.clv.from_lifetimes(table) "
            "(lifetimes' recency is the papers' t_x)."
        )
    raise ValueError(
        f"the summary is missing column(s) {missing}; columns found: "
        f"{[str(c) for c in summary.columns]}. Build it with rfm.clv.summary(transactions)."
    )


def check_monetary(monetary: Any, x: np.ndarray, index: pd.Index | None) -> np.ndarray:
    """The mean repeat spend of every customer: finite, and > 0 when ``x > 0``."""
    m = _as_float(monetary, "monetary", index)
    if len(m) != len(x):
        raise ValueError(f"monetary must have one value per customer ({len(x)}), got {len(m)}.")
    i = _first_bad((x > 0) & (m <= 0))
    if i is not None:
        raise ValueError(
            f"{_where(i, index)}: monetary = {m[i]:g} with x = {x[i]:g}; the spend model "
            "needs a positive mean spend for every repeat customer (drop free or refunded "
            "occasions first)."
        )
    return m


def from_lifetimes(
    frame: pd.DataFrame,
    *,
    frequency: str = "frequency",
    recency: str = "recency",
    T: str = "T",
    monetary_value: str | None = "monetary_value",
    unit: str | None = None,
) -> pd.DataFrame:
    """A lifetimes-style summary as an :mod:`rfm.clv` summary (``x``, ``t_x``, ``T`` …).

    ``lifetimes.utils.summary_data_from_transaction_data`` names the papers' quantities
    differently: ``frequency`` is ``x`` (repeat purchase periods), ``recency`` is ``t_x``
    (time from the first to the last purchase — not the days since the last purchase,
    which :func:`rfm.rfm_table` calls recency), ``T`` is ``T``, ``monetary_value`` is
    ``monetary``. Holdout columns ``frequency_holdout`` and ``monetary_value_holdout``
    become ``x_holdout`` and ``monetary_holdout``; a constant ``duration_holdout``
    becomes ``attrs["holdout_length"]``.

    Parameters
    ----------
    frame : DataFrame
        One row per customer; left unchanged (the index is kept).
    frequency, recency, T, monetary_value : str
        Column names (``monetary_value=None`` or an absent default: no ``monetary``).
    unit : {"D", "W", "M"}, optional
        The time unit of ``recency`` and ``T``, recorded in ``attrs["unit"]`` (needed
        by :func:`rfm.clv.lifetime_value`).

    Raises
    ------
    ValueError
        A named column is missing, or a row is not a valid history (named).
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"from_lifetimes takes a DataFrame, got {type(frame).__name__}.")
    names = {frequency: "x", recency: "t_x", T: "T"}
    if monetary_value is not None and (
        monetary_value in frame.columns or monetary_value != "monetary_value"
    ):
        names[monetary_value] = "monetary"
    for extra in ("frequency_holdout", "monetary_value_holdout"):
        if extra in frame.columns:
            names[extra] = LIFETIMES_NAMES[extra]
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the table is missing column(s) {missing}; columns found: "
            f"{[str(c) for c in frame.columns]}. Name them with frequency=, recency=, T=, "
            "monetary_value=."
        )
    out = pd.DataFrame({new: frame[old].to_numpy(copy=True) for old, new in names.items()},
                       index=frame.index.copy())
    history = PurchaseHistory.checked(out["x"], out["t_x"], out["T"], out.index)
    out["x"] = history.x.astype(np.int64)
    if "x_holdout" in out.columns:
        out["x_holdout"] = out["x_holdout"].astype(np.int64)
    if unit is not None:
        out.attrs["unit"] = check_unit(unit)
    if "duration_holdout" in frame.columns:
        durations = frame["duration_holdout"].unique()
        if len(durations) == 1:
            out.attrs["holdout_length"] = float(durations[0])
    return out
