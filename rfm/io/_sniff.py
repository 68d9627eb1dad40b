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
import lzma
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["SEPARATORS", "WHITESPACE", "Sniffed", "sniff_text", "truncated_message"]

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
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"  # Windows' Western encoding: keeps ’ and € (Latin-1 does not)


def _decode(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head, final=False)


def _lines(text: str, complete: bool) -> list[str]:
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sample
    return [line for line in lines if line.strip()][:SAMPLE_LINES]


def _separator(lines: list[str]) -> str:
    best: tuple[int, int, str] | None = None
    for rank, sep in enumerate(SEPARATORS):
        counts = {len(row) for row in csv.reader(lines, delimiter=sep) if row}
        n = counts.pop() if len(counts) == 1 else 0
        if n >= 2 and (best is None or (n, -rank) > best[:2]):
            best = (n, -rank, sep)
    if best is not None:
        return best[2]
    counts = {len(line.split()) for line in lines}
    if len(counts) == 1 and counts.pop() >= 2:
        return WHITESPACE
    return ","


def sniff_text(path: Path, *, encoding: str | None = None, sep: str | None = None) -> Sniffed:
    """Encoding, separator and first row of a (possibly compressed) text file.

    The encoding is ``encoding`` when given, else the one its byte-order mark names,
    else UTF-8 when the first 64 KiB decode as UTF-8, else Windows-1252. The separator
    is ``sep`` when given, else the one of ``,`` ``;`` tab ``|`` that splits the first
    lines into the same number (≥ 2) of fields (the most fields wins), else whitespace
    when that splits them evenly, else ``,``. A first line ``sep=;`` (written by
    spreadsheets) names the separator and is skipped.
    """
    head = _head(path)
    enc = _encoding(head, encoding)
    text = _decode(head, enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _lines(text, complete=len(head) < SAMPLE_BYTES)
    skip = 0
    hint = re.fullmatch(r"sep=(.)\s*", lines[0]) if lines else None
    if hint:  # Excel's "sep=;" first line names the separator
        sep, skip, lines = sep or hint.group(1), 1, lines[1:]
    chosen = sep or _separator(lines)
    if not lines:
        first: list[str] = []
    elif chosen == WHITESPACE:
        first = lines[0].split()
    else:
        first = next(csv.reader(lines[:1], delimiter=chosen), [])
    return Sniffed(encoding=enc, sep=chosen, first_row=[f.strip() for f in first], skip=skip)
