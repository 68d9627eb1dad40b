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
    return ValueAhead(table, 12, "mbgnbd", purchases, SimpleNamespace(),
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
    # the other sentences are there either way, in their order
    assert words[1].startswith("1 customer (33.3%) has probably stopped buying")
    assert words[-1].startswith("1 customer whose last order is more recent than most "
                                "customers' has probably stopped buying (Champions 1)")


@pytest.mark.parametrize(("a", "se", "converged"), [
    (4.054e-07, float("nan"), False),  # Online Retail's monthly snapshots
    (0.79, 0.19, False),  # not converged, whatever its numbers
    (0.79, float("inf"), True),  # converged, but no uncertainty to go by
])  # fmt: skip
def test_a_fit_that_did_not_settle_is_said_instead(a, se, converged) -> None:
    words = value_sentences(_ahead(a, se, converged), lambda x: f"{x:,.0f}")
    said = [w for w in words if w.startswith("Caution")]
    assert len(said) == 1
    assert said[0].startswith("Caution: the purchase model could not be fitted reliably")


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
