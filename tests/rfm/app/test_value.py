"""rfm.app.value.value_sentences: the cautions when the fit did not settle, or when the data
cannot show customers leaving.

Reference: the rules written out here (a fit that did not converge or has a standard error
that is not finite; else the dropout parameter a below its standard error), on stand-in
fitted models whose numbers are set by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from rfm.app.value import ValueAhead, value_sentences


def _ahead(a: float, se: float, converged: bool = True) -> ValueAhead:
    purchases = SimpleNamespace(params_={"r": 0.8, "alpha": 5.0, "a": a, "b": 3.0},
                                standard_errors_={"r": 0.1, "alpha": 0.5, "a": se, "b": 1.0},
                                converged_=converged)  # fmt: skip
    table = pd.DataFrame({"p_alive": [0.9, 0.95, 0.4], "expected_purchases": [1.0, 2.0, 0.1],
                          "expected_value": [10.0, 20.0, 1.0]})  # fmt: skip
    spend = SimpleNamespace(params_={"p": 6.0, "q": 4.0, "gamma": 15.0},
                            standard_errors_={"p": 0.5, "q": 0.3, "gamma": 2.0},
                            converged_=True)  # fmt: skip
    return ValueAhead(table, 12, "mbgnbd", purchases, spend,
                      at_risk={"customers": 0, "past_spend": 0.0, "revenue_share": 0.0},
                      recent_but_lost=pd.Series({"Champions": 1}))  # fmt: skip


@pytest.mark.parametrize(("a", "se", "caution"), [
    (0.0019, 0.0124, True),  # the Online Retail fit: a dropout no different from none
    (0.05, 0.0501, True),
    (0.05, 0.0499, False),
    (0.79, 0.19, False),  # a clear dropout
])  # fmt: skip
def test_caution_exactly_when_a_is_below_its_standard_error(a, se, caution) -> None:
    words = value_sentences(_ahead(a, se), lambda x: f"{x:,.0f}")
    said = [w for w in words if w.startswith("Caution")]
    assert len(said) == int(caution)
    assert words[0].startswith("Over the next 12 months the 3 customers are expected to spend 31")
    if caution:  # the count is the caution's, not a flat statement; nothing rests on it
        assert words[1:] == [
            "Caution: these data show almost no sign of customers leaving for good, and the "
            "model cannot tell how readily they leave (see the details for analysts), so its "
            "count of 1 customer (33.3%) who has probably stopped buying rests on a guess. "
            "The segments come from the scores alone."]
        return
    assert words[1] == ("1 customer (33.3%) has probably stopped buying: their chance of "
                        "still being a customer is below one half.")
    assert words[2].startswith("Revenue at risk: 0 high-value customers")
    assert words[3] == (
        "1 customer whose last order is more recent than most customers' has probably "
        "stopped buying (Champions 1): for the model, the last purchase is long ago for how "
        "often this customer has bought. A win-back message suits them better than their "
        "segment's action.")
    assert len(words) == 4


@pytest.mark.parametrize(("a", "se", "converged"), [
    (4.054e-07, float("nan"), False),  # Online Retail's monthly snapshots
    (0.79, 0.19, False),  # not converged, whatever its numbers
    (0.79, float("inf"), True),  # converged, but no uncertainty to go by
])  # fmt: skip
def test_a_fit_that_did_not_settle_is_said_instead(a, se, converged) -> None:
    words = value_sentences(_ahead(a, se, converged), lambda x: f"{x:,.0f}")
    assert len(words) == 2 and words[1] == (
        "Caution: the purchase model could not be fitted reliably to these data (see the "
        "details for analysts), so its forecast and its chances of still being a customer "
        "are not reliable; by it, 1 customer (33.3%) would have stopped buying. The segments "
        "come from the scores alone.")


def test_one_customer_at_risk_is_said_in_the_singular() -> None:
    ahead = _ahead(0.79, 0.19)
    ahead.at_risk = {"customers": 1, "past_spend": 250.0, "revenue_share": 0.125}
    words = value_sentences(ahead, lambda x: f"{x:,.0f}")
    assert ("Revenue at risk: 1 high-value customer (the two top spend scores) has probably "
            "stopped; they spent 250 (12.5% of all revenue).") in words
    ahead.at_risk = {"customers": 2, "past_spend": 250.0, "revenue_share": 0.125}
    assert ("Revenue at risk: 2 high-value customers (the two top spend scores) have "
            "probably stopped; they spent 250 (12.5% of all revenue).") in value_sentences(
        ahead, lambda x: f"{x:,.0f}")


@pytest.mark.parametrize(("quiet", "once", "said"), [
    ({"Champions": 3, "New Customers": 2}, 2, "(Champions 3, New Customers 2): for the model, "
     "the last purchase is long ago for how often they have bought (2 of them only once)."),
    ({"New Customers": 2}, 2, "(New Customers 2): for the model, the last purchase is long ago "
     "for how often they have bought (all of them only once)."),
    ({"Champions": 1}, 1, "(Champions 1): for the model, the last purchase is long ago for how "
     "often this customer has bought (only once)."),
    ({"Champions": 4}, 0, "(Champions 4): for the model, the last purchase is long ago for how "
     "often they have bought."),
])  # fmt: skip
def test_the_recent_but_lost_say_how_many_bought_once(quiet, once, said) -> None:
    ahead = _ahead(0.79, 0.19)
    ahead.recent_but_lost = pd.Series(quiet)
    ahead.recent_but_lost_once = once
    assert said in value_sentences(ahead, lambda x: f"{x:,.0f}")[-1]


@pytest.mark.parametrize(("snapshot", "said"), [
    ("1998-07-01", None),  # the day after the last order: the default's instant
    ("1998-07-02", "Caution: the snapshot, 1998-07-02, is 2 days after the last order line "
     "(1998-06-30), and the value ahead counts the day in between as a day in which no "
     "customer bought, so it falls, and more customers look lost, the later the snapshot."),
    ("1998-07-04", "Caution: the snapshot, 1998-07-04, is 4 days after the last order line "
     "(1998-06-30), and the value ahead counts the 3 days in between as days in which no "
     "customer bought, so it falls, and more customers look lost, the later the snapshot."),
])  # fmt: skip
def test_a_snapshot_after_the_data_is_said_right_after_the_forecast(snapshot, said) -> None:
    """Days between the last order line's day and the snapshot's, counted here from the
    calendar: said after the forecast, in the singular for one."""
    ahead = _ahead(0.79, 0.19)
    last, day = pd.Timestamp("1998-06-30"), pd.Timestamp(snapshot)
    ahead.last_order_day, ahead.snapshot_day = last, day
    ahead.days_past_data = len(pd.date_range(last, day, inclusive="neither"))
    words = value_sentences(ahead, lambda x: f"{x:,.0f}")
    if said is None:
        assert not any("snapshot" in w for w in words)
    else:
        assert words[1] == said and len(words) == 5


@pytest.mark.parametrize(("q", "se", "caution"), [
    (1.0626, 0.0634, True),  # drawn at q = 1.1: 0.938 to 1.187
    (1.19, 0.0970, True),  # 1.19 - 1.96 x 0.0970 = 0.99988
    (1.19, 0.0969, False),  # 1.00008
    (4.19, 0.295, False),  # the CDNOW sample
])  # fmt: skip
def test_caution_exactly_when_qs_95_percent_interval_reaches_1(q, se, caution) -> None:
    """q - 1.96 standard errors at or below 1, worked out by hand above: the spend ahead
    is followed by the caution, with the model's mean spend per purchase and the repeat
    purchases' own; nothing else changes."""
    ahead = _ahead(0.79, 0.19)
    ahead.spend_model.params_["q"], ahead.spend_model.standard_errors_["q"] = q, se
    ahead.spend_model.mean_spend_ = 3323.4
    ahead.repeat_spend = 1085.6
    words = value_sentences(ahead, lambda x: f"{x:,.0f}")
    said = ("Caution: the spend ahead is very uncertain, because a few very large orders "
            "dominate it: the spend model expects 3,323 per purchase from a customer who has "
            "bought only once, while the repeat purchases seen average 1,086.")
    assert words[0].startswith("Over the next 12 months the 3 customers are expected to spend")
    assert (words[1] == said) is caution and len(words) == 4 + caution
