"""Shared data makers and independent reference computations for the K-means tests.

Everything here is plain numpy written for the tests; none of it calls ``kmeans_np``.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_blobs

BACKENDS = ["numpy", "numba"]


def blob_data(n: int, d: int, k: int, seed: int, std: float = 2.0) -> np.ndarray:
    """Overlapping Gaussian blobs (std 2 around centres in a ±10 box): Lloyd needs several
    iterations to settle, so the iteration counts compared are not trivially 1 or 2."""
    X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std, random_state=seed)
    return X


def rfm_data(n: int, seed: int) -> np.ndarray:
    """RFM-shaped data as in the issue: exponential recency, 1 + Poisson frequency,
    lognormal monetary, each column z-scored (population std)."""
    rng = np.random.default_rng(seed)
    raw = np.column_stack(
        [rng.exponential(90.0, n), 1.0 + rng.poisson(4.0, n), rng.lognormal(5.0, 1.0, n)]
    )
    return (raw - raw.mean(axis=0)) / raw.std(axis=0)


def positive_weights(n: int, seed: int) -> np.ndarray:
    """Weights in [0.5, 3): uneven enough that weighted and unweighted fits differ."""
    return np.random.default_rng(seed).uniform(0.5, 3.0, n)


def sq_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Brute-force squared Euclidean distances, shape (n, k)."""
    diff = np.asarray(X, float)[:, None, :] - np.asarray(centers, float)[None, :, :]
    return (diff**2).sum(axis=2)


def direct_inertia(X, centers, labels, sample_weight=None) -> float:
    """Σ_i w_i ‖x_i − c_{l_i}‖², computed directly."""
    X = np.asarray(X, float)
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    diff = X - np.asarray(centers, float)[labels]
    return float((w * (diff**2).sum(axis=1)).sum())


def seed002_table() -> np.ndarray:
    """Seed 002's 20 customers, min-max scaled with recency inverted (its Step 1):
    R = 1 − (r − min)/(max − min), F and M plain min-max. Columns R, F, M."""
    recency = np.array(
        [8, 142, 3, 287, 19, 64, 5, 198, 31, 112, 7, 243, 25, 88, 12, 172, 44, 320, 16, 55],
        dtype=float,
    )
    frequency = np.array(
        [14, 2, 22, 1, 9, 4, 18, 2, 7, 3, 20, 1, 11, 5, 16, 2, 6, 1, 13, 8], dtype=float
    )
    monetary = np.array(
        [2840, 184, 5120, 67, 1640, 420, 4280, 145, 1180, 310,
         4890, 88, 2140, 580, 3640, 165, 760, 52, 2560, 1020],
        dtype=float,
    )

    def minmax(v: np.ndarray) -> np.ndarray:
        return (v - v.min()) / (v.max() - v.min())

    return np.column_stack([1.0 - minmax(recency), minmax(frequency), minmax(monetary)])
