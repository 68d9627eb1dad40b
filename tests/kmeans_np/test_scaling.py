"""MinMaxScaler / StandardScaler against scikit-learn's, plus round trips and bad input."""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.preprocessing import MinMaxScaler as SkMinMax
from sklearn.preprocessing import StandardScaler as SkStandard

from kmeans_np.scaling import MinMaxScaler, StandardScaler

TOL = 1e-12

# Seed 002's 20-customer table (../shared/seeds/002_4610c5092d698c27.txt, "Customer RFM table").
SEED_002 = pd.DataFrame(
    {
        "recency_days": [8, 142, 3, 287, 19, 64, 5, 198, 31, 112, 7, 243, 25, 88, 12, 172, 44,
                         320, 16, 55],
        "frequency": [14, 2, 22, 1, 9, 4, 18, 2, 7, 3, 20, 1, 11, 5, 16, 2, 6, 1, 13, 8],
        "monetary": [2840, 184, 5120, 67, 1640, 420, 4280, 145, 1180, 310, 4890, 88, 2140, 580,
                     3640, 165, 760, 52, 2560, 1020],
    },
    index=pd.Index([f"C{i:03d}" for i in range(1, 21)], name="customer_id"),
)


@pytest.fixture
def X() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.column_stack(
        [rng.exponential(60.0, 200), 1 + rng.poisson(4.0, 200), rng.lognormal(6.0, 1.0, 200)]
    )


# --- equality with scikit-learn -----------------------------------------------------------


@pytest.mark.parametrize("feature_range", [(0, 1), (-2.5, 3.0)])
def test_minmax_equals_sklearn(X: np.ndarray, feature_range: tuple[float, float]) -> None:
    ours = MinMaxScaler(feature_range=feature_range)
    ref = SkMinMax(feature_range=feature_range).fit(X)
    np.testing.assert_allclose(ours.fit_transform(X), ref.transform(X), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.data_min_, ref.data_min_, rtol=0, atol=0)
    np.testing.assert_allclose(ours.data_max_, ref.data_max_, rtol=0, atol=0)
    np.testing.assert_allclose(ours.data_range_, ref.data_range_, rtol=0, atol=0)
    np.testing.assert_allclose(ours.scale_, ref.scale_, rtol=1e-14)
    np.testing.assert_allclose(ours.min_, ref.min_, rtol=1e-12, atol=TOL)
    # new data outside the training range extrapolates the same way
    X_new = X[:10] * 1.7 - 3.0
    np.testing.assert_allclose(ours.transform(X_new), ref.transform(X_new), rtol=0, atol=1e-11)
    assert ours.n_features_in_ == 3


def test_standard_equals_sklearn(X: np.ndarray) -> None:
    ours = StandardScaler()
    ref = SkStandard().fit(X)
    np.testing.assert_allclose(ours.fit_transform(X), ref.transform(X), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-14)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-12)
    np.testing.assert_allclose(ours.scale_, ref.scale_, rtol=1e-12)
    # population std (ddof=0), worked out directly
    np.testing.assert_allclose(ours.scale_, X.std(axis=0, ddof=0), rtol=1e-12)


@pytest.mark.parametrize("factor", [1e155, 1e200, 1e300, 1e-200])
def test_standard_at_huge_and_tiny_magnitudes_equals_sklearn_on_unscaled_data(
    X: np.ndarray, factor: float
) -> None:
    """z-scores do not change when a column is multiplied by a constant. At 1e155-1e200
    the squared deviations overflowed: std = inf and every row scaled to 0 (errors up to
    1.73); at 1e300 the column sums overflow too. Reference: scikit-learn on X itself."""
    big = X * factor
    ours = StandardScaler().fit(big)
    ref = SkStandard().fit(X)
    np.testing.assert_allclose(ours.transform(big), ref.transform(X), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.mean_, ref.mean_ * factor, rtol=1e-13)
    np.testing.assert_allclose(ours.scale_, ref.scale_ * factor, rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(big)), big, rtol=1e-12)
    with np.errstate(over="ignore", under="ignore"):
        var = ref.var_ * factor * factor  # inf where it passes float64, as var_ then is
    np.testing.assert_allclose(ours.var_, var, rtol=1e-12)


def test_standard_moments_of_power_of_two_multiples_are_exact_multiples(X: np.ndarray) -> None:
    """Dividing by a power of two before summing and squaring is exact: the mean and
    standard deviation of X · 2^k are those of X times 2^k, bit for bit."""
    ref = StandardScaler().fit(X)
    for k in (-900, 600, 990):
        ours = StandardScaler().fit(np.ldexp(X, k))
        np.testing.assert_array_equal(ours.mean_, np.ldexp(ref.mean_, k))
        np.testing.assert_array_equal(ours.scale_, np.ldexp(ref.scale_, k))
        np.testing.assert_array_equal(ours.transform(np.ldexp(X, k)), ref.transform(X))


def test_log1p_all_columns_equals_sklearn_after_log1p(X: np.ndarray) -> None:
    for ours, ref in [(MinMaxScaler(log1p=True), SkMinMax()), (StandardScaler(log1p=True),
                                                                SkStandard())]:
        expected = ref.fit_transform(np.log1p(X))
        np.testing.assert_allclose(ours.fit_transform(X), expected, rtol=0, atol=TOL)


def test_log1p_some_columns_dataframe(X: np.ndarray) -> None:
    df = pd.DataFrame(X, columns=["recency", "frequency", "monetary"])
    manual = df.copy()
    manual["monetary"] = np.log1p(manual["monetary"])
    out = StandardScaler(log1p=["monetary"]).fit_transform(df)
    expected = SkStandard().fit_transform(manual.to_numpy())
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=0, atol=TOL)
    # positions work for arrays
    out_arr = StandardScaler(log1p=[2]).fit_transform(X)
    np.testing.assert_allclose(out_arr, expected, rtol=0, atol=TOL)


def test_seed_002_table_recency_inverted() -> None:
    ours = MinMaxScaler(invert=["recency_days"]).fit_transform(SEED_002)
    ref = SkMinMax().fit_transform(SEED_002.to_numpy(dtype=float))
    expected = ref.copy()
    expected[:, 0] = 1 - ref[:, 0]
    np.testing.assert_allclose(ours.to_numpy(), expected, rtol=0, atol=TOL)
    # worked by hand: recency 8 days, min 3, max 320 -> 1 - 5/317
    assert ours.loc["C001", "recency_days"] == pytest.approx(1 - 5 / 317, abs=TOL)
    assert ours.loc["C003", "recency_days"] == pytest.approx(1.0, abs=TOL)
    assert ours.loc["C018", "recency_days"] == pytest.approx(0.0, abs=TOL)
    assert list(ours.columns) == list(SEED_002.columns)
    assert ours.index.equals(SEED_002.index)


def test_invert_with_other_range_and_array_positions(X: np.ndarray) -> None:
    lo, hi = -1.0, 4.0
    ours = MinMaxScaler(feature_range=(lo, hi), invert=[0, 2]).fit_transform(X)
    unit = SkMinMax().fit_transform(X)
    expected = lo + unit * (hi - lo)
    expected[:, [0, 2]] = hi - unit[:, [0, 2]] * (hi - lo)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-12)


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scaler",
    [
        MinMaxScaler(),
        MinMaxScaler(feature_range=(-3, 2), invert=[0]),
        MinMaxScaler(invert=[1], log1p=True),
        StandardScaler(),
        StandardScaler(log1p=[0, 2]),
    ],
    ids=["minmax", "minmax-range-invert", "minmax-invert-log", "standard", "standard-log"],
)
def test_inverse_transform_round_trip(X: np.ndarray, scaler) -> None:
    Xt = scaler.fit_transform(X)
    np.testing.assert_allclose(scaler.inverse_transform(Xt), X, rtol=1e-12, atol=1e-9)


def test_dataframe_in_dataframe_out_keeps_index_and_columns() -> None:
    for scaler in (MinMaxScaler(invert="recency_days"), StandardScaler(log1p=True)):
        out = scaler.fit_transform(SEED_002)
        assert isinstance(out, pd.DataFrame)
        assert out.index.equals(SEED_002.index)
        assert list(out.columns) == list(SEED_002.columns)
        back = scaler.inverse_transform(out)
        assert isinstance(back, pd.DataFrame)
        assert back.index.equals(SEED_002.index)
        np.testing.assert_allclose(back.to_numpy(), SEED_002.to_numpy(dtype=float), rtol=1e-12)
        assert list(scaler.feature_names_in_) == list(SEED_002.columns)


def test_array_in_array_out(X: np.ndarray) -> None:
    out = StandardScaler().fit_transform(X)
    assert type(out) is np.ndarray
    assert out.shape == X.shape


# --- constant columns -----------------------------------------------------------------------


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
def test_constant_column_warns_by_name_scales_to_zero_and_inverts(cls) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 4.0], "flat": [0.1, 0.1, 0.1]})
    scaler = cls()
    with pytest.warns(UserWarning, match="'flat'"):
        out = scaler.fit_transform(df)
    assert (out["flat"] == 0.0).all()
    assert (scaler.inverse_transform(out)["flat"] == 0.1).all()


def test_the_constant_column_warning_reads_as_a_sentence() -> None:
    """The columns are listed as a person would write them (they used to show as a
    Python list of quoted strings, ["'recency'", "'frequency'"]), and one column is
    singular."""
    df = pd.DataFrame({"recency": [3.0] * 3, "frequency": [1.0] * 3, "monetary": [1.0, 2.0, 4.0]})
    with pytest.warns(UserWarning) as caught:
        StandardScaler().fit(df)
    assert [str(w.message) for w in caught] == [
        "StandardScaler: 'recency', 'frequency' are constant; they carry no information for "
        "clustering and scale to a constant. Consider dropping them."
    ]
    with pytest.warns(UserWarning) as caught:
        MinMaxScaler().fit(np.array([[1.0, 5.0], [2.0, 5.0]]))
    assert [str(w.message) for w in caught] == [
        "MinMaxScaler: column 1 is constant; it carries no information for clustering and "
        "scales to a constant. Consider dropping it."
    ]


def test_constant_column_in_array_named_by_position() -> None:
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    with pytest.warns(UserWarning, match="column 1"):
        out = MinMaxScaler(invert=[1]).fit_transform(X)
    np.testing.assert_array_equal(out[:, 1], 0.0)


def test_no_warning_without_constant_column(X: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MinMaxScaler().fit(X)
        StandardScaler().fit(X)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), ValueError, "infinity"),
        (np.empty((0, 3)), ValueError, "empty"),
        (np.array([1.0, 2.0, 3.0]), ValueError, "2-D"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), TypeError, "non-numeric"),
    ],
    ids=["nan", "inf", "empty", "1d", "text-column"],
)
def test_bad_input_raises(cls, bad, exc, match) -> None:
    with pytest.raises(exc, match=match):
        cls().fit(bad)


def test_unknown_invert_column_lists_the_columns() -> None:
    with pytest.raises(ValueError, match=r"unknown column.*'recency'.*recency_days"):
        MinMaxScaler(invert=["recency"]).fit(SEED_002)
    with pytest.raises(ValueError, match="position 5"):
        MinMaxScaler(invert=[5]).fit(SEED_002.to_numpy())
    with pytest.raises(TypeError, match="integer column positions"):
        MinMaxScaler(invert=["recency_days"]).fit(SEED_002.to_numpy())


def test_unknown_log1p_column() -> None:
    with pytest.raises(ValueError, match="log1p names unknown column"):
        StandardScaler(log1p=["spend"]).fit(SEED_002)


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
def test_log1p_rejects_values_at_or_below_minus_one(cls) -> None:
    df = pd.DataFrame({"ok": [1.0, 2.0, 3.0], "refunds": [5.0, -1.0, -3.0]})
    with pytest.raises(ValueError, match=r"'refunds' \(min -3\)"):
        cls(log1p=True).fit(df)
    scaler = cls(log1p=True).fit(df.assign(refunds=[1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="> -1"):
        scaler.transform(df)
    # values in (-1, 0) are fine for log1p
    cls(log1p=True).fit(df.assign(refunds=[-0.5, 0.0, 2.0]))


def test_bad_feature_range() -> None:
    with pytest.raises(ValueError, match="lo < hi"):
        MinMaxScaler(feature_range=(1, 0)).fit(SEED_002)
    with pytest.raises(ValueError, match="pair of numbers"):
        MinMaxScaler(feature_range=(1,)).fit(SEED_002)


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
def test_not_fitted(cls) -> None:
    with pytest.raises(ValueError, match="not fitted"):
        cls().transform(SEED_002)
    with pytest.raises(ValueError, match="not fitted"):
        cls().inverse_transform(SEED_002)


def test_transform_checks_columns_seen_in_fit() -> None:
    scaler = StandardScaler().fit(SEED_002)
    with pytest.raises(ValueError, match=r"missing: \['monetary'\]"):
        scaler.transform(SEED_002[["recency_days", "frequency"]])
    with pytest.raises(ValueError, match="another order"):
        scaler.transform(SEED_002[["monetary", "frequency", "recency_days"]])
    array_given = "X does not have valid feature names, but StandardScaler was fitted with"
    with (
        pytest.raises(ValueError, match="2 features, but StandardScaler is expecting 3"),
        pytest.warns(UserWarning, match=array_given),
    ):
        scaler.transform(SEED_002.to_numpy()[:, :2])
    # an array with the right number of columns is accepted, with scikit-learn's warning
    with pytest.warns(UserWarning, match=array_given):
        out = scaler.transform(SEED_002.to_numpy())
    np.testing.assert_allclose(out, scaler.transform(SEED_002).to_numpy(), rtol=0, atol=0)


# --- no mutation ----------------------------------------------------------------------------


def test_input_not_mutated(X: np.ndarray) -> None:
    X_before = X.copy()
    df = SEED_002.copy()
    for scaler in (MinMaxScaler(invert=[0], log1p=True), StandardScaler(log1p=True)):
        Xt = scaler.fit_transform(X)
        scaler.inverse_transform(Xt)
        np.testing.assert_array_equal(X, X_before)
    for scaler in (MinMaxScaler(invert=["recency_days"], log1p=True), StandardScaler(log1p=True)):
        out = scaler.fit_transform(SEED_002)
        out_before = out.copy()
        scaler.inverse_transform(out)
        pd.testing.assert_frame_equal(out, out_before)
        pd.testing.assert_frame_equal(SEED_002, df)


# --- properties -----------------------------------------------------------------------------

matrices = st.tuples(st.integers(2, 30), st.integers(1, 4)).flatmap(
    lambda shape: arrays(
        np.float64,
        shape,
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    )
)


def _well_spread(col: np.ndarray) -> bool:
    """A column whose spread is far above rounding noise (so mean 0 / std 1 hold tightly)."""
    return np.ptp(col) > 1e-6 * (1.0 + np.abs(col).max())


@given(matrices, st.sampled_from([(0.0, 1.0), (-2.0, 5.0)]))
def test_property_minmax_in_range(X: np.ndarray, feature_range: tuple[float, float]) -> None:
    lo, hi = feature_range
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = MinMaxScaler(feature_range=feature_range).fit_transform(X)
    eps = 1e-12 * (hi - lo)
    assert (out >= lo - eps).all() and (out <= hi + eps).all()
    for j in range(X.shape[1]):
        spread = np.ptp(X[:, j])
        with np.errstate(over="ignore"):
            divisible = spread > 0 and np.isfinite((hi - lo) / spread)
        if divisible:  # else: flat, scales to lo
            assert out[:, j].min() == pytest.approx(lo, abs=eps)
            assert out[:, j].max() == pytest.approx(hi, abs=eps)


def test_minmax_subnormal_spread_is_flat_not_nan() -> None:
    """A range so small that (hi - lo) / range overflows: a flat column (lo, with the
    constant-column warning), never inf or NaN; inverse_transform gives the minimum."""
    X = np.array([[0.0, 1.0], [2.22507386e-313, 3.0]])
    with pytest.warns(UserWarning, match="constant"):
        scaler = MinMaxScaler().fit(X)
    out = scaler.transform(X)
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.0])
    np.testing.assert_array_equal(out[:, 1], [0.0, 1.0])
    np.testing.assert_array_equal(scaler.inverse_transform(out)[:, 0], [0.0, 0.0])


@given(matrices)
def test_property_standard_mean0_std1(X: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = StandardScaler().fit_transform(X)
    for j in range(X.shape[1]):
        if _well_spread(X[:, j]):
            assert abs(out[:, j].mean()) < 1e-8
            assert out[:, j].std(ddof=0) == pytest.approx(1.0, abs=1e-8)
        elif np.ptp(X[:, j]) == 0:
            assert (out[:, j] == 0).all()


def test_standard_spread_too_small_to_divide_by_warns_and_maps_to_zero() -> None:
    # ptp > 0 but the variance underflows to 0: treated like a constant column
    X = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 5e-324]])
    with pytest.warns(UserWarning, match="column 1"):
        out = StandardScaler().fit_transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 1], 0.0)


def test_standard_spread_whose_inverse_overflows_warns_and_maps_to_zero() -> None:
    """A subnormal standard deviation (4.7e-311, so 1 / std overflows float64) is as good as
    constant, as in min-max: the column scales to 0 with the constant-column warning, never
    to inf (it gave -inf, inf, -inf). scikit-learn's scaler treats it as constant too (its
    scale_ is 1), so its output is the tiny deviations themselves, all below 1e-300."""
    X = np.array([[1.0, 0.0], [2.0, 1e-310], [3.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(UserWarning, match="column 1"):
            scaler = StandardScaler().fit(X)
        out = scaler.transform(X)
    np.testing.assert_array_equal(out[:, 1], 0.0)
    assert scaler.scale_[1] == 1.0
    np.testing.assert_allclose(out[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], rtol=1e-15)


def _exact_moments(column: np.ndarray) -> tuple[Fraction, Decimal]:
    """Mean (a Fraction) and population standard deviation (a Decimal, 40 digits) of a
    column, in exact arithmetic: the independent reference for data near float64's end."""
    values = [Fraction(float(v)) for v in column]
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    with localcontext() as ctx:
        ctx.prec = 40
        std = (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()
    return mean, std


def _exact_z(value: float, mean: Fraction, std: Decimal) -> float:
    with localcontext() as ctx:
        ctx.prec = 40
        diff = Fraction(value) - mean
        return float(Decimal(diff.numerator) / Decimal(diff.denominator) / std)


@pytest.mark.parametrize(
    "column",
    [[-9e307, 9e307, 0.0], [-1.7e308, 1.7e308, 1.7e308], [1e-310, -1.79e308, 1.79e308, 5.0]],
    ids=["trial", "mean-off-centre", "widest"],
)
def test_standard_scales_a_column_whose_range_passes_float64(column: list[float]) -> None:
    """max - min overflows float64 but the standard deviation does not (7.35e307 for the
    trial's column): the fit was refused by min-max's range check, after a numpy overflow
    warning. Reference: the moments and z-scores in exact arithmetic."""
    X = np.column_stack([column, np.arange(len(column), dtype=float)])
    mean, std = _exact_moments(X[:, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning, no constant-column warning
        scaler = StandardScaler().fit(X)
        out = scaler.transform(X)
        back = scaler.inverse_transform(out)
    assert scaler.mean_[0] == pytest.approx(float(mean), rel=1e-15, abs=1e-300)
    assert scaler.scale_[0] == pytest.approx(float(std), rel=1e-15)
    assert scaler.var_[0] == np.inf  # 5.4e615 and more: beyond float64, as documented
    want = [_exact_z(v, mean, std) for v in X[:, 0]]
    np.testing.assert_allclose(out[:, 0], want, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(back[:, 0], X[:, 0], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(out[:, 1], SkStandard().fit_transform(X[:, 1:])[:, 0], atol=TOL)


def test_standard_scale_of_the_trial_column_is_nine_e307_times_root_two_thirds() -> None:
    """The figure worked out by hand: population std of (-a, a, 0) is a·√(2/3)."""
    scaler = StandardScaler().fit(np.array([[-9e307], [9e307], [0.0]]))
    assert scaler.mean_[0] == 0.0
    assert scaler.scale_[0] == pytest.approx(9e307 * np.sqrt(2.0 / 3.0), rel=1e-15)


def test_minmax_refuses_a_range_past_float64_without_a_numpy_warning() -> None:
    """Min-max divides by max - min, which overflows here: a clear error, and no numpy
    RuntimeWarning before it (one used to escape from the check)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="too wide for min-max scaling"):
            MinMaxScaler().fit(np.array([[-9e307], [9e307], [0.0]]))


def test_invert_refuses_a_duplicated_column_name() -> None:
    """Two columns named 'recency': inverting 'recency' used to flip only the first one."""
    df = pd.DataFrame([[1.0, 5.0, 2.0], [3.0, 7.0, 4.0]], columns=["recency", "recency", "m"])
    before = df.copy()
    with pytest.raises(ValueError, match=r"invert names column 'recency', which X holds 2 times"):
        MinMaxScaler(invert=["recency"]).fit(df)
    pd.testing.assert_frame_equal(df, before)  # the input is never modified
    # an unambiguous selection on the same frame still works, by position or other name
    out = MinMaxScaler(invert=["m"]).fit_transform(df)
    np.testing.assert_allclose(out.to_numpy(), [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
