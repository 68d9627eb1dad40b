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


@pytest.mark.skipif(importlib.util.find_spec("openpyxl") is None, reason="openpyxl missing")
def test_a_sheet_whose_first_row_is_empty_is_read_from_the_next(tmp_path: Path) -> None:
    """Column names on row 2 under an empty row 1, a common layout: the sheet was found
    but read from row 1, as "file has a header but no rows". Read from row 2, as pandas
    reads it with header=1, and said as for a title."""
    import openpyxl

    from rfm.io.loading import load_transactions

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    rows = [["Customer", "Date", "Amount"], ["C1", "2024-01-05", 27.5], ["C2", "2024-01-06", 10]]
    for r, row in enumerate(rows, start=2):  # row 1 left empty
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    path = tmp_path / "row2.xlsx"
    wb.save(path)
    told = pd.read_excel(path, header=1)  # the independent reading
    assert told.columns.tolist() == rows[0] and told["Amount"].tolist() == [27.5, 10]
    loaded = load_transactions(path)
    assert loaded.frame["Customer"].tolist() == told["Customer"].tolist() == ["C1", "C2"]
    assert loaded.frame["Amount"].tolist() == [27.5, 10.0]
    assert loaded.frame["Date"].tolist() == list(pd.to_datetime(told["Date"]))
    assert loaded.notes == ["the column names were read from row 2 of the sheet 'Sales'; the "
                            "rows above it are empty (--header-row N picks another row)"]
    # names that are not recognised: refused by those names, not as a file without rows
    ws.cell(row=2, column=1, value="Who")
    wb.save(path)
    with pytest.raises(ValueError, match=r"no customer column recognised; pass --customer COL"
                       r"\. columns found: \['Who', 'Date', 'Amount'\]"):  # fmt: skip
        load_transactions(path)
    assert load_transactions(path, customer="Who").frame["Who"].tolist() == ["C1", "C2"]


def test_a_header_row_past_the_end_is_said_so(tmp_path: Path) -> None:
    """--header-row 50 on a 5-line file said "file is empty (no header, no rows)". It says
    the line does not exist, counting the lines as an editor does (the last one has no
    line break); blank lines at the end are said to be empty; a sheet says its rows."""
    from rfm.io.reading import ReadOptions, read_transactions

    src = tmp_path / "five.csv"
    src.write_text("Customer,Date,Amount\nC1,2024-01-05,1\nC2,2024-01-06,2\n\nC3,2024-01-07,3")
    assert len(src.read_text().splitlines()) == 5
    with pytest.raises(ValueError, match=r"^--header-row 50: five\.csv has 5 line\(s\), so "
                       r"there is no line 50; pass the number of the line"):  # fmt: skip
        read_transactions(src, options=ReadOptions(header_row=50))
    src.write_text("Customer,Date,Amount\nC1,2024-01-05,1\n\n\n")
    with pytest.raises(ValueError, match=r"--header-row 3: line 3 of five\.csv and the lines "
                       r"after it are empty \(the last line with text is line 2\)"):  # fmt: skip
        read_transactions(src, options=ReadOptions(header_row=3))
    if importlib.util.find_spec("openpyxl") is None:
        return
    book = tmp_path / "t.xlsx"
    pd.DataFrame({"Customer": ["C1", "C2"], "Amount": [1, 2]}).to_excel(book, index=False)
    with pytest.raises(ValueError, match=r"--header-row 50: the sheet 'Sheet1' of t\.xlsx has "
                       r"no value after row 3; pass the number of the row"):  # fmt: skip
        read_transactions(book, options=ReadOptions(header_row=50))
