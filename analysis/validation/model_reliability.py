"""Model-based reliability: categorical omega of WLSMV one-factor models and the indices of
bifactor models (fitted CFA or Schmid–Leiman).

Adapters from a response frame and a key to the formula modules
:mod:`lospw.analysis.classical.ordinal_omega` (Green & Yang, 2009),
:mod:`lospw.analysis.classical.bifactor` (Rodriguez, Reise & Haviland, 2016) and
:mod:`lospw.analysis.efa.schmid_leiman` (``psych::omega``):

* :func:`ordinal_omega`: per scale, the one-factor model of its keyed items fitted by WLSMV
  (ordered items, delta parameterization, factor variance 1, listwise per scale: what
  ``semTools::compRelSEM(cfa(..., ordered = TRUE, std.lv = TRUE))`` is given) and the
  categorical omega of the sum score with the sample polychorics in the denominator
  (``compRelSEM``'s default ``obs.var = TRUE``); the model-implied variant beside it. Only
  the estimates enter, so the fit is WLSMV's estimation alone (the engine's sample
  statistics :func:`lospw.analysis.cfa.ordinal.ordinal_stats` and
  :func:`lospw.analysis.classical.ordinal_omega.fit_one_factor_dwls`): no standard errors,
  test or fit measures.
* :func:`bifactor_from_fit`: the indices of a fitted bifactor model (a general factor on
  every item, a specific factor per scale, orthogonal), e.g. the CFA stage's ``bifactor``
  rival, from its standardized (std.all) solution.
* :func:`bifactor_reliability`: fits that model (:func:`lospw.analysis.validation.models.
  bifactor`) or computes the Schmid–Leiman solution with one group factor per scale.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.engine import MAX_ORDINAL_CATEGORIES
from lospw.analysis.cfa.ordinal import lower_triangle, ordinal_stats
from lospw.analysis.classical.bifactor import (
    BifactorIndices,
    bifactor_indices,
    coefficient_h,
    factor_determinacy,
    percent_uncontaminated_correlations,
)
from lospw.analysis.classical.ordinal_omega import categorical_omega, fit_one_factor_dwls
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.efa.efa import pairwise_pearson
from lospw.analysis.efa.schmid_leiman import omega_schmid_leiman
from lospw.analysis.validation.models import bifactor as bifactor_syntax

__all__ = ["BIFACTOR_METHODS", "BifactorReliability", "OrdinalOmega", "bifactor_from_fit",
           "bifactor_reliability", "items_are_ordinal", "ordinal_omega",
           "schmid_leiman_indices", "with_model_reliability"]

BIFACTOR_METHODS = ("cfa", "schmid_leiman")


def items_are_ordinal(key: Key) -> bool:
    """Whether the key's items are ordinal in lospw's sense: integer categories, at most
    :data:`~lospw.analysis.cfa.engine.MAX_ORDINAL_CATEGORIES` of them (WLSMV's default).

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> items_are_ordinal(key_from_dict({"response_scale": {"min": 1, "max": 5},
    ...                                  "scales": {"S": ["a", "b", "c"]}}))
    True
    """
    rs = key.response_scale
    return not rs.continuous and rs.n_categories is not None \
        and rs.n_categories <= MAX_ORDINAL_CATEGORIES


# -- categorical omega ------------------------------------------------------------------------
@dataclass(frozen=True)
class OrdinalOmega:
    """Categorical omega of one scale.

    Attributes
    ----------
    omega : float or None
        Green & Yang's omega, sample polychorics in the denominator (``compRelSEM``'s
        ``ord.scale = TRUE, obs.var = TRUE``); None when it could not be computed.
    omega_model : float or None
        The same with the model-implied polychorics (``obs.var = FALSE``).
    n : int
        Rows used (complete on the scale's items).
    note : str or None
        Why it is None, or what to keep in mind (e.g. a Heywood case).
    """

    scale: str
    omega: float | None
    omega_model: float | None
    n: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"omega": self.omega, "omega_model": self.omega_model, "n": self.n,
                "note": self.note}


def _scale_omega(name: str, x: pd.DataFrame) -> OrdinalOmega:
    items = [str(c) for c in x.columns]
    values = x.to_numpy(dtype=float)
    values = values[~np.isnan(values).any(axis=1)]  # listwise on the scale's items
    n = len(values)
    if len(items) < 3:
        return OrdinalOmega(name, None, None, n, f"scale {name} has {len(items)} "
                            "item(s); a one-factor model needs at least 3")
    if n < 3 or np.any(values.min(axis=0) == values.max(axis=0)):
        return OrdinalOmega(name, None, None, n, f"scale {name}: too few complete rows "
                            "or an item without variance")
    try:
        stats = ordinal_stats(*_category_codes(values, items), items)
    except InputError as exc:
        return OrdinalOmega(name, None, None, n, f"scale {name}: {exc}")
    k = len(items)
    nth = len(stats.th)
    rows, cols = lower_triangle(k)
    weights = np.zeros((k, k))
    weights[rows, cols] = weights[cols, rows] = 1.0 / np.diag(stats.gamma)[nth:]
    # a degenerate pair (e.g. an empty row of its table) leaves no finite weight: the
    # WLSMV fit cannot converge (the CFA engine reports not_converged)
    usable = bool(np.isfinite(stats.cor).all() and np.isfinite(weights).all())
    fit = fit_one_factor_dwls(stats.cor, weights) if usable else None
    if fit is None or not fit.converged:
        return OrdinalOmega(name, None, None, n, f"scale {name}: the WLSMV one-factor "
                            "model did not converge")
    lam = fit.loadings
    th = [stats.th[stats.th_var == j] for j in range(k)]
    implied = np.outer(lam, lam)
    np.fill_diagonal(implied, 1.0)
    note = (f"scale {name}: the one-factor model has a Heywood case"
            if _improper(lam, stats.cor) else None)
    return OrdinalOmega(name, categorical_omega(lam, th, stats.cor),
                        categorical_omega(lam, th, implied), n, note)


def _category_codes(values: np.ndarray, items: list[str]) -> tuple[np.ndarray, list[int]]:
    """Each item's answers (complete rows) as codes ``0 .. K_j - 1`` of its observed values,
    and ``K_j`` (the CFA engine's coding for WLSMV: the categories are the values seen)."""
    bad = [c for c, col in zip(items, values.T, strict=True)
           if np.any(col != np.round(col))]
    if bad:
        raise InputError(f"Item {bad[0]!r} has non-integer values; WLSMV needs ordered "
                         "categories. Use estimator 'ML' or 'MLR' for continuous scores.")
    levels = [np.unique(col) for col in values.T]
    codes = np.column_stack([np.searchsorted(lev, col)
                             for lev, col in zip(levels, values.T, strict=True)])
    return codes.astype(int), [len(lev) for lev in levels]


def _improper(lam: np.ndarray, sample: np.ndarray) -> bool:
    """lavaan's ``post.check`` for the one-factor WLSMV model (what the CFA engine reports
    as ``heywood_case`` or ``nonpositive_definite``): a standardized loading above 1, an
    implied correlation matrix that is not positive definite, or a polychoric matrix that is
    not."""
    implied = np.outer(lam, lam)
    np.fill_diagonal(implied, 1.0)
    return bool(np.any(np.abs(lam) > 1) or np.linalg.eigvalsh(implied).min() <= 0
                or np.linalg.eigvalsh(sample).min() <= 1e-12 * max(1.0, np.abs(sample).max()))


def ordinal_omega(data: pd.DataFrame, key: Key, *, scales: Sequence[str] | None = None
                  ) -> dict[str, OrdinalOmega]:
    """Categorical omega (Green & Yang, 2009) of every scale of ``key``.

    Parameters
    ----------
    data : DataFrame
        Item responses as read (one column per key item, NaN missing); keyed here.
    key : Key
    scales : sequence of str, optional
        Only these scales.

    Returns
    -------
    dict
        Scale -> :class:`OrdinalOmega`.

    Raises
    ------
    InputError
        Items absent from the data, or an unknown scale.

    Examples
    --------
    >>> from lospw.analysis.core.key import key_from_dict
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=400)
    >>> raw = {i: np.digitize(.7 * f + rng.normal(scale=.7, size=400), [-1, 0, 1]) + 1
    ...        for i in ("a", "b", "c", "d")}
    >>> key = key_from_dict({"response_scale": {"min": 1, "max": 4},
    ...                      "scales": {"S": ["a", "b", "c", "d"]}})
    >>> res = ordinal_omega(pd.DataFrame(raw).astype(float), key)
    >>> 0.6 < res["S"].omega < 0.8
    True
    """
    absent = [i for i in key.items if i not in data.columns]
    if absent:
        raise InputError(f"{len(absent)} item(s) of the key are not columns of the data: "
                         f"{', '.join(absent[:10])}. Check the column names against the key.")
    names = list(scales) if scales is not None else list(key.scale_names)
    unknown = [s for s in names if s not in key.scale_names]
    if unknown:
        raise InputError(f"Unknown scale(s) {', '.join(unknown)}; the key's scales are "
                         f"{', '.join(key.scale_names)}.")
    keyed = key.reverse_score(data[list(key.items)].astype(float))
    return {s: _scale_omega(s, keyed[list(key.scale(s).items)]) for s in names}


# -- bifactor ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BifactorReliability:
    """Bifactor indices with what they were computed from."""

    indices: BifactorIndices | None
    method: str
    estimator: str | None
    n: int
    converged: bool
    warnings: tuple[Note, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out = ({"method": self.method} if self.indices is None else self.indices.to_dict())
        out.update(estimator=self.estimator, n=self.n, converged=self.converged,
                   warnings=notes_to_dicts(self.warnings))
        if self.indices is None:
            out.update(omega_h=None, ecv=None, puc=None, h={}, omega_hs={})
        return out


def _general_factor(par: pd.DataFrame, items: list[str]) -> str:
    lo = par[par["op"] == "=~"]
    full = [f for f, g in lo.groupby("lhs", sort=False) if set(items) <= set(g["rhs"])]
    if len(full) != 1:
        raise InputError("The model is not a bifactor model: no single factor loads on every "
                         "item.")
    return str(full[0])


def bifactor_from_fit(result: Any, key: Key, *, method: str = "cfa") -> BifactorIndices:
    """Bifactor indices of a fitted bifactor CFA (its std.all solution).

    Parameters
    ----------
    result : CFAResult
        A converged one-group fit of a general factor on every item of ``key`` plus specific
        factors named as the key's scales (:func:`lospw.analysis.validation.models.bifactor`),
        orthogonal.
    key : Key

    Returns
    -------
    BifactorIndices
        Loadings enter as lavaan's standardized solution gives them (signed).

    Raises
    ------
    InputError
        When the result is not of a bifactor model of the key's items.
    """
    if len(result.group_labels) != 1:
        raise InputError("Bifactor indices are computed for one-group models only.")
    par = result.parameters
    items = list(key.items)
    general = _general_factor(par, items)
    lo = par[par["op"] == "=~"]
    loadings = (lo.pivot_table(index="rhs", columns="lhs", values="std_all", aggfunc="first")
                .reindex(index=items).fillna(0.0))
    theta = par[(par["op"] == "~~") & (par["lhs"] == par["rhs"]) & par["lhs"].isin(items)]
    resid = dict(zip(theta["lhs"], theta["std_all"].astype(float), strict=True))
    groups = {s.name: list(s.items) for s in key.scales}
    specific = {s: (s if s in loadings.columns and s != general else None) for s in groups}
    notes = []
    if any(v is None for v in specific.values()):
        notes.append("scale(s) without a specific factor load on the general factor only: "
                     + ", ".join(s for s, f in specific.items() if f is None))
    ind = bifactor_indices(loadings, general, groups, specific=specific, residuals=resid,
                           method=method)
    return dataclasses.replace(ind, notes=tuple(notes))


def schmid_leiman_indices(data: pd.DataFrame, key: Key, *, missing: str = "pairwise"
                          ) -> BifactorIndices:
    """Bifactor indices of the Schmid–Leiman solution (``psych::omega``, one group factor per
    scale of the key) of the keyed items' Pearson correlations.

    ``omega_h``, ``omega_total``, ``ecv`` and each scale's ``omega_s`` / ``omega_hs`` are
    psych's (observed-variance denominators, psych's own item groups, named by the key's
    scale that holds most of a group's items); H and FD are computed from the SL loadings
    (FD with the observed correlations); PUC from the key's scale sizes.

    Raises
    ------
    InputError
        Fewer than two scales, or items absent from the data.
    """
    if len(key.scales) < 2:
        raise InputError("A Schmid-Leiman bifactor solution needs at least two scales (one "
                         "group factor each); the key has one.")
    keyed = key.reverse_score(data[list(key.items)].astype(float))
    x = keyed.dropna() if missing == "listwise" else keyed
    r, _ = pairwise_pearson(x.to_numpy(dtype=float))
    if not np.all(np.isfinite(r)):
        raise InputError("Some item pairs have no common answers (or an item has no "
                         "variance); the Schmid-Leiman solution needs every correlation.")
    items = list(key.items)
    om = omega_schmid_leiman(r, len(key.scales), items)
    sl = om.solution.loadings
    label = _match_groups(om.groups, key)
    groups = {s.name: list(s.items) for s in key.scales}
    table = om.omega_group
    omega_s = {label.get(f, f): float(table.loc[f, "total"]) for f in om.groups}
    omega_hs = {label.get(f, f): float(table.loc[f, "group"]) for f in om.groups}
    rel = {s: (omega_hs[s] / omega_s[s] if omega_s[s] else math.nan) for s in omega_s}
    lam = sl.to_numpy()
    fd = factor_determinacy(lam, r * np.outer(list(om.flip.values()), list(om.flip.values())))
    h = {"general": coefficient_h(sl["g"])}
    fdd = {"general": float(fd[0])}
    ev = (sl**2).sum()
    total = float(ev.sum())
    ecv_s, ecv_ss, ecv_gs = {}, {}, {}
    for j, f in enumerate(sl.columns[1:], start=1):
        name = label.get(f, f)
        h[name] = coefficient_h(sl[f])
        fdd[name] = float(fd[j])
        mem = om.groups[f]
        g2 = float((sl.loc[mem, "g"] ** 2).sum())
        s2 = float((sl.loc[mem, f] ** 2).sum())
        ecv_s[name] = float(ev[f]) / total
        ecv_ss[name] = s2 / (g2 + s2) if g2 + s2 else math.nan
        ecv_gs[name] = g2 / (g2 + s2) if g2 + s2 else math.nan
    order = [s.name for s in key.scales if s.name in omega_s]
    order += [f for f in omega_s if f not in order]
    omega_s, omega_hs, rel, h, fdd, ecv_s, ecv_ss, ecv_gs = (
        {k: d[k] for k in ([*(["general"] if "general" in d else []), *order]) if k in d}
        for d in (omega_s, omega_hs, rel, h, fdd, ecv_s, ecv_ss, ecv_gs))
    iecv = (sl["g"] ** 2 / (sl**2).sum(axis=1)).to_dict()
    notes = [f"psych's item groups: {f} = {', '.join(m)}" for f, m in om.groups.items()
             if label.get(f) is None or set(m) != set(groups[label[f]])]
    flipped = [i for i, k in om.flip.items() if k < 0]
    if flipped:
        notes.append("reversed because their general loading was negative (psych's flip): "
                     + ", ".join(flipped))
    return BifactorIndices(
        method="schmid_leiman", general="g", omega_total=om.omega_total, omega_h=om.omega_h,
        relative_omega_h=om.omega_h / om.omega_total, ecv=om.ecv,
        puc=percent_uncontaminated_correlations([len(v) for v in groups.values()]),
        h=h, fd=fdd, omega_s=omega_s, omega_hs=omega_hs, relative_omega_s=rel,
        ecv_s=ecv_s, ecv_ss=ecv_ss, ecv_gs=ecv_gs, iecv={k: float(v) for k, v in iecv.items()},
        specific={label.get(f, f): f for f in om.groups}, notes=tuple(notes))


def _match_groups(groups: dict[str, list[str]], key: Key) -> dict[str, str]:
    """Group factor -> the key scale holding most of its items, when that is one-to-one."""
    best = {}
    for f, members in groups.items():
        counts = {s.name: len(set(members) & set(s.items)) for s in key.scales}
        name = max(counts, key=lambda s: counts[s])
        if counts[name] > 0:
            best[f] = name
    if len(set(best.values())) != len(best):
        return {}
    return best


def bifactor_reliability(data: pd.DataFrame, key: Key, *, method: str = "cfa",
                         estimator: str = "ML", missing: str = "listwise"
                         ) -> BifactorReliability:
    """Bifactor indices of the key's items (general factor over all scales).

    Parameters
    ----------
    data : DataFrame
        Item responses as read; keyed here.
    key : Key
    method : {"cfa", "schmid_leiman"}
        ``cfa``: fit :func:`lospw.analysis.validation.models.bifactor` (orthogonal, factor
        variances 1) with ``estimator`` and report Rodriguez, Reise & Haviland's indices;
        ``schmid_leiman``: psych's exploratory solution (:func:`schmid_leiman_indices`).
    estimator : {"ML", "MLR", "WLSMV"}
    missing : {"listwise", "fiml", "pairwise"}
        ``fiml`` for the CFA with ML/MLR; ``pairwise`` correlations for Schmid–Leiman.

    Returns
    -------
    BifactorReliability
        ``indices`` None when the model did not converge; an improper solution (Heywood
        case: some index may exceed 1) keeps its indices, and its warning says so.

    Raises
    ------
    InputError
        Unknown method, or a key without the three scales of three items a bifactor CFA
        needs.
    """
    if method not in BIFACTOR_METHODS:
        raise InputError(f"The bifactor method must be one of "
                         f"{', '.join(map(repr, BIFACTOR_METHODS))}; got {method!r}.")
    if method == "schmid_leiman":
        ind = schmid_leiman_indices(data, key, missing="listwise" if missing == "listwise"
                                    else "pairwise")
        n = int(data[list(key.items)].notna().all(axis=1).sum()) if missing == "listwise" \
            else len(data)
        return BifactorReliability(ind, method, None, n, True)
    syntax = bifactor_syntax(key)
    keyed = key.reverse_score(data[list(key.items)].astype(float))
    res = fit_cfa(keyed, syntax, estimator=estimator,
                  missing="fiml" if missing == "fiml" else "listwise",
                  ordered=list(key.items) if estimator == "WLSMV" else None)
    notes = tuple(w.with_context(model="bifactor") for w in res.warnings)
    if not res.converged:
        return BifactorReliability(None, method, estimator, res.n_obs, False, notes)
    return BifactorReliability(bifactor_from_fit(res, key), method, estimator, res.n_obs,
                               True, notes)


# -- the reliability result with the model-based coefficients ---------------------------------
def with_model_reliability(result: Any, data: pd.DataFrame, key: Key, *,
                           ordinal: bool | None = None, bifactor: str | None = None,
                           estimator: str | None = None) -> Any:
    """A :class:`~lospw.analysis.classical.reliability.ReliabilityResult` with the
    model-based coefficients filled in.

    Parameters
    ----------
    result : ReliabilityResult
        From :func:`lospw.analysis.classical.reliability.reliability` on the same data.
    data : DataFrame
        The item responses it was computed from (as read; keyed here).
    key : Key
    ordinal : bool, optional
        Compute each scale's ``omega_ordinal`` (:func:`ordinal_omega`); default: when the
        key's items are ordinal (:func:`items_are_ordinal`).
    bifactor : {"cfa", "schmid_leiman"}, optional
        Add the ``bifactor`` block (:func:`bifactor_reliability`, general factor over all
        scales) computed by this method.
    estimator : {"ML", "MLR", "WLSMV"}, optional
        Of the bifactor CFA; default WLSMV for ordinal items, else ML (as ``lospw cfa``).

    Returns
    -------
    ReliabilityResult
        A new result; reasons a coefficient is missing are added to its ``warnings``
        (``no_ordinal_omega``, ``bifactor_failed``).
    """
    ordinal = items_are_ordinal(key) if ordinal is None else ordinal
    scales = dict(result.scales)
    notes = list(result.warnings)
    if ordinal:
        for name, om in ordinal_omega(data, key).items():
            scales[name] = dataclasses.replace(scales[name], omega_ordinal=om.omega)
            if om.omega is None:
                notes.append(Note("no_ordinal_omega", om.note, {"scale": name}))
            elif om.note:
                notes.append(Note("heywood_case", f"{om.note}; its categorical omega is "
                                  "doubtful.", {"scale": name}))
    block = None
    if bifactor is not None:
        est = estimator or ("WLSMV" if items_are_ordinal(key) else "ML")
        missing = "pairwise" if result.missing == "pairwise" else "listwise"
        if bifactor == "cfa" and missing == "pairwise":
            missing = "fiml" if est in ("ML", "MLR") else "listwise"
        bif = bifactor_reliability(data, key, method=bifactor, estimator=est, missing=missing)
        block = bif.to_dict()
        if bif.indices is None:
            notes.append(Note("bifactor_failed", "the bifactor model did not converge; no "
                              "bifactor indices.", {"model": "bifactor"}))
    return dataclasses.replace(result, scales=scales, warnings=tuple(notes), bifactor=block)
