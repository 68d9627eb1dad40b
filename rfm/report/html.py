"""One self-contained HTML report of a segmentation run, for a marketing director.

:func:`render_report` turns a :class:`rfm.app.pipeline.PipelineResult` into a single HTML
page; :func:`write_report` saves it. The page needs nothing else: styles are inline, and
the figures are inline SVG drawn by :mod:`rfm.report.plots` (the segment treemap laid out by
:func:`rfm.report.treemap.squarify`). It makes no network request and opens offline, or as
an e-mail attachment.

Sections (each a ``<section id=…>``):

``summary``      customers, revenue, orders, period, clusters, separation, cleaning steps
``segments``     rule-based segments (how many of the rule set's have customers, who
                 "Others" are), by past spend: size, revenue share, action; treemap; which score
                 combinations make which segment (with the rule set's gaps and dead rules)
``personas``     one card per cluster, best first: size, revenue, medians, how well its
                 customers sit in it (the silhouettes under the analysts' details), action
``crosstab``     segment × persona, in customers and in revenue
``value``        (with ``clv``) value ahead: expected spend, customers likely lost and
                 revenue at risk per segment and persona; the holdout check with its verdict
                 in words; the models and their parameters under the analysts' details
``migration``    (with ``compare_to``) from → to segment counts and spend
``refit``        (a refit of a saved model) which clusters kept their id and persona name,
                 which appeared, which vanished
``clusters``     the profile table; the suggested and chosen k and why, in words; boxplots
                 (in the cards' order); under the analysts' details the silhouettes behind
                 the choice, the elbow, silhouette and PCA plots
``rfm-grid``     the score bins in words, R × F counts and heatmaps
``trend``        monthly revenue and active customers, partial months marked
``validation``   silhouette, ANOVA, indices and stability, each with a plain reading
``method``       how the numbers were made, in words

The page fits a 1280 px window and a 390 px phone (wide tables scroll inside their box,
never the page; figures shrink to the width) and has a print stylesheet: each section
starts a page and no table, card or plot is cut. Every text from the data, the options or a
rule file is escaped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rfm.app.value import fit_settled, spend_interval, spend_unsure, value_sentences
from rfm.bins import bins_in_words
from rfm.clustering import MIN_SHARE
from rfm.io.dates import dates_sentence
from rfm.labels import (
    CLEANING_STEPS,
    agree,
    banded,
    counted,
    has_invoices,
    headers,
    left_out_sentence,
    number_word,
    orders_word,
    rfm_decimals,
    silhouette_reading,
    when,
    word_list,
)
from rfm.model_refit import reworded_clusters
from rfm.personas import without_new_mark
from rfm.profiles import separation_reading
from rfm.report import _html as h
from rfm.report import plots
from rfm.report._html import treemap_svg
from rfm.rulecheck import inversion_sentences, rule_problems
from rfm.segments import OTHERS, TOP_SPENDER_ACTION, lapsing_segments
from validation.stability import STABLE_ARI

if TYPE_CHECKING:  # pragma: no cover
    from rfm.app.pipeline import PipelineResult

__all__ = ["OPTIONAL_SECTIONS", "SECTIONS", "render_report", "treemap_svg", "write_report"]


SECTIONS = (
    "summary",
    "segments",
    "personas",
    "crosstab",
    "clusters",
    "rfm-grid",
    "trend",
    "validation",
    "method",
)
#: sections shown only when the run has the data for them
OPTIONAL_SECTIONS = ("value", "migration", "refit")

#: a built-in rule set in words; {} is its number of segments, in words
RULE_SET_TEXT = {
    "ladder": "the {} segments named in value order (Champions to Lost)",
    "rfm": "the {} segments of the R rfm package",
    "customer-types": "the {} customer types (Super, Loyal, New, Churned, Potential)",
    "codes": "the {} segments of quartile codes (scores 1 to 4)",
}
#: how the segment table is ordered (rfm.summary.segment_summary), in words; {} is what
#: frequency counts
SEGMENT_ORDER_TEXT = ("Segments are listed by their median customer's past spend, highest "
                      "first; equal spend by {}, then by how recently.")
SCALING_TEXT = {
    "zscore": "standardised (z-scores)",
    "minmax": "scaled to 0–1",
    "log-minmax": "log-transformed, then scaled to 0–1 (robust to a few very large spenders)",
}


def _reading(value: float, good: float, moderate: float) -> str:
    if not np.isfinite(value):
        return ""
    return "good" if value >= good else "moderate" if value >= moderate else "weak"


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "p = –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _eta_reading(eta: float) -> str:
    if not np.isfinite(eta):
        return ""
    return "large" if eta >= 0.14 else "medium" if eta >= 0.06 else "small"


def _plot_or_note(make: Callable[[], str | list[str]], alt: str, errors: list[str]) -> str:
    try:
        return h.figure(make())
    except Exception as exc:  # a failed figure must not lose the whole report
        errors.append(f"{alt}: {type(exc).__name__}: {exc}")
        kind = h.esc(type(exc).__name__)
        return f'<p class="note">Plot "{h.esc(alt)}" could not be drawn ({kind}).</p>'


class _Ctx:
    """What the sections share: the result, money format, rank order, plot helper."""

    def __init__(self, res: PipelineResult, errors: list[str]) -> None:
        self.res = res
        self.currency = str(res.settings.get("currency") or "")
        self.money = h.run_money(res)  # the console's format: currency, decimals for the run
        self.decimals = rfm_decimals(res.rfm)  # those decimals, for figures formatted apart
        self.order = list(res.profile.index)
        self.names = res.personas.to_dict()
        self.errors = errors
        s = res.settings
        self.rules = s.get("rules", "rfm")
        self.q = res.q
        self.ties = s.get("ties", "first")
        self.colours = h.segment_colours(self.rule_names())
        #: segment and action per customer (an applied run has them in its table)
        self.customers = res.segments if hasattr(res, "segments") else res.table
        #: what frequency counts ("orders", or "purchase days" without an invoice
        #: column) and the table headers that say so
        self.orders = _orders_word(res)
        self.headers = headers(has_invoices(res))

    def plot(self, make: Callable[[], str | list[str]], alt: str) -> str:
        return _plot_or_note(make, alt, self.errors)

    def rule_names(self) -> list[str]:
        return [*self.res.rule_set.names(), OTHERS]

    def rules_text(self) -> str:
        n = len(self.res.rule_set.names())
        if isinstance(self.rules, str) and self.rules in RULE_SET_TEXT:
            return RULE_SET_TEXT[self.rules].format(number_word(n))
        return (f"your own rules ({counted(len(self.res.rule_set.rules), 'rule')} for "
                f"{counted(n, 'segment')})")  # fmt: skip

    def segments_text(self) -> str:
        """How many of the rule set's segments have customers here, and who "Others" are:
        the same count as the page's subtitle (:func:`segments_count`)."""
        return segments_present(self.res.rule_set.names(), self.res.segment_summary)


def _segment_counts(names: list[str], summary: pd.DataFrame) -> tuple[int, int]:
    """(segments of the rule set with customers, customers in "Others"), from the
    segment summary (its ``customers`` per segment)."""
    counts = summary["customers"]
    used = sum(1 for n in names if counts.get(n, 0) > 0)
    return used, int(counts.get(OTHERS, 0))


def segments_present(names: list[str], summary: pd.DataFrame) -> str:
    """How many of the rule set's segments (``names``) have customers here, and how many
    customers match no rule ("Others"), in words (``summary``: the segment summary)."""
    used, others = _segment_counts(names, summary)
    n = len(names)
    if used == n:
        words = ("It has customers here." if n == 1
                 else f"All {number_word(n)} have customers here.")
    elif used == 0:
        words = ("It has no customers here." if n == 1
                 else f"None of the {number_word(n)} has customers here.")
    else:
        words = (f"{number_word(used).capitalize()} of the {number_word(n)} "
                 f"{agree(used, 'has|have')} customers here.")  # fmt: skip
    if others:
        words += (f' A further segment, "{OTHERS}", holds the {counted(others)} that '
                  f"{agree(others, 'matches|match')} no rule.")  # fmt: skip
    return words


def segments_count(names: list[str], summary: pd.DataFrame) -> str:
    """The subtitle's count of segments: those with customers, "Others" named apart."""
    used, others = _segment_counts(names, summary)
    return counted(used, "segment") + (f" and {OTHERS}" if others else "")


def _warnings(res: PipelineResult) -> str:
    """The run's warnings (the console prints the same list) and its notes."""
    out = "".join(f'<p class="warn">{h.esc(w)}</p>' for w in res.warnings)
    return out + "".join(f'<p class="note">{h.esc(n)}.</p>' for n in res.notes)


def details(body: str, summary: str = "Details for analysts") -> str:
    """Statistics behind the plain words, folded away (``<details>``)."""
    return f'<details class="analysts"><summary>{h.esc(summary)}</summary>{body}</details>'


def _orders_word(res: PipelineResult) -> str:
    """What an order is in this run: an invoice, or a purchase day without invoices."""
    return orders_word(has_invoices(res))


def _summary(c: _Ctx) -> str:
    res = c.res
    rfm, s = res.rfm, res.settings
    first = rfm["first_purchase"].min() if "first_purchase" in rfm else None
    last = rfm["last_purchase"].max() if "last_purchase" in rfm else None
    sil = res.silhouette_mean
    kpis = [
        ("Customers", f"{len(rfm):,}"),
        ("Revenue", c.money(float(rfm["monetary"].sum()))),
        (_orders_word(res).capitalize(), f"{int(rfm['frequency'].sum()):,}"),
        ("Period", f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" if first is not None else "–"),
        ("Personas", str(res.clusters.k)),
        ("Personas are", f"{_distinct_word(sil)} distinct"),
    ]
    best = res.segment_summary.iloc[0]
    top = res.profile.iloc[0]
    lead = (
        f"<p>The segment whose median customer has spent most, <b>{h.esc(best.name)}</b>, "
        f"holds {h.pct(best['share'])} of the customers and brings "
        f"{h.pct(best['revenue_share'])} of the revenue. The best "
        f"persona, <b>{h.esc(top['persona'])}</b>, holds {h.pct(top['share'])} of the "
        f"customers and {h.pct(top['revenue_share'])} of the revenue.</p>"
        "<p>Two views of the same customers: <b>segments</b> name each customer from its "
        "own scores, and give its recommended action (the segments file has one per "
        "customer); <b>personas</b> are groups of similar customers found by clustering, "
        "for campaigns aimed at a whole group.</p>"
        f"<p>Rows read: {s.get('rows_in', 0):,}; kept after cleaning: "
        f"{s.get('rows_clean', 0):,}.</p>"
    )
    if s.get("duplicate_rows"):
        lead += (
            f'<p class="note">Data quality: {s["duplicate_rows"]:,} rows are exact duplicates '
            "of an earlier row; they are kept (drop them with --drop-duplicates).</p>"
        )
    steps = res.cleaning.assign(rule=res.cleaning["rule"].map(
        lambda r: CLEANING_STEPS.get(r, str(r).replace("_", " "))))
    cleaning = h.table(steps.set_index("rule"))
    return h.cards(kpis, "cards kpis") + _warnings(res) + lead + (
        f"<h3>Cleaning</h3>{cleaning}"
    )


#: a mean silhouette's reading (:func:`rfm.labels.silhouette_reading`) as the adverb of
#: "the personas are … distinct"
DISTINCT = {"strong": "clearly", "reasonable": "reasonably", "weak": "weakly",
            "none": "hardly"}  # fmt: skip


def _distinct_word(silhouette: float) -> str:
    """The mean silhouette's reading in words: "clearly", "reasonably", "weakly" or
    "hardly" (distinct)."""
    return DISTINCT.get(silhouette_reading(silhouette), "–")


def _segments(c: _Ctx) -> str:
    res = c.res
    table = res.segment_summary
    body = h.table(
        table,
        {"share": h.pct, "revenue_share": h.pct, "revenue": c.money,
         "recency_median": h.whole, "frequency_median": h.orders,
         "monetary_median": c.money},
        text_columns=("action",), headers=c.headers,
    )
    inverted = (
        '<p class="warn">Names against value: '
        + "; ".join(h.esc(w) for w in inversion_sentences(
            res.inversions, _orders_word(res), c.decimals))
        + ". Read these segments by their figures, not their names.</p>"
        if res.inversions is not None and len(res.inversions)
        else ""
    )
    top = top_spender_words(c.customers)
    out = (
        f"<p>Each customer gets the first matching rule of {h.esc(c.rules_text())} on its "
        f"recency, frequency and spend scores. {h.esc(c.segments_text())} "
        f"{SEGMENT_ORDER_TEXT.format(c.orders)}</p>"
        f"{inverted}{body}"
        + (f'<p class="note">{h.esc(top)}</p>' if top else "")
        + "<h3>Segment sizes</h3>"
        + h.treemap_svg(table["customers"], colours=c.colours)
    )
    return out + _coverage(c)


def top_spender_words(customers: pd.DataFrame) -> str:
    """How many customers with the highest spend score get the action for top spenders
    (:data:`rfm.segments.TOP_SPENDER_ACTION`) rather than their segment's, a win-back
    meant for every spend (:func:`rfm.segments.spend_blind_win_back`), and in which
    segments, in words; ``""`` when none does.

    Parameters
    ----------
    customers : DataFrame
        ``segment`` and ``action`` per customer (:func:`rfm.segment`).
    """
    mine = (customers["action"] == TOP_SPENDER_ACTION).to_numpy()
    n = int(mine.sum())
    if not n:
        return ""
    return (f"{counted(n, 'customer')} with the highest spend score {agree(n, 'is|are')} in "
            f"a segment for customers slipping away whose action is meant for every spend "
            f"({_by_segment(customers['segment'][mine])}): instead of that action, "
            f"{agree(n, 'this customer gets|they get')} one worth "
            f"{agree(n, 'its|their')} past spend (in the segments file): "
            f"\"{TOP_SPENDER_ACTION}\"")  # fmt: skip


def _coverage(c: _Ctx) -> str:
    chk = c.res.rule_check
    problems = rule_problems(chk._replace(inversions=None))  # inversions: said above
    notes = "".join(f'<p class="note">{h.esc(p)}.</p>' for p in problems)
    return (
        "<h3>Which scores make which segment</h3><p>Every combination of R, F and M "
        f"scores and the segment it falls in (one grid per M score).</p>{notes}"
        + h.coverage_svg(chk.coverage, c.rule_names(), c.colours)
    )


def _personas(c: _Ctx) -> str:
    cards = []
    prof = c.res.profile
    for cid, p in prof.iterrows():
        sil = (  # (a group of one customer has no one to sit with: its silhouette is 0)
            f"<li>its customers sit {SITS[silhouette_reading(p['silhouette'])]} within "
            "the group</li>"
            if "silhouette" in p and np.isfinite(p["silhouette"]) and p["customers"] > 1
            else ""
        )
        cards.append(
            f'<div class="card"><h3>{h.esc(p["persona"])}</h3><div>rank {int(p["rank"])} · '
            f"cluster {h.esc(cid)}</div><ul><li>{counted(int(p['customers']))} "
            f"({h.pct(p['share'])})</li><li>revenue {h.esc(c.money(p['revenue']))} "
            f"({h.pct(p['revenue_share'])})</li><li>last order {h.whole(p['recency_median'])} "
            f"{'day' if h.whole(p['recency_median']) == '1' else 'days'} ago (median)</li>"
            f"<li>{h.orders(p['frequency_median'])} "
            f"{_one_or_many(p['frequency_median'], c.res)} (median)</li>"
            f"<li>spend {h.esc(c.money(p['monetary_median']))} (median)</li>{sil}</ul>"
            f"<p><b>Action:</b> {h.esc(p['action'])}</p></div>"
        )
    return (
        "<p>Groups of similar customers, best first (the same order as in the figures). "
        "Each name says where the group's median customer sits in the whole customer "
        "base: \"Recent\" means more recent than most customers, \"high spenders\" "
        "spend more than most. A name only mentions what tells the groups apart.</p>"
        f"<p>{h.esc(_separation_sentence(c.res))}</p>"
        f'<div class="cards">{"".join(cards)}</div>'
        "<p>A persona's action suits its median customer, for a campaign aimed at the "
        "whole group; each customer's own action follows from its own scores (its "
        "segment's, or one worth the spend of a top spender slipping away).</p>"
        + (_persona_silhouettes(prof) if "silhouette" in prof else "")
    )


#: a silhouette's reading, as the cards say how well a group's customers sit in it
SITS = {"strong": "well", "reasonable": "fairly well", "weak": "poorly",
        "none": "hardly at all", "": "–"}  # fmt: skip

#: Kaufman & Rousseeuw's bands for a mean silhouette, as the report's details state them
#: (:func:`rfm.labels.silhouette_reading`)
SILHOUETTE_BANDS_TEXT = ("Kaufman & Rousseeuw's (1990) bands: above 0.70 strong, above 0.50 "
                         "up to 0.70 reasonable, above 0.25 up to 0.50 weak (could be "
                         "artificial), 0.25 and below none (no substantial structure)")


def _persona_silhouettes(prof: pd.DataFrame) -> str:
    """The persona cards' "sit well within the group" as figures: each persona's mean
    silhouette and its reading (the console prints the same figures)."""
    table = pd.DataFrame({
        "persona": prof["persona"],
        "silhouette": [banded(v, silhouette_reading, 2) for v in prof["silhouette"]],
        "reading": [silhouette_reading(v) for v in prof["silhouette"]],
    }, index=prof.index)  # fmt: skip
    return details(
        "<p>How well a persona's customers sit within it is their mean silhouette, read by "
        "the bands Kaufman &amp; Rousseeuw (1990) give for the mean over all customers: above "
        "0.70 strong (well), above 0.50 up to 0.70 reasonable (fairly well), above 0.25 up "
        "to 0.50 weak (poorly), 0.25 and below none (hardly at all).</p>"
        + h.table(table, text_columns=("persona", "silhouette", "reading"))
    )


def _one_or_many(median_orders: float, res: PipelineResult) -> str:
    word = _orders_word(res)
    return word[:-1] if h.orders(median_orders) == "1" else word


#: dimension → how the report names it in words (frequency: "the number of purchase
#: days" when the data have no invoice column)
DIMENSION_WORDS = {"recency": "recency", "frequency": "the number of orders",
                   "monetary": "spend"}  # fmt: skip


def _separation_sentence(res: PipelineResult) -> str:
    """Which dimensions tell the personas apart, in words (rfm.profiles.separation): "not
    at all" where every customer has the same value (η² of ranks exactly 0)."""
    sep = res.separation
    words = DIMENSION_WORDS | {"frequency": f"the number of {_orders_word(res)}"}
    parts = [f"{words[d]} {'not at all' if e == 0 else SEPARATION_ADVERB[r]}"
             for d, e, r in zip(sep.index, sep["eta_squared"], sep["reading"], strict=True)]
    return "What tells the personas apart: " + ", ".join(parts) + "."


#: a separation reading as an adverb
SEPARATION_ADVERB = {"strong": "strongly", "moderate": "moderately",
                     "weak": "hardly"}  # fmt: skip


def _value(c: _Ctx) -> str:
    v = c.res.value
    formats = {"expected_value": c.money, "value_share": h.pct, "likely_lost": h.whole,
               "likely_lost_share": h.pct, "customers": h.whole}  # fmt: skip
    out = (
        h.bullet_list([h.esc(t) for t in value_sentences(v, c.money)])
        + "<h3>By segment</h3><p>In the order of the segment table: by past spend"
        + (", not by the spend expected ahead.</p>" if v.spend_defined else ".</p>")
        + h.table(v.by_segment, formats)
        + "<h3>By persona</h3>" + h.table(v.by_persona, formats)
    )
    if v.holdout is not None:
        t = v.holdout
        verdict = holdout_sentence(v)
        cls = ' class="warn"' if "Caution" in verdict else ""
        days = v.holdout_days
        asked = ("up to the day before the end, and asked how often each customer would "
                 "buy on the last day" if days == 1 else f"up to {days:,} days before the "
                 f"end, and asked how often each customer would buy in those last {days:,} "
                 "days")  # fmt: skip
        out += (
            f"<h3>Does the model predict well?</h3><p>The purchase model was also fitted "
            f"on the data {asked}.</p>"
            f"<p{cls}>{h.esc(verdict)}</p><p>By number of repeat purchases before:</p>"
            + c.plot(lambda: plots.holdout_plot(t, model="predicted"), "holdout check")
            + h.table(t, {"customers": h.whole, "actual": lambda x: f"{x:.2f}",
                          "predicted": lambda x: f"{x:.2f}"})
        )
    rows = []
    for what, model in (("purchases", v.purchase_model), ("spend", v.spend_model)):
        for name, value in model.params_.items():
            se = model.standard_errors_[name]
            rows.append((f"{what}: {name}", f"{value:.4g}",
                         f"{se:.3g}" if np.isfinite(se) else "not available"))  # fmt: skip
        rows.append((f"{what}: log-likelihood", f"{model.log_likelihood_:,.2f}",
                     "converged" if model.converged_ else "did not converge"))  # fmt: skip
    params = pd.DataFrame(rows, columns=["parameter", "value", "standard error"])
    return out + details(
        f"<p>{h.esc(v.model_name)} (purchases) and Gamma-Gamma (spend per purchase), fitted "
        "by maximum likelihood on the customers' purchase days, time in weeks; standard "
        "errors from the observed information."
        + ("" if v.spend_defined else " Gamma-Gamma's q is at most 1 on these data: the "
           "spend per purchase then has no finite mean, so no spend ahead is given.")
        + (_spend_interval_words(v.spend_model, c.money)
           if v.spend_defined and fit_settled(v.spend_model) and spend_unsure(v.spend_model)
           else "")
        + "</p>"
        + (_holdout_band_words(v) if v.holdout is not None else "")
        + h.table(params.set_index("parameter"), text_columns=("value", "standard error"))
    )


def _holdout_band_words(v: Any) -> str:
    """How the holdout check's chance band is made, for the analysts."""
    _, predicted = holdout_totals(v)
    sd = getattr(v, "holdout_sd", None)
    low, high = holdout_band(v)
    if sd is None or not np.isfinite(sd):
        how = (f"the prediction ± {HOLDOUT_CHANCE} √P, a Poisson count's spread: a lower "
               "bound, as customers who differ make the count vary more")
    else:
        how = (f"the prediction ± {HOLDOUT_CHANCE} standard deviations of the held-out "
               f"count under the model fitted before the held-out days ({sd:,.1f}: each "
               "customer's variance given its history, summed, customers independent; a "
               f"Poisson count's √P would be {np.sqrt(predicted):,.1f})")
    return (f"<p>Holdout check: chance alone, were the model right, puts the held-out "
            f"count within {low:,.0f} to {high:,.0f} (95%): {h.esc(how)}. The gap is "
            "the percentage the prediction is above or below the actual count; a caution "
            f"when the count is outside that range and the gap above {HOLDOUT_GAP:.0%}.</p>")


def _spend_interval_words(model: Any, money: Any) -> str:
    """Why the spend ahead is very uncertain, for the analysts: q's 95% interval reaches 1."""
    low, high = spend_interval(model)
    q = model.params_["q"]
    return (f" Gamma-Gamma's q is {q:.4g} with standard error "
            f"{model.standard_errors_['q']:.3g}: its 95% interval, {low:.3g} to {high:.3g}, "
            "reaches 1, at which the mean spend per purchase pγ/(q−1), here "
            f"{money(model.mean_spend_)}, would be infinite. The data do not bound it, and "
            "the spend ahead rests on it.")


#: the gap between predicted and actual holdout purchases, as a share of the actual
#: count, above which a count outside the chance band is said to put the value ahead off
#: by about as much
HOLDOUT_GAP = 0.20
#: how far chance alone moves the held-out count if the model is right: within
#: ±HOLDOUT_CHANCE standard deviations of the prediction (95 %, normal approximation),
#: the standard deviation being the model's own (rfm.clv.BetaGeo.purchases_variance,
#: summed over the customers), or √P, a Poisson count's, when it is not known (a lower
#: bound: customers who differ make the count vary more)
HOLDOUT_CHANCE = 1.96


def holdout_totals(v: Any) -> tuple[float, float]:
    """(actual, predicted) purchases in the held-out days, all customers together."""
    t = v.holdout
    return (float((t["actual"] * t["customers"]).sum()),
            float((t["predicted"] * t["customers"]).sum()))  # fmt: skip


def holdout_band(v: Any) -> tuple[float, float]:
    """The range chance alone puts the held-out count in, were the model right (95%):
    the prediction ± :data:`HOLDOUT_CHANCE` standard deviations (``v.holdout_sd``, or
    √P when it is not known), never below 0."""
    _, predicted = holdout_totals(v)
    sd = getattr(v, "holdout_sd", None)
    if sd is None or not np.isfinite(sd):
        sd = np.sqrt(predicted)
    chance = HOLDOUT_CHANCE * float(sd)
    return max(predicted - chance, 0.0), predicted + chance


def _last_days(days: int) -> str:
    """"the last day", "the last 70 days"."""
    return "the last day" if days == 1 else f"the last {days:,} days"


def holdout_sentence(v: Any) -> str:
    """The holdout check's verdict in plain words (the report and the console print it):
    predicted against actual purchases in the held-out days, the prediction's gap as a
    share of the actual count, and whether chance alone explains it.

    One reference throughout: the band is the range chance alone puts the count in
    around the prediction (:func:`holdout_band`), and the gap is the percentage the
    prediction is above or below the actual count. A caution (the value ahead is likely
    off by about as much) only when the actual count is outside the band and the gap is
    above :data:`HOLDOUT_GAP`; inside the band, the gap is chance's, and when the band
    itself is wider than :data:`HOLDOUT_GAP` of the prediction the held-out days hold
    too few purchases to judge by.

    No verdict is given (the counts, and why) when the model fitted on the orders before
    the held-out days did not settle (:func:`rfm.app.value.fit_settled`: it did not
    converge, or a standard error cannot be computed). The caution speaks of the spend
    ahead, or of the purchases ahead when no spend ahead is given.

    With a snapshot days after the last order line, it adds that the check is not of
    the figures above (:func:`_not_the_figures_above`).
    """
    said = _holdout_verdict(v)
    model = v.holdout_model
    return said if model is not None and not fit_settled(model) \
        else said + _not_the_figures_above(v)


def _holdout_verdict(v: Any) -> str:
    actual, predicted = holdout_totals(v)
    said = (f"In {_last_days(v.holdout_days)}, held out, the model predicted "
            f"{predicted:,.0f} purchases against {actual:,.0f} actual")  # fmt: skip
    model = v.holdout_model
    if model is not None and not fit_settled(model):
        why = ("its fit did not converge" if not model.converged_
               else "the data cannot pin down all its parameters")  # fmt: skip
        return (f"{said}, but it could not be fitted reliably to the orders before those "
                f"days ({why}), so this check cannot tell how well it predicts.")
    low, high = holdout_band(v)
    band = f"{low:,.0f} to {high:,.0f}"
    gap = (predicted - actual) / actual if actual > 0 else np.inf
    if f"{abs(gap):.0%}" == "0%":
        return said + ": about as many as the customers made."
    if actual > 0:
        said += f", {abs(gap):.0%} {'above' if gap > 0 else 'below'} the actual count"
    if low <= actual <= high:
        if high - predicted > HOLDOUT_GAP * predicted:
            return (f"{said}: too few purchases to judge the model by. Were it right, chance "
                    f"alone would put the count anywhere from {band} (95%).")
        return (f"{said}: within what chance alone would give were the model right "
                f"({band}, 95%).")
    said += f": further off than chance alone would put it were the model right ({band}, 95%)."
    over = gap > 0
    if abs(gap) <= HOLDOUT_GAP:
        return said + f" The model {'over' if over else 'under'}-predicts a little on these data."
    what = ("a forecast made at the data's end would likely be" if getattr(v, "days_past_data", 0)
            else "the expected spend ahead is likely" if getattr(v, "spend_defined", True)
            else "the expected purchases ahead are likely")  # fmt: skip
    much = " by about as much" if actual > 0 else ""
    return (f"{said} Caution: the model {'over' if over else 'under'}-predicts on these "
            f"data, so {what} too {'high' if over else 'low'}{much}.")


def _not_the_figures_above(v: Any) -> str:
    """With a snapshot days after the last order line: the holdout check tests the model
    fitted to the data up to their end, not the figures above, which also count those
    days as days without purchases (empty otherwise)."""
    n = getattr(v, "days_past_data", 0)
    if not n:
        return ""
    between = f"the {n:,} days after it as days" if n != 1 else "the day after it as a day"
    return (f" This check tests the model on the orders up to the last one "
            f"({v.last_order_day.date()}), not the figures above, which also count "
            f"{between} without purchases.")


def _crosstab(c: _Ctx) -> str:
    counts, revenue = c.res.segment_persona
    return (
        "<p>How the segments (rows) spread over the personas (columns). Each customer's "
        "recommended action follows from its own scores (its segment's); a persona's "
        "action is for campaigns aimed at the whole group.</p><h3>Customers</h3>"
        + h.heat_table(counts, h.whole, corner="segment \\ persona")
        + "<h3>Revenue</h3>"
        + h.heat_table(revenue, c.money, corner="segment \\ persona")
    )


#: the smallest cluster the choice of k accepts, as a share of the customers, in words
SMALLEST = f"{MIN_SHARE:.0%} of the customers"
#: how k is chosen, for the analysts
K_RULE = ("The rule: the best silhouette among the elbow's suggestion and its two "
          f"neighbours, with every cluster at least {SMALLEST} (a tie goes to the "
          "smaller k).")


def _k_reason(c: _Ctx) -> tuple[str, str]:
    """Why this k, in words (outside the details), and the silhouettes behind the words
    (for the analysts' details)."""
    res = c.res
    elbow = res.clusters.elbow
    k = res.clusters.k
    suggested = elbow.attrs.get("suggested_k")
    sils = elbow.attrs.get("silhouettes", {})
    if res.settings.get("k_requested", "auto") != "auto":
        tail = f"; the elbow suggests k = {suggested}" if suggested is not None else ""
        return f"<p>k = {k} was set for this run{tail}.</p>", ""
    if suggested is None:
        return (f"<p>k = {k}: of the k values tried, it separates the clusters best.</p>",
                "<p>The k with the best silhouette of those tried.</p>")
    labels = getattr(res.clusters, "labels", None)
    if labels is not None and int(suggested) == k and (
            np.bincount(np.asarray(labels)).min() < MIN_SHARE * len(labels)):  # fmt: skip
        # no k tried kept every cluster at MIN_SHARE or more: the elbow's k, as the rule falls back
        return (
            f"<p>The elbow suggests k = {k}. Every k tried leaves a cluster with fewer than "
            f"{SMALLEST}, so the elbow's k was kept, small cluster and all.</p>",
            f"<p>{K_RULE} When no k qualifies, the elbow's k is kept.</p>",
        )
    if int(suggested) == k:
        s_k = sils.get(k)
        # a neighbour with a higher silhouette was passed over: its smallest cluster was
        # under MIN_SHARE of the customers
        passed = s_k is not None and any(v > s_k for kk, v in sils.items() if kk != k)
        among = (f"of its neighbours with no cluster under {SMALLEST}" if passed
                 else "among its neighbours")  # fmt: skip
        return (
            f"<p>The elbow suggests k = {k}, and {among} it also separates the clusters "
            "best, so it was kept.</p>",
            (f"<p>k = {k} has the highest silhouette {among}"
             + (f" ({s_k:.3f})" if s_k is not None else "") + f". {K_RULE}</p>"),
        )
    s_sug, s_k = sils.get(int(suggested)), sils.get(k)
    figures = ""
    if s_sug is not None and s_k is not None and (
        s_sug > s_k or (s_sug == s_k and k > int(suggested))
    ):  # the rule passed over a better (or as good and smaller) k: it was too small
        why = (
            f"k = {suggested} would leave a cluster with fewer than {SMALLEST}, "
            "too small to act on"
        )
    elif s_sug is not None and s_k is not None:
        chosen_text, other_text = distinct_figures(s_k, s_sug)
        if chosen_text != other_text:
            why = f"k = {k} separates the clusters better"
            figures = f"k = {k} separates the clusters better: silhouette {chosen_text} " \
                      f"against {other_text} for k = {suggested}. "
        else:  # equal (or equal to 15 decimals): never one figure against itself
            why = (
                f"k = {k} and k = {suggested} separate the clusters equally well"
                + (", and a tie goes to the smaller k" if k < int(suggested) else "")
            )
            figures = f"Silhouette {s_k:.2f} for both k = {k} and k = {suggested}. "
    else:
        why = f"k = {k} separates the clusters better"
    return (f"<p>The elbow suggests k = {suggested}; k = {k} was chosen because {why}.</p>",
            f"<p>{figures}{K_RULE}</p>")


def distinct_figures(a: float, b: float, digits: int = 2) -> tuple[str, str]:
    """``a`` and ``b`` with as few decimals (from ``digits``, at most 15) as it takes for
    two different numbers to read differently: never "0.36 against 0.36". Equal numbers
    (or numbers equal to 15 decimals) read the same; the caller then says they tie."""
    while digits < 15 and a != b and f"{a:.{digits}f}" == f"{b:.{digits}f}":
        digits += 1
    return f"{a:.{digits}f}", f"{b:.{digits}f}"


def _sample_note(res: PipelineResult) -> str:
    """Which figures of the clusters section come from a sample of the customers."""
    n, settings = len(res.rfm), res.settings
    notes = []
    elbow_sample = res.clusters.elbow.attrs.get("sample")
    if elbow_sample:
        notes.append(f"The elbow curve and the choice of k come from a random sample of "
                     f"{elbow_sample:,} customers; the clusters were then fitted on all "
                     f"{n:,}.")  # fmt: skip
    shown = len(res.pca.points)
    if shown < n:
        notes.append(f"The scatter plot shows a random sample of {shown:,} "
                     f"of the {n:,} customers.")  # fmt: skip
    sample = settings.get("silhouette_sample")
    if sample:
        notes.append(f"With this many customers the silhouette is measured on a sample of "
                     f"{sample:,} customers drawn from every cluster in proportion, so "
                     "there is no silhouette plot.")  # fmt: skip
    if not notes:
        return ""
    return f'<p class="note">{" ".join(notes)} The tables and the other figures count '\
        "every customer.</p>"


def _clusters(c: _Ctx) -> str:
    res = c.res
    cols = ["persona", "customers", "share", "revenue", "revenue_share", "recency_median",
            "frequency_median", "monetary_median"]
    prof = res.profile[cols]
    table = h.table(
        prof,
        {
            "share": h.pct, "revenue_share": h.pct, "revenue": c.money,
            "monetary_median": c.money, "recency_median": h.whole,
            "frequency_median": h.orders,
        },
        headers=c.headers,
    )
    labels = res.clusters.labels
    suggested = res.clusters.elbow.attrs.get("suggested_k")
    reason, reason_figures = _k_reason(c)
    analysts = (
        reason_figures
        + "<p>The elbow curve (K-means inertia, the within-cluster sum of squares, for each "
        "k), each customer's silhouette, and the customers on the first two principal "
        "components of the scaled features.</p>"
        + c.plot(
            lambda: plots.elbow_plot(
                res.clusters.elbow, res.clusters.k,
                suggested=int(suggested) if suggested is not None else None,
            ),
            "elbow curve",
        )
        + (
            c.plot(
                lambda: plots.silhouette_plot(res.silhouette, labels, c.names, order=c.order),
                "silhouette plot",
            )
            if res.silhouette is not None
            else ""
        )
        + c.plot(
            lambda: plots.pca_scatter(res.pca, labels, c.names, order=c.order),
            "PCA scatter",
        )
        + _sample_note(res)
    )
    return (
        table
        + reason
        + f"<p>How days since the last order, {c.orders} and spend spread within each persona "
        "(the box holds the middle half of its customers, the line is the median):</p>"
        + c.plot(
            lambda: plots.boxplot_panels(res.rfm, labels, c.names, order=c.order,
                                         titles={"frequency": c.orders}),
            "boxplots of R, F, M by cluster",
        )
        + details(analysts)
    )


def _scores(c: _Ctx) -> str:
    res = c.res
    words = bins_in_words(res.score_bins, currency=c.currency,
                          frequency_unit=(c.orders[:-1], c.orders),
                          decimals=max(2, c.decimals))
    tie_text = (
        "Customers with equal values always get equal scores."
        if c.ties == "thresholds"
        else "Scores split the customers into equal-size groups; customers with equal values "
        "can get different scores."
    )
    items = [
        f"<b>Recency</b> (days since the last order; {c.q} = most recent): "
        f"{h.esc(words['recency'])}",
        f"<b>Frequency</b> ({c.orders}): {h.esc(words['frequency'])}",
        f"<b>Monetary</b> (total spend): {h.esc(words['monetary'])}",
    ]
    grid = res.rf_counts.sort_index(ascending=False)
    grid.index.name, grid.columns.name = "R score", "F score"
    return (
        f"<p>What each score means in this data. {tie_text}</p>{h.bullet_list(items)}"
        f"<h3>Customers by R score (rows) and F score (columns)</h3>"
        + h.heat_table(grid.sort_index(ascending=False), h.whole, corner="R \\ F")
        + "<h3>Mean spend by R score (rows) and F score (columns)</h3>"
        + h.heat_table(res.rf_mean_spend.sort_index(ascending=False), c.money, corner="R \\ F")
    )


def _partial_months(res: PipelineResult) -> list[str]:
    rfm = res.rfm
    if "first_purchase" not in rfm or "last_purchase" not in rfm:
        return []
    # months of the dates' own clock (rfmseg reads a zoned column as its times are
    # written), as the monthly KPIs count them; a Period holds no zone
    first = pd.Timestamp(rfm["first_purchase"].min()).tz_localize(None)
    last = pd.Timestamp(rfm["last_purchase"].max()).tz_localize(None)
    out = []
    if first.day > 1:
        out.append(str(first.to_period("M")))
    if last.day < last.days_in_month:
        out.append(str(last.to_period("M")))
    return list(dict.fromkeys(out))  # data within one month: that month once


def _trend(c: _Ctx) -> str:
    res = c.res
    if res.monthly is None or not len(res.monthly):
        return "<p>No monthly figures.</p>"
    partial = _partial_months(res)
    monthly = res.monthly.copy()
    monthly.index = [f"{m} (partial)" if str(m) in partial else str(m) for m in monthly.index]
    monthly.index.name = "month"
    note = (
        f"<p>The data start or end part-way through a month: {h.esc(', '.join(partial))} "
        "(marked partial, hatched in the chart) cover only some days.</p>"
        if len(partial) == 2
        else f"<p>The data cover only some days of {h.esc(partial[0])} (marked partial, "
        "hatched in the chart).</p>"
        if partial
        else ""
    )
    first = str(res.monthly.index[0])
    note += (
        "<p>A customer is new in the month of their first purchase in these data, so every "
        f"customer of {h.esc(first)} counts as new: the data start then, and who bought "
        "before is not known.</p>"
    )
    return (
        note
        + c.plot(lambda: plots.monthly_plot(res.monthly, partial=partial), "monthly revenue")
        + h.table(monthly, {"revenue": c.money, "new_customer_ratio": h.pct})
    )


def _stability_reading(value: float) -> str:
    return _reading(value, 0.9, STABLE_ARI)


def _davies_bouldin_reading(value: float) -> str:
    return "good" if value < 1 else "moderate" if value < 1.5 else "weak"


def _validation(c: _Ctx) -> str:
    res = c.res
    rows = []
    # each labelled figure with enough decimals to fall in the band its reading names
    for _, r in res.validation.iterrows():
        m, v = r["metric"], float(r["value"])
        if m == "silhouette":
            rows.append(("Silhouette (mean)", "", banded(v, silhouette_reading),
                         silhouette_reading(v),
                         "how well customers sit in their own cluster; "
                         f"{SILHOUETTE_BANDS_TEXT}"))
        elif m == "anova_F" and not np.isfinite(float(r["eta_squared"])):
            for on in ("values", "ranks"):  # no variation to explain: no statistic
                rows.append((f"Difference between clusters ({r['feature']}), on {on}", "",
                             "–", "", "not defined: every customer has the same value"))
        elif m == "anova_F":
            eta = float(r["eta_squared"])
            rows.append((f"Difference between clusters ({r['feature']}), on values", "",
                         f"F = {v:,.0f}, {_p_text(float(r['p_value']))}, "
                         f"η² = {banded(eta, _eta_reading)}",
                         _eta_reading(eta),
                         "one-way ANOVA: share of the variation of the values explained by "
                         "the clusters (η²); a few very large values weigh heavily; from "
                         "0.14 large, 0.06–0.14 medium, below 0.06 small"))
            ranks = float(res.separation.loc[str(r["feature"]), "eta_squared"])
            rows.append((f"Difference between clusters ({r['feature']}), on ranks", "",
                         f"η² = {banded(ranks, separation_reading)}",
                         separation_reading(ranks),
                         "the same on the customers' ranks (Kruskal–Wallis H / (n − 1)); "
                         "what the words \"strongly\", \"moderately\", \"hardly\" "
                         "above read: from 0.14 strong, 0.06–0.14 moderate, below 0.06 weak"))
        elif m == "calinski_harabasz":
            rows.append(("Calinski–Harabasz index", "", f"{v:,.0f}", "",
                         "higher is better; compare between runs"))
        elif m == "davies_bouldin":
            rows.append(("Davies–Bouldin index", "", banded(v, _davies_bouldin_reading, 2),
                         _davies_bouldin_reading(v),
                         "lower is better; below 1 good, 1–1.5 moderate, from 1.5 weak"))
        elif m == "stability_mean_ari":
            rows.append(("Stability (mean adjusted Rand index)", "",
                         banded(v, _stability_reading, 2), _stability_reading(v),
                         f"same clusters with other random starts: 0.9 and above good, "
                         f"{STABLE_ARI}–0.9 moderate, below {STABLE_ARI} weak"))
        elif m == "stability_min_ari":
            rows.append(("Stability (worst pair of runs)", "", banded(v, _stability_reading, 2),
                         _stability_reading(v),
                         f"1 = identical clusters; 0.9 and above good, {STABLE_ARI}–0.9 "
                         f"moderate, below {STABLE_ARI} weak"))
    table = pd.DataFrame(rows, columns=["measure", "", "value", "reading", "note"])
    table = table.drop(columns="")
    sil = res.silhouette_mean
    same = _rerun_words(res.stability_mean_ari, res.metric("stability_min_ari"))
    unstable = [w for w in res.warnings if w.startswith("Unstable")]
    words = [
        structure_sentence(sil, unstable=bool(unstable)),
        _separation_sentence(res),
        f"Re-running the clustering with other random starts gives {same}.",
    ]
    return (
        "".join(f'<p class="warn">{h.esc(w)}</p>' for w in unstable)
        + h.bullet_list([h.esc(w) for w in words])
        + details(h.table(table.set_index("measure"), text_columns=("value", "reading",
                                                                     "note")))
    )


def structure_sentence(silhouette: float, *, unstable: bool = False) -> str:
    """How distinct the personas are, in plain words, from the mean silhouette's reading
    (:func:`rfm.labels.silhouette_reading`), and for a weak structure or none what it
    means (Kaufman & Rousseeuw: a weak structure "could be artificial", none is "no
    substantial structure"): clustering divides customers into groups whether or not they
    form any, so re-runs that agree do not make a weak structure real. The advice
    to treat the personas as a rough guide is left out when the run is ``unstable``: the
    "Unstable clusters" warning shown with it gives that advice already."""
    reading = silhouette_reading(silhouette)
    out = (f"The personas are {DISTINCT.get(reading, '–')} distinct: customers sit "
           f"{SITS[reading]} within their own group.")
    advice = "" if unstable else ", so treat the personas as a rough guide"
    if reading == "weak":
        out += (" Groups this weakly separated could be an artefact of the method (clustering "
                f"divides customers into groups whether or not they form any){advice}.")
    elif reading == "none":
        out += (" The clustering found no clear groups among these customers: the personas "
                f"are a convenient split of them rather than natural types{advice}.")
    return out


def _rerun_words(mean_ari: float, worst_ari: float) -> str:
    """What re-running from other random starts gives, in words that agree with both
    stability figures shown under them: the mean adjusted Rand index of the pairs of runs
    and the worst pair's. "The same personas" only when both read good (0.9 and above),
    "nearly the same" when neither reads weak; a weak worst pair beside a mean that does
    not read weak is said as such."""
    mean, worst = _reading(mean_ari, 0.9, STABLE_ARI), _reading(worst_ari, 0.9, STABLE_ARI)
    if mean == "":  # no figure
        return "–"
    if mean == "weak":
        return "noticeably different personas"
    if worst == "weak":
        return ("mostly the same personas, but at least one re-run grouped the customers "
                "noticeably differently")
    if mean == "good" and worst in ("good", ""):  # (a table without the worst pair)
        return "the same personas"
    return "nearly the same personas"


#: what ``direction`` "down" of migration.csv counts, beside the segment matrix
DOWN_WORDS = "“down”: a lower R + F + M score, in the same segment or not"


def score_fell_words(cust: pd.DataFrame, than: str) -> str:
    """How many customers have a lower R + F + M score than ``than`` and how many of them
    are in the same segment as then, without the full stop: a score can fall within a
    segment, so this count is not the customers who changed segment (the matrix beside it).

    Parameters
    ----------
    cust : DataFrame
        ``migration.csv``'s rows: ``direction`` ("down": the score sum fell),
        ``segment_before`` and ``segment_after``.
    than : str
        The earlier segmentation in words ("in the previous run", "at the end of
        2011-09-30").

    Returns
    -------
    str
        "1,426 customers have a lower R + F + M score than in the previous run (454 of them
        in the same segment as then)".
    """
    down = (cust["direction"] == "down").to_numpy()
    n = int(down.sum())
    words = f"{counted(n)} {agree(n, 'has|have')} a lower R + F + M score than {than}"
    if not n:
        return words
    same = int((down & (cust["segment_before"] == cust["segment_after"]).to_numpy()).sum())
    if n == 1:
        return words + (" (in the same segment as then)" if same else " (in another segment now)")
    return f"{words} ({same:,} of them in the same segment as then)"


def _by_segment(segments: pd.Series) -> str:
    """"Lost 210, Hibernating 158": each segment with its customers, most first (ties by
    name, as the value ahead counts its segments)."""
    counts = segments.astype(str).value_counts()  # (categories no one is in: not named)
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    return ", ".join(f"{name} {n:,}" for name, n in counts.items())


def win_back_words(now: pd.Series, rules: Any, q: int, since: str) -> str:
    """The win-back list in plain words: of the customers whose score fell and who have
    not ordered since ``since``, those now in a segment for customers slipping away
    (:func:`rfm.segments.lapsing_segments`: every rule of it asks for a recency score of
    ``q // 2`` or lower, whose actions are to win them back), counted per segment; and
    the others, with the segments they are in, whose own actions apply to them (a
    Champion whose score fell a point is no one to win back).

    Parameters
    ----------
    now : Series
        The segment now of each customer whose score fell and who has not ordered since.
    rules : str, list or RuleSet
        The run's rule set.
    q : int
        Its number of score levels.
    since : str
        The earlier segmentation's end in words ("2011-09-30", "the end of the previous
        run's data").

    Returns
    -------
    str
        One or two sentences: the console and the report say the same.
    """
    lapsing = lapsing_segments(rules, q)
    n = len(now)
    if not lapsing:
        return (f"These rules have no segment for customers slipping away (one whose every "
                f"rule asks for a recency score of {q // 2} or lower), so no win-back list "
                f"is drawn: {n:,} of those whose score fell {agree(n, 'has|have')} not "
                f"ordered since {since}" + (f" ({_by_segment(now)})." if n else "."))  # fmt: skip
    on_list = now.isin(lapsing).to_numpy()
    listed, rest = now[on_list], now[~on_list]
    k = len(listed)
    if k:
        words = (f"{k:,} of those whose score fell {agree(k, 'has|have')} not ordered since "
                 f"{since} and {agree(k, 'is|are')} now in a segment for customers slipping "
                 f"away ({_by_segment(listed)}): a ready win-back list.")  # fmt: skip
    else:
        words = (f"None of those whose score fell is both without an order since {since} and "
                 f"in a segment for customers slipping away ({', '.join(lapsing)}): no "
                 "win-back list this time.")  # fmt: skip
    m = len(rest)
    if m:
        more = (f"{m:,} more whose score fell {agree(m, 'has|have')} not ordered since then "
                "either" if k else f"{m:,} of those whose score fell "
                f"{agree(m, 'has|have')} not ordered since {since}")  # fmt: skip
        words += (f" {more}, but {agree(m, 'is|are')} now in other segments "
                  f"({_by_segment(rest)}), whose own actions apply.")  # fmt: skip
    return words


def migration_words(res: PipelineResult) -> str:
    """Who has a lower R + F + M score than at the end of ``--compare-to`` (and how many of
    them are in the same segment as then) and who is new; of those whose score fell, who
    has not ordered since and is now in a segment for customers slipping away (the
    win-back list, :func:`win_back_words`), and who still orders, in plain words.

    Parameters
    ----------
    res : PipelineResult
        A run with ``--compare-to`` (``res.migration`` set).

    Returns
    -------
    str
        One paragraph, without markup; the report and the console print the same.
    """
    cust = res.migration.customers
    moved_down = (cust["direction"] == "down").to_numpy()
    down = int(moved_down.sum())
    new = int((cust["direction"] == "new").sum())
    date = res.settings.get("compare_to")
    words = (f"{score_fell_words(cust, f'at the end of {date}')}, and {new:,} "
             f"{agree(new, 'is|are')} new since {date}.")  # fmt: skip
    if down:
        lapsed = moved_down & (cust["orders_between"] == 0).to_numpy()
        words += " " + win_back_words(cust["segment_after"][lapsed], res.rule_set, res.q, date)
        still = down - int(lapsed.sum())
        if still:
            words += (f" The other {still:,} still {agree(still, 'orders|order')}, but "
                      f"{agree(still, 'their score|their scores')} fell against the other "
                      "customers'.")  # fmt: skip
    return words


def _migration(c: _Ctx) -> str:
    mig = c.res.migration
    date = h.esc(c.res.settings.get("compare_to"))
    return (
        f"<p>Customers as they stood at the end of {date} (rows) and at the end of the "
        f"data (columns). {h.esc(migration_words(c.res))} <code>migration.csv</code> lists "
        f"every customer with both segments, the direction ({DOWN_WORDS}), and their spend "
        f"and {_orders_word(c.res)} "
        "between the two dates.</p><h3>Customers</h3>"
        + h.heat_table(mig.matrix, h.whole, corner="before \\ now")
        + "<h3>Spend between the two dates</h3>"
        + h.heat_table(mig.revenue, c.money, corner="before \\ now")
    )


def new_mark_sentence(refit: dict[str, Any]) -> str:
    """What a refit run's " (new)" marks mean, in one sentence: the new clusters that took
    a name the old model gave another cluster are marked in this run's files only, and the
    refitted model calls them by the name alone (:func:`rfm.personas.without_new_mark`);
    ``""`` when no name is marked. ``refit`` is the run's ``settings["refit"]``."""
    appeared = {int(i) for i in refit.get("appeared", [])}
    marked = [(int(cid), str(p)) for cid, p in zip(refit["ids"], refit["personas"], strict=True)
              if int(cid) in appeared and str(p) != without_new_mark(str(p))]  # fmt: skip
    n = len(marked)
    if not n:
        return ""
    if n == 1:
        cid, name = marked[0]
        return (f"Cluster {cid} is new and takes a name the old model gave another cluster: "
                f"this run's files call it “{name}”, and the refitted model calls it "
                f"“{without_new_mark(name)}” from now on, when it is no longer new.")
    return (f"Clusters {word_list([str(cid) for cid, _ in marked])} are new and take names "
            "the old model gave other clusters: this run's files mark them “(new)”, and the "
            "refitted model calls them by their names alone from now on, when they are no "
            "longer new.")  # fmt: skip


def _refit(c: _Ctx) -> str:
    refit = c.res.settings["refit"]
    renamed = {int(k): v for k, v in refit.get("renamed", {}).items()}
    reworded = reworded_clusters(refit)
    rows, moved = [], []
    for cid, persona, match in zip(refit["ids"], refit["personas"], refit["matched"],
                                   strict=True):  # fmt: skip
        if match is None:
            status = "new cluster"
        else:
            status = "kept"
            moved.append((cid, persona, f"{match[1]:.3f}"))
            if int(cid) in renamed:
                status += f"; was “{renamed[int(cid)]}”, which its customers no longer fit"
            elif int(cid) in reworded:
                status += f"; was “{reworded[int(cid)]}” (what follows in brackets is this data's)"
        rows.append((cid, persona, status))
    table = (pd.DataFrame(rows, columns=["cluster", "persona", "status"])
             .set_index("cluster").sort_index())  # fmt: skip
    distances = (pd.DataFrame(moved, columns=["cluster", "persona", "Centre moved"])
                 .set_index("cluster").sort_index())  # fmt: skip
    vanished = refit["vanished"]
    words = [f"This run refitted the model created {when(refit['refit_of'])}: new thresholds and "
             "new centres, then each new cluster was matched to an old one by the smallest "
             "total distance between centres, so clusters that persist keep their id."]
    if renamed:
        n = len(renamed)
        words.append(f"{counted(n, 'kept cluster')} got a new persona name, since "
                     f"{agree(n, 'its customers no longer fit|their customers no longer fit')} "
                     "the old one (see the table).")  # fmt: skip
    else:
        words.append("Every kept cluster keeps its persona name: its customers still fit it.")
    if reworded:
        n = len(reworded)
        words.append(f"{counted(n, 'kept cluster')} {agree(n, 'keeps its name|keep their names')}"
                     ", but what follows in brackets changed (it tells namesakes apart and "
                     "comes from this data; see the table).")  # fmt: skip
    marks = new_mark_sentence(refit)
    if marks:
        words.append(marks)
    if vanished:
        n = len(vanished)
        words.append(f"{agree(n, 'Cluster|Clusters')} {word_list([str(v) for v in vanished])} "
                     f"of the old model {agree(n, 'has|have')} no counterpart and "
                     "vanished.")  # fmt: skip
    if "customers_moved" in refit:
        words.append(f"{h.pct(refit['customers_moved'])} of the customers are in another "
                     "cluster than the old model puts them in.")  # fmt: skip
    if refit.get("older_data"):  # (the warnings say how much older)
        words.append("The refitted model learned from orders that end before the old model's "
                     "did: check the file before applying it.")  # fmt: skip
    else:
        words.append("Apply the refitted model from now on: its thresholds and centres are "
                     "this data's.")
    return (
        f"<p>{h.esc(' '.join(words))}</p>"
        + h.table(table, text_columns=("persona", "status"))
        + (details(
            "<p>How far each kept cluster's centre moved from its old one, in the old "
            "model's scaled units (R, F and M as the clusters were found in them); the "
            "clusters were matched by the smallest total of these distances.</p>"
            + h.table(distances, text_columns=("persona", "Centre moved"))) if moved else "")
    )


def _file_name(source: object) -> str:
    """The input's file (or folder, or glob) name without the local path before it."""
    return PurePath(str(source)).name or str(source)


def _method(c: _Ctx) -> str:
    res = c.res
    s = res.settings
    snap = res.rfm.attrs.get("snapshot")
    snap_text = f"{pd.Timestamp(snap):%Y-%m-%d %H:%M}" if snap is not None else s.get("snapshot")
    how_k = (
        "chosen automatically (the elbow proposes; of its suggestion and its two "
        "neighbours, the one that separates the clusters best, with no cluster under "
        f"{SMALLEST}, is kept; failing that, the best such k of all tried; failing that, "
        "the elbow's)"
        if s.get("k_requested") == "auto"
        else "set for this run"
    )
    tie_text = ("equal values share a score" if c.ties == "thresholds"
                else "equal-size groups, ties split by row order")
    items = [
        f"Data: {h.esc(_file_name(s.get('source', 'transactions')))}; "
        f"{s.get('rows_in', 0):,} rows read, "
        f"{s.get('rows_clean', 0):,} kept after cleaning."
        + (f" {h.esc(left_out_sentence(s['customers_left_out']))}"
           if s.get("customers_left_out") else ""),
        f"Columns read: {h.esc(res.columns.roles_text)}.",
        f"Recency = days from the last order to {h.esc(snap_text)}; frequency = number of "
        + ("distinct orders (invoices)" if res.columns.invoice is not None else
           "purchase days (there is no invoice column, so the lines a customer bought on "
           "one day make one order)")
        + "; monetary = total spend.",
        *(
            [h.esc(dates_sentence(s["date_format"]))]
            if s.get("date_format")
            else []
        ),
        f"Scores 1 to {c.q} ({c.q} = best) from the customer base's quantiles; "
        f"{tie_text}.",
        f"Segments: {h.esc(c.rules_text())}; a customer takes the first rule its scores "
        + ("match, and customers matching none are 'Others'."
           if len(res.rule_check.uncovered) else
           "match, and every combination of scores matches a rule, so no customer is "
           "left over."),
        f"Clusters: K-means on R, F and M {h.esc(SCALING_TEXT.get(s.get('scaling'), ''))}; "
        f"k {how_k} = {res.clusters.k}. Clusters are ranked by the average percentile of "
        "their customers' R, F and M.",
        "Persona names compare a cluster's medians with the whole customer base: 'Recent' "
        "means a median number of days since the last order below the 40th percentile of "
        "all customers, 'Lapsed' above the 60th; 'frequent' / 'infrequent' and 'high' / "
        "'low spenders' use the same percentiles; 'one-time' means a median of one "
        f"{c.orders[:-1]}. "
        "A dimension is named only when it tells the clusters apart strongly. Clusters that "
        "would share a name are told apart by their median on the dimension that "
        "separates them most, and three or more by their medians on the two dimensions "
        "that separate them most.",
        "One action per customer: its segment's action, which follows from the customer's "
        "own scores; customers with the highest spend score in a segment for customers "
        "slipping away whose action is meant for every spend get an action worth their "
        "past spend instead; customers no rule matches ('Others') get an action that "
        "claims nothing about them. A persona's action suits the persona's median "
        "customer and is meant for campaigns aimed at the whole group.",
        f"{SEGMENT_ORDER_TEXT.format(c.orders)} Two segments whose names rank one above "
        "the other, while the lower-named one's customers are better on all three "
        "medians, are flagged.",
    ]
    if c.currency:
        items.append(f"Money is shown in {h.esc(c.currency.strip())}.")
    out = h.bullet_list(items) + details(
        "<p>How strongly a dimension tells the clusters apart is the η² of the customers' "
        "ranks on it (Kruskal–Wallis H / (n − 1), the share of the variation of the ranks "
        "that the clusters explain): from 0.14 strongly (a large effect), from 0.06 "
        "moderately, below that hardly.</p>"
    )
    if c.errors:
        out += '<p class="note">' + "<br>".join(h.esc(e) for e in c.errors) + "</p>"
    return out


def render_report(res: PipelineResult, *, title: str = "Customer segmentation") -> str:
    """The report's HTML text (see the module docstring for its sections)."""
    errors: list[str] = []
    c = _Ctx(res, errors)
    body = {
        "summary": ("Summary", _summary(c)),
        "segments": ("Segments", _segments(c)),
        "personas": ("Personas", _personas(c)),
        "crosstab": ("Segments × personas", _crosstab(c)),
    }
    if res.value is not None:
        body["value"] = ("Value ahead", _value(c))
    if res.migration is not None:
        body["migration"] = ("Segment migration", _migration(c))
    if res.settings.get("refit") is not None:
        body["refit"] = ("Refit of the saved model", _refit(c))
    body |= {
        "clusters": ("Clusters", _clusters(c)),
        "rfm-grid": ("Scores", _scores(c)),
        "trend": ("Monthly trend", _trend(c)),
        "validation": ("Validation", _validation(c)),
    }
    body["method"] = ("Method", _method(c))  # last: it lists the plots that failed
    return page(
        title,
        f"{len(res.rfm):,} customers · "
        f"{segments_count(res.rule_set.names(), res.segment_summary)} · "
        f"{res.clusters.k} personas · generated by rfmseg",
        body,
    )


def page(title: str, subtitle: str, body: dict[str, tuple[str, str]]) -> str:
    """The whole HTML page: header, a link to every section, the sections
    (``body``: section id → (heading, HTML content))."""
    nav = "".join(f'<a href="#{sid}">{h.esc(t)}</a>' for sid, (t, _) in body.items())
    sections = "".join(
        f'<section id="{sid}"><h2>{h.esc(t)}</h2>{content}</section>'
        for sid, (t, content) in body.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h.esc(title)}</title><style>{h.CSS}</style></head><body>"
        f"<header><h1>{h.esc(title)}</h1><p>{h.esc(subtitle)}</p></header>"
        f"<nav>{nav}</nav>{sections}</body></html>\n"
    )


def write_report(
    path: str | os.PathLike[str], res: PipelineResult, *, title: str = "Customer segmentation"
) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(res, title=title), encoding="utf-8")
    return path
