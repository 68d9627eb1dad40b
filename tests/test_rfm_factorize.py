"""The partitioned string factoriser against its twin, ``pd.factorize``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfm._factorize import arrow_string_buffers, factorize

pa = pytest.importorskip("pyarrow")


def _same_partition(values: pd.Series, codes: np.ndarray, uniques: pd.Index) -> None:
    """Codes define the same grouping as pd.factorize, uniques are the right strings."""
    ref_codes, ref_uniques = pd.factorize(values, use_na_sentinel=True)
    assert len(uniques) == len(ref_uniques)
    np.testing.assert_array_equal(codes < 0, ref_codes < 0)
    ok = codes >= 0
    # a bijection between our codes and pandas' codes
    pairs = set(zip(codes[ok].tolist(), ref_codes[ok].tolist(), strict=True))
    assert len(pairs) == len(ref_uniques)
    assert set(range(len(uniques))) == set(codes[ok].tolist())
    np.testing.assert_array_equal(
        np.asarray(uniques, dtype=object)[codes[ok]], values[ok].to_numpy(dtype=object)
    )


@given(
    words=st.lists(st.text(max_size=12), min_size=1, max_size=300),
    picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=400),
    nulls=st.floats(0, 0.3),
)
def test_partitioned_equals_pandas(words: list[str], picks: list[int], nulls: float) -> None:
    rng = np.random.default_rng(len(picks))
    data = [None if rng.random() < nulls else words[p % len(words)] for p in picks]
    for dtype in (pd.StringDtype("pyarrow"), pd.ArrowDtype(pa.large_string())):
        values = pd.Series(data, dtype=dtype)
        codes, uniques = factorize(values, partitioned=True)
        _same_partition(values, codes, uniques)


def test_many_partitions_sliced_and_chunked() -> None:
    rng = np.random.default_rng(0)
    ids = np.array([f"C{i:07d}" for i in range(5000)] + ["", "é", "C0000001 "])
    chunks = [pa.array(ids[rng.integers(0, len(ids), 30_000)]) for _ in range(3)]
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)))
    values = values.iloc[1000:80_000].reset_index(drop=True)  # a sliced, chunked array
    assert arrow_string_buffers(values) is not None
    codes, uniques = factorize(values, partitioned=True)
    _same_partition(values, codes, uniques)


def test_other_columns_use_pandas() -> None:
    values = pd.Series([3, 1, 3, None], dtype="Int64")
    assert arrow_string_buffers(values) is None
    codes, uniques = factorize(values, partitioned=True)
    assert codes.tolist() == [0, 1, 0, -1] and uniques.tolist() == [3, 1]
    objects = pd.Series(["b", "a", "b"], dtype=object)
    assert arrow_string_buffers(objects) is None
