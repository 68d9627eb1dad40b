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
load_transactions   Read a CSV/TSV/TXT (any separator, encoding), xlsx or Parquet file:
                    ids as text, one date format per column (``parse_date_column``).

Modelling half
--------------
cluster             Scale R/F/M, choose k by elbow + silhouette, fit K-means
                    (``ClusterResult``).
profile             Per-cluster sizes, R/F/M means and medians, revenue, silhouette,
                    ranked best first; ``name_personas`` gives readable names.
customer_features   RFM + demographics per customer, z-scored and one-hot, for K-means.
campaign_roi        Seed 002's campaign uplift / cost / ROI per persona.
export              Per-customer CRM file (CSV or xlsx).
"""

from __future__ import annotations

from rfm import datasets, kpis
from rfm.cleaning import clean_transactions
from rfm.clustering import ClusterResult, cluster
from rfm.dates import parse_date_column
from rfm.export import export
from rfm.features import customer_features
from rfm.loading import load_transactions
from rfm.personas import PERSONA_ACTIONS, name_personas
from rfm.profiles import profile
from rfm.roi import campaign_roi
from rfm.scoring import rfm_scores
from rfm.segments import SEGMENT_RULES, segment
from rfm.table import rfm_table
from rfm.tiers import value_tiers

__all__ = [
    "PERSONA_ACTIONS",
    "SEGMENT_RULES",
    "ClusterResult",
    "campaign_roi",
    "clean_transactions",
    "cluster",
    "customer_features",
    "datasets",
    "export",
    "kpis",
    "load_transactions",
    "name_personas",
    "parse_date_column",
    "profile",
    "rfm_scores",
    "rfm_table",
    "segment",
    "value_tiers",
]
