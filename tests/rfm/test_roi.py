"""rfm.campaign_roi against seed 002's formula by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from rfm import campaign_roi
from rfm.roi import EXAMPLE_CAMPAIGNS


def seed002_profile() -> pd.DataFrame:
    # seed 002's four personas, five customers each (its sample)
    return pd.DataFrame(
        {"persona": list(EXAMPLE_CAMPAIGNS), "customers": [5, 5, 5, 5]},
        index=pd.Index([2, 0, 1, 3], name="cluster"),
    )


def seed002_by_hand(n: int, uplift: float, avg_order: float) -> tuple[int, float, float, float]:
    """Seed 002 step 5, line by line (its int() truncation and ×10 scale-up)."""
    uplift_customers = int(n * uplift * 10)
    revenue_uplift = uplift_customers * avg_order
    campaign_cost = n * 4.50 * 10
    net_roi = (revenue_uplift - campaign_cost) / campaign_cost * 100
    return uplift_customers, revenue_uplift, campaign_cost, net_roi


def test_campaign_roi_reproduces_seed002_formula() -> None:
    out = campaign_roi(seed002_profile(), EXAMPLE_CAMPAIGNS, cost_per_customer=4.5, scale=10)
    assert list(out.index) == list(EXAMPLE_CAMPAIGNS)
    for persona, p in EXAMPLE_CAMPAIGNS.items():
        uc, rev, cost, roi = seed002_by_hand(5, p["target_uplift"], p["avg_order"])
        row = out.loc[persona]
        assert row["uplift_customers"] == uc
        assert row["revenue_uplift"] == pytest.approx(rev)
        assert row["campaign_cost"] == pytest.approx(cost)
        assert row["net_revenue"] == pytest.approx(rev - cost)
        assert row["roi_pct"] == pytest.approx(roi)
        assert row["desc"] == p["desc"]
    # the seed's printed ROI figures (309 %, 420 %, 344 %, 24 %) follow from its formula
    assert out["roi_pct"].round(0).tolist() == [309, 420, 344, 24]


def test_scale_defaults_to_one_and_counts_round_down_robustly() -> None:
    prof = pd.DataFrame({"customers": [30, 7]}, index=["Win-back", "VIP"])
    params = {
        "Win-back": {"target_uplift": 0.1, "avg_order": 50.0},
        "VIP": {"target_uplift": 0.5, "avg_order": 10},
    }
    out = campaign_roi(prof, params, cost_per_customer=2.0)
    # 30 × 0.1 is 3.0000000000000004 or 2.9999999999999996 in floats: 3 customers either way
    assert out.loc["Win-back", "uplift_customers"] == 3
    assert out.loc["VIP", "uplift_customers"] == math.floor(7 * 0.5)  # 3.5 -> 3
    assert out.loc["Win-back", "campaign_cost"] == 60.0
    assert out.loc["Win-back", "roi_pct"] == pytest.approx((150 - 60) / 60 * 100)


def test_campaign_roi_matches_personas_by_index_without_persona_column() -> None:
    prof = pd.DataFrame({"customers": [10, 20]}, index=pd.Index([0, 1], name="cluster"))
    out = campaign_roi(prof, {1: {"target_uplift": 0.2, "avg_order": 100}})
    assert list(out.index) == [1]
    assert out.loc[1, "revenue_uplift"] == 400.0


OK_PARAMS = {"Champions": {"target_uplift": 0.1, "avg_order": 10}}


@pytest.mark.parametrize(
    ("params", "kwargs", "exc", "match"),
    [
        ({"Nobody": {"target_uplift": 0.1, "avg_order": 10}}, {}, ValueError, "not in the profile"),
        ({"Champions": {"target_uplift": 1.5, "avg_order": 10}}, {}, ValueError, "between"),
        ({"Champions": {"avg_order": 10}}, {}, ValueError, "missing"),
        ({"Champions": {"target_uplift": "x", "avg_order": 10}}, {}, TypeError, "number"),
        (OK_PARAMS, {"cost_per_customer": 0}, ValueError, "positive"),
        (OK_PARAMS, {"scale": -1}, ValueError, "between"),
        ({}, {}, TypeError, "non-empty"),
    ],
)  # fmt: skip
def test_campaign_roi_bad_input(params: dict, kwargs: dict, exc: type, match: str) -> None:
    prof = seed002_profile()
    before = prof.copy()
    with pytest.raises(exc, match=match):
        campaign_roi(prof, params, **kwargs)
    pd.testing.assert_frame_equal(prof, before)


def test_campaign_roi_refuses_a_persona_on_two_rows() -> None:
    """Two rows for Champions (10 and 30 customers) kept only the 30, silently."""
    prof = pd.DataFrame({"persona": ["Champions", "Champions", "At-Risk"],
                         "customers": [10, 30, 5]})
    with pytest.raises(ValueError, match=r"more than one row for \['Champions'\] \(its persona "
                                         r"column\).*merge them, adding their customers"):
        campaign_roi(prof, OK_PARAMS)
    by_index = pd.DataFrame({"customers": [10, 30]}, index=[1, 1])
    with pytest.raises(ValueError, match=r"more than one row for \[1\] \(its index\)"):
        campaign_roi(by_index, {1: {"target_uplift": 0.1, "avg_order": 10}})


@pytest.mark.parametrize(
    ("customers", "exc", "match"),
    [
        (-5, ValueError, r"^the profile gives persona 'Champions' -5 customers; a count cannot "
                         r"be negative\.$"),
        (10.7, ValueError, r"^the profile gives persona 'Champions' 10\.7 customers; customers "
                           r"are whole people"),
        (float("inf"), ValueError, r"persona 'Champions' inf customers.*whole number"),
        (float("nan"), ValueError, r"^the profile has no customer count for persona "
                                   r"'Champions' \(customers is nan\)"),
        (None, ValueError, r"no customer count for persona 'Champions' \(customers is None\)"),
        ("ten", TypeError, r"customers of persona 'Champions' must be a number, got 'ten'"),
    ],
)  # fmt: skip
def test_campaign_roi_refuses_customer_counts_that_are_not_whole_people(
    customers, exc: type, match: str
) -> None:
    prof = pd.DataFrame({"persona": ["Champions", "At-Risk"], "customers": [customers, 5]},
                        dtype=object)
    with pytest.raises(exc, match=match) as info:
        campaign_roi(prof, OK_PARAMS)
    assert "\n" not in str(info.value)


def test_campaign_roi_takes_whole_float_and_nullable_counts() -> None:
    for customers in (pd.Series([40.0]), pd.Series([40], dtype="Int64")):
        prof = pd.DataFrame({"persona": ["Champions"], "customers": customers})
        out = campaign_roi(prof, OK_PARAMS)
        assert out.loc["Champions", "customers"] == 40
        assert out.loc["Champions", "uplift_customers"] == 4  # 40 × 0.1
        assert out.loc["Champions", "campaign_cost"] == 40 * 4.5


def test_example_campaigns_are_the_four_personas() -> None:
    assert list(EXAMPLE_CAMPAIGNS) == ["Champions", "Loyal Buyers", "At-Risk", "Hibernating"]
