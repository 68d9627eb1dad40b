"""Check a segment rule set on every score cell: coverage, overlaps, dead rules, gaps.

With q score levels there are q³ cells (R, F, M). :func:`check_rules` runs the rules on
every cell exactly as :func:`rfm.segment` does (first match wins) and reports what a
rule author needs to know before using them on customers:

* ``coverage``    the winning segment of each cell (``"Others"`` when none matches);
* ``overlaps``    the cells two or more rules claim (only the first one wins there);
* ``unreachable`` the rules that win no cell at all: empty ranges, ranges outside
  1..q, or rules completely shadowed by earlier ones;
* ``uncovered``   the cells no rule claims (their customers become ``"Others"``).

Given customers (their RFM table), it also checks the names against the data:

* ``inversions``  pairs of segments where the one named above (earlier in the order of
  value the names claim, :func:`rfm.segments.claimed_order`) holds customers who are
  worse on every dimension than the one named below: a higher median recency, a lower
  or equal median frequency and a lower or equal median spend, one of them strictly.
  Such a pair reads wrong to anyone who takes the names literally (:func:`name_inversions`).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._inputs import RFM_COLUMNS, align_to_customers, below_zero, check_same_customers
from rfm.labels import agree, counted, spend_decimals, word_list
from rfm.scoring import check_q, quantile_cuts
from rfm.segments import (
    DIMENSIONS,
    OTHERS,
    SCORE_COLUMNS,
    check_scale,
    claimed_order,
    lapsing_segments,
    resolve_rules,
    segment,
)

__all__ = ["INVERSION_COLUMNS", "RECENT_GAPS", "RuleCheck", "check_rules", "lapsing_is_relative",
           "name_inversions", "not_new_sentences", "recent_is_relative", "rule_problems",
           "same_for_everyone", "score_sentences", "spend_scores_pushed_down",
           "spent_less_than_nothing"]

#: share of the customers whose spend score the +1 of the cut points lowers, from which
#: :func:`spend_scores_pushed_down` says so
PUSHED_DOWN = 0.1
#: how many of a repeat customer's typical gaps between orders the oldest "recent" last
#: order may be before :func:`recent_is_relative` says that recent is relative here
RECENT_GAPS = 3

#: the columns of :func:`name_inversions`
INVERSION_COLUMNS = [
    "named_above", "named_below",
    "customers_above", "customers_below",
    "recency_above", "recency_below",
    "frequency_above", "frequency_below",
    "monetary_above", "monetary_below",
]  # fmt: skip


class RuleCheck(NamedTuple):
    """Result of :func:`check_rules`."""

    coverage: pd.DataFrame
    overlaps: pd.DataFrame
    unreachable: list[str]
    uncovered: pd.DataFrame
    #: segment pairs whose names invert the value order on the customers given
    #: (:func:`name_inversions`; ``None`` when no customers were given)
    inversions: pd.DataFrame | None = None


def _cells(q: int) -> pd.DataFrame:
    r, f, m = np.meshgrid(*(np.arange(1, q + 1),) * 3, indexing="ij")
    return pd.DataFrame({"r": r.ravel(), "f": f.ravel(), "m": m.ravel()})


def check_rules(
    rules: Any = "ladder", *, q: int = 5, rfm: pd.DataFrame | None = None,
    ties: str = "thresholds",
) -> RuleCheck:
    """Run a rule set on all q³ score cells and report coverage, overlaps and gaps; with
    customers, also the segment names that invert the value order on them.

    Parameters
    ----------
    rules : str, list or RuleSet
        A built-in rule-set name or your own rules, in the same form as
        :func:`rfm.segment`.
    q : int
        Number of score levels (2..9). A built-in set written for another scale (e.g.
        ``"codes"``, q = 4) raises ValueError.
    rfm : DataFrame, optional
        Customers (:func:`rfm.rfm_table`'s ``recency``, ``frequency``, ``monetary``):
        scored with ``q`` levels and ``ties`` (:func:`rfm.rfm_scores`), segmented, and
        checked for inversions (:func:`name_inversions`).
    ties : {"thresholds", "first"}
        The tie rule of the scores, with ``rfm``.

    Returns
    -------
    RuleCheck
        ``coverage``: DataFrame with one row per cell, columns ``r, f, m, segment``
        (R slowest, M fastest). ``overlaps``: the cells claimed by two or more rules,
        columns ``r, f, m, segments`` (the claiming rule names in rule order, first = the
        winner, joined by ", "). ``unreachable``: names of the rules that win no cell, in
        rule order. ``uncovered``: the cells no rule claims, columns ``r, f, m``.
        ``inversions``: :func:`name_inversions` on ``rfm`` (``None`` without it).

    Raises
    ------
    TypeError, ValueError
        Malformed rules, a bad ``q``, or a built-in set used with another ``q``.

    Examples
    --------
    >>> chk = check_rules([("Top", {"r": (2, 2)}), ("Also top", {"r": (2, 2), "f": (2, 2)})],
    ...                   q=2)
    >>> chk.unreachable, len(chk.overlaps), len(chk.uncovered)
    (['Also top'], 2, 4)
    """
    check_q(q)
    ruleset = resolve_rules(rules)
    check_scale(ruleset, q, rules=rules)
    cells = _cells(int(q))
    scores = cells.rename(columns=SCORE_COLUMNS).astype(np.int64)
    scores.attrs["rfm_q"] = int(q)
    coverage = cells.assign(segment=segment(scores, ruleset)["segment"].to_numpy())
    claims = np.zeros((len(cells), len(ruleset.rules)), dtype=bool)
    for j, rule in enumerate(ruleset.rules):
        hit = np.ones(len(cells), dtype=bool)
        for d in DIMENSIONS:
            bounds = getattr(rule, d)
            if bounds is not None:
                hit &= (cells[d].to_numpy() >= bounds[0]) & (cells[d].to_numpy() <= bounds[1])
        claims[:, j] = hit
    n_claims = claims.sum(axis=1)
    multi = np.flatnonzero(n_claims >= 2)
    names = [r.name for r in ruleset.rules]
    overlaps = cells.iloc[multi].assign(
        segments=[", ".join(n for n, c in zip(names, claims[i], strict=True) if c) for i in multi]
    )
    winner = np.where(n_claims > 0, claims.argmax(axis=1), -1)
    won = set(winner[winner >= 0].tolist())
    unreachable = [n for j, n in enumerate(names) if j not in won]
    uncovered = cells[n_claims == 0]
    assert (coverage["segment"].to_numpy()[n_claims == 0] == OTHERS).all()
    inversions = None
    if rfm is not None:
        from rfm.scoring import rfm_scores

        inversions = name_inversions(segment(rfm_scores(rfm, q=q, ties=ties), ruleset), rfm,
                                     ruleset)  # fmt: skip
    return RuleCheck(
        coverage=coverage.reset_index(drop=True),
        overlaps=overlaps.reset_index(drop=True),
        unreachable=unreachable,
        uncovered=uncovered.reset_index(drop=True),
        inversions=inversions,
    )


def name_inversions(segments: pd.DataFrame, rfm: pd.DataFrame, rules: Any) -> pd.DataFrame:
    """Pairs of segments whose names invert the value order on these customers.

    Segment A is *named above* B when A comes first in the order of value the names
    claim (:func:`rfm.segments.claimed_order`). The pair is an inversion when B's
    customers are better on every dimension: B's median recency ≤ A's, median frequency
    ≥ A's and median spend ≥ A's, at least one of them strictly. ("Others" is not
    ranked.)

    Parameters
    ----------
    segments : DataFrame
        :func:`rfm.segment`'s table (``segment`` per customer).
    rfm : DataFrame
        The same customers' ``recency``, ``frequency`` and ``monetary``.
    rules : str, list or RuleSet
        The rule set that made ``segments``.

    Returns
    -------
    DataFrame
        One row per inversion, named above first in the claimed order, columns
        :data:`INVERSION_COLUMNS` (sizes and the medians of both segments).
    """
    check_columns(segments, ["segment"], what="segments")
    check_columns(rfm, list(RFM_COLUMNS), what="rfm")
    check_same_customers(segments, rfm, ("segments", "rfm"))
    values = {d: align_to_customers(rfm[d], segments.index, name=d).to_numpy(np.float64)
              for d in RFM_COLUMNS}  # fmt: skip
    frame = pd.DataFrame(values).assign(segment=segments["segment"].to_numpy())
    groups = frame.groupby("segment", sort=False)
    medians = groups[list(RFM_COLUMNS)].median()
    sizes = groups.size()
    ranked = [n for n in claimed_order(rules) if n in medians.index]
    rows = []
    for i, above in enumerate(ranked):
        a = medians.loc[above]
        for below in ranked[i + 1:]:
            b = medians.loc[below]
            no_worse = (b["recency"] <= a["recency"] and b["frequency"] >= a["frequency"]
                        and b["monetary"] >= a["monetary"])  # fmt: skip
            better = (b["recency"] < a["recency"] or b["frequency"] > a["frequency"]
                      or b["monetary"] > a["monetary"])  # fmt: skip
            if no_worse and better:
                rows.append([above, below, int(sizes[above]), int(sizes[below]),
                             a["recency"], b["recency"], a["frequency"], b["frequency"],
                             a["monetary"], b["monetary"]])  # fmt: skip
    return pd.DataFrame(rows, columns=INVERSION_COLUMNS)


def inversion_sentences(inversions: pd.DataFrame, orders: str = "orders",
                        decimals: int = 0) -> list[str]:  # fmt: skip
    """One plain sentence per row of :func:`name_inversions`; ``orders`` is what orders
    are called ("purchase days" without an invoice column), ``decimals`` those of the
    run's money figures (:func:`rfm.labels.spend_decimals`).

    The segment named lower is better on the dimensions where its median is strictly
    better and level on the others: "better on every count" only when it is better on
    all three.
    """
    out = []
    for r in inversions.itertuples(index=False):
        shown = {  # each median as the sentence writes it, below then above
            "recency": (f"{r.recency_below:,.0f}", f"{r.recency_above:,.0f}"),
            orders: (f"{r.frequency_below:g}", f"{r.frequency_above:g}"),
            "spend": (f"{r.monetary_below:,.{decimals}f}", f"{r.monetary_above:,.{decimals}f}"),
        }
        # better where the figures shown differ (the medians may differ below them)
        better = [w for w, (below, above) in shown.items() if below != above]
        level = [w for w in shown if w not in better]
        how = ("better on every count" if not level
               else "at least as good on every count" if not better
               else f"better on {word_list(better)} and level on {word_list(level)}")
        out.append(
            f"“{r.named_above}” is named above “{r.named_below}”, but the {r.named_below} "
            f"customers are {how} (median {shown['recency'][0]} against "
            f"{shown['recency'][1]} days since the last order, {shown[orders][0]} against "
            f"{shown[orders][1]} {orders}, spend {shown['spend'][0]} against "
            f"{shown['spend'][1]})"
        )
    return out


def _days(x: float) -> str:
    """A number of days in words: whole from 10 on ("431 days"), else to a tenth where
    it is not whole ("0.4 days", "1.5 days"), and "1 day"."""
    tenth = round(float(x), 1)
    if tenth >= 10 or tenth.is_integer():
        n = round(x) if tenth >= 10 else int(tenth)
        return f"{n:,} day{'' if n == 1 else 's'}"
    return f"{tenth:.1f} days"


def _recent_horizon(recency: np.ndarray, r_scores: Any, q: int) -> float | None:
    """The oldest last order, in days, of the customers counted recent (a recency score
    in the top two, ``r >= q - 1``); None when no customer is."""
    recent = np.asarray(r_scores) >= q - 1
    return float(recency[recent].max()) if recent.any() else None


def not_new_sentences(segments: pd.DataFrame, rfm: pd.DataFrame, r_scores: Any,
                      q: int) -> list[str]:  # fmt: skip
    """Segments named "New …" whose customers are not new, in sentences.

    A segment rule sees only scores: "New Customers" are those with a recent last order
    and few orders, whenever they first bought. The name claims more, so it is checked
    against when they first bought: a segment whose median customer's first order is
    longer ago than the last order of every customer counted recent (a recency score in
    the top two, ``r >= q - 1``) is said not to be new. On CDNOW, where every customer
    first bought in the first quarter of 1997, such customers first bought 15 months
    before the end of the data.

    Parameters
    ----------
    segments : DataFrame
        :func:`rfm.segment`'s table (``segment`` per customer).
    rfm : DataFrame
        The same customers' ``recency`` and ``tenure_days`` (days since the first
        order), as :func:`rfm.rfm_table` gives them.
    r_scores : array-like
        Each customer's recency score, in the order of ``segments``.
    q : int
        The number of score levels.

    Returns
    -------
    list of str
        One sentence per such segment, in the order the segments first appear.
    """
    if "tenure_days" not in rfm:
        return []
    recency = rfm["recency"].reindex(segments.index).to_numpy(np.float64)
    tenure = rfm["tenure_days"].reindex(segments.index).to_numpy(np.float64)
    horizon = _recent_horizon(recency, r_scores, q)
    if horizon is None:
        return []
    names = segments["segment"].astype(str).to_numpy()
    out = []
    for name in dict.fromkeys(names):
        if not re.search(r"\bNew\b", name):
            continue
        first = float(np.median(tenure[names == name]))
        if first > horizon:
            out.append(
                f"\u201c{name}\u201d are not new: their first purchase was a median of "
                f"{_days(first)} ago, longer ago than the last purchase of any customer "
                f"counted recent ({_days(horizon)} at most). The name follows their "
                "scores, not when they first bought"
            )
    return out


def recent_is_relative(rfm: pd.DataFrame, r_scores: Any, q: int) -> list[str]:
    """A sentence when "recent" reaches far back on these data, else none.

    Scores rank customers against each other. Where most customers stopped buying long
    ago (CDNOW: everyone first bought in early 1997, the data run to mid-1998), a recency
    score in the top two still covers customers whose last order was more than a year
    ago, and names such as "Champions" or "Recent … spenders" compare them only with
    customers who are quieter still. This says so when the oldest last order counted
    recent (``r >= q - 1``) is more than :data:`RECENT_GAPS` times a repeat customer's
    median time between purchases: (days from the first purchase to the last) / (orders − 1),
    over the customers with two orders or more.

    Parameters
    ----------
    rfm : DataFrame
        ``recency``, ``frequency`` and ``tenure_days`` per customer (:func:`rfm.rfm_table`).
    r_scores : array-like
        Each customer's recency score, in ``rfm``'s order.
    q : int
        The number of score levels.

    Returns
    -------
    list of str
        The sentence, or nothing.
    """
    horizon = _recent_horizon(rfm["recency"].to_numpy(np.float64), r_scores, q)
    gap = _purchase_gap(rfm)
    if horizon is None or gap is None or horizon <= RECENT_GAPS * gap:
        return []
    return [
        f"\u201cRecent\u201d reaches far back on these data: customers with one of the two "
        f"top recency scores last bought up to {_days(horizon)} ago, {horizon / gap:.1f} "
        f"times a repeat customer's median time between purchases ({_days(gap)}). "
        "Segment and persona names compare customers with each other; check the days since "
        "the last purchase before acting on a name that says recent, active or loyal"
    ]


def _purchase_gap(rfm: pd.DataFrame) -> float | None:
    """A repeat customer's median time between purchases, in days: (days from the first
    purchase to the last) / (orders − 1), over the customers who bought again on a later
    day (two orders on the day of the first tell no time between purchases: counted, a
    shop whose new customers often place two orders at once would read "1 day"); None
    without ``tenure_days``, without such a customer, or for a gap of 0."""
    if "tenure_days" not in rfm:
        return None
    recency = rfm["recency"].to_numpy(np.float64)
    orders = rfm["frequency"].to_numpy(np.float64)
    span = rfm["tenure_days"].to_numpy(np.float64) - recency  # first order to the last
    repeat = (orders > 1) & (span > 0)
    if not repeat.any():
        return None
    gap = float(np.median(span[repeat] / (orders[repeat] - 1)))
    return gap if gap > 0 else None


def lapsing_is_relative(rfm: pd.DataFrame, segments: pd.DataFrame, rules: Any,
                        q: int) -> list[str]:  # fmt: skip
    """A sentence when the segments for customers slipping away hold recent buyers on
    these data, else none: :func:`recent_is_relative` the other way round.

    A segment is one for customers slipping away when every rule that names it asks for
    a recency score below the middle, ``q // 2`` or lower (:func:`rfm.segments.lapsing_segments`:
    "Can't Lose Them", "At Risk", "Hibernating", "Lost", "Churned Customers", "Slipping"
    and their win-back actions; not "Need Attention" or "Loyal Customers" at the middle
    score). Where customers buy
    in seasons (every December), the lower scores also hold customers who bought a few
    weeks ago, while the repeat customers' rhythm is months. This says so when the most
    recent last purchase in such a segment is less than 1 / :data:`RECENT_GAPS` of a
    repeat customer's median time between purchases, naming each such segment with its
    own most recent last purchase.

    Parameters
    ----------
    rfm : DataFrame
        ``recency``, ``frequency`` and ``tenure_days`` per customer (:func:`rfm.rfm_table`).
    segments : DataFrame
        :func:`rfm.segment`'s table (``segment`` per customer), in ``rfm``'s order.
    rules : str, list or RuleSet
        The rule set that made ``segments``.
    q : int
        The number of score levels.

    Returns
    -------
    list of str
        The sentence naming those segments, or nothing.
    """
    gap = _purchase_gap(rfm)
    if gap is None:
        return []
    # each segment's most recent last purchase, in one grouped pass (10M customers: 0.x s)
    latest = pd.Series(rfm["recency"].to_numpy(np.float64)).groupby(
        segments["segment"].to_numpy(), sort=False).min()  # fmt: skip
    early = {name: float(latest[name]) for name in lapsing_segments(rules, q)
             if name in latest.index}  # fmt: skip
    early = {name: days for name, days in early.items() if days * RECENT_GAPS < gap}
    if not early:
        return []
    one = len(early) == 1
    names = word_list([f"\u201c{name}\u201d" for name in early])
    days = word_list([_days(d) for d in early.values()])
    times = word_list([f"{d / gap:.2f}" for d in early.values()])
    return [
        "Names and actions for customers slipping away reach recent buyers on these data: "
        f"the most recent {'customer' if one else 'customers'} of {names} last bought only "
        f"{days} ago, {times} times a repeat customer's median time between purchases "
        f"({_days(gap)}). Segment names compare customers with each other; check the days "
        "since the last purchase before a win-back campaign"
    ]


def same_for_everyone(rfm: pd.DataFrame, X: Any, orders: str = "orders") -> list[str]:
    """A sentence when the clustering could not use a dimension because every customer
    has the same value on it, else none.

    A dimension on which all customers agree tells none of them apart: scaled, it is one
    constant, and no distance between customers depends on it. Then the clusters, and
    the persona names, rest on the other dimensions alone, which the reader should know
    (a shop whose customers all bought once: "one-time" describes every persona).

    Parameters
    ----------
    rfm : DataFrame
        ``recency``, ``frequency`` and ``monetary`` per customer (:func:`rfm.rfm_table`).
    X : DataFrame or ndarray of shape (n_customers, 3)
        The same customers as clustered (scaled, in ``RFM_COLUMNS`` order): a dimension is
        the same for everyone when its column here is constant, which is when the scaler
        found it so (log1p can merge values that differ only in their last digits).
    orders : str
        What frequency counts: "orders", or "purchase days" without an invoice column.

    Returns
    -------
    list of str
        The sentence, or nothing.
    """
    scaled = np.asarray(X)
    same = [c for j, c in enumerate(RFM_COLUMNS) if scaled[:, j].min() == scaled[:, j].max()]
    if not same:
        return []
    noun = orders[:-1]  # "order", "purchase day"
    names = {"recency": "the days since the last purchase", "frequency": f"the number of {orders}",
             "monetary": "the spend"}  # fmt: skip

    def clause(column: str) -> str:
        values = rfm[column]
        exact = values.min() == values.max()  # else values the scaling merged
        if column == "recency":
            return f"last bought {_days(values.iloc[0])} ago" if exact else (
                "last bought on nearly the same day")
        if column == "frequency":
            return f"has {counted(int(values.iloc[0]), noun)}" if exact else (
                f"has nearly the same number of {orders}")
        return "spent the same amount" if exact else "spent nearly the same amount"

    said = word_list([clause(c) for c in same])
    rest = [names[c] for c in RFM_COLUMNS if c not in same]
    if not rest:
        return [f"Every customer {said}, so nothing tells the customers apart: the clusters "
                "and their names mean nothing on these data"]  # fmt: skip
    return [f"Every customer {said}, so {word_list([names[c] for c in same])} cannot tell "
            f"customers apart: the clusters and their names rest on {word_list(rest)} alone"]


def spend_scores_pushed_down(monetary: Any, q: int, ties: str,
                             cuts: np.ndarray | None = None) -> list[str]:  # fmt: skip
    """A sentence when the +1 of the spend scores' cut points lowers many customers'
    scores, else none.

    With ``ties="thresholds"`` each cut point between two scores is a quantile of the
    customers' spend plus 1 (:func:`rfm.scoring.threshold_cuts`, as R's ``rfm`` package
    cuts). A customer who spent more than quantile j but less than quantile j + 1 then
    gets the lower score. For amounts in large units few customers fall in that gap; for
    amounts in small units (a median spend of 0.14, in thousands; or 1 to 10) 1 is as
    wide as the spread, and most customers drop a score. This says so when more than
    :data:`PUSHED_DOWN` of the customers sit strictly inside such a gap. Customers exactly
    at a quantile (within rounding) are not counted: there, which side they fall is a
    matter of ties, the same with or without the +1 (a shop of one price).

    Parameters
    ----------
    monetary : array-like
        Each customer's spend.
    q : int
        The number of score levels.
    ties : {"thresholds", "first"}
        The scoring's tie rule; "first" has no cut points, so nothing to say.
    cuts : ndarray, optional
        The cut points the scores were given by, when they are not these customers' own:
        a saved model's (:class:`rfm.frozen.FrozenScores`), each its training customers'
        quantile plus 1.

    Returns
    -------
    list of str
        The sentence, or nothing.
    """
    if ties != "thresholds":
        return []
    x = np.asarray(monetary, dtype=np.float64)
    quantiles = quantile_cuts(x, q) if cuts is None else np.asarray(cuts, np.float64) - 1.0
    whose = "the customers'" if cuts is None else "the training customers'"
    way_out = ("Equal-size score groups (ties \u201cfirst\u201d) avoid this" if cuts is None
               else "A model saved with equal-size score groups (ties \u201cfirst\u201d) "
               "avoids this")
    inside = np.zeros(x.shape[0], dtype=bool)
    for cut in quantiles:  # one pass per cut point: n booleans, not n·(q − 1)
        slack = 1e-9 * max(1.0, abs(float(cut)))  # the quantile's rounding
        inside |= (x > cut + slack) & (x < cut + 1.0)
    lower = int(inside.sum())
    n = x.shape[0]
    if lower <= PUSHED_DOWN * n:
        return []
    median = float(np.median(x))
    return [
        "Spend scores are pushed down on these amounts: each cut point between two spend "
        f"scores is a quantile of {whose} spend plus 1, which is large next to a "
        f"median spend of {median:,.{spend_decimals(median)}f}, so {lower:,} of "
        f"{counted(n)} ({lower / n:.0%}) {agree(lower, 'gets|get')} a lower spend score than "
        f"the quantiles alone would give them. {way_out}"
    ]


def spent_less_than_nothing(rfm: pd.DataFrame) -> list[str]:
    """A sentence when some customers' returns outweigh their purchases (kept returns),
    else none: their scores and segments rank them by a spend below 0. A spend within
    1e-9 of the largest spend of 0 is 0 (a purchase returned in full, added in another
    order, can sum to -5e-15)."""
    n = int(below_zero(rfm["monetary"]).sum())  # (a returned purchase can sum to -5e-15)
    if not n:
        return []
    return [f"{counted(n)} spent less than nothing: {agree(n, 'its|their')} returns outweigh "
            f"{agree(n, 'its|their')} purchases. Segment and persona names that speak of "
            f"loyalty or spend do not fit {agree(n, 'it|them')}; read {agree(n, 'its|their')} "
            "spend before acting on the name"]


def score_sentences(rfm: pd.DataFrame, segments: pd.DataFrame, rules: Any, r_scores: Any,
                    q: int, ties: str, spend_cuts: np.ndarray | None = None) -> list[str]:
    """Every sentence on what the scores and the segment names mean on these data, for a
    run and for a saved model applied to new customers alike: "Recent" reaching far back
    (:func:`recent_is_relative`), win-back names reaching recent buyers
    (:func:`lapsing_is_relative`), spend below 0 (:func:`spent_less_than_nothing`), spend
    scores pushed down by the cut points' +1 (:func:`spend_scores_pushed_down`; a saved
    model's ``spend_cuts``), and "New" segments that are not new
    (:func:`not_new_sentences`)."""
    return (recent_is_relative(rfm, r_scores, q) + lapsing_is_relative(rfm, segments, rules, q)
            + spent_less_than_nothing(rfm)
            + spend_scores_pushed_down(rfm["monetary"], q, ties, spend_cuts)
            + not_new_sentences(segments, rfm, r_scores, q))


def rule_problems(check: RuleCheck) -> list[str]:
    """Plain sentences about the problems of a :class:`RuleCheck` (empty when none).

    Overlaps alone are not a problem (the first rule wins by design); unreachable rules,
    cells left to "Others" and names that invert the value order on the customers are.
    """
    out = []
    if check.unreachable:
        out.append(
            f"{counted(len(check.unreachable), 'rule')} can never match a customer (empty, "
            f"out of range or hidden by earlier rules): {', '.join(check.unreachable)}"
        )
    if len(check.uncovered):
        total = len(check.coverage)
        out.append(
            f"{len(check.uncovered)} of {total} score cells match no rule; their customers "
            f"are labelled {OTHERS!r}"
        )
    if check.inversions is not None:
        out.extend(inversion_sentences(check.inversions))
    return out
