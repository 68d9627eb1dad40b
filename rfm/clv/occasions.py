"""Purchase occasions per customer: the reduction behind :func:`rfm.clv.summary`, two twins.

The customer-base models count *purchase occasions*: the distinct days on which a
customer bought, however many lines or invoices that day holds. From the order lines
this module keeps, per customer, what the models need:

* ``first`` / ``last`` — the first and last calibration day (day numbers),
* ``days`` — the number of distinct calibration days (``x = days - 1`` repeat occasions),
* ``repeat_spend`` — the money of the calibration lines *after* the first day,
* ``holdout_days`` / ``holdout_spend`` — distinct days and money in the holdout period,
* ``row`` — the first row (in row order) of the customer, to read its id back.

Input, one entry per line: the customer's exact, ordered key ``(hi, lo)``
(:func:`rfm._grouping.keys.encode_keys`), the day number, the amount and the period
(0 calibration, 1 holdout; lines outside both are dropped by the caller). Customers come
out in ascending key order, which is sorted id order; customers with holdout lines only
(their first purchase came after the calibration period) are left out.

Both sums run over the lines **in row order**, so the twins agree to the last bit:

``numpy`` (the teaching twin)
    One stable sort by (customer, period, day). Runs of equal customer are customers,
    runs of equal (customer, period, day) are occasions; counts are ``bincount`` of the
    occasions, spends ``bincount`` of the lines in their original order.
``numba`` (:mod:`rfm.clv.occasions_numba`)
    Two hash tables and three passes over the lines, no sort of the lines: customers
    (first calibration day), distinct (customer, period, day) occasions, then the spends.
    Only the distinct customers are sorted.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kmeans_np.checks import resolve_backend
from kmeans_np.jit import load_kernels
from rfm._grouping.aggregate import _run_starts, sort_by_key

__all__ = ["Occasions", "occasions", "occasions_numpy"]


class Occasions(NamedTuple):
    """Per-customer purchase occasions (see the module docstring); one entry per customer."""

    row: np.ndarray  # int64, first line of the customer
    first: np.ndarray  # int64 day number of the first calibration occasion
    last: np.ndarray  # int64 day number of the last calibration occasion
    days: np.ndarray  # int64 distinct calibration days (x + 1)
    repeat_spend: np.ndarray  # float64 money of calibration lines after the first day
    holdout_days: np.ndarray  # int64 distinct holdout days
    holdout_spend: np.ndarray  # float64 money of holdout lines


def occasions_numpy(
    hi: np.ndarray, lo: np.ndarray, day: np.ndarray, amount: np.ndarray, period: np.ndarray
) -> Occasions:
    """Teaching twin: one stable sort, then runs and ``bincount``."""
    order = np.lexsort((day, period, lo, hi))  # stable: a customer's lines keep row order
    h, lo_s, p, d = hi[order], lo[order], period[order], day[order]
    cust_start = _run_starts(h, lo_s)
    pair_start = _run_starts(h, lo_s, p, d)  # one occasion (customer, period, day) per run
    change = np.zeros(len(order), dtype=np.int64)
    change[cust_start[1:]] = 1
    cust_sorted = np.cumsum(change)  # customer number of each sorted line
    n_cust = len(cust_start)
    group = np.empty(len(order), dtype=np.int64)  # customer number of each line, row order
    group[order] = cust_sorted

    pair_cust, pair_cal = cust_sorted[pair_start], p[pair_start] == 0
    days = np.bincount(pair_cust[pair_cal], minlength=n_cust)
    holdout_days = np.bincount(pair_cust[~pair_cal], minlength=n_cust)
    # a customer's occasions are sorted by (period, day): the first is its first
    # calibration day when it has one, and the last calibration one is ``days - 1`` later
    first_pair = pair_start.searchsorted(cust_start)
    first = d[cust_start]
    last = d[pair_start[first_pair + np.maximum(days, 1) - 1]]

    repeat = (period == 0) & (day > first[group])
    repeat_spend = np.bincount(group[repeat], weights=amount[repeat], minlength=n_cust)
    held = period == 1
    holdout_spend = np.bincount(group[held], weights=amount[held], minlength=n_cust)
    row = np.minimum.reduceat(order, cust_start)
    keep = days > 0
    return Occasions(
        row[keep], first[keep], last[keep], days[keep],
        repeat_spend[keep].astype(np.float64),  # bincount of nothing is int64
        holdout_days[keep], holdout_spend[keep].astype(np.float64),
    )


def occasions_numba(
    hi: np.ndarray, lo: np.ndarray, day: np.ndarray, amount: np.ndarray, period: np.ndarray
) -> Occasions:
    """Fast twin: hash tables in numba, then the distinct customers sorted by key."""
    kernel = load_kernels("rfm.clv.occasions_numba").customer_occasions
    key_hi, key_lo, *stats = kernel(hi, lo, day, amount, period)
    order = sort_by_key(key_hi, key_lo)
    return Occasions(*(a[order] for a in stats))


def occasions(
    hi: np.ndarray,
    lo: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    period: np.ndarray,
    *,
    backend: str = "auto",
) -> Occasions:
    """Per-customer purchase occasions of the lines (see the module docstring).

    Parameters
    ----------
    hi, lo : uint64 arrays
        Exact, ordered customer keys of every line.
    day : int64 array
        Day number of every line (days since 1970-01-01).
    amount : float64 array
        Money of every line.
    period : int8 array
        0 for a calibration line, 1 for a holdout line.
    backend : {"auto", "numpy", "numba"}
        Which twin (identical results).
    """
    args = (
        np.ascontiguousarray(hi, dtype=np.uint64),
        np.ascontiguousarray(lo, dtype=np.uint64),
        np.ascontiguousarray(day, dtype=np.int64),
        np.ascontiguousarray(amount, dtype=np.float64),
        np.ascontiguousarray(period, dtype=np.int8),
    )
    if len(args[0]) == 0:
        raise ValueError("no purchases to summarise.")
    if resolve_backend(backend) == "numba":
        return occasions_numba(*args)
    return occasions_numpy(*args)
