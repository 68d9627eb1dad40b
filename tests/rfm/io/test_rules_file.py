"""rfm.io.rules_file: segment rules read from a user's CSV file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rfm import segment
from rfm.io.rules_file import read_rules


def test_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text(
        "Segment,R,F,M,Action\nBest,5,4-5,4 - 5,Reward them\nSleeping,1-2,,any,Win back\n",
        encoding="utf-8",
    )
    rs = read_rules(path)
    assert [(r.name, r.r, r.f, r.m, r.action) for r in rs.rules] == [
        ("Best", (5, 5), (4, 5), (4, 5), "Reward them"),
        ("Sleeping", (1, 2), None, None, "Win back"),
    ]
    scores = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3], "m_score": [4, 5, 3]})
    assert segment(scores, rs)["segment"].tolist() == ["Best", "Sleeping", "Others"]
    bad = tmp_path / "bad.csv"
    bad.write_text("segment,r,f,m\nX,5-4,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="low > high"):
        read_rules(bad)
    bad.write_text("segment,r,f,m\nX,high,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a score range"):
        read_rules(bad)
    bad.write_text("segment,r,f\nX,1,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no column"):
        read_rules(bad)
