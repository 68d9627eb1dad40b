"""``elbow`` on seed 002's table against scikit-learn, and the knee rule.

Seed 002 prints wrong WCSS values (e.g. 0.4312 for k = 4); the expected values here
come from scikit-learn with 200 starts per k, an independent computation.
"""

from __future__ import annotations

import numpy as np
import pytest
from _kmeans_helpers import BACKENDS, seed002_table
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs

from kmeans_np import elbow
from kmeans_np.elbow import chord_gaps, knee

# --- elbow on seed 002 ----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed002():
    """Seed 002's scaled table and scikit-learn's best inertia for k = 2..7 (200 starts)."""
    X = seed002_table()
    ks = list(range(2, 8))
    ref = np.array([SkKMeans(k, n_init=200, random_state=0).fit(X).inertia_ for k in ks])
    return X, ks, ref


@pytest.mark.parametrize("backend", BACKENDS)
def test_elbow_on_seed002_matches_sklearn(seed002, backend):
    X, ks, ref = seed002
    table = elbow(X, range(2, 8), n_init=10, random_state=0, backend=backend)
    assert list(table.columns) == ["k", "inertia", "drop", "drop_pct", "suggested"]
    assert table["k"].tolist() == ks
    np.testing.assert_allclose(table["inertia"], ref, rtol=1e-9)
    # drops from scikit-learn's inertias: J(k-1) - J(k), and as % of J(k-1)
    assert np.isnan(table["drop"].iloc[0]) and np.isnan(table["drop_pct"].iloc[0])
    np.testing.assert_allclose(table["drop"].iloc[1:], ref[:-1] - ref[1:], rtol=1e-9)
    np.testing.assert_allclose(table["drop_pct"].iloc[1:], (ref[:-1] - ref[1:]) / ref[:-1] * 100,
                               rtol=1e-9)
    # the seed prints WCSS 0.4312 for k = 4; the true optimum is 0.505
    assert round(float(table.loc[table["k"] == 4, "inertia"].iloc[0]), 3) == 0.505
    assert round(float(ref[2]), 3) == 0.505
    assert table.attrs["suggested_k"] == 4
    assert table["suggested"].tolist() == [k == 4 for k in ks]


def test_seed002_knee_is_4_from_sklearn_inertias(seed002):
    """Kneedle worked out on scikit-learn's inertias, independently of kmeans_np:
    x = (k − 2)/5, y = (J − J_min)/(J_max − J_min), knee = argmax (1 − x) − y.
    With J ≈ 2.0497, 0.8903, 0.5050, 0.2922, 0.2074, 0.1375 the scores are about
    0, 0.406, 0.408, 0.319, 0.163, 0: k = 4, narrowly ahead of k = 3."""
    _, ks, ref = seed002
    x = (np.array(ks) - 2) / 5
    y = (ref - ref.min()) / (ref.max() - ref.min())
    assert ks[int(np.argmax((1 - x) - y))] == 4
    assert knee(np.array(ks, dtype=float), ref) == 4


# --- the knee rule on a hand-made curve -----------------------------------------------


def test_knee_on_hand_made_curve():
    """k = 1..6, J = 100, 40, 10, 8, 7, 6.5.
    x = (k − 1)/5 = 0, .2, .4, .6, .8, 1;  y = (J − 6.5)/93.5
      = 1, .3583, .0374, .0160, .0053, 0;
    (1 − x) − y = 0, .4417, .5626, .3840, .1947, 0  → maximum at k = 3."""
    ks = np.arange(1, 7, dtype=float)
    assert knee(ks, np.array([100, 40, 10, 8, 7, 6.5])) == 3


def test_knee_edge_cases():
    """Fewer than three points: no knee; a flat curve: the smallest k."""
    assert knee(np.array([1.0, 2.0]), np.array([5.0, 1.0])) is None
    assert knee(np.array([2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0])) == 2


def test_chord_gaps_on_hand_made_curve():
    """The gaps below the chord of the curve above, worked out by hand in its docstring:
    0, .4417, .5626, .3840, .1947, 0 (exactly 0, 0.3 + 0.4 − 0.6583..., ...)."""
    ks = np.arange(1, 7, dtype=float)
    J = np.array([100, 40, 10, 8, 7, 6.5])
    by_hand = np.array([0, 0.8 - 33.5 / 93.5, 0.6 - 3.5 / 93.5, 0.4 - 1.5 / 93.5,
                        0.2 - 0.5 / 93.5, 0])  # fmt: skip
    np.testing.assert_allclose(chord_gaps(ks, J), by_hand, atol=1e-15)
    assert chord_gaps(np.array([1.0, 2.0]), np.array([5.0, 1.0])) is None  # < 3 points
    assert chord_gaps(np.array([2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0])) is None  # flat


def test_elbow_hand_made_blobs_suggests_true_k():
    """Three tight blobs at the corners of a triangle (side 10, std 0.3): the Kneedle
    knee of k = 1..6 is k = 3 (J drops ~2/3 from k = 1 to 2, then to ~0 at k = 3)."""
    X, _ = make_blobs(300, centers=[[0, 0], [10, 0], [5, 8.66]], cluster_std=0.3,
                      random_state=93)
    table = elbow(X, range(1, 7), n_init=5, random_state=0)
    assert table.attrs["suggested_k"] == 3
    assert (table["drop"].iloc[1:] > 0).all()  # inertia falls with k
