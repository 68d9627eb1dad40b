"""lifetime_value against a loop over periods of the public predictions, and
customer_value end to end (index, columns, horizon, Dask-free paths)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _clv_cases import CALIBRATION_END, CDNOW_COLUMNS, cdnow_summary

from rfm import rfm_table
from rfm.clv import (
    BetaGeo,
    CustomerValue,
    GammaGamma,
    ModifiedBetaGeo,
    customer_value,
    lifetime_value,
)
from rfm.datasets import load_cdnow, make_transactions

BG = {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow(cdnow_sample_path):
    return cdnow_summary(cdnow_sample_path)


def _loop_value(model, spend, summary, horizon, weeks_per_period, rate):
    """Σ_k spend · (E[X(k Δ)] - E[X((k-1) Δ)]) / (1+d)^k, one public call per period."""
    value = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for k in range(1, horizon + 1):
        now = model.expected_purchases(summary, k * weeks_per_period).to_numpy()
        value += (now - previous) / (1 + rate) ** k
        previous = now
    return value * spend.expected_spend(summary).to_numpy()


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize(("unit", "weeks"), [("M", 30.4375 / 7), ("W", 1.0), ("D", 1 / 7)])
def test_lifetime_value_equals_a_loop_over_periods(cdnow, model, unit, weeks) -> None:
    purchases = model.from_params(**BG)
    spend = GammaGamma.from_params(**GG)
    part = cdnow.iloc[::7]
    got = lifetime_value(purchases, spend, part, 6, unit, 0.01)
    assert got.index.equals(part.index) and got.name == "lifetime_value"
    np.testing.assert_allclose(got, _loop_value(purchases, spend, part, 6, weeks, 0.01),
                               rtol=1e-10)


def test_undiscounted_value_is_purchases_times_spend(cdnow) -> None:
    purchases, spend = BetaGeo.from_params(**BG), GammaGamma.from_params(**GG)
    got = lifetime_value(purchases, spend, cdnow, 12, "M", 0.0)
    weeks = 12 * 30.4375 / 7
    ref = purchases.expected_purchases(cdnow, weeks) * spend.expected_spend(cdnow)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    # discounting only lowers the value, more with a higher rate
    assert np.all(lifetime_value(purchases, spend, cdnow, 12, "M", 0.02) <= got + 1e-12)


def test_lifetime_value_errors(cdnow) -> None:
    purchases, spend = BetaGeo.from_params(**BG), GammaGamma.from_params(**GG)
    with pytest.raises(ValueError, match="horizon must be a whole number"):
        lifetime_value(purchases, spend, cdnow, 0)
    with pytest.raises(ValueError, match="discount_rate"):
        lifetime_value(purchases, spend, cdnow, 3, "M", -0.1)
    with pytest.raises(TypeError, match="spend_model must be a fitted GammaGamma"):
        lifetime_value(purchases, purchases, cdnow, 3)
    bare = cdnow.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="time unit is unknown"):
        lifetime_value(purchases, spend, bare, 3)
    assert lifetime_value(purchases, spend, bare, 3, summary_unit="W").equals(
        lifetime_value(purchases, spend, cdnow, 3))


def test_customer_value_on_cdnow(cdnow_sample_path) -> None:
    tx = load_cdnow(cdnow_sample_path)
    result = customer_value(tx, columns=CDNOW_COLUMNS, calibration_end=CALIBRATION_END,
                            horizon_months=12, model="bgnbd")
    assert isinstance(result, CustomerValue) and result.horizon_months == 12
    assert list(result.table.columns) == ["p_alive", "expected_purchases", "expected_value"]
    assert result.table.index.equals(result.summary.index)
    bg = result.purchase_model
    assert isinstance(bg, BetaGeo) and bg.params_["r"] == pytest.approx(0.2426, rel=1e-3)
    s = result.summary
    np.testing.assert_allclose(result.table["p_alive"], bg.p_alive(s))
    np.testing.assert_allclose(result.table["expected_purchases"],
                               bg.expected_purchases(s, 12 * 30.4375 / 7))
    np.testing.assert_allclose(result.table["expected_value"],
                               lifetime_value(bg, result.spend_model, s, 12, "M"))
    # a discount rate reaches the value column: against the loop over monthly periods
    discounted = customer_value(tx, columns=CDNOW_COLUMNS, calibration_end=CALIBRATION_END,
                                horizon_months=12, model="bgnbd", discount_rate=0.01)
    np.testing.assert_allclose(
        discounted.table["expected_value"],
        _loop_value(discounted.purchase_model, discounted.spend_model, discounted.summary, 12,
                    30.4375 / 7, 0.01),
        rtol=1e-10)
    assert (discounted.table["expected_value"] < result.table["expected_value"]).mean() > 0.9


def test_customer_value_is_indexed_like_rfm_table() -> None:
    tx = make_transactions(n_customers=400, n_rows=6000, random_state=2)
    result = customer_value(tx, horizon_months=6)
    assert isinstance(result.purchase_model, ModifiedBetaGeo)  # the documented default
    assert result.table.index.equals(rfm_table(tx).index)
    assert result.table.notna().all().all()
    assert result.table["p_alive"].between(0, 1).all()
    longer = customer_value(tx, horizon_months=12)
    assert np.all(longer.table["expected_purchases"] >= result.table["expected_purchases"])
    with pytest.raises(ValueError, match="model must be one of"):
        customer_value(tx, model="pareto")
    with pytest.raises(ValueError, match="horizon_months"):
        customer_value(tx, horizon_months=1.5)


def test_predictions_keep_the_summary_index(cdnow) -> None:
    bg = BetaGeo.from_params(**BG)
    for series in (bg.p_alive(cdnow), bg.expected_purchases(cdnow, 10),
                   bg.probability_no_purchase(cdnow, 10),
                   GammaGamma.from_params(**GG).expected_spend(cdnow)):
        assert isinstance(series, pd.Series) and series.index.equals(cdnow.index)


def test_holdout_check_groups_and_pools_by_hand() -> None:
    """The papers' table: mean actual and predicted holdout purchases per number of
    calibration repeat purchases, 7 and more pooled (a plain loop over the customers)."""
    from rfm.clv import BetaGeo, holdout_check

    rng = np.random.default_rng(3)
    n = 500
    x = rng.integers(0, 12, n).astype(float)
    T = rng.uniform(20, 40, n)
    t_x = np.where(x > 0, T * rng.uniform(0.1, 1, n), 0.0)
    s = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "x_holdout": rng.integers(0, 5, n)})
    s.attrs["holdout_length"] = 39.0
    model = BetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
    got = holdout_check(model, s)
    predicted = np.asarray(model.expected_purchases(s, 39.0))
    groups: dict[str, list[int]] = {}
    for i, xi in enumerate(x):
        groups.setdefault(str(int(xi)) if xi < 7 else "7+", []).append(i)
    assert list(got.index) == [*(str(i) for i in range(7)), "7+"]
    for name, rows in groups.items():
        assert got.loc[name, "customers"] == len(rows)
        assert got.loc[name, "actual"] == pytest.approx(s["x_holdout"].iloc[rows].mean())
        assert got.loc[name, "predicted"] == pytest.approx(predicted[rows].mean())
    with pytest.raises(ValueError, match="no holdout period"):
        holdout_check(model, s.drop(columns="x_holdout"))


# -- a model and a summary in different time units ---------------------------------------

#: three customers, by hand: (x, t_x, T) in weeks
HAND = pd.DataFrame({"x": [0, 2, 5], "t_x": [0.0, 10.0, 30.0], "T": [40.0, 40.0, 40.0],
                     "monetary": [0.0, 20.0, 35.0]}, index=["a", "b", "c"])  # fmt: skip


def _in_unit(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = {} if unit is None else {"unit": unit}
    return out


def test_a_summary_in_another_unit_than_the_model_is_refused(cdnow) -> None:
    """BG/NBD fitted (here: given) in weeks reads a daily summary's t_x and T as weeks:
    every prediction that takes a summary refuses it, naming both units."""
    weeks = BetaGeo.from_params(**BG, unit="W")
    spend = GammaGamma.from_params(**GG)
    days = _in_unit(HAND, "D")
    message = (r"^the BG/NBD model's parameters are in weeks \(unit='W'\), but the summary "
               r"is in days \(attrs\['unit'\]='D'\): .*Build the summary with the same "
               r"unit= as the model's, rfm\.clv\.summary\(\.\.\., unit='W'\)")  # fmt: skip
    calls = [lambda: weeks.p_alive(days), lambda: weeks.expected_purchases(days, 39),
             lambda: weeks.probability_no_purchase(days, 39),
             lambda: weeks.log_likelihood(days),
             lambda: lifetime_value(weeks, spend, days)]  # fmt: skip
    for call in calls:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=r"summary_unit='D' says the summary is in days"):
        lifetime_value(weeks, spend, _in_unit(HAND, None), summary_unit="D")
    with pytest.raises(ValueError, match=r"^summary_unit='D' but the summary records "
                       r"attrs\['unit'\]='W'; leave summary_unit out"):
        lifetime_value(weeks, spend, _in_unit(HAND, "W"), summary_unit="D")
    # a fitted model records its summary's unit: the same refusal
    fitted = BetaGeo().fit(cdnow)
    assert fitted.unit_ == "W"
    with pytest.raises(ValueError, match="parameters are in weeks"):
        fitted.p_alive(_in_unit(cdnow, "D"))


def test_a_summary_or_model_without_a_unit_is_taken_as_it_is() -> None:
    """A summary built by hand (no attrs) or a model with no unit is not checked: the
    predictions are the papers' formulas, written out here with numpy."""
    r, alpha, a, b = BG["r"], BG["alpha"], BG["a"], BG["b"]
    x, t_x, T = (HAND[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    # Fader, Hardie & Lee (2005), eq. (13): 1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))
    odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    expected = 1 / (1 + odds)
    for model, summary in [(BetaGeo.from_params(**BG, unit="W"), _in_unit(HAND, None)),
                           (BetaGeo.from_params(**BG), _in_unit(HAND, "D")),
                           (BetaGeo.from_params(**BG, unit="W"), _in_unit(HAND, "W"))]:
        np.testing.assert_allclose(model.p_alive(summary).to_numpy(), expected, rtol=1e-12)
