"""rfmseg segment --save-model, rfmseg apply, rfmseg refit: in process, files and errors.

References: the training run's own segments.csv (apply on the training file must give it
back, column for column, but the silhouette), rfm.SegmentModel in this process (the
command writes what the library computes), scipy (drift.csv's KS), pandas crosstabs,
recency counted from the order lines with pandas, the score rule applied by hand to the
model file's cut points, and the CSV file for the xlsx and Parquet ones.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
from html import escape, unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _cli import SEGMENTS_COLUMNS, Run, assert_user_error, run_captured
from scipy.stats import ks_2samp

from rfm import SegmentModel
from rfm.datasets import make_transactions

APPLY_FILES = ["drift.csv", "profile.csv", "report.html", "segments.csv"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("weeks")
    make_transactions(n_customers=600, n_rows=6000, random_state=0).to_csv(d / "w1.csv",
                                                                             index=False)
    later = make_transactions(n_customers=700, n_rows=9000, random_state=1)
    later.to_csv(d / "w2.csv", index=False)
    return d


@pytest.fixture(scope="module")
def trained(files, tmp_path_factory) -> tuple[Path, Path]:
    """A segment run with --save-model (in process, once for the module)."""
    from rfm.app.cli import main

    out = tmp_path_factory.mktemp("run")
    assert main(["segment", str(files / "w1.csv"), "--out", str(out / "r"),
                 "--save-model", str(out / "m.json"), "--quiet"]) == 0  # fmt: skip
    return out / "r", out / "m.json"


def test_apply_on_the_training_file_gives_the_training_segments(cli, files, trained,
                                                                tmp_path) -> None:  # fmt: skip
    run, model = trained
    proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "a", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == APPLY_FILES
    trained_csv = pd.read_csv(run / "segments.csv", dtype=str)
    applied_csv = pd.read_csv(tmp_path / "a" / "segments.csv", dtype=str)
    assert list(trained_csv.columns) == SEGMENTS_COLUMNS
    pd.testing.assert_frame_equal(applied_csv, trained_csv.drop(columns="silhouette"))
    assert "refit recommended" not in proc.stdout and "Stable" in proc.stdout


#: drift.csv's raw features → the row labels of the drift table (console and report)
DRIFT_LABELS = {"recency": "Recency (days since the last order)", "frequency": "Frequency (orders)",
                "monetary": "Monetary (total spend)"}  # fmt: skip


def test_the_consoles_ks_statistic_reads_as_the_reports(cli, files, trained, tmp_path) -> None:
    """The console's drift table writes the KS statistic with three decimals, as it writes
    the PSI and the p-value and as the report writes the same figure: applied to the
    training file, the statistic is scipy's ks_2samp of the two segments.csv files (0:
    the same customers), "0.000" and never "0.0". A scaled feature keeps the customers'
    order, so its row has its raw feature's statistic."""
    run, model = trained
    out = tmp_path / "a"
    proc = cli("apply", model, files / "w1.csv", "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    old = pd.read_csv(run / "segments.csv", dtype={"customer": str})
    new = pd.read_csv(out / "segments.csv", dtype={"customer": str})
    drift = pd.read_csv(out / "drift.csv", index_col="feature")
    report = unescape((out / "report.html").read_text())
    three = r"\d+\.\d{3}"
    for dim, label in DRIFT_LABELS.items():
        want = f"{ks_2samp(old[dim], new[dim]).statistic:.3f}"
        assert want == "0.000"
        for name, row_label in ((dim, label), (f"{dim}_scaled", label.split(" (")[0]
                                                + ", as clustered (scaled)")):
            assert f"{drift.loc[name, 'ks_statistic']:.3f}" == want, name
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(row_label + "  ")]
            assert len(lines) == 1, row_label
            # PSI, KS statistic, KS p-value, reading: every figure with three decimals
            got = re.fullmatch(rf"\s+({three})\s+({three})\s+(< 0\.001|{three})\s+\S.*",
                               lines[0][len(row_label):])  # fmt: skip
            assert got is not None, lines[0]
            assert got.group(2) == want, lines[0]
            # the report's row: the label, three PSI figures, the KS statistic, ...
            row = report.split(f">{row_label}</td>", 1)[1].split("</tr>", 1)[0]
            cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
            assert cells[3] == want, row


def test_the_saved_model_is_the_runs(trained) -> None:
    run, model = trained
    doc = json.loads(model.read_text())
    assert doc["format_version"] == 1 and doc["training"]["customers"] == 600
    prof = pd.read_csv(run / "profile.csv", index_col="cluster")
    personas = {c["id"]: c["persona"] for c in doc["clusters"]}
    assert personas == prof["persona"].to_dict()


def _last_purchases(path: Path) -> pd.Series:
    """Each customer's last order, from the order lines with plain pandas (the generated
    data has no cancellation, return or guest line: every line is a purchase)."""
    tx = pd.read_csv(path, dtype={"CustomerID": str}, parse_dates=["InvoiceDate"])
    return tx.groupby("CustomerID")["InvoiceDate"].max()


def _frozen_scores(values: pd.Series, cuts: list[float], q: int, recency: bool) -> np.ndarray:
    """The documented rule, value by value: s(x) = 1 + #{cut points c ≤ x}, recency
    reversed (q + 1 − s)."""
    s = np.array([1 + sum(c <= v for c in cuts) for v in values])
    return q + 1 - s if recency else s


def test_apply_with_a_snapshot_counts_recency_from_it_with_the_frozen_cut_points(
    cli, files, trained, tmp_path
) -> None:
    """Half a year after the data end: recency is (snapshot − last order) in days, and the
    scores come from the model's cut points. Re-ranking the customers would give them
    back about their training R scores (every recency grew by about the same 180 days);
    the frozen cut points lower them."""
    run, model = trained
    last = _last_purchases(files / "w1.csv")
    snapshot = last.max().normalize() + pd.Timedelta(days=181)
    proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "a", "--snapshot",
               f"{snapshot:%Y-%m-%d}", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(tmp_path / "a" / "segments.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    assert sorted(seg.index) == sorted(last.index)
    expected = (snapshot - last).dt.days
    assert (seg["recency"] == expected.loc[seg.index]).all()
    doc = json.loads(model.read_text())
    q, cuts = doc["scores"]["q"], doc["scores"]["cuts"]
    for dim in ("recency", "frequency", "monetary"):
        want = _frozen_scores(seg[dim], cuts[dim], q, recency=dim == "recency")
        assert (seg[f"{dim[0]}_score"].to_numpy() == want).all(), dim
    train = pd.read_csv(run / "segments.csv", dtype={"customer": str},
                        index_col="customer").loc[seg.index]  # fmt: skip
    assert (seg["recency"] > train["recency"]).all()
    assert (seg["r_score"] <= train["r_score"]).all() and (seg["r_score"] < train["r_score"]).any()
    assert seg["r_score"].nunique() > 1  # the cut points still split the customers
    assert (seg[["f_score", "m_score"]] == train[["f_score", "m_score"]]).all().all()


def _usage_error(proc: Run, *fragments: str) -> None:
    """Exit 2 with argparse's one error line, the last (after the usage), no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert [line for line in lines if "error" in line] == [lines[-1]], proc.stderr
    assert lines[-1].startswith("rfmseg apply: error: argument --snapshot: ")
    for f in fragments:
        assert f in lines[-1], lines[-1]


def test_a_snapshot_that_is_ambiguous_or_not_a_date_is_one_line(cli, files, trained,
                                                                 tmp_path) -> None:  # fmt: skip
    """The file's dates are ISO: they give no day/month order to follow, so 02/03/2026 is
    refused unless --dayfirst decides; a date that is no day, or no date, is refused
    before anything is read; a snapshot before the last order after reading."""
    _, model = trained
    out = tmp_path / "o"
    ambiguous = cli("apply", model, files / "w1.csv", "--out", out, "--snapshot", "02/03/2026")
    assert_user_error(ambiguous, "--snapshot '02/03/2026' reads as 2 March 2026 or "
                      "3 February 2026", "--dayfirst")  # fmt: skip
    early = cli("apply", model, files / "w1.csv", "--out", out, "--snapshot", "2024-01-01")
    assert_user_error(early, "snapshot 2024-01-01", "before the last purchase")
    _usage_error(cli("apply", model, files / "w1.csv", "--out", out, "--snapshot",
                     "2026-02-30"), "'2026-02-30' is not a real day")  # fmt: skip
    _usage_error(cli("apply", model, files / "w1.csv", "--out", out, "--snapshot", "soon"),
                 "max+1d, max or a date")  # fmt: skip
    assert not out.exists()
    dayfirst = cli("apply", model, files / "w1.csv", "--out", out, "--snapshot", "02/03/2026",
                   "--dayfirst")  # fmt: skip
    assert dayfirst.returncode == 0, dayfirst.stderr
    assert "--snapshot 02/03/2026 read as 2026-03-02" in dayfirst.stderr
    seg = pd.read_csv(out / "segments.csv", dtype={"customer": str}, index_col="customer")
    last = _last_purchases(files / "w1.csv")
    assert (seg["recency"] == (pd.Timestamp("2026-03-02") - last).dt.days.loc[seg.index]).all()


@pytest.fixture(scope="module")
def applied_csv(files, trained, tmp_path_factory) -> pd.DataFrame:
    """segments.csv of `rfmseg apply` on the later file (in process, once)."""
    out = tmp_path_factory.mktemp("applied") / "csv"
    proc = run_captured("apply", str(trained[1]), str(files / "w2.csv"), "--out", str(out),
                        "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return pd.read_csv(out / "segments.csv", dtype={"customer": str, "rfm_code": str})


@pytest.fixture(scope="module")
def applied_w1(files, trained, tmp_path_factory) -> Path:
    """The folder of `rfmseg apply` on the training file (in process, once): the previous
    run of the --previous tests."""
    out = tmp_path_factory.mktemp("applied-w1") / "e"
    proc = run_captured("apply", str(trained[1]), str(files / "w1.csv"), "--out", str(out),
                        "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def _previous_with_ids(applied_w1: Path, prefix: str, path: Path) -> pd.DataFrame:
    """The previous run's segments.csv with ``prefix`` before every customer id, written
    to ``path``; returns the table written."""
    prev = pd.read_csv(applied_w1 / "segments.csv", dtype={"customer": str})
    prev["customer"] = prefix + prev["customer"]
    prev.to_csv(path, index=False)
    return prev


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float64 and text as str, whatever types the file format kept."""
    columns = {}
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(col.cat.categories.dtype)
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        columns[name] = col.astype(np.float64) if numeric else col.astype(str)
    return pd.DataFrame(columns)


@pytest.mark.parametrize("fmt, package", [("parquet", "pyarrow"), ("xlsx", "openpyxl")])
def test_apply_writes_parquet_and_xlsx_equal_to_its_csv(
    cli, files, trained, applied_csv, tmp_path, fmt, package
) -> None:
    pytest.importorskip(package)
    out = tmp_path / fmt
    proc = cli("apply", trained[1], files / "w2.csv", "--out", out, "--format", fmt, "--quiet")
    assert proc.returncode == 0, proc.stderr
    written = sorted(n.replace("segments.csv", f"segments.{fmt}") for n in APPLY_FILES)
    assert sorted(p.name for p in out.iterdir()) == written
    if fmt == "parquet":
        got = pd.read_parquet(out / "segments.parquet")
    else:
        got = pd.read_excel(out / "segments.xlsx", dtype={"customer": str, "rfm_code": str})
    assert list(got.columns) == list(applied_csv.columns) == SEGMENTS_COLUMNS[:-1]
    # the same table; the CSV file writes money to 12 significant digits, these verbatim
    pd.testing.assert_frame_equal(_comparable(got), _comparable(applied_csv), check_exact=False,
                                  rtol=5e-12, atol=0)  # fmt: skip


def test_apply_new_data_writes_drift_equal_to_scipy_and_the_changes(cli, files, trained,
                                                                    tmp_path) -> None:  # fmt: skip
    run, model = trained
    out = tmp_path / "b"
    proc = cli("apply", model, files / "w2.csv", "--out", out, "--previous",
               run / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([*APPLY_FILES, "migration.csv"])
    drift = pd.read_csv(out / "drift.csv", index_col="feature")
    assert {"psi", "ks_statistic", "ks_pvalue", "verdict"} <= set(drift.columns)
    old = pd.read_csv(run / "segments.csv", dtype={"customer": str})
    new = pd.read_csv(out / "segments.csv", dtype={"customer": str})
    for dim in ("recency", "frequency", "monetary"):
        ref = ks_2samp(old[dim], new[dim])
        assert drift.loc[dim, "ks_statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert drift.loc[dim, "ks_pvalue"] == pytest.approx(ref.pvalue, rel=1e-9)
    # who changed segment: an independent merge of the two files
    both = old.merge(new, on="customer", suffixes=("_old", "_new"))
    share = (both["segment_old"] != both["segment_new"]).mean()
    moved = (both["cluster_old"] != both["cluster_new"]).mean()
    n_new = int((~new["customer"].isin(old["customer"])).sum())
    gone = int((~old["customer"].isin(new["customer"])).sum())
    counts = (f"{len(both):,} customers are in both runs, {n_new:,} new and {gone:,} gone. "
              f"{share:.1%} of the customers in both changed segment and {moved:.1%} changed "
              "cluster.")  # fmt: skip
    assert counts in proc.stdout and escape(counts) in (out / "report.html").read_text()
    assert "another model" not in proc.stdout  # the same model: the file reads as it does
    # w2 is other data, not w1 with new orders: fewer orders for some, so no orders claim
    fewer = int((both["frequency_new"] < both["frequency_old"]).sum())
    odd = int(((both["frequency_new"] == both["frequency_old"])
               & (both["monetary_new"] != both["monetary_old"])).sum())  # fmt: skip
    assert fewer > 0
    why = [f"{fewer:,} customers have fewer orders than in the previous file"]
    why += [f"{gone:,} of its customers are gone"] if gone else []
    why += [f"{odd:,} customer{'s have' if odd > 1 else ' has'} as many orders as in the "
            "previous file but another spend"] if odd else []
    listed = why[0] if len(why) == 1 else ", ".join(why[:-1]) + " and " + why[-1]
    said = f"The two runs cannot be compared on orders: {listed}, so these data"
    assert said in proc.stdout and escape(said) in (out / "report.html").read_text()
    assert "win-back" not in proc.stdout
    mig = pd.read_csv(out / "migration.csv", dtype={"customer": str}, index_col="customer")
    # not a continuation: no count or spend "between" the runs is claimed
    assert not {"orders_between", "revenue"} & set(mig.columns)
    expected = pd.crosstab(both["segment_old"], both["segment_new"])
    got = pd.crosstab(mig["segment_before"].dropna(), mig["segment_after"])
    pd.testing.assert_frame_equal(got.sort_index().sort_index(axis=1),
                                  expected.sort_index().sort_index(axis=1), check_names=False)
    # score sums and directions: R + F + M of each file's own score columns, compared
    # customer by customer here ("new" for a customer the previous file lacks)
    assert sorted(mig.index) == sorted(new["customer"])
    sum_old = (old["r_score"] + old["f_score"] + old["m_score"]).set_axis(old["customer"])
    sum_new = (new["r_score"] + new["f_score"] + new["m_score"]).set_axis(new["customer"])
    assert (mig["rfm_sum_after"] == sum_new.loc[mig.index]).all()
    was = mig.index.isin(old["customer"])
    assert mig["rfm_sum_before"].isna().to_numpy().tolist() == (~was).tolist()
    assert (mig.loc[was, "rfm_sum_before"] == sum_old.loc[mig.index[was]]).all()
    want = []
    for c in mig.index:
        if c not in sum_old.index:
            want.append("new")
        else:
            d = sum_new[c] - sum_old[c]
            want.append("up" if d > 0 else "down" if d < 0 else "same")
    assert mig["direction"].tolist() == want
    assert {"new", "up", "down", "same"} <= set(want)
    assert "orders_between" not in mig.columns
    html = (out / "report.html").read_text()
    for sid in ("summary", "segments", "personas", "drift", "changes", "method"):
        assert f'<section id="{sid}">' in html
    for absent in ("clusters", "validation", "trend"):
        assert f'<section id="{absent}">' not in html


def test_apply_after_an_earlier_cut_of_the_data_names_the_win_back_list(
    cli, files, trained, tmp_path
) -> None:
    """The later file continues the earlier one (the same order lines, and more): orders
    between are frequency now less then, spend between is monetary now less then, both
    read from the two segments.csv; a customer with no new order spent exactly 0. Of
    those whose R + F + M score fell (some within their segment), the ones with no new
    order who are now in a segment of the ladder for customers slipping away (a recency
    score of 1 or 2 in its rule) are the win-back list; the others with no new order are
    named with their segments."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", parse_dates=["InvoiceDate"])
    tx[tx["InvoiceDate"] < "2025-02-01"].to_csv(tmp_path / "early.csv", index=False)
    first = cli("apply", model, tmp_path / "early.csv", "--out", tmp_path / "e", "--quiet")
    assert first.returncode == 0, first.stderr
    proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "f", "--previous",
               tmp_path / "e" / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    old = pd.read_csv(tmp_path / "e" / "segments.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    new = pd.read_csv(tmp_path / "f" / "segments.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    mig = pd.read_csv(tmp_path / "f" / "migration.csv", dtype={"customer": str},
                      index_col="customer").loc[new.index]  # fmt: skip
    orders = new["frequency"] - old["frequency"].reindex(new.index).fillna(0)
    assert (mig["orders_between"] == orders).all() and (orders >= 0).all()
    # spend between: the written figures' difference in decimal arithmetic, so 1000.01
    # less 1000 is 0.01, not the 0.009999999999990905 of subtracting the two doubles
    from decimal import Decimal

    def written(path: Path) -> pd.Series:
        return pd.read_csv(path, dtype={"customer": str, "monetary": str},
                           index_col="customer")["monetary"].map(Decimal)  # fmt: skip

    then = written(tmp_path / "e" / "segments.csv")
    now = written(tmp_path / "f" / "segments.csv").loc[new.index]
    spend = pd.Series([float(v - then.get(c, Decimal(0))) for c, v in now.items()],
                      index=now.index)  # fmt: skip
    assert (mig["revenue"] == spend).all()
    idle = orders == 0
    assert idle.sum() > 100 and (mig.loc[idle, "revenue"] == 0).all()  # not 5.7e-14
    down = (new["r_score"] + new["f_score"] + new["m_score"]
            < (old["r_score"] + old["f_score"] + old["m_score"]).reindex(new.index))
    lapsed, ordered = int((down & idle).sum()), down & ~idle
    assert lapsed > 0 and ordered.sum() > 0
    # those who ordered and still fell: the frozen thresholds, so their last order is older
    assert (new.loc[ordered, "recency"] > old.loc[ordered[ordered].index, "recency"]).all()
    same = int((down & (new["segment"] == old["segment"].reindex(new.index))).sum())
    slipping = new["segment"].isin(["Can't Lose Them", "At Risk", "Hibernating", "Lost"])
    listed, rest = new.loc[down & idle & slipping], new.loc[down & idle & ~slipping]
    assert len(listed) and len(rest) and same

    def where(segments: pd.Series) -> str:
        counts = segments.value_counts().sort_index().sort_values(ascending=False,
                                                                  kind="stable")  # fmt: skip
        return ", ".join(f"{name} {n:,}" for name, n in counts.items())

    said = (f"{int(down.sum()):,} customers have a lower R + F + M score than in the previous "
            f"run ({same:,} of them in the same segment as then). {len(listed):,} of those "
            "whose score fell have not ordered since the end of the previous run's data and "
            f"are now in a segment for customers slipping away ({where(listed['segment'])}): "
            f"a ready win-back list. {len(rest):,} more whose score fell have not ordered "
            f"since then either, but are now in other segments ({where(rest['segment'])}), "
            f"whose own actions apply. The other {int(ordered.sum()):,} have ordered since, "
            "but their last order is longer ago than it was then.")
    assert lapsed == len(listed) + len(rest)
    assert said in proc.stdout
    assert escape(said) in (tmp_path / "f" / "report.html").read_text()


def _read_by_model(model: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """A segments file's customers read by a saved model, by hand from the model file:
    scores from its cut points (:func:`_frozen_scores`), segments by its rules on those
    scores, clusters as the nearest centre of x' = offset + (log1p(x) − center) ·
    multiplier."""
    from rfm import segment

    doc = json.loads(model.read_text())
    q, cuts = doc["scores"]["q"], doc["scores"]["cuts"]
    scores = pd.DataFrame({f"{d[0]}_score": _frozen_scores(frame[d], cuts[d], q, d == "recency")
                           for d in ("recency", "frequency", "monetary")})  # fmt: skip
    scores.attrs["rfm_q"] = q
    named = segment(scores, doc["settings"]["rules"])["segment"].astype(str).to_numpy()
    sc = doc["scaler"]
    x = frame[["recency", "frequency", "monetary"]].to_numpy(np.float64)
    x = np.where(sc["log1p"], np.log1p(x), x)
    x = np.asarray(sc["offset"]) + (x - np.asarray(sc["center"])) * np.asarray(sc["multiplier"])
    centres = np.array([c["centre"] for c in doc["clusters"]])
    ids = np.array([c["id"] for c in doc["clusters"]])
    nearest = ids[((x[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)]
    return pd.DataFrame({**{c: scores[c].to_numpy() for c in scores}, "segment": named,
                         "cluster": nearest}, index=frame["customer"].to_numpy())  # fmt: skip


@pytest.mark.parametrize("kind", ["refit of the model", "another model"])
def test_a_previous_file_of_another_model_is_read_again_by_this_one(
    cli, files, trained, tmp_path, kind
) -> None:
    """A previous segments.csv made by another model (the model this one was refitted
    from, or a run with k = 2): the model reads its customers' figures again, says how
    many the file read otherwise, and counts who changed segment and cluster as it reads
    both runs: the shares are worked out here from the two files and the model file."""
    _, model = trained
    if kind == "refit of the model":
        first = cli("apply", model, files / "w1.csv", "--out", tmp_path / "p", "--quiet")
        refit = cli("refit", model, files / "w2.csv", "--out", tmp_path / "r", "--save-model",
                    tmp_path / "r.json", "--quiet")  # fmt: skip
        assert first.returncode == 0 and refit.returncode == 0, refit.stderr
        now, data = tmp_path / "r.json", files / "w2.csv"
    else:
        first = cli("segment", files / "w1.csv", "--out", tmp_path / "p", "--k", "2", "--quiet")
        assert first.returncode == 0, first.stderr
        now, data = model, files / "w1.csv"
    proc = cli("apply", now, data, "--out", tmp_path / "a", "--previous",
               tmp_path / "p" / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    prev = pd.read_csv(tmp_path / "p" / "segments.csv", dtype={"customer": str})
    new = pd.read_csv(tmp_path / "a" / "segments.csv", dtype={"customer": str})
    read = _read_by_model(now, prev)
    mine = prev.set_index("customer")
    otherwise = int(((read[["r_score", "f_score", "m_score"]] != mine[["r_score", "f_score",
                                                                       "m_score"]]).any(axis=1)
                     | (read["segment"] != mine["segment"])
                     | (read["cluster"] != mine["cluster"])).sum())  # fmt: skip
    assert otherwise > 0  # else this test would show nothing
    warning = (f"The previous segments do not read their customers as this model does: it "
               f"gives {otherwise:,} of the {len(prev):,} customers in that file other scores, "
               "segments or clusters for their figures then (a file of another model, of the "
               "model a refit started from, or edited).")  # fmt: skip
    assert [x for x in proc.stdout.splitlines() if "another model" in x] == [
        f"warning: {warning} So both runs are compared as this model reads them: the "
        "previous customers are scored, named and clustered again from their figures in "
        "that file."]  # fmt: skip
    report = (tmp_path / "a" / "report.html").read_text()
    assert report.count(escape(warning)) == 1
    both = new.set_index("customer").merge(read, how="inner", left_index=True,
                                           right_index=True, suffixes=("", "_then"))
    share = (both["segment"] != both["segment_then"]).mean()
    moved = (both["cluster"] != both["cluster_then"]).mean()
    said = f"{share:.1%} of the customers in both changed segment and {moved:.1%} changed cluster"
    assert said in proc.stdout and said in report
    mig = pd.read_csv(tmp_path / "a" / "migration.csv", dtype={"customer": str},
                      index_col="customer").loc[both.index]  # fmt: skip
    assert (mig["segment_before"] == both["segment_then"]).all()
    then = both[["r_score_then", "f_score_then", "m_score_then"]].sum(axis=1)
    assert (mig["rfm_sum_before"] == then).all()


def test_a_refitted_model_remembers_the_names_of_its_clusters(cli, files, trained,
                                                              tmp_path) -> None:  # fmt: skip
    """refit (twice): each kept cluster lists every name it had in the models before it,
    the newest first."""
    _, model = trained
    refit = cli("refit", model, files / "w2.csv", "--out", tmp_path / "r", "--save-model",
                tmp_path / "r.json", "--quiet")  # fmt: skip
    assert refit.returncode == 0, refit.stderr
    old = {c["id"]: c["persona"] for c in json.loads(model.read_text())["clusters"]}
    lineage = json.loads((tmp_path / "r.json").read_text())["lineage"]
    for match, names in zip(lineage["matched"], lineage["personas_before"], strict=True):
        assert names == (None if match is None else [old[match[0]]])
    again = cli("refit", tmp_path / "r.json", files / "w1.csv", "--out", tmp_path / "r2",
                "--save-model", tmp_path / "r2.json", "--quiet")  # fmt: skip
    assert again.returncode == 0, again.stderr
    middle = {c["id"]: c["persona"] for c in json.loads((tmp_path / "r.json").read_text())[
        "clusters"]}  # fmt: skip
    lineage2 = json.loads((tmp_path / "r2.json").read_text())["lineage"]
    for match, names in zip(lineage2["matched"], lineage2["personas_before"], strict=True):
        if match is not None:  # every earlier name of the id, the newest first
            want = [middle[match[0]]] + ([old[match[0]]] if match[0] in old else [])
            assert names == list(dict.fromkeys(want))


def test_apply_says_refit_recommended_when_the_customers_moved(cli, files, trained,
                                                               tmp_path) -> None:  # fmt: skip
    _, model = trained
    tx = pd.read_csv(files / "w1.csv")
    tx["TotalAmount"] *= 5
    tx.to_csv(tmp_path / "rich.csv", index=False)
    proc = cli("apply", model, tmp_path / "rich.csv", "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "Refit recommended" in proc.stdout
    report = (tmp_path / "o" / "report.html").read_text()
    assert "refit recommended" in report.lower()
    drift = pd.read_csv(tmp_path / "o" / "drift.csv", index_col="feature")
    assert drift.loc["monetary", "verdict"] == "refit recommended"
    # the features over 0.25, from drift.csv, in plain words: never a column name
    over = drift.index[drift["psi"] > 0.25]
    words = {"recency": "recency", "frequency": "frequency", "monetary": "total spend"}
    named = list(dict.fromkeys(words[f.removesuffix("_scaled")] for f in over))
    assert "total spend" in named
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    sentence = ("Refit recommended: the customers have moved far from the ones the model "
                f"was trained on, in {listed}.")
    assert sentence in proc.stdout
    for name in drift.index:  # recency_scaled, …: in no sentence and no table
        if name.endswith("_scaled"):
            assert name not in proc.stdout and name not in report
    # the drift section says the verdict once, its first words in bold
    section = report.split('<section id="drift">')[1].split("</section>")[0]
    assert section.count("Refit recommended") == 1
    assert f"<b>Refit recommended:</b>{sentence.removeprefix('Refit recommended:')}" in section
    # every figure of a scaled row is its raw row's (drift.csv), and the report says why
    figures = ["psi", "psi_score_bins", "psi_deciles", "ks_statistic", "ks_pvalue"]
    dims = ["recency", "frequency", "monetary"]
    np.testing.assert_array_equal(drift.loc[[f"{d}_scaled" for d in dims], figures].to_numpy(),
                                  drift.loc[dims, figures].to_numpy())  # fmt: skip
    assert "Scaling keeps the customers in the same order (recency reversed)" in section
    # the console's drift table: the report's row labels, drift.csv's PSI to 3 decimals
    labels = {"recency": "Recency (days since the last order)", "frequency": "Frequency (orders)",
              "monetary": "Monetary (total spend)"}  # fmt: skip
    lines = proc.stdout.splitlines()
    for dim, label in labels.items():
        for name, row_label in ((dim, label), (f"{dim}_scaled", label.split(" (")[0]
                                                + ", as clustered (scaled)")):
            assert f">{row_label}<" in section
            row = [ln for ln in lines if ln.startswith(row_label + "  ")]
            assert len(row) == 1, row_label
            assert float(row[0][len(row_label):].split()[0]) == round(drift.loc[name, "psi"], 3)


@pytest.mark.parametrize(("psi", "expected"), [
    # the scaled recency is the largest, a hair above the raw one: named "recency"
    ([0.20, 0.05, 0.01, 0.2000001, 0.05, 0.01],
     "Moderate shift since training, most of all in recency; the model still applies, "
     "watch the next runs."),
    ([0.01, 0.02, 0.13, 0.01, 0.02, 0.13],
     "Moderate shift since training, most of all in total spend; the model still applies, "
     "watch the next runs."),
    ([0.01, 0.30, 0.26, 0.01, 0.30, 0.26],
     "Refit recommended: the customers have moved far from the ones the model was trained "
     "on, in frequency and total spend."),
    ([0.27, 0.30, 0.26, 0.27, 0.30, 0.26],
     "Refit recommended: the customers have moved far from the ones the model was trained "
     "on, in recency, frequency and total spend."),
    ([0.01, 0.02, 0.03, 0.01, 0.02, 0.03],
     "Stable: the customers look like the training customers."),
])  # fmt: skip
def test_the_drift_verdict_names_features_in_plain_words(psi, expected) -> None:
    """The verdict the console and the report print, on drift tables made here: each
    feature once, in words, never a column name such as ``recency_scaled``."""
    from types import SimpleNamespace

    from rfm.report.apply_html import refit_sentence

    names = ["recency", "frequency", "monetary", "recency_scaled", "frequency_scaled",
             "monetary_scaled"]  # fmt: skip
    drift = pd.DataFrame({"psi": psi}, index=pd.Index(names, name="feature"))
    run = SimpleNamespace(drift=drift, refit_recommended=max(psi) > 0.25)
    sentence = refit_sentence(run)
    assert sentence == expected
    assert "_" not in sentence and "monetary" not in sentence


def test_refit_keeps_ids_and_writes_the_usual_files_and_the_model(cli, files, trained,
                                                                  tmp_path) -> None:  # fmt: skip
    _, model = trained
    for warm in ([], ["--warm-start"]):
        out, new = tmp_path / f"r{len(warm)}", tmp_path / f"m{len(warm)}.json"
        proc = cli("refit", model, files / "w2.csv", "--out", out, "--save-model", new,
                   "--quiet", *warm)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert {"segments.csv", "profile.csv", "elbow.csv", "validation.csv",
                "report.html"} <= {p.name for p in out.iterdir()}  # fmt: skip
        html = (out / "report.html").read_text()
        assert '<section id="refit">' in html
        # the plain table says "kept"; how far each centre moved is for the analysts
        plain, analysts = html.split('<section id="refit">')[1].split("</section>")[0].split(
            '<details class="analysts">')  # fmt: skip
        assert ">kept<" in plain and "centre moved" not in plain.split("<table")[1]
        assert "scaled units" in analysts and ">Centre moved</th>" in analysts
        refitted = SegmentModel.load(new)
        old = SegmentModel.load(model)
        kept = [m[0] for m in refitted.lineage["matched"] if m is not None]
        assert f"cluster ids kept: {', '.join(map(str, sorted(kept)))}" in proc.stdout
        # the model is in its own folder, not among the files written to --out
        assert f"model written to {new.resolve()}" in proc.stdout
        assert new.name not in proc.stdout.split("files written to")[1].split("\n")[0]
        # the files carry the stable ids: applying the new model to the same file agrees
        seg = pd.read_csv(out / "segments.csv", dtype={"customer": str})
        again = refitted.assign(pd.read_csv(files / "w2.csv", dtype={"CustomerID": str,
                                                                      "InvoiceNo": str}))
        assert (seg["cluster"].to_numpy() == again["cluster"].to_numpy()).all()
        # a kept cluster keeps its name while the stem ("Lapsed high spenders", without a
        # median in brackets) is the same; otherwise the console and the report say it
        # was renamed, and from what
        names = dict(zip(old.learned.ids, old.learned.personas, strict=True))
        renamed = 0
        for i, p in zip(refitted.learned.ids, refitted.learned.personas, strict=True):
            if i not in kept:
                continue
            line = f"cluster {i} renamed: “{names[i]}” → “{p}”"
            reads = f"cluster {i} keeps its name, which now reads “{p}” (was “{names[i]}”)"
            if names[i].split(" (")[0] == p.split(" (")[0]:
                assert line not in proc.stdout
                # the whole name a CRM tag may hold changed: said, with both
                assert (reads in proc.stdout) == (names[i] != p)
            else:
                renamed += 1
                assert line in proc.stdout and f"was “{names[i]}”" in html
        told = f"{renamed} kept cluster{'s' if renamed > 1 else ''} got a new persona name"
        assert (told in html) == (renamed > 0)
        # the customers the old model puts in another cluster, by the old model itself
        before = old.assign(pd.read_csv(files / "w2.csv", dtype={"CustomerID": str,
                                                                  "InvoiceNo": str}))
        moved = (before["cluster"].to_numpy() != seg["cluster"].to_numpy()).mean()
        assert f"{100 * moved:.1f}% of the customers are in another cluster" in proc.stdout
        # one name per cluster everywhere: segments.csv, profile.csv, the crosstab's header
        prof = pd.read_csv(out / "profile.csv", index_col="cluster")
        by_cluster = seg.groupby("cluster")["persona"].agg(lambda x: set(x))
        assert all(by_cluster[c] == {prof.loc[c, "persona"]} for c in prof.index)
        crosstab = html.split('<section id="crosstab">')[1].split("</section>")[0]
        for name in prof["persona"]:
            assert f">{escape(name)}<" in crosstab, name


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: p.write_text("{"), "cut short"),
        (lambda p: p.write_text("hello"), "not a JSON model file"),
        (lambda p: None, "does not exist"),
    ],
)
def test_bad_model_files_are_one_line_errors(cli, files, tmp_path, make, fragment) -> None:
    model = tmp_path / "m.json"
    make(model)
    proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "o")
    assert_user_error(proc, fragment)
    assert not (tmp_path / "o").exists()


def test_a_tampered_or_future_model_is_refused(cli, files, trained, tmp_path) -> None:
    _, model = trained
    doc = json.loads(model.read_text())
    doc["format_version"] = 99
    (tmp_path / "f.json").write_text(json.dumps(doc))
    assert_user_error(cli("apply", tmp_path / "f.json", files / "w1.csv", "--out",
                          tmp_path / "o"), "format version 99 is newer")  # fmt: skip
    doc = json.loads(model.read_text())
    doc["clusters"][0]["centre"][1] = "x"
    (tmp_path / "t.json").write_text(json.dumps(doc))
    assert_user_error(cli("refit", tmp_path / "t.json", files / "w1.csv", "--out",
                          tmp_path / "o", "--save-model", tmp_path / "n.json"),
                      "clusters[0].centre")  # fmt: skip
    text = model.read_text().replace('"centre": [', '"centre": [Infinity, ', 1)
    (tmp_path / "i.json").write_text(text)
    assert_user_error(cli("apply", tmp_path / "i.json", files / "w1.csv", "--out",
                          tmp_path / "o"), "Infinity")  # fmt: skip


def test_data_without_the_models_columns_is_refused(cli, files, trained, tmp_path) -> None:
    _, model = trained
    pd.read_csv(files / "w1.csv").drop(columns="TotalAmount").to_csv(tmp_path / "x.csv",
                                                                      index=False)
    assert_user_error(cli("apply", model, tmp_path / "x.csv", "--out", tmp_path / "o"),
                      "'TotalAmount' not found")  # fmt: skip


def test_bad_previous_and_save_model_paths_are_one_line_errors(cli, files, trained,
                                                               tmp_path) -> None:  # fmt: skip
    _, model = trained
    (tmp_path / "prev.csv").write_text("a,b\n1,2\n")
    assert_user_error(cli("apply", model, files / "w1.csv", "--out", tmp_path / "o",
                          "--previous", tmp_path / "prev.csv"), "lacks column")  # fmt: skip
    assert_user_error(cli("apply", model, files / "w1.csv", "--out", tmp_path / "o",
                          "--previous", tmp_path / "none.csv"), "not found")  # fmt: skip
    (tmp_path / "a-file").write_text("")
    assert_user_error(cli("segment", files / "w1.csv", "--out", tmp_path / "o",
                          "--save-model", tmp_path / "a-file" / "m.json"),
                      "a-file is not a folder")  # fmt: skip
    assert_user_error(cli("segment", files / "w1.csv", "--out", tmp_path / "o",
                          "--save-model", tmp_path / "o" / "segments.csv"), ".json")
    assert_user_error(cli("refit", model, files / "w1.csv", "--out", tmp_path / "o",
                          "--save-model", files / "w1.csv"), ".json")  # fmt: skip
    proc = cli("refit", model, files / "w1.csv", "--out", tmp_path / "o")
    assert proc.returncode == 2 and "--save-model" in proc.stderr
    assert not (tmp_path / "o").exists()


def _unreadable(name: str, segments: Path, folder: Path) -> Path:
    """A --previous file that cannot be read, made from a run's segments.csv."""
    path = folder / name
    text = segments.read_bytes()
    if name == "pipe.csv":
        os.mkfifo(path)
    elif name == "unreadable.csv":  # no permission to read it
        path.write_bytes(text)
        path.chmod(0)
    elif name == "cut.csv.gz":  # compressed, then cut short in a copy
        path.write_bytes(gzip.compress(text)[: len(text) // 20])
    elif name == "cut.parquet":  # a Parquet file's first half
        whole = pd.read_csv(segments, dtype={"customer": str})
        whole.to_parquet(folder / "whole.parquet")
        path.write_bytes((folder / "whole.parquet").read_bytes()[:1000])
    else:
        path.write_bytes({
            "empty.csv": b"",
            "blank-lines.csv": b"\n\n\n",
            "csv-named.parquet": text,
            "ragged.csv": b"customer,recency\n1,2\n3,4,5,6\n",
            "windows-1252.csv": "customer,recency\nbébé,2\n".encode("cp1252"),
        }[name])  # fmt: skip
    return path


#: file → what the refusal says of it (the ragged file's line 3 has 4 fields, its header 2)
UNREADABLE = {
    "empty.csv": "is empty (no header, no rows); give the segments file of an earlier run",
    "blank-lines.csv": "is empty (no header, no rows); give the segments file of an earlier run",
    "csv-named.parquet": "csv-named.parquet is not a Parquet file, or it is damaged",
    "cut.parquet": "cut.parquet is not a Parquet file, or it is damaged",
    "ragged.csv": "is not a table: its line 3 has 4 columns where the lines before it have 2",
    "windows-1252.csv": "is not UTF-8 text, as rfmseg writes segments.csv; save it again as UTF-8",
    "cut.csv.gz": "is not .gz data that can be decompressed (it is cut short, damaged",
    "pipe.csv": "is not a regular file (a pipe or device)",
    "unreadable.csv": "cannot be opened: permission denied",
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_an_unreadable_previous_file_is_refused_in_words(cli, files, trained, tmp_path,
                                                         name, monkeypatch) -> None:  # fmt: skip
    """Every --previous file that cannot be read is refused in one line that names
    --previous and the file and says what is wrong, never in pandas', pyarrow's or
    Python's words ("No columns to parse from file", "Parquet magic bytes not found in
    footer", "Error tokenizing data", "codec can't decode", "Compressed file ended",
    "[Errno 13] Permission denied"); a pipe is refused without being read (reading one
    waits for a writer)."""
    from _pipes import released_after

    run, model = trained
    if name == "pipe.csv" and not hasattr(os, "mkfifo"):
        pytest.skip("named pipes need a POSIX system")
    path = _unreadable(name, run / "segments.csv", tmp_path)
    if name == "unreadable.csv" and (not hasattr(os, "geteuid") or os.geteuid() == 0):
        # root (as on CI) may open any file: the refusal it would get is made as the
        # operating system makes it for another user, when the file is opened
        import builtins

        import rfm.app.applying as applying

        def denied(file, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return builtins.open(file, *args, **kwargs)

        monkeypatch.setattr(applying, "open", denied, raising=False)
    with released_after(path) if name == "pipe.csv" else contextlib.nullcontext():
        proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "o", "--previous",
                   path, "--quiet")  # fmt: skip
    assert_user_error(proc, f"--previous {path} ", UNREADABLE[name])
    for foreign in ("No columns to parse", "magic bytes", "tokenizing", "codec", "Compressed "
                    "file ended", "Errno", "pyarrow", "pandas"):  # fmt: skip
        assert foreign not in proc.stderr, proc.stderr
    assert not (tmp_path / "o").exists()
    if name == "csv-named.parquet":  # the same reader reads the order lines: the same words
        proc = cli("segment", path, "--out", tmp_path / "s", "--quiet")
        assert_user_error(proc, UNREADABLE[name])
        assert "magic bytes" not in proc.stderr


def test_refit_may_replace_the_model_it_refits(cli, files, trained, tmp_path) -> None:
    _, model = trained
    mine = tmp_path / "model.json"
    mine.write_bytes(model.read_bytes())
    proc = cli("refit", mine, files / "w2.csv", "--out", tmp_path / "o", "--save-model", mine,
               "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert SegmentModel.load(mine).lineage["refit_of"] == SegmentModel.load(model).created


def test_segment_says_where_the_model_went(cli, files, tmp_path) -> None:
    """--save-model outside --out: the files line lists --out's files only, and the model
    gets a line of its own with its real place."""
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "week1.json"
    proc = cli("segment", files / "w1.csv", "--out", tmp_path / "o", "--save-model", target)
    assert proc.returncode == 0, proc.stderr
    files_line = next(x for x in proc.stdout.splitlines() if x.startswith("files written to"))
    assert files_line == (f"files written to {(tmp_path / 'o').resolve()}: segments.csv, "
                          "profile.csv, elbow.csv, validation.csv, report.html")  # fmt: skip
    assert proc.stdout.splitlines()[-1] == f"model written to {target.resolve()}"
    assert target.is_file() and not (tmp_path / "o" / "week1.json").exists()


def test_the_model_may_go_into_the_out_folder_before_it_exists(cli, files, tmp_path) -> None:
    """--out creates its folder; a --save-model inside it (or in any new folder) is
    created too, and is the model of the run (its thresholds are segments.csv's)."""
    for target in (tmp_path / "o" / "model.json", tmp_path / "models" / "2026" / "m.json"):
        proc = cli("segment", files / "w1.csv", "--out", tmp_path / "o", "--save-model",
                   target, "--quiet")  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == f"model written to {target.resolve()}"
        applied = cli("apply", target, files / "w1.csv", "--out", tmp_path / "a", "--quiet")
        assert applied.returncode == 0, applied.stderr
        segments = pd.read_csv(tmp_path / "o" / "segments.csv", dtype={"customer": str})
        again = pd.read_csv(tmp_path / "a" / "segments.csv", dtype={"customer": str})
        pd.testing.assert_series_equal(again["segment"], segments["segment"])


def test_a_failed_run_leaves_no_model_folder(cli, files, tmp_path) -> None:
    (tmp_path / "tiny.csv").write_text("CustomerID,InvoiceNo,InvoiceDate,TotalAmount\n"
                                       "a,1,2024-01-01,5\n")  # fmt: skip
    proc = cli("segment", tmp_path / "tiny.csv", "--out", tmp_path / "o", "--save-model",
               tmp_path / "new" / "m.json")  # fmt: skip
    assert_user_error(proc)
    assert not (tmp_path / "new").exists() and not (tmp_path / "o").exists()


def test_a_failed_run_leaves_no_model_file(cli, files, tmp_path) -> None:
    (tmp_path / "tiny.csv").write_text("CustomerID,InvoiceNo,InvoiceDate,TotalAmount\n"
                                       "a,1,2024-01-01,5\n")  # fmt: skip
    proc = cli("segment", tmp_path / "tiny.csv", "--out", tmp_path / "o", "--save-model",
               tmp_path / "m.json")  # fmt: skip
    assert_user_error(proc)
    assert not (tmp_path / "m.json").exists()
    assert not list(tmp_path.glob(".rfmseg-tmp-*"))


def test_apply_and_refit_on_dask_write_the_in_memory_files(cli, files, trained, tmp_path,
                                                           dask_address) -> None:  # fmt: skip
    """On Dask (the cluster the Dask tests share: apply and refit read the file on Dask
    through the session ``--dask`` alone opens too, tests/test_cli_dask.py), the files
    of the run in memory."""
    _, model = trained
    a = cli("apply", model, files / "w2.csv", "--out", tmp_path / "mem", "--quiet")
    b = cli("apply", model, files / "w2.csv", "--out", tmp_path / "dask", "--dask",
            dask_address, "--quiet")  # fmt: skip
    assert a.returncode == 0 and b.returncode == 0, b.stderr
    for name in ("segments.csv", "drift.csv"):
        assert (tmp_path / "mem" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
    # means of spend summed in another order: equal to rounding
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask" / "profile.csv"),
                                  pd.read_csv(tmp_path / "mem" / "profile.csv"))
    c = cli("refit", model, files / "w2.csv", "--out", tmp_path / "rd", "--dask", dask_address,
            "--quiet", "--save-model", tmp_path / "rd.json")  # fmt: skip
    d = cli("refit", model, files / "w2.csv", "--out", tmp_path / "rm", "--quiet",
            "--save-model", tmp_path / "rm.json")  # fmt: skip
    assert c.returncode == 0 and d.returncode == 0, c.stderr
    # On Dask a customer's spend is summed per order, then over the orders; in memory line
    # by line. The refit learns its score cuts, scaler and centres from that spend, so they
    # and the silhouettes may differ in the last bits (one silhouette's 15th digit on one
    # machine): everything else equal, the numbers to rounding.
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "rd" / "segments.csv"),
                                  pd.read_csv(tmp_path / "rm" / "segments.csv"),
                                  check_exact=False, rtol=1e-9)  # fmt: skip


def test_apply_on_dask_says_an_unclosed_quote_as_in_memory(cli, files, trained, tmp_path,
                                                           dask_address) -> None:  # fmt: skip
    """``apply MODEL 'FOLDER/*.csv' --dask`` reads the files as ``segment --dask`` does: a
    quote that never closes in the second file is said in the in-memory run's words on
    that file (the file, the line, --no-quoting), not in pandas' ("EOF inside string")."""
    _, model = trained
    data = tmp_path / "new"
    data.mkdir()
    lines = (files / "w2.csv").read_text().splitlines(keepends=True)
    (data / "a.csv").write_text("".join(lines[:3000]))
    broken = [lines[0], *lines[3000:3010]]
    broken[5] = broken[5].replace(",", ',"', 1)  # its invoice cell opens a quote
    (data / "b.csv").write_text("".join(broken))
    mem = cli("apply", model, data / "b.csv", "--out", tmp_path / "mem", "--quiet")
    said = mem.stderr.strip().splitlines()[-1]
    assert said.startswith("rfmseg: error: b.csv: line 6 opens a quote that never closes")
    proc = cli("apply", model, str(data / "*.csv"), "--out", tmp_path / "dask", "--dask",
               dask_address, "--quiet")  # fmt: skip
    assert_user_error(proc, said)
    assert proc.stderr.strip().splitlines()[-1] == said


def test_apply_on_online_retail_gives_its_training_segments(cli, online_retail_path,
                                                            tmp_path) -> None:  # fmt: skip
    """The real data: segment with --save-model, then apply the model to the same file."""
    run = cli("segment", online_retail_path, "--out", tmp_path / "r", "--save-model",
              tmp_path / "m.json", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    proc = cli("apply", tmp_path / "m.json", online_retail_path, "--out", tmp_path / "a",
               "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # 4,372 customer ids, 4,338 customers kept (the UCI figures): 34 left out, and said
    for said in (run.stdout, proc.stdout):
        assert ("note: 34 customers had every order line removed by the cleaning and are "
                "not in the results." in said)  # fmt: skip
    trained_csv = pd.read_csv(tmp_path / "r" / "segments.csv", dtype=str)
    applied_csv = pd.read_csv(tmp_path / "a" / "segments.csv", dtype=str)
    assert len(applied_csv) == 4338  # the UCI figure (README of the data)
    pd.testing.assert_frame_equal(applied_csv, trained_csv.drop(columns="silhouette"))
    drift = pd.read_csv(tmp_path / "a" / "drift.csv", index_col="feature")
    assert (drift["psi"] == 0).all() and (drift["verdict"] == "stable").all()
    assert "no longer describe" not in proc.stdout  # the names are true of their own data


def html_text(path: Path) -> str:
    """A report's text with its markup and line breaks taken out."""
    import html as html_module
    import re

    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return " ".join(html_module.unescape(text).split())


def test_apply_says_what_the_run_said_about_its_scores_and_returns(cli, tmp_path: Path) -> None:
    """A file in thousands with its returns kept: the run warns that its spend scores are
    pushed down and that customers spent less than nothing, and notes how returns count;
    applying the saved model to the same file scores with the same cut points and says
    the same (the cut points named as the training customers'), where it said nothing."""
    rng = np.random.default_rng(21)
    n = 400
    orders = rng.integers(1, 5, n)
    cust = np.repeat(np.arange(n), orders)
    amount = np.round(rng.lognormal(-2.3, 0.8, cust.size), 4)
    tx = pd.DataFrame({"InvoiceNo": [f"N{i}" for i in range(cust.size)],
                       "CustomerID": cust + 1000,
                       "InvoiceDate": pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 300, cust.size), unit="D"),
                       "TotalAmount": amount})  # fmt: skip
    back = tx.iloc[: 60].assign(InvoiceNo=lambda d: "C" + d["InvoiceNo"],
                                TotalAmount=lambda d: -3 * d["TotalAmount"])  # fmt: skip
    src = tmp_path / "orders.csv"
    pd.concat([tx, back]).to_csv(src, index=False)
    flags = ("--keep-cancelled", "--keep-nonpositive-amount", "--scaling", "zscore")
    run = cli("segment", str(src), *flags, "--save-model", str(tmp_path / "m.json"),
              "--out", str(tmp_path / "o1"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    applied = cli("apply", str(tmp_path / "m.json"), str(src), "--out", str(tmp_path / "o2"))
    assert applied.returncode == 0, applied.stderr
    seg = pd.read_csv(tmp_path / "o1" / "segments.csv")
    below = int((seg["monetary"] < 0).sum())
    assert below > 0
    for proc, whose in ((run, "the customers'"), (applied, "the training customers'")):
        out = proc.stdout
        assert f"each cut point between two spend scores is a quantile of {whose} spend" in out
        assert f"warning: {below} customer{'s' if below > 1 else ''} spent less than nothing" in out
        assert "note: Returns are kept" in out
    # the apply report says what apply's console says (it showed none of these)
    page = html_text(tmp_path / "o2" / "report.html")
    for said in ("each cut point between two spend scores is a quantile of the training "
                 "customers' spend", f"{below} customer", "Returns are kept"):  # fmt: skip
        assert said in page, said
    # apply takes no --ties: the way out is a model saved with equal-size groups
    assert "A model saved with equal-size score groups (--ties first) avoids this" in applied.stdout
    assert "Equal-size score groups (--ties first) avoid this" in run.stdout


def test_apply_names_the_customer_whose_returns_outweigh_the_purchases(cli, tmp_path) -> None:
    """A model saved with returns kept (--keep-cancelled, --keep-nonpositive-amount) under
    the default log-minmax scaling, from data where no one returned more than they bought.
    Applied to data where one customer bought 10 and returned 60, the error names the
    spend, the customer count and the model's --scaling, and keeps the advice."""
    rng = np.random.default_rng(8)
    n = 120
    orders = rng.integers(1, 4, n)
    cust = np.repeat(np.arange(n), orders) + 1000
    tx = pd.DataFrame({"InvoiceNo": [f"N{i}" for i in range(cust.size)],
                       "CustomerID": cust,
                       "InvoiceDate": pd.Timestamp("2024-01-01")
                       + pd.to_timedelta(rng.integers(0, 200, cust.size), unit="D"),
                       "TotalAmount": np.round(rng.uniform(20, 200, cust.size), 2)})  # fmt: skip
    back = tx.iloc[:5].assign(InvoiceNo=lambda d: "C" + d["InvoiceNo"],
                              TotalAmount=lambda d: -0.5 * d["TotalAmount"])  # fmt: skip
    pd.concat([tx, back]).to_csv(tmp_path / "train.csv", index=False)
    flags = ("--keep-cancelled", "--keep-nonpositive-amount")
    run = cli("segment", tmp_path / "train.csv", *flags, "--save-model", tmp_path / "m.json",
              "--out", tmp_path / "o1", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    day = pd.Timestamp("2024-06-01")
    net_negative = pd.DataFrame({"InvoiceNo": ["X1", "CX1"], "CustomerID": [99, 99],
                                 "InvoiceDate": [day, day],
                                 "TotalAmount": [10.0, -60.0]})  # fmt: skip
    pd.concat([tx, net_negative]).to_csv(tmp_path / "new.csv", index=False)
    proc = cli("apply", tmp_path / "m.json", tmp_path / "new.csv", "--out", tmp_path / "o2")
    assert_user_error(proc, "monetary is -50 for 1 customer, but the model's --scaling "
                      "log-minmax takes log(1 + x), which needs values above -1; clean "
                      "returns first.")  # fmt: skip


def test_lines_counted_twice_are_no_orders_between_the_runs(cli, files, trained, applied_w1,
                                                             tmp_path) -> None:  # fmt: skip
    """The later file is the earlier one with every line twice: every customer has as many
    orders as before and twice the spend. That is not the previous data with new orders
    added, so nobody is said to have ordered since, nor to be on a win-back list; the run
    counts the duplicate lines."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", dtype={"CustomerID": str, "InvoiceNo": str})
    pd.concat([tx, tx]).to_csv(tmp_path / "twice.csv", index=False)
    proc = cli("apply", model, tmp_path / "twice.csv", "--out", tmp_path / "t", "--previous",
               applied_w1 / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    old = pd.read_csv(applied_w1 / "segments.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    new = pd.read_csv(tmp_path / "t" / "segments.csv", dtype={"customer": str},
                      index_col="customer").loc[old.index]  # fmt: skip
    same_orders = new["frequency"] == old["frequency"]
    assert same_orders.all()
    odd = int((same_orders & (new["monetary"] != old["monetary"])).sum())
    assert odd == len(old)  # every spend doubled
    said = (f"The two runs cannot be compared on orders: {odd:,} customers have as many "
            "orders as in the previous file but another spend, so these data are not the "
            "previous run's with new orders added")
    report = (tmp_path / "t" / "report.html").read_text()
    assert said in proc.stdout and escape(said) in report
    assert "ordered since" not in proc.stdout and "win-back" not in proc.stdout
    mig = pd.read_csv(tmp_path / "t" / "migration.csv")
    assert not {"orders_between", "revenue"} & set(mig.columns)
    note = f"note: {len(tx):,} rows are exact duplicates of an earlier row; kept"
    assert note in proc.stdout and escape(note.removeprefix("note: ")) in report


def test_a_previous_file_with_no_customer_in_common_says_so(cli, files, trained, applied_w1,
                                                            tmp_path) -> None:  # fmt: skip
    """The previous file's customers are none of these data's: no share of "changed
    segment" (it would be 0 of 0), and who is new and gone, counted here."""
    _, model = trained
    prev = _previous_with_ids(applied_w1, "old-", tmp_path / "others.csv")
    proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "t", "--previous",
               tmp_path / "others.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    n_new = pd.read_csv(tmp_path / "t" / "segments.csv")["customer"].nunique()
    said = (f"No customer of the previous run is in these data ({n_new:,} new, {len(prev):,} "
            "gone), so no one can be said to have moved.")  # fmt: skip
    report = (tmp_path / "t" / "report.html").read_text()
    assert said in proc.stdout and escape(said) in report
    for text in (proc.stdout, report):
        assert "nan" not in text.lower()


def test_previous_files_of_every_output_format_read_alike(cli, files, trained,
                                                          tmp_path) -> None:  # fmt: skip
    """A previous run written as xlsx or parquet compares as its segments.csv does; a file
    that is no segments file (the report), or one listing a customer twice, is refused in
    one line that names --previous."""
    _, model = trained
    said = {}
    for fmt in ("csv", "xlsx", "parquet"):
        pytest.importorskip({"csv": "pandas", "xlsx": "openpyxl", "parquet": "pyarrow"}[fmt])
        first = cli("apply", model, files / "w1.csv", "--out", tmp_path / f"e-{fmt}",
                    "--format", fmt, "--quiet")  # fmt: skip
        assert first.returncode == 0, first.stderr
        proc = cli("apply", model, files / "w2.csv", "--out", tmp_path / f"t-{fmt}",
                   "--previous", tmp_path / f"e-{fmt}" / f"segments.{fmt}", "--quiet")
        assert proc.returncode == 0, proc.stderr
        said[fmt] = [ln for ln in proc.stdout.splitlines() if "in both runs" in ln]
        assert len(said[fmt]) == 1
        assert (tmp_path / f"t-{fmt}" / "migration.csv").read_bytes() == (
            tmp_path / "t-csv" / "migration.csv").read_bytes()
    assert said["xlsx"] == said["parquet"] == said["csv"]
    report = cli("apply", model, files / "w2.csv", "--out", tmp_path / "x", "--previous",
                 tmp_path / "e-csv" / "report.html", "--quiet")  # fmt: skip
    assert_user_error(report, "--previous", "report.html")
    prev = pd.read_csv(tmp_path / "e-csv" / "segments.csv", dtype=str)
    pd.concat([prev, prev.head(1)]).to_csv(tmp_path / "dup.csv", index=False)
    dup = cli("apply", model, files / "w2.csv", "--out", tmp_path / "y", "--previous",
              tmp_path / "dup.csv", "--quiet")  # fmt: skip
    assert_user_error(dup, "--previous", f"customer '{prev['customer'][0]}' more than once")


def test_orders_older_than_the_model_are_said_to_be(cli, files, trained, tmp_path) -> None:
    """A file whose orders end before the training orders did: a warning with both days,
    read here from the order lines."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", parse_dates=["InvoiceDate"])
    end = tx["InvoiceDate"].max()
    early = tx[tx["InvoiceDate"] < end - pd.Timedelta(days=60)]
    early.to_csv(tmp_path / "early.csv", index=False)
    proc = cli("apply", model, tmp_path / "early.csv", "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    said = (f"warning: These orders end on {early['InvoiceDate'].max():%Y-%m-%d}, before the "
            f"model's training orders did ({end:%Y-%m-%d}): the data are older than the model.")
    assert said in proc.stdout
    same = cli("apply", model, files / "w1.csv", "--out", tmp_path / "s", "--quiet")
    assert "older than the model" not in same.stdout


def test_a_refit_on_too_few_customers_names_no_flag_it_lacks(cli, files, trained,
                                                             tmp_path) -> None:  # fmt: skip
    """refit keeps the model's rule set, so its refusal of one customer names no --rules
    (refit has no such flag): it says how many customers a refit needs."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", dtype={"CustomerID": str})
    tx[tx["CustomerID"] == tx["CustomerID"].iloc[0]].to_csv(tmp_path / "one.csv", index=False)
    proc = cli("refit", model, tmp_path / "one.csv", "--out", tmp_path / "o", "--save-model",
               tmp_path / "m.json", "--quiet")  # fmt: skip
    q = json.loads(model.read_text())["scores"]["q"]
    assert_user_error(proc, f"1 customer is too few for the model's {q} score levels: a "
                      f"refit needs at least {q} customers.")  # fmt: skip
    assert "--rules" not in proc.stderr


def test_apply_to_one_customer_judges_no_drift(cli, files, trained, tmp_path) -> None:
    """One customer's PSI is large by chance: the run says there are too few customers to
    judge and recommends no refit, in the console, the report's cards and drift.csv."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", dtype={"CustomerID": str})
    tx[tx["CustomerID"] == tx["CustomerID"].iloc[0]].to_csv(tmp_path / "one.csv", index=False)
    proc = cli("apply", model, tmp_path / "one.csv", "--out", tmp_path / "o", "--quiet")
    assert proc.returncode == 0, proc.stderr
    said = ("Too few customers to judge drift: with 1 customer, chance alone moves the shift "
            "figures across their bands; it takes 200 or more, or a shift chance could hardly "
            "give.")
    assert said in proc.stdout and "Refit recommended" not in proc.stdout
    report = (tmp_path / "o" / "report.html").read_text()
    assert escape(said) in report and "too few customers to judge" in report
    drift = pd.read_csv(tmp_path / "o" / "drift.csv")
    assert (drift["verdict"] == "too few customers").all() and (drift["psi"] > 0).any()
    # one customer, in one of the model's clusters; no name is judged on one customer
    k = len(json.loads(model.read_text())["clusters"])
    assert proc.stdout.startswith("1 customer · saved model with k = ")
    assert escape(f"1 customer · 1 segment · 1 of the model's {k} personas · saved model") in report
    assert "no longer describe" not in proc.stdout


def test_customers_gone_since_the_previous_run_are_listed(cli, files, trained, applied_w1,
                                                          tmp_path) -> None:  # fmt: skip
    """Forty of the previous run's customers are missing from the later file: migration.csv
    lists them, direction "gone" and no segment now, and each row of the matrix in the
    report adds up to the previous run's segment size again, counted here."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", dtype={"CustomerID": str, "InvoiceNo": str})
    dropped = sorted(tx["CustomerID"].unique())[:40]
    tx[~tx["CustomerID"].isin(dropped)].to_csv(tmp_path / "less.csv", index=False)
    proc = cli("apply", model, tmp_path / "less.csv", "--out", tmp_path / "t", "--previous",
               applied_w1 / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    mig = pd.read_csv(tmp_path / "t" / "migration.csv", dtype={"customer": str},
                      index_col="customer", keep_default_na=False)  # fmt: skip
    prev = pd.read_csv(applied_w1 / "segments.csv", dtype={"customer": str},
                       index_col="customer")  # fmt: skip
    gone = mig.index[mig["direction"] == "gone"]
    assert sorted(gone) == dropped and (mig.loc[gone, "segment_after"] == "").all()
    assert (mig.loc[gone, "segment_before"] == prev.loc[gone, "segment"]).all()
    assert len(mig) == len(prev)  # nobody new: every customer of either run, once
    page = (tmp_path / "t" / "report.html").read_text()
    section = page.split('<section id="changes">')[1].split("</section>")[0]
    assert "(not in the later data)" in section and "direction “gone”" in section
    table = section.split("<h3>Customers</h3>")[1].split("</table>")[0]
    rows = [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)]  # fmt: skip
    sizes = prev["segment"].value_counts()
    assert len(rows) == len(sizes) + 1  # the header, then one row per earlier segment
    for name, *counts in rows[1:]:
        assert sum(int(c.replace(",", "")) for c in counts) == sizes[unescape(name)], name


def test_ids_written_with_leading_zeros_in_one_run_are_pointed_out(
    cli, files, trained, applied_w1, tmp_path
) -> None:
    """The previous file writes every id with three leading zeros: all of its customers
    count as gone and all of these as new, and a warning says why, with an example."""
    _, model = trained
    prev = _previous_with_ids(applied_w1, "000", tmp_path / "padded.csv")
    proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "t", "--previous",
               tmp_path / "padded.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    example = prev["customer"].sort_values().iloc[0]
    said = (f"warning: {len(prev):,} customers here have ids the previous run wrote "
            f"otherwise (\"{example}\" there, \"{example[3:]}\" here: leading zeros or a "
            "decimal point), so they count as new customers, apart from the previous run's.")
    assert said in proc.stdout


def test_apply_to_a_file_whose_column_was_renamed_points_to_names(cli, files, trained,
                                                                  tmp_path) -> None:  # fmt: skip
    """A saved model reads the columns it was trained with; apply has no column flags, so
    the refusal names the one way to map columns: --names."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv")
    tx.rename(columns={"CustomerID": "Customer"}).to_csv(tmp_path / "renamed.csv", index=False)
    proc = cli("apply", model, tmp_path / "renamed.csv", "--out", tmp_path / "o", "--quiet")
    assert_user_error(proc, "'CustomerID' not found", "'Customer'", "The model reads the "
                      "columns it was trained with: rename them in the file, or name every "
                      "column with --names.")  # fmt: skip


def test_a_ties_first_run_compared_with_itself_moves_nobody(cli, files, tmp_path) -> None:
    """Under --ties first the training run splits tied customers by rank, which the saved
    thresholds do not reproduce: applied to the same file with that run as --previous,
    the model reads the previous customers again, so nobody moved and nobody is on a
    win-back list, and no other model is claimed."""
    run = cli("segment", files / "w1.csv", "--ties", "first", "--k", "4", "--out",
              tmp_path / "r", "--save-model", tmp_path / "m.json", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    proc = cli("apply", tmp_path / "m.json", files / "w1.csv", "--out", tmp_path / "a",
               "--previous", tmp_path / "r" / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    trained = pd.read_csv(tmp_path / "r" / "segments.csv", dtype={"customer": str})
    applied = pd.read_csv(tmp_path / "a" / "segments.csv", dtype={"customer": str})
    split = (trained[["r_score", "f_score", "m_score"]]
             != applied[["r_score", "f_score", "m_score"]]).any(axis=1)  # fmt: skip
    assert split.any()  # else this test would show nothing
    assert ("0.0% of the customers in both changed segment and 0.0% changed cluster. 0 "
            "customers have a lower R + F + M score than in the previous run.") in proc.stdout
    assert "another model" not in proc.stdout and "win-back" not in proc.stdout


def test_previous_files_the_model_cannot_compare_are_refused(cli, files, trained, applied_w1,
                                                              tmp_path) -> None:  # fmt: skip
    """A folder, a file with a header and no customer, an infinite spend, a spend the
    model's log scaling cannot read: each refused in one line naming --previous."""
    _, model = trained
    prev = pd.read_csv(applied_w1 / "segments.csv", dtype={"customer": str})
    prev.iloc[:0].to_csv(tmp_path / "empty.csv", index=False)
    for name, value in (("inf.csv", np.inf), ("neg.csv", -50.0)):
        edited = prev.copy()
        edited.loc[0, "monetary"] = value
        edited.to_csv(tmp_path / name, index=False)
    cases = [(applied_w1, "is a folder; give the segments file in it"),
             (tmp_path / "empty.csv", "has no customers"),
             (tmp_path / "inf.csv", "column monetary holds values that are not finite numbers"),
             (tmp_path / "neg.csv", "the previous segments cannot be read by this model: "
                                    "monetary is -50 for 1 customer")]  # fmt: skip
    for path, fragment in cases:
        proc = cli("apply", model, files / "w1.csv", "--out", tmp_path / "o", "--previous",
                   path, "--quiet")  # fmt: skip
        assert_user_error(proc, f"--previous {path}", fragment)


def test_a_purchase_on_the_previous_files_last_day_is_one_whatever_the_snapshot(
    cli, tmp_path
) -> None:
    """Without an invoice column an order is a purchase day. A customer who bought again
    on the day the previous file ends, later that day, has as many purchase days as
    before and more spend: that is the previous data continued, with a snapshot set by
    hand too, so the orders between the runs are written and the customer is no
    win-back candidate."""
    tx = make_transactions(n_customers=300, n_rows=3000, random_state=2).drop(
        columns=["InvoiceNo"])  # fmt: skip
    tx["InvoiceDate"] = pd.to_datetime(tx["InvoiceDate"])
    end = tx["InvoiceDate"].max()
    early = tx[tx["InvoiceDate"] < end.normalize() - pd.Timedelta(days=30)]
    last = early.loc[early["InvoiceDate"].idxmax()]
    again = last.copy()
    again["InvoiceDate"] = last["InvoiceDate"] + pd.Timedelta(minutes=1)
    late = pd.concat([early, again.to_frame().T], ignore_index=True)
    early.to_csv(tmp_path / "early.csv", index=False)
    late.to_csv(tmp_path / "late.csv", index=False)
    snapshot = f"{end + pd.Timedelta(days=10):%Y-%m-%d}"
    seg = cli("segment", tmp_path / "early.csv", "--out", tmp_path / "s", "--save-model",
              tmp_path / "m.json", "--quiet")  # fmt: skip
    assert seg.returncode == 0, seg.stderr
    first = cli("apply", tmp_path / "m.json", tmp_path / "early.csv", "--out", tmp_path / "e",
                "--snapshot", snapshot, "--quiet")  # fmt: skip
    proc = cli("apply", tmp_path / "m.json", tmp_path / "late.csv", "--out", tmp_path / "l",
               "--snapshot", snapshot, "--previous", tmp_path / "e" / "segments.csv",
               "--quiet")  # fmt: skip
    assert first.returncode == 0 and proc.returncode == 0, proc.stderr
    assert "but another spend" not in proc.stdout
    mig = pd.read_csv(tmp_path / "l" / "migration.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    who = str(last["CustomerID"])
    assert mig.loc[who, "orders_between"] == 0 and mig.loc[who, "revenue"] > 0


def _whole_spends_and_one_sum_of_cents(path: Path) -> str:
    """300 customers who each spent a whole amount in one order (the 61st smallest 104,
    so that a cut point of the spend scores falls at 105 by R's +1 rule), and customer
    "XXXX", whose five lines add up to 104.99999999999999: segments.csv writes that
    spend as 105, on the cut. Returns that customer's id."""
    rng = np.random.default_rng(3)
    spends = np.sort(rng.integers(10, 2000, 300)).astype(float)
    spends[60] = 104.0
    spends[:60] = np.minimum(spends[:60], 103.0)
    spends[61:] = np.maximum(spends[61:], 106.0)
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, 300), unit="D")
    rows = [(f"C{i:03d}", f"I{i:03d}", days[i], spends[i]) for i in range(300)]
    rows += [("XXXX", "I999", pd.Timestamp("2025-06-01"), a)
             for a in (13.78, 24.16, 51.05, 11.21, 4.8)]  # fmt: skip
    assert sum(r[3] for r in rows[300:]) == 104.99999999999999
    pd.DataFrame(rows, columns=["CustomerID", "InvoiceNo", "InvoiceDate", "TotalAmount"]).to_csv(
        path, index=False)  # fmt: skip
    return "XXXX"


@pytest.mark.parametrize("ties", ["thresholds", "first"])
def test_a_spend_written_rounded_onto_a_cut_point_moves_nobody(cli, tmp_path, ties) -> None:
    """The model applied to its own training file, with that run's segments.csv as
    --previous: the spend written 105 for 104.99999999999999 still reads as the score the
    run gave it, so no customer moved, with no warning and no win-back list."""
    who = _whole_spends_and_one_sum_of_cents(tmp_path / "tx.csv")
    run = cli("segment", tmp_path / "tx.csv", "--ties", ties, "--out", tmp_path / "r",
              "--save-model", tmp_path / "m.json", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    seg = pd.read_csv(tmp_path / "r" / "segments.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    assert seg.loc[who, "monetary"] == 105.0  # written on the cut
    proc = cli("apply", tmp_path / "m.json", tmp_path / "tx.csv", "--out", tmp_path / "a",
               "--previous", tmp_path / "r" / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "0 customers have a lower R + F + M score" in proc.stdout
    assert "win-back" not in proc.stdout
    assert "does not read its customers" not in proc.stdout
    mig = pd.read_csv(tmp_path / "a" / "migration.csv", dtype={"customer": str},
                      index_col="customer")  # fmt: skip
    assert (mig["direction"] == "same").all()


def test_a_ties_first_file_read_by_thresholds_says_how_many_segments_differ(
    cli, files, tmp_path
) -> None:
    """A --ties first run's own segments.csv as --previous for new data: the model reads
    those customers by its thresholds, so some land in another segment than the file
    shows; a note says how many (counted here from the file and the model file)."""
    run = cli("segment", files / "w1.csv", "--ties", "first", "--out", tmp_path / "r",
              "--save-model", tmp_path / "m.json", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    proc = cli("apply", tmp_path / "m.json", files / "w2.csv", "--out", tmp_path / "a",
               "--previous", tmp_path / "r" / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    prev = pd.read_csv(tmp_path / "r" / "segments.csv", dtype={"customer": str})
    read = _read_by_model(tmp_path / "m.json", prev)
    differ = int((read["segment"].to_numpy() != prev["segment"].to_numpy()).sum())
    # a spend is written at 12 significant digits: the file's score stands where the model
    # gives it to the spend within that rounding (1e-11 of it either way)
    doc = json.loads((tmp_path / "m.json").read_text())
    q, cuts = doc["scores"]["q"], doc["scores"]["cuts"]["monetary"]
    ends = [_frozen_scores(prev["monetary"] * (1 + e), cuts, q, False) for e in (-1e-11, 1e-11)]
    m_kept = (prev["m_score"] >= np.minimum(*ends)) & (prev["m_score"] <= np.maximum(*ends))
    scored = int(((read["r_score"].to_numpy() != prev["r_score"].to_numpy())
                  | (read["f_score"].to_numpy() != prev["f_score"].to_numpy())
                  | ~m_kept.to_numpy()).sum())  # fmt: skip
    assert scored >= differ > 0
    said = (f"note: {differ:,} customers of the previous file are in another segment there "
            f"than this model reads from their figures, and {scored:,} have another score: "
            "the run that wrote it split tied customers by rank (--ties first)")
    assert said in proc.stdout


def test_ids_the_writer_quoted_match_when_read_back(cli, files, tmp_path) -> None:
    """Ids such as "+1-555-00001" are written with a leading quote (a spreadsheet would
    read them as a formula); read back as --previous they are the same customers."""
    tx = pd.read_csv(files / "w1.csv", dtype={"CustomerID": str})
    tx["CustomerID"] = "+1-555-" + tx["CustomerID"].str.zfill(5)
    tx.to_csv(tmp_path / "phones.csv", index=False)
    run = cli("segment", tmp_path / "phones.csv", "--out", tmp_path / "r", "--save-model",
              tmp_path / "m.json", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    written = pd.read_csv(tmp_path / "r" / "segments.csv", dtype={"customer": str})
    assert written["customer"].str.startswith("'+1-555-").all()  # quoted against formulas
    proc = cli("apply", tmp_path / "m.json", tmp_path / "phones.csv", "--out", tmp_path / "a",
               "--previous", tmp_path / "r" / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    n = tx["CustomerID"].nunique()
    assert f"{n:,} customers are in both runs, 0 new and 0 gone." in proc.stdout


def test_ids_padded_on_the_newest_lines_only_are_pointed_out(cli, files, trained, applied_w1,
                                                              tmp_path) -> None:  # fmt: skip
    """Five customers order again, and their new lines write the id with a leading zero:
    each is in both runs under its old id and new under the padded one; the warning
    counts them."""
    _, model = trained
    tx = pd.read_csv(files / "w1.csv", dtype={"CustomerID": str, "InvoiceNo": str})
    who = sorted(tx["CustomerID"].unique())[:5]
    again = tx[tx["CustomerID"].isin(who)].drop_duplicates("CustomerID").assign(
        CustomerID=lambda d: "0" + d["CustomerID"], InvoiceNo=lambda d: "N" + d["InvoiceNo"],
        InvoiceDate=tx["InvoiceDate"].max())  # fmt: skip
    pd.concat([tx, again]).to_csv(tmp_path / "mixed.csv", index=False)
    proc = cli("apply", model, tmp_path / "mixed.csv", "--out", tmp_path / "t", "--previous",
               applied_w1 / "segments.csv", "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    said = (f"warning: 5 customers here have ids the previous run wrote otherwise "
            f"(\"{who[0]}\" there, \"0{who[0]}\" here: leading zeros or a decimal point)")
    assert said in proc.stdout


@pytest.mark.parametrize("command", ["refit", "apply"])
def test_a_warning_the_summary_prints_is_not_said_again(cli, files, trained, tmp_path,
                                                        monkeypatch, command) -> None:  # fmt: skip
    """A warning of the library that the summary prints (the run's ``warnings``) is printed
    once: refit printed "Unstable clusters ..." in the summary and again on stderr after
    "done". The library's method is wrapped to warn one sentence it also records."""
    import warnings

    said = "A sentence the library both warns and records for the summary."
    name = "refit_run" if command == "refit" else "apply_model"
    if command == "refit":
        original = SegmentModel.refit_run

        def wrapped(self, *args, **kwargs):
            new, result = original(self, *args, **kwargs)
            warnings.warn(said, UserWarning, stacklevel=2)
            result.warnings.append(said)
            return new, result

        monkeypatch.setattr(SegmentModel, name, wrapped)
        extra = ["--save-model", tmp_path / "new.json"]
    else:
        import rfm.app.applying as applying

        original = applying.apply_model

        def wrapped(*args, **kwargs):
            run = original(*args, **kwargs)
            warnings.warn(said, UserWarning, stacklevel=2)
            run.warnings.append(said)
            return run

        monkeypatch.setattr(applying, name, wrapped)
        extra = []
    proc = cli(command, trained[1], files / "w2.csv", "--out", tmp_path / "o", *extra)
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout + proc.stderr).count(said) == 1, (proc.stdout, proc.stderr)
    assert proc.stdout.count(said) == 1
    assert proc.stderr.rstrip().splitlines()[-1].split("] ", 1)[1].startswith("done in ")


#: the day the weekly files' first week ends, and the "as of" date given to its training run
WEEK0_END, AS_OF = pd.Timestamp("2024-04-30"), "2024-05-01"


@pytest.fixture(scope="module")
def weekly(tmp_path_factory) -> Path:
    """A small shop's order lines at midnight: ``week0.csv`` to 2024-04-30 (40 customers)
    and ``week1.csv``, the same lines and May 2024 (some customers order again, two are
    new); a model trained on week0 as of 2024-05-01 (``--snapshot``), ``m0.json``."""
    d = tmp_path_factory.mktemp("weekly")
    rng = np.random.default_rng(7)
    rows, invoice = [], 0
    for c in range(42):
        first = 0 if c < 40 else 125  # two customers who first buy in May
        for _ in range(int(rng.integers(1, 6))):
            invoice += 1
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(first, 151)))
            rows.append((f"C{c:03d}", f"I{invoice:05d}", day, round(float(rng.uniform(5, 300)), 2)))
    rows.append(("C000", "I99999", pd.Timestamp("2024-05-30"), 42.0))  # the last order
    tx = pd.DataFrame(rows, columns=["CustomerID", "InvoiceNo", "InvoiceDate", "TotalAmount"])
    tx.to_csv(d / "week1.csv", index=False)
    tx[tx["InvoiceDate"] <= WEEK0_END].to_csv(d / "week0.csv", index=False)
    assert run_captured("segment", str(d / "week0.csv"), "--snapshot", AS_OF, "--k", "3",
                        "--out", str(d / "w0"), "--save-model", str(d / "m0.json"),
                        "--quiet").returncode == 0  # fmt: skip
    return d


def _recency_from(path: Path, day: pd.Timestamp | None = None) -> pd.Series:
    """Each customer's whole days from their last order to ``day`` (default: 24 hours after
    the file's last order), counted from the order lines with pandas."""
    last = pd.read_csv(path, dtype={"CustomerID": str},
                       parse_dates=["InvoiceDate"]).groupby("CustomerID")["InvoiceDate"].max()
    day = last.max() + pd.Timedelta(days=1) if day is None else day
    return (day - last).dt.days


def _segments(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "segments.csv", dtype={"customer": str}, index_col="customer")


@pytest.mark.parametrize("command", ["apply", "refit"])
def test_a_models_as_of_date_gives_way_on_later_orders_and_says_so(cli, weekly, tmp_path,
                                                                     command) -> None:  # fmt: skip
    """The model was trained as of 2024-05-01; week1's orders go on to 2024-05-30. With no
    --snapshot, apply and refit count recency from 24 hours after week1's last order (as
    max+1d does), and one note names the model's date, that last day and --snapshot; the
    refitted model keeps the rule max+1d."""
    extra = ["--save-model", tmp_path / "m1.json"] if command == "refit" else []
    proc = cli(command, weekly / "m0.json", weekly / "week1.csv", "--out", tmp_path / "o",
               *extra, "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    expected = _recency_from(weekly / "week1.csv")
    seg = _segments(tmp_path / "o")
    assert sorted(seg.index) == sorted(expected.index)
    assert (seg["recency"] == expected.loc[seg.index]).all()
    notes = [ln for ln in proc.stdout.splitlines() if "2024-05-01" in ln]
    assert len(notes) == 1 and notes[0].startswith("note: ")
    assert "2024-05-30" in notes[0] and "--snapshot max+1d" in notes[0]
    assert "the date its training run was given with --snapshot" in notes[0]
    assert "snapshot=" not in proc.stdout + proc.stderr  # (the library's words)
    report = unescape((tmp_path / "o" / "report.html").read_text())
    assert notes[0].removeprefix("note: ") in report
    if command == "refit":
        assert json.loads((tmp_path / "m1.json").read_text())["settings"]["snapshot"] == "max+1d"
        assert "the refitted model keeps that rule" in notes[0]


def test_a_models_as_of_date_holds_for_orders_that_end_by_it(cli, weekly, tmp_path) -> None:
    """On week0 (its training file, ending the day before), recency is counted from
    2024-05-01 as in the training run, and no note is said."""
    proc = cli("apply", weekly / "m0.json", weekly / "week0.csv", "--out", tmp_path / "o",
               "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    expected = _recency_from(weekly / "week0.csv", pd.Timestamp(AS_OF))
    seg = _segments(tmp_path / "o")
    assert (seg["recency"] == expected.loc[seg.index]).all()
    assert "2024-05-01" not in proc.stdout


def test_refit_takes_a_snapshot_and_keeps_it(cli, weekly, tmp_path) -> None:
    """refit --snapshot DATE counts recency from DATE, and the new model keeps DATE; a date
    before the file's last order is refused by refit and apply in one line naming
    --snapshot and the file's last day."""
    proc = cli("refit", weekly / "m0.json", weekly / "week1.csv", "--out", tmp_path / "o",
               "--save-model", tmp_path / "m1.json", "--snapshot", "2024-06-10", "--quiet")
    assert proc.returncode == 0, proc.stderr
    expected = _recency_from(weekly / "week1.csv", pd.Timestamp("2024-06-10"))
    seg = _segments(tmp_path / "o")
    assert (seg["recency"] == expected.loc[seg.index]).all()
    doc = json.loads((tmp_path / "m1.json").read_text())
    assert doc["settings"]["snapshot"] == "2024-06-10T00:00:00"
    for command in ("refit", "apply"):
        early = cli(command, weekly / "m0.json", weekly / "week1.csv", "--out", tmp_path / "x",
                    "--save-model", tmp_path / "m2.json", "--snapshot", "2024-05-10"
                    ) if command == "refit" else cli(
            command, weekly / "m0.json", weekly / "week1.csv", "--out", tmp_path / "x",
            "--snapshot", "2024-05-10")  # fmt: skip
        assert_user_error(early, "--snapshot 2024-05-10 is before the last purchase in ",
                          "(2024-05-30)", "--snapshot max+1d")  # fmt: skip
    assert not (tmp_path / "m2.json").exists()


#: what every command that reads --snapshot says of a date before the file's last order,
#: after the same first sentence: ``segment``'s default is max+1d, a model's is its own
AFTER_REFUSED = {
    "segment": "or max (that last purchase), or leave --snapshot out to count from 24 hours "
               "after it (max+1d).",
    "model": "or --snapshot max+1d (24 hours after it) or max, or leave --snapshot out to "
             "count it as the model does.",
}


@pytest.mark.parametrize("command, extra", [
    ("segment", []), ("segment", ["--dask"]), ("segment", ["--clv", "6"]),
    ("apply", []), ("apply", ["--dask"]), ("refit", ["--dask"]),
])  # fmt: skip
def test_a_snapshot_before_the_last_order_is_refused_naming_the_flag(
    cli, weekly, tmp_path, dask_address, command, extra
) -> None:
    """--snapshot 2024-05-01 on week1, whose last order (read here with pandas) is
    2024-05-30: every command, in memory, on Dask and with --clv, refuses it in one line
    that names --snapshot, what to give instead, and no Python keyword or 'max' / 'max+1d'
    of the library's words."""
    extra = [x for a in extra for x in ([a, dask_address] if a == "--dask" else [a])]
    file = weekly / "week1.csv"
    last = pd.read_csv(file, parse_dates=["InvoiceDate"])["InvoiceDate"].max()
    model = [weekly / "m0.json"] if command != "segment" else []
    saved = ["--save-model", tmp_path / "m1.json"] if command == "refit" else []
    proc = cli(command, *model, file, "--snapshot", "2024-05-01", "--out", tmp_path / "o",
               *saved, *extra, "--quiet")  # fmt: skip
    said = (f"rfmseg: error: --snapshot 2024-05-01 is before the last purchase in {file} "
            f"({last:%Y-%m-%d}); recency would be negative. Give --snapshot a date on or "
            "after that last purchase, "
            + AFTER_REFUSED["segment" if command == "segment" else "model"])  # fmt: skip
    assert_user_error(proc, said)
    assert proc.stderr.strip().splitlines()[-1] == said
    assert not (tmp_path / "o").exists() and not (tmp_path / "m1.json").exists()


def test_a_models_zoned_date_on_naive_dates_is_refused_naming_the_model(
    cli, weekly, tmp_path
) -> None:
    """A model whose date has a time zone (as the library may save one), applied to a
    file of naive dates: one line naming the model's date, its file and --snapshot."""
    doc = json.loads((weekly / "m0.json").read_text())
    doc["settings"]["snapshot"] = "2024-05-01T00:00:00+02:00"
    (tmp_path / "zoned.json").write_text(json.dumps(doc))
    proc = cli("apply", tmp_path / "zoned.json", weekly / "week0.csv", "--out",
               tmp_path / "o", "--quiet")  # fmt: skip
    # the zone is named, and the date is not said to come from --snapshot, which refuses
    # a date with a zone: only a model made in Python has one
    assert_user_error(proc, f"the model's snapshot 2024-05-01 (UTC+02:00, kept in "
                      f"{tmp_path / 'zoned.json'}) has a time "
                      f"zone and the dates of {weekly / 'week0.csv'} have none; give "
                      "--snapshot max+1d, max or a date YYYY-MM-DD.")  # fmt: skip


@pytest.mark.parametrize("command", ["apply", "refit"])
def test_a_models_as_of_date_is_settled_in_one_pass_over_the_orders(
    cli, weekly, tmp_path, monkeypatch, command
) -> None:
    """week1 goes past the model's date: the order lines are cleaned once, not once for
    the model's date and again for max+1d, and recency is still counted from max+1d."""
    import rfm.app.pipeline as pipeline

    calls = []
    clean = pipeline.clean_transactions
    monkeypatch.setattr(pipeline, "clean_transactions",
                        lambda *a, **kw: calls.append(1) or clean(*a, **kw))  # fmt: skip
    extra = ["--save-model", tmp_path / "m1.json"] if command == "refit" else []
    proc = cli(command, weekly / "m0.json", weekly / "week1.csv", "--out", tmp_path / "o",
               *extra, "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(calls) == 1
    seg = _segments(tmp_path / "o")
    assert (seg["recency"] == _recency_from(weekly / "week1.csv").loc[seg.index]).all()


def _counted_dask(frame: pd.DataFrame, folder: Path, parts: int = 3) -> tuple[Any, list[str]]:
    """``frame`` as a Dask frame of ``parts`` CSV files in ``folder``, and the list of the
    files read, which every read of a partition appends to."""
    import dask.dataframe as dd

    reads: list[str] = []
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[rows].to_csv(folder / f"p{i}.csv", index=False)

    def counted_read(path: str) -> pd.DataFrame:
        reads.append(path)
        return pd.read_csv(path, dtype={"CustomerID": str}, parse_dates=["InvoiceDate"])

    ddf = dd.from_map(counted_read, [str(folder / f"p{i}.csv") for i in range(parts)],
                      meta=frame.iloc[:0])  # fmt: skip
    return ddf, reads


def _week(weekly: Path, name: str = "week1") -> pd.DataFrame:
    return pd.read_csv(weekly / f"{name}.csv", dtype={"CustomerID": str},
                       parse_dates=["InvoiceDate"])  # fmt: skip


def test_a_models_as_of_date_on_dask_reads_the_orders_once(weekly, tmp_path) -> None:
    """The same on a Dask frame (synchronous scheduler): the CSV files are read as often
    as by one run given max+1d (not a refused run's reads more), and the note is said."""
    import argparse

    import dask

    from rfm.app.applying import apply_model
    from rfm.app.model_commands import _as_of

    ddf, reads = _counted_dask(_week(weekly), tmp_path)
    model = SegmentModel.load(weekly / "m0.json")
    args = argparse.Namespace(snapshot=None, file="week1.csv", model="m0.json")
    with dask.config.set(scheduler="synchronous"):
        run, said = _as_of(args, lambda snapshot: apply_model(model, ddf, snapshot=snapshot))
        settled = len(reads)
        reads.clear()
        apply_model(model, ddf, snapshot="max+1d")
    assert settled == len(reads) > 0
    assert said is not None and "go on to 2024-05-30" in said
    assert run.settings["snapshot"] == "max+1d"
    expected = _recency_from(weekly / "week1.csv")
    assert (run.rfm["recency"] == expected.loc[run.rfm.index]).all()


@pytest.mark.parametrize("with_total", [False, True])
def test_apply_on_dask_reads_each_partition_once(weekly, tmp_path, with_total) -> None:
    """apply_model on a Dask frame of three CSV files (synchronous scheduler), the model's
    snapshot rule aside (max+1d given): each file is read once, as the cleaning report
    and the customer table come from one pass; the table is the in-memory run's, recency
    counted here with pandas. A totals row below the order lines is left out on Dask as
    in memory, with the same warning (the table is then reduced again without it, as
    a run on Dask does: a second pass)."""
    import dask

    from rfm.app.applying import apply_model

    lines = _week(weekly)
    total = pd.DataFrame([["TOTAL", "I77777", pd.Timestamp("2024-05-15"),
                           lines["TotalAmount"].sum()]], columns=lines.columns)  # fmt: skip
    frame = pd.concat([lines, total], ignore_index=True) if with_total else lines
    ddf, reads = _counted_dask(frame, tmp_path)
    model = SegmentModel.load(weekly / "m0.json")
    with dask.config.set(scheduler="synchronous"):
        on_dask = apply_model(model, ddf, snapshot="max+1d")
    if not with_total:
        assert sorted(reads) == [str(tmp_path / f"p{i}.csv") for i in range(3)]
    in_memory = apply_model(model, frame, snapshot="max+1d")
    pd.testing.assert_frame_equal(on_dask.table, in_memory.table)
    last = lines.groupby("CustomerID")["InvoiceDate"].max()
    expected = (last.max() + pd.Timedelta(days=1) - last).dt.days
    assert sorted(on_dask.rfm.index) == sorted(expected.index)  # no TOTAL
    assert (on_dask.rfm["recency"] == expected.loc[on_dask.rfm.index]).all()
    said = [w for w in on_dask.warnings if "TOTAL" in w]
    assert said == [w for w in in_memory.warnings if "TOTAL" in w]
    assert len(said) == with_total


def test_a_models_as_of_date_is_midnight(cli, weekly, tmp_path) -> None:
    """The model's date is 2024-05-01 00:00: a last order at that instant keeps it, one
    later that day goes past it (recency from 24 hours after it, and the note says when)."""
    lines = pd.read_csv(weekly / "week0.csv", parse_dates=["InvoiceDate"])
    for when, kept in (("2024-05-01 00:00:00", True), ("2024-05-01 10:00:00", False)):
        path = tmp_path / f"{kept}.csv"
        extra = pd.DataFrame([["C001", "I90000", pd.Timestamp(when), 50.0]],
                             columns=lines.columns)  # fmt: skip
        pd.concat([lines, extra]).to_csv(path, index=False)
        proc = cli("apply", weekly / "m0.json", path, "--out", tmp_path / f"o{kept}",
                   "--quiet")  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        day = pd.Timestamp(AS_OF) if kept else pd.Timestamp(when) + pd.Timedelta(days=1)
        seg = _segments(tmp_path / f"o{kept}")
        assert (seg["recency"] == _recency_from(path, day).loc[seg.index]).all()
        assert ("go on to 2024-05-01 10:00:00" in proc.stdout) is not kept


def test_a_models_as_of_date_on_zoned_dates_is_that_wall_clock_day(cli, weekly,
                                                                   tmp_path) -> None:  # fmt: skip
    """Order dates in Europe/Berlin (Parquet): the model's date 2024-05-01 is midnight of
    that day in Berlin. week0 keeps it, week1 goes past it and counts from max+1d with the
    note, and --snapshot DATE is taken on such a file too."""
    zone = "Europe/Berlin"
    for week in ("week0", "week1"):
        lines = pd.read_csv(weekly / f"{week}.csv", dtype={"CustomerID": str},
                            parse_dates=["InvoiceDate"])  # fmt: skip
        lines["InvoiceDate"] = lines["InvoiceDate"].dt.tz_localize(zone)
        lines.to_parquet(tmp_path / f"{week}.parquet")
    last = {w: pd.read_parquet(tmp_path / f"{w}.parquet").groupby("CustomerID")["InvoiceDate"]
            .max() for w in ("week0", "week1")}  # fmt: skip
    cases = [("week0", [], pd.Timestamp(AS_OF, tz=zone), False),
             ("week1", [], last["week1"].max() + pd.Timedelta(days=1), True),
             ("week1", ["--snapshot", "2024-06-10"], pd.Timestamp("2024-06-10", tz=zone),
              False)]  # fmt: skip
    for i, (week, extra, day, noted) in enumerate(cases):
        proc = cli("apply", weekly / "m0.json", tmp_path / f"{week}.parquet", "--out",
                   tmp_path / f"o{i}", *extra, "--quiet")  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        seg = _segments(tmp_path / f"o{i}")
        expected = (day - last[week]).dt.days
        assert (seg["recency"] == expected.loc[seg.index]).all()
        assert ("go on to 2024-05-30" in proc.stdout) is noted


def test_a_refit_on_orders_older_than_the_model_says_so_as_apply_does(
    cli, weekly, tmp_path
) -> None:
    """A model trained on week1 (orders to 2024-05-30), refitted and applied on week0
    (orders to 2024-04-30, both days read here with pandas): refit prints apply's warning,
    word for word, puts it in its report, and no longer says to apply the new model from
    now on."""
    assert cli("segment", weekly / "week1.csv", "--k", "3", "--out", tmp_path / "w1",
               "--save-model", tmp_path / "late.json", "--quiet").returncode == 0
    dates = {w: pd.read_csv(weekly / f"{w}.csv", parse_dates=["InvoiceDate"])["InvoiceDate"]
             for w in ("week0", "week1")}  # fmt: skip
    said = (f"warning: These orders end on {dates['week0'].max():%Y-%m-%d}, before the "
            f"model's training orders did ({dates['week1'].max():%Y-%m-%d}): the data are "
            "older than the model. If they are meant as the latest orders, check the file.")
    applied = cli("apply", tmp_path / "late.json", weekly / "week0.csv", "--out", tmp_path / "a",
                  "--quiet")  # fmt: skip
    refit = cli("refit", tmp_path / "late.json", weekly / "week0.csv", "--out", tmp_path / "r",
                "--save-model", tmp_path / "refit.json", "--quiet")  # fmt: skip
    assert applied.returncode == 0 and refit.returncode == 0, refit.stderr
    assert said in applied.stdout.splitlines()
    assert refit.stdout.splitlines().count(said) == 1
    assert said.removeprefix("warning: ") in unescape((tmp_path / "r" / "report.html").read_text())
    last = refit.stdout.splitlines()[-1]
    assert last.startswith("model written to ") and "apply it from now on" not in last
    assert "check the file before applying it" in last
    # the same model refitted on later orders says neither
    later = cli("refit", tmp_path / "late.json", weekly / "week1.csv", "--out", tmp_path / "s",
                "--save-model", tmp_path / "again.json", "--quiet")  # fmt: skip
    assert later.returncode == 0, later.stderr
    assert "older than the model" not in later.stdout
    assert later.stdout.splitlines()[-1].endswith("; apply it from now on")


def test_the_figures_persona_names_state_are_checked_on_few_customers(
    cli, weekly, tmp_path
) -> None:
    """On 42 customers (fewer than 200), apply still checks what a name states as a fact,
    against the medians of its cluster's customers, computed here with pandas from
    segments.csv: a bracket saying 999 days (made so in the model file) reads as the real
    median, and "one-time" given to a cluster whose median customer has more orders is
    said; that the other words were not checked is said in one note."""
    first = cli("apply", weekly / "m0.json", weekly / "week1.csv", "--out", tmp_path / "a",
                "--quiet")  # fmt: skip
    assert first.returncode == 0, first.stderr
    seg = _segments(tmp_path / "a")
    medians = seg.groupby("cluster")[["recency", "frequency"]].median()
    doc = json.loads((weekly / "m0.json").read_text())
    bracket = int(medians.index[0])
    once = int(medians.index[medians["frequency"] > 1][-1])
    assert once != bracket
    names = {}
    for c in doc["clusters"]:
        if c["id"] == bracket:
            c["persona"] = names[bracket] = f"{c['persona']} (last order a median 999 days ago)"
        elif c["id"] == once:
            c["persona"] = names[once] = "One-time customers"
    (tmp_path / "m.json").write_text(json.dumps(doc))
    proc = cli("apply", tmp_path / "m.json", weekly / "week1.csv", "--out", tmp_path / "b",
               "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    now = names[bracket].replace("999", f"{medians.loc[bracket, 'recency']:,.0f}")
    said = (f'warning: The part in brackets of 1 persona name gives the training customers\' '
            f'median, which these customers do not have: cluster {bracket}, "{names[bracket]}", '
            f'reads "{now}" here.')
    assert any(line.startswith(said) for line in proc.stdout.splitlines()), proc.stdout
    median_orders = f"{medians.loc[once, 'frequency']:.6g}"
    assert (f'1 persona name says "one-time" (a median customer with one order), but its '
            f'customers here have more: cluster {once}, "One-time customers" (median '
            f"{median_orders} orders).") in proc.stdout
    assert f"note: With {len(seg)} customers, fewer than 200, the words of the persona names" \
        in proc.stdout
    assert "would now be named" not in proc.stdout  # the words: not judged on so few
    report = unescape((tmp_path / "b" / "report.html").read_text())
    assert f'reads "{now}" here' in report
