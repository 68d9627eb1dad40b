"""One application of a saved model, as ``rfmseg apply`` runs it: assign, profile, drift.

:func:`apply_model` cleans the new order lines and builds their customer table exactly as
a training run does (:func:`rfm.app.pipeline.customer_table`, on Dask too), assigns every
customer with the frozen model (:meth:`rfm.SegmentModel.assign_customers`), summarises the
segments and the clusters under the model's persona names, measures drift against the
training customers and, given the previous run's ``segments.csv``, who changed segment or
cluster and the from → to matrix (:func:`rfm.migration.compare_segments`). Nothing is
fitted: there is no elbow, silhouette or stability to report.

The comparison with the previous run says only what the two files support:

* both runs are read with this model's yardstick: the previous file's customers are
  scored, named and clustered again from their figures in it (:func:`read_again`). When
  that file came from this model, that changes nothing; when it came from another model
  (a refit's predecessor, other rules, other clusters) a warning says how many customers
  it read otherwise, and a lower score (``direction`` "down") still means that the
  customer's own figures fell, not that a threshold moved;
* spend between the runs (``revenue``) is this run's spend less the previous file's, both
  at the 12 significant digits a ``segments.csv`` keeps (:data:`rfm.io.export.CSV_DIGITS`),
  so a spend that did not change gives exactly 0, not a residue of adding in another order;
* ``orders_between`` (frequency now less frequency then) and ``revenue`` are written only
  when the new data continue the previous run's: no customer of the previous file is gone
  or has fewer orders (a rolling window loses old orders), and no customer has as many
  orders as before but another spend (lines counted twice, money in another unit, or a
  window that lost an order as one came); otherwise neither
  an unchanged count nor a difference of spends says what happened between the runs.

On a Dask DataFrame the order lines are cleaned and reduced on Dask in one pass, as a
training run reduces them (:func:`rfm.app.pipeline.customer_table`: the cleaning report,
the totals row and the customer table from one computation, so each partition is read
once), and the customer table, gathered in the in-memory customer order, is assigned here
by the same :meth:`rfm.SegmentModel.assign_customers`: the files are the in-memory run's.
(Assigning each partition of a lazy table where it lies read every partition twice: once
for the cleaning report, once for the table.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm._cleaning_rules import MODEL_KEEPS_TOTALS
from rfm._inputs import RFM_COLUMNS
from rfm._table_core import settled_snapshot
from rfm.app.pipeline import (
    ORDERS_ARE_DAYS,
    Progress,
    Steps,
    customer_table,
    returns_notes,
    run_warnings,
    separation_table,
)
from rfm.cleaning import ids_written_otherwise
from rfm.drift import MIN_DRIFT_CUSTOMERS, assignment_changes
from rfm.io.export import (
    CSV_DIGITS,
    _significant_digits,
    restore_neutralised,
)
from rfm.labels import agree, counted, orders_word, rfm_decimals
from rfm.model import SegmentModel
from rfm.personas import (
    describe_personas,
    name_stem,
    says_one_time,
    stated_statistics,
    with_figures,
)
from rfm.profiles import profile
from rfm.rulecheck import (
    RuleCheck,
    check_rules,
    name_inversions,
    score_sentences,
)
from rfm.segments import RuleSet, resolve_rules
from rfm.summary import segment_summary

__all__ = [
    "ROUNDED",
    "AppliedRun",
    "apply_model",
    "ids_written_otherwise",
    "once_no_more",
    "read_again",
    "read_previous",
    "stale_brackets",
    "stale_names",
]


@dataclass
class AppliedRun:
    """What :func:`apply_model` computed (the inputs of the files and the report)."""

    model: SegmentModel
    #: the customer table of the new data (rfm.rfm_table)
    rfm: pd.DataFrame
    #: the assignment, the columns of segments.csv (SegmentModel.assign)
    table: pd.DataFrame
    #: rows removed per cleaning rule
    cleaning: pd.DataFrame
    #: one row per feature: PSI, KS and a verdict (SegmentModel.drift)
    drift: pd.DataFrame
    #: per cluster on the new customers, best first, under the model's personas
    profile: pd.DataFrame
    #: persona name per cluster id (the model's)
    personas: pd.Series
    #: customers, shares, revenue and median customer per segment
    segment_summary: pd.DataFrame
    q: int
    rule_set: RuleSet
    rule_check: RuleCheck
    #: segment, cluster and customer changes since --previous (rfm.drift.assignment_changes,
    #: on the previous customers as this model reads them: read_again), ``read_otherwise``
    #: (customers the previous file reads otherwise), ``orders_fell`` (customers in both
    #: with fewer orders now) and ``spend_without_orders`` (in both, spend changed with no
    #: new order)
    changes: pd.Series | None = None
    #: from -> to segments since --previous (rfm.migration.compare_segments)
    migration: Any = None
    #: the previous run's segments file (read_previous) as this model reads it (read_again)
    previous: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: the model's column roles (rfm.TransactionColumns)
    columns: Any = None
    #: segment pairs whose names invert the value order on these customers
    inversions: pd.DataFrame | None = None
    #: how strongly each dimension separates the clusters on these customers
    separation: pd.DataFrame | None = None
    #: what the reader must know, in sentences (the console and the report show them)
    warnings: list[str] = field(default_factory=list)
    #: how the figures were made where it is not the usual way (orders without invoices)
    notes: list[str] = field(default_factory=list)
    #: no value ahead in an applied run (nothing is fitted)
    value: Any = None
    #: the model's persona names that no longer describe their customers (stale_names)
    stale_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: when the model's own date gave way to 24 hours after these orders' last one (they
    #: go on past it): the warning, with the model's ``date`` and the lines' ``last``
    snapshot_passed: Any = None

    @property
    def refit_recommended(self) -> bool:
        """Whether any drift verdict recommends a refit (a PSI above 0.25, on 200 customers
        or more: :data:`rfm.drift.MIN_DRIFT_CUSTOMERS`)."""
        return bool(self.drift.attrs.get("refit_recommended", False))


#: what a --previous file that cannot be used is asked to be instead
EARLIER_RUN = "give the segments file of an earlier run (segments.csv, .xlsx or .parquet)"
#: suffixes of the compressed CSV files pandas opens by their name
COMPRESSED = (".gz", ".bz2", ".xz", ".zip")


def read_previous(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The previous run's segments file (``segments.csv``, ``.xlsx`` or ``.parquet``, as
    ``--format`` wrote it): customer ids as text (a leading quote added against
    spreadsheet formulas is taken off again), with the columns a comparison needs.

    Raises
    ------
    ValueError
        No such file, a folder, a pipe, an empty or unreadable file (not a table, a
        quote never closed, not UTF-8, damaged), a .zip that does not hold one file
        alone, a file of another kind (a report, say, or compressed data named .csv), a
        column missing or not numeric, or a customer listed more than once; each message
        is one line in words that names ``--previous``.
    """
    from rfm.io.reading import read_transactions

    where = f"--previous {path}"
    file = Path(path)
    if file.is_dir():
        raise ValueError(f"{where} is a folder; give the segments file in it, e.g. "
                         f"{file / 'segments.csv'}")  # fmt: skip
    if not file.exists():
        raise ValueError(f"{where}: file not found")
    if not file.is_file():  # reading a pipe or a device may block for ever
        raise ValueError(f"{where} is not a regular file (a pipe or device); {EARLIER_RUN}")
    if file.stat().st_size == 0:
        raise ValueError(f"{where} is empty (no header, no rows); {EARLIER_RUN}")
    try:
        with open(file, "rb"):
            pass
    except PermissionError:
        raise ValueError(f"{where} cannot be opened: permission denied") from None
    kind = "".join(file.suffixes[-1:]).lower()
    if kind in (".xlsx", ".parquet", ".pq"):
        try:
            table = read_transactions(path, text_columns=["customer"])
        except (ValueError, ImportError) as exc:  # the reader's words: what is wrong, in full
            raise ValueError(f"{where} is not the segments file of an earlier run "
                             f"(segments.csv, .xlsx or .parquet): {exc}") from None  # fmt: skip
    else:
        table = _read_previous_csv(file, where, compressed=kind in COMPRESSED)
    needed = ["customer", "recency", "frequency", "monetary", "r_score", "f_score", "m_score",
              "segment", "cluster"]  # fmt: skip
    missing = [c for c in needed if c not in table]
    if missing:
        raise ValueError(f"{where} lacks column(s) {', '.join(missing)}; give the "
                         "segments file of an earlier run")  # fmt: skip
    if not len(table):
        raise ValueError(f"{where} has no customers; give the segments file of an earlier run")
    table["customer"] = restore_neutralised(table["customer"])  # the writer's quotes off
    _one_row_per_customer(table["customer"], where)
    for col in ("cluster", "r_score", "f_score", "m_score", "recency", "frequency", "monetary"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
        if not np.isfinite(table[col].to_numpy(np.float64)).all():
            raise ValueError(f"{where}: column {col} holds values that are not finite numbers")
    return table


def _read_previous_csv(path: Path, where: str, compressed: bool) -> pd.DataFrame:
    """A segments.csv as rfmseg writes it (UTF-8, commas; ``compressed`` by its suffix),
    ids and names as text and an empty spend missing. What pandas raises for a file it
    cannot read so is said in words instead, in one line naming ``--previous``
    (``where``): a .zip that does not hold one file alone, a file whose first bytes show
    another kind (gzip data named .csv) before its encoding is blamed, a quote never
    closed, a line of more columns than the header."""
    import lzma
    import re
    import zipfile
    import zlib

    if path.suffix.lower() == ".zip" and (crowded := _zip_not_one_file(path)):
        raise ValueError(f"{where} {crowded}; {EARLIER_RUN}")
    try:
        return pd.read_csv(path, dtype={"customer": str}, keep_default_na=False,
                           na_values={"monetary": [""]})  # fmt: skip
    except pd.errors.EmptyDataError:  # blank lines only (a ValueError: must come first)
        raise ValueError(f"{where} is empty (no header, no rows); {EARLIER_RUN}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:  # (ValueErrors too)
        if not compressed and (other := _other_kind(path)):
            raise ValueError(f"{where} {other}; {EARLIER_RUN}") from None
        if isinstance(exc, UnicodeDecodeError):
            raise ValueError(f"{where} is not UTF-8 text, as rfmseg writes segments.csv; "
                             f"save it again as UTF-8 CSV, or {EARLIER_RUN}") from None
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        quote = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if ragged:
            what = (f"its line {ragged[2]} has {ragged[3]} columns where the lines before it "
                    f"have {ragged[1]}")
        elif quote:  # pandas counts rows from 0, the header being row 0
            what = (f"its row {int(quote[1]) + 1} (the header is row 1) opens a quote (\") "
                    "that is never closed, so everything after it would be one value")
        else:
            what = "its lines are not comma-separated columns"
        raise ValueError(f"{where} is not a table: {what}; {EARLIER_RUN}") from None
    except (EOFError, OSError, ValueError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
        if compressed:  # cut short, damaged, or not an archive of that kind
            what = (f"is not {path.suffix.lower()} data that can be decompressed (it is cut "
                    "short, damaged or another kind of file)")  # fmt: skip
        elif isinstance(exc, OSError) and exc.strerror:
            what = f"cannot be read ({exc.strerror})"
        else:
            what = "cannot be read as CSV"
        raise ValueError(f"{where} {what}; {EARLIER_RUN}") from None


def _zip_not_one_file(path: Path) -> str | None:
    """What is wrong with a .zip archive that does not hold exactly one entry, as pandas
    reads a zipped CSV ("is a .zip archive with nothing in it", "... that holds 2 files
    (a.csv, b.csv), but ..."); ``None`` for one entry, or for a damaged archive (its reading
    then says so)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return None
    if len(names) == 1:
        return None
    if not names:
        return "is a .zip archive with nothing in it"
    folders = sum(name.endswith("/") for name in names)
    held = " and ".join(counted(n, noun) for n, noun in ((len(names) - folders, "file"),
                                                          (folders, "folder")) if n)
    listed = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return (f"is a .zip archive that holds {held} ({listed}), but a zipped segments file "
            "must be alone in its archive (zip segments.csv by itself)")


#: the first bytes of files of other kinds, what they hold and the name's ending that says so
_SIGNATURES = (
    (b"\x1f\x8b", "gzip-compressed data", ".csv.gz"),
    (b"BZh", "bzip2-compressed data", ".csv.bz2"),
    (b"\xfd7zXZ\x00", "xz-compressed data", ".csv.xz"),
    (b"PK\x03\x04", "a zip archive (an Excel workbook is one too)", ".zip or .xlsx"),
    (b"PAR1", "a Parquet file", ".parquet"),
)


def _other_kind(path: Path) -> str | None:
    """What a file named as CSV text holds instead, by its first bytes, with the name it
    should have ("holds gzip-compressed data, not CSV text, ..."); ``None`` when its first
    bytes are not those of a known kind."""
    with open(path, "rb") as file:
        head = file.read(8)
    for magic, what, suffix in _SIGNATURES:
        if head.startswith(magic):
            return (f"holds {what}, not CSV text, though its name ends in "
                    f"{path.suffix or 'nothing'} (the kind of a file is read from the end of "
                    f"its name: rename it to end in {suffix})")
    return None


def _one_row_per_customer(ids: pd.Series, where: str) -> None:
    """Refuse a previous segments table that lists a customer more than once (``where``
    names it in the message)."""
    twice = ids[ids.astype(str).duplicated()]
    if len(twice):
        n = twice.nunique()
        raise ValueError(f"{where} lists customer {str(twice.iloc[0])!r} more than once"
                         + (f" ({n:,} customers in all)" if n > 1 else "")
                         + "; give the segments of one run")  # fmt: skip


def stale_brackets(prof: pd.DataFrame, personas: pd.Series) -> dict[int, tuple[str, str]]:
    """The model's persona names whose part in brackets states a figure (a median or average of
    the training customers, telling namesakes apart) that these customers do not have:
    cluster id → (the model's name, the name with these customers' figures,
    :func:`rfm.personas.with_figures`), in the profile's order (``prof``: this data's
    profile per cluster id; ``personas``: the model's name per cluster id). A figure is a
    plain fact about the cluster's customers, so this holds at any number of them."""
    out = {}
    for cid in prof.index:
        mine = str(personas.loc[cid])
        now = with_figures(mine, prof.loc[cid])
        if now != mine:
            out[int(cid)] = (mine, now)
    return out


def once_no_more(prof: pd.DataFrame, personas: pd.Series) -> dict[int, tuple[str, float]]:
    """The model's persona names that say "one-time" (a median customer with one order)
    of a cluster whose median customer here has more orders: cluster id → (the model's
    name, that median), in the profile's order. A plain fact too, checked at any number of
    customers."""
    return {int(cid): (str(personas.loc[cid]), float(prof.loc[cid, "frequency_median"]))
            for cid in prof.index
            if says_one_time(str(personas.loc[cid]))
            and prof.loc[cid, "frequency_median"] > 1}  # fmt: skip


def stale_names(prof: pd.DataFrame, personas: pd.Series,
                order: str = "order") -> dict[int, tuple[str, str]]:  # fmt: skip
    """The model's persona names that no longer describe their clusters' customers.

    A persona name says where a cluster's median customer sits against the whole customer
    base (:func:`rfm.describe_personas`). Under a saved model the names are the training
    run's, so they are named again here from this data's profile, as a training run (and
    ``rfmseg refit``) would name them, and compared without their " (…)" parts, which only
    tell namesakes apart.

    Parameters
    ----------
    prof : DataFrame
        This data's profile per cluster id (:func:`rfm.profile`, which keeps the customer
        base's quantiles the names are read against).
    personas : Series
        The model's persona name per cluster id.
    order : str
        What one order is called ("purchase day" without an invoice column).

    Returns
    -------
    dict
        Cluster id → (the model's name, the name these customers would be given now), for
        the clusters whose names differ; in the profile's order. The new name is given
        without its " (…)" unless another cluster would be given the same name: then
        whole, with the " (…)" that tells the two apart.
    """
    fresh = describe_personas(prof, order=order)["persona"]
    stems = [name_stem(now) for now in fresh]
    stale = {}
    for (cid, now), stem in zip(fresh.items(), stems, strict=True):
        mine = str(personas.loc[cid])
        if name_stem(mine) != stem:  # the new name, whole where its stem is shared
            stale[int(cid)] = (mine, now if stems.count(stem) > 1 else stem)
    return stale


#: a segments file's score columns, R, F and M
SCORE_COLUMNS = ("r_score", "f_score", "m_score")
#: how far a figure of a segments file may be from the value its run scored: a
#: segments.csv keeps 12 significant digits (:data:`rfm.io.export.CSV_DIGITS`), a relative
#: error of at most 5e-12
ROUNDED = 1e-11


def read_again(model: SegmentModel, previous: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The previous run's customers as ``model`` reads their figures, when the file is
    another model's, and how many of them the file reads otherwise.

    A comparison of two runs says who moved only when both runs read customers with the
    same yardstick. The file is another model's when, for some customer,

    * a score is not the model's for the figure, even within the file's rounding (the
      model's score at the spend ± :data:`ROUNDED` of it counts as the model's; days and
      orders are whole numbers, written exactly; with ties
      "first" a training run splits tied customers by rank, which no threshold
      reproduces, so scores are not compared then, and the customers are always scored
      again: else a training run's file would show tied customers moving),
    * the segment is not the one the model's rules give the file's own scores (other
      rules), or
    * the cluster is not the model's nearest centre for the figures (another model's, or
      a refit's, centres).

    Its customers are then scored, named and clustered again from their figures by this
    model (:meth:`rfm.SegmentModel.assign_customers`).

    Parameters
    ----------
    model : SegmentModel
        The model being applied.
    previous : DataFrame
        The previous run's segments file (:func:`read_previous`).

    Returns
    -------
    (DataFrame, int)
        For another model's file: a copy of ``previous`` with its scores, segment, cluster
        and persona as the model reads the figures, and the number of customers whose
        scores, segment or cluster that changes (with ties "first": whose segment or
        cluster says another model). For this model's file: ``previous`` and 0 (with ties
        "first": the copy, and 0).
    """
    figures = previous[list(RFM_COLUMNS)].set_axis(previous["customer"].to_numpy())
    again = model.assign_customers(figures)
    scores = model.learned.scores
    q = scores.q
    first = scores.ties == "first"
    own = [previous[c].to_numpy(np.int64) for c in SCORE_COLUMNS]
    cluster = previous["cluster"].to_numpy(np.int64)
    differs = again["cluster"].to_numpy(np.int64) != cluster
    read_scores = []  # the file's score where the model reads the figure so within its
    for dim, mine in zip(RFM_COLUMNS, own, strict=True):  # rounding, else the model's
        value = figures[dim].to_numpy(np.float64)
        # days and orders are whole numbers, written exactly; a spend is a sum of amounts,
        # and 104.99999999999999 is written 105: only the spend gets the margin
        margin = ROUNDED * np.abs(value) if dim == "monetary" else 0.0
        ends = [scores.score(dim, value + sign * margin) for sign in (-1, 1)]
        within = (mine >= np.minimum(*ends)) & (mine <= np.maximum(*ends))
        read_scores.append(np.where(within, mine, ends[0]))
        if not first:
            differs |= ~within
    _, names, seg_code, _, _ = model._cells()

    def segments_of(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
        valid = (np.minimum(np.minimum(r, f), m) >= 1) & (np.maximum(np.maximum(r, f), m) <= q)
        cell = ((r - 1) * q + (f - 1)) * q + (m - 1)
        named = np.asarray(names, dtype=object)[seg_code[np.where(valid, cell, 0)]]
        return np.where(valid, named, None)

    segment = previous["segment"].astype(str).to_numpy(dtype=object)
    differs |= segments_of(*own) != segment
    if not differs.any() and not first:
        return previous, 0
    read = previous.copy()
    for col, values in zip(SCORE_COLUMNS, read_scores, strict=True):
        read[col] = values
    read["segment"] = segments_of(*read_scores)
    read["cluster"] = again["cluster"].to_numpy(np.int64)
    read["persona"] = again["persona"].astype(object).to_numpy()
    if first:  # a training run's tied customers split by rank: read again, said only
        # where segments or clusters say another model; how many segments the reading
        # changes is kept for a note
        read.attrs["segments_read_otherwise"] = int((read["segment"].to_numpy(dtype=object)
                                                     != segment).sum())  # fmt: skip
        read.attrs["scores_read_otherwise"] = int(np.logical_or.reduce(
            [r != o for r, o in zip(read_scores, own, strict=True)]).sum())  # fmt: skip
        return read, int(differs.sum())
    otherwise = (read["segment"].to_numpy(dtype=object) != segment) | (
        read["cluster"].to_numpy(np.int64) != cluster)
    for col, mine in zip(SCORE_COLUMNS, own, strict=True):
        otherwise |= read[col].to_numpy(np.int64) != mine
    return read, int(otherwise.sum())


def _customer_ids(values: pd.Series) -> pd.Index:
    return pd.Index(values.astype(str), name="customer")


def _comparable(customers: pd.Series, scores: pd.DataFrame, rest: pd.DataFrame) -> pd.DataFrame:
    """One run's side of a comparison (:func:`rfm.migration.compare_segments`), indexed by
    customer id as text: segment, R + F + M score sum, orders, the spend as a
    segments.csv writes it (12 significant digits, so that an unchanged spend differs by
    exactly 0 whichever format either file was written in), and ``rest``'s other
    columns as they are."""
    rounded = _significant_digits(rest[["monetary"]].astype(np.float64), CSV_DIGITS)
    return pd.DataFrame({
        **{c: rest[c].to_numpy() for c in rest.columns},
        "segment": rest["segment"].astype(str).to_numpy(),
        "rfm_sum": scores.sum(axis=1).to_numpy(),
        "monetary": rounded["monetary"].to_numpy(),
    }, index=_customer_ids(customers))  # fmt: skip


def apply_model(
    model: SegmentModel,
    transactions: Any,
    *,
    snapshot: Any = None,
    previous: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> AppliedRun:
    """Apply ``model`` to the order lines ``transactions`` (module docstring).

    Parameters
    ----------
    model : SegmentModel
        A fitted or loaded model.
    transactions : DataFrame or dask.dataframe.DataFrame
        Order lines with the model's columns.
    snapshot : "max+1d", "max" or date, optional
        The instant recency is counted from; by default the model's own
        (:meth:`rfm.SegmentModel.snapshot_for`: a model trained with ``snapshot=DATE``
        keeps DATE on lines that end by it, and counts from ``"max+1d"`` on lines that go
        on past it, with a :class:`rfm.model.SnapshotPassedWarning`). The run's
        ``settings["snapshot"]`` is the one used.
    previous : DataFrame, optional
        The previous run's segments (:func:`read_previous`), to say who moved.
    progress : callable, optional
        Called with the name of each step as it starts.

    Returns
    -------
    AppliedRun
        The assignment, profiles, drift and comparison, and the sentences about them.
    """
    from rfm.model import _check_columns, warn_snapshot_passed

    step = Steps(progress)
    used = model.snapshot_for(snapshot)
    settings = model.settings.replace(snapshot=used)

    _check_columns(transactions, settings.columns)
    base = customer_table(transactions, settings, progress=progress)  # (Dask: one pass)
    with step("assigning scores, segments and clusters with the saved model"):
        rfm, table = base.rfm, model.assign_customers(base.rfm)
    # a snapshot rule (a model's date, or max+1d past it) said as the table resolved it
    settings = settings.replace(snapshot=settled_snapshot(used, rfm["last_purchase"].max()))
    passed = warn_snapshot_passed(used, rfm)
    with step("measuring drift from the training customers"):
        drift = model.drift_customers(rfm)
    with step("profiling segments and clusters"):
        segs = pd.DataFrame({"segment": table["segment"].array,
                             "action": table["action"].array}, index=rfm.index)  # fmt: skip
        summary = segment_summary(segs, rfm)
        labels = pd.Series(table["cluster"].to_numpy(), index=rfm.index, name="cluster")
        prof = profile(rfm, labels)
        clusters = model.clusters
        invoices = settings.columns.invoice is not None
        # a name's words place its cluster among the customers, which a handful of them
        # cannot judge; the figures it states (one-time, the medians in brackets) are
        # these customers' or not, at any number of them
        enough = len(rfm) >= MIN_DRIFT_CUSTOMERS
        order = orders_word(invoices)[:-1]
        stale = stale_names(prof, clusters["persona"], order) if enough else {}
        brackets = {cid: names for cid, names in stale_brackets(prof, clusters["persona"]).items()
                    if cid not in stale}  # (a stale name is said whole)
        once = {cid: names for cid, names in once_no_more(prof, clusters["persona"]).items()
                if cid not in stale}  # fmt: skip
        prof.insert(1, "persona", clusters.loc[prof.index, "persona"].to_numpy())
        prof["action"] = clusters.loc[prof.index, "action"].to_numpy()
        personas = clusters["persona"]
        q = model.learned.scores.q
        rule_set = resolve_rules(settings.rules)
        rule_check = check_rules(settings.rules, q=q)
        inversions = name_inversions(segs, rfm, settings.rules)
    notes = [ORDERS_ARE_DAYS] if settings.columns.invoice is None else []
    notes += returns_notes(settings.cleaning, settings.columns, base.rfm)  # as in the run
    if base.duplicates:
        n = base.duplicates
        are = agree(n, "is an exact duplicate|are exact duplicates")
        notes.append(f"{counted(n, 'row')} {are} of an earlier row; kept, as the model's "
                     "cleaning keeps them (a model saved by a run with --drop-duplicates "
                     "drops them)")  # fmt: skip
    elif base.duplicates is None:  # on Dask, counting them would shuffle every row
        notes.append("exact duplicate rows were not looked for (a model saved by a run with "
                     "--drop-duplicates drops them)")  # fmt: skip
    changes = migration = None
    read_otherwise = 0
    if previous is not None:
        from rfm.migration import compare_segments

        with step("comparing with the previous segments"):
            _one_row_per_customer(previous["customer"], "previous")
            try:
                previous, read_otherwise = read_again(model, previous)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"the previous segments cannot be read by this model: {exc}"
                                 ) from None  # fmt: skip
            changes = assignment_changes(previous, table)
            changes["read_otherwise"] = read_otherwise
            before = _comparable(previous["customer"], previous[list(SCORE_COLUMNS)],
                                 previous[["segment", "frequency", "monetary", "recency"]])
            after = _comparable(table["customer"], table[list(SCORE_COLUMNS)],
                                table[["segment", "frequency", "monetary"]])  # fmt: skip
            changes["ids_written_otherwise"] = (
                ids_written_otherwise(before.index, after.index)
                if changes["customers_new"] else None)
            migration = compare_segments(before, after, settings.rules)
            # the later customers, in its order; those in both runs are neither new nor gone
            mine = migration.customers.iloc[: len(after)]
            in_both = (mine["direction"] != "new").to_numpy()
            orders = mine["orders_between"].to_numpy(np.float64)
            spend = mine["revenue"].to_numpy(np.float64)
            changes["orders_fell"] = int((in_both & (orders < 0)).sum())
            # with no new order the spend cannot change, but for a purchase later on the
            # day the previous file ends when orders are purchase days: its last buyers
            # have the file's smallest recency (a day more across a midnight), whatever
            # the snapshot
            same_day = np.zeros(len(after), dtype=bool)
            if not invoices and changes["customers_both"]:
                then = before["recency"].reindex(after.index).to_numpy()
                same_day = then <= before["recency"].min() + 1
            changes["spend_without_orders"] = int(
                (in_both & (orders == 0) & (spend != 0) & ~(same_day & (spend > 0))).sum())
            if changes["orders_fell"] or changes["customers_gone"] or \
                    changes["spend_without_orders"] or not changes["customers_both"]:
                # not a continuation (or nobody to continue): a difference of
                # counts or of spends is then no count or spend between the runs
                migration.customers.drop(columns=["orders_between", "revenue"], inplace=True)
    r_scores = table["r_score"].to_numpy()
    learned = model.learned.scores
    said = score_sentences(rfm, segs, settings.rules, r_scores, q, learned.ties,
                           learned.cuts["monetary"])  # (unread under ties "first")
    warnings = [t.sentence(keep=MODEL_KEEPS_TOTALS) for t in base.totals] + run_warnings(
        said, inversions, float("nan"), orders_word(invoices), rfm_decimals(rfm),
        customers=rfm.index)
    older = model.older_than_training(rfm)
    if older:
        warnings.append(older)
    if stale:
        from rfm.report.apply_html import stale_names_sentence

        warnings.append(stale_names_sentence(stale))
    if brackets:
        shown = "; ".join(f'cluster {cid}, "{mine}", reads "{now}" here'
                          for cid, (mine, now) in brackets.items())  # fmt: skip
        n = len(brackets)
        stats = set().union(*(stated_statistics(mine) for mine, _ in brackets.values()))
        what = ("medians and averages" if len(stats) > 1 else
                agree(n, "average|averages") if stats == {"average"} else
                agree(n, "median|medians"))  # fmt: skip
        warnings.append(f"The part in brackets of {counted(n, 'persona name')} gives the "
                        f"training customers' {what}, which these "
                        f"customers do not have: {shown}. The names are the saved model's; "
                        "'rfmseg refit' names the clusters afresh.")  # fmt: skip
    if once:
        n = len(once)
        shown = "; ".join(f'cluster {cid}, "{mine}" (median {median:.6g} {order}s)'
                          for cid, (mine, median) in once.items())  # fmt: skip
        warnings.append(f"{counted(n, 'persona name')} {agree(n, 'says|say')} \"one-time\" (a "
                        f"median customer with one {order}), but {agree(n, 'its|their')} "
                        f"customers here have more: {shown}. The names are the saved "
                        "model's; 'rfmseg refit' names the clusters afresh.")  # fmt: skip
    if not enough:
        notes.append(f"With {counted(len(rfm))}, fewer than {MIN_DRIFT_CUSTOMERS}, the words "
                     "of the persona names that place a cluster among the customers (recent, "
                     "lapsed, frequent, infrequent, high, moderate or low spenders) were not "
                     "checked against these customers, as chance alone can move them on so "
                     "few; the figures the names state (one-time, and those in brackets) "
                     "were")  # fmt: skip
    if changes is not None and changes["ids_written_otherwise"] is not None:
        n, theirs, mine = changes["ids_written_otherwise"]
        warnings.append(f"{counted(n, 'customer')} here {agree(n, 'has an id|have ids')} the "
                        f"previous run wrote otherwise (\"{theirs}\" there, \"{mine}\" here: "
                        "leading zeros or a decimal point), so they count as new customers, "
                        "apart from the previous run's. Write the ids alike in both files to "
                        "compare them.")  # fmt: skip
    tied = previous.attrs.get("segments_read_otherwise", 0) if previous is not None else 0
    if tied and not read_otherwise:
        scored = previous.attrs.get("scores_read_otherwise", tied)
        notes.append(f"{counted(tied)} of the previous file {agree(tied, 'is|are')} in "
                     "another segment there than this model reads from their figures, and "
                     f"{scored:,} {agree(scored, 'has|have')} another score: the run that wrote "
                     "it split tied customers by rank (--ties first), the model scores them "
                     "by its thresholds, and both runs are compared as the model reads "
                     "them")  # fmt: skip
    if read_otherwise:
        from rfm.report.apply_html import read_otherwise_sentence

        warnings.append(read_otherwise_sentence(read_otherwise, len(previous)))
    run_settings = {
        "rules": settings.rules,
        "ties": settings.ties,
        "scaling": settings.scaling,
        "snapshot": settings.snapshot,
        "rows_in": base.rows_in,
        "rows_clean": base.rows_clean,
        "customers_left_out": base.customers_left_out,
        "duplicate_rows": base.duplicates,
    }
    timings = {**step.timings}
    return AppliedRun(
        model=model, rfm=rfm, table=table, cleaning=base.cleaning, drift=drift, profile=prof,
        personas=personas, segment_summary=summary, q=q, rule_set=rule_set,
        rule_check=rule_check, changes=changes, migration=migration, settings=run_settings,
        timings=timings, columns=settings.columns, inversions=inversions,
        separation=separation_table(prof),
        warnings=warnings, notes=notes, previous=previous, stale_names=stale,
        snapshot_passed=passed,
    )  # fmt: skip
