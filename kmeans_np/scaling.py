r"""Feature scaling before K-means: min-max and z-score, with optional log1p and inversion.

K-means measures Euclidean distance, so a feature measured in dollars (0–10,000) swamps one
measured in orders (1–50). Scaling puts the features on comparable footing first.

Both scalers here are *affine maps per column*, applied after an optional ``log1p``:

.. math::

    z_j = \log(1 + x_j) \ \text{(if column } j \text{ is logged, else } z_j = x_j),
    \qquad x'_j = o_j + (z_j - c_j)\, s_j

with a centre :math:`c_j`, a multiplier :math:`s_j` and an offset :math:`o_j` learnt in
``fit``:

* **min-max** to ``feature_range = (lo, hi)``: :math:`c_j = \min z_j`,
  :math:`s_j = (hi - lo) / (\max z_j - \min z_j)`, :math:`o_j = lo`. An *inverted* column
  (``invert``) is flipped so that high means good — recency in days, where fewer is better:
  :math:`o_j = hi` and :math:`s_j` is negative, i.e.
  :math:`x'_j = hi - (z_j - \min z_j)(hi - lo)/(\max z_j - \min z_j)`, which for the
  default range is ``1 - min_max_scale(recency)``.
* **standard** (z-score): :math:`c_j = \bar z_j`, :math:`s_j = 1/\sigma_j` with the
  population standard deviation :math:`\sigma_j = \sqrt{\tfrac1n\sum_i (z_{ij} - \bar z_j)^2}`
  (ddof = 0), :math:`o_j = 0`.

The inverse map is :math:`z_j = c_j + (x'_j - o_j)/s_j`, then :math:`x_j = e^{z_j} - 1` for
logged columns. A constant column has no spread to divide by: it gets :math:`s_j = 0`, so it
scales to a constant (0 for the standard scaler, ``lo`` for min-max), a
:class:`ConstantColumnWarning` (a ``UserWarning``) names it, and ``inverse_transform``
gives the constant back.

Arrays in give arrays out; a DataFrame in gives a DataFrame out with the same index and
columns (``set_output(transform="pandas")`` gives a DataFrame for any input; a Dask array
or DataFrame gives a Dask array, or a Dask DataFrame with pandas output asked for). The
caller's data is never modified.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np._moments import scaled_difference, size_exponents, spread
from kmeans_np._tabular import (
    check_transform_input,
    column_mask,
    fitted_names,
    record_fit_columns,
    wrap_like,
)
from kmeans_np.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from kmeans_np.checks import check_array, feature_names
from kmeans_np.dask_detect import is_dask_collection

__all__ = ["ConstantColumnWarning", "MinMaxScaler", "StandardScaler"]

ArrayOrFrame = np.ndarray | pd.DataFrame


class ConstantColumnWarning(UserWarning):
    """A column the scaler was fitted on holds one value (or a spread too small to
    divide by).

    It carries no information for clustering: the scaler maps it to a constant (0 for
    :class:`StandardScaler`, ``lo`` for :class:`MinMaxScaler`), the same for every row, so
    no distance depends on it. A subclass of ``UserWarning``, so that a caller that says
    the same in its own words can silence this one alone
    (``warnings.simplefilter("ignore", ConstantColumnWarning)``).
    """


class _AffineScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Shared machinery: optional log1p, then ``x' = offset + (z - center) * mult`` per column.

    Subclasses implement :meth:`_fit_affine`, which learns ``center``, ``mult`` and
    ``offset`` from the (logged) training data and its column minima and maxima, and sets
    their public, scikit-learn-style attributes.
    """

    _fitted_attribute = "_mult"

    def __init__(self, log1p: bool | Sequence[Hashable] = False) -> None:
        self.log1p = log1p

    # -- to be provided by subclasses -------------------------------------------------
    def _fit_affine(
        self, labels: list[Hashable] | None, z_min: np.ndarray, z_max: np.ndarray,
        moments: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- public API ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> _AffineScaler:
        """Learn the per-column statistics of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            Finite numbers; a DataFrame must have only numeric columns.
        y : ignored
            Accepted for compatibility with scikit-learn pipelines.

        Returns
        -------
        self
        """
        if hasattr(self, "_mult"):  # a failed refit must not leave the old fit half-updated
            del self._mult
        if is_dask_collection(X):  # statistics from the blocks of a Dask array/DataFrame
            from kmeans_np.transform_dask import fit_scaler_dask

            return fit_scaler_dask(self, X)
        arr = check_array(X)
        names = feature_names(X)
        labels = list(X.columns) if isinstance(X, pd.DataFrame) else None
        self._prepare_fit(names, labels, arr.shape[1])
        Z = self._forward_log(arr)
        z_min, z_max = Z.min(axis=0), Z.max(axis=0)
        return self._finish_fit(labels, z_min, z_max, lambda: _moments(Z, z_min, z_max))

    def _prepare_fit(
        self, names: list[str] | None, labels: list[Hashable] | None, n_features: int
    ) -> None:
        """Record the columns and which of them are logged."""
        log_mask = column_mask(
            self.log1p, names=labels, n_features=n_features, what="log1p"
        )
        record_fit_columns(self, names, n_features)
        self.log1p_mask_ = log_mask

    def _finish_fit(
        self,
        labels: list[Hashable] | None,
        z_min: np.ndarray,
        z_max: np.ndarray,
        moments: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> _AffineScaler:
        """Learn the affine map from the (logged) column ranges and, when the scaler
        needs them, the column means, population variances and standard deviations
        ``moments()``."""
        center, mult, offset = self._fit_affine(labels, z_min, z_max, moments)
        self._center, self._mult, self._offset = center, mult, offset
        flat = mult == 0  # constant columns, or a spread too small to divide by
        if flat.any():
            where = np.flatnonzero(flat)
            shown = ", ".join(self._column_name(j) for j in where)
            one = where.size == 1
            warnings.warn(
                f"{type(self).__name__}: {shown} {'is' if one else 'are'} constant; "
                f"{'it carries' if one else 'they carry'} no information for clustering and "
                f"{'scales' if one else 'scale'} to a constant. Consider dropping "
                f"{'it' if one else 'them'}.",
                ConstantColumnWarning,
                stacklevel=3,
            )
        return self

    def transform(self, X: Any) -> ArrayOrFrame:
        """Scale ``X`` with the statistics learnt in :meth:`fit`.

        Returns an array, or a DataFrame with ``X``'s index and columns if ``X`` is one
        (always a DataFrame after ``set_output(transform="pandas")``). For Dask input a
        Dask array (a Dask DataFrame after ``set_output(transform="pandas")``).
        """
        if is_dask_collection(X):  # a Dask array, block by block
            from kmeans_np.transform_dask import map_blocks_of

            n = self.n_features_in_
            return map_blocks_of(self, "_scaled", X, n, n)
        return self._wrap_output(X, self._scaled(self._check_new_data(X)))

    def inverse_transform(self, X: Any) -> ArrayOrFrame:
        """Map scaled data back to the original units.

        Undoes the affine map, :math:`z = c + (x' - o)/s`, then ``expm1`` on the logged
        columns. Constant columns come back as their constant.
        """
        if is_dask_collection(X):
            from kmeans_np.transform_dask import map_blocks_of

            n = self.n_features_in_
            return map_blocks_of(self, "_unscaled", X, n, n, transform=False)
        return wrap_like(X, self._unscaled(self._check_new_data(X, warn_names=False)))

    # -- helpers ------------------------------------------------------------------------
    def _scaled(self, arr: np.ndarray) -> np.ndarray:
        """The map on checked values (``transform``'s numbers, in memory and per Dask
        block)."""
        Z = self._forward_log(arr)
        mult = self._mult
        return self._offset + scaled_difference(Z, self._center, lambda d: d * mult)

    def _unscaled(self, arr: np.ndarray) -> np.ndarray:
        """The inverse map on checked values (``inverse_transform``'s numbers)."""
        mult = self._mult
        safe = np.where(mult != 0, mult, 1.0)
        with np.errstate(over="ignore"):
            shift = np.where(mult != 0, arr - self._offset, 0.0)
            Z = self._center + shift / safe
            wide = np.isinf(Z)
            if wide.any():  # a column spanning more than 1.8e308: the sum taken halved
                Z = np.where(wide, 2.0 * (self._center * 0.5 + shift * 0.5 / safe), Z)
        Z[:, self.log1p_mask_] = np.expm1(Z[:, self.log1p_mask_])
        return Z

    def _check_new_data(self, X: Any, *, warn_names: bool = True) -> np.ndarray:
        """X for transform / inverse_transform, checked against what ``fit`` saw; the
        warning about column names only for ``transform``, as in scikit-learn."""
        self._check_fitted()
        return check_transform_input(
            X, n_features=self.n_features_in_, names=fitted_names(self),
            owner=type(self).__name__, warn_names=warn_names, stacklevel=4,
        )

    def _column_name(self, j: int) -> str:
        names = fitted_names(self)
        return repr(names[j]) if names is not None else f"column {j}"

    def _forward_log(self, arr: np.ndarray) -> np.ndarray:
        """Apply ``log1p`` to the chosen columns, on a copy; reject values <= -1."""
        mask = self.log1p_mask_
        if not mask.any():
            return arr
        cols = arr[:, mask]
        bad = (cols <= -1).any(axis=0)
        if bad.any():
            where = np.flatnonzero(mask)[bad]
            details = ", ".join(
                f"{self._column_name(j)} (min {arr[:, j].min():g})" for j in where
            )
            raise ValueError(
                f"log1p needs values > -1, but {details} has values <= -1. Shift or clip "
                "the data first, or leave these columns out of log1p."
            )
        Z = arr.copy()
        Z[:, mask] = np.log1p(cols)
        return Z


class MinMaxScaler(_AffineScaler):
    r"""Scale each column to ``feature_range``: :math:`lo + (x - \min)(hi - lo)/(\max - \min)`.

    Parameters
    ----------
    feature_range : (float, float)
        ``(lo, hi)`` with ``lo < hi``; the training data's minimum maps to ``lo`` and its
        maximum to ``hi``.
    invert : column or list of columns
        Columns flipped so that high means good (min maps to ``hi``, max to ``lo``): column
        names for DataFrame input, integer positions for arrays. With the default range an
        inverted column is ``1 - min_max_scale(column)``.
    log1p : bool or list of columns
        ``True`` applies ``log(1 + x)`` to every column before scaling, a list to those
        columns only; ``inverse_transform`` undoes it with ``expm1``. Skewed, non-negative
        features such as monetary value are the usual candidates.

    Attributes
    ----------
    data_min_, data_max_, data_range_ : ndarray of shape (n_features,)
        Per-column minimum, maximum and range of the training data (after log1p).
    scale_, min_ : ndarray of shape (n_features,)
        The map as scikit-learn writes it, ``x' = z * scale_ + min_``; ``scale_`` is
        negative for inverted columns and 0 for constant ones (which map to ``lo``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame.
    invert_mask_, log1p_mask_ : ndarray of bool
        Which columns are inverted / logged.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[8.0, 14.0], [142.0, 2.0], [3.0, 22.0]])
    >>> MinMaxScaler(invert=[0]).fit_transform(X).round(3)
    array([[0.964, 0.6  ],
           [0.   , 0.   ],
           [1.   , 1.   ]])
    """

    def __init__(
        self,
        feature_range: tuple[float, float] = (0, 1),
        invert: Hashable | Sequence[Hashable] = (),
        log1p: bool | Sequence[Hashable] = False,
    ) -> None:
        super().__init__(log1p=log1p)
        self.feature_range = feature_range
        self.invert = invert

    def _fit_affine(
        self, labels: list[Hashable] | None, z_min: np.ndarray, z_max: np.ndarray,
        moments: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = _check_feature_range(self.feature_range)
        if self.invert is True or self.invert is False:
            raise TypeError(
                "invert must name the columns to flip (a column or a list of columns), "
                f"got {self.invert!r}."
            )
        inv = column_mask(self.invert, names=labels, n_features=z_min.shape[0], what="invert")
        data_min, data_max = z_min, z_max
        with np.errstate(over="ignore"):  # an overflowing range is what this looks for
            data_range = data_max - data_min
        if not np.isfinite(data_range).all():
            raise ValueError(
                "X spans a range too wide for min-max scaling in float64 (max - min "
                "passes 1.8e308); rescale the data (e.g. to other units), use log1p, or "
                "use StandardScaler, which scales such data."
            )
        with np.errstate(over="ignore"):
            mult = np.divide(hi - lo, data_range, out=np.zeros_like(data_range),
                             where=data_max != data_min)
        # a spread so tiny (subnormal) that (hi - lo) / range overflows is as good as constant
        flat = ~np.isfinite(mult) | (mult == 0)
        mult = np.where(flat, 0.0, np.where(inv, -mult, mult))
        offset = np.where(inv & ~flat, hi, lo).astype(np.float64)
        self.data_min_, self.data_max_, self.data_range_ = data_min, data_max, data_range
        self.scale_ = mult
        self.min_ = offset - data_min * mult
        self.invert_mask_ = inv
        return data_min, mult, offset


class StandardScaler(_AffineScaler):
    r"""Z-score each column: :math:`(x - \bar x)/\sigma` with the population std (ddof = 0).

    .. math::

        \bar x_j = \frac1n \sum_i x_{ij}, \qquad
        \sigma_j = \sqrt{\frac1n \sum_i (x_{ij} - \bar x_j)^2}

    so every non-constant column of the training data ends with mean 0 and (population)
    standard deviation 1.

    Parameters
    ----------
    log1p : bool or list of columns
        ``True`` applies ``log(1 + x)`` to every column before standardising, a list to
        those columns only (names for DataFrames, positions for arrays).

    Attributes
    ----------
    mean_, var_ : ndarray of shape (n_features,)
        Per-column mean and population variance of the training data (after log1p).
        A variance above float64's largest number (a spread above ~1.3e154) is ``inf``;
        ``scale_`` is still exact: the moments are computed on the values divided by a
        power of two, so any finite values scale right, also a column whose range
        max - min passes float64's largest number (-9e307, 9e307 and 0 have
        ``scale_`` 7.35e307).
    scale_ : ndarray of shape (n_features,)
        Per-column standard deviation, the divisor: ``x' = (z - mean_) / scale_``. As in
        scikit-learn it is 1 for a constant column, which therefore scales to 0.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame.
    log1p_mask_ : ndarray of bool
    """

    def _fit_affine(
        self, labels: list[Hashable] | None, z_min: np.ndarray, z_max: np.ndarray,
        moments: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        constant = z_max == z_min
        mean, var, std = moments()
        # a spread so tiny that its variance underflows, or that 1 / std overflows (a
        # subnormal std), is as good as constant
        with np.errstate(over="ignore"):
            mult = np.divide(1.0, std, out=np.zeros_like(std), where=~(constant | (std == 0)))
        degenerate = constant | (std == 0) | ~np.isfinite(mult)
        mult = np.where(degenerate, 0.0, mult)
        self.mean_, self.var_ = mean, var
        self.scale_ = np.where(degenerate, 1.0, std)
        return mean, mult, np.zeros_like(mean)


def _moments(
    Z: np.ndarray, z_min: np.ndarray, z_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means, population variances and standard deviations (two passes, each on
    the values divided by a power of two, see :func:`kmeans_np._moments.size_exponents`)."""
    e_size, e_dev = size_exponents(z_min, z_max)
    mean = np.ldexp(np.ldexp(Z, -e_size).mean(axis=0), e_size)
    # a constant column's mean is its value exactly (a float sum may be off by an ulp)
    mean = np.where(z_max == z_min, z_min, mean)
    dev = scaled_difference(Z, mean, lambda d: np.ldexp(d, -e_dev))  # in (-1, 1)
    return mean, *spread((dev**2).mean(axis=0), e_dev)


def _check_feature_range(feature_range: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in feature_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"feature_range must be a pair of numbers (lo, hi), got {feature_range!r}."
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(
            f"feature_range must satisfy lo < hi with finite values, got {feature_range!r}."
        )
    return lo, hi
