"""Look at the first bytes of a text file: compression, encoding, separator, header.

Used by :mod:`rfm.io.reading` before pandas reads the whole file, so that the reader can
choose the separator and encoding, find the column names (and refuse duplicated ones)
and keep id columns as text.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rfm.io.currencies import CURRENCY

__all__ = [
    "SEPARATORS",
    "WHITESPACE",
    "Sniffed",
    "field_kind",
    "line_count",
    "long_record",
    "mixed_encodings",
    "sniff_text",
    "swallowed",
    "swallowing_record",
    "truncated_message",
]

#: separators tried, in order of preference when several fit equally well
SEPARATORS = (",", ";", "\t", "|")
#: the separator value meaning "columns aligned with spaces or tabs"
WHITESPACE = r"\s+"
SAMPLE_BYTES = 1 << 16
SAMPLE_LINES = 50

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Sniffed:
    """What the first lines of a text file say about it."""

    encoding: str
    sep: str
    first_row: list[str]
    #: lines before the first row (1 for the ``sep=;`` line spreadsheets write)
    skip: int = 0
    #: the most fields of the sampled rows under the first one (more than the first row
    #: has when data lines end with a separator, or one line holds a field too many)
    widest: int = 0


def truncated_message(path: Path) -> str:
    return (
        f"file is truncated: {path.name} (its compressed data ends early); copy or "
        "download it again."
    )


def _open_binary(path: Path) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return gzip.open(path, "rb")
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".xz":
        return lzma.open(path, "rb")
    if suffix == ".zip":
        archive = zipfile.ZipFile(path)
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if len(names) != 1:
            raise ValueError(
                f"{path.name} holds {len(names)} files; a zipped transaction file must "
                "hold exactly one."
            )
        return archive.open(names[0])
    return open(path, "rb")


def _head(path: Path) -> bytes:
    try:
        with _open_binary(path) as stream:
            return stream.read(SAMPLE_BYTES)
    except EOFError:
        raise ValueError(truncated_message(path)) from None


def _encoding(head: bytes, given: str | None) -> str:
    if given:
        try:
            codecs.lookup(given)
        except LookupError:
            raise ValueError(f"--encoding {given!r} is not a known encoding.") from None
        return given
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if b"\x00" in head:
        return _without_bom(head)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"  # Windows' Western encoding: keeps ’ and € (Latin-1 does not)


#: fewest characters (a short header) that tell UTF-16 or UTF-32 by their NUL bytes
MIN_WIDE_CHARACTERS = 16
#: file signatures of formats that are not text, by what to call them
_MAGIC = ((b"\x1f\x8b", "a gzip archive (name it .csv.gz)"),
          (b"PK\x03\x04", "a zip archive or an xlsx workbook (name it .zip or .xlsx)"),
          (b"PAR1", "a Parquet file (name it .parquet)"))  # fmt: skip


def _without_bom(head: bytes) -> str:
    """The encoding of text holding NUL bytes: UTF-16 or UTF-32 without a byte-order mark.

    Text that is mostly ASCII has a 0 byte beside every character in those encodings:
    at odd positions for little-endian UTF-16 (``C\\0u\\0``), at even ones for
    big-endian, three of every four for UTF-32. The layout whose zero places hold
    nearly all the zeros, and that decodes, is it; anything else is refused.
    """
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise ValueError(f"is {what}, not text.")
    sample = head[: len(head) - len(head) % 4]
    layouts = (("utf-32-le", 4, (1, 2, 3)), ("utf-32-be", 4, (0, 1, 2)),
               ("utf-16-le", 2, (1,)), ("utf-16-be", 2, (0,)))  # fmt: skip
    zeros = sample.count(0)
    for name, width, places in layouts:
        n = len(sample) // width  # characters
        at = sum(sample[p::width].count(0) for p in places)
        if n >= MIN_WIDE_CHARACTERS and at >= 0.9 * zeros and at >= 0.5 * n * len(places):
            try:
                sample.decode(name)
            except UnicodeDecodeError:
                continue
            return name
    raise ValueError(
        "holds NUL bytes, so it is not UTF-8 or Windows-1252 text; if it is text, pass its "
        "--encoding (e.g. utf-16-le, utf-16-be)."
    )


def _decode(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head, final=False)


def _lines(text: str, complete: bool) -> list[str]:
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sample
    return [line for line in lines if line.strip()][:SAMPLE_LINES]


def _quoting(quotes: bool) -> int:
    """The ``csv`` quoting of a file whose ``"`` opens quoted fields (``quotes``) or is a
    plain character."""
    return csv.QUOTE_MINIMAL if quotes else csv.QUOTE_NONE


def _even_width(rows: list[list[str]]) -> int:
    """The number of fields every row has, else 0; rows under the header with one field
    more than it (a separator at the end of each data line, as some exports write, or a
    line with a field too many, which the reader refuses by its line) count as even,
    with the header's width, and so do a few rows with one field less (a value left out
    with its separator, read as missing), fewer than the rows of the header's width."""
    counts = {len(row) for row in rows}
    if len(counts) <= 1:
        return counts.pop() if counts else 0
    width = len(rows[0])
    data = [len(row) for row in rows[1:]]
    short = data.count(width - 1)
    if not set(data) <= {width - 1, width, width + 1} or short >= len(data) - short:
        return 0
    return width


def _even_separator(lines: list[str], quoting: int) -> str | None:
    """The separator of :data:`SEPARATORS` that splits every line into the same number
    (>= 2) of fields, the most fields winning, read with ``quoting``; else ``None``."""
    best: tuple[int, int, str] | None = None
    for rank, sep in enumerate(SEPARATORS):
        n = _even_width([row for row in csv.reader(lines, delimiter=sep, quoting=quoting)
                         if row])  # fmt: skip
        if n >= 2 and (best is None or (n, -rank) > best[:2]):
            best = (n, -rank, sep)
    return best[2] if best is not None else None


def _separator(lines: list[str], quotes: bool = True) -> str:
    found = _even_separator(lines, _quoting(quotes))
    if found is None and quotes:
        # a stray '"' (a description such as "12 INCH...) swallows the lines after it;
        # read as plain characters they may split evenly. The read then finds the cell
        # that swallowed lines and says where the quote opens.
        found = _even_separator(lines, csv.QUOTE_NONE)
    if found is not None:
        return found
    counts = {len(line.split()) for line in lines}
    if len(counts) == 1 and counts.pop() >= 2:
        return WHITESPACE
    return ","


def sniff_text(
    path: Path, *, encoding: str | None = None, sep: str | None = None, quotes: bool = True,
    skip_lines: int | None = None,
) -> Sniffed:  # fmt: skip
    """Encoding, separator and first row of a (possibly compressed) text file.

    The encoding is ``encoding`` when given, else the one its byte-order mark names,
    else UTF-16 or UTF-32 when NUL bytes sit where those put them for mostly-ASCII text
    (any other NUL byte is refused), else UTF-8 when the first 64 KiB decode as UTF-8,
    else Windows-1252. The separator
    is ``sep`` when given, else the one of ``,`` ``;`` tab ``|`` that splits the first
    lines into the same number (≥ 2) of fields (the most fields wins), else whitespace
    when that splits them evenly, else ``,``; ``"`` opens a quoted field unless
    ``quotes`` is false, but a separator that only splits the lines evenly with ``"``
    read as a plain character is taken too (a stray quote: the read says where). A
    first line ``sep=;`` (written by spreadsheets) names the separator and is skipped.
    ``skip_lines``: the lines above the first row (a title above the column names),
    counted as an editor counts them, blank ones too.
    """
    head = _head(path)
    try:
        enc = _encoding(head, encoding)
    except ValueError as exc:
        raise ValueError(f"{path.name} {exc}") from None
    text = _decode(head, enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    physical = text.splitlines(keepends=True)
    filled = next((i for i, line in enumerate(physical) if line.strip()), 0)
    hint = re.fullmatch(r"sep=(.)\s*", physical[filled]) if physical else None
    if hint:  # Excel's "sep=;" first line names the separator
        sep = sep or hint.group(1)
    skip = skip_lines if skip_lines is not None else (filled + 1 if hint else 0)
    lines = _lines("".join(physical[skip:]), complete=len(head) < SAMPLE_BYTES)
    chosen = sep or _separator(lines, quotes)
    if not lines:
        rows: list[list[str]] = [[]]
    elif chosen == WHITESPACE:
        rows = [line.split() for line in lines]
    else:
        rows = [r for r in csv.reader(lines, delimiter=chosen, quoting=_quoting(quotes)) if r]
        rows = rows or [[]]
    first = rows[0]
    widest = max((len(r) for r in rows[1:]), default=len(first))
    return Sniffed(encoding=enc, sep=chosen, first_row=[f.strip() for f in first], skip=skip,
                   widest=widest)  # fmt: skip


_INVALID = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape
_UTF8_TEXT = re.compile("[^\x00-\x7f\udc80-\udcff]")  # characters UTF-8 decoded


def _word(text: str, at: int) -> str:
    """The field-like word of ``text`` around position ``at`` (for a message)."""
    start = at
    while start > 0 and text[start - 1] not in " \t\r\n,;|\"'":
        start -= 1
    end = at
    while end < len(text) and text[end] not in " \t\r\n,;|\"'":
        end += 1
    return text[start:end][:40]


def mixed_encodings(path: Path, chunk_bytes: int = 1 << 20) -> str | None:
    """Why ``path`` is not text of one encoding, or ``None`` when it is.

    The whole (decompressed) file is decoded as UTF-8, keeping the bytes that are not
    UTF-8 apart. A file with both, characters that UTF-8 decodes (``Zoë``) and bytes it
    cannot (a Windows-1252 ``é`` pasted in), has no single encoding: read as
    Windows-1252, its UTF-8 letters turn into ``ZoÃ«`` without a word. The message names
    the first line of each and the flag that reads the file one way.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    line = 1
    first_text: tuple[int, str] | None = None
    first_bad: tuple[int, str] | None = None
    try:
        with _open_binary(path) as stream:
            while first_text is None or first_bad is None:
                block = stream.read(chunk_bytes)
                text = decoder.decode(block, final=not block)
                if first_text is None and (m := _UTF8_TEXT.search(text)):
                    first_text = (line + text.count("\n", 0, m.start()), _word(text, m.start()))
                if first_bad is None and (m := _INVALID.search(text)):
                    byte = ord(m.group()) - 0xDC00
                    first_bad = (line + text.count("\n", 0, m.start()), f"0x{byte:02X}")
                line += text.count("\n")
                if not block:
                    break
    except EOFError:
        raise ValueError(truncated_message(path)) from None
    if first_text is None or first_bad is None:
        return None
    return (
        f"{path.name} mixes encodings: line {first_text[0]:,} is UTF-8 ({first_text[1]!r}) "
        f"but line {first_bad[0]:,} holds the byte {first_bad[1]}, which is not; fix that "
        "line, or pass --encoding cp1252 to read the whole file as Windows-1252"
    )


#: a date or date and time as files write them (2024-01-05, 05/01/2024 10:00, 5.1.24)
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\S.*)?$")
#: a number once signs, brackets, currency and grouping are set aside (-£1,234.50)
_NUMBER_LIKE = re.compile(rf"^[-+(\u2212]*\s*(?:{CURRENCY}|[A-Z]{{3}})?\s*[-+(\u2212]*"
                          r"[\d.,'\s\u00a0\u202f]*\d(?:[eE][+-]?\d+)?\s*"
                          rf"(?:{CURRENCY}|[A-Z]{{3}})?\s*[-)]?$")  # fmt: skip


def field_kind(text: str) -> str:
    """What a field looks like: ``"empty"``, ``"date"``, ``"number"`` or ``"text"``."""
    text = text.strip()
    if not text:
        return "empty"
    if _DATE_LIKE.match(text):
        return "date"
    return "number" if _NUMBER_LIKE.match(text) else "text"


def _fits(field: str, kinds: set[str]) -> bool:
    """Whether ``field`` looks like the values of a column of ``kinds`` (a text column,
    or one of no known values, takes anything; an empty field fits anywhere)."""
    kind = field_kind(field)
    return not kinds or "text" in kinds or kind == "empty" or kind in kinds


def _fields(line: str, sep: str, width: int) -> list[str]:
    """``line`` split by ``sep``, without the empty field a separator at the end of a
    line of ``width`` fields adds."""
    fields = line.split(sep)
    return fields[:-1] if len(fields) == width + 1 and not fields[-1].strip() else fields


def swallowed(
    text: str, sep: str, width: int, column: int | None = None,
    kinds: list[set[str]] | None = None,
) -> bool:  # fmt: skip
    """Whether the cell ``text`` (of column number ``column``, from 0) swallowed rows of
    a file of ``width`` columns split by ``sep``: a quote that opened it did not close
    on its line, and lines shaped like the file's rows were read as its text.

    A line inside the cell is a row when it splits into ``width`` fields that look like
    the columns' values (``kinds``: the :func:`field_kind` of each column's values,
    ``None``: not known, any field fits). With ``column`` known, the cell's first and
    last lines count too: a quote that closes on the next line leaves the rest of its
    own row on the first (the fields after ``column``) and the start of the next row on
    the last (the fields before it). An address or a note on several lines is not a
    row: ``"Flat 2, 12 High St,\nLondon, SW1A 1AA"`` holds separators, but no line
    of the file's width whose fields fit its columns."""
    if "\n" not in text or text.count(sep) < max(width - 1, 1):
        return False
    known = kinds if kinds is not None else [set() for _ in range(width)]

    def fit(fields: list[str], first: int) -> bool:
        return all(_fits(f, known[first + i]) for i, f in enumerate(fields))

    lines = text.splitlines()
    for line in lines[1:-1]:
        fields = _fields(line, sep, width)
        if len(fields) == width and fit(fields, 0):
            return True
    if column is None or not 0 <= column < width:
        return False
    rest, start = _fields(lines[0], sep, width - column), lines[-1].split(sep)
    return (len(rest) == width - column and len(start) == column + 1
            and fit(rest[1:], column + 1) and fit(start[:-1], 0))  # fmt: skip


def _records(
    path: Path, encoding: str, sep: str, skipinitialspace: bool, quoting: int
) -> Iterator[tuple[int, int, list[str]]]:
    """Every record of ``path`` with the lines it starts and ends on (counted from 1 as an
    editor shows them), read as pandas reads it (no limit on a field's size)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))  # a swallowed cell is a large field
    try:
        with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding=encoding, newline="",
                                                         errors="replace") as text:  # fmt: skip
            reader = csv.reader(text, delimiter=sep, skipinitialspace=skipinitialspace,
                                quoting=quoting)  # fmt: skip
            end = 0
            for record in reader:
                start, end = end + 1, reader.line_num
                yield start, end, record
    finally:
        csv.field_size_limit(limit)


_UNREADABLE = (csv.Error, OSError, EOFError, ValueError, zipfile.BadZipFile)


def line_count(path: Path, encoding: str) -> tuple[int, int]:
    """The number of lines of ``path`` (decompressed), counted as an editor counts them,
    and the number of the last one that is not blank (0: none)."""
    count = filled = 0
    with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding=encoding, newline="",
                                                     errors="replace") as text:  # fmt: skip
        for count, line in enumerate(text, start=1):
            if line.strip():
                filled = count
    return count, filled


def swallowing_record(
    path: Path, encoding: str, sep: str, width: int, *, skipinitialspace: bool = True,
    kinds: list[set[str]] | None = None,
) -> tuple[int, int, str] | None:  # fmt: skip
    """Where the first cell that :func:`swallowed` lines is: the line its quote opens on,
    the line it ends on (both counted from 1 as an editor shows them) and its text up to
    its first line break; ``None`` when no cell swallowed lines (or the file cannot be
    read so). Reads from the start up to that cell; ``kinds`` as for :func:`swallowed`."""
    try:
        for start, end, record in _records(path, encoding, sep, skipinitialspace,
                                           csv.QUOTE_MINIMAL):  # fmt: skip
            for column, field in enumerate(record):
                if swallowed(field, sep, width, column, kinds):
                    return start, end, field.splitlines()[0]
                start += field.count("\n")  # a quoted note on two lines before it
    except _UNREADABLE:
        return None
    return None


def long_record(
    path: Path, encoding: str, sep: str, width: int, *, skipinitialspace: bool = True,
    quotes: bool = True,
) -> tuple[int, int, str] | None:  # fmt: skip
    """The first record with more than ``width`` fields whose fields past ``width`` are
    not all empty (an empty one is a separator at the end of the line): the line it
    starts on, its number of fields and its text (the fields joined by ``sep``); ``None``
    when there is none (or the file cannot be read so)."""
    quoting = csv.QUOTE_MINIMAL if quotes else csv.QUOTE_NONE
    try:
        for start, _, record in _records(path, encoding, sep, skipinitialspace, quoting):
            if len(record) > width and any(f.strip() for f in record[width:]):
                return start, len(record), sep.join(record)
    except _UNREADABLE:
        return None
    return None
