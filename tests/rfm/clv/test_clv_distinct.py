"""Distinct rows: numpy and numba twins agree exactly, and both equal pandas' groupby."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfm.clv.distinct import distinct_rows


def _columns(seed: int, n: int):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, n).astype(float)
    t_x = np.where(x > 0, rng.integers(0, 20, n) / 7, 0.0)
    T = rng.integers(0, 30, n) / 7 + t_x
    return x, t_x, T, rng.integers(1, 4, n).astype(float)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 400))
def test_twins_agree_exactly(seed: int, n: int) -> None:
    x, t_x, T, w = _columns(seed, n)
    a = distinct_rows(x, t_x, T, weights=w, inverse=True, backend="numpy")
    b = distinct_rows(x, t_x, T, weights=w, inverse=True, backend="numba")
    for u, v in zip(a.values, b.values, strict=True):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.inverse, b.inverse)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_equals_a_pandas_groupby(backend: str) -> None:
    x, t_x, T, w = _columns(0, 3000)
    t_x[:5] = -0.0 * t_x[:5]  # -0.0 and 0.0 are one value
    got = distinct_rows(x, t_x, T, weights=w, inverse=True, backend=backend)
    frame = pd.DataFrame({"x": x, "t_x": t_x + 0.0, "T": T, "w": w})
    ref = frame.groupby(["x", "t_x", "T"], sort=True)["w"].sum()
    assert len(got) == len(ref)
    for k, name in enumerate(["x", "t_x", "T"]):
        np.testing.assert_array_equal(got.values[k], ref.index.get_level_values(name))
    np.testing.assert_array_equal(got.weight, ref.to_numpy())
    np.testing.assert_array_equal(got.values[0][got.inverse], x)  # rows map back
    assert distinct_rows(np.zeros(0), backend=backend).weight.shape == (0,)
