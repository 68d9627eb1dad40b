"""rfm.app.pipeline.run_pipeline: its result's named fields, each against a reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

import rfm
from rfm.app.console import persona_table, segment_table
from rfm.app.pipeline import run_pipeline, run_warnings
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


def test_what_the_report_shows_is_in_the_result(result) -> None:
    """The report only presents: the score bins, the R × F mean spend, the rule set, its
    coverage and the PCA projection come in the result, each equal to a figure computed
    here from the raw tables."""
    scores = result.scores
    means = scores.groupby(["r_score", "f_score"])["monetary"].mean().unstack()
    np.testing.assert_allclose(result.rf_mean_spend, means.reindex_like(result.rf_counts))
    for dim, col in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        part = result.score_bins[result.score_bins["dimension"] == dim].set_index("score")
        by_score = scores.groupby(col)[dim]
        np.testing.assert_array_equal(part["low"], by_score.min())
        np.testing.assert_array_equal(part["high"], by_score.max())
        np.testing.assert_array_equal(part["customers"], by_score.size())
    # the default rule set's nine segments, in rule order
    assert [r.name for r in result.rule_set.rules] == [
        "Champions", "Loyal Customers", "Potential Loyalists", "New Customers",
        "Can't Lose Them", "At Risk", "Need Attention", "Hibernating", "Lost",
    ]
    # R rfm 0.3.0's ten segments, in rule order
    assert [r.name for r in rfm.segments.resolve_rules("rfm").rules] == [
        "Champions", "Potential Loyalist", "Loyal Customers", "Promising", "New Customers",
        "Can't Lose Them", "At Risk", "Need Attention", "About To Sleep", "Lost",
    ]  # fmt: skip
    # the coverage grid: every score cell with the segment segment() gives a customer there
    cov = result.rule_check.coverage
    assert len(cov) == 125
    cells = scores.drop_duplicates(["r_score", "f_score", "m_score"])
    seen = result.segments.loc[cells.index, "segment"]
    lookup = cov.set_index(["r", "f", "m"])["segment"]
    for (r, f, m), seg in zip(cells[["r_score", "f_score", "m_score"]].to_numpy(), seen,
                              strict=True):  # fmt: skip
        assert lookup[(r, f, m)] == seg
    # customers on the first two principal components: numpy's SVD of the centred X, axes
    # signed so their largest loading is positive; all 150 customers (below the sample size)
    X = result.clusters.X.to_numpy()
    centred = X - X.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    vt = vt * np.sign(vt[np.arange(3), np.abs(vt).argmax(axis=1)])[:, None]
    pca = result.pca
    assert list(pca.points.index) == list(result.clusters.X.index)
    np.testing.assert_allclose(pca.points[["pc1", "pc2"]], centred @ vt[:2].T, atol=1e-9)
    np.testing.assert_allclose(pca.explained_variance_ratio, (sv**2 / (sv**2).sum())[:2])
    assert pca.n_customers == 150


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
    assert table["Share of customers"].tolist() == [f"{100 * v:.1f}%" for v in p["share"]]
    assert table["Persona"].tolist() == p["persona"].tolist()
    by_cluster = result.rfm.groupby(result.clusters.labels)
    assert table["Days since last order (median)"].tolist() == [
        f"{v:,.0f}" for v in by_cluster["recency"].median()[p.index]]
    assert table["Orders (median)"].tolist() == [
        f"{v:g}" for v in by_cluster["frequency"].median()[p.index]]
    assert table["Spend (median)"].tolist() == [
        f"{v:,.0f}" for v in by_cluster["monetary"].median()[p.index]]
    seg = segment_table(result)
    by_segment = result.rfm.groupby(result.segments["segment"])["monetary"].median()
    assert seg["Spend (median)"].tolist() == [f"{v:,.0f}" for v in by_segment[seg.index]]
    assert by_segment[seg.index].is_monotonic_decreasing  # value order


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


def test_stepwise_path_gives_the_pipelines_whole_ids() -> None:
    """An id column read as floats because one id is missing (pd.read_csv on Online
    Retail: 12347.0) comes out whole on the stepwise path, as run_pipeline gives it."""
    tx = pd.DataFrame({
        "InvoiceNo": [str(536365 + i) for i in range(12)],
        "CustomerID": [12347.0, 12347.0, np.nan, 12348.0, 12349.0, 12350.0, 12350.0,
                       12351.0, 12352.0, 12352.0, 12353.0, 12354.0],
        "InvoiceDate": pd.date_range("2024-01-01", periods=12, freq="7D"),
        "Quantity": np.arange(1, 13),
        "UnitPrice": np.arange(1.0, 13.0),
    })
    expected = pd.Index([12347, 12348, 12349, 12350, 12351, 12352, 12353, 12354],
                        dtype=np.int64, name="CustomerID")  # by hand: the guest line gone
    clean, _ = rfm.clean_transactions(tx)
    table = rfm.rfm_table(clean)
    segments = rfm.segment(rfm.rfm_scores(table))
    whole = run_pipeline(tx, k=2)
    for ids in (table.index, segments.index, whole.rfm.index, whole.segments.index):
        pd.testing.assert_index_equal(ids, expected)
    pd.testing.assert_frame_equal(clean, whole.transactions)
    assert clean["CustomerID"].dtype == np.int64
    assert clean["CustomerID"].tolist() == [12347, 12347, 12348, 12349, 12350, 12350,
                                            12351, 12352, 12352, 12353, 12354]


def test_run_warnings_by_hand() -> None:
    """Unstable clusters first (mean ARI below 0.8 only), then rule problems, then one
    sentence per name inversion; each a sentence ending in a full stop."""
    from rfm.rulecheck import INVERSION_COLUMNS

    none = pd.DataFrame(columns=INVERSION_COLUMNS)
    assert run_warnings([], none, 0.95) == []
    assert run_warnings([], none, 0.8) == []
    assert run_warnings([], none, float("nan")) == []
    got = run_warnings(["Your segment rules: 2 of 125 cells match no rule"], none, 0.62)
    assert got[0] == (
        "Unstable clusters: grouping the customers again from other random starting points "
        "gives noticeably different groups. Treat the personas as a rough guide and base "
        "campaigns on the segments, which do not depend on random starts.")
    assert got[1] == "Your segment rules: 2 of 125 cells match no rule."
    inv = pd.DataFrame([["Loyal", "Potential", 10, 20, 400.0, 100.0, 2.0, 6.0, 50.0, 90.0]],
                       columns=INVERSION_COLUMNS)  # fmt: skip
    (sentence,) = run_warnings([], inv, 0.9)
    assert sentence == (
        "“Loyal” is named above “Potential”, but the Potential customers are better on "
        "every count (median 100 against 400 days since the last order, 6 against 2 "
        "orders, spend 90 against 50)."
    )
    level = inv.assign(frequency_below=2.0, monetary_below=0.1375, monetary_above=0.05)
    (sentence,) = run_warnings([], level, 0.9, "purchase days", 3)
    assert sentence == (
        "“Loyal” is named above “Potential”, but the Potential customers are better on "
        "recency and spend and level on purchase days (median 100 against 400 days since "
        "the last order, 2 against 2 purchase days, spend 0.138 against 0.050)."
    )
    # medians that differ below the figures shown read level: 40.5 and 40 days both show 40
    shown_level = inv.assign(recency_below=40.0, recency_above=40.5, monetary_below=50.4,
                             monetary_above=50.2, frequency_below=2.0)  # fmt: skip
    (sentence,) = run_warnings([], shown_level, 0.9)
    assert sentence.endswith(
        "customers are at least as good on every count (median 40 against 40 days since "
        "the last order, 2 against 2 orders, spend 50 against 50).")
    (sentence,) = run_warnings([], shown_level.assign(monetary_below=51.0), 0.9)
    assert "customers are better on spend and level on recency and orders (" in sentence


@pytest.mark.parametrize(("customers", "starts"), [(2_500, True), (1_500, False)])
def test_the_demo_starts_compiling_the_silhouette_before_it_generates_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path, customers: int, starts: bool
) -> None:
    """The demo knows its customers before it generates them, so a first run's side
    process compiling the silhouette's kernels starts then (the pipeline asks again once
    it has its customer table); below the size where the silhouette runs on numpy,
    nothing starts."""
    import rfm.app.pipeline as pipeline
    import rfm.datasets
    from rfm.app.cli import main
    from validation.silhouette import NUMBA_FROM_SAMPLES

    assert 1_500 < NUMBA_FROM_SAMPLES <= 2_500
    events: list[str] = []
    monkeypatch.setattr(pipeline, "compile_ahead",
                        lambda module, *sizes, functions: events.append(module))  # fmt: skip
    generate = rfm.datasets.make_transactions

    def recorded(**kwargs):
        events.append("generate")
        return generate(**kwargs)

    monkeypatch.setattr(rfm.datasets, "make_transactions", recorded)
    rows = str(4 * customers)
    assert main(["demo", "--customers", str(customers), "--rows", rows, "-q",
                 "--out", str(tmp_path / "out")]) == 0  # fmt: skip
    ahead = "validation.silhouette_numba"
    assert events == ([ahead, "generate", ahead] if starts else ["generate"])


def test_the_silhouette_compiles_ahead_between_its_two_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From the size where the silhouette runs on numba kernels, below the size where
    the second process's memory would count more than the time it saves; the side
    process is told the sizes of the run's silhouettes: the sample that chooses k, and
    every customer while their silhouettes are taken one by one."""
    import rfm.app.pipeline as pipeline
    from validation.silhouette import NUMBA_FROM_SAMPLES

    started: list[tuple[str, tuple[int, ...], tuple[str, ...]]] = []
    monkeypatch.setattr(pipeline, "compile_ahead", lambda module, *sizes, functions: started
                        .append((module, sizes, functions)))  # fmt: skip
    top = pipeline.COMPILE_AHEAD_BELOW
    for n in (NUMBA_FROM_SAMPLES - 1, NUMBA_FROM_SAMPLES, 30_000, 50_000, 50_001, top - 1, top):
        pipeline.compile_silhouette_ahead(n)
    ahead, twin, threaded = "validation.silhouette_numba", "_play_round_one_thread", "_play_round"
    assert started == [(ahead, (NUMBA_FROM_SAMPLES, NUMBA_FROM_SAMPLES), (twin,)),
                       (ahead, (10_000, 30_000), (threaded, twin)),
                       (ahead, (10_000, 50_000), (threaded, twin)),
                       (ahead, (10_000,), (twin,)), (ahead, (10_000,), (twin,))]  # fmt: skip


def test_the_order_lines_are_released_as_soon_as_nothing_reads_them_again(tx) -> None:
    """on_reduced (the command line stops its Dask cluster there) comes before scoring
    when no later step reads the order lines (on Dask, the monthly KPIs come with the RFM
    table), else after the last one that does."""
    import dask
    import dask.dataframe as dd

    cols = TransactionColumns(amount="TotalAmount", quantity=None, price=None)
    last_day = pd.Timestamp(tx["InvoiceDate"].max()).normalize()
    since = {"compare_to": str((last_day - pd.Timedelta(days=90)).date())}
    on_dask = dd.from_pandas(tx, npartitions=2)
    cases = [(on_dask, {}, "scoring"), (on_dask, since, "clustering"),
             (tx, {}, "clustering")]  # fmt: skip
    for data, changes, next_step in cases:
        events: list[str] = []
        with dask.config.set(scheduler="threads"):
            run_pipeline(data, columns=cols, k=3, progress=events.append,
                         on_reduced=lambda events=events: events.append("released"),
                         **changes)  # fmt: skip
        released = events.index("released")
        assert events[released + 1].startswith(next_step), (changes, events)
        if changes:
            assert any(e.startswith("segment migration") for e in events[:released])
        if data is tx:  # in memory the monthly KPIs read the order lines after scoring
            assert events[released - 1] == "monthly KPIs"


def test_spending_less_than_nothing_is_beyond_rounding() -> None:
    """A purchase returned in full can sum to -5e-15: that customer spent nothing, not less
    than nothing; -3 is less than nothing, one customer in the singular."""
    from rfm.rulecheck import spent_less_than_nothing

    rfm = pd.DataFrame({"monetary": [120.0, -5.3e-15, 0.0, 45.5]})
    assert spent_less_than_nothing(rfm) == []
    assert spent_less_than_nothing(rfm.assign(monetary=[120.0, -5.3e-15, -3.0, 45.5])) == [
        "1 customer spent less than nothing: its returns outweigh its purchases. Segment "
        "and persona names that speak of loyalty or spend do not fit it; read its spend "
        "before acting on the name"]


def test_returns_are_kept_only_by_the_flag_for_the_files_money() -> None:
    """Money from an amount column: the amount flag keeps returns, the quantity flag keeps
    nothing of this file; money from quantity × price: the quantity flag, and the price
    flag too (a line priced below 0 is worth less than 0: a return, no purchase), not
    the amount flag."""
    from rfm import Settings
    from rfm.app.pipeline import returns_kept
    from rfm.columns import TransactionColumns

    amount = TransactionColumns(amount="Total", quantity=None, price=None)
    lines = TransactionColumns(quantity="Quantity", price="UnitPrice")
    keep_q = Settings(cleaning={"drop_nonpositive_quantity": False}).cleaning
    keep_a = Settings(cleaning={"drop_nonpositive_amount": False}).cleaning
    keep_p = Settings(cleaning={"drop_nonpositive_price": False}).cleaning
    assert returns_kept(keep_a, amount) and not returns_kept(keep_q, amount)
    assert returns_kept(keep_q, lines) and not returns_kept(keep_a, lines)
    assert returns_kept(keep_p, lines) and not returns_kept(Settings().cleaning, lines)
    assert not returns_kept(keep_p, amount)
