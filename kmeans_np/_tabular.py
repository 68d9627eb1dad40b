"""Array/DataFrame plumbing shared by the column-wise estimators (scalers, PCA).

These estimators learn something per column in ``fit`` and apply it in ``transform``. The
helpers here do the bookkeeping around that: remember what ``fit`` saw (number of columns,
column names), check that later input matches it, and hand results back in the caller's
type — a DataFrame in gives a DataFrame out with the same index.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_array, feature_names, is_integer

__all__ = [
    "check_is_fitted",
    "check_transform_input",
    "column_mask",
    "fitted_names",
    "record_fit_columns",
    "warn_on_missing_names",
    "wrap_like",
]


def record_fit_columns(estimator: Any, names: list[str] | None, n_features: int) -> None:
    """Remember what ``fit`` saw: ``n_features_in_`` and, when ``X`` was a DataFrame,
    ``feature_names_in_`` (removed when the estimator is refitted on a plain array)."""
    estimator.n_features_in_ = n_features
    if names is not None:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def fitted_names(estimator: Any) -> list[str] | None:
    """The column names ``fit`` saw, or ``None`` when it was given a plain array."""
    names = getattr(estimator, "feature_names_in_", None)
    return None if names is None else list(names)


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise ``ValueError`` if ``estimator`` has not been fitted yet.

    ``attribute`` is one that ``fit`` sets (e.g. ``"scale_"``); its absence means ``fit``
    was never called. When scikit-learn is already loaded the error is its
    ``NotFittedError`` (a ``ValueError`` subclass), which scikit-learn's tools expect;
    scikit-learn is never imported for this.
    """
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        sklearn_exceptions = sys.modules.get("sklearn.exceptions")
        error = getattr(sklearn_exceptions, "NotFittedError", ValueError)
        raise error(f"This {name} is not fitted yet; call {name}.fit(X) first.")


def warn_on_missing_names(
    given: Sequence[str] | None,
    fitted: Sequence[str] | None,
    owner: str,
    stacklevel: int = 2,
) -> None:
    """scikit-learn's ``UserWarning`` (its wording first) when new data has column names
    and the data ``fit`` saw had none, or the other way round.

    Parameters
    ----------
    given : sequence of str or None
        The new data's column names (``None`` for an array).
    fitted : sequence of str or None
        ``feature_names_in_``, ``None`` when ``fit`` saw an array.
    owner : str
        The estimator's class name.
    stacklevel : int
        ``warnings.warn``'s, counted from this function (2: its caller's line).
    """
    if given is not None and fitted is None:
        message = (
            f"X has feature names, but {owner} was fitted without feature names; the "
            "columns are taken by position. Fit on a DataFrame to have them checked by name."
        )
    elif given is None and fitted is not None:
        message = (
            f"X does not have valid feature names, but {owner} was fitted with feature "
            f"names {list(fitted)}; the columns are taken by position. Pass a DataFrame "
            "with these columns to have them checked by name."
        )
    else:
        return
    warnings.warn(message, UserWarning, stacklevel=stacklevel)


def check_transform_input(
    X: Any,
    *,
    n_features: int,
    names: Sequence[str] | None,
    owner: str,
    name: str = "X",
    expected_what: str = "seen in fit",
    warn_names: bool = True,
    stacklevel: int = 3,
) -> np.ndarray:
    """Validate the input of ``transform``-like methods against what ``fit`` saw.

    Parameters
    ----------
    X : array-like or DataFrame
        New data, 2-D.
    n_features : int
        Number of columns the estimator expects.
    names : sequence of str or None
        Column names the estimator expects when ``X`` is a DataFrame; ``None`` when it was
        fitted on a plain array (then only the column count is checked).
    owner : str
        Name of the estimator for the error messages (its class name).
    name, expected_what : str
        Wording of the error messages.
    warn_names : bool
        Warn as scikit-learn does when only one of ``X`` and the data ``fit`` saw has
        column names (:func:`warn_on_missing_names`): for the methods scikit-learn warns
        in (``transform``, ``predict``, ``score``), not for ``inverse_transform``.
    stacklevel : int
        The warning's ``stacklevel``, counted from this function: 3 (the default) for
        a public method calling it, 4 through a helper of the estimator.

    Returns
    -------
    numpy.ndarray
        ``X`` as a finite float64 array (see :func:`kmeans_np.checks.check_array`).
    """
    got = feature_names(X)
    if warn_names:
        warn_on_missing_names(got, names, owner, stacklevel=stacklevel + 1)
    if got is not None and names is not None and got != list(names):
        missing = [c for c in names if c not in got]
        extra = [c for c in got if c not in names]
        # for the names seen in fit, scikit-learn's wording first (its checks look for it)
        summary = expected_what == "seen in fit"
        if missing or extra:
            raise ValueError(
                (_sklearn_names_summary(missing, extra) if summary else "")
                + f"{name} has columns {got} but the columns {expected_what} are "
                f"{list(names)} (missing: {missing}, unexpected: {extra}). Pass a DataFrame "
                "with the same columns."
            )
        raise ValueError(
            (_sklearn_names_summary([], []) if summary else "")
            + f"{name} has the columns {expected_what} but in another order: {got} instead "
            f"of {list(names)}. Reorder them with X[{list(names)}]."
        )
    arr = check_array(X, name=name)
    if arr.shape[1] != n_features:
        # scikit-learn's wording, which its estimator checks look for
        raise ValueError(
            f"{name} has {arr.shape[1]} features, but {owner} is expecting {n_features} "
            f"features as input (the number of columns {expected_what}); pass data with "
            "the same features."
        )
    return arr


def _sklearn_names_summary(missing: list[str], extra: list[str]) -> str:
    """The lines scikit-learn writes when a DataFrame's columns differ from fit's."""
    def bullets(items: list[str]) -> str:
        shown = [f"- {c}\n" for c in sorted(items)[:5]]
        return "".join(shown) + ("- ...\n" if len(items) > 5 else "")

    text = "The feature names should match those that were passed during fit.\n"
    if extra:
        text += "Feature names unseen at fit time:\n" + bullets(extra)
    if missing:
        text += "Feature names seen at fit time, yet now missing:\n" + bullets(missing)
    if not missing and not extra:
        text += "Feature names must be in the same order as they were in fit.\n"
    return text


def column_mask(
    spec: Any,
    *,
    names: Sequence[Hashable] | None,
    n_features: int,
    what: str,
) -> np.ndarray:
    """Turn a user's column selection into a boolean mask over the columns.

    Parameters
    ----------
    spec : bool, str, int or iterable of them
        ``False``/``None``/empty: no column; ``True``: every column; otherwise column
        labels (when ``names`` is given, i.e. DataFrame input) or integer positions (array
        input). A single string counts as one label, not as a sequence of characters.
    names : sequence or None
        The DataFrame's column labels, or ``None`` for array input.
    n_features : int
        Number of columns.
    what : str
        Parameter name for the error messages (e.g. ``"invert"``).

    Returns
    -------
    numpy.ndarray of bool, shape (n_features,)
    """
    mask = np.zeros(n_features, dtype=bool)
    if spec is None or spec is False:
        return mask
    if spec is True:
        mask[:] = True
        return mask
    items = [spec] if isinstance(spec, (str, int, np.integer)) else list(_iterate(spec, what))
    if names is not None:
        labels = list(names)
        as_str = [str(c) for c in labels]
        unknown = []
        for item in items:
            if item in labels:
                at = labels.index(item)
            elif str(item) in as_str:
                at = as_str.index(str(item))
            else:
                unknown.append(item)
                continue
            if as_str.count(as_str[at]) > 1:
                raise ValueError(
                    f"{what} names column {as_str[at]!r}, which X holds "
                    f"{as_str.count(as_str[at])} times; give the columns unique names first."
                )
            mask[at] = True
        if unknown:
            raise ValueError(
                f"{what} names unknown column(s) {unknown}; the columns are {as_str}."
            )
        return mask
    for item in items:
        if not is_integer(item):
            raise TypeError(
                f"{what} must hold integer column positions for array input, got {item!r}; "
                "column names work only when X is a DataFrame."
            )
        if not 0 <= int(item) < n_features:
            raise ValueError(
                f"{what} holds column position {int(item)}, but X has {n_features} "
                f"column(s) (valid positions 0..{n_features - 1})."
            )
        mask[int(item)] = True
    return mask


def _iterate(spec: Any, what: str) -> Iterable[Any]:
    try:
        return iter(spec)
    except TypeError:
        raise TypeError(
            f"{what} must be True/False, a column or a list of columns, got {spec!r}."
        ) from None


def wrap_like(
    X: Any,
    values: np.ndarray,
    columns: Sequence[Hashable] | None = None,
) -> np.ndarray | pd.DataFrame:
    """Return ``values`` as a DataFrame on ``X``'s index if ``X`` is a DataFrame.

    ``columns`` defaults to ``X``'s own columns; arrays in give arrays out.
    """
    if isinstance(X, pd.DataFrame):
        cols = X.columns if columns is None else pd.Index(columns)
        return pd.DataFrame(values, index=X.index, columns=cols)
    return values
