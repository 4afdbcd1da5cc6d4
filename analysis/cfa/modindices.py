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

Score tests for equality constraints (lavaan ``lavTestScore()``, univariate): for each
constrained parameter other than the first of its set, the model is reparameterised so that
this parameter gets its own entry; the score statistic is ``N g' I^-1 g`` on 1 df (the
gradient vanishes except on the two entries involved). The total test frees all at once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from analysis.cfa._blas import single_threaded
from analysis.cfa.model import Model
from analysis.cfa.partable import ParTable
from analysis.cfa.standardize import standardize

if TYPE_CHECKING:  # pragma: no cover
    from analysis.cfa.result import CFAResult

__all__ = ["modindices", "score_tests"]

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
    st = res._state
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
    st = res._state
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
    st = res._state
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
    v = np.diag(i11) - np.einsum("ij,ji->i", i12, np.linalg.solve(i22, i12.T))
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
    sigma = [imp.sigma / np.outer(M["delta"], M["delta"]) for M, imp in states]   # VY
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
def score_tests(res: CFAResult) -> pd.DataFrame:
    """Univariate score tests for releasing each equality constraint (lavTestScore).

    Returns
    -------
    DataFrame
        One row per constraint ``ref == other``: ``lhs op rhs group`` of the parameter that
        would be freed, ``label``, ``plabel_ref``, ``plabel`` (lavaan's ``.pN.`` names), the
        statistic ``X2`` on ``df`` = 1 and its ``pvalue``. ``attrs["total"]`` holds the
        test releasing all constraints at once (X2, df, pvalue).
    """
    st = res._state
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
    out = []

    def stat(released: list[int]) -> float:
        xc = x_col.copy()
        x_ext = list(st.x)
        for r in released:
            xc[r] = len(x_ext)
            x_ext.append(st.x[x_col[r]])
        ext = replace(pt, table=t.assign(x=xc))
        m = Model(ext)
        obj = _objective(res, m)
        xe = np.array(x_ext)
        g = obj.grad(xe)
        info = obj.info(xe)
        return float(N * g @ np.linalg.pinv(info) @ g)

    for ref, r in rows:
        x2 = stat([r])
        out.append({"lhs": t["lhs"].iat[r], "op": t["op"].iat[r], "rhs": t["rhs"].iat[r],
                    "group": int(t["group"].iat[r]), "label": t["label"].iat[r],
                    "plabel_ref": t["plabel"].iat[ref], "plabel": t["plabel"].iat[r],
                    "X2": x2, "df": 1, "pvalue": float(stats.chi2.sf(x2, 1))})
    frame = pd.DataFrame(out, columns=cols)
    total = stat([r for _, r in rows])
    frame.attrs["total"] = {"X2": total, "df": len(rows),
                            "pvalue": float(stats.chi2.sf(total, len(rows)))}
    return frame
