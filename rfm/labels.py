"""The words a reader sees for each figure: one source for the report and the console.

A figure shown in two places must be the same statistic under the same name, so the
HTML report (:mod:`rfm.report`) and the ``rfmseg`` command's summary (:mod:`rfm.app.console`)
both take their headers from here.
"""

from __future__ import annotations

__all__ = ["CLEANING_STEPS", "HEADERS"]

#: cleaning rule → what it removed, in words
CLEANING_STEPS: dict[str, str] = {
    "missing_customer": "No customer id (guest orders)",
    "bad_dates": "Missing or unreadable date",
    "cancelled": "Cancelled orders",
    "nonpositive_quantity": "Quantity zero or negative (returns)",
    "nonpositive_price": "Price zero or negative",
    "nonpositive_amount": "Amount zero or negative",
    "duplicates": "Duplicate lines",
}

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
}
