"""rfm.io._sniff: the separator, encoding and first row of a text file, and what the
reader then makes of the file.

Each file is written here from known rows; the expected separator is the one it was
written with, the expected frame the rows themselves.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from rfm.io import ReadOptions, read_transactions
from rfm.io._sniff import WHITESPACE, sniff_text

NAMES = ["CustomerID", "InvoiceNo", "Amount"]
ROWS = [["A01", "1001", "3.5"], ["B02", "1002", "12"], ["C03", "1003", "7.25"]]


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def expected_frame(names: list[str] = NAMES, rows: list[list[str]] = ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=names).astype({names[-1]: float})


def read_back(path: Path, **opts) -> pd.DataFrame:
    df = read_transactions(path, text_columns=NAMES[:2], options=ReadOptions(**opts))
    return df.astype({df.columns[-1]: float})


def test_aligned_columns_are_split_on_whitespace(tmp_path: Path) -> None:
    lines = [f"{a:<12}{b:<10}{c:>8}" for a, b, c in [NAMES, *ROWS]]
    sniffed = sniff_text(write(tmp_path / "aligned.txt", lines))
    assert sniffed.sep == WHITESPACE
    assert sniffed.first_row == NAMES


def test_equal_splits_go_to_the_preferred_separator(tmp_path: Path) -> None:
    # every line splits into 2 fields on "," and on ";": the comma is preferred; the same
    # lines without commas split on ";" and tab alike: ";" is preferred to tab
    both = write(tmp_path / "both.csv", ["a,b;c", "1,2;3", "4,5;6"])
    assert sniff_text(both).sep == ","
    assert sniff_text(both).first_row == ["a", "b;c"]
    semi_tab = write(tmp_path / "semi_tab.csv", ["a;b\tc", "1;2\t3"])
    assert sniff_text(semi_tab).sep == ";"


def test_a_separator_that_splits_lines_unevenly_is_not_chosen(tmp_path: Path) -> None:
    # one description holds four commas: "," splits the lines into 1, 1, 5 and 1 fields
    names = ["CustomerID", "InvoiceNo", "Description", "Amount"]
    rows = [["A01", "1001", "mug", "3.5"], ["B02", "1002", "red, blue, green, or white", "12"],
            ["C03", "1003", "tray", "7.25"]]  # fmt: skip
    path = write(tmp_path / "orders.csv", [";".join(r) for r in [names, *rows]])
    assert sniff_text(path).sep == ";"
    pd.testing.assert_frame_equal(read_back(path), expected_frame(names, rows))


def test_a_stray_quote_does_not_hide_the_separator(tmp_path: Path) -> None:
    """A '"' opening a description swallows the sampled lines after it when quotes are
    honoured, so no separator split the lines evenly and "," was the fallback; read as a
    plain character it does not, and ";" is found. The first cell that swallowed lines
    is placed by line."""
    from rfm.io._sniff import swallowing_record

    names = ["CustomerID", "Description", "Amount"]
    rows = [["A01", "mug", "3.5"], ["B02", '"12 INCH', "12"], ["C03", "tray", "7.25"],
            ["D04", "bowl", "1"], ["E05", 'FRAME 7"', "2"]]  # fmt: skip
    path = write(tmp_path / "stray.csv", [";".join(r) for r in [names, *rows]])
    sniffed = sniff_text(path)
    assert (sniffed.sep, sniffed.first_row) == (";", names)
    # the cell opened on line 3 runs to line 6, where the next '"' is
    assert swallowing_record(path, "utf-8", ";", 3) == (3, 6, "12 INCH;12")
    plain = sniff_text(path, quotes=False)
    assert (plain.sep, plain.first_row) == (";", names)
    df = read_transactions(path, text_columns=names, options=ReadOptions(quotes=False))
    assert df["Description"].tolist() == [r[1] for r in rows]
    with pytest.raises(ValueError, match=r"line 3 opens a quote .* lines 4 to 6 .*--no-quoting"):
        read_transactions(path)


def test_a_separator_at_the_end_of_each_data_line(tmp_path: Path) -> None:
    """Header of 3 fields, data lines of 4 with the last empty: ';' still splits the lines
    evenly (it was the ',' fallback), and the widest line is told to the reader."""
    path = write(tmp_path / "trailing.csv", [";".join(NAMES), *(";".join(r) + ";" for r in ROWS)])
    sniffed = sniff_text(path)
    assert (sniffed.sep, sniffed.first_row, sniffed.widest) == (";", NAMES, 4)
    pd.testing.assert_frame_equal(read_back(path), expected_frame())
    assert sniff_text(write(tmp_path / "plain.csv", [",".join(r) for r in [NAMES, *ROWS]])
                      ).widest == 3  # fmt: skip


def test_the_sep_line_names_the_separator_unless_the_user_gives_one(tmp_path: Path) -> None:
    path = write(tmp_path / "hinted.csv", ["sep=;", *(",".join(r) for r in [NAMES, *ROWS])])
    hinted = sniff_text(path)
    assert (hinted.sep, hinted.skip, hinted.first_row) == (";", 1, [",".join(NAMES)])
    given = sniff_text(path, sep=",")
    assert (given.sep, given.skip, given.first_row) == (",", 1, NAMES)
    pd.testing.assert_frame_equal(read_back(path, sep=","), expected_frame())


def test_a_line_one_field_short_does_not_change_the_separator(tmp_path: Path) -> None:
    """One line of a ';' file lacks its amount: ';' splits the lines into 3, 3, 2 and 3
    fields. It is still the separator (as with a field too many); the line's amount is
    read as missing, as pandas reads it. Short lines as many as full ones are no layout."""
    lines = ["Customer;Date;Amount", "C1;2024-01-05;27,50", "C2;2024-01-06",
             "C3;2024-01-07;12,00"]  # fmt: skip
    path = write(tmp_path / "short.csv", lines)
    sniffed = sniff_text(path)
    assert (sniffed.sep, sniffed.first_row) == (";", ["Customer", "Date", "Amount"])
    df = read_transactions(path, text_columns=["Customer"], options=ReadOptions(decimal=","))
    told = pd.read_csv(path, sep=";", decimal=",")
    assert df["Amount"].tolist()[::2] == told["Amount"].tolist()[::2] == [27.5, 12.0]
    assert df["Amount"].isna().tolist() == told["Amount"].isna().tolist() == [False, True, False]
    half = write(tmp_path / "half.csv", [*lines[:3], "C3;2024-01-07"])
    assert sniff_text(half).sep == ","  # the fallback, as before


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be", "utf-16", "utf-16-be", "utf-8-sig"])
def test_byte_order_marks(tmp_path: Path, encoding: str) -> None:
    # Python's "utf-32" and "utf-16" write a little-endian BOM here; the UTF-32 LE mark
    # begins with the UTF-16 LE one, so the longer one must be recognised first
    path = tmp_path / "bom.csv"
    text = "\n".join(",".join(r) for r in [NAMES, *ROWS]) + "\n"
    if encoding.endswith("-be"):
        bom = codecs.BOM_UTF32_BE if "32" in encoding else codecs.BOM_UTF16_BE
        path.write_bytes(bom + text.encode(encoding))
    else:
        path.write_bytes(text.encode(encoding))
    sniffed = sniff_text(path)
    assert sniffed.first_row == NAMES
    assert sniffed.encoding.startswith(encoding[:6])
    pd.testing.assert_frame_equal(read_back(path), expected_frame())


def test_a_bom_is_dropped_when_the_encoding_is_given(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "\n".join(",".join(r) for r in [NAMES, *ROWS]).encode())
    assert sniff_text(path, encoding="utf-8").first_row == NAMES


def test_windows_1252_keeps_euro_signs_and_curly_quotes(tmp_path: Path) -> None:
    names = ["CustomerID", "InvoiceNo", "Description", "Amount"]
    rows = [["A01", "1001", "Mug €5 – café’s own", "3.5"], ["B02", "1002", "Tray", "12"]]
    path = write(tmp_path / "win.csv", [",".join(r) for r in [names, *rows]], "cp1252")
    assert sniff_text(path).encoding == "cp1252"
    pd.testing.assert_frame_equal(read_back(path), expected_frame(names, rows))


def test_a_zip_must_hold_exactly_one_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w"):
        pass
    with pytest.raises(ValueError, match=r"empty\.zip holds 0 files; a zipped transaction "
                       r"file must hold exactly one\."):
        sniff_text(empty)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.csv", "x,y\n1,2\n")
        z.writestr("b.csv", "x,y\n1,2\n")
    with pytest.raises(ValueError, match=r"two\.zip holds 2 files"):
        sniff_text(two)
    one = tmp_path / "one.zip"
    with zipfile.ZipFile(one, "w") as z:
        z.writestr("dir/", "")
        z.writestr("dir/orders.csv", "\n".join(";".join(r) for r in [NAMES, *ROWS]))
    assert sniff_text(one).first_row == NAMES


ADDRESS_NAMES = ["Customer", "Date", "Amount", "Address"]


def test_an_address_on_several_lines_is_read_not_taken_for_a_stray_quote(tmp_path: Path) -> None:
    """Quoted addresses on two and three lines holding as many commas as a row: they
    were refused as a stray quote that swallowed rows ("pass --no-quoting", which then
    failed too). No line inside them has the file's four fields with a date in the date
    column, so they are cells as pandas reads them."""
    lines = [",".join(ADDRESS_NAMES),
             'C1,2024-01-05,27.50,"Flat 2, 12 High St,', 'London, SW1A 1AA"',
             "C2,2024-01-06,10.00,1 Main St",
             'C3,2024-01-07,12.00,"Unit 4,', "Block A, Floor 2, East Wing,", 'Leeds, LS1 4AP"']
    path = write(tmp_path / "address.csv", lines)
    df = read_transactions(path, text_columns=["Customer", "Amount"])
    assert df["Address"].tolist() == ["Flat 2, 12 High St,\nLondon, SW1A 1AA", "1 Main St",
                                      "Unit 4,\nBlock A, Floor 2, East Wing,\nLeeds, LS1 4AP"]
    pandas = pd.read_csv(path, dtype=str)  # pandas' own reading of the quotes
    pd.testing.assert_frame_equal(df, pandas)
    # an address in the first column, its first line holding a row's worth of commas
    first = write(tmp_path / "first.csv", ["Address,Customer,Date,Amount",
                                           '"Flat 2, 12 High St, Camden,',
                                           'London",C1,2024-01-05,27.50',
                                           "2 Main St,C2,2024-01-06,10.00"])  # fmt: skip
    df = read_transactions(first, text_columns=["Customer", "Amount"])
    assert df["Address"].tolist() == ["Flat 2, 12 High St, Camden,\nLondon", "2 Main St"]


def test_a_stray_quote_closing_on_the_next_line_is_still_refused(tmp_path: Path) -> None:
    """The quote opened on line 3 closes on line 4: one row (C03) read into a cell, with
    no whole line inside it. The rest of line 3 and the start of line 4 are a row's
    pieces, so it is refused as before, naming the line it swallowed."""
    from rfm.io._sniff import swallowed

    names = ["CustomerID", "Description", "Amount"]
    lines = [";".join(names), "A01;mug;3.5", 'B02;"12 INCH;12', 'C03;tray 7";7.25', "D04;bowl;1"]
    path = write(tmp_path / "stray.csv", lines)
    assert len(pd.read_csv(path, sep=";")) == 3  # pandas: C03's line is inside B02's cell
    with pytest.raises(ValueError, match=r"line 3 opens a quote .*, so line 4 was read into one "
                       r"cell of column 'Description'; .*--no-quoting"):  # fmt: skip
        read_transactions(path, text_columns=names)
    kinds = [{"text"}, {"text"}, {"number"}]
    assert swallowed("12 INCH;12\nC03;tray 7", ";", 3, 1, kinds)
    # the same text in the last column: its first line is no row's remainder
    assert not swallowed("12 INCH;12\nC03;tray 7", ";", 3, 2, kinds)
    # the address's lines hold no date where the date column is
    address = "Flat 2, 12 High St,\nLondon, SW1A 1AA"
    assert not swallowed(address, ",", 4, 3, [{"text"}, {"date"}, {"number"}, {"text"}])
    # a whole row inside: swallowed, whatever the first and last lines
    assert swallowed("Unit 4,\nC9, 2024-01-08, 3.00, x\nLeeds", ",", 4, 3,
                     [{"text"}, {"date"}, {"number"}, {"text"}])
