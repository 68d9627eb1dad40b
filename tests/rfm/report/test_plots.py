"""rfm.report.plots: each figure, read back from its SVG, shows the data it was given.

Every check reads the drawing as a reader would (positions of marks, turned into values
through the axes' tick labels, see ``_svg.axis``) and compares them with figures computed
here from the raw data: numpy percentiles, pandas groupby and crosstab, a numpy SVD.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _svg import SVG, axis, classes, find_all, local, parse, step

from rfm import kpis
from rfm.datasets import make_transactions
from rfm.projection import pca_projection
from rfm.report import plots

#: a mark read back through an axis is off by at most its own rounding to 0.1 px (0.05) and
#: the axis' (0.1)
PX = 0.15


# -- elbow -----------------------------------------------------------------------------

ELBOW = pd.DataFrame(
    {"k": range(2, 10), "inertia": [980.5, 610.2, 402.0, 350.3, 300.1, 270.9, 255.0, 240.2]}
)


@pytest.mark.parametrize(("k", "suggested"), [(4, 3), (5, 5), (3, None)])
def test_elbow_points_map_back_to_the_inertia_and_mark_the_chosen_k(k, suggested) -> None:
    root = parse(plots.elbow_plot(ELBOW, k, suggested=suggested))
    to_k, to_inertia = axis(root, "x"), axis(root, "y left")
    tol = PX * step(root, "y left")
    dots = find_all(root, "circle")
    series = [d for g in find_all(root, "g", "series") for d in g if local(d.tag) == "circle"]
    assert len(series) == len(ELBOW)
    cx = np.array([float(d.get("cx")) for d in series])
    cy = np.array([float(d.get("cy")) for d in series])
    np.testing.assert_allclose(to_k(cx), ELBOW["k"], atol=PX * step(root, "x"))
    np.testing.assert_allclose(to_inertia(cy), ELBOW["inertia"], atol=tol)
    # SVG's y grows downwards: the larger the inertia, the higher the point
    assert list(np.argsort(cy)) == list(np.argsort(-ELBOW["inertia"].to_numpy()))
    ring = [d for d in dots if "chosen" in classes(d)]
    assert len(ring) == 1
    assert to_k(float(ring[0].get("cx"))) == pytest.approx(k, abs=0.01)
    want = float(ELBOW.loc[ELBOW["k"] == k, "inertia"].iloc[0])
    assert to_inertia(float(ring[0].get("cy"))) == pytest.approx(want, abs=tol)
    texts = [t.text for t in find_all(root, "text")]
    square = find_all(root, "rect", "suggested")
    if suggested is not None and suggested != k:
        assert f"suggested by the elbow: k = {suggested}" in texts
        centre = float(square[0].get("x")) + float(square[0].get("width")) / 2
        assert to_k(centre) == pytest.approx(suggested, abs=0.01)
    else:
        assert square == []
    also = " (also the elbow's)" if suggested == k else ""
    assert f"chosen k = {k}{also}" in texts


# -- silhouette ------------------------------------------------------------------------


def test_silhouette_bands_show_each_clusters_values_and_the_mean() -> None:
    rng = np.random.default_rng(7)
    sizes = {"b": 4000, "a": 900, "c": 60}
    labels = pd.Series(np.repeat(list(sizes), list(sizes.values())))
    sil = rng.uniform(-0.25, 0.9, len(labels))
    order = ["a", "b", "c"]
    names = {"a": "Alpha", "b": "Beta", "c": "Gamma"}
    root = parse(plots.silhouette_plot(sil, labels, names, order=order))
    to_value = axis(root, "x")
    tol = PX * step(root, "x")
    bands = find_all(root, "polygon", "band")
    assert [b.find(SVG + "title").text for b in bands] == [names[c] for c in order]
    heights = []
    for band, c in zip(bands, order, strict=True):
        pts = np.array([[float(v) for v in p.split(",")] for p in band.get("points").split()])
        xs, ys = pts[1:-1, 0], pts[1:-1, 1]  # without the two corners on the zero line
        values = sil[labels.to_numpy() == c]
        assert to_value(xs.max()) == pytest.approx(values.max(), abs=tol)
        assert to_value(xs.min()) == pytest.approx(values.min(), abs=tol)
        assert np.all(np.diff(xs) <= 1e-9)  # sorted: largest at the top
        assert to_value(pts[0, 0]) == pytest.approx(0.0, abs=tol)  # bars start at 0
        heights.append(ys.max() - ys.min())
        assert len(pts) <= heights[-1] + 6  # at most one value per pixel row (+ corners)
    # band heights in proportion to the cluster sizes (the smallest kept at 8 px)
    assert heights[0] / heights[1] == pytest.approx(sizes["a"] / sizes["b"], rel=0.02)
    assert heights[2] >= 8 - 0.1
    mean = find_all(root, "line", "mean")
    assert to_value(float(mean[0].get("x1"))) == pytest.approx(sil.mean(), abs=tol)


# -- PCA scatter -----------------------------------------------------------------------


def svd_projection(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores on the first two principal axes by numpy's SVD of the centred data, each
    axis signed so that its largest loading is positive; and the variance ratios."""
    centred = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    big = vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)]
    vt = vt * np.sign(big)[:, None]
    return centred @ vt[:2].T, (s**2 / (s**2).sum())[:2]


def test_pca_projection_is_the_svd_projection_of_a_seeded_sample() -> None:
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(5000, 3)) @ np.array([[3, 1, 0], [0, 1, 0], [0, 0, 0.3]]),
                     index=[f"c{i}" for i in range(5000)])  # fmt: skip
    proj = pca_projection(X, max_points=1200, random_state=11)
    scores, ratio = svd_projection(X.to_numpy())
    assert proj.n_customers == 5000 and len(proj.points) == 1200
    assert proj.points.index.is_unique
    rows = X.index.get_indexer(proj.points.index)
    assert (rows >= 0).all() and (np.diff(rows) > 0).all()  # rows of X, in X's order
    np.testing.assert_allclose(proj.points[["pc1", "pc2"]], scores[rows], atol=1e-9)
    np.testing.assert_allclose(proj.explained_variance_ratio, ratio, rtol=1e-12)
    again = pca_projection(X, max_points=1200, random_state=11)
    pd.testing.assert_frame_equal(again.points, proj.points)  # seeded
    other = pca_projection(X, max_points=1200, random_state=12)
    assert not other.points.index.equals(proj.points.index)
    small = pca_projection(X.iloc[:50])
    assert list(small.points.index) == list(X.index[:50])  # all rows when few


@pytest.mark.parametrize(("X", "message"), [(np.zeros((5, 1)), "2 columns"),
                                            (np.zeros((1, 3)), "2 rows")])  # fmt: skip
def test_pca_projection_refuses_too_little_data(X, message) -> None:
    with pytest.raises(ValueError, match=message):
        pca_projection(X)


def test_pca_scatter_dots_are_the_projected_customers_by_cluster() -> None:
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(4000, 3)), index=np.arange(4000) * 7)
    labels = pd.Series(rng.integers(0, 3, 4000), index=X.index)
    proj = pca_projection(X, max_points=900, random_state=1)
    names = {0: "Zero", 1: "One", 2: "Two"}
    root = parse(plots.pca_scatter(proj, labels, names, order=[2, 0, 1]))
    to_x, to_y = axis(root, "x"), axis(root, "y left")
    scores, ratio = svd_projection(X.to_numpy())
    rows = X.index.get_indexer(proj.points.index)
    groups = find_all(root, "g", "series")
    assert [g[0].text for g in groups] == ["Two", "Zero", "One"]  # titles, in rank order
    for g, c in zip(groups, [2, 0, 1], strict=True):
        dots = [d for d in g if local(d.tag) == "circle"]
        got = np.array([[to_x(float(d.get("cx"))), to_y(float(d.get("cy")))] for d in dots])
        want = scores[rows][labels.to_numpy()[rows] == c]
        assert len(got) == len(want)
        np.testing.assert_allclose(got[:, 0], want[:, 0], atol=PX * step(root, "x"))
        np.testing.assert_allclose(got[:, 1], want[:, 1], atol=PX * step(root, "y left"))
    texts = [t.text for t in find_all(root, "text")]
    assert f"PC1 ({ratio[0]:.0%} of variance)" in texts
    assert "a random sample of 900 of the 4,000 customers" in texts


# -- boxplots --------------------------------------------------------------------------


def tukey(values: np.ndarray) -> tuple[float, float, float, float, float]:
    """Whisker ends, quartiles and median: the quartiles are numpy's percentiles; each
    whisker is the most extreme value found by scanning the sorted values for the last
    one within 1.5 × IQR of the box."""
    v = np.sort(values)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    low_fence, high_fence = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    low = next(x for x in v if x >= low_fence)
    high = next(x for x in v[::-1] if x <= high_fence)
    return low, q1, med, q3, high


def test_box_stats_hand_case() -> None:
    # quartiles of 1..8, 100: 3 and 7 (IQR 4), so 100 is beyond 7 + 6 and the whisker stops at 8
    assert tuple(plots.box_stats(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 100]))) == (1, 3, 5, 7, 8)


def test_boxplot_whiskers_and_quartiles_are_tukeys_on_numpy_percentiles() -> None:
    rng = np.random.default_rng(9)
    n = 3000
    labels = pd.Series(rng.integers(0, 3, n), index=[f"k{i}" for i in range(n)])
    recency = rng.normal(400, 40, n).round()
    recency[:40] = rng.integers(1, 10, 40)  # a few very recent customers: low outliers
    rfm = pd.DataFrame({
        "recency": recency,
        "frequency": rng.geometric(0.3, n).astype(float),
        "monetary": rng.lognormal(5, 1.2, n),
    }, index=labels.index[::-1])  # fmt: skip
    order = [1, 2, 0]
    panels = plots.boxplot_panels(rfm, labels, {0: "A", 1: "B", 2: "C"}, order=order)
    assert len(panels) == 4  # recency, frequency, spend, legend
    lab = labels.reindex(rfm.index).to_numpy()
    for svg, col, log in zip(panels, ["recency", "frequency", "monetary"], [False, True, True],
                             strict=False):  # fmt: skip
        root = parse(svg)
        to_value = axis(root, "y left", log=log)
        per_px = step(root, "y left", log=log)
        boxes = find_all(root, "g", "box")
        assert len(boxes) == 3
        for box, c in zip(boxes, order, strict=True):
            low, q1, med, q3, high = tukey(rfm[col].to_numpy()[lab == c])
            whiskers = [el for el in box if "whisker" in classes(el)]
            rect = next(el for el in box if "iqr" in classes(el))
            median = next(el for el in box if "median" in classes(el))
            top, bottom = float(rect.get("y")), float(rect.get("y")) + float(rect.get("height"))
            got = {
                "low": float(whiskers[0].get("y2")), "q1": bottom, "median":
                float(median.get("y1")), "q3": top, "high": float(whiskers[1].get("y2")),
            }  # fmt: skip
            want = {"low": low, "q1": q1, "median": med, "q3": q3, "high": high}
            for key, pixel in got.items():
                value, expected = to_value(pixel), want[key]
                if log:  # compare on the axis' own (log10) scale
                    value, expected = np.log10(value), np.log10(expected)
                assert value == pytest.approx(expected, abs=2 * PX * per_px), (col, c, key)
    whole = parse(plots.boxplots(rfm, labels, {0: "A", 1: "B", 2: "C"}, order=order))
    assert len(find_all(whole, "g", "box")) == 9


def test_log_axis_labels_are_plain_numbers() -> None:
    rng = np.random.default_rng(1)
    rfm = pd.DataFrame({"recency": rng.uniform(1, 50, 400), "frequency": rng.integers(1, 40, 400),
                        "monetary": rng.lognormal(6, 2, 400)})  # fmt: skip
    labels = pd.Series(rng.integers(0, 2, 400))
    root = parse(plots.boxplot_panels(rfm, labels)[2])
    ticks = [t.text for g in find_all(root, "g", "tick") for t in g if local(t.tag) == "text"]
    assert "1,000" in ticks or "10,000" in ticks
    assert all(set(t) <= set("0123456789,.") for t in ticks), ticks  # never 10⁰, 1e3


# -- monthly trend ---------------------------------------------------------------------


def test_monthly_bars_and_line_equal_a_groupby_of_the_order_lines() -> None:
    tx = make_transactions(n_customers=400, n_rows=4000, random_state=8)
    month = tx["InvoiceDate"].dt.to_period("M")
    revenue = tx.groupby(month)["TotalAmount"].sum()
    active = tx.groupby(month)["CustomerID"].nunique()
    first, last = tx["InvoiceDate"].min(), tx["InvoiceDate"].max()
    partial = [str(first.to_period("M"))] if first.day > 1 else []
    partial += [str(last.to_period("M"))] if last.day < last.days_in_month else []
    partial = partial or [str(revenue.index[0])]  # (hatch one month even if none is partial)
    table = kpis.monthly(tx, amount="TotalAmount")
    root = parse(plots.monthly_plot(table, partial=partial))
    to_revenue, to_active = axis(root, "y left"), axis(root, "y right")
    bars = find_all(root, "rect", "bar")
    assert len(bars) == len(revenue)
    tops = np.array([float(b.get("y")) for b in bars])
    bottoms = tops + np.array([float(b.get("height")) for b in bars])
    np.testing.assert_allclose(to_revenue(tops), revenue.to_numpy(),
                               atol=2 * PX * step(root, "y left"))  # fmt: skip
    np.testing.assert_allclose(to_revenue(bottoms), 0, atol=2 * PX * step(root, "y left"))
    hatched = [str(m) for m, b in zip(revenue.index, bars, strict=True) if "partial" in classes(b)]
    assert hatched == partial
    line = [d for g in find_all(root, "g", "series") for d in g if local(d.tag) == "circle"]
    cy = np.array([float(d.get("cy")) for d in line])
    np.testing.assert_allclose(to_active(cy), active.to_numpy(), atol=PX * step(root, "y right"))
    # each point sits over its month's bar
    bar_centres = [float(b.get("x")) + float(b.get("width")) / 2 for b in bars]
    np.testing.assert_allclose([float(d.get("cx")) for d in line], bar_centres, atol=0.1)
    texts = [t.text for t in find_all(root, "text")]
    assert "partial month (not all days in the data)" in texts
    unmarked = parse(plots.monthly_plot(table))
    assert "partial month (not all days in the data)" not in [
        t.text for t in find_all(unmarked, "text")
    ]
    assert not find_all(unmarked, "rect", "partial")


# -- heatmaps --------------------------------------------------------------------------


def cell_labels(panel: list) -> list[str]:
    return [t.text for g in panel for t in g if local(t.tag) == "text"]


def test_rf_heatmaps_cells_equal_a_crosstab_and_mean_spend() -> None:
    import rfm

    tx = make_transactions(n_customers=600, n_rows=5000, random_state=4)
    scores = rfm.rfm_scores(rfm.rfm_table(tx, amount="TotalAmount"))
    counts = pd.crosstab(scores["r_score"], scores["f_score"]).sort_index(ascending=False)
    means = scores.groupby(["r_score", "f_score"])["monetary"].mean()
    root = parse(plots.rf_heatmaps(scores))
    grids = find_all(root, "g", "cells")
    assert len(grids) == 2
    customer_cells = [g for g in grids[0] if "cell" in classes(g)]
    spend_cells = [g for g in grids[1] if "cell" in classes(g)]
    want_counts = [f"{v:,}" for v in counts.to_numpy().ravel()]
    assert [cell_labels([g])[0] for g in customer_cells] == want_counts
    want_means = [
        f"{means[(r, f)]:,.0f}" if (r, f) in means.index else ""
        for r in counts.index for f in counts.columns
    ]  # fmt: skip
    assert [(cell_labels([g]) or [""])[0] for g in spend_cells] == want_means


def test_weekday_hour_heatmap_tooltips_equal_a_pivot() -> None:
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=6)
    matrix = kpis.weekday_hour(tx, amount="TotalAmount")
    by_cell = tx.groupby([tx["InvoiceDate"].dt.day_of_week, tx["InvoiceDate"].dt.hour])[
        "TotalAmount"].sum()  # fmt: skip
    root = parse(plots.weekday_hour_heatmap(matrix))
    cells = [g for g in find_all(root, "g", "cell")]
    assert len(cells) == matrix.size
    for i, day in enumerate(matrix.index):
        for j, hour in enumerate(matrix.columns):
            tip = next(t for t in cells[i * matrix.shape[1] + j] if local(t.tag) == "title").text
            want = by_cell.get((i, int(hour)), 0.0)
            assert tip == f"{day} {hour}:00: revenue {want:,.0f}", tip


def test_save_writes_a_standalone_svg_file(tmp_path) -> None:
    svg = plots.elbow_plot(ELBOW, 4)
    path = plots.save(svg, tmp_path, "elbow.svg")
    text = path.read_text(encoding="utf-8")
    assert parse(text).tag == "{http://www.w3.org/2000/svg}svg"
    with pytest.raises(ValueError, match=r"\*\.svg"):
        plots.save(svg, tmp_path, "elbow.png")


def test_figures_escape_names() -> None:
    labels = pd.Series([0, 0, 1, 1, 1])
    names = {0: "<script>alert(1)</script>", 1: 'A & "B"'}
    svg = plots.silhouette_plot(np.array([0.1, 0.2, 0.3, 0.4, 0.5]), labels, names)
    assert "<script>" not in svg
    texts = [t.text for t in find_all(parse(svg), "text")]
    assert "1  <script>alert(1)</script>" in texts and '2  A & "B"' in texts
