"""rfm.report: a valid, self-contained HTML page that presents a run's results."""

from __future__ import annotations

import dataclasses
import html
import itertools
import re
import sys
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from _page import parse
from _svg import svgs_in

from rfm.app.pipeline import run_pipeline, run_warnings
from rfm.columns import TransactionColumns
from rfm.datasets import make_transactions
from rfm.report import render_report
from rfm.report.html import SECTIONS, STABLE_ARI

#: the report's figures, by their accessible names, in page order
FIGURES = [
    "segment treemap",
    *(f"segment of every R and F score at M = {m}" for m in range(1, 6)),
    "boxplot of days since last order", "boxplot of orders", "boxplot of spend",
    "legend of the clusters", "elbow curve", "silhouette plot", "PCA scatter",
    "monthly revenue",
]  # fmt: skip


@pytest.fixture(scope="module")
def result():
    tx = make_transactions(n_customers=400, n_rows=4000, random_state=3)
    before = tx.copy()
    res = run_pipeline(tx, columns=TransactionColumns(amount="TotalAmount"), k="auto",
                       scaling="log-minmax")
    pd.testing.assert_frame_equal(tx, before)  # the caller's table is left alone
    return res


def test_report_is_valid_self_contained_html(result) -> None:
    text = render_report(result, title="Test <report>")
    page = parse(text)
    assert page.doctype.lower() == "doctype html"
    assert page.errors == []
    assert page.stack == []
    tags = [t for t, _ in page.tags]
    assert tags[:3] == ["html", "head", "meta"] and "body" in tags
    ids = {a.get("id") for t, a in page.tags if t == "section"}
    assert ids == set(SECTIONS)
    # the title is escaped, not markup
    assert "Test <report>" in "".join(page.text)
    assert "img" not in tags  # every figure is inline SVG
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            value = (attrs.get(name) or "").lower()
            assert not value.startswith(("http://", "https://", "//")), (tag, value)
    assert not {"script", "link", "iframe"} & set(tags)
    svgs = [a.get("aria-label") for t, a in page.tags if t == "svg" and a.get("role") == "img"]
    assert svgs == FIGURES
    for svg in svgs_in(text):  # each is well-formed XML, as an .svg file must be
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert "could not be drawn" not in text


def test_report_shows_the_personas_segments_and_numbers(result) -> None:
    page = parse(render_report(result))
    text = " ".join(page.text)
    for persona in result.personas:
        assert persona in text
    for seg in result.segments["segment"].unique():
        assert seg in text
    assert f"{len(result.rfm):,}" in text
    # the segment table counts match a plain value_counts
    counts = result.segments["segment"].value_counts()
    top = counts.index[0]
    assert f"{top}: {counts.iloc[0]:,}" in text  # treemap tooltip


def test_report_needs_no_matplotlib(result, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it would fail
    text = render_report(result)
    page = parse(text)
    assert page.errors == []
    svgs = [a.get("aria-label") for t, a in page.tags if t == "svg" and a.get("role") == "img"]
    assert svgs == FIGURES
    assert "could not be drawn" not in text and "matplotlib" not in text


def text_of(html_text: str) -> str:
    return " ".join(" ".join(parse(html_text).text).split())


def test_report_reads_like_a_report(result) -> None:
    html_text = render_report(result)
    text = text_of(html_text)
    # human headers, not DataFrame column names
    for raw in ("rows_removed", "eta_squared", "revenue_share", "recency_median", "r_pct",
                "missing_customer", "stability_mean_ari"):
        assert raw not in text, raw
    for human in ("Rows removed", "Share of revenue", "Days since last order (median)",
                  "No customer id (guest orders)", "Recommended action"):
        assert human in text, human
    # no internal document or module names
    assert not re.search(r"seed \d|seed\d|rfm\.personas|rfm\.segments", text, re.I)
    # integers shown as integers: no "16.000" style cells
    assert not re.search(r"\b\d+\.000\b", text)
    # the score bins in words and the segment x persona cross-tables
    assert "F = 1: 1 order" in text
    assert "Segments × personas" in text
    counts = pd.crosstab(result.segments["segment"],
                         result.clusters.labels.map(result.personas.to_dict()))
    for persona in result.personas:
        assert persona in text
    assert counts.to_numpy().sum() == len(result.rfm)
    # the elbow's suggestion and the chosen k, with a reason
    assert f"k = {result.clusters.k}" in text and "elbow suggests" in text


def test_report_stability_reading_and_warning(result) -> None:
    val = result.validation.copy()
    row = val["metric"] == "stability_mean_ari"
    for ari, reading, warned in ((0.95, "good", False), (0.85, "moderate", False),
                                 (0.62, "weak", True)):
        val.loc[row, "value"] = ari
        # the report shows the warnings the run found (the console prints the same list)
        found = run_warnings([], result.inversions.iloc[:0], ari)
        res = dataclasses.replace(result, validation=val.copy(), warnings=found)
        text = text_of(render_report(res))
        assert f"Stability (mean adjusted Rand index) {ari:.2f} {reading}" in text
        assert ("Unstable clusters" in text) is warned
        assert ari < STABLE_ARI or not warned


def _kaufman_rousseeuw(v: float) -> str:
    """Kaufman & Rousseeuw (1990, p. 88): 0.71–1.00 strong, 0.51–0.70 reasonable, 0.26–0.50
    weak, ≤ 0.25 none; each band holds its upper end (the documented convention)."""
    return "strong" if v > 0.70 else "reasonable" if v > 0.50 else "weak" if v > 0.25 else "none"


@pytest.mark.parametrize(("sil", "reading", "distinct", "sits"), [
    (0.97, "strong", "clearly", "well"),
    (0.7000001, "strong", "clearly", "well"),
    (0.70, "reasonable", "reasonably", "fairly well"),  # K&R's 0.51–0.70
    (0.5000001, "reasonable", "reasonably", "fairly well"),
    (0.50, "weak", "weakly", "poorly"),  # K&R's 0.26–0.50
    (0.363, "weak", "weakly", "poorly"),  # Online Retail's
    (0.2500001, "weak", "weakly", "poorly"),
    (0.25, "none", "hardly", "hardly at all"),  # K&R's ≤ 0.25
    (-0.1, "none", "hardly", "hardly at all"),
])  # fmt: skip
@pytest.mark.parametrize("unstable", [False, True])
def test_the_mean_silhouette_is_said_in_kaufman_and_rousseeuws_bands(
        result, sil, reading, distinct, sits, unstable) -> None:  # fmt: skip
    """Every band's words, at its borders, with and without the "Unstable clusters"
    warning: the summary card, the validation section's sentence and the figure in its
    details read the same band; a weak structure or none is said to be possibly an
    artefact, or no clear groups, and the advice to treat the personas as a rough guide is
    given once in the section, by the warning when there is one."""
    assert _kaufman_rousseeuw(sil) == reading  # the cases are in the bands they name
    val = result.validation.copy()
    ari = 0.62 if unstable else 0.95
    val.loc[val["metric"] == "silhouette", "value"] = sil
    val.loc[val["metric"].str.startswith("stability"), "value"] = ari
    res = dataclasses.replace(result, validation=val,
                              warnings=run_warnings([], result.inversions.iloc[:0], ari))
    page = render_report(res)
    assert f"Personas are {distinct} distinct" in text_of(page)
    section = text_of(page.split('<section id="validation">')[1].split("</section>")[0])
    assert (f"The personas are {distinct} distinct: customers sit {sits} within their own "
            "group.") in section
    shown = re.search(r"Silhouette \(mean\) (-?[\d.]+) (\w+) how well", section)
    assert shown and shown.group(2) == reading, section
    assert _kaufman_rousseeuw(float(shown.group(1))) == reading
    assert "Kaufman & Rousseeuw's (1990) bands: above 0.70 strong" in section
    assert ("could be an artefact" in section) == (reading == "weak")
    assert ("no clear groups" in section) == (reading == "none")
    assert section.count("rough guide") == (unstable or reading in ("weak", "none"))


def test_each_persona_card_says_how_well_its_customers_sit_in_kaufman_and_rousseeuws_bands(
        result) -> None:  # fmt: skip
    """A persona's card reads its customers' mean silhouette by the same bands."""
    words = {"strong": "well", "reasonable": "fairly well", "weak": "poorly",
             "none": "hardly at all"}  # fmt: skip
    for v in (0.9, 0.71, 0.70, 0.51, 0.50, 0.26, 0.25, 0.0):  # each band at its borders
        prof = result.profile.assign(silhouette=v)
        page = render_report(dataclasses.replace(result, profile=prof))
        for persona in prof["persona"]:
            card = page.split(f"<h3>{html.escape(persona)}</h3>")[1].split("</ul>")[0]
            assert (f"its customers sit {words[_kaufman_rousseeuw(v)]} within the group"
                    in card), (v, card)


def test_report_money_partial_months_and_migration(result) -> None:
    res = dataclasses.replace(result, settings={**result.settings, "currency": "$"})
    text = text_of(render_report(res))
    total = result.rfm["monetary"].sum()
    assert f"${total:,.0f}" in text
    first = result.rfm["first_purchase"].min()
    last = result.rfm["last_purchase"].max()
    expect_first = first.day > 1
    expect_last = last.day < last.days_in_month
    assert (f"{first:%Y-%m} (partial)" in text) is expect_first
    assert (f"{last:%Y-%m} (partial)" in text) is expect_last
    assert "Segment migration" not in text  # only with compare_to
    # the first month's customers are all new, and the report says why
    tx = make_transactions(n_customers=400, n_rows=4000, random_state=3)
    month = tx["InvoiceDate"].dt.to_period("M")
    first_buyers = set(tx.loc[month == month.min(), "CustomerID"].dropna())
    firsts = tx.groupby("CustomerID")["InvoiceDate"].min().dt.to_period("M")
    assert (firsts[list(first_buyers)] == month.min()).all()
    assert result.monthly["new_customer_ratio"].iloc[0] == 1.0
    assert (f"so every customer of {month.min()} counts as new: the data start then"
            in text)


@pytest.mark.parametrize(("rules", "q"), [("rfm", 5), ("codes", 4)])
def test_coverage_svg_colours_every_score_cell_with_its_segment(rules: str, q: int) -> None:
    """One cell per (R, F, M) score combination, titled and coloured with the segment
    :func:`rfm.segment` gives that combination (the independent reference)."""
    from rfm import check_rules, segment
    from rfm.report._html import coverage_svg, segment_colours

    cells = pd.DataFrame(
        list(itertools.product(range(1, q + 1), repeat=3)), columns=["r", "f", "m"]
    )
    scores = cells.rename(columns={"r": "r_score", "f": "f_score", "m": "m_score"})
    scores["rfm_code"] = [f"{r}{f}{m}" for r, f, m in cells.itertuples(index=False)]
    want = segment(scores, rules=rules)["segment"].to_numpy()
    names = list(dict.fromkeys(want))
    colours = segment_colours(names)
    svg = coverage_svg(check_rules(rules, q=q).coverage, names, colours)
    cell = r'<rect [^>]*fill="([^"]+)"[^>]*><title>R (\d), F (\d), M (\d): ([^<]+)</title>'
    got = re.findall(cell, svg)
    assert len(got) == q**3
    by_cell = {(int(r), int(f), int(m)): (fill, seg) for fill, r, f, m, seg in got}
    for (r, f, m), seg in zip(cells.itertuples(index=False), want, strict=True):
        assert by_cell[(r, f, m)] == (colours[seg], html.escape(seg))
    legend = re.findall(r"<li><span[^>]*></span>([^<]+)</li>", svg)
    assert sorted(legend) == sorted(html.escape(n) for n in names)


def test_sample_note_names_every_sampled_figure():
    """Above the scatter, silhouette and elbow limits the report says what was sampled."""
    from types import SimpleNamespace

    from rfm.report.html import _sample_note

    elbow = pd.DataFrame({"k": [2, 3], "inertia": [2.0, 1.0]})
    elbow.attrs["sample"] = 200_000
    res = SimpleNamespace(rfm=pd.DataFrame(index=range(9_000_000)),
                          settings={"silhouette_sample": 10_000},
                          clusters=SimpleNamespace(elbow=elbow))
    res.pca = SimpleNamespace(points=pd.DataFrame(index=range(3_000)))
    note = _sample_note(res)
    assert "random sample of 200,000 customers" in note
    assert "fitted on all 9,000,000" in note
    assert "random sample of 3,000 of the 9,000,000 customers" in note
    assert "sample of 10,000 customers" in note
    small = SimpleNamespace(rfm=pd.DataFrame(index=range(2_000)),
                            settings={"silhouette_sample": None},
                            clusters=SimpleNamespace(elbow=pd.DataFrame({"k": [2]})),
                            pca=SimpleNamespace(points=pd.DataFrame(index=range(2_000))))
    assert _sample_note(small) == ""


def _k_sentence(k: int, suggested: int, silhouettes: dict[int, float]) -> str:
    """The report's "why this k" paragraph for a hand-made auto-k run."""
    from types import SimpleNamespace

    from rfm.report.html import _k_reason

    elbow = pd.DataFrame({"k": sorted(silhouettes)})
    elbow.attrs.update(suggested_k=suggested, silhouettes=silhouettes)
    res = SimpleNamespace(clusters=SimpleNamespace(elbow=elbow, k=k),
                          settings={"k_requested": "auto"})  # fmt: skip
    return _k_reason(SimpleNamespace(res=res))


@pytest.mark.parametrize(
    ("k", "suggested", "silhouettes", "because", "figures"),
    [
        # both round to 0.36: one more decimal tells them apart (for the analysts)
        (4, 5, {4: 0.3648, 5: 0.3612}, "k = 4 separates the clusters better",
         "k = 4 separates the clusters better: silhouette 0.365 against 0.361 for k = 5."),
        (4, 5, {4: 0.36149, 5: 0.36101}, "k = 4 separates the clusters better",
         "k = 4 separates the clusters better: silhouette 0.3615 against 0.3610 for k = 5."),
        # exactly equal: the smaller k wins the tie, and the sentence says so
        (4, 5, {4: 0.36, 5: 0.36},
         "k = 4 and k = 5 separate the clusters equally well, and a tie goes to the "
         "smaller k", "Silhouette 0.36 for both k = 4 and k = 5."),
        # equal to 15 decimals: read as a tie, never one figure against itself
        (4, 5, {4: 0.1 + 0.2, 5: 0.3},
         "k = 4 and k = 5 separate the clusters equally well, and a tie goes to the "
         "smaller k", "Silhouette 0.30 for both k = 4 and k = 5."),
        # equal, yet the larger k was chosen: the smaller one's clusters were too small
        (5, 4, {4: 0.36, 5: 0.36},
         "k = 4 would leave a cluster with fewer than 2% of the customers, too small to "
         "act on", ""),
        (3, 4, {3: 0.41, 4: 0.52},
         "k = 4 would leave a cluster with fewer than 2% of the customers, too small to "
         "act on", ""),
    ],
)
def test_the_chosen_k_is_never_compared_with_itself(k, suggested, silhouettes, because,
                                                    figures) -> None:  # fmt: skip
    """Why this k in words (no silhouette figure outside the analysts' details), and the
    figures for the analysts, never one figure against itself."""
    words, analysts = _k_sentence(k, suggested, silhouettes)
    assert f"k = {k} was chosen because {because}." in words
    assert "silhouette" not in words.lower() and not re.search(r"0\.\d", words)
    assert f"<p>{figures}{' ' if figures else ''}The rule: the best silhouette" in analysts
    against = re.findall(r"silhouette ([\d.]+) against ([\d.]+)", analysts)
    assert all(a != b for a, b in against)


def table_cells(html_text: str, section: str) -> list[list[list[str]]]:
    """The body rows of every table of a section, as lists of cell texts."""
    part = html_text.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
    out = []
    for table in re.findall(r"<tbody>(.*?)</tbody>", part, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        cells = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows]
        out.append([[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in row] for row in cells])
    return out


def test_score_heat_tables_equal_a_crosstab_and_a_groupby_of_the_scores(result) -> None:
    res = dataclasses.replace(result, settings={**result.settings, "currency": "$"})
    counts, spend = table_cells(render_report(res), "rfm-grid")
    scores = result.scores
    want = pd.crosstab(scores["r_score"], scores["f_score"]).sort_index(ascending=False)
    means = scores.groupby(["r_score", "f_score"])["monetary"].mean()
    assert [row[0] for row in counts] == [str(r) for r in want.index]  # best R on top
    assert [row[1:] for row in counts] == [[f"{v:,}" for v in row] for row in want.to_numpy()]
    assert [row[1:] for row in spend] == [
        [f"${means[(r, f)]:,.0f}" if (r, f) in means.index else "" for f in want.columns]
        for r in want.index
    ]


HOSTILE = "</style><script>alert(1)</script><img src=x onerror=alert(2)>"


def test_texts_from_data_options_and_rules_are_escaped() -> None:
    """Currency, segment names, actions, title and file name come out as text: no tag or
    event attribute of theirs reaches the page (the browser test runs the same page)."""
    import warnings

    tx = make_transactions(n_customers=200, n_rows=1500, random_state=4)
    rules = [(HOSTILE, {"r": (4, 5)}, "act " + HOSTILE), ('"q" & <b>', {"f": (3, 5)}, "x")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gaps in the rules: fine here
        res = run_pipeline(tx, columns=TransactionColumns(amount="TotalAmount"), rules=rules,
                           k=3)
    res.settings |= {"currency": HOSTILE, "source": "/private/home/me/" + HOSTILE + ".csv"}
    text = render_report(res, title=HOSTILE)
    page = parse(text)
    assert page.errors == [] and page.stack == []
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "img", "iframe"}
    assert not any(k.startswith("on") for _, a in page.tags for k in a)
    assert "<script" not in text and "<img" not in text
    shown = " ".join(page.text)
    assert HOSTILE in shown and '"q" & <b>' in shown and "act " + HOSTILE in shown
    assert "/private/home/me" not in shown  # only the file's name


@pytest.mark.parametrize(("before", "now", "expected"), [
    # a stem changed: renamed, said so, with the old name in the table
    (["Loyal", "Sleepers"], ["Loyal", "Big spenders"],
     "1 kept cluster got a new persona name, since its customers no longer fit the old "
     "one (see the table)."),
    (["Loyal", "Sleepers", "Lapsed"], ["Big spenders", "Sleepers", "Recent"],
     "2 kept clusters got a new persona name, since their customers no longer fit the "
     "old one (see the table)."),
    # only the median in brackets changed: the name stands, and the whole name a CRM tag
    # may hold changed: said, with the old whole name in the table
    (["Loyal (median spend 100)", "Loyal (median spend 900)"],
     ["Loyal (median spend 120)", "Loyal (median spend 900)"],
     "Every kept cluster keeps its persona name: its customers still fit it. 1 kept cluster "
     "keeps its name, but what follows in brackets changed (it tells namesakes apart and "
     "comes from this data; see the table)."),
    (["Loyal", "Sleepers"], ["Loyal", "Sleepers"],
     "Every kept cluster keeps its persona name: its customers still fit it. 25.0% of"),
    # a dropped " (new)", or a bracket that went away with its namesake: said the same way
    (["Loyal (new)", "Sleepers"], ["Loyal", "Sleepers"],
     "1 kept cluster keeps its name, but what follows in brackets changed"),
    (["Loyal (median spend 100)", "Sleepers (median spend 5)"], ["Loyal", "Sleepers"],
     "2 kept clusters keep their names, but what follows in brackets changed"),
    # a rename and a bracket change in one refit: both said
    (["Loyal", "Sleepers (median spend 5)", "Sleepers (median spend 50)"],
     ["Big spenders", "Sleepers (median spend 6)", "Sleepers (median spend 50)"],
     "1 kept cluster got a new persona name, since its customers no longer fit the old one "
     "(see the table). 1 kept cluster keeps its name, but what follows in brackets changed"),
])  # fmt: skip
def test_the_refit_section_says_which_names_changed_and_how(before, now, expected) -> None:
    """The refit section's sentence on names, from the old and new names written here: a
    changed stem is a rename; a changed bracket alone is not, and is said as such."""
    from types import SimpleNamespace

    from rfm.model_refit import renamed_clusters
    from rfm.report.html import _refit

    ids = [3, 8, 11][: len(before)]
    lineage = {"matched": [[i, 0.1] for i in ids], "appeared": [], "vanished": [],
               "refit_of": "2026-01-01T00:00:00+00:00",
               "personas_before": [[name, "an older name"] for name in before]}
    refit = {**lineage, "ids": ids, "personas": now, "customers_moved": 0.25,
             "renamed": renamed_clusters(lineage, ids, before, now)}  # fmt: skip
    text = html.unescape(re.sub(r"<[^>]+>", " ", _refit(SimpleNamespace(
        res=SimpleNamespace(settings={"refit": refit})))))  # fmt: skip
    assert expected in " ".join(text.split())
    assert "25.0% of the customers are in another cluster than the old model puts them in" in text


@pytest.mark.parametrize(("vanished", "expected"), [
    ([5], "Cluster 5 of the old model has no counterpart and vanished."),
    ([5, 6], "Clusters 5 and 6 of the old model have no counterpart and vanished."),
    ([], None),
])  # fmt: skip
def test_the_refit_section_names_the_vanished_clusters(vanished, expected) -> None:
    from types import SimpleNamespace

    from rfm.report.html import _refit

    refit = {"matched": [[3, 0.1]], "appeared": [], "vanished": vanished,
             "refit_of": "2026-01-01T00:00:00+00:00", "personas_before": [["Loyal"]],
             "ids": [3], "personas": ["Loyal"], "renamed": {}}  # fmt: skip
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", _refit(SimpleNamespace(
        res=SimpleNamespace(settings={"refit": refit}))))).split())  # fmt: skip
    if expected is None:
        assert "vanished" not in text
    else:
        assert expected in text


def test_a_purchase_on_the_day_the_previous_file_was_cut_is_not_on_the_win_back_list() -> None:
    """Without an invoice column an order is a purchase day: a customer who bought again
    later on the day the previous file ends has as many orders as before but spend since.
    Three customers' scores fell, all now "Lost": "a" bought nothing since, "b" bought on
    that same day (orders_between 0, spend 12.5), "c" ordered once more. Only "a" has not
    ordered since."""
    from types import SimpleNamespace

    from rfm.report.apply_html import orders_sentence

    cust = pd.DataFrame({"direction": ["down", "down", "down", "up"],
                         "segment_before": ["Lost"] * 4, "segment_after": ["Lost"] * 4,
                         "orders_between": [0, 0, 1, 2], "revenue": [0.0, 12.5, 40.0, 9.0]},
                        index=pd.Index(["a", "b", "c", "d"], name="customer"))  # fmt: skip
    previous = pd.DataFrame({"customer": ["a", "b", "c", "d"], "recency": [10, 0, 5, 3]})
    table = pd.DataFrame({"customer": ["a", "b", "c", "d"], "recency": [40, 30, 20, 1]})
    run = SimpleNamespace(migration=SimpleNamespace(customers=cust), previous=previous,
                          table=table, changes={"orders_fell": 0, "customers_gone": 0},
                          rule_set="ladder", q=5)  # fmt: skip
    said = orders_sentence(run)
    assert said.startswith("1 of those whose score fell has not ordered since the end of the "
                           "previous run's data and is now in a segment for customers slipping "
                           "away (Lost 1)")
    assert "The other 2 have ordered since, but their last order is longer ago" in said


@pytest.mark.parametrize(("down", "lapsed", "new", "expected"), [
    (1, 1, 1, "1 customer has a lower R + F + M score than at the end of 2025-03-31 (in another "
              "segment now), and 1 is new since 2025-03-31. 1 of those whose score fell has not "
              "ordered since 2025-03-31 and is now in a segment for customers slipping away (Lost "
              "1): a ready win-back list."),
    (2, 1, 0, "2 customers have a lower R + F + M score than at the end of 2025-03-31 (0 of "
              "them in the same segment as then), and 0 are new since 2025-03-31. 1 of those "
              "whose score fell has not ordered since 2025-03-31 and is now in a segment for "
              "customers slipping away (Lost 1): a ready win-back list. The other 1 still "
              "orders, but their score fell against the other customers'."),
    (3, 0, 2, "3 customers have a lower R + F + M score than at the end of 2025-03-31 (0 of "
              "them in the same segment as then), and 2 are new since 2025-03-31. None of "
              "those whose score fell is both without an order since 2025-03-31 and in a "
              "segment for customers slipping away (Can't Lose Them, At Risk, Hibernating, "
              "Lost): no win-back list this time. The other 3 still order, but their scores "
              "fell against the other customers'."),
])  # fmt: skip
def test_migration_words_agree_with_counts_of_one(down, lapsed, new, expected) -> None:
    """Each count takes its own number: "1 customer has a lower ... score", "1 is new",
    "1 ... has not ordered", "the other 1 still orders"; the sentences are written out by
    hand. Every customer whose score fell went from "Champions" to "Lost"."""
    from types import SimpleNamespace

    from rfm.report.html import migration_words

    direction = ["down"] * down + ["new"] * new + ["same"]
    between = [0] * lapsed + [2] * (down - lapsed) + [0] * new + [1]
    before = ["Champions"] * down + [None] * new + ["Lost"]
    cust = pd.DataFrame({"direction": direction, "orders_between": between,
                         "segment_before": before, "segment_after": "Lost"})  # fmt: skip
    res = SimpleNamespace(migration=SimpleNamespace(customers=cust), rule_set="ladder", q=5,
                          settings={"compare_to": "2025-03-31"})  # fmt: skip
    assert migration_words(res) == expected


def test_apply_sentences_agree_with_counts_of_one() -> None:
    """After apply --previous: one customer with fewer orders, one gone; and one of two
    whose score fell ordered since, its score fell."""
    from types import SimpleNamespace

    from rfm.report.apply_html import orders_sentence

    run = SimpleNamespace(
        migration=SimpleNamespace(customers=pd.DataFrame({"direction": ["down"]})),
        changes={"orders_fell": 1, "customers_gone": 1})  # fmt: skip
    assert orders_sentence(run).startswith(
        "The two runs cannot be compared on orders: 1 customer has fewer orders than in the "
        "previous file and 1 of its customers is gone, so")
    cust = pd.DataFrame({"direction": ["down", "down"], "orders_between": [0, 1],
                         "segment_before": ["At Risk", "Champions"],
                         "segment_after": ["At Risk", "Loyal Customers"],
                         "revenue": [0.0, 5.0]}, index=pd.Index(["a", "b"], name="customer"))
    run = SimpleNamespace(
        migration=SimpleNamespace(customers=cust), changes={}, rule_set="ladder", q=5,
        previous=pd.DataFrame({"customer": ["a", "b"], "recency": [10, 9]}),
        table=pd.DataFrame({"customer": ["a", "b"], "recency": [40, 2]}))  # fmt: skip
    assert orders_sentence(run) == (
        "1 of those whose score fell has not ordered since the end of the previous run's data and "
        "is now in a segment for customers slipping away (At Risk 1): a ready win-back list. The "
        "other 1 has ordered since, yet their score fell.")


#: rules written by hand for the win-back tests: "Asleep" and "Gone" bound recency to 1-2
#: of 5 in every rule of theirs; "Mixed" has one rule that does and one that does not
#: (recency 1-3); "Best" bounds it to the top
HAND_RULES = [("Best", {"r": (4, 5)}, "Reward them"), ("Asleep", {"r": (2, 2)}, "Remind them"),
              ("Mixed", {"r": (1, 1), "f": (1, 2)}, "Ask"), ("Mixed", {"r": (1, 3)}, "Ask"),
              ("Gone", {"r": (1, 2)}, "Win back")]  # fmt: skip


@pytest.mark.parametrize(("rules", "q", "now", "expected"), [
    # a Champion and a New Customer whose scores fell are named apart, never "win-back"
    ("ladder", 5, ["Champions", "Lost", "New Customers", "Lost", "At Risk", "Champions"],
     "3 of those whose score fell have not ordered since D and are now in a segment for customers "
     "slipping away (Lost 2, At Risk 1): a ready win-back list. 3 more whose score fell have not "
     "ordered since then either, but are now in other segments (Champions 2, New Customers 1), "
     "whose own actions apply."),
    # at q = 4 the middle is 2: "Slipping" (recency 1) is the only one
    ("codes", 4, ["Slipping", "Whales"],
     "1 of those whose score fell has not ordered since D and is now in a segment for customers "
     "slipping away (Slipping 1): a ready win-back list. 1 more whose score fell has not ordered "
     "since then either, but is now in other segments (Whales 1), whose own actions apply."),
    ("rfm", 5, ["About To Sleep", "Need Attention"],  # recency 2-3 and 1-3: not slipping
     "None of those whose score fell is both without an order since D and in a segment for "
     "customers slipping away (Can't Lose Them, At Risk, Lost): no win-back list this time. 2 of "
     "those whose score fell have not ordered since D, but are now in other segments (About To "
     "Sleep 1, Need Attention 1), whose own actions apply."),
    ("customer-types", 5, ["Churned Customers", "Others"],
     "1 of those whose score fell has not ordered since D and is now in a segment for customers "
     "slipping away (Churned Customers 1): a ready win-back list. 1 more whose score fell has not "
     "ordered since then either, but is now in other segments (Others 1), whose own actions "
     "apply."),
    (HAND_RULES, 5, ["Gone", "Mixed", "Asleep", "Best", "Gone"],
     "3 of those whose score fell have not ordered since D and are now in a segment for customers "
     "slipping away (Gone 2, Asleep 1): a ready win-back list. 2 more whose score fell have not "
     "ordered since then either, but are now in other segments (Best 1, Mixed 1), whose own "
     "actions apply."),
    ([("Best", {"r": (3, 5)}), ("Rest", {"f": (1, 5)})], 5, ["Rest"],
     "These rules have no segment for customers slipping away (one whose every rule asks for a "
     "recency score of 2 or lower), so no win-back list is drawn: 1 of those whose score fell has "
     "not ordered since D (Rest 1)."),
    ([("Best", {"r": (3, 5)})], 5, [],
     "These rules have no segment for customers slipping away (one whose every rule asks for a "
     "recency score of 2 or lower), so no win-back list is drawn: 0 of those whose score fell have "
     "not ordered since D."),
])  # fmt: skip
def test_the_win_back_list_is_drawn_from_the_segments_for_customers_slipping_away(
    rules, q, now, expected
) -> None:
    """Of the customers whose score fell and who have not ordered since, only those now in
    a segment whose every rule asks for a recency score of q // 2 or lower are the win-back
    list, for every built-in rule set and for rules of one's own; the sentences are
    written out by hand."""
    from rfm.report.html import win_back_words

    assert win_back_words(pd.Series(now, dtype=object), rules, q, "D") == expected


def test_segments_held_as_categories_name_only_those_someone_is_in() -> None:
    """Segments may come as a categorical column (the customer table keeps them so): the
    win-back words name only the segments that hold a customer, as for text."""
    from rfm.report.html import win_back_words

    now = ["Lost", "Lost", "At Risk", "Champions"]
    cats = pd.Series(pd.Categorical(now, categories=["Champions", "Lost", "At Risk",
                                                     "Hibernating", "New Customers"]))  # fmt: skip
    expected = ("3 of those whose score fell have not ordered since D and are now in a segment "
                "for customers slipping away (Lost 2, At Risk 1): a ready win-back list. 1 more "
                "whose score fell has not ordered since then either, but is now in other "
                "segments (Champions 1), whose own actions apply.")  # fmt: skip
    assert win_back_words(cats, "ladder", 5, "D") == expected


@pytest.mark.parametrize(("value", "digits", "shown"), [
    (0.0558, 3, "0.056"),  # Online Retail's spend on values: "small", never "0.06"
    (0.05996, 3, "0.05996"),  # 0.060 would read "medium": as many decimals as it takes
    (0.0600, 3, "0.060"),  # 0.06 starts "medium": shown as it is
    (0.13996, 2, "0.13996"),
    (0.74, 3, "0.740"),
])  # fmt: skip
def test_a_labelled_figure_has_the_decimals_to_fall_in_its_band(value, digits, shown) -> None:
    from rfm.labels import banded

    def eta_reading(v: float) -> str:  # the documented η² bands
        return "large" if v >= 0.14 else "medium" if v >= 0.06 else "small"

    assert banded(value, eta_reading, digits) == shown
    assert eta_reading(float(shown)) == eta_reading(value)


@pytest.mark.parametrize(("stamp", "shown"), [
    ("2026-12-07T06:34:19+00:00", "2026-12-07 06:34 UTC"),  # a saved model's creation time
    ("2026-12-07T08:34:19+02:00", "2026-12-07 06:34 UTC"),
    ("2024-06-30", "2024-06-30"),
    ("2024-06-30T08:00:00", "2024-06-30 08:00"),
    ("not a date", "not a date"),
])  # fmt: skip
def test_a_moment_reads_as_a_date_and_time(stamp, shown) -> None:
    from rfm.labels import when

    assert when(stamp) == shown


@pytest.mark.parametrize(("counts", "expected", "subtitle"), [
    ({"A": 3, "B": 2, "C": 1}, "All three have customers here.", "3 segments"),
    ({"A": 3, "B": 2, "Others": 1}, "Two of the three have customers here. A further "
     'segment, "Others", holds the 1 customer that matches no rule.',
     "2 segments and Others"),
    ({"A": 3, "Others": 4}, "One of the three has customers here. A further segment, "
     '"Others", holds the 4 customers that match no rule.', "1 segment and Others"),
    ({"Others": 5}, "None of the three has customers here. A further segment, "
     '"Others", holds the 5 customers that match no rule.', "0 segments and Others"),
])  # fmt: skip
def test_segments_present_counts_in_words_that_agree(counts, expected, subtitle) -> None:
    from rfm.report.html import segments_count, segments_present

    summary = pd.DataFrame({"customers": pd.Series(counts)})
    assert segments_present(["A", "B", "C"], summary) == expected
    assert segments_count(["A", "B", "C"], summary) == subtitle


@pytest.mark.parametrize(("silhouettes", "among"), [
    ({3: 0.30, 4: 0.36, 5: 0.33}, "among its neighbours"),
    # k = 5 separates better, but one of its clusters was under 2% of the customers
    ({3: 0.30, 4: 0.36, 5: 0.41}, "of its neighbours with no cluster under 2% of the "
                                  "customers"),
])  # fmt: skip
def test_the_elbows_own_k_is_said_best_only_among_the_neighbours_it_beat(silhouettes,
                                                                        among) -> None:  # fmt: skip
    words, analysts = _k_sentence(4, 4, silhouettes)
    assert words == (f"<p>The elbow suggests k = 4, and {among} it also separates the "
                     "clusters best, so it was kept.</p>")
    assert analysts.startswith(f"<p>k = 4 has the highest silhouette {among} (0.360).")


def test_when_no_k_keeps_every_cluster_at_two_percent_the_elbows_k_is_said_kept() -> None:
    """Every k tried leaves a cluster under 2% (a cluster of 1 among 100 customers here):
    the rule falls back on the elbow's k, and the sentence says so instead of claiming
    it separates best (k = 3 scored higher)."""
    from types import SimpleNamespace

    from rfm.report.html import _k_reason

    elbow = pd.DataFrame({"k": [3, 4, 5]})
    elbow.attrs.update(suggested_k=4, silhouettes={3: 0.624, 4: 0.601, 5: 0.55})
    labels = pd.Series([0] * 60 + [1] * 30 + [2] * 9 + [3])
    res = SimpleNamespace(clusters=SimpleNamespace(elbow=elbow, k=4, labels=labels),
                          settings={"k_requested": "auto"})  # fmt: skip
    words, analysts = _k_reason(SimpleNamespace(res=res))
    assert words == ("<p>The elbow suggests k = 4. Every k tried leaves a cluster with fewer "
                     "than 2% of the customers, so the elbow's k was kept, small cluster and "
                     "all.</p>")
    assert "When no k qualifies, the elbow's k is kept." in analysts
    # the same k with no small cluster: said best among its neighbours, as before
    res.clusters.labels = pd.Series([0] * 40 + [1] * 30 + [2] * 20 + [3] * 10)
    words, _ = _k_reason(SimpleNamespace(res=res))
    assert "of its neighbours with no cluster under 2% of the customers it also" in words


def test_a_single_segment_with_no_customers_reads_in_the_singular() -> None:
    from rfm.report.html import segments_present

    summary = pd.DataFrame({"customers": pd.Series({"Others": 5})})
    assert segments_present(["A"], summary) == (
        'It has no customers here. A further segment, "Others", holds the 5 customers that '
        "match no rule.")


@pytest.mark.parametrize("rules", ["ladder", "rfm"])
def test_the_method_speaks_of_others_only_when_some_scores_match_no_rule(rules) -> None:
    """A rule set that covers every combination of scores (the ladder) leaves nobody
    over, so the method must not say that customers matching none are 'Others'."""
    from rfm import segment

    # every one of the 5³ score cells, segmented as customers would be
    cells = pd.DataFrame(list(itertools.product(range(1, 6), repeat=3)),
                         columns=["r_score", "f_score", "m_score"])
    cells.attrs["rfm_q"] = 5
    leaves_others = bool((segment(cells, rules)["segment"] == "Others").any())
    assert leaves_others == (rules == "rfm")  # the R package's table has gaps
    tx = make_transactions(n_customers=400, n_rows=4000, random_state=3)
    res = run_pipeline(tx, columns=TransactionColumns(amount="TotalAmount"), k=3,
                       rules=rules)
    text = text_of(render_report(res))
    assert ("customers matching none are 'Others'" in text) == leaves_others
    assert ("every combination of scores matches a rule, so no customer is left over"
            in text) == (not leaves_others)


def test_the_top_spenders_given_a_win_back_worth_their_spend_are_counted_by_segment() -> None:
    """Three top spenders get the action for top spenders (two of Lost, one of
    Hibernating, most first), the others their segments' actions: said with the count and
    the segments; nothing when no one gets it."""
    from rfm.report.html import top_spender_words
    from rfm.segments import TOP_SPENDER_ACTION

    seg = pd.DataFrame({
        "segment": ["Lost", "Hibernating", "Lost", "Lost", "Champions"],
        "action": pd.Categorical([TOP_SPENDER_ACTION, TOP_SPENDER_ACTION, "One message",
                                  TOP_SPENDER_ACTION, "Reward them"]),
    })  # fmt: skip
    words = top_spender_words(seg)
    assert words.startswith("3 customers with the highest spend score are in a segment for "
                            "customers slipping away whose action is meant for every spend "
                            "(Lost 2, Hibernating 1): instead of that action, they get one "
                            "worth their past spend")  # fmt: skip
    assert words.endswith(f'"{TOP_SPENDER_ACTION}"')
    one = top_spender_words(seg.iloc[[1, 2]])
    assert one.startswith("1 customer with the highest spend score is in a segment") and (
        "this customer gets one worth its past spend" in one)
    assert top_spender_words(seg.iloc[[2, 4]]) == ""
