"""Hypothesis properties of a fitted KMeans, on both backends.

Data: 5-60 distinct rows, 1-4 features, k from 1 to min(n, 5). Distinct rows mean every
cluster can be filled, so no "fewer distinct clusters" case arises.

* labels are nearest centres (brute-force distances; an exact tie may go either way);
* ``inertia_`` is the direct weighted sum of squared distances;
* with tol=0 (strict convergence) every centre is the weighted mean of its points;
* permuting the rows permutes the labels and leaves the centres unchanged (exactly, on
  grid data whose column means are exactly 0: the fit centres the data on its means, as
  scikit-learn does, and other means would be rounded).
"""

from __future__ import annotations

import numpy as np
import pytest
from _kmeans_helpers import BACKENDS, direct_inertia, sq_distances
from hypothesis import assume, given
from hypothesis import strategies as st

from kmeans_np import KMeans


@st.composite
def problems(draw, grid=False, weighted=None):
    """(X, k, sample_weight or None) with distinct rows.

    ``grid=True`` draws multiples of 1/4 in [-100, 100] times a power of two with integer
    weights: every sum Lloyd forms is then exact in float64, so the order of summation
    cannot matter (used by the permutation property). Otherwise any finite float in
    [-1e3, 1e3] rounded to 6 decimals, and real weights in [0.1, 10].
    """
    n = draw(st.integers(5, 60))
    d = draw(st.integers(1, 4))
    if grid:
        coord = st.integers(-400, 400).map(lambda v: v / 4)
    else:
        # rounded to 1e-6 so distinct rows stay distinct after squaring (1e-200 and 0
        # differ, but their squared distance underflows to 0: K-means cannot tell them
        # apart and would rightly warn about fewer distinct clusters)
        coord = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).map(
            lambda v: round(v, 6))
    rows = draw(st.lists(st.tuples(*[coord] * d), min_size=n, max_size=n,
                         unique_by=lambda r: tuple(v + 0.0 for v in r)))  # -0.0 == 0.0
    X = np.array(rows, dtype=float)
    if grid:
        X *= 2.0 ** draw(st.integers(-8, 8))
    k = draw(st.integers(1, min(n, 5)))
    if weighted is None:
        weighted = draw(st.booleans())
    w = None
    if weighted:
        wt = st.integers(1, 5) if grid else st.floats(0.1, 10.0)
        w = np.array(draw(st.lists(wt, min_size=n, max_size=n)), dtype=float)
    return X, k, w


def scale_of(X):
    """Largest squared magnitude in X: the size of the distances, for absolute tolerances."""
    return float(np.max(X**2)) + 1.0


@pytest.mark.parametrize("backend", BACKENDS)
@given(problem=problems(), seed=st.integers(0, 2**16))
def test_labels_are_nearest_centres(backend, problem, seed):
    X, k, w = problem
    km = KMeans(k, random_state=seed, backend=backend).fit(X, sample_weight=w)
    d2 = sq_distances(X, km.cluster_centers_)
    own = d2[np.arange(len(X)), km.labels_]
    # own distance is the minimum; an exact tie (to rounding) may go to either centre
    assert (own <= d2.min(axis=1) + 1e-12 * scale_of(X)).all()
    assert km.labels_.dtype == np.int64
    assert set(np.unique(km.labels_)) <= set(range(k))


@pytest.mark.parametrize("backend", BACKENDS)
@given(problem=problems(), seed=st.integers(0, 2**16))
def test_inertia_is_direct_sum(backend, problem, seed):
    X, k, w = problem
    km = KMeans(k, init="random", n_init=3, random_state=seed, backend=backend).fit(
        X, sample_weight=w
    )
    expected = direct_inertia(X, km.cluster_centers_, km.labels_, w)
    assert km.inertia_ == pytest.approx(expected, rel=1e-9, abs=1e-12 * scale_of(X))
    assert km.score(X, sample_weight=w) == pytest.approx(
        -expected, rel=1e-9, abs=1e-12 * scale_of(X)
    )


@pytest.mark.parametrize("backend", BACKENDS)
@given(problem=problems(), seed=st.integers(0, 2**16))
def test_strictly_converged_centres_are_weighted_means(backend, problem, seed):
    X, k, w = problem
    km = KMeans(k, tol=0.0, max_iter=10_000, random_state=seed, backend=backend).fit(
        X, sample_weight=w
    )
    assert km.n_iter_ < 10_000  # stopped because no label changed
    weights = np.ones(len(X)) if w is None else w
    assert len(np.unique(km.labels_)) == k  # distinct rows: no cluster left empty
    for j in range(k):
        mine = km.labels_ == j
        mean = (weights[mine, None] * X[mine]).sum(0) / weights[mine].sum()
        np.testing.assert_allclose(km.cluster_centers_[j], mean, rtol=1e-9,
                                   atol=1e-12 * np.sqrt(scale_of(X)))


@pytest.mark.parametrize("backend", BACKENDS)
@given(problem=problems(grid=True), data=st.data())
def test_permuting_rows_permutes_labels(backend, problem, data):
    """With a given init array, fitting X[perm] gives labels[perm] and the same centres
    (exact: grid data makes every sum exact, so no rounding depends on the row order).

    A last row makes every column sum exactly 0: the fit subtracts the column means
    before clustering, and a mean of 0 is the one that leaves the grid exact."""
    X, k, w = problem
    closing = -X.sum(axis=0, keepdims=True)  # exact on the grid
    assume(not (closing == X).all(axis=1).any())  # rows stay distinct
    X = np.vstack([X, closing])
    w = None if w is None else np.append(w, 1.0)
    assert (X.mean(axis=0) == 0).all()
    perm = np.array(data.draw(st.permutations(range(len(X)))))
    init = X[:k].copy()  # distinct rows as starting centres
    a = KMeans(k, init=init, backend=backend).fit(X, sample_weight=w)
    b = KMeans(k, init=init, backend=backend).fit(
        X[perm], sample_weight=None if w is None else w[perm]
    )
    np.testing.assert_array_equal(b.labels_, a.labels_[perm])
    np.testing.assert_array_equal(b.cluster_centers_, a.cluster_centers_)
    assert b.n_iter_ == a.n_iter_
    assert b.inertia_ == pytest.approx(a.inertia_, rel=1e-12, abs=1e-12)
