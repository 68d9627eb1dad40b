"""CRM export: one row per customer with everything a campaign tool needs.

The file has the customer id, R, F, M, and — when given — the R/F/M scores and code, the
named segment, the K-means cluster, its persona and the customer's silhouette, so
the CRM platform can flag borderline assignments for manual review (a silhouette near 0
or below means the customer sits between two clusters). Rows keep the RFM table's order.

CSV needs nothing extra; ``format="xlsx"`` needs ``openpyxl`` (``pip install openpyxl``) and
``format="parquet"`` needs ``pyarrow`` (``pip install pyarrow``).

Spreadsheet formula injection: a customer id such as ``=HYPERLINK(...)`` must not become a live
formula when the file is opened in Excel or LibreOffice. Following the OWASP guidance on CSV
injection, CSV and xlsx files get every text cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return prefixed with a single quote (:func:`neutralise_formulas`); text that is
a plain number (``-5``, ``+1.5e3``) cannot be a formula and is kept. Numbers are untouched, and
no xlsx cell is ever written as a formula. Parquet is typed data, not a spreadsheet: it keeps
the values verbatim.

The file is written atomically: into a staging folder beside it, then moved into place, so a
failure leaves an earlier file of the same name as it was, and a symlink at ``path`` is
replaced, never written through.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe
from rfm._inputs import RFM_COLUMNS, align_to_customers, cluster_names
from rfm.io._atomic import StagedFolder
from rfm.profiles import align_labels

__all__ = [
    "CSV_DIGITS",
    "FORMATS",
    "XLSX_MAX_ROWS",
    "export",
    "export_table",
    "max_rows",
    "missing_package",
    "neutralise_formulas",
    "write_csv",
    "write_table",
]

FORMATS = ("csv", "xlsx", "parquet")
SCORE_COLUMNS = ("r_score", "f_score", "m_score", "rfm_code")
#: data rows an xlsx sheet holds: Excel's 1,048,576 rows less the header row
XLSX_MAX_ROWS = 1_048_575
#: package each format needs beyond pandas
PACKAGES = {"xlsx": "openpyxl", "parquet": "pyarrow"}
#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def max_rows(format: str) -> int | None:
    """Most customers a file of ``format`` holds (``None``: no limit)."""
    return XLSX_MAX_ROWS if format == "xlsx" else None


def missing_package(format: str) -> str | None:
    """The package ``format`` needs that is not installed, or ``None``."""
    package = PACKAGES.get(format)
    if package is not None and importlib.util.find_spec(package) is None:
        return package
    return None


def _neutral_text(value: Any) -> Any:
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def restore_neutralised(values: pd.Series) -> pd.Series:
    """Text read back from a file :func:`neutralise_formulas` wrote, as it was: the leading
    quote taken off exactly where that function adds one (the rest starts with a formula
    trigger and is no plain number), so ``'+1-555-0100`` reads ``+1-555-0100`` and a
    quote that was the text's own (``'5``) stays."""
    text = values.astype(str)
    rest = text.str[1:]
    added = (text.str.startswith("'") & rest.str.startswith(FORMULA_TRIGGERS)
             & ~rest.str.fullmatch(_PLAIN_NUMBER.pattern))  # fmt: skip
    return text.where(~added, rest)


def _is_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _holds_carriage_return(values: pd.Series) -> bool:
    """Whether a text column holds a carriage return; a category column is answered by
    its few categories that occur (spelling out millions of long action texts took
    gigabytes)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0
        values = pd.Series(values.cat.categories[used])
    return bool(values.astype(str).str.contains("\r", regex=False).any())


def _neutral_column(values: pd.Series | pd.Index) -> pd.Series | pd.Index:
    if not _is_text(values):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):  # neutralise the few categories
        categories = values.cat.categories if isinstance(values, pd.Series) else None
        if categories is not None:
            safe = _neutral_column(categories)
            if safe is categories:
                return values
            if safe.is_unique:
                return values.cat.rename_categories(safe)
        values = values.astype(object)
    first = pd.Series(values, copy=False).str[:1]  # vectorised: most columns need nothing
    if not first.isin(FORMULA_TRIGGERS).any():
        return values
    return values.map(_neutral_text)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet (CSV or xlsx).

    Every text cell (and index label) that starts with ``=``, ``+``, ``-``, ``@``, a tab or
    a carriage return gets a leading single quote, as the OWASP guidance on CSV injection
    recommends, so Excel and LibreOffice show it as text instead of running it as a formula.
    Text that is a plain number (``-5``, ``+1.5e3``) cannot be a formula and is kept; number
    columns are untouched. ``frame`` is not modified.
    """
    check_dataframe(frame, "frame")
    out = frame.copy(deep=False)  # columns are replaced, never written into
    for i in range(out.shape[1]):
        out.isetitem(i, _neutral_column(out.iloc[:, i]))
    out.index = _neutral_column(out.index)
    return out


def write_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    index: bool = False,
    digits: int | None = None,
) -> None:
    """Write ``frame`` as CSV, neutralised against formulas (:func:`neutralise_formulas`),
    its floats rounded to ``digits`` significant digits when given
    (:func:`round_significant`: figures made from sums read alike whatever the order of
    their additions).

    With pyarrow installed (the ``dask`` and ``test`` extras bring it) the file is written
    by Arrow's CSV writer, which is multithreaded and some ten times faster than pandas'
    on millions of customers: every text cell is quoted, numbers are written exactly
    (the shortest text that reads back as the same float), ``True``/``False`` as pandas
    writes them. Without pyarrow, pandas writes the same values (text quoted only where
    needed). Lines end with ``\n``, or with ``\r\n`` when a text cell holds a carriage
    return, so that a spreadsheet never splits a row there (its second half would start a
    new, live, formula cell).
    """
    safe = neutralise_formulas(frame)
    if digits is not None:
        safe = _significant_digits(safe, digits)
    columns = [safe.iloc[:, i] for i in range(safe.shape[1])]
    if index:
        columns.append(safe.index.to_series())
    has_cr = any(_holds_carriage_return(col) for col in columns if _is_text(col))
    ending = "\r\n" if has_cr else "\n"
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:
        safe.to_csv(path, index=index, lineterminator=ending)
        return
    if index:
        safe = safe.reset_index()
    for i in range(safe.shape[1]):  # booleans as pandas writes them
        if pd.api.types.is_bool_dtype(safe.iloc[:, i].dtype):
            safe.isetitem(i, safe.iloc[:, i].map({True: "True", False: "False"}).astype(object))
    table = pa.Table.from_pandas(safe, preserve_index=False)
    pa_csv.write_csv(table, str(path), pa_csv.WriteOptions(eol=ending))


def _write_xlsx(table: pd.DataFrame, path: Path, sheet_name: str) -> None:
    """Write ``table`` with openpyxl; every text cell is typed as a string, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)

    def text(value: str) -> WriteOnlyCell:
        try:
            cell = WriteOnlyCell(sheet, value=value)
        except IllegalCharacterError:
            raise ValueError(
                f"the text {value!r} holds a control character that an xlsx file cannot "
                "store; write csv or parquet instead."
            ) from None
        cell.data_type = "s"  # openpyxl would make a string starting with "=" a formula
        return cell

    sheet.append([text(str(name)) for name in table.columns])
    columns = [
        table.iloc[:, i].astype(object).where(table.iloc[:, i].notna(), None).tolist()
        for i in range(table.shape[1])
    ]
    try:
        for row in zip(*columns, strict=True):
            sheet.append([text(v) if isinstance(v, str) else v for v in row])
    except BaseException:
        with contextlib.suppress(Exception):
            sheet.close()  # end openpyxl's row writer cleanly; the file is not saved
        raise
    book.save(path)


def write_table(table: pd.DataFrame, path: str | os.PathLike[str], format: str) -> None:
    """Write the table of :func:`export_table` to ``path`` as it is (not atomic, no checks
    beyond the row limit): CSV and xlsx neutralised against formulas, parquet verbatim."""
    limit = max_rows(format)
    if limit is not None and len(table) > limit:
        raise ValueError(
            f"{len(table):,} customers do not fit in an {format} sheet (at most {limit:,} "
            "rows); use format='csv' or 'parquet'."
        )
    if format == "csv":
        write_csv(_significant_digits(table, CSV_DIGITS), path)
    elif format == "xlsx":
        _write_xlsx(neutralise_formulas(table), Path(path), "customers")
    elif format == "parquet":
        table.to_parquet(path, index=False, engine="pyarrow")
    else:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")


#: significant digits of the floats in a segments.csv (:func:`_significant_digits`)
CSV_DIGITS = 12


def round_significant(values: np.ndarray, digits: int = 12,
                      scale_of: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """``values`` (float64) rounded to ``digits`` significant digits, so that figures whose
    last bits depend on the order of additions (sums on Dask, in memory) read alike; for
    money and probabilities 12 digits lose nothing a reader uses.

    Each value becomes ``round(v · 10^e) / 10^e`` with ``e = digits − 1 − ⌊log10 |s|⌋``,
    ``s = v`` itself or, given, ``scale_of`` (a difference rounded at the last digit of
    the larger number it came from: 1,000.01 − 1,000 reads 0.01): the nearest double to
    the rounded decimal, whose shortest text is that decimal. NaN, ±inf and 0 are kept.
    """
    v = np.asarray(values, dtype=np.float64)
    s = v if scale_of is None else np.asarray(scale_of, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = digits - 1 - np.floor(np.log10(np.abs(s)))
        e = np.where(np.isfinite(e), np.clip(e, -300, 300), 0.0)
        scale = 10.0 ** np.abs(e)
        rounded = np.where(e >= 0, np.round(v * scale) / scale, np.round(v / scale) * scale)
    rounded = np.where(np.isfinite(rounded), rounded, v)
    inexact = np.flatnonzero(np.abs(e) > 22)  # 10^e is no longer an exact double
    rounded[inexact] = ([float(f"{x:.{digits}g}") for x in v[inexact]] if scale_of is None
                        else v[inexact])  # fmt: skip
    return rounded


def _significant_digits(table: pd.DataFrame, digits: int) -> pd.DataFrame:
    """A copy with every float column rounded to ``digits`` significant digits
    (:func:`round_significant`)."""
    out = table.copy(deep=False)
    for name in out.columns:
        if pd.api.types.is_float_dtype(out[name].dtype):
            out[name] = round_significant(out[name].to_numpy(dtype=np.float64), digits)
    return out


def _per_customer(values: Any, index: pd.Index, name: str) -> pd.Series:
    """A Series or array of one value per customer, aligned on ``index``."""
    if isinstance(values, pd.DataFrame):
        check_columns(values, [name], what=name)
        values = values[name]
    return align_to_customers(values, index, name=name, allow_missing=True)


def export_table(
    rfm: pd.DataFrame,
    labels: Any,
    *,
    scores: pd.DataFrame | None = None,
    segments: pd.DataFrame | pd.Series | None = None,
    personas: Mapping[Any, str] | pd.Series | None = None,
    silhouette: Any = None,
    actions: Any = None,
    value: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The table :func:`export` writes (same parameters), as a DataFrame.

    Columns: ``customer``, ``recency``, ``frequency``, ``monetary``, then ``r_score``,
    ``f_score``, ``m_score``, ``rfm_code`` (with ``scores``), ``segment`` (with
    ``segments``), ``cluster``, ``persona`` (with ``personas``), ``action`` (with
    ``actions``), ``silhouette`` (with ``silhouette``), and the columns of ``value``
    (per customer; ``p_alive``, ``expected_purchases``, ``expected_value`` from
    :mod:`rfm.app.value`).
    """
    check_dataframe(rfm, "rfm", source="see rfm_table")
    check_columns(rfm, list(RFM_COLUMNS), what="rfm table")
    index = rfm.index
    lab = align_labels(labels, index)
    out = pd.DataFrame({"customer": index.to_numpy()}, index=index)
    for col in RFM_COLUMNS:
        out[col] = rfm[col].to_numpy()
    if scores is not None:
        check_dataframe(scores, "scores", source="see rfm_scores")
        check_columns(scores, list(SCORE_COLUMNS), what="scores")
        for col in SCORE_COLUMNS:
            out[col] = _per_customer(scores[col], index, col).array
    if segments is not None:
        out["segment"] = _per_customer(segments, index, "segment").array
    out["cluster"] = lab.to_numpy()
    if personas is not None:
        out["persona"] = cluster_names(lab, personas).array  # a few names, many customers
    if actions is not None:
        out["action"] = _per_customer(actions, index, "action").array
    if silhouette is not None:
        out["silhouette"] = _per_customer(silhouette, index, "silhouette").to_numpy(
            dtype=np.float64
        )
    if value is not None:
        check_dataframe(value, "value", source="see rfm.app.value")
        for col in value.columns:
            out[col] = _per_customer(value[col], index, col).to_numpy(dtype=np.float64)
    return out.reset_index(drop=True)


def export(
    path: str | os.PathLike[str],
    rfm: pd.DataFrame,
    labels: Any,
    *,
    scores: pd.DataFrame | None = None,
    segments: pd.DataFrame | pd.Series | None = None,
    personas: Mapping[Any, str] | pd.Series | None = None,
    silhouette: Any = None,
    format: str = "csv",
    actions: Any = None,
) -> Path:
    """Write the per-customer CRM table to ``path``.

    Parameters
    ----------
    path : str or PathLike
        File to write (its folder must exist).
    rfm : DataFrame
        RFM table indexed by customer (:func:`rfm.rfm_table`).
    labels : Series or array
        Cluster per customer (``cluster(...).labels``).
    scores : DataFrame, optional
        :func:`rfm.rfm_scores` output (``r_score, f_score, m_score, rfm_code``).
    segments : DataFrame or Series, optional
        :func:`rfm.segment` output (its ``segment`` column) or a Series of names.
    personas : Series or dict, optional
        Cluster id → persona name (:func:`rfm.name_personas`).
    silhouette : Series or array, optional
        Silhouette value per customer (:func:`validation.silhouette_samples`).
    format : {"csv", "xlsx", "parquet"}
        File format; ``"xlsx"`` needs openpyxl (at most 1,048,575 customers), ``"parquet"``
        needs pyarrow. CSV and xlsx text cells are neutralised against formula injection
        (see :func:`neutralise_formulas`).
    actions : Series or array, optional
        The one recommended action per customer (:func:`rfm.customer_actions`).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    package = missing_package(format)
    if package is not None:
        raise ImportError(
            f"format={format!r} needs the {package} package: pip install {package} "
            "(or use format='csv')."
        )
    table = export_table(
        rfm, labels, scores=scores, segments=segments, personas=personas, silhouette=silhouette,
        actions=actions,
    )
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"folder {str(path.parent)!r} does not exist; create it first.")
    if path.is_dir() and not path.is_symlink():
        raise ValueError(f"{str(path)!r} is a folder.")
    with StagedFolder(path.parent) as stage:
        with stage.writing(path.name) as staged:
            write_table(table, staged, format)
        stage.commit()
    return path
