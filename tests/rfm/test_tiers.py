"""value_tiers: exact 1-D clusters (vs brute force), ordering, determinism, seed 001 cuts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from rfm.tiers import tier_cuts, value_tiers


def _rfm(seed: int, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "recency": rng.integers(0, 300, n),
            "frequency": rng.integers(1, 30, n),
            "monetary": rng.lognormal(6, 1, n).round(2),
        },
        index=[f"C{i}" for i in range(n)],
    )


def _brute_force_inertia(x: np.ndarray, k: int) -> float:
    """Least within-cluster SS over every split of the sorted values into k runs."""
    v = np.sort(x)
    best = np.inf
    for cuts in itertools.combinations(range(1, len(v)), k - 1):
        parts = np.split(v, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


def _inertia(x: np.ndarray, labels: np.ndarray) -> float:
    return sum(((x[labels == t] - x[labels == t].mean()) ** 2).sum() for t in np.unique(labels))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [2, 3, 4])
def test_tiers_are_optimal_and_ordered(seed: int, k: int) -> None:
    rfm = _rfm(seed)
    before = rfm.copy(deep=True)
    got = value_tiers(rfm, n_clusters=k)
    for col, tier, better_is_high in (("recency", "r_tier", False),
                                      ("frequency", "f_tier", True),
                                      ("monetary", "m_tier", True)):
        x = rfm[col].to_numpy(dtype=float)
        t = got[tier].to_numpy()
        assert set(t) == set(range(k))
        assert _inertia(x, t) == pytest.approx(_brute_force_inertia(x, k), rel=1e-9, abs=1e-9)
        # tiers are contiguous value ranges, ordered so a higher tier is a better customer
        for lo, hi in itertools.pairwise(range(k)):
            a, b = x[t == lo], x[t == hi]
            assert (a.max() < b.min()) if better_is_high else (a.min() > b.max())
    assert (got["overall_score"] == got["r_tier"] + got["f_tier"] + got["m_tier"]).all()
    assert got.index.equals(rfm.index)
    pd.testing.assert_frame_equal(rfm, before)


def test_deterministic_and_order_free() -> None:
    rfm = _rfm(7, n=200)
    a = value_tiers(rfm)
    b = value_tiers(rfm.sample(frac=1.0, random_state=1)).loc[rfm.index]
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, value_tiers(rfm, backend="numpy"))


def test_four_clusters_use_seed001_bins() -> None:
    rfm = _rfm(3, n=300)
    got = value_tiers(rfm, n_clusters=4)
    ref = pd.cut(got["overall_score"], bins=[-1, 2, 4, got["overall_score"].max()],
                 labels=["Low Value", "Mid Value", "High Value"])
    assert list(got["value_segment"].astype(str)) == list(ref.astype(str))
    assert got["value_segment"].cat.ordered
    assert tier_cuts(4) == (2, 4)


def test_cut_points_scale_with_k() -> None:
    assert tier_cuts(3) == (1, 2)
    assert tier_cuts(5) == (2, 5)
    assert tier_cuts(2) == (0, 1)


def test_bad_input() -> None:
    rfm = _rfm(1)
    with pytest.raises(ValueError, match="'frequency' has only 2 distinct"):
        value_tiers(rfm.assign(frequency=[1, 2] * 6))
    with pytest.raises(ValueError, match="at least 2"):
        value_tiers(rfm, n_clusters=1)
    with pytest.raises(TypeError, match="integer"):
        value_tiers(rfm, n_clusters=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"missing column\(s\) \['monetary'\]"):
        value_tiers(rfm.drop(columns="monetary"))
