"""Parse a date column with one format for the whole column.

pandas guesses a date format from the first value and, when later values fail, parses
them one by one, so a ``dd/mm/yyyy`` column whose first value is ambiguous
(``02/01/2011``) comes out partly month-first and partly day-first. :func:`parse_date_column`
looks at every distinct value first and chooses one layout for the column:

- ``d/m/y`` or ``m/d/y`` (separator ``/``, ``-`` or ``.``, 2- or 4-digit year, optional
  time): values whose first field is above 12 only fit day-first, values whose second
  field is above 12 only fit month-first; one of those makes the whole column that
  order, both are an error, and a column where every value fits both is refused unless
  ``dayfirst`` or ``date_format`` decides;
- ``y-m-d`` (ISO 8601 and ``yyyy/mm/dd``);
- a column that mixes those layouts (``2011-12-09 12:50:00`` beside ``09/12/2011 12:50``,
  two exports appended): each date in its own layout, each layout read as a column of
  its own (a d/m/y one day first or month first as its values settle, or ``dayfirst``);
  the format used names every layout;
- ``YYYYMMDD`` integers or digit strings;
- time zones after the times: every value with one or none (a mix is an error). The
  zone is no part of the layout: the values without it are read as above (a d/m/y
  column settles its day/month order as any other, or is refused as ambiguous). Each
  time is the time written, its UTC offset (``+01:00`` in winter and ``+02:00`` in
  summer, also written ``14:00:00 +0100``) read and set aside: RFM counts the shop's
  own days, and ``23:30+02:00`` and the next day's ``00:30+02:00`` are two days (one
  day in UTC). A ``date_format`` with ``%z`` reads the same way;
- other text (``2 Jan 2011``): one format inferred by pandas for the whole column.

A date given as an option (``rfmseg --snapshot``, ``--compare-to``) is read by
:func:`read_option_date` as strictly as the column: ``YYYY-MM-DD``, or ``a/b/yyyy`` in the
order the file's dates were read (:func:`date_order`); a day and month that could be
swapped are refused when the file gives no order to follow. A library function's date
argument (``rfm.clv.summary(calibration_end=...)``) is read by the same rule
(:func:`read_date_argument`): with no file to follow, a date that reads both ways is
refused.

Numbers that are not ``YYYYMMDD`` are refused unless ``date_format`` says what they are:
``"excel"`` (Excel's serial dates: 1 = 1900-01-01, 61 = 1900-03-01, Excel's own day 60
being the 29 February 1900 that never was), ``"epoch-s"`` or
``"epoch-ms"`` (time since 1970-01-01 UTC). Any other ``date_format`` is a strftime
pattern. Every value that is present must parse; only empty cells are missing dates. A
few values that are no dates among dates of one format (``not a date``, ``2011-02-30``)
are named with their rows; no option reads them, so the message does not offer one.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FLAGS",
    "NUMERIC_DATE_FORMATS",
    "PARAMETERS",
    "PARSE_FIRST",
    "ZONES_NOTE",
    "AmbiguousDate",
    "DateOptions",
    "date_order",
    "dates_sentence",
    "mixed_layouts_error",
    "parse_date_column",
    "read_date_argument",
    "read_date_column",
    "read_option_date",
]

#: ``date_format`` values for dates stored as numbers
NUMERIC_DATE_FORMATS = ("excel", "epoch-s", "epoch-ms")

_SEPARATED = re.compile(
    r"^\s*(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
    r"(?:(?P<t>[ T]+)(?P<time>.*?))?\s*$"
)
_TIME = re.compile(
    r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:(?P<fs>[.,])(?P<f>\d{1,9}))?)?\s*(?P<p>[AaPp][Mm])?$"
)
#: a time zone at the end of a date and time: right after the time (ISO 8601: ``T10:00Z``,
#: ``10:00+01:00``, ``T100000+0100``), or after a space (``14:00:00 +0100``, as Shopify
#: and ``strftime('%Y-%m-%d %H:%M:%S %z')`` write it). Only after a time, so that the
#: year of ``01-02-2024`` is not read as an offset ``-2024``.
_ZONE = re.compile(
    r"(?:\d:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:\s*[AaPp][Mm])?|T\d{2}(?:\d{2}){0,2}(?:[.,]\d+)?)"
    r"(?P<zone>\s*(?:Z|(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})))$"
)
#: what is done with the time zones of times that carry one, and how the format used
#: says it after the layout and its day/month order (see :func:`_zones_split`)
_ZONES_WORDS = "times read as written, their UTC offsets set aside"
ZONES_NOTE = f"; {_ZONES_WORDS}"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_1970 = 25_569  # the Excel serial of 1970-01-01
_DAY_NS = 86_400_000_000_000
#: the last whole day a nanosecond timestamp holds, and its Excel serial
_LAST_DAY = (pd.Timestamp.max - pd.Timedelta(days=1)).normalize()
_LAST_EXCEL_DAY = (_LAST_DAY.to_pydatetime() - _EXCEL_EPOCH.to_pydatetime()).days
#: a guessed format that puts a date before this year has misread the text (e.g. "1,5")
MIN_YEAR = 1800
#: how a layout says that some of its dates give no time of day (read as midnight)
WITHOUT_TIME = "without a time"
#: how the format used says that the column holds dates of several layouts
SEVERAL_LAYOUTS = "layouts, each date read in one"
#: the format used for a column the file already stores as dates (xlsx, Parquet)
STORED_AS_DATES = "stored as dates in the file"
#: the format used for a column with no dates at all (every cell empty)
NO_DATES = "no dates"


@dataclass(frozen=True)
class DateOptions:
    """How a message names the two options that decide how a date column reads: the
    ``rfmseg`` flags (:data:`FLAGS`), :func:`parse_date_column`'s parameters
    (:data:`PARAMETERS`), or, for a function that takes no date options (``rfm_table``,
    ``clean_transactions``, ...), :func:`parse_date_column` to call first
    (:data:`PARSE_FIRST`)."""

    #: the date format option, without a value (``--date-format``, ``date_format``)
    date_format: str
    #: the day-first option, switched on (``--dayfirst``, ``dayfirst=True``)
    dayfirst: str
    #: whether values are written as on a command line (unquoted), else as Python
    cli: bool
    #: the words before an option that fixes the column
    via: str = "pass"

    def value(self, value: str) -> str:
        """A value of the date format, as the user would write it."""
        return value if self.cli else repr(value)

    def given(self, value: str) -> str:
        """The date format option with ``value``: ``--date-format excel``,
        ``--date-format '%d %m %Y'``, ``date_format='excel'``."""
        if self.cli:
            shown = value if value in NUMERIC_DATE_FORMATS else repr(value)
            return f"{self.date_format} {shown}"
        return f"{self.date_format}={value!r}"

    def fix(self, clause: str) -> str:
        """``clause`` (options) as the fix to pass: ``pass --date-format``."""
        return f"{self.via} {clause}"


FLAGS = DateOptions("--date-format", "--dayfirst", cli=True)
PARAMETERS = DateOptions("date_format", "dayfirst=True", cli=False)
PARSE_FIRST = DateOptions(
    "date_format", "dayfirst=True", cli=False,
    via="parse the column with rfm.parse_date_column first, passing",
)  # fmt: skip


@dataclass(frozen=True)
class _Column:
    """The column being parsed, for messages: its name and how to name the options."""

    name: str
    options: DateOptions
    #: how the values write a time zone after their times, as strftime does (``" %z"``
    #: after a space, ``"%z"`` right after the time), or "" (no zones)
    zone: str = ""

    def fail(self, what: str, kind: type[ValueError] = ValueError) -> ValueError:
        return kind(f"date column {self.name!r}: {what}")


class AmbiguousDate(ValueError):
    """Dates whose day and month could be swapped, with no order to follow (a column
    where every value fits both orders, or an option's date)."""


class _OrderConflict(ValueError):
    """Dates of one d/m/y layout that no one day/month order reads (one only day first,
    another only month first; or only month first where day first was asked)."""


def _examples(values: np.ndarray, n: int = 3) -> str:
    return ", ".join(repr(str(v)) for v in values[:n])


@dataclass(frozen=True)
class _Cells:
    """Where each distinct value sits in the column, to name a bad value by its row."""

    #: per row, the position of its value among the distinct values (-1: missing)
    codes: np.ndarray

    def count(self, bad: np.ndarray) -> int:
        """How many rows hold one of the distinct values marked in ``bad``."""
        return int(bad[self.codes[self.codes >= 0]].sum())

    def first_row(self, i: int) -> int:
        """The first order line (rows counted from 1, a header row not counted) holding
        value ``i``."""
        return int(np.argmax(self.codes == i)) + 1


def _shown(uniq: np.ndarray, bad: np.ndarray, cells: _Cells | None, n: int = 3) -> str:
    """Up to ``n`` of the distinct values marked in ``bad``, each with the first row it is
    in when known: ``'not a date' (order line 101)``: the 101st row of data, which a
    spreadsheet with a header row shows as its row 102."""
    if cells is None:
        return _examples(uniq[bad], n)
    return ", ".join(f"{str(uniq[i])!r} (order line {cells.first_row(i)})"
                     for i in np.flatnonzero(bad)[:n])  # fmt: skip


def _count(bad: np.ndarray, cells: _Cells | None) -> int:
    """Rows holding the values marked in ``bad`` (distinct values when rows are unknown)."""
    return int(bad.sum()) if cells is None else cells.count(bad)


def _strays(col: _Column, uniq: np.ndarray, bad: np.ndarray, cells: _Cells | None,
            used: str) -> ValueError:  # fmt: skip
    """The error for a few values that are no dates in a column whose other values all
    read with one format (no other format would read them: no option helps)."""
    return col.fail(
        f"{_count(bad, cells)} value(s) do not read as dates like the others ({used}), "
        f"e.g. {_shown(uniq, bad, cells)}; fix those cells, or empty them to drop those "
        "rows as missing dates.",
    )


def value_text(value: object) -> str:
    """One distinct value as stripped text; whole numbers without ``.0``."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def _numbers(text: np.ndarray, col: _Column, date_format: str) -> np.ndarray:
    num = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(np.float64)
    bad = np.isnan(num)
    if bad.any():
        raise col.fail(
            f"{col.options.given(date_format)} needs numbers, got e.g. {_examples(text[bad])}."
        )
    return num


def _numeric_dates(uniq: np.ndarray, date_format: str, col: _Column) -> tuple[np.ndarray, str]:
    num = _numbers(uniq, col, date_format)
    if date_format == "excel":
        if ((num < 1) | (num > 2_958_465)).any():  # 1900-01-01 .. 9999-12-31
            raise col.fail(f"{_examples(uniq[(num < 1) | (num > 2_958_465)])} are not "
                           "Excel serial dates (1 = 1900-01-01).")  # fmt: skip
        late = num >= _LAST_EXCEL_DAY + 1
        if late.any():
            raise col.fail(f"{_examples(uniq[late])} are out of range for "
                           f"{col.options.given('excel')} (the latest date it holds is "
                           f"{_LAST_DAY:%Y-%m-%d}).")  # fmt: skip
        leap = (num >= 60) & (num < 61)
        if leap.any():
            raise col.fail(f"{_examples(uniq[leap])} is 1900-02-29 in Excel, a day "
                           "that does not exist (Excel counts 1900 as a leap year).")  # fmt: skip
        days = np.floor(num)
        ns = np.round((num - days) * 86_400e9)
        # Excel counts a 29 February 1900 (serial 60): days from 1899-12-30 are right
        # from serial 61 (1900-03-01) on, one short before it (1 = 1900-01-01)
        days = np.where(days < 60, days + 1, days)
        # counted from 1970 (nanoseconds since 1899 overflow int64 after 2192)
        out = (days.astype(np.int64) - _EXCEL_1970) * _DAY_NS + ns.astype(np.int64)
        return out.view("datetime64[ns]"), "Excel serial dates"
    unit = {"epoch-s": "s", "epoch-ms": "ms"}[date_format]
    try:
        out = pd.to_datetime(num, unit=unit)
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise col.fail(f"values such as {_examples(uniq)} are out of range for "
                       f"{col.options.given(date_format)}.") from None  # fmt: skip
    label = "seconds" if unit == "s" else "milliseconds"
    return np.asarray(out.to_numpy(dtype="datetime64[ns]")), f"{label} since 1970-01-01 UTC"


def _with_pattern(uniq: np.ndarray, fmt: str, col: _Column) -> tuple[np.ndarray, str]:
    # a pattern that reads a zone gives each date's time as written, its offset set aside,
    # as a zoned column is read without a pattern: offsets may differ from date to date
    # (+0100 in winter, +0200 in summer), and pandas reads them only as UTC instants
    zoned = "%z" in fmt or "%Z" in fmt
    try:
        out = pd.to_datetime(pd.Series(uniq, dtype=object), format=fmt, errors="coerce",
                             utc=zoned)  # fmt: skip
    except (ValueError, TypeError) as exc:
        raise col.fail(f"{col.options.given(fmt)} is not a valid pattern ({exc}).") from None
    bad = out.isna().to_numpy()
    if bad.any():
        raise col.fail(f"{int(bad.sum())} distinct value(s) do not match "
                       f"{col.options.given(fmt)}, e.g. {_examples(uniq[bad])}.")  # fmt: skip
    if getattr(out.dt, "tz", None) is not None:
        out = _as_written(uniq, out, fmt)
    return np.asarray(out.to_numpy()), fmt + (ZONES_NOTE if zoned else "")


#: a UTC offset at the end of a value, as ``%z`` reads it
_OFFSET_AT_END = re.compile(
    r"(?:Z|(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})(?::?(?P<ss>\d{2}))?)$"
)


def _offset_seconds(found: list[re.Match]) -> np.ndarray:
    """The UTC offsets that ``found`` (matches of :data:`_OFFSET_AT_END` or :data:`_ZONE`:
    groups ``sign``, ``hh``, ``mm`` and maybe ``ss``; none for ``Z``) read, in seconds."""
    sign = np.array([-1 if m["sign"] == "-" else 1 for m in found], dtype=np.int64)
    return sign * np.array([int(m["hh"] or 0) * 3600 + int(m["mm"] or 0) * 60
                            + int(m.groupdict().get("ss") or 0) for m in found],
                           dtype=np.int64)  # fmt: skip


def _as_written(uniq: np.ndarray, instants: pd.Series, fmt: str) -> pd.Series:
    """The times ``uniq`` write (read with ``fmt``, which reads a zone), without their
    zones: the UTC ``instants`` plus each value's offset. The offset is read off the end
    of the value when ``fmt`` ends with ``%z``, else by ``strptime`` value by value."""
    utc = instants.dt.tz_convert("UTC").dt.tz_localize(None)
    found = [_OFFSET_AT_END.search(v) for v in uniq] if fmt.rstrip().endswith("%z") else []
    if found and all(found):
        return utc + pd.to_timedelta(_offset_seconds(found), unit="s")
    return pd.Series([pd.Timestamp(pd.to_datetime(v, format=fmt)).tz_localize(None)
                      for v in uniq], index=instants.index, dtype="datetime64[ns]")  # fmt: skip


def _extract(values: np.ndarray, pattern: re.Pattern[str]) -> pd.DataFrame:
    """The named groups of ``pattern`` in each text, a column per group: what
    ``Series.str.extract`` gives (missing where the text does not match or the group
    took no part), but one regex search per text and plain object columns, with no
    conversion of each column to pandas' string type (most of the time it took)."""
    names = list(pattern.groupindex)
    empty = (None,) * len(names)
    found = [pattern.search(text) for text in values]
    if len(names) == 1:  # Match.group of one name gives the text, not a tuple
        rows = [(m.group(names[0]),) if m else empty for m in found]
    else:
        rows = [m.group(*names) if m else empty for m in found]
    return pd.DataFrame(rows, columns=names, dtype=object)


@dataclass(frozen=True)
class _Clock:
    """The time of day of the values that give one."""

    has: np.ndarray  # bool, per distinct value: it gives a time
    hour: np.ndarray  # int64, as written (1-12 with AM/PM), for the values that have one
    minute: np.ndarray
    second: np.ndarray  # 0 where not given
    nanos: np.ndarray  # the decimal fraction of the second, in nanoseconds
    ampm: np.ndarray  # "AM", "PM" or ""
    seconds: bool  # some value gives seconds
    fraction_mark: str  # "." or "," before the fraction of a second, "" when none is given


@dataclass(frozen=True)
class _Pieces:
    """Every distinct value read as ``a<sep>b<sep>c``, with an optional time."""

    a: np.ndarray  # int64, the three numbers of the date
    b: np.ndarray
    c: np.ndarray
    a_digits: np.ndarray  # how many digits a and c are written with
    c_digits: np.ndarray
    seps: list[str]  # the distinct date separators
    marks: list[str]  # the distinct marks between date and time ("T", or "" for a space)
    clock: _Clock | None  # None when no value gives a time
    #: the text after each date, when the times are still to be read (by _clock_by_regex,
    #: once the dates passed their checks: a bad date is reported before a bad time)
    time_texts: pd.Series | None = None


def _clock_by_regex(rest: pd.Series, col: _Column, uniq: np.ndarray) -> _Clock | None:
    """The times after the dates (``rest``, one per distinct value), read with _TIME."""
    has = (rest.notna() & (rest != "")).to_numpy()
    if not has.any():
        return None
    parts = _extract(rest[has].to_numpy(dtype=object), _TIME)
    bad = parts["h"].isna().to_numpy()
    if bad.any():
        raise col.fail(f"times such as {_examples(uniq[has][bad])} do not parse; "
                       f"{col.options.fix(col.options.date_format)} with a strftime "
                       "pattern.")  # fmt: skip
    nanos = (
        np.zeros(len(parts), dtype=np.int64)
        if parts["f"].isna().all()
        else parts["f"].fillna("0").map(lambda f: int(f.ljust(9, "0")[:9])).to_numpy()
    )
    return _Clock(
        has=has,
        hour=parts["h"].astype(np.int64).to_numpy(),
        minute=parts["m"].astype(np.int64).to_numpy(),
        second=parts["s"].fillna("0").astype(np.int64).to_numpy(),
        nanos=nanos,
        ampm=parts["p"].fillna("").str.upper().to_numpy(dtype=object),
        seconds=bool(parts["s"].notna().any()),
        fraction_mark=next(iter(parts["fs"].dropna()), ""),
    )


def _pieces_by_regex(parts: pd.DataFrame) -> _Pieces:
    """The pieces from ``_extract(uniq, _SEPARATED)``, where every value matched."""
    return _Pieces(
        *(parts[k].astype(np.int64).to_numpy() for k in "abc"),
        a_digits=parts["a"].str.len().to_numpy(),
        c_digits=parts["c"].str.len().to_numpy(),
        seps=list(parts["sep"].unique()),
        marks=list(parts["t"].dropna().str.strip().unique()),
        clock=None,
        time_texts=parts["time"],
    )


#: the longest value the same-layout path reads
_MAX_LAYOUT = 40


def _pieces_by_layout(uniq: np.ndarray) -> _Pieces | None:
    """The pieces of values that are all written alike, e.g. ``2010-12-01 08:26:00``.

    Most files write every date with the same characters in the same places: zero-padded
    numbers of fixed width between the same separators. When every distinct value has
    the same length, is plain ASCII, has its digits in the same places and the same
    character in every other place, one regular-expression match of the first value
    says where each number sits in all of them (the regexes look only at which
    characters are digits and at the others, which are the same everywhere), and the
    numbers are read for all values at once from a (values × characters) byte matrix:
    the number at places i..j-1 is ``Σ_p (byte_p - 48) · 10^(j-1-p)``. ``None`` when
    the values are not all alike (or the first does not read as a date and time): the
    caller then reads each value with the regexes, which also gives the errors.
    """
    first = uniq[0]
    if not all(isinstance(v, str) for v in uniq) or not 0 < len(first) <= _MAX_LAYOUT:
        return None
    width = len(first)
    if any(len(v) != width for v in uniq):
        return None
    try:
        raw = uniq.astype(f"S{width}")  # the values as ASCII bytes
    except UnicodeEncodeError:
        return None
    chars = raw.view(np.uint8).reshape(len(uniq), width)
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    if not (digit == digit[0]).all() or not (chars[:, ~digit[0]] == chars[0, ~digit[0]]).all():
        return None
    date = _SEPARATED.search(first)
    if date is None:
        return None
    def number(start: int, end: int) -> np.ndarray:  # a field's digits only: few bytes
        digits = chars[:, start:end].astype(np.int64) - ord("0")
        return digits @ 10 ** np.arange(end - start - 1, -1, -1, dtype=np.int64)

    clock = None
    if date.group("time"):
        time = _TIME.search(date.group("time"))
        if time is None:
            return None
        at = date.start("time")
        n = len(uniq)

        def field(group: str) -> np.ndarray:
            if time.group(group) is None:
                return np.zeros(n, dtype=np.int64)
            return number(at + time.start(group), at + time.end(group))

        nanos = field("f") * 10 ** (9 - len(time.group("f") or ""))
        ampm = (time.group("p") or "").upper()
        clock = _Clock(
            has=np.ones(n, dtype=bool),
            hour=field("h"),
            minute=field("m"),
            second=field("s"),
            nanos=nanos,
            ampm=np.full(n, ampm, dtype=object),
            seconds=time.group("s") is not None,
            fraction_mark=time.group("fs") or "",
        )
    a, c = date.span("a"), date.span("c")
    return _Pieces(
        number(*a),
        number(*date.span("b")),
        number(*c),
        a_digits=np.full(len(uniq), a[1] - a[0]),
        c_digits=np.full(len(uniq), c[1] - c[0]),
        seps=[date.group("sep")],
        marks=[] if date.group("t") is None else [date.group("t").strip()],
        clock=clock,
    )


def _time_of_day(clock: _Clock | None, col: _Column, uniq: np.ndarray) -> tuple[np.ndarray, str]:
    """Time of day of each value as nanoseconds, and its strftime layout."""
    ns = np.zeros(len(uniq), dtype=np.int64)
    if clock is None:
        return ns, ""
    h, m, s, ampm = clock.hour, clock.minute, clock.second, clock.ampm
    h = np.where(ampm == "PM", h % 12 + 12, np.where(ampm == "AM", h % 12, h))
    if (h > 23).any() or (m > 59).any() or (s > 60).any():
        raise col.fail(f"times out of range, e.g. {_examples(uniq[clock.has])}.")
    ns[clock.has] = ((h * 60 + m) * 60 + s) * 1_000_000_000 + clock.nanos
    layout = "%H:%M" + (":%S" if clock.seconds else "")
    if clock.fraction_mark:
        layout += f"{clock.fraction_mark}%f"
    if (ampm != "").any():
        layout = layout.replace("%H", "%I") + " %p"
    return ns, layout


def _one_time_layout(pieces: _Pieces, col: _Column, uniq: np.ndarray) -> str:
    """The times' layout after the date (``" %H:%M"``, ``"T%H:%M:%S%z"``), when every value
    gives a time written one way, for a pattern that reads the whole column; else ""."""
    try:
        clock = pieces.clock
        if pieces.time_texts is not None:
            clock = _clock_by_regex(pieces.time_texts, col, uniq)
        _, layout = _time_of_day(clock, col, uniq)
    except ValueError:  # a time that does not read: said once the dates are read
        return ""
    if clock is None or not clock.has.all() or len(set(pieces.marks)) > 1:
        return ""
    return ("T" if pieces.marks == ["T"] else " ") + layout + col.zone


def _separated(
    uniq: np.ndarray, pieces: _Pieces, dayfirst: bool, col: _Column, cells: _Cells | None = None
) -> tuple[np.ndarray, str]:
    """Dates such as 02/01/2011 or 2011-01-02, with an optional time (``cells``: where the
    values are, to name a bad one by its row)."""
    opts = col.options
    seps = pieces.seps
    if len(seps) > 1:
        raise col.fail(f"values mix date separators {sorted(seps)}; {opts.fix(opts.date_format)}.")
    sep = seps[0]
    a, b, c = pieces.a, pieces.b, pieces.c
    la, lc = pieces.a_digits, pieces.c_digits
    if (la == 4).all():
        year, month, day, order = a, b, c, f"%Y{sep}%m{sep}%d"
        note = ""
    elif (la <= 2).all() and ((lc == 4).all() or (lc == 2).all()):
        year = c if (lc == 4).all() else np.where(c < 69, 2000 + c, 1900 + c)
        ychar = "%Y" if (lc == 4).all() else "%y"
        only_dayfirst = a > 12
        only_monthfirst = b > 12
        if only_dayfirst.any() and only_monthfirst.any():
            raise col.fail(
                f"{_examples(uniq[only_dayfirst], 1)} only reads day first but "
                f"{_examples(uniq[only_monthfirst], 1)} only month first; fix the file or "
                f"{opts.fix(opts.date_format)}.", _OrderConflict,
            )
        if only_monthfirst.any() and dayfirst:
            raise col.fail(f"{opts.dayfirst} was given but "
                           f"{_examples(uniq[only_monthfirst], 1)} only reads month first; "
                           f"{opts.fix(opts.date_format)}.", _OrderConflict)  # fmt: skip
        if only_dayfirst.any() or dayfirst:
            day, month, order = a, b, f"%d{sep}%m{sep}{ychar}"
            note = " (day first)"
        elif only_monthfirst.any():
            month, day, order = a, b, f"%m{sep}%d{sep}{ychar}"
            note = " (month first)"
        else:
            month_first = opts.given(f"%m{sep}%d{sep}{ychar}{_one_time_layout(pieces, col, uniq)}")
            raise AmbiguousDate(
                f"date column {col.name!r}: every date, e.g. {_examples(uniq, 1)}, reads "
                f"both day first and month first; {opts.fix(opts.dayfirst)}, or "
                f"{month_first} for month first."
            )
    else:
        raise col.fail(f"values mix date layouts, e.g. {_examples(uniq)}; "
                       f"{opts.fix(opts.date_format)}.")  # fmt: skip
    dates = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce"
    ).to_numpy(dtype="datetime64[ns]")
    bad = np.isnat(dates)
    if bad.any():
        if ((month >= 1) & (month <= 12))[bad].all():  # a day its month does not have
            raise col.fail(f"{_count(bad, cells)} value(s) are not valid dates (no such "
                           f"day in that month), e.g. {_shown(uniq, bad, cells)}; fix those "
                           "cells, or empty them to drop those rows as missing "
                           "dates.")  # fmt: skip
        raise col.fail(f"{_shown(uniq, bad, cells)} are not valid dates for the layout "
                       f"{order}{note}; {opts.fix(opts.date_format)}.")  # fmt: skip
    clock = pieces.clock
    if pieces.time_texts is not None:
        clock = _clock_by_regex(pieces.time_texts, col, uniq)
    ns, layout = _time_of_day(clock, col, uniq)
    if layout:
        layout += col.zone
        tsep = "T" if all(mark == "T" for mark in pieces.marks) else " "
        # a "T" before some times only, and dates without a time (midnight) beside dates
        # with one: each is said
        with_t = f", or {order}T{layout}" if len(set(pieces.marks)) > 1 else ""
        alone = "" if clock is None or clock.has.all() else f", or {order} {WITHOUT_TIME}"
        order = f"{order}{tsep}{layout}{with_t}{alone}"
    return dates + ns.astype("timedelta64[ns]"), order + note


def _layout_groups(parts: pd.DataFrame) -> list[np.ndarray]:
    """The positions of the values of each layout among dates such as 2011-12-09 and
    09/12/2011 (``parts``: :func:`_extract` with :data:`_SEPARATED`, every value matched),
    a layout being the separator and whether the year comes first; year-first layouts
    first, then in the order they appear."""
    year_first = (parts["a"].str.len() == 4).to_numpy()
    keys = pd.Series([f"{int(not y)}{sep}" for y, sep in zip(year_first, parts["sep"],
                                                              strict=True)])  # fmt: skip
    codes, names = pd.factorize(keys)
    order = sorted(range(len(names)), key=lambda k: (names[k][0], k))
    return [np.flatnonzero(codes == k) for k in order]


def _several_layouts(
    uniq: np.ndarray, parts: pd.DataFrame, dayfirst: bool, col: _Column, cells: _Cells | None
) -> tuple[np.ndarray, str]:
    """Dates written in more than one layout (``2011-12-09 12:50:00`` beside ``09/12/2011
    12:50``: two exports appended), each value in exactly one of them: each layout read
    as a column of its own (:func:`_separated`; a d/m/y layout day first or month first
    as its own values settle, or ``dayfirst``), which no single ``date_format`` can do.
    The layouts with a day/month order must agree on it. An error that would offer a
    ``date_format`` offers what works for such a column instead."""
    opts = col.options
    out = np.empty(len(uniq), dtype="datetime64[ns]")
    layouts: list[str] = []
    notes: dict[str, str] = {}  # day/month order → a date read so
    for where in _layout_groups(parts):
        some = parts.iloc[where].reset_index(drop=True)
        part_cells = None
        if cells is not None:  # the rows of this layout's values, to name a bad one
            remap = np.full(len(uniq), -1, dtype=np.int64)
            remap[where] = np.arange(len(where))
            part_cells = _Cells(np.where(cells.codes < 0, -1, remap[np.maximum(cells.codes, 0)]))
        try:
            dates, used = _separated(uniq[where], _pieces_by_regex(some), dayfirst, col,
                                     part_cells)  # fmt: skip
        except (AmbiguousDate, _OrderConflict) as exc:  # no one day/month order
            raise mixed_layouts_error(exc, opts) from None
        except ValueError as exc:
            if opts.date_format not in str(exc):
                raise  # (a day its month does not have, a time out of range: fix the cell)
            said = str(exc).split("; ")[0]  # its fix, a date format, reads one layout only
            raise ValueError(f"{said}, among dates of other layouts; fix those cells (one "
                             f"{opts.date_format} cannot read dates of several "
                             "layouts).") from None
        out[where] = dates
        note = next((n for n in _ORDER_NOTES if used.endswith(n)), "")
        if note:
            notes.setdefault(note, str(uniq[where][0]))
        n = _count(np.isin(np.arange(len(uniq)), where), cells)
        what = "order line" if cells is not None else "distinct value"
        layouts.append(f"{used.removesuffix(note)} ({n:,} {what}{'' if n == 1 else 's'})")
    if len(notes) > 1:
        raise col.fail(f"the dates of one layout only read day first "
                       f"({notes[' (day first)']!r}) but those of another only month first "
                       f"({notes[' (month first)']!r}); write the dates one way in the file, "
                       "e.g. as YYYY-MM-DD.")  # fmt: skip
    order = next(iter(notes), "")
    return out, f"{len(layouts)} {SEVERAL_LAYOUTS}: {' and '.join(layouts)}{order}"


def mixed_layouts_error(exc: ValueError, options: DateOptions) -> ValueError:
    """The error for a/b/yyyy dates among dates of other layouts that settle no one order
    (all read both ways, or two contradict each other; ``exc``: the error of those dates
    read alone): the same kind, "a/b/yyyy date" for "date", and a fix that reads such a
    column, since one date format cannot: day first with the day-first option; month
    first, from the command line, by writing the dates one way in the file, and in
    Python by parsing one layout at a time."""
    said = str(exc).split("; ")[0].replace("every date,", "every a/b/yyyy date,")
    ambiguous = isinstance(exc, AmbiguousDate)
    if options.cli:
        one_way = "write the dates one way in the file, e.g. as YYYY-MM-DD"
        if ambiguous:
            return AmbiguousDate(
                f"{said} among dates of other layouts; {options.fix(options.dayfirst)} to "
                f"read them day first; for month first no flag helps: {one_way}.")
        return ValueError(f"{said} among dates of other layouts; {one_way}.")
    fix = ("parse the column yourself, one layout at a time, e.g. pd.to_datetime(..., "
           "format='%d/%m/%Y') for these and format='ISO8601' for the others (pandas' "
           "format='mixed' with dayfirst=True would swap the ISO dates' month and day)")
    if ambiguous:
        return AmbiguousDate(f"{said} among dates of other layouts; {fix}.")
    return ValueError(f"{said}; fix the file, or {fix}.")


def _inferred(
    uniq: np.ndarray, bare: np.ndarray, dayfirst: bool, col: _Column,
    cells: _Cells | None = None,
) -> tuple[np.ndarray, str]:
    """Other text (``bare``: the values without their time zones, ``uniq`` as written, for
    messages): ISO 8601, else one format inferred by pandas for the whole column.
    When neither reads every value, the error quotes values that fail (with the format
    that read the most): a few strays among dates of one format are named as such."""
    values = pd.Series(bare, dtype=object)
    best, best_label = np.zeros(len(uniq), dtype=bool), ""
    for fmt in ("ISO8601", None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = pd.to_datetime(values, format=fmt, errors="coerce", dayfirst=dayfirst)
            except (ValueError, TypeError):
                continue
        label = "ISO 8601" if fmt else "inferred by pandas"
        read = (out.notna() & (out.dt.year >= MIN_YEAR)).to_numpy(dtype=bool)
        if read.all():
            if getattr(out.dt, "tz", None) is not None:  # a zone pandas read ("UTC"): one
                out, label = out.dt.tz_localize(None), label + ZONES_NOTE  # for all
            return np.asarray(out.to_numpy()), label
        if _count(read, cells) > _count(best, cells):
            best, best_label = read, label
    if _count(~best, cells) < _count(best, cells):  # a few strays among dates of one format
        raise _strays(col, uniq, ~best, cells, best_label)
    opts = col.options
    raise col.fail(f"values such as {_shown(uniq, ~best, cells)} do not parse as dates "
                   f"with one format; {opts.fix(opts.date_format)} (a strftime pattern such "
                   f"as {opts.value('%d.%m.%Y')}).")  # fmt: skip


def _refuse_strays(
    uniq: np.ndarray, parts: pd.DataFrame, matched: np.ndarray, dayfirst: bool,
    col: _Column, cells: _Cells,
) -> None:
    """Most values are dates such as 02/01/2011 or 2011-01-02 (``matched``) and read with
    one layout, and a few are not (``'not a date'``): name those few by their rows. (Read
    with pandas, the layout's day/month order would be lost, and the error would quote
    values that parse.)"""
    if not matched.any() or cells.count(~matched) >= cells.count(matched):
        return
    some = parts[matched].reset_index(drop=True)
    try:
        if len(_layout_groups(some)) > 1:
            _, used = _several_layouts(uniq[matched], some, dayfirst, col, None)
        else:
            _, used = _separated(uniq[matched], _pieces_by_regex(some), dayfirst, col)
    except AmbiguousDate:  # one layout, its day/month order still to choose
        used = f"dates such as {_examples(uniq[matched], 1)}"
    except ValueError:
        return  # not one layout either: pandas tries the whole column
    raise _strays(col, uniq, ~matched, cells, used)


def parse_date_column(
    values: pd.Series,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
    name: str | None = None,
) -> tuple[pd.Series, str]:
    """Parse a whole date column with one format (see the module docstring).

    Parameters
    ----------
    values : Series
        The column as read: datetimes (returned as they are), text or numbers.
    date_format : str, optional
        A strftime pattern, or ``"excel"``, ``"epoch-s"``, ``"epoch-ms"`` for numbers.
        Inferred from all the values when omitted.
    dayfirst : bool
        Read ``a/b/yyyy`` as day/month when every value fits both orders.
    name : str, optional
        Column name for messages (default: ``values.name``).

    Returns
    -------
    parsed : Series
        Datetimes on ``values``' index; ``NaT`` only where the value was missing or empty.
    used : str
        The format used, for the console and the report (e.g. ``"%d/%m/%Y %H:%M (day
        first)"``).

    Raises
    ------
    AmbiguousDate
        Every value reads both day first and month first, and neither ``dayfirst`` nor
        ``date_format`` decides (a ``ValueError``).
    ValueError
        Values that do not parse with one format, contradict each other (day first
        and month first), mix zoned and naive times, or numbers without a numeric
        ``date_format``. The message names the parameter that fixes it.
    """
    return read_date_column(
        values, date_format=date_format, dayfirst=dayfirst, name=name, options=PARAMETERS
    )


def read_date_column(
    values: pd.Series,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
    name: str | None = None,
    options: DateOptions = PARAMETERS,
) -> tuple[pd.Series, str]:
    """:func:`parse_date_column`, with messages that name the options as ``options``
    says: the ``rfmseg`` flags (:data:`FLAGS`, for the file loaders), or
    :func:`parse_date_column` to call first (:data:`PARSE_FIRST`, for the functions
    that take a date column but no date options)."""
    col = _Column(str(values.name) if name is None else name, options)
    if pd.api.types.is_datetime64_any_dtype(values.dtype) and date_format not in (
        NUMERIC_DATE_FORMATS
    ):
        return values, STORED_AS_DATES
    codes, raw = pd.factorize(values)
    texts = np.array([value_text(v) for v in raw], dtype=object)
    blank = texts == ""
    if blank.any():  # empty cells are missing dates
        keep = np.flatnonzero(~blank)
        remap = np.full(len(texts), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = np.where(codes < 0, -1, remap[np.maximum(codes, 0)])
        texts = texts[keep]
    uniq = texts
    cells = _Cells(codes)
    if len(uniq) == 0:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), NO_DATES
    offsets = None
    if date_format in NUMERIC_DATE_FORMATS:
        parsed, used = _numeric_dates(uniq, date_format, col)
    elif date_format:
        parsed, used = _with_pattern(uniq, date_format, col)
    elif (pieces := _pieces_by_layout(uniq)) is not None:  # all written alike, no zones
        parsed, used = _separated(uniq, pieces, dayfirst, col, cells)
    else:
        # the values without their time zones (a zone is no part of a date's layout or
        # its day/month order), then read as zoneless values are
        bare, offsets, col = _zones_split(uniq, col)
        parsed, used = _text_dates(uniq, bare, dayfirst, col, cells)
    parsed = np.asarray(parsed)
    if offsets is not None and not used.endswith(ZONES_NOTE):
        # the times as written, each in its own offset: the shop's own days and hours
        # (+02:00's 23:30 and next 00:30 are two days, one day in UTC), whatever the
        # offset; read only to check it
        used += ZONES_NOTE
    out = parsed.take(np.where(codes < 0, 0, codes))
    result = pd.Series(out, index=values.index)
    result[codes < 0] = pd.NaT
    return result, used


def _zones_split(uniq: np.ndarray, col: _Column) -> tuple[np.ndarray, np.ndarray | None, _Column]:
    """The values without the time zone after their times, each one's UTC offset
    (``None`` when no value has a zone), and ``col`` saying how the zones are written.
    Every value has a zone, or none: a time without one says no instant."""
    found = [_ZONE.search(v) for v in uniq]
    zoned = np.array([m is not None for m in found])
    if not zoned.any():
        return uniq, None, col
    if not zoned.all():
        raise col.fail(
            f"values mix times with a time zone ({_examples(uniq[zoned], 1)}) and without "
            f"({_examples(uniq[~zoned], 1)}); give all or none a zone.",
        )
    bare = np.array([v[: m.start("zone")] for v, m in zip(uniq, found, strict=True)],
                    dtype=object)  # fmt: skip
    hours = np.array([int(m["hh"] or 0) for m in found], dtype=np.int64)
    minutes = np.array([int(m["mm"] or 0) for m in found], dtype=np.int64)
    bad = (hours > 23) | (minutes > 59)  # what Python's %z reads
    if bad.any():
        raise col.fail(f"time-zone offsets out of range, e.g. {_examples(uniq[bad])}.")
    offsets = _offset_seconds(found).astype("timedelta64[s]").astype("timedelta64[ns]")
    spaced = all(m["zone"][:1].isspace() for m in found)
    return bare, offsets, _Column(col.name, col.options, zone=" %z" if spaced else "%z")


def _text_dates(
    uniq: np.ndarray, bare: np.ndarray, dayfirst: bool, col: _Column, cells: _Cells
) -> tuple[np.ndarray, str]:
    """Text dates with no format given (``bare``: the values without their time zones,
    ``uniq`` as written, which messages quote), that are not all written alike as they
    are: see the module docstring."""
    if bare is not uniq and (pieces := _pieces_by_layout(bare)) is not None:  # alike
        return _separated(uniq, pieces, dayfirst, col, cells)
    digits = pd.Series(bare, dtype=object).str.fullmatch(r"[+-]?\d+(?:\.\d*)?").to_numpy()
    if digits.all():
        eight = pd.Series(bare, dtype=object).str.fullmatch(r"\d{8}").to_numpy()
        ymd = pd.to_datetime(pd.Series(bare, dtype=object), format="%Y%m%d", errors="coerce")
        if not (eight.all() and ymd.notna().all()):
            opts = col.options
            raise col.fail(
                f"holds numbers such as {_examples(uniq)}, not dates; "
                f"{opts.fix(opts.given('excel'))} (Excel serial days), "
                f"{opts.value('epoch-s')} or {opts.value('epoch-ms')} (time since "
                f"1970), or a strftime pattern such as {opts.value('%Y%m%d')}.",
            )
        return np.asarray(ymd.to_numpy()), "%Y%m%d"
    if digits.any():
        raise col.fail(f"mixes numbers ({_examples(uniq[digits], 1)}) and text dates "
                       f"({_examples(uniq[~digits], 1)}); "
                       f"{col.options.fix(col.options.date_format)}.")  # fmt: skip
    parts = _extract(bare, _SEPARATED)
    matched = parts["a"].notna().to_numpy()
    if matched.all():
        if len(_layout_groups(parts)) > 1:
            return _several_layouts(uniq, parts, dayfirst, col, cells)
        return _separated(uniq, _pieces_by_regex(parts), dayfirst, col, cells)
    _refuse_strays(uniq, parts, matched, dayfirst, col, cells)
    return _inferred(uniq, bare, dayfirst, col, cells)


_OPTION_DATE = re.compile(r"(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_ORDER_WORDS = {True: "day first", False: "month first"}
#: how the format used ends when a day/month order was settled
_ORDER_NOTES = tuple(f" ({word})" for word in _ORDER_WORDS.values())




def date_order(
    used: str | None, *, date_format: str | None = None, dayfirst: bool = False
) -> bool | None:
    """Whether the file's dates were read day first (``True``), month first (``False``),
    or in no day/month order at all (``None``: ISO dates, dates stored as dates, ...).

    Parameters
    ----------
    used : str or None
        The format :func:`parse_date_column` reports, e.g. ``"%d/%m/%Y (day first)"``.
    date_format, dayfirst
        What the user said (``--date-format``, ``--dayfirst``); a strftime pattern
        gives its order (``%d`` before ``%m``: day first).
    """
    if date_format and date_format not in NUMERIC_DATE_FORMATS:
        day, month = date_format.find("%d"), date_format.find("%m")
        if day >= 0 and month >= 0:
            return day < month
    if used:
        used = used.removesuffix(ZONES_NOTE)
        for order, word in _ORDER_WORDS.items():
            if used.endswith(f" ({word})"):
                return order
    return True if dayfirst else None


def dates_sentence(used: str) -> str:
    """How the dates were read, as the report's method says it (``used``: the format
    :func:`parse_date_column` reports)."""
    if used == STORED_AS_DATES:
        return "Dates taken as the file stores them (as dates, not text), so no format was read."
    zones = f" {_ZONES_WORDS[0].upper()}{_ZONES_WORDS[1:]}." if used.endswith(ZONES_NOTE) else ""
    used = used.removesuffix(ZONES_NOTE)
    if SEVERAL_LAYOUTS in used:
        return f"Dates read in {used}.{zones}"
    if ", or " in used:  # one layout whose time is written two ways, or left out
        return (f"Dates read with the format {used}"
                + (" (read as midnight)" if WITHOUT_TIME in used else "")
                + f", one layout for the whole column.{zones}")
    return f"Dates read with the format {used}, one format for the whole column.{zones}"


def _named(ts: pd.Timestamp) -> str:
    return f"{ts.day} {_MONTHS[ts.month - 1]} {ts.year}"


def read_option_date(
    text: str, flag: str, dayfirst: bool | None, *, cli: bool = True
) -> pd.Timestamp:
    """An option's date, read as strictly as a date column.

    ``YYYY-MM-DD`` (also with ``/`` or ``.``) always; ``a/b/yyyy`` (separator ``/``, ``.``
    or ``-``) day first when ``dayfirst`` is true, month first when it is false. With
    ``dayfirst=None`` (the file gives no order) it is read only when one order is
    impossible (a field above 12) or both give the same day.

    Parameters
    ----------
    text : str
        The option's value.
    flag : str
        The option's name, for messages (``"--compare-to"``, ``"calibration_end"``).
    dayfirst : bool or None
        The file's order (:func:`date_order`).
    cli : bool
        Whether ``flag`` is a command-line flag (a date that reads both ways is then
        said against the file's dates and ``--dayfirst``), or a library argument, which
        has no file to follow (:func:`read_date_argument`).

    Raises
    ------
    AmbiguousDate
        Day and month could be swapped and ``dayfirst`` is ``None``.
    ValueError
        Not a date of these layouts, not a real day, or only readable in the order the
        file's dates are not read in. One line naming ``flag``.
    """
    value = str(text).strip()
    m = _OPTION_DATE.fullmatch(value)
    iso = "write it as YYYY-MM-DD"
    if m is None:
        raise ValueError(f"{flag} {value!r} is not a date; {iso}.")
    a, b, c = m.group("a"), m.group("b"), m.group("c")
    if len(a) == 4 and len(c) <= 2:
        year, month, day = int(a), int(b), int(c)
    elif len(a) <= 2 and len(c) == 4:
        x, y = int(a), int(b)
        if x > 12 and y > 12:
            raise ValueError(f"{flag} {value!r} is not a date: neither {x} nor {y} is a month.")
        order = dayfirst
        if x > 12 or y > 12:
            fits = x > 12  # True: only reads day first
            if order is not None and order != fits:
                raise ValueError(
                    f"{flag} {value!r} only reads {_ORDER_WORDS[fits]}, but the file's dates "
                    f"are read {_ORDER_WORDS[order]}; {iso}."
                )
            order = fits
        elif order is None and x != y:
            both = f"{_named(pd.Timestamp(int(c), y, x))} or {_named(pd.Timestamp(int(c), x, y))}"
            if not cli:
                raise AmbiguousDate(f"{flag} {value!r} reads as {both}; {iso}.")
            raise AmbiguousDate(
                f"{flag} {value!r} reads as {both}, and the file's dates give no day/month "
                f"order to follow; {iso} (or pass --dayfirst for day first)."
            )
        year = int(c)
        day, month = (x, y) if order in (True, None) else (y, x)
    else:
        raise ValueError(f"{flag} {value!r} is not a date; {iso}.")
    try:
        return pd.Timestamp(year, month, day)
    except ValueError:
        raise ValueError(f"{flag} {value!r} is not a real day; {iso}.") from None


#: a date written with numbers (day, month and year in some order), then perhaps a time
_DATE_THEN_TIME = re.compile(r"\s*(?P<date>\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4})(?P<rest>[ T].*)?")


def read_date_argument(value: Any, name: str) -> pd.Timestamp | None:
    """A library function's date argument written with numbers, read by the rule
    ``rfmseg`` reads its options' dates by (:func:`read_option_date`); ``None`` for any
    other value (date objects, ``"30 June 2024"``), which the caller reads as before.

    ``YYYY-MM-DD`` (also with ``/`` or ``.``), or a day and month that only one order
    fits (``13/06/2024``); one that reads both ways (``01/06/2024``) is refused, since
    no file's dates give an order to follow. A time after the date is kept.

    Parameters
    ----------
    value : Any
        The argument's value.
    name : str
        The argument's name, for messages (``"calibration_end"``).

    Raises
    ------
    AmbiguousDate
        A day and month that could be swapped (a ``ValueError``).
    ValueError
        Numbers that are no date, or no real day; one line naming ``name``.
    """
    parts = _DATE_THEN_TIME.fullmatch(value) if isinstance(value, str) else None
    if parts is None:
        return None
    day = read_option_date(parts["date"], name, None, cli=False)
    if parts["rest"] is None:
        return day
    try:
        return pd.Timestamp(f"{day:%Y-%m-%d}{parts['rest']}")
    except ValueError:
        raise ValueError(f"{name} {value!r}: the time after the date does not parse; "
                         "write it as YYYY-MM-DD HH:MM.") from None
