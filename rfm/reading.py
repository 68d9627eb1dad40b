"""Read a transaction file and find its columns (used by the ``rfmseg`` command).

:func:`read_transactions` reads CSV, gzip CSV, Parquet (needs pyarrow) or Excel (needs
openpyxl) by the file's suffix. :func:`resolve_columns` maps the roles the pipeline needs
(customer, invoice, date, and either amount or quantity + price) to column names: given
names are checked, missing ones are recognised from common spellings, compared ignoring
case, spaces and punctuation — so the UCI Online Retail file (``CustomerID``,
``InvoiceNo``, ``InvoiceDate``, ``Quantity``, ``UnitPrice``), its second edition
(``Customer ID``, ``Invoice``, ``Price``) and seed 000's table all work without flags.

Every problem is a ``ValueError`` (or ``ImportError`` for a missing optional package)
with a one-line message that names the file or column and what to do.
"""

from __future__ import annotations

import importlib.util
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

__all__ = ["ALIASES", "read_transactions", "resolve_columns"]

#: role → recognised spellings (normalised: lower case, letters and digits only)
ALIASES: dict[str, tuple[str, ...]] = {
    "customer": ("customerid", "customer", "customerno", "clientid", "userid", "custid"),
    "invoice": (
        "invoiceno",
        "invoice",
        "invoiceid",
        "invoicenumber",
        "orderid",
        "orderno",
        "ordernumber",
        "order",
        "transactionid",
    ),
    "date": (
        "invoicedate",
        "orderdate",
        "date",
        "transactiondate",
        "purchasedate",
        "timestamp",
        "datetime",
    ),
    "amount": ("totalamount", "amount", "total", "linetotal", "totalprice", "revenue", "sales"),
    "quantity": ("quantity", "qty", "units"),
    "price": ("unitprice", "price", "unitcost"),
}

CSV_SUFFIXES = (".csv", ".txt", ".tsv")


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _find(columns: Sequence[str], role: str) -> str | None:
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    for alias in ALIASES[role]:
        if alias in by_norm:
            return by_norm[alias]
    return None


def resolve_columns(
    columns: Sequence[str],
    *,
    customer: str | None = None,
    invoice: str | None = None,
    date: str | None = None,
    amount: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
) -> dict[str, str | None]:
    """Column name for each role: ``customer, invoice, date, amount, quantity, price``.

    Given names must exist. Missing ones are recognised (module docstring); ``invoice``
    may stay ``None`` (every row is then one order). Money comes from ``amount`` if given,
    else ``quantity`` × ``price`` if given, else a recognised amount column, else a
    recognised quantity and price; ``quantity`` and ``price`` are also returned when
    recognised so that cleaning can drop returns and free items.
    """
    cols = [str(c) for c in columns]
    given = {
        "customer": customer,
        "invoice": invoice,
        "date": date,
        "amount": amount,
        "quantity": quantity,
        "price": price,
    }
    missing = [f"{v!r}" for v in given.values() if v is not None and v not in cols]
    if missing:
        raise ValueError(f"column(s) {', '.join(missing)} not found; columns found: {cols}")
    if (quantity is None) != (price is None) and amount is None:
        raise ValueError("give both --quantity and --price (their product is the amount).")
    out: dict[str, str | None] = {role: given[role] or _find(cols, role) for role in given}
    for role in ("customer", "date"):
        if out[role] is None:
            raise ValueError(
                f"no {role} column recognised; pass --{role} COL. columns found: {cols}"
            )
    if amount is None and quantity is not None:
        out["amount"] = None  # the user chose quantity × price
    elif (
        amount is None
        and out["amount"] is None
        and (out["quantity"] is None or out["price"] is None)
    ):
        raise ValueError(
            "no amount column recognised; pass --amount COL or --quantity COL --price COL. "
            f"columns found: {cols}"
        )
    return out


def read_transactions(
    path: str | os.PathLike[str], *, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a transaction table from CSV (optionally gzip), Parquet or Excel.

    Parameters
    ----------
    path : str or PathLike
        ``.csv``/``.txt`` (``.gz``/``.zip``/``.bz2``/``.xz`` compressed too), ``.tsv``,
        ``.parquet``/``.pq`` (needs pyarrow) or ``.xlsx``/``.xls`` (needs openpyxl).
    text_columns : sequence of str
        Columns to read as text (ids: keeps leading zeros and the ``C`` of cancelled
        invoices) when present.

    Raises
    ------
    ValueError
        Missing, empty or unreadable file, unknown suffix.
    ImportError
        The format needs an optional package that is not installed.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"file not found: {path}")
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a transaction file.")
    if path.stat().st_size == 0:
        raise ValueError(f"file is empty: {path}")
    suffixes = [s.lower() for s in path.suffixes]
    last = suffixes[-1] if suffixes else ""
    try:
        if last in (".parquet", ".pq"):
            if importlib.util.find_spec("pyarrow") is None:
                raise ImportError("reading Parquet needs pyarrow: pip install pyarrow")
            df = pd.read_parquet(path)
        elif last in (".xlsx", ".xls", ".xlsm"):
            if importlib.util.find_spec("openpyxl") is None:
                raise ImportError("reading Excel needs openpyxl: pip install openpyxl")
            df = pd.read_excel(path, dtype={c: str for c in text_columns})
        elif any(s in CSV_SUFFIXES for s in suffixes):
            df = read_csv_text_ids(path, text_columns)
        else:
            raise ValueError(
                f"unknown file type {path.name!r}; use .csv, .csv.gz, .parquet or .xlsx."
            )
    except pd.errors.EmptyDataError:  # a ValueError: must come first
        raise ValueError(f"file is empty (no header, no rows): {path}") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"cannot read {path.name}: {first}") from None
    if len(df) == 0:
        raise ValueError(f"file has a header but no rows: {path}")
    return df


def _separator(path: Path) -> str:
    """Tab for ``.tsv`` files, comma otherwise."""
    return "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","


def read_csv_text_ids(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    """Read a (possibly compressed) CSV/TSV with ``text_columns`` kept as text.

    UTF-8 first, ISO-8859-1 when that fails (the encoding of many spreadsheet exports).
    Names in ``text_columns`` that the file lacks are ignored by ``read_csv``.
    """
    sep = _separator(path)
    dtype = {c: str for c in text_columns}
    try:
        return pd.read_csv(path, dtype=dtype, sep=sep, encoding="utf-8", low_memory=False)
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=dtype, sep=sep, encoding="ISO-8859-1", low_memory=False)


def header_of(path: str | os.PathLike[str]) -> list[str] | None:
    """Column names of a CSV file without reading its rows (``None`` for other formats)."""
    path = Path(path)
    if not any(s.lower() in CSV_SUFFIXES for s in path.suffixes) or not path.is_file():
        return None
    try:
        header = pd.read_csv(path, nrows=0, sep=_separator(path), encoding_errors="replace")
        return [str(c) for c in header.columns]
    except Exception:  # the full read reports the problem properly
        return None
