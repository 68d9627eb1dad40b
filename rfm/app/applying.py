"""One application of a saved model, as ``rfmseg apply`` runs it: assign, profile, drift.

:func:`apply_model` cleans the new order lines and builds their customer table exactly as
a training run does (:func:`rfm.app.pipeline.customer_table`, on Dask too), assigns every
customer with the frozen model (:meth:`rfm.SegmentModel.assign_customers`), summarises the
segments and the clusters under the model's persona names, measures drift against the
training customers and, given the previous run's ``segments.csv``, who changed segment or
cluster and the from → to matrix (:func:`rfm.migration.compare_segments`). Nothing is
fitted: there is no elbow, silhouette or stability to report.

The comparison with the previous run says only what the two files support:

* spend between the runs (``revenue``) is this run's spend less the previous file's, both
  at the 12 significant digits a ``segments.csv`` keeps (:data:`rfm.io.export.CSV_DIGITS`),
  so a spend that did not change gives exactly 0, not a residue of adding in another order;
* ``orders_between`` (frequency now less frequency then) and ``revenue`` are written only
  when the new data continue the previous run's: no customer of the previous file is gone
  or has fewer orders (a rolling window loses old orders, and then neither an unchanged
  count nor a difference of spends says what happened between the runs);
* the cluster changes are counted only when the previous file's clusters are this model's
  (:func:`foreign_cluster`): cluster 0 of another model is another group of customers.

On a Dask DataFrame the order lines are cleaned and reduced on Dask, and each partition of
the customer table (partitioned by customer) is assigned where it lies, by the same
:meth:`rfm.SegmentModel.assign_customers`; the table and the assignment are then gathered
in the in-memory customer order, so the files are the in-memory run's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kmeans_np.dask_detect import is_dask_frame
from rfm.app.pipeline import (
    ORDERS_ARE_DAYS,
    RETURNS_KEPT,
    Progress,
    Steps,
    customer_table,
    returns_kept,
    run_warnings,
    separation_table,
)
from rfm.drift import assignment_changes
from rfm.io.export import CSV_DIGITS, _significant_digits
from rfm.labels import orders_word, rfm_decimals
from rfm.model import SegmentModel
from rfm.personas import describe_personas, name_stem
from rfm.profiles import profile
from rfm.rulecheck import (
    RuleCheck,
    check_rules,
    name_inversions,
    score_sentences,
)
from rfm.segments import RuleSet, resolve_rules
from rfm.summary import segment_summary

__all__ = ["AppliedRun", "apply_model", "foreign_cluster", "read_previous", "stale_names"]


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
    #: segment, cluster and customer changes since --previous (rfm.drift.assignment_changes;
    #: ``cluster_changed`` NaN when the previous clusters are another model's, then named by
    #: ``foreign_cluster``), and ``orders_fell``: customers in both with fewer orders now
    changes: pd.Series | None = None
    #: from -> to segments since --previous (rfm.migration.compare_segments)
    migration: Any = None
    #: the previous run's segments.csv (read_previous)
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

    @property
    def refit_recommended(self) -> bool:
        """Whether any PSI is above 0.25."""
        return bool(self.drift.attrs.get("refit_recommended", False))


def read_previous(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The previous run's ``segments.csv``: customer ids as text (a leading quote added
    against spreadsheet formulas is taken off again), with the columns a comparison needs."""
    try:
        table = pd.read_csv(path, dtype={"customer": str}, keep_default_na=False,
                            na_values={"monetary": [""]})  # fmt: skip
    except FileNotFoundError:
        raise ValueError(f"--previous {path}: file not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"--previous {path}: not a segments.csv ({type(exc).__name__})") from None
    needed = ["customer", "recency", "frequency", "monetary", "r_score", "f_score", "m_score",
              "segment", "cluster"]  # fmt: skip
    missing = [c for c in needed if c not in table]
    if missing:
        raise ValueError(f"--previous {path} lacks column(s) {', '.join(missing)}; give the "
                         "segments.csv of an earlier run")  # fmt: skip
    ids = table["customer"]
    quoted = ids.str.match(r"^'[=+\-@\t\r]") & ~ids.str.fullmatch(r"'[+-]?[\d.eE+-]+")
    table["customer"] = ids.where(~quoted, ids.str[1:])
    for col in ("cluster", "r_score", "f_score", "m_score", "recency", "frequency", "monetary"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
        if table[col].isna().any():
            raise ValueError(f"--previous {path}: column {col} holds values that are not numbers")
    return table


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
        the clusters whose names differ; in the profile's order.
    """
    fresh = describe_personas(prof, order=order)["persona"]
    out = {}
    for cid, now in fresh.items():
        mine = str(personas.loc[cid])
        if name_stem(mine) != name_stem(now):
            out[int(cid)] = (mine, name_stem(now))
    return out


def foreign_cluster(
    previous: pd.DataFrame, personas: pd.Series, before: dict[int, list[str]] | None = None
) -> tuple[int, str, str] | None:
    """A cluster id that names another group in the previous ``segments.csv`` than in the model.

    Parameters
    ----------
    previous : DataFrame
        The previous run's ``segments.csv`` (:func:`read_previous`), with ``cluster`` and,
        if it has one, ``persona``.
    personas : Series
        The model's persona name per cluster id.
    before : dict, optional
        For a refitted model, the names each kept cluster had in the models it was
        refitted from (``lineage["personas_before"]``): a previous file of one of those
        models names its clusters so, and is no other model's.

    Returns
    -------
    tuple of (int, str, str) or None
        The first cluster id, in id order, whose persona in ``previous`` is not the
        model's, with both names (previous first); None when every id the two share has
        the same name, or the file has no ``persona`` column. The names are compared whole,
        tie-break suffix included: it is what tells two clusters of one name apart. An id
        the model lacks is no evidence (a refit drops the clusters that vanished).
    """
    if "persona" not in previous:
        return None
    for cid, names in previous.groupby("cluster", sort=True)["persona"]:
        if int(cid) not in personas.index:
            continue
        mine = str(personas.loc[int(cid)])
        known = {mine, *(before or {}).get(int(cid), [])}
        other = next((str(n) for n in names.unique() if str(n) not in known), None)
        if other is not None:
            return int(cid), other, mine
    return None


def _customer_ids(values: pd.Series) -> pd.Index:
    return pd.Index(values.astype(str), name="customer")


def _assign_on_dask(
    model: SegmentModel, lazy: Any, transactions: Any, settings: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign every partition of a lazy customer table (partitioned by customer) where it
    lies, then gather the table and the assignment, in the in-memory customer order."""
    import dask

    from rfm._dask_parts import sorted_like_memory

    meta = model.assign_customers(lazy._meta)
    assigned = lazy.map_partitions(model.assign_customers, meta=meta, enforce_metadata=False)
    parts, tables = dask.compute(lazy, assigned)
    if len(parts) == 0:
        raise ValueError("transactions is empty (0 rows after cleaning); nothing to assign.")
    customer = settings.columns.customer
    rfm = sorted_like_memory(parts, transactions._meta[customer].dtype)
    where = pd.Index(tables["customer"]).get_indexer(rfm.index)
    table = tables.take(where).reset_index(drop=True)
    for col in ("rfm_code", "segment", "persona", "action"):  # one category set again
        table[col] = table[col].astype("category")
    return rfm, table


def apply_model(
    model: SegmentModel,
    transactions: Any,
    *,
    snapshot: Any = None,
    previous: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> AppliedRun:
    """Apply ``model`` to the order lines ``transactions`` (module docstring)."""
    step = Steps(progress)
    settings = model.settings if snapshot is None else model.settings.replace(snapshot=snapshot)
    from rfm.model import _check_columns

    _check_columns(transactions, settings.columns)
    on_dask = is_dask_frame(transactions)
    base = customer_table(transactions, settings, progress=progress, compute=not on_dask)
    with step("assigning scores, segments and clusters with the saved model"
              + (" on Dask, per partition" if on_dask else "")):  # fmt: skip
        if on_dask:
            rfm, table = _assign_on_dask(model, base.rfm, transactions, settings)
        else:
            rfm, table = base.rfm, model.assign_customers(base.rfm)
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
        stale = stale_names(prof, clusters["persona"], orders_word(invoices)[:-1])
        prof.insert(1, "persona", clusters.loc[prof.index, "persona"].to_numpy())
        prof["action"] = clusters.loc[prof.index, "action"].to_numpy()
        personas = clusters["persona"]
        q = model.learned.scores.q
        rule_set = resolve_rules(settings.rules)
        rule_check = check_rules(settings.rules, q=q)
        inversions = name_inversions(segs, rfm, settings.rules)
    notes = [ORDERS_ARE_DAYS] if settings.columns.invoice is None else []
    if returns_kept(settings.cleaning, settings.columns):  # as in the run
        notes.append(RETURNS_KEPT)
    changes = migration = None
    if previous is not None:
        from rfm.migration import compare_segments

        with step("comparing with the previous segments"):
            changes = assignment_changes(previous, table)
            lineage = model.lineage or {}
            pairs = zip(lineage.get("matched", []), lineage.get("personas_before") or [],
                        strict=False)  # fmt: skip
            names_before = {m[0]: names for m, names in pairs if m is not None}
            foreign = foreign_cluster(previous, personas, names_before)
            if foreign is not None:
                changes["cluster_changed"] = float("nan")
            changes["foreign_cluster"] = foreign
            before = pd.DataFrame({
                "segment": previous["segment"].astype(str).to_numpy(),
                "rfm_sum": (previous["r_score"] + previous["f_score"]
                            + previous["m_score"]).to_numpy(),
                "monetary": previous["monetary"].to_numpy(),
                "frequency": previous["frequency"].to_numpy(),
            }, index=_customer_ids(previous["customer"]))  # fmt: skip
            before = before[~before.index.duplicated()]
            after = pd.DataFrame({
                "segment": table["segment"].astype(str).to_numpy(),
                "rfm_sum": (table["r_score"] + table["f_score"] + table["m_score"]).to_numpy(),
                # the spend as segments.csv writes it, like the previous file's (module doc)
                "monetary": _significant_digits(table[["monetary"]], CSV_DIGITS)["monetary"]
                .to_numpy(),
                "frequency": table["frequency"].to_numpy(),
            }, index=_customer_ids(table["customer"]))  # fmt: skip
            migration = compare_segments(before, after, settings.rules)
            fell = after["frequency"] < before["frequency"].reindex(after.index)
            changes["orders_fell"] = int(fell.sum())
            if changes["orders_fell"] or changes["customers_gone"]:  # not a continuation:
                # a difference of counts or of spends is then no count or spend between
                migration.customers.drop(columns=["orders_between", "revenue"], inplace=True)
    r_scores = table["r_score"].to_numpy()
    learned = model.learned.scores
    said = score_sentences(rfm, segs, settings.rules, r_scores, q, learned.ties,
                           learned.cuts["monetary"])  # (unread under ties "first")
    warnings = run_warnings(said, inversions, float("nan"), orders_word(invoices),
                            rfm_decimals(rfm))
    if stale:
        from rfm.report.apply_html import stale_names_sentence

        warnings.append(stale_names_sentence(stale))
    if changes is not None and changes["foreign_cluster"] is not None:
        from rfm.report.apply_html import foreign_cluster_sentence

        warnings.append(foreign_cluster_sentence(changes["foreign_cluster"]))
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
    )  # fmt: skip
