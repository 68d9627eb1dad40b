"""rfm.clv on Dask: the summary, the fits and customer_value give the in-memory answers.

The references are the in-memory calls on the same rows (themselves tested against plain
pandas and the published figures). Each case runs on Dask's threaded scheduler; one runs
on a two-process LocalCluster as well.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402
from _cluster import local_cluster  # noqa: E402

from rfm.clv import (  # noqa: E402
    BetaGeo,
    DataEndWarning,
    GammaGamma,
    ModifiedBetaGeo,
    customer_value,
    summary,
)
from rfm.datasets import make_transactions  # noqa: E402

CAL, OBS = "2025-01-31", "2025-06-30"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    # shuffled, so that a customer's days (even one day's lines) span partitions
    return make_transactions(n_customers=500, n_rows=8000, random_state=5).sample(
        frac=1.0, random_state=1).reset_index(drop=True)


@pytest.fixture
def threads():
    with dask.config.set(scheduler="threads"):
        yield


def _same_summary(got: pd.DataFrame, ref: pd.DataFrame) -> None:
    """The in-memory summary, index dtype included: counts and periods exactly, money
    (added per partition first) to rounding."""
    money = [col for col in ref.columns if col.startswith("monetary")]
    pd.testing.assert_frame_equal(got.drop(columns=money), ref.drop(columns=money),
                                  check_exact=True)  # fmt: skip
    pd.testing.assert_frame_equal(got[money], ref[money], check_exact=False, rtol=1e-12,
                                  atol=0)  # fmt: skip
    assert got.attrs == ref.attrs


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("holdout", [False, True])
def test_summary_equals_in_memory(tx, threads, backend: str, holdout: bool) -> None:
    periods = {"calibration_end": CAL, "observation_end": OBS} if holdout else {}
    ref = summary(tx, **periods)
    got = summary(dd.from_pandas(tx, npartitions=7), backend=backend, **periods)
    _same_summary(got, ref)


def test_summary_with_integer_ids_and_a_lazy_result(tx, threads) -> None:
    ints = tx.assign(CustomerID=tx["CustomerID"].str[1:].astype(np.int64))
    ref = summary(ints, unit="D")
    _same_summary(summary(dd.from_pandas(ints, npartitions=4), unit="D"), ref)
    lazy = summary(dd.from_pandas(ints, npartitions=4), unit="D", compute=False)
    assert lazy._meta.attrs["unit"] == "D"
    got = lazy.compute().sort_index()
    np.testing.assert_array_equal(got.index, ref.index)
    np.testing.assert_array_equal(got["x"], ref["x"])
    np.testing.assert_array_equal(got["T"], ref["T"])


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo])
def test_fits_from_distinct_rows_equal_in_memory(tx, threads, model) -> None:
    ref_summary = summary(tx)
    lazy = summary(dd.from_pandas(tx, npartitions=6), compute=False)
    ours, ref = model().fit(lazy), model().fit(ref_summary)
    assert ours.params_ == ref.params_  # the same rows and weights: the same fit
    assert ours.log_likelihood_ == ref.log_likelihood_
    assert ours.n_rows_ == ref.n_rows_ and ours.unit_ == "W"
    spend, spend_ref = GammaGamma().fit(lazy), GammaGamma().fit(ref_summary)
    for name, value in spend_ref.params_.items():
        assert spend.params_[name] == pytest.approx(value, rel=1e-9)


def test_customer_value_equals_in_memory(tx, threads) -> None:
    ref = customer_value(tx, horizon_months=6, calibration_end=CAL)
    got = customer_value(dd.from_pandas(tx, npartitions=5), horizon_months=6,
                         calibration_end=CAL)
    # the in-memory table, index dtype included (Dask's own string dtype was kept)
    pd.testing.assert_frame_equal(got.table, ref.table, check_exact=False, rtol=1e-9, atol=0)
    _same_summary(got.summary, ref.summary)
    assert got.purchase_model.params_ == pytest.approx(ref.purchase_model.params_, rel=1e-12)


def test_on_a_process_cluster(tx) -> None:
    ref = summary(tx, calibration_end=CAL, observation_end=OBS)
    # the two-process LocalCluster the Dask modules share (tests/_cluster.py)
    with distributed.Client(local_cluster()):
        ddf = dd.from_pandas(tx, npartitions=4)
        got = summary(ddf, calibration_end=CAL, observation_end=OBS)
        fitted = BetaGeo().fit(summary(ddf, compute=False))
        value = customer_value(ddf, horizon_months=3)
    _same_summary(got, ref)
    assert fitted.params_ == BetaGeo().fit(summary(tx)).params_
    assert value.table.index.equals(customer_value(tx, horizon_months=3).table.index)


def test_errors_name_the_part_of_the_data(tx, threads) -> None:
    """A Dask frame not read from files: the message names the part of the data, from 1,
    and its Dask partition number, from 0."""
    bad = tx.copy()
    bad.loc[len(bad) - 1, "TotalAmount"] = -5.0
    with pytest.raises(ValueError, match=r"^part 3 of the data \(Dask partition 2\): "
                       ".*negative line amount"):  # fmt: skip
        summary(dd.from_pandas(bad, npartitions=3))
    table = summary(tx)
    table.iloc[-1, table.columns.get_loc("t_x")] = 1e6
    with pytest.raises(ValueError, match=r"^part 2 of the data \(Dask partition 1\): row \d+ "
                       r"\(customer .*\): t_x = 1e\+06"):
        BetaGeo().fit(dd.from_pandas(table, npartitions=2))
    with pytest.raises(ValueError, match="lifetimes-style"):
        BetaGeo().fit(dd.from_pandas(table.rename(columns={"x": "frequency",
                                                           "t_x": "recency"}), npartitions=2))


def test_a_calibration_end_after_the_data_warns_as_in_memory(tx, threads) -> None:
    """The warning of a calibration_end after the last purchase, from the summary and
    from customer_value on Dask, word for word the in-memory one; none for a
    calibration_end inside the data."""
    late = (tx["InvoiceDate"].max().normalize() + pd.Timedelta(days=30)).strftime("%Y-%m-%d")
    ddf = dd.from_pandas(tx, npartitions=5)
    for call in (lambda t: summary(t, calibration_end=late),
                 lambda t: customer_value(t, horizon_months=3, calibration_end=late)):
        with pytest.warns(DataEndWarning) as ref:
            call(tx)
        with pytest.warns(DataEndWarning) as got:
            call(ddf)
        assert [str(w.message) for w in got] == [str(w.message) for w in ref]
        assert str(ref[0].message).startswith(f"calibration_end ({late}) is 30 days after")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataEndWarning)
        summary(ddf, calibration_end=CAL)
        customer_value(ddf, horizon_months=3, calibration_end=CAL)
