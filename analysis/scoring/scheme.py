"""The scoring scheme: what a validation leaves behind to score new data without redoing it.

A :class:`ScoringScheme` holds the key (scales, items, keyed directions, response scale),
the too-few-items rule, the score metric (the mean of the answered items on the response
scale), each scale's reliability and standard error of measurement, norms overall and per
group (:class:`~lospw.analysis.scoring.norms.NormTable`), interpretation bands, and where it came from
(instrument and version, the key's SHA-256, the estimator, the data's file hash and size,
whether those data are synthetic, seeds). It is saved as versioned JSON
(:mod:`lospw.analysis.scoring.scheme_io`; ``schema_version`` is semver, a major bump is incompatible).
A scheme is derived from a norm sample by :func:`lospw.analysis.scoring.derive.derive_scheme`
(kept apart so scoring with a saved scheme imports no reliability or factor code).

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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.core.errors import InputError, require_column
from lospw.analysis.core.key import Key
from lospw.analysis.intake.responses import IntakeResult, responses_from_frame
from lospw.analysis.scoring.norms import Bands, NormTable
from lospw.analysis.scoring.score_table import output_table
from lospw.analysis.scoring.scores import (
    MissingRule,
    ScoreResult,
    apply_required,
    check_item_columns,
    design_required,
    keyed_matrix,
    scale_means,
    score_interval,
    sem,
)

__all__ = [
    "SCHEMA_VERSION",
    "Provenance",
    "ScoringScheme",
]

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
    """A frozen scoring scheme. Build it with
    :func:`~lospw.analysis.scoring.derive.derive_scheme` or from numbers.

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
            require_column(norm_group, data.meta.columns, "norm-group column")
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
