"""``python -m kmeans_np``: K-means by hand on a 20-customer RFM table, explained.

The walkthrough (the default action) prints, in words a learner can follow: min-max
scaling with recency inverted; what inertia is; the elbow table and how the Kneedle rule
finds its knee; then K-means step by step (``record_history=True``), and the clusters it
found. ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kmeans_np import KMeans, MinMaxScaler, elbow
from kmeans_np.elbow import chord_gaps

# Example table: recency (days), frequency (orders), monetary (spend) of 20 customers.
RECENCY = [8, 142, 3, 287, 19, 64, 5, 198, 31, 112, 7, 243, 25, 88, 12, 172, 44, 320, 16, 55]
FREQUENCY = [14, 2, 22, 1, 9, 4, 18, 2, 7, 3, 20, 1, 11, 5, 16, 2, 6, 1, 13, 8]
MONETARY = [2840, 184, 5120, 67, 1640, 420, 4280, 145, 1180, 310,
            4890, 88, 2140, 580, 3640, 165, 760, 52, 2560, 1020]  # fmt: skip

#: the k tried by the elbow table
K_VALUES = range(2, 8)
#: K-means starts per fit (the best one, lowest inertia, is kept)
N_INIT = 10


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The walkthrough's options (none needed: it runs with the defaults)."""
    p = argparse.ArgumentParser(
        prog="python -m kmeans_np",
        description=(
            "K-means by hand on a table of 20 customers (recency, frequency, monetary): "
            "min-max scaling, what inertia is, the elbow table and its knee, then K-means "
            "one iteration at a time. Run it without options for the whole walkthrough."
        ),
    )
    p.add_argument(
        "--k",
        type=int,
        default=4,
        choices=range(2, 11),
        metavar="K",
        help="number of clusters for the step-by-step run, 2 to 10 (default: 4, the knee)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed of the K-means starts (default: 0; the same seed, the same output)",
    )
    return p.parse_args(argv)


def customers() -> pd.DataFrame:
    """The 20-customer table: recency (days), frequency (orders), monetary (spend)."""
    return pd.DataFrame(
        {"recency": RECENCY, "frequency": FREQUENCY, "monetary": MONETARY},
        index=[f"C{i:03d}" for i in range(1, 21)],
    )


def plural(n: int, word: str) -> str:
    """``"1 customer"``, ``"2 customers"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def show_scaling(rfm: pd.DataFrame) -> pd.DataFrame:
    """Print the table and its min-max scaled form; return the scaled features."""
    print(f"The data: {len(rfm)} customers, with recency (days since their last order), "
          "frequency (orders) and monetary value (spend). The first rows:")  # fmt: skip
    print(rfm.head().to_string() + "\n")
    X = MinMaxScaler(invert=["recency"]).fit_transform(rfm)
    print(
        "Step 1 - scaling. K-means compares customers by straight-line distance, so spend\n"
        "(thousands) would outweigh days and orders. Min-max scaling maps each column onto\n"
        "0..1: (x - min) / (max - min). Recency is inverted (1 - scaled) so that 1 = most\n"
        "recent, and high means good on every axis:"
    )
    print(X.head().round(3).to_string() + "\n")
    return X


def show_elbow(X: pd.DataFrame, seed: int) -> None:
    """Explain inertia, print the elbow table with each k's gap below the chord, explain
    the knee."""
    print(
        "Step 2 - inertia and the elbow. The inertia of a clustering (also called WCSS,\n"
        "the within-cluster sum of squares) adds up, over all customers, the squared\n"
        "distance from each customer to the centre of its cluster: the smaller it is, the\n"
        "closer customers sit to their centres. The best inertia possible never rises as\n"
        "k grows (with one cluster per customer it is 0); K-means finds a good clustering,\n"
        "not always the best, so its inertia nearly always falls. The smallest inertia\n"
        f"cannot choose k. Below, K-means is fitted for each k (the best of {N_INIT} starts);\n"
        "'drop' is how much the inertia fell from k - 1 to k (negative if it rose),\n"
        "'drop_pct' that fall as a % of the inertia at k - 1, and 'below_line' is\n"
        "explained under the table."
    )
    table = elbow(X, K_VALUES, n_init=N_INIT, random_state=seed)
    gaps = chord_gaps(table["k"].to_numpy(dtype=float), table["inertia"].to_numpy())
    table.insert(table.columns.get_loc("suggested"), "below_line", gaps)
    print(table.round(4).to_string(index=False) + "\n")
    best = int(table.attrs["suggested_k"])
    ranked = table.sort_values("below_line", ascending=False, kind="stable")
    second = ranked.iloc[1]
    print(
        "The knee (the 'elbow' of the curve) is where adding a cluster stops paying: up to\n"
        "it each extra cluster cuts the inertia a lot, after it much less. The Kneedle rule\n"
        "finds it: scale k and the inertia to 0..1, draw the straight line from the first\n"
        "point of the curve to the last, and take the point farthest below that line\n"
        f"('below_line', measured vertically). Here that is k = {best} "
        f"({ranked.iloc[0]['below_line']:.4f});\n"
        f"next comes k = {int(second['k'])} ({second['below_line']:.4f}).\n"
        "The knee is a rule of thumb: look at the curve too, and at how well the clusters\n"
        "separate (the silhouette, in the validation package).\n"
    )


def show_iterations(X: pd.DataFrame, rfm: pd.DataFrame, k: int, seed: int) -> None:
    """K-means with ``k`` clusters, one iteration at a time, and the clusters it found."""
    km = KMeans(k, n_init=N_INIT, random_state=seed, record_history=True).fit(X)
    print(
        f"Step 3 - K-means with k = {k}, one iteration at a time (the best of {N_INIT} "
        "starts).\n"
        "Each iteration assigns every customer to its nearest centre, then moves each\n"
        "centre to the mean of its customers. It stops when no customer changes cluster.\n"
        "The inertia shown is that of the iteration's assignment:"
    )
    for step in km.history_:
        n, changed = step["iteration"], int(step["n_changed"])
        if n == 1:
            what = "every customer joins its nearest starting centre"
        elif changed == 0:
            what = "no customer changed cluster: converged"
        else:
            what = f"{plural(changed, 'customer')} changed cluster"
        print(f"  iteration {n}: {what}; inertia {step['inertia']:.4f}")
    print(f"Result: {plural(km.n_iter_, 'iteration')}, final inertia {km.inertia_:.4f}.\n")
    profile = rfm.groupby(km.labels_).mean().round(1)
    profile.index.name = "cluster"
    profile.insert(0, "customers", np.bincount(km.labels_, minlength=k))
    print("The clusters (mean days, orders and spend of their customers):")
    print(profile.to_string())


def main(argv: Sequence[str] | None = None) -> None:
    """Run the walkthrough (``argv``: the command-line options, default ``sys.argv``)."""
    args = parse_args(argv)
    rfm = customers()
    X = show_scaling(rfm)
    show_elbow(X, args.seed)
    show_iterations(X, rfm, args.k, args.seed)


if __name__ == "__main__":
    main()
