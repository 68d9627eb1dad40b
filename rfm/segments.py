"""Named customer segments from R/F/M scores: rule tables, first match wins.

A rule is a segment name, an inclusive score range for each of R, F and M (a missing
dimension means "any score") and the marketing action for that segment. Rules are
checked in order; a customer takes the first rule it matches, and customers matching
none are ``"Others"``. Scores are :func:`rfm.rfm_scores` scores: higher is better on every
dimension (recency is already reversed).

Built-in rule sets (``SEGMENT_RULES``):

``"ladder"`` — nine segments named in value order, for q = 5 (the default)
    Every one of the 125 score cells has a segment (no "Others"), and a segment named
    above another never holds customers who are worse on every dimension by the score
    ranges alone: the boxes of two segments in the claimed order differ in recency,
    or in frequency, or in spend, in the right direction.

    ====================  =====  =====  =====  ==========================================
    segment (best first)  R      F      M      what the name claims
    ====================  =====  =====  =====  ==========================================
    Champions             4–5    4–5    4–5    bought recently, buy often, spend the most
    Loyal Customers       3–5    3–5           buy often, and not long ago
    Potential Loyalists   4–5    2             recent, and already came back once
    New Customers         4–5    1             recent first order
    Can't Lose Them       1–2    3–5    4–5    bought often and spent much, long ago
    At Risk               1–2    3–5           bought often, long ago
    Need Attention        3      1–2           a few orders, a while ago
    Hibernating           2      1–2           a few orders, long ago
    Lost                  1      1–2           a few orders, longest ago
    ====================  =====  =====  =====  ==========================================

    Why it is the default: the R ``rfm`` package's table (below) checks
    "Potential Loyalist" (R 3–5, F 3–5, M 2–5) before "Loyal Customers" (R 2–4, F 2–4,
    M 2–4), so the better customers are called *potential* loyalists and the weaker
    ones *loyal* (on the demo data: a median of 6 orders 109 days ago against 2 orders
    481 days ago). A marketing director reads names literally; :func:`rfm.check_rules`
    with ``customers=`` finds such inversions on any data.

``"rfm"`` — the R ``rfm`` package (0.3.0), for q = 5
    Its ten segments and ranges, in its order. The package ships no marketing text, so
    each segment carries a common marketing action for that kind of customer.

``"customer-types"`` — five customer types, for q = 5
    High = 4–5, Medium = 3, Low = 1–2, with "High (5)" and "Low (1)" taken literally:

    ===================  =====  =====  =====
    segment              R      F      M
    ===================  =====  =====  =====
    Super Customers      5      5      5
    Loyal Customers      3      4–5    4–5
    New Customers        4–5    1–2    1–2
    Churned Customers    1      1–2    1–2
    Potential Customers  4–5    3      4–5
    ===================  =====  =====  =====

``"codes"`` — quartile codes, for q = 4
    Codes are often written with 1 = best; our scores have 4 = best, so a code digit d
    is our score 5 − d (code "1" = our 4, "3" = our 2, "4" = our 1). The more specific
    patterns come first so that each can be reached:

    ==========================  ============  ========================
    segment                     code          our scores
    ==========================  ============  ========================
    Best Customers              111           R=4, F=4, M=4
    Promising                   X13 or X14    F=4, M=1–2
    Loyal Customers             X1X           F=4
    Whales                      XX1           M=4
    Rookies                     14X           R=4, F=1
    Slipping                    44X           R=1, F=1
    ==========================  ============  ========================

:func:`check_rules` lists, for any rule set, the winning rule of every score cell, the
cells two rules claim, the rules that can never win and the cells left to "Others".

Actions follow the customer's own scores: a rule's action is what its score ranges
guarantee of its customers, so a win-back rule that takes in every spend ("Lost",
"Hibernating": R 1–2, F 1–2, any M) has a cheap action (one message, a small discount),
fit for its low spenders. Its customers with the top M score keep the segment but get
:data:`TOP_SPENDER_ACTION`, a personal win-back worth their past spend
(:func:`spend_blind_win_back` finds such rules from their ranges, in any rule set).

User rules: pass a list of ``(name, {"r": (lo, hi), "f": (lo, hi), "m": (lo, hi)},
action)`` tuples (the action may be left out), or :class:`SegmentRule` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe, is_integer

__all__ = [
    "OTHERS",
    "OTHERS_ACTION",
    "SEGMENT_RULES",
    "TOP_SPENDER_ACTION",
    "RuleSet",
    "SegmentRule",
    "check_scale",
    "claimed_order",
    "lapsing_segments",
    "resolve_rules",
    "segment",
    "spend_blind_win_back",
]

OTHERS = "Others"
Range = tuple[int, int]
DIMENSIONS = ("r", "f", "m")
SCORE_COLUMNS = {"r": "r_score", "f": "f_score", "m": "m_score"}


#: the action of customers no rule matches: no rule says anything about their scores,
#: so the action claims nothing about them either
OTHERS_ACTION = (
    "No segment rule covers these scores: look at these customers before a campaign "
    "(their persona describes the group they resemble)."
)


#: the action of a top spender (the top M score) in a win-back rule written for every
#: spend (:func:`spend_blind_win_back`): that rule's action is one its low spenders are
#: worth, and would treat a customer whose past spend is among the highest as one of them
TOP_SPENDER_ACTION = (
    "Among the top spenders, but their last order was long ago: win them back in person"
    " (a call, or an offer picked for them from what they bought), at a cost in "
    "line with what they have spent."
)


class SegmentRule(NamedTuple):
    """One segment: inclusive score ranges (``None`` = any) and its marketing action."""

    name: str
    r: Range | None = None
    f: Range | None = None
    m: Range | None = None
    action: str = ""


class RuleSet(NamedTuple):
    """Ordered rules, the score scale ``q`` they are written for (``None`` = any), the
    action for customers no rule matches, and the order of value the names claim (best
    first; ``None`` = the rule order)."""

    rules: tuple[SegmentRule, ...]
    q: int | None = None
    others_action: str = OTHERS_ACTION
    order: tuple[str, ...] | None = None

    def names(self) -> list[str]:
        """The segment names in rule order, each once (a name may head several rules)."""
        return list(dict.fromkeys(r.name for r in self.rules))


SEGMENT_RULES: dict[str, RuleSet] = {
    "ladder": RuleSet(
        q=5,
        others_action=OTHERS_ACTION,
        rules=(
            SegmentRule(
                "Champions", (4, 5), (4, 5), (4, 5),
                "Reward them: early access, exclusive offers and loyalty perks; no "
                "discount needed.",
            ),
            SegmentRule(
                "Loyal Customers", (3, 5), (3, 5), None,
                "Keep them loyal: a loyalty programme, reviews and referrals; recommend "
                "products that grow the basket.",
            ),
            SegmentRule(
                "Potential Loyalists", (4, 5), (2, 2), None,
                "Make coming back a habit: a membership offer and personal "
                "recommendations.",
            ),
            SegmentRule(
                "New Customers", (4, 5), (1, 1), None,
                "Welcome them: onboarding messages and an incentive to order again.",
            ),
            SegmentRule(
                "Can't Lose Them", (1, 2), (3, 5), (4, 5),
                "Win them back now: personal outreach and an offer on their past "
                "favourites.",
            ),
            SegmentRule(
                "At Risk", (1, 2), (3, 5), None,
                "Re-engage: remind them of what they bought and make a limited-time offer.",
            ),
            SegmentRule(
                "Need Attention", (3, 3), (1, 2), None,
                "Bring them back with a limited-time offer based on what they bought.",
            ),
            SegmentRule(
                "Hibernating", (2, 2), (1, 2), None,
                "A reminder of popular products, with a small discount.",
            ),
            SegmentRule(
                "Lost", (1, 1), (1, 2), None,
                "One win-back message; stop if they do not answer.",
            ),
        ),
    ),
    "rfm": RuleSet(
        q=5,
        others_action=OTHERS_ACTION,
        rules=(
            SegmentRule(
                "Champions", (5, 5), (5, 5), (5, 5),
                "Send membership rewards and exclusive offers; value-added offers and new "
                "products rather than discounts.",
            ),
            SegmentRule(
                "Potential Loyalist", (3, 5), (3, 5), (2, 5),
                "Push new product recommendations and cross-selling opportunities.",
            ),
            SegmentRule(
                "Loyal Customers", (2, 4), (2, 4), (2, 4),
                "Loyalty programme and early access; ask for reviews and referrals; free "
                "shipping.",
            ),
            SegmentRule(
                "Promising", (3, 4), (1, 3), (3, 5),
                "Product recommendations based on past purchases and incentives tied to "
                "spending thresholds.",
            ),
            SegmentRule(
                "New Customers", (4, 5), (1, 3), (1, 5),
                "Offers that bring them back soon, with recommendations based on what "
                "they bought.",
            ),
            SegmentRule(
                "Can't Lose Them", (1, 2), (3, 4), (4, 5),
                "Improve retention: loyalty programs, VIP perks, surprise rewards and "
                "excellent service.",
            ),
            SegmentRule(
                "At Risk", (1, 2), (2, 5), (4, 5),
                "Price deals, new product launches or other retention strategies.",
            ),
            SegmentRule(
                "Need Attention", (1, 3), (3, 5), (3, 5),
                "Incentivise repeat purchases with limited-time discounts or cashback and "
                "targeted promotions.",
            ),
            SegmentRule(
                "About To Sleep", (2, 3), (1, 3), (1, 4),
                "Targeted email/SMS recalls, limited-time offers and personalised "
                "recommendations.",
            ),
            SegmentRule(
                "Lost", (1, 1), (1, 5), (1, 5),
                "Win-back campaigns with special discount coupons.",
            ),
        ),
        # what the names claim, best first, as the segments are commonly described
        # ("Can't Lose Them: made the biggest purchases, and often", "At Risk: spent big
        # money, purchased often", "Loyal: spend good money", "Need Attention: above
        # average", "About To Sleep: below average"); the rule order is a precedence
        order=(
            "Champions", "Can't Lose Them", "At Risk", "Loyal Customers", "Potential Loyalist",
            "Need Attention", "New Customers", "Promising", "About To Sleep", "Lost",
        ),
    ),
    "customer-types": RuleSet(
        q=5,
        others_action=OTHERS_ACTION,
        rules=(
            SegmentRule(
                "Super Customers", (5, 5), (5, 5), (5, 5),
                "Send membership rewards and exclusive offers",
            ),
            SegmentRule(
                "Loyal Customers", (3, 3), (4, 5), (4, 5),
                "Provide VIP treatment and loyalty programs",
            ),
            SegmentRule(
                "New Customers", (4, 5), (1, 2), (1, 2),
                "Onboarding guidance and an offer that brings them back",
            ),
            SegmentRule(
                "Churned Customers", (1, 1), (1, 2), (1, 2),
                "Win-back campaigns with special discount coupons",
            ),
            SegmentRule(
                "Potential Customers", (4, 5), (3, 3), (4, 5),
                "Push new product recommendations and cross-selling opportunities",
            ),
        ),
        order=("Super Customers", "Loyal Customers", "Potential Customers", "New Customers",
               "Churned Customers"),
    ),
    "codes": RuleSet(
        q=4,
        others_action=OTHERS_ACTION,
        rules=(
            SegmentRule(
                "Best Customers", (4, 4), (4, 4), (4, 4),
                "Focus on loyalty programs and new product introductions; no discount "
                "pricing, value-added offers through recommendations based on previous "
                "purchases.",
            ),
            SegmentRule(
                "Promising", None, (4, 4), (1, 2),
                "Increase monetisation through product recommendations based on past "
                "purchases and incentives tied to spending thresholds (pegged to the "
                "store AOV).",
            ),
            SegmentRule(
                "Loyal Customers", None, (4, 4), None,
                "Loyalty programs, advocacy programs and reviews; reward with free "
                "shipping or similar benefits.",
            ),
            SegmentRule(
                "Whales", None, None, (4, 4),
                "Premium offers, subscription tiers, luxury products or value-add "
                "cross/up-sells to increase AOV; don't waste margin on discounts.",
            ),
            SegmentRule(
                "Rookies", (4, 4), (1, 1), None,
                "Clear strategies for new buyers, such as triggered welcome e-mails.",
            ),
            SegmentRule(
                "Slipping", (1, 1), (1, 1), None,
                "Price deals, new product launches, or other retention strategies.",
            ),
        ),
        order=("Best Customers", "Loyal Customers", "Whales", "Promising", "Rookies",
               "Slipping"),
    ),
}


def _as_range(value: Any, where: str) -> Range | None:
    if value is None:
        return None
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise TypeError(f"{where} must be a (low, high) pair of scores, got {value!r}.") from None
    for bound in (lo, hi):
        if not is_integer(bound):
            raise TypeError(f"{where} bounds must be integers, got {value!r}.")
    if lo > hi:
        raise ValueError(f"{where} has low > high: {value!r}; write (low, high).")
    return int(lo), int(hi)


def _user_rule(item: Any, i: int) -> SegmentRule:
    if isinstance(item, SegmentRule):
        return SegmentRule(
            item.name,
            *(_as_range(getattr(item, d), f"rule {i} ({item.name!r}) {d}") for d in DIMENSIONS),
            item.action,
        )
    if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
        raise TypeError(
            f"rule {i} must be (name, {{'r': (lo, hi), 'f': ..., 'm': ...}}, action) or "
            f"(name, ranges), got {item!r}."
        )
    name, ranges, *rest = item
    action = rest[0] if rest else ""
    if not isinstance(name, str) or not isinstance(action, str):
        raise TypeError(f"rule {i}: name and action must be strings, got {name!r}, {action!r}.")
    if not isinstance(ranges, Mapping):
        raise TypeError(f"rule {i} ({name!r}): ranges must be a dict like {{'r': (4, 5)}}.")
    unknown = [k for k in ranges if k not in DIMENSIONS]
    if unknown:
        raise ValueError(f"rule {i} ({name!r}) has unknown key(s) {unknown}; use 'r', 'f', 'm'.")
    bounds = [_as_range(ranges.get(d), f"rule {i} ({name!r}) {d!r}") for d in DIMENSIONS]
    return SegmentRule(name, *bounds, action)


def resolve_rules(rules: Any) -> RuleSet:
    """The :class:`RuleSet` that ``rules`` stands for: a built-in name
    or your own rules (checked), in any form :func:`segment` takes.

    Raises
    ------
    TypeError, ValueError
        An unknown name or malformed rules.
    """
    if isinstance(rules, str):
        if rules not in SEGMENT_RULES:
            raise ValueError(
                f"unknown rule set {rules!r}; built-in sets are {sorted(SEGMENT_RULES)}, or "
                "pass your own list of (name, ranges, action)."
            )
        return SEGMENT_RULES[rules]
    if isinstance(rules, RuleSet):
        return RuleSet(tuple(_user_rule(r, i) for i, r in enumerate(rules.rules)), rules.q,
                       rules.others_action, rules.order)
    if isinstance(rules, Iterable):
        parsed = tuple(_user_rule(r, i) for i, r in enumerate(rules))
        if not parsed:
            raise ValueError("rules is empty; give at least one (name, ranges, action).")
        return RuleSet(parsed)
    raise TypeError(f"rules must be a rule-set name or a list of rules, got {rules!r}.")


def _slipping_away(rule: SegmentRule, q: int) -> bool:
    """Whether ``rule`` asks for a recency score below the middle, ``q // 2`` or lower."""
    return rule.r is not None and rule.r[1] <= q // 2


def lapsing_segments(rules: Any, q: int) -> list[str]:
    """The segments for customers slipping away: those whose every rule asks for a recency
    score below the middle, ``q // 2`` or lower.

    They are the segments whose names and actions speak of winning customers back
    ("Can't Lose Them", "At Risk", "Hibernating" and "Lost" of ``ladder``; "Churned
    Customers"; "Slipping" at q = 4), read off the rules' score ranges so that any rule
    set, your own too, has them: a segment at the middle recency score ("Need
    Attention") or with no bound on recency is not one. The win-back list of a
    comparison (``--compare-to``, ``--previous``) is drawn from these segments, and a
    warning says when their customers bought recently on the data.

    Parameters
    ----------
    rules : str, list or RuleSet
        The rule set, in any form :func:`segment` takes.
    q : int
        The number of score levels the rules are applied with.

    Returns
    -------
    list of str
        The names, in rule order, each once; empty when no segment bounds recency so.
    """
    low: dict[str, bool] = {}
    for rule in resolve_rules(rules).rules:  # a name slips away if all its rules do
        low[rule.name] = low.get(rule.name, True) and _slipping_away(rule, q)
    return [name for name, is_low in low.items() if is_low]


def spend_blind_win_back(rule: SegmentRule, q: int) -> bool:
    """Whether ``rule`` is a win-back rule written for every spend, whose action its top
    spenders (the top M score, ``q``) do not get: :data:`TOP_SPENDER_ACTION` instead.

    Such a rule asks for a recency score of ``q // 2`` or lower (the customers are
    slipping away, as in :func:`lapsing_segments`) and allows both a spend score below the
    middle, ``q // 2`` or lower, and the top one. Its action must then be worth it for
    its low spenders (one message and stop, a small discount: "Lost" and "Hibernating"
    of ``ladder``), and would tell a customer whose past spend is among the highest to
    keep the cost of winning them back low. A rule that asks for high spend ("Can't Lose
    Them", M 4–5) writes its action for big spenders; one that is not for customers
    slipping away ("Loyal Customers") has no cheap win-back to give them. Read off the
    score ranges alone, so that every rule set, your own too, has it. Only the customers
    the rule actually takes get the other action: ``ladder``'s "At Risk" is such a rule,
    but "Can't Lose Them", before it, takes its top spenders first.

    Below four score levels the top spend score holds a third of the customers or more,
    who are not "the top spenders": no rule is such a rule then (False).

    Parameters
    ----------
    rule : SegmentRule
        One rule (its ranges checked, as :func:`resolve_rules` gives them).
    q : int
        The number of score levels the rules are applied with.

    Returns
    -------
    bool
    """
    if q < 4:
        return False
    spend = rule.m if rule.m is not None else (1, q)
    return _slipping_away(rule, q) and spend[0] <= q // 2 and spend[1] >= q


def claimed_order(rules: Any) -> list[str]:
    """The segment names of ``rules`` in the order of value they claim, best first.

    Built-in sets declare it (``RuleSet.order``: R ``rfm``'s rule order is a precedence,
    not a rank); for your own rules it is the rule order, so list them best first.
    Names that occur twice count once, at their first place.
    """
    ruleset = resolve_rules(rules)
    names = ruleset.names()
    if ruleset.order is None:
        return names
    return [n for n in ruleset.order if n in names] + [n for n in names if n not in ruleset.order]


def rules_on_scale(q: int) -> str:
    """Rules written for scores 1..q, as a message offers them: the built-in sets on that
    scale by name, or your own."""
    fits = [repr(name) for name, ruleset in SEGMENT_RULES.items() if ruleset.q == q]
    if not fits:
        return f"your own rules written for scores 1..{q}"
    names = fits[0] if len(fits) == 1 else f"{', '.join(fits[:-1])} or {fits[-1]}"
    return f"rules written for scores 1..{q} (rules={names})"


def check_scale(ruleset: RuleSet, q: int, *, rules: Any) -> None:
    """Refuse ``q`` score levels when ``ruleset`` is written for another number, in the
    words of a caller that takes both a ``q`` and a ``rules`` argument (``rules``, as
    given, names the set): pass the set's own ``q``, or rules written for ``q`` levels.

    Raises
    ------
    ValueError
        E.g. "rules='ladder' is written for scores 1..5 but q=4; pass q=5, or rules written
        for scores 1..4 (rules='codes')."
    """
    required = ruleset.q
    if required is None or required == q:
        return
    named = f"rules={rules!r}" if isinstance(rules, str) else "this rule set"
    raise ValueError(
        f"{named} is written for scores 1..{required} but q={q}; pass q={required}, or "
        f"{rules_on_scale(q)}."
    )


def _check_scale(scores: pd.DataFrame, required: int | None) -> int | None:
    """:func:`segment`'s check that ``scores`` are on the rule set's scale, its advice in
    the terms of :func:`rfm.rfm_scores` and :func:`segment`; returns the scale, the top
    score: the rule set's, else the one :func:`rfm.rfm_scores` recorded, else ``None``
    (unknown: the highest score present would make a customer's action depend on the
    other rows)."""
    declared = scores.attrs.get("rfm_q")
    top = int(max(scores[c].max() for c in SCORE_COLUMNS.values())) if len(scores) else 0
    if required is None:
        return int(declared) if declared is not None else None
    if (declared is not None and declared != required) or top > required:
        got = f"q={declared}" if declared is not None else f"scores up to {top}"
        raise ValueError(
            f"this rule set is written for scores 1..{required} but these scores have "
            f"{got}; compute them with rfm_scores(rfm, q={required}), or pass "
            f"{rules_on_scale(declared if declared is not None else top)}."
        )
    return required


def segment(scores: pd.DataFrame, rules: Any = "ladder") -> pd.DataFrame:
    """Name each customer's segment from its R/F/M scores; first matching rule wins.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm.rfm_scores` (columns ``r_score``, ``f_score``,
        ``m_score``); left unchanged.
    rules : str, list or RuleSet
        ``"ladder"`` (the default), ``"rfm"``, ``"customer-types"``, ``"codes"`` (see the
        module docstring) or your own
        ordered rules: ``[(name, {"r": (lo, hi), "f": (lo, hi), "m": (lo, hi)}, action),
        ...]`` with inclusive bounds; a dimension left out matches any score.

    Returns
    -------
    DataFrame
        Same index as ``scores``; ``segment`` (name, or ``"Others"``) and ``action``:
        the rule's, but :data:`TOP_SPENDER_ACTION` for a customer with the top M score
        whom a win-back rule written for every spend takes in
        (:func:`spend_blind_win_back`: "Lost" and "Hibernating" of ``ladder``); the
        segment stays the rule's.

    Raises
    ------
    TypeError, ValueError
        Missing score columns, non-integer or missing scores, malformed rules, or a
        built-in rule set used with scores on another scale (e.g. ``"codes"`` needs
        ``q=4``).
    """
    check_dataframe(scores, "scores", source="see rfm_scores")
    check_columns(scores, list(SCORE_COLUMNS.values()), what="scores")
    for col in SCORE_COLUMNS.values():
        if not pd.api.types.is_integer_dtype(scores[col].dtype):
            raise TypeError(
                f"scores column {col!r} must hold integer scores, got dtype "
                f"{scores[col].dtype}; compute scores with rfm_scores."
            )
    ruleset = resolve_rules(rules)
    top = _check_scale(scores, ruleset.q)
    values = {d: scores[c].to_numpy() for d, c in SCORE_COLUMNS.items()}
    n = len(scores)
    names = np.full(n, OTHERS, dtype=object)
    actions = np.full(n, ruleset.others_action, dtype=object)
    free = np.ones(n, dtype=bool)
    for rule in ruleset.rules:
        hit = free.copy()
        for d in DIMENSIONS:
            bounds = getattr(rule, d)
            if bounds is not None:
                hit &= (values[d] >= bounds[0]) & (values[d] <= bounds[1])
        names[hit] = rule.name
        actions[hit] = rule.action
        if top is not None and spend_blind_win_back(rule, top):  # its top spenders: an
            # action worth their spend (on a scale the scores state)
            actions[hit & (values["m"] == top)] = TOP_SPENDER_ACTION
        free &= ~hit
    return pd.DataFrame({"segment": names, "action": actions}, index=scores.index)
