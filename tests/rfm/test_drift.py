"""rfm.drift.ks_test against scipy.stats.ks_2samp, on samples of the sizes drift meets.

Above ten thousand values ks_test computes the statistic from counts below and at each
training value, without sorting the new values; scipy sorts both samples and evaluates
both distribution functions at every point. The statistic must be equal to the last bit
and the p-value equal to scipy's.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ks_2samp

from rfm.drift import KS_EXACT_N, Reference, ks_test


def _both(training: np.ndarray, new: np.ndarray, seed: int = 0) -> None:
    ref = Reference.of(training, seed)
    expected = ks_2samp(ref.sample(), new)
    stat, p = ks_test(ref, new)
    assert stat == float(expected.statistic)
    assert p == float(expected.pvalue)


@pytest.mark.parametrize("seed", range(4))
def test_continuous_values_shifted_and_outside_the_training_range(seed: int) -> None:
    rng = np.random.default_rng(seed)
    training = rng.lognormal(5, 1, 30_000)  # more distinct values than the model keeps
    new = rng.lognormal(5 + 0.05 * seed, 1.1, 60_000)  # reaches past both training ends
    _both(training, new, seed)


@pytest.mark.parametrize("seed", range(4))
def test_counts_with_many_ties_kept_whole(seed: int) -> None:
    rng = np.random.default_rng(seed)
    training = rng.geometric(0.3, 25_000).astype(float)  # few distinct values: kept whole
    new = rng.geometric(0.3 - 0.02 * seed, 40_000).astype(float)
    new[:5] = [0.0, 0.5, 1.5, 100.0, 1e6]  # below, between and above the training values
    _both(training, new)


def test_identical_samples_have_no_gap() -> None:
    values = np.repeat(np.arange(1.0, 21.0), 1_000)
    assert ks_test(Reference.of(values, 0), values) == (0.0, 1.0)


def test_each_side_of_scipys_exact_size() -> None:
    rng = np.random.default_rng(7)
    training = rng.normal(size=5_000)
    for n in (KS_EXACT_N, KS_EXACT_N + 1):  # scipy's exact p-value, then the limit law
        _both(training, rng.normal(0.05, 1, n))


def test_a_new_sample_entirely_above_the_training_one() -> None:
    rng = np.random.default_rng(3)
    _both(rng.uniform(0, 1, 20_000), rng.uniform(2, 3, 30_000))


def test_a_reference_that_lists_a_value_twice_counts_it_once() -> None:
    """A model file could list one training value twice (its loader checks the order, not
    that values differ); the counts are merged, so the statistic is scipy's."""
    ref = Reference(np.array([1.0, 1.0, 2.0]), np.array([6_000, 6_000, 3_000]), False)
    new = np.concatenate([np.ones(12_000), np.full(3_000, 2.0)])
    assert ks_test(ref, new) == (0.0, 1.0)
    shifted = np.concatenate([np.ones(9_000), np.full(6_000, 2.0)])
    expected = ks_2samp(ref.sample(), shifted)
    assert ks_test(ref, shifted) == (float(expected.statistic), float(expected.pvalue))
