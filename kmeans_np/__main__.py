"""``python -m kmeans_np``: a short K-means demo on a 20-customer example RFM table.

Shows the pipeline by hand: min-max scaling with recency inverted, the elbow table,
then K-means with k = 4 step by step (``record_history=True``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_np import KMeans, MinMaxScaler, elbow

# Example table: recency (days), frequency (orders), monetary (spend) of 20 customers.
RECENCY = [8, 142, 3, 287, 19, 64, 5, 198, 31, 112, 7, 243, 25, 88, 12, 172, 44, 320, 16, 55]
FREQUENCY = [14, 2, 22, 1, 9, 4, 18, 2, 7, 3, 20, 1, 11, 5, 16, 2, 6, 1, 13, 8]
MONETARY = [2840, 184, 5120, 67, 1640, 420, 4280, 145, 1180, 310,
            4890, 88, 2140, 580, 3640, 165, 760, 52, 2560, 1020]  # fmt: skip


def main() -> None:
    rfm = pd.DataFrame(
        {"recency": RECENCY, "frequency": FREQUENCY, "monetary": MONETARY},
        index=[f"C{i:03d}" for i in range(1, 21)],
    )
    X = MinMaxScaler(invert=["recency"]).fit_transform(rfm)
    print("Min-max scaled RFM (recency inverted: 1 = most recent), first rows:")
    print(X.head().round(3).to_string(), "\n")

    table = elbow(X, range(2, 8), n_init=10, random_state=0)
    print("Elbow table:")
    print(table.round(4).to_string(index=False))
    print(f"suggested k (Kneedle): {table.attrs['suggested_k']}\n")

    km = KMeans(4, n_init=10, random_state=0, record_history=True).fit(X)
    print(f"K-means k=4: {km.n_iter_} iterations, inertia {km.inertia_:.4f}")
    for step in km.history_:
        print(f"  iteration {step['iteration']}: inertia {step['inertia']:.4f}, "
              f"{step['n_changed']} labels changed")
    profile = rfm.groupby(km.labels_).mean().round(1)
    profile.insert(0, "customers", np.bincount(km.labels_))
    print("\nCluster profiles (raw means):")
    print(profile.to_string())


if __name__ == "__main__":
    main()
