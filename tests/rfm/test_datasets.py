"""rfm.datasets: the synthetic table's layout and structure, seed 002's table, the loader."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rfm.datasets import case_study_customers, load_online_retail, make_transactions
from rfm.table import rfm_table

SEED_COLUMNS = [
    "CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice", "TotalAmount",
    "Category", "Country", "Channel", "Age", "Gender", "Membership", "RegistrationDate",
    "Occupation",
]
SEED_002 = Path(__file__).resolve().parents[3] / "shared" / "seeds" / (
    "002_4610c5092d698c27.txt"
)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return make_transactions(n_customers=1500, n_rows=15_000, random_state=3)


def test_layout_matches_seed000(tx: pd.DataFrame) -> None:
    assert list(tx.columns) == SEED_COLUMNS
    assert len(tx) == 15_000
    assert tx["CustomerID"].nunique() == 1500
    assert tx["CustomerID"].str.fullmatch(r"C\d{5}").all()
    assert tx["InvoiceNo"].str.fullmatch(r"INV\d{6}").all()
    assert set(tx["Membership"].dropna()) <= {"Gold", "Silver", "Platinum"}
    assert tx["Membership"].isna().any()
    assert set(tx["Category"]) <= {"Beauty", "Books", "Electronics", "Fashion", "Home", "Toys"}
    assert set(tx["Channel"]) <= {"In-store", "Mobile", "Online"}
    assert pd.api.types.is_datetime64_any_dtype(tx["InvoiceDate"])
    assert (tx["Quantity"] >= 1).all() and (tx["UnitPrice"] > 0).all()
    np.testing.assert_allclose(tx["TotalAmount"], (tx["Quantity"] * tx["UnitPrice"]).round(2))
    span = tx["InvoiceDate"].max() - tx["InvoiceDate"].min()
    assert pd.Timedelta(days=800) < span < pd.Timedelta(days=950)  # about 2.5 years


def test_invoices_and_customer_attributes_are_consistent(tx: pd.DataFrame) -> None:
    per_invoice = tx.groupby("InvoiceNo").agg(
        customers=("CustomerID", "nunique"), dates=("InvoiceDate", "nunique"),
        lines=("CustomerID", "size"),
    )
    assert (per_invoice["customers"] == 1).all() and (per_invoice["dates"] == 1).all()
    assert 1.3 < per_invoice["lines"].mean() < 2.5  # several lines per invoice
    per_customer = tx.groupby("CustomerID")[
        ["Country", "Age", "Gender", "Membership", "RegistrationDate", "Occupation"]
    ].nunique(dropna=False)
    assert (per_customer == 1).all().all()
    first = tx.groupby("CustomerID")["InvoiceDate"].min().dt.normalize()
    reg = tx.groupby("CustomerID")["RegistrationDate"].first()
    assert (reg <= first).all()


def test_structure_recent_lapsed_and_skewed(tx: pd.DataFrame) -> None:
    rfm = rfm_table(tx, invoice="InvoiceNo")
    # an active core: about a month's active customers (before the generator stopped
    # pinning every active customer's last order to the final days this was > 20 %)
    assert (rfm["recency"] <= 30).mean() > 0.1
    assert (rfm["recency"] > 180).mean() > 0.15  # lapsed customers
    m = rfm["monetary"]
    assert m.mean() > 1.2 * m.median()  # right-skewed spend
    heavy = rfm["frequency"] >= rfm["frequency"].quantile(0.9)
    assert rfm.loc[heavy, "recency"].median() < rfm.loc[~heavy, "recency"].median()


def test_monthly_activity_is_steady_and_seasonal_not_piled_up_at_the_end() -> None:
    from rfm.kpis import monthly

    tx = make_transactions(random_state=0)  # the demo's size: 20,000 customers
    m = monthly(tx, amount="TotalAmount")
    active = m["active_customers"]
    settled = active.iloc[6:]  # the first months count everyone as new
    # the last month is an ordinary month, not the 2.5x spike of every last purchase
    assert active.iloc[-1] < 1.25 * settled.median()
    assert m["revenue"].iloc[-1] < 1.25 * m["revenue"].iloc[6:].median()
    # new customers arrive at a steady rate once the data are under way
    new = m["new_customers"].iloc[12:]
    assert new.max() < 1.6 * new.min()
    # the same seasonality every year: December busier than February in both years
    for year in (2023, 2024):
        dec = active[pd.Period(f"{year}-12", "M")]
        feb = active[pd.Period(f"{year + 1}-02", "M")]
        assert dec > 1.25 * feb
    # churned customers really stopped: a large group bought nothing in the last 6 months
    last = tx.groupby("CustomerID")["InvoiceDate"].max()
    gone = last < tx["InvoiceDate"].max() - pd.Timedelta(days=180)
    assert 0.3 < gone.mean() < 0.8


def test_deterministic_per_seed() -> None:
    a = make_transactions(200, 1000, random_state=5)
    pd.testing.assert_frame_equal(a, make_transactions(200, 1000, random_state=5))
    assert not a.equals(make_transactions(200, 1000, random_state=6))


def test_make_transactions_bad_input() -> None:
    with pytest.raises(ValueError, match="every customer needs"):
        make_transactions(100, 50)
    with pytest.raises(ValueError, match="positive integer"):
        make_transactions(0, 10)


def test_case_study_table_equals_seed_code() -> None:
    got = case_study_customers()
    assert got.shape == (20, 6)
    assert got["customer_id"].tolist() == [f"C{i:03d}" for i in range(1, 21)]
    if not SEED_002.exists():
        pytest.skip("seed 002 not found; only the shape was checked")
    text = SEED_002.read_text()
    for col in got.columns[1:]:
        m = re.search(rf'"{col}":\s*\[([^\]]+)\]', text)
        assert m is not None, col
        expected = [float(v) for v in m.group(1).split(",")]
        np.testing.assert_array_equal(got[col].to_numpy(dtype=float), expected)


def _uci_sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "InvoiceNo": ["536365", "C536379", "536380"],
            "StockCode": ["85123A", "D", "00123"],
            "Description": ["HEART", "Discount", "x"],
            "Quantity": [6, -1, 2],
            "InvoiceDate": ["2010-12-01 08:26:00", "2010-12-01 09:41:00", "2010-12-01 09:45:00"],
            "UnitPrice": [2.55, 27.5, 1.0],
            "CustomerID": [17850.0, np.nan, 12345.0],
            "Country": ["United Kingdom", "United Kingdom", "France"],
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".xlsx"])
def test_load_online_retail_formats(tmp_path: Path, suffix: str) -> None:
    raw = _uci_sample()
    path = tmp_path / f"retail{suffix}"
    if suffix == ".csv":
        raw.to_csv(path, index=False)
    elif suffix == ".csv.gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            raw.to_csv(fh, index=False)
    else:
        pytest.importorskip("openpyxl")
        raw.assign(InvoiceDate=pd.to_datetime(raw["InvoiceDate"])).to_excel(path, index=False)
    df = load_online_retail(path)
    assert df["InvoiceNo"].tolist() == ["536365", "C536379", "536380"]
    assert df["StockCode"].tolist() == ["85123A", "D", "00123"]  # leading zeros kept
    assert str(df["CustomerID"].dtype) == "Int64"
    assert df["CustomerID"].iloc[0] == 17850 and df["CustomerID"].isna().iloc[1]
    assert df["InvoiceDate"].iloc[0] == pd.Timestamp("2010-12-01 08:26:00")


def test_load_online_retail_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_online_retail(tmp_path / "absent.csv")
    odd = tmp_path / "retail.json"
    odd.write_text("x")
    with pytest.raises(ValueError, match="format"):
        load_online_retail(odd)
    short = tmp_path / "short.csv"
    _uci_sample().drop(columns="Country").to_csv(short, index=False)
    with pytest.raises(ValueError, match=r"\['Country'\]"):
        load_online_retail(short)
