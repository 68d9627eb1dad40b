r"""BG/NBD and MBG/NBD: who is still a customer, and how many purchases are ahead.

:class:`BetaGeo` is the BG/NBD model (Fader, Hardie & Lee 2005), :class:`ModifiedBetaGeo`
the MBG/NBD model (Batislam, Denizel & Filiztekin 2007). Both are fitted by maximum
likelihood (:mod:`rfm.clv.likelihood` derives the likelihood, :mod:`rfm.clv.mle`
maximises it) and predict, for each customer's history ``(x, t_x, T)``:

``p_alive``
    the probability the customer has not dropped out by ``T``;
``expected_purchases(t)``
    the expected purchases in the next ``t`` time units;
``probability_no_purchase(t)``
    the probability of no purchase in the next ``t`` time units.

The model, in one line (derived in :mod:`rfm.clv.likelihood`): while alive, a customer
buys as a Poisson process with rate ``λ`` and, after each repeat purchase (MBG/NBD: after
the first purchase too), drops out for good with probability ``p``; across customers
``λ ~ Gamma(r, α)`` (shape ``r``, *rate* ``α``) and ``p ~ Beta(a, b)``, independently.
``r``, ``α``, ``a``, ``b`` are the four fitted parameters (``params_``: ``r``, ``alpha``,
``a``, ``b``). A customer's history is ``x`` repeat purchases, the last at time ``t_x``
(0 when ``x = 0``), watched until ``T``, all times since the first purchase.

P(alive) for one-time buyers
----------------------------
In BG/NBD a customer can drop out only right after a *repeat* purchase. A customer with
``x = 0`` has had no chance to drop out, so the model says P(alive) = 1, however long
ago the first purchase was. That is the model's assumption, not a bug (lifetimes users
keep reporting it: its issues #44, #165, #424). MBG/NBD gives a chance to drop out at the
first purchase too, so a one-time buyer silent for long gets a low P(alive)::

    BG/NBD   P(alive) = 1 / (1 + δ_{x>0} · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x))
    MBG/NBD  P(alive) = 1 / (1 +          a/(b+x)   · ((α+T)/(α+t_x))^(r+x))

with ``δ_{x>0}`` = 1 when ``x > 0`` and 0 when ``x = 0`` (then P(alive) = 1).

The conditional expectation
---------------------------
Alive with known ``λ`` and ``p``, the customer buys at rate ``λ`` until dropping out,
which happens at rate ``λp``; so ``E[purchases in t | alive, λ, p] =
(1 - e^(-λpt)) / p``. Given the history and being alive, ``λ ~ Gamma(r+x, α+T)`` and
``p ~ Beta(a, b_x)`` with ``b_x = b + x`` (BG/NBD) or ``b + x + 1`` (MBG/NBD: one more
survived chance); ``b_x`` is a number, the code's ``B``, not the Beta function
``B(·, ·)`` of :mod:`rfm.clv.likelihood`. Averaging over both, with ``k = r + x`` and
``u = t/(α+T)``::

    E[Y(t) | alive] = (a+b_x-1)/(a-1) · [1 - (1+u)^-k · ₂F₁(k, b_x; a+b_x-1; u/(1+u))]

and ``E[Y(t) | x, t_x, T] = P(alive) · E[Y(t) | alive]``. The papers write it so; we
evaluate the Euler-transformed form ``(1+u)^-k ₂F₁(k, b_x; c; z) = (1+u)^(1-a)
₂F₁(c-k, a-1; c; z)`` with ``c = a+b_x-1``, whose first two parameters do not grow with
``x``: for a customer with ``x = 100,000`` the series converges at once instead of
overflowing. ``E[Y(t) | alive]`` depends on ``x`` and ``T`` only, so it is computed once
per distinct ``(x, T)``.

A new customer (``x = 0`` at ``T = 0``) is alive with probability 1 (BG/NBD) or
``b/(a+b)`` (MBG/NBD) just after the first purchase, which gives
``expected_purchases_new``.

The variance of the purchases ahead
-----------------------------------
Alive with known ``λ`` and ``p``, the customer makes ``Y = min(N, G)`` purchases in
``t``: ``N ~ Poisson(λt)`` purchase chances, cut short after the ``G``-th purchase by
dropping out (``P(G ≥ k) = (1-p)^(k-1)``). So ``P(Y ≥ k) = (1-p)^(k-1) P(N ≥ k)`` and
``E[Y²] = Σ_k (2k-1) P(Y ≥ k)``, which sums, with ``μ = λt`` and ``q = 1-p``, to::

    E[Y²  | λ, p] = 2 (1 - e^(-μp) (1 + μpq)) / p²  -  (1 - e^(-μp)) / p

Over ``λ ~ Gamma(k, α+T)`` (``E[e^(-λc)] = (1+c/(α+T))^-k``, ``E[λ e^(-λc)] =
k/(α+T) · (1+c/(α+T))^-(k+1)``), with ``u = t/(α+T)``::

    E[Y²  | alive, p] = 2 (1 - (1+pu)^-k - k p q u (1+pu)^-(k+1)) / p²  -  E[Y | alive, p]
    E[Y   | alive, p] = (1 - (1+pu)^-k) / p

and over ``p ~ Beta(a, B)`` by Gauss-Jacobi quadrature (:func:`beta_nodes`: the
weight ``p^(a-1) (1-p)^(B-1)`` is integrated exactly, however small ``a`` or large
``B``). Then ``Var Y(t) = P(alive) E[Y² | alive] - (P(alive) E[Y | alive])²``.
Customers are independent given the parameters, so the variance of a total is the sum
of theirs: :func:`rfm.clv.holdout_check`'s chance band rests on it.

No purchase ahead
-----------------
Dead customers make no purchase; alive ones make none in ``t`` with probability
``E[e^(-λt)] = (1+u)^-(r+x)`` under ``λ ~ Gamma(r+x, α+T)``. So
``P(no purchase in t) = 1 - P(alive) · (1 - (1+u)^-(r+x))``.

Degenerate data
---------------
``ValueError``, with the reason, for: no customer with a repeat purchase, fewer than
two customers (the data say nothing about how customers differ), and every repeat
customer buying last at the end of the period (``t_x = T``: nobody seems to have dropped
out, and the likelihood keeps rising as ``a → 0``). Other data that cannot identify
the model (e.g. two customers) end in a :class:`rfm.clv.ConvergenceWarning` that names
the parameters heading for 0 or infinity; ``converged_`` is then ``False``, the
parameters are the last (finite) iterate and their standard errors NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import hyp2f1

from rfm.clv._estimator import (
    Estimator,
    as_output,
    check_same_unit,
    check_time,
    is_dask,
    summary_unit,
)
from rfm.clv.distinct import DistinctRows, distinct_rows
from rfm.clv.inputs import PurchaseHistory, wsum
from rfm.clv.likelihood import (
    BetaGeoData,
    log_likelihood,
    log_likelihood_and_gradient,
    p_alive_rows,
)
from rfm.clv.mle import maximise

__all__ = ["BetaGeo", "ModifiedBetaGeo", "purchases_if_alive"]

#: within this distance of a = 1 the expectation is the mean of a = 1 ± this (its limit)
A_NEAR_ONE = 1e-6
#: from this third parameter on, ₂F₁ is summed as its power series (scipy's ``hyp2f1``
#: returns NaN there for z near 1: measured for c ≥ 100, z ≥ 0.95)
SERIES_FROM_C = 30.0
#: most terms of that series (it converges in a few dozen when c is large)
SERIES_TERMS = 500
#: nodes of the Gauss-Jacobi rule that averages over the dropout probability
#: (E[purchases | alive] to ~1e-10 of the closed form, for a from 0.002 to 5, B to 1e5)
BETA_NODES = 64


def beta_nodes(a: float, B: float, n: int = BETA_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (summing to 1) of the ``n``-point Gauss rule for the mean over
    ``p ~ Beta(a, B)``: ``E[f(p)] ≈ Σ w_i f(p_i)``, exact for polynomials of degree
    below ``2n``.

    Golub-Welsch: the eigenvalues of the Jacobi matrix of the Jacobi polynomials
    (weight ``(1-x)^(B-1) (1+x)^(a-1)`` on ``[-1, 1]``, ``x = 2p - 1``) are the nodes,
    the squared first components of its eigenvectors the normalised weights. (scipy's
    ``roots_jacobi`` scales the weights by the weight's integral, which overflows for
    ``a + B`` above about 1,000.)
    """
    from scipy.linalg import eigh_tridiagonal

    al, be = float(B) - 1.0, float(a) - 1.0
    k = np.arange(n, dtype=np.float64)
    s = 2 * k + al + be
    diag = np.empty(n)
    diag[0] = (be - al) / (al + be + 2)
    diag[1:] = (be * be - al * al) / (s[1:] * (s[1:] + 2))
    off = np.empty(n - 1)
    off[0] = 4 * (1 + al) * (1 + be) / ((2 + al + be) ** 2 * (3 + al + be))
    m, sm = k[2:], s[2:]
    off[1:] = 4 * m * (m + al) * (m + be) * (m + al + be) / (sm * sm * (sm + 1) * (sm - 1))
    x, vectors = eigh_tridiagonal(diag, np.sqrt(off))
    w = vectors[0] ** 2
    return (1 + x) / 2, w / w.sum()


def purchase_moments_if_alive(k: float, u: np.ndarray, a: float, B: float
                              ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``E[Y | alive]`` and ``E[Y² | alive]`` for purchases ``Y`` in ``t``, per ``u =
    t/(α+T)``, with ``λ ~ Gamma(k, α+T)`` and ``p ~ Beta(a, B)`` (module docstring)."""
    p, w = beta_nodes(a, B)
    u = np.asarray(u, dtype=np.float64)[:, None]
    log1p = np.log1p(p * u)
    once = -np.expm1(-k * log1p)  # 1 - (1+pu)^-k
    mean = once / p
    second = 2 * (once - k * p * (1 - p) * u * np.exp(-(k + 1) * log1p)) / (p * p) - mean
    return mean @ w, second @ w


def _hyp2f1_series(A: np.ndarray, B: float, c: np.ndarray, z: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``Σ_n (A)_n (B)_n / ((c)_n n!) zⁿ`` and whether each sum converged.

    With ``A`` and ``B`` of order one and ``c`` large, the terms shrink by about
    ``A·B/c`` each: a few dozen terms reach rounding level even at ``z → 1``.
    """
    total = np.ones_like(z)
    term = np.ones_like(z)
    for n in range(SERIES_TERMS):
        term = term * ((A + n) * (B + n) / ((c + n) * (n + 1.0))) * z
        total += term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
    return total, np.abs(term) <= 1e-16 * np.abs(total)


def _beta_mean_quadrature(k: float, u: float, a: float, B: float) -> float:
    """``E[(1 - (1+pu)^-k) / p]`` for ``p ~ Beta(a, B)`` by quadrature (the fallback).

    Small ``B``: QUADPACK's algebraic end-point weight ``p^(a-1) (1-p)^(B-1)``. Large
    ``B``: the Beta density in log space, the interval split around its bulk (a sliver
    near 0).
    """
    from scipy import integrate
    from scipy.special import betaln
    from scipy.stats import beta

    def h(p: float) -> float:
        return -np.expm1(-k * np.log1p(p * u)) / p if p > 0 else k * u

    if B <= 50:
        value, _ = integrate.quad(h, 0, 1, weight="alg", wvar=(a - 1, B - 1), limit=500)
        return value * np.exp(-betaln(a, B))
    mean = a / (a + B)
    sd = np.sqrt(a * B / ((a + B) ** 2 * (a + B + 1)))
    points = sorted({min(max(mean + j * sd, 1e-300), 1 - 1e-9) for j in (-3, 0, 3, 10, 30)})
    value, _ = integrate.quad(lambda p: h(p) * np.exp(beta.logpdf(p, a, B)), 0, 1,
                              points=points, limit=500, epsabs=0, epsrel=1e-10)
    return value


def _purchases_if_alive(k: np.ndarray, u: np.ndarray, a: float, B: np.ndarray) -> np.ndarray:
    k, u, B = np.broadcast_arrays(k, u, B)
    c = a + B - 1
    z = u / (1 + u)
    A = c - k  # a + b + s - 1 - r: of order one whatever x is
    F = np.empty(z.shape)
    series = c >= SERIES_FROM_C
    ok = np.zeros(z.shape, dtype=bool)
    if series.any():
        F[series], ok[series] = _hyp2f1_series(A[series], a - 1, c[series], z[series])
    rest = ~ok
    F[rest] = hyp2f1(A[rest], a - 1, c[rest], z[rest])
    g = c / (a - 1) * (1 - np.exp((1 - a) * np.log1p(u)) * F)
    for i in zip(*np.nonzero(~np.isfinite(g)), strict=True):  # rare: quadrature
        g[i] = _beta_mean_quadrature(k[i], u[i], a, B[i])
    return g


def purchases_if_alive(k: Any, u: Any, a: float, B: Any) -> np.ndarray:
    """``E[purchases in t | alive]`` for ``λ ~ Gamma(k, ·)``, ``p ~ Beta(a, B)``.

    ``u = t / (α + T)``, ``k = r + x``, ``B = b + x (+1)``. See the module docstring:
    ``(a+B-1)/(a-1) · [1 - (1+u)^(1-a) ₂F₁(a+B-1-k, a-1; a+B-1; u/(1+u))]``. The
    hypergeometric function is scipy's ``hyp2f1`` for small third parameters and its
    power series for large ones (where it converges at once and scipy's fails near
    ``z = 1``); anything still not finite is integrated numerically over ``p``. At
    ``a = 1`` (where the closed form is 0/0) the value is the mean of
    ``a = 1 ± A_NEAR_ONE``, its limit to ~1e-9.
    """
    k, u, B = (np.asarray(v, dtype=np.float64) for v in (k, u, B))
    shape = np.broadcast_shapes(k.shape, u.shape, B.shape)
    k, u, B = (np.atleast_1d(v) for v in (k, u, B))
    if abs(a - 1) < A_NEAR_ONE:
        g = (_purchases_if_alive(k, u, 1 - A_NEAR_ONE, B)
             + _purchases_if_alive(k, u, 1 + A_NEAR_ONE, B)) / 2
    else:
        g = _purchases_if_alive(k, u, a, B)
    return g.reshape(shape)


class BetaGeo(Estimator):
    """BG/NBD: Pareto/NBD's "buy till you die" story with dropout after repeat purchases.

    Parameters
    ----------
    max_iter : int
        Iteration cap of the quasi-Newton stage of the fit.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate ``λ ~ Gamma(r, alpha)``), ``a``, ``b``
        (dropout probability ``p ~ Beta(a, b)``), in the summary's time unit.
    log_likelihood_, standard_errors_, covariance_, converged_, n_customers_, n_rows_, unit_
        See :mod:`rfm.clv._estimator`.

    Notes
    -----
    The module docstring derives the predictions and explains why P(alive) = 1 for
    customers without a repeat purchase; :mod:`rfm.clv.likelihood` derives the
    likelihood.

    Examples
    --------
    >>> bg = BetaGeo().fit(summary)                               # doctest: +SKIP
    >>> bg.params_                                                # doctest: +SKIP
    {'r': 0.2426, 'alpha': 4.4136, 'a': 0.7929, 'b': 2.4259}
    >>> bg.expected_purchases(summary, 39)                        # doctest: +SKIP
    """

    PARAMS = ("r", "alpha", "a", "b")
    MODEL = "BG/NBD"
    #: whether a customer may drop out right after the first purchase (MBG/NBD)
    DROPOUT_AT_FIRST = False

    # -- fitting -------------------------------------------------------------------------
    def fit(self, summary: Any, t_x: Any = None, T: Any = None, *,
            weights: Any = None) -> BetaGeo:
        """Fit by maximum likelihood.

        Parameters
        ----------
        summary : DataFrame, dask DataFrame, or array
            A summary table (columns ``x``, ``t_x``, ``T``; :func:`rfm.clv.summary`),
            or the array ``x`` with ``t_x`` and ``T`` given too. A Dask DataFrame is
            reduced to its distinct rows on the workers; the fit runs on the client.
        t_x, T : array, optional
            With an array ``x``: time of the last repeat purchase and length of
            observation, in the same time unit.
        weights : array, optional
            Customers each row stands for (rows that are already collapsed).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A row that is not a valid history (named), fewer than two customers, or no
            repeat purchase at all.
        """
        if is_dask(summary):
            from rfm.clv.distinct_dask import distinct_histories_dask

            rows = distinct_histories_dask(summary)
        else:
            history = PurchaseHistory.from_input(summary, t_x, T)
            w = None
            if weights is not None:
                w = _check_weights(weights, len(history))
            rows = distinct_rows(history.x, history.t_x, history.T, weights=w)
        return self._fit_rows(rows, summary_unit(summary))

    def _fit_rows(self, rows: DistinctRows, unit: str | None) -> BetaGeo:
        data = BetaGeoData.from_rows(rows)
        n = data.customers
        if n < 2:
            raise ValueError(
                f"{self.MODEL} needs at least two customers to estimate how customers "
                f"differ; got {n:g}."
            )
        repeaters = data.weight[data.x > 0].sum()
        if repeaters == 0:
            raise ValueError(
                "no customer made a repeat purchase (every x is 0: no one bought on a "
                "second, later day): the data say nothing about purchase rates or dropout, "
                f"so {self.MODEL} cannot be fitted. Use a longer calibration period."
            )
        repeat = data.x > 0
        if np.all(data.t_x[repeat] == data.T[repeat]):
            raise ValueError(
                "every customer with a repeat purchase bought last at the end of the "
                "period (t_x = T): the data show no dropout at all, so the dropout "
                f"parameters a and b of {self.MODEL} cannot be estimated (the likelihood "
                "keeps rising as a → 0). Use a calibration period that ends later than "
                "the last purchases."
            )
        s = self.DROPOUT_AT_FIRST
        purchases = float(wsum(data.weight, data.x))
        mean_rate = purchases / max(float(wsum(data.weight, data.T)), 1e-12)
        start = np.array([1.0, 1.0 / max(mean_rate, 1e-9), 1.0, 1.0])
        fit = maximise(
            lambda theta: log_likelihood_and_gradient(theta, data, dropout_at_first=s),
            start, self.PARAMS, n, model=self.MODEL, max_iter=self.max_iter,
        )
        self._set(fit.params, unit=unit, fit=fit, n_customers=n, n_rows=len(rows))
        return self

    def log_likelihood(self, summary: Any, t_x: Any = None, T: Any = None) -> float:
        """Summed log-likelihood of the customers under this model's parameters."""
        history = self._history(summary, t_x, T)
        rows = distinct_rows(history.x, history.t_x, history.T)
        data = BetaGeoData.from_rows(rows)
        return log_likelihood(self._params(), data, dropout_at_first=self.DROPOUT_AT_FIRST)

    # -- predicting ----------------------------------------------------------------------
    def p_alive(self, summary: Any, t_x: Any = None, T: Any = None) -> Any:
        """P(alive at T | x, t_x, T) per customer, in [0, 1].

        Returns a Series on the summary's customers (an array for array input). For
        BG/NBD it is 1 for every customer with ``x = 0`` (module docstring).
        """
        h = self._history(summary, t_x, T)
        values = p_alive_rows(self._params(), h.x, h.t_x, h.T,
                              dropout_at_first=self.DROPOUT_AT_FIRST)
        return as_output(values, h.index, "p_alive")

    def expected_purchases(self, summary: Any, t: float) -> Any:
        """Expected purchases in the next ``t`` time units, given each customer's history.

        ``summary`` is a summary table or a tuple ``(x, t_x, T)``; ``t`` is in the
        summary's time unit.
        """
        h = self._history(summary)
        t = check_time(t)
        values = self._p_alive(h) * self._if_alive(h.x, h.T, np.array([t]), np.ones(1))
        return as_output(values, h.index, "expected_purchases")

    def expected_purchases_new(self, t: Any) -> Any:
        """Expected repeat purchases of a new customer in ``t`` time units after the first.

        ``t`` is a number or an array of numbers ≥ 0 (same shape returned).
        """
        r, alpha, a, b = self._params()
        times = np.asarray(t, dtype=np.float64)
        if times.dtype.kind != "f" or not np.all(np.isfinite(times)) or np.any(times < 0):
            raise ValueError("t must be finite time spans ≥ 0.")
        s = int(self.DROPOUT_AT_FIRST)
        alive = b / (a + b) if s else 1.0
        values = alive * purchases_if_alive(r, times / alpha, a, b + s)
        return float(values) if values.ndim == 0 else values

    def purchases_variance(self, summary: Any, t: float) -> Any:
        """Variance of each customer's purchases in the next ``t`` time units, given its
        history (the module docstring derives it): how far chance alone moves the
        purchases :meth:`expected_purchases` predicts, were the model right.

        ``summary`` is a summary table or a tuple ``(x, t_x, T)``; ``t`` is in the
        summary's time unit.
        """
        h = self._history(summary)
        t = check_time(t)
        r, alpha, a, b = self._params()
        pairs = distinct_rows(h.x, h.T, inverse=True)
        px, pT = pairs.values
        first, second = np.empty(len(px)), np.empty(len(px))
        xs, group = np.unique(px, return_inverse=True)
        order = np.argsort(group, kind="stable")
        bounds = np.searchsorted(group[order], np.arange(len(xs) + 1))
        for i, x in enumerate(xs):  # one quadrature rule per number of repeat purchases
            rows = order[bounds[i]:bounds[i + 1]]
            first[rows], second[rows] = purchase_moments_if_alive(
                r + x, t / (alpha + pT[rows]), a, b + x + int(self.DROPOUT_AT_FIRST))
        alive = self._p_alive(h)
        mean = alive * first[pairs.inverse]
        values = np.maximum(alive * second[pairs.inverse] - mean * mean, 0.0)
        return as_output(values, h.index, "purchases_variance")

    def probability_no_purchase(self, summary: Any, t: float) -> Any:
        """P(no purchase in the next ``t`` time units | history), per customer."""
        h = self._history(summary)
        t = check_time(t)
        r, alpha, _, _ = self._params()
        # alive customers make none with probability (1+u)^-(r+x), u = t/(α+T)
        buy = -np.expm1(-(r + h.x) * np.log1p(t / (alpha + h.T)))
        values = 1.0 - self._p_alive(h) * buy
        return as_output(values, h.index, "probability_no_purchase")

    # -- shared with lifetime_value ------------------------------------------------------
    def _history(self, summary: Any, t_x: Any = None, T: Any = None) -> PurchaseHistory:
        """The customers' checked ``(x, t_x, T)``, from a summary in the time unit of
        this model's parameters (a summary in another unit is refused, naming both)."""
        check_same_unit(self, summary_unit(summary))
        return PurchaseHistory.from_input(summary, t_x, T)

    def _p_alive(self, h: PurchaseHistory) -> np.ndarray:
        return p_alive_rows(self._params(), h.x, h.t_x, h.T,
                            dropout_at_first=self.DROPOUT_AT_FIRST)

    def _if_alive(self, x: np.ndarray, T: np.ndarray, times: np.ndarray,
                  coef: np.ndarray) -> np.ndarray:
        """``Σ_j coef_j · E[purchases in times_j | alive, x, T]`` per customer.

        Computed once per distinct ``(x, T)`` (a matrix of distinct pairs × times), then
        spread to the customers: :func:`rfm.clv.lifetime_value` weighs the times with
        discount factors, :meth:`expected_purchases` takes one time with weight 1.
        """
        r, alpha, a, b = self._params()
        pairs = distinct_rows(x, T, inverse=True)
        px, pT = pairs.values
        u = times[None, :] / (alpha + pT[:, None])
        B = (b + px + int(self.DROPOUT_AT_FIRST))[:, None]
        values = (purchases_if_alive((r + px)[:, None], u, a, B) * coef).sum(axis=1)
        return values[pairs.inverse]


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD: BG/NBD with a chance to drop out right after the first purchase too.

    The same parameters, fit and predictions as :class:`BetaGeo`; the only change is
    that a customer has ``x + 1`` chances to drop out (after the first purchase and each
    repeat one) instead of ``x``. So a one-time buyer (``x = 0``) is not certainly
    alive: ``P(alive) = 1 / (1 + a/b · ((α+T)/α)^r)``, which falls as ``T`` grows —
    what most users expect of a customer who bought once, long ago.
    """

    MODEL = "MBG/NBD"
    DROPOUT_AT_FIRST = True


def _check_weights(weights: Any, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per customer ({n}), got shape {w.shape}.")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"row {i}: weight {w[i]} is not a finite number ≥ 0.")
    return w
