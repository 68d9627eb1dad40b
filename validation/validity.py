"""All the validity figures of one clustering, as one tidy table.

:func:`validity_table` gathers what the other modules of :mod:`validation` measure about a
partition of customers into clusters:

- the mean silhouette (Rousseeuw 1987): how well each point sits in its own cluster,
  from -1 to 1;
- a one-way ANOVA of each feature across the clusters: F, its p-value and
  η² = SS_between / SS_total, the share of the feature's variation the clusters explain;
- the Calinski–Harabasz index (between- over within-cluster dispersion, higher is better)
  and the Davies–Bouldin index (mean worst ratio of spread to separation, lower is better);
- stability: K-means run again with several seeds, and the mean and minimum adjusted Rand
  index between every pair of runs (1 = the same partition every time).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from validation.anova import anova_table
from validation.indices import calinski_harabasz_score, davies_bouldin_score
from validation.silhouette import silhouette_score
from validation.stability import stability

__all__ = ["VALIDITY_COLUMNS", "validity_table"]

#: the columns of :func:`validity_table`
VALIDITY_COLUMNS = ["metric", "feature", "value", "p_value", "eta_squared", "note"]


def validity_table(
    X: Any,
    labels: Any,
    features: pd.DataFrame,
    *,
    n_clusters: int,
    silhouette: float | None = None,
    seeds: Iterable[int] = range(5),
) -> pd.DataFrame:
    """Tidy table of validity figures: one row per metric (and per feature for ANOVA).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points the clusters were fitted on (e.g. scaled R, F, M).
    labels : array-like of shape (n_samples,)
        Cluster of each point, in row order.
    features : DataFrame
        The features to compare across clusters with a one-way ANOVA, one row per point
        in the same order (e.g. the raw recency, frequency and monetary).
    n_clusters : int
        Number of clusters K-means fits in the stability runs.
    silhouette : float, optional
        The mean silhouette when already known (e.g. from per-point values computed
        anyway); by default it is computed (exact, O(n²)).
    seeds : iterable of int
        Seeds of the stability runs (at least two).

    Returns
    -------
    DataFrame
        Columns ``metric, feature, value, p_value, eta_squared, note``; the metrics, in
        this order: ``silhouette``, ``anova_F`` (one row per feature, with its p-value and
        η²), ``calinski_harabasz``, ``davies_bouldin``, ``stability_mean_ari``,
        ``stability_min_ari``. Look rows up by ``metric``, not by position.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    >>> t = validity_table(X, [0, 0, 0, 1, 1, 1], pd.DataFrame({"x": X[:, 0]}), n_clusters=2)
    >>> t["metric"].tolist()[:3]
    ['silhouette', 'anova_F', 'calinski_harabasz']
    """
    lab = np.asarray(labels)
    seeds = list(seeds)
    if silhouette is None:
        silhouette = silhouette_score(X, lab)
    rows: list[dict[str, Any]] = [
        {
            "metric": "silhouette",
            "feature": "",
            "value": float(silhouette),
            "note": "mean over points; > 0.5 good, 0.25-0.5 moderate, < 0.25 weak",
        },
    ]
    anova = anova_table(features, list(features.columns), lab)
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
            "value": calinski_harabasz_score(X, lab),
            "note": "higher is better",
        }
    )
    rows.append(
        {
            "metric": "davies_bouldin",
            "feature": "",
            "value": davies_bouldin_score(X, lab),
            "note": "lower is better",
        }
    )
    stab = stability(X, n_clusters, seeds=seeds)
    runs = f"K-means over seeds {seeds}"
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
