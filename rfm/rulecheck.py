"""Check a segment rule set on every score cell: coverage, overlaps, dead rules, gaps.

With q score levels there are q³ cells (R, F, M). :func:`check_rules` runs the rules on
every cell exactly as :func:`rfm.segment` does (first match wins) and reports what a
rule author needs to know before using them on customers:

* ``coverage``    the winning segment of each cell (``"Others"`` when none matches);
* ``overlaps``    the cells two or more rules claim (only the first one wins there);
* ``unreachable`` the rules that win no cell at all: empty ranges, ranges outside
  1..q, or rules completely shadowed by earlier ones;
* ``uncovered``   the cells no rule claims (their customers become ``"Others"``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import is_integer
from rfm.segments import DIMENSIONS, OTHERS, SCORE_COLUMNS, _resolve, segment

__all__ = ["RuleCheck", "check_rules", "rule_problems"]


class RuleCheck(NamedTuple):
    """Result of :func:`check_rules`."""

    coverage: pd.DataFrame
    overlaps: pd.DataFrame
    unreachable: list[str]
    uncovered: pd.DataFrame


def _cells(q: int) -> pd.DataFrame:
    r, f, m = np.meshgrid(*(np.arange(1, q + 1),) * 3, indexing="ij")
    return pd.DataFrame({"r": r.ravel(), "f": f.ravel(), "m": m.ravel()})


def check_rules(rules: Any = "rfm", *, q: int = 5) -> RuleCheck:
    """Run a rule set on all q³ score cells and report coverage, overlaps and gaps.

    Parameters
    ----------
    rules : str, list or RuleSet
        A built-in rule-set name or your own rules, in the same form as
        :func:`rfm.segment`.
    q : int
        Number of score levels (2..9). A built-in set written for another scale (e.g.
        ``"codes"``, q = 4) raises ValueError.

    Returns
    -------
    RuleCheck
        ``coverage``: DataFrame with one row per cell, columns ``r, f, m, segment``
        (R slowest, M fastest). ``overlaps``: the cells claimed by two or more rules,
        columns ``r, f, m, segments`` (the claiming rule names in rule order, first = the
        winner, joined by ", "). ``unreachable``: names of the rules that win no cell, in
        rule order. ``uncovered``: the cells no rule claims, columns ``r, f, m``.

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
    if not is_integer(q) or not 2 <= q <= 9:
        raise ValueError(f"q must be an integer from 2 to 9 score levels, got {q!r}.")
    ruleset = _resolve(rules)
    if ruleset.q is not None and ruleset.q != q:
        raise ValueError(
            f"this rule set is written for scores 1..{ruleset.q}; check it with q={ruleset.q}."
        )
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
    return RuleCheck(
        coverage=coverage.reset_index(drop=True),
        overlaps=overlaps.reset_index(drop=True),
        unreachable=unreachable,
        uncovered=uncovered.reset_index(drop=True),
    )


def rule_problems(check: RuleCheck) -> list[str]:
    """Plain sentences about the problems of a :class:`RuleCheck` (empty when none).

    Overlaps alone are not a problem (the first rule wins by design); unreachable rules
    and cells left to "Others" are.
    """
    out = []
    if check.unreachable:
        out.append(
            f"{len(check.unreachable)} rule(s) can never match a customer (empty, out of "
            f"range or hidden by earlier rules): {', '.join(check.unreachable)}"
        )
    if len(check.uncovered):
        total = len(check.coverage)
        out.append(
            f"{len(check.uncovered)} of {total} score cells match no rule; their customers "
            f"are labelled {OTHERS!r}"
        )
    return out
