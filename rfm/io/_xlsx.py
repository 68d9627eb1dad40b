"""Read one sheet of an xlsx workbook, id columns as the text Excel displays.

The sheet is given by name or position (:func:`sheet_name`), else the first one;
:func:`sheet_headers` gives every sheet's first row and :func:`sheet_rows` a sheet's
first rows, so that a caller can pick the sheet, and the row under a title, that holds a
transaction table.

``pd.read_excel`` hands numeric cells over as numbers, so ids ``00123`` (a number shown
with the format ``00000``), ``0123`` and ``123`` all become ``123``. Here id columns
get the text Excel shows: text cells as they are, numeric cells with zero-padding
formats padded, whole numbers without ``.0``. Other columns keep their values.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "check_workbook",
    "displayed_text",
    "last_filled_row",
    "read_xlsx",
    "sheet_headers",
    "sheet_name",
    "sheet_rows",
    "xlsx_header",
]

_ZEROS = re.compile(r"^0+$")


def check_workbook(path: Path) -> None:
    """``ValueError`` with a plain message unless ``path`` is an xlsx workbook."""
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path.name} is not an xlsx workbook (it is not a zip archive); save it from "
            "the spreadsheet as .xlsx or .csv."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{path.name} is a damaged zip archive ({exc}).") from None
    if "xl/workbook.xml" not in names:
        raise ValueError(
            f"{path.name} is a zip archive but not an Excel workbook (no xl/workbook.xml "
            "inside); save it from the spreadsheet as .xlsx or .csv."
        )


def displayed_text(value: Any, number_format: str | None) -> Any:
    """The text Excel shows for an id cell (``None`` stays ``None``)."""
    if value is None or isinstance(value, str):
        return value.strip() if isinstance(value, str) else None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        whole = float(value).is_integer()
        fmt = (number_format or "").split(";")[0]
        if whole and _ZEROS.match(fmt):
            return f"{int(value):0{len(fmt)}d}"
        return str(int(value)) if whole else repr(float(value))
    return str(value)


def _open(path: Path) -> Any:
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def _sheet_names(path: Path) -> list[str]:
    wb = _open(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def sheet_name(path: Path, sheet: str | int | None) -> str:
    """The name of the sheet ``sheet`` names: a sheet's name, else its position counted
    from 1 (``"2"`` or ``2``: the second sheet); ``None``: the first sheet."""
    check_workbook(path)
    names = _sheet_names(path)
    if not names:
        raise ValueError(f"{path.name} has no sheets.")
    if sheet is None:
        return names[0]
    text = str(sheet).strip()
    if text in names:
        return text
    shown = ", ".join(f"{i} {n!r}" for i, n in enumerate(names, start=1))
    if re.fullmatch(r"\d+", text):
        if 1 <= int(text) <= len(names):
            return names[int(text) - 1]
        raise ValueError(f"--sheet {text}: {path.name} has {len(names)} sheet(s): {shown}.")
    raise ValueError(f"--sheet {text!r}: {path.name} has no sheet of that name; its sheets: "
                     f"{shown}.")  # fmt: skip


def _rows(path: Path, sheet: str | None = None, first: int = 1, last: int | None = None):
    """The rows of ``sheet`` from row ``first`` (counted from 1) to ``last``."""
    wb = _open(path)
    try:
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        yield from ws.iter_rows(min_row=first, max_row=last)
    finally:
        wb.close()


def _header(cells: Sequence[Any]) -> list[str]:
    names = [c.value for c in cells]
    while names and names[-1] is None:
        names.pop()
    return [str(n).strip() if n is not None else f"Unnamed: {i}" for i, n in enumerate(names)]


def xlsx_header(path: Path, sheet: str | None = None, header_row: int | None = None) -> list[str]:
    """Column names (the first row, or row ``header_row`` counted from 1) of ``sheet`` (a
    name; default: the first sheet)."""
    check_workbook(path)
    for cells in _rows(path, sheet, header_row or 1):
        return _header(cells)
    return []


def sheet_rows(path: Path, sheet: str | None, rows: int) -> list[tuple[int, list[str]]]:
    """The first ``rows`` rows of ``sheet`` that are not empty, each with its number
    (counted from 1, as the spreadsheet shows it) and its cells as column names."""
    check_workbook(path)
    found = []
    for number, cells in enumerate(_rows(path, sheet, 1, rows), start=1):
        if any(getattr(c, "value", None) is not None for c in cells):
            found.append((number, _header(cells)))
    return found


def last_filled_row(path: Path, sheet: str | None) -> int:
    """The number of the last row of ``sheet`` holding a value (0: none)."""
    last = 0
    for number, cells in enumerate(_rows(path, sheet), start=1):
        if any(getattr(c, "value", None) is not None for c in cells):
            last = number
    return last


def sheet_headers(path: Path) -> list[tuple[str, list[str]]]:
    """Every sheet's name and first row, in workbook order."""
    check_workbook(path)
    wb = _open(path)
    try:
        return [(ws.title, next((_header(c) for c in ws.iter_rows(max_row=1)), []))
                for ws in wb.worksheets if hasattr(ws, "iter_rows")]  # fmt: skip
    finally:
        wb.close()


def read_xlsx(
    path: Path, text_columns: Sequence[str] = (), sheet: str | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:  # fmt: skip
    """``sheet`` (a name; default: the first sheet) as a DataFrame, its column names on
    row ``header_row`` (counted from 1; default: the first); ``text_columns`` as
    displayed text (see module)."""
    check_workbook(path)
    rows = _rows(path, sheet, header_row or 1)
    header = next((_header(cells) for cells in rows), [])
    width = len(header)
    as_text = [name in set(text_columns) for name in header]
    data: list[list[Any]] = []
    for cells in rows:
        row = [None] * width
        for i, cell in enumerate(cells[:width]):
            value = getattr(cell, "value", None)
            if as_text[i]:
                value = displayed_text(value, getattr(cell, "number_format", None))
            row[i] = value
        if any(v is not None for v in row):
            data.append(row)
    frame = pd.DataFrame(data, columns=range(width), dtype=object)
    out = frame.infer_objects()
    for i, text in enumerate(as_text):
        if text:
            out[i] = frame[i]
    out.columns = header
    return out
