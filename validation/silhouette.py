"""The silhouette (Rousseeuw 1987): exact, two implementations with one answer.

For a point i in cluster A,

    a_i = mean of d(i, j) over the other members j of A       (cohesion)
    b_i = min over clusters C != A of mean d(i, j), j in C      (separation)
    s_i = (b_i - a_i) / max(a_i, b_i)                           (in [-1, 1])

and s_i = 0 when i is alone in its cluster (and when a_i = b_i = 0, e.g. duplicate
points split across clusters, as scikit-learn does). The silhouette score is the mean of
s_i. s_i near 1: i sits well inside its cluster; near 0: on a border; below 0: closer to
another cluster than to its own.

Both quantities only need the per-point, per-cluster distance sums
``S[i, c] = sum_{j in c} d(i, j)``, an (n, k) table: ``a_i = S[i, A] / (|A| - 1)`` and
``b_i = min_C S[i, C] / |C|``. Neither implementation ever holds the n×n distance matrix:

* ``backend="numpy"`` — the readable reference. Rows are processed in blocks; for a block
  the distances to all n points are computed from coordinate differences
  (``sqrt(sum_f (x_if - x_jf)^2)``, no ``|x|^2 + |y|^2 - 2xy`` shortcut, so duplicate
  points are exactly 0 apart) and summed per cluster with a matrix product by the one-hot
  label matrix. Memory: one block × n distances (bounded to ~32 MB) plus S.
* ``backend="numba"`` — the fast kernel in ``silhouette_numba``: points sorted by
  cluster, each pair's distance computed once and added to both points' sums, tiles of
  blocks scheduled as a round-robin tournament so that threads never share a row. It is
  bit-identical whatever the number of threads.

Both square coordinate differences, and a square overflows float64 above ~1.3e154 (and
underflows to 0 below ~1.5e-162): points 1e200 apart would all be ``inf`` apart. The
silhouette is a ratio of mean distances, so it does not change when every coordinate is
multiplied by one constant. So both twins get the data multiplied by the power of two
that brings the widest column spread, ``max_j - min_j``, into [1, 2)
(:func:`unit_spread`): multiplying by a power of two is exact in floating point, so the
answer is the one an exact computation gives. Data whose widest spread is at least 1 and
whose squares cannot overflow (a spread below about 2^509 for 2 or 3 features) are used
as they are: scaled down, a column 1e300 times narrower than another would square to 0
and no longer count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kmeans_np.checks import check_array, check_random_state, resolve_backend
from kmeans_np.dask_detect import is_dask_collection
from validation._silhouette_core import (
    NUMBA_FROM_SAMPLES,
    auto_backend,
    check_sample_size,
    cluster_distance_sums,
    silhouette_of,
    silhouette_ratio,
    silhouette_score_checked,
    stratified_sample,
)
from validation.labels import EncodedLabels, check_cluster_count, encode_labels, labels_by_row

__all__ = [
    "NUMBA_FROM_SAMPLES",
    "cluster_distance_sums",
    "silhouette_ratio",
    "silhouette_samples",
    "silhouette_score",
    "stratified_sample",
]


def _check_inputs(X: Any, labels: Any) -> tuple[np.ndarray, EncodedLabels]:
    """Shared edge checks: finite 2-D X as float64, one label per row (a Series matched to
    a DataFrame's index: :func:`validation.labels.labels_by_row`), 2 <= k <= n - 1."""
    arr = check_array(X, name="X", dtype=np.float64)
    enc = encode_labels(labels_by_row(labels, X), arr.shape[0])
    check_cluster_count(len(enc.counts), arr.shape[0])
    return arr, enc


def silhouette_samples(X: Any, labels: Any, *, backend: str = "auto") -> np.ndarray:
    """Exact silhouette coefficient of every point.

    Parameters
    ----------
    X : array-like or DataFrame, shape (n, d)
        Numeric features (float32 input is computed in float64). Euclidean distance.
    labels : array-like or Series, shape (n,)
        Cluster label of each row (ints, strings, ...); needs 2 <= k <= n - 1 clusters.
        A Series beside a DataFrame ``X`` is matched to ``X``'s index (the same keys in
        any order; others are an error); otherwise the labels are taken in row order.
    backend : {"auto", "numpy", "numba"}
        ``"numpy"`` is the readable reference, ``"numba"`` the fast O(n·k)-memory kernel;
        ``"auto"`` picks numpy below ``NUMBA_FROM_SAMPLES`` points (nothing to compile),
        numba from there on. Both give the same answer (to rounding).

    Returns
    -------
    numpy.ndarray
        float64 (n,), each in [-1, 1].

    Notes
    -----
    For point i in cluster A: ``a_i`` = mean distance to the other members of A,
    ``b_i`` = the lowest mean distance to the members of another cluster, and
    ``s_i = (b_i - a_i) / max(a_i, b_i)``; ``s_i = 0`` if i is alone in A. Cost: the
    numba kernel computes each pair's distance once, n(n − 1)/2 distances; the numpy
    reference computes every row against all n points, n² (each pair twice, and every
    point against itself). Memory O(n·k), never n×n.

    Examples
    --------
    >>> silhouette_samples([[0], [1], [1], [2], [3], [3]], [0, 1, 1, 1, 2, 2], backend="numpy")
    array([0. , 0.5, 0.5, 0. , 1. , 1. ])
    """
    if is_dask_collection(X):
        raise TypeError(
            "X is a Dask collection: the exact silhouette of every point costs n² "
            "distances. Use silhouette_score(X, labels, sample_size=...) for the mean on "
            "a stratified sample, or simplified_silhouette for every point."
        )
    resolve_backend(backend)  # check the name before the data
    arr, enc = _check_inputs(X, labels)
    return silhouette_of(arr, enc, auto_backend(backend, arr.shape[0]))


def silhouette_score(
    X: Any,
    labels: Any,
    *,
    sample_size: int | None = None,
    stratify: bool = True,
    random_state: Any = None,
    backend: str = "auto",
) -> float:
    """Mean silhouette coefficient over all points, or over a sample of them.

    Parameters
    ----------
    X, labels, backend
        As for :func:`silhouette_samples`.
    sample_size : int, optional
        Compute the silhouette on a random subset of this many rows (2 <= sample_size
        <= n). ``None`` (default) uses every row: exact.
    stratify : bool
        With ``sample_size``: draw the sample **stratified by cluster** (default) — each
        cluster gets its proportional share (largest-remainder rounding) and at least 2
        points where possible, drawn without replacement. A plain random sample, as
        scikit-learn draws, can miss a small cluster altogether, which changes which
        cluster is "nearest" for everybody else and biases the score (scikit-learn issue
        #11676). ``False`` draws a plain uniform sample without replacement.
    random_state : None, int or numpy.random.Generator
        Seed of the sample; an int makes it reproducible.

    For a Dask array or DataFrame ``X`` the score is always computed on a sample, drawn
    block by block on the workers (the same rows as in memory for the same seed):
    ``sample_size`` rows, 10,000 when not given, in which case a warning says so.

    Returns
    -------
    float
        Mean of s_i, in [-1, 1].

    Examples
    --------
    >>> round(silhouette_score([[0], [1], [1], [2], [3], [3]], [0, 1, 1, 1, 2, 2]), 4)
    0.5
    """
    resolve_backend(backend)  # check the name before the data, as silhouette_samples does
    if not isinstance(stratify, bool | np.bool_):
        raise TypeError(f"stratify must be True or False, got {stratify!r}.")
    if is_dask_collection(X):
        from validation._dask import silhouette_score_dask

        return silhouette_score_dask(
            X, labels, sample_size=sample_size, stratify=stratify,
            random_state=random_state, backend=backend,
        )
    arr, enc = _check_inputs(X, labels)
    rng = None
    if sample_size is not None:
        n = arr.shape[0]
        check_sample_size(sample_size, n)
        rng = check_random_state(random_state)
    return silhouette_score_checked(arr, enc, backend, sample_size, stratify, rng)


