"""The whole validation of an instrument in one run: stages, artifacts and a manifest.

``lospw analyze`` calls :func:`run_analysis`. Each stage (:data:`lospw.analysis.pipeline.stages.STAGES`) is
a small :class:`Stage`: a ``run`` function from the :class:`Context` (the options, the key,
the results of earlier stages) to a typed result, and a ``write`` function that saves that
result under ``DIR/<stage>/`` with :mod:`lospw.analysis.core.artifacts` (deterministic JSON / CSV, no
timestamps, no absolute paths, respondent ids pseudonymised).

A stage that cannot run does not stop the others. It ends as

``ok``
    ran and wrote its artifacts (its warnings are listed by code);
``skipped``
    could not run: its module is not part of this version, an option it needs was not
    given, a stage it needs did not run, or its data do not allow it (e.g. a group too
    small for invariance); the reason is recorded;
``failed``
    raised an error: an anticipated one (a :class:`~lospw.analysis.core.errors.LospwError`, e.g. a fit
    that cannot be computed) with its message, or an unexpected one with the exception type
    and message. The traceback goes to the log (``--debug``), not to the artifacts.

Only bad input to the run as a whole (the data file, the key, the criteria, an unknown
column) stops it, with one line and exit status 2, before anything is written.

``DIR/manifest.json`` lists every stage (status, reason, warnings) and every artifact (path
relative to DIR, stage, SHA-256, the estimator and the seed it depends on, or null). The
last one written says ``complete: true``; readers of DIR refuse a manifest without it
(:func:`require_complete`). Timings are shown on the terminal and in the ``--json``
summary, never in the artifacts: a rerun is byte-identical.

DIR is written through :func:`lospw.analysis.core.outdir.output_folder`: the run holds a lock on DIR,
writes into a hidden sibling folder and replaces DIR with it in one step at the end, so an
error, Ctrl-C or a second run into the same DIR never leaves a half-written or mixed folder,
and a folder holding anything lospw analyze did not write is refused, never emptied.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import sha256_file, write_json
from lospw.analysis.core.criteria import Criteria
from lospw.analysis.core.errors import InputError, LospwError, LospwWarning
from lospw.analysis.core.key import Key
from lospw.analysis.core.outdir import output_folder

__all__ = [
    "ESTIMATORS",
    "MANIFEST_FORMAT",
    "MISSING_POLICIES",
    "SCREEN_MODES",
    "STATUSES",
    "AnalysisOptions",
    "Context",
    "RunSummary",
    "Stage",
    "StageRecord",
    "StageSkipped",
    "enclosing_run",
    "require_complete",
    "run_analysis",
    "run_stages",
    "warning_codes",
]

log = logging.getLogger(__name__)

MANIFEST_FORMAT = "lospw-analysis/2"
STATUSES = ("ok", "skipped", "failed")
ESTIMATORS = ("ML", "MLR", "WLSMV")
#: ``listwise``: complete cases everywhere. ``fiml``: all available data: full-information
#: ML in the CFA-based stages (ML / MLR), pairwise-complete covariances in reliability and
#: EFA. HTMT uses complete cases in both (as semTools).
MISSING_POLICIES = ("listwise", "fiml")
SCREEN_MODES = ("flag", "exclude", "off")
NOT_AVAILABLE = "not available in this version"


class StageSkipped(Exception):
    """Raised by a stage that cannot run; ``reason`` goes to the manifest and the verdict."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AnalysisOptions:
    """Everything that decides a run (recorded in provenance.json).

    Parameters
    ----------
    data, key : str
        The data file and the key file, as given.
    group : str, optional
        Column with the groups for invariance and group norms (e.g. stakeholder group).
    cluster : str, optional
        Column with the clusters for aggregation (e.g. workplace).
    estimator : {"ML", "MLR", "WLSMV"}
    missing : {"listwise", "fiml"}
        See :data:`MISSING_POLICIES`.
    seed : int
        Seed of every random step (parallel analysis).
    reduce : bool
        Build the scoring scheme on the reduced key (when the reduction stage ran).
    criteria : str, optional
        Criteria file (default: the shipped COSMIN defaults).
    synthetic : bool, optional
        True / False overrides the detection from the data's README or metadata.
    id_column : str, optional
        Respondent id column (pseudonymised in every artifact).
    screen : {"flag", "exclude", "off"}
        Careless-responding screening: flag only (default), exclude flagged respondents, off.
    min_flags : int
        With ``screen="exclude"``: flags needed to exclude.
    min_group_size : int
        Smallest group for invariance testing.
    invariance_groups : tuple of str
        The groups compared in the invariance stage (default: every level of ``group``).
        Each is a level, or levels joined by ``+`` that are compared as one group (e.g.
        ``("students", "professionals+managers")``). Rows of levels not named are left out
        of that stage only (a ``groups_left_out`` warning names them); group norms and the
        other stages use all rows. For groups too small to compare on their own.
    wave : str, optional
        Column with the waves of long data (one row per respondent and wave): the stages
        ``longitudinal`` (invariance across waves, latent change) and ``trajectories``.
    """

    data: str
    key: str
    group: str | None = None
    cluster: str | None = None
    estimator: str = "MLR"
    missing: str = "listwise"
    seed: int = 1
    reduce: bool = False
    criteria: str | None = None
    synthetic: bool | None = None
    id_column: str | None = None
    screen: str = "flag"
    min_flags: int = 1
    min_group_size: int = 50
    invariance_groups: tuple[str, ...] = ()
    wave: str | None = None

    def __post_init__(self) -> None:
        for name, value, allowed in (("estimator", self.estimator, ESTIMATORS),
                                     ("missing", self.missing, MISSING_POLICIES),
                                     ("screen", self.screen, SCREEN_MODES)):
            if value not in allowed:
                raise InputError(f"The '{name}' option must be one of "
                                 f"{', '.join(map(repr, allowed))}; got {value!r}.")
        if self.estimator == "WLSMV" and self.missing == "fiml":
            raise InputError("The 'missing' option 'fiml' needs the ML or MLR estimator; got "
                             "WLSMV. Use --missing listwise with WLSMV, or --estimator MLR.")
        for name, value, low in (("seed", self.seed, 0), ("min_flags", self.min_flags, 1),
                                 ("min_group_size", self.min_group_size, 2)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InputError(f"The '{name}' option must be a whole number of at least "
                                 f"{low}; got {value!r}.")
        if self.invariance_groups:
            if self.group is None:
                raise InputError("The 'invariance_groups' option needs a group column; give "
                                 "--group COL as well.")
            levels = [str(v).strip() for v in self.invariance_groups]
            parts = [p.strip() for v in levels for p in v.split("+")]
            if len(levels) < 2 or "" in parts or len(set(parts)) != len(parts):
                raise InputError(f"The 'invariance_groups' option must name two or more "
                                 f"groups, each level once (join levels with '+' to compare "
                                 f"them as one group); got {', '.join(levels) or 'none'}.")
            levels = ["+".join(p.strip() for p in v.split("+")) for v in levels]
            object.__setattr__(self, "invariance_groups", tuple(levels))
        if self.group is not None and self.group == self.cluster:
            raise InputError(f"The group and cluster options name the same column "
                             f"{self.group!r}; give different columns (e.g. --group role "
                             "--cluster workplace).")

    def to_dict(self) -> dict[str, Any]:
        """The options with file paths reduced to their file names."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["invariance_groups"] = list(self.invariance_groups)
        for k in ("data", "key", "criteria"):
            if out[k] is not None:
                out[k] = _portable(out[k])
        return out


def _portable(path: str) -> str:
    """An input file as artifacts name it: its file name only, never the path as typed
    (``in/x.csv`` and ``x.csv`` give the same artifacts) nor a folder (no absolute paths)."""
    return Path(path).name


@dataclass
class Context:
    """What a stage reads: the options, the key, the criteria and earlier results.

    ``results`` maps a stage name to the result its ``run`` returned (stages that were
    skipped or failed have no entry). ``outdir`` is the folder the run writes: a hidden
    sibling of the ``-o`` folder that replaces it when the run is done
    (:func:`lospw.analysis.core.outdir.output_folder`), so no artifact may name it.
    """

    options: AnalysisOptions
    key: Key
    criteria: Criteria
    outdir: Path
    synthetic: bool = False
    results: dict[str, Any] = field(default_factory=dict)

    def result(self, name: str) -> Any:
        """An earlier stage's result, or :class:`StageSkipped` naming what is missing."""
        if name not in self.results:
            raise StageSkipped(f"needs the {name} stage, which did not run")
        return self.results[name]


@dataclass(frozen=True)
class Stage:
    """One stage of the pipeline.

    Attributes
    ----------
    name : str
        Also its folder under DIR.
    title : str
        For the progress display.
    run : callable
        ``run(ctx) -> result``; raises :class:`StageSkipped` when it cannot run.
    write : callable
        ``write(result, ctx, folder) -> None``; writes the artifacts into ``folder``.
    requires : tuple of str
        Stages whose result ``run`` needs; when one did not run, this stage is skipped.
    uses_estimator, uses_seed : bool
        Whether the artifacts depend on the estimator / the seed (manifest).
    check : callable, optional
        ``check(result) -> reason or None``: after writing, a reason makes the stage
        ``skipped`` although it wrote what it could (e.g. groups too small to fit).
    fatal : bool
        A :class:`~lospw.analysis.core.errors.LospwError` in this stage stops the run (the intake: bad
        data leave nothing to analyse, so the user gets the one-line error, exit 2).
    """

    name: str
    title: str
    run: Callable[[Context], Any]
    write: Callable[[Any, Context, Path], None]
    requires: tuple[str, ...] = ()
    uses_estimator: bool = False
    uses_seed: bool = False
    check: Callable[[Any], str | None] | None = None
    fatal: bool = False


@dataclass(frozen=True)
class StageRecord:
    """How a stage ended (what the manifest says; ``seconds`` is for the terminal only)."""

    name: str
    status: str
    reason: str | None = None
    warnings: tuple[dict[str, str], ...] = ()
    seconds: float = 0.0
    traceback: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "reason": self.reason,
                "warnings": [dict(w) for w in self.warnings]}


_CODE = re.compile(r"^\[([a-z][a-z0-9_]*)\]\s*(.*)$", re.S)
_CODE_COLON = re.compile(r"^([a-z][a-z0-9_]*):\s+(.*)$", re.S)


def warning_codes(messages: Sequence[Any]) -> tuple[dict[str, str], ...]:
    """Named warnings from messages like ``"[code] text"`` or ``"code: text"``.

    Messages without a code get ``"note"``. Duplicates (same code and text) are dropped,
    the order is kept.

    Examples
    --------
    >>> warning_codes(["[heywood_case] x1 variance < 0", "not_converged: stopped", "plain"])
    ({'code': 'heywood_case', 'message': 'x1 variance < 0'}, {'code': 'not_converged', 'message': 'stopped'}, {'code': 'note', 'message': 'plain'})
    """
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for m in messages:
        if isinstance(m, LospwWarning):
            code, text = m.code, m.message
        elif isinstance(m, dict) and "code" in m:
            code, text = str(m["code"]), str(m.get("message", ""))
        else:
            text = " ".join(str(m).split())
            code = "note"
            for pattern in (_CODE, _CODE_COLON):
                hit = pattern.match(text)
                if hit:
                    code, text = hit.group(1), hit.group(2)
                    break
        for pattern in (_CODE, _CODE_COLON):  # "code: code: text" from a re-wrapped note
            hit = pattern.match(text)
            if hit and hit.group(1) == code:
                text = hit.group(2)
        if (code, text) not in seen:
            seen.add((code, text))
            out.append({"code": code, "message": text})
    return tuple(out)


def _result_warnings(result: Any) -> list[Any]:
    found = getattr(result, "warnings", None)
    if found is None:
        return []
    if isinstance(found, (list, tuple)):
        return [getattr(w, "to_dict", lambda w=w: w)() for w in found]
    return []


def _drop_partial(folder: Path) -> None:
    """A stage that raised while writing leaves no half of its artifacts in the run."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)


def _run_one(stage: Stage, ctx: Context, done: dict[str, StageRecord]) -> StageRecord:
    started = time.perf_counter()

    def record(status: str, reason: str | None, caught: Sequence[Any] = (),
               tb: str | None = None) -> StageRecord:
        return StageRecord(stage.name, status, reason, warning_codes(caught),
                           time.perf_counter() - started, tb)

    for need in stage.requires:
        if need not in ctx.results:
            rec = done.get(need)
            state = rec.status if rec else "not run"
            return record("skipped", f"needs the {need} stage, which was {state}")
    folder = ctx.outdir / stage.name
    caught: list[Any] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            result = stage.run(ctx)
            if folder.exists():
                shutil.rmtree(folder)
            stage.write(result, ctx, folder)
        except StageSkipped as exc:
            _drop_partial(folder)
            caught = [w.message for w in seen if isinstance(w.message, LospwWarning)]
            return record("skipped", exc.reason, caught)
        except LospwError as exc:
            if stage.fatal:
                raise
            _drop_partial(folder)
            caught = [w.message for w in seen if isinstance(w.message, LospwWarning)]
            log.info("stage %s failed: %s", stage.name, exc)
            return record("failed", str(exc), caught, traceback.format_exc())
        except Exception as exc:  # a bug in a stage must not stop the others
            _drop_partial(folder)
            caught = [w.message for w in seen if isinstance(w.message, LospwWarning)]
            text = " ".join(str(exc).split())[:500]
            log.warning("stage %s failed unexpectedly", stage.name, exc_info=True)
            return record("failed", f"unexpected error ({type(exc).__name__}: {text})",
                          caught, traceback.format_exc())
        caught = [w.message for w in seen if isinstance(w.message, LospwWarning)]
    ctx.results[stage.name] = result
    caught += _result_warnings(result)
    reason = stage.check(result) if stage.check is not None else None
    if reason is not None:
        ctx.results.pop(stage.name)
        return record("skipped", reason, caught)
    return record("ok", None, caught)


def run_stages(stages: Sequence[Stage], ctx: Context,
               progress: Callable[[str, Stage, StageRecord | None], None] | None = None
               ) -> list[StageRecord]:
    """Run stages in order; every stage ends ok, skipped or failed (see the module doc).

    ``progress(event, stage, record)`` is called with ``"start"`` (record None) and
    ``"end"`` for each stage: the CLI's display.
    """
    done: dict[str, StageRecord] = {}
    for stage in stages:
        if progress:
            progress("start", stage, None)
        rec = _run_one(stage, ctx, done)
        done[stage.name] = rec
        if progress:
            progress("end", stage, rec)
    return list(done.values())


# -- the manifest ---------------------------------------------------------------------------
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


@dataclass(frozen=True)
class RunSummary:
    """What :func:`run_analysis` returns (and ``lospw analyze --json`` prints)."""

    outdir: Path
    records: tuple[StageRecord, ...]
    verdict: tuple[dict[str, Any], ...]
    seconds: float
    synthetic: bool

    def to_dict(self) -> dict[str, Any]:
        return {"outdir": self.outdir.as_posix(), "synthetic": self.synthetic,
                "seconds": self.seconds,
                "stages": [{**r.to_dict(), "seconds": r.seconds} for r in self.records],
                "verdict": [dict(v) for v in self.verdict]}


def _legacy_run(folder: Path):
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


def run_analysis(options: AnalysisOptions, outdir: str | Path, *,
                 progress: Callable[[str, Stage, StageRecord | None], None] | None = None
                 ) -> RunSummary:
    """Run every stage on ``options.data`` and write DIR (see the module docstring).

    Parameters
    ----------
    options : AnalysisOptions
    outdir : str or Path
        The output folder: new, empty, or written by an earlier run of lospw analyze (then
        replaced as a whole when this run has finished; see :mod:`lospw.analysis.core.outdir`).
    progress : callable, optional
        See :func:`run_stages`.

    Returns
    -------
    RunSummary

    Raises
    ------
    InputError
        Bad data file, key, criteria or options, or an output folder that cannot be
        written or holds files lospw analyze did not write (nothing is changed then).
    """
    from lospw.analysis.core.criteria import load_criteria
    from lospw.analysis.core.key import load_key
    from lospw.analysis.pipeline.provenance import detect_synthetic, provenance
    from lospw.analysis.pipeline.stages import STAGES, VERDICT

    started = time.perf_counter()
    key = load_key(options.key)
    criteria = load_criteria(options.criteria)
    if not Path(options.data).is_file():
        raise InputError(f"No data file {options.data!r}. Give the path of a CSV, XLSX or "
                         "SAV file with one row per respondent.")
    synthetic, evidence = detect_synthetic(options.data, options.synthetic)
    for given in (options.key, options.criteria):
        run = enclosing_run(given) if given else None
        if run is not None:
            require_complete(run)
    out = Path(outdir)
    all_stages = (*STAGES, VERDICT)
    with output_folder(out, command="analyze", legacy=_legacy_run,
                       inputs=(options.data, options.key, options.criteria)) as tmp:
        ctx = Context(options, key, criteria, tmp, synthetic)
        key.save(tmp / "key.yaml")
        write_json(provenance(options, key, criteria, synthetic, evidence),
                   tmp / "provenance.json")
        records = run_stages(STAGES, ctx, progress)
        # The verdict reads only the artifacts, so it needs the manifest of the other stages.
        write_manifest(ctx, STAGES, records, complete=False)
        records += run_stages([VERDICT], ctx, progress)
        write_manifest(ctx, all_stages, records, complete=True)
    verdict = ctx.results.get("verdict")
    rows = tuple(r.to_dict() for r in verdict.rows) if verdict is not None else ()
    return RunSummary(out, tuple(records), rows, time.perf_counter() - started, synthetic)
