"""Deriving a scoring scheme from a norm sample: scores, norms and each scale's reliability.

:func:`derive_scheme` turns a norm sample read by the intake into a
:class:`~lospw.analysis.scoring.scheme.ScoringScheme`. It is the only part of the scheme that
computes reliability (:mod:`lospw.analysis.classical.reliability`, with omega's factor fit),
so it lives apart from the scheme: scoring new data with a saved scheme (``lospw score``)
imports none of that.

Reliability
-----------
Unless given, each scale's reliability is Cronbach's alpha (or McDonald's omega total) of its
keyed items from pairwise-complete covariances, as ``psych::alpha(x, use = "pairwise")``; the
scheme's standard error of measurement is ``SEM = SD * sqrt(1 - reliability)``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lospw.analysis.classical.reliability import reliability as scale_reliabilities
from lospw.analysis.core.artifacts import sha256_file
from lospw.analysis.core.degenerate import DegenerateDataError
from lospw.analysis.core.design import key_without, never_asked
from lospw.analysis.core.errors import InputError, LospwWarning, require_column
from lospw.analysis.core.key import Key
from lospw.analysis.intake.responses import IntakeResult
from lospw.analysis.scoring.norms import Bands, NormTable
from lospw.analysis.scoring.scheme import Provenance, ScoringScheme
from lospw.analysis.scoring.scores import MissingRule, check_score_columns, score_items

__all__ = ["COEFFICIENTS", "derive_scheme"]

log = logging.getLogger(__name__)

#: Reliability coefficients derive_scheme can compute (from lospw.analysis.classical.reliability,
#: pairwise).
COEFFICIENTS = ("alpha", "omega")


def _scale_reliability(items: pd.DataFrame, key: Key, coefficient: str) -> dict[str, float]:
    """Per scale alpha or omega total from :func:`lospw.analysis.classical.reliability.reliability`
    (pairwise-complete covariances, so every scored respondent contributes)."""

    res = scale_reliabilities(items, key, missing="pairwise", ci="none",
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
        require_column(group, data.meta.columns, "group column")
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
