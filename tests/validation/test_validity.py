"""validity_table: every figure against scikit-learn or scipy, computed independently."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import sklearn.metrics as skm
from sklearn.datasets import make_blobs

from kmeans_np import KMeans
from validation import validity_table


def blobs() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    X, _ = make_blobs(n_samples=240, centers=3, n_features=3, random_state=4)
    labels = KMeans(3, n_init=5, random_state=0).fit(X).labels_
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        {"recency": rng.gamma(2.0, 30.0, 240) + 20 * labels, "monetary": X[:, 0] * 100}
    )
    return X, labels, features


def test_every_row_matches_an_independent_reference() -> None:
    X, labels, features = blobs()
    table = validity_table(X, labels, features, stability_seeds=[3, 4, 5])
    assert list(table.columns) == ["metric", "feature", "value", "p_value", "eta_squared",
                                   "note"]
    assert list(table["metric"]) == ["silhouette", "anova_F", "anova_F", "calinski_harabasz",
                                     "davies_bouldin", "stability_mean_ari",
                                     "stability_min_ari"]
    row = table.set_index(["metric", "feature"])["value"]
    assert row["silhouette", ""] == pytest.approx(skm.silhouette_score(X, labels), rel=1e-10)
    for col in features.columns:
        ref = scipy.stats.f_oneway(*[features[col][labels == c] for c in range(3)])
        assert row["anova_F", col] == pytest.approx(ref.statistic, rel=1e-10)
        p = table.loc[table["feature"] == col, "p_value"].item()
        assert p == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
    assert row["calinski_harabasz", ""] == pytest.approx(
        skm.calinski_harabasz_score(X, labels), rel=1e-10)
    assert row["davies_bouldin", ""] == pytest.approx(
        skm.davies_bouldin_score(X, labels), rel=1e-10)
    runs = [KMeans(3, random_state=s).fit(X).labels_ for s in (3, 4, 5)]
    aris = [skm.adjusted_rand_score(a, b) for a, b in itertools.combinations(runs, 2)]
    assert row["stability_mean_ari", ""] == pytest.approx(np.mean(aris), rel=1e-12)
    assert row["stability_min_ari", ""] == pytest.approx(min(aris), rel=1e-12)
    assert table["note"].iloc[-1] == "K-means over seeds [3, 4, 5]"


def test_a_given_silhouette_is_used_as_is_and_inputs_are_left_alone() -> None:
    X, labels, features = blobs()
    X_before, features_before = X.copy(), features.copy()
    table = validity_table(X, labels, features, silhouette=0.125)
    assert table["value"].iloc[0] == 0.125
    np.testing.assert_array_equal(X, X_before)
    pd.testing.assert_frame_equal(features, features_before)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"features": np.zeros((240, 2))}, TypeError, "features must be a pandas DataFrame"),
        ({"features": pd.DataFrame({"a": np.zeros(5)})}, ValueError, "features has 5 rows"),
        ({"labels": np.zeros(240, int)}, ValueError, "at least 2 clusters"),
        ({"stability_seeds": [1]}, ValueError, "at least 2 distinct seeds"),
        ({"stability_seeds": [1, 1.5]}, TypeError, "stability_seeds must be integers"),
        ({"n_clusters": 0}, ValueError, "n_clusters must be >= 1"),
    ],
)
def test_bad_input_is_refused_at_the_edge(kwargs: dict, exc: type, match: str) -> None:
    X, labels, features = blobs()
    given = {"X": X, "labels": labels, "features": features, **kwargs}
    with pytest.raises(exc, match=match):
        validity_table(**given)
