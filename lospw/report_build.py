"""Build the report of a ``lospw analyze`` folder: ``lospw report DIR -o OUT``.

The chapter sources ship with the package (``lospw/book/``: Jupyter Book 1.x, MyST
notebooks that only read artifacts). A build

1. checks DIR (a complete ``lospw analyze`` run with its ``key.yaml``) and the optional
   development inputs (``--model``, ``--bank``, ``--delphi`` folders);
2. decides the chapters (:func:`plan`): the analysis chapters always; the invariance chapter
   only when the run named a group column, the aggregation chapter only when it named a
   cluster column; the model, item-bank and Delphi chapters only when their input is given.
   Nothing is filled with another instrument's content;
3. copies the sources into a temporary folder, writes ``_config.yml`` (title, authors),
   ``_toc.yml`` (the planned chapters), the title of the first page and ``report.json`` (what
   the chapters read through :mod:`lospw.report`: the folders and the metadata), and runs
   ``jupyter-book build --all --warningiserror --nitpick`` offline;
4. writes the HTML into OUT through :func:`lospw.analysis.core.outdir.output_folder` (locked,
   built aside, swapped in whole; a folder holding files lospw did not write is refused).

The title is ``--title``, else the key's ``title``, else "<instrument>: validation report";
the authors are ``--author`` (repeatable), else the key's ``authors``. Every user string is
escaped before it reaches Markdown (:mod:`lospw.report_text`); ``_config.yml`` is written by
the YAML dumper, and Sphinx escapes the title and author in the HTML.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import output_folder
from lospw.analysis.pipeline.manifest import require_complete
from lospw.report_text import md_escape

__all__ = ["BOOK", "Chapter", "ReportInputs", "build_report", "plan", "report_meta"]

log = logging.getLogger(__name__)

#: The chapter sources shipped with the package.
BOOK = Path(__file__).resolve().parent / "book"
_TITLE_MARK = "{{ report_title }}"


@dataclass(frozen=True)
class Chapter:
    """One page of the report: its file (without ``.md``) and the part it belongs to."""

    file: str
    part: str


@dataclass(frozen=True)
class ReportInputs:
    """What a report is built from.

    Parameters
    ----------
    results : Path
        The ``lospw analyze -o`` folder.
    model, bank, delphi : Path or None
        Folders of the development stages: ``model.json`` (LOS-PW's model), the item-bank
        exports (``validate.json``, ``codebook.csv``), a ``lospw delphi -o`` folder.
    title : str or None
        Overrides the key's ``title``.
    authors : tuple of str
        Override the key's ``authors`` when not empty.
    """

    results: Path
    model: Path | None = None
    bank: Path | None = None
    delphi: Path | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()

    @property
    def given(self) -> dict[str, Path]:
        """The development inputs given, kind -> folder."""
        return {k: v for k, v in (("model", self.model), ("bank", self.bank),
                                  ("delphi", self.delphi)) if v is not None}


# What a development input must hold (kind -> files), checked before the build.
_NEEDS = {"model": ("model.json",), "bank": ("validate.json", "codebook.csv"),
          "delphi": ("summary.json", "rounds.csv", "items.csv", "final.csv", "key.yaml")}


def _check_inputs(inputs: ReportInputs) -> dict[str, Any]:
    """Refuse a folder that is not a complete ``lospw analyze`` run; return its provenance."""
    res = inputs.results
    if not res.is_dir():
        raise InputError(f"{res.as_posix()} is not a folder; give the output folder of "
                         "lospw analyze (lospw analyze DATA --key KEY -o DIR).")
    if not (res / "manifest.json").is_file():
        raise InputError(f"{res.as_posix()} has no manifest.json, so it is not a lospw analyze "
                         "output folder; give the folder of lospw analyze -o DIR.")
    require_complete(res)
    for name in ("key.yaml", "provenance.json"):
        if not (res / name).is_file():
            raise InputError(f"{res.as_posix()} lacks {name}; rerun lospw analyze into a new "
                             "folder.")
    for kind, folder in inputs.given.items():
        missing = [f for f in _NEEDS[kind] if not (folder / f).is_file()]
        if missing:
            raise InputError(f"--{kind} {folder.as_posix()} lacks {', '.join(missing)}; give "
                             f"the folder that holds {', '.join(_NEEDS[kind])}.")
    try:
        return json.loads((res / "provenance.json").read_text(encoding="utf-8"))
    except ValueError:
        raise InputError(f"{res.as_posix()}/provenance.json is not valid JSON; rerun lospw "
                         "analyze into a new folder.") from None


def plan(options: dict[str, Any], given: Sequence[str]) -> list[Chapter]:
    """The chapters of a report, in order.

    Parameters
    ----------
    options : dict
        The run's options (``provenance.json``: ``options``); ``group`` and ``cluster``
        decide the invariance and aggregation chapters.
    given : sequence of str
        The development inputs given (``model``, ``bank``, ``delphi``).

    Examples
    --------
    >>> [c.file for c in plan({"group": None, "cluster": None}, [])][:3]
    ['chapters/verdict', 'chapters/sample', 'chapters/missing']
    >>> "chapters/invariance" in [c.file for c in plan({"group": "role"}, [])]
    True
    >>> [c.file for c in plan({}, ["delphi"]) if c.part == "Development"]
    ['chapters/delphi']
    """
    out = [Chapter("chapters/verdict", "Bottom line")]
    out += [Chapter(f"chapters/{k}", "Development") for k in ("model", "bank", "delphi")
            if k in given]
    field = ["sample", "missing", "items", "reliability", "dimensionality", "cfa",
             "fit_reliability"]
    if options.get("group"):
        field.append("invariance")
    field += ["validity", "reduction"]
    out += [Chapter(f"chapters/{c}", "Analysis") for c in field]
    out.append(Chapter("chapters/scoring", "Use"))
    if options.get("cluster"):
        out.append(Chapter("chapters/aggregation", "Use"))
    out += [Chapter(f"chapters/{c}", "Appendices") for c in
            ("codebook", "lavaan", "provenance", "provenance_analysis")]
    return out


def report_meta(key: Any, inputs: ReportInputs) -> dict[str, Any]:
    """The report's metadata from the key and the options (see :func:`lospw.report.meta`).

    Reads the key's optional ``title``, ``authors`` and per-scale ``label`` when the key
    format has them; ``--title`` / ``--author`` take precedence.
    """
    title = inputs.title or getattr(key, "title", None) or \
        f"{key.instrument}: validation report"
    authors = list(inputs.authors) or [str(a) for a in (getattr(key, "authors", None) or ())]
    return {
        "title": str(title),
        "authors": authors,
        "description": getattr(key, "description", None),
        "instrument": key.instrument,
        "version": key.version,
        "n_items": key.n_items,
        "scales": [{"name": s.name, "label": getattr(s, "label", None), "n_items": len(s),
                    "direction": getattr(s, "direction", None)} for s in key.scales],
        "higher_order": {g: list(m) for g, m in key.higher_order},
    }


def _toc(chapters: Sequence[Chapter]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for c in chapters:
        if not parts or parts[-1]["caption"] != c.part:
            parts.append({"caption": c.part, "chapters": []})
        parts[-1]["chapters"].append({"file": c.file})
    return {"format": "jb-book", "root": "intro", "parts": parts}


def _config(meta: dict[str, Any]) -> dict[str, Any]:
    conf = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    conf["title"] = meta["title"]
    conf["author"] = ", ".join(meta["authors"]) if meta["authors"] else ""
    return conf


def _write_sources(work: Path, chapters: Sequence[Chapter], meta: dict[str, Any],
                   config: dict[str, Any]) -> Path:
    src = work / "book"
    src.mkdir()
    for part in ("_ext", "_static"):
        shutil.copytree(BOOK / part, src / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (src / "chapters").mkdir()
    for c in chapters:
        shutil.copyfile(BOOK / f"{c.file}.md", src / f"{c.file}.md")
    intro = (BOOK / "intro.md").read_text(encoding="utf-8")
    (src / "intro.md").write_text(intro.replace(_TITLE_MARK, md_escape(meta["title"])),
                                  encoding="utf-8")
    dump = {"sort_keys": False, "allow_unicode": True}
    (src / "_config.yml").write_text(yaml.safe_dump(_config(meta), **dump), encoding="utf-8")
    (src / "_toc.yml").write_text(yaml.safe_dump(_toc(chapters), **dump), encoding="utf-8")
    (src / "report.json").write_text(json.dumps(config, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
    return src


_JB = ("import sys; from jupyter_book.cli.main import main; sys.argv[0] = 'jupyter-book'; "
       "sys.exit(main())")


def _jupyter_book(src: Path, config: Path) -> None:
    env = {**os.environ, "LOSPW_REPORT": str(config)}
    env.pop("LOSPW_ANALYSIS", None)
    env.pop("LOSPW_DERIVED", None)
    done = subprocess.run(
        [sys.executable, "-c", _JB, "build", "--all", "--warningiserror", "--nitpick",
         "--keep-going", "--quiet", str(src)],
        capture_output=True, text=True, env=env, cwd=src, check=False)
    if done.returncode != 0:
        lines = [ln for ln in (done.stdout + done.stderr).splitlines() if ln.strip()]
        first = next((ln for ln in lines if "rror" in ln or "WARNING" in ln),
                     lines[-1] if lines else "no output")
        for ln in lines[-40:]:
            log.error("%s", ln)
        raise InputError(f"The report could not be built (jupyter-book: "
                         f"{' '.join(first.split())[:300]}; the last lines of its log are "
                         "above). Check that the folder is a complete lospw analyze run of "
                         "this lospw version.")


def build_report(inputs: ReportInputs, out: str | Path) -> dict[str, Any]:
    """Build the report of ``inputs.results`` into the folder ``out`` (``out/index.html``).

    Returns
    -------
    dict
        ``title``, ``chapters`` (files), ``out``.

    Raises
    ------
    InputError
        DIR is not a complete ``lospw analyze`` folder, a development input lacks its
        files, the output folder cannot be written safely, or the build failed.
    """
    prov = _check_inputs(inputs)
    key = load_key(inputs.results / "key.yaml")
    meta = report_meta(key, inputs)
    chapters = plan(prov.get("options") or {}, list(inputs.given))
    meta["chapters"] = [c.file for c in chapters]
    config = {"analysis": str(inputs.results.resolve()),
              "inputs": {k: str(v.resolve()) for k, v in inputs.given.items()},
              "meta": meta}
    with output_folder(out, command="report",
                       inputs=[inputs.results, *inputs.given.values()]) as tmp, \
            tempfile.TemporaryDirectory(prefix="lospw-report-") as work:
        src = _write_sources(Path(work), chapters, meta, config)
        _jupyter_book(src, src / "report.json")
        shutil.copytree(src / "_build" / "html", tmp, dirs_exist_ok=True)
    return {"title": meta["title"], "chapters": meta["chapters"], "out": Path(out).as_posix()}
