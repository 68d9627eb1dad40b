"""K-means on the R, F, M table: scale, choose k, fit.

:func:`cluster` turns an RFM table (:func:`rfm.rfm_table`) into cluster labels in four
steps:

1. **Scale** recency, frequency and monetary so that no feature dominates the Euclidean
   distance K-means uses (monetary in dollars would otherwise swamp recency in days and
   frequency in orders):

   * ``"zscore"`` — ``(x - mean) / std`` per column (the most common choice in tutorials);
   * ``"minmax"`` — ``(x - min) / (max - min)``, recency inverted (``1 - scaled``) so that
     high means good on every axis;
   * ``"log-minmax"`` (the default, as in :class:`rfm.Settings`) — ``log(1 + x)`` first,
     then min-max with recency inverted, for skewed retail data. The log tames the long
     right tail of frequency and monetary, so a handful of whales no longer squeeze
     everybody else into a corner of [0, 1] or form clusters of their own.

2. **Elbow**: fit K-means for every k in ``k_values`` and tabulate the inertia
   (:func:`kmeans_np.elbow`), which suggests the k after which the drop in inertia
   flattens out.

3. **Choose k** when ``k="auto"``: *the elbow proposes, the silhouette decides.* The
   candidates are the elbow's suggestion and its two neighbours (k − 1, k, k + 1, within
   ``k_values``). A candidate is admissible when its smallest cluster holds at least
   ``min_share`` of the customers (default 2 %) — a cluster of a dozen outliers is not a
   marketing segment, however well separated. Among the admissible candidates the one with
   the highest mean silhouette wins (ties: the smaller k). If none is admissible, the
   same choice is made among all the other k of ``k_values``; if no k at all is
   admissible (typical of z-scored, heavy-tailed spend, where every k isolates a few
   whales), the elbow's suggestion is kept and a ``UserWarning`` suggests
   ``scaling="log-minmax"``. Why this rule: the best inertia possible never rises as k
   grows, and a fitted one nearly always falls, so alone it cannot pick k; the silhouette
   alone tends to prefer k = 2 on RFM data (one "good" and one "bad" half), which is too
   coarse to act on. Restricting the silhouette to the knee's neighbourhood uses each
   criterion for what it is good at.

4. **Fit** :class:`kmeans_np.KMeans` with the chosen k and return the labels as a Series
   on the RFM table's index.

Nothing here modifies the caller's table.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np import KMeans, MinMaxScaler, StandardScaler
from kmeans_np.checks import (
    check_array,
    check_integers,
    check_n_clusters,
    check_seed,
    is_integer,
)
from kmeans_np.elbow import tabulate
from kmeans_np.kmeans import fit_models
from kmeans_np.row_order import value_order
from rfm._inputs import RFM_COLUMNS, below_zero, check_rfm
from validation import silhouette_score

__all__ = [
    "SCALINGS",
    "ClusterResult",
    "check_k",
    "check_random_state",
    "check_scaling",
    "cluster",
    "make_scaler",
    "refuse_negative",
    "scaled_features",
]

SCALINGS = ("zscore", "minmax", "log-minmax")
#: the smallest cluster, as a share of the customers, that the choice of k accepts
MIN_SHARE = 0.02
#: customers in the silhouette's stratified sample when there are more (exact is O(n²))
SILHOUETTE_SAMPLE = 10_000
#: above this many customers the elbow's fits (and so the choice of k) use a random
#: sample of this many; the chosen k is then fitted on every customer
ELBOW_SAMPLE = 200_000


class ClusterResult(NamedTuple):
    """What :func:`cluster` returns.

    Attributes
    ----------
    labels : Series
        Cluster of each customer (int64, named ``"cluster"``) on the RFM table's index.
        The numbering is K-means' own; :func:`rfm.profile` ranks the clusters.
    model : kmeans_np.KMeans
        The fitted model (centres in scaled units: ``model.cluster_centers_``).
    elbow : DataFrame
        Inertia per k (``k, inertia, drop, drop_pct, suggested``), see
        :func:`kmeans_np.elbow`.
    X : DataFrame
        The scaled features the model was fitted on (same index, columns
        ``recency, frequency, monetary``).
    scaler : kmeans_np.MinMaxScaler or kmeans_np.StandardScaler
        The fitted scaler (``scaler.inverse_transform(model.cluster_centers_)`` gives the
        centres in days, orders and money).
    k : int
        Number of clusters used.
    silhouette : float
        Mean silhouette of the labels on ``X`` (on a stratified sample of
        ``silhouette_sample_size`` customers when there are more).
    """

    labels: pd.Series
    model: KMeans
    elbow: pd.DataFrame
    X: pd.DataFrame
    scaler: MinMaxScaler | StandardScaler
    k: int
    silhouette: float


def check_random_state(random_state: Any) -> int:
    """``random_state`` as :func:`cluster` takes it: a whole number >= 0 (the seed of the
    K-means starts and of the silhouette sample)."""
    if not is_integer(random_state):
        raise TypeError(f"random_state must be an int, got {random_state!r}.")
    return int(check_seed(random_state))


def check_scaling(scaling: Any) -> str:
    """``scaling`` as :func:`cluster` takes it: one of :data:`SCALINGS`."""
    if not isinstance(scaling, str) or scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}.")
    return scaling


def check_k(k: Any, n: int | None = None) -> int | str:
    """``k`` as :func:`cluster` takes it: ``"auto"``, or a whole number from 2 (a segment
    needs two clusters) to ``n - 1`` with ``n`` customers (the silhouette compares each
    customer with another cluster's). Messages name ``k``.

    Raises
    ------
    TypeError
        Neither text nor a whole number (``4.0``, ``True``).
    ValueError
        Other text than ``"auto"``, below 2, or (with ``n``) as many clusters as customers
        or more.
    """
    if isinstance(k, str):
        if k != "auto":
            raise ValueError(f"k must be 'auto' or an integer >= 2, got {k!r}.")
        return k
    if not is_integer(k):
        raise TypeError(f"k must be 'auto' or an integer >= 2, got {k!r}.")
    if k < 2:
        raise ValueError(f"k must be at least 2 to form segments, got {k}.")
    if n is not None and k >= n:
        raise ValueError(f"k={k} is too many clusters for the {n} customers; give k={n - 1} "
                         "or fewer, or k='auto'.")  # fmt: skip
    return int(k)


def make_scaler(scaling: str, recency: str = "recency") -> MinMaxScaler | StandardScaler:
    """The unfitted scaler behind a ``scaling`` name (see the module docstring).

    Parameters
    ----------
    scaling : {"zscore", "minmax", "log-minmax"}
    recency : str
        Name of the recency column, inverted by the min-max variants.
    """
    check_scaling(scaling)
    if scaling == "zscore":
        return StandardScaler()
    return MinMaxScaler(invert=[recency], log1p=scaling == "log-minmax")


def refuse_negative(values: Any, columns: tuple[str, ...], scaling: str) -> None:
    """``"log-minmax"`` takes ``log(1 + x)``: refuse negative values (a customer whose
    returns outweigh the purchases, kept by switching a cleaning rule off), naming the
    scalings that take them. ``values`` (an array or a DataFrame, read as it is: no copy)
    has one column per name in ``columns``; nothing is read for another scaling."""
    if scaling != "log-minmax":
        return
    negative = below_zero(values).any(axis=0)  # (a returned purchase can sum to -3e-17)
    if negative.any():
        bad = [c for c, neg in zip(columns, negative, strict=True) if neg]
        raise ValueError(
            f"scaling='log-minmax' needs non-negative values but column(s) {bad} have "
            "negative ones; clean returns first, or use scaling='minmax' or "
            "scaling='zscore', which take negative values."
        )


def scaled_features(
    rfm: pd.DataFrame,
    scaling: str = "log-minmax",
    *,
    columns: tuple[str, str, str] = RFM_COLUMNS,
) -> tuple[pd.DataFrame, MinMaxScaler | StandardScaler]:
    """Scale the R, F, M columns of ``rfm``; return ``(X, fitted_scaler)``.

    ``X`` is a new float DataFrame on the same index with the three columns, in the order
    given. Raises ``ValueError`` for missing columns, non-finite values, or negative values
    with ``"log-minmax"`` (``log1p`` needs values above −1, and a negative spend or
    recency means the table was not cleaned).
    """
    arrays = check_rfm(rfm, columns)  # a DataFrame; the columns exist, numeric and finite
    if len(rfm) == 0:
        raise ValueError("rfm table is empty (0 customers); there is nothing to cluster.")
    scaler = make_scaler(scaling, recency=columns[0])
    values = np.column_stack(arrays)
    refuse_negative(values, columns, scaling)
    frame = pd.DataFrame(values, index=rfm.index, columns=list(columns))
    X = scaler.fit_transform(frame)
    return X, scaler


def _scaled_start(
    start: Any, scaler: MinMaxScaler | StandardScaler, k: int | str, columns: tuple[str, ...]
) -> np.ndarray:
    """Warm-start centres (days, orders, money) in this run's scaled units."""
    centres = check_array(start, name="start")
    if centres.shape[1] != 3 or centres.shape[0] < 2:
        raise ValueError(f"start must hold at least 2 centres of 3 values, got {centres.shape}.")
    if k != "auto" and k != centres.shape[0]:
        raise ValueError(f"k={k} but start holds {centres.shape[0]} centres.")
    frame = pd.DataFrame(centres, columns=list(columns))
    return np.ascontiguousarray(scaler.transform(frame).to_numpy(dtype=np.float64))


def _silhouette(
    X: np.ndarray, labels: np.ndarray, sample_size: int | None, seed: int, backend: str
) -> float:
    """Mean silhouette of K-means labels (:func:`validation.silhouette_score`), on a
    sample stratified by cluster of ``sample_size`` customers (seeded by ``seed``) when
    there are more. A cluster K-means left empty is refused there, with one message."""
    sample = sample_size if sample_size is not None and X.shape[0] > sample_size else None
    return silhouette_score(X, labels, sample_size=sample, stratify=True, random_state=seed,
                            backend=backend)


def _check_k_values(k_values: Iterable[int], n: int) -> list[int]:
    try:
        ks = sorted(set(check_integers(k_values, "k_values")))
    except TypeError:
        raise TypeError(
            f"k_values must be an iterable of integers, e.g. range(2, 11); got {k_values!r}."
        ) from None
    if ks:
        check_n_clusters(ks[0])  # k >= 1
    # the silhouette needs 2 <= k <= n - 1
    usable = [k for k in ks if 2 <= k <= n - 1]
    if not usable:
        raise ValueError(
            f"no usable k in k_values={ks} for {n} customers; clustering needs "
            "2 <= k <= n_customers - 1."
        )
    return usable


def _choose_k(
    X: np.ndarray,
    elbow_table: pd.DataFrame,
    models: dict[int, KMeans],
    *,
    min_share: float,
    sample_size: int | None,
    seed: int,
    backend: str,
    hint: str = "",
) -> tuple[int, dict[int, float]]:
    """Apply the module's rule to the elbow's fitted ``models``; return k and the
    silhouettes computed on the way (by k)."""
    ks = [int(k) for k in elbow_table["k"]]
    suggested = elbow_table.attrs.get("suggested_k")
    suggested = int(suggested) if suggested is not None else ks[0]  # < 3 k values: no knee
    near = [k for k in (suggested - 1, suggested, suggested + 1) if k in ks]
    sils: dict[int, float] = {}
    n = X.shape[0]
    smallest: dict[int, float] = {}

    def best_of(candidates: list[int]) -> int | None:
        best_k, best_sil = None, -np.inf
        for k in candidates:
            model = models[k]
            sil = _silhouette(X, model.labels_, sample_size, seed, backend)
            sils[k] = sil
            smallest[k] = np.bincount(model.labels_, minlength=k).min() / n
            if smallest[k] >= min_share and sil > best_sil:
                best_k, best_sil = k, sil
        return best_k

    chosen = best_of(near)
    if chosen is None:
        chosen = best_of([k for k in ks if k not in near])
    if chosen is None:
        chosen = suggested
        warnings.warn(
            f"no k in {ks} gives clusters of at least {min_share:.0%} of the customers "
            f"(k={chosen}: smallest {smallest[chosen]:.1%}); kept the elbow's k={chosen}.{hint}",
            UserWarning,
            stacklevel=3,
        )
    return chosen, sils


def _elbow_sample(X: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """``X`` itself, or a uniform random sample of ``size`` rows (in their order)."""
    if size is None or X.shape[0] <= size:
        return X
    pick = np.random.default_rng(seed).choice(X.shape[0], size, replace=False)
    return np.ascontiguousarray(X[np.sort(pick)])


def cluster(
    rfm: pd.DataFrame,
    *,
    k: int | str = "auto",
    scaling: str = "log-minmax",
    random_state: int = 0,
    k_values: Iterable[int] = range(2, 11),
    n_init: int = 10,
    min_share: float = MIN_SHARE,
    silhouette_sample_size: int | None = SILHOUETTE_SAMPLE,
    elbow_sample_size: int | None = ELBOW_SAMPLE,
    columns: tuple[str, str, str] = RFM_COLUMNS,
    backend: str = "auto",
    start: Any = None,
) -> ClusterResult:
    """Cluster customers on scaled recency, frequency and monetary value.

    Parameters
    ----------
    rfm : DataFrame
        One row per customer with columns ``recency``, ``frequency``, ``monetary`` (the
        output of :func:`rfm.rfm_table`); left unchanged.
    k : int or "auto"
        Number of clusters, or ``"auto"`` to choose it by elbow and silhouette (the rule is
        in the module docstring: best silhouette among the elbow's suggestion ± 1 whose
        smallest cluster has at least ``min_share`` of the customers).
    scaling : {"zscore", "minmax", "log-minmax"}
        How the three features are put on one scale (module docstring).
    random_state : int
        Seed of the K-means starts and of the silhouette sample; the result is
        reproducible.
    k_values : iterable of int
        The k tried by the elbow table (and so the range ``"auto"`` chooses from); values
        outside 2..n−1 are dropped.
    n_init : int
        K-means++ starts per fit; the lowest-inertia run is kept (10 is a common choice).
    min_share : float
        Smallest admissible cluster, as a share of customers, for ``k="auto"``.
    silhouette_sample_size : int or None
        Above this many customers the silhouette is computed on a stratified random
        sample of this size (the exact score costs O(n²)); ``None`` is always exact.
    elbow_sample_size : int or None
        Above this many customers the elbow table and the choice of k come from fits on
        a uniform random sample of this size (seeded by ``random_state``; the elbow
        table's ``attrs["sample"]`` says how many), and the chosen k is then fitted on
        every customer. Nine full fits of millions of customers would take minutes and
        choose the same k: the inertia per customer and the silhouette of a 200,000
        sample vary by well under 1 % between samples. ``None`` always fits everyone.
    columns : (str, str, str)
        Names of the recency, frequency and monetary columns.
    backend : {"auto", "numpy", "numba"}
        K-means implementation (same answer either way).
    start : array of shape (k, 3), optional
        A warm start: centres in days, orders and money (e.g. last week's,
        :meth:`rfm.SegmentModel.refit`). They are scaled with this run's scaler and Lloyd
        runs once from them; ``k`` is then their number (``k`` must be ``"auto"`` or
        equal). The elbow table is made as usual, for the report.

    The fits take the customers in the order of their values (:mod:`kmeans_np.row_order`),
    not of the table's rows, so the same customers in any order (ids read as text or as
    numbers, say) give the same clusters; the labels come back in the table's order.

    Returns
    -------
    ClusterResult
        ``labels, model, elbow, X, scaler, k, silhouette``.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency": [3, 5, 8, 200, 250, 300],
    ...                     "frequency": [20, 18, 15, 1, 2, 1],
    ...                     "monetary": [5000, 4200, 3900, 60, 90, 40]})
    >>> res = cluster(rfm, k=2, scaling="minmax", k_values=range(2, 4))
    >>> res.labels.groupby(res.labels).size().tolist()
    [3, 3]
    """
    if not (isinstance(min_share, (int, float)) and 0 <= min_share < 1):
        raise ValueError(f"min_share must be a number in [0, 1), got {min_share!r}.")
    check_random_state(random_state)
    k = check_k(k)
    X, scaler = scaled_features(rfm, scaling, columns=columns)
    start_centres = None if start is None else _scaled_start(start, scaler, k, columns)
    if start_centres is not None:
        k = "auto"  # the centres give k; the elbow table is still made
    n = X.shape[0]
    if n < 3:
        raise ValueError(f"clustering needs at least 3 customers, got {n}.")
    ks = _check_k_values(k_values, n)
    params: dict[str, Any] = {
        "n_init": n_init,
        "random_state": int(random_state),
        "backend": backend,
    }
    k = check_k(k, n)
    # Checked once here; each k is fitted once: the models give the elbow table and are
    # the candidates.
    arr = check_array(X)
    if (arr == arr[0]).all():
        raise ValueError(
            f"all {n:,} customers have the same recency, frequency and spend, so they cannot "
            "be told apart: there is nothing to cluster."
        )
    names = [str(c) for c in X.columns]
    # every fit below sees the customers in the order of their values, not of their ids:
    # the same customers give the same clusters, whichever order they came in
    order = value_order(arr)
    arr = np.ascontiguousarray(arr[order])
    sample = _elbow_sample(arr, elbow_sample_size, int(random_state))
    fitted = fit_models(sample, [{"n_clusters": kk} for kk in ks], names=names, **params)
    models = dict(zip(ks, fitted, strict=True))
    elbow_table = tabulate(ks, [models[kk].inertia_ for kk in ks])
    if sample is not arr:
        elbow_table.attrs["sample"] = len(sample)
    sils: dict[int, float] = {}
    sil_backend = "auto"  # the silhouette's: numpy for small samples, else numba
    if k == "auto":
        k, sils = _choose_k(
            sample,
            elbow_table,
            models,
            min_share=min_share,
            sample_size=silhouette_sample_size,
            seed=int(random_state),
            backend=sil_backend,
            hint=""
            if scaling == "log-minmax"
            else " Heavy-tailed data separates a few extreme customers: try scaling='log-minmax'.",
        )
    if start_centres is not None:  # warm start: one Lloyd run from the given centres
        k = len(start_centres)
        model = fit_models(arr, [{"n_clusters": int(k)}], names=names,
                           **{**params, "init": start_centres, "n_init": 1})[0]  # fmt: skip
    else:
        model = models.get(k) if sample is arr else None  # sample models are not kept
    if model is None:
        model = fit_models(arr, [{"n_clusters": int(k)}], names=names, **params)[0]
    sil = sils[k] if k in sils and sample is arr else _silhouette(
        arr, model.labels_, silhouette_sample_size, int(random_state), sil_backend
    )
    in_rows = np.empty(n, dtype=np.int64)  # back in the order of rfm's rows
    in_rows[order] = model.labels_
    model.labels_ = in_rows.astype(np.asarray(model.labels_).dtype)
    labels = pd.Series(in_rows, index=rfm.index, name="cluster")
    elbow_table.attrs["silhouettes"] = {int(kk): float(v) for kk, v in sils.items()}
    return ClusterResult(labels, model, elbow_table, X, scaler, int(k), float(sil))
