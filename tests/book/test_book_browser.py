"""The built report opens in headless Chromium: every page of the table of contents loads
without console errors or failed loads, its key tables and figures are there, every image
actually loaded (``naturalWidth > 0``), and every caption of a data chapter says SYNTHETIC
DATA when the data are synthetic. Full-page screenshots go to ``tests/artifacts/book/``.

Which book: the one ``make book`` builds (``book/_build/html``). ``make test`` builds it
first (the ``test`` target depends on the report), so CI runs these tests on the real
pipeline's artifacts. Run alone (``pytest tests/book``) when the report is missing or older
than its sources (``make -q`` says so), the tests skip and name ``make book``: a test never
runs the pipeline itself. Skipped as well when Chromium is not installed (Debian package
``chromium``). Chromium is driven over the DevTools protocol (``tests/book/cdp.py``); it opens
only ``file://`` pages with background networking off.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lospw.report_build import plan
from tests.book.cdp import Chromium, find_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "book" / "_build" / "html"
SHOTS = ROOT / "tests" / "artifacts" / "book"
CHROMIUM = find_chromium()

# The stage of `lospw analyze` behind a chapter: when the manifest says it did not run, the
# chapter must say so instead of showing its key elements.
STAGE_OF = {"chapters/sample": "screening", "chapters/items": "items",
            "chapters/reliability": "reliability", "chapters/dimensionality": "dimensionality",
            "chapters/cfa": "cfa", "chapters/invariance": "invariance",
            "chapters/validity": "validity", "chapters/reduction": "reduction",
            "chapters/scoring": "scoring", "chapters/aggregation": "aggregation",
            "chapters/verdict": "verdict", "chapters/lavaan": "cfa",
            "chapters/fit_reliability": "dynamic",
            "chapters/twolevel": "multilevel", "chapters/waves": "longitudinal"}
# Key elements (HTML ids: the `name` of a table or figure) each chapter must show.
KEY_ELEMENTS = {
    "intro": [],
    "chapters/verdict": ["tbl-verdict", "tbl-verdict-stages"],
    "chapters/model": ["tbl-model-elements", "tbl-model-aspects"],
    "chapters/bank": ["tbl-bank-elements", "fig-bank-aspects"],
    "chapters/delphi": ["tbl-delphi-rounds", "fig-delphi-icvi", "fig-delphi-flow"],
    "chapters/sample": ["fig-sample-flow", "tbl-sample-exclusions"],
    "chapters/missing": ["tbl-missing-codes", "tbl-missing-items"],
    "chapters/items": ["fig-items-distributions"],
    "chapters/reliability": ["tbl-reliability-scales", "tbl-reliability-items"],
    "chapters/dimensionality": ["fig-dimensionality-scree"],
    "chapters/cfa": ["tbl-cfa-comparison", "fig-cfa-path", "tbl-cfa-loadings"],
    "chapters/fit_reliability": ["tbl-dynamic-cutoffs", "fig-dynamic-distributions"],
    "chapters/invariance": ["tbl-invariance-steps", "tbl-invariance-decisions"],
    "chapters/validity": ["tbl-validity-htmt", "fig-validity-htmt"],
    "chapters/reduction": ["tbl-reduction-fit"],
    "chapters/scoring": ["tbl-scoring-scales", "fig-scoring-norms"],
    "chapters/aggregation": ["tbl-aggregation-icc", "fig-aggregation-profiles"],
    "chapters/twolevel": ["tbl-twolevel-fit", "tbl-twolevel-reliability"],
    "chapters/waves": ["tbl-waves-levels", "tbl-waves-steps"],
    "chapters/codebook": ["tbl-codebook"],
    "chapters/provenance": ["tbl-prov-delphi", "tbl-prov-build"],
}
# Chapters that show no data (the theory, the item texts, provenance): no synthetic label.
NOT_DATA = {"intro", "chapters/model", "chapters/bank", "chapters/provenance",
            "chapters/provenance_analysis", "chapters/lavaan"}
# Chapters whose data are the Delphi panel's (the others show the analysis's).
DELPHI_PAGES = {"chapters/delphi", "chapters/codebook"}


def toc_pages() -> list[str]:
    """The pages `make book` builds: `lospw report` plans them from the demo run's options
    and the development inputs the Makefile gives (--model, --bank, --delphi)."""
    prov = ROOT / "data" / "derived" / "analysis" / "provenance.json"
    options = json.loads(prov.read_text())["options"] if prov.is_file() else {}
    return ["intro", *(c.file for c in plan(options, ["model", "bank", "delphi"]))]


def book_state() -> str | None:
    """None when the built report is current, else why not."""
    if not (HTML / "index.html").is_file():
        return "the report is not built"
    if shutil.which("make") is None:
        return None
    done = subprocess.run(["make", "-q", "book/_build/html/index.html"], cwd=ROOT,
                          capture_output=True, timeout=120)
    return None if done.returncode == 0 else "the report is older than its sources"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    why = book_state()
    if why:
        pytest.skip(f"{why}: run `make book` (or `make test`, which builds it first)")
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"), width=1440,
                  height=1000) as c:
        yield c


def stage_status(page: str) -> str:
    """The manifest's status of the stage behind ``page`` ("ok" for other pages)."""
    manifest = ROOT / "data" / "derived" / "analysis" / "manifest.json"
    if page not in STAGE_OF or not manifest.is_file():
        return "ok"
    stages = {s["name"]: s["status"] for s in json.loads(manifest.read_text())["stages"]}
    return stages.get(STAGE_OF[page], "not run")


def synthetic_runs() -> dict[str, bool]:
    """Which kinds of data the artifacts say are synthetic (what the captions must say)."""
    out = {}
    delphi = ROOT / "data" / "derived" / "delphi" / "summary.json"
    if delphi.is_file():
        out["delphi"] = "synthetic" in json.loads(delphi.read_text())["label"].lower()
    prov = ROOT / "data" / "derived" / "analysis" / "provenance.json"
    if prov.is_file():
        out["analysis"] = bool(json.loads(prov.read_text())["synthetic"])
    return out


PAGE_STATE = """(() => {
  const imgs = [...document.images].map(i => ({src: i.getAttribute('src'),
      ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth}));
  const captions = [...document.querySelectorAll('figcaption, table > caption')]
      .map(c => c.innerText.replace(/\\s+/g, ' ').trim());
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const tables = Object.fromEntries([...document.querySelectorAll('table[id]')]
      .map(t => [t.id, t.querySelectorAll('tbody tr').length]));
  const errors = [...document.querySelectorAll('.output.traceback, .output.error, .stderr')]
      .map(e => e.innerText.slice(0, 200));
  return {title: document.title, h1: (document.querySelector('h1') || {}).innerText,
          imgs, captions, ids, tables, errors,
          text: document.body.innerText.slice(0, 200000)};
})()"""


def open_page(browser, page: str) -> dict:
    mark = len(browser.events)
    browser.open((HTML / f"{page}.html").as_uri())
    state = browser.evaluate(PAGE_STATE)
    state["problems"] = browser.problems(mark)
    browser.screenshot(SHOTS / f"{page.replace('/', '_')}.png")
    return state


def test_index_redirects_to_the_report(browser):
    mark = len(browser.events)
    browser.open((HTML / "index.html").as_uri())  # a meta refresh to the first page
    browser.wait_until("location.pathname.endsWith('/intro.html') && "
                       "document.readyState === 'complete'")
    assert "LOS in PW" in browser.evaluate("document.title")
    links = browser.evaluate("[...document.querySelectorAll('nav a.reference.internal')]"
                             ".map(a => a.getAttribute('href'))")
    for page in toc_pages()[1:]:
        assert any(h and h.split("#")[0].endswith(f"{page}.html") for h in links), page
    browser.screenshot(SHOTS / "index.png", full_page=False)
    assert browser.problems(mark) == []


@pytest.mark.parametrize("page", toc_pages())
def test_page_renders(browser, page):
    state = open_page(browser, page)
    assert state["problems"] == [], state["problems"]
    assert state["errors"] == []
    assert state["h1"], "the page has no title"
    assert "MissingArtifact" not in state["text"] and "Traceback" not in state["text"]
    assert "<script" not in state["text"], "markup shown as text (e.g. thebe's configuration)"
    bad = [i["src"] for i in state["imgs"] if not i["ok"]]
    assert bad == [], f"images that did not load: {bad}"
    status = stage_status(page)
    if status == "ok":
        missing = [e for e in KEY_ELEMENTS.get(page, []) if e not in state["ids"]]
        assert missing == [], f"{page}: missing {missing}"
    else:
        assert f"This stage did not run ({status})" in state["text"]
    for name, rows in state["tables"].items():
        assert rows > 0, f"{page}: table {name} is empty"
    runs = synthetic_runs()
    if page not in NOT_DATA and any(runs.values()):
        kind = "delphi" if page in DELPHI_PAGES else "analysis"
        if runs.get(kind):
            unlabelled = [c for c in state["captions"] if "SYNTHETIC DATA" not in c]
            assert unlabelled == [], f"{page}: captions without SYNTHETIC DATA: {unlabelled}"


def test_cfa_chapter(browser):
    if "chapters/cfa" not in toc_pages():
        pytest.skip("the CFA chapter is not in the book")
    if stage_status("chapters/cfa") != "ok":
        pytest.skip(f"the CFA stage of `make analysis` was {stage_status('chapters/cfa')}")
    state = open_page(browser, "chapters/cfa")
    assert state["problems"] == []
    assert state["tables"].get("tbl-cfa-comparison", 0) >= 2  # the key's model and rivals
    assert state["tables"].get("tbl-cfa-loadings", 0) >= 3
    path = browser.evaluate("(() => { const i = document.querySelector('#fig-cfa-path img');"
                            " return i ? [i.naturalWidth, i.naturalHeight] : null; })()")
    assert path is not None and path[0] > 300 and path[1] > 300
    assert "correlated" in state["text"]
