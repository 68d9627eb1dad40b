"""Descriptive persona names for clusters: where each cluster sits in the customer base.

Rule-based segments (:func:`rfm.segment`) have names of their own ("Champions", "At
Risk", …: the value ladder's by default, or the R ``rfm`` package's). Clusters get a
*separate* vocabulary that only describes, so the two views never use one name for two
different groups of customers.

How a name is made
------------------
Each cluster's **median** recency, frequency and monetary value is compared with the
quantiles of the whole customer base (``low`` = 0.4 and ``high`` = 0.6 by default):

==========  ==============================  ===========================  =====================
dimension   word                            when                         so the name claims
==========  ==============================  ===========================  =====================
recency     "Recent"                        median < population Q(low)   below the pop. median
recency     "Lapsed"                        median > population Q(high)  above the pop. median
frequency   "frequent"                      median > population Q(high)  above the pop. median
frequency   "one-time"                      median ≤ 1 order             a single order
frequency   "infrequent"                    median < population Q(low)   below the pop. median
monetary    "high spenders"                 median > population Q(high)  above the pop. median
monetary    "low spenders"                  median < population Q(low)   below the pop. median
monetary    "moderate spenders"             otherwise                    nothing
==========  ==============================  ===========================  =====================

A dimension in the middle band gets no word (recency, frequency) or "moderate"
(spend), so a name never claims what its numbers deny: "Recent one-time low spenders",
"Lapsed frequent high spenders", "Moderate spenders". No name is one of the segment
names.

A dimension that does not separate the clusters gets no word either, whatever the
medians (spend then leaves the noun "customers": "Recent customers"): only a
dimension whose η² of ranks reaches :data:`rfm.profiles.SEPARATES_STRONGLY` (0.14, a
large effect;
:func:`rfm.profiles.separation`) is named, since calling groups "high" and "low
spenders" claims that spend tells them apart. ("one-time", a median of one order, is a
plain fact and always said.)

When two clusters land on the same name, they are told apart by the dimension that
separates them most (the largest spread of their medians in population percentiles),
with each cluster's median in words: "(last order a median 30 days ago)",
"(median 3 orders)", "(median spend 120)". Three or more on one name get the two
dimensions that separate them most, widest first ("(median spend 122, last order a
median 34 days ago)"): the dimension that spreads a group most can leave two of its
clusters close together, which the second then tells apart. Only when their medians
tie do their averages tell them apart, and then the name says "average". A comparative word
("longer inactive") could contradict the name's own "Recent"; the median cannot. Names
are never numbered.

Each persona gets a recommended action from its recency × value cell
(:data:`PERSONA_ACTIONS`), with a second-order priority for one-time buyers who are not
lapsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe
from rfm._inputs import RFM_COLUMNS, check_rfm
from rfm.labels import spend_decimals
from rfm.profiles import SEPARATES_STRONGLY

__all__ = ["NEW_MARK", "ONE_TIME", "PERSONA_ACTIONS", "describe_personas", "name_personas",
           "name_stem", "says_one_time", "with_figures", "without_new_mark"]

#: (recency level, value level) → recommended action; levels are "high", "mid", "low"
#: (recency "high" = recent).
PERSONA_ACTIONS: dict[tuple[str, str], str] = {
    ("high", "high"): "Reward and retain: early access and loyalty perks; no discount needed.",
    ("high", "mid"): "Grow the basket: recommendations, bundles and loyalty points.",
    ("high", "low"): "Build the habit: welcome content and an incentive for the next order.",
    ("mid", "high"): "Keep them close: personal offers on their favourite products.",
    # (no word on lapsing: "mid" is also every persona's recency when recency does not
    # tell them apart, as for a one-day export, where everyone bought the day before)
    ("mid", "mid"): "Keep them engaged: limited-time offers based on purchase history.",
    ("mid", "low"): "Remind them: popular products and a small discount.",
    ("low", "high"): "Win back now: personal outreach and a time-limited offer on past "
    "favourites.",
    ("low", "mid"): "Reactivate with a strong incentive; stop if the campaign does not pay.",
    ("low", "low"): "Low-cost reactivation only (one last e-mail); otherwise leave them out.",
}

ONE_TIME_NOTE = " First priority: a second order."
#: the word of a name whose cluster's median customer has at most one order (a plain fact)
ONE_TIME = "one-time"
#: added by a refit to a new cluster's name that an older model gave another cluster
#: (:func:`rfm.model_refit.match_clusters`), in that refit run's files and report only
NEW_MARK = " (new)"


def without_new_mark(name: str) -> str:
    """A persona name without :data:`NEW_MARK` at its end: the name a cluster keeps after
    the refit run in which it appeared ("Sleepers (new)" → "Sleepers"), since in later
    runs (the refitted model applied, or refitted again) the cluster is no longer new.
    Every mark goes (a model saved by an older version may carry two)."""
    while name.endswith(NEW_MARK):
        name = name[: -len(NEW_MARK)]
    return name


def name_stem(name: str) -> str:
    """A persona name without what follows it in brackets: the medians that tell
    namesakes apart, or :data:`NEW_MARK` ("Loyal (median spend 120)" → "Loyal")."""
    return name.split(" (", 1)[0]


def says_one_time(name: str) -> bool:
    """Whether a persona name says its cluster's median customer ordered once
    (:data:`ONE_TIME`, outside its brackets)."""
    return ONE_TIME in name_stem(name).lower().split()


_RECENCY_WORD = {"high": "Recent", "mid": "", "low": "Lapsed"}
_VALUE_WORD = {"high": "high spenders", "mid": "moderate spenders", "low": "low spenders"}


def _median_text(dim: str, value: float, stat: str = "median", exact: bool = False,
                 order: str = "order", decimals: int = 0) -> str:  # fmt: skip
    """A cluster's median (or, when the medians tie, its ``stat="average"``) in words;
    ``exact`` keeps up to six significant digits where whole numbers would round two
    clusters to one text; ``order`` is what one order is called ("purchase day" without
    an invoice column); ``decimals`` those of the run's money
    (:func:`rfm.labels.spend_decimals`), so that the name reads as the tables do."""
    places = decimals if dim == "monetary" else 0
    number = f"{value:,.6g}" if exact else f"{value:,.{places}f}"
    if dim == "recency":
        how = "a median" if stat == "median" else "on average"
        return f"last order {how} {number} {'day' if number == '1' else 'days'} ago"
    if dim == "frequency":
        return f"{stat} {value:.6g} {order}{'' if value == 1 else 's'}"
    return f"{stat} spend {number}"


#: the figures a name's brackets state, as :func:`_median_text` writes them: the words
#: around the number say its dimension and statistic
_FIGURES = (
    ("recency", re.compile(r"last order (a median|on average) (\S+) days? ago")),
    ("monetary", re.compile(r"(median|average) spend (\S+)")),
    ("frequency", re.compile(r"(median|average) (\S+) (.+?)s?")),
)


def _stated(name: str) -> list[tuple[str, str, re.Match[str]]]:
    """The figures the brackets of persona ``name`` state: (dimension, "median" or
    "average", the match), in order; none when the name states no figure."""
    base = name.removesuffix(NEW_MARK)
    stem = name_stem(base)
    if base == stem or not base.endswith(")"):
        return []
    out = []
    for part in base[len(stem) + 2 : -1].split(", "):  # (numbers group thousands by ",")
        found = next(((dim, hit) for dim, pattern in _FIGURES
                      if (hit := pattern.fullmatch(part))), None)  # fmt: skip
        if found is None:  # "(cluster 3)": no figure
            return []
        dim, hit = found
        out.append((dim, "median" if "median" in hit[1] else "average", hit))
    return out


def stated_statistics(name: str) -> set[str]:
    """Which statistics ("median", "average") the brackets of persona ``name`` state."""
    return {stat for _, stat, _ in _stated(name)}


def with_figures(name: str, figures: Mapping[str, float]) -> str:
    """A persona name with each figure in its brackets as ``figures`` give it, written as
    the name writes it (the same statistic and decimals): the name itself when every
    figure it states still holds, or when it states none (no brackets, "(cluster 3)",
    :data:`NEW_MARK`).

    Parameters
    ----------
    name : str
        A name of :func:`describe_personas` ("Lapsed low spenders (last order a median 53
        days ago)", "... (median spend 120, median 3 orders)").
    figures : Mapping
        One cluster's row of a profile (:func:`rfm.profile`): ``recency_median``,
        ``frequency_mean``, … for the medians ("median", "a median") and the averages
        ("average", "on average") a name can state.

    Returns
    -------
    str
        The name as it would read with these figures, e.g. "Lapsed low spenders (last
        order a median 83 days ago)".
    """
    stated = _stated(name)
    if not stated:
        return name
    mark = NEW_MARK if name.endswith(NEW_MARK) else ""
    stem = name_stem(name[: len(name) - len(mark)])
    parts = []
    for dim, stat, hit in stated:
        value = float(figures[f"{dim}_{'median' if stat == 'median' else 'mean'}"])
        number = hit[2]
        exact = "e" in number or (dim == "recency" and "." in number)
        decimals = len(number.split(".")[1]) if "." in number and not exact else 0
        order = hit[3] if dim == "frequency" else "order"
        parts.append(_median_text(dim, value, stat, exact=exact, order=order,
                                  decimals=decimals))  # fmt: skip
    return f"{stem} ({', '.join(parts)}){mark}"


def _levels(
    medians: pd.DataFrame, population: dict[str, np.ndarray], low: float, high: float,
    separates: dict[str, bool],
) -> pd.DataFrame:
    """Level of each cluster median per dimension: "high", "mid" or "low" (recency
    "high" = recent; "mid" for every cluster on a dimension that does not separate them),
    plus ``one_time`` for a median of at most one order."""
    out = {}
    for dim in RFM_COLUMNS:
        q_low, q_high = np.quantile(population[dim], [low, high])
        med = medians[dim].to_numpy(dtype=np.float64)
        above, below = med > q_high, med < q_low
        if not separates[dim]:
            above = below = np.zeros(len(med), dtype=bool)
        if dim == "recency":  # few days = recent = "high"
            above, below = below, above
        out[dim] = np.where(above, "high", np.where(below, "low", "mid"))
    levels = pd.DataFrame(out, index=medians.index)
    levels["one_time"] = medians["frequency"].to_numpy(dtype=np.float64) <= 1
    return levels


def _base_name(row: pd.Series, spend_separates: bool = True) -> str:
    if row["frequency"] == "high":
        freq = "frequent"
    elif row["one_time"]:
        freq = ONE_TIME
    elif row["frequency"] == "low":
        freq = "infrequent"
    else:
        freq = ""
    # spend that does not separate the clusters gets no word, not even "moderate"
    value = _VALUE_WORD[row["value"]] if spend_separates else "customers"
    parts = (_RECENCY_WORD[row["recency"]], freq, value)
    words = " ".join(w for w in parts if w)
    return words[0].upper() + words[1:]


def _percentile(sorted_pop: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mid-rank position of each value in the population, in [0, 1]."""
    lo = np.searchsorted(sorted_pop, values, side="left")
    hi = np.searchsorted(sorted_pop, values, side="right")
    return (lo + hi) / (2.0 * len(sorted_pop))


def _separate(
    names: list[str], medians: pd.DataFrame, means: pd.DataFrame | None,
    population: dict[str, np.ndarray], order: str = "order",
) -> list[str]:
    """Tell apart clusters that share a name by the dimension that separates them most."""
    out = list(names)
    # the money in the run's decimals: those of the customer base's median spend
    places = spend_decimals(float(np.median(population["monetary"])))
    for name in dict.fromkeys(names):
        idx = [i for i, n in enumerate(names) if n == name]
        if len(idx) < 2:
            continue
        spreads: list[tuple[float, str, np.ndarray]] = []
        stat = "median"
        for what, table in (("median", medians), ("average", means)):
            if table is None:
                continue
            for dim in RFM_COLUMNS:
                vals = table[dim].to_numpy(dtype=np.float64)[idx]
                if len(np.unique(vals)) < len(vals):
                    continue
                pct = _percentile(population[dim], vals)
                spreads.append((float(pct.max() - pct.min()), dim, vals))
            if spreads:
                stat = what
                break
        if not spreads:  # identical clusters on every dimension: say which cluster
            for i in idx:
                out[i] = f"{name} (cluster {medians.index[i]})"
            continue
        # the widest spread first (stable: ties keep recency, frequency, spend order);
        # three or more namesakes get the second widest too, since one dimension that
        # spreads the group most can still leave two of them close
        spreads.sort(key=lambda t: -t[0])
        chosen = spreads[: 1 if len(idx) == 2 else 2]
        texts = [", ".join(_median_text(dim, vals[n], stat, order=order, decimals=places)
                           for _, dim, vals in chosen) for n in range(len(idx))]  # fmt: skip
        if len(set(texts)) < len(texts):  # rounding merged two: keep more digits
            texts = [", ".join(_median_text(dim, vals[n], stat, exact=True, order=order)
                               for _, dim, vals in chosen) for n in range(len(idx))]
        for i, t in zip(idx, texts, strict=True):
            out[i] = f"{name} ({t})"
    return out


def _population(profile: pd.DataFrame, rfm: pd.DataFrame | None) -> dict[str, np.ndarray]:
    if rfm is not None:
        arrays = check_rfm(rfm, RFM_COLUMNS)
        return {d: np.sort(a) for d, a in zip(RFM_COLUMNS, arrays, strict=True)}
    pop = profile.attrs.get("population")  # quantiles on a fine grid (rfm.profile)
    if pop is None:
        raise ValueError(
            "name_personas needs the customer base to compare clusters with: pass "
            "rfm=<the RFM table>, or a profile made by rfm.profile."
        )
    return {d: np.sort(np.asarray(pop[d], dtype=np.float64)) for d in RFM_COLUMNS}


def describe_personas(
    profile: pd.DataFrame,
    *,
    rfm: pd.DataFrame | None = None,
    low: float = 0.4,
    high: float = 0.6,
    order: str = "order",
) -> pd.DataFrame:
    """Persona name, levels and recommended action of each cluster of a profile.

    Parameters
    ----------
    profile : DataFrame
        Output of :func:`rfm.profile` (one row per cluster, with ``recency_median``,
        ``frequency_median`` and ``monetary_median``; the means, when present, break
        ties between clusters with equal medians). Its ``attrs["separation"]`` (η² of
        ranks per dimension), when present, switches off the words of a dimension that
        does not separate the clusters strongly.
    rfm : DataFrame, optional
        The customer base (``recency``, ``frequency``, ``monetary`` per customer) whose
        quantiles place the clusters. Default: the distribution :func:`rfm.profile`
        recorded in ``profile.attrs["population"]``.
    low, high : float
        Population quantiles that bound the middle band, ``0 < low <= 0.5 <= high < 1``.
    order : str
        What one order is called in a name that quotes a median count of orders
        ("median 3 orders"): ``"purchase day"`` when orders are purchase days (no invoice
        column).

    Returns
    -------
    DataFrame
        Indexed like ``profile``: ``persona`` (unique names), ``recency_level``,
        ``frequency_level``, ``value_level`` ("high", "mid" or "low"; recency "high" =
        recent), ``one_time`` (bool) and ``action``.

    Raises
    ------
    TypeError, ValueError
        Not a DataFrame, missing median columns, an empty profile, duplicate cluster ids,
        missing medians, bad ``low``/``high``, or no customer base to compare with.
    """
    check_dataframe(profile, "profile", source="see rfm.profile")
    med_cols = [f"{d}_median" for d in RFM_COLUMNS]
    check_columns(profile, med_cols, what="profile")
    if len(profile) == 0:
        raise ValueError("profile is empty (no clusters).")
    if not (0 < low <= 0.5 <= high < 1):
        raise ValueError(f"need 0 < low <= 0.5 <= high < 1, got low={low}, high={high}.")
    if profile.index.has_duplicates:
        raise ValueError("profile has duplicate cluster ids in its index.")
    medians = profile[med_cols].astype(np.float64)
    medians.columns = list(RFM_COLUMNS)
    if not np.isfinite(medians.to_numpy()).all():
        raise ValueError("profile has missing recency/frequency/monetary medians.")
    mean_cols = [f"{d}_mean" for d in RFM_COLUMNS]
    means = None
    if all(c in profile for c in mean_cols):
        means = profile[mean_cols].astype(np.float64)
        means.columns = list(RFM_COLUMNS)
    population = _population(profile, rfm)
    eta = profile.attrs.get("separation")  # η² of ranks per dimension (rfm.profile)
    separates = {d: eta is None or eta[d] >= SEPARATES_STRONGLY for d in RFM_COLUMNS}
    levels = _levels(medians, population, low, high, separates)
    levels = levels.rename(columns={"monetary": "value"})
    names = _separate([_base_name(row, separates["monetary"]) for _, row in levels.iterrows()],
                      medians, means, population, order)  # fmt: skip
    actions = [
        PERSONA_ACTIONS[(r, v)] + (ONE_TIME_NOTE if one and r != "low" else "")
        for r, v, one in zip(levels["recency"], levels["value"], levels["one_time"], strict=True)
    ]
    return pd.DataFrame(
        {
            "persona": names,
            "recency_level": levels["recency"].to_numpy(),
            "frequency_level": levels["frequency"].to_numpy(),
            "value_level": levels["value"].to_numpy(),
            "one_time": levels["one_time"].to_numpy(),
            "action": actions,
        },
        index=profile.index,
    )


def name_personas(
    profile: pd.DataFrame,
    *,
    rfm: pd.DataFrame | None = None,
    low: float = 0.4,
    high: float = 0.6,
    order: str = "order",
) -> pd.Series:
    """Give each cluster of a profile a descriptive, unique persona name.

    The name says where the cluster's medians sit against the whole customer base
    (module docstring): e.g. "Recent frequent high spenders", "Lapsed one-time low
    spenders". Same parameters as :func:`describe_personas`.

    Returns
    -------
    Series
        Cluster id → persona name (named ``persona``), in the profile's row order.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency": [5, 10, 300, 280, 100], "frequency": [9, 7, 1, 1, 3],
    ...                     "monetary": [900.0, 700.0, 30.0, 50.0, 200.0]})
    >>> from rfm.profiles import profile
    >>> name_personas(profile(rfm, [1, 1, 0, 0, 2])).tolist()
    ['Recent frequent high spenders', 'Moderate spenders', 'Lapsed one-time low spenders']
    """
    return describe_personas(profile, rfm=rfm, low=low, high=high, order=order)["persona"]
