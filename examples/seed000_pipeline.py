"""Seed 000 — the full RFM pipeline on its 14-column transaction table, plus campaign A/B tests.

Steps as in the seed: snapshot = last invoice + 1 day; R/F/M per customer; quintile scores
and the ``545`` code; R × F heatmap and top codes; seed 000's named customer types;
z-score scaling, elbow over k = 2..9, K-means k = 4, silhouette, 2-D PCA and cluster
profiles; then K-means with k = 6 on RFM + age + one-hot categories (per customer, not
per order line as the seed did), and the three A/B tests of segment 0's campaigns on
synthesised test tables (two-proportion z-test, Mann–Whitney U, Student and Welch t).

Usage::

    python examples/seed000_pipeline.py OUT [--customers 20000] [--rows 200000]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from _common import PROFILE_COLUMNS, generated_data_parser, output_folder, save_plots

import rfm
import validation
from kmeans_np import KMeans
from rfm.datasets import make_transactions
from rfm.report import plots


def synthesise_tests(rng: np.random.Generator, n: int = 1000) -> dict[str, pd.DataFrame]:
    """Test tables shaped like seed 000's segment0_test1..3 CSVs (which it does not ship)."""
    half = n // 2
    yes = rng.random(half) < 0.16
    no = rng.random(half) < 0.09
    test1 = pd.DataFrame(
        {
            "Treatment": ["Yes"] * half + ["No"] * half,
            "Conversion": np.r_[yes, no].astype(int),
            "Order_Value": np.r_[
                np.where(yes, rng.normal(20.8, 3.0, half), 0.0),
                np.where(no, rng.normal(18.8, 3.0, half), 0.0),
            ].round(2),
        }
    )
    test2 = pd.DataFrame(
        {
            "Treatment": ["Customized"] * half + ["General"] * half,
            "Repeat_Purchase": np.r_[rng.random(half) < 0.40, rng.random(half) < 0.27].astype(int),
            "Monthly_Retention": np.r_[rng.random(half) < 0.78, rng.random(half) < 0.66].astype(
                int
            ),
        }
    )
    test3 = pd.DataFrame(
        {
            "Treatment": ["Voucher"] * half + ["Control"] * half,
            "First_Week_Sales_Volume": np.r_[rng.normal(60, 10, half), rng.normal(51, 10, half)],
            "NPS": np.r_[rng.normal(45, 12, half), rng.normal(38, 16, half)],
            "Customer_Satisfaction": np.r_[rng.normal(4.2, 0.4, half), rng.normal(3.8, 0.4, half)],
        }
    )
    return {"test1": test1, "test2": test2, "test3": test3}


def ab_tests(tests: dict[str, pd.DataFrame]) -> None:
    t1, t2, t3 = tests["test1"], tests["test2"], tests["test3"]
    yes, no = t1[t1["Treatment"] == "Yes"], t1[t1["Treatment"] == "No"]
    z = validation.proportions_ztest(
        [yes["Conversion"].sum(), no["Conversion"].sum()], [len(yes), len(no)]
    )
    print(
        f"  test 1 conversion  Yes {yes['Conversion'].mean():.3f} vs No "
        f"{no['Conversion'].mean():.3f}: z = {z.statistic:.3f}, p = {z.pvalue:.3g}"
    )
    # Order value means something only for customers who bought: the test compares the
    # converters of each arm (non-converters have Order_Value 0, not an order value).
    bought_yes = yes.loc[yes["Conversion"] == 1, "Order_Value"]
    bought_no = no.loc[no["Conversion"] == 1, "Order_Value"]
    mw = validation.mannwhitneyu(bought_yes, bought_no)
    print(
        f"  test 1 order value of converters ({len(bought_yes)} Yes vs {len(bought_no)} No; "
        f"Mann-Whitney U, two-sided): U = {mw.statistic:.1f}, p = {mw.pvalue:.3g}"
    )
    c, g = t2[t2["Treatment"] == "Customized"], t2[t2["Treatment"] == "General"]
    for metric in ("Repeat_Purchase", "Monthly_Retention"):
        r = validation.proportions_ztest([c[metric].sum(), g[metric].sum()], [len(c), len(g)])
        print(
            f"  test 2 {metric}: {c[metric].mean():.3f} vs {g[metric].mean():.3f}, "
            f"z = {r.statistic:.3f}, p = {r.pvalue:.3g}"
        )
    v, k = t3[t3["Treatment"] == "Voucher"], t3[t3["Treatment"] == "Control"]
    for metric, equal_var in (
        ("First_Week_Sales_Volume", True),
        ("NPS", False),
        ("Customer_Satisfaction", True),
    ):
        r = validation.ttest_ind(v[metric], k[metric], equal_var=equal_var)
        print(f"  test 3 {metric} ({r.test}): t = {r.statistic:.3f}, p = {r.pvalue:.3g}")
    print(
        "\n  the same tests through validation.ab_report (test 1; Order_Value left blank for\n"
        "  non-converters, so that it compares the converters' order values as above: with\n"
        "  their 0s it would test revenue per customer, another question):"
    )
    converters_only = t1.assign(Order_Value=t1["Order_Value"].where(t1["Conversion"] == 1))
    report = validation.ab_report(
        converters_only, "Treatment", ["Conversion", "Order_Value"], control="No"
    )
    shown = ["metric", "test", "n_treatment", "n_control", "value_treatment", "value_control",
             "effect", "statistic", "pvalue", "significance"]  # fmt: skip
    pvalues = report["pvalue"].map(lambda p: f"{p:.3g}")  # 2e-5 must not read as 0.0000
    print(report[shown].round(4).assign(pvalue=pvalues).to_string(index=False))


def main() -> None:
    args = generated_data_parser(__doc__.splitlines()[0]).parse_args()
    out = output_folder(args.out)

    tx = make_transactions(n_customers=args.customers, n_rows=args.rows, random_state=args.seed)
    print(f"STEP 1 - {len(tx):,} order lines, {tx['CustomerID'].nunique():,} customers")
    table = rfm.rfm_table(tx, invoice="InvoiceNo", amount="TotalAmount", snapshot="max+1d")
    scores = rfm.rfm_scores(table)
    print(
        scores[["recency", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_code"]]
        .head()
        .to_string()
    )
    table.to_csv(out / "rfm.csv")

    print("\nSTEP 2 - exploration: top 10 RFM codes, named customer types")
    print(scores["rfm_code"].value_counts().head(10).to_string())
    types = rfm.segment(scores, rules="customer-types")
    print(types["segment"].value_counts().to_string())

    print("\nSTEPS 3-6 - z-score, elbow k = 2..9, K-means k = 4, silhouette")
    res = rfm.cluster(table, k=4, scaling="zscore", random_state=42, k_values=range(2, 10))
    print(res.elbow.round(2).to_string(index=False))
    print(f"  silhouette (k = 4): {res.silhouette:.3f}")
    prof = rfm.profile(table, res.labels, X=res.X)
    prof.insert(1, "persona", rfm.name_personas(prof))
    print(prof[[*PROFILE_COLUMNS, "silhouette"]].round(2).to_string())
    prof.to_csv(out / "profile.csv")

    print("\nADDITIONAL ACTIVITY - K-means k = 6 on RFM + age + one-hot categories, per customer")
    feats = rfm.customer_features(tx, table)
    print(f"  {feats.shape[1]} features: {', '.join(feats.columns[:6])}, ...")
    k6 = KMeans(n_clusters=6, n_init=4, random_state=48).fit(feats)
    ages = rfm.features.customer_attributes(tx, table.index, numeric=("Age",))["Age"]
    summary = table[["recency", "frequency", "monetary"]].assign(Age=ages)
    print(summary.groupby(k6.labels_).mean().round(0).to_string())

    best = prof.index[0]
    print(f"\nA/B TESTS - campaigns for the best cluster ({best}: {prof.iloc[0]['persona']})")
    ab_tests(synthesise_tests(np.random.default_rng(args.seed)))

    names = prof["persona"].to_dict()
    save_plots(
        out,
        {
            "rf_heatmaps": lambda: plots.rf_heatmaps(scores),
            "elbow": lambda: plots.elbow_plot(res.elbow, 4),
            "pca_k4": lambda: plots.pca_scatter(rfm.pca_projection(res.X), res.labels, names),
            "boxplots_k4": lambda: plots.boxplots(table, res.labels, names),
            "pca_k6_all_features": lambda: plots.pca_scatter(
                rfm.pca_projection(feats), pd.Series(k6.labels_, index=feats.index)
            ),
        },
    )


if __name__ == "__main__":
    main()
