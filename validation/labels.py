"""Cluster labels: checked against the data and encoded as 0..k-1.

Every cluster-validity measure in this package starts the same way: a table ``X`` and one
label per row. The helpers here pair the labels with the rows (:func:`labels_by_row`),
read them (any hashable values: ints, strings, categories), check that there is one per
row, and turn them into integer codes ``0..k-1`` in sorted order of the original labels,
together with the cluster sizes.

How labels are paired with rows
-------------------------------
One rule for every public function of the package (and of :mod:`rfm`): when the data are
a pandas DataFrame and the labels a pandas Series, they are matched **by index** — the
same index is used as it is, the same keys in another order are reordered to the data's
rows, and missing, extra or repeated keys are a ``ValueError`` naming the argument.
Anything else (labels as an array or list, or a Series beside an ndarray or a Dask
collection) is taken in row order, as scikit-learn takes it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import by_row

__all__ = [
    "EncodedLabels",
    "check_cluster_count",
    "encode_checked",
    "encode_labels",
    "labels_by_row",
]


class EncodedLabels(NamedTuple):
    """Labels as integer codes.

    Attributes
    ----------
    codes : numpy.ndarray
        int64 array (n,), ``codes[i]`` in ``0..k-1``.
    classes : numpy.ndarray
        The distinct original labels, sorted; ``classes[codes]`` gives the labels back.
    counts : numpy.ndarray
        int64 array (k,), number of rows in each cluster.
    """

    codes: np.ndarray
    classes: np.ndarray
    counts: np.ndarray


def labels_by_row(labels: Any, rows: Any, *, name: str = "labels", against: str = "X") -> Any:
    """``labels`` paired with the rows of ``rows`` (the module's rule,
    :func:`kmeans_np.checks.by_row`): a Series beside a DataFrame is matched by index,
    anything else is returned as it is (row order).

    Parameters
    ----------
    labels : Series or array-like
        One label per row (or, for :func:`validation.anova_table`, one group per row).
    rows : DataFrame or array-like
        The data the labels describe.
    name, against : str
        What the caller calls ``labels`` and ``rows``, for the messages.

    Returns
    -------
    Series or array-like
        ``labels`` itself, or a new Series reordered to ``rows``' index.

    Raises
    ------
    ValueError
        A Series whose keys are not exactly those of the DataFrame's index
        (:func:`kmeans_np.checks.match_index`).

    Examples
    --------
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 9.0]}, index=["a", "b", "c"])
    >>> labels_by_row(pd.Series([1, 0, 0], index=["c", "a", "b"]), X).tolist()
    [0, 0, 1]
    """
    if not isinstance(rows, pd.DataFrame):  # the data: a DataFrame, never a Series
        return labels
    return by_row(labels, rows, name=name, against=against)


def encode_labels(
    labels: Any, n_samples: int | None = None, *, name: str = "labels", against: str = "X"
) -> EncodedLabels:
    """Read 1-D labels, check their length and encode them as ``0..k-1``.

    Parameters
    ----------
    labels : array-like or Series
        One label per row; missing values (NaN/None) are not allowed.
    n_samples : int, optional
        Required length (the number of rows of ``X``).
    name : str
        What to call the argument in error messages.
    against : str
        What ``n_samples`` counts, for the length-mismatch message (``"X"`` by default).

    Raises
    ------
    ValueError
        Wrong shape, wrong length, missing labels or no labels at all.
    """
    if isinstance(labels, pd.DataFrame):
        raise ValueError(f"{name} must be 1-D (one label per row), got a DataFrame.")
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per row), got shape {arr.shape}; "
            "use labels.ravel() if it is a column vector."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; give one cluster label per row.")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} values but {against} has {n_samples} "
            f"{'rows' if against == 'X' else 'values'}; give exactly one label per row of "
            f"{against}."
        )
    if pd.isna(arr).any():
        raise ValueError(
            f"{name} contains {int(pd.isna(arr).sum())} missing value(s); every row needs a "
            "cluster label (drop unlabelled rows from both X and labels)."
        )
    return encode_checked(arr, name=name)


def encode_checked(arr: np.ndarray, *, name: str = "labels") -> EncodedLabels:
    """Encode labels that are already known good (1-D, non-empty, no missing value), e.g.
    K-means' ``labels_``: the encoding half of :func:`encode_labels`, without its checks."""
    if arr.dtype.kind in "iu":
        # Integer labels: a lookup table over min..max is cheaper than np.unique's sort.
        lo = int(arr.min())
        span = int(arr.max()) - lo + 1
        if span <= 4 * arr.shape[0] + 1024:
            # offsets in 64 bits: in int8 or int16, arr - lo wraps around for labels
            # further apart than the type's largest value (-100 and 100 as int8)
            wide = arr.astype(np.int64) if arr.dtype.itemsize < 8 else arr
            offset = (wide - lo).astype(np.intp, copy=False)
            present = np.bincount(offset, minlength=span)
            lut = np.cumsum(present > 0) - 1
            codes = lut[offset].astype(np.int64, copy=False)
            wide_kind = np.uint64 if arr.dtype.kind == "u" else np.int64  # lo may be >= 2^63
            classes = (np.flatnonzero(present).astype(wide_kind) + lo).astype(arr.dtype)
            return EncodedLabels(codes, classes, present[present > 0].astype(np.int64))
    try:
        classes, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        raise TypeError(
            f"{name} mixes values that cannot be sorted together ({arr.dtype}); "
            "use labels of a single type, e.g. all ints or all strings."
        ) from None
    codes = codes.reshape(-1).astype(np.int64, copy=False)
    return EncodedLabels(codes, classes, np.bincount(codes, minlength=len(classes)))


def check_cluster_count(n_clusters: int, n_samples: int, *, what: str = "the silhouette") -> None:
    """Require ``2 <= n_clusters <= n_samples - 1``, as the silhouette and CH/DB need.

    With one cluster there is no "other cluster" to compare with; with every point in its
    own cluster there is no "own cluster". Both leave the measure undefined.
    """
    if n_clusters < 2:
        raise ValueError(
            f"{what} needs at least 2 clusters, but labels hold only {n_clusters}; "
            "cluster with n_clusters >= 2 first."
        )
    if n_clusters > n_samples - 1:
        raise ValueError(
            f"{what} needs at most n_samples - 1 = {n_samples - 1} clusters, but labels hold "
            f"{n_clusters} (every point is its own cluster); use fewer clusters."
        )
