"""numba kernel for the per-customer RFM reductions (twin of ``aggregate_numpy``).

A radix-partitioned hash aggregation. One big hash table of a million customers would
make every order line a cache miss (probe the table, then the customer's accumulators,
then the invoice table). Instead:

1. **count** (parallel over ``N_CHUNKS`` fixed row chunks): hash each row's customer key;
   its top ``bits`` pick one of ``2**bits`` partitions, sized to hold about
   ``ROWS_PER_PARTITION`` rows. Each chunk counts its rows per partition.
2. **scatter** (parallel over the same chunks): copy each row's keys, date, amount and
   row number into its partition's region. Chunk ``c`` writes after chunks ``0..c-1``
   in every partition, so within a partition rows stay in row order, whatever the
   number of threads.
3. **aggregate** (parallel over partitions): a partition holds every line of its
   customers and fits in the cache, so a small open-addressing table (slots chosen by
   the hash's low bits, keys compared exactly) gives each line its customer's local
   number, and a second table of (customer, invoice) pairs counts distinct invoices.
   Dates, amounts and counts accumulate in row order.
4. **gather**: the partitions' customers, one after another.

Nothing here depends on the thread count: chunks and partitions are fixed by the data
size, each output is written by one thread, and every sum runs in row order.
Compiled on first use and cached on disk; imported only when the numba backend runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from kmeans_np.numba_options import PRANGE_ONLY
from rfm._grouping.hash_numba import is_new_invoice, key_hash

ROWS_PER_PARTITION = 16384
MAX_BITS = 14  # partition numbers fit in uint16
N_CHUNKS = 16  # row chunks of passes 1-2 (fixed: results never depend on it)
N_WORKERS = 16  # interleaved groups of partitions in pass 3


def partition_bits(n: int) -> int:
    """Fewest partition bits giving at most ``ROWS_PER_PARTITION`` rows a partition on
    average (capped at ``MAX_BITS``)."""
    bits = 0
    while bits < MAX_BITS and (n >> bits) > ROWS_PER_PARTITION:
        bits += 1
    return bits


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _count(c_hi, c_lo, bits):  # pragma: no cover - compiled
    """Pass 1: partition of every row; rows per (chunk, partition)."""
    n = c_hi.shape[0]
    n_parts = 1 << bits
    shift = np.uint64(64 - bits) if bits > 0 else np.uint64(0)
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    part = np.zeros(n, dtype=np.uint16)
    counts = np.zeros((N_CHUNKS, n_parts), dtype=np.int64)
    for c in prange(N_CHUNKS):
        local = np.zeros(n_parts, dtype=np.int64)  # private: no false sharing
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if bits > 0:
                p = np.int64(key_hash(c_hi[i], c_lo[i]) >> shift)
                part[i] = p
                local[p] += 1
            else:
                local[0] += 1
        for q in range(n_parts):  # loops, not slice assignment: far cheaper to compile
            counts[c, q] = local[q]
    return part, counts


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _scatter(part, counts, c_hi, c_lo, i_hi, i_lo, ticks, amounts, has_inv):  # pragma: no cover
    """Pass 2: each row's data into its partition's region, in row order."""
    n = ticks.shape[0]
    n_chunks, n_parts = counts.shape
    chunk = (n + n_chunks - 1) // n_chunks
    starts = np.zeros(n_parts + 1, dtype=np.int64)
    position = np.empty((n_chunks, n_parts), dtype=np.int64)
    for p in range(n_parts):
        s = starts[p]
        for c in range(n_chunks):
            position[c, p] = s
            s += counts[c, p]
        starts[p + 1] = s
    s_key = np.empty((n, 2), dtype=np.uint64)  # a key's two words share a cache line
    s_inv = np.empty((n if has_inv else 0, 2), dtype=np.uint64)
    s_tick = np.empty(n, dtype=np.int64)
    s_amount = np.empty(n, dtype=np.float64)
    s_row = np.empty(n, dtype=np.int64)
    for c in prange(n_chunks):
        fill = np.empty(n_parts, dtype=np.int64)
        for q in range(n_parts):
            fill[q] = position[c, q]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            p = np.int64(part[i])
            s = fill[p]
            fill[p] = s + 1
            s_key[s, 0] = c_hi[i]
            s_key[s, 1] = c_lo[i]
            if has_inv:
                s_inv[s, 0] = i_hi[i]
                s_inv[s, 1] = i_lo[i]
            s_tick[s] = ticks[i]
            s_amount[s] = amounts[i]
            s_row[s] = i
    return starts, s_key, s_inv, s_tick, s_amount, s_row


@njit(cache=True, nogil=True, parallel=PRANGE_ONLY)
def _aggregate_partitions(starts, s_key, s_inv, s_tick, s_amount, s_row,
                          has_inv):  # pragma: no cover - compiled
    """Pass 3: per partition, customers' accumulators at ``starts[p] + local number``."""
    n_parts = starts.shape[0] - 1
    m = starts[n_parts]
    # untouched pages of these are never committed: only one entry per customer is used
    o_key = np.empty((m, 2), dtype=np.uint64)
    o_span = np.empty((m, 2), dtype=np.int64)  # first, last tick
    o_row = np.empty(m, dtype=np.int64)
    o_money = np.empty(m, dtype=np.float64)
    o_freq = np.empty(m, dtype=np.int64)
    n_unique = np.zeros(n_parts, dtype=np.int64)
    n_workers = min(N_WORKERS, n_parts)
    for w in prange(n_workers):
        biggest = 1  # this worker's largest partition sizes its tables (skew stays local)
        for p in range(w, n_parts, n_workers):
            biggest = max(biggest, starts[p + 1] - starts[p])
        cap = 16
        while cap < 2 * biggest:
            cap *= 2
        customers = np.empty(cap, dtype=np.int64)  # slot of a customer's first line, -1 free
        pairs = np.empty(cap if has_inv else 0, dtype=np.int64)  # slot of a pair's first line
        local = np.empty(biggest, dtype=np.int64)  # local customer number of each slot
        for p in range(w, n_parts, n_workers):
            lo = starts[p]
            hi = starts[p + 1]
            size = 16
            while size < 2 * (hi - lo):
                size *= 2
            mask = np.uint64(size - 1)
            for q in range(size):
                customers[q] = -1
            if has_inv:
                for q in range(size):
                    pairs[q] = -1
            u = 0
            for s in range(lo, hi):
                a = s_key[s, 0]
                b = s_key[s, 1]
                j = np.int64(key_hash(a, b) & mask)
                code = 0
                while True:
                    t = customers[j]
                    if t < 0:  # a new customer
                        customers[j] = s
                        code = u
                        u += 1
                        o = lo + code
                        o_key[o, 0] = a
                        o_key[o, 1] = b
                        o_span[o, 0] = s_tick[s]
                        o_span[o, 1] = s_tick[s]
                        o_row[o] = s_row[s]
                        o_money[o] = 0.0
                        o_freq[o] = 0
                        break
                    if s_key[t, 0] == a and s_key[t, 1] == b:
                        code = local[t - lo]
                        break
                    j = (j + 1) & (size - 1)
                local[s - lo] = code
                o = lo + code
                tick = s_tick[s]
                if tick < o_span[o, 0]:
                    o_span[o, 0] = tick
                if tick > o_span[o, 1]:
                    o_span[o, 1] = tick
                o_money[o] += s_amount[s]
                if not has_inv:
                    o_freq[o] += 1
                    continue
                if is_new_invoice(pairs, size, s, code, local, lo, s_inv):
                    o_freq[o] += 1
            n_unique[p] = u
    return n_unique, o_key, o_span, o_row, o_money, o_freq


def partitioned_aggregate(
    c_hi: np.ndarray,
    c_lo: np.ndarray,
    i_hi: np.ndarray,
    i_lo: np.ndarray,
    ticks: np.ndarray,
    amounts: np.ndarray,
    has_inv: bool,
    bits: int | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Passes 1-4: the customers' keys ``(k, 2)`` and aggregates, in partition order.

    The aggregates are ``(row, first, last, monetary, frequency)``, the fields of
    :class:`rfm._grouping.aggregate.CustomerAggregates`.

    ``bits`` overrides the number of partitions (tests).
    """
    if bits is None:
        bits = partition_bits(len(ticks))
    part, counts = _count(c_hi, c_lo, min(int(bits), MAX_BITS))
    scattered = _scatter(part, counts, c_hi, c_lo, i_hi, i_lo, ticks, amounts, has_inv)
    del part
    starts = scattered[0]
    n_unique, *outputs = _aggregate_partitions(*scattered, has_inv)
    del scattered
    # pass 4, gather: customer u of partition p sits at starts[p] + u
    first_customer = np.cumsum(n_unique) - n_unique
    where = np.repeat(starts[:-1] - first_customer, n_unique) + np.arange(n_unique.sum())
    key, span, row, money, freq = (a[where] for a in outputs)
    return key, (row, span[:, 0], span[:, 1], money, freq)
