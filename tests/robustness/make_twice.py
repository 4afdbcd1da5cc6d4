"""Run ``make clean && make all`` twice and compare every artifact byte for byte.

Usage (from the repository root; ``make repro`` runs it)::

    .venv/bin/python tests/robustness/make_twice.py [--out MANIFEST.json] [--target all]

Writes a manifest with the SHA-256 of every file under ``data/derived/`` and
``book/_build/html/`` after each run, lists the files that differ and exits 1 if any does
(0 when the two runs are byte-identical). Files that record how long a step took or the
machine it ran on have no place in an artifact, so nothing is excluded by default;
``--ignore`` takes glob patterns for files known to differ (each one is reported).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("data/derived", "book/_build/html")


def manifest() -> dict[str, str]:
    """Relative path -> SHA-256 of every artifact file."""
    out = {}
    for tree in TREES:
        base = ROOT / tree
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if p.is_file():
                out[p.relative_to(ROOT).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def build(target: str) -> float:
    start = time.monotonic()
    subprocess.run(["make", "clean"], cwd=ROOT, check=True)
    subprocess.run(["make", target], cwd=ROOT, check=True)
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="data/derived/repro_manifest.json",
                    help="where to write the manifest of both runs (JSON)")
    ap.add_argument("--target", default="all", help="the make target to build twice")
    ap.add_argument("--ignore", nargs="*", default=[], help="glob patterns not compared")
    args = ap.parse_args(argv)
    runs, seconds = [], []
    for _ in range(2):
        seconds.append(build(args.target))
        runs.append(manifest())
    first, second = runs
    names = sorted(set(first) | set(second))
    ignored = [n for n in names if any(fnmatch.fnmatch(n, g) for g in args.ignore)]
    differ = [n for n in names if n not in ignored and first.get(n) != second.get(n)]
    report = {
        "target": args.target, "trees": list(TREES), "n_files": len(names),
        "identical": not differ, "differ": differ, "ignored": ignored,
        "seconds": [round(s) for s in seconds],
        "files": {n: {"run1": first.get(n), "run2": second.get(n)} for n in names},
    }
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"make {args.target} twice: {len(names)} artifact files, "
          f"{len(differ)} differ, {len(ignored)} ignored; manifest {args.out}")
    for n in differ:
        print(f"  differs: {n}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
