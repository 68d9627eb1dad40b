"""The elbow method: inertia over a range of k, and where adding clusters stops paying.

The *lowest possible* inertia (WCSS) never rises as k grows: the best k-clustering plus
one more centre placed on a data point costs no more. K-means (Lloyd) finds only a local
optimum from its start, though, so a fitted curve usually falls but can rise a little from
one k to the next (a negative ``drop`` below); more starts (``n_init``) make that rarer.
The "elbow" is the k after which the curve falls much more slowly. ``elbow`` tabulates,
for each k, the inertia, the drop from the previous k and that drop as a percentage (a
"marginal improvement" table), and suggests k by the **Kneedle** rule (Satopää et al.,
2011):

1. scale k and inertia to [0, 1]: x = (k − k_min)/(k_max − k_min),
   y = (J − J_min)/(J_max − J_min);
2. for a falling curve the knee is the point farthest *below* the straight line (the
   chord) from the first point (0, 1) to the last (1, 0), i.e. the k maximising
   (1 − x) − y. If the fitted curve is not falling throughout, its first point need not
   be its highest nor its last its lowest; the line y = 1 − x is then not quite the
   chord, and the first k can even be suggested when a later k's inertia is higher.

The rule is scale-free and needs no threshold; it is a heuristic like every elbow rule,
so look at the curve too (``rfm.cluster`` weighs it together with the silhouette).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_array, check_integers, feature_names
from kmeans_np.kmeans import fit_models


def chord_gaps(k_values: np.ndarray, inertia: np.ndarray) -> np.ndarray | None:
    """How far each point of a falling inertia curve lies below its chord (Kneedle's measure).

    With k and inertia scaled to [0, 1] as in the module notes (x and y), the chord is
    the straight line y = 1 − x from the first point to the last, and the gap of a point
    is its vertical distance below that line, ``(1 − x) − y`` (0 at both ends when the
    first inertia is the highest and the last the lowest, as on a falling curve; see the
    module notes otherwise). The knee is the k with the largest gap. ``None`` for fewer
    than three points or a flat curve (every inertia equal), where there is no knee to
    find.
    """
    if len(k_values) < 3:
        return None
    span = inertia.max() - inertia.min()
    if span == 0:
        return None
    x = (k_values - k_values[0]) / (k_values[-1] - k_values[0])
    y = (inertia - inertia.min()) / span
    return (1 - x) - y


def knee(k_values: np.ndarray, inertia: np.ndarray) -> int | None:
    """k at the Kneedle knee of a falling inertia curve (``None`` for < 3 points)."""
    if len(k_values) < 3:
        return None
    gaps = chord_gaps(k_values, inertia)
    if gaps is None:
        return int(k_values[0])  # flat curve: no cluster helps, keep the fewest
    return int(k_values[int(np.argmax(gaps))])


def elbow(X: Any, k_values: Iterable[int] = range(1, 11), **kmeans_params: Any) -> pd.DataFrame:
    """Fit K-means for each k and tabulate the inertia and its marginal drops.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        Data to cluster (scale it first).
    k_values : iterable of int
        Cluster counts to try, e.g. ``range(2, 8)``; sorted and de-duplicated.
    **kmeans_params
        Passed to every ``KMeans`` (e.g. ``init="random", n_init=10, random_state=0``).

    Returns
    -------
    DataFrame
        Columns ``k``, ``inertia``, ``drop`` (inertia of the previous k minus this one),
        ``drop_pct`` (that drop as % of the previous inertia) and ``suggested`` (True on
        the Kneedle knee). ``df.attrs["suggested_k"]`` holds that k (None with fewer than
        three k values).
    """
    if "n_clusters" in kmeans_params:
        raise TypeError("elbow() sets n_clusters itself; pass the values as k_values.")
    names = feature_names(X)
    X = check_array(X)
    ks = sorted(set(check_integers(k_values, "k_values")))
    if not ks:
        raise ValueError("k_values is empty; give at least one cluster count.")
    if ks[0] < 1 or ks[-1] > X.shape[0]:
        raise ValueError(
            f"k_values must lie between 1 and n_samples={X.shape[0]}, got {ks[0]}..{ks[-1]}."
        )
    models = fit_models(X, [{"n_clusters": k} for k in ks], names=names, **kmeans_params)
    inertia = [model.inertia_ for model in models]
    return tabulate(ks, inertia)


def tabulate(k_values: list[int], inertia: Any) -> pd.DataFrame:
    """The elbow table of already-fitted models: ``k`` (ascending, distinct), their
    ``inertia``, ``drop``, ``drop_pct``, ``suggested`` and ``attrs["suggested_k"]``.

    ``elbow`` fits and then calls this; callers that keep the fitted models for other
    uses (``rfm.cluster`` picks among them) call it directly instead of fitting twice.
    """
    ks = list(k_values)
    inertia = np.asarray(inertia, dtype=np.float64)
    table = pd.DataFrame({"k": ks, "inertia": inertia})
    previous = table["inertia"].shift(1)
    table["drop"] = previous - table["inertia"]
    table["drop_pct"] = table["drop"] / previous * 100.0
    suggested = knee(np.asarray(ks, dtype=float), inertia)
    table["suggested"] = table["k"] == suggested
    table.attrs["suggested_k"] = suggested
    return table
