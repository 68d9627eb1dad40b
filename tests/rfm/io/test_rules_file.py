"""rfm.io.rules_file: segment rules read from a user's CSV file."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from _pipes import released_after

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


def _names(path: Path) -> list[tuple]:
    return [(r.name, r.r, r.f, r.m, r.action) for r in read_rules(path).rules]


def test_names_holding_separators_quotes_and_spaces(tmp_path: Path) -> None:
    """As typed by hand (spaces after commas) or saved by a European spreadsheet (';',
    Windows-1252, a ``sep=;`` line): quoted names keep their commas and quotes. Before,
    the space before a quoted cell split it ("'\"Reward' is not a score range"), ';' files
    had "no column(s)" and Windows-1252 ones a decode error."""
    expected = [("Best, loyal", (4, 5), (4, 5), None, "Reward, then upsell"),
                ('The "VIP" club', (3, 5), None, None, 'Say "hi"'),
                ("Café; crème", (1, 2), None, None, "Win back\nnow")]  # fmt: skip
    typed = tmp_path / "typed.csv"
    typed.write_text('segment, r, f, m, action\n"Best, loyal", 4-5, 4-5, , "Reward, then upsell"\n'
                     '"The ""VIP"" club", 3-5, , , "Say ""hi"""\n'
                     '"Café; crème", 1-2, , , "Win back\nnow"\n', encoding="utf-8")  # fmt: skip
    assert _names(typed) == expected
    excel = tmp_path / "excel.csv"
    excel.write_bytes('sep=;\r\nSegment;R;F;M;Action\r\n"Best, loyal";4-5;4-5;;"Reward, then '
                      'upsell"\r\n"The ""VIP"" club";3-5;;;"Say ""hi"""\r\n"Café; crème";1-2;;;'
                      '"Win back\nnow"\r\n'.encode("cp1252"))  # fmt: skip
    assert _names(excel) == expected


def test_rows_that_would_be_read_shifted_or_garbled_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.csv"
    path.write_text("segment,r,f,m,action\nBest,5,,,x\nBest, loyal,4-5,,,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 3 has 6 cells but the header has 5; put a "
                       r"segment name or action that holds ',' in double quotes"):  # fmt: skip
        read_rules(path)
    path.write_text('segment,r,f,m,action\n"A",5,,,"two\nlines"\n"Two\nlines",4,,,z\n',
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ValueError, match=r"line 4: the segment name 'Two\\nlines' holds a line "
                       "break"):  # fmt: skip
        read_rules(path)  # line 4: the action above spans lines 2-3
    path.write_text('segment,r,f,m\nA,5,,\n"B",x,,\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 3 \(B\) r: 'x'"):
        read_rules(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_pipe_or_folder_is_refused_without_reading(tmp_path: Path) -> None:
    """Reading a FIFO blocks until a writer comes; it is refused before any read."""
    fifo = tmp_path / "rules.csv"
    os.mkfifo(fifo)
    with released_after(fifo), pytest.raises(ValueError, match="not a regular file"):
        read_rules(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        read_rules(tmp_path)
    with pytest.raises(FileNotFoundError, match="rules file not found"):
        read_rules(tmp_path / "nope.csv")
