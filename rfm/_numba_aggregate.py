"""numba kernel for the per-customer RFM reductions (twin of ``aggregate_numpy``).

Compiled on first use and cached on disk (``cache=True``); nothing is compiled at import
of :mod:`rfm`, because this module is imported only when the numba backend runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def customer_reduce(cust, n_customers, ticks, amounts, inv, n_inv, has_inv):  # pragma: no cover
    """Min/max date, summed amount and distinct-invoice count per customer, one pass.

    A customer's four accumulators sit in two adjacent pairs (``span`` = first/last tick,
    ``acc`` = amount/count), so a row touches two cache lines instead of four — the loop
    is bound by those random accesses. ``owner[j]`` is the customer that first used
    invoice ``j``; a new invoice adds one to its owner's count. If an invoice turns up
    under a second customer, ``shared`` is returned true and the caller recounts
    distinct (customer, invoice) pairs.
    """
    span = np.empty((n_customers, 2), dtype=np.int64)
    span[:, 0] = np.iinfo(np.int64).max
    span[:, 1] = np.iinfo(np.int64).min
    acc = np.zeros((n_customers, 2), dtype=np.float64)  # counts are exact below 2**53
    owner = np.full(n_inv, -1, dtype=np.int64)
    shared = False
    for i in range(cust.shape[0]):
        c = cust[i]
        t = ticks[i]
        if t < span[c, 0]:
            span[c, 0] = t
        if t > span[c, 1]:
            span[c, 1] = t
        acc[c, 0] += amounts[i]
        if has_inv:
            j = inv[i]
            o = owner[j]
            if o == -1:
                owner[j] = c
                acc[c, 1] += 1.0
            elif o != c:
                shared = True
        else:
            acc[c, 1] += 1.0
    first = span[:, 0].copy()
    last = span[:, 1].copy()
    monetary = acc[:, 0].copy()
    frequency = acc[:, 1].astype(np.int64)
    return first, last, monetary, frequency, shared
