"""rfm.segment_summary and rf_counts against plain pandas and plain loops."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from rfm import segment_summary
from rfm.summary import rf_counts


def _inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    idx = pd.Index([f"C{i:03d}" for i in range(60)], name="CustomerID")
    names = rng.choice(["Champions", "Lost", "At Risk", "New"], size=60, p=[0.2, 0.4, 0.3, 0.1])
    action = {"Champions": "Reward", "Lost": "Ignore", "At Risk": "Win back", "New": "Onboard"}
    segments = pd.DataFrame({"segment": names, "action": [action[n] for n in names]}, index=idx)
    rfm = pd.DataFrame({"recency": rng.integers(0, 400, 60), "frequency": rng.integers(1, 9, 60),
                        "monetary": rng.gamma(2.0, 50.0, 60).round(2)}, index=idx)
    return segments, rfm


def test_segment_summary_matches_plain_pandas() -> None:
    segments, rfm = _inputs()
    got = segment_summary(segments, rfm)
    frame = segments.join(rfm)
    customers = frame["segment"].value_counts()
    revenue = frame.groupby("segment")["monetary"].sum()
    medians = frame.groupby("segment")[["recency", "frequency", "monetary"]].median()
    assert got.index.name == "segment"
    assert list(got.columns) == ["customers", "share", "revenue", "revenue_share",
                                 "recency_median", "frequency_median", "monetary_median",
                                 "action"]  # fmt: skip
    # value order: the median customer's spend, highest first (distinct here)
    assert list(got.index) == medians["monetary"].sort_values(ascending=False).index.tolist()
    for name, row in got.iterrows():
        assert row["recency_median"] == medians.loc[name, "recency"]
        assert row["frequency_median"] == medians.loc[name, "frequency"]
        assert row["monetary_median"] == medians.loc[name, "monetary"]
        assert row["customers"] == customers[name]
        assert row["share"] == pytest.approx(customers[name] / 60)
        assert row["revenue"] == pytest.approx(revenue[name])
        assert row["revenue_share"] == pytest.approx(revenue[name] / rfm["monetary"].sum())
        assert row["action"] == frame.loc[frame["segment"] == name, "action"].iloc[0]
    assert set(got.index) == set(customers.index)


def test_segment_summary_matches_customers_by_index_and_checks_input() -> None:
    segments, rfm = _inputs()
    shuffled = rfm.sample(frac=1.0, random_state=1)  # same customers, other order
    expected = segment_summary(segments, rfm)
    pd.testing.assert_frame_equal(segment_summary(segments, shuffled), expected)
    with pytest.raises(ValueError, match="do not cover the same customers"):
        segment_summary(segments, rfm.iloc[:-1])
    with pytest.raises(ValueError, match="missing column"):
        segment_summary(segments.drop(columns="action"), rfm)
    with pytest.raises(TypeError, match="DataFrame"):
        segment_summary(segments["segment"], rfm)  # type: ignore[arg-type]


def test_tables_of_other_customers_are_named_by_the_parameters() -> None:
    """segments and rfm of other customers: the message counts, in the words of
    segment_summary's own parameters, what each lacks, and names how to select the same
    customers (here: 60 customers, the first 20 segmented, or 10 unknown to rfm)."""
    segments, rfm = _inputs()
    with pytest.raises(ValueError) as caught:
        segment_summary(segments.iloc[:20], rfm)
    assert str(caught.value) == (
        "segments and rfm do not cover the same customers (40 of rfm's customers are not "
        "in segments); give both for the same customers, e.g. rfm.loc[segments.index]."
    )
    with pytest.raises(ValueError) as caught:
        segment_summary(segments, rfm.iloc[10:])
    assert str(caught.value) == (
        "segments and rfm do not cover the same customers (10 of segments' customers are "
        "not in rfm); give both for the same customers, e.g. segments.loc[rfm.index]."
    )
    with pytest.raises(ValueError, match=r"\(10 of rfm's customers are not in segments; 10 "
                       r"of segments' customers are not in rfm\); give both for the same "
                       r"customers, e\.g\. segments\.loc\[common\] and rfm\.loc\[common\]"):
        segment_summary(segments.iloc[10:], rfm.iloc[:-10])
    with pytest.raises(ValueError, match=r"^segments has 1 customer\(s\) more than once"):
        segment_summary(pd.concat([segments, segments.iloc[:1]]), rfm)
    from rfm.rulecheck import name_inversions  # the same check, the same words

    with pytest.raises(ValueError, match=r"^segments and rfm do not cover the same customers "
                       r"\(40 of rfm's customers are not in segments\)"):
        name_inversions(segments.iloc[:20], rfm, "ladder")
    # doing what it says: the summary of the 20 segmented customers, as plain pandas gives it
    got = segment_summary(segments.iloc[:20], rfm.loc[segments.index[:20]])
    counts = segments.iloc[:20]["segment"].value_counts()
    assert got["customers"].to_dict() == counts.to_dict()


def test_value_order_breaks_equal_spend_by_orders_then_recency() -> None:
    idx = pd.Index(list("abcdef"))
    segments = pd.DataFrame({"segment": ["X", "Y", "Z", "X", "Y", "Z"], "action": "-"},
                            index=idx)  # fmt: skip
    rfm = pd.DataFrame({"recency": [50, 10, 90, 50, 10, 30], "frequency": [2, 2, 3, 2, 2, 3],
                        "monetary": [100.0] * 6}, index=idx)  # fmt: skip
    # all spend 100: Z has more orders; X and Y tie on orders, Y is more recent
    assert segment_summary(segments, rfm).index.tolist() == ["Z", "Y", "X"]


def test_rf_counts_counts_every_score_pair() -> None:
    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"r_score": rng.integers(1, 6, 200), "f_score": rng.integers(1, 4, 200)})
    got = rf_counts(scores)
    pairs = Counter(zip(scores["r_score"], scores["f_score"], strict=True))
    assert list(got.index) == sorted(set(scores["r_score"]))
    assert list(got.columns) == sorted(set(scores["f_score"]))
    for r in got.index:
        for f in got.columns:
            assert got.loc[r, f] == pairs.get((r, f), 0)
    assert int(got.to_numpy().sum()) == 200


def test_segment_persona_counts_by_hand() -> None:
    """Five customers counted and summed by hand; rows in the given order (an empty
    segment left out), every persona kept as a column, empty cells 0."""
    from rfm.summary import segment_persona_counts

    idx = pd.Index(["a", "b", "c", "d", "e"], name="customer")
    segments = pd.Series(["Gold", "Gold", "Lost", "Gold", "Lost"], index=idx)
    personas = pd.Series(["Big", "Small", "Small", "Big", "Small"], index=idx)
    spend = pd.Series([10.0, 2.0, 1.0, 30.0, 4.0], index=idx)[::-1]  # other order: aligned
    counts, revenue = segment_persona_counts(
        segments, personas, spend, segment_order=["Silver", "Gold", "Lost"],
        persona_order=["Big", "Small", "Unused"],
    )
    assert list(counts.index) == ["Gold", "Lost"]
    assert list(counts.columns) == ["Big", "Small", "Unused"]
    assert counts.to_numpy().tolist() == [[2, 1, 0], [0, 2, 0]]
    assert revenue.to_numpy().tolist() == [[40.0, 2.0, 0.0], [0.0, 5.0, 0.0]]


@pytest.mark.parametrize("kind", ["object", "category", "str"])
@pytest.mark.parametrize("seed", range(3))
def test_segment_summary_against_a_loop_over_customers(kind: str, seed: int) -> None:
    """Names as text or categories (unused ones too), some actions missing: every figure
    from a plain loop over the customers; the action is the first given in the segment."""
    rng = np.random.default_rng(seed)
    n = 300
    names = np.array(["Lost", "Champions", "At Risk", "New"], dtype=object)
    seg = names[rng.integers(0, 4, n)]
    act = np.array([f"do {s}" for s in seg], dtype=object)
    act[rng.random(n) < 0.3] = None
    if kind == "category":
        seg = pd.Categorical(seg, categories=[*names, "Unused"])
        act = pd.Categorical(act)
    segments = pd.DataFrame({"segment": pd.array(seg, dtype=kind if kind == "str" else None),
                             "action": act}, index=[f"c{i}" for i in range(n)])  # fmt: skip
    rfm = pd.DataFrame({"recency": rng.integers(0, 400, n), "frequency": rng.integers(1, 9, n),
                        "monetary": rng.gamma(2.0, 50.0, n)}, index=segments.index)  # fmt: skip
    got = segment_summary(segments, rfm)
    total = rfm["monetary"].sum()
    for name in dict.fromkeys(np.asarray(seg, dtype=object)):  # first appearance
        rows = [i for i in range(n) if segments["segment"].iloc[i] == name]
        given = [segments["action"].iloc[i] for i in rows if pd.notna(segments["action"].iloc[i])]
        row = got.loc[name]
        assert row["customers"] == len(rows)
        assert row["share"] == pytest.approx(len(rows) / n)
        assert row["revenue"] == pytest.approx(sum(rfm["monetary"].iloc[rows]))
        assert row["revenue_share"] == pytest.approx(sum(rfm["monetary"].iloc[rows]) / total)
        for col in ("recency", "frequency", "monetary"):
            assert row[f"{col}_median"] == np.median(rfm[col].iloc[rows].to_numpy(float))
        if given:
            assert row["action"] == given[0]
        else:
            assert pd.isna(row["action"])
    assert "Unused" not in got.index and got.index.name == "segment"
    assert got["monetary_median"].is_monotonic_decreasing  # best value first


def test_a_segments_action_is_its_own_when_its_first_customer_is_a_top_spender() -> None:
    """Lost's first customer spends the most and has the action for top spenders
    (rfm.segment); the segment's row shows Lost's own action, which its other customers
    have. A segment all of whose customers have the top spenders' action shows it."""
    from rfm.segments import TOP_SPENDER_ACTION

    idx = pd.Index(["a", "b", "c", "d"], name="customer")
    segments = pd.DataFrame({
        "segment": ["Lost", "Lost", "Lost", "Sleepers"],
        "action": [TOP_SPENDER_ACTION, "One message", "One message", TOP_SPENDER_ACTION],
    }, index=idx)  # fmt: skip
    rfm = pd.DataFrame({"recency": [300, 310, 320, 200], "frequency": [1, 2, 1, 1],
                        "monetary": [900.0, 20.0, 30.0, 800.0]}, index=idx)  # fmt: skip
    got = segment_summary(segments, rfm)
    assert got.loc["Lost", "action"] == "One message"
    assert got.loc["Sleepers", "action"] == TOP_SPENDER_ACTION
