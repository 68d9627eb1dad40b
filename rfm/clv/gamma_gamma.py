r"""The Gamma-Gamma model of spend per purchase (Fader & Hardie 2013).

The story
---------
Each purchase of a customer is worth ``z ~ Gamma(p, ν)`` (shape ``p``, rate ``ν``): the
customer's mean spend is ``p/ν``. Customers differ in ``ν ~ Gamma(q, γ)``. Spend is
assumed independent of how often and how long a customer buys (check it: the
correlation of ``x`` and ``monetary`` across repeat customers should be weak).

The data of a customer are ``x ≥ 1`` repeat purchases and their mean value ``m``.
The sum of ``x`` values is ``Gamma(px, ν)``, so ``m`` has density
``ν^(px) x^(px) m^(px-1) e^(-νxm) / Γ(px)``. Integrating over ``ν``::

    f(m | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · x^(px) · m^(px-1) / (γ + xm)^(px+q)

In log space (``gammaln``, ``log``), summed with weights over the distinct ``(x, m)``
rows; the terms of ``x`` alone are computed once per distinct ``x``. Gradient, with ``ψ``
the digamma function::

    ∂/∂p = x [ψ(px+q) - ψ(px) + log x + log m - log(γ+xm)]
    ∂/∂q = ψ(px+q) - ψ(q) + log γ - log(γ+xm)
    ∂/∂γ = q/γ - (px+q)/(γ+xm)

Customers with ``x = 0`` carry no information on repeat spend and are left out of the
fit.

Prediction
----------
Given ``x`` and ``m``, ``ν ~ Gamma(q + px, γ + xm)``, and the expected spend per future
purchase ``E[p/ν]`` is::

    E[Z | x, m] = p (γ + xm) / (px + q - 1)
                = (q-1)/(px+q-1) · pγ/(q-1)  +  px/(px+q-1) · m

a weighted mean of the population mean ``pγ/(q-1)`` and the customer's own ``m``
(needs ``q > 1``; customers with ``x = 0`` get the population mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from rfm.clv._estimator import Estimator, as_output, is_dask, summary_unit
from rfm.clv.distinct import DistinctRows, distinct_rows
from rfm.clv.inputs import (
    check_monetary,
    check_x,
    summary_columns,
    wsum,
)
from rfm.clv.mle import maximise

__all__ = ["GammaGamma", "SpendData", "gamma_gamma_log_likelihood"]


@dataclass(frozen=True)
class SpendData:
    """Distinct ``(x, m)`` rows of repeat customers with weights, and per distinct ``x``
    the index ``xi``, total weight ``W`` and ``log x`` (computed once per fit)."""

    x: np.ndarray
    m: np.ndarray
    weight: np.ndarray
    log_m: np.ndarray
    xs: np.ndarray
    xi: np.ndarray
    x_weight: np.ndarray

    @classmethod
    def from_arrays(cls, x: np.ndarray, m: np.ndarray, weight: np.ndarray) -> SpendData:
        xs, xi = np.unique(x, return_inverse=True)
        x_weight = np.bincount(xi, weights=weight, minlength=len(xs))
        return cls(x, m, weight, np.log(m), xs, xi, x_weight)


def gamma_gamma_log_likelihood(params: np.ndarray, data: SpendData) -> tuple[float, np.ndarray]:
    """Summed log-likelihood of the Gamma-Gamma model and its gradient in ``(p, q, γ)``.

    ``data`` holds the distinct rows (``x ≥ 1``, ``m > 0``) and their weights (module
    docstring).
    """
    p, q, gamma = np.asarray(params, dtype=np.float64)
    xs, xi, W, w, x = data.xs, data.xi, data.x_weight, data.weight, data.x
    n = W.sum()
    px = p * xs
    log_x = np.log(xs)
    head = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + px * log_x
    pxr = px[xi]
    gxm = gamma + x * data.m
    log_gxm = np.log(gxm)
    ll = float(wsum(W, head) + wsum(w, ((pxr - 1) * data.log_m - (pxr + q) * log_gxm)))
    dq_x = digamma(px + q)
    d_p = wsum(W, xs * (dq_x - digamma(px) + log_x)) + wsum(w * x, data.log_m - log_gxm)
    d_q = wsum(W, (dq_x - digamma(q))) + n * np.log(gamma) - wsum(w, log_gxm)
    d_gamma = n * q / gamma - wsum(w, ((pxr + q) / gxm))
    return ll, np.array([d_p, d_q, d_gamma])


class GammaGamma(Estimator):
    """Gamma-Gamma spend model: the expected value of each customer's future purchases.

    Parameters
    ----------
    max_iter : int
        Iteration cap of the quasi-Newton stage of the fit.

    Attributes
    ----------
    params_ : dict
        ``p`` (shape of a purchase's value), ``q`` and ``gamma`` (shape and rate of
        its rate ``ν`` across customers).
    log_likelihood_, standard_errors_, covariance_, converged_, n_customers_, n_rows_
        See :mod:`rfm.clv._estimator`; ``n_customers_`` counts repeat customers only.

    Notes
    -----
    The module docstring derives the likelihood and the prediction.
    """

    PARAMS = ("p", "q", "gamma")
    MODEL = "Gamma-Gamma"

    def fit(self, summary: Any, monetary: Any = None, *, weights: Any = None) -> GammaGamma:
        """Fit by maximum likelihood on the customers with ``x > 0``.

        Parameters
        ----------
        summary : DataFrame, dask DataFrame, or array
            A summary table (columns ``x`` and ``monetary``), or the array ``x``.
        monetary : array, optional
            With an array ``x``: each customer's mean spend per repeat purchase.
        weights : array, optional
            Customers each row stands for.

        Raises
        ------
        ValueError
            ``monetary ≤ 0`` for a repeat customer, invalid ``x`` (row named), or fewer
            than two repeat customers.
        """
        if is_dask(summary):
            from rfm.clv.distinct_dask import distinct_spends_dask

            rows = distinct_spends_dask(summary)
        else:
            x, m, _ = _spend_input(summary, monetary)
            w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
            if w.shape != x.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise ValueError("weights must be finite numbers ≥ 0, one per customer.")
            repeat = x > 0
            rows = distinct_rows(x[repeat], m[repeat], weights=w[repeat])
        return self._fit_rows(rows, summary_unit(summary))

    def _fit_rows(self, rows: DistinctRows, unit: str | None) -> GammaGamma:
        x, m = rows.values
        n = float(rows.weight.sum())
        if n < 2:
            raise ValueError(
                f"Gamma-Gamma needs at least two customers with a repeat purchase (x > 0); "
                f"got {n:g}."
            )
        mean = float(wsum(rows.weight, m)) / n
        start = np.array([1.0, 2.0, mean])  # population mean p γ / (q - 1) = mean
        data = SpendData.from_arrays(x, m, rows.weight)
        fit = maximise(
            lambda theta: gamma_gamma_log_likelihood(theta, data),
            start, self.PARAMS, n, model=self.MODEL, max_iter=self.max_iter,
        )
        self._set(fit.params, unit=unit, fit=fit, n_customers=n, n_rows=len(rows))
        return self

    @property
    def mean_spend_(self) -> float:
        """Population mean spend per purchase, ``pγ/(q-1)`` (infinite when ``q ≤ 1``)."""
        p, q, gamma = self._params()
        return float(p * gamma / (q - 1)) if q > 1 else float("inf")

    def expected_spend(self, summary: Any, monetary: Any = None) -> Any:
        """Expected value of each customer's future purchases (module docstring).

        ``summary`` is a summary table (``x``, ``monetary``) or the array ``x`` with
        ``monetary``. Customers with ``x = 0`` get the population mean
        :attr:`mean_spend_`.

        Raises
        ------
        ValueError
            ``q ≤ 1``: the population mean spend is infinite under these parameters.
        """
        p, q, gamma = self._params()
        if q <= 1:
            raise ValueError(
                f"q = {q:.4g} ≤ 1: under these parameters the mean spend per purchase is "
                "infinite (a heavy right tail), so expected spends are not defined."
            )
        x, m, index = _spend_input(summary, monetary)
        values = p * (gamma + x * m) / (p * x + q - 1)
        return as_output(values, index, "expected_spend")


def _spend_input(summary: Any, monetary: Any) -> tuple[np.ndarray, np.ndarray, pd.Index | None]:
    """``x`` and ``monetary`` of every customer, checked, with the index of a table."""
    if isinstance(summary, pd.DataFrame):
        if monetary is not None:
            raise TypeError("give a summary table, or x and monetary as arrays, not both.")
        table = summary_columns(summary, ("x", "monetary"))
        index = summary.index
        x_values, m_values = table["x"], table["monetary"]
    else:
        if monetary is None:
            raise TypeError("give a summary table (columns x, monetary) or the arrays x and "
                            "monetary.")
        index = None
        x_values, m_values = summary, monetary
    x = check_x(x_values, index)
    return x, check_monetary(m_values, x, index), index
