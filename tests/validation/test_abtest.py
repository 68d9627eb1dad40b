"""A/B tests against statsmodels and scipy (independent references), edge cases, ab_report."""

from __future__ import annotations

import io
import math
import warnings
from collections import Counter
from decimal import Decimal, localcontext

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.proportion import proportions_ztest as sm_ztest
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail
from statsmodels.stats.weightstats import ttest_ind as sm_ttest

from validation import (
    ab_report,
    mannwhitneyu,
    proportions_ztest,
    sample_size_proportions,
    ttest_ind,
)
from validation.abreport import metric_kind

ALTS = [("two-sided", "two-sided"), ("less", "smaller"), ("greater", "larger")]


def seed000_test1(seed: int = 0, n: int = 1000) -> pd.DataFrame:
    """Seed 000's segment0_test1 shape: Treatment Yes/No, Conversion 0/1, Order_Value
    (0.00 unless converted; amounts rounded to cents, so ties occur)."""
    rng = np.random.default_rng(seed)
    treatment = np.where(np.arange(n) < n // 2, "Yes", "No")
    conversion = (rng.random(n) < np.where(treatment == "Yes", 0.164, 0.086)).astype(int)
    value = np.round(rng.gamma(8, np.where(treatment == "Yes", 2.6, 2.35)), 0) / 1.0
    return pd.DataFrame(
        {
            "Test_ID": 1,
            "Test_Name": "Exclusive Member Discounts",
            "Treatment": treatment,
            "Conversion": conversion,
            "Order_Value": np.where(conversion == 1, value, 0.0),
        }
    )


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return a == pytest.approx(b, rel=tol, abs=1e-300)


# ------------------------------------------------------------------ proportions z-test


@pytest.mark.parametrize(("alt", "sm_alt"), ALTS)
@pytest.mark.parametrize("seed", range(3))
def test_ztest_matches_statsmodels(alt: str, sm_alt: str, seed: int) -> None:
    df = seed000_test1(seed)
    yes, no = df[df.Treatment == "Yes"], df[df.Treatment == "No"]
    count, nobs = [yes.Conversion.sum(), no.Conversion.sum()], [len(yes), len(no)]
    ours = proportions_ztest(count, nobs, alternative=alt)
    z, p = sm_ztest(count, nobs, alternative=sm_alt)
    assert close(ours.statistic, z) and close(ours.pvalue, p)
    assert close(ours.effect, count[0] / nobs[0] - count[1] / nobs[1])
    assert ours.summary["rate"].tolist() == [count[0] / nobs[0], count[1] / nobs[1]]
    assert ours.summary["n"].tolist() == nobs


def score_interval_reference(xa: int, na: int, xb: int, nb: int, alternative: str = "two-sided",
                             confidence: float = 0.95) -> tuple[float, float]:
    """Mee's score interval computed independently: the restricted rates by maximising the
    log-likelihood numerically (scipy's bounded minimiser, ends compared too), the bounds
    by scipy's brentq on z(δ) = ±q. statsmodels' own score interval is not the reference:
    its restricted rates for δ != 0 put x_b where n_b belongs in the cubic (statsmodels
    issue #10269), so they do not maximise the likelihood (for 82/500 against 43/500 its
    lower end is 0.03754, the likelihood's 0.03745), and it fails outright when a group
    has no success."""
    from scipy.optimize import brentq, minimize_scalar
    from scipy.special import xlogy

    def z(d: float) -> float:
        lo, hi = max(0.0, -d), min(1.0, 1.0 - d)

        def minus_loglik(pb: float) -> float:
            pa = min(max(pb + d, 0.0), 1.0)
            return -(xlogy(xa, pa) + xlogy(na - xa, 1 - pa) + xlogy(xb, pb)
                     + xlogy(nb - xb, 1 - pb))

        found = minimize_scalar(minus_loglik, bounds=(lo, hi), method="bounded",
                                options={"xatol": 1e-14}).x
        pb = min((found, lo, hi), key=minus_loglik)
        pa = min(max(pb + d, 0.0), 1.0)
        return (xa / na - xb / nb - d) / math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)

    diff, edge = xa / na - xb / nb, 1e-10
    two = alternative == "two-sided"
    q = scipy.stats.norm.ppf(0.5 + confidence / 2 if two else confidence)
    low = high = None
    if alternative != "less":
        low = -1.0 if diff == -1 else brentq(lambda d: z(d) - q, -1 + edge, min(diff, 1 - edge),
                                             xtol=1e-14)
    if alternative != "greater":
        high = 1.0 if diff == 1 else brentq(lambda d: z(d) + q, max(diff, -1 + edge), 1 - edge,
                                            xtol=1e-14)
    return (-1.0 if low is None else low), (1.0 if high is None else high)


@pytest.mark.parametrize("alt", ["two-sided", "less", "greater"])
@pytest.mark.parametrize(
    ("count", "nobs"),
    [([82, 43], [500, 500]), ([2, 1], [3, 3]), ([1, 0], [2, 2]), ([5, 0], [5, 7]),
     ([0, 7], [120, 130]), ([3, 3], [3, 9]), ([7, 1], [34, 34]), ([40, 61], [1000, 1000])],
)
def test_ztest_interval_is_the_score_interval(count, nobs, alt: str) -> None:
    res = proportions_ztest(count, nobs, alternative=alt)
    low, high = score_interval_reference(count[0], nobs[0], count[1], nobs[1], alt)
    assert res.ci_low == pytest.approx(low, abs=1e-7)
    assert res.ci_high == pytest.approx(high, abs=1e-7)


def test_ztest_interval_worked_by_hand() -> None:
    """1 of 1 against 0 of 1: the restricted rates under p_a − p_b = δ are
    ((1 + δ)/2, (1 − δ)/2), so z(δ) = sqrt(2 (1 − δ)/(1 + δ)) and z(δ) = q at
    δ = (2 − q²)/(2 + q²); z never reaches −q, so the upper end is 1. The Wald interval
    was [1, 1] beside p = 0.157."""
    res = proportions_ztest([1, 0], [1, 1])
    q = scipy.stats.norm.ppf(0.975)
    assert res.ci_low == pytest.approx((2 - q**2) / (2 + q**2), rel=1e-12)  # -0.315
    assert res.ci_high == 1.0 and res.effect == 1.0
    assert res.pvalue == pytest.approx(2 * scipy.stats.norm.sf(math.sqrt(2)), rel=1e-12)
    one_sided = proportions_ztest([1, 0], [1, 1], alternative="greater")
    q = scipy.stats.norm.ppf(0.95)
    assert one_sided.ci_low == pytest.approx((2 - q**2) / (2 + q**2), rel=1e-12)
    assert one_sided.ci_high == 1.0
    # 1 of 2 against 0 of 2: the Wald upper end was 1.19, beyond any difference of rates
    assert proportions_ztest([1, 0], [2, 2]).ci_high <= 1.0


def test_ztest_interval_of_all_against_none_is_a_point_only_where_the_docs_say() -> None:
    """n of n against 0 of n: the restricted rates under p_a − p_b = δ are
    ((1 + δ)/2, (1 − δ)/2), so z(δ) = sqrt(2n (1 − δ)/(1 + δ)) and the lower end is
    (2n − q²)/(2n + q²), about q²/n below 1. In float64 that is a point only from some
    10^16 customers per group, as the docstring says (10^17 gives [1, 1]); at confidence
    ½ a one-sided bound is the observed difference, a point at any size."""
    q = scipy.stats.norm.ppf(0.975)
    for n in (10, 10**6, 10**12, 10**15):
        res = proportions_ztest([n, 0], [n, n])
        assert res.ci_low == pytest.approx((2 * n - q**2) / (2 * n + q**2), rel=1e-15)
        assert res.ci_low < res.ci_high == 1.0
    absurd = proportions_ztest([10**17, 1], [10**17, 10**17])
    assert (absurd.ci_low, absurd.ci_high) == (1.0, 1.0)
    half = proportions_ztest([1, 0], [1, 1], alternative="greater", confidence=0.5)
    assert (half.ci_low, half.ci_high) == (1.0, 1.0)


def test_ztest_interval_agrees_with_its_p_value_and_stays_within_the_rates() -> None:
    """Over random pilots and campaigns, every alternative and level: the interval is
    never a single point, lies in [-1, 1], holds the observed difference, and excludes 0
    exactly when statsmodels' pooled z-test rejects at 1 - confidence."""
    rng = np.random.default_rng(11)
    for case in range(400):
        nobs = rng.integers(1, 12, size=2) if case % 2 else rng.integers(20, 3000, size=2)
        count = [int(rng.integers(0, n + 1)) for n in nobs]
        if sum(count) in (0, sum(nobs)):
            continue  # no success or no failure anywhere: refused (z is 0/0)
        alt, sm_alt = ALTS[case % 3]
        confidence = [0.8, 0.9, 0.95, 0.99][case % 4]
        res = proportions_ztest(count, nobs.tolist(), alternative=alt, confidence=confidence)
        _, p = sm_ztest(count, nobs, alternative=sm_alt)
        assert -1.0 <= res.ci_low < res.ci_high <= 1.0, (count, nobs)
        assert res.ci_low <= res.effect <= res.ci_high
        assert (not res.ci_low <= 0.0 <= res.ci_high) == (p < 1 - confidence), (count, nobs)


def score_interval_decimal(xa: int, na: int, xb: int, nb: int,
                           confidence: float = 0.95) -> tuple[float, float]:
    """Mee's two-sided score interval in 60-digit Decimal arithmetic, by bisection only:
    the restricted rate p̃_b is where the log-likelihood's derivative
    ``x_a/(p + δ) − (n_a − x_a)/(1 − p − δ) + x_b/p − (n_b − x_b)/(1 − p)`` changes sign
    (200 halvings), and each end is where ``z(δ)`` crosses ±q (120 halvings of [−1, 1])."""
    with localcontext() as ctx:
        ctx.prec = 60
        q = Decimal(repr(float(scipy.stats.norm.ppf(0.5 + confidence / 2))))
        diff = Decimal(xa) / na - Decimal(xb) / nb

        def z(delta: Decimal) -> Decimal:
            lo, hi = max(Decimal(0), -delta), min(Decimal(1), 1 - delta)
            for _ in range(200):
                p = (lo + hi) / 2
                slope = sum(k / r for k, r in ((xa, p + delta), (xa - na, 1 - p - delta),
                                               (xb, p), (xb - nb, 1 - p)) if k)
                lo, hi = (p, hi) if slope > 0 else (lo, p)
            pb = (lo + hi) / 2
            pa = pb + delta
            return (diff - delta) / (pa * (1 - pa) / na + pb * (1 - pb) / nb).sqrt()

        def crossing(target: Decimal) -> float:
            lo, hi = Decimal(-1), Decimal(1)
            for _ in range(120):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if z(mid) > target else (lo, mid)
            return float((lo + hi) / 2)

        return crossing(q), crossing(-q)


@pytest.mark.parametrize(
    ("count", "nobs"),
    [([946989026, 191922183], [946989044, 191922198]),  # rates 1 − 2e-8 and 1 − 8e-8
     ([18, 15], [946989044, 191922198]),  # the same test counting failures
     ([999999, 1000000], [1000000, 1000000]),
     ([120, 100], [1000, 1000])],
)
def test_ztest_interval_keeps_its_digits_with_rates_near_1(count, nobs) -> None:
    """With rates close to 1 and a billion customers, 1 − p̃ lost its digits: the lower
    end was 3.039e-8 where the 60-digit computation gives 2.665e-8 (14 % off). Both ends
    now agree with it to 1e-9 of the interval's width, as the same test counting
    failures does."""
    res = proportions_ztest(count, nobs)
    low, high = score_interval_decimal(count[0], nobs[0], count[1], nobs[1])
    assert abs(res.ci_low - low) <= 1e-9 * (high - low), (res.ci_low, low)
    assert abs(res.ci_high - high) <= 1e-9 * (high - low), (res.ci_high, high)
    failures = proportions_ztest([nobs[0] - count[0], nobs[1] - count[1]], nobs)
    assert failures.ci_low == pytest.approx(-res.ci_high, rel=1e-9)
    assert failures.ci_high == pytest.approx(-res.ci_low, rel=1e-9)


def test_ztest_interval_at_a_level_that_puts_its_end_on_0_follows_the_p_value() -> None:
    """At confidence = 1 − p an end of the interval falls on 0 itself (z(0) is the test's
    z, at the quantile), the knife edge where a recomputed z or a strict comparison
    parts the interval from the p-value. By hand for 50 of 100 in both groups: z = 0 and
    p = 0.5, so at confidence 0.5 one-sided the end is exactly 0, and 0 is kept (p = α is
    not rejected); it was (−1, −5e-324], which left 0 out."""
    less = proportions_ztest([50, 50], [100, 100], alternative="less", confidence=0.5)
    greater = proportions_ztest([50, 50], [100, 100], alternative="greater", confidence=0.5)
    assert less.pvalue == greater.pvalue == 0.5
    assert (less.ci_low, less.ci_high) == (-1.0, 0.0) and math.copysign(1, less.ci_high) == 1
    assert (greater.ci_low, greater.ci_high) == (0.0, 1.0)
    rng = np.random.default_rng(4)
    tried = 0
    for case in range(200):
        nobs = rng.integers(5, 5000, size=2)
        count = rng.binomial(nobs, rng.uniform(0.02, 0.98) * rng.uniform(0.9, 1.1, 2).clip(
            max=1)).tolist()
        alt, sm_alt = ALTS[case % 3]
        if sum(count) in (0, sum(nobs)) or not 1e-12 < sm_ztest(count, nobs,
                                                                 alternative=sm_alt)[1] < 0.99:
            continue
        tried += 1
        confidence = 1 - sm_ztest(count, nobs, alternative=sm_alt)[1]
        res = proportions_ztest(count, nobs.tolist(), alternative=alt, confidence=confidence)
        kept = res.ci_low <= 0.0 <= res.ci_high
        assert kept == (res.pvalue >= 1 - confidence), (count, nobs, alt)
        assert res.pvalue == pytest.approx(1 - confidence, rel=1e-9)
    assert tried >= 150


def test_ztest_interval_needs_few_evaluations(monkeypatch) -> None:
    """Each end is a root of z(δ) = ±q, found by Brent's method: the restricted rates (one
    cubic each) are solved a few dozen times per test at most. Bisection to the last bit
    solved 110 to 150 cubics per end, and about 1,075 for an end exactly on 0."""
    from validation import abtest

    solved = []
    cubic = abtest._restricted_rates
    monkeypatch.setattr(abtest, "_restricted_rates",
                        lambda *args: solved.append(args[0]) or cubic(*args))
    for count, nobs, alt, confidence in [
        ([82, 43], [500, 500], "two-sided", 0.95), ([40, 61], [1000, 1000], "two-sided", 0.99),
        ([946989026, 191922183], [946989044, 191922198], "two-sided", 0.95),
        ([5, 0], [5, 7], "greater", 0.95), ([0, 7], [120, 130], "less", 0.9),
        ([50, 50], [100, 100], "less", 0.5), ([3, 3], [3, 9], "two-sided", 0.8)]:
        solved.clear()
        res = proportions_ztest(count, nobs, alternative=alt, confidence=confidence)
        assert len(solved) <= 40, (count, nobs, len(solved))
        if alt == "two-sided" and confidence == 0.95 and max(nobs) < 10**6:
            low, high = score_interval_reference(count[0], nobs[0], count[1], nobs[1])
            assert (res.ci_low, res.ci_high) == (pytest.approx(low, abs=1e-9),
                                                 pytest.approx(high, abs=1e-9))


def test_ztest_one_group_without_conversions_matches_statsmodels() -> None:
    res = proportions_ztest([0, 7], [120, 130])
    z, p = sm_ztest([0, 7], [120, 130])
    assert close(res.statistic, z) and close(res.pvalue, p)


@pytest.mark.parametrize(
    ("count", "nobs", "match"),
    [
        ([0, 0], [100, 100], "no successes"),
        ([100, 50], [100, 50], "only successes"),
        ([101, 5], [100, 100], "between 0 and nobs"),
        ([-1, 5], [100, 100], "between 0 and nobs"),
        ([1, 5], [0, 100], "at least 1"),
        ([1, 2, 3], [10, 10, 10], "two numbers"),
        ([np.nan, 2], [10, 10], "NaN"),
        ([3.5, 2], [10, 10], r"^count of group 'a' is 3\.5, but it counts successes \(e\.g\. "
         r"customers who converted\), so it must be a whole number\. Give the number of "
         r"successes \(e\.g\. customers who converted\) in each group, not a rate, an "
         r"average or a weighted figure\.$"),
        ([3, 2], [10, 10.7], r"^nobs of group 'b' is 10\.7, but it counts customers, so it "
         r"must be a whole number"),
        ([-1.5, 2], [10, 10], "whole number"),
        ([3, 2], [10, -4], r"at least 1 in each group, got count=\[3, 2\] and nobs=\[10, -4\]"),
    ],
)
def test_ztest_bad_input(count, nobs, match) -> None:
    with pytest.raises(ValueError, match=match):
        proportions_ztest(count, nobs)


def test_ztest_whole_counts_as_floats_are_counts() -> None:
    """ab_report hands over sums of 0/1 floats (12.0): whole, so accepted, shown as 12."""
    res = proportions_ztest([12.0, 7.0], [100.0, 100.0], labels=("Voucher", "Control"))
    assert res.summary["n"].tolist() == [100, 100] and res.summary["count"].tolist() == [12, 7]
    assert res.summary["n"].dtype == np.int64 and res.summary["count"].dtype == np.int64
    with pytest.raises(ValueError, match=r"^count of group 'Voucher' is 12\.5"):
        proportions_ztest([12.5, 7], [100, 100], labels=("Voucher", "Control"))


def test_bad_alternative_and_confidence() -> None:
    with pytest.raises(ValueError, match="alternative"):
        proportions_ztest([1, 2], [10, 10], alternative="bigger")
    with pytest.raises(ValueError, match="confidence"):
        ttest_ind([1, 2, 3], [2, 3, 4], confidence=95)


# ------------------------------------------------------------------ t-tests


@pytest.mark.parametrize("equal_var", [True, False])
@pytest.mark.parametrize(("alt", "sm_alt"), ALTS)
def test_ttest_matches_scipy_and_statsmodels(equal_var: bool, alt: str, sm_alt: str) -> None:
    rng = np.random.default_rng(1)
    a = rng.gamma(3, 10, 480)  # unequal sizes and variances
    b = rng.gamma(3, 8, 520) + rng.normal(0, 5, 520)
    ours = ttest_ind(a, b, equal_var=equal_var, alternative=alt)
    ref = scipy.stats.ttest_ind(a, b, equal_var=equal_var, alternative=alt)
    assert close(ours.statistic, ref.statistic) and close(ours.pvalue, ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert ours.ci_low == pytest.approx(ci.low, rel=1e-12) if np.isfinite(ci.low) else (
        ours.ci_low == -np.inf
    )
    assert ours.ci_high == pytest.approx(ci.high, rel=1e-12) if np.isfinite(ci.high) else (
        ours.ci_high == np.inf
    )
    t, p, _ = sm_ttest(a, b, usevar="pooled" if equal_var else "unequal", alternative=sm_alt)
    assert close(ours.statistic, t) and close(ours.pvalue, p)
    assert close(ours.effect, a.mean() - b.mean())
    assert ours.test == ("Student t-test" if equal_var else "Welch t-test")
    assert ours.summary.loc["a", "std"] == pytest.approx(np.std(a, ddof=1), rel=1e-14)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy, constant group
def test_ttest_on_seed000_order_values_and_one_constant_group() -> None:
    df = seed000_test1(2)
    a = df.Order_Value[(df.Treatment == "Yes") & (df.Conversion == 1)]
    b = df.Order_Value[(df.Treatment == "No") & (df.Conversion == 1)]
    for equal_var in (True, False):
        ours = ttest_ind(a, b, equal_var=equal_var)
        ref = scipy.stats.ttest_ind(a, b, equal_var=equal_var)
        assert close(ours.statistic, ref.statistic) and close(ours.pvalue, ref.pvalue)
    # one group constant, the other not: still defined
    ours = ttest_ind([5.0, 5.0, 5.0], [1.0, 2.0, 4.0, 7.0], equal_var=False)
    ref = scipy.stats.ttest_ind([5.0, 5.0, 5.0], [1.0, 2.0, 4.0, 7.0], equal_var=False)
    assert close(ours.statistic, ref.statistic) and close(ours.pvalue, ref.pvalue)


def test_ttest_degenerate_input_says_what_happened() -> None:
    with pytest.raises(ValueError, match=r"zero variance.*infinite"):
        ttest_ind([3.0, 3.0, 3.0], [5.0, 5.0])
    with pytest.raises(ValueError, match=r"zero variance.*0/0"):
        ttest_ind([0.0, 0.0, 0.0], [0.0, 0.0], equal_var=False)
    with pytest.raises(ValueError, match="at least 2 values"):
        ttest_ind([1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        ttest_ind([], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        ttest_ind([1.0, np.nan, 3.0], [1.0, 2.0])


CONSTANT = 701 / 3  # numpy's variance of a run of it is not 0: see the asserts below


def test_ttest_constant_groups_are_found_exactly_not_by_numpys_variance() -> None:
    """A group is constant when max == min; numpy's var of such a group can be 8e-28."""
    a, b = np.full(154, CONSTANT), np.full(100, CONSTANT * 1.01)
    same = np.full(100, CONSTANT)
    assert np.var(a) != 0 and np.var(b) != 0 and np.var(same) != 0  # the test means something
    for equal_var in (True, False):
        with pytest.raises(ValueError, match=r"zero variance.*infinite"):
            ttest_ind(a, b, equal_var=equal_var)
        with pytest.raises(ValueError, match=r"zero variance.*0/0"):
            ttest_ind(a, same, equal_var=equal_var)


def test_ttest_one_constant_group_uses_variance_zero_and_its_exact_value() -> None:
    """By hand with s_a² = 0 and mean_a = 701/3: Welch se = s_b/sqrt(n_b), df = n_b − 1;
    Student s_p² = (n_b − 1) s_b² / (n_a + n_b − 2). b barely varies, as a metric stored
    to many digits can, so an error of one rounding in a's mean shows in the effect."""
    a = np.full(154, CONSTANT)
    b = CONSTANT + np.random.default_rng(8).normal(0, 1e-6, 50)
    n_a, n_b = len(a), len(b)
    diff = CONSTANT - b.mean()
    var_b = np.sum((b - b.mean()) ** 2) / (n_b - 1)
    for equal_var, se, df in (
        (False, math.sqrt(var_b / n_b), n_b - 1),
        (True, math.sqrt((n_b - 1) * var_b / (n_a + n_b - 2) * (1 / n_a + 1 / n_b)),
         n_a + n_b - 2),
    ):
        res = ttest_ind(a, b, equal_var=equal_var)
        t = diff / se
        assert res.effect == pytest.approx(diff, rel=1e-12)
        assert res.statistic == pytest.approx(t, rel=1e-12)
        assert res.pvalue == pytest.approx(2 * scipy.stats.t.sf(abs(t), df), rel=1e-10)
        q = scipy.stats.t.ppf(0.975, df)
        assert res.ci_low == pytest.approx(diff - q * se, rel=1e-12)
        assert res.ci_high == pytest.approx(diff + q * se, rel=1e-12)
        assert res.summary.loc["a", "mean"] == CONSTANT
        assert res.summary.loc["a", "std"] == 0.0


def test_mannwhitney_all_tied_is_found_exactly_in_large_samples() -> None:
    """331005 + 7 equal values: n³ − n is inexact in float64, and the variance bracket
    (n + 1) − (n³ − n)/(n (n − 1)) came out −5.8e-11 (math domain error) instead of 0."""
    n1, n2 = 331005, 7
    n = n1 + n2
    assert (n + 1) - (float(n) ** 3 - n) / (n * (n - 1)) != 0  # the case still bites
    with pytest.warns(RuntimeWarning, match="tied"):
        res = mannwhitneyu(np.zeros(n1), np.zeros(n2))
    assert res.pvalue == 1.0 and res.statistic == n1 * n2 / 2


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: proportions_ztest([np.nan, 3], [10, 10]),
         r"^count contains 1 non-finite value\(s\) \(first: NaN at index 0\)\. Give whole "
         r"numbers: count the successes and the customers of each group after dropping "
         r"missing values\.$"),
        (lambda: proportions_ztest([], []), r"^count is empty .*the z-test needs two numbers"),
        (lambda: ttest_ind([1.0, np.nan, 3.0], [1.0, 2.0]),
         r"^a contains 1 non-finite value\(s\) \(first: NaN at index 1\)\. Leave those "
         r"rows out of the test: a missing value was never measured, and an infinite one "
         r"usually comes from dividing by zero when the metric was computed\.$"),
        (lambda: ttest_ind([1.0, 2.0], [np.inf, 3.0]),
         r"^b .*infinity at index 0.*out of the test"),
        (lambda: ttest_ind([], [3, 4, 5]),
         r"^a is empty \(0 samples\); a t-test needs at least 2 values per group"),
        (lambda: ttest_ind([3], [3, 4, 5]),
         r"^a has 1 value; a t-test needs at least 2 values per group"),
        (lambda: mannwhitneyu([1.0, 2.0], [np.nan]), r"^b contains .*NaN.*out of the test"),
        (lambda: mannwhitneyu([1.0, 2.0], []),
         r"^b is empty \(0 samples\); the Mann-Whitney test needs at least one value per"),
    ],
)
def test_messages_speak_of_the_test_not_of_clustering(call, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        call()
    assert "cluster" not in str(info.value)


# ------------------------------------------------------------------ Mann-Whitney


def within_ties(values) -> float:
    """Σ (t³ − t) over the tie groups of one sample, counted with a Counter."""
    return float(sum(t**3 - t for t in Counter(np.asarray(values, float).tolist()).values()))


def hodges_lehmann_brute(a, b, confidence=0.95, alternative="two-sided"):
    """Independent computation: all differences formed, sorted, indexed by the documented K
    (N/2 − z σ rounded to the nearest integer, Hollander & Wolfe's C_α), σ with the ties
    within each group (they stay when a is shifted)."""
    d = np.sort(np.subtract.outer(np.asarray(a, float), np.asarray(b, float)).ravel())
    n1, n2 = len(a), len(b)
    n = n1 + n2
    level = 0.5 + confidence / 2 if alternative == "two-sided" else confidence
    ties = (within_ties(a) + within_ties(b)) / (n * (n - 1))
    sigma = math.sqrt(n1 * n2 / 12 * (n + 1 - ties))
    k = round(n1 * n2 / 2 - scipy.stats.norm.ppf(level) * sigma)
    low, high = d[k - 1], d[len(d) - k]
    if alternative == "less":
        low = -np.inf
    if alternative == "greater":
        high = np.inf
    return np.median(d), low, high


def verdict_at_zero(low: float, high: float, rejected: bool) -> str:
    """How an interval and the test at a shift of 0 read together (mannwhitneyu's Notes):
    "agree", "open end" (0 is an end and the test rejects it) or "contradict"."""
    if low == high or (low < 0 < high and rejected) or ((low > 0 or high < 0)
                                                        and not rejected):
        return "contradict"
    return "open end" if rejected and 0 in (low, high) else "agree"


@pytest.mark.parametrize("alt", ["two-sided", "less", "greater"])
def test_mannwhitney_matches_scipy_on_seed000(alt: str) -> None:
    df = seed000_test1(3)
    yes, no = df[df.Treatment == "Yes"], df[df.Treatment == "No"]
    converted = (yes.Order_Value[yes.Conversion == 1], no.Order_Value[no.Conversion == 1])
    everyone = (yes.Order_Value, no.Order_Value)  # mostly zeros: heavy ties
    for a, b in (converted, everyone):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = mannwhitneyu(a, b, alternative=alt)
        ref = scipy.stats.mannwhitneyu(a, b, alternative=alt, method="asymptotic")
        assert ours.statistic == ref.statistic
        assert close(ours.pvalue, ref.pvalue)
        shift, low, high = hodges_lehmann_brute(a, b, alternative=alt)
        verdict = verdict_at_zero(low, high, ref.pvalue < 0.05)
        # everyone, two-sided: the interval is the single point [0, 0] while scipy's test
        # rejects 0 (p = 2e-6): no interval then. "greater": [0, inf), 0 rejected, so the
        # end at 0 is open and said so
        assert verdict == {("everyone", "two-sided"): "contradict",
                           ("everyone", "greater"): "open end"}.get(
            ("everyone" if a is everyone[0] else "converted", alt), "agree")
        if verdict == "contradict":
            assert np.isnan([ours.effect, ours.ci_low, ours.ci_high]).all()
            assert len(caught) == 1 and "no single shift" in str(caught[0].message)
        else:
            assert (ours.effect, ours.ci_low, ours.ci_high) == (shift, low, high)
            assert len(caught) == (verdict == "open end")


def mannwhitney_not_rejected(a, b, alternative: str, confidence: float):
    """Invert scipy's Mann-Whitney test by brute force: scipy's p for a − d against b at
    one shift d inside each gap (u_k, u_{k+1}), k = 0..m, between the m distinct
    differences a_i − b_j (and below and above all of them). Returns the distinct
    differences and which gaps are not rejected (p >= α)."""
    d = np.unique(np.subtract.outer(a, b).ravel())
    gaps = np.r_[d[0] - 1.0, (d[:-1] + d[1:]) / 2, d[-1] + 1.0]
    assert (gaps[:-1] < d).all() and (d < gaps[1:]).all()
    shifted = a[None, :] - gaps[:, None]  # one row per gap
    p = scipy.stats.mannwhitneyu(shifted, np.broadcast_to(b, (len(gaps), len(b))), axis=1,
                                 alternative=alternative, method="asymptotic").pvalue
    return d, p >= 1 - confidence


def interval_from_gaps(d: np.ndarray, kept: np.ndarray) -> tuple[float, float] | None:
    """The interval the kept gaps make: from the difference below the first to the one
    above the last (infinite past the extreme ones); ``None`` when no gap is kept."""
    gaps = np.flatnonzero(kept)  # k of the gaps (u_k, u_{k+1}) not rejected
    if not gaps.size:
        return None
    assert (np.diff(gaps) == 1).all()  # one run of shifts
    first, last = gaps[0], gaps[-1]
    low = -np.inf if first == 0 else d[first - 1]  # u_first: gap first-1 is rejected
    high = np.inf if last == len(d) else d[last]  # u_(last+1): gap last+1 is rejected
    return low, high


def test_mannwhitney_interval_is_the_shifts_scipys_test_does_not_reject() -> None:
    """The ends are the differences where scipy's p crosses α: the gap just inside an end
    is not rejected, the gap just outside is (or there is none: an infinite end)."""
    rng = np.random.default_rng(9)
    alternatives = ["two-sided", "less", "greater"]
    for case in range(300):
        n1, n2 = rng.integers(2, 40, size=2)
        a, b = rng.lognormal(3, 1, n1), rng.lognormal(3.2, 1, n2)
        alt = alternatives[case % 3]
        confidence = [0.8, 0.9, 0.95, 0.99][case % 4]
        d, kept = mannwhitney_not_rejected(a, b, alt, confidence)
        assert d.shape[0] == n1 * n2  # tie-free
        res = mannwhitneyu(a, b, alternative=alt, confidence=confidence)
        assert (res.ci_low, res.ci_high) == interval_from_gaps(d, kept), (case, n1, n2)


def zero_inflated(rng: np.random.Generator, n: int, rate: float, digits: int = 2) -> np.ndarray:
    """Campaign revenue per customer: 0 unless the customer bought (with probability
    ``rate``), then a lognormal amount rounded to ``digits`` decimals."""
    bought = rng.random(n) < rate
    return np.where(bought, np.round(rng.lognormal(3, 1, n), digits), 0.0)


def tie_words(a, b, gap: float = 0.0, first: str = "a", second: str = "b") -> str:
    """The warning's words on the pairs that tie, counted over all pairs formed: for
    ``gap`` 0 the share of pairs of equal values and the value most of them share."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    share = np.mean(np.subtract.outer(a, b) == gap)
    if gap != 0:
        return (f"a value of {first} minus one of {second} is exactly {gap:g} in {share:.0%} "
                "of the pairs of one value of each")
    in_a, in_b = Counter(a.tolist()), Counter(b.tolist())
    most = max(in_a.keys() & in_b.keys(), key=lambda v: in_a[v] * in_b[v])
    return (f"{first} and {second} share values: in {share:.0%} of the pairs of one value "
            f"of each the two are equal (most often both {most:g})")


def mannwhitney_cases(rng: np.random.Generator, kind: str, n1: int, n2: int):
    """Two samples of one kind: integer counts (orders), whole amounts (prices in whole
    euros), zero-inflated revenue in whole euros, or continuous amounts."""
    if kind == "counts":
        return (rng.poisson(rng.uniform(1, 3), n1).astype(float),
                rng.poisson(rng.uniform(1, 3), n2).astype(float))
    if kind == "whole amounts":
        return (np.round(rng.lognormal(3 + rng.uniform(0, 0.2), 0.5, n1)),
                np.round(rng.lognormal(3, 0.5, n2)))
    if kind == "revenue":
        return (zero_inflated(rng, n1, rng.uniform(0.01, 0.5), 0),
                zero_inflated(rng, n2, rng.uniform(0.01, 0.5), 0))
    return rng.lognormal(3, 1, n1), rng.lognormal(3.2, 1, n2)


def test_mannwhitney_interval_never_contradicts_its_p_value() -> None:
    """Over random counts, whole amounts, revenue and continuous amounts, every
    alternative and level, against scipy's test inverted by brute force (its p at a shift
    inside every gap between distinct differences) and its p-value at 0:

    * continuous data: the interval is the inverted test and excludes 0 exactly when p < α;
    * with ties, the interval is still the inverted test wherever that agrees with p at 0
      or 0 is only an end of it (open when p < α, said in a warning); it is withheld, with
      the tie figures and P(a > b) + ½P(a = b) = U/(n_a n_b) from scipy's U, only where 0
      lies strictly inside while p < α, strictly outside while p >= α, or no shift off
      the differences is kept (a single point)."""
    rng = np.random.default_rng(21)
    alternatives = ["two-sided", "less", "greater"]
    kinds = ["counts", "whole amounts", "revenue", "continuous"]
    seen = Counter()
    for case in range(320):
        kind = kinds[case % 4]
        top = 40 if kind == "continuous" else 300
        n1, n2 = (int(n) for n in rng.integers(5, top, size=2))
        a, b = mannwhitney_cases(rng, kind, n1, n2)
        alt = alternatives[case % 3]
        confidence = [0.8, 0.9, 0.95, 0.99][case % 4]
        ref = scipy.stats.mannwhitneyu(a, b, alternative=alt, method="asymptotic")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = mannwhitneyu(a, b, alternative=alt, confidence=confidence)
        assert res.statistic == ref.statistic and close(res.pvalue, ref.pvalue)
        message = " ".join(str(w.message) for w in caught)
        rejected = ref.pvalue < 1 - confidence
        inverted = interval_from_gaps(*mannwhitney_not_rejected(a, b, alt, confidence))
        verdict = ("contradict" if inverted is None
                   else verdict_at_zero(*inverted, rejected))
        seen[kind, verdict] += 1
        if verdict == "contradict":
            assert kind != "continuous", case
            assert np.isnan([res.effect, res.ci_low, res.ci_high]).all(), case
            gap = 0.0 if inverted is not None else hodges_lehmann_brute(a, b, confidence,
                                                                        alt)[1]
            assert message.startswith("No shift and no interval for it are given: "
                                      + tie_words(a, b, gap) + ", so no single shift"), case
            theta = ref.statistic / (n1 * n2)
            assert f"a value of a is higher than one of b in {theta:.1%} of the pairs" in message
            continue
        assert (res.ci_low, res.ci_high) == inverted, case
        if verdict == "open end":
            end = "lower" if res.ci_low == 0 else "upper"
            assert message.startswith(f"The interval's {end} end, 0, is open"), case
            assert message.endswith(f" on 0 because {tie_words(a, b)}."), case
        else:
            assert not caught, case
    assert seen["counts", "open end"] + seen["whole amounts", "open end"] >= 10, seen
    assert sum(seen[kind, "contradict"] for kind in kinds) >= 20, seen


def test_mannwhitney_on_order_counts_keeps_the_shift_when_0_is_only_an_end() -> None:
    """Orders per customer, Poisson(2.3) against Poisson(2.0), 400 each: scipy's test
    rejects no shift (p = 5e-5), and the shifts it does not reject, found by brute force,
    run from just above 0 to 1: the interval is [0, 1] with its lower end open, and the
    shift (the median of the differences) is 0. The report used to give no shift, and
    said "100% of the values are tied"."""
    rng = np.random.default_rng(0)
    orders = np.r_[rng.poisson(2.3, 400), rng.poisson(2.0, 400)].astype(float)
    df = pd.DataFrame({"arm": np.repeat(["Voucher", "Control"], 400), "orders": orders})
    voucher, control = orders[:400], orders[400:]
    ref = scipy.stats.mannwhitneyu(voucher, control, method="asymptotic")
    assert ref.pvalue < 1e-4
    for shift in (1e-9, 0.5, 1 - 1e-9):  # not rejected, by scipy
        assert scipy.stats.mannwhitneyu(voucher - shift, control,
                                        method="asymptotic").pvalue >= 0.05
    for shift in (-1e-9, 1 + 1e-9):  # rejected
        assert scipy.stats.mannwhitneyu(voucher - shift, control,
                                        method="asymptotic").pvalue < 0.05
    row = ab_report(df, "arm", "orders", control="Control").iloc[1]
    assert row.test == "Mann-Whitney U" and close(row.pvalue, ref.pvalue)
    assert (row.effect, row.ci_low, row.ci_high) == (0.0, 0.0, 1.0)
    assert np.median(np.subtract.outer(voucher, control)) == 0.0
    words = tie_words(voucher, control, 0, "group 'Voucher'", "group 'Control'")
    assert row.note == (
        "The interval's lower end, 0, is open: it holds the shifts just above 0 but not 0 "
        "itself, which the test rejects (p < 0.05). The end and the shift (the median of "
        f"the differences) fall on 0 because {words}.")


def test_mannwhitney_on_campaign_revenue_gives_no_shift_beside_a_significant_p() -> None:
    """4,000 customers, conversion 3.7 % (control) and 6.1 % (treatment), revenue 0 for
    non-buyers: Lehmann's interval, computed by brute force, is [0, 0] while scipy's test
    rejects 0 (p = 7e-5); ab_report shows no interval and says why in the note."""
    rng = np.random.default_rng(3)
    arm = np.repeat(["Treatment", "Control"], 2000)
    bought = rng.random(4000) < np.where(arm == "Treatment", 0.061, 0.037)
    df = pd.DataFrame({"arm": arm, "revenue": np.where(bought, rng.lognormal(3, 1, 4000), 0)})
    treated, control = df.revenue[df.arm == "Treatment"], df.revenue[df.arm == "Control"]
    ref = scipy.stats.mannwhitneyu(treated, control, method="asymptotic")
    _, low, high = hodges_lehmann_brute(treated, control)
    assert ref.pvalue < 0.001 and (low, high) == (0.0, 0.0)  # what was shown before
    row = ab_report(df, "arm", "revenue", control="Control").iloc[1]
    assert row.test == "Mann-Whitney U" and close(row.pvalue, ref.pvalue)
    assert np.isnan([row.effect, row.ci_low, row.ci_high]).all()
    theta = ref.statistic / (2000 * 2000)
    words = tie_words(treated, control, 0, "group 'Treatment'", "group 'Control'")
    assert row.note == (
        f"No shift and no interval for it are given: {words}, so no single shift describes "
        "the difference between group 'Treatment' and group 'Control'. The test compares "
        "ranks: a value of group 'Treatment' is higher than one of group 'Control' in "
        f"{theta:.1%} of the pairs, ties counting half (50% would be no difference)."
    )


def test_mannwhitney_confidence_so_low_that_every_shift_is_rejected() -> None:
    # one-sided, α = 0.999: scipy's largest p over all shifts is below it
    a, b = np.array([1.0, 3.5, 4.25]), np.array([2.0, 5.1])
    _, kept = mannwhitney_not_rejected(a, b, "greater", 0.001)
    assert not kept.any()
    with pytest.raises(ValueError, match="rejects every shift"):
        mannwhitneyu(a, b, alternative="greater", confidence=0.001)


def test_mannwhitney_continuous_and_tiny_samples() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.lognormal(3, 1, 37), rng.lognormal(3.3, 1, 52)
    ours = mannwhitneyu(a, b)
    ref = scipy.stats.mannwhitneyu(a, b, method="asymptotic")
    assert ours.statistic == ref.statistic and close(ours.pvalue, ref.pvalue)
    assert ours.effect == pytest.approx(np.median(np.subtract.outer(a, b)), rel=1e-15)
    # 3 vs 2 values: too few for a 95 % interval (K < 1) -> unbounded, said in the docs
    small = mannwhitneyu([1.0, 2.0, 3.0], [2.5, 4.0])
    ref = scipy.stats.mannwhitneyu([1.0, 2.0, 3.0], [2.5, 4.0], method="asymptotic")
    assert small.statistic == ref.statistic and close(small.pvalue, ref.pvalue)
    assert (small.ci_low, small.ci_high) == (-np.inf, np.inf)


def test_mannwhitney_all_zeros_is_p_one_with_a_warning() -> None:
    with pytest.warns(RuntimeWarning, match="tied"):
        ours = mannwhitneyu(np.zeros(40), np.zeros(30))
    ref = scipy.stats.mannwhitneyu(np.zeros(40), np.zeros(30), method="asymptotic")
    assert ours.statistic == ref.statistic == 600.0
    assert ours.pvalue == ref.pvalue == 1.0
    assert (ours.effect, ours.ci_low, ours.ci_high) == (0.0, 0.0, 0.0)


def test_mannwhitney_two_constant_groups_differ_by_exactly_their_difference() -> None:
    """Every value of a is 5 and every value of b is 3: every difference is 2, so the shift
    is exactly 2 and the interval the single point [2, 2], shown; scipy rejects 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = mannwhitneyu(np.full(30, 5.0), np.full(20, 3.0))
    assert (res.effect, res.ci_low, res.ci_high) == (2.0, 2.0, 2.0)
    ref = scipy.stats.mannwhitneyu(np.full(30, 5.0), np.full(20, 3.0), method="asymptotic")
    assert close(res.pvalue, ref.pvalue) and ref.pvalue < 0.05


def test_nothing_is_mutated() -> None:
    df = seed000_test1(5)
    before = df.copy()
    a = df.Order_Value.to_numpy()[:500]
    b = df.Order_Value.to_numpy()[500:]
    a_copy, b_copy = a.copy(), b.copy()
    with pytest.warns(RuntimeWarning, match="no single shift"):  # mostly zeros
        mannwhitneyu(a, b)
    ttest_ind(a, b, equal_var=False)
    ab_report(df, "Treatment", ["Conversion", "Order_Value"])
    np.testing.assert_array_equal(a, a_copy)
    np.testing.assert_array_equal(b, b_copy)
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------ values that are no numbers


def test_an_infinite_value_is_named_by_its_row_with_advice_that_removes_it() -> None:
    """The place is the DataFrame's row label, not the position within the arm (index 4
    of arm 'Control' is row 9 here), and the advice is not dropna(), which keeps inf."""
    df = pd.DataFrame({"arm": ["Voucher", "Control"] * 5,
                       "revenue": [5.0, 1.0, 6.0, 2.0, 7.0, 3.0, 8.0, 4.0, 9.0, np.inf]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notes = ab_report(df, "arm", "revenue", control="Control").note
    expected = ("group 'Control' contains 1 non-finite value(s) (first: infinity in row 9). "
                "Leave those rows out of the test: a missing value was never measured, and "
                "an infinite one usually comes from dividing by zero when the metric was "
                "computed.")
    assert notes.tolist() == [expected, expected]  # Welch t and Mann-Whitney
    assert "dropna" not in expected and df.revenue.dropna().isin([np.inf]).any()
    # called directly with a Series (numbers or Python objects), its labels are the rows
    for dtype in (np.float64, object):
        b = pd.Series([1.0, None, np.inf, 2.0], index=["c1", "c2", "c3", "c4"], dtype=dtype)
        with pytest.raises(ValueError, match=r"^b contains 2 non-finite value\(s\) \(first: "
                                             r"NaN in row 'c2'\)\. Leave those rows out"):
            ttest_ind([1.0, 2.0], b, equal_var=False)

ARMS = pd.DataFrame({"arm": ["Control", "Voucher", "Control", "Voucher"],
                     "revenue": [10.0, 12.5, 9.0, "abc"]})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ttest_ind([4.0, 2.5, "abc", 1.0], [1.0, 2.0]),
         "a holds text ('abc' at index 2): a t-test needs numbers."),
        (lambda: ttest_ind([1.0, 2.0], [True, False, True]),
         "b holds true/false values (True at index 0): a t-test needs numbers."),
        (lambda: ttest_ind([1.0, 2.0], pd.Series(pd.to_datetime(["2024-03-01", "2024-03-02"]),
                                                 index=["c8", "c9"]),
                           labels=("Voucher", "Control")),
         "group 'Control' holds dates (2024-03-01 00:00:00 in row 'c8'): a t-test needs "
         "numbers."),
        (lambda: mannwhitneyu([1.0, "x"], [2.0]),
         "a holds text ('x' at index 1): the Mann-Whitney test needs numbers."),
        (lambda: mannwhitneyu(np.array(["12", "15"]), [2.0], labels=("Voucher", "Control")),
         "group 'Voucher' holds text ('12' at index 0): the Mann-Whitney test needs numbers."),
        (lambda: proportions_ztest([12, "7"], [100, 100]),
         "count holds text ('7' at index 1): the z-test needs the successes of each group as "
         "numbers."),
        (lambda: proportions_ztest([12, 7], [100, "100"]),
         "nobs holds text ('100' at index 1): the z-test needs the customers of each group as "
         "numbers."),
        (lambda: ab_report(ARMS, "arm", "revenue"),
         "group 'Voucher' holds text ('abc' in row 3): 'revenue' must be numbers (0/1 for a "
         "yes/no metric)."),
        (lambda: metric_kind(pd.Series([0, 1, "yes"], name="converted")),
         "metric 'converted' holds text ('yes' in row 2): a metric must be numbers (0/1 for a "
         "yes/no metric)."),
        (lambda: sample_size_proportions("0.1", 0.2), "p1 must be a number, got '0.1'."),
    ],
)
def test_a_value_that_is_no_number_is_named_with_its_group_and_place(call, message) -> None:
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == message


def test_numbers_held_as_python_objects_are_numbers() -> None:
    """A column of numbers with a blank (object dtype) is tested as the same numbers."""
    numbers = ARMS.assign(revenue=[10.0, 12.5, 9.0, 11.0])
    blank = pd.concat([numbers, pd.DataFrame({"arm": ["Voucher"], "revenue": [None]})],
                      ignore_index=True).astype({"revenue": object})
    assert blank["revenue"].dtype == object
    pd.testing.assert_frame_equal(ab_report(blank, "arm", "revenue"),
                                  ab_report(numbers, "arm", "revenue"))
    welch = ttest_ind(np.array([12.5, 11.0], dtype=object), [10.0, 9.0], equal_var=False)
    assert welch.effect == 2.25  # (12.5 + 11) / 2 - (10 + 9) / 2


def test_a_yes_no_column_with_blanks_is_a_yes_no_metric() -> None:
    """read_csv gives a column of True/False with blanks as Python objects (True, False,
    NaN); it was refused ("holds true/false values ... must be numbers") while the same
    values as bool or nullable boolean were tested as a rate. All three now give the
    z-test on the present values, by hand: Yes 3 of 4 converted, No 1 of 4."""
    text = ("arm,converted\nYes,True\nNo,False\nYes,True\nNo,\nYes,False\nNo,True\n"
            "Yes,True\nNo,False\nYes,\nNo,False\n")
    read = pd.read_csv(io.StringIO(text))
    assert read.converted.dtype == object and read.converted.isna().sum() == 2
    nullable = read.astype({"converted": "boolean"})
    assert metric_kind(read.converted) == metric_kind(nullable.converted) == "binary"
    reports = [ab_report(df, "arm", "converted") for df in (read, nullable)]
    pd.testing.assert_frame_equal(reports[0], reports[1])
    row = reports[0].iloc[0]
    assert (row.kind, row.test, row.treatment, row.control) == (
        "binary", "two-proportion z-test", "Yes", "No")
    assert (row.n_treatment, row.n_control) == (4, 4)
    assert (row.value_treatment, row.value_control, row.effect) == (0.75, 0.25, 0.5)
    z, p = sm_ztest([3, 1], [4, 4])
    assert close(row.statistic, z) and close(row.pvalue, p)
    # a column of objects mixing booleans and numbers is still refused
    mixed = read.assign(converted=[True, 0.5] + [False] * 8)
    with pytest.raises(TypeError, match=r"^group 'No' holds true/false values \(False in "
                                        r"row 3\): 'converted' must be numbers"):
        ab_report(mixed, "arm", "converted")


# ------------------------------------------------------------------ sample size


@pytest.mark.parametrize(
    ("p1", "p2", "alpha", "power"),
    [(0.10, 0.12, 0.05, 0.8), (0.086, 0.164, 0.05, 0.9), (0.5, 0.45, 0.01, 0.8),
     (0.02, 0.03, 0.1, 0.95)],
)
def test_sample_size_matches_statsmodels(p1, p2, alpha, power) -> None:
    ref = samplesize_proportions_2indep_onetail(
        p1 - p2, p2, power, ratio=1, alpha=alpha, alternative="two-sided"
    )
    assert sample_size_proportions(p1, p2, alpha=alpha, power=power) == math.ceil(ref)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((0.0, 0.1), {}, ValueError, "strictly between 0 and 1"),
        ((0.1, 1.0), {}, ValueError, "strictly between 0 and 1"),
        ((0.1, 0.2), {"alpha": 1.5}, ValueError, "alpha"),
        ((0.1, 0.2), {"power": -0.1}, ValueError, "power"),
        ((0.1, 0.1), {}, ValueError, "equal"),
        (("0.1", 0.2), {}, TypeError, "number"),
        ((float("nan"), 0.2), {}, ValueError, "strictly"),
    ],
)
def test_sample_size_bad_input(args, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        sample_size_proportions(*args, **kwargs)


# ------------------------------------------------------------------ ab_report


def test_ab_report_runs_the_right_tests_and_matches_the_references() -> None:
    df = seed000_test1(6)
    rep = ab_report(df, "Treatment", ["Conversion", "Order_Value"])
    assert list(rep.test) == ["two-proportion z-test", "Welch t-test", "Mann-Whitney U"]
    assert list(rep.kind) == ["binary", "continuous", "continuous"]
    assert set(rep.treatment) == {"Yes"} and set(rep.control) == {"No"}
    yes, no = df[df.Treatment == "Yes"], df[df.Treatment == "No"]
    z, p = sm_ztest([yes.Conversion.sum(), no.Conversion.sum()], [len(yes), len(no)])
    conv = rep.iloc[0]
    assert close(conv.statistic, z) and close(conv.pvalue, p)
    assert close(conv.effect, yes.Conversion.mean() - no.Conversion.mean())
    welch = scipy.stats.ttest_ind(yes.Order_Value, no.Order_Value, equal_var=False)
    assert close(rep.iloc[1].statistic, welch.statistic) and close(rep.iloc[1].pvalue, welch.pvalue)
    mwu = scipy.stats.mannwhitneyu(yes.Order_Value, no.Order_Value, method="asymptotic")
    assert rep.iloc[2].statistic == mwu.statistic and close(rep.iloc[2].pvalue, mwu.pvalue)
    assert rep.iloc[1].value_treatment == pytest.approx(yes.Order_Value.mean(), rel=1e-14)
    # the control can be chosen: effects flip sign
    flipped = ab_report(df, "Treatment", {"Conversion": "binary"}, control="Yes")
    assert flipped.effect.iloc[0] == pytest.approx(-conv.effect, rel=1e-14)


def test_ab_report_degenerate_metric_gets_a_note_and_several_arms() -> None:
    df = pd.DataFrame(
        {
            "arm": ["ctl"] * 4 + ["v1"] * 4 + ["v2"] * 4,
            "clicked": [0] * 12,
            "spend": [1.0, 2, 3, 4, 2, 3, 4, 9, np.nan, 5, 6, 8],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # degenerate cases become notes, not warnings
        rep = ab_report(df, "arm", ["clicked", "spend"], control="ctl")
    clicked = rep[rep.metric == "clicked"]
    assert len(clicked) == 2 and clicked.pvalue.isna().all()
    assert (clicked.kind == "constant").all() and (clicked.test == "no test").all()
    assert clicked.note.str.startswith("no group has any 'clicked'").all()
    v2 = rep[(rep.metric == "spend") & (rep.treatment == "v2")]
    assert (v2.n_treatment == 3).all()  # the NaN was dropped
    ref = scipy.stats.ttest_ind([5.0, 6, 8], [1.0, 2, 3, 4], equal_var=False)
    assert close(v2.iloc[0].statistic, ref.statistic)


def test_ab_report_revenue_of_zeros_is_not_a_conversion() -> None:
    """Revenue 0 for every customer was read as a yes/no metric and z-tested: "both groups
    have no successes ... Collect more data"."""
    df = pd.DataFrame({"arm": ["Voucher", "Control"] * 6, "revenue": [0.0] * 12})
    note = ("no group has any 'revenue' (every value in group 'Voucher' and group 'Control' "
            "is 0): nothing to compare.")
    assert metric_kind(df.revenue) == "constant"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said in the note, not warned
        found = ab_report(df, "arm", "revenue")
        amount = ab_report(df, "arm", {"revenue": "continuous"})
    assert found[["kind", "test", "note"]].values.tolist() == [["constant", "no test", note]]
    assert amount[["kind", "test", "note"]].values.tolist() == [
        ["continuous", "Welch t-test", note], ["continuous", "Mann-Whitney U", note]]
    for rep in (found, amount):
        assert rep.pvalue.isna().all() and (rep.significance == "n/a").all()
        assert (rep.value_treatment == 0).all() and (rep.value_control == 0).all()
        assert (rep.n_treatment == 6).all() and (rep.n_control == 6).all()
    everyone = pd.DataFrame({"arm": ["Voucher", "Control"] * 3, "converted": [1] * 6})
    assert ab_report(everyone, "arm", {"converted": "binary"}).note.tolist() == [
        "every value of 'converted' in group 'Voucher' and group 'Control' is 1: nothing to "
        "compare."]


def test_ab_report_an_arm_without_values_is_said_to_have_none() -> None:
    """Every revenue of 'Voucher' missing: the two arms together held the one value 5, so
    the report said "every value ... in group 'Voucher' and group 'Control' is 5" and gave
    Voucher the value 5.0 beside n_treatment = 0. Each arm's value is its own: NaN for
    Voucher, the mean of Control's values (by hand) for Control."""
    df = pd.DataFrame({"arm": ["Voucher", "Control"] * 4,
                       "revenue": [np.nan, 5.0] * 4,
                       "spend": [np.nan, 2.0, np.nan, 3.0] * 2,
                       "converted": [np.nan, 1, np.nan, 0, np.nan, 0, np.nan, 0],
                       "blank": np.nan})
    none = ("group 'Voucher' has no value of {!r} (every one is missing): nothing to "
            "compare.")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = ab_report(df, "arm", {"revenue": "continuous", "spend": "continuous",
                                    "converted": "binary", "blank": "continuous"})
    expected = [("revenue", "Welch t-test", 5.0), ("revenue", "Mann-Whitney U", 5.0),
                ("spend", "Welch t-test", 2.5), ("spend", "Mann-Whitney U", 2.5),
                ("converted", "two-proportion z-test", 0.25)]
    assert len(rep) == len(expected) + 2  # and two rows for blank
    for (metric, test, control), row in zip(expected, rep.itertuples(), strict=False):
        assert (row.metric, row.test, row.note) == (metric, test, none.format(metric))
        assert (row.n_treatment, row.n_control) == (0, 4)
        assert np.isnan(row.value_treatment) and row.value_control == control
        assert np.isnan([row.effect, row.ci_low, row.ci_high, row.pvalue]).all()
    blank = rep[rep.metric == "blank"]
    assert blank.note.tolist() == ["neither group 'Voucher' nor group 'Control' has a "
                                   "value of 'blank': nothing to compare."] * 2
    assert blank.value_treatment.isna().all() and blank.value_control.isna().all()
    # read from the values, revenue is constant (one value): still no figure for Voucher
    found = ab_report(df, "arm", "revenue")
    assert found[["kind", "test", "note"]].values.tolist() == [
        ["constant", "no test", none.format("revenue")]]
    assert np.isnan(found.value_treatment.iloc[0]) and found.value_control.iloc[0] == 5.0


def test_ab_report_an_amount_declared_as_such_is_tested_as_an_amount() -> None:
    """Revenue of 0 or 1 (a pilot, amounts in thousands): read from the values it is a
    rate; declared continuous it gets Welch's t and Mann-Whitney, as scipy computes them."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"arm": np.repeat(["Voucher", "Control"], 40),
                       "revenue": (rng.random(80) < np.repeat([0.5, 0.3], 40)).astype(float)})
    assert metric_kind(df.revenue) == "binary"
    rep = ab_report(df, "arm", {"revenue": "continuous"})
    assert rep.test.tolist() == ["Welch t-test", "Mann-Whitney U"]
    assert (rep.kind == "continuous").all()
    voucher, control = df.revenue[df.arm == "Voucher"], df.revenue[df.arm == "Control"]
    welch = scipy.stats.ttest_ind(voucher, control, equal_var=False)
    mwu = scipy.stats.mannwhitneyu(voucher, control, method="asymptotic")
    assert close(rep.statistic.iloc[0], welch.statistic) and close(rep.pvalue.iloc[0],
                                                                   welch.pvalue)
    assert rep.statistic.iloc[1] == mwu.statistic and close(rep.pvalue.iloc[1], mwu.pvalue)


def test_ab_report_arms_without_revenue_beside_one_with() -> None:
    df = pd.DataFrame({"arm": ["Control", "Email", "Voucher"] * 5,
                       "revenue": [0, 0, 12.5, 0, 0, 0, 0, 0, 30.0, 0, 0, 8.0, 0, 0, 0.0]})
    rep = ab_report(df, "arm", "revenue")
    assert (rep.kind == "continuous").all()
    email, voucher = rep[rep.treatment == "Email"], rep[rep.treatment == "Voucher"]
    assert email.note.tolist() == ["no group has any 'revenue' (every value in group 'Email' "
                                   "and group 'Control' is 0): nothing to compare."] * 2
    mwu = scipy.stats.mannwhitneyu([12.5, 0, 30, 8, 0], [0.0] * 5, method="asymptotic")
    assert voucher.statistic.iloc[1] == mwu.statistic
    assert close(voucher.pvalue.iloc[1], mwu.pvalue)


def test_ab_report_notes_name_the_arms() -> None:
    one = pd.DataFrame({"g": ["t", "t", "c", "c", "c"], "x": [1.0, np.nan, np.nan, np.nan, 2.0]})
    rep = ab_report(one, "g", "x", control="c")
    assert rep.note.tolist() == [
        "group 't' has 1 value; a t-test needs at least 2 values per group to estimate its "
        "variance.",
        "",  # Mann-Whitney needs one value per group
    ]
    flat = pd.DataFrame({"g": np.repeat([1, 2], 3), "x": [3.0] * 3 + [5.0] * 3})
    note = ab_report(flat, "g", "x", control=1).note.iloc[0]
    assert note.startswith("both groups have zero variance (every value of group 2 is 5, "
                           "every value of group 1 is 3)")
    # called directly, the groups are still the arguments a and b
    with pytest.raises(ValueError, match=r"^a has 1 value; "):
        ttest_ind([1.0], [2.0, 3.0])


def campaign(arms: tuple, seed: int = 12, n: int = 600) -> pd.DataFrame:
    """A campaign that raised conversion from 10 % (arms[1], no campaign) to 25 % (arms[0])."""
    rng = np.random.default_rng(seed)
    arm = np.repeat(np.array(arms, dtype=object), n // 2)
    rate = np.where(np.arange(n) < n // 2, 0.25, 0.10)
    return pd.DataFrame({"arm": arm, "converted": (rng.random(n) < rate).astype(int)})


@pytest.mark.parametrize(
    "arms",
    [("Treated", "Untreated"), ("Voucher", "Control"), ("Campaign", "no_campaign"),
     ("Yes", "No"), ("YES", "no"), ("Email", "Hold-out"), ("new", "Baseline"), (1, 0),
     (True, False)],
)
def test_ab_report_takes_the_arm_named_like_a_control(arms) -> None:
    """Sorted first was the control: "Treated" before "Untreated" flipped every sign."""
    df = campaign(arms)
    rep = ab_report(df, "arm", "converted")
    treated = df.converted[df.arm == arms[0]].mean()
    untreated = df.converted[df.arm == arms[1]].mean()
    assert treated > untreated  # the campaign raised conversion
    assert rep.control.tolist() == [arms[1]] and rep.treatment.tolist() == [arms[0]]
    assert rep.effect.iloc[0] == pytest.approx(treated - untreated, rel=1e-12)
    assert rep.effect.iloc[0] > 0


@pytest.mark.parametrize(
    ("arms", "message"),
    [(("Customized", "General"),
      "which arm of 'arm' is the control? Its arms are 'Customized', 'General' and none is "
      "named like a control; pass control= with the arm that did not get the campaign."),
     (("B", "A"), "Its arms are 'A', 'B' and none is named like a control"),
     (("Control", "Voucher", "Holdout"),
      "Its arms are 'Control', 'Holdout', 'Voucher' and 'Control', 'Holdout' are all named "
      "like a control; pass control="),
     # "No" is the control beside "Yes" only: beside "Email" it may be a campaign's arm
     (("Email", "No"), "Its arms are 'Email', 'No' and none is named like a control"),
     (("No", "SMS", "Email"), "Its arms are 'Email', 'No', 'SMS' and none is named like")],
)
def test_ab_report_asks_for_the_control_when_the_names_do_not_say(arms, message) -> None:
    df = pd.DataFrame({"arm": list(arms) * 4, "converted": [0, 1, 1, 0] * len(arms)})
    with pytest.raises(ValueError) as info:
        ab_report(df, "arm", "converted")
    assert message in str(info.value) and "\n" not in str(info.value)
    # named, the report runs, and every row says which arm the effect is measured against
    rep = ab_report(df, "arm", "converted", control=arms[1])
    assert set(rep.control) == {arms[1]} and arms[1] not in set(rep.treatment)


def test_ab_report_several_arms_and_one_named_like_a_control() -> None:
    df = pd.DataFrame({"arm": ["Voucher A", "Control", "Voucher B"] * 4,
                       "converted": [1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0]})
    rep = ab_report(df, "arm", "converted")
    assert set(rep.control) == {"Control"}
    assert rep.treatment.tolist() == ["Voucher A", "Voucher B"]


def test_ab_report_bad_input() -> None:
    df = seed000_test1(7)
    with pytest.raises(ValueError, match="missing column"):
        ab_report(df, "Treatment", ["Revenue"])
    with pytest.raises(ValueError, match="not an arm"):
        ab_report(df, "Treatment", ["Conversion"], control="Maybe")
    with pytest.raises(ValueError, match="two arms"):
        ab_report(df[df.Treatment == "Yes"], "Treatment", ["Conversion"])
    with pytest.raises(ValueError, match="kind"):
        ab_report(df, "Treatment", {"Conversion": "ordinal"})
    with pytest.raises(ValueError, match="other than 0/1"):
        ab_report(df, "Treatment", {"Order_Value": "binary"})
    with pytest.raises(TypeError, match=r"^group 'No' holds text \('Exclusive Member "
                                        r"Discounts' in row 500\): 'Test_Name' must be"):
        ab_report(df, "Treatment", ["Test_Name"])  # "No" sorts first; its rows from 500
    three = df.assign(Treatment=np.r_[["A"] * 300, ["B"] * 300, ["C"] * 400])
    with pytest.raises(ValueError, match="control="):
        ab_report(three, "Treatment", ["Conversion"])
