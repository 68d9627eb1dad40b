"""The F test from sums of squares and one row of the ANOVA table: shared by the
in-memory :func:`validation.anova_table` and its Dask twin (neither imports the other's
module).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["FOnewayResult", "column_list", "f_test", "significance_stars", "table_row"]


class FOnewayResult(NamedTuple):
    """Result of :func:`f_oneway`."""

    statistic: float
    pvalue: float
    df_between: int
    df_within: int
    eta_squared: float


def f_test(ss_between: float, ss_within: float, n_total: int, n_groups: int,
           grand: float = 0.0) -> FOnewayResult:  # fmt: skip
    """F, p and eta² from the sums of squares (the end of :func:`f_oneway`).

    ``grand`` is the grand mean. A feature whose values are all equal is refused as such
    even when its group means came out some units in the last place apart (19.99 added
    n times and divided by n need not give back 19.99). Here ε is the machine epsilon of
    float64, ``np.finfo(np.float64).eps`` = 2^-52 ≈ 2.2e-16, the gap between 1 and the
    next float: each addition or division is off by at most ε/2 of its result, so
    errors grow with the number of operations and the size of the numbers. A sum of n
    values in any order is off by at most (n − 1) ε of the sum of their sizes, so for
    equal values each mean is within about n ε |grand| of the true value and a group
    mean's deviation from the grand mean within 2 n ε |grand|: a total sum of squares
    within ``n (2 n ε |grand|)²`` is rounding, not variation, and F of it would be noise.
    """
    df_between, df_within = n_groups - 1, n_total - n_groups
    ss_total = ss_between + ss_within
    if ss_total <= n_total * (2 * n_total * np.finfo(np.float64).eps * abs(grand)) ** 2:
        raise ValueError(
            "f_oneway: every value is identical, so there is no variance to split and F is "
            "0/0 (undefined). Drop this constant feature."
        )
    if ss_within == 0.0:
        warnings.warn(
            "f_oneway: every group is constant (no within-group variance) while the group "
            "means differ; F = inf and p = 0.",
            RuntimeWarning,
            stacklevel=3,
        )
        return FOnewayResult(np.inf, 0.0, df_between, df_within, 1.0)
    statistic = (ss_between / df_between) / (ss_within / df_within)
    # P(F > statistic) under F(df_between, df_within): the regularised incomplete beta
    # function I_x(df_within/2, df_between/2) at x = df_within / (df_within + df_between·F),
    # which scipy.special.fdtrc evaluates (scipy.stats.f.sf calls the same function; the
    # special module loads in a third of the time of scipy.stats)
    from scipy.special import fdtrc

    pvalue = float(fdtrc(df_between, df_within, statistic))
    return FOnewayResult(float(statistic), pvalue, df_between, df_within, ss_between / ss_total)


def significance_stars(p: float) -> str:
    """``***`` p < 0.001, ``**`` p < 0.01, ``*`` p < 0.05, else ``ns`` (the usual convention)."""
    if not np.isfinite(p):
        return "n/a"
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "ns"


def column_list(columns: Sequence[Hashable] | Hashable) -> list[Hashable]:
    cols = [columns] if isinstance(columns, (str, int)) or not isinstance(
        columns, Sequence
    ) else list(columns)
    if not cols:
        raise ValueError("columns is empty; name at least one feature to test.")
    return cols


def table_row(test: Callable[[], FOnewayResult], n_groups: int, n_values: int) -> dict:
    """One row of :func:`anova_table`; a constant feature gets NaN and ``"constant"``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = test()
        sig = significance_stars(r.pvalue)
    except ValueError as exc:
        if "identical" not in str(exc):
            raise
        r = FOnewayResult(np.nan, np.nan, n_groups - 1, n_values - n_groups, np.nan)
        sig = "constant"
    return {
        "F": r.statistic,
        "p_value": r.pvalue,
        "eta_squared": r.eta_squared,
        "df_between": r.df_between,
        "df_within": r.df_within,
        "significance": sig,
    }
