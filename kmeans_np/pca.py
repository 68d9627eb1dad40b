r"""Principal component analysis by singular value decomposition of the centred data.

PCA finds the orthogonal directions along which the data vary most. With the column means
:math:`\mu` removed, :math:`X_c = X - \mu`, the thin SVD

.. math::

    X_c = U \, \mathrm{diag}(S) \, V^\top, \qquad S_1 \ge S_2 \ge \dots \ge 0

gives the principal axes as the rows of :math:`V^\top` (``components_``) and the variance
along axis :math:`i` as :math:`S_i^2/(n-1)` (``explained_variance_``, the sample variance of
the scores, as scikit-learn reports it). The share of the total variance it explains is
:math:`S_i^2 / \sum_j S_j^2` (``explained_variance_ratio_``). Projecting onto the first
:math:`q` axes, :math:`T = X_c V_q`, is the best rank-:math:`q` view of the data in the
least-squares sense — a 2-D picture of clusters that live in more dimensions.

**Signs.** An SVD determines each axis only up to sign (:math:`v` and :math:`-v` are equally
valid), and different LAPACK builds may pick differently. To make results reproducible, each
component is flipped so that its loading of largest absolute value is positive (on an exact
tie in absolute value, the first such loading counts). This is the same rule scikit-learn
applies to PCA since version 1.5.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np._tabular import (
    check_transform_input,
    fitted_names,
    record_fit_columns,
    wrap_like,
)
from kmeans_np.base import BaseEstimator, PrefixFeatureNamesMixin, TransformerMixin
from kmeans_np.checks import check_array, check_n_components, feature_names
from kmeans_np.dask_detect import is_dask_collection

__all__ = ["PCA"]


class PCA(PrefixFeatureNamesMixin, TransformerMixin, BaseEstimator):
    """Principal components by SVD of the centred data.

    Parameters
    ----------
    n_components : int
        Number of components to keep, ``1 <= n_components <= min(n_samples, n_features)``.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Principal axes (unit rows, orthogonal), sorted by decreasing variance, each signed so
        that its largest-magnitude loading is positive.
    explained_variance_ : ndarray of shape (n_components,)
        Variance of the data along each axis, :math:`S_i^2/(n-1)`.
    explained_variance_ratio_ : ndarray of shape (n_components,)
        Share of the total variance explained by each axis.
    singular_values_ : ndarray of shape (n_components,)
        The :math:`S_i` of the centred data.
    mean_ : ndarray of shape (n_features,)
        Column means removed before the SVD.
    n_components_ : int
    n_features_in_ : int
    n_samples_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> pca = PCA(n_components=1).fit(X)
    >>> pca.components_.round(4)
    array([[0.7071, 0.7071]])
    >>> pca.explained_variance_ratio_
    array([1.])
    """

    _fitted_attribute = "components_"

    def __init__(self, n_components: int = 2) -> None:
        self.n_components = n_components

    def fit(self, X: Any, y: Any = None) -> PCA:
        """Learn the mean and principal axes of ``X`` (shape (n_samples, n_features)).

        ``y`` is ignored; it is accepted for compatibility with scikit-learn pipelines.
        """
        if is_dask_collection(X):  # mean and axes from the blocks of a Dask array
            from kmeans_np.transform_dask import fit_pca_dask

            return fit_pca_dask(self, X)
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray | pd.DataFrame:
        """Fit to ``X`` and return its scores on the components, :math:`X_c V_q = U_q S_q`."""
        if is_dask_collection(X):
            return self.fit(X).transform(X)
        scores = self._fit(X)
        return self._wrap_scores(X, scores)

    def transform(self, X: Any) -> np.ndarray | pd.DataFrame:
        r"""Project ``X`` onto the components: :math:`(X - \mu) V_q`.

        Returns an array of shape (n_samples, n_components), or a DataFrame with ``X``'s
        index and columns ``PC1``, ``PC2``, … if ``X`` is a DataFrame (always a DataFrame
        after ``set_output(transform="pandas")``). For Dask input a Dask array (a Dask
        DataFrame after ``set_output(transform="pandas")``).
        """
        self._check_fitted()
        if is_dask_collection(X):
            from kmeans_np.transform_dask import map_blocks_of

            return map_blocks_of(self, "_scores", X, self.n_features_in_, self.n_components_)
        arr = check_transform_input(
            X, n_features=self.n_features_in_, names=fitted_names(self), owner="PCA"
        )
        return self._wrap_scores(X, self._scores(arr))

    def inverse_transform(self, X: Any) -> np.ndarray | pd.DataFrame:
        r"""Map scores back to feature space: :math:`T V_q^\top + \mu`.

        Exact when all components were kept; otherwise the projection of the original data
        onto the component subspace. A DataFrame in gives a DataFrame out, with the features'
        names as columns (positions if PCA was fitted on an array).
        """
        self._check_fitted()
        if is_dask_collection(X):
            from kmeans_np.transform_dask import map_blocks_of

            return map_blocks_of(
                self, "_unprojected", X, self.n_components_, self.n_features_in_,
                transform=False,
            )
        arr = check_transform_input(
            X,
            n_features=self.n_components_,
            names=self._score_names(),
            owner="PCA",
            name="scores",
            expected_what="produced by transform",
            warn_names=False,
        )
        back = self._unprojected(arr)
        names = fitted_names(self)
        columns = names if names is not None else range(self.n_features_in_)
        return wrap_like(X, back, columns)

    # -- internals ------------------------------------------------------------------------
    def _scores(self, arr: np.ndarray) -> np.ndarray:
        """Checked values projected on the components (``transform``'s numbers, in memory
        and per Dask block)."""
        return (arr - self.mean_) @ self.components_.T

    def _unprojected(self, arr: np.ndarray) -> np.ndarray:
        """Checked scores mapped back (``inverse_transform``'s numbers)."""
        return arr @ self.components_ + self.mean_

    def _fit(self, X: Any) -> np.ndarray:
        if hasattr(self, "components_"):  # a failed refit must not leave a half-updated fit
            del self.components_
        arr = check_array(X, min_samples=2)
        n, d = arr.shape
        q = check_n_components(self.n_components, n, d)
        names = feature_names(X)
        mean = arr.mean(axis=0)
        U, S, Vt = np.linalg.svd(arr - mean, full_matrices=False)
        signs = self._set_axes(mean, S, Vt, n, q, names)
        return (U * signs)[:, :q] * S[:q]

    def _set_axes(
        self, mean: np.ndarray, S: np.ndarray, Vt: np.ndarray, n: int, q: int,
        names: list[str] | None,
    ) -> np.ndarray:
        """Set the fitted attributes from the SVD of the centred data; return the signs
        applied to the axes (the largest loading of each is made positive)."""
        d = Vt.shape[1]
        signs = _largest_loading_signs(Vt)
        Vt = Vt * signs[:, None]
        total_var = (S**2).sum() / (n - 1)
        explained = S[:q] ** 2 / (n - 1)
        self.mean_ = mean
        self.components_ = Vt[:q].copy()
        self.singular_values_ = S[:q].copy()
        self.explained_variance_ = explained
        self.explained_variance_ratio_ = (
            explained / total_var if total_var > 0 else np.zeros_like(explained)
        )
        self.n_components_ = q
        self.n_samples_ = n
        record_fit_columns(self, names, d)
        return signs

    def _score_names(self) -> list[str]:
        return [f"PC{i + 1}" for i in range(self.n_components_)]

    # get_feature_names_out: the score columns PC1, PC2, ... as in the DataFrame output
    _feature_names_out = _score_names

    def _wrap_scores(self, X: Any, scores: np.ndarray) -> np.ndarray | pd.DataFrame:
        return self._wrap_output(X, scores, self._score_names())


def _largest_loading_signs(Vt: np.ndarray) -> np.ndarray:
    """+1/-1 per row of ``Vt`` making the row's largest-|value| entry positive."""
    idx = np.abs(Vt).argmax(axis=1)
    signs = np.sign(Vt[np.arange(Vt.shape[0]), idx])
    signs[signs == 0] = 1.0
    return signs


