"""rfmseg: tie-aware scores, --ties, rule-set alias, custom rules warning, --compare-to,
--currency, and a help text without internal document names."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from _cli import assert_user_error
from _pipes import released_after

from rfm.datasets import make_transactions
from rfm.segments import SEGMENT_RULES

INTERNAL = re.compile(r"seed[ _-]?\d{3}|seed \d|seed's|rfm\.personas", re.I)


def test_help_names_no_internal_documents_and_hides_the_alias(cli) -> None:
    for args in (["--help"], ["demo", "--help"], ["segment", "--help"]):
        proc = cli(*args)
        assert proc.returncode == 0
        assert not INTERNAL.search(proc.stdout), INTERNAL.search(proc.stdout)
    seg = cli("segment", "--help").stdout
    assert "{ladder,rfm,customer-types,codes}|FILE.csv" in seg
    for flag in ("--ties", "--currency", "--compare-to"):
        assert flag in seg
    # no action text of a built-in rule set names an internal document either
    for rs in SEGMENT_RULES.values():
        for text in [rs.others_action, *(r.action for r in rs.rules)]:
            assert not INTERNAL.search(text), text


def test_segment_default_scores_compare_to_currency_and_custom_rules(cli, tmp_path: Path) -> None:
    tx = make_transactions(n_customers=300, n_rows=2500, random_state=11)
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    rules = tmp_path / "my_rules.csv"
    rules.write_text(
        "segment,r,f,m,action\nBest,5,4-5,4-5,Reward them\nAlso best,5,5,5,Never used\n"
        "Sleeping,1-2,,,Win them back\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = cli("segment", str(src), "--out", str(out), "--compare-to", "2025-03-31",
               "--currency", "€", "--rules", str(rules), "--k", "3")
    assert proc.returncode == 0, proc.stderr
    # the custom rules' problems, as one warning line (with the summary, as in the report)
    warning = [x for x in proc.stdout.splitlines() if "warning: Your segment rules" in x]
    assert len(warning) == 1 and "Also best" in warning[0] and "score cells" in warning[0]
    assert "custom segment rules" not in proc.stderr  # said once, not twice
    seg = pd.read_csv(out / "segments.csv")
    assert {"segment", "persona", "action"} <= set(seg.columns)
    assert seg["action"].notna().all() and (seg["action"].str.len() > 0).all()
    assert set(seg["segment"]) <= {"Best", "Sleeping", "Others"}
    # tie-aware by default: identical R, F, M always share the same scores
    same = seg.groupby(["recency", "frequency", "monetary"])["rfm_code"].nunique()
    assert (same == 1).all()
    assert seg.groupby("frequency")["f_score"].nunique().max() == 1
    # migration.csv: every customer of the run, both segments
    mig = pd.read_csv(out / "migration.csv", index_col="customer")  # as in segments.csv
    assert {"segment_before", "segment_after", "direction"} <= set(mig.columns)
    assert sorted(mig.index.astype(str)) == sorted(seg["customer"].astype(str))
    later = tx.groupby("CustomerID")["InvoiceDate"].min() > pd.Timestamp("2025-04-01")
    assert set(mig.index[mig["segment_before"].isna()]) == set(later[later].index)
    # the spend between the runs: the lines after the date, in cents as they were written
    # (not the doubles' difference of two sums, 2104.0499999999975)
    since = tx[tx["InvoiceDate"] >= pd.Timestamp("2025-04-01")]
    spent = since.groupby("CustomerID")["TotalAmount"].sum().round(2)
    written = pd.read_csv(out / "migration.csv", dtype=str, index_col="customer")["revenue"]
    assert not written.str.contains(r"\.\d{3}", na=False).any()
    assert mig["revenue"].reindex(spent.index).to_numpy().tolist() == spent.tolist()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Segment migration" in report and "migration.csv" in report
    # the win-back list: a lower score, no order line after the date in the input file and
    # now "Sleeping" (recency 1-2 in its rule: slipping away; "Best" and "Others" are not)
    ordered_since = set(tx.loc[tx["InvoiceDate"] >= pd.Timestamp("2025-04-01"), "CustomerID"])
    down = mig[mig["direction"] == "down"]
    lapsed = down[~down.index.isin(ordered_since)]
    asleep = int((lapsed["segment_after"] == "Sleeping").sum())
    rest = lapsed.loc[lapsed["segment_after"] != "Sleeping", "segment_after"].value_counts()
    assert 0 < asleep < len(lapsed) < len(down)
    assert len(rest) == 1  # "Others" alone here, so no order of segments to work out
    same = int((down["segment_before"] == down["segment_after"]).sum())
    said = (f"{len(down):,} customers have a lower R + F + M score than at the end of "
            f"2025-03-31 ({same:,} of them in the same segment as then), and ")
    assert said in report
    said = (f"{asleep:,} of those whose score fell have not ordered since 2025-03-31 and are "
            f"now in a segment for customers slipping away (Sleeping {asleep:,}): a ready "
            f"win-back list. {len(lapsed) - asleep:,} more whose score fell have not ordered "
            f"since then either, but are now in other segments ({rest.index[0]} "
            f"{rest.iloc[0]:,}), whose own actions apply. The other "
            f"{len(down) - len(lapsed):,} still order")
    assert html.escape(said) in report
    assert "€" in report
    assert not INTERNAL.search(report)


def test_demo_ties_first_and_the_customer_types_rules(cli, tmp_path: Path) -> None:
    proc = cli("demo", "--customers", "200", "--rows", "1500", "--out", str(tmp_path),
               "--k", "3", "--ties", "first", "--rules", "customer-types", "--quiet")
    assert proc.returncode == 0, proc.stderr
    seg = pd.read_csv(tmp_path / "segments.csv")
    # seed-style scores: qcut of ranks with ties broken by row order
    expected = pd.qcut(seg["frequency"].rank(method="first"), 5, labels=False) + 1
    assert (seg["f_score"] == expected).all()
    names = {r.name for r in SEGMENT_RULES["customer-types"].rules} | {"Others"}
    assert set(seg["segment"]) <= names


def test_bad_ties_and_rules_are_usage_errors(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("segment,r,f,m\nX,5-4,,\n", encoding="utf-8")
    for args, fragment in (
        (["--ties", "average"], "--ties"),
        (["--rules", "nope"], "--rules"),
        (["--rules", str(bad)], "low > high"),
        (["--seed=-1"], "argument --seed: must be a whole number, 0 or more, got '-1'"),
        (["--seed", "1.5"], "argument --seed: must be a whole number"),
    ):
        proc = cli("demo", "--out", str(tmp_path), *args)  # argparse's own usage errors
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert "error:" in last and fragment in last, last


#: rule names and actions that a CSV writer must quote, and one a spreadsheet would run
TRICKY = [("Best, loyal", (4, 5), (4, 5), (1, 5), 'Reward, then "upsell"'),
          ('The "VIP" club', (3, 5), (1, 5), (1, 5), "Say hi;\nthen call"),
          ("=HYPERLINK(1)", (1, 5), (1, 5), (1, 5), "@SUM(1)")]  # fmt: skip


def _first_match(r: int, f: int, m: int) -> str:
    """The segment of one customer by brute force: the first rule whose ranges hold it."""
    for name, *ranges, _ in TRICKY:
        if all(lo <= v <= hi for v, (lo, hi) in zip((r, f, m), ranges, strict=True)):
            return name
    return "Others"


def test_rule_names_with_commas_quotes_and_formulas_in_every_output(cli, tmp_path: Path) -> None:
    """Names and actions holding commas, quotes, ';' and a line break come back from
    segments.csv, segments.xlsx and migration.csv as written; the one that starts like
    a formula comes back as text (a leading '). Each customer's segment is the first
    rule that holds its scores, found by brute force."""
    pytest.importorskip("openpyxl")  # the xlsx output needs it
    tx = make_transactions(n_customers=200, n_rows=1500, random_state=5)
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    rules = tmp_path / "rules.csv"
    rules.write_text(pd.DataFrame(
        [(n, f"{r[0]}-{r[1]}", f"{f[0]}-{f[1]}", f"{m[0]}-{m[1]}", a) for n, r, f, m, a in TRICKY],
        columns=["segment", "r", "f", "m", "action"]).to_csv(index=False), encoding="utf-8")
    safe = {"=HYPERLINK(1)": "'=HYPERLINK(1)"}
    for fmt in ("csv", "xlsx"):
        out = tmp_path / fmt
        proc = cli("segment", str(src), "--out", str(out), "--rules", str(rules), "--k", "2",
                   "--format", fmt, "--compare-to", "2025-03-31", "-q")  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        seg = (pd.read_csv(out / "segments.csv", keep_default_na=False) if fmt == "csv"
               else pd.read_excel(out / "segments.xlsx", keep_default_na=False))  # fmt: skip
        expected = [safe.get(n, n) for n in map(_first_match, seg["r_score"], seg["f_score"],
                                                 seg["m_score"])]  # fmt: skip
        assert seg["segment"].tolist() == expected
        assert set(seg["segment"]) == {"Best, loyal", 'The "VIP" club', "'=HYPERLINK(1)"}
        actions = set(seg["action"])
        assert any(a.startswith('Reward, then "upsell"') for a in actions)
        assert any(a.startswith("Say hi;\nthen call") for a in actions)
        assert not any(a.startswith("@") for a in actions)
        mig = pd.read_csv(out / "migration.csv", keep_default_na=False)
        assert set(mig["segment_after"]) == set(seg["segment"])


def test_a_pipe_is_refused_as_rules_or_data(cli, tmp_path: Path) -> None:
    """A FIFO given as --rules or as FILE blocked the command for ever (reading waits
    for a writer); both are refused in one line without being opened."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes need a POSIX system")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with released_after(fifo):
        proc = cli("demo", "--rules", str(fifo), "--out", str(tmp_path / "a"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "--rules" in last and "pipe.csv is not a regular file" in last, last
    with released_after(fifo):
        proc = cli("segment", str(fifo), "--out", str(tmp_path / "b"))
    assert_user_error(proc, "pipe.csv is not a regular file")


def test_compare_to_on_or_after_the_last_order_names_the_flag(cli, tmp_path: Path) -> None:
    tx = make_transactions(n_customers=120, n_rows=900, random_state=12)
    src = tmp_path / "orders.csv"
    tx.to_csv(src, index=False)
    from rfm.app.pipeline import customer_table
    from rfm.io.loading import load_transactions

    loaded = load_transactions(src)
    last = customer_table(loaded.frame, columns=loaded.columns).transactions["InvoiceDate"].max()
    last_day = f"{last:%Y-%m-%d}"
    for day in (f"{last + pd.Timedelta(days=6):%Y-%m-%d}", last_day):
        proc = cli("segment", str(src), "--compare-to", day, "--out", str(tmp_path / "o"))
        assert_user_error(proc, f"--compare-to {day} must be before the day of the last "
                          f"order ({last_day})", "pick an earlier date")  # fmt: skip
        error = proc.stderr.strip().splitlines()[-1]
        assert "before (" not in error and "after (" not in error and "compare_to" not in error
    assert not (tmp_path / "o").exists()


def test_compare_to_counts_kept_returns_as_the_main_run_does(cli, tmp_path: Path) -> None:
    """--keep-nonpositive-amount (or -quantity, -price) with --compare-to: the earlier
    segmentation counts the kept returns too, as the run's own does, where it refused
    them with Python advice ("pass allow_negative=True"). Each customer's spend between
    the two dates in migration.csv is the sum of their lines after the date, returns
    included (pandas on the file, by hand)."""
    rows = []
    for c in range(10):
        for k in range(2 + c % 3):
            day = pd.Timestamp("2024-01-05") + pd.Timedelta(days=17 * k + 3 * c)
            rows.append((f"I{c}{k}", f"K{c}", f"{day:%Y-%m-%d}", 20.0 + 7 * c + k))
    rows += [("R1", "K1", "2024-02-01", -15.0),  # a return before the date
             ("R2", "K2", "2024-03-20", -4.5)]  # and one after it
    src = tmp_path / "orders.csv"
    pd.DataFrame(rows, columns=["InvoiceNo", "CustomerID", "InvoiceDate", "Amount"]).to_csv(
        src, index=False)
    out = tmp_path / "o"
    proc = cli("segment", str(src), "--keep-nonpositive-amount", "--scaling", "minmax",
               "--compare-to", "2024-02-15", "--k", "2", "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "allow_negative" not in proc.stderr + proc.stdout
    lines = pd.read_csv(src, parse_dates=["InvoiceDate"], date_format="%Y-%m-%d")
    since = lines[lines["InvoiceDate"] >= pd.Timestamp("2024-02-16")]
    mig = pd.read_csv(out / "migration.csv", index_col="customer")
    expected = since.groupby("CustomerID")["Amount"].sum().reindex(mig.index, fill_value=0.0)
    assert mig["revenue"].to_numpy() == pytest.approx(expected.to_numpy())
    # by hand: K2 bought 34, 35, 36 and 37 (2024-01-11, -28, 02-14, 03-02), returned 4.5
    assert mig.loc["K2", "revenue"] == pytest.approx(37.0 - 4.5)
    segs = pd.read_csv(out / "segments.csv", index_col="customer")
    spend_then = segs["monetary"] - mig["revenue"].reindex(segs.index)
    # K1 bought 27, 28 and 29 (2024-01-08, -25, 02-11) and returned 15 on 2024-02-01
    assert spend_then["K1"] == pytest.approx(27.0 + 28.0 + 29.0 - 15.0)


def test_a_one_day_export_and_a_lone_big_customer_read_in_the_singular(cli, tmp_path: Path) -> None:
    """Orders of one day, and one customer far above the rest: the report says the data
    cover some days of that month (it said "2024-03, 2024-03"), "1 day ago" (not "1 days
    ago") in persona names and cards, "1 customer", and no "sit poorly within the group"
    for a persona of one customer (a silhouette of 0 by convention)."""
    import numpy as np

    rng = np.random.default_rng(6)
    customer = np.arange(60)  # one order each: only the spend tells them apart
    price = rng.lognormal(3, 0.3, customer.size)
    price[customer == 0] = 50_000.0  # one wholesaler among small shops
    tx = pd.DataFrame({"InvoiceNo": [f"N{i}" for i in range(customer.size)],
                       "CustomerID": customer + 100, "InvoiceDate": "2024-03-15 10:00",
                       "Quantity": 1, "UnitPrice": price})  # fmt: skip
    src = tmp_path / "oneday.csv"
    tx.to_csv(src, index=False)
    out = tmp_path / "out"
    proc = cli("segment", str(src), "--k", "3", "--scaling", "minmax", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    prof = pd.read_csv(out / "profile.csv")
    assert "The data cover only some days of 2024-03" in page and "2024-03, 2024-03" not in page
    assert " 1 days" not in page and " 1 days" not in proc.stdout
    assert "1 day ago" in page
    lone = prof.loc[prof["customers"] == 1, "persona"]
    assert len(lone) == 1, prof[["persona", "customers"]]
    card = page.split(f"<h3>{lone.iloc[0]}</h3>")[1].split("</div>")[1]
    assert "1 customer (" in card and "within the group" not in card, card
