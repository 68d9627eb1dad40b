"""rfm.TransactionColumns: column roles from names or recognised headers, and the money
of each line against plain pandas."""

from __future__ import annotations

import pytest

from rfm.datasets import make_transactions


def test_recognise_columns_recognises_common_spellings() -> None:
    from rfm.columns import TransactionColumns

    def resolve_columns(columns: list[str], **given: str) -> dict[str, str | None]:
        return TransactionColumns.recognise(columns, **given).roles()

    uci = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country"]  # fmt: skip
    assert resolve_columns(uci) == {
        "customer": "CustomerID", "invoice": "InvoiceNo", "date": "InvoiceDate",
        "amount": None, "quantity": "Quantity", "price": "UnitPrice",
    }  # fmt: skip
    uci2 = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
            "Customer ID", "Country"]  # fmt: skip
    got = resolve_columns(uci2)
    assert (got["customer"], got["invoice"], got["price"]) == ("Customer ID", "Invoice", "Price")
    seed000 = list(make_transactions(n_customers=5, n_rows=10).columns)
    assert resolve_columns(seed000)["amount"] == "TotalAmount"
    # explicit quantity/price win over a recognised amount column
    assert resolve_columns(seed000, quantity="Quantity", price="UnitPrice")["amount"] is None
    with pytest.raises(ValueError, match="both --quantity and --price"):
        resolve_columns(seed000, quantity="Quantity")
    with pytest.raises(ValueError, match="no amount column"):
        resolve_columns(["CustomerID", "InvoiceDate"])
