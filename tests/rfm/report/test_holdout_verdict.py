"""rfm.report.html.holdout_sentence: one reference for the band and the gap.

The band is the range chance alone puts the held-out count in, were the model right:
the prediction ± 1.96 standard deviations. The gap is the percentage the prediction is
above or below the actual count. A caution only when the actual count is outside the
band and the gap is above 20%. Reference: each case's band and gap worked out by hand
here (the comments), on stand-in holdout tables with the totals set by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from rfm.report.html import holdout_sentence


def _check(actual: float, predicted: float, sd: float | None = None, *, spend: bool = True,
           days: int = 70) -> str:  # fmt: skip
    table = pd.DataFrame({"customers": [100], "actual": [actual / 100],
                          "predicted": [predicted / 100]},
                         index=pd.Index(["0"], name="calibration_purchases"))  # fmt: skip
    v = SimpleNamespace(holdout=table, holdout_days=days, holdout_model=None,
                        holdout_sd=sd, spend_defined=spend)  # fmt: skip
    return holdout_sentence(v)


SAID = "In the last 70 days, held out, the model predicted"


@pytest.mark.parametrize(("actual", "predicted", "sd", "said"), [
    # 100 ± 1.96·10 = 80.4 to 119.6: 81 is inside; (100-81)/81 = 23.5%
    (81, 100, None, f"{SAID} 100 purchases against 81 actual, 23% above the actual count: "
     "within what chance alone would give were the model right (80 to 120, 95%)."),
    # 97 ± 1.96·√97 = 77.7 to 116.3: inside, and 19.3 is not above 20% of 97 (19.4)
    (80, 97, None, f"{SAID} 97 purchases against 80 actual, 21% above the actual count: "
     "within what chance alone would give were the model right (78 to 116, 95%)."),
    # 94 ± 19.0 = 75.0 to 113.0: inside, and 19.0 is above 20% of 94 (18.8)
    (77, 94, None, f"{SAID} 94 purchases against 77 actual, 22% above the actual count: "
     "too few purchases to judge the model by. Were it right, chance alone would put the "
     "count anywhere from 75 to 113 (95%)."),
    # 135 ± 1.96·√135 = 112.2 to 157.8: 110 is outside; 25/110 = 22.7%
    (110, 135, None, f"{SAID} 135 purchases against 110 actual, 23% above the actual "
     "count: further off than chance alone would put it were the model right (112 to 158, "
     "95%). Caution: the model over-predicts on these data, so the expected spend ahead is "
     "likely too high by about as much."),
    # the same counts, the model's own spread 15: 135 ± 29.4 = 105.6 to 164.4, inside
    (110, 135, 15.0, f"{SAID} 135 purchases against 110 actual, 23% above the actual "
     "count: too few purchases to judge the model by. Were it right, chance alone would "
     "put the count anywhere from 106 to 164 (95%)."),
    # 1,000 ± 1.96·√1000 = 938 to 1,062: 930 is outside, but 70/930 = 7.5%
    (930, 1000, None, f"{SAID} 1,000 purchases against 930 actual, 8% above the actual "
     "count: further off than chance alone would put it were the model right (938 to "
     "1,062, 95%). The model over-predicts a little on these data."),
    # 100 ± 19.6: 130 is outside; (100-130)/130 = -23.1%
    (130, 100, None, f"{SAID} 100 purchases against 130 actual, 23% below the actual "
     "count: further off than chance alone would put it were the model right (80 to 120, "
     "95%). Caution: the model under-predicts on these data, so the expected spend ahead "
     "is likely too low by about as much."),
    # CDNOW's last 91 days, the model's spread 28.9: 608 ± 56.6 = 551 to 664
    (495, 607.75, 28.887, f"{SAID} 608 purchases against 495 actual, 23% above the "
     "actual count: further off than chance alone would put it were the model right (551 "
     "to 664, 95%). Caution: the model over-predicts on these data, so the expected spend "
     "ahead is likely too high by about as much."),
    (1000, 1001, None, f"{SAID} 1,001 purchases against 1,000 actual: about as many as "
     "the customers made."),
])  # fmt: skip
def test_the_band_and_the_gap_have_one_reference(actual, predicted, sd, said) -> None:
    assert _check(actual, predicted, sd) == said


def test_no_spend_ahead_cautions_on_the_purchases_ahead() -> None:
    """Heavy-tailed spend: no spend ahead is given, so the caution speaks of the
    purchases expected ahead (135 ± 1.96·√135 = 112.2 to 157.8; 110 is outside, 22.7%)."""
    said = _check(110, 135, spend=False)
    assert said.endswith("Caution: the model over-predicts on these data, so the expected "
                         "purchases ahead are likely too high by about as much.")
    assert "spend" not in said
    assert _check(130, 100, spend=False).endswith(
        "so the expected purchases ahead are likely too low by about as much.")


def test_the_verdict_never_cautions_inside_the_band() -> None:
    """Every count from 0 to 250 against 100 predicted, spread 10 (band 80.4 to 119.6):
    a caution exactly for the counts outside the band whose gap is above 20%."""
    for actual in range(0, 251):
        said = _check(actual, 100)
        inside = 80.4 <= actual <= 119.6
        big = actual == 0 or abs(100 - actual) / actual > 0.2
        assert ("Caution" in said) == (not inside and big), (actual, said)
