"""rfm.report: a valid, self-contained HTML page; rfm.report.treemap: the squarified layout."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import re
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from rfm.app.pipeline import run_pipeline
from rfm.datasets import make_transactions
from rfm.report import plots, render_report
from rfm.report._html import treemap_svg
from rfm.report.html import SECTIONS, STABLE_ARI
from rfm.report.treemap import Rect, squarify

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Collects tags, attributes and text, and checks that elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))  # <rect .../> in SVG

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def result():
    tx = make_transactions(n_customers=400, n_rows=4000, random_state=3)
    before = tx.copy()
    res = run_pipeline(tx, amount="TotalAmount", k="auto", scaling="log-minmax")
    pd.testing.assert_frame_equal(tx, before)  # the caller's table is left alone
    return res


def test_report_is_valid_self_contained_html(result) -> None:
    pytest.importorskip("matplotlib")
    page = parse(render_report(result, title="Test <report>"))
    assert page.doctype.lower() == "doctype html"
    assert page.errors == []
    assert page.stack == []
    tags = [t for t, _ in page.tags]
    assert tags[:3] == ["html", "head", "meta"] and "body" in tags
    ids = {a.get("id") for t, a in page.tags if t == "section"}
    assert ids == set(SECTIONS)
    # the title is escaped, not markup
    assert "Test <report>" in "".join(page.text)
    imgs = [a for t, a in page.tags if t == "img"]
    # segment coverage, elbow, silhouette, PCA, boxplots, R×F heatmaps, monthly
    assert len(imgs) == 7
    for a in imgs:
        assert a["alt"]
        prefix = "data:image/png;base64,"
        assert a["src"].startswith(prefix)
        assert base64.b64decode(a["src"][len(prefix) :]).startswith(PNG_SIGNATURE)
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            value = (attrs.get(name) or "").lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, value)
    assert not {"script", "link", "iframe"} & set(tags)
    assert "svg" in tags  # the treemap


def test_report_shows_the_personas_segments_and_numbers(result) -> None:
    page = parse(render_report(result))
    text = " ".join(page.text)
    for persona in result.personas:
        assert persona in text
    for seg in result.segments["segment"].unique():
        assert seg in text
    assert f"{len(result.rfm):,}" in text
    # the segment table counts match a plain value_counts
    counts = result.segments["segment"].value_counts()
    top = counts.index[0]
    assert f"{top}: {counts.iloc[0]:,}" in text  # treemap tooltip


def test_report_without_matplotlib_renders_tables_and_a_note(result, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert plots.available() is False
    page = parse(render_report(result))
    assert page.errors == []
    tags = [t for t, _ in page.tags]
    assert "img" not in tags
    assert {a.get("id") for t, a in page.tags if t == "section"} == set(SECTIONS)
    assert 'pip install "rfmseg[plot]"' in "".join(page.text)
    assert tags.count("table") >= 5


def text_of(html_text: str) -> str:
    return " ".join(" ".join(parse(html_text).text).split())


def test_report_reads_like_a_report(result) -> None:
    html_text = render_report(result)
    text = text_of(html_text)
    # human headers, not DataFrame column names
    for raw in ("rows_removed", "eta_squared", "revenue_share", "recency_median", "r_pct",
                "missing_customer", "stability_mean_ari"):
        assert raw not in text, raw
    for human in ("Rows removed", "Share of revenue", "Days since last order (median)",
                  "No customer id (guest orders)", "Recommended action"):
        assert human in text, human
    # no internal document or module names
    assert not re.search(r"seed \d|seed\d|rfm\.personas|rfm\.segments", text, re.I)
    # integers shown as integers: no "16.000" style cells
    assert not re.search(r"\b\d+\.000\b", text)
    # the score bins in words and the segment x persona cross-tables
    assert "F = 1: 1 order" in text
    assert "Segments × personas" in text
    counts = pd.crosstab(result.segments["segment"],
                         result.clusters.labels.map(result.personas.to_dict()))
    for persona in result.personas:
        assert persona in text
    assert counts.to_numpy().sum() == len(result.rfm)
    # the elbow's suggestion and the chosen k, with a reason
    assert f"k = {result.clusters.k}" in text and "elbow suggests" in text


def test_report_stability_reading_and_warning(result) -> None:
    val = result.validation.copy()
    row = val["metric"] == "stability_mean_ari"
    for ari, reading, warned in ((0.95, "good", False), (0.85, "moderate", False),
                                 (0.62, "weak", True)):
        val.loc[row, "value"] = ari
        res = dataclasses.replace(result, validation=val.copy())
        text = text_of(render_report(res))
        assert f"Stability (mean adjusted Rand index) {ari:.2f} {reading}" in text
        assert ("Unstable clusters" in text) is warned
        assert ari < STABLE_ARI or not warned


def test_report_money_partial_months_and_migration(result) -> None:
    res = dataclasses.replace(result, settings={**result.settings, "currency": "$"})
    text = text_of(render_report(res))
    total = result.rfm["monetary"].sum()
    assert f"${total:,.0f}" in text
    first = result.rfm["first_purchase"].min()
    last = result.rfm["last_purchase"].max()
    expect_first = first.day > 1
    expect_last = last.day < last.days_in_month
    assert (f"{first:%Y-%m} (partial)" in text) is expect_first
    assert (f"{last:%Y-%m} (partial)" in text) is expect_last
    assert "Segment migration" not in text  # only with compare_to


# -- treemap ---------------------------------------------------------------------------


def test_squarify_reproduces_the_papers_example() -> None:
    # Bruls, Huizing & van Wijk (2000), Figure 2: 6, 6, 4, 3, 2, 2, 1 in a 6 × 4 box
    rects = squarify([6, 6, 4, 3, 2, 2, 1], 0, 0, 6, 4)
    expected = [
        (0, 0, 3, 2),
        (0, 2, 3, 2),
        (3, 0, 12 / 7, 7 / 3),
        (3 + 12 / 7, 0, 9 / 7, 7 / 3),
        (3, 7 / 3, 1.2, 5 / 3),
        (4.2, 7 / 3, 1.2, 5 / 3),
        (5.4, 7 / 3, 0.6, 5 / 3),
    ]
    np.testing.assert_allclose(np.array(rects), np.array(expected), atol=1e-12)


def overlap(a: Rect, b: Rect) -> float:
    w = min(a.x + a.dx, b.x + b.dx) - max(a.x, b.x)
    h = min(a.y + a.dy, b.y + b.dy) - max(a.y, b.y)
    return max(w, 0) * max(h, 0)


@pytest.mark.parametrize("seed", range(5))
def test_squarify_tiles_the_box_with_proportional_areas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(3, 1.5, rng.integers(1, 25))
    x, y, w, h = 10.0, 5.0, 800.0, 300.0
    rects = squarify(values, x, y, w, h)
    areas = np.array([r.dx * r.dy for r in rects])
    np.testing.assert_allclose(areas, values / values.sum() * w * h, rtol=1e-9)
    for r in rects:
        assert r.x >= x - 1e-9 and r.y >= y - 1e-9
        assert r.x + r.dx <= x + w + 1e-9 and r.y + r.dy <= y + h + 1e-9
    for a, b in itertools.combinations(rects, 2):
        assert overlap(a, b) < 1e-6


def test_squarify_zero_values_and_errors() -> None:
    rects = squarify([3, 0, 1], 0, 0, 2, 2)
    assert rects[1].dx * rects[1].dy == 0
    assert rects[0].dx * rects[0].dy == pytest.approx(3)
    with pytest.raises(ValueError, match="non-negative"):
        squarify([1, -1], 0, 0, 1, 1)
    with pytest.raises(ValueError, match="not all zero"):
        squarify([0, 0], 0, 0, 1, 1)
    with pytest.raises(ValueError, match="non-empty"):
        squarify([], 0, 0, 1, 1)
    with pytest.raises(ValueError, match="positive width"):
        squarify([1], 0, 0, 0, 1)


def test_treemap_svg_has_one_rect_per_segment() -> None:
    sizes = pd.Series({"Champions": 50, "Lost <old>": 30, "New": 20, "Empty": 0})
    page = parse(treemap_svg(sizes, width=600, height=300))
    assert page.errors == []
    rects = [a for t, a in page.tags if t == "rect"]
    assert len(rects) == 3
    total = sum(float(a["width"]) * float(a["height"]) for a in rects)
    assert total == pytest.approx(600 * 300, rel=1e-2)
    assert "Lost <old>: 30 (30%)" in "".join(page.text)


def test_treemap_labels_every_tile_or_lists_it_in_a_legend() -> None:
    sizes = pd.Series({"Big segment": 900, "Middle": 300, "Tiny one": 4, "Smallest": 1})
    page = parse(treemap_svg(sizes, width=600, height=300))
    text = " ".join(page.text)
    labelled = [t for t in ("Big segment", "Middle") if t in text]
    assert labelled == ["Big segment", "Middle"]
    items = [a for t, a in page.tags if t == "li"]
    assert len(items) == 2  # the two small tiles, in a legend
    assert "1. Tiny one: 4 (0%)" in text and "2. Smallest: 1 (0%)" in text
