"""numba kernel for integer customer ids in a dense range: ranges of ids, not hashes.

Most shops number their customers 1, 2, 3, ... When the ids are integers (key ``hi`` =
0) spanning a range no wider than the number of rows, the id itself gives the customer's
slot, ``code = lo - min(lo)``. The radix-partitioned aggregation of
:mod:`rfm._grouping.aggregate_numba` then simplifies:

1. **count**: a row's partition is the top bits of its code (a contiguous range of ids)
   instead of the top bits of a hash;
2. **scatter**: unchanged (the same kernel), rows keep their order within a partition;
3. **aggregate** (parallel over partitions): a customer's accumulators sit at its code,
   so there is no customer hash table to probe; a partition's slots are one contiguous,
   cache-sized block. Distinct invoices use the small pair table as before;
4. customers come out in code order, which is id order: a compaction replaces the final
   sort of the distinct customers.

Results are bit-identical to the other twins (amounts added in row order per customer)
and do not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from kmeans_np.numba_options import PRANGE_ONLY
from rfm._grouping.aggregate_numba import (
    MAX_BITS,
    N_CHUNKS,
    N_WORKERS,
    _scatter,
    partition_bits,
)
from rfm._grouping.hash_numba import is_new_invoice


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _count_ranges(c_lo, base, shift, n_parts):  # pragma: no cover - compiled
    """Pass 1: partition = code >> shift for every row; rows per (chunk, partition)."""
    n = c_lo.shape[0]
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    part = np.empty(n, dtype=np.uint16)
    counts = np.zeros((N_CHUNKS, n_parts), dtype=np.int64)
    for c in prange(N_CHUNKS):
        local = np.zeros(n_parts, dtype=np.int64)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            p = np.int64((c_lo[i] - base) >> shift)
            part[i] = p
            local[p] += 1
        for q in range(n_parts):
            counts[c, q] = local[q]
    return part, counts


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _aggregate_ranges(starts, s_key, s_inv, s_tick, s_amount, s_row, base, n_codes,
                      has_inv):  # pragma: no cover - compiled
    """Pass 3: accumulators at each customer's code; -1 in ``o_row`` = no such id."""
    n_parts = starts.shape[0] - 1
    o_row = np.empty(n_codes, dtype=np.int64)
    o_span = np.empty((n_codes, 2), dtype=np.int64)
    o_money = np.empty(n_codes, dtype=np.float64)
    o_freq = np.empty(n_codes, dtype=np.int64)
    n_workers = min(N_WORKERS, n_parts)
    per = (n_codes + N_WORKERS - 1) // N_WORKERS
    for w in prange(N_WORKERS):  # first touch of the slots, in parallel
        for c in range(w * per, min(n_codes, (w + 1) * per)):
            o_row[c] = -1
            o_money[c] = 0.0
            o_freq[c] = 0
    for w in prange(n_workers):
        biggest = 1
        for p in range(w, n_parts, n_workers):
            biggest = max(biggest, starts[p + 1] - starts[p])
        cap = 16
        while cap < 2 * biggest:
            cap *= 2
        pairs = np.empty(cap if has_inv else 0, dtype=np.int64)
        for p in range(w, n_parts, n_workers):
            lo = starts[p]
            hi = starts[p + 1]
            size = 16
            while size < 2 * (hi - lo):
                size *= 2
            if has_inv:
                for q in range(size):
                    pairs[q] = -1
            for s in range(lo, hi):
                code = np.int64(s_key[s, 1] - base)
                tick = s_tick[s]
                if o_row[code] < 0:
                    o_row[code] = s_row[s]
                    o_span[code, 0] = tick
                    o_span[code, 1] = tick
                else:
                    if tick < o_span[code, 0]:
                        o_span[code, 0] = tick
                    if tick > o_span[code, 1]:
                        o_span[code, 1] = tick
                o_money[code] += s_amount[s]
                if not has_inv:
                    o_freq[code] += 1
                    continue
                if is_new_invoice(pairs, size, s, s_key[s, 1], s_key[:, 1], 0, s_inv):
                    o_freq[code] += 1
    return o_row, o_span, o_money, o_freq


def dense_aggregate(c_lo, base, n_codes, i_hi, i_lo, ticks, amounts, has_inv):
    """Passes 1-4 for codes ``c_lo - base`` in ``[0, n_codes)``: per customer present,
    first row, first / last tick, spend, frequency — in code (id) order."""
    bits = min(partition_bits(len(ticks)), MAX_BITS)
    shift = 0
    while (n_codes - 1) >> shift >= (1 << bits):
        shift += 1
    n_parts = ((n_codes - 1) >> shift) + 1
    base = np.uint64(base)
    part, counts = _count_ranges(c_lo, base, np.uint64(shift), n_parts)
    zeros = np.zeros(len(c_lo), dtype=np.uint64)
    scattered = _scatter(part, counts, zeros, c_lo, i_hi, i_lo, ticks, amounts, has_inv)
    del part, zeros
    o_row, o_span, o_money, o_freq = _aggregate_ranges(*scattered, base, n_codes, has_inv)
    del scattered
    present = np.flatnonzero(o_row >= 0)
    return (o_row[present], o_span[present, 0], o_span[present, 1], o_money[present],
            o_freq[present])
