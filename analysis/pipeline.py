"""The whole validation of an instrument in one run: stages, artifacts and a manifest.

``lospw analyze`` calls :func:`run_analysis`. Each stage (:data:`analysis.stages.STAGES`) is
a small :class:`Stage`: a ``run`` function from the :class:`Context` (the options, the key,
the results of earlier stages) to a typed result, and a ``write`` function that saves that
result under ``DIR/<stage>/`` with :mod:`analysis.artifacts` (deterministic JSON / CSV, no
timestamps, no absolute paths, respondent ids pseudonymised).

A stage that cannot run does not stop the others. It ends as

``ok``
    ran and wrote its artifacts (its warnings are listed by code);
``skipped``
    could not run: its module is not part of this version, an option it needs was not
    given, a stage it needs did not run, or its data do not allow it (e.g. a group too
    small for invariance); the reason is recorded;
``failed``
    raised an error: an anticipated one (a :class:`~analysis.errors.LospwError`, e.g. a fit
    that cannot be computed) with its message, or an unexpected one with the exception type
    and message. The traceback goes to the log (``--debug``), not to the artifacts.

Only bad input to the run as a whole (the data file, the key, the criteria, an unknown
column) stops it, with one line and exit status 2, before anything is written.

``DIR/manifest.json`` lists every stage (status, reason, warnings) and every artifact (path
relative to DIR, stage, SHA-256, the estimator and the seed it depends on, or null). It is
written last, so its presence means the run is complete. Timings are shown on the terminal
and in the ``--json`` summary, never in the artifacts: a rerun is byte-identical.
"""

from __future__ import annotations

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

from analysis.artifacts import sha256_file, write_json
from analysis.criteria import Criteria
from analysis.errors import InputError, LospwError, LospwWarning
from analysis.key import Key

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
    "run_analysis",
    "run_stages",
    "warning_codes",
]

log = logging.getLogger(__name__)

MANIFEST_FORMAT = "lospw-analysis/1"
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
        """The options with file paths reduced to what carries no local folder names."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["invariance_groups"] = list(self.invariance_groups)
        for k in ("data", "key", "criteria"):
            if out[k] is not None:
                out[k] = _portable(out[k])
        return out


def _portable(path: str) -> str:
    """A path as given when relative, else only its file name (no absolute paths)."""
    p = Path(path)
    return p.name if p.is_absolute() else p.as_posix()


@dataclass
class Context:
    """What a stage reads: the options, the key, the criteria and earlier results.

    ``results`` maps a stage name to the result its ``run`` returned (stages that were
    skipped or failed have no entry). ``outdir`` is the run's output folder.
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
        A :class:`~analysis.errors.LospwError` in this stage stops the run (the intake: bad
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
            caught = [w.message for w in seen if isinstance(w.message, LospwWarning)]
            return record("skipped", exc.reason, caught)
        except LospwError as exc:
            if stage.fatal:
                raise
            caught = [w.message for w in seen if isinstance(w.message, LospwWarning)]
            log.info("stage %s failed: %s", stage.name, exc)
            return record("failed", str(exc), caught, traceback.format_exc())
        except Exception as exc:  # a bug in a stage must not stop the others
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
def manifest(ctx: Context, stages: Sequence[Stage], records: Sequence[StageRecord]
             ) -> dict[str, Any]:
    """The manifest of the files under ``ctx.outdir`` (manifest.json itself excluded)."""
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
        "instrument": ctx.key.instrument,
        "synthetic": ctx.synthetic,
        "estimator": ctx.options.estimator,
        "missing": ctx.options.missing,
        "seed": ctx.options.seed,
        "stages": [r.to_dict() for r in records],
        "artifacts": artifacts,
    }


def write_manifest(ctx: Context, stages: Sequence[Stage], records: Sequence[StageRecord]
                   ) -> Path:
    return write_json(manifest(ctx, stages, records), ctx.outdir / "manifest.json")


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


def _prepare_outdir(outdir: Path, stage_names: Sequence[str]) -> None:
    """Create DIR, or clear an earlier run's files in it; refuse a folder of other files."""
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"The output {outdir.as_posix()!r} is a file; give a folder.")
    if outdir.is_dir() and any(outdir.iterdir()):
        if not (outdir / "manifest.json").is_file():
            known = set(stage_names) | {"key.yaml", "provenance.json"}
            if not all(p.name in known for p in outdir.iterdir()):
                raise InputError(
                    f"The output folder {outdir.as_posix()!r} is not empty and was not written "
                    "by lospw analyze (no manifest.json). Give a new or empty folder.")
        for p in outdir.iterdir():
            if p.is_dir() and p.name in stage_names:
                shutil.rmtree(p)
            elif p.name in ("manifest.json", "key.yaml", "provenance.json"):
                p.unlink()
    outdir.mkdir(parents=True, exist_ok=True)


def run_analysis(options: AnalysisOptions, outdir: str | Path, *,
                 progress: Callable[[str, Stage, StageRecord | None], None] | None = None
                 ) -> RunSummary:
    """Run every stage on ``options.data`` and write DIR (see the module docstring).

    Parameters
    ----------
    options : AnalysisOptions
    outdir : str or Path
        The output folder: new, empty, or written by an earlier run (then replaced).
    progress : callable, optional
        See :func:`run_stages`.

    Returns
    -------
    RunSummary

    Raises
    ------
    InputError
        Bad data file, key, criteria or options (nothing is written then, except an
        emptied earlier run).
    """
    from analysis.criteria import load_criteria
    from analysis.key import load_key
    from analysis.provenance import detect_synthetic, provenance
    from analysis.stages import STAGES, VERDICT

    started = time.perf_counter()
    key = load_key(options.key)
    criteria = load_criteria(options.criteria)
    if not Path(options.data).is_file():
        raise InputError(f"No data file {options.data!r}. Give the path of a CSV, XLSX or "
                         "SAV file with one row per respondent.")
    synthetic, evidence = detect_synthetic(options.data, options.synthetic)
    out = Path(outdir)
    all_stages = (*STAGES, VERDICT)
    _prepare_outdir(out, [s.name for s in all_stages])
    ctx = Context(options, key, criteria, out, synthetic)
    key.save(out / "key.yaml")
    write_json(provenance(options, key, criteria, synthetic, evidence),
               out / "provenance.json")
    records = run_stages(STAGES, ctx, progress)
    # The verdict reads only the artifacts, so it needs the manifest of the other stages.
    write_manifest(ctx, STAGES, records)
    records += run_stages([VERDICT], ctx, progress)
    write_manifest(ctx, all_stages, records)
    verdict = ctx.results.get("verdict")
    rows = tuple(r.to_dict() for r in verdict.rows) if verdict is not None else ()
    return RunSummary(out, tuple(records), rows, time.perf_counter() - started, synthetic)
