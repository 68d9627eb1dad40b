"""numba kernels behind the partitioned RFM table and customer summary: group rows by a
four-word key.

:func:`combine_groups` is the general one, "group rows by an exact key and keep, per
group, the first row, the smallest first date, the largest last date, the sum of the
amounts and the sum of the counts", with one open-addressing hash table (slots from a
hash of the key, keys compared exactly, so there are no collisions to worry about).
:mod:`rfm.clv`'s Dask summary uses it.

:func:`rfm.rfm_table` on a Dask DataFrame uses two cheaper ones, since a hash table of
every group costs a cache miss or two per group once it outgrows the cache:
:func:`combine_runs` reduces each partition's order lines to pair rows by runs (the
lines of an order follow each other), and :func:`combine_sorted_pairs` reduces the
shuffled pair rows, sorted by customer, to one row per customer, counting each order
once. On one file of the 100M-line benchmark (2M lines, 0.9M orders) the first took
0.03 s where the hash table took 0.16 s (2026-12-07).

Groups come out in order of first appearance (or of the sort) and every sum runs in row
order, so the result depends only on the row order of the input.

Sequential on purpose: Dask runs one task per partition on each worker thread, so the
parallelism comes from the partitions; ``nogil=True`` lets those threads run at once.
Compiled on first use and cached on disk; imported only when the Dask path runs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rfm._grouping.hash_numba import key4_hash, key_hash, table_size


@njit(cache=True, nogil=True, inline="always")
def _same_key4(w0, w1, w2, w3, a, b, c, d):  # pragma: no cover - compiled
    """Whether the key (w0, w1, w2, w3) is (a, b, c, d), last word first (in
    :func:`combine_runs` the order's low word, which differs most often).

    It takes the words, not the arrays they come from: numba counts a reference to each
    array passed to an inlined function, and inside a condition it did not remove all
    those counts again (the compiled kernel kept six more reference increments).
    Passing the four key arrays to this test made :func:`combine_runs` four times
    slower: 0.105 s against 0.028 s for a file of 2M order lines.
    """
    return w3 == d and w2 == c and w1 == b and w0 == a


@njit(cache=True, nogil=True)
def combine_groups(k0, k1, k2, k3, first, last, amount, count):  # pragma: no cover
    """Group rows by the key ``(k0, k1, k2, k3)`` (four uint64 words per row).

    Returns, one entry per distinct key in order of first appearance: the first row
    holding it, the minimum of ``first``, the maximum of ``last`` (int64), the sum of
    ``amount`` (float64, in row order) and the sum of ``count`` (int64).

    The table holds group numbers only (8 bytes a slot); a group's key and integer
    accumulators share one 64-byte record, so a row costs about three cache misses
    (slot, record, spend) however the keys are spread.
    """
    n = first.shape[0]
    size = table_size(n)
    mask = np.uint64(size - 1)
    table = np.full(size, -1, dtype=np.int64)  # group number in each slot, -1 free
    rec = np.empty((n, 8), dtype=np.uint64)  # k0..k3, first, last, count, first row
    o_amount = np.empty(n, dtype=np.float64)
    u = 0
    g = np.int64(-1)  # the previous row's group
    for i in range(n):
        a = k0[i]
        b = k1[i]
        c = k2[i]
        d = k3[i]
        # order lines come in runs of one invoice: the same key as the row before needs
        # no hashing (same group, same updates, so the same result)
        if g < 0 or not _same_key4(rec[g, 0], rec[g, 1], rec[g, 2], rec[g, 3], a, b, c, d):
            j = np.int64(key4_hash(a, b, c, d) & mask)
            g = table[j]
            while g >= 0 and not _same_key4(rec[g, 0], rec[g, 1], rec[g, 2], rec[g, 3],
                                            a, b, c, d):  # fmt: skip
                j = (j + 1) & (size - 1)
                g = table[j]
            if g < 0:  # a new group, in the free slot the probe ended on
                g = u
                table[j] = u
                rec[u, 0] = a
                rec[u, 1] = b
                rec[u, 2] = c
                rec[u, 3] = d
                rec[u, 4] = np.uint64(first[i])
                rec[u, 5] = np.uint64(last[i])
                rec[u, 6] = np.uint64(count[i])
                rec[u, 7] = np.uint64(i)
                o_amount[u] = amount[i]
                u += 1
                continue
        # the row joins group g: min of first, max of last, add count and amount
        if first[i] < np.int64(rec[g, 4]):
            rec[g, 4] = np.uint64(first[i])
        if last[i] > np.int64(rec[g, 5]):
            rec[g, 5] = np.uint64(last[i])
        rec[g, 6] = np.uint64(np.int64(rec[g, 6]) + count[i])
        o_amount[g] += amount[i]
    out = rec[:u, 4:].view(np.int64)
    return out[:, 3].copy(), out[:, 0].copy(), out[:, 1].copy(), o_amount[:u].copy(), \
        out[:, 2].copy()


@njit(cache=True, nogil=True)
def _distinct_in_run(i_hi, i_lo, s, e):  # pragma: no cover - compiled
    """Number of distinct (hi, lo) invoice keys among rows s..e-1.

    A customer has a few orders, so each row is compared with the rows before it; a
    long run (a wholesale customer with thousands of orders) goes through a small
    open-addressing set of its rows, slots chosen by a hash of both words
    (``key_hash``), so a row costs about one probe whatever the keys look like (short
    text invoices, for one, all share their ``lo`` word: it holds their length). A set
    rather than a sort: numba's sorts took 1.5 s of this kernel's compilation, which
    every worker of a cluster pays on its first run.
    """
    m = e - s
    distinct = 0
    if m <= 32:
        for i in range(s, e):
            seen = False
            for j in range(s, i):
                if i_lo[i] == i_lo[j] and i_hi[i] == i_hi[j]:
                    seen = True
                    break
            distinct += not seen
        return distinct
    size = table_size(m)
    mask = np.uint64(size - 1)
    slots = np.full(size, -1, dtype=np.int64)  # a row holding the slot's key, -1 free
    for r in range(s, e):
        j = np.int64(key_hash(i_hi[r], i_lo[r]) & mask)
        while True:
            held = slots[j]
            if held < 0:
                slots[j] = r
                distinct += 1
                break
            if i_lo[held] == i_lo[r] and i_hi[held] == i_hi[r]:
                break
            j = (j + 1) & (size - 1)
    return distinct


@njit(cache=True, nogil=True)
def combine_sorted_pairs(c_hi, c_lo, i_hi, i_lo, first, last, spend):  # pragma: no cover
    """(customer, order) pair rows **sorted by customer key** → one entry per customer.

    A customer's rows are one run. Per run: the position of its first row, the minimum
    of ``first``, the maximum of ``last``, the sum of ``spend`` (in row order) and the
    number of distinct (``i_hi``, ``i_lo``) order keys: a pair that arrived from two
    partitions (an order cut by a file boundary) counts once. One pass in memory order,
    where a hash table would cost a cache miss or two per row.
    """
    n = c_hi.shape[0]
    starts = np.empty(n, dtype=np.int64)
    o_first = np.empty(n, dtype=np.int64)
    o_last = np.empty(n, dtype=np.int64)
    o_spend = np.empty(n, dtype=np.float64)
    o_freq = np.empty(n, dtype=np.int64)
    u = 0
    s = 0
    while s < n:
        f = first[s]
        la = last[s]
        money = spend[s]
        e = s + 1
        while e < n and c_lo[e] == c_lo[s] and c_hi[e] == c_hi[s]:
            f = min(f, first[e])
            la = max(la, last[e])
            money += spend[e]
            e += 1
        starts[u] = s
        o_first[u] = f
        o_last[u] = la
        o_spend[u] = money
        o_freq[u] = 1 if e - s == 1 else _distinct_in_run(i_hi, i_lo, s, e)
        u += 1
        s = e
    return starts[:u], o_first[:u], o_last[:u], o_spend[:u], o_freq[:u]  # views: no copy


#: slots of the recent-pairs table of :func:`combine_runs` (a power of two): 32 KB of
#: group numbers, which stay in the processor's cache
RECENT_SLOTS = 4096


@njit(cache=True, nogil=True)
def combine_runs(k0, k1, k2, k3, first, last, amount):  # pragma: no cover - compiled
    """Order lines → (customer, order) pair rows, by runs: the lines of an order usually
    follow each other, so a row with the key of the row before joins its group.

    A row with another key looks for it in a small table of recent groups
    (``RECENT_SLOTS``, direct-mapped by a hash of the key) and joins that group when it
    is there; otherwise it starts a new group. The table stays in the cache, where a
    hash table of every group would cost a cache miss or two per order. The price: an
    order whose lines lie far apart, with many other orders in between, comes out as two
    or more pair rows. :func:`combine_sorted_pairs` counts such an order once, as it
    does an order cut by a partition boundary.

    Returns per group, in order of first appearance: its first row, the minimum of
    ``first``, the maximum of ``last`` and the sum of ``amount`` (in row order).
    """
    n = first.shape[0]
    recent = np.full(RECENT_SLOTS, -1, dtype=np.int64)  # a group number per slot
    o_row = np.empty(n, dtype=np.int64)
    o_first = np.empty(n, dtype=np.int64)
    o_last = np.empty(n, dtype=np.int64)
    o_amount = np.empty(n, dtype=np.float64)
    u = 0
    g = -1  # the previous row's group
    for i in range(n):
        a = k0[i]
        b = k1[i]
        c = k2[i]
        d = k3[i]
        r = o_row[g] if g >= 0 else -1  # the first row of the previous row's group
        if r < 0 or not _same_key4(k0[r], k1[r], k2[r], k3[r], a, b, c, d):
            slot = np.int64(key4_hash(a, b, c, d) & (RECENT_SLOTS - 1))
            g = recent[slot]
            r = o_row[g] if g >= 0 else -1  # the first row of the slot's group
            if r < 0 or not _same_key4(k0[r], k1[r], k2[r], k3[r], a, b, c, d):
                g = u  # a new group, now the slot's
                recent[slot] = u
                o_row[u] = i
                o_first[u] = first[i]
                o_last[u] = last[i]
                o_amount[u] = amount[i]
                u += 1
                continue
        o_first[g] = min(o_first[g], first[i])
        o_last[g] = max(o_last[g], last[i])
        o_amount[g] += amount[i]
    # views of the first u entries: copying them would fault in fresh pages for nothing
    return o_row[:u], o_first[:u], o_last[:u], o_amount[:u]
