"""The calibration/holdout check of the customer-base papers.

A purchase model fitted on a *calibration* period predicts each customer's purchases in a
later *holdout* period, from its history alone. Fader, Hardie & Lee (2005, figure 4)
compare those predictions with what the customers really did, grouped by the number of
repeat purchases in calibration: the mean actual and the mean predicted holdout purchases
of the customers who made 0, 1, 2, … repeat purchases (the long tail pooled). A model that
fits follows the actual curve; one that does not shows it at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["holdout_check"]


def holdout_check(purchase_model: Any, summary: pd.DataFrame, *, pool_from: int = 7
                  ) -> pd.DataFrame:  # fmt: skip
    """Mean holdout purchases, actual and predicted, by calibration repeat purchases.

    Parameters
    ----------
    purchase_model : BetaGeo or ModifiedBetaGeo
        Fitted on ``summary``'s calibration period.
    summary : DataFrame
        :func:`rfm.clv.summary` with an ``observation_end`` (``x_holdout`` and
        ``attrs["holdout_length"]``).
    pool_from : int
        Customers with at least this many calibration repeat purchases form one group
        ("7+").

    Returns
    -------
    DataFrame
        Indexed by the group (``"0"``, ``"1"``, …, ``"7+"``; named
        ``calibration_purchases``), columns ``customers``, ``actual`` and ``predicted``
        (mean holdout purchases per customer of the group).

    Raises
    ------
    ValueError
        A summary without a holdout period.
    """
    if "x_holdout" not in summary or "holdout_length" not in summary.attrs:
        raise ValueError(
            "the summary has no holdout period; make it with rfm.clv.summary(..., "
            "calibration_end=..., observation_end=...)."
        )
    predicted = np.asarray(
        purchase_model.expected_purchases(summary, summary.attrs["holdout_length"]),
        dtype=np.float64,
    )
    group = np.minimum(summary["x"].to_numpy(dtype=np.int64), pool_from)
    frame = pd.DataFrame({"group": group, "actual": summary["x_holdout"].to_numpy(np.float64),
                          "predicted": predicted})  # fmt: skip
    g = frame.groupby("group", sort=True)
    table = pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(),
                          "predicted": g["predicted"].mean()})  # fmt: skip
    table.index = [str(i) if i < pool_from else f"{pool_from}+" for i in table.index]
    table.index.name = "calibration_purchases"
    return table
