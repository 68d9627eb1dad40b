"""rfm.frozen.FrozenScaler: the saved scaler's numbers, forwards and back.

References: the fitted kmeans_np scalers' own ``transform`` (the same operations, so the
same bits), and the inverse written out by hand from the training data's minimum and
maximum (min-max) or mean and standard deviation (z-score), after log1p where asked.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_np import MinMaxScaler, StandardScaler
from rfm.frozen import FrozenScaler


def _rfm_like(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([
        rng.exponential(200.0, 500).round(),  # days since the last order
        1 + rng.poisson(3.0, 500),  # orders
        rng.lognormal(5.0, 1.2, 500),  # spend
    ]).astype(np.float64)  # fmt: skip


@pytest.mark.parametrize("log1p", [False, [0, 2], True])
def test_minmax_inverse_is_the_range_undone_by_hand(log1p) -> None:
    X = _rfm_like(1)
    scaler = MinMaxScaler(invert=[0], log1p=log1p).fit(X)
    frozen = FrozenScaler.of(scaler, "log-minmax")
    scaled = frozen.transform(X)
    np.testing.assert_array_equal(scaled, scaler.transform(X))
    mask = np.array([log1p is True or (log1p and i in log1p) for i in range(3)])
    Z = X.copy()
    Z[:, mask] = np.log1p(X[:, mask])
    lo, hi = Z.min(axis=0), Z.max(axis=0)
    u = np.where([True, False, False], 1.0 - scaled, scaled)  # recency flipped: 1 = newest
    by_hand = lo + u * (hi - lo)
    by_hand[:, mask] = np.expm1(by_hand[:, mask])
    got = frozen.inverse(scaled)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    np.testing.assert_allclose(got, X, rtol=1e-11)
    assert not np.shares_memory(got, scaled)


@pytest.mark.parametrize("log1p", [False, [1, 2]])
def test_zscore_inverse_is_the_standardisation_undone_by_hand(log1p) -> None:
    X = _rfm_like(2)
    scaler = StandardScaler(log1p=log1p).fit(X)
    frozen = FrozenScaler.of(scaler, "log-zscore")
    scaled = frozen.transform(X)
    np.testing.assert_array_equal(scaled, scaler.transform(X))
    mask = np.array([bool(log1p) and i in log1p for i in range(3)])
    Z = X.copy()
    Z[:, mask] = np.log1p(X[:, mask])
    by_hand = Z.mean(axis=0) + scaled * Z.std(axis=0)
    by_hand[:, mask] = np.expm1(by_hand[:, mask])
    np.testing.assert_allclose(frozen.inverse(scaled), by_hand, rtol=1e-12)


def test_a_constant_column_comes_back_as_its_constant() -> None:
    X = _rfm_like(3)
    X[:, 1] = 4.0  # every customer with four orders
    with pytest.warns(UserWarning, match="constant"):
        frozen = FrozenScaler.of(MinMaxScaler(log1p=True).fit(X), "log-minmax")
    points = np.array([[0.2, 0.0, 0.5], [0.9, 0.7, 0.1]])  # any value in the flat column
    back = frozen.inverse(points)
    np.testing.assert_allclose(back[:, 1], [4.0, 4.0], rtol=1e-15)  # expm1(log1p(4))
    with pytest.raises(ValueError, match=r"^frequency is -1 for 1 customer, but "):
        frozen.transform(np.array([[1.0, -1.0, 3.0]]))


@pytest.mark.parametrize(("rows", "said"), [
    # the user trial: one customer whose returns came to 50 more than the purchases
    ([[3.0, 2.0, -50.0]], "monetary is -50 for 1 customer"),
    # -1 is refused too (log(1 + -1) is -inf); -0.5 is fine and not counted
    ([[3.0, 2.0, -50.0], [9.0, 1.0, -1.0], [4.0, 1.0, -0.5]],
     "monetary is -1 or below for 2 customers (as low as -50)"),
    # money in the millions is written out, not rounded to 6 digits
    ([[3.0, -2.0, -1234567.89], [9.0, 1.0, -20.0]],
     "frequency is -2 for 1 customer and monetary is -1 or below for 2 customers (as low as "
     "-1234567.89)"),
])  # fmt: skip
def test_values_log_scaling_cannot_take_are_named_with_their_column_count_and_lowest(
    rows, said
) -> None:
    """The message says which column holds values of -1 or below, for how many customers
    and how low, and keeps the advice."""
    frozen = FrozenScaler.of(MinMaxScaler(invert=[0], log1p=True).fit(_rfm_like(4)),
                             "log-minmax")  # fmt: skip
    with pytest.raises(ValueError) as info:
        frozen.transform(np.array(rows))
    assert str(info.value) == (
        f"{said}, but the model's scaling='log-minmax' takes log(1 + x), which needs values "
        "above -1; clean returns first."
    )


def test_a_scaling_without_log_takes_values_of_minus_one_and_below() -> None:
    frozen = FrozenScaler.of(MinMaxScaler(invert=[0]).fit(_rfm_like(4)), "minmax")
    assert np.isfinite(frozen.transform(np.array([[3.0, 2.0, -50.0]]))).all()
