"""HTML building blocks of the report: escaped tables with human headers and formats,
heat tables, figures, the treemap with its legend, and the stylesheet (screen, phone and
print)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from rfm.labels import HEADERS, money, orders, pct, run_money, whole  # noqa: F401  (used as h.money …)
from rfm.report.charts import PALETTE
from rfm.report.treemap import squarify

OTHERS_COLOUR = "#9e9e9e"


def segment_colours(names: list[str]) -> dict[str, str]:
    """One fixed colour per segment name (in rule order), "Others" grey."""
    out = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    if "Others" in out:
        out["Others"] = OTHERS_COLOUR
    return out

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.4}
header{background:#23395d;color:#fff;padding:1.2em 2em}header h1{margin:0 0 .2em}
nav{padding:.5em 2em;background:#e9eef5}nav a{margin-right:1em;color:#23395d}
section{padding:1em 2em;border-bottom:1px solid #ddd;max-width:1280px}
.tbl{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#eef;font-weight:600}td.text,th.text{text-align:left}
th{max-width:11em}td.text{max-width:38em}
.cards{display:flex;flex-wrap:wrap;gap:1em}
.card{background:#fff;border:1px solid #ccd;border-radius:6px;padding:.8em 1em;width:18.5em}
.card h3{margin:.1em 0 .4em;font-size:1.05em}.kpi{font-size:1.6em;font-weight:bold}
.cards.kpis .card{width:auto;min-width:10em}
.note{background:#fff6d5;border:1px solid #e6c44d;padding:.5em 1em;border-radius:4px}
.warn{background:#fde8e8;border:1px solid #d9534f;padding:.5em 1em;border-radius:4px}
details.analysts{margin:1em 0;padding:.3em .2em;border:1px solid #ddd;border-radius:4px;
background:#fff}
details.analysts>summary{cursor:pointer;font-weight:600;color:#555}
img,svg{max-width:100%;height:auto;display:block;margin:.5em 0}
body{overflow-wrap:break-word}
figure.chart{display:inline-block;vertical-align:top;margin:.5em 1.5em .5em 0;max-width:100%}
figure.chart svg{margin:0}
figure.panels{display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:flex-start}
.legend .fits,.legend.fits{display:none}
@media (max-width:600px){
  .legend .fits{display:list-item}
  .legend.fits{display:flex}
  header,nav,section{padding-left:.8em;padding-right:.8em}
  header h1{font-size:1.5em}
  td.text{max-width:16em}
  figure.chart{margin-right:0}
}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:.85em}
.legend span{display:inline-block;width:.9em;height:.9em;margin-right:.35em;
vertical-align:middle}
@media print{
  body{background:#fff;font-size:10pt}
  nav{display:none}
  header{background:#fff;color:#000;border-bottom:2px solid #23395d}
  section{break-before:page;page-break-before:always;border:0;max-width:none}
  section:first-of-type{break-before:auto;page-break-before:auto}
  table,img,svg,.card,figure,.legend,.note,.warn{break-inside:avoid;page-break-inside:avoid}
  tr{break-inside:avoid;page-break-inside:avoid}
  h2,h3{break-after:avoid;page-break-after:avoid}
  .tbl{overflow:visible}
}
"""

def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def header(name: object, headers: Mapping[str, str] | None = None) -> str:
    text = str(name)
    names = HEADERS if headers is None else headers
    if text in names:
        return names[text]
    return text.replace("_", " ")


def number(x: object) -> str:
    """A measurement: integers as integers, others with 3 significant decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    v = float(x)  # type: ignore[arg-type]
    if v == round(v) and abs(v) < 1e15:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.1f}"
    return f"{v:.3f}"


def table(
    df: pd.DataFrame,
    formats: Mapping[str, Callable[[object], str]] | None = None,
    *,
    index: bool = True,
    text_columns: tuple[str, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> str:
    """An HTML table with escaped cells and human headers (``headers``, by default
    :data:`rfm.labels.HEADERS`), wrapped so it never widens the page; text columns
    left-aligned."""
    formats = formats or {}
    cols = list(df.columns)
    kinds = {c: _is_text(df[c], c, text_columns) for c in cols}
    text_th = '<th class="text">'
    head = (f"{text_th}{esc(header(df.index.name or '', headers))}</th>" if index
            else "") + "".join(
        f"{text_th if kinds[c] else '<th>'}{esc(header(c, headers))}</th>" for c in cols
    )
    body = []
    values = df.astype(object)
    for idx, row in zip(df.index, values.itertuples(index=False, name=None), strict=True):
        cells = [f'<td class="text">{esc(idx)}</td>'] if index else []
        for c, v in zip(cols, row, strict=True):
            if c in formats:
                text = formats[c](v)
            elif kinds[c]:
                text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                text = f"{v:,}"
            elif isinstance(v, (float, np.floating)):
                text = number(v)
            else:
                text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            cls = ' class="text"' if kinds[c] else ""
            cells.append(f"<td{cls}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="tbl"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _is_text(col: pd.Series, name: str, text_columns: tuple[str, ...]) -> bool:
    return name in text_columns or not (
        pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)
    )


def heat_table(
    matrix: pd.DataFrame, fmt: Callable[[object], str], *, corner: str = ""
) -> str:
    """A table whose cells are shaded by value (darker = more), e.g. from → to counts."""
    values = matrix.to_numpy(dtype=np.float64)
    top = float(np.nanmax(values)) if values.size and np.isfinite(values).any() else 0.0
    head = f'<th class="text">{esc(corner)}</th>' + "".join(
        f"<th>{esc(c)}</th>" for c in matrix.columns
    )
    rows = []
    for name, vals in zip(matrix.index, values, strict=True):
        cells = [f'<td class="text"><b>{esc(name)}</b></td>']
        for v in vals:
            a = 0.0 if top <= 0 or not np.isfinite(v) else max(0.0, v / top)
            colour = "#fff" if a > 0.55 else "#222"
            cells.append(
                f'<td style="background:rgba(35,57,93,{a:.2f});color:{colour}">{esc(fmt(v))}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="tbl"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure(svg: str | list[str]) -> str:
    """A figure of the report: one SVG, or several (a figure's panels and legend) that sit
    side by side while they fit and one under the other on a narrow screen."""
    if isinstance(svg, str):
        return f'<figure class="chart">{svg}</figure>'
    return f'<figure class="chart panels">{"".join(svg)}</figure>'


def treemap_svg(
    sizes: pd.Series,
    *,
    width: int = 900,
    height: int = 360,
    colours: Mapping[Any, str] | None = None,
) -> str:
    """Inline SVG treemap of ``sizes`` (label → count), squarified, largest first.

    Tiles large enough carry their name and size; the others are numbered and listed in a
    legend under the map, so every tile can be read. The legend lists the labelled tiles
    too, shown only on a narrow screen, where the map's own text is too small to read.
    ``colours`` maps labels to fill
    colours (default: the palette in size order).
    """
    sizes = sizes[sizes > 0].sort_values(ascending=False)
    rects = squarify(sizes.to_numpy(dtype=float), 0, 0, width, height)
    total = float(sizes.sum())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="segment treemap">'
    ]
    legend: list[str] = []
    marks = 0
    for i, ((name, n), r) in enumerate(zip(sizes.items(), rects, strict=True)):
        colour = (colours or {}).get(name, PALETTE[i % len(PALETTE)])
        # SVG's y axis points down: flip so the layout reads like the paper's
        y = height - r.y - r.dy
        share = f"{n:,} ({pct(n / total)})"  # as the tables write a share
        label = f"{name}: {share}"
        parts.append(
            f'<g><title>{esc(label)}</title><rect x="{r.x:.1f}" y="{y:.1f}" '
            f'width="{r.dx:.1f}" height="{r.dy:.1f}" fill="{colour}" stroke="#fff"/>'
        )
        fits = r.dy > 38 and r.dx > 10 + 8 * max(len(str(name)), len(share))
        if fits:
            parts.append(
                f'<text x="{r.x + 5:.1f}" y="{y + 17:.1f}" fill="#fff" font-size="13">'
                f'{esc(name)}</text><text x="{r.x + 5:.1f}" y="{y + 33:.1f}" '
                f'fill="#fff" font-size="12">{share}</text>'
            )
            legend.append(
                f'<li class="fits"><span style="background:{colour}"></span>{esc(label)}</li>'
            )
        else:
            marks += 1
            mark = marks
            if r.dx > 14 and r.dy > 14:
                parts.append(
                    f'<text x="{r.x + r.dx / 2:.1f}" y="{y + r.dy / 2 + 4:.1f}" fill="#fff" '
                    f'font-size="11" text-anchor="middle">{mark}</text>'
                )
            legend.append(
                f'<li><span style="background:{colour}"></span>{mark}. {esc(label)}</li>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    cls = "legend" if marks else "legend fits"  # (all labelled: nothing to show wide)
    parts.append(f'<ul class="{cls}">{"".join(legend)}</ul>')
    return "".join(parts)


def coverage_svg(
    coverage: pd.DataFrame,
    names: list[str],
    colours: Mapping[str, str],
    *,
    cell: int = 22,
) -> str:
    """Inline SVG of which segment every R × F × M score cell falls in.

    One R × F grid per M score (R up, F to the right, as in the score heatmaps), each its
    own small SVG so that they sit side by side on a wide screen and wrap on a phone; each
    cell is filled with its segment's colour and titled with its scores and segment; a
    legend of the segments present follows. ``coverage`` is :func:`rfm.check_rules`' table
    (``r, f, m, segment``). Drawn as SVG, not a plotted image: it costs nothing to render
    and stays sharp when printed.
    """
    q = int(coverage[["r", "f", "m"]].to_numpy().max())
    pad, top, bottom = 26, 20, 30
    grid = q * cell
    width, height = pad + grid + 6, top + grid + bottom
    panels = []
    for m in range(1, q + 1):
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="segment of every R and F score at M = {m}" font-size="11">'
            f'<text x="{pad + grid / 2:.0f}" y="{top - 6}" text-anchor="middle">M = {m}</text>'
        ]
        part = coverage[coverage["m"] == m]
        for r, f, seg in zip(part["r"], part["f"], part["segment"], strict=True):
            x = pad + (int(f) - 1) * cell
            y = top + (q - int(r)) * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{colours.get(seg, OTHERS_COLOUR)}" stroke="#fff">'
                f"<title>R {r}, F {f}, M {m}: {esc(seg)}</title></rect>"
            )
        for i in range(1, q + 1):
            parts.append(
                f'<text x="{pad + (i - 0.5) * cell:.0f}" y="{top + grid + 13}" '
                f'text-anchor="middle" fill="#555">{i}</text>'
                f'<text x="{pad - 5}" y="{top + (q - i + 0.5) * cell + 4:.0f}" '
                f'text-anchor="end" fill="#555">{i}</text>'
            )
        parts.append(
            f'<text x="{pad + grid / 2:.0f}" y="{top + grid + 27}" text-anchor="middle">'
            f'F score</text><text transform="translate(9 {top + grid / 2:.0f}) rotate(-90)" '
            'text-anchor="middle">R score</text></svg>'
        )
        panels.append("".join(parts))
    found = list(dict.fromkeys(coverage["segment"]))
    present = [n for n in names if n in found] + [n for n in found if n not in names]
    legend = (
        '<ul class="legend">'
        + "".join(
            f'<li><span style="background:{colours.get(n, OTHERS_COLOUR)}"></span>{esc(n)}</li>'
            for n in present
        )
        + "</ul>"
    )
    return figure(panels) + legend


def cards(items: list[tuple[str, str]], cls: str = "cards") -> str:
    return f'<div class="{cls}">' + "".join(
        f'<div class="card"><div>{esc(a)}</div><div class="kpi">{esc(b)}</div></div>'
        for a, b in items
    ) + "</div>"


def bullet_list(items: list[Any]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
