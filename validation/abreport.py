"""One tidy table for a campaign test: the right test for every metric, treatment vs control.

Campaign analyses often run their tests one by one (z-test for conversion, Mann–Whitney for
order value, Student and Welch t for sales and NPS). :func:`ab_report` does the same for any
number of metrics and groups, choosing the test from the kind of metric:

* **binary** metric (values 0/1 or booleans: converted, repurchased) → two-proportion
  z-test on the rates;
* **continuous** metric (amounts, scores) → Welch t-test on the means *and* Mann–Whitney U
  (robust to the skewed, heavy-tailed amounts campaigns produce).

The kind is read from the values unless given: ``{"revenue": "continuous"}`` keeps a
revenue column that happens to hold only 0 and 1 from being tested as a conversion rate.
Values that never vary (revenue 0 for every customer) show no kind ("constant") and
nothing to compare, and the report says so instead of running a test.

Each treatment group is compared with the control group; the effect is always
treatment − control.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kmeans_np.checks import check_columns, check_dataframe, shown_label
from validation.abtest import (
    TestResult,
    _as_numbers,
    _group_called,
    _mean_var,
    mannwhitneyu,
    proportions_ztest,
    ttest_ind,
)
from validation.anova import significance_stars

__all__ = ["REPORT_COLUMNS", "ab_report", "metric_kind"]

REPORT_COLUMNS = [
    "metric", "kind", "test", "treatment", "control", "n_treatment", "n_control",
    "value_treatment", "value_control", "effect", "ci_low", "ci_high", "statistic", "pvalue",
    "significance", "note",
]

_KINDS = ("binary", "continuous")

#: what an arm must be called to be taken for the control when ``control`` is not given:
#: compared without case, "_" and "-" read as spaces; the numbers 0 and False count too,
#: and "no" beside an arm called "yes" (:func:`_named_like_control`)
_CONTROL_NAMES = frozenset({
    "control", "control group", "ctrl", "holdout", "hold out", "holdout group",
    "untreated", "not treated", "no treatment", "baseline", "no campaign", "none",
    "0", "false",
})


#: what a metric must hold, ending the message about a value that is no number
_METRIC_NEED = "must be numbers (0/1 for a yes/no metric)."


def metric_kind(values: pd.Series) -> str:
    """What the values say the metric is: ``"binary"`` (yes/no), ``"continuous"`` (an
    amount or a score) or ``"constant"`` (no way to tell, nothing to compare).

    Missing values are left out. Booleans are binary, whether the column is of a boolean
    type or of Python objects True/False (what ``read_csv`` gives for such a column with
    blanks). Numbers that are all the same (a revenue column that is 0 for everyone, a
    conversion column in which nobody converted) are ``"constant"``: one value cannot
    show whether it is a rate or an amount. Otherwise values all in {0, 1} are binary,
    and anything else is continuous. A revenue column that holds only 0 and 1 reads as
    binary: declare its kind in :func:`ab_report` (``{"revenue": "continuous"}``).

    Raises ``TypeError`` naming the first value that is no number (text, a date, ...).
    """
    if not _holds_booleans(values):
        _as_numbers(values, f"metric {values.name!r}", f"a metric {_METRIC_NEED}")
    return _kind(values)


def _holds_booleans(values: pd.Series) -> bool:
    """Whether a column is a yes/no one: booleans (``bool`` or pandas' nullable
    ``boolean``), or Python objects that are all True/False or missing, as ``read_csv``
    gives for a column of True/False with blanks; at least one value present."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    present = values.dropna()
    return (values.dtype == object and len(present) > 0
            and all(isinstance(v, (bool, np.bool_)) for v in present))


def _kind(values: pd.Series) -> str:
    """:func:`metric_kind` of a column already checked."""
    if _holds_booleans(values):
        return "binary"
    v = values.dropna().astype(np.float64)
    if len(v) and np.isfinite(v.iloc[0]) and (v == v.iloc[0]).all():
        return "constant"
    return "binary" if len(v) and v.isin([0, 1]).all() else "continuous"


#: the tests each kind of metric gets, as the report's ``test`` column names them
_TESTS = {
    "binary": ("two-proportion z-test",),
    "continuous": ("Welch t-test", "Mann-Whitney U"),
    "constant": ("no test",),
}


def _nothing_to_compare(metric: Hashable, trt: pd.Series, ctrl: pd.Series,
                        names: tuple[str, str]) -> tuple[str, tuple[float, float]] | None:
    """When there is nothing to compare, the note that says why and each arm's own rate or
    mean (NaN for an arm without values); ``None`` when there is something to compare.

    Nothing to compare: an arm whose values are all missing (the note names it), or two
    arms that together hold one value only (e.g. revenue 0 for everyone).
    """
    empty = [name for name, arm in zip(names, (trt, ctrl), strict=True) if not len(arm)]
    if empty:
        note = (f"neither {names[0]} nor {names[1]} has a value of {metric!r}: nothing to "
                "compare." if len(empty) == 2 else f"{empty[0]} has no value of {metric!r} "
                "(every one is missing): nothing to compare.")
        with np.errstate(invalid="ignore"):  # an infinite value: its variance is NaN
            means = tuple(_mean_var(arm.to_numpy())[0] if len(arm) else np.nan
                          for arm in (trt, ctrl))
        return note, means
    both = np.concatenate([trt.to_numpy(), ctrl.to_numpy()])
    if both.min() != both.max() or not np.isfinite(both[0]):
        return None
    arms = f"{names[0]} and {names[1]}"
    if both[0] == 0:
        return (f"no group has any {metric!r} (every value in {arms} is 0): nothing to "
                "compare."), (0.0, 0.0)
    return (f"every value of {metric!r} in {arms} is {both[0]:g}: nothing to compare.",
            (float(both[0]), float(both[0])))


def _row(metric: Hashable, kind: str, treat: Hashable, ctrl: Hashable, res: TestResult | None,
         test: str, note: str, n: tuple[int, int],
         values: tuple[float, float] = (np.nan, np.nan)) -> dict[str, Any]:
    """One row of the report; without a result (``res=None``) its figures are NaN but
    ``values``, the rate or mean of each arm when it is known without a test."""
    base = {"metric": metric, "kind": kind, "treatment": treat, "control": ctrl,
            "n_treatment": n[0], "n_control": n[1], "note": note}
    if res is None:
        return {**base, "test": test, "value_treatment": values[0],
                "value_control": values[1], "effect": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "statistic": np.nan, "pvalue": np.nan,
                "significance": "n/a"}
    value_col = "rate" if "rate" in res.summary else "mean"
    return {**base, "test": res.test, "value_treatment": res.summary[value_col].iloc[0],
            "value_control": res.summary[value_col].iloc[1], "effect": res.effect,
            "ci_low": res.ci_low, "ci_high": res.ci_high, "statistic": res.statistic,
            "pvalue": res.pvalue, "significance": significance_stars(res.pvalue)}


def _arm_values(column: pd.Series, arm: Hashable, yes_no: bool) -> pd.Series:
    """The non-missing values of one arm as floats, under the DataFrame's row labels (so a
    test's message names the row, e.g. an infinite value ``in row 9``); ``TypeError``
    naming the arm and the row of a value that is no number. A yes/no column
    (``yes_no``, :func:`_holds_booleans` of the whole column) is compared as 0/1."""
    if yes_no:
        return column.dropna().astype(bool).astype(np.float64)
    numbers = _as_numbers(column, _group_called(arm), f"{column.name!r} {_METRIC_NEED}")
    return numbers.dropna().astype(np.float64)


def _plain_name(arm: Any) -> str | None:
    """An arm's name as :data:`_CONTROL_NAMES` spells it (no case, "_" and "-" as spaces,
    one space between words); ``None`` for an arm that is no text."""
    if not isinstance(arm, str):
        return None
    return " ".join(arm.replace("_", " ").replace("-", " ").split()).casefold()


def _named_like_control(arm: Any, arms: list[Any]) -> bool:
    """Whether an arm's name says it is the control among ``arms`` (``"Control"``,
    ``"Untreated"``, ``"no_campaign"``, ``0``, ``False``, ...). ``"No"`` says so only
    beside ``"Yes"``: next to "Email" or "SMS" it may be any arm."""
    if isinstance(arm, (bool, np.bool_)):
        return not arm
    if isinstance(arm, numbers.Real):
        return arm == 0
    name = _plain_name(arm)
    if name == "no":
        return any(_plain_name(other) == "yes" for other in arms)
    return name in _CONTROL_NAMES


def _control_arm(arms: list[Any], group_col: Hashable) -> Any:
    """The one arm named like a control (:func:`_named_like_control`), else ``ValueError``
    in one line: which arms there are and that ``control=`` must say which one it is.

    Sorting the arms and taking the first, as ab_report once did, made "Treated" the
    control of "Treated" / "Untreated" and flipped the sign of every effect; a guess is
    made only where the name leaves no doubt.
    """
    named = [arm for arm in arms if _named_like_control(arm, arms)]
    if len(named) == 1:
        return named[0]
    listed = ", ".join(shown_label(arm) for arm in arms)
    why = ("none is named like a control" if not named else
           f"{', '.join(shown_label(arm) for arm in named)} are all named like a control")
    raise ValueError(
        f"which arm of {group_col!r} is the control? Its arms are {listed} and {why}; pass "
        "control= with the arm that did not get the campaign."
    )


def _run(test: Any, *args: Any, **kwargs: Any) -> tuple[TestResult | None, str]:
    """Run one test; a degenerate case becomes a note instead of an exception."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = test(*args, **kwargs)
        except ValueError as exc:
            return None, str(exc)
    return res, "; ".join(str(w.message) for w in caught)


def ab_report(
    df: pd.DataFrame,
    group_col: Hashable,
    metrics: Sequence[Hashable] | Mapping[Hashable, str] | Hashable,
    *,
    control: Hashable | None = None,
) -> pd.DataFrame:
    """Test every metric of a campaign experiment, treatment(s) against control.

    Parameters
    ----------
    df : DataFrame
        One row per customer in the test, e.g. columns ``Treatment, Conversion,
        Order_Value``. Never modified.
    group_col : column name
        The arm of each customer (``"Yes"`` / ``"No"``, ``"Voucher"`` / ``"Control"``, ...).
    metrics : column name, list of names, or dict name → ``"binary"`` / ``"continuous"``
        What to compare. The kind is read from the values (:func:`metric_kind`: binary =
        values in {0, 1}) unless given: give ``"continuous"`` for an amount such as
        revenue, which may hold only 0 and 1 in a small test. A pair of arms whose values
        are all one value (revenue 0 for every customer) gets rows without a test and the
        note "no group has any 'revenue' ...: nothing to compare."; so does an arm whose
        values are all missing, with the note "group 'Voucher' has no value of 'revenue'
        ...", its value NaN and the other arm's its own.
    control : value of ``group_col``, optional
        The reference arm, the one that did not get the campaign: every effect is
        treatment − control, so naming the wrong arm flips its sign. When not given, the
        arm named like a control is taken if exactly one is: "control", "holdout",
        "untreated", "not treated", "baseline", "no campaign", "no treatment", "none",
        "no" (beside "yes"), "ctrl" (any case, "_" or "-" for spaces), or the value 0 or
        False. Otherwise (e.g. "Customized" / "General", "A" / "B") ``ValueError`` asks
        for it. The ``control`` column of every row names it.

    Returns
    -------
    DataFrame
        One row per metric, treatment arm and test (``"no test"`` for a metric whose values
        never vary, kind ``"constant"``), columns ``metric, kind, test,
        treatment, control, n_treatment, n_control, value_treatment, value_control`` (rate
        or mean), ``effect`` (treatment − control: difference of rates or means, or the
        Hodges–Lehmann shift; NaN, with the reason in ``note``, where many ties leave no
        single shift), ``ci_low, ci_high`` (95 %; each excludes 0 exactly when p < 0.05,
        except that a Mann–Whitney end at exactly 0, where values tie, is open when
        p < 0.05: the note says so, and [0, 4] then reads 0 < shift <= 4),
        ``statistic, pvalue, significance`` (``***`` p < 0.001, ``**`` < 0.01, ``*`` <
        0.05, else ``ns``) and ``note``. Missing metric values are dropped per metric (the
        n columns show what was used). A degenerate comparison (e.g. no conversions in
        either arm) gets NaNs and the reason in ``note`` instead of failing the whole
        report.

    Raises
    ------
    TypeError
        A metric value that is no number (text, a date), named with its arm and row.
    ValueError
        No metric, a missing column, an unknown kind, a row without an arm, fewer than
        two arms, no ``control`` given where no single arm is named like one, or a binary
        metric with values other than 0/1.
    """
    check_dataframe(df, "df")
    if isinstance(metrics, Mapping):
        kinds = dict(metrics)
    elif isinstance(metrics, (str, int)) or not isinstance(metrics, Sequence):
        kinds = {metrics: None}
    else:
        kinds = dict.fromkeys(metrics)
    if not kinds:
        raise ValueError("metrics is empty; name at least one column to test.")
    check_columns(df, [group_col, *kinds], what="df")
    for name, kind in kinds.items():
        if kind is not None and kind not in _KINDS:
            raise ValueError(f"kind of metric {name!r} must be one of {_KINDS}, got {kind!r}.")
    groups = df[group_col]
    if groups.isna().any():
        raise ValueError(f"column {group_col!r} has missing values; every row needs an arm.")
    arms = sorted(groups.unique(), key=str)
    listed = ", ".join(shown_label(arm) for arm in arms)
    if len(arms) < 2:
        raise ValueError(f"column {group_col!r} holds only {listed}; an A/B test needs two "
                         "arms.")
    in_arm = {arm: (groups == arm).to_numpy() for arm in arms}
    # every value checked first: a value that is no number, named with its arm and row
    yes_no = {metric: _holds_booleans(df[metric]) for metric in kinds}
    values = {metric: {arm: _arm_values(df[metric][in_arm[arm]], arm, yes_no[metric])
                       for arm in arms} for metric in kinds}
    if control is None:
        control = _control_arm(arms, group_col)
    elif control not in arms:
        raise ValueError(f"control={control!r} is not an arm of {group_col!r}; arms: "
                         f"{listed}.")
    rows = []
    for metric, given in kinds.items():
        kind = given or _kind(df[metric])
        ctrl = values[metric][control]
        for treat in (a for a in arms if a != control):
            trt = values[metric][treat]
            n = (len(trt), len(ctrl))
            labels = (treat, control)
            if kind == "binary" and not (np.isin(trt, (0, 1)).all()
                                         and np.isin(ctrl, (0, 1)).all()):
                raise ValueError(f"binary metric {metric!r} has values other than 0/1.")
            names = (_group_called(treat), _group_called(control))
            nothing = _nothing_to_compare(metric, trt, ctrl, names)
            if nothing is not None:  # always so for a constant metric
                note, means = nothing
                rows.extend(_row(metric, kind, treat, control, None, test, note, n, means)
                            for test in _TESTS[kind])
                continue
            if kind == "binary":
                res, note = _run(proportions_ztest, [trt.sum(), ctrl.sum()], list(n),
                                 labels=labels)
                rows.append(_row(metric, kind, treat, control, res, "two-proportion z-test",
                                 note, n))
                continue
            for test, name, kwargs in ((ttest_ind, "Welch t-test", {"equal_var": False}),
                                       (mannwhitneyu, "Mann-Whitney U", {})):
                res, note = _run(test, trt, ctrl, labels=labels, **kwargs)
                rows.append(_row(metric, kind, treat, control, res, name, note, n))
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)
