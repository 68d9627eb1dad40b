"""The scalers and PCA on Dask arrays and DataFrames.

``fit`` learns its statistics from persisted blocks in two passes, partials added in
block order on the client:

* scalers — per column the minimum, maximum and sum (after ``log1p``), then the sum of
  squared deviations from the mean (population variance, as in memory);
* PCA — the column means, then each block's centred rows reduced to the d × d factor R
  of their QR decomposition; the blocks' R factors, stacked in block order, are
  factorised again, and the SVD of that last R gives the singular values and axes of
  the whole centred data (a tall-skinny QR: no d × d covariance is formed, so nothing
  is lost to squaring the condition number).

``transform`` and ``inverse_transform`` map every block through the fitted estimator's
in-memory map (the same code, each block's values checked as in memory) and return a
Dask array, or, for ``transform`` when ``set_output`` (or scikit-learn's global
``transform_output``) asks for pandas, a Dask DataFrame: columns
``get_feature_names_out()``, the input's index and divisions for a Dask DataFrame
(each partition read once) and 0..n-1 for a Dask array (:func:`dask_output`), as
dask-ml's scalers return one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask.array as da
import numpy as np
from dask import delayed

from kmeans_np._moments import scaled_difference, size_exponents, spread
from kmeans_np._tabular import fitted_names, warn_on_missing_names
from kmeans_np.checks import check_n_components, column_names
from kmeans_np.dask_blocks import as_row_blocks, block_values, ordered_sum, run, to_blocks
from kmeans_np.dask_detect import is_dask_frame

__all__ = [
    "block_unit", "checked_dask_array", "dask_output", "fit_pca_dask", "fit_scaler_dask",
    "map_blocks_of", "map_rows",
]


def _log_stats(
    xt: np.ndarray, mask: np.ndarray, e_size: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column minima, maxima and sums (of the values divided by ``2^e_size``, so that
    they cannot overflow) of the block after log1p of the masked columns."""
    if xt.shape[1] == 0:
        d = xt.shape[0]
        return np.full(d, np.inf), np.full(d, -np.inf), np.zeros(d)
    z = xt.copy()
    z[mask] = np.log1p(z[mask])  # values > -1: checked on the column minima first
    return z.min(axis=1), z.max(axis=1), np.ldexp(z, -e_size[:, None]).sum(axis=1)


def _log_sq_dev(
    xt: np.ndarray, mask: np.ndarray, mean: np.ndarray, e_dev: np.ndarray
) -> np.ndarray:
    z = xt.copy()
    z[mask] = np.log1p(z[mask])
    # below 1: the square cannot overflow
    dev = scaled_difference(z, mean[:, None], lambda d: np.ldexp(d, -e_dev[:, None]))
    return (dev * dev).sum(axis=1)


def fit_scaler_dask(est: Any, X: Any) -> Any:
    """``MinMaxScaler``/``StandardScaler.fit`` for a Dask ``X``."""
    data = to_blocks(X, check_overflow=False)
    labels = list(X.columns) if is_dask_frame(X) else None
    est._prepare_fit(data.names, labels, data.n_features)
    mask = est.log1p_mask_
    raw_min = data.col_min
    if mask.any() and (raw_min[mask] <= -1).any():
        # the in-memory check, on the column minima (the only values it needs)
        est._forward_log(raw_min[None, :])
    # the column ranges after log1p (a monotone map) bound every value: the power of two
    # the sums are divided by is known before the first pass
    bounds = np.vstack([data.col_min, data.col_max])
    bounds[:, mask] = np.log1p(bounds[:, mask])
    e_size, _ = size_exponents(bounds[0], bounds[1])
    parts = run(_log_stats, data.blocks, args=(mask, e_size))
    z_min = np.min(np.stack([p[0] for p in parts]), axis=0)
    z_max = np.max(np.stack([p[1] for p in parts]), axis=0)
    n = data.n_samples

    def moments() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean = np.ldexp(ordered_sum([p[2] for p in parts]) / n, e_size)
        mean = np.where(z_max == z_min, z_min, mean)
        _, e_dev = size_exponents(z_min, z_max)
        mean_square = ordered_sum(run(_log_sq_dev, data.blocks, args=(mask, mean, e_dev))) / n
        return mean, *spread(mean_square, e_dev)

    return est._finish_fit(labels, z_min, z_max, moments)


def _column_sums(xt: np.ndarray) -> np.ndarray:
    return xt.sum(axis=1)


def _centred_r(xt: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """The R factor (≤ d × d) of the block's centred rows."""
    return np.linalg.qr(xt.T - mean, mode="r")


def fit_pca_dask(est: Any, X: Any) -> Any:
    """``PCA.fit`` for a Dask ``X`` (tall-skinny QR, see the module notes)."""
    if hasattr(est, "components_"):
        del est.components_
    data = to_blocks(X, check_overflow=False)
    n, d = data.n_samples, data.n_features
    if n < 2:
        raise ValueError(f"X has {n} sample(s); at least 2 needed.")
    q = check_n_components(est.n_components, n, d)
    mean = ordered_sum(run(_column_sums, data.blocks)) / n
    R = np.linalg.qr(np.vstack(run(_centred_r, data.blocks, args=(mean,))), mode="r")
    _, S, Vt = np.linalg.svd(R, full_matrices=False)
    est._set_axes(mean, S, Vt, n, q, data.names)
    return est


def _apply(
    block: Any, est: Any, method: str, n_out: int, unit: str, where: Any = None
) -> np.ndarray:
    if block.shape[0] == 0:  # an empty partition
        return np.empty((0, n_out))
    return getattr(est, method)(block_values(block, where, unit))


def block_unit(X: Any) -> str:
    """What the row blocks of a Dask ``X`` are called in messages: a DataFrame's
    partitions, an array's blocks."""
    return "partition" if is_dask_frame(X) else "block"


def checked_dask_array(
    est: Any, X: Any, n_in: int, *, names: bool = True, stacklevel: int = 2
) -> da.Array:
    """New Dask data ``X`` for a fitted ``est``, checked against what its fit saw, as a
    2-D float64 Dask array of one column chunk (a missing value of a nullable column as
    NaN; the values are checked block by block when computed, :func:`block_values`):
    numeric columns, ``n_in`` of them, and with ``names`` the columns fit saw
    (:func:`kmeans_np.checks.column_names`), with scikit-learn's warning when only one of
    the two has names. ``stacklevel`` is the warning's, counted from this function (2:
    its caller's line)."""
    est._check_fitted()
    as_row_blocks(X)  # 2-D, numeric columns: the checks the fit made
    frame = is_dask_frame(X)
    if names:
        fitted = fitted_names(est)
        got = column_names(X.columns) if frame else None
        warn_on_missing_names(got, fitted, type(est).__name__, stacklevel=stacklevel + 1)
        if got is not None and fitted is not None and got != list(fitted):
            raise ValueError(
                f"X has columns {got} but the columns seen in fit are {list(fitted)}. Pass "
                "a DataFrame with the same columns, in the same order."
            )
    # the frame's values as in memory: booleans as 0/1, a missing value as NaN (to be
    # refused as missing; without astype a nullable column reads as objects)
    arr = X.astype(np.float64).to_dask_array() if frame else X
    if arr.shape[1] != n_in:
        raise ValueError(
            f"X has {arr.shape[1]} features, but {type(est).__name__} is expecting {n_in} "
            "features as input; pass data with the same features."
        )
    return arr.rechunk({1: -1})


def map_blocks_of(
    est: Any, method: str, X: Any, n_in: int, n_out: int, *, transform: bool = True
) -> Any:
    """``est.<method>``, a map of checked values to values, applied block by block to a
    Dask array/DataFrame ``X`` of ``n_in`` columns: a Dask array of ``n_out`` columns,
    every block's values checked first (finite numbers), as in memory.

    For ``transform`` (``transform=True``; not for ``inverse_transform``) the columns are
    checked against those seen in fit, with scikit-learn's warning when only one of
    them has names, and the output is in the container ``set_output`` asks for
    (:func:`dask_output`).
    """
    arr = checked_dask_array(est, X, n_in, names=transform, stacklevel=4)
    args = (est, method, n_out, block_unit(X))
    if transform:
        return dask_output(est, X, arr, _apply, n_out, *args)
    return map_rows(arr, _apply, n_out, *args)


def _on_block(block: np.ndarray, fn: Callable, args: tuple, block_info: Any = None) -> Any:
    return fn(block, *args, where=block_info[0]["chunk-location"][0] if block_info else None)


def map_rows(arr: da.Array, fn: Callable, n_out: int, *args: Any) -> da.Array:
    """``fn(block, *args, where=<block number>)`` (rows × ``n_out`` float64) for every row
    block of ``arr`` (one column chunk): a Dask array chunked like ``arr``'s rows."""
    return arr.map_blocks(
        _on_block, fn, args, chunks=(arr.chunks[0], (n_out,)), dtype=np.float64,
        meta=np.empty((0, n_out)),
    )


def _on_partition(
    part: Any, fn: Callable, args: tuple, names: list[str], partition_info: Any = None
) -> Any:
    import pandas as pd

    where = partition_info["number"] if partition_info else None
    return pd.DataFrame(fn(part, *args, where=where), index=part.index,
                        columns=names)  # fmt: skip


def _numbered(values: np.ndarray, start: int, names: list[str]) -> Any:
    import pandas as pd

    index = pd.RangeIndex(start, start + values.shape[0])
    return pd.DataFrame(values, index=index, columns=names)


def dask_output(est: Any, X: Any, arr: da.Array, fn: Callable, n_out: int, *args: Any) -> Any:
    """``transform``'s Dask result, ``fn(block, *args, where=<block number>)`` (rows ×
    ``n_out`` float64) for every row block of ``X`` (``arr``: ``X`` as a checked Dask
    array, one column chunk), in the container ``set_output`` (or scikit-learn's global
    ``transform_output``) asks for.

    * ``"default"``: a Dask array chunked like ``arr``'s rows (:func:`map_rows`).
    * ``"pandas"``: a Dask DataFrame with the columns the in-memory output has,
      ``get_feature_names_out()``, lazy. For a Dask DataFrame ``X``: one
      ``map_partitions`` over ``X`` (each partition read once), on its index and
      divisions. For a Dask array: the default index 0..n-1 of the in-memory output,
      with divisions when the chunk sizes are known, and otherwise each block numbered
      from the lengths of the blocks before it, found as the blocks are computed
      (divisions unknown).
    * ``"polars"``: a ``ValueError`` (a polars DataFrame holds every row in memory).
    """
    mode = est._output_mode()
    if mode == "default":
        return map_rows(arr, fn, n_out, *args)
    owner = type(est).__name__
    if mode != "pandas":
        raise ValueError(
            f"{owner} cannot return {mode!r} output for Dask input: a {mode} DataFrame "
            "holds every row in memory. Use set_output(transform='pandas') for a Dask "
            "DataFrame, 'default' for a Dask array, or compute the input first."
        )
    import dask.dataframe as dd
    import pandas as pd

    names = [str(c) for c in est.get_feature_names_out()]
    if is_dask_frame(X):
        meta = pd.DataFrame(np.empty((0, n_out)), index=X._meta.index, columns=names)
        return X.map_partitions(_on_partition, fn, args, names, meta=meta)
    values = map_rows(arr, fn, n_out, *args)
    if not np.isnan(values.shape[0]):
        return dd.from_dask_array(values, columns=names)
    frames, start = [], 0
    for block in values.to_delayed().ravel().tolist():
        frames.append(delayed(_numbered)(block, start, names))
        start = start + delayed(len)(block)
    meta = pd.DataFrame(np.empty((0, n_out)), index=pd.RangeIndex(0), columns=names)
    return dd.from_delayed(frames, meta=meta, verify_meta=False)
