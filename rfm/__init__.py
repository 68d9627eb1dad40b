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
clean_transactions  Drop guest, cancelled, returned, free and undated rows (exact
                    duplicates are counted and kept unless asked), with a per-rule
                    report (``cleaning``).
rfm_table           One row per customer: recency, frequency, monetary, dates, tenure,
                    average order value (``table``; numba or numpy reductions); also
                    on a Dask DataFrame (``read_parquet_dask``), the same table.
rfm_scores          Quantile scores 1..q (ties broken by order, or R rfm's thresholds).
score_bins          The range of raw values behind every score (published bins).
segment             Named segments from rule tables (the value ladder, R rfm, customer
                    types, quartile codes, or your own) with marketing actions;
                    ``SEGMENT_RULES``.
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
                    KPIs, as one result with named fields (``rfm.app.pipeline``).
SegmentModel        One run's thresholds, scaler, centres and personas, saved as JSON and
                    applied to next week's customers with the same ids; drift (PSI, KS)
                    and a refit that keeps cluster ids (``model``, ``drift``).

Input and output (``rfm.io``)
-----------------------------
load_transactions   Read a CSV/TSV/TXT (any separator, encoding), xlsx or Parquet file:
                    ids as text, one date format per column (``parse_date_column``).
export              Per-customer CRM file (CSV, xlsx or Parquet), safe from spreadsheet
                    formula injection (``neutralise_formulas``).

Every name here is imported from its module on first use, so ``import rfm`` stays light.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING

#: every public name → the module that defines it, imported on first use: ``import rfm``
#: loads no pandas or numpy, so the ``rfmseg`` command can install its Ctrl-C handler
#: before the method is loaded (a module's own name maps to itself)
_HOMES = {
    "datasets": "rfm.datasets",
    "kpis": "rfm.kpis",
    "customer_actions": "rfm.actions",
    "score_bins": "rfm.bins",
    "clean_transactions": "rfm.cleaning",
    "ClusterResult": "rfm.clustering",
    "cluster": "rfm.clustering",
    "TransactionColumns": "rfm.columns",
    "customer_features": "rfm.features",
    "parse_date_column": "rfm.io.dates",
    "export": "rfm.io.export",
    "neutralise_formulas": "rfm.io.export",
    "load_transactions": "rfm.io.loading",
    "read_parquet_dask": "rfm.io.parquet_dask",
    "migration": "rfm.migration",
    "PERSONA_ACTIONS": "rfm.personas",
    "describe_personas": "rfm.personas",
    "name_personas": "rfm.personas",
    "profile": "rfm.profiles",
    "campaign_roi": "rfm.roi",
    "check_rules": "rfm.rulecheck",
    "rfm_scores": "rfm.scoring",
    "SEGMENT_RULES": "rfm.segments",
    "segment": "rfm.segments",
    "segment_summary": "rfm.summary",
    "rfm_table": "rfm.table",
    "value_tiers": "rfm.tiers",
    "run_pipeline": "rfm.app.pipeline",
    "SegmentModel": "rfm.model",
    "pca_projection": "rfm.projection",
    "CleaningRules": "rfm.settings",
    "Settings": "rfm.settings",
}
_SUBMODULES = {"datasets", "kpis"}

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from rfm import datasets, kpis
    from rfm.actions import customer_actions
    from rfm.app.pipeline import run_pipeline
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
    """A public name, imported from its module on first use (see ``_HOMES``), or a
    submodule (``rfm.clustering``)."""
    home = _HOMES.get(name)
    if home is None:  # a submodule, as rfm.clustering was once the package imported it
        if name.startswith("__") or importlib.util.find_spec(f"rfm.{name}") is None:
            raise AttributeError(f"module 'rfm' has no attribute {name!r}")
        return importlib.import_module(f"rfm.{name}")
    module = importlib.import_module(home)
    value = module if name in _SUBMODULES else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The ``rfm`` package's type: importing a submodule does not hide a public function
    of the same name. Python sets the attribute ``rfm.migration`` to the submodule
    ``rfm/migration.py`` when that is first imported; the public name is the function
    :func:`rfm.migration.migration`, as it was when this file imported everything."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and name in _HOMES and name not in _SUBMODULES:
            return  # the submodule stays reachable as sys.modules["rfm.<name>"]
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
