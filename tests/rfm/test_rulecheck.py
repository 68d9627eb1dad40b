"""rfm.check_rules against a brute-force walk over the score cells, and its name inversions
against medians worked out by hand."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from rfm import SEGMENT_RULES, check_rules
from rfm.rulecheck import name_inversions, rule_problems


def brute_force(rules: list[tuple[str, dict]], q: int) -> dict:
    """Winner, claimants of every cell by plain loops (no numpy)."""
    cells = {}
    for r, f, m in itertools.product(range(1, q + 1), repeat=3):
        score = {"r": r, "f": f, "m": m}
        claim = [
            name
            for name, ranges in rules
            if all(lo <= score[d] <= hi for d, (lo, hi) in ranges.items())
        ]
        cells[(r, f, m)] = claim
    return cells


def assert_matches_brute_force(chk, rules: list[tuple[str, dict]], q: int) -> None:
    """Every field of a RuleCheck against the plain-loop claims of every cell."""
    cells = brute_force(rules, q)
    got = {tuple(c[:3]): c[3] for c in chk.coverage.values.tolist()}
    assert got == {cell: (claim[0] if claim else "Others") for cell, claim in cells.items()}
    assert list(got) == sorted(cells)  # R slowest, M fastest
    assert [tuple(c) for c in chk.uncovered.values.tolist()] == sorted(
        cell for cell, claim in cells.items() if not claim
    )
    overlaps = {tuple(c[:3]): c[3] for c in chk.overlaps.values.tolist()}
    assert overlaps == {cell: ", ".join(claim) for cell, claim in cells.items() if len(claim) >= 2}
    winners = {claim[0] for claim in cells.values() if claim}
    assert chk.unreachable == [name for name, _ in rules if name not in winners]


HAND = [
    ("Top", {"r": (2, 2)}),
    ("Top and frequent", {"r": (2, 2), "f": (2, 2)}),  # shadowed by Top
    ("Bottom", {"r": (1, 1), "f": (1, 1), "m": (1, 1)}),
    ("Impossible", {"m": (3, 3)}),  # outside 1..2
]


def test_hand_made_rules_with_a_shadowed_rule_an_overlap_and_gaps() -> None:
    chk = check_rules(HAND, q=2)
    assert chk.unreachable == ["Top and frequent", "Impossible"]
    # overlaps: r=2, f=2, any m, claimed by Top and Top and frequent
    assert chk.overlaps[["r", "f", "m"]].values.tolist() == [[2, 2, 1], [2, 2, 2]]
    assert set(chk.overlaps["segments"]) == {"Top, Top and frequent"}
    # gaps: every r=1 cell but (1, 1, 1)
    assert chk.uncovered.values.tolist() == [[1, 1, 2], [1, 2, 1], [1, 2, 2]]
    expected = {
        (r, f, m): ("Top" if r == 2 else "Bottom" if (f, m) == (1, 1) else "Others")
        for r, f, m in itertools.product((1, 2), repeat=3)
    }
    got = {tuple(c[:3]): c[3] for c in chk.coverage.values.tolist()}
    assert got == expected
    problems = rule_problems(chk)
    assert len(problems) == 2
    assert "Top and frequent, Impossible" in problems[0]
    assert "3 of 8 score cells" in problems[1]


@pytest.mark.parametrize("name", list(SEGMENT_RULES))
def test_builtin_sets_have_no_unreachable_rule_and_match_brute_force(name: str) -> None:
    rs = SEGMENT_RULES[name]
    q = rs.q
    chk = check_rules(name, q=q)
    assert chk.unreachable == []
    assert len(chk.coverage) == q**3
    rules = [
        (r.name, {d: getattr(r, d) for d in "rfm" if getattr(r, d) is not None})
        for r in rs.rules
    ]
    assert_matches_brute_force(chk, rules, q)


def test_check_rules_errors() -> None:
    with pytest.raises(ValueError, match="q=4"):
        check_rules("codes")  # written for quartiles
    with pytest.raises(ValueError, match="q must be"):
        check_rules(HAND, q=1)
    with pytest.raises(ValueError, match="q must be"):
        check_rules(HAND, q=10)
    for q in (3, 5):  # a smaller or a larger scale: the message says which q to check with
        with pytest.raises(ValueError, match=rf"^rules=.codes. is written for scores 1\.\.4 but "
                           rf"q={q}; pass q=4, or "):
            check_rules("codes", q=q)
    with pytest.raises(TypeError):
        check_rules([("x", {"r": "high"})])
    with pytest.raises(ValueError, match="unknown rule set"):
        check_rules("no-such-set")


def test_a_rule_that_never_wins_is_found_when_some_cells_have_no_rule() -> None:
    # "Outside" (m = 3 on a 1..2 scale) comes first and claims nothing; "Top" claims r = 2
    # only, so the four r = 1 cells are claimed by no rule at all
    rules = [("Outside", {"m": (3, 3)}), ("Top", {"r": (2, 2)})]
    chk = check_rules(rules, q=2)
    assert chk.unreachable == ["Outside"]
    assert chk.uncovered.values.tolist() == [[1, 1, 1], [1, 1, 2], [1, 2, 1], [1, 2, 2]]
    assert len(chk.overlaps) == 0
    assert_matches_brute_force(chk, rules, 2)


@pytest.mark.parametrize("q", [2, 3, 9])
def test_random_rule_sets_match_brute_force(q: int) -> None:
    rng = random.Random(q)
    for _ in range(10):
        rules = []
        for i in range(rng.randint(1, 6)):
            ranges = {}
            for d in rng.sample("rfm", rng.randint(1, 3)):
                lo = rng.randint(1, q + 1)  # q + 1: a range outside the scale now and then
                ranges[d] = (lo, rng.randint(lo, q + 1))
            rules.append((f"rule {i}", ranges))
        assert_matches_brute_force(check_rules(rules, q=q), rules, q)


def test_name_inversions_on_hand_made_customers() -> None:
    """Three rules split nine customers by spend score alone (q = 3: spends of about 10,
    100 and 1,000, three customers each). Named best first: "Gold" takes the lowest
    spenders, "Silver" the middle, "Bronze" the highest. By hand, from the medians
    (recency, orders, spend):

    * Gold   (300, 1, 11) — worst on every count;
    * Silver (  5, 9, 101) — better than Gold on all three: an inversion;
    * Bronze (100, 3, 1001) — better than Gold on all three: an inversion; against
      Silver it spends more but is less recent and orders less: not one.
    """
    rules = [("Gold", {"m": (1, 1)}), ("Silver", {"m": (2, 2)}), ("Bronze", {"m": (3, 3)})]
    rfm = pd.DataFrame(
        {"recency": [290, 300, 310, 4, 5, 6, 90, 100, 110],
         "frequency": [1, 1, 2, 8, 9, 10, 2, 3, 4],
         "monetary": [10.0, 11.0, 12.0, 100.0, 101.0, 102.0, 1000.0, 1001.0, 1002.0]},
        index=[f"c{i}" for i in range(9)],
    )  # fmt: skip
    inv = check_rules(rules, q=3, rfm=rfm).inversions
    got = inv[["named_above", "named_below", "customers_above", "customers_below",
               "recency_above", "recency_below", "frequency_above", "frequency_below",
               "monetary_above", "monetary_below"]].values.tolist()  # fmt: skip
    assert got == [
        ["Gold", "Silver", 3, 3, 300.0, 5.0, 1.0, 9.0, 11.0, 101.0],
        ["Gold", "Bronze", 3, 3, 300.0, 100.0, 1.0, 3.0, 11.0, 1001.0],
    ]
    problems = rule_problems(check_rules(rules, q=3, rfm=rfm))
    assert problems[-2].startswith("“Gold” is named above “Silver”, but the Silver")
    # named in value order, the same customers show no inversion
    in_order = [("Silver", {"m": (2, 2)}), ("Bronze", {"m": (3, 3)}), ("Gold", {"m": (1, 1)})]
    assert len(check_rules(in_order, q=3, rfm=rfm).inversions) == 0
    # without customers there is nothing to check
    assert check_rules(rules, q=3).inversions is None


def test_an_equal_median_counts_as_no_worse_but_not_as_better() -> None:
    """By the definition (B no worse on all three medians, strictly better on one), with
    segments given by hand and medians (recency, orders, spend) worked out here:

    * Gold   (310, 2, 11);
    * Silver (  6, 2, 101) — the same median orders as Gold, better recency and spend:
      an inversion (an equal median is "no worse");
    * Bronze (310, 2, 11) — equal to Gold on all three: none better, not an inversion;
      worse than Silver on two: not one either.
    """
    rules = [("Gold", {"m": (3, 3)}), ("Silver", {"m": (2, 2)}), ("Bronze", {"m": (1, 1)})]
    segments = pd.DataFrame({"segment": ["Gold"] * 3 + ["Silver"] * 3 + ["Bronze"] * 3},
                            index=[f"c{i}" for i in range(9)])  # fmt: skip
    rfm = pd.DataFrame(
        {"recency": [300, 310, 320, 5, 6, 7, 320, 310, 300],
         "frequency": [2, 2, 2, 1, 2, 3, 2, 2, 2],
         "monetary": [10.0, 11.0, 12.0, 100.0, 101.0, 102.0, 12.0, 11.0, 10.0]},
        index=segments.index,
    )  # fmt: skip
    inv = name_inversions(segments, rfm, rules)
    assert inv[["named_above", "named_below", "frequency_above", "frequency_below",
                "recency_above", "recency_below", "monetary_above",
                "monetary_below"]].values.tolist() == [
        ["Gold", "Silver", 2.0, 2.0, 310.0, 6.0, 11.0, 101.0]]  # fmt: skip


def test_the_unreachable_rules_are_counted_in_words() -> None:
    from rfm.rulecheck import rule_problems

    one = rule_problems(check_rules([("Outside", {"m": (3, 3)}), ("Top", {"r": (2, 2)})], q=2))
    assert one[0] == ("1 rule can never match a customer (empty, out of range or hidden by "
                      "earlier rules): Outside")  # fmt: skip
    two = rule_problems(check_rules(HAND, q=2))
    assert two[0].startswith("2 rules can never match a customer") and two[0].endswith(
        ": Top and frequent, Impossible")


def test_a_segment_named_new_whose_customers_first_bought_long_ago_is_said_not_new() -> None:
    """Six customers written out: those counted recent (R 4-5 of 5) last bought 10, 20 and
    30 days ago. "New Customers" c and d first bought 400 and 500 days ago (median 450, past
    the 30 days): said not new. A segment whose median first order is 30 days ago or less
    is not mentioned, nor is a segment without "New" in its name."""
    import pandas as pd

    from rfm.rulecheck import not_new_sentences

    ids = pd.Index(list("abcdef"), name="customer")
    segments = pd.DataFrame({"segment": ["Champions", "Champions", "New Customers",
                                         "New Customers", "Lost", "Lost"]}, index=ids)
    rfm = pd.DataFrame({"recency": [10, 20, 30, 25, 300, 400],
                        "tenure_days": [900, 800, 400, 500, 700, 1000]}, index=ids)
    r = [5, 5, 4, 4, 1, 1]
    assert not_new_sentences(segments, rfm, r, q=5) == [
        "\u201cNew Customers\u201d are not new: their first purchase was a median of 450 "
        "days ago, longer ago than the last purchase of any customer counted recent (30 days "
        "at most). The name follows their scores, not when they first bought"]
    newer = rfm.assign(tenure_days=[900, 800, 30, 28, 700, 1000])
    assert not_new_sentences(segments, newer, r, q=5) == []
    renamed = segments.replace({"New Customers": "Promising"})
    assert not_new_sentences(renamed, rfm, r, q=5) == []


def test_recent_is_said_to_be_relative_when_it_reaches_past_three_gaps() -> None:
    """Five customers written out. Repeat customers' days from first to last order over
    (orders - 1): 400 / 4 = 100, 100 / 2 = 50, 100 / 1 = 100: median 100 days. Counted
    recent (R 4-5): last orders up to 200 days ago (2 gaps: nothing said), then up to
    350 (3.5 gaps: said)."""
    import pandas as pd

    from rfm.rulecheck import recent_is_relative

    rfm = pd.DataFrame({"recency": [10, 20, 200, 300, 500], "frequency": [5, 3, 1, 2, 1],
                        "tenure_days": [410, 120, 200, 400, 500]})  # fmt: skip
    r = [5, 5, 4, 2, 1]
    assert recent_is_relative(rfm, r, q=5) == []
    far = rfm.assign(recency=[10, 20, 350, 300, 500], tenure_days=[410, 120, 350, 400, 500])
    assert recent_is_relative(far, r, q=5) == [
        "\u201cRecent\u201d reaches far back on these data: customers with one of the two top "
        "recency scores last bought up to 350 days ago, 3.5 times a repeat customer's median "
        "time between purchases (100 days). Segment and persona names compare customers with "
        "each other; check the days since the last purchase before acting on a name that "
        "says recent, active or loyal"]
    assert recent_is_relative(far.assign(frequency=1), r, q=5) == []  # no repeat customer
    # two customers who placed two orders on the day they first bought (first and last
    # order the same day: span 0) tell no time between purchases: the median stays 100
    # days; counted, the gaps 0, 0, 50, 100, 100 would give a median of 50
    same_day = pd.concat([far, pd.DataFrame({"recency": [30, 40], "frequency": [2, 2],
                                             "tenure_days": [30, 40]})], ignore_index=True)
    assert recent_is_relative(same_day, [*r, 5, 5], q=5) == recent_is_relative(far, r, q=5)


@pytest.mark.parametrize(("days", "said"), [
    (1, "1 day"), (431, "431 days"), (82.5, "82 days"), (0.4, "0.4 days"), (1.5, "1.5 days"),
    (2.0, "2 days"), (0.96, "1 day"), (1.04, "1 day"), (9.96, "10 days"), (0.04, "0 days"),
])  # fmt: skip
def test_days_in_the_name_checks_read_as_words(days, said) -> None:
    from rfm.rulecheck import _days

    assert _days(days) == said


def test_a_dimension_every_customer_shares_is_said_with_its_value() -> None:
    """Four customers written out, scaled as the pipeline scales them (log1p, then the
    range): nothing said when every dimension varies; each shared dimension named with
    its value, the others named as what the clusters rest on; values that log1p merges
    are "nearly the same"; orders are purchase days without an invoice column."""
    import warnings

    import numpy as np

    from kmeans_np import ConstantColumnWarning
    from rfm.clustering import scaled_features
    from rfm.rulecheck import same_for_everyone

    def said(rfm, orders="orders"):
        with warnings.catch_warnings():  # the scaler's own warning: see test_scaling
            warnings.simplefilter("ignore", ConstantColumnWarning)
            X, _ = scaled_features(rfm, "log-minmax")
        return same_for_everyone(rfm, X, orders)

    rfm = pd.DataFrame({"recency": [3, 30, 90, 300], "frequency": [1, 2, 5, 9],
                        "monetary": [20.0, 35.5, 120.0, 900.0]})  # fmt: skip
    assert said(rfm) == []
    assert said(rfm.assign(frequency=1)) == [
        "Every customer has 1 order, so the number of orders cannot tell customers apart: "
        "the clusters and their names rest on the days since the last purchase and the "
        "spend alone"]
    assert said(rfm.assign(frequency=2), "purchase days") == [
        "Every customer has 2 purchase days, so the number of purchase days cannot tell "
        "customers apart: the clusters and their names rest on the days since the last "
        "purchase and the spend alone"]
    assert said(rfm.assign(recency=45, monetary=19.99)) == [
        "Every customer last bought 45 days ago and spent the same amount, so the days "
        "since the last purchase and the spend cannot tell customers apart: the clusters "
        "and their names rest on the number of orders alone"]
    assert said(rfm.assign(recency=1, frequency=1, monetary=5.0)) == [
        "Every customer last bought 1 day ago, has 1 order and spent the same amount, so "
        "nothing tells the customers apart: the clusters and their names mean nothing on "
        "these data"]
    merged = rfm.assign(monetary=[1e20, 1e20 + 2**14, 1e20, 1e20])  # one log1p value
    assert np.log1p(merged["monetary"]).nunique() == 1 < merged["monetary"].nunique()
    assert said(merged)[0].startswith("Every customer spent nearly the same amount, so the "
                                      "spend cannot tell customers apart")


def test_lapsing_is_said_to_reach_recent_buyers_below_a_third_of_a_gap() -> None:
    """Six customers written out. Repeat customers' days from first to last order over
    (orders - 1): 400 / 4 = 100, 300 / 2 = 150, 300 / 1 = 300: median 150 days. The
    segments for customers slipping away are those whose every rule asks for a recency
    score below the middle, 2 or lower (q = 5): "Fading" (R 1-2) and "Gone" (R 1-1);
    "Middle" (R 3) is not one, nor "Mixed", which also has a rule for R 4-5. "Fading"'s
    most recent customer bought 60 days ago (0.4 gaps: nothing said), then 40 (0.27
    gaps: said), "Gone"'s 45 (0.3); customers of "Middle" and "Mixed" never count."""
    from rfm.rulecheck import lapsing_is_relative
    from rfm.segments import RuleSet, SegmentRule

    rules = RuleSet((SegmentRule("Best", r=(4, 5)), SegmentRule("Mixed", r=(4, 5), f=(5, 5)),
                     SegmentRule("Middle", r=(3, 3)), SegmentRule("Fading", r=(1, 2)),
                     SegmentRule("Mixed", r=(1, 2), f=(1, 1)), SegmentRule("Gone", r=(1, 1))),
                    q=5)  # fmt: skip
    segs = pd.DataFrame({"segment": ["Best", "Mixed", "Fading", "Fading", "Gone", "Middle"]})
    rfm = pd.DataFrame({"recency": [10, 20, 60, 300, 500, 5], "frequency": [5, 3, 1, 2, 1, 1],
                        "tenure_days": [410, 320, 60, 600, 500, 5]})  # fmt: skip
    assert lapsing_is_relative(rfm, segs, rules, q=5) == []
    early = rfm.assign(recency=[10, 20, 40, 300, 45, 5], tenure_days=[410, 320, 40, 600, 45, 5])
    assert lapsing_is_relative(early, segs, rules, q=5) == [
        "Names and actions for customers slipping away reach recent buyers on these data: "
        "the most recent customers of \u201cFading\u201d and \u201cGone\u201d last bought "
        "only 40 days and 45 days ago, 0.27 and 0.30 times a repeat customer's median time "
        "between purchases (150 days). Segment names compare customers with each other; "
        "check the days since the last purchase before a win-back campaign"]
    only = early.assign(recency=[10, 20, 40, 300, 500, 5])
    assert lapsing_is_relative(only, segs, rules, q=5)[0].startswith(
        "Names and actions for customers slipping away reach recent buyers on these data: "
        "the most recent customer of \u201cFading\u201d last bought only 40 days ago, 0.27 "
        "times")
    assert lapsing_is_relative(early.assign(frequency=1), segs, rules, q=5) == []
    assert lapsing_is_relative(early, segs.replace("Fading", "Middle").replace("Gone", "Mixed"),
                               rules, q=5) == []  # fmt: skip


def test_spend_scores_pushed_down_counts_customers_inside_a_plus_one_gap() -> None:
    """Ten spends written out, q = 5: R's type-7 quantiles of 1..10 are 2.8, 4.6, 6.4 and
    8.2, so the +1 of the cut points lowers 3, 5, 7 and 9 (inside 2.8–3.8, 4.6–5.6, …):
    4 of 10. Spends in hundreds: nobody inside a gap. One price for everyone, 19.99: all
    at the quantiles, none inside. Equal-size groups ("first"): no cut points."""
    from rfm.rulecheck import spend_scores_pushed_down

    small = np.arange(1.0, 11.0)
    assert spend_scores_pushed_down(small, 5, "thresholds") == [
        "Spend scores are pushed down on these amounts: each cut point between two spend "
        "scores is a quantile of the customers' spend plus 1, which is large next to a "
        "median spend of 5.50, so 4 of 10 customers (40%) get a lower spend score than the "
        "quantiles alone would give them. Equal-size score groups (ties \u201cfirst\u201d) "
        "avoid this"]
    assert spend_scores_pushed_down(small * 100, 5, "thresholds") == []
    assert spend_scores_pushed_down(np.full(300, 19.99), 5, "thresholds") == []
    assert spend_scores_pushed_down(small, 5, "first") == []
    one = spend_scores_pushed_down(np.r_[np.arange(10.0, 91.0, 10.0), 1300.5], 5,
                                   "thresholds")  # fmt: skip
    assert one == []  # 10, 20, …: the quantiles 28, 46, 64, 82 leave no one inside
