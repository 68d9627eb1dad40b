"""numba options every kernel module of rfmseg shares (kmeans_np, validation and rfm): the
parallel options, the d = 3 flag of the kernels' arguments and the one-thread twin of a
threaded kernel.

Imports only the standard library (numba inside ``one_thread_twin``): a kernel module
reads these at its own import, before any compilation.
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["PRANGE_ONLY", "any_d_flag", "one_thread_twin"]

# Parallelise the explicit prange loops only: with plain parallel=True numba also turns
# every array allocation and expression into a parallel loop of its own, which costs
# compile time (and a thread launch per np.zeros) and buys nothing here.
PRANGE_ONLY = dict(prange=True, comprehension=False, reduction=False, inplace_binop=False,
                   setitem=False, numpy=False, stencil=False, fusion=False)  # fmt: skip


def any_d_flag(n_features: int) -> bool | None:
    """The kernels' ``any_d`` argument for data of ``n_features`` features: ``None``
    selects the written-out d = 3 code, ``True`` the generic loops over features.

    numba knows ``any_d is None`` from the argument's *type*, so it drops the branch not
    taken before compiling: a run on RFM data never compiles the generic code.
    """
    return None if n_features == 3 else True


#: what a one-thread twin's cached name adds to its kernel's
TWIN_SUFFIX = "_one_thread"


def one_thread_twin(kernel: Any) -> Any:
    """The same kernel, compiled to run on the calling thread only.

    Its ``prange`` loops run as ``range``: the same chunks in the same order, the same
    per-chunk partial sums added up in the same order, and the same compiled helpers, so
    its answer is the threaded kernel's, bit for bit (the tests check it). Why have it:

    * compiling it takes about half as long. numba's parallel lowering, which outlines
      every ``prange`` body into a function of its own and schedules it over the thread
      pool, is most of a threaded kernel's compile time (``lloyd_step``: 5.2 s threaded,
      2.9 s without threads, measured on a cold cache);
    * below a few tens of thousands of rows the threads gain little: one Lloyd pass at
      20,000 rows takes 0.05–0.09 ms either way, and the README demo's clustering step
      0.335 s on the twins against 0.296 s threaded.

    So a small run, the README's demo for one, compiles only the twins on its first run.

    numba keys its on-disk cache by a function's qualified name and bytecode, not by its
    compile options, so the twin is a copy of the Python function under its own name,
    ``<name>_one_thread``; otherwise the two would overwrite each other's cache entries.

    Parameters
    ----------
    kernel : numba dispatcher
        An ``@njit(cache=True, parallel=...)`` kernel.

    Returns
    -------
    numba dispatcher
        Compiled lazily, on its first call, like every kernel of rfmseg.
    """
    from numba import njit

    py = kernel.py_func
    twin = types.FunctionType(
        py.__code__, py.__globals__, py.__name__ + TWIN_SUFFIX, py.__defaults__, py.__closure__
    )
    twin.__qualname__ = py.__qualname__ + TWIN_SUFFIX
    twin.__doc__ = py.__doc__
    twin.__module__ = py.__module__
    dropped = ("parallel", "nopython")  # no threads; nopython is njit's own
    options = {key: value for key, value in kernel.targetoptions.items() if key not in dropped}
    return njit(cache=True, **options)(twin)
