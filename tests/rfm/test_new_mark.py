"""The " (new)" mark of a persona name belongs to the refit run in which its cluster
appeared: that run's files and report carry it; the refitted model, applied or refitted
again, names the cluster without it, unless it is new again there.

The expected names are the marked names with the mark cut off by hand (string slicing),
never by the library's own helper.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from rfm import SegmentModel, TransactionColumns
from rfm.datasets import make_transactions
from rfm.model_file import dumps, loads
from rfm.model_refit import match_clusters, renamed_clusters, reworded_clusters

MARK = " (new)"
COLS = TransactionColumns(amount="TotalAmount")


def _plain(name: str) -> str:
    """The name without one mark at its end, by hand."""
    return name[: -len(MARK)] if name.endswith(MARK) else name


def test_a_mark_from_one_refit_is_gone_in_the_next_and_comes_back_only_for_a_new_clash() -> None:
    """Refit 1: clusters 3 and 8 persist ("Sleepers" renamed "Big spenders"), cluster 9 is
    new and called "Sleepers", the old model's name for cluster 8: "Sleepers (new)" in
    that run. Refit 2, from the model refit 1 made (its names without the mark): 9
    persists as "Sleepers", no longer new; a new cluster 10 is called "Loyal", the name
    of cluster 3 before it was renamed "Regulars" in this refit: "Loyal (new)"."""
    old = np.array([[0.0, 0.0], [10.0, 0.0]])
    first = np.array([[0.1, 0.0], [10.1, 0.0], [5.0, 5.0]])
    ids, personas, _, lineage = match_clusters(
        first, old, np.array([3, 8]), ["Loyal", "Sleepers"], ["keep", "wake"],
        ["Loyal", "Big spenders", "Sleepers"], ["keep", "reward", "wake"])
    assert ids.tolist() == [3, 8, 9] and lineage["appeared"] == [9]
    assert personas == ["Loyal", "Big spenders", "Sleepers (new)"]
    kept = [_plain(p) for p in personas]  # what the refitted model keeps
    second = np.array([[0.2, 0.0], [10.0, 0.1], [5.1, 5.0], [0.0, 9.0]])
    ids2, personas2, _, lineage2 = match_clusters(
        second, first, ids, kept, ["keep", "reward", "wake"],
        ["Regulars", "Big spenders", "Sleepers", "Loyal"], ["a", "b", "c", "d"])
    assert ids2.tolist() == [3, 8, 9, 10] and lineage2["appeared"] == [10]
    assert personas2 == ["Regulars", "Big spenders", "Sleepers", "Loyal (new)"]
    # cluster 9 keeps its name: no rename said, and nothing after it changed either
    assert renamed_clusters(lineage2, ids, kept, personas2) == {3: "Loyal"}


def test_a_name_an_older_model_kept_with_its_mark_still_counts_as_the_old_models() -> None:
    """A model saved before the mark was dropped calls cluster 9 "Sleepers (new)"; cluster
    9 persists but is now "Dormant", and a new cluster is called "Sleepers": a name the old
    model used, so it is marked."""
    old = np.array([[0.0, 0.0], [10.0, 0.0]])
    new = np.array([[0.1, 0.0], [10.1, 0.0], [50.0, 50.0]])
    _, personas, _, lineage = match_clusters(
        new, old, np.array([3, 9]), ["Loyal", "Sleepers (new)"], ["keep", "wake"],
        ["Loyal", "Dormant", "Sleepers"], ["keep", "wake", "wake"])
    assert lineage["appeared"] == [10]
    assert personas == ["Loyal", "Dormant", "Sleepers (new)"]


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


@pytest.fixture(scope="module")
def two_refits():
    """A model of 3 clusters refitted with more clusters on the same orders until a new
    cluster takes a name the old model gave another (marked), then that model refitted on
    the same orders again."""
    tx = make_transactions(n_customers=600, n_rows=4000, random_state=1)
    start = _quiet(SegmentModel(k=3).fit, tx, columns=COLS)
    for k in (5, 4, 6):
        start.settings = start.settings.replace(k=k)
        first, run1 = _quiet(start.refit_run, tx)
        if any(p.endswith(MARK) for p in run1.settings["refit"]["personas"]):
            break
    else:  # pragma: no cover - the data were chosen to give one
        pytest.fail("no refit gave a new cluster an old name")
    second, run2 = _quiet(first.refit_run, tx)
    return tx, start, first, run1, second, run2


def test_the_refit_run_marks_a_new_cluster_on_an_old_name(two_refits) -> None:
    """The run in which the cluster appeared says so, in its names and its files."""
    _, start, _, run1, _, _ = two_refits
    refit = run1.settings["refit"]
    marked = {cid: p for cid, p in zip(refit["ids"], refit["personas"], strict=True)
              if p.endswith(MARK)}  # fmt: skip
    assert set(marked) <= set(refit["appeared"])
    for cid, name in marked.items():
        assert _plain(name) in start.learned.personas  # the old model used it
        assert run1.personas.loc[cid] == name
        assert run1.profile.loc[cid, "persona"] == name


def test_the_refitted_model_applied_names_the_cluster_without_the_mark(two_refits) -> None:
    tx, _, first, run1, _, _ = two_refits
    refit = run1.settings["refit"]
    plain = {cid: _plain(p) for cid, p in zip(refit["ids"], refit["personas"], strict=True)}
    assert dict(zip(first.learned.ids.tolist(), first.learned.personas, strict=True)) == plain
    table = first.assign(tx)
    for cid, members in table.groupby("cluster"):
        assert set(members["persona"].astype(str)) == {plain[int(cid)]}
    assert first.clusters["persona"].to_dict() == plain
    # the model file keeps the plain names too
    document = json.loads(dumps(first))
    assert {c["id"]: c["persona"] for c in document["clusters"]} == plain


def test_the_next_refit_names_the_cluster_plainly_and_says_no_change(two_refits) -> None:
    """Refitted on the same orders, every cluster persists with the name the model applied
    gives it: none is new, none renamed, and no name "reads otherwise" (a CRM tag the
    model's names were written to is unchanged)."""
    _, _, first, run1, second, run2 = two_refits
    refit = run2.settings["refit"]
    assert refit["appeared"] == [] and refit["vanished"] == []
    before = run1.settings["refit"]
    plain = {cid: _plain(p) for cid, p in zip(before["ids"], before["personas"], strict=True)}
    assert dict(zip(refit["ids"], refit["personas"], strict=True)) == plain
    assert not any(p.endswith(MARK) for p in refit["personas"])
    assert refit["renamed"] == {} and reworded_clusters(refit) == {}
    assert list(second.learned.personas) == list(first.learned.personas)


def test_a_model_file_with_a_mark_reads_without_it(two_refits) -> None:
    """A model file an older version saved with the mark on a name: read, applied, the
    cluster is named plainly."""
    tx, _, first, run1, _, _ = two_refits
    document = json.loads(dumps(first))
    refit = run1.settings["refit"]
    marked = dict(zip(refit["ids"], refit["personas"], strict=True))
    for cluster in document["clusters"]:
        cluster["persona"] = marked[cluster["id"]]
    assert any(c["persona"].endswith(MARK) for c in document["clusters"])
    model = SegmentModel.from_dict(loads(json.dumps(document)))
    assert [p for p in model.learned.personas if p.endswith(MARK)] == []
    names = set(model.assign(tx)["persona"].astype(str))
    assert names == {_plain(p) for p in marked.values()}


def _said(refit: dict) -> list[str]:
    """What the report and the console say of the marked names, written out by hand."""
    marked = [(cid, p) for cid, p in zip(refit["ids"], refit["personas"], strict=True)
              if p.endswith(MARK)]  # fmt: skip
    if not marked:
        return []
    if len(marked) == 1:
        cid, name = marked[0]
        return [f"Cluster {cid} is new and takes a name the old model gave another cluster: "
                f"this run's files call it “{name}”, and the refitted model calls it "
                f"“{_plain(name)}” from now on, when it is no longer new."]
    listed = ", ".join(str(c) for c, _ in marked[:-1]) + f" and {marked[-1][0]}"
    return [f"Clusters {listed} are new and take names the old model gave other clusters: "
            "this run's files mark them “(new)”, and the refitted model calls them by their "
            "names alone from now on, when they are no longer new."]


def test_the_refit_report_and_console_say_what_the_mark_means_and_the_next_do_not(
        two_refits, tmp_path, capsys) -> None:
    import html
    import re

    from rfm.app.console import print_refit_lines
    from rfm.report import render_report

    _, _, _, run1, _, run2 = two_refits
    for run, marks in ((run1, True), (run2, False)):
        refit = run.settings["refit"]
        expected = _said(refit)
        assert bool(expected) is marks
        page = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", render_report(run))).split())
        print_refit_lines(refit, tmp_path / "model.json")
        printed = capsys.readouterr().out
        for sentence in expected:
            assert sentence in page and sentence in printed
        if not marks:
            assert MARK not in page and "the old model gave" not in page
            assert "the old model gave" not in printed
