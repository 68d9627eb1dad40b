"""The simplified silhouette against a direct computation."""

from __future__ import annotations

import numpy as np
import pytest
from _validation_cases import case_clusters
from scipy.spatial.distance import cdist

from validation import simplified_silhouette

# ---------------------------------------------------------------- simplified silhouette


def test_simplified_silhouette_against_direct_formula() -> None:
    X, labels, centers = case_clusters()
    # independent computation: scipy distances to the given centres, plain loops
    D = cdist(X, centers)
    expected = []
    for i, c in enumerate(labels):
        a = D[i, c]
        b = min(D[i, o] for o in range(4) if o != c)
        expected.append(0.0 if max(a, b) == 0 else (b - a) / max(a, b))
    score, s = simplified_silhouette(X, labels, centers, return_samples=True)
    np.testing.assert_allclose(s, expected, rtol=1e-13, atol=1e-15)
    assert score == pytest.approx(np.mean(expected), rel=1e-13)
    # without centres, each cluster's mean is used (K-means centres are those means)
    assert simplified_silhouette(X, labels) == pytest.approx(score, rel=1e-12)


def test_simplified_silhouette_bad_input() -> None:
    X, labels, centers = case_clusters()
    with pytest.raises(ValueError, match=r"integers 0\.\.3"):
        simplified_silhouette(X, labels + 1, centers)
    with pytest.raises(ValueError, match="features"):
        simplified_silhouette(X, labels, centers[:, :2])
    with pytest.raises(ValueError, match="at least 2 clusters"):
        simplified_silhouette(X, np.zeros(20, int))
