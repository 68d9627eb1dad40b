"""rfm.score_bins: every customer's value lies in its score's published range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rfm import rfm_scores, score_bins
from rfm.bins import bins_in_words

COLS = {"recency": "r_score", "frequency": "f_score", "monetary": "m_score"}


def shop_rfm(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    freq = np.where(rng.random(n) < 0.6, 1, 1 + rng.geometric(0.3, n))
    return pd.DataFrame(
        {
            "recency": rng.integers(0, 400, n),
            "frequency": freq,
            "monetary": np.round(rng.lognormal(4, 1.2, n), 2),
        }
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", ["thresholds", "first"])
@pytest.mark.parametrize("q", [3, 4, 5])
def test_every_customer_lies_inside_its_bin(seed: int, ties: str, q: int) -> None:
    rfm = shop_rfm(300 + 50 * seed, seed)
    bins = score_bins(rfm, q=q, ties=ties)
    scores = rfm_scores(rfm, q=q, ties=ties)
    for dim, col in COLS.items():
        table = bins[bins["dimension"] == dim].set_index("score")
        low = scores[col].map(table["low"])
        high = scores[col].map(table["high"])
        assert low.notna().all()
        assert ((rfm[dim] >= low) & (rfm[dim] <= high)).all()
        # the ranges are tight: min and max of the customers with that score
        assert table["low"].to_dict() == rfm[dim].groupby(scores[col]).min().to_dict()
        assert table["customers"].to_dict() == scores[col].value_counts().to_dict()
        assert table["customers"].sum() == len(rfm)
        if ties == "thresholds":  # equal values share a score: ranges never overlap
            ordered = table.sort_values("low")
            assert (ordered["low"].iloc[1:].to_numpy() > ordered["high"].iloc[:-1].to_numpy()).all()
            assert scores.groupby(rfm[dim])[col].nunique().max() == 1


def test_a_dimension_that_cannot_fill_q_uses_fewer_levels_and_says_so() -> None:
    # 7 of 10 customers bought once: F cannot have 5 levels
    rfm = pd.DataFrame(
        {
            "recency": np.arange(10) * 10,
            "frequency": [1] * 7 + [2, 3, 8],
            "monetary": np.arange(1, 11) * 10.0,
        }
    )
    bins = score_bins(rfm, q=5)
    f = bins[bins["dimension"] == "frequency"]
    # thresholds c_j = quantile(j/5) + 1 = 2, 2, 2, 3.2: F=1 is 1 order, F=4 is 2-3, F=5 is 8
    assert f[["score", "low", "high", "customers"]].values.tolist() == [
        [1, 1, 1, 7], [4, 2, 3, 2], [5, 8, 8, 1],
    ]
    assert bins.attrs["levels"]["frequency"] == 3
    words = bins_in_words(bins, currency="$")
    assert words["frequency"] == (
        "F = 1: 1 order; F = 4: 2–3 orders; F = 5: 8 orders. Only 3 of 5 levels have "
        "customers."
    )
    assert words["recency"].startswith("R = 5: 0–10 days; R = 4: 20–")
    assert words["monetary"].startswith("M = 1: $10.00–$20.00")


def test_score_bins_checks_its_input() -> None:
    with pytest.raises(ValueError, match="missing column"):
        score_bins(pd.DataFrame({"recency": [1, 2]}))
    with pytest.raises(ValueError, match="ties"):
        score_bins(shop_rfm(20, 0), ties="average")


def hand_bins() -> pd.DataFrame:
    """A score_bins-shaped table written by hand, rows deliberately out of order."""
    rows = [
        ("frequency", 5, 3, 1234), ("recency", 1, 1500, 1500), ("recency", 5, 0, 0),
        ("monetary", 2, 5.5, 1234.5), ("recency", 3, 2, 30), ("frequency", 1, 1, 1),
        ("recency", 4, 1, 1), ("monetary", 1, 5.0, 5.0), ("recency", 2, 31, 1200),
        ("frequency", 3, 2, 2),
    ]  # fmt: skip
    bins = pd.DataFrame(rows, columns=["dimension", "score", "low", "high"])
    bins.attrs["q"] = 5
    return bins


def test_bins_in_words_of_a_hand_made_table() -> None:
    words = bins_in_words(hand_bins(), currency="$")
    note = " have customers."
    assert words == {
        # all five levels: no note; best (most recent) first; "1 day" but "0 days"
        "recency": "R = 5: 0 days; R = 4: 1 day; R = 3: 2–30 days; R = 2: 31–1,200 days; "
                   "R = 1: 1,500 days",
        "frequency": "F = 1: 1 order; F = 3: 2 orders; F = 5: 3–1,234 orders. Only 3 of 5 "
                     "levels" + note,
        # a one-value money bin is one amount, not a range
        "monetary": "M = 1: $5.00; M = 2: $5.50–$1,234.50. Only 2 of 5 levels" + note,
    }
    # without an invoice column frequency counts purchase days
    days = bins_in_words(hand_bins(), frequency_unit=("purchase day", "purchase days"))
    assert days["frequency"] == ("F = 1: 1 purchase day; F = 3: 2 purchase days; F = 5: "
                                 "3–1,234 purchase days. Only 3 of 5 levels" + note)


def test_bins_in_words_counts_levels_against_the_tables_q() -> None:
    # the monetary rows alone: the highest score left is 2, but the note still counts
    # the levels against the table's q = 5
    bins = hand_bins()
    part = bins[bins["dimension"] == "monetary"]
    assert part.attrs["q"] == 5
    assert bins_in_words(part)["monetary"].endswith(
        "Only 2 of 5 levels have customers."
    )
    assert bins_in_words(part)["recency"] == ""


def test_money_in_the_runs_decimals_and_empty_levels_said_plainly() -> None:
    """The report writes the spend ranges with the run's decimals where they are more
    than two (3 for a file in thousands), as its other money figures; an empty level is
    said as such, without a cause (ties, the cut points' +1, or both, may leave it)."""
    rows = [("monetary", 1, 0.0021, 0.9634), ("monetary", 5, 1.2049, 2.5)]
    bins = pd.DataFrame(rows, columns=["dimension", "score", "low", "high"])
    bins.attrs["q"] = 5
    assert bins_in_words(bins, decimals=3)["monetary"] == (
        "M = 1: 0.002–0.963; M = 5: 1.205–2.500. Only 2 of 5 levels have customers.")
    whole = bins_in_words(hand_bins(), currency="$", decimals=0)["monetary"]
    assert whole == "M = 1: $5; M = 2: $6–$1,234. Only 2 of 5 levels have customers."
