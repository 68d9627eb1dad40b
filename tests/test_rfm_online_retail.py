"""The real UCI Online Retail file: loader, cleaning and RFM against the README figures.

The expected numbers come from ``shared/data/README.md`` (computed independently of this
project). The file is read once per module; the tests skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rfm import kpis
from rfm.cleaning import clean_transactions
from rfm.datasets import load_online_retail
from rfm.scoring import rfm_scores
from rfm.segments import segment
from rfm.table import rfm_table

SEED001_RULES = {
    "drop_cancelled": False, "drop_duplicates": False, "drop_bad_dates": False,
}


@pytest.fixture(scope="module")
def retail(online_retail_path: Path) -> pd.DataFrame:
    return load_online_retail(online_retail_path)


@pytest.fixture(scope="module")
def cleaned(retail: pd.DataFrame) -> pd.DataFrame:
    # seed 001's cleaning: missing customer, quantity <= 0, price <= 0
    clean, _ = clean_transactions(retail, **SEED001_RULES)
    return clean


def test_loader_figures(retail: pd.DataFrame) -> None:
    assert len(retail) == 541_909
    assert retail["CustomerID"].nunique() == 4_372
    assert retail["CustomerID"].isna().sum() == 135_080
    assert retail["InvoiceNo"].str.startswith("C").sum() == 9_288
    assert (retail["Quantity"] <= 0).sum() == 10_624
    assert (retail["UnitPrice"] <= 0).sum() == 2_517
    assert retail["InvoiceDate"].max() == pd.Timestamp("2011-12-09 12:50:00")


def test_cleaning_figures(retail: pd.DataFrame, cleaned: pd.DataFrame) -> None:
    before = len(retail)
    clean, report = clean_transactions(retail, **SEED001_RULES)
    assert len(clean) == 397_884
    assert clean["CustomerID"].nunique() == 4_338
    assert report["rows_left"].iloc[-1] == 397_884
    assert len(retail) == before and retail["CustomerID"].isna().sum() == 135_080
    # cancellations all carry negative quantities, so dropping them changes nothing more
    clean2, _ = clean_transactions(retail, drop_duplicates=False)
    assert len(clean2) == 397_884


def test_rfm_figures(cleaned: pd.DataFrame) -> None:
    rfm = rfm_table(cleaned, invoice="InvoiceNo", quantity="Quantity", price="UnitPrice",
                    snapshot="max")
    assert len(rfm) == 4_338
    assert (rfm["recency"].min(), rfm["recency"].median(), rfm["recency"].max()) == (0, 50, 373)
    assert rfm["frequency"].median() == 2 and rfm["frequency"].max() == 209
    assert rfm["monetary"].min() == pytest.approx(3.75, abs=0.005)
    assert rfm["monetary"].median() == pytest.approx(674.48, abs=0.01)
    assert rfm["monetary"].max() == pytest.approx(280_206.02, abs=0.005)


def test_rfm_equals_seed001_groupby(cleaned: pd.DataFrame) -> None:
    """Seed 001's own per-customer lambda on the real data, as the reference."""
    tx = cleaned.assign(Amount=cleaned["Quantity"] * cleaned["UnitPrice"])
    latest = tx["InvoiceDate"].max()
    ref = tx.groupby("CustomerID").agg(
        recency=("InvoiceDate", lambda x: (latest - x.max()).days),
        frequency=("InvoiceNo", "nunique"),
        monetary=("Amount", "sum"),
    )
    got = rfm_table(tx, invoice="InvoiceNo", amount="Amount", snapshot="max")
    np.testing.assert_array_equal(got.index.to_numpy(), ref.index.to_numpy())
    np.testing.assert_array_equal(got["recency"], ref["recency"])
    np.testing.assert_array_equal(got["frequency"], ref["frequency"])
    np.testing.assert_allclose(got["monetary"], ref["monetary"], rtol=1e-10)


def test_whole_path_runs(cleaned: pd.DataFrame) -> None:
    rfm = rfm_table(cleaned, invoice="InvoiceNo", snapshot="max")
    seg = segment(rfm_scores(rfm, q=5), "rfm")
    assert len(seg) == 4_338 and seg["segment"].notna().all()
    month = kpis.monthly(cleaned)
    assert month["new_customers"].sum() == 4_338
    assert str(month.index[0]) == "2010-12" and str(month.index[-1]) == "2011-12"
