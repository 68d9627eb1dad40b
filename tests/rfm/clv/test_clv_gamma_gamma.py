"""GammaGamma: the published CDNOW fit, its likelihood and prediction against numerical
integration over ν, parameter recovery, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _clv_cases import GAMMA_GAMMA_PUBLISHED, cdnow_summary
from scipy import integrate, stats

from rfm.clv import GammaGamma
from rfm.clv.gamma_gamma import SpendData, gamma_gamma_log_likelihood

PARAMS = (6.25, 3.74, 15.44)


def test_cdnow_reproduces_the_paper(cdnow_sample_path) -> None:
    s = cdnow_summary(cdnow_sample_path)
    gg = GammaGamma().fit(s)
    for name, value in GAMMA_GAMMA_PUBLISHED.items():
        assert gg.params_[name] == pytest.approx(value, rel=0.005), name
    assert gg.converged_ and gg.n_customers_ == 946  # the repeat customers only


def _density_of_mean(m: float, x: int, p: float, q: float, gamma: float) -> float:
    """f(m | x): the mean of x Gamma(p, ν) values (a Gamma(px, xν)) averaged over
    ν ~ Gamma(q, rate γ), by quadrature with scipy.stats densities."""
    def integrand(nu: float) -> float:
        return (stats.gamma.pdf(m, p * x, scale=1 / (x * nu))
                * stats.gamma.pdf(nu, q, scale=1 / gamma))

    value, _ = integrate.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-11, limit=200)
    return value


def test_likelihood_equals_integration_over_nu() -> None:
    for x, m in ((1, 10.0), (2, 22.35), (5, 40.0), (29, 15.0)):
        data = SpendData.from_arrays(np.array([float(x)]), np.array([m]), np.ones(1))
        ll, _ = gamma_gamma_log_likelihood(np.array(PARAMS), data)
        assert ll == pytest.approx(np.log(_density_of_mean(m, x, *PARAMS)), rel=1e-8)


def test_gradient_equals_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(1, 12, 500).astype(float)
    m = rng.gamma(3.0, 10.0, 500)
    w = rng.integers(1, 4, 500).astype(float)
    theta = np.array([2.0, 4.0, 30.0])
    data = SpendData.from_arrays(x, m, w)
    _, grad = gamma_gamma_log_likelihood(theta, data)
    for i in range(3):
        h = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric = (gamma_gamma_log_likelihood(up, data)[0]
                   - gamma_gamma_log_likelihood(down, data)[0]) / (2 * h)
        assert grad[i] == pytest.approx(numeric, rel=1e-6)


def test_expected_spend_equals_the_posterior_mean_by_integration() -> None:
    gg = GammaGamma.from_params(p=PARAMS[0], q=PARAMS[1], gamma=PARAMS[2])
    x = np.array([0.0, 1.0, 3.0, 20.0])
    m = np.array([0.0, 10.0, 25.0, 60.0])
    got = gg.expected_spend(x, m)
    p, q, gamma = PARAMS

    def prior(v):
        return stats.gamma.pdf(v, q, scale=1 / gamma)

    def posterior_mean(xi: float, mi: float) -> float:
        """E[p/ν | x, m] = ∫ (p/ν) f(m | ν) g(ν) dν / ∫ f(m | ν) g(ν) dν."""
        if xi == 0:
            return integrate.quad(lambda v: p / v * prior(v), 0, np.inf)[0]

        def joint(v):
            return stats.gamma.pdf(mi, p * xi, scale=1 / (xi * v)) * prior(v)

        num, _ = integrate.quad(lambda v: p / v * joint(v), 0, np.inf, epsrel=1e-11)
        den, _ = integrate.quad(joint, 0, np.inf, epsrel=1e-11)
        return num / den

    for i in range(4):
        assert got[i] == pytest.approx(posterior_mean(x[i], m[i]), rel=1e-7)
    assert gg.mean_spend_ == pytest.approx(got[0])


def test_parameter_recovery() -> None:
    rng = np.random.default_rng(17)
    n, (p, q, gamma) = 100_000, (3.0, 5.0, 40.0)
    nu = rng.gamma(q, 1 / gamma, n)
    x = rng.integers(1, 15, n)
    m = rng.gamma(p * x, 1 / (x * nu))  # the mean of x Gamma(p, ν) values: Gamma(px, xν)
    fitted = GammaGamma().fit(x.astype(float), m)
    for name, value in zip(("p", "q", "gamma"), (p, q, gamma), strict=True):
        assert abs(fitted.params_[name] - value) < 3 * fitted.standard_errors_[name], name


def test_bad_input_names_the_row() -> None:
    s = pd.DataFrame({"x": [1, 2, 0], "monetary": [10.0, 0.0, 0.0]},
                     index=pd.Index(["a", "b", "c"], name="id"))
    with pytest.raises(ValueError, match=r"row 1 \(customer 'b'\): monetary = 0 with x = 2"):
        GammaGamma().fit(s)
    with pytest.raises(ValueError, match=r"row 0: x = 1.5 is not a whole number"):
        GammaGamma().fit(np.array([1.5, 2.0]), np.array([3.0, 4.0]))
    with pytest.raises(ValueError, match="at least two customers with a repeat purchase"):
        GammaGamma().fit(s.assign(monetary=[10.0, 5.0, 0.0], x=[1, 0, 0]))
    with pytest.raises(ValueError, match="infinite"):
        GammaGamma.from_params(p=1.0, q=0.8, gamma=3.0).expected_spend(s.iloc[:1])
    with pytest.raises(RuntimeError, match="no parameters yet"):
        GammaGamma().expected_spend(s)
    with pytest.raises(ValueError, match="lifetimes-style"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1], "recency": [1.0],
                                       "monetary_value": [1.0]}))
