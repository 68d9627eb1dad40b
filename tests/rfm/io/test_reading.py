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


SOUND = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "a quoted note on two lines": 'a,b,c\n1,"Flat 2,\nLondon",3\n4,5,6\n',
    "a separator at the end of each line": "a,b,c\n1,2,3,\n4,5,6,\n",
    "an empty field past the header on one line": "a,b,c\n1,2,3\n4,5,6,\n7,8,9\n",
    "a quote closed lines later": 'a,b,c\n1,2,"3\n4,5,6\n7,8,9"\n10,11,12\n',
}


@pytest.mark.parametrize("name", list(SOUND))
def test_refuse_unparsable_passes_a_file_pandas_reads(tmp_path: Path, name: str) -> None:
    """The check a Dask run makes of each file when pandas refused a block: a file that
    has no quote that never closes and no line with a field too many passes (pandas
    reads it whole, whatever the in-memory reader then says of its rows)."""
    from rfm.io.reading import csv_options, refuse_unparsable

    path = tmp_path / "t.csv"
    path.write_text(SOUND[name])
    pd.read_csv(path, header=None, skiprows=1, names=range(4))  # the reference: pandas reads it
    refuse_unparsable(path, *csv_options(path, []))


@pytest.mark.parametrize(("text", "line"), [
    ("a,b,c\n1,2,3\n4,5,\"6\n7,8,9\n", 3),  # a quote that never closes
    ("a,b,c\n" + "1,2,3\n" * 3000 + "4,5,6,x\n7,8,9\n", 3002),  # past the sampled start
    ("a,b,c\n1,2,3\n4,5,6,x\n7,8,9\n", 3),  # in the sampled start
])  # fmt: skip
def test_refuse_unparsable_says_what_the_in_memory_reader_says(tmp_path: Path, text: str,
                                                               line: int) -> None:  # fmt: skip
    """A file pandas cannot read (or one the in-memory reader refuses for a field too
    many) is refused in the in-memory reader's words, naming the line (counted by hand
    here, the header being line 1), from a streamed read of the file."""
    from rfm.io.reading import csv_options, read_transactions, refuse_unparsable

    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as mem:
        read_transactions(path)
    with pytest.raises(ValueError) as streamed:
        refuse_unparsable(path, *csv_options(path, []))
    assert str(streamed.value) == str(mem.value)
    assert str(mem.value).startswith(f"t.csv: line {line:,} ")
