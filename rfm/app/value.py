"""Value ahead: who is still a customer and what each will be worth, for a run.

With ``Settings(clv=MONTHS)`` (``rfmseg segment FILE --clv MONTHS``), the pipeline fits a
purchase model (MBG/NBD by default, or BG/NBD) and the Gamma-Gamma spend model to the
cleaned order lines (:func:`rfm.clv.customer_value`), and adds for every customer:

``p_alive``             the probability that the customer is still buying;
``expected_purchases``  purchases expected in the next MONTHS months;
``expected_value``      the spend expected in those months (undiscounted): expected
                        purchases × expected spend per purchase.

All three are as of the run's snapshot, as recency is: a ``snapshot`` date after the last
order ends the period the models learn from on the last whole day before it, so the days
in between count as days in which no customer bought, for the value as for recency (and
the value ahead falls the later the snapshot: :func:`value_sentences` says so). A
snapshot at midnight of day D observes the days up to D-1, as ``"max+1d"`` does on dates
without a time of day: the same instant gives the same figures however it is written.

:func:`value_tables` then sums them per segment and per persona, counts the customers
likely lost (P(alive) below one half), and the **revenue at risk**: the past spend of the
high-value customers (the two top spend scores) who are likely lost.

With ``holdout_days``, the purchase model is also fitted on the order lines up to that
many days before the end, and its predictions for those last days are set against what
the customers did (:func:`rfm.clv.holdout_check`): the papers' test of a model.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rfm._table_core import check_snapshot, in_dates_zone
from rfm.labels import agree, counted

__all__ = ["LIKELY_LOST", "SPEND_UNDEFINED", "ValueAhead", "fit_settled", "fit_value",
           "value_sentences", "value_tables"]

#: P(alive) below which a customer is counted as likely lost
LIKELY_LOST = 0.5
#: the purchase models, by the name the settings use
MODEL_NAMES = {"mbgnbd": "MBG/NBD", "bgnbd": "BG/NBD"}
#: the normal quantile of a two-sided 95% interval
Z95 = 1.959963984540054
#: columns added to segments.* (per customer; all but expected_value when the spend ahead
#: is not defined)
VALUE_COLUMNS = ("p_alive", "expected_purchases", "expected_value")
#: the run's warning when the spend model gives the spend per purchase no finite mean
#: (its q ≤ 1): the value ahead goes on without the spend
SPEND_UNDEFINED = (
    "No spend ahead: the spend per purchase is so heavy-tailed on these data (a few "
    "customers spend far more per purchase than the rest) that the spend model gives it "
    "no expected value, so the value ahead gives each customer's chance of still being a "
    "customer and expected purchases, without expected_value. Check the largest spends "
    "for errors (an amount in the wrong unit, a wholesale account), or segment those few "
    "customers on their own, to have it."
)


@dataclass
class ValueAhead:
    """What the value models found (see the module docstring)."""

    #: per customer, on the RFM table's index: p_alive, expected_purchases, expected_value
    table: pd.DataFrame
    horizon_months: int
    #: "mbgnbd" or "bgnbd"
    model: str
    purchase_model: Any
    spend_model: Any
    #: the calibration/holdout check (rfm.clv.holdout_check), with holdout_days, and the
    #: purchase model it fitted on the orders before the held-out days
    holdout: pd.DataFrame | None = None
    holdout_days: int | None = None
    holdout_model: Any = None
    #: the standard deviation of the held-out purchases of all customers together, were
    #: that model right (BetaGeo.purchases_variance: customers independent)
    holdout_sd: float | None = None
    #: per segment and per persona: customers, expected value and its share, customers
    #: likely lost and their share (value_tables)
    by_segment: pd.DataFrame | None = None
    by_persona: pd.DataFrame | None = None
    #: the high-value customers likely lost: customers, past spend, its share of revenue,
    #: and what they are still expected to spend
    at_risk: dict[str, float] | None = None
    #: the day of the last order line, and the snapshot's (the given date; with
    #: "max+1d" or "max", None)
    last_order_day: pd.Timestamp | None = None
    snapshot_day: pd.Timestamp | None = None
    #: the days between the last order line's day and the snapshot's, which the models
    #: count as days in which no customer bought (0 when the snapshot is the day after
    #: the last order, or earlier)
    days_past_data: int = 0
    #: the mean spend of the repeat purchases (purchase days after a customer's first)
    #: the spend model learnt from
    repeat_spend: float = float("nan")
    #: customers likely lost whose last order is more recent than most customers' (over
    #: half the customers' is longer ago), counted by segment (most first): recent next
    #: to the others, but quiet long for themselves
    recent_but_lost: pd.Series | None = None
    #: how many of those have bought only once
    recent_but_lost_once: int = 0

    @property
    def model_name(self) -> str:
        """The purchase model as the papers name it ("MBG/NBD")."""
        return MODEL_NAMES.get(self.model, self.model)

    @property
    def spend_defined(self) -> bool:
        """Whether the spend ahead is given: ``False`` when the spend per purchase is so
        heavy-tailed that the spend model gives it no finite mean; ``table`` then has
        no ``expected_value`` (:data:`SPEND_UNDEFINED`)."""
        return "expected_value" in self.table


def fit_value(
    clean: Any, rfm: pd.DataFrame, columns: Any, *, months: int, model: str,
    holdout_days: int | None = None, snapshot: Any = "max+1d", cleaning: Any = None,
) -> ValueAhead:
    """Fit the value models to cleaned order lines (pandas or Dask) and predict every
    customer of ``rfm`` (the run's customer table) ``months`` months ahead.

    The predictions are as of the run's ``snapshot``, the instant its recency is counted
    from: given as a date, the period the models learn from ends on the last whole day
    before it (never before the last purchase day), so each customer's age ``T`` runs to
    it as recency does, and the days after the last order count, for both, as days in
    which the customer did not buy (``days_past_data`` of them). ``"max+1d"`` and
    ``"max"`` end it on the last purchase day; so does the same instant written as a
    date.

    ``cleaning`` (the run's :class:`rfm.settings.CleaningRules`) names, in a
    ``ValueError``, the switches that kept lines worth 0 or less: the models count
    purchases, and a return is none, nor is a free line (a day of free lines alone
    would count as a purchase worth nothing).
    """
    from rfm.clv import DataEndWarning, UndefinedSpendWarning, customer_value

    if cleaning is not None and cleaning.allow_negative:
        _refuse_nonpositive(clean, columns, cleaning)

    first, last = _order_days(clean, columns)
    given = check_snapshot(snapshot)  # a date, or None ("max+1d", "max")
    snapshot_day = None if given is None else in_dates_zone(given, last.tz).normalize()
    as_of = _as_of(snapshot_day, last)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataEndWarning)  # said by value_sentences
        warnings.simplefilter("ignore", UndefinedSpendWarning)  # the run says it (SPEND_UNDEFINED)
        value = customer_value(clean, columns=columns, horizon_months=months, model=model,
                               calibration_end=as_of)
    kept = [c for c in VALUE_COLUMNS if c != "expected_value"
            or np.isfinite(value.spend_model.mean_spend_)]  # fmt: skip
    table = value.table[kept].reindex(rfm.index)
    if table.isna().any().any():  # every customer of the run has a history: never expected
        raise ValueError("the value models left some customers without a prediction.")
    holdout, fitted, spread = _holdout(clean, columns, model, holdout_days, first, last) \
        if holdout_days else (None, None, None)
    return ValueAhead(table, months, model, value.purchase_model, value.spend_model,
                      holdout, holdout_days, fitted, spread,
                      last_order_day=last,
                      snapshot_day=snapshot_day,
                      days_past_data=0 if as_of is None else (as_of - last).days,
                      repeat_spend=_repeat_spend(value.summary))  # fmt: skip


def _repeat_spend(s: pd.DataFrame) -> float:
    """The mean spend of the summary's repeat purchases (x of them worth x·monetary per
    customer)."""
    x = s["x"].to_numpy(dtype=np.float64)
    total = float(x.sum())
    return float((x * s["monetary"].to_numpy(dtype=np.float64)).sum() / total) if total \
        else float("nan")


def _refuse_nonpositive(clean: Any, columns: Any, cleaning: Any) -> None:
    """A ``ValueError`` naming ``clv`` and the cleaning switches that let them in when
    kept lines are worth 0 (free lines) or less (returns, cancellations): the value
    models count purchases, and a return is none; a free line is none either, and on a
    day of its own it would be a purchase worth 0 (refused by the spend model, or taken
    into the mean spend silently)."""
    from kmeans_np.dask_detect import is_dask_frame

    def counts(part: pd.DataFrame) -> pd.Series:
        line = columns.line_amounts(part, allow_negative=True)
        return pd.Series([int((line == 0).sum()), int((line < 0).sum())])

    if is_dask_frame(clean):
        per_part = clean.map_partitions(counts, meta=(None, "int64")).compute()
        zero, negative = (int(c) for c in per_part.groupby(level=0).sum().reindex([0, 1],
                                                                                  fill_value=0))
    else:
        zero, negative = (int(c) for c in counts(clean))
    n = zero + negative
    if not n:
        return
    money = (["drop_nonpositive_amount"] if columns.amount is not None
             else ["drop_nonpositive_quantity", "drop_nonpositive_price"])  # fmt: skip
    rules = ("drop_cancelled", *money) if negative else money
    off = [rule for rule in rules if not getattr(cleaning, rule)]
    switches = ", ".join(f"{rule!r}: False" for rule in off)
    worth = ("worth less than 0 (returns or cancellations)" if not zero
             else f"worth 0 ({'a free line' if zero == 1 else 'free lines'})" if not negative
             else f"worth 0 or less ({zero:,} free, {negative:,} returns or cancellations)")
    raise ValueError(
        f"clv: the value models count purchases, and {n:,} order line"
        f"{'s' if n != 1 else ''} kept by cleaning={{{switches}}} "
        f"{'are' if n != 1 else 'is'} {worth}; "
        "switch those rules back on to predict the value ahead, or leave out clv."
    )


def _order_days(clean: Any, columns: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The days of the first and the last order line (midnight, in the dates' own time
    zone, as the summary counts days)."""
    from kmeans_np.dask_detect import is_dask_frame

    first, last = clean[columns.date].min(), clean[columns.date].max()
    if is_dask_frame(clean):
        import dask

        first, last = dask.compute(first, last)
    return pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize()


def _as_of(snapshot_day: pd.Timestamp | None, last: pd.Timestamp) -> pd.Timestamp | None:
    """The last day of the value models' period: the last whole day before the snapshot's
    day (``snapshot_day``: a given snapshot's day, in the dates' own time zone, as the
    summary counts days; ``None`` for ``"max+1d"`` and ``"max"``), when that is after
    ``last``, the last order line's day; else ``None`` (the last purchase day, as with
    ``"max+1d"``).

    A snapshot at midnight of day D observes the days up to D-1: it is the instant
    ``"max+1d"`` stands for when the last order is on D-1 and the dates have no time of
    day, and must give the same figures. A snapshot later on day D has not seen all of
    D either; counting D as a day without purchases would count hours it has not seen.
    """
    if snapshot_day is None:
        return None
    day = snapshot_day - pd.Timedelta(days=1)
    return day if day > last else None


def _holdout(clean: Any, columns: Any, model: str, days: int, start: pd.Timestamp,
             end: pd.Timestamp) -> tuple[pd.DataFrame, Any, float]:  # fmt: skip
    """The purchase model's predictions for the last ``days`` days against what happened
    (:func:`rfm.clv.holdout_check`), the model, fitted on the orders up to ``days`` days
    before ``end``, the last purchase day (``start``: the first), and the standard
    deviation of the held-out purchases of all customers were it right. A ``ValueError``
    naming ``holdout_days`` (the command line says ``--holdout``) when the period before
    the holdout cannot be fitted: it has no purchase, or no customer repeated one."""
    from rfm.clv import BetaGeo, ModifiedBetaGeo, holdout_check, summary

    calibration_end = end - pd.Timedelta(days=days)
    if calibration_end < start:
        raise ValueError(
            f"holdout_days={days} starts the holdout before the first purchase ({start.date()}"
            f"; the orders span {(end - start).days} days up to {end.date()}), leaving no "
            "purchase to fit the model on; choose a shorter holdout_days."
        )
    s = summary(clean, columns=columns, calibration_end=calibration_end, observation_end=end)
    before = f"(orders from {start.date()} to {calibration_end.date()})"
    repeat = (s["x"] > 0).to_numpy()
    if not repeat.any():
        raise ValueError(
            f"holdout_days={days}: no customer repeated a purchase before the holdout "
            f"{before}, so the purchase model has nothing to learn from; choose a shorter "
            "holdout_days."
        )
    if (s["t_x"].to_numpy()[repeat] == s["T"].to_numpy()[repeat]).all():
        raise ValueError(
            f"holdout_days={days}: every customer who repeated a purchase before the "
            f"holdout {before} did so on its last day, so the data show no customer "
            "stopping; choose a shorter holdout_days."
        )
    estimator = ModifiedBetaGeo() if model == "mbgnbd" else BetaGeo()
    try:
        fitted = estimator.fit(s)
    except ValueError as exc:  # the model's own reason, for the period before the holdout
        raise ValueError(f"holdout_days={days}: fitted on the orders up to "
                         f"{calibration_end.date()}, {exc}") from None  # fmt: skip
    length = s.attrs["holdout_length"]
    spread = float(np.sqrt(np.sum(fitted.purchases_variance(s, length))))
    return holdout_check(fitted, s), fitted, spread


def value_tables(
    ahead: ValueAhead, rfm: pd.DataFrame, segments: pd.Series, personas: pd.Series,
    m_scores: pd.Series, q: int,
) -> ValueAhead:
    """Sum the predictions per segment and per persona, find the revenue at risk and the
    recent customers likely lost; fills ``ahead`` in place.

    Parameters
    ----------
    ahead : ValueAhead
        The fitted value models' predictions (:func:`fit_value`).
    rfm : DataFrame
        The run's customer table (``recency`` and ``monetary`` are read).
    segments, personas : Series
        Each customer's segment and persona name, in the order of ``rfm``; the tables'
        rows come in the order these first name them.
    m_scores : Series
        Each customer's M score: the high-value customers are those of the two top
        scores, ``m >= q - 1``.
    q : int
        The number of score levels.

    Returns
    -------
    ValueAhead
        ``ahead``, with ``by_segment``, ``by_persona``, ``at_risk`` and
        ``recent_but_lost`` (the likely lost whose last order is more recent than over
        half the customers', by segment, most first).
    """
    table = ahead.table
    frame = table.assign(segment=segments.to_numpy(), persona=personas.to_numpy(),
                         lost=table["p_alive"].to_numpy() < LIKELY_LOST)  # fmt: skip
    spend = ahead.spend_defined
    total = float(table["expected_value"].sum()) if spend else np.nan

    def per(group: str, order: list[Any]) -> pd.DataFrame:
        g = frame.groupby(group, sort=False)
        out = pd.DataFrame({"customers": g.size()})
        if spend:
            out["expected_value"] = g["expected_value"].sum()
            out["value_share"] = out["expected_value"] / total if total else np.nan
        out["likely_lost"] = g["lost"].sum().astype(np.int64)
        out = out.reindex(order)
        out["likely_lost_share"] = out["likely_lost"] / out["customers"]
        out.index.name = group
        return out

    ahead.by_segment = per("segment", list(dict.fromkeys(segments)))
    ahead.by_persona = per("persona", list(dict.fromkeys(personas)))
    high = m_scores.to_numpy() >= q - 1
    risk = high & frame["lost"].to_numpy()
    past = rfm["monetary"].to_numpy(dtype=np.float64)
    revenue = float(past.sum())
    ahead.at_risk = {
        "customers": int(risk.sum()),
        "past_spend": float(past[risk].sum()),
        "revenue_share": float(past[risk].sum() / revenue) if revenue else float("nan"),
        "expected_value": (float(table["expected_value"].to_numpy()[risk].sum()) if spend
                           else float("nan")),
    }
    days = rfm["recency"].to_numpy(dtype=np.float64)
    longer_ago = len(days) - np.searchsorted(np.sort(days), days, side="right")
    quiet = (2 * longer_ago > len(days)) & frame["lost"].to_numpy()  # by the data, any q
    by_segment = pd.Series(segments.to_numpy()[quiet]).value_counts(sort=False).sort_index()
    ahead.recent_but_lost = by_segment.sort_values(ascending=False, kind="stable")
    once = rfm["frequency"].to_numpy() == 1
    ahead.recent_but_lost_once = int((quiet & once).sum())
    return ahead


def fit_settled(model: Any) -> bool:
    """The model's fit (the purchase or the spend model's) converged and every parameter
    has a finite standard error."""
    errors = np.array(list(model.standard_errors_.values()), dtype=np.float64)
    return bool(model.converged_ and np.isfinite(errors).all())


def spend_interval(model: Any) -> tuple[float, float]:
    """The 95% interval of the spend model's q, ``q ± 1.96·SE`` (the standard error from
    the observed information: :mod:`rfm.clv.mle`)."""
    q, se = model.params_["q"], model.standard_errors_["q"]
    return q - Z95 * se, q + Z95 * se


def spend_unsure(model: Any) -> bool:
    """True when the 95% interval of the spend model's q reaches 1: the mean spend per
    purchase, pγ/(q-1), which every one-time buyer is given and every other customer's
    expected spend leans towards, could be as large as the data allow, so the spend
    ahead rests on a few very large orders. (With q ≤ 1 it has no finite value at all:
    :data:`SPEND_UNDEFINED`.)"""
    low, _ = spend_interval(model)
    return bool(np.isfinite(low) and low <= 1)


def _dropout_unsure(model: Any) -> bool:
    """True when the purchase model's dropout parameter ``a`` (a customer leaves after a
    purchase with probability p ~ Beta(a, b)) is smaller than its standard error: the
    data cannot tell its dropout from none at all."""
    a = model.params_["a"]
    return bool(np.isfinite(a) and model.standard_errors_["a"] > a)


def past_the_data(v: ValueAhead) -> str:
    """The caution when the snapshot is days after the last order line: the value ahead
    counts those days as days without purchases, so it falls the later the snapshot."""
    n = v.days_past_data
    after = (v.snapshot_day - v.last_order_day).days
    between = (f"the {n:,} days in between as days" if n != 1
               else "the day in between as a day")  # fmt: skip
    return (
        f"Caution: the snapshot, {v.snapshot_day.date()}, is {counted(after, 'day')} after "
        f"the last order line ({v.last_order_day.date()}), and the value ahead counts "
        f"{between} in which no customer bought, so it falls, and more customers look "
        "lost, the later the snapshot."
    )


def value_sentences(v: ValueAhead, money: Callable[[object], str]) -> list[str]:
    """The value ahead in plain words: the report and the console show these sentences.
    The models are not named here: the report's details for analysts name them.

    A snapshot days after the last order line is said right after the forecast
    (:func:`past_the_data`): those days count as days without purchases. When the spend
    model's fit did not settle, the spend ahead is given in a caution that says it is
    not reliable, after the purchases expected, instead of flatly; when it settled but
    the 95% interval of its q reaches 1 (:func:`spend_unsure`), a caution follows it.

    When the purchase model's fit did not settle, or its dropout is smaller than its
    standard error, a caution takes the place of the sentences that rest on each
    customer's chance of still being a customer (how many have stopped, the revenue at
    risk, the recent customers probably lost): it gives the model's count, said to be
    unreliable, instead of stating it flatly.
    """
    table = v.table
    lost = int((table["p_alive"] < LIKELY_LOST).sum())
    count = f"{counted(lost)} ({lost / len(table):.1%})"
    ahead = f"Over the next {v.horizon_months} months the {len(table):,} customers are expected"
    purchases = f"{ahead} to make {table['expected_purchases'].sum():,.0f} purchases"
    if not v.spend_defined:
        words = [f"{purchases}; what they will spend is not given (the spend per purchase is "
                 "too heavy-tailed for the spend model: see the warning)."]
    elif not fit_settled(v.spend_model):
        words = [f"{purchases}.", (
            "Caution: the spend model could not be fitted reliably to these data (see the "
            "details for analysts), so what they will spend is not reliable; by it, they "
            f"would spend {money(table['expected_value'].sum())} (not discounted).")]
    else:
        words = [f"{ahead} to spend {money(table['expected_value'].sum())} (not discounted)."]
        if spend_unsure(v.spend_model):
            words.append(
                "Caution: the spend ahead is very uncertain, because a few very large "
                f"orders dominate it: the spend model expects {money(v.spend_model.mean_spend_)}"
                " per purchase from a customer who has bought only once, while the repeat "
                f"purchases seen average {money(v.repeat_spend)}."
            )
    if v.days_past_data:
        words.append(past_the_data(v))
    if not fit_settled(v.purchase_model):
        words.append(
            "Caution: the purchase model could not be fitted reliably to these data (see "
            "the details for analysts), so its forecast and its chances of still being a "
            f"customer are not reliable; by it, {count} would have stopped buying. The "
            "segments come from the scores alone."
        )
        return words
    if _dropout_unsure(v.purchase_model):
        words.append(
            "Caution: these data show almost no sign of customers leaving for good, and the "
            "model cannot tell how readily they leave (see the details for analysts), so "
            f"its count of {count} who {agree(lost, 'has|have')} probably stopped buying "
            "rests on a guess. The segments come from the scores alone."
        )
        return words
    risk = v.at_risk
    words += [
        f"{count} {agree(lost, 'has|have')} probably stopped buying: their chance of still "
        "being a customer is below one half.",
        f"Revenue at risk: {counted(risk['customers'], 'high-value customer')} (the two top "
        f"spend scores) {agree(risk['customers'], 'has|have')} probably stopped; "
        f"they spent {money(risk['past_spend'])} "
        f"({risk['revenue_share']:.1%} of all revenue).",
    ]
    quiet = v.recent_but_lost
    if quiet is not None and quiet.sum():
        n = int(quiet.sum())
        where = ", ".join(f"{name} {c:,}" for name, c in quiet.items())
        once = v.recent_but_lost_once
        only = ("" if not once else " (only once)" if n == 1
                else " (all of them only once)" if once == n
                else f" ({once:,} of them only once)")  # fmt: skip
        words.append(
            f"{counted(n)} whose last order is more recent than most customers' "
            f"{agree(n, 'has|have')} probably stopped buying ({where}): for the model, "
            "the last purchase is long ago for how often "
            f"{agree(n, 'this customer has|they have')} bought{only}. A win-back message "
            "suits them better than their segment's action."
        )
    return words
