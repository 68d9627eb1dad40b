"""Seed 001 — the real UCI Online Retail data: north-star KPIs, K-means and value tiers.

Cleaning as the seed (drop guest orders, quantity ≤ 0 and price ≤ 0 — which also removes
every cancellation); monthly revenue, active and new customers (a customer is *new* in the
month of their first purchase — the seed counted rows there, which is wrong) and revenue by
weekday × hour; RFM with recency from the last invoice date (no +1 day, as the seed);
elbow over k = 1..10 and K-means k = 4 on z-scored R, F, M; then the seed's
**per-dimension** clustering: R, F and M each split into 4 groups by exact 1-D K-means,
renumbered so that higher is better, summed to an overall score and cut into
Low / Mid / High value (``rfm.value_tiers``).

Usage::

    python examples/seed001_online_retail.py DATA OUT [--nrows N]

DATA is ``online_retail.csv.gz`` (or the original ``.xlsx``); ``--nrows`` reads only the
first N rows, for a quick run.
"""

from __future__ import annotations

import argparse

import pandas as pd
from _common import PROFILE_COLUMNS, output_folder, save_plots

import rfm
from kmeans_np import elbow
from rfm import kpis
from rfm.datasets import load_online_retail
from rfm.report import plots


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", metavar="DATA", help="path of the UCI Online Retail file")
    p.add_argument("out", metavar="OUT", help="folder for the plots and tables (created)")
    p.add_argument("--nrows", type=int, default=None, help="read only the first N rows")
    args = p.parse_args()
    out = output_folder(args.out)

    raw = load_online_retail(args.data)
    if args.nrows is not None:
        raw = raw.head(args.nrows)
    clean, report = rfm.clean_transactions(raw, drop_cancelled=False, drop_duplicates=False)
    print(report.to_string(index=False))
    print(f"{len(clean):,} rows, {clean['CustomerID'].nunique():,} customers after cleaning")

    monthly = kpis.monthly(clean)
    print("\nNorth-star KPIs by month:")
    print(monthly.round(3).to_string())
    by_hour = kpis.weekday_hour(clean)
    day, hour = divmod(int(by_hour.to_numpy().argmax()), by_hour.shape[1])
    print(f"peak revenue: {by_hour.index[day]} at {hour}:00")

    table = rfm.rfm_table(
        clean, invoice="InvoiceNo", quantity="Quantity", price="UnitPrice", snapshot="max"
    )
    print("\nRFM (recency from the last invoice date):")
    print(table[["recency", "frequency", "monetary"]].describe().round(2).to_string())

    X = rfm.clustering.scaled_features(table, "zscore")[0]
    el = elbow(X, k_values=range(1, 11), n_init=4, random_state=42)
    print("\nElbow on z-scored R, F, M:")
    print(el.round(1).to_string(index=False))
    res = rfm.cluster(table, k=4, scaling="zscore", random_state=42, k_values=[4])
    prof = rfm.profile(table, res.labels)
    prof.insert(1, "persona", rfm.name_personas(prof))
    print(f"\nK-means k = 4 (silhouette {res.silhouette:.3f}):")
    print(prof[PROFILE_COLUMNS].round(2).to_string())

    tiers = rfm.value_tiers(table, n_clusters=4)
    print("\nPer-dimension 1-D K-means tiers (higher = better), Low / Mid / High value:")
    joined = table[["recency", "frequency", "monetary"]].join(tiers)
    summary = joined.groupby("value_segment", observed=True).agg(
        customers=("recency", "size"),
        recency=("recency", "mean"),
        frequency=("frequency", "mean"),
        monetary=("monetary", "mean"),
    )
    print(summary.round(1).to_string())
    joined.to_csv(out / "rfm_value_tiers.csv")
    names = prof["persona"].to_dict()
    save_plots(
        out,
        {
            "monthly": lambda: plots.monthly_plot(monthly),
            "weekday_hour": lambda: plots.weekday_hour_heatmap(by_hour),
            "elbow": lambda: plots.elbow_plot(el, 4),
            "boxplots": lambda: plots.boxplots(table, pd.Series(res.labels), names),
        },
    )


if __name__ == "__main__":
    main()
