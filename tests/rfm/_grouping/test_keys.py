"""Group keys: exact (same key ⇔ same id), ordered (key order = sorted ids), twins agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfm._grouping.keys import MAX_PACKED_BYTES, arrow_string_buffers, encode_keys, pack_strings

pa = pytest.importorskip("pyarrow")


def _check_keys(values: pd.Series, *, sortable: bool = True) -> None:
    """The key promises, checked against the plain Python values."""
    keys = encode_keys(values)
    plain = values.astype(object).where(values.notna(), None).tolist()
    missing = np.array([v is None for v in plain], dtype=bool)
    got_missing = keys.missing if keys.missing is not None else np.zeros(len(plain), bool)
    np.testing.assert_array_equal(got_missing, missing)
    rows = np.flatnonzero(~missing)
    pairs = [(int(keys.hi[i]), int(keys.lo[i])) for i in rows]
    ids = [plain[i] for i in rows]
    # exact: a bijection between distinct ids and distinct keys
    assert len(set(pairs)) == len(set(ids)) == len(set(zip(pairs, ids, strict=True)))
    # ordered: sorting the distinct keys sorts the ids (or keeps first appearance)
    first_row = {}
    for key, i in zip(pairs, rows, strict=True):
        first_row.setdefault(key, i)
    by_key = [plain[first_row[k]] for k in sorted(first_row)]
    expected = sorted(set(ids)) if sortable else list(dict.fromkeys(ids))
    assert by_key == expected
    # labels read the ids back
    assert keys.labels(rows).tolist() == ids


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=MAX_PACKED_BYTES + 4)


@given(words=st.lists(text, min_size=1, max_size=40),
       picks=st.lists(st.integers(0, 1000), min_size=1, max_size=120),
       nulls=st.floats(0, 0.3))
def test_arrow_strings(words: list[str], picks: list[int], nulls: float) -> None:
    rng = np.random.default_rng(len(picks))
    data = [None if rng.random() < nulls else words[p % len(words)] for p in picks]
    for dtype in (pd.StringDtype("pyarrow"), pd.ArrowDtype(pa.large_string())):
        _check_keys(pd.Series(data, dtype=dtype))


short = st.text(max_size=MAX_PACKED_BYTES).filter(
    lambda w: len(w.encode()) <= MAX_PACKED_BYTES  # the packers' precondition
)


@given(words=st.lists(short, min_size=1, max_size=200))
def test_packing_twins_agree(words: list[str]) -> None:
    offsets, data, _ = arrow_string_buffers(pd.Series(words, dtype="string[pyarrow]"))
    a = pack_strings(offsets, data, backend="numpy")
    b = pack_strings(offsets, data, backend="numba")
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_packing_by_hand() -> None:
    """'AB' → hi = 0x4142 << 48, lo = length 2; 'é' is two UTF-8 bytes C3 A9."""
    words = ["AB", "", "é", "0123456789abcde", "A\x00"]
    offsets, data, _ = arrow_string_buffers(pd.Series(words, dtype="string[pyarrow]"))
    for backend in ("numpy", "numba"):
        hi, lo = pack_strings(offsets, data, backend=backend)
        assert hi[0] == 0x4142 << 48 and lo[0] == 2
        assert hi[1] == 0 and lo[1] == 0
        assert hi[2] == 0xC3A9 << 48 and lo[2] == 2
        assert hi[3] == int.from_bytes(b"01234567", "big")
        assert lo[3] == (int.from_bytes(b"89abcde", "big") << 8) | 15
        assert hi[4] == 0x41 << 56 and lo[4] == 2  # "A" < "A\0": same bytes, longer


def test_sliced_chunked_and_long_strings() -> None:
    rng = np.random.default_rng(0)
    ids = np.array([f"C{i:07d}" for i in range(500)] + ["", "é", "C0000001 "])
    chunks = [pa.array(ids[rng.integers(0, len(ids), 3000)]) for _ in range(3)]
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)))
    _check_keys(values.iloc[100:8000].reset_index(drop=True))  # across chunks: combined
    inside = values.iloc[100:2000]  # inside one chunk: a view at Arrow offset 100
    assert inside.array._pa_array.chunk(0).offset == 100
    _check_keys(inside)
    _check_keys(values.iloc[:0])
    long_ids = values.str.cat(["-a-rather-long-suffix"] * len(values)).iloc[:500]
    assert int(long_ids.str.len().max()) > MAX_PACKED_BYTES  # goes to pd.factorize
    _check_keys(long_ids)


def test_integers_keep_numeric_order() -> None:
    i64 = np.iinfo(np.int64)
    _check_keys(pd.Series([5, -3, i64.min, i64.max, 0, -3, 5, -1]))
    _check_keys(pd.Series(np.array([2**64 - 1, 0, 2**63, 7, 2**63], dtype=np.uint64)))
    _check_keys(pd.Series([3, None, -2, 3, None], dtype="Int64"))
    _check_keys(pd.Series([4, 1, 4], dtype="int8"))


def test_categoricals_keep_category_order() -> None:
    values = pd.Series(pd.Categorical(["b", "c", None, "b", "a"], categories=["c", "a", "b", "z"]))
    keys = encode_keys(values)
    assert keys.missing.tolist() == [False, False, True, False, False]
    # category order c < a < b, not alphabetical
    assert int(keys.lo[1]) < int(keys.lo[4]) < int(keys.lo[0]) == int(keys.lo[3])
    assert keys.labels(np.array([4, 1])).tolist() == ["a", "c"]


def test_other_columns_use_sorted_factorize() -> None:
    _check_keys(pd.Series([17850.0, 13047.0, np.nan, 17850.0, 12583.0]))
    _check_keys(pd.Series(["b", "a", "b", None], dtype=object))
    # ids that cannot be compared keep their order of first appearance
    _check_keys(pd.Series([b"x", 3, b"x", "y"], dtype=object), sortable=False)


def test_ids_of_two_types_that_read_the_same_are_refused() -> None:
    """17850 and "17850" (two exports concatenated) would be two customers: refused,
    naming the column, the pair and the fix; the fix makes them one id."""
    import rfm

    tx = pd.DataFrame({"CustomerID": [17850, "17850", "A1", 13047],
                       "InvoiceNo": ["1", "2", "3", "4"],
                       "InvoiceDate": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02",
                                                      "2024-01-03"]),
                       "TotalAmount": [10.0, 5.0, 7.0, 1.0]})  # fmt: skip
    message = (r"^column 'CustomerID' holds ids of different types that read the same, e\.g\. "
               r"17850 \(int\) and '17850' \(str\): they would count as two different ids\. "
               r"Make the column one type first: df\['CustomerID'\] = "
               r"df\['CustomerID'\]\.astype\(str\)\.$")  # fmt: skip
    for call in (lambda: encode_keys(tx["CustomerID"]), lambda: rfm.rfm_table(tx),
                 lambda: rfm.kpis.monthly(tx)):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            call()
    # with a missing id, the fix that keeps it missing
    gap = tx.assign(CustomerID=[17850, "17850", None, 13047])
    with pytest.raises(ValueError, match=r"df\['CustomerID'\]\.astype\(\"string\"\)\.$"):
        encode_keys(gap["CustomerID"])
    # doing what it says: three customers, 17850's two orders together (by hand)
    fixed = tx.assign(CustomerID=tx["CustomerID"].astype(str))
    table = rfm.rfm_table(fixed)
    assert sorted(table.index) == ["13047", "17850", "A1"]
    assert table.loc["17850", "frequency"] == 2 and table.loc["17850", "monetary"] == 15.0
    # a whole number written as a float (as a column with missing ids holds 17850)
    floats = tx.assign(CustomerID=[17850.0, "17850", 13047.0, 13047.0])
    with pytest.raises(ValueError, match=r"e\.g\. 17850\.0 \(float\) and '17850' \(str\).*"
                       r'whole numbers as text without "\.0"'):
        rfm.rfm_table(floats)
    fixed = floats.assign(CustomerID=pd.to_numeric(floats["CustomerID"]).astype("Int64")
                          .astype(str))  # doing what it says
    assert rfm.rfm_table(fixed).loc["17850", "frequency"] == 2
    # the float and its own text, "17850.0", are one id written two ways too
    with pytest.raises(ValueError, match=r"e\.g\. 17850\.0 \(float\) and '17850\.0' \(str\)"):
        rfm.rfm_table(tx.assign(CustomerID=[17850.0, "17850.0", 13047.0, 13047.0]))
    # with a missing id, the fix keeps it missing (astype(str) would make it a text id)
    with pytest.raises(ValueError, match=r'astype\("Int64"\)\.astype\("string"\) when'):
        encode_keys(pd.Series([17850.0, "17850", None, 13047.0], name="CustomerID"))


def test_ids_of_two_types_that_read_differently_are_kept_apart() -> None:
    """The docstring's promise: ids of several types are accepted (numbers before
    strings) as long as no two read the same."""
    keys = encode_keys(pd.Series([17850, "A1", 13047, "A1", None], dtype=object))
    pairs = list(zip(keys.hi.tolist(), keys.lo.tolist(), strict=True))[:4]
    assert pairs[1] == pairs[3] and len(set(pairs)) == 3  # three ids, "A1" twice
    assert keys.missing.tolist() == [False, False, False, False, True]
    assert keys.labels(np.array([0, 1, 2])).tolist() == [17850, "A1", 13047]
    # numbers before strings, as pandas sorts them
    assert pairs[2] < pairs[0] < pairs[1]
    # 17850 and 17850.0 are equal: one id already, nothing to refuse
    same = encode_keys(pd.Series([17850, 17850.0, 3], dtype=object))
    assert same.lo[0] == same.lo[1] != same.lo[2]
