"""Shared cases for the rfm.clv tests: CDNOW's calibration summary, model simulations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate

from rfm.columns import TransactionColumns

#: the roles of rfm.datasets.load_cdnow's table
CDNOW_COLUMNS = TransactionColumns(customer="customer", invoice=None, date="date",
                                   amount="amount", quantity=None, price=None)
CALIBRATION_END = "1997-09-30"

#: Fader, Hardie & Lee (2005) on the CDNOW sample, and Fader & Hardie (2013)
BGNBD_PUBLISHED = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
BGNBD_LOG_LIKELIHOOD = -9582.43
GAMMA_GAMMA_PUBLISHED = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def cdnow_summary(path: Path, **kwargs) -> pd.DataFrame:
    from rfm.clv import summary
    from rfm.datasets import load_cdnow

    return summary(load_cdnow(path), columns=CDNOW_COLUMNS, calibration_end=CALIBRATION_END,
                   **kwargs)


def simulate_beta_geo(
    n: int, r: float, alpha: float, a: float, b: float, *, seed: int,
    dropout_at_first: bool = False, T_max: float = 52.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, t_x, T)`` of ``n`` customers drawn from BG/NBD (or MBG/NBD), vectorised.

    Each customer gets ``λ ~ Gamma(r, rate α)``, ``p ~ Beta(a, b)`` and ``T`` on a day
    grid up to ``T_max``. Purchase events in ``(0, T]`` are Poisson(λT); the customer
    dies after the ``D``-th chance, ``D ~ Geometric(p)``, chances being the repeat
    purchases (plus the first purchase for MBG/NBD). So ``x = min(N, D - s)`` and, given
    ``N`` events, the ``x``-th one falls at ``T · Beta(x, N - x + 1)`` (uniform order
    statistics).
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.integers(1, int(T_max * 7) + 1, n) / 7.0
    events = rng.poisson(lam * T)
    s = int(dropout_at_first)
    purchases_before_death = rng.geometric(p) - s  # repeat purchases before dropping out
    x = np.minimum(events, purchases_before_death)
    t_x = np.zeros(n)
    some = x > 0
    t_x[some] = T[some] * rng.beta(x[some], events[some] - x[some] + 1)
    return x.astype(np.float64), t_x, T


# -- references by numerical integration over the mixing distributions -------------------
def lambda_moment(x: float, t: float, r: float, alpha: float, extra=None) -> float:
    """E[λ^x e^(-λt) extra(λ)] under λ ~ Gamma(r, rate α), by quadrature (the singular
    end at λ = 0 handled by the algebraic weight)."""
    g = extra if extra is not None else (lambda v: 1.0)

    def piece(power: float, rate: float, f) -> float:
        head, _ = integrate.quad(lambda v: np.exp(-v * rate) * f(v), 0, 1, weight="alg",
                                 wvar=(power, 0.0), epsabs=0, epsrel=1e-12)
        tail, _ = integrate.quad(lambda v: v**power * np.exp(-v * rate) * f(v), 1, np.inf,
                                 epsabs=0, epsrel=1e-12)
        return head + tail

    return piece(x + r - 1, alpha + t, g) / piece(r - 1, alpha, lambda v: 1.0)


def p_moment(f, a: float, b: float) -> float:
    """E[f(p)] under p ~ Beta(a, b), by quadrature with the Beta weight."""
    num, _ = integrate.quad(f, 0, 1, weight="alg", wvar=(a - 1, b - 1), epsabs=0,
                            epsrel=1e-12, limit=200)
    den, _ = integrate.quad(lambda p: 1.0, 0, 1, weight="alg", wvar=(a - 1, b - 1))
    return num / den


def likelihood_branches(x, t_x, T, r, alpha, a, b, s: int) -> tuple[float, float]:
    """The two integrated branches of one customer's likelihood, by quadrature:
    ``∫∫ (1-p)^(x+s) λ^x e^(-λT)`` (alive) and ``∫∫ p (1-p)^(x+s-1) λ^x e^(-λ t_x)``
    (dropped out after the last purchase; 0 when ``x + s = 0``)."""
    k = x + s
    alive = p_moment(lambda p: (1 - p) ** k, a, b) * lambda_moment(x, T, r, alpha)
    if k == 0:
        return alive, 0.0
    dead = p_moment(lambda p: p * (1 - p) ** (k - 1), a, b) * lambda_moment(x, t_x, r, alpha)
    return alive, dead


def integrated_likelihood(x, t_x, T, r, alpha, a, b, s: int) -> float:
    return sum(likelihood_branches(x, t_x, T, r, alpha, a, b, s))
