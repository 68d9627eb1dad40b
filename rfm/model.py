r"""A saved segmentation: fit once, assign every week with the same thresholds and ids.

A weekly run that starts from nothing moves the score thresholds, renumbers the K-means
clusters and may rename the personas, so the tags pushed into a CRM change for no reason.
:class:`SegmentModel` keeps everything one training run learned, and nothing else:

* the run's :class:`rfm.Settings`: column roles, cleaning rules, snapshot convention,
  score scale ``q``, tie rule, rule set (a built-in name or the rules themselves), k,
  scaling and seed;
* the score cut points of R, F and M, and the score bins (:func:`rfm.score_bins`);
* the scaler's fitted numbers, and the K-means centres in scaled units;
* each cluster's id, persona name and action;
* the training customers' distributions, for drift (:mod:`rfm.drift`);
* the training data's size and date range, the version that wrote it, when.

How a model is applied
----------------------
:meth:`SegmentModel.assign` cleans the new order lines and builds their customer table
exactly as a run does (:func:`rfm.app.pipeline.customer_table`: the model's columns,
cleaning rules and snapshot, :meth:`SegmentModel.snapshot_for` — the day after the *new*
data's last order, unless a snapshot is given). Then, for every customer, and with nothing
refitted and no quantile recomputed:

1. **Scores** from the frozen cut points :math:`c_1 \le \dots \le c_{q-1}` of each
   dimension: :math:`s = 1 + \#\{j : c_j \le x\}` (recency reversed). A value beyond the
   training range takes the end score. With ``ties="first"`` the training run split equal
   values by row order; the model gives all customers with one value the score of the
   first of them in the training ranking (:mod:`rfm.frozen`).
2. **Segment and action** from the rule set on those scores, first matching rule wins
   (:func:`rfm.segment`; the rules are evaluated once per score cell, :math:`q^3` cells,
   and every customer looks its cell up). The customer's action is its segment's, or
   a top spender's in a win-back rule for every spend (:func:`rfm.segment`,
   :func:`rfm.customer_actions`).
3. **Cluster**: R, F, M are scaled with the frozen scaler (``log1p`` where the scaling
   says so, then :math:`x' = o + (z - c)\,s`) and the customer joins the nearest frozen
   centre, :math:`\arg\min_j \lVert x' - \mu_j \rVert^2` (first on ties).
4. **Persona** and the persona's action come with the cluster (``profile.csv`` and the
   report show the persona actions; the per-customer ``action`` is the segment's).

Applied to its own training data, a model trained with ``ties="thresholds"`` (the
default) reproduces the training run's ``segments.csv`` exactly (scores, code, segment,
cluster, persona, action): the cut points are the run's own, the scaler's operations are
repeated, and K-means ends every fit by assigning each point to its nearest final centre
(:func:`kmeans_np.lloyd.lloyd`). With ``ties="first"`` only the customers whose tied
value the training run split across a score boundary differ (they take the score of the
first customer with that value in the training ranking).

Drift
-----
:meth:`SegmentModel.drift` compares the new customers with the training customers, per
feature (R, F, M and their scaled values; :mod:`rfm.drift` has the details):

* the population stability index over bins fixed by the training data (the frozen score
  bins, and the training deciles; a scaled feature takes its raw feature's bins carried
  through the scaler, so its PSI is the raw one's: :mod:`rfm.drift` says why), with
  :math:`p_b` the training share and :math:`a_b` the new share of bin :math:`b` (shares
  floored at :math:`10^{-4}`):
  :math:`\mathrm{PSI} = \sum_b (a_b - p_b) \ln(a_b / p_b)`; below 0.1 stable, 0.1–0.25 a
  moderate shift, above 0.25 refit recommended;
* the two-sample Kolmogorov–Smirnov statistic
  :math:`D = \sup_x |F_{\text{train}}(x) - F_{\text{new}}(x)|` and its p-value
  (:func:`scipy.stats.ks_2samp` on the training distribution the model keeps: every
  distinct value with its count, or a seeded sample of 10,000 customers when there are
  more distinct values).

Refit with stable ids
---------------------
:meth:`SegmentModel.refit` fits afresh on new data (new cut points, new centres; the same
settings), then matches the new clusters to the old: both sets of centres are put in the
*old* model's scaled space (new centres → days, orders, money → old scaler) and
:func:`scipy.optimize.linear_sum_assignment` pairs them with the smallest total Euclidean
distance. Matched clusters keep the old id (a CRM tag stays on the same group of customers
next week). Every cluster is named afresh from its own medians, so a kept cluster keeps
its persona name and action while its customers still fit them, and is renamed, with the
report saying so, when they no longer do: a name is a claim about the numbers, and an old
name left on customers who changed would be false. A new cluster without a counterpart gets
the next free id and its own fresh persona name (" (new)" added in the refit run's files and
report should the old model have used that name: the refitted model keeps the name without
it, so the model applied or refitted later does not call it new); old clusters without one
are reported as vanished
(:attr:`SegmentModel.lineage`). ``warm_start=True`` runs Lloyd once from the old centres
instead of k-means++ (k stays the old k). The order lines are sorted (customer, invoice,
date, money) before the refit and the customer table is in customer order, so the same
rows in any order give the same model, bit for bit: unsorted, a customer's spend would be
summed in another order and differ in the last bits.

The snapshot on new order lines
-------------------------------
Recency is counted from ``snapshot=`` when the caller gives one (:meth:`assign`,
:meth:`drift`, :meth:`refit`, :func:`rfm.app.applying.apply_model`), else from the
model's own (:meth:`SegmentModel.snapshot_for`): its rule (``"max+1d"``, the default, or
``"max"``) on the new lines' own last order; or, for a model whose training run was given
a date (``snapshot="2024-05-01"``, ``rfmseg segment --snapshot``), that date while the new
lines end by it (at or before its 00:00, for a day: the model applied to its training
lines gives that run's figures back) and, on lines that go on past it, 24 hours after
their last order (``"max+1d"``), with a :class:`SnapshotPassedWarning`. That date is the
training run's "as of" day, not a rule for later data, which it would refuse (recency
would be negative). A refitted model keeps the snapshot used: the date, or ``"max+1d"``.
``rfmseg apply`` and ``refit`` take the same rule, and say the warning in their words.

The model file
--------------
:meth:`SegmentModel.save` writes JSON (:mod:`rfm.model_file`): readable, versioned, every
float written so that it reads back bit for bit, validated field by field on load; never
pickle, and nothing in it is executed.
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm._inputs import RFM_COLUMNS, check_rfm
from rfm._table_core import DateOrNextDay, check_snapshot, settled_snapshot
from rfm.drift import (
    Reference,
    bin_counts,
    decile_cuts,
    drift_reading,
    ks_test,
    psi,
)
from rfm.frozen import FrozenScaler, FrozenScores, nearest_centre
from rfm.io.export import CSV_DIGITS, round_significant
from rfm.personas import without_new_mark
from rfm.segments import segment
from rfm.settings import Settings

__all__ = ["SCALED_FEATURES", "SegmentModel", "SnapshotPassedWarning"]

#: names of the scaled features in the drift table
SCALED_FEATURES = tuple(f"{d}_scaled" for d in RFM_COLUMNS)
#: the columns of an assignment (segments.csv without the training-only silhouette)
ASSIGN_COLUMNS = ("customer", *RFM_COLUMNS, "r_score", "f_score", "m_score", "rfm_code",
                  "segment", "cluster", "persona", "action")  # fmt: skip


@dataclass(frozen=True)
class FeatureReference:
    """The training distribution of one feature: decile cut points and counts, score
    counts (raw features only, by score level increasing with value) and the KS
    reference (:class:`rfm.drift.Reference`)."""

    decile_cuts: np.ndarray
    decile_counts: np.ndarray
    distribution: Reference
    score_counts: np.ndarray | None = None


@dataclass(frozen=True)
class Learned:
    """Everything a fitted :class:`SegmentModel` holds besides its settings."""

    scores: FrozenScores
    bins: pd.DataFrame
    scaler: FrozenScaler
    ids: np.ndarray
    centres: np.ndarray
    personas: tuple[str, ...]
    persona_actions: tuple[str, ...]
    reference: dict[str, FeatureReference]
    training: dict[str, Any]
    created: str
    version: str
    lineage: dict[str, Any] | None = None
    _cells: list = field(default_factory=list, compare=False, repr=False)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rfmseg")
    except PackageNotFoundError:  # pragma: no cover - a source tree never installed
        return "unknown"


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def instant(ts: Any) -> str:
    """A day as YYYY-MM-DD, with its time only when it is not midnight."""
    ts = pd.Timestamp(ts)
    return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M:%S}"


class SnapshotPassedWarning(UserWarning):
    """The order lines go on past the date the model's training run was given as its
    snapshot, so recency is counted from 24 hours after their last order instead, as
    ``snapshot="max+1d"`` does (:meth:`SegmentModel.snapshot_for`). ``date`` is the
    model's date, ``last`` the lines' last order, ``refit`` whether a refitted model
    keeps that rule; ``rfmseg`` says it in its own words from them."""

    def __init__(self, date: pd.Timestamp, last: pd.Timestamp, refit: bool = False) -> None:
        self.date, self.last, self.refit = date, last, refit
        super().__init__(
            f"The model counts recency from {instant(date)}, the date its training run "
            f"was given as snapshot=, but these orders go on to {instant(last)}: recency is "
            "counted from 24 hours after their last order instead, as snapshot='max+1d' does"
            + ("; the refitted model keeps that rule" if refit else "")
            + ". Pass snapshot= a date on or after their last order to count it from "
            "another day."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.date, self.last, self.refit)


def snapshot_passed(used: Any, last: Any, refit: bool = False) -> SnapshotPassedWarning | None:
    """The warning of a run given ``used`` (:meth:`SegmentModel.snapshot_for`) on order
    lines whose last order is ``last``, when the model's date gave way; else ``None``."""
    if not isinstance(used, DateOrNextDay) or settled_snapshot(used, last) != "max+1d":
        return None
    return SnapshotPassedWarning(check_snapshot(used.date), pd.Timestamp(last), refit)


def warn_snapshot_passed(used: Any, rfm: pd.DataFrame, refit: bool = False,
                         stacklevel: int = 2) -> SnapshotPassedWarning | None:  # fmt: skip
    """Warn :func:`snapshot_passed` of the customer table ``rfm`` (its last purchase), if
    any, and return it; ``stacklevel`` as :func:`warnings.warn` counts it from the
    caller."""
    said = snapshot_passed(used, rfm["last_purchase"].max(), refit)
    if said is not None:
        warnings.warn(said, stacklevel=stacklevel + 1)
    return said


class SegmentModel:
    """One training run's segmentation, to apply to new customers (module docstring).

    Parameters
    ----------
    settings : Settings, optional
        The run's choices (:class:`rfm.Settings`; the ``rfmseg`` command's defaults).
    **changes
        Settings to change by name: ``SegmentModel(k=4, rules="rfm", random_state=1)``.

    Examples
    --------
    >>> from rfm.datasets import make_transactions
    >>> from rfm import TransactionColumns
    >>> tx = make_transactions(n_customers=300, n_rows=3000, random_state=0)
    >>> model = SegmentModel(k=3).fit(tx, columns=TransactionColumns(amount="TotalAmount"))
    >>> table = model.assign(tx)
    >>> list(table.columns)[:4], model.k
    (['customer', 'recency', 'frequency', 'monetary'], 3)
    """

    def __init__(self, settings: Settings | None = None, **changes: Any) -> None:
        if settings is not None and not isinstance(settings, Settings):
            raise TypeError(f"settings must be a rfm.Settings, got {type(settings).__name__}.")
        self.settings = (settings or Settings()).replace(**changes)
        self._learned: Learned | None = None

    # -- fitting ---------------------------------------------------------------------
    def fit(
        self, transactions: Any, columns: Any = None, *, progress: Any = None
    ) -> SegmentModel:
        """Run the whole segmentation on ``transactions`` (:func:`rfm.run_pipeline` with
        this model's settings; ``columns`` replaces its column roles) and keep what it
        learned. Returns ``self``."""
        from rfm.app.pipeline import run_pipeline

        if columns is not None:
            self.settings = self.settings.replace(columns=columns)
        result = run_pipeline(transactions, self.settings.replace(compare_to=None),
                              progress=progress)  # fmt: skip
        self._learn(result)
        return self

    @classmethod
    def from_result(cls, result: Any) -> SegmentModel:
        """The model of a finished run (a :class:`rfm.app.pipeline.PipelineResult`),
        without fitting again: what ``rfmseg segment --save-model`` saves."""
        model = cls(result.options.replace(compare_to=None))
        model._learn(result)
        return model

    def _learn(self, result: Any, ids: np.ndarray | None = None,
               lineage: dict[str, Any] | None = None) -> None:  # fmt: skip
        """Keep what ``result`` learned; ``ids[row]`` is the cluster id of K-means centre
        ``row`` (default: the row itself), under which ``result.profile`` lists it."""
        chosen = result.options
        q, ties = int(result.q), chosen.ties
        rfm = result.rfm
        arrays = check_rfm(rfm, RFM_COLUMNS)
        sc = result.scores
        raw_scores = (q + 1 - sc["r_score"].to_numpy(), sc["f_score"].to_numpy(),
                      sc["m_score"].to_numpy())  # fmt: skip
        scores = FrozenScores.learn(arrays, raw_scores, q, ties)
        scaler = FrozenScaler.of(result.clusters.scaler, chosen.scaling)
        centres = np.array(result.clusters.model.cluster_centers_, dtype=np.float64)
        k = centres.shape[0]
        ids = np.arange(k, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        prof = result.profile
        # a refit run's " (new)" marks that run only: the model keeps the plain name
        personas = tuple(without_new_mark(str(prof.loc[i, "persona"])) for i in ids)
        actions = tuple(str(prof.loc[i, "action"]) for i in ids)
        X = result.clusters.X.to_numpy(dtype=np.float64)
        seed = int(chosen.random_state)
        reference = {}
        for j, dim in enumerate(RFM_COLUMNS):
            reference[dim] = _feature_reference(arrays[j], seed, scores.cuts[dim])
            reference[SCALED_FEATURES[j]] = _feature_reference(X[:, j], seed)
        first = rfm["first_purchase"].min() if "first_purchase" in rfm else None
        last = rfm["last_purchase"].max() if "last_purchase" in rfm else None
        training = {
            "customers": len(rfm),
            "rows_read": int(result.settings.get("rows_in", 0)),
            "rows_kept": int(result.settings.get("rows_clean", 0)),
            "first_order": _iso(first),
            "last_order": _iso(last),
            "snapshot": _iso(rfm.attrs.get("snapshot")),
        }
        self.settings = chosen.replace(compare_to=None, columns=chosen.columns.as_named())
        self._learned = Learned(
            scores=scores,
            bins=result.score_bins.reset_index(drop=True),
            scaler=scaler,
            ids=ids,
            centres=centres,
            personas=personas,
            persona_actions=actions,
            reference=reference,
            training=training,
            created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            version=_version(),
            lineage=lineage,
        )

    # -- what it learned ---------------------------------------------------------------
    @property
    def learned(self) -> Learned:
        """The fitted state (raises if the model was never fitted or loaded)."""
        if self._learned is None:
            raise ValueError("this SegmentModel is not fitted yet; call fit() or load().")
        return self._learned

    @property
    def k(self) -> int:
        """Number of clusters."""
        return int(self.learned.centres.shape[0])

    @property
    def clusters(self) -> pd.DataFrame:
        """Per cluster id: the centre in days, orders and money, persona and action."""
        lr = self.learned
        raw = lr.scaler.inverse(lr.centres.copy())
        out = pd.DataFrame(raw, columns=list(RFM_COLUMNS),
                           index=pd.Index(lr.ids, name="cluster"))  # fmt: skip
        out["persona"] = list(lr.personas)
        out["action"] = list(lr.persona_actions)
        return out

    @property
    def score_bins(self) -> pd.DataFrame:
        """The training run's score bins (:func:`rfm.score_bins`)."""
        return self.learned.bins.copy()

    @property
    def training(self) -> dict[str, Any]:
        """Size and date range of the training data, and its snapshot."""
        return dict(self.learned.training)

    @property
    def lineage(self) -> dict[str, Any] | None:
        """After :meth:`refit`: ``matched`` (old id → distance in the old scaled space),
        ``appeared`` and ``vanished`` cluster ids, the old model's creation time, and
        ``personas_before`` (by row: every name a kept cluster had in the models before,
        the old model's first; None for a new cluster)."""
        return self.learned.lineage

    @property
    def created(self) -> str:
        """When the model was fitted (UTC, ISO 8601)."""
        return self.learned.created

    # -- applying --------------------------------------------------------------------
    def snapshot_for(self, snapshot: Any = None) -> Any:
        """The snapshot a run of this model on new order lines counts recency from
        (module docstring: the snapshot on new order lines).

        ``snapshot`` when given (as :func:`rfm.rfm_table` takes it: ``"max+1d"``,
        ``"max"`` or a date; a date before the lines' last order is refused). Else the
        model's own: its rule (``"max+1d"``, ``"max"``) as it is, or its date as
        :class:`rfm._table_core.DateOrNextDay`: the date while the lines end by it, 24
        hours after their last order once they go on past it (resolved where the last
        order becomes known, so the lines are read once; the run then warns
        :class:`SnapshotPassedWarning`). :meth:`assign`, :meth:`drift`,
        :meth:`customer_table`, :meth:`refit` and :func:`rfm.app.applying.apply_model`
        take it, and so do ``rfmseg apply`` and ``refit``.
        """
        if snapshot is not None:
            return snapshot
        own = self.settings.snapshot
        return own if check_snapshot(own) is None else DateOrNextDay(own)

    def customer_table(self, transactions: Any, snapshot: Any = None) -> pd.DataFrame:
        """The RFM table of ``transactions`` as a run with this model's settings builds it,
        recency counted from :meth:`snapshot_for` ``(snapshot)``; a totals row left out is
        said in a ``UserWarning``, as a run says it, and the model's date given way in a
        :class:`SnapshotPassedWarning`."""
        return self._customer_table(transactions, snapshot, stacklevel=3)

    def _customer_table(self, transactions: Any, snapshot: Any, stacklevel: int) -> pd.DataFrame:
        """:meth:`customer_table`, its warnings at ``stacklevel`` (as :func:`warnings.warn`
        counts it from this method's caller's caller: the user's call of a public one)."""
        from rfm.app.pipeline import customer_table

        _check_columns(transactions, self.settings.columns)
        used = self.snapshot_for(snapshot)
        table = customer_table(transactions, self.settings.replace(snapshot=used))
        for row in table.totals:
            warnings.warn(row.sentence(), UserWarning, stacklevel=stacklevel)
        warn_snapshot_passed(used, table.rfm, stacklevel=stacklevel)
        return table.rfm

    def assign(self, transactions: Any, snapshot: Any = None) -> pd.DataFrame:
        """Scores, segment, cluster, persona and action of every customer in
        ``transactions`` (order lines, in memory or on Dask), with the frozen thresholds,
        scaler and centres (module docstring: how a model is applied).

        Parameters
        ----------
        transactions : DataFrame or dask.dataframe.DataFrame
            Order lines with the model's columns.
        snapshot : "max+1d", "max" or date, optional
            The instant recency is counted from; by default the model's own
            (:meth:`snapshot_for`: a model trained with ``snapshot=DATE`` keeps DATE on
            lines that end by it, and counts from ``"max+1d"`` on lines that go on past
            it, with a :class:`SnapshotPassedWarning`).

        Returns
        -------
        DataFrame
            The columns of ``segments.csv`` but the training-only silhouette:
            ``customer, recency, frequency, monetary, r_score, f_score, m_score,
            rfm_code, segment, cluster, persona, action``, customers in id order.
        """
        return self.assign_customers(self._customer_table(transactions, snapshot, 3))

    def assign_customers(self, rfm: pd.DataFrame) -> pd.DataFrame:
        """:meth:`assign` on a customer table (:func:`rfm.rfm_table`) already built."""
        lr = self.learned
        arrays = check_rfm(rfm, RFM_COLUMNS)
        q = lr.scores.q
        r, f, m = (lr.scores.score(d, a) for d, a in zip(RFM_COLUMNS, arrays, strict=True))
        cell = ((r - 1) * q + (f - 1)) * q + (m - 1)
        codes, names, seg_code, actions, act_code = self._cells()
        values = np.column_stack(arrays)
        row = self._centre_rows(values)
        out = pd.DataFrame({"customer": rfm.index.to_numpy()})
        for dim, a in zip(RFM_COLUMNS, (rfm[c] for c in RFM_COLUMNS), strict=True):
            out[dim] = a.to_numpy()
        out["r_score"], out["f_score"], out["m_score"] = r, f, m
        out["rfm_code"] = pd.Categorical.from_codes(cell, categories=codes)
        out["segment"] = pd.Categorical.from_codes(seg_code[cell], categories=names)
        out["cluster"] = lr.ids[row]
        out["persona"] = pd.Categorical.from_codes(row, categories=list(lr.personas))
        out["action"] = pd.Categorical.from_codes(act_code[cell], categories=actions)
        return out

    def _centre_rows(self, values: np.ndarray) -> np.ndarray:
        """Row of the nearest frozen centre of each customer (R, F, M ``values``, (n, 3)
        float64) under the frozen scaler: the cluster step of :meth:`assign_customers`."""
        lr = self.learned
        return nearest_centre(lr.scaler.transform(values), lr.centres)

    def _cells(self) -> tuple[list[str], list[str], np.ndarray, list[str], np.ndarray]:
        """The code, segment and action of every one of the q³ score cells (cached)."""
        lr = self.learned
        if lr._cells:
            return lr._cells[0]
        q = lr.scores.q
        grid = np.stack(np.meshgrid(*[np.arange(1, q + 1)] * 3, indexing="ij"), -1)
        grid = grid.reshape(-1, 3).astype(np.int64)  # cell order: r, then f, then m
        scores = pd.DataFrame(grid, columns=["r_score", "f_score", "m_score"])
        scores.attrs["rfm_q"] = q
        named = segment(scores, self.settings.rules)
        codes = [f"{a}{b}{c}" for a, b, c in grid]
        names = list(dict.fromkeys(named["segment"]))
        actions = list(dict.fromkeys(named["action"]))
        seg_code = pd.Categorical(named["segment"], categories=names).codes.astype(np.int64)
        act_code = pd.Categorical(named["action"], categories=actions).codes.astype(np.int64)
        lr._cells.append((codes, names, seg_code, actions, act_code))
        return lr._cells[0]

    # -- drift -----------------------------------------------------------------------
    def drift(self, transactions: Any, snapshot: Any = None) -> pd.DataFrame:
        """How far the customers of ``transactions`` are from the training customers
        (:mod:`rfm.drift`): one row per feature (R, F, M and their scaled values);
        ``snapshot`` as for :meth:`assign`."""
        return self.drift_customers(self._customer_table(transactions, snapshot, 3))

    def drift_customers(self, rfm: pd.DataFrame) -> pd.DataFrame:
        """:meth:`drift` of a customer table already built.

        Returns
        -------
        DataFrame
            Indexed by ``feature``: ``psi`` (the larger of the two below),
            ``psi_score_bins``, ``psi_deciles``, ``ks_statistic``, ``ks_pvalue``,
            ``verdict`` (:func:`rfm.drift.drift_reading` of ``psi``: its band, but
            "too few customers" below :data:`rfm.drift.MIN_DRIFT_CUSTOMERS` where chance
            alone could give the PSI). ``attrs["refit_recommended"]`` is True when
            any verdict recommends a refit (a PSI above 0.25 on enough customers);
            ``attrs["customers"]`` is the number of new customers.

        A scaled feature is binned by the images of its raw feature's bins (score bins
        and deciles) under the frozen scaler, ties on the raw side, so each customer is
        in the bin of its raw value and both PSI figures are the raw feature's, equal to
        the last bit (:mod:`rfm.drift`: why, and why not deciles of the scaled values);
        a scaled feature that is constant (multiplier 0) has PSI 0. The model file's
        deciles of the scaled features are not read. The KS statistic and its p-value of
        a scaled feature are the raw feature's too: the scaling keeps the customers'
        order, and the raw reference is the one whose sample, when the model keeps a sample
        (``attrs["sampled"]``: the dimensions whose training values were more distinct
        values than it stores), the test compared with. (A scaled reference can hold
        all its values where the raw one is sampled: spends that differ in their last
        bits scale to one value.)
        """
        lr = self.learned
        arrays = check_rfm(rfm, RFM_COLUMNS)
        X = lr.scaler.transform(np.column_stack(arrays))
        rows = []
        raw: dict[str, tuple[float, float, float, float]] = {}
        columns = [*zip(RFM_COLUMNS, arrays, strict=True), *zip(SCALED_FEATURES, X.T, strict=True)]
        for (name, values), dim in zip(columns, RFM_COLUMNS * 2, strict=True):
            ref = lr.reference[name]
            if name in RFM_COLUMNS:  # recency, frequency, monetary
                by_score = float("nan")
                if ref.score_counts is not None:
                    by_score = psi(ref.score_counts, bin_counts(values, lr.scores.cuts[dim]))
                by_decile = psi(ref.decile_counts, bin_counts(values, ref.decile_cuts))
                stat, p = _ks_alike(dim, ref.distribution, values)
                raw[dim] = (by_score, by_decile, stat, p)
            elif lr.scaler.multiplier[RFM_COLUMNS.index(dim)] != 0:  # strictly monotone:
                # the same customers in the same bins and the same order, so the raw
                # figures (the raw reference, if sampled, is the customers the KS test saw)
                by_score, by_decile, stat, p = raw[dim]
            else:  # scaled to a constant: everyone in one bin, before and now
                by_score, by_decile = 0.0, 0.0
                stat, p = ks_test(ref.distribution, values)
            worst = float(np.nanmax([by_score, by_decile]))
            bins = max(len(lr.reference[dim].decile_counts), lr.scores.q)
            reading = drift_reading(worst, len(values), bins)
            rows.append((name, worst, by_score, by_decile, stat, p, reading))
        table = pd.DataFrame(rows, columns=["feature", "psi", "psi_score_bins", "psi_deciles",
                                            "ks_statistic", "ks_pvalue", "verdict"])
        table = table.set_index("feature")
        table.attrs["refit_recommended"] = bool((table["verdict"] == "refit recommended").any())
        table.attrs["customers"] = len(rfm)
        table.attrs["sampled"] = [d for d in RFM_COLUMNS if lr.reference[d].distribution.sampled]
        return table

    def older_than_training(self, rfm: pd.DataFrame) -> str:
        """A warning when the orders of the customer table ``rfm`` (its ``last_purchase``)
        end before this model's training orders did, in one sentence; ``""`` when not, or
        when either end is unknown. A file older than the model is seldom meant as the
        latest week: ``rfmseg apply`` and ``rfmseg refit`` both say so."""
        training = self.learned.training
        if "last_purchase" not in rfm or not len(rfm) or not training.get("last_order"):
            return ""
        end, trained = rfm["last_purchase"].max(), pd.Timestamp(training["last_order"])
        # days as the shop's clocks read them (the readers' rule for zoned times): a
        # zoned end loses its zone, not its wall-clock time
        if end.tzinfo is None and trained.tzinfo is not None:
            trained = trained.tz_localize(None)
        elif end.tzinfo is not None and trained.tzinfo is None:
            end = end.tz_localize(None)
        if end.normalize() >= trained.normalize():
            return ""
        return (f"These orders end on {end:%Y-%m-%d}, before the model's training orders did "
                f"({trained:%Y-%m-%d}): the data are older than the model. If they are meant "
                "as the latest orders, check the file.")  # fmt: skip

    # -- refit -----------------------------------------------------------------------
    def refit(
        self, transactions: Any, *, warm_start: bool = False, progress: Any = None,
        snapshot: Any = None,
    ) -> SegmentModel:
        """A new model fitted on ``transactions`` whose clusters keep this model's ids where
        they persist, and their persona names where their customers still fit them
        (:mod:`rfm.model_refit`); see :attr:`lineage`. ``snapshot`` as for
        :meth:`assign` (by default the model's own, :meth:`snapshot_for`), and the new
        model keeps the snapshot used: the date given, the model's rule, or, when the
        lines go on past the model's date, ``"max+1d"`` (with a
        :class:`SnapshotPassedWarning` that says so)."""
        return self._refit_run(transactions, warm_start, progress, snapshot, 3)[0]

    def refit_run(
        self, transactions: Any, *, warm_start: bool = False, progress: Any = None,
        snapshot: Any = None,
    ) -> tuple[SegmentModel, Any]:
        """:meth:`refit`, and the run's result with the stable ids (for its files); its
        warnings say when ``transactions`` end before this model's training orders did
        (:meth:`older_than_training`, and ``settings["refit"]["older_data"]``)."""
        return self._refit_run(transactions, warm_start, progress, snapshot, 3)

    def _refit_run(self, transactions: Any, warm_start: bool, progress: Any, snapshot: Any,
                   stacklevel: int) -> tuple[SegmentModel, Any]:  # fmt: skip
        """:meth:`refit_run`, its snapshot warning at ``stacklevel`` (as in
        :meth:`_customer_table`)."""
        from rfm.app.pipeline import TooFewCustomers, run_pipeline
        from rfm.labels import agree, counted
        from rfm.model_refit import match_clusters, relabel_result, renamed_clusters

        lr = self.learned
        chosen = self.settings.replace(snapshot=self.snapshot_for(snapshot))
        start = None
        if warm_start:
            start = lr.scaler.inverse(lr.centres.copy())
            chosen = chosen.replace(k=self.k)
        rows = _canonical_order(transactions, chosen.columns)
        try:
            result = run_pipeline(rows, chosen, progress=progress, start=start)
        except TooFewCustomers as few:  # the rule set is the model's: no other to suggest
            raise ValueError(f"{counted(few.n)} {agree(few.n, 'is|are')} too few for the "
                             f"model's {few.q} score levels: a refit needs at least {few.q} "
                             "customers.") from None  # fmt: skip
        warn_snapshot_passed(chosen.snapshot, result.rfm, refit=True, stacklevel=stacklevel)
        new_scaler = FrozenScaler.of(result.clusters.scaler, chosen.scaling)
        new_raw = new_scaler.inverse(np.array(result.clusters.model.cluster_centers_))
        in_old = lr.scaler.transform(new_raw)
        names = [str(result.personas.loc[i]) for i in range(len(new_raw))]
        acts = [str(result.profile.loc[i, "action"]) for i in range(len(new_raw))]
        ids, personas, actions, lineage = match_clusters(
            in_old, lr.centres, lr.ids, list(lr.personas), list(lr.persona_actions),
            names, acts,
        )
        lineage["refit_of"] = lr.created
        lineage["personas_before"] = _names_before(lr, lineage["matched"])
        relabelled = relabel_result(result, ids, personas, actions)
        # where the old model would put the same customers (its frozen scaler and centres
        # on this run's customer table, as assign does): how many clusters changed
        old_ids = lr.ids[self._centre_rows(np.column_stack(check_rfm(result.rfm, RFM_COLUMNS)))]
        new_ids = relabelled.clusters.labels.reindex(result.rfm.index).to_numpy()
        moved = float(np.mean(old_ids != new_ids))
        older = self.older_than_training(result.rfm)  # as apply says it
        if older:
            relabelled.warnings.append(older)
        relabelled.settings["refit"] = {
            **lineage, "ids": [int(i) for i in ids], "personas": personas,
            "renamed": renamed_clusters(lineage, lr.ids, list(lr.personas), personas),
            "customers_moved": moved, "older_data": bool(older),
        }  # fmt: skip
        model = SegmentModel(chosen.replace(k=self.settings.k))
        model._learn(relabelled, ids=ids, lineage=lineage)
        return model, relabelled

    # -- files -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The model as the JSON document :meth:`save` writes (:mod:`rfm.model_file`)."""
        from rfm.model_file import to_document

        return to_document(self)

    @classmethod
    def from_dict(cls, document: Any) -> SegmentModel:
        """A model from a document of :meth:`to_dict`, every field checked."""
        from rfm.model_file import from_document

        return from_document(document)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to ``path`` as JSON, atomically; returns the path."""
        from rfm.model_file import write_model

        return write_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SegmentModel:
        """Read a model file; every field is checked, and a bad file is refused with one
        line naming the problem (:class:`rfm.model_file.ModelFileError`)."""
        from rfm.model_file import read_model

        return read_model(path)

    def __repr__(self) -> str:
        if self._learned is None:
            return f"SegmentModel(unfitted, {self.settings!r})"
        t = self._learned.training
        return (f"SegmentModel(k={self.k}, q={self._learned.scores.q}, "
                f"customers={t['customers']:,}, created={self._learned.created})")


def _ks_alike(dim: str, reference: Reference, values: np.ndarray) -> tuple[float, float]:
    """:func:`rfm.drift.ks_test` of one raw feature. A spend is a sum whose last bits
    depend on the order of its additions (on Dask, in memory), and the KS statistic
    counts ties: both sides are taken at 12 significant digits, as a segments.csv writes
    them, so the same customers give the same figures on either backend."""
    if dim != "monetary":
        return ks_test(reference, values)
    alike = Reference(round_significant(reference.values, CSV_DIGITS), reference.counts,
                      reference.sampled)  # fmt: skip
    return ks_test(alike, round_significant(values, CSV_DIGITS))


def _feature_reference(values: np.ndarray, seed: int,
                       score_cuts: np.ndarray | None = None) -> FeatureReference:  # fmt: skip
    cuts = decile_cuts(values)
    return FeatureReference(
        decile_cuts=cuts,
        decile_counts=bin_counts(values, cuts),
        distribution=Reference.of(values, seed),
        score_counts=None if score_cuts is None else bin_counts(values, score_cuts),
    )


def _canonical_order(transactions: Any, cols: Any) -> Any:
    """In-memory order lines sorted by customer, invoice, date and money, so that each
    customer's spend is summed in the same order however the rows came (a float sum
    depends on its order in the last bits). A Dask frame is left as it is: its rows come
    in the order of its files."""
    if not isinstance(transactions, pd.DataFrame):
        return transactions
    _check_columns(transactions, cols)
    keys = [c for c in (cols.customer, cols.invoice, cols.date, *cols.money) if c is not None]
    return transactions.sort_values(list(dict.fromkeys(keys)), kind="stable",
                                    ignore_index=True)  # fmt: skip


def _check_columns(transactions: Any, cols: Any) -> None:
    """Refuse data that lacks a column the model was trained with (one line)."""
    present = getattr(transactions, "columns", None)
    if present is None:
        return  # not a table: the cleaning step says so
    roles = (cols.customer, cols.invoice, cols.date, *cols.money, cols.quantity, cols.price)
    needed = [c for c in roles if c is not None]
    missing = [c for c in dict.fromkeys(needed) if c not in set(present)]
    if missing:
        raise ValueError(
            f"the data lacks column(s) {', '.join(map(repr, missing))} that the model was "
            "trained with."
        )



def _names_before(old: Learned, matched: list[Any]) -> list[list[str] | None]:
    """Per new cluster row: every name its id had in the models before (the old model's
    first, then those it was refitted from), or None for a new cluster: what the refit's
    report says each kept cluster was called."""
    earlier: dict[int, list[str]] = {}
    if old.lineage is not None:
        for row, names in enumerate(old.lineage.get("personas_before") or []):
            if names:
                earlier[int(old.ids[row])] = list(names)
    current = dict(zip(old.ids.tolist(), old.personas, strict=True))
    return [None if m is None
            else list(dict.fromkeys([current[m[0]], *earlier.get(m[0], [])]))
            for m in matched]  # fmt: skip
