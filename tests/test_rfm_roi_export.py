"""rfm.campaign_roi against seed 002's formula by hand; rfm.export read back."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pandas as pd
import pytest

from rfm import campaign_roi, export
from rfm.io.export import export_table
from rfm.roi import SEED002_CAMPAIGNS


def seed002_profile() -> pd.DataFrame:
    # seed 002's four personas, five customers each (its sample)
    return pd.DataFrame(
        {"persona": list(SEED002_CAMPAIGNS), "customers": [5, 5, 5, 5]},
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
    out = campaign_roi(seed002_profile(), SEED002_CAMPAIGNS, cost_per_customer=4.5, scale=10)
    assert list(out.index) == list(SEED002_CAMPAIGNS)
    for persona, p in SEED002_CAMPAIGNS.items():
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


# -- export --------------------------------------------------------------------------


def export_inputs() -> dict:
    idx = pd.Index([17850, 12346, 13047], name="CustomerID")
    rfm = pd.DataFrame(
        {"recency": [1, 325, 31], "frequency": [34, 1, 10], "monetary": [5391.21, 77183.6, 3237.54],
         "tenure_days": [300, 0, 200]},
        index=idx,
    )  # fmt: skip
    scores = rfm.assign(
        r_score=[5, 1, 3], f_score=[5, 1, 4], m_score=[5, 5, 4], rfm_code=["555", "115", "344"]
    )
    segments = pd.DataFrame({"segment": ["Champions", "Lost", "Loyal Customers"]}, index=idx)
    labels = pd.Series([1, 0, 1], index=idx)
    personas = pd.Series({1: "Champions", 0: "Lost"}, name="persona")
    silhouette = np.array([0.61, 0.0, 0.42])
    return {
        "rfm": rfm,
        "labels": labels,
        "scores": scores,
        "segments": segments,
        "personas": personas,
        "silhouette": silhouette,
    }


def expected_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer": [17850, 12346, 13047],
            "recency": [1, 325, 31],
            "frequency": [34, 1, 10],
            "monetary": [5391.21, 77183.6, 3237.54],
            "r_score": [5, 1, 3],
            "f_score": [5, 1, 4],
            "m_score": [5, 5, 4],
            "rfm_code": [555, 115, 344],  # read back from CSV as numbers
            "segment": ["Champions", "Lost", "Loyal Customers"],
            "cluster": [1, 0, 1],
            "persona": ["Champions", "Lost", "Champions"],
            "silhouette": [0.61, 0.0, 0.42],
        }
    )


def test_export_csv_round_trip(tmp_path) -> None:
    inp = export_inputs()
    before = inp["rfm"].copy()
    path = export(tmp_path / "crm.csv", **inp)
    assert path == tmp_path / "crm.csv"
    back = pd.read_csv(path)
    pd.testing.assert_frame_equal(back, expected_table(), check_dtype=False)
    pd.testing.assert_frame_equal(inp["rfm"], before)


def test_export_minimal_columns_and_segment_series(tmp_path) -> None:
    inp = export_inputs()
    table = export_table(inp["rfm"], inp["labels"], segments=inp["segments"]["segment"])
    assert list(table.columns) == [
        "customer",
        "recency",
        "frequency",
        "monetary",
        "segment",
        "cluster",
    ]


@pytest.mark.skipif(importlib.util.find_spec("openpyxl") is None, reason="openpyxl not installed")
def test_export_xlsx_round_trip(tmp_path) -> None:
    path = export(tmp_path / "crm.xlsx", **export_inputs(), format="xlsx")
    back = pd.read_excel(path, sheet_name="customers")
    exp = expected_table()
    back["rfm_code"] = back["rfm_code"].astype(int)
    pd.testing.assert_frame_equal(back, exp, check_dtype=False)


def test_export_xlsx_without_openpyxl_is_a_clear_error(tmp_path, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a)
    )
    with pytest.raises(ImportError, match="pip install openpyxl"):
        export(tmp_path / "crm.xlsx", **export_inputs(), format="xlsx")
    assert not (tmp_path / "crm.xlsx").exists()


def test_export_bad_input(tmp_path) -> None:
    inp = export_inputs()
    with pytest.raises(ValueError, match="format"):
        export(tmp_path / "x.json", inp["rfm"], inp["labels"], format="json")
    with pytest.raises(ValueError, match="no name for cluster"):
        export(tmp_path / "x.csv", inp["rfm"], inp["labels"], personas={1: "Champions"})
    with pytest.raises(ValueError, match="one value per customer"):
        export(tmp_path / "x.csv", inp["rfm"], inp["labels"], silhouette=[0.1])
    with pytest.raises(ValueError, match="does not exist"):
        export(tmp_path / "nope" / "x.csv", inp["rfm"], inp["labels"])
    with pytest.raises(ValueError, match="missing column"):
        export(tmp_path / "x.csv", inp["rfm"], inp["labels"], scores=inp["rfm"])
