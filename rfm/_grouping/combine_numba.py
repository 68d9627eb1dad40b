"""numba kernel behind the partitioned RFM table: group rows by a four-word key.

:func:`rfm.rfm_table` on a Dask DataFrame reduces each partition to one row per
(customer, invoice) pair, shuffles those rows by customer, then reduces them again:
first the pairs that met from different partitions, then the pairs of each customer.
All three reductions are one operation, "group rows by an exact key and keep, per group,
the first row, the smallest first date, the largest last date, the sum of the amounts
and the sum of the counts". :func:`combine_groups` does it with one open-addressing hash
table (slots from a hash of the key, keys compared exactly, so there are no collisions
to worry about). Groups come out in order of first appearance and every sum runs in row
order, so the result depends only on the row order of the input.

Sequential on purpose: Dask runs one task per partition on each worker thread, so the
parallelism comes from the partitions; ``nogil=True`` lets those threads run at once.
Compiled on first use and cached on disk; imported only when the Dask path runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rfm._grouping.hash_numba import GOLDEN, mix


@njit(cache=True, nogil=True, inline="always")
def _same_key(rec, g, a, b, c, d):  # pragma: no cover - compiled
    return rec[g, 0] == a and rec[g, 1] == b and rec[g, 2] == c and rec[g, 3] == d


@njit(cache=True, nogil=True, inline="always")
def _add_row(rec, o_amount, g, first, last, count, amount):  # pragma: no cover - compiled
    """Fold one row into group ``g``: min of first, max of last, add count and amount."""
    if first < np.int64(rec[g, 4]):
        rec[g, 4] = np.uint64(first)
    if last > np.int64(rec[g, 5]):
        rec[g, 5] = np.uint64(last)
    rec[g, 6] = np.uint64(np.int64(rec[g, 6]) + count)
    o_amount[g] += amount


@njit(cache=True, nogil=True)
def combine_groups(k0, k1, k2, k3, first, last, amount, count):  # pragma: no cover
    """Group rows by the key ``(k0, k1, k2, k3)`` (four uint64 words per row).

    Returns, one entry per distinct key in order of first appearance: the first row
    holding it, the minimum of ``first``, the maximum of ``last`` (int64), the sum of
    ``amount`` (float64, in row order) and the sum of ``count`` (int64).

    The table holds group numbers only (8 bytes a slot); a group's key and integer
    accumulators share one 64-byte record, so a row costs about three cache misses
    (slot, record, spend) however the keys are spread.
    """
    n = first.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int64)  # group number in each slot, -1 free
    rec = np.empty((n, 8), dtype=np.uint64)  # k0..k3, first, last, count, first row
    o_amount = np.empty(n, dtype=np.float64)
    u = 0
    g = np.int64(-1)  # the previous row's group
    for i in range(n):
        a = k0[i]
        b = k1[i]
        c = k2[i]
        d = k3[i]
        # order lines come in runs of one invoice: the same key as the row before needs
        # no hashing (same group, same updates, so the same result)
        if g >= 0 and _same_key(rec, g, a, b, c, d):
            _add_row(rec, o_amount, g, first[i], last[i], count[i], amount[i])
            continue
        j = np.int64(mix(d ^ mix(c ^ mix(b ^ mix(a ^ GOLDEN)))) & mask)
        while True:
            g = table[j]
            if g < 0:  # a new group
                g = u
                table[j] = u
                rec[u, 0] = a
                rec[u, 1] = b
                rec[u, 2] = c
                rec[u, 3] = d
                rec[u, 4] = np.uint64(first[i])
                rec[u, 5] = np.uint64(last[i])
                rec[u, 6] = np.uint64(count[i])
                rec[u, 7] = np.uint64(i)
                o_amount[u] = amount[i]
                u += 1
                break
            if _same_key(rec, g, a, b, c, d):
                _add_row(rec, o_amount, g, first[i], last[i], count[i], amount[i])
                break
            j = (j + 1) & (size - 1)
    out = rec[:u, 4:].view(np.int64)
    return out[:, 3].copy(), out[:, 0].copy(), out[:, 1].copy(), o_amount[:u].copy(), \
        out[:, 2].copy()
