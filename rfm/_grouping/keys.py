"""Group keys: any id column as two ``uint64`` words that sort like the ids.

To group order lines by customer (and count distinct invoices) fast, the ids must become
small fixed-width numbers. :func:`encode_keys` turns a column into a pair of ``uint64``
arrays ``(hi, lo)`` with two promises:

* **exact** — two rows get the same pair if and only if they hold the same id (no
  hashing, so no collisions to worry about);
* **ordered** — comparing pairs lexicographically, ``(hi, lo) < (hi', lo')``, orders the
  ids the way sorting them would, so sorting the (few) distinct keys sorts the customers.

How each kind of column is encoded:

========================  ==================================================================
column                    key
========================  ==================================================================
Arrow strings ≤ 15 bytes  the UTF-8 bytes themselves, big-endian: bytes 0–7 in ``hi``,
                          bytes 8–14 in the top of ``lo``, the length in its lowest byte
                          (zero padding plus the length keep "A" < "A\\0" < "AB"; byte order
                          of UTF-8 is code-point order, which is Python's string order)
integers                  the value (``hi`` = 0); signed ones with the sign bit flipped,
                          so that unsigned order is signed order
categoricals              the category code (category order, as ``groupby`` keeps it)
anything else             ``pd.factorize(sort=True)`` codes (longer strings, floats,
                          objects); codes in order of appearance if the ids cannot be sorted
========================  ==================================================================

An object column may hold ids of several Python types (``17850`` and ``"17850"``, as two
exports concatenated give): they are different ids to Python, so they would be counted
as two customers. Such a column is refused when two of its distinct ids of different
types read the same as text (:func:`refuse_ids_alike`); ids of several types that read
differently are kept apart, as the docstring of :func:`rfm.rfm_table` promises.

Packing Arrow strings is the only step with a loop over rows; it has a numpy twin
(:func:`pack_strings_numpy`) and a numba kernel (:mod:`rfm._grouping.keys_numba`) that agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kmeans_np.checks import resolve_backend
from kmeans_np.jit import load_kernels

__all__ = [
    "MAX_PACKED_BYTES",
    "Keys",
    "arrow_string_buffers",
    "encode_keys",
    "pack_strings",
    "refuse_ids_alike",
]

#: what pandas.api.types.infer_dtype says of ids of more than one Python type (ints beside
#: floats are not among them: 17850 and 17850.0 are equal, and factorize makes them one)
_MIXED_KINDS = ("mixed", "mixed-integer")

MAX_PACKED_BYTES = 15  # 16 bytes of key: up to 15 bytes of text and one of length
SIGN_BIT = np.uint64(1 << 63)
BLOCK_ROWS = 1 << 16  # rows per block of the numpy twin (bounds its temporaries)


class Keys(NamedTuple):
    """An id column encoded for grouping (see the module docstring).

    ``missing`` marks rows without an id (``None`` when there are none); their key is
    meaningless. ``labels(rows)`` gives the ids found at those row positions as an Index.
    """

    hi: np.ndarray
    lo: np.ndarray
    missing: np.ndarray | None
    labels: Callable[[np.ndarray], pd.Index]


def arrow_string_buffers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(offsets (n+1,), UTF-8 bytes, valid (n,))`` of an Arrow string column, else ``None``.

    ``None`` for any column not backed by Arrow strings (object dtype, numbers, pandas'
    python-backed strings). The arrays are views where Arrow allows it (a sliced column
    starts at its slice offset); nothing is written to them.
    """
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is optional
        return None
    array = getattr(values.array, "_pa_array", None)
    if array is None or not (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    n = len(array)
    _, off_buf, data_buf = array.buffers()
    off_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(off_buf, dtype=off_type)[array.offset : array.offset + n + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None
        else np.zeros(0, dtype=np.uint8)
    )
    if array.null_count:
        valid = ~array.is_null().to_numpy(zero_copy_only=False)
    else:
        valid = np.ones(n, dtype=bool)
    return offsets, data, valid


def pack_strings_numpy(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Teaching twin of the packing kernel: gather each row's first 15 bytes, then shift.

    For a block of rows, the byte at position ``k`` of row ``i`` is ``data[offsets[i] + k]``
    when ``k < length[i]`` and 0 otherwise; ``hi = Σ_{k<8} byte_k · 256^(7−k)`` and
    ``lo = Σ_{8≤k<15} byte_k · 256^(15−k) + length``.
    """
    n = offsets.shape[0] - 1
    hi = np.empty(n, dtype=np.uint64)
    lo = np.empty(n, dtype=np.uint64)
    positions = np.arange(MAX_PACKED_BYTES)
    shifts = np.r_[56:-1:-8, 56:7:-8].astype(np.uint64)  # 56, 48, …, 0 then 56, …, 8
    padded = np.r_[data, np.zeros(MAX_PACKED_BYTES, dtype=np.uint8)]  # reads past the end
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        first = offsets[start:stop].astype(np.int64)
        length = offsets[start + 1 : stop + 1].astype(np.int64) - first
        gathered = padded[first[:, None] + positions]
        words = np.where(positions < length[:, None], gathered, 0).astype(np.uint64) << shifts
        hi[start:stop] = np.bitwise_or.reduce(words[:, :8], axis=1)
        lo[start:stop] = np.bitwise_or.reduce(words[:, 8:], axis=1) | length.astype(np.uint64)
    return hi, lo


def pack_strings(
    offsets: np.ndarray, data: np.ndarray, *, backend: str = "auto"
) -> tuple[np.ndarray, np.ndarray]:
    """``(hi, lo)`` keys of strings of at most ``MAX_PACKED_BYTES`` bytes (see module)."""
    if resolve_backend(backend) == "numba":
        return load_kernels("rfm._grouping.keys_numba").pack_strings_kernel(offsets, data)
    return pack_strings_numpy(offsets, data)


def _missing(mask: np.ndarray) -> np.ndarray | None:
    return mask if mask.any() else None


def _code_keys(codes: np.ndarray, uniques: pd.Index) -> Keys:
    """Keys from integer codes into ``uniques`` (-1 = missing); code order = key order."""
    codes = codes.astype(np.int64, copy=False)
    return Keys(
        np.zeros(len(codes), dtype=np.uint64),
        codes.view(np.uint64),
        _missing(codes < 0),
        lambda rows: uniques.take(codes[rows]),
    )


def _id_text(value: Any) -> str:
    """An id as text, a whole number written as a float (``17850.0``, as a column with
    missing ids holds them) as the whole number ("17850")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def refuse_ids_alike(uniques: Any, values: pd.Series) -> None:
    """Refuse an object column whose distinct ids (``uniques``, from ``pd.factorize`` of
    ``values``) include two of different Python types with the same text, such as
    ``17850`` and ``"17850"`` (or ``17850.0``, a whole number as a float, which a column
    with missing ids holds): a ``ValueError`` naming the column, one such pair and the
    fix. Only object columns holding more than one type are looked at (one C-level pass
    over the distinct ids tells), the distinct ids then once each."""
    if values.dtype != object or len(uniques) < 2:
        return
    if pd.api.types.infer_dtype(uniques, skipna=True) not in _MIXED_KINDS:
        return
    by_text: dict[str, list[Any]] = {}
    for v in uniques:  # as written, and a whole-number float also as its whole number
        for text in {str(v), _id_text(v)}:
            by_text.setdefault(text, []).append(v)
    for ids in by_text.values():
        if len({type(v) for v in ids}) < 2:
            continue  # the same text from one type (e.g. two objects): not this mistake
        a = ids[0]
        b = next(v for v in ids if type(v) is not type(a))
        name = values.name
        fix = "astype(str)" if not values.isna().any() else 'astype("string")'
        how = f"df[{name!r}] = df[{name!r}].{fix}"
        if any(isinstance(v, float) for v in ids):  # 17850.0 as text is "17850.0"
            how = (f'whole numbers as text without ".0", e.g. df[{name!r}] = '
                   f'pd.to_numeric(df[{name!r}]).astype("Int64").{fix} when every '
                   "id is a number")  # fmt: skip
        raise ValueError(
            f"column {name!r} holds ids of different types that read the same, e.g. {a!r} "
            f"({type(a).__name__}) and {b!r} ({type(b).__name__}): they would count as two "
            f"different ids. Make the column one type first: {how}."
        )


def _factorized_keys(values: pd.Series) -> Keys:
    """Fallback for any column: sorted ``pd.factorize`` codes (appearance order if
    unsortable); ids of different types that read the same are refused."""
    try:
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
    except TypeError:  # ids that cannot be compared with each other
        codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    refuse_ids_alike(uniques, values)
    return _code_keys(codes, pd.Index(uniques))


def encode_keys(values: pd.Series, *, backend: str = "auto") -> Keys:
    """Encode an id column as exact, ordered ``(hi, lo)`` keys (see the module docstring).

    Parameters
    ----------
    values : Series
        The ids: strings, integers, categoricals or anything ``pd.factorize`` accepts.
        Left unchanged.
    backend : {"auto", "numpy", "numba"}
        Implementation of the string packing (identical keys).
    """
    dtype = values.dtype
    n = len(values)
    if isinstance(dtype, pd.CategoricalDtype):
        return _code_keys(values.cat.codes.to_numpy(), values.cat.categories)
    if pd.api.types.is_integer_dtype(dtype):
        missing = values.isna().to_numpy()
        if pd.api.types.is_unsigned_integer_dtype(dtype):
            lo = values.to_numpy(dtype=np.uint64, na_value=0)
        else:
            lo = values.to_numpy(dtype=np.int64, na_value=0).view(np.uint64) ^ SIGN_BIT
        array = values.array
        return Keys(
            np.zeros(n, dtype=np.uint64), lo, _missing(missing),
            lambda rows: pd.Index(array.take(rows)),
        )
    buffers = arrow_string_buffers(values)
    if buffers is not None:
        offsets, data, valid = buffers
        if n == 0 or int(np.diff(offsets).max()) <= MAX_PACKED_BYTES:
            hi, lo = pack_strings(offsets, data, backend=backend)
            array = values.array
            return Keys(hi, lo, _missing(~valid), lambda rows: pd.Index(array.take(rows)))
    return _factorized_keys(values)
