"""segment: rule sets against the reference table, hand-made score tables, user rules."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rfm.segments import SEGMENT_RULES, TOP_SPENDER_ACTION, segment, spend_blind_win_back

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / (
    "rfm_segment_rules.md"
)
# the R rfm table as printed in its README, used when the reference file is absent
R_TABLE = [
    ("Champions", (5, 5), (5, 5), (5, 5)),
    ("Potential Loyalist", (3, 5), (3, 5), (2, 5)),
    ("Loyal Customers", (2, 4), (2, 4), (2, 4)),
    ("Promising", (3, 4), (1, 3), (3, 5)),
    ("New Customers", (4, 5), (1, 3), (1, 5)),
    ("Can't Lose Them", (1, 2), (3, 4), (4, 5)),
    ("At Risk", (1, 2), (2, 5), (4, 5)),
    ("Need Attention", (1, 3), (3, 5), (3, 5)),
    ("About To Sleep", (2, 3), (1, 3), (1, 4)),
    ("Lost", (1, 1), (1, 5), (1, 5)),
]


def _reference_rules() -> list[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int]]]:
    """Parse the markdown table of the reference file (independent of our code)."""
    if not REFERENCE.exists():
        return R_TABLE
    rules = []
    for line in REFERENCE.read_text().splitlines():
        m = re.match(r"\|\s*([^|]+?)\s*\|\s*(\d)–(\d)\s*\|\s*(\d)–(\d)\s*\|\s*(\d)–(\d)\s*\|", line)
        if m:
            lo_hi = [int(v) for v in m.groups()[1:]]
            rules.append((m.group(1), *zip(lo_hi[::2], lo_hi[1::2], strict=True)))
    assert len(rules) == 10
    return rules


def _scores(codes: list[tuple[int, int, int]], q: int | None = 5) -> pd.DataFrame:
    df = pd.DataFrame(codes, columns=["r_score", "f_score", "m_score"]).astype(np.int64)
    if q is not None:
        df.attrs["rfm_q"] = q
    return df


def _brute(codes, rules) -> list[str]:
    out = []
    for r, f, m in codes:
        name = "Others"
        for rule_name, rr, ff, mm in rules:
            if rr[0] <= r <= rr[1] and ff[0] <= f <= ff[1] and mm[0] <= m <= mm[1]:
                name = rule_name
                break
        out.append(name)
    return out


def test_rfm_rules_match_reference_on_all_125_codes() -> None:
    codes = list(itertools.product(range(1, 6), repeat=3))
    scores = _scores(codes)
    before = scores.copy(deep=True)
    got = segment(scores, "rfm")
    assert list(got["segment"]) == _brute(codes, _reference_rules())
    assert got.index.equals(scores.index)
    assert got["segment"].notna().all() and got["action"].map(len).gt(0).all()
    pd.testing.assert_frame_equal(scores, before)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ((5, 5, 5), "Champions"), ((5, 3, 3), "Potential Loyalist"),
        ((2, 2, 2), "Loyal Customers"), ((3, 1, 3), "Promising"),
        ((5, 1, 1), "New Customers"), ((1, 3, 4), "Can't Lose Them"),
        ((1, 2, 5), "At Risk"), ((1, 5, 3), "Need Attention"),
        ((2, 1, 1), "About To Sleep"), ((1, 1, 1), "Lost"), ((2, 5, 2), "Others"),
    ],
)
def test_hand_made_codes_hit_each_rfm_rule(code: tuple[int, int, int], name: str) -> None:
    assert segment(_scores([code]), "rfm")["segment"].iloc[0] == name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ((5, 5, 5), "Super Customers"), ((3, 4, 5), "Loyal Customers"),
        ((4, 2, 1), "New Customers"), ((1, 1, 2), "Churned Customers"),
        ((5, 3, 4), "Potential Customers"), ((3, 3, 3), "Others"),
    ],
)
def test_customer_types_rules(code: tuple[int, int, int], name: str) -> None:
    got = segment(_scores([code]), "customer-types")
    assert got["segment"].iloc[0] == name
    if name == "Churned Customers":
        assert got["action"].iloc[0] == "Win-back campaigns with special discount coupons"


# seed 003's codes are written with 1 = best: our score = 5 - seed digit
@pytest.mark.parametrize(
    ("seed_code", "name"),
    [
        ("111", "Best Customers"), ("213", "Promising"), ("314", "Promising"),
        ("212", "Loyal Customers"), ("321", "Whales"), ("142", "Rookies"),
        ("443", "Slipping"), ("333", "Others"),
    ],
)
def test_codes_rules_convert_seed003_digits(seed_code: str, name: str) -> None:
    ours = tuple(5 - int(d) for d in seed_code)
    assert segment(_scores([ours], q=4), "codes")["segment"].iloc[0] == name


def test_every_customer_exactly_one_segment_in_every_rule_set() -> None:
    for name, ruleset in SEGMENT_RULES.items():
        q = ruleset.q
        codes = list(itertools.product(range(1, q + 1), repeat=3))
        got = segment(_scores(codes, q=q), name)
        assert len(got) == len(codes)
        known = {r.name for r in ruleset.rules} | {"Others"}
        assert set(got["segment"]) <= known
        # each rule is reachable by some code (first match wins)
        assert {r.name for r in ruleset.rules} <= set(got["segment"])


def test_user_rules_and_partial_ranges() -> None:
    rules = [
        ("VIP", {"r": (4, 5), "m": (5, 5)}, "call them"),
        ("Sleepers", {"r": (1, 2)}),
    ]
    got = segment(_scores([(5, 1, 5), (1, 5, 5), (3, 3, 3)]), rules)
    assert list(got["segment"]) == ["VIP", "Sleepers", "Others"]
    assert got["action"].iloc[0] == "call them"


def test_scale_mismatch_and_bad_rules() -> None:
    with pytest.raises(ValueError, match=r"^this rule set is written for scores 1\.\.4 but "
                       r"these scores have q=5; compute them with rfm_scores\(rfm, q=4\), or "
                       r"pass rules written for scores 1\.\.5 \(rules='ladder', 'rfm' or "
                       r"'customer-types'\)\.$"):  # fmt: skip
        segment(_scores([(1, 1, 1)], q=5), "codes")
    with pytest.raises(ValueError, match=r"scores up to 5.*q=4"):
        segment(_scores([(5, 5, 5)], q=None), "codes")  # inferred: scores up to 5
    with pytest.raises(ValueError, match="unknown rule set"):
        segment(_scores([(1, 1, 1)]), "nope")
    with pytest.raises(ValueError, match="unknown key"):
        segment(_scores([(1, 1, 1)]), [("x", {"z": (1, 2)}, "")])
    with pytest.raises(ValueError, match="low > high"):
        segment(_scores([(1, 1, 1)]), [("x", {"r": (3, 2)}, "")])
    with pytest.raises(TypeError, match="integer scores"):
        segment(_scores([(1, 1, 1)]).astype(float))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['m_score'\]"):
        segment(_scores([(1, 1, 1)]).drop(columns="m_score"))


#: ladder's cells, by hand from its table (module docstring of rfm.segments): the only
#: cells with the top spend score whose segment's action is a cheap win-back written
#: for every spend are Lost (R 1, F 1-2) and Hibernating (R 2, F 1-2) at M = 5
LADDER_TOP_SPENDERS = {(1, 1, 5): "Lost", (1, 2, 5): "Lost", (2, 1, 5): "Hibernating",
                       (2, 2, 5): "Hibernating"}  # fmt: skip


def test_ladders_lost_and_hibernating_top_spenders_get_a_win_back_worth_their_spend() -> None:
    """On all 125 ladder cells: a top spender of Lost or Hibernating keeps the segment but
    not its cheap action ("One win-back message; stop if they do not answer."); every
    other cell keeps its rule's action. The input is left as it was."""
    codes = list(itertools.product(range(1, 6), repeat=3))
    scores = _scores(codes)
    before = scores.copy()
    got = segment(scores, "ladder")
    pd.testing.assert_frame_equal(scores, before)
    own = {rule.name: rule.action for rule in SEGMENT_RULES["ladder"].rules}
    for code, name, action in zip(codes, got["segment"], got["action"], strict=True):
        if code in LADDER_TOP_SPENDERS:
            assert name == LADDER_TOP_SPENDERS[code]
            assert action == TOP_SPENDER_ACTION
            assert "stop if" not in action and "small discount" not in action
        else:
            assert action == own[name], (code, name, action)
    # the names stay the rule set's: the same as with no actions at all
    plain = [(n, {"r": r.r, "f": r.f, "m": r.m}) for n, r in
             ((r.name, r) for r in SEGMENT_RULES["ladder"].rules)]  # fmt: skip
    assert got["segment"].tolist() == segment(scores, plain)["segment"].tolist()


def test_the_rule_is_read_off_the_ranges_in_any_rule_set() -> None:
    """R rfm's Lost (R 1, any F and M) gives its one reachable top-spend cell, R 1 F 1 M 5
    (At Risk and Can't Lose Them take the others first), the action for top spenders;
    rules of one's own: a win-back rule for every spend does, one that asks for high spend
    or is not for customers slipping away does not; the scale is the rules' or the
    scores' own (q = 4 here: the top spend score is 4), never guessed from the rows."""
    codes = list(itertools.product(range(1, 6), repeat=3))
    got = segment(_scores(codes), "rfm")
    top = [c for c, a in zip(codes, got["action"], strict=True) if a == TOP_SPENDER_ACTION]
    assert top == [(1, 1, 5)]
    assert got["segment"].iloc[codes.index((1, 1, 5))] == "Lost"
    rules = [
        ("Fading big spenders", {"r": (1, 1), "m": (4, 4)}, "Call them"),
        ("Sleepers", {"r": (1, 1)}, "One e-mail, then stop"),
        ("Middle", {"r": (3, 3)}, "A reminder"),
        ("Recent", {"r": (4, 4)}, "Thank them"),
    ]
    small = [(1, 1, 4), (1, 2, 2), (3, 1, 4), (4, 1, 4)]
    got = segment(_scores(small, q=4), rules)
    assert got["action"].tolist() == ["Call them", "One e-mail, then stop", "A reminder",
                                      "Thank them"]  # fmt: skip
    rules[0] = ("Fading big spenders", {"r": (1, 1), "m": (4, 4), "f": (4, 4)}, "Call them")
    got = segment(_scores(small, q=4), rules)  # (1, 1, 4) now falls to "Sleepers"
    assert got["segment"].iloc[0] == "Sleepers" and got["action"].iloc[0] == TOP_SPENDER_ACTION
    # no scale stated (scores made by hand, a segments file read back): which score is
    # the top one is unknown, so no one is told they are a top spender, whatever the
    # other rows hold (the highest score present made the same customer a top spender
    # beside scores up to 4 and not beside a 5)
    for rows in (small, [*small, (4, 1, 5)]):
        got = segment(_scores(rows, q=None), rules)
        assert got["action"].iloc[0] == "One e-mail, then stop"
    # three score levels: the top spend score is a third of the customers, not the top
    got = segment(_scores([(1, 1, 3), (1, 2, 1)], q=3), rules[1:])
    assert got["action"].tolist() == ["One e-mail, then stop"] * 2


@pytest.mark.parametrize(("r", "m", "q", "expected"), [
    ((1, 2), None, 5, True),      # ladder's Lost and Hibernating: every spend
    ((1, 1), (1, 5), 5, True),    # R rfm's Lost
    ((1, 2), (4, 5), 5, False),   # asks for high spend: its action is for big spenders
    ((1, 2), (3, 5), 5, False),   # no spend score below the middle (5 // 2 = 2)
    ((1, 2), (1, 4), 5, False),   # never the top spend score
    ((3, 3), None, 5, False),     # the middle recency: not slipping away
    (None, None, 5, False),       # any recency
    ((1, 2), (2, 4), 4, True),    # q = 4: middle 2, top 4
    ((1, 3), None, 4, False),
    ((1, 1), None, 3, False),     # q = 3: the top spend score holds a third of customers
    ((1, 1), None, 2, False),
])  # fmt: skip
def test_spend_blind_win_back_by_hand(r, m, q, expected) -> None:
    from rfm.segments import SegmentRule

    assert spend_blind_win_back(SegmentRule("x", r, None, m, "a"), q) is expected
