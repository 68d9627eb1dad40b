"""The kernels of the partitioned RFM table (rfm._grouping.combine_numba) against plain
Python loops.

* ``combine_runs`` (order lines → pair rows): every output row is one group of input
  rows with one key; merging the output rows by key gives, per key, the input's minimum
  first date, maximum last date and sum of amounts. Lines of an order that follow each
  other join one row, and most that come back while the order is among the recent ones;
  orders far apart may give several rows.
* ``combine_sorted_pairs`` (pair rows sorted by customer → one row per customer): per
  customer the first position, min first, max last, the sum of spend in row order (so
  bit-identical) and the number of distinct order keys, for short runs (compared row by
  row) and long ones (sorted), with order keys equal in one word and not the other.

The reference walks the rows once with a dict per key.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_np.jit import load_kernels


def kernels():
    return load_kernels("rfm._grouping.combine_numba")


def u64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.uint64)


def lines(n: int, n_keys: int, seed: int, runs: bool) -> tuple:
    """Order lines with 4-word keys from ``n_keys`` distinct ones: in runs of one key
    (orders' lines together, some orders coming back later) or shuffled."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 2**63, size=(n_keys, 4), dtype=np.int64).astype(np.uint64)
    words[: n_keys // 2, 0] = 0  # keys equal in one word and not the others
    if runs:
        which = np.repeat(rng.integers(0, n_keys, size=n // 3 + 1), 3)[:n]
    else:
        which = rng.integers(0, n_keys, size=n)
    first = rng.integers(-(10**12), 10**12, size=n)
    last = first + rng.integers(0, 10**9, size=n)
    amount = rng.normal(50, 30, size=n)
    return which, [u64(words[which, j]) for j in range(4)], first, last, amount


def by_key(keys: list[np.ndarray], first, last, amount) -> dict:
    out: dict[tuple, list] = {}
    for r in range(len(first)):
        key = tuple(int(k[r]) for k in keys)
        s = out.setdefault(key, [first[r], last[r], 0.0])
        s[0], s[1] = min(s[0], first[r]), max(s[1], last[r])
        s[2] += float(amount[r])
    return out


@pytest.mark.parametrize(("n_keys", "runs"), [(50, True), (3000, True), (20_000, False)],
                         ids=["few-orders", "many-orders", "shuffled"])  # fmt: skip
def test_combine_runs_rows_merge_to_the_groups_of_the_input(n_keys: int, runs: bool) -> None:
    n = 30_000
    which, keys, first, last, amount = lines(n, n_keys, seed=n_keys, runs=runs)
    row, o_first, o_last, o_amount = kernels().combine_runs(*keys, first, last, amount)
    assert np.all(np.diff(row) > 0)  # in order of first appearance, each a new row
    out_keys = [k[row] for k in keys]
    got = by_key(out_keys, o_first, o_last, o_amount)
    want = by_key(keys, first, last, amount)
    assert got.keys() == want.keys()
    for key, (f, la, money) in want.items():
        assert got[key][:2] == [f, la]
        assert got[key][2] == pytest.approx(money, rel=1e-12, abs=1e-9)
    if runs:  # consecutive rows of one key always join one group
        assert len(row) <= np.count_nonzero(np.diff(which)) + 1
    if n_keys <= 50:  # orders coming back while still among the recent ones mostly
        # join their row (two keys may share a slot and push each other out)
        assert len(row) <= 5 * len(want) < np.count_nonzero(np.diff(which)) / 10


def one_word_apart(n_keys: int, seed: int) -> np.ndarray:
    """``n_keys`` distinct four-word keys, any two of which differ in one or two words:
    key i is one shared key with word i mod 4 replaced. A key test that skipped a word
    would take two of them for one."""
    rng = np.random.default_rng(seed)
    words = np.tile(rng.integers(0, 2**63, size=4, dtype=np.int64), (n_keys, 1))
    words[np.arange(n_keys), np.arange(n_keys) % 4] = rng.choice(2**62, n_keys, replace=False)
    return words.astype(np.uint64)


def runs_by_loop(keys: list[np.ndarray], first, last, amount, slots: int) -> list[tuple]:
    """combine_runs' rule, one row at a time in Python: a row joins the previous row's
    group when it has its key, else the group its key's slot of the recent table holds
    when that group has its key, else it starts a group and takes the slot."""
    K = kernels()
    rows: list[list] = []  # [first row, first, last, amount] per group
    recent = [-1] * slots
    g = -1

    def key(r: int) -> tuple:
        return tuple(int(k[r]) for k in keys)

    for i in range(len(first)):
        if g < 0 or key(rows[g][0]) != key(i):
            slot = int(K.key4_hash(*(k[i] for k in keys))) & (slots - 1)
            g = recent[slot]
            if g < 0 or key(rows[g][0]) != key(i):
                g = len(rows)
                recent[slot] = g
                rows.append([i, first[i], last[i], amount[i]])
                continue
        rows[g][1] = min(rows[g][1], first[i])
        rows[g][2] = max(rows[g][2], last[i])
        rows[g][3] += amount[i]
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(("n_keys", "runs"), [(12, True), (3000, True), (6000, False)],
                         ids=["few-orders", "many-orders", "shuffled"])  # fmt: skip
def test_combine_runs_follows_its_rule_row_for_row(n_keys: int, runs: bool) -> None:
    """Every output row, in order, is the loop's: keys one word apart (so a key test
    that skipped a word merges groups), orders that come back while their group is
    still in the recent table (12 keys: they always are) or after it was pushed out
    (6,000 keys for 4,096 slots, so slots are taken over), the first group included."""
    which, _, first, last, amount = lines(20_000, n_keys, seed=n_keys + 2, runs=runs)
    keys = [u64(w) for w in one_word_apart(n_keys, seed=n_keys)[which].T]
    K = kernels()
    got = K.combine_runs(*keys, first, last, amount)
    want = runs_by_loop(keys, first, last, amount, K.RECENT_SLOTS)
    assert [tuple(x.item() for x in row) for row in zip(*got, strict=True)] == want
    if n_keys == 12:
        assert len(want) == 12  # every order came back into its own row, group 0's too


def test_combine_groups_probes_wrap_past_the_last_slot() -> None:
    """Keys whose slot is the table's last: the second and third probe on from there to
    slots 0 and 1, and still each key is one group."""
    K = kernels()
    n = 8
    size = int(K.table_size(n))
    rng = np.random.default_rng(3)
    last_slot: list[np.ndarray] = []
    while len(last_slot) < 3:  # one key in `size` hashes to the last slot
        w = rng.integers(0, 2**63, size=4, dtype=np.int64).astype(np.uint64)
        if int(K.key4_hash(*w)) & (size - 1) == size - 1:
            last_slot.append(w)
    words = np.array(last_slot + [rng.integers(0, 2**63, size=4).astype(np.uint64)
                                  for _ in range(2)])  # fmt: skip
    which = np.array([0, 1, 2, 3, 1, 4, 2, 0])  # eight rows, every key twice or once
    keys = [u64(words[which, j]) for j in range(4)]
    first = np.arange(n, dtype=np.int64) * 10
    amount = np.arange(1.0, n + 1.0)
    row, o_first, o_last, o_amount, o_count = K.combine_groups(
        *keys, first, first, amount, np.ones(n, np.int64)
    )
    assert row.tolist() == [0, 1, 2, 3, 5]
    assert o_first.tolist() == [0, 10, 20, 30, 50]
    assert o_last.tolist() == [70, 40, 60, 30, 50]
    assert o_amount.tolist() == [1.0 + 8.0, 2.0 + 5.0, 3.0 + 7.0, 4.0, 6.0]
    assert o_count.tolist() == [2, 2, 2, 1, 1]


def test_combine_runs_on_orders_in_runs_equals_the_exact_grouping() -> None:
    """Each order's lines together and no order twice: the pair rows of the exact hash
    grouping (``combine_groups``), bit for bit."""
    rng = np.random.default_rng(7)
    n_orders = 5000
    sizes = rng.integers(1, 6, size=n_orders)
    keys = [u64(np.repeat(rng.integers(0, 2**63, size=n_orders), sizes)) for _ in range(4)]
    n = int(sizes.sum())
    first = rng.integers(0, 10**12, size=n)
    amount = rng.normal(size=n)
    K = kernels()
    runs = K.combine_runs(*keys, first, first, amount)
    exact = K.combine_groups(*keys, first, first, amount, np.zeros(n, np.int64))
    assert len(runs[0]) == n_orders
    for a, b in zip(runs, exact[:4], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("n_keys", "runs"), [(50, True), (3000, True), (20_000, False)],
                         ids=["few-orders", "many-orders", "shuffled"])  # fmt: skip
def test_combine_groups_is_the_exact_grouping_in_order_of_first_appearance(
    n_keys: int, runs: bool
) -> None:
    """One entry per distinct four-word key, in order of first appearance: its first
    row, min first, max last, the sum of amounts in row order (bit for bit) and the sum
    of counts. Any two keys differ in one or two words only (key i is one shared key
    with word i mod 4 replaced), so a comparison that skipped a word would merge keys."""
    n = 30_000
    which, _, first, last, amount = lines(n, n_keys, seed=n_keys + 1, runs=runs)
    keys = [u64(w) for w in one_word_apart(n_keys, seed=n_keys)[which].T]
    rng = np.random.default_rng(n_keys)
    count = rng.integers(-5, 6, size=n)
    row, o_first, o_last, o_amount, o_count = kernels().combine_groups(
        *keys, first, last, amount, count
    )
    want: dict[tuple, list] = {}
    for r in range(n):
        key = tuple(int(k[r]) for k in keys)
        s = want.setdefault(key, [r, first[r], last[r], 0.0, 0])
        s[1], s[2] = min(s[1], first[r]), max(s[2], last[r])
        s[3] += float(amount[r])
        s[4] += int(count[r])
    got = [list(t) for t in zip(row.tolist(), o_first.tolist(), o_last.tolist(),
                                o_amount.tolist(), o_count.tolist(), strict=True)]  # fmt: skip
    assert got == list(want.values())


def sorted_pairs(n_customers: int, max_orders: int, seed: int) -> tuple:
    """Pair rows sorted by customer; an order may come twice (cut by a partition
    boundary), and order keys share their ``lo`` word with different ``hi`` words."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, max_orders + 1, size=n_customers)
    counts[0] = max_orders  # at least one long run
    c_lo = np.repeat(np.sort(rng.choice(2**40, size=n_customers, replace=False)), counts)
    c_hi = np.zeros(len(c_lo), dtype=np.uint64)
    n = len(c_lo)
    i_lo = rng.integers(0, max(2, max_orders // 2), size=n)  # repeats within a customer
    i_hi = rng.integers(0, 3, size=n)  # equal lo, other hi: another order
    first = rng.integers(0, 10**12, size=n)
    last = first + rng.integers(0, 10**9, size=n)
    spend = rng.normal(80, 40, size=n)
    return u64(c_hi), u64(c_lo), u64(i_hi), u64(i_lo), first, last, spend


def customers_by_loop(c_lo, i_hi, i_lo, first, last, spend) -> list[tuple]:
    out: dict[int, dict] = {}
    for r in range(len(c_lo)):
        s = out.setdefault(int(c_lo[r]), {"start": r, "first": first[r], "last": last[r],
                                          "spend": 0.0, "orders": set()})  # fmt: skip
        s["first"], s["last"] = min(s["first"], first[r]), max(s["last"], last[r])
        s["spend"] += float(spend[r])
        s["orders"].add((int(i_hi[r]), int(i_lo[r])))
    return [(s["start"], s["first"], s["last"], s["spend"], len(s["orders"]))
            for s in out.values()]  # fmt: skip


@pytest.mark.parametrize("max_orders", [1, 6, 40, 400], ids=lambda m: f"up-to-{m}-orders")
def test_combine_sorted_pairs_counts_each_order_once(max_orders: int) -> None:
    """Runs of up to 32 rows are compared row by row, longer ones sorted first."""
    c_hi, c_lo, i_hi, i_lo, first, last, spend = sorted_pairs(300, max_orders, seed=max_orders)
    got = kernels().combine_sorted_pairs(c_hi, c_lo, i_hi, i_lo, first, last, spend)
    want = customers_by_loop(c_lo, i_hi, i_lo, first, last, spend)
    assert [tuple(x.item() for x in row) for row in zip(*got, strict=True)] == want
    if max_orders >= 40:
        assert (np.diff(np.r_[got[0], len(c_lo)]) > 32).any()  # the sorted path ran
        assert (got[4] < np.diff(np.r_[got[0], len(c_lo)])).any()  # repeats counted once


def test_combine_sorted_pairs_with_text_keys() -> None:
    """Short text ids are packed into the ``hi`` word with their length in ``lo``: every
    six-character invoice shares its ``lo``, so a long run must not be split by ``lo``
    alone. Customers that differ only in ``hi`` are different customers."""
    rng = np.random.default_rng(11)
    counts = np.array([3000, 5, 40, 1, 700])
    c_hi = np.repeat(np.array([7, 8, 8, 9, 9]), counts)  # sorted by (hi, lo)
    c_lo = np.repeat(np.array([6, 5, 6, 6, 7]), counts)
    n = len(c_hi)
    i_hi = rng.integers(0, 900, size=n)  # repeats: orders met from several partitions
    i_lo = np.full(n, 6)
    first = rng.integers(0, 10**12, size=n)
    last = first + rng.integers(0, 10**9, size=n)
    spend = rng.normal(80, 40, size=n)
    got = kernels().combine_sorted_pairs(u64(c_hi), u64(c_lo), u64(i_hi), u64(i_lo),
                                         first, last, spend)  # fmt: skip
    customer = c_hi * 100 + c_lo  # one number per (hi, lo) for the loop's dict
    want = customers_by_loop(customer, i_hi, i_lo, first, last, spend)
    assert [tuple(x.item() for x in row) for row in zip(*got, strict=True)] == want
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    distinct = [len(set(i_hi[s : s + m].tolist())) for s, m in zip(starts, counts, strict=True)]
    assert got[4].tolist() == distinct
