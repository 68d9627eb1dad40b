"""The money format a run's figures take: decimals chosen from the median customer's
spend, so that a file in thousands does not read "spend 0", and whole numbers where the
amounts are large enough."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from rfm.labels import run_money, spend_decimals
from rfm.report.plots import _figure


@pytest.mark.parametrize(("median", "places"), [
    (12_345.0, 0), (10.0, 0), (9.99, 2), (1.0, 2), (0.99, 3), (0.137, 3), (0.1, 3),
    (0.0999, 4), (1e-9, 6), (0.0, 0), (-5.0, 0), (float("nan"), 0),
])  # fmt: skip
def test_spend_decimals_give_three_significant_digits_below_10(median, places) -> None:
    """Written out: none from 10 on; 2 − floor(log10(median)) below, at most 6; none
    for a median of 0 or less (nothing to show) or NaN."""
    assert spend_decimals(median) == places


def test_a_runs_money_takes_its_currency_and_its_customers_median() -> None:
    def run(spend, currency=""):
        return SimpleNamespace(rfm=pd.DataFrame({"monetary": spend}),
                               settings={"currency": currency})  # fmt: skip

    assert run_money(run([0.05, 0.137, 2.0], "€"))(1234.5) == "€1,234.500"
    assert run_money(run([50.0, 120.0, 4000.0]))(1234.5) == "1,234"  # half to even
    assert run_money(run([50.0, 120.0]))(-3.0) == "−3"
    assert run_money(SimpleNamespace())(7.25) == "7"  # nothing known: whole


@pytest.mark.parametrize(("value", "shown"), [
    (12_345.4, "12,345"), (10.0, "10"), (9.876, "9.88"), (0.13749, "0.137"), (0.0, "0"),
    (7.0, "7"), (-0.5, "-0.5"),
])  # fmt: skip
def test_chart_figures_keep_small_amounts(value, shown) -> None:
    assert _figure(value) == shown


def test_money_that_rounds_to_zero_has_no_sign() -> None:
    """A purchase and its return can sum to −5e-15: shown as 0, not "−0"; a real
    negative keeps its sign."""
    from rfm.labels import money

    assert money("£", 2)(-5.3e-15) == "£0.00"
    assert money()(-0.4) == "0"
    assert money()(-0.6) == "−1"
    assert money("", 2)(-882.0) == "−882.00"


def test_a_score_range_from_an_ulp_below_zero_reads_from_zero() -> None:
    """A spend range's ends read as every other money figure of the run: no "−0", and a
    real negative with the minus sign before the currency, as ``money`` writes it."""
    from rfm.bins import _range
    from rfm.labels import money

    assert _range(-5.3e-15, 20.52, "monetary", "") == "0.00–20.52"
    assert _range(-3.0, 20.52, "monetary", "$") == "−$3.00–$20.52"
    for low, high, decimals in [(-3.0, 20.52, 2), (-1234.5, -0.5, 0), (0.0021, 7.0, 3)]:
        fmt = money("€", decimals)
        assert _range(low, high, "monetary", "€", decimals=decimals) == f"{fmt(low)}–{fmt(high)}"


@pytest.mark.parametrize(("value", "reading", "shown"), [
    (0.9, "strong", "0.900"),
    (0.70004, "strong", "0.70004"),  # "0.700" would read reasonable
    (0.70, "reasonable", "0.700"),  # K&R's 0.51–0.70: the upper end is in the band
    (0.5000001, "reasonable", "0.5000001"),
    (0.50, "weak", "0.500"),  # their 0.26–0.50
    (0.3627, "weak", "0.363"),  # Online Retail's
    (0.25, "none", "0.250"),  # their ≤ 0.25
    (-0.2, "none", "-0.200"),
    (float("nan"), "", "–"),
])  # fmt: skip
def test_a_silhouette_reads_in_kaufman_and_rousseeuws_bands(value, reading, shown) -> None:
    """Kaufman & Rousseeuw (1990, p. 88), written out: above 0.70 strong, above 0.50
    reasonable, above 0.25 weak, else none, each band holding its upper end; a figure
    shown beside its reading has the decimals to fall in that band."""
    from rfm.labels import SILHOUETTE_STRUCTURE, banded, silhouette_reading

    assert silhouette_reading(value) == reading
    assert banded(value, silhouette_reading) == shown
    if reading:
        assert silhouette_reading(float(shown)) == reading
        assert SILHOUETTE_STRUCTURE[reading] == {
            "strong": "strong structure", "reasonable": "reasonable structure",
            "weak": "weak structure, could be artificial",
            "none": "no substantial structure"}[reading]  # fmt: skip
