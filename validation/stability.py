"""Stability of K-means across random seeds: do the segments survive a new start?

A common check runs K-means with ten seeds, keeps the "top" cluster of each run and intersects
them; but with ``n_init=1`` and no seed passed, such runs are not even reproducible, and a
cluster's overlap says nothing about the rest of the segmentation. Here:

1. K-means runs once per seed, ``KMeans(n_clusters, random_state=seed, **kmeans_params)``,
   so every run is reproducible.
2. **Agreement of whole segmentations**: the adjusted Rand index (ARI) of every pair of
   runs — 1 when two runs give the same partition up to renaming the clusters, about 0
   when they agree no more than chance. Reported: every pair, their mean and their
   minimum (the worst disagreement).
3. **Stability of each segment**: for each cluster C of the reference (first) run, and
   each *other* run r,

   * ``together`` — the share of runs in which **all** members of C land in one cluster
     (strict: one stray member breaks it);
   * ``pairs_together`` — the share of C's member pairs that share a cluster in run r,
     averaged over the runs: ``sum_c' C(m_c', 2) / C(|C|, 2)`` with m_c' the members of C
     in cluster c' of run r. It degrades gracefully (a single stray member of a cluster of
     100 costs 2 %), which makes it the better everyday measure; a cluster of one member is
     trivially together (1.0).

   Both only ask whether members stay *together*, not whether the cluster keeps its
   number, so they are invariant to K-means renaming its clusters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import check_array, check_integers, check_n_clusters, check_seed
from kmeans_np.kmeans import fit_models
from validation.indices import _adjusted_rand
from validation.labels import encode_checked

__all__ = ["STABLE_ARI", "StabilityResult", "stability"]

#: mean adjusted Rand index from which clusters read as stable (below: "unstable"; from
#: 0.9: the same clusters whatever the start)
STABLE_ARI = 0.8


class StabilityResult(NamedTuple):
    """Outcome of :func:`stability`.

    Attributes
    ----------
    mean_ari, min_ari : float
        Mean and minimum ARI over all pairs of runs.
    pairwise_ari : DataFrame
        runs × runs (indexed by seed), symmetric with ones on the diagonal.
    clusters : DataFrame
        One row per cluster of the reference run: ``size``, ``together`` and
        ``pairs_together`` (see the module notes).
    """

    mean_ari: float
    min_ari: float
    pairwise_ari: pd.DataFrame
    clusters: pd.DataFrame


def _cluster_cohesion(reference: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per reference cluster: all members together in ``other`` (bool), share of pairs together.

    Both label arrays are codes 0..k-1. The contingency table m[c, c'] counts members of
    reference cluster c found in cluster c' of the other run.
    """
    k_ref, k_oth = reference.max() + 1, other.max() + 1
    table = np.bincount(reference * k_oth + other, minlength=k_ref * k_oth).reshape(k_ref, k_oth)
    size = table.sum(axis=1)
    all_together = table.max(axis=1) == size
    pairs = size * (size - 1) / 2
    kept = (table * (table - 1) / 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pairs > 0, kept / pairs, 1.0)
    return all_together, share


def stability(
    X: Any, n_clusters: int, *, seeds: Iterable[int] = range(10), **kmeans_params: Any
) -> StabilityResult:
    """How much K-means' answer depends on its random start.

    Parameters
    ----------
    X : array-like or DataFrame, shape (n, d)
        The (scaled) features to cluster.
    n_clusters : int
        k.
    seeds : iterable of int
        One K-means run per seed (at least 2, distinct); the first run is the reference
        for the per-cluster table.
    **kmeans_params
        Passed to ``kmeans_np.KMeans`` (e.g. ``n_init=10``, ``init="random"``,
        ``backend="numpy"``); ``n_clusters`` and ``random_state`` are set here.

    Returns
    -------
    StabilityResult
        ``mean_ari``, ``min_ari``, ``pairwise_ari`` and ``clusters`` (see the module notes
        for the definitions).

    Notes
    -----
    With the default ``n_init="auto"`` each run is a single k-means++ start (``"auto"`` is
    1 for k-means++, 10 only for ``init="random"``), so the runs show how much one start
    varies; pass ``n_init=10`` to see how much keeping the best of several starts per run
    hides.
    """
    seeds = check_integers(seeds, "seeds")
    if len(seeds) < 2:
        raise ValueError(f"stability needs at least 2 seeds to compare runs, got {seeds}.")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct (a repeated seed repeats a run), got {seeds}.")
    check_seed(min(seeds))  # every seed is a valid random_state
    for reserved in ("n_clusters", "random_state"):
        if reserved in kmeans_params:
            raise TypeError(
                f"{reserved} is set by stability itself; pass n_clusters positionally and "
                "the seeds with seeds=..."
            )
    arr = check_array(X, name="X")
    n_clusters = check_n_clusters(n_clusters, arr.shape[0])
    return _stability(arr, n_clusters, seeds, **kmeans_params)


def _stability(
    arr: np.ndarray, n_clusters: int, seeds: list[int], **kmeans_params: Any
) -> StabilityResult:
    """:func:`stability` on checked data, cluster count and seeds."""
    models = fit_models(
        arr, [{"random_state": s} for s in seeds], n_clusters=n_clusters, **kmeans_params
    )
    runs = [encode_checked(model.labels_) for model in models]
    m = len(runs)
    ari = np.eye(m)
    for i in range(m):
        for j in range(i + 1, m):
            ari[i, j] = ari[j, i] = _adjusted_rand(runs[i], runs[j])
    upper = ari[np.triu_indices(m, 1)]
    ref, *others = runs
    together = np.zeros(len(ref.classes))
    pairs = np.zeros(len(ref.classes))
    for other in others:
        t, p = _cluster_cohesion(ref.codes, other.codes)
        together += t
        pairs += p
    clusters = pd.DataFrame(
        {
            "size": ref.counts,
            "together": together / (m - 1),
            "pairs_together": pairs / (m - 1),
        },
        index=pd.Index(ref.classes, name="cluster"),
    )
    return StabilityResult(
        float(upper.mean()),
        float(upper.min()),
        pd.DataFrame(ari, index=pd.Index(seeds, name="seed"), columns=pd.Index(seeds, name="seed")),
        clusters,
    )
