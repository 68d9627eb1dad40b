r"""Cluster profiles: what each K-means cluster looks like in days, orders and money.

A cluster id means nothing to a marketing director; its profile does. :func:`profile`
summarises every cluster in the units the business uses (days, orders, money) and ranks the
clusters best first.

Ranking rule
------------
Each customer gets a *percentile score* per dimension: the share of customers it beats
(average rank / n, in (0, 1]), with recency reversed so that recent customers score high.
A cluster's ``r_pct``, ``f_pct`` and ``m_pct`` are the means of its members' percentile
scores, and its ``score`` is their average. A cluster of random customers scores about
0.5; a cluster of the most recent, most frequent, biggest spenders approaches 1.
Clusters are sorted by ``score`` (ties: higher revenue first, then the cluster id).

Why percentiles and not the common mean of min-max scaled values: monetary value is very
skewed (on the UCI data the top customer spends 400× the median), so after min-max scaling
almost every cluster's mean monetary sits near 0 and the ranking is decided by recency
alone. Percentile scores give the three dimensions equal say whatever the skew, and they
do not depend on the scaling used for clustering.

How strongly a dimension separates the clusters
-----------------------------------------------
:func:`separation` gives, per dimension, the share of the customers' rank variation that
the clusters explain: η² of the percentile scores,

.. math::

    \eta^2 = \frac{\sum_g n_g (\bar p_g - \bar p)^2}{\sum_i (p_i - \bar p)^2},

where :math:`p_i` is customer *i*'s percentile score and :math:`\bar p_g` the mean of
cluster *g*. It is the one-way ANOVA's η² computed on ranks (the Kruskal–Wallis idea), so
a handful of very large spenders cannot hide a clear difference in what typical customers
spend, as they do in η² of the raw values (on Online Retail, spend: 0.06 on values, 0.54 on
ranks, with cluster medians of 2,236, 1,820, 389 and 335). Readings follow Cohen's
conventions for η²: at least 0.14 **strong**, 0.06–0.14 **moderate**, below **weak**.
Persona names use a dimension only where it separates strongly (:mod:`rfm.personas`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_array, match_index
from rfm._inputs import RFM_COLUMNS, align_to_customers, check_rfm
from validation import silhouette_samples

__all__ = [
    "SEPARATES_STRONGLY",
    "align_labels",
    "percentile_scores",
    "profile",
    "separation",
    "separation_reading",
    "silhouette_by_cluster",
]

#: quantiles of the customer base kept in ``profile.attrs["population"]`` (steps of 0.5 %)
POPULATION_GRID = 201


class Quantiles(tuple):
    """The population's quantiles in a profile's ``attrs``: a tuple of floats that pandas
    need not copy.

    pandas deep-copies a frame's ``attrs`` into every frame or Series derived from it (each
    column, row or slice): 603 floats copied one by one each time, some 10,000 times in one
    run of the command. The values never change, so a copy may be the tuple itself
    (``__deepcopy__``); it is still a tuple, so ``to_parquet`` writes it as a JSON list.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> Quantiles:
        return self
#: η² on ranks from which a dimension separates the clusters strongly (Cohen: large)
SEPARATES_STRONGLY = 0.14
#: η² on ranks from which the separation is moderate (Cohen: medium)
SEPARATES_MODERATELY = 0.06


def separation_reading(eta_squared: float) -> str:
    """"strong", "moderate" or "weak" for an η² of ranks (module docstring)."""
    if eta_squared >= SEPARATES_STRONGLY:
        return "strong"
    return "moderate" if eta_squared >= SEPARATES_MODERATELY else "weak"


def _eta_squared(values: np.ndarray, labels: np.ndarray) -> float:
    if values.min() == values.max():  # every customer alike on this dimension: nothing to
        return 0.0  # separate (their mean may be an ulp off, and the noise read as 1.0)
    centred = values - values.mean()
    total = float(centred @ centred)
    if total == 0.0:
        return 0.0
    sums = pd.Series(centred).groupby(labels).agg(["sum", "size"])
    return float(((sums["sum"] ** 2) / sums["size"]).sum() / total)


def separation(
    rfm: pd.DataFrame, labels: Any, *, columns: tuple[str, str, str] = RFM_COLUMNS
) -> pd.DataFrame:
    """How strongly each dimension separates the clusters: η² of the customers'
    percentile scores (module docstring), and its reading.

    Parameters
    ----------
    rfm : DataFrame
        ``recency``, ``frequency``, ``monetary`` per customer; left unchanged.
    labels : Series or array-like
        Cluster of each customer (on ``rfm``'s index, or in its row order).

    Returns
    -------
    DataFrame
        Indexed by dimension (``recency``, ``frequency``, ``monetary``), columns
        ``eta_squared`` (in [0, 1]) and ``reading`` ("strong", "moderate", "weak").

    Examples
    --------
    >>> rfm = pd.DataFrame({"recency": [1, 2, 300, 310], "frequency": [5, 5, 5, 5],
    ...                     "monetary": [10.0, 900.0, 20.0, 800.0]})
    >>> separation(rfm, [0, 0, 1, 1])["reading"].tolist()
    ['strong', 'weak', 'weak']
    """
    check_rfm(rfm, columns)
    lab = align_labels(labels, rfm.index).to_numpy()
    pct = percentile_scores(rfm[list(columns)].astype(np.float64), columns=columns)
    eta = [_eta_squared(pct[c].to_numpy(np.float64), lab) for c in pct.columns]
    out = pd.DataFrame(
        {"eta_squared": eta, "reading": [separation_reading(e) for e in eta]},
        index=pd.Index(list(RFM_COLUMNS), name="dimension"),
    )
    return out



def align_labels(labels: Any, index: pd.Index, *, name: str = "labels") -> pd.Series:
    """Return ``labels`` as a Series named ``cluster`` on ``index``, checking length,
    alignment and gaps (:func:`rfm._inputs.align_to_customers`)."""
    return align_to_customers(labels, index, name=name).rename("cluster")


def silhouette_by_cluster(samples: Any, labels: Any) -> pd.Series:
    """Mean of per-customer silhouette ``samples`` in each cluster (``labels`` in the same
    row order), indexed by cluster id in sorted order."""
    lab = np.asarray(labels)
    return pd.Series(np.asarray(samples, dtype=np.float64)).groupby(lab).mean()


def _share_beaten(values: pd.Series, descending: bool) -> pd.Series:
    """``values.rank(method="average", ascending=not descending, pct=True)``, by counting
    when the values are whole numbers in a range not much wider than their count.

    Days since the last order and order counts are such numbers. Then, with :math:`c_v`
    customers at value :math:`v` and :math:`b_v` customers ranked before it (below it, or
    above it when descending), the tied customers hold ranks :math:`b_v + 1, …,
    b_v + c_v`, whose mean is :math:`b_v + (c_v + 1)/2`: one count per value (O(n + range))
    instead of a sort. That mean is a whole or half number, exact in floating point, as
    is pandas' sum of the ranks divided by :math:`c_v`; both are then divided by n, so the
    two agree to the last bit.
    """
    x = values.to_numpy()
    n = len(x)
    if n and x.dtype.kind in "iuf" and np.isfinite(x).all():
        integers = x.dtype.kind in "iu"
        low, high = (int(x.min()), int(x.max())) if integers else (x.min(), x.max())
        whole = integers or bool((x == np.floor(x)).all())
        if whole and high - low <= 4 * n + 1024:  # Python ints: no overflow, no rounding
            # whole numbers in a narrow range: their differences are exact in either type
            idx = (x - x.dtype.type(low)).astype(np.int64)
            counts = np.bincount(idx)
            before = np.cumsum(counts) - counts  # customers below each value
            if descending:
                before = n - before - counts  # customers above it
            mean_rank = before + (counts + 1) / 2
            return pd.Series(mean_rank[idx] / n, index=values.index, name=values.name)
    return values.rank(method="average", ascending=not descending, pct=True)


def percentile_scores(
    rfm: pd.DataFrame, *, columns: tuple[str, str, str] = RFM_COLUMNS
) -> pd.DataFrame:
    """Per customer percentile scores ``r_pct, f_pct, m_pct`` in (0, 1], high = good.

    ``pct = average rank / n`` (ties share their mean rank); recency is ranked descending
    so that the most recent customer scores highest.
    """
    r, f, m = columns
    return pd.DataFrame(
        {
            "r_pct": _share_beaten(rfm[r], descending=True),
            "f_pct": _share_beaten(rfm[f], descending=False),
            "m_pct": _share_beaten(rfm[m], descending=False),
        },
        index=rfm.index,
    )


def profile(
    rfm: pd.DataFrame,
    labels: Any,
    *,
    X: Any = None,
    columns: tuple[str, str, str] = RFM_COLUMNS,
) -> pd.DataFrame:
    """Summarise each cluster and rank the clusters best first.

    Parameters
    ----------
    rfm : DataFrame
        One row per customer with ``recency``, ``frequency``, ``monetary``; left unchanged.
    labels : Series or array-like
        Cluster of each customer: a Series on ``rfm``'s index (``cluster(...).labels``;
        the same customers in any order) or an array in row order.
    X : DataFrame or array, optional
        The features the clusters were fitted on (``cluster(...).X``): a DataFrame on
        ``rfm``'s index (the same customers, in any order) or an array in its row order.
        When given, the mean silhouette per cluster is added (exact, O(n²) — fine up to
        some 50,000 customers).
    columns : (str, str, str)
        Names of the recency, frequency and monetary columns.

    Returns
    -------
    DataFrame
        Indexed by cluster id (named ``cluster``), sorted best first (module docstring),
        with columns ``rank`` (1 = best), ``customers``, ``share`` (of customers),
        ``recency_mean``, ``recency_median``, ``frequency_mean``, ``frequency_median``,
        ``monetary_mean``, ``monetary_median``, ``revenue`` (sum of monetary),
        ``revenue_share``, ``r_pct``, ``f_pct``, ``m_pct``, ``score`` and, with ``X``,
        ``silhouette``. ``attrs["population"]`` holds the customer base's quantiles of
        recency, frequency and monetary at 0 %, 0.5 %, …, 100 %, and
        ``attrs["separation"]`` the η² of ranks of each (:func:`separation`), for
        :func:`rfm.name_personas`.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency": [5, 10, 300, 280], "frequency": [9, 7, 1, 2],
    ...                     "monetary": [900.0, 700.0, 30.0, 50.0]})
    >>> prof = profile(rfm, [1, 1, 0, 0])
    >>> prof.index.tolist(), prof["customers"].tolist(), prof["revenue"].tolist()
    ([1, 0], [2, 2], [1600.0, 80.0])
    """
    check_rfm(rfm, columns)  # a DataFrame; the three columns exist, numeric and finite
    if len(rfm) == 0:
        raise ValueError("rfm table is empty (0 customers).")
    lab = align_labels(labels, rfm.index)
    r, f, m = columns
    values = rfm[list(columns)].astype(np.float64)
    frame = pd.concat([values, percentile_scores(values, columns=columns)], axis=1)
    frame["cluster"] = lab.to_numpy()
    g = frame.groupby("cluster", sort=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "recency_mean": g[r].mean(),
            "recency_median": g[r].median(),
            "frequency_mean": g[f].mean(),
            "frequency_median": g[f].median(),
            "monetary_mean": g[m].mean(),
            "monetary_median": g[m].median(),
            "revenue": g[m].sum(),
            "r_pct": g["r_pct"].mean(),
            "f_pct": g["f_pct"].mean(),
            "m_pct": g["m_pct"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / len(rfm))
    total = values[m].sum()
    out.insert(
        out.columns.get_loc("revenue") + 1,
        "revenue_share",
        out["revenue"] / total if total != 0 else np.nan,
    )
    out["score"] = out[["r_pct", "f_pct", "m_pct"]].mean(axis=1)
    if X is not None:
        if isinstance(X, pd.DataFrame):  # matched to the customers, as labels are
            X = match_index(
                X, rfm.index, name="X", whose="the customers", row="customer",
                fix="pass X on rfm's index (e.g. cluster(...).X) or an array in rfm's row "
                "order.",
            )
        arr = check_array(X, name="X")
        if arr.shape[0] != len(rfm):
            raise ValueError(f"X has {arr.shape[0]} rows but rfm has {len(rfm)} customers.")
        if len(out) < 2 or len(out) > len(rfm) - 1:
            raise ValueError(
                f"the silhouette needs 2 <= clusters <= customers - 1; got {len(out)} "
                f"cluster(s) for {len(rfm)} customers. Leave X=None."
            )
        samples = silhouette_samples(arr, lab.to_numpy())
        out["silhouette"] = silhouette_by_cluster(samples, lab.to_numpy())
    out["_cid"] = out.index
    out = out.sort_values(["score", "revenue", "_cid"], ascending=[False, False, True])
    out = out.drop(columns="_cid")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out.index.name = "cluster"
    # the customer base's distribution, on a grid fine enough for the persona quantiles
    grid = np.linspace(0.0, 1.0, POPULATION_GRID)
    out.attrs["population"] = {
        d: Quantiles(np.quantile(values[c].to_numpy(), grid).tolist())
        for d, c in zip(RFM_COLUMNS, columns, strict=True)
    }
    labels_in_order = lab.to_numpy()
    out.attrs["separation"] = {
        d: _eta_squared(frame[p].to_numpy(np.float64), labels_in_order)
        for d, p in zip(RFM_COLUMNS, ("r_pct", "f_pct", "m_pct"), strict=True)
    }
    return out
