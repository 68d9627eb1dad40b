"""From a transaction file to the typed table the pipeline needs (``rfmseg segment``).

:func:`load_transactions` reads the file (:func:`rfm.io.reading.read_transactions`), finds
the columns (:meth:`rfm.TransactionColumns.recognise`) and makes each role's values what
the pipeline expects, or says in one line why it cannot:

- customer and invoice ids are text: ``00123`` keeps its zeros, ``17000`` and
  ``17000.0`` are one id, ``NA``/``None``/``null``/``N/A`` are ids, only empty cells
  are missing; ids stored as integers (in Parquet) stay integers, the fastest key,
  ordered as numbers;
- the date column is parsed with one format for the whole column
  (:func:`rfm.io.dates.parse_date_column`);
- amount, quantity and price are numbers, read from their text in delimited files
  (with the file's decimal mark, or the one that values holding both marks settle:
  ``1,234.50`` and ``1.234,50`` read without flags; a column that reads two ways,
  ``1.627`` next to ``85``, or mixes decimal marks, is refused; one currency sign (or
  ISO 4217 code), a quantity's unit, accounting negatives such as ``(27.50)`` and the
  accounting zero (``$ -``, or a dash alone) are read off and said: see
  :func:`number_column`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm.cleaning import WHOLE_NUMBER_TEXT
from rfm.columns import TransactionColumns
from rfm.io._sniff import SEPARATORS
from rfm.io.currencies import CURRENCY, currency_sign
from rfm.io.dates import FLAGS, read_date_column, value_text
from rfm.io.reading import (
    EXCEL_SUFFIXES,
    NA_TOKENS,
    ReadOptions,
    header_of,
    is_text_file,
    leading_rows,
    read_transactions,
)

__all__ = [
    "LoadedTransactions",
    "MoneyText",
    "id_text",
    "load_transactions",
    "money_text",
    "number_column",
]

_DECIMAL_COMMA = re.compile(r"^[+-]?\d[\d.]*,\d+$")


@dataclass
class LoadedTransactions:
    """The table, the column of each role, and how the file was read (``sheet``: the
    sheet of an xlsx workbook the table comes from; ``currency`` and ``notes``: what
    the money's text held, see :class:`MoneyText`)."""

    frame: pd.DataFrame
    columns: TransactionColumns
    date_format: str
    sheet: str | None = None
    #: the currency sign the money carried (``£15.30``), read off the numbers
    currency: str | None = None
    #: what the reader did that the user should know, in plain sentences (no final period)
    notes: list[str] = field(default_factory=list)


def _id(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    text = value_text(value).strip()
    if text == "":
        return np.nan
    whole = WHOLE_NUMBER_TEXT.match(text)
    return whole.group(1) if whole else text


def id_text(values: pd.Series) -> pd.Series:
    """Ids as text: whole numbers without ``.0`` (``17000.0`` → ``"17000"``), text
    stripped, empty → missing; leading zeros and words such as ``NA`` are kept."""
    codes, uniq = pd.factorize(values)
    mapped = np.array([_id(v) for v in uniq] + [np.nan], dtype=object)
    return pd.Series(mapped[codes], index=values.index, name=values.name, dtype=object)


@functools.cache
def _grouped(thousands: str, decimal: str) -> re.Pattern[str]:
    """A number whose thousands are grouped by ``thousands``: ``1.234.567,89``."""
    t, d = re.escape(thousands), re.escape(decimal)
    return re.compile(rf"^[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?$")


def _plain_text(text: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    """Number text in Python's spelling (``1.234,56`` → ``1234.56``), or ``None`` where a
    separator is out of place: a thousands separator that does not group digits by
    three, or a ``.`` left over when the decimal mark is another character."""
    if not thousands and decimal == ".":
        return text  # Python's own spelling already
    grouped = _grouped(thousands, decimal) if thousands else None

    def plain(v: object) -> object:
        if not isinstance(v, str):
            return v
        if thousands == " ":  # spreadsheets group with (narrow) no-break spaces
            v = v.replace("\u00a0", " ").replace("\u202f", " ")
        if grouped is not None and thousands in v:
            if not grouped.match(v):
                return None
            v = v.replace(thousands, "")
        if decimal != ".":
            if "." in v:
                return None
            v = v.replace(decimal, ".")
        return v

    return text.map(plain)


#: a space between digits, as written by spreadsheets grouping thousands (also the
#: no-break space U+00A0 and the narrow one U+202F of French exports)
_SPACE_IN_NUMBER = re.compile("\\d[ \u00a0\u202f]+\\d")
#: digits grouped by three with spaces (``1 250``, ``12 500,75``), and the character
#: after them that would be the decimal mark (none in ``1 250``): the number matches
#: :func:`_grouped` with ``' '`` and that mark
_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}(?: \d{3})+(?:([^\d\s])\d*)?$")


def _spaced(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _space_marks(core: pd.Series) -> frozenset[str]:
    """The decimal marks with which some value of ``core`` (number text) groups its
    digits by three with spaces (see :data:`_SPACE_GROUPED`; ``""``: with any)."""
    spaced = (_SPACE_GROUPED.match(_spaced(v)) for v in core
              if isinstance(v, str) and _SPACE_IN_NUMBER.search(v))  # fmt: skip
    return frozenset(grouped.group(1) or "" for grouped in spaced if grouped)


def _holds_both(text: str, decimal: str) -> bool:
    """Whether number ``text`` groups its digits by three with a thousands separator (the
    other of ``,`` and ``.``, or a space, also the no-break ones) and then holds the
    ``decimal`` mark: ``1,234.50`` and ``1 234.50`` (``.``), ``1.234,50`` and ``1 234,50``
    (``,``). Such a value reads one way only: its last mark is the decimal mark, since a
    thousands separator is followed by three digits and then by another separator or
    the end."""
    other = "," if decimal == "." else "."
    spaced = _spaced(text)
    return decimal in spaced and any(_grouped(t, decimal).match(spaced) for t in (other, " "))


def _decimal(decimal: str | None, thousands: str | None, read: MoneyText) -> str:
    """The decimal mark to read with: ``decimal`` when given; else the one that the values
    of the data holding both marks settle (``1,234.50``: ``.``, ``1.234,50``: ``,``;
    ``read.both``, see :func:`_holds_both`), unless ``thousands`` is that mark; else
    ``.``. Values that settle both marks are refused before
    (:meth:`MoneyText.one_decimal`)."""
    if decimal is not None:
        return decimal
    settled = read.settling(thousands)
    return settled[0][0] if len(settled) == 1 else "."


def _thousands(decimal: str, thousands: str | None, read: MoneyText) -> str | None:
    """The thousands separator to read with: ``thousands`` when given; a space when some
    value of the data groups its digits by three with one (``1 250``, ``12 500,75`` with
    the decimal mark ``,``: ``read.spaced``): a space is no decimal mark, so it can only
    group thousands, and a value whose spaces do not group by three is then refused as
    holding a separator out of place; with the decimal mark ``,``, ``.`` when some value
    of the data holds a ``,`` (``read.comma``: then a ``.`` cannot be a decimal mark:
    ``1.234,56``, or ``1.234`` next to ``5,5``); with the decimal mark ``.``, ``,`` when
    some value of the data holds a ``,`` before its decimal point, grouping digits by
    three (``1,234.56``: ``read.both``, see :func:`_holds_both`); else none."""
    if thousands is not None:
        return thousands
    if read.spaced & {"", decimal}:
        return " "
    if decimal == ".":
        return "," if read.both[1] else None
    if decimal != ",":
        return None
    return "." if read.comma else None


#: a number whose one '.' has three digits after it, behind a group that may lead a
#: grouping of thousands: 1.627 is 1627 with '.' grouping thousands, else one and a bit
_DOT_BEFORE_THREE = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")


def _only_decimal(mark: str, other: str) -> re.Pattern[str]:
    """Numbers that read only with ``mark`` as the decimal mark: ``mark`` is their last
    separator and has not three digits after it (``2,55``), or follows a zero (``0,125``)
    or digits grouped by ``other`` (``1.250,5``)."""
    m, o = re.escape(mark), re.escape(other)
    return re.compile(rf"^[+-]?(?:\d[\d{o}]*{m}(?:\d{{1,2}}|\d{{4,}})|0{m}\d+"
                      rf"|\d{{1,3}}(?:{o}\d{{3}})+{m}\d+)$")


#: numbers that read only with a decimal comma, and only with a decimal point
_ONLY_COMMA, _ONLY_POINT = _only_decimal(",", "."), _only_decimal(".", ",")


_PREFIX = re.compile(rf"^({CURRENCY})\s*")
_SUFFIX = re.compile(rf"\s*({CURRENCY})$")
#: a unit written after a quantity (``2 PCS``, ``3 pcs``, ``1 kg``, ``4 Stk.``): letters
_UNIT = re.compile(r"(?<=\d)\s*([^\W\d_]+\.?)$")
#: zero as Excel's accounting formats show it: a dash (or an en dash) beside the
#: currency ('$ -', '- €', 'USD -') or alone ('-', the format without a currency, as
#: accounting exports write 0 in any number column)
_DASH_ZERO = re.compile(rf"^(?:({CURRENCY})\s*[-\u2013]|[-\u2013]\s*({CURRENCY})|[-\u2013])$")
#: number text with nothing around it: no sign, brackets or trailing minus to read
_BARE = re.compile(r"^[+-]?[\d.,'\s]*\d[\d.,'\s]*(?:[eE][+-]?\d+)?$")


#: a currency sign or a quantity's unit as read: (as written, the first value carrying
#: it, the file that value is in, when the data is several files)
Seen = tuple[str, str, str | None]


def _joined(first: tuple[Seen, ...], later: tuple[Seen, ...], key: Any) -> tuple[Seen, ...]:
    """``first``, then what ``later`` adds: one entry for each ``key`` of what is written."""
    keys = {key(s[0]) for s in first}
    return first + tuple(s for s in later if key(s[0]) not in keys)


def _unit_key(unit: str) -> str:
    return unit.casefold()


def _in(where: str | None) -> str:
    return f" in {where}" if where else ""


@dataclass(frozen=True)
class MoneyText:
    """What the text of a money or quantity column held besides its numbers, and how
    its numbers are written, over the data read (one file; on Dask every partition, put
    together with :meth:`then`):

    - ``signs``: the currency signs or ISO codes read off (one is allowed), ``units``
      the units read off a quantity (``2 PCS``), each with its first value and file;
    - ``brackets`` and ``trailing``: the first accounting negatives read, ``(27.50)``
      and ``27.50-``; ``zero``, the first zero written as a dash, beside the currency
      (``$ -``, Excel's accounting format) or alone (``-``, ``–``);
    - the shapes that decide how ``.`` and ``,`` read (see :func:`number_column`):
      ``comma``, some value holds a ``,``; ``dotted``, the first value holding a ``.``
      (and its file); ``decimal_dot``, some such value shows ``.`` marks decimals
      (``2.55``, ``0.125``, ``1627.5``); ``spaced``, the decimal marks with which some
      value groups its digits by three with spaces (``1 250``: any, ``""``; ``12 500,75``:
      ``,``), so that a space groups thousands;
    - ``marks``: the first value that reads only with a decimal comma (``2,55``) and the
      first that reads only with a decimal point (``2.55``), each with its file: files
      that disagree on the mark are refused by :meth:`one_mark`;
    - ``both``: the first value holding both marks, digits grouped by three before the
      last (``1.234,50`` or ``1 234,50``), and the first holding them the other way
      (``1,234.50`` or ``1 234.50``), each with its file: such a value settles the
      decimal mark of the whole column when none is given (:func:`_decimal`), and a
      column whose values settle both, or that also holds a value reading only with the
      other mark, is refused by :meth:`one_decimal`."""

    signs: tuple[Seen, ...] = ()
    brackets: str | None = None
    trailing: str | None = None
    units: tuple[Seen, ...] = ()
    comma: bool = False
    dotted: tuple[str, str | None] | None = None
    decimal_dot: bool = False
    zero: str | None = None
    spaced: frozenset[str] = frozenset()
    marks: tuple[tuple[str, str | None] | None, tuple[str, str | None] | None] = (None, None)
    both: tuple[tuple[str, str | None] | None, tuple[str, str | None] | None] = (None, None)

    @property
    def symbol(self) -> str | None:
        """The currency sign or code, as first written."""
        return self.signs[0][0] if self.signs else None

    @property
    def example(self) -> str | None:
        """The first value carrying :attr:`symbol`."""
        return self.signs[0][1] if self.signs else None

    def then(self, later: MoneyText) -> MoneyText:
        """What this part of the data and the ``later`` one held, together."""
        return MoneyText(
            signs=_joined(self.signs, later.signs, currency_sign),
            brackets=self.brackets or later.brackets,
            trailing=self.trailing or later.trailing,
            units=_joined(self.units, later.units, _unit_key),
            comma=self.comma or later.comma,
            dotted=self.dotted or later.dotted,
            decimal_dot=self.decimal_dot or later.decimal_dot,
            zero=self.zero or later.zero,
            spaced=self.spaced | later.spaced,
            marks=(self.marks[0] or later.marks[0], self.marks[1] or later.marks[1]),
            both=(self.both[0] or later.both[0], self.both[1] or later.both[1]),
        )

    def settling(self, thousands: str | None) -> list[tuple[str, tuple[str, str | None]]]:
        """The decimal marks that values holding both marks settle (:attr:`both`), each
        with its first such value and file, but for the ``thousands`` separator given."""
        return [(mark, seen) for mark, seen in zip(",.", self.both, strict=True)
                if seen is not None and mark != thousands]  # fmt: skip

    def one_decimal(self, name: str, decimal: str | None, thousands: str | None) -> None:
        """Refuse a column (``name``) read with no ``decimal`` mark given whose values
        holding both marks settle one decimal mark (``1,234.50``: ``.``) while others
        read only with the other mark (``1.234,50`` or ``2,55``): no one mark reads them
        all, and reading them with either refuses the others as not numbers, advising
        the flag that refuses the first ones. ``thousands``: the separator given
        (``None``: none)."""
        settled = dict(self.settling(thousands))
        if decimal is not None or not settled:
            return
        comma = settled.get(",") or (self.marks[0] if "." in settled else None)
        point = settled.get(".") or (self.marks[1] if "," in settled else None)
        if comma is None or point is None:
            return
        where = comma[1] if comma[1] == point[1] else None  # one file: named once
        if where is not None:
            comma, point = (comma[0], None), (point[0], None)
        raise ValueError(
            f"column {name!r}{_in(where)} mixes decimal marks: {comma[0]!r}{_in(comma[1])} has "
            f"a decimal comma and {point[0]!r}{_in(point[1])} a decimal point (a value "
            "holding both ',' and '.' marks decimals with the last); write all the numbers "
            "with one mark, or pass the file's --decimal (',' or '.') to have the others "
            "listed."
        )

    def one_mark(self, name: str) -> None:
        """Refuse a column (``name``) whose files disagree on the decimal mark: one writes
        ``2,55``, another ``2.55``. No one ``--decimal`` reads both, and each file's
        refusal would advise the mark that the other file refuses."""
        comma, point = self.marks
        if comma is None or point is None or comma[1] is None or point[1] is None:
            return
        if comma[1] == point[1]:  # one file that mixes them: its values are refused
            return
        raise ValueError(
            f"the files disagree on the decimal mark of column {name!r}: {comma[1]} writes "
            f"{comma[0]!r} (a decimal comma) and {point[1]} writes {point[0]!r} (a decimal "
            "point), and a run reads one mark; convert the numbers of one file to the "
            f"other's mark, or run the files separately (--decimal ',' for {comma[1]})."
        )

    def one_currency(self, name: str) -> None:
        """Refuse a column (``name``) whose amounts are in more than one currency."""
        if len(self.signs) <= 1:
            return
        shown = " and ".join(f"{currency_sign(s)!r} (e.g. {v!r}{_in(where)})"
                             for s, v, where in self.signs)  # fmt: skip
        files = any(where for _, _, where in self.signs)
        raise ValueError(f"column {name!r} mixes currencies: {shown}; convert the amounts "
                         f"to one currency in the file{'s' if files else ''}, or split the "
                         f"{'data' if files else 'file'} by currency.")  # fmt: skip

    def one_reading(self, name: str, told: bool, mark: str | None) -> None:
        """Refuse a column (``name``) whose ``.`` may group thousands as well as mark
        decimals: every value holding one has three digits after it (``1.627`` next to
        ``85``), and neither the decimal mark was ``told`` nor a thousands ``mark`` is
        read with."""
        if told or mark is not None or self.dotted is None or self.decimal_dot:
            return
        both, where = self.dotted
        whole = both.replace(".", "")
        raise ValueError(
            f"column {name!r} reads two ways: every value with a '.' has three digits after "
            f"it (e.g. {both!r}{_in(where)}), so '.' may group thousands ({both} = "
            f"{int(whole)}) or mark decimals ({both}); pass --decimal ',' --thousands '.' if "
            "it groups thousands, or --decimal '.' if it marks decimals."
        )

    def check(self, name: str, decimal: str | None, thousands: str | None) -> None:
        """Refuse the column (``name``) read with the ``decimal`` mark and ``thousands``
        separator given (``None``: not given) as :func:`number_column` would, before its
        values are read: mixed currencies, files or values that disagree on the decimal
        mark, or a ``.`` that reads two ways."""
        self.one_currency(name)
        self.one_mark(name)
        self.one_decimal(name, decimal, thousands)
        self.one_reading(name, decimal is not None,
                         _thousands(_decimal(decimal, thousands, self), thousands, self))

    def notes(self, name: str) -> list[str]:
        """What was read, in plain sentences (without a final period)."""
        said = []
        if self.symbol:
            said.append(f"amounts in column {name!r} read without their {self.symbol!r} sign "
                        f"(e.g. {self.example!r})")  # fmt: skip
        if self.units:
            shown = " and ".join(f"{unit!r} (e.g. {value!r})" for unit, value, _ in self.units)
            said.append(f"quantities in column {name!r} read without their "
                        f"unit{'s' if len(self.units) > 1 else ''} {shown}")  # fmt: skip
        for text, how in ((self.brackets, "in brackets"), (self.trailing,
                                                            "with a minus at the end")):
            if text:
                said.append(f"amounts {how} in column {name!r} read as negative (e.g. "
                            f"{text!r})")  # fmt: skip
        if self.zero:
            said.append(f"values shown as a dash in column {name!r} read as 0, as "
                        f"spreadsheets show 0 in the accounting format (e.g. {self.zero!r})")
        return said


def _money_parts(
    text: str, quantity: bool = False
) -> tuple[str, str | None, str | None] | None:
    """A money value as (number text, currency sign or code, negative style): ``£1.50``,
    ``15,30 €``, ``EUR 12``, ``-£4``, ``£-4``, ``(27.50)``, ``($ 27.50)``, ``27.50-``;
    the style is ``"-"``, ``"brackets"`` or ``"trailing"``. ``None``: two negatives.
    A ``quantity`` carries no currency but may carry a unit after it (``2 PCS``,
    ``1 kg``), returned in the currency's place."""
    core, symbol, negative = text, None, None
    for _ in range(2):  # '($ 27.50)' and '$ (27.50)', '-£4' and '£-4'
        for style, found in (("brackets", core.startswith("(") and core.endswith(")")),
                             ("trailing", len(core) > 1 and core.endswith("-")),
                             ("-", len(core) > 1 and core.startswith("-"))):  # fmt: skip
            if found:
                if negative:
                    return None
                negative = style
                core = core[1:-1] if style == "brackets" else (
                    core[:-1] if style == "trailing" else core[1:])  # fmt: skip
                core = core.strip()
        if symbol is None and (m := _UNIT.search(core) if quantity
                               else _PREFIX.match(core) or _SUFFIX.search(core)):  # fmt: skip
            symbol, core = m.group(1), (core[m.end():] if m.start() == 0 else core[:m.start()])
    return core, symbol, negative


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """The codes and distinct values of ``values``, and those values as stripped text
    (the missing-value words missing)."""
    codes, uniq = pd.factorize(values.astype(object), use_na_sentinel=True)
    text = pd.Series(uniq, dtype=object).map(lambda v: v.strip() if isinstance(v, str) else v)
    return codes, uniq, text.where(~text.isin(NA_TOKENS))


def _money_text(
    text: pd.Series, role: str, where: str | None = None
) -> tuple[pd.Series, np.ndarray, MoneyText]:
    """``text`` (distinct stripped values, from the file ``where``) without currency
    signs (a quantity's units) and accounting negatives: the number text, which values
    are negative, and what was read. The minus sign ``−`` (U+2212, as typeset reports
    write it) is a minus, as ``-``. A dash alone (``-``, or the en dash ``–``) is 0, as
    accounting exports write it in any number column. A quantity column carries no
    currency: a sign there is not read off (the value is not a number), nor is a dash
    beside one (``$ -``) read as the zero of the accounting format, as in a money
    column."""
    quantity = role == "quantity"
    core = text.map(lambda v: v.replace("\u2212", "-") if isinstance(v, str) else v)
    negative = np.zeros(len(text), dtype=bool)
    found: dict[str, Seen] = {}  # sign (or unit) -> as written, first value carrying it
    first: dict[str, str] = {}  # negative style (or "zero") -> first value written so
    for i in np.flatnonzero(core.map(lambda v: isinstance(v, str) and not _BARE.match(v))):
        zero = _DASH_ZERO.match(core.iat[i])  # '$ -' or '-': 0
        if zero and not (quantity and zero.lastindex):  # a quantity's: only a dash alone
            core.iat[i] = "0"
            if symbol := zero.group(1) or zero.group(2):
                found.setdefault(currency_sign(symbol), (symbol, text.iat[i], where))
            first.setdefault("zero", text.iat[i])
            continue
        parts = _money_parts(core.iat[i], quantity)
        if parts is None:
            continue
        core.iat[i], symbol, style = parts
        negative[i] = style is not None
        if symbol is not None:
            key = _unit_key(symbol) if quantity else currency_sign(symbol)
            found.setdefault(key, (symbol, text.iat[i], where))
        if style in ("brackets", "trailing"):
            first.setdefault(style, text.iat[i])
    dotted = core[core.map(lambda v: isinstance(v, str) and "." in v)]
    read = MoneyText(
        signs=() if quantity else tuple(found.values()),
        brackets=first.get("brackets"),
        trailing=first.get("trailing"),
        zero=first.get("zero"),
        units=tuple(found.values()) if quantity else (),
        comma=bool(core.map(lambda v: isinstance(v, str) and "," in v).any()),
        dotted=(str(dotted.iloc[0]), where) if len(dotted) else None,
        decimal_dot=not dotted.str.match(_DOT_BEFORE_THREE).all(),
        spaced=_space_marks(core),
        marks=(_first_match(core, text, _ONLY_COMMA.match, where),
               _first_match(core, text, _ONLY_POINT.match, where)),
        both=_both_marks(core, text, where),
    )
    return core, negative, read


#: a mark or a space, then later a mark: what a value holding both marks has at least
_TWO_MARKS = re.compile("[.,\\s\u00a0\u202f].*[.,]")


def _both_marks(core: pd.Series, text: pd.Series, where: str | None) -> tuple[
        tuple[str, str | None] | None, tuple[str, str | None] | None]:  # fmt: skip
    """:attr:`MoneyText.both`: the first value holding both marks with a decimal comma,
    and with a decimal point (:func:`_holds_both`), looked for only among the values
    with two marks at all (one vectorised pass: most columns have none, and the test
    of each value costs a second of a million)."""
    some = core.str.contains(_TWO_MARKS, na=False).to_numpy(dtype=bool)
    core, text = core[some], text[some]
    return (_first_match(core, text, functools.partial(_holds_both, decimal=","), where),
            _first_match(core, text, functools.partial(_holds_both, decimal="."), where))


def _first_match(core: pd.Series, text: pd.Series, matches: Callable[[str], object],
                 where: str | None) -> tuple[str, str | None] | None:  # fmt: skip
    """The first value (as written in ``text``) whose number text ``core`` ``matches``
    (a pattern's ``match``, or a test), with its file ``where``; ``None`` when none does."""
    found = core.map(lambda v: isinstance(v, str) and bool(matches(v)))
    return (str(text[found].iloc[0]), where) if found.any() else None


def money_text(values: pd.Series, role: str, where: str | None = None) -> MoneyText:
    """What the text of ``values`` (a money column, or the quantity column: ``role``)
    held besides its numbers, from the file ``where`` (see :class:`MoneyText`): on Dask,
    each partition's, put together before any is read as numbers, so that every
    partition is read as the whole data reads (:func:`number_column`'s ``whole``)."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return MoneyText()
    return _money_text(_distinct_text(values)[2], role, where)[2]


def number_column(
    values: pd.Series, name: str, role: str, decimal: str | None,
    thousands: str | None = None, whole: MoneyText | None = None,
) -> tuple[pd.Series, MoneyText]:  # fmt: skip
    """Money or quantities as numbers (float64, or int64 when every value is a whole
    number as text, as pandas reads them), and what their text held besides.

    Text is read with the file's decimal mark and thousands separator (see
    :func:`_thousands`), strictly: a value with a separator out of place is not a
    number, and is refused with examples. One currency sign or code before or after the
    number (``£15.30``, ``15,30 €``, ``$ 4``, ``EUR 12``: a sign, or an ISO 4217 code of
    :data:`ISO_4217`) is read off (the minus sign ``−`` U+2212 is a minus, as ``-``),
    as are accounting negatives (``(27.50)``, ``27.50-``) and zeros (``$ -``, ``USD -``:
    a dash beside the sign, read as 0 in the column's currency): :class:`MoneyText`
    says what was read, and a column of several currencies is refused. A dash alone
    (``-``, or the en dash ``–``), as accounting exports write 0 without a currency, is
    read as 0, in a money or a quantity column, and said: not refused, nor missing,
    since it is how the spreadsheet showed a cell holding 0 (read from the workbook,
    pandas gives 0); its line then follows the rules for amounts, prices and
    quantities of 0, removed by the cleaning and counted with them, as a line with an
    empty cell there is. A quantity (``role`` ``"quantity"``) carries no currency; a
    unit after it (``2 PCS``, ``1 kg``) is read off instead, and said.

    ``decimal`` ``None`` is ``.`` unless the column says otherwise. A value holding
    both a thousands separator and a decimal mark, digits grouped by three before the
    last mark (``1,234.50``, ``1.234,50``, ``1 234,50``: see :func:`_holds_both`),
    reads one way only, its last mark the decimal mark: it settles the decimal mark and
    the thousands separator of the whole column, so that ``1.627`` is 1.627 in a column
    holding ``1,234.50`` and 1627 in one holding ``1.234,50``. A column whose values
    settle both marks, or that holds beside them a value reading only with the other
    mark (``2,55`` beside ``1,234.50``), is refused naming ``--decimal``
    (:meth:`MoneyText.one_decimal`); so is a value holding both ``,`` and ``.`` whose
    digits are not grouped by three (``1,23.5``). When nothing settles the mark, no
    ``thousands`` separator is given and every value holding a ``.`` has three digits
    after it (``1.627`` next to ``85``), ``.`` may as well group thousands, and the
    column is refused naming both readings. With ``decimal`` ``.`` given, a value such
    as ``1,234.50`` makes ``,`` the thousands separator, as with ``,`` given a value
    holding a ``,`` makes it ``.``. The text is read one distinct value at a time.

    ``whole``: what the whole column held (:func:`money_text`), when ``values`` are a
    part of it (a Dask partition); the currency and the reading of ``.`` and ``,`` are
    decided by it, so that each part reads as the whole does. By default, ``values``."""
    if pd.api.types.is_bool_dtype(values.dtype):
        raise ValueError(f"column {name!r} holds true/false, not numbers; pass --{role} COL.")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values, MoneyText()
    told = decimal is not None
    codes, uniq, text = _distinct_text(values)
    text, negative, read = _money_text(text, role)
    whole = whole or read
    whole.one_currency(name)
    whole.one_decimal(name, decimal, thousands)
    settled = None if told else next(iter(whole.settling(thousands)), None)
    decimal = _decimal(decimal, thousands, whole)
    mark = _thousands(decimal, thousands, whole)
    numbers = pd.to_numeric(_plain_text(text, decimal, mark), errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        examples = list(dict.fromkeys(str(v) for v in uniq[bad.to_numpy()]))[:3]
        cores = [str(v) for v in text[bad]][:3]
        shown = ", ".join(repr(v) for v in examples)
        if mark is None and any("," in v and "." in v and not _holds_both(v, ",")
                                and not _holds_both(v, ".") for v in cores):  # fmt: skip
            fix = ("a value holding both ',' and '.' marks decimals with the last and groups "
                   "thousands with the other, three digits to a group, which those cells do "
                   "not; fix them, or pass the file's --decimal and --thousands")
        elif decimal == "." and any(_DECIMAL_COMMA.match(v) for v in cores):
            fix = "if ',' is the decimal mark, pass --decimal ','"
        elif decimal == "." and mark in (None, " ") and any(
                _grouped(" ", ",").match(_spaced(v)) for v in cores):  # fmt: skip
            fix = "if ',' is the decimal mark and ' ' separates thousands, pass --decimal ','"
        elif mark != " " and any(_SPACE_IN_NUMBER.search(v) for v in cores):
            fix = ("those cells hold a space between digits that does not group them by "
                   "three, as thousands grouped by ' ' (--thousands ' ') are; fix them")
        elif mark is None and decimal == "." and any(_grouped(",", ".").match(v)
                                                     for v in cores):  # fmt: skip
            fix = "if ',' separates thousands, pass --thousands ','"
        elif mark is None and decimal == "." and any(_grouped(".", ",").match(v)
                                                     for v in cores):  # fmt: skip
            fix = "if '.' separates thousands, pass --decimal ',' --thousands '.'"
        elif decimal != "." and mark is None and any(_grouped(".", decimal).match(v)
                                                     for v in cores):  # fmt: skip
            fix = (f"with --decimal {decimal!r} and no value holding {decimal!r}, "
                   f"{examples[0]!r} could be read either way: pass --thousands '.' if "
                   "'.' separates thousands")  # fmt: skip
        elif decimal != "." or mark:
            why = f" (as {settled[1][0]!r} writes it)" if settled else ""
            sep = f" and thousands grouped by {mark!r}" if mark else ""
            fix = (f"with the decimal mark {decimal!r}{why}{sep}, those cells hold a "
                   "separator out of place; fix them, or pass the file's --decimal and "
                   "--thousands")
        else:
            fix = f"fix those cells or pass the right column with --{role} COL"
        count = int(np.isin(codes, np.flatnonzero(bad.to_numpy())).sum())
        raise ValueError(
            f"column {name!r} has {count} value(s) that are not numbers, e.g. {shown}; {fix}."
        )
    whole.one_reading(name, told, mark)
    numbers = numbers.where(~negative, -numbers)
    if pd.api.types.is_integer_dtype(numbers.dtype) and (codes >= 0).all():
        out = numbers.to_numpy()[codes]  # whole numbers, none missing: as pandas reads them
    else:
        out = np.append(numbers.to_numpy(np.float64), np.nan)[codes]  # code -1: missing
    return pd.Series(out, index=values.index, name=values.name), read


def money_read(money: dict[str, MoneyText]) -> tuple[str | None, list[str]]:
    """The currency sign the money columns (by name) carried, and the notes on what was
    read; columns in different currencies are refused."""
    signs = {name: currency_sign(m.symbol) for name, m in money.items() if m.symbol}
    if len(set(signs.values())) > 1:
        shown = " and ".join(f"{name!r} in {sign!r}" for name, sign in signs.items())
        raise ValueError(f"the money columns are in different currencies: {shown}; convert "
                         "them to one currency in the file.")  # fmt: skip
    notes = [note for name, m in money.items() for note in m.notes(name)]
    return next(iter(signs.values()), None), notes


#: lines (or sheet rows) looked at for the column names when the first does not hold them
HEADER_SEARCH_ROWS = 20


def _recognised(header: list[str], given: dict[str, str | None]) -> bool:
    try:
        TransactionColumns.recognise(header, **given)
    except ValueError:
        return False
    return True


def _searched(opts: ReadOptions) -> bool:
    """Whether the column names may be looked for under a title (none were given)."""
    return opts.header and opts.names is None and opts.header_row is None


def _table_sheet(path: Path, opts: ReadOptions, given: dict[str, str | None]) -> str | None:
    """The sheet of an xlsx workbook to read: ``opts.sheet`` (a name or a position), else
    the first sheet whose first row (or one of its first :data:`HEADER_SEARCH_ROWS`
    rows, under a title) has the columns of a transaction table (with the columns
    ``given``); ``None`` for other files."""
    if path.suffix.lower() not in EXCEL_SUFFIXES or not path.is_file():
        return None
    if importlib.util.find_spec("openpyxl") is None:
        return None  # the read says which package to install
    from rfm.io._xlsx import sheet_headers, sheet_name, sheet_rows

    if opts.sheet is not None:
        return sheet_name(path, opts.sheet)
    sheets = sheet_headers(path)
    for name, header in sheets:
        if opts.names is not None:
            header = list(opts.names) if len(opts.names) == len(header) else []
        if opts.header_row is not None:
            header = next((r for n, r in sheet_rows(path, name, opts.header_row)
                           if n == opts.header_row), [])  # fmt: skip
        if _recognised(header, given) or (_searched(opts) and any(
                _recognised(r, given) for _, r in sheet_rows(path, name, HEADER_SEARCH_ROWS))):
            return name
    if len(sheets) <= 1:
        return sheets[0][0] if sheets else None  # the read explains what is missing
    shown = "; ".join(f"{name!r}: {', '.join(header[:6]) or 'empty'}" for name, header in sheets)
    raise ValueError(
        f"no sheet of {path.name} has the columns of a transaction table (customer, date, "
        f"money) by name ({shown}); pick the sheet with --sheet NAME|N and name its columns "
        "with --customer, --date and --amount (or --quantity and --price)."
    )


def find_header(
    path: str | os.PathLike[str], opts: ReadOptions, given: dict[str, str | None]
) -> tuple[ReadOptions, list[str]]:
    """``opts`` with the line (or sheet row) of the column names, and the note saying
    which: the first line when its columns are recognised (with the columns ``given``),
    else the first of the first :data:`HEADER_SEARCH_ROWS` that has them, under a title
    such as ``Sales report 2023-2024``. None has: the first line's refusal, which names
    ``--header-row`` when that line has fewer fields than one below it (a title).

    A sheet whose first row is empty (the table starts on row 2, as spreadsheets are
    often laid out) is read from its first row that is not, or from the first below it
    whose columns are recognised, with a note saying which."""
    header = header_of(path, opts)
    if header is None or not _searched(opts) or (header and _recognised(header, given)):
        return opts, []
    rows = leading_rows(path, opts, HEADER_SEARCH_ROWS)
    if not header and not rows:
        return opts, []  # an empty file or sheet: the read says so
    # an empty first row (of a sheet) is no title: the first row that is not may be the header
    searched = rows[1:] if header else rows
    for number, fields in searched:
        if not _recognised(fields, given):
            continue
        return replace(opts, header_row=number), [_header_note(path, opts, number, rows)]
    if not header:  # none recognised: the first filled row, refused by its names below
        number = rows[0][0]
        return replace(opts, header_row=number), [_header_note(path, opts, number, rows)]
    try:
        TransactionColumns.recognise(header, **given)
    except ValueError as exc:
        said = str(exc).rstrip(".")
        filled = [sum(bool(f) and not f.startswith("Unnamed: ") for f in r) for _, r in rows]
        title = len(filled) > 1 and filled[0] < max(filled[1:])
        # one name holding a separator: the lines may be split by the wrong one
        seps = [s for s in SEPARATORS if len(header) == 1 and opts.sep is None
                and sum(bool(p.strip()) for p in header[0].split(s)) > 1]  # fmt: skip
        if seps:
            raise ValueError(f"{said}; the first line was read as one column: if {seps[0]!r} "
                             f"separates the columns, pass --sep {seps[0]!r}" + (
                                 ", or if that line is a title above the table, pass "
                                 "--header-row N (the line of the column names)"
                                 if title else "") + ".") from None  # fmt: skip
        if title:
            raise ValueError(f"{said}; the first line looks like a title above the table: if "
                             "the column names are on a later line, pass --header-row N (the "
                             "line's number).") from None  # fmt: skip
        raise
    return opts, []


def _header_note(
    path: str | os.PathLike[str], opts: ReadOptions, number: int,
    rows: list[tuple[int, list[str]]],
) -> str:  # fmt: skip
    """The note saying that the column names were read from line (or row) ``number``,
    and what is above it (``rows``: the first lines that are not empty, by number)."""
    where = (f"row {number} of the sheet {opts.sheet!r}" if opts.sheet is not None
             else f"line {number} of {Path(path).name}")  # fmt: skip
    above = [" ".join(f for f in fields if f and not f.startswith("Unnamed: "))
             for n, fields in rows if n < number]  # fmt: skip
    what = "row" if opts.sheet is not None else "line"
    if not above:
        return (f"the column names were read from {where}; the {what}s above it are empty "
                f"(--header-row N picks another {what})")  # fmt: skip
    return (f"the column names were read from {where}, under {_shown_text(above[0])} "
            f"(--header-row N picks another {what})")  # fmt: skip


def _shown_text(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def load_transactions(
    path: str | os.PathLike[str],
    *,
    options: ReadOptions | None = None,
    customer: str | None = None,
    invoice: str | None = None,
    date: str | None = None,
    amount: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
) -> LoadedTransactions:
    """Read ``path`` and type its role columns (see the module docstring).

    Column parameters are as for :meth:`rfm.TransactionColumns.recognise`; ``options``
    as for :func:`rfm.io.reading.read_transactions`, plus the date format.

    Returns
    -------
    LoadedTransactions
        ``frame`` (a new DataFrame: ids as text or integers, dates as datetimes, money as float),
        ``columns`` (:class:`rfm.TransactionColumns`) and ``date_format`` (the format used).

    Raises
    ------
    ValueError
        One line naming the problem and the option that fixes it.
    """
    opts = options or ReadOptions()
    given = {
        "customer": customer,
        "invoice": invoice,
        "date": date,
        "amount": amount,
        "quantity": quantity,
        "price": price,
    }
    sheet = _table_sheet(Path(path), opts, given)
    if sheet is not None:
        opts = replace(opts, sheet=sheet)
    opts, notes = find_header(path, opts, given)
    header = header_of(path, opts)
    text_cols: list[str] = []
    if header:  # None or [] (an empty file): the full read reports the problem
        pre = TransactionColumns.recognise(header, **given)
        text_cols = [c for c in (pre.customer, pre.invoice) if c]
        if is_text_file(path):  # money as written: '1.627' may be 1627 (_number_column)
            text_cols += [c for c in (pre.amount, pre.quantity, pre.price) if c]
    df = read_transactions(path, text_columns=text_cols, options=opts)
    cols = TransactionColumns.recognise([str(c) for c in df.columns], **given)
    roles = cols.roles()
    df = df.copy()
    for role in ("customer", "invoice"):
        if roles[role] and not pd.api.types.is_integer_dtype(df[roles[role]].dtype):
            df[roles[role]] = id_text(df[roles[role]])
    money: dict[str, MoneyText] = {}
    for role in ("amount", "quantity", "price"):
        if roles[role]:
            df[roles[role]], money[roles[role]] = number_column(
                df[roles[role]], roles[role], role, opts.decimal, opts.thousands
            )
    date_col = cols.date
    df[date_col], used = read_date_column(  # the messages name --date-format, --dayfirst
        df[date_col], date_format=opts.date_format, dayfirst=opts.dayfirst, name=date_col,
        options=FLAGS,
    )  # fmt: skip
    currency, said = money_read(money)
    return LoadedTransactions(frame=df, columns=cols, date_format=used, sheet=sheet,
                              currency=currency, notes=notes + said)  # fmt: skip

