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

MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
S30 = np.uint64(30)
S27 = np.uint64(27)
S31 = np.uint64(31)


@njit(cache=True, nogil=True, inline="always")
def _mix(h):  # pragma: no cover - compiled
    """splitmix64's finaliser: every output bit depends on every input bit."""
    h ^= h >> S30
    h *= MIX1
    h ^= h >> S27
    h *= MIX2
    h ^= h >> S31
    return h


@njit(cache=True, nogil=True)
def combine_groups(k0, k1, k2, k3, first, last, amount, count):  # pragma: no cover
    """Group rows by the key ``(k0, k1, k2, k3)`` (four uint64 words per row).

    Returns, one entry per distinct key in order of first appearance: the first row
    holding it, the minimum of ``first``, the maximum of ``last`` (int64), the sum of
    ``amount`` (float64, in row order) and the sum of ``count`` (int64).
    """
    n = first.shape[0]
    size = 16
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int64)  # group number in each slot, -1 free
    o_row = np.empty(n, dtype=np.int64)
    o_first = np.empty(n, dtype=np.int64)
    o_last = np.empty(n, dtype=np.int64)
    o_amount = np.empty(n, dtype=np.float64)
    o_count = np.empty(n, dtype=np.int64)
    u = 0
    for i in range(n):
        a = k0[i]
        b = k1[i]
        c = k2[i]
        d = k3[i]
        j = np.int64(_mix(d ^ _mix(c ^ _mix(b ^ _mix(a ^ GOLDEN)))) & mask)
        while True:
            g = table[j]
            if g < 0:  # a new group
                table[j] = u
                o_row[u] = i
                o_first[u] = first[i]
                o_last[u] = last[i]
                o_amount[u] = amount[i]
                o_count[u] = count[i]
                u += 1
                break
            r = o_row[g]
            if k0[r] == a and k1[r] == b and k2[r] == c and k3[r] == d:
                if first[i] < o_first[g]:
                    o_first[g] = first[i]
                if last[i] > o_last[g]:
                    o_last[g] = last[i]
                o_amount[g] += amount[i]
                o_count[g] += count[i]
                break
            j = (j + 1) & (size - 1)
    return o_row[:u], o_first[:u], o_last[:u], o_amount[:u], o_count[:u]
