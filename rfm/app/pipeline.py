"""The whole segmentation job, as the ``rfmseg`` command runs it.

:func:`run_pipeline` goes from raw order lines to validated, named segments:

clean → RFM table → R/F/M scores → rule-based segments → monthly KPIs (and migration) →
K-means (k chosen by elbow and silhouette unless given) → silhouette per customer →
cluster profiles → personas → validation (silhouette, ANOVA per feature,
Calinski–Harabasz, Davies–Bouldin, stability across seeds). Every step that reads the
order lines comes before the clustering, which only needs the customer table.

:mod:`rfm.app.outputs` writes its result to files. Each step reports progress through an
optional callback, so the command line can print it on stderr. This module only computes:
it writes no file and draws nothing.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import validation
from kmeans_np.dask_detect import is_dask_frame
from kmeans_np.jit import compile_ahead
from kmeans_np.scaling import ConstantColumnWarning
from rfm import kpis
from rfm._cleaning_rules import (
    NothingLeft,
    TotalsRow,
    lines_total,
    missing_customer,
    totals_lines,
    totals_rows,
)
from rfm._inputs import RFM_COLUMNS, align_to_customers, cluster_names
from rfm._table_core import RETURNS_ONLY, RETURNS_ONLY_SPEND, settled_snapshot
from rfm.actions import customer_actions
from rfm.app.value import (
    MODEL_NAMES,
    SPEND_UNDEFINED,
    ValueAhead,
    fit_value,
    value_tables,
)
from rfm.bins import score_bins
from rfm.cleaning import clean_transactions, ids_written_two_ways
from rfm.clustering import (
    ELBOW_SAMPLE,
    SILHOUETTE_SAMPLE,
    ClusterResult,
    cluster,
    refuse_negative,
)
from rfm.columns import COLUMNS, TransactionColumns
from rfm.labels import (
    agree,
    counted,
    money,
    orders_word,
    returns_only_sentence,
    rfm_decimals,
)
from rfm.personas import describe_personas
from rfm.profiles import profile, separation_reading, silhouette_by_cluster
from rfm.projection import Projection, pca_projection
from rfm.rulecheck import (
    RuleCheck,
    check_rules,
    inversion_sentences,
    name_inversions,
    rule_problems,
    same_for_everyone,
    score_sentences,
)
from rfm.scoring import rfm_scores
from rfm.segments import OTHERS, RuleSet, resolve_rules, segment
from rfm.settings import Settings
from rfm.summary import rf_counts, rf_mean_spend, segment_persona_counts, segment_summary
from rfm.table import rfm_table
from validation.silhouette import NUMBA_FROM_SAMPLES as SILHOUETTE_NUMBA_FROM
from validation.silhouette_sizes import round_kernels
from validation.stability import STABLE_ARI

__all__ = [
    "CustomerTable",
    "PipelineResult",
    "Steps",
    "TooFewCustomers",
    "customer_table",
    "returns_kept",
    "returns_notes",
    "run_pipeline",
    "run_warnings",
]

#: above this many customers the per-customer silhouette (O(n²)) is skipped
MAX_EXACT_SILHOUETTE = 50_000
#: from this many customers on, a first run compiles the silhouette's kernels in its own
#: process rather than in a side process: the run then takes minutes, and the second
#: process's memory (0.25 GiB at its peak) would count more than the 2 s it saves
COMPILE_AHEAD_BELOW = 1_000_000

Progress = Callable[[str], None]


def compile_silhouette_ahead(n_customers: int) -> None:
    """On a first run, start compiling the silhouette's kernels on another core.

    They then compile while K-means compiles (and runs) in this process: the kernels that
    the run's silhouettes take, which depend on their sizes (the sample of at most
    ``SILHOUETTE_SAMPLE`` customers the clustering scores, and every customer up to
    ``MAX_EXACT_SILHOUETTE``). From 20,001 to 50,000 customers those are both kernels,
    the one-thread twin for the sample and the threaded one for every customer (see
    ``validation.silhouette_sizes``). The demo starts this with its ``--customers``,
    which is the customer table's size (every generated customer has orders), so the
    pipeline's own call finds it under way. Nothing starts when they are
    already in the cache, below the size where the silhouette runs on numpy, or from
    ``COMPILE_AHEAD_BELOW`` customers on. The pipeline calls this once it knows its
    customers; the demo earlier, before it generates them.
    """
    if SILHOUETTE_NUMBA_FROM <= n_customers < COMPILE_AHEAD_BELOW:
        sizes = [min(n_customers, SILHOUETTE_SAMPLE)]
        if n_customers <= MAX_EXACT_SILHOUETTE:
            sizes.append(n_customers)
        compile_ahead("validation.silhouette_numba", *sizes, functions=round_kernels(sizes))


@dataclass
class PipelineResult:
    """Everything :func:`run_pipeline` computed (the inputs of files and report).

    The validity figures are read by name (:attr:`silhouette_mean`,
    :attr:`stability_mean_ari`, :attr:`stability_min_ari`) from the ``validation``
    table (:func:`validation.validity_table`), never by row position.
    """

    #: the cleaned order lines (a lazy Dask DataFrame when the input was one)
    transactions: Any
    #: rows removed per cleaning rule (rfm.clean_transactions)
    cleaning: pd.DataFrame
    #: one row per customer (rfm.rfm_table)
    rfm: pd.DataFrame
    #: R, F, M scores 1..q and the code (rfm.rfm_scores)
    scores: pd.DataFrame
    #: segment and action per customer (rfm.segment)
    segments: pd.DataFrame
    clusters: ClusterResult
    #: silhouette of each customer: a float64 array in the row order of ``rfm`` (and of
    #: ``clusters.labels``), not a Series; None above MAX_EXACT_SILHOUETTE customers
    silhouette: np.ndarray | None
    #: per-cluster profile, best first, with persona and action (rfm.profile)
    profile: pd.DataFrame
    #: persona name per cluster id
    personas: pd.Series
    #: the validity table (validation.validity_table)
    validation: pd.DataFrame
    #: revenue, active and new customers per month (rfm.kpis.monthly)
    monthly: pd.DataFrame | None
    settings: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: one recommended action per customer (rfm.customer_actions)
    actions: pd.Series | None = None
    #: segment migration from settings["compare_to"] to the end (rfm.migration)
    migration: Any = None
    #: the column of each role in the transactions
    columns: TransactionColumns = field(default_factory=TransactionColumns)
    #: the score scale: scores run from 1 to q
    q: int = 5
    #: customers, share, revenue, revenue share and action per segment
    #: (rfm.segment_summary)
    segment_summary: pd.DataFrame | None = None
    #: customers by R score (rows) and F score (columns) (rfm.summary.rf_counts)
    rf_counts: pd.DataFrame | None = None
    #: the choices the run was made with (rfm.Settings)
    options: Settings = field(default_factory=Settings)
    #: mean spend by R score and F score, the cells of rf_counts (rfm.summary.rf_mean_spend)
    rf_mean_spend: pd.DataFrame | None = None
    #: the range of values behind every score (rfm.score_bins)
    score_bins: pd.DataFrame | None = None
    #: the segment rules as applied (their names in rule order, their count)
    rule_set: RuleSet | None = None
    #: the segment of every score cell, dead rules and gaps (rfm.check_rules)
    rule_check: RuleCheck | None = None
    #: segment pairs whose names invert the value order on these customers
    #: (rfm.rulecheck.name_inversions)
    inversions: pd.DataFrame | None = None
    #: customers on the first two principal components of clusters.X, fitted on all and
    #: sampled for the scatter plot (rfm.projection.pca_projection)
    pca: Projection | None = None
    #: how strongly each dimension separates the clusters: η² of ranks and its reading
    #: (rfm.profiles.separation)
    separation: pd.DataFrame | None = None
    #: what the reader must know before acting, in plain sentences (unstable clusters,
    #: names that invert value, rule gaps); the console and the report show the same list
    warnings: list[str] = field(default_factory=list)
    #: how the figures were made where it is not the usual way (orders without invoices)
    notes: list[str] = field(default_factory=list)
    #: P(alive), expected purchases and value per customer, and their sums (with clv)
    value: ValueAhead | None = None
    #: customers and revenue per segment (rows, rule order) and persona (columns, best
    #: first) (rfm.summary.segment_persona_counts)
    segment_persona: tuple[pd.DataFrame, pd.DataFrame] | None = None

    def metric(self, name: str) -> float:
        """The value of metric ``name`` in the validation table (NaN when absent)."""
        values = self.validation.loc[self.validation["metric"] == name, "value"]
        return float(values.iloc[0]) if len(values) else float("nan")

    @property
    def silhouette_mean(self) -> float:
        """Mean silhouette over customers (exact, or sampled above the exact limit)."""
        return self.metric("silhouette")

    @property
    def stability_mean_ari(self) -> float:
        """Mean adjusted Rand index between K-means runs with other seeds."""
        return self.metric("stability_mean_ari")

    @property
    def stability_min_ari(self) -> float:
        """Smallest adjusted Rand index between two K-means runs with other seeds."""
        return self.metric("stability_min_ari")


class Steps:
    """Times each step and reports its start through ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    def __call__(self, name: str) -> Steps:
        self.name = name
        if self.progress is not None:
            self.progress(name)
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.perf_counter() - self.start


@dataclass
class CustomerTable:
    """The first half of a run: the cleaned order lines and one row per customer."""

    #: the cleaned order lines (a lazy Dask DataFrame when the input was one)
    transactions: Any
    #: rows removed per cleaning rule (rfm.clean_transactions)
    cleaning: pd.DataFrame
    #: one row per customer (rfm.rfm_table)
    rfm: pd.DataFrame
    #: exact duplicate rows kept (0 when dropped; None on Dask, where they are not looked for)
    duplicates: int | None
    #: rows read, and rows kept by the cleaning
    rows_in: int
    rows_clean: int
    #: revenue, active and new customers per month (rfm.kpis.monthly), when computed in
    #: the same pass over the order lines (on Dask)
    monthly: pd.DataFrame | None = None
    #: customers with an id whose every line the cleaning removed (None on Dask when the
    #: duplicates are dropped or the table is left on Dask, where counting them would take
    #: one more pass over the order lines)
    customers_left_out: int | None = None
    #: the totals rows left out of the customer table (rfm._cleaning_rules.totals_rows;
    #: not looked for in a customer table left on Dask, ``compute=False``)
    totals: list[TotalsRow] = field(default_factory=list)


def customer_table(
    transactions: Any,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    compute: bool = True,
    **changes: Any,
) -> CustomerTable:
    """Clean the order lines and build the customer table exactly as :func:`run_pipeline`
    does (same cleaning rules, whole-number ids, money rule and snapshot), and stop there.

    ``settings`` and ``changes`` are as for :func:`run_pipeline` (only ``columns``,
    ``cleaning`` and ``snapshot`` matter here); ``transactions`` is left unchanged. On a
    Dask DataFrame, ``compute=False`` leaves the customer table on Dask, partitioned by
    customer (:func:`rfm.rfm_table`).
    """
    chosen = _fitted_to(transactions, (settings or Settings()).replace(**changes))
    return _customer_table(transactions, chosen, Steps(progress), compute)


def _fitted_to(transactions: Any, chosen: Settings) -> Settings:
    """``chosen`` with its column roles fitted to the table (the one money rule: money
    roles left at their defaults take a ``TotalAmount`` column, as ``rfmseg`` does)."""
    names = getattr(transactions, "columns", None)
    if names is None:  # not a table: refused where the lines are first read
        return chosen
    return chosen.replace(columns=chosen.columns.for_table(names))


@contextmanager
def _switches_as_settings() -> Iterator[None]:
    """A cleaning that removed every row, said with the rule switches as run_pipeline
    takes them (``cleaning={'drop_cancelled': False}``, not clean_transactions' keyword)."""
    try:
        yield
    except NothingLeft as exc:
        raise exc.in_settings(COLUMNS) from None


def _customer_table(
    transactions: Any, chosen: Settings, step: Steps, compute: bool = True,
    with_monthly: bool = False,
) -> CustomerTable:
    cols, rules_on = chosen.columns, chosen.cleaning
    if is_dask_frame(transactions) and compute and not rules_on.drop_duplicates:
        return _customer_table_dask(transactions, chosen, step, with_monthly)
    on_dask = is_dask_frame(transactions)
    with step("cleaning transactions" + (" on Dask" if on_dask else "")):
        with _switches_as_settings():
            clean, report = clean_transactions(transactions, columns=cols,
                                               **rules_on.row_rules())  # fmt: skip
        duplicates: int | None = None
        if not on_dask:
            duplicates = 0 if rules_on.drop_duplicates else int(clean.duplicated().sum())
        elif rules_on.drop_duplicates:
            duplicates = 0
        # on Dask, counting kept duplicates would shuffle every row: only dropping does
    with step("computing recency, frequency, monetary"):
        def table_of(lines: Any) -> pd.DataFrame:
            return rfm_table(lines, columns=cols, snapshot=chosen.snapshot,
                             allow_negative=rules_on.allow_negative, compute=compute)

        rfm = table_of(clean)
        # counted before the totals rows leave: a totals row is not a customer
        left_out = None if on_dask else _customers_left_out(transactions[cols.customer], clean)
        totals: list[TotalsRow] = []
        if rules_on.drop_totals_row and not is_dask_frame(rfm):
            whole = lines_total(transactions, cols)
            whole = whole.compute() if is_dask_frame(transactions) and whole is not None else whole
            clean, report, totals = _without_totals(clean, report, rfm, cols.customer, whole)
            if totals:  # its date may have been the last: the snapshot moves too
                rfm = table_of(clean)
    # totals lines hide only among the lines without a customer: counted when there are
    # some (on Dask, on this path, one more pass over the lines, so only then)
    guests = int(report.loc[report["rule"] == "missing_customer", "rows_removed"].sum())
    lines = totals_lines(transactions, cols) if guests else 0
    report = _totals_lines_counted(report, int(lines.compute() if on_dask and guests else lines))
    rows_in, rows_clean = _row_counts(transactions, report)
    return CustomerTable(clean, report, rfm, duplicates, rows_in, rows_clean,
                         customers_left_out=left_out, totals=totals)


def _without_totals(
    clean: Any, report: pd.DataFrame, rfm: pd.DataFrame, customer: str, whole: float | None
) -> tuple[Any, pd.DataFrame, list[TotalsRow]]:
    """The cleaned lines and cleaning report without the customers of ``rfm`` that are
    totals rows (:func:`rfm._cleaning_rules.totals_rows`; ``whole``: the money of every
    line read, :func:`rfm._cleaning_rules.lines_total`), counted in the report as the rule
    ``totals_row``; and those totals rows (none: everything as it was)."""
    totals = totals_rows(rfm, whole)
    if not totals:
        return clean, report, []
    drop = clean[customer].isin([t.customer for t in totals])
    n = int(drop.sum().compute() if is_dask_frame(clean) else drop.sum())
    clean = clean[~drop] if is_dask_frame(clean) else clean.loc[~drop.to_numpy()]
    row = {"rule": "totals_row", "rows_removed": n,
           "rows_left": int(report["rows_left"].iloc[-1]) - n}  # fmt: skip
    return clean, pd.concat([report, pd.DataFrame([row])], ignore_index=True), totals


def _totals_lines_counted(report: pd.DataFrame, lines: int) -> pd.DataFrame:
    """The cleaning report with the ``lines`` that are totals lines without a customer id
    (:func:`rfm._cleaning_rules.totals_lines`) counted as the totals row they are, not
    among the guest orders: the rule ``missing_customer`` removed them, and every row
    after it keeps them until ``totals_row`` (added, or the totals customers' row) removes
    them."""
    rules = report["rule"].tolist()
    if not lines or "missing_customer" not in rules:
        return report
    out = report.copy()
    at = rules.index("missing_customer")
    out.loc[at, "rows_removed"] -= lines
    out.loc[at:, "rows_left"] += lines
    if rules[-1] != "totals_row":
        row = {"rule": "totals_row", "rows_removed": 0, "rows_left": int(out["rows_left"].iloc[-1])}
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    out.loc[len(out) - 1, "rows_removed"] += lines
    out.loc[len(out) - 1, "rows_left"] -= lines
    return out


def _customers_left_out(ids: pd.Series, clean: pd.DataFrame) -> int | None:
    """Distinct customer ids (missing ones aside) of the order lines read, less those of
    the lines kept: the customers the cleaning removed whole. Both counts are of the ids
    as read (the kept lines found by their index), so no rewriting of ids can make two
    ids one; None when the index does not identify the lines."""
    if not ids.index.is_unique:
        return None
    present = ids[~missing_customer(ids)]
    return int(present.nunique() - ids.loc[clean.index].nunique())


def _customer_table_dask(
    transactions: Any, chosen: Settings, step: Steps, with_monthly: bool
) -> CustomerTable:
    """On Dask: the cleaning report, the customers it left out, the RFM table and
    (``with_monthly``) the monthly KPIs from one computation, so that the order lines are
    read and cleaned once."""
    import dask

    from rfm._dask_parts import in_memory_ids
    from rfm.cleaning_dask import clean_graph, customers_left_out
    from rfm.kpis_dask import monthly_finish, monthly_graph
    from rfm.table_dask import rfm_table_graph

    cols, rules_on = chosen.columns, chosen.cleaning
    switches = {k: v for k, v in rules_on.row_rules().items() if k != "drop_duplicates"}
    what = "recency, frequency, monetary" + (" and monthly KPIs" if with_monthly else "")

    def reduced(lines: Any, *extra: Any) -> tuple[list, Callable[[], tuple[Any, Any, Any]]]:
        """``extra`` computed in one pass with the customer table and monthly KPIs of
        ``lines``, and the function that finishes those two (called after ``extra`` is
        checked: the cleaning report says first when nothing is left), with the ids of
        every customer of a kept line (the table's, and those of returns alone)."""
        aggregates, finish = rfm_table_graph(
            lines, columns=cols, snapshot=chosen.snapshot,
            allow_negative=rules_on.allow_negative, backend="auto", given_as=COLUMNS,
        )
        lazy = [*extra, aggregates, *(monthly_graph(lines, cols) if with_monthly else ())]
        computed = dask.compute(*lazy)
        rest = computed[len(extra):]
        return list(computed[: len(extra)]), lambda: (
            finish(rest[0]), monthly_finish(*rest[1:]) if with_monthly else None,
            in_memory_ids(rest[0].index))

    with step(f"cleaning transactions on Dask, and {what} in the same pass"):
        clean, counts, report_of = clean_graph(
            transactions, customer=cols.customer, invoice=cols.invoice, date=cols.date,
            quantity=cols.quantity, price=cols.price, amount=cols.amount, given_as=COLUMNS,
            **switches,
        )
        whole = lines_total(transactions, cols) if rules_on.drop_totals_row else None
        lines = totals_lines(transactions, cols)
        (counted_rows, whole, lines), tables = reduced(clean, counts, whole, lines)
        with _switches_as_settings():
            report = report_of(counted_rows)
        rfm, monthly, kept = tables()
        # the ids of the lines removed came with the counts: those no kept line has (a
        # customer of returns alone has kept lines, though the table leaves it out)
        left_out = customers_left_out(counted_rows, kept)
    totals: list[TotalsRow] = []
    if rules_on.drop_totals_row and (totals := totals_rows(rfm, whole)):
        with step(f"leaving out the totals row, and {what} again"):
            drop = clean[cols.customer].isin([t.customer for t in totals])
            clean = clean[~drop]
            (n,), tables = reduced(clean, drop.sum())
            rfm, monthly, _ = tables()
            row = {"rule": "totals_row", "rows_removed": int(n),
                   "rows_left": int(report["rows_left"].iloc[-1]) - int(n)}  # fmt: skip
            report = pd.concat([report, pd.DataFrame([row])], ignore_index=True)
    report = _totals_lines_counted(report, int(lines))
    rows_in, rows_clean = _row_counts(transactions, report)
    return CustomerTable(clean, report, rfm, None, rows_in, rows_clean, monthly,
                         customers_left_out=left_out, totals=totals)


def run_pipeline(
    transactions: Any,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    check_customers: Callable[[int], None] | None = None,
    on_reduced: Callable[[], None] | None = None,
    start: np.ndarray | None = None,
    **changes: Any,
) -> PipelineResult:
    """Run the whole job on order lines (left unchanged); see the module docstring.

    Parameters
    ----------
    transactions : DataFrame or dask.dataframe.DataFrame
        Order lines. A Dask DataFrame (typed as
        :func:`rfm.io.loading_dask.load_transactions_dask` does) is cleaned and reduced
        on Dask (cleaning, the RFM table, the monthly KPIs and the migration); everything
        after the customer table runs in memory, with the same results. Exact duplicates
        are then only counted when they are dropped (``settings["duplicate_rows"]`` is
        None).
    settings : Settings, optional
        Every choice of the run (:class:`rfm.Settings`: the same defaults as the
        ``rfmseg`` command). Column roles come only through its ``columns``
        (:class:`rfm.TransactionColumns`).
    progress : callable, optional
        Called with the name of each step as it starts.
    check_customers : callable, optional
        Called with the number of customers as soon as the RFM table is known, before the
        costly clustering; it raises to stop the run (the command line refuses there more
        customers than an xlsx sheet holds).
    on_reduced : callable, optional
        Called once every step that reads the order lines is done (cleaning, RFM table,
        monthly KPIs, migration, value ahead): the rest works on the customer table
        only. When the monthly KPIs came with the RFM table (on Dask) and neither of the
        last two runs, it is called before scoring.
    start : array of shape (k, 3), optional
        Warm-start K-means from these centres, in days, orders and money (one Lloyd run;
        k is their number): :meth:`rfm.SegmentModel.refit` starts from last week's.
    **changes
        Settings to change from ``settings`` (or the defaults), by name:
        ``run_pipeline(tx, k=4, rules="rfm")``.

    Notes
    -----
    ``rules`` is a built-in rule set of :func:`rfm.segment` (``"codes"`` scores in
    quartiles, the others in quintiles) or custom rules (quintiles; a UserWarning names
    their problems, see :func:`rfm.check_rules`). ``compare_to`` (a date) adds the segment
    migration from the end of that day (:func:`rfm.migration.segmentation_at`) to this
    run's own segments, so that the "now" of the comparison is the run's segmentation. Kept
    returns (a ``drop_nonpositive_*`` cleaning rule off) reduce the customer's spend but
    are no order and no purchase (:func:`rfm.rfm_table`, ``allow_negative``); the notes
    say so, and how many customers were left out for having returns alone.
    """
    chosen = _fitted_to(transactions, (settings or Settings()).replace(**changes))
    cols, rules, k, scaling = chosen.columns, chosen.rules, chosen.k, chosen.scaling
    orders = orders_word(cols.invoice is not None)  # what frequency counts, in words
    ties, random_state, compare_to = chosen.ties, chosen.random_state, chosen.compare_to
    step = Steps(progress)
    base = _customer_table(transactions, chosen, step, with_monthly=True)
    clean, cleaning_report, rfm, duplicates = (
        base.transactions, base.cleaning, base.rfm, base.duplicates
    )
    # a snapshot rule (a model's date, or max+1d past it) said as the table resolved it
    chosen = chosen.replace(snapshot=settled_snapshot(chosen.snapshot,
                                                      rfm["last_purchase"].max()))
    # kept returns may leave a customer's spend below 0: said now, not after the scores,
    # KPIs and value models (the clustering would refuse it with the same words)
    refuse_negative(rfm[list(RFM_COLUMNS)], RFM_COLUMNS, scaling)
    compile_silhouette_ahead(len(rfm))  # when the demo has not started it already
    reads_lines_again = base.monthly is None or compare_to is not None or chosen.clv is not None
    if on_reduced is not None and not reads_lines_again:
        on_reduced()  # nothing reads the order lines again: stop a Dask cluster before
        # scoring, whose peak would otherwise add to the workers' memory
    with step("scoring and naming segments"):
        if check_customers is not None:
            check_customers(len(rfm))
        q = chosen.q
        if len(rfm) < q:  # said here: run_pipeline takes no q, its rules set it
            raise TooFewCustomers(len(rfm), q)
        scores = rfm_scores(rfm, q=q, ties=ties)
        bins = score_bins(rfm, q=q, ties=ties)
        segments = segment(scores, rules=rules)
        rule_check = check_rules(rules, q=q)
        problems = _rule_problems(rules, rule_check)
        r_scores = scores["r_score"].to_numpy()
        problems += score_sentences(rfm, segments, rules, r_scores, q, ties)
        inversions = name_inversions(segments, rfm, rules)
    monthly = base.monthly
    if monthly is None:
        with step("monthly KPIs"):
            monthly = kpis.monthly(clean, columns=cols)
    migration = None
    if compare_to is not None:
        with step(f"segment migration since {compare_to}"):
            now = pd.DataFrame({"segment": segments["segment"], "rfm_sum": scores["rfm_sum"],
                                "monetary": rfm["monetary"], "frequency": rfm["frequency"]})
            migration = _migration(clean, compare_to, now, cols, ties, rules, q,
                                   allow_negative=chosen.cleaning.allow_negative)
    ahead = None
    if chosen.clv is not None:
        model = chosen.purchase_model
        with step(f"value ahead: fitting {MODEL_NAMES[model]} and Gamma-Gamma"):
            ahead = fit_value(clean, rfm, cols, months=chosen.clv, model=model,
                              holdout_days=chosen.holdout_days, snapshot=chosen.snapshot,
                              cleaning=chosen.cleaning)  # fmt: skip
        if not ahead.spend_defined:  # the run goes on with p_alive and the purchases
            problems.append(SPEND_UNDEFINED)
    if on_reduced is not None and reads_lines_again:
        on_reduced()  # the order lines are no longer needed (e.g. stop a Dask cluster)
    shown_k = k if start is None else f"{len(start)}, from the given centres"
    with step(f"clustering (k={shown_k}, scaling={scaling})"):
        with warnings.catch_warnings():  # said below in the reader's words, with the values
            warnings.simplefilter("ignore", ConstantColumnWarning)
            res = cluster(rfm, k=k, scaling=scaling, random_state=random_state, start=start)
        problems += same_for_everyone(rfm, res.X, orders)
    n = len(rfm)
    with step("silhouette per customer"):
        sil = (
            validation.silhouette_samples(res.X, res.labels.to_numpy())
            if n <= MAX_EXACT_SILHOUETTE
            else None
        )
    with step("profiling clusters"):
        prof = profile(rfm, res.labels)
        if sil is not None:
            prof["silhouette"] = silhouette_by_cluster(sil, res.labels.to_numpy())
        persona_table = describe_personas(prof, order=orders[:-1])  # "order", "purchase day"
        personas = persona_table["persona"]
        prof.insert(1, "persona", personas)
        prof["action"] = persona_table["action"]
        actions = customer_actions(segments)
        pca = pca_projection(res.X, random_state=random_state)
        summary_table = segment_summary(segments, rfm)
        if ahead is not None:
            value_tables(
                ahead, rfm,
                align_to_customers(segments["segment"], rfm.index, name="segment"),
                res.labels.map(personas), scores["m_score"], q,
            )
            ahead.by_segment = ahead.by_segment.reindex(summary_table.index)
            ahead.by_persona = ahead.by_persona.reindex(personas.tolist())
    with step("validating (ANOVA, indices, stability)"):
        sil_mean = float(np.mean(sil)) if sil is not None else res.silhouette
        table = validation.validity_table(
            res.X,
            res.labels.to_numpy(),
            rfm[list(RFM_COLUMNS)],
            n_clusters=res.k,
            silhouette=sil_mean,
            stability_seeds=range(random_state, random_state + 5),
            stability_sample_size=ELBOW_SAMPLE,
        )
    rows_in, rows_clean = base.rows_in, base.rows_clean
    mean_ari = float(table.loc[table["metric"] == "stability_mean_ari", "value"].iloc[0])
    warnings_ = [t.sentence() for t in base.totals] + run_warnings(
        problems, inversions, mean_ari, orders, rfm_decimals(rfm), customers=rfm.index)
    for text in warnings_:  # library callers see them too (the command prints the list)
        warnings.warn(text, UserWarning, stacklevel=2)
    notes = []
    if cols.invoice is None:
        notes.append(ORDERS_ARE_DAYS)
    notes += returns_notes(chosen.cleaning, cols, rfm)
    settings = {
        "k": res.k,
        "k_requested": k,
        "scaling": scaling,
        "rules": rules,
        "ties": ties,
        "compare_to": compare_to,
        "snapshot": chosen.snapshot,
        "random_state": random_state,
        "rows_in": rows_in,
        "rows_clean": rows_clean,
        "customers_left_out": base.customers_left_out,
        "duplicate_rows": duplicates,
        "cleaning_rules": chosen.cleaning.as_dict(),
        # the mean silhouette's sample size when it is not exact (None: every customer)
        "silhouette_sample": None if sil is not None else min(n, SILHOUETTE_SAMPLE),
    }
    rule_set = resolve_rules(rules)
    return PipelineResult(
        transactions=clean,
        cleaning=cleaning_report,
        rfm=rfm,
        scores=scores,
        segments=segments,
        clusters=res,
        silhouette=sil,
        profile=prof,
        personas=personas,
        validation=table,
        monthly=monthly,
        settings=settings,
        timings=step.timings,
        actions=actions,
        migration=migration,
        columns=cols,
        q=q,
        segment_summary=summary_table,
        rf_counts=rf_counts(scores),
        options=chosen,
        rf_mean_spend=rf_mean_spend(scores),
        score_bins=bins,
        rule_set=rule_set,
        segment_persona=segment_persona_counts(
            segments["segment"],
            cluster_names(align_to_customers(res.labels, segments.index, name="cluster"),
                          personas),
            rfm["monetary"],
            segment_order=[*rule_set.names(), OTHERS],
            persona_order=[personas[k] for k in prof.index],
        ),
        rule_check=rule_check,
        inversions=inversions,
        pca=pca,
        separation=separation_table(prof),
        warnings=warnings_,
        notes=notes,
        value=ahead,
    )


class TooFewCustomers(ValueError):
    """Fewer customers (``n``) than the rule set's score levels (``q``); the message is
    :func:`too_few_for_scores`'s. A caller whose rule set is fixed (a saved model's
    refit) says it in its own words from ``n`` and ``q``."""

    def __init__(self, n: int, q: int) -> None:
        super().__init__(too_few_for_scores(n, q))
        self.n, self.q = n, q


def too_few_for_scores(n: int, q: int) -> str:
    """The error for fewer customers than the rule set's score levels, naming what
    :func:`run_pipeline` takes: the rule set (``rules``) sets the scale, not a ``q``."""
    codes = resolve_rules("codes").q or q
    other = f", or rules='codes' ({codes} levels)" if codes <= n < q else ""
    return (
        f"{n} customer(s) cannot fill {q} score levels; the scores run on the scale of "
        f"the rule set (rules='codes': {codes} levels, the other built-in sets 5): give at "
        f"least {q} customers{other}."
    )


def _row_counts(transactions: Any, report: pd.DataFrame) -> tuple[int, int]:
    """Rows read and rows kept, from the cleaning report (no pass over a Dask frame)."""
    if len(report) == 0:  # no rule ran
        n = len(transactions)
        return n, n
    first = report.iloc[0]
    return int(first["rows_removed"] + first["rows_left"]), int(report["rows_left"].iloc[-1])


def _rule_problems(rules: Any, check: Any) -> list[str]:
    """Custom rules that leave cells uncovered or never match, in sentences."""
    if isinstance(rules, str):
        return []  # built-in sets are checked by the tests
    problems = rule_problems(check)
    return ["Your segment rules: " + "; ".join(problems)] if problems else []


#: how an order is counted without an invoice column, said wherever orders are shown
ORDERS_ARE_DAYS = (
    "There is no invoice column, so an order is a customer's purchase day: lines bought "
    "on the same day count as one order"
)


#: the note of a run that keeps lines worth 0 or less (returns, credit notes, free items)
RETURNS_KEPT = (
    "Returns are kept: they reduce the customer's spend, but are not purchases: the orders, "
    "the first and last purchase and the days since it count the lines bought only (a "
    "return is a line worth less than 0)"
)


def returns_notes(cleaning: Any, columns: TransactionColumns, rfm: pd.DataFrame) -> list[str]:
    """The notes of a run on lines worth less than 0: how returns count, when the cleaning
    keeps them (:func:`returns_kept`), and the customers left out because every line of
    theirs is a return (counted by :func:`rfm.rfm_table`)."""
    alone = int(rfm.attrs.get(RETURNS_ONLY, 0))
    returned = float(sum(rfm.attrs.get(RETURNS_ONLY_SPEND, {}).values()))
    said = returns_only_sentence(alone, money("", rfm_decimals(rfm))(returned))
    return [*([RETURNS_KEPT] if returns_kept(cleaning, columns) else []),
            *([said] if alone else [])]  # fmt: skip


def returns_kept(cleaning: Any, columns: TransactionColumns) -> bool:
    """Whether the cleaning keeps returns: lines whose quantity or price is 0 or less,
    where the money is quantity × price (a line worth less than 0 is a return, whichever
    of the two is negative), or whose amount is, where it comes from an amount column
    (a flag for the other column keeps nothing of this file)."""
    if columns.amount is not None:
        return not cleaning.drop_nonpositive_amount
    return ((columns.quantity is not None and not cleaning.drop_nonpositive_quantity)
            or (columns.price is not None and not cleaning.drop_nonpositive_price))


def run_warnings(problems: list[str], inversions: pd.DataFrame, mean_ari: float,
                 orders: str = "orders", decimals: int = 0,
                 customers: pd.Index | None = None) -> list[str]:  # fmt: skip
    """What the reader must know before acting, each a sentence ending in a full stop:
    customer ids written two ways in the file (``customers``: the ids of the customer
    table, :func:`id_spelling_sentence`) first, then unstable clusters (mean ARI below
    :data:`validation.stability.STABLE_ARI`), then the rule set's problems, then the
    segment names that invert the value order (orders called ``orders``: "purchase days"
    without an invoice column; money with the run's ``decimals``,
    :func:`rfm.labels.spend_decimals`)."""
    found = [*problems, *inversion_sentences(inversions, orders, decimals)]
    if np.isfinite(mean_ari) and mean_ari < STABLE_ARI:
        found.insert(0, UNSTABLE_SENTENCE)
    spelled = id_spelling_sentence(customers) if customers is not None else None
    if spelled:
        found.insert(0, spelled)
    return [w if w.endswith(".") else w + "." for w in found]


def id_spelling_sentence(customers: pd.Index) -> str | None:
    """The warning for customer ids of one file that write one id two ways (``"00017"``
    and ``"17"``: :func:`rfm.cleaning.ids_written_two_ways`), each such pair counted as
    two customers; ``None`` when there are none. (``17850.0`` beside ``17850`` is one id
    already: the cleaning makes whole float ids whole.)"""
    found = ids_written_two_ways(customers)
    if found is None:
        return None
    n, one, other = found
    return (f"{counted(n, 'customer id')} {agree(n, 'appears|appear')} written two ways in "
            f"the file (e.g. '{one}' and '{other}'): the two spellings are counted as "
            "different customers. If they are one customer, write each id one way "
            "throughout the file (all with leading zeros or all without, no '.0') so that "
            "it counts once.")


#: the warning for clusters that change with the random starts, in plain words; the figure
#: behind it, the mean adjusted Rand index of runs from other starts (1 = the same clusters
#: every time; below :data:`validation.stability.STABLE_ARI` reads unstable), is in the
#: report's details for analysts and in ``validation.csv``
UNSTABLE_SENTENCE = (
    "Unstable clusters: grouping the customers again from other random starting points "
    "gives noticeably different groups. Treat the personas as a rough guide and base "
    "campaigns on the segments, which do not depend on random starts"
)


def separation_table(prof: pd.DataFrame) -> pd.DataFrame:
    """:func:`rfm.profiles.separation`'s table from a profile's ``attrs["separation"]``."""
    eta = prof.attrs["separation"]
    return pd.DataFrame(
        {"eta_squared": [eta[d] for d in RFM_COLUMNS],
         "reading": [separation_reading(eta[d]) for d in RFM_COLUMNS]},
        index=pd.Index(list(RFM_COLUMNS), name="dimension"),
    )  # fmt: skip


def _migration(
    clean: pd.DataFrame, compare_to: Any, now: pd.DataFrame, cols: TransactionColumns,
    ties: str, rules: Any, q: int, allow_negative: bool,
) -> Any:
    """Migration from the end of day ``compare_to`` to ``now``, this run's own segments,
    scores and customer table (so the comparison's "now" is the segmentation the run
    reports, at its snapshot); a ``ValueError`` naming ``compare_to`` when it is not
    before the day of the last purchase. The earlier customers are counted as the run's
    own are: lines worth less than 0 that the cleaning kept (``allow_negative``: a
    ``drop_nonpositive_*`` rule off) reduce their spend then too."""
    from rfm.migration import as_day, compare_segments, segmentation_at

    latest = clean[cols.date].max()
    if is_dask_frame(clean):
        latest = latest.compute()
    last = pd.Timestamp(latest).normalize()
    day = as_day(compare_to, "compare_to")  # (checked when the Settings were made)
    if day.tz_localize(None) >= last.tz_localize(None):
        raise ValueError(
            f"compare_to ({day:%Y-%m-%d}) must be before the day of the last order "
            f"({last:%Y-%m-%d}): the migration runs from it to that day; pick an earlier "
            "date."
        )
    then = segmentation_at(clean, compare_to, q=q, ties=ties, rules=rules, columns=cols,
                           allow_negative=allow_negative)
    return compare_segments(then, now, rules)
