"""Per-customer reductions behind :func:`rfm.rfm_table`: two twins that must agree.

Given integer customer codes ``0..n_customers-1`` (every code used at least once), the
dates as int64 ticks, the line amounts and, optionally, integer invoice codes, both
backends return per customer:

* ``first`` / ``last`` — min / max date tick,
* ``monetary`` — sum of the amounts (added in row order),
* ``frequency`` — number of distinct invoices, or the number of rows without invoices.

``numpy`` sorts the rows by customer once and uses ``ufunc.reduceat`` over the
contiguous runs; distinct invoices are the distinct (customer, invoice) pairs. ``numba``
makes one pass over the rows with per-customer accumulators. For the invoice count it
remembers which customer first used each invoice: when no invoice is shared between
customers (the normal case) the count is exact in that single pass; if one is shared,
it falls back to counting distinct pairs like the numpy twin, so both stay exact.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kmeans_np._checks import resolve_backend

__all__ = ["CustomerAggregates", "aggregate"]


class CustomerAggregates(NamedTuple):
    first: np.ndarray  # int64 ticks
    last: np.ndarray  # int64 ticks
    monetary: np.ndarray  # float64
    frequency: np.ndarray  # int64


def _distinct_pairs_count(
    cust: np.ndarray, inv: np.ndarray, n_customers: int
) -> np.ndarray:
    """Distinct invoices per customer: count the distinct (customer, invoice) pairs."""
    n_inv = int(inv.max()) + 1
    pairs = np.unique(cust.astype(np.int64) * n_inv + inv)
    return np.bincount(pairs // n_inv, minlength=n_customers).astype(np.int64)


def aggregate_numpy(
    cust: np.ndarray,
    n_customers: int,
    ticks: np.ndarray,
    amounts: np.ndarray,
    inv: np.ndarray | None,
) -> CustomerAggregates:
    """Reference implementation: stable sort by customer, then ``reduceat`` per run."""
    order = np.argsort(cust, kind="stable")
    sorted_cust = cust[order]
    starts = np.flatnonzero(np.r_[True, sorted_cust[1:] != sorted_cust[:-1]])
    sorted_ticks = ticks[order]
    first = np.minimum.reduceat(sorted_ticks, starts)
    last = np.maximum.reduceat(sorted_ticks, starts)
    monetary = np.add.reduceat(amounts[order], starts)
    if inv is None:
        frequency = np.diff(np.r_[starts, len(cust)]).astype(np.int64)
    else:
        frequency = _distinct_pairs_count(cust, inv, n_customers)
    return CustomerAggregates(first, last, monetary.astype(np.float64), frequency)


def aggregate_numba(
    cust: np.ndarray,
    n_customers: int,
    ticks: np.ndarray,
    amounts: np.ndarray,
    inv: np.ndarray | None,
) -> CustomerAggregates:
    """One pass over the rows in a numba kernel (see the module docstring)."""
    from rfm._numba_aggregate import customer_reduce

    has_inv = inv is not None
    inv_arr = inv if has_inv else np.zeros(0, dtype=np.int64)
    n_inv = int(inv_arr.max()) + 1 if has_inv else 0
    first, last, monetary, frequency, shared = customer_reduce(
        cust, n_customers, ticks, amounts, inv_arr, n_inv, has_inv
    )
    if shared:
        frequency = _distinct_pairs_count(cust, inv_arr, n_customers)
    return CustomerAggregates(first, last, monetary, frequency)


def aggregate(
    cust: np.ndarray,
    n_customers: int,
    ticks: np.ndarray,
    amounts: np.ndarray,
    inv: np.ndarray | None,
    *,
    backend: str = "auto",
) -> CustomerAggregates:
    """Dispatch to the numpy or numba twin (``"auto"`` = numba when available)."""
    cust = np.ascontiguousarray(cust, dtype=np.int64)
    ticks = np.ascontiguousarray(ticks, dtype=np.int64)
    amounts = np.ascontiguousarray(amounts, dtype=np.float64)
    if inv is not None:
        inv = np.ascontiguousarray(inv, dtype=np.int64)
    if resolve_backend(backend) == "numba":
        return aggregate_numba(cust, n_customers, ticks, amounts, inv)
    return aggregate_numpy(cust, n_customers, ticks, amounts, inv)
