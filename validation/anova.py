"""One-way ANOVA per feature across clusters (which feature drives the split).

For g groups with n_j values, means m_j, grand mean m and N values in all:

    SS_between = sum_j n_j (m_j - m)^2            df_between = g - 1
    SS_within  = sum_j sum_i (x_ij - m_j)^2        df_within  = N - g
    F = (SS_between / df_between) / (SS_within / df_within)

Under H0 (all group means equal, normal errors with a common variance) F follows the
F(df_between, df_within) distribution; the p-value is its survival function at F. The
effect size eta² = SS_between / SS_total is the share of the feature's variance that the
clusters explain — unlike F and p it does not grow with N, so it says *how much* a
feature separates the clusters, not merely *whether* it does.

Caveat for clusters: K-means chose the groups to make the means differ, so these p-values
are not a test of a hypothesis fixed in advance; read F and eta² as descriptive.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_array, check_columns, check_dataframe
from kmeans_np.dask_detect import is_dask_collection
from validation._anova_core import (
    FOnewayResult,
    column_list,
    f_test,
    significance_stars,
    table_row,
)
from validation.labels import EncodedLabels, encode_labels, labels_by_row

# scipy is imported inside the function that uses it (the F distribution's tail, from
# scipy.special: 0.15 s to load, where scipy.stats takes 0.46 s), so that `import
# validation` (and so `import rfm`) pays for neither.

__all__ = ["FOnewayResult", "anova_table", "f_oneway", "significance_stars"]


def f_oneway(*groups: Any) -> FOnewayResult:
    """One-way ANOVA F-test that the groups share one mean.

    Parameters
    ----------
    *groups : array-like, 1-D
        Two or more samples (sizes may differ); at least one value each and more values in
        total than groups.

    Returns
    -------
    FOnewayResult
        ``statistic`` (F), ``pvalue``, ``df_between`` = g - 1, ``df_within`` = N - g and
        ``eta_squared`` = SS_between / SS_total.

    Raises
    ------
    ValueError
        Fewer than two groups, an empty group, no within-group degrees of freedom, or every
        value identical (F would be 0/0).

    Notes
    -----
    If every group is constant but the groups differ (SS_within = 0 < SS_between), F is
    +inf and p = 0 — the limit of F as the within-group spread vanishes — and a
    ``RuntimeWarning`` says so.

    Examples
    --------
    >>> r = f_oneway([1, 2, 3], [4, 5, 6])
    >>> float(r.statistic), int(r.df_between), int(r.df_within), float(r.eta_squared)
    (13.5, 1, 4, 0.7714285714285715)
    """
    arrays = [
        check_array(g, name=f"group {j}", ensure_2d=False) for j, g in enumerate(groups)
    ]
    return _f_oneway(arrays)


def _f_oneway(arrays: Sequence[np.ndarray]) -> FOnewayResult:
    """:func:`f_oneway` of checked groups (finite 1-D float64, non-empty)."""
    if len(arrays) < 2:
        raise ValueError(f"f_oneway needs at least 2 groups, got {len(arrays)}.")
    sizes = np.array([a.shape[0] for a in arrays])
    n_total, n_groups = int(sizes.sum()), len(arrays)
    if n_total - n_groups < 1:
        raise ValueError(
            f"f_oneway needs more values ({n_total}) than groups ({n_groups}) to estimate the "
            "within-group variance; add data or merge groups."
        )
    means = np.array([a.mean() for a in arrays])
    grand = float(np.concatenate(arrays).mean())
    ss_between = float(np.sum(sizes * (means - grand) ** 2))
    ss_within = float(sum(np.sum((a - m) ** 2) for a, m in zip(arrays, means, strict=True)))
    return f_test(ss_between, ss_within, n_total, n_groups, grand)


def _grouping(df: pd.DataFrame, by: Any) -> np.ndarray:
    """The group label of each row of ``df``: a column of it, a Series aligned on its index,
    or any 1-D array-like taken in row order."""
    if isinstance(by, pd.Series):
        return labels_by_row(by, df, name="by", against="df").to_numpy()
    if isinstance(by, (pd.Index, np.ndarray, list)):
        return np.asarray(by)
    if isinstance(by, Hashable) and by in df.columns:
        return df[by].to_numpy()
    raise ValueError(
        f"by={by!r} is neither a column of df nor one label per row; columns found: "
        f"{[str(c) for c in df.columns]}."
    )


def anova_table(df: pd.DataFrame, columns: Sequence[Hashable] | Hashable, by: Any) -> pd.DataFrame:
    """One-way ANOVA of each feature across the groups in ``by``.

    Parameters
    ----------
    df : DataFrame
        The data, e.g. the RFM table.
    columns : column name or list of names
        Numeric features to test.
    by : column name, Series or array-like
        The grouping, e.g. cluster labels: a column of ``df``, a Series aligned on
        ``df``'s index, or one label per row in row order.

    Returns
    -------
    DataFrame
        Indexed by feature, columns ``F, p_value, eta_squared, df_between, df_within,
        significance``, in the order given. ``df`` may be a Dask DataFrame (``by`` then a
        column of it, or a Dask array with one label per row): the group sums are taken
        partition by partition and added in partition order. A feature that is constant
        overall gets NaN statistics and significance ``"constant"`` (it cannot separate
        anything), rather than failing the whole table.
    """
    if is_dask_collection(df):
        from validation._dask import anova_table_dask

        return anova_table_dask(df, columns, by)
    check_dataframe(df, "df")
    cols = column_list(columns)
    check_columns(df, cols, what="df")
    enc = encode_labels(_grouping(df, by), len(df), name="by")
    columns_values = [
        check_array(df[col], name=f"column {col!r}", ensure_2d=False) for col in cols
    ]
    return _anova_table(cols, columns_values, enc)


def _anova_table(
    cols: Sequence[Hashable], columns_values: Sequence[np.ndarray], enc: EncodedLabels
) -> pd.DataFrame:
    """:func:`anova_table` of checked columns (finite 1-D float64) and encoded groups."""
    by_group = np.argsort(enc.codes, kind="stable")  # rows of group 0, then group 1, ...
    group_ends = np.cumsum(enc.counts)[:-1]
    rows = []
    for values in columns_values:
        groups = np.split(values[by_group], group_ends)
        rows.append(table_row(lambda g=groups: _f_oneway(g), len(groups), len(values)))
    return pd.DataFrame(rows, index=pd.Index(list(cols), name="feature"))


