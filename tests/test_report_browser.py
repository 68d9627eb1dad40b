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
window.__errors = []; window.__net = [];
(function () {
  const keep = console.error.bind(console);
  console.error = function (...a) { window.__errors.push(a.map(String).join(' ')); keep(...a); };
  window.addEventListener('error', function (e) {
    const t = e.target || {};
    window.__errors.push('error: ' + (e.message || t.src || t.href || t.tagName || '?'));
  }, true);
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__net.push(e.blockedURI || e.violatedDirective);
  });
  window.addEventListener('load', function () {
    const root = document.documentElement;
    const imgs = Array.from(document.images);
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(0, 5).map(el => el.tagName + (el.id ? '#' + el.id : '') + ' '
        + Math.round(el.getBoundingClientRect().right));
    const resources = performance.getEntriesByType('resource')
      .map(e => e.name).filter(n => !n.startsWith('data:'));
    const out = {
      scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
      images: imgs.length,
      broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
      errors: window.__errors, network: window.__net.concat(resources), wide: wide,
    };
    const pre = document.createElement('pre');
    pre.id = '__probe';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
})();
</script>"""


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


def probe(report: Path, tmp_path: Path) -> dict:
    text = report.read_text(encoding="utf-8")
    assert "<script" not in text  # the report itself runs no code
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    proc = chromium(
        "--window-size=1280,900", "--virtual-time-budget=15000", "--dump-dom",
        probed.as_uri(), profile=tmp_path / "profile",
    )  # fmt: skip
    dom = proc.stdout.decode("utf-8", "replace")
    m = re.search(r'<pre id="__probe">(.*?)</pre>', dom, re.S)
    assert m, f"the probe did not run; chromium said: {proc.stderr.decode()[-2000:]}"
    import html

    return json.loads(html.unescape(m.group(1)))


def test_report_in_headless_chromium_at_1280px(report_file: Path, tmp_path: Path) -> None:
    got = probe(report_file, tmp_path)
    assert got["clientWidth"] == 1280
    assert got["scrollWidth"] <= got["clientWidth"], got["wide"]
    assert got["images"] >= 6  # elbow, silhouette, PCA, boxplots, heatmaps, monthly
    assert got["broken"] == []
    assert got["errors"] == []
    assert got["network"] == []


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
