"""Persona names describe what the numbers say; one action per customer.

Every claim a persona name makes is checked against the cluster's medians and the whole
customer base's medians computed here with plain pandas/numpy.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from rfm import SEGMENT_RULES, customer_actions, describe_personas, name_personas, profile
from rfm.personas import ONE_TIME_NOTE, PERSONA_ACTIONS


def skewed_rfm(n: int, seed: int, one_time_share: float = 0.45) -> pd.DataFrame:
    """A customer base like a shop's: many one-order customers, long-tailed spend."""
    rng = np.random.default_rng(seed)
    freq = np.where(rng.random(n) < one_time_share, 1, 1 + rng.geometric(0.25, n))
    return pd.DataFrame(
        {
            "recency": rng.integers(0, 700, n),
            "frequency": freq,
            "monetary": np.round(freq * rng.lognormal(4, 1, n), 2),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="customer"),
    )


def tertile_labels(rfm: pd.DataFrame, seed: int) -> np.ndarray:
    """Clusters that are cells of the R/F/M tertiles (some merged): extreme groups."""
    rng = np.random.default_rng(seed)
    parts = [pd.qcut(rfm[c].rank(method="first"), 3, labels=False).to_numpy() for c in rfm]
    cell = parts[0] * 9 + parts[1] * 3 + parts[2]
    merge = rng.integers(0, 8, 27)  # 27 cells folded into at most 8 clusters
    return merge[cell]


def claims_hold(name: str, med: pd.Series, pop: pd.Series) -> list[str]:
    """The claims of a persona name that its cluster's medians deny (empty = honest)."""
    wrong = []
    words = set(re.findall(r"[\w-]+", name.lower()))
    if "recent" in words and not med["recency"] < pop["recency"]:
        wrong.append("recent but median recency not below the population median")
    if "lapsed" in words and not med["recency"] > pop["recency"]:
        wrong.append("lapsed but median recency not above the population median")
    if "frequent" in words and not med["frequency"] > pop["frequency"]:
        wrong.append("frequent but median frequency not above the population median")
    if "infrequent" in words and not med["frequency"] < pop["frequency"]:
        wrong.append("infrequent but median frequency not below the population median")
    if "one-time" in words and not med["frequency"] <= 1:
        wrong.append("one-time but median frequency above 1")
    if "high spenders" in name.lower() and not med["monetary"] > pop["monetary"]:
        wrong.append("high spenders but median spend not above the population median")
    if "low spenders" in name.lower() and not med["monetary"] < pop["monetary"]:
        wrong.append("low spenders but median spend not below the population median")
    return wrong


ALL_SEGMENT_NAMES = {r.name for rs in SEGMENT_RULES.values() for r in rs.rules} | {"Others"}


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("labelling", ["tertiles", "random"])
def test_names_never_claim_what_the_numbers_deny(seed: int, labelling: str) -> None:
    rfm = skewed_rfm(600, seed, one_time_share=0.3 + 0.05 * (seed % 6))
    if labelling == "tertiles":
        labels = tertile_labels(rfm, seed)
    else:  # random clusters: all near the middle, many on the same name
        labels = np.random.default_rng(seed).integers(0, 5, len(rfm))
    prof = profile(rfm, labels)
    names = name_personas(prof)
    pop = rfm.median()
    meds = rfm.groupby(labels).median()
    for cid, name in names.items():
        assert claims_hold(name, meds.loc[cid], pop) == [], (name, meds.loc[cid].to_dict())
    # unique, never numbered, never a segment name
    assert names.is_unique
    assert not any(re.search(r"\s\d+$", n) for n in names), names.tolist()
    assert not set(names) & ALL_SEGMENT_NAMES
    # the same names with the customer base given explicitly (exact quantiles)
    assert name_personas(prof, rfm=rfm).tolist() == names.tolist()


def test_hand_made_names() -> None:
    # customer base medians: recency 100, frequency 2, monetary 100
    rfm = pd.DataFrame(
        {
            "recency": [2, 3, 4, 100, 100, 100, 400, 500, 600],
            "frequency": [9, 8, 10, 2, 2, 2, 1, 1, 1],
            "monetary": [900.0, 800, 1000, 100, 100, 100, 10, 20, 30],
        }
    )
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    names = name_personas(profile(rfm, labels))
    assert names.to_dict() == {
        0: "Recent frequent high spenders",
        1: "Moderate spenders",
        2: "Lapsed one-time low spenders",
    }


def test_clusters_on_the_same_name_are_told_apart_by_what_separates_them() -> None:
    # two recent frequent big-spender clusters; they differ most in spend
    base = pd.DataFrame(
        {
            "recency": [300, 310, 320, 330, 340, 350, 5, 6, 7, 5, 6, 8],
            "frequency": [1] * 6 + [10, 11, 12] + [10, 12, 13],
            "monetary": [10.0] * 6 + [500, 510, 520] + [5000, 5100, 5200],
        }
    )
    labels = [0] * 6 + [1] * 3 + [2] * 3
    names = name_personas(profile(base, labels))
    # never a comparative word that could contradict the name ("Recent …, longer
    # inactive"): the median of the dimension that separates the two most
    assert names[1] == "Recent frequent high spenders (median spend 510)"
    assert names[2] == "Recent frequent high spenders (median spend 5,100)"
    # three on one name: their medians on the separating dimension
    low = base.iloc[:6]
    three = pd.concat(
        [low, low, base.iloc[6:], pd.DataFrame({"recency": [6, 7, 8], "frequency": [11, 12, 13],
                                                 "monetary": [50_000.0, 50_100, 50_200]})],
        ignore_index=True,
    )  # 12 lapsed one-time customers, then three recent frequent big-spender groups
    names = name_personas(profile(three, [0] * 12 + [1] * 3 + [2] * 3 + [3] * 3))
    assert names[1] == "Recent frequent high spenders (median spend 510)"
    assert names[2] == "Recent frequent high spenders (median spend 5,100)"
    assert names[3] == "Recent frequent high spenders (median spend 50,100)"


def test_three_namesakes_are_told_apart_by_two_dimensions() -> None:
    """Three recent frequent big-spender groups (one frequency median each): spend spreads
    them most (5,000 against 500 and 520), but 500 and 520 are close, and those two differ
    in recency (5 against 60 days). Each name carries both medians, spend first."""
    lapsed = pd.DataFrame({"recency": list(range(300, 420, 10)), "frequency": [1] * 12,
                           "monetary": [10.0] * 12})  # fmt: skip

    def group(days: int, spend: float) -> pd.DataFrame:
        return pd.DataFrame({"recency": [days - 1, days, days + 1], "frequency": [11, 12, 13],
                             "monetary": [spend - 10, spend, spend + 10]})  # fmt: skip

    base = pd.concat([lapsed, group(6, 5000.0), group(5, 500.0), group(60, 520.0)],
                     ignore_index=True)  # fmt: skip
    names = name_personas(profile(base, [0] * 12 + [1] * 3 + [2] * 3 + [3] * 3))
    stem = "Recent frequent high spenders"
    assert names[1] == f"{stem} (median spend 5,000, last order a median 6 days ago)"
    assert names[2] == f"{stem} (median spend 500, last order a median 5 days ago)"
    assert names[3] == f"{stem} (median spend 520, last order a median 60 days ago)"


def test_medians_that_round_alike_keep_their_digits_in_words() -> None:
    """Two namesakes whose median spends round to one whole number (the customer base's
    median spend is 50: whole money): more digits, still in the report's words (never a
    column name such as "monetary")."""
    lapsed = pd.DataFrame({"recency": [300, 310, 320, 330, 340, 350], "frequency": [1] * 6,
                           "monetary": [50.0] * 6})  # fmt: skip
    twins = pd.DataFrame({"recency": [5, 5, 5, 5], "frequency": [9, 9, 9, 9],
                          "monetary": [700.2, 700.2, 700.4, 700.4]})  # fmt: skip
    names = name_personas(profile(pd.concat([lapsed, twins], ignore_index=True),
                                  [0] * 6 + [1, 1, 2, 2]))  # fmt: skip
    assert sorted(names[[1, 2]]) == [f"{names[1].split(' (')[0]} (median spend 700.2)",
                                     f"{names[1].split(' (')[0]} (median spend 700.4)"]


def expected_levels(med: pd.Series, rfm: pd.DataFrame) -> dict[str, str]:
    """Levels by the module docstring's table: above Q(0.6) high, below Q(0.4) low."""
    out = {}
    for dim in ("recency", "frequency", "monetary"):
        q_low, q_high = np.quantile(rfm[dim], [0.4, 0.6])
        level = "high" if med[dim] > q_high else "low" if med[dim] < q_low else "mid"
        if dim == "recency":  # few days since the last order = recent = "high"
            level = {"high": "low", "low": "high", "mid": "mid"}[level]
        out[dim] = level
    return out


def expected_base_name(levels: dict[str, str], one_time: bool) -> str:
    """The persona name by the module docstring's table (before any tie-break suffix)."""
    recency = {"high": "Recent", "mid": "", "low": "Lapsed"}[levels["recency"]]
    if levels["frequency"] == "high":
        freq = "frequent"
    elif one_time:
        freq = "one-time"
    else:
        freq = {"low": "infrequent", "mid": ""}[levels["frequency"]]
    value = {"high": "high spenders", "mid": "moderate spenders",
             "low": "low spenders"}[levels["monetary"]]  # fmt: skip
    words = " ".join(w for w in (recency, freq, value) if w)
    return words[0].upper() + words[1:]


def test_every_persona_has_the_levels_name_and_action_of_its_cell() -> None:
    rfm = skewed_rfm(500, 3)
    labels = tertile_labels(rfm, 3)
    prof = profile(rfm, labels)
    table = describe_personas(prof, rfm=rfm)
    assert list(table.index) == list(prof.index)
    medians = rfm.groupby(labels).median()
    for cid, row in table.iterrows():
        levels = expected_levels(medians.loc[cid], rfm)
        one_time = bool(medians.loc[cid, "frequency"] <= 1)
        assert [row["recency_level"], row["frequency_level"], row["value_level"]] == [
            levels["recency"], levels["frequency"], levels["monetary"]]  # fmt: skip
        assert row["one_time"] == one_time
        base = expected_base_name(levels, one_time)
        assert row["persona"] == base or row["persona"].startswith((base + ", ", base + " ("))
        expected = PERSONA_ACTIONS[(levels["recency"], levels["monetary"])]
        if one_time and levels["recency"] != "low":
            expected += ONE_TIME_NOTE
        assert row["action"] == expected


def test_describe_personas_bad_input() -> None:
    rfm = skewed_rfm(50, 0)
    prof = profile(rfm, np.arange(50) % 3)
    with pytest.raises(TypeError):
        describe_personas(prof.to_numpy())
    with pytest.raises(ValueError, match="missing column"):
        describe_personas(prof.drop(columns="recency_median"))
    with pytest.raises(ValueError, match=r"low <= 0\.5 <= high"):
        describe_personas(prof, low=0.6, high=0.7)
    with pytest.raises(ValueError, match="empty"):
        describe_personas(prof.iloc[:0])
    bare = prof.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="rfm="):
        describe_personas(bare)
    # the whole customer base given instead of the profile's quantiles: the same names
    # (these random clusters separate nothing, so without the gate of attrs["separation"]
    # both name the medians' levels)
    population_only = prof.copy()
    population_only.attrs = {"population": prof.attrs["population"]}
    assert describe_personas(bare, rfm=rfm)["persona"].tolist() == name_personas(
        population_only).tolist()


def test_a_dimension_that_does_not_separate_the_clusters_is_not_named() -> None:
    """Two groups: one recent, one lapsed, with the same spread of spend in each (spend
    η² of ranks ≈ 0, far below 0.14). Medians of spend differ a little by chance, but
    neither name may call the group high or low spenders."""
    rng = np.random.default_rng(5)
    n = 400
    spend = rng.lognormal(5, 1, n)
    rfm = pd.DataFrame({"recency": np.r_[rng.integers(1, 30, n // 2),
                                         rng.integers(300, 400, n // 2)],
                        "frequency": rng.integers(1, 6, n),
                        "monetary": spend})  # fmt: skip
    labels = np.r_[np.zeros(n // 2, int), np.ones(n // 2, int)]
    prof = profile(rfm, labels)
    assert prof.attrs["separation"]["monetary"] < 0.06
    assert prof.attrs["separation"]["recency"] > 0.5
    names = name_personas(prof)
    assert not any("spender" in n for n in names), names
    assert names[0].startswith("Recent") and names[1].startswith("Lapsed")
    levels = describe_personas(prof)
    assert set(levels["value_level"]) == {"mid"}
    assert set(levels["frequency_level"]) == {"mid"}


# -- one action per customer --------------------------------------------------------


def test_customer_actions_are_the_segments_actions() -> None:
    idx = pd.Index(["a", "b", "c", "d"], name="customer")
    segments = pd.DataFrame(
        {
            "segment": ["Champions", "Others", "Lost", "Others"],
            "action": ["Reward.", "others text", "Win back", "others text"],
        },
        index=idx,
    )
    got = customer_actions(segments)
    assert got.to_dict() == {"a": "Reward.", "b": "others text", "c": "Win back",
                             "d": "others text"}  # fmt: skip
    assert got.name == "action" and got.index.equals(idx)
    assert len(got.cat.categories) == 3  # one copy of each text
    with pytest.raises(ValueError, match="action"):
        customer_actions(segments.drop(columns="action"))


# -- hand-made profiles against a customer base with known quantiles ------------------

#: 10 customers. numpy's linear quantile at p sits at position 9p of the sorted values:
#: 3.6 for Q(0.4), 5.4 for Q(0.6). Both neighbours are equal there, so the band edges
#: are exact: recency [46, 64], frequency [2, 3], monetary [46, 50] (50 three times).
BASE = pd.DataFrame(
    {
        "recency": [10, 20, 30, 46, 46, 64, 64, 80, 90, 100],
        "frequency": [1, 1, 1, 2, 2, 3, 3, 4, 5, 6],
        "monetary": [10.0, 20, 30, 46, 46, 50, 50, 50, 90, 100],
    }
)


def hand_profile(medians: list[tuple], means: list[tuple] | None = None) -> pd.DataFrame:
    cols = {f"{d}_median": [m[i] for m in medians]
            for i, d in enumerate(("recency", "frequency", "monetary"))}  # fmt: skip
    if means is not None:
        cols.update({f"{d}_mean": [m[i] for m in means]
                     for i, d in enumerate(("recency", "frequency", "monetary"))})  # fmt: skip
    return pd.DataFrame(cols, index=pd.Index(range(len(medians)), name="cluster"))


def test_a_median_on_a_band_edge_is_in_the_middle_band() -> None:
    prof = hand_profile([
        (64, 3, 50),  # every median exactly on the upper quantile: mid, mid, mid
        (46, 2, 46),  # ... and on the lower one; frequency 2 is above one order
        (10, 6, 100),  # clearly recent, frequent, high
        (10, 1, 10),  # recent one-time low spenders: the note for a second order
        (100, 1, 10),  # lapsed one-time low spenders: no such note
    ])  # fmt: skip
    table = describe_personas(prof.iloc[[0, 2, 3, 4]], rfm=BASE)
    assert table["persona"].tolist() == [
        "Moderate spenders", "Recent frequent high spenders", "Recent one-time low spenders",
        "Lapsed one-time low spenders",
    ]
    assert table.iloc[0][["recency_level", "frequency_level", "value_level"]].tolist() == [
        "mid", "mid", "mid"]  # fmt: skip
    assert table["action"].tolist() == [
        PERSONA_ACTIONS[("mid", "mid")],
        PERSONA_ACTIONS[("high", "high")],
        PERSONA_ACTIONS[("high", "low")] + ONE_TIME_NOTE,
        PERSONA_ACTIONS[("low", "low")],
    ]
    lower = describe_personas(prof.iloc[[1]], rfm=BASE).iloc[0]
    assert lower[["recency_level", "frequency_level", "value_level", "one_time"]].tolist() == [
        "mid", "mid", "mid", False]  # fmt: skip


def test_a_median_below_the_band_but_above_one_order_is_infrequent() -> None:
    """BASE's frequency band is [2, 3]: a median of 1.5 orders is below Q(0.4) = 2 and
    above one order, so its word is "infrequent" (the rule: "frequent" above the band,
    else "one-time" at a median of at most 1, else "infrequent" below the band). The
    name is recency word, frequency word, spend words, the first letter capitalised."""
    prof = hand_profile([
        (100, 1.5, 10),  # lapsed (above 64), infrequent, low spend (below 46)
        (10, 1.5, 100),  # recent (below 46), infrequent, high spend (above 50)
        (50, 1.5, 48),  # recency and spend in their bands: no recency word, "moderate"
    ])  # fmt: skip
    table = describe_personas(prof, rfm=BASE)
    assert table["persona"].tolist() == [
        "Lapsed infrequent low spenders", "Recent infrequent high spenders",
        "Infrequent moderate spenders",
    ]
    assert set(table["frequency_level"]) == {"low"} and not table["one_time"].any()
    assert table["action"].tolist() == [PERSONA_ACTIONS[("low", "low")],
                                        PERSONA_ACTIONS[("high", "high")],
                                        PERSONA_ACTIONS[("mid", "mid")]]  # fmt: skip


def test_the_spread_is_measured_in_mid_rank_percentiles() -> None:
    # Two "Moderate spenders". Mid-rank percentile = (#below + #at or below) / (2 n):
    #   recency 46, 50 -> (3 + 5) / 20, (5 + 5) / 20: spread 0.10
    #   monetary 48, 50 -> (5 + 5) / 20, (5 + 8) / 20: spread 0.15
    #   frequency 3, 3: equal, never used. Monetary separates them most (by the lower
    #   rank alone, #below / n, recency would: 0.3 -> 0.5 against 0.5 -> 0.5).
    names = name_personas(hand_profile([(46, 3, 48), (50, 3, 50)]), rfm=BASE)
    assert names.tolist() == ["Moderate spenders (median spend 48)",
                              "Moderate spenders (median spend 50)"]  # fmt: skip


def test_equal_spreads_go_to_the_first_dimension() -> None:
    # recency 46, 64 -> 8/20, 12/20; frequency 2, 3 -> (3 + 5)/20, (5 + 7)/20: the same
    # spread; monetary equal. Recency comes first in R, F, M.
    names = name_personas(hand_profile([(46, 2, 48), (64, 3, 48)]), rfm=BASE)
    assert names.tolist() == ["Moderate spenders (last order a median 46 days ago)",
                              "Moderate spenders (last order a median 64 days ago)"]  # fmt: skip


def test_means_break_ties_only_when_the_medians_cannot() -> None:
    # the medians differ in recency only (46, 50: spread 0.10); the means differ far more
    # in frequency (1 -> 3/20, 6 -> 19/20), but the medians decide
    prof = hand_profile([(46, 3, 48), (50, 3, 48)], means=[(50, 1, 48), (60, 6, 48)])
    assert name_personas(prof, rfm=BASE).tolist() == [
        "Moderate spenders (last order a median 46 days ago)",
        "Moderate spenders (last order a median 50 days ago)"]
    # equal medians: the means decide (recency 50, 60 both sit at 10/20: spread 0)
    prof = hand_profile([(50, 3, 48), (50, 3, 48)], means=[(50, 1, 48), (60, 6, 48)])
    assert name_personas(prof, rfm=BASE).tolist() == [
        "Moderate spenders (average 1 order)", "Moderate spenders (average 6 orders)"]


def test_identical_clusters_are_named_by_their_cluster_id() -> None:
    prof = hand_profile([(50, 3, 48), (50, 3, 48), (10, 6, 100)],
                        means=[(55, 3, 47), (55, 3, 47), (12, 6, 99)])  # fmt: skip
    assert name_personas(prof, rfm=BASE).tolist() == [
        "Moderate spenders (cluster 0)", "Moderate spenders (cluster 1)",
        "Recent frequent high spenders",
    ]


def test_namesakes_quote_their_spend_in_the_runs_decimals() -> None:
    """BASE in thousands: the customer base's median spend is 0.048, so money reads with
    four decimals (three significant digits), as in the report's tables; the names of
    two "Moderate spenders" quote 0.0480 and 0.0500 (whole numbers read 0 and 0)."""
    small = BASE.assign(monetary=BASE["monetary"] / 1000)
    names = name_personas(hand_profile([(46, 3, 0.048), (50, 3, 0.05)]), rfm=small)
    assert names.tolist() == ["Moderate spenders (median spend 0.0480)",
                              "Moderate spenders (median spend 0.0500)"]  # fmt: skip


def test_a_names_figures_read_back_from_its_own_profile() -> None:
    """with_figures reads every figure a name states as describe_personas wrote it: on the
    profile that named them, every name comes back as it is (medians in whole days and in
    the run's decimals, more digits where two round alike, averages, two dimensions,
    purchase days, cluster ids); on another profile its figures are that profile's."""
    from rfm.personas import with_figures

    cases = [(profile(rfm, np.random.default_rng(seed).integers(0, 6, len(rfm))), None, "order")
             for seed in range(6) for rfm in [skewed_rfm(400, seed)]]  # fmt: skip
    cases += [
        (hand_profile([(46, 3, 48), (50, 3, 48)], means=[(50, 1, 48), (60, 6, 48)]), BASE,
         "order"),
        (hand_profile([(50, 3, 48), (50, 3, 48)], means=[(50, 1, 48), (60, 6, 48)]), BASE,
         "purchase day"),
        (hand_profile([(50, 3, 48), (50, 3, 48), (10, 6, 100)],
                      means=[(55, 3, 47), (55, 3, 47), (12, 6, 99)]), BASE, "order"),
        (hand_profile([(46, 3, 0.048), (50, 3, 0.05)]),
         BASE.assign(monetary=BASE["monetary"] / 1000), "order"),
    ]  # fmt: skip
    twins = pd.DataFrame({"recency": [300, 310, 320, 330, 340, 350, 5, 5, 5, 5],
                          "frequency": [1] * 6 + [9] * 4,
                          "monetary": [50.0] * 6 + [700.2, 700.2, 700.4, 700.4]})  # fmt: skip
    cases.append((profile(twins, [0] * 6 + [1, 1, 2, 2]), None, "order"))
    bracketed = 0
    for prof, base, order in cases:
        names = name_personas(prof, rfm=base, order=order)
        for cid, name in names.items():
            bracketed += " (" in name
            assert with_figures(name, prof.loc[cid]) == name
    assert bracketed >= 20
    assert {"Moderate spenders (average 1 purchase day)",
            "Moderate spenders (median spend 0.0480)"} <= {
        n for prof, base, order in cases for n in name_personas(prof, rfm=base, order=order)}
    row = pd.Series({"recency_median": 83.0, "frequency_median": 1.0, "monetary_median": 0.05,
                     "recency_mean": 90.5, "frequency_mean": 2.0, "monetary_mean": 1.0})
    assert with_figures("Lapsed (last order a median 53 days ago)", row) == \
        "Lapsed (last order a median 83 days ago)"
    assert with_figures("Spenders (median spend 0.0480, average 3 purchase days)", row) == \
        "Spenders (median spend 0.0500, average 2 purchase days)"
    assert with_figures("Moderate spenders (cluster 1)", row) == "Moderate spenders (cluster 1)"


@pytest.mark.parametrize(("name", "stated"), [
    ("Lapsed low spenders (last order a median 53 days ago)", {"median"}),
    ("Lapsed low spenders (last order on average 53 days ago)", {"average"}),
    ("High spenders (median spend 120, average 3.4 orders)", {"median", "average"}),
    ("High spenders", set()),
    ("High spenders (cluster 3)", set()),
])  # fmt: skip
def test_the_statistics_a_names_brackets_state(name, stated) -> None:
    """What a name's brackets state, read by hand from the name: the warning about a
    figure that no longer holds calls it by that statistic."""
    from rfm.personas import stated_statistics

    assert stated_statistics(name) == stated
