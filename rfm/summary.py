"""Summary tables of a segmentation: per segment, and per R × F score cell.

:func:`segment_summary` is the table a marketing reader asks for first, as R's ``rfm``
package gives it with ``rfm_segment_summary``: customers and revenue per segment, here
with their shares of the whole customer base and the segment's recommended action.
:func:`rf_counts` counts the customers of every recency × frequency score pair (the grid
behind R ``rfm``'s ``rfm_heatmap``), and :func:`rf_mean_spend` their mean spend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._inputs import align_to_customers

__all__ = ["SUMMARY_COLUMNS", "rf_counts", "rf_mean_spend", "segment_summary"]

#: the columns of :func:`segment_summary`, in order
SUMMARY_COLUMNS = ["customers", "share", "revenue", "revenue_share", "action"]


def segment_summary(
    segments: pd.DataFrame, rfm: pd.DataFrame, *, monetary: str = "monetary"
) -> pd.DataFrame:
    """Customers, revenue and action of every segment, largest segment first.

    Parameters
    ----------
    segments : DataFrame
        :func:`rfm.segment`'s table: one row per customer with ``segment`` and ``action``.
    rfm : DataFrame
        :func:`rfm.rfm_table`'s table for the same customers (matched by index).
    monetary : str
        The spend column of ``rfm``.

    Returns
    -------
    DataFrame
        Indexed by segment (named ``segment``), sorted by customers (largest first; ties
        keep the order in which segments first appear), columns ``customers``,
        ``share`` (of all customers), ``revenue`` (sum of ``monetary``),
        ``revenue_share`` (of all revenue; NaN when the total is 0) and ``action``.

    Raises
    ------
    TypeError, ValueError
        Not DataFrames, a column missing, or tables that do not cover the same customers.

    Examples
    --------
    >>> import pandas as pd
    >>> seg = pd.DataFrame({"segment": ["A", "B", "A"], "action": ["keep", "win", "keep"]})
    >>> rfm = pd.DataFrame({"monetary": [10.0, 30.0, 60.0]})
    >>> segment_summary(seg, rfm)[["customers", "revenue"]].to_dict("index")
    {'A': {'customers': 2, 'revenue': 70.0}, 'B': {'customers': 1, 'revenue': 30.0}}
    """
    for what, frame in (("segments", segments), ("rfm", rfm)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{what} must be a DataFrame, got {type(frame).__name__}.")
    check_columns(segments, ["segment", "action"], what="segments")
    check_columns(rfm, [monetary], what="rfm")
    spend = align_to_customers(rfm[monetary], segments.index, name=monetary)
    g = pd.DataFrame(
        {
            "segment": segments["segment"].to_numpy(),
            "action": segments["action"].to_numpy(),
            "revenue": spend.to_numpy(dtype=np.float64),
        }
    ).groupby("segment", sort=False)
    out = pd.DataFrame(
        {"customers": g.size(), "revenue": g["revenue"].sum(), "action": g["action"].first()}
    ).sort_values("customers", ascending=False, kind="stable")
    total = out["revenue"].sum()
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    out.insert(3, "revenue_share", out["revenue"] / total if total != 0 else np.nan)
    out.index.name = "segment"
    return out[SUMMARY_COLUMNS]


def rf_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """Customers per R score (rows, ascending) and F score (columns, ascending).

    ``scores`` is :func:`rfm.rfm_scores`' table (``r_score``, ``f_score``); only score
    pairs that occur are shown, empty cells are 0.
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"scores must be a DataFrame, got {type(scores).__name__}.")
    check_columns(scores, ["r_score", "f_score"], what="scores")
    return pd.crosstab(scores["r_score"], scores["f_score"])


def rf_mean_spend(scores: pd.DataFrame, *, monetary: str = "monetary") -> pd.DataFrame:
    """Mean spend per R score (rows, ascending) and F score (columns, ascending).

    ``scores`` is :func:`rfm.rfm_scores`' table (``r_score``, ``f_score`` and the
    ``monetary`` column); the cells are those of :func:`rf_counts`, NaN where no
    customer has that score pair.
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"scores must be a DataFrame, got {type(scores).__name__}.")
    check_columns(scores, ["r_score", "f_score", monetary], what="scores")
    means = scores.pivot_table(
        index="r_score", columns="f_score", values=monetary, aggfunc="mean"
    )
    counts = rf_counts(scores)
    return means.reindex(index=counts.index, columns=counts.columns).astype(np.float64)
