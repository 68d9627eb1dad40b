"""Extreme histories, degenerate data and bad input: finite answers, clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _clv_cases import cdnow_summary, simulate_beta_geo

from rfm.clv import BetaGeo, ConvergenceWarning, GammaGamma, ModifiedBetaGeo

MODELS = [BetaGeo, ModifiedBetaGeo]
CDNOW = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
FIFTY_YEARS = 50 * 365.25 / 7  # in weeks


def _extremes():
    x = np.array([0, 1, 100, 10_000, 100_000, 100_000, 100_000, 50_000], dtype=float)
    T = np.array([FIFTY_YEARS, FIFTY_YEARS, FIFTY_YEARS, FIFTY_YEARS, FIFTY_YEARS,
                  FIFTY_YEARS, 1.0, 200.0])
    t_x = np.array([0.0, 0.5, 1.0, FIFTY_YEARS - 1, FIFTY_YEARS, 3.0, 1.0, 199.0])
    return x, t_x, T


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("params", [CDNOW, {"r": 3.0, "alpha": 0.5, "a": 4.0, "b": 0.2}])
def test_huge_histories_give_finite_probabilities_and_expectations(model, params) -> None:
    fitted = model.from_params(**params)
    history = _extremes()
    p = fitted.p_alive(history)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    for t in (0.5, 52.0, FIFTY_YEARS):
        e = fitted.expected_purchases(history, t)
        q = fitted.probability_no_purchase(history, t)
        assert np.all(np.isfinite(e)) and np.all(e >= 0)
        assert np.all(np.isfinite(q)) and np.all((q >= 0) & (q <= 1))
    new = fitted.expected_purchases_new(np.array([1.0, FIFTY_YEARS]))
    assert np.all(np.isfinite(new)) and new[1] > new[0] > 0
    ll = fitted.log_likelihood(history)
    assert np.isfinite(ll)


@pytest.mark.parametrize("model", MODELS)
def test_huge_histories_expectation_against_monte_carlo(model) -> None:
    """x = 100,000 over 50 years: the closed form against posterior draws of λ and p."""
    fitted = model.from_params(**CDNOW)
    r, alpha, a, b = CDNOW.values()
    rng = np.random.default_rng(8)
    for x, T, t in ((100_000.0, FIFTY_YEARS, 52.0), (20_000.0, 500.0, 2000.0)):
        history = (np.array([x]), np.array([T]), np.array([T]))  # bought last at T: alive
        expected = fitted.expected_purchases(history, t)[0]
        B = b + x + int(model.DROPOUT_AT_FIRST)
        lam = rng.gamma(r + x, 1 / (alpha + T), 1_000_000)
        p = rng.beta(a, B, 1_000_000)
        draws = -np.expm1(-lam * p * t) / p
        se = draws.std() / np.sqrt(len(draws))
        p_alive = fitted.p_alive(history)[0]
        assert abs(expected - p_alive * draws.mean()) < 4 * se * p_alive


def test_unit_only_rescales_alpha_and_the_likelihood(cdnow_sample_path) -> None:
    weeks = cdnow_summary(cdnow_sample_path)
    days = cdnow_summary(cdnow_sample_path, unit="D")
    w, d = BetaGeo().fit(weeks), BetaGeo().fit(days)
    for name in ("r", "a", "b"):
        assert d.params_[name] == pytest.approx(w.params_[name], rel=1e-6)
    assert d.params_["alpha"] == pytest.approx(7 * w.params_["alpha"], rel=1e-6)
    # purchase-time densities scale by 1/7 per repeat purchase
    shift = weeks["x"].sum() * np.log(7)
    assert d.log_likelihood_ == pytest.approx(w.log_likelihood_ - shift, rel=1e-9)
    assert d.unit_ == "D"


@pytest.mark.parametrize("model", MODELS)
def test_degenerate_data_are_refused_with_the_reason(model) -> None:
    T = np.array([10.0, 20.0, 30.0])
    with pytest.raises(ValueError, match="no customer made a repeat purchase"):
        model().fit(np.zeros(3), np.zeros(3), T)
    with pytest.raises(ValueError, match="at least two customers"):
        model().fit(np.array([2.0]), np.array([5.0]), np.array([9.0]))
    with pytest.raises(ValueError, match=r"t_x = T\): the data show no dropout"):
        model().fit(np.array([0.0, 2.0, 5.0]), np.array([0.0, 20.0, 30.0]), T)


def test_unidentified_fit_warns_names_the_drift_and_stays_finite() -> None:
    with pytest.warns(ConvergenceWarning, match="did not converge") as record:
        fitted = BetaGeo().fit(np.array([1.0, 0.0]), np.array([3.0, 0.0]),
                               np.array([5.0, 5.0]))
    assert "→" in str(record[0].message)  # a parameter heading for 0 or ∞ is named
    assert not fitted.converged_
    assert all(np.isfinite(v) for v in fitted.params_.values())
    with pytest.warns(ConvergenceWarning):
        spend = GammaGamma().fit(np.array([1.0, 2, 3, 4]), np.full(4, 10.0))
    assert not spend.converged_ and all(np.isfinite(v) for v in spend.params_.values())


def test_a_regular_fit_does_not_warn() -> None:
    x, t_x, T = simulate_beta_geo(20_000, 0.5, 4.0, 0.8, 2.5, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert BetaGeo().fit(x, t_x, T).converged_


BAD = [
    ({"x": [1, -1], "t_x": [2.0, 0.0], "T": [5.0, 5.0]}, r"row 1 \(customer 'b'\): x = -1"),
    ({"x": [1, 2.5], "t_x": [2.0, 1.0], "T": [5.0, 5.0]}, r"row 1 \(customer 'b'\): x = 2.5 is "
                                                          "not a whole number"),
    ({"x": [1, 2], "t_x": [2.0, 6.0], "T": [5.0, 5.0]}, r"row 1 \(customer 'b'\): t_x = 6 is "
                                                        "greater than T = 5"),
    ({"x": [1, 2], "t_x": [np.nan, 1.0], "T": [5.0, 5.0]}, r"t_x is missing or infinite at "
                                                           r"row 0 \(customer 'a'\)"),
    ({"x": [1, 2], "t_x": [1.0, 1.0], "T": [np.inf, 5.0]}, r"T is missing or infinite at row 0"),
    ({"x": [1, np.nan], "t_x": [1.0, 1.0], "T": [5.0, 5.0]}, r"^x is missing or infinite at "
                                                             r"row 1 \(customer 'b'\): nan"),
    ({"x": [1, 2], "t_x": [1.0, 1.0], "T": [5.0, np.nan]}, r"^T is missing or infinite at "
                                                           r"row 1 \(customer 'b'\): nan"),
    ({"x": [0, 2], "t_x": [1.0, 1.0], "T": [5.0, 5.0]}, r"row 0 \(customer 'a'\): t_x = 1 but "
                                                        "x = 0"),
    ({"x": [1, 2], "t_x": [-1.0, 1.0], "T": [5.0, 5.0]}, r"row 0 \(customer 'a'\): t_x = -1 is "
                                                         "negative"),
]


@pytest.mark.parametrize(("columns", "message"), BAD)
@pytest.mark.parametrize("model", MODELS)
def test_bad_input_is_a_value_error_naming_the_row(model, columns, message) -> None:
    table = pd.DataFrame(columns, index=pd.Index(["a", "b"], name="customer"))
    with pytest.raises(ValueError, match=message):
        model().fit(table)
    with pytest.raises(ValueError, match=message):
        model.from_params(**CDNOW).p_alive(table)
    arrays = tuple(np.asarray(columns[c], dtype=float) for c in ("x", "t_x", "T"))
    with pytest.raises(ValueError, match=message.replace(r" \(customer 'b'\)", "")
                       .replace(r" \(customer 'a'\)", "")):
        model().fit(*arrays)


def test_wrong_shapes_types_and_times() -> None:
    bg = BetaGeo.from_params(**CDNOW)
    with pytest.raises(ValueError, match="one value per customer"):
        BetaGeo().fit(np.ones(3), np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="must be numeric"):
        BetaGeo().fit(pd.DataFrame({"x": ["1"], "t_x": [1.0], "T": [2.0]}))
    with pytest.raises(ValueError, match="summary is missing column"):
        BetaGeo().fit(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="t must be a finite time span"):
        bg.expected_purchases((np.ones(1), np.ones(1), np.ones(1)), -1)
    with pytest.raises(ValueError, match="positive and finite"):
        BetaGeo.from_params(r=0.0, alpha=1.0, a=1.0, b=1.0)
    with pytest.raises(TypeError, match="takes exactly"):
        BetaGeo.from_params(r=1.0, alpha=1.0, a=1.0)
    with pytest.raises(RuntimeError, match="no parameters yet"):
        BetaGeo().p_alive((np.ones(1), np.ones(1), np.ones(1)))
    table = pd.DataFrame({"x": [1], "t_x": [1.0], "T": [2.0]})
    before = table.copy()
    bg.p_alive(table)
    pd.testing.assert_frame_equal(table, before)  # inputs are never modified
