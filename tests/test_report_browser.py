"""The report in a real browser: headless Chromium at 1280 px.

Checks what a reader would notice: no horizontal scrolling at 1280 px, every image
loaded, no console error, no network request; and that "print to PDF" starts each
section on a new page. The page is loaded from a copy with a small measuring script and
a Content-Security-Policy that blocks (and reports) any request the page would make.

Skipped, with the reason, when no Chromium/Chrome binary is found (Debian: ``apt-get
install chromium``; or set ``RFMSEG_BROWSER`` to the binary).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rfm.app.pipeline import run_pipeline
from rfm.columns import TransactionColumns
from rfm.datasets import make_transactions
from rfm.report import render_report

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser() -> str | None:
    given = os.environ.get("RFMSEG_BROWSER")
    if given:
        return given if shutil.which(given) or Path(given).exists() else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


BROWSER = find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium/Chrome found (install Debian's chromium package or set RFMSEG_BROWSER)",
)

PROBE = """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;
style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<script>
window.__errors = []; window.__net = []; window.__alerts = [];
(function () {
  const keep = console.error.bind(console);
  console.error = function (...a) { window.__errors.push(a.map(String).join(' ')); keep(...a); };
  // script injected into the page would call these: record the call instead of a dialog
  window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };
  window.addEventListener('error', function (e) {
    const t = e.target || {};
    window.__errors.push('error: ' + (e.message || t.src || t.href || t.tagName || '?'));
  }, true);
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__net.push(e.blockedURI || e.violatedDirective);
  });
  window.addEventListener('load', function () {
    const root = document.documentElement;
    const vw = root.clientWidth;
    const imgs = Array.from(document.images);
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter(el => el.getBoundingClientRect().right > vw + 1)
      .slice(0, 5).map(el => el.tagName + (el.id ? '#' + el.id : '') + ' '
        + Math.round(el.getBoundingClientRect().right));
    const resources = performance.getEntriesByType('resource')
      .map(e => e.name).filter(n => !n.startsWith('data:'));
    // every table, the box around it and whether that box scrolls
    const tables = Array.from(document.querySelectorAll('table')).map(t => {
      const box = t.parentElement, r = box.getBoundingClientRect();
      const cell = t.querySelector('td') || t;
      return {section: (t.closest('section') || {}).id, width: t.getBoundingClientRect().width,
              box: r.width, boxRight: r.right, overflow: getComputedStyle(box).overflowX,
              font: parseFloat(getComputedStyle(cell).fontSize)};
    });
    // every chart drawn in the page: its shown width against the width it is drawn for
    const charts = Array.from(document.querySelectorAll('svg[role=img]')).map(s => ({
      label: s.getAttribute('aria-label'), section: (s.closest('section') || {}).id,
      shown: s.getBoundingClientRect().width, drawn: s.viewBox.baseVal.width,
      right: s.getBoundingClientRect().right}));
    // the treemap's legend entries a reader can see
    const treemapKey = Array.from(document.querySelectorAll(
      'svg[aria-label="segment treemap"] + ul.legend li'))
      .filter(li => li.getClientRects().length > 0).map(li => li.textContent);
    const onAttributes = Array.from(document.querySelectorAll('*')).filter(
      el => Array.from(el.attributes).some(a => a.name.toLowerCase().startsWith('on'))).length;
    const out = {
      scrollWidth: root.scrollWidth, clientWidth: vw,
      images: imgs.length,
      broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
      errors: window.__errors, network: window.__net.concat(resources), wide: wide,
      tables: tables, charts: charts, alerts: window.__alerts, treemapKey: treemapKey,
      scripts: document.scripts.length, onAttributes: onAttributes,
      text: document.body.innerText,
    };
    parent.postMessage(JSON.stringify(out), '*');
  });
})();
</script>"""

#: the page that holds the report in a frame of the wanted width (Chromium's headless
#: window is at least 500 px wide; a frame can be a phone's 390 px)
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe src="{src}" style="width:{width}px;height:900px;border:0"></iframe><script>
window.addEventListener('message', function (e) {{
  const pre = document.createElement('pre'); pre.id = '__probe'; pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script></body></html>"""


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BROWSER), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}", *args,
        ],
        capture_output=True,
        text=False,
        timeout=180,
    )  # fmt: skip


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tx = make_transactions(n_customers=500, n_rows=5000, random_state=2)
    res = run_pipeline(tx, columns=TransactionColumns(amount="TotalAmount"), scaling="log-minmax",
                       compare_to="2025-03-31")
    res.settings["currency"] = "€"
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(res, title="Browser test"), encoding="utf-8")
    return path


def probe(report: Path, tmp_path: Path, width: int = 1280) -> dict:
    """Open ``report`` (with the measuring script) in a frame ``width`` px wide and return
    what the script measured once the page had loaded."""
    text = report.read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(FRAME.format(src=probed.name, width=width), encoding="utf-8")
    proc = chromium(
        f"--window-size={max(width, 500)},900", "--virtual-time-budget=15000", "--dump-dom",
        frame.as_uri(), profile=tmp_path / "profile",
    )  # fmt: skip
    dom = proc.stdout.decode("utf-8", "replace")
    m = re.search(r'<pre id="__probe">(.*?)</pre>', dom, re.S)
    assert m, f"the probe did not run; chromium said: {proc.stderr.decode()[-2000:]}"
    import html

    return json.loads(html.unescape(m.group(1)))


#: the figures of the report, by their accessible names
FIGURES = (
    "elbow curve", "silhouette plot", "PCA scatter", "boxplot of days since last order",
    "boxplot of orders", "boxplot of spend", "legend of the clusters", "monthly revenue",
)  # fmt: skip


def test_report_in_headless_chromium_at_1280px(report_file: Path, tmp_path: Path) -> None:
    assert "<script" not in report_file.read_text(encoding="utf-8")  # the report runs no code
    got = probe(report_file, tmp_path)
    assert got["clientWidth"] == 1280
    assert got["scrollWidth"] <= got["clientWidth"], got["wide"]
    labels = [c["label"] for c in got["charts"]]
    assert set(FIGURES) <= set(labels), labels
    assert "segment treemap" in labels
    # on a wide screen every figure is shown at the size it is drawn for
    for c in got["charts"]:
        if c["label"] in FIGURES:
            assert c["shown"] == pytest.approx(c["drawn"], abs=0.5), c
    assert got["images"] == 0 and got["broken"] == []  # every figure is inline SVG
    # the legend lists only the tiles too small for their label, numbered
    tiles = treemap_tiles(report_file)
    assert 0 < len(got["treemapKey"]) < tiles
    assert all(re.match(r"\d+\. ", t) for t in got["treemapKey"])
    assert got["errors"] == []
    assert got["network"] == []
    assert got["alerts"] == []


def test_report_at_phone_width_390px(report_file: Path, tmp_path: Path) -> None:
    """At a phone's 390 px: no sideways scrolling of the page, wide tables scroll inside
    their own box, the R × F heat tables fit whole with text of at least 12 px, and the
    figures are shrunk by at most a quarter (their 12 px text stays 9 px or more)."""
    got = probe(report_file, tmp_path, width=390)
    width = got["clientWidth"]
    assert width == 390
    assert got["scrollWidth"] <= width, got["wide"]
    for t in got["tables"]:
        assert t["boxRight"] <= width + 0.5, t
        if t["width"] > t["box"] + 0.5:
            assert t["overflow"] in ("auto", "scroll"), t
    assert any(t["width"] > t["box"] + 0.5 for t in got["tables"])  # some do scroll
    heat = [t for t in got["tables"] if t["section"] == "rfm-grid"]
    assert len(heat) == 2  # customers and mean spend by R and F score
    for t in heat:
        assert t["width"] <= t["box"] + 0.5 and t["font"] >= 12, t
    figures = [c for c in got["charts"] if c["label"] in FIGURES or "at M =" in c["label"]]
    assert len(figures) >= len(FIGURES) + 5  # with the five score-coverage grids
    for c in figures:
        assert c["right"] <= width + 0.5, c
        assert c["shown"] / c["drawn"] >= 0.75, c
    # the treemap's labels are too small on a phone: its legend lists every tile
    assert len(got["treemapKey"]) == treemap_tiles(report_file)
    assert got["errors"] == [] and got["network"] == []


def treemap_tiles(report: Path) -> int:
    text = report.read_text(encoding="utf-8")
    treemap = re.search(r'<svg[^>]*aria-label="segment treemap".*?</svg>', text, re.S)
    return treemap.group().count("<rect ")


def test_probe_catches_overflow_broken_images_and_requests(tmp_path: Path) -> None:
    # the checks are not vacuous: a page with each fault is caught
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        '<div style="width:2000px">wide</div><img alt="broken" src="data:image/png;base64,AAAA">'
        '<img alt="remote" src="https://example.invalid/x.png"></body></html>',
        encoding="utf-8",
    )
    got = probe(bad, tmp_path)
    assert got["scrollWidth"] > got["clientWidth"]
    assert set(got["broken"]) == {"broken", "remote"}
    assert any("example.invalid" in n for n in got["network"])


def test_print_to_pdf_starts_each_section_on_a_new_page(report_file: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    proc = chromium(
        f"--print-to-pdf={pdf}", "--no-pdf-header-footer", report_file.as_uri(),
        profile=tmp_path / "profile",
    )  # fmt: skip
    assert pdf.exists(), proc.stderr.decode()[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    sections = report_file.read_text(encoding="utf-8").count("<section ")
    assert pages >= sections


#: texts that run script when a page pastes them in unescaped
HOSTILE_CURRENCY = "</style><script>alert('currency')</script><img src=x onerror=alert('cur2')>"
HOSTILE_RULES = [
    ("<img src=x onerror=alert('rule')>", {"r": (4, 5), "f": (4, 5)},
     "Call them <script>alert('action')</script>"),
    ("</style><script>alert('rule2')</script>", {"r": (1, 2)}, "Win back"),
    ('Good "quoted" & <b onmouseover=alert(1)>bold</b>', {"m": (3, 5)}, "Upsell"),
]  # fmt: skip
HOSTILE_COLUMNS = {
    "CustomerID": "<svg onload=alert('customer-col')>",
    "InvoiceNo": '" onfocus="alert(\'invoice-col\')',
    "InvoiceDate": "</title><script>alert('date-col')</script>",
    "TotalAmount": "<iframe src=javascript:alert('amount-col')>",
}


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report of data whose ids, column names, segment names, actions, currency, title
    and file name are all markup that would run script if pasted in unescaped."""
    import warnings

    from rfm.columns import TransactionColumns

    tx = make_transactions(n_customers=300, n_rows=3000, random_state=5)
    tx["CustomerID"] = "<img src=x onerror=alert('id')>" + tx["CustomerID"].astype(str)
    tx = tx.rename(columns=HOSTILE_COLUMNS)
    cols = TransactionColumns(
        customer=HOSTILE_COLUMNS["CustomerID"], invoice=HOSTILE_COLUMNS["InvoiceNo"],
        date=HOSTILE_COLUMNS["InvoiceDate"], amount=HOSTILE_COLUMNS["TotalAmount"],
        quantity=None, price=None,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the rules leave gaps: said in the report
        res = run_pipeline(tx, columns=cols, rules=HOSTILE_RULES, k=3)
    res.settings["currency"] = HOSTILE_CURRENCY
    res.settings["source"] = "/home/alice/private/<img src=x onerror=alert('file')>.csv"
    path = tmp_path_factory.mktemp("hostile") / "report.html"
    path.write_text(render_report(res, title="<script>alert('title')</script>"), "utf-8")
    return path


def test_hostile_texts_are_shown_as_text_and_run_nothing(
    hostile_report: Path, tmp_path: Path
) -> None:
    got = probe(hostile_report, tmp_path)
    assert got["alerts"] == []  # nothing called alert (the page's CSP lets inline script run)
    assert got["scripts"] == 1  # the measuring script only: no injected <script>
    assert got["onAttributes"] == 0  # no element with an event handler
    assert got["images"] == 0  # no injected <img>
    assert got["errors"] == [] and got["network"] == []
    shown = got["text"]
    for literal in (
        *(name for name, _, _ in HOSTILE_RULES),  # segment names, as written
        "Call them <script>alert('action')</script>",  # an action
        "Money is shown in " + HOSTILE_CURRENCY,  # the currency, in the method
        "Data: <img src=x onerror=alert('file')>.csv;",  # the input's file name
    ):
        assert literal in shown, literal
    assert HOSTILE_CURRENCY + "1" in shown or HOSTILE_CURRENCY + "2" in shown  # money amounts
    assert "/home/alice/private" not in shown  # the file name only, not where it lives
