"""What the Dask twins of rfm share: partition specs and checks, the place a message
names (the file a partition was read from, or the part of the data), the shuffle method,
and the in-memory row order.

:mod:`rfm.table_dask`, :mod:`rfm.cleaning_dask`, :mod:`rfm.kpis_dask`, the Dask readers
and :mod:`rfm.clv`'s Dask summary import from here, never from each other: each Dask
twin is a leaf.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._grouping.aggregate import sort_by_key
from rfm._grouping.keys import encode_keys

__all__ = [
    "BLOCK_ATTR",
    "SOURCE_ATTR",
    "UNITS",
    "Spec",
    "block_words",
    "check_partition",
    "file_labels",
    "in_memory_ids",
    "order_like_memory",
    "partition_columns",
    "partition_name",
    "shuffle_method",
    "sorted_by_spec",
    "sorted_like_memory",
    "words",
]


UNITS = ("s", "ms", "us", "ns")  # date resolutions, coarse to fine (rank = position)


#: pandas attrs key naming the file a partition was read from, as messages name it
SOURCE_ATTR = "rfm_source"
#: pandas attrs key of ``(index, count, file size)`` when the partition is one of the
#: blocks a file is read in (absent when it holds the whole file)
BLOCK_ATTR = "rfm_block"


@dataclass(frozen=True)
class Spec:
    """What every task needs to know: columns, their expected dtypes, options."""

    customer: str
    date: str
    invoice: str | None
    amount: str | None
    quantity: str | None
    price: str | None
    allow_negative: bool
    backend: str
    dtypes: dict[str, Any] = field(default_factory=dict)
    #: how the caller takes the column roles, for the fixes its messages name
    #: (:data:`rfm.columns.KEYWORDS` or :data:`rfm.columns.COLUMNS`)
    given_as: str = "keywords"

    @property
    def columns(self) -> list[str]:
        return list(self.dtypes)

    @property
    def date_tz(self) -> Any:
        return getattr(self.dtypes[self.date], "tz", None)

    @property
    def date_unit(self) -> str | None:
        """The date column's unit when its dtype is a datetime, else ``None`` (text)."""
        dtype = self.dtypes[self.date]
        if not pd.api.types.is_datetime64_any_dtype(dtype):
            return None
        return np.datetime_data(getattr(dtype, "base", dtype))[0]

    @property
    def id_dtype(self) -> Any:
        """dtype of the customer ids in the result's index (categories for categoricals)."""
        dtype = self.dtypes[self.customer]
        if isinstance(dtype, pd.CategoricalDtype):
            return dtype.categories.dtype
        return dtype


def shuffle_method(preferred: str | None = None) -> str:
    """The shuffle method for a step: ``preferred``, else Dask's peer-to-peer shuffle on a
    distributed scheduler and the task shuffle otherwise.

    A configured ``dataframe.shuffle.method`` always wins. Without ``preferred`` the choice
    follows the scheduler in force when the graph is built: with a
    ``distributed.Client`` active, Dask itself would pick ``"p2p"`` even for a computation
    sent to the threaded scheduler, which then fails.
    """
    import dask
    from dask.base import get_scheduler

    chosen = dask.config.get("dataframe.shuffle.method", None)
    if chosen:
        return chosen
    if preferred is not None:
        return preferred
    owner = getattr(get_scheduler(), "__self__", None)
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask without distributed
        return "tasks"
    return "p2p" if isinstance(owner, Client) else "tasks"


def partition_name(pdf: pd.DataFrame, partition_info: dict | None) -> str:
    """Where the rows of ``pdf`` come from, in words its reader can act on: the file
    (``"sales.csv"``), and which block of it when a file is read in several (see
    :func:`block_words`); else, for a frame not read from files, the part of the data
    with its Dask partition number (``"part 4 of the data (Dask partition 3)"``)."""
    source = pdf.attrs.get(SOURCE_ATTR)
    if source:
        block = pdf.attrs.get(BLOCK_ATTR)
        return f"{source}, {block_words(*block)}" if block else str(source)
    number = partition_info.get("number") if partition_info else None
    if number is None:
        return "a part of the data"
    return f"part {number + 1} of the data (Dask partition {number})"


def file_labels(files: list[str]) -> list[str]:
    """How messages name each of ``files``: its path from the folder all of them are in
    (``"sales.csv"``, ``"2024/part.0.parquet"`` when files in subfolders share names), as
    the in-memory reader names its file.

    Examples
    --------
    >>> file_labels(["/d/2024/a.parquet", "/d/2025/a.parquet"])
    ['2024/a.parquet', '2025/a.parquet']
    """
    full = [os.path.abspath(f) for f in files]
    base = os.path.commonpath([os.path.dirname(f) for f in full]) if full else ""
    return [os.path.relpath(f, base) for f in full]


def block_words(index: int, count: int, size: int) -> str:
    """Block ``index`` (from 0) of the ``count`` a file of ``size`` bytes is read in, said
    with where it lies: Dask cuts a file in ``count`` blocks of about ``size / count``
    bytes, each moved on to the start of a line.

    Examples
    --------
    >>> block_words(2, 5, 320_000_000)
    'the 3rd of its 5 blocks (from about 128 MB to 192 MB into the file)'
    """
    start, end = (size * i // count for i in (index, index + 1))
    return (f"the {_ordinal(index + 1)} of its {count} blocks (from about {_bytes(start)} "
            f"to {_bytes(end)} into the file)")


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _bytes(n: int) -> str:
    """A byte count rounded in the unit that fits: ``"128 MB"``, ``"40 bytes"``."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            return f"{n / scale:,.{1 if n < 10 * scale else 0}f} {unit}"
    return f"{n:,} bytes"


def check_partition(pdf: pd.DataFrame, spec: Spec, where: str) -> None:
    """Same columns and dtypes as the Dask DataFrame's declared schema, or say where not."""
    try:
        check_columns(pdf, spec.columns, what=where)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    for col, dtype in spec.dtypes.items():
        if pdf[col].dtype != dtype:
            raise ValueError(
                f"{where}: column {col!r} has dtype {pdf[col].dtype}, but the data set "
                f"declares {dtype} (the schema of its first part); every file or part of "
                "the data must have the same schema. Cast the column in that file, or "
                "read the data with an explicit dtype."
            )


def partition_columns(pdf: pd.DataFrame, spec: Spec,
                      partition_info: dict | None) -> tuple[str, pd.DataFrame]:
    """The partition's name for messages, and its columns of ``spec`` once checked."""
    where = partition_name(pdf, partition_info)
    check_partition(pdf, spec, where)
    return where, pdf[spec.columns]


def words(*arrays: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(a, dtype=np.uint64) for a in arrays]


def sorted_by_spec(table: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Rows in the in-memory order: sorted ids (category order for categoricals)."""
    return sorted_like_memory(table, spec.dtypes[spec.customer], spec.backend)


def sorted_like_memory(table: pd.DataFrame, customer_dtype: Any,
                       backend: str = "auto") -> pd.DataFrame:  # fmt: skip
    """A customer table gathered from ``rfm_table(..., compute=False)``'s partitions, in
    the order :func:`rfm.rfm_table` gives in memory: sorted ids (category order for
    categorical ids, whose dtype is ``customer_dtype``), in the in-memory dtype
    (:func:`in_memory_ids`)."""
    out = table.take(order_like_memory(table.index, customer_dtype, backend))
    out.index = in_memory_ids(out.index)
    out.attrs = dict(table.attrs)
    return out


#: the dtype Dask's ``dataframe.convert-string`` (on by default) gives text columns
DASK_TEXT = pd.StringDtype("pyarrow")


def in_memory_ids(ids: pd.Index) -> pd.Index:
    """Customer ids gathered from Dask, in the dtype pandas gives the same ids in memory.

    Dask reads text (pandas' ``str``, or Parquet strings) as :data:`DASK_TEXT`, Arrow
    strings with ``pd.NA`` for a missing value; pandas' own text dtype (``str`` in pandas
    3, ``object`` before) is another, so a table gathered from Dask would differ from the
    in-memory one in its index dtype alone. Such ids are cast to pandas' default text
    dtype: in pandas 3 the same Arrow buffers, no copy. Other ids (numbers, pandas'
    ``str``, object, as a reader that sets its dtypes gives them) are returned as they
    are. Ids are never missing, so no missing value changes meaning.

    Examples
    --------
    >>> in_memory_ids(pd.Index(["c1", "c2"], dtype=DASK_TEXT)).equals(pd.Index(["c1", "c2"]))
    True
    """
    if ids.dtype != DASK_TEXT:
        return ids
    return ids.astype(pd.Index(["text"]).dtype)  # pandas' default dtype for text


def order_like_memory(ids: pd.Index, customer_dtype: Any, backend: str = "auto") -> np.ndarray:
    """The positions that put customer ``ids`` gathered from sorted pieces in the
    in-memory order (see :func:`sorted_like_memory`)."""
    if isinstance(customer_dtype, pd.CategoricalDtype):
        return np.argsort(customer_dtype.categories.get_indexer(ids), kind="stable")
    keys = encode_keys(pd.Series(ids, copy=False), backend=backend)
    return sort_by_key(keys.hi, keys.lo, runs=True)  # sorted pieces, joined
