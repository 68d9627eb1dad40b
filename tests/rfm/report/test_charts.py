"""rfm.report.charts: ticks, scales, labels and colours against hand-worked values and the
properties that define them."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from _svg import parse
from hypothesis import given
from hypothesis import strategies as st

import rfm.projection
from rfm.report import charts, plots

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("module", [charts, plots, rfm.projection])
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@given(finite, finite, st.integers(2, 10))
def test_nice_ticks_cover_the_data_with_a_round_step(a: float, b: float, n: int) -> None:
    lo, hi = min(a, b), max(a, b)
    ticks = charts.nice_ticks(lo, hi, n)
    if hi - lo <= 1e-9 * max(abs(lo), abs(hi)) or hi - lo < 1e-100:
        # an empty span (or rounding noise) is widened by 10 % of the value (1 around zero)
        mid = (lo + hi) / 2
        pad = abs(mid) * 0.1 if abs(mid) >= 1e-99 else 1.0
        assert ticks[0] <= lo and ticks[-1] >= hi
        lo, hi = mid - pad, mid + pad
    steps = np.diff(ticks)
    step = steps[0]
    np.testing.assert_allclose(steps, step, rtol=1e-6)
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6
    # the ticks cover the data (to 1e-9 of a step) and end on the nearest multiples
    assert ticks[0] <= lo + 1e-9 * step and ticks[-1] >= hi - 1e-9 * step
    assert ticks[0] > lo - step * (1 + 1e-9) and ticks[-1] < hi + step * (1 + 1e-9)
    # about n intervals: the step is the round number nearest to span / n on a log scale,
    # at most a factor sqrt(5 / 2) away from it (halfway between 2 and 5)
    assert (hi - lo) / n / 1.59 <= step <= (hi - lo) / n * 1.59


@pytest.mark.parametrize(("lo", "hi", "n", "want"), [
    (0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (240.2, 980.5, 5, [200, 400, 600, 800, 1000]),
    (-0.25, 1, 5, [-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (3, 3, 5, [2.7, 2.8, 2.9, 3.0, 3.1, 3.2, 3.3]),  # widened to 2.7..3.3, step 0.1
    (0, 0, 5, [-1, -0.5, 0, 0.5, 1]),
    (0.3, 0.1 + 0.2, 5, [0.27, 0.28, 0.29, 0.3, 0.31, 0.32, 0.33]),  # 5.6e-17 apart: noise
])  # fmt: skip
def test_nice_ticks_hand_cases(lo, hi, n, want) -> None:
    np.testing.assert_allclose(charts.nice_ticks(lo, hi, n), want, atol=1e-12)


def test_nice_ticks_refuse_non_finite_bounds() -> None:
    with pytest.raises(ValueError, match="finite"):
        charts.nice_ticks(0, float("inf"))


@pytest.mark.parametrize(("lo", "hi", "want", "domain"), [
    (1, 1, [1, 2, 5, 10], (1, 10)),
    (0.3, 7, [0.1, 0.2, 0.5, 1, 2, 5, 10], (0.1, 10)),
    (12, 9_500, [10, 100, 1_000, 10_000], (10, 10_000)),
    (1, 1e12, [1, 100, 1e4, 1e6, 1e8, 1e10, 1e12], (1, 1e12)),
])  # fmt: skip
def test_log_ticks_are_powers_of_ten(lo, hi, want, domain) -> None:
    ticks, got_domain = charts.log_ticks(lo, hi)
    np.testing.assert_allclose(ticks, want, rtol=1e-12)
    np.testing.assert_allclose(got_domain, domain, rtol=1e-12)


def test_log_axis_labels_and_positions() -> None:
    ax = charts.log_axis([0.5, 3, 42], 100, 0)  # a y axis: 100 px at the bottom, 0 at the top
    assert ax.labels == ["0.1", "1", "10", "100"]
    # equal ratios, equal distances: 0.1 → 100 px, 1 → 66.7, 10 → 33.3, 100 → 0
    np.testing.assert_allclose(ax.scale(ax.ticks), [100, 200 / 3, 100 / 3, 0])
    with pytest.raises(ValueError, match="positive"):
        charts.log_axis([0, -1], 0, 1)


@pytest.mark.parametrize(("value", "step", "text"), [
    (2500, 500, "2,500"), (1_000_000, 200_000, "1,000,000"), (0.25, 0.05, "0.25"),
    (-0.2, 0.2, "−0.2"), (-0.0, 0.5, "0.0"), (-1e-17, 1, "0"), (3.0, 1, "3"),
])  # fmt: skip
def test_tick_labels_are_plain_numbers(value, step, text) -> None:
    assert charts.tick_label(value, step) == text


def test_scale_maps_the_domain_onto_the_pixels() -> None:
    s = charts.Scale(10, 30, 200, 0)
    np.testing.assert_allclose(s([10, 15, 30, 40]), [200, 150, 0, -100])
    log = charts.Scale(1, 1000, 0, 300, log=True)
    np.testing.assert_allclose(log([1, 10, 100, 1000]), [0, 100, 200, 300])


def test_integer_axis_ticks_every_whole_number_with_room_at_the_ends() -> None:
    ax = charts.integer_axis([2, 3, 9], 0, 80)
    assert ax.labels == [str(k) for k in range(2, 10)]
    np.testing.assert_allclose(ax.scale([1.5, 2, 9.5]), [0, 5, 80])
    long = charts.integer_axis([1, 40], 0, 100)
    assert len(long.ticks) <= 13 and long.ticks[0] == 1


def test_ramp_runs_from_the_lightest_to_the_darkest_stop() -> None:
    assert charts.ramp(0.0) == charts.RAMP[0] and charts.ramp(1.0) == charts.RAMP[-1]
    assert charts.ramp(-3) == charts.RAMP[0] and charts.ramp(7) == charts.RAMP[-1]
    # halfway between the 2nd and 3rd stops of 7: the mean of their RGB values
    mid = charts.ramp(1.5 / 6)
    a, b = charts.RAMP[1], charts.RAMP[2]
    want = [round((int(a[i : i + 2], 16) + int(b[i : i + 2], 16)) / 2) for i in (1, 3, 5)]
    assert [int(mid[i : i + 2], 16) for i in (1, 3, 5)] == pytest.approx(want, abs=1)
    assert charts.ramp(float("nan")) == "#eeeeee"


def luminance(colour: str) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("t", np.linspace(0, 1, 21))
def test_cell_text_has_the_better_contrast(t: float) -> None:
    fill = charts.ramp(t)
    text = charts._text_on(fill)
    lf = luminance(fill)
    white = 1.05 / (lf + 0.05)  # WCAG contrast ratios of white and of black text
    dark = (lf + 0.05) / (luminance("#000000") + 0.05)
    assert (text == "#fff") == (white > dark)
    assert max(white, dark) >= 4.5  # and it passes WCAG's AA level for normal text


def test_stack_places_charts_side_by_side_and_below() -> None:
    a = charts.Chart(100, 50, '<rect width="100" height="50"/>', "a")
    b = charts.Chart(60, 80, '<rect width="60" height="80"/>', "b")
    across = charts.stack([a, b], gap=10)
    assert (across.width, across.height) == (170, 80)
    down = charts.stack([a, b], across=False, gap=10)
    assert (down.width, down.height) == (100, 140)
    root = parse(down.svg())
    nested = [el for el in root if el.tag.endswith("svg")]
    assert [(el.get("x"), el.get("y")) for el in nested] == [("0.0", "0.0"), ("0.0", "60.0")]


def test_texts_are_escaped() -> None:
    svg = charts.text(0, 0, '<script>alert("x")</script> & more')
    assert parse(svg).text == '<script>alert("x")</script> & more'
    assert "<script>" not in svg
    legend = charts.legend([charts.LegendItem("#000", "<b onclick=x>")], 300).svg()
    assert "<b " not in legend


def test_legend_wraps_long_labels_and_keeps_every_word() -> None:
    name = "Recent frequent high spenders, longer inactive than the others in this group"
    chart = charts.legend([charts.LegendItem("#000", name), charts.LegendItem("#111", "B")], 200)
    texts = [t.text for t in parse(chart.svg()).iter() if t.tag.endswith("text")]
    assert len(texts) >= 3 and texts[-1] == "B"
    assert " ".join(texts[:-1]) == name  # all of it, in order, on several lines
    assert all(len(t) * 6.6 <= 200 - 22 for t in texts)  # each line fits the width
    one_line = charts.legend([charts.LegendItem("#000", "B")], 200)
    assert chart.height > one_line.height + 15  # the wrapped entry takes more room
