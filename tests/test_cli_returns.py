"""``rfmseg segment`` with returns kept: a return reduces the spend, but is no order and
no purchase, so a customer who bought once long ago and returned items last week is not
a new customer; a customer whose lines are all returns is left out, and the run says how
many. In memory and on Dask, the same segments.csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FLAGS = ("--keep-cancelled", "--keep-nonpositive-quantity", "--keep-nonpositive-amount",
         "--scaling", "zscore")  # fmt: skip


def _orders(path: Path) -> Path:
    """40 customers buying through 2011 (the last purchase 2011-12-09 12:00), and three
    with returns: 10001 bought one line of 6.50 on 2011-01-12 and returned two items of
    3.50 on a credit note of its own on 2011-12-01; 10002 only returned; 10003 bought two
    items and returned one on one invoice; 10005 has a free line (which the cleaning
    removes) and a return."""
    rng = np.random.default_rng(3)
    rows = []
    for c in range(20000, 20040):
        for k in range(int(rng.integers(1, 6))):
            day = pd.Timestamp("2011-01-04") + pd.Timedelta(
                days=int(rng.integers(0, 339)), hours=int(rng.integers(8, 18)))
            rows.append((f"{c}{k}", day, int(rng.integers(1, 6)),
                         round(float(rng.uniform(1, 20)), 2), c))  # fmt: skip
    rows += [
        ("536500", pd.Timestamp("2011-01-12 10:00"), 1, 6.50, 10001),
        ("C580000", pd.Timestamp("2011-12-01 12:00"), -2, 3.50, 10001),
        ("C580001", pd.Timestamp("2011-11-20 12:00"), -1, 4.00, 10002),
        ("580002", pd.Timestamp("2011-12-05 09:00"), 2, 5.00, 10003),
        ("580002", pd.Timestamp("2011-12-05 09:00"), -1, 5.00, 10003),
        ("540999", pd.Timestamp("2011-12-09 12:00"), 1, 3.00, 20000),
        ("580003", pd.Timestamp("2011-10-02 10:00"), 1, 0.00, 10005),  # a free line: removed
        ("C580004", pd.Timestamp("2011-10-20 10:00"), -1, 2.50, 10005),
    ]
    pd.DataFrame(rows, columns=["InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice",
                                "CustomerID"]).to_csv(path, index=False)  # fmt: skip
    return path


def test_a_kept_return_does_not_make_a_new_customer(cli, tmp_path: Path) -> None:
    src = _orders(tmp_path / "r.csv")
    run = cli("segment", str(src), *FLAGS, "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    seg = pd.read_csv(tmp_path / "out" / "segments.csv", index_col="customer")
    one = seg.loc[10001]
    # from the purchase, 2011-01-12 10:00, to the snapshot 2011-12-10 12:00 (24 hours
    # after the last purchase): 332 days; one order; 6.50 less the 7.00 returned
    assert (one["recency"], one["frequency"]) == (332, 1)
    assert one["monetary"] == pytest.approx(6.50 - 7.00)
    assert one["r_score"] == 1 and not one["segment"].startswith("New")
    assert 10002 not in seg.index and 10005 not in seg.index
    mixed = seg.loc[10003]
    assert (mixed["recency"], mixed["frequency"]) == (5, 1)
    assert mixed["monetary"] == pytest.approx(5.00)
    assert ("note: Returns are kept: they reduce the customer's spend, but are not "
            "purchases") in run.stdout
    assert ("note: 2 customers returned items but bought nothing in these order lines "
            "(the purchase came before them)") in run.stdout
    # what they returned, 4.00 and 2.50, is in the monthly revenue but in no spend: said
    # as the run writes money (whole units: the median customer spends 10 or more)
    assert seg["monetary"].median() >= 10
    assert f"their returns (−{6.50:,.0f}) count in the monthly revenue but in no " in run.stdout
    assert "every order line removed by the cleaning" not in run.stdout  # 10005 kept one
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "2 customers returned items but bought nothing" in page


def test_returns_kept_give_the_same_segments_on_dask(cli, tmp_path: Path,
                                                     dask_address: str) -> None:
    pytest.importorskip("distributed")
    src = _orders(tmp_path / "r.csv")
    mem = cli("segment", str(src), *FLAGS, "--out", str(tmp_path / "mem"), "-q")
    assert mem.returncode == 0, mem.stderr
    on_dask = cli("segment", str(src), *FLAGS, "--dask", dask_address,
                  "--out", str(tmp_path / "dask"), "-q")  # fmt: skip
    assert on_dask.returncode == 0, on_dask.stderr
    assert ((tmp_path / "dask" / "segments.csv").read_bytes()
            == (tmp_path / "mem" / "segments.csv").read_bytes())  # fmt: skip
    def notes(proc) -> list[str]:  # (Dask does not look for duplicate rows unasked)
        return [line for line in proc.stdout.splitlines()
                if line.startswith("note: ") and "duplicate" not in line]  # fmt: skip

    assert notes(on_dask) == notes(mem)
    assert "note: 2 customers returned items but bought nothing" in on_dask.stdout
