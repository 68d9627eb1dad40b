"""Squarified treemap layout (Bruls, Huizing & van Wijk, 2000), no dependencies.

A treemap shows sizes as areas: each segment gets a rectangle whose area is proportional
to its number of customers (the layout the Python ``squarify`` package draws). Long thin
slivers are hard to compare, so the *squarified* algorithm keeps the rectangles as close to
squares as it can:

1. sort the values from largest to smallest and scale them so they sum to the area of the
   box;
2. fill the box strip by strip along its **shorter side**: keep adding the next value to
   the current strip as long as that does not make the strip's worst aspect ratio
   (``max(w/h, h/w)`` over its rectangles) worse;
3. when it would, fix the strip (its thickness is its total area divided by the short
   side), shrink the box by that thickness, and start a new strip.

For the paper's example (values 6, 6, 4, 3, 2, 2, 1 in a 6 × 4 box) this gives the
layout of its Figure 2: the two 6s stacked in a 3-wide column on the left, 4 and 3 side
by side on top right, 2, 2 and 1 below them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["Rect", "squarify"]


class Rect(NamedTuple):
    """A rectangle: lower-left corner ``(x, y)``, width ``dx`` and height ``dy``."""

    x: float
    y: float
    dx: float
    dy: float


def _worst(areas: list[float], side: float) -> float:
    """Worst aspect ratio of a strip of ``areas`` laid along a side of length ``side``."""
    total = sum(areas)
    thickness = total / side
    return max(max(thickness * thickness / a, a / (thickness * thickness)) for a in areas)


def squarify(
    values: Sequence[float], x: float, y: float, width: float, height: float
) -> list[Rect]:
    """Lay out ``values`` as rectangles tiling the box ``(x, y, width, height)``.

    Parameters
    ----------
    values : sequence of float
        Non-negative sizes, at least one positive. Any order; zeros get empty rectangles.
    x, y, width, height : float
        The box (``width``, ``height`` > 0).

    Returns
    -------
    list of Rect
        One rectangle per value, **in the order of** ``values``; the area of each is
        ``value / sum(values) × width × height`` and together they tile the box.

    Examples
    --------
    >>> [tuple(round(v, 3) for v in r) for r in squarify([6, 6, 4, 3, 2, 2, 1], 0, 0, 6, 4)][:3]
    [(0.0, 0.0, 3.0, 2.0), (0.0, 2.0, 3.0, 2.0), (3.0, 0.0, 1.714, 2.333)]
    """
    vals = np.asarray(values, dtype=np.float64)
    if vals.ndim != 1 or len(vals) == 0:
        raise ValueError("values must be a non-empty 1-D sequence of sizes.")
    if not np.isfinite(vals).all() or (vals < 0).any() or vals.sum() <= 0:
        raise ValueError("values must be finite, non-negative and not all zero.")
    if not (width > 0 and height > 0):
        raise ValueError(f"the box needs a positive width and height, got {width} × {height}.")
    x, y, width, height = float(x), float(y), float(width), float(height)
    order = np.argsort(-vals, kind="stable")
    areas = vals[order] * (width * height / vals.sum())
    out: list[Rect | None] = [None] * len(vals)
    positive = [int(i) for i in order if vals[i] > 0]
    pos_areas = [float(a) for a in areas if a > 0]
    i = 0
    while i < len(pos_areas):
        side = min(width, height)
        row = [pos_areas[i]]
        j = i + 1
        while j < len(pos_areas) and _worst([*row, pos_areas[j]], side) <= _worst(row, side):
            row.append(pos_areas[j])
            j += 1
        thickness = sum(row) / side
        offset = 0.0
        for k, a in enumerate(row):
            length = a / thickness
            if width >= height:  # vertical strip on the left
                rect = Rect(x, y + offset, thickness, length)
            else:  # horizontal strip at the bottom
                rect = Rect(x + offset, y, length, thickness)
            out[positive[i + k]] = rect
            offset += length
        if width >= height:
            x, width = x + thickness, width - thickness
        else:
            y, height = y + thickness, height - thickness
        i = j
    for idx, rect in enumerate(out):
        if rect is None:  # zero values: empty rectangle at the final corner
            out[idx] = Rect(x, y, 0.0, 0.0)
    return [r for r in out if r is not None]
