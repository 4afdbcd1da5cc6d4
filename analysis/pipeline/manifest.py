"""The manifest of a ``lospw analyze`` folder: every stage and every artifact with its
SHA-256, and the check that a folder holds a complete run (see :mod:`lospw.analysis.pipeline.runner`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import sha256_file, write_json
from lospw.analysis.core.errors import InputError
from lospw.analysis.pipeline.context import Context, Stage, StageRecord

__all__ = ["MANIFEST_FORMAT", "enclosing_run", "legacy_run", "manifest", "require_complete",
           "write_manifest"]

MANIFEST_FORMAT = "lospw-analysis/2"


# -- the manifest file ---------------------------------------------------------------------------
def manifest(ctx: Context, stages: Sequence[Stage], records: Sequence[StageRecord],
             complete: bool = True) -> dict[str, Any]:
    """The manifest of the files under ``ctx.outdir`` (manifest.json itself excluded).

    ``complete`` is False in the manifest the verdict stage reads and True in the last one.
    """
    by_name = {s.name: s for s in stages}
    artifacts = []
    for p in sorted(ctx.outdir.rglob("*")):
        if not p.is_file() or (p.name == "manifest.json" and p.parent == ctx.outdir):
            continue
        rel = p.relative_to(ctx.outdir).as_posix()
        top = rel.split("/", 1)[0] if "/" in rel else None
        stage = by_name.get(top) if top else None
        artifacts.append({
            "path": rel,
            "stage": stage.name if stage else "run",
            "sha256": sha256_file(p),
            "estimator": ctx.options.estimator if stage and stage.uses_estimator else None,
            "seed": ctx.options.seed if stage and stage.uses_seed else None,
        })
    return {
        "format": MANIFEST_FORMAT,
        "complete": complete,
        "instrument": ctx.key.instrument,
        "synthetic": ctx.synthetic,
        "estimator": ctx.options.estimator,
        "missing": ctx.options.missing,
        "seed": ctx.options.seed,
        "stages": [r.to_dict() for r in records],
        "artifacts": artifacts,
    }


def write_manifest(ctx: Context, stages: Sequence[Stage], records: Sequence[StageRecord],
                   complete: bool = True) -> Path:
    return write_json(manifest(ctx, stages, records, complete), ctx.outdir / "manifest.json")


def legacy_run(folder: Path) -> Callable[[str], bool] | None:
    """The files of a run of lospw analyze before output records (manifest format 1)."""
    try:
        man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        listed = {str(a["path"]): str(a["sha256"]) for a in man["artifacts"]}
        ok = man["format"] == "lospw-analysis/1"
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not ok:
        return None

    def ours(rel: str) -> bool:
        if rel == "manifest.json":
            return True
        return rel in listed and sha256_file(folder / rel) == listed[rel]
    return ours


def require_complete(folder: str | Path) -> None:
    """Refuse a ``lospw analyze`` folder whose manifest does not say ``complete: true``.

    Every reader of a run folder (the book, ``lospw score --scheme DIR/scoring/scheme.json``
    ...) calls this first: an interrupted run, or one of an older lospw, is not read as if
    it were complete.

    Raises
    ------
    InputError
        No manifest.json, or one without ``complete: true``.
    """
    folder = Path(folder)
    man = folder / "manifest.json"
    try:
        data = json.loads(man.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("complete") is not True:
        state = ("has no readable manifest.json" if data is None else
                 "is not a complete run (its manifest.json lacks complete: true: the run "
                 "was interrupted, or written by an older lospw)")
        raise InputError(f"{folder.as_posix()} {state}. Run lospw analyze -o "
                         f"{folder.as_posix()} again.")


def enclosing_run(path: str | Path) -> Path | None:
    """The ``lospw analyze`` folder a file lies in (up to three levels up), or None."""
    p = Path(path).absolute()
    for folder in list(p.parents)[:3]:
        man = folder / "manifest.json"
        if man.is_file():
            try:
                data = json.loads(man.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            fmt = data.get("format") if isinstance(data, dict) else None
            return folder if isinstance(fmt, str) and fmt.startswith("lospw-analysis/") \
                else None
    return None


