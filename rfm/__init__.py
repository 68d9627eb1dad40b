"""rfm — from a raw transaction table to named, profiled, campaign-ready segments.

The package in four parts
-------------------------
::

    rfm/                the method: one verb per module, all importable from ``rfm``
    ├── io/             reading transaction files, writing results safely
    ├── report/         the HTML report: presents what it is given, computes nothing
    ├── app/            the run (pipeline), its output files, and the ``rfmseg`` command
    ├── clv/            customer lifetime value: BG/NBD, MBG/NBD, Gamma-Gamma (``rfm.clv``,
    │                   imported on its own: ``from rfm.clv import summary, BetaGeo``)
    └── _grouping/      rfm_table's grouping engine: keys and aggregation, numpy + numba twins

The method, data half
---------------------
clean_transactions  Drop guest, cancelled, returned, free, duplicate and undated rows,
                    with a per-rule report (``cleaning``).
rfm_table           One row per customer: recency, frequency, monetary, dates, tenure,
                    average order value (``table``; numba or numpy reductions); also
                    on a Dask DataFrame (``read_parquet_dask``), the same table.
rfm_scores          Quantile scores 1..q (ties broken by order, or R rfm's thresholds).
score_bins          The range of raw values behind every score (published bins).
segment             Named segments from rule tables (R rfm, customer types, quartile
                    codes, or your own) with marketing actions; ``SEGMENT_RULES``.
check_rules         Coverage, overlaps, unreachable rules and gaps of a rule set.
migration           Segments at two dates: who moved where (from → to matrix).
value_tiers         Exact 1-D K-means tiers per dimension → Low/Mid/High.
segment_summary     Customers, share, revenue, revenue share and action per segment
                    (R rfm's ``rfm_segment_summary``; ``summary``).
Settings            Every choice of a run, with the one set of defaults the library and the
                    ``rfmseg`` command share (``settings``; ``CleaningRules``).
TransactionColumns  Which column is the customer, invoice, date, and the money (an amount,
                    or quantity × price): resolved once, from names or headers (``columns``).
kpis                Monthly revenue / active / new customers; weekday × hour revenue.
datasets            Synthetic shop transactions, a 20-customer case table, UCI loader.

The method, modelling half
--------------------------
cluster             Scale R/F/M, choose k by elbow + silhouette, fit K-means
                    (``ClusterResult``).
pca_projection      Customers on the first two principal components, a seeded sample for a
                    scatter plot (``projection``).
profile             Per-cluster sizes, R/F/M means and medians, revenue, silhouette,
                    ranked best first; ``name_personas`` / ``describe_personas`` give
                    descriptive names ("Recent frequent high spenders") and actions.
customer_actions    One recommended action per customer: its segment's (``actions``).
customer_features   RFM + demographics per customer, z-scored and one-hot, for K-means.
campaign_roi        Campaign uplift / cost / ROI per persona.

The whole run
-------------
run_pipeline        clean → RFM → scores → segments → clusters → personas → validation →
                    KPIs, as one result with named fields (``rfm.app.pipeline``; imported
                    on first use, so ``import rfm`` stays light).
SegmentModel        One run's thresholds, scaler, centres and personas, saved as JSON and
                    applied to next week's customers with the same ids; drift (PSI, KS)
                    and a refit that keeps cluster ids (``model``, ``drift``).

Input and output (``rfm.io``)
-----------------------------
load_transactions   Read a CSV/TSV/TXT (any separator, encoding), xlsx or Parquet file:
                    ids as text, one date format per column (``parse_date_column``).
export              Per-customer CRM file (CSV, xlsx or Parquet), safe from spreadsheet
                    formula injection (``neutralise_formulas``).
"""

from __future__ import annotations

from rfm import datasets, kpis
from rfm.actions import customer_actions
from rfm.bins import score_bins
from rfm.cleaning import clean_transactions
from rfm.clustering import ClusterResult, cluster
from rfm.columns import TransactionColumns
from rfm.features import customer_features
from rfm.io.dates import parse_date_column
from rfm.io.export import export, neutralise_formulas
from rfm.io.loading import load_transactions
from rfm.io.parquet_dask import read_parquet_dask
from rfm.migration import migration
from rfm.model import SegmentModel
from rfm.personas import PERSONA_ACTIONS, describe_personas, name_personas
from rfm.profiles import profile
from rfm.projection import pca_projection
from rfm.roi import campaign_roi
from rfm.rulecheck import check_rules
from rfm.scoring import rfm_scores
from rfm.segments import SEGMENT_RULES, segment
from rfm.settings import CleaningRules, Settings
from rfm.summary import segment_summary
from rfm.table import rfm_table
from rfm.tiers import value_tiers

__all__ = [
    "PERSONA_ACTIONS",
    "SEGMENT_RULES",
    "CleaningRules",
    "ClusterResult",
    "SegmentModel",
    "Settings",
    "TransactionColumns",
    "campaign_roi",
    "check_rules",
    "clean_transactions",
    "cluster",
    "customer_actions",
    "customer_features",
    "datasets",
    "describe_personas",
    "export",
    "kpis",
    "load_transactions",
    "migration",
    "name_personas",
    "neutralise_formulas",
    "parse_date_column",
    "pca_projection",
    "profile",
    "read_parquet_dask",
    "rfm_scores",
    "rfm_table",
    "run_pipeline",
    "score_bins",
    "segment",
    "segment_summary",
    "value_tiers",
]


def __getattr__(name: str) -> object:
    """``rfm.run_pipeline``, imported on first use (it pulls in the whole application)."""
    if name == "run_pipeline":
        from rfm.app.pipeline import run_pipeline

        return run_pipeline
    raise AttributeError(f"module 'rfm' has no attribute {name!r}")
