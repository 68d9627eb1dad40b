"""rfm.app.applying: how a saved model's run reads its names and the previous run's file."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from rfm.app import applying
from rfm.app.applying import EARLIER_RUN, read_previous, stale_names


def _named_afresh(monkeypatch, names: dict[int, str]) -> None:
    """Make the names a training run would give these customers now ``names`` (cluster
    id → persona name), whatever the profile."""
    fresh = pd.DataFrame({"persona": list(names.values())}, index=list(names))
    monkeypatch.setattr(applying, "describe_personas", lambda prof, order: fresh)


def test_a_stale_name_is_renamed_to_a_name_no_other_cluster_gets(monkeypatch) -> None:
    """Named afresh, clusters 0 and 3 share the name "Recent spenders" and get brackets
    that tell them apart; cluster 0 keeps its name (only the bracket is new), cluster 3's
    "Frequent spenders" no longer holds. The name it would get now is given whole, with
    its bracket: the bare "Recent spenders" is cluster 0's. Cluster 5's new name is no
    other cluster's, so it is given bare."""
    _named_afresh(monkeypatch, {0: "Recent spenders (last order a median 21 days ago)",
                                3: "Recent spenders (last order a median 3 days ago)",
                                5: "Lapsed low spenders (last order a median 90 days ago)",
                                7: "Frequent high spenders"})  # fmt: skip
    model = pd.Series({0: "Recent spenders", 3: "Frequent spenders", 5: "Lapsed spenders",
                       7: "Frequent high spenders"})  # fmt: skip
    assert stale_names(pd.DataFrame(), model) == {
        3: ("Frequent spenders", "Recent spenders (last order a median 3 days ago)"),
        5: ("Lapsed spenders", "Lapsed low spenders"),
    }


@pytest.mark.filterwarnings("ignore:Unstable clusters")
@pytest.mark.parametrize("other", ["ladder", "rfm"])
def test_a_previous_file_of_this_model_is_taken_as_it_is(other) -> None:
    """The model's own segments, rounded as a segments.csv rounds them, read the same:
    nothing is read again (0 customers read otherwise); written with another rule set,
    every customer whose segment name differs is counted, by hand here."""
    from rfm import SegmentModel, segment
    from rfm.app.applying import read_again
    from rfm.datasets import make_transactions
    from rfm.io.export import CSV_DIGITS, _significant_digits

    tx = make_transactions(n_customers=300, n_rows=3000, random_state=4)
    model = SegmentModel(k=3, random_state=0).fit(tx)
    mine = model.assign(tx)
    written = _significant_digits(mine, CSV_DIGITS).astype({"segment": str, "persona": str})
    same, n = read_again(model, written)
    assert n == 0 and same is written
    if other == "ladder":
        return
    scores = mine[["r_score", "f_score", "m_score"]].copy()
    scores.attrs["rfm_q"] = model.learned.scores.q
    theirs = written.assign(segment=segment(scores, "rfm")["segment"].astype(str).to_numpy())
    read, n = read_again(model, theirs)
    assert n == int((theirs["segment"] != written["segment"]).sum()) > 0
    pd.testing.assert_series_equal(read["segment"].astype(str), written["segment"])
    assert (read["cluster"] == written["cluster"]).all()  # only the rule set differed


def test_a_refit_says_when_a_kept_name_now_reads_otherwise(capsys, tmp_path) -> None:
    """Kept clusters 0 and 1: cluster 0's name stands but its bracket changed (a CRM tag
    holding the whole name changes), cluster 1 was renamed; cluster 2 is new. Each is
    said once, in its own words."""
    from rfm.app.console import print_refit_lines

    refit = {"matched": [(0, 0.1), (1, 0.2), None], "appeared": [2], "vanished": [],
             "ids": [0, 1, 2],
             "personas": ["Recent spenders (last order a median 3 days ago)", "Lapsed",
                          "Frequent spenders"],
             "personas_before": [["Recent spenders"], ["Loyal"], None],
             "renamed": {1: "Loyal"}, "customers_moved": 0.25}  # fmt: skip
    print_refit_lines(refit, tmp_path / "m.json")
    lines = capsys.readouterr().out.splitlines()
    assert ("cluster 1 renamed: “Loyal” → “Lapsed” (its customers no longer fit the old "
            "name)") in lines
    assert ("cluster 0 keeps its name, which now reads “Recent spenders (last order a median 3 "
            "days ago)” (was “Recent spenders”): the part in brackets tells namesakes apart, "
            "from this data") in lines
    assert sum("cluster 1" in ln for ln in lines) == 1 and not any("cluster 2 keeps" in ln
                                                                  for ln in lines)


def test_the_drift_details_say_which_ks_tests_compare_with_a_sample() -> None:
    """Said for the sampled dimensions only, in plain words, with the sample's size."""
    from types import SimpleNamespace

    from rfm.drift import REFERENCE_POINTS
    from rfm.report.apply_html import _sampled_note

    drift = pd.DataFrame({"psi": [0.0]})
    drift.attrs["sampled"] = ["monetary"]
    note = _sampled_note(SimpleNamespace(drift=drift))
    assert note == (f"<p>For total spend, the training customers had more distinct values "
                    f"than the model keeps, so it keeps a random sample of "
                    f"{REFERENCE_POINTS:,} of them: the KS test compares these customers "
                    "with that sample. The PSI counts every training customer.</p>")
    drift.attrs["sampled"] = []
    assert _sampled_note(SimpleNamespace(drift=drift)) == ""


def test_ids_written_otherwise_are_found_among_the_gone_and_the_new() -> None:
    """"00017" and "17", "18" and "18.0" are one customer each; "5" is in both files and
    "99" and "abc" are other customers: two, and the first as each file writes it; none
    without a new customer."""
    from rfm.app.applying import ids_written_otherwise

    before = pd.Index(["00017", "18", "5", "abc"])
    after = pd.Index(["17", "18.0", "5", "99"])
    assert ids_written_otherwise(before, after) == (2, "00017", "17")
    assert ids_written_otherwise(pd.Index(["a", "b"]), pd.Index(["a", "c"])) is None
    assert ids_written_otherwise(pd.Index(["a"]), pd.Index(["a", "b"])) is None
    # a file padded on its newest lines only: "012399" is new here while "12399", the
    # previous run's id of the same customer, is here too
    assert ids_written_otherwise(pd.Index(["12399", "7"]), pd.Index(["12399", "7", "012399"])
                                 ) == (1, "12399", "012399")  # fmt: skip


def test_a_bracket_whose_figure_no_longer_holds_is_found() -> None:
    """The figures in a name's brackets against these customers' (a profile written by
    hand): cluster 0's median is 29 days, not 22; cluster 3's is still 3; cluster 5 has no
    bracket; cluster 7 now has a median of 1 order (said in the singular) and the same
    spend, written with the name's two decimals, keeping its "(new)"; cluster 8's bracket
    states no figure; cluster 9's average is now 41.25 days, written with the six
    significant digits its 40.5 had; cluster 10's spend 0.1372 reads 0.137, as its three
    decimals write it. The check needs no number of customers: the profile is all."""
    from rfm.app.applying import stale_brackets

    prof = pd.DataFrame({
        "recency_median": [29.0, 3.0, 50.0, 10.0, 7.0, 40.0, 80.0],
        "recency_mean": [30.0, 3.5, 52.0, 11.0, 7.0, 41.25, 81.0],
        "frequency_median": [2.0, 4.0, 1.0, 1.0, 2.0, 1.0, 1.0],
        "frequency_mean": [2.0, 4.0, 1.5, 1.2, 2.0, 1.0, 1.0],
        "monetary_median": [100.0, 300.0, 20.0, 1234.5, 5.0, 60.0, 0.1372],
        "monetary_mean": [110.0, 310.0, 25.0, 1300.0, 5.0, 70.0, 0.15],
    }, index=[0, 3, 5, 7, 8, 9, 10])  # fmt: skip
    model = pd.Series({
        0: "Recent spenders (last order a median 22 days ago)",
        3: "Recent spenders (last order a median 3 days ago)",
        5: "Loyal",
        7: "Frequent spenders (median spend 1,234.50, median 2 orders) (new)",
        8: "Twins (cluster 8)",
        9: "Lapsed (last order on average 40.5 days ago)",
        10: "Low spenders (median spend 0.137)",
    })  # fmt: skip
    assert stale_brackets(prof, model) == {
        0: ("Recent spenders (last order a median 22 days ago)",
            "Recent spenders (last order a median 29 days ago)"),
        7: ("Frequent spenders (median spend 1,234.50, median 2 orders) (new)",
            "Frequent spenders (median spend 1,234.50, median 1 order) (new)"),
        9: ("Lapsed (last order on average 40.5 days ago)",
            "Lapsed (last order on average 41.25 days ago)"),
    }


def test_a_one_time_name_on_customers_with_more_orders_is_found() -> None:
    """"one-time" (anywhere in the words, at the start too) is a median of one order:
    cluster 1's median is now 2 orders; cluster 2's is 1; cluster 3 does not say it (its
    bracket may: only the words count)."""
    from rfm.app.applying import once_no_more

    prof = pd.DataFrame({"frequency_median": [2.0, 1.0, 3.0]}, index=[1, 2, 3])
    model = pd.Series({1: "One-time low spenders", 2: "Lapsed one-time customers",
                       3: "Frequent spenders (one-time)"})  # fmt: skip
    assert once_no_more(prof, model) == {1: ("One-time low spenders", 2.0)}


SEGMENTS = b"customer,recency\n1,2\n"


def _zipped(*entries: str) -> bytes:
    """A .zip archive holding ``entries`` (a name ending in "/" is a folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in entries:
            archive.writestr(name, b"" if name.endswith("/") else SEGMENTS)
    return buffer.getvalue()


#: (file, its bytes, what the refusal says of it)
UNREADABLE = [
    ("two.zip", _zipped("a.csv", "b.csv"),
     "is a .zip archive that holds 2 files (a.csv, b.csv), but a zipped segments file "
     "must be alone in its archive (zip segments.csv by itself)"),
    ("folder.zip", _zipped("run/", "run/segments.csv"),
     "is a .zip archive that holds 1 file and 1 folder (run/, run/segments.csv), but a "
     "zipped segments file must be alone in its archive (zip segments.csv by itself)"),
    ("empty.zip", _zipped(), "is a .zip archive with nothing in it"),
    ("gz.csv", gzip.compress(SEGMENTS),
     "holds gzip-compressed data, not CSV text, though its name ends in .csv (the kind "
     "of a file is read from the end of its name: rename it to end in .csv.gz)"),
    ("bz2.csv", bz2.compress(SEGMENTS), "holds bzip2-compressed data, not CSV text, "
     "though its name ends in .csv (the kind of a file is read from the end of its "
     "name: rename it to end in .csv.bz2)"),
    ("xz.txt", lzma.compress(SEGMENTS), "holds xz-compressed data, not CSV text, though "
     "its name ends in .txt (the kind of a file is read from the end of its name: "
     "rename it to end in .csv.xz)"),
    ("workbook.csv", _zipped("xl/workbook.xml", "[Content_Types].xml"),
     "holds a zip archive (an Excel workbook is one too), not CSV text, though its name "
     "ends in .csv (the kind of a file is read from the end of its name: rename it to "
     "end in .zip or .xlsx)"),
    ("latin.csv", "customer,segment\n1,Café\n".encode("latin-1"),
     "is not UTF-8 text, as rfmseg writes segments.csv; save it again as UTF-8 CSV, or "
     + EARLIER_RUN),
    ("quote.csv", b'customer,segment\n1,"unterminated\n',
     'is not a table: its row 2 (the header is row 1) opens a quote (") that is never '
     "closed, so everything after it would be one value"),
    ("late-quote.csv", b'customer,segment\n1,a\n\n2,b\n3,"x\n4,c\n',
     'is not a table: its row 5 (the header is row 1) opens a quote (") that is never '
     "closed"),
]


@pytest.mark.parametrize(("name", "content", "says"), UNREADABLE,
                         ids=[name for name, _, _ in UNREADABLE])
def test_a_previous_file_that_cannot_be_read_is_refused_for_what_it_is(
        tmp_path: Path, name: str, content: bytes, says: str) -> None:
    """A valid .zip of two files or of none was "not .zip data that can be decompressed
    (it is cut short, damaged ...)", gzip data named .csv "not UTF-8 text ... save it
    again as UTF-8 CSV", an unclosed quote "its lines are not comma-separated columns".
    Each is now refused for what it is, in one line naming --previous; the files are made
    with Python's own zipfile, gzip, bz2 and lzma."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        read_previous(path)
    message = str(info.value)
    assert message.startswith(f"--previous {path} {says}")
    assert message.endswith(EARLIER_RUN) and "\n" not in message
    for foreign in ("Multiple files", "Zero files", "tokenizing", "codec", "EOF inside"):
        assert foreign not in message


def test_a_zip_of_the_segments_file_alone_is_read(tmp_path: Path) -> None:
    path = tmp_path / "segments.zip"
    path.write_bytes(_zipped("segments.csv"))
    with pytest.raises(ValueError, match="lacks column"):  # read, then found short of columns
        read_previous(path)
