"""numba twin of :func:`rfm.clv.distinct.distinct_rows_numpy`: distinct rows by hashing.

One pass over the rows with an open-addressing table: a row's slot comes from a hash of
its values' bits, rows are compared exactly, and each row gets the number of its
distinct row (in order of first appearance). The caller sorts the distinct rows only.
Sequential (it runs once per fit, or per Dask partition on a worker thread, hence
``nogil``). Compiled on first use and cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rfm._grouping.hash_numba import GOLDEN, mix, table_size


@njit(cache=True, nogil=True)
def distinct_rows_kernel(values, bits):  # pragma: no cover - compiled
    """``values`` (k, n) float64 and the same memory as uint64 ``bits``; returns the
    first row of each distinct row (first-appearance order) and each row's number."""
    k, n = values.shape
    size = table_size(n)
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    inverse = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        h = GOLDEN
        for j in range(k):
            h = mix(h ^ bits[j, i])
        slot = np.int64(h & mask)
        while True:
            g = table[slot]
            if g < 0:
                g = m
                table[slot] = m
                first[m] = i
                m += 1
                break
            r = first[g]
            same = True
            for j in range(k):
                if values[j, r] != values[j, i]:
                    same = False
                    break
            if same:
                break
            slot = (slot + 1) & (size - 1)
        inverse[i] = g
    return first[:m].copy(), inverse
