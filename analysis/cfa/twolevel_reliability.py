"""Multilevel composite reliability (Lai, 2021), as semTools 0.5-6 ``compRelSEM(fit, config =,
shared =)`` computes it from a two-level CFA.

For a composite of the items of factor ``f`` (the unit-weighted sum), with ``Sigma_W`` and
``Sigma_B`` the within and between covariance matrices of those items (``obs_var=True``:
the unrestricted two-level model's, lavaan's h1; ``False``: the model-implied ones), ``C_l =
sum(Lambda_l[:, f] phi_l,ff Lambda_l[:, f]') = phi_l,ff (sum_i lambda_l,if)^2`` the common
part of level ``l``, ``sum`` the sum of all elements and ``c = mean_j(1 / n_j)`` (one over
the harmonic mean cluster size):

Configural construct (the person-level composite; the factor has the same name at both
levels):

.. math:: \\omega_W = C_W / \\mathrm{sum}(\\Sigma_W), \\qquad
          \\omega_{2L} = (C_W + C_B) / (\\mathrm{sum}(\\Sigma_W) + \\mathrm{sum}(\\Sigma_B))

``omega_W`` is the reliability of the cluster-mean-centred composite, ``omega_2L`` of the raw
composite (it assumes loadings equal across levels: a warning otherwise, as semTools).

Shared construct (a property of the cluster, measured by its members' mean):

.. math:: \\omega_B = C_B / (c\\,\\mathrm{sum}(\\Sigma_W) + \\mathrm{sum}(\\Sigma_B)), \\qquad
          \\mathrm{IRR} = \\mathrm{sum}(\\Sigma_B) / (c\\,\\mathrm{sum}(\\Sigma_W) +
          \\mathrm{sum}(\\Sigma_B))

``omega_B`` is the level-2 reliability of the cluster mean of the composite (item error and
the sampling of members), ``IRR`` its ICC(2)-type counterpart (sampling of members only).

With ``tau_eq=True`` (semTools' ``tau.eq``) the alpha versions: ``alpha_W`` and ``alpha_2L``
are Cronbach's alpha of ``Sigma_W`` and ``Sigma_W + Sigma_B``, ``alpha_B = k/(k-1)
offdiag(Sigma_B) / (c sum(Sigma_W) + sum(Sigma_B))`` (``offdiag``: sum of the off-diagonal
elements, ``k`` items). Without ``config`` / ``shared`` semTools reports Geldhof, Preacher &
Zyphur's (2014) per-level omega ``C_l / sum(Sigma_l)``: :func:`geldhof_omega`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lospw.analysis.cfa.twolevel_result import TwoLevelResult
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.warnings import Note, notes_to_dicts

__all__ = ["MultilevelReliability", "geldhof_omega", "multilevel_reliability"]

LEVELS = {"within": 1, "between": 2}


@dataclass(frozen=True)
class MultilevelReliability:
    """Lai's (2021) multilevel reliabilities of the factors' composites.

    Attributes
    ----------
    table : DataFrame
        One row per factor; columns ``omega_W``, ``omega_2L`` (configural factors),
        ``omega_B``, ``IRR`` (shared factors), ``n_items``; with ``tau_eq`` ``alpha_W``,
        ``alpha_2L``, ``alpha_B`` in place of the omegas. NaN where a factor is not of that
        kind.
    harmonic_cluster_size : float
    obs_var, tau_eq : bool
    warnings : tuple of Note
        E.g. ``unequal_level_loadings``: unequal loadings across levels for ``omega_2L``.
    """

    table: pd.DataFrame
    harmonic_cluster_size: float
    obs_var: bool
    tau_eq: bool
    warnings: tuple[Note, ...] = ()

    def to_dict(self) -> dict:
        t = self.table.astype(object).where(self.table.notna(), None)
        return {"reliability": t.reset_index(names="factor").to_dict("records"),
                "harmonic_cluster_size": self.harmonic_cluster_size,
                "obs_var": self.obs_var, "tau_eq": self.tau_eq,
                "warnings": notes_to_dicts(self.warnings)}


def _level_parts(res: TwoLevelResult) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    """Per level: loadings (items x factors) and factor variances (model-implied)."""
    st = res.fit_state
    if st is None:
        raise InputError("The two-level result carries no fitted model (it was not produced "
                         "by fit_twolevel).")
    pt, m = st["pt"], st["model"]
    ov, lv = list(pt.ov_names), list(pt.lv_names)
    out = {}
    for lvl, (M, imp) in zip(LEVELS, m.group_state(st["x"]), strict=True):
        out[lvl] = (pd.DataFrame(M["lambda"], index=ov, columns=lv),
                    pd.Series(np.diag(imp.veta), index=lv))
    return out


def _common(lam: pd.DataFrame, var: pd.Series, f: str, items: list[str]) -> float:
    return float(var[f] * lam.loc[items, f].sum() ** 2)


def _items(lam: pd.DataFrame, f: str) -> list[str]:
    if f not in lam.columns:
        return []
    col = lam[f]
    return list(col.index[col != 0])


def _moments(res: TwoLevelResult, obs_var: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    src = res.h1 if obs_var else res.implied
    return src["within"]["cov"], src["between"]["cov"]


def _alpha(s: np.ndarray) -> float:
    k = len(s)
    return float(k / (k - 1) * (1 - np.trace(s) / s.sum())) if k > 1 else float("nan")


def geldhof_omega(res: TwoLevelResult, *, obs_var: bool = True) -> pd.DataFrame:
    """Per-level omega ``C_l / sum(Sigma_l)`` of every factor at that level (Geldhof et al.,
    2014; semTools' ``compRelSEM`` default for two-level fits): rows factors, columns
    ``within`` and ``between``."""
    parts = _level_parts(res)
    sw, sb = _moments(res, obs_var)
    rows = {}
    for lvl, s in (("within", sw), ("between", sb)):
        lam, var = parts[lvl]
        for f in lam.columns:
            items = _items(lam, f)
            if items and all(v in s.index for v in items):
                rows.setdefault(f, {})[lvl] = _common(lam, var, f, items) / float(
                    s.loc[items, items].to_numpy().sum())
    return pd.DataFrame.from_dict(rows, orient="index", columns=["within", "between"])


def multilevel_reliability(res: TwoLevelResult, *, config: Sequence[str] = (),
                           shared: Sequence[str] = (), obs_var: bool = True,
                           tau_eq: bool = False) -> MultilevelReliability:
    """Lai's (2021) reliabilities of configural and shared factors (see the module docstring).

    Parameters
    ----------
    res : TwoLevelResult
        A converged two-level CFA.
    config : sequence of str
        Factors that are configural constructs: named at both levels (``omega_W``,
        ``omega_2L``).
    shared : sequence of str
        Factors at the between level that are shared constructs (``omega_B``, ``IRR``).
    obs_var : bool
        Denominators from the unrestricted (h1) covariances (semTools' default) or from the
        model-implied ones.
    tau_eq : bool
        Alpha (tau-equivalent) versions instead of omega.

    Returns
    -------
    MultilevelReliability

    Raises
    ------
    InputError
        Not converged, no factor named, a configural factor missing at a level, a shared
        factor missing at the between level.
    """
    if not isinstance(res, TwoLevelResult):
        raise InputError(f"Multilevel reliability needs a two-level CFA result; got "
                         f"{type(res).__name__}.")
    if not res.converged:
        raise InputError("The two-level CFA did not converge; its reliabilities would be "
                         "meaningless.")
    config, shared = list(config), list(shared)
    if not config and not shared:
        raise InputError("Name the factors: config=[...] (configural constructs) and/or "
                         "shared=[...] (shared constructs).")
    parts = _level_parts(res)
    (lw, vw), (lb, vb) = parts["within"], parts["between"]
    sw, sb = _moments(res, obs_var)
    c = 1.0 / res.cluster_sizes["harmonic_mean"]
    rows: dict[str, dict[str, float]] = {}
    warnings: list[Note] = []
    w_name, t_name = ("alpha_W", "alpha_2L") if tau_eq else ("omega_W", "omega_2L")
    for f in config:
        items = _items(lw, f)
        if not items or not _items(lb, f):
            raise InputError(f"Factor {f!r} must be named at both levels to be a configural "
                             "construct (the same name in 'level: 1' and 'level: 2').")
        s_w = sw.loc[items, items].to_numpy()
        s_b = sb.reindex(index=items, columns=items).fillna(0.0).to_numpy()
        if tau_eq:
            r = {w_name: _alpha(s_w), t_name: _alpha(s_w + s_b)}
        else:
            cw = _common(lw, vw, f, items)
            cb = _common(lb, vb, f, _items(lb, f))
            r = {w_name: cw / s_w.sum(), t_name: (cw + cb) / (s_w.sum() + s_b.sum())}
            if not np.allclose(lw.loc[items, f], lb.reindex(items)[f].fillna(0.0),
                               atol=1e-8, rtol=0):
                warnings.append(Note("unequal_level_loadings", f"Unequal loadings across "
                                     f"levels for {f}: omega_2L for configural constructs "
                                     "assumes invariance.", {"factor": f}))
        rows.setdefault(f, {}).update(r, n_items=float(len(items)))
    b_name = "alpha_B" if tau_eq else "omega_B"
    for f in shared:
        items = _items(lb, f)
        if not items:
            raise InputError(f"Factor {f!r} is not a between-level factor ('level: 2'); a "
                             "shared construct is measured at the between level.")
        s_w = sw.loc[items, items].to_numpy()
        s_b = sb.loc[items, items].to_numpy()
        den = c * s_w.sum() + s_b.sum()
        k = len(items)
        num = (k / (k - 1) * (s_b.sum() - np.trace(s_b)) if k > 1 else np.nan) if tau_eq \
            else _common(lb, vb, f, items)
        rows.setdefault(f, {}).update({b_name: num / den, "IRR": s_b.sum() / den},
                                      n_items=float(len(items)))
    cols = [w_name, t_name, b_name, "IRR", "n_items"]
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=cols)
    return MultilevelReliability(table, float(res.cluster_sizes["harmonic_mean"]),
                                 bool(obs_var), bool(tau_eq), tuple(warnings))
