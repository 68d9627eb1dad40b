"""Read the first sheet of an xlsx workbook, id columns as the text Excel displays.

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

__all__ = ["check_workbook", "displayed_text", "read_xlsx", "xlsx_header"]

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


def _rows(path: Path):
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        yield from wb.worksheets[0].iter_rows()
    finally:
        wb.close()


def _header(cells: Sequence[Any]) -> list[str]:
    names = [c.value for c in cells]
    while names and names[-1] is None:
        names.pop()
    return [str(n).strip() if n is not None else f"Unnamed: {i}" for i, n in enumerate(names)]


def xlsx_header(path: Path) -> list[str]:
    """Column names (the first row) of the first sheet."""
    check_workbook(path)
    for cells in _rows(path):
        return _header(cells)
    return []


def read_xlsx(path: Path, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """The first sheet as a DataFrame; ``text_columns`` as displayed text (see module)."""
    check_workbook(path)
    rows = _rows(path)
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
