"""The cluster-validity measures on Dask arrays and DataFrames.

Each measure is a few passes over the blocks of ``X`` and of the labels, persisted once:
per block, counts and sums per cluster (then the centroids), then sums of squared or
plain distances to them; the client adds the blocks' partials **in block order**, so the
answer does not depend on the number of workers, and equals the in-memory one to
rounding. Only k-sized partials (k × d) travel to the client.

The exact silhouette costs n² distances, so on Dask it is computed on a sample: drawn
block by block (stratified by cluster by default), the same rows as the in-memory
``silhouette_score`` draws for the same seed, then scored in memory.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_random_state, non_numeric_columns
from kmeans_np.dask_blocks import DaskBlocks, ordered_sum, persist, run, to_blocks
from kmeans_np.dask_detect import is_dask_collection
from validation._anova_core import column_list, f_test, table_row
from validation._indices_core import ch_ratio, db_index, pairwise_distances
from validation._silhouette_core import (
    check_sample_size,
    sample_silhouette,
    silhouette_ratio,
    stratified_ranks,
)
from validation.labels import check_cluster_count

__all__ = [
    "anova_table_dask",
    "calinski_harabasz_dask",
    "davies_bouldin_dask",
    "silhouette_score_dask",
    "simplified_silhouette_dask",
]

#: rows of the silhouette sample on Dask input when ``sample_size`` is not given
DEFAULT_SAMPLE = 10_000


# ---------------------------------------------------------------------------------
# per-block tasks
# ---------------------------------------------------------------------------------
def _label_info(lab: Any) -> tuple[np.ndarray, int, int]:
    arr = np.asarray(lab)
    missing = pd.isna(arr)
    n_missing = int(missing.sum())
    first = int(np.flatnonzero(missing)[0]) if n_missing else -1
    return np.unique(arr[~missing]) if n_missing else np.unique(arr), n_missing, first


def _codes(lab: Any, classes: np.ndarray) -> np.ndarray:
    return np.searchsorted(classes, np.asarray(lab)).astype(np.int64)


def _cluster_sums(xt: np.ndarray, lab: Any, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster: number of rows and Σ x (k, d)."""
    codes = _codes(lab, classes)
    k = classes.shape[0]
    sums = np.stack([np.bincount(codes, weights=xf, minlength=k) for xf in xt], axis=1)
    return np.bincount(codes, minlength=k), sums


def _deviations(xt, lab, classes, cent):
    """Σ‖x − c_own‖² over the block, and Σ‖x − c_own‖ per cluster."""
    codes = _codes(lab, classes)
    diff = xt.T - cent[codes]
    sq = (diff * diff).sum(axis=1)
    return float(np.sum(diff**2)), np.bincount(codes, weights=np.sqrt(sq), minlength=len(cent))


def _squared_deviations(xt, lab, classes, means):
    """Per feature: Σ (x − mean of its group)² over the block, (d,)."""
    codes = _codes(lab, classes)
    diff = xt.T - means[codes]
    return (diff**2).sum(axis=0)


def _simplified_block(xt, lab, classes, cent):
    codes = _codes(lab, classes) if classes is not None else np.asarray(lab).astype(np.int64)
    dist = pairwise_distances(np.ascontiguousarray(xt.T), cent)
    rows = np.arange(dist.shape[0])
    a = dist[rows, codes]
    dist[rows, codes] = np.inf
    return silhouette_ratio(a, dist.min(axis=1))


def _take(xt, lab, local, classes):
    return np.ascontiguousarray(xt[:, local].T), _codes(lab, classes)[local]


def _take_ranked(xt, lab, picks, classes):
    """Rows of the block given, per cluster code, by rank among its members."""
    codes = _codes(lab, classes)
    local = np.concatenate(
        [np.flatnonzero(codes == c)[ranks] for c, ranks in picks] or [np.empty(0, np.int64)]
    ).astype(np.int64)
    return local, np.ascontiguousarray(xt[:, local].T), codes[local]


def _sum(values):
    return float(np.sum(values))


# ---------------------------------------------------------------------------------
# shared preparation
# ---------------------------------------------------------------------------------
def _label_blocks(labels: Any, data: DaskBlocks, frame_parts: list | None = None) -> list:
    """The labels cut like the blocks of X (a Dask array/Series or in-memory 1-D)."""
    n = data.n_samples
    if frame_parts is not None:
        return frame_parts
    if is_dask_collection(labels):
        import dask.array as da
        import dask.dataframe as dd

        if isinstance(labels, dd.Series):
            labels = labels.to_dask_array()
        if not isinstance(labels, da.Array) or labels.ndim != 1:
            raise ValueError("labels must be 1-D (one label per row of X).")
        if any(np.isnan(c) for c in labels.chunks[0]):
            labels = labels.compute_chunk_sizes()
        if labels.shape[0] != n:
            raise ValueError(
                f"labels has {labels.shape[0]} values but X has {n} rows; give exactly one "
                "label per row of X."
            )
        return labels.rechunk((data.chunks,)).to_delayed().ravel().tolist()
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"labels must be 1-D with one value per row of X ({n}), got shape {arr.shape}."
        )
    return [arr[data.offsets[b] : data.offsets[b + 1]] for b in range(len(data.blocks))]


def _classes(lab_blocks: list, what: str = "labels") -> np.ndarray:
    infos = run(_label_info, lab_blocks)
    bad = [(b, i) for b, i in enumerate(infos) if i[1]]
    if bad:
        b, info = bad[0]
        raise ValueError(
            f"{what} contains {sum(i[1] for _, i in bad)} missing value(s) (first in block "
            f"{b}, row {info[2]} of that block); every row needs a cluster label."
        )
    return np.unique(np.concatenate([i[0] for i in infos]))


def _prepared(X: Any, labels: Any, what: str):
    data = to_blocks(X, check_overflow=False)
    lab = persist(np.asarray, _label_blocks(labels, data))
    classes = _classes(lab)
    check_cluster_count(len(classes), data.n_samples, what=what)
    parts = run(_cluster_sums, data.blocks, lab, args=(classes,))
    counts = ordered_sum([p[0] for p in parts])
    sums = ordered_sum([p[1] for p in parts])
    return data, lab, classes, counts, sums


# ---------------------------------------------------------------------------------
# the measures
# ---------------------------------------------------------------------------------
def calinski_harabasz_dask(X: Any, labels: Any) -> float:
    """``calinski_harabasz_score`` for a Dask ``X``."""
    data, lab, classes, counts, sums = _prepared(X, labels, "the Calinski-Harabasz index")
    n, k = data.n_samples, len(classes)
    cent = sums / counts[:, None]
    mean = sums.sum(axis=0) / n
    between = float(np.sum(counts * ((cent - mean) ** 2).sum(axis=1)))
    within = ordered_sum([p[0] for p in run(_deviations, data.blocks, lab, args=(classes, cent))])
    return ch_ratio(between, float(within), n, k)


def davies_bouldin_dask(X: Any, labels: Any) -> float:
    """``davies_bouldin_score`` for a Dask ``X``."""
    data, lab, classes, counts, sums = _prepared(X, labels, "the Davies-Bouldin index")
    cent = sums / counts[:, None]
    parts = run(_deviations, data.blocks, lab, args=(classes, cent))
    spread = ordered_sum([p[1] for p in parts]) / counts
    return db_index(spread, cent)


def simplified_silhouette_dask(
    X: Any, labels: Any, centers: Any = None, *, return_samples: bool = False
) -> Any:
    """``simplified_silhouette`` for a Dask ``X``; the values are a Dask array."""
    from kmeans_np.checks import check_array
    from kmeans_np.dask_blocks import from_blocks

    if centers is None:
        data, lab, classes, counts, sums = _prepared(X, labels, "the simplified silhouette")
        cent = sums / counts[:, None]
    else:
        data = to_blocks(X, check_overflow=False)
        lab = persist(np.asarray, _label_blocks(labels, data))
        cent = check_array(centers, name="centers")
        if cent.shape[1] != data.n_features:
            raise ValueError(
                f"centers have {cent.shape[1]} features but X has {data.n_features}; "
                "pass the centres fitted on the same columns."
            )
        if cent.shape[0] < 2:
            raise ValueError("the simplified silhouette needs at least 2 centers.")
        present = _classes(lab)
        if present.dtype.kind not in "iu" or present.min() < 0 or present.max() >= len(cent):
            raise ValueError(
                f"with centers given, labels must be integers 0..{cent.shape[0] - 1} "
                "indexing the rows of centers (as KMeans.labels_)."
            )
        classes = None
    values = persist(_simplified_block, data.blocks, lab, args=(classes, cent))
    score = float(ordered_sum(run(_sum, values))) / data.n_samples
    if return_samples:
        return score, from_blocks(values, data.sizes, np.float64)
    return score


def silhouette_score_dask(
    X: Any,
    labels: Any,
    *,
    sample_size: int | None,
    stratify: bool,
    random_state: Any,
    backend: str,
) -> float:
    """``silhouette_score`` for a Dask ``X``: exact on a sample drawn on the workers."""
    data = to_blocks(X, check_overflow=False)
    lab = persist(np.asarray, _label_blocks(labels, data))
    classes = _classes(lab)
    n, k = data.n_samples, len(classes)
    check_cluster_count(k, n)
    if sample_size is None:
        sample_size = min(DEFAULT_SAMPLE, n)
        warnings.warn(
            f"X is a Dask collection: the silhouette (n² distances) is computed on a "
            f"stratified sample of {sample_size:,} of its {n:,} rows; pass sample_size to "
            "choose the size.",
            UserWarning,
            stacklevel=3,
        )
    check_sample_size(sample_size, n)
    rng = check_random_state(random_state)
    if stratify:
        parts = run(_cluster_sums, data.blocks, lab, args=(classes,))
        per_block = np.stack([p[0] for p in parts])  # (blocks, k)
        cum = np.vstack([np.zeros((1, k), np.int64), np.cumsum(per_block, axis=0)])
        ranks = stratified_ranks(per_block.sum(axis=0), int(sample_size), rng)
        picks: list[list] = [[] for _ in data.blocks]
        for c, r in enumerate(ranks):
            block = np.searchsorted(cum[:, c], r, side="right") - 1
            for b in np.unique(block):
                picks[b].append((c, r[block == b] - cum[b, c]))
        used = [b for b in range(len(picks)) if picks[b]]
        got = run(
            _take_ranked, [data.blocks[b] for b in used], [lab[b] for b in used],
            [picks[b] for b in used], args=(classes,),
        )
        glob = np.concatenate([data.offsets[b] + g[0] for b, g in zip(used, got, strict=True)])
        order = np.argsort(glob)
        rows = np.concatenate([g[1] for g in got])[order]
        codes = np.concatenate([g[2] for g in got])[order]
    else:
        idx = np.sort(rng.choice(n, size=int(sample_size), replace=False))
        which = data.block_of(idx)
        used = np.unique(which)
        got = run(
            _take, [data.blocks[b] for b in used], [lab[b] for b in used],
            [idx[which == b] - data.offsets[b] for b in used], args=(classes,),
        )
        rows = np.concatenate([g[0] for g in got])
        codes = np.concatenate([g[1] for g in got])
    return sample_silhouette(rows, codes, backend)


def anova_table_dask(
    df: Any, columns: Sequence[Hashable] | Hashable, by: Any
) -> pd.DataFrame:
    """``anova_table`` for a Dask DataFrame ``df``."""
    import dask.dataframe as dd

    if not isinstance(df, dd.DataFrame):
        raise TypeError(f"df must be a (Dask) DataFrame, got {type(df).__name__}.")
    cols = column_list(columns)
    check_columns(df._meta, cols, what="df")
    bad = non_numeric_columns(df._meta[cols])
    if bad:
        raise TypeError(f"df has non-numeric column(s) {bad}; ANOVA needs numbers.")
    data = to_blocks(df[cols], name="df", check_overflow=False)
    frame_parts = None
    if isinstance(by, Hashable) and not is_dask_collection(by) and by in df.columns:
        frame_parts = list(df[by].to_delayed())
    elif isinstance(by, dd.Series) and by.npartitions == df.npartitions:
        frame_parts = list(by.to_delayed())
    lab = persist(np.asarray, _label_blocks(by, data, frame_parts))
    classes = _classes(lab, "by")
    n, g = data.n_samples, len(classes)
    if g < 2:
        raise ValueError(f"f_oneway needs at least 2 groups, got {g}.")
    if n - g < 1:
        raise ValueError(
            f"f_oneway needs more values ({n}) than groups ({g}) to estimate the "
            "within-group variance; add data or merge groups."
        )
    parts = run(_cluster_sums, data.blocks, lab, args=(classes,))
    counts = ordered_sum([p[0] for p in parts])
    sums = ordered_sum([p[1] for p in parts])  # (g, d)
    means = sums / counts[:, None]
    grand = sums.sum(axis=0) / n
    ss_between = (counts[:, None] * (means - grand) ** 2).sum(axis=0)
    ss_within = ordered_sum(run(_squared_deviations, data.blocks, lab, args=(classes, means)))
    rows = [
        table_row(
            lambda j=j: f_test(float(ss_between[j]), float(ss_within[j]), n, g,
                               float(grand[j])), g, n
        )
        for j in range(len(cols))
    ]
    return pd.DataFrame(rows, index=pd.Index(cols, name="feature"))
