"""numba twin of :func:`rfm.clv.likelihood.row_sums_numpy`: the per-row sums in one pass.

The numpy twin makes a dozen passes over the distinct rows (one per array expression);
this kernel reads each row once and keeps the seven running sums in registers. Rows are
cut into ``N_CHUNKS`` fixed chunks summed in parallel, and the chunks' sums are added in
chunk order, so the result does not depend on the number of threads. Compiled on first
use and cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Parallelise the explicit prange loop only (as rfmseg's other kernels do)
PRANGE_ONLY = dict(prange=True, comprehension=False, reduction=False, inplace_binop=False,
                   setitem=False, numpy=False, stencil=False, fusion=False)
N_CHUNKS = 16
N_SUMS = 7


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def row_sums(alpha, xi, t_x, T, w, c1, dc, rx, inv_b):  # pragma: no cover - compiled
    """The seven weighted sums of :data:`rfm.clv.likelihood.ROW_SUMS`."""
    n = w.shape[0]
    partial = np.zeros((N_CHUNKS, N_SUMS))
    for c in prange(N_CHUNKS):
        start = c * n // N_CHUNKS
        stop = (c + 1) * n // N_CHUNKS
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = 0.0
        for i in range(start, stop):
            j = xi[i]
            r_x = rx[j]
            wi = w[i]
            log_aT = np.log(alpha + T[i])
            dlog = np.log(alpha + t_x[i]) - log_aT
            l1 = c1[j] - r_x * log_aT
            d = dc[j] - r_x * dlog
            if d > 0.0:  # log(1 + e^d) and e^d / (1 + e^d) without overflow
                e = np.exp(-d)
                softplus = d + np.log1p(e)
                w2 = 1.0 / (1.0 + e)
            else:  # d = -inf (no second branch) gives 0 and 0
                e = np.exp(d)
                softplus = np.log1p(e)
                w2 = e / (1.0 + e)
            ww2 = wi * w2
            inv_aT = 1.0 / (alpha + T[i])
            s0 += wi * (l1 + softplus)
            s1 += wi * log_aT
            s2 += ww2 * dlog
            s3 += wi * r_x * inv_aT
            s4 += ww2 * r_x * (1.0 / (alpha + t_x[i]) - inv_aT)
            s5 += ww2
            s6 += ww2 * inv_b[j]
        partial[c, 0] = s0
        partial[c, 1] = s1
        partial[c, 2] = s2
        partial[c, 3] = s3
        partial[c, 4] = s4
        partial[c, 5] = s5
        partial[c, 6] = s6
    out = np.zeros(N_SUMS)
    for c in range(N_CHUNKS):
        for k in range(N_SUMS):
            out[k] += partial[c, k]
    return out
