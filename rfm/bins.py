"""Published score bins: the range of raw values behind every R, F and M score.

A score of "F = 2" means nothing to a reader until it says "2 orders". :func:`score_bins`
scores the customers with :func:`rfm.rfm_scores` and reports, for every score that some
customer earned, the inclusive range of the values that earned it (the smallest and
largest such value). With ``ties="thresholds"`` equal values share a score, so the
ranges never overlap; when a dimension cannot fill q levels (most customers bought once)
some scores stay empty and are simply absent — fewer levels, no invented distinctions.
With ``ties="first"`` neighbouring scores can share a boundary value.

:func:`bins_in_words` writes them as sentences for a report: "F = 1: 1 order;
F = 3: 2 orders; F = 4: 3–4 orders; F = 5: 5–209 orders".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rfm._inputs import RFM_COLUMNS
from rfm.labels import money as money_format
from rfm.scoring import rfm_scores

__all__ = ["bins_in_words", "score_bins"]

_SCORES = dict(zip(RFM_COLUMNS, ("r_score", "f_score", "m_score"), strict=True))
_LETTER = dict(zip(RFM_COLUMNS, "RFM", strict=True))


def score_bins(
    rfm: pd.DataFrame,
    *,
    q: int = 5,
    ties: str = "thresholds",
    columns: tuple[str, str, str] = RFM_COLUMNS,
) -> pd.DataFrame:
    """The inclusive range of raw values that earns each R, F and M score.

    Parameters
    ----------
    rfm : DataFrame
        An RFM table (:func:`rfm.rfm_table`); left unchanged.
    q, ties : int, str
        As in :func:`rfm.rfm_scores` (here the default is ``"thresholds"``: equal values
        share a score, the scoring the command line uses).
    columns : tuple of str
        Names of the recency, frequency and monetary columns.

    Returns
    -------
    DataFrame
        One row per dimension and occupied score, columns ``dimension`` ("recency",
        "frequency", "monetary"), ``score`` (int, q = best; recency reversed), ``low``,
        ``high`` (smallest and largest value with that score) and ``customers``. Rows are
        in dimension order, then by score; scores no customer earned are absent, and
        ``attrs["levels"]`` maps each dimension to its number of occupied scores.

    Raises
    ------
    TypeError, ValueError
        As :func:`rfm.rfm_scores`.

    Examples
    --------
    >>> t = pd.DataFrame({"recency": [1, 5, 9, 30], "frequency": [1, 1, 1, 4],
    ...                   "monetary": [10.0, 20.0, 30.0, 40.0]})
    >>> score_bins(t, q=2).query("dimension == 'frequency'")[["score", "low", "high"]].values
    array([[1., 1., 1.],
           [2., 4., 4.]])
    """
    scores = rfm_scores(rfm, q=q, ties=ties, columns=columns)
    parts = []
    for dim, col in zip(RFM_COLUMNS, columns, strict=True):
        g = scores.groupby(_SCORES[dim])[col]
        part = pd.DataFrame({"low": g.min(), "high": g.max(), "customers": g.size()})
        part.index.name = "score"
        parts.append(part.reset_index().assign(dimension=dim))
    out = pd.concat(parts, ignore_index=True)[["dimension", "score", "low", "high", "customers"]]
    out["score"] = out["score"].astype(np.int64)
    out.attrs["levels"] = out.groupby("dimension", sort=False).size().to_dict()
    out.attrs["q"] = int(q)
    return out


def _range(low: float, high: float, dim: str, money: str,
           frequency_unit: tuple[str, str] = ("order", "orders"), decimals: int = 2) -> str:
    if dim == "monetary":
        fmt = money_format(money, decimals)  # as every money figure reads: "−$3.00"
        return fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"
    unit = ("day", "days") if dim == "recency" else frequency_unit
    lo, hi = f"{low:,.0f}", f"{high:,.0f}"
    if lo == hi:
        return f"{lo} {unit[0] if lo == '1' else unit[1]}"
    return f"{lo}–{hi} {unit[1]}"


def bins_in_words(
    bins: pd.DataFrame, *, currency: str = "",
    frequency_unit: tuple[str, str] = ("order", "orders"), decimals: int = 2,
) -> dict[str, str]:
    """One sentence per dimension from :func:`score_bins`, e.g. ``"F = 1: 1 order; …"``.

    ``frequency_unit`` is what frequency counts, singular and plural (``("purchase day",
    "purchase days")`` for data without an invoice column); ``decimals`` those of the
    money (the report gives its own, :func:`rfm.labels.spend_decimals`).

    A dimension with fewer occupied scores than q ends with a note saying so (customers
    sharing values, the cut points' +1 on amounts in small units, or both, leave levels
    empty; the run's warnings say which where it matters). Recency
    is listed from the best score down (most recent first); frequency and monetary from
    score 1 up.
    """
    q = int(bins.attrs.get("q", bins["score"].max()))
    out = {}
    for dim in RFM_COLUMNS:
        part = bins[bins["dimension"] == dim].sort_values(
            "score", ascending=dim != "recency"
        )
        text = "; ".join(
            f"{_LETTER[dim]} = {s}: {_range(lo, hi, dim, currency, frequency_unit, decimals)}"
            for s, lo, hi in zip(part["score"], part["low"], part["high"], strict=True)
        )
        if 0 < len(part) < q:  # (why is not said: ties, or the +1 of the cut points, or both)
            text += f". Only {len(part)} of {q} levels have customers."
        out[dim] = text
    return out
