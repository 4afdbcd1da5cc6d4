"""The one warning type, :class:`Note`, and the registry of named conditions: every warning
and flag code a result can carry.

A :class:`Note` (``code``, ``message``, ``context``) is created where a condition is found
and carried as data: in ``result.warnings``, the ``--json`` output, the manifest, the tables
and the report, always as ``{"code", "message", "context"}``. It is never parsed back from
text. :class:`lospw.analysis.core.errors.LospwWarning` is the Python warning that carries one
(for callers that collect warnings with ``warnings.catch_warnings``).

Degenerate data that can still be analysed are reported, never hidden: each stage records a
stable snake_case ``code`` (in ``result.warnings`` / ``.flags``, the ``--json`` output and the
printed output), and this module says what each code means, which stages give it and what the
stage does about it. Conditions that make an analysis impossible are refused instead, with a
one-line :class:`~lospw.analysis.core.errors.InputError` (exit status 2); the registry lists those too
(``handling="refused"``), so the report can say what happens in every case.

``tests/analysis/core/test_warnings.py`` scans the source for codes and fails when one is
used but not registered here: a new code is added to :data:`WARNING_CODES` with its meaning.

Examples
--------
>>> WARNING_CODES["heywood_case"].stages
('reliability', 'efa', 'cfa', 'validity', 'invariance')
>>> describe("zero_variance_item").startswith("An item has one value only")
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["DEGENERATE", "WARNING_CODES", "Note", "WarningCode", "describe", "notes_to_dicts",
           "registry_table", "unique_notes"]


@dataclass(frozen=True)
class Note:
    """One named condition in the data or a fit, as data: the one warning type.

    Attributes
    ----------
    code : str
        Stable snake_case name of the condition, registered in :data:`WARNING_CODES`, e.g.
        ``"zero_variance_item"``, ``"heywood_case"``, ``"not_converged"``.
    message : str
        One human-readable line (it reads on its own, without the context).
    context : tuple of (str, str) pairs
        Where the condition was found, e.g. ``(("model", "bifactor"),)``; a mapping given
        here is stored as its pairs, in order.

    Examples
    --------
    >>> n = Note("heywood_case", "x1 ~~ x1 = -0.2", {"model": "bifactor"})
    >>> n.to_dict()
    {'code': 'heywood_case', 'message': 'x1 ~~ x1 = -0.2', 'context': {'model': 'bifactor'}}
    >>> str(n)
    'heywood_case: x1 ~~ x1 = -0.2'
    >>> Note.from_dict(n.to_dict()) == n
    True
    """

    code: str
    message: str
    context: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        ctx = self.context.items() if isinstance(self.context, Mapping) else self.context
        object.__setattr__(self, "context", tuple((str(k), str(v)) for k, v in ctx))

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "message", "context"}`` (context an object, empty when none): the
        shape of every warning in JSON artifacts and ``--json`` output."""
        return {"code": self.code, "message": self.message, "context": dict(self.context)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Note:
        """The note a :meth:`to_dict` record holds (e.g. read back from an artifact)."""
        return cls(str(d["code"]), str(d["message"]), dict(d.get("context") or {}))

    def with_context(self, **context: object) -> Note:
        """The same note with more context, e.g. ``note.with_context(model="bifactor")``."""
        return Note(self.code, self.message, (*self.context, *((k, str(v)) for k, v
                                                               in context.items())))

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def unique_notes(found: Iterable[Note]) -> tuple[Note, ...]:
    """``found`` without repeats (same code, message and context), in order.

    Examples
    --------
    >>> unique_notes([Note("a", "x"), Note("b", "y"), Note("a", "x")])
    (Note(code='a', message='x', context=()), Note(code='b', message='y', context=()))
    """
    return tuple(dict.fromkeys(found))


def notes_to_dicts(notes: Iterable[Note]) -> list[dict[str, Any]]:
    """The notes as JSON records (:meth:`Note.to_dict`)."""
    return [n.to_dict() for n in notes]


@dataclass(frozen=True)
class WarningCode:
    """One named condition.

    Attributes
    ----------
    code : str
    meaning : str
        What the condition is, in one sentence.
    stages : tuple of str
        The stages that report it.
    handling : str
        ``"warning"`` (the analysis runs and the result carries the code), ``"flag"`` (a
        judgement on a result, e.g. low AVE) or ``"refused"`` (one-line error, exit 2).
    action : str
        What the stage does about it.
    """

    code: str
    meaning: str
    stages: tuple[str, ...]
    handling: str
    action: str

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "meaning": self.meaning, "stages": list(self.stages),
                "handling": self.handling, "action": self.action}


def _codes(*entries: WarningCode) -> dict[str, WarningCode]:
    return {e.code: e for e in entries}


WARNING_CODES: dict[str, WarningCode] = _codes(
    # -- the six degenerate conditions of issue 12 ------------------------------------------
    WarningCode(
        "zero_variance_item", "An item has one value only (every answer the same).",
        ("reliability", "polychoric", "efa", "cfa", "validity", "invariance", "scheme"),
        "warning",
        "reliability: the item's item-rest r is undefined (NaN), alpha is still computed, "
        "omega and ordinal alpha are skipped; polychoric: its correlations are NaN; EFA, CFA, "
        "validity and invariance refuse (lavaan: 'some variables have no variance'), naming "
        "the item and, for invariance, the group."),
    WarningCode(
        "fewer_rows_than_items", "Fewer usable respondents than items in a scale or model.",
        ("reliability", "efa", "cfa"),
        "warning",
        "reliability: alpha is computed from the singular covariance matrix and flagged; "
        "EFA refuses (it needs more rows than items); CFA fits and flags (the sample "
        "covariance matrix is singular: also nonpositive_definite)."),
    WarningCode(
        "nonpositive_definite",
        "A correlation or covariance matrix (sample, implied or latent) is not positive "
        "definite.",
        ("polychoric", "reliability", "efa", "cfa", "validity", "invariance"),
        "warning",
        "polychoric: smoothed as psych::cor.smooth; EFA: analysed as given (psych smooths), "
        "KMO/SMC may be undefined; CFA: fitted and flagged (an improper solution is never "
        "chosen as best model)."),
    WarningCode(
        "not_converged", "An iterative fit stopped before converging.",
        ("reliability", "polychoric", "efa", "cfa", "validity", "invariance"),
        "warning",
        "the last estimates are kept but marked; CFA gives NaN standard errors and fit "
        "measures; validity says CR/AVE are not trustworthy; invariance marks the step."),
    WarningCode(
        "heywood_case",
        "An improper solution: a negative (or bounded) residual variance or a standardized "
        "loading above 1.",
        ("reliability", "efa", "cfa", "validity", "invariance"),
        "warning",
        "reliability/EFA: a uniqueness at its lower bound (0.005, as factanal/psych); CFA: "
        "fitted and flagged as lavaan's post.check would."),
    WarningCode(
        "group_too_small",
        "A group is smaller than the minimum for invariance testing (default 50) or than "
        "the free parameters per group.",
        ("invariance",), "warning",
        "every step is 'not estimable'; nothing is fitted."),
    # -- other warnings ------------------------------------------------------------------------
    WarningCode("single_item_scale", "A scale has one item.", ("reliability", "validity"),
                "warning", "alpha is undefined; the CFA fixes the item's residual to 0."),
    WarningCode("no_ordinal_alpha", "Ordinal alpha does not apply (e.g. continuous scores).",
                ("reliability",), "warning", "ordinal alpha is left out."),
    WarningCode("no_ordinal_omega",
                "Categorical omega cannot be computed for a scale (fewer than 3 items, an item "
                "without variance, or its WLSMV one-factor model did not converge).",
                ("reliability",), "warning", "omega_ordinal is null for that scale."),
    WarningCode("design", "The key's design (planned missingness): cells of items a "
                "respondent's group was not asked, groups the design does not name, or "
                "answers to items a group was not asked.", ("intake",), "warning",
                "design-missing cells are not item non-response and not careless responding; "
                "the analyses use every answer given."),
    WarningCode("mahalanobis_reduced", "At least as many items as respondents in screening: "
                "the items' covariance matrix is singular.", ("intake",), "warning",
                "Mahalanobis D² is computed on the first floor(n / 5) principal components "
                "(df = their number), not on the items; with fewer than 5 respondents it is "
                "not computed."),
    WarningCode("time_column_not_numeric", "A column named like a response time (e.g. "
                "interviewtime) holds cells that are not numbers.", ("intake",), "warning",
                "the response-time check is left out of screening; name the time column "
                "with --time to have it checked (then cells that are not numbers are an "
                "error)."),
    WarningCode("items_not_asked", "The key's design asks some items of no group present "
                "in the data.", ("intake", "scoring"), "warning",
                "those items are left out; the rest of the run uses the key without them."),
    WarningCode("groups_left_out", "Levels of the group column that --invariance-groups does "
                "not name.", ("invariance",), "warning",
                "their rows are left out of the invariance stage only (they count under "
                "missing_group); every other stage uses them."),
    WarningCode("group_too_small_dropped",
                "A group is smaller than the invariance minimum while two or more groups are "
                "large enough.", ("invariance",), "warning",
                "the small group is left out of the invariance test; the other groups are "
                "compared."),
    WarningCode("reduce_unavailable", "--reduce was given but the reduction stage did not run.",
                ("scoring",), "warning", "the scoring scheme uses the full key."),
    WarningCode("estimator_substituted",
                "The validity stage uses ML point estimates because the run's estimator "
                "(WLSMV) is not one it supports.", ("validity",), "warning",
                "CR and AVE are computed from the ML fit of the key's model."),
    WarningCode("unequal_level_loadings",
                "A configural construct's loadings differ between the within and the between "
                "level of a two-level CFA.", ("multilevel",), "warning",
                "omega_2L is reported; it assumes equal loadings across levels (Lai, 2021)."),
    WarningCode("items_not_asked_in_group", "Some items were not asked of every compared "
                "group (the key's design).", ("invariance",), "warning",
                "invariance is tested on the items every compared group was asked."),
    WarningCode("htmt_pairwise", "HTMT from pairwise-complete correlations: the key's design "
                "leaves complete rows only in the groups asked every item.", ("validity",),
                "warning", "HTMT uses every answer given (semTools htmt, missing = 'pairwise')."),
    WarningCode("bifactor_failed", "The bifactor model of the key's items did not converge.",
                ("reliability",), "warning", "the bifactor indices are null."),
    WarningCode("dynamic_not_converged",
                "Some replications of the dynamic fit cutoffs did not converge.",
                ("dynamic",), "warning",
                "they are left out of the distributions; the counts are in dynamic.json."),
    WarningCode("dynamic_complete_rows",
                "MLR with FIML: the dynamic cutoffs resample the complete rows.",
                ("dynamic",), "warning",
                "the replications have no missing values; the cutoffs are those of complete "
                "data at the analysed N."),
    WarningCode("numerical_problem",
                "A numerical routine warned (overflow, division by zero) inside a statistic.",
                ("reliability", "cfa"), "warning",
                "reliability: the statistic is kept and marked; CFA (a negative or missing "
                "chi-square, e.g. N = 5): the fit measures are NaN and the solution is "
                "improper."),
    WarningCode("not_identified", "The model has more free parameters than sample moments.",
                ("cfa",), "warning", "fitted; no standard errors; never the best model."),
    WarningCode("se_failed", "The information matrix could not be inverted.", ("cfa",),
                "warning", "no standard errors or modification indices."),
    WarningCode("vcov_nonpositive_definite",
                "The covariance matrix of the estimates (vcov) is not positive definite: its "
                "smallest eigenvalue is below eps^(3/4) ~ 1.8e-12 (lavaan's check.vcov; e.g. "
                "fewer rows than parameters under MLR or WLSMV, a near-collinear pair of "
                "items, an empirically under-identified model).", ("cfa", "multilevel"),
                "warning",
                "the standard errors are reported with this warning (as lavaan); the "
                "eigenvalue is in the note's context."),
    WarningCode("robust_failed", "The robust (MLR/WLSMV) corrections failed.", ("cfa",),
                "warning", "the uncorrected results are kept and marked."),
    WarningCode("local_optimum_suspected",
                "Two converged starts of a multi-group or constrained CFA ended more than "
                "1e-6 apart in fmin (the discrepancy has several local minima).",
                ("cfa", "invariance"), "warning",
                "the lowest-fmin solution is kept and reported; every start's fmin is in "
                "the result's 'starts'."),
    WarningCode("profile_charts_skipped",
                "lospw score --by: more groups than --max-charts, so no profile chart is "
                "drawn (each takes about 0.2 s).", ("scoring",), "warning",
                "the by-group tables are written; the charts are not."),
    WarningCode("few_clusters",
                "A two-level CFA has 30 to 49 clusters: enough to fit, too few for "
                "trustworthy between-level estimates and standard errors (Hox, Moerbeek & "
                "van de Schoot, 2018 advise 50 or more).",
                ("cfa", "multilevel"), "warning",
                "the two-level fit is reported with this warning; below 30 clusters it is "
                "refused."),
    WarningCode("model_failed",
                "A competing CFA model could not be fitted (the engine stopped with an error).",
                ("cfa",), "warning",
                "the model is listed with status 'failed' and no fit; the key's model, the other "
                "models, the possible comparisons and the later stages go on (a failure of the "
                "key's own model fails the stage)."),
    WarningCode("difference_test_unavailable",
                "A difference test of two nested models cannot be made: a model failed or did "
                "not converge, or has no robust scaling factor (its standard errors failed).",
                ("cfa",), "warning", "the test is listed with NaN and the reason."),
    WarningCode("rows_dropped", "Rows were not analysed (listwise deletion, no group).",
                ("cfa",), "warning", "listed in the result's excluded rows with the reason."),
    WarningCode("chen2007_conditions",
                "The sample is outside the conditions Chen's (2007) cut-offs were derived for.",
                ("invariance",), "warning", "the decisions are made and marked."),
    WarningCode("few_cases_per_parameter",
                "A group has few cases per free parameter.", ("invariance",), "warning",
                "the steps are fitted and marked."),
    WarningCode("empty_category",
                "An ordered item has a category nobody in a group used.", ("invariance",),
                "warning", "ordered-item (WLSMV) steps are not estimable."),
    WarningCode("no_partial_search",
                "The partial-invariance search could not run (e.g. no score tests).",
                ("invariance",), "warning", "the step's verdict stands without a search."),
    WarningCode("cross_loading", "The validity CFA uses the key's simple structure although an "
                "item cross-loads.", ("validity",), "warning", "marked in the result."),
    WarningCode("too_few_items",
                "A respondent answered fewer items of a scale than the missing-items rule "
                "needs.", ("scoring",), "warning",
                "no score (NaN) with this reason; the row is kept."),
    # -- flags: judgements on results -------------------------------------------------------
    WarningCode("fornell_larcker_violation",
                "sqrt(AVE) of a scale is below its correlation with another.", ("validity",),
                "flag", "listed in the flags."),
    WarningCode("low_ave", "AVE below .50.", ("validity",), "flag", "listed in the flags."),
    WarningCode("low_composite_reliability", "Composite reliability below .70.",
                ("validity",), "flag", "listed in the flags."),
    WarningCode("htmt_at_or_above_85", "HTMT of two scales at or above .85.", ("validity",),
                "flag", "listed in the flags."),
    WarningCode("htmt_at_or_above_90", "HTMT of two scales at or above .90.", ("validity",),
                "flag", "listed in the flags."),
    WarningCode("mixed_script_id",
                "An item or scale id mixes writing systems, or uses another one than the "
                "other ids (a lookalike such as a Cyrillic A).",
                ("key", "intake"), "warning",
                "accepted as written and reported by 'lospw key check' and in the intake "
                "notes; a data column that differs only so is named in the error."),
    # -- refused: the data do not allow the analysis (DegenerateDataError) -------------------
    WarningCode("too_few_rows",
                "Too few usable respondents for a statistic under the missing-data policy "
                "(fewer than 3 rows, or a pair of items answered together by fewer than 3).",
                ("reliability", "validity", "scoring"), "refused",
                "one line naming the scale or items; lospw analyze skips the stage with it."),
    WarningCode("too_few_groups",
                "Fewer than two groups with respondents in the group column (e.g. every other "
                "row has no group).", ("invariance",), "refused",
                "one line naming the groups found; lospw analyze skips the stage with it."),
    WarningCode("too_many_factors",
                "The key has as many scales as items, so an EFA with one factor per scale "
                "cannot be extracted.", ("efa",), "refused",
                "one line; lospw analyze skips the dimensionality stage with it."),
    WarningCode("reliability_undefined",
                "A scale's reliability is not a number from 0 to 1 (NaN for a single item or "
                "items without variance, negative for items that do not measure one thing).",
                ("scheme", "scoring"), "refused",
                "no scoring scheme; one line naming the scales; lospw analyze skips the "
                "scoring stage with it."),
)

# The conditions issue 12 names, in its order.
DEGENERATE = ("zero_variance_item", "fewer_rows_than_items", "nonpositive_definite",
              "not_converged", "heywood_case", "group_too_small")


def describe(code: str) -> str:
    """The meaning of ``code`` (an unknown code is returned as it is)."""
    entry = WARNING_CODES.get(code)
    return entry.meaning if entry else code


def registry_table() -> list[dict[str, object]]:
    """The registry as rows (for the report and ``--json``), in registry order."""
    return [e.to_dict() for e in WARNING_CODES.values()]
