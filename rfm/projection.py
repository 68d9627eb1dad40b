"""Customers on the first two principal components: the data of the clusters' scatter plot.

K-means works on three scaled features (recency, frequency, monetary); a page shows two
dimensions. Principal component analysis (:class:`kmeans_np.PCA`) finds the two orthogonal
directions along which the customers vary most, and projecting every customer onto them
gives the flat picture that loses the least (in the least-squares sense). The share of
the total variance each direction keeps says how faithful the picture is.

The directions are fitted on **all** customers. The points kept for the plot are a
uniform random sample of at most :data:`MAX_SCATTER_POINTS` customers, drawn with the
run's seed (so the same run gives the same picture), because thousands of dots already
show the shape of each cluster and every extra dot makes the page heavier.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np import PCA
from kmeans_np.checks import is_integer

__all__ = ["MAX_SCATTER_POINTS", "Projection", "pca_projection"]

#: the scatter plot shows a seeded random sample of at most this many customers
MAX_SCATTER_POINTS = 3_000


class Projection(NamedTuple):
    """What :func:`pca_projection` returns.

    Attributes
    ----------
    points : DataFrame
        Columns ``pc1``, ``pc2``: the sampled customers' coordinates on the first two
        principal components, indexed like the rows of ``X`` they come from, in ``X``'s
        order.
    explained_variance_ratio : ndarray of shape (2,)
        Share of the total variance of ``X`` along each of the two components.
    n_customers : int
        Number of rows of ``X`` (the sample is drawn from them; ``len(points)`` is
        smaller when it is a sample).
    """

    points: pd.DataFrame
    explained_variance_ratio: np.ndarray
    n_customers: int


def pca_projection(
    X: pd.DataFrame | np.ndarray,
    *,
    max_points: int = MAX_SCATTER_POINTS,
    random_state: int = 0,
) -> Projection:
    """Project the rows of ``X`` onto its first two principal components.

    Parameters
    ----------
    X : DataFrame or 2-D array
        One row per customer, at least two rows and two columns (e.g. the scaled features
        K-means was fitted on, :attr:`rfm.ClusterResult.X`); left unchanged.
    max_points : int
        Keep at most this many rows, a uniform random sample without replacement (all rows
        when there are fewer).
    random_state : int
        Seed of the sample (``numpy.random.default_rng``).

    Returns
    -------
    Projection
        The sampled rows' two coordinates (``points``), the explained variance ratio of
        the two components, and the number of rows projected.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.5], [3.0, 3.0]])
    >>> p = pca_projection(X)
    >>> p.points.round(2)["pc1"].tolist(), float(p.explained_variance_ratio[0].round(3))
    ([-2.21, -0.8, 0.98, 2.03], 0.992)
    """
    if not is_integer(max_points) or max_points < 1:
        raise ValueError(f"max_points must be a positive integer, got {max_points!r}.")
    index = X.index if isinstance(X, pd.DataFrame) else None
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ValueError(f"X must have at least 2 rows and 2 columns, got shape {arr.shape}.")
    pca = PCA(n_components=2).fit(arr)
    n = arr.shape[0]
    rows = _sample(n, int(max_points), random_state)
    coords = pca.transform(arr[rows])
    labels: Any = index[rows] if index is not None else rows
    points = pd.DataFrame({"pc1": coords[:, 0], "pc2": coords[:, 1]}, index=labels)
    return Projection(points, np.asarray(pca.explained_variance_ratio_, dtype=float), n)


def _sample(n: int, size: int, random_state: int) -> np.ndarray:
    """Positions of a uniform sample of ``size`` of ``n`` rows (all when ``n <= size``),
    in increasing order."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, size, replace=False))
