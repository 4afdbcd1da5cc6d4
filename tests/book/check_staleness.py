"""Acceptance check of the report on fresh clones: one changed response reaches the book,
and nothing is stale.

Run ``python tests/book/check_staleness.py [--repo PATH] [--workdir DIR]`` (slow: three full
``make all`` runs, each on a fresh clone with its own .venv). It

1. clones the repository (default: this one's committed HEAD) and times ``make all``; the
   report must be at ``book/_build/html/index.html`` and the README must name that path;
2. checks that a second ``make all`` has nothing to do (``make -q``);
3. changes one answer in ``data/raw/fieldtest/responses.csv`` (an analysed respondent's
   first item, to another category) and reruns ``make all``: the analysis and the report must
   be rebuilt and the pages whose numbers depend on it must change;
4. makes a second fresh clone (of the same commit) with the same change and runs ``make
   all`` from scratch: every
   artifact under ``data/derived`` must be byte-identical to the incremental build's, and
   every page's visible text the same — nothing in the incremental build is stale. It
   reports how many HTML files are byte-identical too (Sphinx embeds build-dependent
   details, so that is information, not a requirement).

Exit status 0 when every check passes; a summary is printed (and written as JSON with
``--json FILE``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BOOK = Path("book/_build/html")
RAW = Path("data/raw/fieldtest/responses.csv")
ANALYSED = Path("data/derived/analysis/screening/responses.csv")


def run(cmd: list[str], cwd: Path, log: Path) -> float:
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def clone(repo: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run(["git", "clone", "-q", str(repo), str(dest)], check=True)
    return dest


def hashes(root: Path, sub: Path) -> dict[str, str]:
    base = root / sub
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(base.rglob("*")) if p.is_file()}


_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def page_text(path: Path) -> str:
    """The visible text of a built page's article (tags, scripts and styles removed)."""
    doc = path.read_text(encoding="utf-8")
    start, end = doc.find("<article"), doc.rfind("</article>")
    body = doc[start:end] if start >= 0 and end > start else doc
    return " ".join(html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", body))).split())


def pages(root: Path) -> dict[str, str]:
    return {p.relative_to(root / BOOK).as_posix(): page_text(p)
            for p in sorted((root / BOOK).rglob("*.html"))
            if "_static" not in p.parts and p.name not in ("genindex.html", "search.html")}


def change_one_answer(root: Path) -> dict[str, object]:
    """Change the first item of the first analysed respondent to another category."""
    analysed = list(csv.DictReader((root / ANALYSED).open(encoding="utf-8")))
    raw_path = root / RAW
    with raw_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    key_items = [c for c in header if c in analysed[0] and c not in
                 ("respondent", "row", "respondent_id", "workplace", "stakeholder",
                  "interviewtime")]
    for rec in analysed:
        line = int(rec["row"])  # data row number in the raw file (header = row 0 here)
        for item in key_items:
            col = header.index(item)
            old = rows[line][col]
            if old in ("1", "2", "3", "4", "5") and rec[item] not in ("", None):
                assert float(rec[item]) == float(old), "the row numbers do not line up"
                new = "1" if old in ("4", "5") else "5"
                rows[line][col] = new
                with raw_path.open("w", encoding="utf-8", newline="") as f:
                    csv.writer(f, lineterminator="\n").writerows(rows)
                return {"respondent": rec["respondent"], "raw_row": line, "item": item,
                        "old": old, "new": new}
    raise SystemExit("no analysed answer found to change")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[2])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/lospw-staleness"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    log = work / "make.log"
    log.write_text("", encoding="utf-8")
    out: dict[str, object] = {"repo": str(args.repo)}
    checks: dict[str, bool] = {}

    a = clone(args.repo, work / "a")
    out["fresh_clone_make_all_seconds"] = round(run(["make", "all"], a, log), 1)
    checks["report at book/_build/html/index.html"] = (a / BOOK / "index.html").is_file()
    checks["README names the report"] = "book/_build/html/index.html" in (
        a / "README.md").read_text(encoding="utf-8")
    # the report depends on every stage, so "up to date" means nothing is left to do
    checks["second make all has nothing to do"] = subprocess.run(
        ["make", "-q", str(BOOK / "index.html")], cwd=a, capture_output=True).returncode == 0
    before_art, before_pages = hashes(a, Path("data/derived")), pages(a)

    change = change_one_answer(a)
    out["change"] = change
    out["incremental_make_all_seconds"] = round(run(["make", "all"], a, log), 1)
    after_art, after_pages = hashes(a, Path("data/derived")), pages(a)
    changed_art = sorted(k for k in after_art if before_art.get(k) != after_art[k])
    changed_pages = sorted(k for k in after_pages if before_pages.get(k) != after_pages[k])
    out["artifacts_changed"] = len(changed_art)
    out["pages_changed"] = changed_pages
    checks["the analysis was rerun"] = any(k.startswith("data/derived/analysis/")
                                          for k in changed_art)
    checks["report pages changed"] = bool(changed_pages)

    b = clone(a, work / "b")  # the same commit as a (the repository may have moved on)
    shutil.copyfile(a / RAW, b / RAW)
    out["from_scratch_make_all_seconds"] = round(run(["make", "all"], b, log), 1)
    scratch_art, scratch_pages = hashes(b, Path("data/derived")), pages(b)
    stale_art = sorted(k for k in set(after_art) | set(scratch_art)
                       if after_art.get(k) != scratch_art.get(k))
    stale_pages = sorted(k for k in set(after_pages) | set(scratch_pages)
                         if after_pages.get(k) != scratch_pages.get(k))
    out["artifacts_differing_from_scratch"] = stale_art
    out["pages_differing_from_scratch"] = stale_pages
    checks["no stale artifact"] = not stale_art
    checks["no stale page"] = not stale_pages
    html_a, html_b = hashes(a, BOOK), hashes(b, BOOK)
    same = [k for k in html_a if html_a[k] == html_b.get(k)]
    out["html_files_byte_identical"] = f"{len(same)} of {len(html_a)}"
    out["html_files_differing"] = sorted(k for k in html_a if html_a[k] != html_b.get(k))[:20]
    out["checks"] = checks
    text = json.dumps(out, indent=2, sort_keys=True)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
