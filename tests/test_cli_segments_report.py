"""rfmseg: tie-aware scores, --ties, rule-set alias, custom rules warning, --compare-to,
--currency, and a help text without internal document names."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

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
    mig = pd.read_csv(out / "migration.csv", index_col=0)
    assert {"segment_before", "segment_after", "direction"} <= set(mig.columns)
    assert sorted(mig.index.astype(str)) == sorted(seg["customer"].astype(str))
    later = tx.groupby("CustomerID")["InvoiceDate"].min() > pd.Timestamp("2025-04-01")
    assert set(mig.index[mig["segment_before"].isna()]) == set(later[later].index)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Segment migration" in report and "migration.csv" in report
    assert "€" in report
    assert not INTERNAL.search(report)


def test_demo_ties_first_and_the_old_rule_set_name(cli, tmp_path: Path) -> None:
    proc = cli("demo", "--customers", "200", "--rows", "1500", "--out", str(tmp_path),
               "--k", "3", "--ties", "first", "--rules", "seed000", "--quiet")
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
    ):
        proc = cli("demo", "--out", str(tmp_path), *args)  # argparse's own usage errors
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert "error:" in last and fragment in last, last
