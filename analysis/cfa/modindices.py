"""Score tests: modification indices and tests for releasing equality constraints.

Modification indices (lavaan ``modindices()``): the model is extended with every parameter
that could be added (cross-loadings, residual and latent covariances, intercepts with a mean
structure) and with its fixed parameters set free, all evaluated at the estimates. With the
gradient ``g`` of the per-observation discrepancy and the expected information ``I`` in the
extended space, for each extra parameter::

    V  = I11 - I12 I22^-1 I21        (diagonal only)
    MI = N g^2 / V                    EPC = -g / V

An extra parameter with ``V < eps^(1/3)`` (not identified when freed) gets no index. The
standardized EPCs rescale ``|EPC|`` as the standardized solution does (covariances by the
residual SDs), keeping the sign.

Score tests for equality constraints (lavaan ``lavTestScore()``, univariate): one constraint
``ref == other`` per constrained parameter other than the first of its set. With the gradient
``g`` and the expected information ``I`` of the unconstrained parameter vector and the
constraint Jacobian ``R``, releasing constraint ``r`` gives ``N g' [Z_(-r)^+]_11 g`` on 1 df,
``Z = [[I, R'], [R, 0]]``; all of them come from one inverse of ``Z``
(:func:`constraint_score_tests`). The total test releases all at once: ``N g' I^+ g``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from lospw.analysis.cfa.model import Model
from lospw.analysis.cfa.partable import ParTable
from lospw.analysis.cfa.result import CFAResult
from lospw.analysis.cfa.standardize import standardize
from lospw.analysis.cfa.threads import single_threaded

__all__ = ["constraint_score_tests", "fixed_score_tests", "modindices", "score_tests"]

MI_COLUMNS = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]


def _candidates(pt: ParTable) -> list[tuple[str, str, str, int]]:
    t = pt.table
    ov, lv = list(pt.ov_names), list(pt.lv_names)
    existing = set()
    for a, o, b, g in zip(t["lhs"], t["op"], t["rhs"], t["group"], strict=True):
        existing.add((a, o, b, g))
        if o == "~~":
            existing.add((b, o, a, g))
    eqs = list(dict.fromkeys(list(t.loc[t["op"] == "~", "lhs"]) +
                             list(t.loc[t["op"] == "~", "rhs"])))
    out = []
    for g in range(1, pt.ngroups + 1):
        rows = [(f, "=~", v) for f in lv for v in ov]
        rows += [(ov[j], "~~", ov[i]) for j in range(len(ov)) for i in range(j, len(ov))]
        rows += [(lv[j], "~~", lv[i]) for j in range(len(lv)) for i in range(j, len(lv))]
        rows += [(a, "~", b) for a in eqs for b in eqs if a != b]
        if pt.meanstructure:
            rows += [(v, "~1", "") for v in ov + lv]
        out += [(a, o, b, g) for a, o, b in rows if (a, o, b, g) not in existing]
    return out


def _extended(res: CFAResult) -> tuple[ParTable, np.ndarray, int, pd.DataFrame]:
    """Extended table (extra rows appended, fixed rows freed), its x, and the extra rows."""
    st = res.fit_state
    pt = st.pt
    t = pt.table.copy()
    est = res.parameters["est"].to_numpy()
    nx = pt.nx
    x_ext = list(st.x)
    extra = []
    x_col = t["x"].to_numpy().copy()
    fixed = np.flatnonzero(x_col < 0)
    for r in fixed:
        x_col[r] = len(x_ext)
        x_ext.append(est[r])
        extra.append(r)
    t["x"] = x_col
    add = _candidates(pt)
    new = pd.DataFrame({
        "id": np.arange(len(t) + 1, len(t) + len(add) + 1),
        "lhs": [a[0] for a in add], "op": [a[1] for a in add], "rhs": [a[2] for a in add],
        "group": [a[3] for a in add], "user": 10, "free": 0, "ustart": 0.0, "label": "",
        "plabel": "", "x": np.arange(len(x_ext), len(x_ext) + len(add)),
    })
    x_ext += [0.0] * len(add)
    table = pd.concat([t, new], ignore_index=True)
    ext = replace(pt, table=table)
    rows_extra = np.r_[np.array(extra, dtype=int), np.arange(len(t), len(table))]
    return ext, np.array(x_ext), nx, table.iloc[rows_extra]


def _objective(res: CFAResult, model: Model):
    st = res.fit_state
    return st.objective.rebind(model)


@single_threaded
def modindices(res: CFAResult, *, sort: bool = True, minimum: float = 0.0) -> pd.DataFrame:
    """Modification indices of a fitted model; see the module docstring.

    Returns
    -------
    DataFrame
        Columns ``lhs op rhs group mi epc sepc_lv sepc_all sepc_nox``, one row per
        parameter that could be added or freed (those with an index), sorted by ``mi``.
    """
    st = res.fit_state
    if st is None or not res.converged:
        return pd.DataFrame(columns=MI_COLUMNS)
    ext, x_ext, nx, extra_rows = _extended(res)
    m = Model(ext)
    obj = _objective(res, m)
    g = obj.grad(x_ext)
    info = obj.info(x_ext)
    k = len(x_ext)
    e_idx = np.arange(nx, k)
    i11 = info[np.ix_(e_idx, e_idx)]
    i12 = info[np.ix_(e_idx, np.arange(nx))]
    i22 = info[:nx, :nx]
    try:
        v = np.diag(i11) - np.einsum("ij,ji->i", i12, np.linalg.solve(i22, i12.T))
    except np.linalg.LinAlgError:   # singular information: an unidentified model
        v = np.full(len(e_idx), np.nan)
    v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
    N = st.ntotal
    ge = g[e_idx]
    mi = N * ge**2 / v
    d = -N * ge
    d = np.where(np.abs(d) < 1e-15, 1.0, d)
    epc = mi / d
    # standardized EPC: scale |EPC| like estimates; variances replaced by the estimates
    table = ext.table
    est_all = m.row_values(x_ext)
    epc_row = np.full(len(table), np.nan)
    epc_row[extra_rows.index.to_numpy()] = epc
    var_rows = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])).to_numpy()
    EPC = np.where(var_rows, est_all, epc_row)
    small = var_rows & (np.abs(np.nan_to_num(EPC)) < np.sqrt(np.finfo(float).eps))
    EPC[small] = np.nan
    states = st.model.group_state(st.x)
    veta = [imp.veta for _, imp in states]
    sigma = [imp.sigma / np.outer(imp.delta, imp.delta) for _, imp in states]   # VY
    s_lv, s_all = standardize(table, np.abs(EPC), list(ext.lv_names), list(ext.ov_names),
                              veta, sigma)
    sign = np.sign(epc_row)
    s_lv, s_all = sign * s_lv, sign * s_all
    s_lv[small], s_all[small] = 0.0, 0.0
    sel = extra_rows.index.to_numpy()
    out = pd.DataFrame({
        "lhs": table["lhs"].to_numpy()[sel], "op": table["op"].to_numpy()[sel],
        "rhs": table["rhs"].to_numpy()[sel], "group": table["group"].to_numpy()[sel],
        "mi": mi, "epc": epc, "sepc_lv": s_lv[sel], "sepc_all": s_all[sel],
        "sepc_nox": s_all[sel],
    })
    out = out[np.isfinite(out["mi"])]
    if minimum > 0:
        out = out[out["mi"] > minimum]
    if sort:
        out = out.iloc[np.argsort(-out["mi"].to_numpy(), kind="stable")]
    return out.reset_index(drop=True)


@single_threaded
def score_tests(res: CFAResult, *, ops: Sequence[str] | None = None) -> pd.DataFrame:
    """Univariate score tests for releasing each equality constraint (lavTestScore).

    All tests come from one inversion of the augmented information matrix (see
    :func:`constraint_score_tests`); a constraint whose release would leave the model
    unidentified (the augmented matrix without it is singular) is tested as before, by
    refitting the information of the reparameterised model with a pseudo-inverse, as lavaan's
    ``MASS::ginv`` does.

    Parameters
    ----------
    res : CFAResult
    ops : sequence of str, optional
        Test only the constraints whose freed parameter has one of these operators (e.g.
        ``["=~"]`` for loadings, ``["~1"]`` for intercepts); all by default. The total test
        always releases every constraint.

    Returns
    -------
    DataFrame
        One row per constraint ``ref == other``: ``lhs op rhs group`` of the parameter that
        would be freed, ``label``, ``plabel_ref``, ``plabel`` (lavaan's ``.pN.`` names), the
        statistic ``X2`` on ``df`` = 1 and its ``pvalue``. ``attrs["total"]`` holds the
        test releasing all constraints at once (X2, df, pvalue).
    """
    st = res.fit_state
    cols = ["lhs", "op", "rhs", "group", "label", "plabel_ref", "plabel", "X2", "df", "pvalue"]
    if st is None or not res.converged:
        return pd.DataFrame(columns=cols)
    pt = st.pt
    t = pt.table
    x_col = t["x"].to_numpy()
    rows = []
    first: dict[int, int] = {}
    for r in range(len(t)):
        k = x_col[r]
        if k < 0:
            continue
        if k in first:
            rows.append((first[k], r))
        else:
            first[k] = r
    if not rows:
        return pd.DataFrame(columns=cols)
    N = st.ntotal
    # the unconstrained parameter vector: every free row its own entry
    free_idx = np.where(x_col >= 0, t["free"].to_numpy() - 1, -1)
    unc = replace(pt, table=t.assign(x=free_idx))
    obj = _objective(res, Model(unc))
    x_unc = np.zeros(int(free_idx.max()) + 1)
    x_unc[free_idx[x_col >= 0]] = st.x[x_col[x_col >= 0]]
    g = obj.grad(x_unc)
    info = obj.info(x_unc)
    R = np.zeros((len(rows), len(x_unc)))
    for i, (ref, r) in enumerate(rows):
        R[i, free_idx[ref]] = 1.0
        R[i, free_idx[r]] = -1.0
    wanted = np.array([ops is None or t["op"].iat[r] in set(ops) for _, r in rows])
    x2 = constraint_score_tests(g, info, R, N)

    def stat(released: list[int]) -> float:
        """The old path: reparameterise with ``released`` rows free, pseudo-inverse."""
        xc = x_col.copy()
        x_ext = list(st.x)
        for r in released:
            xc[r] = len(x_ext)
            x_ext.append(st.x[x_col[r]])
        m = Model(replace(pt, table=t.assign(x=xc)))
        o = _objective(res, m)
        xe = np.array(x_ext)
        ge = o.grad(xe)
        return float(N * ge @ np.linalg.pinv(o.info(xe)) @ ge)

    out = []
    for i, (ref, r) in enumerate(rows):
        if not wanted[i]:
            continue
        v = float(x2[i]) if np.isfinite(x2[i]) else stat([r])
        out.append({"lhs": t["lhs"].iat[r], "op": t["op"].iat[r], "rhs": t["rhs"].iat[r],
                    "group": int(t["group"].iat[r]), "label": t["label"].iat[r],
                    "plabel_ref": t["plabel"].iat[ref], "plabel": t["plabel"].iat[r],
                    "X2": v, "df": 1, "pvalue": float(stats.chi2.sf(v, 1))})
    frame = pd.DataFrame(out, columns=cols)
    total = float(N * g @ np.linalg.pinv(info) @ g)
    frame.attrs["total"] = {"X2": total, "df": len(rows),
                            "pvalue": float(stats.chi2.sf(total, len(rows)))}
    return frame


@single_threaded
def fixed_score_tests(res: CFAResult, rows: Sequence[int]) -> pd.DataFrame:
    """Univariate score tests for freeing fixed parameters (the modification indices of
    those rows only, the same values as :func:`modindices` gives them).

    A value fixed alike in every group under one shared label (how
    ``semTools::measEq.syntax`` equates the intercepts of ordered items, fixed at 0, and
    their residual variances, fixed at 1) is an equality constraint that no free parameter
    carries; releasing it in a group frees that group's row, and its score test is that
    row's modification index ``N g^2 / (I11 - I12 I22^-1 I21)``.

    Parameters
    ----------
    res : CFAResult
    rows : sequence of int
        Rows of the parameter table (fixed ones).

    Returns
    -------
    DataFrame
        ``lhs op rhs group label X2 df pvalue``, one row per row given that can be tested.
    """
    cols = ["lhs", "op", "rhs", "group", "label", "X2", "df", "pvalue"]
    st = res.fit_state
    rows = [int(r) for r in rows]
    if st is None or not res.converged or not rows:
        return pd.DataFrame(columns=cols)
    pt = st.pt
    t = pt.table
    est = res.parameters["est"].to_numpy()
    x_col = t["x"].to_numpy().copy()
    nx = pt.nx
    x_col[rows] = np.arange(nx, nx + len(rows))
    m = Model(replace(pt, table=t.assign(x=x_col)))
    obj = _objective(res, m)
    x_ext = np.r_[st.x, est[rows]]
    g = obj.grad(x_ext)
    info = obj.info(x_ext)
    e = np.arange(nx, nx + len(rows))
    i12 = info[np.ix_(e, np.arange(nx))]
    try:
        v = np.diag(info[np.ix_(e, e)]) - np.einsum("ij,ji->i", i12,
                                                    np.linalg.solve(info[:nx, :nx], i12.T))
    except np.linalg.LinAlgError:
        v = np.full(len(rows), np.nan)
    v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
    x2 = st.ntotal * g[e] ** 2 / v
    out = pd.DataFrame({"lhs": t["lhs"].to_numpy()[rows], "op": t["op"].to_numpy()[rows],
                        "rhs": t["rhs"].to_numpy()[rows],
                        "group": t["group"].to_numpy()[rows].astype(int),
                        "label": t["label"].to_numpy()[rows], "X2": x2, "df": 1,
                        "pvalue": stats.chi2.sf(x2, 1)})
    return out[np.isfinite(out["X2"])].reset_index(drop=True)


def constraint_score_tests(g: np.ndarray, info: np.ndarray, R: np.ndarray, n: float,
                           *, tol: float = 1e-8) -> np.ndarray:
    """Univariate score statistics of linear equality constraints, from one inversion.

    lavaan's ``lavTestScore`` (univariate) computes, for each constraint ``r``, the
    statistic ``n g' [Z_(-r)^+]_11 g`` with ``g`` the gradient of the log-likelihood per
    observation and ``Z_(-r)`` the augmented information ``[[I, R'], [R, 0]]`` without
    constraint ``r`` (Bentler & Chou, 1992). With ``Y = Z^-1`` of the full augmented matrix,
    deleting row and column ``k = p + r`` gives (bordered-inverse identity)
    ``[Z_(-r)^-1]_11 = Y_11 - Y_1k Y_k1 / Y_kk``, so all statistics come from one inversion:
    ``n (g' Y_11 g - (Y_1k' g)^2 / Y_kk)``.

    Parameters
    ----------
    g : ndarray (p,)
        Gradient of the discrepancy (or of the log-likelihood: the sign does not matter)
        per observation, in the unconstrained parameter vector.
    info : ndarray (p, p)
        Information per observation in the unconstrained parameter vector.
    R : ndarray (c, p)
        Constraint Jacobian, one row per constraint.
    n : float
        Number of observations.
    tol : float
        A constraint with ``|Y_kk|`` below ``tol`` times the largest gets NaN: releasing it
        leaves the model unidentified (the caller falls back to a pseudo-inverse).

    Returns
    -------
    ndarray (c,)
        NaN where the augmented matrix (with or without the constraint) is singular.

    Examples
    --------
    >>> info = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> R = np.array([[1.0, -1.0]])
    >>> g = np.array([0.3, -0.3])          # the gradient at a constrained optimum
    >>> x2 = constraint_score_tests(g, info, R, 100)
    >>> bool(np.isclose(x2[0], 100 * g @ np.linalg.inv(info) @ g))
    True
    """
    p, c = info.shape[0], R.shape[0]
    Z = np.zeros((p + c, p + c))
    Z[:p, :p] = info
    Z[p:, :p] = R
    Z[:p, p:] = R.T
    out = np.full(c, np.nan)
    try:
        Y = np.linalg.inv(Z)
    except np.linalg.LinAlgError:
        return out
    if not np.all(np.isfinite(Y)) or not np.allclose(Z @ Y, np.eye(p + c), atol=1e-6):
        return out
    y11g = Y[:p, :p] @ g
    base = float(g @ y11g)
    a = Y[:p, p:].T @ g                     # Y_1k' g for every k
    ykk = np.diag(Y)[p:]
    ok = np.abs(ykk) > tol * max(np.max(np.abs(ykk)), np.finfo(float).tiny)
    out[ok] = n * (base - a[ok] ** 2 / ykk[ok])
    return out
