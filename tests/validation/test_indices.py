"""CH / DB / ARI and centroid distances against scikit-learn and scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from _validation_cases import case_clusters
from scipy.spatial.distance import cdist

from validation import (
    adjusted_rand_score,
    calinski_harabasz_score,
    centroid_distances,
    davies_bouldin_score,
)

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


def test_review_messages_and_edges() -> None:
    """Found in review: the ARI length message names labels_true (there is no X), and
    ab_report refuses a text column even when its kind is given explicitly."""
    import pandas as pd

    from validation import ab_report, adjusted_rand_score

    with pytest.raises(ValueError, match="labels_pred has 3 values but labels_true has 2 values"):
        adjusted_rand_score([0, 1], [0, 1, 1])
    df = pd.DataFrame({"arm": ["A", "A", "B", "B"], "note": ["x", "y", "z", "w"]})
    with pytest.raises(TypeError, match=r"^group 'A' holds text \('x' in row 0\): 'note' must "
                                        r"be numbers \(0/1 for a yes/no metric\)\.$"):
        ab_report(df, "arm", {"note": "continuous"})


def test_adjusted_rand_score_of_two_series_matches_them_by_index() -> None:
    """Two Series are paired by index (the project's rule), arrays by position: the
    expected values are scikit-learn's on the labels put in one order by pandas."""
    ids = [f"c{i}" for i in range(8)]
    a = pd.Series([0, 0, 0, 1, 1, 1, 2, 2], index=ids)
    b = pd.Series([1, 1, 0, 0, 0, 2, 2, 2], index=ids)
    scrambled = b.iloc[[7, 2, 5, 0, 3, 6, 1, 4]]
    want = skm.adjusted_rand_score(a.to_numpy(), scrambled.reindex(a.index).to_numpy())
    assert adjusted_rand_score(a, scrambled) == pytest.approx(want, abs=1e-14)
    assert adjusted_rand_score(a, b) == pytest.approx(want, abs=1e-14)
    by_position = skm.adjusted_rand_score(a.to_numpy(), scrambled.to_numpy())
    assert by_position != pytest.approx(want, abs=1e-6)  # the pairing matters here
    assert adjusted_rand_score(a.to_numpy(), scrambled.to_numpy()) == pytest.approx(
        by_position, abs=1e-14
    )
    assert adjusted_rand_score(a, scrambled.to_numpy()) == pytest.approx(by_position,
                                                                          abs=1e-14)
    with pytest.raises(ValueError, match=r"^labels_pred is a Series whose index does not "
                                         r"match labels_true's index \(1 row\(s\) without a "
                                         r"value, 1 value\(s\) for others\)"):
        adjusted_rand_score(a, pd.Series(b.to_numpy(), index=[*ids[:-1], "zz"]))
    with pytest.raises(ValueError, match=r"rows given twice"):
        adjusted_rand_score(a, pd.Series(b.to_numpy(), index=[*ids[:-1], "c0"]))
