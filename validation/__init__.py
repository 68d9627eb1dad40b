"""validation — judge a segmentation and the campaigns run on it, by hand and exactly.

Public API
----------
silhouette_samples, silhouette_score
    Exact silhouette (Rousseeuw 1987): a readable numpy reference and a numba kernel with
    O(n·k) memory; optional stratified sampling.
simplified_silhouette
    Distances to centroids only, O(n·k) time — an *approximation* for very large n.
f_oneway, anova_table
    One-way ANOVA per feature across clusters, with eta² and significance stars.
calinski_harabasz_score, davies_bouldin_score, adjusted_rand_score, centroid_distances
    Classic cluster indices and the centroid distance matrix.
stability
    Agreement of K-means runs across seeds (pairwise ARI, per-cluster co-membership).
validity_table
    All of the above for one clustering, as one tidy table (one row per metric).
proportions_ztest, ttest_ind, mannwhitneyu, sample_size_proportions, ab_report
    Campaign A/B tests with effects, confidence intervals and group summaries.

Nothing is compiled at import and numba is not loaded, so ``import validation`` is
cheap; the numba kernels compile on first use and are cached on disk.
"""

from __future__ import annotations

# Plain imports: importing a same-named submodule (validation.stability) cannot then
# shadow the function. None of these modules imports numba at import time.
from validation.abreport import ab_report
from validation.abtest import (
    TestResult,
    mannwhitneyu,
    proportions_ztest,
    sample_size_proportions,
    ttest_ind,
)
from validation.anova import FOnewayResult, anova_table, f_oneway
from validation.indices import (
    adjusted_rand_score,
    calinski_harabasz_score,
    centroid_distances,
    davies_bouldin_score,
)
from validation.silhouette import silhouette_samples, silhouette_score
from validation.simplified import simplified_silhouette
from validation.stability import StabilityResult, stability
from validation.validity import validity_table

__all__ = [
    "FOnewayResult",
    "StabilityResult",
    "TestResult",
    "ab_report",
    "adjusted_rand_score",
    "anova_table",
    "calinski_harabasz_score",
    "centroid_distances",
    "davies_bouldin_score",
    "f_oneway",
    "mannwhitneyu",
    "proportions_ztest",
    "sample_size_proportions",
    "silhouette_samples",
    "silhouette_score",
    "simplified_silhouette",
    "stability",
    "ttest_ind",
    "validity_table",
]
