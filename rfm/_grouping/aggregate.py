"""Per-customer reductions behind :func:`rfm.rfm_table`: two twins that must agree.

Input: the customer keys and, optionally, the invoice keys of every order line (exact,
ordered ``uint64`` pairs from :func:`rfm._grouping.keys.encode_keys`), the dates as int64 ticks and
the line amounts. Output, one entry per customer **in ascending key order** (so in sorted
id order):

* ``row`` — the first row holding that customer (to read its id back),
* ``first`` / ``last`` — min / max date tick,
* ``monetary`` — sum of the amounts, added one by one in row order (so the twins agree
  to the last bit),
* ``frequency`` — number of distinct invoice keys per customer (:func:`rfm.rfm_table`
  passes purchase days as the keys when there is no invoice column); with no keys at
  all, the number of rows.

``numpy`` (the teaching twin) sorts the rows by customer key once and reduces each
contiguous run with ``ufunc.reduceat``; distinct invoices are the runs of a second sort by
(customer, invoice). ``numba`` is a radix-partitioned hash aggregation, as analytical
databases do it (:mod:`rfm._grouping.aggregate_numba`): rows are scattered by a hash of the
customer key into partitions small enough for the cache, then each partition is
aggregated on its own with small hash tables; only the distinct customers are sorted.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kmeans_np.checks import resolve_backend
from kmeans_np.jit import load_kernels

__all__ = ["CustomerAggregates", "aggregate", "key_positions", "sort_by_key"]


class CustomerAggregates(NamedTuple):
    row: np.ndarray  # int64, first row of each customer
    first: np.ndarray  # int64 ticks
    last: np.ndarray  # int64 ticks
    monetary: np.ndarray  # float64
    frequency: np.ndarray  # int64


def _run_starts(*sorted_keys: np.ndarray) -> np.ndarray:
    """Positions where any of the (already sorted) key arrays changes value: run starts."""
    change = np.zeros(len(sorted_keys[0]), dtype=bool)
    change[0] = True
    for k in sorted_keys:
        change[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(change)


def aggregate_numpy(
    cust: tuple[np.ndarray, np.ndarray],
    inv: tuple[np.ndarray, np.ndarray] | None,
    ticks: np.ndarray,
    amounts: np.ndarray,
) -> CustomerAggregates:
    """Reference implementation: stable sort by customer key, then one reduction per run.

    Spend is ``np.bincount(group, weights=amounts)``, which adds each customer's amounts
    one by one in row order (``np.add.reduceat`` may add in another order), so both twins
    round identically.
    """
    c_hi, c_lo = cust
    order = np.lexsort((c_lo, c_hi))  # stable: rows of a customer stay in row order
    starts = _run_starts(c_hi[order], c_lo[order])
    sorted_ticks = ticks[order]
    first = np.minimum.reduceat(sorted_ticks, starts)
    last = np.maximum.reduceat(sorted_ticks, starts)
    run_number = np.zeros(len(order), dtype=np.int64)
    run_number[starts[1:]] = 1
    group = np.empty(len(order), dtype=np.int64)  # customer number of each row
    group[order] = np.cumsum(run_number)
    monetary = np.bincount(group, weights=amounts, minlength=len(starts))
    if inv is None:
        frequency = np.diff(np.r_[starts, len(order)])
    else:
        i_hi, i_lo = inv
        pairs = np.lexsort((i_lo, i_hi, group))
        pair_starts = _run_starts(group[pairs], i_hi[pairs], i_lo[pairs])
        frequency = np.bincount(group[pairs[pair_starts]], minlength=len(starts))
    return CustomerAggregates(
        order[starts], first, last, monetary, frequency.astype(np.int64)
    )


#: from this many keys on, ``sort_by_key`` sorts by radix in numba
#: (:mod:`rfm._grouping.sort_numba`); below it numpy's sort takes under 20 ms
RADIX_FROM = 1 << 18
#: while the radix kernel is not compiled on this machine, ``backend="auto"`` sorts with
#: numpy below this many keys: compiling takes about 1.7 s, numpy's sort of 4 million
#: random keys about 0.6 s
RADIX_FROM_COLD = 4_000_000


def sort_by_key(
    hi: np.ndarray, lo: np.ndarray, *, backend: str = "auto", runs: bool = False
) -> np.ndarray:
    """Order of keys ``(hi, lo)`` ascending; equal keys keep their row order (the Dask
    table sorts repeated customer keys and adds each customer's spend in that order).

    A stable sort has one answer, so the two implementations agree exactly:

    * numpy: one stable sort of ``lo`` when ``hi`` is constant (integer and code keys),
      one of ``hi`` when it alone decides (usually, for distinct strings), otherwise
      ``lexsort``. Its stable sort of 64-bit words is a timsort: on keys that arrive as
      sorted runs (a table gathered from pieces sorted on the Dask workers) it only
      merges the runs, 0.12 s against 0.45 s for 6 million customers in 10 pieces;
    * from ``RADIX_FROM`` keys on, with ``backend`` numba (``"auto"``: from
      ``RADIX_FROM_COLD`` keys on while the kernel is not compiled), a radix sort of both words
      (:func:`rfm._grouping.sort_numba.radix_argsort`): 30 ms against 86 ms for numpy
      on a shuffled piece of the Dask RFM table (0.9 million pair rows of 200,000
      integer customer ids, 2026-12-06). Not on sorted runs: there timsort was as fast
      (0.35 s against 0.45 s at 10 million integer keys in 50 runs), so ``runs=True``
      (the keys arrive as sorted runs) keeps numpy's.
    """
    radix = not runs and hi.dtype == lo.dtype == np.uint64 and resolve_backend(
        backend, n=len(lo), numba_from=RADIX_FROM, kernels="rfm._grouping.sort_numba",
        numba_from_cold=RADIX_FROM_COLD,
    ) == "numba"  # fmt: skip
    if radix:
        # contiguous, writeable words: one compiled specialisation (key columns can come
        # strided, and read-only; numba compiles each layout and flag on its own)
        kernel = load_kernels("rfm._grouping.sort_numba").radix_argsort
        return kernel(*(np.require(w, np.uint64, ["C", "W"]) for w in (hi, lo)))
    if len(hi) == 0 or (hi == hi[0]).all():
        return np.argsort(lo, kind="stable")
    order = np.argsort(hi, kind="stable")
    sorted_hi = hi[order]
    if (sorted_hi[1:] == sorted_hi[:-1]).any():
        order = np.lexsort((lo, hi))
    return order


def key_positions(
    keys: tuple[np.ndarray, np.ndarray], found: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Where each key of ``found`` stands among ``keys`` (-1: not there). Both are
    distinct ``(hi, lo)`` keys in ascending order, as :func:`aggregate` gives its
    customers; one stable sort of the two together puts each key of ``found`` right after
    its twin in ``keys``."""
    n = len(keys[0])
    hi, lo = np.concatenate([keys[0], found[0]]), np.concatenate([keys[1], found[1]])
    order = np.lexsort((lo, hi))  # stable: a key of ``keys`` before its twin in ``found``
    at = np.flatnonzero(order >= n)  # the keys of ``found``, in their (ascending) order
    before = order[np.maximum(at - 1, 0)]
    twin = (at > 0) & (before < n)
    mine, theirs = before[twin], order[at[twin]]
    twin[twin] = (hi[mine] == hi[theirs]) & (lo[mine] == lo[theirs])
    return np.where(twin, before, -1)


def dense_range(cust: tuple[np.ndarray, np.ndarray]) -> tuple[int, int] | None:
    """``(min lo, range width)`` when every ``hi`` is 0 and the ``lo`` words span at most
    as many values as there are rows, else ``None``."""
    hi, lo = cust
    if len(lo) == 0 or hi.any():
        return None
    base, top = int(lo.min()), int(lo.max())
    width = top - base + 1
    return (base, width) if width <= max(len(lo), 1024) else None


def aggregate_numba(
    cust: tuple[np.ndarray, np.ndarray],
    inv: tuple[np.ndarray, np.ndarray] | None,
    ticks: np.ndarray,
    amounts: np.ndarray,
    *,
    bits: int | None = None,
) -> CustomerAggregates:
    """Partitioned hash aggregation (numba), then the distinct customers sorted by key.

    ``bits`` overrides the number of partitions, ``2**bits`` (tests). Integer customer
    ids in a dense range (no wider than the number of rows) are partitioned by id range
    and indexed directly instead (:mod:`rfm._grouping.dense_numba`): no hashing of customers, no
    final sort, the same results.
    """
    empty = np.zeros(0, dtype=np.uint64)
    i_hi, i_lo = inv if inv is not None else (empty, empty)
    dense = dense_range(cust) if bits is None else None
    if dense is not None:
        kernel = load_kernels("rfm._grouping.dense_numba").dense_aggregate
        return CustomerAggregates(*kernel(
            cust[1], dense[0], dense[1], i_hi, i_lo, ticks, amounts, inv is not None
        ))
    partitioned_aggregate = load_kernels("rfm._grouping.aggregate_numba").partitioned_aggregate
    key, unsorted = partitioned_aggregate(
        cust[0], cust[1], i_hi, i_lo, ticks, amounts, inv is not None, bits=bits
    )
    order = sort_by_key(key[:, 0], key[:, 1])
    return CustomerAggregates(*(a[order] for a in unsorted))


def aggregate(
    cust: tuple[np.ndarray, np.ndarray],
    inv: tuple[np.ndarray, np.ndarray] | None,
    ticks: np.ndarray,
    amounts: np.ndarray,
    *,
    backend: str = "auto",
) -> CustomerAggregates:
    """Dispatch to the numpy or numba twin (``"auto"`` = numba when available).

    Parameters
    ----------
    cust, inv : (hi, lo) pairs of uint64 arrays
        Customer and invoice keys per row (``inv=None``: every row is one order;
        :func:`rfm.rfm_table` passes purchase days as the keys when there are no invoices).
    ticks : int64 array
        Order dates.
    amounts : float64 array
        Line amounts.
    """
    def words(pair: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return tuple(np.ascontiguousarray(w, dtype=np.uint64) for w in pair)  # type: ignore[return-value]

    cust = words(cust)
    inv = words(inv) if inv is not None else None
    ticks = np.ascontiguousarray(ticks, dtype=np.int64)
    amounts = np.ascontiguousarray(amounts, dtype=np.float64)
    if len(ticks) == 0:
        raise ValueError("no order lines to aggregate.")
    if resolve_backend(backend) == "numba":
        return aggregate_numba(cust, inv, ticks, amounts)
    return aggregate_numpy(cust, inv, ticks, amounts)
