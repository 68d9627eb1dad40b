"""One recommended action per customer, from its segment and its cluster's persona.

A customer has two labels: the rule-based **segment** (from its own R/F/M scores) and
the **persona** of its K-means cluster (the group it resembles). Each carries an action;
a campaign needs exactly one. :func:`customer_actions` combines them with this
precedence:

1. the **segment's action** comes first: it is decided by the customer's own scores;
2. a customer no rule matches (segment "Others") takes the **persona's action** instead;
3. the persona then sets the **budget**: customers in a high-spending persona get
   "Worth a personal touch (high-spending group).", those in a low-spending persona
   "Keep the cost low (low-spending group).", others nothing more.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe
from rfm.profiles import align_labels
from rfm.segments import OTHERS

__all__ = ["BUDGET_NOTES", "customer_actions"]

#: persona value level → the budget sentence appended to the action
BUDGET_NOTES: dict[str, str] = {
    "high": "Worth a personal touch (high-spending group).",
    "mid": "",
    "low": "Keep the cost low (low-spending group).",
}


def _join(first: str, second: str) -> str:
    first = first.strip()
    if not second:
        return first
    if first and first[-1] not in ".!?":
        first += "."
    return f"{first} {second}".strip()


def customer_actions(segments: pd.DataFrame, labels: Any, personas: pd.DataFrame) -> pd.Series:
    """The one recommended action of every customer (precedence in the module docstring).

    Parameters
    ----------
    segments : DataFrame
        :func:`rfm.segment` output (``segment``, ``action``), indexed by customer.
    labels : Series or array
        Cluster of each customer, on ``segments``' index or in its row order.
    personas : DataFrame
        :func:`rfm.describe_personas` output (``action``, ``value_level``), indexed by
        cluster id.

    Returns
    -------
    Series
        Action text per customer (categorical: one copy of each distinct text), named
        ``action``, on ``segments``' index.

    Raises
    ------
    TypeError, ValueError
        Missing columns, labels that do not match the customers, or a cluster without a
        persona.
    """
    check_dataframe(segments, "segments", source="see rfm.segment")
    check_dataframe(personas, "personas", source="see rfm.describe_personas")
    check_columns(segments, ["segment", "action"], what="segments")
    check_columns(personas, ["action", "value_level"], what="personas")
    lab = align_labels(labels, segments.index)
    missing = sorted(set(lab.unique().tolist()) - set(personas.index.tolist()))
    if missing:
        raise ValueError(f"personas has no row for cluster(s) {missing}.")
    persona_action = lab.map(personas["action"]).to_numpy(dtype=object)
    note = lab.map(personas["value_level"].map(BUDGET_NOTES)).to_numpy(dtype=object)
    others = segments["segment"].to_numpy() == OTHERS
    base = np.where(others, persona_action, segments["action"].to_numpy(dtype=object))
    # a few distinct (action, note) pairs among millions of customers: join each once
    b_codes, b_uniq = pd.factorize(base)
    n_codes, n_uniq = pd.factorize(note)
    codes, pairs = pd.factorize(b_codes.astype(np.int64) * len(n_uniq) + n_codes)
    texts = [_join(str(b_uniq[p // len(n_uniq)]), str(n_uniq[p % len(n_uniq)])) for p in pairs]
    text_codes, categories = pd.factorize(pd.Index(texts, dtype=object))
    # categorical: a dozen texts, not millions of copies of them
    action = pd.Categorical.from_codes(text_codes[codes], categories=categories)
    return pd.Series(action, index=segments.index, name="action")
