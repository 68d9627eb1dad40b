"""Dask input for the numba kernels: checked, feature-major blocks kept on the workers.

A Dask array (n, d) or a Dask DataFrame of numeric features is turned, block by block
(row chunk by row chunk, DataFrame partition by partition), into C-contiguous float64
arrays of shape (d, m): the feature-major layout the K-means kernels read. The blocks are
**persisted once** (held in the workers' memory, or in this process under the threaded
scheduler) and every later pass reuses them.

The same pass checks the data at the edge: the dtype before anything runs, then per block
the number of rows, the non-finite values (a NaN in a single block is reported with the
block and row where it sits) and the column ranges (for the float64 overflow check).

Everything here works with any Dask scheduler: the default threaded one, a
``distributed.LocalCluster`` or any ``distributed.Client``. Results of a pass come back
block by block and are added up **in block order** on the client, so they do not depend
on how many workers ran, or which worker ran which block.

Inside a task the numba kernels run on one thread (:func:`one_thread`): Dask already runs
one task per core, and numba's own threads on top would oversubscribe the cores.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd
from dask.delayed import Delayed, delayed

from kmeans_np.checks import (
    check_distances_fit,
    check_finite,
    column_names,
    non_numeric_columns,
)

__all__ = [
    "DaskBlocks",
    "block_values",
    "centered",
    "from_blocks",
    "one_thread",
    "ordered_sum",
    "run",
    "to_blocks",
]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run numba's parallel kernels on the calling thread only, for one task.

    ``numba.set_num_threads`` is thread-local, so concurrent tasks on other threads of the
    same worker are not affected. The answer does not depend on it: every kernel adds its
    per-chunk partials in chunk order.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _check_dtype(dtype: np.dtype, name: str) -> None:
    if dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {dtype}; pass real numbers."
        )
    if dtype.kind not in "biuf":  # booleans read as 0/1, as in memory
        raise TypeError(
            f"{name} must hold real numbers, got dtype {dtype}. Convert it with "
            "X.astype(float) after encoding any text columns."
        )


def _frame_block(part: pd.DataFrame) -> np.ndarray:
    # booleans as 0/1, a missing value of a nullable column as NaN (then refused)
    return np.ascontiguousarray(part.to_numpy(dtype=np.float64, na_value=np.nan).T)


def _array_block(block: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(block, dtype=np.float64).T)


def block_values(block: Any, where: int | None, unit: str = "block") -> np.ndarray:
    """One row block of new data (rows × d: a block of a Dask array or a partition of a
    Dask DataFrame, ``where``-th of its kind) as float64, read and checked as
    :func:`kmeans_np.checks.check_array` reads data in memory: booleans as 0/1, a missing
    value of a nullable column as NaN, and NaN or ±inf refused with the in-memory
    ``ValueError``, which names the ``unit`` (``"block"`` or ``"partition"``) and the
    place in it."""
    if isinstance(block, pd.DataFrame):
        values = block.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.asarray(block, dtype=np.float64)
    check_finite(values, "X", within=f"{unit} {'?' if where is None else where}")
    return values


def _block_stats(xt: np.ndarray) -> tuple[int, int, int, bool, np.ndarray, np.ndarray,
                                          np.ndarray]:
    """(rows, non-finite count, first bad row, first bad is NaN, column min, column max,
    column sum)."""
    d, m = xt.shape
    finite = np.isfinite(xt)
    if m == 0:
        return 0, 0, -1, False, np.full(d, np.inf), np.full(d, -np.inf), np.zeros(d)
    if finite.all():
        # the sum may overflow for values near 1e308: only K-means reads it, and it
        # refuses such data (check_distances_fit) from the minima and maxima
        with np.errstate(over="ignore"):
            total = xt.sum(axis=1)
        return m, 0, -1, False, xt.min(axis=1), xt.max(axis=1), total
    bad_rows = np.flatnonzero(~finite.all(axis=0))
    first = int(bad_rows[0])
    is_nan = bool(np.isnan(xt[:, first]).any())
    return m, int((~finite).sum()), first, is_nan, xt.min(axis=1), xt.max(axis=1), np.zeros(d)


@dataclass
class DaskBlocks:
    """Persisted feature-major blocks of a Dask input.

    Attributes
    ----------
    blocks : list of Delayed
        Block b is a float64 array (d, sizes[b]), C-contiguous, already in memory.
    sizes : ndarray of int64
        Rows per block.
    offsets : ndarray of int64
        First global row of each block (length n_blocks + 1, the last one is n).
    n_features : int
    names : list of str or None
        Column names of a DataFrame input.
    col_min, col_max : ndarray (d,)
        Per-column range (for the overflow check).
    col_sum : ndarray (d,)
        Per-column sum, the blocks' sums added in block order (the column means).
    """

    blocks: list[Delayed]
    sizes: np.ndarray
    offsets: np.ndarray
    n_features: int
    names: list[str] | None
    col_min: np.ndarray
    col_max: np.ndarray
    col_sum: np.ndarray

    @property
    def n_samples(self) -> int:
        return int(self.offsets[-1])

    @property
    def chunks(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.sizes)

    def block_of(self, rows: np.ndarray) -> np.ndarray:
        """Block index of each global row."""
        return np.searchsorted(self.offsets, rows, side="right") - 1


def as_row_blocks(X: Any, name: str = "X") -> tuple[list[Delayed], int, list[str] | None, Callable]:
    """The lazy row blocks of a Dask array or DataFrame, its width, names and converter."""
    import dask.dataframe as dd

    if isinstance(X, dd.Series):
        raise ValueError(
            f"{name} is a Dask Series (1-D) but a 2-D table is needed; use "
            "series.to_frame() for a single feature."
        )
    if isinstance(X, dd.DataFrame):
        bad = non_numeric_columns(X._meta)
        if bad:
            raise TypeError(
                f"{name} has non-numeric column(s) {bad}; clustering needs numbers. "
                "Select or encode the numeric columns first."
            )
        if len(X.columns) == 0:
            raise ValueError(f"{name} has no features: 0 column(s).")
        return list(X.to_delayed()), len(X.columns), column_names(X.columns), _frame_block
    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name} is a {type(X).__name__}; a Dask array or Dask DataFrame is needed "
            "(or an in-memory array)."
        )
    _check_dtype(np.dtype(X.dtype), name)
    if X.ndim != 2:
        hint = ". Reshape it: x.reshape(-1, 1) for a single feature" if X.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {X.ndim}-D{hint}.")
    if np.isnan(X.shape[1]):
        raise ValueError(f"{name} has an unknown number of columns; compute its chunk sizes.")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no features: 0 column(s).")
    blocks = X.rechunk({1: -1}).to_delayed().ravel().tolist()
    return blocks, int(X.shape[1]), None, _array_block


def to_blocks(X: Any, *, name: str = "X", check_overflow: bool = True) -> DaskBlocks:
    """Check a Dask array/DataFrame, persist it as feature-major float64 blocks.

    Raises
    ------
    TypeError, ValueError
        Non-numeric or complex dtype, not 2-D, empty, or non-finite values (the message
        names the block and the row).
    """
    raw, d, names, convert = as_row_blocks(X, name)
    blocks = list(dask.persist(*[delayed(convert)(b) for b in raw]))
    stats = run(_block_stats, blocks)
    sizes = np.array([s[0] for s in stats], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(offsets[-1])
    if n == 0:
        raise ValueError(f"{name} is empty (0 samples); there is nothing to cluster.")
    bad = [(b, s) for b, s in enumerate(stats) if s[1]]
    if bad:
        b, s = bad[0]
        total = sum(t[1] for _, t in bad)
        kind = "NaN" if s[3] else "infinity"
        where = "partition" if names is not None else "block"
        raise ValueError(
            f"{name} contains {total} non-finite value(s) in {len(bad)} {where}(s) (first: "
            f"{kind} in {where} {b}, at row {int(offsets[b]) + s[2]}, row {s[2]} of that "
            f"{where}). Drop or impute missing values before clustering, e.g. "
            "ddf.dropna() or ddf.fillna(...)."
        )
    col_min = np.min(np.stack([s[4] for s in stats]), axis=0)
    col_max = np.max(np.stack([s[5] for s in stats]), axis=0)
    with np.errstate(over="ignore"):  # see _block_stats
        col_sum = ordered_sum([s[6] for s in stats])
    if check_overflow:
        # The in-memory check reads only the column ranges and the total weight: two rows
        # (the minima and maxima) weighing n/2 each stand for the whole data set.
        check_distances_fit(np.vstack([col_min, col_max]), np.array([n / 2, n / 2]), name)
    return DaskBlocks(blocks, sizes, offsets, d, names, col_min, col_max, col_sum)


def _minus(xt: np.ndarray, center: np.ndarray) -> np.ndarray:
    return xt - center[:, None]


def centered(data: DaskBlocks, center: np.ndarray) -> DaskBlocks:
    """The same blocks minus ``center`` (per column), persisted in place of the originals;
    the range and sums stay those of the data as given."""
    return dataclasses.replace(data, blocks=persist(_minus, data.blocks, args=(center,)))


def run(func: Callable, *per_block: Sequence[Any], args: tuple = ()) -> list[Any]:
    """``func(per_block[0][b], per_block[1][b], ..., *args)`` for every block b, computed
    together on the current Dask scheduler; the results in block order."""
    tasks = [delayed(func)(*parts, *args) for parts in zip(*per_block, strict=True)]
    return list(dask.compute(*tasks))


def persist(func: Callable, *per_block: Sequence[Any], args: tuple = ()) -> list[Delayed]:
    """Like :func:`run`, but the per-block results stay where they were computed."""
    tasks = [delayed(func)(*parts, *args) for parts in zip(*per_block, strict=True)]
    return list(dask.persist(*tasks))


def ordered_sum(parts: Sequence[Any]) -> Any:
    """parts[0] + parts[1] + ... in this order (the deterministic reduction)."""
    total = parts[0]
    total = total.copy() if isinstance(total, np.ndarray) else total
    for p in parts[1:]:
        total = total + p
    return total


def from_blocks(parts: Sequence[Delayed], sizes: Sequence[int], dtype: Any,
                extra_shape: tuple[int, ...] = ()) -> da.Array:
    """A Dask array from per-block results of known lengths (stacked along rows)."""
    arrays = [
        da.from_delayed(p, shape=(int(m), *extra_shape), dtype=dtype)
        for p, m in zip(parts, sizes, strict=True)
    ]
    return da.concatenate(arrays, axis=0)
