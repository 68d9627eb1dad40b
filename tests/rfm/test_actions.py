"""rfm.customer_actions: one action per customer, by the precedence of its docstring.

The expected texts are written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rfm import customer_actions
from rfm.actions import BUDGET_NOTES

HIGH, LOW = BUDGET_NOTES["high"], BUDGET_NOTES["low"]


def test_texts_are_joined_with_exactly_one_full_stop() -> None:
    idx = pd.Index([f"c{i}" for i in range(8)], name="customer")
    segments = pd.DataFrame(
        {
            "segment": ["Lost", "Lost", "Promising", "Promising", "Champions", "Others",
                        "Others", "Lost"],
            "action": ["Win back", "Win back", "Call now!", "Call now!", "Reward?",
                       "unused", "unused", "Win back"],
        },
        index=idx,
    )  # fmt: skip
    personas = pd.DataFrame(
        {"action": ["Nurture", "Upsell.", "Wait"], "value_level": ["mid", "high", "low"]},
        index=pd.Index([10, 20, 30], name="cluster"),
    )
    labels = [10, 20, 10, 30, 20, 10, 30, 30]
    got = customer_actions(segments, np.array(labels), personas)
    assert got.tolist() == [
        "Win back",  # mid persona: no budget note, and no full stop added
        "Win back. " + HIGH,
        "Call now!",
        "Call now! " + LOW,
        "Reward? " + HIGH,
        "Nurture",  # "Others": the persona's own action
        "Wait. " + LOW,
        "Win back. " + LOW,
    ]
    assert got.index.equals(idx) and got.name == "action"
    # one category per distinct text
    assert sorted(got.cat.categories) == sorted(set(got.tolist()))
