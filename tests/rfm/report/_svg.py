"""Test helpers: read a chart's SVG back into numbers, without the code that drew it.

An axis is read from what a reader sees: the position of each tick mark and the number
written beside it. :func:`axis` fits value = a + b × pixel through those pairs (on log10 of
the values for a log axis), checks the ticks really lie on that line, and returns the
inverse map, pixel → value, used to turn marks back into data.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The SVG text as an element tree (fails on text that is not well-formed XML)."""
    return ET.fromstring(svg)


def local(tag: str) -> str:
    return tag.removeprefix(SVG)


def classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def find_all(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    """Elements ``tag`` (e.g. "circle") having class ``cls``, in document order."""
    return [
        el for el in root.iter()
        if local(el.tag) == tag and (cls is None or cls in classes(el))
    ]  # fmt: skip


def number(label: str) -> float:
    """A tick label back to a number: "1,000" → 1000, "−0.2" → -0.2."""
    return float(label.replace(",", "").replace("−", "-"))


def axis(root: ET.Element, which: str, *, log: bool = False) -> Callable[[float], float]:
    """Pixel → value of the axis whose group has the classes ``which`` ("x", "y left",
    "y right"), fitted through its ticks' positions and labels."""
    want = set(which.split()) | {"axis"}
    groups = [g for g in find_all(root, "g") if want <= classes(g)]
    assert len(groups) == 1, f"{len(groups)} axes {which!r}"
    pixels, values = [], []
    for tick in (g for g in groups[0] if "tick" in classes(g)):
        line = [el for el in tick if local(el.tag) == "line"][-1]  # the tick mark
        label = next(el for el in tick if local(el.tag) == "text").text or ""
        pixels.append(float(line.get("y1" if "y" in want else "x1")))
        values.append(number(label))
    assert len(pixels) >= 2, f"axis {which!r} has {len(pixels)} ticks"
    v = np.log10(values) if log else np.array(values)
    b, a = np.polyfit(pixels, v, 1)
    # the ticks lie on one straight line, to within the rounding of coordinates to 0.1 px
    assert np.max(np.abs(a + b * np.array(pixels) - v)) <= 0.1 * abs(b) + 1e-12
    return (lambda p: 10 ** (a + b * p)) if log else (lambda p: a + b * p)


def step(root: ET.Element, which: str, *, log: bool = False) -> float:
    """Value change per pixel of an axis (log10 units on a log axis)."""
    f = axis(root, which, log=log)
    return abs(np.log10(f(1.0)) - np.log10(f(0.0))) if log else abs(f(1.0) - f(0.0))


def svgs_in(html: str) -> list[str]:
    """The outermost ``<svg>…</svg>`` elements of an HTML page, in order."""
    out, depth, start = [], 0, 0
    for m in re.finditer(r"<svg\b|</svg>", html):
        if m.group() == "<svg":
            if depth == 0:
                start = m.start()
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                out.append(html[start : m.end()])
    return out
