"""The lazy Dask loader types the columns as the in-memory loader does, partition by partition."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

dask = pytest.importorskip("dask")
pytest.importorskip("dask.dataframe")

from rfm.io.loading import load_transactions  # noqa: E402
from rfm.io.loading_dask import load_transactions_dask, source_files  # noqa: E402
from rfm.io.reading import ReadOptions  # noqa: E402


@pytest.fixture(autouse=True)
def threads():
    with dask.config.set(scheduler="threads"):
        yield


def _csv(path: Path, dates: list[str], ids: list[str], first: int = 0) -> None:
    lines = ["Customer;Invoice;Date;Amount"]
    lines += [f"{c};{i};{d};{i},5"
              for i, (c, d) in enumerate(zip(ids, dates, strict=True), start=first)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_csv_glob_typed_like_in_memory(tmp_path: Path) -> None:
    _csv(tmp_path / "a.csv", ["13/01/2024 10:00", "02/02/2024 11:30"], ["007", "17000.0"])
    _csv(tmp_path / "b.csv", ["03/02/2024 09:15", "04/03/2024 08:00"], ["17000", " 42 "], 2)
    _csv(tmp_path / "all.csv", ["13/01/2024 10:00", "02/02/2024 11:30", "03/02/2024 09:15",
                               "04/03/2024 08:00"], ["007", "17000.0", "17000", " 42 "])
    opts = ReadOptions(decimal=",")
    lazy = load_transactions_dask(str(tmp_path / "[ab].csv"), options=opts)
    mem = load_transactions(tmp_path / "all.csv", options=opts)
    got = lazy.frame.compute().reset_index(drop=True)
    # b.csv's dates all read both ways: the first file's day-first layout decides
    pd.testing.assert_frame_equal(got, mem.frame, check_dtype=False)
    assert got["Customer"].tolist() == ["007", "17000", "17000", "42"]
    assert lazy.columns == mem.columns
    assert lazy.date_format == mem.date_format == "%d/%m/%Y %H:%M (day first)"


def test_partitions_reading_dates_two_ways_are_refused(tmp_path: Path) -> None:
    _csv(tmp_path / "a.csv", ["13/01/2024", "02/02/2024"], ["1", "2"])
    _csv(tmp_path / "b.csv", ["01/13/2024", "02/02/2024"], ["1", "2"])  # month first
    lazy = load_transactions_dask(str(tmp_path / "*.csv"), options=ReadOptions(decimal=","))
    with pytest.raises(ValueError, match=r"^b\.csv: date column 'Date': these dates only "
                       "read month first, but those at the start of the first file only read "
                       "day first; pass --date-format"):  # fmt: skip
        lazy.frame.compute()


def test_zoned_day_first_dates_read_as_in_memory(tmp_path: Path) -> None:
    """Dates with a UTC offset settle their day/month order as dates without one: a.csv's
    13/01 reads day first, and b.csv's dates, which fit both orders, follow it (they
    were read month first by pandas, 3 July as 7 March), in memory and on Dask alike."""
    from datetime import datetime

    a = ["13/01/2024 10:00 +0100", "02/02/2024 11:30 +0100"]
    b = ["03/07/2024 09:15 +0200", "04/08/2024 08:00 +0200"]
    _csv(tmp_path / "a.csv", a, ["1", "2"])
    _csv(tmp_path / "b.csv", b, ["3", "4"], 2)
    _csv(tmp_path / "all.csv", a + b, ["1", "2", "3", "4"])
    opts = ReadOptions(decimal=",")
    lazy = load_transactions_dask(str(tmp_path / "[ab].csv"), options=opts)
    mem = load_transactions(tmp_path / "all.csv", options=opts)
    expected = [pd.Timestamp(datetime.strptime(v, "%d/%m/%Y %H:%M %z").replace(tzinfo=None))
                for v in a + b]  # fmt: skip
    assert list(mem.frame["Date"]) == expected
    assert list(lazy.frame.compute()["Date"]) == expected
    assert lazy.date_format == mem.date_format
    assert mem.date_format.startswith("%d/%m/%Y %H:%M %z (day first)")


def test_partitions_with_and_without_time_zones_are_refused(tmp_path: Path) -> None:
    """In memory a column that mixes times with and without a zone is refused; on Dask each
    partition reads its own, and times read as written would have mixed silently."""
    zoned, naive = ["13/01/2024 10:00 +0100"], ["14/01/2024 10:00"]
    opts = ReadOptions(decimal=",")
    for name, (first, later) in {"z": (zoned, naive), "n": (naive, zoned)}.items():
        folder = tmp_path / name
        folder.mkdir()
        _csv(folder / "a.csv", first, ["1"])
        _csv(folder / "b.csv", later, ["2"], 1)
        _csv(tmp_path / f"{name}.csv", first + later, ["1", "2"])
        with pytest.raises(ValueError, match="mix times with a time zone"):
            load_transactions(tmp_path / f"{name}.csv", options=opts)
        lazy = load_transactions_dask(str(folder / "*.csv"), options=opts)
        with pytest.raises(ValueError, match=r"^b\.csv: date column 'Date': these dates "
                           r"give (none )?a time zone.*but those at the start of the first "
                           r"file give (one|none); give all or none a zone"):  # fmt: skip
            lazy.frame.compute()


def test_day_month_orders_after_a_first_partition_of_iso_dates(tmp_path: Path) -> None:
    """The first partition's ISO dates settle no day/month order, and the check that later
    partitions agree with it was then skipped: b.csv's 13/01 made it day first and
    c.csv's 01/13 month first, so '02/03/2024' was 2 March in one partition and 3
    February in the other, silently (in memory the column is refused). A partition
    whose d/m/y dates settle an order by themselves is now refused, naming the flags,
    unless --dayfirst says the order."""
    opts = ReadOptions(decimal=",")
    _csv(tmp_path / "a.csv", ["2024-01-05"], ["1"])
    _csv(tmp_path / "b.csv", ["13/01/2024", "02/03/2024"], ["2", "3"], 1)
    _csv(tmp_path / "c.csv", ["01/13/2024", "02/03/2024"], ["4", "5"], 3)
    _csv(tmp_path / "all.csv", ["2024-01-05", "13/01/2024", "02/03/2024", "01/13/2024",
                                "02/03/2024"], ["1", "2", "3", "4", "5"])  # fmt: skip
    with pytest.raises(ValueError, match="only reads day first but '01/13/2024' only month"):
        load_transactions(tmp_path / "all.csv", options=opts)
    for files, partition, example in (("[abc].csv", "[bc]", "'(13/01|01/13)/2024'"),
                                      ("[ab].csv", "b", "'13/01/2024'")):  # fmt: skip
        lazy = load_transactions_dask(str(tmp_path / files), options=opts)
        with pytest.raises(ValueError, match=rf"^{partition}\.csv: "
                           rf"date column 'Date': these dates, e.g. {example}, only read "
                           r"(day|month) first, but those at the start of the first file settle no "
                           r"day/month "
                           r"order.*pass --dayfirst.*--date-format"):  # fmt: skip
            lazy.frame.compute()
    # told day first: every partition reads so, as in memory (checked against pandas with
    # each layout's explicit format)
    told = ReadOptions(decimal=",", dayfirst=True)
    _csv(tmp_path / "ab.csv", ["2024-01-05", "13/01/2024", "02/03/2024"], ["1", "2", "3"])
    mem = load_transactions(tmp_path / "ab.csv", options=told)
    lazy = load_transactions_dask(str(tmp_path / "[ab].csv"), options=told)
    expected = [pd.to_datetime("2024-01-05", format="%Y-%m-%d"),
                *pd.to_datetime(["13/01/2024", "02/03/2024"], format="%d/%m/%Y")]  # fmt: skip
    assert list(mem.frame["Date"]) == list(lazy.frame.compute()["Date"]) == expected
    assert expected[2] == pd.Timestamp("2024-03-02")  # 2 March, by hand
    with pytest.raises(ValueError, match=r"^c\.csv: .*--dayfirst was "
                       "given but '01/13/2024' only reads month first"):  # fmt: skip
        load_transactions_dask(str(tmp_path / "[abc].csv"), options=told).frame.compute()
    # d/m/y dates that fit both orders after ISO dates: refused as in memory, by the
    # flag that reads them (--dayfirst), not by a --date-format no ISO date matches
    _csv(tmp_path / "d.csv", ["02/03/2024"], ["6"], 1)
    _csv(tmp_path / "ad.csv", ["2024-01-05", "02/03/2024"], ["1", "6"])
    with pytest.raises(ValueError) as in_memory:
        load_transactions(tmp_path / "ad.csv", options=opts)
    with pytest.raises(ValueError) as on_dask:
        load_transactions_dask(str(tmp_path / "[ad].csv"), options=opts).frame.compute()
    assert str(on_dask.value) == f"d.csv: {in_memory.value}"
    assert "pass --dayfirst to read them day first" in str(on_dask.value)


def test_parquet_folder_keeps_integer_ids(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"CustomerID": [5, 7], "InvoiceDate": pd.to_datetime(["2024-01-01",
                          "2024-01-02"]), "TotalAmount": [1.0, 2.0]})  # fmt: skip
    (tmp_path / "sub").mkdir()
    frame.to_parquet(tmp_path / "sub" / "x.parquet")
    lazy = load_transactions_dask(tmp_path)
    assert lazy.frame["CustomerID"].dtype == "int64"
    assert load_transactions(tmp_path / "sub" / "x.parquet").frame["CustomerID"].dtype == "int64"
    assert lazy.date_format == "stored as dates in the file"


def test_sources_are_named_in_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no Parquet files"):
        source_files(tmp_path)
    with pytest.raises(FileNotFoundError, match="no file or folder matches"):
        source_files(tmp_path / "nothing-*.csv")
    (tmp_path / "a.xlsx").write_bytes(b"")
    with pytest.raises(ValueError, match=r"a\.xlsx: with --dask the data must be Parquet"):
        source_files(tmp_path / "a.xlsx")


def test_a_folder_dask_wrote_reads_without_its_stored_index(tmp_path) -> None:
    """Dask's to_parquet stores its index as a column (``__null_dask_index__``, listed as
    an index in the files' pandas metadata): the data columns only, the rows all there."""
    import dask.dataframe as dd

    from rfm import read_parquet_dask

    frame = pd.DataFrame({"CustomerID": ["a", "b", "c", "d"], "TotalAmount": [1.0, 2, 3, 4]})
    dd.from_pandas(frame, npartitions=2).to_parquet(tmp_path / "orders")
    got = read_parquet_dask(tmp_path / "orders").compute()
    assert list(got.columns) == ["CustomerID", "TotalAmount"]
    assert got["TotalAmount"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_money_that_reads_two_ways_is_refused_as_in_memory(tmp_path: Path) -> None:
    """1.627 next to 85: '.' may group thousands; the money is read from its text, as
    the in-memory loader does, and the loader refuses to guess, naming the file. Told,
    it reads."""
    src = tmp_path / "a.csv"
    src.write_text("Customer;Invoice;Date;Amount\nA;1;2024-01-02;1.627\nB;2;2024-01-03;85\n")
    with pytest.raises(ValueError, match=r"^column 'Amount' reads two ways.*'1\.627' in a\.csv"
                       r".*--decimal ',' --thousands '\.'"):  # fmt: skip
        load_transactions_dask(str(src))
    for opts, amounts in [(ReadOptions(decimal=",", thousands="."), [1627.0, 85.0]),
                          (ReadOptions(decimal="."), [1.627, 85.0])]:  # fmt: skip
        lazy = load_transactions_dask(str(src), options=opts).frame.compute()
        mem = load_transactions(src, options=opts).frame
        assert lazy["Amount"].tolist() == mem["Amount"].tolist() == amounts


def test_a_stray_quote_is_refused_as_in_memory(tmp_path: Path) -> None:
    """A description opening a quote that closes rows later: the rows between are read
    into its cell; refused in the in-memory words, naming the file, the line the quote
    opens on (line 3, by hand: the header is line 1) and --no-quoting."""
    rows = ["A;1;2024-01-02;5;mug", 'B;2;2024-01-03;6;"12 INCH', "C;3;2024-01-04;7;bowl",
            "D;4;2024-01-05;8;tray", 'E;5;2024-01-06;9;FRAME 7"']  # fmt: skip
    src = tmp_path / "a.csv"
    src.write_text("\n".join(["Customer;Invoice;Date;Amount;Description", *rows]) + "\n")
    with pytest.raises(ValueError, match=r"^a\.csv: line 3 opens a quote .* lines 4 to 6 "
                       r"were read into one cell of column 'Description'.*--no-quoting"
                       ) as on_dask:  # fmt: skip
        load_transactions_dask(str(src)).frame.compute()
    with pytest.raises(ValueError) as in_memory:
        load_transactions(src)
    assert str(on_dask.value) == str(in_memory.value)
    got = load_transactions_dask(str(src), options=ReadOptions(quotes=False)).frame.compute()
    assert got["Customer"].tolist() == list("ABCDE")


def test_an_address_on_two_lines_is_read_as_in_memory(tmp_path: Path) -> None:
    """A quoted address holding a row's worth of commas over two lines is a cell, not a
    stray quote: the partition is read as pandas reads the file."""
    src = tmp_path / "a.csv"
    src.write_text('Customer,Date,Amount,Address\nC1,2024-01-05,27.50,"Flat 2, 12 High St,\n'
                   'London, SW1A 1AA"\nC2,2024-01-06,10.00,1 Main St\n')  # fmt: skip
    lazy = load_transactions_dask(str(src)).frame.compute()
    assert lazy["Address"].tolist() == pd.read_csv(src)["Address"].tolist() == [
        "Flat 2, 12 High St,\nLondon, SW1A 1AA", "1 Main St"]
    pd.testing.assert_frame_equal(lazy, load_transactions(src).frame, check_dtype=False)


def test_a_separator_at_the_end_of_each_line_and_a_field_too_many(tmp_path: Path) -> None:
    """Data lines ending with ';' (one empty field past the header) read as in memory;
    a value in that place is refused as in memory, naming the file, the line (4, by hand)
    and the field counts."""
    lines = ["Customer;Invoice;Date;Amount", "A;1;2024-01-02;5;", "B;2;2024-01-03;6;"]
    src = tmp_path / "a.csv"
    src.write_text("\n".join(lines) + "\n")
    lazy = load_transactions_dask(str(src)).frame.compute()
    mem = load_transactions(src).frame
    assert list(lazy.columns) == list(mem.columns) == ["Customer", "Invoice", "Date", "Amount"]
    assert lazy["Amount"].tolist() == mem["Amount"].tolist() == [5.0, 6.0]
    src.write_text("\n".join([*lines, "C;3;2024-01-04;7;8"]) + "\n")
    with pytest.raises(ValueError, match=r"^a\.csv: line 4 has 5 fields but the header has "
                       "4") as on_dask:  # fmt: skip
        load_transactions_dask(str(src)).frame.compute()
    with pytest.raises(ValueError, match=r"a\.csv: line 4 has 5 fields but the header has 4"
                       ) as in_memory:  # fmt: skip
        load_transactions(src)
    assert str(on_dask.value) == str(in_memory.value)


def test_a_currency_sign_is_read_off_and_one_currency_held(tmp_path: Path) -> None:
    """£ amounts read as in memory, said in the notes; a later file in '$' is refused
    naming both files, never summed with them; a later file with a sign where the first
    has none is read, as the two files in one are in memory."""

    def orders(name: str, amounts: list[str]) -> None:
        lines = ["Customer,Invoice,Date,Amount"]
        lines += [f"C{i},{i},2024-01-0{i + 1},{a}" for i, a in enumerate(amounts)]
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    orders("a.csv", ["£1.50", "(£2.00)"])
    orders("b.csv", ["£3.25", "£4.00"])
    lazy = load_transactions_dask(str(tmp_path / "*.csv"))
    assert lazy.frame.compute()["Amount"].tolist() == [1.5, -2.0, 3.25, 4.0]
    assert lazy.currency == load_transactions(tmp_path / "a.csv").currency == "£"
    assert lazy.notes[0] == "2 files read: a.csv, b.csv"
    assert lazy.notes[1:] == load_transactions(tmp_path / "a.csv").notes == [
        "amounts in column 'Amount' read without their '£' sign (e.g. '£1.50')",
        "amounts in brackets in column 'Amount' read as negative (e.g. '(£2.00)')"]  # fmt: skip
    orders("a.csv", ["£1.50"])
    orders("b.csv", ["$3.25"])
    with pytest.raises(ValueError, match=r"^column 'Amount' mixes currencies: '£' \(e\.g\. "
                       r"'£1\.50' in a\.csv\) and '\$' \(e\.g\. '\$3\.25' in b\.csv\)"):
        load_transactions_dask(str(tmp_path / "*.csv"))
    orders("a.csv", ["1.50"])
    orders("b.csv", ["£3.25"])
    lazy = load_transactions_dask(str(tmp_path / "*.csv"))
    assert lazy.frame.compute()["Amount"].tolist() == [1.5, 3.25]
    assert lazy.currency == "£"


#: money split over two files, and the numbers they hold (written by hand): each file
#: alone reads another way than the two together, as one file does in memory
WHOLE_DATA_MONEY = [
    # a sign in the second file only: one currency, the pound (it was "the first part of
    # the data holds none")
    ((["27.50", "10.00"], ["£27.50", "£10.00"]), None, [27.5, 10.0, 27.5, 10.0], "£"),
    # the same in the other order
    ((["£27.50", "£10.00"], ["27.50", "10.00"]), None, [27.5, 10.0, 27.5, 10.0], "£"),
    # 2.55 in the first file shows '.' marks decimals: 1.250 in the second is 1.25 (the
    # second alone "reads two ways")
    ((["2.55", "1.627"], ["1.250", "85"]), None, [2.55, 1.627, 1.25, 85.0], None),
    ((["1.250", "85"], ["2.55", "1.627"]), None, [1.25, 85.0, 2.55, 1.627], None),
    # with --decimal ',', a ',' in the second file shows '.' groups thousands: 1.234 in
    # the first is 1234 (the first alone refused 1.234 as reading either way)
    ((["1.234", "7"], ["5,5", "2.000,25"]), ",", [1234.0, 7.0, 5.5, 2000.25], None),
    # the accounting zero in the second file, the currency in the first: 0 in dollars,
    # said as in memory
    ((["$ 4.00", "$ 1.50"], ["2.00", "USD -"]), None, [4.0, 1.5, 2.0, 0.0], "$"),
    # digits grouped by three with a space in the first file: a space groups thousands,
    # so '.' marks decimals and 1.627 in the second is 1.627 (the second alone "reads
    # two ways")
    ((["1 250", "85"], ["1.627", "3"]), None, [1250.0, 85.0, 1.627, 3.0], None),
    ((["1.627", "3"], ["1\u00a0250", "85"]), None, [1.627, 3.0, 1250.0, 85.0], None),
    # a value holding both marks in the second file settles the decimal mark of the
    # whole column: 1.627 in the first is 1.627 beside 1,234.50 and 1627 beside 1.234,50,
    # and 3,5 is 3.5 beside 1 234,50 (the first alone reads two ways, or is refused)
    ((["1.627", "85"], ["1,234.50", "7"]), None, [1.627, 85.0, 1234.5, 7.0], None),
    ((["1.627", "85"], ["1.234,50", "7"]), None, [1627.0, 85.0, 1234.5, 7.0], None),
    ((["3,5", "1"], ["1\u202f234,50", "7"]), None, [3.5, 1.0, 1234.5, 7.0], None),
    # the pound's one value in the second file is a return written with the minus sign
    # U+2212: one currency, the pound, said with the value as written
    ((["2.00", "4.00"], ["\u2212£1.50", "3.00"]), None, [2.0, 4.0, -1.5, 3.0], "£"),
]


@pytest.mark.parametrize(("amounts", "decimal", "expected", "currency"), WHOLE_DATA_MONEY)
def test_money_reads_as_the_whole_data_reads(tmp_path: Path, monkeypatch, amounts, decimal,
                                             expected, currency) -> None:  # fmt: skip
    """The currency and the reading of '.' and ',' were decided one partition at a time
    on Dask (the first partition's currency held to every other): files that one file
    holding their lines reads in memory were refused, or read otherwise. They are decided
    from the whole data, as in memory; the numbers are those written, and the same
    lines in one file read the same in memory. Small blocks put each line of one file in
    a partition of its own: the same holds within a file."""
    from rfm.io import loading_dask

    sep = ";"
    header = f"Customer{sep}Date{sep}Amount"

    def lines(values: list[str], first: int) -> list[str]:
        return [f"C{first + i}{sep}2024-01-{first + i + 1:02d}{sep}{v}"
                for i, v in enumerate(values)]  # fmt: skip

    head, tail = amounts
    (tmp_path / "a.csv").write_text("\n".join([header, *lines(head, 0)]) + "\n")
    (tmp_path / "b.csv").write_text("\n".join([header, *lines(tail, len(head))]) + "\n")
    one = tmp_path / "one.csv"
    one.write_text("\n".join([header, *lines(head, 0), *lines(tail, len(head))]) + "\n")
    opts = ReadOptions(decimal=decimal)
    mem = load_transactions(one, options=opts)
    assert mem.frame["Amount"].tolist() == expected
    for source, blocks in [(str(tmp_path / "[ab].csv"), None), (str(one), 40)]:
        if blocks:
            monkeypatch.setattr(loading_dask, "CSV_BLOCK_BYTES", blocks)
        lazy = load_transactions_dask(source, options=opts)
        assert lazy.frame.npartitions >= 2
        assert lazy.frame.compute()["Amount"].tolist() == expected, source
        assert lazy.currency == mem.currency == currency
        files = [] if blocks else ["2 files read: a.csv, b.csv"]  # said of a pattern only
        assert lazy.notes == files + mem.notes


def test_column_names_under_a_title_are_found_as_in_memory(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("Sales report 2024\n\nCustomer;Invoice;Date;Amount\nA;1;2024-01-02;5\n"
                   "B;2;2024-01-03;6\n")  # fmt: skip
    lazy = load_transactions_dask(str(src))
    mem = load_transactions(src)
    pd.testing.assert_frame_equal(lazy.frame.compute(), mem.frame, check_dtype=False)
    assert mem.frame["Amount"].tolist() == [5, 6]
    assert lazy.notes == mem.notes == ["the column names were read from line 3 of a.csv, under "
                                       "'Sales report 2024' (--header-row N picks another line)"]
    told = load_transactions_dask(str(src), options=ReadOptions(header_row=3))
    assert told.notes == [] and told.frame.compute()["Customer"].tolist() == ["A", "B"]


@pytest.mark.parametrize("decimal", [None, ",", "."])
def test_files_that_disagree_on_the_decimal_mark_are_refused_as_such(tmp_path: Path,
                                                                     decimal) -> None:  # fmt: skip
    """One file writes '2.55', the next '£0,42' (an export that switched to the decimal
    comma): no one --decimal reads both. Each file's own refusal advised the mark that the
    other file refused, in a circle; one message says the files disagree, with a value of
    each, whatever --decimal is given."""
    (tmp_path / "a.csv").write_text("Customer;Date;Amount\nA;2024-01-02;1250\nB;2024-01-03;2.55\n")
    (tmp_path / "b.csv").write_text("Customer;Date;Amount\nC;2024-02-02;7\nD;2024-02-03;£0,42\n")
    with pytest.raises(ValueError) as refused:
        load_transactions_dask(str(tmp_path / "*.csv"), options=ReadOptions(decimal=decimal))
    assert str(refused.value) == (
        "the files disagree on the decimal mark of column 'Amount': b.csv writes '£0,42' (a "
        "decimal comma) and a.csv writes '2.55' (a decimal point), and a run reads one mark; "
        "convert the numbers of one file to the other's mark, or run the files separately "
        "(--decimal ',' for b.csv).")
    # each file alone reads with its own mark (a.csv with none)
    alone = [load_transactions_dask(str(tmp_path / f), options=ReadOptions(decimal=d))
             for f, d in (("a.csv", None), ("b.csv", ","))]
    assert [x.frame.compute()["Amount"].tolist() for x in alone] == [[1250.0, 2.55], [7.0, 0.42]]


def test_one_file_that_mixes_decimal_marks_is_not_said_to_be_two(tmp_path: Path) -> None:
    """Both marks in one file (and a file of whole numbers): the
    value out of place is refused as before, not as files that disagree."""
    (tmp_path / "a.csv").write_text("Customer;Date;Amount\nA;2024-01-02;2,55\nB;2024-01-03;2.55\n")
    (tmp_path / "b.csv").write_text("Customer;Date;Amount\nC;2024-02-02;7\n")
    with pytest.raises(ValueError, match=r"a\.csv.*'2,55'.*pass --decimal ','") as refused:
        load_transactions_dask(str(tmp_path / "*.csv")).frame.compute()
    assert "disagree" not in str(refused.value)


def test_a_block_of_a_file_is_named_by_its_place_in_the_file(tmp_path: Path,
                                                             monkeypatch) -> None:  # fmt: skip
    """One file read in blocks: a line refused in its last block is placed by that block
    (which of how many, and about where in the file in bytes) and by the line's customer
    and invoice, its order line counted from the block's start (said so)."""
    from rfm.io import loading_dask

    monkeypatch.setattr(loading_dask, "CSV_BLOCK_BYTES", 60)
    lines = ["Customer;Invoice;Date;Amount"]
    lines += [f"C{i};{i};2024-01-{i + 1:02d};{i},5" for i in range(11)]
    lines.append("C11;11;not a date;11,5")
    src = tmp_path / "big.csv"
    text = "\n".join(lines) + "\n"
    src.write_text(text)
    size = len(text.encode())
    count = size // 60  # Dask's blocks: as many as whole block sizes fit, at least one
    assert count == 4
    # the last block starts after the first line end at or past 3/4 of the file
    start = text.index("\n", size * 3 // 4) + 1
    line = text[start:].count("\n")  # the broken line, the block's last
    assert 1 < line < 12  # not the file's order line 12
    with pytest.raises(ValueError) as refused:
        load_transactions_dask(str(src), options=ReadOptions(decimal=",")).frame.compute()
    said = str(refused.value)
    assert said.startswith(f"big.csv, the 4th of its 4 blocks (from about {size * 3 // 4} "
                           f"bytes to {size} bytes into the file): date column 'Date': ")
    assert f"(order line {line} of that block: customer C11, invoice 11)" in said
    assert "partition" not in said
