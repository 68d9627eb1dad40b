"""rfm.io.dates.parse_date_column: one format per column, against the standard library.

Expected dates come from ``datetime.strptime`` with the pattern the values are written
in, from numpy's own ISO 8601 parser, or from plain day arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from rfm.io.dates import AmbiguousDate, parse_date_column


def strptime_all(values: list[str], fmt: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(datetime.strptime(v, fmt)) for v in values]


def parsed(values: list, **kw) -> tuple[list[pd.Timestamp], str]:
    got, used = parse_date_column(pd.Series(values, dtype=object), name="d", **kw)
    return list(got), used


def test_two_digit_years_follow_strptime() -> None:
    # %y: 69..99 are 1969..1999, 00..68 are 2000..2068
    values = ["01/02/68", "13/02/69", "31/12/99", "05/06/00", "14/07/11"]
    got, used = parsed(values)
    assert got == strptime_all(values, "%d/%m/%y")
    assert used == "%d/%m/%y (day first)"


def test_twelve_hour_clock_follows_strptime() -> None:
    values = ["02/01/2011 12:30 PM", "13/01/2011 12:30 AM", "14/01/2011 1:05 PM",
              "15/01/2011 11:59 am", "16/01/2011 12:00 pm"]  # fmt: skip
    got, used = parsed(values)
    assert got == strptime_all(values, "%d/%m/%Y %I:%M %p")
    assert used == "%d/%m/%Y %I:%M %p (day first)"


def test_hour_24_is_out_of_range() -> None:
    with pytest.raises(ValueError, match="times out of range"):
        parsed(["02/01/2011 24:00", "13/01/2011 10:00"])


def test_a_first_field_of_12_fits_both_orders() -> None:
    # 12 is a month as well as a day: only "05/13" decides, month first
    values = ["12/05/2011", "05/13/2011", "12/12/2011"]
    got, used = parsed(values)
    assert got == strptime_all(values, "%m/%d/%Y")
    assert used == "%m/%d/%Y (month first)"


def test_dayfirst_contradicted_by_a_month_first_value_names_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"dayfirst=True was given but '05/13/2011' only "
                       r"reads month first; pass date_format\."):
        parsed(["02/01/2011", "05/13/2011"], dayfirst=True)


def test_fractions_of_a_second() -> None:
    values = ["2011-01-02 10:00:00.5", "2011-01-03 10:00:00.123456789",
              "2011-01-04 10:00:00,25"]  # fmt: skip
    got, _ = parsed(values)
    iso = [np.datetime64(v.replace(" ", "T").replace(",", "."), "ns") for v in values]
    assert got == [pd.Timestamp(t) for t in iso]


def test_missing_and_empty_cells_stay_missing() -> None:
    got, _ = parsed(["", "2011-01-02", None, " ", "2011-01-02", np.nan])
    day = pd.Timestamp("2011-01-02")
    assert [g is pd.NaT for g in got] == [True, False, True, True, False, True]
    assert got[1] == got[4] == day


def zoned_strptime(values: list[str], fmt: str) -> list[pd.Timestamp]:
    """What the standard library reads, with the zone (``%z``), its offset then set aside:
    the time as written."""
    return [pd.Timestamp(datetime.strptime(v, fmt).replace(tzinfo=None)) for v in values]


def test_zoned_day_month_dates_settle_their_order_as_zoneless_ones() -> None:
    """'05/03/2024 10:00 +0000' fits day first and month first as '05/03/2024 10:00'
    does: a zone is no part of the order. Such values were handed to pandas, which read
    them month first without a word (5 May), read '13/02/2024 ...' beside them as no
    date, and refused offsets that change with daylight saving even with dayfirst."""
    both = ["05/03/2024 10:00 +0000", "06/04/2024 11:00 +0000", "01/02/2024 09:00 +0000"]
    for values in (both, [v.removesuffix(" +0000") for v in both]):
        with pytest.raises(AmbiguousDate, match="reads both day first and month first; "
                           "pass dayfirst=True, or date_format="):  # fmt: skip
            parsed(values)
    day = [*both, "13/02/2024 09:00 +0000"]
    got, used = parsed(day)
    assert got == zoned_strptime(day, "%d/%m/%Y %H:%M %z")
    assert got[0] == pd.Timestamp("2024-03-05 10:00")  # 5 March, by hand
    assert used.startswith("%d/%m/%Y %H:%M %z (day first); ")
    month = [*both, "02/13/2024 09:00 +0000"]
    got, used = parsed(month)
    assert got == zoned_strptime(month, "%m/%d/%Y %H:%M %z")
    assert used.startswith("%m/%d/%Y %H:%M %z (month first); ")
    with pytest.raises(ValueError, match="only reads day first but"):
        parsed([*day, "02/13/2024 09:00 +0000"])
    # offsets that change with daylight saving: dayfirst decides, as without them
    dst = ["05/03/2024 10:00 +0100", "06/07/2024 11:00 +0200", "01/02/2024 09:00 +0100"]
    got, used = parsed(dst, dayfirst=True)
    assert got == zoned_strptime(dst, "%d/%m/%Y %H:%M %z")
    assert got[1] == pd.Timestamp("2024-07-06 11:00")  # as written, at +02:00
    with pytest.raises(AmbiguousDate, match=r"date_format='%m/%d/%Y %H:%M %z' for month"):
        parsed(dst)
    # the pattern the refusal offers for month first reads them so
    got, _ = parsed(dst, date_format="%m/%d/%Y %H:%M %z")
    assert got == zoned_strptime(dst, "%m/%d/%Y %H:%M %z")


def test_epoch_seconds_and_milliseconds() -> None:
    when = datetime(2011, 1, 2, 10, 30, 15)
    seconds = int((when - datetime(1970, 1, 1)).total_seconds())
    got, used = parsed([seconds, seconds + 60], date_format="epoch-s")
    assert got == [pd.Timestamp(when), pd.Timestamp(when + timedelta(minutes=1))]
    assert used == "seconds since 1970-01-01 UTC"
    got, used = parsed([seconds * 1000 + 250], date_format="epoch-ms")
    assert got == [pd.Timestamp(when + timedelta(milliseconds=250))]
    assert used == "milliseconds since 1970-01-01 UTC"


def excel_day(serial: int) -> datetime:
    """Excel's calendar: serial 1 is 1900-01-01, and it counts a 29 February 1900 (60)."""
    return datetime(1900, 1, 1) + timedelta(days=serial - 1 - (serial > 60))


def test_excel_serial_dates_follow_excels_calendar() -> None:
    serials = [1, 2, 59, 61, 40544, 45292]  # 40544 = 2011-01-01, 45292 = 2024-01-01
    got, used = parsed(serials, date_format="excel")
    assert got == [pd.Timestamp(excel_day(s)) for s in serials]
    assert got[4] == pd.Timestamp("2011-01-01") and got[5] == pd.Timestamp("2024-01-01")
    assert got[0] == pd.Timestamp("1900-01-01")  # as the error message says
    assert used == "Excel serial dates"
    half, _ = parsed([40544.75], date_format="excel")
    assert half == [pd.Timestamp("2011-01-01 18:00")]


@pytest.mark.parametrize("serial", [0, -3, 0.5])
def test_excel_serials_before_1900_are_refused(serial: float) -> None:
    with pytest.raises(ValueError, match=r"are not Excel serial dates \(1 = 1900-01-01\)"):
        parsed([40544, serial], date_format="excel")


def test_excel_serial_60_is_refused() -> None:
    with pytest.raises(ValueError, match="1900-02-29"):
        parsed([40544, 60], date_format="excel")


def test_excel_serials_past_2262_are_a_clear_error() -> None:
    # 150000 is 2310-09-07: beyond what a nanosecond timestamp holds (to 2262-04-11)
    with pytest.raises(ValueError, match=r"^date column 'd': '150000' are out of range for "
                       r"date_format='excel' \(the latest date it holds is 2262-04-10\)\.$"):
        parsed([40544, 150000], date_format="excel")
    # and 120000 (2228-07-18) is a date like any other: counted from 1899 in nanoseconds
    # it would overflow, counted from 1970 it does not
    got, _ = parsed([120000.25], date_format="excel")
    assert got == [pd.Timestamp(excel_day(120000)) + pd.Timedelta(hours=6)]
    assert got[0] == pd.Timestamp("2228-07-18 06:00")


# -- values written alike: read at once from their characters -------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import rfm.io.dates as dates_module  # noqa: E402

#: zero-padded layouts: every value of a column has the same characters in the same places
ALIKE_DATES = ["%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%y", "%m/%d/%y"]
ALIKE_TIMES = ["", " %H:%M", " %H:%M:%S", "T%H:%M:%S", " %H:%M:%S.%f", " %I:%M %p"]
MOMENTS = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2060, 12, 31))


def _outcome(values: list[str], **kw) -> tuple[list[pd.Timestamp], str] | str:
    try:
        return parsed(values, **kw)
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"


@settings(max_examples=150, deadline=None)
@given(
    moments=st.lists(MOMENTS, min_size=1, max_size=30),
    day=st.sampled_from(ALIKE_DATES),
    clock=st.sampled_from(ALIKE_TIMES),
    dayfirst=st.booleans(),
)
def test_values_written_alike_read_as_each_value_alone_and_as_strptime(
    moments: list[datetime], day: str, clock: str, dayfirst: bool
) -> None:
    """The fast reading of a column whose values are all written alike gives what reading
    each value with the regular expressions gives (dates, the format reported, or the
    same error), and the dates are strptime's."""
    pattern = day + clock
    values = [m.strftime(pattern) for m in moments]
    fast = _outcome(values, dayfirst=dayfirst)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dates_module, "_pieces_by_layout", lambda uniq: None)
        one_by_one = _outcome(values, dayfirst=dayfirst)
    assert fast == one_by_one
    if "%p" not in clock:  # AM and PM are different letters: then not all alike
        assert dates_module._pieces_by_layout(np.array(values, dtype=object)) is not None
    misread = dayfirst and day.startswith("%m")  # asked to read day first: it may
    if not isinstance(fast, str) and not misread:
        assert fast[1].split(" (")[0] == pattern
        assert fast[0] == strptime_all(values, pattern)


@pytest.mark.parametrize(
    "values",
    [
        ["2011-13-01 10:00", "2011-12-01 10:00"],  # month 13
        ["01/02/2011 25:00", "13/02/2011 10:00"],  # hour 25
        ["01/02/2011 10:61", "13/02/2011 10:00"],  # minute 61
        ["01/13/2011", "13/01/2011"],  # only month first, and only day first
        ["01/02/2011", "03/04/2011"],  # every value fits both orders
        ["2011-02-30", "2011-02-28"],  # no 30 February
        ["02/01/2011 10:00Z", "03/01/2011 10:00Z"],  # zoned, and fit both orders
    ],
)
def test_bad_values_written_alike_get_the_one_by_one_error(values: list[str]) -> None:
    fast = _outcome(values)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dates_module, "_pieces_by_layout", lambda uniq: None)
        assert fast == _outcome(values)
    assert isinstance(fast, str)


def test_values_not_written_alike_are_read_one_by_one() -> None:
    layout = dates_module._pieces_by_layout
    as_array = lambda values: np.array(values, dtype=object)  # noqa: E731
    assert layout(as_array(["2011-1-02", "2011-10-02"])) is None  # widths differ
    assert layout(as_array(["2011-01-02", "2011/01/02"])) is None  # separators differ
    assert layout(as_array(["2011-01-02", "2011-01-0x"])) is None  # a digit is missing
    assert layout(as_array(["2011-01-02 10:00", "٢٠١١-01-02 10:00"])) is None  # not ASCII
    assert layout(as_array(["Jan 02 2011", "Jan 03 2011"])) is None  # no a/b/c date
    got = layout(as_array(["01/02/2011 09:05:07.25", "13/12/1999 23:59:59.50"]))
    assert got is not None
    assert list(got.a) == [1, 13] and list(got.b) == [2, 12] and list(got.c) == [2011, 1999]
    assert list(got.clock.hour) == [9, 23] and list(got.clock.second) == [7, 59]
    assert list(got.clock.nanos) == [250_000_000, 500_000_000]


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        (["01/02/2011 10h00"], "AmbiguousDate", "reads both day first and month first"),
        # two layouts, each a valid date: the time is what fails (no one format helps)
        (["2011-01-02 10h", "2011/01/02"], "ValueError",
         "times such as '2011-01-02 10h' do not parse, among dates of other layouts; fix "
         "those cells"),
        (["2011-02-30 10h00"], "ValueError", "not valid dates"),
        (["13/02/2011 10h00"], "ValueError", "times such as '13/02/2011 10h00' do not parse"),
    ],
)
def test_a_bad_date_is_reported_before_a_bad_time(values, error, message) -> None:
    """The dates are checked first, then the times (as before the times were read in one
    pass with the dates): the message is about the dates when both are bad."""
    with pytest.raises(ValueError, match=message) as caught:
        parsed(values)
    assert type(caught.value).__name__ == error


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # a word among dates of one layout: named with its row, the layout kept (day first)
        (["02/01/2011 10:00", "13/01/2011 11:00", "", "not a date", "05/02/2011 09:00",
          "not a date"],
         "2 value(s) do not read as dates like the others (%d/%m/%Y %H:%M (day first)), "
         "e.g. 'not a date' (order line 4); fix those cells, or empty them"),
        # the others' day/month order still open: they are named by an example
        (["02/01/2011", "03/01/2011", "junk"],
         "1 value(s) do not read as dates like the others (dates such as '02/01/2011'), "
         "e.g. 'junk' (order line 3)"),
        # text dates read by pandas, and a stray
        (["2 Jan 2011", "3 Jan 2011", "4 Jan 2011", "junk"],
         "1 value(s) do not read as dates like the others (inferred by pandas), e.g. "
         "'junk' (order line 4)"),
        # a day the month does not have, written alike the others or not
        (["2011-01-31 10:00", "2011-02-29 10:00", "2011-03-01 10:00"],
         "1 value(s) are not valid dates (no such day in that month), e.g. "
         "'2011-02-29 10:00' (order line 2); fix those cells"),
        (["31/02/2011", "13/01/2011", "1/3/2011"],
         "1 value(s) are not valid dates (no such day in that month), e.g. '31/02/2011' "
         "(order line 1)"),
    ],
)
def test_values_that_are_no_dates_are_named_with_their_rows(values, message) -> None:
    """Only the values that fail are quoted, each with the first row that holds it
    (counted from 1), and no --date-format is offered: no format would read them."""
    with pytest.raises(ValueError) as caught:
        parsed(values)
    text = str(caught.value)
    assert message in text
    assert "date_format" not in text and type(caught.value).__name__ == "ValueError"


def test_a_column_of_no_dates_still_offers_date_format() -> None:
    """When most values fail, the failing ones are quoted (not values that parse) and
    date_format is offered."""
    with pytest.raises(ValueError, match=r"values such as 'junk' \(order line 1\), 'more "
                       r"junk' \(order line 2\) do not parse as dates with one format; pass "
                       r"date_format \(a strftime pattern such as '%d\.%m\.%Y'\)\.$"):
        parsed(["junk", "more junk", "2011-01-02"])
    # a month out of range may be another layout (%Y-%d-%m): the parameter is offered
    with pytest.raises(ValueError, match=r"'2011-13-01' \(order line 1\) are not valid dates for "
                       r"the layout %Y-%m-%d; pass date_format\.$"):
        parsed(["2011-13-01", "2011-12-01"])


# -- messages name the options of the caller ------------------------------------------------

#: (values, options, the fix each way of naming the options gives), written out by hand
#: the fix for a/b/yyyy dates among dates of other layouts that settle no order, in Python
BY_LAYOUT = ("parse the column yourself, one layout at a time, e.g. pd.to_datetime(..., "
             "format='%d/%m/%Y') for these and format='ISO8601' for the others (pandas' "
             "format='mixed' with dayfirst=True would swap the ISO dates' month and day).")

SPELLED = [
    (["01/02/2011", "03/04/2011"], {},
     "every date, e.g. '01/02/2011', reads both day first and month first; {fix}",
     {"flags": "pass --dayfirst, or --date-format '%m/%d/%Y' for month first.",
      "parameters": "pass dayfirst=True, or date_format='%m/%d/%Y' for month first.",
      "parse_first": "parse the column with rfm.parse_date_column first, passing "
                     "dayfirst=True, or date_format='%m/%d/%Y' for month first."}),
    # the same with a time and a zone: the month-first pattern reads both
    (["01/02/2011 10:00 +0100", "03/04/2011 10:00 +0200"], {},
     "every date, e.g. '01/02/2011 10:00 +0100', reads both day first and month first; {fix}",
     {"flags": "pass --dayfirst, or --date-format '%m/%d/%Y %H:%M %z' for month first.",
      "parameters": "pass dayfirst=True, or date_format='%m/%d/%Y %H:%M %z' for month first.",
      "parse_first": "parse the column with rfm.parse_date_column first, passing "
                     "dayfirst=True, or date_format='%m/%d/%Y %H:%M %z' for month first."}),
    (["40544", "40545"], {}, "holds numbers such as '40544', '40545', not dates; {fix}",
     {"flags": "pass --date-format excel (Excel serial days), epoch-s or epoch-ms (time "
               "since 1970), or a strftime pattern such as %Y%m%d.",
      "parameters": "pass date_format='excel' (Excel serial days), 'epoch-s' or 'epoch-ms' "
                    "(time since 1970), or a strftime pattern such as '%Y%m%d'.",
      "parse_first": "parse the column with rfm.parse_date_column first, passing "
                     "date_format='excel' (Excel serial days), 'epoch-s' or 'epoch-ms' "
                     "(time since 1970), or a strftime pattern such as '%Y%m%d'."}),
    (["2011-01-02", "x"], {"date_format": "%d %m %Y"},
     "2 distinct value(s) do not match {fix}, e.g. '2011-01-02', 'x'.",
     {"flags": "--date-format '%d %m %Y'", "parameters": "date_format='%d %m %Y'",
      "parse_first": "date_format='%d %m %Y'"}),
    (["x"], {"date_format": "epoch-s"}, "{fix} needs numbers, got e.g. 'x'.",
     {"flags": "--date-format epoch-s", "parameters": "date_format='epoch-s'",
      "parse_first": "date_format='epoch-s'"}),
    # ISO dates beside d/m/y dates that read both ways: no date format reads them, so the
    # fix is --dayfirst (or, for month first, the file; in Python, one layout at a time)
    (["2011-01-02", "01/02/2011"], {},
     "every a/b/yyyy date, e.g. '01/02/2011', reads both day first and month first among "
     "dates of other layouts; {fix}",
     {"flags": "pass --dayfirst to read them day first; for month first no flag helps: "
               "write the dates one way in the file, e.g. as YYYY-MM-DD.",
      "parameters": BY_LAYOUT, "parse_first": BY_LAYOUT}),
]


@pytest.mark.parametrize(("values", "kw", "message", "fixes"), SPELLED)
@pytest.mark.parametrize("spelling", ["flags", "parameters", "parse_first"])
def test_messages_name_the_options_as_the_caller_takes_them(
    values, kw, message, fixes, spelling
) -> None:
    """parse_date_column names its own parameters; the file loaders (rfmseg) name the
    flags; rfm_table and the other functions without date options name
    parse_date_column, to call first."""
    from rfm.io.dates import FLAGS, PARAMETERS, PARSE_FIRST, read_date_column

    options = {"flags": FLAGS, "parameters": PARAMETERS, "parse_first": PARSE_FIRST}[spelling]
    expected = "date column 'd': " + message.format(fix=fixes[spelling])
    with pytest.raises(ValueError) as caught:
        read_date_column(pd.Series(values, dtype=object), name="d", options=options, **kw)
    assert str(caught.value) == expected
    if spelling == "parameters":  # what parse_date_column itself says
        with pytest.raises(ValueError) as direct:
            parsed(values, **kw)
        assert str(direct.value) == expected
