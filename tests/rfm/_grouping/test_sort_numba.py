"""The radix sort of two-word keys (rfm._grouping.sort_numba) against numpy's stable
``lexsort``, and ``sort_by_key``'s choice between them.

A stable sort has one answer (equal keys keep their row order), so the radix kernel must
return numpy's permutation exactly: for words of every width from one varying bit to all
64 (one to six digit passes, digits of unequal use), words that vary only in their
middle bits (text ids), a constant ``hi`` (integer ids) or a constant ``lo``, many
repeats, keys at both ends of the uint64 range, sorted and reversed input, and the
smallest sizes.
"""

from __future__ import annotations

import numpy as np
import pytest

import rfm._grouping.aggregate as aggregate
from kmeans_np.jit import load_kernels
from rfm._grouping.keys import encode_keys


def radix_argsort(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    return load_kernels("rfm._grouping.sort_numba").radix_argsort(hi, lo)


def reference(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    return np.lexsort((lo, hi))  # stable: equal keys keep their row order


def random_word(n: int, bits: int, seed: int, base: int = 0, shift: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, (1 << bits) - 1, size=n, dtype=np.uint64, endpoint=True)
    return (codes << np.uint64(shift)) + np.uint64(base)


@pytest.mark.parametrize("bits", [1, 2, 8, 11, 12, 22, 23, 24, 33, 44, 45, 63, 64])
def test_integer_keys_of_every_width_sort_as_numpy_stable(bits: int) -> None:
    lo = random_word(20_000, bits, seed=bits)
    lo[::7] = lo[0]  # repeats: their row order must survive
    hi = np.zeros_like(lo)
    before = lo.copy()
    got = radix_argsort(hi, lo)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, reference(hi, lo))
    np.testing.assert_array_equal(got, np.argsort(lo, kind="stable"))
    np.testing.assert_array_equal(lo, before)  # the input is left as it was


@pytest.mark.parametrize("hi_bits, lo_bits", [(1, 1), (3, 20), (20, 3), (30, 64), (64, 0)])
def test_two_varying_words_sort_as_numpy_stable(hi_bits: int, lo_bits: int) -> None:
    hi = random_word(20_000, hi_bits, seed=hi_bits, base=2**40)
    lo = random_word(20_000, lo_bits, seed=lo_bits + 100) if lo_bits else np.full(20_000, 9,
                                                                                  np.uint64)
    hi[::5] = hi[1]
    lo[::10] = lo[1]  # some whole keys repeat, others share one word only
    np.testing.assert_array_equal(radix_argsort(hi, lo), reference(hi, lo))


@pytest.mark.parametrize("n_ids", [50, 20_000])
def test_text_ids_sort_as_numpy_stable(n_ids: int) -> None:
    """Short text ids packed into their words: the bytes that vary sit in the middle of
    each word (``lo`` ends in the length byte), with runs of repeated ids."""
    import pandas as pd

    rng = np.random.default_rng(n_ids)
    ids = pd.Series([f"C{i:09d}" for i in rng.integers(0, n_ids, 30_000)]
                    + [f"X{i}" for i in range(100)], dtype="string[pyarrow]")  # fmt: skip
    keys = encode_keys(ids)
    np.testing.assert_array_equal(radix_argsort(keys.hi, keys.lo), reference(keys.hi, keys.lo))
    order = radix_argsort(keys.hi, keys.lo)
    assert ids.iloc[order].tolist() == sorted(ids.tolist())


@pytest.mark.parametrize(
    "lo",
    [
        np.zeros(0, dtype=np.uint64),
        np.array([5], dtype=np.uint64),
        np.array([7, 7, 7, 7], dtype=np.uint64),
        np.array([2**64 - 1, 0, 2**63, 1, 2**64 - 1, 0], dtype=np.uint64),
        np.arange(3_000, dtype=np.uint64),
        np.arange(3_000, dtype=np.uint64)[::-1].copy(),
        random_word(5_000, 20, seed=1, base=2**64 - 2**20 - 1),  # up to the largest key
        random_word(5_000, 9, seed=3, shift=40),  # only middle bits vary
        np.repeat(random_word(50, 30, seed=2), 100),  # few keys, long runs of each
        np.array([2, 0, 1, 2**63], dtype=np.uint64),  # the last key alone sets bit 63
        # bit 63 varies, and bits 3-63 in all: 61 bits in six digits of eleven
        (random_word(5_000, 61, seed=4) << np.uint64(3))
        | (np.uint64(1 << 63) * random_word(5_000, 1, seed=5)),
        # near the top, never 0 after the shift: codes are only right with the minimum
        # subtracted
        np.uint64(2**64 - 2**21 + 2**19) + random_word(5_000, 20, seed=6),
    ],
    ids=["empty", "one", "all-equal", "extremes", "sorted", "reversed", "top-of-range",
         "middle-bits", "runs", "last-sets-top-bit", "bit-63", "high-minimum"],
)
def test_edge_cases_sort_as_numpy_stable(lo: np.ndarray) -> None:
    for hi in (np.zeros_like(lo), lo[::-1].copy()):
        np.testing.assert_array_equal(radix_argsort(hi, lo), reference(hi, lo))


@pytest.mark.parametrize("ids", ["int", "text"])
def test_sort_by_key_gives_one_order_for_both_backends(monkeypatch, ids: str) -> None:
    """From RADIX_FROM keys on, the numba backend sorts by radix, unless the keys come as
    sorted runs; every path gives the order of a stable lexicographic sort of (hi, lo)."""
    monkeypatch.setattr(aggregate, "RADIX_FROM", 100)
    rng = np.random.default_rng(3)
    lo = rng.integers(0, 5_000, size=4_000).astype(np.uint64)
    hi = (np.zeros(4_000, dtype=np.uint64) if ids == "int"
          else rng.integers(0, 3, size=4_000).astype(np.uint64))  # fmt: skip
    want = reference(hi, lo)
    asked = []
    real = aggregate.load_kernels
    monkeypatch.setattr(aggregate, "load_kernels", lambda name: asked.append(name) or real(name))
    for backend in ("numpy", "numba"):
        for runs in (False, True):
            np.testing.assert_array_equal(
                aggregate.sort_by_key(hi, lo, backend=backend, runs=runs), want
            )
    assert asked == ["rfm._grouping.sort_numba"]  # once: numba, not sorted runs
    asked.clear()
    aggregate.sort_by_key(hi[:99], lo[:99], backend="auto")  # below RADIX_FROM: numpy
    assert asked == []
    # "auto" on a machine where the kernel is not compiled: numpy below RADIX_FROM_COLD
    import kmeans_np.jit

    monkeypatch.setattr(kmeans_np.jit, "kernels_cached", lambda module: False)
    monkeypatch.setattr(aggregate, "RADIX_FROM_COLD", 5_000)
    np.testing.assert_array_equal(aggregate.sort_by_key(hi, lo, backend="auto"), want)
    assert asked == []
    monkeypatch.setattr(aggregate, "RADIX_FROM_COLD", 4_000)
    np.testing.assert_array_equal(aggregate.sort_by_key(hi, lo, backend="auto"), want)
    assert asked == ["rfm._grouping.sort_numba"]


def test_words_other_than_uint64_are_sorted_by_numpy(monkeypatch) -> None:
    """The radix kernel reads unsigned words; signed ones (whose order differs once
    negative) take numpy's sort, which gives their own order."""
    monkeypatch.setattr(aggregate, "RADIX_FROM", 1)
    lo = np.array([3, -1, 2, -5, 3], dtype=np.int64)
    hi = np.zeros_like(lo)
    np.testing.assert_array_equal(aggregate.sort_by_key(hi, lo, backend="numba"),
                                  np.argsort(lo, kind="stable"))  # fmt: skip


def test_read_only_and_strided_words_sort_as_numpy_stable(monkeypatch) -> None:
    monkeypatch.setattr(aggregate, "RADIX_FROM", 1)
    key = random_word(2_000, 12, seed=8).reshape(1_000, 2)  # columns: strided
    hi, lo = key[:, 0] % np.uint64(3), key[:, 1]
    hi.flags.writeable = False
    got = aggregate.sort_by_key(hi, lo, backend="numba")
    np.testing.assert_array_equal(got, reference(hi, lo))
