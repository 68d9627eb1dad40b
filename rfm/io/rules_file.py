"""Custom segment rules from a CSV file (for ``rfmseg --rules FILE.csv``).

One rule per row, in order (first match wins), with the columns ``segment``, ``r``,
``f``, ``m`` and optionally ``action``. A range is ``4-5`` (inclusive), a single score
``5``, or empty / ``any`` for any score::

    segment,r,f,m,action
    Best,5,4-5,4-5,Reward them
    Sleeping,1-2,,,Win them back
    "Loyal, not big",4-5,4-5,1-2,"Say ""thanks"" first"

The file is read as a spreadsheet writes it and as people type it: the encoding and the
separator (``,`` ``;`` tab ``|``) are sniffed as for transaction files, spaces after a
separator are ignored, and a name holding the separator or a quote is quoted (``"Best,
loyal"``, ``"The ""VIP"" club"``). A row with more cells than the header (an unquoted
separator inside a name) is refused, naming its line, rather than read shifted. A
segment name is one line of text: a line break or another control character in it is
refused. Only a regular file is read: a pipe or a device could block for ever.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from rfm.io._sniff import WHITESPACE, sniff_text
from rfm.segments import DIMENSIONS, RuleSet, SegmentRule

__all__ = ["read_rules"]

_RANGE = re.compile(r"\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: largest rules file read (a rule set has tens of rows)
MAX_BYTES = 1 << 20


def _parse_range(text: str, where: str) -> tuple[int, int] | None:
    s = text.strip()
    if s == "" or s.lower() == "any":
        return None
    m = _RANGE.fullmatch(s)
    if not m:
        raise ValueError(f"{where}: {s!r} is not a score range such as 4-5, 5 or empty (any).")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo > hi:
        raise ValueError(f"{where}: {s!r} has low > high; write it as low-high.")
    return lo, hi


def _text(path: Path) -> tuple[str, str, int]:
    """The file's text from its header on, its separator (sniffed as for transaction
    files) and the lines skipped before the header (a spreadsheet's ``sep=;`` line)."""
    if not path.exists():
        raise FileNotFoundError(f"rules file not found: {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a regular file (a folder, pipe or device); save the "
                         "rules to a .csv file.")  # fmt: skip
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_BYTES // 1024} KiB; a rules file "
                         "holds one short row per segment.")  # fmt: skip
    sniffed = sniff_text(path)
    sep = "," if sniffed.sep == WHITESPACE else sniffed.sep
    text = path.read_bytes().decode(sniffed.encoding).removeprefix("\ufeff")
    if sniffed.skip:
        text = "".join(text.splitlines(keepends=True)[sniffed.skip :])
    return text, sep, sniffed.skip


def read_rules(path: str | os.PathLike[str]) -> RuleSet:
    """Read ordered segment rules from a CSV file (format in the module docstring).

    Returns
    -------
    RuleSet
        The rules, for any score scale (``q=None``); customers no rule matches become
        "Others".

    Raises
    ------
    OSError, ValueError
        The file is missing, not a regular file or not text, lacks a column, has no
        rows, a row of the wrong width, an empty or multi-line segment name, or a bad
        range. Messages name the line of the file.
    """
    path = Path(path)
    text, sep, skipped = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    header = next(reader, None)
    columns = [c.strip().lower() for c in header or []]
    missing = [c for c in ("segment", *DIMENSIONS) if c not in columns]
    if missing:
        raise ValueError(
            f"rules file has no column(s) {missing}; expected segment, r, f, m[, action] "
            f"(found {columns})."
        )
    rules = []
    end = reader.line_num + skipped
    for row in reader:
        line, end = end + 1, reader.line_num + skipped  # a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) > len(columns):
            raise ValueError(
                f"line {line} has {len(row)} cells but the header has {len(columns)}; put a "
                f"segment name or action that holds {sep!r} in double quotes (\"Best, "
                'loyal").'
            )
        cells = dict(zip(columns, row + [""] * (len(columns) - len(row)), strict=True))
        name = cells["segment"].strip()
        if not name:
            raise ValueError(f"line {line}: the segment name is empty.")
        if _CONTROL.search(name):
            raise ValueError(f"line {line}: the segment name {name!r} holds a line break or "
                             "another control character; write it on one line.")  # fmt: skip
        ranges = [_parse_range(cells[d], f"line {line} ({name}) {d}") for d in DIMENSIONS]
        rules.append(SegmentRule(name, *ranges, cells.get("action", "").strip()))
    if not rules:
        raise ValueError("rules file has no rules.")
    return RuleSet(tuple(rules))
