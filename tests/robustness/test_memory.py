"""Issue 17, memory bombs: every reader stays under 1 GB on any input under 20 MB.

Each case builds a small file that declares (or unpacks to) far more than it holds, or a
20 MB file of the costliest kind, and runs the reader's command in a real process under an
address-space limit of 1 GiB (``ulimit -v``, via ``resource.setrlimit``). The promise: it
reads the file or refuses it in one line (exit 0 or 2), never runs out of memory (a
``MemoryError`` is exit 1; the kernel's OOM killer a signal). The peak resident memory is
measured too (``ru_maxrss`` of the child). The slowest cases are marked ``slow``.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

LIMIT = 2**30          # 1 GiB of address space
MB = 2**20
RESP = FIXTURES / "malformed" / "responses"
RESP_KEY = RESP / "_key.yaml"

# run lospw as a child of a small driver, which reports the child's peak memory
_DRIVER = """
import json, resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
p = subprocess.run([sys.executable, "-m", "lospw", *sys.argv[2:]], preexec_fn=cap,
                   capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": p.returncode, "peak_mb": peak, "stderr": p.stderr}))
"""


def run_capped(*args: str | Path) -> dict:
    r = subprocess.run([sys.executable, "-c", _DRIVER, str(LIMIT), *map(str, args)],
                       capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(r.stdout)


# -- the inputs --------------------------------------------------------------------------
def _workbook(sheet_rows: str, shared: str | None = None) -> bytes:
    """A minimal .xlsx with one sheet 'data' (and a shared-string table)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{ct}.worksheet+xml"/>'
            + (f'<Override PartName="/xl/sharedStrings.xml" '
               f'ContentType="{ct}.sharedStrings+xml"/>' if shared else "") + "</Types>",
        "_rels/.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="data" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            + (f'<Relationship Id="rId2" Type="{rel}/sharedStrings" '
               'Target="sharedStrings.xml"/>' if shared else "") + "</Relationships>",
        "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{sheet_rows}</sheetData>"
                                    "</worksheet>",
    }
    if shared:
        parts["xl/sharedStrings.xml"] = f"<sst {ns}>{shared}</sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


_HEADER = ('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c>'
           '<c r="B1" t="inlineStr"><is><t>a</t></is></c><c r="C1" t="inlineStr"><is><t>b'
           '</t></is></c><c r="D1" t="inlineStr"><is><t>c</t></is></c></row>')


def xlsx_stray_cell_far_below(d: Path) -> Path:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c>'
                   f'<c r="C{r}"><v>2</v></c><c r="D{r}"><v>3</v></c></row>'
                   for r in range(2, 302))
    rows += '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    (d / "f.xlsx").write_bytes(_workbook(_HEADER + rows))
    return d / "f.xlsx"


def xlsx_cells_zip_bomb(d: Path) -> Path:
    row = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"
    (d / "f.xlsx").write_bytes(_workbook(_HEADER + row * 90_000))   # 9M cells in 0.4 MB
    return d / "f.xlsx"


def xlsx_strings_bomb(d: Path) -> Path:
    rows = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>1</v></c></row>'
    (d / "f.xlsx").write_bytes(_workbook(_HEADER + rows, "<si><t>ab</t></si>" * 6_000_000))
    return d / "f.xlsx"


def sav_declaring_two_billion_cases(d: Path) -> Path:
    import pandas as pd
    import pyreadstat

    pyreadstat.write_sav(pd.DataFrame({"id": [1.0, 2.0], "a": [1.0, 2.0], "b": [2.0, 3.0],
                                       "c": [3.0, 4.0]}), str(d / "f.sav"))
    data = bytearray((d / "f.sav").read_bytes())
    data[80:84] = struct.pack("<i", 2**31 - 1)   # the header's case count
    (d / "f.sav").write_bytes(bytes(data))
    return d / "f.sav"


def csv_blank_lines(d: Path) -> Path:
    (d / "f.csv").write_text("id,a,b,c\n1,1,2,3\n" + "\n" * (19 * MB))
    return d / "f.csv"


def csv_blank_lines_then_data(d: Path) -> Path:
    (d / "f.csv").write_text("id,a,b,c\n1,1,2,3\n" + "\n" * (19 * MB) + "2,2,3,4\n")
    return d / "f.csv"


def csv_many_short_rows(d: Path) -> Path:
    (d / "f.csv").write_text("a,b,c\n" + "1,2,3\n" * (19 * MB // 6))
    return d / "f.csv"


def csv_rows_at_the_limit(d: Path) -> Path:
    from lospw.analysis.intake.readers import MAX_ROWS

    lines = ["id,a,b,c"] + [f"{i},{1 + i % 5},{1 + i * 3 % 5},{1 + i * 7 % 5}"
                            for i in range(MAX_ROWS)]
    (d / "f.csv").write_text("\n".join(lines) + "\n")
    return d / "f.csv"


def csv_short_distinct_texts(d: Path) -> Path:
    import random

    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    lines = ["id,a,b,c," + ",".join(f"t{j}" for j in range(46))]
    size = 0
    while size < 19 * MB:
        cells = [rng.choice(letters) + rng.choice(letters) for _ in range(46)]
        line = f"{len(lines)},1,2,3," + ",".join(cells)
        lines.append(line)
        size += len(line) + 1
    (d / "f.csv").write_text("\n".join(lines) + "\n")
    return d / "f.csv"


def csv_one_huge_cell(d: Path) -> Path:
    (d / "f.csv").write_text('id,t,a,b,c\n1,"' + "x" * (19 * MB) + '",1,2,3\n')
    return d / "f.csv"


def key_billion_categories(d: Path) -> Path:
    (d / "k.yaml").write_text("response_scale: {min: 1, max: 1000000000}\nscales: {S: [a]}\n")
    return d / "k.yaml"


def yaml_key_of_19_mb(d: Path) -> Path:
    items = ", ".join(f"i{k:07d}" for k in range(19 * MB // 10))
    (d / "k.yaml").write_text(f"response_scale: {{min: 1, max: 5}}\nscales: {{S: [{items}]}}\n")
    return d / "k.yaml"


def population_billion_respondents(d: Path) -> Path:
    good = (FIXTURES / "malformed" / "population" / "_good.yaml").read_text()
    key = FIXTURES / "malformed" / "population" / "_key.yaml"
    (d / "p.yaml").write_text(good.replace("n: 60", "n: 1000000000").replace(
        "key: _key.yaml", f"key: {key}"))
    return d / "p.yaml"


def delphi_ratings_of_19_mb(d: Path) -> Path:
    lines = ["round,panelist,item,relevance"]
    lines += [f"1,p{k},A,{1 + k % 4}" for k in range(19 * MB // 14)]
    (d / "r.csv").write_text("\n".join(lines) + "\n")
    return d / "r.csv"


def model_syntax_of_19_mb(d: Path) -> Path:
    (d / "m.lav").write_text("F =~ " + " + ".join(f"x{k}" for k in range(19 * MB // 10)))
    return d / "m.lav"


def xlsx_one_long_shared_string_in_many_cells(d: Path) -> Path:
    """One 1 MB text shown by 3,000 cells: 40 KB of workbook, 3 GB of text."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c>'
                   f'<c r="C{r}"><v>2</v></c><c r="D{r}"><v>3</v></c>'
                   f'<c r="E{r}" t="s"><v>0</v></c></row>' for r in range(2, 3002))
    header = _HEADER.replace("</row>", '<c r="E1" t="inlineStr"><is><t>note</t></is></c>'
                                       "</row>")
    (d / "f.xlsx").write_bytes(_workbook(header + rows, "<si><t>" + "y" * MB + "</t></si>"))
    return d / "f.xlsx"


def csv_long_free_text_cells(d: Path) -> Path:
    """Free text of 1 MB per cell without an @: a pattern search must not be quadratic."""
    text = "y" * MB
    (d / "f.csv").write_text("id,note,a,b,c\n" + "".join(f"{i},{text}{i},1,2,3\n"
                                                         for i in range(5)))
    return d / "f.csv"


def _intake(f: Path, d: Path) -> list:
    return ["intake", f, "--key", RESP_KEY, "--json"]


CASES: dict[str, tuple[Callable[[Path], Path], Callable[[Path, Path], list], int]] = {
    # name: (make the input, the command, the expected exit status)
    "xlsx_stray_cell_far_below": (xlsx_stray_cell_far_below, _intake, 2),
    "xlsx_cells_zip_bomb": (xlsx_cells_zip_bomb, _intake, 2),
    "xlsx_strings_bomb": (xlsx_strings_bomb, _intake, 2),
    "sav_declaring_two_billion_cases": (sav_declaring_two_billion_cases, _intake, 0),
    "csv_blank_lines": (csv_blank_lines, _intake, 0),
    "csv_blank_lines_then_data": (csv_blank_lines_then_data, _intake, 2),
    "csv_many_short_rows": (csv_many_short_rows, _intake, 2),
    "csv_rows_at_the_limit": (csv_rows_at_the_limit,
                              lambda f, d: ["intake", f, "--key", RESP_KEY, "--id", "id",
                                            "-o", d / "out"], 0),
    "csv_short_distinct_texts": (csv_short_distinct_texts, _intake, 0),
    "csv_one_huge_cell": (csv_one_huge_cell, _intake, 2),
    "xlsx_one_long_shared_string_in_many_cells": (xlsx_one_long_shared_string_in_many_cells,
                                                  _intake, 2),
    "csv_long_free_text_cells": (csv_long_free_text_cells,
                                 lambda f, d: ["intake", f, "--key", RESP_KEY, "-o",
                                               d / "out"], 0),
    "key_billion_categories": (key_billion_categories, lambda f, d: ["key", "check", f], 2),
    "yaml_key_of_19_mb": (yaml_key_of_19_mb, lambda f, d: ["key", "check", f], 2),
    "population_billion_respondents": (
        population_billion_respondents,
        lambda f, d: ["simulate", "fieldtest", "--population", f, "--seed", "1", "-o",
                      d / "out.csv"], 2),
    "delphi_ratings_of_19_mb": (delphi_ratings_of_19_mb,
                                lambda f, d: ["delphi", f, "-o", d / "out"], 2),
    "model_syntax_of_19_mb": (
        model_syntax_of_19_mb,
        lambda f, d: ["cfa", ROOT / "tests" / "data" / "holzinger_swineford_1939.csv",
                      "--model", f, "--estimator", "ML", "--json"], 2),
}
SLOW = {"csv_short_distinct_texts", "csv_many_short_rows", "delphi_ratings_of_19_mb",
        "csv_one_huge_cell", "csv_rows_at_the_limit"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in CASES])
def test_reader_stays_under_1_gb(name, tmp_path):
    make, command, expect = CASES[name]
    path = make(tmp_path)
    assert path.stat().st_size < 20 * MB
    r = run_capped(*command(path, tmp_path))
    assert "MemoryError" not in r["stderr"] and "Traceback" not in r["stderr"], r["stderr"]
    assert r["code"] == expect, r["stderr"]
    if expect == 2:
        assert len(r["stderr"].strip().splitlines()) == 1, r["stderr"]
    assert r["peak_mb"] < 1024, r["peak_mb"]
