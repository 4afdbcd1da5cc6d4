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
    small for invariance, items without variance, too few rows: a
    :class:`~lospw.analysis.core.degenerate.DegenerateDataError`, whose one line names the
    condition); the reason is recorded;
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

import dataclasses
import logging
import shutil
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lospw.analysis.core.artifacts import write_json
from lospw.analysis.core.criteria import load_criteria
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.errors import InputError, LospwError, LospwWarning
from lospw.analysis.core.key import load_key
from lospw.analysis.core.outdir import output_folder
from lospw.analysis.core.warnings import Note, unique_notes
from lospw.analysis.pipeline import stages
from lospw.analysis.pipeline.context import (
    AnalysisOptions,
    Context,
    Stage,
    StageRecord,
    StageSkipped,
)
from lospw.analysis.pipeline.counts import stage_count
from lospw.analysis.pipeline.manifest import (
    enclosing_run,
    legacy_run,
    require_complete,
    write_manifest,
)
from lospw.analysis.pipeline.provenance import detect_synthetic, provenance
from lospw.analysis.validation.estimator_rule import estimator_for_key
from lospw.analysis.validation.models import check_model_names

__all__ = ["AnalysisOptions", "RunSummary", "run_analysis", "run_stages", "stage_notes"]

log = logging.getLogger(__name__)



def stage_notes(found: Sequence[Note | LospwWarning]) -> tuple[Note, ...]:
    """The named warnings of a stage: the notes its Python warnings carry and the notes of
    its result, without repeats (same code, message and context), in order.

    Examples
    --------
    >>> stage_notes([Note("heywood_case", "x1 variance < 0"),
    ...              LospwWarning("not_converged", "stopped"),
    ...              Note("heywood_case", "x1 variance < 0")])
    (Note(code='heywood_case', message='x1 variance < 0', context=()), Note(code='not_converged', message='stopped', context=()))
    """
    return unique_notes(w.note if isinstance(w, LospwWarning) else w for w in found)


def _result_warnings(result: Any) -> list[Note]:
    """The notes a stage's result carries in ``.warnings`` (none when it has no such
    attribute)."""
    found = getattr(result, "warnings", None)
    if not isinstance(found, (list, tuple)):
        return []
    wrong = [w for w in found if not isinstance(w, Note)]
    if wrong:  # a programming error: warnings are Notes, never text to parse
        raise TypeError(f"{type(result).__name__}.warnings must hold Note objects; got "
                        f"{type(wrong[0]).__name__}")
    return list(found)


def _drop_partial(folder: Path) -> None:
    """A stage that raised while writing leaves no half of its artifacts in the run."""
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)


def _run_one(stage: Stage, ctx: Context, done: dict[str, StageRecord]) -> StageRecord:
    started = time.perf_counter()

    def record(status: str, reason: str | None, caught: Sequence[Any] = (),
               tb: str | None = None, n_used: str | None = None) -> StageRecord:
        return StageRecord(stage.name, status, reason, stage_notes(caught),
                           time.perf_counter() - started, tb, n_used)

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
            if isinstance(exc, DegenerateDataError):  # the data do not allow this analysis
                log.info("stage %s skipped: %s", stage.name, exc)
                return record("skipped", str(exc), caught)
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
    try:
        n_used = stage_count(stage.name, result, ctx)
    except Exception:  # the count is a display; it never fails a stage
        log.debug("no n for stage %s", stage.name, exc_info=True)
        n_used = None
    reason = stage.check(result) if stage.check is not None else None
    if reason is not None:
        ctx.results.pop(stage.name)
        return record("skipped", reason, caught, n_used=n_used)
    return record("ok", None, caught, n_used=n_used)


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
    started = time.perf_counter()
    key = load_key(options.key)
    check_model_names(key)  # refused here, with the fix, rather than failing three stages
    if options.estimator is None:
        options = dataclasses.replace(options, estimator=estimator_for_key(key))
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
    # read at call time: a test may replace a stage of the module's tuple
    analyses, verdict_stage = stages.STAGES, stages.VERDICT
    all_stages = (*analyses, verdict_stage)
    with output_folder(out, command="analyze", legacy=legacy_run,
                       inputs=(options.data, options.key, options.criteria,
                               *options.read.inputs())) as tmp:
        ctx = Context(options, key, criteria, tmp, synthetic)
        key.save(tmp / "key.yaml")
        write_json(provenance(options, key, criteria, synthetic, evidence),
                   tmp / "provenance.json")
        records = run_stages(analyses, ctx, progress)
        # The verdict reads only the artifacts, so it needs the manifest of the other stages.
        write_manifest(ctx, analyses, records, complete=False)
        records += run_stages([verdict_stage], ctx, progress)
        write_manifest(ctx, all_stages, records, complete=True)
    verdict = ctx.results.get("verdict")
    rows = tuple(r.to_dict() for r in verdict.rows) if verdict is not None else ()
    return RunSummary(out, tuple(records), rows, time.perf_counter() - started, synthetic)
