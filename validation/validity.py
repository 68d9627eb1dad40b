"""One table of the usual cluster-validity figures, each computed from one check of the data.

:func:`validity_table` gathers, for a clustering of ``X``:

* the mean silhouette (Rousseeuw 1987; :func:`validation.silhouette_score`), unless the
  caller already has it, its note giving the bands of Kaufman & Rousseeuw (1990, *Finding
  Groups in Data*, p. 88) with each band's upper end in it (:data:`SILHOUETTE_NOTE`);
* a one-way ANOVA across clusters of each descriptive feature
  (:func:`validation.anova_table`: F, p-value and eta²);
* the Calinski–Harabasz and Davies–Bouldin indices;
* the stability of K-means across seeds (:func:`validation.stability`: mean and minimum
  adjusted Rand index between runs).

``X`` and the labels are checked and encoded once, here; every figure is then computed
from the checked values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import (
    check_array,
    check_dataframe,
    check_integers,
    check_n_clusters,
    check_seed,
    match_index,
)
from kmeans_np.row_order import value_order
from validation._silhouette_core import silhouette_score_checked
from validation.anova import _anova_table
from validation.indices import _calinski_harabasz, _davies_bouldin
from validation.labels import check_cluster_count, encode_labels, labels_by_row
from validation.stability import _stability

__all__ = ["VALIDITY_COLUMNS", "validity_table"]

#: the columns of :func:`validity_table`
VALIDITY_COLUMNS = ["metric", "feature", "value", "p_value", "eta_squared", "note"]

#: the silhouette row's note: how Kaufman & Rousseeuw read a mean silhouette (their bands,
#: 0.71–1.00, 0.51–0.70, 0.26–0.50 and ≤ 0.25 on two decimals, each holding its upper end)
SILHOUETTE_NOTE = ("mean over customers; Kaufman & Rousseeuw (1990): > 0.70 strong, "
                   "> 0.50 to 0.70 reasonable, > 0.25 to 0.50 weak (could be artificial), "
                   "<= 0.25 none (no substantial structure)")


def validity_table(
    X: Any,
    labels: Any,
    features: pd.DataFrame,
    *,
    silhouette: float | None = None,
    n_clusters: int | None = None,
    stability_seeds: Iterable[int] = range(5),
    stability_sample_size: int | None = None,
) -> pd.DataFrame:
    """Tidy table of the validity figures of a clustering: one row per metric (and feature).

    Parameters
    ----------
    X : array-like or DataFrame, shape (n, d)
        The features the clusters were fitted on (e.g. the scaled R, F, M).
    labels : array-like or Series, shape (n,)
        Cluster of each row; 2 <= k <= n - 1 clusters. A Series is matched by index: to
        ``X``'s when ``X`` is a DataFrame, else to ``features``' (whose rows are then
        ``X``'s); an array or list is taken in row order.
    features : DataFrame
        n rows of descriptive features (e.g. the raw RFM table's ``recency, frequency,
        monetary``); each numeric column gets an ANOVA row. Matched to ``X``'s index when
        ``X`` is a DataFrame (the same keys, in any order), else in ``X``'s row order.
    silhouette : float, optional
        The mean silhouette, when already computed; otherwise it is computed exactly.
    n_clusters : int, optional
        k of the stability runs; default: the number of distinct labels.
    stability_seeds : iterable of int
        One K-means run per seed (at least 2) for the stability rows. The runs take the
        rows in the order of their values (:mod:`kmeans_np.row_order`), so the rows' own
        order does not change the figures.
    stability_sample_size : int, optional
        Above this many rows the stability runs cluster a uniform random sample of this
        size (seeded by the smallest seed), which the rows' note says: five full K-means
        fits of millions of customers cost minutes and measure the same thing.

    Returns
    -------
    DataFrame
        Columns ``metric, feature, value, p_value, eta_squared, note``; metrics
        ``silhouette``, ``anova_F`` (one row per feature), ``calinski_harabasz``,
        ``davies_bouldin``, ``stability_mean_ari`` and ``stability_min_ari``.
    """
    arr = check_array(X, name="X")
    check_dataframe(features, "features")
    if isinstance(X, pd.DataFrame):  # X's index is the key of labels and features
        features = match_index(
            features, X.index, name="features", whose="X's index",
            fix="pass features on X's index (the same keys, in any order), or "
            "features.set_axis(X.index) if its rows are in X's row order.",
        )
        labels = labels_by_row(labels, X)
    else:  # X has no keys: features' rows are X's, and a labels Series describes them
        if len(features) != arr.shape[0]:
            raise ValueError(
                f"features has {len(features)} rows but X has {arr.shape[0]}; give one row "
                "per row of X, in the same order."
            )
        labels = labels_by_row(labels, features, against="features")
    enc = encode_labels(labels, arr.shape[0])
    check_cluster_count(len(enc.counts), arr.shape[0])
    cols = list(features.columns)
    values = check_array(features, name="features")
    k = len(enc.counts) if n_clusters is None else check_n_clusters(n_clusters, arr.shape[0])
    seeds = check_integers(stability_seeds, "stability_seeds")
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"stability_seeds must be at least 2 distinct seeds, got {seeds}.")
    check_seed(min(seeds))
    if silhouette is None:
        silhouette = silhouette_score_checked(arr, enc, "auto")
    rows: list[dict[str, Any]] = [
        {
            "metric": "silhouette",
            "feature": "",
            "value": silhouette,
            "note": SILHOUETTE_NOTE,
        },
    ]
    anova = _anova_table(cols, [np.ascontiguousarray(v) for v in values.T], enc)
    for feat, row in anova.iterrows():
        rows.append(
            {
                "metric": "anova_F",
                "feature": feat,
                "value": row["F"],
                "p_value": row["p_value"],
                "eta_squared": row["eta_squared"],
                "note": f"significance {row['significance']}",
            }
        )
    rows.append(
        {
            "metric": "calinski_harabasz",
            "feature": "",
            "value": _calinski_harabasz(arr, enc),
            "note": "higher is better",
        }
    )
    rows.append(
        {
            "metric": "davies_bouldin",
            "feature": "",
            "value": _davies_bouldin(arr, enc),
            "note": "lower is better",
        }
    )
    # the runs see the rows in the order of their values (kmeans_np.row_order), so the
    # figures do not depend on the order the rows came in
    on = np.ascontiguousarray(arr[value_order(arr)])
    runs = f"K-means over seeds {seeds}"
    if stability_sample_size is not None and arr.shape[0] > stability_sample_size:
        pick = np.random.default_rng(min(seeds)).choice(
            arr.shape[0], check_n_clusters(stability_sample_size, arr.shape[0]), replace=False
        )
        on = np.ascontiguousarray(on[np.sort(pick)])
        runs += f" on a random sample of {len(on):,} customers"
    stab = _stability(on, k, seeds)
    rows.append(
        {
            "metric": "stability_mean_ari",
            "feature": "",
            "value": stab.mean_ari,
            "note": f"{runs}; 1 = identical partitions",
        }
    )
    rows.append({"metric": "stability_min_ari", "feature": "", "value": stab.min_ari, "note": runs})
    return pd.DataFrame(rows, columns=VALIDITY_COLUMNS)
