"""The scoring scheme: what a validation leaves behind to score new data without redoing it.

A :class:`ScoringScheme` holds the key (scales, items, keyed directions, response scale),
the too-few-items rule, the score metric (the mean of the answered items on the response
scale), each scale's reliability and standard error of measurement, norms overall and per
group (:class:`~lospw.analysis.scoring.norms.NormTable`), interpretation bands, and where it came from
(instrument and version, the key's SHA-256, the estimator, the data's file hash and size,
whether those data are synthetic, seeds). It is saved as versioned JSON
(:mod:`lospw.analysis.scoring.scheme_io`; ``schema_version`` is semver, a major bump is incompatible).

Standard error
--------------
Classical test theory: ``SEM = SD * sqrt(1 - reliability)``, where SD is the standard
deviation (n - 1) of the scale's mean scores in the norm sample and the reliability is the
scheme's coefficient for the scale (by default Cronbach's alpha). Both are on the metric of
the mean score, so the SEM is the SE of a respondent's mean score, the same for everyone
who met the missing-items rule. A respondent who answered fewer than all items has a
somewhat less reliable score than the SEM says (it is a lower bound for them).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.classical.reliability import reliability
from lospw.analysis.core.artifacts import sha256_file
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.design import key_without, never_asked
from lospw.analysis.core.errors import InputError, LospwWarning
from lospw.analysis.core.key import Key
from lospw.analysis.intake.responses import IntakeResult, responses_from_frame
from lospw.analysis.scoring.norms import Bands, NormTable
from lospw.analysis.scoring.score_table import output_table
from lospw.analysis.scoring.scores import (
    MissingRule,
    ScoreResult,
    apply_required,
    check_item_columns,
    check_score_columns,
    design_required,
    keyed_matrix,
    scale_means,
    score_interval,
    score_items,
    sem,
)

__all__ = [
    "COEFFICIENTS",
    "SCHEMA_VERSION",
    "Provenance",
    "ScoringScheme",
    "derive_scheme",
]

log = logging.getLogger(__name__)

#: Version of the scheme file format. Major: incompatible; minor: fields added.
SCHEMA_VERSION = "1.0.0"


@dataclass(frozen=True)
class Provenance:
    """Where the norm data came from.

    Attributes
    ----------
    file : str or None
        File name (no folder: artifacts hold no absolute paths).
    sha256 : str or None
        SHA-256 of the file's bytes.
    n_read, n_analysed : int
        Rows read, rows the intake analysed.
    synthetic : bool
        True for simulated (demo) data.
    description : str
    """

    file: str | None
    sha256: str | None
    n_read: int
    n_analysed: int
    synthetic: bool
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "n_read": self.n_read,
                "n_analysed": self.n_analysed, "synthetic": self.synthetic,
                "description": self.description}


@dataclass(frozen=True)
class ScoringScheme:
    """A frozen scoring scheme. Build it with :func:`derive_scheme` or from numbers.

    Parameters
    ----------
    key : Key
    reliability : mapping
        Scale -> reliability in [0, 1] (the coefficient named by ``reliability_coefficient``).
    norms : mapping
        Scale -> :class:`NormTable` of the whole norm sample.
    provenance : Provenance
    rule : MissingRule
    reliability_coefficient : str
        E.g. ``"alpha"`` or ``"omega_total"``.
    group_column : str or None
        The column the group norms are split by (e.g. a stakeholder group).
    group_norms : mapping
        Group level -> scale -> NormTable.
    bands : Bands
    estimator : str or None
        The estimator of the validation that chose this structure (e.g. ``"MLR"``).
    seeds : mapping
        Seeds of the runs that produced the data or the results.
    label : str
        A human note shown wherever the scheme is used (e.g. that its norms are demo norms
        from synthetic data).
    schema_version : str
    """

    key: Key
    reliability: Mapping[str, float]
    norms: Mapping[str, NormTable]
    provenance: Provenance
    rule: MissingRule = field(default_factory=MissingRule)
    reliability_coefficient: str = "alpha"
    group_column: str | None = None
    group_norms: Mapping[str, Mapping[str, NormTable]] = field(default_factory=dict)
    bands: Bands = field(default_factory=Bands)
    estimator: str | None = None
    seeds: Mapping[str, int] = field(default_factory=dict)
    label: str = ""
    schema_version: str = SCHEMA_VERSION

    __hash__ = None  # holds mappings

    def __post_init__(self) -> None:
        names = list(self.key.scale_names)
        for what, mapping in (("reliability", self.reliability), ("norms", self.norms)):
            if sorted(mapping) != sorted(names):
                raise InputError(
                    f"The scheme's {what} must give every scale of the key ({', '.join(names)}) "
                    f"and no other; got {', '.join(map(str, mapping)) or 'none'}."
                )
        for s, r in self.reliability.items():
            if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0 <= r <= 1:
                raise InputError(
                    f"The reliability of scale {s} must be a number from 0 to 1; got {r!r}. "
                    "A negative or missing reliability means the scale does not measure one "
                    "thing: check its reverse-keyed items before deriving a scheme."
                )
        for level, tables in self.group_norms.items():
            if sorted(tables) != sorted(names):
                raise InputError(
                    f"The group norms of {level!r} must give every scale of the key "
                    f"({', '.join(names)}); got {', '.join(map(str, tables)) or 'none'}."
                )
        if self.group_norms and not self.group_column:
            raise InputError("Group norms need the name of their group column (group_column).")

    # -- derived numbers ---------------------------------------------------------------------
    @property
    def scales(self) -> tuple[str, ...]:
        return self.key.scale_names

    @property
    def required(self) -> dict[str, int]:
        """Scale -> answered items a score needs."""
        return {s.name: self.rule.required(len(s)) for s in self.key.scales}

    @property
    def norm_sd(self) -> dict[str, float]:
        """Scale -> SD (n - 1) of the norm sample's scale scores."""
        return {s: self.norms[s].sd for s in self.scales}

    @property
    def sem(self) -> dict[str, float]:
        """Scale -> standard error of measurement, ``SD * sqrt(1 - reliability)``."""
        return {s: float(sem(self.norms[s].sd, self.reliability[s])) for s in self.scales}

    @property
    def is_synthetic(self) -> bool:
        return bool(self.provenance.synthetic)

    # -- scoring -------------------------------------------------------------------------------
    def score_items(self, items: pd.DataFrame, groups: pd.Series | None = None,
                    asked: pd.DataFrame | None = None) -> ScoreResult:
        """Score a canonical item frame (``IntakeResult.items``).

        Parameters
        ----------
        items : DataFrame
            One float column per key item, NaN for missing.
        groups : Series, optional
            Each row's norm group (same index); rows whose group the scheme has no norms
            for are compared with the overall norms.
        asked : DataFrame, optional
            Which items each row was asked (planned missingness): the too-few-items rule
            counts those (:func:`lospw.analysis.scoring.scores.design_required`).

        Returns
        -------
        ScoreResult
            Scores, answered items, SE, 95% interval, mid-rank percentile and band.
        """
        x = check_item_columns(items, self.key, "the scheme")
        rs = self.key.response_scale
        req = self.required
        need = None if asked is None else design_required(
            asked.reindex(index=items.index, columns=list(self.key.items)).fillna(True),
            self.key, self.rule)
        scores, counts = scale_means(x, keyed_matrix(self.key), low=rs.min, high=rs.max,
                                     required=None if need is not None
                                     else np.array([req[s] for s in self.scales]))
        if need is not None:
            scores = apply_required(scores, counts, need)
        sems = self.sem
        se = np.where(np.isnan(scores), np.nan, np.array([sems[s] for s in self.scales]))
        lo, hi = score_interval(scores, se, low=rs.min, high=rs.max)
        pct = np.empty_like(scores)
        notes = [f"Scored with the scheme for {self.key.instrument}"
                 f"{' ' + self.key.version if self.key.version else ''}; SE = the scale's "
                 f"SEM from {self.reliability_coefficient}; percentiles are mid-ranks in the "
                 "scheme's norms."]
        if self.label:
            notes.append(self.label)
        for j, s in enumerate(self.scales):
            pct[:, j] = self.norms[s].percentile(scores[:, j])
        if groups is not None:
            g = pd.Series(groups).reindex(items.index).astype("string")
            known = [lv for lv in self.group_norms if (g == lv).any()]
            for level in known:
                rows = (g == level).fillna(False).to_numpy(dtype=bool)   # no group: NA
                for j, s in enumerate(self.scales):
                    pct[rows, j] = self.group_norms[level][s].percentile(scores[rows, j])
            unknown = sorted(set(g.dropna()) - set(self.group_norms))
            if unknown:
                notes.append(
                    f"No norms for group(s) {', '.join(unknown)} of {g.name or 'the group'}; "
                    "those rows are compared with the overall norms."
                )
        band = pd.DataFrame(
            {s: pd.Categorical.from_codes(self.bands.codes(pct[:, j]), self.bands.labels)
             for j, s in enumerate(self.scales)}, index=items.index)
        frame = lambda a: pd.DataFrame(a, index=items.index, columns=list(self.scales),  # noqa: E731
                                       copy=False)
        return ScoreResult(scores=frame(scores), n_answered=frame(counts), required=req,
                           se=frame(se), lo=frame(lo), hi=frame(hi), pct=frame(pct),
                           band=frame(band), notes=tuple(notes), required_rows=need)

    def score(self, data: pd.DataFrame | IntakeResult, *, id_column: str | None = None,
              norm_group: str | None = None) -> pd.DataFrame:
        """Score responses: the table ``lospw score`` writes, every input row in order.

        Parameters
        ----------
        data : DataFrame or IntakeResult
            Raw responses (checked like the intake does) or an intake result.
        id_column : str, optional
            Respondent id column, kept as the first column.
        norm_group : str, optional
            Column with each respondent's norm group (see ``group_norms``).
        """

        if isinstance(data, pd.DataFrame):
            check_item_columns_present(data, self)
            data = responses_from_frame(data, self.key, id_column=id_column)
        groups = None
        if norm_group is not None:
            if norm_group not in data.meta.columns:
                raise InputError(
                    f"No norm-group column {norm_group!r} in the data; the other columns are "
                    f"{', '.join(map(str, data.meta.columns)) or 'none'}."
                )
            groups = data.meta[norm_group]
        result = self.score_items(data.items, groups, getattr(data, "asked", None))
        return output_table(result, data, id_column=id_column or data.id_column)


def check_item_columns_present(frame: pd.DataFrame, scheme: ScoringScheme) -> None:
    """One InputError naming the scheme's items that the data lack."""
    missing = [i for i in scheme.key.items if i not in frame.columns]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise InputError(
            f"The scheme's items do not match the data: {len(missing)} of its "
            f"{scheme.key.n_items} items ({scheme.key.instrument}) are not columns of the "
            f"data: {shown}. Use the scheme made for this instrument, or rename the columns."
        )


# ---- deriving a scheme from data ------------------------------------------------------------
#: Reliability coefficients derive_scheme can compute (from lospw.analysis.classical.reliability, pairwise).
COEFFICIENTS = ("alpha", "omega")


def _scale_reliability(items: pd.DataFrame, key: Key, coefficient: str) -> dict[str, float]:
    """Per scale alpha or omega total from :func:`lospw.analysis.classical.reliability.reliability`
    (pairwise-complete covariances, so every scored respondent contributes)."""

    res = reliability(items, key, missing="pairwise", ci="none",
                      omega=coefficient == "omega", ordinal=False)
    out = {s: float(getattr(res[s], coefficient)) for s in key.scale_names}
    bad = {s: r for s, r in out.items() if not 0 <= r <= 1}  # NaN too
    if bad:
        shown = ", ".join(f"{s} ({r:.3g})" for s, r in bad.items())
        raise DegenerateDataError(
            "reliability_undefined",
            f"The {coefficient} of scale(s) {shown} is not a number from 0 to 1 (NaN: a "
            "single-item scale or items without variance; negative: the items do not measure "
            "one thing), so no standard error of measurement and no scoring scheme. Check the "
            "scale's items and their reverse keying.")
    return out


def derive_scheme(data: IntakeResult, key: Key, *,
                  reliability: Mapping[str, float] | None = None,
                  reliability_coefficient: str = "alpha",
                  group: str | None = None, rule: MissingRule | None = None,
                  bands: Bands | None = None, estimator: str | None = None,
                  synthetic: bool = False, description: str = "",
                  seeds: Mapping[str, int] | None = None, label: str = "",
                  file_sha256: str | None = None, min_group_n: int = 30) -> ScoringScheme:
    """Derive a scheme from a norm sample read by the intake.

    Parameters
    ----------
    data : IntakeResult
        The norm sample (``read_responses``).
    key : Key
    reliability : mapping, optional
        Scale -> reliability. Default: ``reliability_coefficient`` of each scale computed
        on ``data`` by :func:`lospw.analysis.classical.reliability.reliability` (pairwise-complete
        covariances of the keyed items, as ``psych::alpha(x, use = "pairwise")``).
    reliability_coefficient : {"alpha", "omega"}
        Its name (with ``reliability`` given, any name that describes it).
    group : str, optional
        A column of ``data.meta`` (e.g. stakeholder group) to give norms per level.
    min_group_n : int
        Levels with fewer scored respondents get no group norms (logged; overall norms
        apply to them).
    synthetic : bool
        True when the norm data are simulated: said in the scheme and wherever it is used.
    file_sha256 : str, optional
        SHA-256 of the data file (default: computed from ``data.source`` when it is a file).

    Returns
    -------
    ScoringScheme
    """

    rule = MissingRule() if rule is None else rule
    never = never_asked(data.asked, key)
    if never and len(never) < key.n_items:  # routed to groups not in the norm sample
        warnings.warn(LospwWarning(
            "items_not_asked", f"{', '.join(never)}: the key's design asks them of no "
            "respondent in the norm sample; the scheme leaves them out"), stacklevel=2)
        key = key_without(key, never, "items asked of no group in the norm sample")
    check_score_columns(key.scale_names)  # a scheme no scores table could be written for
    res = score_items(data.items, key, rule=rule, asked=data.asked)
    if reliability is None:
        if reliability_coefficient not in COEFFICIENTS:
            raise InputError(
                f"The reliability coefficient must be one of {', '.join(COEFFICIENTS)}; got "
                f"{reliability_coefficient!r}."
            )
        reliability = _scale_reliability(data.items, key, reliability_coefficient)
    norms = {s: NormTable.from_scores(res.scores[s].to_numpy()) for s in key.scale_names}
    group_norms: dict[str, dict[str, NormTable]] = {}
    if group is not None:
        if group not in data.meta.columns:
            raise InputError(
                f"No group column {group!r} in the data; the other columns are "
                f"{', '.join(map(str, data.meta.columns)) or 'none'}."
            )
        g = data.meta[group]
        for level in sorted(g.dropna().astype(str).unique()):
            rows = (g.astype(str) == level).to_numpy() & g.notna().to_numpy()
            tables = {s: NormTable.from_scores(res.scores[s].to_numpy()[rows])
                      for s in key.scale_names}
            if min(t.n for t in tables.values()) < min_group_n:
                log.info("group %s=%s: fewer than %d scored; no group norms", group, level,
                         min_group_n)
                continue
            group_norms[level] = tables
    src = Path(data.source)
    if file_sha256 is None and src.is_file():
        file_sha256 = sha256_file(src)
    prov = Provenance(file=src.name if src.is_file() else data.source, sha256=file_sha256,
                      n_read=int(data.n_read), n_analysed=int(data.n_analysed),
                      synthetic=bool(synthetic), description=description)
    return ScoringScheme(
        key=key, reliability={s: float(v) for s, v in reliability.items()}, norms=norms,
        provenance=prov, rule=rule, reliability_coefficient=reliability_coefficient,
        group_column=group if group_norms else None, group_norms=group_norms,
        bands=Bands() if bands is None else bands, estimator=estimator,
        seeds=dict(seeds or {}), label=label,
    )
