"""rfm_table on Dask DataFrames (rfm.table_dask) against a plain pandas groupby.

Runs on Dask's synchronous scheduler: the partition-by-partition logic is what is tested
here; the schedulers themselves are exercised in tests/test_dask_rfm.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

import rfm  # noqa: E402
from rfm.table_dask import shuffle_method  # noqa: E402


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def orders(n: int, unit: str, seed: int = 0) -> pd.DataFrame:
    """Order lines with sub-second times (in ``unit``), invoices of 1-3 lines."""
    rng = np.random.default_rng(seed)
    n_inv = n // 2
    inv = np.sort(rng.integers(0, n_inv, n))
    owner = rng.integers(0, max(n // 8, 2), n_inv)
    start = np.datetime64("2023-01-01T00:00:00", "ns")
    ns = rng.integers(0, 400 * 86_400 * 10**9, n_inv)  # 400 days, to the nanosecond
    when = (start + ns.astype("timedelta64[ns]")).astype(f"datetime64[{unit}]")
    return pd.DataFrame(
        {
            "cust": [f"c{owner[i]:03d}" for i in inv],
            "inv": [f"I{i}" for i in inv],
            "when": when[inv],
            "amount": np.round(rng.gamma(2.0, 10.0, n), 2),
        }
    )


def groupby_table(tx: pd.DataFrame, snapshot: pd.Timestamp) -> pd.DataFrame:
    g = tx.groupby("cust")
    last = g["when"].max()
    return pd.DataFrame(
        {
            "recency": (snapshot - last).dt.days,
            "frequency": g["inv"].nunique(),
            "monetary": g["amount"].sum(),
            "first_purchase": g["when"].min(),
            "last_purchase": last,
        }
    )


def check(got: pd.DataFrame, tx: pd.DataFrame, snapshot: pd.Timestamp) -> None:
    ref = groupby_table(tx, snapshot)
    assert got.index.tolist() == ref.index.tolist()
    assert got["recency"].tolist() == ref["recency"].tolist()
    assert got["frequency"].tolist() == ref["frequency"].tolist()
    np.testing.assert_allclose(got["monetary"], ref["monetary"], rtol=1e-12)
    for col in ("first_purchase", "last_purchase"):
        # the exact instants, whatever unit each side keeps them in
        assert got[col].astype("datetime64[ns]").tolist() == ref[col].astype(
            "datetime64[ns]").tolist()  # fmt: skip


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_every_date_unit_equals_a_pandas_groupby(unit: str) -> None:
    tx = orders(600, unit, seed=len(unit))
    snapshot = pd.Timestamp("2024-03-01")
    got = rfm.rfm_table(dd.from_pandas(tx, npartitions=4, sort=False), customer="cust",
                        invoice="inv", date="when", amount="amount", snapshot=snapshot)
    check(got, tx, snapshot)


@pytest.mark.parametrize("npartitions", [1, 3, 6, 11])
def test_any_number_of_partitions_equals_a_pandas_groupby(npartitions: int) -> None:
    # one partition and several (one shuffled piece per partition, some of them empty)
    tx = orders(400, "ns", seed=npartitions)
    snapshot = pd.Timestamp("2024-03-01")
    ddf = dd.from_pandas(tx, npartitions=npartitions, sort=False)
    got = rfm.rfm_table(ddf, customer="cust", invoice="inv", date="when", amount="amount",
                        snapshot=snapshot)
    check(got, tx, snapshot)


def test_dates_before_1677_are_refused() -> None:
    # a second-resolution column holds 1500-01-01; in nanoseconds it would wrap around
    tx = pd.DataFrame({"cust": ["a", "b"], "inv": ["1", "2"],
                       "when": np.array(["1500-01-01", "2020-01-01"], dtype="datetime64[s]"),
                       "amount": [1.0, 2.0]})  # fmt: skip
    with pytest.raises(ValueError, match=r"holds dates outside 1677-2262"):
        rfm.rfm_table(dd.from_pandas(tx, npartitions=1), customer="cust", invoice="inv",
                      date="when", amount="amount")


def test_a_configured_shuffle_method_always_wins() -> None:
    with dask.config.set({"dataframe.shuffle.method": "p2p"}):
        assert shuffle_method("tasks") == "p2p"
        assert shuffle_method() == "p2p"
    with dask.config.set({"dataframe.shuffle.method": None}):
        assert shuffle_method("tasks") == "tasks"
        assert shuffle_method() == "tasks"  # the synchronous scheduler: no distributed client


@pytest.mark.parametrize(("npartitions", "pieces"), [(1, 1), (3, 3), (7, 7)])
def test_one_customer_piece_per_input_partition(npartitions: int, pieces: int) -> None:
    # compute=False: the table stays partitioned by customer, one piece for every input
    # partition (each holds about one partition's pairs), each customer in exactly one piece
    tx = orders(300, "ns", seed=3)
    snapshot = pd.Timestamp("2024-03-01")
    table = rfm.rfm_table(dd.from_pandas(tx, npartitions=npartitions, sort=False),
                          customer="cust", invoice="inv", date="when", amount="amount",
                          snapshot=snapshot, compute=False)  # fmt: skip
    assert table.npartitions == pieces
    parts = [table.get_partition(i).compute() for i in range(pieces)]
    ids = [i for p in parts for i in p.index]
    assert len(ids) == len(set(ids))
    check(pd.concat(parts).sort_index(), tx, snapshot)


def test_partitions_with_text_dates_of_other_precisions_keep_the_finest() -> None:
    # partition 0 holds "2 Jan 2011"-style text (read to the microsecond), partition 1
    # ISO text with nanoseconds: the table keeps every nanosecond
    when = ["2 Jan 2011 10:00", "3 Jan 2011 11:30", "2011-02-01 09:00:00.123456789",
            "2011-02-03 08:00:00.000000001"]  # fmt: skip
    tx = pd.DataFrame({"cust": ["a", "b", "a", "b"], "inv": ["1", "2", "3", "4"],
                       "when": when, "amount": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    got = rfm.rfm_table(dd.from_pandas(tx, npartitions=2, sort=False), customer="cust",
                        invoice="inv", date="when", amount="amount", snapshot="2011-03-01")
    stamps = [pd.Timestamp(w) for w in when]
    assert got["first_purchase"].tolist() == stamps[:2]
    assert got["last_purchase"].tolist() == stamps[2:]
    assert got["last_purchase"].iloc[0].nanosecond == 789


def test_pieces_with_text_dates_of_other_precisions_keep_the_finest() -> None:
    # 12 partitions make 12 customer pieces (some empty): the pieces holding only the
    # "2 Jan 2011"-style customers read microseconds, the one with customer "z"
    # nanoseconds; the whole table keeps every nanosecond
    rows = [(f"c{i % 11:02d}", f"{1 + i % 28} Jan 2011 10:{i % 60:02d}") for i in range(22)]
    rows += [("z", "2011-02-01 09:00:00.123456789"), ("z", "2011-02-03 08:00:00.000000001")]
    tx = pd.DataFrame(rows, columns=["cust", "when"]).assign(
        inv=[str(i) for i in range(24)], amount=1.0)
    got = rfm.rfm_table(dd.from_pandas(tx, npartitions=12, sort=False), customer="cust",
                        invoice="inv", date="when", amount="amount", snapshot="2011-03-01")
    stamps = tx.assign(when=[pd.Timestamp(w) for w in tx["when"]]).groupby("cust")["when"]
    assert got["first_purchase"].tolist() == stamps.min().tolist()
    assert got["last_purchase"].tolist() == stamps.max().tolist()
    assert got.loc["z", "last_purchase"].nanosecond == 1


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("when", np.arange(4, dtype=np.int64)),  # epoch numbers, not dates
        ("amount", np.array(["1", "2", "3", "4"], dtype=object)),  # text, not money
    ],
)
def test_a_frame_without_rows_is_refused_as_empty_as_in_memory(column, values) -> None:
    """No rows at all: the same error as rfm_table in memory gives (which says the frame is
    empty before it looks at what the columns hold), from a Dask frame of empty
    partitions, whose every partition must therefore skip the date and money parsing."""
    tx = orders(4, "ns").assign(**{column: values}).iloc[:0]
    kw = {"customer": "cust", "invoice": "inv", "date": "when", "amount": "amount"}
    with pytest.raises(ValueError, match=r"^transactions is empty \(0 rows\)") as memory:
        rfm.rfm_table(tx, **kw)
    ddf = dd.from_map(lambda p: p, [tx, tx, tx], meta=tx, enforce_metadata=False)
    with pytest.raises(ValueError) as on_dask:
        rfm.rfm_table(ddf, **kw)
    assert str(on_dask.value) == str(memory.value)


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("ids", ["text", "int", "category"])
def test_order_lines_in_any_order_equal_a_pandas_groupby(npartitions: int, ids: str) -> None:
    """Lines in random order, far more orders per partition than the pair kernel's table
    of recent orders holds: an order's lines then give several pair rows, each counted
    once. One customer has hundreds of six-character invoices (which share their ``lo``
    key word), so its run of pair rows takes the sorted path."""
    check_lines_in_any_order(npartitions, ids)


@pytest.mark.parametrize("ids", ["text", "int", "category"])
def test_pieces_sorted_by_radix_equal_a_pandas_groupby(monkeypatch, ids: str) -> None:
    """The same with the shuffled pieces' keys sorted by the radix kernel (which a piece
    reaches from ``RADIX_FROM`` pair rows on, here from one), also on a machine where the
    kernel is not compiled yet: the Dask path compiles it whatever a piece's size."""
    import kmeans_np.jit
    import rfm._grouping.aggregate as aggregate

    monkeypatch.setattr(aggregate, "RADIX_FROM", 1)
    monkeypatch.setattr(aggregate, "RADIX_FROM_COLD", 10**12)
    monkeypatch.setattr(kmeans_np.jit, "kernels_cached", lambda module: False)
    asked = []
    real = aggregate.load_kernels
    monkeypatch.setattr(aggregate, "load_kernels", lambda name: asked.append(name) or real(name))
    check_lines_in_any_order(3, ids, backend="numba")
    # one sort per shuffled piece (the in-memory table sorts its distinct customers with
    # "auto", so with numpy on this machine where the kernel counts as not compiled)
    assert asked.count("rfm._grouping.sort_numba") == 3


def test_only_constant_words_skip_the_gather() -> None:
    from rfm.table_dask import _in_order

    order = np.array([2, 0, 1])
    same = np.array([4, 4, 4], dtype=np.uint64)
    assert _in_order(same, order) is same
    np.testing.assert_array_equal(_in_order(np.array([5, 7, 5], np.uint64), order), [5, 5, 7])
    np.testing.assert_array_equal(_in_order(np.array([5, 5, 7], np.uint64), order), [7, 5, 5])


@pytest.mark.parametrize("compute", [True, False])
def test_the_table_can_be_edited_as_in_memory(compute: bool) -> None:
    """The finished table owns its columns, as the in-memory table does: writing into it
    works and changes nothing else (its arrays are views of nothing shared)."""
    tx = orders(2_000, "ns", seed=3)
    ddf = dd.from_pandas(tx, npartitions=2, sort=False)
    got = rfm.rfm_table(ddf, customer="cust", invoice="inv", date="when", amount="amount",
                        compute=compute)  # fmt: skip
    table = got if compute else got.compute()
    before = table.copy()
    first = table.index[0]
    table.loc[first, "monetary"] = -1.0
    table.loc[first, "frequency"] = 99
    table.loc[first, "first_purchase"] = pd.Timestamp("2000-01-01")
    assert table.loc[first, "monetary"] == -1.0 and table.loc[first, "frequency"] == 99
    assert table.iloc[1:].equals(before.iloc[1:])


def check_lines_in_any_order(npartitions: int, ids: str, backend: str = "auto") -> None:
    rng = np.random.default_rng(5)
    tx = orders(40_000, "ns", seed=5)
    big = rng.random(len(tx)) < 0.1  # ~4,000 lines of ~400 invoices for customer c000
    tx.loc[big, "cust"] = "c000"
    tx.loc[big, "inv"] = [f"5{i % 400:05d}" for i in range(int(big.sum()))]
    tx = tx.sample(frac=1.0, random_state=6).reset_index(drop=True)
    if ids == "int":
        tx["cust"] = tx["cust"].str[1:].astype(np.int64)
    elif ids == "category":
        tx["cust"] = tx["cust"].astype("category")
    snapshot = pd.Timestamp("2024-03-01")
    ddf = dd.from_pandas(tx, npartitions=npartitions, sort=False)
    got = rfm.rfm_table(ddf, customer="cust", invoice="inv", date="when", amount="amount",
                        snapshot=snapshot, backend=backend)
    assert tx.groupby("cust", observed=True)["inv"].nunique().max() >= 300
    check(got, tx, snapshot)
    want = rfm.rfm_table(tx, customer="cust", invoice="inv", date="when", amount="amount",
                         snapshot=snapshot, backend=backend)
    # the in-memory table, index dtype included: Dask holds text ids in its own string
    # dtype (as ddf.compute() shows), gathered back into pandas' own
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)


#: the columns of rfm_table that Dask computes exactly as pandas does (money adds per
#: partition first, so its last bits may differ)
EXACT = ["recency", "frequency", "first_purchase", "last_purchase", "tenure_days"]


@pytest.mark.parametrize("ids", ["str", "int", "category"])
def test_the_gathered_table_is_the_in_memory_one_index_dtype_included(ids: str) -> None:
    """The trial's case: rfm_table(ddf) is documented to return the in-memory table, but
    its index kept Dask's string dtype (StringDtype(na_value=<NA>)), so
    assert_frame_equal failed on the index dtype alone. Text ids now come back in
    pandas' own dtype; numbers and categories as before."""
    from rfm._dask_parts import DASK_TEXT

    tx = rfm.datasets.make_transactions(n_customers=150, n_rows=2000, random_state=2)
    if ids == "int":
        tx["CustomerID"] = tx["CustomerID"].str[1:].astype(np.int64)
    elif ids == "category":
        tx["CustomerID"] = tx["CustomerID"].astype("category")
    ddf = dd.from_pandas(tx, npartitions=5)
    assert (ddf["CustomerID"].dtype == DASK_TEXT) == (ids == "str")  # what Dask holds
    want = rfm.rfm_table(tx)
    got = rfm.rfm_table(ddf)
    assert got.index.dtype == want.index.dtype
    pd.testing.assert_frame_equal(got[EXACT], want[EXACT], check_exact=True)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=0)


def test_in_memory_ids_casts_only_dasks_text_dtype() -> None:
    """Dask's Arrow strings become pandas' default text dtype (the dtype of
    pd.Index of Python strings), the same ids; other dtypes are returned as they are."""
    from rfm._dask_parts import DASK_TEXT, in_memory_ids

    text = pd.Index(["c2", "c10"], dtype=DASK_TEXT, name="CustomerID")
    out = in_memory_ids(text)
    pd.testing.assert_index_equal(out, pd.Index(["c2", "c10"], name="CustomerID"),
                                  exact=True)  # fmt: skip
    for kept in (pd.Index([3, 1]), pd.Index(["a"], dtype=object), pd.Index(["a"], dtype="str")):
        assert in_memory_ids(kept) is kept
