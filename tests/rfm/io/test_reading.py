"""rfm.io.reading: the one reader of transaction files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest


@pytest.mark.skipif(importlib.util.find_spec("openpyxl") is None, reason="openpyxl missing")
def test_read_transactions_xlsx_keeps_text_ids(tmp_path: Path) -> None:
    from rfm.io.reading import read_transactions

    df = pd.DataFrame({"CustomerID": ["007", "012"], "InvoiceNo": ["C1", "2"], "Qty": [1, 2]})
    path = tmp_path / "t.xlsx"
    df.to_excel(path, index=False)
    back = read_transactions(path, text_columns=["CustomerID", "InvoiceNo"])
    assert back["CustomerID"].tolist() == ["007", "012"]
    assert back["InvoiceNo"].tolist() == ["C1", "2"]
