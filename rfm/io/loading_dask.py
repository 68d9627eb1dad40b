"""From a partitioned transaction set to a typed Dask DataFrame (``rfmseg segment --dask``).

The Dask twin of :func:`rfm.io.loading.load_transactions`: the same columns are found
(:meth:`rfm.TransactionColumns.recognise`) and each role's values are typed the same way,
but lazily, partition by partition on the workers:

- the source is a Parquet folder, a glob of Parquet files or one Parquet file (one
  partition per file, :func:`rfm.read_parquet_dask`), or a CSV file or glob read in
  blocks of :data:`CSV_BLOCK_BYTES` (a compressed CSV cannot be split: one partition);
- text and float ids become text as in memory (``17000.0`` → ``"17000"``, ``00123``
  keeps its zeros); integer ids stay integers, the fastest key for the RFM table;
- money columns are read as text and become numbers with the file's decimal mark, as
  in memory. How they read is decided from the whole data, before any partition is
  typed: a first pass over every partition gathers what their money text holds
  (:func:`rfm.io.loading.money_text`: currency signs, units, which values hold a ``,``
  or a ``.`` and how, digits grouped by three with spaces), so that the currency (one,
  in any file), the thousands separator and the refusal of a ``.`` that reads two ways
  (``1.627`` next to ``85`` in the whole data, not in one file) are those of the same
  rows read in memory. That pass reads the money columns of every file once more; its
  refusals name the files;
- text dates: the date layout is decided once, from the first partition, and every
  partition must read the same way. A partition whose dates only read the other way
  (day first against month first) is an error naming it, never a silent mix; so is,
  when the first partition's dates give no day/month order (ISO dates), a partition
  whose d/m/y dates settle one, unless ``--dayfirst`` or ``--date-format`` says it
  (another partition could settle the other); and a partition that gives time zones
  where the first gives none, or the other way round. The first pass also reads each
  partition's dates, so that what is said of them (the console, the report) is said of
  the whole column: its layouts, each with its count of order lines, when the files are
  written in several. That reads the date column of every file once more (CSV files
  always; Parquet files only when they hold the dates as text). One difference from
  the in-memory reader remains: each partition's format is said as that partition
  reads, so dates written with and without seconds in different files are two layouts
  here where the whole column in memory is one format.

Errors raised on the workers name the file the rows were read from, and which block of
it when a file is read in several (:func:`rfm._dask_parts.partition_name`). Pandas'
refusal to parse a block (a quote that never closes, a line with a field too many),
which names no file and counts lines from the block's start, is said in the in-memory
reader's words on the first file at fault (:func:`_parsed`).
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm._dask_parts import BLOCK_ATTR, SOURCE_ATTR, file_labels, partition_name
from rfm.columns import TransactionColumns
from rfm.io.dates import (
    FLAGS,
    NO_DATES,
    SEVERAL_LAYOUTS,
    STORED_AS_DATES,
    ZONES_NOTE,
    AmbiguousDate,
    mixed_layouts_error,
    read_date_column,
)
from rfm.io.loading import (
    LoadedTransactions,
    MoneyText,
    find_header,
    id_text,
    money_read,
    money_text,
    number_column,
)
from rfm.io.reading import (
    EXTRA_FIELD,
    ReadOptions,
    csv_options,
    header_of,
    no_extra_fields,
    no_repeated_header,
    no_swallowed_rows,
    refuse_unparsable,
)

__all__ = ["CSV_BLOCK_BYTES", "load_transactions_dask", "source_files"]

#: bytes of CSV text per partition (Dask's own default is 64 MB as well)
CSV_BLOCK_BYTES = 64_000_000
PARQUET_SUFFIXES = (".parquet", ".pq")
COMPRESSED = (".gz", ".bz2", ".xz", ".zip", ".zst")
_ORDERS = (" (day first)", " (month first)")
#: the column of the file each CSV line was read from, put in the partition's attrs
_SOURCE_COLUMN = "__rfm_source_file__"


def source_files(path: str | os.PathLike[str]) -> tuple[str, list[str]]:
    """The kind (``"parquet"`` or ``"csv"``) and the sorted files of a folder, glob or file."""
    p = Path(path)
    if p.is_dir():
        files = sorted(str(f) for f in p.rglob("*") if f.suffix.lower() in PARQUET_SUFFIXES)
        if not files:
            raise ValueError(f"no Parquet files (*.parquet) in the folder {str(path)!r}; for "
                             f"CSV files give a quoted glob such as {_csv_glob(p)}.")
        return "parquet", files
    files = [str(p)] if p.is_file() else sorted(glob.glob(str(path), recursive=True))
    if not files:
        raise FileNotFoundError(f"no file or folder matches {str(path)!r}.")
    kinds = {_kind(f) for f in files}
    if len(kinds) > 1:
        raise ValueError(f"{str(path)!r} matches both Parquet and text files; pick one kind.")
    return kinds.pop(), files


def _csv_glob(folder: Path) -> str:
    """A quoted pattern of the CSV files of ``folder``: ``*.csv``, or ``*.csv*`` (said so)
    when some are compressed (``*.csv`` left out the ``.csv.gz`` ones without a word)."""
    names = [f.name.lower() for f in folder.iterdir() if f.is_file()]
    zipped = [n for n in names if n.endswith(tuple(f".csv{s}" for s in COMPRESSED))]
    if not zipped:
        return f"'{folder / '*.csv'}'"
    return f"'{folder / '*.csv*'}', which takes the compressed ones ({zipped[0]}) too"


def _files_read(files: list[str]) -> list[str]:
    """The note naming the files read, when they are several (the pattern alone does not
    say how many it matched)."""
    if len(files) < 2:
        return []
    names = [Path(f).name for f in files]
    shown = ", ".join(names) if len(names) <= 4 else f"{names[0]}, {names[1]}, … {names[-1]}"
    return [f"{len(files):,} files read: {shown}"]


def _kind(name: str) -> str:
    lower = name.lower()
    for suffix in COMPRESSED:
        lower = lower.removesuffix(suffix)
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith((".csv", ".txt", ".tsv")):
        return "csv"
    raise ValueError(
        f"{Path(name).name}: with --dask the data must be Parquet (.parquet) or CSV "
        "(.csv, .txt, .tsv, optionally .gz); convert Excel files to one of those."
    )


def _read_csv(files: list[str], opts: list[ReadOptions], text: list[str],
              date: str | None = None) -> Any:  # fmt: skip
    """CSV files as a Dask DataFrame, read like :func:`rfm.io.reading.read_csv_text_ids`,
    each with its own options (``opts``: the line of its column names may differ)
    (``text``: the id and money columns, read as text and typed by :func:`_typed`, as
    in memory; Dask would take a money column's type from the first rows and hold every
    later block to it, so that 2.5 after a sample of whole numbers was an error).

    With ``date`` (the date column's name, once the roles are known) every column but
    the date is read as text: a column rfmseg does not use (a product code, ``22000``
    in the first rows and ``85123A`` later) refused the files by the same guess. In
    memory such a column is read whole, so it holds text there too.

    Each file is read by its own header: files whose first rows name the same columns
    in another order (``CustomerID`` and ``InvoiceNo`` swapped) were read by position,
    under the first file's names, mixing customers and invoices. They are read each
    with its own layout and their columns put in the first file's order; a file with
    other columns is refused by name. Files laid out alike are read as one.
    """
    import dask.dataframe as dd

    layouts = [_layout(f, o, text, date) for f, o in zip(files, opts, strict=True)]

    def columns(kwargs: dict[str, Any]) -> list[str]:  # the file's own (no extra field)
        return [n for n in kwargs["names"] if not n.startswith(EXTRA_FIELD)]

    first = columns(layouts[0][1])
    labels = dict(zip(map(os.path.realpath, files), file_labels(files), strict=True))
    for f, (_, kwargs) in zip(files[1:], layouts[1:], strict=True):
        if sorted(columns(kwargs)) != sorted(first):
            raise ValueError(
                f"{Path(f).name} has the columns {columns(kwargs)}, but {Path(files[0]).name} "
                f"has {first}; every file must have the same columns (in any order)"
                f"{_header_row_told(opts[0])}."
            )

    def read(group: list[str], encoding: str, kwargs: dict[str, Any],
             compression: str | None) -> Any:  # fmt: skip
        options = {"blocksize": None if compression else CSV_BLOCK_BYTES, "encoding": encoding,
                   "compression": compression, "sample": 1_000_000, **kwargs}  # fmt: skip
        frame = dd.read_csv(group, include_path_column=_SOURCE_COLUMN, **options)
        meta = frame._meta[columns(kwargs)]  # the fields past the header are dropped
        places = _places(group, options["blocksize"], labels)
        frame = frame.map_partitions(_whole_rows, encoding, kwargs, places, meta=meta)
        return frame[first] if columns(kwargs) != first else frame

    # files read as one share the first one's compression: a .csv.gz among .csv files
    # was read as plain text (its gzip bytes refused as "not utf-8")
    keys = [(*layout, _compression(f)) for f, layout in zip(files, layouts, strict=True)]
    if all(key == keys[0] for key in keys):
        return read(files, *keys[0])
    groups: list[tuple[list[str], tuple[str, dict[str, Any], str | None]]] = []
    for f, key in zip(files, keys, strict=True):  # runs of files laid out alike
        if groups and groups[-1][1] == key:
            groups[-1][0].append(f)
        else:
            groups.append(([f], key))
    return dd.concat([read(group, *key) for group, key in groups])


def _places(group: list[str], blocksize: int | None,
            labels: dict[str, str]) -> dict[str, tuple[str, int, int, int]]:  # fmt: skip
    """Each file of a ``group`` read as one Dask frame, by its real path (Dask's path
    column may spell it otherwise): how messages name it, the frame's partition its first
    block is, its count of blocks and its size. The blocks are those Dask's own reader
    cuts (:func:`dask.bytes.read_bytes`, which only asks the files' sizes), one partition
    each, file after file."""
    from dask.bytes import read_bytes

    counts = [1] * len(group)
    if blocksize is not None:
        _, blocks = read_bytes(group, delimiter=b"\n", blocksize=blocksize, sample=False)
        counts = [len(b) for b in blocks]
    places, first = {}, 0
    for file, count in zip(group, counts, strict=True):
        real = os.path.realpath(file)
        places[real] = (labels.get(real, Path(file).name), first, count, os.path.getsize(file))
        first += count
    return places


def _compression(name: str) -> str | None:
    """The compression of a file by its suffix, as Dask infers it for the first file of a
    list (``None``: plain text)."""
    from fsspec.utils import infer_compression

    return infer_compression(name)


def _header_row_told(opts: ReadOptions) -> str:
    """What a ``--header-row`` given for several files does, said when they disagree."""
    told = opts.header_row
    if told is None:
        return ""
    return (f". --header-row {told} reads the column names from line {told} of every file: "
            "leave it out to find each file's own, under a title or not")


def _file_header(
    file: str, opts: ReadOptions, given: dict[str, str | None], several: bool
) -> tuple[ReadOptions, list[str]]:
    """:func:`rfm.io.loading.find_header` of one file (its column names may sit under a
    title, as in memory), its refusal naming the file when there are ``several``."""
    try:
        return find_header(file, opts, given)
    except ValueError as exc:
        if not several:
            raise
        raise ValueError(f"{Path(file).name}: {exc}") from None


def _layout(
    file: str, opts: ReadOptions, text: list[str], date: str | None
) -> tuple[str, dict[str, Any]]:
    """The encoding and ``read_csv`` keywords of one file (see :func:`_read_csv`)."""
    encoding, kwargs = csv_options(Path(file), text, opts)
    if date is not None:  # missing values as in memory (na_values): only the type is set
        kwargs["dtype"] = {c: str for c in kwargs["names"] if c != date}
    return encoding, kwargs


#: what a block pandas could not split into columns likely holds, by pandas' words,
#: when no file read on its own shows it
_UNPARSED = {
    "EOF": ("a '\"' that opens a quoted cell on one line and closes it on a later one, "
            "across the end of a block; fix the quote, or pass --no-quoting to read '\"' as a "
            "plain character"),
    "": ("a separator at the end of some lines only (an empty field past the header's "
         "columns); give every line the header's number of fields, or pass --no-quoting if "
         "a '\"' in the data is a plain character"),
}


def _parser_error(exc: BaseException) -> str | None:
    """pandas' words when ``exc`` is, or was raised from, its refusal to parse CSV text
    (Dask's reading of the first rows wraps it in its own ``ValueError``)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, pd.errors.ParserError):
            return str(cause)
        cause = cause.__cause__
    return None


@contextmanager
def _parsed(files: list[str], opts: list[ReadOptions], text: list[str],
            date: str | None) -> Iterator[None]:  # fmt: skip
    """Pandas' refusal of a block of CSV text (on a worker, or Dask's first rows on the
    client) said as the in-memory reader says it: pandas counts lines from the block's
    start and names no file, so each file is checked in the order read, with its own
    encoding and layout (:func:`_layout`), by :func:`rfm.io.reading.refuse_unparsable`,
    streamed; the first at fault is refused in its in-memory words. When none is, one
    line says so and what is likely."""
    try:
        yield
    except ValueError as exc:
        said = _parser_error(exc)
        if said is None:
            raise
        for file, options in zip(files, opts, strict=True):
            refuse_unparsable(Path(file), *_layout(file, options, text, date))
        what = Path(files[0]).name if len(files) == 1 else f"the {len(files):,} files"
        cause = _UNPARSED["EOF" if "EOF" in said else ""]
        raise ValueError(
            f"cannot read {what} in blocks: some lines do not split into the header's columns, "
            "although no file, read on its own, has a quote that never closes or a line with "
            f"a field too many; the likely cause is {cause}."
        ) from None


def _whole_rows(pdf: pd.DataFrame, encoding: str, kwargs: dict[str, Any],
                places: dict[str, tuple[str, int, int, int]],
                partition_info: dict | None = None) -> pd.DataFrame:  # fmt: skip
    """``pdf``, refused when a cell swallowed rows of the file (a stray quote) or a line
    has a field too many, as :func:`rfm.io.reading.read_csv_text_ids` refuses them
    (naming the file, and the block of it); empty fields past the header (a separator at
    the end of each line) dropped. The file read, and which of its blocks when it is read
    in several (``places``: :func:`_places`), go to the attrs, where messages find them."""
    source = pdf[_SOURCE_COLUMN]
    pdf = pdf.drop(columns=_SOURCE_COLUMN)
    if len(source):
        _place(pdf, str(source.iloc[0]), places, partition_info)
    where = partition_name(pdf, partition_info)
    file = Path(str(source.iloc[0])) if len(source) else Path()
    # rows from the file's start: the line at fault is found by reading the file from its
    # start (up to that line, within this block), and said as in memory
    told = None if len(source) and _from_start(pdf) else where
    no_swallowed_rows(pdf, file, encoding, kwargs, where=told)
    out = no_extra_fields(pdf, file, encoding, kwargs, where=told)
    if len(source):  # counted as in memory when the rows start at the file's start
        no_repeated_header(out, where, kwargs, at=_from_start(pdf))
    out.attrs.update(pdf.attrs)
    return out


def _place(pdf: pd.DataFrame, file: str, places: dict[str, tuple[str, int, int, int]],
           partition_info: dict | None) -> None:  # fmt: skip
    """Put in ``pdf``'s attrs the name of ``file`` and, when the file is read in several
    blocks, which of them ``pdf`` is (its partition number less the file's first)."""
    label, first, count, size = places[os.path.realpath(file)]
    pdf.attrs[SOURCE_ATTR] = label
    number = partition_info.get("number") if partition_info else None
    if count > 1 and number is not None:
        pdf.attrs[BLOCK_ATTR] = (number - first, count, size)


def _from_start(pdf: pd.DataFrame) -> bool:
    """Whether the rows of ``pdf`` are its file's from the first: the whole file, or the
    first of its blocks (rows of a later block count from that block's start)."""
    return pdf.attrs.get(BLOCK_ATTR, (0,))[0] == 0


def _placed(message: str, pdf: pd.DataFrame, roles: dict[str, str | None]) -> str:
    """``message`` with each ``(order line N)`` placed for the reader: a worker sees its own
    rows only, so N counts from their start. That is the file's start when they are the
    whole file or its first block (N is then said as in memory); in a later block it is
    that block's start, which no one can find in the file, so the line's customer (and
    invoice), which can be searched for, are said too."""
    if _from_start(pdf):
        return message

    def where(found: re.Match) -> str:
        n = int(found.group(1))
        if not 1 <= n <= len(pdf):
            return f"(order line {n} of that block)"
        row = pdf.iloc[n - 1]
        keys = [f"{role} {row[roles[role]]}" for role in ("customer", "invoice")
                if roles[role] and pd.notna(row[roles[role]])]  # fmt: skip
        return f"(order line {n} of that block: {', '.join(keys)})"

    return re.sub(r"\(order line (\d+)\)", where, message)


def _typed(
    pdf: pd.DataFrame,
    cols: TransactionColumns,
    opts: ReadOptions,
    date_options: dict[str, Any] | None,
    first: str,
    whole: dict[str, MoneyText],
    partition_info: dict | None = None,
) -> pd.DataFrame:
    """One partition with its role columns typed (see the module docstring); its dates
    must read as the first partition's did (``first``: the format they were read with);
    a money column in ``whole`` is read as what the whole data's text held decides
    (:func:`_first_pass`)."""
    where = partition_name(pdf, partition_info)
    roles = cols.roles()
    out = pdf.copy()
    try:
        for role in ("customer", "invoice"):
            if roles[role] and not pd.api.types.is_integer_dtype(out[roles[role]].dtype):
                out[roles[role]] = id_text(out[roles[role]])
        for role in ("amount", "quantity", "price"):
            if roles[role]:
                numbers, _ = number_column(out[roles[role]], roles[role], role, opts.decimal,
                                           opts.thousands, whole.get(roles[role]))
                out[roles[role]] = numbers.astype(np.float64)  # one type in every partition
        if date_options is not None:
            out[cols.date] = _dates(out[cols.date], date_options, first)
    except ValueError as exc:
        raise ValueError(f"{where}: {_placed(str(exc), pdf, roles)}") from None
    out.attrs.update(pdf.attrs)
    return out


def _part_money(pdf: pd.DataFrame, money: dict[str, str]) -> pd.Series:
    """What the text of each money column (name: role) of one partition held: a
    :class:`rfm.io.loading.MoneyText` for each, in a one-value Series."""
    where = pdf.attrs.get(SOURCE_ATTR)
    read = {name: money_text(pdf[name], role, where) for name, role in money.items()}
    return pd.Series([read], dtype=object)


def _part_dates(pdf: pd.DataFrame, date_options: dict[str, Any]) -> pd.Series:
    """How one partition's dates read, and how many there are, in a one-value Series
    (``None`` when they do not read: :func:`_typed` then says why). Dates that read both
    ways are read day first: they are read so when the first partition's are, and
    refused otherwise."""
    column = pdf[date_options["name"]]
    try:
        try:
            parsed, used = read_date_column(column, **date_options)
        except AmbiguousDate:
            parsed, used = read_date_column(column, **{**date_options, "dayfirst": True})
    except ValueError:
        return pd.Series([None], dtype=object)
    return pd.Series([(used, int(parsed.notna().sum()))], dtype=object)


def _first_pass(
    ddf: Any, date_options: dict[str, Any] | None, money: dict[str, str]
) -> tuple[pd.DataFrame | None, list, dict[str, MoneyText]]:
    """In one computation: the first partition's date column (``date_options`` ``None``:
    not needed) and how each partition's dates read (:func:`_part_dates`), and what the
    text of each money column (``money``, name: role) held over the whole data
    (:class:`rfm.io.loading.MoneyText`, partitions in order), from which every partition
    is read."""
    import dask

    meta = pd.Series([], dtype=object)
    parts = ddf[list(money)].map_partitions(_part_money, money, meta=meta) if money else None
    head = dates = None
    if date_options is not None:
        date = date_options["name"]
        head = ddf.get_partition(0)[[date]]
        dates = ddf[[date]].map_partitions(_part_dates, date_options, meta=meta)
    first, layouts, read = dask.compute(head, dates, parts)
    whole = {name: MoneyText() for name in money}
    for part in [] if read is None else read:
        whole = {name: whole[name].then(part[name]) for name in money}
    return first, [] if layouts is None else list(layouts), whole


#: one layout of a column read in several, as :func:`rfm.io.dates.read_date_column` says it
_LAYOUT = re.compile(r"(?:: | and )(.+?) \(([\d,]+) order lines?\)")


def _dates_read(first: str, parts: list[tuple[str, int] | None]) -> str:
    """How the dates of every partition were read (``parts``: :func:`_part_dates`), as
    the in-memory reader says it of the same column: ``first`` (the first partition's
    format) when they were all read alike, else each layout with its count of order lines
    (the report said "one format for the whole column" when files of day-first dates
    followed files of ISO dates)."""
    counts: dict[str, int] = {}
    order = ""
    for part in parts:
        if part is None or part[0] == NO_DATES:
            continue
        used = part[0].removesuffix(ZONES_NOTE)
        note = next((o for o in _ORDERS if used.endswith(o)), "")
        order = order or note
        used = used.removesuffix(note)
        found = _LAYOUT.findall(used) if SEVERAL_LAYOUTS in used else [(used, str(part[1]))]
        for layout, n in found:
            counts[layout] = counts.get(layout, 0) + int(n.replace(",", ""))
    if len(counts) < 2:
        return first
    layouts = sorted(counts, key=lambda f: not f.startswith("%Y"))  # year first, as in memory
    said = " and ".join(f"{f} ({counts[f]:,} order line{'' if counts[f] == 1 else 's'})"
                        for f in layouts)  # fmt: skip
    zones = ZONES_NOTE if first.endswith(ZONES_NOTE) else ""
    return f"{len(layouts)} {SEVERAL_LAYOUTS}: {said}{order}{zones}"


def _dates(column: pd.Series, date_options: dict[str, Any], first: str) -> pd.Series:
    """One partition's dates, read as the first partition's were (``first``: the format
    they were read with): a partition that only reads the other day/month order, or that
    gives time zones where the first gives none (or the other way round), is refused.

    When the first partition's dates settle no day/month order (ISO dates) and neither
    ``--dayfirst`` nor ``--date-format`` was given, a partition whose d/m/y dates settle
    one by themselves (``13/01/2024``) is refused too: another partition's could settle
    the other (``01/13/2024``), and ``02/03/2024`` would then read 2 March in one and 3
    February in the other, which no partition can see. In memory such a column is read
    as a whole, and refused."""
    order = next((o for o in _ORDERS if first.removesuffix(ZONES_NOTE).endswith(o)), "")
    name = date_options["name"]
    told = bool(date_options["dayfirst"] or date_options["date_format"])
    try:  # the user's --dayfirst: a partition read the other way is named below
        parsed, used = read_date_column(column, **date_options)
    except AmbiguousDate as exc:  # every value fits both: the first partition's order
        if not order and first != NO_DATES:  # among the first partition's ISO dates
            raise mixed_layouts_error(exc, FLAGS) from None
        if order != _ORDERS[0]:
            raise
        parsed, used = read_date_column(column, **{**date_options, "dayfirst": True})
    if used != NO_DATES and first != NO_DATES and used.endswith(ZONES_NOTE) != (
        first.endswith(ZONES_NOTE)
    ):
        these, others = ("give", "give none") if used.endswith(ZONES_NOTE) else ("give none",
                                                                               "give one")
        raise ValueError(f"date column {name!r}: these dates {these} a time zone after their "
                         f"times, but those at the start of the first file {others}; give all or "
                         "none a "
                         "zone.")  # fmt: skip
    used = used.removesuffix(ZONES_NOTE)
    other = [o for o in _ORDERS if o != order and used.endswith(o)]
    if order and other:
        raise ValueError(
            f"date column {name!r}: these dates only read {other[0].strip(' ()')},"
            f" but those at the start of the first file only read {order.strip(' ()')}; pass "
            "--date-format."
        )
    if other and not told:  # the first partition's dates settle no order: no one does
        raise ValueError(
            f"date column {name!r}: these dates, e.g. {_settling(column, other[0])!r}, only "
            f"read {other[0].strip(' ()')}, but those at the start of the first file settle no "
            "day/month order, so those of another file or block could read the other way; "
            "pass --dayfirst for "
            "day first, or for month first a --date-format pattern that reads every file's "
            "dates (else write them one way, e.g. as YYYY-MM-DD)."
        )
    return parsed


def _settling(column: pd.Series, order: str) -> str:
    """A value of ``column`` that only reads in ``order`` (``" (day first)"``: its first
    number is above 12; ``" (month first)"``: its second)."""
    parts = column.dropna().astype(str).str.extract(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]")
    field = parts[0 if order == _ORDERS[0] else 1].astype(float)
    found = column.dropna()[(field > 12).to_numpy()]
    return str(found.iloc[0]).strip() if len(found) else ""


def load_transactions_dask(
    path: str | os.PathLike[str],
    *,
    options: ReadOptions | None = None,
    **given: str | None,
) -> LoadedTransactions:
    """A lazy, typed Dask DataFrame of a Parquet folder or glob, or a CSV file or glob.

    Parameters
    ----------
    path : str or PathLike
        A folder of Parquet files (read recursively), a glob pattern (``"tx/*.parquet"``)
        or one file.
    options : ReadOptions, optional
        As for :func:`rfm.io.loading.load_transactions` (CSV reader options, decimal
        mark, date format, day first).
    **given
        Column names by role (``customer``, ``invoice``, ``date``, ``amount``,
        ``quantity``, ``price``); the others are recognised by name.

    Returns
    -------
    LoadedTransactions
        ``frame`` is a ``dask.dataframe.DataFrame`` (nothing read yet but the schema,
        the date column of every partition when the dates are text, and the money
        columns when they are text: the first pass of the module docstring);
        ``date_format`` says how the dates are read, ``currency`` and ``notes`` what the
        money held besides numbers.
    """
    from rfm.io.parquet_dask import parquet_schemas, read_parquet_dask

    opts = options or ReadOptions()
    kind, files = source_files(path)
    found: list[str] = []  # the note on the line of the column names
    csv_read = None  # CSV: how the files are read, for pandas' refusals said as in memory
    if kind == "parquet":
        names = parquet_schemas(files[:1])[0].names
        pre = TransactionColumns.recognise(names, **given)
        ids = [c for c in (pre.customer, pre.invoice) if c]  # text in every file if need be
        ddf = read_parquet_dask(path if Path(path).is_dir() else str(path), text_columns=ids)
    else:
        each = [_file_header(f, opts, given, len(files) > 1) for f in files]
        found = [note for _, notes in each for note in notes]
        header = header_of(files[0], each[0][0])
        text: list[str] = []
        date = None
        if header:  # None or []: reading the file reports the problem
            try:
                pre = TransactionColumns.recognise(header, **given)
            except ValueError as exc:
                if len(files) < 2 or opts.header_row is None:
                    raise
                raise ValueError(f"{Path(files[0]).name}: {str(exc).rstrip('.')}"
                                 f"{_header_row_told(opts)}.") from None  # fmt: skip
            text = [c for c in (pre.customer, pre.invoice, pre.amount, pre.quantity,
                                pre.price) if c]  # fmt: skip
            date = pre.date
        csv_read = (files, [o for o, _ in each], text, date)
        with _parsed(*csv_read):
            ddf = _read_csv(*csv_read)
    cols = TransactionColumns.recognise([str(c) for c in ddf.columns], **given)
    date_options: dict[str, Any] | None = None
    used = STORED_AS_DATES
    date_dtype = ddf._meta[cols.date].dtype
    roles = cols.roles()
    money = {roles[r]: r for r in ("amount", "quantity", "price") if roles[r]
             and not pd.api.types.is_numeric_dtype(ddf._meta[roles[r]].dtype)}  # fmt: skip
    if not pd.api.types.is_datetime64_any_dtype(date_dtype) or bool(opts.date_format):
        date_options = {
            "date_format": opts.date_format,
            "dayfirst": opts.dayfirst,
            "name": cols.date,
            "options": FLAGS,  # the messages name --date-format, --dayfirst
        }
    with _parsed(*csv_read) if csv_read else nullcontext():
        head, layouts, whole = _first_pass(ddf, date_options, money)
    for name, read in whole.items():
        read.check(name, opts.decimal, opts.thousands)
    currency, notes = money_read(whole)
    if date_options is not None:
        parsed, used = read_date_column(head[cols.date], **date_options)
    meta = _typed(ddf._meta, cols, opts, None, used, {})
    if date_options is not None:
        meta[cols.date] = pd.Series([], dtype=parsed.dtype)
    for role in ("amount", "quantity", "price"):
        if roles[role] and not pd.api.types.is_numeric_dtype(meta[roles[role]].dtype):
            meta[roles[role]] = pd.Series([], dtype=np.float64)
    typed = ddf.map_partitions(_typed, cols, opts, date_options, used, whole, meta=meta,
                               enforce_metadata=False)  # fmt: skip
    said = _dates_read(used, layouts)
    return LoadedTransactions(frame=typed, columns=cols, date_format=said, currency=currency,
                              notes=_files_read(files) + found + notes)  # fmt: skip
