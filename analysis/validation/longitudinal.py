"""Longitudinal measurement invariance and latent change across waves.

The same persons answer the key's items at two or more waves. The data are analysed wide
(one row per person, one column per item and wave; long data are reshaped by
:func:`long_to_wide`), so each person's waves are one response vector: attrition is missing
data, handled by FIML (ML, MLR) or listwise (WLSMV, lavaan's default for ordered items).
The steps are :mod:`lospw.analysis.validation.longitudinal_syntax`'s (as semTools'
``measEq.syntax(longFacNames =, long.equal =)``); each is fitted by lospw's CFA engine and
judged against the last accepted step with lavaan's difference test (plain for ML,
Satorra-Bentler 2001 for MLR, Satorra 2000 for WLSMV) and the criterion's Δ-fit rule
(Chen 2007, Cheung & Rensvold 2002 or the chi-square p < .05), as for groups
(:mod:`lospw.analysis.validation.invariance`).

Partial search: when a step fails, the item whose own (wave-specific) parameter of the
step's kind improves the chi-square most is freed, one at a time, until the step passes or no
item may be freed (at least two items per scale keep equal loadings and intercepts, Byrne,
Shavelson & Muthén, 1989; at most ``max_free``). lospw refits each candidate (the waves are
columns of one group, so the group search's score tests of ``group.equal`` constraints do
not apply); the freed items stay free in later steps.

Latent change (per scale, wave ``t`` against the first wave), from the scalar step's fit
(full or partial), with delta-method standard errors and Wald 95% intervals:

.. math:: \\Delta = \\alpha_t - \\alpha_1, \\quad d_1 = \\Delta / \\sqrt{\\psi_1}, \\quad
          d_{pooled} = \\Delta / \\sqrt{(\\psi_1 + \\psi_t) / 2}, \\quad
          \\mathrm{ratio} = \\psi_t / \\psi_1

(``alpha`` factor means, ``psi`` factor variances; with ``std.lv`` ``alpha_1 = 0``, ``psi_1 =
1``). Without scalar invariance latent means are not comparable across waves and no change
is reported (the result says why).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa import fit_cfa
from lospw.analysis.cfa.difftest import difference_test
from lospw.analysis.core import special
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import Key
from lospw.analysis.core.options import check_estimator
from lospw.analysis.core.warnings import Note, notes_to_dicts
from lospw.analysis.validation.invariance import (
    CRITERIA,
    chen_2007,
    chen_2007_decided_by,
    cheung_rensvold_2002,
)
from lospw.analysis.validation.longitudinal_syntax import (
    CONTINUOUS_STEPS,
    ORDINAL_STEPS,
    longitudinal_syntax,
)

__all__ = ["LongitudinalResult", "latent_change", "long_to_wide", "longitudinal_invariance",
           "wave_suffixes"]

INDICES = {"ML": ("cfi", "rmsea", "srmr"), "MLR": ("cfi_robust", "rmsea_robust", "srmr"),
           "WLSMV": ("cfi_scaled", "rmsea_scaled", "srmr")}
_KIND = {"thresholds": "|", "metric": "=~", "scalar": "~1", "strict": "~~"}
Z95 = 1.959963984540054
_SUFFIX_OK = re.compile(r"^[A-Za-z0-9_.]+$")


def wave_suffixes(waves: Sequence[Any]) -> list[str]:
    """Column suffixes for wave labels: ``_<label>`` when the label is a lavaan-safe name
    part, else ``_w<k>`` (k = 1, 2, ... in wave order).

    >>> wave_suffixes([1, 2]), wave_suffixes(["T 1", "T 2"])
    (['_1', '_2'], ['_w1', '_w2'])
    """
    labels = [str(w) for w in waves]
    if all(_SUFFIX_OK.match(w) for w in labels):
        return [f"_{w}" for w in labels]
    return [f"_w{k}" for k in range(1, len(labels) + 1)]


def long_to_wide(data: pd.DataFrame, items: Sequence[str], wave: str, id_column: str
                 ) -> tuple[pd.DataFrame, list[str], list[str], pd.DataFrame]:
    """One row per person and wave -> one row per person (items suffixed by wave).

    Parameters
    ----------
    data : DataFrame
        Long data: the id column, the wave column and the items.
    items : sequence of str
    wave, id_column : str

    Returns
    -------
    (wide, waves, suffixes, excluded)
        ``waves`` the wave labels in sorted order (numeric when they are numbers),
        ``suffixes`` their column suffixes (:func:`wave_suffixes`), ``excluded`` the input
        rows not used (``row``, ``reason``): no id or wave, or a person with more than one
        row at a wave (all of that person's rows at that wave).

    Raises
    ------
    InputError
        A column is absent, or fewer than two waves.

    Examples
    --------
    >>> d = pd.DataFrame({"id": [1, 1, 2, 3, 3], "t": [1, 2, 1, 1, 1], "a": [1, 2, 3, 4, 5]})
    >>> w, waves, sfx, ex = long_to_wide(d, ["a"], "t", "id")
    >>> w.to_dict("list"), waves, ex["reason"].tolist()
    ({'id': ['1', '2'], 'a_1': [1.0, 3.0], 'a_2': [2.0, nan]}, ['1', '2'], ['more than one row of this person at this wave', 'more than one row of this person at this wave'])
    """
    for col, what in ((wave, "--wave"), (id_column, "--id")):
        if col not in data.columns:
            raise InputError(f"The {what} column {col!r} is not in the data. Name one of its "
                             "columns.")
    absent = [v for v in items if v not in data.columns]
    if absent:
        raise InputError(f"{len(absent)} item column(s) are not in the data: "
                         f"{', '.join(absent[:10])}.")
    excluded = []
    bad = data[wave].isna() | data[id_column].isna()
    excluded += [{"row": r, "reason": "no id or wave"} for r in data.index[bad]]
    d = data.loc[~bad].copy()
    d["_id"] = d[id_column].astype(str)
    wv = pd.to_numeric(d[wave], errors="coerce")
    numeric = bool(wv.notna().all())
    if numeric:
        order = sorted(wv.unique())
        label = {v: (str(int(v)) if float(v).is_integer() else str(v)) for v in order}
        d["_wave"] = wv.map(label)
        waves = [label[v] for v in order]
    else:
        d["_wave"] = d[wave].astype(str)
        waves = sorted(d["_wave"].unique())
    if len(waves) < 2:
        raise InputError(f"The wave column {wave!r} has {len(waves)} wave(s); longitudinal "
                         "invariance needs at least two.")
    dup = d.duplicated(["_id", "_wave"], keep=False)
    excluded += [{"row": r, "reason": "more than one row of this person at this wave"}
                 for r in d.index[dup]]
    d = d.loc[~dup]
    sfx = wave_suffixes(waves)
    persons = list(dict.fromkeys(d["_id"]))
    wide = pd.DataFrame({id_column: persons})
    for w, s in zip(waves, sfx, strict=True):
        part = d.loc[d["_wave"] == w].set_index("_id")[list(items)]
        part = part.apply(pd.to_numeric, errors="coerce").astype(float).reindex(persons)
        part.columns = [f"{v}{s}" for v in items]
        wide = pd.concat([wide, part.reset_index(drop=True)], axis=1)
    return wide, waves, sfx, pd.DataFrame(excluded, columns=["row", "reason"])


@dataclass(frozen=True)
class LongitudinalResult:
    """Steps, decisions, the highest level reached and the latent change.

    Attributes
    ----------
    estimator, missing, criterion : str
    waves, suffixes : tuple of str
    steps : list of dict
        Per fitted step: ``step``, ``partial`` (freed parameters), ``converged``, ``fit``
        (chisq, df, pvalue, the criterion's indices, scaled versions where the estimator
        has them), ``syntax``.
    decisions : list of dict
        Per judged step: ``step``, ``versus``, the difference test, the Δ-indices, the
        verdict, what decided it.
    highest_level : str or None
    latent_change : DataFrame or None
        ``scale wave quantity est se z pvalue ci_lower ci_upper`` (quantities
        ``mean_diff``, ``d_wave1_sd``, ``d_pooled_sd``, ``var_ratio``).
    latent_change_note : str
        Which model the change comes from, or why there is none.
    n_obs : int
    """

    estimator: str
    missing: str
    criterion: str
    waves: tuple[str, ...]
    suffixes: tuple[str, ...]
    steps: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    highest_level: str | None
    latent_change: pd.DataFrame | None
    latent_change_note: str
    n_obs: int
    warnings: tuple[Note, ...] = field(default=())
    fits: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        lc = None
        if self.latent_change is not None:
            lc = self.latent_change.astype(object).where(self.latent_change.notna(), None) \
                .to_dict("records")
        return {"design": "longitudinal", "estimator": self.estimator,
                "missing": self.missing, "criterion": self.criterion,
                "waves": list(self.waves), "suffixes": list(self.suffixes),
                "n_obs": self.n_obs, "steps": self.steps, "decisions": self.decisions,
                "highest_level": self.highest_level, "latent_change": lc,
                "latent_change_note": self.latent_change_note,
                "warnings": notes_to_dicts(self.warnings)}


def _fit(data: pd.DataFrame, syntax: str, estimator: str, missing: str, ordinal: bool) -> Any:
    kw: dict[str, Any] = {"estimator": estimator, "missing": missing}
    if ordinal:
        kw.update(ordered=True, parameterization="theta")
    return fit_cfa(data, syntax, **kw)


def _fit_summary(res: Any, estimator: str) -> dict[str, float]:
    keys = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic",
            "chisq_scaled", "df_scaled", "pvalue_scaled", "cfi_scaled", "rmsea_scaled",
            "cfi_robust", "tli_robust", "rmsea_robust"]
    return {k: float(res.fit[k]) for k in keys if k in res.fit}


def _judge(step: str, res: Any, prev: Any, estimator: str, criterion: str) -> dict[str, Any]:
    cfi, rmsea, srmr = INDICES[estimator]
    d = {"delta_cfi": res.fit[cfi] - prev.fit[cfi],
         "delta_rmsea": res.fit[rmsea] - prev.fit[rmsea],
         "delta_srmr": res.fit[srmr] - prev.fit[srmr]}
    test = difference_test(res, prev)
    if criterion == "chen2007":
        bad = chen_2007(d["delta_cfi"], d["delta_rmsea"], d["delta_srmr"], step)
        by = list(chen_2007_decided_by(d["delta_cfi"], d["delta_rmsea"], d["delta_srmr"],
                                       step))
    elif criterion == "cheung_rensvold2002":
        bad, by = cheung_rensvold_2002(d["delta_cfi"]), ["delta_cfi"]
    else:
        bad, by = bool(test.pvalue < 0.05), ["pvalue"]
    return {**d, "chisq_diff": float(test.chisq_diff), "df_diff": float(test.df_diff),
            "pvalue": float(test.pvalue), "test": test.method,
            "verdict": "non-invariant" if bad else "invariant", "decided_by": by}


def _candidates(step: str, key: Key, partial: Sequence[str], n_thr: Mapping[str, int] | None
                ) -> list[tuple[str, tuple[str, ...]]]:
    """(item, parameters to free) pairs the partial search may try for a step."""
    kind = _KIND[step]
    out = []
    for s in key.scales:
        for it in s.items:
            if kind == "|":
                names = tuple(f"{it}|t{t}" for t in range(1, int(n_thr[it]) + 1))
            else:
                names = (f"{it}{kind}",)
            if all(n in partial for n in names):
                continue
            if kind in ("=~", "~1"):
                equal = [i for i in s.items if f"{i}{kind}" not in partial and i != it]
                if len(equal) < 2:
                    continue
            out.append((it, names))
    return out


def longitudinal_invariance(wide: pd.DataFrame, key: Key, suffixes: Sequence[str], *,
                            waves: Sequence[str] | None = None, estimator: str = "ML",
                            missing: str = "listwise", criterion: str = "chen2007",
                            search: bool = True, max_free: int = 5) -> LongitudinalResult:
    """Configural → metric → scalar → strict across waves (thresholds first for WLSMV), the
    partial search, and latent change under scalar invariance (module docstring).

    Parameters
    ----------
    wide : DataFrame
        One row per person; columns ``<item><suffix>`` for every key item and wave.
    key : Key
    suffixes : sequence of str
        Wave column suffixes in wave order.
    waves : sequence of str, optional
        Wave labels (for reports; default: the suffixes).
    estimator : {"ML", "MLR", "WLSMV"}
        WLSMV treats the items as ordered (theta parameterization, Wu & Estabrook steps).
    missing : {"listwise", "fiml"}
        FIML (ML, MLR) keeps persons who missed a wave.
    criterion : {"chen2007", "cheung_rensvold2002", "chisq"}
    search : bool
        Search for partial invariance when a step fails.
    max_free : int
        At most this many items freed per step.

    Returns
    -------
    LongitudinalResult

    Raises
    ------
    InputError
        Unknown options, absent columns, WLSMV with FIML.
    """
    check_estimator(estimator)
    if missing not in ("listwise", "fiml"):
        raise InputError(f"'missing' must be listwise or fiml; got {missing!r}.")
    if estimator == "WLSMV" and missing == "fiml":
        raise InputError("FIML needs ML or MLR; with WLSMV use missing='listwise'.")
    if criterion not in CRITERIA:
        raise InputError(f"The criterion must be one of {', '.join(CRITERIA)}; got "
                         f"{criterion!r}.")
    suffixes = list(suffixes)
    waves = [str(w) for w in (waves or suffixes)]
    cols = [f"{it}{s}" for s in suffixes for it in key.items]
    absent = [c for c in cols if c not in wide.columns]
    if absent:
        raise InputError(f"{len(absent)} item-by-wave column(s) are not in the data: "
                         f"{', '.join(absent[:8])}. Name the wave suffixes of the columns.")
    data = wide[cols].apply(pd.to_numeric, errors="coerce")
    ordinal = estimator == "WLSMV"
    n_thr = None
    if ordinal:
        n_thr = {}
        for it in key.items:
            cats = pd.unique(data[[f"{it}{s}" for s in suffixes]].to_numpy().ravel())
            n_thr[it] = int(np.sum(~pd.isna(cats))) - 1
    steps_def = ORDINAL_STEPS if ordinal else CONTINUOUS_STEPS
    steps: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    fits: dict[str, Any] = {}
    warnings: list[Note] = []
    partial: list[str] = []
    accepted = None
    highest = None
    for step, _ in steps_def:
        syntax = longitudinal_syntax(key, suffixes, step, n_thresholds=n_thr, partial=partial)
        res = _fit(data, syntax, estimator, missing, ordinal)
        steps.append({"step": step, "partial": list(partial), "converged": res.converged,
                      "fit": _fit_summary(res, estimator), "syntax": syntax})
        if not res.converged:
            warnings.append(Note("not_converged", f"{step}: the model did not converge; later "
                                 "steps not tested", {"step": step}))
            break
        if accepted is None:
            accepted, highest, fits[step] = res, step, res
            continue
        judged = _judge(step, res, accepted, estimator, criterion)
        decisions.append({"step": step, "versus": highest, "partial": [], **judged})
        if judged["verdict"] == "non-invariant" and search:
            res, judged, freed = _search(step, data, key, suffixes, partial, n_thr, accepted,
                                         estimator, missing, criterion, ordinal, max_free,
                                         judged)
            if freed:
                partial = partial + [p for _, names in freed for p in names]
                syntax = longitudinal_syntax(key, suffixes, step, n_thresholds=n_thr,
                                             partial=partial)
                steps.append({"step": f"{step} (partial)", "partial": list(partial),
                              "converged": res.converged,
                              "fit": _fit_summary(res, estimator), "syntax": syntax})
                decisions.append({"step": f"{step} (partial)", "versus": highest,
                                  "partial": [it for it, _ in freed], **judged})
        if judged["verdict"] == "non-invariant":
            break
        accepted, highest, fits[step] = res, step, res
    change, note = None, ""
    if "scalar" in fits:
        change = latent_change(fits["scalar"], key, suffixes, waves)
        note = ("from the scalar model" + (f" with {len(partial)} freed parameter(s) (partial "
                                           "invariance)" if partial else ""))
    else:
        note = (f"not reported: scalar invariance across waves was not reached (highest level: "
                f"{highest or 'none'}); latent means are not comparable across waves without "
                "equal loadings and intercepts")
    n_obs = next(iter(fits.values())).n_obs if fits else 0
    return LongitudinalResult(estimator, missing, criterion, tuple(waves), tuple(suffixes),
                              steps, decisions, highest, change, note, int(n_obs),
                              tuple(warnings), fits)


def _search(step: str, data: pd.DataFrame, key: Key, suffixes: Sequence[str],
            partial: list[str], n_thr, accepted: Any, estimator: str, missing: str,
            criterion: str, ordinal: bool, max_free: int, judged: dict[str, Any]
            ) -> tuple[Any, dict[str, Any], list[tuple[str, tuple[str, ...]]]]:
    """Free the best item at a time until the step passes (see the module docstring)."""
    freed: list[tuple[str, tuple[str, ...]]] = []
    res = None
    while len(freed) < max_free:
        current = partial + [p for _, names in freed for p in names]
        best = None
        for it, names in _candidates(step, key, current, n_thr):
            syntax = longitudinal_syntax(key, suffixes, step, n_thresholds=n_thr,
                                         partial=current + list(names))
            r = _fit(data, syntax, estimator, missing, ordinal)
            if r.converged and (best is None or r.fit["chisq"] < best[2].fit["chisq"]):
                best = (it, names, r)
        if best is None:
            break
        freed.append((best[0], best[1]))
        res = best[2]
        judged = _judge(step, res, accepted, estimator, criterion)
        if judged["verdict"] == "invariant":
            break
    return res, judged, freed


def fit_state(res: Any) -> Any:
    """The engine's fitted state of a CFA result (parameter table, model, vcov)."""
    return res.fit_state


def _row_x(res: Any, lhs: str, op: str, rhs: str) -> tuple[float, int]:
    """Estimate and estimation-vector index (-1: fixed) of one parameter."""
    st = fit_state(res)
    t = st.pt.table
    sel = np.flatnonzero((t["lhs"] == lhs).to_numpy() & (t["op"] == op).to_numpy()
                         & (t["rhs"] == rhs).to_numpy())
    if len(sel) != 1:
        raise InputError(f"The model has no parameter {lhs} {op} {rhs}.")
    r = int(sel[0])
    est = float(res.parameters["est"].iloc[r])
    return est, int(st.model.x_of_row[r])


def latent_change(res: Any, key: Key, suffixes: Sequence[str],
                  waves: Sequence[str] | None = None) -> pd.DataFrame:
    """Latent change of every scale from the first wave to each later one (module docstring).

    Parameters
    ----------
    res : CFAResult
        A converged longitudinal model with factor means free after the first wave (the
        scalar step).
    key : Key
    suffixes : sequence of str
    waves : sequence of str, optional

    Returns
    -------
    DataFrame
        ``scale wave quantity est se z pvalue ci_lower ci_upper``.
    """
    if not res.converged:
        raise InputError("The model did not converge: no latent change.")
    waves = [str(w) for w in (waves or suffixes)]
    vcov = fit_state(res).vcov
    rows = []
    for s in key.scales:
        a1, xa1 = _row_x(res, f"{s.name}{suffixes[0]}", "~1", "")
        p1, xp1 = _row_x(res, f"{s.name}{suffixes[0]}", "~~", f"{s.name}{suffixes[0]}")
        for sfx, w in zip(suffixes[1:], waves[1:], strict=True):
            f = f"{s.name}{sfx}"
            at, xat = _row_x(res, f, "~1", "")
            pt_, xpt = _row_x(res, f, "~~", f)
            diff = at - a1
            pooled = (p1 + pt_) / 2
            # value and gradient w.r.t. (alpha_1, alpha_t, psi_1, psi_t)
            quantities = {
                "mean_diff": (diff, [-1.0, 1.0, 0.0, 0.0]),
                "d_wave1_sd": (diff / math.sqrt(p1),
                               [-1 / math.sqrt(p1), 1 / math.sqrt(p1),
                                -0.5 * diff * p1 ** -1.5, 0.0]),
                "d_pooled_sd": (diff / math.sqrt(pooled),
                                [-1 / math.sqrt(pooled), 1 / math.sqrt(pooled),
                                 -0.25 * diff * pooled ** -1.5, -0.25 * diff * pooled ** -1.5]),
                "var_ratio": (pt_ / p1, [0.0, 0.0, -pt_ / p1 ** 2, 1 / p1]),
            }
            for q, (est, grad) in quantities.items():
                g = np.zeros(vcov.shape[0]) if vcov is not None else None
                if g is not None:
                    for xi, gi in zip((xa1, xat, xp1, xpt), grad, strict=True):
                        if xi >= 0:
                            g[xi] += gi
                se = float(np.sqrt(g @ vcov @ g)) if g is not None else math.nan
                z = est / se if se > 0 else math.nan
                p = float(special.erfc(abs(z) / math.sqrt(2))) if np.isfinite(z) else math.nan
                rows.append({"scale": s.name, "wave": w, "versus": waves[0], "quantity": q,
                             "est": est, "se": se, "z": z, "pvalue": p,
                             "ci_lower": est - Z95 * se, "ci_upper": est + Z95 * se})
    return pd.DataFrame(rows)
