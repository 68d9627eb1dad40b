"""The report's figures as PNG bytes, drawn with matplotlib (the optional ``plot`` extra).

matplotlib is imported lazily, inside :func:`figure`, and only its object-oriented API is
used (``matplotlib.figure.Figure`` with the Agg canvas) — no ``pyplot``, so no global
state, no GUI backend and no change to the caller's matplotlib settings.

Every function takes plain tables and returns the PNG file content; :func:`available`
says whether matplotlib can be imported (the report falls back to tables without it).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rfm._inputs import RFM_COLUMNS

__all__ = [
    "PLOT_EXTRA_HINT",
    "available",
    "boxplots",
    "elbow_plot",
    "monthly_plot",
    "pca_scatter",
    "rf_heatmaps",
    "save",
    "silhouette_plot",
    "weekday_hour_heatmap",
]

PLOT_EXTRA_HINT = 'pip install "rfmseg[plot]"'
#: scatter plots draw a random sample of this many customers beyond it (the picture
#: does not change; the report says so)
MAX_SCATTER_POINTS = 5_000


def available() -> bool:
    """Whether matplotlib is importable."""
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):  # a None entry in sys.modules
        return False


@contextmanager
def figure(
    width: float = 7.0,
    height: float = 4.0,
    *,
    rect: tuple[float, float, float, float] | None = None,
) -> Iterator[tuple[Any, io.BytesIO]]:
    """A fresh matplotlib Figure; on exit its PNG is in the yielded buffer (laid out by
    ``tight_layout`` within ``rect``, the whole figure by default)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"plots need matplotlib: {PLOT_EXTRA_HINT}") from None
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    yield fig, buf
    fig.tight_layout(rect=rect)
    fig.savefig(buf, format="png")
    buf.seek(0)


def _cluster_names(
    labels: pd.Series, names: Mapping[Any, str] | None, order: Sequence[Any] | None = None
) -> list[tuple[Any, str]]:
    """(cluster id, label) pairs, in ``order`` (e.g. the profile's rank order) or by id."""
    present = set(pd.unique(labels).tolist())
    ids = [c for c in order if c in present] if order is not None else sorted(present)
    ids += sorted(present - set(ids))
    return [(c, names[c] if names and c in names else f"cluster {c}") for c in ids]


def _wrap(text: str, width: int = 18) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def elbow_plot(elbow: pd.DataFrame, k: int, *, suggested: int | None = None) -> bytes:
    """Inertia against k with the chosen k (and the elbow's suggested k) marked."""
    with figure() as (fig, buf):
        ax = fig.add_subplot()
        ax.plot(elbow["k"], elbow["inertia"], marker="o")
        if suggested is not None and suggested != k and suggested in set(elbow["k"]):
            ys = float(elbow.loc[elbow["k"] == suggested, "inertia"].iloc[0])
            ax.plot([suggested], [ys], marker="s", markersize=14, fillstyle="none",
                    color="#555555")
            ax.annotate(f"suggested by the elbow: k = {suggested}", (suggested, ys),
                        textcoords="offset points", xytext=(14, 18), color="#555555")
        if k in set(elbow["k"]):
            y = float(elbow.loc[elbow["k"] == k, "inertia"].iloc[0])
            ax.plot([k], [y], marker="o", markersize=14, fillstyle="none", color="crimson")
            text = f"chosen k = {k}" + (" (also the elbow's)" if suggested == k else "")
            ax.annotate(text, (k, y), textcoords="offset points", xytext=(12, 12),
                        color="crimson")
        ax.set_xlabel("number of clusters k")
        ax.set_ylabel("inertia (within-cluster sum of squares)")
        ax.set_title("Elbow curve")
    return buf.getvalue()


def silhouette_plot(
    silhouette: np.ndarray,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
) -> bytes:
    """Classic silhouette plot: each cluster's sorted values as horizontal bars."""
    sil = pd.Series(np.asarray(silhouette, dtype=float), index=labels.index)
    with figure(7.0, 5.0) as (fig, buf):
        ax = fig.add_subplot()
        y0 = 0
        clusters = _cluster_names(labels, names, order)
        for i in reversed(range(len(clusters))):  # the first cluster on top
            c, name = clusters[i]
            vals = np.sort(sil[labels == c].to_numpy())
            ax.fill_betweenx(np.arange(y0, y0 + len(vals)), 0, vals, alpha=0.8, linewidth=0,
                             color=f"C{i % 10}")
            ax.text(-0.02, y0 + len(vals) / 2, name, ha="right", va="center", fontsize=8)
            y0 += len(vals) + max(10, len(sil) // 100)
        ax.axvline(float(sil.mean()), color="crimson", linestyle="--", label="mean")
        ax.set_xlabel("silhouette value")
        ax.set_yticks([])
        ax.set_xlim(min(-0.1, float(sil.min())), 1)
        ax.legend(loc="lower right")
        ax.set_title("Silhouette per customer, by cluster")
    return buf.getvalue()


def pca_scatter(
    X: pd.DataFrame | np.ndarray,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
) -> bytes:
    """Customers on the first two principal components of ``X``, coloured by cluster."""
    from kmeans_np import PCA

    arr = np.asarray(X, dtype=float)
    pca = PCA(n_components=2).fit(arr)
    pcs = pca.transform(arr)
    lab = labels.to_numpy()
    if len(arr) > MAX_SCATTER_POINTS:
        pick = np.random.default_rng(0).choice(len(arr), MAX_SCATTER_POINTS, replace=False)
        pcs, lab = pcs[pick], lab[pick]
    ratio = pca.explained_variance_ratio_
    with figure(7.0, 5.0) as (fig, buf):
        ax = fig.add_subplot()
        for i, (c, name) in enumerate(_cluster_names(labels, names, order)):
            m = lab == c
            ax.scatter(pcs[m, 0], pcs[m, 1], s=6, alpha=0.6, label=name, color=f"C{i % 10}")
        ax.set_xlabel(f"PC1 ({ratio[0]:.0%} of variance)")
        ax.set_ylabel(f"PC2 ({ratio[1]:.0%} of variance)")
        ax.legend(markerscale=3, fontsize=8)
        ax.set_title("Clusters on the first two principal components")
    return buf.getvalue()


def rf_heatmaps(scores: pd.DataFrame, counts: pd.DataFrame | None = None) -> bytes:
    """R score × F score: number of customers and mean monetary value (cf. R ``rfm_heatmap``).

    ``counts`` is :func:`rfm.summary.rf_counts` of ``scores`` when already computed.
    """
    if counts is None:
        from rfm.summary import rf_counts

        counts = rf_counts(scores)
    money = scores.pivot_table(
        index="r_score", columns="f_score", values="monetary", aggfunc="mean"
    ).reindex(index=counts.index, columns=counts.columns)
    with figure(11.0, 4.5) as (fig, buf):
        for i, (table, title, fmt) in enumerate(
            [(counts, "Customers", "{:,.0f}"), (money, "Mean spend", "{:,.0f}")]
        ):
            ax = fig.add_subplot(1, 2, i + 1)
            im = ax.imshow(table.to_numpy(dtype=float), cmap="YlGnBu", origin="lower")
            ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
            ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
            ax.set_xlabel("F score")
            ax.set_ylabel("R score")
            ax.set_title(title)
            values = table.to_numpy(dtype=float)
            middle = np.nanmin(values) + 0.6 * (np.nanmax(values) - np.nanmin(values))
            for (r, c), v in np.ndenumerate(values):
                if np.isfinite(v):
                    colour = "white" if v > middle else "black"
                    ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=7, color=colour)
            fig.colorbar(im, ax=ax, shrink=0.8)
    return buf.getvalue()


def boxplots(
    rfm: pd.DataFrame,
    labels: pd.Series,
    names: Mapping[Any, str] | None = None,
    *,
    order: Sequence[Any] | None = None,
) -> bytes:
    """Recency, frequency and monetary distributions per cluster (log axis for F and M),
    clusters in ``order`` (the persona cards' rank order) from left to right."""
    clusters = _cluster_names(labels, names, order)
    titles = {"recency": "days since last order", "frequency": "orders",
              "monetary": "spend"}
    with figure(12.0, 5.0) as (fig, buf):
        for i, col in enumerate(RFM_COLUMNS):
            ax = fig.add_subplot(1, 3, i + 1)
            data = [rfm.loc[labels == c, col].to_numpy(dtype=float) for c, _ in clusters]
            ax.boxplot(data, showfliers=False)
            ax.set_xticks(
                range(1, len(clusters) + 1),
                [_wrap(name) for _, name in clusters],
                fontsize=7,
                rotation=0,
            )
            ax.set_title(titles[col])
            if col != "recency" and all((d > 0).all() for d in data if len(d)):
                ax.set_yscale("log")
    return buf.getvalue()


def monthly_plot(monthly: pd.DataFrame, *, partial: Iterable[Any] = ()) -> bytes:
    """Monthly revenue (bars) and active customers (line, right axis); months in
    ``partial`` (first or last month not fully covered by the data) are hatched."""
    months = [str(m) for m in monthly.index]
    cut = {str(m) for m in partial}
    with figure(10.0, 4.0) as (fig, buf):
        ax = fig.add_subplot()
        bars = ax.bar(months, monthly["revenue"].to_numpy(dtype=float), color="#4c72b0",
                      alpha=0.8)
        for bar, m in zip(bars, months, strict=True):
            if m in cut:
                bar.set_facecolor("#c9d3e6")
                bar.set_edgecolor("#4c72b0")
                bar.set_hatch("//")
        if cut:
            from matplotlib.patches import Patch

            ax.legend(handles=[Patch(facecolor="#c9d3e6", edgecolor="#4c72b0", hatch="//",
                                     label="partial month (not all days in the data)")],
                      loc="upper left", fontsize=8)
        ax.yaxis.set_major_formatter(_thousands())
        ax.set_ylabel("revenue", color="#4c72b0")
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        ax2 = ax.twinx()
        ax2.plot(
            months, monthly["active_customers"].to_numpy(dtype=float), color="crimson", marker="o"
        )
        ax2.set_ylabel("active customers", color="crimson")
        ax.set_title("Monthly revenue and active customers")
    return buf.getvalue()


def weekday_hour_heatmap(matrix: pd.DataFrame) -> bytes:
    """Revenue heatmap by weekday (rows) × hour (columns)."""
    with figure(10.0, 3.8) as (fig, buf):
        ax = fig.add_subplot()
        im = ax.imshow(matrix.to_numpy(dtype=float), cmap="YlOrRd", aspect="auto")
        ax.set_yticks(range(len(matrix.index)), [str(i) for i in matrix.index])
        ax.set_xticks(range(len(matrix.columns)), [str(c) for c in matrix.columns], fontsize=7)
        ax.set_xlabel("hour of day")
        ax.set_title("Revenue by weekday and hour")
        fig.colorbar(im, ax=ax)
    return buf.getvalue()


def save(png: bytes, folder: str | Path, name: str) -> Path:
    """Write PNG bytes to ``folder/name`` (for scripts that want files, not a report)."""
    path = Path(folder) / name
    path.write_bytes(png)
    return path


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")
