"""stability(): ARI against scikit-learn, per-cluster cohesion against brute-force pair loops."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score as sk_ari

from kmeans_np import KMeans
from validation import stability


def brute_cohesion(ref: np.ndarray, other: np.ndarray, members: np.ndarray) -> tuple[bool, float]:
    """All members in one cluster of `other`? Share of member pairs sharing a cluster."""
    pairs = list(combinations(members, 2))
    if not pairs:
        return True, 1.0
    same = sum(other[i] == other[j] for i, j in pairs)
    return len(set(other[members])) == 1, same / len(pairs)


def test_stability_matches_independent_computation() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))  # no real structure: runs disagree
    seeds = [3, 1, 4, 15]
    X_before = X.copy()
    res = stability(X, 3, seeds=seeds, n_init=1, init="random")
    np.testing.assert_array_equal(X, X_before)
    runs = [KMeans(3, random_state=s, n_init=1, init="random").fit(X).labels_ for s in seeds]
    ari = np.array([[sk_ari(a, b) for b in runs] for a in runs])
    np.testing.assert_allclose(res.pairwise_ari.to_numpy(), ari, rtol=0, atol=1e-14)
    upper = ari[np.triu_indices(4, 1)]
    assert res.mean_ari == pytest.approx(upper.mean(), abs=1e-14)
    assert res.min_ari == pytest.approx(upper.min(), abs=1e-14)
    assert res.min_ari < 1.0  # the data were chosen so that the runs differ
    assert list(res.pairwise_ari.index) == seeds
    for c in np.unique(runs[0]):
        members = np.flatnonzero(runs[0] == c)
        together, pairs = zip(*(brute_cohesion(runs[0], r, members) for r in runs[1:]),
                              strict=True)
        row = res.clusters.loc[c]
        assert row["size"] == len(members)
        assert row["together"] == pytest.approx(np.mean(together), abs=1e-14)
        assert row["pairs_together"] == pytest.approx(np.mean(pairs), abs=1e-14)


def test_well_separated_clusters_are_perfectly_stable() -> None:
    rng = np.random.default_rng(1)
    centers = np.array([[0, 0], [20, 0], [0, 20], [20, 20]], dtype=float)
    X = pd.DataFrame(centers.repeat(30, axis=0) + rng.normal(size=(120, 2)), columns=["r", "f"])
    res = stability(X, 4, seeds=range(5))
    assert res.mean_ari == 1.0 and res.min_ari == 1.0
    assert (res.clusters["together"] == 1.0).all()
    assert (res.clusters["pairs_together"] == 1.0).all()
    assert res.clusters["size"].sum() == 120


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seeds": [0]}, ValueError, "at least 2 seeds"),
        ({"seeds": [1, 1]}, ValueError, "distinct"),
        ({"seeds": [0, 1.5]}, TypeError, "integers"),
        ({"random_state": 0}, TypeError, "random_state is set by stability"),
    ],
)
def test_bad_input(kwargs, error, match) -> None:
    X = np.random.default_rng(2).normal(size=(20, 2))
    with pytest.raises(error, match=match):
        stability(X, 2, **kwargs)


def test_bad_data_and_cluster_count() -> None:
    X = np.random.default_rng(3).normal(size=(5, 2))
    with pytest.raises(ValueError, match="smaller than n_clusters"):
        stability(X, 6, seeds=[0, 1])
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        stability(X, 2, seeds=[0, 1])
