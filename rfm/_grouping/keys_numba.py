"""numba kernel of :func:`rfm._grouping.keys.pack_strings` (twin: ``pack_strings_numpy``).

Compiled on first use, cached on disk. All arithmetic on the words is uint64 (numba turns
a uint64 mixed with a signed integer into a float).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from kmeans_np.numba_options import PRANGE_ONLY


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def pack_strings_kernel(offsets, data):  # pragma: no cover - compiled
    """Each row's bytes 0–7 big-endian in ``hi``; bytes 8–14 and the length in ``lo``.

    Rows are independent and each writes its own two words, so the parallel loop needs no
    coordination and its result does not depend on the thread count.
    """
    n = offsets.shape[0] - 1
    hi = np.empty(n, dtype=np.uint64)
    lo = np.empty(n, dtype=np.uint64)
    for i in prange(n):
        a = offsets[i]
        length = offsets[i + 1] - a
        h = np.uint64(0)
        for k in range(min(length, 8)):
            h |= np.uint64(data[a + k]) << np.uint64(56 - 8 * k)
        w = np.uint64(length)
        for k in range(8, length):
            w |= np.uint64(data[a + k]) << np.uint64(120 - 8 * k)
        hi[i] = h
        lo[i] = w
    return hi, lo
