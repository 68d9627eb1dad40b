"""Choosing the starting centres: greedy k-means++ and random rows.

k-means++ (Arthur & Vassilvitskii, 2007) picks the first centre at random (with
probability ∝ w_i), then each next one with probability ∝ w_i·D(x_i)², where D(x_i) is
the distance from x_i to the closest centre chosen so far: far-away points are likely
picks, so the centres start spread out. The *greedy* variant used by scikit-learn draws
``n_local_trials`` candidates per step (default 2 + ⌊ln k⌋) and keeps the one that
lowers the potential φ = Σ_i w_i D(x_i)² the most.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kmeans_np.checks import (
    check_array,
    check_distances_fit,
    check_n_clusters,
    check_random_state,
    check_sample_weight,
    is_integer,
    resolve_backend,
)
from kmeans_np.engine import Engine
from kmeans_np.lloyd import NUMBA_FROM_SAMPLES, make_engine


def _first_index(engine: Engine, rng: np.random.Generator) -> int:
    n = engine.n_samples
    if engine.sample_weight is None:
        return int(rng.integers(n))
    return int(rng.choice(n, p=engine.w / engine.w.sum()))


def _never_impossible(engine: Engine, closest: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Replace draws of probability zero (w_i D_i² = 0), which rounding at the very end of
    the cumulative sum can produce, by the last row that has a positive probability."""
    p = engine.w[candidates] * closest[candidates]
    if (p > 0).all():
        return candidates
    positive = np.flatnonzero(engine.w * closest > 0)
    if positive.size:  # else every point sits on a centre and any row will do
        candidates = np.where(p > 0, candidates, positive[-1])
    return candidates


def greedy_kmeans_plusplus(
    engine: Engine, n_clusters: int, rng: np.random.Generator, n_local_trials: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """k-means++ on an engine's data; returns (centres, row indices)."""
    X = engine.X
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    indices = np.full(n_clusters, -1, dtype=np.int64)
    indices[0] = _first_index(engine, rng)
    closest = engine.sq_dist_to(X[indices[0]])  # D(x_i)² to the centres so far
    current_pot = engine.potential(closest)
    for c in range(1, n_clusters):
        # Draw candidates with probability ∝ w_i D(x_i)² by inverting the cumulative sum.
        rand_vals = rng.uniform(size=n_local_trials) * current_pot
        drawn = engine.sample_proportional(closest, rand_vals)
        candidates = _never_impossible(engine, closest, drawn)
        # Keep the candidate that leaves the smallest potential.
        pots = engine.candidate_potentials(closest, X[candidates])
        best = int(np.argmin(pots))
        current_pot = float(pots[best])
        indices[c] = candidates[best]
        engine.update_closest(closest, X[indices[c]])
    return X[indices].copy(), indices


def random_rows(engine: Engine, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """``n_clusters`` distinct rows drawn with probability ∝ weight, as starting centres."""
    n = engine.n_samples
    p = None if engine.sample_weight is None else engine.w / engine.w.sum()
    if p is not None and np.count_nonzero(p) < n_clusters:
        raise ValueError(
            f"init='random' needs {n_clusters} rows with positive weight, "
            f"only {np.count_nonzero(p)} have one."
        )
    rows = rng.choice(n, size=n_clusters, replace=False, p=p)
    return engine.X[rows].copy()


def kmeans_plusplus(
    X: Any,
    n_clusters: int,
    *,
    random_state: Any = None,
    n_local_trials: int | None = None,
    sample_weight: Any = None,
    backend: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-means++ seeding.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        The data.
    n_clusters : int
        How many centres to pick.
    random_state : None, int or numpy.random.Generator
        Source of randomness.
    n_local_trials : int, optional
        Candidates drawn per step; the one lowering the potential most is kept.
        Default ``2 + int(log(n_clusters))``.
    sample_weight : array-like or Series of shape (n_samples,), optional
        Weights; sampling probabilities are multiplied by them. A Series beside a
        DataFrame ``X`` is matched to its rows by index, anything else taken in row
        order (as in ``KMeans.fit``).
    backend : {"auto", "numpy", "numba"}
        Which engine computes the distances (``"auto"``: numpy below
        ``NUMBA_FROM_SAMPLES`` rows, else numba; the same centres either way).

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Row of X each centre was taken from.
    """
    rows, X = X, check_array(X)
    n_clusters = check_n_clusters(n_clusters, X.shape[0])
    if n_local_trials is not None and (not is_integer(n_local_trials) or n_local_trials < 1):
        raise ValueError(f"n_local_trials must be a positive integer, got {n_local_trials!r}.")
    w = check_sample_weight(sample_weight, X.shape[0], rows)
    check_distances_fit(X, w)
    engine = make_engine(
        resolve_backend(backend, n=X.shape[0], numba_from=NUMBA_FROM_SAMPLES), X, w
    )
    rng = check_random_state(random_state)
    return greedy_kmeans_plusplus(engine, n_clusters, rng, n_local_trials)
