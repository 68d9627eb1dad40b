"""The hash every kernel of rfm shares: splitmix64's finaliser, key hashes, table sizes,
and the probe that counts a customer's distinct invoices in an open-addressing table.

A kernel module of numpy and numba only, imported by the grouping kernels
(:mod:`rfm._grouping.aggregate_numba`, ``dense_numba``, ``combine_numba``) and the CLV
kernels (:mod:`rfm.clv.occasions_numba`, ``distinct_numba``). numba's on-disk cache does
not notice a change here in the kernels that inline it; that is harmless, as any hash
keeps their results the same (keys are compared exactly).
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


@njit(cache=True, nogil=True, inline="always")
def key_hash(hi, lo):  # pragma: no cover - compiled
    """Hash of a two-word key."""
    return mix(lo ^ mix(hi ^ GOLDEN))


@njit(cache=True, nogil=True, inline="always")
def key4_hash(a, b, c, d):  # pragma: no cover - compiled
    """Hash of a four-word key (a customer's and an order's two words each)."""
    return mix(d ^ mix(c ^ mix(b ^ mix(a ^ GOLDEN))))


@njit(cache=True, nogil=True, inline="always")
def pair_hash(code, hi, lo):  # pragma: no cover - compiled
    """Hash of a (customer code, two-word invoice key) pair."""
    return mix(lo ^ mix(hi ^ (np.uint64(code) * GOLDEN)))


@njit(cache=True, nogil=True, inline="always")
def is_new_invoice(pairs, size, s, code, owners, offset, s_inv):  # pragma: no cover
    """Whether row ``s`` holds an invoice its customer has not had yet, recording it if so.

    ``pairs`` is an open-addressing table of row numbers (``-1`` empty) of ``size`` slots
    (a power of two); the customer of a row ``t`` in the table is ``owners[t - offset]``,
    and row ``s``'s is ``code`` (an integer that also seeds the hash); invoices are
    compared by their two words in ``s_inv``.
    """
    mask = np.uint64(size - 1)
    x = s_inv[s, 0]
    y = s_inv[s, 1]
    j = np.int64(pair_hash(code, x, y) & mask)
    while True:
        t = pairs[j]
        if t < 0:  # a new invoice for this customer
            pairs[j] = s
            return True
        if owners[t - offset] == code and s_inv[t, 0] == x and s_inv[t, 1] == y:
            return False
        j = (j + 1) & (size - 1)
