"""Read a transaction file: the one reader of :mod:`rfm` (the command, the loader, datasets).

:func:`read_transactions` reads CSV, gzip CSV, Parquet (needs pyarrow) or Excel (needs
openpyxl) by the file's suffix. Which column plays which role is decided from the header
by :meth:`rfm.TransactionColumns.recognise`.

Text files are sniffed first: encoding (byte-order mark, UTF-8, else
Windows-1252), separator (``,`` ``;`` tab ``|`` or aligned columns) and header, so that
ids are read as text and a column name used twice is refused.

Every problem is a ``ValueError`` (``FileNotFoundError`` for a missing file, ``ImportError``
for a missing optional package) with a one-line message that names the file or column
and what to do.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm.columns import ALIASES  # the recognised header spellings, kept importable here
from rfm.io._sniff import (
    _UNREADABLE,
    WHITESPACE,
    Sniffed,
    field_kind,
    line_count,
    long_record,
    mixed_encodings,
    sniff_text,
    swallowed,
    swallowing_record,
    truncated_message,
)

__all__ = ["ALIASES", "NA_TOKENS", "ReadOptions", "read_transactions"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")


#: cells that mean "missing" outside id columns (pandas' defaults); in id columns only an
#: empty cell is missing, so customers called NA, None, null or N/A are kept
NA_TOKENS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a transaction file (``rfmseg segment``'s reader flags).

    ``sep`` (``None``: sniffed; ``"whitespace"`` or ``r"\\s+"`` for aligned columns),
    ``decimal`` mark (``None``: the last mark of values holding both, ``,`` in
    ``1.234,56`` and ``.`` in ``1,234.56``, a column mixing the two refused; else
    ``.``, but with no ``thousands`` a money column in which every value holding a
    ``.`` has three digits after it, such as ``1.627``, is refused as ambiguous, since
    ``.`` may group thousands there; ``"."`` says it is the decimal mark),
    ``thousands`` separator of the money columns (``None``: none, but digits grouped by
    three with spaces, ``1 234.56``, group thousands, as does the other mark in values
    holding both, and with the decimal mark ``,`` a column whose values hold ``,`` may
    group thousands with ``.``, as in ``1.234,56``), ``encoding`` (``None``: byte-order mark,
    UTF-16 without one, UTF-8, else Windows-1252), ``header`` (the first row names the
    columns), ``names`` (column names to use instead), ``date_format`` and ``dayfirst``
    (see :func:`rfm.io.dates.parse_date_column`), ``sheet`` of an xlsx workbook (a
    name, or a position counted from 1; ``None``: the first sheet, or with
    :func:`rfm.io.load_transactions` the first whose columns are recognised),
    ``quotes`` (``"`` opens a quoted field; ``False``: it is a plain character, for
    files whose text holds stray quotes such as ``"12 INCH``), ``header_row`` (the line
    of a text file, or row of a sheet, that names the columns, counted from 1 as an
    editor or spreadsheet shows them; the lines above it, a title, are skipped;
    ``None``: the first, or with :func:`rfm.io.load_transactions` the first of
    the first lines whose columns are recognised).
    """

    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    header: bool = True
    names: Sequence[str] | None = None
    date_format: str | None = None
    dayfirst: bool = False
    thousands: str | None = None
    sheet: str | int | None = None
    quotes: bool = True
    header_row: int | None = None


#: names accepted for ``ReadOptions.sep`` besides single characters
SEP_ALIASES = {"tab": "\t", "\\t": "\t", "whitespace": WHITESPACE, "space": WHITESPACE}


def _sep(sep: str | None) -> str | None:
    return SEP_ALIASES.get(sep, sep) if sep else None


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    last = suffixes[-1] if suffixes else ""
    if last in (".parquet", ".pq"):
        return "parquet"
    if last in EXCEL_SUFFIXES:
        return "xlsx"
    if last == ".xls":
        return "xls"
    if any(s in CSV_SUFFIXES for s in suffixes):
        return "csv"
    raise ValueError(
        f"unknown file type {path.name!r}: not a format rfm reads; use .csv, .csv.gz, "
        ".parquet or .xlsx."
    )


def is_text_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is read as delimited text (CSV, TSV, TXT, compressed or not), by
    its name."""
    try:
        return _kind(Path(path)) == "csv"
    except ValueError:
        return False


def _need(package: str, what: str) -> None:
    if importlib.util.find_spec(package) is None:
        raise ImportError(f"reading {what} needs {package}: pip install {package}")


def _check_path(path: Path) -> None:
    if not path.exists():
        several = " (a pattern of several files is read with --dask)" if any(
            c in str(path) for c in "*?[") else ""  # fmt: skip
        raise FileNotFoundError(f"file not found: {path}{several}")
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a transaction file; give one file, or "
                         "pass --dask to read a folder of Parquet files, or a quoted "
                         "pattern of CSV files, as one data set.")
    if not path.is_file():  # reading a pipe or a device may block for ever
        raise ValueError(f"{path} is not a regular file (a pipe or device); save the "
                         "transactions to a file first.")  # fmt: skip
    if path.stat().st_size == 0:
        raise ValueError(f"file is empty: {path}")


def check_unique_names(names: Sequence[str], path: Path) -> None:
    """``ValueError`` naming the columns whose name appears more than once."""
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        seen.setdefault(str(name), []).append(i)
    twice = {n: pos for n, pos in seen.items() if len(pos) > 1}
    if twice:
        which = "; ".join(
            f"{n!r} (columns {', '.join(map(str, pos))})" for n, pos in twice.items()
        )
        raise ValueError(
            f"{path.name} has columns with the same name: {which}; rename them in the file "
            "or pass --names with one name per column."
        )


def read_transactions(
    path: str | os.PathLike[str],
    *,
    text_columns: Sequence[str] = (),
    options: ReadOptions | None = None,
) -> pd.DataFrame:
    """Read a transaction table from CSV (optionally compressed), Parquet or Excel.

    Parameters
    ----------
    path : str or PathLike
        ``.csv``/``.txt``/``.tsv`` (``.gz``/``.zip``/``.bz2``/``.xz`` compressed too),
        ``.parquet``/``.pq`` (needs pyarrow) or ``.xlsx`` (needs openpyxl).
    text_columns : sequence of str
        Columns to read as text (ids: keeps leading zeros and the ``C`` of cancelled
        invoices) when present; in those only an empty cell is missing. In xlsx files
        they get the text Excel displays (``00123`` stays ``00123``).
    options : ReadOptions, optional
        Separator, decimal mark, encoding, header and names for text files.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        A folder, an empty, truncated or unreadable file, unknown suffix, a column name
        used twice, a zip named ``.xlsx`` that is no workbook, a ``.parquet`` file that is
        not Parquet or is damaged.
    ImportError
        The format needs an optional package that is not installed.
    """
    path = Path(path)
    opts = options or ReadOptions()
    _check_path(path)
    kind = _kind(path)
    try:
        if kind == "parquet":
            _need("pyarrow", "Parquet")
            df = _read_parquet(path)
            check_unique_names([str(c) for c in df.columns], path)
        elif kind == "xlsx":
            _need("openpyxl", "Excel")
            from rfm.io._xlsx import read_xlsx, sheet_name

            sheet = sheet_name(path, opts.sheet)
            df = read_xlsx(path, text_columns, sheet, opts.header_row)
            if opts.header_row is not None and len(df.columns) == 0:
                _no_header_row(path, sheet, opts.header_row)
            check_unique_names(list(df.columns), path)
            if opts.names is not None:
                df.columns = _names(opts.names, len(df.columns), path)
        elif kind == "xls":
            _need("xlrd", "old .xls workbooks")
            sheet = opts.sheet if opts.sheet is not None else 0
            if isinstance(sheet, str) and sheet.isdigit():
                sheet = int(sheet) - 1  # positions count from 1, as --sheet N
            df = pd.read_excel(path, dtype={c: str for c in text_columns}, sheet_name=sheet)
        else:
            df = read_csv_text_ids(path, text_columns, options=opts)
    except pd.errors.EmptyDataError:  # a ValueError: must come first
        raise ValueError(f"file is empty (no header, no rows): {path}") from None
    except EOFError:
        raise ValueError(truncated_message(path)) from None
    except (OSError, pd.errors.ParserError, UnicodeError, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"cannot read {path.name}: {first}") from None
    if len(df) == 0:
        raise ValueError(f"file has a header but no rows: {path}")
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    """The table of a Parquet file; a file that is none (no Parquet marks at its end: cut
    short, or another kind of file) or whose data do not decode is a ``ValueError`` in
    words rather than pyarrow's."""
    import pyarrow as pa

    try:
        return pd.read_parquet(path)
    except (pa.ArrowInvalid, OSError) as exc:  # (pyarrow's IO errors are OSErrors)
        if isinstance(exc, PermissionError):  # said as for any file that cannot be opened
            raise
        raise ValueError(f"{path.name} is not a Parquet file, or it is damaged; copy or "
                         "write it again.") from None  # fmt: skip


def _names(names: Sequence[str], width: int, path: Path) -> list[str]:
    names = [str(n).strip() for n in names]
    if len(names) != width:
        raise ValueError(
            f"--names gives {len(names)} name(s) but {path.name} has {width} column(s)."
        )
    check_unique_names(names, path)
    return names


def read_csv_text_ids(
    path: Path, text_columns: Sequence[str], *, options: ReadOptions | None = None
) -> pd.DataFrame:
    """Read a (possibly compressed) CSV/TSV/TXT with ``text_columns`` kept as text.

    The separator and encoding are sniffed from the first 64 KiB unless ``options``
    gives them (byte-order mark, else UTF-16/32 by its NUL bytes, else UTF-8, else
    Windows-1252; the separator that splits the first lines evenly); when the whole file
    turns out not to be UTF-8 it is read again as Windows-1252, unless part of it is
    UTF-8 text (``Zoë``), which that would garble: such a file is refused. Names in
    ``text_columns`` that the file lacks are ignored. Column names used twice are refused.
    A quote that opens a cell and does not close on its line (``"12 INCH``) swallows the
    rows after it into that cell: refused, naming the line (see :func:`no_swallowed_rows`).
    """
    path = Path(path)
    encoding, kwargs = csv_options(path, text_columns, options)
    guessed = not (options and options.encoding)
    if guessed and encoding == "cp1252":  # the start is not UTF-8: is the rest?
        _one_encoding(path)
    try:
        try:
            df = pd.read_csv(path, encoding=encoding, low_memory=False, **kwargs)
        except UnicodeDecodeError:
            if not guessed or encoding != "utf-8":
                raise
            _one_encoding(path)
            try:  # not UTF-8 after the sampled start: Windows-1252, then Latin-1
                encoding = "cp1252"
                df = pd.read_csv(path, encoding=encoding, low_memory=False, **kwargs)
            except UnicodeDecodeError:
                encoding = "ISO-8859-1"
                df = pd.read_csv(path, encoding=encoding, low_memory=False, **kwargs)
    except pd.errors.ParserError as exc:
        if _UNCLOSED in str(exc):  # a quote that never closes: say where
            no_swallowed_rows(None, path, encoding, kwargs)
        if (many := _TOO_MANY.search(str(exc))) is not None:
            line = (int(many.group(2)), int(many.group(3)))
            raise _too_many_fields(path, encoding, kwargs, line=line) from None
        raise
    no_swallowed_rows(df, path, encoding, kwargs)
    df = no_extra_fields(df, path, encoding, kwargs)
    no_repeated_header(df, path.name, kwargs)
    return df


#: the name of a field past the header's columns, followed by its position and ")"
EXTRA_FIELD = "(extra field "
#: pandas' words for a quote that never closes (the end of the file inside a quoted cell)
_UNCLOSED = "EOF inside string"
#: pandas' words for a line with more fields than the columns
_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _too_many_fields(
    path: Path, encoding: str, kwargs: dict[str, Any], where: str | None = None,
    line: tuple[int, int] | None = None, count: int | None = None,
) -> ValueError:  # fmt: skip
    """The one-line refusal of a line with more fields than the header names: its line and
    both counts, found by reading the file from its start (``where``: a Dask partition,
    not read again, and ``count`` its fields; ``line``: pandas' line number and count,
    when the file cannot be read so)."""
    width = _width(kwargs)
    sep = kwargs["sep"]
    found = None if where else _long_record(path, encoding, kwargs)
    header = "the header has" if kwargs.get("header") == 0 else "--names gives"
    fix = (f"fix that line in the file (a value holding {sep!r} must be in quotes), or "
           "check --sep")  # fmt: skip
    if found is not None:
        at, count, text = found
        return ValueError(f"{path.name}: line {at:,} has {count} fields but {header} {width} "
                          f"({_shown(text)}); {fix}.")  # fmt: skip
    if line is not None:
        return ValueError(f"{path.name}: line {line[0]:,} has {line[1]} fields but {header} "
                          f"{width}; {fix}.")  # fmt: skip
    more = f"{count} fields" if count else "more fields"
    return ValueError(f"{where or path.name}: a line has {more} but {header} {width}; {fix}.")


def _width(kwargs: dict[str, Any]) -> int:
    """The number of columns the header (or ``--names``) gives, the fields past them
    left out (see :func:`csv_options`)."""
    return sum(not str(n).startswith(EXTRA_FIELD) for n in kwargs["names"])


def _long_record(path: Path, encoding: str, kwargs: dict[str, Any]) -> tuple[int, int, str] | None:
    """:func:`rfm.io._sniff.long_record` of ``path`` read with the ``read_csv`` keywords
    ``kwargs`` (:func:`csv_options`): the first line with a field too many, streamed."""
    return long_record(
        path, encoding, kwargs["sep"], _width(kwargs),
        skipinitialspace=kwargs.get("skipinitialspace", False),
        quotes=kwargs.get("quoting", csv.QUOTE_MINIMAL) != csv.QUOTE_NONE)  # fmt: skip


def _quote_never_closes(path: Path, encoding: str, kwargs: dict[str, Any]) -> bool:
    """Whether pandas, reading ``path`` with ``kwargs`` (:func:`csv_options`), stops at the
    end of the file inside a quoted cell (a '"' that never closes). The file is streamed
    in chunks, its first column only, lines of another width let through: what the quotes
    do is all that is asked."""
    if kwargs["sep"] == WHITESPACE or kwargs.get("quoting") == csv.QUOTE_NONE:
        return False
    try:
        with pd.read_csv(path, encoding=encoding, sep=kwargs["sep"], header=None,
                         skiprows=kwargs["skiprows"], usecols=[0], dtype=str,
                         keep_default_na=False, on_bad_lines="skip", chunksize=1 << 16,
                         skipinitialspace=kwargs.get("skipinitialspace", False)) as chunks:
            for _ in chunks:
                pass
    except pd.errors.ParserError as exc:
        return _UNCLOSED in str(exc)
    except _UNREADABLE:  # not a quote: the other checks or the caller say what it is
        return False
    return False


def refuse_unparsable(path: Path, encoding: str, kwargs: dict[str, Any]) -> None:
    """Refuse ``path`` as :func:`read_csv_text_ids` refuses a file pandas cannot read, in
    the same words: a quote that never closes, or a line with a field too many, each
    named by its line (``kwargs``: :func:`csv_options`). For a reader of the file in
    blocks (Dask), whose parser errors count lines from a block's start and name no file.
    The file is streamed, never read whole; a file with neither passes."""
    if _quote_never_closes(path, encoding, kwargs):
        no_swallowed_rows(None, path, encoding, kwargs)
    if _long_record(path, encoding, kwargs) is not None:
        raise _too_many_fields(path, encoding, kwargs)


def no_extra_fields(
    df: pd.DataFrame, path: Path, encoding: str, kwargs: dict[str, Any],
    where: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """``df`` without the fields past the header's columns (see :func:`csv_options`) when
    they are all empty (each data line ends with a separator), else refused naming the
    first line with a field too many."""
    extra = [c for c in df.columns if str(c).startswith(EXTRA_FIELD)]
    if not extra:
        return df
    values = df[extra].astype(object)
    filled = values.notna() & values.map(lambda v: str(v).strip() != "")
    if filled.to_numpy().any():
        count = len(df.columns) - len(extra) + 1 + int(np.flatnonzero(filled.any())[-1])
        raise _too_many_fields(path, encoding, kwargs, where, count=count)
    return df.drop(columns=extra)


def no_repeated_header(df: pd.DataFrame, where: str, kwargs: dict[str, Any],
                       at: bool = True) -> None:  # fmt: skip
    """Refuse lines that repeat the header (an export in pages repeats it on each page),
    naming how many and the first (``at``: the rows of ``df`` are the file's order lines
    from its first, so their count and place are the file's; else only the fact is
    said). Read as order lines, they were refused by the first column that could not
    read them ("'Quantity' is not a number"), with advice that did not fit."""
    names = [str(c) for c in df.columns]
    if kwargs.get("header") != 0 or df.empty:
        return
    repeated = np.ones(len(df), dtype=bool)
    for name in names:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col.dtype):
            return  # a column of numbers holds no column name
        same = col.isna() if name.startswith("Unnamed: ") else (
            col.astype(str).str.strip() == name.strip())  # fmt: skip
        repeated &= same.to_numpy(dtype=bool)
        if not repeated.any():
            return
    count = int(repeated.sum())
    shown = ", ".join(repr(n) for n in names[:2]) + (", …" if len(names) > 2 else "")
    said = (f"{count:,} line{'s' if count > 1 else ''} repeat{'' if count > 1 else 's'} the "
            f"header (the column names {shown}), the first at order line "
            f"{int(np.flatnonzero(repeated)[0]) + 1:,}" if at
            else f"lines repeat the header (the column names {shown})")  # fmt: skip
    raise ValueError(f"{where}: {said}; delete those lines from the file (an export in "
                     "pages repeats its header on each page).")


#: the first bit of a cell shown in a message
_SHOWN = 40


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def no_swallowed_rows(
    df: pd.DataFrame | None, path: Path, encoding: str, kwargs: dict[str, Any],
    where: str | None = None,
) -> None:  # fmt: skip
    """Refuse a table in which some text cell swallowed rows of the file (see
    :func:`rfm.io._sniff.swallowed`): a stray ``"`` (``"12 INCH RECORD SLEEVE``) opens a
    quoted cell that runs to the next ``"``, thousands of lines further, and those rows
    are silently missing. ``df`` ``None``: the quote never closed (pandas stopped at the
    end of the file). The message names the line the quote opens on, found by reading
    the file from its start (``where`` instead, e.g. a Dask partition, when the file is
    not to be read again), and ``--no-quoting``."""
    sep = kwargs["sep"]
    quoted = kwargs.get("quoting", csv.QUOTE_MINIMAL) != csv.QUOTE_NONE
    if sep == WHITESPACE or not quoted:
        return
    width = len(kwargs["names"])
    cells = lines = 0
    first: tuple[int, str, str] | None = None  # (row, column, text)
    kinds: list[set[str]] | None = None  # each column's kinds of values, when needed
    if df is not None:
        for number, name in enumerate(df.columns):
            col = df[name]
            if not (pd.api.types.is_object_dtype(col.dtype)
                    or pd.api.types.is_string_dtype(col.dtype)):  # fmt: skip
                continue
            broken = col[col.str.contains("\n", regex=False, na=False)]
            broken = broken[broken.str.count(re.escape(sep)) >= max(width - 1, 1)]
            if broken.empty:  # no row's worth of separators (a note on two lines)
                continue
            kinds = kinds if kinds is not None else column_kinds(df, width)
            broken = broken[[swallowed(v, sep, width, number, kinds) for v in broken]]
            if broken.empty:
                continue
            cells += len(broken)
            lines += int(broken.str.count("\n").sum())
            row = int(df.index.get_indexer(broken.index[:1])[0])
            if first is None or row < first[0]:
                first = (row, str(name), broken.iloc[0])
        if first is None:
            return
    fix = ("fix the quote in the file, or pass --no-quoting to read '\"' as a plain "
           "character")  # fmt: skip
    found = None if where else swallowing_record(
        path, encoding, sep, width, skipinitialspace=kwargs.get("skipinitialspace", False),
        kinds=kinds)  # fmt: skip
    if df is None:
        if found is None:
            raise ValueError(f"cannot read {path.name}: a '\"' opens a quoted cell that never "
                             f"closes, so the rest of the file is read as one cell; {fix}.")
        opened, _, text = found
        raise ValueError(
            f"{path.name}: line {opened:,} opens a quote that never closes ('\"' before "
            f"{_shown(text)}), so the rest of the file is read as one cell; {fix}."
        )
    assert first is not None
    total = (f"; {cells:,} cells hold {lines:,} lines of the file in all" if cells > 1
             else "")  # fmt: skip
    if found is None:
        raise ValueError(
            f"{where or path.name}: a cell of column {first[1]!r} holds "
            f"{first[2].count(chr(10)):,} lines of the file ({_shown(first[2])}): a '\"' "
            f"opened it and did not close on its line{total}; {fix}."
        )
    opened, ended, text = found
    read = (f"line {ended:,} was" if ended == opened + 1
            else f"lines {opened + 1:,} to {ended:,} were")  # fmt: skip
    raise ValueError(
        f"{path.name}: line {opened:,} opens a quote that does not close on that line "
        f"('\"' before {_shown(text)}), so {read} read into one cell of column "
        f"{first[1]!r}{total}; {fix}."
    )


def column_kinds(df: pd.DataFrame, width: int) -> list[set[str]]:
    """The :func:`rfm.io._sniff.field_kind` of the values of each of the first ``width``
    columns of ``df`` (numbers for a numeric column), leaving out cells on several lines:
    what a line of the file looks like, to tell a row swallowed by a stray quote from an
    address or a note on several lines."""
    kinds: list[set[str]] = []
    for name in df.columns[:width]:
        col = df[name]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
                col.dtype):  # fmt: skip
            kinds.append({"number"} if col.notna().any() else set())
            continue
        values = pd.unique(col.dropna().astype(str))
        kinds.append({field_kind(v) for v in values if "\n" not in v} - {"empty"})
    return kinds + [set()] * (width - len(kinds))


def _one_encoding(path: Path) -> None:
    """Refuse a file that is part UTF-8, part another encoding (see
    :func:`rfm.io._sniff.mixed_encodings`) rather than garble its UTF-8 letters."""
    problem = mixed_encodings(path)
    if problem is not None:
        raise ValueError(problem)


def csv_options(
    path: Path, text_columns: Sequence[str], options: ReadOptions | None = None
) -> tuple[str, dict[str, Any]]:
    """The sniffed encoding and the ``read_csv`` keywords (separator, names, text columns,
    missing values, decimal mark) of :func:`read_csv_text_ids`, for pandas or Dask."""
    opts = options or ReadOptions()
    sniffed = _sniffed(path, opts)
    if opts.header_row is not None and not sniffed.first_row:
        _no_header_line(path, sniffed.encoding, opts.header_row)
    width = len(sniffed.first_row)
    if opts.names is not None:
        names = _names(opts.names, width, path)
    elif opts.header:
        names = [n or f"Unnamed: {i}" for i, n in enumerate(sniffed.first_row)]
        check_unique_names(names, path)
    else:
        names = [f"column{i}" for i in range(1, width + 1)]
    if sniffed.sep != WHITESPACE and sniffed.widest > width:
        # data lines with more fields than the header: a separator at the end of each
        # line (an empty field, dropped after the read) or a line with a field too many
        # (refused by no_extra_fields); named, so pandas neither takes the first column
        # for an index, shifting every column by one, nor drops the extra values
        names = [*names, *(f"{EXTRA_FIELD}{i})" for i in range(width + 1, sniffed.widest + 1))]
    text = set(text_columns)
    kwargs: dict[str, Any] = {
        "sep": sniffed.sep,
        "skiprows": sniffed.skip,
        "header": 0 if opts.header else None,
        "names": names,
        "index_col": False,
        "dtype": {c: str for c in names if c in text},
        "keep_default_na": False,
        "na_values": {c: [""] if c in text else list(NA_TOKENS) for c in names},
        "decimal": opts.decimal or ".",
        "skipinitialspace": sniffed.sep != WHITESPACE,
    }
    if not opts.quotes:
        kwargs["quoting"] = csv.QUOTE_NONE
    return sniffed.encoding, kwargs


def _no_header_line(path: Path, encoding: str, number: int) -> None:
    """Refuse ``--header-row number`` when the file has no text on that line or after it
    (pandas said "file is empty (no header, no rows)")."""
    try:
        count, filled = line_count(path, encoding)
    except _UNREADABLE:
        return  # the read reports the problem
    if count < number:
        raise ValueError(f"--header-row {number}: {path.name} has {count:,} line(s), so there "
                         f"is no line {number:,}; pass the number of the line holding the "
                         "column names (counted from 1, as an editor shows them).")
    if filled < number:
        raise ValueError(f"--header-row {number}: line {number:,} of {path.name} and the "
                         f"lines after it are empty (the last line with text is line "
                         f"{filled:,}); pass the number of the line holding the column names.")


def _no_header_row(path: Path, sheet: str, number: int) -> None:
    """Refuse ``--header-row number`` when that row of ``sheet`` is empty."""
    from rfm.io._xlsx import last_filled_row

    last = last_filled_row(path, sheet)
    where = (f"the sheet {sheet!r} of {path.name} has no value after row {last:,}" if last
             else f"the sheet {sheet!r} of {path.name} is empty")  # fmt: skip
    if last >= number:
        where = f"row {number:,} of the sheet {sheet!r} of {path.name} is empty"
    raise ValueError(f"--header-row {number}: {where}; pass the number of the row holding "
                     "the column names (counted from 1, as the spreadsheet shows them).")


def header_of(
    path: str | os.PathLike[str], options: ReadOptions | None = None
) -> list[str] | None:
    """Column names of a CSV or xlsx file without reading its rows (``None`` otherwise,
    or when the file cannot be read: the full read then reports the problem)."""
    path = Path(path)
    opts = options or ReadOptions()
    try:
        kind = _kind(path)
        if not path.is_file() or kind not in ("csv", "xlsx"):
            return None
        if kind == "xlsx":
            if importlib.util.find_spec("openpyxl") is None:
                return None
            from rfm.io._xlsx import sheet_name, xlsx_header

            header = xlsx_header(path, sheet_name(path, opts.sheet), opts.header_row)
            return _names(opts.names, len(header), path) if opts.names is not None else header
        sniffed = _sniffed(path, opts)
        if opts.names is not None:  # refused by the full read when the count differs
            return _names(opts.names, len(sniffed.first_row), path)
        if not opts.header:
            return [f"column{i}" for i in range(1, len(sniffed.first_row) + 1)]
        return sniffed.first_row
    except Exception:  # the full read reports the problem properly
        return None


def _sniffed(path: Path, opts: ReadOptions, skip_lines: int | None = None) -> Sniffed:
    """:func:`rfm.io._sniff.sniff_text` with the reading options (``skip_lines``: the
    lines above the first row, else those above ``opts.header_row``)."""
    if skip_lines is None and opts.header_row is not None:
        skip_lines = opts.header_row - 1
    return sniff_text(path, encoding=opts.encoding, sep=_sep(opts.sep), quotes=opts.quotes,
                      skip_lines=skip_lines)  # fmt: skip


def leading_rows(
    path: str | os.PathLike[str], options: ReadOptions | None = None, rows: int = 20
) -> list[tuple[int, list[str]]]:
    """The first ``rows`` lines of a CSV file, or rows of an xlsx sheet, that are not
    empty: each with its number (from 1, as an editor or spreadsheet shows it) and its
    fields as column names, for finding the column names under a title (see
    :attr:`ReadOptions.header_row`); ``[]`` for other files or when they cannot be read."""
    path = Path(path)
    opts = options or ReadOptions()
    try:
        kind = _kind(path)
        if kind == "xlsx" and importlib.util.find_spec("openpyxl") is not None:
            from rfm.io._xlsx import sheet_name, sheet_rows

            return sheet_rows(path, sheet_name(path, opts.sheet), rows)
        if kind != "csv" or not path.is_file():
            return []
        found: list[tuple[int, list[str]]] = []
        for above in range(rows):
            first = _sniffed(path, opts, skip_lines=above).first_row
            if not first:
                break
            if found and found[-1][1] == first:  # a blank line: the same row again
                found[-1] = (above + 1, first)
            else:
                found.append((above + 1, first))
        return found
    except Exception:  # the full read reports the problem properly
        return []
