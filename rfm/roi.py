"""Campaign return on investment per persona.

For each persona with a campaign, the projection is::

    uplift_customers = floor(n × target_uplift × scale)      # customers who convert
    revenue_uplift   = uplift_customers × avg_order          # extra revenue
    campaign_cost    = n × cost_per_customer × scale         # everybody is contacted
    roi_pct          = (revenue_uplift − campaign_cost) / campaign_cost × 100

Assumptions, stated so a reader can disagree with them:

* every customer of the persona is contacted, at ``cost_per_customer`` each (default
  $4.50 for the email and the offer);
* ``target_uplift`` is the share of contacted customers who place *one extra order*, of
  value ``avg_order`` — revenue that would not have come without the campaign (no
  cannibalisation, no margin: ROI is on revenue, not profit);
* converting customers are whole people: the count is rounded **down** (as Python's
  ``int()`` does; a 1e-9 tolerance keeps 0.1 × 30 at 3 despite floating point);
* ``scale`` multiplies both the converting customers and the cost. The worked example
  behind ``EXAMPLE_CAMPAIGNS`` ran on a 5-customer sample per persona and scaled it by 10
  "to the full base"; pass ``scale=10`` to reproduce it. The default 1 is right when the
  profile already counts every customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe

__all__ = ["EXAMPLE_CAMPAIGNS", "campaign_roi"]

#: example campaign parameters for four personas of a worked RFM example
EXAMPLE_CAMPAIGNS: dict[str, dict[str, Any]] = {
    "Champions": {
        "target_uplift": 0.08,
        "avg_order": 230,
        "desc": "Loyalty reward — VIP tier upgrade",
    },
    "Loyal Buyers": {
        "target_uplift": 0.12,
        "avg_order": 195,
        "desc": "Cross-sell — complementary categories",
    },
    "At-Risk": {"target_uplift": 0.20, "avg_order": 100, "desc": "Win-back — 20% discount code"},
    "Hibernating": {
        "target_uplift": 0.08,
        "avg_order": 70,
        "desc": "Reactivation — heavy incentive offer",
    },
}

_TOL = 1e-9


def _number(value: Any, what: str, *, low: float = 0.0, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a number, got {value!r}.")
    value = float(value)
    if not (np.isfinite(value) and low <= value <= high):
        raise ValueError(f"{what} must be between {low} and {high}, got {value}.")
    return value


def _customers(value: Any, persona: Any) -> int:
    """A persona's customer count from the profile as an int, refused unless it is a whole
    number n >= 0 (``int()`` would turn 10.7 into 10 and NaN into an error about floats)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        raise ValueError(
            f"the profile has no customer count for persona {persona!r} (customers is "
            f"{value}); fill it in or drop that row."
        )
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"customers of persona {persona!r} must be a number, got {value!r}."
        )
    if value < 0:
        raise ValueError(
            f"the profile gives persona {persona!r} {value} customers; a count cannot be "
            "negative."
        )
    if not float(value).is_integer():
        raise ValueError(
            f"the profile gives persona {persona!r} {value} customers; customers are whole "
            "people, so give a whole number (it is not rounded for you)."
        )
    return int(value)


def campaign_roi(
    profile: pd.DataFrame,
    params: Mapping[Any, Mapping[str, Any]],
    *,
    cost_per_customer: float = 4.5,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Projected uplift, cost and ROI of one campaign per persona.

    Parameters
    ----------
    profile : DataFrame
        One row per cluster with a ``customers`` column (:func:`rfm.profile`): a whole
        number >= 0 for every persona with a campaign. Rows are matched to ``params`` by a
        ``persona`` column when there is one, else by the index; each name on one row.
    params : mapping
        Persona (or cluster id) → ``{"target_uplift": share in [0, 1], "avg_order": money
        per extra order, "desc": optional text}``. Personas of the profile without an entry
        get no campaign (no row).
    cost_per_customer : float
        Contact cost per customer (default 4.50: the email and the offer).
    scale : float
        Multiplier from the profile's counts to the campaign's audience (e.g. 10 when the
        profile was made on a one-in-ten sample).

    Returns
    -------
    DataFrame
        One row per campaign, in ``params`` order, indexed by persona: ``customers,
        target_uplift, avg_order, uplift_customers, revenue_uplift, campaign_cost,
        net_revenue, roi_pct, desc``.

    Raises
    ------
    ValueError
        A persona named on more than one row of the profile (its counts would be lost),
        or, for a persona with a campaign, a customer count that is missing, negative or
        not a whole number; also bad ``params``, ``cost_per_customer`` or ``scale``.

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"persona": ["Champions"], "customers": [5]})
    >>> campaign_roi(prof, {"Champions": {"target_uplift": 0.08, "avg_order": 230}},
    ...              scale=10)["roi_pct"].round(1).tolist()
    [308.9]
    """
    check_dataframe(profile, "profile", source="see rfm.profile")
    check_columns(profile, ["customers"], what="profile")
    if not isinstance(params, Mapping) or not params:
        raise TypeError("params must be a non-empty dict: persona -> {target_uplift, avg_order}.")
    cost = _number(cost_per_customer, "cost_per_customer")
    if cost == 0:
        raise ValueError("cost_per_customer must be positive (ROI divides by the cost).")
    scale = _number(scale, "scale")
    if scale == 0:
        raise ValueError("scale must be positive.")
    by_column = "persona" in profile.columns
    keys = profile["persona"] if by_column else pd.Series(profile.index)
    repeated = keys[keys.duplicated()].unique().tolist()
    if repeated:
        raise ValueError(
            f"the profile has more than one row for {repeated} (its "
            f"{'persona column' if by_column else 'index'}); give each persona one row: "
            "merge them, adding their customers, or rename them."
        )
    counts = dict(zip(keys.tolist(), profile["customers"].tolist(), strict=True))
    rows = []
    for name, p in params.items():
        if name not in counts:
            raise ValueError(
                f"params names {name!r}, which is not in the profile; personas found: "
                f"{list(counts)}."
            )
        if not isinstance(p, Mapping):
            raise TypeError(f"params[{name!r}] must be a dict with target_uplift and avg_order.")
        missing = [key for key in ("target_uplift", "avg_order") if key not in p]
        if missing:
            raise ValueError(f"params[{name!r}] is missing {missing}.")
        uplift = _number(p["target_uplift"], f"params[{name!r}]['target_uplift']", high=1.0)
        avg_order = _number(p["avg_order"], f"params[{name!r}]['avg_order']")
        n = _customers(counts[name], name)
        uplift_customers = int(np.floor(n * uplift * scale + _TOL))
        revenue = uplift_customers * avg_order
        campaign_cost = n * cost * scale
        rows.append(
            {
                "persona": name,
                "customers": n,
                "target_uplift": uplift,
                "avg_order": avg_order,
                "uplift_customers": uplift_customers,
                "revenue_uplift": revenue,
                "campaign_cost": campaign_cost,
                "net_revenue": revenue - campaign_cost,
                "roi_pct": (revenue - campaign_cost) / campaign_cost * 100
                if campaign_cost > 0
                else np.nan,
                "desc": str(p.get("desc", "")),
            }
        )
    return pd.DataFrame(rows).set_index("persona")
