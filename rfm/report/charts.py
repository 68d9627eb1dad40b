r"""Small SVG charts drawn by hand: scales, nice ticks, axes, marks and legends.

The report's figures are simple: a line with points, bars, dots, boxes and a grid of
coloured cells. This module writes them as SVG text. That is a few milliseconds of string
formatting, where a plotting library took seconds to lay out and rasterise the same
figures. The page stays one self-contained file that prints sharp at any zoom.

How a chart is made
-------------------
1. **A scale** maps a data value to a pixel position. A *linear* scale with data domain
   :math:`[d_0, d_1]` and pixel range :math:`[p_0, p_1]` is

   .. math::  p(v) = p_0 + \frac{v - d_0}{d_1 - d_0}\,(p_1 - p_0).

   A *logarithmic* scale is the same formula applied to :math:`\log_{10} v`, so that
   equal ratios (1 → 10 → 100) get equal distances. SVG's y axis points down, so a y
   scale runs from the bottom edge of the plot area (:math:`p_0`, the smallest value) up
   to its top edge (:math:`p_1`).
2. **Ticks** are round values a reader can name. :func:`nice_ticks` takes multiples of a
   step of 1, 2 or 5 × 10\ :sup:`e` (see :func:`nice_step`) and lets the axis start and
   end on a tick, so every mark sits inside the axis. A log axis (:func:`log_ticks`) puts
   its ticks on the powers of ten, and on 2 and 5 times them when the data span less
   than three decades. Tick labels are plain numbers with thousands separators:
   0.1, 1, 10, 100, 1,000 (never 10⁰).
3. **A frame** (:class:`Frame`) is the plot area: the SVG's width and height less the
   margins that hold the axes, the titles and the legend.
4. **Marks**: a polyline, circles, rectangles and texts at scaled positions. Each group
   of marks carries a ``class`` (``series``, ``bar``, ``box``, …) so a page's style, or a
   test, can find it.
5. :class:`Chart` wraps the marks in an ``<svg>`` element; :func:`stack` places charts
   side by side or one under the other (a figure with panels, or a chart and its legend).

Every text that reaches the SVG goes through :func:`esc`, so names and ids from the data
are shown as text and can never become markup.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "PALETTE",
    "Axis",
    "Chart",
    "Frame",
    "LegendItem",
    "Scale",
    "band_axis",
    "band_centres",
    "circles",
    "esc",
    "grid_cells",
    "hatch_pattern",
    "integer_axis",
    "legend",
    "linear_axis",
    "log_axis",
    "log_ticks",
    "nice_step",
    "nice_ticks",
    "polyline",
    "ramp",
    "stack",
    "text",
    "tick_label",
    "x_axis",
    "y_axis",
]

#: categorical colours (one per cluster or segment, in order); readable on white
PALETTE = (
    "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860",
    "#da8bc3", "#ccb974", "#64b5cd", "#2a9d8f", "#e76f51", "#8c8c8c",
)  # fmt: skip
#: the colour of text, axes and tick labels
INK = "#333"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
#: sequential colours of :func:`ramp`, light (low values) to dark (high values)
RAMP = ("#ffffd9", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


def esc(value: object) -> str:
    """``value`` as SVG/HTML text: ``&``, ``<``, ``>`` and both quotes escaped."""
    return html.escape(str(value), quote=True)


def _num(x: float) -> str:
    """A pixel coordinate, rounded to 0.1 px (finer than any screen shows)."""
    return f"{x:.1f}"


# -- ticks -----------------------------------------------------------------------------


def nice_step(span: float, n: int = 5) -> float:
    r"""A round step that cuts ``span`` into about ``n`` intervals: 1, 2 or 5 × 10^e.

    The raw step :math:`s = \text{span}/n` is written :math:`s = f \cdot 10^e` with
    :math:`1 \le f < 10`; the step is the member of :math:`\{1, 2, 5, 10\} \cdot 10^e` closest
    to :math:`s` on a log scale, i.e. :math:`f` is rounded to 1 below :math:`\sqrt 2`, to 2
    below :math:`\sqrt{10}`, to 5 below :math:`\sqrt{50}`, else to 10 (the rule of
    Heckbert's "nice numbers", Graphics Gems 1990, in the form d3-array uses).

    Examples
    --------
    >>> nice_step(100, 5), nice_step(0.7, 5), nice_step(38_000, 4)
    (20.0, 0.1, 10000.0)
    """
    if not (math.isfinite(span) and span > 0) or n < 1:
        raise ValueError(f"nice_step needs a positive finite span and n >= 1, got {span}, {n}.")
    raw = span / n
    power = 10.0 ** math.floor(math.log10(raw))
    f = raw / power
    for limit, m in ((math.sqrt(2), 1), (math.sqrt(10), 2), (math.sqrt(50), 5)):
        if f < limit:
            return m * power
    return 10 * power


def nice_ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """Round tick values covering ``[lo, hi]``: every multiple of :func:`nice_step` from
    the last one at or below ``lo`` to the first one at or above ``hi``.

    The axis then runs from the first tick to the last ("loose" labelling), so the data
    never touch the frame between two unlabelled values. An empty span (``lo == hi``, or a
    difference that is only rounding noise: below 1e-9 of the values, or below 1e-100) is
    widened by 10 % of the value (by 1 when the value is 0, or within 1e-99 of it).

    Examples
    --------
    >>> nice_ticks(3.2, 97.5).tolist()
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    >>> nice_ticks(0.42, 0.61, 4).tolist()
    [0.4, 0.45, 0.5, 0.55, 0.6, 0.65]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"ticks need finite bounds, got {lo}, {hi}.")
    lo, hi = min(lo, hi), max(lo, hi)
    if hi - lo <= 1e-9 * max(abs(lo), abs(hi)) or hi - lo < 1e-100:
        lo = hi = (lo + hi) / 2
        pad = abs(lo) * 0.1 if abs(lo) >= 1e-99 else 1.0
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo, n)
    # a relative epsilon keeps 0.3 / 0.1 = 2.9999999999999996 from losing its tick
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    decimals = _decimals(step)
    return np.round(np.arange(first, last + 1) * step, decimals + 1)


def log_ticks(lo: float, hi: float) -> tuple[np.ndarray, tuple[float, float]]:
    """Ticks and domain of a log axis covering ``[lo, hi]`` (both > 0).

    The domain runs from the power of ten at or below ``lo`` to the one at or above
    ``hi``. The ticks are those powers of ten (every other one beyond eight decades); when
    the domain spans at most two decades, 2 × and 5 × each power are ticks too, so a short
    axis still has several labels.

    Examples
    --------
    >>> ticks, domain = log_ticks(3, 450)
    >>> ticks.tolist(), domain
    ([1.0, 10.0, 100.0, 1000.0], (1.0, 1000.0))
    >>> log_ticks(1, 40)[0].tolist()
    [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    """
    if not (lo > 0 and hi > 0 and math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"a log axis needs positive finite bounds, got {lo}, {hi}.")
    lo, hi = min(lo, hi), max(lo, hi)
    e0 = math.floor(math.log10(lo) + 1e-12)
    e1 = max(math.ceil(math.log10(hi) - 1e-12), e0 + 1)
    decades = e1 - e0
    every = 2 if decades > 8 else 1
    ticks = [10.0**e for e in range(e0, e1 + 1, every)]
    if decades <= 2:
        ticks += [m * 10.0**e for e in range(e0, e1) for m in (2, 5)]
    return np.array(sorted(ticks)), (10.0**e0, 10.0**e1)


def _decimals(step: float) -> int:
    """Decimals needed to tell ticks ``step`` apart (0 for steps of 1 and more)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def tick_label(value: float, step: float) -> str:
    """``value`` as a plain number with thousands separators and as many decimals as
    ``step`` needs: ``tick_label(2500, 500) == "2,500"``, ``tick_label(0.25, 0.05) ==
    "0.25"``; a true minus sign, and never ``-0``."""
    text = f"{value:,.{_decimals(step)}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


# -- scales and axes -------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Maps data values in ``[d0, d1]`` to pixels in ``[p0, p1]``, linearly or on log10
    (see the module docstring)."""

    d0: float
    d1: float
    p0: float
    p1: float
    log: bool = False

    def __call__(self, value: float | np.ndarray) -> np.ndarray:
        v = np.asarray(value, dtype=float)
        d0, d1 = self.d0, self.d1
        if self.log:
            v, d0, d1 = np.log10(v), math.log10(d0), math.log10(d1)
        return self.p0 + (v - d0) / (d1 - d0) * (self.p1 - self.p0)


class Axis(NamedTuple):
    """A scale with its tick values and their labels."""

    scale: Scale
    ticks: np.ndarray
    labels: list[str]


def linear_axis(
    values: Sequence[float] | np.ndarray, p0: float, p1: float, *, n: int = 5,
    zero: bool = False,
) -> Axis:
    """A linear axis over the finite ``values`` with :func:`nice_ticks`; ``zero`` makes
    the axis include 0 (bars must start at zero or their lengths lie)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        v = np.array([0.0, 1.0])
    lo, hi = float(v.min()), float(v.max())
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks = nice_ticks(lo, hi, n)
    step = float(ticks[1] - ticks[0])
    scale = Scale(float(ticks[0]), float(ticks[-1]), p0, p1)
    return Axis(scale, ticks, [tick_label(t, step) for t in ticks])


def log_axis(values: Sequence[float] | np.ndarray, p0: float, p1: float) -> Axis:
    """A log10 axis over the positive finite ``values`` (:func:`log_ticks`), labelled in
    plain numbers (1, 10, 100, 1,000; 0.1 below one)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        raise ValueError("a log axis needs at least one positive value.")
    ticks, (d0, d1) = log_ticks(float(v.min()), float(v.max()))
    labels = [tick_label(t, 10.0 ** math.floor(math.log10(t) + 1e-9)) for t in ticks]
    return Axis(Scale(d0, d1, p0, p1, log=True), ticks, labels)


def integer_axis(values: Sequence[float] | np.ndarray, p0: float, p1: float) -> Axis:
    """An axis of whole numbers (e.g. k = 2..10): a tick at every integer from the
    smallest to the largest value (every 2nd, 5th, … past a dozen), and half a unit of room
    at each end so the first and last marks do not sit on the frame."""
    v = np.asarray(values, dtype=float)
    lo, hi = math.floor(v.min()), math.ceil(v.max())
    step = 1 if hi - lo <= 12 else int(nice_step(hi - lo, 10))
    ticks = np.arange(lo, hi + 1, step, dtype=float)
    scale = Scale(lo - 0.5, hi + 0.5, p0, p1)
    return Axis(scale, ticks, [tick_label(t, 1) for t in ticks])


def band_centres(n: int, p0: float, p1: float) -> np.ndarray:
    """Centres of ``n`` equal bands that split ``[p0, p1]`` (a categorical axis)."""
    width = (p1 - p0) / n
    return p0 + width * (np.arange(n) + 0.5)


def band_axis(labels: Sequence[str], p0: float, p1: float, *, every: int = 1) -> Axis:
    """A categorical axis: ``[p0, p1]`` split into one equal band per label, a tick (and
    the label) at the centre of every ``every``-th band. Its "values" are pixels already
    (the scale maps pixels to themselves), so marks are placed with
    :func:`band_centres`."""
    centres = band_centres(len(labels), p0, p1)[::every]
    return Axis(Scale(p0, p1, p0, p1), centres, [str(x) for x in labels[::every]])


@dataclass(frozen=True)
class Frame:
    """The plot area of a ``width`` × ``height`` chart: pixel edges ``left``, ``top``,
    ``right`` and ``bottom`` (``bottom`` > ``top``: SVG's y grows downwards)."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float

    @classmethod
    def inside(
        cls, width: float, height: float, *, top: float = 34, right: float = 16,
        bottom: float = 46, left: float = 64,
    ) -> Frame:
        """The frame left by margins of the given sizes."""
        return cls(width, height, left, top, width - right, height - bottom)


def x_axis(
    frame: Frame, axis: Axis, title: str = "", *, rotate: bool = False, grid: bool = False,
) -> str:
    """A bottom axis: a tick line and label at each tick (labels turned 60° when
    ``rotate``), then the axis title centred below."""
    parts = [f'<g class="axis x" fill="{INK}">']
    y0 = frame.bottom
    for t, label in zip(axis.ticks, axis.labels, strict=True):
        x = _num(float(axis.scale(t)))
        line = (f'<line x1="{x}" y1="{_num(frame.top)}" x2="{x}" y2="{_num(y0)}" '
                'stroke="#e3e3e3"/>' if grid else "")  # fmt: skip
        if rotate:
            place = (f'transform="translate({x} {_num(y0 + 8)}) rotate(-60)" text-anchor="end" '
                     'dominant-baseline="middle"')  # fmt: skip
        else:
            place = f'x="{x}" y="{_num(y0 + 18)}" text-anchor="middle"'
        label_svg = f"<text {place}>{esc(label)}</text>"
        parts.append(
            f'<g class="tick">{line}<line x1="{x}" y1="{_num(y0)}" x2="{x}" '
            f'y2="{_num(y0 + 5)}" stroke="{INK}"/>{label_svg}</g>'
        )
    parts.append(
        f'<line x1="{_num(frame.left)}" y1="{_num(y0)}" x2="{_num(frame.right)}" '
        f'y2="{_num(y0)}" stroke="{INK}"/>'
    )
    if title:
        parts.append(
            f'<text class="title" x="{_num((frame.left + frame.right) / 2)}" '
            f'y="{_num(frame.height - 8)}" text-anchor="middle">{esc(title)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def y_axis(
    frame: Frame, axis: Axis, title: str = "", *, side: str = "left", colour: str = INK,
    grid: bool = True,
) -> str:
    """A left (or right) axis: tick lines and labels, light grid lines across the frame
    (left axis only), and the title turned to read upwards along the edge."""
    left = side == "left"
    x0 = frame.left if left else frame.right
    out = -1 if left else 1
    anchor = "end" if left else "start"
    parts = [f'<g class="axis y {side}" fill="{colour}">']
    for t, label in zip(axis.ticks, axis.labels, strict=True):
        y = _num(float(axis.scale(t)))
        line = (f'<line x1="{_num(frame.left)}" y1="{y}" x2="{_num(frame.right)}" y2="{y}" '
                'stroke="#e3e3e3"/>' if grid and left else "")  # fmt: skip
        parts.append(
            f'<g class="tick">{line}<line x1="{_num(x0)}" y1="{y}" x2="{_num(x0 + 5 * out)}" '
            f'y2="{y}" stroke="{colour}"/><text x="{_num(x0 + 8 * out)}" y="{y}" '
            f'text-anchor="{anchor}" dominant-baseline="middle">{esc(label)}</text></g>'
        )
    parts.append(
        f'<line x1="{_num(x0)}" y1="{_num(frame.top)}" x2="{_num(x0)}" '
        f'y2="{_num(frame.bottom)}" stroke="{colour}"/>'
    )
    if title:
        x = 14 if left else frame.width - 8
        y = (frame.top + frame.bottom) / 2
        parts.append(
            f'<text class="title" transform="translate({_num(x)} {_num(y)}) rotate(-90)" '
            f'text-anchor="middle">{esc(title)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


# -- marks -----------------------------------------------------------------------------


def text(
    x: float, y: float, content: object, *, anchor: str = "start", size: float | None = None,
    colour: str | None = None, bold: bool = False, cls: str | None = None,
) -> str:
    """One escaped ``<text>`` at ``(x, y)`` (``y`` is the baseline)."""
    attrs = [f'x="{_num(x)}"', f'y="{_num(y)}"']
    if anchor != "start":
        attrs.append(f'text-anchor="{anchor}"')
    if size is not None:
        attrs.append(f'font-size="{size:g}"')
    if colour is not None:
        attrs.append(f'fill="{colour}"')
    if bold:
        attrs.append('font-weight="600"')
    if cls is not None:
        attrs.append(f'class="{cls}"')
    return f"<text {' '.join(attrs)}>{esc(content)}</text>"


def polyline(xs: np.ndarray, ys: np.ndarray, colour: str, *, width: float = 2) -> str:
    """A line through the points ``(xs[i], ys[i])``, in order."""
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in zip(xs, ys, strict=True))
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{width:g}" stroke-linejoin="round"/>')  # fmt: skip


def circles(
    xs: np.ndarray, ys: np.ndarray, colour: str, *, r: float = 3, cls: str = "series",
    opacity: float = 1.0, title: str | None = None,
) -> str:
    """A group of dots of one colour, ``class`` ``cls``; ``title`` names the group (its
    tooltip)."""
    head = f'<g class="{cls}" fill="{colour}"'
    if opacity < 1:
        head += f' fill-opacity="{opacity:g}"'
    dots = "".join(
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r:g}"/>' for x, y in zip(xs, ys, strict=True)
    )
    tip = f"<title>{esc(title)}</title>" if title else ""
    return f"{head}>{tip}{dots}</g>"


def ramp(t: float) -> str:
    """The colour at ``t`` in [0, 1] of a light-to-dark sequential scale (:data:`RAMP`),
    interpolated linearly in RGB between its stops; NaN gives light grey."""
    if not math.isfinite(t):
        return "#eeeeee"
    t = min(max(t, 0.0), 1.0) * (len(RAMP) - 1)
    i = min(int(t), len(RAMP) - 2)
    a, b = _rgb(RAMP[i]), _rgb(RAMP[i + 1])
    w = t - i
    return "#" + "".join(f"{round(x + (y - x) * w):02x}" for x, y in zip(a, b, strict=True))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _luminance(colour: str) -> float:
    """Relative luminance of an sRGB colour (WCAG 2): each channel linearised, then
    weighted 0.2126 R + 0.7152 G + 0.0722 B."""
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_on(colour: str) -> str:
    """White or black text, whichever has the larger contrast ratio on ``colour`` (WCAG 2:
    (L1 + 0.05) / (L2 + 0.05), lighter over darker). They tie at L = 0.179, where both
    give 4.58: every background then meets the 4.5 that WCAG's level AA asks of text."""
    lum = _luminance(colour)
    return "#fff" if 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05 else "#000"


def grid_cells(
    values: np.ndarray, x0: float, y0: float, cell_w: float, cell_h: float, *,
    labels: np.ndarray | None = None, titles: np.ndarray | None = None,
) -> str:
    """A heatmap: one rectangle per entry of the 2-D ``values`` (row i at ``y0 + i ×
    cell_h``), coloured by :func:`ramp` from the smallest to the largest finite value.
    ``labels`` (strings, same shape) are written in the cells; ``titles`` are their
    tooltips."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo or 1.0
    parts = ['<g class="cells">']
    for (i, j), v in np.ndenumerate(values):
        fill = ramp((v - lo) / span)
        x, y = x0 + j * cell_w, y0 + i * cell_h
        tip = f"<title>{esc(titles[i, j])}</title>" if titles is not None else ""
        parts.append(
            f'<g class="cell"><rect x="{_num(x)}" y="{_num(y)}" width="{_num(cell_w)}" '
            f'height="{_num(cell_h)}" fill="{fill}" stroke="#fff"/>{tip}'
        )
        if labels is not None and labels[i, j] != "":
            parts.append(text(x + cell_w / 2, y + cell_h / 2 + 4, labels[i, j],
                              anchor="middle", size=11, colour=_text_on(fill)))  # fmt: skip
        parts.append("</g>")
    parts.append("</g>")
    return "".join(parts)


# -- legends and charts ----------------------------------------------------------------

#: the id of the hatch pattern that marks partial bars (defined by :func:`hatch_pattern`)
HATCH_ID = "rfmseg-hatch"


def hatch_pattern(colour: str) -> str:
    """An SVG ``<defs>`` with the diagonal-hatch pattern ``url(#rfmseg-hatch)``; put it
    in a page once (an id must be unique in an HTML page)."""
    return (
        f'<defs><pattern id="{HATCH_ID}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#dfe5f0"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="2"/></pattern></defs>'
    )


class LegendItem(NamedTuple):
    """One legend entry: a swatch (``"box"``, ``"dot"``, ``"line"`` or ``"hatch"``) in
    ``colour``, and its label."""

    colour: str
    label: str
    swatch: str = "box"


def legend(
    items: Sequence[LegendItem], width: float, *, row: float = 18, label: str = "legend"
) -> Chart:
    """A legend as its own chart: one entry per row, swatch then label; a label longer
    than the chart's width is wrapped onto more lines (at about 6.6 px per character of
    12 px text)."""
    parts = ['<g class="legend">']
    chars = max(8, int((width - 28) / 6.6))
    y = 4.0
    for item in items:
        parts.append("<g>")
        if item.swatch == "dot":
            parts.append(f'<circle cx="8" cy="{_num(y + 7)}" r="4.5" fill="{item.colour}"/>')
        elif item.swatch == "line":
            parts.append(f'<line x1="1" y1="{_num(y + 7)}" x2="15" y2="{_num(y + 7)}" '
                         f'stroke="{item.colour}" stroke-width="2.5"/>')  # fmt: skip
        else:
            fill = f"url(#{HATCH_ID})" if item.swatch == "hatch" else item.colour
            parts.append(f'<rect x="1" y="{_num(y)}" width="14" height="14" fill="{fill}" '
                         f'stroke="{item.colour}"/>')  # fmt: skip
        lines = textwrap.wrap(item.label, chars) or [""]
        parts.extend(text(22, y + 11.5 + k * 15, line) for k, line in enumerate(lines))
        parts.append("</g>")
        y += row + 15 * (len(lines) - 1)
    parts.append("</g>")
    return Chart(width, y + 4, "".join(parts), label)


@dataclass(frozen=True)
class Chart:
    """SVG content of ``width`` × ``height`` pixels; ``label`` is its accessible name."""

    width: float
    height: float
    body: str
    label: str

    def svg(self) -> str:
        """A standalone ``<svg>`` element (valid inline in HTML and as an .svg file)."""
        w, h = _num(self.width).removesuffix(".0"), _num(self.height).removesuffix(".0")
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" aria-label="{esc(self.label)}" '
            f'font-family="{FONT}" font-size="12" fill="{INK}">{self.body}</svg>'
        )


def stack(
    charts: Sequence[Chart], *, across: bool = True, gap: float = 16, label: str = "",
) -> Chart:
    """One chart holding ``charts`` side by side (``across``) or one under the other,
    each as a nested ``<svg>`` with its own coordinates."""
    parts, offset = [], 0.0
    for c in charts:
        x, y = (offset, 0.0) if across else (0.0, offset)
        parts.append(
            f'<svg x="{_num(x)}" y="{_num(y)}" width="{_num(c.width)}" '
            f'height="{_num(c.height)}">{c.body}</svg>'
        )
        offset += (c.width if across else c.height) + gap
    size = offset - gap if charts else 0.0
    others = [c.height if across else c.width for c in charts] or [0.0]
    width, height = (size, max(others)) if across else (max(others), size)
    return Chart(width, height, "".join(parts), label or " / ".join(c.label for c in charts))
