"""Reading transaction files and writing results, safely.

reading      One reader for every format (CSV/TSV/TXT with any separator and encoding,
             xlsx, Parquet): ids stay text, recognised headers map to column roles.
loading      :func:`load_transactions`: read, find the columns, make each role's values
             what the method needs (ids as text, one date format per column, money).
dates        :func:`parse_date_column`: one format for a whole column, inferred from all
             its values (day-first, month-first, ISO, ``YYYYMMDD``, Excel serials).
parquet_dask :func:`read_parquet_dask`: a Parquet folder as a Dask DataFrame, one
             partition per file, errors naming the file (dask imported on call only).
rules_file   Segment rules from a CSV/JSON file of the user's.
export       The per-customer CRM file (CSV, xlsx, Parquet), safe from spreadsheet
             formulas coming from data.
_atomic      All-or-nothing output folders: staged, then moved into place; never through
             a symlink, never over the input.
"""

from __future__ import annotations

from rfm.io.dates import parse_date_column
from rfm.io.export import export, neutralise_formulas, write_csv, write_table
from rfm.io.loading import load_transactions
from rfm.io.reading import ReadOptions, read_transactions

__all__ = [
    "ReadOptions",
    "export",
    "load_transactions",
    "neutralise_formulas",
    "parse_date_column",
    "read_transactions",
    "write_csv",
    "write_table",
]
