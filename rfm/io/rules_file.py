"""Custom segment rules from a CSV file (for ``rfmseg --rules FILE.csv``).

One rule per row, in order (first match wins), with the columns ``segment``, ``r``,
``f``, ``m`` and optionally ``action``. A range is ``4-5`` (inclusive), a single score
``5``, or empty / ``any`` for any score::

    segment,r,f,m,action
    Best,5,4-5,4-5,Reward them
    Sleeping,1-2,,,Win them back
"""

from __future__ import annotations

import os
import re

import pandas as pd

from rfm.segments import DIMENSIONS, RuleSet, SegmentRule

__all__ = ["read_rules"]

_RANGE = re.compile(r"\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?")


def _parse_range(text: object, where: str) -> tuple[int, int] | None:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    s = str(text).strip()
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
        The file cannot be read, lacks a column, has no rows, or holds a bad range.
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in ("segment", *DIMENSIONS) if c not in table.columns]
    if missing:
        raise ValueError(
            f"rules file has no column(s) {missing}; expected segment, r, f, m[, action]."
        )
    if len(table) == 0:
        raise ValueError("rules file has no rules.")
    rules = []
    for i, row in enumerate(table.itertuples(index=False), start=2):
        name = str(row.segment).strip()
        if not name:
            raise ValueError(f"line {i}: the segment name is empty.")
        ranges = [_parse_range(getattr(row, d), f"line {i} ({name}) {d}") for d in DIMENSIONS]
        action = str(getattr(row, "action", "") or "").strip()
        rules.append(SegmentRule(name, *ranges, action))
    return RuleSet(tuple(rules))
