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


# -- the stability rows follow n_clusters, the seeds and the sample size --------------


def structureless() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Uniform points: K-means runs differ from seed to seed, so the ARIs tell seeds apart."""
    rng = np.random.default_rng(11)
    X = rng.random((120, 2))
    labels = (X[:, 0] > 0.5).astype(int) + 2 * (X[:, 1] > 0.5)
    return X, labels, pd.DataFrame({"x": X[:, 0]})


def sklearn_aris(X: np.ndarray, k: int, seeds: list[int]) -> tuple[float, float]:
    runs = [KMeans(k, random_state=s).fit(X).labels_ for s in seeds]
    aris = [skm.adjusted_rand_score(a, b) for a, b in itertools.combinations(runs, 2)]
    return float(np.mean(aris)), float(min(aris))


def stability_rows(table: pd.DataFrame) -> tuple[float, float]:
    row = table.set_index("metric")["value"]
    return float(row["stability_mean_ari"]), float(row["stability_min_ari"])


def by_value(X: np.ndarray) -> np.ndarray:
    """X's rows in the order the stability runs take them (kmeans_np.row_order, whose own
    tests prove that it depends on the rows' values alone)."""
    from kmeans_np.row_order import value_order

    return X[value_order(X)]


def test_stability_uses_the_given_n_clusters_and_seeds() -> None:
    X, labels, features = structureless()  # 4 label groups
    seeds = [10, 20, 30]
    expected = sklearn_aris(by_value(X), 3, seeds)
    # the test can tell: other k or other seeds give other figures
    assert expected != pytest.approx(sklearn_aris(by_value(X), 4, seeds), rel=1e-9)
    assert expected != pytest.approx(sklearn_aris(by_value(X), 3, [0, 1, 2]), rel=1e-9)
    table = validity_table(X, labels, features, n_clusters=3, stability_seeds=seeds)
    assert stability_rows(table) == pytest.approx(expected, rel=1e-12)
    assert table["note"].iloc[-1] == "K-means over seeds [10, 20, 30]"
    default = validity_table(X, labels, features, stability_seeds=seeds)  # k = 4 labels
    assert stability_rows(default) == pytest.approx(sklearn_aris(by_value(X), 4, seeds),
                                                    rel=1e-12)  # fmt: skip
    # the rows' own order changes nothing
    perm = np.random.default_rng(3).permutation(len(X))
    again = validity_table(X[perm], labels[perm], features.iloc[perm], n_clusters=3,
                           stability_seeds=seeds)  # fmt: skip
    assert stability_rows(again) == stability_rows(table)


def test_the_stability_sample_is_drawn_with_the_smallest_seed() -> None:
    X, labels, features = structureless()
    seeds = [30, 10, 20]
    # documented: a uniform sample without replacement, seeded by the smallest seed
    pick = np.sort(np.random.default_rng(10).choice(120, 60, replace=False))
    expected = sklearn_aris(by_value(X)[pick], 4, seeds)
    assert expected != pytest.approx(
        sklearn_aris(by_value(X)[np.sort(np.random.default_rng(30).choice(120, 60,
                                                                          replace=False))],
                     4, seeds), rel=1e-9)  # fmt: skip
    table = validity_table(X, labels, features, stability_seeds=seeds,
                           stability_sample_size=60)  # fmt: skip
    assert stability_rows(table) == pytest.approx(expected, rel=1e-12)
    assert table["note"].iloc[-1] == (
        "K-means over seeds [30, 10, 20] on a random sample of 60 customers")


def test_a_sample_as_large_as_the_data_is_no_sample() -> None:
    X, labels, features = structureless()
    table = validity_table(X, labels, features, stability_seeds=[1, 2],
                           stability_sample_size=120)  # fmt: skip
    assert table["note"].iloc[-1] == "K-means over seeds [1, 2]"
    assert stability_rows(table) == pytest.approx(sklearn_aris(by_value(X), 4, [1, 2]),
                                                  rel=1e-12)  # fmt: skip


def test_repeated_seeds_and_one_point_per_cluster_are_refused() -> None:
    X, labels, features = structureless()
    with pytest.raises(ValueError, match=r"at least 2 distinct seeds, got \[1, 1, 2\]"):
        validity_table(X, labels, features, stability_seeds=[1, 1, 2])
    with pytest.raises(ValueError, match="at most n_samples - 1 = 119 clusters"):
        validity_table(X, np.arange(120), features)


def test_a_given_silhouette_of_zero_is_kept() -> None:
    X, labels, features = structureless()
    table = validity_table(X, labels, features, silhouette=0.0, stability_seeds=[1, 2])
    assert table["value"].iloc[0] == 0.0
    assert skm.silhouette_score(X, labels) > 0.3  # what computing it would have given
