"""rfm_scores: ties="first" = the seeds' qcut of ranks; ties="thresholds" = R rfm's rule."""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rfm.scoring import rfm_scores


def _rfm(seed: int, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "recency": rng.integers(0, 30, n),  # many ties
            "frequency": rng.geometric(0.4, n),
            "monetary": rng.gamma(1.5, 100.0, n).round(2),
        },
        index=pd.Index([f"C{i}" for i in range(n)], name="CustomerID"),
    )


@pytest.mark.parametrize("q", [2, 3, 4, 5, 6, 7, 9])
@pytest.mark.parametrize("seed", range(4))
def test_first_equals_qcut_of_first_ranks(q: int, seed: int) -> None:
    rfm = _rfm(seed, n=37 + 29 * seed)
    before = rfm.copy(deep=True)
    got = rfm_scores(rfm, q=q, ties="first")

    def qcut(s: pd.Series) -> np.ndarray:
        return pd.qcut(s.rank(method="first"), q, labels=False).to_numpy() + 1

    np.testing.assert_array_equal(got["f_score"], qcut(rfm["frequency"]))
    np.testing.assert_array_equal(got["m_score"], qcut(rfm["monetary"]))
    np.testing.assert_array_equal(got["r_score"], q + 1 - qcut(rfm["recency"]))
    pd.testing.assert_frame_equal(rfm, before)
    pd.testing.assert_frame_equal(got[list(rfm.columns)], rfm)
    assert got.attrs["rfm_q"] == q


def _r_rfm_scores(x: np.ndarray, q: int, reverse: bool) -> np.ndarray:
    """The R rfm package's loop, written out with R's type-7 quantiles (statistics)."""
    inner = [c + 1 for c in statistics.quantiles(x.tolist(), n=q, method="inclusive")]
    lower = [min(x), *inner]
    upper = [*inner, max(x) + 1]
    scores = np.zeros(len(x), dtype=int)
    for i in range(q):
        label = q - i if reverse else i + 1
        scores[(x >= lower[i]) & (x < upper[i])] = label
    return scores


@given(
    values=st.lists(st.integers(0, 40), min_size=5, max_size=80),
    money=st.lists(st.floats(0, 1e4, allow_nan=False), min_size=5, max_size=80),
    q=st.sampled_from([4, 5]),
)
def test_thresholds_equal_r_rfm_rule(values: list[int], money: list[float], q: int) -> None:
    n = min(len(values), len(money))
    rfm = pd.DataFrame(
        {"recency": values[:n], "frequency": values[:n][::-1], "monetary": money[:n]}
    )
    got = rfm_scores(rfm, q=q, ties="thresholds")
    for col, score, rev in (("recency", "r_score", True), ("frequency", "f_score", False),
                            ("monetary", "m_score", False)):
        x = rfm[col].to_numpy(dtype=float)
        np.testing.assert_array_equal(got[score], _r_rfm_scores(x, q, rev))
        # equal values always share a score, and scores never go against the values
        g = got.groupby(rfm[col])[score].nunique()
        assert (g == 1).all()
        order = np.argsort(x, kind="stable")
        s = got[score].to_numpy()[order]
        assert (np.diff(s) <= 0).all() if rev else (np.diff(s) >= 0).all()


def test_thresholds_integer_bins_are_right_closed() -> None:
    # frequency 1..10: quantiles at .2,.4,.6,.8 = 2.8, 4.6, 6.4, 8.2 -> cuts 3.8, 5.6, ...
    rfm = pd.DataFrame({"recency": range(10), "frequency": range(1, 11), "monetary": range(10)})
    got = rfm_scores(rfm, q=5, ties="thresholds")
    assert list(got["f_score"]) == [1, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert list(got["r_score"]) == [5, 5, 5, 4, 4, 3, 3, 2, 2, 1]


def test_thresholds_value_on_a_cut_point() -> None:
    # 7 values, q = 5: the 0.8 quantile is exactly 0 + 0.8 * (5 - 0) = 4, cut point 5, so
    # the 5s open the top bin (R's floating h gives 4.000000000000004 and a lower bin)
    rfm = pd.DataFrame({"recency": [0, 0, 0, 0, 0, 5, 5], "frequency": [0, 0, 0, 0, 0, 5, 5],
                        "monetary": [1.0] * 7})
    got = rfm_scores(rfm, q=5, ties="thresholds")
    assert list(got["f_score"]) == [1, 1, 1, 1, 1, 5, 5]
    assert list(got["r_score"]) == [5, 5, 5, 5, 5, 1, 1]


def test_code_and_sum() -> None:
    got = rfm_scores(_rfm(1), q=5)
    expected = [f"{r}{f}{m}" for r, f, m in
                zip(got["r_score"], got["f_score"], got["m_score"], strict=True)]
    assert list(got["rfm_code"]) == expected
    assert (got["rfm_sum"] == got["r_score"] + got["f_score"] + got["m_score"]).all()
    assert got["r_score"].dtype == np.int64


def test_most_recent_gets_top_r_score() -> None:
    rfm = pd.DataFrame({"recency": [1, 50, 100, 200], "frequency": [9, 5, 2, 1],
                        "monetary": [900.0, 300.0, 100.0, 10.0]})
    got = rfm_scores(rfm, q=4, ties="first")
    assert list(got["rfm_code"]) == ["444", "333", "222", "111"]
    # by hand, R's type-7 quartiles of frequency [1, 2, 5, 9] are 1.75, 3.5, 6: cut points
    # 2.75, 4.5, 7, so frequency 2 scores 1 (recency 100 -> 2, monetary 100 -> 2)
    got = rfm_scores(rfm, q=4, ties="thresholds")
    assert list(got["rfm_code"]) == ["444", "333", "212", "111"]


def test_bad_input() -> None:
    rfm = _rfm(2, n=10)
    with pytest.raises(ValueError, match=r"3 customer\(s\) cannot fill q=5"):
        rfm_scores(rfm.iloc[:3])
    with pytest.raises(ValueError, match="ties must be one of"):
        rfm_scores(rfm, ties="average")
    with pytest.raises(ValueError, match="q must be an integer"):
        rfm_scores(rfm, q=1)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['recency'\]"):
        rfm_scores(rfm.drop(columns="recency"))
    with pytest.raises(ValueError, match="missing or infinite"):
        rfm_scores(rfm.assign(monetary=np.nan))
    with pytest.raises(TypeError, match="numeric"):
        rfm_scores(rfm.astype({"frequency": str}))
    with pytest.raises(TypeError, match="DataFrame"):
        rfm_scores(rfm.to_numpy())  # type: ignore[arg-type]
