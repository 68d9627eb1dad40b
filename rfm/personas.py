"""Readable persona names for clusters, from their profile.

:func:`name_personas` places each cluster on a 3 × 3 grid using two numbers from
:func:`rfm.profile`, both percentile scores in (0, 1] where 0.5 is the average customer:

* **recency** ``r`` = ``r_pct`` (how recently its customers bought, high = recent);
* **value** ``v`` = mean of ``f_pct`` and ``m_pct`` (how often and how much they buy).

Each axis is cut at ``low`` (default 0.4) and ``high`` (default 0.6): below ``low`` is
*low*, from ``high`` up is *high*, in between *mid*. The grid cell gives the name:

================  ======================  =================  ================
value \\ recency   high (recent)           mid                low (lapsed)
================  ======================  =================  ================
high               Champions               Loyal              At Risk
mid                Potential Loyalists     Need Attention     Hibernating
low                New Customers           About To Sleep     Lost
================  ======================  =================  ================

The names follow the R ``rfm`` package's segments and seed 002's personas: *At Risk* are
customers who used to buy much and often but have gone quiet (the ones to win back first),
*New Customers* bought recently but only once or twice, *Lost* neither bought recently nor
much.

Names are unique per cluster: when several clusters fall into the same cell, the best of
them (by ``score``, then revenue) keeps the plain name and the others get "2", "3", … in
that order ("Champions", "Champions 2"). Every name has a recommended action in
:data:`PERSONA_ACTIONS` (seed 002 step 5, seed 000's marketing strategies).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_np._checks import check_columns

__all__ = ["PERSONA_ACTIONS", "PERSONA_GRID", "name_personas", "persona_action"]

#: value level → recency level → name (see the module docstring)
PERSONA_GRID: dict[str, dict[str, str]] = {
    "high": {"high": "Champions", "mid": "Loyal", "low": "At Risk"},
    "mid": {"high": "Potential Loyalists", "mid": "Need Attention", "low": "Hibernating"},
    "low": {"high": "New Customers", "mid": "About To Sleep", "low": "Lost"},
}

PERSONA_ACTIONS: dict[str, str] = {
    "Champions": "Reward them: VIP tier, early access to new products, no discounts needed.",
    "Loyal": "Cross-sell complementary categories; invite to loyalty and referral programmes.",
    "At Risk": "Win back now: personal outreach and a time-limited offer on past favourites.",
    "Potential Loyalists": "Nurture: membership points, bundles and recommendations.",
    "Need Attention": "Re-engage with limited-time offers based on purchase history.",
    "Hibernating": "Reactivate with a strong incentive; suppress if campaign ROI is too low.",
    "New Customers": "Onboard: welcome series and an incentive for the second order.",
    "About To Sleep": "Remind before they lapse: popular products and a small discount.",
    "Lost": "Low-cost reactivation only (one last email); otherwise leave them out.",
}


def persona_action(name: str) -> str:
    """Recommended action for a persona name (numbered duplicates share the base action)."""
    base = name.rsplit(" ", 1)[0] if name.rsplit(" ", 1)[-1].isdigit() else name
    return PERSONA_ACTIONS.get(base, "")


def _level(x: float, low: float, high: float) -> str:
    if x >= high:
        return "high"
    if x < low:
        return "low"
    return "mid"


def name_personas(profile: pd.DataFrame, *, low: float = 0.4, high: float = 0.6) -> pd.Series:
    """Give each cluster of a profile a readable, unique persona name.

    Parameters
    ----------
    profile : DataFrame
        Output of :func:`rfm.profile` (one row per cluster, needs ``r_pct``, ``f_pct``,
        ``m_pct``; ``score`` and ``revenue`` break ties between clusters in one cell).
    low, high : float
        Cut points of the percentile axes, ``0 < low <= high < 1``.

    Returns
    -------
    Series
        Cluster id → persona name (named ``persona``), in the profile's row order.

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"r_pct": [0.8, 0.2], "f_pct": [0.9, 0.3], "m_pct": [0.85, 0.2]},
    ...                     index=pd.Index([3, 1], name="cluster"))
    >>> name_personas(prof).tolist()
    ['Champions', 'Lost']
    """
    if not isinstance(profile, pd.DataFrame):
        raise TypeError(f"profile must be a DataFrame (see rfm.profile), got {type(profile)}.")
    check_columns(profile, ["r_pct", "f_pct", "m_pct"], what="profile")
    if len(profile) == 0:
        raise ValueError("profile is empty (no clusters).")
    if not (0 < low <= high < 1):
        raise ValueError(f"need 0 < low <= high < 1, got low={low}, high={high}.")
    if profile.index.has_duplicates:
        raise ValueError("profile has duplicate cluster ids in its index.")
    pct = profile[["r_pct", "f_pct", "m_pct"]].astype(np.float64)
    if not np.isfinite(pct.to_numpy()).all():
        raise ValueError("profile has missing r_pct/f_pct/m_pct values.")
    r = pct["r_pct"].to_numpy()
    v = (pct["f_pct"].to_numpy() + pct["m_pct"].to_numpy()) / 2
    base = [
        PERSONA_GRID[_level(vi, low, high)][_level(ri, low, high)]
        for ri, vi in zip(r, v, strict=True)
    ]
    score = (
        profile["score"].to_numpy(dtype=np.float64)
        if "score" in profile
        else pct.mean(axis=1).to_numpy()
    )
    revenue = (
        profile["revenue"].to_numpy(dtype=np.float64)
        if "revenue" in profile
        else np.zeros(len(profile))
    )
    # best first within each name: higher score, then higher revenue, then row order
    order = np.lexsort((np.arange(len(profile)), -revenue, -score))
    names = [""] * len(profile)
    seen: dict[str, int] = {}
    for i in order:
        seen[base[i]] = seen.get(base[i], 0) + 1
        names[i] = base[i] if seen[base[i]] == 1 else f"{base[i]} {seen[base[i]]}"
    return pd.Series(names, index=profile.index, name="persona")
