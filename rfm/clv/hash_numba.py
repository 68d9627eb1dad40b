"""The hash the kernels of :mod:`rfm.clv` share: splitmix64's finaliser, and table sizes.

A kernel module of numpy and numba only, imported by :mod:`rfm.clv.occasions_numba` and
:mod:`rfm.clv.distinct_numba` (the same finaliser as :mod:`rfm._grouping`'s kernels).
numba's on-disk cache does not notice a change here in the kernels that inline it; that
is harmless, as any hash keeps their results the same (rows are compared exactly).
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
def mix(h):  # pragma: no cover - compiled
    """splitmix64's finaliser: every output bit depends on every input bit."""
    h ^= h >> S30
    h *= MIX1
    h ^= h >> S27
    h *= MIX2
    h ^= h >> S31
    return h


@njit(cache=True, nogil=True)
def table_size(n):  # pragma: no cover - compiled
    """Slots of an open-addressing table for ``n`` keys: a power of two ≥ 2n (≥ 16)."""
    size = 16
    while size < 2 * n:
        size *= 2
    return size
