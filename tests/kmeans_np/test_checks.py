"""Bad input raises a clear ValueError/TypeError; good input is never modified."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from _kmeans_helpers import blob_data

from kmeans_np import KMeans, elbow, kmeans_plusplus

X_OK = blob_data(40, 3, 2, seed=100)


# --- X --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "where"),
    [(np.nan, "NaN at index \\(5, 1\\)"), (np.inf, "infinity at index \\(5, 1\\)"),
     (-np.inf, "infinity")],
)
def test_non_finite_X(bad, where):
    X = X_OK.copy()
    X[5, 1] = bad
    with pytest.raises(ValueError, match=f"non-finite.*{where}"):
        KMeans(2).fit(X)


def test_non_finite_value_of_a_series_is_named_by_its_row_label_when_labels_are_given():
    from kmeans_np.checks import check_array

    x = pd.Series([1.0, 2.0, np.inf], index=[10, 11, 12])
    with pytest.raises(ValueError, match=r"first: infinity in row 12\)\. Fix it\.$"):
        check_array(x, name="x", ensure_2d=False, non_finite_fix="Fix it.", labels=x.index)
    with pytest.raises(ValueError, match=r"first: infinity at index 2\)"):  # no labels
        check_array(x, name="x", ensure_2d=False)


def test_check_array_speaks_of_clustering_unless_told_what_the_data_are_for():
    """The default messages are about clustering; a caller that tests rather than clusters
    (validation.ttest_ind) passes its own reason and fix."""
    from kmeans_np.checks import check_array

    with pytest.raises(ValueError, match=r"empty \(0 samples\); there is nothing to cluster\.$"):
        check_array(np.empty((0, 3)))
    with pytest.raises(ValueError, match=r"Drop or impute missing values before clustering, "
                                         r"e\.g\. df\.dropna\(\) or df\.fillna\(\.\.\.\)\.$"):
        check_array([[1.0, np.nan]])
    with pytest.raises(ValueError, match=r"^x is empty \(0 samples\); a test needs 2\.$"):
        check_array([], name="x", ensure_2d=False, why_empty="a test needs 2.")
    with pytest.raises(ValueError, match=r"\(first: NaN at index 1\)\. Drop it\.$"):
        check_array([1.0, np.nan], ensure_2d=False, non_finite_fix="Drop it.")


@pytest.mark.parametrize(
    ("X", "exc", "match"),
    [
        (np.empty((0, 3)), ValueError, "empty \\(0 samples\\)"),
        (np.arange(10.0), ValueError, "must be 2-D.*reshape"),
        (np.ones((5, 0)), ValueError, "no features"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "real numbers"),
        (np.array([[1.0, "x"], [2.0, 3.0]], dtype=object), TypeError,
         r"non-numeric values \(object dtype\)"),
        ([[1.0, None], [2.0, 3.0]], ValueError, "NaN at index \\(0, 1\\)"),  # None = missing
    ],
    ids=["empty", "1-D", "no-features", "strings", "mixed-text", "None"],
)
def test_bad_X(X, exc, match):
    with pytest.raises(exc, match=match):
        KMeans(1).fit(X)


def test_fewer_samples_than_clusters():
    with pytest.raises(ValueError, match="n_samples=4 is smaller than n_clusters=5"):
        KMeans(5).fit(X_OK[:4])


@pytest.mark.parametrize(
    ("k", "exc", "match"),
    [(0, ValueError, ">= 1, got 0"), (-2, ValueError, ">= 1"),
     (2.0, TypeError, "must be an integer"), ("3", TypeError, "must be an integer"),
     (True, TypeError, "must be an integer")],
)
def test_bad_n_clusters(k, exc, match):
    with pytest.raises(exc, match=match):
        KMeans(k).fit(X_OK)


def test_non_numeric_dataframe_column_is_named():
    df = pd.DataFrame({"recency": [1.0, 2.0, 3.0], "segment": ["a", "b", "c"],
                       "monetary": [5.0, 6.0, 7.0]})
    with pytest.raises(TypeError, match="non-numeric column\\(s\\) \\['segment'\\]"):
        KMeans(2).fit(df)


# --- parameters -----------------------------------------------------------------------


def test_init_array_of_wrong_shape():
    with pytest.raises(ValueError, match=r"init array has shape \(3, 2\).*\(3, 3\)"):
        KMeans(3, init=np.zeros((3, 2))).fit(X_OK)
    with pytest.raises(ValueError, match=r"init array has shape \(2, 3\).*\(3, 3\)"):
        KMeans(3, init=np.zeros((2, 3))).fit(X_OK)


@pytest.mark.parametrize(
    ("returns", "exc", "match"),
    [
        (lambda X, k: X[: k + 1], ValueError,
         r"init returned centres of shape \(3, 3\).*\(n_clusters, n_features\) = \(2, 3\)"),
        (lambda X, k: X[:k, :2], ValueError, r"shape \(2, 2\)"),
        (lambda X, k: np.full((k, 3), np.nan), ValueError,
         "the centres init returned contains 6 non-finite"),
        (lambda X, k: [["a"] * 3] * k, TypeError, "the centres init returned must hold real"),
    ],
    ids=["rows", "columns", "nan", "text"],
)
def test_callable_init_returning_bad_centres(returns, exc, match):
    """What the callable returns is checked as scikit-learn checks it (a finite 2-D array
    of shape (n_clusters, n_features)), with a message naming init."""
    with pytest.raises(exc, match=match):
        KMeans(2, init=lambda X, k, random_state: returns(X, k)).fit(X_OK)


def test_init_array_with_nan():
    init = X_OK[:2].copy()
    init[0, 0] = np.nan
    with pytest.raises(ValueError, match="init contains 1 non-finite"):
        KMeans(2, init=init).fit(X_OK)


def test_unknown_init_and_backend():
    with pytest.raises(
        ValueError, match=r"init must be one of.*, a callable or an array, got 'kmeans\+\+'"
    ):
        KMeans(2, init="kmeans++").fit(X_OK)
    with pytest.raises(ValueError, match=r"backend must be one of.*'cuda'"):
        KMeans(2, backend="cuda").fit(X_OK)


@pytest.mark.parametrize("n_init", [0, -1, 1.5, "many"])
def test_bad_n_init(n_init):
    with pytest.raises(ValueError, match="n_init must be 'auto' or a positive integer"):
        KMeans(2, n_init=n_init).fit(X_OK)


@pytest.mark.parametrize(
    ("params", "match"),
    [({"max_iter": 0}, "max_iter must be a positive integer"),
     ({"tol": -1.0}, "tol must be a finite number >= 0"),
     ({"tol": np.nan}, "tol must be a finite number >= 0")],
)
def test_bad_max_iter_and_tol(params, match):
    with pytest.raises(ValueError, match=match):
        KMeans(2, **params).fit(X_OK)


def test_tol_of_wrong_type_is_named():
    """A non-numeric tol must be refused with a message naming tol (as for max_iter),
    not numpy's internal "ufunc 'isfinite' not supported" error."""
    with pytest.raises((TypeError, ValueError), match="tol"):
        KMeans(2, tol="1e-4").fit(X_OK)


def test_init_array_with_n_init_warns_and_runs_once():
    """scikit-learn's behaviour: an init array means one start."""
    with pytest.warns(RuntimeWarning, match="init is an array.*n_init=5"):
        km = KMeans(2, init=X_OK[:2].copy(), n_init=5).fit(X_OK)
    assert km.cluster_centers_.shape == (2, 3)


# --- sample weights -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "match"),
    [
        (np.r_[-1.0, np.ones(39)], "1 negative value"),
        (np.zeros(40), "all zeros"),
        (np.ones(39), "39 values but X has 40 samples"),
        (np.r_[np.nan, np.ones(39)], "sample_weight contains 1 non-finite"),
        (np.ones((40, 1)), "sample_weight must be 1-D"),
    ],
    ids=["negative", "all-zero", "wrong-length", "nan", "2-D"],
)
def test_bad_sample_weight(w, match):
    with pytest.raises(ValueError, match=match):
        KMeans(2).fit(X_OK, sample_weight=w)
    with pytest.raises(ValueError, match=match):
        kmeans_plusplus(X_OK, 2, sample_weight=w)


def test_random_init_needs_enough_positive_weights():
    w = np.zeros(40)
    w[:2] = 1.0
    with pytest.raises(ValueError, match="needs 3 rows with positive weight, only 2"):
        KMeans(3, init="random", random_state=0).fit(X_OK, sample_weight=w)


# --- using a model --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["predict", "transform", "score"])
def test_use_before_fit(method):
    with pytest.raises(ValueError, match="not fitted yet"):
        getattr(KMeans(2), method)(X_OK)


@pytest.mark.parametrize("method", ["predict", "transform", "score"])
def test_wrong_number_of_features(method):
    km = KMeans(2, random_state=0).fit(X_OK)
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting 3 features"):
        getattr(km, method)(X_OK[:, :2])


def test_dataframe_input_and_feature_names():
    """A DataFrame fits like its values, records its column names, and predicting on
    other columns is refused; refitting on an array drops the names."""
    df = pd.DataFrame(X_OK, columns=["R", "F", "M"], index=np.arange(100, 140))
    km_df = KMeans(2, random_state=0).fit(df)
    km_np = KMeans(2, random_state=0).fit(X_OK)
    np.testing.assert_array_equal(km_df.labels_, km_np.labels_)
    np.testing.assert_array_equal(km_df.cluster_centers_, km_np.cluster_centers_)
    assert list(km_df.feature_names_in_) == ["R", "F", "M"]
    np.testing.assert_array_equal(km_df.predict(df), km_df.labels_)
    with pytest.raises(ValueError, match=r"another order: \['M', 'F', 'R'\]"):
        km_df.predict(df[["M", "F", "R"]])
    assert not hasattr(km_np, "feature_names_in_")
    assert not hasattr(km_df.fit(X_OK), "feature_names_in_")


# --- nothing mutated ------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("init", ["k-means++", "random", "array"])
def test_inputs_never_modified(init, backend):
    """Array, DataFrame, weights and init array are equal to copies taken before fit,
    predict, transform and score."""
    X = blob_data(300, 3, 4, seed=101)
    df = pd.DataFrame(X.copy(), columns=["R", "F", "M"])
    w = np.linspace(0.5, 2.0, 300)
    init_arr = X[:4] + 0.5
    originals = [a.copy() for a in (X, w, init_arr)]
    df_before = df.copy(deep=True)
    km = KMeans(4, init=init_arr if init == "array" else init, random_state=0, backend=backend)
    for data in (X, df):
        km.fit(data, sample_weight=w)
        km.predict(data)
        km.transform(data)
        km.score(data, sample_weight=w)
    kmeans_plusplus(X, 4, sample_weight=w, random_state=0, backend=backend)
    for now, before in zip((X, w, init_arr), originals, strict=True):
        np.testing.assert_array_equal(now, before)
    pd.testing.assert_frame_equal(df, df_before)


# --- random_state ---------------------------------------------------------------------


def test_random_state_types():
    """None works; an int is reproducible; a Generator is used as given (it advances, so
    a second fit differs, and a fresh Generator with the same seed repeats the first)."""
    X = blob_data(300, 2, 6, seed=102, std=3.0)
    KMeans(4, random_state=None).fit(X)
    a = KMeans(4, random_state=5).fit(X)
    b = KMeans(4, random_state=np.int64(5)).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    gen = np.random.default_rng(5)
    first = KMeans(4, init="random", n_init=1, random_state=gen).fit(X).cluster_centers_
    again = KMeans(4, init="random", n_init=1,
                   random_state=np.random.default_rng(5)).fit(X).cluster_centers_
    np.testing.assert_array_equal(first, again)
    state_after_first = gen.bit_generator.state
    KMeans(4, init="random", n_init=1, random_state=gen).fit(X)
    assert gen.bit_generator.state != state_after_first  # the Generator advanced


@pytest.mark.parametrize(
    ("rs", "exc", "match"),
    [(1.5, TypeError, "got float"), ("0", TypeError, "got str"),
     (np.random.RandomState(0), TypeError, "got RandomState"),
     (True, TypeError, "got bool"), (-1, ValueError, ">= 0")],
)
def test_bad_random_state(rs, exc, match):
    with pytest.raises(exc, match=f"random_state.*{match}"):
        KMeans(2, random_state=rs).fit(X_OK)


# --- elbow ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k_values", "params", "exc", "match"),
    [
        (range(2, 5), {"n_clusters": 3}, TypeError, "sets n_clusters itself"),
        ([], {}, ValueError, "k_values is empty"),
        (range(0, 3), {}, ValueError, r"between 1 and n_samples=40, got 0\.\.2"),
        ([2, 41], {}, ValueError, r"between 1 and n_samples=40, got 2\.\.41"),
        (["two"], {}, TypeError, "k_values must be integers"),
    ],
)
def test_bad_elbow_arguments(k_values, params, exc, match):
    with pytest.raises(exc, match=match):
        elbow(X_OK, k_values, **params)


def test_review_edge_cases_are_clear_errors():
    """Found in review: a bool n_local_trials, float k values and duplicated column names
    must be refused at the public edge, not deep inside numpy or pandas."""
    from kmeans_np.checks import check_columns

    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="n_local_trials"):
        kmeans_plusplus(X, 3, n_local_trials=True)
    with pytest.raises(TypeError, match="k_values must be integers"):
        elbow(X, [2, 2.7])
    df = pd.DataFrame([[1.0, 2.0]], columns=["amt", "amt"])
    with pytest.raises(ValueError, match="more than one column named"):
        check_columns(df, ["amt"])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_squared_distances_that_overflow_are_refused(backend):
    """Values near 1e160: squared distances pass float64's 1.8e308. Before, the fit gave
    inertia_ = inf and arbitrary labels; now it is a clear error at the edge."""
    X = np.random.default_rng(0).normal(size=(60, 3)) * 1e160
    with pytest.raises(ValueError, match=r"too large for K-means in float64.*Rescale"):
        KMeans(3, random_state=0, backend=backend).fit(X)
    with pytest.raises(ValueError, match="too large for K-means"):
        kmeans_plusplus(X, 3, random_state=0, backend=backend)
    huge = np.array([[-1e308, 0.0], [1e308, 0.0], [0.0, 1.0]])  # the span itself overflows
    with pytest.raises(ValueError, match="more than 1e308"):
        KMeans(2, random_state=0, backend=backend).fit(huge)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_large_data_that_fits_is_still_clustered_exactly(backend):
    """1e150 is large but safe: K-means is scale-equivariant, so from the same (scaled)
    starting centres it must give the unscaled fit's labels and 1e300 × its inertia."""
    X = np.random.default_rng(1).normal(size=(60, 3))
    init = X[:3].copy()
    small = KMeans(3, init=init, n_init=1, backend=backend).fit(X)
    big = KMeans(3, init=init * 1e150, n_init=1, backend=backend).fit(X * 1e150)
    np.testing.assert_array_equal(big.labels_, small.labels_)
    np.testing.assert_allclose(big.inertia_, small.inertia_ * 1e300, rtol=1e-12)


# --- the shared helpers of kmeans_np.checks -------------------------------------------


def test_is_integer_accepts_python_and_numpy_integers_only():
    from kmeans_np.checks import is_integer

    assert all(is_integer(v) for v in (0, -3, np.int8(2), np.uint64(7), np.int64(10**12)))
    assert not any(is_integer(v) for v in (True, np.bool_(False), 2.0, "3", None, np.float32(1)))


def test_check_integers_reads_any_iterable_and_names_the_argument():
    from kmeans_np.checks import check_integers

    assert check_integers(range(2, 5), "k_values") == [2, 3, 4]
    got = check_integers(np.array([3, 1]), "seeds")
    assert got == [3, 1] and all(type(v) is int for v in got)
    with pytest.raises(TypeError, match="seeds must be an iterable of integers, got 5"):
        check_integers(5, "seeds")
    with pytest.raises(TypeError, match=r"k_values must be integers, got \[2, 2\.5\]"):
        check_integers([2, 2.5], "k_values")
    with pytest.raises(TypeError, match="must be integers"):
        check_integers([1, True], "k_values")


def test_check_dataframe_says_what_was_given_and_where_tables_come_from():
    from kmeans_np.checks import check_dataframe

    check_dataframe(pd.DataFrame({"a": [1]}), "rfm")  # no error
    with pytest.raises(TypeError, match=r"^rfm must be a pandas DataFrame \(see rfm_table\), "
                                        r"got ndarray\.$"):
        check_dataframe(np.zeros((2, 3)), "rfm", source="see rfm_table")
    with pytest.raises(TypeError, match=r"^df must be a pandas DataFrame, got Series\.$"):
        check_dataframe(pd.Series([1.0]), "df")


def test_check_seed_and_as_generator_match_numpys_default_rng():
    from kmeans_np.checks import as_generator, check_random_state, check_seed

    assert check_seed(None) is None
    assert check_seed(np.int32(5)) == 5 and type(check_seed(np.int32(5))) is int
    gen = np.random.default_rng(1)
    assert check_seed(gen) is gen and as_generator(gen) is gen  # used as given: it advances
    # an int seeds a fresh numpy Generator: same draws as numpy's own
    expected = np.random.default_rng(7).random(4)
    np.testing.assert_array_equal(as_generator(7).random(4), expected)
    np.testing.assert_array_equal(check_random_state(7).random(4), expected)
    with pytest.raises(ValueError, match="random_state must be >= 0"):
        check_seed(-1)
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        check_seed(1.5)


def test_match_index_uses_the_same_index_as_it_is_and_reorders_the_same_keys():
    """The one rule by which labels and per-row tables are matched to a table's rows."""
    from kmeans_np.checks import match_index

    index = pd.Index(["a", "b", "c"])
    same = pd.Series([1, 2, 3], index=["a", "b", "c"])
    assert match_index(same, index, name="labels", whose="X's index", fix="") is same
    shuffled = pd.Series([3, 1, 2], index=["c", "a", "b"])
    before = shuffled.copy()
    out = match_index(shuffled, index, name="labels", whose="X's index", fix="")
    pd.testing.assert_series_equal(out, pd.Series([1, 2, 3], index=index))
    pd.testing.assert_series_equal(shuffled, before)  # the input is left as it was
    frame = pd.DataFrame({"x": [3.0, 1.0, 2.0]}, index=["c", "a", "b"])
    pd.testing.assert_frame_equal(
        match_index(frame, index, name="features", whose="X's index", fix=""),
        pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=index),
    )


@pytest.mark.parametrize(
    ("keys", "gaps"),
    [
        (["a", "b"], "1 row(s) without a value, 0 value(s) for others"),
        (["a", "b", "c", "d"], "0 row(s) without a value, 1 value(s) for others"),
        (["a", "b", "b"], "1 row(s) without a value, 0 value(s) for others, rows given twice"),
        ([0, 1, 2], "3 row(s) without a value, 3 value(s) for others, keys of type int64 "
                    "against str"),
    ],
)
def test_match_index_refuses_other_keys_counting_them(keys, gaps):
    from kmeans_np.checks import match_index

    values = pd.Series(range(len(keys)), index=keys)
    message = f"labels is a Series whose index does not match X's index ({gaps}); fix it."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        match_index(values, pd.Index(["a", "b", "c"], dtype="str"), name="labels",
                    whose="X's index", fix="fix it.")  # fmt: skip


def test_match_index_refuses_keys_repeated_in_the_rows():
    """Rows that share a key cannot each find their value by it."""
    from kmeans_np.checks import match_index

    with pytest.raises(ValueError, match=r"\(0 customer\(s\) without a value, 0 value\(s\) for "
                       r"others, customers given twice in the customers\)"):
        match_index(pd.Series([1, 2], index=["a", "b"]), pd.Index(["a", "b", "a"]),
                    name="labels", whose="the customers", row="customer", fix="")  # fmt: skip


@pytest.mark.parametrize(
    ("values", "dtype"),
    [([True, pd.NA, False], "boolean"), ([1, pd.NA, 3], "Int64"), ([1.5, pd.NA, 3.0], "Float64")],
)
def test_a_missing_value_of_a_nullable_series_is_refused_as_missing(values, dtype):
    """A 1-D nullable Series (a column, or sample weights) with a missing value was a
    TypeError "must hold numbers but has non-numeric values (object dtype)"; now it is
    NaN refused as missing, as in a DataFrame column, and without NA it reads as 0/1 or
    its numbers."""
    from kmeans_np.checks import check_array

    with pytest.raises(ValueError, match=r"^col contains 1 non-finite value\(s\) \(first: "
                                         r"NaN at index 1\)\."):
        check_array(pd.Series(pd.array(values, dtype=dtype)), name="col", ensure_2d=False)
    given = pd.Series(pd.array([v if v is not pd.NA else values[0] for v in values], dtype))
    got = check_array(given, ensure_2d=False)
    want = [float(v) for v in given.tolist()]  # bool or number, by Python's float()
    assert got.dtype == np.float64 and got.tolist() == want
    with pytest.raises(ValueError, match="sample_weight contains 1 non-finite"):
        KMeans(2).fit(X_OK[:3], sample_weight=pd.Series(pd.array(values, dtype=dtype)))
