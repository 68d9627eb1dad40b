"""One recommended action per customer: its segment's action.

A customer has two labels: the rule-based **segment**, from its own R, F and M scores,
and the **persona** of its K-means cluster, from the cluster's medians. Both carry an
action, and a campaign needs exactly one. The customer's action is its segment's
(customers no rule matches, "Others", take the rule set's action for them), because it is
the only one that is a claim about the customer itself:

* a segment's action may only say what the segment's score ranges guarantee (a rule set
  that says "spend the most" bounds M), so it never contradicts the customer's scores;
  where a win-back rule takes in every spend, its action is one its low spenders are
  worth, and its customers with the top M score get a personal win-back worth their spend
  instead (:data:`rfm.segments.TOP_SPENDER_ACTION`, given by :func:`rfm.segment`);
* a persona's action is a claim about the cluster's *median* customer; a customer far
  from the median would be told something its own scores deny (a top spender in a
  low-spending cluster told to "keep the cost low").

Persona actions stay where they are true: on the persona cards and in ``profile.csv``,
for campaigns aimed at a whole cluster.
"""

from __future__ import annotations

import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe

__all__ = ["customer_actions"]


def customer_actions(segments: pd.DataFrame) -> pd.Series:
    """The one recommended action of every customer: its segment's action (for a top
    spender in a win-back rule for every spend, the action for top spenders: the
    ``action`` column of :func:`rfm.segment`).

    Parameters
    ----------
    segments : DataFrame
        :func:`rfm.segment` output (``segment``, ``action``), indexed by customer.

    Returns
    -------
    Series
        Action text per customer (categorical: one copy of each distinct text among
        millions of customers), named ``action``, on ``segments``' index.

    Raises
    ------
    TypeError, ValueError
        Not a DataFrame, or no ``action`` column.
    """
    check_dataframe(segments, "segments", source="see rfm.segment")
    check_columns(segments, ["segment", "action"], what="segments")
    column = segments["action"]
    if isinstance(column.dtype, pd.CategoricalDtype) and all(
        isinstance(text, str) for text in column.cat.categories
    ):  # already one copy of each text: not spelled out for every customer again
        used = column.array.remove_unused_categories().as_unordered()
        action = used.reorder_categories(sorted(used.categories))  # as from the texts
    else:
        action = pd.Categorical(column.astype(str))
    return pd.Series(action, index=segments.index, name="action")
