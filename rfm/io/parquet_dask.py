"""Read a partitioned transaction set into a Dask DataFrame that knows its files.

``dd.read_parquet`` is the usual entry point, but when one file of a hundred is bad (a
column missing, another dtype, a NaN) the error should say which file. This reader makes
one partition per file and stamps each partition with its file name (in the pandas
``attrs``), so :func:`rfm.rfm_table` and :func:`rfm.clean_transactions` name the file
in their messages.

Every file's footer (its schema) is read first, on the client: a file that is not
Parquet or is damaged, or that lacks a column of the first file, is refused by name
before any work. A column stored with different types in different files is read one
way in all of them when that loses nothing: integers and floats as float64, and the
``text_columns`` (ids) as text; other differences (dates in one file, text in another)
are refused, naming both files. Each file's columns are read in the first file's order.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rfm._dask_parts import SOURCE_ATTR, file_labels

__all__ = ["parquet_files", "parquet_schemas", "read_parquet_dask"]


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


def parquet_schemas(files: Sequence[str]) -> list[Any]:
    """The Arrow schema of every file, read from its footer; ``ValueError`` naming a file
    that is not Parquet or is damaged."""
    import pyarrow.parquet as pq

    schemas = []
    for f in files:
        try:
            schemas.append(pq.read_schema(f))
        except Exception as exc:  # ArrowInvalid, OSError: anything that is not a footer
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(
                f"cannot read {f}: it is not a Parquet file or it is damaged ({first}); copy "
                "it again, or move it out of the data."
            ) from None
    return schemas


def _plan(
    files: Sequence[str], schemas: Sequence[Any], names: Sequence[str], text: Sequence[str]
) -> dict[str, str]:
    """How each column stored with different types across files is read: ``"float"``
    or ``"text"`` (see the module docstring); a missing column or another difference is
    a ``ValueError`` naming the files."""
    import pyarrow as pa

    plan: dict[str, str] = {}
    for f, schema in zip(files[1:], schemas[1:], strict=True):
        missing = [c for c in names if c not in schema.names]
        if missing:
            raise ValueError(f"{f}: missing column(s) {missing}, which {files[0]} has; every "
                             "file must have the same columns.")  # fmt: skip
    for name in names:
        types = [schema.field(name).type for schema in schemas]
        if all(t == types[0] for t in types):
            continue
        if name in text:
            plan[name] = "text"
        elif all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
            plan[name] = "float"
        else:
            other = next(i for i, t in enumerate(types) if t != types[0])
            raise ValueError(
                f"{files[other]}: column {name!r} has dtype {_shown(types[other])}, but "
                f"{files[0]} has {_shown(types[0])}; every file must store it the same way "
                "(convert that file)."
            )
    return plan


def _shown(arrow_type: Any) -> str:
    """An Arrow type with what it holds in words: ``large_string (text)``."""
    import pyarrow as pa

    kinds = ((pa.types.is_string, "text"), (pa.types.is_large_string, "text"),
             (pa.types.is_timestamp, "dates"), (pa.types.is_date, "dates"),
             (pa.types.is_integer, "whole numbers"), (pa.types.is_floating, "numbers"))  # fmt: skip
    kind = next((word for test, word in kinds if test(arrow_type)), None)
    return f"{arrow_type} ({kind})" if kind else str(arrow_type)


def _data_columns(schema: Any) -> list[str]:
    """The schema's columns but a stored index (pandas writes one, e.g. Dask's
    ``__null_dask_index__``, and lists it in the file's pandas metadata)."""
    meta = schema.pandas_metadata or {}
    index = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    return [name for name in schema.names if name not in index]


def _read_one(path: str, label: str, columns: list[str], plan: dict[str, str]) -> pd.DataFrame:
    """One file's frame, with ``label`` (how messages name the file) in its attrs."""
    pdf = pd.read_parquet(path, columns=columns)  # in this order, whatever the file's
    if plan:
        from rfm.io.loading import id_text

        for name, how in plan.items():
            pdf[name] = id_text(pdf[name]) if how == "text" else pdf[name].astype("float64")
    pdf.attrs[SOURCE_ATTR] = label
    return pdf


def read_parquet_dask(
    path: str | Path, *, columns: list[str] | None = None, text_columns: Sequence[str] = ()
) -> Any:
    """A Dask DataFrame of a Parquet folder, glob or file: one partition per file.

    Parameters
    ----------
    path : str or Path
        A folder (all ``*.parquet`` files below it), a glob pattern, or one file.
    columns : list of str, optional
        Read only these columns.
    text_columns : sequence of str
        Id columns: read as text (``17000`` → ``"17000"``) in every file when the files
        store them with different types (integers in one, text in another).

    Returns
    -------
    dask.dataframe.DataFrame
        Partitions in sorted file order; errors raised while computing on it name the
        file of the partition at fault.

    Raises
    ------
    ValueError
        A file that is not Parquet or is damaged, lacks a column of the first file, or
        stores a column with a type that cannot be read as the others' (named).
    """
    import dask.dataframe as dd

    files = parquet_files(path)
    schemas = parquet_schemas(files)
    names = list(columns) if columns is not None else _data_columns(schemas[0])
    plan = _plan(files, schemas, names, text_columns)
    meta = schemas[0].empty_table().to_pandas()[names]
    for name, how in plan.items():
        meta[name] = pd.Series([], dtype=object if how == "text" else "float64")
    return dd.from_map(_read_one, files, file_labels(files), columns=names, plan=plan, meta=meta,
                       enforce_metadata=False)  # fmt: skip
