"""PCA against scikit-learn's (up to sign), the sign rule, round trips and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA as SkPCA

from kmeans_np.pca import PCA

TOL = 1e-10


def _data(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # correlated columns with distinct variances, so the components are well separated
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d) * 5


def _align(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Signs (+1/-1 per component) that turn scikit-learn's components into ours."""
    return np.sign((ours * ref).sum(axis=1))


@pytest.mark.parametrize("n, d, q", [(50, 3, 2), (200, 5, 5), (30, 8, 4), (6, 10, 5)])
def test_equals_sklearn_up_to_sign(n: int, d: int, q: int) -> None:
    # (6, 10, 5): fewer samples than features; centred, 6 rows have rank 5, so q <= 5 keeps
    # every compared axis determined by the data
    X = _data(n, d, seed=n + d)
    ours = PCA(n_components=q).fit(X)
    ref = SkPCA(n_components=q, svd_solver="full").fit(X)
    signs = _align(ours.components_, ref.components_)
    assert set(np.abs(signs)) == {1.0}
    np.testing.assert_allclose(ours.components_, ref.components_ * signs[:, None], atol=TOL)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=TOL)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=TOL
    )
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=TOL)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=TOL)
    T_ref = ref.transform(X) * signs
    np.testing.assert_allclose(ours.transform(X), T_ref, atol=TOL * (1 + np.abs(T_ref).max()))
    np.testing.assert_allclose(
        PCA(n_components=q).fit_transform(X), T_ref, atol=TOL * (1 + np.abs(T_ref).max())
    )
    assert ours.n_components_ == q


def test_explained_variance_by_hand() -> None:
    # points on the line y = x: all variance on one axis, (1, 1)/sqrt(2)
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    pca = PCA(n_components=2).fit(X)
    np.testing.assert_allclose(pca.components_[0], [2**-0.5, 2**-0.5], atol=1e-15)
    # variance of the scores: projections are (i - 1.5)*sqrt(2), sample var = 2 * 5/3
    np.testing.assert_allclose(pca.explained_variance_, [10 / 3, 0.0], atol=1e-14)
    np.testing.assert_allclose(pca.explained_variance_ratio_, [1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(pca.mean_, [1.5, 1.5])


def test_sign_rule_largest_loading_positive() -> None:
    for seed in range(5):
        X = _data(40, 4, seed)
        for Xs in (X, -X, X[::-1]):
            comp = PCA(n_components=4).fit(Xs).components_
            biggest = comp[np.arange(4), np.abs(comp).argmax(axis=1)]
            assert (biggest > 0).all()
        # flipping the data does not change the (sign-fixed) axes
        np.testing.assert_allclose(
            PCA(n_components=4).fit(-X).components_,
            PCA(n_components=4).fit(X).components_,
            atol=TOL,
        )


def test_components_orthonormal_and_inverse_round_trip() -> None:
    X = _data(60, 4, seed=3)
    pca = PCA(n_components=4).fit(X)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-10)
    # with fewer components, inverse_transform equals scikit-learn's projection
    pca2 = PCA(n_components=2).fit(X)
    ref = SkPCA(n_components=2, svd_solver="full").fit(X)
    np.testing.assert_allclose(
        pca2.inverse_transform(pca2.transform(X)), ref.inverse_transform(ref.transform(X)),
        atol=1e-10,
    )


def test_dataframe_in_dataframe_out() -> None:
    X = _data(25, 3, seed=7)
    idx = pd.Index([f"C{i:03d}" for i in range(25)], name="customer_id")
    df = pd.DataFrame(X, columns=["recency", "frequency", "monetary"], index=idx)
    pca = PCA(n_components=2)
    out = pca.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["PC1", "PC2"]
    assert out.index.equals(idx)
    np.testing.assert_allclose(out.to_numpy(), PCA(n_components=2).fit(X).transform(X),
                               atol=1e-10)
    t = pca.transform(df)
    assert list(t.columns) == ["PC1", "PC2"] and t.index.equals(idx)
    back = pca.inverse_transform(t)
    assert list(back.columns) == ["recency", "frequency", "monetary"]
    assert back.index.equals(idx)
    assert list(pca.feature_names_in_) == ["recency", "frequency", "monetary"]
    with pytest.raises(ValueError, match=r"missing: \['monetary'\]"):
        pca.transform(df[["recency", "frequency"]])
    with pytest.warns(UserWarning, match="X does not have valid feature names, but PCA"):
        assert type(pca.transform(X)) is np.ndarray


@pytest.mark.parametrize("q", [0, -1, 4, 11])
def test_bad_n_components(q: int) -> None:
    X = _data(10, 3, seed=0)
    with pytest.raises(ValueError, match=r"min\(10, 3\) = 3"):
        PCA(n_components=q).fit(X)


def test_n_components_limited_by_samples() -> None:
    with pytest.raises(ValueError, match="= 3, got 4"):
        PCA(n_components=4).fit(_data(3, 5, seed=0))
    with pytest.raises(TypeError, match="integer"):
        PCA(n_components=1.5).fit(_data(10, 3, seed=0))


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0], [0.0, 1.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0], [0.0, 1.0]]), ValueError, "infinity"),
        (np.empty((0, 3)), ValueError, "empty"),
        (np.array([1.0, 2.0, 3.0]), ValueError, "2-D"),
        (np.array([[1.0, 2.0]]), ValueError, "at least 2"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]}), TypeError, "non-numeric"),
    ],
    ids=["nan", "inf", "empty", "1d", "one-sample", "text-column"],
)
def test_bad_input(bad, exc, match) -> None:
    with pytest.raises(exc, match=match):
        PCA(n_components=1).fit(bad)


def test_not_fitted() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        PCA().transform(np.ones((3, 2)))


def test_input_not_mutated() -> None:
    X = _data(30, 3, seed=1)
    X_before = X.copy()
    df = pd.DataFrame(X.copy(), columns=list("abc"))
    df_before = df.copy()
    pca = PCA(n_components=2)
    T = pca.fit_transform(X)
    T_before = T.copy()
    pca.inverse_transform(T)
    pca.fit_transform(df)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(T, T_before)
    pd.testing.assert_frame_equal(df, df_before)
