"""One self-contained HTML report of a segmentation run, for a marketing director.

:func:`render_report` turns a :class:`rfm.pipeline.PipelineResult` into a single HTML
page; :func:`write_report` saves it. The page needs nothing else: styles are inline, the
plots are PNG images embedded as ``data:image/png;base64,…`` URIs and the segment treemap
is inline SVG laid out by :func:`rfm.treemap.squarify`. It makes no network request and
opens offline, or as an e-mail attachment.

Sections (each a ``<section id=…>``):

``summary``      customers, revenue, orders, period, chosen k, silhouette, cleaning steps
``segments``     rule-based segments: size, revenue share, recommended action; treemap
``personas``     one card per cluster: persona, size, revenue, R/F/M, silhouette, action
``clusters``     the profile table; elbow curve, silhouette plot, PCA scatter, boxplots
``rfm-grid``     R × F heatmaps of customer counts and mean monetary value
``trend``        monthly revenue and active customers
``validation``   silhouette, ANOVA per feature, CH and DB indices, stability
``method``       how the numbers were made (settings and rules)

The plots need matplotlib (the ``plot`` extra). Without it the report still renders,
with the tables and the treemap, and a note saying ``pip install "rfmseg[plot]"``.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rfm import plots
from rfm.treemap import squarify

if TYPE_CHECKING:  # pragma: no cover
    from rfm.pipeline import PipelineResult

__all__ = ["SECTIONS", "render_report", "treemap_svg", "write_report"]

SECTIONS = (
    "summary",
    "segments",
    "personas",
    "clusters",
    "rfm-grid",
    "trend",
    "validation",
    "method",
)

PALETTE = (
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
    "#2a9d8f",
    "#e76f51",
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
header{background:#23395d;color:#fff;padding:1.2em 2em}header h1{margin:0 0 .2em}
nav{padding:.5em 2em;background:#e9eef5}nav a{margin-right:1em;color:#23395d}
section{padding:1em 2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#eef}td.text,th.text{text-align:left}
.cards{display:flex;flex-wrap:wrap;gap:1em}
.card{background:#fff;border:1px solid #ccd;border-radius:6px;padding:.8em 1em;min-width:14em;
max-width:22em}
.card h3{margin:.1em 0 .4em}.kpi{font-size:1.6em;font-weight:bold}
.note{background:#fff6d5;border:1px solid #e6c44d;padding:.5em 1em;border-radius:4px}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _table(
    df: pd.DataFrame, formats: dict[str, Callable[[object], str]] | None = None, index: bool = True
) -> str:
    """An HTML table with escaped cells; text columns left-aligned."""
    formats = formats or {}
    cols = list(df.columns)
    head = (f'<th class="text">{_esc(df.index.name or "")}</th>' if index else "") + "".join(
        f"<th>{_esc(c)}</th>" for c in cols
    )
    body = []
    # by column, as objects: a row of ints and floats would turn the ints into floats
    values = df.astype(object)
    for idx, row in zip(df.index, values.itertuples(index=False, name=None), strict=True):
        cells = [f'<td class="text">{_esc(idx)}</td>'] if index else []
        for c, v in zip(cols, row, strict=True):
            if c in formats:
                text, cls = formats[c](v), ""
            elif isinstance(v, (float, np.floating)):
                text, cls = ("" if pd.isna(v) else f"{v:,.3f}"), ""
            elif isinstance(v, (int, np.integer)):
                text, cls = f"{v:,}", ""
            else:
                text, cls = (
                    ("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)),
                    "text",
                )
            cells.append(
                f'<td class="{cls}">{_esc(text)}</td>' if cls else f"<td>{_esc(text)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


def treemap_svg(sizes: pd.Series, *, width: int = 900, height: int = 360) -> str:
    """Inline SVG treemap of ``sizes`` (label → count), squarified, largest first."""
    sizes = sizes[sizes > 0].sort_values(ascending=False)
    rects = squarify(sizes.to_numpy(dtype=float), 0, 0, width, height)
    total = float(sizes.sum())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="segment treemap">'
    ]
    for i, ((name, n), r) in enumerate(zip(sizes.items(), rects, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        # SVG's y axis points down: flip so the layout reads like the paper's
        y = height - r.y - r.dy
        label = f"{name}: {n:,} ({n / total:.0%})"
        parts.append(
            f'<g><title>{_esc(label)}</title><rect x="{r.x:.1f}" y="{y:.1f}" '
            f'width="{r.dx:.1f}" height="{r.dy:.1f}" fill="{colour}" stroke="#fff"/>'
        )
        if r.dx > 70 and r.dy > 30:
            parts.append(
                f'<text x="{r.x + 5:.1f}" y="{y + 17:.1f}" fill="#fff" font-size="13">'
                f'{_esc(name)}</text><text x="{r.x + 5:.1f}" y="{y + 33:.1f}" '
                f'fill="#fff" font-size="12">{n:,} ({n / total:.0%})</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _plot_or_note(make: Callable[[], bytes], alt: str, errors: list[str]) -> str:
    try:
        return _img(make(), alt)
    except Exception as exc:  # a failed figure must not lose the whole report
        errors.append(f"{alt}: {type(exc).__name__}: {exc}")
        kind = _esc(type(exc).__name__)
        return f'<p class="note">Plot "{_esc(alt)}" could not be drawn ({kind}).</p>'


def _summary(res: PipelineResult) -> str:
    rfm, s = res.rfm, res.settings
    first = rfm["first_purchase"].min() if "first_purchase" in rfm else None
    last = rfm["last_purchase"].max() if "last_purchase" in rfm else None
    kpis = [
        ("Customers", f"{len(rfm):,}"),
        ("Revenue", _money(float(rfm["monetary"].sum()))),
        ("Orders", f"{int(rfm['frequency'].sum()):,}"),
        ("Period", f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" if first is not None else "–"),
        ("Clusters (k)", str(res.clusters.k)),
        ("Silhouette", f"{res.validation.loc[0, 'value']:.3f}"),
    ]
    cards = "".join(
        f'<div class="card"><div>{_esc(a)}</div><div class="kpi">{_esc(b)}</div></div>'
        for a, b in kpis
    )
    top = res.profile.iloc[0]
    lead = (
        f"<p>The best cluster, <b>{_esc(top['persona'])}</b>, holds {_pct(top['share'])} of "
        f"customers and {_pct(top['revenue_share'])} of revenue. Rows read: "
        f"{s.get('rows_in', 0):,}; kept after cleaning: {s.get('rows_clean', 0):,}.</p>"
    )
    if s.get("duplicate_rows"):
        lead += (
            f'<p class="note">Data quality: {s["duplicate_rows"]:,} rows are exact duplicates '
            "of an earlier row; they are kept (drop them with --drop-duplicates).</p>"
        )
    cleaning = _table(res.cleaning.set_index("rule"))
    return f'<div class="cards">{cards}</div>{lead}<h3>Cleaning</h3>{cleaning}'


def _segments(res: PipelineResult) -> str:
    seg = res.segments.assign(monetary=res.rfm["monetary"].to_numpy())
    g = seg.groupby("segment", sort=False)
    table = pd.DataFrame(
        {"customers": g.size(), "revenue": g["monetary"].sum(), "action": g["action"].first()}
    ).sort_values("customers", ascending=False)
    table.insert(1, "share", table["customers"] / table["customers"].sum())
    table.insert(3, "revenue_share", table["revenue"] / table["revenue"].sum())
    table.index.name = "segment"
    body = _table(table, {"share": _pct, "revenue_share": _pct, "revenue": _money})
    rules = res.settings.get("rules", "rfm")
    return (
        f"<p>Each customer gets the first matching rule of the <code>{_esc(rules)}</code> rule "
        f"set on its R, F, M scores.</p>{body}<h3>Segment sizes</h3>"
        + treemap_svg(table["customers"])
    )


def _personas(res: PipelineResult) -> str:
    cards = []
    for cid, p in res.profile.iterrows():
        sil = f"<li>silhouette {p['silhouette']:.2f}</li>" if "silhouette" in p else ""
        cards.append(
            f'<div class="card"><h3>{_esc(p["persona"])}</h3><div>cluster {_esc(cid)} · rank '
            f"{int(p['rank'])}</div><ul><li>{int(p['customers']):,} customers "
            f"({_pct(p['share'])})</li><li>revenue {_money(p['revenue'])} "
            f"({_pct(p['revenue_share'])})</li><li>last purchase {p['recency_mean']:.0f} days ago "
            f"(median {p['recency_median']:.0f})</li><li>{p['frequency_mean']:.1f} orders "
            f"(median {p['frequency_median']:.0f})</li><li>spend {_money(p['monetary_mean'])} "
            f"(median {_money(p['monetary_median'])})</li>{sil}</ul>"
            f"<p><b>Action:</b> {_esc(p['action'])}</p></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def render_report(res: PipelineResult, *, title: str = "Customer segmentation") -> str:
    """The report's HTML text (see the module docstring for its sections)."""
    has_plots = plots.available()
    errors: list[str] = []
    labels = res.clusters.labels
    names = res.personas.to_dict()
    note = (
        ""
        if has_plots
        else (
            f'<p class="note" id="no-plots">Plots are not shown because matplotlib is not '
            f"installed. Get them with: <code>{_esc(plots.PLOT_EXTRA_HINT)}</code></p>"
        )
    )

    def plot(make: Callable[[], bytes], alt: str) -> str:
        return _plot_or_note(make, alt, errors) if has_plots else ""

    prof_cols = [c for c in res.profile.columns if c not in ("action",)]
    profile_table = _table(
        res.profile[prof_cols],
        {
            "share": _pct,
            "revenue_share": _pct,
            "revenue": _money,
            "monetary_mean": _money,
            "monetary_median": _money,
        },
    )
    clusters = (
        f"{profile_table}"
        + plot(lambda: plots.elbow_plot(res.clusters.elbow, res.clusters.k), "elbow curve")
        + (
            plot(lambda: plots.silhouette_plot(res.silhouette, labels, names), "silhouette plot")
            if res.silhouette is not None
            else ""
        )
        + plot(lambda: plots.pca_scatter(res.clusters.X, labels, names), "PCA scatter")
        + plot(lambda: plots.boxplots(res.rfm, labels, names), "boxplots of R, F, M by cluster")
    )
    grid_table = _table(pd.crosstab(res.scores["r_score"], res.scores["f_score"]))
    rfm_grid = (
        "<p>Customers by R score (rows) and F score (columns); 5 is best.</p>"
        + grid_table
        + plot(lambda: plots.rf_heatmaps(res.scores), "R x F heatmaps")
    )
    if res.monthly is not None and len(res.monthly):
        monthly = res.monthly.copy()
        monthly.index = monthly.index.astype(str)
        trend = plot(lambda: plots.monthly_plot(res.monthly), "monthly revenue") + _table(
            monthly, {"revenue": _money, "new_customer_ratio": _pct}
        )
    else:
        trend = "<p>No monthly figures.</p>"
    val = res.validation.set_index("metric")
    val_formats = {"p_value": lambda v: "" if pd.isna(v) else f"{v:.2g}"}
    s = res.settings
    how_k = (
        "chosen automatically (elbow proposes, silhouette decides)"
        if s.get("k_requested") == "auto"
        else "given"
    )
    method = (
        "<ul>"
        f"<li>Snapshot: <code>{_esc(s.get('snapshot'))}</code>; recency = days from the last "
        "purchase to the snapshot, frequency = distinct invoices, monetary = total spend.</li>"
        f"<li>Scaling: <code>{_esc(s.get('scaling'))}</code>; k "
        f"{how_k}"
        f" = {res.clusters.k}.</li>"
        + (
            f"<li>Dates read with the format <code>{_esc(s['date_format'])}</code> "
            "(one format for the whole column).</li>"
            if s.get("date_format")
            else ""
        )
        + "<li>Clusters are ranked by the mean percentile of their customers' R, F and M; "
        "persona names come from a recency × value grid (see rfm.personas).</li>"
        "</ul>"
    )
    if errors:
        method += '<p class="note">' + "<br>".join(_esc(e) for e in errors) + "</p>"
    body = {
        "summary": ("Summary", _summary(res)),
        "segments": ("Segments", _segments(res)),
        "personas": ("Personas", _personas(res)),
        "clusters": ("Clusters", clusters),
        "rfm-grid": ("R × F grid", rfm_grid),
        "trend": ("Monthly trend", trend),
        "validation": ("Validation", _table(val, val_formats)),
        "method": ("Method", method),
    }
    nav = "".join(f'<a href="#{sid}">{_esc(t)}</a>' for sid, (t, _) in body.items())
    sections = "".join(
        f'<section id="{sid}"><h2>{_esc(t)}</h2>{content}</section>'
        for sid, (t, content) in body.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_esc(title)}</h1><p>{len(res.rfm):,} customers · "
        f"{res.clusters.k} clusters · generated by rfmseg</p></header>"
        f"<nav>{nav}</nav>{note}{sections}</body></html>\n"
    )


def write_report(
    path: str | os.PathLike[str], res: PipelineResult, *, title: str = "Customer segmentation"
) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(res, title=title), encoding="utf-8")
    return path
