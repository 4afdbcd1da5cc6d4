"""fit_twolevel: two-level CFA by maximum likelihood, as lavaan's ``cfa(..., cluster =)``.

The model is lavaan syntax with a ``level: 1`` (within) and a ``level: 2`` (between)
block (:func:`lospw.analysis.cfa.syntax.split_levels`); the parameter table follows
lavaan's two-level defaults (:mod:`lospw.analysis.cfa.twolevel_partable`), the likelihood
is the exact two-level normal one, with missing values handled casewise as lavaan's
``missing = "ml"`` (:mod:`lospw.analysis.cfa.twolevel_ml`). Defaults as lavaan 0.6-14
for two-level data: estimator ML, standard errors from the observed information
(``information = "observed"``), the standard chi-square against the unrestricted
two-level model (h1, :mod:`lospw.analysis.cfa.twolevel_h1`), the baseline the
independence model of both levels.

Too few clusters are refused. Below :data:`MIN_CLUSTERS` (30) the between level is
estimated from too few units for ML: between-level variances and their standard errors
are biased downward and the solutions are often improper (Maas & Hox, 2005; McNeish &
Stapleton, 2016; Hox, Moerbeek & van de Schoot, 2018, ch. 12 advise at least 50 for the
between part of a two-level SEM, and lavaan itself fails on the 10 workplaces of lospw's
demo field test: ``tests/reference/twolevel_cfa.json``). With ``J`` clusters and ``p_B``
between-level items the unrestricted between covariance is not estimable when ``J <=
p_B`` whatever the threshold. Between :data:`MIN_CLUSTERS` and :data:`FEW_CLUSTERS` (50)
the fit carries the warning ``few_clusters``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from lospw.analysis.cfa import measures as F
from lospw.analysis.cfa.data import GroupData
from lospw.analysis.cfa.information import singular_information, vcov_warnings
from lospw.analysis.cfa.model import LAM, PSI, THETA, Model
from lospw.analysis.cfa.multistart import (
    best_start,
    disagreement,
    n_random_starts,
    random_starts,
)
from lospw.analysis.cfa.standardize import standardize
from lospw.analysis.cfa.start import start_values
from lospw.analysis.cfa.syntax import parse_model, split_levels
from lospw.analysis.cfa.threads import single_threaded
from lospw.analysis.cfa.twolevel_data import ClusterData, cluster_data
from lospw.analysis.cfa.twolevel_h1 import TwoLevelMoments, baseline_2l, saturated_2l
from lospw.analysis.cfa.twolevel_ml import TwoLevelObjective
from lospw.analysis.cfa.twolevel_partable import build_twolevel_partable
from lospw.analysis.cfa.twolevel_result import (
    TWOLEVEL_FIT_MEASURES,
    TWOLEVEL_PARAMETER_COLUMNS,
    TwoLevelResult,
)
from lospw.analysis.core import special
from lospw.analysis.core.degenerate import check_item_variance
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note

__all__ = ["FEW_CLUSTERS", "MIN_CLUSTERS", "fit_cfa_two_level", "fit_twolevel", "srmr_level"]

log = logging.getLogger(__name__)

#: Fewer clusters than this are refused (see the module docstring).
MIN_CLUSTERS = 30
#: Fewer clusters than this give the warning ``few_clusters``.
FEW_CLUSTERS = 50
LEVELS = ("within", "between")


def _check_data(data: Any, ov: list[str], cluster: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"The data must be a pandas DataFrame; got {type(data).__name__}.")
    absent = [v for v in ov if v not in data.columns]
    if absent:
        raise InputError(f"The model uses {len(absent)} variable(s) not in the data: "
                         f"{', '.join(absent[:10])}. Check the model against the column names.")
    if cluster in ov:
        raise InputError(f"The cluster column {cluster!r} is also a model variable. Name the "
                         "column that identifies the clusters (e.g. the workplace).")
    bad = [v for v in ov if not pd.api.types.is_numeric_dtype(data[v])]
    if bad:
        raise InputError(f"Model variable(s) {', '.join(bad[:10])} are not numeric. Recode them "
                         "as numbers (missing as empty).")


def _check_clusters(d: ClusterData, p_between: int, min_clusters: int) -> list[Note]:
    J = d.n_clusters
    floor = max(int(min_clusters), p_between + 1)
    if J < floor:
        why = (f"with fewer than {min_clusters} clusters ML estimates of the between level "
               "(variances, loadings, their standard errors) are biased and often improper")
        if J <= p_between:
            why += (f", and the unrestricted between-level covariance of {p_between} items is "
                    f"not estimable from {J} cluster means")
        raise InputError(f"The data have {J} clusters (column values) with analysable rows; a "
                         f"two-level CFA needs at least {floor}: {why}. Analyse the items at "
                         "one level (without the cluster option) and describe the clusters by "
                         "ICC(1)/ICC(2) instead.")
    if J < FEW_CLUSTERS:
        return [Note("few_clusters", f"{J} clusters: between-level estimates and their "
                     f"standard errors are less trustworthy below {FEW_CLUSTERS} "
                     "clusters (Hox, Moerbeek & van de Schoot, 2018)")]
    return []


def _starts(m: Model, d: ClusterData, random: int | None, seed: int
            ) -> list[tuple[str, np.ndarray]]:
    """The default start, a marker-based one and the policy's random starts.

    Between-level factor solutions often have several local maxima (e.g. one between
    factor for two clusters of items); the first principal component and the marker item
    may each lead to one. Every start is optimised and the best kept
    (:func:`~lospw.analysis.cfa.multistart.best_start`).
    """
    s_pw, s_b, grand = d.start_moments()
    groups = [GroupData("within", d.n, grand, s_pw),
              GroupData("between", d.n_clusters, grand, s_b)]
    x0 = start_values(m, groups)
    out = [("default", x0)]
    xm = _marker_start(m, [s_pw, s_b], x0)
    if xm is not None:
        out.append(("marker", xm))
    n = n_random_starts(m.pt, random)
    for k, x in enumerate(random_starts(m.pt, x0, n, seed, lambda z: 0.0), start=1):
        out.append((f"random {k}", x))
    return out


def _marker_start(m: Model, covs: list[np.ndarray], x0: np.ndarray) -> np.ndarray | None:
    """Loadings by instrumental regression on each factor's marker item (fixed loading 1):
    ``l_j = sum_k s_jk s_mk / sum_k s_mk^2`` over the factor's other items ``k``, factor
    variance ``s_mm / 2``, residual variances ``s_jj / 2`` (lavaan's "simple" share)."""
    x = x0.copy()
    used = False
    for gm, s in zip(m.groups, covs, strict=True):
        vals = m.row_values(x)[gm.rows]
        free = m.x_of_row[gm.rows]
        for f in range(gm.m):
            ks = [k for k in range(len(gm.rows)) if gm.mat[k] == LAM and gm.ci[k] == f]
            if len(ks) < 3:
                continue
            fixed = [k for k in ks if free[k] < 0 and vals[k] == 1.0]
            if not fixed:
                continue
            mk = gm.ri[fixed[0]]
            items = [gm.ri[k] for k in ks]
            for k in ks:
                j = gm.ri[k]
                if free[k] < 0:
                    continue
                inst = [i for i in items if i not in (j, mk)]
                den = float(np.sum(s[mk, inst] ** 2))
                if den > 0:
                    x[free[k]] = float(np.sum(s[j, inst] * s[mk, inst]) / den)
                    used = True
            for k in range(len(gm.rows)):
                if free[k] < 0:
                    continue
                if gm.mat[k] == PSI and gm.ri[k] == f and gm.ci[k] == f:
                    x[free[k]] = max(s[mk, mk] / 2, 1e-3)
                elif gm.mat[k] == THETA and gm.ri[k] == gm.ci[k] and gm.ri[k] in items:
                    x[free[k]] = max(s[gm.ri[k], gm.ri[k]] / 2, 1e-3)
    return x if used else None


def force_pd(s: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """lavaan's ``lav_matrix_symmetric_force_pd``: eigenvalues below ``tol`` times the
    largest are raised to it."""
    if s.shape[0] == 1:
        return np.maximum(s, tol)
    ev, vec = np.linalg.eigh(s)
    top = abs(ev[-1])
    ev = np.where(ev / top < tol, tol * top, ev)
    return (vec * ev) @ vec.T


def _cov2cor(s: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 1.0 / np.sqrt(np.diag(s))
    return s * np.outer(d, d)


def srmr_level(sample: np.ndarray, implied: np.ndarray, force: bool = False) -> float:
    """SRMR of one level, as lavaan's ``lav_fit_srmr_twolevel``.

    .. math:: \\mathrm{SRMR} = \\sqrt{\\sum_{i \\le j} (r_{ij} - \\hat\\rho_{ij})^2 / p^*},
              \\quad p^* = p (p + 1) / 2

    with ``r`` the correlations of the unrestricted (h1) covariance and ``rho`` those of
    the implied one (the between one forced positive definite first, ``force``); NaN when
    an implied variance is not positive.

    Examples
    --------
    >>> s = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> round(srmr_level(s, np.eye(2)), 6)   # one residual .5 among 3 elements
    0.288675
    """
    if force:
        implied = force_pd(implied)
    if not (np.diag(implied) > 0).all():
        return math.nan
    r = _cov2cor(sample) - _cov2cor(implied)
    p = len(r)
    iu = np.triu_indices(p)
    return float(np.sqrt(np.sum(r[iu] ** 2) / (p * (p + 1) / 2)))


@single_threaded
def fit_twolevel(data: pd.DataFrame, model: str, cluster: str, *, missing: str = "listwise",
                 std_lv: bool = False, orthogonal: bool = False,
                 min_clusters: int = MIN_CLUSTERS, random_starts: int | None = None,
                 rng: int = 0) -> TwoLevelResult:
    """Fit a two-level CFA as lavaan's ``cfa(model, data, cluster = cluster)``.

    Parameters
    ----------
    data : DataFrame
        One numeric column per item (NaN missing) and the cluster column.
    model : str
        lavaan syntax with ``level: 1`` and ``level: 2`` blocks.
    cluster : str
        The column that identifies the clusters (e.g. the workplace).
    missing : {"listwise", "fiml"}
        ``fiml`` is lavaan's ``missing = "ml"``: every row with at least one observed item
        is analysed by the exact two-level likelihood of its observed values.
    std_lv, orthogonal : bool
        As in ``cfa()``, at both levels.
    min_clusters : int
        Refuse fewer clusters than this (default :data:`MIN_CLUSTERS`; see the module
        docstring for why). It cannot go below ``p_B + 1``.
    random_starts : int, optional
        Seeded random starts besides the default and marker starts (None: the project's
        multi-start policy, :mod:`lospw.analysis.cfa.multistart`).
    rng : int
        Seed of the random starts.

    Returns
    -------
    TwoLevelResult

    Raises
    ------
    InputError
        Syntax without two levels, unknown variables, a cluster-level variable, too few
        clusters, a bad option.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> J, n = 60, 10
    >>> fb, fw = rng.normal(size=(J, 1)) * 0.6, rng.normal(size=(J * n, 1))
    >>> lam = np.array([[1.0, 0.8, 0.7, 0.9]])
    >>> y = np.repeat(fb, n, axis=0) @ lam + fw @ lam + rng.normal(size=(J * n, 4)) * 0.7
    >>> df = pd.DataFrame(y, columns=["a", "b", "c", "d"]).assign(g=np.repeat(range(J), n))
    >>> m = "level: 1\\n f =~ a + b + c + d\\nlevel: 2\\n f =~ a + b + c + d"
    >>> res = fit_twolevel(df, m, "g")
    >>> res.converged, res.fit["df"], res.n_clusters
    (True, 4.0, 60)
    """
    if not isinstance(model, str):
        raise InputError(f"The model must be lavaan syntax as a string; got "
                         f"{type(model).__name__}.")
    if missing not in ("listwise", "fiml"):
        raise InputError(f"The 'missing' option must be one of 'listwise', 'fiml'; got "
                         f"{missing!r}.")
    if not isinstance(min_clusters, (int, np.integer)) or isinstance(min_clusters, bool) \
            or min_clusters < 2:
        raise InputError(f"The 'min_clusters' option must be an integer of at least 2; got "
                         f"{min_clusters!r}.")
    blocks = split_levels(model)
    if blocks is None:
        raise InputError("A two-level CFA needs model syntax with 'level: 1' and 'level: 2' "
                         "blocks (lavaan's form), e.g. 'level: 1 / f =~ y1 + y2 + y3 / level: "
                         "2 / f =~ y1 + y2 + y3' on separate lines.")
    pt, within_only = build_twolevel_partable(parse_model(blocks[0]), parse_model(blocks[1]),
                                              std_lv=std_lv, orthogonal=orthogonal)
    ov = list(pt.ov_names)
    if not isinstance(cluster, str):
        raise InputError(f"The cluster option must be a column name; got {cluster!r}.")
    _check_data(data, ov, cluster)
    check_item_variance(data, ov, stage="CFA")
    d, excluded = cluster_data(data, ov, cluster, missing)
    wo = np.array([ov.index(v) for v in within_only], dtype=int)
    p_between = len(ov) - len(wo)
    warnings = _check_clusters(d, p_between, min_clusters)
    m = Model(pt)
    obj = TwoLevelObjective(m, d)
    opt, records = best_start(obj.f, obj.grad, obj.scoring_info,
                              _starts(m, d, random_starts, int(rng)))
    disagree = disagreement(records)
    if disagree:
        warnings.append(Note("local_optimum_suspected", disagree))
    if not opt.converged:
        warnings.append(Note("not_converged", f"the optimizer did not converge "
                             f"({opt.message}); estimates are not a solution"))
    vcov = None
    if opt.converged:
        try:
            H = obj.hessian(opt.x)
            if singular_information(H):
                raise np.linalg.LinAlgError
            vcov = np.linalg.inv(H) / d.n
            warnings.extend(vcov_warnings(vcov, m.x_of_row))
        except np.linalg.LinAlgError:
            warnings.append(Note("se_failed", "the information matrix could not be "
                                 "inverted; the model may not be identified (no "
                                 "standard errors)"))
    h1 = saturated_2l(d, wo)
    if not h1.converged:
        warnings.append(Note("numerical_problem", f"the unrestricted two-level model "
                             f"did not converge in {h1.iterations} iterations; the "
                             "chi-square may be off"))
    if h1.logl < obj.loglik(opt.x) - 1e-6 * d.n:
        warnings.append(Note("numerical_problem", "the unrestricted two-level model's "
                             "log-likelihood is below the model's: the saturated model "
                             "is not estimable from these clusters; chi-square set to 0 "
                             "(as lavaan)"))
    logl0 = baseline_2l(d, wo)
    options = {"estimator": "ML", "missing": missing, "cluster": cluster, "levels": 2,
               "std_lv": bool(std_lv), "orthogonal": bool(orthogonal),
               "information": "observed", "min_clusters": int(min_clusters)}
    return _assemble(model, pt, m, obj, d, opt, vcov, h1, logl0, wo, warnings, excluded,
                     options)


def _fit_measures(obj: TwoLevelObjective, d: ClusterData, npar: int, x: np.ndarray,
                  h1: TwoLevelMoments, logl0: float, wo: np.ndarray, states) -> dict:
    p = d.x.shape[1]
    pb = p - len(wo)
    n_moments = p * (p + 1) // 2 + pb * (pb + 1) // 2 + p
    df = n_moments - npar
    df0 = n_moments - (p + pb + p)
    N = d.n
    logl = obj.loglik(x)
    chisq = max(2 * (h1.logl - logl), 0.0)       # lavaan reports 0 when h1 < h0
    x2_null = 2 * (h1.logl - logl0)
    out: dict[str, float] = {
        "npar": float(npar),
        "fmin": (-logl - d.n_values * 0.5 * math.log(2 * math.pi)) / N,
        "chisq": chisq, "df": float(df), "pvalue": F.chisq_pvalue(chisq, df),
        "baseline_chisq": x2_null, "baseline_df": float(df0),
        "baseline_pvalue": F.chisq_pvalue(x2_null, df0),
        "cfi": F.cfi(chisq, df, x2_null, df0), "tli": F.tli(chisq, df, x2_null, df0),
    }
    out.update({"nnfi": out["tli"], "rfi": F.rfi(chisq, df, x2_null, df0),
                "nfi": F.nfi(chisq, df, x2_null, df0), "pnfi": F.pnfi(chisq, df, x2_null, df0),
                "ifi": F.ifi(chisq, df, x2_null, df0), "rni": F.rni(chisq, df, x2_null, df0),
                "logl": logl, "unrestricted_logl": h1.logl, "aic": F.aic(logl, npar),
                "bic": F.bic(logl, npar, N), "ntotal": float(N), "bic2": F.bic2(logl, npar, N)})
    lo, hi = F.rmsea_ci(chisq, df, N, 1)
    out.update({"rmsea": F.rmsea(chisq, df, N, 1), "rmsea_ci_lower": lo, "rmsea_ci_upper": hi,
                "rmsea_ci_level": 0.90, "rmsea_pvalue": F.rmsea_pvalue(chisq, df, N, 1),
                "rmsea_close_h0": 0.05,
                "rmsea_notclose_pvalue": F.rmsea_pvalue(chisq, df, N, 1, h0=0.08, close=False),
                "rmsea_notclose_h0": 0.08})
    (_, iw), (_, ib) = states
    b = np.setdiff1d(np.arange(p), wo)
    sw = srmr_level(h1.sigma_w, iw.sigma)
    sb = srmr_level(h1.sigma_b[np.ix_(b, b)], ib.sigma[np.ix_(b, b)], force=True)
    out.update({"srmr": sw + sb, "srmr_within": sw, "srmr_between": sb})
    return {k: out[k] for k in TWOLEVEL_FIT_MEASURES}


def _assemble(model_text: str, pt, m: Model, obj: TwoLevelObjective, d: ClusterData, opt,
              vcov: np.ndarray | None, h1: TwoLevelMoments, logl0: float, wo: np.ndarray,
              warnings: list[Note], excluded: pd.DataFrame, options: dict
              ) -> TwoLevelResult:
    t = pt.table
    est = m.row_values(opt.x)
    xr = m.x_of_row
    free = xr >= 0
    se = np.zeros(len(t))
    if vcov is not None:
        se[free] = np.sqrt(np.clip(np.diag(vcov), 0, None))[xr[free]]
    else:
        se[free] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free & (se > 0), est / se, np.nan)
    pval = np.where(np.isfinite(z), special.erfc(np.abs(z) / math.sqrt(2)), np.nan)
    zc = 1.959963984540054
    states = m.group_state(opt.x)
    ov, lv = list(pt.ov_names), list(pt.lv_names)
    std_lv, std_all = standardize(t, est, lv, ov, [imp.veta for _, imp in states],
                                  [imp.sigma for _, imp in states])
    params = pd.DataFrame({
        "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"], "level": t["group"],
        "label": t["label"], "free": t["free"], "est": est, "se": se, "z": z, "pvalue": pval,
        "ci_lower": np.where(free, est - zc * se, est),
        "ci_upper": np.where(free, est + zc * se, est), "std_lv": std_lv, "std_all": std_all,
    })[list(TWOLEVEL_PARAMETER_COLUMNS)]
    _improper(params, states, warnings)
    if opt.converged:
        fit = _fit_measures(obj, d, pt.npar, opt.x, h1, logl0, wo, states)
    else:
        fit = {k: math.nan for k in TWOLEVEL_FIT_MEASURES}
        p = len(ov)
        pb = p - len(wo)
        fit.update(npar=float(pt.npar), ntotal=float(d.n),
                   df=float(p * (p + 1) // 2 + pb * (pb + 1) // 2 + p - pt.npar))
    b = [v for i, v in enumerate(ov) if i not in set(wo.tolist())]
    bi = [ov.index(v) for v in b]
    (_, iw), (_, ib) = states
    implied = {"within": {"cov": pd.DataFrame(iw.sigma, index=ov, columns=ov),
                          "mean": pd.Series(iw.mu, index=ov)},
               "between": {"cov": pd.DataFrame(ib.sigma[np.ix_(bi, bi)], index=b, columns=b),
                           "mean": pd.Series(ib.mu[bi], index=b)}}
    h1d = {"within": {"cov": pd.DataFrame(h1.sigma_w, index=ov, columns=ov),
                      "mean": pd.Series(h1.mu_w, index=ov)},
           "between": {"cov": pd.DataFrame(h1.sigma_b[np.ix_(bi, bi)], index=b, columns=b),
                       "mean": pd.Series(h1.mu_b[bi], index=b)}}
    with np.errstate(invalid="ignore", divide="ignore"):
        icc = np.diag(h1.sigma_b) / (np.diag(h1.sigma_w) + np.diag(h1.sigma_b))
    icc[wo] = np.nan
    sizes = d.sizes.astype(float)
    cs = {"min": float(sizes.min()), "max": float(sizes.max()), "mean": float(sizes.mean()),
          "harmonic_mean": float(len(sizes) / np.sum(1.0 / sizes))}
    if len(excluded):
        warnings.insert(0, Note("rows_dropped", f"{len(excluded)} row(s) not analysed "
                                "(see 'excluded')"))
    return TwoLevelResult(model=model_text, missing=options["missing"],
                          converged=bool(opt.converged), fit=fit, parameters=params,
                          n_obs=d.n, n_clusters=d.n_clusters, cluster=options["cluster"],
                          cluster_sizes=cs, icc=pd.Series(icc, index=ov), implied=implied,
                          h1=h1d, warnings=tuple(warnings), excluded=excluded,
                          options=options, iterations=int(opt.iterations),
                          fit_state={"pt": pt, "model": m, "x": opt.x, "vcov": vcov, "data": d})


def _improper(params: pd.DataFrame, states, warnings: list[Note]) -> None:
    var = params[(params.op == "~~") & (params.lhs == params.rhs) & (params.est < 0)]
    for _, r in var.iterrows():
        warnings.append(Note("heywood_case", f"negative variance at the "
                             f"{LEVELS[int(r.level) - 1]} level: {r.lhs} ~~ {r.rhs} = "
                             f"{r.est:.4g}"))
    big = params[(params.op == "=~") & (params.std_all.abs() > 1)]
    for _, r in big.iterrows():
        warnings.append(Note("heywood_case", f"standardized loading above 1 at the "
                             f"{LEVELS[int(r.level) - 1]} level: {r.lhs} =~ {r.rhs} = "
                             f"{r.std_all:.4g}"))
    for lvl, (_, imp) in zip(LEVELS, states, strict=True):
        ev = np.linalg.eigvalsh(imp.veta) if imp.veta.size and np.isfinite(imp.veta).all() \
            else np.array([0.0])
        if imp.veta.size and ev.min() < -1e-10:
            warnings.append(Note("nonpositive_definite", f"the latent covariance matrix "
                                 f"of the {lvl} level is not positive definite"))


def fit_cfa_two_level(data: Any, model: str, cluster: str | None, estimator: str | None,
                      missing: str, group: str | None, std_lv: bool, orthogonal: bool,
                      random_starts: int | None, rng: Any) -> TwoLevelResult:
    """``fit_cfa(..., cluster=)``: the options the two-level path cannot take are refused in
    one line, the rest passed to :func:`fit_twolevel`."""
    if cluster is None:
        raise InputError("The model has 'level:' blocks (a two-level model); name the cluster "
                         "column too (cluster=..., --cluster on the command line).")
    if split_levels(model) is None:
        raise InputError(f"With a cluster column ({cluster!r}) the model needs 'level: 1' and "
                         "'level: 2' blocks (lavaan's two-level syntax).")
    if estimator not in (None, "ML", "ml"):
        raise InputError(f"Two-level models are fitted by ML (lavaan's only estimator for "
                         f"two-level continuous data); got estimator {estimator!r}.")
    if group is not None:
        raise InputError("A two-level model with groups is not supported; fit it per group.")
    seed = int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else 0
    return fit_twolevel(data, model, cluster, missing=missing, std_lv=std_lv,
                        orthogonal=orthogonal, random_starts=random_starts, rng=seed)
