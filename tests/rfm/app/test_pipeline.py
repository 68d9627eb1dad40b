"""rfm.app.pipeline.run_pipeline: its result's named fields, each against a reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

import rfm
from rfm.app.console import persona_table, segment_table
from rfm.app.pipeline import run_pipeline
from rfm.cleaning import integral_ids
from rfm.columns import TransactionColumns
from rfm.datasets import make_transactions


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return make_transactions(n_customers=150, n_rows=1200, random_state=2)


@pytest.fixture(scope="module")
def result(tx: pd.DataFrame):
    cols = TransactionColumns(amount="TotalAmount", quantity=None, price=None)
    return run_pipeline(tx, columns=cols, k=3)


def test_run_pipeline_is_importable_from_rfm() -> None:
    assert rfm.run_pipeline is run_pipeline
    assert "run_pipeline" in rfm.__all__


def test_named_validity_fields(result) -> None:
    X, labels = result.clusters.X, result.clusters.labels.to_numpy()
    assert result.silhouette_mean == pytest.approx(metrics.silhouette_score(X, labels), rel=1e-9)
    assert result.silhouette_mean == pytest.approx(float(np.mean(result.silhouette)), rel=1e-12)
    val = result.validation.set_index("metric")["value"]
    assert result.stability_mean_ari == val["stability_mean_ari"]
    assert result.stability_min_ari == val["stability_min_ari"]
    assert result.stability_min_ari <= result.stability_mean_ari <= 1.0
    # the figures are looked up by name: reordering the rows changes nothing
    shuffled = result.validation.iloc[::-1].reset_index(drop=True)
    moved = type(result)(**{**result.__dict__, "validation": shuffled})
    assert moved.silhouette_mean == result.silhouette_mean


def test_score_scale_columns_and_summaries(result, tx: pd.DataFrame) -> None:
    assert result.q == 5 and result.scores["r_score"].max() == 5
    assert result.columns == TransactionColumns(amount="TotalAmount", quantity=None, price=None)
    frame = result.segments.join(result.rfm["monetary"])
    counts = frame["segment"].value_counts()
    revenue = frame.groupby("segment")["monetary"].sum()
    summary = result.segment_summary
    assert summary["customers"].to_dict() == counts.to_dict()
    np.testing.assert_allclose(summary["revenue"], revenue[summary.index])
    assert summary["revenue"].sum() == pytest.approx(tx["TotalAmount"].sum())
    grid = pd.crosstab(result.scores["r_score"], result.scores["f_score"])
    pd.testing.assert_frame_equal(result.rf_counts, grid)
    per_cluster = pd.Series(result.silhouette).groupby(result.clusters.labels.to_numpy()).mean()
    np.testing.assert_allclose(result.profile["silhouette"], per_cluster[result.profile.index])


def test_codes_rules_score_in_quartiles(tx: pd.DataFrame) -> None:
    res = run_pipeline(tx.iloc[:300], columns=TransactionColumns(amount="TotalAmount"), k=2,
                       rules="codes")
    assert res.q == 4 and res.scores[["r_score", "f_score", "m_score"]].max().max() == 4


def test_console_tables_are_the_reports_medians(result) -> None:
    """The command prints the same statistics the report shows, under its headers: each
    persona's and each segment's median customer, recomputed here from the customers."""
    table = persona_table(result)
    p = result.profile
    assert list(table.index) == list(p.index)
    np.testing.assert_allclose(table["% of customers"], (100 * p["share"]).round(1))
    assert table["Persona"].tolist() == p["persona"].tolist()
    by_cluster = result.rfm.groupby(result.clusters.labels)
    np.testing.assert_array_equal(table["Days since last order (median)"],
                                  by_cluster["recency"].median()[p.index].round(0))
    np.testing.assert_array_equal(table["Orders (median)"],
                                  by_cluster["frequency"].median()[p.index])
    np.testing.assert_array_equal(table["Spend (median)"],
                                  by_cluster["monetary"].median()[p.index].round(0))
    seg = segment_table(result)
    by_segment = result.rfm.groupby(result.segments["segment"])
    np.testing.assert_array_equal(seg["Spend (median)"],
                                  by_segment["monetary"].median()[seg.index].round(0))
    assert seg["Spend (median)"].is_monotonic_decreasing  # value order


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series([17850.0, 12346.0]), pd.Series([17850, 12346], dtype=np.int64)),
        (pd.Series(["17850.0", "12346.0"], dtype=object), pd.Series(["17850", "12346"])),
        (pd.Series(["17850.0", "A12"], dtype=object), None),  # None: left as it is
        (pd.Series([17850.5, 12346.0]), None),
    ],
)
def test_integral_ids_by_hand(values: pd.Series, expected: pd.Series | None) -> None:
    got = integral_ids(values)
    if expected is None:
        assert got is values
    else:
        assert got.tolist() == expected.tolist()
        assert type(got.iloc[0]) is type(expected.iloc[0])
