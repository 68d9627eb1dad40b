"""Bad inputs found in review: each must be refused at the public edge with a clear error,
not silently turned into a wrong answer (inf money, epoch numbers read as dates, text
R/F/M values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm import clean_transactions, kpis, profile, rfm_table, value_tiers


def _lines(**overrides):
    data = {
        "CustomerID": ["a", "a", "b", "c"],
        "InvoiceNo": ["1", "2", "3", "4"],
        "InvoiceDate": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15", "2024-03-01"]),
        "TotalAmount": [10.0, 20.0, 5.0, 7.5],
    }
    data.update(overrides)
    return pd.DataFrame(data)


def test_infinite_amounts_are_refused():
    df = _lines(TotalAmount=[np.inf, 20.0, 5.0, 7.5])
    with pytest.raises(ValueError, match="infinite"):
        rfm_table(df, amount="TotalAmount")
    with pytest.raises(ValueError, match="infinite"):
        kpis.monthly(df, amount="TotalAmount")


def test_numeric_dates_are_refused_not_read_as_nanoseconds():
    df = _lines(InvoiceDate=[1, 2, 3, 4])
    with pytest.raises(TypeError, match="holds numbers"):
        rfm_table(df, amount="TotalAmount")
    with pytest.raises(TypeError, match="unit='s'"):
        clean_transactions(df, amount="TotalAmount", quantity=None, price=None)


def test_text_rfm_columns_are_refused():
    rfm = pd.DataFrame(
        {"recency": ["1", "5", "9", "20"], "frequency": [1, 2, 3, 4], "monetary": [1.0, 2, 3, 4]},
        index=list("abcd"),
    )
    with pytest.raises(TypeError, match="'recency' must be numeric"):
        value_tiers(rfm, n_clusters=2)
    with pytest.raises(TypeError, match="'recency' must be numeric"):
        profile(rfm, pd.Series([0, 0, 1, 1], index=rfm.index))
