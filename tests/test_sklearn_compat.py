"""kmeans_np's estimators in scikit-learn's ecosystem, refereed by scikit-learn itself.

scikit-learn's own estimator checks run on KMeans (both backends), MinMaxScaler,
StandardScaler and PCA: every check ``check_estimator`` runs, plus the checks scikit-learn
runs only on its own estimators that apply here (clustering, set_output, feature names).
The few that cannot pass are listed in ``EXPECTED_FAILURES`` with the reason, and are
strict expected failures: if one starts passing, the test says so.

Then the tools users reach for — clone, Pipeline, GridSearchCV, set_output, pickle — are
checked against scikit-learn's own estimators or a numpy computation.
"""

from __future__ import annotations

import inspect
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import sklearn
import sklearn.utils.estimator_checks as sk_checks
from _kmeans_helpers import blob_data, sq_distances
from scipy.spatial.distance import cdist
from sklearn.base import clone
from sklearn.cluster import KMeans as SkKMeans
from sklearn.decomposition import PCA as SkPCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler as SkMinMaxScaler
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from kmeans_np import PCA, KMeans, MinMaxScaler, StandardScaler

ROOT = Path(__file__).resolve().parent.parent

# --- scikit-learn's estimator checks --------------------------------------------------

ESTIMATORS = [
    KMeans(n_clusters=3, random_state=0, backend="numpy"),
    KMeans(n_clusters=3, random_state=0, backend="numba"),
    MinMaxScaler(),
    StandardScaler(),
    PCA(),
]

_FRAME_IN_FRAME_OUT = (
    "by design a scaler given a DataFrame returns a DataFrame with that DataFrame's own "
    "columns; fitted on an array and then given a DataFrame, its default output therefore "
    "names the columns after the input, not get_feature_names_out()'s x0, x1, ... as the "
    "check expects (with set_output(transform='pandas') the columns are x0, x1, ...)"
)

#: check name -> reason, per estimator class. Each one fails, for this reason only.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "KMeans": {
        "check_sample_weight_equivalence_on_dense_data": (
            "as for scikit-learn's own KMeans (in its list of expected failures): the "
            "random starts draw differently for a repeated row than for a weighted one, so "
            "the local optimum found can differ; from the same starting centres, weights "
            "equal repetition (test_weights_equal_repetition_from_the_same_start)"
        ),
    },
    "MinMaxScaler": {
        "check_set_output_transform_pandas": _FRAME_IN_FRAME_OUT,
        "check_global_output_transform_pandas": _FRAME_IN_FRAME_OUT,
    },
    "StandardScaler": {
        "check_set_output_transform_pandas": _FRAME_IN_FRAME_OUT,
        "check_global_output_transform_pandas": _FRAME_IN_FRAME_OUT,
        "check_estimator_sparse_array": (
            "the check special-cases any estimator named StandardScaler and calls "
            "set_params(with_mean=False), a parameter of scikit-learn's StandardScaler that "
            "ours does not have; ours rejects sparse input (check_estimator_sparse_tag "
            "passes, and test_sparse_input_is_refused)"
        ),
        "check_estimator_sparse_matrix": (
            "same as check_estimator_sparse_array: the check sets with_mean=False on "
            "anything named StandardScaler"
        ),
    },
    "PCA": {},
}


def expected_failures(estimator: object) -> dict[str, str]:
    return EXPECTED_FAILURES[type(estimator).__name__]


# Collecting the checks warns that the estimators do not inherit from
# sklearn.base.BaseEstimator: they do not, on purpose (scikit-learn is not a dependency).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*does not inherit from", category=UserWarning)
    _parametrized_checks = sk_checks.parametrize_with_checks(
        ESTIMATORS, expected_failed_checks=expected_failures, xfail_strict=True
    )


@_parametrized_checks
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    # the array API check (NumPy inputs with array API dispatch on) skips itself unless
    # scipy's array API switch is set; set it for the test so the check really runs
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    with warnings.catch_warnings():
        # "Only 2 distinct clusters found" and the like, on the checks' tiny data sets
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


# Checks scikit-learn runs only on its own estimators (sklearn/tests/test_common.py and
# the clustering checks check_estimator keeps for subclasses of its ClusterMixin).
EXTRA_CHECKS = [
    "check_dataframe_column_names_consistency",
    "check_transformer_get_feature_names_out",
    "check_transformer_get_feature_names_out_pandas",
    "check_get_feature_names_out_error",
    "check_set_output_transform",
    "check_set_output_transform_pandas",
    "check_global_output_transform_pandas",
    "check_set_output_transform_polars",
    "check_global_set_output_transform_polars",
]
CLUSTERING_CHECKS = ["check_clustering", "check_clusterer_compute_labels_predict"]


def _extra_params() -> list:
    params = []
    for estimator in ESTIMATORS:
        if isinstance(estimator, KMeans):
            # output and feature-name plumbing does not depend on the backend: run it once
            numba = estimator.backend == "numba"
            names = CLUSTERING_CHECKS + ([] if numba else EXTRA_CHECKS)
        else:
            names = EXTRA_CHECKS
        for name in names:
            reason = expected_failures(estimator).get(name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(estimator, name, id=f"{estimator!r}-{name}", marks=marks))
    return params


@pytest.mark.parametrize(("estimator", "check_name"), _extra_params())
def test_sklearn_extra_checks(estimator, check_name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        getattr(sk_checks, check_name)(type(estimator).__name__, estimator)
        if check_name == "check_clustering":
            getattr(sk_checks, check_name)(
                type(estimator).__name__, estimator, readonly_memmap=True
            )


def test_expected_failures_name_real_checks():
    """Every listed exception names a check that exists in this scikit-learn."""
    for failures in EXPECTED_FAILURES.values():
        for name in failures:
            assert callable(getattr(sk_checks, name)), name


# --- parameters, repr, validation at fit ------------------------------------------------


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_get_params_follow_the_init_signature(estimator):
    names = [p for p in inspect.signature(type(estimator).__init__).parameters if p != "self"]
    params = estimator.get_params()
    assert list(params) == names
    for name in names:
        assert params[name] is getattr(estimator, name)


def test_set_params_sets_and_rejects_unknown_names():
    km = KMeans(3)
    assert km.set_params(n_clusters=5, init="random") is km
    assert (km.n_clusters, km.init) == (5, "random")
    with pytest.raises(ValueError, match="Invalid parameter 'k' for estimator KMeans"):
        km.set_params(k=2)
    with pytest.raises(ValueError, match="Invalid parameter 'init__x'"):
        km.set_params(init__x=1)  # init is not an estimator with parameters of its own


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (KMeans(), SkKMeans()),
        (KMeans(n_clusters=5, random_state=0), SkKMeans(n_clusters=5, random_state=0)),
        (KMeans(4, n_init=3), SkKMeans(4, n_init=3)),
        (MinMaxScaler(feature_range=(-1, 1)), SkMinMaxScaler(feature_range=(-1, 1))),
        (StandardScaler(), SkStandardScaler()),
        (PCA(n_components=3), SkPCA(n_components=3)),
    ],
    ids=repr,
)
def test_repr_shows_the_non_default_parameters_like_sklearn(ours, theirs):
    """(scikit-learn lists them alphabetically, ours in signature order: the cases here
    are ones where the two orders agree.)"""
    assert repr(ours) == repr(theirs)


def test_repr_of_our_own_parameters():
    assert repr(KMeans(3, backend="numpy")) == "KMeans(n_clusters=3, backend='numpy')"
    assert repr(MinMaxScaler(invert=["recency"], log1p=True)) == (
        "MinMaxScaler(invert=['recency'], log1p=True)"
    )
    init = np.arange(6.0).reshape(3, 2)
    assert repr(KMeans(3, init=init)) == (
        "KMeans(n_clusters=3, init=array([[0., 1.], [2., 3.], [4., 5.]]))"
    )


@pytest.mark.parametrize(
    ("estimator", "match"),
    [
        (KMeans(n_clusters=0), "n_clusters must be >= 1"),
        (KMeans(2, init="kmeans++"), "init must be one of"),
        (KMeans(2, backend="cuda"), "backend must be one of"),
        (KMeans(2, tol=-1.0), "tol must be"),
        (MinMaxScaler(feature_range=(1, 0)), "lo < hi"),
        (PCA(n_components=9), "n_components must be between"),
    ],
    ids=repr,
)
def test_parameters_are_checked_in_fit_not_in_init(estimator, match):
    """Constructing with a bad value works (the parametrisation just did it); fit refuses."""
    with pytest.raises(ValueError, match=match):
        estimator.fit(blob_data(20, 3, 2, seed=1))


# --- scikit-learn tools -----------------------------------------------------------------


def test_clone_copies_parameters_not_the_fit():
    gen = np.random.default_rng(3)
    km = KMeans(4, init="random", n_init=3, random_state=gen, backend="numpy")
    km.set_output(transform="pandas").fit(blob_data(60, 2, 4, seed=2))
    twin = clone(km)
    assert type(twin) is KMeans and twin is not km
    assert twin.get_params().keys() == km.get_params().keys()
    for name, value in km.get_params().items():
        if name != "random_state":  # clone deep-copies a Generator, as for sklearn's own
            assert twin.get_params()[name] == value
    assert not hasattr(twin, "cluster_centers_")
    assert twin._sklearn_output_config == {"transform": "pandas"}


def test_pipeline_scaler_then_kmeans_matches_sklearns_pipeline():
    X = blob_data(300, 3, 4, seed=4) * [1.0, 10.0, 100.0]
    init = SkStandardScaler().fit_transform(X)[[0, 100, 200, 299]]
    ours = make_pipeline(StandardScaler(), KMeans(4, init=init, backend="numpy")).fit(X)
    ref = make_pipeline(
        SkStandardScaler(), SkKMeans(4, init=init, n_init=1, algorithm="lloyd")
    ).fit(X)
    np.testing.assert_array_equal(ours[-1].labels_, ref[-1].labels_)
    np.testing.assert_allclose(ours[-1].cluster_centers_, ref[-1].cluster_centers_, atol=1e-12)
    X_new = blob_data(50, 3, 4, seed=5) * [1.0, 10.0, 100.0]
    np.testing.assert_array_equal(ours.predict(X_new), ref.predict(X_new))
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), atol=1e-10)
    # fit_predict through a Pipeline object built by hand, too
    pipe = Pipeline([("scale", StandardScaler()), ("km", KMeans(4, init=init, backend="numpy"))])
    np.testing.assert_array_equal(pipe.fit_predict(X), ref[-1].labels_)


def test_grid_search_ranks_n_clusters_by_minus_inertia():
    X = blob_data(120, 2, 3, seed=6)
    cv = KFold(3, shuffle=True, random_state=0)
    grid = {"n_clusters": [1, 2, 3, 4]}
    search = GridSearchCV(KMeans(random_state=0, backend="numpy"), grid, cv=cv).fit(X)
    expected = []
    for k in grid["n_clusters"]:
        scores = []
        for train, test in cv.split(X):
            centers = KMeans(k, random_state=0, backend="numpy").fit(X[train]).cluster_centers_
            scores.append(-sq_distances(X[test], centers).min(axis=1).sum())
        expected.append(np.mean(scores))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], expected, rtol=1e-12)
    assert search.best_params_ == {"n_clusters": grid["n_clusters"][int(np.argmax(expected))]}
    assert isinstance(search.best_estimator_, KMeans)
    assert search.best_estimator_.n_features_in_ == 2


# --- set_output -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(StandardScaler(), SkStandardScaler()), (MinMaxScaler(), SkMinMaxScaler())],
    ids=repr,
)
def test_set_output_pandas_matches_sklearns_scalers(ours, theirs):
    X = blob_data(40, 3, 2, seed=7)
    df = pd.DataFrame(X, columns=["recency", "frequency", "monetary"], index=range(100, 140))
    for data in (X, df):
        got = ours.set_output(transform="pandas").fit_transform(data)
        want = theirs.set_output(transform="pandas").fit_transform(data)
        pd.testing.assert_frame_equal(got, want, check_exact=False, atol=1e-12, rtol=0)


def test_set_output_pandas_for_kmeans_and_pca():
    X = blob_data(50, 3, 3, seed=8)
    df = pd.DataFrame(X, columns=["r", "f", "m"], index=[f"c{i}" for i in range(50)])
    km = KMeans(3, random_state=0, backend="numpy").set_output(transform="pandas").fit(df)
    dist = km.transform(df)
    assert list(dist.columns) == list(SkKMeans(3, n_init=1).fit(X).get_feature_names_out())
    assert dist.index.equals(df.index)
    np.testing.assert_allclose(dist.to_numpy(), cdist(X, km.cluster_centers_), atol=1e-12)
    assert isinstance(km.set_output(transform="default").transform(df), np.ndarray)

    pca = PCA(2).set_output(transform="pandas")
    scores = pca.fit_transform(X)
    assert list(scores.columns) == ["PC1", "PC2"] == list(pca.get_feature_names_out())
    np.testing.assert_allclose(scores.to_numpy(), PCA(2).fit_transform(X), atol=1e-12)


def test_set_output_through_a_pipeline_and_the_global_setting():
    X = blob_data(40, 2, 2, seed=9)
    pipe = make_pipeline(StandardScaler(), KMeans(2, random_state=0, backend="numpy"))
    out = pipe.set_output(transform="pandas").fit(X).transform(X)
    assert list(out.columns) == ["kmeans0", "kmeans1"]
    np.testing.assert_allclose(
        out.to_numpy(), cdist(SkStandardScaler().fit_transform(X), pipe[-1].cluster_centers_),
        atol=1e-12,
    )
    with sklearn.config_context(transform_output="pandas"):
        scaled = StandardScaler().fit_transform(X)
    assert list(scaled.columns) == ["x0", "x1"]
    assert isinstance(StandardScaler().fit_transform(X), np.ndarray)  # default again


def test_default_output_is_unchanged_and_bad_output_is_refused():
    X = blob_data(30, 2, 2, seed=10)
    df = pd.DataFrame(X, columns=["a", "b"])
    assert isinstance(StandardScaler().fit_transform(X), np.ndarray)
    assert list(StandardScaler().fit_transform(df).columns) == ["a", "b"]
    assert isinstance(KMeans(2, random_state=0).fit(df).transform(df), np.ndarray)
    with pytest.raises(ValueError, match="must be one of"):
        KMeans(2).set_output(transform="numpy")


def test_feature_names_out_match_sklearns():
    X = blob_data(30, 3, 2, seed=11)
    df = pd.DataFrame(X, columns=["r", "f", "m"])
    pairs = [(StandardScaler(), SkStandardScaler()), (MinMaxScaler(), SkMinMaxScaler())]
    for ours, theirs in pairs:
        for data in (X, df):
            np.testing.assert_array_equal(
                ours.fit(data).get_feature_names_out(), theirs.fit(data).get_feature_names_out()
            )
    np.testing.assert_array_equal(
        KMeans(2, random_state=0).fit(X).get_feature_names_out(),
        SkKMeans(2, n_init=1, random_state=0).fit(X).get_feature_names_out(),
    )


# --- feature names and booleans ---------------------------------------------------------

PAIRS = [
    (lambda: KMeans(2, random_state=0, n_init=1, backend="numpy"),
     lambda: SkKMeans(2, random_state=0, n_init=1), ("predict", "transform", "score")),
    (StandardScaler, SkStandardScaler, ("transform",)),
    (MinMaxScaler, SkMinMaxScaler, ("transform",)),
    (lambda: PCA(2), lambda: SkPCA(2), ("transform",)),
]


def _name_warnings(method, X) -> list[str]:
    """The UserWarnings ``method(X)`` gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        method(X)
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize(
    ("ours", "theirs", "methods"), PAIRS, ids=["KMeans", "StandardScaler", "MinMaxScaler", "PCA"]
)
def test_feature_name_warnings_are_sklearns(ours, theirs, methods):
    """Fitted on a DataFrame, given an array (and the other way round): scikit-learn's
    UserWarning, its wording first, from the same methods; none from inverse_transform,
    none when both have names or neither has."""
    X = blob_data(40, 3, 2, seed=12)
    df = pd.DataFrame(X, columns=["r", "f", "m"])
    for fit_on, given in ((df, X), (X, df), (df, df), (X, X)):
        mine, ref = ours().fit(fit_on), theirs().fit(fit_on)
        for method in methods:
            want = _name_warnings(getattr(ref, method), given)
            got = _name_warnings(getattr(mine, method), given)
            assert len(got) == len(want) == int(fit_on is not given)
            assert all(g.startswith(w) for g, w in zip(got, want, strict=True))
        if hasattr(mine, "inverse_transform"):
            back = mine.transform(given if fit_on is given else fit_on)
            for scores in (back, np.asarray(back)):
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    mine.inverse_transform(scores)


@pytest.mark.parametrize(
    ("ours", "theirs", "methods"), PAIRS, ids=["KMeans", "StandardScaler", "MinMaxScaler", "PCA"]
)
def test_a_frame_with_no_string_column_names_has_no_feature_names_as_in_sklearn(
    ours, theirs, methods
):
    """``pd.DataFrame(array)`` (columns 0, 1, 2) has no feature names for scikit-learn:
    none recorded, and no name warning beside an array either way, in both libraries."""
    X = blob_data(40, 3, 2, seed=14)
    unnamed = pd.DataFrame(X)
    for fit_on, given in ((unnamed, X), (X, unnamed), (unnamed, unnamed)):
        mine, ref = ours().fit(fit_on), theirs().fit(fit_on)
        assert hasattr(mine, "feature_names_in_") is hasattr(ref, "feature_names_in_") is False
        for method in methods:
            assert _name_warnings(getattr(ref, method), given) == []
            assert _name_warnings(getattr(mine, method), given) == []


BOOLEAN_COLUMNS = {
    "numpy": lambda v: v,
    "pandas boolean": lambda v: pd.array(v, dtype="boolean"),
}


@pytest.mark.parametrize("kind", list(BOOLEAN_COLUMNS))
def test_boolean_columns_are_read_as_zero_one_as_sklearn_reads_them(kind):
    """A bool column (numpy bool, or pandas' nullable boolean without a missing value)
    is 0/1, as scikit-learn reads it: the same scaled values, labels and centres."""
    X = blob_data(60, 2, 2, seed=13)
    flag = BOOLEAN_COLUMNS[kind](X[:, 0] > np.median(X[:, 0]))
    df = pd.DataFrame({"recency": X[:, 0], "frequency": X[:, 1], "member": flag})
    for ours, theirs in ((StandardScaler(), SkStandardScaler()), (PCA(2), SkPCA(2))):
        np.testing.assert_allclose(
            np.asarray(ours.fit_transform(df)), theirs.fit_transform(df), atol=1e-12
        )
    init = df.to_numpy(dtype=float)[[0, 1]]
    ours = KMeans(2, init=init, backend="numpy").fit(df)
    ref = SkKMeans(2, init=init, n_init=1, algorithm="lloyd").fit(df)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-12)
    np.testing.assert_array_equal(
        KMeans(2, init=init, backend="numpy").fit(df.to_numpy() > 0).labels_,
        SkKMeans(2, init=init, n_init=1).fit(df.to_numpy() > 0).labels_,
    )


def test_missing_boolean_and_numbers_as_text_are_still_refused():
    """A missing value in a nullable boolean column is missing (NaN, refused as such);
    an object column is refused even when it holds numbers (convert it first)."""
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.array([True, None, False], dtype="boolean")})
    with pytest.raises(ValueError, match=r"NaN at index \(1, 1\)"):
        StandardScaler().fit(df)
    text = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.Series([1, 2, 3], dtype=object)})
    with pytest.raises(TypeError, match=r"non-numeric column\(s\) \['b'\].*astype\(float\)"):
        KMeans(2).fit(text)


# --- pickling -------------------------------------------------------------------------


def _outputs(model, X):
    """Everything a fitted model computes from new data."""
    out = {"transform": model.transform(X)}
    if isinstance(model, KMeans):
        out["predict"] = model.predict(X)
        out["score"] = model.score(X)
    else:
        out["inverse_transform"] = model.inverse_transform(out["transform"])
    return out


@pytest.mark.parametrize(
    "model",
    [
        KMeans(4, random_state=0, backend="numpy"),
        KMeans(4, random_state=0, backend="numba"),
        MinMaxScaler(invert=[0], log1p=[2]),
        StandardScaler(log1p=[2]),
        PCA(2),
    ],
    ids=repr,
)
def test_pickled_model_gives_the_same_results(model):
    X = np.abs(blob_data(200, 3, 4, seed=12))
    X_new = np.abs(blob_data(40, 3, 4, seed=13))
    model.fit(X)
    before = _outputs(model, X_new)
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.get_params().keys() == model.get_params().keys()
    for name, value in before.items():
        np.testing.assert_array_equal(_outputs(loaded, X_new)[name], value, err_msg=name)
# --- scikit-learn's own error once it is loaded (without it: tests/test_smoke.py) -----------


def test_not_fitted_error_is_sklearns_once_sklearn_is_loaded():
    with pytest.raises(NotFittedError, match="This KMeans is not fitted yet"):
        KMeans().predict(np.zeros((3, 2)))
    assert issubclass(NotFittedError, ValueError)


# --- behaviour behind the expected failures -----------------------------------------------


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_weights_equal_repetition_from_the_same_start(backend):
    X = blob_data(60, 2, 3, seed=15)
    w = np.random.default_rng(15).integers(0, 4, 60)
    init = X[[0, 20, 40]] + 0.1
    weighted = KMeans(3, init=init, tol=0.0, backend=backend).fit(X, sample_weight=w)
    repeated = KMeans(3, init=init, tol=0.0, backend=backend).fit(np.repeat(X, w, axis=0))
    np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_,
                               rtol=0, atol=1e-12)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-12)
    np.testing.assert_array_equal(weighted.predict(X), repeated.predict(X))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("fmt", ["csr_matrix", "csr_array", "coo_matrix"])
def test_sparse_input_is_refused(estimator, fmt):
    X = getattr(scipy.sparse, fmt)(np.eye(5))
    with pytest.raises(TypeError, match=r"sparse \(.*\), but dense data is needed.*X\.toarray\(\)"):
        clone(estimator).fit(X)
