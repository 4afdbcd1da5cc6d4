"""The report shows every user string as text (issue 17, point 4: script injection).

Two ``lospw analyze`` runs whose user strings hold HTML, scripts and MyST syntax (``{eval}``
roles, backticks, ``[x](javascript:...)`` links, ``$`` mathtext, table pipes, directive
options) are built into reports by ``lospw report`` with a hostile ``--title`` and
``--author`` (``jupyter-book build --warningiserror --nitpick``, so an interpreted role or a
broken table fails the build):

- run ``names``: hostile scale names, item ids, item labels, instrument, version,
  description, group and cluster columns and their values (the CFA stages refuse names that
  are not lavaan variable names; the other chapters show them);
- run ``models``: lavaan-valid names (so the CFA, invariance, validity and reduction chapters
  run) that are also fixed column names of the artifacts and tables (``scale``, ``group``,
  ``score``, items ``item`` and ``n``), with a hostile instrument, labels, data file name,
  criteria name, group and cluster columns and values.

Every payload carries the marker ``XSS``. The built HTML is parsed: no element the payloads
would create holds a marker (no injected ``script``, ``img``, ``svg``, ``iframe``, ``b``),
no attribute value holds one, no link has a ``javascript:`` target; and the payloads are
shown verbatim as text where the chapters print them. In headless Chromium (when installed)
every page loads without a dialog (``alert`` is trapped), console error or failed load.
Slow (two analyses and two book builds, about two minutes).
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# The chapters of a report of a run with --group and --cluster (no development inputs).
CHAPTERS = ["verdict", "sample", "missing", "items", "reliability", "dimensionality", "cfa",
            "fit_reliability", "invariance", "validity", "reduction", "scoring", "aggregation",
            "codebook", "lavaan", "provenance", "provenance_analysis"]
TITLE = "<script>alert('XSS26')</script> {eval}`XSS27` *t*"
AUTHOR = "<img src=a onerror=alert('XSS28')> [a](javascript:alert('XSS29'))"

INSTRUMENT = "<img src=x onerror=alert('XSS1')>"
GROUP_COL = "grp<svg onload=alert('XSS2')>"
GROUP_VALUES = ["<img src=g onerror=alert('XSS3')>", "{eval}`'XSS4'`", "g`XSS5`|x"]
CLUSTER_COL = "{eval}`XSS6`"
HOSTILE_NAMES = {  # run "names": scale -> items
    "<script>alert('XSS7')</script>": ["<b>XSS8</b>", "i`XSS9`", "[l](javascript:alert('XSS10'))",
                                       "i4"],
    "{eval}`1+1` XSS11": ["j1", "j$x^XSS12$", "j3", ":name: XSS13"],
    "$\\alpha$ & <iframe src=XSS14>": ["k1", "k2", "a$^$bXSS15", "k|4 XSS16"],
}
# lavaan-valid names that are also the fixed columns of artifacts and report tables
LAVAAN_NAMES = {"scale": ["item", "n", "v3", "v4"], "group": ["w1", "w2", "w3", "w4"],
                "score": ["s1", "s2", "s3", "s4"]}
LABEL = "<script>alert('XSS17')</script> $x$ [a](javascript:alert('XSS18')) **XSS19**"
DATA_FILE = "d<img src=q onerror=alert('XSS20')>.csv"
CRITERIA_NAME = "<script>alert('XSS21')</script> {eval}`XSS22`"
# Verbatim payloads the built pages must show as text (page -> strings).
SHOWN = {
    "names": {"verdict": [INSTRUMENT], "reliability": ["<script>alert('XSS7')</script>"],
              "items": ["<b>XSS8</b>", "i`XSS9`"], "scoring": [INSTRUMENT]},
    "models": {"verdict": [INSTRUMENT], "invariance": [GROUP_VALUES[0], GROUP_COL],
               "aggregation": [CLUSTER_COL], "sample": [GROUP_COL],
               "codebook": ["<script>alert('XSS17')</script>"]},
}
SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
# Elements a payload would create if it were interpreted.
INJECTED_TAGS = {"script", "img", "svg", "iframe", "b", "a", "style", "object", "embed"}


def _data(scales: dict[str, list[str]], n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = len(scales)
    phi = 0.4 * np.ones((k, k)) + 0.6 * np.eye(k)
    f = rng.multivariate_normal(np.zeros(k), phi, size=n)
    cols = {}
    for j, items in enumerate(scales.values()):
        for item in items:
            x = 0.8 * f[:, j] + rng.normal(0, 0.6, n)
            cols[item] = np.clip(np.round(3 + 1.2 * x), 1, 5).astype(int)
    frame = pd.DataFrame(cols)
    frame.insert(0, "id", [f"r{i}" for i in range(n)])
    groups = np.array(GROUP_VALUES[:2] * (n // 2))
    groups[:60] = GROUP_VALUES[2]
    frame[GROUP_COL] = groups
    frame[CLUSTER_COL] = rng.choice([f"<i>XSS23 w{i}</i>" for i in range(8)], n)
    return frame


def _analyze(tmp: Path, name: str, scales: dict[str, list[str]]) -> Path:
    folder = tmp / name
    folder.mkdir()
    data = folder / DATA_FILE
    _data(scales, 600, 17).to_csv(data, index=False)
    items = [i for its in scales.values() for i in its]
    key = {"instrument": INSTRUMENT, "version": "<script>alert('XSS24')</script>",
           "description": "{eval}`XSS25`", "response_scale": {"min": 1, "max": 5},
           "scales": scales, "labels": {i: LABEL for i in items}}
    (folder / "key.yaml").write_text(yaml.safe_dump(key, allow_unicode=True), encoding="utf-8")
    criteria = yaml.safe_load((ROOT / "analysis" / "data" / "criteria.yaml").read_text())
    criteria["name"] = CRITERIA_NAME
    (folder / "criteria.yaml").write_text(yaml.safe_dump(criteria), encoding="utf-8")
    out = folder / "out"
    done = subprocess.run(
        [sys.executable, "-m", "lospw", "analyze", str(data), "--key", str(folder / "key.yaml"),
         "--group", GROUP_COL, "--cluster", CLUSTER_COL, "--criteria",
         str(folder / "criteria.yaml"), "--no-synthetic", "--estimator", "ML", "-o", str(out)],
        capture_output=True, text=True, check=False, cwd=folder)
    assert done.returncode == 0, done.stderr
    return out


def _build(tmp: Path, name: str, results: Path) -> Path:
    """The report of the run as `lospw report` builds it, with a hostile title and author."""
    out = tmp / f"report-{name}"
    done = subprocess.run(
        [sys.executable, "-m", "lospw", "report", str(results), "--title", TITLE, "--author",
         AUTHOR, "-o", str(out)], capture_output=True, text=True, cwd=tmp, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("inject")
    runs = {"names": HOSTILE_NAMES, "models": LAVAAN_NAMES}
    return {name: _build(tmp, name, _analyze(tmp, name, scales))
            for name, scales in runs.items()}


class _Live(HTMLParser):
    """Collects the places where a payload marker would be live, and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, made by Sphinx: an internal link)
        self.live: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            # a payload as the text of a title or alt attribute is inert (escaped by Sphinx,
            # e.g. the report's title in <link rel="prev" title=...>); anywhere else it is live
            if "XSS" in name or ("XSS" in value and name not in ("title", "alt", "aria-label")):
                self.live.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and "javascript:" in "".join(value.split()).lower():
                self.live.append(f"<{tag} {name}={value!r}>")
        if tag not in ("br", "hr", "img", "meta", "link", "input", "wbr", "source"):
            # Sphinx's own links to the report's pages (the sidebar's link to the first page
            # shows the report's title as text); a payload's link would be external
            internal = tag == "a" and "internal" in (dict(attrs).get("class") or "").split()
            self.stack.append((tag, internal))

    def handle_endtag(self, tag: str) -> None:
        if tag in (t for t, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        top, internal = self.stack[-1] if self.stack else ("", False)
        if "XSS" in data and top in INJECTED_TAGS and not internal:
            self.live.append(f"<{top}>{data[:80]}")
        if top not in ("script", "style"):
            self.text.append(data)


def _parse(page: Path) -> _Live:
    parser = _Live()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("run", ["names", "models"])
def test_no_payload_is_live_in_the_html(books, run):
    pages = sorted(books[run].glob("chapters/*.html"))
    assert {p.stem for p in pages} == set(CHAPTERS)
    pages.append(books[run] / "intro.html")
    for page in pages:
        assert _parse(page).live == [], page.name
    for stem, payloads in SHOWN[run].items():
        text = " ".join("".join(_parse(books[run] / "chapters" / f"{stem}.html").text).split())
        text = text.translate(SMART)  # Sphinx's smartquotes curl the quotes of prose
        for payload in payloads:
            assert payload in text, f"{stem}: {payload!r} is not shown as text"
    intro = " ".join("".join(_parse(books[run] / "intro.html").text).split()).translate(SMART)
    for payload in (TITLE, AUTHOR):
        assert payload in intro, f"intro: {payload!r} is not shown as text"


@pytest.mark.parametrize("run", ["names", "models"])
def test_the_chapters_ran(books, run):
    """The chapters showed their results (the payloads reached the tables), not only notices."""
    verdict = (books[run] / "chapters" / "verdict.html").read_text(encoding="utf-8")
    assert 'id="tbl-verdict"' in verdict
    if run == "models":
        page = {c: (books[run] / "chapters" / f"{c}.html").read_text(encoding="utf-8")
                for c in ("cfa", "invariance", "validity", "scoring", "aggregation")}
        for chapter, element in (("cfa", "tbl-cfa-loadings"),
                                 ("invariance", "tbl-invariance-steps"),
                                 ("validity", "tbl-validity-htmt"),
                                 ("scoring", "tbl-scoring-pr"),
                                 ("aggregation", "tbl-aggregation-profiles")):
            assert f'id="{element}"' in page[chapter], (chapter, element)


@pytest.mark.browser
def test_no_dialog_or_console_error_in_chromium(books, tmp_path):
    from tests.book.cdp import Chromium, find_chromium

    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    with Chromium(exe, tmp_path / "profile") as browser:
        browser.trap_dialogs()
        for run, html in books.items():
            for page in sorted(html.glob("chapters/*.html")):
                mark = len(browser.events)
                browser.open(page.as_uri())
                assert browser.problems(mark) == [], f"{run}: {page.name}"
                assert browser.evaluate("window.__lospw_dialogs.length") == 0, page.name
