"""Exact 1-D k-means against brute force, backend agreement, scikit-learn, bad input."""

from __future__ import annotations

from itertools import combinations, pairwise

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.cluster import KMeans as SkKMeans

from kmeans_np.kmeans_1d import KMeans1DResult, kmeans_1d

BACKENDS = ["numpy", "numba"]


def brute_force_inertia(x: np.ndarray, k: int) -> float:
    """Least within-cluster sum of squares over every split of sorted x into k contiguous runs.

    Runs may split equal values: the search space is larger than the DP's, not smaller.
    """
    s = np.sort(np.asarray(x, dtype=float))
    n = s.shape[0]
    best = np.inf
    for cuts in combinations(range(1, n), k - 1):
        bounds = (0, *cuts, n)
        total = sum(
            ((s[a:b] - s[a:b].mean()) ** 2).sum() for a, b in pairwise(bounds)
        )
        best = min(best, total)
    return float(best)


def direct_inertia(x: np.ndarray, labels: np.ndarray) -> float:
    """Sum of squared distances to the mean of each label's values, computed plainly."""
    x = np.asarray(x, dtype=float)
    return float(sum(((x[labels == c] - x[labels == c].mean()) ** 2).sum()
                     for c in np.unique(labels)))


def assert_valid_result(x: np.ndarray, res: KMeans1DResult, k: int) -> None:
    x = np.asarray(x, dtype=float)
    assert res.labels.dtype == np.int64
    assert res.labels.shape == x.shape
    assert set(res.labels.tolist()) == set(range(k))
    # numbered in increasing value order: labels never decrease along the sorted values,
    # so equal values share a cluster too
    order = np.argsort(x, kind="stable")
    assert (np.diff(res.labels[order]) >= 0).all()
    assert (np.diff(res.centers) > 0).all()
    means = np.array([x[res.labels == c].mean() for c in range(k)])
    np.testing.assert_allclose(res.centers, means, rtol=1e-12, atol=1e-12)
    assert res.inertia == pytest.approx(direct_inertia(x, res.labels), rel=1e-9, abs=1e-9)


# --- brute force ----------------------------------------------------------------------------


def _small_cases(n_cases: int = 120):
    rng = np.random.default_rng(2011)
    for case in range(n_cases):
        n = int(rng.integers(1, 13))
        if case % 2:
            x = rng.integers(0, 6, n).astype(float)  # many ties
        else:
            x = np.round(rng.normal(0, 3, n), 1)
        for k in range(1, min(4, np.unique(x).size) + 1):
            yield x, k


@pytest.mark.parametrize("backend", BACKENDS)
def test_equals_brute_force_on_small_inputs(backend: str) -> None:
    checked = 0
    for x, k in _small_cases():
        res = kmeans_1d(x, k, backend=backend)
        best = brute_force_inertia(x, k)
        assert res.inertia == pytest.approx(best, rel=1e-9, abs=1e-9), (x, k)
        assert direct_inertia(x, res.labels) == pytest.approx(best, rel=1e-9, abs=1e-9)
        assert_valid_result(x, res, k)
        checked += 1
    assert checked > 200


@given(
    st.lists(st.integers(-5, 5), min_size=1, max_size=10),
    st.integers(1, 4),
    st.sampled_from(BACKENDS),
)
def test_property_brute_force_and_permutation(values: list[int], k: int, backend: str) -> None:
    x = np.array(values, dtype=float) / 2
    k = min(k, np.unique(x).size)
    res = kmeans_1d(x, k, backend=backend)
    assert res.inertia == pytest.approx(brute_force_inertia(x, k), rel=1e-9, abs=1e-9)
    # permuting the input permutes the labels
    perm = np.random.default_rng(len(values)).permutation(x.size)
    res_p = kmeans_1d(x[perm], k, backend=backend)
    np.testing.assert_array_equal(res_p.labels, res.labels[perm])


# --- hand-worked examples -------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_hand_worked_example(backend: str) -> None:
    # {1, 2}, {10, 11}, {20}: centres 1.5, 10.5, 20; inertia 4 * 0.5**2 = 1
    res = kmeans_1d(np.array([10.0, 1, 20, 2, 11]), 3, backend=backend)
    np.testing.assert_array_equal(res.labels, [1, 0, 2, 0, 1])
    np.testing.assert_allclose(res.centers, [1.5, 10.5, 20.0])
    assert res.inertia == pytest.approx(1.0, abs=1e-12)
    assert isinstance(res, KMeans1DResult) and isinstance(res, tuple)


@pytest.mark.parametrize("backend", BACKENDS)
def test_exact_ties_follow_first_minimum_rule(backend: str) -> None:
    # {0},{1,2} and {0,1},{2} both cost 0.5: the last cluster starts as early as possible
    np.testing.assert_array_equal(kmeans_1d([0.0, 1.0, 2.0], 2, backend=backend).labels,
                                  [0, 1, 1])
    np.testing.assert_array_equal(
        kmeans_1d([2, 2, 1, 1, 0, 0], 2, backend=backend).labels, [1, 1, 1, 1, 0, 0]
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_k_equal_to_distinct_values_and_k_one(backend: str) -> None:
    x = np.array([3.0, 1.0, 3.0, 2.0])
    res = kmeans_1d(x, 3, backend=backend)
    np.testing.assert_array_equal(res.labels, [2, 0, 2, 1])
    assert res.inertia == 0.0
    res1 = kmeans_1d(x, 1, backend=backend)
    np.testing.assert_array_equal(res1.labels, [0, 0, 0, 0])
    assert res1.inertia == pytest.approx(((x - x.mean()) ** 2).sum(), abs=1e-12)


# --- backend agreement on larger inputs ----------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["ties", "lognormal", "offset"], ids=["many-ties", "lognormal", "big-offset"]
)
def test_numpy_and_numba_agree(kind: str) -> None:
    rng = np.random.default_rng(7)
    if kind == "ties":
        x = rng.integers(0, 150, 2000).astype(float)
    elif kind == "lognormal":
        x = rng.lognormal(3.0, 1.0, 2000)
    else:  # far from zero: the mean shift keeps the prefix sums accurate
        x = 1e9 + rng.integers(0, 400, 2000) * 0.25
    for k in (2, 3, 5, 8):
        a = kmeans_1d(x, k, backend="numpy")
        b = kmeans_1d(x, k, backend="numba")
        np.testing.assert_array_equal(a.labels, b.labels)
        assert a.inertia == pytest.approx(b.inertia, rel=1e-9)
        np.testing.assert_allclose(a.centers, b.centers, rtol=1e-12)
        assert_valid_result(x, b, k)


def test_translation_invariant_labels() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 1000, 500) * 0.5  # exactly representable after the shift too
    for k in (2, 4, 6):
        np.testing.assert_array_equal(kmeans_1d(x + 1e8, k).labels, kmeans_1d(x, k).labels)


# --- scikit-learn as a reference ------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_at_least_as_good_as_sklearn(k: int) -> None:
    rng = np.random.default_rng(k)
    x = np.concatenate([rng.exponential(30.0, 300), 1 + rng.poisson(4.0, 300)])
    ours = kmeans_1d(x, k)
    ref = SkKMeans(n_clusters=k, n_init=10, random_state=0).fit(x.reshape(-1, 1))
    assert ours.inertia <= ref.inertia_ * (1 + 1e-9)


# --- input forms, errors, no mutation -------------------------------------------------------


def test_accepts_column_series_and_one_column_frame() -> None:
    x = np.array([5.0, 1.0, 9.0, 2.0, 8.0])
    ref = kmeans_1d(x, 2)
    for form in (x.reshape(-1, 1), pd.Series(x, index=list("abcde")),
                 pd.DataFrame({"monetary": x}), x.tolist(), x.astype(np.int32)):
        res = kmeans_1d(form, 2)
        np.testing.assert_array_equal(res.labels, ref.labels)
        assert res.inertia == ref.inertia


@pytest.mark.parametrize(
    "bad, k, exc, match",
    [
        ([1.0, np.nan, 2.0], 2, ValueError, "NaN"),
        ([1.0, np.inf, 2.0], 2, ValueError, "infinity"),
        ([], 1, ValueError, "empty"),
        (np.ones((4, 2)), 1, ValueError, r"single feature.*\(4, 2\)"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), 1, ValueError, "single feature"),
        (pd.Series(["a", "b"]), 1, TypeError, "numbers"),
        ([1.0, 2.0, 3.0], 0, ValueError, ">= 1"),
        ([1.0, 2.0, 3.0], 2.5, TypeError, "integer"),
        ([1.0, 2.0, 3.0], True, TypeError, "integer"),
        ([1.0, 1.0, 2.0, 2.0, 2.0], 3, ValueError, "only 2 distinct value"),
    ],
    ids=["nan", "inf", "empty", "2d", "two-column-frame", "text", "k0", "k-float", "k-bool",
         "k-too-big"],
)
def test_bad_input(bad, k, exc, match) -> None:
    with pytest.raises(exc, match=match):
        kmeans_1d(bad, k)


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="backend"):
        kmeans_1d([1.0, 2.0], 1, backend="cuda")


def test_input_not_mutated() -> None:
    x = np.array([3.0, -1.0, 7.5, 3.0, 2.0, 10.0])
    x_before = x.copy()
    s = pd.Series(x.copy(), index=list("uvwxyz"))
    s_before = s.copy()
    for backend in BACKENDS:
        kmeans_1d(x, 3, backend=backend)
        kmeans_1d(x.reshape(-1, 1), 3, backend=backend)
        kmeans_1d(s, 3, backend=backend)
    np.testing.assert_array_equal(x, x_before)
    pd.testing.assert_series_equal(s, s_before)
