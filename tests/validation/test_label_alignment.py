"""One rule for pairing labels with rows, across every public function of ``validation``.

A labels Series beside a DataFrame ``X`` is matched by index: the same keys in another
order give the answer of the labels in ``X``'s order; missing, extra or repeated keys are
refused, naming the argument. An ndarray ``X`` keeps labels by position (scikit-learn's
convention). The expected values come from scikit-learn and scipy on the labels put in
``X``'s order by pandas (``reindex``), or from the simplified silhouette's formula
written out here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import sklearn.metrics as skm

import validation as V

IDS = [f"c{i:02d}" for i in range(12)]


def _case() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Three groups of four customers in 2-D, the labels on the customers, and the same
    customer → cluster pairs in a scrambled order."""
    rng = np.random.default_rng(7)
    groups = np.repeat([0, 1, 2], 4)
    values = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])[groups] + rng.normal(size=(12, 2))
    X = pd.DataFrame(values, index=IDS, columns=["r", "m"])
    labels = pd.Series(groups, index=IDS, name="cluster")
    scrambled = labels.iloc[rng.permutation(12)]
    assert not scrambled.index.equals(labels.index)
    pd.testing.assert_series_equal(scrambled.sort_index(), labels)  # the same pairs
    return X, labels, scrambled


def _simplified_by_hand(values: np.ndarray, labels: np.ndarray) -> float:
    """Mean of (b' - a') / max(a', b') with distances to the cluster means (Hruschka)."""
    classes = np.unique(labels)
    cent = np.array([values[labels == c].mean(axis=0) for c in classes])
    dist = np.sqrt(((values[:, None, :] - cent[None, :, :]) ** 2).sum(axis=2))
    own = np.searchsorted(classes, labels)
    a = dist[np.arange(len(values)), own]
    dist[np.arange(len(values)), own] = np.inf
    b = dist.min(axis=1)
    return float(np.mean((b - a) / np.maximum(a, b)))


#: each scoring function of X and labels, and its independent reference on arrays
SCORES: dict[str, tuple[Callable[[Any, Any], Any], Callable[[np.ndarray, np.ndarray], Any]]] = {
    "silhouette_score": (V.silhouette_score, skm.silhouette_score),
    "silhouette_samples": (V.silhouette_samples, skm.silhouette_samples),
    "calinski_harabasz_score": (V.calinski_harabasz_score, skm.calinski_harabasz_score),
    "davies_bouldin_score": (V.davies_bouldin_score, skm.davies_bouldin_score),
    "simplified_silhouette": (V.simplified_silhouette, _simplified_by_hand),
}


@pytest.mark.parametrize("name", SCORES)
def test_a_reordered_series_is_matched_to_the_rows(name: str) -> None:
    """The trial's case: the same customer → cluster pairs in another order give the
    answer of the labels in X's order (they were used by position: a scrambled
    clustering's score)."""
    ours, reference = SCORES[name]
    X, labels, scrambled = _case()
    x_before, lab_before = X.copy(), scrambled.copy()
    expected = reference(X.to_numpy(), scrambled.reindex(X.index).to_numpy())
    np.testing.assert_allclose(ours(X, scrambled), expected, rtol=1e-12)
    np.testing.assert_allclose(ours(X, labels), expected, rtol=1e-12)
    pd.testing.assert_frame_equal(X, x_before)  # the inputs are left as they were
    pd.testing.assert_series_equal(scrambled, lab_before)


@pytest.mark.parametrize("name", SCORES)
def test_an_ndarray_X_keeps_labels_by_position(name: str) -> None:
    """scikit-learn's convention: beside an ndarray, a Series' index is not a key."""
    ours, reference = SCORES[name]
    X, _, scrambled = _case()
    expected = reference(X.to_numpy(), scrambled.to_numpy())
    np.testing.assert_allclose(ours(X.to_numpy(), scrambled), expected, rtol=1e-12)


def _broken(labels: pd.Series) -> dict[str, pd.Series]:
    """Label Series whose keys are not X's: one missing, one extra, one given twice,
    another key type."""
    return {
        "missing": labels.iloc[1:],
        "extra": pd.concat([labels, pd.Series([0], index=["zz"])]),
        "twice": labels.set_axis([*IDS[:-1], IDS[0]]),
        "positions": labels.reset_index(drop=True),
    }


#: what each broken Series' message says about its keys
GAPS = {
    "missing": r"\(1 row\(s\) without a value, 0 value\(s\) for others\)",
    "extra": r"\(0 row\(s\) without a value, 1 value\(s\) for others\)",
    "twice": r"\(1 row\(s\) without a value, 0 value\(s\) for others, rows given twice\)",
    "positions": r"\(12 row\(s\) without a value, 12 value\(s\) for others, keys of type "
    r"int64 against (str|object)\)",
}


@pytest.mark.parametrize("broken", GAPS)
@pytest.mark.parametrize("name", SCORES)
def test_other_keys_are_refused_naming_labels(name: str, broken: str) -> None:
    ours, _ = SCORES[name]
    X, labels, _ = _case()
    with pytest.raises(ValueError, match=r"^labels is a Series whose index does not match "
                       r"X's index " + GAPS[broken] + r"; pass labels on X's index \(the "
                       r"same keys, in any order\), or labels.to_numpy\(\) to take them in "
                       r"X's row order\.$"):  # fmt: skip
        ours(X, _broken(labels)[broken])


def test_simplified_silhouette_with_centers_matches_the_labels_by_index() -> None:
    """With centres given the labels index their rows: still matched to X by key."""
    X, labels, scrambled = _case()
    centers = X.groupby(labels).mean().to_numpy()
    lab = labels.to_numpy()
    dist = np.sqrt(((X.to_numpy()[:, None, :] - centers[None]) ** 2).sum(axis=2))
    a = dist[np.arange(12), lab]
    dist[np.arange(12), lab] = np.inf
    expected = np.mean((dist.min(axis=1) - a) / np.maximum(a, dist.min(axis=1)))
    assert V.simplified_silhouette(X, scrambled, centers) == pytest.approx(expected, rel=1e-12)


def test_anova_table_refuses_what_the_other_measures_refuse() -> None:
    """anova_table already matched by index; it now also refuses the same customers
    counted twice in df's index (they matched the first of a Series' duplicates silently)
    and names its own arguments."""
    X, labels, scrambled = _case()
    expected = scipy.stats.f_oneway(*(X["r"][labels == g] for g in range(3))).statistic
    assert V.anova_table(X, ["r"], scrambled).loc["r", "F"] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match=r"^by is a Series whose index does not match df's "
                       r"index \(0 row\(s\) without a value, 1 value\(s\) for others"):
        V.anova_table(X, ["r"], _broken(labels)["extra"])
    doubled = X.set_axis([*IDS[:-1], IDS[0]])  # c00 twice, c11 missing
    with pytest.raises(ValueError, match=r"rows given twice in df's index"):
        V.anova_table(doubled, ["r"], labels.set_axis([*IDS[:-2], IDS[0], "zz"]))


def _validity_reference(X: pd.DataFrame, labels: np.ndarray) -> dict[str, float]:
    """The figures of validity_table that do not depend on K-means runs, from
    scikit-learn and scipy."""
    return {
        "silhouette": skm.silhouette_score(X, labels),
        "calinski_harabasz": skm.calinski_harabasz_score(X, labels),
        "davies_bouldin": skm.davies_bouldin_score(X, labels),
        **{
            f"anova_F {col}": scipy.stats.f_oneway(
                *(X[col].to_numpy()[labels == g] for g in np.unique(labels))
            ).statistic
            for col in X.columns
        },
    }


def _figures(table: pd.DataFrame) -> dict[str, float]:
    keys = (table["metric"] + (" " + table["feature"]).where(table["feature"] != "", ""))
    figures = dict(zip(keys, table["value"], strict=True))
    return {k: v for k, v in figures.items() if not k.startswith("stability")}


def test_validity_table_matches_labels_and_features_to_X() -> None:
    """Labels and features in another order are matched to X's index, as anova_table
    and the scores match them."""
    X, labels, scrambled = _case()
    expected = _validity_reference(X, labels.to_numpy())
    features = X.iloc[::-1]
    feat_before = features.copy()
    table = V.validity_table(X, scrambled, features, stability_seeds=range(2))
    got = _figures(table)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key
    pd.testing.assert_frame_equal(features, feat_before)
    with pytest.raises(ValueError, match=r"^labels is a Series whose index does not match "
                       r"X's index"):
        V.validity_table(X, _broken(labels)["missing"], X, stability_seeds=range(2))
    with pytest.raises(ValueError, match=r"^features is a DataFrame whose index does not "
                       r"match X's index \(1 row\(s\) without a value, 0 value\(s\) for "
                       r"others\); pass features on X's index"):
        V.validity_table(X, labels, X.iloc[1:], stability_seeds=range(2))


def test_validity_table_with_an_ndarray_X_matches_labels_to_features() -> None:
    """Without keys in X, features' rows are X's and a labels Series describes them: it
    is matched to features' index, as anova_table(features, ..., labels) matches it."""
    X, labels, scrambled = _case()
    expected = _validity_reference(X, labels.to_numpy())
    got = _figures(V.validity_table(X.to_numpy(), scrambled, X, stability_seeds=range(2)))
    for key in ("silhouette", "calinski_harabasz", "anova_F r", "anova_F m"):
        assert got[key] == pytest.approx(expected[key], rel=1e-12), key
    # an array is taken in row order, whatever features' index
    positional = _validity_reference(X, scrambled.to_numpy())
    got = _figures(V.validity_table(X.to_numpy(), scrambled.to_numpy(), X,
                                    stability_seeds=range(2)))  # fmt: skip
    assert got["silhouette"] == pytest.approx(positional["silhouette"], rel=1e-12)
    with pytest.raises(ValueError, match=r"^labels is a Series whose index does not match "
                       r"features' index"):
        V.validity_table(X.to_numpy(), _broken(labels)["extra"], X, stability_seeds=range(2))
