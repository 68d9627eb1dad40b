"""Is this a Dask collection, or a Dask DataFrame? Answered without importing Dask.

A Dask array or DataFrame can only exist once ``dask`` has been imported, so when it is
not in ``sys.modules`` nothing given to us can be one: ``import kmeans_np`` (and every
in-memory call) never loads Dask. The one place every package (kmeans_np, validation,
rfm) asks.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_dask_collection", "is_dask_frame"]


def is_dask_collection(X: Any) -> bool:
    """Whether ``X`` is a Dask collection (array, DataFrame, Series, ...)."""
    if "dask" not in sys.modules:
        return False
    from dask import is_dask_collection as _is

    return bool(_is(X))


def is_dask_frame(X: Any) -> bool:
    """Whether ``X`` is a Dask DataFrame (or Series)."""
    if "dask.dataframe" not in sys.modules:
        return False
    import dask.dataframe as dd

    return isinstance(X, (dd.DataFrame, dd.Series))
