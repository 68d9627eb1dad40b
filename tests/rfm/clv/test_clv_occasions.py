"""The purchase-occasion reduction: numpy and numba twins agree bit for bit, and both equal
a per-customer Python loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfm.clv.occasions import occasions, occasions_numba, occasions_numpy


def _lines(seed: int, n: int, n_cust: int, wide_keys: bool = False):
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_cust, n).astype(np.uint64)
    hi = (cust % 3).astype(np.uint64) if wide_keys else np.zeros(n, dtype=np.uint64)
    lo = cust * np.uint64(7919)
    day = rng.integers(-30, 60, n).astype(np.int64)
    amount = rng.gamma(2.0, 10.0, n).round(2)
    period = (rng.random(n) < 0.3).astype(np.int8)
    return hi, lo, day, amount, period


def _loop(hi, lo, day, amount, period):
    """Brute force: one Python pass per customer, keys sorted."""
    out = []
    keys = sorted({(int(h), int(lo_)) for h, lo_ in zip(hi, lo, strict=True)})
    for key in keys:
        rows = [i for i in range(len(hi)) if (int(hi[i]), int(lo[i])) == key]
        cal = [i for i in rows if period[i] == 0]
        if not cal:
            continue
        first = min(day[i] for i in cal)
        repeat = 0.0
        for i in cal:  # row order
            if day[i] > first:
                repeat += amount[i]
        held = [i for i in rows if period[i] == 1]
        held_spend = 0.0
        for i in held:
            held_spend += amount[i]
        out.append((rows[0], first, max(day[i] for i in cal), len({day[i] for i in cal}),
                    repeat, len({day[i] for i in held}), held_spend))
    return [np.array(col) for col in zip(*out, strict=True)]


@pytest.mark.parametrize("wide_keys", [False, True])
def test_both_twins_equal_a_python_loop(wide_keys: bool) -> None:
    lines = _lines(0, 600, 50, wide_keys)
    ref = _loop(*lines)
    for twin in (occasions_numpy, occasions_numba):
        got = twin(*lines)
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_array_equal(a, b)  # money too: both add in row order


@given(seed=st.integers(0, 10_000), n=st.integers(1, 300), n_cust=st.integers(1, 40))
def test_twins_agree_bit_for_bit(seed: int, n: int, n_cust: int) -> None:
    lines = _lines(seed, n, n_cust, wide_keys=seed % 2 == 0)
    a, b = occasions_numpy(*lines), occasions_numba(*lines)
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def test_holdout_only_customers_are_left_out_and_empty_input_refused() -> None:
    hi = np.zeros(3, dtype=np.uint64)
    lo = np.array([1, 2, 2], dtype=np.uint64)
    day = np.array([5, 1, 9], dtype=np.int64)
    period = np.array([1, 0, 1], dtype=np.int8)
    for backend in ("numpy", "numba"):
        occ = occasions(hi, lo, day, np.ones(3), period, backend=backend)
        assert occ.row.tolist() == [1] and occ.holdout_days.tolist() == [1]
    with pytest.raises(ValueError, match="no purchases"):
        occasions(hi[:0], lo[:0], day[:0], np.ones(0), period[:0])
