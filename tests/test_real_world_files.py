"""Real-world files as `rfmseg segment` reads them: read right, or refused with one line
naming a flag.

Each case writes a small file in tmp_path in the awkward shape users have (day-first
dates, numeric dates, other separators and decimal marks, encodings, ids that look like
numbers, duplicated names, truncated archives, dirty rows). It is read the way the
command reads it (the command's own flags, reader and cleaning, then the customer
table), and R, F, M are checked against a plain groupby on the hand-built rows the file
was made from. Reading needs no clustering and no report: only a refusal runs the
command itself (in process), to check its one-line message, and a few cases run it end
to end to check what it prints.
"""

from __future__ import annotations

import bz2
import gzip
import html
import lzma
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli import assert_user_error

from rfm.app.cli import USER_ERRORS, UsageError, _cleaning, _load, build_parser
from rfm.app.pipeline import CustomerTable, customer_table

# -- the rows every file is made from ------------------------------------------------------

#: customer, invoice, date, quantity, unit price (8 customers, 20 order lines)
ROWS = [
    ("A01", "1001", datetime(2011, 1, 2, 9, 5), 2, 3.50),
    ("A01", "1002", datetime(2011, 3, 15, 10, 0), 1, 12.00),
    ("A01", "1003", datetime(2011, 11, 28, 16, 45), 4, 2.25),
    ("B02", "1004", datetime(2011, 2, 7, 11, 30), 10, 1.10),
    ("B02", "1005", datetime(2011, 8, 19, 8, 15), 3, 7.00),
    ("C03", "1006", datetime(2011, 4, 1, 12, 0), 1, 99.99),
    ("D04", "1007", datetime(2011, 5, 13, 13, 20), 6, 4.00),
    ("D04", "1008", datetime(2011, 6, 9, 14, 0), 2, 4.00),
    ("D04", "1009", datetime(2011, 12, 9, 9, 0), 1, 250.00),
    ("E05", "1010", datetime(2011, 7, 4, 17, 5), 12, 0.85),
    ("F06", "1011", datetime(2011, 9, 23, 10, 10), 1, 45.50),
    ("F06", "1012", datetime(2011, 10, 5, 15, 55), 2, 45.50),
    ("G07", "1013", datetime(2011, 10, 30, 9, 30), 5, 3.20),
    ("H08", "1014", datetime(2011, 1, 11, 18, 0), 1, 15.00),
    ("H08", "1015", datetime(2011, 2, 28, 9, 45), 3, 6.60),
    ("H08", "1016", datetime(2011, 5, 31, 11, 11), 2, 8.75),
    ("A01", "1017", datetime(2011, 6, 17, 12, 30), 1, 19.99),
    ("C03", "1018", datetime(2011, 12, 1, 10, 0), 3, 1.95),
    ("E05", "1019", datetime(2011, 11, 3, 16, 0), 2, 22.00),
    ("G07", "1020", datetime(2011, 3, 21, 13, 0), 1, 30.00),
]


def rows_frame(rows: list[tuple] = ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity",
                                       "UnitPrice"])  # fmt: skip


def expected_rfm(df: pd.DataFrame, snapshot: pd.Timestamp | None = None) -> pd.DataFrame:
    """R, F, M by a plain groupby (snapshot: the last purchase, as with --snapshot max).
    A return (a line worth less than 0) is no order nor purchase: R and F count the other
    lines, M every line."""
    amount = df["Quantity"] * df["UnitPrice"]
    bought = df[amount >= 0]
    snap = bought["InvoiceDate"].max() if snapshot is None else snapshot
    g = bought.groupby("CustomerID")
    return pd.DataFrame(
        {
            "recency": (snap - g["InvoiceDate"].max()).dt.days,
            "frequency": g["InvoiceNo"].nunique(),
            "monetary": amount.groupby(df["CustomerID"]).sum(),
        }
    ).dropna(subset=["recency"])


@dataclass
class Read:
    """What the command made of a file, up to the customer table."""

    table: CustomerTable
    #: the date format the reader used, as the command prints it after "date format: "
    date_format: str | None

    def removed(self, rule: str) -> int:
        """Rows the cleaning rule ``rule`` removed."""
        report = self.table.cleaning.set_index("rule")["rows_removed"]
        return int(report[rule])


def read(src: Path, *flags: str) -> Read:
    """Read ``src`` as `rfmseg segment SRC --snapshot max FLAGS` does, up to its customer
    table (the command's own flag parsing, reader, cleaning and RFM table)."""
    args = build_parser().parse_args(["segment", str(src), "--snapshot", "max", *flags])
    frame, columns, _ = _load(args, lambda message: None)
    table = customer_table(frame, columns=columns, snapshot="max", cleaning=_cleaning(args))
    return Read(table, args.date_format_used)


def segment(cli, src: Path, *flags: str) -> tuple[Read | None, pd.DataFrame | None]:
    """The customer table of ``src`` (R, F, M by customer, sorted) and what was read; when
    the reader refuses the file, the command's own refusal (run in process) instead."""
    try:
        got = read(src, *flags)
    except (*USER_ERRORS, UsageError):
        proc = cli("segment", str(src), "--k", "2", "--snapshot", "max", "--out",
                   str(src.parent / "refused"), *flags)  # fmt: skip
        assert proc.returncode != 0, "the reader refused what the command accepts"
        return proc, None
    rfm = got.table.rfm.copy()
    rfm.index = rfm.index.astype(str)
    return got, rfm.sort_index()


def end_to_end(cli, tmp_path: Path, src: Path, *flags: str):
    """`rfmseg segment SRC --k 2 --snapshot max FLAGS` in process, and its segments.csv."""
    out = tmp_path / "out"
    proc = cli("segment", str(src), "--k", "2", "--snapshot", "max", "--out", str(out), *flags)
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(out / "segments.csv", dtype={"customer": str}, keep_default_na=False)
    return proc, seg.set_index("customer").sort_index()


def assert_rfm(seg: pd.DataFrame, expected: pd.DataFrame) -> None:
    expected = expected.sort_index()
    assert list(seg.index) == list(expected.index)
    np.testing.assert_array_equal(seg["recency"], expected["recency"])
    np.testing.assert_array_equal(seg["frequency"], expected["frequency"])
    np.testing.assert_allclose(seg["monetary"], expected["monetary"], rtol=1e-12)


def write_csv(path: Path, df: pd.DataFrame, *, sep: str = ",", encoding: str = "utf-8",
              newline: str = "\n") -> Path:  # fmt: skip
    text = df.to_csv(index=False, sep=sep, lineterminator=newline)
    path.write_bytes(text.encode(encoding))
    return path


# -- dates ---------------------------------------------------------------------------------


def test_dayfirst_column_is_read_day_first_throughout(cli, tmp_path: Path) -> None:
    # the first value, 02/01/2011, fits both orders; 15/03/2011 only fits day first
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M"))
    assert text["InvoiceDate"].iloc[0] == "02/01/2011 09:05"
    src = write_csv(tmp_path / "dayfirst.csv", text)
    proc, seg = end_to_end(cli, tmp_path, src)  # what the command prints and reports
    assert_rfm(seg, expected_rfm(df))
    assert "date format: %d/%m/%Y %H:%M (day first)" in proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "%d/%m/%Y %H:%M (day first)" in report


def test_dates_the_file_stores_as_dates_are_said_to_be_taken_as_stored(cli, tmp_path):
    """A Parquet file whose dates are stored as dates: the report's method says they were
    taken as stored. It said "Dates read with the format stored as dates in the file, one
    format for the whole column." """
    pytest.importorskip("pyarrow")
    df = rows_frame()
    src = tmp_path / "orders.parquet"
    df.to_parquet(src)
    proc, seg = end_to_end(cli, tmp_path, src)
    assert_rfm(seg, expected_rfm(df))
    assert "date format: stored as dates in the file" in proc.stdout
    report = html.unescape((tmp_path / "out" / "report.html").read_text("utf-8"))
    report = " ".join(report.split())
    assert ("Dates taken as the file stores them (as dates, not text), so no format was "
            "read.") in report
    assert "with the format stored" not in report


def test_month_first_column_with_unpadded_fields(cli, tmp_path: Path) -> None:
    # the UCI layout 12/1/2010 8:26: month first, no zero padding
    df = rows_frame()
    d = df["InvoiceDate"]
    text = df.assign(InvoiceDate=[f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in d])
    proc, seg = segment(cli, write_csv(tmp_path / "us.csv", text))
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    assert "(month first)" in proc.date_format


def test_all_ambiguous_dates_need_a_flag(cli, tmp_path: Path) -> None:
    days = [datetime(2011, m, d) for m in range(1, 13) for d in (1, 5, 9, 12)]
    rows = [(f"C{i % 6}", str(5000 + i), t, 1, 10.0 + i) for i, t in enumerate(days)]
    df = rows_frame(rows)
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y"))
    src = write_csv(tmp_path / "ambiguous.csv", text)
    proc, _ = segment(cli, src)
    assert_user_error(proc, "--dayfirst", "--date-format")
    proc, seg = segment(cli, src, "--dayfirst")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    # the same text read month first on request: 05/01 is then 1 May
    proc, seg = segment(cli, src, "--date-format", "%m/%d/%Y")
    assert seg is not None, proc.stderr
    swapped = df.assign(InvoiceDate=pd.to_datetime(
        [datetime(2011, t.day, t.month) for t in df["InvoiceDate"]]))  # fmt: skip
    assert_rfm(seg, expected_rfm(swapped))


def test_contradicting_dates_are_refused(cli, tmp_path: Path) -> None:
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y"))
    text.loc[5, "InvoiceDate"] = "04/13/2011"  # only fits month first; 15/03/2011 only day first
    proc, _ = segment(cli, write_csv(tmp_path / "contradict.csv", text))
    assert_user_error(proc, "04/13/2011", "--date-format")
    text.loc[5, "InvoiceDate"] = "01/04/2011"
    proc, _ = segment(cli, write_csv(tmp_path / "flag.csv", text), "--date-format", "%d.%m.%Y")
    assert_user_error(proc, "--date-format")


def test_date_format_flag_reads_a_custom_layout(cli, tmp_path: Path) -> None:
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d %m %Y"))
    proc, seg = segment(cli, write_csv(tmp_path / "custom.csv", text),
                        "--date-format", "%d %m %Y")  # fmt: skip
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=df["InvoiceDate"].dt.normalize())))
    assert proc.date_format.startswith("%d %m %Y")


def test_yyyymmdd_integers_are_dates(cli, tmp_path: Path) -> None:
    df = rows_frame()
    days = df["InvoiceDate"].dt.normalize()
    text = df.assign(InvoiceDate=[int(t.strftime("%Y%m%d")) for t in days])
    proc, seg = segment(cli, write_csv(tmp_path / "ymd.csv", text))
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=days)))
    assert proc.date_format.startswith("%Y%m%d")


def test_excel_serial_dates_only_with_the_flag(cli, tmp_path: Path) -> None:
    df = rows_frame()
    days = df["InvoiceDate"].dt.normalize()
    serial = [(t - datetime(1899, 12, 30)).days for t in days]  # Excel's day numbers
    src = write_csv(tmp_path / "serial.csv", df.assign(InvoiceDate=serial))
    proc, _ = segment(cli, src)
    assert_user_error(proc, "--date-format excel")
    assert "unit=" not in proc.stderr and "pd." not in proc.stderr
    proc, seg = segment(cli, src, "--date-format", "excel")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=days)))


def test_epoch_seconds_only_with_the_flag(cli, tmp_path: Path) -> None:
    df = rows_frame()
    epoch = [int((t - datetime(1970, 1, 1)).total_seconds()) for t in df["InvoiceDate"]]
    src = write_csv(tmp_path / "epoch.csv", df.assign(InvoiceDate=epoch))
    proc, _ = segment(cli, src)
    assert_user_error(proc, "epoch-s")
    assert "unit=" not in proc.stderr
    proc, seg = segment(cli, src, "--date-format", "epoch-s")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))


def test_mixed_naive_and_zoned_times_get_a_short_message(cli, tmp_path: Path) -> None:
    df = rows_frame()
    iso = df["InvoiceDate"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    iso[::2] = iso[::2] + "Z"
    proc, _ = segment(cli, write_csv(tmp_path / "tz.csv", df.assign(InvoiceDate=iso)))
    assert_user_error(proc, "time zone")
    assert len(proc.stderr.strip().splitlines()[-1]) < 250


def test_offsets_that_change_with_daylight_saving_are_read_as_written(cli, tmp_path: Path) -> None:
    """Shopify writes '2023-01-02 14:00:00 +0100' in winter and '+0200' in summer: refused
    ("do not parse as dates with one format"), and with the pattern --date-format '%Y-%m-%d
    %H:%M:%S %z' refused in pandas' words ("Pass utc=True"). Then read as UTC instants,
    which moved the evening's orders to other days. Each time is now the shop's time as
    written, its offset set aside (also with --dask, where zoned dates were refused by the
    partitions' schema check once cleaned), and the format used says so. R, F, M are a
    plain groupby on the times pandas reads from the text without its offset."""
    df = rows_frame()
    summer = df["InvoiceDate"].dt.month.between(4, 10)
    offset = np.where(summer, " +0200", " +0100")
    text = df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S") + offset
    src = write_csv(tmp_path / "shop.csv", df.assign(InvoiceDate=text))
    written = pd.to_datetime(text.str[:-6], format="%Y-%m-%d %H:%M:%S")
    expected = expected_rfm(df.assign(InvoiceDate=written))
    iso = df["InvoiceDate"].dt.strftime("%Y-%m-%dT%H:%M:%S") + np.where(summer, "+02:00",
                                                                         "+01:00")  # fmt: skip
    same = write_csv(tmp_path / "iso.csv", df.assign(InvoiceDate=iso))
    aside = "; times read as written, their UTC offsets set aside"
    for path, flags, used in (
        (src, (), "%Y-%m-%d %H:%M:%S %z" + aside),
        (src, ("--date-format", "%Y-%m-%d %H:%M:%S %z"), "%Y-%m-%d %H:%M:%S %z" + aside),
        (same, (), "%Y-%m-%dT%H:%M:%S%z" + aside),
        (src, ("--dask",), "%Y-%m-%d %H:%M:%S %z" + aside),  # refused there by the schema
    ):  # fmt: skip
        got, seg = segment(cli, path, *flags)
        assert seg is not None, got.stderr
        assert_rfm(seg, expected)
        assert got.date_format == used
        first = got.table.rfm["first_purchase"].sort_index()
        pd.testing.assert_series_equal(  # the first purchase as the shop's clock said it
            first.astype("datetime64[ns]"),
            written.groupby(df["CustomerID"]).min().astype("datetime64[ns]"),
            check_names=False, check_index_type=False)  # fmt: skip
    proc, _ = end_to_end(cli, tmp_path, src)
    assert f"date format: %Y-%m-%d %H:%M:%S %z{aside}" in proc.stdout
    assert "Period" not in proc.stderr and "utc=True" not in proc.stderr + proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Times read as written, their UTC offsets set aside." in report
    assert "UTC offsets set aside" not in report.replace(
        "Times read as written, their UTC offsets set aside.", "", 1)  # said once


def test_zoned_times_count_the_shops_own_days(cli, tmp_path: Path) -> None:
    """Without an invoice column an order is a customer's purchase day. 23:30 and the next
    day's 00:30 at +02:00 were converted to UTC, 21:30 and 22:30 of one day: frequency 1
    instead of 2; the recency and the months also fell on UTC days (the 00:30 of 1 August
    in July). Read as written, in memory and with --dask: checked against pandas reading
    the text without its offset with an explicit format, and by hand."""
    from rfm import kpis
    from rfm.io.loading import load_transactions
    from rfm.io.loading_dask import load_transactions_dask
    from rfm.kpis_dask import monthly_dask

    text = pd.Series(["2024-07-05T23:30:00+02:00", "2024-07-06T00:30:00+02:00",
                      "2024-01-10T00:00:00+01:00", "2024-08-01T00:30:00+02:00"])  # fmt: skip
    lines = pd.DataFrame({"CustomerID": ["C1", "C1", "C2", "C3"], "InvoiceDate": text,
                          "Quantity": 1, "UnitPrice": [10.0, 20.0, 5.0, 7.0]})  # fmt: skip
    src = write_csv(tmp_path / "days.csv", lines)
    written = pd.to_datetime(text.str[:19], format="%Y-%m-%dT%H:%M:%S")
    by = lines["CustomerID"]
    expected = pd.DataFrame({
        "recency": (written.max() - written.groupby(by).max()).dt.days,
        "frequency": written.dt.normalize().groupby(by).nunique(),
        "monetary": lines["UnitPrice"].groupby(by).sum(),
    })  # fmt: skip
    # by hand: C1 bought on two days; C2's last purchase is 204 days and 30 minutes
    # before the last line (203 days 23:30 between the UTC instants)
    assert expected["frequency"].tolist() == [2, 1, 1]
    assert expected["recency"].tolist() == [26, 204, 0]
    for flags in ((), ("--dask",)):
        got, seg = segment(cli, src, *flags)
        assert seg is not None, got.stderr
        assert_rfm(seg, expected)
        assert got.date_format.endswith("; times read as written, their UTC offsets set aside")
    mem = load_transactions(src)
    lazy = load_transactions_dask(str(src))
    for months in (kpis.monthly(mem.frame, columns=mem.columns),
                   monthly_dask(lazy.frame, lazy.columns)):  # fmt: skip
        revenue = months["revenue"][months["revenue"] > 0]
        assert {str(m): r for m, r in revenue.items()} == {"2024-01": 5.0, "2024-07": 30.0,
                                                           "2024-08": 7.0}  # fmt: skip


def test_a_column_of_two_date_layouts_reads_each_date_in_its_own(cli, tmp_path: Path) -> None:
    """Half '2011-12-09 12:50:00', half '09/12/2011 12:50' (two exports appended): the
    message said "values mix date separators; pass --date-format", which no one format
    can do. Each date is read in its own layout, the d/m/y ones day first as their days
    above 12 settle (the rule of a whole column), and the console, the report and the
    option dates say so. Checked against pandas, each layout with its explicit format."""
    df = rows_frame()
    iso = df.index % 2 == 0
    text = df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S").where(
        iso, df["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M"))
    src = write_csv(tmp_path / "two.csv", df.assign(InvoiceDate=text))
    read_back = pd.to_datetime(text.where(iso), format="%Y-%m-%d %H:%M:%S").fillna(
        pd.to_datetime(text.where(~iso), format="%d/%m/%Y %H:%M"))
    got, seg = segment(cli, src)
    assert seg is not None, got.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=read_back)))
    used = (f"2 layouts, each date read in one: %Y-%m-%d %H:%M:%S ({iso.sum()} order lines) "
            f"and %d/%m/%Y %H:%M ({(~iso).sum()} order lines) (day first)")
    assert got.date_format == used
    assert option_dates(src, "--compare-to", "01/06/2011")[1] == "2011-06-01"  # day first
    proc, _ = end_to_end(cli, tmp_path, src)
    assert f"date format: {used}" in proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"Dates read in {used}." in report and "one format for the whole" not in report
    # d/m/y dates that all read both ways beside ISO ones: one line, naming the flag that
    # works (--dayfirst), and no --date-format, which cannot read two layouts
    both = text.where(iso, df["InvoiceDate"].dt.strftime("%d/%m/%Y"))
    both = both.where(iso | (df["InvoiceDate"].dt.day <= 12), "01/02/2011")
    src = write_csv(tmp_path / "both.csv", df.assign(InvoiceDate=both))
    proc, _ = segment(cli, src)
    assert_user_error(proc, "reads both day first and month first among dates of other "
                      "layouts", "pass --dayfirst")  # fmt: skip
    assert "--date-format" not in proc.stderr
    got, seg = segment(cli, src, "--dayfirst")
    assert seg is not None and got.date_format.endswith("(day first)")


def test_dates_with_and_without_a_time_say_both(cli, tmp_path: Path) -> None:
    """'2010-12-01' beside '2010-12-01 08:26:00' read right (date-only as midnight), but
    the report said "the format %Y-%m-%d %H:%M:%S, one format for the whole column",
    which half the dates do not have. Checked against pandas' ISO 8601 reading."""
    df = rows_frame()
    text = df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")
    text[::3] = df["InvoiceDate"][::3].dt.strftime("%Y-%m-%d")
    src = write_csv(tmp_path / "iso_mix.csv", df.assign(InvoiceDate=text))
    proc, seg = end_to_end(cli, tmp_path, src)
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=pd.to_datetime(text, format="ISO8601"))))
    used = "%Y-%m-%d %H:%M:%S, or %Y-%m-%d without a time"
    assert f"date format: {used}\n" in proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert (f"Dates read with the format {used} (read as midnight), one layout for the whole "
            "column.") in report  # fmt: skip


def test_parse_date_column_against_hand_parsed_values() -> None:
    from rfm.io.dates import parse_date_column

    values = pd.Series(["02/01/2011", None, "", "13/01/2011 17:05", "28/02/2011 1:05 PM"])
    got, used = parse_date_column(values, name="d")
    expected = pd.to_datetime(pd.Series(
        [datetime(2011, 1, 2), None, None, datetime(2011, 1, 13, 17, 5),
         datetime(2011, 2, 28, 13, 5)]))  # fmt: skip
    pd.testing.assert_series_equal(got.astype("datetime64[ns]"), expected.astype("datetime64[ns]"),
                                   check_names=False)  # fmt: skip
    assert used.endswith("(day first)")
    # zoned: each time as written, its offset set aside (was: 10:00 and 11:00 UTC)
    zoned, _ = parse_date_column(pd.Series(["2011-01-02T10:00:00Z", "2011-01-02T12:00:00+01:00"]))
    assert list(zoned) == [pd.Timestamp("2011-01-02 10:00"), pd.Timestamp("2011-01-02 12:00")]
    with pytest.raises(ValueError, match="not dates"):
        parse_date_column(pd.Series([40544, 40545]), name="d")
    excel, _ = parse_date_column(pd.Series([40544.5]), date_format="excel")
    assert excel[0] == pd.Timestamp("2011-01-01 12:00")
    with pytest.raises(ValueError, match="not valid dates"):
        parse_date_column(pd.Series(["31/02/2011", "13/01/2011"]))


# -- dates given as options ---------------------------------------------------------------


def option_dates(src: Path, *flags: str) -> tuple[str, str]:
    """``--snapshot`` and ``--compare-to`` as the command reads them with ``src``'s dates."""
    args = build_parser().parse_args(["segment", str(src), *flags])
    _load(args, lambda message: None)
    return args.snapshot, args.compare_to


def test_option_dates_follow_the_files_day_first_rule(tmp_path: Path) -> None:
    """--compare-to 01/06/2011 ran as 6 January and --snapshot 01/02/2012 as 2 January
    on a day-first file; now they follow the file's order (or the order it was told)."""
    df = rows_frame()
    flags = ("--snapshot", "01/02/2012", "--compare-to", "01/06/2011")
    day = write_csv(tmp_path / "day.csv",
                    df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M")))
    month = write_csv(tmp_path / "month.csv",
                      df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%m/%d/%Y %H:%M")))
    iso = write_csv(tmp_path / "iso.csv", df)
    assert option_dates(day, *flags) == ("2012-02-01", "2011-06-01")
    assert option_dates(month, *flags) == ("2012-01-02", "2011-01-06")
    # ISO options whatever the file; the order the user gave for the file
    assert option_dates(month, "--snapshot", "2012-02-01") == ("2012-02-01", None)
    assert option_dates(iso, *flags, "--dayfirst") == ("2012-02-01", "2011-06-01")
    assert option_dates(iso, "--compare-to", "13.06.2011") == ("max+1d", "2011-06-13")
    # the snapshot read day first gives the recency a hand count gives from 1 February
    args = build_parser().parse_args(["segment", str(day), *flags])
    frame, columns, _ = _load(args, lambda message: None)
    table = customer_table(frame, columns=columns, snapshot=args.snapshot)
    rfm = table.rfm.set_axis(table.rfm.index.astype(str)).sort_index()
    assert_rfm(rfm, expected_rfm(df, pd.Timestamp(2012, 2, 1)))


def test_ambiguous_or_contradicting_option_dates_are_one_line(cli, tmp_path: Path) -> None:
    df = rows_frame()
    iso = write_csv(tmp_path / "iso.csv", df)
    out = str(tmp_path / "out")
    proc = cli("segment", str(iso), "--compare-to", "01/06/2011", "--out", out)
    assert_user_error(proc, "--compare-to '01/06/2011' reads as 1 June 2011 or 6 January 2011",
                      "YYYY-MM-DD")  # fmt: skip
    assert "score levels" not in proc.stderr
    day = write_csv(tmp_path / "day.csv",
                    df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y")))
    proc = cli("segment", str(day), "--snapshot", "12/31/2011", "--out", out)
    assert_user_error(proc, "--snapshot '12/31/2011' only reads month first, but the file's "
                      "dates are read day first")  # fmt: skip
    for flag, value, what in [("--snapshot", "31/02/2012", "is not a real day"),
                              ("--compare-to", "2011-6", "is not a date"),
                              ("--compare-to", "01/06/11", "YYYY-MM-DD")]:  # fmt: skip
        proc = cli("segment", str(day), flag, value, "--out", out)
        assert proc.returncode == 2 and flag in proc.stderr and what in proc.stderr
    # a date with too few customers before it names the flag, not score levels
    proc = cli("segment", str(day), "--compare-to", "15/01/2011", "--out", out)
    assert_user_error(proc, "only 2 customer(s) had bought by 2011-01-15 (--compare-to)",
                      "pick a later date")  # fmt: skip


def test_read_option_date_against_hand_read_days() -> None:
    from rfm.io.dates import AmbiguousDate, date_order, read_option_date

    cases = [("2011-06-01", None, (2011, 6, 1)), ("2011/6/1", False, (2011, 6, 1)),
             ("01/06/2011", True, (2011, 6, 1)), ("01/06/2011", False, (2011, 1, 6)),
             ("1.6.2011", True, (2011, 6, 1)), ("13-06-2011", None, (2011, 6, 13)),
             ("06/13/2011", None, (2011, 6, 13)), ("05/05/2011", None, (2011, 5, 5))]  # fmt: skip
    for text, order, ymd in cases:
        assert read_option_date(text, "--x", order) == pd.Timestamp(*ymd), text
    with pytest.raises(AmbiguousDate, match="1 June 2011 or 6 January 2011"):
        read_option_date("01/06/2011", "--x", None)
    with pytest.raises(ValueError, match="only reads day first, but the file's dates are read "
                       "month first"):  # fmt: skip
        read_option_date("13/06/2011", "--x", False)
    for bad in ("soon", "2011-02-30", "13/13/2011", "1/6/11", "20110601"):
        with pytest.raises(ValueError, match="--x"):
            read_option_date(bad, "--x", True)
    assert date_order("%d/%m/%Y %H:%M (day first)") is True
    assert date_order("%m/%d/%y (month first)") is False
    assert date_order("ISO 8601") is None and date_order("ISO 8601", dayfirst=True) is True
    assert date_order("whatever", date_format="%m.%d.%Y") is False
    assert date_order(None, date_format="excel") is None


# -- separators, decimals, header ----------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_separator_is_sniffed(cli, tmp_path: Path, sep: str) -> None:
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    proc, seg = segment(cli, write_csv(tmp_path / "orders.txt", text, sep=sep))
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=df["InvoiceDate"].dt.floor("min"))))


def test_spreadsheet_sep_line_names_the_separator(cli, tmp_path: Path) -> None:
    from rfm.io._sniff import sniff_text

    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    # a last "Note" column whose empty cells are left out with their separator, as some
    # exports do: no separator splits every line evenly, so only the sep= line names it
    lines = [";".join([*text.columns, "Note"])]
    for i, row in enumerate(text.astype(str).itertuples(index=False)):
        lines.append(";".join([*row, "gift"] if i % 4 == 0 else row))
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(lines) + "\n")
    assert sniff_text(bare).sep == ","  # without the line: the fallback, not ";"
    src = tmp_path / "excel.csv"
    src.write_text("sep=;\n" + "\n".join(lines) + "\n")
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))


def described_lines(descriptions: list[str], sep: str = ";") -> list[str]:
    """The rows as an export writes them, a Description column in the middle, nothing
    quoted (a description is written as it is, stray quotes and all)."""
    df = rows_frame()
    lines = [sep.join(["InvoiceNo", "Description", "CustomerID", "InvoiceDate", "Quantity",
                       "UnitPrice"])]  # fmt: skip
    for row, text in zip(df.itertuples(index=False), descriptions, strict=True):
        lines.append(sep.join([row.InvoiceNo, text, row.CustomerID,
                               row.InvoiceDate.strftime("%Y-%m-%d %H:%M"), str(row.Quantity),
                               f"{row.UnitPrice:.2f}"]))  # fmt: skip
    return lines


def test_a_stray_quote_that_swallows_rows_is_refused_naming_its_line(cli, tmp_path: Path) -> None:
    """A description starting "12 INCH with no closing quote opened a quoted cell that ran
    to the next '"' (on line 11, in 7" FRAME): the rows between were read as its text,
    silently (with --sep ';'), and without --sep no separator split the sampled lines
    evenly, so the header was one giant column name. Refused naming the line the quote
    opens on and --no-quoting, which reads the file as pandas does with QUOTE_NONE."""
    import csv

    texts = [f"MUG {i}" for i in range(20)]
    texts[3] = '"12 INCH RECORD SLEEVE'  # line 5 (the header is line 1)
    texts[9] = 'RECORD FRAME 7" SINGLE'  # line 11: the next '"'
    texts[14] = 'LETTER "M" KEY RING'  # quotes inside a cell: plain characters anyway
    src = tmp_path / "stray.csv"
    src.write_text("\n".join(described_lines(texts)) + "\n", encoding="utf-8")
    for flags in [(), ("--sep", ";")]:
        proc, _ = segment(cli, src, *flags)
        assert_user_error(proc, "stray.csv: line 5 opens a quote that does not close on that "
                          "line", "'12 INCH RECORD SLEEVE;B02;2011-02-07 11:…'",
                          "lines 6 to 11 were read into one cell of column 'Description'",
                          "--no-quoting")  # fmt: skip
    proc, seg = segment(cli, src, "--no-quoting")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(rows_frame()))
    # the independent reading: pandas told that quotes are plain characters
    plain = pd.read_csv(src, sep=";", quoting=csv.QUOTE_NONE, dtype=str)
    assert len(plain) == 20 and plain["Description"].tolist() == texts
    # a quote that never closes: the rest of the file was one cell (pandas' "EOF inside
    # string starting at row 13")
    texts[9] = "RECORD FRAME SINGLE"
    texts[14] = "LETTER M KEY RING"
    src.write_text("\n".join(described_lines(texts)) + "\n", encoding="utf-8")
    assert_user_error(segment(cli, src)[0], "line 5 opens a quote that never closes",
                      "--no-quoting")  # fmt: skip
    proc, seg = segment(cli, src, "--no-quoting")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(rows_frame()))


def test_quoted_cells_on_two_lines_and_with_separators_are_read(cli, tmp_path: Path) -> None:
    """Quotes used as meant: a note on two lines, a ';' inside a description. Not taken
    for a stray quote (no row's worth of separators in the cell)."""
    texts = [f"MUG {i}" for i in range(20)]
    texts[2] = '"GIFT; BOX"'
    texts[6] = '"NOTE ON\nTWO LINES"'
    texts[7] = '"SAY ""HELLO"""'
    src = tmp_path / "quoted.csv"
    src.write_text("\n".join(described_lines(texts)) + "\n", encoding="utf-8")
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(rows_frame()))
    read = pd.read_csv(src, sep=";", dtype=str)["Description"]
    assert read[[2, 6, 7]].tolist() == ["GIFT; BOX", "NOTE ON\nTWO LINES", 'SAY "HELLO"']


def plain_lines(df: pd.DataFrame, sep: str = ",", end: str = "") -> list[str]:
    """The header and the rows of ``df`` joined by ``sep``, each data line followed by
    ``end`` (a separator at the end of the line, as some exports write)."""
    rows = df.astype(str).itertuples(index=False)
    return [sep.join(df.columns), *(sep.join(row) + end for row in rows)]


@pytest.mark.parametrize("sep", [",", ";"])
def test_a_separator_at_the_end_of_every_data_line(cli, tmp_path: Path, sep: str) -> None:
    """Header of 5 fields, every data line ending with the separator (6 fields, the last
    empty): pandas took the first column for an index and shifted the others, so the
    date column held the prices and the advice was --date-format excel, which fails.
    Read as pandas reads it with index_col=False."""
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    src = tmp_path / "trailing.csv"
    src.write_text("\n".join(plain_lines(text, sep, end=sep)) + "\n")
    assert src.read_text().splitlines()[1] == sep.join(["A01", "1001", "2011-01-02 09:05", "2",
                                                        "3.5", ""])  # fmt: skip
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=df["InvoiceDate"].dt.floor("min"))))
    told = pd.read_csv(src, sep=sep, index_col=False, dtype={"CustomerID": str})
    pd.testing.assert_frame_equal(told.astype({"InvoiceNo": str}), text, check_dtype=False)


def test_a_line_with_a_field_too_many_is_refused_naming_it(cli, tmp_path: Path) -> None:
    """One line with a value past the header's columns: on the first data line pandas
    took it for an index line and shifted every column (the message blamed the date
    column); further down it said "Error tokenizing data. C error: Expected 5 fields".
    Refused naming the line as an editor counts it, and both field counts."""
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    many = pd.concat([text] * 5, ignore_index=True)  # 100 rows: past the sampled lines
    for line in (2, 9, 82):
        lines = plain_lines(many)
        lines[line - 1] += ",0"
        src = tmp_path / f"ragged{line}.csv"
        src.write_text("\n".join(lines) + "\n")
        assert src.read_text().splitlines()[line - 1].count(",") == 5
        proc, _ = segment(cli, src)
        assert_user_error(proc, f"ragged{line}.csv: line {line} has 6 fields but the header "
                          "has 5", "fix that line")  # fmt: skip
        assert "Amount" not in proc.stderr and "date" not in proc.stderr.lower()
        assert "tokenizing" not in proc.stderr
    # trailing separators everywhere, and one line with a value in that place
    lines = plain_lines(text, end=",")
    lines[12] = lines[12] + "9"
    src = tmp_path / "trailing_value.csv"
    src.write_text("\n".join(lines) + "\n")
    assert_user_error(segment(cli, src)[0], "line 13 has 6 fields but the header has 5")


def test_whitespace_aligned_txt_export(cli, tmp_path: Path) -> None:
    # the CDNOW layout: aligned columns, CRLF, zero-padded ids, YYYYMMDD dates
    rows = [("00001", "19970101", 1, 11.77), ("00002", "19970112", 5, 77.00),
            ("00001", "19970318", 2, 20.76), ("00003", "19970102", 2, 20.76),
            ("00004", "19970101", 2, 29.33), ("00004", "19970607", 1, 14.96),
            ("00005", "19970214", 3, 43.97), ("00006", "19970709", 1, 13.97),
            ("00007", "19970220", 4, 60.25), ("00007", "19970303", 1, 9.99)]  # fmt: skip
    lines = ["customer_id  date      number_of_cds  dollar_value"]
    lines += [f"{c}        {d}  {n:>13}  {v:>12.2f}" for c, d, n, v in rows]
    src = tmp_path / "CDNOW_sample.txt"
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    proc, seg = segment(cli, src, "--amount", "dollar_value")
    assert seg is not None, proc.stderr
    ref = pd.DataFrame(rows, columns=["CustomerID", "d", "n", "v"])
    ref = ref.assign(InvoiceDate=pd.to_datetime(ref["d"]), InvoiceNo=range(len(ref)),
                     Quantity=1, UnitPrice=ref["v"])  # fmt: skip
    assert_rfm(seg, expected_rfm(ref))
    assert list(seg.index[:2]) == ["00001", "00002"]


def test_decimal_comma_needs_the_flag(cli, tmp_path: Path) -> None:
    df = rows_frame()
    comma = df["UnitPrice"].map(lambda p: f"{p:.2f}".replace(".", ","))
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d"), UnitPrice=comma)
    src = write_csv(tmp_path / "eu.csv", text, sep=";")
    proc, _ = segment(cli, src)
    assert_user_error(proc, "UnitPrice", "--decimal")
    assert "pd.to_numeric" not in proc.stderr
    proc, seg = segment(cli, src, "--decimal", ",")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=df["InvoiceDate"].dt.normalize())))
    proc, seg = segment(cli, src, "--sep", ";", "--decimal", ",")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(InvoiceDate=df["InvoiceDate"].dt.normalize())))
    assert_user_error(segment(cli, src, "--sep", ";;")[0], "--sep")
    assert_user_error(segment(cli, src, "--sep", ";", "--decimal", ";")[0], "--decimal")


def test_a_line_missing_its_last_value_keeps_the_separator(cli, tmp_path: Path) -> None:
    """A ';' file with decimal commas, one line without its price (and its ';'): no
    separator split the lines evenly, ',' was the fallback (it splits the decimal
    commas), and the refusal said the first line looked like a title (--header-row N).
    A line one field short is tolerated as one field extra is: the price is missing,
    and the cleaning removes the line and counts it."""
    df = rows_frame()
    comma = df["UnitPrice"].map(lambda p: f"{p:.2f}".replace(".", ","))
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     UnitPrice=comma)  # fmt: skip
    lines = write_csv(tmp_path / "eu.csv", text, sep=";").read_text().splitlines()
    lines[5] = lines[5].rsplit(";", 1)[0]  # order line 5 (invoice 1005): no price
    assert lines[5] == "B02;1005;2011-08-19 08:15;3"
    src = tmp_path / "short.csv"
    src.write_text("\n".join(lines) + "\n")
    told = pd.read_csv(src, sep=";", decimal=",", dtype={"CustomerID": str})
    assert told["UnitPrice"].isna().tolist() == [i == 4 for i in range(len(df))]
    got, seg = segment(cli, src, "--decimal", ",")
    assert seg is not None, got.stderr
    assert got.removed("nonpositive_price") == 1
    kept = df.drop(index=4).assign(InvoiceDate=lambda d: d["InvoiceDate"].dt.floor("min"))
    assert_rfm(seg, expected_rfm(kept))
    # lines short on every other line are no layout to guess: the refusal names --sep
    for i in range(2, len(lines), 2):
        lines[i] = lines[i].rsplit(";", 1)[0]
    src.write_text("\n".join(lines) + "\n")
    assert_user_error(segment(cli, src, "--decimal", ",")[0], "the first line was read as one "
                      "column: if ';' separates the columns, pass --sep ';'")  # fmt: skip


def european(value: float) -> str:
    """``1234.5`` → ``1.234,50``: thousands grouped by '.', ',' the decimal mark."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def test_thousands_grouped_money(cli, tmp_path: Path) -> None:
    """1.234,56 was refused even with --decimal ','; ',' as the decimal mark now implies
    '.' groups thousands (a ',' in the column shows '.' is not the decimal mark), and
    --thousands names other separators. A separator out of place is refused. Values
    holding both marks (1.234,56, 1,234.56) read without flags too."""
    df = rows_frame().assign(UnitPrice=lambda d: d["UnitPrice"] * 1000)
    dates = df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M")
    text = df.assign(InvoiceDate=dates, UnitPrice=df["UnitPrice"].map(european))
    assert text["UnitPrice"].iloc[0] == "3.500,00"
    src = write_csv(tmp_path / "de.csv", text, sep=";")
    for flags in ((), ("--decimal", ",")):
        proc, seg = segment(cli, src, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected_rfm(df))
    # 1,234.56 and 1 234,56 (also with the no-break spaces spreadsheets write)
    us = df.assign(InvoiceDate=dates, UnitPrice=df["UnitPrice"].map(lambda v: f"{v:,.2f}"))
    src = write_csv(tmp_path / "us.csv", us, sep=";")
    for flags in ((), ("--thousands", ",")):
        proc, seg = segment(cli, src, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected_rfm(df))
    spaced = text.assign(UnitPrice=text["UnitPrice"].str.replace(".", "\u202f"))
    proc, seg = segment(cli, write_csv(tmp_path / "fr.csv", spaced, sep=";"),
                        "--decimal", ",", "--thousands", " ")  # fmt: skip
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    # a '.' that does not group by three, next to decimal commas: not a number
    bad = text.copy()
    bad.loc[3, "UnitPrice"] = "1.10"
    proc, _ = segment(cli, write_csv(tmp_path / "bad.csv", bad, sep=";"), "--decimal", ",")
    assert_user_error(proc, "'1.10'", "out of place")
    # a column of 1.500-like values and no ',' could be either: asked, not guessed
    whole = text.assign(UnitPrice=df["UnitPrice"].map(lambda v: f"{v:,.0f}".replace(",", ".")))
    src = write_csv(tmp_path / "whole.csv", whole, sep=";")
    assert_user_error(segment(cli, src, "--decimal", ",")[0], "--thousands '.'")
    proc, seg = segment(cli, src, "--decimal", ",", "--thousands", ".")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(UnitPrice=df["UnitPrice"].round(0))))
    for flags, what in [(("--thousands", ","), "--decimal"), (("--thousands", "ab"), "one"),
                        (("--sep", ";", "--thousands", ";", "--decimal", ","), "--sep")]:
        flags = (*flags, "--decimal", ",") if "--decimal" not in flags else flags
        assert_user_error(segment(cli, src, *flags)[0], "--thousands", what)


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_thousands_grouped_by_spaces_are_read(cli, tmp_path: Path, space: str) -> None:
    """3 500.00 (a space, or the no-break and narrow no-break spaces French and Excel
    exports write) was refused with no hint. A space is no decimal mark: digits grouped
    by three with it are read as thousands, with either decimal mark; a value whose
    space does not group by three is refused, alone, naming --thousands; a column of
    such values only names --thousands ' '."""
    df = rows_frame().assign(UnitPrice=lambda d: d["UnitPrice"] * 1000)
    dates = df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M")
    spaced = df["UnitPrice"].map(lambda v: f"{v:,.2f}".replace(",", space))
    text = df.assign(InvoiceDate=dates, UnitPrice=spaced)
    assert text["UnitPrice"].iloc[5] == f"99{space}990.00"  # 99.99 * 1000
    src = write_csv(tmp_path / "spaced.csv", text)
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    comma = text.assign(UnitPrice=text["UnitPrice"].str.replace(".", ",", regex=False))
    src = write_csv(tmp_path / "fr.csv", comma, sep=";")
    for flags in ((), ("--decimal", ",")):  # 3 500,00 holds both marks: ',' the decimal one
        proc, seg = segment(cli, src, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected_rfm(df))
    bad = text.copy()
    bad.loc[3, "UnitPrice"] = f"11{space}00.00"
    proc, _ = segment(cli, write_csv(tmp_path / "bad.csv", bad))
    assert_user_error(proc, "'UnitPrice' has 1 value(s)", repr(f"11{space}00.00"),
                      "thousands grouped by ' '", "out of place", "--thousands")  # fmt: skip
    bad["UnitPrice"] = [f"{i}{space}5" for i in range(len(bad))]
    proc, _ = segment(cli, write_csv(tmp_path / "bad.csv", bad))
    assert_user_error(proc, "'UnitPrice' has 20 value(s)", "does not group them by three",
                      "--thousands ' '")  # fmt: skip


#: order lines (customer, invoice, date, amount) of a shop whose export writes amounts
#: with both marks, the last one the decimal mark
BOTH_MARKS_LINES = [
    ("A01", "1", "2024-01-05", 1234.50),
    ("A01", "2", "2024-03-01", 85.00),
    ("B02", "3", "2024-02-10", 2000.00),
    ("C03", "4", "2024-02-20", 1234567.89),
    ("C03", "5", "2024-03-05", 0.99),
    ("D04", "6", "2024-03-10", 12.00),
    ("E05", "7", "2024-01-20", 3.50),
    ("F06", "8", "2024-02-25", 999.99),
]
#: the amounts as each export writes them; the US and German ones also write 1.627 for
#: D04 (a line of its own), which each reads by its own decimal mark
BOTH_MARKS_STYLES = {
    "us": (lambda v: f"{v:,.2f}", "1.627"),
    "de": (european, "1.627"),
    "fr": (lambda v: f"{v:,.2f}".replace(",", " ").replace(".", ","), None),
    "fr-nbsp": (lambda v: f"{v:,.2f}".replace(",", "\u00a0").replace(".", ","), None),
    "fr-narrow-nbsp": (lambda v: f"{v:,.2f}".replace(",", "\u202f").replace(".", ","), None),
}
#: each customer's spend, added up by hand: 1234.50 + 85.00, 2000.00, 1234567.89 + 0.99,
#: and 12.00 plus 1.627 as a US export reads it (1.627) or a German one (1627)
BOTH_MARKS_SPEND = {
    "us": {"A01": 1319.50, "B02": 2000.00, "C03": 1234568.88, "D04": 13.627, "E05": 3.50,
           "F06": 999.99},
    "de": {"A01": 1319.50, "B02": 2000.00, "C03": 1234568.88, "D04": 1639.00, "E05": 3.50,
           "F06": 999.99},
    "fr": {"A01": 1319.50, "B02": 2000.00, "C03": 1234568.88, "D04": 12.00, "E05": 3.50,
           "F06": 999.99},
}


def both_marks_file(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    """A ';' file of order lines (customer, invoice, date, amount as written)."""
    text = ["Customer;Invoice;Date;Amount"] + [";".join(line) for line in lines]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", [(), ("--dask",)], ids=["memory", "dask"])
@pytest.mark.parametrize("style", list(BOTH_MARKS_STYLES))
def test_amounts_holding_both_marks_are_read_without_flags(cli, tmp_path: Path, style,
                                                           mode) -> None:  # fmt: skip
    """1,234.50 was refused naming --thousands ',', 1.234,50 and 1 234,50 naming --decimal
    ',', though a value holding both marks reads one way only: the last mark is the
    decimal mark. Read without flags, and the reading holds for the whole column: 1.627
    beside 1,234.50 is 1.627, beside 1.234,50 it is 1627. segments.csv's spend is the
    sums worked out by hand, in memory and with --dask alike."""
    written, dotted = BOTH_MARKS_STYLES[style]
    lines = [(c, i, d, written(v)) for c, i, d, v in BOTH_MARKS_LINES]
    if dotted:
        lines.append(("D04", "9", "2024-03-12", dotted))
    src = both_marks_file(tmp_path / "orders.csv", lines)
    _, seg = end_to_end(cli, tmp_path, src, *mode)
    spend = BOTH_MARKS_SPEND[style.split("-")[0]]
    assert list(seg.index) == list(spend)
    np.testing.assert_allclose(seg["monetary"], list(spend.values()), rtol=1e-12)


@pytest.mark.parametrize("mode", [(), ("--dask",)], ids=["memory", "dask"])
def test_amounts_that_disagree_on_the_decimal_mark_are_refused(cli, tmp_path: Path,
                                                              mode) -> None:  # fmt: skip
    """1,234.50 beside 1.234,50 (or beside 2,55) cannot all read with one decimal mark:
    refused in one line with a value of each, naming --decimal; 1,23.5, both marks
    without digits grouped by three, is refused naming --decimal and --thousands."""
    mixed = [("A01", "1", "2024-01-05", "1,234.50"), ("B02", "2", "2024-02-10", "1.234,50"),
             ("C03", "3", "2024-02-20", "7")]  # fmt: skip
    proc, _ = segment(cli, both_marks_file(tmp_path / "mixed.csv", mixed), *mode)
    assert_user_error(proc, "mixes decimal marks: '1.234,50' has a decimal comma and "
                      "'1,234.50' a decimal point", "--decimal")  # fmt: skip
    mixed[1] = ("B02", "2", "2024-02-10", "2,55")
    proc, _ = segment(cli, both_marks_file(tmp_path / "mixed.csv", mixed), *mode)
    assert_user_error(proc, "'2,55' has a decimal comma and '1,234.50' a decimal point",
                      "--decimal")  # fmt: skip
    mixed[1] = ("B02", "2", "2024-02-10", "1,23.5")
    proc, _ = segment(cli, both_marks_file(tmp_path / "mixed.csv", mixed), *mode)
    assert_user_error(proc, "column 'Amount' has 1 value(s) that are not numbers, e.g. "
                      "'1,23.5'", "(as '1,234.50' writes it)", "--decimal and --thousands")
    proc, _ = segment(cli, both_marks_file(tmp_path / "mixed.csv", mixed[1:]), *mode)
    assert_user_error(proc, "'1,23.5'", "a value holding both ',' and '.' marks decimals "
                      "with the last", "--decimal and --thousands")  # fmt: skip


#: whole euros as a German export writes them: '.' groups thousands, no decimals
WHOLE_EUROS = [1627, 85, 2300, 12500, 40, 1100, 999, 3005, 70, 1000, 15, 250, 4200, 60,
               1999, 120, 75000, 5, 310, 2048]  # fmt: skip


def test_whole_amounts_with_dot_thousands_are_not_read_as_decimals(cli, tmp_path: Path) -> None:
    """A ';' file with dd.mm.yyyy dates and amounts such as 1.627 (1,627 euros) next to 85
    was read 1000 times too small without a word: '1.627' reads as a decimal number too.
    Every value with a '.' has three digits after it, so the reading is asked for, not
    guessed; each flag then reads the file its way. One value such as 2.55 (or 0.125)
    decides: '.' is the decimal mark."""
    df = rows_frame().assign(Quantity=1, UnitPrice=[float(a) for a in WHOLE_EUROS])
    written = [f"{a:,d}".replace(",", ".") for a in WHOLE_EUROS]
    assert written[:3] == ["1.627", "85", "2.300"]
    text = pd.DataFrame({"Kunde": df["CustomerID"], "Rechnung": df["InvoiceNo"],
                         "Datum": df["InvoiceDate"].dt.strftime("%d.%m.%Y"),
                         "Betrag": written})  # fmt: skip
    src = write_csv(tmp_path / "de.csv", text, sep=";")
    flags = ("--customer", "Kunde", "--invoice", "Rechnung", "--date", "Datum",
             "--amount", "Betrag")  # fmt: skip
    days = df.assign(InvoiceDate=df["InvoiceDate"].dt.normalize())
    # the independent reading: pandas told that '.' groups thousands gives the euros
    told = pd.read_csv(src, sep=";", thousands=".", dtype={"Kunde": str, "Rechnung": str})
    assert told["Betrag"].tolist() == WHOLE_EUROS
    proc, _ = segment(cli, src, *flags)
    assert_user_error(proc, "column 'Betrag' reads two ways", "'1.627'", "1.627 = 1627",
                      "--decimal ',' --thousands '.'", "--decimal '.'")  # fmt: skip
    proc, seg = segment(cli, src, *flags, "--decimal", ",", "--thousands", ".")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(days))
    # told the other way, '.' marks decimals: 1.627 is then 1.627, as pandas reads it
    proc, seg = segment(cli, src, *flags, "--decimal", ".")
    assert seg is not None, proc.stderr
    plain = pd.read_csv(src, sep=";", dtype={"Kunde": str, "Rechnung": str})["Betrag"]
    assert plain.iloc[0] == 1.627 and plain.iloc[1] == 85
    assert_rfm(seg, expected_rfm(days.assign(UnitPrice=plain.to_numpy())))
    # a value that only reads as thousands is not a number then, and the advice says so
    many = text.assign(Betrag=["1.234.567", *written[1:]])
    proc, _ = segment(cli, write_csv(tmp_path / "many.csv", many, sep=";"), *flags)
    assert_user_error(proc, "'1.234.567'", "if '.' separates thousands, pass --decimal ',' "
                      "--thousands '.'")  # fmt: skip
    # a value whose '.' cannot group thousands decides without a flag
    for decisive in ("2.55", "0.125", "1627.5"):
        other = text.assign(Betrag=[decisive, *written[1:]])
        proc, seg = segment(cli, write_csv(tmp_path / "decided.csv", other, sep=";"), *flags)
        assert seg is not None, (decisive, proc.stderr)
        values = [float(decisive), *plain.iloc[1:]]
        assert_rfm(seg, expected_rfm(days.assign(UnitPrice=values)))


def test_prices_with_three_decimals_beside_others_are_read_as_decimals(cli, tmp_path: Path):
    """Online Retail's prices: 2.55, 0.85, 1.250, 12.750 side by side; not refused."""
    df = rows_frame()
    prices = ["3.500", "12.000", "2.250", "1.10", "7.000", "99.990", "4.000", "4.000",
              "250.000", "0.85", "45.500", "45.500", "3.200", "15.000", "6.600", "8.750",
              "19.990", "1.950", "22.000", "30.000"]  # fmt: skip
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     UnitPrice=prices)  # fmt: skip
    proc, seg = segment(cli, write_csv(tmp_path / "retail.csv", text))
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    # the same prices but 1.10 and 0.85 (the only ones that decide) are refused
    text = text.assign(UnitPrice=["3.500", "12.000"] * 10)
    assert_user_error(segment(cli, write_csv(tmp_path / "all3.csv", text))[0],
                      "column 'UnitPrice' reads two ways", "--decimal '.'")  # fmt: skip


#: how exports write money: positive and negative amounts, the separator and flags, the
#: sign (or code) the note names, the currency the run shows, the negatives' note
MONEY_STYLES = {
    "pound": (lambda v: f"£{v:.2f}", lambda v: f"-£{v:.2f}", ",", (), "£", "£", None),
    "euro_suffix": (lambda v: f"{v:.2f} €".replace(".", ","),
                    lambda v: f"-{v:.2f}\u00a0€".replace(".", ","), ";", ("--decimal", ","),
                    "€", "€", None),
    "dollar_brackets": (lambda v: f"$ {v:.2f}", lambda v: f"($ {v:.2f})", ",", (), "$", "$",
                        "in brackets"),
    "iso_trailing_minus": (lambda v: f"EUR {v:.2f}", lambda v: f"{v:.2f}- EUR", ",", (), "EUR",
                           "€", "with a minus at the end"),
    "brackets": (lambda v: f"{v:.2f}", lambda v: f"({v:.2f})", ",", (), None, None,
                 "in brackets"),
    "trailing_minus": (lambda v: f"{v:.2f}", lambda v: f"{v:.2f}-", ";", (), None, None,
                       "with a minus at the end"),
    # signs beyond £ $ € ¥: each was "not numbers", naming only --amount COL
    "rupee": (lambda v: f"₹{v:.2f}", lambda v: f"-₹{v:.2f}", ",", (), "₹", "₹", None),
    "zloty_suffix": (lambda v: f"{v:.2f} zł".replace(".", ","),
                     lambda v: f"-{v:.2f} zł".replace(".", ","), ";", ("--decimal", ","),
                     "zł", "zł", None),
    "krona_prefix": (lambda v: f"kr {v:.2f}".replace(".", ","),
                     lambda v: f"kr -{v:.2f}".replace(".", ","), ";", ("--decimal", ","),
                     "kr", "kr", None),
    "real_brackets": (lambda v: f"R$ {v:.2f}".replace(".", ","),
                      lambda v: f"(R$ {v:.2f})".replace(".", ","), ";", ("--decimal", ","),
                      "R$", "R$", "in brackets"),
    "iso_inr": (lambda v: f"INR {v:.2f}", lambda v: f"INR -{v:.2f}", ",", (), "INR", "₹",
                None),
}  # fmt: skip


def money_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows with their spend as one amount (quantity 1), two of them returns; and the
    same as text columns CustomerID, InvoiceNo, InvoiceDate (the amount to be written)."""
    df = rows_frame()
    amount = df["Quantity"] * df["UnitPrice"]
    amount[[4, 11]] = [-3.5, -20.25]  # B02 and F06 return something (their totals stay > 0)
    df = df.assign(Quantity=1, UnitPrice=amount)
    text = df[["CustomerID", "InvoiceNo"]].assign(
        InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))  # fmt: skip
    return df, text


@pytest.mark.parametrize("style", list(MONEY_STYLES))
def test_currency_signs_and_accounting_negatives_are_read(cli, tmp_path: Path, style) -> None:
    """£15.30, 15,30 €, $ 15.30, EUR 15.30, (27.50) and 27.50- were refused with the
    advice to "pass the right column with --amount COL" (and 15,30 € with --decimal ','
    spoke of '.' thousands). One consistent sign is read off, the accounting negatives
    are read as negative, and a note says so; the figures are those written by hand."""
    positive, negative, sep, flags, symbol, currency, negatives = MONEY_STYLES[style]
    df, text = money_rows()
    text["Amount"] = [negative(-v) if v < 0 else positive(v) for v in df["UnitPrice"]]
    src = write_csv(tmp_path / "money.csv", text, sep=sep)
    proc, seg = segment(cli, src, "--keep-nonpositive-amount", *flags)  # returns kept
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    from rfm.io.loading import load_transactions
    from rfm.io.reading import ReadOptions

    loaded = load_transactions(src, options=ReadOptions(decimal="," if flags else None))
    assert loaded.currency == currency
    said = [f"amounts in column 'Amount' read without their {symbol!r} sign (e.g. "
            f"{positive(7.0)!r})"] if symbol else []  # fmt: skip
    if negatives:
        said.append(f"amounts {negatives} in column 'Amount' read as negative (e.g. "
                    f"{negative(3.5)!r})")  # fmt: skip
    assert loaded.notes == said


def test_the_unicode_minus_sign_is_a_minus(cli, tmp_path: Path) -> None:
    """Returns written with the minus sign U+2212 (−3.50, as typeset reports and some
    exports write it) were refused as not numbers. Read as negative, as with '-'."""
    df, text = money_rows()
    text["Amount"] = [f"\u2212{-v:.2f}" if v < 0 else f"{v:.2f}" for v in df["UnitPrice"]]
    assert text["Amount"].iloc[4] == "\u22123.50"
    src = write_csv(tmp_path / "minus.csv", text)
    proc, seg = segment(cli, src, "--keep-nonpositive-amount")  # the returns kept
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    from rfm.io.loading import load_transactions

    loaded = load_transactions(src)
    assert loaded.frame["Amount"].iloc[[4, 11]].tolist() == [-3.5, -20.25]
    assert loaded.notes == []
    # beside a sign, only on the returns: the sign read off, the value said as written
    text["Amount"] = [f"\u2212£{-v:.2f}" if v < 0 else f"{v:.2f}" for v in df["UnitPrice"]]
    loaded = load_transactions(write_csv(tmp_path / "pounds.csv", text))
    assert loaded.frame["Amount"].iloc[[4, 11]].tolist() == [-3.5, -20.25]
    assert loaded.currency == "£"
    assert loaded.notes == ["amounts in column 'Amount' read without their '£' sign (e.g. "
                            "'\u2212£3.50')"]  # fmt: skip


def test_the_sign_read_is_said_and_shown_in_the_report(cli, tmp_path: Path) -> None:
    df, text = money_rows()
    df = df[df["UnitPrice"] > 0]  # the default cleaning drops the returns
    text["Amount"] = [f"-£{-v:.2f}" if v < 0 else f"£{v:.2f}"
                      for v in money_rows()[0]["UnitPrice"]]  # fmt: skip
    src = write_csv(tmp_path / "pounds.csv", text)
    proc, seg = end_to_end(cli, tmp_path, src)
    assert_rfm(seg, expected_rfm(df))
    note = "amounts in column 'Amount' read without their '£' sign (e.g. '£7.00')"
    assert f"note: {note}." in proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Money is shown in £." in report and f"£{seg['monetary'].max():,.0f}" in report
    assert note.replace("'", "&#x27;") in report
    # --currency naming the same sign (or its code) is fine; another is refused
    end_to_end(cli, tmp_path, src, "--currency", "GBP")
    proc = cli("segment", str(src), "--currency", "$", "--out", str(tmp_path / "x"))
    assert_user_error(proc, "--currency '$', but the file's amounts carry '£'", "--currency '£'")


def test_mixed_currencies_are_refused(cli, tmp_path: Path) -> None:
    df, text = money_rows()
    text["Amount"] = [f"£{abs(v):.2f}" for v in df["UnitPrice"]]
    text.loc[6, "Amount"] = "$4.00"
    proc, _ = segment(cli, write_csv(tmp_path / "mixed.csv", text))
    assert_user_error(proc, "column 'Amount' mixes currencies: '£' (e.g. '£7.00') and '$' "
                      "(e.g. '$4.00')")  # fmt: skip
    # the sign and its ISO code are one currency
    for sign, code in (("€", "EUR"), ("₹", "INR"), ("zł", "PLN")):
        text["Amount"] = [f"{sign}{abs(v):.2f}" for v in df["UnitPrice"]]
        text.loc[6, "Amount"] = f"24.00 {code}"
        proc, seg = segment(cli, write_csv(tmp_path / f"{code}.csv", text), "--currency", code)
        assert seg is not None, proc.stderr  # --currency naming the code is the file's sign
        assert_rfm(seg, expected_rfm(df.assign(UnitPrice=df["UnitPrice"].abs())))
    # crowns written 'kr' and 'kr.' are one currency
    text["Amount"] = [f"{abs(v):.2f} kr" for v in df["UnitPrice"]]
    text.loc[6, "Amount"] = "24.00 kr."
    proc, seg = segment(cli, write_csv(tmp_path / "kr.csv", text))
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(UnitPrice=df["UnitPrice"].abs())))
    # a shared sign is a currency of its own: crowns beside euros are two currencies
    text["Amount"] = [f"{abs(v):.2f} kr" for v in df["UnitPrice"]]
    text.loc[6, "Amount"] = "€4.00"
    proc, _ = segment(cli, write_csv(tmp_path / "crowns.csv", text))
    assert_user_error(proc, "column 'Amount' mixes currencies: 'kr' (e.g. '7.00 kr') and '€' "
                      "(e.g. '€4.00')")  # fmt: skip


def test_a_unit_after_the_quantity_is_no_currency(cli, tmp_path: Path) -> None:
    """Quantities written '2 PCS': any three capitals were taken for a currency, 'PCS'
    (the report said "Money is shown in PCS", --currency '£' was refused as against the
    file's 'PCS', and £ prices were "different currencies"). A quantity carries no
    currency: its unit is read off and said, the figures are those written by hand, and
    only ISO 4217 codes are currencies in the money columns."""
    from rfm.io.loading import load_transactions

    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     Quantity=[f"{q} PCS" for q in df["Quantity"]])  # fmt: skip
    src = write_csv(tmp_path / "units.csv", text)
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    loaded = load_transactions(src)
    assert loaded.currency is None
    assert loaded.notes == ["quantities in column 'Quantity' read without their unit 'PCS' "
                            "(e.g. '2 PCS')"]  # fmt: skip
    proc, _ = end_to_end(cli, tmp_path, src, "--currency", "£")
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Money is shown in £." in report and "in PCS" not in report
    # £ prices beside the units: one currency, the pound
    priced = text.assign(UnitPrice=[f"£{p:.2f}" for p in df["UnitPrice"]])
    src = write_csv(tmp_path / "pounds.csv", priced)
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    assert load_transactions(src).currency == "£"
    # units in other spellings, several of them, each said once
    mixed = text.assign(Quantity=[f"{q} {u}" for q, u in zip(df["Quantity"], ["pcs", "kg",
                                  "PCS"] * 6 + ["pcs", "kg"], strict=True)])  # fmt: skip
    src = write_csv(tmp_path / "mixed.csv", mixed)
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    assert load_transactions(src).notes == [
        "quantities in column 'Quantity' read without their units 'pcs' (e.g. '2 pcs') and "
        "'kg' (e.g. '1 kg')"]  # fmt: skip
    # a currency in the quantity column is no quantity: refused naming the column
    text.loc[3, "Quantity"] = "£10"
    proc, _ = segment(cli, write_csv(tmp_path / "pound_qty.csv", text))
    assert_user_error(proc, "column 'Quantity' has 1 value(s) that are not numbers, e.g. "
                      "'£10'", "--quantity COL")  # fmt: skip
    # in an amount column, three capitals that are no ISO 4217 code are not a currency;
    # a code is (CHF)
    amounts = df[["CustomerID", "InvoiceNo"]].assign(InvoiceDate=text["InvoiceDate"])
    spend = df["Quantity"] * df["UnitPrice"]
    bad = amounts.assign(Amount=[f"{v:.2f} PCS" for v in spend])
    proc, _ = segment(cli, write_csv(tmp_path / "pcs_amount.csv", bad))
    assert_user_error(proc, "column 'Amount' has 20 value(s) that are not numbers, e.g. "
                      "'7.00 PCS'", "--amount COL")  # fmt: skip
    francs = write_csv(tmp_path / "chf.csv", amounts.assign(Amount=[f"CHF {v:.2f}"
                                                                      for v in spend]))
    proc, seg = segment(cli, francs)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    assert load_transactions(francs).currency == "CHF"


@pytest.mark.parametrize(("zero", "sign", "sep", "flags"), [
    ("$ -", "$", ",", ()), ("USD -", "$", ",", ()),
    ("-\u00a0€", "€", ";", ("--decimal", ","))])  # fmt: skip
def test_a_dash_for_zero_in_the_accounting_format_is_read_as_0(
    cli, tmp_path: Path, zero: str, sign: str, sep: str, flags: tuple[str, ...]
) -> None:
    """Excel's accounting format shows 0 as '$ -' ('- €' in a French export, 'USD -'
    with the ISO code): refused as "not numbers". Read as 0, in the column's currency,
    and said; the cleaning then removes that line as an amount of 0, with the returns."""
    df, text = money_rows()
    df.loc[6, "UnitPrice"] = 0.0  # D04's first order line: 0
    written = [f"{v:.2f}" if sign == "$" else f"{v:.2f}".replace(".", ",")
               for v in df["UnitPrice"]]  # fmt: skip
    text["Amount"] = [zero if v == 0 else f"$ {w}" if sign == "$" else f"{w} €"
                      for v, w in zip(df["UnitPrice"], written, strict=True)]  # fmt: skip
    src = write_csv(tmp_path / "zero.csv", text, sep=sep)
    got, seg = segment(cli, src, *flags)
    assert seg is not None, got.stderr
    assert got.removed("nonpositive_amount") == 3  # two returns and the 0
    assert_rfm(seg, expected_rfm(df[df["UnitPrice"] > 0]))
    from rfm.io.loading import load_transactions
    from rfm.io.reading import ReadOptions

    loaded = load_transactions(src, options=ReadOptions(decimal="," if flags else None))
    assert loaded.frame["Amount"].iloc[6] == 0.0 and loaded.currency == sign
    assert loaded.notes[-1] == ("values shown as a dash in column 'Amount' read as 0, as "
                                "spreadsheets show 0 in the accounting format (e.g. "
                                f"{zero!r})")  # fmt: skip


#: order lines (customer, invoice, date, quantity, unit price) as an accounting export
#: writes them, 0 shown as a dash alone ('-', or the en dash '–')
DASH_LINES = [
    ("A01", "1", "2024-01-05", "2", "3.50"),
    ("A01", "2", "2024-02-05", "-", "4.00"),
    ("B02", "3", "2024-01-10", "1", "-"),
    ("B02", "4", "2024-02-10", "3", "2.00"),
    ("C03", "5", "2024-03-01", "1", "10.00"),
    ("D04", "6", "2024-01-20", "4", "1.25"),
    ("E05", "7", "2024-02-20", "2", "\u2013"),
    ("E05", "8", "2024-03-02", "1", "8.00"),
    ("F06", "9", "2024-03-03", "5", "0.60"),
]
#: each customer's spend by hand, the lines with a dash (0) left out: 2 × 3.50, 3 × 2.00,
#: 1 × 10.00, 4 × 1.25, 1 × 8.00, 5 × 0.60
DASH_SPEND = {"A01": 7.00, "B02": 6.00, "C03": 10.00, "D04": 5.00, "E05": 8.00, "F06": 3.00}


@pytest.mark.parametrize("mode", [(), ("--dask",)], ids=["memory", "dask"])
def test_a_dash_alone_for_zero_is_read_as_0(cli, tmp_path: Path, mode) -> None:
    """Accounting exports show 0 as a dash alone in any number column (the accounting
    format without a currency): refused as "not numbers". Read as 0, as the spreadsheet
    cell holds, so that the line is removed and counted with the quantities and prices
    of 0 or none, in memory and with --dask alike; the spend is the hand-made sums, and
    the run says what it read."""
    text = ["Customer,Invoice,Date,Quantity,UnitPrice"] + [",".join(x) for x in DASH_LINES]
    src = tmp_path / "orders.csv"
    src.write_text("\n".join(text) + "\n", encoding="utf-8")
    got, _ = segment(cli, src, *mode)
    assert isinstance(got, Read), got.stderr
    assert got.removed("nonpositive_quantity") == 1 and got.removed("nonpositive_price") == 2
    proc, seg = end_to_end(cli, tmp_path, src, *mode)
    assert list(seg.index) == list(DASH_SPEND)
    np.testing.assert_allclose(seg["monetary"], list(DASH_SPEND.values()), rtol=1e-12)
    for column, dash in (("Quantity", "-"), ("UnitPrice", "-")):
        assert (f"values shown as a dash in column {column!r} read as 0, as spreadsheets "
                f"show 0 in the accounting format (e.g. {dash!r})") in proc.stdout + proc.stderr


@pytest.mark.parametrize("sep", [",", ";"])
def test_title_lines_above_the_column_names(cli, tmp_path: Path, sep: str) -> None:
    """A report title, an export line and a blank line above the column names: the title
    was taken for the header ("columns found: ['Sales report 2023-2024']", pass
    --customer COL). The first of the first lines whose columns are recognised names
    them, and a note says which; --header-row N says it outright."""
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    src = tmp_path / "report.csv"
    src.write_text(f"Sales report 2011\nExported{sep}2012-01-05\n\n" + text.to_csv(index=False,
                   sep=sep))  # fmt: skip
    assert src.read_text().splitlines()[3].startswith(f"CustomerID{sep}InvoiceNo")  # line 4
    told = pd.read_csv(src, sep=sep, skiprows=3, dtype={"CustomerID": str, "InvoiceNo": str})
    pd.testing.assert_frame_equal(told, text, check_dtype=False)  # the independent reading
    expected = expected_rfm(df.assign(InvoiceDate=df["InvoiceDate"].dt.floor("min")))
    for flags in [(), ("--header-row", "4")]:
        proc, seg = segment(cli, src, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected)
    proc, seg = end_to_end(cli, tmp_path, src)
    assert ("note: the column names were read from line 4 of report.csv, under 'Sales report "
            "2011' (--header-row N picks "
            "another line).") in proc.stdout  # fmt: skip
    # names that are not recognised: the refusal names --header-row; the flags read it
    german = tmp_path / "bericht.csv"
    german.write_text("Umsatzbericht 2011\n\n" + text.rename(columns={
        "CustomerID": "Kunde", "InvoiceNo": "Beleg", "InvoiceDate": "Datum",
        "Quantity": "Menge", "UnitPrice": "Preis"}).to_csv(index=False, sep=sep))  # fmt: skip
    assert_user_error(segment(cli, german)[0], "columns found: ['Umsatzbericht 2011']",
                      "pass --header-row N")  # fmt: skip
    names = ("--customer", "Kunde", "--invoice", "Beleg", "--date", "Datum", "--quantity",
             "Menge", "--price", "Preis")  # fmt: skip
    for flags in [names, (*names, "--header-row", "3")]:
        proc, seg = segment(cli, german, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected)
    count = len(src.read_text().splitlines())  # 24: 3 above the table, the header, 20 rows
    for flags, what in [(("--header-row", "0"), "counts lines from 1"),
                        (("--header-row", "2", "--no-header", "--names", "a,b"),
                         "cannot go with --no-header"),
                        (("--header-row", "50"),
                         f"report.csv has {count} line(s), so there is no line 50")]:  # fmt: skip
        assert_user_error(segment(cli, src, *flags)[0], "--header-row", what)


def test_title_rows_above_the_table_of_a_sheet(cli, tmp_path: Path) -> None:
    """The same in a workbook: a title on row 1, the column names on row 3, after a
    sheet that holds no table; the sheet and the row are found, and said."""
    openpyxl = pytest.importorskip("openpyxl")
    df = rows_frame()
    wb = openpyxl.Workbook()
    wb.active.title = "Readme"
    wb.active.append(["see the report"])
    ws = wb.create_sheet("Report")
    ws.append(["Sales report 2011"])
    ws.append([])
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([row.CustomerID, row.InvoiceNo, row.InvoiceDate.to_pydatetime(),
                   row.Quantity, row.UnitPrice])  # fmt: skip
    src = tmp_path / "report.xlsx"
    wb.save(src)
    told = pd.read_excel(src, sheet_name="Report", header=2, dtype={"CustomerID": str,
                                                                   "InvoiceNo": str})
    pd.testing.assert_frame_equal(told, df, check_dtype=False)  # the independent reading
    for flags in [(), ("--header-row", "3"), ("--sheet", "Report")]:
        proc, seg = segment(cli, src, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected_rfm(df))
    from rfm.io.loading import load_transactions

    assert load_transactions(src).notes == [
        "the column names were read from row 3 of the sheet 'Report', under 'Sales report "
        "2011' (--header-row N picks another row)"]  # fmt: skip


def test_no_header_names_of_the_wrong_count(cli, tmp_path: Path) -> None:
    """3 names for 5 columns said "no customer column recognised"; it says the count."""
    df = rows_frame()
    src = tmp_path / "noheader.csv"
    src.write_text(df.to_csv(index=False, header=False))
    proc, _ = segment(cli, src, "--no-header", "--names", "CustomerID,InvoiceNo,InvoiceDate")
    assert_user_error(proc, "--names gives 3 name(s) but noheader.csv has 5 column(s)")


def test_no_header_with_names(cli, tmp_path: Path) -> None:
    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    src = tmp_path / "noheader.csv"
    src.write_text(text.to_csv(index=False, header=False))
    proc, _ = segment(cli, src, "--no-header")
    assert_user_error(proc, "--names")
    names = "client,order,when,qty,unit"
    proc, seg = segment(cli, src, "--no-header", "--names", names, "--customer", "client",
                        "--invoice", "order", "--date", "when", "--quantity", "qty",
                        "--price", "unit")  # fmt: skip
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))


# -- encodings -----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_keep_names_and_symbols(cli, tmp_path: Path, encoding: str) -> None:
    df = rows_frame()
    df["CustomerID"] = df["CustomerID"].replace({"A01": "O’Brien", "B02": "Zoë €uro"})
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     Description="Café crème – 5 €")  # fmt: skip
    src = write_csv(tmp_path / "names.csv", text, encoding=encoding)
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))
    assert {"O’Brien", "Zoë €uro"} <= set(seg.index)


def test_encoding_flag_and_late_non_utf8_bytes(cli, tmp_path: Path) -> None:
    # 3,000 plain ASCII lines first, then one cp1252 customer: the sniffed sample is ASCII
    base = rows_frame()
    many = pd.concat([base] * 150, ignore_index=True)
    many.loc[len(many) - 1, "CustomerID"] = "O’Brien"
    text = many.assign(InvoiceDate=many["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    src = write_csv(tmp_path / "late.csv", text, encoding="cp1252")
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert "O’Brien" in seg.index
    # the same file read as Latin-1 on request: the apostrophe is then byte 0x92
    proc, seg = segment(cli, src, "--encoding", "latin-1")
    assert seg is not None, proc.stderr
    assert "O\x92Brien" in seg.index
    assert_user_error(segment(cli, src, "--encoding", "klingon")[0], "--encoding")


def test_utf8_file_with_one_windows_1252_byte_300_kb_in(cli, tmp_path: Path) -> None:
    """The sample (64 KiB) is UTF-8, a byte 300 kB in is not: read as Windows-1252, "Zoë"
    became "ZoÃ«" without a word. Mixed encodings are refused, naming both lines and
    --encoding; a file that is Windows-1252 throughout is still read as such."""
    many = pd.concat([rows_frame()] * 800, ignore_index=True)
    many.loc[0, "CustomerID"] = "Zoë"
    data = many.to_csv(index=False).encode("utf-8")
    at = data.index(b"\n", 300_000) + 1  # the start of a line 300 kB in
    line = data[:at].count(b"\n") + 1
    stray = data[at:].index(b",")
    data = data[:at] + b"Andr\xe9" + data[at + stray :]  # that line's customer: cp1252 é
    src = tmp_path / "mixed.csv"
    src.write_bytes(data)
    proc, _ = segment(cli, src)
    assert_user_error(proc, "mixes encodings", "line 2 is UTF-8 ('Zoë')",
                      f"line {line:,} holds the byte 0xE9", "--encoding cp1252")  # fmt: skip
    proc, seg = segment(cli, src, "--encoding", "cp1252")  # the user's choice, as asked
    assert seg is not None, proc.stderr
    assert "ZoÃ«" in seg.index and "André" in seg.index


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_without_a_byte_order_mark(cli, tmp_path: Path, encoding: str) -> None:
    """No BOM: the NUL bytes beside each ASCII character tell the layout (it was an
    error about non-numbers full of \\x00)."""
    df = rows_frame()
    df["CustomerID"] = df["CustomerID"].replace({"A01": "Zoë"})
    src = write_csv(tmp_path / "wide.csv", df, encoding=encoding)
    assert not src.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df))


def test_nul_bytes_that_are_no_text_encoding(cli, tmp_path: Path) -> None:
    src = tmp_path / "nul.csv"
    src.write_bytes(b"CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n" * 3
                    + b"A01,\x00\x01\x02,2011-01-02,1,2.5\n")  # fmt: skip
    assert_user_error(segment(cli, src)[0], "nul.csv holds NUL bytes", "--encoding")
    gz = tmp_path / "orders.csv"
    gz.write_bytes(gzip.compress(rows_frame().to_csv(index=False).encode()))
    assert_user_error(segment(cli, gz)[0], "orders.csv is a gzip archive", ".csv.gz")


# -- ids -----------------------------------------------------------------------------------


def test_xlsx_ids_are_the_text_excel_shows(cli, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    df = rows_frame()
    ids = {"A01": ("00123", "@"), "B02": (123, "0000"), "C03": (123, "General"),
           "D04": ("NA", "@"), "E05": ("17000", "@"), "F06": (17000.0, "General"),
           "G07": (7, "000"), "H08": (8.5, "General")}  # fmt: skip
    shown = {"A01": "00123", "B02": "0123", "C03": "123", "D04": "NA", "E05": "17000",
             "F06": "17000", "G07": "007", "H08": "8.5"}  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CustomerID", "InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice"])
    for i, (cust, inv, when, qty, price) in enumerate(ROWS, start=2):
        ws.append([ids[cust][0], inv, when, qty, price])
        ws.cell(row=i, column=1).number_format = ids[cust][1]
    src = tmp_path / "ids.xlsx"
    wb.save(src)
    proc, seg = segment(cli, src)
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.assign(CustomerID=df["CustomerID"].map(shown))))


def test_xlsx_data_on_a_later_sheet(cli, tmp_path: Path) -> None:
    """The data on the second sheet was refused ("no customer column recognised"): the
    first sheet whose columns are recognised is read, and --sheet picks one."""
    pytest.importorskip("openpyxl")
    df = rows_frame()
    src = tmp_path / "book.xlsx"
    with pd.ExcelWriter(src) as book:
        pd.DataFrame({"About": ["orders of 2011"]}).to_excel(book, sheet_name="Info", index=False)
        pd.DataFrame({"Note": ["none"]}).to_excel(book, sheet_name="Notes", index=False)
        df.to_excel(book, sheet_name="Orders", index=False)
        df.iloc[:4].to_excel(book, sheet_name="Sample", index=False)
    for flags in [(), ("--sheet", "Orders"), ("--sheet", "3")]:
        proc, seg = segment(cli, src, *flags)
        assert seg is not None, proc.stderr
        assert_rfm(seg, expected_rfm(df))
    proc, seg = segment(cli, src, "--sheet", "Sample")
    assert seg is not None, proc.stderr
    assert_rfm(seg, expected_rfm(df.iloc[:4], snapshot=df["InvoiceDate"].iloc[:4].max()))
    assert_user_error(segment(cli, src, "--sheet", "5")[0], "--sheet 5", "has 4 sheet(s)",
                      "3 'Orders'")  # fmt: skip
    assert_user_error(segment(cli, src, "--sheet", "Sales")[0], "--sheet 'Sales'",
                      "no sheet of that name")  # fmt: skip
    assert_user_error(segment(cli, src, "--sheet", "1")[0], "no customer column recognised")
    none = tmp_path / "none.xlsx"
    with pd.ExcelWriter(none) as book:
        pd.DataFrame({"About": ["x"]}).to_excel(book, sheet_name="Info", index=False)
        pd.DataFrame({"Note": ["y"]}).to_excel(book, sheet_name="Notes", index=False)
    assert_user_error(segment(cli, none)[0], "no sheet of none.xlsx", "'Info': About",
                      "--sheet NAME|N")  # fmt: skip


def test_csv_ids_whole_floats_merge_and_na_words_are_ids(cli, tmp_path: Path) -> None:
    df = rows_frame()
    as_written = {"A01": "17000", "B02": "NA", "C03": "None", "D04": "null", "E05": "N/A",
                  "F06": "00042", "G07": "42", "H08": "17001.0"}  # fmt: skip
    ids = df["CustomerID"].map(as_written).tolist()
    ids[2] = "17000.0"  # same customer as 17000
    text = df.assign(CustomerID=ids, InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    text.loc[len(text)] = ["", "9999", "2011-05-05 10:00", 1, 1000.0]  # a guest: empty id
    proc, seg = segment(cli, write_csv(tmp_path / "ids.csv", text))
    assert seg is not None, proc.stderr
    final = {**as_written, "H08": "17001"}
    assert_rfm(seg, expected_rfm(df.assign(CustomerID=df["CustomerID"].map(final))))
    assert proc.removed("missing_customer") == 1


def test_ids_written_two_ways_in_one_file_are_said(cli, tmp_path: Path) -> None:
    """'00017' on some lines and '17' on others: still two customers (the tool cannot know
    that a zero-padded id means the same customer), but said, with how many and an
    example, in the summary and the report; ids padded alike throughout are not."""
    df = rows_frame()
    numbers = {c: str(17 + i) for i, c in enumerate(sorted(df["CustomerID"].unique()))}
    ids = df["CustomerID"].map(numbers)
    # A01 (17) and D04 (20) padded on some of their lines; the others never
    padded = df.index.isin([0, 2, 6, 8])
    ids = ids.where(~padded, ids.str.zfill(5))
    text = df.assign(CustomerID=ids, InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d"))
    src = write_csv(tmp_path / "ids.csv", text)
    proc, seg = end_to_end(cli, tmp_path, src)
    spellings = ids.nunique()  # by hand: counted apart, one customer per spelling
    assert len(seg) == spellings == 10
    second = spellings - ids.astype(int).nunique()  # spellings beyond one per number
    assert second == 2
    said = [line for line in proc.stdout.splitlines() if "written two ways" in line]
    assert said == [
        "warning: 2 customer ids appear written two ways in the file (e.g. '00017' and "
        "'17'): the two spellings are counted as different customers. If they are one "
        "customer, write each id one way throughout the file (all with leading zeros or "
        "all without, no '.0') so that it counts once."
    ], proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "2 customer ids appear written two ways" in report
    # padded alike on every line: one spelling each, nothing to say
    alike = write_csv(tmp_path / "alike.csv", text.assign(CustomerID=ids.str.zfill(5)))
    proc, seg = end_to_end(cli, tmp_path, alike)
    assert len(seg) == 8 and "written two ways" not in proc.stdout + proc.stderr


def test_ids_written_two_ways_are_found_as_between_two_runs() -> None:
    """The helper behind the warning, on ids by hand: "00017"/"17" and "18.0"/"18" are
    second spellings, "007" alone is not, and "017"/"0017" (no plain spelling) are."""
    from rfm.cleaning import ids_written_two_ways

    assert ids_written_two_ways(pd.Index(["00017", "17", "18", "18.0", "007", "abc"])) == (
        2, "00017", "17")
    assert ids_written_two_ways(pd.Index(["017", "5", "0017"])) == (1, "017", "0017")
    assert ids_written_two_ways(pd.Index(["007", "008", "12"])) is None
    assert ids_written_two_ways(pd.Index([17, 18])) is None


def test_duplicated_column_names_are_refused(cli, tmp_path: Path) -> None:
    text = rows_frame().assign(Other="x")
    text["InvoiceDate"] = text["InvoiceDate"].dt.strftime("%Y-%m-%d")
    body = text.to_csv(index=False).replace("Other", "CustomerID", 1)
    src = tmp_path / "twice.csv"
    src.write_text(body)
    assert_user_error(segment(cli, src)[0], "'CustomerID'", "--names")
    near = tmp_path / "near.csv"
    near.write_text(text.rename(columns={"Other": "Customer ID"}).to_csv(index=False))
    assert_user_error(segment(cli, near)[0], "'Customer ID'", "--customer")


# -- broken files --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress),
                                              (".xz", lzma.compress)])  # fmt: skip
def test_truncated_compressed_file(cli, tmp_path: Path, suffix: str, compress) -> None:
    big = pd.concat([rows_frame()] * 400, ignore_index=True)
    data = compress(big.to_csv(index=False).encode())
    src = tmp_path / f"orders.csv{suffix}"
    src.write_bytes(data[: len(data) * 2 // 3])
    assert_user_error(segment(cli, src)[0], "file is truncated", src.name)


def test_zip_named_xlsx_is_not_a_workbook(cli, tmp_path: Path) -> None:
    src = tmp_path / "export.xlsx"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("orders.csv", "a,b\n1,2\n")
    assert_user_error(segment(cli, src)[0], "export.xlsx", "not an Excel workbook")
    plain = tmp_path / "plain.xlsx"
    plain.write_text("CustomerID,InvoiceDate\n1,2011-01-01\n")
    assert_user_error(segment(cli, plain)[0], "plain.xlsx", "not an xlsx workbook")


# -- cleaning ------------------------------------------------------------------------------


def dirty_rows() -> pd.DataFrame:
    df = rows_frame()
    extra = pd.DataFrame(
        [
            ("A01", "C2001", datetime(2011, 4, 4), 2, 5.0),  # cancelled (positive quantity)
            ("B02", "2002", datetime(2011, 4, 5), -3, 7.0),  # return
            ("C03", "2003", datetime(2011, 4, 6), 1, 0.0),  # free line
            (None, "2004", datetime(2011, 4, 7), 1, 9.0),  # guest
        ],
        columns=df.columns,
    )
    dup = df.iloc[[3, 3, 7]]  # line 3 three times, line 7 twice in all
    return pd.concat([df, extra, dup], ignore_index=True)


def test_cleaning_counts_rules_and_keeps_duplicates(cli, tmp_path: Path) -> None:
    df = dirty_rows()
    only_free = pd.DataFrame([("Z99", "2005", datetime(2011, 4, 8), 1, 0.0)], columns=df.columns)
    df = pd.concat([df, only_free], ignore_index=True)  # a customer with a free line only
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    src = write_csv(tmp_path / "dirty.csv", text)
    proc, seg = end_to_end(cli, tmp_path, src)  # the counts the command prints
    kept = df[df["CustomerID"].notna() & ~df["InvoiceNo"].str.startswith("C")
              & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)]  # fmt: skip
    assert len(kept) == len(df) - 5
    assert_rfm(seg, expected_rfm(kept))  # the duplicated lines count twice and thrice
    line = next(x for x in proc.stdout.splitlines() if x.startswith("rows read"))
    assert line == (f"rows read {len(df)}; removed by cleaning: no customer id (guest "
                    "orders) 1; cancelled orders 1; quantity zero or negative (returns), or "
                    "missing 1; price zero or negative, or missing 2; "
                    f"kept {len(kept)}")  # fmt: skip
    # customers with an id and no line kept, counted by hand: not in the results, and said
    gone = set(df["CustomerID"].dropna()) - set(kept["CustomerID"])
    assert gone == {"Z99"} and not gone & set(seg.index)
    said = "1 customer had every order line removed by the cleaning and is not in the results."
    assert f"note: {said}" in proc.stdout
    assert said in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "3 rows are exact duplicates" in proc.stdout and "--drop-duplicates" in proc.stdout
    proc, seg = end_to_end(cli, tmp_path, src, "--drop-duplicates")
    assert_rfm(seg, expected_rfm(kept.drop_duplicates()))
    assert "duplicate lines 3" in proc.stdout


def _amount_rows() -> pd.DataFrame:
    """Order lines with an amount: 14 customers, one cancelled (negative) line."""
    rows = []
    for c in range(14):
        for k in range(1 + c % 3):
            day = datetime(2011, 1 + (c + 2 * k) % 11, 1 + (3 * c + k) % 27, 9 + c % 8)
            rows.append((f"{1000 + 10 * c + k}", f"{17000 + c}", day, 5.0 + 3.25 * c + k))
    rows.append(("C1999", "17003", datetime(2011, 6, 1, 10), -12.5))
    return pd.DataFrame(rows, columns=["InvoiceNo", "CustomerID", "InvoiceDate", "Amount"])


def _expected_by_amount(df: pd.DataFrame) -> pd.DataFrame:
    """R (from the last order: --snapshot max), F, M by a plain groupby on amounts."""
    g = df.groupby("CustomerID")
    return pd.DataFrame({"recency": (df["InvoiceDate"].max() - g["InvoiceDate"].max()).dt.days,
                         "frequency": g["InvoiceNo"].nunique(),
                         "monetary": g["Amount"].sum()})  # fmt: skip


def test_a_totals_row_below_the_lines_is_left_out_and_named(cli, tmp_path: Path,
                                                            dask_address: str) -> None:  # fmt: skip
    """A spreadsheet's SUM row read as a customer doubled the revenue and became the best
    customer (or a new one, as it is dated last), with no word. It is left out, named
    with its figure and the flag that keeps it, and counted in the cleaning line; the
    customers, their recency (the snapshot no longer at the totals row's late date) and
    spend are those of the lines without it (a plain groupby). Found by its id
    ('TOTAL'), or with any id by its figure: the sum of every other line as read (the
    cancelled one included, as a spreadsheet adds it) or of the other customers'
    spend. --keep-totals-row keeps it; --dask leaves out the same row (on the cluster the
    Dask tests share)."""
    df = _amount_rows()
    kept = df[~df["InvoiceNo"].str.startswith("C")]
    expected = _expected_by_amount(kept)
    late = datetime(2011, 12, 31, 23, 59)
    cases = {  # id, amount → why, in the warning
        ("TOTAL", df["Amount"].sum()): "its one order is worth all the other order lines "
                                       f"of the file together ({df['Amount'].sum():,.2f})",
        ("99999", df["Amount"].sum()): "its one order is worth all the other order lines "
                                       f"of the file together ({df['Amount'].sum():,.2f})",
        ("99999", kept["Amount"].sum()): "its one order is worth the spend of all the other "
                                         f"customers together ({kept['Amount'].sum():,.2f})",
        ("Grand total:", 1234.5): "its id names a total and it has one order",
    }  # fmt: skip
    for (who, amount), why in cases.items():
        total = pd.DataFrame([("T1", who, late, amount)], columns=df.columns)
        text = pd.concat([df, total]).assign(
            InvoiceDate=lambda d: d["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
        src = write_csv(tmp_path / "totals.csv", text)
        proc, seg = end_to_end(cli, tmp_path, src)
        assert_rfm(seg, expected)
        said = [x for x in proc.stdout.splitlines() if "totals row" in x]
        assert said == [
            f"warning: Customer '{who}' ({amount:,.2f}) was left out as a totals row, not a "
            f"customer: {why}. If it is a real customer, pass --keep-totals-row to keep it.",
            f"rows read {len(df) + 1}; removed by cleaning: cancelled orders 1; totals row "
            f"(not a customer) 1; kept {len(kept)}",
        ], proc.stdout
        report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
        assert f"was left out as a totals row, not a customer: {why}" in report
        assert "--keep-totals-row" in report and "drop_totals_row" not in report
    # kept when asked: a customer like any other, with no warning
    proc, seg = end_to_end(cli, tmp_path, src, "--keep-totals-row")
    assert len(seg) == len(expected) + 1 and "Grand total:" in seg.index
    assert "was left out" not in proc.stdout + proc.stderr
    # --dask: the same row left out, the same customers
    src = write_csv(tmp_path / "totals.csv", pd.concat([df, pd.DataFrame(
        [("T1", "TOTAL", late, df["Amount"].sum())], columns=df.columns)]).assign(
        InvoiceDate=lambda d: d["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M")))  # fmt: skip
    proc, seg = end_to_end(cli, tmp_path, src, "--dask", dask_address)
    assert_rfm(seg, expected)
    assert "warning: Customer 'TOTAL'" in proc.stdout


def test_what_is_not_a_totals_row() -> None:
    """By hand: a top customer worth the others together among few customers (three
    customers: 10 + 20 = 30), or with two orders, or 1 % off the sum, and an id 'Total'
    with two orders, are customers."""
    from rfm._cleaning_rules import totals_rows

    def table(spend: list[float], orders: list[int], ids: list[str] | None = None):
        index = ids or [f"c{i}" for i in range(len(spend))]
        return pd.DataFrame({"monetary": spend, "frequency": orders}, index=index)

    assert totals_rows(table([10.0, 20.0, 30.0], [1, 1, 1])) == []
    eleven = [float(i + 1) for i in range(11)]  # 66 in all
    assert [t.customer for t in totals_rows(table([*eleven, 66.0], [1] * 12))] == ["c11"]
    assert totals_rows(table([*eleven, 66.0], [1] * 11 + [2])) == []
    assert totals_rows(table([*eleven, 66.0 * 1.01], [1] * 12)) == []
    assert totals_rows(table([*eleven, 66.0 * 1.004], [1] * 12))[0].reason == "customers"
    # the sum of every line as read (returns included) is the other figure it may match
    assert totals_rows(table([*eleven, 60.0], [1] * 12), lines_sum=120.0)[0].reason == "lines"
    ids = ["Total", "b", "c"]
    assert totals_rows(table([5.0, 1.0, 2.0], [2, 1, 1], ids)) == []
    assert [t.reason for t in totals_rows(table([5.0, 1.0, 2.0], [1, 1, 1], ids))] == ["id"]


def test_per_page_totals_under_a_total_id_are_left_out(cli, tmp_path: Path,
                                                       dask_address: str) -> None:  # fmt: skip
    """Per-page totals: two 'Total' lines, each with its date and number, worth together
    every other line. The id rule needed a single order, so 'Total' was kept as the best
    customer. An id naming a total whose orders are worth the other customers' spend
    (or every other line as read) is a totals row set: left out on both paths (--dask on
    the cluster the Dask tests share), the customers those of a plain groupby without
    it. An id 'Total' worth something else stays a customer."""
    from rfm._cleaning_rules import totals_rows

    df = _amount_rows()
    kept = df[~df["InvoiceNo"].str.startswith("C")]
    expected = _expected_by_amount(kept)
    pages = [df.iloc[:15], df.iloc[15:]]  # the cancelled line is on the second page
    for who, page_sums, why in [
        ("Total", [p["Amount"].sum() for p in pages],
         f"all the other order lines of the file together ({df['Amount'].sum():,.2f})"),
        ("Grand Total", [p[~p["InvoiceNo"].str.startswith("C")]["Amount"].sum() for p in pages],
         f"the spend of all the other customers together ({kept['Amount'].sum():,.2f})"),
    ]:  # fmt: skip
        totals = pd.DataFrame([(f"P{i}", who, datetime(2011, 12, 30 + i, 23), v)
                               for i, v in enumerate(page_sums)], columns=df.columns)
        text = pd.concat([df, totals]).assign(
            InvoiceDate=lambda d: d["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
        src = write_csv(tmp_path / "pages.csv", text)
        for flags in [(), ("--dask", dask_address)]:
            proc, seg = end_to_end(cli, tmp_path, src, *flags)
            assert_rfm(seg, expected)
            said = [x for x in proc.stdout.splitlines() if "totals row" in x]
            assert said == [
                f"warning: Customer '{who}' ({sum(page_sums):,.2f}) was left out as a totals "
                f"row, not a customer: its id names a total and its 2 orders are worth {why}. "
                "If it is a real customer, pass --keep-totals-row to keep it.",
                f"rows read {len(df) + 2}; removed by cleaning: cancelled orders 1; totals row "
                f"(not a customer) 2; kept {len(kept)}",
            ], (flags, proc.stdout)
    # by hand: 'Total' with two orders worth 1 + 2 is a totals row; worth 5, a customer
    table = pd.DataFrame({"monetary": [3.0, 1.0, 2.0], "frequency": [2, 1, 1]},
                         index=["Total", "b", "c"])  # fmt: skip
    assert [(t.customer, t.reason, t.orders) for t in totals_rows(table)] == [
        ("Total", "id_customers", 2)]
    assert totals_rows(table.assign(monetary=[5.0, 1.0, 2.0])) == []
    # page subtotals beside a grand total: each matched against the customers named
    # otherwise
    both = pd.DataFrame({"monetary": [3.0, 3.0, 1.0, 2.0], "frequency": [2, 1, 1, 1]},
                        index=["Subtotal", "Grand total", "b", "c"])  # fmt: skip
    assert [t.reason for t in totals_rows(both)] == ["id_customers", "id"]


def test_cleaning_rules_switch_from_the_command_line(cli, tmp_path: Path) -> None:
    df = dirty_rows()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"))
    src = write_csv(tmp_path / "dirty.csv", text)
    proc, seg = segment(cli, src, "--keep-cancelled")  # C is a sales channel here
    assert seg is not None, proc.stderr
    kept = df[df["CustomerID"].notna() & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
    assert_rfm(seg, expected_rfm(kept))
    proc, seg = segment(cli, src, "--keep-nonpositive-quantity", "--keep-nonpositive-price")
    assert seg is not None, proc.stderr
    kept = df[df["CustomerID"].notna() & ~df["InvoiceNo"].str.startswith("C")]
    assert_rfm(seg, expected_rfm(kept))  # the return reduces B02's spend


def test_messages_name_flags_not_python(cli, tmp_path: Path) -> None:
    df = rows_frame().assign(InvoiceNo=lambda d: "C" + d["InvoiceNo"])  # every row "cancelled"
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d"))
    proc = cli("segment", str(write_csv(tmp_path / "allc.csv", text)), "--out", str(tmp_path))
    assert_user_error(proc, "--keep-cancelled")
    assert "drop_cancelled" not in proc.stderr
    few = rows_frame()[lambda d: d["CustomerID"].isin(["A01", "B02", "C03"])]
    text = few.assign(InvoiceDate=few["InvoiceDate"].dt.strftime("%Y-%m-%d"))
    proc = cli("segment", str(write_csv(tmp_path / "few.csv", text)), "--out", str(tmp_path))
    assert_user_error(proc, "--rules")
    assert "q=" not in proc.stderr


def test_load_online_retail_day_first_windows_1252(tmp_path: Path) -> None:
    from rfm.datasets import ONLINE_RETAIL_COLUMNS, load_online_retail

    df = rows_frame().assign(StockCode="85123A", Description="O’Brien’s mug – 5 €",
                             Country="United Kingdom")  # fmt: skip
    df["CustomerID"] = [17000 + int(c[1:]) for c in df["CustomerID"]]
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M"))
    src = write_csv(tmp_path / "retail.csv", text[list(ONLINE_RETAIL_COLUMNS)], encoding="cp1252")
    got = load_online_retail(src)
    assert (got["Description"] == "O’Brien’s mug – 5 €").all()
    want = df["InvoiceDate"].dt.floor("min").to_numpy("datetime64[ns]")
    np.testing.assert_array_equal(got["InvoiceDate"].to_numpy("datetime64[ns]"), want)
    assert got["CustomerID"].tolist() == df["CustomerID"].tolist()


def test_library_reads_a_day_first_column_day_first() -> None:
    from rfm import rfm_table

    df = rows_frame()
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%d/%m/%Y %H:%M"))
    got = rfm_table(text, invoice="InvoiceNo", quantity="Quantity", price="UnitPrice",
                    snapshot="max")  # fmt: skip
    assert_rfm(got, expected_rfm(df))


def test_unreadable_prices_are_counted_as_missing_not_as_negative(cli, tmp_path: Path) -> None:
    """Prices of "n/a" (which pandas reads as missing) and empty cells: the cleaning drops
    their lines and the summary says "zero or negative, or missing" (it said "zero or
    negative", which none of them was)."""
    df = dirty_rows()
    df = df[df["CustomerID"].notna() & ~df["InvoiceNo"].str.startswith("C")
            & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)].reset_index(drop=True)  # fmt: skip
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     UnitPrice=df["UnitPrice"].astype(object))  # fmt: skip
    text.loc[[1, 4], "UnitPrice"] = "n/a"
    text.loc[6, "UnitPrice"] = ""
    src = write_csv(tmp_path / "na.csv", text)
    proc, _ = end_to_end(cli, tmp_path, src)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("rows read"))
    assert line == (f"rows read {len(df)}; removed by cleaning: price zero or negative, or "
                    f"missing 3; kept {len(df) - 3}")  # fmt: skip


def test_a_missing_quantity_kept_by_a_flag_names_the_flag(cli, tmp_path: Path) -> None:
    """--keep-nonpositive-quantity keeps lines whose quantity is missing too; the spend of
    such a line is unknown. One line naming the flag and the fix, no Python call."""
    df = dirty_rows()
    df = df[df["CustomerID"].notna() & ~df["InvoiceNo"].str.startswith("C")
            & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)].reset_index(drop=True)  # fmt: skip
    text = df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     Quantity=df["Quantity"].astype(object))  # fmt: skip
    text.loc[2, "Quantity"] = "n/a"
    src = write_csv(tmp_path / "na.csv", text)
    proc = cli("segment", str(src), "--keep-nonpositive-quantity", "--scaling", "minmax",
               "--out", str(tmp_path / "o"))  # fmt: skip
    assert_user_error(proc, "has 1 missing value(s)", "fill them in or drop those lines (a "
                      "--keep-nonpositive-* flag keeps lines whose money is missing).")  # fmt: skip
    assert "clean_transactions" not in proc.stderr


# -- which column plays which role -------------------------------------------------------


def test_the_run_says_which_columns_it_read(cli, tmp_path: Path) -> None:
    """Beside Quantity × UnitPrice an Amount column gives the spend; without an invoice
    column an order is a purchase day. The console and the report both say so, and the
    spend is the Amount column's (worked here by a plain groupby)."""
    df = rows_frame()
    gross = df.assign(Amount=df["Quantity"] * df["UnitPrice"] + 1.0)  # not Q × P
    src = write_csv(tmp_path / "both.csv", gross)
    proc, seg = end_to_end(cli, tmp_path, src)
    said = ("customer 'CustomerID', date 'InvoiceDate', order 'InvoiceNo', "
            "spend 'Amount'")
    assert f"columns read: {said}\n" in proc.stdout
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"Columns read: {said}." in html.unescape(report)
    spend = gross.groupby("CustomerID")["Amount"].sum()
    spend.index = spend.index.astype(str)
    np.testing.assert_allclose(seg["monetary"], spend.sort_index(), rtol=1e-12)

    no_invoice = write_csv(tmp_path / "days.csv", df.drop(columns="InvoiceNo"))
    proc = cli("segment", str(no_invoice), "--k", "2", "--out", str(tmp_path / "o2"))
    assert proc.returncode == 0, proc.stderr
    assert ("columns read: customer 'CustomerID', date 'InvoiceDate', no order column (an "
            "order is a customer's purchase day), spend 'Quantity' × 'UnitPrice'\n"
            in proc.stdout)


def test_a_folder_or_a_pattern_without_dask_names_dask(cli, tmp_path: Path) -> None:
    """A folder said only "is a folder, not a transaction file" and a pattern of CSV files
    "file not found", though --dask reads both as one data set."""
    df, text = money_rows()
    folder = tmp_path / "orders"
    folder.mkdir()
    write_csv(folder / "a.csv", text.assign(Amount=df["UnitPrice"].abs()))
    proc = cli("segment", str(folder), "--out", str(tmp_path / "out"))
    assert_user_error(proc, f"{folder} is a folder, not a transaction file",
                      "pass --dask to read a folder of Parquet files, or a quoted pattern")
    proc = cli("segment", str(folder / "*.csv"), "--out", str(tmp_path / "out"))
    assert_user_error(proc, f"file not found: {folder / '*.csv'} (a pattern of several files "
                      "is read with --dask)")  # fmt: skip
    proc = cli("segment", str(folder / "b.csv"), "--out", str(tmp_path / "out"))
    assert_user_error(proc, f"file not found: {folder / 'b.csv'}")
    assert "--dask" not in proc.stderr  # a plain missing file names no pattern


# -- a folder of monthly exports read with --dask, as the same rows in one file -----------


def export_rows() -> pd.DataFrame:
    """ROWS as an export writes them: dates as text, a product code and a description
    (columns rfmseg does not use) beside the role columns."""
    df = rows_frame()
    return df.assign(InvoiceDate=df["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M"),
                     StockCode=[str(22000 + i) for i in range(len(df))],
                     Description="SET OF 3 CAKE TINS")  # fmt: skip


def assert_both_modes(cli, tmp_path: Path, pattern: Path, expected: pd.DataFrame,
                      *flags: str) -> None:  # fmt: skip
    """The files of ``pattern`` read with --dask, and the same rows gathered in one file
    (``all.csv`` in ``tmp_path``) read in memory, both give ``expected``."""
    for src, mode in ((tmp_path / "all.csv", ()), (pattern, ("--dask",))):
        got, seg = segment(cli, src, *flags, *mode)
        assert seg is not None, got.stderr
        assert_rfm(seg, expected)


def test_dask_reads_files_whose_unused_columns_change_type(cli, tmp_path: Path) -> None:
    """A product code made of digits in a file's first lines and with a letter later
    (``85123A``, as in most real exports) refused the folder with --dask: "column
    'StockCode' holds values of another type …; fix those cells (a money column …)",
    though rfmseg does not use the column and in memory the same rows read. Read as
    text: the figures are a plain groupby's."""
    df = export_rows()
    df.loc[11:, "StockCode"] = "85123A"  # the first file's last line, and the second file
    df.loc[:5, "Description"] = "23"  # a description that looks like a number at first
    folder = tmp_path / "months"
    folder.mkdir()
    write_csv(folder / "orders_01.csv", df.iloc[:12])
    write_csv(folder / "orders_02.csv", df.iloc[12:])
    write_csv(tmp_path / "all.csv", df)
    assert_both_modes(cli, tmp_path, folder / "*.csv", expected_rfm(rows_frame()))


def test_dask_reads_plain_and_gzip_files_of_one_folder(cli, tmp_path: Path) -> None:
    """Older months archived as .csv.gz beside this month's .csv: the files read as one
    took the first file's compression, so the gzip file was read as plain text and
    refused as "not utf-8 throughout" (and with --encoding cp1252 as "not charmap"). Each
    file is read with its own compression; the figures are a plain groupby's."""
    df = export_rows()
    folder = tmp_path / "months"
    folder.mkdir()
    write_csv(folder / "orders_01.csv", df.iloc[:7])
    text = df.iloc[7:14].to_csv(index=False, lineterminator="\n").encode()
    (folder / "orders_02.csv.gz").write_bytes(gzip.compress(text))
    write_csv(folder / "orders_03.csv", df.iloc[14:])
    write_csv(tmp_path / "all.csv", df)
    assert_both_modes(cli, tmp_path, folder / "*", expected_rfm(rows_frame()))


def test_the_folder_hint_takes_the_gzip_files_and_the_files_read_are_said(
    cli, tmp_path: Path
) -> None:
    """A folder of CSV files given to --dask is refused with a pattern to give instead:
    '*.csv' left out the .csv.gz months without a word (the run went on with fewer rows,
    and nothing said how many files were read). The pattern suggested takes them, and
    the note read says how many files, and which."""
    from rfm.io.loading_dask import load_transactions_dask

    df = export_rows()
    folder = tmp_path / "months"
    folder.mkdir()
    write_csv(folder / "orders_01.csv", df.iloc[:10])
    text = df.iloc[10:].to_csv(index=False, lineterminator="\n").encode()
    (folder / "orders_02.csv.gz").write_bytes(gzip.compress(text))
    proc = cli("segment", str(folder), "--dask", "--out", str(tmp_path / "out"))
    pattern = folder / "*.csv*"
    assert_user_error(proc, f"give a quoted glob such as '{pattern}', which takes the "
                      "compressed ones (orders_02.csv.gz) too.")  # fmt: skip
    got, seg = segment(cli, pattern, "--dask")
    assert seg is not None, got.stderr
    assert_rfm(seg, expected_rfm(rows_frame()))  # every month's rows
    notes = load_transactions_dask(str(pattern)).notes
    assert notes[0] == "2 files read: orders_01.csv, orders_02.csv.gz"
    names = [f"m{i:02}.csv" for i in range(1, 6)]
    for i, name in enumerate(names):
        write_csv(folder / name, df.iloc[4 * i:4 * i + 4])
    notes = load_transactions_dask(str(folder / "m*.csv")).notes
    assert notes[0] == "5 files read: m01.csv, m02.csv, … m05.csv"


def test_dask_finds_each_files_header_under_its_title(cli, tmp_path: Path) -> None:
    """One month's export has a title, a "Generated …" line and an empty line above its
    header: the header was looked for in the first file only, so the folder was refused
    ("has the columns ['Online shop - order export']"), and --header-row 4 then read line
    4 of every file, refusing the others. Each file's header is found as in memory (a
    note for that file), whichever file comes first; a --header-row that does not fit
    every file is refused saying so."""
    from rfm.io.loading_dask import load_transactions_dask
    from rfm.io.reading import ReadOptions

    df = export_rows()
    write_csv(tmp_path / "all.csv", df)
    title = "Online shop - order export\nGenerated 2011-12-10 by the shop\n\n"
    for titled in ("orders_01.csv", "orders_02.csv"):  # the first file, then another
        folder = tmp_path / titled.removesuffix(".csv")
        folder.mkdir()
        for name, part in (("orders_01.csv", df.iloc[:10]), ("orders_02.csv", df.iloc[10:])):
            text = part.to_csv(index=False, lineterminator="\n")
            (folder / name).write_text(title + text if name == titled else text)
        assert_both_modes(cli, tmp_path, folder / "*.csv", expected_rfm(rows_frame()))
        notes = load_transactions_dask(str(folder / "*.csv")).notes
        assert notes[1:] == [f"the column names were read from line 4 of {titled}, under "
                             "'Online shop - order export' (--header-row N picks another "
                             "line)"]  # fmt: skip
        with pytest.raises(ValueError, match=r"--header-row 4 reads the column names from "
                           "line 4 of every file: leave it out to find each file's own"):
            load_transactions_dask(str(folder / "*.csv"), options=ReadOptions(header_row=4))


def test_dask_says_each_date_layout_of_the_files(cli, tmp_path: Path) -> None:
    """One month exported with ISO dates, the next with day-first dates without seconds:
    with --dask --dayfirst the figures were right, but the console and the report said
    "%Y-%m-%d %H:%M, one format for the whole column", the first file's, where in memory
    the same lines are said to be read in two layouts. Said as in memory, with each
    layout's count of order lines (counted here from the files written)."""
    df = export_rows()
    dates = rows_frame()["InvoiceDate"]
    day_first = df.assign(InvoiceDate=dates.dt.strftime("%d/%m/%Y %H:%M"))
    both = pd.concat([df.iloc[:12], day_first.iloc[12:]])  # 12 ISO lines, then 8 day first
    folder = tmp_path / "months"
    folder.mkdir()
    write_csv(folder / "orders_01.csv", both.iloc[:12])
    write_csv(folder / "orders_02.csv", both.iloc[12:])
    write_csv(tmp_path / "all.csv", both)
    said = ("2 layouts, each date read in one: %Y-%m-%d %H:%M (12 order lines) and "
            "%d/%m/%Y %H:%M (8 order lines) (day first)")  # fmt: skip
    assert_both_modes(cli, tmp_path, folder / "*.csv", expected_rfm(rows_frame()), "--dayfirst")
    for src, mode in ((tmp_path / "all.csv", ()), (folder / "*.csv", ("--dask",))):
        assert read(src, "--dayfirst", *mode).date_format == said


def test_a_repeated_header_is_said_alike_in_both_modes(tmp_path: Path) -> None:
    """An export in pages repeats its header on each page. In memory that was refused as
    "column 'Quantity' has 2 value(s) that are not numbers, e.g. 'Quantity'; … pass the
    right column with --quantity COL", with --dask as dates that do not read: advice
    that cannot help, and two different stories. Both now say that the header is
    repeated, how many times and where first (counted by hand below)."""
    df = export_rows()
    header = ",".join(df.columns)
    lines = df.to_csv(index=False, lineterminator="\n").splitlines()
    paged = [*lines[:4], header, *lines[4:7], header, *lines[7:]]  # after order lines 3, 6
    folder = tmp_path / "months"
    folder.mkdir()
    write_csv(folder / "orders_01.csv", df.iloc[:2])
    (folder / "orders_02.csv").write_text("\n".join(paged) + "\n")
    said = (r"orders_02\.csv: 2 lines repeat the header \(the column names 'CustomerID', "
            r"'InvoiceNo', …\), the first at order line 4; delete those lines from the file")
    for src, mode in ((folder / "orders_02.csv", ()), (folder / "*.csv", ("--dask",))):
        with pytest.raises(ValueError, match=said):
            read(src, *mode)
