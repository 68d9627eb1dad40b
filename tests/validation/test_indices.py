"""ANOVA, CH / DB / ARI, centroid distances and the simplified silhouette vs independent refs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import sklearn.metrics as skm
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans as SkKMeans

from rfm.datasets import case_study_customers
from validation import (
    adjusted_rand_score,
    anova_table,
    calinski_harabasz_score,
    centroid_distances,
    davies_bouldin_score,
    f_oneway,
    simplified_silhouette,
)

# Seed 002's 20-customer table (its printed statistics are wrong; only the inputs are used).
CASE = case_study_customers()[["recency_days", "frequency", "monetary"]]


def case_clusters() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min-max scaled case table (recency inverted) and scikit-learn K-means, k = 4."""
    X = ((CASE - CASE.min()) / (CASE.max() - CASE.min())).to_numpy(copy=True)
    X[:, 0] = 1 - X[:, 0]
    km = SkKMeans(4, n_init=20, random_state=0).fit(X)
    return X, km.labels_, km.cluster_centers_


# ---------------------------------------------------------------- f_oneway / anova_table


@pytest.mark.parametrize("sizes", [(5, 5, 5), (3, 17, 8, 2), (2, 1000), (40, 41)])
def test_f_oneway_matches_scipy(sizes) -> None:
    rng = np.random.default_rng(sum(sizes))
    groups = [rng.normal(loc=0.3 * j, size=s) for j, s in enumerate(sizes)]
    ours = f_oneway(*groups)
    ref = scipy.stats.f_oneway(*groups)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)
    assert (ours.df_between, ours.df_within) == (len(sizes) - 1, sum(sizes) - len(sizes))
    # eta² from its definition, computed independently: 1 - SS_within / SS_total
    allv = np.concatenate(groups)
    ss_w = sum(((g - g.mean()) ** 2).sum() for g in groups)
    assert ours.eta_squared == pytest.approx(1 - ss_w / ((allv - allv.mean()) ** 2).sum(),
                                             rel=1e-12)


def test_f_oneway_textbook_numbers() -> None:
    # [1,2,3] vs [4,5,6]: SSB = 13.5, SSW = 4 -> F = 13.5 / (4/4) = 13.5, eta² = 13.5/17.5
    r = f_oneway([1, 2, 3], [4, 5, 6])
    assert r.statistic == pytest.approx(13.5, rel=1e-14)
    assert r.eta_squared == pytest.approx(13.5 / 17.5, rel=1e-14)
    assert r.pvalue == pytest.approx(scipy.stats.f.sf(13.5, 1, 4), rel=1e-14)


def test_f_oneway_edge_cases() -> None:
    with pytest.raises(ValueError, match="at least 2 groups"):
        f_oneway([1, 2, 3])
    with pytest.raises(ValueError, match="identical"):
        f_oneway([2, 2], [2, 2, 2])
    with pytest.raises(ValueError, match="more values"):
        f_oneway([1], [2])
    with pytest.raises(ValueError, match="empty"):
        f_oneway([1, 2], [])
    with pytest.raises(ValueError, match="NaN"):
        f_oneway([1, np.nan], [2, 3])
    with pytest.warns(RuntimeWarning, match="constant"):
        r = f_oneway([1, 1], [2, 2])
    assert r.statistic == np.inf and r.pvalue == 0.0 and r.eta_squared == 1.0


def test_anova_table_on_seed_002_case_matches_scipy() -> None:
    _, labels, _ = case_clusters()
    df = CASE.assign(cluster=labels)
    before = df.copy()
    table = anova_table(df, ["recency_days", "frequency", "monetary"], "cluster")
    pd.testing.assert_frame_equal(df, before)
    assert list(table.columns) == ["F", "p_value", "eta_squared", "df_between", "df_within",
                                   "significance"]
    for feat in CASE.columns:
        ref = scipy.stats.f_oneway(*[CASE[feat][labels == c] for c in range(4)])
        assert table.loc[feat, "F"] == pytest.approx(ref.statistic, rel=1e-12)
        assert table.loc[feat, "p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
        p = ref.pvalue
        expected = "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "ns"
        assert table.loc[feat, "significance"] == expected
    # `by` may also be an array of labels; a single column name works too
    one = anova_table(CASE, "frequency", labels)
    assert one.index.tolist() == ["frequency"]
    assert one.loc["frequency", "F"] == table.loc["frequency", "F"]
    # a Series is aligned on the index, not taken by position
    indexed = CASE.set_axis([f"C{i:03d}" for i in range(1, 21)])
    shuffled = pd.Series(labels, index=indexed.index).iloc[::-1]
    aligned = anova_table(indexed, ["frequency"], shuffled)
    assert aligned.loc["frequency", "F"] == table.loc["frequency", "F"]
    with pytest.raises(ValueError, match="index does not match"):
        anova_table(indexed, ["frequency"], pd.Series(labels))
    with pytest.raises(ValueError, match="neither a column"):
        anova_table(indexed, ["frequency"], "cluster")


def test_anova_table_constant_feature_and_errors() -> None:
    df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "const": 7.0, "g": [0, 0, 0, 1, 1, 1]})
    t = anova_table(df, ["x", "const"], "g")
    assert t.loc["const", "significance"] == "constant" and np.isnan(t.loc["const", "F"])
    assert t.loc["x", "F"] == pytest.approx(scipy.stats.f_oneway([1, 2, 3], [4, 5, 6]).statistic)
    with pytest.raises(ValueError, match="missing column"):
        anova_table(df, ["nope"], "g")
    with pytest.raises(ValueError, match="3 values but X has 6"):
        anova_table(df, ["x"], [0, 1, 0])
    with pytest.raises(TypeError, match="DataFrame"):
        anova_table(df.to_numpy(), ["x"], "g")


# ---------------------------------------------------------------- CH / DB / ARI


@pytest.mark.parametrize("seed", range(4))
def test_ch_db_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = 2 + seed
    labels = rng.integers(0, k, 300)
    X = rng.normal(size=(k, 3))[labels] * 4 + rng.normal(size=(300, 3))
    assert calinski_harabasz_score(X, labels) == pytest.approx(
        skm.calinski_harabasz_score(X, labels), rel=1e-12
    )
    assert davies_bouldin_score(X, labels) == pytest.approx(
        skm.davies_bouldin_score(X, labels), rel=1e-12
    )


def test_ch_db_on_case_and_edge_cases() -> None:
    X, labels, _ = case_clusters()
    assert calinski_harabasz_score(X, labels) == pytest.approx(
        skm.calinski_harabasz_score(X, labels), rel=1e-12
    )
    assert davies_bouldin_score(X, labels) == pytest.approx(
        skm.davies_bouldin_score(X, labels), rel=1e-12
    )
    tight = np.array([[0.0, 0], [0, 0], [3, 4], [3, 4]])
    assert calinski_harabasz_score(tight, [0, 0, 1, 1]) == np.inf
    assert davies_bouldin_score(tight, [0, 0, 1, 1]) == 0.0
    with pytest.raises(ValueError, match="at least 2 clusters"):
        calinski_harabasz_score(X, np.zeros(20, int))
    with pytest.raises(ValueError, match="at most"):
        davies_bouldin_score(X, np.arange(20))
    with pytest.raises(ValueError, match="identical"):
        calinski_harabasz_score(np.ones((4, 2)), [0, 0, 1, 1])


@pytest.mark.parametrize("seed", range(5))
def test_ari_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = [2, 10, 100, 1000, 5000][seed]
    a = rng.integers(0, 1 + seed * 2, n)
    b = np.where(rng.random(n) < 0.7, a, rng.integers(0, 5, n))
    assert adjusted_rand_score(a, b) == pytest.approx(skm.adjusted_rand_score(a, b), abs=1e-14)


def test_ari_special_cases() -> None:
    assert adjusted_rand_score([0, 0, 1, 1], ["b", "b", "a", "a"]) == 1.0  # renaming
    assert adjusted_rand_score([0, 0, 0], [1, 1, 1]) == 1.0  # both one cluster
    assert adjusted_rand_score([0, 1, 2], [2, 0, 1]) == 1.0  # both all singletons
    for a, b in [([0, 0, 0, 0], [0, 1, 2, 3]), ([0, 0, 1, 1], [0, 1, 0, 1])]:
        assert adjusted_rand_score(a, b) == pytest.approx(skm.adjusted_rand_score(a, b))
    with pytest.raises(ValueError, match="labels_pred has 3 values but labels_true has 4 values"):
        adjusted_rand_score([0, 1, 0, 1], [0, 1, 0])


# ---------------------------------------------------------------- centroid distances


def test_centroid_distances_matches_cdist() -> None:
    _, _, centers = case_clusters()
    D = centroid_distances(centers)
    assert list(D.index) == list(D.columns) == ["C0", "C1", "C2", "C3"]
    np.testing.assert_allclose(D.to_numpy(), cdist(centers, centers), rtol=1e-14, atol=0)
    np.testing.assert_array_equal(np.diag(D.to_numpy()), 0.0)
    named = pd.DataFrame(centers, index=["gold", "silver", "bronze", "lapsed"])
    assert list(centroid_distances(named).columns) == ["gold", "silver", "bronze", "lapsed"]
    with pytest.raises(ValueError, match="2-D"):
        centroid_distances([1.0, 2.0])


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


def test_review_messages_and_edges() -> None:
    """Found in review: the ARI length message names labels_true (there is no X), and
    ab_report refuses a text column even when its kind is given explicitly."""
    import pandas as pd

    from validation import ab_report, adjusted_rand_score

    with pytest.raises(ValueError, match="labels_pred has 3 values but labels_true has 2 values"):
        adjusted_rand_score([0, 1], [0, 1, 1])
    df = pd.DataFrame({"arm": ["A", "A", "B", "B"], "note": ["x", "y", "z", "w"]})
    with pytest.raises(TypeError, match="not numeric"):
        ab_report(df, "arm", {"note": "continuous"})
