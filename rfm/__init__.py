"""rfm — from a raw transaction table to named, profiled, campaign-ready segments.

Data half
---------
clean_transactions  Drop guest, cancelled, returned, free, duplicate and undated rows,
                    with a per-rule report.
rfm_table           One row per customer: recency, frequency, monetary, dates, tenure,
                    average order value (vectorised; numba or numpy reductions).
rfm_scores          Quantile scores 1..q (ties broken by order, or R rfm's thresholds).
segment             Named segments from rule tables (R rfm, seed 000, seed 003 codes,
                    or your own) with marketing actions; ``SEGMENT_RULES``.
value_tiers         Seed 001's exact 1-D K-means tiers per dimension → Low/Mid/High.
kpis                Monthly revenue / active / new customers; weekday × hour revenue.
datasets            Synthetic seed-000 transactions, seed 002's case table, UCI loader.
"""

from __future__ import annotations

from rfm import datasets, kpis
from rfm.cleaning import clean_transactions
from rfm.scoring import rfm_scores
from rfm.segments import SEGMENT_RULES, segment
from rfm.table import rfm_table
from rfm.tiers import value_tiers

__all__ = [
    "SEGMENT_RULES",
    "clean_transactions",
    "datasets",
    "kpis",
    "rfm_scores",
    "rfm_table",
    "segment",
    "value_tiers",
]
