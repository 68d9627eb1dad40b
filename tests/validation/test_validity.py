"""validation.validity_table against scikit-learn and scipy, figure by figure."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics

from kmeans_np import KMeans
from validation import validity_table


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [4.0, 0.5], [1.0, 5.0]])
    labels = np.repeat([0, 1, 2], [40, 50, 30])
    X = centres[labels] + rng.normal(0.0, 0.7, (len(labels), 2))
    features = pd.DataFrame({"a": X[:, 0] * 3 + 1, "b": rng.gamma(2.0, 1.0, len(labels))})
    return X, labels, features


def test_every_figure_matches_an_independent_reference(blobs) -> None:
    X, labels, features = blobs
    seeds = [3, 4, 5]
    table = validity_table(X, labels, features, n_clusters=3, seeds=seeds)
    assert list(table.columns) == ["metric", "feature", "value", "p_value", "eta_squared", "note"]
    by = table.set_index(["metric", "feature"])
    assert by.loc[("silhouette", ""), "value"] == pytest.approx(
        metrics.silhouette_score(X, labels), rel=1e-10
    )
    for feat in features.columns:
        groups = [features.loc[labels == g, feat] for g in range(3)]
        ref = stats.f_oneway(*groups)
        values = features[feat].to_numpy()
        ss_between = sum(len(g) * (g.mean() - values.mean()) ** 2 for g in groups)
        eta = ss_between / ((values - values.mean()) ** 2).sum()
        row = by.loc[("anova_F", feat)]
        assert row["value"] == pytest.approx(ref.statistic, rel=1e-10)
        assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
        assert row["eta_squared"] == pytest.approx(eta, rel=1e-10)
    assert by.loc[("calinski_harabasz", ""), "value"] == pytest.approx(
        metrics.calinski_harabasz_score(X, labels), rel=1e-10
    )
    assert by.loc[("davies_bouldin", ""), "value"] == pytest.approx(
        metrics.davies_bouldin_score(X, labels), rel=1e-10
    )
    runs = [KMeans(3, random_state=s).fit(X).labels_ for s in seeds]
    ari = [metrics.adjusted_rand_score(a, b) for a, b in itertools.combinations(runs, 2)]
    assert by.loc[("stability_mean_ari", ""), "value"] == pytest.approx(np.mean(ari))
    assert by.loc[("stability_min_ari", ""), "value"] == pytest.approx(np.min(ari))


def test_a_known_silhouette_is_used_as_given(blobs) -> None:
    X, labels, features = blobs
    table = validity_table(X, labels, features[["a"]], n_clusters=3, silhouette=0.123)
    assert table.loc[table["metric"] == "silhouette", "value"].item() == 0.123
    assert table["metric"].tolist() == [
        "silhouette", "anova_F", "calinski_harabasz", "davies_bouldin",
        "stability_mean_ari", "stability_min_ari",
    ]  # fmt: skip
