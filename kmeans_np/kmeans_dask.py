"""``KMeans`` on Dask arrays and DataFrames: fit on the workers, labels as a Dask array.

``KMeans.fit``, ``predict``, ``transform`` and ``score`` come here when given a Dask
collection (the in-memory methods hand over at their first line). The fit runs the same
Lloyd and k-means++ code as in memory on the Dask engine (``_dask_engine``); predicting
and transforming are block-wise maps of the in-memory kernels, so their values are the
in-memory ones row for row.
"""

from __future__ import annotations

from typing import Any

import dask.array as da
import numpy as np

from kmeans_np._dask_blocks import (
    as_row_blocks,
    centered,
    is_dask_frame,
    one_thread,
    run,
    to_blocks,
)
from kmeans_np._dask_engine import DaskEngine
from kmeans_np._tabular import fitted_names, record_fit_columns
from kmeans_np.jit import load_kernels

__all__ = ["fit_dask", "predict_dask", "score_dask", "transform_dask"]

K = load_kernels("kmeans_np.engine_numba")
_EMPTY = np.empty(0)


def _no_weights(sample_weight: Any) -> None:
    if sample_weight is not None:
        raise ValueError(
            "sample_weight is not supported with Dask input; fit on an in-memory array to "
            "weight the samples."
        )


def fit_dask(est: Any, X: Any, sample_weight: Any = None) -> Any:
    """``est.fit(X)`` for a Dask array or DataFrame ``X`` (see ``KMeans``)."""
    _no_weights(sample_weight)
    data = to_blocks(X)
    center = data.col_sum / data.n_samples  # Lloyd runs on centred blocks, as in memory
    engine = DaskEngine(centered(data, center))
    best = est._best_run(engine, est._fit_params(data.n_samples, data.n_features), center)
    est.cluster_centers_ = best.centers
    est.labels_ = engine.labels_array(best.labels)
    est.inertia_ = float(best.inertia)
    est.n_iter_ = int(best.n_iter)
    est.history_ = best.history if est.record_history else None
    record_fit_columns(est, data.names, data.n_features)
    return est


def _as_dask_array(est: Any, X: Any) -> da.Array:
    """New Dask data checked against what ``fit`` saw, as a 2-D Dask array (one column
    chunk). Values are checked block by block when computed."""
    est._check_fitted()
    names = fitted_names(est)
    if is_dask_frame(X):
        as_row_blocks(X)  # dtype and shape checks
        got = [str(c) for c in X.columns]
        if names is not None and got != list(names):
            raise ValueError(
                f"X has columns {got} but the columns seen in fit are {list(names)}. Pass "
                "a DataFrame with the same columns, in the same order."
            )
        arr = X.to_dask_array()
    else:
        as_row_blocks(X)
        arr = X
    if arr.shape[1] != est.n_features_in_:
        raise ValueError(
            f"X has {arr.shape[1]} features, but {type(est).__name__} is expecting "
            f"{est.n_features_in_} features as input; pass data with the same features."
        )
    return arr.rechunk({1: -1})


def _checked_xt(block: np.ndarray, block_info: dict | None) -> np.ndarray:
    xt = np.ascontiguousarray(np.asarray(block, dtype=np.float64).T)
    if not np.isfinite(xt).all():
        where = block_info[0]["chunk-location"][0] if block_info else "?"
        raise ValueError(
            f"X contains non-finite value(s) in block {where}; drop or impute missing "
            "values first."
        )
    return xt


def _predict_block(block, centers, block_info=None):
    xt = _checked_xt(block, block_info)
    labels = np.empty(xt.shape[1], np.int32)
    with one_thread():
        K.nearest(xt, _EMPTY, centers, labels, np.empty(xt.shape[1]))
    return labels.astype(np.int64)


def _transform_block(block, centers, block_info=None):
    xt = _checked_xt(block, block_info)
    out = np.empty((xt.shape[1], centers.shape[0]))
    with one_thread():
        K.sq_distances(xt, centers, out)
    return np.sqrt(out)


def _inertia_block(block, centers):
    xt = _checked_xt(block, None)
    with one_thread():
        return K.nearest(
            xt, _EMPTY, centers, np.empty(xt.shape[1], np.int32), np.empty(xt.shape[1])
        )


def predict_dask(est: Any, X: Any) -> da.Array:
    """Nearest-centre labels (int64) of a Dask array/DataFrame, as a Dask array."""
    arr = _as_dask_array(est, X)
    centers = np.ascontiguousarray(est.cluster_centers_)
    return arr.map_blocks(_predict_block, centers, drop_axis=1, dtype=np.int64)


def transform_dask(est: Any, X: Any) -> da.Array:
    """Distances to every centre, a Dask array (n, k)."""
    arr = _as_dask_array(est, X)
    centers = np.ascontiguousarray(est.cluster_centers_)
    k = centers.shape[0]
    return arr.map_blocks(
        _transform_block, centers, chunks=(arr.chunks[0], (k,)), dtype=np.float64
    )


def score_dask(est: Any, X: Any, sample_weight: Any = None) -> float:
    """Minus the inertia of a Dask array/DataFrame, blocks added in block order."""
    _no_weights(sample_weight)
    arr = _as_dask_array(est, X)
    centers = np.ascontiguousarray(est.cluster_centers_)
    parts = run(_inertia_block, arr.to_delayed().ravel().tolist(), args=(centers,))
    total = 0.0
    for p in parts:
        total += p
    return -float(total)
