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

    ``owner[j]`` is the customer that first used invoice ``j``; a new invoice adds one
    to its owner's frequency. If an invoice turns up under a second customer, ``shared``
    is returned true and the caller recounts distinct (customer, invoice) pairs.
    """
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    monetary = np.zeros(n_customers, dtype=np.float64)
    frequency = np.zeros(n_customers, dtype=np.int64)
    owner = np.full(n_inv, -1, dtype=np.int64)
    shared = False
    for i in range(cust.shape[0]):
        c = cust[i]
        t = ticks[i]
        if t < first[c]:
            first[c] = t
        if t > last[c]:
            last[c] = t
        monetary[c] += amounts[i]
        if has_inv:
            j = inv[i]
            o = owner[j]
            if o == -1:
                owner[j] = c
                frequency[c] += 1
            elif o != c:
                shared = True
        else:
            frequency[c] += 1
    return first, last, monetary, frequency, shared
