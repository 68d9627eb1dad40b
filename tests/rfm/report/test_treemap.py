"""rfm.report.treemap: the squarified layout; its SVG drawing in rfm.report._html."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from _page import parse

from rfm.report._html import treemap_svg
from rfm.report.treemap import Rect, squarify


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
    assert "Lost <old>: 30 (30.0%)" in "".join(page.text)


def test_treemap_labels_every_tile_or_lists_it_in_a_legend() -> None:
    sizes = pd.Series({"Big segment": 900, "Middle": 300, "Tiny one": 4, "Smallest": 1})
    page = parse(treemap_svg(sizes, width=600, height=300))
    text = " ".join(page.text)
    labelled = [t for t in ("Big segment", "Middle") if t in text]
    assert labelled == ["Big segment", "Middle"]
    items = [a.get("class") for t, a in page.tags if t == "li"]
    # the two small tiles, numbered in the legend; the labelled ones listed for phones only
    assert items == ["fits", "fits", None, None]
    # shares as the tables write them (one decimal): 4 of 1,205 is 0.3%, not "0%"
    assert "1. Tiny one: 4 (0.3%)" in text and "2. Smallest: 1 (0.1%)" in text
    assert "Big segment: 900 (74.7%)" in text
