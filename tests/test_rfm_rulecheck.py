"""rfm.check_rules against a brute-force walk over the score cells; rules files."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from rfm import SEGMENT_RULES, check_rules, segment
from rfm.io.rules_file import read_rules
from rfm.rulecheck import rule_problems
from rfm.segments import RULE_ALIASES


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
    cells = brute_force(rules, q)
    got = {tuple(c[:3]): c[3] for c in chk.coverage.values.tolist()}
    assert got == {cell: (claim[0] if claim else "Others") for cell, claim in cells.items()}
    assert sorted(map(tuple, chk.uncovered.values.tolist())) == sorted(
        cell for cell, claim in cells.items() if not claim
    )
    assert sorted(map(tuple, chk.overlaps[["r", "f", "m"]].values.tolist())) == sorted(
        cell for cell, claim in cells.items() if len(claim) >= 2
    )
    # the coverage is what segment() gives those cells
    scores = chk.coverage.rename(columns={"r": "r_score", "f": "f_score", "m": "m_score"})
    named = segment(scores.drop(columns="segment"), name)["segment"]
    assert (named == chk.coverage["segment"]).all()


def test_check_rules_errors_and_alias() -> None:
    with pytest.raises(ValueError, match="q=4"):
        check_rules("codes")  # written for quartiles
    with pytest.raises(ValueError, match="q must be"):
        check_rules(HAND, q=1)
    with pytest.raises(TypeError):
        check_rules([("x", {"r": "high"})])
    assert RULE_ALIASES["seed000"] == "customer-types"
    assert check_rules("seed000").coverage.equals(check_rules("customer-types").coverage)


def test_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text(
        "Segment,R,F,M,Action\nBest,5,4-5,4 - 5,Reward them\nSleeping,1-2,,any,Win back\n",
        encoding="utf-8",
    )
    rs = read_rules(path)
    assert [(r.name, r.r, r.f, r.m, r.action) for r in rs.rules] == [
        ("Best", (5, 5), (4, 5), (4, 5), "Reward them"),
        ("Sleeping", (1, 2), None, None, "Win back"),
    ]
    scores = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3], "m_score": [4, 5, 3]})
    assert segment(scores, rs)["segment"].tolist() == ["Best", "Sleeping", "Others"]
    bad = tmp_path / "bad.csv"
    bad.write_text("segment,r,f,m\nX,5-4,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="low > high"):
        read_rules(bad)
    bad.write_text("segment,r,f,m\nX,high,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a score range"):
        read_rules(bad)
    bad.write_text("segment,r,f\nX,1,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no column"):
        read_rules(bad)
