"""The scikit-learn estimator contract, without depending on scikit-learn.

``KMeans``, the scalers and ``PCA`` inherit from the classes here so that scikit-learn's
tools (``clone``, ``Pipeline``, ``GridSearchCV``, ``set_output``, ``check_estimator``)
accept them:

* :class:`BaseEstimator` — ``get_params``/``set_params`` read off the ``__init__``
  signature, a ``__repr__`` that shows the parameters that differ from their defaults,
  ``__sklearn_tags__`` and ``__sklearn_is_fitted__``.
* :class:`TransformerMixin` — ``fit_transform(X, y=None)``, ``set_output(transform=...)``
  and the output wrapping that honours it.
* :class:`ClusterMixin` — ``fit_predict(X, y=None)``.
* :class:`OneToOneFeatureMixin`, :class:`PrefixFeatureNamesMixin` —
  ``get_feature_names_out``.

scikit-learn itself is imported only inside ``__sklearn_tags__``, a method only
scikit-learn calls; ``import kmeans_np`` never imports it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np._tabular import check_is_fitted, wrap_like

__all__ = [
    "BaseEstimator",
    "ClusterMixin",
    "OneToOneFeatureMixin",
    "PrefixFeatureNamesMixin",
    "TransformerMixin",
]

#: Output containers ``set_output`` accepts.
OUTPUTS = ("default", "pandas", "polars")


class BaseEstimator:
    """Parameters, representation and scikit-learn tags shared by every estimator.

    A subclass lists its parameters as explicit arguments of ``__init__`` (no ``*args``
    or ``**kwargs``), stores each one unchanged under the same name and validates them in
    ``fit``. It sets ``_fitted_attribute`` to an attribute that only ``fit`` creates.
    """

    #: scikit-learn's estimator type ("clusterer", ...), or None.
    _estimator_type: str | None = None
    #: An attribute that exists exactly when the estimator is fitted.
    _fitted_attribute: str = ""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """Parameter names of ``__init__``, in signature order."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(
                    f"{cls.__name__}.__init__ must list its parameters explicitly "
                    f"(found {p})."
                )
            names.append(p.name)
        return names

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, as given to ``__init__`` or ``set_params``.

        Parameters
        ----------
        deep : bool, default True
            Also list the parameters of parameters that are estimators, as
            ``"<name>__<parameter>"``.

        Returns
        -------
        dict
        """
        params: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            params[name] = value
        return params

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set parameters (``name=value``, or ``"<name>__<parameter>"`` for a nested
        estimator); values are checked when ``fit`` runs.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a name that is not a parameter of the estimator.
        """
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            nestable = not sep or hasattr(valid.get(name), "set_params")
            if name not in valid or not nestable:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                    f"Valid parameters are: {sorted(self._get_param_names())!r}."
                )
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
        }
        shown = [
            f"{name}={_short_repr(value)}"
            for name, value in self.get_params(deep=False).items()
            if _differs(value, defaults.get(name, inspect.Parameter.empty))
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __sklearn_is_fitted__(self) -> bool:
        """Whether ``fit`` has run (used by ``sklearn.utils.validation.check_is_fitted``)."""
        return hasattr(self, self._fitted_attribute)

    def _check_fitted(self) -> None:
        """Raise ``ValueError`` if ``fit`` has not run yet."""
        check_is_fitted(self, self._fitted_attribute)

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's description of the estimator (called by scikit-learn only).

        Dense 2-D numeric input without missing values; no target needed; float64 output
        for transformers.
        """
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=False),
            transformer_tags=(
                TransformerTags(preserves_dtype=["float64"])
                if hasattr(self, "transform")
                else None
            ),
            input_tags=InputTags(two_d_array=True, sparse=False, allow_nan=False),
        )


class TransformerMixin:
    """``fit_transform`` and scikit-learn's ``set_output`` protocol.

    A subclass returns ``self._wrap_output(X, values)`` from ``transform`` (and from
    ``fit_transform`` if it overrides it) and provides ``get_feature_names_out``. With
    ``set_output(transform="pandas")`` (or scikit-learn's global
    ``transform_output="pandas"`` setting) the output is a DataFrame with those names as
    columns and ``X``'s index when ``X`` is a DataFrame; ``"polars"`` gives a polars
    DataFrame (polars is imported only then). With ``"default"`` it is what the
    estimator returns on its own: a DataFrame for a DataFrame input if
    ``_keeps_frames`` is true (the scalers, PCA), an array otherwise. Dask input goes
    through ``kmeans_np.transform_dask.dask_output``: a Dask array, or with
    ``"pandas"`` a Dask DataFrame on the input's index (0..n-1 for a Dask array);
    ``"polars"`` is refused there.
    """

    #: Default output: a DataFrame in gives a DataFrame out.
    _keeps_frames: bool = True

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit to ``X``, then transform it (same result as ``fit(X).transform(X)``).

        ``y`` is ignored; it is accepted for compatibility with scikit-learn pipelines.
        """
        return self.fit(X, y, **fit_params).transform(X)  # type: ignore[attr-defined]

    def set_output(self, *, transform: str | None = None) -> Any:
        """Choose the container ``transform`` and ``fit_transform`` return.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None
            ``"pandas"`` / ``"polars"``: always a pandas / polars DataFrame, columns
            ``get_feature_names_out()``; ``"default"``: the estimator's own behaviour;
            ``None``: leave unchanged.

        Returns
        -------
        self
        """
        if transform is None:
            return self
        if transform not in OUTPUTS:
            raise ValueError(
                f"set_output(transform=...) must be one of {OUTPUTS} or None, got "
                f"{transform!r}."
            )
        # the attribute scikit-learn's own set_output uses, so that clone copies it
        config = dict(getattr(self, "_sklearn_output_config", {}))
        config["transform"] = transform
        self._sklearn_output_config = config
        return self

    def _output_mode(self) -> str:
        mode = getattr(self, "_sklearn_output_config", {}).get("transform")
        if mode is None:
            # scikit-learn's global setting, read only if scikit-learn is already loaded
            sklearn = sys.modules.get("sklearn")
            get_config = getattr(sklearn, "get_config", None)
            mode = get_config().get("transform_output", "default") if get_config else "default"
        if mode not in OUTPUTS:
            raise ValueError(
                f"{type(self).__name__} can return {OUTPUTS} output, not {mode!r}; "
                "use set_output(transform='pandas'), 'polars' or 'default'."
            )
        return mode

    def _wrap_output(
        self, X: Any, values: np.ndarray, columns: Sequence[Any] | None = None
    ) -> np.ndarray | pd.DataFrame:
        """``values`` in the container asked for by ``set_output``.

        ``columns`` names the columns of the default DataFrame output (``None``: ``X``'s
        own columns).
        """
        mode = self._output_mode()
        if mode == "pandas":
            index = X.index if isinstance(X, pd.DataFrame) else None
            names = self.get_feature_names_out()  # type: ignore[attr-defined]
            return pd.DataFrame(values, index=index, columns=list(names))
        if mode == "polars":
            import polars as pl

            names = self.get_feature_names_out()  # type: ignore[attr-defined]
            return pl.DataFrame(values, schema=list(names), orient="row")
        if self._keeps_frames:
            return wrap_like(X, values, columns)
        return values


class ClusterMixin:
    """``fit_predict`` for estimators that set ``labels_`` in ``fit``."""

    _estimator_type = "clusterer"

    def fit_predict(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit to ``X`` and return ``labels_``; ``y`` is ignored."""
        return self.fit(X, y, **fit_params).labels_  # type: ignore[attr-defined]


class OneToOneFeatureMixin:
    """``get_feature_names_out`` for transformers whose output columns are the input's."""

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Output column names: the names seen in ``fit``, else ``x0``, ``x1``, ….

        Parameters
        ----------
        input_features : sequence of str, optional
            Names to use instead; must match ``feature_names_in_`` if ``fit`` saw names.

        Returns
        -------
        numpy.ndarray of str (object dtype)
        """
        return _input_feature_names(self, input_features)


class PrefixFeatureNamesMixin:
    """``get_feature_names_out`` giving ``<prefix>0``, ``<prefix>1``, …, one per output
    column (``_n_features_out``); the prefix is the lower-cased class name unless
    ``_feature_names_out`` is overridden."""

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Output column names (``input_features`` is only checked, as in scikit-learn).

        Returns
        -------
        numpy.ndarray of str (object dtype)
        """
        _input_feature_names(self, input_features)
        return np.asarray(self._feature_names_out(), dtype=object)

    def _feature_names_out(self) -> list[str]:
        prefix = type(self).__name__.lower()
        return [f"{prefix}{i}" for i in range(self._n_features_out)]  # type: ignore[attr-defined]


def _input_feature_names(estimator: Any, input_features: Sequence[str] | None) -> np.ndarray:
    """The fitted estimator's input feature names, checking ``input_features`` if given."""
    estimator._check_fitted()
    fitted = getattr(estimator, "feature_names_in_", None)
    n = estimator.n_features_in_
    if input_features is None:
        if fitted is not None:
            return np.asarray(fitted, dtype=object)
        return np.asarray([f"x{i}" for i in range(n)], dtype=object)
    names = np.asarray(input_features, dtype=object)
    # scikit-learn's wording, which its checks look for
    if len(names) != n:
        raise ValueError(
            f"input_features should have length equal to number of features ({n}), got "
            f"{len(names)}."
        )
    if fitted is not None and not np.array_equal(names, fitted):
        raise ValueError(
            f"input_features is not equal to feature_names_in_: {list(names)} instead of "
            f"{list(fitted)}."
        )
    return names


def _differs(value: Any, default: Any) -> bool:
    """Whether a parameter value differs from its default (for ``__repr__``)."""
    if default is inspect.Parameter.empty or isinstance(value, np.ndarray):
        return True
    if value is default:
        return False
    if _is_nan(value) and _is_nan(default):
        return False
    return repr(value) != repr(default)


def _is_nan(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def _short_repr(value: Any) -> str:
    """``repr`` on one line, large arrays summarised."""
    if isinstance(value, np.ndarray):
        with np.printoptions(threshold=12, edgeitems=2, precision=4):
            return " ".join(repr(value).split())
    return repr(value)
