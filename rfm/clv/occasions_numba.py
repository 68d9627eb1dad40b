"""numba twin of :func:`rfm.clv.occasions.occasions_numpy`: purchase occasions by hashing.

Three passes over the lines, no sort of the lines:

1. **customers** — an open-addressing table maps each line's key ``(hi, lo)`` to a
   customer number (in order of first appearance) and keeps the customer's first line
   and first calibration day;
2. **occasions** — a second table holds the distinct ``(customer, period, day)``
   triples, packed into one int64; each new triple counts one calibration or holdout
   day and moves the last calibration day;
3. **spends** — each calibration line after its customer's first day adds to the
   repeat spend, each holdout line to the holdout spend, in row order (so the sums equal
   the numpy twin's ``bincount`` to the last bit).

Sequential on purpose, like :mod:`rfm._grouping.combine_numba`: the Dask path runs one
call per partition on each worker thread (``nogil=True`` lets them run at once).
Compiled on first use and cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rfm._grouping.hash_numba import GOLDEN, key_hash, mix, table_size

NO_DAY = np.iinfo(np.int64).max  # "no calibration day yet"


@njit(cache=True, nogil=True)
def customer_occasions(hi, lo, day, amount, period):  # pragma: no cover - compiled
    """Per-customer occasions, customers in order of first appearance.

    Returns ``key_hi, key_lo, row, first, last, days, repeat_spend, holdout_days,
    holdout_spend`` for the customers with at least one calibration line.
    """
    n = hi.shape[0]
    size = table_size(n)
    mask = np.uint64(size - 1)
    # pass 1: customers
    table = np.full(size, -1, dtype=np.int64)
    key_hi = np.empty(n, dtype=np.uint64)
    key_lo = np.empty(n, dtype=np.uint64)
    row = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    group = np.empty(n, dtype=np.int64)
    m = 0
    g = -1
    for i in range(n):
        a = hi[i]
        b = lo[i]
        if g < 0 or key_hi[g] != a or key_lo[g] != b:  # lines come in runs of a customer
            j = np.int64(key_hash(a, b) & mask)
            while True:
                g = table[j]
                if g < 0:
                    g = m
                    table[j] = m
                    key_hi[m] = a
                    key_lo[m] = b
                    row[m] = i
                    first[m] = NO_DAY
                    m += 1
                    break
                if key_hi[g] == a and key_lo[g] == b:
                    break
                j = (j + 1) & (size - 1)
        group[i] = g
        if period[i] == 0 and day[i] < first[g]:
            first[g] = day[i]
    # pass 2: distinct (customer, period, day) occasions, packed into one int64
    d0 = day.min()
    span = day.max() - d0 + 1
    seen = np.full(size, -1, dtype=np.int64)
    days = np.zeros(m, dtype=np.int64)
    holdout_days = np.zeros(m, dtype=np.int64)
    last = np.full(m, np.iinfo(np.int64).min, dtype=np.int64)
    for i in range(n):
        g = group[i]
        key = (g * 2 + np.int64(period[i])) * span + (day[i] - d0)
        j = np.int64(mix(np.uint64(key) ^ GOLDEN) & mask)
        while True:
            s = seen[j]
            if s < 0:
                seen[j] = key
                if period[i] == 0:
                    days[g] += 1
                    if day[i] > last[g]:
                        last[g] = day[i]
                else:
                    holdout_days[g] += 1
                break
            if s == key:
                break
            j = (j + 1) & (size - 1)
    # pass 3: spends, in row order
    repeat_spend = np.zeros(m, dtype=np.float64)
    holdout_spend = np.zeros(m, dtype=np.float64)
    for i in range(n):
        g = group[i]
        if period[i] == 0:
            if day[i] > first[g]:
                repeat_spend[g] += amount[i]
        else:
            holdout_spend[g] += amount[i]
    keep = np.flatnonzero(days > 0)
    return (
        key_hi[keep], key_lo[keep], row[keep], first[keep], last[keep], days[keep],
        repeat_spend[keep], holdout_days[keep], holdout_spend[keep],
    )
