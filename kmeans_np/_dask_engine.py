"""The Dask engine: K-means' operations as map-reduce passes over persisted blocks.

It implements the same ``Engine`` protocol as the numpy and numba engines, so Lloyd's
algorithm (``kmeans_np.lloyd``) and greedy k-means++ (``kmeans_np.kmeans_plusplus``) run
on it unchanged. Every pass is one Dask computation: each block runs the in-memory numba
kernel on its rows (one thread per task) and returns small partials — per-cluster sums
and weights, a potential, candidate potentials — which the client adds **in block
order**. For a given chunking the answer is therefore bit-identical whatever the number
of workers or threads.

What stays on the workers: the data blocks (persisted once per fit), the labels and the
k-means++ distances D(x)², each as one array per block. What comes to the client: k×d
numbers per block per pass, and the few rows picked as centres.

Per pass, the Lloyd step is one round trip. The default seeding draws a weighted sample
(:meth:`DaskEngine.coreset`, :mod:`kmeans_np.coreset`): one pass for Σ‖x‖², one to draw,
each block with its own seeded generator. Greedy k-means++ (``n_init`` an integer)
takes, per centre, one pass to draw the candidates (the client picks a block by the
blocks' potentials, the block picks a row by its chunks' running sums), one to score the
candidates and one to update D(x)²: about 3k passes in all. Empty clusters are
refilled, as in memory, by the points farthest from their centres: each block proposes
its own farthest ones and the client keeps the farthest of all.

Sample weights are not supported on Dask input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kmeans_np.coreset import sample_block
from kmeans_np.dask_blocks import DaskBlocks, from_blocks, one_thread, ordered_sum, persist, run
from kmeans_np.engine import LloydStep
from kmeans_np.jit import load_kernels
from kmeans_np.lloyd import relocate_empty_clusters

K = load_kernels("kmeans_np.engine_numba")


# ---------------------------------------------------------------------------------
# per-block tasks (module-level so that workers import them by name)
# ---------------------------------------------------------------------------------
def _lloyd_block(xt, labels, centers, with_inertia):
    lab = np.full(xt.shape[1], -1, np.int32) if labels is None else labels.copy()
    with one_thread():
        kept = K.kept_chunk_sums(None, xt.shape[1], centers.shape, lab)[1:]  # none kept
        sums, weight, n_changed, inertia = K.lloyd_step(
            xt, None, centers, lab, with_inertia, K.any_d_flag(xt.shape[0]), kept
        )
    return lab, (sums, weight, int(n_changed), float(inertia))


def _assign_block(xt, centers):
    lab = np.empty(xt.shape[1], np.int32)
    min_sq = np.empty(xt.shape[1])
    with one_thread():
        inertia = K.nearest(xt, None, centers, lab, min_sq, K.any_d_flag(xt.shape[0]))
    return lab, float(inertia)


def _second(pair):
    return pair[1]


def _first(pair):
    return pair[0]


def _feature_sums(xt, shift, power):
    with one_thread():
        return K.ordered_column_sums(K.chunk_feature_sums(xt, shift, power))


def _bincount(labels, k):
    return np.bincount(labels, minlength=k)


def _closest_block(xt, closest, point):
    c = np.full(xt.shape[1], np.inf) if closest is None else closest.copy()
    with one_thread():
        K.update_closest(xt, c, point)
        pot = 0.0
        for part in K.chunk_potentials(None, c):  # chunk order, as in memory
            pot += part
    return c, pot


def _candidate_block(xt, closest, candidates):
    with one_thread():
        return K.candidate_potentials(xt, None, closest, candidates)  # None: unit weights


def _sample_block(xt, closest, local_vals):
    """Rows drawn with P ∝ D², by the running sums of the block's chunks; a draw of
    probability zero (rounding at an end) becomes the block's last row with D² > 0."""
    with one_thread():
        chunk_cum = np.cumsum(K.chunk_potentials(None, closest))
        idx = K.sample_in_chunks(np.ones(xt.shape[1]), closest, chunk_cum, local_vals)
    positive = np.flatnonzero(closest > 0)
    if positive.size:
        idx = np.where(closest[idx] > 0, idx, positive[-1])
    return idx, np.ascontiguousarray(xt[:, idx].T), closest[idx]


def _coreset_block(xt, b, size, n_total, sq_total, seed):
    # each block its own generator, from the fit's seed and the block's index
    return sample_block(xt, size, n_total, sq_total, np.random.default_rng([seed, b]))


def _rows_block(xt, local):
    return np.ascontiguousarray(xt[:, local].T)


def _farthest_block(xt, labels, centers, n_far):
    """The block's n_far rows farthest from their own centre: (rows, labels, local idx)."""
    diff = xt.T - centers[labels]
    dist = (diff * diff).sum(axis=1)
    take = min(n_far, dist.shape[0])
    if take == 0:
        return np.empty((0, xt.shape[0])), np.empty(0, np.int32)
    far = np.argpartition(dist, -take)[-take:]
    return np.ascontiguousarray(xt[:, far].T), labels[far]


def _as_int64(labels):
    return labels.astype(np.int64)


def _gt_zero(values):
    return values > 0


# ---------------------------------------------------------------------------------
# engine-side handles of per-block vectors, and the unit weights
# ---------------------------------------------------------------------------------
class BlockVector:
    """A length-n vector held as one array per block (labels, or D(x)²).

    ``blocks[b]`` is ``None`` before the first pass (all -1 labels / all +inf
    distances). Values read by the client (the drawn rows' D²) are cached until the
    vector next changes.
    """

    def __init__(self, engine: DaskEngine) -> None:
        self.engine = engine
        self.blocks: list[Any] = [None] * len(engine.data.blocks)
        self.potentials: np.ndarray | None = None
        self.known: dict[int, float] = {}
        # the last candidates scored and their per-block potentials (n_blocks, n_cand)
        self.scored: tuple[np.ndarray, np.ndarray] | None = None

    def replace(self, blocks: list[Any]) -> None:
        self.blocks = blocks
        self.known = {}
        self.scored = None

    def __getitem__(self, rows: Any) -> np.ndarray:
        rows = np.asarray(rows)
        if all(int(r) in self.known for r in rows.ravel()):
            return np.array([self.known[int(r)] for r in rows.ravel()]).reshape(rows.shape)
        return np.concatenate(run(np.asarray, self.blocks))[rows]  # pragma: no cover

    def __gt__(self, value: float) -> np.ndarray:
        # only reached when every point already sits on a centre (k-means++ potential 0)
        return np.concatenate(run(_gt_zero, self.blocks)) if value == 0 else NotImplemented


class _UnitWeights:
    """Every sample weighs 1 (Dask input takes no sample weights)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, rows: Any) -> np.ndarray:
        return np.ones(np.shape(rows))

    def __mul__(self, other: Any) -> Any:
        return other

    __rmul__ = __mul__

    def sum(self) -> float:
        return float(self.n)


class _Rows:
    """``engine.X[rows]``: fetches the rows from their blocks (cached)."""

    def __init__(self, engine: DaskEngine) -> None:
        self.engine = engine
        self.cache: dict[int, np.ndarray] = {}

    def __getitem__(self, rows: Any) -> np.ndarray:
        rows_arr = np.asarray(rows, dtype=np.int64)
        flat = rows_arr.ravel()
        missing = sorted({int(r) for r in flat} - self.cache.keys())
        if missing:
            data = self.engine.data
            miss = np.array(missing, dtype=np.int64)
            which = data.block_of(miss)
            used = np.unique(which)
            got = run(
                _rows_block,
                [data.blocks[b] for b in used],
                [miss[which == b] - data.offsets[b] for b in used],
            )
            for b, values in zip(used, got, strict=True):
                for r, row in zip(miss[which == b], values, strict=True):
                    self.cache[int(r)] = row
        out = np.array([self.cache[int(r)] for r in flat]).reshape(
            (*rows_arr.shape, self.engine.data.n_features)
        )
        return out


# ---------------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------------
class DaskEngine:
    """K-means building blocks on persisted Dask blocks (see the module notes).

    Parameters
    ----------
    data : DaskBlocks
        The checked, persisted input (``kmeans_np.dask_blocks.to_blocks``).
    """

    name = "dask"
    sample_weight = None

    def __init__(self, data: DaskBlocks) -> None:
        self.data = data
        self.X = _Rows(self)
        self.w = _UnitWeights(data.n_samples)

    @property
    def n_samples(self) -> int:
        return self.data.n_samples

    # -- labels ------------------------------------------------------------------
    def start_labels(self) -> BlockVector:
        """Labels before the first assignment (all -1), one array per block."""
        return BlockVector(self)

    def labels_array(self, labels: BlockVector) -> Any:
        """The labels as a Dask array of int64, chunked like the input's rows."""
        parts = persist(_as_int64, labels.blocks)
        return from_blocks(parts, self.data.sizes, np.int64)

    def feature_variances(self) -> np.ndarray:
        d, n = self.data.n_features, self.n_samples
        sums = run(_feature_sums, self.data.blocks, args=(np.zeros(d), 1))
        mean = ordered_sum(sums) / n
        return ordered_sum(run(_feature_sums, self.data.blocks, args=(mean, 2))) / n

    def cluster_sizes(self, labels: BlockVector, k: int) -> np.ndarray:
        return ordered_sum(run(_bincount, labels.blocks, args=(k,)))

    # -- Lloyd -------------------------------------------------------------------
    def lloyd_step(
        self, centers: np.ndarray, labels: BlockVector, with_inertia: bool = False
    ) -> LloydStep:
        centers = np.ascontiguousarray(centers, dtype=np.float64)
        done = persist(
            _lloyd_block, self.data.blocks, labels.blocks, args=(centers, bool(with_inertia))
        )
        parts = run(_second, done)
        labels.replace([d[0] for d in done])
        sums = ordered_sum([p[0] for p in parts])
        weight = ordered_sum([p[1] for p in parts])
        n_changed = sum(p[2] for p in parts)
        inertia = ordered_sum([p[3] for p in parts]) if with_inertia else float("nan")
        return LloydStep(sums=sums, weight=weight, n_changed=int(n_changed), inertia=inertia)

    def assign(self, centers: np.ndarray, labels: BlockVector) -> float:
        centers = np.ascontiguousarray(centers, dtype=np.float64)
        done = persist(_assign_block, self.data.blocks, args=(centers,))
        inertia = ordered_sum(run(_second, done))
        labels.replace([d[0] for d in done])
        return float(inertia)

    def relocate_empty_clusters(
        self, centers_old: np.ndarray, sums: np.ndarray, weight: np.ndarray,
        labels: BlockVector,
    ) -> None:
        """As ``lloyd.relocate_empty_clusters``: each block proposes its rows farthest
        from their centre, and the in-memory rule runs on those proposals."""
        n_empty = int(np.count_nonzero(weight == 0))
        got = run(_farthest_block, self.data.blocks, labels.blocks, args=(centers_old, n_empty))
        rows = np.concatenate([g[0] for g in got])
        labs = np.concatenate([g[1] for g in got])
        relocate_empty_clusters(rows, np.ones(rows.shape[0]), centers_old, sums, weight, labs)

    # -- the seeding sample -------------------------------------------------------
    def coreset(self, size: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A lightweight coreset of about ``size`` rows and their weights
        (:mod:`kmeans_np.coreset`): one pass for Σ‖x‖², one to draw. Blocks draw with
        generators seeded from ``rng`` and their index, and come back in block order."""
        d, n = self.data.n_features, self.n_samples
        sq_total = float(ordered_sum(run(_feature_sums, self.data.blocks,
                                         args=(np.zeros(d), 2))).sum())
        seed = int(rng.integers(2**63))
        got = run(_coreset_block, self.data.blocks, range(len(self.data.blocks)),
                  args=(float(size), n, sq_total, seed))
        return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])

    # -- k-means++ ---------------------------------------------------------------
    def sq_dist_to(self, point: np.ndarray) -> BlockVector:
        closest = BlockVector(self)
        self.update_closest(closest, point)
        return closest

    def update_closest(self, closest: BlockVector, point: np.ndarray) -> None:
        point = np.ascontiguousarray(point, dtype=np.float64)
        known = None
        if closest.scored is not None:
            # The point is one of the candidates just scored: each block's new potential
            # is that candidate's block potential, the same sums in the same order, so
            # the update need not be waited for.
            cands, block_pots = closest.scored
            match = np.flatnonzero((cands == point).all(axis=1))
            if match.size:
                known = block_pots[:, match[0]].copy()
        done = persist(_closest_block, self.data.blocks, closest.blocks, args=(point,))
        closest.potentials = np.array(run(_second, done)) if known is None else known
        closest.replace([d[0] for d in done])

    def potential(self, closest: BlockVector) -> float:
        return float(ordered_sum(list(closest.potentials)))

    def candidate_potentials(self, closest: BlockVector, candidates: np.ndarray) -> np.ndarray:
        cands = np.ascontiguousarray(candidates, dtype=np.float64)
        parts = run(_candidate_block, self.data.blocks, closest.blocks, args=(cands,))
        closest.scored = (cands.copy(), np.array(parts))
        return ordered_sum(parts)

    def sample_proportional(self, closest: BlockVector, rand_vals: np.ndarray) -> np.ndarray:
        """Rows with P(i) ∝ D_i²: the block by the blocks' running potentials, the row
        inside it by its chunks' running sums (never a row with D² = 0 while some
        row has D² > 0)."""
        pots = closest.potentials
        cum = np.cumsum(pots)
        positive = np.flatnonzero(pots > 0)
        rand_vals = np.asarray(rand_vals, dtype=np.float64)
        if positive.size == 0:  # every point on a centre: any row will do
            return np.zeros(rand_vals.shape[0], dtype=np.int64)
        which = np.searchsorted(cum, rand_vals, side="left")
        # the first block with a positive potential at or after the one found
        which = positive[np.minimum(np.searchsorted(positive, which), positive.size - 1)]
        before = np.where(which > 0, cum[np.maximum(which - 1, 0)], 0.0)
        local = rand_vals - before
        used = np.unique(which)
        got = run(
            _sample_block,
            [self.data.blocks[b] for b in used],
            [closest.blocks[b] for b in used],
            [np.ascontiguousarray(local[which == b]) for b in used],
        )
        out = np.empty(rand_vals.shape[0], dtype=np.int64)
        for b, (idx, rows, values) in zip(used, got, strict=True):
            glob = idx + self.data.offsets[b]
            out[which == b] = glob
            for g, row, v in zip(glob, rows, values, strict=True):
                self.X.cache[int(g)] = row
                closest.known[int(g)] = float(v)
        return out
