"""The report of ``rfmseg apply``: a saved model applied to new data, and how far it drifted.

:func:`render_apply_report` turns a :class:`rfm.app.applying.AppliedRun` into one
self-contained HTML page, in the same style as the segmentation report
(:mod:`rfm.report.html`, whose segment and persona sections it reuses). Nothing was fitted,
so there is no elbow, silhouette or stability section. Sections:

``summary``    customers, revenue, period, the model (when it was trained, on what), the
               drift verdict ("refit recommended" when any PSI is above 0.25)
``segments``   the segments under the model's frozen thresholds and rules
``personas``   the model's clusters and persona names, on the new customers; a warning
               names those that no longer describe their customers
``drift``      the drift verdict in words; under the analysts' details, PSI and KS per
               feature against the training customers, with their readings
``changes``    (with ``--previous``) who changed segment or cluster (clusters only when the
               previous file's are this model's), whose R + F + M score fell and, when the
               data continue the previous run's, which of them have not ordered since (the
               win-back list and the others); the from → to matrix
``method``     how a saved model is applied, in words
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rfm.drift import (
    MIN_DRIFT_CUSTOMERS,
    PSI_MODERATE,
    PSI_REFIT,
    REFERENCE_POINTS,
    TOO_FEW,
    psi_reading,
)
from rfm.labels import (
    FEATURE_WORDS,
    agree,
    banded,
    counted,
    drift_features,
    has_invoices,
    orders_word,
    p_value,
    pct,
    statistic,
    when,
    word_list,
)
from rfm.migration import GONE_DIRECTION
from rfm.report import _html as h
from rfm.report.html import (
    DOWN_WORDS,
    SCALING_TEXT,
    _Ctx,
    _personas,
    _segments,
    details,
    page,
    score_fell_words,
    segments_count,
    win_back_words,
)

if TYPE_CHECKING:  # pragma: no cover
    from rfm.app.applying import AppliedRun

__all__ = ["APPLY_SECTIONS", "changes_words", "orders_sentence", "read_otherwise_sentence",
           "render_apply_report", "stale_names_sentence", "write_apply_report"]  # fmt: skip

APPLY_SECTIONS = ("summary", "segments", "personas", "drift", "method")
#: how the drift verdict starts when a refit is recommended
REFIT_HEAD = "Refit recommended:"


def _day(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _in_words(features: list[str]) -> str:
    """Drift features in plain words, each dimension once (a scaled feature is its
    dimension: "recency", not the column name ``recency_scaled``)."""
    dims = dict.fromkeys(str(f).removesuffix("_scaled") for f in features)
    return word_list([FEATURE_WORDS.get(d, d) for d in dims])


def refit_sentence(run: AppliedRun) -> str:
    """The drift verdict in one plain sentence (the console prints the same), the features
    named in plain words (:data:`rfm.labels.FEATURE_WORDS`); the figures (PSI) are in the
    drift table, for the analysts."""
    n = run.drift.attrs.get("customers", MIN_DRIFT_CUSTOMERS)
    verdicts = run.drift.get("verdict")  # (None: a table of PSI alone)
    read = (verdicts is None or n >= MIN_DRIFT_CUSTOMERS
            or (verdicts != TOO_FEW).any())  # fmt: skip
    if not read:
        return (f"Too few customers to judge drift: with {counted(n)}, chance alone moves "
                f"the shift figures across their bands; it takes {MIN_DRIFT_CUSTOMERS} or "
                "more, or a shift chance could hardly give.")  # fmt: skip
    judged = run.drift if verdicts is None else run.drift[verdicts != TOO_FEW]
    worst = judged["psi"].idxmax()
    value = float(judged.loc[worst, "psi"])
    if run.refit_recommended:
        moved = _in_words(list(judged.index[judged["psi"] > PSI_REFIT]))
        return (f"{REFIT_HEAD} the customers have moved far from the ones the model was "
                f"trained on, in {moved}.")  # fmt: skip
    if value >= PSI_MODERATE:
        return (f"Moderate shift since training, most of all in {_in_words([worst])}; the "
                "model still applies, watch the next runs.")  # fmt: skip
    return "Stable: the customers look like the training customers."


def read_otherwise_sentence(n_otherwise: int, n_previous: int) -> str:
    """The warning for :func:`rfm.app.applying.read_again`'s finding, one line: the console
    and the report."""
    return (f"The previous segments do not read their customers as this model does: it "
            f"gives {n_otherwise:,} of the {counted(n_previous)} in that file other scores, "
            "segments or clusters for their figures then (a file of another model, of the "
            "model a refit started from, or edited). So both runs are compared as this "
            "model reads them: the previous customers are scored, named and clustered again "
            "from their figures in that file.")  # fmt: skip


def stale_names_sentence(stale: dict[int, tuple[str, str]]) -> str:
    """The warning for :func:`rfm.app.applying.stale_names`'s finding, one line: the console and the
    report."""
    named = [f'cluster {cid}, "{mine}", would now be named "{now}"'
             for cid, (mine, now) in stale.items()]  # fmt: skip
    which = ("The name of 1 cluster no longer describes its" if len(stale) == 1
             else f"The names of {len(stale)} clusters no longer describe their")
    return (f"{which} customers in these data: {'; '.join(named)}. The names are the saved "
            "model's; 'rfmseg refit' names the clusters afresh.")


def changes_words(run: AppliedRun) -> str:
    """Who changed since the previous run, in plain words (the console prints the same):
    customers in both, new and gone; the shares that changed segment and cluster; how
    many have a lower R + F + M score, and how many of them are in the same segment as
    then (:func:`rfm.report.html.score_fell_words`), and what their orders say
    (:func:`orders_sentence`)."""
    ch, cust = run.changes, run.migration.customers
    both, new, gone = (int(ch[k]) for k in ("customers_both", "customers_new", "customers_gone"))
    if both == 0:
        return (f"No customer of the previous run is in these data ({new:,} new, {gone:,} "
                "gone), so no one can be said to have moved.")  # fmt: skip
    words = (f"{counted(both)} {agree(both, 'is|are')} in both runs, {new:,} new and "
             f"{gone:,} gone. {pct(ch['segment_changed'])} of the customers in both changed "
             f"segment and {pct(ch['cluster_changed'])} changed cluster. "
             f"{score_fell_words(cust, 'in the previous run')}.")  # fmt: skip
    return f"{words} {orders_sentence(run)}".rstrip()


def orders_sentence(run: AppliedRun) -> str:
    """What the orders since the previous run say about the customers whose R + F + M
    score fell, in plain words (the console prints the same): when the runs cannot be
    compared on orders, why, whoever moved; else "" when no score fell.

    Only when the data continue the previous run's (``migration.csv`` has
    ``orders_between``) is a customer whose orders did not grow one who has not ordered
    since; otherwise the sentence says the two runs cannot be compared on orders, and why.
    Of those whose score fell and who have not ordered since, the ones now in a segment
    for customers slipping away are the win-back list
    (:func:`rfm.report.html.win_back_words`).
    """
    cust, ch = run.migration.customers, run.changes
    if "orders_between" not in cust:
        why = []
        if ch["orders_fell"]:
            why.append(f"{counted(ch['orders_fell'])} {agree(ch['orders_fell'], 'has|have')} "
                       "fewer orders than in the previous file")  # fmt: skip
        if ch["customers_gone"]:
            gone = ch["customers_gone"]
            why.append(f"{gone:,} of its customers {agree(gone, 'is|are')} gone")
        if ch.get("spend_without_orders"):
            odd = ch["spend_without_orders"]
            why.append(f"{counted(odd)} {agree(odd, 'has|have')} as many orders as in the "
                       "previous file but another spend")  # fmt: skip
        return (f"The two runs cannot be compared on orders: {word_list(why)}, so these "
                "data are not the previous run's with new orders added (a rolling window "
                "drops old orders; lines counted twice, or money in another unit, change "
                "the spend); migration.csv then gives no orders or spend between the "
                "runs.")  # fmt: skip
    down = (cust["direction"] == "down").to_numpy()
    if not down.any():
        return ""
    # no order and no spend since: without an invoice column an order is a purchase day,
    # and a file cut in the middle of a day would count a later purchase that day as none
    lapsed = down & ((cust["orders_between"] == 0) & (cust["revenue"] == 0)).to_numpy()
    words = win_back_words(cust["segment_after"][lapsed], run.rule_set, run.q,
                           "the end of the previous run's data")  # fmt: skip
    others = cust.index[down & ~lapsed]
    if len(others):
        prev = run.previous.drop_duplicates("customer").set_index("customer")["recency"]
        now = pd.Series(run.table["recency"].to_numpy(),
                        index=run.table["customer"].astype(str).to_numpy())  # fmt: skip
        older = bool((now.loc[others] > prev.reindex(others)).all())
        n = len(others)
        words += (f" The other {n:,} {agree(n, 'has|have')} ordered since, "
                  + ("but their last order is longer ago than it was then." if older
                     else f"yet {agree(n, 'their score|their scores')} fell."))  # fmt: skip
    return words


def _summary(run: AppliedRun, c: _Ctx) -> str:
    rfm, t = run.rfm, run.model.training
    kpis = [
        ("Customers", f"{len(rfm):,}"),
        ("Revenue", c.money(float(rfm["monetary"].sum()))),
        ("Period", f"{_day(rfm['first_purchase'].min())} – {_day(rfm['last_purchase'].max())}"
         if "first_purchase" in rfm else "–"),
        ("Clusters", str(run.model.k)),
        ("Drift", "refit recommended" if run.refit_recommended
         else "too few customers to judge" if (run.drift["verdict"] == TOO_FEW).all()
         else "no refit needed"),
    ]  # fmt: skip
    cls = "warn" if run.refit_recommended else "note"
    lead = (
        f"<p>These customers were segmented with a saved model, trained on "
        f"{t['customers']:,} customers with orders from {_day(t.get('first_order'))} to "
        f"{_day(t.get('last_order'))} (model created {h.esc(when(run.model.created))}). Scores "
        "come from the model's thresholds and every customer joins the nearest of its "
        "cluster centres, so segment and persona names mean what they meant then.</p>"
        f'<p class="{cls}">{h.esc(refit_sentence(run))}</p>'
        f"<p>Rows read: {run.settings.get('rows_in', 0):,}; kept after cleaning: "
        f"{run.settings.get('rows_clean', 0):,}.</p>"
    )
    return h.cards(kpis, "cards kpis") + lead + _warnings_and_notes(run)


def _warnings_and_notes(run: AppliedRun) -> str:
    """What the console says before its tables: the run's warnings (but those shown with
    their own section: stale persona names above the cards, a previous file of another
    model under the changes) and its notes."""
    elsewhere = set()
    if run.stale_names:
        elsewhere.add(stale_names_sentence(run.stale_names))
    read = run.changes.get("read_otherwise") if run.changes is not None else None
    if read:
        elsewhere.add(read_otherwise_sentence(read, len(run.previous)))
    warned = "".join(f'<p class="warn">{h.esc(w)}</p>' for w in run.warnings
                     if w not in elsewhere)  # fmt: skip
    return warned + "".join(f'<p class="note">{h.esc(n)}.</p>' for n in run.notes)


def _stale_names(run: AppliedRun) -> str:
    """The warning that some of the model's persona names no longer hold (the console
    prints the same), above the persona cards."""
    if not run.stale_names:
        return ""
    return f'<p class="warn">{h.esc(stale_names_sentence(run.stale_names))}</p>'


def _drift(run: AppliedRun) -> str:
    d = run.drift
    table = pd.DataFrame({
        "PSI": d["psi"], "PSI over score bins": d["psi_score_bins"],
        "PSI over deciles": d["psi_deciles"], "KS statistic": d["ks_statistic"],
        "KS p-value": d["ks_pvalue"], "reading": d["verdict"],
    })  # fmt: skip
    labels = drift_features(has_invoices(run))
    table.index = [labels.get(i, i) for i in d.index]
    table.index.name = "Feature"

    def psi(v: object) -> str:  # the decimals to fall in the band of its reading
        return "–" if v is None or not np.isfinite(float(v)) else banded(float(v), psi_reading)

    body = h.table(table, {"PSI": psi, "PSI over score bins": statistic,
                           "PSI over deciles": statistic, "KS statistic": statistic,
                           "KS p-value": p_value},
                   text_columns=("reading",))  # fmt: skip
    if run.refit_recommended:  # the verdict once, its first words in bold
        rest = refit_sentence(run).removeprefix(REFIT_HEAD)
        verdict = f'<p class="warn"><b>{h.esc(REFIT_HEAD)}</b>{h.esc(rest)}</p>'
    else:
        verdict = f"<p>{h.esc(refit_sentence(run))}</p>"
    return (
        "<p>How far the customers moved since the model was trained, in days since the "
        f"last order, {orders_word(has_invoices(run))} "
        "and spend: the customers of these data are compared with the training customers, "
        "feature by feature.</p>"
        + verdict
        + details(
            "<p>The population stability index (PSI) compares the share of customers in "
            "each bin of the training data (the score bins, and the training deciles): "
            "below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a refit is "
            "recommended. The Kolmogorov–Smirnov statistic is the largest gap between the "
            "two distributions, as a share of customers; with many customers its p-value "
            "is tiny for any gap, so read the statistic first.</p>"
            + _sampled_note(run)
            + _scaled_note(run)
            + body
        )
    )


def _sampled_note(run: AppliedRun) -> str:
    """Which KS tests compare with a sample of the training customers, said only when
    some do (the model keeps every distinct training value, or a seeded sample of
    :data:`rfm.drift.REFERENCE_POINTS` customers when there are more)."""
    sampled = run.drift.attrs.get("sampled") or []
    if not sampled:
        return ""
    return (f"<p>For {h.esc(_in_words(sampled))}, the training customers had more "
            "distinct values than the model keeps, so it keeps a random sample of "
            f"{REFERENCE_POINTS:,} of them: the KS test compares these customers with "
            "that sample. The PSI counts every training customer.</p>")  # fmt: skip


def _scaled_note(run: AppliedRun) -> str:
    """Why the "as clustered" rows repeat the raw ones, said only when every figure of
    every scaled row is its raw feature's."""
    d = run.drift
    columns = ["psi", "psi_score_bins", "psi_deciles", "ks_statistic", "ks_pvalue"]
    for dim in ("recency", "frequency", "monetary"):
        scaled = f"{dim}_scaled"
        if dim not in d.index or scaled not in d.index:
            return ""
        a, b = d.loc[dim, columns].to_numpy(float), d.loc[scaled, columns].to_numpy(float)
        if not np.array_equal(a, b, equal_nan=True):
            return ""
    reversed_ = " (recency reversed)" if run.model.learned.scaler.multiplier[0] < 0 else ""
    return ("<p>The rows “as clustered” are the same features in the units the clusters "
            f"are found in. Scaling keeps the customers in the same order{reversed_}, so "
            "each customer is in the same bin and the figures are the same.</p>")


def _changes(run: AppliedRun) -> str:
    ch, mig = run.changes, run.migration
    cust = mig.customers
    read = ch.get("read_otherwise")
    warn = (f'<p class="warn">{h.esc(read_otherwise_sentence(read, len(run.previous)))}</p>'
            if read else "")  # fmt: skip
    listed = (f"both segments, the direction ({DOWN_WORDS}), and their spend and orders "
              "between the two runs" if "orders_between" in cust
              else f"both segments and the direction ({DOWN_WORDS})")  # fmt: skip
    if (cust["direction"] == GONE_DIRECTION).any():
        listed += (", those of the previous run who are not in these data included "
                   "(direction “gone”)")  # fmt: skip
    return (
        warn
        + f"<p>Against the previous segments: {h.esc(changes_words(run))} "
        f"<code>migration.csv</code> lists every customer with {listed}.</p>"
        "<h3>Customers</h3>"
        + h.heat_table(mig.matrix, h.whole, corner="before \\ now")
    )


def _recency_from(run: AppliedRun) -> str:
    """Where the run counted recency from, in words: the snapshot it used
    (``run.settings["snapshot"]``, as the table resolved it), and, for a date, whether it
    is the model's own (the date its training run was given) or given for this run."""
    from rfm._table_core import check_snapshot
    from rfm.model import instant

    used = run.settings.get("snapshot", "max+1d")
    if used == "max":
        return "recency counted from the last order in this data"
    passed = run.snapshot_passed
    if used == "max+1d" and passed is not None:
        return ("recency counted from 24 hours after the last order in this data, not from "
                f"{instant(passed.date)}, the date the model's training run counted it from: "
                f"these orders go on to {instant(passed.last)}")
    if used == "max+1d":
        return "recency counted from 24 hours after the last order in this data"
    day, own = check_snapshot(used), run.model.settings.snapshot
    whose = ("the date the model's training run counted it from (these orders end by it)"
             if check_snapshot(own) == day else "the snapshot given for this run")
    return f"recency counted from {instant(day)}, {whose}"


def _method(run: AppliedRun) -> str:
    s = run.model.settings
    scaling = SCALING_TEXT.get(s.scaling, "scaled")
    items = [
        "Customer table: the order lines cleaned with the model's rules and columns; "
        f"{_recency_from(run)}.",
        f"Scores 1 to {run.q} from the model's frozen thresholds (no quantile recomputed); "
        "a value beyond the training range takes the end score.",
        "Segments: the model's rule set on those scores; each customer's action is its "
        "segment's, but one worth their past spend for customers with the highest spend "
        "score in a segment for customers slipping away whose action is meant for every "
        "spend.",
        "Clusters: R, F and M scaled the same way as in training, with the training "
        f"customers' ranges: {h.esc(scaling)}. Each customer then joins the nearest of the "
        "model's cluster centres; persona and persona action come with the cluster.",
        "Nothing was fitted on these data, so this report does not say how well the "
        "clusters separate or how stable they are: that describes the training run.",
    ]
    return h.bullet_list(items)


def render_apply_report(run: AppliedRun, *, title: str = "Segments from a saved model") -> str:
    """The report's HTML text (module docstring)."""
    errors: list[str] = []
    c = _Ctx(run, errors)  # type: ignore[arg-type]  # the sections it reuses read these fields
    body = {
        "summary": ("Summary", _summary(run, c)),
        "segments": ("Segments", _segments(c)),
        "personas": ("Personas", _stale_names(run) + _personas(c)),
        "drift": ("Drift since training", _drift(run)),
    }
    if run.migration is not None:
        body["changes"] = ("Changes since the previous run", _changes(run))
    body["method"] = ("Method", _method(run))
    return page(
        title,
        f"{counted(len(run.rfm))} · "
        f"{segments_count(run.rule_set.names(), run.segment_summary)} · "
        f"{personas_count(run)} · saved model · generated by rfmseg",
        body,
    )


def personas_count(run: AppliedRun) -> str:
    """The personas that hold customers in these data, against the model's k: "4
    personas", or "1 of the model's 4 personas" when the others have none here."""
    k, held = run.model.k, len(run.profile)
    if held == k:
        return f"{k} persona{'' if k == 1 else 's'}"
    return f"{held} of the model's {k} personas"


def write_apply_report(path: str | os.PathLike[str], run: AppliedRun, *,
                       title: str = "Segments from a saved model") -> Path:  # fmt: skip
    """Write :func:`render_apply_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_apply_report(run, title=title), encoding="utf-8")
    return path
