"""numba options every kernel module of rfmseg shares (kmeans_np, validation and rfm).

Plain data, no import: a kernel module reads it at its own import, before any compilation.
"""

from __future__ import annotations

__all__ = ["PRANGE_ONLY"]

# Parallelise the explicit prange loops only: with plain parallel=True numba also turns
# every array allocation and expression into a parallel loop of its own, which costs
# compile time (and a thread launch per np.zeros) and buys nothing here.
PRANGE_ONLY = dict(prange=True, comprehension=False, reduction=False, inplace_binop=False,
                   setitem=False, numpy=False, stencil=False, fusion=False)  # fmt: skip
