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
4. **gather** (parallel over partitions): the partitions' customers, one after another.

Nothing here depends on the thread count: chunks and partitions are fixed by the data
size, each output is written by one thread, and every sum runs in row order.
Compiled on first use and cached on disk; imported only when the numba backend runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

ROWS_PER_PARTITION = 16384
MAX_BITS = 14  # partition numbers fit in uint16
N_CHUNKS = 16  # row chunks of passes 1-2 (fixed: results never depend on it)
N_WORKERS = 16  # interleaved groups of partitions in pass 3
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
S30 = np.uint64(30)
S27 = np.uint64(27)
S31 = np.uint64(31)


@njit(cache=True, inline="always")
def _mix(h):  # pragma: no cover - compiled
    """splitmix64's finaliser: every output bit depends on every input bit."""
    h ^= h >> S30
    h *= MIX1
    h ^= h >> S27
    h *= MIX2
    h ^= h >> S31
    return h


@njit(cache=True, inline="always")
def _key_hash(hi, lo):  # pragma: no cover - compiled
    return _mix(lo ^ _mix(hi ^ GOLDEN))


@njit(cache=True, inline="always")
def _pair_hash(code, hi, lo):  # pragma: no cover - compiled
    return _mix(lo ^ _mix(hi ^ (np.uint64(code) * GOLDEN)))


def partition_bits(n: int) -> int:
    """Fewest partition bits giving at most ``ROWS_PER_PARTITION`` rows a partition on
    average (capped at ``MAX_BITS``)."""
    bits = 0
    while bits < MAX_BITS and (n >> bits) > ROWS_PER_PARTITION:
        bits += 1
    return bits


@njit(cache=True, parallel=True)
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
                p = np.int64(_key_hash(c_hi[i], c_lo[i]) >> shift)
                part[i] = p
                local[p] += 1
            else:
                local[0] += 1
        counts[c, :] = local
    return part, counts


@njit(cache=True, parallel=True)
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
    m_inv = n if has_inv else 0
    s_hi = np.empty(n, dtype=np.uint64)
    s_lo = np.empty(n, dtype=np.uint64)
    s_ihi = np.empty(m_inv, dtype=np.uint64)
    s_ilo = np.empty(m_inv, dtype=np.uint64)
    s_tick = np.empty(n, dtype=np.int64)
    s_amount = np.empty(n, dtype=np.float64)
    s_row = np.empty(n, dtype=np.int64)
    for c in prange(n_chunks):
        fill = position[c, :].copy()
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            p = np.int64(part[i])
            s = fill[p]
            fill[p] = s + 1
            s_hi[s] = c_hi[i]
            s_lo[s] = c_lo[i]
            if has_inv:
                s_ihi[s] = i_hi[i]
                s_ilo[s] = i_lo[i]
            s_tick[s] = ticks[i]
            s_amount[s] = amounts[i]
            s_row[s] = i
    return starts, s_hi, s_lo, s_ihi, s_ilo, s_tick, s_amount, s_row


@njit(cache=True, parallel=True)
def _aggregate_partitions(starts, s_hi, s_lo, s_ihi, s_ilo, s_tick, s_amount, s_row,
                          has_inv):  # pragma: no cover - compiled
    """Pass 3: per partition, customers' accumulators at ``starts[p] + local number``."""
    n_parts = starts.shape[0] - 1
    m = starts[n_parts]
    o_row = np.empty(m, dtype=np.int64)  # untouched pages are never committed
    o_first = np.empty(m, dtype=np.int64)
    o_last = np.empty(m, dtype=np.int64)
    o_money = np.empty(m, dtype=np.float64)
    o_freq = np.empty(m, dtype=np.int64)
    o_hi = np.empty(m, dtype=np.uint64)
    o_lo = np.empty(m, dtype=np.uint64)
    n_unique = np.zeros(n_parts, dtype=np.int64)
    biggest = 1
    for p in range(n_parts):
        biggest = max(biggest, starts[p + 1] - starts[p])
    cap = 16
    while cap < 2 * biggest:
        cap *= 2
    n_workers = min(N_WORKERS, n_parts)
    for w in prange(n_workers):
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
            customers[:size] = -1
            if has_inv:
                pairs[:size] = -1
            u = 0
            for s in range(lo, hi):
                a = s_hi[s]
                b = s_lo[s]
                j = np.int64(_key_hash(a, b) & mask)
                code = 0
                while True:
                    t = customers[j]
                    if t < 0:  # a new customer
                        customers[j] = s
                        code = u
                        u += 1
                        o = lo + code
                        o_row[o] = s_row[s]
                        o_first[o] = s_tick[s]
                        o_last[o] = s_tick[s]
                        o_money[o] = 0.0
                        o_freq[o] = 0
                        o_hi[o] = a
                        o_lo[o] = b
                        break
                    if s_hi[t] == a and s_lo[t] == b:
                        code = local[t - lo]
                        break
                    j = (j + 1) & (size - 1)
                local[s - lo] = code
                o = lo + code
                tick = s_tick[s]
                if tick < o_first[o]:
                    o_first[o] = tick
                if tick > o_last[o]:
                    o_last[o] = tick
                o_money[o] += s_amount[s]
                if not has_inv:
                    o_freq[o] += 1
                    continue
                x = s_ihi[s]
                y = s_ilo[s]
                j = np.int64(_pair_hash(code, x, y) & mask)
                while True:
                    t = pairs[j]
                    if t < 0:  # a new invoice for this customer
                        pairs[j] = s
                        o_freq[o] += 1
                        break
                    if local[t - lo] == code and s_ihi[t] == x and s_ilo[t] == y:
                        break
                    j = (j + 1) & (size - 1)
            n_unique[p] = u
    return n_unique, o_row, o_first, o_last, o_money, o_freq, o_hi, o_lo


@njit(cache=True, parallel=True)
def _gather(starts, n_unique, o_row, o_first, o_last, o_money, o_freq, o_hi,
            o_lo):  # pragma: no cover - compiled
    """Pass 4: the partitions' customers into contiguous arrays, partition after partition."""
    n_parts = n_unique.shape[0]
    base = np.zeros(n_parts + 1, dtype=np.int64)
    for p in range(n_parts):
        base[p + 1] = base[p] + n_unique[p]
    k = base[n_parts]
    row = np.empty(k, dtype=np.int64)
    first = np.empty(k, dtype=np.int64)
    last = np.empty(k, dtype=np.int64)
    money = np.empty(k, dtype=np.float64)
    freq = np.empty(k, dtype=np.int64)
    key_hi = np.empty(k, dtype=np.uint64)
    key_lo = np.empty(k, dtype=np.uint64)
    for p in prange(n_parts):
        for u in range(n_unique[p]):
            src = starts[p] + u
            dst = base[p] + u
            row[dst] = o_row[src]
            first[dst] = o_first[src]
            last[dst] = o_last[src]
            money[dst] = o_money[src]
            freq[dst] = o_freq[src]
            key_hi[dst] = o_hi[src]
            key_lo[dst] = o_lo[src]
    return row, first, last, money, freq, key_hi, key_lo


def partitioned_aggregate(
    c_hi: np.ndarray,
    c_lo: np.ndarray,
    i_hi: np.ndarray,
    i_lo: np.ndarray,
    ticks: np.ndarray,
    amounts: np.ndarray,
    has_inv: bool,
    bits: int | None = None,
) -> tuple[np.ndarray, ...]:
    """Passes 1-4: per customer (partition order) first row, first / last tick, spend,
    distinct invoices and key words. ``bits`` overrides the partition count (tests)."""
    if bits is None:
        bits = partition_bits(len(ticks))
    part, counts = _count(c_hi, c_lo, min(int(bits), MAX_BITS))
    scattered = _scatter(part, counts, c_hi, c_lo, i_hi, i_lo, ticks, amounts, has_inv)
    del part
    starts = scattered[0]
    outputs = _aggregate_partitions(*scattered, has_inv)
    del scattered
    return _gather(starts, *outputs)
