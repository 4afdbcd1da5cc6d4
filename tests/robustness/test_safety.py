"""Safety of input and output (issue 12): YAML only by safe loading, no pickle of input, no
network access, spreadsheet formulas neutralised in every exported table, a report that loads
nothing from the internet.

The source checks are static (they read the code), so a new reader or writer that breaks a
rule fails here with the file and line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.robustness._spreadsheet import live_formulas
from tests.robustness.test_corpus import RESP_KEY, run_cli

PACKAGES = ("analysis", "instrument", "lospw")


def _source(folders=PACKAGES) -> list[tuple[Path, int, str]]:
    lines = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines += [(path, n, line) for n, line in enumerate(text.splitlines(), start=1)
                      if not line.lstrip().startswith("#")]
    return lines


def _hits(pattern: str, folders=PACKAGES) -> list[str]:
    rx = re.compile(pattern)
    return [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p, n, line in _source(folders)
            if rx.search(line)]


def test_yaml_only_through_safe_loading():
    unsafe = _hits(r"yaml\.(load|load_all|full_load|unsafe_load|Loader|FullLoader|"
                   r"UnsafeLoader|CLoader)\b", (*PACKAGES, "bench", "tests"))
    assert unsafe == [], "use lospw.analysis.core.yamlio.load_yaml (SafeLoader): " + "; ".join(unsafe)


def test_no_pickle_of_input():
    found = _hits(r"\bpickle\.loads?\(|\bjoblib\.load\(|read_pickle|allow_pickle\s*=\s*True|"
                  r"\bnp\.load\(|\bnumpy\.load\(|\bmarshal\.loads?\(|\bshelve\.|\beval\(|"
                  r"\bexec\(")
    assert found == [], "; ".join(found)


def test_no_network_access_in_the_code():
    found = _hits(r"^\s*(import|from)\s+(urllib|requests|httpx|aiohttp|http\.client|"
                  r"socket|ftplib|smtplib|webbrowser)\b|urlopen\(")
    assert found == [], "; ".join(found)


# Writers of tables other than lospw.analysis.core.artifacts.write_csv, each with the reason it is safe.
TABLE_WRITERS = {
    "analysis/core/csv_safe.py": "the one CSV writer (formulas neutralised, line breaks quoted), "
                            "used by write_csv and the LimeSurvey export",
}


def test_every_table_writer_goes_through_write_csv():
    found = _hits(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|csv\.DictWriter\(|openpyxl.*save\(|"
                  r"\.to_parquet\(")
    outside = [h for h in found if h.split(":", 1)[0] not in TABLE_WRITERS]
    assert outside == [], ("write tables with lospw.analysis.core.artifacts.write_csv (formulas "
                           "neutralised): " + "; ".join(outside))


def _formula_cells(folder: Path) -> list[str]:
    """Cells of the CSV / TSV files under ``folder`` that a spreadsheet would run."""
    return live_formulas(folder)


def test_formulas_neutralised_in_intake_and_scores(tmp_path):
    data = tmp_path / "survey.csv"
    data.write_text("id,opmerking,a,b,c\n=cmd|' /C calc'!A0,=HYPERLINK(\"x\"),1,2,3\n"
                    "@SUM(1),+31 6,4,5,1\n-2,-A1,1,1,1\n", encoding="utf-8")
    code, _, err = run_cli("intake", data, "--key", RESP_KEY, "--id", "id",
                           "--keep", "opmerking", "-o", tmp_path / "intake")
    assert code == 0, err
    code, _, err = run_cli("score", data, "--key", RESP_KEY, "--id", "id",
                           "-o", tmp_path / "scores" / "s.csv")
    assert code == 0, err
    assert _formula_cells(tmp_path / "intake") == []
    assert _formula_cells(tmp_path / "scores") == []
    text = (tmp_path / "intake" / "responses.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'-A1" in text   # kept, made inert, not dropped


def test_formulas_neutralised_in_delphi_outputs(tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text(
        "round,panelist,item,relevance,comment\n"
        "1,=p1,A,4,\"=HYPERLINK(\"\"http://x\"\")\"\n1,p2,A,3,@import\n1,p3,A,4,+1 ok\n"
        "1,=p1,B,2,-B is vague\n1,p2,B,3,\n1,p3,B,2,\n", encoding="utf-8")
    items = FIXTURES / "malformed" / "delphi" / "_items.txt"
    code, _, err = run_cli("delphi", ratings, "--items", items, "-o", tmp_path / "out")
    assert code == 0, err
    assert _formula_cells(tmp_path / "out") == []


def test_formulas_neutralised_in_bank_exports(tmp_path):
    code, _, err = run_cli("bank", "export", "--format", "codebook", "-o", tmp_path / "c.csv")
    assert code == 0, err
    assert _formula_cells(tmp_path) == []


def test_built_report_loads_nothing_from_the_internet():
    """If the book has been built (make book), no page loads a script, style sheet, font,
    image or frame from another host (the report works offline and leaks no reader)."""
    html_dir = ROOT / "book" / "_build" / "html"
    if not html_dir.is_dir():
        pytest.skip("the book is not built (make book)")
    tag = re.compile(r"<(script|link|img|iframe|source|embed|object)\b[^>]*"
                     r"\b(src|href|data)\s*=\s*[\"']?(https?:)?//", re.I)
    css = re.compile(r"(@import|url\()\s*[\"']?(https?:)?//", re.I)
    bad = []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix == ".html":
            bad += [f"{path.relative_to(html_dir)}: {m.group(0)[:80]}"
                    for m in tag.finditer(path.read_text(encoding="utf-8", errors="replace"))]
        elif path.suffix == ".css":
            bad += [f"{path.relative_to(html_dir)}: {m.group(0)[:80]}"
                    for m in css.finditer(path.read_text(encoding="utf-8", errors="replace"))]
    assert bad == [], bad
