r"""Has the customer base moved since the model was trained? PSI, KS and who changed.

A saved :class:`rfm.SegmentModel` scores and clusters new customers with frozen cut
points and centres. That is only sensible while the new customers look like the training
ones; these measures say how far they have moved.

Population stability index (PSI)
--------------------------------
Cut a feature into bins *fixed by the training data*; let :math:`p_b` be the training
share of customers in bin :math:`b` and :math:`a_b` the new share. Then

.. math::  \mathrm{PSI} = \sum_b (a_b - p_b)\,\ln\frac{a_b}{p_b},

a symmetrised Kullback–Leibler divergence (:math:`\mathrm{KL}(a\,\|\,p) +
\mathrm{KL}(p\,\|\,a)`): every term is :math:`\ge 0`, and it is 0 only when every share is
unchanged. A bin empty on one side would make a term infinite, so shares are floored at
:data:`PSI_FLOOR` (``1e-4``) before the sum; bins empty on both sides add nothing. Two
sets of bins are used:

* the **score bins** of R, F and M (the frozen cut points: "how many customers now earn
  each score"), and
* the training **deciles** of each feature (its 10 %, 20 %, …, 90 % quantiles; equal
  deciles, common with order counts, merge into one cut).

A value :math:`x` falls in bin :math:`\#\{\text{cuts} \le x\}`, the rule that scores
customers: a value equal to a cut counts in the bin above it.

**A scaled feature has its raw feature's PSI.** The scaled R, F and M that K-means sees
are :math:`y = g(x)` for a strictly monotone :math:`g` per feature (``log1p`` or not,
then an affine map; the min-max scalings *invert* recency, so its :math:`g` is
decreasing). A change of units must not change the PSI, and does not when the scaled
feature's bins are the images of the raw ones: cuts :math:`g(c_j)`, and a value equal to
a cut counted on the side its raw value is counted on — above the cut for an increasing
:math:`g`, *below* it for a decreasing one. Then every customer is in the bin of its raw
value, on both sides, and both PSI figures (score bins and deciles) are the raw
feature's; :meth:`rfm.SegmentModel.drift_customers` reads each customer's bin from its
raw value, so they are equal to the last bit (the scaler's rounding could otherwise put
a value and a cut one unit in the last place apart on one point: score cuts with
``ties="first"`` sit exactly there). Deciles taken of the scaled values themselves do
not give this. Recency is in whole days, so many customers sit exactly on a cut; with
recency inverted, "count a value equal to a cut above it" puts them in the other bin
(and a decile interpolated between two values is not the image of the raw one, since
``log1p`` is not linear): on Online Retail, a model trained on March 2011 applied to
November read 0.293 for recency and 0.326 for the same customers' scaled recency. A
scaled feature that is constant (multiplier 0, a constant training column) has every
customer in one bin, before and now: PSI 0.

The usual reading (:func:`psi_reading`): below 0.1 **stable**, 0.1–0.25
**moderate shift**, above 0.25 **refit recommended** — the population moved enough that
thresholds and centres learnt on the old one no longer describe it.

Those bands assume many customers. With ``n`` new customers drawn from the training
population itself, ``n · PSI`` is close to a χ² variable with (bins − 1) degrees of
freedom (the PSI is a symmetrised χ² divergence), so with ten deciles chance alone gives
PSI ≈ 9 / n on average: 0.18 for 50 customers, where 0.25 is passed one time
in four or five (simulated on the demo data: 0.27).
Below :data:`MIN_DRIFT_CUSTOMERS` (200: χ²₉ passes 20, PSI 0.1, about one time in 50)
a band is read only where chance could hardly give the PSI, ``n · PSI`` above the χ²
quantile of :data:`SMALL_SAMPLE_P` (one in a thousand) with (bins − 1) degrees of
freedom (:func:`drift_reading`): 150 customers whose recency moved by months read
"refit recommended"; a handful of customers, or a PSI chance could give them, read "too
few customers", and recommend no refit.

Kolmogorov–Smirnov (KS)
-----------------------
With :math:`F_{\text{train}}` and :math:`F_{\text{new}}` the two empirical distribution
functions, the two-sample statistic is the largest vertical gap,

.. math::  D = \sup_x \,\lvert F_{\text{train}}(x) - F_{\text{new}}(x) \rvert,

and its p-value is the chance of a gap at least this large if both samples came from one
distribution (exact for small samples, Kolmogorov's limit law for large ones). It is
that of :func:`scipy.stats.ks_2samp` (for millions of customers computed without sorting
them, :func:`ks_test`) on the training distribution the model keeps:
every distinct training value with its count (a lossless summary) when there are at most
:data:`REFERENCE_POINTS` of them, else a seeded random sample of that many training
customers (then the p-value is that of a sample of this size). With hundreds of
thousands of customers every difference is "significant": read :math:`D` (a share of
customers) before the p-value. The scalings are increasing or decreasing maps of each
column, so :math:`D` of a scaled feature equals its raw feature's.

Between two assignments
-----------------------
:func:`assignment_changes`: over the customers present in both, the share whose segment
changed and the share whose cluster changed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "KS_EXACT_N",
    "MIN_DRIFT_CUSTOMERS",
    "PSI_FLOOR",
    "PSI_MODERATE",
    "PSI_REFIT",
    "REFERENCE_POINTS",
    "SMALL_SAMPLE_P",
    "TOO_FEW",
    "Reference",
    "assignment_changes",
    "bin_counts",
    "decile_cuts",
    "drift_reading",
    "ks_test",
    "psi",
    "psi_reading",
]

#: shares below this are raised to it before the PSI sum (an empty bin is not infinite)
PSI_FLOOR = 1e-4
#: PSI readings: below PSI_MODERATE stable, up to PSI_REFIT moderate, above it refit
PSI_MODERATE = 0.1
PSI_REFIT = 0.25
#: most points of the training distribution a model keeps per feature, for KS
REFERENCE_POINTS = 10_000
#: fewer new customers than this: the PSI bands are not read (module docstring)
MIN_DRIFT_CUSTOMERS = 200
#: the verdict of a feature below MIN_DRIFT_CUSTOMERS new customers whose PSI chance
#: could give
TOO_FEW = "too few customers"
#: below MIN_DRIFT_CUSTOMERS, a PSI is read only if chance gives one as large less often
SMALL_SAMPLE_P = 1e-3


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two histograms over the same bins (counts or shares; module docstring).

    Bins empty on both sides add nothing; other shares are floored at :data:`PSI_FLOOR`.
    """
    p = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if p.shape != a.shape or p.ndim != 1:
        raise ValueError(f"psi needs two histograms of the same bins, got {p.shape}, {a.shape}.")
    if p.sum() <= 0 or a.sum() <= 0:
        raise ValueError("psi needs at least one customer on each side.")
    p, a = p / p.sum(), a / a.sum()
    used = (p > 0) | (a > 0)
    p = np.maximum(p[used], PSI_FLOOR)
    a = np.maximum(a[used], PSI_FLOOR)
    return float(np.sum((a - p) * np.log(a / p)))


def psi_reading(value: float) -> str:
    """"stable" (< 0.1), "moderate shift" (0.1–0.25) or "refit recommended" (> 0.25)."""
    if not np.isfinite(value):
        return ""
    if value > PSI_REFIT:
        return "refit recommended"
    return "moderate shift" if value >= PSI_MODERATE else "stable"


def drift_reading(value: float, customers: int, bins: int) -> str:
    """:func:`psi_reading` of a PSI over ``customers`` new customers and ``bins`` bins, or
    :data:`TOO_FEW` below :data:`MIN_DRIFT_CUSTOMERS` customers when the PSI is below
    the moderate band or chance could give it: ``customers · PSI`` not above the
    (1 − :data:`SMALL_SAMPLE_P`) quantile of χ² with ``bins − 1`` degrees of freedom
    (module docstring)."""
    if customers >= MIN_DRIFT_CUSTOMERS:
        return psi_reading(value)
    from scipy.stats import chi2

    beyond_chance = customers * value > chi2.ppf(1 - SMALL_SAMPLE_P, max(1, bins - 1))
    return psi_reading(value) if value >= PSI_MODERATE and beyond_chance else TOO_FEW


def bin_counts(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Customers per bin: bin ``b`` holds the values with ``b`` cut points at or below them
    (``len(cuts) + 1`` bins, as scores are counted)."""
    idx = np.searchsorted(cuts, values, side="right")
    return np.bincount(idx, minlength=len(cuts) + 1).astype(np.int64)


def decile_cuts(values: np.ndarray) -> np.ndarray:
    """The distinct deciles (10 %, …, 90 %, linear interpolation) of ``values``."""
    return np.unique(np.quantile(values, np.arange(1, 10) / 10))


class Reference(NamedTuple):
    """A training distribution as the model keeps it: ``values`` (ascending, distinct) and
    their ``counts``; ``sampled`` when it is a random sample of the customers."""

    values: np.ndarray
    counts: np.ndarray
    sampled: bool

    @classmethod
    def of(cls, values: np.ndarray, seed: int, points: int = REFERENCE_POINTS) -> Reference:
        """Every distinct value with its count, or a seeded sample of ``points`` values
        when there are more distinct values than that."""
        distinct, counts = np.unique(values, return_counts=True)
        if distinct.size <= points:
            return cls(distinct, counts.astype(np.int64), False)
        pick = np.random.default_rng(seed).choice(values.size, points, replace=False)
        distinct, counts = np.unique(values[pick], return_counts=True)
        return cls(distinct, counts.astype(np.int64), True)

    def sample(self) -> np.ndarray:
        """The training values themselves (each repeated by its count)."""
        return np.repeat(self.values, self.counts)


#: up to this many values in the larger sample, scipy computes the exact p-value
#: (``ks_2samp``'s automatic method); above it, Smirnov's limit law
KS_EXACT_N = 10_000


def ks_test(reference: Reference, values: np.ndarray) -> tuple[float, float]:
    r"""Two-sample KS statistic and p-value of the training distribution against
    ``values``: those of :func:`scipy.stats.ks_2samp` (two-sided, its automatic method).

    Small samples go to scipy itself. For a large ``values`` (millions of customers),
    scipy sorts it and evaluates both distribution functions at every point of both
    samples; here it is neither sorted nor searched. Both functions are steps, and
    between two consecutive distinct training values :math:`u_{j-1} < u_j` the training
    one is constant while the new one only rises, so the largest gap in that interval is
    at :math:`u_j` itself or just below it. The statistic therefore needs, for each
    :math:`u_j`, only how many new values lie below it and how many equal it: one binary
    search of each new value among the (at most :data:`REFERENCE_POINTS`) training
    values, and two counts. The gaps are the same differences of the same fractions
    scipy forms, so :math:`D` is equal to the last bit; the p-value is scipy's limit law
    for these sizes, ``scipy.stats.kstwo.sf(D, round(n m / (n + m)))``.
    """
    from scipy.stats import ks_2samp, kstwo

    m, n = int(reference.counts.sum()), int(values.size)
    if max(m, n) <= KS_EXACT_N or n == 0:
        res = ks_2samp(reference.sample(), values)
        return float(res.statistic), float(res.pvalue)
    u, counts = reference.values, reference.counts
    if np.any(u[1:] <= u[:-1]):  # a model file may list a value twice: one entry each
        u, where = np.unique(u, return_inverse=True)
        counts = np.bincount(where, weights=counts, minlength=u.size).astype(np.int64)
    below = np.searchsorted(u, values, side="left")  # training values below each value
    inside = below < u.size
    equal = np.zeros(values.size, dtype=bool)
    equal[inside] = u[below[inside]] == values[inside]
    at_most = np.cumsum(np.bincount(below, minlength=u.size + 1)[: u.size])  # new ≤ u_j
    under = at_most - np.bincount(below[equal], minlength=u.size)  # new < u_j
    train = np.cumsum(counts)  # training ≤ u_j
    train_before = np.concatenate(([0], train[:-1]))  # training < u_j
    gaps = np.concatenate((train / m - at_most / n, train_before / m - under / n))
    largest, smallest = gaps.max(), float(np.clip(-gaps.min(), 0, 1))
    d = smallest if smallest > largest else largest
    big, small = sorted([float(m), float(n)], reverse=True)
    p = float(np.clip(kstwo.sf(d, np.round(big * small / (big + small))), 0, 1))
    return float(d), p


def assignment_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Who changed segment or cluster between two assignments of the same customers.

    Parameters
    ----------
    before, after : DataFrame
        Tables with ``customer``, ``segment`` and ``cluster`` columns (``segments.csv``,
        :meth:`rfm.SegmentModel.assign`).

    Returns
    -------
    Series
        ``customers_both`` (in both tables), ``customers_new``, ``customers_gone``,
        ``segment_changed`` and ``cluster_changed`` (shares of ``customers_both``).

    Raises
    ------
    ValueError
        A column missing, or a customer listed twice in one table.
    """
    for name, t in (("before", before), ("after", after)):
        missing = [c for c in ("customer", "segment", "cluster") if c not in t]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}.")
    old_ids = pd.Index(before["customer"].astype(str).to_numpy(dtype=object))
    new_ids = pd.Index(after["customer"].astype(str).to_numpy(dtype=object))
    for name, ids in (("before", old_ids), ("after", new_ids)):
        if not ids.is_unique:
            raise ValueError(f"{name} lists customer {ids[ids.duplicated()][0]!r} more than "
                             "once; give one row per customer.")  # fmt: skip
    row = old_ids.get_indexer(new_ids)  # one lookup: set operations on text ids take
    hit = row >= 0  # seconds per million
    n = int(hit.sum())
    seg = (before["segment"].astype(str).to_numpy()[row[hit]]
           != after["segment"].astype(str).to_numpy()[hit])  # fmt: skip
    clu = (before["cluster"].to_numpy(np.int64)[row[hit]]
           != after["cluster"].to_numpy(np.int64)[hit])  # fmt: skip
    return pd.Series({
        "customers_both": n,
        "customers_new": len(new_ids) - n,
        "customers_gone": len(old_ids) - n,
        "segment_changed": float(seg.mean()) if n else float("nan"),
        "cluster_changed": float(clu.mean()) if n else float("nan"),
    }, dtype=object)  # fmt: skip
