"""rfm.TransactionColumns: column roles from names or recognised headers, and the money
of each line against plain pandas."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from rfm import TransactionColumns, kpis, rfm_table
from rfm.datasets import make_transactions


def test_recognise_columns_recognises_common_spellings() -> None:
    from rfm.columns import TransactionColumns

    def recognised(columns: list[str], **given: str) -> dict[str, str | None]:
        return TransactionColumns.recognise(columns, **given).roles()

    uci = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country"]  # fmt: skip
    assert recognised(uci) == {
        "customer": "CustomerID", "invoice": "InvoiceNo", "date": "InvoiceDate",
        "amount": None, "quantity": "Quantity", "price": "UnitPrice",
    }  # fmt: skip
    uci2 = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
            "Customer ID", "Country"]  # fmt: skip
    got = recognised(uci2)
    assert (got["customer"], got["invoice"], got["price"]) == ("Customer ID", "Invoice", "Price")
    seed000 = list(make_transactions(n_customers=5, n_rows=10).columns)
    assert recognised(seed000)["amount"] == "TotalAmount"
    # explicit quantity/price win over a recognised amount column
    assert recognised(seed000, quantity="Quantity", price="UnitPrice")["amount"] is None
    with pytest.raises(ValueError, match="both --quantity and --price"):
        recognised(seed000, quantity="Quantity")
    with pytest.raises(ValueError, match="no amount column"):
        recognised(["CustomerID", "InvoiceDate"])


# -- TransactionColumns ------------------------------------------------------------------

def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "CustomerID": ["a", "b", "a"],
            "InvoiceNo": ["1", "2", "3"],
            "InvoiceDate": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-02-03"]),
            "Quantity": [2, 1, 3],
            "UnitPrice": [1.5, 10.0, 2.0],
            "TotalAmount": [7.0, 8.0, 9.0],  # deliberately not Quantity × UnitPrice
        }
    )


def test_defaults_are_the_uci_names_and_the_object_is_frozen() -> None:
    cols = TransactionColumns()
    assert cols.roles() == {
        "customer": "CustomerID", "invoice": "InvoiceNo", "date": "InvoiceDate",
        "amount": None, "quantity": "Quantity", "price": "UnitPrice",
    }  # fmt: skip
    assert cols.money == ("Quantity", "UnitPrice")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cols.amount = "TotalAmount"  # type: ignore[misc]
    with pytest.raises(ValueError, match="money needs"):
        TransactionColumns(quantity=None)
    with pytest.raises(TypeError, match="column name"):
        TransactionColumns(customer=3)  # type: ignore[arg-type]


def test_the_one_money_rule() -> None:
    df = _lines()
    assert TransactionColumns.for_frame(df).money == ("TotalAmount",)
    assert TransactionColumns.for_frame(df.drop(columns="TotalAmount")).money == (
        "Quantity", "UnitPrice",
    )  # fmt: skip
    given = TransactionColumns.for_frame(df, quantity="Quantity", price="UnitPrice")
    assert (given.amount, given.money) == (None, ("Quantity", "UnitPrice"))
    assert TransactionColumns.for_frame(df, amount="Quantity").money == ("Quantity",)
    with pytest.raises(ValueError, match="go together"):
        TransactionColumns.for_frame(df, quantity="Quantity")
    with pytest.raises(ValueError, match="not both"):
        TransactionColumns.for_frame(df, amount="TotalAmount", quantity="Quantity",
                                     price="UnitPrice")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['Price'\]"):
        TransactionColumns.for_frame(df, price="Price")
    with pytest.raises(ValueError, match="cannot tell"):
        TransactionColumns.for_frame(df[["CustomerID", "InvoiceDate", "Quantity"]])


def test_line_amounts_against_pandas_and_its_checks() -> None:
    df = _lines()
    qp = TransactionColumns().line_amounts(df)
    np.testing.assert_array_equal(qp, (df["Quantity"] * df["UnitPrice"]).to_numpy(float))
    amount = TransactionColumns(amount="TotalAmount").line_amounts(df)
    np.testing.assert_array_equal(amount, df["TotalAmount"].to_numpy(float))
    cols = TransactionColumns(amount="TotalAmount")
    with pytest.raises(ValueError, match="1 missing value"):
        cols.line_amounts(df.assign(TotalAmount=[1.0, np.nan, 2.0]))
    with pytest.raises(ValueError, match="infinite"):
        cols.line_amounts(df.assign(TotalAmount=[1.0, np.inf, 2.0]))
    negative = df.assign(TotalAmount=[1.0, -4.0, 2.0])
    np.testing.assert_array_equal(cols.line_amounts(negative), [1.0, -4.0, 2.0])
    with pytest.raises(ValueError, match="1 negative line amount"):
        cols.line_amounts(negative, allow_negative=False)
    with pytest.raises(TypeError, match="numeric"):
        cols.line_amounts(df.astype({"TotalAmount": str}))


def test_kpis_and_rfm_table_take_money_from_the_same_column() -> None:
    df = _lines()
    month = df["InvoiceDate"].dt.to_period("M")
    expected = df.groupby(month)["TotalAmount"].sum().to_numpy()  # TotalAmount is found
    np.testing.assert_allclose(kpis.monthly(df)["revenue"].to_numpy(), expected)
    spend = df.groupby("CustomerID")["TotalAmount"].sum()
    np.testing.assert_allclose(rfm_table(df)["monetary"].to_numpy(), spend.to_numpy())
    cols = TransactionColumns(amount="TotalAmount")
    pd.testing.assert_frame_equal(kpis.monthly(df, columns=cols), kpis.monthly(df))
    pd.testing.assert_frame_equal(rfm_table(df, columns=cols), rfm_table(df, invoice="InvoiceNo"))
