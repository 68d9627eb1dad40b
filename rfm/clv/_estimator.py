"""What every estimator of :mod:`rfm.clv` shares: parameters, fitted state, input routing.

An estimator is built empty (``BetaGeo()``), fitted (``.fit(summary)``) or given known
parameters (``BetaGeo.from_params(r=…, …)``). After fitting it holds, named as the
papers name them:

``params_``
    dict of parameter → value;
``log_likelihood_``
    the summed log-likelihood, in the summary's time unit (the papers' figure);
``standard_errors_``
    dict of parameter → standard error, from the observed information;
``covariance_``
    the parameters' covariance matrix (a DataFrame);
``converged_``
    whether the maximum was reached (else a :class:`rfm.clv.ConvergenceWarning`);
``n_customers_``, ``n_rows_``
    customers fitted, and the distinct rows the likelihood actually ran over;
``unit_``
    the time unit of the summary (``attrs["unit"]``), ``None`` when unknown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rfm.clv.mle import MLEFit

__all__ = ["UNIT_WORDS", "Estimator", "as_output", "check_same_unit", "is_dask", "summary_unit"]


def is_dask(obj: Any) -> bool:
    from kmeans_np.dask_detect import is_dask_frame

    return is_dask_frame(obj)


def as_output(values: np.ndarray, index: pd.Index | None, name: str) -> Any:
    """A Series on the customers' index when the input was a table, else the array."""
    if index is None:
        return values
    return pd.Series(values, index=index, name=name)


class Estimator:
    """Base of the estimators: fitted state and the checks on it."""

    #: parameter names, in the order of the papers
    PARAMS: tuple[str, ...] = ()
    #: the model's name in messages
    MODEL = ""

    def __init__(self, *, max_iter: int = 1000) -> None:
        if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}.")
        self.max_iter = int(max_iter)

    # -- parameters ----------------------------------------------------------------------
    @classmethod
    def from_params(cls, *, unit: str | None = None, **params: float) -> Any:
        """An estimator with known parameters (e.g. published ones), ready to predict.

        ``unit`` is the time unit the parameters are in (needed by
        :func:`rfm.clv.lifetime_value` when the summary does not record it).
        """
        missing = [p for p in cls.PARAMS if p not in params]
        extra = [p for p in params if p not in cls.PARAMS]
        if missing or extra:
            raise TypeError(f"{cls.__name__}.from_params takes exactly {', '.join(cls.PARAMS)}"
                            f" (missing {missing}, unexpected {extra}).")
        values = np.array([params[p] for p in cls.PARAMS], dtype=np.float64)
        if not (np.all(np.isfinite(values)) and np.all(values > 0)):
            raise ValueError(f"{cls.MODEL} parameters must be positive and finite, got {params}.")
        model = cls()
        model._set(values, unit=unit)
        return model

    def _set(self, values: np.ndarray, *, unit: str | None, fit: MLEFit | None = None,
             n_customers: float | None = None, n_rows: int | None = None) -> None:
        if unit is not None:
            from rfm.clv._summary_core import check_unit

            check_unit(unit)
        self._theta = np.asarray(values, dtype=np.float64)
        self.params_ = {p: float(v) for p, v in zip(self.PARAMS, values, strict=True)}
        self.unit_ = unit
        if fit is not None:
            self.log_likelihood_ = fit.log_likelihood
            self.standard_errors_ = {
                p: float(v) for p, v in zip(self.PARAMS, fit.standard_errors, strict=True)
            }
            self.covariance_ = pd.DataFrame(fit.covariance, index=list(self.PARAMS),
                                            columns=list(self.PARAMS))
            self.converged_ = fit.converged
            self.n_iter_ = fit.iterations
            self.n_customers_ = round(n_customers or 0)
            self.n_rows_ = int(n_rows or 0)

    def _params(self) -> np.ndarray:
        theta = getattr(self, "_theta", None)
        if theta is None:
            raise RuntimeError(
                f"this {type(self).__name__} has no parameters yet: call fit(summary) or "
                f"build it with {type(self).__name__}.from_params(...)."
            )
        return theta

    def __repr__(self) -> str:
        theta = getattr(self, "_theta", None)
        if theta is None:
            return f"{type(self).__name__}()"
        inside = ", ".join(f"{p}={v:.4g}" for p, v in self.params_.items())
        return f"{type(self).__name__}({inside})"


def check_time(t: Any, name: str = "t") -> float:
    """A time span: a finite number ≥ 0."""
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number (a time span in the summary's unit), "
                        f"got {type(t).__name__}.")
    t = float(t)
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"{name} must be a finite time span ≥ 0, got {t}.")
    return t


#: the time units of a summary, in words
UNIT_WORDS = {"D": "days", "W": "weeks", "M": "months"}


def check_same_unit(model: Estimator, unit: str | None, *, given: bool = False) -> None:
    """Refuse a summary in another time unit than ``model``'s parameters.

    A purchase model's parameters are in the time unit of the summary it was fitted on
    (``unit_``); a summary's ``t_x`` and ``T`` in another unit would be read in the
    model's, and every prediction would be wrong. Nothing is checked when either unit
    is unknown (a summary built by hand, a model with known parameters and no unit).

    Parameters
    ----------
    model : Estimator
        The fitted model (``unit_``, ``MODEL``).
    unit : str or None
        The summary's unit: its ``attrs["unit"]``, or the caller's ``summary_unit``.
    given : bool
        Whether ``unit`` is the caller's ``summary_unit`` (named so in the message).
    """
    fitted = getattr(model, "unit_", None)
    if unit is None or fitted is None or unit == fitted:
        return
    said = (f"summary_unit={unit!r} says the summary is in {UNIT_WORDS[unit]}" if given
            else f"the summary is in {UNIT_WORDS[unit]} (attrs['unit']={unit!r})")  # fmt: skip
    raise ValueError(
        f"the {model.MODEL} model's parameters are in {UNIT_WORDS[fitted]} "
        f"(unit={fitted!r}), but {said}: its t_x and T would be read as "
        f"{UNIT_WORDS[fitted]}. Build the summary with the same unit= as the model's, "
        f"rfm.clv.summary(..., unit={fitted!r}), or fit the model on this summary."
    )


def summary_unit(summary: Any) -> str | None:
    """The time unit a summary table records (a Dask one in its ``_meta``), if any."""
    if is_dask(summary):
        summary = summary._meta
    attrs = getattr(summary, "attrs", None) or {}
    unit = attrs.get("unit")
    return unit if isinstance(unit, str) else None
