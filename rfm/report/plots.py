"""The report's figures as SVG text, drawn with :mod:`rfm.report.charts` (no plotting
library needed).

Every function takes plain tables and returns one standalone ``<svg>`` element: inline it
in an HTML page, or write it to a file with :func:`save`. Clusters keep one colour (and
one number, their rank) across the silhouette plot, the scatter plot and the boxplots, in
the order given by ``order`` (the profile's rank order, best first) or by cluster id.

=====================  ====================================================================
elbow_plot             inertia against k; the chosen k and the elbow's suggestion marked
silhouette_plot        each cluster's silhouette values, sorted, as a filled band
pca_scatter            customers on the first two principal components (a sample)
boxplots               recency, frequency and spend per cluster (log axis for F and M)
boxplot_panels         the same as separate SVGs: three panels and their legend
monthly_plot           monthly revenue (bars, partial months hatched), active customers
rf_heatmaps            R score × F score: customers and mean spend
weekday_hour_heatmap   revenue by weekday × hour
holdout_plot           purchases in a holdout period: predicted against actual
=====================  ====================================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from rfm._inputs import RFM_COLUMNS
from rfm.projection import Projection
from rfm.report import charts as ch
from rfm.report.charts import Chart, Frame, LegendItem, esc

__all__ = [
    "BoxStats",
    "box_stats",
    "boxplot_panels",
    "boxplots",
    "elbow_plot",
    "holdout_plot",
    "monthly_plot",
    "pca_scatter",
    "rf_heatmaps",
    "save",
    "silhouette_plot",
    "weekday_hour_heatmap",
]

#: width of a one-panel chart, in pixels (it shrinks to fit a narrower screen)
WIDTH = 460
CHOSEN = "#c0392b"
SUGGESTED = "#555"
REVENUE = "#4c72b0"
ACTIVE = "#c0392b"


def _title(frame: Frame, title: str, note: str = "") -> str:
    out = ch.text(frame.width / 2, 18, title, anchor="middle", size=13, bold=True)
    if note:
        out += ch.text(frame.width / 2, 32, note, anchor="middle", size=11, colour="#666")
    return out


def _clusters(
    labels: pd.Series, names: Mapping[Any, str] | None, order: Sequence[Any] | None
) -> list[tuple[Any, str, str]]:
    """(cluster id, name, colour) of each cluster present: those in ``order`` first, in that
    order, then the others by id; unnamed clusters are called "cluster <id>"."""
    present = set(pd.unique(labels).tolist())
    ids = [c for c in order if c in present] if order is not None else []
    ids += sorted(present - set(ids))
    return [
        (c, names[c] if names and c in names else f"cluster {c}", ch.PALETTE[i % len(ch.PALETTE)])
        for i, c in enumerate(ids)
    ]


def _cluster_legend(
    clusters: list[tuple[Any, str, str]], width: float, swatch: str,
    extra: Sequence[LegendItem] = (),
) -> Chart:
    """The legend of the cluster plots: each cluster's number (its rank) and name."""
    items = [LegendItem(col, f"{i}  {name}", swatch) for i, (_, name, col)
             in enumerate(clusters, 1)]  # fmt: skip
    return ch.legend([*items, *extra], width, label="legend of the clusters")


# -- elbow -----------------------------------------------------------------------------


def elbow_plot(elbow: pd.DataFrame, k: int, *, suggested: int | None = None) -> str:
    """Inertia against k (:func:`kmeans_np.elbow`'s table, columns ``k`` and ``inertia``):
    a line through one point per k, the chosen ``k`` ringed in red and the elbow's
    ``suggested`` k (when another) in a grey square, each with its label."""
    ks = elbow["k"].to_numpy(dtype=float)
    inertia = elbow["inertia"].to_numpy(dtype=float)
    frame = Frame.inside(WIDTH, 300, left=76, right=20)
    x = ch.integer_axis(ks, frame.left, frame.right)
    y = ch.linear_axis(inertia, frame.bottom, frame.top)
    px, py = x.scale(ks), y.scale(inertia)
    parts = [
        _title(frame, "Elbow curve"),
        ch.y_axis(frame, y, "inertia (within-cluster sum of squares)"),
        ch.x_axis(frame, x, "number of clusters k"),
        ch.polyline(px, py, ch.PALETTE[0]),
        ch.circles(px, py, ch.PALETTE[0], r=4, cls="series", title="inertia"),
    ]

    def point(at: int) -> tuple[float, float] | None:
        hit = np.flatnonzero(ks == at)
        return (float(px[hit[0]]), float(py[hit[0]])) if len(hit) else None

    if suggested is not None and suggested != k and (p := point(suggested)):
        parts.append(f'<rect class="suggested" x="{p[0] - 9:.1f}" y="{p[1] - 9:.1f}" '
                     f'width="18" height="18" fill="none" stroke="{SUGGESTED}" '
                     'stroke-width="2"/>')  # fmt: skip
        parts.append(_annotate(frame, p, f"suggested by the elbow: k = {suggested}", SUGGESTED,
                               below=True))  # fmt: skip
    if p := point(k):
        parts.append(f'<circle class="chosen" cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="10" '
                     f'fill="none" stroke="{CHOSEN}" stroke-width="2"/>')  # fmt: skip
        label = f"chosen k = {k}" + (" (also the elbow's)" if suggested == k else "")
        parts.append(_annotate(frame, p, label, CHOSEN, below=False))
    return Chart(WIDTH, frame.height, "".join(parts), "elbow curve").svg()


def _annotate(frame: Frame, at: tuple[float, float], label: str, colour: str, *,
              below: bool) -> str:  # fmt: skip
    """A label beside a marked point: above and to the right, or below and to the left
    (on a falling curve both sides are empty), turned around when it would leave the
    chart."""
    x, y = at
    width = 6.6 * len(label)
    right = not below
    if right and x + 14 + width > frame.width:
        right = False
    elif not right and x - 14 - width < 0:
        right = True
    return ch.text(x + 14 if right else x - 14, y + 24 if below else y - 14, label,
                   anchor="start" if right else "end", colour=colour)  # fmt: skip


# -- silhouette ------------------------------------------------------------------------


def silhouette_plot(
    silhouette: np.ndarray,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
) -> str:
    """The classic silhouette plot (Rousseeuw 1987): one band per cluster, its customers'
    silhouette values sorted from the largest (top) to the smallest, drawn as bars from 0.

    Band heights are proportional to the clusters' sizes (but at least 8 px). A band is
    drawn as one filled outline through at most one value per pixel row (evenly spaced
    ranks of the sorted values, first and last included), which is all a screen can show
    of tens of thousands of bars. The dashed red line is the mean over all customers.
    """
    sil = np.asarray(silhouette, dtype=float)
    lab = labels.to_numpy()
    if len(sil) != len(lab):
        raise ValueError(f"silhouette has {len(sil)} values for {len(lab)} labels.")
    clusters = _clusters(labels, names, order)
    frame = Frame.inside(WIDTH, 340, left=36, right=20)
    x = ch.linear_axis([min(-0.1, float(sil.min())), 1.0], frame.left, frame.right)
    gap = 6.0
    counts = np.array([(lab == c).sum() for c, _, _ in clusters], dtype=float)
    heights = _band_heights(counts, frame.bottom - frame.top - gap * (len(clusters) - 1))
    x0 = float(x.scale(0.0))
    parts = [_title(frame, "Silhouette per customer, by cluster"),
             ch.x_axis(frame, x, "silhouette value", grid=True)]  # fmt: skip
    top = frame.top
    for i, ((c, name, colour), h) in enumerate(zip(clusters, heights, strict=True), 1):
        values = np.sort(sil[lab == c])[::-1]
        m = max(1, min(len(values), math.ceil(h)))
        picked = values[np.round(np.linspace(0, len(values) - 1, m)).astype(int)]
        ys = np.linspace(top, top + h, m)
        outline = [(x0, top), (float(x.scale(picked[0])), top),
                   *zip(x.scale(picked).tolist(), ys.tolist(), strict=True),
                   (float(x.scale(picked[-1])), top + h), (x0, top + h)]  # fmt: skip
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in outline)
        parts.append(f'<polygon class="band" points="{points}" fill="{colour}" '
                     f'fill-opacity="0.85"><title>{esc(name)}</title></polygon>')  # fmt: skip
        parts.append(ch.text(frame.left - 8, top + h / 2 + 4, i, anchor="end"))
        top += h + gap
    mean = float(sil.mean())
    xm = float(x.scale(mean))
    parts.append(
        f'<line x1="{x0:.1f}" y1="{frame.top:.1f}" x2="{x0:.1f}" y2="{frame.bottom:.1f}" '
        f'stroke="#999"/><line class="mean" x1="{xm:.1f}" y1="{frame.top:.1f}" x2="{xm:.1f}" '
        f'y2="{frame.bottom:.1f}" stroke="{CHOSEN}" stroke-width="1.5" stroke-dasharray="5 4"/>'
    )
    plot = Chart(WIDTH, frame.height, "".join(parts), "silhouette plot")
    mean_key = LegendItem(CHOSEN, f"mean ({mean:.2f})", "line")
    key = _cluster_legend(clusters, WIDTH, "box", [mean_key])
    return ch.stack([plot, key], across=False, gap=4, label="silhouette plot").svg()


def _band_heights(counts: np.ndarray, room: float, least: float = 8.0) -> np.ndarray:
    """Split ``room`` pixels in proportion to ``counts``, except that no band gets less
    than ``least``: those are set to ``least`` and the rest share what is left, in
    proportion (repeated until no band is below ``least``)."""
    fixed = np.zeros(len(counts), dtype=bool)
    while True:
        share = (room - least * fixed.sum()) * counts / counts[~fixed].sum()
        heights = np.where(fixed, least, share)
        low = ~fixed & (heights < least)
        if not low.any():
            return heights
        fixed |= low


# -- PCA scatter -----------------------------------------------------------------------


def pca_scatter(
    projection: Projection,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
) -> str:
    """Customers on the first two principal components, one colour per cluster.

    ``projection`` is :func:`rfm.projection.pca_projection`'s result (a seeded sample
    of the customers when there are many); ``labels`` gives each customer's cluster, on
    the same index.
    """
    pts = projection.points
    lab = labels.reindex(pts.index)
    if lab.isna().any():
        raise ValueError("labels must give a cluster for every customer of the projection.")
    clusters = _clusters(lab, names, order)
    shown, total = len(pts), projection.n_customers
    note = f"a random sample of {shown:,} of the {total:,} customers" if shown < total else ""
    frame = Frame.inside(WIDTH, 360, top=44 if note else 34, left=64, right=20)
    ratio = projection.explained_variance_ratio
    x = ch.linear_axis(pts["pc1"], frame.left, frame.right)
    y = ch.linear_axis(pts["pc2"], frame.bottom, frame.top)
    parts = [
        _title(frame, "Clusters on the first two principal components", note),
        ch.y_axis(frame, y, f"PC2 ({ratio[1]:.0%} of variance)"),
        ch.x_axis(frame, x, f"PC1 ({ratio[0]:.0%} of variance)"),
    ]
    values = lab.to_numpy()
    for c, name, colour in clusters:
        m = values == c
        parts.append(ch.circles(x.scale(pts["pc1"].to_numpy()[m]),
                                y.scale(pts["pc2"].to_numpy()[m]), colour, r=2.2,
                                cls="series", opacity=0.65, title=name))  # fmt: skip
    plot = Chart(WIDTH, frame.height, "".join(parts), "PCA scatter")
    key = _cluster_legend(clusters, WIDTH, "dot")
    return ch.stack([plot, key], across=False, gap=4, label="PCA scatter").svg()


# -- boxplots --------------------------------------------------------------------------


class BoxStats(NamedTuple):
    """A box and its whiskers: see :func:`box_stats`."""

    low: float
    q1: float
    median: float
    q3: float
    high: float


def box_stats(values: np.ndarray) -> BoxStats:
    """Tukey's box: quartiles ``q1``, ``median``, ``q3`` by linear interpolation between
    order statistics (numpy's default percentile); the whiskers reach the most extreme
    values within 1.5 × IQR of the box, ``low = min{v ≥ q1 − 1.5 IQR}`` and
    ``high = max{v ≤ q3 + 1.5 IQR}`` (IQR = q3 − q1). Values beyond them (outliers) are
    not drawn.

    Examples
    --------
    >>> box_stats(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 100]))
    BoxStats(low=1.0, q1=3.0, median=5.0, q3=7.0, high=8.0)
    """
    v = np.asarray(values, dtype=float)
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    reach = 1.5 * (q3 - q1)
    return BoxStats(float(v[v >= q1 - reach].min()), float(q1), float(median), float(q3),
                    float(v[v <= q3 + reach].max()))  # fmt: skip


PANEL_TITLES = {"recency": "days since last order", "frequency": "orders", "monetary": "spend"}
PANEL = 300


def _box_panel(column: str, data: list[np.ndarray], clusters: list[tuple[Any, str, str]],
               titles: Mapping[str, str] = PANEL_TITLES) -> Chart:
    stats = [box_stats(d) if len(d) else None for d in data]
    ends = [v for s in stats if s is not None for v in (s.low, s.high)]
    log = column != "recency" and all((d > 0).all() for d in data if len(d))
    frame = Frame.inside(PANEL, 300, left=62, right=12, bottom=40)
    if log:
        y = ch.log_axis(ends, frame.bottom, frame.top)
    else:
        y = ch.linear_axis(ends, frame.bottom, frame.top)
    centres = ch.band_centres(len(clusters), frame.left, frame.right)
    x = ch.band_axis([str(i) for i in range(1, len(clusters) + 1)], frame.left, frame.right)
    title = titles.get(column, column) + (" (log scale)" if log else "")
    parts = [_title(frame, title), ch.y_axis(frame, y), ch.x_axis(frame, x, "cluster")]
    half = min(18.0, 0.3 * (frame.right - frame.left) / max(1, len(clusters)))
    for cx, s, (_, name, colour) in zip(centres, stats, clusters, strict=True):
        if s is None:
            continue
        low, q1, med, q3, high = (float(y.scale(v)) for v in s)
        parts.append(
            f'<g class="box" stroke="{ch.INK}"><title>{esc(name)}</title>'
            f'<line class="whisker" x1="{cx:.1f}" y1="{q1:.1f}" x2="{cx:.1f}" y2="{low:.1f}"/>'
            f'<line class="whisker" x1="{cx:.1f}" y1="{q3:.1f}" x2="{cx:.1f}" y2="{high:.1f}"/>'
            f'<line class="cap" x1="{cx - half / 2:.1f}" y1="{low:.1f}" x2="{cx + half / 2:.1f}" '
            f'y2="{low:.1f}"/><line class="cap" x1="{cx - half / 2:.1f}" y1="{high:.1f}" '
            f'x2="{cx + half / 2:.1f}" y2="{high:.1f}"/>'
            f'<rect class="iqr" x="{cx - half:.1f}" y="{q3:.1f}" width="{2 * half:.1f}" '
            f'height="{q1 - q3:.1f}" fill="{colour}" fill-opacity="0.8"/>'
            f'<line class="median" x1="{cx - half:.1f}" y1="{med:.1f}" x2="{cx + half:.1f}" '
            f'y2="{med:.1f}" stroke-width="2"/></g>'
        )
    return Chart(PANEL, frame.height, "".join(parts), f"boxplot of {titles.get(column)}")


def _box_charts(
    rfm: pd.DataFrame, labels: pd.Series, names: Mapping[Any, str] | None,
    order: Sequence[Any] | None,
    titles: Mapping[str, str] | None = None,
) -> list[Chart]:
    clusters = _clusters(labels, names, order)
    lab = labels.reindex(rfm.index).to_numpy()
    panel_titles = {**PANEL_TITLES, **(titles or {})}
    panels = [
        _box_panel(col, [rfm[col].to_numpy(dtype=float)[lab == c] for c, _, _ in clusters],
                   clusters, panel_titles)
        for col in RFM_COLUMNS
    ]  # fmt: skip
    return [*panels, _cluster_legend(clusters, PANEL, "box")]


def boxplot_panels(
    rfm: pd.DataFrame,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
    titles: Mapping[str, str] | None = None,
) -> list[str]:
    """:func:`boxplots` as four SVGs (recency, frequency, spend, then the legend of the
    clusters), for a page that lays them out itself: side by side on a wide screen, one
    under the other on a phone. ``titles`` replaces panel titles by dimension (e.g.
    ``{"frequency": "purchase days"}`` for data without an invoice column)."""
    return [c.svg() for c in _box_charts(rfm, labels, names, order, titles)]


def boxplots(
    rfm: pd.DataFrame,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
) -> str:
    """Recency, frequency and spend per cluster as Tukey boxplots (:func:`box_stats`), one
    panel each, clusters numbered in ``order`` and coloured as in the other cluster plots;
    frequency and spend on a log axis when all values are positive. ``labels`` gives each
    customer's cluster on ``rfm``'s index."""
    *panels, key = _box_charts(rfm, labels, names, order)
    row = ch.stack(panels)
    return ch.stack([row, key], across=False, gap=4, label="boxplots of R, F, M by cluster").svg()


# -- monthly trend ---------------------------------------------------------------------


def monthly_plot(monthly: pd.DataFrame, *, partial: Iterable[Any] = ()) -> str:
    """Monthly revenue (bars, left axis) and active customers (red line, right axis) from
    :func:`rfm.kpis.monthly`'s table; the months in ``partial`` (first or last month not
    fully covered by the data) are hatched. Both axes start at zero."""
    months = [str(m) for m in monthly.index]
    cut = {str(m) for m in partial}
    revenue = monthly["revenue"].to_numpy(dtype=float)
    active = monthly["active_customers"].to_numpy(dtype=float)
    width = WIDTH
    frame = Frame.inside(width, 320, left=76, right=64, bottom=80)
    left = ch.linear_axis(revenue, frame.bottom, frame.top, zero=True)
    right = ch.linear_axis(active, frame.bottom, frame.top, zero=True)
    centres = ch.band_centres(len(months), frame.left, frame.right)
    every = max(1, math.ceil(len(months) / 20))  # labels at least 16 px apart
    x = ch.band_axis(months, frame.left, frame.right, every=every)
    band = (frame.right - frame.left) / max(1, len(months))
    parts = [
        ch.hatch_pattern(REVENUE),
        _title(frame, "Monthly revenue and active customers"),
        ch.y_axis(frame, left, "revenue", colour=REVENUE),
        ch.y_axis(frame, right, "active customers", side="right", colour=ACTIVE, grid=False),
        ch.x_axis(frame, x, rotate=True),
    ]
    base = float(left.scale(0.0))
    for m, cx, v in zip(months, centres, revenue, strict=True):
        top = float(left.scale(v))
        hatched = m in cut
        fill = f"url(#{ch.HATCH_ID})" if hatched else REVENUE
        cls = "bar partial" if hatched else "bar"
        parts.append(
            f'<rect class="{cls}" x="{cx - 0.4 * band:.1f}" y="{min(top, base):.1f}" '
            f'width="{0.8 * band:.1f}" height="{abs(base - top):.1f}" fill="{fill}" '
            f'stroke="{REVENUE}" fill-opacity="{1 if hatched else 0.85}">'
            f"<title>{esc(m)}: revenue {_figure(v)}{' (partial month)' if hatched else ''}</title>"
            "</rect>"
        )
    ys = right.scale(active)
    parts.append(ch.polyline(centres, ys, ACTIVE))
    parts.append(ch.circles(centres, ys, ACTIVE, r=3, cls="series", title="active customers"))
    plot = Chart(width, frame.height, "".join(parts), "monthly revenue")
    items = [LegendItem(REVENUE, "revenue (left axis)"),
             LegendItem(ACTIVE, "active customers (right axis)", "line")]  # fmt: skip
    if cut:
        items.append(LegendItem(REVENUE, "partial month (not all days in the data)", "hatch"))
    return ch.stack([plot, ch.legend(items, width)], across=False, gap=4,
                    label="monthly revenue").svg()  # fmt: skip


def _figure(v: float) -> str:
    """A count or an amount in a tooltip or a colour key: whole from 10 on (12,345), else
    three significant digits (4.37, 0.137), so that small amounts do not read 0."""
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:.3g}"


# -- heatmaps --------------------------------------------------------------------------


def _heatmap(
    table: pd.DataFrame, title: str, fmt: str | None, *, cell: tuple[float, float],
    row_title: str, col_title: str, every: int = 1, tip: str = "{r}, {c}: {v}",
) -> Chart:
    """One heatmap panel: rows top to bottom as in ``table``, values written in the cells
    with ``fmt`` (none when ``fmt`` is None: then a colour key shows the range)."""
    values = table.to_numpy(dtype=float)
    nr, nc = values.shape
    cw, chh = cell
    left, top = 52, 34
    width = left + nc * cw + 12
    height = top + nr * chh + 44 + (0 if fmt else 34)
    labels = np.array(
        [[format(v, fmt) if fmt and np.isfinite(v) else "" for v in row] for row in values],
        dtype=object,
    )
    titles = np.array(
        [
            [tip.format(r=r, c=c, v=_figure(v) if np.isfinite(v) else "none")
             for c, v in zip(table.columns, row, strict=True)]
            for r, row in zip(table.index, values, strict=True)
        ],
        dtype=object,
    )  # fmt: skip
    parts = [ch.text(width / 2, 18, title, anchor="middle", size=13, bold=True),
             ch.grid_cells(values, left, top, cw, chh, labels=labels if fmt else None,
                           titles=titles)]  # fmt: skip
    for i, r in enumerate(table.index):
        parts.append(ch.text(left - 6, top + (i + 0.5) * chh + 4, r, anchor="end"))
    for j, c in enumerate(table.columns):
        if j % every == 0:
            parts.append(ch.text(left + (j + 0.5) * cw, top + nr * chh + 15, c, anchor="middle"))
    bottom = top + nr * chh
    parts.append(ch.text(left + nc * cw / 2, bottom + 34, col_title, anchor="middle"))
    parts.append(f'<text transform="translate(14 {top + nr * chh / 2:.1f}) rotate(-90)" '
                 f'text-anchor="middle">{esc(row_title)}</text>')  # fmt: skip
    if not fmt:
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        key_w = min(160.0, nc * cw)
        y0 = bottom + 44
        for i in range(7):  # seven steps of the colour scale, lowest value on the left
            parts.append(
                f'<rect x="{left + i * key_w / 7:.1f}" y="{y0:.1f}" width="{key_w / 7 + 0.5:.1f}" '
                f'height="10" fill="{ch.ramp(i / 6)}"/>'
            )
        parts.append(ch.text(left, y0 + 24, _figure(lo), size=11))
        parts.append(ch.text(left + key_w, y0 + 24, _figure(hi), anchor="end", size=11))
    return Chart(width, height, "".join(parts), title)


def rf_heatmaps(scores: pd.DataFrame, counts: pd.DataFrame | None = None) -> str:
    """R score × F score: the number of customers and their mean spend in every cell
    (cf. R ``rfm_heatmap``), the best R score on top. ``scores`` is
    :func:`rfm.rfm_scores`' table with the ``monetary`` column; ``counts`` is
    :func:`rfm.summary.rf_counts` of it when already computed."""
    from rfm.summary import rf_counts, rf_mean_spend

    if counts is None:
        counts = rf_counts(scores)
    money = rf_mean_spend(scores).reindex(index=counts.index, columns=counts.columns)
    kw: dict[str, Any] = {"cell": (46.0, 30.0), "row_title": "R score", "col_title": "F score"}
    first = _heatmap(counts.sort_index(ascending=False), "Customers", ",.0f",
                     tip="R {r}, F {c}: {v} customers", **kw)  # fmt: skip
    second = _heatmap(money.sort_index(ascending=False), "Mean spend", ",.0f",
                      tip="R {r}, F {c}: mean spend {v}", **kw)  # fmt: skip
    return ch.stack([first, second], gap=24, label="R x F heatmaps").svg()


def weekday_hour_heatmap(matrix: pd.DataFrame) -> str:
    """Revenue by weekday (rows) × hour of day (columns), e.g. :func:`rfm.kpis.weekday_hour`;
    each cell's value is its tooltip, and a key gives the colour range."""
    chart = _heatmap(matrix, "Revenue by weekday and hour", None, cell=(20.0, 24.0),
                     row_title="", col_title="hour of day", every=3,
                     tip="{r} {c}:00: revenue {v}")  # fmt: skip
    return Chart(chart.width, chart.height, chart.body, "revenue by weekday and hour").svg()


def save(svg: str, folder: str | Path, name: str) -> Path:
    """Write one figure's SVG text to ``folder/name`` (UTF-8; give ``name`` the ``.svg``
    suffix) and return the path: a file any browser or vector editor opens."""
    if not name.endswith(".svg"):
        raise ValueError(f"a figure is SVG: name its file *.svg, got {name!r}.")
    path = Path(folder) / name
    path.write_text(svg, encoding="utf-8")
    return path


# -- value ahead -------------------------------------------------------------------------


def holdout_plot(table: pd.DataFrame, *, model: str = "model") -> str:
    """The calibration/holdout check (:func:`rfm.clv.holdout_check`'s table): mean actual
    holdout purchases (line and dots) and the ``model``'s prediction (dashed line and
    squares) for each number of calibration repeat purchases."""
    labels = [str(i) for i in table.index]
    actual = table["actual"].to_numpy(dtype=float)
    predicted = table["predicted"].to_numpy(dtype=float)
    frame = Frame.inside(WIDTH, 300, left=64, right=20, top=52)
    x = ch.band_axis(labels, frame.left, frame.right)
    y = ch.linear_axis(np.r_[actual, predicted], frame.bottom, frame.top, zero=True)
    px = ch.band_centres(len(labels), frame.left, frame.right)
    squares = "".join(
        f'<rect x="{a - 4:.1f}" y="{b - 4:.1f}" width="8" height="8"/>'
        for a, b in zip(px, y.scale(predicted), strict=True)
    )
    parts = [
        _title(frame, "Predicted against actual purchases in the holdout period",
               note=f"actual: solid line and dots; {model}: dashed line and squares"),
        ch.y_axis(frame, y, "purchases per customer (mean)"),
        ch.x_axis(frame, x, "repeat purchases in the calibration period"),
        ch.polyline(px, y.scale(actual), ch.PALETTE[0]),
        ch.circles(px, y.scale(actual), ch.PALETTE[0], r=4, cls="actual", title="actual"),
        ch.polyline(px, y.scale(predicted), ch.PALETTE[1]).replace(
            "/>", ' stroke-dasharray="6 4"/>'),
        f'<g class="predicted" fill="{ch.PALETTE[1]}"><title>{esc(model)}</title>{squares}</g>',
    ]
    return Chart(WIDTH, frame.height, "".join(parts), "holdout check").svg()
