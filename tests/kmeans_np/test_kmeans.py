"""KMeans against scikit-learn, the independent reference.

* Same X, same initial centres, ``n_init=1``, scikit-learn ``algorithm="lloyd"``: the
  same labels and iteration count, centres and inertia equal to 1e-9 relative. The
  1e-9 (not exact) allows for rounding: scikit-learn centres X before clustering and
  sums in its own chunk order.
* k-means++ / multi-init reach scikit-learn's default-fit inertia within 1 %.
* ``predict``, ``transform``, ``score`` equal scikit-learn's on identical centres.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _kmeans_helpers import BACKENDS, blob_data, positive_weights, rfm_data
from sklearn.cluster import KMeans as SkKMeans

from kmeans_np import KMeans

RTOL = 1e-9
CASES = [(300, 2, 3), (1000, 3, 4), (2000, 5, 8), (500, 3, 6)]


def fit_both(X, init, backend, sample_weight=None, **params):
    """Fit ours and scikit-learn's Lloyd from the same initial centres."""
    k = init.shape[0]
    ours = KMeans(k, init=init, n_init=1, backend=backend, **params).fit(
        X, sample_weight=sample_weight
    )
    ref = SkKMeans(k, init=init, n_init=1, algorithm="lloyd", **params).fit(
        X, sample_weight=sample_weight
    )
    return ours, ref


def assert_same_fit(ours, ref, X):
    """Identical labels and n_iter_; centres and inertia within RTOL relative (centres
    relative to the data's scale, since a centre coordinate may be near zero)."""
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    scale = np.abs(X).max()
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_,
                               rtol=RTOL, atol=RTOL * scale)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=RTOL)


def rows_as_init(X, k, seed):
    """k distinct rows of X, chosen at random, as initial centres."""
    return X[np.random.default_rng(seed).choice(X.shape[0], k, replace=False)].copy()


# --- same initial centres -------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("n", "d", "k"), CASES)
def test_same_init_matches_sklearn(n, d, k, weighted, backend):
    """Lloyd from a given init: labels, n_iter_, centres and inertia as scikit-learn's."""
    X = blob_data(n, d, k, seed=n + d + k)
    w = positive_weights(n, seed=k) if weighted else None
    ours, ref = fit_both(X, rows_as_init(X, k, seed=d), backend, sample_weight=w)
    assert ref.n_iter_ >= 3  # a real run, not a one-step stop
    assert_same_fit(ours, ref, X)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("n_far", [1, 2])
def test_empty_clusters_relocated_as_sklearn(n_far, weighted, backend):
    """Init centres far from all data get no point in the first assignment: they must be
    relocated onto the farthest points exactly as scikit-learn does."""
    n, d, k = 600, 3, 5
    X = blob_data(n, d, 3, seed=7)
    w = positive_weights(n, seed=3) if weighted else None
    init = rows_as_init(X, k, seed=1)
    init[k - n_far:] = 1e3 + np.arange(n_far)[:, None]  # far from every point (|X| < ~20)
    # Check the premise independently: no point is nearest to a far centre.
    d2 = ((X[:, None, :] - init[None]) ** 2).sum(-1)
    assert set(np.unique(d2.argmin(1))) == set(range(k - n_far))
    ours, ref = fit_both(X, init, backend, sample_weight=w)
    assert len(np.unique(ref.labels_)) == k  # relocation filled every cluster
    assert_same_fit(ours, ref, X)


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_iter_reached_matches_sklearn(backend):
    """Stopping on max_iter (then one last assignment) as scikit-learn does."""
    X = blob_data(2000, 5, 8, seed=15)
    init = rows_as_init(X, 8, seed=5)
    full = SkKMeans(8, init=init, n_init=1, algorithm="lloyd").fit(X)
    assert full.n_iter_ > 3  # so max_iter=3 truly cuts the run short
    ours, ref = fit_both(X, init, backend, max_iter=3)
    assert ref.n_iter_ == 3
    assert_same_fit(ours, ref, X)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_tol_zero_matches_sklearn(weighted, backend):
    """tol=0: only strict convergence (no label changes) stops the run."""
    X = blob_data(1000, 3, 4, seed=4)
    w = positive_weights(1000, seed=9) if weighted else None
    ours, ref = fit_both(X, rows_as_init(X, 4, seed=2), backend, sample_weight=w, tol=0.0)
    assert_same_fit(ours, ref, X)


def exact_means(X, labels, k):
    """Each cluster's mean, computed directly (numpy's mean: a division by the count)."""
    return np.array([X[labels == j].mean(axis=0) for j in range(k)])


ZERO_SHIFT_DATA = {
    "blobs": lambda: blob_data(1000, 3, 4, seed=4),
    "blobs_d5": lambda: blob_data(3000, 5, 4, seed=1),
    "rfm": lambda: rfm_data(4000, seed=3),
    "integers": lambda: np.random.default_rng(0).integers(0, 20, (500, 3)).astype(float),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("data", list(ZERO_SHIFT_DATA))
def test_tol_zero_from_exact_cluster_means_takes_sklearns_iterations(data, seed, backend):
    """tol=0, centres started at the exact means of a clustering: the first update gives
    the same means again up to rounding. scikit-learn computes the update on data centred
    on its means and multiplies by 1/weight, so its shift is a tiny non-zero number, not
    <= 0, and it stops one iteration later on unchanged labels (n_iter_ = 2). We round as
    it does, so we stop there too, with its labels."""
    X = ZERO_SHIFT_DATA[data]()
    k = 4
    labels = SkKMeans(k, n_init=1, random_state=seed).fit(X).labels_
    ours, ref = fit_both(X, exact_means(X, labels, k), backend, tol=0.0)
    assert ref.n_iter_ == 2  # the premise: no stop on a zero shift after one iteration
    np.testing.assert_array_equal(ref.labels_, labels)
    assert_same_fit(ours, ref, X)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tol_zero_stops_on_an_exactly_zero_shift_as_sklearn(backend):
    """When the arithmetic is exact (column means exactly 0, dyadic cluster means), the
    recomputed centres equal the starting ones bit for bit: the shift is exactly 0 <= tol
    after the first iteration, whose labels changed from "none yet", and both libraries
    stop there (n_iter_ = 1), then assign once more."""
    X = np.array([[-3.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [3.0, 0.0],
                  [-3.0, 4.0], [-1.0, 4.0], [1.0, -4.0], [3.0, -4.0]])
    init = np.array([[-2.0, 2.0], [2.0, -2.0]])
    labels = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    # the premises, by hand: means exactly 0, and each init row is its cluster's mean
    assert (X.sum(axis=0) == 0).all()
    np.testing.assert_array_equal(exact_means(X, labels, 2), init)
    ours, ref = fit_both(X, init, backend, tol=0.0)
    assert ref.n_iter_ == 1
    assert_same_fit(ours, ref, X)
    np.testing.assert_array_equal(ours.labels_, labels)
    np.testing.assert_array_equal(ours.cluster_centers_, init)


@pytest.mark.parametrize("backend", BACKENDS)
def test_large_tol_stops_on_shift_as_sklearn(backend):
    """A loose tol stops on the centre shift before the labels settle, then reassigns."""
    X = blob_data(2000, 3, 6, seed=21)
    init = rows_as_init(X, 6, seed=3)
    strict = SkKMeans(6, init=init, n_init=1, algorithm="lloyd", tol=0).fit(X)
    ours, ref = fit_both(X, init, backend, tol=0.05)
    assert ref.n_iter_ < strict.n_iter_  # the tolerance rule, not strict convergence, stopped it
    assert_same_fit(ours, ref, X)


# --- quality of k-means++ and multi-init ----------------------------------------------

# Our inertia may be at most 1 % above scikit-learn's. Both are randomised local
# searches, so neither wins on every seed: one k-means++ start is compared by the
# median over 10 seeds (same distribution => about equal medians), and 10 starts
# (k-means++ or random rows) against scikit-learn's default fit KMeans(k, random_state=0)
# (k-means++, one start), which the best of 10 must match. 1 % catches a broken seeding
# (which costs 5-50 % on these data) while tolerating an equally good local optimum.
QUALITY_RTOL = 0.01
QUALITY_DATA = {
    "blobs": lambda: blob_data(3000, 3, 5, seed=11, std=1.0),
    "rfm": lambda: rfm_data(3000, seed=12),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("k", [4, 8])
@pytest.mark.parametrize("data", list(QUALITY_DATA))
def test_kmeanspp_single_start_as_good_as_sklearn(data, k, backend):
    """One greedy k-means++ start: median inertia over seeds within 1 % of sklearn's."""
    X = QUALITY_DATA[data]()
    seeds = range(10)
    ref = np.median([SkKMeans(k, random_state=s).fit(X).inertia_ for s in seeds])
    ours = np.median([KMeans(k, random_state=s, backend=backend).fit(X).inertia_
                      for s in seeds])
    assert ours <= ref * (1 + QUALITY_RTOL)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("k", [4, 8])
@pytest.mark.parametrize("data", list(QUALITY_DATA))
def test_multi_init_no_worse_than_sklearn_default(data, k, init, backend):
    """Best of 10 starts is no worse than scikit-learn's default fit (beyond 1 %)."""
    X = QUALITY_DATA[data]()
    ref = SkKMeans(k, random_state=0).fit(X)
    ours = KMeans(k, init=init, n_init=10, random_state=0, backend=backend).fit(X)
    assert ours.inertia_ <= ref.inertia_ * (1 + QUALITY_RTOL)


# --- using a fitted model -------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_predict_transform_score_match_sklearn(backend):
    """On a scikit-learn model given exactly our centres, predict / transform / score of
    new data (weighted and not) agree: labels equal, distances and score to rounding."""
    X = rfm_data(1500, seed=5)
    X_new = rfm_data(700, seed=6) * 1.3
    w_new = positive_weights(700, seed=8)
    ours = KMeans(5, random_state=0, backend=backend).fit(X)
    ref = SkKMeans(5, n_init=1, random_state=0).fit(X)
    ref.cluster_centers_ = ours.cluster_centers_.copy()
    np.testing.assert_array_equal(ours.predict(X_new), ref.predict(X_new))
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=1e-12)
    assert ours.score(X_new) == pytest.approx(ref.score(X_new), rel=1e-12)
    assert ours.score(X_new, sample_weight=w_new) == pytest.approx(
        ref.score(X_new, sample_weight=w_new), rel=1e-12
    )
    # fit_predict refits with the same random_state: the same labels as the first fit
    first_labels = ours.labels_.copy()
    np.testing.assert_array_equal(ours.fit_predict(X), first_labels)


# --- the checked path: many fits on data checked once -----------------------------------


# --- a callable init -------------------------------------------------------------------


def random_rows_init(X, n_clusters, random_state):
    """A scikit-learn style init callable: n_clusters distinct random rows of X."""
    return X[random_state.choice(X.shape[0], n_clusters, replace=False)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_init", ["auto", 1, 4])
def test_callable_init_matches_sklearn(n_init, backend):
    """The same callable in both: the same starts (it draws from the RandomState
    scikit-learn gives it), the same best of the n_init runs ("auto" is 10 for a
    callable): identical labels and n_iter_."""
    X = blob_data(1000, 3, 8, seed=5, std=3.0)
    params = {"init": random_rows_init, "n_init": n_init, "random_state": 3}
    ours = KMeans(8, backend=backend, **params).fit(X)
    ref = SkKMeans(8, algorithm="lloyd", **params).fit(X)
    assert_same_fit(ours, ref, X)


def test_callable_init_starts_differ_and_the_best_is_kept():
    """The n_init starts share one RandomState, so they differ; the fit keeps the lowest
    inertia of them, which one scikit-learn fit per start (each seeded alike) confirms."""
    X = blob_data(1000, 3, 8, seed=5, std=3.0)
    seen = []

    def recording(X, n_clusters, random_state):
        seen.append(random_state)
        return random_rows_init(X, n_clusters, random_state)

    ours = KMeans(8, init=recording, n_init=4, random_state=3, backend="numpy").fit(X)
    assert len(seen) == 4 and all(rs is seen[0] for rs in seen)
    rs = np.random.RandomState(3)  # the state the four starts draw from, in turn
    inertias = [
        SkKMeans(8, init=random_rows_init(X, 8, rs), n_init=1, algorithm="lloyd").fit(X).inertia_
        for _ in range(4)
    ]
    assert len(set(np.round(inertias, 6))) > 1
    assert ours.inertia_ == pytest.approx(min(inertias), rel=RTOL)


def test_callable_init_receives_the_data_and_sklearns_random_state():
    """X as a float64 array in its own units (an int DataFrame's values), n_clusters, and
    the random state scikit-learn's check_random_state gives for None / an int; a
    Generator is passed as given. Its centres are read in X's units."""
    from sklearn.utils import check_random_state

    X = blob_data(300, 2, 3, seed=1).round()
    calls = []

    def first_rows(X, n_clusters, random_state):
        calls.append((X, n_clusters, random_state))
        return X[:n_clusters] + 0.0

    km = KMeans(3, init=first_rows, n_init=1, backend="numpy").fit(X.astype(np.int64))
    got, k, rs = calls[-1]
    assert got.dtype == np.float64 and k == 3
    np.testing.assert_array_equal(got, X)
    assert rs is check_random_state(None)
    ref = KMeans(3, init=X[:3], n_init=1, backend="numpy").fit(X)
    np.testing.assert_array_equal(km.labels_, ref.labels_)
    KMeans(3, init=first_rows, n_init=1, random_state=11).fit(X)
    assert isinstance(calls[-1][2], np.random.RandomState)
    assert calls[-1][2].randint(1 << 30) == np.random.RandomState(11).randint(1 << 30)
    gen = np.random.default_rng(0)
    KMeans(3, init=first_rows, n_init=1, random_state=gen).fit(X)
    assert calls[-1][2] is gen


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_callable_init_cannot_change_the_users_data(backend):
    """X handed to a callable init may be the caller's own array (float64 data are not
    copied): a callable that writes into it is refused, and the data stay as they were."""
    X = blob_data(300, 2, 3, seed=2)
    before = X.copy()

    def scribbles(X, n_clusters, random_state):
        X[0, 0] = 1e9
        return X[:n_clusters].copy()

    with pytest.raises(ValueError, match="read-only"):
        KMeans(3, init=scribbles, n_init=1, backend=backend).fit(X)
    np.testing.assert_array_equal(X, before)
    assert X.flags.writeable


def test_fit_models_gives_what_separate_fits_give():
    """kmeans.fit_models (used by elbow, stability and rfm.cluster) fits exactly what
    KMeans(...).fit gives model by model: same centres, labels, inertia, iterations and
    feature names, for variants over k and over seeds."""
    import pandas as pd

    from kmeans_np.checks import check_array
    from kmeans_np.kmeans import fit_models

    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["r", "f", "m"])
    X = check_array(frame)
    by_k = fit_models(X, [{"n_clusters": k} for k in (2, 3, 4)], names=["r", "f", "m"],
                      n_init=3, random_state=0, backend="numpy")
    by_seed = fit_models(X, [{"random_state": s} for s in (0, 1)], n_clusters=3, n_init=1)
    separate = [KMeans(k, n_init=3, random_state=0, backend="numpy").fit(frame)
                for k in (2, 3, 4)]
    separate += [KMeans(3, n_init=1, random_state=s).fit(X) for s in (0, 1)]
    for got, want in zip(by_k + by_seed, separate, strict=True):
        np.testing.assert_array_equal(got.cluster_centers_, want.cluster_centers_)
        np.testing.assert_array_equal(got.labels_, want.labels_)
        assert got.inertia_ == want.inertia_ and got.n_iter_ == want.n_iter_
        assert got.get_params() == want.get_params()
    assert list(by_k[0].feature_names_in_) == ["r", "f", "m"]
    assert not hasattr(by_seed[0], "feature_names_in_")
    # the shared parameters are checked once, as fit checks them
    with pytest.raises(ValueError, match="max_iter"):
        fit_models(X, [{"n_clusters": 2}], max_iter=0)


# --- sample_weight as a Series: paired with X's rows by the project's rule -----------


def _weighted_case():
    """Twelve customers in 2-D, their weights on the customers, and the same customer →
    weight pairs in a scrambled order (a reordering of X's index)."""
    import pandas as pd

    rng = np.random.default_rng(11)
    ids = [f"c{i:02d}" for i in range(12)]
    X = pd.DataFrame(blob_data(12, 2, 3, seed=5), index=ids, columns=["r", "m"])
    w = pd.Series(rng.uniform(0.5, 9.0, size=12), index=ids)
    scrambled = w.iloc[rng.permutation(12)]
    assert not np.array_equal(scrambled.to_numpy(), w.to_numpy())
    return X, w, scrambled


def test_sample_weight_series_beside_a_dataframe_is_matched_by_index():
    """Weights as a Series whose index is a reordering of X's were paired by position;
    they are matched by index now, so the fit is scikit-learn's on the weights put in
    X's order by pandas (reindex), and so is score."""
    X, _w, scrambled = _weighted_case()
    init = X.to_numpy()[[0, 5, 9]]
    aligned = scrambled.reindex(X.index).to_numpy()  # pandas' own alignment
    ours = KMeans(3, init=init, n_init=1).fit(X, sample_weight=scrambled)
    ref = SkKMeans(3, init=init, n_init=1, algorithm="lloyd").fit(
        X.to_numpy(), sample_weight=aligned
    )
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=RTOL)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=RTOL)
    assert ours.score(X, sample_weight=scrambled) == pytest.approx(
        ref.score(X.to_numpy(), sample_weight=aligned), rel=RTOL
    )
    # the weights given by position (what scrambled was taken as) give another fit
    positional = SkKMeans(3, init=init, n_init=1, algorithm="lloyd").fit(
        X.to_numpy(), sample_weight=scrambled.to_numpy()
    )
    assert positional.inertia_ != pytest.approx(ref.inertia_, rel=1e-6)


def test_sample_weight_series_beside_an_array_is_taken_by_position():
    X, _, scrambled = _weighted_case()
    init = X.to_numpy()[[0, 5, 9]]
    ours = KMeans(3, init=init, n_init=1).fit(X.to_numpy(), sample_weight=scrambled)
    ref = SkKMeans(3, init=init, n_init=1, algorithm="lloyd").fit(
        X.to_numpy(), sample_weight=scrambled.to_numpy()
    )
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=RTOL)


@pytest.mark.parametrize(
    ("keys", "gaps"),
    [
        (lambda ids: [*ids[:-1], "zz"], r"1 row\(s\) without a value, 1 value\(s\) for others"),
        (lambda ids: ids[:-1], r"1 row\(s\) without a value, 0 value\(s\) for others"),
        (lambda ids: [*ids[:-1], ids[0]], r"1 row\(s\) without a value, 0 value\(s\) for "
                                          r"others, rows given twice"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "score"])
def test_sample_weight_series_with_other_keys_is_refused_counting_them(keys, gaps, method):
    X, _w, _ = _weighted_case()
    ids = list(X.index)
    given = pd.Series(np.ones(len(keys(ids))), index=keys(ids))
    model = KMeans(3, init=X.to_numpy()[[0, 5, 9]], n_init=1).fit(X)
    with pytest.raises(ValueError, match=r"^sample_weight is a Series whose index does not "
                                         rf"match X's index \({gaps}\); pass sample_weight "
                                         "on X's index"):
        getattr(model, method)(X, sample_weight=given)


def test_kmeans_plusplus_matches_sample_weight_series_by_index():
    """kmeans_plusplus takes sample weights as KMeans.fit does: a Series beside a
    DataFrame by index (the same centres as the weights put in X's order by pandas)."""
    from kmeans_np import kmeans_plusplus

    X, _, scrambled = _weighted_case()
    aligned = scrambled.reindex(X.index).to_numpy()
    got, got_idx = kmeans_plusplus(X, 3, random_state=2, sample_weight=scrambled)
    want, want_idx = kmeans_plusplus(X.to_numpy(), 3, random_state=2, sample_weight=aligned)
    np.testing.assert_array_equal(got_idx, want_idx)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match=r"^sample_weight is a Series whose index does not"):
        kmeans_plusplus(X, 3, sample_weight=scrambled.iloc[:-1])
