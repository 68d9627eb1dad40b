"""The BG/NBD and MBG/NBD likelihoods: against direct numerical integration over the mixing
distributions, their gradients against finite differences, distinct rows against one row
per customer."""

from __future__ import annotations

import numpy as np
import pytest
from _clv_cases import integrated_likelihood, lambda_moment, simulate_beta_geo
from scipy import integrate, stats

from rfm.clv.distinct import distinct_rows
from rfm.clv.likelihood import BetaGeoData, log_likelihood, log_likelihood_and_gradient


def _data(x, t_x, T, weights=None) -> BetaGeoData:
    rows = distinct_rows(np.asarray(x, float), np.asarray(t_x, float), np.asarray(T, float),
                         weights=weights)
    return BetaGeoData.from_rows(rows)


CASES = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 12.0, 20.0),
         (3, 5.0, 5.0)]
PARAMS = [(0.2426, 4.4136, 0.7929, 2.4259), (1.7, 0.8, 2.5, 0.6), (0.5, 12.0, 0.3, 9.0)]


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("dropout_at_first", [False, True], ids=["BG/NBD", "MBG/NBD"])
def test_likelihood_equals_direct_integration(params, dropout_at_first: bool) -> None:
    for x, t_x, T in CASES:
        ours = log_likelihood(params, _data([x], [t_x], [T]), dropout_at_first=dropout_at_first)
        ref = np.log(integrated_likelihood(x, t_x, T, *params, s=int(dropout_at_first)))
        assert ours == pytest.approx(ref, rel=1e-8, abs=1e-9), (x, t_x, T)


@pytest.mark.parametrize("dropout_at_first", [False, True], ids=["BG/NBD", "MBG/NBD"])
def test_gradient_equals_finite_differences(dropout_at_first: bool) -> None:
    x, t_x, T = simulate_beta_geo(3000, 0.6, 3.0, 0.9, 2.0, seed=4,
                                  dropout_at_first=dropout_at_first)
    data = _data(x, t_x, T)
    for params in PARAMS:
        _, grad = log_likelihood_and_gradient(params, data, dropout_at_first=dropout_at_first)
        numeric = np.empty(4)
        for i in range(4):
            h = 1e-6 * params[i]
            up, down = np.array(params, float), np.array(params, float)
            up[i] += h
            down[i] -= h
            numeric[i] = (log_likelihood(up, data, dropout_at_first=dropout_at_first)
                          - log_likelihood(down, data, dropout_at_first=dropout_at_first)) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("dropout_at_first", [False, True], ids=["BG/NBD", "MBG/NBD"])
def test_distinct_rows_give_the_same_likelihood_as_one_row_per_customer(
    dropout_at_first: bool,
) -> None:
    rng = np.random.default_rng(2)
    x, t_x, T = simulate_beta_geo(2000, 0.3, 5.0, 0.8, 2.4, seed=7,
                                  dropout_at_first=dropout_at_first, T_max=6)
    t_x = np.floor(t_x * 7) / 7  # a day grid: many customers share a history
    t_x[x == 0] = 0
    collapsed = _data(x, t_x, T)
    assert len(collapsed.x) < len(x) / 3
    params = (0.3, 5.0, 0.8, 2.4)
    one_by_one = sum(
        log_likelihood(params, _data([x[i]], [t_x[i]], [T[i]]), dropout_at_first=dropout_at_first)
        for i in range(len(x))
    )
    assert log_likelihood(params, collapsed, dropout_at_first=dropout_at_first) == pytest.approx(
        one_by_one, rel=1e-12)
    # weights: a row standing for w customers counts w times
    w = rng.integers(1, 5, len(x)).astype(float)
    weighted = _data(x, t_x, T, weights=w)
    repeated = _data(np.repeat(x, w.astype(int)), np.repeat(t_x, w.astype(int)),
                     np.repeat(T, w.astype(int)))
    assert log_likelihood(params, weighted, dropout_at_first=dropout_at_first) == pytest.approx(
        log_likelihood(params, repeated, dropout_at_first=dropout_at_first), rel=1e-12)


def test_no_overflow_for_huge_histories() -> None:
    data = _data([100_000, 50_000, 0], [2600.0, 10.0, 0.0], [2609.0, 2609.0, 2609.0])
    for s in (False, True):
        ll, grad = log_likelihood_and_gradient((0.24, 4.4, 0.79, 2.4), data, dropout_at_first=s)
        assert np.isfinite(ll) and np.all(np.isfinite(grad))


def test_gamma_distributions_are_parameterised_by_rate() -> None:
    # the λ moment helper itself: E[λ] = r/α for the Gamma(r, rate α) of the papers
    r, alpha = 0.7, 3.0
    mean, _ = integrate.quad(lambda v: v * stats.gamma.pdf(v, r, scale=1 / alpha), 0, np.inf)
    assert mean == pytest.approx(r / alpha, rel=1e-8)
    assert lambda_moment(1, 0.0, r, alpha) == pytest.approx(r / alpha, rel=1e-8)

