"""Summary tables of a segmentation: per segment, and per R × F score cell.

:func:`segment_summary` is the table a marketing reader asks for first, as R's ``rfm``
package gives it with ``rfm_segment_summary``: customers and revenue per segment, here
with their shares of the whole customer base, the median customer of each segment, and
the segment's recommended action, in **value order**: by the median customer's spend,
then orders, then days since the last order (a reader scans a table top-down as best
first, whatever the segments are called).
:func:`rf_counts` counts the customers of every recency × frequency score pair (the grid
behind R ``rfm``'s ``rfm_heatmap``), and :func:`rf_mean_spend` their mean spend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns
from rfm._inputs import align_to_customers, check_same_customers
from rfm.segments import TOP_SPENDER_ACTION

__all__ = [
    "SUMMARY_COLUMNS",
    "rf_counts",
    "rf_mean_spend",
    "segment_persona_counts",
    "segment_summary",
]

#: the columns of :func:`segment_summary`, in order
SUMMARY_COLUMNS = [
    "customers", "share", "revenue", "revenue_share",
    "recency_median", "frequency_median", "monetary_median", "action",
]  # fmt: skip


def segment_summary(
    segments: pd.DataFrame, rfm: pd.DataFrame, *, monetary: str = "monetary"
) -> pd.DataFrame:
    """Customers, revenue, median customer and action of every segment, best value first.

    Parameters
    ----------
    segments : DataFrame
        :func:`rfm.segment`'s table: one row per customer with ``segment`` and ``action``.
    rfm : DataFrame
        :func:`rfm.rfm_table`'s table for the same customers (matched by index), with
        ``recency``, ``frequency`` and ``monetary``.
    monetary : str
        The spend column of ``rfm``.

    Returns
    -------
    DataFrame
        Indexed by segment (named ``segment``), in value order (module docstring; ties:
        the larger segment, then first appearance), columns ``customers``, ``share`` (of
        all customers), ``revenue`` (sum of ``monetary``), ``revenue_share`` (of all
        revenue; NaN when the total is 0), ``recency_median``, ``frequency_median``,
        ``monetary_median`` (the segment's median customer) and ``action`` (the
        segment's own: :data:`rfm.segments.TOP_SPENDER_ACTION`, which some of its top
        spenders get instead, only when all its customers do).

    Raises
    ------
    TypeError, ValueError
        Not DataFrames, a column missing, or tables that do not cover the same customers.

    Examples
    --------
    >>> import pandas as pd
    >>> seg = pd.DataFrame({"segment": ["A", "B", "A"], "action": ["keep", "win", "keep"]})
    >>> rfm = pd.DataFrame({"recency": [5, 90, 20], "frequency": [2, 1, 4],
    ...                     "monetary": [10.0, 30.0, 60.0]})
    >>> table = segment_summary(seg, rfm)
    >>> table[["customers", "revenue", "monetary_median"]].to_dict("index")["A"]
    {'customers': 2, 'revenue': 70.0, 'monetary_median': 35.0}
    >>> table.index.tolist()  # value order: A's median customer spends more
    ['A', 'B']
    """
    for what, frame in (("segments", segments), ("rfm", rfm)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{what} must be a DataFrame, got {type(frame).__name__}.")
    check_columns(segments, ["segment", "action"], what="segments")
    check_columns(rfm, ["recency", "frequency", monetary], what="rfm")
    check_same_customers(segments, rfm, ("segments", "rfm"))
    values = {
        name: align_to_customers(rfm[col], segments.index, name=col).to_numpy(np.float64)
        for name, col in (("recency", "recency"), ("frequency", "frequency"),
                          ("revenue", monetary))
    }  # fmt: skip
    # group integer codes (first appearance order), not the names: the names may be a
    # category or text column of millions of rows, which pandas would convert whole
    codes, names = pd.factorize(segments["segment"])  # -1: no name, left out as groupby does
    # each segment's action is that of its first customer whose action is given (as
    # groupby's "first"): the smallest such row number, NaN where none is given; the
    # action a rule gives its top spenders instead of its own (TOP_SPENDER_ACTION) only
    # where every customer of the segment has it
    given = segments["action"].notna().to_numpy()
    own = given & (segments["action"] != TOP_SPENDER_ACTION).to_numpy()
    rows = np.arange(len(codes), dtype=float)
    frame = pd.DataFrame({"code": codes, "own": np.where(own, rows, np.nan),
                          "given": np.where(given, rows, np.nan), **values})  # fmt: skip
    g = frame[codes >= 0].groupby("code", sort=False)
    first_given = g["own"].min().fillna(g["given"].min()).to_numpy()
    found = ~np.isnan(first_given)
    action = np.full(len(first_given), None, dtype=object)
    action[found] = segments["action"].iloc[first_given[found].astype(np.int64)].to_numpy(object)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["revenue"].sum(),
            "recency_median": g["recency"].median(),
            "frequency_median": g["frequency"].median(),
            "monetary_median": g["revenue"].median(),
            "action": action,
        }
    )
    out.index = pd.Index(np.asarray(names, dtype=object)[out.index.to_numpy()])
    out = out.sort_values(
        ["monetary_median", "frequency_median", "recency_median", "customers"],
        ascending=[False, False, True, False], kind="stable",
    )
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


def segment_persona_counts(
    segments: pd.Series,
    personas: pd.Series,
    monetary: pd.Series,
    *,
    segment_order: list[str],
    persona_order: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers and revenue of every segment (rows) in every persona (columns).

    Parameters
    ----------
    segments, personas, monetary : Series
        Segment name, persona name and spend of each customer, on the same customer index.
    segment_order, persona_order : list of str
        Row and column order (e.g. the rule set's order and the personas best first); a
        segment no customer is in is left out, every persona is kept.

    Returns
    -------
    counts, revenue : DataFrame
        ``counts[s][p]`` customers, ``revenue[s][p]`` their summed spend; 0 in empty cells.
    """
    frame = pd.DataFrame({  # category columns stay categories: no text per customer
        "segment": segments.array,
        "persona": align_to_customers(personas, segments.index, name="personas").array,
        "revenue": align_to_customers(monetary, segments.index, name="monetary").to_numpy(),
    })  # fmt: skip
    # one grouping gives both tables (and which segments occur), over the cells only
    cells = frame.groupby(["segment", "persona"], observed=True)["revenue"].agg(["size", "sum"])
    present = set(cells.index.get_level_values("segment"))
    rows = [name for name in segment_order if name in present]
    counts = cells["size"].unstack(fill_value=0).reindex(
        index=rows, columns=persona_order, fill_value=0
    )
    revenue = cells["sum"].unstack().reindex(index=rows, columns=persona_order).fillna(0.0)
    return counts, revenue
