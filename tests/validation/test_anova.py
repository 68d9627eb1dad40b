"""f_oneway and anova_table against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from _validation_cases import CASE, case_clusters

from validation import anova_table, f_oneway

# ---------------------------------------------------------------- f_oneway / anova_table


@pytest.mark.parametrize("sizes", [(5, 5, 5), (3, 17, 8, 2), (2, 1000), (40, 41)])
def test_f_oneway_matches_scipy(sizes) -> None:
    rng = np.random.default_rng(sum(sizes))
    groups = [rng.normal(loc=0.3 * j, size=s) for j, s in enumerate(sizes)]
    ours = f_oneway(*groups)
    ref = scipy.stats.f_oneway(*groups)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)
    assert (ours.df_between, ours.df_within) == (len(sizes) - 1, sum(sizes) - len(sizes))
    # eta² from its definition, computed independently: 1 - SS_within / SS_total
    allv = np.concatenate(groups)
    ss_w = sum(((g - g.mean()) ** 2).sum() for g in groups)
    assert ours.eta_squared == pytest.approx(1 - ss_w / ((allv - allv.mean()) ** 2).sum(),
                                             rel=1e-12)


def test_f_test_p_value_is_scipys_f_distribution_tail_exactly() -> None:
    """The p-value comes from scipy.special.fdtrc, the function scipy.stats.f.sf calls:
    the same bits over statistics and degrees of freedom far apart."""
    from validation._anova_core import f_test

    for df_b, df_w in [(1, 2), (3, 40), (9, 19_990), (2, 10_000_000)]:
        n_groups, n_total = df_b + 1, df_w + df_b + 1
        for statistic in (1e-6, 0.5, 1.0, 3.7, 42.0, 1e4):
            ss_within = float(df_w)  # mean square within = 1, so F = ss_between / df_b
            got = f_test(statistic * df_b, ss_within, n_total, n_groups)
            assert got.pvalue == scipy.stats.f.sf(got.statistic, df_b, df_w)


def test_f_oneway_textbook_numbers() -> None:
    # [1,2,3] vs [4,5,6]: SSB = 13.5, SSW = 4 -> F = 13.5 / (4/4) = 13.5, eta² = 13.5/17.5
    r = f_oneway([1, 2, 3], [4, 5, 6])
    assert r.statistic == pytest.approx(13.5, rel=1e-14)
    assert r.eta_squared == pytest.approx(13.5 / 17.5, rel=1e-14)
    assert r.pvalue == pytest.approx(scipy.stats.f.sf(13.5, 1, 4), rel=1e-14)


def test_f_oneway_edge_cases() -> None:
    with pytest.raises(ValueError, match="at least 2 groups"):
        f_oneway([1, 2, 3])
    with pytest.raises(ValueError, match="identical"):
        f_oneway([2, 2], [2, 2, 2])
    with pytest.raises(ValueError, match="more values"):
        f_oneway([1], [2])
    with pytest.raises(ValueError, match="empty"):
        f_oneway([1, 2], [])
    with pytest.raises(ValueError, match="NaN"):
        f_oneway([1, np.nan], [2, 3])
    with pytest.warns(RuntimeWarning, match="constant"):
        r = f_oneway([1, 1], [2, 2])
    assert r.statistic == np.inf and r.pvalue == 0.0 and r.eta_squared == 1.0


def test_anova_table_on_seed_002_case_matches_scipy() -> None:
    _, labels, _ = case_clusters()
    df = CASE.assign(cluster=labels)
    before = df.copy()
    table = anova_table(df, ["recency_days", "frequency", "monetary"], "cluster")
    pd.testing.assert_frame_equal(df, before)
    assert list(table.columns) == ["F", "p_value", "eta_squared", "df_between", "df_within",
                                   "significance"]
    for feat in CASE.columns:
        ref = scipy.stats.f_oneway(*[CASE[feat][labels == c] for c in range(4)])
        assert table.loc[feat, "F"] == pytest.approx(ref.statistic, rel=1e-12)
        assert table.loc[feat, "p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
        p = ref.pvalue
        expected = "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "ns"
        assert table.loc[feat, "significance"] == expected
    # `by` may also be an array of labels; a single column name works too
    one = anova_table(CASE, "frequency", labels)
    assert one.index.tolist() == ["frequency"]
    assert one.loc["frequency", "F"] == table.loc["frequency", "F"]
    # a Series is aligned on the index, not taken by position
    indexed = CASE.set_axis([f"C{i:03d}" for i in range(1, 21)])
    shuffled = pd.Series(labels, index=indexed.index).iloc[::-1]
    aligned = anova_table(indexed, ["frequency"], shuffled)
    assert aligned.loc["frequency", "F"] == table.loc["frequency", "F"]
    with pytest.raises(ValueError, match="index does not match"):
        anova_table(indexed, ["frequency"], pd.Series(labels))
    with pytest.raises(ValueError, match="neither a column"):
        anova_table(indexed, ["frequency"], "cluster")


def test_anova_table_constant_feature_and_errors() -> None:
    df = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "const": 7.0, "g": [0, 0, 0, 1, 1, 1]})
    t = anova_table(df, ["x", "const"], "g")
    assert t.loc["const", "significance"] == "constant" and np.isnan(t.loc["const", "F"])
    assert t.loc["x", "F"] == pytest.approx(scipy.stats.f_oneway([1, 2, 3], [4, 5, 6]).statistic)
    with pytest.raises(ValueError, match="missing column"):
        anova_table(df, ["nope"], "g")
    with pytest.raises(ValueError, match="3 values but X has 6"):
        anova_table(df, ["x"], [0, 1, 0])
    with pytest.raises(TypeError, match="DataFrame"):
        anova_table(df.to_numpy(), ["x"], "g")


@pytest.mark.parametrize("value", [19.99, 0.1, 1299.99, 7.0])
def test_a_constant_feature_whose_means_are_an_ulp_apart_is_constant(value) -> None:
    """300 equal prices in three groups: 19.99 added 100 times and divided by 100 need not
    give 19.99 back, and F of that rounding read 148 (η² 0.5, "large") in a report whose
    every customer had spent the same. It is constant, in memory and on Dask."""
    import dask.dataframe as dd

    df = pd.DataFrame({"spend": np.full(300, value), "x": np.arange(300.0),
                       "g": np.repeat([0, 1, 2], 100)})  # fmt: skip
    means = df.groupby("g")["spend"].mean()
    assert value != 7.0 or (means == value).all()  # 7.0: the exact control
    for table in (anova_table(df, ["spend", "x"], "g"),
                  anova_table(dd.from_pandas(df, npartitions=3), ["spend", "x"], "g")):
        assert table.loc["spend", "significance"] == "constant", table
        assert np.isnan(table.loc["spend", "F"]) and np.isnan(table.loc["spend", "eta_squared"])
        assert table.loc["x", "significance"] == "***"  # a varying feature still tests


def test_a_missing_boolean_is_refused_as_missing_in_memory_and_on_dask() -> None:
    """A nullable boolean column with a missing value was a TypeError ("non-numeric
    values") in memory while Dask refused it as missing: both are now the ValueError
    about a missing value."""
    dd = pytest.importorskip("dask.dataframe")
    df = pd.DataFrame({
        "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "b": pd.array([True, pd.NA, False, True, False, True], dtype="boolean"),
        "g": [0, 0, 0, 1, 1, 1],
    })
    with pytest.raises(ValueError, match=r"^column 'b' contains 1 non-finite value\(s\) "
                                         r"\(first: NaN at index 1\)"):
        anova_table(df, ["x", "b"], "g")
    with pytest.raises(ValueError, match=r"^df contains 1 non-finite value\(s\) .*NaN in "
                                         "partition 0, at row 1"):
        anova_table(dd.from_pandas(df, npartitions=2), ["x", "b"], "g")
    # without the missing value, the booleans are the numbers 0/1 (scipy on those)
    df.loc[1, "b"] = True
    row = anova_table(df, ["b"], "g").loc["b"]
    ref = scipy.stats.f_oneway([1.0, 1.0, 0.0], [1.0, 0.0, 1.0])
    assert row["F"] == pytest.approx(ref.statistic, rel=1e-12)
