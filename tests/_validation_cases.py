"""The case-study customers shared by the validation tests: 20 customers, k = 4 by
scikit-learn's K-means (its printed statistics are wrong; only the inputs are used)."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans as SkKMeans

from rfm.datasets import case_study_customers

CASE = case_study_customers()[["recency_days", "frequency", "monetary"]]


def case_clusters() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min-max scaled case table (recency inverted) and scikit-learn K-means, k = 4."""
    X = ((CASE - CASE.min()) / (CASE.max() - CASE.min())).to_numpy(copy=True)
    X[:, 0] = 1 - X[:, 0]
    km = SkKMeans(4, n_init=20, random_state=0).fit(X)
    return X, km.labels_, km.cluster_centers_
