"""Helpers for the report (book/): read pipeline artifacts; never compute a result.

Chapters call ``load_json("model/model.json")`` etc. The artifacts live in ``data/derived``
(or in the folder named by ``$LOSPW_DERIVED``, e.g. one written by ``lospw analyze``). A
missing artifact raises :class:`MissingArtifact`, whose message names the make target that
writes it, so the book build fails with that message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

__all__ = ["ANALYSIS", "DERIVED", "MissingArtifact", "analysis_path", "load_analysis_csv",
           "load_analysis_json", "load_csv", "load_json", "path"]

ROOT = Path(__file__).resolve().parents[1]
DERIVED = Path(os.environ.get("LOSPW_DERIVED", ROOT / "data" / "derived"))
# The output folder of `lospw analyze` (DESIGN.md, "Artifacts of lospw analyze"): the demo's
# by default, any other run with LOSPW_ANALYSIS=DIR (`make book RESULTS=DIR`).
ANALYSIS = Path(os.environ.get("LOSPW_ANALYSIS", DERIVED / "analysis"))

# Which make target writes which folder of artifacts.
TARGETS = {
    "model": "make data",
    "bank": "make data",
    "fieldtest": "make data",
    "delphi": "make delphi",
    "analysis": "make analysis",
}


class MissingArtifact(RuntimeError):
    """An artifact the chapter needs does not exist: run the named make target."""


def path(rel: str) -> Path:
    p = DERIVED / rel
    if not p.exists():
        target = TARGETS.get(Path(rel).parts[0], "make all")
        raise MissingArtifact(
            f"missing artifact {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: "
            f"run `{target}` first."
        )
    return p


def load_json(rel: str):
    return json.loads(path(rel).read_text(encoding="utf-8"))


def load_csv(rel: str) -> pd.DataFrame:
    return pd.read_csv(path(rel))


def analysis_path(rel: str) -> Path:
    """An artifact of the analysis run, e.g. ``analysis_path("cfa/fits.json")``."""
    p = ANALYSIS / rel
    if not p.exists():
        how = ("`make analysis`" if "LOSPW_ANALYSIS" not in os.environ
               else f"`lospw analyze ... -o {ANALYSIS}`")
        raise MissingArtifact(f"missing artifact {rel} in {ANALYSIS}: run {how} first "
                              "(see its manifest.json for stages that were skipped).")
    return p


def load_analysis_json(rel: str):
    return json.loads(analysis_path(rel).read_text(encoding="utf-8"))


def load_analysis_csv(rel: str) -> pd.DataFrame:
    return pd.read_csv(analysis_path(rel))
