"""The whole segmentation job, as the ``rfmseg`` command runs it.

:func:`run_pipeline` goes from raw order lines to validated, named segments:

clean → RFM table → R/F/M scores → rule-based segments → K-means (k chosen by elbow and
silhouette unless given) → silhouette per customer → cluster profiles → personas →
validation (silhouette, ANOVA per feature, Calinski–Harabasz, Davies–Bouldin, stability
across seeds) → monthly KPIs.

:mod:`rfm.app.outputs` writes its result to files. Each step reports progress through an
optional callback, so the command line can print it on stderr. This module only computes:
it writes no file and draws nothing.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import validation
from rfm import kpis
from rfm._inputs import RFM_COLUMNS
from rfm.actions import customer_actions
from rfm.cleaning import clean_transactions
from rfm.clustering import ClusterResult, cluster
from rfm.personas import describe_personas
from rfm.profiles import profile
from rfm.rulecheck import check_rules, rule_problems
from rfm.scoring import rfm_scores
from rfm.segments import segment
from rfm.table import rfm_table

__all__ = [
    "PipelineResult",
    "Steps",
    "run_pipeline",
    "summary_table",
    "validation_table",
]

#: clean_transactions' rules as the pipeline runs them: duplicates are counted, not dropped
DEFAULT_CLEANING: dict[str, bool] = {
    "drop_missing_customer": True,
    "drop_bad_dates": True,
    "drop_cancelled": True,
    "drop_nonpositive_quantity": True,
    "drop_nonpositive_price": True,
    "drop_nonpositive_amount": True,
    "drop_duplicates": False,
}

#: above this many customers the per-customer silhouette (O(n²)) is skipped
MAX_EXACT_SILHOUETTE = 50_000

Progress = Callable[[str], None]


@dataclass
class PipelineResult:
    """Everything :func:`run_pipeline` computed (the inputs of files and report)."""

    transactions: pd.DataFrame
    cleaning: pd.DataFrame
    rfm: pd.DataFrame
    scores: pd.DataFrame
    segments: pd.DataFrame
    clusters: ClusterResult
    silhouette: np.ndarray | None
    profile: pd.DataFrame
    personas: pd.Series
    validation: pd.DataFrame
    monthly: pd.DataFrame | None
    settings: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: one recommended action per customer (rfm.customer_actions)
    actions: pd.Series | None = None
    #: segment migration from settings["compare_to"] to the end (rfm.migration)
    migration: Any = None


class Steps:
    """Times each step and reports its start through ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    def __call__(self, name: str) -> Steps:
        self.name = name
        if self.progress is not None:
            self.progress(name)
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.perf_counter() - self.start


def _integral_ids(clean: pd.DataFrame, customer: str) -> pd.DataFrame:
    """Whole-number float ids (17850.0), or such text ("17850.0", as pandas writes a float
    column with gaps to CSV), become 17850 / "17850"; other ids are left as they are."""
    ids = clean[customer]
    if pd.api.types.is_float_dtype(ids.dtype):
        values = ids.to_numpy(dtype=np.float64)
        if np.isfinite(values).all() and (values == np.round(values)).all():
            return clean.assign(**{customer: ids.astype(np.int64)})
    elif pd.api.types.is_object_dtype(ids.dtype) or pd.api.types.is_string_dtype(ids.dtype):
        text = ids.astype(str)
        if text.str.fullmatch(r"\d+\.0").all():
            return clean.assign(**{customer: text.str.slice(0, -2)})
    return clean


def validation_table(
    X: pd.DataFrame,
    labels: pd.Series,
    rfm: pd.DataFrame,
    *,
    silhouette: float,
    k: int,
    stability_seeds: range = range(5),
) -> pd.DataFrame:
    """Tidy table of the validation figures: one row per metric (and feature).

    Columns ``metric, feature, value, p_value, eta_squared, note``: the mean silhouette,
    one-way ANOVA F of recency, frequency and monetary across clusters, the
    Calinski–Harabasz and Davies–Bouldin indices, and the stability of K-means across
    ``stability_seeds`` (mean and minimum adjusted Rand index between runs).
    """
    lab = labels.to_numpy()
    rows: list[dict[str, Any]] = [
        {
            "metric": "silhouette",
            "feature": "",
            "value": silhouette,
            "note": "mean over customers; > 0.5 good, 0.25-0.5 moderate, < 0.25 weak",
        },
    ]
    anova = validation.anova_table(rfm[list(RFM_COLUMNS)], RFM_COLUMNS, lab)
    for feat, row in anova.iterrows():
        rows.append(
            {
                "metric": "anova_F",
                "feature": feat,
                "value": row["F"],
                "p_value": row["p_value"],
                "eta_squared": row["eta_squared"],
                "note": f"significance {row['significance']}",
            }
        )
    rows.append(
        {
            "metric": "calinski_harabasz",
            "feature": "",
            "value": validation.calinski_harabasz_score(X, lab),
            "note": "higher is better",
        }
    )
    rows.append(
        {
            "metric": "davies_bouldin",
            "feature": "",
            "value": validation.davies_bouldin_score(X, lab),
            "note": "lower is better",
        }
    )
    stab = validation.stability(X, k, seeds=stability_seeds)
    runs = f"K-means over seeds {list(stability_seeds)}"
    rows.append(
        {
            "metric": "stability_mean_ari",
            "feature": "",
            "value": stab.mean_ari,
            "note": f"{runs}; 1 = identical partitions",
        }
    )
    rows.append({"metric": "stability_min_ari", "feature": "", "value": stab.min_ari, "note": runs})
    out = pd.DataFrame(
        rows, columns=["metric", "feature", "value", "p_value", "eta_squared", "note"]
    )
    return out


def run_pipeline(
    transactions: pd.DataFrame,
    *,
    customer: str = "CustomerID",
    invoice: str | None = "InvoiceNo",
    date: str = "InvoiceDate",
    amount: str | None = None,
    quantity: str | None = "Quantity",
    price: str | None = "UnitPrice",
    snapshot: Any = "max+1d",
    k: int | str = "auto",
    scaling: str = "zscore",
    rules: Any = "rfm",
    random_state: int = 0,
    progress: Progress | None = None,
    check_customers: Callable[[int], None] | None = None,
    ties: str = "thresholds",
    compare_to: Any = None,
    cleaning: Mapping[str, bool] | None = None,
) -> PipelineResult:
    """Run the whole job on order lines (left unchanged); see the module docstring.

    Column parameters are as for :func:`rfm.clean_transactions` and :func:`rfm.rfm_table`:
    money is ``amount`` when given, else ``quantity`` × ``price``. ``rules`` is a
    built-in rule set of :func:`rfm.segment` (``"codes"`` scores in quartiles, the others
    in quintiles) or custom rules (quintiles; a UserWarning names their problems, see
    :func:`rfm.check_rules`). ``ties`` is :func:`rfm.rfm_scores`' tie rule: by default
    equal values get equal scores. ``compare_to`` (a date) adds the segment migration
    from that date to the last purchase date (:func:`rfm.migration`). ``check_customers``,
    when given, is called with the number of customers as soon as the RFM table is known,
    before the costly clustering; it raises to stop the run (the command line refuses there
    more customers than an xlsx sheet holds).
    ``cleaning`` switches :func:`rfm.clean_transactions`' rules
    (``{"drop_cancelled": False, ...}``); by default exact duplicate rows are kept and
    only counted (``settings["duplicate_rows"]``). Kept returns or free lines (a
    ``drop_nonpositive_*`` rule off) reduce the customer's spend.
    """
    rules_on = {**DEFAULT_CLEANING, **(cleaning or {})}
    step = Steps(progress)
    with step("cleaning transactions"):
        clean, cleaning_report = clean_transactions(
            transactions,
            customer=customer,
            invoice=invoice,
            date=date,
            quantity=quantity,
            price=price,
            amount=amount,
            **rules_on,
        )
        clean = _integral_ids(clean, customer)
        duplicates = 0 if rules_on["drop_duplicates"] else int(clean.duplicated().sum())
    allow_negative = not all(
        rules_on[r]
        for r in ("drop_nonpositive_quantity", "drop_nonpositive_price", "drop_nonpositive_amount")
    )
    money: dict[str, Any] = {"amount": amount} if amount else {"quantity": quantity, "price": price}
    with step("computing recency, frequency, monetary"):
        rfm = rfm_table(
            clean,
            customer=customer,
            date=date,
            invoice=invoice,
            snapshot=snapshot,
            allow_negative=allow_negative,
            **money,
        )
        if check_customers is not None:
            check_customers(len(rfm))
        q = 4 if rules == "codes" else 5
        scores = rfm_scores(rfm, q=q, ties=ties)
        segments = segment(scores, rules=rules)
        _warn_rule_problems(rules, q)
    with step(f"clustering (k={k}, scaling={scaling})"):
        res = cluster(rfm, k=k, scaling=scaling, random_state=random_state)
    n = len(rfm)
    with step("silhouette per customer"):
        sil = (
            validation.silhouette_samples(res.X, res.labels.to_numpy())
            if n <= MAX_EXACT_SILHOUETTE
            else None
        )
    with step("profiling clusters"):
        prof = profile(rfm, res.labels)
        if sil is not None:
            prof["silhouette"] = pd.Series(sil).groupby(res.labels.to_numpy()).mean()
        persona_table = describe_personas(prof)
        personas = persona_table["persona"]
        prof.insert(1, "persona", personas)
        prof["action"] = persona_table["action"]
        actions = customer_actions(segments, res.labels, persona_table)
    with step("validating (ANOVA, indices, stability)"):
        sil_mean = float(np.mean(sil)) if sil is not None else res.silhouette
        table = validation_table(
            res.X,
            res.labels,
            rfm,
            silhouette=sil_mean,
            k=res.k,
            stability_seeds=range(random_state, random_state + 5),
        )
    with step("monthly KPIs"):
        monthly = kpis.monthly(clean, customer=customer, date=date, **money)
    migration = None
    if compare_to is not None:
        with step(f"segment migration since {compare_to}"):
            migration = _migration(clean, compare_to, customer, date, invoice, money, ties,
                                   rules)
    settings = {
        "k": res.k,
        "k_requested": k,
        "scaling": scaling,
        "rules": rules,
        "ties": ties,
        "compare_to": compare_to,
        "snapshot": snapshot,
        "customer": customer,
        "invoice": invoice,
        "date": date,
        "amount": amount,
        "quantity": quantity,
        "price": price,
        "random_state": random_state,
        "rows_in": len(transactions),
        "rows_clean": len(clean),
        "duplicate_rows": duplicates,
        "cleaning_rules": rules_on,
    }
    return PipelineResult(
        transactions=clean,
        cleaning=cleaning_report,
        rfm=rfm,
        scores=scores,
        segments=segments,
        clusters=res,
        silhouette=sil,
        profile=prof,
        personas=personas,
        validation=table,
        monthly=monthly,
        settings=settings,
        timings=step.timings,
        actions=actions,
        migration=migration,
    )


def _warn_rule_problems(rules: Any, q: int) -> None:
    """Warn (UserWarning) about custom rules that leave cells uncovered or never match."""
    if isinstance(rules, str):
        return  # built-in sets are checked by the tests
    problems = rule_problems(check_rules(rules, q=q))
    if problems:
        warnings.warn("custom segment rules: " + "; ".join(problems) + ".", stacklevel=3)


def _migration(
    clean: pd.DataFrame, compare_to: Any, customer: str, date: str, invoice: str | None,
    money: dict[str, Any], ties: str, rules: Any,
) -> Any:
    """Migration from ``compare_to`` to the day of the last purchase."""
    from rfm.migration import migration

    last = pd.Timestamp(clean[date].max()).normalize()
    return migration(
        clean, before=compare_to, after=last, q=4 if rules == "codes" else 5, ties=ties,
        rules=rules, customer=customer, date=date, invoice=invoice, **money,
    )


def summary_table(result: PipelineResult) -> pd.DataFrame:
    """The short per-persona table the command prints."""
    p = result.profile
    out = pd.DataFrame(
        {
            "persona": p["persona"],
            "customers": p["customers"],
            "share_%": (100 * p["share"]).round(1),
            "revenue_%": (100 * p["revenue_share"]).round(1),
            "recency": p["recency_mean"].round(0),
            "frequency": p["frequency_mean"].round(1),
            "monetary": p["monetary_mean"].round(0),
        }
    )
    if "silhouette" in p:
        out["silhouette"] = p["silhouette"].round(3)
    return out
