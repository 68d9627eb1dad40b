"""Hypothesis properties: silhouette bounds and invariances, ANOVA F >= 0, ARI symmetry."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from validation import adjusted_rand_score, f_oneway, silhouette_samples, silhouette_score

coords = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def clustered(draw):
    n = draw(st.integers(3, 60))
    d = draw(st.integers(1, 4))
    X = draw(arrays(np.float64, (n, d), elements=coords))
    k = draw(st.integers(2, min(6, n - 1)))
    labels = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    assume(2 <= len(np.unique(labels)) <= n - 1)
    return X, labels


@given(clustered(), st.sampled_from(["numpy", "numba"]))
def test_silhouette_in_bounds(data, backend) -> None:
    X, labels = data
    s = silhouette_samples(X, labels, backend=backend)
    assert s.shape == (X.shape[0],)
    assert np.all(s >= -1.0) and np.all(s <= 1.0)


@given(clustered(), st.randoms(use_true_random=False))
def test_silhouette_invariant_to_relabelling_and_row_order(data, rnd) -> None:
    X, labels = data
    base = silhouette_samples(X, labels)
    classes = np.unique(labels)
    renamed = dict(zip(classes, rnd.sample(range(100, 200), len(classes)), strict=True))
    relabelled = np.array([renamed[v] for v in labels])
    np.testing.assert_allclose(silhouette_samples(X, relabelled), base, atol=1e-12)
    perm = np.array(rnd.sample(range(X.shape[0]), X.shape[0]))
    np.testing.assert_allclose(silhouette_samples(X[perm], labels[perm]), base[perm], atol=1e-12)
    assert abs(silhouette_score(X[perm], relabelled[perm]) - base.mean()) < 1e-12


@given(st.lists(arrays(np.float64, st.integers(1, 20), elements=coords), min_size=2, max_size=5))
@example([np.zeros(2), np.full(12, 626.0), np.array([0.0, 0.25, 0.25, 0.25, 0.25])])
def test_anova_f_nonnegative_and_matches_exact_arithmetic(groups) -> None:
    allv = np.concatenate(groups)
    assume(allv.size > len(groups))
    ss_within = sum(((g - g.mean()) ** 2).sum() for g in groups)
    assume(ss_within > 1e-9 * max(1.0, ((allv - allv.mean()) ** 2).sum()))
    r = f_oneway(*groups)
    assert r.statistic >= 0.0 and 0.0 <= r.pvalue <= 1.0 and 0.0 <= r.eta_squared <= 1.0
    # the reference in exact rational arithmetic: scipy's own F loses digits when the
    # within-group spread is tiny beside the between-group one (groups [0, 0], twelve
    # 626s and [0, .25, .25, .25, .25]: exact 277,074,213.05, scipy 277,074,210.21)
    exact = [[Fraction(float(x)) for x in g] for g in groups]
    values = [x for g in exact for x in g]
    grand = sum(values) / len(values)
    means = [sum(g) / len(g) for g in exact]
    between = sum(len(g) * (m - grand) ** 2 for g, m in zip(exact, means, strict=True))
    within = sum(sum((x - m) ** 2 for x in g) for g, m in zip(exact, means, strict=True))
    f_exact = (between / (len(groups) - 1)) / (within / (len(values) - len(groups)))
    assert np.isclose(r.statistic, float(f_exact), rtol=1e-8, atol=1e-12)


@given(arrays(np.int64, st.integers(2, 50), elements=st.integers(0, 4)), st.randoms())
def test_ari_symmetric_and_one_on_itself(labels, rnd) -> None:
    other = np.array([rnd.randint(0, 3) for _ in labels])
    assert adjusted_rand_score(labels, other) == adjusted_rand_score(other, labels)
    assert adjusted_rand_score(labels, labels) == 1.0
