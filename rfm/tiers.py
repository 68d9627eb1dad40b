"""Value tiers: 1-D K-means per dimension, summed, cut into Low / Mid / High.

A widely copied tutorial recipe clusters recency, frequency and monetary *separately*
with scikit-learn's K-means (k = 4), tries to renumber the clusters in value order, sums
the three cluster numbers to an ``OverallScore`` and cuts it into Low / Mid / High value.
Two things go wrong there: scikit-learn's labels come in arbitrary order (only recency is
flipped, by ``max - label``, which does not sort anything), and its result depends on the
random start. Here each dimension is clustered with :func:`kmeans_np.kmeans_1d`, which is
*exact* (globally optimal) and numbers clusters in increasing value order, so the tiers
are deterministic and mean what they say:

* ``r_tier`` = (k − 1) − recency cluster (fewest days → highest tier),
* ``f_tier`` = frequency cluster, ``m_tier`` = monetary cluster (more → higher),
* ``overall_score`` = r_tier + f_tier + m_tier, from 0 to 3(k − 1).

The cut into value segments follows that recipe, whose bins for k = 4 are (−1, 2], (2, 4],
(4, max]: Low for a score ≤ 2, Mid for 3–4, High for 5 and above. For other k the two cut
points are scaled with the score range 3(k − 1): ``low_max = floor(2(k − 1)/3)`` and
``mid_max = floor(4(k − 1)/3)`` — i.e. Low while the average tier is at most 2/9 of the
top tier, Mid up to 4/9 — which gives exactly 2 and 4 for k = 4.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np import kmeans_1d
from kmeans_np.checks import check_n_clusters
from rfm._inputs import check_rfm

__all__ = ["VALUE_SEGMENTS", "tier_cuts", "value_tiers"]

VALUE_SEGMENTS = ("Low Value", "Mid Value", "High Value")


def tier_cuts(n_clusters: int) -> tuple[int, int]:
    """Largest overall score that is Low, and largest that is Mid (see module docstring)."""
    top = n_clusters - 1
    return (2 * top) // 3, (4 * top) // 3


def value_tiers(
    rfm: pd.DataFrame,
    *,
    n_clusters: int = 4,
    columns: tuple[str, str, str] = ("recency", "frequency", "monetary"),
    backend: str = "auto",
) -> pd.DataFrame:
    """Per-dimension exact K-means tiers, their sum, and a Low / Mid / High segment.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm.rfm_table` (or any table with the three columns); left
        unchanged.
    n_clusters : int
        Clusters per dimension (4 is the usual choice); at least 2, and at most the number of
        distinct values in each column.
    columns : tuple of str
        Names of the recency, frequency and monetary columns.
    backend : {"auto", "numpy", "numba"}
        Passed to :func:`kmeans_np.kmeans_1d` (same result either way).

    Returns
    -------
    DataFrame
        On ``rfm``'s index: ``r_tier``, ``f_tier``, ``m_tier`` (int, 0 .. k−1, higher is
        a better customer), ``overall_score`` (int) and ``value_segment`` (ordered
        categorical Low Value < Mid Value < High Value). The cut points are in
        ``attrs["cuts"]`` as (low_max, mid_max).

    Raises
    ------
    TypeError, ValueError
        Not a DataFrame, missing columns, non-finite values, ``n_clusters`` < 2, or a
        column with fewer distinct values than ``n_clusters`` (named).
    """
    arrays = check_rfm(rfm, columns)
    k = check_n_clusters(n_clusters)
    if k < 2:
        raise ValueError(f"n_clusters must be at least 2 to form tiers, got {k}.")
    out: dict[str, Any] = {}
    for col, values, name in zip(columns, arrays, ("r_tier", "f_tier", "m_tier"), strict=True):
        distinct = len(np.unique(values))
        if distinct < k:
            raise ValueError(
                f"rfm column {col!r} has only {distinct} distinct value(s), fewer than "
                f"n_clusters={k}; ask for fewer clusters."
            )
        labels = kmeans_1d(values, k, backend=backend).labels
        out[name] = (k - 1 - labels) if name == "r_tier" else labels
    result = pd.DataFrame(out, index=rfm.index)
    result["overall_score"] = result["r_tier"] + result["f_tier"] + result["m_tier"]
    low_max, mid_max = tier_cuts(k)
    codes = np.where(
        result["overall_score"] <= low_max, 0, np.where(result["overall_score"] <= mid_max, 1, 2)
    )
    result["value_segment"] = pd.Categorical.from_codes(
        codes, categories=list(VALUE_SEGMENTS), ordered=True
    )
    result.attrs["cuts"] = (low_max, mid_max)
    return result
