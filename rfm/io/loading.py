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
- amount, quantity and price are numbers (with the file's decimal mark).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rfm.cleaning import WHOLE_NUMBER_TEXT
from rfm.columns import TransactionColumns
from rfm.io.dates import parse_date_column, value_text
from rfm.io.reading import NA_TOKENS, ReadOptions, header_of, read_transactions

__all__ = ["LoadedTransactions", "id_text", "load_transactions"]

_DECIMAL_COMMA = re.compile(r"^[+-]?\d[\d.]*,\d+$")


@dataclass
class LoadedTransactions:
    """The table, the column of each role, and how the file was read."""

    frame: pd.DataFrame
    columns: TransactionColumns
    date_format: str


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


def _number_column(values: pd.Series, name: str, role: str, decimal: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        raise ValueError(f"column {name!r} holds true/false, not numbers; pass --{role} COL.")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values
    text = values.astype(object).where(values.notna())
    text = text.map(lambda v: v.strip() if isinstance(v, str) else v)
    text = text.where(~text.isin(NA_TOKENS))
    if decimal != ".":
        text = text.map(lambda v: v.replace(decimal, ".") if isinstance(v, str) else v)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        examples = list(dict.fromkeys(str(v) for v in values[bad]))[:3]
        shown = ", ".join(repr(v) for v in examples)
        if decimal == "." and any(_DECIMAL_COMMA.match(v) for v in examples):
            fix = "if ',' is the decimal mark, pass --decimal ','"
        else:
            fix = f"fix those cells or pass the right column with --{role} COL"
        raise ValueError(
            f"column {name!r} has {int(bad.sum())} value(s) that are not numbers, e.g. "
            f"{shown}; {fix}."
        )
    return numbers.astype(np.float64)


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
    header = header_of(path, opts)
    text_cols: list[str] = []
    if header:  # None or [] (an empty file): the full read reports the problem
        pre = TransactionColumns.recognise(header, **given)
        text_cols = [c for c in (pre.customer, pre.invoice) if c]
    df = read_transactions(path, text_columns=text_cols, options=opts)
    cols = TransactionColumns.recognise([str(c) for c in df.columns], **given)
    roles = cols.roles()
    df = df.copy()
    for role in ("customer", "invoice"):
        if roles[role] and not pd.api.types.is_integer_dtype(df[roles[role]].dtype):
            df[roles[role]] = id_text(df[roles[role]])
    for role in ("amount", "quantity", "price"):
        if roles[role]:
            df[roles[role]] = _number_column(df[roles[role]], roles[role], role, opts.decimal)
    date_col = cols.date
    df[date_col], used = parse_date_column(
        df[date_col], date_format=opts.date_format, dayfirst=opts.dayfirst, name=date_col
    )
    return LoadedTransactions(frame=df, columns=cols, date_format=used)

