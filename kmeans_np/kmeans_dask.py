"""``KMeans`` on Dask arrays and DataFrames: fit on the workers, labels as a Dask array.

``KMeans.fit``, ``predict``, ``transform`` and ``score`` come here when given a Dask
collection (the in-memory methods hand over at their first line). The fit runs the same
Lloyd and k-means++ code as in memory on the Dask engine (``_dask_engine``); predicting
and transforming are block-wise maps of the in-memory kernels, so their values are the
in-memory ones row for row.

Seeding. With the default ``n_init="auto"`` the fit draws a lightweight coreset of the
blocks in one pass (:mod:`kmeans_np.coreset`), keeps the best of ten in-memory k-means++
starts run to convergence on it, and refines that one with Lloyd on all the blocks: ten
starts for the price of one pass, within 0.1 % of the best of ten full starts where one
greedy start on all the data was up to 6 % off (``docs/SCALE.md``). An integer
``n_init`` asks for that many starts seeded on all the blocks, as in memory; ``n_init=1``
then gives the in-memory fit's seeding. A callable ``init`` is called on the data as a
float64 Dask array (its partition sizes known), ``n_init`` times ("auto": 10): on the
blocks the fit already holds in memory, every start before the first Lloyd run, so the
source is read once however the callable reads the data.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import dask.array as da
import numpy as np
from dask import delayed

from kmeans_np._dask_engine import DaskEngine
from kmeans_np._tabular import record_fit_columns
from kmeans_np.coreset import CORESET_STARTS, coreset_size
from kmeans_np.dask_blocks import (
    DaskBlocks,
    block_values,
    centered,
    from_blocks,
    one_thread,
    run,
    to_blocks,
)
from kmeans_np.jit import load_kernels
from kmeans_np.transform_dask import block_unit, checked_dask_array, dask_output

__all__ = ["fit_dask", "predict_dask", "score_dask", "transform_dask"]

K = load_kernels("kmeans_np.engine_numba")


def _no_weights(sample_weight: Any) -> None:
    if sample_weight is not None:
        raise ValueError(
            "sample_weight is not supported with Dask input; fit on an in-memory array to "
            "weight the samples."
        )


def _coreset_start(
    engine: DaskEngine, params: Any, estimator: type, rng: np.random.Generator
) -> np.ndarray:
    """Starting centres from a weighted sample: the best of ``CORESET_STARTS`` in-memory
    fits of ``estimator`` (the caller's class: ``params.init`` seeding, Lloyd) on a
    lightweight coreset of the blocks."""
    k = params.n_clusters
    # At least min(n, size / 2) rows are expected, so never fewer than k: below n =
    # size / 2 every row is kept (p = 1), above it the sample keeps thousands per cluster.
    rows, weights = engine.coreset(coreset_size(k), rng)
    with warnings.catch_warnings():
        # fewer distinct rows than clusters: the fit on all the data says so itself
        warnings.filterwarnings("ignore", message="Only .* distinct clusters")
        fitted = estimator(k, init=params.init, n_init=CORESET_STARTS,
                           max_iter=params.max_iter, tol=params.tol,
                           random_state=rng).fit(rows, sample_weight=weights)  # fmt: skip
    return fitted.cluster_centers_


def _row_major(xt: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(xt.T)


def _held_rows(data: DaskBlocks) -> da.Array:
    """The data as a float64 Dask array (n, d) chunked like its blocks (sizes known, also
    for a DataFrame or an array of unknown chunk sizes), computed from the blocks held in
    memory (``data.blocks``, persisted): reading it does not read the source again."""
    rows = [delayed(_row_major)(b) for b in data.blocks]
    return from_blocks(rows, data.sizes, np.float64, (data.n_features,))


def _callable_starts(
    est: Any, data: DaskBlocks, params: Any, center: np.ndarray
) -> Callable[[np.random.Generator], np.ndarray]:
    """A callable init's ``params.n_init`` starts, all made now, on the blocks held in
    memory (:func:`_held_rows`), and handed out one per start in the order made: a
    callable that gathers rows (``X[idx].compute()``) then reads memory, not the source,
    once per start. The answer is the in-memory one: there too the calls draw, in this
    order, from the random state they share, and the Lloyd runs between them draw
    nothing."""
    make = est._callable_start(_held_rows(data), params, center)
    starts = iter([make(None) for _ in range(params.n_init)])
    return lambda _rng: next(starts)


def fit_dask(est: Any, X: Any, sample_weight: Any = None) -> Any:
    """``est.fit(X)`` for a Dask array or DataFrame ``X`` (see ``KMeans``).

    With ``n_init="auto"`` and a named init, the start comes from a weighted sample
    (``_coreset_start``, one pass); with an integer ``n_init`` or a callable init, each
    start seeds on all the blocks, as in memory.
    """
    _no_weights(sample_weight)
    data = to_blocks(X)
    params = est._fit_params(data.n_samples, data.n_features)
    center = data.col_sum / data.n_samples  # Lloyd runs on centred blocks, as in memory
    engine = DaskEngine(centered(data, center))
    names, n_features = data.names, data.n_features
    if callable(params.init):  # every start from the blocks as given, read once
        start = _callable_starts(est, data, params, center)
    del data  # the blocks as given: the workers may free them now
    if callable(params.init):
        best = est._best_run(engine, params, center, start)
    elif isinstance(est.n_init, str) and isinstance(params.init, str):  # n_init="auto"
        start = partial(_coreset_start, engine, params, type(est))
        best = est._best_run(engine, params._replace(n_init=1), center, start)
    else:
        best = est._best_run(engine, params, center)
    est.cluster_centers_ = best.centers
    est.labels_ = engine.labels_array(best.labels)
    est.inertia_ = float(best.inertia)
    est.n_iter_ = int(best.n_iter)
    est.history_ = best.history if est.record_history else None
    record_fit_columns(est, names, n_features)
    return est


def _as_dask_array(est: Any, X: Any) -> da.Array:
    """New Dask data checked against what ``fit`` saw, as a 2-D Dask array (one column
    chunk). Values are checked block by block when computed."""
    # from predict, transform or score, called by the user: their caller's line
    return checked_dask_array(est, X, est.n_features_in_, stacklevel=5)


def _checked_xt(block: Any, where: int | None, unit: str) -> np.ndarray:
    """The block's values checked as in memory (:func:`block_values`), feature-major."""
    return np.ascontiguousarray(block_values(block, where, unit).T)


def _predict_block(block, centers, unit, block_info=None):
    xt = _checked_xt(block, block_info[0]["chunk-location"][0] if block_info else None, unit)
    labels = np.empty(xt.shape[1], np.int32)
    with one_thread():
        K.nearest(
            xt, None, centers, labels, np.empty(xt.shape[1]), K.any_d_flag(xt.shape[0])
        )
    return labels.astype(np.int64)


def _transform_block(block, centers, unit, where=None):
    xt = _checked_xt(block, where, unit)
    out = np.empty((xt.shape[1], centers.shape[0]))
    with one_thread():
        K.sq_distances(xt, centers, out)
    return np.sqrt(out)


def _inertia_block(block, where, centers, unit):
    xt = _checked_xt(block, where, unit)
    with one_thread():
        return K.nearest(
            xt, None, centers, np.empty(xt.shape[1], np.int32), np.empty(xt.shape[1]),
            K.any_d_flag(xt.shape[0]),
        )


def predict_dask(est: Any, X: Any) -> da.Array:
    """Nearest-centre labels (int64) of a Dask array/DataFrame, as a Dask array."""
    arr = _as_dask_array(est, X)
    centers = np.ascontiguousarray(est.cluster_centers_)
    return arr.map_blocks(_predict_block, centers, block_unit(X), drop_axis=1, dtype=np.int64)


def transform_dask(est: Any, X: Any) -> Any:
    """Distances to every centre, a Dask array (n, k); a Dask DataFrame when
    ``set_output`` asks for pandas (``transform_dask.dask_output``)."""
    arr = _as_dask_array(est, X)
    centers = np.ascontiguousarray(est.cluster_centers_)
    return dask_output(est, X, arr, _transform_block, centers.shape[0], centers, block_unit(X))


def score_dask(est: Any, X: Any, sample_weight: Any = None) -> float:
    """Minus the inertia of a Dask array/DataFrame, blocks added in block order."""
    _no_weights(sample_weight)
    arr = _as_dask_array(est, X)
    centers = np.ascontiguousarray(est.cluster_centers_)
    blocks = arr.to_delayed().ravel().tolist()
    parts = run(_inertia_block, blocks, range(len(blocks)), args=(centers, block_unit(X)))
    total = 0.0
    for p in parts:
        total += p
    return -float(total)
