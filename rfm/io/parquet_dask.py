"""Read a partitioned transaction set into a Dask DataFrame that knows its files.

``dd.read_parquet`` is the usual entry point, but when one file of a hundred is bad (a
column missing, another dtype, a NaN) the error should say which file. This reader makes
one partition per file and stamps each partition with its file name (in the pandas
``attrs``), so :func:`rfm.rfm_table` and :func:`rfm.clean_transactions` name the file
in their messages. The schema is the first file's; every other file is checked against
it when it is read, on the worker.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import pandas as pd

from rfm.table_dask import SOURCE_ATTR

__all__ = ["parquet_files", "read_parquet_dask"]


def parquet_files(path: str | Path) -> list[str]:
    """The Parquet files of a folder (recursively), a glob pattern, or one file, sorted."""
    p = Path(path)
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*.parquet"))
    elif p.is_file():
        files = [str(p)]
    else:
        files = sorted(glob.glob(str(path), recursive=True))
    if not files:
        raise ValueError(f"no Parquet files found at {str(path)!r} (a folder, glob or file).")
    return files


def _read_one(path: str, columns: list[str] | None = None) -> pd.DataFrame:
    pdf = pd.read_parquet(path, columns=columns)
    pdf.attrs[SOURCE_ATTR] = path
    return pdf


def read_parquet_dask(path: str | Path, *, columns: list[str] | None = None) -> Any:
    """A Dask DataFrame of a Parquet folder, glob or file: one partition per file.

    Parameters
    ----------
    path : str or Path
        A folder (all ``*.parquet`` files below it), a glob pattern, or one file.
    columns : list of str, optional
        Read only these columns.

    Returns
    -------
    dask.dataframe.DataFrame
        Partitions in sorted file order; errors raised while computing on it name the
        file of the partition at fault.
    """
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    files = parquet_files(path)
    schema = pq.read_schema(files[0])
    meta = schema.empty_table().to_pandas()
    if columns is not None:
        meta = meta[columns]
    return dd.from_map(_read_one, files, columns=columns, meta=meta, enforce_metadata=False)
