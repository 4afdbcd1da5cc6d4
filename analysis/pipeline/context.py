"""What the stages of ``lospw analyze`` share: the options of a run, the :class:`Context`
a stage reads, the :class:`Stage` itself and the :class:`StageRecord` of how it ended.

The runner (:mod:`lospw.analysis.pipeline.runner`) runs stages; the stage adapters
(:mod:`lospw.analysis.pipeline.stages`, :mod:`lospw.analysis.pipeline.stages_model`) build on
this module only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lospw.analysis.core.criteria import Criteria
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.errors import warn as warn_note
from lospw.analysis.core.key import Key
from lospw.analysis.core.missing import RUN_MISSING
from lospw.analysis.core.options import ESTIMATORS, SCREEN_MODES
from lospw.analysis.core.warnings import Note
from lospw.analysis.intake.reading import ReadOptions, treatment
from lospw.analysis.intake.responses import IntakeResult

__all__ = ["STATUSES", "AnalysisOptions",
           "Context", "Stage", "StageRecord", "StageSkipped", "analysed", "json_with_intake",
           "missing_for", "portable_name", "warn"]

STATUSES = ("ok", "skipped", "failed")


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
    estimator : {"ML", "MLR", "WLSMV"} or None
        None: by the rule of :mod:`lospw.analysis.validation.estimator_rule` (MLR for items with 5
        or more categories or continuous scores, WLSMV for fewer), decided when the key is
        read.
    missing : {"available", "listwise", "fiml"}
        :data:`~lospw.analysis.core.missing.RUN_MISSING`. ``available`` (default): every
        answer: full-information ML in the CFA-based stages (ML / MLR), pairwise WLSMV
        (lavaan ``missing = "pairwise"``), pairwise-complete statistics in item analysis,
        reliability and EFA. ``fiml`` is the earlier name of ``available``. ``listwise``:
        complete cases everywhere. HTMT uses complete cases in both (as semTools).
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
    dynamic : bool
        Run the ``dynamic`` stage (McNeish & Wolf's dynamic fit cutoffs of the judged
        model); it also runs when the criteria say ``cutoffs: dynamic``.
    dynamic_reps : int
        Replications per population of the dynamic stage.
    jobs, scheduler
        Local worker processes or a Dask scheduler for the dynamic stage's replications.
        They do not change any result, so they are not recorded (``to_dict``).
    read : ReadOptions
        How the data file is read (the shared input options: column map, recode, missing
        codes, sheet, header row, dropped columns, duplicates); ``id_column`` above wins
        over ``read.id_column``.
    wave : str, optional
        Column with the waves of long data (one row per respondent and wave): the stages
        ``longitudinal`` (invariance across waves, latent change) and ``trajectories``; the
        other stages analyse the first wave.
    """

    data: str
    key: str
    group: str | None = None
    cluster: str | None = None
    estimator: str | None = None
    missing: str = "available"
    seed: int = 1
    reduce: bool = False
    criteria: str | None = None
    synthetic: bool | None = None
    id_column: str | None = None
    screen: str = "flag"
    min_flags: int = 1
    min_group_size: int = 50
    invariance_groups: tuple[str, ...] = ()
    dynamic: bool = False
    dynamic_reps: int = 500
    jobs: int = 1
    scheduler: str | None = None
    read: ReadOptions = field(default_factory=ReadOptions)
    wave: str | None = None

    def __post_init__(self) -> None:
        for name, value, allowed in (("estimator", self.estimator or "MLR", ESTIMATORS),
                                     ("missing", self.missing, RUN_MISSING),
                                     ("screen", self.screen, SCREEN_MODES)):
            if value not in allowed:
                raise InputError(f"The '{name}' option must be one of "
                                 f"{', '.join(map(repr, allowed))}; got {value!r}.")
        if self.estimator == "WLSMV" and self.missing == "fiml":
            raise InputError("The 'missing' option 'fiml' needs the ML or MLR estimator; got "
                             "WLSMV. Use --missing listwise with WLSMV, or --estimator MLR.")
        for name, value, low in (("seed", self.seed, 0), ("min_flags", self.min_flags, 1),
                                 ("min_group_size", self.min_group_size, 2),
                                 ("dynamic_reps", self.dynamic_reps, 10),
                                 ("jobs", self.jobs, 1)):
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
        out = {k: getattr(self, k) for k in self.__dataclass_fields__
               if k not in _NOT_RECORDED}
        out["invariance_groups"] = list(self.invariance_groups)
        for k in ("data", "key", "criteria"):
            if out[k] is not None:
                out[k] = portable_name(out[k])
        read = self.read.to_dict()
        for k in ("map_file", "recode_file"):
            if read[k] is not None:
                read[k] = portable_name(read[k])
        out["read"] = read
        return out


#: Options that decide how fast, not what: left out of provenance (a rerun is byte-identical).
_NOT_RECORDED = ("jobs", "scheduler")


def portable_name(path: str) -> str:
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
    warnings: tuple[Note, ...] = ()
    seconds: float = 0.0
    traceback: str | None = field(default=None, repr=False)
    n_used: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "status": self.status, "reason": self.reason,
               "warnings": [w.to_dict() for w in self.warnings]}
        if self.n_used is not None:
            out["n_used"] = self.n_used
        return out


def analysed(ctx: Context) -> IntakeResult:
    """The analysed sample: after screening when it ran, else as read."""
    if "screening" in ctx.results:
        return ctx.results["screening"][0]
    return ctx.result("intake")


def _intake_block(data: IntakeResult) -> dict[str, Any]:
    """What the single-stage commands add under ``"intake"`` in their ``--json``."""
    return {"source": portable_name(data.source), "n_read": data.n_read,
            "n_analysed": data.n_analysed, "n_excluded": data.n_excluded,
            "excluded_by_reason": data.excluded_by_reason()}


def json_with_intake(result: Any, data: IntakeResult, **extra: Any) -> dict[str, Any]:
    out = result.to_dict()
    out["intake"] = _intake_block(data)
    out.update(extra)
    return out


def missing_for(ctx: Context, kind: str) -> str:
    """The stage's own name for the run's missing-data policy (see
    :data:`~lospw.analysis.core.missing.RUN_MISSING`)."""
    return treatment(ctx.options.missing, kind, ctx.options.estimator)


def warn(code: str, message: str, **context: object) -> Note:
    """Name a condition of the running stage where it is found: a
    :class:`~lospw.analysis.core.warnings.Note` issued as a Python warning, which the runner
    lists in the manifest."""
    return warn_note(Note(code, message, {k: str(v) for k, v in context.items()}),
                     stacklevel=2)


