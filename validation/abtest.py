"""Campaign A/B tests written out: z-test for rates, t-tests and Mann–Whitney for amounts.

Every test compares group ``a`` (e.g. treatment) with group ``b`` (e.g. control) and
returns a :class:`TestResult`: the statistic, the p-value, the **effect** ``a − b`` with a
confidence interval, and a per-group summary. scipy is used only for the normal and t
distribution functions; the statistics themselves are computed here.

Alternatives follow scipy's names: ``"two-sided"``, ``"less"`` (a's parameter is smaller)
and ``"greater"``; statsmodels' ``"smaller"`` / ``"larger"`` are accepted too. Confidence
intervals follow the alternative as scipy does: two-sided intervals for ``"two-sided"``,
one-sided bounds ``(-inf, high]`` for ``"less"`` and ``[low, inf)`` for ``"greater"`` (for
a difference of rates the open end is −1 or 1, the largest possible difference). Each
interval holds the differences its own test does not reject, so it excludes 0 exactly
when p < 1 − confidence. Mann–Whitney on data with ties (see :func:`mannwhitneyu`) adds
two cases, each with a warning that says so: an end that falls on 0 itself is open
when p < 1 − confidence (shifts just beside 0 are not rejected, 0 is), and where ties
leave no interval that agrees with the test, none is given.

Degenerate data are not turned into a silent NaN: when a statistic is 0/0 (no variation
at all) the function raises ``ValueError`` saying what happened.
"""

from __future__ import annotations

import datetime
import math
import numbers
import warnings
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import check_array, place, shown_label

# scipy.stats is imported inside the functions that use it: loading it takes about
# 0.4 s, which `import validation` (and so `import rfm`) should not pay.

__all__ = [
    "TestResult",
    "mannwhitneyu",
    "proportions_ztest",
    "sample_size_proportions",
    "ttest_ind",
]

_ALTERNATIVES = {
    "two-sided": "two-sided",
    "less": "less",
    "smaller": "less",
    "greater": "greater",
    "larger": "greater",
}


class TestResult(NamedTuple):
    """Outcome of one A/B test.

    Attributes
    ----------
    test : str
        Name of the test, e.g. ``"Welch t-test"``.
    statistic : float
        z, t or U (Mann–Whitney U of group a).
    pvalue : float
        p-value for the chosen alternative.
    effect : float
        Estimated difference a − b (rates, means, or the Hodges–Lehmann shift; NaN when
        no single shift describes the difference, see :func:`mannwhitneyu`).
    ci_low, ci_high : float
        Confidence interval of the effect (the open end of a one-sided bound is ±inf, or
        ±1 for a difference of rates; NaN with the effect).
    summary : DataFrame
        One row per group: ``n``, the rate or mean, ``std`` (and ``count`` / ``median``).
    """

    __test__ = False  # not a pytest test class despite its name

    test: str
    statistic: float
    pvalue: float
    effect: float
    ci_low: float
    ci_high: float
    summary: pd.DataFrame


def _options(alternative: str, confidence: float, labels: tuple[Any, Any]):
    """Check the options every test shares; map statsmodels' alternative names to scipy's."""
    if alternative not in _ALTERNATIVES:
        raise ValueError(
            f"alternative must be 'two-sided', 'less' or 'greater', got {alternative!r}."
        )
    if not (isinstance(confidence, (int, float)) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be a probability in (0, 1), got {confidence!r}.")
    if len(labels) != 2:
        raise ValueError(f"labels must name the two groups, got {labels!r}.")
    return _ALTERNATIVES[alternative], float(confidence), list(labels)


def _pvalue(stat: float, dist: Any, alternative: str) -> float:
    """p-value of ``stat`` under ``dist`` (a frozen scipy distribution)."""
    if alternative == "less":
        return float(dist.cdf(stat))
    if alternative == "greater":
        return float(dist.sf(stat))
    return float(min(1.0, 2.0 * dist.sf(abs(stat))))


def _interval(effect: float, se: float, dist: Any, alternative: str, confidence: float):
    """effect ± q·se, with q the two-sided or one-sided quantile of ``dist``."""
    if alternative == "two-sided":
        q = dist.ppf(0.5 + confidence / 2)
        return effect - q * se, effect + q * se
    q = dist.ppf(confidence)
    return (-np.inf, effect + q * se) if alternative == "less" else (effect - q * se, np.inf)


def _group_called(label: Any) -> str:
    """What messages call a group by its label: ``group 'Voucher'``."""
    return f"group {shown_label(label)}"


def _called(labels: list[Any]) -> tuple[str, str]:
    """What messages call the two groups: ``a`` and ``b`` (the arguments) under the default
    labels, else by their labels, e.g. ``group 'Voucher'`` (ab_report passes its arms)."""
    if labels == ["a", "b"]:
        return "a", "b"
    return _group_called(labels[0]), _group_called(labels[1])


def _missing(value: Any) -> bool:
    """Whether ``value`` is a missing value that is not a float NaN (None, NA, NaT)."""
    return value is None or value is pd.NA or value is pd.NaT


def _not_a_number(value: Any) -> str | None:
    """What ``value`` is in words when it is no number (``"text"``, ``"dates"``, ...);
    ``None`` for a number or a missing value (NaN, None, ``pd.NA``)."""
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true/false values"
    if isinstance(value, (datetime.date, np.datetime64)):
        return "dates"
    if isinstance(value, (datetime.timedelta, np.timedelta64)):  # (numpy's: numbers.Integral)
        return "durations"
    if isinstance(value, (numbers.Real, Decimal)):
        return None
    if isinstance(value, (str, bytes)):
        return "text"
    return "values that are not numbers"


def _shown(value: Any, what: str) -> str:
    """``value`` as a message quotes it: text in quotes, dates as dates, at most 40 characters."""
    if what == "dates":
        text = str(pd.Timestamp(value))
    elif what == "durations":
        text = str(pd.Timedelta(value))
    else:
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bytes):
            value = value.decode(errors="replace")
        text = repr(value)  # text: quoted, a line break written \n
        if not isinstance(value, str):
            text = " ".join(text.split())  # one line, whatever the object's repr
    return text if len(text) <= 40 else text[:39] + "…"


def _as_numbers(values: Any, called: str, need: str) -> Any:
    """``values`` for :func:`kmeans_np.checks.check_array`, or ``TypeError`` in plain words
    when one of them is no number: which argument or group holds what, where, e.g.
    ``group 'Voucher' holds text ('abc' in row 3): 'revenue' must be numbers.``

    ``called`` names the values (``"a"``, ``"count"``, ``group 'Voucher'``), ``need`` ends
    the message. A place is a row label for a Series, else an index. Missing values (None,
    NaN, ``pd.NA``) pass, for check_array to report; a column of Python objects that are
    all numbers or missing comes back as floats (NaN where missing), a Series as a Series
    with its row labels. Booleans are refused: a yes/no metric is compared as a rate
    (:func:`proportions_ztest`).
    """
    if isinstance(values, pd.Series):
        dtype = values.dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            return values
        arr, labels = values.to_numpy(dtype=object), values.index
    else:
        try:
            arr, labels = np.asarray(values), None
        except Exception:  # ragged lists and the like: check_array says so
            return values
        if arr.dtype.kind not in "iufc" and not isinstance(values, np.ndarray):
            arr = np.asarray(values, dtype=object)  # a list's own items: [1, "abc"] not "1"
    if arr.dtype.kind in "iufc":
        return values
    flat = arr.ravel()
    found = next(((i, v, w) for i, v in enumerate(flat) if (w := _not_a_number(v))), None)
    if found is None:
        if arr.dtype.kind != "O":
            return values
        floats = np.fromiter((np.nan if _missing(v) else float(v) for v in flat),
                             dtype=np.float64, count=flat.shape[0]).reshape(arr.shape)
        return floats if labels is None else pd.Series(floats, index=labels, name=values.name)
    i, value, what = found
    at = i if arr.ndim == 1 else tuple(int(j) for j in np.unravel_index(i, arr.shape))
    where = place(at, labels)
    raise TypeError(f"{called} holds {what} ({_shown(value, what)} {where}): {need}")


#: how to get rid of a missing or infinite value: the end of that message
_LEAVE_OUT = (
    "Leave those rows out of the test: a missing value was never measured, and an "
    "infinite one usually comes from dividing by zero when the metric was computed."
)


def _sample(x: Any, name: str, min_size: int, why: str, need: str) -> np.ndarray:
    """One group of a test as a finite 1-D array of at least ``min_size`` values; ``why``
    says what the test needs, in the messages about too few values, and ``need`` in the
    message about values that are not numbers (:func:`_as_numbers`). A missing or infinite
    value is named by its row label when ``x`` is a Series, else by its position."""
    values = _as_numbers(x, name, need)
    labels = values.index if isinstance(values, pd.Series) else None
    arr = check_array(values, name=name, ensure_2d=False, why_empty=why,
                      non_finite_fix=_LEAVE_OUT, labels=labels)
    if arr.shape[0] < min_size:
        n = arr.shape[0]
        raise ValueError(f"{name} has {n} value{'' if n == 1 else 's'}; {why}")
    return arr


# --------------------------------------------------------------------------- proportions


def _restricted_rates(delta: float, count: np.ndarray, nobs: np.ndarray) -> np.ndarray:
    """Most likely rates (p_a, p_b) of the data among those with ``p_a − p_b = delta``.

    With p = p_b the log-likelihood is
    ``L(p) = x_a log(p + δ) + (n_a − x_a) log(1 − p − δ) + x_b log p + (n_b − x_b) log(1 − p)``
    on ``max(0, −δ) <= p <= min(1, 1 − δ)``. It is concave (a sum of logs of linear
    functions), so its maximum is its one stationary point inside or an end. Multiplying
    ``dL/dp = 0`` by ``(p + δ)(1 − p − δ) p (1 − p)`` gives
    ``(x_a − n_a (p + δ)) p (1 − p) + (x_b − n_b p)(p + δ)(1 − p − δ) = 0``, that is, with
    N = n_a + n_b and X = x_a + x_b, the cubic

        N p³ + ((n_a + 2 n_b) δ − N − X) p² + (X − (N + 2 x_b) δ + n_b δ²) p
        + x_b δ (1 − δ) = 0

    (Farrington & Manning 1990; Miettinen & Nurminen 1985 solve the same cubic in closed
    form, in p_a). The real parts of its roots and both ends are the candidates; the one
    with the largest L wins, so a spurious or badly rounded root cannot be chosen. At
    δ = 0 the answer is the pooled rate ``X / N``, given exactly.
    """
    (xa, xb), (na, nb) = count, nobs
    big_n, big_x = na + nb, xa + xb
    if delta == 0.0:
        return np.array([big_x / big_n, big_x / big_n])
    from scipy.special import xlogy
    cubic = [big_n, (na + 2 * nb) * delta - big_n - big_x,
             big_x - (big_n + 2 * xb) * delta + nb * delta**2, xb * delta * (1 - delta)]
    low, high = max(0.0, -delta), min(1.0, 1.0 - delta)
    pb = np.clip(np.r_[np.roots(cubic).real, low, high], low, high)
    pa = np.clip(pb + delta, 0.0, 1.0)
    loglik = xlogy(xa, pa) + xlogy(na - xa, 1 - pa) + xlogy(xb, pb) + xlogy(nb - xb, 1 - pb)
    best = int(np.argmax(loglik))
    return np.array([pa[best], pb[best]])


def _score_z(delta: float, diff: float, count: np.ndarray, nobs: np.ndarray) -> float:
    """Score statistic of H0: p_a − p_b = δ, ``(p̂_a − p̂_b − δ) / sqrt(Σ p̃(1 − p̃)/n)``
    with the restricted rates p̃ (:func:`_restricted_rates`)."""
    rates = _restricted_rates(delta, count, nobs)
    return (diff - delta) / math.sqrt(float(np.sum(rates * (1 - rates) / nobs)))


def _score_low(target: float, count: np.ndarray, nobs: np.ndarray, z0: float,
               keeps_zero: bool) -> float:
    """The lower end of the score interval: the lowest δ in [−1, 1] with ``z(δ) <= target``.

    z(δ) falls as δ rises (Mee 1984), from +∞ next to δ = −1 to −∞ next to 1 (inside
    (−1, 1) the restricted rates cannot both be 0 or 1, so z is finite there), so the end
    is the one root of ``z(δ) = target``. Two points bracket it before any cubic is
    solved: at δ = p̂_a − p̂_b z is 0, and at δ = 0 z is the test's own pooled ``z0``,
    on the side the test's p-value decides (``keeps_zero``: p >= α, so 0 is in the
    interval), never by a recomputed z that could differ in its last bit. Brent's method
    (``scipy.optimize.brentq``) then finds the root in about ten evaluations, to 10⁻¹² of
    the standard error ``sqrt(p (1 − p) (1/n_a + 1/n_b))``.

    Where z stays at or below the target all the way to −1 (group a has no success and
    group b no failure, p̂_a − p̂_b = −1) the end is −1; where it stays above it up to 1,
    it is 1. An end on the far side of 0 from where p puts it, by a rounding of z in its
    last bit, is moved to 0 (kept) or to the smallest float above 0 (rejected).
    """
    from scipy.optimize import brentq
    diff = float(count[0] / nobs[0] - count[1] / nobs[1])
    pooled = count.sum() / nobs.sum()
    scale = math.sqrt(pooled * (1 - pooled) * (1 / nobs[0] + 1 / nobs[1]))

    def excess(delta: float) -> float:
        return (z0 if delta == 0.0 else _score_z(delta, diff, count, nobs)) - target

    lo, hi = -1.0, 1.0  # the end lies in (lo, hi]: below it at lo, in the interval at hi
    for point, inside in ((diff, target >= 0.0), (0.0, keeps_zero)):
        if inside:
            hi = min(hi, point)
        else:
            lo = max(lo, point)
    lo = math.nextafter(-1.0, 1.0) if lo == -1.0 else lo
    hi = math.nextafter(1.0, -1.0) if hi == 1.0 else hi
    if excess(lo) <= 0.0:  # in the interval already: next to −1, or 0 by a last bit
        return -1.0 if lo < 0.0 else math.nextafter(0.0, 1.0)
    if excess(hi) > 0.0:  # not in it yet: next to 1, or 0 by a last bit
        return 1.0 if hi > 0.0 else 0.0
    root = brentq(excess, lo, hi, xtol=1e-12 * scale, rtol=4 * np.finfo(float).eps)
    return math.nextafter(lo, 1.0) if root == lo else root


def _score_interval(count: np.ndarray, nobs: np.ndarray, z: float, pvalue: float,
                    alternative: str, confidence: float) -> tuple[float, float]:
    """The score interval of :func:`proportions_ztest` from its z and p-value, computed on
    the smaller side.

    The upper end is the lower end of the same test with the groups swapped (δ → −δ,
    z → −z): ``high = −low(b against a)``. Both come from :func:`_score_low`, told by
    the test's p-value whether 0 lies in the interval: p >= α keeps it at both ends; with
    p < α the end on the side of the observed difference excludes it.

    Near a rate of 1 the restricted rates p̃ lose their digits in ``1 − p̃`` (and the
    cubic's roots their precision): for 946,989,026 of 946,989,044 against 191,922,183
    of 191,922,198 the lower end came out 3.04e-8 instead of 2.66e-8. Counting failures
    instead of successes gives rates near 0, where p̃ (1 − p̃) keeps every digit; the
    failures of b against those of a differ by p_a − p_b again, with the same z for
    every δ. So whenever the pooled rate is above ½, each end is computed from the
    failures with the groups swapped.
    """
    from scipy.stats import norm
    two = alternative == "two-sided"
    q = float(norm.ppf(0.5 + confidence / 2 if two else confidence))
    kept = pvalue >= 1 - confidence
    failures = count.sum() * 2 > nobs.sum()  # exact: whole numbers below 2**53

    def low_end(c: np.ndarray, n: np.ndarray, z0: float, keeps_zero: bool) -> float:
        if failures:
            c, n = (n - c)[::-1], n[::-1]
        return _score_low(q, c, n, z0, keeps_zero)

    low = -1.0 if alternative == "less" else low_end(count, nobs, z, kept or (two and z < 0))
    high = 1.0 if alternative == "greater" else 0.0 - low_end(  # 0 − 0 is 0, not −0
        count[::-1], nobs[::-1], -z, kept or (two and z > 0))
    return low, high


def proportions_ztest(
    count: Any,
    nobs: Any,
    alternative: str = "two-sided",
    *,
    confidence: float = 0.95,
    labels: tuple[Any, Any] = ("a", "b"),
) -> TestResult:
    """Two-sample z-test for a difference of proportions (pooled, as statsmodels), with the
    score interval that inverts it.

    Parameters
    ----------
    count : pair of whole numbers
        Successes (e.g. conversions) in group a and group b.
    nobs : pair of whole numbers
        Trials (customers) in each group; ``0 <= count <= nobs``, ``nobs >= 1``.
    alternative : {"two-sided", "less", "greater"}
        H1: p_a != p_b, p_a < p_b or p_a > p_b.
    confidence : float
        Level of the interval for p_a − p_b.
    labels : pair
        Names of the groups in the summary and in messages.

    Returns
    -------
    TestResult
        ``statistic`` = z, ``effect`` = p̂_a − p̂_b with the **score** interval: the
        differences δ that the same kind of test does not reject. It lies within [−1, 1];
        one-sided, its far end is −1 or 1 (the ends of the possible differences, as
        scipy's ``binomtest`` gives 0 or 1 for one rate).

    Notes
    -----
    Under H0 both groups share one rate, estimated by pooling:
    ``p = (x_a + x_b) / (n_a + n_b)`` and ``z = (p̂_a − p̂_b) / sqrt(p (1 − p) (1/n_a + 1/n_b))``,
    compared with the standard normal. The summary's ``std`` is the Bernoulli standard
    deviation sqrt(p̂ (1 − p̂)).

    The interval inverts this test (Mee 1984; the Farrington–Manning score test). To test
    H0: p_a − p_b = δ, take the rates p̃_a − p̃_b = δ most likely to have produced the data
    (:func:`_restricted_rates`) and ``z(δ) = (p̂_a − p̂_b − δ) / sqrt(p̃_a (1 − p̃_a)/n_a +
    p̃_b (1 − p̃_b)/n_b)``. At δ = 0 those rates are the pooled p, so z(0) is exactly the
    z above. The interval holds the δ with ``|z(δ)| <= z_{1−α/2}`` (two-sided), or
    ``z(δ) <= z_{1−α}`` ("greater") or ``z(δ) >= −z_{1−α}`` ("less"). Hence it excludes 0
    exactly when p < α = 1 − confidence: the interval and the p-value never disagree
    (where 0 lies is decided by the p-value itself, so not even a rounding in the last
    bit of z can part them; an end exactly at 0 belongs to the interval, as p = α is not
    rejected). Each end is found by Brent's method in about ten evaluations of z
    (:func:`_score_low`).
    With a pooled rate above ½ it is computed from the failures, whose rates lie near 0
    where they keep their digits (:func:`_score_interval`).
    It is the interval statsmodels' ``confint_proportions_2indep(method="score",
    correction=False)`` means to give (its releases up to 0.15 solve the cubic of
    :func:`_restricted_rates` with x_b in place of one n_b, statsmodels issue #10269, and
    fail when a group has no success); Miettinen–Nurminen's ``correction=True`` scales
    the variance by N/(N − 1), so that interval no longer matches the z-test at δ = 0.

    Why not the textbook Wald interval ``p̂_a − p̂_b ± z sqrt(Σ p̂(1 − p̂)/n)``: it uses
    the observed rates' variance, which is 0 when a group is all successes or none, so a
    pilot of one customer per group got the interval [1, 1] beside p = 0.16, and it can
    leave [−1, 1] (1.19 for 1 of 2 against 0 of 2). The score interval's variance is
    taken at the rates being tested, which stay inside [0, 1]: it never leaves [−1, 1],
    and at any confidence above ½ it is never a single point in exact arithmetic (for n
    of n against 0 of n it is ``[(2n − q²)/(2n + q²), 1]`` with q = z_{0.975}, for 1 of 1
    against 0 of 1 [−0.315, 1]). At ½ or below a one-sided bound can be one: at ½ it is
    the observed difference itself, so [1, 1] for all against none. In float64 the two
    ends also meet when the interval is narrower than the spacing of floats where it
    lies (1.1e-16 just below 1). The narrowest are those next to ±1, of a group with
    (nearly) only successes against one with (nearly) none, about q²/n wide: they shrink
    to the point ±1 from about 2·10¹⁶ q² customers per group (7·10¹⁶ at 95 %; e.g.
    ``proportions_ztest([10**17, 1], [10**17, 10**17])`` gives [1, 1]), numbers no
    campaign reaches.

    Raises
    ------
    TypeError
        A count or nobs that is no number (text, true/false, a date), named with its place.
    ValueError
        A count or nobs that is not a whole number (a rate or an average is not a count),
        counts above nobs or negative, fewer than one trial, or a pooled rate of exactly 0
        or 1 (no success or no failure anywhere: z would be 0/0).
    """
    alternative, confidence, names = _options(alternative, confidence, labels)
    need = (
        "the z-test needs two numbers, one per group (group a, group b): count, the "
        "successes, and nobs, the customers."
    )
    fix = ("Give whole numbers: count the successes and the customers of each group "
           "after dropping missing values.")
    counted = "the z-test needs the successes of each group as numbers."
    cnt = check_array(_as_numbers(count, "count", counted), name="count", ensure_2d=False,
                      why_empty=need, non_finite_fix=fix)
    trials = "the z-test needs the customers of each group as numbers."
    obs = check_array(_as_numbers(nobs, "nobs", trials), name="nobs", ensure_2d=False,
                      why_empty=need, non_finite_fix=fix)
    if cnt.shape != (2,) or obs.shape != (2,):
        raise ValueError(
            "count and nobs must each hold two numbers (group a, group b), got shapes "
            f"{cnt.shape} and {obs.shape}."
        )
    for values, name, what in ((cnt, "count", "successes (e.g. customers who converted)"),
                               (obs, "nobs", "customers")):
        if (values != np.floor(values)).any():
            i = int(np.argmax(values != np.floor(values)))
            raise ValueError(
                f"{name} of {_group_called(names[i])} is {values[i]:g}, but it counts "
                f"{what}, so it must be a whole number. Give the number of {what} in each "
                "group, not a rate, an average or a weighted figure."
            )
    shown = f"count={cnt.astype(np.int64).tolist()} and nobs={obs.astype(np.int64).tolist()}"
    if (obs < 1).any():
        raise ValueError(f"nobs must be at least 1 in each group, got {shown}.")
    if (cnt < 0).any() or (cnt > obs).any():
        raise ValueError(
            f"count must lie between 0 and nobs in each group, got {shown}; count is the "
            "number of successes among the nobs customers of the group."
        )
    rates = cnt / obs
    pooled = cnt.sum() / obs.sum()
    if pooled in (0.0, 1.0):
        what = "no successes" if pooled == 0.0 else "only successes"
        raise ValueError(
            f"both groups have {what} ({shown}), so the pooled variance is 0 and z is 0/0: "
            "the data carry no evidence either way. Collect more data before testing."
        )
    diff = float(rates[0] - rates[1])
    z = diff / math.sqrt(pooled * (1 - pooled) * (1 / obs[0] + 1 / obs[1]))
    from scipy.stats import norm
    p = _pvalue(z, norm, alternative)
    low, high = _score_interval(cnt, obs, z, p, alternative, confidence)
    summary = pd.DataFrame(
        {"n": obs.astype(np.int64), "count": cnt.astype(np.int64), "rate": rates,
         "std": np.sqrt(rates * (1 - rates))},
        index=pd.Index(names, name="group"),
    )
    return TestResult("two-proportion z-test", z, p, diff, low, high, summary)


def sample_size_proportions(
    p1: float, p2: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Customers needed per group to detect rates p1 vs p2 with a two-sided z-test.

    ``n = ((z_{1−α/2} sqrt(2 p̄ (1 − p̄)) + z_{power} sqrt(p1 (1 − p1) + p2 (1 − p2))) / (p1 − p2))²``
    rounded up, with p̄ = (p1 + p2)/2 (Fleiss: the variance under H0 is pooled, under H1
    not). Equal group sizes; the far tail's tiny contribution to the power is ignored.

    Examples
    --------
    >>> sample_size_proportions(0.10, 0.12)
    3841
    """
    for name, value in (("p1", p1), ("p2", p2), ("alpha", alpha), ("power", power)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise TypeError(f"{name} must be a number, got {value!r}.")
        if not 0.0 < value < 1.0 or not math.isfinite(value):
            raise ValueError(f"{name} must be a probability strictly between 0 and 1, got {value}.")
    if p1 == p2:
        raise ValueError(
            "p1 and p2 are equal: no sample size can detect a difference of 0; give the "
            "baseline rate and the smallest rate worth detecting."
        )
    p_bar = (p1 + p2) / 2
    from scipy.stats import norm
    z_a = norm.ppf(1 - alpha / 2)
    z_b = norm.ppf(power)
    root = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return math.ceil((root / (p1 - p2)) ** 2)


# --------------------------------------------------------------------------- t-tests


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    """Mean and sample variance ``s² = Σ(x_i − x̄)² / (n − 1)`` of a sample of n >= 1 values.

    A constant sample (``max == min``, an exact test) gets exactly ``(x_0, 0)``. numpy's
    own figures for it are not always exact: for ``np.full(154, 701/3)`` the computed mean
    is one rounding off 701/3, so ``var`` is 8.1e-28 instead of 0, and a test of "zero
    variance" on it would pass a t statistic of 10¹⁴ instead of refusing 0/0. A single
    value is constant too: its variance (ddof = 1) is returned as 0, not undefined; callers
    that show it check n first.
    """
    if x.max() == x.min():
        return float(x[0]), 0.0
    return float(x.mean()), float(x.var(ddof=1))


def _describe(groups: list[np.ndarray], names: list[Any]) -> pd.DataFrame:
    moments = [_mean_var(g) for g in groups]
    return pd.DataFrame(
        {
            "n": [g.shape[0] for g in groups],
            "mean": [mean for mean, _ in moments],
            "std": [math.sqrt(var) if g.shape[0] > 1 else np.nan
                    for g, (_, var) in zip(groups, moments, strict=True)],
            "median": [np.median(g) for g in groups],
        },
        index=pd.Index(names, name="group"),
    )


def ttest_ind(
    a: Any,
    b: Any,
    *,
    equal_var: bool = True,
    alternative: str = "two-sided",
    confidence: float = 0.95,
    labels: tuple[Any, Any] = ("a", "b"),
) -> TestResult:
    """Two-sample t-test for a difference of means: Student (pooled) or Welch.

    Parameters
    ----------
    a, b : array-like, 1-D
        The two samples, at least 2 values each, finite.
    equal_var : bool
        ``True``: Student's test with the pooled variance. ``False``: Welch's test, which
        does not assume equal variances (the safer default for campaign metrics).
    alternative : {"two-sided", "less", "greater"}
        H1: mean_a != mean_b, mean_a < mean_b or mean_a > mean_b.
    confidence : float
        Level of the interval for mean_a − mean_b.
    labels : pair
        Names of the groups in the summary, and in error messages when given.

    Returns
    -------
    TestResult
        ``statistic`` = t, ``effect`` = mean_a − mean_b with its t interval.

    Notes
    -----
    With sample variances s_a², s_b² (ddof = 1):

    * Student: ``s_p² = ((n_a−1)s_a² + (n_b−1)s_b²)/(n_a+n_b−2)``,
      ``se = s_p sqrt(1/n_a + 1/n_b)``, ``df = n_a + n_b − 2``.
    * Welch: ``se = sqrt(s_a²/n_a + s_b²/n_b)``, and Welch–Satterthwaite
      ``df = se⁴ / ((s_a²/n_a)²/(n_a−1) + (s_b²/n_b)²/(n_b−1))``.

    ``t = (mean_a − mean_b) / se`` against the t distribution with df degrees of freedom;
    the interval is ``effect ± t_{df, 1−α/2} se``.

    A group whose values are all equal (``max == min``) has variance exactly 0 and mean
    exactly its value, whatever rounding numpy's mean and variance would add (see
    :func:`_mean_var`); with one such group Welch's df is ``n − 1`` of the other, up to
    rounding (the formula's squares and quotients can leave e.g. 446.99999999999994).

    Raises
    ------
    TypeError
        A value that is no number (text, true/false, a date), named with its group and
        place.
    ValueError
        A group with fewer than 2 values, or both groups constant (zero variance, se = 0:
        t is 0/0 or infinite and the test is meaningless; the message gives both values).
    """
    alternative, confidence, names = _options(alternative, confidence, labels)
    why = "a t-test needs at least 2 values per group to estimate its variance."
    first, second = _called(names)
    x = _sample(a, first, 2, why, "a t-test needs numbers.")
    y = _sample(b, second, 2, why, "a t-test needs numbers.")
    n1, n2 = x.shape[0], y.shape[0]
    (m1, v1), (m2, v2) = _mean_var(x), _mean_var(y)
    diff = m1 - m2
    if v1 == 0.0 and v2 == 0.0:  # exact: _mean_var gives 0 for constant groups only
        raise ValueError(
            f"both groups have zero variance (every value of {first} is {x[0]:g}, every "
            f"value of {second} is {y[0]:g}), so the t statistic's standard error is 0 and t is "
            f"{'0/0' if diff == 0 else 'infinite'}. The difference of means is exactly "
            f"{diff:g}; a t-test cannot say more. Check that the metric varies."
        )
    if equal_var:
        df = n1 + n2 - 2
        pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df
        se = math.sqrt(pooled * (1.0 / n1 + 1.0 / n2))
        name = "Student t-test"
    else:
        vn1, vn2 = v1 / n1, v2 / n2
        df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
        se = math.sqrt(vn1 + vn2)
        name = "Welch t-test"
    t = diff / se
    from scipy.stats import t as t_dist
    dist = t_dist(df)
    low, high = _interval(diff, se, dist, alternative, confidence)
    return TestResult(name, t, _pvalue(t, dist, alternative), diff, float(low), float(high),
                      _describe([x, y], names))


# --------------------------------------------------------------------------- Mann–Whitney


def _midranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n with ties given their average rank, and the size of each distinct
    value's tie group in ascending order of the values (1 for a value that occurs once)."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
    sizes = np.diff(starts)
    ranks = np.empty(values.shape[0])
    ranks[order] = np.repeat(starts[:-1] + (sizes + 1) / 2.0, sizes)
    return ranks, sizes


def _tie_term(sizes: np.ndarray) -> float:
    """``Σ (t³ − t)`` over the sizes t of tie groups (0 without ties)."""
    return float(np.sum(sizes.astype(np.float64) ** 3 - sizes))


def _u_sigma(n1: int, n2: int, tie_term: float) -> float:
    """Standard deviation of U under H0, ``sqrt(n_a n_b/12 · ((n + 1) − T/(n (n − 1))))``
    with n = n_a + n_b >= 2 and ``T = Σ (t³ − t)`` over the tie groups (:func:`_tie_term`)."""
    n = n1 + n2
    return math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))


def _first_at_most(xs: np.ndarray, ys: np.ndarray, pivot: float, strict: bool) -> np.ndarray:
    """Per row i, the first j with ``xs[i] − ys[j] <= pivot`` (``<`` if strict).

    ``ys`` is sorted ascending, so each row's differences decrease with j and the wanted
    j's form a tail. A vectorised binary search over all rows at once compares the
    *computed* differences themselves, so counting and enumerating always agree.
    """
    n2 = ys.shape[0]
    lo = np.zeros(xs.shape[0], dtype=np.int64)
    hi = np.full(xs.shape[0], n2, dtype=np.int64)
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        d = xs - ys[np.minimum(mid, n2 - 1)]
        good = (d < pivot) if strict else (d <= pivot)
        hi = np.where(open_ & good, mid, hi)
        lo = np.where(open_ & ~good, mid + 1, lo)


def _kth_difference(xs: np.ndarray, ys: np.ndarray, k: int) -> float:
    """k-th smallest (1-based) of the n_a·n_b differences ``xs[i] − ys[j]``, never all formed.

    Quickselect over the implicit sorted matrix (rows i, columns j, ``ys`` ascending): keep
    for each row the still-possible column range ``[start_i, stop_i)``, pick a random
    active cell as pivot, count the differences ``<= pivot`` and ``< pivot`` row by row,
    and either return the pivot or drop every cell on the wrong side of it. When few cells
    remain they are listed and sorted. Memory O(n_a + n_b); a fixed seed keeps it
    deterministic.
    """
    n2 = ys.shape[0]
    start = np.zeros(xs.shape[0], dtype=np.int64)
    stop = np.full(xs.shape[0], n2, dtype=np.int64)
    rng = np.random.default_rng(0)
    limit = max(4096, xs.shape[0] + n2)
    while True:
        sizes = stop - start
        below = int(np.sum(n2 - stop))  # cells known to be smaller than the answer
        active = int(sizes.sum())
        if active <= limit:
            rows = np.repeat(np.arange(xs.shape[0]), sizes)
            cols = np.arange(active) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            cells = np.sort(xs[rows] - ys[start[rows] + cols])
            return float(cells[k - below - 1])
        r = int(rng.integers(active))
        ends = np.cumsum(sizes)  # active cells of rows 0..i: ends[i]
        row = int(np.searchsorted(ends, r, side="right"))
        col = int(start[row] + r - (ends[row] - sizes[row]))
        pivot = float(xs[row] - ys[col])
        first_le = _first_at_most(xs, ys, pivot, strict=False)
        first_lt = _first_at_most(xs, ys, pivot, strict=True)
        n_le = int(np.sum(n2 - first_le))
        n_lt = int(np.sum(n2 - first_lt))
        if n_lt < k <= n_le:
            return pivot
        if n_le < k:  # the answer is above the pivot: drop every cell <= pivot
            stop = np.maximum(np.minimum(stop, first_le), start)
        else:  # the answer is below the pivot: drop every cell >= pivot
            start = np.minimum(np.maximum(start, first_lt), stop)


def hodges_lehmann(a: np.ndarray, b: np.ndarray, alternative: str = "two-sided",
                   confidence: float = 0.95) -> tuple[float, float, float]:
    """Hodges–Lehmann shift of a over b and the shifts the Mann–Whitney test does not reject.

    The estimate is the median of the N = n_a·n_b differences ``D = a_i − b_j`` (the
    average of the two middle ones when N is even); ``D_(1) <= ... <= D_(N)`` are the
    differences sorted.

    The interval inverts :func:`mannwhitneyu` itself (normal approximation with the tie
    and continuity corrections, as ``scipy.stats.mannwhitneyu(a - d, b,
    method="asymptotic")``): it holds the shifts d for which a − d against b is not
    rejected at level α = 1 − confidence (p >= α). For d strictly between two
    consecutive differences, ``D_(k) < d < D_(k+1)``, exactly k differences lie below d,
    so ``U_a = N − k`` and ``U_b = k``; no value of a − d equals one of b, so the ties
    are those within a and within b, whatever d, and the test's σ is the same for every
    such d:

        σ² = N/12 · ((n + 1) − (T_a + T_b) / (n (n − 1))),   T = Σ (t³ − t),

    with n = n_a + n_b and t running over the sizes of the tie groups within a (T_a) and
    within b (T_b) (without ties, ``σ² = N (n + 1)/12``). With z the normal quantile
    ``z_{1−α/2}`` (two-sided) or ``z_{1−α}`` (one-sided), d is not rejected when

    * "greater" (U = U_a): ``N − k − N/2 − 1/2 <= z σ``, i.e. ``k >= N/2 − 1/2 − z σ``;
    * "less" (U = U_b): ``k − N/2 − 1/2 <= z σ``, i.e. ``k <= N − (N/2 − 1/2 − z σ)``;
    * "two-sided" (U = max(U_a, U_b)): both.

    So with ``K = ceil(N/2 − 1/2 − z σ)`` the shifts not rejected run from ``D_(K)`` to
    ``D_(N+1−K)`` (two-sided), ``[D_(K), ∞)`` ("greater") or ``(−∞, D_(N+1−K)]``
    ("less"). K is ``N/2 − z σ`` rounded to the nearest integer, Hollander & Wolfe's
    C_α; the ``floor(N/2 − z σ)`` of Lehmann's formula without the continuity correction
    is one smaller about half the time, an interval wider than the test. If K < 1 even
    the most extreme shifts are not rejected: the samples are too small for that level
    and the bound is infinite.

    Every shift that is not itself a difference is thus judged exactly as the test judges
    it. A shift d that is one of the differences, an end among them, is another matter:
    there some values of a − d equal some of b, and those ties change U and σ. That
    matters at d = 0 when a and b share values (whole numbers, prices, the 0 of every
    customer who did not buy): the test of the data themselves is the test at d = 0, and
    it can reject 0 where the shifts on either side are not rejected, or the reverse.
    :func:`mannwhitneyu` compares the two and says what the interval means at 0.

    Raises
    ------
    ValueError
        If K > N: a one-sided confidence so low (below 1/2) that every shift is rejected.
    """
    xs, ys = np.sort(a), np.sort(b)
    total = xs.shape[0] * ys.shape[0]
    mid_lo = _kth_difference(xs, ys, (total + 1) // 2)
    mid_hi = mid_lo if total % 2 else _kth_difference(xs, ys, total // 2 + 1)
    shift = (mid_lo + mid_hi) / 2
    level = 0.5 + confidence / 2 if alternative == "two-sided" else confidence
    within = _tie_term(np.unique(xs, return_counts=True)[1]) + _tie_term(
        np.unique(ys, return_counts=True)[1])
    sigma = _u_sigma(xs.shape[0], ys.shape[0], within)
    from scipy.stats import norm
    k = math.ceil(total / 2 - 0.5 - norm.ppf(level) * sigma)
    if k > total:  # only reachable one-sided with confidence < 1/2
        raise ValueError(
            f"at confidence={confidence:g} the one-sided Mann-Whitney test rejects every "
            "shift, so there is no confidence bound; ask for a higher confidence such as "
            "0.95."
        )
    low, high = -np.inf, np.inf
    if k >= 1:
        if alternative != "less":
            low = _kth_difference(xs, ys, k)
        if alternative != "greater":
            high = _kth_difference(xs, ys, total + 1 - k)
    return shift, float(low), float(high)


def _many_ties(x: np.ndarray, y: np.ndarray, gap: float, first: str, second: str) -> str:
    """The pairs (x_i, y_j) whose difference ``x_i − y_j`` is exactly ``gap``, in words: for
    ``gap == 0`` the share of pairs of equal values and the value most of them share, e.g.
    ``group 'A' and group 'B' share values: in 87% of the pairs of one value of each the
    two are equal (most often both 0)``."""
    xs, ys = np.sort(x), np.sort(y)
    exact = np.sum(_first_at_most(xs, ys, gap, strict=True)
                   - _first_at_most(xs, ys, gap, strict=False))
    share = float(exact) / (xs.shape[0] * ys.shape[0])
    if gap != 0.0:
        return (f"a value of {first} minus one of {second} is exactly {gap:g} in {share:.0%} "
                "of the pairs of one value of each")
    (va, ca), (vb, cb) = (np.unique(v, return_counts=True) for v in (xs, ys))
    shared, ia, ib = np.intersect1d(va, vb, assume_unique=True, return_indices=True)
    most = (f" (most often both {float(shared[np.argmax(ca[ia] * cb[ib])]):g})"
            if shared.size else "")
    return (f"{first} and {second} share values: in {share:.0%} of the pairs of one value "
            f"of each the two are equal{most}")


def mannwhitneyu(
    a: Any,
    b: Any,
    *,
    alternative: str = "two-sided",
    confidence: float = 0.95,
    labels: tuple[Any, Any] = ("a", "b"),
) -> TestResult:
    """Mann–Whitney U test (Wilcoxon rank-sum), normal approximation, as scipy's "asymptotic".

    Parameters
    ----------
    a, b : array-like, 1-D
        The two samples (at least one value each). No normality assumed: well suited to
        skewed amounts such as order values.
    alternative : {"two-sided", "less", "greater"}
        H1: a's values tend to be different from / smaller than / larger than b's.
    confidence : float
        Level of the interval for the shift.
    labels : pair
        Names of the groups in the summary, and in error messages when given.

    Returns
    -------
    TestResult
        ``statistic`` = U of group a, ``effect`` = the Hodges–Lehmann shift (median of all
        differences a_i − b_j) with the shifts this test does not reject at level
        1 − confidence as its interval (see :func:`hodges_lehmann`). When ties make that
        interval contradict the test (below), effect and interval are NaN and a
        ``RuntimeWarning`` says why; when an end at 0 is open, a ``RuntimeWarning`` says
        that too.

    Notes
    -----
    Rank all n = n_a + n_b values together (ties get their average rank); with R_a the
    rank sum of a, ``U_a = R_a − n_a (n_a + 1)/2``. Under H0, U has mean ``n_a n_b / 2`` and
    variance ``n_a n_b / 12 · ((n + 1) − Σ(t³ − t) / (n (n − 1)))`` where t runs over the tie
    group sizes. The test uses ``z = (U − n_a n_b/2 − 0.5) / σ`` with the continuity
    correction 0.5, where U is U_a ("greater"), U_b ("less") or max(U_a, U_b) with the
    p-value doubled ("two-sided"), exactly as ``scipy.stats.mannwhitneyu(...,
    method="asymptotic")``.

    What the test is about is the probability of superiority
    ``θ = P(a > b) + ½ P(a = b)``, estimated by ``U_a / (n_a n_b)``: the share of all
    pairs (one value of a, one of b) in which a's is higher, ties counting half. H0 puts
    it at ½. A shift describes the difference only when the groups differ by a shift;
    with many ties they may not (the treatment converts more customers, its zeros stay
    zeros).

    The interval judges every shift that is not itself one of the differences a_i − b_j
    exactly as this test does (:func:`hodges_lehmann`). The p-value is the test at a shift
    of 0, and when a and b share values (whole-number counts, prices, the 0 of everyone
    who did not buy) 0 is one of the differences: the pairs that tie at 0 change the test
    there. So, with α = 1 − confidence, the interval and p are read together:

    * 0 strictly inside the interval with p >= α, or strictly outside with p < α: they
      agree, as they always do for continuous data.
    * 0 an end of the interval, e.g. [0, 4] for order counts: the shifts next to 0 inside
      it are not rejected, and 0 itself is what p says. With p >= α that end is closed;
      with p < α it is **open**, the interval holding the shifts just above 0 (or below,
      for an upper end) but not 0, and a ``RuntimeWarning`` says so: [0, 4] beside
      p = 5e-5 reads 0 < shift <= 4. The shift itself may be 0 then, when most pairs tie.
    * 0 strictly inside with p < α, or strictly outside with p >= α, or an interval that
      is a single point [c, c] (its middle differences all exactly c, so it holds no
      shift that is not c, and at c the ties decide, a test not made here): no single
      shift describes the difference. Then no shift and no interval are given (NaN), and
      the ``RuntimeWarning`` gives how many pairs tie and θ instead, e.g. "group 'A' and
      group 'B' share many values: in 87% of the pairs of one value of each the two are
      equal (most often both 0), ... a value of group 'A' is higher than one of group 'B'
      in 51.2% of the pairs". Two constant groups are the exception: every difference is
      the same c, and the shift is exactly c.

    The output never shows an interval that contradicts its p-value.

    If every value is tied (one tie group, so σ = 0: decided exactly, not by comparing a
    computed σ with 0) there is no evidence of a difference: p = 1, as scipy gives, and a
    ``RuntimeWarning`` says why.

    Raises
    ------
    TypeError
        A value that is no number (text, true/false, a date), named with its group and
        place.
    ValueError
        An empty group, a missing or infinite value, an unknown alternative, or a one-sided
        confidence so low that every shift is rejected (:func:`hodges_lehmann`).
    """
    alternative, confidence, names = _options(alternative, confidence, labels)
    why = "the Mann-Whitney test needs at least one value per group."
    first, second = _called(names)
    x = _sample(a, first, 1, why, "the Mann-Whitney test needs numbers.")
    y = _sample(b, second, 1, why, "the Mann-Whitney test needs numbers.")
    n1, n2 = x.shape[0], y.shape[0]
    ranks, ties = _midranks(np.concatenate([x, y]))
    u1 = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    u2 = n1 * n2 - u1
    u, factor = {"greater": (u1, 1), "less": (u2, 1)}.get(alternative, (max(u1, u2), 2))
    if ties.shape[0] == 1:  # one tie group: every value equal, σ = 0 exactly
        warnings.warn(
            "Every value is tied, so the ranks carry no information; "
            "p = 1 (no evidence of a difference).",
            RuntimeWarning,
            stacklevel=2,
        )
        p = 1.0
    else:
        # with two tie groups or more the bracket of _u_sigma is at least 3 (one split
        # t | n − t gives 3 t (n − t)/(n − 1)), so rounding cannot make it 0 or negative;
        # computed for a single group it can (n³ − n is inexact in float64 past n ≈ 2·10⁵)
        sigma = _u_sigma(n1, n2, _tie_term(ties))
        z = (u - n1 * n2 / 2 - 0.5) / sigma
        from scipy.stats import norm
        p = float(min(1.0, max(0.0, factor * norm.sf(z))))
    shift, low, high = hodges_lehmann(x, y, alternative, confidence)
    rejected = p < 1 - confidence
    point = low == high and not (x.min() == x.max() and y.min() == y.max())
    if point or (low < 0.0 < high and rejected) or ((low > 0.0 or high < 0.0) and not rejected):
        warnings.warn(
            "No shift and no interval for it are given: "
            f"{_many_ties(x, y, low if point else 0.0, first, second)}, so no single shift "
            f"describes the difference between {first} and {second}. The test compares "
            f"ranks: a value of {first} is higher than one of {second} in "
            f"{u1 / (n1 * n2):.1%} of the pairs, ties counting half (50% would be no "
            "difference).",
            RuntimeWarning,
            stacklevel=2,
        )
        shift = low = high = math.nan
    elif rejected and 0.0 in (low, high):
        end, side = ("lower", "above") if low == 0.0 else ("upper", "below")
        what = ("end and the shift (the median of the differences) fall" if shift == 0.0
                else "end falls")
        warnings.warn(
            f"The interval's {end} end, 0, is open: it holds the shifts just {side} 0 but "
            f"not 0 itself, which the test rejects (p < {1 - confidence:.3g}). The {what} "
            f"on 0 because {_many_ties(x, y, 0.0, first, second)}.",
            RuntimeWarning,
            stacklevel=2,
        )
    return TestResult("Mann-Whitney U", u1, p, shift, low, high, _describe([x, y], names))
