"""Quantile scores 1..q for recency, frequency and monetary, and the "545" code.

Two ways to cut a column into q score bins, because the usual pandas recipe and the R ``rfm``
package disagree on ties:

``ties="first"`` (the usual pandas recipe, for frequency and often for monetary)
    Rank the customers, ties broken by table order (``rank(method="first")``), then cut
    the ranks 1..n into q bins of (nearly) equal size — exactly
    ``pd.qcut(s.rank(method="first"), q, labels=False) + 1``. Every score gets n/q
    customers, but two customers with the same value can get different scores (with
    many one-order customers, some get F = 1 and others F = 2).

``ties="thresholds"`` (R ``rfm`` package 0.3.0)
    Cut points are the column's quantiles at 1/q, 2/q, … (R's default ``quantile``,
    type 7 = linear interpolation; computed exactly, see :func:`score_thresholds`),
    each shifted up by one unit:
    ``c_j = quantile(x, j/q) + 1``. Score ``i`` holds ``c_{i-1} <= x < c_i`` with
    ``c_0 = min(x)`` and ``c_q = max(x) + 1``. Equal values always share a score; bins can
    be empty (then a score is skipped) and sizes are unequal. For whole numbers (days,
    order counts) the +1 makes the bins ``(q_{i-1}, q_i]``, i.e. a customer exactly at a
    quantile stays in the lower bin; for money it is R's quirk and is kept for parity.

In both, recency is reversed: the fewest days since the last order get the top score q.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import is_integer
from rfm._inputs import check_rfm

__all__ = ["check_q", "check_ties", "quantile_cuts", "rfm_scores", "score_first",
           "score_thresholds", "threshold_cuts"]

TIES = ("first", "thresholds")


def check_q(q: Any) -> int:
    """``q`` as the number of score levels, an integer from 2 to 9 (one digit each in
    ``rfm_code``); ``ValueError`` naming ``q`` otherwise."""
    if not is_integer(q) or not 2 <= q <= 9:
        raise ValueError(f"q must be an integer from 2 to 9 score levels, got {q!r}.")
    return int(q)


def check_ties(ties: Any) -> str:
    """``ties`` as :func:`rfm_scores` takes it: ``"first"`` or ``"thresholds"``."""
    if not isinstance(ties, str) or ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, got {ties!r}.")
    return ties


def score_first(values: np.ndarray, q: int) -> np.ndarray:
    """Scores 1..q from ranks with ties broken by position, in equal-count bins.

    Ranks are 1..n in sorted order, equal values ranked by position (a stable sort);
    the ranks are then cut by ``pd.qcut`` itself, because its floating-point bin edges
    (e.g. 15.999… rather than 16 for n = 19, q = 6) decide a few boundary customers
    and the pandas recipe's scores are defined by them.
    """
    n = values.shape[0]
    rank = np.empty(n, dtype=np.float64)
    rank[np.argsort(values, kind="stable")] = np.arange(1, n + 1)
    return pd.qcut(rank, q, labels=False).astype(np.int64) + 1


def score_thresholds(values: np.ndarray, q: int) -> np.ndarray:
    """Scores 1..q with the R ``rfm`` package's shifted quantile cut points.

    The type-7 quantile at j/q sits at sorted position ``(n - 1) j / q``; with integer
    ``i, d = divmod((n - 1) j, q)`` it is ``(x_i (q - d) + x_{i+1} d) / q``. Written this
    way, integer data give exact cut points (R's ``x_i + h (x_{i+1} - x_i)`` with a
    floating ``h`` can land an ulp above, e.g. 4.000000000000004 instead of 4, and move
    a customer who sits exactly on a cut point into the lower score).
    """
    inner = threshold_cuts(values, q)
    # score k <=> c_{k-1} <= x < c_k: count the inner cut points at or below x
    return np.searchsorted(inner, values, side="right").astype(np.int64) + 1


def threshold_cuts(values: np.ndarray, q: int) -> np.ndarray:
    """The inner cut points ``c_1 … c_{q-1}`` of :func:`score_thresholds` (ascending):
    ``c_j = quantile(values, j/q) + 1``, exact for integer data (see there).

    A value's score is one more than the number of cut points at or below it, so the
    cut points alone score any value, including values the customers at hand do not
    have (a saved :class:`rfm.SegmentModel` keeps them).
    """
    return quantile_cuts(values, q) + 1.0


def quantile_cuts(values: np.ndarray, q: int) -> np.ndarray:
    """The type-7 quantiles of ``values`` at 1/q, …, (q−1)/q (R's default ``quantile``),
    exact for integer data: the cut points of :func:`threshold_cuts` before their +1."""
    x = np.sort(values)
    n = x.shape[0]
    i, d = np.divmod((n - 1) * np.arange(1, q), q)
    upper = np.minimum(i + 1, n - 1)
    return (x[i] * (q - d) + x[upper] * d) / q


def rfm_scores(
    rfm: pd.DataFrame,
    *,
    q: int = 5,
    ties: str = "thresholds",
    columns: tuple[str, str, str] = ("recency", "frequency", "monetary"),
) -> pd.DataFrame:
    """Add R, F and M scores (1..q, q best), the ``rfm_code`` and ``rfm_sum``.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm.rfm_table` (or any table with the three columns); left
        unchanged.
    q : int
        Number of score levels: 5 (quintiles, R ``rfm``'s default), 4 (quartiles), or any
        integer from 2 to 9 up to the number of customers.
    ties : {"thresholds", "first"}
        How equal values are treated; see the module docstring. ``"thresholds"`` (the
        default, as in :class:`rfm.Settings` and the ``rfmseg`` command) always gives
        equal values equal scores; ``"first"`` gives equal-size groups and can split
        equal values (the usual pandas recipe, for reproducing it).
    columns : tuple of str
        Names of the recency, frequency and monetary columns.

    Returns
    -------
    DataFrame
        A copy of ``rfm`` plus ``r_score``, ``f_score``, ``m_score`` (int64; recency
        reversed so the most recent customers score q), ``rfm_code`` (str, e.g. "545";
        digits joined, so only unambiguous for q ≤ 9) and ``rfm_sum`` (int). The score
        scale is recorded in ``attrs["rfm_q"]`` for :func:`rfm.segment`.

    Raises
    ------
    TypeError, ValueError
        Not a DataFrame, a missing column, non-numeric or missing values, a bad ``q`` or
        ``ties``, or fewer customers than score levels.
    """
    arrays = check_rfm(rfm, columns)
    check_q(q)
    check_ties(ties)
    if len(rfm) < q:
        raise ValueError(
            f"{len(rfm)} customer(s) cannot fill q={q} score levels; use a smaller q or "
            "more customers."
        )
    score = score_first if ties == "first" else score_thresholds
    out = rfm.copy()
    for values, name in zip(arrays, ("r_score", "f_score", "m_score"), strict=True):
        s = score(values, int(q))
        out[name] = (q + 1 - s) if name == "r_score" else s
    out["rfm_code"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    out["rfm_sum"] = out["r_score"] + out["f_score"] + out["m_score"]
    out.attrs["rfm_q"] = int(q)
    return out


