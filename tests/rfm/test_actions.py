"""rfm.customer_actions: every customer's one action is its own segment's.

The expected actions are built by hand from a hand-written rule set, never by the
function's own path.
"""

from __future__ import annotations

import pandas as pd
import pytest

from rfm.actions import customer_actions
from rfm.segments import segment

RULES = [
    ("Best", {"r": (4, 4), "f": (4, 4), "m": (4, 4)}, "Thank them"),
    ("Lapsed", {"r": (1, 1)}, "Win them back"),
]


def _scores(q: int | None = 4) -> pd.DataFrame:
    """Scores 1..q as rfm_scores records them (``q`` None: made by hand, no scale)."""
    scores = pd.DataFrame(
        {"r_score": [4, 1, 2, 4, 1], "f_score": [4, 4, 2, 1, 1], "m_score": [4, 2, 2, 1, 4]},
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer"),
    )
    if q is not None:
        scores.attrs["rfm_q"] = q
    return scores


def test_each_customer_gets_its_own_segments_action() -> None:
    segments = segment(_scores(), RULES)
    actions = customer_actions(segments)
    # by hand: a is Best; b and e have R = 1 (Lapsed); c and d match no rule (Others);
    # e has the top spend score (4, of 1..4) in "Lapsed", a win-back rule for every
    # spend: the action for top spenders
    assert actions.loc["a"] == "Thank them"
    assert actions.loc["b"] == "Win them back"
    assert actions.loc["e"].startswith("Among the top spenders, but their last order was")
    assert segments.loc["e", "segment"] == "Lapsed"
    assert actions.loc["c"] == actions.loc["d"] == segments.loc["c", "action"]
    assert actions.loc["c"] not in ("Thank them", "Win them back", actions.loc["e"])
    assert actions.name == "action"
    assert list(actions.index) == ["a", "b", "c", "d", "e"]
    # scores without a stated scale: whether 4 is the top is unknown, so e gets its
    # segment's action
    assert customer_actions(segment(_scores(q=None), RULES)).loc["e"] == "Win them back"


def test_one_copy_of_each_text_and_the_input_untouched() -> None:
    segments = pd.DataFrame(
        {"segment": ["X", "Y", "X"], "action": ["Call", "Mail", "Call"]}, index=[10, 20, 30]
    )
    before = segments.copy()
    actions = customer_actions(segments)
    assert isinstance(actions.dtype, pd.CategoricalDtype)
    assert sorted(actions.cat.categories) == ["Call", "Mail"]
    assert actions.tolist() == ["Call", "Mail", "Call"]
    pd.testing.assert_frame_equal(segments, before)


def test_refused_at_the_edge() -> None:
    with pytest.raises(TypeError, match="segments"):
        customer_actions([("X", "Call")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="action"):
        customer_actions(pd.DataFrame({"segment": ["X"]}))


def test_actions_given_as_categories_come_out_as_from_the_texts() -> None:
    """A category column of actions (as rfm.segment gives them, in any category order,
    with unused or ordered categories) gives the Series the same texts give."""
    texts = ["Win them back.", "Reward them.", "Win them back.", "Reward them."]
    as_text = pd.DataFrame({"segment": ["L", "C", "L", "C"], "action": texts})
    as_categories = as_text.assign(action=pd.Categorical(
        texts, categories=["Win them back.", "Unused.", "Reward them."], ordered=True))  # fmt: skip
    got = customer_actions(as_categories)
    pd.testing.assert_series_equal(got, customer_actions(as_text))
    assert list(got.cat.categories) == ["Reward them.", "Win them back."]
    assert not got.cat.ordered and got.tolist() == texts
