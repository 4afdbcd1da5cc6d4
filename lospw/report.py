"""Helpers for the report (lospw/book/): read pipeline artifacts; never compute a result.

``lospw report DIR -o OUT`` (:mod:`lospw.report_build`) builds the report of one ``lospw
analyze`` folder and writes what the chapters need into a JSON file named by
``$LOSPW_REPORT``: the analysis folder, the optional inputs of the development stages
(``--model``, ``--bank``, ``--delphi`` folders) and the report's metadata (title, authors,
the key's instrument, scales and higher-order groups). The chapters read the analysis
artifacts with ``load_analysis_json`` / ``load_analysis_csv`` and the development inputs with
``load_json("delphi/summary.json")`` etc.; :func:`has` says whether an input was given and
:func:`meta` gives the metadata. Without ``$LOSPW_REPORT`` (a chapter run by hand in the
repository) the artifacts are read from ``data/derived`` (``$LOSPW_DERIVED``) and
``$LOSPW_ANALYSIS`` (default ``data/derived/analysis``).

A missing artifact raises :class:`MissingArtifact`, whose message names what writes it, so
the book build fails with that message. A stage of ``lospw analyze`` that was skipped or
failed is not an error: :func:`stage` returns its manifest record and the chapter says why.
A run whose manifest lacks ``complete: true`` (interrupted, or of an older lospw) is refused.

CSV artifacts are written with spreadsheet formulas neutralised (a leading ``'`` before
``=``, ``+``, ``-``, ``@``; :mod:`lospw.analysis.core.artifacts`); :func:`load_csv` undoes that so the
report shows ``=~`` as lavaan writes it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note
from lospw.analysis.pipeline.manifest import require_complete
from lospw.report_text import md_escape

__all__ = ["ANALYSIS", "CONFIG_ENV", "DERIVED", "INPUTS", "DataNote", "MissingArtifact",
           "StageRecord", "analysis_path", "criteria", "fit_value", "has", "load_analysis_csv",
           "load_analysis_json", "load_analysis_text", "load_csv", "load_json", "load_text",
           "meta", "note", "path", "stage"]

ROOT = Path(__file__).resolve().parents[1]
#: The environment variable naming the build's JSON (written by :mod:`lospw.report_build`).
CONFIG_ENV = "LOSPW_REPORT"
#: The kinds of development input a chapter may read (``--model``, ``--bank``, ``--delphi``).
INPUT_KINDS = ("model", "bank", "delphi")


def _read_config() -> dict[str, Any]:
    given = os.environ.get(CONFIG_ENV)
    return json.loads(Path(given).read_text(encoding="utf-8")) if given else {}


CONFIG: dict[str, Any] = _read_config()
DERIVED = Path(os.environ.get("LOSPW_DERIVED", ROOT / "data" / "derived"))
# The output folder of `lospw analyze` (DESIGN.md, "Artifacts of lospw analyze").
ANALYSIS = Path(CONFIG["analysis"]) if "analysis" in CONFIG else Path(
    os.environ.get("LOSPW_ANALYSIS", DERIVED / "analysis"))
#: kind -> folder of each development input given to the build (all of data/derived's
#: without $LOSPW_REPORT).
INPUTS: dict[str, Path] = ({k: Path(v) for k, v in CONFIG.get("inputs", {}).items()}
                           if CONFIG else {k: DERIVED / k for k in INPUT_KINDS})

# Which make target writes which folder of artifacts.
TARGETS = {
    "model": "make data",
    "bank": "make data",
    "fieldtest": "make data",
    "delphi": "make delphi",
    "analysis": "make analysis",
}
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


class MissingArtifact(RuntimeError):
    """An artifact the chapter needs does not exist: run the named make target."""


def _shown(p: Path) -> str:
    return p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else p.as_posix()


def has(kind: str) -> bool:
    """Whether the build was given the development input ``kind`` (model, bank, delphi)."""
    return kind in INPUTS


def meta() -> dict[str, Any]:
    """The report's metadata: ``title``, ``authors``, ``description``, ``instrument``,
    ``version``, ``scales`` (``[{name, label, n_items}]``), ``higher_order``, ``chapters``
    (empty without ``$LOSPW_REPORT``)."""
    return dict(CONFIG.get("meta", {}))


def path(rel: str) -> Path:
    """A development input, e.g. ``"bank/codebook.csv"``: the file in the folder given for
    its kind (``lospw report --bank DIR``; ``data/derived/bank`` without ``$LOSPW_REPORT``)."""
    kind, _, rest = rel.partition("/")
    if not CONFIG:
        p = DERIVED / rel
        if not p.exists():
            raise MissingArtifact(f"missing artifact {_shown(p)}: run "
                                  f"`{TARGETS.get(kind, 'make all')}` first.")
        return p
    if kind not in INPUTS:
        raise MissingArtifact(f"the report was built without --{kind}, so {rel} cannot be "
                              f"read: give lospw report --{kind} DIR.")
    p = INPUTS[kind] / rest
    if not p.exists():
        raise MissingArtifact(f"missing artifact {rest} in the folder given as --{kind} "
                              f"({_shown(INPUTS[kind])}).")
    return p


def _rerun() -> str:
    return ("`make analysis`" if "LOSPW_ANALYSIS" not in os.environ and not CONFIG
            else f"`lospw analyze ... -o {_shown(ANALYSIS)}`")


_COMPLETE: set[Path] = set()


def _require_complete_run() -> None:
    """The analysis folder must be a complete run (``complete: true`` in its manifest)."""
    if ANALYSIS in _COMPLETE or not (ANALYSIS / "manifest.json").exists():
        return

    try:
        require_complete(ANALYSIS)
    except InputError:
        raise MissingArtifact(
            f"{_shown(ANALYSIS)} is not a complete lospw analyze run (its manifest.json "
            "lacks complete: true: the run was interrupted or written by an older lospw): "
            f"run {_rerun()} again.") from None
    _COMPLETE.add(ANALYSIS)


def analysis_path(rel: str) -> Path:
    """An artifact of the analysis run, e.g. ``analysis_path("cfa/fits.json")``.

    The run must be complete (``complete: true`` in its ``manifest.json``), else
    :class:`MissingArtifact` says to rerun it.
    """
    _require_complete_run()
    p = ANALYSIS / rel
    if not p.exists():
        raise MissingArtifact(f"missing artifact {rel} in {_shown(ANALYSIS)}: run {_rerun()} "
                              "first (see its manifest.json for stages that were skipped).")
    return p


def _read_csv(p: Path) -> pd.DataFrame:
    frame = pd.read_csv(p, keep_default_na=True)
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(
                lambda v: v[1:] if isinstance(v, str) and v.startswith(_NEUTRALISED) else v)
    frame.columns = [c[1:] if isinstance(c, str) and c.startswith(_NEUTRALISED) else c
                     for c in frame.columns]
    return frame


def load_json(rel: str) -> Any:
    return json.loads(path(rel).read_text(encoding="utf-8"))


def load_csv(rel: str) -> pd.DataFrame:
    return _read_csv(path(rel))


def load_text(rel: str) -> str:
    return path(rel).read_text(encoding="utf-8")


def load_analysis_json(rel: str) -> Any:
    return json.loads(analysis_path(rel).read_text(encoding="utf-8"))


def load_analysis_csv(rel: str) -> pd.DataFrame:
    return _read_csv(analysis_path(rel))


def load_analysis_text(rel: str) -> str:
    return analysis_path(rel).read_text(encoding="utf-8")


@dataclass(frozen=True)
class StageRecord:
    """How a stage of ``lospw analyze`` ended (its entry in ``manifest.json``)."""

    name: str
    status: str
    reason: str | None
    warnings: tuple[Note, ...]

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def stage(name: str) -> StageRecord:
    """The manifest's record of stage ``name`` (status ok / skipped / failed and why)."""
    manifest = load_analysis_json("manifest.json")
    for rec in manifest["stages"]:
        if rec["name"] == name:
            return StageRecord(name, rec["status"], rec.get("reason"),
                               tuple(Note.from_dict(w) for w in rec.get("warnings") or ()))
    return StageRecord(name, "not run", "this version of lospw analyze has no such stage", ())


@dataclass(frozen=True)
class DataNote:
    """Where a table's or figure's numbers come from, and whether those data are synthetic."""

    synthetic: bool
    source: str

    @property
    def label(self) -> str:
        """The short stamp for figures ("SYNTHETIC DATA"), empty for real data."""
        return "SYNTHETIC DATA" if self.synthetic else ""

    @property
    def caption(self) -> str:
        """The sentence that ends every caption (Markdown; the source, a user's text, escaped)."""

        src = md_escape(self.source.rstrip(". "))
        if self.synthetic:
            return f"**SYNTHETIC DATA**: {src}."
        return f"Data: {src}."


def note(kind: str) -> DataNote:
    """The data note of a kind of artifact: ``"delphi"`` (the panel) or ``"analysis"``.

    Synthetic-ness is read from the artifacts: the Delphi run's label (``lospw delphi
    --label``) and the analysis run's ``provenance.json`` (``synthetic`` and its evidence).
    """
    if kind == "delphi":
        summary = load_json("delphi/summary.json")
        label = summary.get("label") or ""
        files = ", ".join(Path(i["file"]).name for i in summary.get("inputs", []))
        return DataNote("synthetic" in label.lower(), label or f"Delphi ratings {files}")
    if kind == "analysis":
        prov = load_analysis_json("provenance.json")
        synthetic = bool(prov.get("synthetic"))
        src = f"{prov['data']['file']}, analysed by lospw analyze"
        if synthetic:
            src += "; the numbers illustrate the method and are not evidence about the instrument"
        return DataNote(synthetic, src)
    raise ValueError(f"unknown kind of data {kind!r}; use 'delphi' or 'analysis'")


def criteria() -> dict[str, Any]:
    """The criteria the analysis's verdict used (``verdict/criteria.yaml``), as a mapping."""
    return yaml.safe_load(load_analysis_text("verdict/criteria.yaml"))


def fit_value(fit: dict[str, Any], name: str, estimator: str) -> tuple[float | None, str]:
    """A fit measure as the analysis reports it for ``estimator``, and the name used.

    With a robust estimator (MLR, WLSMV) the robust version (``cfi_robust``) is preferred,
    then the scaled one (``cfi_scaled``), then the standard one, as lavaan's
    ``fitMeasures()`` names them; with ML the standard one. ``srmr``, ``aic`` and ``bic``
    have no robust version.

    Examples
    --------
    >>> fit_value({"cfi": 0.9, "cfi_robust": 0.92}, "cfi", "MLR")
    (0.92, 'cfi_robust')
    >>> fit_value({"cfi": 0.9, "cfi_robust": 0.92}, "cfi", "ML")
    (0.9, 'cfi')
    """
    names = [name]
    if estimator != "ML":
        if name in ("chisq", "df", "pvalue"):
            names = [f"{name}_scaled", name]
        elif name.startswith("rmsea_ci_"):
            names = [f"{name}_robust", f"{name}_scaled", name]
        elif name in ("cfi", "tli", "rmsea"):
            names = [f"{name}_robust", f"{name}_scaled", name]
    for n in names:
        v = fit.get(n)
        if v is not None and not (isinstance(v, float) and v != v):
            return v, n
    return None, names[-1]
