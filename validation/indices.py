"""Classic cluster-validity indices and the centroid distance matrix.

* Calinski–Harabasz (variance ratio): with k clusters of sizes n_c, centroids c_c and
  overall mean m,

      B = sum_c n_c ||c_c - m||^2,   W = sum_c sum_{i in c} ||x_i - c_c||^2,
      CH = (B / (k - 1)) / (W / (n - k))      — higher is better.

* Davies–Bouldin: with S_c the mean distance of cluster c's points to c_c and
  M_ij = ||c_i - c_j||,

      DB = (1/k) sum_i max_{j != i} (S_i + S_j) / M_ij    — lower is better (0 is ideal).

* Adjusted Rand index between two labelings: from the contingency table n_ij with row sums
  a_i and column sums b_j, count pairs of points put together,

      index = sum_ij C(n_ij, 2),  A = sum_i C(a_i, 2),  B = sum_j C(b_j, 2),
      expected = A·B / C(n, 2),   ARI = (index - expected) / ((A + B)/2 - expected)

  — 1 for identical partitions (up to renaming), about 0 for independent ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import by_row, check_array
from kmeans_np.dask_detect import is_dask_collection
from validation._indices_core import ch_ratio, db_index, pairwise_distances
from validation.labels import EncodedLabels, check_cluster_count, encode_labels, labels_by_row

__all__ = [
    "adjusted_rand_score",
    "calinski_harabasz_score",
    "centroid_distances",
    "cluster_means",
    "davies_bouldin_score",
    "pairwise_distances",
]


def cluster_means(X: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Centroid of each cluster: ``c_c = (1 / n_c) sum_{i in c} x_i``, shape (k, d)."""
    cent = np.zeros((counts.shape[0], X.shape[1]))
    np.add.at(cent, codes, X)
    return cent / counts[:, None]


def _check_inputs(X: Any, labels: Any, what: str) -> tuple[np.ndarray, EncodedLabels]:
    """The edge of CH and DB: finite 2-D X, one label per row (a Series matched to a
    DataFrame's index: :func:`validation.labels.labels_by_row`), 2 <= k <= n - 1."""
    arr = check_array(X, name="X")
    enc = encode_labels(labels_by_row(labels, X), arr.shape[0])
    check_cluster_count(len(enc.counts), arr.shape[0], what=what)
    return arr, enc


def calinski_harabasz_score(X: Any, labels: Any) -> float:
    """Calinski–Harabasz index (variance ratio criterion); higher is better.

    Returns ``inf`` if every cluster is a single repeated point (W = 0) while the clusters
    differ (B > 0) — the limit of the ratio; scikit-learn returns 1.0 there. All points
    identical (0/0) raises ``ValueError``. Needs 2 <= k <= n - 1 clusters. A labels
    Series beside a DataFrame ``X`` is matched to ``X``'s index, as in
    :func:`validation.silhouette_samples`; otherwise labels are taken in row order.
    """
    if is_dask_collection(X):
        from validation._dask import calinski_harabasz_dask

        return calinski_harabasz_dask(X, labels)
    return _calinski_harabasz(*_check_inputs(X, labels, "the Calinski-Harabasz index"))


def _calinski_harabasz(arr: np.ndarray, enc: EncodedLabels) -> float:
    """:func:`calinski_harabasz_score` of checked data and encoded labels."""
    cent = cluster_means(arr, enc.codes, enc.counts)
    n, k = arr.shape[0], len(enc.counts)
    between = float(np.sum(enc.counts * ((cent - arr.mean(axis=0)) ** 2).sum(axis=1)))
    within = float(np.sum((arr - cent[enc.codes]) ** 2))
    return ch_ratio(between, within, n, k)


def davies_bouldin_score(X: Any, labels: Any) -> float:
    """Davies–Bouldin index; lower is better, 0 when every cluster is a single point.

    Two distinct clusters with the same centroid make a ratio (S_i + S_j) / 0 = inf
    (scikit-learn instead skips such pairs); if both also have zero spread the ratio is 0.
    Labels are paired with ``X``'s rows as in :func:`calinski_harabasz_score`.
    """
    if is_dask_collection(X):
        from validation._dask import davies_bouldin_dask

        return davies_bouldin_dask(X, labels)
    return _davies_bouldin(*_check_inputs(X, labels, "the Davies-Bouldin index"))


def _davies_bouldin(arr: np.ndarray, enc: EncodedLabels) -> float:
    """:func:`davies_bouldin_score` of checked data and encoded labels."""
    cent = cluster_means(arr, enc.codes, enc.counts)
    spread = np.zeros(len(enc.counts))
    np.add.at(spread, enc.codes, np.sqrt(((arr - cent[enc.codes]) ** 2).sum(axis=1)))
    spread /= enc.counts
    return db_index(spread, cent)


def adjusted_rand_score(labels_true: Any, labels_pred: Any) -> float:
    """Adjusted Rand index of two labelings of the same points (renaming-invariant).

    The pair counts are summed in exact integer arithmetic. When the chance-corrected
    denominator is 0 — both labelings put everything in one cluster, or both make every
    point its own cluster — the partitions are identical and the result is 1.0.

    The labelings are paired by the project's rule (:func:`kmeans_np.checks.by_row`):
    two pandas Series are matched by index — the same keys in another order are put in
    ``labels_true``'s order, keys missing, extra or repeated are a ``ValueError`` that
    counts them; arrays, lists, or a Series beside an array are compared by position,
    as scikit-learn compares them.

    Examples
    --------
    >>> a = pd.Series([0, 0, 1], index=["x", "y", "z"])
    >>> adjusted_rand_score(a, pd.Series([1, 0, 0], index=["z", "x", "y"]))
    1.0
    """
    labels_pred = by_row(labels_pred, labels_true, name="labels_pred", against="labels_true")
    t = encode_labels(labels_true, name="labels_true")
    p = encode_labels(labels_pred, len(t.codes), name="labels_pred", against="labels_true")
    return _adjusted_rand(t, p)


def _adjusted_rand(t: EncodedLabels, p: EncodedLabels) -> float:
    """:func:`adjusted_rand_score` of two encoded labelings of the same points."""
    n = len(t.codes)
    pair = t.codes * len(p.counts) + p.codes  # one code per (true, pred) cell
    _, cells = np.unique(pair, return_counts=True)

    def pairs(counts: np.ndarray) -> int:
        c = counts.astype(object)  # Python ints: exact, no overflow for any n
        return int(sum(c * (c - 1) // 2))

    index, a, b, total = pairs(cells), pairs(t.counts), pairs(p.counts), n * (n - 1) // 2
    # ARI = (index - a b / total) / ((a + b)/2 - a b / total), scaled by 2·total:
    num = 2 * (index * total - a * b)
    den = (a + b) * total - 2 * a * b
    if den == 0:
        return 1.0
    return num / den


def centroid_distances(centers: Any) -> pd.DataFrame:
    """Euclidean distance between every pair of cluster centres.

    ``D[i, j] = sqrt(sum_f (c_if - c_jf)^2)``: symmetric with a zero diagonal. Large
    distances mark clusters that are clearly distinct; a small one, two clusters that
    might be merged.

    Parameters
    ----------
    centers : array-like or DataFrame, shape (k, d)
        E.g. ``KMeans.cluster_centers_``.

    Returns
    -------
    DataFrame
        k × k, index and columns ``C0 .. C{k-1}`` (or the DataFrame's own index).
    """
    arr = check_array(centers, name="centers")
    if isinstance(centers, pd.DataFrame):
        names = list(centers.index)
    else:
        names = [f"C{i}" for i in range(arr.shape[0])]
    return pd.DataFrame(pairwise_distances(arr), index=names, columns=names)
