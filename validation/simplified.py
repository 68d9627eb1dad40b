"""Simplified silhouette: distances to centroids instead of to every point — an approximation.

The exact silhouette needs all n²/2 pairwise distances. The *simplified* silhouette
(Hruschka et al., 2004) replaces each mean distance to a cluster by the distance to that
cluster's centroid:

    a'_i = ||x_i - c_own||,   b'_i = min_{c != own} ||x_i - c||,
    s'_i = (b'_i - a'_i) / max(a'_i, b'_i)        (0 when both are 0)

It costs O(n·k) time and memory, so it scales to any n, and it tends to rank clusterings
like the exact silhouette, but its values are **not** the silhouette: for the same data
they are usually higher (a point is closer to its own centroid than, on average, to its
cluster's members). Report it as "simplified silhouette", never as "silhouette".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kmeans_np.checks import check_array
from kmeans_np.dask_detect import is_dask_collection
from validation.indices import cluster_means, pairwise_distances
from validation.labels import check_cluster_count, encode_labels, labels_by_row
from validation.silhouette import silhouette_ratio

__all__ = ["simplified_silhouette"]


def simplified_silhouette(
    X: Any, labels: Any, centers: Any = None, *, return_samples: bool = False
) -> float | tuple[float, np.ndarray]:
    """Mean simplified silhouette (an approximation of the silhouette; see module notes).

    Parameters
    ----------
    X : array-like or DataFrame, shape (n, d)
        Features.
    labels : array-like or Series, shape (n,)
        Cluster of each row. Without ``centers`` any labels work (2 <= k <= n - 1); with
        ``centers`` they must be integers indexing its rows (as K-means' ``labels_``). A
        Series beside a DataFrame ``X`` is matched to ``X``'s index (the same keys in any
        order; others are an error); otherwise the labels are taken in row order.
    centers : array-like, shape (k, d), optional
        Cluster centres (e.g. ``KMeans.cluster_centers_``). Default: the mean of each
        cluster.
    return_samples : bool
        Also return the per-point values s'_i.

    Returns
    -------
    float or (float, numpy.ndarray)
        The mean of s'_i, and the values themselves with ``return_samples=True``.
        For a Dask array or DataFrame ``X`` (labels a Dask or numpy array), the sums are
        taken block by block on the workers and the values are a Dask array.
    """
    if is_dask_collection(X):
        from validation._dask import simplified_silhouette_dask

        return simplified_silhouette_dask(X, labels, centers, return_samples=return_samples)
    arr = check_array(X, name="X")
    n = arr.shape[0]
    labels = labels_by_row(labels, X)
    if centers is None:
        enc = encode_labels(labels, n)
        check_cluster_count(len(enc.counts), n, what="the simplified silhouette")
        codes = enc.codes
        cent = cluster_means(arr, codes, enc.counts)
    else:
        cent = check_array(centers, name="centers")
        if cent.shape[1] != arr.shape[1]:
            raise ValueError(
                f"centers have {cent.shape[1]} features but X has {arr.shape[1]}; "
                "pass the centres fitted on the same columns."
            )
        if cent.shape[0] < 2:
            raise ValueError("the simplified silhouette needs at least 2 centers.")
        codes = np.asarray(labels)
        if codes.ndim != 1 or codes.shape[0] != n:
            raise ValueError(
                f"labels must be 1-D with one value per row of X ({n}), got shape "
                f"{codes.shape}."
            )
        if codes.dtype.kind not in "iu" or codes.min() < 0 or codes.max() >= cent.shape[0]:
            raise ValueError(
                f"with centers given, labels must be integers 0..{cent.shape[0] - 1} "
                "indexing the rows of centers (as KMeans.labels_)."
            )
    dist = pairwise_distances(arr, cent)  # (n, k)
    rows = np.arange(n)
    a = dist[rows, codes]
    dist[rows, codes] = np.inf
    s = silhouette_ratio(a, dist.min(axis=1))
    score = float(s.mean())
    return (score, s) if return_samples else score
