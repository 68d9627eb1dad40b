"""The radix sort of ``uint64`` keys (rfm._grouping.sort_numba) against numpy's stable
argsort, and ``sort_by_key``'s choice between them.

A stable sort has one answer (equal keys keep their row order), so the radix kernel must
return numpy's permutation exactly: for keys of every width from one varying bit to all
64 (one to six digit passes, digits of unequal use), many repeats, keys at both ends of
the uint64 range, sorted and reversed input, and the smallest sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

import rfm._grouping.aggregate as aggregate
from kmeans_np.jit import load_kernels


def radix_argsort(keys: np.ndarray) -> np.ndarray:
    return load_kernels("rfm._grouping.sort_numba").radix_argsort(keys)


def random_keys(n: int, bits: int, seed: int, base: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    top = (1 << bits) - 1
    codes = rng.integers(0, top, size=n, dtype=np.uint64, endpoint=True)
    return codes + np.uint64(base)


@pytest.mark.parametrize("bits", [1, 2, 8, 11, 12, 22, 23, 24, 33, 44, 45, 63, 64])
def test_keys_of_every_width_sort_as_numpy_stable(bits: int) -> None:
    keys = random_keys(20_000, bits, seed=bits)
    keys[::7] = keys[0]  # repeats: their row order must survive
    before = keys.copy()
    got = radix_argsort(keys)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.argsort(keys, kind="stable"))
    np.testing.assert_array_equal(keys, before)  # the input is left as it was


@pytest.mark.parametrize(
    "keys",
    [
        np.zeros(0, dtype=np.uint64),
        np.array([5], dtype=np.uint64),
        np.array([7, 7, 7, 7], dtype=np.uint64),
        np.array([2**64 - 1, 0, 2**63, 1, 2**64 - 1, 0], dtype=np.uint64),
        np.arange(3_000, dtype=np.uint64),
        np.arange(3_000, dtype=np.uint64)[::-1].copy(),
        random_keys(5_000, 20, seed=1, base=2**64 - 2**20 - 1),  # up to the largest key
        np.repeat(random_keys(50, 30, seed=2), 100),  # few keys, long runs of each
    ],
    ids=["empty", "one", "all-equal", "extremes", "sorted", "reversed", "top-of-range",
         "runs"],
)
def test_edge_cases_sort_as_numpy_stable(keys: np.ndarray) -> None:
    np.testing.assert_array_equal(radix_argsort(keys), np.argsort(keys, kind="stable"))


@pytest.mark.parametrize("ids", ["int", "text"])
def test_sort_by_key_gives_one_order_for_both_backends(monkeypatch, ids: str) -> None:
    """Above RADIX_FROM keys, integer keys (constant ``hi``) go to the radix kernel with
    the numba backend; text keys and the numpy backend do not. Every path gives the
    order of a stable lexicographic sort of (hi, lo)."""
    monkeypatch.setattr(aggregate, "RADIX_FROM", 100)
    rng = np.random.default_rng(3)
    lo = rng.integers(0, 5_000, size=4_000).astype(np.uint64)
    hi = (np.zeros(4_000, dtype=np.uint64) if ids == "int"
          else rng.integers(0, 3, size=4_000).astype(np.uint64))  # fmt: skip
    want = np.lexsort((lo, hi))  # stable
    asked = []
    real = aggregate.load_kernels
    monkeypatch.setattr(aggregate, "load_kernels", lambda name: asked.append(name) or real(name))
    for backend in ("numpy", "numba"):
        for runs in (False, True):
            got = aggregate.sort_by_key(hi, lo, backend=backend, runs=runs)
            np.testing.assert_array_equal(got, want)
    # the kernel ran once: integer keys, numba, not sorted runs
    assert asked == (["rfm._grouping.sort_numba"] if ids == "int" else [])
