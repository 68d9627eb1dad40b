"""The words and number formats a reader sees: one source for the report and the console.

A figure shown in two places must be the same statistic under the same name, so the
HTML report (:mod:`rfm.report`) and the ``rfmseg`` command's summary (:mod:`rfm.app.console`)
both take their headers from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["CLEANING_STEPS", "DRIFT_FEATURES", "FEATURE_WORDS", "HEADERS", "SILHOUETTE_STRUCTURE",
           "agree", "amount_parts", "banded",
           "counted", "drift_features", "has_invoices", "headers", "left_out_sentence", "money",
           "number_word", "orders", "orders_word", "p_value", "pct", "returns_only_sentence",
           "rfm_decimals", "run_money",
           "silhouette_reading", "spend_decimals", "statistic", "when", "whole", "word_list"]

#: cleaning rule → what it removed, in words
CLEANING_STEPS: dict[str, str] = {
    "missing_customer": "No customer id (guest orders)",
    "bad_dates": "Missing or unreadable date",
    "cancelled": "Cancelled orders",
    "nonpositive_quantity": "Quantity zero or negative (returns), or missing",
    "nonpositive_price": "Price zero or negative, or missing",
    "nonpositive_amount": "Amount zero or negative, or missing",
    "duplicates": "Duplicate lines",
    "totals_row": "Totals row (not a customer)",
}

#: drift.csv's feature → the row label of the drift table (report and console)
DRIFT_FEATURES: dict[str, str] = {
    "recency": "Recency (days since the last order)",
    "frequency": "Frequency (orders)",
    "monetary": "Monetary (total spend)",
    "recency_scaled": "Recency, as clustered (scaled)",
    "frequency_scaled": "Frequency, as clustered (scaled)",
    "monetary_scaled": "Monetary, as clustered (scaled)",
}



def has_invoices(run: Any) -> bool:
    """Whether a run's data have an invoice column (its ``columns``, the run's
    :class:`rfm.TransactionColumns`; without one, frequency counts purchase days). A run
    that does not say is taken to have one."""
    columns = getattr(run, "columns", None)
    return columns is None or columns.invoice is not None


def orders_word(invoices: bool = True) -> str:
    """What frequency counts: "orders" (distinct invoices), or "purchase days" when the
    data have no invoice column (the lines a customer bought on one day make one)."""
    return "orders" if invoices else "purchase days"


def drift_features(invoices: bool = True) -> dict[str, str]:
    """:data:`DRIFT_FEATURES`, frequency in purchase days when there is no invoice column."""
    if invoices:
        return DRIFT_FEATURES
    return DRIFT_FEATURES | {"frequency": "Frequency (purchase days)"}


#: a dimension (R, F or M, raw or scaled) in a sentence
FEATURE_WORDS: dict[str, str] = {"recency": "recency", "frequency": "frequency",
                                 "monetary": "total spend"}  # fmt: skip


def word_list(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def counted(n: int, noun: str = "customer") -> str:
    """A count and its noun, in the number the count asks for: "1 customer",
    "2,345 customers"."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve")


def number_word(n: int) -> str:
    """A small count in words ("nine"), a larger one in figures ("64")."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def agree(n: int, forms: str) -> str:
    """The verb form that agrees with a count: ``forms`` is "singular|plural", as in
    ``agree(1, "has|have")`` → "has"."""
    singular, plural = forms.split("|")
    return singular if n == 1 else plural


def left_out_sentence(customers: int) -> str:
    """The customers whose every order line the cleaning removed, in words."""
    return (f"{counted(customers)} had every order line removed by the cleaning and "
            f"{agree(customers, 'is|are')} not in the results.")


def returns_only_sentence(customers: int, returned: str) -> str:
    """The customers left out because every order line of theirs is a return, in words,
    with what they returned (``returned``, written as the run writes money): in the
    monthly revenue, in no customer's spend (no full stop: a run's note)."""
    return (f"{counted(customers)} returned items but bought nothing in these order lines "
            "(the purchase came before them): with no purchase to count the days since the "
            f"last one from, {agree(customers, 'it is|they are')} not in the results; "
            f"{agree(customers, 'its returns|their returns')} ({returned}) count in the "
            "monthly revenue but in no segment or cluster")


#: column name → the header a reader sees
HEADERS: dict[str, str] = {
    "rule": "Cleaning step",
    "rows_removed": "Rows removed",
    "rows_left": "Rows left",
    "segment": "Segment",
    "persona": "Persona",
    "customers": "Customers",
    "share": "Share of customers",
    "revenue": "Revenue",
    "revenue_share": "Share of revenue",
    "action": "Recommended action",
    "status": "Status",
    "rank": "Rank",
    "cluster": "Cluster",
    "recency_median": "Days since last order (median)",
    "frequency_median": "Orders (median)",
    "monetary_median": "Spend (median)",
    "monetary_mean": "Spend (mean)",
    "silhouette": "Silhouette",
    "month": "Month",
    "active_customers": "Active customers",
    "new_customers": "New customers",
    "new_customer_ratio": "New / active",
    "metric": "Measure",
    "measure": "Measure",
    "feature": "Of",
    "value": "Value",
    "p_value": "p-value",
    "eta_squared": "Effect size (η²)",
    "reading": "Reading",
    "note": "Note",
    "expected_value": "Expected spend ahead",
    "value_share": "Share of expected spend",
    "likely_lost": "Likely lost",
    "likely_lost_share": "Share likely lost",
    "calibration_purchases": "Repeat purchases before",
    "actual": "Actual (mean)",
    "predicted": "Predicted (mean)",
}


def headers(invoices: bool = True) -> dict[str, str]:
    """:data:`HEADERS`, the median frequency in purchase days when there is no invoice
    column (an order is then a purchase day, and a header saying "Orders" would count
    something else)."""
    if invoices:
        return HEADERS
    return HEADERS | {"frequency_median": "Purchase days (median)"}


# -- how a figure is written: the same text in the report and on the console ---------------


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def spend_decimals(median_spend: float) -> int:
    """Decimals for a run's money figures: none while the median customer spends 10 or
    more (12,345; 47), else enough for three significant digits of that median (2 from 1
    to 10: 4.37; 3 from 0.1: 0.137; at most 6), so that a file in thousands or a shop of
    small tickets does not read "spend 0"."""
    if not median_spend > 0 or median_spend >= 10:  # (NaN, nothing or returns: whole)
        return 0
    return min(6, 2 - math.floor(math.log10(median_spend)))


def rfm_decimals(rfm: Any) -> int:
    """:func:`spend_decimals` of a customer table's median spend (``rfm["monetary"]``;
    none for no table or no customers): the decimals of every money figure of a run."""
    if rfm is None or not len(rfm):
        return 0
    return spend_decimals(float(rfm["monetary"].median()))


def run_money(run: Any) -> Callable[[object], str]:
    """The money format of a run (a :class:`rfm.app.pipeline.PipelineResult` or an applied
    run): its currency (``settings["currency"]``) and :func:`rfm_decimals` of its
    customer table, one format for the console and the report, so that a figure shown
    twice reads the same."""
    settings = getattr(run, "settings", None) or {}
    return money(str(settings.get("currency") or ""), rfm_decimals(getattr(run, "rfm", None)))


def amount_parts(value: float, decimals: int) -> tuple[bool, str]:
    """(whether the amount reads negative, its digits with thousands separators): an
    amount that rounds to 0 at ``decimals`` reads 0, not "−0" (a sum of purchases and
    their returns can land an ulp below 0)."""
    shown = f"{abs(value):,.{decimals}f}"
    return value < 0 and bool(shown.strip("0.,")), shown


def money(currency: str = "", decimals: int = 0) -> Callable[[object], str]:
    """Money with thousands separators, ``decimals`` digits and ``currency`` in front."""

    def fmt(x: object) -> str:
        if _missing(x):
            return ""
        negative, shown = amount_parts(float(x), decimals)  # type: ignore[arg-type]
        return f"{'−' if negative else ''}{currency}{shown}"

    return fmt


def pct(x: object) -> str:
    """A share as a percentage with one decimal ("12.5%")."""
    if _missing(x):
        return ""
    return f"{100 * float(x):.1f}%"  # type: ignore[arg-type]


def whole(x: object) -> str:
    """A count or days: rounded to a whole number (half to even) with thousands
    separators."""
    if _missing(x):
        return ""
    return f"{float(x):,.0f}"  # type: ignore[arg-type]


def banded(value: float, reading: Callable[[float], str], digits: int = 3) -> str:
    """A statistic that is shown next to its reading ("medium", "moderate shift"), with
    ``digits`` decimals or as many more as it takes for the figure shown to read the same
    as the value: never "0.06" labelled "small" when 0.06 starts "medium".

    ``reading`` maps a value to its label (the same function that labelled it)."""
    if not math.isfinite(value):
        return "–"
    while digits < 15 and reading(float(f"{value:.{digits}f}")) != reading(value):
        digits += 1
    return f"{value:.{digits}f}"


def statistic(x: object) -> str:
    """A statistic with three decimals ("0.035", "0.000"), "–" when there is none (missing
    or not finite)."""
    if _missing(x) or not math.isfinite(float(x)):  # type: ignore[arg-type]
        return "–"
    return f"{float(x):.3f}"  # type: ignore[arg-type]


def p_value(x: object) -> str:
    """A p-value with three decimals, "< 0.001" below that, "–" when there is none."""
    if _missing(x) or not math.isfinite(float(x)):  # type: ignore[arg-type]
        return "–"
    return "< 0.001" if float(x) < 0.001 else f"{float(x):.3f}"  # type: ignore[arg-type]


#: a mean silhouette's reading → what it says of the clusters, in Kaufman & Rousseeuw's
#: words (:func:`silhouette_reading`)
SILHOUETTE_STRUCTURE: dict[str, str] = {
    "strong": "strong structure",
    "reasonable": "reasonable structure",
    "weak": "weak structure, could be artificial",
    "none": "no substantial structure",
}


def silhouette_reading(value: float) -> str:
    """A mean silhouette's reading, in the four bands of Kaufman & Rousseeuw (1990,
    *Finding Groups in Data*, p. 88): above 0.70 "strong" (a strong structure has been
    found), above 0.50 up to 0.70 "reasonable" (a reasonable structure), above 0.25 up to
    0.50 "weak" (the structure is weak and could be artificial), 0.25 and below "none"
    (no substantial structure); "" when there is no figure.

    Their bands are written on two decimals (0.71–1.00, 0.51–0.70, 0.26–0.50, ≤ 0.25);
    here each band holds its upper end, as theirs do, and the gap between two of theirs
    (0.705) reads with the band above. They read a data set's mean silhouette; the report
    reads a cluster's mean silhouette by the same bands."""
    if not math.isfinite(value):
        return ""
    return ("strong" if value > 0.70 else "reasonable" if value > 0.50
            else "weak" if value > 0.25 else "none")  # fmt: skip


def when(timestamp: object) -> str:
    """A moment as a person reads it: "2026-12-07 06:34 UTC" (an ISO 8601 text such as
    a saved model's creation time, "2026-12-07T06:34:19+00:00"), the date alone when it
    has no time of day; the text unchanged when it is not a date."""
    import pandas as pd

    try:
        ts = pd.Timestamp(str(timestamp))
    except (TypeError, ValueError):
        return str(timestamp)
    if pd.isna(ts):
        return str(timestamp)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
        return f"{ts:%Y-%m-%d %H:%M} UTC"
    return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"


def orders(x: object) -> str:
    """Orders, or a median of them: whole numbers as such, a half as ".5" ("2.5")."""
    if _missing(x):
        return ""
    return f"{float(x):,g}"  # type: ignore[arg-type]
